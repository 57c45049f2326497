/* SPDX-License-Identifier: MIT */
/*
 * test_vu_dev.c: the vhost-user device state machine (vnic/vhost/dev.c)
 * driven as QEMU drives it, with messages built as bytes, parsed by
 * msg.c and handed over with real fds: a memfd for guest memory, eventfds
 * for kicks and calls. A ring starts when the last of its parts arrives,
 * in any order; GET_VRING_BASE stops it and says where; replies and
 * REPLY_ACK acks are as the protocol writes them; every wrong message
 * breaks the device with its counter, and no fd it was given stays open
 * behind it. With several pairs (MQ): GET_QUEUE_NUM says how many, rings up
 * to 2N - 1 are taken and 2N refused, and SET_FEATURES comes again for
 * each pair while the first pair's rings run; the count of pairs the
 * guest runs, for the socket steering program. The gate between the
 * control side and a queue's bursts, step by step with a thread.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>
#include <cmocka.h>

#include <linux/virtio_config.h>
#include <linux/virtio_net.h>

#include "vnic/vhost/dev.h"
#include "vu_front.h"

enum { MEM = FRONT_MEM, NUM = 256 };

static const struct pw_vu_dev_cfg offer = {
	.pairs = 1,
	.features = F(VIRTIO_F_VERSION_1) | F(PW_VU_F_PROTOCOL_FEATURES),
	.protocol_features = F(PW_VU_PROTOCOL_F_REPLY_ACK),
	.mtu = 1500,
};

static uint64_t reply_u64(void)
{
	uint64_t v;

	assert_int_equal(reply_len, PW_VU_HDR_LEN + 8);
	memcpy(&v, reply + PW_VU_HDR_LEN, 8);
	return v;
}

static int setup(void **state)
{
	(void)state;
	pw_vu_dev_init(&d, &offer);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	pw_vu_dev_reset(&d);
	return 0;
}

static void test_features(void **state)
{
	(void)state;
	assert_true(send_msg(PW_VU_GET_FEATURES, 0, NULL, 0, NULL, 0));
	assert_int_equal(reply_u64(), offer.features);
	assert_int_equal(((struct pw_vu_hdr *)reply)->flags, PW_VU_VERSION | PW_VU_FLAG_REPLY);
	assert_true(send_msg(PW_VU_GET_PROTOCOL_FEATURES, 0, NULL, 0, NULL, 0));
	assert_int_equal(reply_u64(), offer.protocol_features);
	assert_true(send_u64(PW_VU_SET_FEATURES, offer.features));
	assert_int_equal(reply_len, 0); /* no ack: REPLY_ACK not negotiated yet */
	assert_true(send_u64(PW_VU_SET_PROTOCOL_FEATURES, offer.protocol_features));
	/* REPLY_ACK now: need_reply gets an ack of 0. */
	assert_true(send_msg(PW_VU_SET_OWNER, PW_VU_FLAG_NEED_REPLY, NULL, 0, NULL, 0));
	assert_int_equal(reply_u64(), 0);
	assert_int_equal(((struct pw_vu_hdr *)reply)->request, PW_VU_SET_OWNER);
	assert_true(send_msg(PW_VU_SET_OWNER, 0, NULL, 0, NULL, 0));
	assert_int_equal(reply_len, 0);
	/* GET_QUEUE_NUM needs MQ, not negotiated. */
	assert_false(send_msg(PW_VU_GET_QUEUE_NUM, 0, NULL, 0, NULL, 0));
	assert_int_equal(d.stats.bad_msg, 1);
}

static void test_feature_not_offered(void **state)
{
	(void)state;
	assert_false(send_u64(PW_VU_SET_FEATURES, offer.features | F(VIRTIO_F_RING_PACKED)));
	assert_int_equal(d.stats.bad_msg, 1);
	assert_true(d.broken);
	/* A broken device takes nothing more. */
	assert_false(send_msg(PW_VU_GET_FEATURES, 0, NULL, 0, NULL, 0));
	assert_int_equal(d.stats.bad_msg, 1);
}

/* A legacy driver (no VERSION_1: 10-byte headers in its own byte order)
 * is refused at SET_FEATURES, not served with misread headers. */
static void test_legacy_driver_refused(void **state)
{
	(void)state;
	assert_false(send_u64(PW_VU_SET_FEATURES, offer.features & ~F(VIRTIO_F_VERSION_1)));
	assert_int_equal(d.stats.bad_msg, 1);
	assert_true(d.broken);
	assert_int_equal(d.features, 0);
}

