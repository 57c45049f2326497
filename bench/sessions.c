/* SPDX-License-Identifier: MIT */
/*
 * sessions.c: the many-sessions benchmark (bench/sessions.sh runs it): how
 * fast one engine drains one UDP socket whose datagrams are spread over N
 * sessions, and how much memory the N sessions cost.
 *
 *   usage: sessions N K [ROUNDS [FILL]]
 *          sessions --pair N K ROUNDS
 *
 * It opens, on 127.0.0.1 in the current network namespace, what pwire's
 * library opens for a tunnel: one UDP transport (pw_socket_open, local port
 * LOCAL_PORT), N sessions with ids 1..N (encap udp, l2spec default, no
 * cookie, no seq) in one calloc'd array indexed by id (pw_tunnel_index), a
 * null vNIC per session (pw_null_open: no fd, it discards what it is given)
 * and one engine attached to a pw_loop in this thread. Its resident set
 * (/proc/self/statm) is read right then, before any traffic: the difference
 * between two runs with different N, divided, is what a session costs.
 *
 * Then, ROUNDS times (default 5): a plain UDP socket of this process bound
 * to SENDER_PORT (every session's peer) sends K valid L2TPv3-over-UDP
 * datagrams (RFC 3931 §4.1.2.2: the word 0x00030000, the session id, the
 * 4-byte default sublayer, a 64-byte Ethernet frame; session i * STRIDE mod
 * N + 1 for the i-th, so each session gets its share, in scattered order)
 * into the transport's socket with sendmmsg, and the engine drains them.
 * Only the drain is timed (CLOCK_MONOTONIC, from pw_loop_run() to the
 * return of the engine's handler that took the last datagram sent: the
 * socket is seen through a wrapper that counts what it hands over, so the
 * check costs no system call). The receive buffer is raised to hold K
 * datagrams where the kernel allows (SO_RCVBUFFORCE, root); where it
 * cannot, or when FILL (default K) is smaller, the sender stops when the
 * buffer is nearly full (or FILL datagrams are sent), the engine drains
 * that much (timed), and the sender goes on: datagrams are paced, never
 * lost. A drain that does not finish within DRAIN_TIMEOUT s counts what is
 * missing as dropped.
 *
 * Prints one line, the round with the median rate:
 *   sessions N rss_kib R drained K seconds S pps P drops D
 * D counts every drop of every round (the gate's counters, the vNICs'
 * refusals, the socket's own drops, datagrams never accounted for); exit 1
 * when it is not 0, 2 on a usage or setup error.
 *
 * --pair: two such benches in this process, one of 1 session (ports
 * LOCAL_PORT and one above) and one of N (PAIR_PORT and one above), their
 * rounds alternating (which goes first swapped every round), so that both
 * meet the same machine (this VM's rate moves between rounds by a quarter,
 * whatever runs): prints
 *   pair N drained K rounds R pps1 P1 ppsN PN ratio Q drops D
 * Q the median over the rounds of pps(N) / pps(1) in the same round.
 *
 * Not part of pwire: built by meson, never installed.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "dp/engine.h"

enum {
	LOCAL_PORT = 17010,  /* the transport's; every session's peer one above */
	PAIR_PORT = 17020,   /* --pair: the N-session bench's (and its peer's) */
	MTU = 1500,
	BURST = 64,          /* pwire up's default (cli/config.c) */
	HANDLERS_MAX = 4,    /* the fds an engine of null vNICs watches: 2 */
	FRAME = 64,          /* Ethernet frame bytes per datagram */
	HDR = 12,            /* UDP word, session id, default sublayer */
	CHUNK = 256,         /* datagrams per sendmmsg */
	STRIDE = 7919,       /* a prime: i * STRIDE mod N visits every session */
	ROUNDS_DEFAULT = 9,
	ROUNDS_MAX = 99,
	DRAIN_TIMEOUT = 30,  /* seconds */
	SESSIONS_MAX = 1000000,
};

