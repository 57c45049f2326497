/* SPDX-License-Identifier: MIT */
/*
 * tso.c: TCP/UDP segmentation and TCP coalescing of super-frames
 * (core/gso.c). Input: two bytes of gso_size, one byte picking TCPv4, TCPv6
 * or UDP (low bits) and NEEDS_CSUM (bit 7), then the super-frame (Ethernet,
 * VLAN tags, IPv6 extension headers: whatever the bytes say). A frame the
 * parser accepts must respect the amplification bounds (segment size floor,
 * segment count), be cut into segments that each fit hdr_len + mss, carry
 * valid IP lengths, IPv4 header and TCP/UDP checksums, and rejoin to the
 * original payload byte for byte; with NEEDS_CSUM and an honest checksum
 * field the very same segments must come out; and whatever run of TCP
 * segments the coalescer joins must cut back into exactly those segments.
 * The frame is libFuzzer's own buffer, exactly its size: ASan catches any
 * read past it.
 */
#include <stdlib.h>
#include <string.h>

#include "core/gso.h"
#include "core/inet.h"
#include "core/wire.h"
#include "fuzz.h"

enum { SEGS = 256, SEG_MAX = 2200 };

static uint8_t seg[65536 + 64], again[65536 + 64], joined[65536], segs[SEGS][SEG_MAX];
static uint32_t lens[SEGS];

/* Join what pw_gro takes of segs[from..n), check it cuts back into exactly
 * those segments; returns the index after the last one joined. The joined
 * frame's pieces (headers, then each payload where it lies in segs) are
 * laid end to end first. */
static uint32_t join(uint32_t from, uint32_t n)
{
	static uint8_t hdr[PW_GRO_HDR_MAX], buf[65536 + 64];
	struct pw_gro g = { .buf = hdr, .cap = sizeof(hdr), .max = sizeof(buf) };
	struct pw_gso out;
	struct pw_tso t;
	uint32_t k = from + 1, at = 0;

	if (!pw_gro_start(&g, segs[from], lens[from]))
		return from + 1;
	while (k < n && pw_gro_append(&g, segs[k], lens[k]))
		k++;
	FUZZ_CHECK(g.segs == k - from);
	if (!pw_gro_finish(&g, &out))
		return k;
	for (unsigned i = 0; i <= g.segs; i++) {
		FUZZ_CHECK(!i || g.iov[i].iov_base == segs[from + i - 1] + g.hdr_len);
		memcpy(buf + at, g.iov[i].iov_base, g.iov[i].iov_len);
		at += (uint32_t)g.iov[i].iov_len;
	}
	FUZZ_CHECK(at == g.len);
	FUZZ_CHECK(pw_tso_parse(&t, buf, g.len, &out) && t.segments == k - from);
	for (uint32_t i = 0; i < t.segments; i++)
		FUZZ_CHECK(pw_tso_segment(&t, i, again) == lens[from + i] &&
			   !memcmp(again, segs[from + i], lens[from + i]));
	return k;
}

/* The same frame with an honest NEEDS_CSUM checksum field (the pseudo-header
 * sum of the super-frame; for UDP the header's length too), in a buffer of
 * its exact size: cut, it must give the very same segments. */
static void check_csum_field(const uint8_t *data, uint32_t size, const struct pw_tso *t,
			     enum pw_gso_type type)
{
	uint8_t *f = malloc(size);
	uint16_t csum_offset = t->udp ? PW_UDP_CSUM : PW_TCP_CSUM;
	uint32_t l4_len = size - t->l4, at = t->l4 + csum_offset;
	uint64_t sum = (t->udp ? PW_IPPROTO_UDP : PW_IPPROTO_TCP) + l4_len;
	struct pw_gso g = { .type = type, .gso_size = t->mss, .needs_csum = true,
			    .csum_start = t->l4, .csum_offset = csum_offset };
	struct pw_tso tf;

