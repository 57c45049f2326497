/* SPDX-License-Identifier: MIT */
/*
 * test_words.c: what the accepted spellings mean, and that every parser
 * reports into its error sink, word for word, and prints nothing. The whole
 * catalog of bad lines is in tests/bad/cli.txt (tests/cli/bad-input.sh); the
 * wire bytes each spelling produces against real peers' captures are in
 * test_spelling.c.
 */
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <arpa/inet.h>
#include <unistd.h>
#include <cmocka.h>

#include "cli/config.h"
#include "cli/parse.h"

static bool words_into(struct pw_config *c, const char *line, struct pw_err *e)
{
	char buf[1024], *argv[64], *save = NULL;
	int argc = 0;

	snprintf(buf, sizeof(buf), "%s", line);
	for (char *w = strtok_r(buf, " ", &save); w && argc < 64; w = strtok_r(NULL, " ", &save))
		argv[argc++] = w;
	pw_config_init(c);
	return pw_words_parse(c, argc, argv, e) && pw_config_finish(c, e);
}

/* Accepted lines: a refusal fails the test with the sink's words. */
static bool words(struct pw_config *c, const char *line)
{
	struct pw_err e;
	bool ok;

	pw_err_init(&e);
	ok = words_into(c, line, &e);
	if (!ok)
		print_error("'%s': %s\n", line, pw_err_msg(&e));
	return ok && !pw_err_failed(&e);
}

static const char base[] = "remote 10.0.0.2 udp_sport 1701 udp_dport 1702 session_id 7 "
			   "peer_session_id 0xfffffffe";

static void test_defaults_are_iproute2s(void **state)
{
	struct pw_config c;
	struct sockaddr_in *r = (struct sockaddr_in *)&c.xport.remote;
	struct sockaddr_in *l = (struct sockaddr_in *)&c.xport.local;

	(void)state;
	assert_true(words(&c, base));
	assert_int_equal(c.session.encap, PW_ENCAP_UDP);
	assert_int_equal(c.session.l2spec, PW_L2SPEC_DEFAULT);
	assert_int_equal(c.session.seq, PW_SEQ_NONE);
	assert_int_equal(c.session.session_id, 7);
	assert_int_equal(c.session.peer_session_id, 0xfffffffeu);
	assert_int_equal(c.session.cookie.len, 0);
	assert_int_equal(c.xport.family, AF_INET);
	assert_int_equal(ntohs(r->sin_port), 1702);
	assert_int_equal(ntohs(l->sin_port), 1701);
	assert_int_equal(l->sin_addr.s_addr, htonl(INADDR_ANY));
	/* ip-l2tp(8): 1446 when bridging UDP/IPv4 with the default sublayer. */
	assert_int_equal(c.tap.mtu, 1446);
}

static void test_cookies_are_wire_order(void **state)
{
	struct pw_config c;
	char line[512];
	static const uint8_t tx[8] = { 0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef };

	(void)state;
	snprintf(line, sizeof(line), "%s cookie 0123456789ABCDEF peer_cookie deadbeef", base);
	assert_true(words(&c, line));
	assert_int_equal(c.session.cookie.len, 8);
	assert_memory_equal(c.session.cookie.bytes, tx, 8);
	assert_int_equal(c.session.peer_cookie.len, 4);
	assert_int_equal(c.session.peer_cookie.bytes[0], 0xde);
	assert_int_equal(c.session.peer_cookie.bytes[3], 0xef);
}

static void test_aliases_and_ignored_tunnel_ids(void **state)
{
	struct pw_config c;

	(void)state;
	assert_true(words(&c, "remote ::1 udp_sport 1 udp_dport 2 sid 3 psid 4 tid 9 ptid 10 "
			      "seq both"));
	assert_int_equal(c.session.session_id, 3);
	assert_int_equal(c.session.peer_session_id, 4);
	assert_int_equal(c.session.seq, PW_SEQ_BOTH);
	assert_int_equal(c.xport.family, AF_INET6);
	assert_int_equal(c.tap.mtu, 1500 - 40 - 8 - 12 - 14);
}

static void test_presets_fill_only_what_is_unset(void **state)
{
	struct pw_config c;

	(void)state;
	assert_true(words(&c, "peer cisco remote 10.0.0.2 session_id 1 peer_session_id 2"));
	assert_int_equal(c.session.encap, PW_ENCAP_IP);
	assert_int_equal(c.session.l2spec, PW_L2SPEC_NONE);
	assert_int_equal(c.tap.mtu, 1500 - 20 - 4 - 14);

	/* An explicit word wins over the preset, whatever the order. */
	assert_true(words(&c, "l2spec_type default peer qemu remote 10.0.0.2 udp_sport 1 "
			      "udp_dport 2 session_id 1 peer_session_id 2"));
	assert_int_equal(c.session.encap, PW_ENCAP_UDP);
	assert_int_equal(c.session.l2spec, PW_L2SPEC_DEFAULT);
	assert_true(words(&c, "peer uml remote 10.0.0.2 udp_sport 1 udp_dport 2 session_id 1 "
			      "peer_session_id 2"));
	assert_int_equal(c.session.l2spec, PW_L2SPEC_NONE);
}

