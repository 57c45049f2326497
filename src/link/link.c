/* SPDX-License-Identifier: MIT */
/*
 * link.c: one pseudowire (see link.h): its queues, the threads that run all
 * but the first, the steering programs that keep a flow on one queue, and
 * the sum of the queues' counters.
 *
 * Each queue has its own transport, vNIC queue, session copy (so its own
 * counters and sequence state) and engine: the queues share nothing on the
 * data path. A queue thread runs a pw_loop of its own; the first queue runs
 * in whatever loop the caller attaches it to. A queue whose vNIC fails for
 * good records why and makes fail_fd readable; the caller decides.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "core/text.h"
#include "dp/engine.h"
#include "link/link.h"
#include "xport/steer.h"

struct queue {
	struct pw_link *link;
	struct pw_session session;
	struct pw_tunnel tunnel;
	struct pw_tunnel_slot *slots; /* the tunnel's index by session id */
	struct pw_impair_stats impair;
	struct pw_xport *x;
	struct pw_vnic *v;
	struct pw_engine *e;
	struct pw_loop *loop; /* queues 1..N-1: the thread's own */
	pthread_t thread;
	bool running;
	int err; /* why the engine stopped (-errno), 0 while it runs */
};

struct pw_link {
	struct pw_link_cfg cfg;
	unsigned n;
	struct queue *qs;
	int fail_fd;
	int steer_tap, steer_sock; /* with several queues: the programs (xport/steer.c) */
	char shown[PW_TEXT_NAME_MAX];
};

/* From the engine, in the thread that runs the queue's loop: the queue's
 * one vNIC (port 0) or the engine itself stopped, the queue with it. */
static void on_queue_error(void *ctx, uint32_t port, int err)
{
	struct queue *q = ctx;

	(void)port;
	q->err = err;
	eventfd_write(q->link->fail_fd, 1);
	if (q->loop)
		pw_loop_stop(q->loop);
}

/* The steering programs of the TAP and of the sockets. */
static bool steer_load(struct pw_link *l, struct pw_err *err)
{
	unsigned n = l->cfg.tap.queues;
	struct pw_layout rx = pw_layout_rx(&l->cfg.session);
	int tap = pw_steer_load(0, n);
	int sock = tap < 0 ? tap : pw_steer_load(rx.len, n);

	if (tap < 0 || sock < 0) {
		if (tap >= 0)
			close(tap);
		pw_err_set(err, "queues %u: cannot load the program that steers flows to queues: %s%s",
			   n, strerror(-sock),
			   sock == -EPERM ? " (needs root, CAP_BPF or CAP_SYS_ADMIN)" : "");
		errno = -sock;
		return false;
	}
	l->steer_tap = tap;
	l->steer_sock = sock;
	return true;
}

/* Transport (impaired if asked), vNIC queue and engine of queue i. */
static bool queue_open(struct pw_link *l, unsigned i, struct pw_err *err)
{
	const struct pw_link_cfg *c = &l->cfg;
	struct queue *q = &l->qs[i];
	struct pw_xport_cfg xc = c->xport;
	struct pw_tap_cfg tc = c->tap;
	char a[64];
	int e;

	q->link = l;
	pw_session_init(&q->session, &c->session);
	/* The session owns its peer (remote, and udp_dport over UDP); the
	 * socket only reports sources and sends where each packet says. */
	pw_xport_peer(&q->session.peer, &c->xport.remote);
	if (c->session.encap != PW_ENCAP_UDP)
		q->session.peer.port = 0; /* the socket reports none over IP */
	q->tunnel = (struct pw_tunnel){ .encap = c->session.encap, .sessions = &q->session,
					.n_sessions = 1 };
	q->slots = calloc(pw_tunnel_slots(1), sizeof(*q->slots));
	if (!q->slots || !pw_tunnel_index(&q->tunnel, q->slots, pw_tunnel_slots(1))) {
		e = ENOMEM;
		pw_err_set(err, "cannot set up the data path: %s", strerror(e));
		goto fail;
	}
	/* The largest datagram that can carry a valid frame. */
	xc.datagram_max = q->session.rx.len + pw_frame_max(c->tap.mtu);
	xc.queue = i;
	xc.steer_prog = l->steer_sock;
	tc.steer_prog = l->steer_tap;
	q->x = pw_socket_open(&xc, &q->tunnel.stats);
	if (!q->x) {
		e = errno;
		pw_err_set(err, "cannot open the %s socket on %s: %s%s",
			   c->session.encap == PW_ENCAP_UDP ? "UDP" : "IP (protocol 115)",
			   pw_xport_addr_str(&c->xport.local, a, sizeof(a)), strerror(e),
			   e == EPERM || e == EACCES ? " (encap ip needs root or CAP_NET_RAW)" : "");
		goto fail;
	}
	if (c->has_impair) {
		struct pw_impair_cfg ic = c->impair;
		struct pw_xport *w;

		ic.seed += i; /* each queue draws its own faults */
		w = pw_impair_wrap(q->x, &ic, &q->impair);
		if (!w) {
			e = errno;
			pw_err_set(err, "--impair: %s", strerror(e));
			goto fail;
		}
		q->x = w;
	}
	q->v = pw_tap_open(&tc, i);
	if (!q->v) {
		e = errno;
		pw_err_set(err, "cannot open TAP device %s%s: %s%s", l->shown,
			   c->tap.queues > 1 ? " (a queue of it)" : "", strerror(e),
			   e == EPERM || e == EACCES ? " (needs root or CAP_NET_ADMIN)" : "");
		goto fail;
	}
	struct pw_engine_cfg ec = {
		.vnics = &q->v,
		.xport = q->x,
		.tunnel = &q->tunnel,
		.burst = c->xport.burst,
		.on_error = on_queue_error,
		.ctx = q,
	};
	q->e = pw_engine_new(&ec);
	if (!q->e) {
		e = errno;
		pw_err_set(err, "cannot set up the data path: %s", strerror(e));
		goto fail;
	}
	if (i) {
		q->loop = pw_loop_new();
		if (!q->loop) {
			e = errno;
			pw_err_set(err, "cannot set up the loop of queue %u: %s", i, strerror(e));
			goto fail;
		}
		pw_loop_busy_poll(q->loop, c->busy_poll_us);
	}
	return true;
fail:
	errno = e;
	return false;
}

