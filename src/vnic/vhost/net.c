/* SPDX-License-Identifier: MIT */
/*
 * net.c: a virtio-net queue pair of a vhost-user device as a vNIC (net.h).
 *
 * Guest to pseudowire (rx_burst): chains popped from the guest's TX ring,
 * the virtio-net header read and checked by vnet.c as a TAP's is. A plain
 * frame (no offload asked) whose bytes lie in one piece is lent: the
 * packet points into guest memory, the transport sends it from there
 * behind the L2TPv3 header (which is ours, in pkt->hdr), and its chain is
 * given back when the engine releases the burst (release()). Anything else
 * is copied into the engine's buffer, and its chain given back at once: a
 * frame asking for its checksum (NEEDS_CSUM, nearly all of a Linux guest's
 * TCP and UDP) summed in the same pass as it is copied, and completed
 * there (cheaper than lending all but its headers: bench/README.md).
 * Used elements (length 0) are published once per burst, at release when
 * something was lent, and the guest called at most once. When the ring is
 * empty the kick is read, notifications turned on and the ring looked at
 * again (the guest may have added a chain meanwhile), so the set is
 * readable exactly while there is work.
 *
 * While frames are lent, the pair stays entered in its gate (dev.h): the
 * control side cannot stop the ring or unmap the memory under a send. The
 * engine releases a burst once the transport sent all of it; when the
 * transport is full it keeps the rest and parks the vNIC (arm(), nothing
 * armed for input), and then what is still lent is copied into the
 * engine's own buffers and given back, so that the gate never stays
 * entered while the loop waits. A guest that changes a lent frame during
 * its send changes only its own frame: nothing checked depends on it.
 *
 * A super-frame (the guest's TSO or USO, negotiated as HOST_TSO4/6 or
 * HOST_USO, with CSUM) is copied whole into a scratch buffer, checked with
 * the TAP's bounds (vnet.c: a guest cannot multiply its frames) and cut
 * into the engine's buffers, over as many bursts as it takes.
 *
 * Pseudowire to guest (tx_burst): consecutive TCP segments of one flow
 * are joined back into one super-frame (core/gso.c, as the TAP does) when
 * the guest takes them (GUEST_CSUM and GUEST_TSO4/6); a frame goes into
 * one chain of the guest's RX ring, or with MRG_RXBUF into as many as it
 * takes (num_buffers in the first). No chain left: the frames stay with
 * the engine, which arms EPOLLOUT: the RX ring's kick, with notifications
 * on, says when the guest gave buffers.
 *
 * A ring the guest broke breaks the device (vq.c counted why); from then
 * on nothing is read or written until the front end is gone and the device
 * reset.
 */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
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
	/* A guest's super-frame, and one we join: a chain's 64 KiB (vq.h). */
	SUPER_MAX = PW_VQ_CHAIN_BYTES - HDR,
	/* Chains one frame may take with MRG_RXBUF: Linux posts buffers of
	 * at least an MTU-sized frame, 44 of which hold 64 KiB. */
	MRG_CHAINS = 64,
	/* Frames lent at once (an rx_burst asking for more is given at most
	 * this many): the engine's bursts are 64. */
	LENT_MAX = 256,
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
	struct pw_vq_chain chain, first; /* first: a frame's first chain, for its header */
	uint8_t *super;         /* a guest's super-frame, contiguous, being cut */
	struct pw_tso tso;
	uint32_t next_seg;      /* its next segment; tso.segments when none is left */
	/* Chains popped by the last rx_burst from its first lent frame on,
	 * not yet released: the lent packets (NULL: a chain copied, waiting
	 * to be used in order) and the heads. While any is, the pair's gate
	 * is ours. */
	struct pw_pkt *lent[LENT_MAX];
	uint16_t lent_head[LENT_MAX];
	unsigned n_lent;
	bool in_gate;           /* entered by an rx_burst that lent, not left */
	struct pw_gro gro;      /* frames for the guest being joined */
	unsigned gro_first;     /* the packet the join started with */
	uint16_t part_head[MRG_CHAINS]; /* the chains one frame for the guest took */
	uint32_t part_len[MRG_CHAINS];
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

