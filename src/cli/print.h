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

struct pw_drop_marks;
struct pw_fast_counters;

struct pw_report {
	const char *ifname;
	const struct pw_session *session;
	const struct pw_tunnel_stats *tunnel;
	const struct pw_vnic_stats *vnic;
	const struct pw_impair_stats *impair; /* NULL without --impair */
	const struct pw_vhost_stats *vhost;   /* NULL but for a vhost-user vNIC */
	const char *path; /* "kernel" or "user" with a fastpath word; NULL: not said */
	const struct pw_fast_counters *fast;  /* the fast path's; NULL when it is not on */
	const struct pw_session_stats *queues; /* each queue's share; NULL with one queue */
	const uint64_t *queue_sockbuf_drops;   /* and its socket's rx_sockbuf_drops */
	unsigned n_queues;
	uint32_t last_bad_session; /* the drop log names it with rx_bad_session */
	const char *vhost_why;     /* and why a vhost-user guest went (pw_link_stats) */
	int last_tx_errno;         /* and this one's words with tx_errors */
	/* The drop log's marks, for rx_idle_seconds (the seconds since the
	 * last frame from the peer, as its once-a-second calls count them):
	 * NULL where nothing calls pw_print_drops, and then not printed. */
	const struct pw_drop_marks *marks;
};

/* Text: one line per group. JSON: one object on one line. */
void pw_print_counters(FILE *f, const struct pw_report *r, bool json);

/* s as a JSON string (RFC 8259 §7): the one escaping writer of pwire. */
void pw_print_json_str(FILE *f, const char *s);

/* `pwire show` (pwired's control socket, docs/control.md). */
enum pw_show_format {
	PW_SHOW_TEXT,       /* a block per pseudowire, like `ip l2tp show session` */
	PW_SHOW_JSON,       /* {"sessions": [...]} on one line */
	PW_SHOW_PROMETHEUS, /* Prometheus text exposition format 0.0.4 */
};

/* One pseudowire as pwired runs it: its section name and where it goes. */
struct pw_show {
	const char *name;  /* the pwire.conf section */
	const char *vnic;  /* as written: tap:NAME */
	const char *encap; /* udp or ip */
	const char *local, *remote; /* addresses as text */
	unsigned udp_sport, udp_dport; /* 0 with encap ip */
	const struct pw_report *report; /* ids and counters */
};

struct pw_config;

/* What a pw_show's fields point into, one per pseudowire. */
struct pw_show_text {
	char vnic[160], local[64], remote[64]; /* vnic: vhost-user-client: and a socket path */
};

/* s for the pwire.conf section `name`, configured as c, counted in r (all
 * borrowed), its text in *t. */
void pw_show_init(struct pw_show *s, struct pw_show_text *t, const char *name,
		  const struct pw_config *c, const struct pw_report *r);

/* Every pseudowire of s[0..n) in one format; every counter by its name. */
void pw_print_sessions(FILE *f, const struct pw_show *s, size_t n, enum pw_show_format format);

/* The drop counters as last reported, to tell what moved since. */
struct pw_drop_marks {
	uint64_t session[16], tunnel[16], vnic[8], vhost[32], fast[16];
	uint64_t rx_packets; /* as last seen, and for how long unchanged: */
	unsigned rx_idle_s;  /* "no frames from the peer for N s" (PW_PEER_IDLE_S) */
	/* rx_unexpected_sublayer, rx_missing_sublayer and rx_packets as last
	 * seen, and whether most frames of the last period with any looked
	 * shifted (said when that starts, and when it ends). */
	uint64_t rx_shifted[2], rx_shift_seen;
	bool rx_looks_shifted;
	uint64_t guest_connects, guest_disconnects; /* a vhost-user vNIC's, as last said */
};

/* A peer silent this long is logged once, and again when it is back. */
enum { PW_PEER_IDLE_S = 10 };

/* One line naming every drop counter that moved since *marks (nothing when
 * none did), then remember the new values: a rate-limited log, called once a
 * period, never a log-once flag. And a line when no frame came from the peer
 * for PW_PEER_IDLE_S, and one when frames come again (with how long); a line
 * when most frames of a period look shifted by 4 bytes (check l2spec_type),
 * and one when most of a later period's do not; with a vhost-user vNIC, a
 * line when its guest went (with why) and when one came. */
void pw_print_drops(FILE *f, const struct pw_report *r, struct pw_drop_marks *marks,
		    unsigned seconds);

#endif
