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
#include <stdlib.h>
#include <string.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <arpa/inet.h>
#include <sys/stat.h>
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

/* argv as given (no splitting: an element may be a whole quoted line). */
static bool argv_into(struct pw_config *c, int argc, char *const *argv, struct pw_err *e)
{
	pw_config_init(c);
	return pw_words_parse(c, argc, argv, e) && pw_config_finish(c, e);
}

static bool argv_ok(struct pw_config *c, int argc, char *const *argv)
{
	struct pw_err e;

	pw_err_init(&e);
	if (!argv_into(c, argc, argv, &e)) {
		print_error("'%s ...': %s\n", argv[0], pw_err_msg(&e));
		return false;
	}
	return true;
}

/* What a pseudowire is made of, in one string (the words of the start-up
 * line, and what it leaves out). */
static void layout_of(const struct pw_config *c, char *buf, size_t len)
{
	const struct pw_session_cfg *s = &c->session;
	char l[64], r[64];
	size_t at;

	at = (size_t)snprintf(buf, len, "encap %s %s:%u -> %s:%u, session_id %u peer_session_id %u, "
			      "l2spec_type %s, seq %s, mtu %u, dev '%s', cookie ",
			      s->encap == PW_ENCAP_UDP ? "udp" : "ip",
			      pw_xport_addr_str(&c->xport.local, l, sizeof(l)), c->sport,
			      pw_xport_addr_str(&c->xport.remote, r, sizeof(r)), c->dport,
			      s->session_id, s->peer_session_id, pw_l2spec_name(s->l2spec),
			      pw_seq_name(s->seq), c->tap.mtu, c->tap.name);
	for (unsigned i = 0; i < s->cookie.len; i++)
		at += (size_t)snprintf(buf + at, len - at, "%02x", s->cookie.bytes[i]);
	at += (size_t)snprintf(buf + at, len - at, ", peer_cookie ");
	for (unsigned i = 0; i < s->peer_cookie.len; i++)
		at += (size_t)snprintf(buf + at, len - at, "%02x", s->peer_cookie.bytes[i]);
	snprintf(buf + at, len - at, ", offsets %u %u", s->offset, s->peer_offset);
}

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

/* A pasted `ip l2tp add tunnel ...` + `ip l2tp add session ...` pair, in
 * each form a user has it, is the same pseudowire as the plain words. */
static void test_pasted_pair_is_the_plain_words(void **state)
{
	static char *plain[] = { "name", "l2tpeth0", "encap", "udp", "local", "192.0.2.1",
				 "remote", "192.0.2.2", "udp_sport", "5000", "udp_dport", "5001",
				 "session_id", "10", "peer_session_id", "20", "cookie",
				 "0011223344556677", "l2spec_type", "none", "mtu", "1400" };
	static char *pasted[] = { "ip", "l2tp", "add", "tunnel", "tunnel_id", "1", "peer_tunnel_id",
				  "1", "encap", "udp", "local", "192.0.2.1", "remote", "192.0.2.2",
				  "udp_sport", "5000", "udp_dport", "5001", "ip", "l2tp", "add",
				  "session", "name", "l2tpeth0", "tunnel_id", "1", "session_id",
				  "10", "peer_session_id", "20", "cookie", "0011223344556677",
				  "l2spec_type", "none", "mtu", "1400" };
	static char *quoted[] = { "ip l2tp add tunnel tunnel_id 1 peer_tunnel_id 1 encap udp "
				  "local 192.0.2.1 remote 192.0.2.2 udp_sport 5000 udp_dport 5001",
				  "ip  l2tp a session\tname l2tpeth0 tunnel_id 1 session_id 10 "
				  "peer_session_id 20 cookie 0011223344556677 l2spec_type none\n",
				  "mtu", "1400" };
	static char *prefixes[] = { "l2tp", "add", "tunnel", "tunnel_id", "1", "peer_tunnel_id", "1",
				    "encap", "udp", "local", "192.0.2.1", "remote", "192.0.2.2",
				    "udp_sport", "5000", "udp_dport", "5001", "add", "session",
				    "name", "l2tpeth0", "tunnel_id", "1", "session_id", "10",
				    "peer_session_id", "20", "cookie", "0011223344556677", "tunnel",
				    "l2spec_type", "none", "session", "mtu", "1400" };
	struct pw_config c;
	char want[512], got[512];

	(void)state;
	assert_true(argv_ok(&c, N(plain), plain));
	layout_of(&c, want, sizeof(want));
	assert_string_equal(want, "encap udp 192.0.2.1:5000 -> 192.0.2.2:5001, session_id 10 "
				  "peer_session_id 20, l2spec_type none, seq none, mtu 1400, dev "
				  "'l2tpeth0', cookie 0011223344556677, peer_cookie , offsets 0 0");
	assert_true(argv_ok(&c, N(pasted), pasted));
	layout_of(&c, got, sizeof(got));
	assert_string_equal(got, want);
	assert_true(argv_ok(&c, N(quoted), quoted));
	layout_of(&c, got, sizeof(got));
	assert_string_equal(got, want);
	assert_true(argv_ok(&c, N(prefixes), prefixes));
	layout_of(&c, got, sizeof(got));
	assert_string_equal(got, want);
}

