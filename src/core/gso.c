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
	PROTO_UDP = 17,
	UDP_HLEN = 8,
	TCP_HLEN_MIN = 20,
	TCP_FIN = 0x01,
	TCP_PSH = 0x08,
	TCP_ACK_BIT = 0x10,
	TCP_CWR = 0x80,
};

/* Add with the carry out of bit 63 folded back in (ones' complement). */
static uint64_t add_carry(uint64_t acc, uint64_t w)
{
	acc += w;
	return acc + (acc < w);
}

/* The ones' complement sum of p[0..len), copied to dst on the way unless
 * dst is NULL (inlined twice, the test folds away): a copy and a checksum
 * in one pass over the data. */
static inline __attribute__((always_inline)) uint64_t csum(uint64_t sum, uint8_t *dst,
							   const uint8_t *p, uint32_t len)
{
	uint64_t acc, a0 = 0, a1 = 0, a2 = 0, a3 = 0;
	uint16_t folded;

	/* RFC 1071 §2(B): the sum of native-order words is the byte-swapped
	 * sum of network-order words, so sum wide words and swap once. The
	 * main loop adds 32-bit words into four 64-bit sums: no carry to
	 * chain (even 4 GiB sums below 2^61), four independent chains, twice the
	 * speed of one add-with-carry chain of 64-bit words. */
	for (; len >= 32; p += 32, len -= 32) {
		uint32_t w[8];

		memcpy(w, p, sizeof(w));
		if (dst) {
			memcpy(dst, w, sizeof(w));
			dst += sizeof(w);
		}
		a0 += (uint64_t)w[0] + w[4];
		a1 += (uint64_t)w[1] + w[5];
		a2 += (uint64_t)w[2] + w[6];
		a3 += (uint64_t)w[3] + w[7];
	}
	acc = add_carry(add_carry(add_carry(a0, a1), a2), a3);
	if (dst)
		memcpy(dst, p, len); /* the tail */
	for (; len >= 8; p += 8, len -= 8) {
		uint64_t w;

		memcpy(&w, p, sizeof(w));
		acc = add_carry(acc, w);
	}
	for (; len >= 2; p += 2, len -= 2) {
		uint16_t w;

		memcpy(&w, p, sizeof(w));
		acc = add_carry(acc, w);
	}
	if (len) /* the last byte is the first of a word in network order */
		acc = add_carry(acc, __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ ? p[0] :
									   (uint64_t)p[0] << 8);
	acc = (acc & 0xffffffff) + (acc >> 32);
	acc = (acc & 0xffffffff) + (acc >> 32);
	acc = (acc & 0xffff) + (acc >> 16);
	acc = (acc & 0xffff) + (acc >> 16);
	folded = (uint16_t)acc;
	if (__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__)
		folded = (uint16_t)(folded >> 8 | folded << 8);
	return sum + folded;
}

uint64_t pw_csum_add(uint64_t sum, const uint8_t *p, uint32_t len)
{
	return csum(sum, NULL, p, len);
}

