/* SPDX-License-Identifier: MIT */
/*
 * test_control.c: pwired's control requests without a daemon. Every bad
 * request of tests/bad/control.txt, cut as the daemon's reader cuts it, is
 * refused by pw_ctl_parse() with exactly its expected reply line; the good
 * spellings parse to what they say and pw_ctl_req_str() gives them back;
 * and the show printer escapes names in JSON and in Prometheus labels.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "daemon/control.h"

enum { LINE_MAX_ = 512, DATA_MAX = 8192 };

/* The catalog's REQUEST: Python-style escapes (\n \t \r \\ \xHH), then an
 * optional *N repeat. Returns the byte count. */
static size_t decode(const char *s, char *out)
{
	char one[LINE_MAX_];
	size_t n = 0, total = 0;
	unsigned long rep = 1;
	const char *star = strrchr(s, '*');
	size_t end = strlen(s);

	if (star && star[1] && strspn(star + 1, "0123456789") == strlen(star + 1)) {
		rep = strtoul(star + 1, NULL, 10);
		end = (size_t)(star - s);
	}
	for (size_t i = 0; i < end; i++) {
		if (s[i] != '\\' || i + 1 == end) {
			one[n++] = s[i];
			continue;
		}
		switch (s[++i]) {
		case 'n': one[n++] = '\n'; break;
		case 't': one[n++] = '\t'; break;
		case 'r': one[n++] = '\r'; break;
		case 'x': {
			char hex[3] = { s[i + 1], s[i + 2], 0 };

			one[n++] = (char)strtoul(hex, NULL, 16);
			i += 2;
			break;
		}
		default: one[n++] = s[i]; break;
		}
	}
	for (unsigned long r = 0; r < rep && total + n <= DATA_MAX; r++, total += n)
		memcpy(out + total, one, n);
	return total;
}

/* What the daemon hands the parser: up to the first LF, at most
 * PW_CTL_REQ_MAX bytes. */
static size_t cut(const char *data, size_t len)
{
	size_t max = len < PW_CTL_REQ_MAX ? len : PW_CTL_REQ_MAX;
	const char *lf = memchr(data, '\n', max);

	return lf ? (size_t)(lf - data) + 1 : max;
}

static void test_catalog(void **state)
{
	FILE *f = fopen("bad/control.txt", "r");
	char line[LINE_MAX_], data[DATA_MAX + LINE_MAX_];
	unsigned cases = 0, wrong = 0;

	(void)state;
	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		char *sep, *want;
		struct pw_ctl_req req;
		struct pw_err e;
		char got[PW_ERR_MSG_MAX + 16];
		size_t len;

		line[strcspn(line, "\n")] = '\0';
		if (!line[0] || line[0] == '#')
			continue;
		sep = strstr(line, " | ");
		assert_non_null(sep);
		*sep = '\0';
		want = sep + 3;
		len = decode(line, data);
		pw_err_init(&e);
		cases++;
		if (pw_ctl_parse(data, cut(data, len), &req, &e)) {
			printf("FAIL: '%s' accepted, want %s\n", line, want);
			wrong++;
			continue;
		}
		snprintf(got, sizeof(got), "error: %s", pw_err_msg(&e));
		if (strcmp(got, want)) {
			printf("FAIL: '%s': got '%s', want '%s'\n", line, got, want);
			wrong++;
		}
	}
	fclose(f);
	assert_int_equal(wrong, 0);
	assert_true(cases >= 10);
}

static void test_good(void **state)
{
	static const struct {
		const char *in;
		enum pw_show_format format;
	} good[] = {
		{ "show\n", PW_SHOW_TEXT },
		{ "show --json\n", PW_SHOW_JSON },
		{ "show --prometheus\n", PW_SHOW_PROMETHEUS },
		{ " \tshow\t --json  \r\n", PW_SHOW_JSON },
		{ "show\r\n", PW_SHOW_TEXT },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		struct pw_ctl_req req, again;
		struct pw_err e;
		char line[PW_CTL_REQ_MAX + 1];

		pw_err_init(&e);
		assert_true(pw_ctl_parse(good[i].in, strlen(good[i].in), &req, &e));
		assert_false(pw_err_failed(&e));
		assert_int_equal(req.cmd, PW_CTL_SHOW);
		assert_int_equal(req.format, good[i].format);
		pw_ctl_req_str(&req, line, sizeof(line));
		assert_true(pw_ctl_parse(line, strlen(line), &again, &e));
		assert_int_equal(again.format, req.format);
	}
}

