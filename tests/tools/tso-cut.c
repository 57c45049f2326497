/* SPDX-License-Identifier: MIT */
/*
 * tso-cut.c: a test tool that cuts one TCP or UDP super-frame with pwire's
 * segmenter (core/gso.c), for comparing with what the kernel's GSO makes of
 * the same super-frame (tests/netns/gso-vs-kernel.sh). Not part of pwire.
 *
 * usage: tso-cut 4|6|u GSO_SIZE [CSUM_START CSUM_OFFSET] < super-frame.hex
 * (one hex line; u: UDP, v4 or v6; with the checksum offsets the frame is
 * NEEDS_CSUM, as the TAP hands it over: its checksum field holds the
 * pseudo-header sum). Prints one hex line per segment.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/gso.h"

int main(int argc, char **argv)
{
	static char hex[2 * 70000 + 2];
	static uint8_t frame[70000], seg[70000];
	struct pw_gso g;
	struct pw_tso t;
	size_t n;

	if ((argc != 3 && argc != 5) || !fgets(hex, sizeof(hex), stdin))
		return 2;
	n = strcspn(hex, "\n") / 2;
	for (size_t i = 0; i < n; i++) {
		unsigned b;

		if (sscanf(hex + 2 * i, "%2x", &b) != 1)
			return 2;
		frame[i] = (uint8_t)b;
	}
	g = (struct pw_gso){ .type = argv[1][0] == 'u' ? PW_GSO_UDP :
				     argv[1][0] == '6' ? PW_GSO_TCPV6 : PW_GSO_TCPV4,
			     .gso_size = (uint16_t)atoi(argv[2]) };
	if (argc == 5) {
		g.needs_csum = true;
		g.csum_start = (uint16_t)atoi(argv[3]);
		g.csum_offset = (uint16_t)atoi(argv[4]);
	}
	if (!pw_tso_parse(&t, frame, (uint32_t)n, &g)) {
		fprintf(stderr, "tso-cut: the super-frame does not parse\n");
		return 1;
	}
	for (uint32_t k = 0; k < t.segments; k++) {
		uint32_t len = pw_tso_segment(&t, k, seg);

		for (uint32_t i = 0; i < len; i++)
			printf("%02x", seg[i]);
		putchar('\n');
	}
	return 0;
}
