/* SPDX-License-Identifier: MIT */
/*
 * engine.h: the burst loop joining one transport (one socket) and the vNICs
 * of the sessions it carries, driven by whoever runs the event loop
 * (dp/loop.h): attach it to a watcher and it moves frames whenever its fds
 * are ready, a bounded amount per call.
 *
 * Up: a vNIC's rx -> encap with its session -> transport tx. Down:
 * transport rx -> decap (the session by its id) -> that session's vNIC tx.
 * The two directions' buffers are allocated once, here, sized from the
 * largest MTU, and shared by every session: a session costs the engine a
 * few words, not a burst of buffers.
 */
#ifndef PWIRE_DP_ENGINE_H
#define PWIRE_DP_ENGINE_H

#include "core/codec.h"
#include "dp/loop.h"
#include "vnic/vnic.h"
#include "xport/xport.h"

struct pw_engine;

/* on_error's port when the engine as a whole stopped. */
#define PW_ENGINE_ALL UINT32_MAX

struct pw_engine_cfg {
	struct pw_xport *xport;   /* borrowed */
	struct pw_tunnel *tunnel; /* borrowed: its sessions, one per vNIC */
	struct pw_vnic **vnics;   /* borrowed: vnics[i] is tunnel->sessions[i]'s; a
				   * vNIC whose fd is -1 is never read */
	unsigned burst;
	/* Ports the engine can hold (pw_engine_add); 0 or fewer than the
	 * tunnel's sessions: exactly those. vnics[] and the tunnel's
	 * sessions[] must have room for as many. */
	unsigned capacity;
	/* Called (from the loop's thread) when vnics[port] failed for good
	 * (the engine no longer reads it; the other sessions go on), or, with
	 * port PW_ENGINE_ALL, when the transport or the watcher did (the
	 * engine has stopped watching). NULL: nobody is told. */
	void (*on_error)(void *ctx, uint32_t port, int err);
	void *ctx;
};

/* Room for n sessions (a tunnel's sessions[]), zeroed, laid out as the
 * engine reads them fastest: 128-byte aligned, so that what a received
 * datagram reads of its session is one aligned pair of cache lines
 * (core/session.h). free() it. NULL and errno on failure. */
struct pw_session *pw_engine_sessions(unsigned n);

/* NULL and errno on failure. */
struct pw_engine *pw_engine_new(const struct pw_engine_cfg *cfg);
/* Detaches first. */
void pw_engine_free(struct pw_engine *e);

/* Have w watch the vNICs' and the transport's fds; from then on frames move
 * whenever they are ready. 0 or -errno. */
int pw_engine_attach(struct pw_engine *e, const struct pw_watcher *w);
/* Stop watching (nothing staged is lost: it stays for the next attach). */
void pw_engine_detach(struct pw_engine *e);

/* Port `port` for vnics[port] and the tunnel's sessions[port] (the caller
 * put them there, and the session in the tunnel's index: pw_tunnel_add):
 * a new one (port = the ports so far) or a removed one again, watched at
 * once if the engine is attached. 0; -ENOSPC past the capacity; -EBUSY
 * when that port is not removed, or frames of its old session still wait
 * for it (try another); -EMSGSIZE when its frames or headers are larger
 * than the buffers sized at pw_engine_new() hold; or the watcher's -errno
 * (the port is then removed). */
int pw_engine_add(struct pw_engine *e, uint32_t port);
/* Whether removed port `port` can be added again now. */
bool pw_engine_reusable(const struct pw_engine *e, uint32_t port);

/* Stop reading and writing vnics[port] for good, at once (the session's
 * frames waiting for the transport are dropped, those waiting for the vNIC
 * are counted in the tunnel's rx_bad_session): the caller may close the
 * vNIC on return. Take the session out of the tunnel's index too
 * (pw_tunnel_unindex) so that nothing more is decapsulated for it. */
void pw_engine_remove(struct pw_engine *e, uint32_t port);

/* Why the engine stopped (-errno), 0 while it runs. */
int pw_engine_error(const struct pw_engine *e);
/* Why the engine stopped reading vnics[port] (-errno), 0 while it does. */
int pw_engine_port_error(const struct pw_engine *e, uint32_t port);

#endif
