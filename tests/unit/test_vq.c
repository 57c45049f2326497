/* SPDX-License-Identifier: MIT */
/*
 * test_vq.c: the split virtqueue walk (vnic/vhost/vq.c) against a tiny
 * driver written here, which lays its rings and buffers out in a sealed
 * memfd (two adjacent regions, 512 KiB each) as a guest would. Good chains
 * (direct, over two regions, indirect), the writable chain cut at the cap,
 * indexes wrapping at 65535, used elements visible only after the flush,
 * unpop, notifications, the call decision across the wrap; then each way a
 * guest can break a ring: its counter is 1, every other 0, and the ring is
 * not walked again.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "vnic/vhost/vq.h"

enum {
	HALF = 512 * 1024,
	MEM = 2 * HALF,
	DESC = 0x0, AVAIL = 0x2000, USED = 0x3000, TABLE = 0x4000, BUF = 0x10000,
};
static const uint64_t UVA = 0x7f0000000000ull; /* uva = gpa + UVA */

static struct {
	uint8_t *g; /* the driver's own mapping: g + gpa */
	struct pw_vu_mem mem;
	struct pw_vring q;
	struct vring_desc *desc;
	struct vring_avail *avail;
	struct vring_used *used;
	uint16_t num, idx;
} d;

static int setup(void **state)
{
	struct pw_vu_region r[2] = {
		{ .gpa = 0, .size = HALF, .uva = UVA },
		{ .gpa = HALF, .size = HALF, .uva = UVA + HALF, .mmap_offset = HALF },
	};
	int fd = memfd_create("test-vq", MFD_ALLOW_SEALING), fds[2] = { fd, fd };
	struct pw_err e;

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, MEM), 0);
	assert_int_equal(fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK), 0);
	d.g = mmap(NULL, MEM, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	assert_true(d.g != MAP_FAILED);
	pw_err_init(&e);
	assert_true(pw_vu_mem_map(&d.mem, r, 2, fds, &e));
	close(fd);
	d.desc = (void *)(d.g + DESC);
	d.avail = (void *)(d.g + AVAIL);
	d.used = (void *)(d.g + USED);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	pw_vu_mem_unmap(&d.mem);
	munmap(d.g, MEM);
	return 0;
}

/* A fresh ring of num entries, both indexes (and used->idx) at base. */
static void ring(uint16_t num, uint16_t base, bool indirect, bool event_idx)
{
	struct pw_vq_cfg c = { .desc = UVA + DESC, .avail = UVA + AVAIL, .used = UVA + USED,
			       .num = num, .base = base, .indirect = indirect,
			       .event_idx = event_idx };
	struct pw_err e;

	memset(d.g, 0, BUF);
	d.num = num;
	d.idx = base;
	d.avail->idx = base;
	d.used->idx = base;
	pw_err_init(&e);
	assert_true(pw_vq_init(&d.q, &d.mem, &c, &e));
}

static void set(struct vring_desc *t, uint16_t i, uint64_t addr, uint32_t len, uint16_t flags,
		uint16_t next)
{
	t[i] = (struct vring_desc){ .addr = addr, .len = len, .flags = flags, .next = next };
}

/* Make head available (the driver's ring entry, then its index). */
static void offer(uint16_t head)
{
	d.avail->ring[d.idx % d.num] = head;
	__atomic_store_n(&d.avail->idx, ++d.idx, __ATOMIC_RELEASE);
}

static uint64_t counted(void)
{
	uint64_t sum = 0;
#define SUM(name, kind) sum += d.q.stats.name;
	PW_VQ_COUNTERS(SUM)
#undef SUM
	return sum;
}

