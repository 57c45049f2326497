/* SPDX-License-Identifier: MIT */
/*
 * decap.c: the receive gate on any datagram, in every sublayer mode.
 * Input: a config byte (fuzz_pick; bit 7: take the session id and cookie
 * from the datagram itself, so the fuzzer reaches the sequence logic), then
 * one datagram, offered four times to one session (through its tunnel's
 * index): from the session's peer; from a stranger (over UDP another port
 * when the datagram's length is even, else another address); from the peer
 * again (a duplicate, for seq recv); from the peer, cut (MSG_TRUNC) when
 * longer than 40 bytes. Each must decode to a frame inside its buffer, or
 * be dropped with exactly one counter moved by one. The stranger's never
 * decodes and never touches the session; it is rx_bad_source exactly when
 * the peer's would have passed the session lookup (checked on a copy).
 */
#include <arpa/inet.h>
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

/* What the same datagram from the peer would get, on copies of s and t. */
static enum pw_rx_verdict from_peer(const struct pw_session *s, const struct pw_tunnel *t,
				    const uint8_t *data, size_t size)
{
	static uint8_t buf[65536];
	struct pw_session s2 = *s;
	struct pw_tunnel t2 = { .encap = t->encap, .sessions = &s2, .n_sessions = 1 };
	struct pw_pkt p = { .buf = buf, .cap = sizeof(buf), .data = buf, .len = (uint32_t)size,
			    .peer = s->peer };
	struct pw_session *found;

	memcpy(buf, data, size);
	return pw_decap(&t2, &p, &found);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t buf[65536];
	struct pw_session_cfg cfg = { .session_id = 0x1001, .peer_session_id = 1 };
	struct pw_session s;
	struct pw_tunnel t = { .sessions = &s, .n_sessions = 1 };
	struct pw_tunnel_slot slots[2];
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
	s.peer = (struct pw_addr){ .family = AF_INET,
				   .port = cfg.encap == PW_ENCAP_UDP ? htons(1701) : 0,
				   .addr = { 10, 0, 0, 2 } };
	t.encap = cfg.encap;
	FUZZ_CHECK(pw_tunnel_index(&t, slots, 2));

	for (int round = 0; round < 4; round++) {
		struct pw_pkt p = { .buf = buf, .cap = sizeof(buf), .data = buf,
				    .len = (uint32_t)size, .truncated = round == 3 && size > 40,
				    .peer = s.peer };
		struct pw_session *found = NULL;
		uint64_t before = total(&s.stats, sizeof(s.stats)) + total(&t.stats, sizeof(t.stats));
		uint64_t rx_before = s.stats.rx_packets, after;
		enum pw_rx_verdict v, pv = PW_RX_OK;
		struct pw_session was = s;

		if (round == 1) {
			pv = from_peer(&s, &t, data, size);
			if (cfg.encap == PW_ENCAP_UDP && !(size & 1))
				p.peer.port = htons(1702);
			else
				p.peer.addr[3] = 3;
		}
		memcpy(buf, data, size);
		v = pw_decap(&t, &p, &found);
		after = total(&s.stats, sizeof(s.stats)) + total(&t.stats, sizeof(t.stats));
		if (round == 1) {
			FUZZ_CHECK(v != PW_RX_OK && found == NULL);
			FUZZ_CHECK(!memcmp(&s.stats, &was.stats, sizeof(s.stats)));
			FUZZ_CHECK(s.rx_seq == was.rx_seq && s.rx_seq_valid == was.rx_seq_valid &&
				   s.rx_oos_run == was.rx_oos_run && s.rx_oos_next == was.rx_oos_next);
			FUZZ_CHECK(after == before + 1);
			if (pv == PW_RX_OK || pv == PW_RX_BAD_COOKIE || pv == PW_RX_NO_SEQ ||
			    pv == PW_RX_OOS)
				FUZZ_CHECK(v == PW_RX_BAD_SOURCE && t.stats.rx_bad_source == 1);
			else if (pv == PW_RX_SHORT)
				FUZZ_CHECK(v == PW_RX_SHORT || v == PW_RX_BAD_SOURCE);
			else
				FUZZ_CHECK(v == pv);
			continue;
		}
		FUZZ_CHECK(v != PW_RX_BAD_SOURCE);
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
