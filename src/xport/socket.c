/* SPDX-License-Identifier: MIT */
/*
 * socket.c: L2TPv3 over UDP (RFC 3931 §4.1.2.2) and over IP protocol 115
 * (§4.1.1.1), IPv4 and IPv6, with recvmmsg/sendmmsg bursts.
 *
 * The socket is bound to the local address and not connected: it is shared
 * by every session on that address (and port), so it knows no remote. Each
 * received datagram's source goes up with it (pkt->peer) for the gate to
 * check against its session's peer (a stranger's datagrams are counted
 * there, rx_bad_source, instead of vanishing in the kernel), and each
 * datagram is sent to its packet's peer. Raw IPv4 sockets deliver the IP
 * header, raw IPv6 ones do not: the IPv4 header is skipped by its IHL. The
 * mmsghdr, iovec and address arrays are allocated here at open time;
 * buffers are the caller's.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/sock_diag.h>
#include <netinet/udp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/inet.h"
#include "xport/xport.h"

enum {
	PW_SOCKBUF = 4 << 20,
	/* One UDP GSO message: at most UDP_MAX_SEGMENTS of older kernels, and
	 * well inside one IP datagram. */
	PW_GSO_SEGS_MAX = 64,
	PW_GSO_BYTES_MAX = 65000,
	/* UDP GRO: messages of up to 64 KiB received per recvmmsg, each split
	 * back into its datagrams. */
	PW_GRO_MSGS = 64,
	PW_GRO_BUF = 65536,
	/* The buffers lie PW_GRO_BUF + one cache line apart: 64 KiB apart,
	 * the head of every datagram (all the gate reads) would fall in the
	 * same L1 set (address bits 6 to 11), whose 8 ways cannot hold a
	 * burst of 64 small datagrams; staggered, each has a set of its own. */
	PW_GRO_STRIDE = PW_GRO_BUF + 64,
};

/* A datagram's address as the socket calls take it. */
union sock_name {
	struct sockaddr sa;
	struct sockaddr_in in;
	struct sockaddr_in6 in6;
};

union gso_cmsg {
	char buf[CMSG_SPACE(sizeof(int))]; /* UDP_SEGMENT: u16; UDP_GRO: int */
	struct cmsghdr align;
};

struct sock_xport {
	struct pw_xport x;
	int fd;
	bool raw_v4;  /* IP encap over IPv4: datagrams start with the IP header */
	bool udp;
	/* Runs of equal datagrams up to this size go as one UDP_SEGMENT
	 * message; 0 without GSO. Lowered when the kernel refuses a size (a
	 * segment that would need IP fragmentation). */
	uint32_t gso_max;
	unsigned burst;
	struct mmsghdr *rx_msgs, *tx_msgs;
	struct iovec *rx_iov, *tx_iov; /* 1 per rx datagram, 2 per tx datagram */
	struct sockaddr_storage *rx_names;
	union sock_name *tx_names; /* one per tx message: its packets' peer */
	union gso_cmsg *tx_cmsg;   /* one per tx message */
	unsigned *tx_run;        /* datagrams in each tx message */
	uint32_t datagram_max;
	/* UDP GRO (NULL without): the kernel joins a peer's datagrams of one
	 * size into one message; they are split here and lent to the caller. */
	uint8_t *gro_mem;
	struct mmsghdr gro_msgs[PW_GRO_MSGS];
	struct iovec gro_iov[PW_GRO_MSGS];
	struct sockaddr_storage gro_names[PW_GRO_MSGS];
	union gso_cmsg gro_cmsg[PW_GRO_MSGS];
	unsigned gro_got, gro_cur; /* messages received, the one being split */
	uint32_t gro_off;          /* where in it the next datagram starts */
};

void pw_xport_peer(struct pw_addr *a, const struct sockaddr_storage *ss)
{
	memset(a, 0, sizeof(*a));
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *in = (const void *)ss;

		a->family = AF_INET;
		a->port = in->sin_port;
		memcpy(a->addr, &in->sin_addr, sizeof(in->sin_addr));
	} else if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const void *)ss;

		a->family = AF_INET6;
		a->port = in6->sin6_port;
		memcpy(a->addr, &in6->sin6_addr, sizeof(in6->sin6_addr));
	}
}

