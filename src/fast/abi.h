/* SPDX-License-Identifier: MIT */
/*
 * abi.h: what the fast path's BPF programs (fastpath.bpf.c) and their
 * loader (fastpath.c) share: a session as the programs' maps hold it and a
 * CPU's line of counters. Both sides compile it, so only fixed-size types
 * (linux/types.h) and no padding the two compilers could lay out apart.
 */
#ifndef PWIRE_FAST_ABI_H
#define PWIRE_FAST_ABI_H

#include <linux/types.h>

enum pw_fast_flag {
	PW_FAST_LOOPBACK = 1 << 0, /* the underlay is lo: no wire, no checksum to verify */
	PW_FAST_IPV6 = 1 << 1,     /* the outer header is IPv6: local6, peer6 */
	PW_FAST_MOVED = 1 << 2,    /* the route to the peer leaves by another device than
				      ul_ifindex now: encap passes every frame on */
};

/* A session as the programs see it. Addresses and ports are in network
 * order (compared with the packet's as they are); session_id is in host
 * order (the key of pw_rx), peer_session_be in network order (written). */
struct pw_fast_sess {
	__u32 local4, peer4;     /* outer IPv4 addresses: ours, the peer's (else 0) */
	__u16 sport, dport;      /* UDP ports: ours, the peer's */
	__u32 session_id;        /* what we receive */
	__u32 peer_session_be;   /* what we send */
	__u8 cookie_len;         /* 0, 4 or 8: what we send */
	__u8 peer_cookie_len;    /* 0, 4 or 8: what we require */
	__u8 sublayer_len;       /* 0 or 4 (l2spec_type default, S=0, no number) */
	__u8 pad0;
	__u8 cookie[8], peer_cookie[8];
	__u32 tap_ifindex;       /* the TAP: encap's key, decap's destination */
	__u32 ul_ifindex;        /* the underlay: the FIB's start, lo's redirect */
	__u32 tap_frame_max;     /* the largest frame the TAP takes (MTU + 14 + 4) */
	__u32 slot;              /* this session's line in each CPU's block of pw_stats */
	__u32 stride;            /* lines per CPU in pw_stats */
	__u32 flags;             /* enum pw_fast_flag */
	__u8 local6[16], peer6[16]; /* outer IPv6 addresses (PW_FAST_IPV6) */
	__u32 addr_sum;          /* both outer addresses' 16-bit words summed (RFC 1071),
				    the UDP pseudo header's share, either way */
	__u32 path_mtu;          /* the largest outer IP datagram the route to the peer
				    takes (its own mtu, a path MTU learnt from ICMP, else
				    its device's), as the helper last read it; 0: unknown */
	__u32 gro_ifindex;       /* the entry of the session's GRO pair (pwgi<tap_ifindex>):
				    decap's destination for TCP but a super-frame; 0:
				    none (or gone), every frame straight into the TAP */
};

/* What decap marks a frame it sends through the GRO pair with (skb->mark),
 * for pw_gro to tell it from the host's own frames on the pair. */
#define PW_FAST_GRO_MARK 0x70770001u

/* One CPU's counters of one session: one 128-byte line of pw_stats (two
 * cache lines of its own: CPUs never write the same one), at
 * cpu * stride + slot. pwire's names where pwire has the counter. */
struct pw_fast_stats {
	__u64 tx_packets; /* frames encapsulated (a GSO frame: its segments) */
	__u64 tx_bytes;   /* their Ethernet bytes (a GSO frame's once) */
	__u64 rx_packets;
	__u64 rx_bytes;
	__u64 tx_passed;  /* the session's frames handed to pwire's fd */
	__u64 rx_passed;  /* the session's datagrams handed to pwire's socket */
	__u64 tx_errors;  /* refused by the kernel once changed: dropped */
	__u64 tx_moved;   /* of tx_passed: while the route left the programs' device */
	__u64 rx_gro_frames; /* frames the GRO pair handed to the TAP (rx_packets
				 of them joined, but for what went straight in) */
	__u64 pad[7];
};

#endif
