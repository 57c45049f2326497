/* SPDX-License-Identifier: MIT */
/*
 * vnic.h: virtual NIC backends (the "in" side), behind one ops table.
 *
 * A backend either fills pwire's buffers (TAP: read() into pkt->buf) or lends
 * its own (guest memory, packet ring slots: it sets pkt->data and pkt->priv
 * and gets them back through release()), so zero-copy backends need no change
 * in core/ or dp/.
 */
#ifndef PWIRE_VNIC_VNIC_H
#define PWIRE_VNIC_VNIC_H

#include <stdint.h>

#include "core/pkt.h"
#include "core/stats.h"

/* Counters (core/stats.h): every one a drop. */
#define PW_VNIC_COUNTERS(X)                                                                        \
	X(rx_too_big, PW_DROP)     /* guest frames dropped: longer than frame_max (MTU) */         \
	X(rx_short, PW_DROP)       /* guest frames dropped: shorter than an Ethernet header */     \
	X(rx_bad_offload, PW_DROP) /* guest frames dropped: offload metadata that does not fit */  \
	X(tx_errors, PW_DROP)      /* frames the backend refused */

struct pw_vnic_stats {
	PW_VNIC_COUNTERS(PW_COUNTER_FIELD)
};
extern const struct pw_counter_name pw_vnic_counter_names[];
extern const size_t pw_vnic_counter_count;

struct pw_vnic;

struct pw_vnic_ops {
	const char *name;
	/* Frames the guest sent: fill pkts[i] (into pkts[i]->buf, or lent).
	 * Returns how many, 0 when none is waiting, or -errno. Frames longer
	 * than frame_max or shorter than an Ethernet header are dropped and
	 * counted in stats. */
	int (*rx_burst)(struct pw_vnic *v, struct pw_pkt **pkts, unsigned n);
	/* Frames for the guest: returns how many were taken (the rest stay
	 * with the caller), 0 when it is full, or -errno. */
	int (*tx_burst)(struct pw_vnic *v, struct pw_pkt *const *pkts, unsigned n);
	/* Whether frames already read wait in user space (a super-frame
	 * being cut): then a burst shorter than asked does not mean there
	 * are no more. NULL: never. */
	bool (*pending)(const struct pw_vnic *v);
	/* Give lent buffers back; NULL for backends that never lend. */
	void (*release)(struct pw_vnic *v, struct pw_pkt *const *pkts, unsigned n);
	/* What the engine watches: readable when frames wait, writable when
	 * there is room. -1: nothing to watch (rx never yields, tx never fills). */
	int (*fd)(const struct pw_vnic *v);
	/* For a vNIC whose fd() is an epoll set of its own, stable while the
	 * fds inside it change (vhost-user: a queue pair's kick fds, new with
	 * every connection): arm the inner fds for `events` (EPOLLIN: frames
	 * wait, EPOLLOUT: room; 0: neither). The engine watches the set for
	 * EPOLLIN only and takes its readiness for whatever it armed. 0 or
	 * -errno. NULL: fd() itself is watched for the events. */
	int (*arm)(struct pw_vnic *v, uint32_t events);
	void (*close)(struct pw_vnic *v);
};

struct pw_vnic {
	const struct pw_vnic_ops *ops;
	uint32_t frame_max; /* longest frame, both directions: pw_frame_max(mtu) */
	struct pw_vnic_stats stats;
};

/* A vNIC with no device: rx yields nothing, tx counts and discards. */
struct pw_vnic *pw_null_open(unsigned mtu);

static inline void pw_vnic_close(struct pw_vnic *v)
{
	if (v)
		v->ops->close(v);
}

#endif
