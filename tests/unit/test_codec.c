/* SPDX-License-Identifier: MIT */
/*
 * test_codec.c: encap -> loop transport -> decap round trips for every
 * combination of encap, cookie, sublayer, sequencing and offset; the header
 * bytes each mode writes; one test per receive-gate reason, each checking
 * that its counter and nothing else moved (the source among them, and the
 * order it is checked in); sequence wrap and resync; the index by session id.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <cmocka.h>

#include "core/codec.h"
#include "xport/xport.h"

enum { BURST = 40, BUF = 2048 };

static const struct pw_cookie cookie_a = { 8, { 1, 2, 3, 4, 5, 6, 7, 8 } };
static const struct pw_cookie cookie_b = { 8, { 0xf1, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8 } };

/* A and B as mirror images: what A sends, B expects. */
static void mirror(enum pw_encap e, unsigned clen, enum pw_l2spec l2, unsigned seq,
		   unsigned offset, struct pw_session_cfg *a, struct pw_session_cfg *b)
{
	*a = (struct pw_session_cfg){ .encap = e, .session_id = 0x11, .peer_session_id = 0xfffffff0,
				      .l2spec = l2, .seq = seq, .offset = offset,
				      .peer_offset = offset };
	*b = *a;
	b->session_id = 0xfffffff0;
	b->peer_session_id = 0x11;
	a->cookie = cookie_a;
	a->cookie.len = clen;
	b->peer_cookie = a->cookie;
	b->cookie = cookie_b;
	b->cookie.len = clen;
	a->peer_cookie = b->cookie;
}

static uint64_t drops(const struct pw_session *s, const struct pw_tunnel *t)
{
	const struct pw_session_stats *ss = &s->stats;
	const struct pw_tunnel_stats *ts = &t->stats;

	return ss->rx_cookie_discards + ss->rx_seq_discards + ss->rx_oos_packets +
	       ts->rx_truncated + ts->rx_short + ts->rx_bad_source + ts->rx_bad_version +
	       ts->rx_control + ts->rx_bad_session + ts->rx_socket_errors + ts->tx_errors;
}

static void round_trip(enum pw_encap e, unsigned clen, enum pw_l2spec l2, unsigned seq,
		       unsigned offset)
{
	static uint8_t tx_mem[BURST][BUF], rx_mem[BURST][BUF], sent[BURST][BUF];
	struct pw_pkt tx[BURST], rx[BURST], *txp[BURST], *rxp[BURST];
	struct pw_session_cfg ca, cb;
	struct pw_session a, b, *sess[BURST];
	struct pw_tunnel ta = { .encap = e, .sessions = &a, .n_sessions = 1 };
	struct pw_tunnel tb = { .encap = e, .sessions = &b, .n_sessions = 1 };
	struct pw_xport *xa, *xb;
	uint32_t lens[BURST];
	uint64_t bytes = 0;
	unsigned seed = clen * 7 + l2 * 3 + seq + offset;

	mirror(e, clen, l2, seq, offset, &ca, &cb);
	pw_session_init(&a, &ca);
	pw_session_init(&b, &cb);
	assert_int_equal(pw_loop_open_pair(BURST, BUF, &ta.stats, &tb.stats, &xa, &xb), 0);
	for (unsigned round = 0; round < 3; round++) {
		for (unsigned i = 0; i < BURST; i++) {
			lens[i] = PW_ETH_HLEN + (uint32_t)(rand_r(&seed) % 1501);
			for (uint32_t k = 0; k < lens[i]; k++)
				sent[i][k] = (uint8_t)rand_r(&seed);
			memcpy(tx_mem[i], sent[i], lens[i]);
			tx[i] = (struct pw_pkt){ .buf = tx_mem[i], .cap = BUF, .data = tx_mem[i],
						 .len = lens[i] };
			txp[i] = &tx[i];
			rx[i] = (struct pw_pkt){ .buf = rx_mem[i], .cap = BUF };
			rxp[i] = &rx[i];
			bytes += lens[i];
		}
		pw_encap_burst(&a, txp, BURST);
		assert_int_equal(xa->ops->tx_burst(xa, txp, BURST), BURST);
		assert_int_equal(xb->ops->rx_burst(xb, rxp, BURST), BURST);
		assert_int_equal(pw_decap_burst(&tb, rxp, BURST, sess), BURST);
		for (unsigned i = 0; i < BURST; i++) {
			assert_ptr_equal(sess[i], &b);
			assert_int_equal(rxp[i]->len, lens[i]);
			assert_memory_equal(rxp[i]->data, sent[i], lens[i]);
		}
	}
	assert_int_equal(b.stats.rx_packets, 3 * BURST);
	assert_int_equal(b.stats.rx_bytes, bytes);
	assert_int_equal(drops(&b, &tb), 0);
	pw_xport_close(xa);
	pw_xport_close(xb);
}

