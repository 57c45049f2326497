/* SPDX-License-Identifier: MIT */
/*
 * gso.c: TCP and UDP segmentation offload done in userspace (see gso.h),
 * following what the kernel's tcp_gso_segment()/__udp_gso_segment() and
 * inet_gso_segment()/ipv6_gso_segment() produce: every segment carries the
 * same headers (VLAN tags and IPv6 extension headers as they are) but for
 * the IP length (and for IPv4 an id incremented per segment and a fresh
 * header checksum), the TCP sequence number advanced by the bytes before
 * it, FIN/PSH only on the last and CWR only on the first, or the UDP
 * length, and a complete checksum; and coalescing back under the kernel's
 * GRO rules. Every offset past the Ethernet header is the frame's own.
 */
#include <string.h>

#include "core/gso.h"
#include "core/inet.h"
#include "core/wire.h"

/* IPv6 extension headers parse() walks past at most (hop-by-hop, routing,
 * and destination options before and after it). */
enum { IPV6_OPTS_MAX = 4 };

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

/* Where a frame's headers are, as parse() finds them. */
struct hdrs {
	uint16_t l3, l4, hdr; /* IP, TCP (UDP), payload */
	bool v6;
	bool final_dst; /* no IPv6 routing header with segments left */
};

/* The headers of a TCP (or, want PW_GSO_UDP, UDP) frame: Ethernet, up to
 * PW_VLAN_TAGS_MAX tags, IPv4 (no fragment) or IPv6 with up to IPV6_OPTS_MAX
 * hop-by-hop, routing or destination options headers (what the kernel's
 * ipv6_gso_pull_exthdrs() walks; a fragment header is never GSO), TCP/UDP,
 * all inside len. Untagged IPv4 costs what it always did: one failed
 * comparison for tags, none for extension headers. */
static bool parse(const uint8_t *f, uint32_t len, enum pw_gso_type want, struct hdrs *h)
{
	uint32_t l3 = PW_ETH_HLEN, l4, hdr;
	uint8_t proto = want == PW_GSO_UDP ? PW_IPPROTO_UDP : PW_IPPROTO_TCP;
	uint16_t type;
	unsigned n;

	if (len < PW_ETH_HLEN)
		return false;
	type = load_be16(f + PW_ETH_TYPE);
	for (n = 0; type == PW_ETH_P_8021Q || type == PW_ETH_P_8021AD; n++) {
		if (n == PW_VLAN_TAGS_MAX || len < l3 + PW_VLAN_HLEN)
			return false;
		type = load_be16(f + l3 + PW_VLAN_TYPE);
		l3 += PW_VLAN_HLEN;
	}
	h->final_dst = true;
	if (type == PW_ETH_P_IPV4 && want != PW_GSO_TCPV6) {
		if (len < l3 + PW_IPV4_HLEN_MIN || (f[l3] >> 4) != 4 ||
		    f[l3 + PW_IPV4_PROTOCOL] != proto)
			return false;
		l4 = l3 + (f[l3] & PW_IPV4_IHL) * 4u;
		if (l4 < l3 + PW_IPV4_HLEN_MIN ||
		    (load_be16(f + l3 + PW_IPV4_FRAG_OFF) & (PW_IPV4_MF | PW_IPV4_FRAG_MASK)))
			return false; /* a fragment */
	} else if (type == PW_ETH_P_IPV6 && want != PW_GSO_TCPV4) {
		uint8_t next;

		if (len < l3 + PW_IPV6_HLEN || (f[l3] >> 4) != 6)
			return false;
		next = f[l3 + PW_IPV6_NEXTHDR];
		l4 = l3 + PW_IPV6_HLEN;
		/* RFC 8200 section 4.1: each at most once, destination
		 * options twice; each a multiple of 8 bytes. */
		for (n = 0; next != proto; n++) {
			if (n == IPV6_OPTS_MAX || len < l4 + PW_IPV6_OPT_MIN ||
			    (next != PW_IPPROTO_HOPOPTS && next != PW_IPPROTO_ROUTING &&
			     next != PW_IPPROTO_DSTOPTS))
				return false;
			if (next == PW_IPPROTO_ROUTING && f[l4 + PW_IPV6_RT_SEGMENTS_LEFT])
				h->final_dst = false;
			next = f[l4 + PW_IPV6_OPT_NEXTHDR];
			l4 += (f[l4 + PW_IPV6_OPT_LEN] + 1u) * PW_IPV6_OPT_MIN;
		}
	} else {
		return false;
	}
	if (proto == PW_IPPROTO_UDP) {
		hdr = l4 + PW_UDP_HLEN;
		if (hdr > len)
			return false;
	} else {
		if (len < l4 + PW_TCP_HLEN_MIN)
			return false;
		hdr = l4 + (f[l4 + PW_TCP_DOFF] >> 4) * 4u;
		if (hdr < l4 + PW_TCP_HLEN_MIN || hdr > len)
			return false;
	}
	h->l3 = (uint16_t)l3;
	h->l4 = (uint16_t)l4;
	h->hdr = (uint16_t)hdr;
	h->v6 = type == PW_ETH_P_IPV6;
	return true;
}

