/* SPDX-License-Identifier: MIT */
/*
 * test_spelling.c: each spelling produces the same bytes on the wire as the
 * peer that owns it. For every golden vector, the sender's own option string
 * (UML's vecN: options or QEMU's -netdev l2tpv3 suboptions, exactly as the
 * peer was started) is parsed by pwire's --uml/--qemu parser and must encode
 * the captured bytes; the receiver's option string must decode them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "cli/config.h"
#include "vec.h"

static struct vec *vecs;
static size_t n_vecs;

static void parse(const char *kind, const char *spec, struct pw_config *c)
{
	struct pw_err e;

	pw_config_init(c);
	pw_err_init(&e);
	if (!(!strcmp(kind, "uml") ? pw_uml_parse(c, spec, &e) : pw_qemu_parse(c, spec, &e)) ||
	    !pw_config_finish(c, &e))
		fail_msg("--%s '%s': %s", kind, spec, pw_err_msg(&e));
}

static void test_sender_spelling_encodes_capture(void **state)
{
	(void)state;
	for (size_t i = 0; i < n_vecs; i++) {
		const struct vec *v = &vecs[i];
		uint8_t frame[VEC_BYTES];
		struct pw_pkt p = { .buf = frame, .cap = sizeof(frame), .data = frame,
				    .len = v->frame_len };
		struct pw_pkt *burst[] = { &p };
		struct pw_config c;
		struct pw_session s;

		print_message("%s: --%s '%s'\n", v->name, v->sender, v->spec);
		parse(v->sender, v->spec, &c);
		assert_int_equal(c.xport.family, v->family == 6 ? AF_INET6 : AF_INET);
		pw_session_init(&s, &c.session);
		if (c.session.seq & PW_SEQ_SEND)
			s.tx_seq = v->counter; /* the peer had sent counter - 1 frames */
		memcpy(frame, v->frame, v->frame_len);
		pw_encap_burst(&s, burst, 1);
		assert_int_equal(p.hdr_len + p.len, v->l2tp_len);
		assert_memory_equal(p.hdr, v->l2tp, p.hdr_len);
	}
}

static void test_receiver_spelling_decodes_capture(void **state)
{
	(void)state;
	for (size_t i = 0; i < n_vecs; i++) {
		const struct vec *v = &vecs[i];
		uint8_t buf[VEC_BYTES];
		struct pw_pkt p = { .buf = buf, .cap = sizeof(buf), .data = buf, .len = v->l2tp_len };
		struct pw_config c;
		struct pw_session s, *found = NULL;
		struct pw_tunnel t = { .sessions = &s, .n_sessions = 1 };

		print_message("%s: --%s '%s'\n", v->name, v->receiver, v->receiver_spec);
		parse(v->receiver, v->receiver_spec, &c);
		pw_session_init(&s, &c.session);
		t.encap = c.session.encap;
		memcpy(buf, v->l2tp, v->l2tp_len);
		assert_int_equal(pw_decap(&t, &p, &found), PW_RX_OK);
		assert_int_equal(p.len, v->frame_len);
		assert_memory_equal(p.data, v->frame, v->frame_len);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sender_spelling_encodes_capture),
		cmocka_unit_test(test_receiver_spelling_decodes_capture),
	};

	vecs = vec_load_all(&n_vecs);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
