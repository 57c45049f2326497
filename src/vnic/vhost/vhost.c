/* SPDX-License-Identifier: MIT */
/*
 * vhost.c: a vhost-user vNIC's counters, gathered (vhost.h).
 */
#include <string.h>

#include "vnic/vhost/vhost.h"

#define PW_VHOST_ENTRY(name, kind) PW_COUNTER_ENTRY(pw_vhost_stats, name, kind)
const struct pw_counter_name pw_vhost_counter_names[] = { PW_VHOST_COUNTERS(PW_VHOST_ENTRY) };
const size_t pw_vhost_counter_count =
	sizeof(pw_vhost_counter_names) / sizeof(pw_vhost_counter_names[0]);

static void add_vq(struct pw_vhost_stats *out, const struct pw_vq_stats *q)
{
#define PW_VHOST_ADD(name, kind) out->name += q->name;
	PW_VQ_COUNTERS(PW_VHOST_ADD)
#undef PW_VHOST_ADD
}

void pw_vhost_stats(const struct pw_vu_server *s, const struct pw_vu_dev *d,
		    struct pw_vnic *const *v, unsigned n, struct pw_vhost_stats *out)
{
	const struct pw_vu_server_stats *ss = pw_vu_server_stats(s);

	memset(out, 0, sizeof(*out));
	out->connects = ss->connects;
	out->disconnects = ss->disconnects;
	out->conn_refused = ss->conn_refused;
#define PW_VHOST_DEV(name, kind) out->name = d->stats.name;
	PW_VU_DEV_COUNTERS(PW_VHOST_DEV)
#undef PW_VHOST_DEV
	add_vq(out, &d->vq_gone);
	for (unsigned i = 0; i < PW_VU_RINGS_MAX; i++)
		add_vq(out, &d->ring[i].vq.stats);
	for (unsigned i = 0; i < n; i++) {
		const struct pw_vu_net_stats *ns = pw_vu_net_stats(v[i]);

#define PW_VHOST_NET(name, kind) out->name += ns->name;
		PW_VU_NET_COUNTERS(PW_VHOST_NET)
#undef PW_VHOST_NET
	}
}