/* The unfolded sum of a segment's pseudo-header from its addresses and
 * protocol, without the L4 length. */
static uint64_t pseudo_addrs(const uint8_t *f, uint16_t l3, bool v6, uint8_t proto)
{
	return proto + (v6 ? pw_csum_add(0, f + l3 + PW_IPV6_SADDR, PW_IPV6_ADDRS_LEN) :
			     pw_csum_add(0, f + l3 + PW_IPV4_SADDR, PW_IPV4_ADDRS_LEN));
}

bool pw_tso_parse(struct pw_tso *t, const uint8_t *f, uint32_t len, const struct pw_gso *g)
{
	bool udp = g->type == PW_GSO_UDP;
	uint32_t segs, csum_at;
	struct hdrs h;

	if ((g->type != PW_GSO_TCPV4 && g->type != PW_GSO_TCPV6 && !udp) ||
	    !parse(f, len, g->type, &h) || h.hdr >= len)
		return false; /* not a kind of super-frame pwire cuts (legacy UFO...) */
	/* The amplification bounds (gso.h): a floor under the segment size,
	 * one IP datagram of payload at most, and for UDP the kernel's count. */
	if (g->gso_size < (udp ? PW_USO_SIZE_MIN : PW_TSO_MSS_MIN) ||
	    len - h.l3 - (h.v6 ? PW_IPV6_HLEN : 0) > PW_GSO_IP_MAX)
		return false;
	segs = (len - h.hdr + g->gso_size - 1) / g->gso_size;
	if (segs > (udp ? PW_USO_SEGS_MAX : PW_TSO_SEGS_MAX))
		return false;
	*t = (struct pw_tso){ .frame = f, .len = len, .l3 = h.l3, .l4 = h.l4, .hdr_len = h.hdr,
			      .v6 = h.v6, .udp = udp, .mss = g->gso_size, .segments = segs };
	csum_at = h.l4 + (udp ? PW_UDP_CSUM : PW_TCP_CSUM);
	if (!g->needs_csum) {
		t->pseudo = (uint32_t)pseudo_addrs(f, h.l3, h.v6, udp ? PW_IPPROTO_UDP : PW_IPPROTO_TCP);
		return true;
	}
	if (g->csum_start != h.l4 || csum_at != (uint32_t)g->csum_start + g->csum_offset)
		return false;
	/* As tcp_gso_segment() and __udp_gso_segment() do: the field holds
	 * the pseudo-header sum of the whole super-frame; take its length
	 * (TCP: the frame's; UDP: the header's length field) out again. */
	t->pseudo = load_be16(f + csum_at) +
		    (0xffffu - (udp ? load_be16(f + h.l4 + PW_UDP_LEN) : (uint16_t)(len - h.l4)));
	return true;
}

