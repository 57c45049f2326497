/* SPDX-License-Identifier: MIT */
/*
 * engine.c: the burst loop (DESIGN.md "dp/"), driven by someone else's
 * event loop (dp/loop.h): it owns no epoll set and no thread.
 *
 * Each direction reads one burst, hands it to the other side and keeps what
 * the other side did not take ("staged"). A staged direction stops reading
 * and waits for its output to become writable (EPOLLOUT) instead of
 * spinning. Nothing on this path allocates; the watcher hears of an fd only
 * when a direction changes between flowing and staged. Each call does a
 * bounded amount of work and returns, so whoever runs the loop serves its
 * other fds (signals, stop requests, other engines) in between.
 *
 * Many sessions share the transport and the two directions' buffers. Up,
 * the vNIC that filled the buffers waits with them for the transport; a
 * vNIC found readable meanwhile is "parked" (not watched for input) until
 * they have gone, so the loop never spins on input it cannot take, and only
 * vNICs with something to say cost a watcher call. Down, a burst is handed
 * to each session's vNIC a run of consecutive frames at a time, in order.
 * A vNIC that is full holds the burst until it has room when it is the only
 * one (the socket's buffer takes the wait, nothing is lost); among several,
 * what it cannot take is dropped and counted (tx_errors), as a NIC whose
 * ring is full drops: one guest that stops reading never stalls the others.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "dp/engine.h"

struct dir {
	struct pw_pkt **pkts; /* burst pointers into one array of pw_pkt */
	unsigned n, off;      /* staged: pkts[off..n) not yet taken */
};

/* A session's vNIC, as the engine watches it. */
struct port {
	struct pw_engine *e;
	struct pw_vnic *vnic;
	struct pw_session *s;
	struct port *next_parked;
	int fd;          /* the vNIC's; -1: nothing to watch */
	uint32_t events; /* as last told to the watcher; UINT32_MAX: not watched */
	bool parked;     /* not read until what is staged up has gone */
	int err;         /* why it is no longer read; 0 while it is */
	bool removed;    /* pw_engine_remove(): vnic is no longer ours */
	bool kicked;     /* in the kick list, through next_kicked */
	struct port *next_kicked;
};

struct pw_engine {
	struct pw_engine_cfg cfg;
	struct port *ports; /* ports[i]: tunnel->sessions[i]'s vNIC */
	unsigned n_ports, capacity;
	uint32_t frame_max, hdr_max; /* what the buffers were sized for */
	struct port *up_port;   /* whose frames the up direction holds */
	struct port *down_port; /* the vNIC the down direction waits for */
	struct port *parked;    /* a list, through next_parked */
	/* Work left at the bound on a pump that no fd will report (kick()). */
	int kick_fd;            /* an eventfd this engine watches */
	bool kick_armed;        /* written, not yet read */
	bool kick_down;         /* the transport's side to pump again */
	struct port *kicked;    /* vNICs to pump again, through next_kicked */
	struct pw_session **rx_sess; /* down: each frame's session */
	struct dir up, down;
	struct pw_pkt *pkt_mem;
	uint8_t *buf_mem;
	int xport_fd;
	struct pw_watcher watcher;
	bool attached;
	bool moved; /* this call moved a frame (busy polling's hint) */
	uint32_t xport_events; /* as last told to the watcher */
	int watch_err;         /* the first watcher failure of this call */
	int err;
};

static int on_vnic(void *data, uint32_t events);
static int on_xport(void *data, uint32_t events);

/* Full bursts pumped per direction before the loop looks at its wake fd
 * again: a link that never runs dry (a flood, even of frames that are all
 * dropped) still lets a stop request, a signal or the drop log through
 * after at most this many bursts (epoll is level-triggered, so the work
 * left is found again at once). */
enum { PW_ROUNDS_MAX = 64 };

static bool staged(const struct dir *d)
{
	return d->off < d->n;
}