/* The socket as the engine sees it: the library's own transport, with the
 * datagrams it hands over counted (one addition per burst), so that the end
 * of a drain is seen without a system call or a walk of the sessions. */
struct counted {
	struct pw_xport x;
	struct pw_xport *inner;
	uint64_t got;
};

struct bench {
	unsigned n;
	uint16_t port, sender_port; /* the transport's, every session's peer's */
	struct counted counted;
	struct pw_session *sessions;
	struct pw_tunnel tunnel;
	struct pw_tunnel_slot *slots;
	struct pw_vnic **vnics;
	struct pw_xport *x; /* the socket, as the engine sees it: counted */
	struct pw_engine *e;
	struct pw_loop *loop;
	int xport_fd, timer_fd, tx_fd;
	/* The engine's handlers (the transport's fd, its kick eventfd: a
	 * burst held in user space is pumped from there), each called by ours. */
	struct handler {
		struct bench *b;
		int fd;
		pw_ready_fn fn;
		void *data;
	} handlers[HANDLERS_MAX];
	/* This drain: done when the socket has handed over `target` datagrams
	 * in all (counted.got). */
	uint64_t target;
	struct timespec end;
	bool done, timed_out;
	/* The sender's buffers. */
	struct mmsghdr msgs[CHUNK];
	struct iovec iov[CHUNK];
	uint8_t dgrams[CHUNK][HDR + FRAME];
	uint64_t sent;
	uint32_t truesize; /* receive buffer bytes a datagram takes, measured */
	unsigned fills;    /* fill() calls: more than one a round means paced */
};

static void die(const char *what, int err)
{
	fprintf(stderr, "sessions: %s: %s\n", what, strerror(err));
	exit(2);
}

static uint64_t sum_drops(const void *stats, const struct pw_counter_name *names, size_t n)
{
	uint64_t sum = 0, v;

	for (size_t i = 0; i < n; i++) {
		if (!names[i].drop)
			continue;
		memcpy(&v, (const uint8_t *)stats + names[i].offset, sizeof(v));
		sum += v;
	}
	return sum;
}

/* Datagrams the gate dropped: its tunnel's counters and its sessions'. */
static uint64_t gate_drops(const struct bench *b)
{
	uint64_t sum = sum_drops(&b->tunnel.stats, pw_tunnel_counter_names,
				 pw_tunnel_counter_count);

	for (unsigned i = 0; i < b->n; i++)
		sum += sum_drops(&b->sessions[i].stats, pw_session_counter_names,
				 pw_session_counter_count);
	return sum;
}

static uint64_t received(const struct bench *b)
{
	uint64_t sum = 0;

	for (unsigned i = 0; i < b->n; i++)
		sum += b->sessions[i].stats.rx_packets;
	return sum;
}

static uint64_t vnic_drops(const struct bench *b)
{
	uint64_t sum = 0;

	for (unsigned i = 0; i < b->n; i++)
		sum += sum_drops(&b->vnics[i]->stats, pw_vnic_counter_names,
				 pw_vnic_counter_count);
	return sum;
}

static void meminfo(int fd, uint32_t mem[static SK_MEMINFO_VARS])
{
	socklen_t len = SK_MEMINFO_VARS * sizeof(mem[0]);

	memset(mem, 0, len);
	if (getsockopt(fd, SOL_SOCKET, SO_MEMINFO, mem, &len))
		die("SO_MEMINFO", errno);
}

static uint64_t sock_drops(int fd)
{
	uint32_t mem[SK_MEMINFO_VARS];

	meminfo(fd, mem);
	return mem[SK_MEMINFO_DROPS];
}

static int counted_rx(struct pw_xport *x, struct pw_pkt **pkts, unsigned n)
{
	struct counted *c = (struct counted *)x;
	int r = c->inner->ops->rx_burst(c->inner, pkts, n);

	c->got += r > 0 ? (unsigned)r : 0;
	return r;
}

static bool counted_pending(const struct pw_xport *x)
{
	const struct counted *c = (const struct counted *)x;

	return c->inner->ops->pending && c->inner->ops->pending(c->inner);
}