uint32_t pw_tso_segment(const struct pw_tso *t, uint32_t k, uint8_t *out)
{
	uint32_t off = k * t->mss;
	uint32_t pay = t->len - t->hdr_len - off < t->mss ? t->len - t->hdr_len - off : t->mss;
	uint32_t l4_len = t->hdr_len - t->l4 + pay; /* TCP (UDP) length */
	uint8_t *ip = out + t->l3, *l4 = out + t->l4;
	uint64_t sum = (uint64_t)t->pseudo + l4_len, pay_sum;

	memcpy(out, t->frame, t->hdr_len);
	/* The payload is copied and summed in one pass; the L4 header (an
	 * even length) is summed once its fields are final. */
	pay_sum = pw_csum_copy(0, out + t->hdr_len, t->frame + t->hdr_len + off, pay);
	if (t->v6) {
		store_be16(ip + PW_IPV6_PAYLOAD_LEN, (uint16_t)(t->l4 - t->l3 - PW_IPV6_HLEN + l4_len));
	} else {
		store_be16(ip + PW_IPV4_TOT_LEN, (uint16_t)(t->l4 - t->l3 + l4_len));
		store_be16(ip + PW_IPV4_ID, (uint16_t)(load_be16(t->frame + t->l3 + PW_IPV4_ID) + k));
		store_be16(ip + PW_IPV4_CSUM, 0);
		store_be16(ip + PW_IPV4_CSUM, pw_csum_fold(pw_csum_add(0, ip, t->l4 - t->l3)));
	}
	if (t->udp) {
		/* A datagram of its own: length and checksum (0 is sent as
		 * 0xffff, RFC 768), as the kernel's UDP GSO makes them. */
		uint16_t c;

		store_be16(l4 + PW_UDP_LEN, (uint16_t)l4_len);
		store_be16(l4 + PW_UDP_CSUM, 0);
		c = pw_csum_fold(pw_csum_add(sum + pay_sum, l4, PW_UDP_HLEN));
		store_be16(l4 + PW_UDP_CSUM, c ? c : 0xffff);
		return t->hdr_len + pay;
	}
	store_be32(l4 + PW_TCP_SEQ, load_be32(t->frame + t->l4 + PW_TCP_SEQ) + off);
	if (k + 1 != t->segments)
		l4[PW_TCP_FLAGS] &= (uint8_t)~(PW_TCP_FIN | PW_TCP_PSH);
	if (k)
		l4[PW_TCP_FLAGS] &= (uint8_t)~PW_TCP_CWR;
	store_be16(l4 + PW_TCP_CSUM, 0);
	store_be16(l4 + PW_TCP_CSUM,
		   pw_csum_fold(pw_csum_add(sum + pay_sum, l4, t->hdr_len - t->l4)));
	return t->hdr_len + pay;
}

/* Whether the IP datagram ends where the frame does. A frame with bytes
 * after it (Ethernet padding, a trailer) is not joined, as in the kernel's
 * inet_gro_receive() and ipv6_gro_receive() (length != skb_gro_len: flush):
 * it is written as it came, those bytes too. */
static bool ip_fills(const uint8_t *f, uint32_t len, uint16_t l3, bool v6)
{
	uint32_t ip_len = v6 ? PW_IPV6_HLEN + load_be16(f + l3 + PW_IPV6_PAYLOAD_LEN) :
			       load_be16(f + l3 + PW_IPV4_TOT_LEN);

	return l3 + ip_len == len;
}

/* The folded (not complemented) pseudo-header sum of a TCP segment of
 * tcp_len bytes: what a NEEDS_CSUM checksum field holds. */
static uint16_t pseudo_sum(const uint8_t *f, uint16_t l3, bool v6, uint32_t tcp_len)
{
	return (uint16_t)~pw_csum_fold(pseudo_addrs(f, l3, v6, PW_IPPROTO_TCP) + tcp_len);
}

/* Header bytes that differ between segments of one super-frame. Inlined
 * with l3 a constant for untagged frames: the comparisons of fixed size
 * (IPv4 has no options here, IPv6 extension headers are compared apart)
 * compile to a few loads, not calls. */
