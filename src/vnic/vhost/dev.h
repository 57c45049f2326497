/* SPDX-License-Identifier: MIT */
/*
 * dev.h: one vhost-user device as the front end (QEMU) drives it: the
 * features it negotiated, the guest memory it described, and each ring's
 * size, addresses, base, kick/call/err fds and state. It applies messages
 * the parser accepted (msg.h) and builds their replies; it does no I/O of
 * its own (server.c reads and writes the socket, net.c walks the rings).
 *
 * What the device checks is what makes a message wrong in its state (a
 * ring index past the pairs, a feature not offered, a ring changed while
 * it runs, a size not a power of two, ring parts outside guest memory); the
 * order of messages QEMU sends is not promised, so only what safety needs
 * is ordered: a ring starts once its size, addresses, kick fd and a memory
 * table are all known. The first wrong message breaks the device: it is
 * counted, its reason kept, and the caller ends the connection and resets.
 */
#ifndef PWIRE_VNIC_VHOST_DEV_H
#define PWIRE_VNIC_VHOST_DEV_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "core/stats.h"
#include "vnic/vhost/mem.h"
#include "vnic/vhost/msg.h"
#include "vnic/vhost/vq.h"

enum {
	PW_VU_PAIRS_MAX = 16, /* a TAP's queues at most (PW_QUEUES_MAX) */
	PW_VU_RINGS_MAX = 2 * PW_VU_PAIRS_MAX,
	PW_VU_REPLY_MAX = PW_VU_HDR_LEN + 8, /* the longest reply: a u64 or a ring state */
	PW_VU_MTU_MIN = 68,
};

/* What the front end did wrong (docs/vhost-user.md section 4). */
#define PW_VU_DEV_COUNTERS(X)                                                                      \
	X(bad_msg, PW_DROP)       /* against the table or the device's state */                    \
	X(bad_mem_table, PW_DROP) /* regions refused (mem.h), or a ring not found again in them */ \
	X(bad_ring_addr, PW_DROP) /* ring parts outside memory, misaligned, bad size */

struct pw_vu_dev_stats {
#define PW_VU_DEV_FIELD(name, kind) uint64_t name;
	PW_VU_DEV_COUNTERS(PW_VU_DEV_FIELD)
#undef PW_VU_DEV_FIELD
};

struct pw_vu_ring {
	struct pw_vring vq;   /* walked while started */
	struct pw_vq_cfg cfg; /* size, addresses and base as the front end set them */
	bool has_num, has_addr;
	bool started;         /* size, addresses, kick and memory known; vq set up */
	bool enabled;         /* SET_VRING_ENABLE (on at start without protocol features) */
	int kick, call, err;  /* -1: none */
};

/* What the device offers. */
struct pw_vu_dev_cfg {
	unsigned pairs;             /* 1..PW_VU_PAIRS_MAX */
	uint64_t features;          /* virtio features (F_PROTOCOL_FEATURES among them) */
	uint64_t protocol_features; /* PW_VU_PROTOCOL_F_* bits */
	uint16_t mtu;               /* the largest NET_SET_MTU taken */
};

/*
 * The gate of one queue pair. With several queues the data path of pair i
 * runs in queue i's thread while the front end's messages are applied in
 * queue 0's (the control side): a message that changes a ring (stops it,
 * replaces its kick or call fd, swaps or unmaps the memory) first holds the
 * pair, which waits until no burst runs on it and keeps new bursts out.
 *
 * A burst (pw_vu_gate_enter): store busy = 1, load held; held: busy = 0
 * and touch nothing. Otherwise walk the rings, then busy = 0 with release.
 * The control side (pw_vu_dev_hold): store held = 1, then load busy until
 * it reads 0. This is Dekker's pattern: each side stores its flag, then
 * loads the other's, all four seq_cst (on x86 the stores are xchg, a full
 * barrier: the fence of the plan, written so that TSan understands it).
 * Seq_cst operations have one total order, so of the two stores, the one
 * first in it is seen by the other side's load: either the burst sees held
 * and stays out, or the control side sees busy and waits for the release
 * store that ends the burst; its acquire of busy = 0 makes what the burst
 * wrote (ring positions, counters) visible to it, and the release of held
 * = 0 (pw_vu_dev_release) makes what the control side changed (ring
 * state, fds, the memory table) visible to the next burst's load of held.
 * The wait is bounded by one burst (a burst never waits for the control
 * side). No lock and no system call on the data path: two stores and a
 * load a burst, not a frame. Both rings of a pair are walked by one thread
 * (the pair is one vNIC), so one gate a pair.
 */
struct pw_vu_gate {
	_Atomic bool held, busy;
	unsigned depth; /* the control side's holds (they nest); its thread only */
};

