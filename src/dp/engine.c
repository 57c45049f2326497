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
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/epoll.h>

#include "dp/engine.h"

struct dir {
	struct pw_pkt **pkts; /* burst pointers into one array of pw_pkt */
	unsigned n, off;      /* staged: pkts[off..n) not yet taken */
};

struct pw_engine {
	struct pw_engine_cfg cfg;
	struct pw_session *session;
	struct pw_session **rx_sess;
	struct dir up, down;
	struct pw_pkt *pkt_mem;
	uint8_t *buf_mem;
	int vnic_fd, xport_fd;
	struct pw_watcher watcher;
	bool attached;
	bool moved; /* this call moved a frame (busy polling's hint) */
	uint32_t vnic_events, xport_events; /* as last told to the watcher */
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

/* Send what is staged upward; true when all of it went. */
static bool up_flush(struct pw_engine *e)
{
	struct dir *d = &e->up;
	int k = e->cfg.xport->ops->tx_burst(e->cfg.xport, d->pkts + d->off, d->n - d->off);

	for (int i = 0; i < k; i++) {
		e->session->stats.tx_packets++;
		e->session->stats.tx_bytes += d->pkts[d->off + i]->len;
	}
	d->off += (unsigned)(k > 0 ? k : 0);
	e->moved |= k > 0;
	if (staged(d))
		return false;
	if (e->cfg.vnic->ops->release)
		e->cfg.vnic->ops->release(e->cfg.vnic, d->pkts, d->n);
	d->n = d->off = 0;
	return true;
}

static bool down_flush(struct pw_engine *e)
{
	struct dir *d = &e->down;
	int k = e->cfg.vnic->ops->tx_burst(e->cfg.vnic, d->pkts + d->off, d->n - d->off);

	d->off += (unsigned)(k > 0 ? k : 0);
	e->moved |= k > 0;
	if (staged(d))
		return false;
	d->n = d->off = 0;
	return true;
}

/* One burst up. Returns 1 when another may be waiting, 0 when not, -errno
 * when the vNIC failed for good. */
static int up_pump(struct pw_engine *e)
{
	struct dir *d = &e->up;
	int n;

	if (staged(d))
		return up_flush(e) ? 1 : 0;
	n = e->cfg.vnic->ops->rx_burst(e->cfg.vnic, d->pkts, e->cfg.burst);
	if (n <= 0)
		return n;
	e->moved = true;
	pw_encap_burst(e->session, d->pkts, (unsigned)n);
	d->n = (unsigned)n;
	d->off = 0;
	return up_flush(e) && (unsigned)n == e->cfg.burst;
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
	return down_flush(e) && (unsigned)n == e->cfg.burst;
}

/* Read where nothing is staged; wait for room where something is. The
 * watcher is told only when that changes. */
static int update_interest(struct pw_engine *e)
{
	uint32_t v = (staged(&e->up) ? 0 : EPOLLIN) | (staged(&e->down) ? EPOLLOUT : 0);
	uint32_t x = (staged(&e->down) ? 0 : EPOLLIN) | (staged(&e->up) ? EPOLLOUT : 0);
	const struct pw_watcher *w = &e->watcher;
	int err = 0;

	if (v != e->vnic_events) {
		err = w->watch(w->loop, e->vnic_fd, v, on_vnic, e);
		e->vnic_events = v;
	}
	if (!err && x != e->xport_events) {
		err = w->watch(w->loop, e->xport_fd, x, on_xport, e);
		e->xport_events = x;
	}
	return err;
}

/* The vNIC or the watcher failed for good: stop watching, tell the owner. */
static void fail(struct pw_engine *e, int err)
{
	pw_engine_detach(e);
	e->err = err;
	if (e->cfg.on_error)
		e->cfg.on_error(e->cfg.ctx, err);
}

/* Pump the directions an fd's readiness says can move, alternating, for at
 * most PW_ROUNDS_MAX bursts each; what is left is found again next round
 * (the loop is level-triggered), after every other fd had its turn. */
static int pump(struct pw_engine *e, int up, int down)
{
	int err;

	e->moved = false;
	for (unsigned round = 0; (up > 0 || down > 0) && round < PW_ROUNDS_MAX; round++) {
		if (up > 0)
			up = up_pump(e);
		if (down > 0)
			down = down_pump(e);
		if (up < 0 || down < 0) {
			fail(e, up < 0 ? up : down);
			return 1;
		}
	}
	err = update_interest(e);
	if (err)
		fail(e, err);
	return e->moved;
}

static int on_vnic(void *data, uint32_t events)
{
	return pump(data, !!(events & (EPOLLIN | EPOLLERR | EPOLLHUP)), !!(events & EPOLLOUT));
}

static int on_xport(void *data, uint32_t events)
{
	return pump(data, !!(events & EPOLLOUT), !!(events & (EPOLLIN | EPOLLERR)));
}

int pw_engine_attach(struct pw_engine *e, const struct pw_watcher *w)
{
	int err;

	e->watcher = *w;
	e->attached = true;
	e->vnic_events = e->xport_events = UINT32_MAX; /* not yet registered */
	err = update_interest(e);
	if (err)
		pw_engine_detach(e);
	return err;
}

void pw_engine_detach(struct pw_engine *e)
{
	if (!e->attached)
		return;
	e->watcher.unwatch(e->watcher.loop, e->vnic_fd);
	e->watcher.unwatch(e->watcher.loop, e->xport_fd);
	e->attached = false;
}

int pw_engine_error(const struct pw_engine *e)
{
	return e->err;
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

struct pw_engine *pw_engine_new(const struct pw_engine_cfg *cfg)
{
	struct pw_engine *e = calloc(1, sizeof(*e));
	unsigned b = cfg->burst;
	/* Up: a frame and one byte to spot longer ones. Down: the largest
	 * valid datagram (IPv4 header with options, our header, a frame);
	 * anything longer is MSG_TRUNC and dropped. */
	uint32_t up_cap = cfg->vnic->frame_max + 1;
	uint32_t down_cap = PW_IPV4_HLEN_MAX + cfg->tunnel->sessions[0].rx.len + cfg->vnic->frame_max;
	int err = ENOMEM;

	if (!e)
		return NULL;
	e->cfg = *cfg;
	e->vnic_fd = cfg->vnic->ops->fd(cfg->vnic);
	e->xport_fd = cfg->xport->ops->fd(cfg->xport);
	e->session = &cfg->tunnel->sessions[0];
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
	errno = err;
	return NULL;
}

void pw_engine_free(struct pw_engine *e)
{
	if (!e)
		return;
	pw_engine_detach(e);
	free(e->up.pkts);
	free(e->down.pkts);
	free(e->pkt_mem);
	free(e->buf_mem);
	free(e->rx_sess);
	free(e);
}