static inline __attribute__((always_inline)) bool same_at(const struct pw_gro *g, const uint8_t *f,
							  uint16_t l3)
{
	const uint8_t *h = g->buf;
	uint16_t l4 = g->l4;

	if (g->v6) {
		/* all of IPv6 but the payload length, extension headers included */
		if (memcmp(h, f, l3 + (unsigned)PW_IPV6_PAYLOAD_LEN) ||
		    memcmp(h + l3 + PW_IPV6_NEXTHDR, f + l3 + PW_IPV6_NEXTHDR,
			   PW_IPV6_HLEN - PW_IPV6_NEXTHDR) ||
		    (l4 > l3 + PW_IPV6_HLEN &&
		     memcmp(h + l3 + PW_IPV6_HLEN, f + l3 + PW_IPV6_HLEN, l4 - l3 - PW_IPV6_HLEN)))
			return false;
	} else {
		/* all of IPv4 (20 bytes) but total length, id and checksum */
		if (memcmp(h, f, l3 + (unsigned)PW_IPV4_TOT_LEN) ||
		    memcmp(h + l3 + PW_IPV4_FRAG_OFF, f + l3 + PW_IPV4_FRAG_OFF,
			   PW_IPV4_CSUM - PW_IPV4_FRAG_OFF) ||
		    memcmp(h + l3 + PW_IPV4_SADDR, f + l3 + PW_IPV4_SADDR, PW_IPV4_ADDRS_LEN))
			return false;
	}
	/* TCP: ports, ack, offset, window, urgent, options; not seq, flags, checksum */
	return !memcmp(h + l4, f + l4, PW_TCP_PORTS_LEN) &&
	       !memcmp(h + l4 + PW_TCP_ACK_SEQ, f + l4 + PW_TCP_ACK_SEQ,
		       PW_TCP_FLAGS - PW_TCP_ACK_SEQ) &&
	       !memcmp(h + l4 + PW_TCP_WINDOW, f + l4 + PW_TCP_WINDOW, PW_TCP_CSUM - PW_TCP_WINDOW) &&
	       !memcmp(h + l4 + PW_TCP_URG_PTR, f + l4 + PW_TCP_URG_PTR,
		       g->hdr_len - l4 - PW_TCP_URG_PTR);
}

static bool same_headers(const struct pw_gro *g, const uint8_t *f)
{
	return g->l3 == PW_ETH_HLEN ? same_at(g, f, PW_ETH_HLEN) : same_at(g, f, g->l3);
}

/* An IPv4 header checksum that does not hold stops a join, as in the
 * kernel's inet_gro_receive() (ip_fast_csum() != 0: flush): the joined
 * frame's is computed anew, which would launder the corruption. */
static bool ipv4_csum_holds(const uint8_t *f, uint16_t l3)
{
	return !pw_csum_fold(pw_csum_add(0, f + l3, PW_IPV4_HLEN_MIN));
}

/* The same for a segment whose header is the first one's (whose checksum
 * held) but for total length, id and checksum (same_headers()): it holds
 * if and only if those three add up to what the first one's did. */
static bool ipv4_csum_holds_as_first(const struct pw_gro *g, const uint8_t *f)
{
	const uint8_t *h = g->buf + g->l3, *ip = f + g->l3;
	uint32_t first = (uint32_t)load_be16(h + PW_IPV4_TOT_LEN) + load_be16(h + PW_IPV4_ID) +
			 load_be16(h + PW_IPV4_CSUM);

	/* first - this, in ones' complement: -0 (all ones) when equal */
	return pw_csum_fold(first + (uint16_t)~load_be16(ip + PW_IPV4_TOT_LEN) +
			    (uint16_t)~load_be16(ip + PW_IPV4_ID) +
			    (uint16_t)~load_be16(ip + PW_IPV4_CSUM)) == 0;
}

