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
 * Then (inputs up to BURST_LEN bytes) a burst of BURST variants of it (as
 * it is, from a stranger, from the other session's peer, cut short,
 * MSG_TRUNC) through a tunnel of two sessions, where pw_decap_burst() finds
 * sessions ahead of the gate: it must keep exactly the datagrams, with the
 * sessions, frames and counters, that pw_decap() one by one gives on a twin
 * of that tunnel.
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

enum { BURST = 40, BURST_LEN = 2048 }; /* more than pw_decap_burst() looks ahead */

/* A tunnel of two sessions: cfg's and a neighbour with its own id and peer. */
static void two_sessions(struct pw_tunnel *t, struct pw_session s[2], struct pw_tunnel_slot *slots,
			 const struct pw_session_cfg *cfg, const struct pw_addr *peer)
{
	struct pw_session_cfg other = *cfg;

	other.session_id = cfg->session_id + 1 ? cfg->session_id + 1 : 1;
	pw_session_init(&s[0], cfg);
	pw_session_init(&s[1], &other);
	s[0].peer = *peer;
	s[1].peer = *peer;
	s[1].peer.addr[3] = 4;
	*t = (struct pw_tunnel){ .encap = cfg->encap, .sessions = s, .n_sessions = 2 };
	FUZZ_CHECK(pw_tunnel_index(t, slots, pw_tunnel_slots(2)));
}

static void burst_twins(const uint8_t *data, size_t size, const struct pw_session_cfg *cfg,
			const struct pw_addr *peer)
{
	static uint8_t bufs[BURST][BURST_LEN], ref[BURST][BURST_LEN];
	static struct pw_session bs[2], rs[2];
	struct pw_tunnel_slot bslots[4], rslots[4];
	struct pw_tunnel bt, rt;
	struct pw_pkt bp[BURST], rp[BURST], *pkts[BURST];
	struct pw_session *sess[BURST], *rsess[BURST];
	unsigned want[BURST], n_want = 0, kept;

	memset(bs, 0, sizeof(bs));
	memset(rs, 0, sizeof(rs));
	two_sessions(&bt, bs, bslots, cfg, peer);
	two_sessions(&rt, rs, rslots, cfg, peer);
	for (unsigned k = 0; k < BURST; k++) {
		uint32_t len = (uint32_t)size;
		struct pw_addr from = *peer;

		switch (k % 5) {
		case 1:
			from.addr[3] = 3;
			break;
		case 2:
			len = k < len ? k : len;
			break;
		case 4:
			from = bs[1].peer;
			break;
		}
		memcpy(bufs[k], data, size);
		memcpy(ref[k], data, size);
		bp[k] = (struct pw_pkt){ .buf = bufs[k], .cap = BURST_LEN, .data = bufs[k], .len = len,
					 .truncated = k % 5 == 3 && size > 40, .peer = from };
		rp[k] = bp[k];
		rp[k].buf = rp[k].data = ref[k];
		pkts[k] = &bp[k];
	}
	for (unsigned k = 0; k < BURST; k++)
		if (pw_decap(&rt, &rp[k], &rsess[n_want]) == PW_RX_OK)
			want[n_want++] = k;
	kept = pw_decap_burst(&bt, pkts, BURST, sess);
	FUZZ_CHECK(kept == n_want);
	for (unsigned j = 0; j < kept; j++) {
		unsigned k = want[j];

		FUZZ_CHECK(pkts[j] == &bp[k]);
		FUZZ_CHECK(sess[j] - bs == rsess[j] - rs);
		FUZZ_CHECK(bp[k].data - bufs[k] == rp[k].data - ref[k] && bp[k].len == rp[k].len);
	}
	FUZZ_CHECK(!memcmp(bs, rs, sizeof(bs)) && !memcmp(&bt.stats, &rt.stats, sizeof(bt.stats)));
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
	if (size <= BURST_LEN)
		burst_twins(data, size, &cfg, &s.peer);
	return 0;
}
