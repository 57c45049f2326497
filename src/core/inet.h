/* SPDX-License-Identifier: MIT */
/*
 * inet.h: Ethernet, VLAN tag, IPv4, IPv6, TCP and UDP headers as far as
 * pwire reads and writes them, defined once: ethertypes, protocol numbers,
 * header lengths and the offsets of fields, each from the start of its own
 * header, named after the kernel's struct fields. Constants only; the
 * L2TPv3 header is wire.h's.
 */
#ifndef PWIRE_CORE_INET_H
#define PWIRE_CORE_INET_H

/* IEEE 802.3 and 802.1Q: the frame's type field. */
enum pw_ethertype {
	PW_ETH_P_IPV4 = 0x0800,
	PW_ETH_P_IPV6 = 0x86dd,
	PW_ETH_P_8021Q = 0x8100,  /* a VLAN tag (C-tag) follows */
	PW_ETH_P_8021AD = 0x88a8, /* a service tag (S-tag, QinQ's outer) follows */
};

/* Ethernet header and VLAN tags. A tag sits where the type was: the tag's
 * type (TPID, one of the two above) in its place, then the 4 bytes of
 * struct vlan_hdr, TCI and the type of what follows. */
enum pw_eth {
	PW_ETH_TYPE = 12, /* offset of the type */
	PW_ETH_HLEN = 14,
	PW_VLAN_HLEN = 4,
	PW_VLAN_TYPE = 2,     /* offset in struct vlan_hdr of the type that follows */
	PW_VLAN_TAGS_MAX = 2, /* QinQ (802.1ad outside 802.1Q): what pwire reads past */
	PW_ETH_VLAN_HLEN = PW_ETH_HLEN + PW_VLAN_TAGS_MAX * PW_VLAN_HLEN, /* on top of the MTU */
};

/* IP protocol numbers (IANA): transports, the IPv6 extension headers pwire
 * walks (RFC 8200 section 4), and L2TPv3 over IP (RFC 3931 section 4.1.1). */
enum pw_ipproto {
	PW_IPPROTO_HOPOPTS = 0,
	PW_IPPROTO_TCP = 6,
	PW_IPPROTO_UDP = 17,
	PW_IPPROTO_ROUTING = 43,
	PW_IPPROTO_DSTOPTS = 60,
	PW_IPPROTO_L2TP = 115,
};

/* IPv4 (RFC 791 section 3.1). */
enum pw_ipv4 {
	PW_IPV4_IHL = 0x0f, /* in the first byte, under the version: the length in 32-bit words */
	PW_IPV4_TOT_LEN = 2,
	PW_IPV4_ID = 4,
	PW_IPV4_FRAG_OFF = 6, /* flags and fragment offset */
	PW_IPV4_PROTOCOL = 9,
	PW_IPV4_CSUM = 10,
	PW_IPV4_SADDR = 12,
	PW_IPV4_DADDR = 16,
	PW_IPV4_ADDRS_LEN = 8, /* source and destination */
	PW_IPV4_HLEN_MIN = 20,
	PW_IPV4_HLEN_MAX = 60,
	PW_IPV4_PLAIN = 0x45, /* the first byte of a header without options */
	/* In the 16 bits at PW_IPV4_FRAG_OFF: */
	PW_IPV4_MF = 0x2000,         /* more fragments */
	PW_IPV4_FRAG_MASK = 0x1fff,  /* the fragment offset: not 0 past the first */
};

/* IPv6 (RFC 8200 section 3) and its extension headers (section 4). */
enum pw_ipv6 {
	PW_IPV6_PAYLOAD_LEN = 4,
	PW_IPV6_NEXTHDR = 6,
	PW_IPV6_SADDR = 8,
	PW_IPV6_DADDR = 24,
	PW_IPV6_ADDRS_LEN = 32, /* source and destination */
	PW_IPV6_HLEN = 40,
	/* An extension header: the next header, then its length in 8-byte
	 * units past the first 8; a routing header's segments left. */
	PW_IPV6_OPT_NEXTHDR = 0,
	PW_IPV6_OPT_LEN = 1,
	PW_IPV6_RT_SEGMENTS_LEFT = 3,
	PW_IPV6_OPT_MIN = 8,
};

/* TCP (RFC 9293 section 3.1). */
enum pw_tcp {
	PW_TCP_PORTS_LEN = 4, /* source and destination port, at offset 0 */
	PW_TCP_SEQ = 4,
	PW_TCP_ACK_SEQ = 8,
	PW_TCP_DOFF = 12, /* data offset: the header's length in 32-bit words, high 4 bits */
	PW_TCP_FLAGS = 13,
	PW_TCP_WINDOW = 14,
	PW_TCP_CSUM = 16,
	PW_TCP_URG_PTR = 18,
	PW_TCP_HLEN_MIN = 20,
};

/* The bits of the byte at PW_TCP_FLAGS. */
enum pw_tcp_flag {
	PW_TCP_FIN = 0x01,
	PW_TCP_SYN = 0x02,
	PW_TCP_PSH = 0x08,
	PW_TCP_ACK = 0x10,
	PW_TCP_CWR = 0x80,
};

/* UDP (RFC 768). */
enum pw_udp {
	PW_UDP_LEN = 4, /* the length field: header and payload */
	PW_UDP_CSUM = 6,
	PW_UDP_HLEN = 8,
};

#endif
