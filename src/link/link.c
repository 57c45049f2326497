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
 *
 * Links of one queue with the same socket (pw_link_open_all: encap, local
 * address, UDP port) are members of a share instead: one transport, one
 * tunnel holding every member's session, one engine with a port per
 * member's vNIC. A member closes on its own (its port removed, its id out
 * of the index); the last one closes the socket.
 */
#include <errno.h>
#include <net/if.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <linux/virtio_config.h>
#include <linux/virtio_net.h>
#include <linux/virtio_ring.h>

#include "core/text.h"
#include "dp/engine.h"
#include "link/link.h"
#include "vnic/vhost/net.h"
#include "vnic/vhost/server.h"
#include "vnic/vnet.h"
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

/* Sessions on one socket: member k is sessions[k], vnics[k], the engine's
 * port k. */
struct share {
	struct pw_xport *x;
	struct pw_tunnel tunnel;
	struct pw_tunnel_slot *slots;
	struct pw_session *sessions;
	struct pw_vnic **vnics;
	struct pw_link **members; /* NULL once closed */
	struct pw_engine *e;
	unsigned n, cap, open, running; /* members so far, room for (pw_link_join) */
	uint32_t datagram_max;          /* the socket's, as opened */
	bool attached;
};

struct pw_link {
	struct pw_link_cfg cfg;
	/* A vhost-user link (cfg.vhost_path): the device its front end drives
	 * and the server of its socket; NULL for a TAP. */
	struct pw_vu_dev *vu;
	struct pw_vu_server *vu_server;
	unsigned n; /* queues; 0 for a member of a share */
	struct queue *qs;
	struct share *share;
	unsigned port;
	bool running;
	int fail_fd;
	int steer_tap, steer_sock; /* with several queues: the programs (xport/steer.c) */
	/* A vhost-user link's (pwire up, several queues): the socket program's
	 * modulus, the pairs the guest runs, stored by its device (dev.c). */
	_Atomic uint32_t *steer_pairs;
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

/* A vhost-user link's socket program, its modulus read from a map whose
 * value is mapped here (pwire up: before the privilege drop; pwired: its
 * helper makes the map and the program, the data path maps what it is
 * sent, mmap being allowed already) and handed to the device, which
 * stores into it with no system call. -errno on failure. */
static int steer_load_vu(struct pw_link *l, const struct pw_opener *o, uint16_t frame_offset,
			 unsigned n)
{
	int map = o ? o->steer_map(o->ctx) : pw_steer_map(), prog, e;

	if (map < 0)
		return map;
	l->steer_pairs = pw_steer_map_value(map);
	if (!l->steer_pairs) {
		e = errno;
		close(map);
		return -e;
	}
	prog = o ? o->steer(o->ctx, frame_offset, n, map) : pw_steer_load(frame_offset, n, map);
	close(map); /* the program and the mapping keep it */
	if (prog >= 0)
		pw_vu_dev_steer(l->vu, l->steer_pairs);
	return prog;
}

/* The steering programs of the TAP and of the sockets. */
static bool steer_load(struct pw_link *l, struct pw_err *err)
{
	unsigned n = l->cfg.tap.queues;
	struct pw_layout rx = pw_layout_rx(&l->cfg.session);
	const struct pw_opener *o = l->cfg.opener;
	int tap = o ? o->steer(o->ctx, 0, n, -1) : pw_steer_load(0, n, -1);
	int sock;

	if (tap < 0)
		sock = tap;
	else if (l->vu)
		sock = steer_load_vu(l, o, rx.len, n);
	else if (o)
		sock = o->steer(o->ctx, rx.len, n, -1);
	else
		sock = pw_steer_load(rx.len, n, -1);

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

/* The session owns its peer (remote, and udp_dport over UDP); the socket
 * only reports sources and sends where each packet says. */
static void session_open(struct pw_session *s, const struct pw_link_cfg *c)
{
	pw_session_init(s, &c->session);
	pw_xport_peer(&s->peer, &c->xport.remote);
	if (c->session.encap != PW_ENCAP_UDP)
		s->peer.port = 0; /* the socket reports none over IP */
}

static bool socket_open(struct pw_xport **x, const struct pw_link_cfg *c,
			const struct pw_xport_cfg *xc, struct pw_tunnel_stats *stats,
			struct pw_err *err)
{
	const struct pw_opener *o = c->opener;
	char a[64];
	int e, fd = o ? o->socket(o->ctx, xc) : pw_socket_open_fd(xc);

	*x = fd < 0 ? NULL : pw_socket_wrap(fd, xc, stats);
	if (*x)
		return true;
	e = fd < 0 ? -fd : errno;
	if (fd >= 0)
		close(fd);
	if (c->session.encap == PW_ENCAP_UDP)
		pw_err_set(err, "cannot open the UDP socket on %s port %u: %s%s",
			   pw_xport_addr_str(&c->xport.local, a, sizeof(a)),
			   ntohs(((const struct sockaddr_in *)&c->xport.local)->sin_port), strerror(e),
			   e == EADDRINUSE ? " (another socket has the port)" : "");
	else
		pw_err_set(err, "cannot open the IP (protocol 115) socket on %s: %s%s",
			   pw_xport_addr_str(&c->xport.local, a, sizeof(a)), strerror(e),
			   e == EPERM || e == EACCES ? " (encap ip needs root or CAP_NET_RAW)" : "");
	errno = e;
	return false;
}

static bool tap_open(struct pw_vnic **v, const struct pw_link *l, const struct pw_tap_cfg *tc,
		     unsigned queue, struct pw_err *err)
{
	const struct pw_opener *o = l->cfg.opener;
	char name[IFNAMSIZ];
	int e, fd = o ? o->tap(o->ctx, tc, queue, name) : pw_tap_open_fd(tc, queue, name);

	*v = fd < 0 ? NULL : pw_tap_adopt(fd, tc, name);
	if (*v)
		return true;
	e = fd < 0 ? -fd : errno;
	if (fd >= 0)
		close(fd);
	if ((e == EPERM || e == EACCES) && !o) {
		/* Which change of the device needs the privilege, from how it is
		 * (asked of the kernel: not after a drop, where an opener opens). */
		char what[96], fix[96];

		pw_tap_why_admin(tc, what, sizeof(what), fix, sizeof(fix));
		pw_err_set(err, "cannot open TAP device %s%s: %s needs CAP_NET_ADMIN (%s): run as "
			   "root or give pwire the capability (setcap cap_net_admin+ep "
			   "$(command -v pwire))%s%s", l->shown,
			   tc->queues > 1 ? " (a queue of it)" : "", what, strerror(e),
			   fix[0] ? "; or " : "", fix);
	} else {
		pw_err_set(err, "cannot open TAP device %s%s: %s", l->shown,
			   tc->queues > 1 ? " (a queue of it)" : "", strerror(e));
	}
	errno = e;
	return false;
}

/* The device's name as the kernel made it. */
static void link_named(struct pw_link *l, const char *name)
{
	snprintf(l->cfg.tap.name, sizeof(l->cfg.tap.name), "%s", name);
	pw_text_name(l->cfg.tap.name, l->shown, sizeof(l->shown));
}

/* Transport (impaired if asked), vNIC queue and engine of queue i. */
static bool queue_open(struct pw_link *l, unsigned i, struct pw_err *err)
{
	const struct pw_link_cfg *c = &l->cfg;
	struct queue *q = &l->qs[i];
	struct pw_xport_cfg xc = c->xport;
	struct pw_tap_cfg tc = c->tap;
	int e;

	q->link = l;
	session_open(&q->session, c);
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
	if (!socket_open(&q->x, c, &xc, &q->tunnel.stats, err))
		goto fail_errno;
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
	if (l->vu) {
		q->v = pw_vu_net_open(l->vu, i, c->tap.mtu);
		if (!q->v) {
			e = errno;
			pw_err_set(err, "%s: cannot set up the queue: %s", l->shown, strerror(e));
			goto fail;
		}
	} else {
		if (!tap_open(&q->v, l, &tc, i, err))
			goto fail_errno;
		if (i == 0) /* a pattern (pw%d) or "" resolved: the other queues join it */
			link_named(l, pw_tap_name(q->v));
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
fail_errno:
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

/* The link itself, with no queue yet. NULL with err set. */
static struct pw_link *link_new(const struct pw_link_cfg *cfg, struct pw_err *err)
{
	struct pw_link *l = calloc(1, sizeof(*l));
	int e;

	if (!l) {
		pw_err_set(err, "out of memory");
		errno = ENOMEM;
		return NULL;
	}
	l->cfg = *cfg;
	l->cfg.tap.queues = cfg->tap.queues ? cfg->tap.queues : 1;
	l->steer_tap = l->steer_sock = -1;
	pw_text_name(cfg->vhost_path[0] ? cfg->vhost_path : cfg->tap.name, l->shown, sizeof(l->shown));
	l->fail_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (l->fail_fd < 0) {
		e = errno;
		pw_err_set(err, "cannot set up the link: %s", strerror(e));
		free(l);
		errno = e;
		return NULL;
	}
	return l;
}

/* The virtio features a vhost-user device offers (docs/vhost-user.md):
 * checksum and segmentation offloads both ways (net.c cuts what the guest
 * sends with the TAP's bounds and joins what it receives), mergeable
 * receive buffers; vq.c walks indirect tables and keeps EVENT_IDX's rules. */
#define VU_F(bit) (UINT64_C(1) << (bit))
static const struct pw_vu_dev_cfg vu_offer = {
	.pairs = 1,
	.features = VU_F(VIRTIO_F_VERSION_1) | VU_F(PW_VU_F_PROTOCOL_FEATURES) |
		    VU_F(VIRTIO_RING_F_INDIRECT_DESC) | VU_F(VIRTIO_RING_F_EVENT_IDX) |
		    VU_F(VIRTIO_NET_F_MTU) | VU_F(VIRTIO_NET_F_MRG_RXBUF) | VU_F(VIRTIO_NET_F_CSUM) |
		    VU_F(VIRTIO_NET_F_HOST_TSO4) | VU_F(VIRTIO_NET_F_HOST_TSO6) |
		    VU_F(PW_VIRTIO_NET_F_HOST_USO) | VU_F(VIRTIO_NET_F_GUEST_CSUM) |
		    VU_F(VIRTIO_NET_F_GUEST_TSO4) | VU_F(VIRTIO_NET_F_GUEST_TSO6),
	/* NET_MTU: QEMU's host_mtu=N is sent, and refused above the link's. */
	.protocol_features = VU_F(PW_VU_PROTOCOL_F_REPLY_ACK) | VU_F(PW_VU_PROTOCOL_F_NET_MTU),
};
#undef VU_F

/* A vhost-user link's device and its listening socket (before the queues,
 * which are the device's; the server after them). */
static bool vu_open(struct pw_link *l, int *listen_fd, struct pw_err *err)
{
	const struct pw_opener *o = l->cfg.opener;
	struct pw_vu_dev_cfg c = vu_offer;

	_Static_assert((int)PW_VU_PAIRS_MAX >= (int)PW_QUEUES_MAX, "a queue pair for each queue");
	l->vu = calloc(1, sizeof(*l->vu));
	if (!l->vu) {
		pw_err_set(err, "out of memory");
		return false;
	}
	c.mtu = (uint16_t)l->cfg.tap.mtu;
	/* Queue i serves pair i (its rings 2i and 2i + 1). */
	c.pairs = l->cfg.tap.queues;
	if (c.pairs > 1) {
		c.features |= UINT64_C(1) << VIRTIO_NET_F_MQ;
		c.protocol_features |= UINT64_C(1) << PW_VU_PROTOCOL_F_MQ;
	}
	pw_vu_dev_init(l->vu, &c);
	if (l->cfg.vhost_client)
		return true; /* the server connects when started */
	if (o && o->vhost) {
		*listen_fd = o->vhost(o->ctx, l->cfg.vhost_path);
		if (*listen_fd < 0)
			pw_err_set(err, "vhost-user socket %s: %s", l->cfg.vhost_path,
				   strerror(-*listen_fd));
	} else {
		*listen_fd = pw_vu_listen(l->cfg.vhost_path, err);
	}
	if (*listen_fd < 0) {
		errno = -*listen_fd;
		return false;
	}
	return true;
}

/* The server of a vhost-user link's device with its vNICs v[0..n) (pair
 * i is v[i]), on the socket vu_open() listens on or, in client mode,
 * connecting to the front end's. listen_fd is taken, even on failure. */
static bool vu_serve(struct pw_link *l, int listen_fd, struct pw_vnic *const *v, unsigned n,
		     struct pw_err *err)
{
	l->vu_server = l->cfg.vhost_client ? pw_vu_client_new(l->cfg.vhost_path, l->vu, v, n) :
					     pw_vu_server_new(listen_fd, l->vu, v, n);
	if (l->vu_server)
		return true;
	pw_err_set(err, "%s: cannot serve the socket: %s", l->shown, strerror(errno));
	return false;
}

struct pw_link *pw_link_open(const struct pw_link_cfg *cfg, struct pw_err *err)
{
	struct pw_link *l = link_new(cfg, err);
	unsigned n;
	int e = ENOMEM, listen_fd = -1;

	if (!l)
		return NULL;
	if (l->cfg.vhost_path[0] && !vu_open(l, &listen_fd, err))
		goto fail_errno;
	n = l->cfg.tap.queues;
	l->qs = calloc(n, sizeof(*l->qs));
	if (!l->qs) {
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
	if (l->vu) {
		struct pw_vnic *v[PW_QUEUES_MAX];
		bool served;

		for (unsigned i = 0; i < n; i++)
			v[i] = l->qs[i].v;
		served = vu_serve(l, listen_fd, v, n, err);

		listen_fd = -1; /* taken, even on failure */
		if (!served)
			goto fail_errno;
	}
	return l;
fail_errno:
	e = errno;
fail:
	if (listen_fd >= 0)
		close(listen_fd);
	pw_link_close(l);
	errno = e;
	return NULL;
}

/* A share member's vNIC, port k: a TAP, or a vhost-user device's one
 * queue pair and the server of its socket. */
static bool member_vnic_open(struct share *sh, unsigned k, struct pw_link *l,
			     struct pw_err *err)
{
	int listen_fd = -1, e;

	if (!l->cfg.vhost_path[0]) {
		if (!tap_open(&sh->vnics[k], l, &l->cfg.tap, 0, err))
			return false;
		link_named(l, pw_tap_name(sh->vnics[k]));
		return true;
	}
	if (!vu_open(l, &listen_fd, err))
		return false;
	sh->vnics[k] = pw_vu_net_open(l->vu, 0, l->cfg.tap.mtu);
	if (!sh->vnics[k]) {
		e = errno;
		pw_err_set(err, "%s: cannot set up the queue: %s", l->shown, strerror(e));
		if (listen_fd >= 0)
			close(listen_fd);
		errno = e;
		return false;
	}
	if (!vu_serve(l, listen_fd, &sh->vnics[k], 1, err)) {
		e = errno;
		pw_vnic_close(sh->vnics[k]);
		sh->vnics[k] = NULL;
		errno = e;
		return false;
	}
	return true;
}

/* A member's own part: its vhost-user server (freed without syncing its
 * vNIC, so before or after the vNIC's close), its device (the vNIC's
 * close does not touch it) and its failure eventfd. */
static void member_free(struct pw_link *l)
{
	pw_vu_server_free(l->vu_server);
	free(l->vu);
	close(l->fail_fd);
	free(l);
}

/* From the share's engine: a member's vNIC failed (port), or the engine. */
static void on_share_error(void *ctx, uint32_t port, int err)
{
	struct share *sh = ctx;

	for (unsigned k = 0; k < sh->n; k++)
		if (sh->members[k] && (port == PW_ENGINE_ALL || port == k))
			eventfd_write(sh->members[k]->fail_fd, 1);
	(void)err; /* pw_link_error() asks the engine */
}

static void share_free(struct share *sh)
{
	pw_engine_free(sh->e);
	for (unsigned k = 0; sh->vnics && k < sh->n; k++)
		pw_vnic_close(sh->vnics[k]);
	pw_xport_close(sh->x);
	free(sh->vnics);
	free(sh->members);
	free(sh->sessions);
	free(sh->slots);
	free(sh);
}

bool pw_link_cfg_same_port(const struct pw_link_cfg *a, const struct pw_link_cfg *b)
{
	const struct sockaddr_storage *x = &a->xport.local, *y = &b->xport.local;

	if (a->session.encap != b->session.encap || x->ss_family != y->ss_family)
		return false;
	if (x->ss_family == AF_INET) {
		const struct sockaddr_in *p = (const void *)x, *q = (const void *)y;

		return p->sin_addr.s_addr == q->sin_addr.s_addr &&
		       (a->session.encap == PW_ENCAP_IP || p->sin_port == q->sin_port);
	}
	const struct sockaddr_in6 *p = (const void *)x, *q = (const void *)y;

	return !memcmp(&p->sin6_addr, &q->sin6_addr, sizeof(p->sin6_addr)) &&
	       (a->session.encap == PW_ENCAP_IP || p->sin6_port == q->sin6_port);
}

/* Whether a link can share its socket: one queue, no impairment. */
static bool shareable(const struct pw_link_cfg *c)
{
	return c->tap.queues < 2 && !c->has_impair;
}

/* Whether two links can share one socket: both shareable, the same
 * encapsulation and local address (and UDP port). */
static bool same_socket(const struct pw_link_cfg *a, const struct pw_link_cfg *b)
{
	return shareable(a) && shareable(b) && pw_link_cfg_same_port(a, b);
}

/* Members a share opened with m has room for: as many again (at least 64
 * more), so pseudowires can join it while it runs (pw_link_join); the
 * arrays cost a few hundred bytes a member. */
static unsigned share_room(unsigned m)
{
	return m < 64 ? m + 64 : 2 * m;
}

/* Open cfgs[at[0..m)] as the members of one share, into links[at[k]].
 * On failure, *failed is the index of the link at fault and nothing is
 * left open. */
static bool share_open(const struct pw_link_cfg *cfgs, const unsigned *at, unsigned m,
		       struct pw_link **links, unsigned *failed, struct pw_err *err)
{
	struct share *sh = calloc(1, sizeof(*sh));
	const struct pw_link_cfg *c0 = &cfgs[at[0]];
	struct pw_xport_cfg xc = c0->xport;
	struct pw_engine_cfg ec;
	unsigned k;
	char a[64];
	int e = ENOMEM;

	*failed = at[0];
	if (!sh || !(sh->sessions = pw_engine_sessions(share_room(m))) ||
	    !(sh->vnics = calloc(share_room(m), sizeof(*sh->vnics))) ||
	    !(sh->members = calloc(share_room(m), sizeof(*sh->members))) ||
	    !(sh->slots = calloc(pw_tunnel_slots(share_room(m)), sizeof(*sh->slots)))) {
		pw_err_set(err, "cannot set up the link: %s", strerror(e));
		goto fail;
	}
	sh->n = m;
	sh->cap = share_room(m);
	xc.datagram_max = 0;
	for (k = 0; k < m; k++) {
		const struct pw_link_cfg *c = &cfgs[at[k]];
		struct pw_link *l;

		*failed = at[k];
		l = link_new(c, err);
		if (!l)
			goto fail_errno;
		l->share = sh;
		l->port = k;
		sh->members[k] = l;
		sh->open++;
		session_open(&sh->sessions[k], c);
		if (sh->sessions[k].rx.len + pw_frame_max(c->tap.mtu) > xc.datagram_max)
			xc.datagram_max = sh->sessions[k].rx.len + pw_frame_max(c->tap.mtu);
		if (!member_vnic_open(sh, k, l, err))
			goto fail_errno;
	}
	sh->tunnel = (struct pw_tunnel){ .encap = c0->session.encap, .sessions = sh->sessions,
					 .n_sessions = m };
	*failed = at[0];
	if (!pw_tunnel_index(&sh->tunnel, sh->slots, pw_tunnel_slots(sh->cap))) {
		e = EEXIST; /* pwire.conf's rules say which (daemon/conf.c) */
		pw_err_set(err, "two pseudowires on the socket %s have one session_id",
			   pw_xport_addr_str(&c0->xport.local, a, sizeof(a)));
		goto fail;
	}
	if (!socket_open(&sh->x, c0, &xc, &sh->tunnel.stats, err))
		goto fail_errno;
	sh->datagram_max = xc.datagram_max;
	ec = (struct pw_engine_cfg){ .xport = sh->x, .tunnel = &sh->tunnel, .vnics = sh->vnics,
				     .burst = c0->xport.burst, .capacity = sh->cap,
				     .on_error = on_share_error, .ctx = sh };
	sh->e = pw_engine_new(&ec);
	if (!sh->e) {
		e = errno;
		pw_err_set(err, "cannot set up the data path: %s", strerror(e));
		goto fail;
	}
	for (k = 0; k < m; k++)
		links[at[k]] = sh->members[k];
	return true;
fail_errno:
	e = errno;
fail:
	if (sh) {
		for (k = 0; sh->members && k < sh->n; k++)
			if (sh->members[k])
				member_free(sh->members[k]);
		share_free(sh);
	}
	errno = e;
	return false;
}

bool pw_link_open_all(const struct pw_link_cfg *cfgs, unsigned n, struct pw_link **links,
		      unsigned *failed, struct pw_err *err)
{
	unsigned *at = calloc(n ? n : 1, sizeof(*at));
	bool *done = calloc(n ? n : 1, sizeof(*done));
	unsigned i;
	int e;

	memset(links, 0, n * sizeof(*links));
	if (!at || !done) {
		pw_err_set(err, "out of memory");
		*failed = 0;
		e = ENOMEM;
		goto fail;
	}
	for (i = 0; i < n; i++) {
		unsigned m = 0;

		if (done[i])
			continue;
		for (unsigned j = i; j < n; j++)
			if (j == i || (!done[j] && same_socket(&cfgs[i], &cfgs[j]))) {
				at[m++] = j;
				done[j] = true;
			}
		/* Alone on its socket, it is still a share: others may join. */
		if (shareable(&cfgs[i]) ? !share_open(cfgs, at, m, links, failed, err) :
					  !(links[i] = pw_link_open(&cfgs[i], err))) {
			if (!shareable(&cfgs[i]))
				*failed = i;
			e = errno;
			goto fail;
		}
	}
	free(at);
	free(done);
	return true;
fail:
	for (i = 0; i < n; i++) {
		pw_link_close(links[i]);
		links[i] = NULL;
	}
	free(at);
	free(done);
	errno = e;
	return false;
}

struct pw_link *pw_link_join(struct pw_link *member, const struct pw_link_cfg *cfg,
			     struct pw_err *err)
{
	struct share *sh = member->share;
	struct pw_session *s;
	struct pw_link *l;
	unsigned k;
	char a[64];
	int e;

	if (!sh || !same_socket(&member->cfg, cfg)) {
		pw_err_set(err, "cannot join the socket of %s: not one a pseudowire can share",
			   member->shown);
		errno = EINVAL;
		return NULL;
	}
	pw_xport_addr_str(&cfg->xport.local, a, sizeof(a));
	/* A member's place that is free again, else a new one. */
	for (k = 0; k < sh->n && !(!sh->members[k] && pw_engine_reusable(sh->e, k)); k++)
		;
	if (k >= sh->cap) {
		pw_err_set(err, "the socket on %s holds %u pseudowires, as many as it was opened "
			   "for: more takes a restart", a, sh->cap);
		errno = ENOSPC;
		return NULL;
	}
	s = &sh->sessions[k];
	session_open(s, cfg);
	if (s->rx.len + pw_frame_max(cfg->tap.mtu) > sh->datagram_max) {
		pw_err_set(err, "mtu %u (with its header) is more than the socket on %s was opened "
			   "for (datagrams of %u bytes): that takes a restart", cfg->tap.mtu, a,
			   sh->datagram_max);
		errno = EMSGSIZE;
		return NULL;
	}
	l = link_new(cfg, err);
	if (!l)
		return NULL;
	l->share = sh;
	l->port = k;
	if (!member_vnic_open(sh, k, l, err))
		goto fail_errno;
	if (!pw_tunnel_add(&sh->tunnel, k)) {
		pw_err_set(err, "session_id %u is taken on the socket on %s", cfg->session.session_id,
			   a);
		e = EEXIST;
		goto fail_vnic;
	}
	e = -pw_engine_add(sh->e, k);
	if (e) {
		pw_tunnel_unindex(&sh->tunnel, cfg->session.session_id);
		if (k == sh->n && (e == EMSGSIZE || e == ENOSPC || e == EBUSY))
			sh->tunnel.n_sessions--; /* the engine took no new port */
		else if (k == sh->n)
			sh->n++; /* the engine keeps the port, removed, for later */
		pw_err_set(err, "cannot add %s to the data path: %s", l->shown, strerror(e));
		goto fail_vnic;
	}
	sh->members[k] = l;
	if (k == sh->n)
		sh->n++;
	sh->open++;
	return l;
fail_vnic:
	pw_vu_server_free(l->vu_server);
	l->vu_server = NULL;
	pw_vnic_close(sh->vnics[k]);
	sh->vnics[k] = NULL;
	goto fail;
fail_errno:
	e = errno;
fail:
	member_free(l);
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

static int member_start(struct pw_link *l, const struct pw_watcher *w, struct pw_err *err)
{
	struct share *sh = l->share;
	int e = sh->attached ? 0 : pw_engine_attach(sh->e, w);

	if (e) {
		pw_err_set(err, "%s: cannot watch the data path: %s", l->shown, strerror(-e));
		return e;
	}
	sh->attached = true;
	if (l->vu_server && !l->running) {
		e = pw_vu_server_attach(l->vu_server, w);
		if (e) {
			pw_err_set(err, "%s: cannot watch its socket: %s", l->shown, strerror(-e));
			if (!sh->running) {
				pw_engine_detach(sh->e);
				sh->attached = false;
			}
			return e;
		}
	}
	if (!l->running)
		sh->running++;
	l->running = true;
	return 0;
}

int pw_link_start(struct pw_link *l, const struct pw_watcher *w, struct pw_err *err)
{
	int e;

	if (l->share)
		return member_start(l, w, err);
	e = pw_engine_attach(l->qs[0].e, w);
	if (!e && l->vu_server) {
		e = pw_vu_server_attach(l->vu_server, w);
		if (e)
			pw_engine_detach(l->qs[0].e);
	}
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
	if (l->share)
		return pw_engine_error(l->share->e) ? pw_engine_error(l->share->e) :
						      pw_engine_port_error(l->share->e, l->port);
	for (unsigned i = 0; i < l->n; i++)
		if (l->qs[i].err)
			return l->qs[i].err;
	return 0;
}

const struct pw_session_cfg *pw_link_session(const struct pw_link *l)
{
	return &l->cfg.session;
}

const char *pw_link_ifname(const struct pw_link *l)
{
	return l->cfg.tap.name;
}

unsigned pw_link_mtu(const struct pw_link *l)
{
	return l->cfg.tap.mtu;
}

void pw_link_stats(struct pw_link *l, struct pw_link_stats *t)
{
	memset(t, 0, sizeof(*t));
	if (l->share) {
		struct share *sh = l->share;

		if (sh->x->ops->sync_stats)
			sh->x->ops->sync_stats(sh->x);
		t->n_queues = 1;
		t->session = t->queues[0] = sh->sessions[l->port].stats;
		t->tunnel = sh->tunnel.stats; /* the socket's: every member's */
		t->sockbuf_drops[0] = sh->tunnel.stats.rx_sockbuf_drops;
		t->last_bad_session = sh->tunnel.last_bad_session;
		t->last_tx_errno = sh->x->tx_errno;
		t->vnic = sh->vnics[l->port]->stats;
		if (l->vu_server) {
			t->has_vhost = true;
			pw_vhost_stats(l->vu_server, l->vu, &sh->vnics[l->port], 1, &t->vhost);
			t->vhost_why = pw_vu_server_why(l->vu_server);
		}
		return;
	}
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
		if (q->tunnel.last_bad_session)
			t->last_bad_session = q->tunnel.last_bad_session;
		if (q->x->tx_errno)
			t->last_tx_errno = q->x->tx_errno;
		pw_counters_add(&t->vnic, &q->v->stats, pw_vnic_counter_names, pw_vnic_counter_count);
		pw_counters_add(&t->impair, &q->impair, pw_impair_counter_names, pw_impair_counter_count);
	}
	if (l->vu_server) {
		struct pw_vnic *v[PW_QUEUES_MAX];

		for (unsigned i = 0; i < l->n; i++)
			v[i] = l->qs[i].v;
		t->has_vhost = true;
		pw_vhost_stats(l->vu_server, l->vu, v, l->n, &t->vhost);
		t->vhost_why = pw_vu_server_why(l->vu_server);
	}
}

void pw_link_stop(struct pw_link *l)
{
	if (l->share) {
		if (l->vu_server)
			pw_vu_server_detach(l->vu_server);
		/* The engine is detached when no member runs any more. */
		if (l->running && !--l->share->running && l->share->attached) {
			pw_engine_detach(l->share->e);
			l->share->attached = false;
		}
		l->running = false;
		return;
	}
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
	if (l->vu_server)
		pw_vu_server_detach(l->vu_server);
}

/* A member leaves at once: its port and its id out of the engine and the
 * index, its TAP closed; the last one closes the socket. */
static void member_close(struct pw_link *l)
{
	struct share *sh = l->share;

	pw_link_stop(l);
	pw_engine_remove(sh->e, l->port);
	pw_tunnel_unindex(&sh->tunnel, sh->sessions[l->port].cfg.session_id);
	pw_vu_server_free(l->vu_server); /* before the vNIC it syncs */
	l->vu_server = NULL;
	pw_vnic_close(sh->vnics[l->port]);
	sh->vnics[l->port] = NULL;
	sh->members[l->port] = NULL;
	if (!--sh->open)
		share_free(sh);
	member_free(l);
}

void pw_link_close(struct pw_link *l)
{
	if (!l)
		return;
	if (l->share) {
		member_close(l);
		return;
	}
	if (l->qs)
		pw_link_stop(l);
	/* The server before the queues' vNICs it syncs; the device after
	 * both (it resets with the server, and the vNICs point at it). */
	/* The socket's file stays (after the drop there is no removing it);
	 * the next pw_vu_listen() on the path replaces it. */
	pw_vu_server_free(l->vu_server);
	for (unsigned i = 0; l->qs && i < l->n; i++)
		queue_close(&l->qs[i]);
	free(l->qs);
	free(l->vu);
	pw_steer_map_unmap(l->steer_pairs); /* after the device that stores into it */
	if (l->fail_fd >= 0)
		close(l->fail_fd);
	if (l->steer_tap >= 0)
		close(l->steer_tap);
	if (l->steer_sock >= 0)
		close(l->steer_sock);
	free(l);
}
