/* SPDX-License-Identifier: MIT */
/*
 * net.c: a virtio-net queue pair of a vhost-user device as a vNIC (net.h).
 *
 * Guest to pseudowire (rx_burst): chains popped from the guest's TX ring,
 * the virtio-net header read and checked by vnet.c as a TAP's is, the
 * frame copied into the engine's buffer, every chain given back (used,
 * length 0) and published once per burst, the guest called at most once.
 * When the ring is empty the kick is read, notifications turned on and the
 * ring looked at again (the guest may have added a chain meanwhile), so
 * the set is readable exactly while there is work.
 *
 * Pseudowire to guest (tx_burst): one chain of the guest's RX ring per
 * frame (no MRG_RXBUF yet), the header (no offload, num_buffers 1) and the
 * frame copied in. No chain left: the frames stay with the engine, which
 * arms EPOLLOUT: the RX ring's kick, with notifications on, says when the
 * guest gave buffers.
 *
 * A ring the guest broke breaks the device (vq.c counted why); from then
 * on nothing is read or written until the front end is gone and the device
 * reset.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "vnic/vhost/net.h"
#include "vnic/vnet.h"

enum {
	HDR = sizeof(struct virtio_net_hdr_mrg_rxbuf), /* VERSION_1: 12 bytes */
	RX_RING = 0, /* the guest receives: our tx_burst fills it */
	TX_RING = 1, /* the guest sends: our rx_burst reads it */
};

struct vu_net {
	struct pw_vnic v;
	struct pw_vu_dev *d;
	unsigned pair;
	int set;                /* epoll set: fd() */
	uint32_t armed;         /* EPOLLIN: the TX ring's kick; EPOLLOUT: the RX ring's */
	/* For each ring, the kick fd the set watches: our own copy (dup) of
	 * the ring's, so that it leaves the set when we say, even after the
	 * device closed its own (a stop, a new kick) while the front end
	 * still holds the eventfd; and which of the ring's fds it copies. */
	int in_set[2], in_set_of[2]; /* -1: none */
	bool started[2];        /* as last synced */
	struct pw_vq_chain chain;
	struct pw_vu_net_stats stats;
};

static struct pw_vu_ring *ring_of(struct vu_net *n, unsigned which)
{
	return &n->d->ring[2 * n->pair + which];
}

/* The ring if frames may move on it now, else NULL. */
static struct pw_vring *live(struct vu_net *n, unsigned which)
{
	struct pw_vu_ring *r = ring_of(n, which);

	return !n->d->broken && r->started ? &r->vq : NULL;
}

/* Publish what was pushed, and call the guest if it wants to be. */
static void flush(struct vu_net *n, unsigned which)
{
	struct pw_vu_ring *r = ring_of(n, which);

	pw_vq_flush(&r->vq);
	if (r->call >= 0 && pw_vq_should_call(&r->vq)) {
		eventfd_write(r->call, 1);
		n->stats.calls++;
	}
}

/* Copy len bytes at offset off of the chain to or from buf. */
static void chain_copy(const struct pw_vq_chain *c, uint32_t off, uint8_t *buf, uint32_t len,
		       bool to_chain)
{
	for (unsigned i = 0; i < c->n && len; i++) {
		uint8_t *base = c->seg[i].iov_base;
		uint32_t seg = (uint32_t)c->seg[i].iov_len, k;

		if (off >= seg) {
			off -= seg;
			continue;
		}
		k = seg - off < len ? seg - off : len;
		if (to_chain)
			memcpy(base + off, buf, k);
		else
			memcpy(buf, base + off, k);
		buf += k;
		len -= k;
		off = 0;
	}
}

/* The frame of the chain just popped into p; false when it is dropped
 * (counted). */
static bool take(struct vu_net *n, struct pw_pkt *p)
{
	const struct pw_vq_chain *c = &n->chain;
	struct virtio_net_hdr vh;
	struct pw_gso g;
	struct pw_tso tso;
	uint32_t len;

	if (c->len < HDR + PW_ETH_HLEN) {
		n->v.stats.rx_short++;
		return false;
	}
	len = c->len - HDR;
	if (len > n->v.frame_max || len > p->cap) {
		n->v.stats.rx_too_big++;
		return false;
	}
	chain_copy(c, 0, (uint8_t *)&vh, sizeof(vh), false);
	chain_copy(c, HDR, p->buf, len, false);
	pw_vnet_to_gso(&vh, &g);
	switch (pw_vnet_rx(&g, p->buf, len, n->v.frame_max, &tso)) {
	case PW_VNET_FRAME:
		p->data = p->buf;
		p->len = len;
		return true;
	case PW_VNET_TOO_BIG:
		n->v.stats.rx_too_big++;
		return false;
	case PW_VNET_SUPER: /* TSO is not offered (M2): a guest that cuts none */
	case PW_VNET_BAD_OFFLOAD:
		break;
	}
	n->v.stats.rx_bad_offload++;
	return false;
}

static int net_rx_burst(struct pw_vnic *v, struct pw_pkt **pkts, unsigned max)
{
	struct vu_net *n = (struct vu_net *)v;
	struct pw_vu_ring *r = ring_of(n, TX_RING);
	struct pw_vring *q = live(n, TX_RING);
	unsigned k = 0, seen = 0;
	eventfd_t kicks;

	if (!q)
		return 0;
	pw_vq_notify_on(q, false);
	while (k < max && seen < max) {
		int got = pw_vq_pop(q, false, &n->chain);

		if (got < 0) {
			pw_vu_dev_break(n->d);
			break;
		}
		if (!got) {
			/* Empty: take the kick, then have the guest kick again
			 * (looking once more: it may have added a chain between
			 * our last look and the flag). */
			eventfd_read(r->kick, &kicks);
			if (!pw_vq_notify_on(q, true))
				break;
			pw_vq_notify_on(q, false);
			continue;
		}
		seen++;
		if (!r->enabled)
			n->stats.rx_disabled++;
		else if (take(n, pkts[k]))
			k++;
		pw_vq_push(q, n->chain.head, 0);
	}
	if (seen)
		flush(n, TX_RING);
	return (int)k;
}

