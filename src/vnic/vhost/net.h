/* SPDX-License-Identifier: MIT */
/*
 * net.h: one virtio-net queue pair of a vhost-user device as a pwire vNIC
 * (vnic.h): rx_burst takes what the guest sent (its TX ring, 2i + 1),
 * tx_burst fills what it gave to receive into (its RX ring, 2i). Plain
 * frames from the guest are lent (sent from its memory, given back at
 * release()), the rest copied; a 12-byte virtio-net header (VERSION_1) in
 * front of each; the guest's offloads (checksum, TSO, USO) are cut and
 * checked as a TAP's are, TCP segments joined for a guest that takes them
 * (GUEST_TSO), over mergeable buffers when it negotiated MRG_RXBUF.
 *
 * The vNIC's fd is an epoll set of its own (vnic.h arm): the rings' kick
 * fds change with every connection, the set stays. Whoever applies the
 * front end's messages (server.c) calls pw_vu_net_sync() after each, so
 * that the set holds the kick fds of now.
 */
#ifndef PWIRE_VNIC_VHOST_NET_H
#define PWIRE_VNIC_VHOST_NET_H

#include "vnic/vhost/dev.h"
#include "vnic/vnic.h"

/* What happened to frames for the guest, and the calls made. */
#define PW_VU_NET_COUNTERS(X)                                                                      \
	X(tx_no_guest, PW_DROP)        /* no ring to put them in: none, stopped or disabled */     \
	X(tx_guest_buf_short, PW_DROP) /* larger than the guest's buffer */                        \
	X(rx_disabled, PW_DROP)        /* the guest sent on a disabled ring: consumed, dropped */  \
	X(rx_super, PW_COUNT)          /* the guest's super-frames cut (TSO, USO) */               \
	X(rx_lent, PW_COUNT)           /* the guest's frames sent from its memory, uncopied */     \
	X(tx_super, PW_COUNT)          /* super-frames joined for the guest (GUEST_TSO) */         \
	X(calls, PW_COUNT)             /* guest notifications written */

struct pw_vu_net_stats {
#define PW_VU_NET_FIELD(name, kind) uint64_t name;
	PW_VU_NET_COUNTERS(PW_VU_NET_FIELD)
#undef PW_VU_NET_FIELD
};

/* Queue pair `pair` of d (borrowed: it outlives the vNIC) as a vNIC for
 * frames of up to pw_frame_max(mtu) bytes. NULL and errno on failure. */
struct pw_vnic *pw_vu_net_open(struct pw_vu_dev *d, unsigned pair, unsigned mtu);

/* The device's rings changed (a kick fd, a start or stop): put the kick
 * fds of now into the vNIC's set for what is armed, and, for a ring that
 * runs, look at it once (a kick the guest sent before we watched). 0 or
 * -errno. */
int pw_vu_net_sync(struct pw_vnic *v);

const struct pw_vu_net_stats *pw_vu_net_stats(const struct pw_vnic *v);

#endif
