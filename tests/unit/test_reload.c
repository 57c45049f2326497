/* SPDX-License-Identifier: MIT */
/*
 * test_reload.c: the plan of pwired's reload (daemon/reload.h): sections
 * matched by name, compared by their normalized text; removals planned with
 * the summary line, added and changed ones to open (joining the socket of a
 * section that stays, where theirs is), one with io_uring on refusing the
 * whole reload with FILE:LINE and its name, a change of spelling only
 * (same normalized text) being no change, a rewritten cookie_file a change.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "daemon/conf.h"
#include "daemon/reload.h"

/* Section vmN on UDP port `port`, with one more line. */
static void section_on(char *buf, size_t len, unsigned n, unsigned port, const char *extra)
{
	size_t at = strlen(buf);

	snprintf(buf + at, len - at,
		 "[vm%u]\nvnic = tap:rl%u\nlocal = 10.0.0.1\nremote = 10.0.0.2\n"
		 "udp_sport = %u\nudp_dport = %u\nsession_id = %u\npeer_session_id = %u\n%s\n",
		 n, n, port, port, n, 100 + n, extra);
}

/* Section vmN (its own TAP and UDP port), with one more line. */
static void section(char *buf, size_t len, unsigned n, const char *extra)
{
	section_on(buf, len, n, 1700 + n, extra);
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
	assert_string_equal(line, "removed vm2; 2 unchanged");
	assert_int_equal(p.new_of_old[0], 1);
	assert_int_equal(p.new_of_old[1], -1);
	assert_int_equal(p.new_of_old[2], 0);
	assert_int_equal(p.removed, 1);
	assert_int_equal(p.unchanged, 2);
	pw_reload_plan_free(&p);

	assert_true(plan(a, a, &p, line, sizeof(line)));
	assert_string_equal(line, "3 unchanged");
	pw_reload_plan_free(&p);
}

static void test_added_and_changed(void **state)
{
	char a[2048] = "", b[2048] = "", line[256];
	struct pw_reload_plan p;

	(void)state;
	section(a, sizeof(a), 1, "");
	section(a, sizeof(a), 2, "");
	section(b, sizeof(b), 1, "");
	section(b, sizeof(b), 2, "mtu = 1400");
	section(b, sizeof(b), 3, "");
	assert_true(plan(a, b, &p, line, sizeof(line)));
	assert_string_equal(line, "changed vm2, added vm3; 1 unchanged");
	assert_int_equal(p.new_of_old[0], 0);
	assert_int_equal(p.new_of_old[1], -1); /* closed, opened again */
	assert_int_equal(p.n_open, 2);
	assert_int_equal(p.to_open[0], 1);
	assert_int_equal(p.to_open[1], 2);
	assert_int_equal(p.added, 1);
	assert_int_equal(p.changed, 1);
	assert_int_equal(p.removed, 0);
	pw_reload_plan_free(&p);
}

/* A section on the UDP port of one that stays joins its running socket (a
 * section of several queues on it is conf.c's refusal); a section with
 * io_uring on is refused. Taking over a removed or changed one's port is
 * no join: that socket closes first. */
static void test_kept_socket_joined(void **state)
{
	char a[2048] = "", b[2048] = "", c[2048] = "", line[512];
	struct pw_reload_plan p;

	(void)state;
	section(a, sizeof(a), 1, "");
	section(a, sizeof(a), 2, "");
	section(b, sizeof(b), 1, "");
	section(b, sizeof(b), 2, "");
	section_on(b, sizeof(b), 3, 1701, "");
	section(b, sizeof(b), 4, "");
	assert_true(plan(a, b, &p, line, sizeof(line)));
	assert_string_equal(line, "added vm3, added vm4; 2 unchanged");
	assert_int_equal(p.n_open, 2);
	assert_int_equal(p.join[0], 0); /* vm3 joins vm1's socket */
	assert_int_equal(p.join[1], -1);
	pw_reload_plan_free(&p);

	section(c, sizeof(c), 2, "");
	section_on(c, sizeof(c), 3, 1701, "io_uring = on");
	assert_false(plan(a, c, &p, line, sizeof(line)));
	assert_string_equal(line, "t.conf:10: adding vm3 with io_uring on: that needs a restart "
				  "(its ring is set up before pwired drops its privileges)");
	c[0] = '\0';
	section(c, sizeof(c), 2, "");
	section_on(c, sizeof(c), 3, 1701, "");
	assert_true(plan(a, c, &p, line, sizeof(line)));
	assert_string_equal(line, "removed vm1, added vm3; 1 unchanged");
	assert_int_equal(p.join[0], -1);
	pw_reload_plan_free(&p);
}

static void put_cookie(const char *path, const char *hex)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fprintf(f, "%s\n", hex);
	assert_int_equal(fclose(f), 0);
}

/* A cookie_file's section reads the same whatever the file holds: the
 * reload still sees the new cookie, and reopens the pseudowire. */
static void test_cookie_file_rewritten(void **state)
{
	char path[] = "/tmp/pwire-test-cookie-XXXXXX", a[2048] = "", extra[80], line[256];
	struct pw_conf old, new;
	struct pw_reload_plan p;
	struct pw_err e;
	int fd = mkstemp(path);

	(void)state;
	assert_true(fd >= 0);
	close(fd);
	snprintf(extra, sizeof(extra), "cookie_file = %s", path);
	section(a, sizeof(a), 1, extra);
	put_cookie(path, "0011223344556677");
	parse(&old, a);
	put_cookie(path, "8899aabbccddeeff");
	parse(&new, a);
	unlink(path);
	pw_err_init(&e);
	assert_true(pw_reload_plan(&old, &new, "t.conf", &p, line, sizeof(line), &e));
	assert_string_equal(line, "changed vm1; 0 unchanged");
	pw_reload_plan_free(&p);
	pw_conf_free(&old);
	pw_conf_free(&new);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_removed_and_unchanged),
		cmocka_unit_test(test_added_and_changed),
		cmocka_unit_test(test_kept_socket_joined),
		cmocka_unit_test(test_cookie_file_rewritten),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
