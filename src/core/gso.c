/* SPDX-License-Identifier: MIT */
/*
 * gso.c: TCP segmentation offload done in userspace (see gso.h), following
 * what the kernel's tcp_gso_segment()/inet_gso_segment() produce: every
 * segment carries the same headers but for the IP total length (and for
 * IPv4 an id incremented per segment and a fresh header checksum), the TCP
 * sequence number advanced by the bytes before it, FIN/PSH only on the last
 * and CWR only on the first, and a complete TCP checksum.
 */
#include <string.h>

#include "core/gso.h"
#include "core/wire.h"

enum {
	ETH_TYPE_IPV4 = 0x0800,
	ETH_TYPE_IPV6 = 0x86dd,
	PROTO_TCP = 6,
	TCP_HLEN_MIN = 20,
	TCP_FIN = 0x01,
	TCP_PSH = 0x08,
	TCP_CWR = 0x80,
};

static uint16_t load_be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void store_be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

uint64_t pw_csum_add(uint64_t sum, const uint8_t *p, uint32_t len)
{
	uint32_t i = 0;

	for (; i + 1 < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (i < len)
		sum += (uint32_t)p[i] << 8;
	return sum;
}

uint16_t pw_csum_fold(uint64_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

bool pw_csum_complete(uint8_t *frame, uint32_t len, uint16_t csum_start, uint16_t csum_offset)
{
	uint32_t at = (uint32_t)csum_start + csum_offset;
	uint16_t c;

	if (csum_start >= len || at + 2 > len)
		return false;
	/* The field holds the pseudo-header sum; the sum runs over it too. */
	c = pw_csum_fold(pw_csum_add(0, frame + csum_start, len - csum_start));
	store_be16(frame + at, c);
	return true;
}

bool pw_tso_parse(struct pw_tso *t, const uint8_t *f, uint32_t len, const struct pw_gso *g)
{
	uint32_t l3 = PW_ETH_HLEN, l4, hdr;
	uint16_t type;

	if (g->type == PW_GSO_NONE || !g->gso_size || len < PW_ETH_HLEN)
		return false;
	type = load_be16(f + 12);
	if (type == ETH_TYPE_IPV4 && g->type == PW_GSO_TCPV4) {
		if (len < l3 + 20 || (f[l3] >> 4) != 4 || f[l3 + 9] != PROTO_TCP)
			return false;
		l4 = l3 + (f[l3] & 0x0f) * 4u;
		if (l4 < l3 + 20 || (load_be16(f + l3 + 6) & 0x3fff)) /* no fragments */
			return false;
	} else if (type == ETH_TYPE_IPV6 && g->type == PW_GSO_TCPV6) {
		/* Extension headers are not cut here: the kernel does not offer
		 * TSO for them to a TAP either. */
		if (len < l3 + 40 || (f[l3] >> 4) != 6 || f[l3 + 6] != PROTO_TCP)
			return false;
		l4 = l3 + 40;
	} else {
		return false;
	}
	if (len < l4 + TCP_HLEN_MIN)
		return false;
	hdr = l4 + (f[l4 + 12] >> 4) * 4u;
	if (hdr < l4 + TCP_HLEN_MIN || hdr >= len)
		return false;
	*t = (struct pw_tso){ .frame = f, .len = len, .l3 = (uint16_t)l3, .l4 = (uint16_t)l4,
			      .hdr_len = (uint16_t)hdr, .v6 = type == ETH_TYPE_IPV6,
			      .mss = g->gso_size };
	t->segments = (len - hdr + t->mss - 1) / t->mss;
	return true;
}

uint32_t pw_tso_segment(const struct pw_tso *t, uint32_t k, uint8_t *out)
{
	uint32_t off = k * t->mss;
	uint32_t pay = t->len - t->hdr_len - off < t->mss ? t->len - t->hdr_len - off : t->mss;
	uint32_t tcp_len = t->hdr_len - t->l4 + pay;
	uint8_t *ip = out + t->l3, *tcp = out + t->l4;
	bool last = k + 1 == t->segments;
	uint64_t sum;

	memcpy(out, t->frame, t->hdr_len);
	memcpy(out + t->hdr_len, t->frame + t->hdr_len + off, pay);
	if (t->v6) {
		store_be16(ip + 4, (uint16_t)tcp_len);
		sum = pw_csum_add(0, ip + 8, 32); /* source and destination */
	} else {
		store_be16(ip + 2, (uint16_t)(t->l4 - t->l3 + tcp_len));
		store_be16(ip + 4, (uint16_t)(load_be16(t->frame + t->l3 + 4) + k));
		store_be16(ip + 10, 0);
		store_be16(ip + 10, pw_csum_fold(pw_csum_add(0, ip, t->l4 - t->l3)));
		sum = pw_csum_add(0, ip + 12, 8);
	}
	store_be32(tcp + 4, load_be32(t->frame + t->l4 + 4) + off);
	if (!last)
		tcp[13] &= (uint8_t)~(TCP_FIN | TCP_PSH);
	if (k)
		tcp[13] &= (uint8_t)~TCP_CWR;
	store_be16(tcp + 16, 0);
	sum += PROTO_TCP + tcp_len; /* the rest of the pseudo-header */
	store_be16(tcp + 16, pw_csum_fold(pw_csum_add(sum, tcp, tcp_len)));
	return t->hdr_len + pay;
}