bool pw_gro_start(struct pw_gro *g, const uint8_t *f, uint32_t len)
{
	struct hdrs h;

	g->segs = 0;
	/* No IPv4 options (inet_gro_receive() wants 0x45), no routing
	 * header with segments left (the checksum covers its last address). */
	if (!parse(f, len, PW_GSO_NONE, &h) || !h.final_dst ||
	    (!h.v6 && (f[h.l3] != PW_IPV4_PLAIN || !ipv4_csum_holds(f, h.l3))))
		return false;
	if (!ip_fills(f, len, h.l3, h.v6) || len < (uint32_t)h.hdr + PW_TSO_MSS_MIN ||
	    h.hdr > g->cap || len > g->max)
		return false;
	/* Only plain data segments, with a checksum that holds: the merged
	 * frame's checksum is computed anew, which would launder corruption. */
	if (f[h.l4 + PW_TCP_FLAGS] & ~(PW_TCP_PSH | PW_TCP_ACK) ||
	    pw_csum_fold(pw_csum_add(pseudo_sum(f, h.l3, h.v6, len - h.l4), f + h.l4, len - h.l4)))
		return false;
	memcpy(g->buf, f, h.hdr);
	g->iov[0] = (struct iovec){ g->buf, h.hdr };
	g->iov[1] = (struct iovec){ (void *)(f + h.hdr), len - h.hdr };
	g->len = len;
	g->l3 = h.l3;
	g->l4 = h.l4;
	g->hdr_len = h.hdr;
	g->v6 = h.v6;
	g->mss = (uint16_t)(len - h.hdr);
	g->next_seq = load_be32(f + h.l4 + PW_TCP_SEQ) + g->mss;
	g->next_id = (uint16_t)(load_be16(f + h.l3 + PW_IPV4_ID) + 1);
	g->closed = f[h.l4 + PW_TCP_FLAGS] & PW_TCP_PSH;
	g->segs = 1;
	return true;
}

bool pw_gro_append(struct pw_gro *g, const uint8_t *f, uint32_t len)
{
	uint32_t pay;

	if (!g->segs || g->closed || len <= g->hdr_len || !ip_fills(f, len, g->l3, g->v6))
		return false;
	pay = len - g->hdr_len;
	if (pay > g->mss || g->len + pay > g->max ||
	    g->len + pay - g->l3 - (g->v6 ? PW_IPV6_HLEN : 0) > PW_GSO_IP_MAX || g->segs >= PW_GRO_SEGS)
		return false;
	if (!same_headers(g, f) || load_be32(f + g->l4 + PW_TCP_SEQ) != g->next_seq ||
	    (f[g->l4 + PW_TCP_FLAGS] & ~(PW_TCP_PSH | PW_TCP_ACK)) != 0 ||
	    (f[g->l4 + PW_TCP_FLAGS] & PW_TCP_ACK) != (g->buf[g->l4 + PW_TCP_FLAGS] & PW_TCP_ACK))
		return false;
	if (!g->v6 &&
	    (load_be16(f + g->l3 + PW_IPV4_ID) != g->next_id || !ipv4_csum_holds_as_first(g, f)))
		return false;
	if (pw_csum_fold(pw_csum_add(pseudo_sum(f, g->l3, g->v6, len - g->l4), f + g->l4, len - g->l4)))
		return false;
	g->iov[++g->segs] = (struct iovec){ (void *)(f + g->hdr_len), pay };
	g->len += pay;
	g->next_seq += pay;
	g->next_id++;
	/* A short segment or a push ends the super-frame. */
	g->closed = pay < g->mss || (f[g->l4 + PW_TCP_FLAGS] & PW_TCP_PSH);
	g->buf[g->l4 + PW_TCP_FLAGS] |= f[g->l4 + PW_TCP_FLAGS] & PW_TCP_PSH;
	return true;
}

bool pw_gro_finish(struct pw_gro *g, struct pw_gso *out)
{
	uint8_t *ip = g->buf + g->l3, *tcp = g->buf + g->l4;
	uint32_t tcp_len = g->len - g->l4;

	if (g->segs < 2)
		return false; /* the frame as it came, checksum and all */
	if (g->v6) {
		store_be16(ip + PW_IPV6_PAYLOAD_LEN, (uint16_t)(g->len - g->l3 - PW_IPV6_HLEN));
	} else {
		store_be16(ip + PW_IPV4_TOT_LEN, (uint16_t)(g->len - g->l3));
		store_be16(ip + PW_IPV4_CSUM, 0);
		store_be16(ip + PW_IPV4_CSUM, pw_csum_fold(pw_csum_add(0, ip, g->l4 - g->l3)));
	}
	store_be16(tcp + PW_TCP_CSUM, pseudo_sum(g->buf, g->l3, g->v6, tcp_len));
	*out = (struct pw_gso){ .needs_csum = true, .type = g->v6 ? PW_GSO_TCPV6 : PW_GSO_TCPV4,
				.gso_size = g->mss, .csum_start = g->l4, .csum_offset = PW_TCP_CSUM };
	return true;
}
