/* SPDX-License-Identifier: MIT */
/*
 * print.h: one printer for a pseudowire's counters, as text or as JSON.
 */
#ifndef PWIRE_CLI_PRINT_H
#define PWIRE_CLI_PRINT_H

#include <stdbool.h>
#include <stdio.h>

#include "core/codec.h"
#include "core/text.h"
#include "vnic/vnic.h"
#include "xport/impair.h"

struct pw_report {
	const char *ifname;
	const struct pw_session *session;
	const struct pw_tunnel_stats *tunnel;
	const struct pw_vnic_stats *vnic;
	const struct pw_impair_stats *impair; /* NULL without --impair */
	const struct pw_session_stats *queues; /* each queue's share; NULL with one queue */
	const uint64_t *queue_sockbuf_drops;   /* and its socket's rx_sockbuf_drops */
	unsigned n_queues;
};

/* Text: one line per group. JSON: one object on one line. */
void pw_print_counters(FILE *f, const struct pw_report *r, bool json);

/* The drop counters as last reported, to tell what moved since. */
struct pw_drop_marks {
	uint64_t session[8], tunnel[16], vnic[8];
};

/* One line naming every drop counter that moved since *marks (nothing when
 * none did), then remember the new values: a rate-limited log, called once a
 * period, never a log-once flag. */
void pw_print_drops(FILE *f, const struct pw_report *r, struct pw_drop_marks *marks,
		    unsigned seconds);

#endif
