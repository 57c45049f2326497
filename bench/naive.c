/* SPDX-License-Identifier: MIT */
/*
 * naive.c: the benchmark's baseline, a per-frame TAP <-> UDP forwarder.
 *
 * It forwards the way the simplest userspace tunnel does (QEMU's -netdev
 * l2tpv3 path without its batching): woken by poll(), one read() from the TAP
 * and one sendto() per frame out, one recvfrom() and one write() per datagram
 * back. No vnet header, no offloads, no batches. pwire's batching and offloads
 * are measured against it (bench/run.sh), so it stays this way: a faster
 * baseline belongs in another file under another name.
 *
 * Wire format: the L2TPv3-over-UDP data header of RFC 3931 section 4.1.2.1
 * (T=0, Ver=3, 16 reserved bits, 32-bit session id), no cookie and no sublayer
 * (Linux `ip l2tp` with `l2spec_type none`), then the Ethernet frame. The
 * socket is connected, so the kernel passes only the remote's datagrams;
 * those with another header or session are dropped and counted.
 *
 * Not part of pwire: built by meson, never installed, no options.
 *   usage: naive DEV LOCAL_IPV4 REMOTE_IPV4 PORT SESSION_ID
 * It creates the TAP device DEV (the caller brings it up) and runs until
 * SIGINT or SIGTERM, then prints its counters on stderr and exits 0.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

enum naive_sizes {
	L2TP_HDR_LEN = 8,          /* RFC 3931 4.1.2.1 without cookie */
	ETH_HDR_LEN = 14,
	FRAME_MAX = 65536,         /* above any TAP frame without offloads */
	SOCKBUF = 4 << 20,         /* as pwire's, so neither starves on buffers */
};

enum l2tp_word0 {
	L2TP_VER_MASK = 0x000f, /* in the first 16 bits: T bit 0x8000, Ver in the low 4 */
	L2TP_VER_3 = 3,
	L2TP_T_BIT = 0x8000,
};

struct naive_counters {
	unsigned long long tap_to_udp;
	unsigned long long udp_to_tap;
	unsigned long long rx_bad_header;
	unsigned long long rx_truncated;
	unsigned long long tx_errors;      /* sendto() failed */
	unsigned long long rx_errors;      /* read() or recvfrom() failed */
	unsigned long long tap_tx_errors;  /* write() to the TAP failed */
};

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static bool parse_u32(const char *what, const char *s, unsigned long min, unsigned long max,
		      uint32_t *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || s[0] == '-' || v < min || v > max) {
		fprintf(stderr, "naive: bad %s '%s' (%lu..%lu)\n", what, s, min, max);
		return false;
	}
	*out = (uint32_t)v;
	return true;
}

static bool parse_addr(const char *what, const char *s, uint16_t port, struct sockaddr_in *sa)
{
	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	sa->sin_port = htons(port);
	if (inet_pton(AF_INET, s, &sa->sin_addr) != 1) {
		fprintf(stderr, "naive: bad %s '%s' (an IPv4 address)\n", what, s);
		return false;
	}
	return true;
}

/* Returns the TAP fd or -1 (message printed). */
static int tap_open(const char *dev)
{
	struct ifreq ifr;
	int fd;

	if (strlen(dev) >= IFNAMSIZ) {
		fprintf(stderr, "naive: bad device name '%s' (at most %d characters)\n", dev,
			IFNAMSIZ - 1);
		return -1;
	}
	fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		perror("naive: /dev/net/tun");
		return -1;
	}
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
	memcpy(ifr.ifr_name, dev, strlen(dev));
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		fprintf(stderr, "naive: TUNSETIFF %s: %s\n", dev, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/* Returns a UDP socket bound to local and connected to remote, or -1. */
static int udp_open(const struct sockaddr_in *local, const struct sockaddr_in *remote)
{
	int size = SOCKBUF;
	int fd;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		perror("naive: socket");
		return -1;
	}
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)))
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &size, sizeof(size)))
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
	if (bind(fd, (const struct sockaddr *)local, sizeof(*local)) < 0) {
		perror("naive: bind");
		goto err_close;
	}
	if (connect(fd, (const struct sockaddr *)remote, sizeof(*remote)) < 0) {
		perror("naive: connect");
		goto err_close;
	}
	return fd;

err_close:
	close(fd);
	return -1;
}

static void header_put(uint8_t *h, uint32_t session)
{
	h[0] = 0; /* T=0 (data), L=0, S=0 */
	h[1] = L2TP_VER_3;
	h[2] = 0; /* reserved */
	h[3] = 0;
	h[4] = (uint8_t)(session >> 24);
	h[5] = (uint8_t)(session >> 16);
	h[6] = (uint8_t)(session >> 8);
	h[7] = (uint8_t)session;
}

