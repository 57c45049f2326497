// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * fastpath.bpf.c: the kernel fast path's two TC programs (docs/fastpath.md).
 * Built by meson with clang -target bpf, embedded in pwire, loaded by
 * fastpath.c. Not the userspace engine: whatever these programs do not
 * fully accept goes on to it (TC_ACT_OK on the TAP, TC_ACT_UNSPEC on the
 * underlay), so the engine decides and counts it as it always did.
 *
 *   pw_encap  clsact egress of the TAP: the host's frame -> outer Ethernet,
 *             IPv4 or IPv6, UDP, L2TPv3 (RFC 3931 §4.1.2.2, §4.1.2.1) -> underlay.
 *   pw_decap  clsact ingress of the underlay (IPv4 or IPv6): the receive
 *             gate of core/codec.c pw_decap, in its order -> the frame into
 *             the TAP.
 *
 * The GPL is the kernel's condition for the helpers used here; the file is
 * also MIT, as the rest of pwire.
 */
#include <stddef.h>
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
	OUTER6 = sizeof(struct ipv6hdr) + sizeof(struct udphdr), /* 48 */
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

/* The session again, for pw_gro (which has neither key): the TAP, the
 * counters' line. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct pw_fast_sess);
} pw_gro_sess SEC(".maps");

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

/* The same over IPv6. */
struct hdr6 {
	struct ethhdr eth;
	struct ipv6hdr ip6;
	struct udphdr udp;
	__u8 l2tp[20 + ETH_HLEN];
} __attribute__((packed));

/* The one's complement sum (RFC 1071) of n bytes at p (n even, a
 * constant), as big-endian 16-bit words, added to sum; byte loads, so any
 * alignment will do. Folded by fold(). */
static __always_inline __u32 sum_be(const void *p, int n, __u32 sum)
{
	const __u8 *b = p;

#pragma unroll
	for (int i = 0; i < n; i += 2)
		sum += ((__u32)b[i] << 8) | b[i + 1];
	return sum;
}

static __always_inline __u16 fold(__u32 sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (__u16)sum;
}

/* The sum of the inner IP packet at l3 (to the skb's end) as it is once
 * its own checksums are filled in: the IP header summed as it is; the
 * transport part not read but derived, because a correct TCP, UDP or
 * ICMPv6 checksum makes that part sum to the complement of its pseudo
 * header, and a correct ICMP one to zero. Derived, not read, because a
 * frame the host sends with its checksum left to the device
 * (CHECKSUM_PARTIAL, every TCP segment) has no final bytes to read yet.
 * -1 when it cannot be derived (another protocol, IPv4 options or
 * fragments, IPv6 extension headers, a UDP checksum of 0, lengths that
 * disagree with the skb's): the caller passes the frame on. */
static __attribute__((noinline)) int inner_sum(struct __sk_buff *skb, __u32 l3, __u16 proto,
					       __u32 *sum)
{
	__u32 s = *sum, l4len, pseudo;
	__u8 l4proto;
	__u16 ucheck;

	if (proto == bpf_htons(ETH_P_IP)) {
		struct iphdr ip;

		if (bpf_skb_load_bytes(skb, l3, &ip, sizeof(ip)) < 0 || ip.version != 4 ||
		    ip.ihl != 5 || (ip.frag_off & bpf_htons(IP_FRAG)) ||
		    bpf_ntohs(ip.tot_len) != skb->len - l3 || bpf_ntohs(ip.tot_len) < sizeof(ip))
			return -1;
		s = sum_be(&ip, sizeof(ip), s);
		l4len = bpf_ntohs(ip.tot_len) - sizeof(ip);
		l4proto = ip.protocol;
		if (l4proto == IPPROTO_ICMP) {
			*sum = s; /* a correct ICMP checksum: the part sums to 0 */
			return 0;
		}
		pseudo = sum_be(&ip.saddr, 8, 0);
		l3 += sizeof(ip);
	} else if (proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr ip6;

		if (bpf_skb_load_bytes(skb, l3, &ip6, sizeof(ip6)) < 0 || ip6.version != 6 ||
		    bpf_ntohs(ip6.payload_len) + sizeof(ip6) != skb->len - l3)
			return -1;
		s = sum_be(&ip6, sizeof(ip6), s);
		l4len = bpf_ntohs(ip6.payload_len);
		l4proto = ip6.nexthdr;
		if (l4proto != IPPROTO_TCP && l4proto != IPPROTO_UDP && l4proto != IPPROTO_ICMPV6)
			return -1;
		pseudo = sum_be(&ip6.saddr, 32, 0);
		l3 += sizeof(ip6);
	} else {
		return -1;
	}
	if (l4proto != IPPROTO_TCP && l4proto != IPPROTO_UDP && l4proto != IPPROTO_ICMPV6)
		return -1;
	/* A UDP checksum of 0 is none: nothing to derive the part's sum from. */
	if (l4proto == IPPROTO_UDP &&
	    (bpf_skb_load_bytes(skb, l3 + 6, &ucheck, 2) < 0 || !ucheck))
		return -1;
	pseudo += l4proto + l4len;
	*sum = s + (__u16)~fold(pseudo);
	return 0;
}

