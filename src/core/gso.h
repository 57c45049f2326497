/* SPDX-License-Identifier: MIT */
/*
 * gso.h: cutting a TCP or UDP super-frame (what a TAP with TSO/USO offload
 * hands over: up to 64 KiB with one set of headers) into ordinary frames,
 * joining TCP segments back, and completing partial checksums. Pure: no
 * system calls, no allocation. The vnet header is only a hint: the headers
 * are parsed and checked from the frame itself.
 */
#ifndef PWIRE_CORE_GSO_H
#define PWIRE_CORE_GSO_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>

enum pw_gso_type {
	PW_GSO_NONE,
	PW_GSO_TCPV4,
	PW_GSO_TCPV6,
	PW_GSO_UDP, /* UDP over IPv4 or IPv6 (USO) */
};

/* What a virtio_net_hdr says about a frame, in host order. */
struct pw_gso {
	bool needs_csum;      /* checksum at csum_start + csum_offset is partial */
	enum pw_gso_type type;
	uint16_t gso_size;    /* TCP (UDP) payload bytes per segment */
	uint16_t csum_start, csum_offset;
};

/*
 * What a super-frame may be (pw_tso_parse refuses the rest): a guest's vnet
 * header must not turn one frame into a flood. TCP: no segment below the
 * kernel's minimum MSS (TCP_MIN_MSS, include/net/tcp.h, "minimal accepted
 * MSS": the least a socket may set with TCP_MAXSEG; only a peer advertising
 * less pushes Linux lower, to tcp_min_snd_mss (48) less options, a path no
 * real link needs: IPv6 links carry 1280 bytes, IPv4 hosts take 576, and
 * that floor exists against the attack). UDP has no minimum of its
 * own and the kernel's UDP_SEGMENT takes any size, but no application puts
 * small datagrams in a GSO train: a QUIC packet is at least 21 bytes (RFC
 * 9001 section 5.4.2: 4 + 16 bytes past a packet number offset of at least
 * 1), a WireGuard message at least 32; 16 bytes keeps them all; and never
 * more segments than the kernel's UDP GSO makes (UDP_MAX_SEGMENTS, which
 * virtio_net_hdr_to_skb also enforces on a guest's USO). At most one IP
 * datagram's worth of payload (65,535 bytes), so at most 745 TCP segments
 * and 128 UDP ones per super-frame.
 */
enum pw_gso_limit {
	PW_TSO_MSS_MIN = 88,
	PW_USO_SIZE_MIN = 16,
	PW_GSO_IP_MAX = 65535, /* IPv4 total length, IPv6 payload length */
	PW_TSO_SEGS_MAX = (PW_GSO_IP_MAX + PW_TSO_MSS_MIN - 1) / PW_TSO_MSS_MIN,
	PW_USO_SEGS_MAX = 128,
};

/* A checked super-frame, ready to be cut. */
struct pw_tso {
	const uint8_t *frame;
	uint32_t len;
	uint16_t l3, l4, hdr_len; /* offsets of IP, TCP (UDP), and the payload */
	bool v6;
	bool udp;     /* each segment a UDP datagram (USO) */
	uint16_t mss;
	uint32_t segments;
	uint32_t pseudo; /* pseudo-header sum but for the L4 length (not folded) */
};

/* Check a super-frame: Ethernet with up to two VLAN tags (802.1Q, 802.1ad),
 * IPv4 (no fragment) or IPv6 (hop-by-hop, routing and destination options
 * headers, at most 4, no fragment header), TCP (UDP) headers that fit, a
 * payload to cut within the limits above; with g->needs_csum, csum_start
 * and csum_offset must point at the TCP (UDP) checksum, whose pseudo-header
 * sum (the kernel's way: it holds the final destination of a routing
 * header) the segments' checksums are derived from; otherwise they are
 * computed from the IP addresses. false when it is refused. */
bool pw_tso_parse(struct pw_tso *t, const uint8_t *frame, uint32_t len, const struct pw_gso *g);

