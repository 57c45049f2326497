/* SPDX-License-Identifier: MIT */
/*
 * gso.h: cutting a TCP or UDP super-frame (what a TAP with TSO/USO offload
 * hands over: up to 64 KiB with one set of headers) into ordinary frames,
 * joining TCP segments back, and completing partial checksums. Pure: no system calls, no allocation. The vnet header
 * is only a hint: the headers are parsed and checked from the frame itself.
 */
#ifndef PWIRE_CORE_GSO_H
#define PWIRE_CORE_GSO_H

#include <stdbool.h>
#include <stdint.h>

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

/* A checked TCP super-frame, ready to be cut. */
struct pw_tso {
	const uint8_t *frame;
	uint32_t len;
	uint16_t l3, l4, hdr_len; /* offsets of IP and TCP, and of the payload */
	bool v6;
	bool udp;     /* each segment a UDP datagram (USO) */
	uint16_t mss;
	uint32_t segments;
};

/* Check a super-frame: Ethernet + IPv4/IPv6 + TCP (UDP) headers that fit, no
 * IP fragment or IPv6 extension header, a payload to cut. false when it is
 * malformed. */
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
 * write, under the kernel's GRO rules: identical headers but for lengths,
 * IPv4 id (consecutive), sequence (contiguous), checksums and PSH; plain
 * data segments only (ACK, PSH); every segment but the last exactly mss
 * bytes of payload; a short segment or PSH ends it; each segment's own TCP
 * checksum must hold (the joined frame's is computed anew).
 */
struct pw_gro {
	uint8_t *buf;   /* the caller's, cap bytes (64 KiB and an Ethernet header) */
	uint32_t cap;
	uint32_t len;
	uint16_t l4, hdr_len, mss;
	bool v6, closed;
	uint32_t next_seq;
	uint16_t next_id;
	unsigned segs;  /* 0: nothing started */
};

/* Start with this frame: false (and nothing started) if it cannot merge. */
bool pw_gro_start(struct pw_gro *g, const uint8_t *frame, uint32_t len);
/* Append the next frame of the flow: false if it does not continue it. */
bool pw_gro_append(struct pw_gro *g, const uint8_t *frame, uint32_t len);
/* Make g->buf[0..len) a super-frame and describe it in *out (for the vnet
 * header): true; false when it holds one segment (write it as it is). */
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
