/* SPDX-License-Identifier: MIT */
/*
 * test_vu_mem.c: the guest memory table (vnic/vhost/mem.c) over real
 * memfds: what a table must be to be mapped (region count, sizes, wraps,
 * overlaps, file length, the shrink seal), that a refused table leaves
 * nothing mapped, and the two translations at the edges of regions: first
 * and last byte, one past, len 0, a buffer over two adjacent regions (two
 * pieces), over a hole, near 2^64.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "vnic/vhost/mem.h"

enum { PAGE = 4096, SIZE = 4 * PAGE };

/* A memfd of size bytes, sealed against shrinking when seal. */
static int memfd(size_t size, bool seal)
{
	int fd = memfd_create("test-vu-mem", seal ? MFD_ALLOW_SEALING : 0);

	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, (off_t)size), 0);
	if (seal)
		assert_int_equal(fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK), 0);
	return fd;
}

static unsigned maps_count(void)
{
	FILE *f = fopen("/proc/self/maps", "r");
	unsigned n = 0;
	int ch;

	assert_non_null(f);
	while ((ch = fgetc(f)) != EOF)
		n += ch == '\n';
	fclose(f);
	return n;
}

/* Map r[0..n) from fresh sealed memfds of SIZE bytes; the fds closed. */
static bool map(struct pw_vu_mem *m, const struct pw_vu_region *r, unsigned n, struct pw_err *e)
{
	int fds[PW_VU_REGIONS_MAX + 1];
	bool ok;

	for (unsigned i = 0; i < n; i++)
		fds[i] = memfd(SIZE, true);
	pw_err_init(e);
	ok = pw_vu_mem_map(m, r, n, fds, e);
	for (unsigned i = 0; i < n; i++)
		close(fds[i]);
	assert_true(ok != pw_err_failed(e));
	return ok;
}

static void refused(const struct pw_vu_region *r, unsigned n, const char *why)
{
	struct pw_vu_mem m = { 0 };
	struct pw_err e;

	assert_false(map(&m, r, n, &e));
	if (!strstr(pw_err_msg(&e), why))
		fail_msg("'%s' does not say '%s'", pw_err_msg(&e), why);
	assert_int_equal(m.n, 0);
}

static void test_table(void **state)
{
	struct pw_vu_region r[PW_VU_REGIONS_MAX + 1];
	struct pw_vu_mem m;
	struct pw_err e;

	(void)state;
	for (unsigned i = 0; i <= PW_VU_REGIONS_MAX; i++)
		r[i] = (struct pw_vu_region){ .gpa = i * 0x100000ull, .size = PAGE,
					      .uva = 0x7f0000000000ull + i * 0x100000ull };
	refused(r, 0, "0 regions");
	refused(r, PW_VU_REGIONS_MAX + 1, "9 regions");
	assert_true(map(&m, r, PW_VU_REGIONS_MAX, &e));
	assert_int_equal(m.n, PW_VU_REGIONS_MAX);
	pw_vu_mem_unmap(&m);
	assert_int_equal(m.n, 0);

	r[1].size = 0;
	refused(r, 2, "region 1: size 0");
	r[1].size = PAGE;
	r[1].gpa = UINT64_MAX - PAGE + 2; /* last byte at 2^64 */
	refused(r, 2, "passes 2^64");
	r[1].gpa = UINT64_MAX - PAGE + 1; /* ends exactly at 2^64: fine */
	assert_true(map(&m, r, 2, &e));
	pw_vu_mem_unmap(&m);
	r[1].gpa = 0x100000;
	r[1].uva = UINT64_MAX;
	refused(r, 2, "passes 2^64");
	r[1].uva = 0x7f0000100000ull;

	r[1].gpa = r[0].gpa + PAGE - 1; /* one byte in common */
	refused(r, 2, "overlap in guest-physical");
	r[1].gpa = r[0].gpa + PAGE; /* adjacent */
	assert_true(map(&m, r, 2, &e));
	pw_vu_mem_unmap(&m);
	r[2].uva = r[1].uva - 1;
	refused(r, 3, "regions 1 and 2 overlap in front-end virtual");
}

