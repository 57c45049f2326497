/* SPDX-License-Identifier: MIT */
/*
 * reload.h: what SIGHUP, `pwire reload`, add, set and del do to a running
 * pwired. pw_reload_plan() compares the running configuration with the one
 * just parsed, section by section by name and normalized text
 * (pw_conf_print), and says which sections go, which stay untouched and
 * which are to be opened (added, or changed: closed and opened again). The
 * data path runs unprivileged, and asks its privileged helper (daemon/priv.h)
 * for what a new pseudowire needs; one on the socket of a section that
 * stays joins it (link.h: pw_link_join). Refused whole: a section with
 * io_uring on to open (docs/architecture.md, "daemon/").
 */
#ifndef PWIRE_DAEMON_RELOAD_H
#define PWIRE_DAEMON_RELOAD_H

#include <stdbool.h>
#include <stddef.h>

#include "core/err.h"
#include "daemon/conf.h"

struct pw_reload_plan {
	/* Per running section: its index in the new configuration if it stays
	 * untouched, else -1 (removed, or changed: closed). */
	int *new_of_old;
	/* The new sections to open (added, or changed), in file order, and
	 * for each the running section (its index in the old configuration)
	 * whose socket it joins, or -1. */
	unsigned *to_open, n_open;
	int *join;
	unsigned added, removed, changed, unchanged;
};

/* Plan going from `old` to `new`. False (every reason in e, each naming the
 * file, the line and the section, and nothing to free) if the new
 * configuration needs what pwired cannot do while it runs; else true and a
 * one-line summary in `line` ("removed vm2, added vm4, changed vm3; 1
 * unchanged"). */
bool pw_reload_plan(const struct pw_conf *old, const struct pw_conf *new, const char *file,
		    struct pw_reload_plan *p, char *line, size_t len, struct pw_err *e);
void pw_reload_plan_free(struct pw_reload_plan *p);

/* Block SIGHUP and return a signalfd for it (-1 and errno on failure). */
int pw_reload_signal_open(void);

#endif