/* pwire up's own reading: words up to an option, a pasted line first. */
static void test_take_stops_at_options(void **state)
{
	static char *argv[] = { "ip", "l2tp", "add", "session", "name", "pw9", "session_id", "1",
				"peer_session_id", "-1x", "--json" };
	struct pw_config c;
	struct pw_err e;

	(void)state;
	assert_true(pw_words_line_start("ip") && pw_words_line_start("name") &&
		    pw_words_line_start("session") && pw_words_line_start("l2tp add tunnel"));
	assert_false(pw_words_line_start("pw0") || pw_words_line_start("remote"));
	pw_config_init(&c);
	pw_err_init(&e);
	assert_int_equal(pw_words_take(&c, 8, argv, &e), 8);
	assert_false(pw_err_failed(&e));
	assert_string_equal(c.tap.name, "pw9");
	/* A value may start with '-'; a word's place may not. */
	assert_int_equal(pw_words_take(&c, N(argv) - 8, argv + 8, &e), -1);
	assert_string_equal(pw_err_msg(&e),
			    "bad value for peer_session_id: '-1x' (expected a number 1..4294967295)");
	pw_err_init(&e);
	assert_int_equal(pw_words_take(&c, 1, argv + 10, &e), 0);
}

static void expect_refused(int argc, char *const *argv, const char *msg)
{
	struct pw_config c;
	struct pw_err e;

	pw_err_init(&e);
	assert_false(argv_into(&c, argc, argv, &e));
	assert_string_equal(pw_err_msg(&e), msg);
}

static void test_name_local_any_and_tunnel_ids(void **state)
{
	static char *any6[] = { "local", "2001:db8::1", "local", "any", "remote", "2001:db8::2",
				"udp_sport", "1", "udp_dport", "2", "session_id", "3",
				"peer_session_id", "4" };
	static char *twice[] = { "tunnel_id", "1", "tid", "1", "ptid", "5", "peer_tunnel_id", "5" };
	static char *tid[] = { "add", "tunnel", "tunnel_id", "1", "add", "session", "tunnel_id", "2" };
	static char *ptid[] = { "ptid", "5", "peer_tunnel_id", "6" };
	static char *names[] = { "name", "pw0", "name", "pw1" };
	static char *bad_name[] = { "name", "a/b" };
	static char *ip_link[] = { "ip", "link", "add", "pw0" };
	static char *l2tp_del[] = { "l2tp", "del", "tunnel", "tunnel_id", "1" };
	struct pw_config c;
	struct sockaddr_in6 *l = (struct sockaddr_in6 *)&c.xport.local;
	struct pw_err e;

	(void)state;
	assert_true(argv_ok(&c, N(any6), any6));
	assert_int_equal(l->sin6_family, AF_INET6);
	assert_true(IN6_IS_ADDR_UNSPECIFIED(&l->sin6_addr));
	assert_false(c.set & PW_SET_LOCAL);
	pw_config_init(&c);
	pw_err_init(&e);
	assert_true(pw_words_parse(&c, N(twice), twice, &e));
	expect_refused(N(tid), tid, "tunnel_id 2: tunnel_id 1 was given before (a session names "
				    "the tunnel it joins: the two lines do not go together)");
	expect_refused(N(ptid), ptid, "peer_tunnel_id 6: peer_tunnel_id 5 was given before (a "
				      "session names the tunnel it joins: the two lines do not go "
				      "together)");
	expect_refused(N(names), names, "name pw1: the device was given as pw0 already (one device "
					"per pseudowire: give the name once)");
	expect_refused(N(bad_name), bad_name, "bad value for name: 'a/b' (a device name of 1..15 "
					      "characters, no '/', ':' or blanks)");
	expect_refused(N(ip_link), ip_link, "'ip link': pwire up takes the words of ip l2tp add "
					    "lines (tunnel and session)");
	expect_refused(N(l2tp_del), l2tp_del, "'l2tp del': pwire up takes the words of ip l2tp add "
					      "lines (tunnel and session)");
}

