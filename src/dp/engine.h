/* SPDX-License-Identifier: MIT */
/*
 * engine.h: the burst loop joining one vNIC and one transport.
 *
 * Up: vNIC rx -> encap -> transport tx. Down: transport rx -> decap -> vNIC
 * tx. Buffers for both directions are allocated once, here, sized from the
 * MTU. The engine waits with epoll; a caller's wake fd (a signalfd, an
 * eventfd) makes pw_engine_run() return so the caller can act and call again.
 */
#ifndef PWIRE_DP_ENGINE_H
#define PWIRE_DP_ENGINE_H

#include "core/codec.h"
#include "vnic/vnic.h"
#include "xport/xport.h"

struct pw_engine;

struct pw_engine_cfg {
	struct pw_vnic *vnic;     /* borrowed */
	struct pw_xport *xport;   /* borrowed */
	struct pw_tunnel *tunnel; /* borrowed; sessions[0] is the vNIC's session */
	unsigned burst;
	/* After traffic, poll without sleeping for up to this many µs before
	 * sleeping again: a frame that comes meanwhile needs no wake-up. 0: off. */
	unsigned busy_poll_us;
};

/* NULL and errno on failure. */
struct pw_engine *pw_engine_new(const struct pw_engine_cfg *cfg);
void pw_engine_free(struct pw_engine *e);

/* Move frames until wake_fd is readable (returns 0, wake_fd unread) or a
 * backend fails for good (returns -errno). */
int pw_engine_run(struct pw_engine *e, int wake_fd);

#endif