/* The usual order, then GET_VRING_BASE. */
static void test_ring_starts_and_stops(void **state)
{
	int kick = eventfd(0, EFD_CLOEXEC), call = eventfd(0, EFD_CLOEXEC), k = kick;

	(void)state;
	assert_true(send_u64(PW_VU_SET_FEATURES, offer.features));
	assert_true(send_mem(UVA, NULL));
	assert_true(send_state(PW_VU_SET_VRING_NUM, 0, NUM));
	assert_true(send_addr(0, UVA + 0x10000, NUM));
	assert_true(send_state(PW_VU_SET_VRING_BASE, 0, 7));
	assert_false(d.ring[0].started);
	assert_true(send_fd(PW_VU_SET_VRING_CALL, 0, &call));
	assert_true(send_fd(PW_VU_SET_VRING_KICK, 0, &kick));
	assert_true(d.ring[0].started);
	assert_false(d.ring[0].enabled); /* protocol features: until SET_VRING_ENABLE */
	assert_int_equal(d.ring[0].vq.num, NUM);
	assert_int_equal(d.ring[0].vq.last_avail, 7);
	assert_true(send_state(PW_VU_SET_VRING_ENABLE, 0, 1));
	assert_true(d.ring[0].enabled);
	d.ring[0].vq.last_avail = 9; /* as if two chains were popped */
	assert_true(send_state(PW_VU_GET_VRING_BASE, 0, 0));
	assert_int_equal(reply_len, PW_VU_HDR_LEN + 8);
	assert_int_equal(((struct pw_vu_vring_state *)(reply + PW_VU_HDR_LEN))->index, 0);
	assert_int_equal(((struct pw_vu_vring_state *)(reply + PW_VU_HDR_LEN))->num, 9);
	assert_false(d.ring[0].started);
	assert_false(is_open(k)); /* the kick fd closed with the stop */
	assert_int_equal(d.stats.bad_msg + d.stats.bad_mem_table + d.stats.bad_ring_addr, 0);
}

/* Kick first, memory last: the ring starts with the last part. */
static void test_any_order(void **state)
{
	int kick = eventfd(0, EFD_CLOEXEC);

	(void)state;
	assert_true(send_fd(PW_VU_SET_VRING_KICK, 1, &kick));
	assert_true(send_addr(1, UVA + 0x20000, NUM));
	assert_true(send_state(PW_VU_SET_VRING_NUM, 1, NUM));
	assert_false(d.ring[1].started);
	assert_true(send_mem(UVA, NULL));
	assert_true(d.ring[1].started);
	assert_true(d.ring[1].enabled); /* no protocol features: enabled from the start */
	/* A running ring cannot be resized. */
	assert_false(send_state(PW_VU_SET_VRING_NUM, 1, 128));
	assert_int_equal(d.stats.bad_msg, 1);
}

/* A memory table swapped under a running ring: found again, position kept. */
static void test_new_memory_keeps_the_ring(void **state)
{
	int kick = eventfd(0, EFD_CLOEXEC);

	(void)state;
	assert_true(send_mem(UVA, NULL));
	assert_true(send_state(PW_VU_SET_VRING_NUM, 0, NUM));
	assert_true(send_addr(0, UVA, NUM));
	assert_true(send_state(PW_VU_SET_VRING_BASE, 0, 3));
	assert_true(send_fd(PW_VU_SET_VRING_KICK, 0, &kick));
	assert_true(d.ring[0].started);
	assert_true(send_mem(UVA, NULL));
	assert_true(d.ring[0].started);
	assert_int_equal(d.ring[0].vq.last_avail, 3);
	assert_ptr_equal(d.ring[0].vq.mem, &d.mem); /* the table of now, not a copy */
	/* A table the running ring is not in: refused. */
	assert_false(send_mem(UVA + 4 * MEM, NULL));
	assert_int_equal(d.stats.bad_mem_table, 1);
}

static void test_ring_outside_memory(void **state)
{
	int kick = eventfd(0, EFD_CLOEXEC);

	(void)state;
	assert_true(send_mem(UVA, NULL));
	assert_true(send_state(PW_VU_SET_VRING_NUM, 0, NUM));
	assert_true(send_addr(0, UVA + MEM - 4096, NUM)); /* the descriptors run past the end */
	assert_false(send_fd(PW_VU_SET_VRING_KICK, 0, &kick));
	assert_int_equal(d.stats.bad_ring_addr, 1);
	assert_false(d.ring[0].started);
}

