/* SPDX-License-Identifier: MIT */
/*
 * gro.c: the coalescer (core/gso.c pw_gro_*) on arbitrary frames, as a
 * hostile peer could send them, fed the way the TAP backend feeds it. Input:
 * frames as [two length bytes][bytes]. Whatever it joins must be a
 * super-frame that parses and cuts into segments whose payloads, end to end,
 * are the payloads of the frames it took, in order.
 */
#include <string.h>

#include "core/gso.h"
#include "core/wire.h"
#include "fuzz.h"

enum { MAX = 65536 + 64 };

static uint8_t joined[MAX], payloads[MAX], seg[MAX];
static uint32_t payload_len;

static void check(struct pw_gro *g)
{
	struct pw_gso out;
	struct pw_tso t;
	uint32_t at = 0;

	if (!pw_gro_finish(g, &out)) {
		g->segs = 0;
		return;
	}
	FUZZ_CHECK(pw_tso_parse(&t, joined, g->len, &out));
	FUZZ_CHECK(t.segments >= 2 && t.hdr_len == g->hdr_len);
	for (uint32_t k = 0; k < t.segments; k++) {
		uint32_t n = pw_tso_segment(&t, k, seg);

		FUZZ_CHECK(n > t.hdr_len && at + n - t.hdr_len <= payload_len);
		FUZZ_CHECK(!memcmp(seg + t.hdr_len, payloads + at, n - t.hdr_len));
		at += n - t.hdr_len;
	}
	FUZZ_CHECK(at == payload_len);
	g->segs = 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pw_gro g = { .buf = joined, .cap = sizeof(joined) };

	payload_len = 0;
	while (size >= 2) {
		uint32_t len = (uint32_t)(data[0] << 8 | data[1]);
		const uint8_t *f = data + 2;

		if (len > size - 2)
			len = (uint32_t)(size - 2);
		data += 2 + len, size -= 2 + len;
		if (g.segs && pw_gro_append(&g, f, len)) {
			uint32_t pay = g.len - (g.hdr_len + payload_len);

			memcpy(payloads + payload_len, joined + g.len - pay, pay);
			payload_len += pay;
			continue;
		}
		check(&g);
		payload_len = 0;
		if (pw_gro_start(&g, f, len)) {
			payload_len = g.len - g.hdr_len;
			memcpy(payloads, joined + g.hdr_len, payload_len);
		}
	}
	check(&g);
	return 0;
}
