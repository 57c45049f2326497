/* SPDX-License-Identifier: MIT */
/*
 * test_vu_net.c: a vhost-user queue pair as a vNIC (vnic/vhost/net.c),
 * with the test as both the front end (messages through msg.c and dev.c,
 * vu_front.h) and the guest (descriptors, avail and used rings written in
 * the shared memfd as a virtio-net driver would). Frames the guest sends
 * come out of rx_burst byte for byte, whole or in pieces, each chain given
 * back and the guest called once; bad headers and short frames are counted;
 * frames for the guest land in its buffers behind a 12-byte header, wait
 * when it has none, are dropped and counted when it is not there; the
 * vNIC's set is readable while the guest kicked; a chain outside guest
 * memory breaks the device.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <cmocka.h>

#include <linux/virtio_config.h>
#include <linux/virtio_net.h>
#include <linux/virtio_ring.h>

#include "vnic/vhost/net.h"
#include "vu_front.h"

enum {
	NUM = 16,
	RX_AT = 0x10000, /* gpa of the guest's RX ring (0) */
	TX_AT = 0x20000, /* and of its TX ring (1) */
	BUFS = 0x40000,  /* buffers, 2048 bytes each */
	BUF = 2048,
	HDR = 12,
	MTU = 1500,
};

static const struct pw_vu_dev_cfg offer = {
	.pairs = 1,
	.features = F(VIRTIO_F_VERSION_1),
	.mtu = MTU,
};

static uint8_t *g; /* guest memory, as the guest sees it */
static struct pw_vnic *v;
static int kick[2], call[2];
static uint16_t next_desc[2];
static uint8_t bufs_store[64][BUF];
static struct pw_pkt pkt_store[64], *pkts[64];

static struct vring_desc *desc_of(unsigned ring)
{
	return (struct vring_desc *)(g + (ring ? TX_AT : RX_AT));
}

static struct vring_avail *avail_of(unsigned ring)
{
	return (struct vring_avail *)(g + (ring ? TX_AT : RX_AT) + 16 * NUM);
}

static struct vring_used *used_of(unsigned ring)
{
	return (struct vring_used *)(g + (ring ? TX_AT : RX_AT) + 16 * NUM + 4096);
}

/* The guest makes a chain of n descriptors available: (gpa, len) pairs. */
static void post(unsigned ring, const uint64_t *gpa, const uint32_t *len, unsigned n,
		 bool writable)
{
	struct vring_desc *t = desc_of(ring);
	struct vring_avail *a = avail_of(ring);
	uint16_t head = next_desc[ring];

	for (unsigned i = 0; i < n; i++) {
		uint16_t at = (uint16_t)((head + i) % NUM);

		t[at] = (struct vring_desc){ .addr = gpa[i], .len = len[i],
					     .flags = (uint16_t)((writable ? VRING_DESC_F_WRITE : 0) |
								 (i + 1 < n ? VRING_DESC_F_NEXT : 0)),
					     .next = (uint16_t)((at + 1) % NUM) };
	}
	next_desc[ring] = (uint16_t)((head + n) % NUM);
	a->ring[a->idx % NUM] = head;
	__atomic_store_n(&a->idx, (uint16_t)(a->idx + 1), __ATOMIC_RELEASE);
}

/* A frame of len bytes, byte i = seed + i, behind a 12-byte header of
 * gso_type t, in guest buffer slot. */
static uint64_t frame_at(unsigned slot, uint32_t len, uint8_t seed, uint8_t t)
{
	uint8_t *b = g + BUFS + slot * BUF;

	memset(b, 0, HDR);
	b[1] = t; /* struct virtio_net_hdr: flags, gso_type */
	for (uint32_t i = 0; i < len; i++)
		b[HDR + i] = (uint8_t)(seed + i);
	return BUFS + slot * BUF;
}

static uint64_t take_eventfd(int fd)
{
	eventfd_t n = 0;

	eventfd_read(fd, &n);
	return n;
}