/* A received datagram's source; over IP there is no port (raw sockets
 * report 0, and a peer over IP has none). */
static void source_of(const struct sock_xport *sx, struct pw_addr *a,
		      const struct sockaddr_storage *ss)
{
	pw_xport_peer(a, ss);
	if (!sx->udp)
		a->port = 0;
}

/* The socket address of a packet's peer, for msg_name; its length, or 0
 * for a packet with no peer (sendmmsg then refuses it: EDESTADDRREQ). */
static socklen_t name_of(union sock_name *n, const struct pw_addr *a)
{
	if (a->family == AF_INET) {
		n->in = (struct sockaddr_in){ .sin_family = AF_INET, .sin_port = a->port };
		memcpy(&n->in.sin_addr, a->addr, sizeof(n->in.sin_addr));
		return sizeof(n->in);
	}
	if (a->family == AF_INET6) {
		n->in6 = (struct sockaddr_in6){ .sin6_family = AF_INET6, .sin6_port = a->port };
		memcpy(&n->in6.sin6_addr, a->addr, sizeof(n->in6.sin6_addr));
		return sizeof(n->in6);
	}
	return 0;
}

/* Skip the IPv4 header a raw socket hands us, by its IHL. */
static bool strip_ipv4(struct pw_pkt *p)
{
	unsigned ihl;

	if (p->len < PW_IPV4_HLEN_MIN)
		return false;
	ihl = (p->data[0] & PW_IPV4_IHL) * 4u;
	if (ihl < PW_IPV4_HLEN_MIN || p->len < ihl)
		return false;
	p->data += ihl;
	p->len -= ihl;
	return true;
}

/* Longer than any datagram that carries a valid frame: dropped like one cut
 * by MSG_TRUNC, whatever buffer it happened to fit. */
static bool too_long(const struct sock_xport *sx, uint32_t len)
{
	return sx->datagram_max && len > sx->datagram_max;
}

/* The datagram size the kernel joined a GRO message from (its length when
 * it holds one datagram). */
static uint32_t gro_size(const struct msghdr *h, uint32_t len)
{
	for (struct cmsghdr *c = CMSG_FIRSTHDR(h); c; c = CMSG_NXTHDR((struct msghdr *)h, c)) {
		if (c->cmsg_level == SOL_UDP && c->cmsg_type == UDP_GRO &&
		    c->cmsg_len >= CMSG_LEN(sizeof(int))) {
			int size;

			memcpy(&size, CMSG_DATA(c), sizeof(size));
			return size > 0 ? (uint32_t)size : len;
		}
	}
	return len;
}

/* Lend the datagrams of the GRO messages received (gro_msgs[gro_cur..gro_got),
 * from gro_off in the current one) into pkts[filled..n), each with its
 * message's source (the kernel joins datagrams of one source only), whole
 * messages where they fit; an empty message is counted as short. Returns
 * filled plus those lent. */
static unsigned gro_split(struct sock_xport *sx, struct pw_pkt **pkts, unsigned filled, unsigned n)
{
	struct pw_tunnel_stats *st = sx->x.stats;

	while (filled < n && sx->gro_cur < sx->gro_got) {
		const struct msghdr *h = &sx->gro_msgs[sx->gro_cur].msg_hdr;
		uint32_t len = sx->gro_msgs[sx->gro_cur].msg_len, size = gro_size(h, len);
		uint8_t *base = sx->gro_mem + (size_t)sx->gro_cur * PW_GRO_STRIDE;
		uint32_t seg = len - sx->gro_off < size ? len - sx->gro_off : size;
		bool done = true;

		if (!len) {
			st->rx_short++;
		} else {
			/* A message whose datagrams do not all fit ends the
			 * burst before it (unless nothing is in it yet): a
			 * peer's run of segments split between two bursts
			 * would reach the vNIC as two joins, two writes. */
			if (!sx->gro_off && filled && (len - 1) / size >= n - filled)
				break;
			pkts[filled]->data = base + sx->gro_off;
			pkts[filled]->len = seg;
			pkts[filled]->truncated = (h->msg_flags & MSG_TRUNC) || too_long(sx, seg);
			source_of(sx, &pkts[filled]->peer, &sx->gro_names[sx->gro_cur]);
			filled++;
			sx->gro_off += seg;
			done = sx->gro_off >= len;
		}
		if (done) {
			sx->gro_cur++;
			sx->gro_off = 0;
		}
	}
	return filled;
}