static void test_chains(void **state)
{
	struct pw_vq_chain c;

	(void)state;
	ring(8, 0, false, false);
	set(d.desc, 3, BUF, 12, VRING_DESC_F_NEXT, 5);
	set(d.desc, 5, BUF + 100, 1000, VRING_DESC_F_NEXT, 0);
	set(d.desc, 0, HALF - 10, 100, 0, 0); /* over the two regions: two pieces */
	offer(3);
	set(d.desc, 1, BUF + 4096, 1500, VRING_DESC_F_WRITE, 0);
	offer(1);
	assert_int_equal(pw_vq_pending(&d.q), 2);
	assert_int_equal(pw_vq_pop(&d.q, false, &c), 1);
	assert_int_equal(c.head, 3);
	assert_int_equal(c.n, 4);
	assert_int_equal(c.len, 12 + 1000 + 100);
	assert_ptr_equal(c.seg[0].iov_base, d.mem.r[0].host + BUF);
	assert_int_equal(c.seg[0].iov_len, 12);
	assert_ptr_equal(c.seg[1].iov_base, d.mem.r[0].host + BUF + 100);
	assert_ptr_equal(c.seg[2].iov_base, d.mem.r[0].host + HALF - 10);
	assert_int_equal(c.seg[2].iov_len, 10);
	assert_ptr_equal(c.seg[3].iov_base, d.mem.r[1].host);
	assert_int_equal(c.seg[3].iov_len, 90);
	assert_int_equal(pw_vq_pop(&d.q, true, &c), 1);
	assert_int_equal(c.head, 1);
	assert_int_equal(c.n, 1);
	assert_int_equal(c.len, 1500);
	assert_int_equal(pw_vq_pop(&d.q, true, &c), 0);
	assert_int_equal(pw_vq_pending(&d.q), 0);

	/* Given back: popped again, the same heads. */
	offer(3);
	offer(1);
	assert_int_equal(pw_vq_pop(&d.q, false, &c), 1);
	assert_int_equal(pw_vq_pop(&d.q, true, &c), 1);
	pw_vq_unpop(&d.q, 2);
	assert_int_equal(pw_vq_pending(&d.q), 2);
	assert_int_equal(pw_vq_pop(&d.q, false, &c), 1);
	assert_int_equal(c.head, 3);

	/* A writable chain past the cap: all of it checked, the cap given. */
	set(d.desc, 6, BUF, 40000, VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 7);
	set(d.desc, 7, BUF + 40000, 40000, VRING_DESC_F_WRITE, 0);
	offer(6);
	assert_int_equal(pw_vq_pop(&d.q, true, &c), 1); /* head 1, given back above */
	assert_int_equal(c.head, 1);
	assert_int_equal(pw_vq_pop(&d.q, true, &c), 1);
	assert_int_equal(c.n, 2);
	assert_int_equal(c.len, PW_VQ_CHAIN_BYTES);
	assert_int_equal(c.seg[1].iov_len, PW_VQ_CHAIN_BYTES - 40000);
	assert_int_equal(counted(), 0);
}

static void test_indirect(void **state)
{
	struct vring_desc *t = (void *)(d.g + TABLE);
	struct pw_vq_chain c;

	(void)state;
	ring(4, 0, true, false);
	set(t, 0, BUF, 12, VRING_DESC_F_NEXT, 2);
	set(t, 2, BUF + 12, 100, VRING_DESC_F_NEXT, 1);
	set(t, 1, BUF + 200, 50, 0, 0);
	set(d.desc, 2, TABLE, 3 * 16, VRING_DESC_F_INDIRECT, 0);
	offer(2);
	assert_int_equal(pw_vq_pop(&d.q, false, &c), 1);
	assert_int_equal(c.head, 2);
	assert_int_equal(c.n, 3);
	assert_int_equal(c.len, 162);
	assert_ptr_equal(c.seg[2].iov_base, d.mem.r[0].host + BUF + 200);
	/* A table need not be aligned: it is copied, never dereferenced. */
	memmove(d.g + TABLE + 1, d.g + TABLE, 3 * 16);
	set(d.desc, 2, TABLE + 1, 3 * 16, VRING_DESC_F_INDIRECT, 0);
	offer(2);
	assert_int_equal(pw_vq_pop(&d.q, false, &c), 1);
	assert_int_equal(c.len, 162);
	/* The largest table: 256 entries, all chained. */
	for (uint16_t i = 0; i < PW_VQ_INDIRECT_MAX; i++)
		set(t, i, BUF + i, 1, i + 1 < PW_VQ_INDIRECT_MAX ? VRING_DESC_F_NEXT : 0, i + 1);
	set(d.desc, 0, TABLE, PW_VQ_INDIRECT_MAX * 16, VRING_DESC_F_INDIRECT, 0);
	offer(0);
	/* 256 one-byte pieces are more than PW_VQ_SEGS_MAX: too long. */
	assert_int_equal(pw_vq_pop(&d.q, false, &c), -EPROTO);
	assert_int_equal(d.q.stats.desc_chain_too_long, 1);
	ring(4, 0, true, false);
	for (uint16_t i = 0; i < PW_VQ_INDIRECT_MAX; i++)
		set(t, i, BUF + 256 * i, 256, i + 1 < PW_VQ_INDIRECT_MAX ? VRING_DESC_F_NEXT : 0,
		    i + 1);
	offer(0);
	assert_int_equal(pw_vq_pop(&d.q, false, &c), -EPROTO); /* still 256 pieces */
	ring(4, 0, true, false);
	for (uint16_t i = 0; i < 64; i++)
		set(t, i, BUF + 1024 * i, 1024, i + 1 < 64 ? VRING_DESC_F_NEXT : 0, i + 1);
	set(d.desc, 0, TABLE, PW_VQ_INDIRECT_MAX * 16, VRING_DESC_F_INDIRECT, 0);
	offer(0);
	assert_int_equal(pw_vq_pop(&d.q, false, &c), 1);
	assert_int_equal(c.n, 64);
	assert_int_equal(c.len, 65536);
	assert_int_equal(counted(), 0);
}