static void test_round_trips(void **state)
{
	static const unsigned seqs[] = { PW_SEQ_NONE, PW_SEQ_SEND, PW_SEQ_RECV, PW_SEQ_BOTH };
	unsigned runs = 0;

	(void)state;
	for (int e = PW_ENCAP_UDP; e <= PW_ENCAP_IP; e++)
		for (unsigned c = 0; c <= 8; c += 4)
			for (int l2 = PW_L2SPEC_NONE; l2 <= PW_L2SPEC_COUNTER32; l2++)
				for (unsigned s = 0; s < 4; s++)
					for (unsigned o = 0; o <= 5; o += 5) {
						/* seq recv needs numbers to be sent */
						if (l2 == PW_L2SPEC_NONE && seqs[s])
							continue;
						if ((seqs[s] & PW_SEQ_RECV) && !(seqs[s] & PW_SEQ_SEND))
							continue;
						round_trip(e, c, l2, seqs[s], o);
						runs++;
					}
	assert_int_equal(runs, 2 * 3 * (1 + 2 * 3) * 2);
}

/* The header bytes of one frame sent by a session with this config. */
static void header_of(const struct pw_session_cfg *cfg, unsigned nth, uint8_t *out, unsigned *len)
{
	struct pw_session s;
	uint8_t frame[64] = { 0 };
	struct pw_pkt p = { .buf = frame, .cap = 64, .data = frame, .len = 64 };
	struct pw_pkt *burst[] = { &p };

	pw_session_init(&s, cfg);
	for (unsigned i = 0; i <= nth; i++)
		pw_encap_burst(&s, burst, 1);
	memcpy(out, p.hdr, p.hdr_len);
	*len = p.hdr_len;
}

static void test_header_bytes(void **state)
{
	struct pw_session_cfg c = { .encap = PW_ENCAP_UDP, .peer_session_id = 0x01020304,
				    .cookie = { 4, { 0xde, 0xad, 0xbe, 0xef } },
				    .l2spec = PW_L2SPEC_DEFAULT, .seq = PW_SEQ_SEND, .offset = 3 };
	uint8_t h[PW_HDR_MAX];
	unsigned len;

	(void)state;
	/* RFC 4719 §3: the third frame carries S and sequence 2 (numbering from 0). */
	header_of(&c, 2, h, &len);
	assert_int_equal(len, 19);
	assert_memory_equal(h, ((uint8_t[]){ 0x00, 0x03, 0x00, 0x00, 0x01, 0x02, 0x03, 0x04,
					      0xde, 0xad, 0xbe, 0xef, 0x40, 0x00, 0x00, 0x02,
					      0, 0, 0 }), 19);
	/* Without seq send the default sublayer is all zero. */
	c.seq = PW_SEQ_NONE;
	header_of(&c, 2, h, &len);
	assert_int_equal(load_be32(h + 12), 0);
	/* QEMU/UML counter: plain 32-bit, the first frame carries 1. */
	c = (struct pw_session_cfg){ .encap = PW_ENCAP_IP, .peer_session_id = 9,
				     .l2spec = PW_L2SPEC_COUNTER32, .seq = PW_SEQ_SEND };
	header_of(&c, 0, h, &len);
	assert_int_equal(len, 8);
	assert_memory_equal(h, ((uint8_t[]){ 0, 0, 0, 9, 0, 0, 0, 1 }), 8);
	header_of(&c, 4, h, &len);
	assert_int_equal(load_be32(h + 4), 5);
}