/* UDP GRO: lend the datagrams of received messages, one by one; receive
 * again only once every datagram lent before has been handed out (the
 * caller is done with the previous burst when it asks for the next). */
static int gro_rx_burst(struct sock_xport *sx, struct pw_pkt **pkts, unsigned n)
{
	unsigned filled = gro_split(sx, pkts, 0, n);

	while (!filled && n) {
		int got;

		for (unsigned i = 0; i < PW_GRO_MSGS; i++) {
			struct msghdr *m = &sx->gro_msgs[i].msg_hdr;

			m->msg_namelen = sizeof(sx->gro_names[i]);
			m->msg_control = sx->gro_cmsg[i].buf;
			m->msg_controllen = sizeof(sx->gro_cmsg[i].buf);
			m->msg_flags = 0;
		}
		got = recvmmsg(sx->fd, sx->gro_msgs, PW_GRO_MSGS, MSG_DONTWAIT, NULL);
		if (got <= 0) {
			if (got < 0 && errno != EAGAIN && errno != EINTR)
				sx->x.stats->rx_socket_errors++;
			break;
		}
		sx->gro_got = (unsigned)got;
		sx->gro_cur = 0;
		sx->gro_off = 0;
		filled = gro_split(sx, pkts, 0, n);
	}
	return (int)filled;
}

/* What recvmmsg returned in rx_msgs[0..got), received into pkts[0..got):
 * the datagrams kept move to the front of pkts, in order, with their source
 * (a cut one with nothing of it read, marked truncated; over IP/IPv4 past
 * the IP header); one whose IPv4 header does not fit is counted as short.
 * Returns how many were kept. */
static unsigned rx_sort(struct sock_xport *sx, struct pw_pkt **pkts, unsigned got)
{
	struct pw_tunnel_stats *st = sx->x.stats;
	unsigned kept = 0;

	for (unsigned i = 0; i < got; i++) {
		struct pw_pkt *p = pkts[i];
		const struct msghdr *h = &sx->rx_msgs[i].msg_hdr;

		p->data = p->buf;
		p->len = sx->rx_msgs[i].msg_len;
		p->truncated = h->msg_flags & MSG_TRUNC;
		if (p->truncated)
			p->len = 0; /* nothing of a cut datagram is read */
		else if (sx->raw_v4 && !strip_ipv4(p)) {
			st->rx_short++;
			continue;
		}
		p->truncated |= too_long(sx, p->len);
		source_of(sx, &p->peer, &sx->rx_names[i]);
		pkts[i] = pkts[kept];
		pkts[kept++] = p;
	}
	return kept;
}

static int sock_rx_burst(struct pw_xport *x, struct pw_pkt **pkts, unsigned n)
{
	struct sock_xport *sx = (struct sock_xport *)x;
	int got;

	if (sx->gro_mem)
		return gro_rx_burst(sx, pkts, n);
	if (n > sx->burst)
		n = sx->burst;
	for (unsigned i = 0; i < n; i++) {
		sx->rx_iov[i] = (struct iovec){ pkts[i]->buf, pkts[i]->cap };
		sx->rx_msgs[i].msg_hdr.msg_namelen = sizeof(sx->rx_names[i]);
		sx->rx_msgs[i].msg_hdr.msg_flags = 0;
	}
	got = recvmmsg(sx->fd, sx->rx_msgs, n, MSG_DONTWAIT, NULL);
	if (got < 0) {
		if (errno == EAGAIN || errno == EINTR)
			return 0;
		/* ECONNREFUSED and friends: an ICMP error queued on the socket. */
		x->stats->rx_socket_errors++;
		return 0;
	}
	return (int)rx_sort(sx, pkts, (unsigned)got);
}

