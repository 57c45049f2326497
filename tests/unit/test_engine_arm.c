/* SPDX-License-Identifier: MIT */
/*
 * test_engine_arm.c: a vNIC whose fd is an epoll set of its own (vnic.h
 * arm; vhost-user's queue pairs, docs/vhost-user.md section 3). The fake
 * here has a "kick" eventfd (frames wait) and a "room" eventfd (the guest
 * gave buffers) inside its set, armed as the engine asks. The engine must
 * read it when the kick fires, retry what waits down when room comes, and
 * disarm it while parked, so that a kick left readable never spins the
 * loop.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "dp/engine.h"

enum { BURST = 64, MTU = 1500, WAIT_MS = 2000, DGRAM_LEN = 12 + 60 };

static uint64_t load(const uint64_t *v)
{
	return __atomic_load_n(v, __ATOMIC_ACQUIRE);
}

static void store(uint64_t *v, uint64_t x)
{
	__atomic_store_n(v, x, __ATOMIC_RELEASE);
}

/* The fake guest NIC. The test thread sets waiting/room; the loop's thread
 * runs the ops. */
struct set_vnic {
	struct pw_vnic v;
	int set, kick, room_fd;
	uint64_t waiting;  /* frames the guest has sent, not yet read */
	uint64_t room;     /* 1: tx takes frames */
	uint64_t got;      /* frames tx took */
	uint64_t rx_calls; /* rx_burst calls */
	uint64_t armed;    /* the events last armed */
};

static int sv_rx(struct pw_vnic *v, struct pw_pkt **pkts, unsigned n)
{
	struct set_vnic *sv = (struct set_vnic *)v;
	uint64_t w = load(&sv->waiting), k = w < n ? w : n;
	eventfd_t drained;

	store(&sv->rx_calls, load(&sv->rx_calls) + 1);
	if (!k) { /* empty: take the kick, as vhost-user reads it */
		eventfd_read(sv->kick, &drained);
		return 0;
	}
	for (unsigned i = 0; i < k; i++) {
		memset(pkts[i]->buf, 0, 60);
		pkts[i]->data = pkts[i]->buf;
		pkts[i]->len = 60;
	}
	store(&sv->waiting, w - k);
	return (int)k;
}

static int sv_tx(struct pw_vnic *v, struct pw_pkt *const *pkts, unsigned n)
{
	struct set_vnic *sv = (struct set_vnic *)v;

	(void)pkts;
	if (!load(&sv->room))
		return 0;
	store(&sv->got, load(&sv->got) + n);
	return (int)n;
}

static int sv_fd(const struct pw_vnic *v)
{
	return ((const struct set_vnic *)v)->set;
}

/* One inner fd in or out of the set. */
static int arm_one(int set, int fd, bool on)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = fd };

	if (on && epoll_ctl(set, EPOLL_CTL_ADD, fd, &ev) && errno != EEXIST)
		return -errno;
	if (!on && epoll_ctl(set, EPOLL_CTL_DEL, fd, NULL) && errno != ENOENT)
		return -errno;
	return 0;
}

static int sv_arm(struct pw_vnic *v, uint32_t events)
{
	struct set_vnic *sv = (struct set_vnic *)v;
	int err = arm_one(sv->set, sv->kick, events & EPOLLIN);

	if (!err)
		err = arm_one(sv->set, sv->room_fd, events & EPOLLOUT);
	store(&sv->armed, events);
	return err;
}

static void sv_close(struct pw_vnic *v)
{
	(void)v;
}

static const struct pw_vnic_ops set_vnic_ops = {
	.name = "set",
	.rx_burst = sv_rx,
	.tx_burst = sv_tx,
	.fd = sv_fd,
	.arm = sv_arm,
	.close = sv_close,
};

static void sv_open(struct set_vnic *sv)
{
	*sv = (struct set_vnic){ .v = { .ops = &set_vnic_ops, .frame_max = pw_frame_max(MTU) },
				 .set = epoll_create1(EPOLL_CLOEXEC),
				 .kick = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK),
				 .room_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK) };
	assert_true(sv->set >= 0 && sv->kick >= 0 && sv->room_fd >= 0);
}

static void sv_free(struct set_vnic *sv)
{
	close(sv->set);
	close(sv->kick);
	close(sv->room_fd);
}

/* The transport: takes what is sent while `open`, counts it; hands out
 * `pending` valid datagrams for session 1. Its fd is one end of a socket
 * pair: readable while datagrams are pending (a byte written), never
 * writable (its send buffer filled), so neither direction spins on it. */
struct fake_xport {
	struct pw_xport x;
	int fd, peer;
	uint64_t pending, open, sent;
};

static int fx_rx(struct pw_xport *x, struct pw_pkt **pkts, unsigned n)
{
	struct fake_xport *fx = (struct fake_xport *)x;
	uint64_t p = load(&fx->pending), k = p < n ? p : n;
	char c;

	for (unsigned i = 0; i < k; i++) {
		uint8_t *d = pkts[i]->buf;

		memset(d, 0, DGRAM_LEN);
		d[1] = 3; /* L2TPv3 over UDP, version 3 */
		d[7] = 1; /* session 1 */
		pkts[i]->data = d;
		pkts[i]->len = DGRAM_LEN;
		pkts[i]->truncated = false;
		memset(&pkts[i]->peer, 0, sizeof(pkts[i]->peer));
	}
	store(&fx->pending, p - k);
	if (p == k)
		while (recv(fx->fd, &c, 1, MSG_DONTWAIT) == 1)
			;
	return (int)k;
}

static int fx_tx(struct pw_xport *x, struct pw_pkt *const *pkts, unsigned n)
{
	struct fake_xport *fx = (struct fake_xport *)x;

	(void)pkts;
	if (!load(&fx->open))
		return 0;
	store(&fx->sent, load(&fx->sent) + n);
	return (int)n;
}

