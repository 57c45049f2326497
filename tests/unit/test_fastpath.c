/* SPDX-License-Identifier: MIT */
/*
 * test_fastpath.c: which sessions the kernel fast path takes and why it
 * refuses the others (fast/fastpath.c pw_fast_why_not), the word's values,
 * and that the counters pwire prints are the programs' map line, field for
 * field (fast/abi.h). Loading and attaching need a kernel and privileges:
 * tests/netns/fastpath.sh.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "cli/config.h"
#include "fast/abi.h"
#include "fast/fastpath.h"

/* A session the fast path takes: encap udp over IPv4, l2spec default, seq none
 * (IPv6 too: test_qualifies). */
static struct pw_link_cfg simple(void)
{
	struct pw_link_cfg c;

	memset(&c, 0, sizeof(c));
	c.session.encap = PW_ENCAP_UDP;
	c.session.l2spec = PW_L2SPEC_DEFAULT;
	c.session.seq = PW_SEQ_NONE;
	c.xport.family = AF_INET;
	return c;
}

static void why(const struct pw_link_cfg *c, const char *starts)
{
	const char *w = pw_fast_why_not(c);

	assert_non_null(w);
	assert_int_equal(strncmp(w, starts, strlen(starts)), 0);
}

static void test_qualifies(void **state)
{
	struct pw_link_cfg c = simple();

	(void)state;
	assert_null(pw_fast_why_not(&c));
	c.session.l2spec = PW_L2SPEC_NONE;
	c.session.cookie.len = 8;
	c.session.peer_cookie.len = 4;
	c.tap.queues = 4;
	assert_null(pw_fast_why_not(&c));
	c.xport.family = AF_INET6; /* F2: an IPv6 outer header too */
	assert_null(pw_fast_why_not(&c));
}

static void test_refusals_name_their_reason(void **state)
{
	struct pw_link_cfg c;

	(void)state;
	c = simple();
	c.session.encap = PW_ENCAP_IP;
	why(&c, "encap ip");
	c = simple();
	c.session.l2spec = PW_L2SPEC_COUNTER32;
	why(&c, "l2spec_type counter32");
	for (unsigned seq = PW_SEQ_SEND; seq <= PW_SEQ_BOTH; seq++) {
		c = simple();
		c.session.seq = seq;
		why(&c, "sequence numbers");
	}
	c = simple();
	c.session.offset = 4;
	why(&c, "offset or peer_offset");
	c = simple();
	c.session.peer_offset = 4;
	why(&c, "offset or peer_offset");
	c = simple();
	strcpy(c.vhost_path, "/run/vm.sock");
	why(&c, "a vhost-user vNIC");
	c = simple();
	c.has_impair = true;
	why(&c, "--impair");
}

static void test_word(void **state)
{
	struct pw_config c;
	struct pw_err e;
	char *on[] = { "fastpath", "on" }, *bad[] = { "fastpath", "yes" };

	(void)state;
	pw_config_init(&c);
	assert_int_equal(c.fastpath, PW_FASTPATH_AUTO); /* the default since F2 */
	pw_err_init(&e);
	assert_true(pw_words_parse(&c, 2, on, &e));
	assert_int_equal(c.fastpath, PW_FASTPATH_ON);
	assert_false(pw_words_parse(&c, 2, bad, &e));
	assert_string_equal(pw_err_msg(&e), "bad value for fastpath: 'yes' (expected on, off or auto)");
	assert_string_equal(pw_fastpath_name(PW_FASTPATH_AUTO), "auto");
	assert_string_equal(pw_fastpath_name(PW_FASTPATH_OFF), "off");
}

/* pw_fast_stats copies the map's line by name: every printed counter is a
 * field of the line at the same place, and every field is printed. */
static void test_counters_are_the_map_line(void **state)
{
	(void)state;
	assert_int_equal(pw_fast_counter_count * sizeof(uint64_t),
			 offsetof(struct pw_fast_stats, pad)); /* the rest: padding */
	for (size_t i = 0; i < pw_fast_counter_count; i++)
		assert_int_equal(pw_fast_counter_names[i].offset, i * sizeof(uint64_t));
	assert_string_equal(pw_fast_counter_names[0].name, "tx_packets");
	assert_int_equal(offsetof(struct pw_fast_stats, rx_bytes), 3 * sizeof(uint64_t));
	assert_string_equal(pw_fast_counter_names[3].name, "rx_bytes");
	assert_string_equal(pw_fast_counter_names[6].name, "tx_errors");
	assert_true(pw_fast_counter_names[6].drop);
	assert_int_equal(offsetof(struct pw_fast_stats, tx_moved), 7 * sizeof(uint64_t));
	assert_string_equal(pw_fast_counter_names[7].name, "tx_moved");
	assert_int_equal(offsetof(struct pw_fast_stats, rx_gro_frames), 8 * sizeof(uint64_t));
	assert_string_equal(pw_fast_counter_names[8].name, "rx_gro_frames");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_qualifies),
		cmocka_unit_test(test_refusals_name_their_reason),
		cmocka_unit_test(test_word),
		cmocka_unit_test(test_counters_are_the_map_line),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
