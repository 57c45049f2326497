/* SPDX-License-Identifier: MIT */
/*
 * roundtrip.c: encap -> wire -> decap must give back every frame, byte for
 * byte, with exact counters. Input: a config byte (fuzz_pick), an offset
 * byte, then frames as [length byte][bytes]: a burst of up to 64 frames
 * through a mirror pair of sessions. Each packet is sent to A's peer (B's
 * address) and arrives from B's peer (A's address).
 */
#include <arpa/inet.h>
#include <string.h>

#include "core/codec.h"
#include "fuzz.h"

enum { BURST = 64, FRAME = PW_ETH_HLEN + 255 };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t frames[BURST][FRAME], wire[BURST][PW_HDR_MAX + FRAME];
	static struct pw_pkt tx[BURST], rx[BURST];
	struct pw_pkt *txp[BURST], *rxp[BURST];
	struct pw_session *sess[BURST];
	struct pw_session_cfg a = { .session_id = 7, .peer_session_id = 0xfffffff7 }, b;
	struct pw_session sa, sb;
	struct pw_tunnel tb = { .sessions = &sb, .n_sessions = 1 };
	uint64_t bytes = 0;
	unsigned n = 0;

	if (size < 2)
		return 0;
	fuzz_pick(data[0], &a);
	a.offset = a.peer_offset = data[1];
	memset(a.cookie.bytes, data[0], sizeof(a.cookie.bytes));
	a.peer_cookie = a.cookie;
	if (a.seq & PW_SEQ_RECV)
		a.seq |= PW_SEQ_SEND; /* a receiver that checks needs a sender that numbers */
	b = a;
	b.session_id = a.peer_session_id;
	b.peer_session_id = a.session_id;
	pw_session_init(&sa, &a);
	pw_session_init(&sb, &b);
	tb.encap = b.encap;
	sa.peer = (struct pw_addr){ .family = AF_INET6, .addr = { 0xfd, [15] = 2 } };
	sb.peer = (struct pw_addr){ .family = AF_INET6, .addr = { 0xfd, [15] = 1 } };
	if (a.encap == PW_ENCAP_UDP) {
		sa.peer.port = htons(1702);
		sb.peer.port = htons(1701);
	}

	for (size_t at = 2; at < size && n < BURST; n++) {
		uint32_t len = PW_ETH_HLEN + data[at++];
		uint32_t have = (uint32_t)(size - at) < len ? (uint32_t)(size - at) : len;

		memset(frames[n], 0xee, len);
		memcpy(frames[n], data + at, have);
		at += have;
		tx[n] = (struct pw_pkt){ .buf = frames[n], .cap = FRAME, .data = frames[n], .len = len };
		txp[n] = &tx[n];
		bytes += len;
	}
	pw_encap_burst(&sa, txp, n);
	for (unsigned i = 0; i < n; i++) {
		FUZZ_CHECK(pw_addr_eq(&tx[i].peer, &sa.peer));
		memcpy(wire[i], tx[i].hdr, tx[i].hdr_len);
		memcpy(wire[i] + tx[i].hdr_len, tx[i].data, tx[i].len);
		rx[i] = (struct pw_pkt){ .buf = wire[i], .cap = sizeof(wire[i]), .data = wire[i],
					 .len = tx[i].hdr_len + tx[i].len, .peer = sb.peer };
		rxp[i] = &rx[i];
	}
	FUZZ_CHECK(pw_decap_burst(&tb, rxp, n, sess) == n);
	for (unsigned i = 0; i < n; i++) {
		FUZZ_CHECK(sess[i] == &sb && rxp[i] == &rx[i]);
		FUZZ_CHECK(rx[i].len == tx[i].len && !memcmp(rx[i].data, frames[i], tx[i].len));
	}
	FUZZ_CHECK(sb.stats.rx_packets == n && sb.stats.rx_bytes == bytes);
	FUZZ_CHECK(sb.stats.rx_cookie_discards + sb.stats.rx_seq_discards +
			   sb.stats.rx_oos_packets == 0);
	return 0;
}
