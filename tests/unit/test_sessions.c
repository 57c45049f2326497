/* SPDX-License-Identifier: MIT */
/*
 * test_sessions.c: one engine, one transport, many sessions. Two engines
 * joined by the in-memory transport pair, each with SESSIONS sessions whose
 * vNICs are the TAP backend (vnic/tap.c) on SOCK_SEQPACKET socket pairs, the
 * guest at the other end. Both engines run in one pw_loop in a thread; the
 * test is the guests.
 *
 *  - frames go to their own session's vNIC, in order, both ways, however
 *    the guests interleave them;
 *  - a vNIC that is full (its guest does not read) holds the frames behind
 *    it until it has room when it is the only one: nothing is lost; among
 *    several, what it cannot take is counted as refused and the others do
 *    not wait for it;
 *  - a vNIC that fails for good is no longer read and its frames are
 *    counted as refused; the engine and the other sessions go on;
 *  - a session removed (its vNIC closed at once) costs the others nothing;
 *    what still arrives for it is rx_bad_session.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/virtio_net.h>
#include <cmocka.h>

#include "dp/engine.h"
#include "vnic/tap.h"

enum { SESSIONS = 3, BURST = 32, MTU = 1500, FRAME = 64, VH = sizeof(struct virtio_net_hdr) };

struct side {
	unsigned n;   /* sessions */
	unsigned cap; /* the engine's capacity (0: n) */
	struct pw_session sessions[SESSIONS];
	struct pw_tunnel tunnel;
	struct pw_tunnel_slot slots[8];
	struct pw_vnic *vnics[SESSIONS];
	int guest[SESSIONS]; /* the guests' ends */
	struct pw_xport *x;
	struct pw_engine *e;
	uint32_t failed_port;
	int failed_err;
};

static struct side A, B;
static struct pw_loop *loop;
static pthread_t thread;

static void *run(void *arg)
{
	(void)arg;
	pw_loop_run(loop);
	return NULL;
}

static void on_error(void *ctx, uint32_t port, int err)
{
	struct side *s = ctx;

	__atomic_store_n(&s->failed_port, port, __ATOMIC_RELAXED);
	__atomic_store_n(&s->failed_err, err, __ATOMIC_RELEASE);
}

/* Session i of s: its vNIC (a TAP on a socket pair; the least buffer the
 * kernel allows when i is small_buf) and its guest's end. */
static void session_setup(struct side *s, unsigned i, uint32_t base, uint32_t peer_base,
			  unsigned small_buf)
{
	struct pw_session_cfg c = { .encap = PW_ENCAP_UDP, .session_id = base + i,
				    .peer_session_id = peer_base + i, .l2spec = PW_L2SPEC_DEFAULT };
	int sv[2], one = 0;

	pw_session_init(&s->sessions[i], &c);
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv),
			 0);
	/* the least the kernel allows: a few frames fill it */
	if (i == small_buf)
		assert_int_equal(setsockopt(sv[0], SOL_SOCKET, SO_SNDBUFFORCE, &one, sizeof(one)),
				 0);
	s->vnics[i] = pw_tap_wrap(sv[0], MTU, false);
	assert_non_null(s->vnics[i]);
	s->guest[i] = sv[1];
}

/* A's session i has id 10 + i and sends to B's 20 + i, and back. */
static void side_open_n(struct side *s, uint32_t base, uint32_t peer_base, unsigned small_buf,
			unsigned n)
{
	s->n = n;
	s->cap = 0;
	s->tunnel = (struct pw_tunnel){ .encap = PW_ENCAP_UDP, .sessions = s->sessions,
					.n_sessions = n };
	for (unsigned i = 0; i < n; i++)
		session_setup(s, i, base, peer_base, small_buf);
	assert_true(pw_tunnel_index(&s->tunnel, s->slots, sizeof(s->slots) / sizeof(s->slots[0])));
	s->failed_port = PW_ENGINE_ALL;
	s->failed_err = 0;
}

static void side_open(struct side *s, uint32_t base, uint32_t peer_base, unsigned small_buf)
{
	side_open_n(s, base, peer_base, small_buf, SESSIONS);
}