static size_t index_of(const struct pw_engine *e, const struct pw_session *s)
{
	return (size_t)(s - e->cfg.tunnel->sessions);
}

/* Tell the watcher what p waits for now, if that changed; or, for a vNIC
 * whose fd is a set of its own (vnic.h arm), watch the set once and arm
 * what is inside. */
static void watch_port(struct pw_engine *e, struct port *p)
{
	uint32_t want = (p->parked ? 0 : EPOLLIN) | (p == e->down_port ? EPOLLOUT : 0);
	int err = 0;

	if (p->fd < 0 || p->err || !e->attached || want == p->events)
		return;
	if (p->vnic->ops->arm) {
		if (p->events == UINT32_MAX)
			err = e->watcher.watch(e->watcher.loop, p->fd, EPOLLIN, on_vnic, p);
		if (!err)
			err = p->vnic->ops->arm(p->vnic, want);
	} else {
		err = e->watcher.watch(e->watcher.loop, p->fd, want, on_vnic, p);
	}
	if (err && !e->watch_err)
		e->watch_err = err;
	p->events = want;
}

static void park(struct pw_engine *e, struct port *p)
{
	if (p->parked)
		return;
	p->parked = true;
	p->next_parked = e->parked;
	e->parked = p;
	watch_port(e, p);
}

/* Whether p's vNIC holds frames it has read (a super-frame being cut):
 * its fd then says nothing about them. */
static bool vnic_pending(const struct port *p)
{
	return p->vnic->ops->pending && p->vnic->ops->pending(p->vnic);
}

static void kick(struct pw_engine *e, struct port *p, bool up, bool down);

/* Watched again; one whose vNIC holds frames is kicked, since no
 * readiness would bring them. */
static void unpark_all(struct pw_engine *e)
{
	while (e->parked) {
		struct port *p = e->parked;

		e->parked = p->next_parked;
		p->parked = false;
		watch_port(e, p);
		if (e->attached && !p->err && vnic_pending(p))
			kick(e, p, true, false);
	}
}

static void set_down_port(struct pw_engine *e, struct port *p)
{
	struct port *old = e->down_port;

	if (old == p)
		return;
	e->down_port = p;
	if (old)
		watch_port(e, old);
	if (p)
		watch_port(e, p);
}

/* Send what is staged upward; true when all of it went. */
static bool up_flush(struct pw_engine *e)
{
	struct dir *d = &e->up;
	struct port *p = e->up_port;
	int k = e->cfg.xport->ops->tx_burst(e->cfg.xport, d->pkts + d->off, d->n - d->off);

	for (int i = 0; i < k; i++) { /* sent: taken and not refused */
		const struct pw_pkt *q = d->pkts[d->off + i];

		p->s->stats.tx_packets += !q->refused;
		p->s->stats.tx_bytes += q->refused ? 0 : q->len;
	}
	d->off += (unsigned)(k > 0 ? k : 0);
	e->moved |= k > 0;
	if (staged(d))
		return false;
	if (p->vnic->ops->release)
		p->vnic->ops->release(p->vnic, d->pkts, d->n);
	d->n = d->off = 0;
	return true;
}

/* Hand what is staged downward to its sessions' vNICs, a run of one
 * session's frames at a time; true when all of it went. */
static bool down_flush(struct pw_engine *e)
{
	struct dir *d = &e->down;

	while (staged(d)) {
		struct pw_session *s = e->rx_sess[d->off];
		size_t i = index_of(e, s);
		/* In the lines the gate loaded: with many sessions, a port of
		 * its own would be a miss each. */
		const struct pw_session_out *o = &s->out;
		unsigned end = d->off + 1;
		int k = 0;

		while (end < d->n && e->rx_sess[end] == s)
			end++;
		if (!o->tx_burst && e->ports[i].removed) {
			e->cfg.tunnel->stats.rx_bad_session += end - d->off;
			d->off = end;
			continue;
		}
		if (o->tx_burst)
			k = o->tx_burst(o->vnic, d->pkts + d->off, end - d->off);
		d->off += (unsigned)(k > 0 ? k : 0);
		e->moved |= k > 0;
		if (d->off < end && e->n_ports == 1 && o->tx_burst) {
			set_down_port(e, &e->ports[i]);
			return false;
		}
		/* Refused: a vNIC that failed, or a full one among several (the
		 * others do not wait for it). */
		if (d->off < end) {
			o->vnic->stats.tx_errors += end - d->off;
			d->off = end;
		}
	}
	d->n = d->off = 0;
	set_down_port(e, NULL);
	return true;
}

