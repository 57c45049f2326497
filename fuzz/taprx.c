/* SPDX-License-Identifier: MIT */
/*
 * taprx.c: the TAP backend's receive side (vnic/tap.c: read_one, cut; vnet.c)
 * on what a guest could put in front of it: [vnet header][frame] messages
 * read from an in-memory SOCK_SEQPACKET channel (seqpacket.h), which, like a
 * TAP, hands over one message per read. Unknown gso_type, the ECN bit, checksum offload, frames
 * longer than the first read buffer (split across the two), super-frames
 * cut over several bursts.
 *
 * Input: [mtu][burst], then messages as [len:2][bytes] (vnet header first).
 * Each message goes through two TAPs: one fed and drained a message at a
 * time, one fed as many as the channel takes between bursts (so a cut
 * super-frame's rest and the next reads share a burst). Invariants: every
 * message yields frames or moves exactly one counter; every frame fits
 * frame_max and its buffer; no more segments than 64 KiB of payload needs
 * at the least segment size the kernel's TCP allows, and no more bytes than
 * came in plus one header per extra segment; a completed checksum holds;
 * both TAPs give the same frames and counters.
 */
#include "seqpacket.h"
#define readv seq_readv
#include "vnic/tap.c"
#include "vnic/vnet.c"

#include "core/wire.h"
#include "fuzz.h"

enum {
	BURST = 64,
	VH = sizeof(struct virtio_net_hdr),
	/* 64 KiB of payload at TCP_MIN_MSS (88, include/net/tcp.h). */
	SEGS_MAX = (65535 + 88 - 1) / 88,
};

static const unsigned mtus[] = { 68, 576, 1446, 1500, 4000, 9000 };

struct side {
	struct pw_vnic *v;
	int peer; /* the channel the guest's messages are written to */
	uint64_t hash, frames, bytes;
};

static struct side sides[6][2];
static struct pw_pkt pool[BURST];
static struct pw_pkt *pkts[BURST];
static uint32_t cap;

static uint64_t counters(const struct pw_vnic *v)
{
	return v->stats.rx_too_big + v->stats.rx_short + v->stats.rx_bad_offload +
	       v->stats.tx_errors;
}

static struct side *get(unsigned m, unsigned which)
{
	struct side *s = &sides[m][which];

	if (s->v)
		return s;
	s->peer = seq_open(4 << 20);
	FUZZ_CHECK(s->peer >= 0);
	s->v = pw_tap_wrap(s->peer, mtus[m], false);
	FUZZ_CHECK(s->v);
	return s;
}

/* The frame's bytes, folded a word at a time (the memcpy lets ASan see
 * each one is there; a byte loop cost a fifth of the run in coverage
 * hooks). */
static uint64_t fold(const uint8_t *p, uint32_t len)
{
	uint64_t h = len, w;
	uint32_t k = 0;

	for (; k + 8 <= len; k += 8) {
		memcpy(&w, p + k, 8);
		h = (h ^ w) * 0x100000001b3ull;
	}
	w = 0;
	memcpy(&w, p + k, len - k);
	return (h ^ w) * 0x100000001b3ull;
}

/* One burst: check and fold every frame into the side's hash. */
static int burst(struct side *s, unsigned n)
{
	int got = s->v->ops->rx_burst(s->v, pkts, n);

	FUZZ_CHECK(got >= 0 && (unsigned)got <= n);
	for (int i = 0; i < got; i++) {
		const struct pw_pkt *p = pkts[i];

		FUZZ_CHECK(p->data >= p->buf && p->len >= PW_ETH_HLEN);
		FUZZ_CHECK(p->len <= s->v->frame_max && p->data + p->len <= p->buf + p->cap);
		s->hash = (s->hash ^ fold(p->data, p->len)) * 0x100000001b3ull;
		s->bytes += p->len;
	}
	s->frames += (unsigned)got;
	return got;
}