static void start(struct pw_vnic *fail_vnic)
{
	struct pw_watcher w;

	assert_int_equal(pw_loop_open_pair(BURST, 2048, &A.tunnel.stats, &B.tunnel.stats, &A.x,
					   &B.x),
			 0);
	if (fail_vnic) { /* B's session 1 gets a vNIC that fails */
		pw_vnic_close(B.vnics[1]);
		B.vnics[1] = fail_vnic;
	}
	for (struct side *s = &A; s; s = s == &A ? &B : NULL) {
		struct pw_engine_cfg ec = { .xport = s->x, .tunnel = &s->tunnel, .vnics = s->vnics,
					    .burst = BURST, .capacity = s->cap,
					    .on_error = on_error, .ctx = s };

		s->e = pw_engine_new(&ec);
		assert_non_null(s->e);
	}
	loop = pw_loop_new();
	assert_non_null(loop);
	w = pw_loop_watcher(loop);
	assert_int_equal(pw_engine_attach(A.e, &w), 0);
	assert_int_equal(pw_engine_attach(B.e, &w), 0);
	assert_int_equal(pthread_create(&thread, NULL, run, NULL), 0);
}

static void stop(void)
{
	pw_loop_stop(loop);
	pthread_join(thread, NULL);
	for (struct side *s = &A; s; s = s == &A ? &B : NULL) {
		pw_engine_free(s->e);
		for (unsigned i = 0; i < s->n; i++) {
			pw_vnic_close(s->vnics[i]); /* NULL once removed */
			close(s->guest[i]);
		}
		pw_xport_close(s->x);
	}
	pw_loop_free(loop);
}

/* A frame naming its session and number. */
static void frame(uint8_t *f, unsigned session, uint32_t seq)
{
	memset(f, 0, VH + FRAME);
	f += VH;
	memcpy(f, "\x02\0\0\0\0\x01\x02\0\0\0\0\x02\x88\xb5", 14);
	f[14] = (uint8_t)session;
	memcpy(f + 15, &seq, sizeof(seq));
}

/* Send a frame; false when the guest's socket is full. */
static bool guest_try_send(int fd, unsigned session, uint32_t seq)
{
	uint8_t f[VH + FRAME];
	ssize_t r;

	frame(f, session, seq);
	r = send(fd, f, sizeof(f), 0);
	if (r < 0 && errno == EAGAIN)
		return false;
	assert_int_equal(r, (ssize_t)sizeof(f));
	return true;
}

/* Send a frame, waiting (up to 2 s) while the vNIC's side is behind. */
static void guest_send(int fd, unsigned session, uint32_t seq)
{
	struct pollfd p = { .fd = fd, .events = POLLOUT };

	while (!guest_try_send(fd, session, seq))
		if (poll(&p, 1, 2000) != 1)
			fail_msg("session %u: frame %u could not be sent for 2 s", session, seq);
}

/* The next frame at guest fd (waiting up to 2 s) is session's seq-th. */
static void guest_expect(int fd, unsigned session, uint32_t seq)
{
	uint8_t want[VH + FRAME], got[VH + FRAME + 1];
	struct pollfd p = { .fd = fd, .events = POLLIN };
	ssize_t r;

	frame(want, session, seq);
	if (poll(&p, 1, 2000) != 1)
		fail_msg("session %u: frame %u did not arrive", session, seq);
	r = recv(fd, got, sizeof(got), 0);
	assert_int_equal(r, (ssize_t)sizeof(want));
	if (memcmp(got + VH, want + VH, FRAME)) {
		uint32_t s;

		memcpy(&s, got + VH + 15, sizeof(s));
		fail_msg("session %u expected frame %u, got session %u frame %u", session, seq,
			 got[VH + 14], s);
	}
}

static void guest_nothing(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	assert_int_equal(poll(&p, 1, 50), 0);
}