/* Copy len bytes at offset off of the chain into buf, and return the ones'
 * complement sum (pw_csum_add's, not folded) of those from buf offset
 * `from` on, taken in the same pass. */
static uint64_t chain_copy_sum(const struct pw_vq_chain *c, uint32_t off, uint8_t *buf,
			       uint32_t len, uint32_t from)
{
	uint64_t sum = 0;
	uint32_t done = 0;

	for (unsigned i = 0; i < c->n && done < len; i++) {
		const uint8_t *base = c->seg[i].iov_base;
		uint32_t seg = (uint32_t)c->seg[i].iov_len, k;

		if (off >= seg) {
			off -= seg;
			continue;
		}
		base += off;
		k = seg - off < len - done ? seg - off : len - done;
		off = 0;
		if (done < from) {
			uint32_t plain = k < from - done ? k : from - done;

			memcpy(buf + done, base, plain);
			done += plain;
			base += plain;
			k -= plain;
		}
		if (k) {
			uint64_t part = pw_csum_copy(0, buf + done, base, k); /* at most 0xffff */

			/* A piece starting at an odd offset of the summed
			 * bytes: its words are the other bytes' (RFC 1071 §2(B)). */
			if ((done - from) & 1)
				part = (uint16_t)(part << 8 | part >> 8);
			sum += part;
			done += k;
		}
	}
	return sum;
}

static bool negotiated(const struct vu_net *n, unsigned bit)
{
	return n->d->features & UINT64_C(1) << bit;
}

/* The guest's header, its fields in our byte order (virtio 1.x: little
 * endian), and ours in its. */
static void vh_from_guest(struct virtio_net_hdr *vh)
{
	vh->hdr_len = le16toh(vh->hdr_len);
	vh->gso_size = le16toh(vh->gso_size);
	vh->csum_start = le16toh(vh->csum_start);
	vh->csum_offset = le16toh(vh->csum_offset);
}

static void vh_to_guest(struct virtio_net_hdr *vh)
{
	vh->hdr_len = htole16(vh->hdr_len);
	vh->gso_size = htole16(vh->gso_size);
	vh->csum_start = htole16(vh->csum_start);
	vh->csum_offset = htole16(vh->csum_offset);
}

/* Cut what is left of the guest's super-frame into pkts[k..max). */
static unsigned cut(struct vu_net *n, struct pw_pkt **pkts, unsigned k, unsigned max)
{
	while (k < max && n->next_seg < n->tso.segments) {
		struct pw_pkt *p = pkts[k++];

		p->data = p->buf;
		p->len = pw_tso_segment(&n->tso, n->next_seg++, p->buf);
	}
	return k;
}

/* Where the frame of chain c (the bytes after the header) starts, if all
 * len of them lie in one piece; NULL if not. */
static uint8_t *one_piece(const struct pw_vq_chain *c, uint32_t len)
{
	uint32_t off = HDR;

	for (unsigned i = 0; i < c->n; i++) {
		uint32_t seg = (uint32_t)c->seg[i].iov_len;

		if (off < seg)
			return seg - off == len ? (uint8_t *)c->seg[i].iov_base + off : NULL;
		off -= seg;
	}
	return NULL;
}

/* The frame of the chain just popped into pkts[k] (a plain one: lent, or
 * copied), or cut into pkts[k..max) (a super-frame, the rest on the next
 * calls). Returns the new k; a frame dropped is counted. *lent: pkts[k]
 * points into the chain, which must not be given back yet. */
