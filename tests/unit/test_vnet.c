/* SPDX-License-Identifier: MIT */
/*
 * test_vnet.c: the verdict on a guest's virtio-net header (vnic/vnet.c), the
 * contract the TAP and vhost-user share: a plain frame passes, or has its
 * checksum completed, or is too big (without a byte of it read); a
 * super-frame is cut only within the bounds (segment floor, segments that
 * fit frame_max, the type the frame really is); *tso is written only when
 * it is cut. And the header both ways: the ECN bit ignored, an unknown type
 * never taken for "no GSO", a joined super-frame described.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "vnic/vnet.h"

enum { HDRS = 14 + 20 + 20, FRAME_MAX = 1522 };

static uint8_t frame[HDRS + 3000];

/* An untagged TCP/IPv4 frame with pay bytes of payload (Ethernet, IPv4
 * without options, TCP without options), bytes as on the wire. */
static uint32_t tcp4(uint32_t pay)
{
	uint32_t len = HDRS + pay;

	memset(frame, 0, sizeof(frame));
	frame[12] = 0x08;                                          /* IPv4 */
	frame[14] = 0x45;                                          /* version 4, IHL 5 */
	frame[16] = (uint8_t)((len - 14) >> 8), frame[17] = (uint8_t)(len - 14);
	frame[14 + 8] = 64;                                        /* TTL */
	frame[14 + 9] = 6;                                         /* TCP */
	memcpy(frame + 14 + 12, "\x0a\0\0\x01\x0a\0\0\x02", 8);
	frame[34 + 12] = 5 << 4;                                   /* data offset */
	frame[34 + 13] = 0x10;                                     /* ACK */
	for (uint32_t i = 0; i < pay; i++)
		frame[HDRS + i] = (uint8_t)i;
	return len;
}

static enum pw_vnet_verdict rx(const struct pw_gso *g, uint32_t len, uint32_t frame_max,
			       struct pw_tso *t)
{
	return pw_vnet_rx(g, frame, len, frame_max, t);
}

static void test_plain(void **state)
{
	struct pw_gso g = { .type = PW_GSO_NONE };
	struct pw_tso t = { .segments = 77 };
	uint32_t len = tcp4(100);
	uint8_t *one;

	(void)state;
	assert_int_equal(rx(&g, len, FRAME_MAX, &t), PW_VNET_FRAME);
	assert_int_equal(rx(&g, FRAME_MAX, FRAME_MAX, &t), PW_VNET_FRAME);
	assert_int_equal(rx(&g, FRAME_MAX + 1, FRAME_MAX, &t), PW_VNET_TOO_BIG);
	/* Too big is decided from the length alone: a one-byte buffer with a
	 * 64 KiB length is not read (a sanitized build catches a read). */
	one = malloc(1);
	assert_non_null(one);
	g.needs_csum = true;
	assert_int_equal(pw_vnet_rx(&g, one, 65535, FRAME_MAX, &t), PW_VNET_TOO_BIG);
	free(one);
	assert_int_equal(t.segments, 77); /* never written */
}

static void test_plain_csum(void **state)
{
	struct pw_gso g = { .type = PW_GSO_NONE, .needs_csum = true, .csum_start = 34,
			    .csum_offset = 16 };
	struct pw_tso t;
	uint32_t len = tcp4(101), sum = 0;

	(void)state;
	assert_int_equal(rx(&g, len, FRAME_MAX, &t), PW_VNET_FRAME);
	/* Completed: the ones' complement sum from csum_start on is all ones
	 * (the field held 0, the pseudo-header sum of this test). */
	for (uint32_t i = 34; i < len; i += 2)
		sum += (uint32_t)(frame[i] << 8 | (i + 1 < len ? frame[i + 1] : 0));
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	assert_int_equal(sum, 0xffff);
	g.csum_offset = (uint16_t)(len - 34 - 1); /* the field past the end */
	assert_int_equal(rx(&g, len, FRAME_MAX, &t), PW_VNET_BAD_OFFLOAD);
	g.csum_start = (uint16_t)len, g.csum_offset = 0;
	assert_int_equal(rx(&g, len, FRAME_MAX, &t), PW_VNET_BAD_OFFLOAD);
}