/* Accepted; one line says what they mean here, a warning only where a
 * peer would not be heard. */
static void test_udp_checksum_words(void **state)
{
	struct pw_config c;
	char note[256];
	bool warn;

	(void)state;
	assert_true(words(&c, base));
	assert_false(pw_words_csum_note(&c, note, sizeof(note), &warn));
	assert_true(words(&c, "udp_csum off udp_csum on remote 10.0.0.2 udp_sport 1 udp_dport 2 "
			      "session_id 1 peer_session_id 2 udp_csum off"));
	assert_true(pw_words_csum_note(&c, note, sizeof(note), &warn));
	assert_false(warn);
	assert_string_equal(note, "udp_csum off: over IPv4 pwire always sends UDP checksums; the "
				  "kernel checks those that arrive and takes datagrams without one");
	assert_true(words(&c, "remote ::1 udp_sport 1 udp_dport 2 session_id 1 peer_session_id 2 "
			      "udp6_csum_rx off udp6_csum_tx on"));
	assert_true(pw_words_csum_note(&c, note, sizeof(note), &warn));
	assert_true(warn);
	assert_string_equal(note, "udp6_csum_tx on, udp6_csum_rx off: over IPv6 pwire always "
				  "sends UDP checksums and the kernel drops datagrams that arrive "
				  "without one (a peer with udp6_csum_tx off is not heard)");
	assert_true(words(&c, "remote ::1 udp_sport 1 udp_dport 2 session_id 1 peer_session_id 2 "
			      "udp6_csum_rx on"));
	assert_true(pw_words_csum_note(&c, note, sizeof(note), &warn));
	assert_false(warn);
	assert_true(words(&c, "encap ip remote 10.0.0.2 session_id 1 peer_session_id 2 "
			      "udp6_csum_tx off"));
	assert_true(pw_words_csum_note(&c, note, sizeof(note), &warn));
	assert_false(warn);
	assert_string_equal(note, "udp6_csum_tx off: ignored (encap ip has no UDP checksums)");
}

