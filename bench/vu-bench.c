/* SPDX-License-Identifier: MIT */
/*
 * vu-bench.c: the vhost-user micro-benchmark (docs/vhost-user.md section 5,
 * item 12): how much of pwire's thread a frame costs between a guest's
 * virtio-net rings and the pseudowire, with no QEMU and no TCG.
 *
 *   usage: vu-bench [--seconds S] [--reps N]
 *
 * One process, one thread, on 127.0.0.1 in the current network namespace:
 *   fake guest (memfd, split rings) =vhost-user= net.c pair 0 = engine =
 *   UDP socket :17030 ==loopback== peer socket :17031 (sink and source)
 * The front end's messages go through msg.c and dev.c as the unit tests
 * send them (tests/unit/vu_front.h); the guest is an honest virtio-net
 * driver as Linux's is without EVENT_IDX: TX buffers of one descriptor
 * ([12-byte header][frame], one readable piece), reclaimed from the used
 * ring when it posts again (TX interrupts off), a kick only when the device
 * did not set NO_NOTIFY; RX buffers of BUF bytes, mergeable buffers
 * negotiated, posted again as the guest takes what was put in them, on a
 * call. The engine is attached to a pw_loop through a watcher that times
 * each of its handlers in thread CPU time: what pwire's thread spent,
 * system calls (sendmmsg, recvmmsg, eventfd writes) and their kernel work
 * included, the guest's and the peer socket's work and epoll_wait not.
 *
 * Cases, each for S seconds (default 3), in rounds of R frames (256, or 64
 * where the sockets' receive buffers cannot be raised):
 *   up SIZE:   the guest sends R frames of SIZE bytes (plain ones, in one
 *              piece: net.c lends them), the peer socket receives R
 *              datagrams;
 *   up SIZE csum: the same with IPv4/UDP frames that ask for their
 *              checksum (NEEDS_CSUM, the field holding the pseudo-header's
 *              sum), as a Linux guest with checksum offload sends nearly
 *              all: net.c copies them, summing in the same pass, and
 *              completes the checksum in its copy;
 *   down SIZE: the peer sends R datagrams, the guest receives R frames
 *              (copied into its buffers);
 * SIZE 64 and 1500 (Ethernet frame bytes). --reps N runs every case N
 * times. One line a case and rep:
 *   up 64: frames/s P pwire_ns T lost L
 * P: frames over wall time (the guest's and the peer's share included);
 * T: pwire's thread CPU ns per frame; then, with N > 1, the medians:
 *   median up 64: frames/s P pwire_ns T reps N
 * L counts frames that did not arrive within a second of a round (exit 1
 * when any did). Exit 2 on a usage or setup error.
 *
 * Not part of pwire: built by meson, never installed.
 */
#include <arpa/inet.h>
#include <endian.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include <linux/virtio_config.h>
#include <linux/virtio_net.h>
#include <linux/virtio_ring.h>

#include "dp/engine.h"
#include "vnic/vhost/net.h"

static void die(const char *what, int err)
{
	fprintf(stderr, "vu-bench: %s: %s\n", what, strerror(err));
	exit(2);
}

static void check_failed(const char *what, int line)
{
	fprintf(stderr, "vu-bench: line %d: %s failed\n", line, what);
	exit(2);
}

/* vu_front.h is the unit tests' front end; its checks end the bench here. */
#define assert_true(x) ((x) ? (void)0 : check_failed(#x, __LINE__))
#define assert_int_equal(a, b) assert_true((a) == (b))
#define print_message(...) fprintf(stderr, __VA_ARGS__)
#include "vu_front.h"

