/* SPDX-License-Identifier: MIT */
/*
 * test_vectors.c: golden packets captured from real UML and QEMU peers
 * (tests/vectors/) decode to the expected session, cookie, counter and inner
 * frame, and pwire encodes the very same bytes from the same parameters.
 * The expected values are the .vec file's, which extract.py decoded from the
 * captures on its own; pwire's reading of the counter is checked through its
 * `seq recv` state, not by reading the vector's bytes again.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "vec.h"

static struct vec *vecs;
static size_t n_vecs;

static void session_rx(const struct vec *v, struct pw_session *s)
{
	struct pw_session_cfg cfg = {
		.encap = v->encap,
		.session_id = v->session,
		.peer_session_id = 99,
		.peer_cookie = v->cookie,
		.l2spec = v->l2spec,
		.seq = v->l2spec == PW_L2SPEC_COUNTER32 ? PW_SEQ_RECV : PW_SEQ_NONE,
	};
	pw_session_init(s, &cfg);
}

static void session_tx(const struct vec *v, struct pw_session *s)
{
	struct pw_session_cfg cfg = {
		.encap = v->encap,
		.session_id = 99,
		.peer_session_id = v->session,
		.cookie = v->cookie,
		.l2spec = v->l2spec,
		/* A pinned counter (QEMU pincounter, UML pin_counter) sends 0. */
		.seq = v->l2spec == PW_L2SPEC_COUNTER32 && v->counter ? PW_SEQ_SEND : PW_SEQ_NONE,
	};
	pw_session_init(s, &cfg);
	s->tx_seq = v->counter;
}

static void test_decode(void **state)
{
	(void)state;
	for (size_t i = 0; i < n_vecs; i++) {
		const struct vec *v = &vecs[i];
		struct pw_session s, *found = NULL;
		struct pw_tunnel t = { .encap = v->encap, .sessions = &s, .n_sessions = 1 };
		uint8_t buf[VEC_BYTES];
		struct pw_pkt p = { .buf = buf, .cap = sizeof(buf), .data = buf, .len = v->l2tp_len };

		memcpy(buf, v->l2tp, v->l2tp_len);
		session_rx(v, &s);
		print_message("decode %s\n", v->name);
		assert_int_equal(pw_decap(&t, &p, &found), PW_RX_OK);
		assert_ptr_equal(found, &s);
		assert_int_equal(p.len, v->frame_len);
		assert_memory_equal(p.data, v->frame, v->frame_len);
		assert_int_equal(s.stats.rx_packets, 1);
		assert_int_equal(s.stats.rx_bytes, v->frame_len);
		if (v->l2spec == PW_L2SPEC_COUNTER32) {
			/* seq recv expects the number after the one pwire read. */
			assert_true(s.rx_seq_valid);
			assert_int_equal(s.rx_seq, v->counter + 1);
			/* The same number again is behind the expected one. */
			memcpy(buf, v->l2tp, v->l2tp_len);
			p = (struct pw_pkt){ .buf = buf, .cap = sizeof(buf), .data = buf,
					     .len = v->l2tp_len };
			assert_int_equal(pw_decap(&t, &p, &found), PW_RX_OOS);
			assert_int_equal(s.stats.rx_oos_packets, 1);
		}
	}
}

static void test_encode(void **state)
{
	(void)state;
	for (size_t i = 0; i < n_vecs; i++) {
		const struct vec *v = &vecs[i];
		uint8_t frame[VEC_BYTES];
		struct pw_pkt p = { .buf = frame, .cap = sizeof(frame), .data = frame,
				    .len = v->frame_len };
		struct pw_pkt *burst[] = { &p };
		struct pw_session s;

		memcpy(frame, v->frame, v->frame_len);
		session_tx(v, &s);
		pw_encap_burst(&s, burst, 1);
		print_message("encode %s\n", v->name);
		assert_int_equal(p.hdr_len + p.len, v->l2tp_len);
		assert_memory_equal(p.hdr, v->l2tp, p.hdr_len);
		assert_memory_equal(p.data, v->l2tp + p.hdr_len, p.len);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decode),
		cmocka_unit_test(test_encode),
	};

	vecs = vec_load_all(&n_vecs);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
