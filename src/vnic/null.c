/* SPDX-License-Identifier: MIT */
/*
 * null.c: a vNIC with no device, for tests and the benchmark: it never
 * yields a frame, and takes and discards every frame it is given. Its fd is
 * an eventfd that never becomes readable.
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "vnic/vnic.h"

struct null_vnic {
	struct pw_vnic v;
	int efd;
};

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
	return ((const struct null_vnic *)v)->efd;
}

static void null_close(struct pw_vnic *v)
{
	struct null_vnic *nv = (struct null_vnic *)v;

	close(nv->efd);
	free(nv);
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
	struct null_vnic *nv = calloc(1, sizeof(*nv));

	if (!nv)
		return NULL;
	nv->v = (struct pw_vnic){ .ops = &null_ops, .frame_max = pw_frame_max(mtu) };
	nv->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (nv->efd < 0) {
		int err = errno;

		free(nv);
		errno = err;
		return NULL;
	}
	return &nv->v;
}
