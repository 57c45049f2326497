/* SPDX-License-Identifier: MIT */
/*
 * decap.c: the receive gate on any datagram, in every sublayer mode.
 * Input: a config byte (fuzz_pick; bit 7: take the session id and cookie
 * from the datagram itself, so the fuzzer reaches the sequence logic), then
 * up to three datagrams for one session. Each must decode to a frame inside
 * its buffer, or be dropped with exactly one counter moved by one.
 */
#include <string.h>

#include "core/codec.h"
#include "fuzz.h"

static uint64_t total(const void *stats, size_t size)
{
	uint64_t sum = 0, v;

	for (size_t off = 0; off < size; off += sizeof(v)) {
		memcpy(&v, (const char *)stats + off, sizeof(v));
		sum += v;
	}
	return sum;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t buf[65536];
	struct pw_session_cfg cfg = { .session_id = 0x1001, .peer_session_id = 1 };
	struct pw_session s;
	struct pw_tunnel t = { .sessions = &s, .n_sessions = 1 };
	struct pw_layout l;

	if (size < 1)
		return 0;
	fuzz_pick(data[0], &cfg);
	memset(cfg.peer_cookie.bytes, 0x5a, sizeof(cfg.peer_cookie.bytes));
	l = pw_layout_rx(&cfg);
	data++, size--;
	if ((data[-1] & 0x80) && size >= l.cookie + l.cookie_len) {
		cfg.session_id = load_be32(data + l.session);
		memcpy(cfg.peer_cookie.bytes, data + l.cookie, l.cookie_len);
	}
	pw_session_init(&s, &cfg);
	t.encap = cfg.encap;

	/* The same datagram up to three times: duplicates exercise seq recv. */
	for (int round = 0; round < 3; round++) {
		struct pw_pkt p = { .buf = buf, .cap = sizeof(buf), .data = buf,
				    .len = (uint32_t)size, .truncated = round == 2 && size > 40 };
		struct pw_session *found = NULL;
		uint64_t before = total(&s.stats, sizeof(s.stats)) + total(&t.stats, sizeof(t.stats));
		uint64_t rx_before = s.stats.rx_packets, after;
		enum pw_rx_verdict v;

		memcpy(buf, data, size);
		v = pw_decap(&t, &p, &found);
		after = total(&s.stats, sizeof(s.stats)) + total(&t.stats, sizeof(t.stats));
		if (v == PW_RX_OK) {
			FUZZ_CHECK(found == &s && !p.truncated);
			FUZZ_CHECK(p.data == buf + s.rx.len && p.len == size - s.rx.len);
			FUZZ_CHECK(p.len >= PW_ETH_HLEN);
			FUZZ_CHECK(s.stats.rx_packets == rx_before + 1);
		} else {
			FUZZ_CHECK(s.stats.rx_packets == rx_before);
			FUZZ_CHECK(after == before + 1);
		}
	}
	return 0;
}
