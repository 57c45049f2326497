/* SPDX-License-Identifier: MIT */
/*
 * test_sweep.c: a deterministic truncation and bit-flip sweep over every
 * golden vector. Each mutated datagram must either decode to a frame that
 * lies inside the buffer, or be dropped with exactly one counter moved by one.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "vec.h"

static struct vec *vecs;
static size_t n_vecs;

static uint64_t sum(const void *stats, size_t size)
{
	uint64_t total = 0, v;

	for (size_t off = 0; off < size; off += sizeof(v)) {
		memcpy(&v, (const char *)stats + off, sizeof(v));
		total += v;
	}
	return total;
}

/* Decode buf[0..len) with a fresh receiving session; check the invariant. */
static void check(const struct vec *v, const uint8_t *bytes, size_t len, bool truncated)
{
	uint8_t buf[VEC_BYTES];
	struct pw_session_cfg cfg = {
		.encap = v->encap, .session_id = v->session, .peer_session_id = 1,
		.peer_cookie = v->cookie, .l2spec = v->l2spec,
		.seq = v->l2spec == PW_L2SPEC_COUNTER32 ? PW_SEQ_RECV : PW_SEQ_NONE,
	};
	struct pw_session s, *found = NULL;
	struct pw_tunnel t = { .encap = v->encap, .sessions = &s, .n_sessions = 1 };
	struct pw_pkt p = { .buf = buf, .cap = sizeof(buf), .data = buf, .len = (uint32_t)len,
			    .truncated = truncated };
	enum pw_rx_verdict r;

	pw_session_init(&s, &cfg);
	memcpy(buf, bytes, len);
	r = pw_decap(&t, &p, &found);
	if (r == PW_RX_OK) {
		assert_false(truncated);
		assert_ptr_equal(found, &s);
		assert_true(p.data >= buf && p.data + p.len == buf + len);
		assert_int_equal(p.len, len - s.rx.len);
		assert_true(p.len >= PW_ETH_HLEN);
		assert_int_equal(s.stats.rx_packets, 1);
		return;
	}
	assert_int_equal(s.stats.rx_packets, 0);
	assert_int_equal(sum(&s.stats, sizeof(s.stats)) + sum(&t.stats, sizeof(t.stats)), 1);
}

static void test_truncation(void **state)
{
	(void)state;
	for (size_t i = 0; i < n_vecs; i++) {
		const struct vec *v = &vecs[i];

		for (size_t len = 0; len <= v->l2tp_len; len++)
			check(v, v->l2tp, len, false);
		check(v, v->l2tp, v->l2tp_len, true);
	}
}

static void test_bit_flips(void **state)
{
	(void)state;
	for (size_t i = 0; i < n_vecs; i++) {
		const struct vec *v = &vecs[i];
		size_t span = v->l2tp_len - v->frame_len + 16; /* header + start of frame */
		uint8_t m[VEC_BYTES];

		for (size_t bit = 0; bit < span * 8; bit++) {
			memcpy(m, v->l2tp, v->l2tp_len);
			m[bit / 8] ^= (uint8_t)(1u << (bit % 8));
			check(v, m, v->l2tp_len, false);
		}
	}
}

static void test_drops_have_the_right_reason(void **state)
{
	uint8_t m[VEC_BYTES];

	(void)state;
	for (size_t i = 0; i < n_vecs; i++) {
		const struct vec *v = &vecs[i];
		unsigned at = v->encap == PW_ENCAP_UDP ? 4 : 0;
		struct pw_session_cfg cfg = { .encap = v->encap, .session_id = v->session,
					      .peer_session_id = 1, .peer_cookie = v->cookie,
					      .l2spec = v->l2spec };
		struct pw_session s, *found;
		struct pw_tunnel t = { .encap = v->encap, .sessions = &s, .n_sessions = 1 };
		struct pw_pkt p = { .buf = m, .cap = sizeof(m), .data = m, .len = v->l2tp_len };

		pw_session_init(&s, &cfg);
		memcpy(m, v->l2tp, v->l2tp_len);
		m[at + 3] ^= 1; /* another session id */
		assert_int_equal(pw_decap(&t, &p, &found), PW_RX_BAD_SESSION);
		assert_int_equal(t.stats.rx_bad_session, 1);
		if (!v->cookie.len)
			continue;
		memcpy(m, v->l2tp, v->l2tp_len);
		m[at + 4] ^= 0x80; /* another cookie */
		p.data = m;
		assert_int_equal(pw_decap(&t, &p, &found), PW_RX_BAD_COOKIE);
		assert_int_equal(s.stats.rx_cookie_discards, 1);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_truncation),
		cmocka_unit_test(test_bit_flips),
		cmocka_unit_test(test_drops_have_the_right_reason),
	};

	vecs = vec_load_all(&n_vecs);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
