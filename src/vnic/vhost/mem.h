/* SPDX-License-Identifier: MIT */
/*
 * mem.h: the guest's memory as the front end describes it in SET_MEM_TABLE:
 * up to PW_VU_REGIONS_MAX regions, each a shared memfd pwire maps whole.
 * Two translations: guest-physical addresses (descriptor buffers), which
 * may be cut into a piece per region, and the front end's virtual addresses
 * (the three ring parts of SET_VRING_ADDR), which must lie in one region.
 * Not here: the message itself (msg.c), the rings (vq.c).
 */
#ifndef PWIRE_VNIC_VHOST_MEM_H
#define PWIRE_VNIC_VHOST_MEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "vnic/vhost/proto.h"

/* One region as mapped: [gpa, gpa + size) of the guest is host[0 .. size). */
struct pw_vu_area {
	uint64_t gpa, size, uva;
	uint8_t *host;  /* map + mmap_offset */
	void *map;      /* NULL: not ours to unmap (pw_vu_mem_fake) */
	size_t map_len; /* mmap_offset + size */
};

struct pw_vu_mem {
	unsigned n;
	struct pw_vu_area r[PW_VU_REGIONS_MAX];
};

/*
 * Map the n regions of a memory table, region i from fds[i]. Refused, with
 * the reason in err and nothing left mapped: n 0 or > PW_VU_REGIONS_MAX, a
 * size 0, gpa + size or uva + size past 2^64, regions overlapping in either
 * address space, a file shorter than mmap_offset + size, a file not sealed
 * against shrinking (only a memfd can be: a shrunk file would fault us with
 * SIGBUS), a failed mmap. The fds stay the caller's: it closes them after
 * the call, whatever the result (a mapping outlives its fd). *m is written
 * only on success; unmap it with pw_vu_mem_unmap().
 */
bool pw_vu_mem_map(struct pw_vu_mem *m, const struct pw_vu_region *r, unsigned n, const int *fds,
		   struct pw_err *err);

/* Unmap what pw_vu_mem_map() mapped; *m is then empty. Harmless on an empty
 * or fake table. */
void pw_vu_mem_unmap(struct pw_vu_mem *m);

/*
 * For tests and fuzzers: the same checks as pw_vu_mem_map() (but no file),
 * over memory the caller mapped itself: region i is base + mmap_offset,
 * size bytes. Nothing is unmapped by pw_vu_mem_unmap().
 */
bool pw_vu_mem_fake(struct pw_vu_mem *m, const struct pw_vu_region *r, unsigned n, uint8_t *base,
		    struct pw_err *err);

/*
 * The host address of guest-physical gpa, or NULL when no region holds it.
 * *piece: how many of the len bytes from gpa lie in that region (len when
 * all do; a buffer running into the next region is translated again from
 * gpa + *piece by the caller). len 0 gives *piece 0.
 */
static inline void *pw_vu_gpa(const struct pw_vu_mem *m, uint64_t gpa, uint32_t len,
			      uint32_t *piece)
{
	for (unsigned i = 0; i < m->n; i++) {
		const struct pw_vu_area *r = &m->r[i];
		uint64_t off, left;

		/* No sum: gpa - r->gpa cannot wrap once gpa >= r->gpa. */
		if (gpa < r->gpa || gpa - r->gpa >= r->size)
			continue;
		off = gpa - r->gpa;
		left = r->size - off;
		*piece = len <= left ? len : (uint32_t)left;
		return r->host + off;
	}
	return NULL;
}

/* The host address of the front end's [uva, uva + len), all of it in one
 * region, or NULL (len 0 included). For the ring addresses. */
void *pw_vu_uva(const struct pw_vu_mem *m, uint64_t uva, uint64_t len);

#endif