/* Write segment k (0 <= k < t->segments) into out, which must hold
 * t->hdr_len + t->mss bytes; returns its length. IP length, id and
 * checksum, TCP sequence, flags (FIN and PSH on the last segment only, CWR on
 * the first only) and checksum, or UDP length and checksum, are those the
 * kernel's GSO would give. */
uint32_t pw_tso_segment(const struct pw_tso *t, uint32_t k, uint8_t *out);

/*
 * Coalescing (the receive side): consecutive TCP segments of one flow, as a
 * pwire peer cut them, are joined back into one super-frame for one TAP
 * write, under the kernel's GRO rules: identical headers (VLAN tags and IPv6
 * extension headers included) but for lengths, IPv4 id (consecutive),
 * sequence (contiguous), checksums and PSH; no IPv4 options; plain data
 * segments only (ACK, PSH); every segment but the last exactly mss bytes of
 * payload, mss at least PW_TSO_MSS_MIN; a short segment or PSH ends it; each
 * segment's IPv4 header checksum and own TCP checksum must hold (the joined
 * frame's are computed anew), so an IPv6 segment with a routing header not
 * yet at its final destination (whose checksum covers another address) is
 * not joined; nor is a frame whose headers are longer than the caller's
 * buffer (PW_GRO_HDR_MAX holds any a TCP stack makes), and a join ends
 * before it grows past the longest frame the caller takes (max).
 *
 * No payload is copied: the joined frame is g->iov[0..segs], the first
 * segment's headers (copied into buf, rewritten by pw_gro_finish) and then
 * each segment's payload where it lies, in the frames the caller keeps
 * until it has written them. Each checksum is verified in a pass that
 * only reads.
 */
enum { PW_GRO_SEGS = 64, PW_GRO_HDR_MAX = 512 };

struct pw_gro {
	uint8_t *buf;   /* the caller's, cap bytes (PW_GRO_HDR_MAX): the headers */
	uint32_t cap;
	uint32_t max;   /* the longest joined frame the caller takes */
	uint32_t len;   /* of the joined frame, headers and payloads */
	uint16_t l3, l4, hdr_len, mss;
	bool v6, closed;
	uint32_t next_seq;
	uint16_t next_id;
	unsigned segs;  /* 0: nothing started */
	struct iovec iov[1 + PW_GRO_SEGS]; /* the joined frame, segs + 1 pieces */
};

/* Start with this frame: false (and nothing started) if it cannot merge. */
bool pw_gro_start(struct pw_gro *g, const uint8_t *frame, uint32_t len);
/* Append the next frame of the flow: false if it does not continue it. */
bool pw_gro_append(struct pw_gro *g, const uint8_t *frame, uint32_t len);
/* Make g->iov[0..segs] a super-frame and describe it in *out (for the vnet
 * header): true; false when it holds one segment (g->iov[0..1] is then that
 * frame as it came: write it as it is). */
bool pw_gro_finish(struct pw_gro *g, struct pw_gso *out);

/* Complete a partial checksum (virtio NEEDS_CSUM): the ones' complement sum
 * from csum_start to the end, folded into the 16 bits at csum_start +
 * csum_offset. false when those offsets do not fit the frame. */
bool pw_csum_complete(uint8_t *frame, uint32_t len, uint16_t csum_start, uint16_t csum_offset);

/* The ones' complement sum of len bytes (as network-order 16-bit words,
 * starting at an even offset of the checksummed region), added to sum (not
 * folded). */
uint64_t pw_csum_add(uint64_t sum, const uint8_t *p, uint32_t len);
/* The same, copying p[0..len) to dst in the same pass. */
uint64_t pw_csum_copy(uint64_t sum, uint8_t *dst, const uint8_t *p, uint32_t len);
/* Fold a sum to 16 bits and complement it. */
uint16_t pw_csum_fold(uint64_t sum);

#endif