static void test_files(void **state)
{
	struct pw_vu_region r[2] = {
		{ .gpa = 0, .size = SIZE - PAGE, .uva = 0x10000, .mmap_offset = PAGE },
		{ .gpa = SIZE, .size = SIZE, .uva = 0x100000 },
	};
	struct pw_vu_mem m;
	struct pw_err e;
	int fds[2];
	unsigned before;
	uint32_t piece;
	uint8_t *p, *mine;

	(void)state;
	/* A file exactly mmap_offset + size long; one byte more is refused. */
	fds[0] = memfd(SIZE, true);
	fds[1] = memfd(SIZE, true);
	pw_err_init(&e);
	assert_true(pw_vu_mem_map(&m, r, 2, fds, &e));
	mine = mmap(NULL, SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fds[0], 0);
	assert_true(mine != MAP_FAILED);
	mine[PAGE] = 0xa5; /* gpa 0 is mmap_offset into the file */
	p = pw_vu_gpa(&m, 0, 1, &piece);
	assert_non_null(p);
	assert_int_equal(*p, 0xa5);
	munmap(mine, SIZE);
	pw_vu_mem_unmap(&m);

	r[0].size = SIZE - PAGE + 1;
	pw_err_init(&e);
	assert_false(pw_vu_mem_map(&m, r, 2, fds, &e));
	assert_non_null(strstr(pw_err_msg(&e), "region 0: file of 16384 bytes is shorter"));
	r[0].mmap_offset = UINT64_MAX - 10; /* offset + size wraps: still too short */
	pw_err_init(&e);
	assert_false(pw_vu_mem_map(&m, r, 2, fds, &e));
	assert_non_null(strstr(pw_err_msg(&e), "shorter"));
	r[0].size = SIZE - PAGE;
	r[0].mmap_offset = PAGE;
	close(fds[1]);

	/* Unsealed (sealing not even allowed, or allowed but not done), in the
	 * second region: refused, and the first one is not left mapped. */
	fds[1] = memfd_create("test-vu-mem", 0);
	assert_int_equal(ftruncate(fds[1], SIZE), 0);
	before = maps_count();
	pw_err_init(&e);
	assert_false(pw_vu_mem_map(&m, r, 2, fds, &e));
	assert_non_null(strstr(pw_err_msg(&e), "region 1: the file is not sealed"));
	assert_non_null(strstr(pw_err_msg(&e), "use memory-backend-memfd"));
	assert_int_equal(maps_count(), before);
	close(fds[1]);
	fds[1] = memfd_create("test-vu-mem", MFD_ALLOW_SEALING);
	assert_int_equal(ftruncate(fds[1], SIZE), 0);
	pw_err_init(&e);
	assert_false(pw_vu_mem_map(&m, r, 2, fds, &e));
	assert_non_null(strstr(pw_err_msg(&e), "not sealed"));
	assert_int_equal(fcntl(fds[1], F_ADD_SEALS, F_SEAL_SHRINK), 0);
	pw_err_init(&e);
	assert_true(pw_vu_mem_map(&m, r, 2, fds, &e));
	assert_int_equal(maps_count(), before + 2);
	pw_vu_mem_unmap(&m);
	assert_int_equal(maps_count(), before);
	close(fds[0]);
	close(fds[1]);
}

/* Regions: [0x1000, +SIZE) and right after it [0x1000 + SIZE, +SIZE), a
 * hole, then [0x100000, +SIZE); uva of each = gpa + 0x7f0000000000. */
static void translations(struct pw_vu_mem *m)
{
	static const uint64_t gpa[3] = { 0x1000, 0x1000 + SIZE, 0x100000 };
	struct pw_vu_region r[3];
	struct pw_err e;

	for (unsigned i = 0; i < 3; i++)
		r[i] = (struct pw_vu_region){ .gpa = gpa[i], .size = SIZE,
					      .uva = gpa[i] + 0x7f0000000000ull };
	assert_true(map(m, r, 3, &e));
}