static unsigned take(struct vu_net *n, struct pw_pkt **pkts, unsigned k, unsigned max,
		     bool *lent)
{
	const struct pw_vq_chain *c = &n->chain;
	struct pw_pkt *p = pkts[k];
	struct virtio_net_hdr vh;
	struct pw_gso g;
	uint32_t len;
	uint8_t *frame;

	if (c->len < HDR + PW_ETH_HLEN) {
		n->v.stats.rx_short++;
		return k;
	}
	len = c->len - HDR; /* at most SUPER_MAX: vq.c bounds a TX chain */
	chain_copy(c, 0, (uint8_t *)&vh, sizeof(vh), false);
	vh_from_guest(&vh);
	pw_vnet_to_gso(&vh, &g);
	/* A plain frame goes straight into the engine's buffer; a
	 * super-frame is made contiguous before it is checked, and only one
	 * that passes becomes n->tso (the next call must not cut a refused
	 * one). */
	if (g.type == PW_GSO_NONE) {
		if (len > n->v.frame_max || len > p->cap) {
			n->v.stats.rx_too_big++;
			return k;
		}
		/* Nothing to write: lent, read by nothing but the transport. */
		if (!g.needs_csum && n->n_lent < LENT_MAX && (frame = one_piece(c, len))) {
			p->data = frame;
			p->len = len;
			n->lent[n->n_lent] = p;
			n->lent_head[n->n_lent++] = c->head;
			*lent = true;
			return k + 1;
		}
		/* The checksum to write: into our copy, summed as it is made
		 * (the same bounds as pw_csum_complete()). */
		if (g.needs_csum) {
			uint32_t at = (uint32_t)g.csum_start + g.csum_offset;

			if (g.csum_start >= len || at + 2 > len) {
				n->v.stats.rx_bad_offload++;
				return k;
			}
			store_be16(p->buf + at,
				   pw_csum_fold(chain_copy_sum(c, HDR, p->buf, len, g.csum_start)));
			p->data = p->buf;
			p->len = len;
			return k + 1;
		}
		frame = p->buf;
	} else {
		frame = n->super;
	}
	chain_copy(c, HDR, frame, len, false);
	switch (pw_vnet_rx(&g, frame, len, n->v.frame_max, &n->tso)) {
	case PW_VNET_FRAME:
		p->data = p->buf;
		p->len = len;
		return k + 1;
	case PW_VNET_SUPER:
		n->stats.rx_super++;
		n->next_seg = 0;
		return cut(n, pkts, k, max);
	case PW_VNET_TOO_BIG:
		n->v.stats.rx_too_big++;
		return k;
	case PW_VNET_BAD_OFFLOAD:
		break;
	}
	n->v.stats.rx_bad_offload++;
	return k;
}

static int rx_burst(struct vu_net *n, struct pw_pkt **pkts, unsigned max)
{
	struct pw_vu_ring *r = ring_of(n, TX_RING);
	struct pw_vring *q = live(n, TX_RING);
	unsigned k, seen = 0;
	bool took_kick = false, lent = false;
	eventfd_t kicks;

	if (max > LENT_MAX)
		max = LENT_MAX;
	k = cut(n, pkts, 0, max);
	if (!q)
		return (int)k;
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
			took_kick = true;
			if (!pw_vq_notify_on(q, true))
				break;
			pw_vq_notify_on(q, false);
			continue;
		}
		seen++;
		if (!r->enabled)
			n->stats.rx_disabled++;
		else
			k = take(n, pkts, k, max, &lent);
		/* Used in the order popped: after a lent one, a chain waits
		 * for the release too. */
		if (!lent && n->n_lent) {
			n->lent[n->n_lent] = NULL;
			n->lent_head[n->n_lent++] = n->chain.head;
		} else if (!lent) {
			pw_vq_push(q, n->chain.head, 0);
		}
		lent = false;
	}
	/* What was lent is published with the rest at release. */
	if (seen && !n->n_lent)
		flush(n, TX_RING);
	/* Full with the kick taken and notifications off: the guest will not
	 * kick for what is left, so the set must stay readable itself. */
	if (took_kick && (k >= max || seen >= max))
		eventfd_write(r->kick, 1);
	return (int)k;
}

/* The chains held since the first lent frame go back to the guest (used,
 * in the order popped, not yet published); with `copy`, the lent bytes
 * first into the packets' own buffers, for whoever still holds them. */
static void give_back(struct vu_net *n, bool copy)
{
	/* Even broken since (by a later chain of the burst): these were
	 * good, and the memory stays until the gate is left. */
	struct pw_vring *q = ring_of(n, TX_RING)->started ? &ring_of(n, TX_RING)->vq : NULL;

	for (unsigned i = 0; i < n->n_lent; i++) {
		struct pw_pkt *p = n->lent[i];

		if (copy && p) {
			memcpy(p->buf, p->data, p->len); /* len <= frame_max < cap: take() */
			p->data = p->buf;
		} else if (p) {
			n->stats.rx_lent++; /* sent: the engine releases once all went */
		}
		if (q)
			pw_vq_push(q, n->lent_head[i], 0);
	}
	n->n_lent = 0;
}

