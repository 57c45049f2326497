/* SPDX-License-Identifier: MIT */
/*
 * vq.c: the split virtqueue walk (virtio 1.2 §2.7), device side. The guest
 * writes its rings while we read them: every value is loaded once into a
 * local (an avail entry, a whole descriptor) and checked there. Indexes are
 * little-endian; proto.h refuses big-endian hosts, le16toh documents it.
 */
#include <endian.h>
#include <errno.h>
#include <string.h>

#include "vnic/vhost/vq.h"

static const char *const reason_names[] = {
	[PW_VQ_OK] = "ok",
#define PW_VQ_NAME(name, kind) [PW_VQ_##name] = #name,
	PW_VQ_COUNTERS(PW_VQ_NAME)
#undef PW_VQ_NAME
};

const char *pw_vq_reason_name(enum pw_vq_reason r)
{
	if ((unsigned)r >= sizeof(reason_names) / sizeof(reason_names[0]))
		return "?";
	return reason_names[r];
}

/* The used ring's avail_event and the avail ring's used_event (EVENT_IDX):
 * the u16 after each ring's entries. */
static uint16_t *avail_event(const struct pw_vring *q)
{
	return (uint16_t *)&q->used->ring[q->num];
}

static uint16_t *used_event(const struct pw_vring *q)
{
	return (uint16_t *)&q->avail->ring[q->num];
}

static void *ring_part(const struct pw_vu_mem *m, uint64_t uva, uint64_t len, unsigned align,
		       const char *what, struct pw_err *err)
{
	void *p = pw_vu_uva(m, uva, len);

	if (!p)
		pw_err_set(err, "ring %s at 0x%llx (%llu bytes) is outside every memory region",
			   what, (unsigned long long)uva, (unsigned long long)len);
	else if ((uintptr_t)p % align) {
		pw_err_set(err, "ring %s at 0x%llx is not aligned to %u bytes", what,
			   (unsigned long long)uva, align);
		p = NULL;
	}
	return p;
}

bool pw_vq_init(struct pw_vring *q, const struct pw_vu_mem *m, const struct pw_vq_cfg *c,
		struct pw_err *err)
{
	struct pw_vring t = { .mem = m, .num = (uint16_t)c->num, .last_avail = c->base,
			      .indirect = c->indirect, .event_idx = c->event_idx };
	uint64_t num = c->num;

	if (num == 0 || num > PW_VQ_NUM_MAX || (num & (num - 1))) {
		pw_err_set(err, "ring size %u is not a power of two in 1..%d", c->num,
			   PW_VQ_NUM_MAX);
		return false;
	}
	t.desc = ring_part(m, c->desc, 16 * num, 16, "descriptor table", err);
	t.avail = t.desc ? ring_part(m, c->avail, 6 + 2 * num, 2, "avail ring", err) : NULL;
	t.used = t.avail ? ring_part(m, c->used, 6 + 8 * num, 4, "used ring", err) : NULL;
	if (!t.used)
		return false;
	t.used_idx = le16toh(__atomic_load_n(&t.used->idx, __ATOMIC_RELAXED));
	t.signalled_used = t.used_idx;
	*q = t;
	return true;
}

/* Break the ring (the first reason stays) and count it. Returns -EPROTO. */
static int fail(struct pw_vring *q, enum pw_vq_reason why, uint16_t desc, bool indirect,
		uint64_t addr, uint32_t len)
{
	if (q->broken.reason == PW_VQ_OK) {
		q->broken = (struct pw_vq_fault){ .reason = why, .desc = desc,
						  .indirect = indirect, .addr = addr, .len = len };
		switch (why) {
#define PW_VQ_COUNT(name, kind)                                                                    \
	case PW_VQ_##name:                                                                         \
		q->stats.name++;                                                                   \
		break;
			PW_VQ_COUNTERS(PW_VQ_COUNT)
#undef PW_VQ_COUNT
		case PW_VQ_OK:
			break;
		}
	}
	return -EPROTO;
}

int pw_vq_pending(struct pw_vring *q)
{
	uint16_t idx, n;

	if (q->broken.reason)
		return -EPROTO;
	/* Acquire: pairs with the driver's write barrier between filling the
	 * avail entries (and descriptors) and publishing avail->idx. */
	idx = le16toh(__atomic_load_n(&q->avail->idx, __ATOMIC_ACQUIRE));
	n = (uint16_t)(idx - q->last_avail);
	if (n > q->num)
		return fail(q, PW_VQ_avail_idx_jump, 0, false, idx, n);
	return n;
}

/* The walk's position, for fail(). */
struct walk {
	struct pw_vring *q;
	struct pw_vq_chain *c;
	uint16_t i;
	bool indirect;
};

static int bad(struct walk *w, enum pw_vq_reason why, const struct vring_desc *d)
{
	return fail(w->q, why, w->i, w->indirect, le64toh(d->addr), le32toh(d->len));
}

/* Translate the buffer of d into pieces of w->c; of a writable chain past
 * the byte cap, only checked. 0 or -EPROTO. */
static int add_buffer(struct walk *w, const struct vring_desc *d, bool writable)
{
	struct pw_vq_chain *c = w->c;
	uint64_t a = le64toh(d->addr);
	uint32_t left = le32toh(d->len);

	if (left > PW_VQ_CHAIN_BYTES - c->len && !writable)
		return bad(w, PW_VQ_desc_chain_too_long, d);
	while (left) {
		uint32_t piece, keep = PW_VQ_CHAIN_BYTES - c->len;
		uint8_t *p = pw_vu_gpa(w->q->mem, a, left, &piece);

		if (!p || (piece < left && a > UINT64_MAX - piece))
			return bad(w, PW_VQ_desc_out_of_region, d);
		if (keep) {
			if (c->n == PW_VQ_SEGS_MAX)
				return bad(w, PW_VQ_desc_chain_too_long, d);
			if (keep > piece)
				keep = piece;
			c->seg[c->n++] = (struct iovec){ .iov_base = p, .iov_len = keep };
			c->len += keep;
		}
		a += piece;
		left -= piece;
	}
	return 0;
}