/* Put pkts[from..n) into messages from tx_msgs[m] on, each to its packets'
 * peer: with GSO, a run of datagrams of one size (the last of a run may be
 * shorter) to one peer is one message with UDP_SEGMENT, which the kernel
 * walks through its stack once; a peer still receives ordinary datagrams.
 * Returns the index after the last. */
static unsigned build_msgs(struct sock_xport *sx, struct pw_pkt *const *pkts, unsigned from,
			   unsigned n, unsigned m)
{
	for (unsigned i = from; i < n; m++) {
		uint32_t size = pkts[i]->hdr_len + pkts[i]->len;
		struct msghdr *h = &sx->tx_msgs[m].msg_hdr;
		unsigned j = i + 1;

		while (size <= sx->gso_max && j < n && j - i < PW_GSO_SEGS_MAX &&
		       (j - i + 1) * size <= PW_GSO_BYTES_MAX) {
			uint32_t next = pkts[j]->hdr_len + pkts[j]->len;

			if (next > size || !pw_addr_eq(&pkts[j]->peer, &pkts[i]->peer))
				break;
			j++;
			if (next < size)
				break; /* a shorter one ends the run */
		}
		h->msg_name = &sx->tx_names[m];
		h->msg_namelen = name_of(&sx->tx_names[m], &pkts[i]->peer);
		h->msg_iov = &sx->tx_iov[2 * i];
		h->msg_iovlen = 2 * (j - i);
		h->msg_control = NULL;
		h->msg_controllen = 0;
		if (j - i > 1) {
			struct cmsghdr *c = &sx->tx_cmsg[m].align;
			uint16_t seg = (uint16_t)size;

			h->msg_control = sx->tx_cmsg[m].buf;
			h->msg_controllen = sizeof(sx->tx_cmsg[m].buf);
			c->cmsg_level = SOL_UDP;
			c->cmsg_type = UDP_SEGMENT;
			c->cmsg_len = CMSG_LEN(sizeof(seg));
			memcpy(CMSG_DATA(c), &seg, sizeof(seg));
		}
		sx->tx_run[m] = j - i;
		i = j;
	}
	return m;
}

static int sock_tx_burst(struct pw_xport *x, struct pw_pkt *const *pkts, unsigned n)
{
	struct sock_xport *sx = (struct sock_xport *)x;
	unsigned done = 0, msg = 0, msgs;

	if (n > sx->burst)
		n = sx->burst;
	for (unsigned i = 0; i < n; i++) {
		sx->tx_iov[2 * i] = (struct iovec){ (void *)pkts[i]->hdr, pkts[i]->hdr_len };
		sx->tx_iov[2 * i + 1] = (struct iovec){ pkts[i]->data, pkts[i]->len };
	}
	msgs = build_msgs(sx, pkts, 0, n, 0);
	while (msg < msgs) {
		int sent = sendmmsg(sx->fd, sx->tx_msgs + msg, msgs - msg, MSG_DONTWAIT);

		for (int k = 0; k < sent; k++)
			done += sx->tx_run[msg++];
		if (sent > 0)
			continue;
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == ENOBUFS) {
			x->stats->tx_eagain++;
			break;
		}
		if (sx->tx_run[msg] > 1) {
			/* The kernel refused GSO for this size (EINVAL: a segment
			 * beyond the route MTU; EIO: no checksum offload): such
			 * datagrams go one by one from now on, and may fragment. */
			sx->gso_max = pkts[done]->hdr_len + pkts[done]->len - 1;
			msgs = build_msgs(sx, pkts, done, n, msg);
			continue;
		}
		/* The message was refused (no route, too big; ICMP errors are
		 * not reported on this unconnected socket): its datagrams are
		 * dropped and counted, the rest go on. */
		x->stats->tx_errors += sx->tx_run[msg];
		x->tx_errno = errno;
		for (unsigned k = 0; k < sx->tx_run[msg]; k++)
			pkts[done + k]->refused = true;
		done += sx->tx_run[msg++];
	}
	return (int)done;
}

static int sock_fd(const struct pw_xport *x)
{
	return ((const struct sock_xport *)x)->fd;
}

