/* SPDX-License-Identifier: MIT */
/*
 * test_gso.c: TCP segmentation of super-frames (core/gso.c), checked against
 * the rules of the kernel's GSO with an independent checksum: IPv4 and IPv6,
 * with TCP options, odd lengths, FIN/PSH/CWR, one or two VLAN tags, IPv6
 * extension headers, the checksum field's pseudo-header (NEEDS_CSUM), and
 * malformed or amplifying super-frames; and coalescing: segments join back
 * into a frame that cuts into the very same segments, and what must not
 * merge does not.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/gso.h"
#include "core/wire.h"

enum { BIG = 70000 };

/* A straightforward RFC 1071 checksum, written apart from core/. */
static uint16_t naive_csum(const uint8_t *p, size_t n, uint32_t start)
{
	uint32_t s = start;

	for (size_t i = 0; i < n; i++)
		s += i & 1 ? p[i] : (uint32_t)p[i] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* Ethernet + IPv4 or IPv6 + TCP with `opts` bytes of options + payload. */
static uint32_t build(uint8_t *f, bool v6, unsigned opts, uint32_t pay, uint8_t flags)
{
	uint32_t l3 = 14, l4 = l3 + (v6 ? 40 : 20), hdr = l4 + 20 + opts;

	memset(f, 0, hdr);
	memcpy(f, "\x02\0\0\0\0\x02\x02\0\0\0\0\x01", 12);
	if (v6) {
		f[12] = 0x86, f[13] = 0xdd;
		f[l3] = 0x60;
		f[l3 + 6] = 6;
		f[l3 + 7] = 64;
		for (int i = 0; i < 32; i++)
			f[l3 + 8 + i] = (uint8_t)(0x20 + i);
	} else {
		f[12] = 0x08;
		f[l3] = 0x45;
		f[l3 + 4] = 0x12, f[l3 + 5] = 0x34; /* id */
		f[l3 + 6] = 0x40;                   /* DF */
		f[l3 + 8] = 64;
		f[l3 + 9] = 6;
		memcpy(f + l3 + 12, "\x0a\0\0\x01\x0a\0\0\x02", 8);
	}
	f[l4] = 0x9c, f[l4 + 1] = 0x40, f[l4 + 3] = 80;
	store_be32(f + l4 + 4, 0xfffff000); /* the sequence wraps inside */
	f[l4 + 12] = (uint8_t)((20 + opts) / 4) << 4;
	f[l4 + 13] = flags;
	for (unsigned i = 0; i < opts; i++)
		f[l4 + 20 + i] = 1; /* NOP */
	for (uint32_t i = 0; i < pay; i++)
		f[hdr + i] = (uint8_t)(i * 7 + 3);
	return hdr + pay;
}

/* Insert n bytes at `at`, moving the rest of the frame up. */
static uint32_t insert(uint8_t *f, uint32_t len, uint32_t at, const void *b, uint32_t n)
{
	memmove(f + at + n, f + at, len - at);
	memcpy(f + at, b, n);
	return len + n;
}

/* One 802.1Q tag (VLAN 5), or two: an 802.1ad tag (VLAN 100) outside it. */
static uint32_t add_tags(uint8_t *f, uint32_t len, unsigned tags)
{
	if (tags >= 1)
		len = insert(f, len, 12, "\x81\x00\x00\x05", 4);
	if (tags >= 2)
		len = insert(f, len, 12, "\x88\xa8\x00\x64", 4);
	return len;
}

/* IPv6 extension headers as a sender lays them out: hop-by-hop, destination
 * options, routing (type 0, 24 bytes, `left` segments left, the final
 * destination 2001:db8::99): 40 bytes; the last next header is proto. */
enum { EXT_LEN = 40 };
static const uint8_t final_dst[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 0x99 };

static uint32_t add_ext(uint8_t *f, uint32_t len, uint32_t l3, uint8_t left)
{
	uint8_t ext[EXT_LEN] = { 60, 0, 1, 4, 0, 0, 0, 0,   /* hop-by-hop, PadN */
				 43, 0, 1, 4, 0, 0, 0, 0,   /* destination options, PadN */
				 0, 2, 0, left };           /* routing type 0 */

	memcpy(ext + 24, final_dst, 16);
	ext[16] = f[l3 + 6];
	f[l3 + 6] = 0; /* hop-by-hop first */
	return insert(f, len, l3 + 40, ext, EXT_LEN);
}

static void check_segments(bool v6, unsigned opts, uint32_t pay, uint16_t mss, uint8_t flags)
{
	static uint8_t f[BIG], seg[2000], joined[BIG];
	uint32_t len = build(f, v6, opts, pay, flags), at = 0;
	struct pw_gso g = { .type = v6 ? PW_GSO_TCPV6 : PW_GSO_TCPV4, .gso_size = mss };
	struct pw_tso t;
	uint32_t l4 = 14 + (v6 ? 40 : 20), hdr = l4 + 20 + opts;

	assert_true(pw_tso_parse(&t, f, len, &g));
	assert_int_equal(t.hdr_len, hdr);
	assert_int_equal(t.segments, (pay + mss - 1) / mss);
	for (uint32_t k = 0; k < t.segments; k++) {
		uint32_t n = pw_tso_segment(&t, k, seg), tcp_len = n - l4;
		bool last = k + 1 == t.segments;
		uint32_t pseudo;

		assert_int_equal(n, hdr + (last ? pay - k * mss : mss));
		assert_memory_equal(seg, f, 14);
		if (v6) {
			assert_int_equal(be16(seg + 14 + 4), tcp_len);
			pseudo = naive_csum(seg + 14 + 8, 32, 6 + tcp_len);
		} else {
			assert_int_equal(be16(seg + 14 + 2), n - 14);
			assert_int_equal(be16(seg + 14 + 4), 0x1234 + k);
			assert_int_equal(naive_csum(seg + 14, 20, 0), 0xffff); /* header checksum */
			pseudo = naive_csum(seg + 14 + 12, 8, 6 + tcp_len);
		}
		assert_int_equal(naive_csum(seg + l4, tcp_len, pseudo), 0xffff);
		assert_int_equal(load_be32(seg + l4 + 4), 0xfffff000u + k * mss);
		assert_int_equal(seg[l4 + 13] & 0x09, last ? flags & 0x09 : 0); /* FIN, PSH */
		assert_int_equal(seg[l4 + 13] & 0x80, k ? 0 : flags & 0x80);  /* CWR */
		assert_int_equal(seg[l4 + 13] & 0x10, flags & 0x10);           /* ACK stays */
		memcpy(joined + at, seg + hdr, n - hdr);
		at += n - hdr;
	}
	assert_int_equal(at, pay);
	assert_memory_equal(joined, f + hdr, pay);
}

static void test_tcpv4(void **state)
{
	(void)state;
	check_segments(false, 0, 65000, 1448, 0x18);
	check_segments(false, 12, 64001, 1436, 0x19 | 0x80);
	check_segments(false, 40, 2897, 1448, 0x11);
	check_segments(false, 0, 1, 1448, 0x18);
}

static void test_tcpv6(void **state)
{
	(void)state;
	check_segments(true, 0, 65000, 1428, 0x18);
	check_segments(true, 12, 4567, 1000, 0x99);
	check_segments(true, 20, 63999, 1416, 0x10);
}

/* A UDP super-frame (USO): each segment a datagram with its own length and
 * a full checksum; TCP rules (sequence, flags) do not apply; a UDP frame is
 * not a TCP one and the other way round. */
/* build() laid out as UDP: the payload right after 8 bytes, the UDP length
 * (mod 2^16) as a sender writes it. */
static uint32_t build_udp(uint8_t *f, bool v6, uint32_t pay)
{
	uint32_t len = build(f, v6, 0, pay, 0), l4 = 14 + (v6 ? 40 : 20);

	f[v6 ? 14 + 6 : 14 + 9] = 17;
	memmove(f + l4 + 8, f + l4 + 20, pay);
	store_be16(f + l4 + 4, (uint16_t)(8 + pay));
	store_be16(f + l4 + 6, 0);
	return len - 12;
}

static void check_udp(bool v6, uint32_t pay, uint16_t mss)
{
	static uint8_t f[BIG], seg[2000], joined[BIG];
	uint32_t len = build_udp(f, v6, pay), l4 = 14 + (v6 ? 40 : 20), hdr = l4 + 8, at = 0;
	struct pw_gso g = { .type = PW_GSO_UDP, .gso_size = mss };
	struct pw_tso t;

	assert_false(pw_tso_parse(&t, f, len, &(struct pw_gso){ .type = v6 ? PW_GSO_TCPV6 :
									     PW_GSO_TCPV4,
								.gso_size = mss }));
	assert_true(pw_tso_parse(&t, f, len, &g));
	assert_true(t.udp);
	assert_int_equal(t.hdr_len, hdr);
	for (uint32_t k = 0; k < t.segments; k++) {
		uint32_t n = pw_tso_segment(&t, k, seg), udp_len = n - l4;
		uint32_t pseudo = v6 ? naive_csum(seg + 14 + 8, 32, 17 + udp_len) :
				       naive_csum(seg + 14 + 12, 8, 17 + udp_len);

		assert_int_equal(n, hdr + (k + 1 == t.segments ? pay - k * mss : mss));
		assert_int_equal(be16(seg + l4 + 4), udp_len);
		assert_int_not_equal(be16(seg + l4 + 6), 0);
		assert_int_equal(naive_csum(seg + l4, udp_len, pseudo), 0xffff);
		if (!v6)
			assert_int_equal(be16(seg + 14 + 4), 0x1234 + k);
		memcpy(joined + at, seg + hdr, n - hdr);
		at += n - hdr;
	}
	assert_int_equal(at, pay);
	assert_memory_equal(joined, f + hdr, pay);
	f[v6 ? 14 + 6 : 14 + 9] = 6;
	assert_false(pw_tso_parse(&t, f, len, &g));
}

static void test_udp(void **state)
{
	(void)state;
	check_udp(false, 65000, 1472);
	check_udp(false, 4001, 999);
	check_udp(true, 9000, 1452);
	check_udp(true, 1, 1452);
}

static void test_malformed_super_frames_are_refused(void **state)
{
	static uint8_t f[BIG];
	uint32_t len = build(f, false, 0, 5000, 0x18);
	struct pw_gso g = { .type = PW_GSO_TCPV4, .gso_size = 1448 };
	struct pw_tso t;

	(void)state;
	assert_false(pw_tso_parse(&t, f, 40, &g));          /* headers cut off */
	assert_false(pw_tso_parse(&t, f, 54, &g));          /* no payload */
	g.gso_size = 0;
	assert_false(pw_tso_parse(&t, f, len, &g));         /* no segment size */
	g = (struct pw_gso){ .type = PW_GSO_TCPV6, .gso_size = 1448 };
	assert_false(pw_tso_parse(&t, f, len, &g));         /* type says v6, frame is v4 */
	g.type = PW_GSO_TCPV4;
	f[14 + 9] = 17;
	assert_false(pw_tso_parse(&t, f, len, &g));         /* not TCP */
	f[14 + 9] = 6;
	f[14] = 0x44;
	assert_false(pw_tso_parse(&t, f, len, &g));         /* IHL below 5 */
	f[14] = 0x45;
	f[14 + 6] = 0x20;
	assert_false(pw_tso_parse(&t, f, len, &g));         /* a fragment */
	f[14 + 6] = 0x40;
	f[34 + 12] = 0x40;
	assert_false(pw_tso_parse(&t, f, len, &g));         /* TCP data offset below 5 */
	f[34 + 12] = 0xf0;
	assert_false(pw_tso_parse(&t, f, 34 + 60, &g));     /* options past the end */
	f[34 + 12] = 0x50;
	assert_true(pw_tso_parse(&t, f, len, &g));
	g.type = (enum pw_gso_type)-1;                     /* a type pwire does not cut (UFO) */
	assert_false(pw_tso_parse(&t, f, len, &g));
	g.type = PW_GSO_NONE;
	assert_false(pw_tso_parse(&t, f, len, &g));
}

/* Cut a frame, and the same frame with VLAN tags and IPv6 extension
 * headers (ext: 0 none, 1 routing with no segment left, 2 with one left):
 * segment for segment the very same bytes, with the tags and headers in
 * place and the IPv6 payload length grown by them (the TCP and UDP checksums
 * do not change: the pseudo-header has the upper-layer length). */
static void check_same_cut(const uint8_t *plain, uint32_t len, const struct pw_gso *g, unsigned tags,
			   int ext)
{
	static uint8_t f[BIG], a[2100], b[2100];
	struct pw_tso tp, tm;
	uint32_t n = len, grow = 4 * tags + (ext ? EXT_LEN : 0);

	memcpy(f, plain, len);
	if (ext)
		n = add_ext(f, n, 14, (uint8_t)(ext - 1));
	n = add_tags(f, n, tags);
	assert_true(pw_tso_parse(&tp, plain, len, g));
	assert_true(pw_tso_parse(&tm, f, n, g));
	assert_int_equal(tm.l3, 14 + 4 * tags);
	assert_int_equal(tm.l4, tp.l4 + grow);
	assert_int_equal(tm.hdr_len, tp.hdr_len + grow);
	assert_int_equal(tm.segments, tp.segments);
	for (uint32_t k = 0; k < tp.segments; k++) {
		uint32_t la = pw_tso_segment(&tp, k, a), lb = pw_tso_segment(&tm, k, b);

		if (ext) {
			la = add_ext(a, la, 14, (uint8_t)(ext - 1));
			store_be16(a + 14 + 4, (uint16_t)(be16(a + 14 + 4) + EXT_LEN));
		}
		la = add_tags(a, la, tags);
		assert_int_equal(lb, la);
		assert_memory_equal(b, a, la);
	}
}

static void test_vlan_tags_and_ipv6_extension_headers(void **state)
{
	static uint8_t f[BIG];
	struct pw_gso g4 = { .type = PW_GSO_TCPV4, .gso_size = 1448 };
	struct pw_gso g6 = { .type = PW_GSO_TCPV6, .gso_size = 1428 };
	struct pw_gso gu = { .type = PW_GSO_UDP, .gso_size = 1200 };
	uint32_t len;

	(void)state;
	for (unsigned tags = 1; tags <= 2; tags++) {
		len = build(f, false, 12, 20001, 0x18);
		check_same_cut(f, len, &g4, tags, 0);
		len = build(f, true, 0, 9001, 0x19);
		check_same_cut(f, len, &g6, tags, 0);
		len = build_udp(f, false, 5000);
		check_same_cut(f, len, &gu, tags, 0);
	}
	for (int ext = 1; ext <= 2; ext++) {
		for (unsigned tags = 0; tags <= 2; tags++) {
			len = build(f, true, 12, 30000, 0x18);
			check_same_cut(f, len, &g6, tags, ext);
			len = build_udp(f, true, 7000);
			check_same_cut(f, len, &gu, tags, ext);
		}
	}
}

/* With NEEDS_CSUM the checksum field holds the pseudo-header sum of the
 * whole super-frame, and the kernel derives the segments' checksums from
 * it: the same bytes as from the addresses when it is honest, and the only
 * right ones when a routing header makes the final destination another
 * address than the IPv6 header's. */
static void test_checksum_field_is_the_pseudo_header(void **state)
{
	static uint8_t f[BIG], a[2100], b[2100];
	struct pw_tso tp, tf;

	(void)state;
	for (int c = 0; c < 4; c++) {
		bool v6 = c & 1, udp = c & 2;
		uint32_t len = udp ? build_udp(f, v6, 9000) : build(f, v6, 12, 9000, 0x18);
		uint32_t l4 = 14 + (v6 ? 40 : 20), at = l4 + (udp ? 6 : 16);
		struct pw_gso g = { .type = udp ? PW_GSO_UDP : v6 ? PW_GSO_TCPV6 : PW_GSO_TCPV4,
				    .gso_size = 1000 };
		uint16_t pseudo = v6 ? naive_csum(f + 14 + 8, 32, (udp ? 17 : 6) + len - l4) :
				       naive_csum(f + 14 + 12, 8, (udp ? 17 : 6) + len - l4);

		assert_true(pw_tso_parse(&tp, f, len, &g));
		store_be16(f + at, pseudo);
		g = (struct pw_gso){ .type = g.type, .gso_size = 1000, .needs_csum = true,
				     .csum_start = (uint16_t)l4, .csum_offset = udp ? 6 : 16 };
		assert_true(pw_tso_parse(&tf, f, len, &g));
		for (uint32_t k = 0; k < tp.segments; k++) {
			uint32_t n = pw_tso_segment(&tp, k, a);

			assert_int_equal(pw_tso_segment(&tf, k, b), n);
			assert_memory_equal(a, b, n);
		}
		g.csum_start = (uint16_t)(l4 + 4); /* not where the L4 header is */
		g.csum_offset = (uint16_t)(udp ? 2 : 12);
		assert_false(pw_tso_parse(&tf, f, len, &g));
		g.csum_start = (uint16_t)l4;
		g.csum_offset = 4; /* not the checksum */
		assert_false(pw_tso_parse(&tf, f, len, &g));
	}
	/* A routing header with a segment left: the pseudo-header has the
	 * final destination. */
	{
		uint32_t len = add_ext(f, build(f, true, 0, 5000, 0x18), 14, 1), l4 = 14 + 40 + EXT_LEN;
		struct pw_gso g = { .type = PW_GSO_TCPV6, .gso_size = 1000, .needs_csum = true,
				    .csum_start = (uint16_t)l4, .csum_offset = 16 };

		store_be16(f + l4 + 16, naive_csum(f + 14 + 8, 16, naive_csum(final_dst, 16, 6 + len - l4)));
		assert_true(pw_tso_parse(&tf, f, len, &g));
		for (uint32_t k = 0; k < tf.segments; k++) {
			uint32_t n = pw_tso_segment(&tf, k, b), tcp_len = n - l4;

			assert_int_equal(be16(b + 14 + 4), n - 14 - 40);
			assert_int_equal(naive_csum(b + l4, tcp_len, naive_csum(b + 14 + 8, 16,
						    naive_csum(final_dst, 16, 6 + tcp_len))), 0xffff);
		}
	}
}

/* A guest's vnet header must not multiply one frame into a flood: a
 * segment size under the protocol's floor, or more payload than one IP
 * datagram holds, is refused; the limits themselves are taken. */
static void test_amplifying_super_frames_are_refused(void **state)
{
	static uint8_t f[BIG];
	struct pw_gso g = { .type = PW_GSO_TCPV4, .gso_size = 1 };
	struct pw_tso t;
	uint32_t len = build(f, false, 0, 60000, 0x10);

	(void)state;
	assert_false(pw_tso_parse(&t, f, len, &g)); /* 60,000 segments of 1 byte */
	g.gso_size = PW_TSO_MSS_MIN - 1;
	assert_false(pw_tso_parse(&t, f, len, &g));
	g.gso_size = PW_TSO_MSS_MIN;
	assert_true(pw_tso_parse(&t, f, len, &g));
	assert_int_equal(t.segments, (60000 + PW_TSO_MSS_MIN - 1) / PW_TSO_MSS_MIN);
	/* One IPv4 datagram at most: total length 65535. */
	len = build(f, false, 0, 65535 - 40, 0x10);
	assert_true(pw_tso_parse(&t, f, len, &g));
	assert_true(t.segments <= PW_TSO_SEGS_MAX);
	len = build(f, false, 0, 65535 - 40 + 1, 0x10);
	assert_false(pw_tso_parse(&t, f, len, &g));
	/* IPv6: payload length 65535, the most segments a TCP frame has. */
	g.type = PW_GSO_TCPV6;
	len = build(f, true, 0, 65535 - 20, 0x10);
	assert_true(pw_tso_parse(&t, f, len, &g));
	assert_int_equal(t.segments, PW_TSO_SEGS_MAX);
	len = build(f, true, 0, 65535 - 20 + 1, 0x10);
	assert_false(pw_tso_parse(&t, f, len, &g));
	/* UDP: a floor, and the kernel's segment count. */
	g = (struct pw_gso){ .type = PW_GSO_UDP, .gso_size = PW_USO_SIZE_MIN - 1 };
	len = build_udp(f, false, PW_USO_SEGS_MAX * PW_USO_SIZE_MIN);
	assert_false(pw_tso_parse(&t, f, len, &g));
	g.gso_size = PW_USO_SIZE_MIN;
	assert_true(pw_tso_parse(&t, f, len, &g));
	assert_int_equal(t.segments, PW_USO_SEGS_MAX);
	len = build_udp(f, true, PW_USO_SEGS_MAX * PW_USO_SIZE_MIN + 1);
	assert_false(pw_tso_parse(&t, f, len, &g)); /* 129 datagrams */
	g.gso_size = 1472;
	len = build_udp(f, true, 65535 - 8);
	assert_true(pw_tso_parse(&t, f, len, &g));
	len = build_udp(f, true, 65535 - 8 + 1);
	assert_false(pw_tso_parse(&t, f, len, &g));
}

static void test_what_is_not_cut(void **state)
{
	static uint8_t f[BIG];
	struct pw_gso g6 = { .type = PW_GSO_TCPV6, .gso_size = 1000 };
	struct pw_gso g4 = { .type = PW_GSO_TCPV4, .gso_size = 1000 };
	struct pw_tso t;
	uint32_t len;

	(void)state;
	/* A fragment header (never GSO), AH, and a fifth extension header. */
	len = add_ext(f, build(f, true, 0, 5000, 0x18), 14, 0);
	assert_true(pw_tso_parse(&t, f, len, &g6));
	f[14 + 40] = 44; /* hop-by-hop's next header */
	assert_false(pw_tso_parse(&t, f, len, &g6));
	f[14 + 40] = 51;
	assert_false(pw_tso_parse(&t, f, len, &g6));
	f[14 + 40] = 60;
	f[14 + 6] = 60; /* destination options twice, then routing */
	assert_true(pw_tso_parse(&t, f, len, &g6));
	f[14 + 6] = 0; /* and a hop-by-hop before them: four */
	len = insert(f, len, 14 + 40, "\x3c\x00\x01\x04\0\0\0\0", 8);
	assert_true(pw_tso_parse(&t, f, len, &g6));
	len = insert(f, len, 14 + 40, "\x00\x00\x01\x04\0\0\0\0", 8); /* a fifth */
	assert_false(pw_tso_parse(&t, f, len, &g6));
	/* Extension headers past the end of the frame. */
	len = add_ext(f, build(f, true, 0, 5000, 0x18), 14, 0);
	assert_false(pw_tso_parse(&t, f, 14 + 40 + 20, &g6));
	assert_false(pw_tso_parse(&t, f, 14 + 40 + EXT_LEN + 10, &g6));
	f[14 + 40 + 17] = 200; /* a routing header 1608 bytes long */
	assert_false(pw_tso_parse(&t, f, len, &g6));
	/* Three tags, a tag cut off, a tag around the wrong family. */
	len = add_tags(f, build(f, false, 0, 5000, 0x18), 2);
	assert_true(pw_tso_parse(&t, f, len, &g4));
	assert_false(pw_tso_parse(&t, f, len, &g6));
	len = insert(f, len, 12, "\x81\x00\x00\x07", 4);
	assert_false(pw_tso_parse(&t, f, len, &g4));
	assert_false(pw_tso_parse(&t, f, 16, &g4));
	assert_false(pw_tso_parse(&t, f, 14 + 8 + 19, &g4));
}

static void test_partial_checksum_completed(void **state)
{
	static uint8_t f[2000];
	uint32_t len = build(f, false, 0, 1000, 0x18);
	uint16_t pseudo;

	(void)state;
	/* What a NEEDS_CSUM frame looks like: the field holds the folded
	 * pseudo-header sum. */
	pseudo = naive_csum(f + 14 + 12, 8, 6 + len - 34);
	f[34 + 16] = (uint8_t)(pseudo >> 8);
	f[34 + 17] = (uint8_t)pseudo;
	assert_true(pw_csum_complete(f, len, 34, 16));
	/* Now the segment sums, with its pseudo-header, to all ones. */
	assert_int_equal(naive_csum(f + 34, len - 34, naive_csum(f + 26, 8, 6 + len - 34)), 0xffff);
	assert_false(pw_csum_complete(f, len, (uint16_t)len, 0));
	assert_false(pw_csum_complete(f, len, 34, (uint16_t)(len - 34 - 1)));
}

/* The frame a join describes, its pieces laid end to end into out; every
 * piece but the headers lies in the segments handed over, not copied. */
static uint32_t flatten(const struct pw_gro *g, uint8_t *out, uint8_t *const *segs)
{
	uint32_t n = 0;

	assert_ptr_equal(g->iov[0].iov_base, g->buf);
	for (unsigned i = 0; i <= g->segs; i++) {
		if (i && segs)
			assert_ptr_equal(g->iov[i].iov_base, segs[i - 1] + g->hdr_len);
		memcpy(out + n, g->iov[i].iov_base, g->iov[i].iov_len);
		n += (uint32_t)g->iov[i].iov_len;
	}
	return n;
}

/* Cut a super-frame, join the segments back, and cut the joined frame
 * again: the segments must be the very same bytes. */
static void check_rejoin(bool v6, unsigned opts, uint32_t pay, uint16_t mss, unsigned tags, bool ext)
{
	static uint8_t f[BIG], segs[64][2100], hdr[PW_GRO_HDR_MAX], joined[BIG], seg2[2100];
	uint8_t *at[64];
	uint32_t lens[64], len = build(f, v6, opts, pay, 0x18);
	struct pw_gso g = { .type = v6 ? PW_GSO_TCPV6 : PW_GSO_TCPV4, .gso_size = mss }, out;
	struct pw_gro gro = { .buf = hdr, .cap = sizeof(hdr), .max = BIG };
	struct pw_tso t, t2;

	if (ext)
		len = add_ext(f, len, 14, 0);
	len = add_tags(f, len, tags);
	assert_true(pw_tso_parse(&t, f, len, &g));
	for (uint32_t k = 0; k < t.segments; k++) {
		lens[k] = pw_tso_segment(&t, k, segs[k]);
		at[k] = segs[k];
	}
	assert_true(pw_gro_start(&gro, segs[0], lens[0]));
	for (uint32_t k = 1; k < t.segments; k++)
		assert_true(pw_gro_append(&gro, segs[k], lens[k]));
	assert_int_equal(gro.segs, t.segments);
	assert_true(pw_gro_finish(&gro, &out));
	assert_int_equal(out.type, g.type);
	assert_int_equal(out.gso_size, mss);
	assert_true(out.needs_csum);
	assert_int_equal(gro.len, len);
	assert_int_equal(flatten(&gro, joined, at), len);
	assert_memory_equal(joined + t.hdr_len, f + t.hdr_len, pay);
	assert_true(pw_tso_parse(&t2, joined, gro.len, &out));
	assert_int_equal(t2.segments, t.segments);
	for (uint32_t k = 0; k < t.segments; k++) {
		assert_int_equal(pw_tso_segment(&t2, k, seg2), lens[k]);
		assert_memory_equal(seg2, segs[k], lens[k]);
	}
}

static void test_rejoin(void **state)
{
	(void)state;
	check_rejoin(false, 0, 65000, 1448, 0, false);
	check_rejoin(false, 12, 20001, 1436, 0, false);
	check_rejoin(true, 12, 30000, 1416, 0, false);
	check_rejoin(true, 0, 2000, 1428, 0, false);
	check_rejoin(false, 0, 65000, 1448, 1, false);
	check_rejoin(false, 12, 20001, 1436, 2, false);
	check_rejoin(true, 12, 30000, 1376, 1, true);
	check_rejoin(true, 0, 9000, 1388, 2, true);
	check_rejoin(true, 0, 60 * PW_TSO_MSS_MIN - 1, PW_TSO_MSS_MIN, 0, true);
}

static void test_what_does_not_merge(void **state)
{
	static uint8_t f[BIG], a[2000], b[2000], hdr[PW_GRO_HDR_MAX], joined[BIG];
	uint32_t len = build(f, false, 0, 4000, 0x10);
	struct pw_gso g = { .type = PW_GSO_TCPV4, .gso_size = 1000 }, out;
	struct pw_gro gro = { .buf = hdr, .cap = sizeof(hdr), .max = BIG };
	struct pw_tso t;
	uint32_t la, lb;

	(void)state;
	assert_true(pw_tso_parse(&t, f, len, &g));
	la = pw_tso_segment(&t, 0, a);
	lb = pw_tso_segment(&t, 2, b);
	assert_true(pw_gro_start(&gro, a, la));
	assert_false(pw_gro_append(&gro, b, lb)); /* a gap in the sequence */
	assert_false(pw_gro_finish(&gro, &out));  /* one segment: write it as it is */
	assert_int_equal(flatten(&gro, joined, (uint8_t *[]){ a }), la);
	assert_memory_equal(joined, a, la);
	lb = pw_tso_segment(&t, 1, b);
	b[lb - 1] ^= 1;
	assert_false(pw_gro_append(&gro, b, lb)); /* its checksum does not hold */
	b[lb - 1] ^= 1;
	b[14 + 12 + 3] ^= 1;
	assert_false(pw_gro_append(&gro, b, lb)); /* another source address */
	b[14 + 12 + 3] ^= 1;
	assert_true(pw_gro_append(&gro, b, lb));
	a[34 + 13] |= 0x02; /* SYN */
	assert_false(pw_gro_start(&gro, a, la));
	a[34 + 13] &= (uint8_t)~0x02;
	a[34 + 13] |= 0x08; /* PSH ends it: nothing may follow */
	a[34 + 16] = 0, a[34 + 17] = 0;
	{
		uint16_t c = 0;
		uint64_t sum = pw_csum_add(pw_csum_add(0, a + 26, 8) + 6 + la - 34, a + 34, la - 34);

		c = pw_csum_fold(sum);
		a[34 + 16] = (uint8_t)(c >> 8), a[34 + 17] = (uint8_t)c;
	}
	assert_true(pw_gro_start(&gro, a, la));
	assert_false(pw_gro_append(&gro, b, lb));
}

/* The kernel's GRO refuses a segment whose IPv4 header checksum does not
 * hold (inet_gro_receive(): ip_fast_csum() != 0, flush): joined, it would
 * leave with a fresh one. Neither start nor continue a join with one. */
static void test_bad_ipv4_header_checksum_is_not_joined(void **state)
{
	static uint8_t f[BIG], a[2000], b[2000], c[2000], hdr[PW_GRO_HDR_MAX];
	uint32_t len = build(f, false, 0, 3000, 0x10);
	struct pw_gso g = { .type = PW_GSO_TCPV4, .gso_size = 1000 }, out;
	struct pw_gro gro = { .buf = hdr, .cap = sizeof(hdr), .max = BIG };
	struct pw_tso t;
	uint32_t la, lb, lc;

	(void)state;
	assert_true(pw_tso_parse(&t, f, len, &g));
	la = pw_tso_segment(&t, 0, a);
	lb = pw_tso_segment(&t, 1, b);
	lc = pw_tso_segment(&t, 2, c);
	b[14 + 11] ^= 0x40; /* the header checksum, nothing else */
	assert_true(pw_gro_start(&gro, a, la));
	assert_false(pw_gro_append(&gro, b, lb));
	assert_false(pw_gro_finish(&gro, &out)); /* a goes out alone, as it came */
	assert_false(pw_gro_start(&gro, b, lb));
	b[14 + 11] ^= 0x40;
	assert_true(pw_gro_start(&gro, a, la));
	assert_true(pw_gro_append(&gro, b, lb));
	assert_true(pw_gro_append(&gro, c, lc));
	assert_true(pw_gro_finish(&gro, &out));
}

/* VLAN tags must match; a routing header with segments left (its checksum
 * covers another destination), segments under the minimum MSS and frames
 * with bytes after their IP datagram are written as they came. */
static void test_what_else_does_not_merge(void **state)
{
	static uint8_t f[BIG], a[2100], b[2100], hdr[PW_GRO_HDR_MAX];
	struct pw_gso g = { .type = PW_GSO_TCPV6, .gso_size = 1000 };
	struct pw_gro gro = { .buf = hdr, .cap = sizeof(hdr), .max = BIG };
	struct pw_tso t;
	uint32_t len, la, lb;

	(void)state;
	len = add_tags(f, build(f, true, 0, 3000, 0x10), 2);
	assert_true(pw_tso_parse(&t, f, len, &g));
	la = pw_tso_segment(&t, 0, a);
	lb = pw_tso_segment(&t, 1, b);
	b[12 + 4 + 3] ^= 1; /* another inner VLAN */
	assert_true(pw_gro_start(&gro, a, la));
	assert_false(pw_gro_append(&gro, b, lb));
	b[12 + 4 + 3] ^= 1;
	assert_true(pw_gro_append(&gro, b, lb));

	len = add_ext(f, build(f, true, 0, 3000, 0x10), 14, 1);
	assert_true(pw_tso_parse(&t, f, len, &g));
	la = pw_tso_segment(&t, 0, a);
	assert_false(pw_gro_start(&gro, a, la));

	g = (struct pw_gso){ .type = PW_GSO_TCPV4, .gso_size = PW_TSO_MSS_MIN };
	len = build(f, false, 0, 3 * PW_TSO_MSS_MIN, 0x10);
	assert_true(pw_tso_parse(&t, f, len, &g));
	la = pw_tso_segment(&t, 0, a);
	assert_true(pw_gro_start(&gro, a, la));
	t.mss = PW_TSO_MSS_MIN - 1; /* the parser refuses it: cut by hand */
	t.segments = 3;
	la = pw_tso_segment(&t, 0, a);
	assert_false(pw_gro_start(&gro, a, la));

	/* Bytes after the IP datagram (a trailer, padding): the frame is
	 * written as it came, those bytes too, not joined without them. */
	for (int v6 = 0; v6 < 2; v6++) {
		g = (struct pw_gso){ .type = v6 ? PW_GSO_TCPV6 : PW_GSO_TCPV4, .gso_size = 1000 };
		len = build(f, v6, 0, 3000, 0x10);
		assert_true(pw_tso_parse(&t, f, len, &g));
		la = pw_tso_segment(&t, 0, a);
		lb = pw_tso_segment(&t, 1, b);
		a[la] = b[lb] = 0;
		assert_false(pw_gro_start(&gro, a, la + 2));
		assert_true(pw_gro_start(&gro, a, la));
		assert_false(pw_gro_append(&gro, b, lb + 2));
		assert_true(pw_gro_append(&gro, b, lb));
	}

	/* Headers longer than the caller's buffer: written as they came. */
	g = (struct pw_gso){ .type = PW_GSO_TCPV4, .gso_size = 1000 };
	len = build(f, false, 0, 3000, 0x10);
	assert_true(pw_tso_parse(&t, f, len, &g));
	la = pw_tso_segment(&t, 0, a);
	gro.cap = t.hdr_len - 1;
	assert_false(pw_gro_start(&gro, a, la));
	gro.cap = t.hdr_len;
	assert_true(pw_gro_start(&gro, a, la));

	/* A joined frame longer than the caller takes: not joined. */
	lb = pw_tso_segment(&t, 1, b);
	gro.max = la + lb - t.hdr_len - 1;
	assert_true(pw_gro_start(&gro, a, la));
	assert_false(pw_gro_append(&gro, b, lb));
	gro.max = la - 1;
	assert_false(pw_gro_start(&gro, a, la));
	gro.max = la + lb - t.hdr_len;
	assert_true(pw_gro_start(&gro, a, la));
	assert_true(pw_gro_append(&gro, b, lb));
}

static void test_csum_matches_rfc1071_at_every_length(void **state)
{
	uint8_t buf[300], copy[sizeof(buf) + 1];
	unsigned seed = 7;

	(void)state;
	for (int round = 0; round < 4; round++) {
		for (size_t i = 0; i < sizeof(buf); i++)
			buf[i] = round == 3 ? 0xff : (uint8_t)rand_r(&seed);
		for (uint32_t len = 0; len <= sizeof(buf); len++) {
			uint16_t want = (uint16_t)~naive_csum(buf, len, 0);

			assert_int_equal(pw_csum_fold(pw_csum_add(0, buf, len)), want);
			/* and with a running sum carried in */
			assert_int_equal(pw_csum_fold(pw_csum_add(0x1234, buf, len)),
					 (uint16_t)~naive_csum(buf, len, 0x1234));
			/* copying on the way: the same sum, the bytes, nothing more */
			memset(copy, 0xa5, sizeof(copy));
			assert_int_equal(pw_csum_fold(pw_csum_copy(0x1234, copy, buf, len)),
					 (uint16_t)~naive_csum(buf, len, 0x1234));
			assert_memory_equal(copy, buf, len);
			assert_int_equal(copy[len], 0xa5);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tcpv4),
		cmocka_unit_test(test_tcpv6),
		cmocka_unit_test(test_udp),
		cmocka_unit_test(test_vlan_tags_and_ipv6_extension_headers),
		cmocka_unit_test(test_checksum_field_is_the_pseudo_header),
		cmocka_unit_test(test_amplifying_super_frames_are_refused),
		cmocka_unit_test(test_what_is_not_cut),
		cmocka_unit_test(test_malformed_super_frames_are_refused),
		cmocka_unit_test(test_partial_checksum_completed),
		cmocka_unit_test(test_csum_matches_rfc1071_at_every_length),
		cmocka_unit_test(test_rejoin),
		cmocka_unit_test(test_what_does_not_merge),
		cmocka_unit_test(test_bad_ipv4_header_checksum_is_not_joined),
		cmocka_unit_test(test_what_else_does_not_merge),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
