/* SPDX-License-Identifier: MIT */
/*
 * gro.c: the coalescer (core/gso.c pw_gro_*) on arbitrary frames, as a
 * hostile peer could send them, fed the way the TAP backend feeds it. Input:
 * frames as [two length bytes][bytes]. Every frame it takes must be one the
 * kernel's GRO would take: IPv4 without options and with a header checksum
 * that holds, a TCP checksum that holds (computed here from the frame), a
 * payload of at least the minimum MSS for the first; and whatever it joins
 * must be a super-frame that parses and cuts into segments whose payloads,
 * end to end, are the payloads of the input frames it took (read from those
 * frames, up to the end their IP length gives), in order, each payload
 * left where it lies in its frame (no copy). Each frame is handed over in a
 * buffer of its exact size, kept until the join is written (freed when it
 * was not taken): ASan catches a read past one or a piece left pointing
 * into one freed.
 */
#include <stdlib.h>
#include <string.h>

#include "core/gso.h"
#include "core/inet.h"
#include "core/wire.h"
#include "fuzz.h"

enum { MAX = 65536 + 64 };

static uint8_t hdr[PW_GRO_HDR_MAX], joined[MAX], payloads[MAX], seg[MAX];
static uint32_t payload_len;
static uint8_t *held[PW_GRO_SEGS]; /* the frames the join took */
static unsigned n_held;

static void release(void)
{
	while (n_held)
		free(held[--n_held]);
}

/* Check what the coalescer took from input frame f (len bytes), and append
 * its payload, read from f itself, to payloads. */
static void took(const struct pw_gro *g, const uint8_t *f, uint32_t len, uint32_t grew)
{
	uint32_t end = g->l3 + (g->v6 ? PW_IPV6_HLEN + load_be16(f + g->l3 + PW_IPV6_PAYLOAD_LEN) :
					load_be16(f + g->l3 + PW_IPV4_TOT_LEN));
	uint64_t sum;

	FUZZ_CHECK(end <= len && end > g->hdr_len && end - g->hdr_len == grew);
	if (g->v6) {
		sum = pw_csum_add(PW_IPPROTO_TCP + end - g->l4, f + g->l3 + PW_IPV6_SADDR,
				  PW_IPV6_ADDRS_LEN);
	} else {
		FUZZ_CHECK(f[g->l3] == PW_IPV4_PLAIN && g->l4 == g->l3 + PW_IPV4_HLEN_MIN);
		FUZZ_CHECK(pw_csum_fold(pw_csum_add(0, f + g->l3, PW_IPV4_HLEN_MIN)) == 0);
		sum = pw_csum_add(PW_IPPROTO_TCP + end - g->l4, f + g->l3 + PW_IPV4_SADDR,
				  PW_IPV4_ADDRS_LEN);
	}
	FUZZ_CHECK(pw_csum_fold(pw_csum_add(sum, f + g->l4, end - g->l4)) == 0);
	memcpy(payloads + payload_len, f + g->hdr_len, grew);
	payload_len += grew;
}

static void check(struct pw_gro *g)
{
	struct pw_gso out;
	struct pw_tso t;
	uint32_t at = 0;

	if (!pw_gro_finish(g, &out)) {
		/* one frame: its pieces are it, as it came */
		if (g->segs) {
			FUZZ_CHECK(g->iov[0].iov_len + g->iov[1].iov_len == g->len);
			FUZZ_CHECK(!memcmp(g->iov[0].iov_base, held[0], g->iov[0].iov_len));
			FUZZ_CHECK(g->iov[1].iov_base == held[0] + g->iov[0].iov_len);
		}
		g->segs = 0;
		release();
		return;
	}
	for (unsigned i = 0; i <= g->segs; i++) {
		FUZZ_CHECK(at + g->iov[i].iov_len <= sizeof(joined));
		FUZZ_CHECK(!i || g->iov[i].iov_base == held[i - 1] + g->hdr_len);
		memcpy(joined + at, g->iov[i].iov_base, g->iov[i].iov_len);
		at += (uint32_t)g->iov[i].iov_len;
	}
	FUZZ_CHECK(at == g->len);
	at = 0;
	FUZZ_CHECK(pw_tso_parse(&t, joined, g->len, &out));
	FUZZ_CHECK(t.segments >= 2 && t.segments <= 64 && t.hdr_len == g->hdr_len && t.l3 == g->l3);
	FUZZ_CHECK(t.mss >= PW_TSO_MSS_MIN);
	for (uint32_t k = 0; k < t.segments; k++) {
		uint32_t n = pw_tso_segment(&t, k, seg);

		FUZZ_CHECK(n > t.hdr_len && at + n - t.hdr_len <= payload_len);
		FUZZ_CHECK(!memcmp(seg + t.hdr_len, payloads + at, n - t.hdr_len));
		at += n - t.hdr_len;
	}
	FUZZ_CHECK(at == payload_len);
	g->segs = 0;
	release();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pw_gro g = { .buf = hdr, .cap = sizeof(hdr), .max = sizeof(joined) };

	payload_len = 0;
	while (size >= 2) {
		uint32_t len = (uint32_t)(data[0] << 8 | data[1]), before = g.len;
		uint8_t *f;

		if (len > size - 2)
			len = (uint32_t)(size - 2);
		f = malloc(len ? len : 1);
		FUZZ_CHECK(f != NULL);
		memcpy(f, data + 2, len);
		data += 2 + len, size -= 2 + len;
		if (g.segs && pw_gro_append(&g, f, len)) {
			took(&g, f, len, g.len - before);
			held[n_held++] = f;
			continue;
		}
		check(&g);
		payload_len = 0;
		if (pw_gro_start(&g, f, len)) {
			FUZZ_CHECK(g.len - g.hdr_len >= PW_TSO_MSS_MIN);
			took(&g, f, len, g.len - g.hdr_len);
			held[n_held++] = f;
		} else {
			free(f);
		}
	}
	check(&g);
	return 0;
}