static void test_sequence_wraps(void **state)
{
	struct pw_session_cfg c = { .encap = PW_ENCAP_UDP, .l2spec = PW_L2SPEC_DEFAULT,
				    .seq = PW_SEQ_SEND };
	struct pw_session s;
	uint8_t frame[20] = { 0 };
	struct pw_pkt p = { .buf = frame, .cap = 20, .data = frame, .len = 20 };
	struct pw_pkt *burst[] = { &p };

	(void)state;
	pw_session_init(&s, &c);
	s.tx_seq = PW_SEQ24_MASK;
	pw_encap_burst(&s, burst, 1);
	assert_int_equal(load_be32(p.hdr + 8), PW_SUBLAYER_S_BIT | PW_SEQ24_MASK);
	pw_encap_burst(&s, burst, 1);
	assert_int_equal(load_be32(p.hdr + 8), PW_SUBLAYER_S_BIT | 0);

	c.l2spec = PW_L2SPEC_COUNTER32;
	pw_session_init(&s, &c);
	s.tx_seq = UINT32_MAX;
	pw_encap_burst(&s, burst, 1);
	assert_int_equal(load_be32(p.hdr + 8), UINT32_MAX);
	pw_encap_burst(&s, burst, 1);
	assert_int_equal(load_be32(p.hdr + 8), 0);
}

/* --- the receive gate, one reason at a time --------------------------------- */

struct gate {
	struct pw_session s;
	struct pw_tunnel t;
	uint8_t buf[BUF];
	uint32_t len; /* of the datagram, restored before each run */
	struct pw_pkt p;
};

/* The peer of the gate's session: fd00::2, port 1701 over UDP (none over IP). */
static struct pw_addr gate_peer(enum pw_encap e)
{
	struct pw_addr a = { .family = AF_INET6, .port = e == PW_ENCAP_UDP ? htons(1701) : 0 };

	a.addr[0] = 0xfd;
	a.addr[15] = 2;
	return a;
}

/* A receiver (session 0x55, peer_cookie 4 bytes, default sublayer, seq recv)
 * and a valid datagram from its peer carrying sequence number `ns`. */
static void gate_init(struct gate *g, enum pw_encap e, uint32_t ns)
{
	struct pw_session_cfg c = { .encap = e, .session_id = 0x55, .peer_session_id = 1,
				    .peer_cookie = { 4, { 0xc0, 0x0c, 0x1e, 0x55 } },
				    .l2spec = PW_L2SPEC_DEFAULT, .seq = PW_SEQ_RECV };
	unsigned at = e == PW_ENCAP_UDP ? 4 : 0;

	pw_session_init(&g->s, &c);
	g->t = (struct pw_tunnel){ .encap = e, .sessions = &g->s, .n_sessions = 1 };
	memset(g->buf, 0xab, sizeof(g->buf));
	if (e == PW_ENCAP_UDP)
		store_be32(g->buf, PW_UDP_WORD);
	store_be32(g->buf + at, 0x55);
	memcpy(g->buf + at + 4, c.peer_cookie.bytes, 4);
	store_be32(g->buf + at + 8, PW_SUBLAYER_S_BIT | ns);
	g->len = at + 12 + 60;
	g->s.peer = gate_peer(e);
	g->p = (struct pw_pkt){ .buf = g->buf, .cap = BUF, .data = g->buf, .len = g->len,
				.peer = g->s.peer };
}

static enum pw_rx_verdict gate_run(struct gate *g)
{
	struct pw_session *found = NULL;

	g->p.data = g->buf;
	g->p.len = g->len;
	return pw_decap(&g->t, &g->p, &found);
}

/* Exactly this counter moved by one, and nothing else. */
static void only(struct gate *g, const uint64_t *counter)
{
	assert_int_equal(*counter, 1);
	assert_int_equal(drops(&g->s, &g->t), 1);
}

static void test_gate_accepts_valid(void **state)
{
	struct gate g;

	(void)state;
	gate_init(&g, PW_ENCAP_UDP, 0);
	assert_int_equal(gate_run(&g), PW_RX_OK);
	assert_int_equal(g.p.len, 60);
	assert_int_equal(g.s.stats.rx_packets, 1);
	assert_int_equal(drops(&g.s, &g.t), 0);
}

