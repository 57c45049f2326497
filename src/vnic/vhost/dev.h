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

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "core/stats.h"
#include "vnic/vhost/mem.h"
#include "vnic/vhost/msg.h"
#include "vnic/vhost/vq.h"

enum {
	PW_VU_PAIRS_MAX = 8,
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

struct pw_vu_dev {
	struct pw_vu_dev_cfg cfg;
	uint64_t features, protocol_features; /* negotiated */
	bool owned;
	uint16_t mtu; /* NET_SET_MTU's; 0: none sent */
	struct pw_vu_mem mem;
	struct pw_vu_ring ring[PW_VU_RINGS_MAX];
	bool broken;
	/* An eventfd the data path writes when it breaks the device (a ring
	 * the guest broke), so that whoever serves the connection ends it at
	 * once (server.c); -1: nobody watches. Kept across resets. */
	int wake;
	struct pw_vu_dev_stats stats;
	/* The rings' own counters (vq.h) of connections gone: a reset clears
	 * the rings, not what they counted. */
	struct pw_vq_stats vq_gone;
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

/* The data path found a ring broken: mark the device and wake its server. */
void pw_vu_dev_break(struct pw_vu_dev *d);

#endif