static int setup(void **state)
{
	(void)state;
	pw_vu_dev_init(&d, &offer);
	memset(next_desc, 0, sizeof(next_desc));
	for (unsigned i = 0; i < 64; i++) {
		pkt_store[i] = (struct pw_pkt){ .buf = bufs_store[i], .cap = BUF };
		pkts[i] = &pkt_store[i];
	}
	v = pw_vu_net_open(&d, 0, MTU);
	assert_non_null(v);
	assert_true(send_u64(PW_VU_SET_FEATURES, offer.features));
	assert_true(send_mem(UVA, &g));
	for (unsigned r = 0; r < 2; r++) {
		int k, c;

		/* The device owns k and c; the test keeps a copy of each. */
		k = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		c = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		kick[r] = dup(k);
		call[r] = dup(c);
		assert_true(send_state(PW_VU_SET_VRING_NUM, r, NUM));
		assert_true(send_addr(r, UVA + (r ? TX_AT : RX_AT), NUM));
		assert_true(send_fd(PW_VU_SET_VRING_CALL, r, &c));
		assert_true(send_fd(PW_VU_SET_VRING_KICK, r, &k));
		assert_true(d.ring[r].started && d.ring[r].enabled);
	}
	assert_int_equal(pw_vu_net_sync(v), 0);
	/* The sync looked at each new ring once: its kick written. */
	assert_int_equal(take_eventfd(kick[0]), 1);
	assert_int_equal(take_eventfd(kick[1]), 1);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	pw_vnic_close(v);
	pw_vu_dev_reset(&d);
	munmap(g, FRONT_MEM);
	for (unsigned r = 0; r < 2; r++) {
		close(kick[r]);
		close(call[r]);
	}
	return 0;
}

static void test_guest_frames_out(void **state)
{
	uint64_t a[2];
	uint32_t l[2];

	(void)state;
	for (unsigned i = 0; i < 3; i++) {
		a[0] = frame_at(i, 60 + i, (uint8_t)(10 * i), VIRTIO_NET_HDR_GSO_NONE);
		l[0] = HDR + 60 + i;
		post(1, a, l, 1, false);
	}
	/* Header in one descriptor, the frame split over two more. */
	a[0] = frame_at(3, 100, 7, VIRTIO_NET_HDR_GSO_NONE);
	uint64_t three[3] = { a[0], a[0] + HDR, a[0] + HDR + 30 };
	uint32_t lens[3] = { HDR, 30, 70 };
	post(1, three, lens, 3, false);

	assert_int_equal(v->ops->rx_burst(v, pkts, 64), 4);
	for (unsigned i = 0; i < 3; i++) {
		assert_int_equal(pkts[i]->len, 60 + i);
		for (uint32_t b = 0; b < pkts[i]->len; b++)
			assert_int_equal(pkts[i]->data[b], (uint8_t)(10 * i + b));
	}
	assert_int_equal(pkts[3]->len, 100);
	for (uint32_t b = 0; b < 100; b++)
		assert_int_equal(pkts[3]->data[b], (uint8_t)(7 + b));
	/* Every chain given back, published once, the guest called once. */
	assert_int_equal(used_of(1)->idx, 4);
	assert_int_equal(take_eventfd(call[1]), 1);
	assert_int_equal(v->stats.rx_short + v->stats.rx_bad_offload + v->stats.rx_too_big, 0);
}

static void test_bad_guest_frames(void **state)
{
	uint64_t a;
	uint32_t l;

	(void)state;
	a = frame_at(0, 60, 0, VIRTIO_NET_HDR_GSO_TCPV4); /* TSO not offered */
	l = HDR + 60;
	post(1, &a, &l, 1, false);
	a = frame_at(1, 10, 0, VIRTIO_NET_HDR_GSO_NONE); /* shorter than Ethernet */
	l = HDR + 10;
	post(1, &a, &l, 1, false);
	a = frame_at(2, 1600, 0, VIRTIO_NET_HDR_GSO_NONE); /* past the MTU's frame_max */
	l = HDR + 1600;
	post(1, &a, &l, 1, false);
	a = frame_at(3, 64, 0, VIRTIO_NET_HDR_GSO_NONE); /* and a good one after them */
	l = HDR + 64;
	post(1, &a, &l, 1, false);
	assert_int_equal(v->ops->rx_burst(v, pkts, 64), 1);
	assert_int_equal(pkts[0]->len, 64);
	assert_int_equal(v->stats.rx_bad_offload, 1);
	assert_int_equal(v->stats.rx_short, 1);
	assert_int_equal(v->stats.rx_too_big, 1);
	assert_int_equal(used_of(1)->idx, 4);
}

