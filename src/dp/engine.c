/* SPDX-License-Identifier: MIT */
/*
 * engine.c: the burst loop (DESIGN.md "dp/").
 *
 * Each direction reads one burst, hands it to the other side and keeps what
 * the other side did not take ("staged"). A staged direction stops reading
 * and waits for its output to become writable (EPOLLOUT) instead of
 * spinning. Nothing on this path allocates; epoll_ctl runs only when a
 * direction changes between flowing and staged.
 *
 * Busy polling (busy_poll_us): after a round that moved frames, epoll is
 * asked without a timeout until busy_poll_us pass with nothing to do, and
 * only then does the loop sleep. A reply that comes back within that time
 * (a ping, a request/response) costs no wake-up on either side; an idle
 * link costs nothing once the time is up.
 */
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

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
	int ep;
	uint32_t vnic_events, xport_events;
};

enum { PW_TAG_VNIC, PW_TAG_XPORT, PW_TAG_WAKE };

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
	d->n = pw_decap_burst(e->cfg.tunnel, d->pkts, (unsigned)n, e->rx_sess);
	d->off = 0;
	return down_flush(e) && (unsigned)n == e->cfg.burst;
}

static int watch(struct pw_engine *e, int fd, int tag, uint32_t *cur, uint32_t want)
{
	struct epoll_event ev = { .events = want, .data.u32 = (uint32_t)tag };

	if (*cur == want)
		return 0;
	*cur = want;
	return epoll_ctl(e->ep, EPOLL_CTL_MOD, fd, &ev) ? -errno : 0;
}

/* Read where nothing is staged; wait for room where something is. */
static int update_interest(struct pw_engine *e)
{
	uint32_t v = (staged(&e->up) ? 0 : EPOLLIN) | (staged(&e->down) ? EPOLLOUT : 0);
	uint32_t x = (staged(&e->down) ? 0 : EPOLLIN) | (staged(&e->up) ? EPOLLOUT : 0);
	int err = watch(e, e->cfg.vnic->ops->fd(e->cfg.vnic), PW_TAG_VNIC, &e->vnic_events, v);

	return err ? err : watch(e, e->cfg.xport->ops->fd(e->cfg.xport), PW_TAG_XPORT,
				 &e->xport_events, x);
}

static uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts); /* the vDSO: no system call */
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

int pw_engine_run(struct pw_engine *e, int wake_fd)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u32 = PW_TAG_WAKE };
	uint64_t spin_until = 0; /* busy polling until then; 0: sleep */
	int err = 0;

	if (epoll_ctl(e->ep, EPOLL_CTL_ADD, wake_fd, &ev) && errno != EEXIST)
		return -errno;
	for (;;) {
		struct epoll_event evs[3];
		int up = 0, down = 0, n;

		err = update_interest(e);
		if (err)
			break;
		n = epoll_wait(e->ep, evs, 3, spin_until ? 0 : -1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = -errno;
			break;
		}
		if (e->cfg.busy_poll_us) {
			uint64_t t = now_us();

			if (n > 0)
				spin_until = t + e->cfg.busy_poll_us;
			else if (t >= spin_until)
				spin_until = 0;
			else
				sched_yield(); /* whoever shares the core goes first */
		}
		for (int i = 0; i < n; i++) {
			if (evs[i].data.u32 == PW_TAG_WAKE)
				goto out;
			if (evs[i].data.u32 == PW_TAG_VNIC) {
				up |= !!(evs[i].events & (EPOLLIN | EPOLLERR | EPOLLHUP));
				down |= !!(evs[i].events & EPOLLOUT);
			} else {
				down |= !!(evs[i].events & (EPOLLIN | EPOLLERR));
				up |= !!(evs[i].events & EPOLLOUT);
			}
		}
		for (unsigned round = 0; (up > 0 || down > 0) && round < PW_ROUNDS_MAX; round++) {
			if (up > 0)
				up = up_pump(e);
			if (down > 0)
				down = down_pump(e);
			if (up < 0 || down < 0) {
				err = up < 0 ? up : down;
				goto out;
			}
		}
	}
out:
	epoll_ctl(e->ep, EPOLL_CTL_DEL, wake_fd, NULL);
	return err;
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
	struct epoll_event ev = { 0 };
	int err = ENOMEM;

	if (!e)
		return NULL;
	e->cfg = *cfg;
	e->ep = -1;
	e->session = &cfg->tunnel->sessions[0];
	e->pkt_mem = calloc(2 * (size_t)b, sizeof(*e->pkt_mem));
	e->buf_mem = malloc((size_t)b * up_cap + (size_t)b * down_cap);
	e->rx_sess = calloc(b, sizeof(*e->rx_sess));
	if (!e->pkt_mem || !e->buf_mem || !e->rx_sess ||
	    alloc_dir(&e->up, e->pkt_mem, e->buf_mem, b, up_cap) ||
	    alloc_dir(&e->down, e->pkt_mem + b, e->buf_mem + (size_t)b * up_cap, b, down_cap))
		goto fail;
	e->ep = epoll_create1(EPOLL_CLOEXEC);
	if (e->ep < 0)
		goto fail_errno;
	ev.data.u32 = PW_TAG_VNIC;
	if (epoll_ctl(e->ep, EPOLL_CTL_ADD, cfg->vnic->ops->fd(cfg->vnic), &ev))
		goto fail_errno;
	ev.data.u32 = PW_TAG_XPORT;
	if (epoll_ctl(e->ep, EPOLL_CTL_ADD, cfg->xport->ops->fd(cfg->xport), &ev))
		goto fail_errno;
	return e;
fail_errno:
	err = errno;
fail:
	pw_engine_free(e);
	errno = err;
	return NULL;
}

void pw_engine_free(struct pw_engine *e)
{
	if (!e)
		return;
	if (e->ep >= 0)
		close(e->ep);
	free(e->up.pkts);
	free(e->down.pkts);
	free(e->pkt_mem);
	free(e->buf_mem);
	free(e->rx_sess);
	free(e);
}