/* Enter the pair's gate, unless an rx_burst that lent holds it already. */
static bool enter(struct vu_net *n)
{
	return n->in_gate || pw_vu_gate_enter(n->d, n->pair);
}

/* Leave it, unless frames are lent: then it stays ours until release. */
static void leave(struct vu_net *n)
{
	n->in_gate = n->n_lent > 0;
	if (!n->in_gate)
		pw_vu_gate_exit(n->d, n->pair);
}

/* Publish what was given back, call the guest if it wants, leave. */
static void give_back_all(struct vu_net *n, bool copy)
{
	give_back(n, copy);
	if (ring_of(n, TX_RING)->started)
		flush(n, TX_RING);
	leave(n);
}

/* Held by the control side (a ring changing, briefly): nothing now; the
 * set stays readable and the engine comes back. */
static int net_rx_burst(struct pw_vnic *v, struct pw_pkt **pkts, unsigned max)
{
	struct vu_net *n = (struct vu_net *)v;
	int k;

	if (!enter(n))
		return 0;
	/* Lent and never released (the engine always releases): the caller
	 * may still hold those packets, so they keep their bytes. */
	if (n->n_lent) {
		give_back(n, true);
		if (ring_of(n, TX_RING)->started)
			flush(n, TX_RING);
	}
	k = rx_burst(n, pkts, max);
	leave(n);
	return k;
}

/* The transport sent the burst: its lent chains go back, once per burst. */
static void net_release(struct pw_vnic *v, struct pw_pkt *const *pkts, unsigned count)
{
	struct vu_net *n = (struct vu_net *)v;

	(void)pkts;
	(void)count;
	if (n->in_gate)
		give_back_all(n, false);
}

/* A read position in a frame given as pieces (a joined one's iovecs). */
struct pieces {
	const struct iovec *iov;
	unsigned i;
	size_t off;
};

/* Copy the next len bytes of the pieces into chain c from offset off on. */
static void chain_fill(const struct pw_vq_chain *c, uint32_t off, struct pieces *src, uint32_t len)
{
	while (len) {
		const struct iovec *v = &src->iov[src->i];
		uint32_t k = v->iov_len - src->off < len ? (uint32_t)(v->iov_len - src->off) : len;

		chain_copy(c, off, (uint8_t *)v->iov_base + src->off, k, true);
		off += k;
		len -= k;
		src->off += k;
		if (src->off == v->iov_len) {
			src->i++;
			src->off = 0;
		}
	}
}

/*
 * Put [header][frame] (len bytes in iovecs: one, or a join's pieces) into
 * the guest's RX ring: one chain, or with MRG_RXBUF as many as it takes (at
 * most MRG_CHAINS), num_buffers saying how many. 1: placed, or dropped when the chains cannot hold it (counted,
 * given back for the next frame); 0: not enough chains yet (none taken,
 * the guest asked to kick when it gives more); -1: the ring broke.
 */
static int place(struct vu_net *n, struct pw_vring *q, const struct iovec *frame, uint32_t len,
		 struct virtio_net_hdr_mrg_rxbuf *vh)
{
	unsigned most = negotiated(n, VIRTIO_NET_F_MRG_RXBUF) ? MRG_CHAINS : 1;
	uint32_t total = HDR + len, done = 0;
	uint16_t parts = 0;
	struct pieces src = { frame, 0, 0 };

