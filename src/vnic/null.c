/* SPDX-License-Identifier: MIT */
/*
 * null.c: a vNIC with no device, for tests and the benchmark: it never
 * yields a frame, and takes and discards every frame it is given. It has no
 * fd (-1: the engine has nothing to watch), so ten thousand of them cost no
 * descriptor.
 */
#include <stdlib.h>

#include "vnic/vnic.h"

static int null_rx_burst(struct pw_vnic *v, struct pw_pkt **pkts, unsigned n)
{
	(void)v;
	(void)pkts;
	(void)n;
	return 0;
}

static int null_tx_burst(struct pw_vnic *v, struct pw_pkt *const *pkts, unsigned n)
{
	(void)v;
	(void)pkts;
	return (int)n;
}

static int null_fd(const struct pw_vnic *v)
{
	(void)v;
	return -1;
}

static void null_close(struct pw_vnic *v)
{
	free(v);
}

static const struct pw_vnic_ops null_ops = {
	.name = "null",
	.rx_burst = null_rx_burst,
	.tx_burst = null_tx_burst,
	.fd = null_fd,
	.close = null_close,
};

struct pw_vnic *pw_null_open(unsigned mtu)
{
	struct pw_vnic *v = malloc(sizeof(*v));

	if (v)
		*v = (struct pw_vnic){ .ops = &null_ops, .frame_max = pw_frame_max(mtu) };
	return v;
}
