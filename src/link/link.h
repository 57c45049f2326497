/* SPDX-License-Identifier: MIT */
/*
 * link.h: one pseudowire as an object of the library: a session, its vNIC
 * and its queue pairs, with open / start / stats / stop. `pwire up` builds
 * its pseudowire through it (and so will pwired and the embedding API);
 * what is left to a front end is argv, signals and printing.
 *
 * Queue i is a transport, a vNIC queue and a burst loop (dp/engine.h) that
 * share nothing with the other queues on the data path. pw_link_start()
 * attaches queue 0 to the caller's event loop (any struct pw_watcher) and
 * runs every other queue in a thread of its own with a pw_loop.
 *
 * Opening needs the privileges (TAP, sockets, BPF); starting and everything
 * after does not, so a front end drops them in between.
 */
#ifndef PWIRE_LINK_LINK_H
#define PWIRE_LINK_LINK_H

#include "core/err.h"
#include "dp/loop.h"
#include "vnic/tap.h"
#include "vnic/vhost/vhost.h"
#include "vnic/vnic.h"
#include "xport/impair.h"
#include "xport/xport.h"

/* How a link gets what needs the privileges: a TAP queue's fd and the
 * device's name (pw_tap_open_fd), a socket (pw_socket_open_fd), a steering
 * program (pw_steer_load; map: a steer_map fd or -1) and a vhost-user
 * link's map for it (pw_steer_map), a vhost-user listening socket
 * (pw_vu_listen); each an fd or -errno. Without one the link opens them itself (pwire up,
 * before its drop); pwired's data path asks its privileged helper
 * (daemon/priv.h), so it can open links after its drop. */
struct pw_opener {
	int (*tap)(void *ctx, const struct pw_tap_cfg *cfg, unsigned queue, char name[16]);
	int (*socket)(void *ctx, const struct pw_xport_cfg *cfg);
	int (*steer)(void *ctx, uint16_t frame_offset, unsigned queues, int map);
	int (*steer_map)(void *ctx);
	int (*vhost)(void *ctx, const char *path);
	void *ctx;
};

enum { PW_VHOST_PATH_MAX = 108 }; /* sun_path */

struct pw_link_cfg {
	const struct pw_opener *opener; /* NULL: open directly */
	struct pw_session_cfg session;
	struct pw_tap_cfg tap;     /* the vNIC: name, mtu, mac, queues, io_uring */
	/* Not "": the vNIC is a vhost-user device instead of a TAP, its front
	 * end (QEMU) connecting to this UNIX socket path (made at open, one
	 * front end at a time); of tap, only mtu applies (and the name, which
	 * only names the link); tap.queues queue pairs, pair i served by
	 * queue i. */
	char vhost_path[PW_VHOST_PATH_MAX];
	/* With vhost_path: pwire connects to the front end listening there
	 * (QEMU's server=on), again a second after each failed attempt or
	 * disconnect, rather than listening itself. */
	bool vhost_client;
	struct pw_xport_cfg xport; /* encap, family, local, remote, burst */
	unsigned busy_poll_us;     /* each queue thread's loop (queue 0: the caller's) */
	bool has_impair;           /* a test aid: impair what is received */
	struct pw_impair_cfg impair;
};

/* The queues' counters added up; a snapshot while the link runs, exact
 * once it has stopped. */
struct pw_link_stats {
	struct pw_session_stats session;
	struct pw_tunnel_stats tunnel;
	struct pw_vnic_stats vnic;
	struct pw_impair_stats impair;
	bool has_vhost;               /* a vhost-user vNIC: vhost is its counters, */
	struct pw_vhost_stats vhost;
	const char *vhost_why;        /* and why its last front end went ("": none yet) */
	unsigned n_queues;
	struct pw_session_stats queues[PW_QUEUES_MAX]; /* each queue's share */
	uint64_t sockbuf_drops[PW_QUEUES_MAX];         /* its socket's rx_sockbuf_drops */
	uint32_t last_bad_session; /* the id of the last rx_bad_session datagram */
	int last_tx_errno;         /* why the last tx_errors datagram was refused */
};

struct pw_link;

/* Open the transports, the vNIC's queues and their burst loops (and the
 * steering programs with several queues). NULL with the reason in err
 * (words naming what failed and why) and errno set. */
struct pw_link *pw_link_open(const struct pw_link_cfg *cfg, struct pw_err *err);

/* Open n links at once, into links[0..n): those of one queue that have the
 * same encapsulation, local address and (UDP) port share one socket and one
 * engine (the sessions are told apart by id; no two may have one). Each is
 * still a link of its own: started, stopped, counted and closed alone (the
 * socket's counters, `tunnel`, are every member's). False with the reason
 * in err, the index of the link at fault in *failed and nothing open. */
bool pw_link_open_all(const struct pw_link_cfg *cfgs, unsigned n, struct pw_link **links,
		      unsigned *failed, struct pw_err *err);

/* Open cfg as one more member of the share that member belongs to (a
 * link pw_link_open_all() opened on a socket others can share), while it
 * runs: its TAP opened, its session indexed, a port in the engine; start
 * it with pw_link_start() as any. NULL with the reason in err and errno:
 * EINVAL when member has no share or cfg another socket, ENOSPC when the
 * share is full (pw_link_open_all leaves room for as many members again
 * as it opened with; a member that left frees its place), EMSGSIZE when
 * cfg's MTU needs larger datagrams than the socket was opened for, EEXIST
 * when its session_id is taken. */
struct pw_link *pw_link_join(struct pw_link *member, const struct pw_link_cfg *cfg,
			     struct pw_err *err);

/* Whether a and b would need one socket (one encapsulation, local address
 * and, over UDP, port): pw_link_open_all() shares it between them when they
 * have one queue each; opened apart, the second cannot bind. */
bool pw_link_cfg_same_port(const struct pw_link_cfg *a, const struct pw_link_cfg *b);

/* Attach queue 0 to w, start the other queues' threads. 0, or -errno with
 * the reason in err (the link is then stopped). A link sharing a socket
 * attaches the share's engine once, for all (start them all with one w). */
int pw_link_start(struct pw_link *l, const struct pw_watcher *w, struct pw_err *err);

/* Readable (an eventfd) once a queue stopped on its own (its vNIC went away);
 * pw_link_error() says why. Watch it in the loop that runs queue 0. */
int pw_link_fail_fd(const struct pw_link *l);
/* The first queue's reason to stop (-errno), 0 while every queue runs. */
int pw_link_error(const struct pw_link *l);

/* Add the queues' counters up (and read the sockets' drop counts: a system
 * call per queue, so for reports, never on the data path). */
void pw_link_stats(struct pw_link *l, struct pw_link_stats *out);

/* The session as configured (ids, cookies). */
const struct pw_session_cfg *pw_link_session(const struct pw_link *l);
/* The vNIC's name as the kernel made it (a pattern like pw%d resolved). */
const char *pw_link_ifname(const struct pw_link *l);
/* The vNIC's MTU, which its buffers are sized for (an existing TAP's own
 * when the configuration kept it). */
unsigned pw_link_mtu(const struct pw_link *l);

/* Stop the queue threads and detach queue 0; idempotent. */
void pw_link_stop(struct pw_link *l);
/* Stop, then close everything (the TAP goes away if the link made it). */
void pw_link_close(struct pw_link *l);

#endif