/* A scratch cookie file of the given mode and contents; its path in path. */
static void cookie_file(char path[static 64], mode_t mode, const char *text)
{
	int fd;

	snprintf(path, 64, "/tmp/pwire-cookie-XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
}

static void test_cookie_files(void **state)
{
	static const uint8_t want[8] = { 0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77 };
	char good[64], open_[64], bad[64], line[512], msg[512];
	struct pw_config c;
	struct pw_err e;

	(void)state;
	cookie_file(good, 0600, "0011223344556677 \r\n");
	cookie_file(open_, 0640, "0011223344556677\n");
	cookie_file(bad, 0400, "0011223344556677 x\n");

	snprintf(line, sizeof(line), "%s cookie_file %s peer_cookie_file %s", base, good, good);
	assert_true(words(&c, line));
	assert_int_equal(c.session.cookie.len, 8);
	assert_memory_equal(c.session.cookie.bytes, want, 8);
	assert_int_equal(c.session.peer_cookie.len, 8);
	assert_memory_equal(c.session.peer_cookie.bytes, want, 8);
	assert_string_equal(c.cookie_file, good);

	pw_err_init(&e);
	snprintf(line, sizeof(line), "%s cookie_file %s", base, open_);
	assert_false(words_into(&c, line, &e));
	snprintf(msg, sizeof(msg), "cookie_file %s: group or others have access to it (mode "
		 "0640): chmod 600 it", open_);
	assert_string_equal(pw_err_msg(&e), msg);

	/* The contents are the secret: never in a message. */
	pw_err_init(&e);
	snprintf(line, sizeof(line), "%s peer_cookie_file %s", base, bad);
	assert_false(words_into(&c, line, &e));
	snprintf(msg, sizeof(msg), "peer_cookie_file %s: expected 8 or 16 hex digits (and a "
		 "newline) in it", bad);
	assert_string_equal(pw_err_msg(&e), msg);

	pw_err_init(&e);
	snprintf(line, sizeof(line), "%s cookie 00112233 cookie_file %s", base, good);
	assert_false(words_into(&c, line, &e));
	assert_string_equal(pw_err_msg(&e), "cookie_file: a cookie was given too (cookie, or "
					    "--qemu's or --uml's): give it one way");
	pw_err_init(&e);
	snprintf(line, sizeof(line), "%s peer_cookie_file %s peer_cookie 00112233", base, good);
	assert_false(words_into(&c, line, &e));
	snprintf(msg, sizeof(msg), "peer_cookie: peer_cookie_file %s was given too (give the "
		 "cookie one way)", good);
	assert_string_equal(pw_err_msg(&e), msg);

	pw_config_init(&c);
	pw_err_init(&e);
	snprintf(line, sizeof(line), "cookie_file %s", good);
	assert_true(pw_words_parse(&c, 2, (char *[]){ "cookie_file", good }, &e));
	assert_false(pw_qemu_parse(&c, "src=127.0.0.1,dst=127.0.0.1,udp=on,srcport=1,dstport=2,"
				       "txsession=1,txcookie=1,rxcookie=2", &e));
	assert_string_equal(pw_err_msg(&e), "--qemu: txcookie and rxcookie given, and cookie_file "
					    "too (give each cookie one way)");
	unlink(good);
	unlink(open_);
	unlink(bad);
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

/* The suggestion for a mistyped word: within one edit of a name of up to 4
 * characters, two of a longer one, a swap of neighbours one edit; the
 * nearest wins; nothing when none is that near. The lengths may differ by
 * exactly the edits allowed. */
static void test_nearest(void **state)
{
	static const char *const names[] = { "mtu", "session_id", "peer_session_id", "cookie",
					     NULL };
	static const struct {
		const char *typed, *meant;
	} cases[] = {
		{ "mtuu", "mtu" },		   /* one more, a short name */
		{ "mt", "mtu" },		   /* one fewer */
		{ "mtuuu", NULL },		   /* two more: too far for a short name */
		{ "session_", "session_id" },	   /* two fewer */
		{ "session_idxx", "session_id" },  /* two more */
		{ "session_idxxx", NULL },	   /* three more */
		{ "sesison_id", "session_id" },	   /* a swap */
		{ "peer_session_i", "peer_session_id" },
		{ "cokie", "cookie" },
		{ "remote", NULL },
		{ "", NULL },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *got = pw_nearest(cases[i].typed, names);

		if (cases[i].meant) {
			assert_non_null(got);
			assert_string_equal(got, cases[i].meant);
		} else {
			assert_null(got);
		}
	}
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
		cmocka_unit_test(test_pasted_pair_is_the_plain_words),
		cmocka_unit_test(test_take_stops_at_options),
		cmocka_unit_test(test_name_local_any_and_tunnel_ids),
		cmocka_unit_test(test_udp_checksum_words),
		cmocka_unit_test(test_cookie_files),
		cmocka_unit_test(test_sink_has_the_words),
		cmocka_unit_test(test_sink_keeps_every_warning),
		cmocka_unit_test(test_sink_overlong_list),
		cmocka_unit_test(test_nearest),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