static void test_gate_truncated(void **state)
{
	struct gate g;

	(void)state;
	gate_init(&g, PW_ENCAP_UDP, 0);
	g.p.truncated = true;
	assert_int_equal(gate_run(&g), PW_RX_TRUNCATED);
	only(&g, &g.t.stats.rx_truncated);
}

static void test_gate_short(void **state)
{
	struct gate g;

	(void)state;
	gate_init(&g, PW_ENCAP_UDP, 0);
	g.len = 7; /* not even the word and the session id */
	assert_int_equal(gate_run(&g), PW_RX_SHORT);
	only(&g, &g.t.stats.rx_short);

	gate_init(&g, PW_ENCAP_IP, 0);
	g.len = 12 + PW_ETH_HLEN - 1; /* the header, but not a whole Ethernet header */
	assert_int_equal(gate_run(&g), PW_RX_SHORT);
	only(&g, &g.t.stats.rx_short);
}

static void test_gate_bad_version(void **state)
{
	struct gate g;

	(void)state;
	gate_init(&g, PW_ENCAP_UDP, 0);
	store_be32(g.buf, 0x00020000);
	assert_int_equal(gate_run(&g), PW_RX_BAD_VERSION);
	only(&g, &g.t.stats.rx_bad_version);
}

static void test_gate_control(void **state)
{
	struct gate g;

	(void)state;
	gate_init(&g, PW_ENCAP_UDP, 0);
	store_be32(g.buf, PW_UDP_T_BIT | PW_UDP_WORD);
	assert_int_equal(gate_run(&g), PW_RX_CONTROL);
	only(&g, &g.t.stats.rx_control);

	gate_init(&g, PW_ENCAP_IP, 0);
	store_be32(g.buf, 0); /* RFC 3931 §4.1.1.1: session 0 is control */
	assert_int_equal(gate_run(&g), PW_RX_CONTROL);
	only(&g, &g.t.stats.rx_control);
}

static void test_gate_bad_session(void **state)
{
	struct gate g;

	(void)state;
	gate_init(&g, PW_ENCAP_IP, 0);
	store_be32(g.buf, 0x56);
	assert_int_equal(gate_run(&g), PW_RX_BAD_SESSION);
	only(&g, &g.t.stats.rx_bad_session);
}

/* Another address, or over UDP the right address and another port, or
 * another family: rx_bad_source, a tunnel counter, nothing else. */
static void test_gate_bad_source(void **state)
{
	struct gate g;

	(void)state;
	for (int e = PW_ENCAP_UDP; e <= PW_ENCAP_IP; e++) {
		gate_init(&g, e, 0);
		g.p.peer.addr[15] = 3;
		assert_int_equal(gate_run(&g), PW_RX_BAD_SOURCE);
		only(&g, &g.t.stats.rx_bad_source);

		gate_init(&g, e, 0);
		g.p.peer.family = AF_INET;
		assert_int_equal(gate_run(&g), PW_RX_BAD_SOURCE);
		only(&g, &g.t.stats.rx_bad_source);

		gate_init(&g, e, 0);
		g.p.peer = (struct pw_addr){ 0 }; /* the loop's: no address */
		assert_int_equal(gate_run(&g), PW_RX_BAD_SOURCE);
		only(&g, &g.t.stats.rx_bad_source);
	}
	gate_init(&g, PW_ENCAP_UDP, 0);
	g.p.peer.port = htons(1702);
	assert_int_equal(gate_run(&g), PW_RX_BAD_SOURCE);
	only(&g, &g.t.stats.rx_bad_source);
	g.p.peer.port = htons(1701);
	assert_int_equal(gate_run(&g), PW_RX_OK); /* the same datagram from the peer */
}

/* The source is checked after the session lookup and before everything the
 * session decides: what fails earlier counts as that, what would fail later
 * counts as rx_bad_source, and a stranger never moves the sequence state. */
