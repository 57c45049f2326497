/* SPDX-License-Identifier: MIT */
/*
 * taptx.c: the TAP backend's write side (vnic/tap.c: tap_tx_burst, the joiner,
 * emit, flush, submit), with and without io_uring, on a SOCK_SEQPACKET
 * channel that, like a TAP, takes one [vnet header][frame] message per write
 * and refuses with EAGAIN when full (a small send buffer: often) or
 * EMSGSIZE when a message cannot fit it. writev() goes to an in-memory
 * channel (seqpacket.h); the ring's writes go to a real socket pair.
 *
 * io_uring does not fail a write to a full socket with EAGAIN, it waits for
 * room (a TAP never fills): with io_uring the guest reads everything before
 * each burst, and a burst is no larger than the send buffer holds.
 *
 * Input: [cfg], then ops. cfg: bit 0 io_uring, bits 1-3 MTU, bit 4 a small
 * send buffer. Ops (low 3 bits): 0-1 a frame [len:2][bytes]; 2-3 the
 * segments of a super-frame [gso_size:2][type][len:2][bytes] as the core
 * cuts it (so the joiner has runs to join); 4 a tx_burst of [n] pending
 * frames; 5 read [k] messages the "guest" was sent; 6 a tx_burst with the
 * ring's fd broken (io_uring_enter fails: nothing may be taken that is not
 * written, nothing written twice later); 7 read all. At the end everything
 * pending is sent.
 *
 * Invariants: tx_burst takes 0..n; every message the guest reads is the
 * next frame taken, or (a GSO header) cuts into exactly the next frames
 * taken; a frame taken and never read moved tx_errors; after the guest has
 * read everything, tx_burst takes at least one frame.
 */
#include "seqpacket.h"
#define writev seq_writev
#include "vnic/tap.c"
#include "vnic/vnet.c"

#include "core/wire.h"
#include "fuzz.h"

enum { FRAMES = 4096, ARENA = 8 << 20, VH = sizeof(struct virtio_net_hdr) };

static const unsigned mtus[] = { 68, 576, 1446, 1500, 4000, 9000, 1280, 2000 };

static struct pw_vnic *taps[32];
static int peers[32];
static unsigned burst_max[32];
static uint8_t arena[ARENA], msg[PW_SUPER_MAX + VH + 1], seg[PW_SUPER_MAX];
static uint32_t used, off[FRAMES], lens[FRAMES];
static unsigned created, taken, checked; /* frames: made, taken, read or counted */
static uint64_t errors;                   /* tx_errors seen so far, not yet matched */
static struct pw_pkt pool[64];
static struct pw_pkt *pkts[64];
static int devnull = -1;

static bool add(const uint8_t *f, uint32_t len, uint32_t frame_max)
{
	if (created == FRAMES || used + len > ARENA || len > frame_max)
		return false;
	memcpy(arena + used, f, len);
	off[created] = used;
	lens[created++] = len;
	used += len;
	return true;
}

/* The next frame taken is f[0..len): skip those counted as refused. */
static void expect(struct tap *t, const uint8_t *f, uint32_t len)
{
	uint64_t refused = t->v.stats.tx_errors;

	for (;;) {
		FUZZ_CHECK(checked < taken);
		if (lens[checked] == len && !memcmp(arena + off[checked], f, len)) {
			checked++;
			return;
		}
		FUZZ_CHECK(errors < refused); /* skipped only what was counted */
		errors++;
		checked++;
	}
}

/* Read one message; false when none is waiting. */
static bool read_msg(struct tap *t, int peer)
{
	ssize_t r = peer >= SEQ_FD_BASE ? seq_recv(peer, msg, sizeof(msg)) :
					  recv(peer, msg, sizeof(msg), MSG_DONTWAIT);
	struct virtio_net_hdr vh;
	struct pw_gso g;
	struct pw_tso so;

	if (r < 0)
		return false;
	FUZZ_CHECK((size_t)r >= VH);
	memcpy(&vh, msg, VH);
	if (vh.gso_type == VIRTIO_NET_HDR_GSO_NONE) {
		FUZZ_CHECK(!vh.flags && !vh.gso_size);
		expect(t, msg + VH, (uint32_t)r - VH);
		return true;
	}
	/* A joined super-frame: it must parse and cut into the frames taken. */
	FUZZ_CHECK(vh.gso_type == VIRTIO_NET_HDR_GSO_TCPV4 ||
		   vh.gso_type == VIRTIO_NET_HDR_GSO_TCPV6);
	FUZZ_CHECK(vh.flags == VIRTIO_NET_HDR_F_NEEDS_CSUM);
	pw_vnet_to_gso(&vh, &g);
	FUZZ_CHECK(pw_tso_parse(&so, msg + VH, (uint32_t)r - VH, &g));
	FUZZ_CHECK(so.segments >= 2 && vh.hdr_len == so.hdr_len);
	for (uint32_t k = 0; k < so.segments; k++) {
		uint32_t n = pw_tso_segment(&so, k, seg);

		FUZZ_CHECK(n <= t->v.frame_max);
		expect(t, seg, n);
	}
	return true;
}