enum {
	PORT = 17030, /* pwire's socket; the peer's one above */
	MTU = 1500,
	BURST = 64,   /* pwire up's */
	NUM = 256,    /* ring size */
	HDR = 12,     /* virtio-net header, VERSION_1 */
	BUF = 1536,   /* a guest buffer: a 1500-byte frame and its header */
	RX_AT = 0x10000, TX_AT = 0x20000, /* ring parts (vu_front.h's layout) */
	TX_BUFS = 0x40000, RX_BUFS = TX_BUFS + NUM * BUF, /* RX_BUFS + NUM * BUF = FRONT_MEM */
	L2TP = 12,    /* UDP word, session id, default sublayer */
	DGRAM_MAX = L2TP + 1500,
	REPS_MAX = 99,
	HANDLERS_MAX = 4,
};
_Static_assert(RX_BUFS + NUM * BUF <= FRONT_MEM, "guest memory too small");


struct bench {
	struct pw_session session;
	struct pw_tunnel tunnel;
	struct pw_tunnel_slot slots[2];
	struct pw_vnic *vnics[1];
	struct pw_xport *x;
	struct pw_engine *e;
	struct pw_loop *loop;
	int peer_fd, timer_fd;
	int kick[2], call[2]; /* the guest's copies: RX ring 0, TX ring 1 */
	unsigned round;       /* frames a round */
	struct handler {
		int fd;
		pw_ready_fn fn;
		void *data;
	} handlers[HANDLERS_MAX];
	uint64_t pwire_ns;    /* thread CPU time in the engine's handlers */
	/* The guest. */
	uint16_t tx_free[NUM], n_free, tx_used_seen, rx_used_seen;
	uint64_t guest_got;
	/* The peer. */
	uint64_t peer_got, target;
	uint32_t size;        /* the case's frame size: what must arrive */
	bool done, timed_out;
	struct mmsghdr msgs[NUM];
	struct iovec iov[NUM];
	uint8_t dgrams[NUM][DGRAM_MAX];
};

static uint8_t *g; /* guest memory */

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

static uint64_t cpu_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
	return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + t.tv_nsec / 1e9;
}

/* The guest publishes avail entries up to idx and kicks if the device asks. */
static void guest_publish(struct bench *b, unsigned ring, uint16_t idx)
{
	/* Release: the entries and descriptors before the index (the device's
	 * acquire load of avail->idx pairs with it); then a full fence before
	 * reading the device's flag (pairs with its fence in notify_on). */
	__atomic_store_n(&avail_of(ring)->idx, idx, __ATOMIC_RELEASE);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (!(__atomic_load_n(&used_of(ring)->flags, __ATOMIC_RELAXED) & VRING_USED_F_NO_NOTIFY))
		eventfd_write(b->kick[ring], 1);
}

/* TX: what the device used is free again. */
static void guest_tx_reclaim(struct bench *b)
{
	uint16_t idx = __atomic_load_n(&used_of(1)->idx, __ATOMIC_ACQUIRE);

	for (; b->tx_used_seen != idx; b->tx_used_seen++)
		b->tx_free[b->n_free++] = (uint16_t)used_of(1)->ring[b->tx_used_seen % NUM].id;
}

/* TX: n frames of size bytes, one descriptor each (buffer i is descriptor
 * i's, its bytes written at the case's start). */
static void guest_send(struct bench *b, unsigned n, uint32_t size)
{
	struct vring_avail *a = avail_of(1);
	uint16_t idx = a->idx;

	guest_tx_reclaim(b);
	if (n > b->n_free)
		n = b->n_free;
	for (unsigned i = 0; i < n; i++) {
		uint16_t d = b->tx_free[--b->n_free];

		desc_of(1)[d] = (struct vring_desc){ .addr = TX_BUFS + (uint64_t)d * BUF,
						     .len = HDR + size };
		a->ring[idx++ % NUM] = d;
	}
	guest_publish(b, 1, idx);
}

/* RX: buffer d given (again) to the device, not yet published. */
static void guest_rx_post(uint16_t d, uint16_t at)
{
	desc_of(0)[d] = (struct vring_desc){ .addr = RX_BUFS + (uint64_t)d * BUF, .len = BUF,
					     .flags = VRING_DESC_F_WRITE };
	avail_of(0)->ring[at % NUM] = d;
}