	FUZZ_CHECK(f != NULL);
	memcpy(f, data, size);
	sum = t->v6 ? pw_csum_add(sum, f + t->l3 + PW_IPV6_SADDR, PW_IPV6_ADDRS_LEN) :
		      pw_csum_add(sum, f + t->l3 + PW_IPV4_SADDR, PW_IPV4_ADDRS_LEN);
	if (t->udp)
		store_be16(f + t->l4 + PW_UDP_LEN, (uint16_t)l4_len);
	store_be16(f + at, (uint16_t)~pw_csum_fold(sum));
	FUZZ_CHECK(pw_tso_parse(&tf, f, size, &g) && tf.segments == t->segments);
	for (uint32_t k = 0; k < t->segments; k++) {
		uint32_t n = pw_tso_segment(t, k, seg);

		FUZZ_CHECK(pw_tso_segment(&tf, k, again) == n && !memcmp(seg, again, n));
	}
	g.csum_start = (uint16_t)(t->l4 + 2); /* a checksum elsewhere is refused */
	FUZZ_CHECK(!pw_tso_parse(&tf, f, size, &g));
	free(f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum pw_gso_type types[] = { PW_GSO_TCPV4, PW_GSO_TCPV6, PW_GSO_UDP };
	struct pw_gso g;
	struct pw_tso t;
	uint32_t at = 0;
	bool csum_field;

	if (size < 3 || size > 65536 + 3)
		return 0;
	g = (struct pw_gso){ .gso_size = (uint16_t)(data[0] << 8 | data[1]),
			     .type = types[(data[2] & 0x7f) % 3] };
	csum_field = data[2] & 0x80;
	data += 3, size -= 3;
	if (!pw_tso_parse(&t, data, (uint32_t)size, &g))
		return 0;
	/* The amplification bounds hold for whatever was accepted. */
	FUZZ_CHECK(t.mss == g.gso_size && t.mss >= (t.udp ? PW_USO_SIZE_MIN : PW_TSO_MSS_MIN));
	FUZZ_CHECK(t.segments >= 1 && t.segments <= (t.udp ? PW_USO_SEGS_MAX : PW_TSO_SEGS_MAX));
	FUZZ_CHECK(size - t.hdr_len <= PW_GSO_IP_MAX);
	FUZZ_CHECK(t.l3 == PW_ETH_HLEN || t.l3 == PW_ETH_HLEN + PW_VLAN_HLEN ||
		   t.l3 == PW_ETH_HLEN + 2 * PW_VLAN_HLEN);
	FUZZ_CHECK(t.l3 < t.l4 && t.l4 < t.hdr_len && t.hdr_len < size);
	FUZZ_CHECK(t.segments == (size - t.hdr_len + t.mss - 1) / t.mss);
	for (uint32_t k = 0; k < t.segments; k++) {
		uint32_t n = pw_tso_segment(&t, k, seg), l4_len = n - t.l4;
		uint32_t proto = t.udp ? PW_IPPROTO_UDP : PW_IPPROTO_TCP;
		uint64_t pseudo;

		FUZZ_CHECK(n > t.hdr_len && n <= (uint32_t)t.hdr_len + t.mss);
		FUZZ_CHECK(!memcmp(seg, data, t.l3)); /* the Ethernet header and tags */
		if (t.v6) {
			FUZZ_CHECK(load_be16(seg + t.l3 + PW_IPV6_PAYLOAD_LEN) ==
				   n - t.l3 - PW_IPV6_HLEN);
			pseudo = pw_csum_add(proto + l4_len, seg + t.l3 + PW_IPV6_SADDR,
					     PW_IPV6_ADDRS_LEN);
		} else {
			FUZZ_CHECK(load_be16(seg + t.l3 + PW_IPV4_TOT_LEN) == n - t.l3);
			FUZZ_CHECK(pw_csum_fold(pw_csum_add(0, seg + t.l3, t.l4 - t.l3)) == 0);
			pseudo = pw_csum_add(proto + l4_len, seg + t.l3 + PW_IPV4_SADDR,
					     PW_IPV4_ADDRS_LEN);
		}
		FUZZ_CHECK(pw_csum_fold(pw_csum_add(pseudo, seg + t.l4, l4_len)) == 0);
		if (t.udp)
			FUZZ_CHECK(load_be16(seg + t.l4 + PW_UDP_LEN) == l4_len);
		memcpy(joined + at, seg + t.hdr_len, n - t.hdr_len);
		at += n - t.hdr_len;
		if (k < SEGS && n <= SEG_MAX) {
			memcpy(segs[k], seg, n);
			lens[k] = n;
		}
	}
	FUZZ_CHECK(at == size - t.hdr_len && !memcmp(joined, data + t.hdr_len, at));
	if (csum_field)
		check_csum_field(data, (uint32_t)size, &t, g.type);
	if (!t.udp && t.segments <= SEGS && (uint32_t)t.hdr_len + t.mss <= SEG_MAX)
		for (uint32_t k = 0; k < t.segments;)
			k = join(k, t.segments);
	return 0;
}