static int counted_tx(struct pw_xport *x, struct pw_pkt *const *pkts, unsigned n)
{
	struct counted *c = (struct counted *)x;

	return c->inner->ops->tx_burst(c->inner, pkts, n);
}

static int counted_fd(const struct pw_xport *x)
{
	const struct counted *c = (const struct counted *)x;

	return c->inner->ops->fd(c->inner);
}

static void counted_close(struct pw_xport *x)
{
	pw_xport_close(((struct counted *)x)->inner);
}

static const struct pw_xport_ops counted_ops = {
	.name = "counted",
	.rx_burst = counted_rx,
	.pending = counted_pending,
	.tx_burst = counted_tx,
	.fd = counted_fd,
	.close = counted_close,
};

/* An engine's handler, then: has the socket handed over every datagram
 * sent? (The engine is done with a burst when its handler returns: the null
 * vNICs take every frame.) One that never comes ends the drain at the
 * timeout; main() counts it as dropped. */
static int on_ready(void *data, uint32_t events)
{
	struct handler *h = data;
	struct bench *b = h->b;
	int moved = h->fn(h->data, events);

	if (!b->done && b->counted.got >= b->target) {
		clock_gettime(CLOCK_MONOTONIC, &b->end);
		b->done = true;
		pw_loop_stop(b->loop);
	}
	return moved;
}

static int on_timeout(void *data, uint32_t events)
{
	struct bench *b = data;
	uint64_t v;

	(void)events;
	if (read(b->timer_fd, &v, sizeof(v)) == (ssize_t)sizeof(v) && !b->done) {
		clock_gettime(CLOCK_MONOTONIC, &b->end);
		b->timed_out = b->done = true;
		pw_loop_stop(b->loop);
	}
	return 0;
}

/* The watcher the engine is given: pw_loop's, with our check slipped in
 * behind each of the engine's handlers. */
static int watch(void *loop, int fd, uint32_t events, pw_ready_fn fn, void *data)
{
	struct bench *b = loop;
	struct handler *h = NULL;

	for (unsigned i = 0; i < HANDLERS_MAX && !h; i++)
		if (b->handlers[i].fd == fd || !b->handlers[i].fn)
			h = &b->handlers[i];
	if (!h)
		return -ENOSPC;
	*h = (struct handler){ .b = b, .fd = fd, .fn = fn, .data = data };
	return pw_loop_watch(b->loop, fd, events, on_ready, h);
}

static void unwatch(void *loop, int fd)
{
	pw_loop_unwatch(((struct bench *)loop)->loop, fd);
}

