/* SPDX-License-Identifier: MIT */
/*
 * session.h: what one static L2TPv3 Ethernet pseudowire is, as pure data.
 *
 * A session's configuration (ids, cookies, sublayer mode, sequencing,
 * offsets), the header layout derived from it, its sequence state and its
 * per-reason counters. No system calls and no allocation: the transports in
 * xport/ and the parsers in cli/ fill and use these structures.
 */
#ifndef PWIRE_CORE_SESSION_H
#define PWIRE_CORE_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wire.h"

enum pw_encap {
	PW_ENCAP_UDP, /* RFC 3931 §4.1.2.2, iproute2's default */
	PW_ENCAP_IP,  /* RFC 3931 §4.1.1.1, IP protocol 115 */
};

/* The 4-byte word after the cookie. Chosen by configuration, never guessed
 * from received packets: a receiver cannot tell the modes apart. */
enum pw_l2spec {
	PW_L2SPEC_NONE,      /* no word (Cisco, QEMU/UML without counter) */
	PW_L2SPEC_DEFAULT,   /* RFC 4719 §3: S bit + 24-bit sequence (Linux) */
	PW_L2SPEC_COUNTER32, /* QEMU/UML counter=on: plain big-endian 32-bit counter */
};

enum pw_seq {
	PW_SEQ_NONE = 0,
	PW_SEQ_SEND = 1 << 0, /* number what we send */
	PW_SEQ_RECV = 1 << 1, /* require and check numbers on what we receive */
	PW_SEQ_BOTH = PW_SEQ_SEND | PW_SEQ_RECV,
};

struct pw_cookie {
	uint8_t len; /* 0, 4 or 8 */
	uint8_t bytes[PW_COOKIE_MAX]; /* wire order */
};

struct pw_session_cfg {
	enum pw_encap encap;
	uint32_t session_id;      /* ours: what arrives in received packets */
	uint32_t peer_session_id; /* theirs: what we put in packets we send */
	struct pw_cookie cookie;      /* what we send */
	struct pw_cookie peer_cookie; /* what we expect to receive */
	enum pw_l2spec l2spec;
	unsigned seq; /* enum pw_seq bits */
	uint16_t offset;      /* zero bytes we insert before the frame */
	uint16_t peer_offset; /* bytes we skip before the frame on receive */
};

/* Every offset of one direction's header, from layout_of(). */
struct pw_layout {
	uint16_t session;  /* offset of the session id */
	uint16_t cookie;   /* offset of the cookie */
	uint16_t cookie_len;
	uint16_t sublayer; /* offset of the sublayer word (if sublayer_len) */
	uint16_t sublayer_len;
	uint16_t pad;      /* offset of the offset/pad bytes */
	uint16_t pad_len;
	uint16_t len;      /* total header length; the frame starts here */
};

/* Pure: the layout of a header with these parameters. */
struct pw_layout pw_layout_of(enum pw_encap encap, unsigned cookie_len, enum pw_l2spec l2spec,
			      unsigned pad_len);
/* The layout of what this session sends, and of what it receives. */
struct pw_layout pw_layout_tx(const struct pw_session_cfg *cfg);
struct pw_layout pw_layout_rx(const struct pw_session_cfg *cfg);

/*
 * Counters. Names are the kernel's (l2tp_stats) where one exists. Every
 * receive drop has exactly one reason. X-macro so that the struct, the names
 * and the printers can never disagree.
 */
#define PW_SESSION_COUNTERS(X)                                                                     \
	X(tx_packets)                                                                              \
	X(tx_bytes)           /* Ethernet frame bytes, headers not counted */                      \
	X(rx_packets)                                                                              \
	X(rx_bytes)                                                                                \
	X(rx_cookie_discards) /* cookie does not match peer_cookie */                              \
	X(rx_seq_discards)    /* seq recv: packet carries no sequence number */                    \
	X(rx_oos_packets)     /* seq recv: sequence number behind the expected one */

/* Drops before a session is known, and socket-level events. */
#define PW_TUNNEL_COUNTERS(X)                                                                      \
	X(rx_truncated)     /* datagram longer than the buffer (MSG_TRUNC) */                      \
	X(rx_short)         /* shorter than the header (and Ethernet header) it must carry */     \
	X(rx_bad_source)    /* not from the configured remote address/port */                      \
	X(rx_bad_version)   /* UDP: version nibble is not 3 */                                     \
	X(rx_control)       /* T bit set, or IP session id 0: control message */                   \
	X(rx_bad_session)   /* no session with this id */                                          \
	X(rx_socket_errors) /* recv reported an error (ICMP) */                                    \
	X(rx_sockbuf_drops) /* dropped by the kernel, our receive buffer full (a GSO train: 1) */ \
	X(tx_errors)        /* send refused by the kernel (ICMP, no route): packet dropped */     \
	X(tx_eagain)        /* socket full: batch kept, waited for POLLOUT */

#define PW_COUNTER_FIELD(name) uint64_t name;
struct pw_session_stats {
	PW_SESSION_COUNTERS(PW_COUNTER_FIELD)
};
struct pw_tunnel_stats {
	PW_TUNNEL_COUNTERS(PW_COUNTER_FIELD)
};

struct pw_counter_name {
	const char *name;
	size_t offset;
};
extern const struct pw_counter_name pw_session_counter_names[];
extern const size_t pw_session_counter_count;
extern const struct pw_counter_name pw_tunnel_counter_names[];
extern const size_t pw_tunnel_counter_count;

/* A live session: configuration, derived layouts, sequence state, counters. */
struct pw_session {
	struct pw_session_cfg cfg;
	struct pw_layout tx, rx;
	uint32_t tx_seq;      /* next number to send */
	uint32_t rx_seq;      /* next number expected */
	bool rx_seq_valid;    /* rx_seq holds a value (first packet seen) */
	uint32_t rx_oos_next; /* the number that would continue the run of... */
	uint32_t rx_oos_run;  /* ...consecutive numbers dropped as behind */
	struct pw_session_stats stats;
};

/* Fill a live session from its configuration (layouts, seq start). */
void pw_session_init(struct pw_session *s, const struct pw_session_cfg *cfg);

#endif