static void sock_close(struct pw_xport *x)
{
	struct sock_xport *sx = (struct sock_xport *)x;

	if (sx->fd >= 0)
		close(sx->fd);
	free(sx->rx_msgs);
	free(sx->tx_msgs);
	free(sx->rx_iov);
	free(sx->tx_iov);
	free(sx->rx_names);
	free(sx->tx_names);
	free(sx->tx_cmsg);
	free(sx->tx_run);
	free(sx->gro_mem);
	free(sx);
}

/* Datagrams the kernel dropped for want of room in our receive buffer
 * (the socket's drop count, as /proc/net/udp shows it). */
static void sock_sync_stats(struct pw_xport *x)
{
	uint32_t mem[SK_MEMINFO_VARS];
	socklen_t len = sizeof(mem);

	if (!getsockopt(sock_fd(x), SOL_SOCKET, SO_MEMINFO, mem, &len) &&
	    len > SK_MEMINFO_DROPS * sizeof(mem[0]))
		x->stats->rx_sockbuf_drops = mem[SK_MEMINFO_DROPS];
}

static bool sock_pending(const struct pw_xport *x)
{
	const struct sock_xport *sx = (const struct sock_xport *)x;

	return sx->gro_cur < sx->gro_got;
}

static const struct pw_xport_ops sock_ops = {
	.name = "socket",
	.rx_burst = sock_rx_burst,
	.pending = sock_pending,
	.tx_burst = sock_tx_burst,
	.fd = sock_fd,
	.sync_stats = sock_sync_stats,
	.close = sock_close,
};

static void grow_buffers(int fd)
{
	int size = PW_SOCKBUF;

	/* FORCE needs CAP_NET_ADMIN; without it the kernel caps at rmem_max. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)))
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &size, sizeof(size)))
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
}

static socklen_t addr_len(int family)
{
	return family == AF_INET ? sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6);
}

/* A transport with its arrays (and, with gro, the GRO messages' buffers)
 * allocated and no socket yet (fd -1). NULL and errno. */
static struct sock_xport *sock_new(const struct pw_xport_cfg *cfg, struct pw_tunnel_stats *stats,
				   bool gro)
{
	struct sock_xport *sx = calloc(1, sizeof(*sx));
	unsigned b = cfg->burst;

	if (!sx)
		return NULL;
	sx->x = (struct pw_xport){ .ops = &sock_ops, .stats = stats };
	sx->fd = -1;
	sx->burst = b;
	sx->udp = cfg->encap == PW_ENCAP_UDP;
	sx->raw_v4 = !sx->udp && cfg->family == AF_INET;
	sx->datagram_max = cfg->datagram_max;
	sx->rx_msgs = calloc(b, sizeof(*sx->rx_msgs));
	sx->tx_msgs = calloc(b, sizeof(*sx->tx_msgs));
	sx->rx_iov = calloc(b, sizeof(*sx->rx_iov));
	sx->tx_iov = calloc(2 * (size_t)b, sizeof(*sx->tx_iov));
	sx->rx_names = calloc(b, sizeof(*sx->rx_names));
	sx->tx_names = calloc(b, sizeof(*sx->tx_names));
	sx->tx_cmsg = calloc(b, sizeof(*sx->tx_cmsg));
	sx->tx_run = calloc(b, sizeof(*sx->tx_run));
	if (gro)
		sx->gro_mem = malloc((size_t)PW_GRO_MSGS * PW_GRO_STRIDE);
	if (!sx->rx_msgs || !sx->tx_msgs || !sx->rx_iov || !sx->tx_iov || !sx->rx_names ||
	    !sx->tx_names || !sx->tx_cmsg || !sx->tx_run || (gro && !sx->gro_mem)) {
		sock_close(&sx->x);
		errno = ENOMEM;
		return NULL;
	}
	for (unsigned i = 0; i < b; i++) {
		sx->rx_msgs[i].msg_hdr = (struct msghdr){
			.msg_name = &sx->rx_names[i],
			.msg_iov = &sx->rx_iov[i],
			.msg_iovlen = 1,
		};
		sx->tx_msgs[i].msg_hdr = (struct msghdr){
			.msg_iov = &sx->tx_iov[2 * i],
			.msg_iovlen = 2,
		};
	}
	for (unsigned i = 0; gro && i < PW_GRO_MSGS; i++) {
		sx->gro_iov[i] = (struct iovec){ sx->gro_mem + (size_t)i * PW_GRO_STRIDE, PW_GRO_BUF };
		sx->gro_msgs[i].msg_hdr = (struct msghdr){ .msg_name = &sx->gro_names[i],
							   .msg_iov = &sx->gro_iov[i],
							   .msg_iovlen = 1 };
	}
	return sx;
}

int pw_socket_open_fd(const struct pw_xport_cfg *cfg)
{
	bool udp = cfg->encap == PW_ENCAP_UDP;
	int one = 1, err, fd;

	fd = socket(cfg->family, (udp ? SOCK_DGRAM : SOCK_RAW) | SOCK_CLOEXEC,
		    udp ? IPPROTO_UDP : PW_IPPROTO_L2TP);
	if (fd < 0)
		return -errno;
	/* Raw sockets are bound to a protocol, and the kernel refuses V6ONLY
	 * on them (they never see IPv4 anyway). */
	if (udp && cfg->family == AF_INET6 &&
	    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)))
		goto fail;
	/* Never SO_REUSEADDR: any user's socket with it could bind our address
	 * and port and take every datagram. The queues share the port with
	 * SO_REUSEPORT, which the kernel grants only to sockets of the same
	 * owner (the user that created them). */
	if (cfg->queues > 1 && setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)))
		goto fail;
	grow_buffers(fd);
	/* UDP_GRO (Linux 5.0): where it exists, receive joined messages
	 * (pw_socket_wrap asks whether it took). */
	if (udp)
		setsockopt(fd, SOL_UDP, UDP_GRO, &one, sizeof(one));
	if (bind(fd, (const struct sockaddr *)&cfg->local, addr_len(cfg->family)))
		goto fail;
	/* The group's steering program, attached once all sockets share it. */
	if (cfg->queues > 1 && cfg->queue == 0 &&
	    setsockopt(fd, SOL_SOCKET, SO_ATTACH_REUSEPORT_EBPF, &cfg->steer_prog,
		       sizeof(cfg->steer_prog)))
		goto fail;
	return fd;
