/* SPDX-License-Identifier: MIT */
/*
 * test_vu_net.c: a vhost-user queue pair as a vNIC (vnic/vhost/net.c), with
 * the test as both the front end (messages through msg.c and dev.c,
 * vu_front.h) and the guest (descriptors, avail and used rings written in
 * the shared memfd as a virtio-net driver would). Frames the guest sends
 * come out of rx_burst byte for byte, whole or in pieces, each chain given
 * back and the guest called once; a plain frame in one piece lent (pwire's
 * mapping of the guest's buffer, its chain used only at release, the pair's
 * gate held until then; parked, it becomes a copy and its chain goes back;
 * the same through the engine and a transport that fills), one asking for a
 * checksum or in several pieces copied; bad headers and short frames are
 * counted; frames for the guest land in its buffers behind a 12-byte
 * header, wait when it has none, are dropped and counted when it is not
 * there; the vNIC's set is readable while the guest kicked; a chain outside
 * guest memory breaks the device. With offloads negotiated: the guest's TCP
 * and UDP super-frames come out cut (over several bursts), one that would
 * multiply is refused, a partial checksum is completed; TCP segments for
 * the guest are joined into one super-frame when it takes them, spread over
 * mergeable buffers (num_buffers), and a frame that needs more buffers than
 * the guest gave waits, with the guest asked to kick past the ones it
 * already gave. With several queue pairs: pair 1 is rings 2 and 3, a pair
 * the guest did not start drops what is steered to it, and the front end
 * stops, restarts, remaps and resets pair 1's rings from one thread while
 * another runs bursts on them (run it under ASan and TSan).
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <cmocka.h>

#include <linux/virtio_config.h>
#include <linux/virtio_net.h>
#include <linux/virtio_ring.h>

#include "core/gso.h"
#include "dp/engine.h"
#include "vnic/vhost/net.h"
#include "vnic/vnet.h"
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

/* Offloads are offered; each test negotiates what it needs. */
#define OFFLOADS                                                                                   \
	(F(VIRTIO_NET_F_CSUM) | F(VIRTIO_NET_F_HOST_TSO4) | F(VIRTIO_NET_F_HOST_TSO6) |            \
	 F(PW_VIRTIO_NET_F_HOST_USO) | F(VIRTIO_NET_F_GUEST_CSUM) | F(VIRTIO_NET_F_GUEST_TSO4) |    \
	 F(VIRTIO_NET_F_GUEST_TSO6))
static const struct pw_vu_dev_cfg offer = {
	.pairs = 1,
	.features = F(VIRTIO_F_VERSION_1) | F(VIRTIO_RING_F_EVENT_IDX) | F(VIRTIO_NET_F_MRG_RXBUF) |
		    OFFLOADS,
	.mtu = MTU,
};
static uint64_t features; /* what the next setup negotiates */

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

/* Where pwire's own mapping of the guest's memory holds gpa. */
static uint8_t *ours(uint64_t gpa)
{
	uint32_t piece;

	return pw_vu_gpa(&d.mem, gpa, 1, &piece);
}

static uint64_t take_eventfd(int fd)
{
	eventfd_t n = 0;

	eventfd_read(fd, &n);
	return n;
}