/* Interleaved: frame k goes to session k * 7 % SESSIONS ... */
static void test_frames_go_to_their_own_session(void **state)
{
	enum { FRAMES = 300 };
	uint32_t sent[SESSIONS] = { 0 }, got[SESSIONS] = { 0 };

	(void)state;
	side_open(&A, 10, 20, SESSIONS);
	side_open(&B, 20, 10, SESSIONS);
	start(NULL);
	for (struct side *from = &A; from; from = from == &A ? &B : NULL) {
		struct side *to = from == &A ? &B : &A;

		memset(sent, 0, sizeof(sent));
		memset(got, 0, sizeof(got));
		for (unsigned k = 0; k < FRAMES; k++) {
			unsigned i = (k * 7 + k / 5) % SESSIONS;

			guest_send(from->guest[i], i, sent[i]++);
		}
		for (unsigned i = 0; i < SESSIONS; i++) {
			while (got[i] < sent[i])
				guest_expect(to->guest[i], i, got[i]++);
			guest_nothing(to->guest[i]);
		}
		for (unsigned i = 0; i < SESSIONS; i++) {
			assert_int_equal(from->sessions[i].stats.tx_packets, sent[i]);
			assert_int_equal(to->sessions[i].stats.rx_packets, sent[i]);
			assert_int_equal(to->vnics[i]->stats.tx_errors, 0);
		}
	}
	assert_int_equal(A.failed_err, 0);
	assert_int_equal(B.failed_err, 0);
	stop();
}

/* A frame from A's guest, then a TSO super-frame of BURST segments, both
 * read in one burst: the segments do not fit what is left of it, so the
 * TAP holds the super-frame for the next burst (tap.c), and the engine
 * must read on (pending()) with nothing more arriving. B's TAP joins the
 * segments back into one super-frame for its guest. */
static void test_a_held_super_frame_goes_on_alone(void **state)
{
	enum { MSS = 1000, HDRS = 14 + 20 + 20, PAY = BURST * MSS, LEN = HDRS + PAY };
	static uint8_t f[VH + LEN], got[VH + LEN + 1];
	struct virtio_net_hdr *vh = (struct virtio_net_hdr *)f;
	struct pollfd p = { .fd = -1, .events = POLLIN };
	uint8_t *e = f + VH;
	uint32_t sum;

	(void)state;
	side_open(&A, 10, 20, SESSIONS);
	side_open(&B, 20, 10, SESSIONS);
	guest_send(A.guest[0], 0, 0);
	*vh = (struct virtio_net_hdr){ .flags = VIRTIO_NET_HDR_F_NEEDS_CSUM,
				       .gso_type = VIRTIO_NET_HDR_GSO_TCPV4, .hdr_len = HDRS,
				       .gso_size = MSS, .csum_start = 34, .csum_offset = 16 };
	memcpy(e, "\x02\0\0\0\0\x01\x02\0\0\0\0\x02\x08\0", 14);
	e[14] = 0x45;
	e[16] = (uint8_t)((LEN - 14) >> 8), e[17] = (uint8_t)(LEN - 14);
	e[22] = 64, e[23] = 6;
	memcpy(e + 26, "\x0a\0\0\x01\x0a\0\0\x02", 8);
	e[34 + 12] = 5 << 4, e[34 + 13] = 0x10;
	/* NEEDS_CSUM: the field holds the pseudo-header's folded sum */
	sum = 0x0a00 + 0x0001 + 0x0a00 + 0x0002 + 6 + (LEN - 34);
	sum = (sum & 0xffff) + (sum >> 16);
	e[34 + 16] = (uint8_t)(sum >> 8), e[34 + 17] = (uint8_t)sum;
	for (uint32_t i = 0; i < PAY; i++)
		e[HDRS + i] = (uint8_t)(i * 7);
	assert_int_equal(send(A.guest[0], f, sizeof(f), 0), (ssize_t)sizeof(f));
	start(NULL);
	guest_expect(B.guest[0], 0, 0);
	/* B's bursts of BURST datagrams hold the frame and BURST segments:
	 * it joins them as they come, in one frame or two. */
	p.fd = B.guest[0];
	for (uint32_t at = 0, frames = 0; at < PAY;) {
		ssize_t r;

		assert_true(++frames <= 2);
		if (poll(&p, 1, 2000) != 1)
			fail_msg("the super-frame held for the next burst: %u of %u bytes came",
				 at, (unsigned)PAY);
		r = recv(B.guest[0], got, sizeof(got), 0);
		assert_true(r > VH + HDRS && at + (uint32_t)(r - VH - HDRS) <= PAY);
		assert_memory_equal(got + VH + HDRS, e + HDRS + at, (size_t)r - VH - HDRS);
		at += (uint32_t)(r - VH - HDRS);
	}
	guest_nothing(B.guest[0]);
	assert_int_equal(A.sessions[0].stats.tx_packets, 1 + BURST);
	stop();
}