static struct sockaddr_in loopback(uint16_t port)
{
	return (struct sockaddr_in){ .sin_family = AF_INET, .sin_port = htons(port),
				     .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
}

/* Everything the library allocates for a tunnel of n sessions. */
static void setup(struct bench *b, unsigned n, unsigned k, uint16_t port)
{
	struct pw_xport_cfg xc = { .encap = PW_ENCAP_UDP, .family = AF_INET, .burst = BURST };
	struct sockaddr_in local = loopback(port), peer = loopback(port + 1);
	struct sockaddr_storage peer_ss = { 0 };
	struct pw_watcher w = { .loop = b, .watch = watch, .unwatch = unwatch };
	size_t n_slots = pw_tunnel_slots(n);
	int rcvbuf;

	b->n = n;
	b->port = port;
	b->sender_port = port + 1;
	memcpy(&xc.local, &local, sizeof(local));
	memcpy(&peer_ss, &peer, sizeof(peer));
	b->sessions = pw_engine_sessions(n);
	b->slots = calloc(n_slots, sizeof(*b->slots));
	b->vnics = calloc(n, sizeof(*b->vnics));
	if (!b->sessions || !b->slots || !b->vnics)
		die("sessions", ENOMEM);
	for (unsigned i = 0; i < n; i++) {
		struct pw_session_cfg c = { .encap = PW_ENCAP_UDP, .session_id = i + 1,
					    .peer_session_id = i + 1,
					    .l2spec = PW_L2SPEC_DEFAULT };

		pw_session_init(&b->sessions[i], &c);
		pw_xport_peer(&b->sessions[i].peer, &peer_ss);
		b->vnics[i] = pw_null_open(MTU);
		if (!b->vnics[i])
			die("null vNIC", errno);
	}
	b->tunnel = (struct pw_tunnel){ .encap = PW_ENCAP_UDP, .sessions = b->sessions,
					.n_sessions = n };
	if (!pw_tunnel_index(&b->tunnel, b->slots, n_slots))
		die("tunnel index", EINVAL);
	xc.datagram_max = b->sessions[0].rx.len + pw_frame_max(MTU);
	b->counted.inner = pw_socket_open(&xc, &b->tunnel.stats);
	if (!b->counted.inner)
		die("the transport's UDP socket on 127.0.0.1", errno);
	b->counted.x = (struct pw_xport){ .ops = &counted_ops, .stats = &b->tunnel.stats };
	b->x = &b->counted.x;
	b->xport_fd = b->x->ops->fd(b->x);
	/* Room for K datagrams (a generous guess of their size: fill()
	 * measures it and paces when the kernel gave less). */
	rcvbuf = k < (1u << 30) / 2048 ? (int)k * 2048 : 1 << 30;
	if (setsockopt(b->xport_fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf)))
		setsockopt(b->xport_fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	b->e = pw_engine_new(&(struct pw_engine_cfg){ .xport = b->x, .tunnel = &b->tunnel,
						      .vnics = b->vnics, .burst = BURST });
	if (!b->e)
		die("engine", errno);
	b->loop = pw_loop_new();
	if (!b->loop)
		die("loop", errno);
	if (pw_engine_attach(b->e, &w))
		die("attach", EINVAL);
	b->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (b->timer_fd < 0)
		die("timerfd", errno);
	if (pw_loop_watch(b->loop, b->timer_fd, EPOLLIN, on_timeout, b))
		die("watch timerfd", EINVAL);
}

static long rss_kib(void)
{
	long size = 0, resident = 0;
	FILE *f = fopen("/proc/self/statm", "r");

	if (!f || fscanf(f, "%ld %ld", &size, &resident) != 2)
		die("/proc/self/statm", f ? EINVAL : errno);
	fclose(f);
	return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

static void sender_open(struct bench *b)
{
	struct sockaddr_in me = loopback(b->sender_port), to = loopback(b->port);

	b->tx_fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (b->tx_fd < 0 || bind(b->tx_fd, (struct sockaddr *)&me, sizeof(me)) ||
	    connect(b->tx_fd, (struct sockaddr *)&to, sizeof(to)))
		die("the sender's UDP socket on 127.0.0.1", errno);
	for (unsigned i = 0; i < CHUNK; i++) {
		uint8_t *d = b->dgrams[i];

		memset(d, 0, sizeof(b->dgrams[i]));
		d[1] = 0x03; /* 0x00030000: T = 0, version 3 */
		/* d[4..8): the session id, per datagram; d[8..12): the
		 * sublayer, 0 without seq send */
		memcpy(d + HDR, "\x02\0\0\0\0\x02\x02\0\0\0\0\x01\x88\xb5", 14);
		b->iov[i] = (struct iovec){ d, sizeof(b->dgrams[i]) };
		b->msgs[i].msg_hdr = (struct msghdr){ .msg_iov = &b->iov[i], .msg_iovlen = 1 };
	}
}

/* Send up to want datagrams, fewer when the receive buffer would not hold
 * more. Returns how many were sent. */
static unsigned fill(struct bench *b, unsigned want)
{
	unsigned sent = 0;

	while (sent < want) {
		unsigned chunk = want - sent < CHUNK ? want - sent : CHUNK;
		uint32_t mem[SK_MEMINFO_VARS];

		meminfo(b->xport_fd, mem);
		if (b->truesize && (uint64_t)mem[SK_MEMINFO_RMEM_ALLOC] +
					   (uint64_t)chunk * b->truesize * 5 / 4 >
				   mem[SK_MEMINFO_RCVBUF])
			break;
		for (unsigned i = 0; i < chunk; i++) {
			uint32_t id = (uint32_t)(b->sent++ * STRIDE % b->n) + 1;

			b->dgrams[i][4] = (uint8_t)(id >> 24);
			b->dgrams[i][5] = (uint8_t)(id >> 16);
			b->dgrams[i][6] = (uint8_t)(id >> 8);
			b->dgrams[i][7] = (uint8_t)id;
		}
		for (unsigned done = 0; done < chunk;) {
			int r = sendmmsg(b->tx_fd, b->msgs + done, chunk - done, 0);

			if (r < 0 && errno != EINTR)
				die("sendmmsg", errno);
			done += r > 0 ? (unsigned)r : 0;
		}
		if (!b->truesize && !sent) {
			meminfo(b->xport_fd, mem);
			b->truesize = mem[SK_MEMINFO_RMEM_ALLOC] / chunk + 1;
		}
		sent += chunk;
	}
	if (!sent)
		die("fill: the receive buffer holds no chunk of datagrams", ENOBUFS);
	b->fills++;
	return sent;
}

/* Run the engine until the socket has handed over `count` more datagrams;
 * seconds. */
static double drain(struct bench *b, unsigned count)
{
	struct itimerspec t = { .it_value.tv_sec = DRAIN_TIMEOUT };
	struct timespec start;

	b->target = b->counted.got + count;
	b->done = b->timed_out = false;
	if (timerfd_settime(b->timer_fd, 0, &t, NULL))
		die("timerfd_settime", errno);
	clock_gettime(CLOCK_MONOTONIC, &start);
	if (pw_loop_run(b->loop))
		die("loop", errno);
	t = (struct itimerspec){ 0 };
	timerfd_settime(b->timer_fd, 0, &t, NULL);
	if (pw_engine_error(b->e))
		die("engine", -pw_engine_error(b->e));
	return (double)(b->end.tv_sec - start.tv_sec) + (b->end.tv_nsec - start.tv_nsec) / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static unsigned arg(const char *s, const char *name, unsigned max)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || v < 1 || v > max) {
		fprintf(stderr, "sessions: %s %s: a number from 1 to %u\n", name, s, max);
		exit(2);
	}
	return (unsigned)v;
}

/* One round: k datagrams sent and drained (paced by fill_max); seconds. */
static double round_of(struct bench *b, unsigned k, unsigned fill_max, unsigned r)
{
	double secs = 0;

	for (unsigned left = k; left;) {
		unsigned sent = fill(b, left < fill_max ? left : fill_max);

		secs += drain(b, sent);
		left -= sent;
		if (b->timed_out)
			break;
	}
	if (b->timed_out)
		fprintf(stderr, "sessions: N=%u round %u: not all datagrams came through within"
			" %d s\n", b->n, r + 1, DRAIN_TIMEOUT);
	return secs;
}

/* Every datagram sent that no session received (the gate's drops, the
 * socket's, those never seen), and every frame a vNIC refused; said. */
static uint64_t drops_of(struct bench *b, uint64_t sock0, unsigned rounds, unsigned k,
			 unsigned fill_max)
{
	uint64_t drops = b->sent - received(b) + vnic_drops(b);

	if (b->fills > rounds * ((k + fill_max - 1) / fill_max))
		fprintf(stderr, "sessions: N=%u paced: the receive buffer held about %u datagrams"
			" of %u bytes, not %u; %u fills for %u rounds\n", b->n,
			b->truesize ? (unsigned)(b->sent / b->fills) : 0, b->truesize, k, b->fills,
			rounds);
	if (drops)
		fprintf(stderr, "sessions: N=%u: %llu dropped: gate %llu, socket %llu, vNICs %llu\n",
			b->n, (unsigned long long)drops, (unsigned long long)gate_drops(b),
			(unsigned long long)(sock_drops(b->xport_fd) - sock0),
			(unsigned long long)vnic_drops(b));
	return drops;
}

static void teardown(struct bench *b)
{
	pw_engine_free(b->e);
	pw_loop_free(b->loop);
	pw_xport_close(b->x);
	for (unsigned i = 0; i < b->n; i++)
		pw_vnic_close(b->vnics[i]);
	close(b->tx_fd);
	close(b->timer_fd);
	free(b->vnics);
	free(b->slots);
	free(b->sessions);
}

static double median(double *v, unsigned n)
{
	qsort(v, n, sizeof(v[0]), cmp_double);
	return v[n / 2];
}

/* --pair: a bench of 1 session and one of N in this process, their rounds
 * alternating (the order swapped every round), so that both see the same
 * machine: the median of the rounds' ratios is one figure less moved by
 * what else runs than two processes' medians. */
static int pair(unsigned n, unsigned k, unsigned rounds)
{
	static struct bench one, many;
	double s1[ROUNDS_MAX], sn[ROUNDS_MAX], ratio[ROUNDS_MAX];
	uint64_t sock1, sockn, drops;

	setup(&one, 1, k, LOCAL_PORT);
	setup(&many, n, k, PAIR_PORT);
	sender_open(&one);
	sender_open(&many);
	sock1 = sock_drops(one.xport_fd);
	sockn = sock_drops(many.xport_fd);
	for (unsigned r = 0; r < rounds; r++) {
		if (r % 2) {
			sn[r] = round_of(&many, k, k, r);
			s1[r] = round_of(&one, k, k, r);
		} else {
			s1[r] = round_of(&one, k, k, r);
			sn[r] = round_of(&many, k, k, r);
		}
		ratio[r] = s1[r] / sn[r]; /* pps(N) / pps(1) */
	}
	drops = drops_of(&one, sock1, rounds, k, k) + drops_of(&many, sockn, rounds, k, k);
	printf("pair %u drained %u rounds %u pps1 %.0f ppsN %.0f ratio %.4f drops %llu\n", n, k,
	       rounds, k / median(s1, rounds), k / median(sn, rounds), median(ratio, rounds),
	       (unsigned long long)drops);
	teardown(&one);
	teardown(&many);
	return drops ? 1 : 0;
}

int main(int argc, char **argv)
{
	static struct bench b;
	double secs[ROUNDS_MAX];
	unsigned n, k, rounds = ROUNDS_DEFAULT, fill_max;
	uint64_t sock0, drops;
	long rss;

	if (argc == 5 && !strcmp(argv[1], "--pair"))
		return pair(arg(argv[2], "N", SESSIONS_MAX), arg(argv[3], "K", 1u << 30),
			    arg(argv[4], "ROUNDS", ROUNDS_MAX));
	if (argc < 3 || argc > 5) {
		fprintf(stderr, "usage: sessions N K [ROUNDS [FILL]]\n"
				"       sessions --pair N K ROUNDS\n");
		return 2;
	}
	n = arg(argv[1], "N", SESSIONS_MAX);
	k = arg(argv[2], "K", 1u << 30);
	if (argc >= 4)
		rounds = arg(argv[3], "ROUNDS", ROUNDS_MAX);
	fill_max = argc == 5 ? arg(argv[4], "FILL", k) : k;
	setup(&b, n, k, LOCAL_PORT);
	rss = rss_kib();
	sender_open(&b);
	sock0 = sock_drops(b.xport_fd);
	for (unsigned r = 0; r < rounds; r++)
		secs[r] = round_of(&b, k, fill_max, r);
	drops = drops_of(&b, sock0, rounds, k, fill_max);
	printf("sessions %u rss_kib %ld drained %u seconds %.6f pps %.0f drops %llu\n", n, rss, k,
	       median(secs, rounds), k / median(secs, rounds), (unsigned long long)drops);
	teardown(&b);
	return drops ? 1 : 0;
}
