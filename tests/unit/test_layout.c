/* SPDX-License-Identifier: MIT */
/*
 * test_layout.c: every header layout (encap x cookie x sublayer x offset)
 * against offsets computed independently from RFC 3931 §4.1.1.1 (IP),
 * §4.1.2.2 (UDP) and RFC 4719 §3, and that each direction takes its own
 * cookie and offset.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/session.h"

static void test_every_layout(void **state)
{
	static const unsigned cookies[] = { 0, 4, 8 };
	static const unsigned offsets[] = { 0, 1, 7, 256 };
	static const enum pw_l2spec modes[] = { PW_L2SPEC_NONE, PW_L2SPEC_DEFAULT,
						PW_L2SPEC_COUNTER32 };
	unsigned checked = 0;

	(void)state;
	for (int udp = 0; udp < 2; udp++)
		for (unsigned c = 0; c < 3; c++)
			for (unsigned m = 0; m < 3; m++)
				for (unsigned o = 0; o < 4; o++) {
					enum pw_encap e = udp ? PW_ENCAP_UDP : PW_ENCAP_IP;
					struct pw_layout l =
						pw_layout_of(e, cookies[c], modes[m], offsets[o]);
					unsigned word = udp ? 4 : 0;
					unsigned sub = modes[m] == PW_L2SPEC_NONE ? 0 : 4;

					assert_int_equal(l.session, word);
					assert_int_equal(l.cookie, word + 4);
					assert_int_equal(l.cookie_len, cookies[c]);
					assert_int_equal(l.sublayer, word + 4 + cookies[c]);
					assert_int_equal(l.sublayer_len, sub);
					assert_int_equal(l.pad, word + 4 + cookies[c] + sub);
					assert_int_equal(l.pad_len, offsets[o]);
					assert_int_equal(l.len, word + 4 + cookies[c] + sub + offsets[o]);
					assert_true(l.len <= PW_HDR_MAX);
					checked++;
				}
	assert_int_equal(checked, 72);
	/* The extremes: UDP 8..24, IP 4..20 before the pad (RFC 3931). */
	assert_int_equal(pw_layout_of(PW_ENCAP_UDP, 0, PW_L2SPEC_NONE, 0).len, 8);
	assert_int_equal(pw_layout_of(PW_ENCAP_UDP, 8, PW_L2SPEC_DEFAULT, 0).len, 20);
	assert_int_equal(pw_layout_of(PW_ENCAP_IP, 0, PW_L2SPEC_NONE, 0).len, 4);
	assert_int_equal(pw_layout_of(PW_ENCAP_IP, 8, PW_L2SPEC_COUNTER32, 0).len, 16);
	assert_int_equal(pw_layout_of(PW_ENCAP_UDP, 8, PW_L2SPEC_DEFAULT, PW_OFFSET_MAX).len,
			 PW_HDR_MAX);
}

static void test_directions_take_their_own_cookie_and_offset(void **state)
{
	struct pw_session_cfg cfg = {
		.encap = PW_ENCAP_UDP,
		.cookie = { .len = 8 },
		.peer_cookie = { .len = 4 },
		.l2spec = PW_L2SPEC_DEFAULT,
		.offset = 3,
		.peer_offset = 9,
	};
	struct pw_session s;

	(void)state;
	pw_session_init(&s, &cfg);
	assert_int_equal(s.tx.cookie_len, 8);
	assert_int_equal(s.tx.len, 4 + 4 + 8 + 4 + 3);
	assert_int_equal(s.rx.cookie_len, 4);
	assert_int_equal(s.rx.len, 4 + 4 + 4 + 4 + 9);
	/* The live session holds exactly what the pure function computes. */
	struct pw_layout tx = pw_layout_tx(&cfg), rx = pw_layout_rx(&cfg);
	assert_memory_equal(&s.tx, &tx, sizeof(tx));
	assert_memory_equal(&s.rx, &rx, sizeof(rx));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_layout),
		cmocka_unit_test(test_directions_take_their_own_cookie_and_offset),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