/* One session a side, B's vNIC with a send buffer of a few frames, the
 * engines running, and as many of `frames` sent from A's guest as its socket
 * takes now; returns how many. */
static uint32_t open_one_to_a_full_vnic(uint32_t frames)
{
	uint32_t sent = 0;

	side_open_n(&A, 10, 20, 1, 1);
	side_open_n(&B, 20, 10, 0, 1);
	start(NULL);
	while (sent < frames && guest_try_send(A.guest[0], 0, sent))
		sent++;
	return sent;
}

/* One session: its full vNIC holds the burst, then A's side backs up to
 * its guest; once B's guest reads, everything arrives: nothing is lost. */
static void test_a_full_vnic_alone_holds_nothing_lost(void **state)
{
	enum { FRAMES = 400 };
	uint32_t sent, got = 0;

	(void)state;
	sent = open_one_to_a_full_vnic(FRAMES);
	usleep(100 * 1000); /* B's guest does not read: its vNIC fills */
	assert_true(sent > 20);
	while (got < FRAMES) {
		while (sent < FRAMES && guest_try_send(A.guest[0], 0, sent))
			sent++;
		guest_expect(B.guest[0], 0, got++);
	}
	guest_nothing(B.guest[0]);
	assert_int_equal(B.sessions[0].stats.rx_packets, FRAMES);
	assert_int_equal(B.vnics[0]->stats.tx_errors, 0);
	stop();
}

/* Several: B's session 1 never reads; 0 and 2 lose nothing, and 1's frames
 * are delivered or counted as refused. */
static void test_a_full_vnic_among_several_stalls_no_other(void **state)
{
	enum { FRAMES = 600 };
	uint32_t sent[SESSIONS] = { 0 }, got = 0;

	(void)state;
	side_open(&A, 10, 20, SESSIONS);
	side_open(&B, 20, 10, 1); /* B's session 1: a send buffer of a few frames */
	start(NULL);
	for (unsigned k = 0; k < FRAMES; k++) {
		unsigned i = k % SESSIONS;

		guest_send(A.guest[i], i, sent[i]++);
	}
	for (uint32_t k = 0; k < sent[0]; k++) {
		guest_expect(B.guest[0], 0, k);
		guest_expect(B.guest[2], 2, k);
	}
	guest_nothing(B.guest[0]);
	guest_nothing(B.guest[2]);
	for (struct pollfd p = { .fd = B.guest[1], .events = POLLIN }; poll(&p, 1, 50) == 1;) {
		uint8_t f[VH + FRAME];

		assert_int_equal(recv(B.guest[1], f, sizeof(f), 0), (ssize_t)sizeof(f));
		got++;
	}
	assert_true(got < sent[1]); /* it was full */
	assert_int_equal(got + B.vnics[1]->stats.tx_errors, sent[1]);
	assert_int_equal(B.vnics[0]->stats.tx_errors + B.vnics[2]->stats.tx_errors, 0);
	for (unsigned i = 0; i < SESSIONS; i++)
		assert_int_equal(B.sessions[i].stats.rx_packets, sent[i]);
	stop();
}

/* A vNIC whose guest went away: every read fails. */
struct broken {
	struct pw_vnic v;
	int fd;
};

static int broken_rx(struct pw_vnic *v, struct pw_pkt **pkts, unsigned n)
{
	(void)v;
	(void)pkts;
	(void)n;
	return -EIO;
}

