/* SPDX-License-Identifier: MIT */
/*
 * test_words.c: what the accepted spellings mean. The bad ones are in
 * tests/bad/cli.txt (tests/cli/bad-input.sh); the wire bytes each spelling
 * produces against real peers' captures are in test_spelling.c.
 */
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <arpa/inet.h>
#include <cmocka.h>

#include "cli/config.h"

static bool words(struct pw_config *c, const char *line)
{
	char buf[1024], *argv[64], *save = NULL;
	int argc = 0;

	snprintf(buf, sizeof(buf), "%s", line);
	for (char *w = strtok_r(buf, " ", &save); w && argc < 64; w = strtok_r(NULL, " ", &save))
		argv[argc++] = w;
	pw_config_init(c);
	return pw_words_parse(c, argc, argv) && pw_config_finish(c);
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

	(void)state;
	pw_config_init(&c);
	assert_true(pw_qemu_parse(&c, "l2tpv3,id=n0,src=127.0.0.1,dst=127.0.0.1,udp,srcport=5,"
				      "dstport=6,txsession=0xffffffff,counter,pincounter=on,"
				      "offset=4"));
	assert_true(pw_config_finish(&c));
	assert_int_equal(c.session.session_id, 0xffffffffu); /* rxsession = txsession */
	assert_int_equal(c.session.peer_session_id, 0xffffffffu);
	assert_int_equal(c.session.l2spec, PW_L2SPEC_COUNTER32);
	assert_int_equal(c.session.seq, PW_SEQ_NONE); /* pinned: sends 0 */
	assert_int_equal(c.session.offset, 4);
	assert_int_equal(c.session.peer_offset, 4);

	/* cookie64=off still means 64-bit cookies, as in QEMU. */
	pw_config_init(&c);
	assert_true(pw_qemu_parse(&c, "src=::1,dst=::1,ipv6=on,txsession=2,rxsession=3,"
				      "cookie64=off,txcookie=0x11,rxcookie=0x22"));
	assert_true(pw_config_finish(&c));
	assert_int_equal(c.session.encap, PW_ENCAP_IP);
	assert_int_equal(c.session.cookie.len, 8);
	assert_int_equal(c.session.cookie.bytes[7], 0x11);
	assert_int_equal(c.session.l2spec, PW_L2SPEC_NONE);
}

static void test_uml_spelling(void **state)
{
	struct pw_config c;

	(void)state;
	pw_config_init(&c);
	/* Full 32-bit session ids, which UML itself refuses. */
	assert_true(pw_uml_parse(&c, "vec0:transport=l2tpv3,udp=1,src=127.0.0.1,dst=127.0.0.1,"
				     "srcport=5,dstport=6,rx_session=0x80000000,"
				     "tx_session=4294967295,rx_cookie=0xcafef00d,"
				     "tx_cookie=0xdeadbeef,counter=1,pin_counter=0,depth=128"));
	assert_true(pw_config_finish(&c));
	assert_int_equal(c.session.session_id, 0x80000000u);
	assert_int_equal(c.session.peer_session_id, 0xffffffffu);
	assert_int_equal(c.session.cookie.len, 4);
	assert_int_equal(c.session.cookie.bytes[0], 0xde);
	assert_int_equal(c.session.l2spec, PW_L2SPEC_COUNTER32);
	assert_int_equal(c.session.seq, PW_SEQ_SEND);
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
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