static void test_gpa(void **state)
{
	struct pw_vu_mem m;
	uint32_t piece = 77;
	uint8_t *p, *q;

	(void)state;
	translations(&m);
	/* First and last byte of a region, one before, one past the last. */
	p = pw_vu_gpa(&m, 0x1000, 1, &piece);
	assert_ptr_equal(p, m.r[0].host);
	assert_int_equal(piece, 1);
	assert_ptr_equal(pw_vu_gpa(&m, 0x1000 + SIZE - 1, 1, &piece), m.r[0].host + SIZE - 1);
	assert_int_equal(piece, 1);
	assert_null(pw_vu_gpa(&m, 0xfff, 1, &piece));
	assert_ptr_equal(pw_vu_gpa(&m, 0x100000 + SIZE - 1, 1, &piece), m.r[2].host + SIZE - 1);
	assert_null(pw_vu_gpa(&m, 0x100000 + SIZE, 1, &piece));
	/* A whole region; len 0. */
	assert_ptr_equal(pw_vu_gpa(&m, 0x100000, SIZE, &piece), m.r[2].host);
	assert_int_equal(piece, SIZE);
	assert_ptr_equal(pw_vu_gpa(&m, 0x100000 + 5, 0, &piece), m.r[2].host + 5);
	assert_int_equal(piece, 0);
	assert_null(pw_vu_gpa(&m, 0x100000 + SIZE, 0, &piece));
	/* Over two adjacent regions: two pieces, the second from the second region. */
	p = pw_vu_gpa(&m, 0x1000 + SIZE - 10, 100, &piece);
	assert_ptr_equal(p, m.r[0].host + SIZE - 10);
	assert_int_equal(piece, 10);
	q = pw_vu_gpa(&m, 0x1000 + SIZE, 90, &piece);
	assert_ptr_equal(q, m.r[1].host);
	assert_int_equal(piece, 90);
	/* Over the hole: the second piece has no region. */
	p = pw_vu_gpa(&m, 0x1000 + 2 * SIZE - 10, 100, &piece);
	assert_int_equal(piece, 10);
	assert_null(pw_vu_gpa(&m, 0x1000 + 2 * SIZE, 90, &piece));
	/* gpa + len wraps past 2^64 into region 0: not in any region. */
	assert_null(pw_vu_gpa(&m, UINT64_MAX - 8, 0x2000, &piece));
	assert_null(pw_vu_gpa(&m, UINT64_MAX, UINT32_MAX, &piece));
	pw_vu_mem_unmap(&m);
}

static void test_uva(void **state)
{
	const uint64_t u = 0x7f0000000000ull;
	struct pw_vu_mem m;

	(void)state;
	translations(&m);
	assert_ptr_equal(pw_vu_uva(&m, u + 0x1000, SIZE), m.r[0].host);
	assert_ptr_equal(pw_vu_uva(&m, u + 0x1000 + SIZE - 1, 1), m.r[0].host + SIZE - 1);
	assert_null(pw_vu_uva(&m, u + 0x1000, SIZE + 1)); /* into the adjacent region: no */
	assert_null(pw_vu_uva(&m, u + 0x1000 + SIZE - 1, 2));
	assert_null(pw_vu_uva(&m, u + 0x100000 + SIZE, 1));
	assert_null(pw_vu_uva(&m, u + 0x100000, 0));
	assert_null(pw_vu_uva(&m, u + 0x100000 + 8, UINT64_MAX - 4)); /* the sum would wrap */
	assert_null(pw_vu_uva(&m, 0x1000, 16)); /* a gpa is not a uva */
	pw_vu_mem_unmap(&m);
}

static void test_fake(void **state)
{
	static uint8_t buf[2 * PAGE];
	struct pw_vu_region r[2] = { { .gpa = 0, .size = PAGE, .uva = 0 },
				     { .gpa = PAGE, .size = PAGE, .uva = PAGE - 1,
				       .mmap_offset = PAGE } };
	struct pw_vu_mem m;
	struct pw_err e;
	uint32_t piece;

	(void)state;
	pw_err_init(&e);
	assert_false(pw_vu_mem_fake(&m, r, 2, buf, &e)); /* the same checks */
	r[1].uva = PAGE;
	assert_true(pw_vu_mem_fake(&m, r, 2, buf, &e));
	assert_ptr_equal(pw_vu_gpa(&m, PAGE + 3, 8, &piece), buf + PAGE + 3);
	pw_vu_mem_unmap(&m); /* nothing of ours to unmap */
	assert_int_equal(m.n, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table), cmocka_unit_test(test_files),
		cmocka_unit_test(test_gpa),   cmocka_unit_test(test_uva),
		cmocka_unit_test(test_fake),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