static void test_gate_source_order(void **state)
{
	struct gate g;

	(void)state;
	gate_init(&g, PW_ENCAP_UDP, 0);
	g.p.peer.port = htons(1702);
	g.p.truncated = true;
	assert_int_equal(gate_run(&g), PW_RX_TRUNCATED);
	only(&g, &g.t.stats.rx_truncated);

	gate_init(&g, PW_ENCAP_UDP, 0);
	g.p.peer.addr[15] = 3;
	store_be32(g.buf + 4, 0x56);
	assert_int_equal(gate_run(&g), PW_RX_BAD_SESSION); /* no session: no peer to compare */
	only(&g, &g.t.stats.rx_bad_session);

	gate_init(&g, PW_ENCAP_UDP, 0);
	g.p.peer.addr[15] = 3;
	g.len = 4 + 12; /* no frame */
	assert_int_equal(gate_run(&g), PW_RX_BAD_SOURCE);
	only(&g, &g.t.stats.rx_bad_source);

	gate_init(&g, PW_ENCAP_IP, 0);
	g.p.peer.addr[15] = 3;
	g.buf[4 + 3] ^= 1; /* and a bad cookie */
	assert_int_equal(gate_run(&g), PW_RX_BAD_SOURCE);
	only(&g, &g.t.stats.rx_bad_source);

	gate_init(&g, PW_ENCAP_IP, 100);
	g.p.peer.addr[15] = 3; /* far ahead: would move rx_seq if it got that far */
	assert_int_equal(gate_run(&g), PW_RX_BAD_SOURCE);
	assert_false(g.s.rx_seq_valid);
	g.p.peer = g.s.peer;
	store_be32(g.buf + 8, PW_SUBLAYER_S_BIT | 5);
	assert_int_equal(gate_run(&g), PW_RX_OK);
	assert_int_equal(g.s.rx_seq, 6);
}

static void test_encap_sets_peer(void **state)
{
	struct pw_session_cfg c = { .encap = PW_ENCAP_UDP, .peer_session_id = 1 };
	struct pw_session s;
	uint8_t frame[60] = { 0 };
	struct pw_pkt p = { .buf = frame, .cap = 60, .data = frame, .len = 60 }, q = p;
	struct pw_pkt *burst[] = { &p, &q };

	(void)state;
	pw_session_init(&s, &c);
	s.peer = gate_peer(PW_ENCAP_UDP);
	q.peer.family = AF_INET;
	pw_encap_burst(&s, burst, 2);
	assert_memory_equal(&p.peer, &s.peer, sizeof(s.peer));
	assert_memory_equal(&q.peer, &s.peer, sizeof(s.peer));
}

enum { MANY = 1000 };

/* Ids that share low or high bits, and 1..: what a hash could mix badly. */
static uint32_t many_id(unsigned i)
{
	return i % 3 == 0 ? (i + 1) << 16 : i % 3 == 1 ? i + 1 : UINT32_MAX - i;
}

static void test_tunnel_index(void **state)
{
	static struct pw_session s[MANY];
	static struct pw_tunnel_slot slots[4096];
	struct pw_tunnel t = { .encap = PW_ENCAP_IP, .sessions = s, .n_sessions = MANY };
	size_t n = pw_tunnel_slots(MANY);

	(void)state;
	assert_int_equal(pw_tunnel_slots(0), 2);
	assert_int_equal(pw_tunnel_slots(1), 2);
	assert_int_equal(pw_tunnel_slots(2), 4);
	assert_int_equal(pw_tunnel_slots(3), 8);
	assert_int_equal(n, 2048);
	for (unsigned i = 0; i < MANY; i++) {
		struct pw_session_cfg c = { .encap = PW_ENCAP_IP, .session_id = many_id(i),
					    .peer_session_id = 1 };

		pw_session_init(&s[i], &c);
	}
	assert_false(pw_tunnel_index(&t, slots, n / 2)); /* not the size it needs */
	assert_null(t.slots);
	assert_true(pw_tunnel_index(&t, slots, n));
	assert_ptr_equal(t.slots, slots);
	for (unsigned i = 0; i < MANY; i++) {
		assert_ptr_equal(pw_tunnel_lookup(&t, many_id(i)), &s[i]);
		assert_null(pw_tunnel_lookup(&t, many_id(i) ^ 0x80));
	}
	assert_null(pw_tunnel_lookup(&t, 0));
	/* Taken out one by one, every third first, then the rest: each one
	 * removed finds nothing, every other still finds its own (a removal
	 * in the middle of a probe run must not cut the run). */
	for (unsigned pass = 0; pass < 2; pass++)
		for (unsigned i = 0; i < MANY; i++) {
			if ((i % 3 == 0) != (pass == 0))
				continue;
			assert_true(pw_tunnel_unindex(&t, many_id(i)));
			assert_false(pw_tunnel_unindex(&t, many_id(i)));
			for (unsigned k = 0; k < MANY; k++)
				if ((k % 3 == 0) == (pass == 0) ? k <= i : pass == 1)
					assert_null(pw_tunnel_lookup(&t, many_id(k)));
				else
					assert_ptr_equal(pw_tunnel_lookup(&t, many_id(k)), &s[k]);
		}
	for (size_t k = 0; k < n; k++)
		assert_int_equal(slots[k].index, 0);
	assert_true(pw_tunnel_index(&t, slots, n));
	/* Two sessions with one id: refused, the tunnel left as it was. */
	s[MANY - 1].cfg.session_id = many_id(7);
	t.slots = NULL;
	assert_false(pw_tunnel_index(&t, slots, n));
	assert_null(t.slots);
}

