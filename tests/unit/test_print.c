/* SPDX-License-Identifier: MIT */
/*
 * test_print.c: names users give reach JSON escaped (RFC 8259) and text
 * with control characters shown as \xNN, never raw; the shifted-frames line
 * of the drop log, once per episode; rx_idle_seconds in every form.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "cli/print.h"
#include "fast/fastpath.h"

/* Print the counters of a pseudowire on device `name`; the caller frees. */
static char *report(const char *name, bool json)
{
	static struct pw_session s;
	static struct pw_tunnel_stats t;
	static struct pw_vnic_stats v;
	struct pw_report r = { .ifname = name, .session = &s, .tunnel = &t, .vnic = &v };
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	assert_non_null(f);
	s.cfg.session_id = 7;
	s.cfg.peer_session_id = 9;
	pw_print_counters(f, &r, json);
	fclose(f);
	return out;
}

static void test_json_escapes_names(void **state)
{
	char *out = report("a\"b\\c\x01\x1f\x7f", true);

	(void)state;
	assert_memory_equal(out, "{\"ifname\":\"a\\\"b\\\\c\\u0001\\u001f\\u007f\",\"session_id\":7,",
			    strlen("{\"ifname\":\"a\\\"b\\\\c\\u0001\\u001f\\u007f\",\"session_id\":7,"));
	free(out);
}

static void test_text_shows_control_characters(void **state)
{
	char *out = report("a\"b\\c\x1b[2J", false);
	const char *want = "a\"b\\x5cc\\x1b[2J: session_id 7 peer_session_id 9\n";

	(void)state;
	assert_memory_equal(out, want, strlen(want));
	for (const char *p = out; *p; p++)
		assert_true(*p == '\n' || (unsigned char)*p >= 0x20);
	free(out);
}

static void test_text_name_fits(void **state)
{
	char buf[PW_TEXT_NAME_MAX];
	char name[16];

	(void)state;
	memset(name, 0x01, 15);
	name[15] = '\0';
	pw_text_name(name, buf, sizeof(buf));
	assert_int_equal(strlen(buf), 15 * 4);
	/* A buffer too small cuts the name at a whole character. */
	pw_text_name(name, buf, 10);
	assert_string_equal(buf, "\\x01\\x01");
}

/* What pw_print_drops says for session s (counters as set by the caller)
 * after one more period; the caller frees. */
static char *drops(struct pw_session *s, struct pw_drop_marks *m)
{
	static struct pw_tunnel_stats t;
	static struct pw_vnic_stats v;
	struct pw_report r = { .ifname = "pw0", .session = s, .tunnel = &t, .vnic = &v,
			       .marks = m };
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	assert_non_null(f);
	pw_print_drops(f, &r, m, 1);
	fclose(f);
	return out;
}

/* One period: rx more frames, of which shifted look shifted (late: 4 bytes
 * we do not expect; else our sublayer took 4); what was said. */
static char *period(struct pw_session *s, struct pw_drop_marks *m, unsigned rx, unsigned shifted,
		    bool late)
{
	s->stats.rx_packets += rx;
	if (late)
		s->stats.rx_unexpected_sublayer += shifted;
	else
		s->stats.rx_missing_sublayer += shifted;
	return drops(s, m);
}

static void said(char *out, const char *want)
{
	assert_string_equal(out, want);
	free(out);
}

/* Said when most of a period's frames look shifted, not again while that
 * lasts (quiet periods included), ended by a period where most do not,
 * said again when it comes back. */
static void test_shift_said_once_per_episode(void **state)
{
	struct pw_session_cfg c = { .session_id = 1, .peer_session_id = 2 };
	struct pw_drop_marks m = { 0 };
	struct pw_session s;
	const char *late = "pwire: pw0: frames from the peer look shifted by 4 bytes "
			   "(rx_unexpected_sublayer +3 of 3 frames): the peer seems to send a "
			   "sublayer that l2spec_type none does not expect: check l2spec_type on "
			   "both ends\n";

	(void)state;
	pw_session_init(&s, &c);
	said(period(&s, &m, 0, 0, true), "");
	said(period(&s, &m, 3, 3, true), late);
	said(period(&s, &m, 5, 5, true), "");
	said(period(&s, &m, 0, 0, true), "");
	said(period(&s, &m, 4, 3, true), "");
	said(period(&s, &m, 4, 2, true), "pwire: pw0: frames from the peer no longer look shifted\n");
	said(period(&s, &m, 4, 2, true), "");
	said(period(&s, &m, 3, 3, true), late);
}

/* Our sublayer takes 4 bytes of frames sent without one; and a shift the
 * sublayers do not explain (a cookie length) is said as that. */
static void test_shift_words(void **state)
{
	struct pw_session_cfg c = { .session_id = 1, .peer_session_id = 2,
				    .l2spec = PW_L2SPEC_DEFAULT };
	struct pw_drop_marks m = { 0 };
	struct pw_session s = { .cfg = c }; /* a report's: configuration and counters only */

	(void)state;
	said(period(&s, &m, 2, 2, false),
	     "pwire: pw0: frames from the peer look shifted by 4 bytes (rx_missing_sublayer +2 of 2 "
	     "frames): l2spec_type default takes 4 bytes of frames the peer seems to send without "
	     "a sublayer: check l2spec_type on both ends\n");
	memset(&m, 0, sizeof(m));
	memset(&s.stats, 0, sizeof(s.stats));
	said(period(&s, &m, 2, 2, true),
	     "pwire: pw0: frames from the peer look shifted by 4 bytes (rx_unexpected_sublayer +2 of "
	     "2 frames): the peer seems to send 4 bytes more before each frame than l2spec_type "
	     "default with a 0-byte peer_cookie expects: check l2spec_type on both ends (and the "
	     "cookie lengths)\n");
}

