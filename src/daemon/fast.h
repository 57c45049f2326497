/* SPDX-License-Identifier: MIT */
/*
 * fast.h: a pwired section's fast path (fast.c). Its TC programs live in
 * the privileged helper (priv.h: pw_priv_fast_open/close), by id; pwired
 * keeps their counters' map mapped read-only and adds what the kernel
 * carried to the section's own counters, as `pwire up` does.
 */
#ifndef PWIRE_DAEMON_FAST_H
#define PWIRE_DAEMON_FAST_H

#include <net/if.h>
#include <stdbool.h>

#include "core/err.h"
#include "core/session.h"
#include "daemon/conf.h"
#include "daemon/priv.h"
#include "fast/fastpath.h"

struct pw_daemon_fast {
	struct pw_fast_view *view; /* NULL: the userspace engine only */
	uint32_t id;               /* the helper's, for pw_priv_fast_close */
	char underlay[IFNAMSIZ];   /* where pw_decap is attached */
	struct pw_fast_counters stats; /* as last read */
};

/* Whether a section of conf (at[0..n), or all of them when at is NULL)
 * asks for `fastpath on` but does not qualify: false with the reason in e
 * (nothing opened yet). */
bool pw_daemon_fast_qualify(const struct pw_conf *conf, const unsigned *at, unsigned n,
			    struct pw_err *e);

/* Section cl's fast path on its TAP tap (MTU mtu), as its fastpath word
 * asks, through the helper p. False, the reason logged, when `on` cannot
 * have it (the kernel refused); auto says why in one line and goes on with
 * the userspace engine (f->view NULL). */
bool pw_daemon_fast_open(struct pw_daemon_fast *f, struct pw_priv *p,
			 const struct pw_conf_link *cl, const char *tap, unsigned mtu);

/* The programs detached by the helper (waited for); nothing when f has
 * none (cl, the section, for the log, is read only when it has). */
void pw_daemon_fast_close(struct pw_daemon_fast *f, struct pw_priv *p,
			  const struct pw_conf_link *cl);

/* Read the fast path's counters into f->stats and add what the kernel
 * carried to s. */
void pw_daemon_fast_sum(struct pw_daemon_fast *f, struct pw_session_stats *s);

#endif