static void test_mtu_and_offsets(void **state)
{
	struct pw_config c;
	char line[512];

	(void)state;
	snprintf(line, sizeof(line), "%s mtu 9000 offset 16 peer_offset 8 l2spec_type counter32",
		 base);
	assert_true(words(&c, line));
	assert_int_equal(c.tap.mtu, 9000);
	assert_int_equal(c.session.offset, 16);
	assert_int_equal(c.session.peer_offset, 8);
	assert_int_equal(c.session.l2spec, PW_L2SPEC_COUNTER32);
}

static void test_qemu_spelling(void **state)
{
	struct pw_config c;
	struct pw_err e;

	(void)state;
	pw_config_init(&c);
	pw_err_init(&e);
	assert_true(pw_qemu_parse(&c, "l2tpv3,id=n0,src=127.0.0.1,dst=127.0.0.1,udp,srcport=5,"
				      "dstport=6,txsession=0xffffffff,counter,pincounter=on,"
				      "offset=4", &e));
	assert_true(pw_config_finish(&c, &e));
	assert_int_equal(e.n_err + e.n_warn, 0);
	assert_int_equal(c.session.session_id, 0xffffffffu); /* rxsession = txsession */
	assert_int_equal(c.session.peer_session_id, 0xffffffffu);
	assert_int_equal(c.session.l2spec, PW_L2SPEC_COUNTER32);
	assert_int_equal(c.session.seq, PW_SEQ_NONE); /* pinned: sends 0 */
	assert_int_equal(c.session.offset, 4);
	assert_int_equal(c.session.peer_offset, 4);

	/* Pasted with QEMU's own option in front. */
	pw_config_init(&c);
	assert_true(pw_qemu_parse(&c, "-netdev  l2tpv3,id=net0,src=127.0.0.1,dst=127.0.0.2,"
				      "txsession=7,rxsession=8", &e));
	assert_true(pw_config_finish(&c, &e));
	assert_int_equal(e.n_err + e.n_warn, 0);
	assert_int_equal(c.session.session_id, 8);
	assert_int_equal(c.session.peer_session_id, 7);

	/* cookie64=off still means 64-bit cookies, as in QEMU. */
	pw_config_init(&c);
	assert_true(pw_qemu_parse(&c, "src=::1,dst=::1,ipv6=on,txsession=2,rxsession=3,"
				      "cookie64=off,txcookie=0x11,rxcookie=0x22", &e));
	assert_true(pw_config_finish(&c, &e));
	assert_int_equal(e.n_err, 0);
	assert_int_equal(e.n_warn, 1); /* that quirk, below in test_sink_has_the_words */
	assert_int_equal(c.session.encap, PW_ENCAP_IP);
	assert_int_equal(c.session.cookie.len, 8);
	assert_int_equal(c.session.cookie.bytes[7], 0x11);
	assert_int_equal(c.session.l2spec, PW_L2SPEC_NONE);
}

static void test_uml_spelling(void **state)
{
	struct pw_config c;
	struct pw_err e;

	(void)state;
	pw_config_init(&c);
	pw_err_init(&e);
	/* Full 32-bit session ids, which UML itself refuses. */
	assert_true(pw_uml_parse(&c, "vec0:transport=l2tpv3,udp=1,src=127.0.0.1,dst=127.0.0.1,"
				     "srcport=5,dstport=6,rx_session=0x80000000,"
				     "tx_session=4294967295,rx_cookie=0xcafef00d,"
				     "tx_cookie=0xdeadbeef,counter=1,pin_counter=0,depth=128", &e));
	assert_true(pw_config_finish(&c, &e));
	assert_int_equal(e.n_err, 0);
	assert_int_equal(c.session.session_id, 0x80000000u);
	assert_int_equal(c.session.peer_session_id, 0xffffffffu);
	assert_int_equal(c.session.cookie.len, 4);
	assert_int_equal(c.session.cookie.bytes[0], 0xde);
	assert_int_equal(c.session.l2spec, PW_L2SPEC_COUNTER32);
	assert_int_equal(c.session.seq, PW_SEQ_SEND);
}

/* The parsers report, they do not print: stdout and stderr go to a scratch
 * file while one runs, and that file must stay empty. */