/* Many sessions on one tunnel: each datagram goes to its own session, and is
 * checked against that session's peer, not another's. */
static void test_gate_many_sessions(void **state)
{
	static struct pw_session s[64];
	static struct pw_tunnel_slot slots[128];
	struct pw_tunnel t = { .encap = PW_ENCAP_UDP, .sessions = s, .n_sessions = 64 };
	uint8_t buf[4 + 4 + 60];

	(void)state;
	for (unsigned i = 0; i < 64; i++) {
		struct pw_session_cfg c = { .encap = PW_ENCAP_UDP, .session_id = 1000 + i,
					    .peer_session_id = 1 };

		pw_session_init(&s[i], &c);
		s[i].peer = gate_peer(PW_ENCAP_UDP);
		s[i].peer.port = htons((uint16_t)(2000 + i)); /* one port per session */
	}
	assert_true(pw_tunnel_index(&t, slots, pw_tunnel_slots(64)));
	for (unsigned i = 0; i < 64; i++) {
		struct pw_pkt p = { .buf = buf, .cap = sizeof(buf), .data = buf, .len = sizeof(buf),
				    .peer = s[i].peer };
		struct pw_session *found = NULL;

		memset(buf, 0, sizeof(buf));
		store_be32(buf, PW_UDP_WORD);
		store_be32(buf + 4, 1000 + i);
		assert_int_equal(pw_decap(&t, &p, &found), PW_RX_OK);
		assert_ptr_equal(found, &s[i]);
		p = (struct pw_pkt){ .buf = buf, .cap = sizeof(buf), .data = buf, .len = sizeof(buf),
				     .peer = s[(i + 1) % 64].peer }; /* a neighbour's peer */
		assert_int_equal(pw_decap(&t, &p, &found), PW_RX_BAD_SOURCE);
		assert_int_equal(s[i].stats.rx_packets, 1);
	}
	assert_int_equal(t.stats.rx_bad_source, 64);
}

static void test_gate_bad_cookie(void **state)
{
	struct gate g;

	(void)state;
	gate_init(&g, PW_ENCAP_UDP, 0);
	g.buf[4 + 4 + 3] ^= 1;
	assert_int_equal(gate_run(&g), PW_RX_BAD_COOKIE);
	only(&g, &g.s.stats.rx_cookie_discards);
}

static void test_gate_no_sequence(void **state)
{
	struct gate g;

	(void)state;
	gate_init(&g, PW_ENCAP_IP, 0);
	store_be32(g.buf + 8, 0x00000005); /* S bit clear, as QEMU's counter */
	assert_int_equal(gate_run(&g), PW_RX_NO_SEQ);
	only(&g, &g.s.stats.rx_seq_discards);
}