static void test_frames_to_guest(void **state)
{
	uint64_t a;
	uint32_t l = BUF;

	(void)state;
	for (unsigned i = 0; i < 2; i++) {
		a = BUFS + (10 + i) * BUF;
		post(0, &a, &l, 1, true);
	}
	for (unsigned i = 0; i < 3; i++) {
		memset(pkts[i]->buf, 0x40 + i, 200);
		pkts[i]->data = pkts[i]->buf;
		pkts[i]->len = 100 + i;
	}
	/* Two buffers: two frames taken, the third waits. */
	assert_int_equal(v->ops->tx_burst(v, pkts, 3), 2);
	assert_int_equal(used_of(0)->idx, 2);
	for (unsigned i = 0; i < 2; i++) {
		const uint8_t *b = g + BUFS + (10 + i) * BUF;

		assert_int_equal(used_of(0)->ring[i].len, HDR + 100 + i);
		assert_int_equal(b[10], 1); /* num_buffers */
		assert_int_equal(b[0] | b[1], 0); /* no flags, no GSO */
		assert_int_equal(b[HDR], 0x40 + i);
		assert_int_equal(b[HDR + 99 + i], 0x40 + i);
	}
	assert_int_equal(take_eventfd(call[0]), 1);
	/* It waited with notifications on: the guest gives a buffer, kicks. */
	assert_false(used_of(0)->flags & VRING_USED_F_NO_NOTIFY);
	a = BUFS + 12 * BUF;
	post(0, &a, &l, 1, true);
	assert_int_equal(v->ops->tx_burst(v, pkts + 2, 1), 1);
	assert_int_equal(used_of(0)->ring[2].len, HDR + 102);
	/* A buffer too small for the frame: counted, given back empty. */
	l = HDR + 50;
	post(0, &a, &l, 1, true);
	assert_int_equal(v->ops->tx_burst(v, pkts, 1), 1);
	assert_int_equal(pw_vu_net_stats(v)->tx_guest_buf_short, 1);
	assert_int_equal(used_of(0)->ring[3].len, 0);
}

static void test_no_guest(void **state)
{
	(void)state;
	assert_true(send_state(PW_VU_GET_VRING_BASE, 0, 0)); /* the RX ring stops */
	pkts[0]->data = pkts[0]->buf;
	pkts[0]->len = 60;
	assert_int_equal(v->ops->tx_burst(v, pkts, 1), 1);
	assert_int_equal(pw_vu_net_stats(v)->tx_no_guest, 1);
}

static void test_set_is_readable_on_kick(void **state)
{
	int set = v->ops->fd(v);
	struct epoll_event ev;
	uint64_t a = frame_at(0, 60, 0, VIRTIO_NET_HDR_GSO_NONE);
	uint32_t l = HDR + 60;

	(void)state;
	assert_int_equal(v->ops->arm(v, EPOLLIN), 0);
	assert_int_equal(epoll_wait(set, &ev, 1, 0), 0);
	post(1, &a, &l, 1, false);
	eventfd_write(kick[1], 1);
	assert_int_equal(epoll_wait(set, &ev, 1, 0), 1);
	assert_int_equal(v->ops->rx_burst(v, pkts, 64), 1);
	assert_int_equal(v->ops->rx_burst(v, pkts, 64), 0); /* empty: the kick taken */
	assert_int_equal(epoll_wait(set, &ev, 1, 0), 0);
	/* Disarmed: a kick does not make it readable. */
	assert_int_equal(v->ops->arm(v, 0), 0);
	eventfd_write(kick[1], 1);
	assert_int_equal(epoll_wait(set, &ev, 1, 0), 0);
	take_eventfd(kick[1]);
	/* Armed, then the ring stops (the device closes its kick fd; the
	 * front end still holds the eventfd): its kicks no longer count. */
	assert_int_equal(v->ops->arm(v, EPOLLIN), 0);
	assert_true(send_state(PW_VU_GET_VRING_BASE, 1, 0));
	assert_int_equal(pw_vu_net_sync(v), 0);
	eventfd_write(kick[1], 1);
	assert_int_equal(epoll_wait(set, &ev, 1, 0), 0);
}

static void test_chain_outside_memory_breaks(void **state)
{
	uint64_t a = FRONT_MEM - 8;
	uint32_t l = 64;

	(void)state;
	d.wake = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	post(1, &a, &l, 1, false);
	assert_int_equal(v->ops->rx_burst(v, pkts, 64), 0);
	assert_true(d.broken);
	assert_int_equal(take_eventfd(d.wake), 1); /* the server is woken */
	close(d.wake);
	d.wake = -1;
	assert_int_equal(d.ring[1].vq.stats.desc_out_of_region, 1);
	/* Broken: nothing more is read or written. */
	assert_int_equal(v->ops->tx_burst(v, pkts, 1), 1);
	assert_int_equal(pw_vu_net_stats(v)->tx_no_guest, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_guest_frames_out, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_guest_frames, setup, teardown),
		cmocka_unit_test_setup_teardown(test_frames_to_guest, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_guest, setup, teardown),
		cmocka_unit_test_setup_teardown(test_set_is_readable_on_kick, setup, teardown),
		cmocka_unit_test_setup_teardown(test_chain_outside_memory_breaks, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