fail:
	err = errno;
	close(fd);
	return -err;
}

struct pw_xport *pw_socket_wrap(int fd, const struct pw_xport_cfg *cfg,
				struct pw_tunnel_stats *stats)
{
	bool udp = cfg->encap == PW_ENCAP_UDP;
	int on = 0, seg;
	socklen_t len = sizeof(on);
	struct sock_xport *sx;

	/* Asked, not set: the socket may come from another process. */
	if (udp && getsockopt(fd, SOL_UDP, UDP_GRO, &on, &len))
		on = 0;
	sx = sock_new(cfg, stats, udp && on);
	if (!sx)
		return NULL;
	sx->fd = fd;
	/* UDP_SEGMENT (Linux 4.18) as a socket option: does it exist? */
	len = sizeof(seg);
	if (udp && !getsockopt(fd, SOL_UDP, UDP_SEGMENT, &seg, &len))
		sx->gso_max = UINT16_MAX;
	return &sx->x;
}

struct pw_xport *pw_socket_open(const struct pw_xport_cfg *cfg, struct pw_tunnel_stats *stats)
{
	int fd = pw_socket_open_fd(cfg), err;
	struct pw_xport *x;

	if (fd < 0) {
		errno = -fd;
		return NULL;
	}
	x = pw_socket_wrap(fd, cfg, stats);
	if (!x) {
		err = errno;
		close(fd);
		errno = err;
	}
	return x;
}

const char *pw_xport_addr_str(const struct sockaddr_storage *ss, char *buf, unsigned len)
{
	const void *a = ss->ss_family == AF_INET ?
				(const void *)&((const struct sockaddr_in *)ss)->sin_addr :
				(const void *)&((const struct sockaddr_in6 *)ss)->sin6_addr;

	if ((ss->ss_family != AF_INET && ss->ss_family != AF_INET6) ||
	    !inet_ntop(ss->ss_family, a, buf, len))
		snprintf(buf, len, "?");
	return buf;
}
