/* SPDX-License-Identifier: MIT */
/*
 * test_engine.c: the burst loop never starves the loop it runs in. A
 * transport (or a vNIC) that always has a full burst waiting, here of
 * datagrams the gate drops, must not keep the pw_loop that drives the engine
 * from seeing a stop request: pw_loop_run() returns within 100 ms of the
 * request, and the flood was really pumped.
 *
 * And what the bound leaves behind is not forgotten: a transport that holds
 * datagrams in user space (as UDP GRO's split does) while its fd reports
 * nothing more is drained all the same; so is what a real GRO socket holds
 * after a burst shorter than asked (the impairment wrapper asks for half);
 * and so is what a vNIC holds after a short burst (as the TAP holds a
 * super-frame for the next), at once and after the transport was full.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "dp/engine.h"
#include "xport/impair.h"

/* PW_ROUNDS_MAX_TEST: the engine's bound on bursts per call (engine.c). */
enum { BURST = 64, MTU = 1500, STOP_WITHIN_MS = 100, PW_ROUNDS_MAX_TEST = 64 };

/* An fd that is always readable: an eventfd written once, never read. */
static int ready_fd(void)
{
	int fd = eventfd(1, EFD_CLOEXEC | EFD_NONBLOCK);

	assert_true(fd >= 0);
	return fd;
}

/* Every packet a 3-byte datagram (rx_short at the gate) or a 3-byte frame
 * (dropped as rx_short by the vNIC contract, here simply short). */
static unsigned fill(struct pw_pkt **pkts, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		pkts[i]->data = pkts[i]->buf;
		pkts[i]->len = 3;
		pkts[i]->truncated = false;
		memset(pkts[i]->buf, 0xee, 3);
	}
	return n;
}

struct flood_xport {
	struct pw_xport x;
	int fd;
	uint64_t bursts;
};

static int fx_rx(struct pw_xport *x, struct pw_pkt **pkts, unsigned n)
{
	((struct flood_xport *)x)->bursts++;
	return (int)fill(pkts, n);
}

static int fx_tx(struct pw_xport *x, struct pw_pkt *const *pkts, unsigned n)
{
	(void)x;
	(void)pkts;
	return (int)n;
}

static int fx_fd(const struct pw_xport *x)
{
	return ((const struct flood_xport *)x)->fd;
}

static void fx_close(struct pw_xport *x)
{
	(void)x;
}

static const struct pw_xport_ops flood_xport_ops = {
	.name = "flood",
	.rx_burst = fx_rx,
	.tx_burst = fx_tx,
	.fd = fx_fd,
	.close = fx_close,
};

/* A vNIC whose guest never stops sending. */
struct flood_vnic {
	struct pw_vnic v;
	int fd;
	uint64_t bursts;
};

static int fv_rx(struct pw_vnic *v, struct pw_pkt **pkts, unsigned n)
{
	((struct flood_vnic *)v)->bursts++;
	return (int)fill(pkts, n);
}

static int fv_tx(struct pw_vnic *v, struct pw_pkt *const *pkts, unsigned n)
{
	(void)v;
	(void)pkts;
	return (int)n;
}

static int fv_fd(const struct pw_vnic *v)
{
	return ((const struct flood_vnic *)v)->fd;
}

static void fv_close(struct pw_vnic *v)
{
	(void)v;
}

static const struct pw_vnic_ops flood_vnic_ops = {
	.name = "flood",
	.rx_burst = fv_rx,
	.tx_burst = fv_tx,
	.fd = fv_fd,
	.close = fv_close,
};

struct run {
	struct pw_loop *loop;
	int err;
	bool done;
	pthread_mutex_t lock;
	pthread_cond_t cond;
};