static void test_gate_out_of_order(void **state)
{
	struct gate g;

	(void)state;
	gate_init(&g, PW_ENCAP_IP, 10);
	assert_int_equal(gate_run(&g), PW_RX_OK);
	store_be32(g.buf + 8, PW_SUBLAYER_S_BIT | 9); /* behind */
	assert_int_equal(gate_run(&g), PW_RX_OOS);
	only(&g, &g.s.stats.rx_oos_packets);
	store_be32(g.buf + 8, PW_SUBLAYER_S_BIT | 10); /* a duplicate */
	assert_int_equal(gate_run(&g), PW_RX_OOS);
	assert_int_equal(g.s.stats.rx_oos_packets, 2);
	store_be32(g.buf + 8, PW_SUBLAYER_S_BIT | 20); /* ahead: frames were lost */
	assert_int_equal(gate_run(&g), PW_RX_OK);
	store_be32(g.buf + 8, PW_SUBLAYER_S_BIT | 21);
	assert_int_equal(gate_run(&g), PW_RX_OK);
	assert_int_equal(g.s.stats.rx_packets, 3);
	/* 24-bit wrap: 0xffffff is followed by 0. */
	store_be32(g.buf + 8, PW_SUBLAYER_S_BIT | PW_SEQ24_MASK);
	assert_int_equal(gate_run(&g), PW_RX_OOS); /* 0xffffff is behind 22 */
	g.s.rx_seq = PW_SEQ24_MASK;
	assert_int_equal(gate_run(&g), PW_RX_OK);
	store_be32(g.buf + 8, PW_SUBLAYER_S_BIT | 0);
	assert_int_equal(gate_run(&g), PW_RX_OK);
}

static void test_decap_burst_keeps_order_and_buffers(void **state)
{
	struct gate g[6];
	struct pw_pkt *pkts[6], *before[6];
	struct pw_session *sess[6];
	struct pw_tunnel t;

	(void)state;
	for (int i = 0; i < 6; i++) {
		gate_init(&g[i], PW_ENCAP_UDP, (uint32_t)i);
		pkts[i] = before[i] = &g[i].p;
	}
	t = g[0].t;
	g[1].buf[4 + 3] ^= 1; /* bad session */
	g[4].p.truncated = true;
	assert_int_equal(pw_decap_burst(&t, pkts, 6, sess), 4);
	assert_ptr_equal(pkts[0], before[0]);
	assert_ptr_equal(pkts[1], before[2]);
	assert_ptr_equal(pkts[2], before[3]);
	assert_ptr_equal(pkts[3], before[5]);
	/* The dropped ones follow: every buffer is still the caller's. */
	assert_true((pkts[4] == before[1] && pkts[5] == before[4]) ||
		    (pkts[4] == before[4] && pkts[5] == before[1]));
	assert_int_equal(t.stats.rx_bad_session, 1);
	assert_int_equal(t.stats.rx_truncated, 1);
	assert_ptr_equal(sess[3], &g[0].s);
}

/* A UDP socket on 127.0.0.1, an ephemeral port; its address into *at. */
static struct pw_xport *udp_on_lo(struct pw_tunnel_stats *st, struct pw_addr *at)
{
	struct pw_xport_cfg c = { .encap = PW_ENCAP_UDP, .family = AF_INET, .burst = 16 };
	struct sockaddr_in *in = (struct sockaddr_in *)&c.local;
	struct sockaddr_storage bound;
	socklen_t len = sizeof(bound);
	struct pw_xport *x;

	in->sin_family = AF_INET;
	in->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	x = pw_socket_open(&c, st);
	assert_non_null(x);
	assert_int_equal(getsockname(x->ops->fd(x), (struct sockaddr *)&bound, &len), 0);
	pw_xport_peer(at, &bound);
	return x;
}

/* One shared socket sends each packet to its own peer (a run of equal
 * sizes that UDP_SEGMENT could join ends where the peer changes), and each
 * receiver reports where its datagrams came from. */