/* RX, on a call: take the frames the device put, give their buffers back. */
static int on_guest_rx(void *data, uint32_t events)
{
	struct bench *b = data;
	uint16_t idx = __atomic_load_n(&used_of(0)->idx, __ATOMIC_ACQUIRE);
	uint16_t at = avail_of(0)->idx;
	eventfd_t v;

	(void)events;
	eventfd_read(b->call[0], &v);
	if (b->rx_used_seen == idx)
		return 0;
	for (; b->rx_used_seen != idx; b->rx_used_seen++) {
		struct vring_used_elem *u = &used_of(0)->ring[b->rx_used_seen % NUM];

		if (u->id >= NUM || u->len != HDR + b->size)
			check_failed("the device's used element", __LINE__);
		b->guest_got++;
		guest_rx_post((uint16_t)u->id, at++);
	}
	guest_publish(b, 0, at);
	if (b->target && b->guest_got >= b->target) {
		b->done = true;
		pw_loop_stop(b->loop);
	}
	return 1;
}

/* The peer socket: datagrams pwire sent. */
static int on_peer(void *data, uint32_t events)
{
	struct bench *b = data;
	int r;

	(void)events;
	while ((r = recvmmsg(b->peer_fd, b->msgs, NUM, MSG_DONTWAIT, NULL)) > 0) {
		for (int i = 0; i < r; i++)
			if (b->msgs[i].msg_len != L2TP + b->size ||
			    memcmp(b->dgrams[i] + L2TP, g + TX_BUFS + HDR, 14))
				check_failed("a datagram pwire sent", __LINE__);
		b->peer_got += (unsigned)r;
	}
	if (b->target && b->peer_got >= b->target) {
		b->done = true;
		pw_loop_stop(b->loop);
	}
	return 1;
}

static int on_timeout(void *data, uint32_t events)
{
	struct bench *b = data;
	uint64_t v;

	(void)events;
	if (read(b->timer_fd, &v, sizeof(v)) == (ssize_t)sizeof(v)) {
		b->timed_out = true;
		pw_loop_stop(b->loop);
	}
	return 0;
}

static struct bench bench;

/* The engine's handlers, timed. */
static int timed(void *data, uint32_t events)
{
	struct handler *h = data;
	uint64_t t0 = cpu_ns();
	int moved = h->fn(h->data, events);

	bench.pwire_ns += cpu_ns() - t0;
	return moved;
}

static int watch(void *loop, int fd, uint32_t events, pw_ready_fn fn, void *data)
{
	struct bench *b = loop;
	struct handler *h = NULL;

	for (unsigned i = 0; i < HANDLERS_MAX && !h; i++)
		if (b->handlers[i].fd == fd || !b->handlers[i].fn)
			h = &b->handlers[i];
	if (!h)
		return -ENOSPC;
	*h = (struct handler){ .fd = fd, .fn = fn, .data = data };
	return pw_loop_watch(b->loop, fd, events, timed, h);
}

static void unwatch(void *loop, int fd)
{
	pw_loop_unwatch(((struct bench *)loop)->loop, fd);
}

static struct sockaddr_in loopback(uint16_t port)
{
	return (struct sockaddr_in){ .sin_family = AF_INET, .sin_port = htons(port),
				     .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
}

/* Receive buffers for a round of the largest datagrams; false: the kernel
 * would not raise them (not root). */
static bool big_buffers(int fd)
{
	int want = 8 << 20, got = 0;
	socklen_t len = sizeof(got);

	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &want, sizeof(want)))
		return false;
	return !getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &got, &len) && got >= want;
}

/* The front end sets the device up as QEMU does for a Linux guest without
 * EVENT_IDX, and the guest gives every RX buffer. */