static void *runner(void *arg)
{
	struct run *r = arg;
	int err = pw_loop_run(r->loop);

	pthread_mutex_lock(&r->lock);
	r->err = err;
	r->done = true;
	pthread_cond_signal(&r->cond);
	pthread_mutex_unlock(&r->lock);
	return NULL;
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Run the engine in a pw_loop on a flood for 50 ms, ask the loop to stop,
 * and time the answer. */
static void stop_under_flood(struct pw_vnic *v, struct pw_xport *x, const uint64_t *bursts)
{
	struct pw_session_cfg sc = { .encap = PW_ENCAP_UDP, .session_id = 1,
				     .peer_session_id = 2, .l2spec = PW_L2SPEC_DEFAULT };
	struct pw_session s;
	struct pw_tunnel t = { .encap = PW_ENCAP_UDP, .sessions = &s, .n_sessions = 1 };
	struct run r = { .lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER };
	struct pw_watcher w;
	struct pw_engine *e;
	struct timespec deadline;
	pthread_t th;
	uint64_t asked, answered;
	int rc = 0;

	pw_session_init(&s, &sc);
	x->stats = &t.stats;
	struct pw_engine_cfg ec = { .vnics = &v, .xport = x, .tunnel = &t, .burst = BURST };
	e = pw_engine_new(&ec);
	assert_non_null(e);
	r.loop = pw_loop_new();
	assert_non_null(r.loop);
	w = pw_loop_watcher(r.loop);
	assert_int_equal(pw_engine_attach(e, &w), 0);
	assert_int_equal(pthread_create(&th, NULL, runner, &r), 0);
	usleep(50 * 1000);
	asked = now_ms();
	pw_loop_stop(r.loop);
	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += 2;
	pthread_mutex_lock(&r.lock);
	while (!r.done && rc != ETIMEDOUT)
		rc = pthread_cond_timedwait(&r.cond, &r.lock, &deadline);
	pthread_mutex_unlock(&r.lock);
	answered = now_ms();
	/* A loop that never returns stays behind, spinning, until exit. */
	if (!r.done)
		fail_msg("the loop ignored its stop request for 2 s under a flood");
	pthread_join(th, NULL);
	assert_int_equal(r.err, 0);
	assert_int_equal(pw_engine_error(e), 0);
	print_message("stop honoured after %llu ms, %llu bursts pumped\n",
		      (unsigned long long)(answered - asked), (unsigned long long)*bursts);
	assert_true(answered - asked < STOP_WITHIN_MS);
	assert_true(*bursts > 1); /* the flood was really served */
	pw_engine_free(e);
	pw_loop_free(r.loop);
}

static void test_stop_under_transport_flood(void **state)
{
	struct flood_xport fx = { .x = { .ops = &flood_xport_ops }, .fd = ready_fd() };
	struct pw_vnic *v = pw_null_open(MTU);

	(void)state;
	assert_non_null(v);
	stop_under_flood(v, &fx.x, &fx.bursts);
	pw_vnic_close(v);
	close(fx.fd);
}

static void test_stop_under_vnic_flood(void **state)
{
	struct flood_vnic fv = { .v = { .ops = &flood_vnic_ops, .frame_max = pw_frame_max(MTU) },
				 .fd = ready_fd() };
	struct flood_xport quiet = { .x = { .ops = &flood_xport_ops }, .fd = eventfd(0, EFD_CLOEXEC) };

	(void)state;
	stop_under_flood(&fv.v, &quiet.x, &fv.bursts);
	close(fv.fd);
	close(quiet.fd);
}

/* A transport holding HELD valid datagrams in memory: its fd is readable
 * until the first read, then never again (as a socket whose kernel queue a
 * UDP GRO read emptied into user space). */
enum { HELD = PW_ROUNDS_MAX_TEST * BURST + BURST / 2 };

struct held_xport {
	struct pw_xport x;
	int fd;
	unsigned left;
};

static int hx_rx(struct pw_xport *x, struct pw_pkt **pkts, unsigned n)
{
	struct held_xport *h = (struct held_xport *)x;
	uint64_t v;
	unsigned k = n < h->left ? n : h->left;

	if (read(h->fd, &v, sizeof(v)) < 0) {
		/* already read: the "kernel queue" is empty */
	}
	for (unsigned i = 0; i < k; i++) {
		uint8_t *d = pkts[i]->buf;

		memset(d, 0, 12 + 60);
		d[1] = 3;  /* L2TPv3 over UDP: version 3 */
		d[7] = 1;  /* session id 1 */
		pkts[i]->data = d;
		pkts[i]->len = 12 + 60; /* word, id, default sublayer, frame */
		pkts[i]->truncated = false;
		memset(&pkts[i]->peer, 0, sizeof(pkts[i]->peer));
	}
	h->left -= k;
	return (int)k;
}

static int hx_fd(const struct pw_xport *x)
{
	return ((const struct held_xport *)x)->fd;
}

static const struct pw_xport_ops held_xport_ops = {
	.name = "held",
	.rx_burst = hx_rx,
	.tx_burst = fx_tx,
	.fd = hx_fd,
	.close = fx_close,
};

/* An engine of ec run by a pw_loop in a thread of its own; once it runs,
 * msg is sent on fd (none: fd -1), and the loop stops when *count reaches
 * want, or after 2 s. */
static void run_until(const struct pw_engine_cfg *ec, const uint64_t *count, uint64_t want, int fd,
		      const void *msg, size_t len)
{
	struct run r = { .lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER };
	struct pw_engine *e = pw_engine_new(ec);
	struct pw_watcher w;
	pthread_t th;

	assert_non_null(e);
	r.loop = pw_loop_new();
	assert_non_null(r.loop);
	w = pw_loop_watcher(r.loop);
	assert_int_equal(pw_engine_attach(e, &w), 0);
	assert_int_equal(pthread_create(&th, NULL, runner, &r), 0);
	if (fd >= 0)
		assert_int_equal(send(fd, msg, len, 0), (ssize_t)len);
	for (int ms = 0; ms < 2000 && __atomic_load_n(count, __ATOMIC_RELAXED) < want; ms++)
		usleep(1000);
	pw_loop_stop(r.loop);
	pthread_join(th, NULL);
	pw_engine_free(e);
	pw_loop_free(r.loop);
}

static void test_what_the_bound_leaves_is_drained(void **state)
{
	struct held_xport hx = { .x = { .ops = &held_xport_ops }, .fd = ready_fd(), .left = HELD };
	struct pw_session_cfg sc = { .encap = PW_ENCAP_UDP, .session_id = 1,
				     .peer_session_id = 2, .l2spec = PW_L2SPEC_DEFAULT };
	struct pw_vnic *v = pw_null_open(MTU);
	struct pw_session s;
	struct pw_tunnel t = { .encap = PW_ENCAP_UDP, .sessions = &s, .n_sessions = 1 };

	(void)state;
	assert_non_null(v);
	pw_session_init(&s, &sc);
	hx.x.stats = &t.stats;
	struct pw_engine_cfg ec = { .vnics = &v, .xport = &hx.x, .tunnel = &t, .burst = BURST };
	run_until(&ec, &s.stats.rx_packets, HELD, -1, NULL, 0);
	print_message("%llu of %u datagrams held in user space delivered\n",
		      (unsigned long long)s.stats.rx_packets, (unsigned)HELD);
	assert_int_equal(s.stats.rx_packets, HELD);
	pw_vnic_close(v);
	close(hx.fd);
}


/* One UDP GSO message of SEGS datagrams, sent over loopback to a socket with
 * UDP GRO, arrives as one message; the impairment wrapper (impairing
 * nothing) asks the socket for half a burst, so the burst the engine gets is
 * shorter than asked while the rest of the message waits in the socket's
 * buffers, which no fd reports. Every datagram must reach the session all
 * the same (the engine asks the transport, xport pending). */
enum { SEGS = 40, SEG_LEN = 12 + 60 };

static void test_short_burst_with_more_held_is_drained(void **state)
{
	struct sockaddr_in at = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct sockaddr_storage peer;
	socklen_t len = sizeof(at);
	struct pw_session_cfg sc = { .encap = PW_ENCAP_UDP, .session_id = 1,
				     .peer_session_id = 2, .l2spec = PW_L2SPEC_DEFAULT };
	struct pw_xport_cfg xc = { .encap = PW_ENCAP_UDP, .family = AF_INET, .burst = BURST };
	struct pw_impair_cfg ic = { .seed = 1 };
	struct pw_impair_stats is = { 0 };
	struct pw_vnic *v = pw_null_open(MTU);
	struct pw_session s;
	struct pw_tunnel t = { .encap = PW_ENCAP_UDP, .sessions = &s, .n_sessions = 1 };
	uint8_t msg[SEGS * SEG_LEN] = { 0 };
	int seg = SEG_LEN;
	struct pw_xport *x, *inner;
	int tx;

	(void)state;
	assert_non_null(v);
	memcpy(&xc.local, &at, sizeof(at)); /* port 0: the kernel picks one */
	inner = pw_socket_open(&xc, &t.stats);
	assert_non_null(inner);
	x = pw_impair_wrap(inner, &ic, &is);
	assert_non_null(x);
	assert_int_equal(getsockname(inner->ops->fd(inner), (struct sockaddr *)&at, &len), 0);

	tx = socket(AF_INET, SOCK_DGRAM, 0);
	assert_true(tx >= 0);
	assert_int_equal(connect(tx, (struct sockaddr *)&at, sizeof(at)), 0);
	len = sizeof(peer);
	assert_int_equal(getsockname(tx, (struct sockaddr *)&peer, &len), 0);
	pw_session_init(&s, &sc);
	pw_xport_peer(&s.peer, &peer);
	for (unsigned i = 0; i < SEGS; i++) {
		uint8_t *d = msg + i * SEG_LEN;

		d[1] = 3; /* L2TPv3 over UDP: version 3 */
		d[7] = 1; /* session id 1 */
	}
	assert_int_equal(setsockopt(tx, SOL_UDP, UDP_SEGMENT, &seg, sizeof(seg)), 0);

	struct pw_engine_cfg ec = { .vnics = &v, .xport = x, .tunnel = &t, .burst = BURST };
	run_until(&ec, &s.stats.rx_packets, SEGS, tx, msg, sizeof(msg));
	print_message("%llu of %u datagrams of one GRO message delivered\n",
		      (unsigned long long)s.stats.rx_packets, (unsigned)SEGS);
	assert_int_equal(s.stats.rx_packets, SEGS);
	pw_xport_close(x);
	pw_vnic_close(v);
	close(tx);
}

/* A vNIC that reads a frame and then holds more it has read (as the TAP
 * holds a super-frame for the next burst): its fd is readable once, then
 * never again, and pending() says what it holds. */
enum { HELD_FRAMES = 3 * BURST / 2, FRAME_LEN = 60 };

struct holding_vnic {
	struct pw_vnic v;
	int fd;
	unsigned held;
	bool read_first;
};

static int hv_rx(struct pw_vnic *v, struct pw_pkt **pkts, unsigned n)
{
	struct holding_vnic *h = (struct holding_vnic *)v;
	unsigned k;
	uint64_t c;

	if (!h->read_first) {
		if (read(h->fd, &c, sizeof(c)) < 0)
			return 0;
		h->read_first = true;
		h->held = HELD_FRAMES;
		k = 1;
	} else {
		k = n < h->held ? n : h->held;
		h->held -= k;
	}
	for (unsigned i = 0; i < k; i++) {
		memset(pkts[i]->buf, 0x02, FRAME_LEN);
		pkts[i]->data = pkts[i]->buf;
		pkts[i]->len = FRAME_LEN;
	}
	return (int)k;
}

static bool hv_pending(const struct pw_vnic *v)
{
	return ((const struct holding_vnic *)v)->held > 0;
}

static int hv_fd(const struct pw_vnic *v)
{
	return ((const struct holding_vnic *)v)->fd;
}

static const struct pw_vnic_ops holding_vnic_ops = {
	.name = "holding",
	.rx_burst = hv_rx,
	.tx_burst = fv_tx,
	.pending = hv_pending,
	.fd = hv_fd,
	.close = fv_close,
};

/* A transport that refuses its first `full` bursts (its buffer full), then
 * takes everything; always writable (an eventfd). */
struct full_xport {
	struct pw_xport x;
	int fd;
	unsigned full;
	uint64_t sent;
};

static int fu_rx(struct pw_xport *x, struct pw_pkt **pkts, unsigned n)
{
	(void)x;
	(void)pkts;
	(void)n;
	return 0;
}

static int fu_tx(struct pw_xport *x, struct pw_pkt *const *pkts, unsigned n)
{
	struct full_xport *f = (struct full_xport *)x;

	(void)pkts;
	if (f->full) {
		f->full--;
		return 0;
	}
	__atomic_add_fetch(&f->sent, n, __ATOMIC_RELAXED);
	return (int)n;
}

static int fu_fd(const struct pw_xport *x)
{
	return ((const struct full_xport *)x)->fd;
}

static const struct pw_xport_ops full_xport_ops = {
	.name = "full",
	.rx_burst = fu_rx,
	.tx_burst = fu_tx,
	.fd = fu_fd,
	.close = fx_close,
};

/* What a vNIC holds after a short burst is read on, though its fd says
 * nothing more: at once (a short burst is not the last when it is
 * pending), and after the transport was full and the vNIC parked (the
 * engine kicks it when it unparks it). */
static void check_held_frames_go(unsigned full)
{
	struct holding_vnic hv = { .v = { .ops = &holding_vnic_ops, .frame_max = 1522 },
				   .fd = ready_fd() };
	struct full_xport fu = { .x = { .ops = &full_xport_ops }, .fd = ready_fd(), .full = full };
	struct pw_session_cfg sc = { .encap = PW_ENCAP_UDP, .session_id = 1,
				     .peer_session_id = 2, .l2spec = PW_L2SPEC_DEFAULT };
	struct pw_vnic *v = &hv.v;
	struct pw_session s;
	struct pw_tunnel t = { .encap = PW_ENCAP_UDP, .sessions = &s, .n_sessions = 1 };

	pw_session_init(&s, &sc);
	fu.x.stats = &t.stats;
	struct pw_engine_cfg ec = { .vnics = &v, .xport = &fu.x, .tunnel = &t, .burst = BURST };
	run_until(&ec, &fu.sent, 1 + HELD_FRAMES, -1, NULL, 0);
	assert_int_equal(fu.full, 0);
	assert_int_equal(fu.sent, 1 + HELD_FRAMES);
	close(hv.fd);
	close(fu.fd);
}

static void test_frames_a_vnic_holds_are_read_on(void **state)
{
	(void)state;
	check_held_frames_go(0);
	check_held_frames_go(1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stop_under_transport_flood),
		cmocka_unit_test(test_stop_under_vnic_flood),
		cmocka_unit_test(test_what_the_bound_leaves_is_drained),
		cmocka_unit_test(test_short_burst_with_more_held_is_drained),
		cmocka_unit_test(test_frames_a_vnic_holds_are_read_on),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