static int setup_with(uint64_t f)
{
	features = f;
	pw_vu_dev_init(&d, &offer);
	memset(next_desc, 0, sizeof(next_desc));
	for (unsigned i = 0; i < 64; i++) {
		pkt_store[i] = (struct pw_pkt){ .buf = bufs_store[i], .cap = BUF };
		pkts[i] = &pkt_store[i];
	}
	v = pw_vu_net_open(&d, 0, MTU);
	assert_non_null(v);
	assert_true(send_u64(PW_VU_SET_FEATURES, features));
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

static int setup(void **state)
{
	(void)state;
	return setup_with(F(VIRTIO_F_VERSION_1));
}

static int setup_offloads(void **state)
{
	(void)state;
	return setup_with(F(VIRTIO_F_VERSION_1) | F(VIRTIO_NET_F_MRG_RXBUF) | OFFLOADS);
}

static int setup_mrg_only(void **state)
{
	(void)state;
	return setup_with(F(VIRTIO_F_VERSION_1) | F(VIRTIO_NET_F_MRG_RXBUF) |
			  F(VIRTIO_RING_F_EVENT_IDX));
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
	/* The one-piece frames are lent (they are the guest's bytes), the
	 * one in two pieces copied; nothing published before the release. */
	for (unsigned i = 0; i < 3; i++)
		assert_ptr_equal(pkts[i]->data, ours(BUFS + i * BUF + HDR));
	assert_ptr_equal(pkts[3]->data, pkts[3]->buf);
	assert_int_equal(used_of(1)->idx, 0);
	assert_int_equal(take_eventfd(call[1]), 0);
	v->ops->release(v, pkts, 4);
	/* Every chain given back in the order popped (the copied one after
	 * the lent ones too), published once, the guest called once. */
	assert_int_equal(used_of(1)->idx, 4);
	for (unsigned i = 0; i < 4; i++)
		assert_int_equal(used_of(1)->ring[i].id, i);
	assert_int_equal(take_eventfd(call[1]), 1);
	assert_int_equal(v->stats.rx_short + v->stats.rx_bad_offload + v->stats.rx_too_big, 0);
}

/* A frame behind a header of its own descriptor is lent too (its bytes in
 * one piece); while lent, the pair's gate is held (the control side cannot
 * stop the ring or unmap the memory under the send), an arm for input
 * keeps it, and the release gives the chains back, published once, the
 * guest called once, the gate left. */
static void test_lent_until_release(void **state)
{
	uint64_t a[2];
	uint32_t l[2] = { HDR, 64 };

	(void)state;
	a[0] = frame_at(0, 64, 3, VIRTIO_NET_HDR_GSO_NONE);
	a[1] = a[0] + HDR;
	post(1, a, l, 2, false);
	a[0] = frame_at(1, 1500, 5, VIRTIO_NET_HDR_GSO_NONE);
	l[0] = HDR + 1500;
	post(1, a, l, 1, false);
	assert_int_equal(v->ops->rx_burst(v, pkts, 64), 2);
	assert_ptr_equal(pkts[0]->data, ours(BUFS + HDR));
	assert_ptr_equal(pkts[1]->data, ours(BUFS + BUF + HDR));
	assert_int_equal(pkts[0]->len, 64);
	assert_int_equal(pkts[1]->len, 1500);
	assert_true(atomic_load(&d.gate[0].busy));
	assert_int_equal(v->ops->arm(v, EPOLLIN), 0);
	assert_true(atomic_load(&d.gate[0].busy));
	assert_int_equal(used_of(1)->idx, 0);
	assert_int_equal(take_eventfd(call[1]), 0);
	assert_int_equal(pw_vu_net_stats(v)->rx_lent, 0); /* not sent yet */
	v->ops->release(v, pkts, 2);
	assert_int_equal(pw_vu_net_stats(v)->rx_lent, 2);
	assert_int_equal(used_of(1)->idx, 2);
	assert_int_equal(used_of(1)->ring[0].len + used_of(1)->ring[1].len, 0);
	assert_int_equal(take_eventfd(call[1]), 1);
	assert_false(atomic_load(&d.gate[0].busy));
	/* Released once: a second release gives back nothing. */
	v->ops->release(v, pkts, 2);
	assert_int_equal(used_of(1)->idx, 2);
	assert_int_equal(take_eventfd(call[1]), 0);
}

/* The transport was full: the engine keeps the burst and parks the vNIC
 * (armed without input). What is lent becomes the packets' own (copied,
 * so a guest reusing its buffers changes nothing of it), the chains go
 * back and the gate is left while the loop waits; the release that comes
 * once the burst is sent gives nothing back twice. */
static void test_parked_lent_frames_copied(void **state)
{
	uint64_t a;
	uint32_t l = HDR + 80;

	(void)state;
	for (unsigned i = 0; i < 2; i++) {
		a = frame_at(i, 80, (uint8_t)(40 * i), VIRTIO_NET_HDR_GSO_NONE);
		post(1, &a, &l, 1, false);
	}
	assert_int_equal(v->ops->rx_burst(v, pkts, 64), 2);
	assert_ptr_equal(pkts[0]->data, ours(BUFS + HDR));
	assert_int_equal(v->ops->arm(v, 0), 0);
	assert_false(atomic_load(&d.gate[0].busy));
	assert_int_equal(used_of(1)->idx, 2);
	assert_int_equal(take_eventfd(call[1]), 1);
	for (unsigned i = 0; i < 2; i++) {
		memset(g + BUFS + i * BUF + HDR, 0xee, 80); /* the guest reuses its buffers */
		assert_ptr_equal(pkts[i]->data, pkts[i]->buf);
		assert_int_equal(pkts[i]->len, 80);
		for (uint32_t b = 0; b < 80; b++)
			assert_int_equal(pkts[i]->data[b], (uint8_t)(40 * i + b));
	}
	v->ops->release(v, pkts, 2);
	assert_int_equal(used_of(1)->idx, 2);
	assert_int_equal(take_eventfd(call[1]), 0);
	/* Sent from copies: none went uncopied. */
	assert_int_equal(pw_vu_net_stats(v)->rx_lent, 0);
}

/* Through the engine: a transport that takes `room` frames a call (0: full)
 * and notes what it was given; a watcher that notes the handlers. */
static struct {
	struct pw_xport x;
	int fd;
	unsigned room, sent;
	const uint8_t *data[8];
	uint8_t first[8];
} fx;
static struct {
	int fd;
	pw_ready_fn fn;
	void *data;
} fw[4];

static int fx_rx(struct pw_xport *x, struct pw_pkt **pkts, unsigned n)
{
	(void)x, (void)pkts, (void)n;
	return 0;
}

static int fx_tx(struct pw_xport *x, struct pw_pkt *const *pkts, unsigned n)
{
	unsigned k = n < fx.room ? n : fx.room;

	(void)x;
	for (unsigned i = 0; i < k && fx.sent < 8; i++, fx.sent++) {
		fx.data[fx.sent] = pkts[i]->data;
		fx.first[fx.sent] = pkts[i]->data[14];
	}
	fx.room -= k;
	return (int)k;
}

static int fx_fd(const struct pw_xport *x)
{
	(void)x;
	return fx.fd;
}

static const struct pw_xport_ops fx_ops = { .name = "test", .rx_burst = fx_rx,
					    .tx_burst = fx_tx, .fd = fx_fd };

static int fw_watch(void *loop, int fd, uint32_t events, pw_ready_fn fn, void *data)
{
	(void)loop, (void)events;
	for (unsigned i = 0; i < 4; i++)
		if (fw[i].fd == fd || !fw[i].fn) {
			fw[i].fd = fd, fw[i].fn = fn, fw[i].data = data;
			return 0;
		}
	return -ENOSPC;
}

static void fw_unwatch(void *loop, int fd)
{
	(void)loop, (void)fd;
}

static void fw_call(int fd, uint32_t events)
{
	for (unsigned i = 0; i < 4; i++)
		if (fw[i].fn && fw[i].fd == fd) {
			fw[i].fn(fw[i].data, events);
			return;
		}
	fail_msg("fd %d not watched", fd);
}

/* The engine as pwire runs it: a burst the transport takes whole is sent
 * from guest memory and its chains used at release; one it cannot take
 * (full) is kept, the vNIC parked and what was lent copied, its chains
 * used and the gate left while the loop waits; once there is room the
 * copies go, the guest's buffers reused meanwhile changing nothing. */
static void test_engine_lends_and_parks(void **state)
{
	struct pw_session_cfg sc = { .encap = PW_ENCAP_UDP, .session_id = 1,
				     .peer_session_id = 2, .l2spec = PW_L2SPEC_NONE };
	struct pw_session *sess = pw_engine_sessions(1);
	struct pw_tunnel t = { .encap = PW_ENCAP_UDP, .sessions = sess, .n_sessions = 1 };
	struct pw_watcher w = { .watch = fw_watch, .unwatch = fw_unwatch };
	struct pw_vnic *vnics[1] = { v };
	struct pw_engine *e;
	uint64_t a;
	uint32_t l = HDR + 64;

	(void)state;
	memset(&fx, 0, sizeof(fx));
	memset(fw, 0, sizeof(fw));
	fx.x = (struct pw_xport){ .ops = &fx_ops, .stats = &t.stats };
	fx.fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	assert_non_null(sess);
	pw_session_init(sess, &sc);
	e = pw_engine_new(&(struct pw_engine_cfg){ .xport = &fx.x, .tunnel = &t, .vnics = vnics,
						   .burst = 64 });
	assert_non_null(e);
	assert_int_equal(pw_engine_attach(e, &w), 0);

	/* Room for all: sent lent, used once. */
	fx.room = 64;
	for (unsigned i = 0; i < 2; i++) {
		a = frame_at(i, 64, (uint8_t)(20 * i), VIRTIO_NET_HDR_GSO_NONE);
		post(1, &a, &l, 1, false);
	}
	fw_call(v->ops->fd(v), EPOLLIN);
	assert_int_equal(fx.sent, 2);
	assert_ptr_equal(fx.data[0], ours(BUFS + HDR));
	assert_ptr_equal(fx.data[1], ours(BUFS + BUF + HDR));
	assert_int_equal(used_of(1)->idx, 2);
	assert_int_equal(take_eventfd(call[1]), 1);
	assert_false(atomic_load(&d.gate[0].busy));
	assert_int_equal(pw_vu_net_stats(v)->rx_lent, 2);

	/* Full: kept, parked, copied, used, the gate left. */
	fx.room = 0;
	for (unsigned i = 2; i < 4; i++) {
		a = frame_at(i, 64, (uint8_t)(20 * i), VIRTIO_NET_HDR_GSO_NONE);
		post(1, &a, &l, 1, false);
	}
	fw_call(v->ops->fd(v), EPOLLIN);
	assert_int_equal(fx.sent, 2);
	assert_int_equal(used_of(1)->idx, 4);
	assert_int_equal(take_eventfd(call[1]), 1);
	assert_false(atomic_load(&d.gate[0].busy));
	for (unsigned i = 2; i < 4; i++)
		memset(g + BUFS + i * BUF + HDR, 0xee, 64);
	fx.room = 64;
	fw_call(fx.fd, EPOLLOUT);
	assert_int_equal(fx.sent, 4);
	for (unsigned i = 2; i < 4; i++)
		assert_int_equal(fx.first[i], (uint8_t)(20 * i + 14));
	assert_int_equal(used_of(1)->idx, 4);
	assert_int_equal(take_eventfd(call[1]), 0);
	assert_int_equal(pw_vu_net_stats(v)->rx_lent, 2); /* the copies are not */
	pw_engine_free(e);
	free(sess);
	close(fx.fd);
}

static void test_bad_guest_frames(void **state)
{
	uint64_t a;
	uint32_t l;

	(void)state;
	a = frame_at(0, 60, 0, VIRTIO_NET_HDR_GSO_TCPV4); /* no TCP super-frame in it */
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
	v->ops->release(v, pkts, 1);
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
	/* A buffer too small for the frame (no MRG_RXBUF): the frame is
	 * counted and dropped, the buffer kept for the next one. */
	l = HDR + 50;
	post(0, &a, &l, 1, true);
	assert_int_equal(v->ops->tx_burst(v, pkts, 1), 1);
	assert_int_equal(pw_vu_net_stats(v)->tx_guest_buf_short, 1);
	assert_int_equal(used_of(0)->idx, 3);
	pkts[3]->data = pkts[3]->buf;
	pkts[3]->len = 50;
	assert_int_equal(v->ops->tx_burst(v, pkts + 3, 1), 1);
	assert_int_equal(used_of(0)->idx, 4);
	assert_int_equal(used_of(0)->ring[3].len, HDR + 50);
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

/* Ethernet + IPv4 + TCP (ACK) or UDP + pay bytes at f; the L4 checksum is
 * left to whoever cuts or completes it. Returns the frame's length. */
static uint32_t l4_frame(uint8_t *f, bool udp, uint32_t pay)
{
	uint32_t hdr = 14 + 20 + (udp ? 8 : 20);

	memset(f, 0, hdr);
	memcpy(f, "\x02\0\0\0\0\x02\x02\0\0\0\0\x01\x08\x00", 14);
	f[14] = 0x45;
	f[16] = (uint8_t)((hdr - 14 + pay) >> 8), f[17] = (uint8_t)(hdr - 14 + pay);
	f[20] = 0x40; /* DF */
	f[22] = 64;
	f[23] = udp ? 17 : 6;
	memcpy(f + 26, "\x0a\0\0\x01\x0a\0\0\x02", 8);
	f[34] = 0x9c, f[35] = 0x40, f[37] = 80;
	if (udp) {
		f[38] = (uint8_t)((8 + pay) >> 8), f[39] = (uint8_t)(8 + pay);
	} else {
		f[40] = 0x10; /* seq 0x100000 */
		f[46] = 0x50;
		f[47] = 0x10; /* ACK */
	}
	for (uint32_t i = 0; i < pay; i++)
		f[hdr + i] = (uint8_t)(i * 7 + 3);
	return hdr + pay;
}

/* A guest's super-frame in its TX ring at buffer slot `slot` (it may run
 * over the next slots): its 12-byte header says gso_type/gso_size. */
static void post_super(unsigned slot, bool udp, uint32_t pay, uint8_t type, uint16_t gso_size)
{
	uint8_t *b = g + BUFS + slot * BUF;
	uint32_t len = l4_frame(b + HDR, udp, pay);
	struct virtio_net_hdr vh = { .flags = VIRTIO_NET_HDR_F_NEEDS_CSUM, .gso_type = type,
				     .hdr_len = htole16(udp ? 42 : 54),
				     .gso_size = htole16(gso_size), .csum_start = htole16(34),
				     .csum_offset = htole16(udp ? 6 : 16) };
	uint64_t a = BUFS + slot * BUF;
	uint32_t l = HDR + len;

	memcpy(b, &vh, sizeof(vh));
	post(1, &a, &l, 1, false);
}

static void test_guest_super_frames_cut(void **state)
{
	static uint8_t super[4000], want[2100];
	struct pw_gso gg = { .type = PW_GSO_TCPV4, .gso_size = 1000, .needs_csum = true,
			     .csum_start = 34, .csum_offset = 16 };
	uint32_t len = l4_frame(super, false, 3000);
	struct pw_tso t;
	uint64_t a;
	uint32_t l;

	(void)state;
	post_super(20, false, 3000, VIRTIO_NET_HDR_GSO_TCPV4, 1000);
	/* gso_size 1 would make 3000 frames of one: refused. */
	post_super(30, false, 3000, VIRTIO_NET_HDR_GSO_TCPV4, 1);
	a = frame_at(40, 64, 9, VIRTIO_NET_HDR_GSO_NONE);
	l = HDR + 64;
	post(1, &a, &l, 1, false);
	post_super(50, true, 2500, PW_VIRTIO_NET_HDR_GSO_UDP_L4, 1000);

	/* Three segments, two fit this burst, the third the next. */
	assert_int_equal(v->ops->rx_burst(v, pkts, 2), 2);
	assert_int_equal(v->ops->rx_burst(v, pkts + 2, 62), 5);
	assert_true(pw_tso_parse(&t, super, len, &gg));
	assert_int_equal(t.segments, 3);
	for (uint32_t k = 0; k < 3; k++) {
		uint32_t wl = pw_tso_segment(&t, k, want);

		assert_int_equal(pkts[k]->len, wl);
		assert_memory_equal(pkts[k]->data, want, wl);
	}
	assert_int_equal(v->stats.rx_bad_offload, 1);
	assert_int_equal(pkts[3]->len, 64);
	/* USO: 2500 bytes of UDP cut at 1000: 1000, 1000, 500. */
	for (unsigned k = 0; k < 3; k++)
		assert_int_equal(pkts[4 + k]->len, 42 + (k < 2 ? 1000 : 500));
	v->ops->release(v, pkts, 7);
	assert_int_equal(used_of(1)->idx, 4);
	assert_int_equal(pw_vu_net_stats(v)->rx_super, 2);
}

/* A TCP segment of sl bytes (returned) with a good checksum into good, and
 * into guest buffer slot as Linux sends it: behind a header asking for the
 * checksum (NEEDS_CSUM at 34 + 16), the field holding only the
 * pseudo-header's sum. */
static uint32_t partial_segment(unsigned slot, uint8_t *good)
{
	static uint8_t super[4000];
	struct pw_gso gg = { .type = PW_GSO_TCPV4, .gso_size = 1000 };
	uint32_t len = l4_frame(super, false, 3000), sl, pseudo;
	uint8_t *b = g + BUFS + slot * BUF;
	struct virtio_net_hdr vh = { .flags = VIRTIO_NET_HDR_F_NEEDS_CSUM, .csum_start = htole16(34),
				     .csum_offset = htole16(16) };
	struct pw_tso t;

	assert_true(pw_tso_parse(&t, super, len, &gg));
	sl = pw_tso_segment(&t, 0, good);
	memcpy(b, &vh, sizeof(vh));
	memcpy(b + HDR, good, sl);
	pseudo = 0x0a00 + 0x0001 + 0x0a00 + 0x0002 + 6 + (sl - 34);
	pseudo = (pseudo & 0xffff) + (pseudo >> 16);
	b[HDR + 50] = (uint8_t)(pseudo >> 8), b[HDR + 51] = (uint8_t)pseudo;
	assert_memory_not_equal(b + HDR + 50, good + 50, 2);
	return sl;
}

/* A frame asking for its checksum is copied, summed in the same pass, and
 * completed in our buffer (cheaper than lending all but its headers:
 * bench/README.md), its chain given back at once; the guest's buffer is
 * read-only to us. In one piece, and over pieces that start at odd and at
 * even offsets of the summed bytes; a checksum field past the frame's end
 * is a bad offload. */
static void test_guest_partial_checksum_completed(void **state)
{
	static uint8_t good[2100], before[3][HDR + 2100];
	uint32_t sl = 0, l;
	uint64_t a[4];
	struct virtio_net_hdr bad = { .flags = VIRTIO_NET_HDR_F_NEEDS_CSUM,
				      .csum_start = htole16(34), .csum_offset = htole16(60) };

	(void)state;
	for (unsigned i = 0; i < 3; i++) {
		sl = partial_segment(i, good);
		a[i] = BUFS + i * BUF;
		memcpy(before[i], g + a[i], HDR + sl);
	}
	l = HDR + sl;
	post(1, &a[0], &l, 1, false);
	/* Pieces from frame offsets 61 and 162: 27 (odd) and 128 (even)
	 * bytes into the summed part, which starts at 34. */
	post(1, ((uint64_t[]){ a[1], a[1] + HDR + 61, a[1] + HDR + 162 }),
	     ((uint32_t[]){ HDR + 61, 101, sl - 162 }), 3, false);
	/* Odd then odd: 35 and 135. */
	post(1, ((uint64_t[]){ a[2], a[2] + HDR + 69, a[2] + HDR + 169 }),
	     ((uint32_t[]){ HDR + 69, 100, sl - 169 }), 3, false);
	a[3] = frame_at(3, 80, 1, VIRTIO_NET_HDR_GSO_NONE);
	memcpy(g + a[3], &bad, sizeof(bad));
	l = HDR + 80;
	post(1, &a[3], &l, 1, false);
	assert_int_equal(v->ops->rx_burst(v, pkts, 64), 3);
	for (unsigned i = 0; i < 3; i++) {
		assert_int_equal(pkts[i]->len, sl);
		assert_ptr_equal(pkts[i]->data, pkts[i]->buf);
		assert_memory_equal(pkts[i]->data, good, sl);
		assert_memory_equal(g + a[i], before[i], HDR + sl);
	}
	assert_int_equal(v->stats.rx_bad_offload, 1);
	/* Nothing lent: every chain used at once. */
	assert_int_equal(used_of(1)->idx, 4);
	assert_false(atomic_load(&d.gate[0].busy));
	v->ops->release(v, pkts, 3);
	assert_int_equal(pw_vu_net_stats(v)->rx_lent, 0);
}

/* Three TCP segments of one flow (3000 bytes at 1000) in pkts[0..3). */
static uint32_t three_segments(uint8_t *super)
{
	struct pw_gso gg = { .type = PW_GSO_TCPV4, .gso_size = 1000 };
	uint32_t len = l4_frame(super, false, 3000);
	struct pw_tso t;

	assert_true(pw_tso_parse(&t, super, len, &gg));
	for (uint32_t k = 0; k < 3; k++) {
		pkts[k]->data = pkts[k]->buf;
		pkts[k]->len = pw_tso_segment(&t, k, pkts[k]->buf);
	}
	return len;
}

static void test_segments_joined_for_the_guest(void **state)
{
	static uint8_t super[4000];
	uint32_t len = three_segments(super), l = BUF;
	const uint8_t *b = g + BUFS + 10 * BUF;
	struct virtio_net_hdr_mrg_rxbuf vh;
	uint64_t a;

	(void)state;
	for (unsigned i = 0; i < 2; i++) {
		a = BUFS + (10 + i) * BUF; /* adjacent: the frame reads on */
		post(0, &a, &l, 1, true);
	}
	assert_int_equal(v->ops->tx_burst(v, pkts, 3), 3);
	/* One super-frame over two mergeable buffers. */
	assert_int_equal(used_of(0)->idx, 2);
	assert_int_equal(used_of(0)->ring[0].len, BUF);
	assert_int_equal(used_of(0)->ring[1].len, HDR + len - BUF);
	memcpy(&vh, b, sizeof(vh));
	assert_int_equal(vh.hdr.flags, VIRTIO_NET_HDR_F_NEEDS_CSUM);
	assert_int_equal(vh.hdr.gso_type, VIRTIO_NET_HDR_GSO_TCPV4);
	assert_int_equal(le16toh(vh.hdr.gso_size), 1000);
	assert_int_equal(le16toh(vh.hdr.csum_start), 34);
	assert_int_equal(le16toh(vh.hdr.csum_offset), 16);
	assert_int_equal(le16toh(vh.num_buffers), 2);
	assert_memory_equal(b + HDR + 54, super + 54, 3000);
	assert_memory_equal(b + HDR + 16, super + 16, 2); /* IPv4 total length */
	assert_int_equal(take_eventfd(call[0]), 1);
	assert_int_equal(pw_vu_net_stats(v)->tx_super, 1);
}

static void test_mergeable_buffers(void **state)
{
	static uint8_t super[4000];
	struct epoll_event ev;
	uint32_t l = 1000;
	uint16_t avail_event;
	uint64_t a;

	(void)state;
	/* Not joined: the guest did not negotiate GUEST_TSO4. */
	three_segments(super);
	for (unsigned i = 0; i < 3; i++) {
		uint32_t big = BUF;

		a = BUFS + (10 + i) * BUF;
		post(0, &a, &big, 1, true);
	}
	assert_int_equal(v->ops->tx_burst(v, pkts, 3), 3);
	assert_int_equal(used_of(0)->idx, 3);
	for (unsigned i = 0; i < 3; i++) {
		const uint8_t *b = g + BUFS + (10 + i) * BUF;

		assert_int_equal(used_of(0)->ring[i].len, HDR + pkts[i]->len);
		assert_int_equal(b[1], VIRTIO_NET_HDR_GSO_NONE);
		assert_int_equal(b[10], 1); /* num_buffers */
	}
	/* 1400 bytes need two 1000-byte buffers; the guest gave one. */
	memset(pkts[3]->buf, 0x5a, 1400);
	pkts[3]->data = pkts[3]->buf;
	pkts[3]->len = 1400;
	a = BUFS + 20 * BUF;
	post(0, &a, &l, 1, true);
	eventfd_write(kick[0], 1); /* the guest kicks when it gives a buffer */
	assert_int_equal(v->ops->tx_burst(v, pkts + 3, 1), 0);
	assert_int_equal(used_of(0)->idx, 3);
	/* Waiting for room: the kick was taken, so the set is quiet until the
	 * guest kicks again (it would spin the loop otherwise). */
	assert_int_equal(v->ops->arm(v, EPOLLOUT), 0);
	assert_int_equal(epoll_wait(v->ops->fd(v), &ev, 1, 0), 0);
	/* It asked to be kicked past the buffer it has (EVENT_IDX), or the
	 * guest's next buffer would not kick. */
	memcpy(&avail_event, &used_of(0)->ring[NUM], 2);
	assert_int_equal(le16toh(avail_event), 4);
	a = BUFS + 21 * BUF;
	post(0, &a, &l, 1, true);
	eventfd_write(kick[0], 1);
	assert_int_equal(epoll_wait(v->ops->fd(v), &ev, 1, 0), 1);
	assert_int_equal(v->ops->tx_burst(v, pkts + 3, 1), 1);
	assert_int_equal(used_of(0)->idx, 5);
	assert_int_equal(used_of(0)->ring[3].len, 1000);
	assert_int_equal(used_of(0)->ring[4].len, HDR + 1400 - 1000);
	assert_int_equal(g[BUFS + 20 * BUF + 10], 2); /* num_buffers */
	assert_int_equal(g[BUFS + 21 * BUF + HDR + 1400 - 1000 - 1], 0x5a);
	assert_int_equal(pw_vu_net_stats(v)->tx_guest_buf_short, 0);
	assert_int_equal(pw_vu_net_stats(v)->tx_super, 0);
}

/* A frame longer than every buffer of the ring together: dropped and
 * counted, the buffers left for the next frame (waiting would be for
 * good: the guest cannot give more than the ring holds). */
static void test_frame_larger_than_the_ring(void **state)
{
	uint32_t l = 64;
	uint64_t a;

	(void)state;
	for (unsigned i = 0; i < NUM; i++) {
		a = BUFS + i * BUF;
		post(0, &a, &l, 1, true);
	}
	memset(pkts[0]->buf, 1, 1400);
	pkts[0]->data = pkts[0]->buf;
	pkts[0]->len = 1400;
	pkts[1]->data = pkts[1]->buf;
	pkts[1]->len = 100;
	assert_int_equal(v->ops->tx_burst(v, pkts, 2), 2);
	assert_int_equal(pw_vu_net_stats(v)->tx_guest_buf_short, 1);
	/* The next frame, 112 bytes with its header, took two of them. */
	assert_int_equal(used_of(0)->idx, 2);
	assert_int_equal(used_of(0)->ring[1].len, HDR + 100 - 64);
}

/* Several pairs: pair 1 is rings 2 (the guest receives) and 3 (it sends),
 * laid out past the single-pair tests' buffers. */
enum {
	MQ_RING_AT = 0x80000, /* ring 2; ring 3 at + 0x10000 */
	MQ_TXB = 0xa0000,     /* the guest's frames, one slot a descriptor */
	MQ_RXB = 0xb0000,     /* its receive buffers */
	MQ_LEN = 60,
	MQ_BURSTS = 2000000,  /* the data thread's rounds at most (it stops with the control one) */
	MQ_CHANGES = 30000,   /* the control thread's (about a second) */
};

static const struct pw_vu_dev_cfg offer_mq = {
	.pairs = 2,
	.features = F(VIRTIO_F_VERSION_1) | F(VIRTIO_NET_F_MQ) | F(PW_VU_F_PROTOCOL_FEATURES),
	.protocol_features = F(PW_VU_PROTOCOL_F_MQ),
	.mtu = MTU,
};

static int mq_mem = -1; /* the guest's memory: one file, mapped again and again */
static _Atomic bool mq_done;

static uint64_t mq_ring_at(unsigned r)
{
	return MQ_RING_AT + (r - 2) * 0x10000;
}

static void mq_send_mem(void)
{
	struct pw_vu_memory t = { .n_regions = 1,
				  .regions[0] = { .gpa = 0, .size = FRONT_MEM, .uva = UVA } };
	int fd = dup(mq_mem);

	assert_true(send_msg(PW_VU_SET_MEM_TABLE, 0, &t, 8 + sizeof(t.regions[0]), &fd, 1));
}

/* Start ring r from base: size, addresses, base, call, kick (fds the
 * device's), enabled; then the vNIC synced, as server.c does. */
static void mq_start(unsigned r, uint16_t base)
{
	int k = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK), c = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);

	assert_true(send_state(PW_VU_SET_VRING_NUM, r, NUM));
	assert_true(send_addr(r, UVA + mq_ring_at(r), NUM));
	assert_true(send_state(PW_VU_SET_VRING_BASE, r, base));
	assert_true(send_fd(PW_VU_SET_VRING_CALL, r, &c));
	assert_true(send_fd(PW_VU_SET_VRING_KICK, r, &k));
	assert_true(send_state(PW_VU_SET_VRING_ENABLE, r, 1));
}

