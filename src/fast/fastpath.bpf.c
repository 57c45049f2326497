// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * fastpath.bpf.c: the kernel fast path's two TC programs (docs/fastpath.md).
 * Built by meson with clang -target bpf, embedded in pwire, loaded by
 * fastpath.c. Not the userspace engine: whatever these programs do not
 * fully accept goes on to it (TC_ACT_OK on the TAP, TC_ACT_UNSPEC on the
 * underlay), so the engine decides and counts it as it always did.
 *
 *   pw_encap  clsact egress of the TAP: the host's frame -> outer Ethernet,
 *             IPv4, UDP, L2TPv3 (RFC 3931 §4.1.2.2, §4.1.2.1) -> underlay.
 *   pw_decap  clsact ingress of the underlay: the receive gate of
 *             core/codec.c pw_decap, in its order -> the frame into the TAP.
 *
 * The GPL is the kernel's condition for the helpers used here; the file is
 * also MIT, as the rest of pwire.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/pkt_cls.h>
#include <linux/udp.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "fast/abi.h"

enum {
	L2TP_WORD = 0x00030000,  /* T=0, version 3 (RFC 3931 §4.1.2.2) */
	L2TP_T_BIT = 0x80000000,
	L2TP_VER_MASK = 0x000f0000,
	L2TP_FIXED = 8,          /* the word and the session id */
	OUTER = sizeof(struct iphdr) + sizeof(struct udphdr), /* 28 */
	IP_DF = 0x4000,
	IP_FRAG = 0x3fff,        /* MF and the offset */
};

/* Sessions by the TAP they carry (encap) and by their own id (decap). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct pw_fast_sess);
} pw_tx SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct pw_fast_sess);
} pw_rx SEC(".maps");

/* cpu * stride + slot; sized by the loader (possible CPUs x sessions). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct pw_fast_stats);
} pw_stats SEC(".maps");

static __always_inline struct pw_fast_stats *stats_of(const struct pw_fast_sess *s)
{
	__u32 k = bpf_get_smp_processor_id() * s->stride + s->slot;

	return bpf_map_lookup_elem(&pw_stats, &k);
}

/* The header as sent: outer Ethernet, IPv4, UDP, then the L2TPv3 header
 * (at most word, session, 8-byte cookie, sublayer) and a copy of the
 * frame's Ethernet header (the adjust_room path writes it). */
struct hdr {
	struct ethhdr eth;
	struct iphdr ip;
	struct udphdr udp;
	__u8 l2tp[20 + ETH_HLEN];
} __attribute__((packed));

static __always_inline __u16 ip_csum(const struct iphdr *ip)
{
	const __u16 *w = (const __u16 *)ip;
	__u32 sum = 0;

#pragma unroll
	for (int i = 0; i < (int)sizeof(*ip) / 2; i++)
		sum += w[i];
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (__u16)~sum;
}

/* Store the first n of h (n: a header's length, one of few constants for
 * the verifier). */
static __always_inline int store(struct __sk_buff *skb, const struct hdr *h, __u32 n)
{
	switch (n) {
#define CASE(k)                                                                                    \
	case k:                                                                                    \
		return bpf_skb_store_bytes(skb, 0, h, k, 0);
		CASE(64) CASE(68) CASE(72) CASE(76) /* 8..20 bytes of L2TPv3 */
#undef CASE
	}
	return -1;
}

/* The IP datagram one segment of a TCP GSO frame is (its IP and TCP
 * headers and gso bytes), read from the frame's headers: IPv4, or IPv6
 * without extension headers. 0 for anything else (UDP GSO, extension
 * headers): not measured. */
static __always_inline __u32 gso_seg_len(struct __sk_buff *skb, __u32 gso)
{
	__u32 l3;
	__u8 doff;

	if (skb->protocol == bpf_htons(ETH_P_IP)) {
		struct iphdr ip;

		if (bpf_skb_load_bytes(skb, ETH_HLEN, &ip, sizeof(ip)) < 0 ||
		    ip.protocol != IPPROTO_TCP)
			return 0;
		l3 = ip.ihl * 4;
	} else {
		struct ipv6hdr ip6;

		if (bpf_skb_load_bytes(skb, ETH_HLEN, &ip6, sizeof(ip6)) < 0 ||
		    ip6.nexthdr != IPPROTO_TCP)
			return 0;
		l3 = sizeof(ip6);
	}
	if (l3 < sizeof(struct iphdr) || l3 > 60 ||
	    bpf_skb_load_bytes(skb, ETH_HLEN + l3 + 12, &doff, 1) < 0) /* TCP data offset */
		return 0;
	return l3 + (doff >> 4) * 4 + gso;
}