/* One burst up from p. Returns 1 when another may be waiting (a full
 * burst, or frames the vNIC holds: a short burst then says nothing), 0 when
 * not (or p waits, parked, for the transport), -errno when the vNIC failed
 * for good. */
static int up_pump(struct pw_engine *e, struct port *p)
{
	struct dir *d = &e->up;
	int n;

	if (staged(d)) {
		park(e, p);
		return 0;
	}
	n = p->vnic->ops->rx_burst(p->vnic, d->pkts, e->cfg.burst);
	if (n <= 0)
		return n < 0 ? n : vnic_pending(p);
	e->moved = true;
	pw_encap_burst(p->s, d->pkts, (unsigned)n);
	d->n = (unsigned)n;
	d->off = 0;
	e->up_port = p;
	if (!up_flush(e)) {
		park(e, p);
		return 0;
	}
	return (unsigned)n == e->cfg.burst || vnic_pending(p);
}

/* The transport has room: send what is staged up; once it has gone, the
 * parked vNICs are read again (by the loop: they are watched again). */
static int up_drain(struct pw_engine *e)
{
	if (staged(&e->up) && up_flush(e))
		unpark_all(e);
	return 0;
}

/* Whether the transport holds received datagrams in user space: then a
 * burst shorter than asked does not mean it has no more. */
static bool xport_pending(const struct pw_engine *e)
{
	const struct pw_xport *x = e->cfg.xport;

	return x->ops->pending && x->ops->pending(x);
}

static int down_pump(struct pw_engine *e)
{
	struct dir *d = &e->down;
	int n;

	if (staged(d))
		return down_flush(e) ? 1 : 0;
	n = e->cfg.xport->ops->rx_burst(e->cfg.xport, d->pkts, e->cfg.burst);
	if (n <= 0)
		return n;
	e->moved = true;
	d->n = pw_decap_burst(e->cfg.tunnel, d->pkts, (unsigned)n, e->rx_sess);
	d->off = 0;
	return down_flush(e) && ((unsigned)n == e->cfg.burst || xport_pending(e));
}

/* Read the transport where nothing is staged down; wait for room where
 * something is staged up. */
static void watch_xport(struct pw_engine *e)
{
	uint32_t x = (staged(&e->down) ? 0 : EPOLLIN) | (staged(&e->up) ? EPOLLOUT : 0);
	int err;

	if (x == e->xport_events || !e->attached)
		return;
	err = e->watcher.watch(e->watcher.loop, e->xport_fd, x, on_xport, e);
	if (err && !e->watch_err)
		e->watch_err = err;
	e->xport_events = x;
}

/* The transport or the watcher failed for good: stop watching, tell the
 * owner. */
static void fail(struct pw_engine *e, int err)
{
	pw_engine_detach(e);
	e->err = err;
	if (e->cfg.on_error)
		e->cfg.on_error(e->cfg.ctx, PW_ENGINE_ALL, err);
}

/* p's vNIC failed for good: no longer watched or read; the frames the down
 * direction holds for it are counted as refused, so the others go on. */
static void port_fail(struct pw_engine *e, struct port *p, int err)
{
	if (p->events != UINT32_MAX)
		e->watcher.unwatch(e->watcher.loop, p->fd);
	p->events = UINT32_MAX;
	p->err = err;
	p->s->out.tx_burst = NULL;
	if (e->down_port == p)
		down_flush(e);
	if (e->cfg.on_error)
		e->cfg.on_error(e->cfg.ctx, (uint32_t)(p - e->ports), err);
}