static int broken_tx(struct pw_vnic *v, struct pw_pkt *const *pkts, unsigned n)
{
	(void)v;
	(void)pkts;
	(void)n;
	fail_msg("a failed vNIC was written to");
	return 0;
}

static int broken_fd(const struct pw_vnic *v)
{
	return ((const struct broken *)v)->fd;
}

static void broken_close(struct pw_vnic *v)
{
	close(((struct broken *)v)->fd);
	free(v);
}

static const struct pw_vnic_ops broken_ops = {
	.name = "broken",
	.rx_burst = broken_rx,
	.tx_burst = broken_tx,
	.fd = broken_fd,
	.close = broken_close,
};

static void test_a_failed_vnic_stops_only_its_session(void **state)
{
	struct broken *b = calloc(1, sizeof(*b));

	(void)state;
	assert_non_null(b);
	b->v = (struct pw_vnic){ .ops = &broken_ops, .frame_max = pw_frame_max(MTU) };
	b->fd = eventfd(1, EFD_NONBLOCK | EFD_CLOEXEC); /* readable: read it, and fail */
	assert_true(b->fd >= 0);
	side_open(&A, 10, 20, SESSIONS);
	side_open(&B, 20, 10, SESSIONS);
	start(&b->v);
	for (int ms = 0; ms < 2000 && !__atomic_load_n(&B.failed_err, __ATOMIC_ACQUIRE); ms++)
		usleep(1000);
	assert_int_equal(B.failed_port, 1);
	assert_int_equal(B.failed_err, -EIO);
	assert_int_equal(pw_engine_port_error(B.e, 1), -EIO);
	assert_int_equal(pw_engine_error(B.e), 0);
	for (uint32_t k = 0; k < 10; k++)
		for (unsigned i = 0; i < SESSIONS; i++)
			guest_send(A.guest[i], i, k);
	for (uint32_t k = 0; k < 10; k++) {
		guest_expect(B.guest[0], 0, k);
		guest_expect(B.guest[2], 2, k);
	}
	guest_send(B.guest[2], 2, 99);
	guest_expect(A.guest[2], 2, 99);
	assert_int_equal(B.sessions[1].stats.rx_packets, 10);
	assert_int_equal(B.vnics[1]->stats.tx_errors, 10);
	stop();
}

static void test_a_removed_session_costs_the_others_nothing(void **state)
{
	(void)state;
	side_open(&A, 10, 20, SESSIONS);
	side_open(&B, 20, 10, SESSIONS);
	start(NULL);
	for (uint32_t k = 0; k < 5; k++)
		for (unsigned i = 0; i < SESSIONS; i++)
			guest_send(A.guest[i], i, k);
	/* Removed from the loop's thread: here, with the loop stopped. */
	pw_loop_stop(loop);
	pthread_join(thread, NULL);
	pw_engine_remove(B.e, 1);
	assert_true(pw_tunnel_unindex(&B.tunnel, 21));
	pw_vnic_close(B.vnics[1]);
	B.vnics[1] = NULL;
	assert_int_equal(pw_engine_port_error(B.e, 1), -ENODEV);
	assert_int_equal(pthread_create(&thread, NULL, run, NULL), 0);
	for (uint32_t k = 5; k < 10; k++)
		for (unsigned i = 0; i < SESSIONS; i++)
			guest_send(A.guest[i], i, k);
	for (uint32_t k = 0; k < 10; k++) {
		guest_expect(B.guest[0], 0, k);
		guest_expect(B.guest[2], 2, k);
	}
	guest_send(B.guest[0], 0, 77);
	guest_expect(A.guest[0], 0, 77);
	/* Session 1's ten frames: delivered before, rx_bad_session after
	 * (none was waiting in between: its guest's socket had room). */
	for (int ms = 0; ms < 2000; ms++) {
		if (__atomic_load_n(&B.sessions[1].stats.rx_packets, __ATOMIC_RELAXED) +
			    __atomic_load_n(&B.tunnel.stats.rx_bad_session, __ATOMIC_RELAXED) ==
		    10)
			break;
		usleep(1000);
	}
	assert_int_equal(B.sessions[1].stats.rx_packets + B.tunnel.stats.rx_bad_session, 10);
	assert_true(B.tunnel.stats.rx_bad_session >= 5);
	assert_int_equal(B.failed_err, 0);
	assert_int_equal(pw_engine_error(B.e), 0);
	stop();
}