static int fx_fd(const struct pw_xport *x)
{
	return ((const struct fake_xport *)x)->fd;
}

static void fx_close(struct pw_xport *x)
{
	(void)x;
}

static const struct pw_xport_ops fake_xport_ops = {
	.name = "fake",
	.rx_burst = fx_rx,
	.tx_burst = fx_tx,
	.fd = fx_fd,
	.close = fx_close,
};

static void fx_open(struct fake_xport *fx, struct pw_tunnel_stats *stats)
{
	int sv[2];
	char junk[4096] = { 0 };

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv), 0);
	while (send(sv[0], junk, sizeof(junk), MSG_DONTWAIT) > 0)
		;
	*fx = (struct fake_xport){ .x = { .ops = &fake_xport_ops, .stats = stats }, .fd = sv[0],
				   .peer = sv[1], .open = 1 };
}

/* Datagrams wait: the fd becomes readable. */
static void fx_deliver(struct fake_xport *fx, uint64_t n)
{
	store(&fx->pending, n);
	assert_int_equal(send(fx->peer, "x", 1, 0), 1);
}

struct rig {
	struct set_vnic sv;
	struct fake_xport fx;
	struct pw_session s;
	struct pw_tunnel t;
	struct pw_vnic *vnics[1];
	struct pw_engine *e;
	struct pw_loop *loop;
	pthread_t th;
};

static void *runner(void *arg)
{
	pw_loop_run(((struct rig *)arg)->loop);
	return NULL;
}

static void rig_start(struct rig *r)
{
	struct pw_session_cfg sc = { .encap = PW_ENCAP_UDP, .session_id = 1,
				     .peer_session_id = 2, .l2spec = PW_L2SPEC_DEFAULT };
	struct pw_watcher w;

	sv_open(&r->sv);
	pw_session_init(&r->s, &sc);
	r->t = (struct pw_tunnel){ .encap = PW_ENCAP_UDP, .sessions = &r->s, .n_sessions = 1 };
	fx_open(&r->fx, &r->t.stats);
	r->vnics[0] = &r->sv.v;
	struct pw_engine_cfg ec = { .vnics = r->vnics, .xport = &r->fx.x, .tunnel = &r->t,
				    .burst = BURST };
	r->e = pw_engine_new(&ec);
	assert_non_null(r->e);
	r->loop = pw_loop_new();
	assert_non_null(r->loop);
	w = pw_loop_watcher(r->loop);
	assert_int_equal(pw_engine_attach(r->e, &w), 0);
	assert_int_equal(pthread_create(&r->th, NULL, runner, r), 0);
}

static void rig_stop(struct rig *r)
{
	pw_loop_stop(r->loop);
	pthread_join(r->th, NULL);
	pw_engine_free(r->e);
	pw_loop_free(r->loop);
	close(r->fx.fd);
	close(r->fx.peer);
	sv_free(&r->sv);
}

/* CPU time of this process (both threads), in ms. */
static double cpu_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
	return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

/* Wait until *v reaches want (WAIT_MS at most); returns *v. */
static uint64_t wait_for(const uint64_t *v, uint64_t want)
{
	for (int ms = 0; ms < WAIT_MS && load(v) < want; ms++)
		usleep(1000);
	return load(v);
}

static void test_kick_reads_the_vnic(void **state)
{
	static struct rig r;

	(void)state;
	rig_start(&r);
	assert_int_equal(wait_for(&r.sv.armed, EPOLLIN), EPOLLIN);
	store(&r.sv.waiting, 300);
	eventfd_write(r.sv.kick, 1);
	assert_int_equal(wait_for(&r.fx.sent, 300), 300);
	rig_stop(&r);
}

static void test_down_waits_for_room(void **state)
{
	static struct rig r;

	(void)state;
	rig_start(&r);
	fx_deliver(&r.fx, 10);
	/* The guest has no buffers: the engine waits for room, armed for it. */
	assert_true(wait_for(&r.sv.armed, EPOLLIN | EPOLLOUT) & EPOLLOUT);
	usleep(20000);
	assert_int_equal(load(&r.sv.got), 0);
	store(&r.sv.room, 1);
	eventfd_write(r.sv.room_fd, 1);
	assert_int_equal(wait_for(&r.sv.got, 10), 10);
	rig_stop(&r);
}

static void test_parked_vnic_is_disarmed(void **state)
{
	static struct rig r;
	uint64_t calls;
	double cpu;

	(void)state;
	rig_start(&r);
	store(&r.fx.open, 0); /* the transport takes nothing: up stays staged */
	store(&r.sv.waiting, 1000000);
	eventfd_write(r.sv.kick, 1);
	/* One burst read, then parked: the kick stays readable (frames wait)
	 * but is not armed, so the loop sleeps. */
	for (int ms = 0; ms < WAIT_MS && (load(&r.sv.rx_calls) == 0 || load(&r.sv.armed) & EPOLLIN);
	     ms++)
		usleep(1000);
	assert_false(load(&r.sv.armed) & EPOLLIN);
	calls = load(&r.sv.rx_calls);
	cpu = cpu_ms();
	usleep(100000);
	cpu = cpu_ms() - cpu;
	print_message("parked for 100 ms: %llu rx_burst calls, %.1f ms of CPU\n",
		      (unsigned long long)(load(&r.sv.rx_calls) - calls), cpu);
	assert_int_equal(load(&r.sv.rx_calls), calls);
	assert_true(cpu < 20); /* a loop spinning on the kick: about 100 */
	rig_stop(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kick_reads_the_vnic),
		cmocka_unit_test(test_down_waits_for_room),
		cmocka_unit_test(test_parked_vnic_is_disarmed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