static uint16_t mq_stop(unsigned r)
{
	struct pw_vu_vring_state st;

	assert_true(send_state(PW_VU_GET_VRING_BASE, r, 0));
	memcpy(&st, reply + PW_VU_HDR_LEN, sizeof(st));
	assert_int_equal(st.index, r);
	return (uint16_t)st.num;
}

/* The whole device as QEMU sets it up, pair 1's rings from the bases. */
static void mq_setup_dev(uint16_t base2, uint16_t base3)
{
	assert_true(send_u64(PW_VU_SET_FEATURES, offer_mq.features));
	assert_true(send_u64(PW_VU_SET_PROTOCOL_FEATURES, offer_mq.protocol_features));
	mq_send_mem();
	mq_start(2, base2);
	mq_start(3, base3);
	assert_int_equal(pw_vu_net_sync(v), 0);
}

static int setup_mq(void **state)
{
	(void)state;
	pw_vu_dev_init(&d, &offer_mq);
	atomic_store(&mq_done, false);
	mq_mem = memfd_create("test-vu-mq", MFD_ALLOW_SEALING | MFD_CLOEXEC);
	assert_true(mq_mem >= 0);
	assert_int_equal(ftruncate(mq_mem, FRONT_MEM), 0);
	assert_int_equal(fcntl(mq_mem, F_ADD_SEALS, F_SEAL_SHRINK), 0);
	g = mmap(NULL, FRONT_MEM, PROT_READ | PROT_WRITE, MAP_SHARED, mq_mem, 0);
	assert_true(g != MAP_FAILED);
	v = pw_vu_net_open(&d, 1, MTU);
	assert_non_null(v);
	/* Pair 2 does not exist. */
	assert_null(pw_vu_net_open(&d, 2, MTU));
	mq_setup_dev(0, 0);
	return 0;
}