/* One session whose full vNIC holds a burst, removed: the frames held for
 * it are rx_bad_session (counted once, never handed to the closed vNIC), and
 * its port is free again at once. */
static void test_frames_held_for_a_removed_session(void **state)
{
	enum { FRAMES = 200 };
	uint32_t delivered = 0;
	uint8_t f[VH + FRAME + 1];

	(void)state;
	assert_true(open_one_to_a_full_vnic(FRAMES) > 20);
	/* B's guest does not read: its vNIC fills, then the engine holds
	 * (its session's count stands still for 100 ms). */
	for (uint64_t was = UINT64_MAX, ms = 0; ms < 2000; ms += 100) {
		uint64_t now = __atomic_load_n(&B.sessions[0].stats.rx_packets, __ATOMIC_RELAXED);

		if (now == was)
			break;
		was = now;
		usleep(100 * 1000);
	}
	pw_loop_stop(loop);
	pthread_join(thread, NULL);
	while (recv(B.guest[0], f, sizeof(f), MSG_DONTWAIT) == VH + FRAME)
		delivered++;
	assert_true(delivered > 0);
	assert_true(B.sessions[0].stats.rx_packets > delivered); /* some held */
	assert_int_equal(B.tunnel.stats.rx_bad_session, 0);
	assert_false(pw_engine_reusable(B.e, 0));
	pw_engine_remove(B.e, 0);
	assert_true(pw_tunnel_unindex(&B.tunnel, 20));
	assert_true(pw_engine_reusable(B.e, 0));
	pw_vnic_close(B.vnics[0]);
	B.vnics[0] = NULL;
	assert_int_equal(B.tunnel.stats.rx_bad_session,
			 B.sessions[0].stats.rx_packets - delivered);
	assert_int_equal(B.failed_err, 0);
	assert_int_equal(pthread_create(&thread, NULL, run, NULL), 0);
	stop();
}

/* A session added to a running engine (pw_tunnel_add, pw_engine_add: what
 * pwired's reload does when a section joins a running socket): unknown
 * before (rx_bad_session), carried both ways after, the others untouched;
 * past the capacity, ENOSPC. */
static void test_a_session_added_to_a_running_engine(void **state)
{
	(void)state;
	side_open(&A, 10, 20, SESSIONS);
	side_open_n(&B, 20, 10, SESSIONS, 2);
	B.cap = SESSIONS;
	start(NULL);
	guest_send(A.guest[2], 2, 0);
	for (int ms = 0; ms < 2000 && !__atomic_load_n(&B.tunnel.stats.rx_bad_session,
						       __ATOMIC_RELAXED);
	     ms++)
		usleep(1000);
	assert_int_equal(B.tunnel.stats.rx_bad_session, 1);
	/* Added from the loop's thread: here, with the loop stopped. */
	pw_loop_stop(loop);
	pthread_join(thread, NULL);
	session_setup(&B, 2, 20, 10, SESSIONS);
	B.n = 3;
	assert_true(pw_tunnel_add(&B.tunnel, 2));
	assert_int_equal(pw_engine_add(B.e, 2), 0);
	assert_int_equal(pw_engine_add(B.e, 3), -ENOSPC);
	assert_int_equal(pw_engine_add(B.e, 0), -EBUSY); /* in use */
	assert_int_equal(pthread_create(&thread, NULL, run, NULL), 0);
	for (uint32_t k = 1; k < 6; k++)
		guest_send(A.guest[2], 2, k);
	for (uint32_t k = 1; k < 6; k++)
		guest_expect(B.guest[2], 2, k);
	guest_send(B.guest[2], 2, 99);
	guest_expect(A.guest[2], 2, 99);
	guest_send(A.guest[0], 0, 7);
	guest_expect(B.guest[0], 0, 7);
	assert_int_equal(B.tunnel.stats.rx_bad_session, 1);
	assert_int_equal(pw_engine_error(B.e), 0);
	stop();
}

