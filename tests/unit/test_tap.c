/* SPDX-License-Identifier: MIT */
/*
 * test_tap.c: the TAP backend's bursts (vnic/tap.c) on a SOCK_SEQPACKET
 * pair, which like a TAP hands over one [vnet header][frame] per read. A
 * super-frame is cut whole within one burst where it can be: one that does
 * not fit in what is left of a burst ends it, is cut first in the next,
 * and pending() says it waits; one longer than a burst is cut over several.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "vnic/tap.h"
#include "vnic/vnet.h"

enum { HDRS = 14 + 20 + 20, MSS = 1000, BURST = 8 };

static uint8_t frame[HDRS + 20 * MSS];

/* An untagged TCP/IPv4 frame with pay bytes of payload. */
static uint32_t tcp4(uint32_t pay)
{
	uint32_t len = HDRS + pay;

	memset(frame, 0, sizeof(frame));
	frame[12] = 0x08;
	frame[14] = 0x45;
	frame[16] = (uint8_t)((len - 14) >> 8), frame[17] = (uint8_t)(len - 14);
	frame[14 + 8] = 64;
	frame[14 + 9] = 6;
	memcpy(frame + 14 + 12, "\x0a\0\0\x01\x0a\0\0\x02", 8);
	frame[34 + 12] = 5 << 4;
	frame[34 + 13] = 0x10;
	return len;
}

/* The guest sends a frame with pay bytes of payload: cut into MSS-sized
 * segments when pay is more than MSS (a TSO super-frame). */
static void send_frame(int fd, uint32_t pay)
{
	struct pw_gso g = { .type = pay > MSS ? PW_GSO_TCPV4 : PW_GSO_NONE, .gso_size = MSS,
			    .needs_csum = true, .csum_start = 34, .csum_offset = 16 };
	struct virtio_net_hdr vh;
	uint32_t len = tcp4(pay);
	struct iovec iov[2] = { { &vh, sizeof(vh) }, { frame, len } };

	pw_vnet_from_gso(g.type == PW_GSO_NONE ? NULL : &g, HDRS, &vh);
	assert_int_equal(writev(fd, iov, 2), (ssize_t)(sizeof(vh) + len));
}

static struct pw_pkt pool[BURST], *pkts[BURST];

static int burst(struct pw_vnic *v)
{
	for (unsigned i = 0; i < BURST; i++)
		pkts[i] = &pool[i];
	return v->ops->rx_burst(v, pkts, BURST);
}

static void test_super_frame_cut_whole_in_one_burst(void **state)
{
	int sv[2];
	struct pw_vnic *v;

	(void)state;
	for (unsigned i = 0; i < BURST; i++)
		pool[i] = (struct pw_pkt){ .buf = malloc(2000), .cap = 2000 };
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK, 0, sv), 0);
	v = pw_tap_wrap(sv[0], 1500, false);
	assert_non_null(v);
	assert_false(v->ops->pending(v));

	/* A frame, then 5 segments: 6 fit a burst of 8. */
	send_frame(sv[1], 100);
	send_frame(sv[1], 5 * MSS);
	assert_int_equal(burst(v), 6);
	assert_false(v->ops->pending(v));

	/* A frame and 7 segments: exactly a burst. */
	send_frame(sv[1], 100);
	send_frame(sv[1], 7 * MSS);
	assert_int_equal(burst(v), 8);
	assert_false(v->ops->pending(v));

	/* Two frames, then 7 segments: they do not fit the 6 left; the
	 * burst ends with the frames, the next is the super-frame whole. */
	send_frame(sv[1], 100);
	send_frame(sv[1], 200);
	send_frame(sv[1], 7 * MSS);
	send_frame(sv[1], 100);
	assert_int_equal(burst(v), 2);
	assert_int_equal(pkts[1]->len, HDRS + 200);
	assert_true(v->ops->pending(v));
	assert_int_equal(burst(v), 8); /* its 7 segments, then the frame after it */
	for (unsigned i = 0; i < 7; i++)
		assert_int_equal(pkts[i]->len, HDRS + MSS);
	assert_int_equal(pkts[7]->len, HDRS + 100);
	assert_false(v->ops->pending(v));

	/* 20 segments, more than a burst, read first: cut over three. */
	send_frame(sv[1], 20 * MSS);
	assert_int_equal(burst(v), 8);
	assert_true(v->ops->pending(v));
	assert_int_equal(burst(v), 8);
	assert_int_equal(burst(v), 4);
	assert_false(v->ops->pending(v));
	assert_int_equal(burst(v), 0);

	v->ops->close(v);
	close(sv[1]);
	for (unsigned i = 0; i < BURST; i++)
		free(pool[i].buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_super_frame_cut_whole_in_one_burst),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