static bool burst(struct tap *t, int peer, unsigned n, unsigned max, bool broken)
{
	int saved = -1, k;

	if (t->uring)
		while (read_msg(t, peer))
			;
	if (n > max)
		n = max;
	if (n > created - taken)
		n = created - taken;
	for (unsigned i = 0; i < n; i++) {
		pool[i].data = arena + off[taken + i];
		pool[i].len = lens[taken + i];
		pkts[i] = &pool[i];
	}
	if (broken && t->uring) {
		saved = dup(t->ring.enter_ring_fd);
		FUZZ_CHECK(saved >= 0 && dup2(devnull, t->ring.enter_ring_fd) >= 0);
	}
	k = t->v.ops->tx_burst(&t->v, pkts, n);
	if (saved >= 0) {
		FUZZ_CHECK(dup2(saved, t->ring.enter_ring_fd) >= 0);
		close(saved);
	}
	FUZZ_CHECK(k >= 0 && (unsigned)k <= n);
	taken += (unsigned)k;
	return k > 0 || !n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum pw_gso_type types[] = { PW_GSO_TCPV4, PW_GSO_TCPV6, PW_GSO_UDP };
	unsigned which;
	struct tap *t;
	int peer;

	if (size < 1)
		return 0;
	if (devnull < 0)
		devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	which = data[0] & 31;
	data++, size--;
	if (!taps[which] && !(which & 1)) {
		/* 4608: about the least send buffer the kernel allows */
		peers[which] = seq_open(which & 16 ? 4608 : 4 << 20);
		FUZZ_CHECK(peers[which] >= 0);
		taps[which] = pw_tap_wrap(peers[which], mtus[(which >> 1) & 7], false);
		FUZZ_CHECK(taps[which]);
		burst_max[which] = 64;
	} else if (!taps[which]) {
		int sv[2], buf = which & 16 ? 0 : 4 << 20;
		socklen_t l = sizeof(buf);
		unsigned most;

		FUZZ_CHECK(!socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv));
		/* 0: the least the kernel allows (some 4 KiB) */
		if (setsockopt(sv[0], SOL_SOCKET, SO_SNDBUFFORCE, &buf, sizeof(buf)))
			setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &buf, sizeof(buf));
		taps[which] = pw_tap_wrap(sv[0], mtus[(which >> 1) & 7], true);
		FUZZ_CHECK(taps[which]);
		peers[which] = sv[1];
		FUZZ_CHECK(!getsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &buf, &l));
		/* a frame's message and the kernel's overhead for it */
		most = (unsigned)buf / 2 / (taps[which]->frame_max + VH + 1024);
		burst_max[which] = most < 1 ? 1 : most < 64 ? most : 64;
	}
	t = (struct tap *)taps[which];
	peer = peers[which];
	used = created = taken = checked = 0;
	errors = t->v.stats.tx_errors;
	while (size) {
		uint8_t op = data[0] & 7;
		uint32_t len, gso_size, type;
		struct pw_tso so;
		struct pw_gso g;

		data++, size--;
		switch (op) {
		case 0:
		case 1:
			if (size < 2) {
				size = 0;
				break;
			}
			len = (uint32_t)(data[0] << 8 | data[1]);
			data += 2, size -= 2;
			len = len < size ? len : (uint32_t)size;
			add(data, len, t->v.frame_max);
			data += len, size -= len;
			break;
		case 2:
		case 3:
			if (size < 5) {
				size = 0;
				break;
			}
			gso_size = (uint32_t)(data[0] << 8 | data[1]);
			type = data[2] % 3;
			len = (uint32_t)(data[3] << 8 | data[4]);
			data += 5, size -= 5;
			len = len < size ? len : (uint32_t)size;
			g = (struct pw_gso){ .type = types[type], .gso_size = (uint16_t)gso_size };
			if (pw_tso_parse(&so, data, len, &g) &&
			    (uint32_t)so.hdr_len + so.mss <= t->v.frame_max)
				for (uint32_t k = 0; k < so.segments; k++)
					if (!add(seg, pw_tso_segment(&so, k, seg), t->v.frame_max))
						break;
			data += len, size -= len;
			break;
		case 4:
		case 6:
			burst(t, peer, size ? 1 + data[0] % 64u : 64, burst_max[which], op == 6);
			data += size ? 1 : 0, size -= size ? 1 : 0;
			break;
		case 5:
			for (unsigned k = size ? data[0] : 255; k && read_msg(t, peer); k--)
				;
			data += size ? 1 : 0, size -= size ? 1 : 0;
			break;
		default:
			while (read_msg(t, peer))
				;
		}
	}
	/* Send what is pending: with the guest's side read empty, every call
	 * must take something. */
	for (unsigned rounds = 0; taken < created; rounds++) {
		while (read_msg(t, peer))
			;
		FUZZ_CHECK(burst(t, peer, 64, burst_max[which], false) && rounds <= FRAMES);
	}
	while (read_msg(t, peer))
		;
	/* Everything taken was read, or counted as refused. */
	FUZZ_CHECK(taken - checked == t->v.stats.tx_errors - errors);
	errors = t->v.stats.tx_errors;
	return 0;
}
