/* SPDX-License-Identifier: MIT */
/*
 * tso.c: TCP/UDP segmentation and TCP coalescing of super-frames
 * (core/gso.c). Input: two bytes of gso_size, one byte picking TCPv4, TCPv6
 * or UDP, then the super-frame. A frame the parser accepts must be cut into
 * segments that each fit hdr_len + mss, carry valid IPv4 header and TCP/UDP
 * checksums, and rejoin to the original payload byte for byte; and whatever
 * run of TCP segments the coalescer joins must cut back into exactly those
 * segments.
 */
#include <string.h>

#include "core/gso.h"
#include "core/wire.h"
#include "fuzz.h"

enum { SEGS = 256 };

/* Join what pw_gro takes of segs[from..n), check it cuts back into exactly
 * those segments; returns the index after the last one joined. */
static uint32_t join(uint8_t (*segs)[1600], const uint32_t *lens, uint32_t from, uint32_t n)
{
	static uint8_t buf[65536 + 64], again[1600];
	struct pw_gro g = { .buf = buf, .cap = sizeof(buf) };
	struct pw_gso out;
	struct pw_tso t;
	uint32_t k = from + 1;

	if (!pw_gro_start(&g, segs[from], lens[from]))
		return from + 1;
	while (k < n && pw_gro_append(&g, segs[k], lens[k]))
		k++;
	FUZZ_CHECK(g.segs == k - from);
	if (!pw_gro_finish(&g, &out))
		return k;
	FUZZ_CHECK(pw_tso_parse(&t, buf, g.len, &out) && t.segments == k - from);
	for (uint32_t i = 0; i < t.segments; i++)
		FUZZ_CHECK(pw_tso_segment(&t, i, again) == lens[from + i] &&
			   !memcmp(again, segs[from + i], lens[from + i]));
	return k;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t seg[65536 + 64], joined[65536], segs[SEGS][1600];
	static uint32_t lens[SEGS];
	struct pw_gso g;
	struct pw_tso t;
	uint32_t at = 0;

	if (size < 3 || size > 65536 + 3)
		return 0;
	static const enum pw_gso_type types[] = { PW_GSO_TCPV4, PW_GSO_TCPV6, PW_GSO_UDP };

	g = (struct pw_gso){ .gso_size = (uint16_t)(data[0] << 8 | data[1]),
			     .type = types[data[2] % 3] };
	data += 3, size -= 3;
	if (!pw_tso_parse(&t, data, (uint32_t)size, &g))
		return 0;
	FUZZ_CHECK(t.hdr_len < size && t.segments >= 1);
	FUZZ_CHECK(t.segments == (size - t.hdr_len + t.mss - 1) / t.mss);
	for (uint32_t k = 0; k < t.segments; k++) {
		uint32_t n = pw_tso_segment(&t, k, seg), tcp_len = n - t.l4;
		uint32_t proto = t.udp ? 17 : 6;
		uint64_t pseudo;

		FUZZ_CHECK(n > t.hdr_len && n <= (uint32_t)t.hdr_len + t.mss);
		FUZZ_CHECK(!memcmp(seg, data, t.l3)); /* the Ethernet header */
		if (t.v6) {
			pseudo = pw_csum_add(proto + tcp_len, seg + t.l3 + 8, 32);
		} else {
			FUZZ_CHECK(pw_csum_fold(pw_csum_add(0, seg + t.l3, t.l4 - t.l3)) == 0);
			pseudo = pw_csum_add(proto + tcp_len, seg + t.l3 + 12, 8);
		}
		FUZZ_CHECK(pw_csum_fold(pw_csum_add(pseudo, seg + t.l4, tcp_len)) == 0);
		memcpy(joined + at, seg + t.hdr_len, n - t.hdr_len);
		at += n - t.hdr_len;
		if (k < SEGS && n <= sizeof(segs[k])) {
			memcpy(segs[k], seg, n);
			lens[k] = n;
		}
	}
	FUZZ_CHECK(at == size - t.hdr_len && !memcmp(joined, data + t.hdr_len, at));
	if (!t.udp && t.segments <= SEGS && (uint32_t)t.hdr_len + t.mss <= sizeof(segs[0]))
		for (uint32_t k = 0; k < t.segments;)
			k = join(segs, lens, k, t.segments);
	return 0;
}
