/* SPDX-License-Identifier: MIT */
/*
 * tso.c: TCP segmentation of super-frames (core/gso.c). Input: two bytes of
 * gso_size, one byte picking TCPv4/TCPv6, then the super-frame. A frame the
 * parser accepts must be cut into segments that each fit hdr_len + mss,
 * carry valid IPv4 header and TCP checksums, and rejoin to the original
 * payload byte for byte.
 */
#include <string.h>

#include "core/gso.h"
#include "core/wire.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t seg[65536 + 64], joined[65536];
	struct pw_gso g;
	struct pw_tso t;
	uint32_t at = 0;

	if (size < 3 || size > 65536 + 3)
		return 0;
	g = (struct pw_gso){ .gso_size = (uint16_t)(data[0] << 8 | data[1]),
			     .type = data[2] & 1 ? PW_GSO_TCPV6 : PW_GSO_TCPV4 };
	data += 3, size -= 3;
	if (!pw_tso_parse(&t, data, (uint32_t)size, &g))
		return 0;
	FUZZ_CHECK(t.hdr_len < size && t.segments >= 1);
	FUZZ_CHECK(t.segments == (size - t.hdr_len + t.mss - 1) / t.mss);
	for (uint32_t k = 0; k < t.segments; k++) {
		uint32_t n = pw_tso_segment(&t, k, seg), tcp_len = n - t.l4;
		uint64_t pseudo;

		FUZZ_CHECK(n > t.hdr_len && n <= (uint32_t)t.hdr_len + t.mss);
		FUZZ_CHECK(!memcmp(seg, data, t.l3)); /* the Ethernet header */
		if (t.v6) {
			pseudo = pw_csum_add(6 + tcp_len, seg + t.l3 + 8, 32);
		} else {
			FUZZ_CHECK(pw_csum_fold(pw_csum_add(0, seg + t.l3, t.l4 - t.l3)) == 0);
			pseudo = pw_csum_add(6 + tcp_len, seg + t.l3 + 12, 8);
		}
		FUZZ_CHECK(pw_csum_fold(pw_csum_add(pseudo, seg + t.l4, tcp_len)) == 0);
		memcpy(joined + at, seg + t.hdr_len, n - t.hdr_len);
		at += n - t.hdr_len;
	}
	FUZZ_CHECK(at == size - t.hdr_len && !memcmp(joined, data + t.hdr_len, at));
	return 0;
}
