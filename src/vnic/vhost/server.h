/* SPDX-License-Identifier: MIT */
/*
 * server.h: the socket side of one vhost-user device (docs/vhost-user.md
 * §3, "Control fds" and "The guest goes away"): a listening UNIX socket,
 * one front end connection at a time, messages framed off it with the fds
 * they carry, handed to msg.c and dev.c, replies written back, and the
 * device's vNICs (net.c) synced after each message.
 *
 * It owns no event loop: it watches its fds through the caller's
 * struct pw_watcher (dp/loop.h). Nothing it does blocks: the sockets are
 * non-blocking, a message that comes in pieces is put together in a
 * buffer of the server's, and each call does a bounded amount of work.
 * No allocation after pw_vu_server_new().
 *
 * When the front end goes away (EOF, an error on the socket) or the device
 * breaks, the connection is closed, the device reset, the vNICs synced
 * (their sets empty: never ready) and the reason kept; the listening
 * socket is served again (client mode: the front end's socket is
 * connected to again, once a second until it answers).
 */
#ifndef PWIRE_VNIC_VHOST_SERVER_H
#define PWIRE_VNIC_VHOST_SERVER_H

#include <stdint.h>

#include "core/err.h"
#include "dp/loop.h"
#include "vnic/vhost/dev.h"
#include "vnic/vnic.h"

/* socket(AF_UNIX, SOCK_STREAM, non-blocking, close-on-exec) bound to path
 * and listening (backlog 1). A path that exists is replaced only when it
 * is a socket nobody answers on (connect gives ECONNREFUSED: a stale one
 * left by a process gone); anything else is refused naming the path. The
 * fd, or -errno with one error in err. */
int pw_vu_listen(const char *path, struct pw_err *err);

struct pw_vu_server;

struct pw_vu_server_stats {
	uint64_t connects;     /* front ends accepted and served */
	uint64_t disconnects;  /* connections ended, for whatever reason (pw_vu_server_why) */
	uint64_t conn_refused; /* accepted and closed at once: one was attached already */
};

/* Serve device d (borrowed: it outlives the server) on the listening socket
 * listen_fd (taken: closed by pw_vu_server_free, even when this fails),
 * calling pw_vu_net_sync() on vnics[0..n) (borrowed, n <= PW_VU_PAIRS_MAX)
 * after each message and each disconnect. NULL and errno on failure. */
struct pw_vu_server *pw_vu_server_new(int listen_fd, struct pw_vu_dev *d,
				      struct pw_vnic *const *vnics, unsigned n);

/* The same device served in client mode: the front end (QEMU with
 * server=on) listens on path, and the server connects to it when attached,
 * and again RETRY_SECONDS (1) after a failed attempt or a connection's end,
 * for as long as it is attached (a restarted VM is found again). path is
 * copied. NULL and errno (ENAMETOOLONG past sun_path) on failure. */
struct pw_vu_server *pw_vu_client_new(const char *path, struct pw_vu_dev *d,
				      struct pw_vnic *const *vnics, unsigned n);

/* Watch the listening socket, or in client mode the retry timer and make
 * the first attempt to connect (and a connection, if one is attached) with
 * w, copied. 0 or -errno. */
int pw_vu_server_attach(struct pw_vu_server *s, const struct pw_watcher *w);

/* Stop watching; the connection, if any, stays attached, quiet. */
void pw_vu_server_detach(struct pw_vu_server *s);

/* Detach, close the connection (resetting the device it set up, without
 * syncing the vNICs: they may be closed already) and the listening socket.
 * The socket's path is not unlinked. NULL is fine. */
void pw_vu_server_free(struct pw_vu_server *s);

const struct pw_vu_server_stats *pw_vu_server_stats(const struct pw_vu_server *s);

/* Why the last connection ended ("GET_QUEUE_NUM: ...", "the front end
 * closed the connection") or, in client mode, the last attempt failed
 * ("connecting to PATH: Connection refused"), "" before any. Borrowed until the next
 * call into the server. Messages the parser refuses are counted in the
 * device's stats.bad_msg, as those dev.c refuses. */
const char *pw_vu_server_why(const struct pw_vu_server *s);

#endif
