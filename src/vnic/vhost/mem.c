/* SPDX-License-Identifier: MIT */
/*
 * mem.c: SET_MEM_TABLE's regions checked, mapped and unmapped; the front
 * end's virtual addresses translated (guest-physical ones: mem.h, inline).
 * Every check is written so that no sum of two guest values can wrap.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "vnic/vhost/mem.h"

/* The last byte of [start, start + size), or false when that passes 2^64. */
static bool last_byte(uint64_t start, uint64_t size, uint64_t *last)
{
	if (size - 1 > UINT64_MAX - start)
		return false;
	*last = start + (size - 1);
	return true;
}

/* The checks of a table that need no file: count, sizes, wraps, overlaps. */
static bool check_table(const struct pw_vu_region *r, unsigned n, struct pw_err *err)
{
	uint64_t glast[PW_VU_REGIONS_MAX], ulast[PW_VU_REGIONS_MAX];

	if (n == 0 || n > PW_VU_REGIONS_MAX) {
		pw_err_set(err, "memory table: %u regions (1 to %d)", n, PW_VU_REGIONS_MAX);
		return false;
	}
	for (unsigned i = 0; i < n; i++) {
		if (r[i].size == 0) {
			pw_err_set(err, "memory region %u: size 0", i);
			return false;
		}
		if (!last_byte(r[i].gpa, r[i].size, &glast[i]) ||
		    !last_byte(r[i].uva, r[i].size, &ulast[i])) {
			pw_err_set(err,
				   "memory region %u: gpa 0x%" PRIx64 " or uva 0x%" PRIx64
				   " + size 0x%" PRIx64 " passes 2^64",
				   i, r[i].gpa, r[i].uva, r[i].size);
			return false;
		}
		for (unsigned j = 0; j < i; j++) {
			bool g = r[i].gpa <= glast[j] && r[j].gpa <= glast[i];
			bool u = r[i].uva <= ulast[j] && r[j].uva <= ulast[i];

			if (g || u) {
				pw_err_set(err, "memory regions %u and %u overlap in %s (0x%" PRIx64
						" and 0x%" PRIx64 ")",
					   j, i, g ? "guest-physical" : "front-end virtual",
					   g ? r[j].gpa : r[j].uva, g ? r[i].gpa : r[i].uva);
				return false;
			}
		}
	}
	return true;
}

static void fill(struct pw_vu_area *a, const struct pw_vu_region *r, uint8_t *base, void *map,
		 size_t map_len)
{
	*a = (struct pw_vu_area){ .gpa = r->gpa, .size = r->size, .uva = r->uva,
				  .host = base + r->mmap_offset, .map = map, .map_len = map_len };
}

/* Map region i from fd into *a; false with the reason in err. */
static bool map_one(struct pw_vu_area *a, const struct pw_vu_region *r, unsigned i, int fd,
		    struct pw_err *err)
{
	struct stat st;
	uint64_t fsize;
	void *p;
	int seals;

	if (fstat(fd, &st) < 0) {
		pw_err_set(err, "memory region %u: fstat of fd %d: %s", i, fd, strerror(errno));
		return false;
	}
	fsize = st.st_size < 0 ? 0 : (uint64_t)st.st_size;
	if (r->mmap_offset > fsize || r->size > fsize - r->mmap_offset) {
		pw_err_set(err,
			   "memory region %u: file of %" PRIu64 " bytes is shorter than mmap_offset "
			   "0x%" PRIx64 " + size 0x%" PRIx64,
			   i, fsize, r->mmap_offset, r->size);
		return false;
	}
	seals = fcntl(fd, F_GET_SEALS);
	if (seals < 0 || !(seals & F_SEAL_SHRINK)) {
		pw_err_set(err,
			   "memory region %u: the file is not sealed against shrinking (%s): "
			   "use memory-backend-memfd",
			   i, seals < 0 ? strerror(errno) : "no F_SEAL_SHRINK");
		return false;
	}
	/* Below the file size, which is below 2^63: the sum does not wrap. */
	p = mmap(NULL, r->mmap_offset + r->size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		pw_err_set(err, "memory region %u: mmap of %" PRIu64 " bytes: %s", i,
			   r->mmap_offset + r->size, strerror(errno));
		return false;
	}
	fill(a, r, p, p, r->mmap_offset + r->size);
	return true;
}

bool pw_vu_mem_map(struct pw_vu_mem *m, const struct pw_vu_region *r, unsigned n, const int *fds,
		   struct pw_err *err)
{
	struct pw_vu_mem t = { 0 };

	if (!check_table(r, n, err))
		return false;
	for (t.n = 0; t.n < n; t.n++) {
		if (!map_one(&t.r[t.n], &r[t.n], t.n, fds[t.n], err)) {
			pw_vu_mem_unmap(&t);
			return false;
		}
	}
	*m = t;
	return true;
}

void pw_vu_mem_unmap(struct pw_vu_mem *m)
{
	for (unsigned i = 0; i < m->n; i++)
		if (m->r[i].map)
			munmap(m->r[i].map, m->r[i].map_len);
	memset(m, 0, sizeof(*m));
}

bool pw_vu_mem_fake(struct pw_vu_mem *m, const struct pw_vu_region *r, unsigned n, uint8_t *base,
		    struct pw_err *err)
{
	if (!check_table(r, n, err))
		return false;
	memset(m, 0, sizeof(*m));
	for (m->n = 0; m->n < n; m->n++)
		fill(&m->r[m->n], &r[m->n], base, NULL, 0);
	return true;
}

void *pw_vu_uva(const struct pw_vu_mem *m, uint64_t uva, uint64_t len)
{
	for (unsigned i = 0; len && i < m->n; i++) {
		const struct pw_vu_area *r = &m->r[i];

		if (uva >= r->uva && len <= r->size && uva - r->uva <= r->size - len)
			return r->host + (uva - r->uva);
	}
	return NULL;
}