void pw_engine_remove(struct pw_engine *e, uint32_t port)
{
	struct port *p = &e->ports[port], **at;

	if (p->removed)
		return;
	if (p->events != UINT32_MAX)
		e->watcher.unwatch(e->watcher.loop, p->fd);
	p->events = UINT32_MAX;
	for (at = &e->parked; *at; at = &(*at)->next_parked)
		if (*at == p) {
			*at = p->next_parked;
			break;
		}
	p->parked = false;
	for (at = &e->kicked; *at; at = &(*at)->next_kicked)
		if (*at == p) {
			*at = p->next_kicked;
			break;
		}
	p->kicked = false;
	if (e->up_port == p && staged(&e->up)) {
		if (p->vnic->ops->release)
			p->vnic->ops->release(p->vnic, e->up.pkts, e->up.n);
		e->up.n = e->up.off = 0;
		e->watch_err = 0;
		unpark_all(e);
		watch_xport(e);
	}
	e->up_port = e->up_port == p ? NULL : e->up_port;
	p->removed = true;
	p->err = -ENODEV;
	p->s->out.tx_burst = NULL;
	if (e->down_port == p) {
		e->watch_err = 0;
		down_flush(e);
		watch_xport(e);
	}
	p->vnic = p->s->out.vnic = NULL;
	if (e->watch_err)
		fail(e, e->watch_err);
}

/* Whether frames for session s wait in the down direction. */
static bool down_holds(const struct pw_engine *e, const struct pw_session *s)
{
	for (unsigned i = e->down.off; i < e->down.n; i++)
		if (e->rx_sess[i] == s)
			return true;
	return false;
}

bool pw_engine_reusable(const struct pw_engine *e, uint32_t port)
{
	return port < e->n_ports && e->ports[port].removed &&
	       !down_holds(e, &e->cfg.tunnel->sessions[port]);
}

/* Port i for vnics[i] and the tunnel's sessions[i], not watched yet. */
static struct port *port_init(struct pw_engine *e, uint32_t i)
{
	struct pw_vnic *v = e->cfg.vnics[i];
	struct port *p = &e->ports[i];

	*p = (struct port){ .e = e, .vnic = v, .s = &e->cfg.tunnel->sessions[i],
			    .fd = v->ops->fd(v), .events = UINT32_MAX };
	p->s->out = (struct pw_session_out){ .vnic = v, .tx_burst = v->ops->tx_burst };
	return p;
}

int pw_engine_add(struct pw_engine *e, uint32_t i)
{
	struct pw_session *s = &e->cfg.tunnel->sessions[i];
	struct pw_vnic *v;
	struct port *p;
	int err;

	if (i > e->n_ports || i >= e->capacity)
		return -ENOSPC;
	/* A removed port again: once nothing of its old session waits here
	 * (those frames are rx_bad_session, never the newcomer's). */
	if (i < e->n_ports && !pw_engine_reusable(e, i))
		return -EBUSY;
	v = e->cfg.vnics[i];
	if (v->frame_max > e->frame_max || s->rx.len > e->hdr_max)
		return -EMSGSIZE;
	p = port_init(e, i);
	if (i == e->n_ports)
		e->n_ports++;
	e->watch_err = 0;
	watch_port(e, p);
	err = e->watch_err;
	e->watch_err = 0;
	if (err) {
		/* Never watched: a port that is not there (n_ports stays). */
		p->events = UINT32_MAX;
		pw_engine_remove(e, i);
	}
	return err;
}

/* The bound stopped a pump with more maybe waiting. Where it waits in the
 * kernel, the fd stays ready and the loop calls again; but a transport or
 * vNIC may hold it in user space (a UDP GRO message half handed out, a
 * super-frame half cut), which no fd reports: the kick fd is written (once
 * until read), and on_kick() pumps those directions again after every
 * other fd had its turn. A system call per bounded round, under load only. */
