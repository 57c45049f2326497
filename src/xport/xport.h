/* SPDX-License-Identifier: MIT */
/*
 * xport.h: transports to the remote peers (the "out" side), behind one ops table.
 *
 * A transport moves bursts of datagrams; it knows sockets and addresses but
 * nothing of sessions, and no remote: one socket carries any number of
 * sessions, each with its own peer. It reports each datagram's source in
 * pkt->peer and sends each packet to pkt->peer. Buffers belong to the
 * caller: rx_burst receives into the buffers of the packets it is given,
 * tx_burst sends [hdr][data] of each packet. The mmsghdr, iovec and address
 * arrays are allocated at open time.
 */
#ifndef PWIRE_XPORT_XPORT_H
#define PWIRE_XPORT_XPORT_H

#include <netinet/in.h>
#include <sys/socket.h>

#include "core/codec.h"

struct pw_xport;

struct pw_xport_ops {
	const char *name;
	/* Receive up to n datagrams; set data/len/truncated/peer (the source)
	 * of pkts[i]: into pkts[i]->buf, or lent from the transport's own
	 * buffers (UDP GRO), valid until the next rx_burst. Whether the source
	 * is the right one is the gate's to say (pw_decap). Returns how many
	 * packets were filled (0 when none is waiting), or -errno. */
	int (*rx_burst)(struct pw_xport *x, struct pw_pkt **pkts, unsigned n);
	/* Whether received datagrams wait in the transport's own buffers (a
	 * UDP GRO message half handed out), which no fd reports: the engine
	 * reads again while they do, however short the last burst was. NULL:
	 * never (what arrives waits in the kernel). */
	bool (*pending)(const struct pw_xport *x);
	/* Send pkts[0..k), each to its pkt->peer, and return k (DPDK contract:
	 * the rest stay with the caller); 0 when the socket is full; -errno on
	 * a hard error. A packet taken but refused by the kernel is counted in
	 * stats->tx_errors, marked pkt->refused and its errno kept in tx_errno. */
	int (*tx_burst)(struct pw_xport *x, struct pw_pkt *const *pkts, unsigned n);
	int (*fd)(const struct pw_xport *x);
	/* Refresh stats->rx_sockbuf_drops from the kernel (a system call: for
	 * the reports, never on the data path); NULL where nothing can drop. */
	void (*sync_stats)(struct pw_xport *x);
	void (*close)(struct pw_xport *x);
};

struct pw_xport {
	const struct pw_xport_ops *ops;
	struct pw_tunnel_stats *stats; /* borrowed: where socket-level events count */
	int tx_errno; /* why the last datagram counted in tx_errors was refused */
};

struct pw_xport_cfg {
	enum pw_encap encap;
	int family; /* AF_INET or AF_INET6 */
	struct sockaddr_storage local;  /* with the UDP source port */
	/* Not the transport's: where the link takes its session's peer from
	 * (pw_xport_peer), with the UDP destination port. */
	struct sockaddr_storage remote;
	unsigned burst; /* most datagrams per call */
	uint32_t datagram_max; /* longer ones are dropped as rx_truncated; 0: no limit */
	/* UDP only: `queues` sockets share the port (SO_REUSEPORT), opened in
	 * order (queue: this one's index); the kernel picks one for each
	 * datagram by running steer_prog (xport/steer.h), attached by queue 0. */
	unsigned queues, queue;
	int steer_prog;
};

/* The address of ss as text (inet_ntop), into buf; returns buf ("?" when
 * it has no address family pwire knows). */
const char *pw_xport_addr_str(const struct sockaddr_storage *ss, char *buf, unsigned len);

/* The peer (pkt.h) of a socket address: family, port, address bytes. */
void pw_xport_peer(struct pw_addr *a, const struct sockaddr_storage *ss);

/* UDP or IP (protocol 115), IPv4 or IPv6. NULL and errno on failure. */
struct pw_xport *pw_socket_open(const struct pw_xport_cfg *cfg, struct pw_tunnel_stats *stats);

/* pw_socket_open() in its two halves. The first needs the privileges
 * (a raw socket, a low port, large buffers, the steering program): the
 * socket made, set up and bound, or -errno. The second needs none: the
 * transport on a socket from the first, maybe made by another process
 * (pwired's privileged helper), taking fd on success. NULL and errno (fd
 * still the caller's). */
int pw_socket_open_fd(const struct pw_xport_cfg *cfg);
struct pw_xport *pw_socket_wrap(int fd, const struct pw_xport_cfg *cfg,
				struct pw_tunnel_stats *stats);

/* Two transports joined back to back in memory, for tests, fuzzing and the
 * benchmark. Each datagram of up to `mtu` bytes is copied once. They have no
 * addresses: every datagram arrives from the zero peer (family 0), which is
 * the peer of a session nobody gave one. */
int pw_loop_open_pair(unsigned burst, unsigned mtu, struct pw_tunnel_stats *stats_a,
		      struct pw_tunnel_stats *stats_b, struct pw_xport **a, struct pw_xport **b);

static inline void pw_xport_close(struct pw_xport *x)
{
	if (x)
		x->ops->close(x);
}

#endif