SEC("tc")
int pw_encap(struct __sk_buff *skb)
{
	__u64 flags = BPF_F_ADJ_ROOM_FIXED_GSO | BPF_F_ADJ_ROOM_ENCAP_L3_IPV4 |
		      BPF_F_ADJ_ROOM_ENCAP_L4_UDP | BPF_F_ADJ_ROOM_ENCAP_L2_ETH |
		      BPF_F_ADJ_ROOM_ENCAP_L2(ETH_HLEN);
	struct pw_fast_stats *st;
	struct pw_fast_sess *s;
	struct hdr h = {};
	__u32 key = skb->ifindex, hl, len, mtu, segs, flen = skb->len;
	__u32 gso = skb->gso_size;

	s = bpf_map_lookup_elem(&pw_tx, &key);
	if (!s)
		return TC_ACT_OK;
	st = stats_of(s);
	if (!st)
		return TC_ACT_OK;
	hl = L2TP_FIXED + s->cookie_len + s->sublayer_len;
	/* IP frames only: adjust_room takes no other, and the header pushed
	 * by change_head would leave the network header on the frame's, where
	 * bpf_redirect_neigh would take it for the outer one. ARP and the
	 * like are few: the engine's. A tag held as metadata would be lost. */
	if (hl > 20 || skb->len < ETH_HLEN || skb->vlan_present ||
	    (skb->protocol != bpf_htons(ETH_P_IP) && skb->protocol != bpf_htons(ETH_P_IPV6)))
		goto pass;
	len = OUTER + hl + skb->len; /* the outer IP datagram */
	/* The underlay device's MTU: a single frame's datagram, or each of a
	 * GSO frame's (a TAP whose MTU was set above the route's). Too big, or
	 * segments it cannot measure: the engine sends them as it does today. */
	if (!gso) {
		mtu = len;
		if (len > 0xffff || bpf_check_mtu(skb, s->ul_ifindex, &mtu, 0, 0))
			goto pass;
	} else {
		__u32 seg = gso_seg_len(skb, gso);

		mtu = 1; /* any length that fits: the call only reports the MTU */
		if (!seg || bpf_check_mtu(skb, s->ul_ifindex, &mtu, 0, 0) ||
		    OUTER + hl + ETH_HLEN + seg > mtu)
			goto pass;
	}

	segs = gso ? skb->gso_segs : 1;
	if (!segs)
		segs = 1;
	if (bpf_skb_load_bytes(skb, 0, h.l2tp + hl, ETH_HLEN) < 0)
		goto pass;
	if (bpf_skb_adjust_room(skb, OUTER + hl + ETH_HLEN, BPF_ADJ_ROOM_MAC, flags) < 0)
		goto pass; /* unchanged: USO and the like */

	h.eth.h_proto = bpf_htons(ETH_P_IP);
	{
		struct iphdr ip = {}; /* aligned, for the checksum */

		ip.version = 4;
		ip.ihl = 5;
		ip.tot_len = bpf_htons(len > 0xffff ? 0xffff : len);
		ip.frag_off = bpf_htons(IP_DF);
		ip.ttl = 64;
		ip.protocol = IPPROTO_UDP;
		ip.saddr = s->local4;
		ip.daddr = s->peer4;
		ip.check = ip_csum(&ip);
		h.ip = ip;
	}
	h.udp.source = s->sport;
	h.udp.dest = s->dport;
	len -= sizeof(struct iphdr);
	h.udp.len = bpf_htons(len > 0xffff ? 0xffff : len);
	h.udp.check = 0; /* IPv4 allows none (RFC 768); GSO could not fill one */
	*(__be32 *)&h.l2tp[0] = bpf_htonl(L2TP_WORD);
	*(__be32 *)&h.l2tp[4] = s->peer_session_be;
	if (s->cookie_len == 4)
		__builtin_memcpy(h.l2tp + 8, s->cookie, 4);
	else if (s->cookie_len == 8)
		__builtin_memcpy(h.l2tp + 8, s->cookie, 8);
	/* The sublayer word (RFC 4719 §3: S=0, no number) is h's zeros; the
	 * frame's Ethernet header follows it (loaded above). */
	if (store(skb, &h, sizeof(struct ethhdr) + OUTER + hl + ETH_HLEN) < 0) {
		st->tx_errors += segs;
		return TC_ACT_SHOT;
	}
	st->tx_packets += segs;
	st->tx_bytes += flen;
	/* lo needs no neighbour (its MACs are zeros, as ours); elsewhere the
	 * kernel routes the outer header and fills in the MACs. */
	if (s->flags & PW_FAST_LOOPBACK)
		return bpf_redirect(s->ul_ifindex, 0);
	return bpf_redirect_neigh(s->ul_ifindex, NULL, 0, 0);
pass:
	st->tx_passed++;
	return TC_ACT_OK;
}

/* What decap reads at once: Ethernet, IPv4 (no options), UDP, the L2TPv3
 * word and session id. */
struct rx_hdr {
	struct ethhdr eth;
	struct iphdr ip;
	struct udphdr udp;
	__be32 word, session;
} __attribute__((packed));