static void kick(struct pw_engine *e, struct port *p, bool up, bool down)
{
	e->kick_down |= down;
	if (up && !p->kicked) {
		p->kicked = true;
		p->next_kicked = e->kicked;
		e->kicked = p;
	}
	if (!e->kick_armed) {
		eventfd_write(e->kick_fd, 1);
		e->kick_armed = true;
	}
}

static int pump(struct pw_engine *e, struct port *p, int up, int down);

static int on_kick(void *data, uint32_t events)
{
	struct pw_engine *e = data;
	struct port *list = e->kicked;
	bool down = e->kick_down;
	eventfd_t v;
	int moved = 0;

	(void)events;
	eventfd_read(e->kick_fd, &v);
	e->kick_armed = e->kick_down = false;
	e->kicked = NULL;
	if (down)
		moved |= pump(e, NULL, 0, 1);
	while (list) {
		struct port *p = list;

		list = p->next_kicked;
		p->kicked = false;
		if (e->attached && !p->err)
			moved |= pump(e, p, 1, 0);
	}
	return moved;
}

/* Pump the directions an fd's readiness says can move, alternating, for at
 * most PW_ROUNDS_MAX bursts each; what is left is found again next round
 * (the loop is level-triggered), after every other fd had its turn. Up is
 * p's input, or, with no p, the transport's room for what is staged. */
static int pump(struct pw_engine *e, struct port *p, int up, int down)
{
	e->moved = false;
	e->watch_err = 0;
	for (unsigned round = 0; (up > 0 || down > 0) && round < PW_ROUNDS_MAX; round++) {
		if (up > 0) {
			up = p ? up_pump(e, p) : up_drain(e);
			if (up < 0)
				port_fail(e, p, up);
		}
		if (down > 0) {
			down = down_pump(e);
			if (down < 0) {
				fail(e, down);
				return 1;
			}
		}
	}
	if (e->attached && (down > 0 || (up > 0 && p)))
		kick(e, p, up > 0, down > 0);
	watch_xport(e);
	if (e->watch_err)
		fail(e, e->watch_err);
	return e->moved;
}

static int on_vnic(void *data, uint32_t events)
{
	struct port *p = data;

	if (p->err) /* failed or removed in this round of the loop */
		return 0;
	/* A set is readable when something armed in it is ready. */
	if (p->vnic->ops->arm && (events & EPOLLIN))
		events = (events & ~(uint32_t)EPOLLIN) | p->events;
	return pump(p->e, p, !!(events & (EPOLLIN | EPOLLERR | EPOLLHUP)),
		    (events & EPOLLOUT) && p == p->e->down_port);
}

static int on_xport(void *data, uint32_t events)
{
	return pump(data, NULL, !!(events & EPOLLOUT), !!(events & (EPOLLIN | EPOLLERR)));
}

int pw_engine_attach(struct pw_engine *e, const struct pw_watcher *w)
{
	e->watcher = *w;
	e->attached = true;
	e->watch_err = 0;
	e->xport_events = UINT32_MAX; /* not yet registered */
	e->watch_err = e->watcher.watch(e->watcher.loop, e->kick_fd, EPOLLIN, on_kick, e);
	if (!e->watch_err)
		watch_xport(e);
	for (unsigned i = 0; i < e->n_ports && !e->watch_err; i++)
		watch_port(e, &e->ports[i]);
	if (e->watch_err) {
		int err = e->watch_err;

		pw_engine_detach(e);
		return err;
	}
	return 0;
}