/* Indexes wrap at 65535; used->idx is written by the flush only. */
static void test_wrap_and_flush(void **state)
{
	struct pw_vq_chain c;
	uint16_t heads[4];

	(void)state;
	ring(4, 65534, false, false);
	for (uint16_t i = 0; i < 4; i++) {
		set(d.desc, i, BUF + 2048 * i, 64 + i, 0, 0);
		offer(3 - i);
	}
	assert_int_equal(d.avail->idx, 2);
	assert_int_equal(pw_vq_pending(&d.q), 4);
	for (int i = 0; i < 4; i++) {
		assert_int_equal(pw_vq_pop(&d.q, false, &c), 1);
		heads[i] = c.head;
		assert_int_equal(heads[i], 3 - i);
		pw_vq_push(&d.q, c.head, c.len);
		/* Written as the chain completes, not yet published. */
		assert_int_equal(d.used->ring[(65534 + i) % 4].id, heads[i]);
		assert_int_equal(d.used->ring[(65534 + i) % 4].len, 64 + 3 - i);
		assert_int_equal(d.used->idx, 65534);
	}
	assert_int_equal(pw_vq_pop(&d.q, false, &c), 0);
	pw_vq_flush(&d.q);
	assert_int_equal(d.used->idx, 2);
	assert_int_equal(d.q.last_avail, 2);
	pw_vq_flush(&d.q);
	assert_int_equal(d.used->idx, 2);
}

static void test_call(void **state)
{
	uint16_t *used_event = &d.avail->ring[4];

	(void)state;
	/* EVENT_IDX: a call when used->idx steps past used_event, across the wrap. */
	ring(4, 65533, false, true);
	assert_false(pw_vq_should_call(&d.q)); /* nothing published */
	*used_event = 65533;
	pw_vq_push(&d.q, 0, 1);
	pw_vq_flush(&d.q);
	assert_true(pw_vq_should_call(&d.q)); /* 65533 -> 65534 passes 65533 */
	*used_event = 65535;
	pw_vq_push(&d.q, 0, 1);
	pw_vq_flush(&d.q);
	assert_false(pw_vq_should_call(&d.q)); /* 65534 -> 65535: not yet */
	pw_vq_push(&d.q, 0, 1);
	pw_vq_flush(&d.q);
	assert_true(pw_vq_should_call(&d.q)); /* 65535 -> 0 */
	*used_event = 1;
	pw_vq_push(&d.q, 0, 1);
	pw_vq_push(&d.q, 0, 1);
	pw_vq_flush(&d.q);
	assert_true(pw_vq_should_call(&d.q)); /* 0 -> 2 passes 1 */
	*used_event = 5;
	pw_vq_push(&d.q, 0, 1);
	pw_vq_flush(&d.q);
	assert_false(pw_vq_should_call(&d.q));
	assert_false(pw_vq_should_call(&d.q));
	*used_event = 2; /* the guest asked before our last call: no second one */
	pw_vq_push(&d.q, 0, 1);
	pw_vq_flush(&d.q);
	assert_false(pw_vq_should_call(&d.q)); /* 3 -> 4, used_event 2 */

	/* Without: the guest's NO_INTERRUPT. */
	ring(4, 0, false, false);
	d.avail->flags = VRING_AVAIL_F_NO_INTERRUPT;
	pw_vq_push(&d.q, 0, 1);
	pw_vq_flush(&d.q);
	assert_false(pw_vq_should_call(&d.q));
	d.avail->flags = 0;
	pw_vq_push(&d.q, 0, 1);
	pw_vq_flush(&d.q);
	assert_true(pw_vq_should_call(&d.q));
	assert_false(pw_vq_should_call(&d.q)); /* nothing new since */
}