/* The cookie the session requires, at the offset after the session id. */
static __always_inline int cookie_ok(struct __sk_buff *skb, const struct pw_fast_sess *s)
{
	__u32 at = sizeof(struct rx_hdr);
	__u8 c[8];

	if (s->peer_cookie_len == 4) {
		if (bpf_skb_load_bytes(skb, at, c, 4) < 0)
			return 0;
		return *(__u32 *)c == *(const __u32 *)s->peer_cookie;
	}
	if (s->peer_cookie_len == 8) {
		if (bpf_skb_load_bytes(skb, at, c, 8) < 0)
			return 0;
		return *(__u64 *)c == *(const __u64 *)s->peer_cookie;
	}
	return s->peer_cookie_len == 0;
}

/* A GSO skb (a peer's super-frame that stayed whole over veth) is taken
 * only when it is one datagram whose inner IP packet fills it: a UDP GRO
 * train of many datagrams, each with its own L2TPv3 header, is not. */
static __always_inline int gso_whole(struct __sk_buff *skb, __u32 frame_at, __u16 proto)
{
	__u32 rest = skb->len - frame_at - ETH_HLEN;

	if (proto == bpf_htons(ETH_P_IP)) {
		struct iphdr ip;

		if (bpf_skb_load_bytes(skb, frame_at + ETH_HLEN, &ip, sizeof(ip)) < 0)
			return 0;
		return bpf_ntohs(ip.tot_len) == rest;
	}
	if (proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr ip6;

		if (bpf_skb_load_bytes(skb, frame_at + ETH_HLEN, &ip6, sizeof(ip6)) < 0)
			return 0;
		return bpf_ntohs(ip6.payload_len) + sizeof(ip6) == rest;
	}
	return 0;
}

SEC("tc")
int pw_decap(struct __sk_buff *skb)
{
	struct pw_fast_stats *st;
	struct pw_fast_sess *s;
	struct rx_hdr h;
	struct ethhdr inner;
	__u32 key, hl, frame_at, frame_len, segs;
	__u32 gso = skb->gso_size;

	if (skb->protocol != bpf_htons(ETH_P_IP))
		return TC_ACT_UNSPEC;
	if (bpf_skb_load_bytes(skb, 0, &h, sizeof(h)) < 0)
		return TC_ACT_UNSPEC;
	if (h.ip.version != 4 || h.ip.ihl != 5 || h.ip.protocol != IPPROTO_UDP ||
	    (h.ip.frag_off & bpf_htons(IP_FRAG)))
		return TC_ACT_UNSPEC;
	/* The gate's order: version, T bit, the session, then the addresses. */
	if ((h.word & bpf_htonl(L2TP_VER_MASK)) != bpf_htonl(L2TP_WORD) ||
	    (h.word & bpf_htonl(L2TP_T_BIT)))
		return TC_ACT_UNSPEC;
	key = bpf_ntohl(h.session);
	s = bpf_map_lookup_elem(&pw_rx, &key);
	if (!s)
		return TC_ACT_UNSPEC;
	if (h.ip.daddr != s->local4 || h.udp.dest != s->sport || h.ip.saddr != s->peer4 ||
	    h.udp.source != s->dport)
		return TC_ACT_UNSPEC;
	st = stats_of(s);
	if (!st)
		return TC_ACT_UNSPEC;

	hl = L2TP_FIXED + s->peer_cookie_len + s->sublayer_len;
	frame_at = sizeof(struct ethhdr) + OUTER + hl;
	if (hl > 20 || skb->len < frame_at + ETH_HLEN)
		goto pass; /* short: the engine's rx_short */
	frame_len = skb->len - frame_at;
	if (!cookie_ok(skb, s))
		goto pass; /* the engine's rx_cookie_discards */
	/* What the kernel checks before the socket, and the program cannot
	 * redo: a checksum nobody verified, lengths that disagree. */
	if (h.udp.check && bpf_csum_level(skb, BPF_CSUM_LEVEL_QUERY) < 0)
		goto pass;
	if (bpf_skb_load_bytes(skb, frame_at, &inner, sizeof(inner)) < 0)
		goto pass;
	if (gso) {
		if (!gso_whole(skb, frame_at, inner.h_proto))
			goto pass;
	} else if (bpf_ntohs(h.ip.tot_len) != skb->len - sizeof(struct ethhdr) ||
		   bpf_ntohs(h.udp.len) != skb->len - sizeof(struct ethhdr) - sizeof(struct iphdr) ||
		   frame_len > s->tap_frame_max) {
		goto pass;
	}
	segs = gso ? skb->gso_segs : 1;
	if (!segs)
		segs = 1;
	if (bpf_skb_adjust_room(skb, -(__s32)frame_at,
				BPF_ADJ_ROOM_MAC, BPF_F_ADJ_ROOM_FIXED_GSO) < 0)
		goto pass; /* unchanged */
	/* The outer Ethernet header stayed in front: the frame's over it. */
	if (bpf_skb_store_bytes(skb, 0, &inner, sizeof(inner), 0) < 0)
		return TC_ACT_SHOT;
	st->rx_packets += segs;
	st->rx_bytes += frame_len;
	return bpf_redirect(s->tap_ifindex, BPF_F_INGRESS);
pass:
	st->rx_passed++;
	return TC_ACT_UNSPEC;
}

char _license[] SEC("license") = "Dual MIT/GPL";