static int net_tx_burst(struct pw_vnic *v, struct pw_pkt *const *pkts, unsigned count)
{
	struct vu_net *n = (struct vu_net *)v;
	struct pw_vu_ring *r = ring_of(n, RX_RING);
	struct pw_vring *q = live(n, RX_RING);
	struct virtio_net_hdr_mrg_rxbuf vh = { .num_buffers = 1 };
	unsigned k = 0, pushed = 0;

	if (!q || !r->enabled) {
		n->stats.tx_no_guest += count;
		return (int)count;
	}
	pw_vq_notify_on(q, false);
	while (k < count) {
		const struct pw_pkt *p = pkts[k];
		int got = pw_vq_pop(q, true, &n->chain);

		if (got < 0) {
			pw_vu_dev_break(n->d);
			n->stats.tx_no_guest += count - k;
			k = count;
			break;
		}
		if (!got) {
			/* No buffer: wait for the guest's kick, unless it gave
			 * one while we asked for it. */
			if (!pw_vq_notify_on(q, true))
				break;
			pw_vq_notify_on(q, false);
			continue;
		}
		if (n->chain.len < HDR + p->len) {
			n->stats.tx_guest_buf_short++;
			pw_vq_push(q, n->chain.head, 0);
		} else {
			chain_copy(&n->chain, 0, (uint8_t *)&vh, HDR, true);
			chain_copy(&n->chain, HDR, p->data, p->len, true);
			pw_vq_push(q, n->chain.head, HDR + p->len);
		}
		pushed++;
		k++;
	}
	if (pushed)
		flush(n, RX_RING);
	return (int)k;
}

static int net_fd(const struct pw_vnic *v)
{
	return ((const struct vu_net *)v)->set;
}

/* The kick fd of ring `which` into the set when armed for it and running,
 * out of it otherwise; `fresh`: the ring's fd may be a new file under an
 * old number (a reconnect), so it is put in again even when it looks the
 * same. */
static int set_ring(struct vu_net *n, unsigned which, uint32_t event, bool fresh)
{
	struct pw_vu_ring *r = ring_of(n, which);
	int want = (n->armed & event) && r->started && !n->d->broken ? r->kick : -1;
	struct epoll_event ev = { .events = EPOLLIN };
	int copy;

	if (want == n->in_set_of[which] && !fresh)
		return 0;
	if (n->in_set[which] >= 0) {
		epoll_ctl(n->set, EPOLL_CTL_DEL, n->in_set[which], NULL);
		close(n->in_set[which]);
	}
	n->in_set[which] = n->in_set_of[which] = -1;
	if (want < 0)
		return 0;
	copy = fcntl(want, F_DUPFD_CLOEXEC, 0);
	if (copy < 0)
		return -errno;
	if (epoll_ctl(n->set, EPOLL_CTL_ADD, copy, &ev)) {
		int err = -errno;

		close(copy);
		return err;
	}
	n->in_set[which] = copy;
	n->in_set_of[which] = want;
	return 0;
}

static int net_arm(struct pw_vnic *v, uint32_t events)
{
	struct vu_net *n = (struct vu_net *)v;
	int err;

	n->armed = events;
	err = set_ring(n, TX_RING, EPOLLIN, false);
	return err ? err : set_ring(n, RX_RING, EPOLLOUT, false);
}

int pw_vu_net_sync(struct pw_vnic *v)
{
	struct vu_net *n = (struct vu_net *)v;
	int err = 0;

	for (unsigned which = RX_RING; which <= TX_RING && !err; which++) {
		struct pw_vu_ring *r = ring_of(n, which);

		err = set_ring(n, which, which == TX_RING ? EPOLLIN : EPOLLOUT, true);
		/* A ring that just started: look at it once (the guest may
		 * have kicked before we watched). */
		if (!err && r->started && !n->started[which] && r->kick >= 0)
			eventfd_write(r->kick, 1);
		n->started[which] = r->started;
	}
	return err;
}

const struct pw_vu_net_stats *pw_vu_net_stats(const struct pw_vnic *v)
{
	return &((const struct vu_net *)v)->stats;
}

static void net_close(struct pw_vnic *v)
{
	struct vu_net *n = (struct vu_net *)v;

	for (unsigned which = RX_RING; which <= TX_RING; which++)
		if (n->in_set[which] >= 0)
			close(n->in_set[which]);
	close(n->set);
	free(n);
}

static const struct pw_vnic_ops net_ops = {
	.name = "vhost-user",
	.rx_burst = net_rx_burst,
	.tx_burst = net_tx_burst,
	.fd = net_fd,
	.arm = net_arm,
	.close = net_close,
};

struct pw_vnic *pw_vu_net_open(struct pw_vu_dev *d, unsigned pair, unsigned mtu)
{
	struct vu_net *n;

	if (pair >= d->cfg.pairs) {
		errno = EINVAL;
		return NULL;
	}
	n = calloc(1, sizeof(*n));
	if (!n)
		return NULL;
	*n = (struct vu_net){ .v = { .ops = &net_ops, .frame_max = pw_frame_max(mtu) }, .d = d,
			      .pair = pair, .set = epoll_create1(EPOLL_CLOEXEC),
			      .in_set = { -1, -1 }, .in_set_of = { -1, -1 } };
	if (n->set < 0) {
		free(n);
		return NULL;
	}
	return &n->v;
}