static void test_notify(void **state)
{
	uint16_t *avail_event = (uint16_t *)&d.used->ring[4];
	struct pw_vq_chain c;

	(void)state;
	ring(4, 0, false, false);
	set(d.desc, 0, BUF, 1, 0, 0);
	assert_false(pw_vq_notify_on(&d.q, false));
	assert_int_equal(d.used->flags, VRING_USED_F_NO_NOTIFY);
	assert_false(pw_vq_notify_on(&d.q, true));
	assert_int_equal(d.used->flags, 0);
	offer(0); /* arrived while notifications were off */
	pw_vq_notify_on(&d.q, false);
	assert_true(pw_vq_notify_on(&d.q, true));

	ring(4, 7, false, true);
	set(d.desc, 0, BUF, 1, 0, 0);
	offer(0);
	assert_int_equal(pw_vq_pop(&d.q, false, &c), 1);
	assert_false(pw_vq_notify_on(&d.q, false));
	assert_int_equal(*avail_event, 0); /* off: left behind */
	assert_false(pw_vq_notify_on(&d.q, true));
	assert_int_equal(*avail_event, 8);
	assert_int_equal(d.used->flags, 0);
	offer(0);
	assert_true(pw_vq_notify_on(&d.q, true));
}

/* One way to break a ring: what the driver writes, which direction is
 * popped, the one counter that must move. */
struct attack {
	const char *name;
	void (*write)(void);
	bool writable;
	enum pw_vq_reason reason;
	const uint64_t *counter;
};

static struct vring_desc *table(void)
{
	return (void *)(d.g + TABLE);
}

