/* SPDX-License-Identifier: MIT */
/*
 * reload.h: what SIGHUP (and, later, `pwire reload`) does to a running
 * pwired. pw_reload_plan() compares the running configuration with the one
 * just parsed, section by section by name and normalized text
 * (pw_conf_print), and says which sections go, which stay untouched, and
 * whether the new configuration can be applied at all: pwired runs
 * unprivileged after its start (cli/privs.h), so it can close pseudowires
 * but cannot open a TAP or a socket; a section added or changed refuses the
 * whole reload (docs/architecture.md, "Reload").
 */
#ifndef PWIRE_DAEMON_RELOAD_H
#define PWIRE_DAEMON_RELOAD_H

#include <stdbool.h>
#include <stddef.h>

#include "core/err.h"
#include "daemon/conf.h"

struct pw_reload_plan {
	int *new_of_old; /* per running section: its index in the new one, -1 if removed */
	unsigned added, removed, changed, unchanged;
};

/* Plan going from `old` to `new`. False (every reason in e, each naming the
 * file, the line and the section, and nothing to free) if the new configuration needs what pwired
 * can no longer do; else true and a one-line summary in `line` ("reload:
 * removed vm2; 1 unchanged"). */
bool pw_reload_plan(const struct pw_conf *old, const struct pw_conf *new, const char *file,
		    struct pw_reload_plan *p, char *line, size_t len, struct pw_err *e);
void pw_reload_plan_free(struct pw_reload_plan *p);

/* Block SIGHUP and return a signalfd for it (-1 and errno on failure). */
int pw_reload_signal_open(void);

/* In daemon/main.c: re-read the file pwired started with and apply the
 * difference; 0 with what changed in summary ("reload: removed vm2; 1
 * unchanged", also logged), or -1 with the reason in e and the running
 * pseudowires untouched. SIGHUP and the control socket's reload call it. */
struct run;
int pwired_reload(struct run *r, struct pw_err *e, char *summary, size_t size);

#endif