struct captured {
	FILE *f;
	int saved[2];
};

static void capture(struct captured *k)
{
	fflush(stdout);
	fflush(stderr);
	k->f = tmpfile();
	assert_non_null(k->f);
	for (int fd = 1; fd <= 2; fd++) {
		k->saved[fd - 1] = dup(fd);
		assert_true(k->saved[fd - 1] >= 0 && dup2(fileno(k->f), fd) == fd);
	}
}

/* Restore stdout and stderr; what was printed meanwhile goes into out. */
static void release(struct captured *k, char *out, size_t size)
{
	size_t n;

	fflush(stdout);
	fflush(stderr);
	for (int fd = 1; fd <= 2; fd++) {
		dup2(k->saved[fd - 1], fd);
		close(k->saved[fd - 1]);
	}
	rewind(k->f);
	n = fread(out, 1, size - 1, k->f);
	out[n] = '\0';
	fclose(k->f);
}

enum spelling { WORDS, QEMU, UML, IMPAIR };

static bool parse_one(enum spelling how, const char *arg, struct pw_err *e)
{
	struct pw_config c;

	pw_config_init(&c);
	switch (how) {
	case WORDS:
		return words_into(&c, arg, e);
	case QEMU:
		return pw_qemu_parse(&c, arg, e) && pw_config_finish(&c, e);
	case UML:
		return pw_uml_parse(&c, arg, e) && pw_config_finish(&c, e);
	case IMPAIR:
		return pw_impair_parse(&c, arg, e);
	}
	return false;
}

#define BASE "remote 10.0.0.2 udp_sport 1701 udp_dport 1701 session_id 1 peer_session_id 2 "
#define V4 "src=127.0.0.1,dst=127.0.0.1,"

/* The words of tests/bad/cli.txt (what `pwire up` prints after "pwire: "),
 * one case per parser and kind of check, and the warnings. */
static const struct {
	enum spelling how;
	const char *arg;
	const char *err;  /* the error, NULL when the line is accepted */
	const char *warn; /* the first warning, NULL for none */
} sink_cases[] = {
	{ WORDS, BASE "bogus 1", "unknown word 'bogus' (see pwire up --help)", NULL },
	{ WORDS, BASE "encap", "encap needs a value", NULL },
	{ WORDS, BASE "encap gre", "bad value for encap: 'gre' (expected udp or ip)", NULL },
	{ WORDS, BASE "udp_sport 70000", "udp_sport 70000 is out of range (1..65535)", NULL },
	{ WORDS, BASE "udp_dport http",
	  "bad value for udp_dport: 'http' (expected a number 1..65535)", NULL },
	{ WORDS, BASE "cookie 0011zz33",
	  "bad value for cookie: '0011zz33' (expected 8 or 16 hex digits)", NULL },
	{ WORDS, BASE "remote 10.0.0.300",
	  "bad value for remote: '10.0.0.300' (expected an IPv4 or IPv6 address)", NULL },
	{ WORDS, BASE "mac 01:00:5e:00:00:01",
	  "bad value for mac: '01:00:5e:00:00:01' (a multicast address cannot be a NIC's)", NULL },
	{ WORDS, BASE "seq always",
	  "bad value for seq: 'always' (expected none, send, recv or both)", NULL },
	{ WORDS, BASE "peer juniper",
	  "bad value for peer: 'juniper' (expected linux, qemu, uml or cisco)", NULL },
	{ WORDS, BASE "io_uring yes", "bad value for io_uring: 'yes' (expected on or off)", NULL },
	{ WORDS, "remote 10.0.0.2 session_id 1", "missing peer_session_id, udp_sport and udp_dport", NULL },
	{ WORDS, BASE "local ::1", "local ::1 and remote 10.0.0.2 are not of one address family",
	  NULL },
	{ WORDS, BASE "mtu 40", "mtu 40 is out of range (68..65481: 65535 less 54 bytes of encapsulation)", NULL },
	{ WORDS, BASE "l2spec_type none seq both",
	  "seq both needs a sublayer to carry the numbers: l2spec_type default or counter32",
	  NULL },
	{ QEMU, V4 "udp=maybe,txsession=1", "bad value for udp: 'maybe' (expected on or off)",
	  NULL },
	{ QEMU, "src=127.0.0.1,,dst=127.0.0.1",
	  "--qemu: empty option name in 'src=127.0.0.1,,dst=127.0.0.1'", NULL },
	{ QEMU, V4 "txsession=1,bogus=1", "--qemu: unknown option 'bogus'", NULL },
	{ QEMU, "src=::1,dst=::1,txsession=1", "--qemu: src=::1 is an IPv6 address but ipv6=off",
	  NULL },
	{ QEMU, V4 "txsession=1,txcookie=0x100000000,rxcookie=1",
	  "txcookie 0x100000000 is out of range (0..4294967295)", NULL },
	{ QEMU, "src=::1,dst=::1,ipv6=on,txsession=2,cookie64=off,txcookie=1,rxcookie=2", NULL,
	  "--qemu: cookie64=off still selects 64-bit cookies in QEMU (it tests whether cookie64 "
	  "was given); pwire does the same. Omit cookie64 for 32-bit cookies" },
	/* A warning, then the error that stops the parse: both come back. */
	{ QEMU, V4 "srcport=1,txsession=1,rxcookie=5",
	  "--qemu: rxcookie given without txcookie (QEMU requires both or neither)",
	  "--qemu: srcport/dstport are ignored without udp=on, as QEMU ignores them" },
	{ UML, "transport=gre," V4, "--uml: transport=gre is not l2tpv3", NULL },
	{ UML, "src", "--uml: src needs a value (src=...)", NULL },
	{ UML, "transport=l2tpv3," V4 "udp=yes,rx_session=1,tx_session=2",
	  "bad value for udp: 'yes' (expected a number 0..4294967295)", NULL },
	{ UML, "transport=l2tpv3," V4 "rx_session=1,tx_session=2,depth=64", NULL,
	  "--uml: depth=64 tunes UML's own queues; pwire ignores it" },
	{ IMPAIR, "seed=1,drop=101", "drop 101 is out of range (0..100)", NULL },
	{ IMPAIR, "dup=0.12345",
	  "bad value for dup: '0.12345' (expected a percentage 0..100, like 0.5)", NULL },
	{ IMPAIR, "frob=1",
	  "--impair: unknown option 'frob' (seed, drop, dup, reorder, corrupt, truncate)", NULL },
};