uint64_t pw_csum_copy(uint64_t sum, uint8_t *dst, const uint8_t *p, uint32_t len)
{
	return csum(sum, dst, p, len);
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

/* Offsets of a TCP (or, want PW_GSO_UDP, UDP) frame's headers; false unless
 * Ethernet + IPv4 (no fragment) or IPv6 (no extension header) + TCP/UDP,
 * all inside len. */
static bool parse_l4(const uint8_t *f, uint32_t len, enum pw_gso_type want, uint16_t *l4_out,
		     uint16_t *hdr_out, bool *v6)
{
	uint32_t l3 = PW_ETH_HLEN, l4, hdr;
	uint8_t proto = want == PW_GSO_UDP ? PROTO_UDP : PROTO_TCP;
	uint16_t type;

	if (len < PW_ETH_HLEN)
		return false;
	type = load_be16(f + 12);
	if (type == ETH_TYPE_IPV4 && want != PW_GSO_TCPV6) {
		if (len < l3 + 20 || (f[l3] >> 4) != 4 || f[l3 + 9] != proto)
			return false;
		l4 = l3 + (f[l3] & 0x0f) * 4u;
		if (l4 < l3 + 20 || (load_be16(f + l3 + 6) & 0x3fff)) /* no fragments */
			return false;
	} else if (type == ETH_TYPE_IPV6 && want != PW_GSO_TCPV4) {
		/* Extension headers are not cut here: the kernel does not offer
		 * TSO for them to a TAP either. */
		if (len < l3 + 40 || (f[l3] >> 4) != 6 || f[l3 + 6] != proto)
			return false;
		l4 = l3 + 40;
	} else {
		return false;
	}
	if (proto == PROTO_UDP) {
		hdr = l4 + UDP_HLEN;
		if (hdr > len)
			return false;
		goto out;
	}
	if (len < l4 + TCP_HLEN_MIN)
		return false;
	hdr = l4 + (f[l4 + 12] >> 4) * 4u;
	if (hdr < l4 + TCP_HLEN_MIN || hdr > len)
		return false;
out:
	*l4_out = (uint16_t)l4;
	*hdr_out = (uint16_t)hdr;
	*v6 = type == ETH_TYPE_IPV6;
	return true;
}

bool pw_tso_parse(struct pw_tso *t, const uint8_t *f, uint32_t len, const struct pw_gso *g)
{
	uint16_t l4, hdr;
	bool v6;

	if (g->type == PW_GSO_NONE || !g->gso_size || !parse_l4(f, len, g->type, &l4, &hdr, &v6) ||
	    hdr >= len)
		return false;
	*t = (struct pw_tso){ .frame = f, .len = len, .l3 = PW_ETH_HLEN, .l4 = l4, .hdr_len = hdr,
			      .v6 = v6, .udp = g->type == PW_GSO_UDP, .mss = g->gso_size };
	t->segments = (len - hdr + t->mss - 1) / t->mss;
	return true;
}

uint32_t pw_tso_segment(const struct pw_tso *t, uint32_t k, uint8_t *out)
{
	uint32_t off = k * t->mss;
	uint32_t pay = t->len - t->hdr_len - off < t->mss ? t->len - t->hdr_len - off : t->mss;
	uint32_t tcp_len = t->hdr_len - t->l4 + pay; /* or UDP length */
	uint8_t *ip = out + t->l3, *tcp = out + t->l4;
	bool last = k + 1 == t->segments;
	uint64_t sum, pay_sum;

	memcpy(out, t->frame, t->hdr_len);
	/* The payload is copied and summed in one pass; the L4 header (an
	 * even length) is summed once its fields are final. */
	pay_sum = pw_csum_copy(0, out + t->hdr_len, t->frame + t->hdr_len + off, pay);
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
	if (t->udp) {
		/* A datagram of its own: length and checksum (0 is sent as
		 * 0xffff, RFC 768), as the kernel's UDP GSO makes them. */
		uint16_t c;

		store_be16(tcp + 4, (uint16_t)tcp_len);
		store_be16(tcp + 6, 0);
		c = pw_csum_fold(pw_csum_add(sum + pay_sum + PROTO_UDP + tcp_len, tcp, UDP_HLEN));
		store_be16(tcp + 6, c ? c : 0xffff);
		return t->hdr_len + pay;
	}
	store_be32(tcp + 4, load_be32(t->frame + t->l4 + 4) + off);
	if (!last)
		tcp[13] &= (uint8_t)~(TCP_FIN | TCP_PSH);
	if (k)
		tcp[13] &= (uint8_t)~TCP_CWR;
	store_be16(tcp + 16, 0);
	sum += PROTO_TCP + tcp_len + pay_sum; /* the rest of the pseudo-header */
	store_be16(tcp + 16, pw_csum_fold(pw_csum_add(sum, tcp, t->hdr_len - t->l4)));
	return t->hdr_len + pay;
}

/* Where the IP datagram ends (the frame may carry Ethernet padding after
 * it); 0 when it claims more than the frame holds. */
static uint32_t ip_end(const uint8_t *f, uint32_t len, bool v6)
{
	uint32_t end = PW_ETH_HLEN + (v6 ? 40u + load_be16(f + PW_ETH_HLEN + 4) :
					   load_be16(f + PW_ETH_HLEN + 2));

	return end <= len ? end : 0;
}

/* The folded (not complemented) pseudo-header sum of a TCP segment of
 * tcp_len bytes: what a NEEDS_CSUM checksum field holds. */
static uint16_t pseudo_sum(const uint8_t *f, uint16_t l3, bool v6, uint32_t tcp_len)
{
	uint64_t sum = v6 ? pw_csum_add(0, f + l3 + 8, 32) : pw_csum_add(0, f + l3 + 12, 8);

	return (uint16_t)~pw_csum_fold(sum + PROTO_TCP + tcp_len);
}

/* Header bytes that differ between segments of one super-frame. */
static bool same_headers(const struct pw_gro *g, const uint8_t *f)
{
	const uint8_t *h = g->buf;
	uint16_t l3 = PW_ETH_HLEN, l4 = g->l4;

	if (g->v6) {
		/* all of IPv6 but the payload length */
		if (memcmp(h, f, l3 + 4) || memcmp(h + l3 + 6, f + l3 + 6, 34))
			return false;
	} else {
		/* all of IPv4 but total length, id and checksum */
		if (memcmp(h, f, l3 + 2) || memcmp(h + l3 + 6, f + l3 + 6, 4) ||
		    memcmp(h + l3 + 12, f + l3 + 12, l4 - l3 - 12))
			return false;
	}
	/* TCP: ports, ack, offset, window, urgent, options; not seq, flags, checksum */
	return !memcmp(h + l4, f + l4, 4) && !memcmp(h + l4 + 8, f + l4 + 8, 5) &&
	       !memcmp(h + l4 + 14, f + l4 + 14, 2) && !memcmp(h + l4 + 18, f + l4 + 18, g->hdr_len - l4 - 18);
}

bool pw_gro_start(struct pw_gro *g, const uint8_t *f, uint32_t len)
{
	uint16_t l4, hdr;
	bool v6;

	g->segs = 0;
	if (!parse_l4(f, len, PW_GSO_NONE, &l4, &hdr, &v6) ||
	    (!v6 && (f[PW_ETH_HLEN] & 0x0f) != 5))
		return false;
	len = ip_end(f, len, v6);
	if (len <= hdr || len > g->cap)
		return false;
	/* Only plain data segments, with a checksum that holds: the merged
	 * frame's checksum is computed anew, which would launder corruption. */
	if (f[l4 + 13] & ~(TCP_PSH | TCP_ACK_BIT))
		return false;
	memcpy(g->buf, f, l4);
	if (pw_csum_fold(pw_csum_copy(pseudo_sum(f, PW_ETH_HLEN, v6, len - l4), g->buf + l4, f + l4,
				      len - l4)))
		return false;
	g->len = len;
	g->l4 = l4;
	g->hdr_len = hdr;
	g->v6 = v6;
	g->mss = (uint16_t)(len - hdr);
	g->next_seq = load_be32(f + l4 + 4) + g->mss;
	g->next_id = (uint16_t)(load_be16(f + PW_ETH_HLEN + 4) + 1);
	g->closed = f[l4 + 13] & TCP_PSH;
	g->segs = 1;
	return true;
}

bool pw_gro_append(struct pw_gro *g, const uint8_t *f, uint32_t len)
{
	uint32_t pay;

	if (!g->segs || g->closed || len <= g->hdr_len)
		return false;
	len = ip_end(f, len, g->v6);
	pay = len - g->hdr_len;
	if (len <= g->hdr_len || pay > g->mss ||
	    g->len + pay > g->cap || g->len + pay - PW_ETH_HLEN > 65535 || g->segs >= 64)
		return false;
	if (!same_headers(g, f) || load_be32(f + g->l4 + 4) != g->next_seq ||
	    (f[g->l4 + 13] & ~(TCP_PSH | TCP_ACK_BIT)) != 0 || (f[g->l4 + 13] & TCP_ACK_BIT) !=
		    (g->buf[g->l4 + 13] & TCP_ACK_BIT))
		return false;
	if (!g->v6 && load_be16(f + PW_ETH_HLEN + 4) != g->next_id)
		return false;
	/* The payload is copied past the end while its checksum is verified
	 * (one pass): a segment that fails leaves g->len where it was. */
	if (pw_csum_fold(pw_csum_copy(pw_csum_add(pseudo_sum(f, PW_ETH_HLEN, g->v6, len - g->l4),
						  f + g->l4, g->hdr_len - g->l4),
				      g->buf + g->len, f + g->hdr_len, pay)))
		return false;
	g->len += pay;
	g->next_seq += pay;
	g->next_id++;
	g->segs++;
	/* A short segment or a push ends the super-frame. */
	g->closed = pay < g->mss || (f[g->l4 + 13] & TCP_PSH);
	g->buf[g->l4 + 13] |= f[g->l4 + 13] & TCP_PSH;
	return true;
}

bool pw_gro_finish(struct pw_gro *g, struct pw_gso *out)
{
	uint8_t *ip = g->buf + PW_ETH_HLEN, *tcp = g->buf + g->l4;
	uint32_t tcp_len = g->len - g->l4;

	if (g->segs < 2)
		return false; /* the frame as it came, checksum and all */
	if (g->v6) {
		store_be16(ip + 4, (uint16_t)tcp_len);
	} else {
		store_be16(ip + 2, (uint16_t)(g->len - PW_ETH_HLEN));
		store_be16(ip + 10, 0);
		store_be16(ip + 10, pw_csum_fold(pw_csum_add(0, ip, g->l4 - PW_ETH_HLEN)));
	}
	store_be16(tcp + 16, pseudo_sum(g->buf, PW_ETH_HLEN, g->v6, tcp_len));
	*out = (struct pw_gso){ .needs_csum = true, .type = g->v6 ? PW_GSO_TCPV6 : PW_GSO_TCPV4,
				.gso_size = g->mss, .csum_start = g->l4, .csum_offset = 16 };
	return true;
}
