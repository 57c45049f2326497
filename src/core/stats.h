/* SPDX-License-Identifier: MIT */
/*
 * stats.h: counters, as tables. Each table is an X-macro with two columns:
 * the counter's name (the kernel's, l2tp_stats, where one exists) and what
 * it counts, a drop or not, so that the struct, the names, the printers and
 * whatever exports them can never disagree, and none compares names to know
 * which counters are drops. The session's and the tunnel's tables live
 * here; a vNIC's and the impairer's beside their code (vnic/vnic.h,
 * xport/impair.h), built with the same macros.
 */
#ifndef PWIRE_CORE_STATS_H
#define PWIRE_CORE_STATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The second column of a counter table. */
enum pw_counter_kind {
	PW_COUNT, /* traffic, or an event that loses nothing (tx_eagain: the batch is kept) */
	PW_DROP,  /* a frame or datagram lost, for the one reason the name gives */
};

/*
 * Per session. Every receive drop has exactly one reason.
 */
#define PW_SESSION_COUNTERS(X)                                                                     \
	X(tx_packets, PW_COUNT)                                                                    \
	X(tx_bytes, PW_COUNT)          /* Ethernet frame bytes, headers not counted */             \
	X(rx_packets, PW_COUNT)                                                                    \
	X(rx_bytes, PW_COUNT)                                                                      \
	X(rx_cookie_discards, PW_DROP) /* cookie does not match peer_cookie */                     \
	X(rx_seq_discards, PW_DROP)    /* seq recv: packet carries no sequence number */           \
	X(rx_oos_packets, PW_DROP)     /* seq recv: sequence number behind the expected one */     \
	/* Delivered as they are, and counted: frames that look shifted by 4 */                    \
	/* bytes, a layout (l2spec_type, cookie length) unlike the peer's. */                      \
	X(rx_unexpected_sublayer, PW_COUNT) /* 4 bytes before the frame we do not expect */        \
	X(rx_missing_sublayer, PW_COUNT)    /* 4 bytes of the frame taken as our sublayer */

/* Drops before a session is known, and socket-level events. */
#define PW_TUNNEL_COUNTERS(X)                                                                      \
	X(rx_truncated, PW_DROP)     /* datagram longer than the buffer (MSG_TRUNC) */             \
	X(rx_short, PW_DROP)         /* shorter than its header and an Ethernet header */          \
	X(rx_bad_source, PW_DROP)    /* not from its session's peer (remote address, UDP port) */  \
	X(rx_bad_version, PW_DROP)   /* UDP: version nibble is not 3 */                            \
	X(rx_control, PW_DROP)       /* T bit set, or IP session id 0: control message */          \
	X(rx_bad_session, PW_DROP)   /* no session with this id */                                 \
	X(rx_socket_errors, PW_DROP) /* recv reported an error (ICMP) */                           \
	X(rx_sockbuf_drops, PW_DROP) /* kernel drop, receive buffer full (a GSO train counts 1) */ \
	X(tx_errors, PW_DROP)        /* refused by the kernel (ICMP, no route): packet dropped */  \
	X(tx_eagain, PW_COUNT)       /* socket full: batch kept, waited for POLLOUT */

/* One uint64_t per counter, in table order. */
#define PW_COUNTER_FIELD(name, kind) uint64_t name;

struct pw_session_stats {
	PW_SESSION_COUNTERS(PW_COUNTER_FIELD)
};
struct pw_tunnel_stats {
	PW_TUNNEL_COUNTERS(PW_COUNTER_FIELD)
};

/* A counter as printers and exporters see it: its name, where it is in its
 * stats struct, and whether it is a drop. */
struct pw_counter_name {
	const char *name;
	size_t offset;
	bool drop;
};

/* The entry of a table row, for a group whose stats struct is `struct type`. */
#define PW_COUNTER_ENTRY(type, name, kind)                                                         \
	{ #name, offsetof(struct type, name), (kind) == PW_DROP },

/* sum += stats, counter by counter, for a group described by names (the
 * queues' counters added up). */
void pw_counters_add(void *sum, const void *stats, const struct pw_counter_name *names, size_t n);

extern const struct pw_counter_name pw_session_counter_names[];
extern const size_t pw_session_counter_count;
extern const struct pw_counter_name pw_tunnel_counter_names[];
extern const size_t pw_tunnel_counter_count;

#endif