static void queue_close(struct queue *q)
{
	pw_engine_free(q->e);
	pw_vnic_close(q->v);
	pw_xport_close(q->x);
	pw_loop_free(q->loop);
	free(q->slots);
}

struct pw_link *pw_link_open(const struct pw_link_cfg *cfg, struct pw_err *err)
{
	struct pw_link *l = calloc(1, sizeof(*l));
	unsigned n = cfg->tap.queues ? cfg->tap.queues : 1;
	int e = ENOMEM;

	if (!l) {
		pw_err_set(err, "out of memory");
		errno = ENOMEM;
		return NULL;
	}
	l->cfg = *cfg;
	l->cfg.tap.queues = n;
	l->steer_tap = l->steer_sock = -1;
	pw_text_name(cfg->tap.name, l->shown, sizeof(l->shown));
	l->fail_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	l->qs = calloc(n, sizeof(*l->qs));
	if (l->fail_fd < 0 || !l->qs) {
		e = l->fail_fd < 0 ? errno : ENOMEM;
		pw_err_set(err, "cannot set up the link: %s", strerror(e));
		goto fail;
	}
	if (n > 1 && !steer_load(l, err))
		goto fail_errno;
	for (; l->n < n; l->n++) {
		if (!queue_open(l, l->n, err)) {
			l->n++; /* what it opened is closed with the rest */
			goto fail_errno;
		}
	}
	return l;
fail_errno:
	e = errno;
fail:
	pw_link_close(l);
	errno = e;
	return NULL;
}

/* Queues 1..N-1: each runs its loop until stopped. */
static void *queue_thread(void *arg)
{
	struct queue *q = arg;
	int err = pw_loop_run(q->loop);

	if (err)
		on_queue_error(q, PW_ENGINE_ALL, err);
	return NULL;
}

int pw_link_start(struct pw_link *l, const struct pw_watcher *w, struct pw_err *err)
{
	int e = pw_engine_attach(l->qs[0].e, w);

	if (e) {
		pw_err_set(err, "%s: cannot watch the data path: %s", l->shown, strerror(-e));
		return e;
	}
	for (unsigned i = 1; i < l->n; i++) {
		struct queue *q = &l->qs[i];
		struct pw_watcher own = pw_loop_watcher(q->loop);

		e = pw_engine_attach(q->e, &own);
		if (!e)
			e = -pthread_create(&q->thread, NULL, queue_thread, q);
		if (e) {
			pw_err_set(err, "cannot start the thread of queue %u: %s", i, strerror(-e));
			pw_link_stop(l);
			return e;
		}
		q->running = true;
	}
	return 0;
}

int pw_link_fail_fd(const struct pw_link *l)
{
	return l->fail_fd;
}

int pw_link_error(const struct pw_link *l)
{
	for (unsigned i = 0; i < l->n; i++)
		if (l->qs[i].err)
			return l->qs[i].err;
	return 0;
}

const struct pw_session_cfg *pw_link_session(const struct pw_link *l)
{
	return &l->cfg.session;
}

void pw_link_stats(struct pw_link *l, struct pw_link_stats *t)
{
	memset(t, 0, sizeof(*t));
	t->n_queues = l->n;
	for (unsigned i = 0; i < l->n; i++) {
		struct queue *q = &l->qs[i];

		/* The one counter written outside the loops: they never do. */
		if (q->x->ops->sync_stats)
			q->x->ops->sync_stats(q->x);
		t->queues[i] = q->session.stats;
		t->sockbuf_drops[i] = q->tunnel.stats.rx_sockbuf_drops;
		pw_counters_add(&t->session, &q->session.stats, pw_session_counter_names,
				pw_session_counter_count);
		pw_counters_add(&t->tunnel, &q->tunnel.stats, pw_tunnel_counter_names,
				pw_tunnel_counter_count);
		pw_counters_add(&t->vnic, &q->v->stats, pw_vnic_counter_names, pw_vnic_counter_count);
		pw_counters_add(&t->impair, &q->impair, pw_impair_counter_names, pw_impair_counter_count);
	}
}

void pw_link_stop(struct pw_link *l)
{
	for (unsigned i = 1; i < l->n; i++) {
		struct queue *q = &l->qs[i];

		if (!q->running)
			continue;
		pw_loop_stop(q->loop);
		pthread_join(q->thread, NULL);
		q->running = false;
	}
	for (unsigned i = 0; i < l->n; i++)
		if (l->qs[i].e)
			pw_engine_detach(l->qs[i].e);
}

void pw_link_close(struct pw_link *l)
{
	if (!l)
		return;
	if (l->qs) {
		pw_link_stop(l);
		for (unsigned i = 0; i < l->n; i++)
			queue_close(&l->qs[i]);
	}
	free(l->qs);
	if (l->fail_fd >= 0)
		close(l->fail_fd);
	if (l->steer_tap >= 0)
		close(l->steer_tap);
	if (l->steer_sock >= 0)
		close(l->steer_sock);
	free(l);
}