/* Counters and show with the drop log's marks: rx_idle_seconds, "never"
 * (null, +Inf) until a frame came, then the seconds the log counted. */
static char *print_with(struct pw_session *s, struct pw_drop_marks *m, int how)
{
	static struct pw_tunnel_stats t;
	static struct pw_vnic_stats v;
	struct pw_report r = { .ifname = "pw0", .session = s, .tunnel = &t, .vnic = &v,
			       .marks = m };
	struct pw_show sh = { "vm1", "tap:pw0", "udp", "10.0.0.1", "10.0.0.2", 1701, 1702, &r };
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	assert_non_null(f);
	if (how < 2)
		pw_print_counters(f, &r, how);
	else
		pw_print_sessions(f, &sh, 1, (enum pw_show_format)(how - 2));
	fclose(f);
	return out;
}

static void has(char *out, const char *want)
{
	if (!strstr(out, want))
		fail_msg("no '%s' in '%s'", want, out);
	free(out);
}

static void test_rx_idle_seconds(void **state)
{
	struct pw_session_cfg c = { .session_id = 7, .peer_session_id = 9 };
	struct pw_drop_marks m = { 0 };
	struct pw_session s = { .cfg = c }; /* a report's: configuration and counters only */

	(void)state;
	free(drops(&s, &m));
	free(drops(&s, &m));
	has(print_with(&s, &m, 0), "pw0: session_id 7 peer_session_id 9 rx_idle_seconds never\n");
	has(print_with(&s, &m, 1), "\"peer_session_id\":9,\"rx_idle_seconds\":null,\"session\":{");
	has(print_with(&s, &m, 2 + PW_SHOW_TEXT),
	    "\n  session_id 7 peer_session_id 9 rx_idle_seconds never\n");
	has(print_with(&s, &m, 2 + PW_SHOW_JSON),
	    "\"peer_session_id\":9,\"rx_idle_seconds\":null,\"counters\":{");
	has(print_with(&s, &m, 2 + PW_SHOW_PROMETHEUS),
	    "\n# TYPE pwire_rx_idle_seconds gauge\npwire_rx_idle_seconds{session=\"vm1\"} +Inf\n");
	/* A frame since the log last looked: 0. */
	s.stats.rx_packets = 1;
	has(print_with(&s, &m, 0), " rx_idle_seconds 0\n");
	for (int i = 0; i < 4; i++)
		free(drops(&s, &m));
	has(print_with(&s, &m, 0), "pw0: session_id 7 peer_session_id 9 rx_idle_seconds 3\n");
	has(print_with(&s, &m, 1), "\"rx_idle_seconds\":3,");
	has(print_with(&s, &m, 2 + PW_SHOW_TEXT), " peer_session_id 9 rx_idle_seconds 3\n");
	has(print_with(&s, &m, 2 + PW_SHOW_JSON), "\"rx_idle_seconds\":3,\"counters\"");
	has(print_with(&s, &m, 2 + PW_SHOW_PROMETHEUS), "\npwire_rx_idle_seconds{session=\"vm1\"} 3\n");
	s.stats.rx_packets = 2;
	has(print_with(&s, &m, 2 + PW_SHOW_JSON), "\"rx_idle_seconds\":0,");
	free(drops(&s, &m));
	free(drops(&s, &m));
	has(print_with(&s, &m, 1), "\"rx_idle_seconds\":1,");
}

/* The fast path's drops are said beside pwire's, named as its own (its
 * tx_errors is not the tunnel's); what it carried is not a drop. */
static void test_fast_path_drops_said(void **state)
{
	static struct pw_tunnel_stats t;
	static struct pw_vnic_stats v;
	struct pw_session_cfg c = { .session_id = 1, .peer_session_id = 2 };
	struct pw_fast_counters fast = { 0 };
	struct pw_drop_marks m = { 0 };
	struct pw_report r = { .ifname = "pw0", .tunnel = &t, .vnic = &v, .fast = &fast,
			       .marks = &m };
	struct pw_session s;

	(void)state;
	pw_session_init(&s, &c);
	r.session = &s;
	for (int k = 0; k < 3; k++) {
		char *out = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&out, &len);

		assert_non_null(f);
		fast.tx_packets += 100;
		fast.rx_packets += 50;
		if (k == 1)
			fast.tx_errors += 2;
		pw_print_drops(f, &r, &m, 1);
		fclose(f);
		said(out, k == 1 ? "pwire: pw0: dropped in the last 1 s: fastpath tx_errors +2\n" : "");
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_escapes_names),
		cmocka_unit_test(test_text_shows_control_characters),
		cmocka_unit_test(test_text_name_fits),
		cmocka_unit_test(test_shift_said_once_per_episode),
		cmocka_unit_test(test_shift_words),
		cmocka_unit_test(test_rx_idle_seconds),
		cmocka_unit_test(test_fast_path_drops_said),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