static void guest_setup(struct bench *b)
{
	static const struct pw_vu_dev_cfg offer = {
		.pairs = 1,
		.features = F(VIRTIO_F_VERSION_1) | F(VIRTIO_NET_F_MRG_RXBUF) | F(VIRTIO_NET_F_CSUM),
		.mtu = MTU,
	};

	pw_vu_dev_init(&d, &offer);
	b->vnics[0] = pw_vu_net_open(&d, 0, MTU);
	if (!b->vnics[0])
		die("pw_vu_net_open", errno);
	assert_true(send_u64(PW_VU_SET_FEATURES, offer.features));
	assert_true(send_mem(UVA, &g));
	for (unsigned r = 0; r < 2; r++) {
		int k = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		int c = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);

		if (k < 0 || c < 0)
			die("eventfd", errno);
		b->kick[r] = dup(k);
		b->call[r] = dup(c);
		assert_true(send_state(PW_VU_SET_VRING_NUM, r, NUM));
		assert_true(send_addr(r, UVA + (r ? TX_AT : RX_AT), NUM));
		assert_true(send_fd(PW_VU_SET_VRING_CALL, r, &c));
		assert_true(send_fd(PW_VU_SET_VRING_KICK, r, &k));
		assert_true(d.ring[r].started && d.ring[r].enabled);
	}
	assert_int_equal(pw_vu_net_sync(b->vnics[0]), 0);
	/* TX: interrupts off, the guest reclaims when it sends (Linux without
	 * napi_tx). */
	avail_of(1)->flags = VRING_AVAIL_F_NO_INTERRUPT;
	for (unsigned i = 0; i < NUM; i++)
		b->tx_free[b->n_free++] = (uint16_t)(NUM - 1 - i);
	for (uint16_t i = 0; i < NUM; i++)
		guest_rx_post(i, i);
	guest_publish(b, 0, NUM);
}

static void setup(struct bench *b)
{
	struct pw_xport_cfg xc = { .encap = PW_ENCAP_UDP, .family = AF_INET, .burst = BURST };
	struct sockaddr_in local = loopback(PORT), peer = loopback(PORT + 1);
	struct sockaddr_storage peer_ss = { 0 };
	struct pw_session_cfg c = { .encap = PW_ENCAP_UDP, .session_id = 1, .peer_session_id = 1,
				    .l2spec = PW_L2SPEC_DEFAULT };
	struct pw_watcher w = { .loop = b, .watch = watch, .unwatch = unwatch };
	bool big;

	guest_setup(b);
	memcpy(&xc.local, &local, sizeof(local));
	memcpy(&peer_ss, &peer, sizeof(peer));
	pw_session_init(&b->session, &c);
	pw_xport_peer(&b->session.peer, &peer_ss);
	b->tunnel = (struct pw_tunnel){ .encap = PW_ENCAP_UDP, .sessions = &b->session,
					.n_sessions = 1 };
	if (!pw_tunnel_index(&b->tunnel, b->slots, 2))
		die("tunnel index", EINVAL);
	xc.datagram_max = b->session.rx.len + pw_frame_max(MTU);
	b->x = pw_socket_open(&xc, &b->tunnel.stats);
	if (!b->x)
		die("pwire's UDP socket on 127.0.0.1:17030", errno);
	b->e = pw_engine_new(&(struct pw_engine_cfg){ .xport = b->x, .tunnel = &b->tunnel,
						      .vnics = b->vnics, .burst = BURST });
	b->loop = pw_loop_new();
	if (!b->e || !b->loop)
		die("engine", ENOMEM);
	if (pw_engine_attach(b->e, &w))
		die("attach", EINVAL);

	b->peer_fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (b->peer_fd < 0 || bind(b->peer_fd, (struct sockaddr *)&peer, sizeof(peer)) ||
	    connect(b->peer_fd, (struct sockaddr *)&local, sizeof(local)))
		die("the peer's UDP socket on 127.0.0.1:17031", errno);
	big = big_buffers(b->peer_fd) && big_buffers(b->x->ops->fd(b->x));
	b->round = big ? NUM : BURST;
	for (unsigned i = 0; i < NUM; i++) {
		b->iov[i] = (struct iovec){ b->dgrams[i], DGRAM_MAX };
		b->msgs[i].msg_hdr = (struct msghdr){ .msg_iov = &b->iov[i], .msg_iovlen = 1 };
	}
	b->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (b->timer_fd < 0 || pw_loop_watch(b->loop, b->timer_fd, EPOLLIN, on_timeout, b) ||
	    pw_loop_watch(b->loop, b->peer_fd, EPOLLIN, on_peer, b) ||
	    pw_loop_watch(b->loop, b->call[0], EPOLLIN, on_guest_rx, b))
		die("watch", EINVAL);
}