static bool header_ok(const uint8_t *h, uint32_t session)
{
	unsigned word0 = (unsigned)h[0] << 8 | h[1];
	uint32_t sid = (uint32_t)h[4] << 24 | (uint32_t)h[5] << 16 | (uint32_t)h[6] << 8 | h[7];

	return !(word0 & L2TP_T_BIT) && (word0 & L2TP_VER_MASK) == L2TP_VER_3 && sid == session;
}

/* One frame from the TAP, one datagram out. tx already holds the header. */
static void tap_to_udp(int tap, int udp, const struct sockaddr_in *remote, uint8_t *tx,
		       struct naive_counters *c)
{
	ssize_t n = read(tap, tx + L2TP_HDR_LEN, FRAME_MAX);

	if (n <= 0) {
		if (n < 0 && errno != EAGAIN && errno != EINTR)
			c->rx_errors++;
		return;
	}
	if (sendto(udp, tx, L2TP_HDR_LEN + (size_t)n, 0, (const struct sockaddr *)remote,
		   sizeof(*remote)) < 0) {
		c->tx_errors++;
		return;
	}
	c->tap_to_udp++;
}

/* One datagram from the socket, one frame to the TAP. */
static void udp_to_tap(int udp, int tap, uint32_t session, uint8_t *rx, size_t rx_size,
		       struct naive_counters *c)
{
	/* MSG_TRUNC: n is the datagram's real length even if rx is shorter. */
	ssize_t n = recvfrom(udp, rx, rx_size, MSG_TRUNC, NULL, NULL);

	if (n < 0) {
		/* ECONNREFUSED: an ICMP error for an earlier send; reading clears it. */
		if (errno != EAGAIN && errno != EINTR)
			c->rx_errors++;
		return;
	}
	if ((size_t)n > rx_size) {
		c->rx_truncated++;
		return;
	}
	if (n < L2TP_HDR_LEN + ETH_HDR_LEN || !header_ok(rx, session)) {
		c->rx_bad_header++;
		return;
	}
	if (write(tap, rx + L2TP_HDR_LEN, (size_t)n - L2TP_HDR_LEN) < 0) {
		c->tap_tx_errors++;
		return;
	}
	c->udp_to_tap++;
}

int main(int argc, char **argv)
{
	static uint8_t tx[L2TP_HDR_LEN + FRAME_MAX], rx[L2TP_HDR_LEN + FRAME_MAX];
	struct naive_counters c = {0};
	struct sockaddr_in local, remote;
	struct sigaction sa = {.sa_handler = on_signal};
	sigset_t block, wait_mask;
	uint32_t port, session;
	int tap, udp, ret = 1;

	if (argc != 6) {
		fprintf(stderr, "usage: naive DEV LOCAL_IPV4 REMOTE_IPV4 PORT SESSION_ID\n");
		return 2;
	}
	if (!parse_u32("port", argv[4], 1, 65535, &port) ||
	    !parse_u32("session id", argv[5], 1, UINT32_MAX, &session) ||
	    !parse_addr("local address", argv[2], (uint16_t)port, &local) ||
	    !parse_addr("remote address", argv[3], (uint16_t)port, &remote))
		return 2;

	/* Signals are blocked except inside ppoll(), so none is lost between the
	 * check of stop and the wait. */
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigprocmask(SIG_BLOCK, &block, &wait_mask);
	sigdelset(&wait_mask, SIGINT);
	sigdelset(&wait_mask, SIGTERM);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	tap = tap_open(argv[1]);
	if (tap < 0)
		return 1;
	udp = udp_open(&local, &remote);
	if (udp < 0)
		goto out_tap;
	header_put(tx, session);

	struct pollfd pfd[2] = {{.fd = tap, .events = POLLIN}, {.fd = udp, .events = POLLIN}};
	while (!stop) {
		if (ppoll(pfd, 2, NULL, &wait_mask) < 0) {
			if (errno == EINTR)
				continue;
			perror("naive: ppoll");
			goto out_udp;
		}
		if (pfd[0].revents & (POLLIN | POLLERR))
			tap_to_udp(tap, udp, &remote, tx, &c);
		/* POLLERR without data: the recvfrom() takes the pending error. */
		if (pfd[1].revents & (POLLIN | POLLERR))
			udp_to_tap(udp, tap, session, rx, sizeof(rx), &c);
	}
	ret = 0;

out_udp:
	close(udp);
out_tap:
	close(tap);
	fprintf(stderr,
		"naive: tap_to_udp %llu udp_to_tap %llu rx_bad_header %llu rx_truncated %llu "
		"tx_errors %llu rx_errors %llu tap_tx_errors %llu\n",
		c.tap_to_udp, c.udp_to_tap, c.rx_bad_header, c.rx_truncated, c.tx_errors,
		c.rx_errors, c.tap_tx_errors);
	return ret;
}