static void outside(void) { set(d.desc, 0, MEM, 10, 0, 0); offer(0); }
static void outside_end(void) { set(d.desc, 0, MEM - 5, 10, 0, 0); offer(0); }
static void outside_wrap(void) { set(d.desc, 0, UINT64_MAX - 2, 10, 0, 0); offer(0); }
static void table_outside(void) { set(d.desc, 0, MEM - 16, 32, VRING_DESC_F_INDIRECT, 0); offer(0); }
static void head_index(void) { offer(d.num); }
static void next_index(void) { set(d.desc, 0, BUF, 10, VRING_DESC_F_NEXT, d.num); offer(0); }
static void table_next_index(void)
{
	set(table(), 0, BUF, 10, VRING_DESC_F_NEXT, 2);
	set(d.desc, 0, TABLE, 32, VRING_DESC_F_INDIRECT, 0);
	offer(0);
}
static void loop(void)
{
	set(d.desc, 0, BUF, 10, VRING_DESC_F_NEXT, 1);
	set(d.desc, 1, BUF, 10, VRING_DESC_F_NEXT, 0);
	offer(0);
}
static void table_loop(void)
{
	set(table(), 0, BUF, 10, VRING_DESC_F_NEXT, 1);
	set(table(), 1, BUF, 10, VRING_DESC_F_NEXT, 1);
	set(d.desc, 0, TABLE, 32, VRING_DESC_F_INDIRECT, 0);
	offer(0);
}
static void too_many_bytes(void)
{
	set(d.desc, 0, BUF, 40000, VRING_DESC_F_NEXT, 1);
	set(d.desc, 1, BUF, PW_VQ_CHAIN_BYTES - 40000 + 1, 0, 0);
	offer(0);
}
static void too_many_pieces(void)
{
	for (uint16_t i = 0; i <= PW_VQ_SEGS_MAX; i++)
		set(d.desc, i, BUF + i, 1, i < PW_VQ_SEGS_MAX ? VRING_DESC_F_NEXT : 0, i + 1);
	offer(0);
}
static void zero_len(void) { set(d.desc, 0, BUF, 10, VRING_DESC_F_NEXT, 1); set(d.desc, 1, BUF, 0, 0, 0); offer(0); }
static void writable_in_tx(void) { set(d.desc, 0, BUF, 10, VRING_DESC_F_NEXT, 1); set(d.desc, 1, BUF, 10, VRING_DESC_F_WRITE, 0); offer(0); }
static void readable_in_rx(void) { set(d.desc, 0, BUF, 10, VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 1); set(d.desc, 1, BUF, 10, 0, 0); offer(0); }
static void indirect_with(uint64_t addr, uint32_t len, uint16_t flags)
{
	set(table(), 0, BUF, 10, 0, 0);
	set(d.desc, 0, addr, len, VRING_DESC_F_INDIRECT | flags, 1);
	set(d.desc, 1, BUF, 10, 0, 0);
	offer(0);
}
static void indirect_next(void) { indirect_with(TABLE, 16, VRING_DESC_F_NEXT); }
static void indirect_len0(void) { indirect_with(TABLE, 0, 0); }
static void indirect_len17(void) { indirect_with(TABLE, 17, 0); }
static void indirect_257(void) { indirect_with(TABLE, (PW_VQ_INDIRECT_MAX + 1) * 16, 0); }
static void indirect_two_regions(void) { indirect_with(HALF - 16, 32, 0); }
static void indirect_nested(void)
{
	set(table(), 0, TABLE, 16, VRING_DESC_F_INDIRECT, 0);
	set(d.desc, 0, TABLE, 16, VRING_DESC_F_INDIRECT, 0);
	offer(0);
}
static void indirect_not_head(void)
{
	set(table(), 0, BUF, 10, 0, 0);
	set(d.desc, 0, BUF, 10, VRING_DESC_F_NEXT, 1);
	set(d.desc, 1, TABLE, 16, VRING_DESC_F_INDIRECT, 0);
	offer(0);
}
static void jump(void) { d.idx += d.num; offer(0); } /* num + 1 ahead */