static int teardown_mq(void **state)
{
	(void)state;
	pw_vnic_close(v);
	pw_vu_dev_reset(&d);
	munmap(g, FRONT_MEM);
	close(mq_mem);
	return 0;
}

/* The guest: as many chains as ring r has room for, each one descriptor
 * (slot = avail index mod NUM: in-order completion frees them in order). */
static void mq_guest_post(unsigned r)
{
	uint8_t *at = g + mq_ring_at(r);
	struct vring_desc *t = (struct vring_desc *)at;
	struct vring_avail *a = (struct vring_avail *)(at + 16 * NUM);
	struct vring_used *u = (struct vring_used *)(at + 16 * NUM + 4096);
	uint16_t idx = a->idx;

	while ((uint16_t)(idx - __atomic_load_n(&u->idx, __ATOMIC_ACQUIRE)) < NUM) {
		uint16_t slot = idx % NUM;
		uint64_t buf = (r == 3 ? MQ_TXB : MQ_RXB) + slot * BUF;

		if (r == 3) {
			memset(g + buf, 0, HDR);
			memset(g + buf + HDR, 0x5a, MQ_LEN);
		}
		t[slot] = (struct vring_desc){ .addr = buf,
					       .len = r == 3 ? HDR + MQ_LEN : BUF,
					       .flags = r == 3 ? 0 : VRING_DESC_F_WRITE };
		a->ring[slot] = slot;
		__atomic_store_n(&a->idx, ++idx, __ATOMIC_RELEASE);
	}
}

