/* SPDX-License-Identifier: MIT */
/*
 * framer.c: a test tool that sends numbered Ethernet frames into an
 * interface and checks what arrives on another, over AF_PACKET, for the
 * soak test. Not part of pwire.
 *
 *   framer send IFNAME COUNT PPS   numbered frames (ethertype 0x88b5) at PPS
 *   framer recv IFNAME IDLE MAX    count frames numbered 0..MAX until IDLE seconds pass with none
 *
 * Frame: dst ff..ff, src 02:00:00:00:00:01, type 0x88b5, u64 number, u32
 * check, then filler derived from the number (46..1400 bytes of payload).
 * recv prints JSON: unique, duplicates, corrupt (check or filler wrong),
 * foreign (other ethertypes are ignored), kernel_drops (PACKET_STATISTICS).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum { ETHERTYPE = 0x88b5, MAXLEN = 1514, BATCH = 32 };

static uint32_t mix(uint64_t n)
{
	n ^= n >> 33;
	n *= 0xff51afd7ed558ccdull;
	n ^= n >> 33;
	return (uint32_t)n;
}

static size_t build(uint8_t *f, uint64_t n)
{
	size_t len = 14 + 12 + 46 + mix(n) % 1300;

	memset(f, 0xff, 6);
	memcpy(f + 6, "\x02\x00\x00\x00\x00\x01", 6);
	f[12] = ETHERTYPE >> 8;
	f[13] = ETHERTYPE & 0xff;
	memcpy(f + 14, &n, 8);
	uint32_t c = mix(n ^ 0xabcdef);
	memcpy(f + 22, &c, 4);
	for (size_t i = 26; i < len; i++)
		f[i] = (uint8_t)(n + i);
	return len;
}

/* Sending: our ethertype. Receiving: every frame, so that one whose
 * ethertype was corrupted on the way still shows (as corrupt). */
static int open_on(const char *ifname, uint16_t proto)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_protocol = htons(proto) };
	int fd = socket(AF_PACKET, SOCK_RAW, htons(proto)), size = 64 << 20;

	sll.sll_ifindex = (int)if_nametoindex(ifname);
	if (fd < 0 || !sll.sll_ifindex || bind(fd, (struct sockaddr *)&sll, sizeof(sll))) {
		perror(ifname);
		exit(1);
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size));
	setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &size, sizeof(size));
	return fd;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int do_send(const char *ifname, uint64_t count, double pps)
{
	int fd = open_on(ifname, ETHERTYPE);
	static uint8_t frames[BATCH][MAXLEN];
	struct mmsghdr msgs[BATCH];
	struct iovec iov[BATCH];
	double start = now();
	uint64_t sent = 0;

	while (sent < count) {
		unsigned n = count - sent < BATCH ? (unsigned)(count - sent) : BATCH;
		double due = start + (double)sent / pps;

		while (now() < due)
			;
		for (unsigned i = 0; i < n; i++) {
			iov[i] = (struct iovec){ frames[i], build(frames[i], sent + i) };
			msgs[i] = (struct mmsghdr){ .msg_hdr = { .msg_iov = &iov[i], .msg_iovlen = 1 } };
		}
		int k = sendmmsg(fd, msgs, n, 0);
		if (k < 0) {
			if (errno == ENOBUFS || errno == EAGAIN)
				continue;
			perror("sendmmsg");
			return 1;
		}
		sent += (unsigned)k;
	}
	printf("{\"sent\": %llu, \"seconds\": %.2f}\n", (unsigned long long)sent, now() - start);
	close(fd);
	return 0;
}

static int do_recv(const char *ifname, double idle, uint64_t expect_max)
{
	int fd = open_on(ifname, ETH_P_ALL);
	uint8_t *seen = calloc(expect_max + 1, 1), f[MAXLEN + 1], ref[MAXLEN];
	uint64_t unique = 0, dups = 0, corrupt = 0, beyond = 0;
	struct tpacket_stats st;
	socklen_t sl = sizeof(st);
	struct pollfd pfd = { .fd = fd, .events = POLLIN };

	if (!seen)
		return 1;
	getsockopt(fd, SOL_PACKET, PACKET_STATISTICS, &st, &sl); /* reset */
	printf("ready\n");
	fflush(stdout);
	while (poll(&pfd, 1, (int)(idle * 1000)) > 0) {
		struct sockaddr_ll from;
		socklen_t fl = sizeof(from);
		ssize_t r = recvfrom(fd, f, sizeof(f), MSG_DONTWAIT, (struct sockaddr *)&from, &fl);
		uint64_t n;

		if (r < 0 || from.sll_pkttype == PACKET_OUTGOING)
			continue;
		if (r < 26) { /* cut short on the way */
			corrupt++;
			continue;
		}
		memcpy(&n, f + 14, 8);
		if (n > expect_max) {
			beyond++;
			continue;
		}
		if ((size_t)r != build(ref, n) || memcmp(f, ref, (size_t)r)) {
			corrupt++;
			continue;
		}
		if (seen[n]++)
			dups++;
		else
			unique++;
	}
	getsockopt(fd, SOL_PACKET, PACKET_STATISTICS, &st, &sl);
	printf("{\"unique\": %llu, \"duplicates\": %llu, \"corrupt\": %llu, \"beyond\": %llu, "
	       "\"kernel_drops\": %u}\n",
	       (unsigned long long)unique, (unsigned long long)dups, (unsigned long long)corrupt,
	       (unsigned long long)beyond, st.tp_drops);
	free(seen);
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 5 && !strcmp(argv[1], "send"))
		return do_send(argv[2], strtoull(argv[3], NULL, 0), atof(argv[4]));
	if (argc == 5 && !strcmp(argv[1], "recv"))
		return do_recv(argv[2], atof(argv[3]), strtoull(argv[4], NULL, 0));
	fprintf(stderr, "usage: framer send IFNAME COUNT PPS | framer recv IFNAME IDLE_SECONDS MAX\n");
	return 2;
}