static void test_bad_values(void **state)
{
	int call = eventfd(0, EFD_CLOEXEC), c = call;

	(void)state;
	/* A ring past the one pair: refused, and its fd closed. */
	assert_false(send_fd(PW_VU_SET_VRING_CALL, 2, &call));
	assert_false(is_open(c));
	assert_int_equal(d.stats.bad_msg, 1);
	pw_vu_dev_reset(&d);
	assert_false(send_state(PW_VU_SET_VRING_NUM, 0, 100)); /* not a power of two */
	pw_vu_dev_reset(&d);
	assert_false(send_state(PW_VU_SET_VRING_NUM, 0, 65536));
	pw_vu_dev_reset(&d);
	assert_false(send_state(PW_VU_SET_VRING_BASE, 0, 65536));
	pw_vu_dev_reset(&d);
	assert_false(send_state(PW_VU_SET_VRING_ENABLE, 0, 2));
	assert_int_equal(d.stats.bad_msg, 5);
}

static void test_mtu(void **state)
{
	struct pw_vu_dev_cfg c = offer;

	(void)state;
	c.protocol_features |= F(PW_VU_PROTOCOL_F_NET_MTU);
	pw_vu_dev_init(&d, &c);
	assert_true(send_u64(PW_VU_SET_PROTOCOL_FEATURES, c.protocol_features));
	assert_true(send_u64(PW_VU_NET_SET_MTU, 1500));
	assert_int_equal(d.mtu, 1500);
	assert_false(send_u64(PW_VU_NET_SET_MTU, 1501));
	pw_vu_dev_reset(&d);
	assert_true(send_u64(PW_VU_SET_PROTOCOL_FEATURES, c.protocol_features));
	assert_false(send_u64(PW_VU_NET_SET_MTU, 67));
	assert_int_equal(d.stats.bad_msg, 2);
}

/* A reset closes every fd the device kept and unmaps the memory. */
static void test_reset_closes(void **state)
{
	int kick = eventfd(0, EFD_CLOEXEC), call = eventfd(0, EFD_CLOEXEC), err = eventfd(0, 0);
	int k = kick, c = call, e = err;

	(void)state;
	assert_true(send_mem(UVA, NULL));
	assert_true(send_fd(PW_VU_SET_VRING_KICK, 0, &kick));
	assert_true(send_fd(PW_VU_SET_VRING_CALL, 1, &call));
	assert_true(send_fd(PW_VU_SET_VRING_ERR, 1, &err));
	assert_true(is_open(k) && is_open(c) && is_open(e));
	pw_vu_dev_reset(&d);
	assert_false(is_open(k) || is_open(c) || is_open(e));
	assert_int_equal(d.mem.n, 0);
	assert_false(d.broken);
}

static const struct pw_vu_dev_cfg offer_mq = {
	.pairs = 3,
	.features = F(VIRTIO_F_VERSION_1) | F(PW_VU_F_PROTOCOL_FEATURES) | F(VIRTIO_NET_F_MQ),
	.protocol_features = F(PW_VU_PROTOCOL_F_REPLY_ACK) | F(PW_VU_PROTOCOL_F_MQ),
	.mtu = 1500,
};

static int setup_mq(void **state)
{
	(void)state;
	pw_vu_dev_init(&d, &offer_mq);
	return 0;
}

/* MQ negotiated: GET_QUEUE_NUM answers the pairs; rings 0..5 are the
 * device's, ring 6 is not. */