struct pw_vu_dev {
	struct pw_vu_dev_cfg cfg;
	struct pw_vu_gate gate[PW_VU_PAIRS_MAX];
	uint64_t features, protocol_features; /* negotiated */
	bool owned;
	uint16_t mtu; /* NET_SET_MTU's; 0: none sent */
	struct pw_vu_mem mem;
	struct pw_vu_ring ring[PW_VU_RINGS_MAX];
	_Atomic bool broken; /* also set by the data path (pw_vu_dev_break) */
	/* An eventfd the data path writes when it breaks the device (a ring
	 * the guest broke), so that whoever serves the connection ends it at
	 * once (server.c); -1: nobody watches. Kept across resets. */
	int wake;
	struct pw_vu_dev_stats stats;
	/* The rings' own counters (vq.h) of connections gone: a reset clears
	 * the rings, not what they counted. */
	struct pw_vq_stats vq_gone;
	/* Where the pairs the guest runs are stored for the socket steering
	 * program (xport/steer.c's map, mapped); NULL: nowhere. Kept across
	 * resets. */
	_Atomic uint32_t *steer;
};

/* A device with nothing negotiated, no memory, no ring, offering c. */
void pw_vu_dev_init(struct pw_vu_dev *d, const struct pw_vu_dev_cfg *c);

/*
 * Apply one message the parser accepted. fds[0..m->n_fds) came with it: the
 * device takes every one (keeps a kick/call/err fd, closes the rest), in
 * every case. A reply to send, if any, is written to reply
 * (PW_VU_REPLY_MAX bytes) and its length to *reply_len (0: none; with
 * REPLY_ACK negotiated and need_reply set, an ack of 0 for a request that
 * answers nothing else). False: the device is broken by this message (the
 * reason in err, counted); send nothing, end the connection, reset.
 */
bool pw_vu_dev_handle(struct pw_vu_dev *d, const struct pw_vu_msg *m, int *fds, uint8_t *reply,
		      size_t *reply_len, struct pw_err *err);

/* The front end is gone: rings stopped, fds closed, memory unmapped, what
 * was negotiated forgotten, the broken mark cleared (the counters and the
 * wake fd stay). */
void pw_vu_dev_reset(struct pw_vu_dev *d);

/*
 * Keep *pairs equal to the number of pairs the guest runs, for the socket
 * program that steers received datagrams to the pairs (several queues):
 * the leading run of pairs whose RX ring (the one a datagram's frame goes
 * to) is started and enabled, at least 1. A Linux guest runs pairs 0..k-1
 * (k = min(N, its CPUs) until `ethtool -L`); one that runs pair 0 and 2
 * but not 1 gets 1: steering by a count can only name a prefix. With no
 * guest (a reset, a broken device) it is 1: pair 0 is the one a new guest
 * starts first, so the fewest datagrams wait on a pair that is not running.
 * Stored (relaxed: a hint; a datagram steered just before a pair stops is
 * dropped and counted as before) after every message and reset, by the
 * control side; the stored value is set at once.
 */
void pw_vu_dev_steer(struct pw_vu_dev *d, _Atomic uint32_t *pairs);

/* The data path found a ring broken: mark the device and wake its server. */
void pw_vu_dev_break(struct pw_vu_dev *d);

/* The control side: keep bursts off pair `pair` (every pair: pw_vu_dev_hold_all)
 * until the matching release; returns once no burst runs on it. Holds nest.
 * pw_vu_dev_handle() and pw_vu_dev_reset() hold what they change. */
void pw_vu_dev_hold(struct pw_vu_dev *d, unsigned pair);
void pw_vu_dev_release(struct pw_vu_dev *d, unsigned pair);
void pw_vu_dev_hold_all(struct pw_vu_dev *d);
void pw_vu_dev_release_all(struct pw_vu_dev *d);

/* The data path, before it touches pair `pair`'s rings: false while the
 * control side holds it (touch nothing then). True: call pw_vu_gate_exit()
 * when done. See struct pw_vu_gate for the ordering. */
static inline bool pw_vu_gate_enter(struct pw_vu_dev *d, unsigned pair)
{
	struct pw_vu_gate *g = &d->gate[pair];

	atomic_store_explicit(&g->busy, true, memory_order_seq_cst);
	if (atomic_load_explicit(&g->held, memory_order_seq_cst)) {
		atomic_store_explicit(&g->busy, false, memory_order_release);
		return false;
	}
	return true;
}

static inline void pw_vu_gate_exit(struct pw_vu_dev *d, unsigned pair)
{
	atomic_store_explicit(&d->gate[pair].busy, false, memory_order_release);
}

#endif