struct mq_moved {
	uint64_t out, in; /* frames the guest sent that came out; frames put in its ring */
};

/* Queue 1's thread: the guest posts, then the vNIC's bursts and arms. */
static void *mq_data(void *arg)
{
	struct mq_moved *m = arg;
	static uint8_t store[NUM][BUF];
	struct pw_pkt ps[NUM], *p[NUM];
	struct vring_used *u2 = (struct vring_used *)(g + mq_ring_at(2) + 16 * NUM + 4096);

	for (unsigned i = 0; i < NUM; i++) {
		ps[i] = (struct pw_pkt){ .buf = store[i], .cap = BUF, .data = store[i], .len = MQ_LEN };
		memset(store[i], 0xa5, MQ_LEN);
		p[i] = &ps[i];
	}
	for (unsigned i = 0; i < MQ_BURSTS && !atomic_load(&mq_done); i++) {
		uint16_t before = __atomic_load_n(&u2->idx, __ATOMIC_ACQUIRE);
		int k;

		mq_guest_post(3);
		mq_guest_post(2);
		k = v->ops->rx_burst(v, p, NUM);
		assert_true(k >= 0 && k <= NUM);
		m->out += (unsigned)k;
		v->ops->release(v, p, (unsigned)k); /* sent: the lent chains go back */
		for (int j = 0; j < k; j++) { /* the engine gives them back as they were */
			p[j]->data = p[j]->buf;
			p[j]->len = MQ_LEN;
		}
		k = v->ops->tx_burst(v, p, 4);
		assert_true(k >= 0 && k <= 4);
		m->in += (uint16_t)(__atomic_load_n(&u2->idx, __ATOMIC_ACQUIRE) - before);
		if (i % 64 == 0)
			assert_int_equal(v->ops->arm(v, i % 128 ? EPOLLIN : EPOLLIN | EPOLLOUT), 0);
	}
	return NULL;
}

