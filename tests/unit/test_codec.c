/* SPDX-License-Identifier: MIT */
/*
 * test_codec.c: encap -> loop transport -> decap round trips for every
 * combination of encap, cookie, sublayer, sequencing and offset; the header
 * bytes each mode writes; one test per receive-gate reason, each checking
 * that its counter and nothing else moved (the source among them, and the
 * order it is checked in); sequence wrap and resync; the index by session id;
 * frames from a peer whose layout is 4 bytes off counted as shifted (and
 * delivered), and none of real or random frames when the layouts match.
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

/* A burst over many sessions (pw_decap_burst() finds each datagram's
 * session ahead of the gate, PW_AHEAD_* places on): longer than that reach,
 * valid datagrams of scattered sessions among ones too short to name a
 * session, of no session, and from a neighbour's peer. Each kept frame has
 * its own session, in order, and each drop is counted once. */
static void test_gate_many_sessions_burst(void **state)
{
	enum { N = 64, BURST = 100, LEN = 4 + 4 + 60 };
	static struct pw_session s[N];
	static struct pw_tunnel_slot slots[2 * N];
	static uint8_t bufs[BURST][LEN];
	struct pw_tunnel t = { .encap = PW_ENCAP_UDP, .sessions = s, .n_sessions = N };
	struct pw_pkt pk[BURST], *pkts[BURST];
	struct pw_session *sess[BURST], *want[BURST];
	unsigned n_want = 0, shorts = 0, unknown = 0, foreign = 0;

	(void)state;
	for (unsigned i = 0; i < N; i++) {
		struct pw_session_cfg c = { .encap = PW_ENCAP_UDP, .session_id = 1000 + i,
					    .peer_session_id = 1 };

		pw_session_init(&s[i], &c);
		s[i].peer = gate_peer(PW_ENCAP_UDP);
		s[i].peer.port = htons((uint16_t)(2000 + i));
	}
	assert_true(pw_tunnel_index(&t, slots, pw_tunnel_slots(N)));
	for (unsigned k = 0; k < BURST; k++) {
		unsigned i = (k * 37) % N;

		memset(bufs[k], 0, LEN);
		store_be32(bufs[k], PW_UDP_WORD);
		store_be32(bufs[k] + 4, 1000 + i);
		bufs[k][8] = (uint8_t)k; /* told apart on the way out */
		pk[k] = (struct pw_pkt){ .buf = bufs[k], .cap = LEN, .data = bufs[k], .len = LEN,
					 .peer = s[i].peer };
		switch (k % 7) {
		case 2:
			pk[k].len = 6; /* no room for a session id */
			shorts++;
			break;
		case 4:
			store_be32(bufs[k] + 4, 5000 + k); /* no such session */
			unknown++;
			break;
		case 5:
			pk[k].peer = s[(i + 1) % N].peer;
			foreign++;
			break;
		default:
			want[n_want++] = &s[i];
		}
		pkts[k] = &pk[k];
	}
	assert_int_equal(pw_decap_burst(&t, pkts, BURST, sess), n_want);
	for (unsigned j = 0, k = 0; j < n_want; j++, k++) {
		while (k % 7 == 2 || k % 7 == 4 || k % 7 == 5)
			k++;
		assert_ptr_equal(pkts[j], &pk[k]);
		assert_ptr_equal(sess[j], want[j]);
		assert_int_equal(pkts[j]->data[0], k);
	}
	assert_int_equal(t.stats.rx_short, shorts);
	assert_int_equal(t.stats.rx_bad_session, unknown);
	assert_int_equal(t.stats.rx_bad_source, foreign);
	for (unsigned i = 0, total = 0; i < N; i++) {
		total += (unsigned)s[i].stats.rx_packets;
		if (i == N - 1)
			assert_int_equal(total, n_want);
	}
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

/* A UDP socket on 127.0.0.1, an ephemeral port, bursts of `burst`; its
 * address into *at. */
static struct pw_xport *udp_on_lo_burst(struct pw_tunnel_stats *st, struct pw_addr *at,
					unsigned burst)
{
	struct pw_xport_cfg c = { .encap = PW_ENCAP_UDP, .family = AF_INET, .burst = burst };
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

static struct pw_xport *udp_on_lo(struct pw_tunnel_stats *st, struct pw_addr *at)
{
	return udp_on_lo_burst(st, at, 16);
}

/* Bursts of `n` from x until `want` datagrams came (loopback delivers at
 * once; a few tries for the scheduler's sake): how many each burst held,
 * into got[0..max), and how many bursts. */
static unsigned bursts_of(struct pw_xport *x, unsigned n, unsigned want, unsigned *got,
			  unsigned max)
{
	static uint8_t mem[64][300];
	struct pw_pkt rx[64], *rxp[64];
	unsigned bursts = 0, total = 0;

	assert_true(n <= 64);
	for (int tries = 0; tries < 1000 && total < want; tries++) {
		int k;

		for (unsigned i = 0; i < n; i++) {
			rx[i] = (struct pw_pkt){ .buf = mem[i], .cap = sizeof(mem[i]) };
			rxp[i] = &rx[i];
		}
		k = x->ops->rx_burst(x, rxp, n);
		assert_true(k >= 0);
		if (k) {
			assert_true(bursts < max);
			got[bursts++] = (unsigned)k;
			total += (unsigned)k;
		}
	}
	return bursts;
}

/* xa sends runs of runs[0], runs[1]... datagrams, each run's longer than
 * the last (one UDP_SEGMENT message each: a shorter one may end a run);
 * xb, asked for bursts of n, must hand them over as `want` says. */
static void check_bursts(struct pw_xport *xa, struct pw_xport *xb, struct pw_addr *b,
			 const unsigned *runs, unsigned n_runs, unsigned n, const unsigned *want,
			 unsigned n_want)
{
	static uint8_t frames[128][200];
	struct pw_pkt tx[128], *txp[128];
	unsigned got[8], total = 0, bursts;

	for (unsigned r = 0; r < n_runs; r++) {
		for (unsigned i = 0; i < runs[r]; i++, total++) {
			tx[total] = (struct pw_pkt){ .buf = frames[total], .cap = 200,
						     .data = frames[total], .len = 60 + 20 * r,
						     .hdr_len = 4, .peer = *b };
			txp[total] = &tx[total];
		}
	}
	assert_int_equal(xa->ops->tx_burst(xa, txp, total), total);
	bursts = bursts_of(xb, n, total, got, 8);
	assert_int_equal(bursts, n_want);
	for (unsigned i = 0; i < n_want; i++)
		assert_int_equal(got[i], want[i]);
}

/* With UDP GRO, a message of a peer's datagrams (a run it sent with
 * UDP_SEGMENT) is lent whole where it fits what is left of a burst: the
 * burst ends before it rather than split it (the TAP could then only write
 * it as two joins). One longer than a burst is split, and its rest goes
 * first in the next, with what fits after it. */
static void test_socket_gro_messages_kept_whole(void **state)
{
	struct pw_tunnel_stats sa = { 0 }, sb = { 0 };
	struct pw_addr a, b;
	struct pw_xport *xa = udp_on_lo_burst(&sa, &a, 128), *xb = udp_on_lo_burst(&sb, &b, 64);

	(void)state;
	check_bursts(xa, xb, &b, (unsigned[]){ 40, 30, 40 }, 3, 64, (unsigned[]){ 40, 30, 40 }, 3);
	/* exactly what is left: taken */
	check_bursts(xa, xb, &b, (unsigned[]){ 40, 24 }, 2, 64, (unsigned[]){ 64 }, 1);
	/* more than a burst: split, its rest and the next message together */
	check_bursts(xa, xb, &b, (unsigned[]){ 40, 20 }, 2, 32, (unsigned[]){ 32, 28 }, 2);
	assert_int_equal(sa.tx_errors + sb.rx_short + sb.rx_truncated, 0);
	pw_xport_close(xa);
	pw_xport_close(xb);
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

/* --- layouts 4 bytes apart: the shift hint ---------------------------------- */

/* Frames as hosts send them, built here from the RFCs (not from the code
 * under test): each kind the hint reads, and kinds it must leave alone. */
enum frame_kind { F_IPV4, F_IPV4_PADDED, F_IPV6_ND, F_ARP, F_ARP_PADDED, F_VLAN_IPV4,
		  F_QINQ_IPV6, F_LLDP, F_STP, F_MPLS, F_KINDS };

/* The hint can tell these apart when shifted; the rest carry no type it
 * reads. Early, a tagged frame loses its tag's first bytes and looks like
 * the frame inside: nothing to tell (the others of a period do). */
static bool hinted(enum frame_kind k, bool early)
{
	if (early && (k == F_VLAN_IPV4 || k == F_QINQ_IPV6))
		return false;
	return k != F_LLDP && k != F_STP && k != F_MPLS;
}

static uint16_t ipv4_csum(const uint8_t *h, unsigned len)
{
	uint32_t sum = 0;

	for (unsigned i = 0; i < len; i += 2)
		sum += (uint32_t)h[i] << 8 | h[i + 1];
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* An IPv4 header (20 bytes, ICMP) for a datagram of tot bytes at h. */
static void ipv4_hdr(uint8_t *h, uint16_t tot)
{
	static const uint8_t v4[20] = { 0x45, 0, 0, 0, 0x12, 0x34, 0x40, 0, 64, 1, 0, 0,
					192, 168, 7, 1, 192, 168, 7, 2 };

	memcpy(h, v4, 20);
	store_be16(h + 2, tot);
	store_be16(h + 10, ipv4_csum(h, 20));
	for (unsigned i = 20; i < tot; i++)
		h[i] = (uint8_t)(i * 7);
}

static void ipv6_hdr(uint8_t *h, uint16_t plen, uint8_t next)
{
	memset(h, 0, 40);
	h[0] = 0x60;
	store_be16(h + 4, plen);
	h[6] = next;
	h[7] = 255;
	h[8] = 0xfe, h[9] = 0x80, h[23] = 1;
	h[24] = 0xff, h[25] = 0x02, h[39] = 1;
	for (unsigned i = 40; i < 40u + plen; i++)
		h[i] = (uint8_t)(i * 13);
}

/* The frame of kind k into f: its length. MACs whose bytes 2-3 read as no
 * type at all, as nearly all do. */
static uint32_t make_frame(enum frame_kind k, uint8_t *f)
{
	static const uint8_t macs[12] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
					  0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };
	static const uint8_t arp[28] = { 0, 1, 8, 0, 6, 4, 0, 1, 0x52, 0x54, 0, 0x12, 0x34, 0x56,
					 192, 168, 7, 1, 0, 0, 0, 0, 0, 0, 192, 168, 7, 2 };
	static const uint8_t lldp[] = { 0x02, 0x07, 0x04, 0x52, 0x54, 0x00, 0x12, 0x34, 0x56,
					0x04, 0x04, 0x05, 'p', 'w', '0', 0x06, 0x02, 0x00, 0x78,
					0x00, 0x00 };
	static const uint8_t bpdu[] = { 0x42, 0x42, 0x03, 0, 0, 0, 0, 0x80, 0, 0x52, 0x54, 0,
					0x12, 0x34, 0x56, 0, 0, 0, 0, 0x80, 0, 0x52, 0x54, 0,
					0x12, 0x34, 0x56, 0x80, 0x01, 0, 0, 0x14, 0, 0x02, 0,
					0x0f, 0 };
	uint32_t len;

	memset(f, 0, 128);
	memcpy(f, macs, 12);
	switch (k) {
	case F_IPV4:
		store_be16(f + 12, 0x0800);
		ipv4_hdr(f + 14, 84); /* a ping */
		return 14 + 84;
	case F_IPV4_PADDED:
		store_be16(f + 12, 0x0800);
		ipv4_hdr(f + 14, 28); /* a UDP datagram of 0 bytes, padded */
		return 60;
	case F_IPV6_ND:
		store_be16(f + 12, 0x86dd);
		ipv6_hdr(f + 14, 32, 58);
		return 14 + 40 + 32;
	case F_ARP:
	case F_ARP_PADDED:
		store_be16(f + 12, 0x0806);
		memcpy(f + 14, arp, sizeof(arp));
		return k == F_ARP ? 42 : 60;
	case F_VLAN_IPV4:
		store_be16(f + 12, 0x8100);
		store_be16(f + 14, 5);
		store_be16(f + 16, 0x0800);
		ipv4_hdr(f + 18, 84);
		return 18 + 84;
	case F_QINQ_IPV6:
		store_be16(f + 12, 0x88a8);
		store_be16(f + 14, 100);
		store_be16(f + 16, 0x8100);
		store_be16(f + 18, 5);
		store_be16(f + 20, 0x86dd);
		ipv6_hdr(f + 22, 20, 6);
		return 22 + 40 + 20;
	case F_LLDP:
		f[0] = 0x01, f[1] = 0x80, f[2] = 0xc2, f[3] = 0, f[4] = 0, f[5] = 0x0e;
		store_be16(f + 12, 0x88cc);
		memcpy(f + 14, lldp, sizeof(lldp));
		len = 14 + sizeof(lldp);
		return len < 60 ? 60 : len;
	case F_STP: /* 802.3 with a length, LLC, a configuration BPDU, padded */
		f[0] = 0x01, f[1] = 0x80, f[2] = 0xc2, f[3] = 0, f[4] = 0, f[5] = 0;
		store_be16(f + 12, sizeof(bpdu));
		memcpy(f + 14, bpdu, sizeof(bpdu));
		return 60;
	case F_MPLS:
		store_be16(f + 12, 0x8847);
		store_be32(f + 14, 16u << 12 | 1u << 8 | 64); /* label 16, bottom, TTL 64 */
		ipv4_hdr(f + 18, 84);
		return 18 + 84;
	default:
		fail();
		return 0;
	}
}

/* A datagram from a peer laid out as tx (encap UDP), carrying frame f,
 * offered to receiver r: the verdict; the frame delivered in *out. */
static enum pw_rx_verdict shift_offer(struct pw_session *tx, struct pw_session *r,
				      const uint8_t *f, uint32_t len, struct pw_pkt *out)
{
	static uint8_t buf[BUF];
	struct pw_pkt p = { .buf = (uint8_t *)f, .cap = BUF, .data = (uint8_t *)f, .len = len };
	struct pw_pkt *burst[1] = { &p };
	struct pw_tunnel t = { .encap = PW_ENCAP_UDP, .sessions = r, .n_sessions = 1 };
	struct pw_session *found;

	pw_encap_burst(tx, burst, 1);
	memcpy(buf, p.hdr, p.hdr_len);
	memcpy(buf + p.hdr_len, f, len);
	*out = (struct pw_pkt){ .buf = buf, .cap = BUF, .data = buf, .len = p.hdr_len + len,
				.peer = r->peer };
	return pw_decap(&t, out, &found);
}

/* Every kind of frame from a peer laid out by (l2tx, seqtx, cookie tx_clen) to a
 * receiver expecting (l2rx, cookie rx_clen): each delivered, at the length its
 * layout gives, and the hint counters as want_late / want_early say for the
 * kinds it reads (never for the others). */
static void shift_case(enum pw_l2spec l2tx, unsigned seqtx, unsigned tx_clen,
		       enum pw_l2spec l2rx, unsigned rx_clen, bool want_late, bool want_early)
{
	static const struct pw_cookie ck = { 4, { 9, 8, 7, 6 } };
	struct pw_session_cfg ct = { .encap = PW_ENCAP_UDP, .session_id = 2, .peer_session_id = 1,
				     .l2spec = l2tx, .seq = seqtx },
			      cr = { .encap = PW_ENCAP_UDP, .session_id = 1, .peer_session_id = 2,
				     .l2spec = l2rx };
	struct pw_session tx, r;
	uint8_t f[128];
	uint64_t hinted_n = 0, n = 0;
	int shift = (int)(tx_clen + (l2tx ? 4 : 0)) - (int)(rx_clen + (l2rx ? 4 : 0));

	ct.cookie = ck, ct.cookie.len = (uint8_t)tx_clen;
	cr.peer_cookie = ck, cr.peer_cookie.len = (uint8_t)rx_clen;
	pw_session_init(&tx, &ct);
	pw_session_init(&r, &cr);
	r.peer = (struct pw_addr){ .family = AF_INET, .port = htons(1701), .addr = { 10, 0, 0, 2 } };
	for (unsigned round = 0; round < 3; round++)
		for (int k = 0; k < F_KINDS; k++) {
			uint32_t len = make_frame((enum frame_kind)k, f);
			uint64_t late = r.stats.rx_unexpected_sublayer,
				 early = r.stats.rx_missing_sublayer;
			struct pw_pkt out;

			assert_int_equal(shift_offer(&tx, &r, f, len, &out), PW_RX_OK);
			assert_int_equal(out.len, (uint32_t)((int)len + shift));
			if (shift <= 0)
				assert_memory_equal(out.data, f - shift, out.len);
			n++;
			hinted_n += hinted((enum frame_kind)k, want_early);
			if (!hinted((enum frame_kind)k, want_early)) {
				assert_int_equal(r.stats.rx_unexpected_sublayer, late);
				assert_int_equal(r.stats.rx_missing_sublayer, early);
			} else {
				assert_int_equal(r.stats.rx_unexpected_sublayer, late + want_late);
				assert_int_equal(r.stats.rx_missing_sublayer, early + want_early);
			}
		}
	assert_int_equal(r.stats.rx_packets, n);
	assert_int_equal(r.stats.rx_unexpected_sublayer, want_late ? hinted_n : 0);
	assert_int_equal(r.stats.rx_missing_sublayer, want_early ? hinted_n : 0);
}

/* Matching layouts: real frames of every kind are delivered and never
 * counted as shifted. */
static void test_shift_none_when_layouts_match(void **state)
{
	(void)state;
	for (int l2 = PW_L2SPEC_NONE; l2 <= PW_L2SPEC_COUNTER32; l2++)
		for (unsigned c = 0; c <= 8; c += 4) {
			shift_case((enum pw_l2spec)l2, PW_SEQ_NONE, c, (enum pw_l2spec)l2, c, false,
				   false);
			if (l2 != PW_L2SPEC_NONE)
				shift_case((enum pw_l2spec)l2, PW_SEQ_SEND, c,
					   (enum pw_l2spec)l2, c, false, false);
		}
}

/* The peer sends a sublayer (Linux's default, with and without numbers; a
 * QEMU counter), or a 4-byte cookie, that we do not expect: late. */
static void test_shift_unexpected_sublayer(void **state)
{
	(void)state;
	shift_case(PW_L2SPEC_DEFAULT, PW_SEQ_NONE, 0, PW_L2SPEC_NONE, 0, true, false);
	shift_case(PW_L2SPEC_DEFAULT, PW_SEQ_SEND, 0, PW_L2SPEC_NONE, 0, true, false);
	shift_case(PW_L2SPEC_COUNTER32, PW_SEQ_SEND, 0, PW_L2SPEC_NONE, 0, true, false);
	shift_case(PW_L2SPEC_DEFAULT, PW_SEQ_NONE, 8, PW_L2SPEC_NONE, 8, true, false);
	shift_case(PW_L2SPEC_NONE, PW_SEQ_NONE, 4, PW_L2SPEC_NONE, 0, true, false);
	shift_case(PW_L2SPEC_DEFAULT, PW_SEQ_NONE, 4, PW_L2SPEC_DEFAULT, 0, true, false);
}

/* We expect a sublayer the peer does not send: our sublayer takes the
 * frame's first 4 bytes, early. */
static void test_shift_missing_sublayer(void **state)
{
	(void)state;
	shift_case(PW_L2SPEC_NONE, PW_SEQ_NONE, 0, PW_L2SPEC_DEFAULT, 0, false, true);
	shift_case(PW_L2SPEC_NONE, PW_SEQ_NONE, 0, PW_L2SPEC_COUNTER32, 0, false, true);
	shift_case(PW_L2SPEC_NONE, PW_SEQ_NONE, 8, PW_L2SPEC_DEFAULT, 8, false, true);
}

/* Frames of a type the cheap test does not know, with 4 bytes further in
 * an IPv4, IPv6 or ARP message that misses by one field: none counted;
 * each with that field right: counted (so it is that field that decides). */
static void test_shift_near_misses(void **state)
{
	struct pw_session_cfg c = { .encap = PW_ENCAP_UDP, .session_id = 1, .peer_session_id = 1 };
	struct pw_session s;
	uint8_t f[4 + 128];

	(void)state;
	pw_session_init(&s, &c);
	s.peer = (struct pw_addr){ .family = AF_INET, .port = htons(1701), .addr = { 10, 0, 0, 2 } };
	for (unsigned miss = 0; miss < 2; miss++)
		for (unsigned k = 0; k < 6; k++) {
			uint32_t len = 0;
			uint64_t was = s.stats.rx_unexpected_sublayer;
			struct pw_pkt out;

			memset(f, 0x11, sizeof(f));
			store_be16(f + 12, 0x88b5); /* local experimental */
			switch (k) {
			case 0: /* IPv4: the header checksum */
				store_be16(f + 16, 0x0800);
				ipv4_hdr(f + 18, 84);
				f[18 + 11] ^= miss;
				len = 18 + 84;
				break;
			case 1: /* IPv4: bytes past the datagram beyond the minimum frame */
				store_be16(f + 16, 0x0800);
				ipv4_hdr(f + 18, 60);
				len = 18 + 60 + (miss ? 1 : 0);
				break;
			case 2: /* IPv6: the payload length */
				store_be16(f + 16, 0x86dd);
				ipv6_hdr(f + 18, 32, 58);
				len = 18 + 40 + 32 + miss;
				break;
			case 3: /* ARP: the operation */
				make_frame(F_ARP, f + 4);
				store_be16(f + 12, 0x88b5);
				f[4 + 21] = miss ? 3 : 1;
				len = 4 + 42;
				break;
			case 4: /* IPv4 behind a tag: the version */
				store_be16(f + 16, 0x8100);
				store_be16(f + 18, 5);
				store_be16(f + 20, 0x0800);
				ipv4_hdr(f + 22, 84);
				f[22] = miss ? 0x55 : 0x45;
				store_be16(f + 22 + 10, 0);
				store_be16(f + 22 + 10, ipv4_csum(f + 22, 20));
				len = 22 + 84;
				break;
			case 5: /* IPv4 behind tags: two are read past, not three */
				store_be16(f + 16, 0x88a8);
				store_be16(f + 18, 100);
				store_be16(f + 20, 0x8100);
				store_be16(f + 22, 5);
				store_be16(f + 24 + 4 * miss, 0x0800);
				if (miss)
					store_be16(f + 24, 0x8100), store_be16(f + 26, 6);
				ipv4_hdr(f + 26 + 4 * miss, 84);
				len = 26 + 4 * miss + 84;
				break;
			}
			assert_int_equal(shift_offer(&s, &s, f, len, &out), PW_RX_OK);
			assert_int_equal(s.stats.rx_unexpected_sublayer, was + !miss);
		}
	assert_int_equal(s.stats.rx_missing_sublayer, 0);
}

/* Arbitrary frames with matching layouts, a million: not one counted. The
 * hint needs a frame that fails the cheap test and is a whole IPv4, IPv6
 * or ARP message 4 bytes away. */
static void test_shift_random_frames(void **state)
{
	struct pw_session_cfg c = { .encap = PW_ENCAP_UDP, .session_id = 1, .peer_session_id = 1 };
	struct pw_session s;
	unsigned seed = 14;
	uint8_t f[128];

	(void)state;
	pw_session_init(&s, &c);
	s.peer = (struct pw_addr){ .family = AF_INET, .port = htons(1701), .addr = { 10, 0, 0, 2 } };
	for (unsigned i = 0; i < 1000000; i++) {
		uint32_t len = PW_ETH_HLEN + (uint32_t)rand_r(&seed) % (sizeof(f) - PW_ETH_HLEN);
		struct pw_pkt out;

		for (uint32_t k = 0; k < len; k++)
			f[k] = (uint8_t)rand_r(&seed);
		assert_int_equal(shift_offer(&s, &s, f, len, &out), PW_RX_OK);
	}
	assert_int_equal(s.stats.rx_unexpected_sublayer + s.stats.rx_missing_sublayer, 0);
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
		cmocka_unit_test(test_gate_many_sessions_burst),
		cmocka_unit_test(test_gate_bad_cookie),
		cmocka_unit_test(test_gate_no_sequence),
		cmocka_unit_test(test_gate_out_of_order),
		cmocka_unit_test(test_decap_burst_keeps_order_and_buffers),
		cmocka_unit_test(test_loop_full_and_truncated),
		cmocka_unit_test(test_socket_per_packet_peer),
		cmocka_unit_test(test_socket_gro_messages_kept_whole),
		cmocka_unit_test(test_shift_none_when_layouts_match),
		cmocka_unit_test(test_shift_unexpected_sublayer),
		cmocka_unit_test(test_shift_missing_sublayer),
		cmocka_unit_test(test_shift_near_misses),
		cmocka_unit_test(test_shift_random_frames),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