/* A message at a time: what it yields, or exactly one counter. */
static void one(struct side *s, unsigned n, const uint8_t *msg, uint32_t len)
{
	uint64_t before = counters(s->v), frames = s->frames, bytes = s->bytes;
	uint32_t min_len = UINT32_MAX, rounds = 0;
	struct virtio_net_hdr vh;
	int got;

	FUZZ_CHECK(seq_send(s->peer, msg, len));
	while ((got = burst(s, n)) > 0) {
		for (int i = 0; i < got; i++)
			if (pkts[i]->len < min_len)
				min_len = pkts[i]->len;
		FUZZ_CHECK(++rounds <= SEGS_MAX);
	}
	frames = s->frames - frames;
	bytes = s->bytes - bytes;
	FUZZ_CHECK(frames ? counters(s->v) == before : counters(s->v) == before + 1);
	if (!frames)
		return;
	FUZZ_CHECK(len >= VH + PW_ETH_HLEN && frames <= SEGS_MAX);
	/* Each extra segment repeats the headers, which hold less than its
	 * smallest frame; nothing else is added. */
	FUZZ_CHECK(bytes <= len - VH + (frames - 1) * (min_len - 1));
	memcpy(&vh, msg, VH);
	if (frames == 1 && vh.gso_type == VIRTIO_NET_HDR_GSO_NONE &&
	    (vh.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM)) {
		/* The frame (still in pkts[0]) carries a completed checksum: with
		 * the partial sum the field held (the pseudo-header's), the sum
		 * from csum_start on checks, where the field is a 16-bit word of
		 * it (an even csum_offset, as every protocol's is; the kernel
		 * stores an odd one just the same, and so does pwire). */
		uint32_t at = (uint32_t)vh.csum_start + vh.csum_offset;
		uint16_t partial = (uint16_t)(msg[VH + at] << 8 | msg[VH + at + 1]), sum;

		FUZZ_CHECK(bytes == len - VH && at + 2 <= bytes);
		sum = pw_csum_fold(pw_csum_add(partial, pkts[0]->data + vh.csum_start,
					       pkts[0]->len - vh.csum_start));
		FUZZ_CHECK(vh.csum_offset & 1 || sum == 0 || sum == 0xffff);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *msgs[256];
	uint32_t lens[256];
	unsigned count = 0, m, n, sent = 0;
	struct side *a, *b;
	uint64_t ca, cb;

	if (size < 2)
		return 0;
	m = data[0] % 6;
	n = 1 + data[1] % BURST;
	data += 2, size -= 2;
	if (!cap) {
		cap = pw_frame_max(9000) + 1;
		for (unsigned i = 0; i < BURST; i++) {
			pool[i] = (struct pw_pkt){ .buf = malloc(cap), .cap = cap };
			FUZZ_CHECK(pool[i].buf);
		}
	}
	a = get(m, 0);
	b = get(m, 1);
	/* The buffers are exactly what the engine gives: frame_max + 1. */
	for (unsigned i = 0; i < BURST; i++) {
		pool[i].buf += pool[i].cap - (a->v->frame_max + 1);
		pool[i].cap = a->v->frame_max + 1;
		pkts[i] = &pool[i];
	}
	while (size >= 2 && count < 256) {
		uint32_t len = (uint32_t)(data[0] << 8 | data[1]);

		if (len > size - 2)
			len = (uint32_t)(size - 2);
		msgs[count] = data + 2;
		lens[count++] = len;
		data += 2 + len, size -= 2 + len;
	}
	a->hash = b->hash = a->frames = b->frames = a->bytes = b->bytes = 0;
	ca = counters(a->v);
	cb = counters(b->v);
	for (unsigned i = 0; i < count; i++)
		one(a, n, msgs[i], lens[i]);
	/* Side b: write what the channel takes, one burst, again. */
	for (uint32_t rounds = 0;; rounds++) {
		int got;

		while (sent < count && seq_send(b->peer, msgs[sent], lens[sent]))
			sent++;
		got = burst(b, n);
		FUZZ_CHECK(rounds <= (uint64_t)(count + 1) * (SEGS_MAX + 1));
		if (!got && sent == count)
			break;
	}
	FUZZ_CHECK(a->frames == b->frames && a->hash == b->hash);
	FUZZ_CHECK(counters(a->v) - ca == counters(b->v) - cb);
	for (unsigned i = 0; i < BURST; i++) {
		pool[i].buf -= cap - pool[i].cap;
		pool[i].cap = cap;
	}
	return 0;
}