/* While queue 1's thread runs bursts on pair 1, the control side stops
 * and restarts its rings (GET_VRING_BASE, new kick and call fds), swaps the
 * memory table (the old mapping unmapped) and resets the whole device:
 * no burst reads memory or fds being taken away (ASan, TSan), the ring
 * positions survive (no index jump, nothing broken) and frames move both
 * ways in between. */
static void test_mq_rings_change_under_bursts(void **state)
{
	struct mq_moved m = { 0 };
	pthread_t t;
	unsigned ops = 0;

	(void)state;
	assert_int_equal(pthread_create(&t, NULL, mq_data, &m), 0);
	for (unsigned i = 0; i < MQ_CHANGES; i++, ops++) {
		uint16_t b2, b3;
		int c;

		switch (i % 4) {
		case 0: /* stop both rings, start them again where they were */
			b2 = mq_stop(2);
			b3 = mq_stop(3);
			assert_int_equal(pw_vu_net_sync(v), 0);
			mq_start(2, b2);
			mq_start(3, b3);
			break;
		case 1: /* memory again (hot-plug): the old mapping goes */
			mq_send_mem();
			break;
		case 2: /* a new call fd under a running ring */
			c = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
			assert_true(send_fd(PW_VU_SET_VRING_CALL, 2 + (i / 4) % 2, &c));
			break;
		case 3: /* now and then the front end goes and comes back */
			if (i % 64 != 3)
				break;
			b2 = mq_stop(2);
			b3 = mq_stop(3);
			pw_vu_dev_reset(&d);
			assert_int_equal(pw_vu_net_sync(v), 0);
			mq_setup_dev(b2, b3);
			break;
		}
		assert_int_equal(pw_vu_net_sync(v), 0);
		assert_false(d.broken);
	}
	atomic_store(&mq_done, true);
	assert_int_equal(pthread_join(t, NULL), 0);
	print_message("control changes %u, frames out %llu, in %llu, tx_no_guest %llu\n", ops,
		      (unsigned long long)m.out, (unsigned long long)m.in,
		      (unsigned long long)pw_vu_net_stats(v)->tx_no_guest);
	assert_false(d.broken);
	for (unsigned r = 2; r < 4; r++) {
#define MQ_NONE(name, kind) assert_int_equal(d.ring[r].vq.stats.name, 0);
		PW_VQ_COUNTERS(MQ_NONE)
#undef MQ_NONE
	}
#define MQ_NONE(name, kind) assert_int_equal(d.vq_gone.name, 0);
	PW_VQ_COUNTERS(MQ_NONE)
#undef MQ_NONE
	assert_int_equal(d.stats.bad_msg + d.stats.bad_mem_table + d.stats.bad_ring_addr, 0);
	assert_true(m.out > 0 && m.in > 0);
	assert_int_equal(v->stats.rx_short + v->stats.rx_bad_offload + v->stats.rx_too_big, 0);
}