/* An Ethernet frame of size bytes (local experimental ethertype). */
static void frame(uint8_t *f, uint32_t size)
{
	static const uint8_t eth[14] = { 2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x88, 0xb5 };

	memcpy(f, eth, sizeof(eth));
	for (uint32_t i = sizeof(eth); i < size; i++)
		f[i] = (uint8_t)i;
}

/* An Ethernet frame of size bytes carrying IPv4/UDP (10.0.0.1:40000 to
 * 10.0.0.2:80) as a guest with checksum offload sends it: the UDP checksum
 * holding the pseudo-header's sum, for the device to complete. */
static void frame_csum(uint8_t *f, uint32_t size)
{
	static const uint8_t eth[14] = { 2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x08, 0x00 };
	uint32_t ip = size - 14, udp = ip - 20, sum;

	frame(f, size);
	memcpy(f, eth, sizeof(eth));
	memset(f + 14, 0, 28);
	f[14] = 0x45;
	f[16] = (uint8_t)(ip >> 8), f[17] = (uint8_t)ip;
	f[22] = 64, f[23] = 17;
	memcpy(f + 26, "\x0a\0\0\x01\x0a\0\0\x02", 8);
	sum = 0;
	for (unsigned i = 14; i < 34; i += 2)
		sum += (uint32_t)f[i] << 8 | f[i + 1];
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	f[24] = (uint8_t)(~sum >> 8), f[25] = (uint8_t)~sum;
	f[34] = 0x9c, f[35] = 0x40, f[37] = 80;
	f[38] = (uint8_t)(udp >> 8), f[39] = (uint8_t)udp;
	sum = 0x0a00 + 0x0001 + 0x0a00 + 0x0002 + 17 + udp;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	f[40] = (uint8_t)(sum >> 8), f[41] = (uint8_t)sum;
}

/* Run the loop until the round's frames arrived, or a second passed. */
static void run_round(struct bench *b, uint64_t target)
{
	struct itimerspec t = { .it_value.tv_sec = 1 };

	b->target = target;
	b->done = b->timed_out = false;
	timerfd_settime(b->timer_fd, 0, &t, NULL);
	if (pw_loop_run(b->loop))
		die("loop", errno);
	t = (struct itimerspec){ 0 };
	timerfd_settime(b->timer_fd, 0, &t, NULL);
	if (pw_engine_error(b->e))
		die("engine", -pw_engine_error(b->e));
}

struct result {
	double fps, ns;
};

