/* SPDX-License-Identifier: MIT */
/*
 * impair.c: deterministic receive-side impairment (see impair.h).
 *
 * It asks the inner transport for at most half a burst, so that duplicates
 * have room in the caller's array: a duplicate is copied into the buffer of
 * a packet the inner transport did not fill, and every buffer pointer stays
 * in the caller's array (kept ones first).
 * A duplicate comes from the same source as its original.
 * Reordering swaps a datagram with the one after it in the burst. Corruption
 * flips one bit; truncation either cuts the datagram short or marks it
 * MSG_TRUNC. Each decision is drawn for every datagram, so the same seed and
 * the same datagrams give the same decisions however they were batched.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "xport/impair.h"

#define PW_IMPAIR_ENTRY(name, kind) PW_COUNTER_ENTRY(pw_impair_stats, name, kind)
const struct pw_counter_name pw_impair_counter_names[] = { PW_IMPAIR_COUNTERS(PW_IMPAIR_ENTRY) };
const size_t pw_impair_counter_count =
	sizeof(pw_impair_counter_names) / sizeof(pw_impair_counter_names[0]);

enum { PW_IMPAIR_BURST_MAX = 256 };

struct impair {
	struct pw_xport x;
	struct pw_pkt *kept[PW_IMPAIR_BURST_MAX], *gone[PW_IMPAIR_BURST_MAX];
	struct pw_xport *inner;
	struct pw_impair_cfg cfg;
	struct pw_impair_stats *stats;
	uint64_t state;
};

/* xorshift64*: small, fast, and the same sequence for the same seed. */
static uint64_t next(struct impair *im)
{
	im->state ^= im->state >> 12;
	im->state ^= im->state << 25;
	im->state ^= im->state >> 27;
	return im->state * 0x2545f4914f6cdd1dull;
}

static bool chance(struct impair *im, uint32_t ppm)
{
	return ppm && next(im) % 1000000 < ppm;
}

static int impair_rx_burst(struct pw_xport *x, struct pw_pkt **pkts, unsigned n)
{
	struct impair *im = (struct impair *)x;
	struct pw_pkt **kept = im->kept, **gone = im->gone;
	unsigned nk = 0, ng = 0, spare;
	int got;

	if (n > PW_IMPAIR_BURST_MAX)
		n = PW_IMPAIR_BURST_MAX;
	got = im->inner->ops->rx_burst(im->inner, pkts, n > 1 ? n / 2 : n);
	if (got <= 0)
		return got;
	spare = (unsigned)got; /* pkts[spare..n) are free buffers for duplicates */
	for (unsigned i = 0; i < (unsigned)got; i++) {
		struct pw_pkt *p = pkts[i];

		if (chance(im, im->cfg.drop)) {
			im->stats->impair_dropped++;
			gone[ng++] = p;
			continue;
		}
		if (p->len && chance(im, im->cfg.corrupt)) {
			p->data[next(im) % p->len] ^= (uint8_t)(1u << (next(im) % 8));
			im->stats->impair_corrupted++;
		}
		if (chance(im, im->cfg.truncate)) {
			if (next(im) & 1)
				p->truncated = true;
			else
				p->len = p->len ? (uint32_t)(next(im) % p->len) : 0;
			im->stats->impair_truncated++;
		}
		kept[nk++] = p;
		/* Drawn for every datagram, room or not, so the decisions depend
		 * on the sequence of datagrams only, not on how it was batched. */
		if (chance(im, im->cfg.dup) && spare < n && p->len <= pkts[spare]->cap) {
			struct pw_pkt *d = pkts[spare++];

			memcpy(d->buf, p->data, p->len);
			d->data = d->buf;
			d->len = p->len;
			d->truncated = p->truncated;
			d->peer = p->peer;
			kept[nk++] = d;
			im->stats->impair_duplicated++;
		}
	}
	for (unsigned i = 0; i < nk; i++) {
		if (chance(im, im->cfg.reorder) && i + 1 < nk) {
			struct pw_pkt *t = kept[i];

			kept[i] = kept[i + 1];
			kept[i + 1] = t;
			im->stats->impair_reordered++;
			i++;
		}
	}
	/* Every buffer goes back into pkts[]: kept first, then dropped ones,
	 * then spares not used (already in place at the end). */
	for (unsigned i = 0; i < ng; i++)
		kept[nk + i] = gone[i];
	memcpy(pkts, kept, (nk + ng) * sizeof(*pkts));
	return (int)nk;
}

/* It asks the inner transport for half a burst: what that holds besides
 * is still to come. */
static bool impair_pending(const struct pw_xport *x)
{
	const struct impair *im = (const struct impair *)x;

	return im->inner->ops->pending && im->inner->ops->pending(im->inner);
}

static int impair_tx_burst(struct pw_xport *x, struct pw_pkt *const *pkts, unsigned n)
{
	struct impair *im = (struct impair *)x;
	int k = im->inner->ops->tx_burst(im->inner, pkts, n);

	x->tx_errno = im->inner->tx_errno;
	return k;
}

static int impair_fd(const struct pw_xport *x)
{
	const struct impair *im = (const struct impair *)x;

	return im->inner->ops->fd(im->inner);
}

static void impair_close(struct pw_xport *x)
{
	struct impair *im = (struct impair *)x;

	pw_xport_close(im->inner);
	free(im);
}

static void impair_sync_stats(struct pw_xport *x)
{
	struct impair *im = (struct impair *)x;

	if (im->inner->ops->sync_stats)
		im->inner->ops->sync_stats(im->inner);
}

static const struct pw_xport_ops impair_ops = {
	.name = "impair",
	.rx_burst = impair_rx_burst,
	.pending = impair_pending,
	.tx_burst = impair_tx_burst,
	.fd = impair_fd,
	.sync_stats = impair_sync_stats,
	.close = impair_close,
};

struct pw_xport *pw_impair_wrap(struct pw_xport *inner, const struct pw_impair_cfg *cfg,
				struct pw_impair_stats *stats)
{
	struct impair *im = calloc(1, sizeof(*im));

	if (!im)
		return NULL;
	*im = (struct impair){ .x = { .ops = &impair_ops, .stats = inner->stats },
			       .inner = inner, .cfg = *cfg, .stats = stats,
			       .state = cfg->seed ? cfg->seed : 0x9e3779b97f4a7c15ull };
	return &im->x;
}