static void test_mq_queue_num_and_rings(void **state)
{
	(void)state;
	assert_true(send_msg(PW_VU_GET_FEATURES, 0, NULL, 0, NULL, 0));
	assert_true(reply_u64() & F(VIRTIO_NET_F_MQ));
	assert_true(send_msg(PW_VU_GET_PROTOCOL_FEATURES, 0, NULL, 0, NULL, 0));
	assert_true(reply_u64() & F(PW_VU_PROTOCOL_F_MQ));
	assert_true(send_u64(PW_VU_SET_PROTOCOL_FEATURES, offer_mq.protocol_features));
	assert_true(send_msg(PW_VU_GET_QUEUE_NUM, 0, NULL, 0, NULL, 0));
	assert_int_equal(reply_u64(), 3);
	assert_true(send_u64(PW_VU_SET_FEATURES, offer_mq.features));
	for (uint32_t r = 0; r < 6; r++) {
		assert_true(send_state(PW_VU_SET_VRING_NUM, r, NUM));
		assert_true(send_state(PW_VU_SET_VRING_ENABLE, r, 1));
	}
	assert_int_equal(d.stats.bad_msg, 0);
	assert_false(send_state(PW_VU_SET_VRING_NUM, 6, NUM));
	assert_int_equal(d.stats.bad_msg, 1);
	assert_true(d.broken);
}

/* Each index-carrying request refuses ring 2N, fd-carrying ones closing
 * the fd they were given. */
static void test_mq_ring_past_pairs(void **state)
{
	uint32_t reqs[] = { PW_VU_SET_VRING_NUM, PW_VU_SET_VRING_BASE, PW_VU_GET_VRING_BASE,
			    PW_VU_SET_VRING_ENABLE };

	(void)state;
	for (unsigned i = 0; i < 4; i++) {
		pw_vu_dev_reset(&d);
		assert_false(send_state(reqs[i], 6, 1));
		assert_int_equal(d.stats.bad_msg, i + 1);
	}
	pw_vu_dev_reset(&d);
	assert_false(send_addr(6, UVA, NUM));
	assert_int_equal(d.stats.bad_msg, 5);
	for (uint32_t req = PW_VU_SET_VRING_KICK; req <= PW_VU_SET_VRING_ERR; req++) {
		int fd = eventfd(0, EFD_CLOEXEC), k = fd;

		pw_vu_dev_reset(&d);
		assert_false(send_fd(req, 6, &fd));
		assert_false(is_open(k));
	}
	assert_int_equal(d.stats.bad_msg, 8);
}

/* QEMU starts one pair after the other, each with SET_FEATURES: the same
 * features while pair 0's rings run are taken; other ones are not. */
static void test_mq_features_again_while_running(void **state)
{
	int kick = eventfd(0, EFD_CLOEXEC);

	(void)state;
	assert_true(send_u64(PW_VU_SET_FEATURES, offer_mq.features));
	assert_true(send_mem(UVA, NULL));
	assert_true(send_state(PW_VU_SET_VRING_NUM, 0, NUM));
	assert_true(send_addr(0, UVA + 0x10000, NUM));
	assert_true(send_fd(PW_VU_SET_VRING_KICK, 0, &kick));
	assert_true(d.ring[0].started);
	assert_true(send_u64(PW_VU_SET_FEATURES, offer_mq.features));
	assert_true(d.ring[0].started);
	assert_false(send_u64(PW_VU_SET_FEATURES, offer_mq.features & ~F(VIRTIO_NET_F_MQ)));
	assert_int_equal(d.stats.bad_msg, 1);
}

/* Start ring r: its size, addresses (their own 64 KiB) and kick. */
static void ring_up(uint32_t r)
{
	int kick = eventfd(0, EFD_CLOEXEC);

	assert_true(send_state(PW_VU_SET_VRING_NUM, r, NUM));
	assert_true(send_addr(r, UVA + 0x10000 * (r + 1), NUM));
	assert_true(send_fd(PW_VU_SET_VRING_KICK, r, &kick));
	assert_true(d.ring[r].started);
}

/* The count the socket steering program reads (pw_vu_dev_steer): the
 * leading run of pairs whose RX ring runs and is enabled, at least 1; 1
 * again with no guest. Static: the teardown's reset stores into it. */
static _Atomic uint32_t steer_k;

