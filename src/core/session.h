/* SPDX-License-Identifier: MIT */
/*
 * session.h: what one static L2TPv3 Ethernet pseudowire is, as pure data.
 *
 * A session's configuration (ids, cookies, sublayer mode, sequencing,
 * offsets), the header layout derived from it, its sequence state and its
 * per-reason counters (stats.h); a tunnel, the sessions that share one
 * socket, and the lookup of a session by its id. No system calls and no
 * allocation: the transports in xport/ and the parsers in cli/ fill and use
 * these structures.
 */
#ifndef PWIRE_CORE_SESSION_H
#define PWIRE_CORE_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/pkt.h"
#include "core/stats.h"
#include "core/wire.h"

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

struct pw_vnic; /* vnic/vnic.h: a session only points at it */

/* Where the engine hands the frames a session receives: its vNIC and that
 * vNIC's tx_burst (dp/engine.c sets and clears it; core never calls it).
 * NULL tx_burst: nowhere now (the vNIC failed or was removed). */
struct pw_session_out {
	struct pw_vnic *vnic;
	int (*tx_burst)(struct pw_vnic *v, struct pw_pkt *const *pkts, unsigned n);
};

/* A live session: configuration, derived layouts, sequence state, counters. */
struct pw_session {
	union {
		struct {
			/* What a received datagram reads comes first,
			 * together: the configuration, the rx layout, the
			 * peer, where its frame goes, and the counters, whose
			 * rx ones end the second line. */
			struct pw_session_cfg cfg;
			struct pw_layout rx;
			/* The one address (and, over UDP, port) it sends to
			 * and accepts from; set by whoever opens it (the
			 * link: remote and udp_dport). Sockets are shared, so
			 * the transport does not know it: the gate checks it. */
			struct pw_addr peer;
			struct pw_session_out out;
			struct pw_session_stats stats;
			/* Read only by a session that checks sequence numbers. */
			uint32_t rx_seq;      /* next number expected */
			bool rx_seq_valid;    /* rx_seq holds a value (first packet seen) */
			uint32_t rx_oos_next; /* the number that would continue the run of... */
			uint32_t rx_oos_run;  /* ...consecutive numbers dropped as behind */
			struct pw_layout tx;
			uint32_t tx_seq; /* next number to send */
		};
		/* Four 64-byte lines. With thousands of sessions, each line
		 * a datagram reads is a miss (pw_decap_burst() loads them
		 * ahead): in sessions[] 128-byte aligned
		 * (pw_engine_sessions()), a datagram's two are one aligned
		 * pair, which the CPU's adjacent-line prefetch fetches whole. */
		uint8_t lines[256];
	};
};
/* The end of what the gate and the engine read of a received datagram's session. */
#define PW_GATE_END (offsetof(struct pw_session, stats.rx_bytes) + sizeof(uint64_t))
_Static_assert(PW_GATE_END <= 128 && offsetof(struct pw_session, out) < PW_GATE_END &&
		       sizeof(struct pw_session) == 256,
	       "a session's gate fields on an aligned pair of lines");

/* Fill a live session from its configuration (layouts, seq start; no peer:
 * all zero, which only the in-memory loop's datagrams come from). */
void pw_session_init(struct pw_session *s, const struct pw_session_cfg *cfg);

/* One slot of a tunnel's index: a session id and 1 + the session's place
 * in sessions[] (0: an empty slot). The id is here so that a probe reads
 * the table only, not the sessions. */
struct pw_tunnel_slot {
	uint32_t id;
	uint32_t index;
};

/* A tunnel is the set of sessions that share one socket, and the counters
 * of what arrives on it before a session is known. */
struct pw_tunnel {
	enum pw_encap encap;
	struct pw_session *sessions;
	unsigned n_sessions;
	/* The index by session id (pw_tunnel_index): open addressing with
	 * linear probing in 2^k slots, at most half of them used. NULL: the
	 * sessions are scanned (a tunnel filled by hand, in tests). */
	struct pw_tunnel_slot *slots;
	uint32_t slot_mask;
	struct pw_tunnel_stats stats;
	/* The id the last rx_bad_session datagram carried, for the drop log
	 * ("got session 20"): what a mistyped id on either end looks like. */
	uint32_t last_bad_session;
};

/* How many slots pw_tunnel_index() needs for n sessions (a power of two,
 * at least 2n); the caller allocates them, once, when it opens the tunnel. */
size_t pw_tunnel_slots(unsigned n_sessions);

/* Index t->sessions[0..n_sessions) by id in slots[0..n_slots) (n_slots a
 * power of two, at least pw_tunnel_slots(n_sessions); more leaves room for
 * pw_tunnel_add) and point t at it. False, with t unchanged, when two
 * sessions have one id or n_slots is not such a number. */
bool pw_tunnel_index(struct pw_tunnel *t, struct pw_tunnel_slot *slots, size_t n_slots);

/* Index t->sessions[k], k up to n_sessions (the caller put it there, in
 * room it has; one below n_sessions must be out of the index:
 * pw_tunnel_unindex), counting it in when k is n_sessions: a session added
 * to a running tunnel. False, with t unchanged, when its id is taken, the
 * index would be over half full, k is past n_sessions, or t has none. A
 * walk of the slots: for a control request, not a packet. */
bool pw_tunnel_add(struct pw_tunnel *t, unsigned k);

/* Take a session out of the index (t->slots): from then on its id finds
 * nothing, and its datagrams are rx_bad_session. It stays in sessions[]
 * (nothing moves). False when the tunnel has no index or not that id. */
bool pw_tunnel_unindex(struct pw_tunnel *t, uint32_t session_id);

/* The session with this local id, or NULL. */
struct pw_session *pw_tunnel_lookup(struct pw_tunnel *t, uint32_t session_id);

#endif