static void test_attacks(void **state)
{
#define A(fn, wr, why) { #fn, fn, wr, PW_VQ_##why, &d.q.stats.why }
	static const struct attack attacks[] = {
		A(outside, false, desc_out_of_region),
		A(outside_end, false, desc_out_of_region),
		A(outside_wrap, false, desc_out_of_region),
		A(table_outside, false, desc_out_of_region),
		A(head_index, false, desc_bad_index),
		A(next_index, false, desc_bad_index),
		A(table_next_index, false, desc_bad_index),
		A(loop, false, desc_chain_too_long),
		A(table_loop, false, desc_chain_too_long),
		A(too_many_bytes, false, desc_chain_too_long),
		A(too_many_pieces, false, desc_chain_too_long),
		A(zero_len, false, desc_zero_len),
		A(writable_in_tx, false, desc_wrong_dir),
		A(readable_in_rx, true, desc_wrong_dir),
		A(indirect_next, false, desc_bad_indirect),
		A(indirect_len0, false, desc_bad_indirect),
		A(indirect_len17, false, desc_bad_indirect),
		A(indirect_257, false, desc_bad_indirect),
		A(indirect_two_regions, false, desc_bad_indirect),
		A(indirect_nested, false, desc_bad_indirect),
		A(indirect_not_head, false, desc_bad_indirect),
		A(jump, false, avail_idx_jump),
	};
#undef A
	struct pw_vq_chain c;

	(void)state;
	for (size_t i = 0; i < sizeof(attacks) / sizeof(attacks[0]); i++) {
		const struct attack *a = &attacks[i];

		ring(PW_VQ_SEGS_MAX * 2, 0, true, false);
		a->write();
		if (pw_vq_pop(&d.q, a->writable, &c) != -EPROTO || d.q.broken.reason != a->reason ||
		    *a->counter != 1 || counted() != 1)
			fail_msg("%s: broken '%s' (%" PRIu64 " counted), want '%s' once", a->name,
				 pw_vq_reason_name(d.q.broken.reason), counted(),
				 pw_vq_reason_name(a->reason));
		/* Broken for good: not walked again, not counted again. */
		set(d.desc, 0, BUF, 10, 0, 0);
		d.avail->idx = d.q.last_avail + 1;
		d.avail->ring[d.q.last_avail % d.num] = 0;
		assert_int_equal(pw_vq_pop(&d.q, a->writable, &c), -EPROTO);
		assert_int_equal(pw_vq_pending(&d.q), -EPROTO);
		assert_int_equal(counted(), 1);
	}
	/* Indirect not negotiated: the same table that passes when it is. */
	ring(4, 0, false, false);
	set(table(), 0, BUF, 10, 0, 0);
	set(d.desc, 0, TABLE, 16, VRING_DESC_F_INDIRECT, 0);
	offer(0);
	assert_int_equal(pw_vq_pop(&d.q, false, &c), -EPROTO);
	assert_int_equal(d.q.stats.desc_bad_indirect, 1);
	assert_int_equal(counted(), 1);
	ring(4, 0, true, false);
	set(table(), 0, BUF, 10, 0, 0);
	set(d.desc, 0, TABLE, 16, VRING_DESC_F_INDIRECT, 0);
	offer(0);
	assert_int_equal(pw_vq_pop(&d.q, false, &c), 1);
	assert_int_equal(c.len, 10);
	/* The jump's edge: exactly num ahead is fine. */
	ring(4, 0, false, false);
	d.avail->idx = 4;
	assert_int_equal(pw_vq_pending(&d.q), 4);
	d.avail->idx = 5;
	assert_int_equal(pw_vq_pending(&d.q), -EPROTO);
	assert_int_equal(d.q.stats.avail_idx_jump, 1);
}

static void test_init(void **state)
{
	struct pw_vq_cfg c = { .desc = UVA + DESC, .avail = UVA + AVAIL, .used = UVA + USED, .num = 4 };
	struct pw_vring q = { .num = 77 };
	struct pw_err e;

	(void)state;
	pw_err_init(&e);
	for (uint32_t num = 0; num <= 2 * PW_VQ_NUM_MAX; num = num ? num * 2 : 1)
		if (num != 3) {
			c.num = num;
			c.desc = c.avail = c.used = UVA;
			assert_true(pw_vq_init(&q, &d.mem, &c, &e) == (num >= 1 && num <= PW_VQ_NUM_MAX));
		}
	c = (struct pw_vq_cfg){ .desc = UVA + DESC, .avail = UVA + AVAIL, .used = UVA + USED, .num = 3 };
	pw_err_init(&e);
	assert_false(pw_vq_init(&q, &d.mem, &c, &e));
	assert_non_null(strstr(pw_err_msg(&e), "ring size 3"));
	c.num = 4;
	c.desc = UVA + 8; /* misaligned */
	assert_false(pw_vq_init(&q, &d.mem, &c, &e));
	c.desc = UVA + DESC;
	c.used = UVA + USED + 2;
	assert_false(pw_vq_init(&q, &d.mem, &c, &e));
	c.used = UVA + HALF - 6 - 8 * 4 + 4; /* the tail crosses into region 1 */
	assert_false(pw_vq_init(&q, &d.mem, &c, &e));
	c.used = UVA + HALF - 6 - 8 * 4 - 2; /* fits, aligned to 4 */
	assert_true(pw_vq_init(&q, &d.mem, &c, &e));
	c.avail = USED; /* a gpa, not a uva */
	q.num = 77;
	assert_false(pw_vq_init(&q, &d.mem, &c, &e));
	assert_int_equal(q.num, 77);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_chains),	      cmocka_unit_test(test_indirect),
		cmocka_unit_test(test_wrap_and_flush), cmocka_unit_test(test_call),
		cmocka_unit_test(test_notify),	      cmocka_unit_test(test_attacks),
		cmocka_unit_test(test_init),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