/* A pair the guest did not enable (fewer pairs used than offered): frames
 * steered to it are dropped and counted, its ring untouched. */
static void test_mq_pair_not_enabled(void **state)
{
	(void)state;
	assert_true(send_state(PW_VU_SET_VRING_ENABLE, 2, 0));
	mq_guest_post(2);
	pkts[0]->data = pkts[0]->buf;
	pkts[0]->len = 60;
	assert_int_equal(v->ops->tx_burst(v, pkts, 1), 1);
	assert_int_equal(pw_vu_net_stats(v)->tx_no_guest, 1);
	assert_int_equal(((struct vring_used *)(g + mq_ring_at(2) + 16 * NUM + 4096))->idx, 0);
	/* Enabled: the frame goes in. */
	assert_true(send_state(PW_VU_SET_VRING_ENABLE, 2, 1));
	assert_int_equal(v->ops->tx_burst(v, pkts, 1), 1);
	assert_int_equal(((struct vring_used *)(g + mq_ring_at(2) + 16 * NUM + 4096))->idx, 1);
	assert_int_equal(pw_vu_net_stats(v)->tx_no_guest, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_guest_frames_out, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lent_until_release, setup, teardown),
		cmocka_unit_test_setup_teardown(test_parked_lent_frames_copied, setup, teardown),
		cmocka_unit_test_setup_teardown(test_engine_lends_and_parks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_guest_frames, setup, teardown),
		cmocka_unit_test_setup_teardown(test_frames_to_guest, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_guest, setup, teardown),
		cmocka_unit_test_setup_teardown(test_set_is_readable_on_kick, setup, teardown),
		cmocka_unit_test_setup_teardown(test_chain_outside_memory_breaks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_guest_super_frames_cut, setup_offloads, teardown),
		cmocka_unit_test_setup_teardown(test_guest_partial_checksum_completed, setup_offloads,
						teardown),
		cmocka_unit_test_setup_teardown(test_segments_joined_for_the_guest, setup_offloads,
						teardown),
		cmocka_unit_test_setup_teardown(test_mergeable_buffers, setup_mrg_only, teardown),
		cmocka_unit_test_setup_teardown(test_frame_larger_than_the_ring, setup_mrg_only,
						teardown),
		cmocka_unit_test_setup_teardown(test_mq_pair_not_enabled, setup_mq, teardown_mq),
		cmocka_unit_test_setup_teardown(test_mq_rings_change_under_bursts, setup_mq,
						teardown_mq),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
