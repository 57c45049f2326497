/* SPDX-License-Identifier: MIT */
/*
 * vhost.h: the counters of a vhost-user vNIC, as a front end prints them
 * (docs/vhost-user.md section 4): its server's connections, what the front
 * end sent wrong (dev.c), what the guest did to its rings (vq.c: kept
 * across resets), and what happened to frames for it (net.c).
 */
#ifndef PWIRE_VNIC_VHOST_VHOST_H
#define PWIRE_VNIC_VHOST_VHOST_H

#include "core/stats.h"
#include "vnic/vhost/net.h"
#include "vnic/vhost/server.h"

#define PW_VHOST_COUNTERS(X)                                                                       \
	X(connects, PW_COUNT)                                                                      \
	X(disconnects, PW_COUNT)                                                                   \
	X(conn_refused, PW_COUNT)                                                                  \
	PW_VU_DEV_COUNTERS(X)                                                                      \
	PW_VQ_COUNTERS(X)                                                                          \
	PW_VU_NET_COUNTERS(X)

struct pw_vhost_stats {
	PW_VHOST_COUNTERS(PW_COUNTER_FIELD)
};
extern const struct pw_counter_name pw_vhost_counter_names[];
extern const size_t pw_vhost_counter_count;

/* Everything counted for device d, served by s, with queue vNICs v[0..n). */
void pw_vhost_stats(const struct pw_vu_server *s, const struct pw_vu_dev *d,
		    struct pw_vnic *const *v, unsigned n, struct pw_vhost_stats *out);

#endif
