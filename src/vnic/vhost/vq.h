/* SPDX-License-Identifier: MIT */
/*
 * vq.h: the split virtqueue (virtio 1.2 §2.7) as the device walks it over
 * guest memory: chains popped from the available ring and translated into
 * host pieces, used elements pushed and published once per burst, guest
 * notifications turned on and off, and the decision to call the guest.
 * The guest is hostile: every index, address, length and flag is checked
 * on a private copy; the first violation breaks the ring for good (until
 * the device is reset) and counts its reason. Single-threaded per ring:
 * the caller serializes pops, pushes and flushes of one ring.
 * Not here: kick/call eventfds, the vnet header, the message handling.
 */
#ifndef PWIRE_VNIC_VHOST_VQ_H
#define PWIRE_VNIC_VHOST_VQ_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>
#include <linux/virtio_ring.h>

#include "core/err.h"
#include "core/stats.h"
#include "vnic/vhost/mem.h"

enum {
	PW_VQ_SEGS_MAX = 64,               /* host pieces of one chain */
	PW_VQ_CHAIN_BYTES = 65536 + 12,    /* a TX chain: a 64 KiB frame and its vnet header */
	PW_VQ_INDIRECT_MAX = 256,          /* entries of an indirect table */
	PW_VQ_NUM_MAX = 32768,             /* ring size (a power of two) */
};

/* The ways a guest breaks a ring (docs/vhost-user.md §4), as counters. */
#define PW_VQ_COUNTERS(X)                                                                          \
	X(desc_out_of_region, PW_DROP)  /* a buffer reaching outside every region */               \
	X(desc_bad_index, PW_DROP)      /* head or next >= ring (or table) size */                 \
	X(desc_chain_too_long, PW_DROP) /* a loop, or bytes or pieces over the cap */              \
	X(desc_zero_len, PW_DROP)       /* a zero-length descriptor */                             \
	X(desc_wrong_dir, PW_DROP)      /* writable in a TX chain, readable in an RX chain */      \
	X(desc_bad_indirect, PW_DROP)   /* nested, with NEXT, not negotiated, bad length */        \
	X(avail_idx_jump, PW_DROP)      /* the avail index moved by more than the ring size */

enum pw_vq_reason {
	PW_VQ_OK = 0,
#define PW_VQ_REASON(name, kind) PW_VQ_##name,
	PW_VQ_COUNTERS(PW_VQ_REASON)
#undef PW_VQ_REASON
};

struct pw_vq_stats {
#define PW_VQ_FIELD(name, kind) uint64_t name;
	PW_VQ_COUNTERS(PW_VQ_FIELD)
#undef PW_VQ_FIELD
};

/* What broke a ring, for the one log line: the descriptor (of the table the
 * walk was in), its address and length as the guest wrote them. */
struct pw_vq_fault {
	enum pw_vq_reason reason;
	uint16_t desc;
	bool indirect;
	uint64_t addr;
	uint32_t len;
};

/* One popped chain: head (to push back), len = sum of seg[0..n).iov_len. */
struct pw_vq_chain {
	uint16_t head;
	uint16_t n;
	uint32_t len;
	struct iovec seg[PW_VQ_SEGS_MAX];
};

struct pw_vring {
	const struct pw_vu_mem *mem; /* borrowed; must outlive the ring's use */
	struct vring_desc *desc;
	struct vring_avail *avail;
	struct vring_used *used;
	uint16_t num;
	uint16_t last_avail;     /* next avail entry to pop: ours alone */
	uint16_t used_idx;       /* next used entry; published by pw_vq_flush() */
	uint16_t signalled_used; /* used_idx at the last call decision */
	bool indirect;           /* VIRTIO_RING_F_INDIRECT_DESC negotiated */
	bool event_idx;          /* VIRTIO_RING_F_EVENT_IDX negotiated */
	struct pw_vq_fault broken; /* reason PW_VQ_OK: not broken */
	struct pw_vq_stats stats;
};

/* Where the ring lies (SET_VRING_ADDR, front-end virtual addresses) and how
 * it starts (SET_VRING_NUM, SET_VRING_BASE, the negotiated features). */
struct pw_vq_cfg {
	uint64_t desc, avail, used;
	uint32_t num;
	uint16_t base;
	bool indirect, event_idx;
};

/*
 * Set a ring up over m: num a power of two in 1..PW_VQ_NUM_MAX, each part
 * inside one region (16·num, 6 + 2·num, 6 + 8·num bytes) and aligned there
 * (16, 2, 4). false with the reason in err (bad_ring_addr for the caller to
 * count); *q is then untouched. The used index starts from what the used
 * ring holds (the guest's view stays monotonic), last_avail from base.
 */
bool pw_vq_init(struct pw_vring *q, const struct pw_vu_mem *m, const struct pw_vq_cfg *c,
		struct pw_err *err);

/* Chains the guest made available and we did not pop: 0..num, or -EPROTO
 * (the ring is broken now, or was). */
int pw_vq_pending(struct pw_vring *q);

/*
 * Pop the next chain into *c: every descriptor device-writable (writable,
 * an RX ring) or every one device-readable (a TX ring). 1: popped; 0: none
 * available; -EPROTO: the ring is broken (by this chain or before), *c is
 * meaningless. A writable chain longer than PW_VQ_CHAIN_BYTES is checked
 * whole but given as its first PW_VQ_CHAIN_BYTES; a readable one is a
 * violation. Pieces point into guest memory, valid while m is mapped.
 */
int pw_vq_pop(struct pw_vring *q, bool writable, struct pw_vq_chain *c);

/* Give back the last n chains popped (not pushed): they are popped again. */
void pw_vq_unpop(struct pw_vring *q, uint16_t n);

/* Write a used element (chain head, bytes written); the guest sees it after
 * the next pw_vq_flush(). */
void pw_vq_push(struct pw_vring *q, uint16_t head, uint32_t len);

/* Publish the used elements pushed so far: one store of used->idx. */
void pw_vq_flush(struct pw_vring *q);

/*
 * Ask the guest to kick (on) or not to (off) when it adds chains. Turning
 * on returns true when chains arrived meanwhile (pop again before
 * sleeping); turning off always returns false.
 */
bool pw_vq_notify_on(struct pw_vring *q, bool on);

/* After pw_vq_flush(): whether the guest wants a call for what was
 * published since the last decision (EVENT_IDX, else NO_INTERRUPT). */
bool pw_vq_should_call(struct pw_vring *q);

/* "desc_zero_len" and so on; "ok" for PW_VQ_OK. */
const char *pw_vq_reason_name(enum pw_vq_reason r);

#endif