int pw_vq_pop(struct pw_vring *q, bool writable, struct pw_vq_chain *c)
{
	const uint8_t *table = (const uint8_t *)q->desc; /* an indirect one may be unaligned */
	uint32_t size = q->num, count = 0;
	struct walk w = { .q = q, .c = c };
	struct vring_desc d;
	uint16_t head, flags;
	int n = pw_vq_pending(q);

	if (n <= 0)
		return n;
	head = le16toh(__atomic_load_n(&q->avail->ring[q->last_avail & (q->num - 1)],
				       __ATOMIC_RELAXED));
	c->head = head;
	c->n = 0;
	c->len = 0;
	if (head >= q->num)
		return fail(q, PW_VQ_desc_bad_index, head, false, 0, 0);
	w.i = head;
	for (;;) {
		/* count bounds the walk: more descriptors than the table holds is a loop. */
		if (++count > size)
			return fail(q, PW_VQ_desc_chain_too_long, w.i, w.indirect, 0, count);
		memcpy(&d, table + (size_t)w.i * sizeof(d), sizeof(d)); /* once: the guest writes it */
		flags = le16toh(d.flags);
		if (flags & VRING_DESC_F_INDIRECT) {
			uint32_t len = le32toh(d.len), piece;
			const void *t;

			/* Only a lone head descriptor may point to a table (§2.7.5.3). */
			if (!q->indirect || w.indirect || count != 1 || (flags & VRING_DESC_F_NEXT) ||
			    len == 0 || len % sizeof(d) || len / sizeof(d) > PW_VQ_INDIRECT_MAX)
				return bad(&w, PW_VQ_desc_bad_indirect, &d);
			t = pw_vu_gpa(q->mem, le64toh(d.addr), len, &piece);
			if (!t)
				return bad(&w, PW_VQ_desc_out_of_region, &d);
			/* Across two regions: not one table; into no region: outside. */
			if (piece != len)
				return bad(&w,
					   pw_vu_gpa(q->mem, le64toh(d.addr) + piece, len - piece,
						     &piece) ?
						   PW_VQ_desc_bad_indirect :
						   PW_VQ_desc_out_of_region,
					   &d);
			table = t;
			size = len / sizeof(d);
			count = 0;
			w.indirect = true;
			w.i = 0;
			continue;
		}
		if (d.len == 0)
			return bad(&w, PW_VQ_desc_zero_len, &d);
		if (!(flags & VRING_DESC_F_WRITE) == writable)
			return bad(&w, PW_VQ_desc_wrong_dir, &d);
		if (add_buffer(&w, &d, writable) < 0)
			return -EPROTO;
		if (!(flags & VRING_DESC_F_NEXT))
			break;
		w.i = le16toh(d.next);
		if (w.i >= size)
			return bad(&w, PW_VQ_desc_bad_index, &d);
	}
	q->last_avail++;
	return 1;
}

void pw_vq_unpop(struct pw_vring *q, uint16_t n)
{
	q->last_avail = (uint16_t)(q->last_avail - n);
}

void pw_vq_push(struct pw_vring *q, uint16_t head, uint32_t len)
{
	struct vring_used_elem *e = &q->used->ring[q->used_idx & (q->num - 1)];

	__atomic_store_n(&e->id, htole32(head), __ATOMIC_RELAXED);
	__atomic_store_n(&e->len, htole32(len), __ATOMIC_RELAXED);
	q->used_idx++;
}

void pw_vq_flush(struct pw_vring *q)
{
	/* Release: pairs with the driver's read barrier after it reads
	 * used->idx; the elements pushed are visible before the index. */
	__atomic_store_n(&q->used->idx, htole16(q->used_idx), __ATOMIC_RELEASE);
}

bool pw_vq_notify_on(struct pw_vring *q, bool on)
{
	uint16_t idx;

	if (q->event_idx) {
		/* Off: avail_event is left behind, the guest sees it passed. */
		if (!on)
			return false;
		__atomic_store_n(avail_event(q), htole16(q->last_avail), __ATOMIC_RELAXED);
	} else {
		__atomic_store_n(&q->used->flags, htole16(on ? 0 : VRING_USED_F_NO_NOTIFY),
				 __ATOMIC_RELAXED);
		if (!on)
			return false;
	}
	/* Full fence: pairs with the driver's full barrier between publishing
	 * avail->idx and reading our flag / avail_event. Either it sees us ask
	 * for a kick, or we see its new index here. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	idx = le16toh(__atomic_load_n(&q->avail->idx, __ATOMIC_ACQUIRE));
	return idx != q->last_avail;
}

bool pw_vq_should_call(struct pw_vring *q)
{
	uint16_t old = q->signalled_used, new = q->used_idx;

	/* Full fence: pairs with the driver's full barrier between writing
	 * used_event (or NO_INTERRUPT) and reading used->idx again. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	q->signalled_used = new;
	if (new == old)
		return false;
	if (q->event_idx) {
		uint16_t ev = le16toh(__atomic_load_n(used_event(q), __ATOMIC_RELAXED));

		/* vring_need_event(): did used_idx step over used_event? */
		return (uint16_t)(new - ev - 1) < (uint16_t)(new - old);
	}
	return !(le16toh(__atomic_load_n(&q->avail->flags, __ATOMIC_RELAXED)) &
		 VRING_AVAIL_F_NO_INTERRUPT);
}