void pw_engine_detach(struct pw_engine *e)
{
	if (!e->attached)
		return;
	e->watcher.unwatch(e->watcher.loop, e->kick_fd);
	if (e->xport_events != UINT32_MAX)
		e->watcher.unwatch(e->watcher.loop, e->xport_fd);
	for (unsigned i = 0; i < e->n_ports; i++) {
		struct port *p = &e->ports[i];

		if (p->events != UINT32_MAX)
			e->watcher.unwatch(e->watcher.loop, p->fd);
		p->events = UINT32_MAX;
	}
	e->attached = false;
}

int pw_engine_error(const struct pw_engine *e)
{
	return e->err;
}

int pw_engine_port_error(const struct pw_engine *e, uint32_t port)
{
	return port < e->n_ports ? e->ports[port].err : -EINVAL;
}

static int alloc_dir(struct dir *d, struct pw_pkt *pkts, uint8_t *bufs, unsigned burst,
		     uint32_t cap)
{
	d->pkts = calloc(burst, sizeof(*d->pkts));
	if (!d->pkts)
		return -ENOMEM;
	for (unsigned i = 0; i < burst; i++) {
		pkts[i].buf = pkts[i].data = bufs + (size_t)i * cap;
		pkts[i].cap = cap;
		d->pkts[i] = &pkts[i];
	}
	return 0;
}

struct pw_session *pw_engine_sessions(unsigned n)
{
	size_t size = (n ? n : 1) * sizeof(struct pw_session);
	struct pw_session *s = aligned_alloc(128, size);

	if (s)
		memset(s, 0, size);
	return s;
}

struct pw_engine *pw_engine_new(const struct pw_engine_cfg *cfg)
{
	struct pw_engine *e = calloc(1, sizeof(*e));
	unsigned b = cfg->burst, n = cfg->tunnel->n_sessions;
	uint32_t frame_max = 0, hdr_max = 0, up_cap, down_cap;

	if (!e)
		return NULL;
	e->cfg = *cfg;
	e->n_ports = n;
	e->capacity = cfg->capacity > n ? cfg->capacity : n;
	e->kick_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (e->kick_fd < 0) {
		free(e);
		return NULL;
	}
	e->xport_fd = cfg->xport->ops->fd(cfg->xport);
	e->ports = calloc(e->capacity ? e->capacity : 1, sizeof(*e->ports));
	if (!e->ports)
		goto fail;
	for (unsigned i = 0; i < n; i++) {
		struct port *p = &e->ports[i];

		port_init(e, i);
		if (p->vnic->frame_max > frame_max)
			frame_max = p->vnic->frame_max;
		if (p->s->rx.len > hdr_max)
			hdr_max = p->s->rx.len;
	}
	e->frame_max = frame_max;
	e->hdr_max = hdr_max;
	/* Up: a frame and one byte to spot longer ones. Down: the largest
	 * valid datagram (IPv4 header with options, a header, a frame);
	 * anything longer is MSG_TRUNC and dropped. */
	up_cap = frame_max + 1;
	down_cap = PW_IPV4_HLEN_MAX + hdr_max + frame_max;
	e->pkt_mem = calloc(2 * (size_t)b, sizeof(*e->pkt_mem));
	e->buf_mem = malloc((size_t)b * up_cap + (size_t)b * down_cap);
	e->rx_sess = calloc(b, sizeof(*e->rx_sess));
	if (!e->pkt_mem || !e->buf_mem || !e->rx_sess ||
	    alloc_dir(&e->up, e->pkt_mem, e->buf_mem, b, up_cap) ||
	    alloc_dir(&e->down, e->pkt_mem + b, e->buf_mem + (size_t)b * up_cap, b, down_cap))
		goto fail;
	return e;
fail:
	pw_engine_free(e);
	errno = ENOMEM;
	return NULL;
}

void pw_engine_free(struct pw_engine *e)
{
	if (!e)
		return;
	pw_engine_detach(e);
	close(e->kick_fd);
	free(e->ports);
	free(e->up.pkts);
	free(e->down.pkts);
	free(e->pkt_mem);
	free(e->buf_mem);
	free(e->rx_sess);
	free(e);
}