/* What follows the first LF is not the parser's: the reader stops there. */
/* add, del, set: the name and the words, one space apart, and back. */
static void test_sections(void **state)
{
	static const struct {
		const char *in;
		enum pw_ctl_cmd cmd;
		const char *name, *words, *canonical;
	} good[] = {
		{ "add vm9 remote 10.0.0.2 udp_sport 1709\n", PW_CTL_ADD, "vm9",
		  "remote 10.0.0.2 udp_sport 1709", "add vm9 remote 10.0.0.2 udp_sport 1709\n" },
		{ " add\tvm-9.a   qemu src=1.2.3.4,dst=1.2.3.5\r\n", PW_CTL_ADD, "vm-9.a",
		  "qemu src=1.2.3.4,dst=1.2.3.5", "add vm-9.a qemu src=1.2.3.4,dst=1.2.3.5\n" },
		{ "set vm1 mtu 1400\n", PW_CTL_SET, "vm1", "mtu 1400", "set vm1 mtu 1400\n" },
		{ "del vm1\n", PW_CTL_DEL, "vm1", "", "del vm1\n" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		struct pw_ctl_req req, again;
		struct pw_err e;
		char line[PW_CTL_REQ_MAX + 1];

		pw_err_init(&e);
		if (!pw_ctl_parse(good[i].in, strlen(good[i].in), &req, &e))
			fail_msg("'%s': %s", good[i].in, pw_err_msg(&e));
		assert_int_equal(req.cmd, good[i].cmd);
		assert_string_equal(req.name, good[i].name);
		assert_string_equal(req.words, good[i].words);
		assert_string_equal(pw_ctl_req_str(&req, line, sizeof(line)), good[i].canonical);
		assert_true(pw_ctl_parse(line, strlen(line), &again, &e));
		assert_memory_equal(&again, &req, sizeof(req));
	}
}

/* The longest request there is (PW_CTL_REQ_MAX bytes with its LF) is
 * given back whole: fuzz-control found the LF cut from a buffer one byte
 * short. */
static void test_longest_request(void **state)
{
	char in[PW_CTL_REQ_MAX + 1], line[PW_CTL_REQ_MAX + 1];
	struct pw_ctl_req req, again;
	struct pw_err e;
	size_t at = (size_t)snprintf(in, sizeof(in), "add vm9");

	(void)state;
	while (at + 4 < PW_CTL_REQ_MAX - 1)
		at += (size_t)snprintf(in + at, sizeof(in) - at, " k v");
	while (at < PW_CTL_REQ_MAX - 1)
		in[at++] = 'v';
	in[at++] = '\n';
	assert_int_equal(at, PW_CTL_REQ_MAX);
	pw_err_init(&e);
	assert_true(pw_ctl_parse(in, at, &req, &e));
	assert_int_equal(strlen(pw_ctl_req_str(&req, line, sizeof(line))), PW_CTL_REQ_MAX);
	assert_true(pw_ctl_parse(line, strlen(line), &again, &e));
	assert_memory_equal(&again, &req, sizeof(req));
}

static void test_bytes_after_the_line(void **state)
{
	static const char in[] = "show --json\ngarbage\xff";
	struct pw_ctl_req req;
	struct pw_err e;

	(void)state;
	pw_err_init(&e);
	assert_true(pw_ctl_parse(in, cut(in, sizeof(in) - 1), &req, &e));
	assert_int_equal(req.format, PW_SHOW_JSON);
	assert_false(pw_ctl_parse(in, sizeof(in) - 1, &req, &e));
	assert_string_equal(pw_err_msg(&e), "bytes after the request line");
}

static char *show(const char *name, enum pw_show_format format)
{
	static struct pw_session s;
	static struct pw_tunnel_stats t;
	static struct pw_vnic_stats v;
	struct pw_report r = { .ifname = "tap0", .session = &s, .tunnel = &t, .vnic = &v };
	struct pw_show sh = { name, "tap:tap0", "udp", "10.0.0.1", "10.0.0.2", 1701, 1702, &r };
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	assert_non_null(f);
	s.cfg.session_id = 7;
	s.cfg.peer_session_id = 9;
	s.stats.rx_packets = 42;
	v.rx_too_big = 3;
	pw_print_sessions(f, &sh, 1, format);
	fclose(f);
	return out;
}

static void test_show_escapes(void **state)
{
	char *json = show("a\"b\\c\n", PW_SHOW_JSON);
	char *prom = show("a\"b\\c\n", PW_SHOW_PROMETHEUS);
	char *text = show("vm1", PW_SHOW_TEXT);

	(void)state;
	assert_non_null(strstr(json, "{\"sessions\":[{\"name\":\"a\\\"b\\\\c\\u000a\",\"vnic\":\"tap:tap0\""));
	assert_non_null(strstr(json, "\"udp_sport\":1701,\"udp_dport\":1702,\"session_id\":7,"
				     "\"peer_session_id\":9,\"counters\":{\"session\":{"));
	assert_non_null(strstr(prom, "\npwire_rx_packets_total{session=\"a\\\"b\\\\c\\n\"} 42\n"));
	assert_non_null(strstr(prom, "\npwire_rx_dropped_total{session=\"a\\\"b\\\\c\\n\",reason=\"vnic_rx_too_big\"} 3\n"));
	assert_non_null(strstr(prom, "# TYPE pwire_rx_dropped_total counter\n"));
	assert_non_null(strstr(text, "vm1: vnic tap:tap0 encap udp local 10.0.0.1 remote 10.0.0.2 "
				     "udp_sport 1701 udp_dport 1702\n  session_id 7 peer_session_id 9\n"));
	free(json);
	free(prom);
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_catalog),
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_sections),
		cmocka_unit_test(test_longest_request),
		cmocka_unit_test(test_bytes_after_the_line),
		cmocka_unit_test(test_show_escapes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
