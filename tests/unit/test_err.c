/* SPDX-License-Identifier: MIT */
/*
 * test_err.c: the error sink (core/err.h) and its printer in `pwire up`
 * (pw_err_print, cli/parse.c): the first error wins, what does not fit is
 * counted and the count printed, a message too long for its slot shows its
 * cut, and the printed lines carry pw_error()'s and pw_warn()'s words.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "cli/parse.h"
#include "core/err.h"

static void test_empty(void **state)
{
	struct pw_err e;
	struct pw_err zero = { 0 };

	(void)state;
	memset(&e, 0x55, sizeof(e));
	pw_err_init(&e);
	assert_false(pw_err_failed(&e));
	assert_string_equal(pw_err_msg(&e), "");
	assert_int_equal(e.n_warn, 0);
	assert_false(pw_err_failed(&zero));
	assert_string_equal(pw_err_msg(&zero), "");
}

static void test_first_error_wins_all_are_counted(void **state)
{
	struct pw_err e;

	(void)state;
	pw_err_init(&e);
	pw_err_warn(&e, "w%d", 0);
	assert_false(pw_err_failed(&e)); /* a warning is no failure */
	for (int i = 0; i < PW_ERR_KEEP + 3; i++)
		pw_err_set(&e, "error %d of %s", i, "many");
	assert_true(pw_err_failed(&e));
	assert_string_equal(pw_err_msg(&e), "error 0 of many");
	assert_int_equal(e.n_err, PW_ERR_KEEP + 3);
	assert_int_equal(pw_err_kept(e.n_err), PW_ERR_KEEP);
	assert_string_equal(e.err[PW_ERR_KEEP - 1], "error 7 of many");
	assert_int_equal(e.n_warn, 1);
	assert_string_equal(e.warn[0], "w0");
}

static void test_long_message_shows_its_cut(void **state)
{
	char value[600];
	struct pw_err e;
	const char *m;

	(void)state;
	memset(value, 'x', sizeof(value) - 1);
	value[sizeof(value) - 1] = '\0';
	pw_err_init(&e);
	pw_err_set(&e, "bad value for cookie: '%s'", value);
	m = pw_err_msg(&e);
	assert_int_equal(strlen(m), PW_ERR_MSG_MAX - 1);
	assert_memory_equal(m, "bad value for cookie: 'xxx", 26);
	assert_string_equal(m + PW_ERR_MSG_MAX - 4, "...");

	/* One that fits exactly is not cut. */
	memset(value, 'y', PW_ERR_MSG_MAX - 1);
	value[PW_ERR_MSG_MAX - 1] = '\0';
	pw_err_warn(&e, "%s", value);
	assert_string_equal(e.warn[0], value);
}

static void test_print_words(void **state)
{
	struct pw_err e;
	char *out = NULL;
	size_t len = 0;
	FILE *f;

	(void)state;
	pw_err_init(&e);
	f = open_memstream(&out, &len);
	assert_non_null(f);
	pw_err_print(f, &e);
	fflush(f);
	assert_int_equal(len, 0); /* an empty sink prints nothing */

	pw_err_warn(&e, "--uml: depth=%d tunes UML's own queues; pwire ignores it", 64);
	pw_err_set(&e, "missing %s", "remote");
	pw_err_print(f, &e);
	fclose(f);
	assert_string_equal(out, "pwire: warning: --uml: depth=64 tunes UML's own queues; pwire "
				 "ignores it\n"
				 "pwire: missing remote\n");
	free(out);
}

static void test_print_counts_what_was_not_kept(void **state)
{
	struct pw_err e;
	char *out = NULL, want[4096];
	size_t len = 0, n = 0;
	FILE *f;

	(void)state;
	pw_err_init(&e);
	for (int i = 0; i < PW_ERR_KEEP + 2; i++) {
		pw_err_warn(&e, "w%d", i);
		pw_err_set(&e, "e%d", i);
	}
	for (int i = 0; i < PW_ERR_KEEP; i++)
		n += (size_t)snprintf(want + n, sizeof(want) - n, "pwire: warning: w%d\n", i);
	n += (size_t)snprintf(want + n, sizeof(want) - n,
			      "pwire: warning: 2 more warnings not kept\n");
	for (int i = 0; i < PW_ERR_KEEP; i++)
		n += (size_t)snprintf(want + n, sizeof(want) - n, "pwire: e%d\n", i);
	snprintf(want + n, sizeof(want) - n, "pwire: 2 more errors not kept\n");
	f = open_memstream(&out, &len);
	assert_non_null(f);
	pw_err_print(f, &e);
	fclose(f);
	assert_string_equal(out, want);
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_first_error_wins_all_are_counted),
		cmocka_unit_test(test_long_message_shows_its_cut),
		cmocka_unit_test(test_print_words),
		cmocka_unit_test(test_print_counts_what_was_not_kept),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