static void test_mq_steer_count(void **state)
{
	(void)state;
	steer_k = 99;
	pw_vu_dev_steer(&d, &steer_k);
	assert_int_equal(steer_k, 1); /* no guest yet */
	assert_true(send_u64(PW_VU_SET_FEATURES, offer_mq.features));
	assert_true(send_mem(UVA, NULL));
	for (uint32_t r = 0; r < 6; r++)
		ring_up(r);
	assert_int_equal(steer_k, 1); /* started, none enabled (protocol features) */
	assert_true(send_state(PW_VU_SET_VRING_ENABLE, 0, 1));
	assert_true(send_state(PW_VU_SET_VRING_ENABLE, 1, 1));
	assert_int_equal(steer_k, 1);
	assert_true(send_state(PW_VU_SET_VRING_ENABLE, 4, 1)); /* pair 2, not 1: no prefix */
	assert_int_equal(steer_k, 1);
	assert_true(send_state(PW_VU_SET_VRING_ENABLE, 2, 1)); /* ethtool -L: pair 1 */
	assert_int_equal(steer_k, 3);
	assert_true(send_state(PW_VU_SET_VRING_ENABLE, 2, 0)); /* and back */
	assert_int_equal(steer_k, 1);
	assert_true(send_state(PW_VU_SET_VRING_ENABLE, 2, 1));
	assert_int_equal(steer_k, 3);
	assert_true(send_state(PW_VU_GET_VRING_BASE, 4, 0)); /* pair 2's RX ring stops */
	assert_int_equal(steer_k, 2);
	assert_true(send_state(PW_VU_GET_VRING_BASE, 5, 0)); /* a TX ring: no change */
	assert_int_equal(steer_k, 2);
	pw_vu_dev_reset(&d); /* the guest gone */
	assert_int_equal(steer_k, 1);
	assert_true(send_u64(PW_VU_SET_FEATURES, offer_mq.features));
	assert_true(send_mem(UVA, NULL));
	ring_up(0);
	ring_up(2);
	assert_true(send_state(PW_VU_SET_VRING_ENABLE, 0, 1));
	assert_true(send_state(PW_VU_SET_VRING_ENABLE, 2, 1));
	assert_int_equal(steer_k, 2);
	assert_false(send_state(PW_VU_SET_VRING_NUM, 6, NUM)); /* broken: no guest served */
	assert_int_equal(steer_k, 1);
}

/* The gate itself, step by step (dev.h, struct pw_vu_gate): a burst that
 * runs keeps the control side's hold waiting until it ends; while the
 * control side holds, no burst enters; released, bursts enter again.
 * Holds nest: only the last release opens the gate. */
static _Atomic int gate_step;

static void *gate_burst(void *arg)
{
	(void)arg;
	if (!pw_vu_gate_enter(&d, 1))
		return (void *)1;
	atomic_store(&gate_step, 1); /* inside a burst */
	usleep(100 * 1000);
	atomic_store(&gate_step, 2); /* about to leave it */
	pw_vu_gate_exit(&d, 1);
	return NULL;
}

/* Whether a burst may enter pair `pair` now (it leaves at once). */
static bool enters(unsigned pair)
{
	if (!pw_vu_gate_enter(&d, pair))
		return false;
	pw_vu_gate_exit(&d, pair);
	return true;
}

static void test_gate(void **state)
{
	pthread_t t;
	void *ret;

	(void)state;
	atomic_store(&gate_step, 0);
	assert_int_equal(pthread_create(&t, NULL, gate_burst, NULL), 0);
	while (atomic_load(&gate_step) == 0)
		usleep(1000);
	pw_vu_dev_hold(&d, 1); /* waits for the burst */
	assert_int_equal(atomic_load(&gate_step), 2);
	assert_int_equal(pthread_join(t, &ret), 0);
	assert_null(ret);
	assert_false(enters(1)); /* held: no burst */
	assert_true(enters(0));  /* another pair is not */
	pw_vu_dev_hold_all(&d);
	pw_vu_dev_release(&d, 1);
	assert_false(enters(1)); /* still held once */
	assert_false(enters(0));
	pw_vu_dev_release_all(&d);
	assert_true(enters(1));
	assert_true(enters(0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_features, setup, teardown),
		cmocka_unit_test_setup_teardown(test_feature_not_offered, setup, teardown),
		cmocka_unit_test_setup_teardown(test_legacy_driver_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ring_starts_and_stops, setup, teardown),
		cmocka_unit_test_setup_teardown(test_any_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_new_memory_keeps_the_ring, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ring_outside_memory, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_values, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mtu, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reset_closes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mq_queue_num_and_rings, setup_mq, teardown),
		cmocka_unit_test_setup_teardown(test_mq_ring_past_pairs, setup_mq, teardown),
		cmocka_unit_test_setup_teardown(test_mq_features_again_while_running, setup_mq,
						teardown),
		cmocka_unit_test_setup_teardown(test_mq_steer_count, setup_mq, teardown),
		cmocka_unit_test_setup_teardown(test_gate, setup_mq, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