	while (done < total) {
		struct pw_vq_chain *c = parts ? &n->chain : &n->first;
		int got = pw_vq_pop(q, true, c);
		uint32_t k;

		if (got < 0)
			return -1;
		if (!got) {
			eventfd_t kicks;

			/* The whole ring cannot hold it: the guest could
			 * never give more. */
			if (parts >= q->num) {
				pw_vq_unpop(q, parts);
				n->stats.tx_guest_buf_short++;
				return 1;
			}
			/* Take the kick (the set would stay readable), then
			 * ask, with what we took still taken, so that the
			 * guest kicks for chains past those. */
			eventfd_read(ring_of(n, RX_RING)->kick, &kicks);
			if (pw_vq_notify_on(q, true)) {
				pw_vq_notify_on(q, false);
				continue;
			}
			pw_vq_unpop(q, parts);
			return 0;
		}
		k = c->len < total - done ? c->len : total - done;
		if ((!parts && k < HDR) || (parts + 1u == most && done + k < total)) {
			/* The header or the frame cannot fit: the chains
			 * stay the guest's for the next frame. */
			pw_vq_unpop(q, (uint16_t)(parts + 1));
			n->stats.tx_guest_buf_short++;
			return 1;
		}
		if (parts)
			chain_fill(c, 0, &src, k);
		else
			chain_fill(c, HDR, &src, k - HDR);
		n->part_head[parts] = c->head;
		n->part_len[parts++] = k;
		done += k;
	}
	vh->num_buffers = htole16(parts);
	chain_copy(&n->first, 0, (uint8_t *)vh, HDR, true);
	for (unsigned i = 0; i < parts; i++)
		pw_vq_push(q, n->part_head[i], n->part_len[i]);
	return 1;
}

/* One frame (g NULL) or a joined super-frame (g what pw_gro_finish() said)
 * for the guest: UINT_MAX when done with, `first` when the ring has no room
 * or broke (then the device is broken: the caller drops the rest). */
static unsigned put(struct vu_net *n, struct pw_vring *q, const struct iovec *frame, uint32_t len,
		    const struct pw_gso *g, unsigned first)
{
	struct virtio_net_hdr_mrg_rxbuf vh;
	int r;

	pw_vnet_from_gso(g, n->gro.hdr_len, &vh.hdr);
	vh_to_guest(&vh.hdr);
	r = place(n, q, frame, len, &vh);
	if (r < 0)
		pw_vu_dev_break(n->d);
	return r > 0 ? UINT_MAX : first;
}

/* Put what has been joined so far (from pkts[n->gro_first] on). */
static unsigned put_joined(struct vu_net *n, struct pw_vring *q)
{
	struct pw_gso g;
	unsigned stop;
	bool joined;

	if (!n->gro.segs)
		return UINT_MAX;
	joined = pw_gro_finish(&n->gro, &g);
	n->gro.segs = 0;
	stop = put(n, q, n->gro.iov, n->gro.len, joined ? &g : NULL, n->gro_first);
	if (joined && stop == UINT_MAX)
		n->stats.tx_super++;
	return stop;
}

/* Whether the guest takes a joined TCP super-frame of this family: it
 * said so, and gave mergeable buffers (without them a joined frame needs
 * one chain of its size, which the spec only says a driver SHOULD give). */
static bool joins(const struct vu_net *n, bool v6)
{
	return negotiated(n, VIRTIO_NET_F_MRG_RXBUF) && negotiated(n, VIRTIO_NET_F_GUEST_CSUM) &&
	       negotiated(n, v6 ? VIRTIO_NET_F_GUEST_TSO6 : VIRTIO_NET_F_GUEST_TSO4);
}

static int tx_burst(struct vu_net *n, struct pw_pkt *const *pkts, unsigned count)
{
	struct pw_vu_ring *r = ring_of(n, RX_RING);
	struct pw_vring *q = live(n, RX_RING);
	bool join = joins(n, false) || joins(n, true);
	unsigned stop = UINT_MAX, i;
	uint16_t used = q ? q->used_idx : 0;

	if (!q || !r->enabled) {
		n->stats.tx_no_guest += count;
		return (int)count;
	}
	pw_vq_notify_on(q, false);
	for (i = 0; i < count && stop == UINT_MAX; i++) {
		const struct pw_pkt *p = pkts[i];

		if (n->gro.segs && pw_gro_append(&n->gro, p->data, p->len))
			continue;
		stop = put_joined(n, q);
		if (stop != UINT_MAX)
			break;
		if (join && pw_gro_start(&n->gro, p->data, p->len)) {
			if (joins(n, n->gro.v6)) {
				n->gro_first = i;
				continue;
			}
			n->gro.segs = 0;
		}
		stop = put(n, q, &(struct iovec){ p->data, p->len }, p->len, NULL, i);
	}
	if (stop == UINT_MAX)
		stop = put_joined(n, q);
	n->gro.segs = 0; /* what was joined and not put stays with the caller */
	if (n->d->broken) {
		/* Broken meanwhile: the rest has nowhere to go. */
		n->stats.tx_no_guest += count - (stop < count ? stop : count);
		stop = count;
	}
	if (q->used_idx != used)
		flush(n, RX_RING);
	return (int)(stop < count ? stop : count);
}

