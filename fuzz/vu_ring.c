/* SPDX-License-Identifier: MIT */
/*
 * vu_ring.c: the split virtqueue walk (vnic/vhost/vq.c) over a hostile
 * guest's memory. Input: a header of 8 bytes, then burst records of 3
 * bytes, then the image of guest memory (rings, indirect tables, buffers)
 * copied from gpa 0.
 *   byte 0: bits 0-3 log2 of the ring size (at most 256), bit 4 INDIRECT_DESC,
 *           bit 5 EVENT_IDX, bit 6 pop writable (RX) chains, bit 7 one region
 *           of 16 KiB instead of two adjacent ones of 8 KiB;
 *   bytes 1-2 the base (last_avail and used->idx), 3-4 avail->idx,
 *   5-6 used_event, 7 the number of bursts (at most 16);
 *   a burst: pops wanted (0..63) and chains given back (bits 6-7), the
 *   length pushed, what the guest adds to avail->idx afterwards.
 * The memory lies between PROT_NONE pages: a read or write past it faults.
 * Asserted: every piece lies inside one region, a chain's pieces add up to
 * its length, at most PW_VQ_CHAIN_BYTES and PW_VQ_SEGS_MAX; a ring broken
 * counts exactly one reason and stays broken; used->idx advanced by exactly
 * what was pushed.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>

#include "fuzz.h"
#include "vnic/vhost/vq.h"

enum {
	PAGE = 4096,
	MEM = 4 * PAGE,
	DESC = 0x0, AVAIL = 0x1000, USED = 0x1400,
	HDR = 8, BURST = 3, BURSTS_MAX = 16,
	UVA = 0x40000000,
};

static uint8_t *mem; /* MEM bytes between two PROT_NONE pages */

static uint64_t counted(const struct pw_vring *q)
{
	uint64_t sum = 0;
#define SUM(name, kind) sum += q->stats.name;
	PW_VQ_COUNTERS(SUM)
#undef SUM
	return sum;
}

static void check_chain(const struct pw_vring *q, const struct pw_vq_chain *c)
{
	uint64_t sum = 0;

	FUZZ_CHECK(c->head < q->num);
	FUZZ_CHECK(c->n >= 1 && c->n <= PW_VQ_SEGS_MAX);
	FUZZ_CHECK(c->len <= PW_VQ_CHAIN_BYTES);
	for (unsigned i = 0; i < c->n; i++) {
		const uint8_t *p = c->seg[i].iov_base;
		size_t len = c->seg[i].iov_len;
		bool inside = false;

		FUZZ_CHECK(len > 0);
		for (unsigned k = 0; k < q->mem->n; k++) {
			const struct pw_vu_area *r = &q->mem->r[k];

			inside |= p >= r->host && len <= r->size &&
				  (uint64_t)(p - r->host) <= r->size - len;
		}
		FUZZ_CHECK(inside);
		FUZZ_CHECK(p >= mem && p + len <= mem + MEM);
		sum += len;
	}
	FUZZ_CHECK(sum == c->len);
}

/* The ring broken: one reason counted, and so it stays. */
static void check_broken(struct pw_vring *q, bool writable, struct pw_vq_chain *c)
{
	FUZZ_CHECK(q->broken.reason != PW_VQ_OK && counted(q) == 1);
	FUZZ_CHECK(pw_vq_pop(q, writable, c) == -EPROTO && pw_vq_pending(q) == -EPROTO);
	FUZZ_CHECK(counted(q) == 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct pw_vq_chain c;
	struct pw_vu_region r[2] = {
		{ .gpa = 0, .size = MEM / 2, .uva = UVA },
		{ .gpa = MEM / 2, .size = MEM / 2, .uva = UVA + 0x100000, .mmap_offset = MEM / 2 },
	};
	struct pw_vq_cfg cfg = { .desc = UVA + DESC, .avail = UVA + AVAIL, .used = UVA + USED };
	struct vring_avail *avail;
	struct vring_used *used;
	struct pw_vu_mem m;
	struct pw_vring q;
	struct pw_err e;
	unsigned bursts;
	uint16_t pushed = 0;
	bool writable;

	if (!mem) {
		uint8_t *p = mmap(NULL, MEM + 2 * PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		FUZZ_CHECK(p != MAP_FAILED);
		FUZZ_CHECK(mprotect(p + PAGE, MEM, PROT_READ | PROT_WRITE) == 0);
		mem = p + PAGE;
	}
	if (size < HDR)
		return 0;
	bursts = data[7] % (BURSTS_MAX + 1);
	if (size < HDR + bursts * BURST)
		return 0;
	memset(mem, 0, MEM);
	memcpy(mem, data + HDR + bursts * BURST,
	       size - HDR - bursts * BURST < MEM ? size - HDR - bursts * BURST : MEM);
	if (data[0] & 0x80) {
		r[0].size = MEM;
		pw_err_init(&e);
		FUZZ_CHECK(pw_vu_mem_fake(&m, r, 1, mem, &e));
	} else {
		pw_err_init(&e);
		FUZZ_CHECK(pw_vu_mem_fake(&m, r, 2, mem, &e));
	}
	cfg.num = 1u << ((data[0] & 0xf) > 8 ? 8 : data[0] & 0xf);
	cfg.base = (uint16_t)(data[1] | data[2] << 8);
	cfg.indirect = data[0] & 0x10;
	cfg.event_idx = data[0] & 0x20;
	writable = data[0] & 0x40;
	avail = (struct vring_avail *)(mem + AVAIL);
	used = (struct vring_used *)(mem + USED);
	avail->idx = (uint16_t)(data[3] | data[4] << 8);
	avail->ring[cfg.num] = (uint16_t)(data[5] | data[6] << 8); /* used_event */
	used->idx = cfg.base;
	pw_err_init(&e);
	FUZZ_CHECK(pw_vq_init(&q, &m, &cfg, &e));

	for (unsigned b = 0; b < bursts; b++) {
		const uint8_t *rec = data + HDR + b * BURST;
		unsigned want = rec[0] & 0x3f, back = rec[0] >> 6, popped = 0;
		uint16_t heads[64];
		int got = 0;

		for (; popped < want; popped++) {
			got = pw_vq_pop(&q, writable, &c);
			if (got <= 0)
				break;
			check_chain(&q, &c);
			heads[popped] = c.head;
		}
		if (got < 0) {
			check_broken(&q, writable, &c);
			break;
		}
		FUZZ_CHECK(got == 0 || popped == want);
		FUZZ_CHECK(counted(&q) == 0);
		if (back > popped)
			back = popped;
		pw_vq_unpop(&q, (uint16_t)back);
		pw_vq_notify_on(&q, false);
		for (unsigned i = 0; i < popped - back; i++, pushed++)
			pw_vq_push(&q, heads[i], rec[1]);
		pw_vq_flush(&q);
		FUZZ_CHECK(used->idx == (uint16_t)(cfg.base + pushed));
		pw_vq_should_call(&q);
		avail->idx = (uint16_t)(avail->idx + rec[2]);
		pw_vq_notify_on(&q, true);
	}
	FUZZ_CHECK(used->idx == (uint16_t)(cfg.base + pushed));
	if (q.broken.reason == PW_VQ_OK)
		FUZZ_CHECK(counted(&q) == 0);
	pw_vu_mem_unmap(&m);
	return 0;
}