static void test_super(void **state)
{
	struct pw_gso g = { .type = PW_GSO_TCPV4, .gso_size = 1448 };
	struct pw_tso t = { .segments = 77 };
	uint32_t len = tcp4(3000);

	(void)state;
	assert_int_equal(rx(&g, len, FRAME_MAX, &t), PW_VNET_SUPER);
	assert_int_equal(t.segments, 3);
	assert_int_equal(t.mss, 1448);
	assert_int_equal(t.hdr_len, HDRS);
	/* Segments must fit frame_max: 54 + 1448 bytes do not fit 1501. */
	t.segments = 77;
	assert_int_equal(rx(&g, len, HDRS + 1448, &t), PW_VNET_SUPER);
	t.segments = 77;
	assert_int_equal(rx(&g, len, HDRS + 1447, &t), PW_VNET_TOO_BIG);
	assert_int_equal(t.segments, 77);
	/* The segment floor (TCP_MIN_MSS): 88 is cut, 87 is refused. */
	g.gso_size = 88;
	assert_int_equal(rx(&g, len, FRAME_MAX, &t), PW_VNET_SUPER);
	assert_int_equal(t.segments, (3000 + 87) / 88);
	t.segments = 77;
	g.gso_size = 87;
	assert_int_equal(rx(&g, len, FRAME_MAX, &t), PW_VNET_BAD_OFFLOAD);
	g.gso_size = 0;
	assert_int_equal(rx(&g, len, FRAME_MAX, &t), PW_VNET_BAD_OFFLOAD);
	/* The type the header claims must be the frame's. */
	g.gso_size = 1448;
	g.type = PW_GSO_TCPV6;
	assert_int_equal(rx(&g, len, FRAME_MAX, &t), PW_VNET_BAD_OFFLOAD);
	g.type = PW_GSO_UDP;
	assert_int_equal(rx(&g, len, FRAME_MAX, &t), PW_VNET_BAD_OFFLOAD);
	/* With NEEDS_CSUM the checksum must be TCP's. */
	g = (struct pw_gso){ .type = PW_GSO_TCPV4, .gso_size = 1448, .needs_csum = true,
			     .csum_start = 34, .csum_offset = 10 };
	assert_int_equal(rx(&g, len, FRAME_MAX, &t), PW_VNET_BAD_OFFLOAD);
	assert_int_equal(t.segments, 77);
	g.csum_offset = 16;
	assert_int_equal(rx(&g, len, FRAME_MAX, &t), PW_VNET_SUPER);
	assert_int_equal(t.segments, 3);
}

static void test_to_gso(void **state)
{
	struct virtio_net_hdr vh = { .flags = VIRTIO_NET_HDR_F_NEEDS_CSUM,
				     .gso_type = VIRTIO_NET_HDR_GSO_TCPV6 | VIRTIO_NET_HDR_GSO_ECN,
				     .hdr_len = 74, .gso_size = 1428, .csum_start = 54,
				     .csum_offset = 16 };
	struct pw_gso g;

	(void)state;
	pw_vnet_to_gso(&vh, &g);
	assert_true(g.needs_csum);
	assert_int_equal(g.type, PW_GSO_TCPV6);
	assert_int_equal(g.gso_size, 1428);
	assert_int_equal(g.csum_start, 54);
	assert_int_equal(g.csum_offset, 16);
	vh.gso_type = VIRTIO_NET_HDR_GSO_TCPV4;
	pw_vnet_to_gso(&vh, &g);
	assert_int_equal(g.type, PW_GSO_TCPV4);
	vh.gso_type = PW_VIRTIO_NET_HDR_GSO_UDP_L4;
	pw_vnet_to_gso(&vh, &g);
	assert_int_equal(g.type, PW_GSO_UDP);
	vh = (struct virtio_net_hdr){ .gso_type = VIRTIO_NET_HDR_GSO_NONE };
	pw_vnet_to_gso(&vh, &g);
	assert_false(g.needs_csum);
	assert_int_equal(g.type, PW_GSO_NONE);
	/* Unknown types (UFO, ECN alone) are never a plain frame. */
	vh.gso_type = VIRTIO_NET_HDR_GSO_UDP;
	pw_vnet_to_gso(&vh, &g);
	assert_int_not_equal(g.type, PW_GSO_NONE);
	vh.gso_type = VIRTIO_NET_HDR_GSO_ECN;
	pw_vnet_to_gso(&vh, &g);
	assert_int_not_equal(g.type, PW_GSO_NONE);
}

static void test_from_gso(void **state)
{
	struct pw_gso g = { .needs_csum = true, .type = PW_GSO_TCPV6, .gso_size = 1428,
			    .csum_start = 54, .csum_offset = 16 };
	struct virtio_net_hdr vh;

	(void)state;
	memset(&vh, 0xff, sizeof(vh));
	pw_vnet_from_gso(NULL, 74, &vh);
	assert_int_equal(vh.flags, 0);
	assert_int_equal(vh.gso_type, VIRTIO_NET_HDR_GSO_NONE);
	assert_int_equal(vh.hdr_len, 0);
	assert_int_equal(vh.gso_size, 0);
	assert_int_equal(vh.csum_start, 0);
	assert_int_equal(vh.csum_offset, 0);
	pw_vnet_from_gso(&g, 74, &vh);
	assert_int_equal(vh.flags, VIRTIO_NET_HDR_F_NEEDS_CSUM);
	assert_int_equal(vh.gso_type, VIRTIO_NET_HDR_GSO_TCPV6);
	assert_int_equal(vh.hdr_len, 74);
	assert_int_equal(vh.gso_size, 1428);
	assert_int_equal(vh.csum_start, 54);
	assert_int_equal(vh.csum_offset, 16);
	g.type = PW_GSO_TCPV4;
	pw_vnet_from_gso(&g, 54, &vh);
	assert_int_equal(vh.gso_type, VIRTIO_NET_HDR_GSO_TCPV4);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain),   cmocka_unit_test(test_plain_csum),
		cmocka_unit_test(test_super),   cmocka_unit_test(test_to_gso),
		cmocka_unit_test(test_from_gso),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