static void test_socket_per_packet_peer(void **state)
{
	static const int to[] = { 1, 1, 2, 2, 1, 2, 2, 2 };
	struct pw_tunnel_stats sa = { 0 }, s1 = { 0 }, s2 = { 0 };
	struct pw_addr a, b1, b2;
	struct pw_xport *xa = udp_on_lo(&sa, &a), *x1 = udp_on_lo(&s1, &b1), *x2 = udp_on_lo(&s2, &b2);
	uint8_t frames[8][100], rx_mem[8][200];
	struct pw_pkt tx[8], rx[8], *txp[8], *rxp[8];
	unsigned got1 = 0, got2 = 0;

	(void)state;
	for (unsigned i = 0; i < 8; i++) {
		memset(frames[i], (int)i, sizeof(frames[i]));
		tx[i] = (struct pw_pkt){ .buf = frames[i], .cap = 100, .data = frames[i], .len = 100,
					 .hdr_len = 4, .peer = to[i] == 1 ? b1 : b2 };
		memset(tx[i].hdr, 0xee, 4);
		txp[i] = &tx[i];
	}
	assert_int_equal(xa->ops->tx_burst(xa, txp, 8), 8);
	assert_int_equal(sa.tx_errors, 0);
	/* Loopback delivers at once; a few tries for the scheduler's sake. */
	for (int tries = 0; tries < 1000 && got1 + got2 < 8; tries++) {
		struct pw_xport *xs[] = { x1, x2 };

		for (int k = 0; k < 2; k++) {
			int n;

			for (unsigned i = 0; i < 8; i++) {
				rx[i] = (struct pw_pkt){ .buf = rx_mem[i], .cap = 200 };
				rxp[i] = &rx[i];
			}
			n = xs[k]->ops->rx_burst(xs[k], rxp, 8);
			assert_true(n >= 0);
			for (int i = 0; i < n; i++) {
				unsigned *got = k ? &got2 : &got1;
				unsigned want = 0;

				assert_int_equal(rxp[i]->len, 104);
				assert_memory_equal(&rxp[i]->peer, &a, sizeof(a));
				/* the next frame this receiver was sent, in order */
				for (unsigned j = 0, seen = 0; j < 8; j++)
					if (to[j] == k + 1 && seen++ == *got)
						want = j;
				assert_int_equal(rxp[i]->data[4], want);
				(*got)++;
			}
		}
	}
	assert_int_equal(got1, 3);
	assert_int_equal(got2, 5);
	pw_xport_close(xa);
	pw_xport_close(x1);
	pw_xport_close(x2);
}

static void test_loop_full_and_truncated(void **state)
{
	struct pw_tunnel_stats sa = { 0 }, sb = { 0 };
	struct pw_xport *a, *b;
	uint8_t big[300] = { 0 }, small[100];
	struct pw_pkt p = { .buf = big, .cap = 300, .data = big, .len = 200 };
	struct pw_pkt q = { .buf = small, .cap = sizeof(small) };
	struct pw_pkt *tx[1] = { &p }, *rx[1] = { &q };
	int sent = 0;

	(void)state;
	assert_int_equal(pw_loop_open_pair(1, 256, &sa, &sb, &a, &b), 0);
	while (a->ops->tx_burst(a, tx, 1) == 1)
		sent++;
	assert_int_equal(sent, 4); /* a ring of 4 x burst slots */
	assert_int_equal(sa.tx_eagain, 1);
	assert_int_equal(b->ops->rx_burst(b, rx, 1), 1);
	assert_true(q.truncated); /* 200 bytes into a 100-byte buffer */
	pw_xport_close(a);
	pw_xport_close(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trips),
		cmocka_unit_test(test_header_bytes),
		cmocka_unit_test(test_sequence_wraps),
		cmocka_unit_test(test_gate_accepts_valid),
		cmocka_unit_test(test_gate_truncated),
		cmocka_unit_test(test_gate_short),
		cmocka_unit_test(test_gate_bad_version),
		cmocka_unit_test(test_gate_control),
		cmocka_unit_test(test_gate_bad_session),
		cmocka_unit_test(test_gate_bad_source),
		cmocka_unit_test(test_gate_source_order),
		cmocka_unit_test(test_encap_sets_peer),
		cmocka_unit_test(test_tunnel_index),
		cmocka_unit_test(test_gate_many_sessions),
		cmocka_unit_test(test_gate_bad_cookie),
		cmocka_unit_test(test_gate_no_sequence),
		cmocka_unit_test(test_gate_out_of_order),
		cmocka_unit_test(test_decap_burst_keeps_order_and_buffers),
		cmocka_unit_test(test_loop_full_and_truncated),
		cmocka_unit_test(test_socket_per_packet_peer),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
