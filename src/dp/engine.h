/* SPDX-License-Identifier: MIT */
/*
 * engine.h: the burst loop joining one vNIC and one transport, driven by
 * whoever runs the event loop (dp/loop.h): attach it to a watcher and it
 * moves frames whenever its fds are ready, a bounded amount per call.
 *
 * Up: vNIC rx -> encap -> transport tx. Down: transport rx -> decap -> vNIC
 * tx. Buffers for both directions are allocated once, here, sized from the
 * MTU.
 */
#ifndef PWIRE_DP_ENGINE_H
#define PWIRE_DP_ENGINE_H

#include "core/codec.h"
#include "dp/loop.h"
#include "vnic/vnic.h"
#include "xport/xport.h"

struct pw_engine;

struct pw_engine_cfg {
	struct pw_vnic *vnic;     /* borrowed */
	struct pw_xport *xport;   /* borrowed */
	struct pw_tunnel *tunnel; /* borrowed; sessions[0] is the vNIC's session */
	unsigned burst;
	/* Called (from the loop's thread) when the vNIC or the watcher failed
	 * for good: the engine has stopped watching. NULL: nobody is told. */
	void (*on_error)(void *ctx, int err);
	void *ctx;
};

/* NULL and errno on failure. */
struct pw_engine *pw_engine_new(const struct pw_engine_cfg *cfg);
/* Detaches first. */
void pw_engine_free(struct pw_engine *e);

/* Have w watch the vNIC's and the transport's fds; from then on frames move
 * whenever they are ready. 0 or -errno. */
int pw_engine_attach(struct pw_engine *e, const struct pw_watcher *w);
/* Stop watching (nothing staged is lost: it stays for the next attach). */
void pw_engine_detach(struct pw_engine *e);

/* Why the engine stopped (-errno), 0 while it runs. */
int pw_engine_error(const struct pw_engine *e);

#endif