/* Held by the control side: the ring is stopping or changing; the frames
 * have nowhere to go now (counted as for a stopped ring). */
static int net_tx_burst(struct pw_vnic *v, struct pw_pkt *const *pkts, unsigned count)
{
	struct vu_net *n = (struct vu_net *)v;
	int k;

	if (!enter(n)) {
		n->stats.tx_no_guest += count;
		return (int)count;
	}
	k = tx_burst(n, pkts, count);
	leave(n);
	return k;
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

/* The set and `armed` are shared with pw_vu_net_sync(), which the control
 * side calls holding the pair: arming waits the short while it holds it
 * (an arm is not lost, and is never made from a ring half changed). */
static int net_arm(struct pw_vnic *v, uint32_t events)
{
	struct vu_net *n = (struct vu_net *)v;
	int err;

	while (!enter(n))
		sched_yield();
	n->armed = events;
	err = set_ring(n, TX_RING, EPOLLIN, false);
	if (!err)
		err = set_ring(n, RX_RING, EPOLLOUT, false);
	/* Armed without input with frames lent: the engine parked us, the
	 * transport full; what it keeps becomes its own, the chains go back
	 * now and the gate is left while the loop waits. */
	if (n->in_gate && !(events & EPOLLIN))
		give_back_all(n, true);
	else
		leave(n);
	return err;
}

int pw_vu_net_sync(struct pw_vnic *v)
{
	struct vu_net *n = (struct vu_net *)v;
	int err = 0;

	pw_vu_dev_hold(n->d, n->pair);
	for (unsigned which = RX_RING; which <= TX_RING && !err; which++) {
		struct pw_vu_ring *r = ring_of(n, which);

		err = set_ring(n, which, which == TX_RING ? EPOLLIN : EPOLLOUT, true);
		/* A ring that just started: look at it once (the guest may
		 * have kicked before we watched). */
		if (!err && r->started && !n->started[which] && r->kick >= 0)
			eventfd_write(r->kick, 1);
		/* A ring that stopped: what was left of its guest's
		 * super-frame goes with it. */
		if (which == TX_RING && !r->started)
			n->next_seg = n->tso.segments;
		n->started[which] = r->started;
	}
	pw_vu_dev_release(n->d, n->pair);
	return err;
}

const struct pw_vu_net_stats *pw_vu_net_stats(const struct pw_vnic *v)
{
	return &((const struct vu_net *)v)->stats;
}

static void net_close(struct pw_vnic *v)
{
	struct vu_net *n = (struct vu_net *)v;

	if (n->in_gate) /* closed with frames lent: nothing sends them now */
		pw_vu_gate_exit(n->d, n->pair);
	for (unsigned which = RX_RING; which <= TX_RING; which++)
		if (n->in_set[which] >= 0)
			close(n->in_set[which]);
	close(n->set);
	free(n->super);
	free(n->gro.buf);
	free(n);
}

static const struct pw_vnic_ops net_ops = {
	.name = "vhost-user",
	.rx_burst = net_rx_burst,
	.tx_burst = net_tx_burst,
	.release = net_release,
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
			      .in_set = { -1, -1 }, .in_set_of = { -1, -1 },
			      .super = malloc(SUPER_MAX),
			      .gro = { .buf = malloc(PW_GRO_HDR_MAX), .cap = PW_GRO_HDR_MAX,
				       .max = SUPER_MAX } };
	if (n->set < 0 || !n->super || !n->gro.buf) {
		int e = n->set < 0 ? errno : ENOMEM;

		if (n->set >= 0)
			close(n->set);
		free(n->super);
		free(n->gro.buf);
		free(n);
		errno = e;
		return NULL;
	}
	return &n->v;
}
