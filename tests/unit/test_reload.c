/* SPDX-License-Identifier: MIT */
/*
 * test_reload.c: the plan of pwired's reload (daemon/reload.h): sections
 * matched by name, compared by their normalized text; removals planned with
 * the summary line, an added or changed section refusing the whole reload
 * with FILE:LINE and its name, a change of spelling only (same normalized
 * text) being no change.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "daemon/conf.h"
#include "daemon/reload.h"

/* Section vmN (its own TAP and UDP port), with one more line. */
static void section(char *buf, size_t len, unsigned n, const char *extra)
{
	size_t at = strlen(buf);

	snprintf(buf + at, len - at,
		 "[vm%u]\nvnic = tap:rl%u\nlocal = 10.0.0.1\nremote = 10.0.0.2\n"
		 "udp_sport = %u\nudp_dport = %u\nsession_id = %u\npeer_session_id = %u\n%s\n",
		 n, n, 1700 + n, 1700 + n, n, 100 + n, extra);
}

static void parse(struct pw_conf *c, const char *text)
{
	struct pw_err e;

	pw_err_init(&e);
	if (!pw_conf_parse(c, "t.conf", text, strlen(text), &e))
		fail_msg("%s", pw_err_msg(&e));
}

/* Plan old -> new; the summary or the first error in out. */
static bool plan(const char *old_text, const char *new_text, struct pw_reload_plan *p,
		 char *out, size_t len)
{
	struct pw_conf old, new;
	struct pw_err e;
	bool ok;

	parse(&old, old_text);
	parse(&new, new_text);
	pw_err_init(&e);
	ok = pw_reload_plan(&old, &new, "t.conf", p, out, len, &e);
	assert_int_equal(ok, !pw_err_failed(&e));
	if (!ok) {
		snprintf(out, len, "%s", pw_err_msg(&e));
		assert_null(p->new_of_old);
	}
	pw_conf_free(&old);
	pw_conf_free(&new);
	return ok;
}

static void test_removed_and_unchanged(void **state)
{
	char a[2048] = "", b[2048] = "", line[256];
	struct pw_reload_plan p;

	(void)state;
	section(a, sizeof(a), 1, "");
	section(a, sizeof(a), 2, "");
	section(a, sizeof(a), 3, "");
	/* vm3 first, vm2 gone, vm1 spelled otherwise (a default said aloud). */
	section(b, sizeof(b), 3, "");
	section(b, sizeof(b), 1, "encap = udp");
	assert_true(plan(a, b, &p, line, sizeof(line)));
	assert_string_equal(line, "reload: removed vm2; 2 unchanged");
	assert_int_equal(p.new_of_old[0], 1);
	assert_int_equal(p.new_of_old[1], -1);
	assert_int_equal(p.new_of_old[2], 0);
	assert_int_equal(p.removed, 1);
	assert_int_equal(p.unchanged, 2);
	pw_reload_plan_free(&p);

	assert_true(plan(a, a, &p, line, sizeof(line)));
	assert_string_equal(line, "reload: 3 unchanged");
	pw_reload_plan_free(&p);
}

static void test_added_refused(void **state)
{
	char a[2048] = "", b[2048] = "", line[256];
	struct pw_reload_plan p;

	(void)state;
	section(a, sizeof(a), 1, "");
	section(b, sizeof(b), 1, "");
	section(b, sizeof(b), 2, "");
	assert_false(plan(a, b, &p, line, sizeof(line)));
	assert_non_null(strstr(line, "t.conf:10: adding vm2 needs a restart: "));
}

static void test_changed_refused(void **state)
{
	char a[2048] = "", b[2048] = "", line[256];
	struct pw_reload_plan p;

	(void)state;
	section(a, sizeof(a), 1, "");
	section(a, sizeof(a), 2, "");
	section(b, sizeof(b), 1, "");
	section(b, sizeof(b), 2, "mtu = 1400");
	assert_false(plan(a, b, &p, line, sizeof(line)));
	assert_non_null(strstr(line, "t.conf:10: changing vm2 needs a restart: "));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_removed_and_unchanged),
		cmocka_unit_test(test_added_refused),
		cmocka_unit_test(test_changed_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
