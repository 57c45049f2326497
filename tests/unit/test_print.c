/* SPDX-License-Identifier: MIT */
/*
 * test_print.c: names users give reach JSON escaped (RFC 8259) and text
 * with control characters shown as \xNN, never raw.
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_escapes_names),
		cmocka_unit_test(test_text_shows_control_characters),
		cmocka_unit_test(test_text_name_fits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