static void test_sink_has_the_words(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(sink_cases) / sizeof(sink_cases[0]); i++) {
		struct captured k;
		struct pw_err e;
		char printed[1024];
		bool ok;

		print_message("%s\n", sink_cases[i].arg);
		pw_err_init(&e);
		capture(&k);
		ok = parse_one(sink_cases[i].how, sink_cases[i].arg, &e);
		release(&k, printed, sizeof(printed));
		if (printed[0])
			fail_msg("the parser printed: %s", printed);
		assert_int_equal(ok, !sink_cases[i].err);
		assert_int_equal(pw_err_failed(&e), !ok);
		assert_string_equal(pw_err_msg(&e), sink_cases[i].err ? sink_cases[i].err : "");
		assert_int_equal(e.n_err, sink_cases[i].err ? 1 : 0); /* stops at the first */
		assert_int_equal(e.n_warn, sink_cases[i].warn ? 1 : 0);
		if (sink_cases[i].warn)
			assert_string_equal(e.warn[0], sink_cases[i].warn);
	}
}

/* Each ignored UML tuning key warns once, in the order given. */
static void test_sink_keeps_every_warning(void **state)
{
	struct pw_err e;

	(void)state;
	pw_err_init(&e);
	assert_true(parse_one(UML, "transport=l2tpv3," V4 "depth=1,rx_session=1,gro=0,"
				   "tx_session=2,vec=1", &e));
	assert_int_equal(e.n_warn, 3);
	assert_string_equal(e.warn[0], "--uml: depth=1 tunes UML's own queues; pwire ignores it");
	assert_string_equal(e.warn[1], "--uml: gro=0 tunes UML's own queues; pwire ignores it");
	assert_string_equal(e.warn[2], "--uml: vec=1 tunes UML's own queues; pwire ignores it");
}

/* An option list too long for the split buffer: refused whole, by name. */
static void test_sink_overlong_list(void **state)
{
	static char spec[PW_SPEC_MAX + 8];
	struct pw_err e;

	(void)state;
	memset(spec, 'a', sizeof(spec) - 1);
	pw_err_init(&e);
	assert_false(parse_one(QEMU, spec, &e));
	assert_string_equal(pw_err_msg(&e), "--qemu: option list longer than 4095 characters");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults_are_iproute2s),
		cmocka_unit_test(test_cookies_are_wire_order),
		cmocka_unit_test(test_aliases_and_ignored_tunnel_ids),
		cmocka_unit_test(test_presets_fill_only_what_is_unset),
		cmocka_unit_test(test_mtu_and_offsets),
		cmocka_unit_test(test_qemu_spelling),
		cmocka_unit_test(test_uml_spelling),
		cmocka_unit_test(test_sink_has_the_words),
		cmocka_unit_test(test_sink_keeps_every_warning),
		cmocka_unit_test(test_sink_overlong_list),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