/* One case for `seconds`. */
static struct result run_case(struct bench *b, bool up, bool csum, uint32_t size, double seconds,
			      uint64_t *lost)
{
	uint64_t frames = 0, ns0 = b->pwire_ns;
	double t0 = now(), t;

	b->size = size;
	if (up) {
		struct virtio_net_hdr vh = { .flags = VIRTIO_NET_HDR_F_NEEDS_CSUM,
					     .csum_start = htole16(34),
					     .csum_offset = htole16(6) };

		for (unsigned i = 0; i < NUM; i++) {
			uint8_t *buf = g + TX_BUFS + (size_t)i * BUF;

			memset(buf, 0, HDR);
			if (csum) {
				memcpy(buf, &vh, sizeof(vh));
				frame_csum(buf + HDR, size);
			} else {
				frame(buf + HDR, size);
			}
		}
	} else {
		for (unsigned i = 0; i < NUM; i++) {
			uint8_t *dg = b->dgrams[i];

			memset(dg, 0, L2TP);
			dg[1] = 0x03; /* 0x00030000: T = 0, version 3 (RFC 3931 §4.1.2.2) */
			dg[7] = 1;    /* session id 1; the sublayer 0 */
			frame(dg + L2TP, size);
			b->iov[i].iov_len = L2TP + size;
		}
	}
	do {
		uint64_t before = up ? b->peer_got : b->guest_got;

		if (up) {
			guest_send(b, b->round, size);
		} else {
			for (unsigned done = 0; done < b->round;) {
				int r = sendmmsg(b->peer_fd, b->msgs + done, b->round - done, 0);

				if (r < 0 && errno != EINTR && errno != EAGAIN)
					die("sendmmsg", errno);
				done += r > 0 ? (unsigned)r : 0;
			}
		}
		run_round(b, before + b->round);
		if (b->timed_out) {
			uint64_t got = (up ? b->peer_got : b->guest_got) - before;

			*lost += b->round - got;
			/* Start the next round from what arrived. */
			if (up)
				b->peer_got = before + b->round;
			else
				b->guest_got = before + b->round;
		}
		frames += b->round;
		t = now() - t0;
	} while (t < seconds);
	if (!up) /* what the peer left in the iovecs: full size again */
		for (unsigned i = 0; i < NUM; i++)
			b->iov[i].iov_len = DGRAM_MAX;
	return (struct result){ .fps = frames / t, .ns = (double)(b->pwire_ns - ns0) / frames };
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(double *v, unsigned n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void usage(void)
{
	fprintf(stderr, "usage: vu-bench [--seconds S] [--reps N]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static const struct {
		bool up, csum;
		uint32_t size;
		const char *name;
	} cases[] = {
		{ true, false, 64, "up 64" },     { true, false, 1500, "up 1500" },
		{ true, true, 64, "up 64 csum" }, { true, true, 1500, "up 1500 csum" },
		{ false, false, 64, "down 64" },  { false, false, 1500, "down 1500" },
	};
	enum { CASES = sizeof(cases) / sizeof(cases[0]) };
	static double fps[CASES][REPS_MAX], ns[CASES][REPS_MAX];
	struct bench *b = &bench;
	double seconds = 3;
	unsigned reps = 1;
	uint64_t lost = 0;

	for (int i = 1; i < argc; i++) {
		char *end = NULL;

		if (i + 1 >= argc)
			usage();
		if (!strcmp(argv[i], "--seconds")) {
			seconds = strtod(argv[++i], &end);
			if (*end || !(seconds > 0 && seconds <= 600))
				usage();
		} else if (!strcmp(argv[i], "--reps")) {
			unsigned long r = strtoul(argv[++i], &end, 10);

			if (*end || r < 1 || r > REPS_MAX)
				usage();
			reps = (unsigned)r;
		} else {
			usage();
		}
	}
	setup(b);
	printf("vu-bench: round %u frames, burst %d, ring %d, mtu %d\n", b->round, BURST, NUM, MTU);
	for (unsigned r = 0; r < reps; r++)
		for (unsigned c = 0; c < CASES; c++) {
			uint64_t lost0 = lost;
			struct result x = run_case(b, cases[c].up, cases[c].csum, cases[c].size,
						   seconds, &lost);

			fps[c][r] = x.fps;
			ns[c][r] = x.ns;
			printf("%s: frames/s %.0f pwire_ns %.1f lost %llu\n", cases[c].name, x.fps,
			       x.ns, (unsigned long long)(lost - lost0));
			fflush(stdout);
		}
	if (reps > 1)
		for (unsigned c = 0; c < CASES; c++)
			printf("median %s: frames/s %.0f pwire_ns %.1f reps %u\n", cases[c].name,
			       median(fps[c], reps), median(ns[c], reps), reps);
	if (lost)
		fprintf(stderr, "vu-bench: %llu frames did not arrive\n", (unsigned long long)lost);
	return lost ? 1 : 0;
}