/* The sum of an L2TPv3 header as the wire carries it (the word and a
 * session id in network order, a cookie, a zero sublayer word). */
static __always_inline __u32 l2tp_sum(__be32 word_be, __be32 session_be, const __u8 cookie[8],
				      __u32 sum)
{
	sum = sum_be(&word_be, 4, sum);
	sum = sum_be(&session_be, 4, sum);
	return sum_be(cookie, 8, sum); /* the bytes past its length are 0 */
}

/* The UDP pseudo header of the session's outer header (RFC 768, RFC 8200
 * §8.1): the addresses' share is the loader's, summed once. */
static __always_inline __u32 pseudo(const struct pw_fast_sess *s, __u32 udp_len)
{
	return s->addr_sum + udp_len + IPPROTO_UDP;
}

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

static __always_inline int store6(struct __sk_buff *skb, const struct hdr6 *h, __u32 n)
{
	switch (n) {
#define CASE(k)                                                                                    \
	case k:                                                                                    \
		return bpf_skb_store_bytes(skb, 0, h, k, 0);
		CASE(84) CASE(88) CASE(92) CASE(96) /* 8..20 bytes of L2TPv3 */
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

/* pw_encap over IPv6, single frames only. IPv6 requires a UDP checksum
 * (RFC 8200 §8.1; zero only where both ends agreed, which pwire's sockets
 * never do), and a GSO frame's segments would all leave with the one
 * checksum written here: adjust_room marks them SKB_GSO_UDP_TUNNEL, never
 * _CSUM, so the kernel does not sum each. GSO frames go on to pwire, which
 * cuts and sums them. A single frame's checksum is computed here, its
 * inner transport part derived (inner_sum): what cannot be derived goes
 * on to pwire too. */
static __attribute__((noinline)) int encap6(struct __sk_buff *skb, const struct pw_fast_sess *s,
					    struct pw_fast_stats *st, __u32 hl)
{
	__u64 flags = BPF_F_ADJ_ROOM_FIXED_GSO | BPF_F_ADJ_ROOM_ENCAP_L3_IPV6 |
		      BPF_F_ADJ_ROOM_ENCAP_L4_UDP | BPF_F_ADJ_ROOM_ENCAP_L2_ETH |
		      BPF_F_ADJ_ROOM_ENCAP_L2(ETH_HLEN);
	struct hdr6 h = {};
	struct ethhdr inner;
	__u32 flen = skb->len, ulen = sizeof(struct udphdr) + hl + flen, mtu, sum, label;
	__u16 check;

	if (skb->gso_size || ulen > 0xffff)
		goto pass;
	mtu = sizeof(struct ipv6hdr) + ulen;
	if ((s->path_mtu && mtu > s->path_mtu) || bpf_check_mtu(skb, s->ul_ifindex, &mtu, 0, 0))
		goto pass;
	if (bpf_skb_load_bytes(skb, 0, &inner, sizeof(inner)) < 0 ||
	    bpf_skb_load_bytes(skb, 0, h.l2tp + hl, ETH_HLEN) < 0)
		goto pass;
	sum = sum_be(&inner, ETH_HLEN, 0);
	if (inner_sum(skb, ETH_HLEN, skb->protocol, &sum) < 0)
		goto pass;
	sum = l2tp_sum(bpf_htonl(L2TP_WORD), s->peer_session_be, s->cookie, sum);
	sum += bpf_ntohs(s->sport) + bpf_ntohs(s->dport) + ulen; /* the UDP header, check 0 */
	sum += pseudo(s, ulen);
	check = (__u16)~fold(sum);
	if (!check)
		check = 0xffff; /* 0 would say none (RFC 768) */
	label = bpf_get_hash_recalc(skb) & 0xfffff; /* the flow's, as the kernel's tunnels */
	if (bpf_skb_adjust_room(skb, OUTER6 + hl + ETH_HLEN, BPF_ADJ_ROOM_MAC, flags) < 0)
		goto pass; /* unchanged */

	h.eth.h_proto = bpf_htons(ETH_P_IPV6);
	h.ip6.version = 6;
	h.ip6.flow_lbl[0] = (__u8)(label >> 16);
	h.ip6.flow_lbl[1] = (__u8)(label >> 8);
	h.ip6.flow_lbl[2] = (__u8)label;
	h.ip6.payload_len = bpf_htons((__u16)ulen);
	h.ip6.nexthdr = IPPROTO_UDP;
	h.ip6.hop_limit = 64;
	__builtin_memcpy(&h.ip6.saddr, s->local6, 16);
	__builtin_memcpy(&h.ip6.daddr, s->peer6, 16);
	h.udp.source = s->sport;
	h.udp.dest = s->dport;
	h.udp.len = bpf_htons((__u16)ulen);
	h.udp.check = bpf_htons(check);
	*(__be32 *)&h.l2tp[0] = bpf_htonl(L2TP_WORD);
	*(__be32 *)&h.l2tp[4] = s->peer_session_be;
	if (s->cookie_len == 4)
		__builtin_memcpy(h.l2tp + 8, s->cookie, 4);
	else if (s->cookie_len == 8)
		__builtin_memcpy(h.l2tp + 8, s->cookie, 8);
	if (store6(skb, &h, sizeof(struct ethhdr) + OUTER6 + hl + ETH_HLEN) < 0) {
		st->tx_errors++;
		return TC_ACT_SHOT;
	}
	st->tx_packets++;
	st->tx_bytes += flen;
	return bpf_redirect_neigh(s->ul_ifindex, NULL, 0, 0);
pass:
	st->tx_passed++;
	return TC_ACT_OK;
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
	/* The route moved off the underlay the programs are on: pwire's
	 * socket follows it, so every frame goes that way until it is back. */
	if (s->flags & PW_FAST_MOVED) {
		st->tx_moved++;
		goto pass;
	}
	/* IP frames only: adjust_room takes no other, and the header pushed
	 * by change_head would leave the network header on the frame's, where
	 * bpf_redirect_neigh would take it for the outer one. ARP and the
	 * like are few: the engine's. A tag held as metadata would be lost. */
	if (hl > 20 || skb->len < ETH_HLEN || skb->vlan_present ||
	    (skb->protocol != bpf_htons(ETH_P_IP) && skb->protocol != bpf_htons(ETH_P_IPV6)))
		goto pass;
	if (s->flags & PW_FAST_IPV6)
		return encap6(skb, s, st, hl);
	len = OUTER + hl + skb->len; /* the outer IP datagram */
	/* The route's MTU (a path MTU learnt from ICMP included) and the
	 * underlay device's: a single frame's datagram, or each of a GSO
	 * frame's (a TAP whose MTU was set above the route's). Too big, or
	 * segments it cannot measure: the engine sends them as it does today
	 * (its socket fragments what the path cannot take whole). */
	if (!gso) {
		mtu = len;
		if (len > 0xffff || (s->path_mtu && len > s->path_mtu) ||
		    bpf_check_mtu(skb, s->ul_ifindex, &mtu, 0, 0))
			goto pass;
	} else {
		__u32 seg = gso_seg_len(skb, gso);

		mtu = 1; /* any length that fits: the call only reports the MTU */
		if (!seg || bpf_check_mtu(skb, s->ul_ifindex, &mtu, 0, 0))
			goto pass;
		if (s->path_mtu && s->path_mtu < mtu)
			mtu = s->path_mtu;
		if (OUTER + hl + ETH_HLEN + seg > mtu)
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
	return bpf_redirect_neigh(s->ul_ifindex, NULL, 0, 0);
pass:
	st->tx_passed++;
	return TC_ACT_OK;
}

/* What decap reads at once: Ethernet, IPv4 (no options) or IPv6 (no
 * extension headers), UDP, the L2TPv3 word and session id. */
struct rx_hdr {
	struct ethhdr eth;
	struct iphdr ip;
	struct udphdr udp;
	__be32 word, session;
} __attribute__((packed));

struct rx_hdr6 {
	struct ethhdr eth;
	struct ipv6hdr ip6;
	struct udphdr udp;
	__be32 word, session;
} __attribute__((packed));

/* The cookie the session requires, at `at` (after the session id). */
static __always_inline int cookie_ok(struct __sk_buff *skb, const struct pw_fast_sess *s,
				     __u32 at)
{
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

/* Whether the frame (decapsulated: its IP header at ETH_HLEN) carries
 * TCP, which GRO can join. */
static __always_inline int tcp_frame(struct __sk_buff *skb, __u16 proto)
{
	__u32 at;
	__u8 p;

	if (proto == bpf_htons(ETH_P_IP))
		at = ETH_HLEN + offsetof(struct iphdr, protocol);
	else if (proto == bpf_htons(ETH_P_IPV6))
		at = ETH_HLEN + offsetof(struct ipv6hdr, nexthdr);
	else
		return 0;
	return bpf_skb_load_bytes(skb, at, &p, 1) == 0 && p == IPPROTO_TCP;
}

/* What an outer header says, for the part of decap both families share. */
struct outer {
	__u32 len;       /* the outer IP and UDP headers: OUTER or OUTER6 */
	__u32 sum;       /* with a checksum: the pseudo header and UDP header's sum */
	__be32 word, session;
	__be16 check;    /* the UDP checksum as received */
	__u8 lens_ok;    /* the IP and UDP lengths are the skb's */
	__u8 v6;
};

/* The rest of the gate once the session is found and the outer addresses
 * and ports are its: the cookie; then what the kernel checks before the
 * socket and the program must not skip: the UDP checksum, the lengths,
 * the frame fits the TAP. Then the headers stripped and the frame into the
 * TAP. Anything else goes on to the stack and pwire's socket. */
static __attribute__((noinline)) int decap_rest(struct __sk_buff *skb,
						const struct pw_fast_sess *s, struct outer *o)
{
	struct pw_fast_stats *st = stats_of(s);
	struct ethhdr inner;
	__u32 hl, frame_at, frame_len, segs, sum;
	__u32 gso = skb->gso_size;

	if (!st)
		return TC_ACT_UNSPEC;
	hl = L2TP_FIXED + s->peer_cookie_len + s->sublayer_len;
	frame_at = sizeof(struct ethhdr) + o->len + hl;
	if (hl > 20 || skb->len < frame_at + ETH_HLEN)
		goto pass; /* short: the engine's rx_short */
	frame_len = skb->len - frame_at;
	if (!cookie_ok(skb, s, sizeof(struct ethhdr) + o->len + L2TP_FIXED))
		goto pass; /* the engine's rx_cookie_discards */
	if (bpf_skb_load_bytes(skb, frame_at, &inner, sizeof(inner)) < 0)
		goto pass;
	/* IPv6 without a checksum: the kernel drops it before the socket, as
	 * it does for the userspace engine. */
	if (o->v6 && !o->check)
		goto pass;
	if (gso) {
		if (!gso_whole(skb, frame_at, inner.h_proto) ||
		    (o->check && bpf_csum_level(skb, BPF_CSUM_LEVEL_QUERY) < 0))
			goto pass;
	} else {
		if (!o->lens_ok || frame_len > s->tap_frame_max)
			goto pass;
		/* A checksum the device did not verify (CHECKSUM_UNNECESSARY)
		 * is verified here: a local sender's over veth, whose inner
		 * checksum the device was to fill in, or a device without
		 * receive offload. Headers summed, the inner transport part
		 * derived (inner_sum): the inner stack checks that part
		 * itself. What cannot be derived, or does not match, goes on
		 * to the socket, where the kernel sums every byte. Not on lo:
		 * what it carries never crossed a wire, and a local sender's
		 * datagram holds only its pseudo header's sum there
		 * (CHECKSUM_PARTIAL, which the kernel takes as good). */
		if (o->check && !(s->flags & PW_FAST_LOOPBACK) &&
		    bpf_csum_level(skb, BPF_CSUM_LEVEL_QUERY) < 0) {
			sum = l2tp_sum(o->word, o->session, s->peer_cookie, o->sum);
			if (s->sublayer_len) {
				__u8 w[4];

				if (bpf_skb_load_bytes(skb, frame_at - 4, w, 4) < 0)
					goto pass;
				sum = sum_be(w, 4, sum);
			}
			sum = sum_be(&inner, ETH_HLEN, sum);
			if (inner_sum(skb, frame_at + ETH_HLEN, inner.h_proto, &sum) < 0 ||
			    fold(sum) != 0xffff)
				goto pass;
		}
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
	/* Where a wire cuts the sender's super-frames (the session has a GRO
	 * pair), TCP goes through the pair, whose NAPI joins the segments
	 * before pw_gro hands them to the TAP, as VXLAN's gro_cells do; a
	 * bare ACK too, so that nothing of a flow overtakes what GRO holds.
	 * Not a super-frame, which came whole: the pair's entry, without TSO,
	 * would cut it again (by the outer family, which skb->protocol still
	 * names). What GRO cannot join (ARP, ICMP, UDP) goes straight in,
	 * without the hop. */
	if (!gso && s->gro_ifindex && tcp_frame(skb, inner.h_proto)) {
		skb->mark = PW_FAST_GRO_MARK;
		return bpf_redirect(s->gro_ifindex, 0);
	}
	return bpf_redirect(s->tap_ifindex, BPF_F_INGRESS);
pass:
	st->rx_passed++;
	return TC_ACT_UNSPEC;
}

/* The gate's order (core/codec.c pw_decap): version, T bit, the session,
 * then the addresses and ports. */
static __always_inline int gate_word(__be32 word)
{
	return (word & bpf_htonl(L2TP_VER_MASK)) == bpf_htonl(L2TP_WORD) &&
	       !(word & bpf_htonl(L2TP_T_BIT));
}

static __attribute__((noinline)) int decap4(struct __sk_buff *skb)
{
	struct pw_fast_sess *s;
	struct rx_hdr h;
	struct outer o = { .len = OUTER };
	__u32 key;

	if (bpf_skb_load_bytes(skb, 0, &h, sizeof(h)) < 0)
		return TC_ACT_UNSPEC;
	if (h.ip.version != 4 || h.ip.ihl != 5 || h.ip.protocol != IPPROTO_UDP ||
	    (h.ip.frag_off & bpf_htons(IP_FRAG)))
		return TC_ACT_UNSPEC;
	if (!gate_word(h.word))
		return TC_ACT_UNSPEC;
	key = bpf_ntohl(h.session);
	s = bpf_map_lookup_elem(&pw_rx, &key);
	if (!s || (s->flags & PW_FAST_IPV6))
		return TC_ACT_UNSPEC;
	if (h.ip.daddr != s->local4 || h.udp.dest != s->sport || h.ip.saddr != s->peer4 ||
	    h.udp.source != s->dport)
		return TC_ACT_UNSPEC;
	o.word = h.word;
	o.session = h.session;
	o.check = h.udp.check;
	o.lens_ok = bpf_ntohs(h.ip.tot_len) == skb->len - sizeof(struct ethhdr) &&
		    bpf_ntohs(h.udp.len) == skb->len - sizeof(struct ethhdr) - sizeof(struct iphdr);
	o.sum = pseudo(s, bpf_ntohs(h.udp.len)) + sum_be(&h.udp, sizeof(h.udp), 0);
	return decap_rest(skb, s, &o);
}

/* a (aligned, from the packet) and the session's b: the same address. */
static __always_inline int same16(const __u32 *a, const __u8 *b)
{
	const __u32 *w = (const __u32 *)b; /* 4-aligned in the map's value */

	return !((a[0] ^ w[0]) | (a[1] ^ w[1]) | (a[2] ^ w[2]) | (a[3] ^ w[3]));
}

static __attribute__((noinline)) int decap6(struct __sk_buff *skb)
{
	struct pw_fast_sess *s;
	struct rx_hdr6 h;
	struct outer o = { .len = OUTER6, .v6 = 1 };
	__u32 key, plen, addr[8]; /* source, destination */

	if (bpf_skb_load_bytes(skb, 0, &h, sizeof(h)) < 0 ||
	    bpf_skb_load_bytes(skb, ETH_HLEN + offsetof(struct ipv6hdr, saddr), addr, 32) < 0)
		return TC_ACT_UNSPEC;
	/* Extension headers (and fragments) are the socket's. */
	if (h.ip6.version != 6 || h.ip6.nexthdr != IPPROTO_UDP)
		return TC_ACT_UNSPEC;
	if (!gate_word(h.word))
		return TC_ACT_UNSPEC;
	key = bpf_ntohl(h.session);
	s = bpf_map_lookup_elem(&pw_rx, &key);
	if (!s || !(s->flags & PW_FAST_IPV6))
		return TC_ACT_UNSPEC;
	if (!same16(addr + 4, s->local6) || h.udp.dest != s->sport || !same16(addr, s->peer6) ||
	    h.udp.source != s->dport)
		return TC_ACT_UNSPEC;
	plen = bpf_ntohs(h.ip6.payload_len);
	o.word = h.word;
	o.session = h.session;
	o.check = h.udp.check;
	o.lens_ok = plen == skb->len - sizeof(struct ethhdr) - sizeof(struct ipv6hdr) &&
		    bpf_ntohs(h.udp.len) == plen;
	o.sum = pseudo(s, bpf_ntohs(h.udp.len)) + sum_be(&h.udp, sizeof(h.udp), 0);
	return decap_rest(skb, s, &o);
}

SEC("tc")
int pw_decap(struct __sk_buff *skb)
{
	if (skb->protocol == bpf_htons(ETH_P_IP))
		return decap4(skb);
	if (skb->protocol == bpf_htons(ETH_P_IPV6))
		return decap6(skb);
	return TC_ACT_UNSPEC;
}

/* The GRO pair's exit (pwgo<tap_ifindex>'s ingress): what GRO made of
 * decap's segments, into the TAP. Anything else on the pair (the host's
 * own frames: neighbour discovery, a packet socket's) is dropped. */
SEC("tc")
int pw_gro(struct __sk_buff *skb)
{
	struct pw_fast_sess *s;
	struct pw_fast_stats *st;
	__u32 k = 0;

	s = bpf_map_lookup_elem(&pw_gro_sess, &k);
	if (!s || skb->mark != PW_FAST_GRO_MARK)
		return TC_ACT_SHOT;
	st = stats_of(s);
	if (st)
		st->rx_gro_frames++;
	skb->mark = 0;
	return bpf_redirect(s->tap_ifindex, BPF_F_INGRESS);
}

char _license[] SEC("license") = "Dual MIT/GPL";