/* A removed session's port taken again by a newcomer (what a share does
 * when a member left: pwire del, then add): its frames reach the new vNIC,
 * the others go on. */
static void test_a_removed_port_is_taken_again(void **state)
{
	(void)state;
	side_open(&A, 10, 20, SESSIONS);
	side_open(&B, 20, 10, SESSIONS);
	start(NULL);
	guest_send(A.guest[1], 1, 0);
	guest_expect(B.guest[1], 1, 0);
	pw_loop_stop(loop);
	pthread_join(thread, NULL);
	pw_engine_remove(B.e, 1);
	assert_true(pw_tunnel_unindex(&B.tunnel, 21));
	pw_vnic_close(B.vnics[1]);
	close(B.guest[1]);
	assert_true(pw_engine_reusable(B.e, 1));
	session_setup(&B, 1, 20, 10, SESSIONS); /* id 21 again, a new vNIC */
	assert_true(pw_tunnel_add(&B.tunnel, 1));
	assert_int_equal(B.tunnel.n_sessions, SESSIONS);
	assert_int_equal(pw_engine_add(B.e, 1), 0);
	assert_false(pw_engine_reusable(B.e, 1));
	assert_int_equal(pthread_create(&thread, NULL, run, NULL), 0);
	for (uint32_t k = 1; k < 4; k++)
		guest_send(A.guest[1], 1, k);
	for (uint32_t k = 1; k < 4; k++)
		guest_expect(B.guest[1], 1, k);
	guest_send(B.guest[1], 1, 9);
	guest_expect(A.guest[1], 1, 9);
	guest_send(A.guest[2], 2, 5);
	guest_expect(B.guest[2], 2, 5);
	assert_int_equal(pw_engine_port_error(B.e, 1), 0);
	stop();
}

/* pw_tunnel_add: a taken id, or an index that would be over half full, is
 * refused with the tunnel unchanged. */
static void test_tunnel_add_refusals(void **state)
{
	struct pw_session sessions[5];
	struct pw_tunnel_slot slots[8];
	struct pw_tunnel t = { .encap = PW_ENCAP_UDP, .sessions = sessions, .n_sessions = 2 };
	(void)state;
	for (unsigned i = 0; i < 5; i++) {
		struct pw_session_cfg c = { .encap = PW_ENCAP_UDP, .session_id = i + 1 };

		pw_session_init(&sessions[i], &c);
	}
	assert_true(pw_tunnel_index(&t, slots, 8));
	sessions[2].cfg.session_id = 2; /* taken */
	assert_false(pw_tunnel_add(&t, 2));
	assert_int_equal(t.n_sessions, 2);
	sessions[2].cfg.session_id = 3;
	assert_false(pw_tunnel_add(&t, 3)); /* past n_sessions */
	assert_true(pw_tunnel_add(&t, 2));
	assert_true(pw_tunnel_add(&t, 3)); /* id 4: 4 of 8 slots */
	assert_false(pw_tunnel_add(&t, 4)); /* id 5 would make 5 of 8 */
	assert_int_equal(t.n_sessions, 4);
	for (uint32_t id = 1; id <= 4; id++)
		assert_ptr_equal(pw_tunnel_lookup(&t, id), &sessions[id - 1]);
	assert_null(pw_tunnel_lookup(&t, 5));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_frames_go_to_their_own_session),
		cmocka_unit_test(test_a_held_super_frame_goes_on_alone),
		cmocka_unit_test(test_a_full_vnic_alone_holds_nothing_lost),
		cmocka_unit_test(test_a_full_vnic_among_several_stalls_no_other),
		cmocka_unit_test(test_a_failed_vnic_stops_only_its_session),
		cmocka_unit_test(test_a_removed_session_costs_the_others_nothing),
		cmocka_unit_test(test_a_session_added_to_a_running_engine),
		cmocka_unit_test(test_a_removed_port_is_taken_again),
		cmocka_unit_test(test_frames_held_for_a_removed_session),
		cmocka_unit_test(test_tunnel_add_refusals),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
