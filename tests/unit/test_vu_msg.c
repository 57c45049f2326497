/* SPDX-License-Identifier: MIT */
/*
 * test_vu_msg.c: the vhost-user message parser (src/vnic/vhost/msg.c)
 * without a socket. Every case of tests/bad/vhost.txt ends as the catalog
 * says (accepted, or refused with a reason holding its words); every
 * request of the table is in the catalog accepted at least once; the table
 * is docs/vhost-user.md §2's, entry by entry; each accepted message cut
 * short by any number of bytes is refused; accepted payloads land where
 * dev.c will read them; and the protocol features a request needs are
 * asked for. Messages are copied into buffers of their exact size, so an
 * ASan build sees any read past the end.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "vnic/vhost/msg.h"

enum { LINE_MAX_ = 1024, REQ_MAX = 64 };

/* The HEX MESSAGE field: hex digits, spaces ignored. Returns the byte
 * count, or -1 for a bad digit or an odd count. */
static long unhex(const char *s, uint8_t *out, size_t max)
{
	size_t n = 0;
	int half = -1;

	for (; *s; s++) {
		int d;

		if (*s == ' ')
			continue;
		if (*s >= '0' && *s <= '9')
			d = *s - '0';
		else if (*s >= 'a' && *s <= 'f')
			d = *s - 'a' + 10;
		else
			return -1;
		if (half < 0) {
			half = d;
			continue;
		}
		if (n == max)
			return -1;
		out[n++] = (uint8_t)(half << 4 | d);
		half = -1;
	}
	return half < 0 ? (long)n : -1;
}

/* The parser on an exact-size heap copy of msg[0..len). */
static bool parse(const uint8_t *msg, size_t len, unsigned fds, struct pw_vu_msg *m,
		  struct pw_err *e)
{
	uint8_t *copy = malloc(len ? len : 1);
	bool ok;

	assert_non_null(copy);
	memcpy(copy, msg, len);
	pw_err_init(e);
	ok = pw_vu_msg_parse(copy, len, fds, m, e);
	free(copy);
	return ok;
}

static char *trim(char *s)
{
	char *end;

	s += strspn(s, " ");
	end = s + strlen(s);
	while (end > s && end[-1] == ' ')
		*--end = '\0';
	return s;
}

struct good {
	uint8_t bytes[PW_VU_HDR_LEN + PW_VU_PAYLOAD_MAX];
	size_t len;
	unsigned fds;
};

static struct good goods[256];
static unsigned n_goods;

static void test_catalog(void **state)
{
	FILE *f = fopen("bad/vhost.txt", "r");
	char line[LINE_MAX_];
	unsigned cases = 0, wrong = 0, accepted[REQ_MAX] = { 0 };

	(void)state;
	assert_non_null(f);
	n_goods = 0;
	while (fgets(line, sizeof(line), f)) {
		char *hex, *fds_s, *want, *end;
		uint8_t buf[2 * (PW_VU_HDR_LEN + PW_VU_PAYLOAD_MAX)];
		struct pw_vu_msg m;
		struct pw_err e;
		unsigned long fds;
		long len;
		bool ok;

		line[strcspn(line, "\n")] = '\0';
		if (!line[0] || line[0] == '#')
			continue;
		hex = line;
		fds_s = strchr(hex, '|');
		assert_non_null(fds_s);
		*fds_s++ = '\0';
		want = strchr(fds_s, '|');
		assert_non_null(want);
		*want++ = '\0';
		hex = trim(hex);
		want = trim(want);
		fds = strtoul(trim(fds_s), &end, 10);
		len = unhex(hex, buf, sizeof(buf));
		if (len < 0 || *end || !want[0]) {
			printf("FAIL: bad catalog line '%s | %s | %s'\n", hex, fds_s, want);
			wrong++;
			continue;
		}
		cases++;
		ok = parse(buf, (size_t)len, (unsigned)fds, &m, &e);
		if (!strcmp(want, "ok")) {
			if (!ok) {
				printf("FAIL: '%s' (%lu fds) refused: %s\n", hex, fds,
				       pw_err_msg(&e));
				wrong++;
				continue;
			}
			/* What an accepted message promises. */
			if (m.rule == NULL || m.rule->req != m.hdr.request ||
			    (size_t)len != PW_VU_HDR_LEN + m.hdr.size || m.n_fds != fds ||
			    pw_err_failed(&e)) {
				printf("FAIL: '%s' accepted with a wrong message\n", hex);
				wrong++;
				continue;
			}
			if (m.hdr.request < REQ_MAX)
				accepted[m.hdr.request]++;
			assert_true(n_goods < sizeof(goods) / sizeof(goods[0]));
			memcpy(goods[n_goods].bytes, buf, (size_t)len);
			goods[n_goods].len = (size_t)len;
			goods[n_goods++].fds = (unsigned)fds;
			continue;
		}
		if (ok) {
			printf("FAIL: '%s' (%lu fds) accepted, want '%s'\n", hex, fds, want);
			wrong++;
		} else if (!strstr(pw_err_msg(&e), want)) {
			printf("FAIL: '%s' (%lu fds): got '%s', want '%s'\n", hex, fds,
			       pw_err_msg(&e), want);
			wrong++;
		}
	}
	fclose(f);
	assert_int_equal(wrong, 0);
	assert_true(cases >= 100);
	/* Every request of the table is accepted by at least one case. */
	for (uint32_t r = 0; r < REQ_MAX; r++) {
		if (pw_vu_rule_find(r) && !accepted[r]) {
			printf("FAIL: no accepted case for %s\n", pw_vu_req_name(r));
			wrong++;
		}
	}
	assert_int_equal(wrong, 0);
}

/* Every accepted message of the catalog cut short by 1..len bytes is
 * refused (the length is the header's, never guessed). */
static void test_truncated(void **state)
{
	unsigned tried = 0;

	(void)state;
	if (!n_goods)
		test_catalog(state);
	assert_true(n_goods >= 17);
	for (unsigned g = 0; g < n_goods; g++) {
		for (size_t len = 0; len < goods[g].len; len++) {
			struct pw_vu_msg m;
			struct pw_err e;

			if (parse(goods[g].bytes, len, goods[g].fds, &m, &e)) {
				printf("FAIL: case %u cut to %zu bytes accepted\n", g, len);
				fail();
			}
			assert_true(pw_err_failed(&e));
			tried++;
		}
	}
	assert_true(tried >= 500);
}

/* docs/vhost-user.md §2's table, written out again. */
static void test_table(void **state)
{
	static const struct {
		uint32_t req;
		const char *name;
		uint16_t lo, hi;
		enum pw_vu_fds fds;
		enum pw_vu_reply reply;
		uint64_t needs;
	} want[] = {
		{ 1, "GET_FEATURES", 0, 0, PW_VU_FDS_NONE, PW_VU_REPLY_U64, 0 },
		{ 2, "SET_FEATURES", 8, 8, PW_VU_FDS_NONE, PW_VU_REPLY_NONE, 0 },
		{ 3, "SET_OWNER", 0, 0, PW_VU_FDS_NONE, PW_VU_REPLY_NONE, 0 },
		{ 4, "RESET_OWNER", 0, 0, PW_VU_FDS_NONE, PW_VU_REPLY_NONE, 0 },
		{ 5, "SET_MEM_TABLE", 40, 264, PW_VU_FDS_PER_REGION, PW_VU_REPLY_NONE, 0 },
		{ 8, "SET_VRING_NUM", 8, 8, PW_VU_FDS_NONE, PW_VU_REPLY_NONE, 0 },
		{ 9, "SET_VRING_ADDR", 40, 40, PW_VU_FDS_NONE, PW_VU_REPLY_NONE, 0 },
		{ 10, "SET_VRING_BASE", 8, 8, PW_VU_FDS_NONE, PW_VU_REPLY_NONE, 0 },
		{ 11, "GET_VRING_BASE", 8, 8, PW_VU_FDS_NONE, PW_VU_REPLY_STATE, 0 },
		{ 12, "SET_VRING_KICK", 8, 8, PW_VU_FDS_ONE_UNLESS_NOFD, PW_VU_REPLY_NONE, 0 },
		{ 13, "SET_VRING_CALL", 8, 8, PW_VU_FDS_ONE_UNLESS_NOFD, PW_VU_REPLY_NONE, 0 },
		{ 14, "SET_VRING_ERR", 8, 8, PW_VU_FDS_ONE_UNLESS_NOFD, PW_VU_REPLY_NONE, 0 },
		{ 15, "GET_PROTOCOL_FEATURES", 0, 0, PW_VU_FDS_NONE, PW_VU_REPLY_U64, 0 },
		{ 16, "SET_PROTOCOL_FEATURES", 8, 8, PW_VU_FDS_NONE, PW_VU_REPLY_NONE, 0 },
		{ 17, "GET_QUEUE_NUM", 0, 0, PW_VU_FDS_NONE, PW_VU_REPLY_U64, 1u << 0 },
		{ 18, "SET_VRING_ENABLE", 8, 8, PW_VU_FDS_NONE, PW_VU_REPLY_NONE, 0 },
		{ 20, "NET_SET_MTU", 8, 8, PW_VU_FDS_NONE, PW_VU_REPLY_NONE, 1u << 4 },
	};
	unsigned n = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		const struct pw_vu_rule *r = pw_vu_rule_find(want[i].req);

		assert_non_null(r);
		assert_int_equal(r->req, want[i].req);
		assert_string_equal(r->name, want[i].name);
		assert_string_equal(pw_vu_req_name(want[i].req), want[i].name);
		assert_int_equal(r->size_min, want[i].lo);
		assert_int_equal(r->size_max, want[i].hi);
		assert_int_equal(r->fds, want[i].fds);
		assert_int_equal(r->reply, want[i].reply);
		assert_int_equal(r->needs, want[i].needs);
	}
	/* And nothing else. */
	for (uint32_t req = 0; req < 4096; req++)
		n += pw_vu_rule_find(req) != NULL;
	assert_int_equal(n, sizeof(want) / sizeof(want[0]));
	assert_null(pw_vu_rule_find(UINT32_MAX));
	assert_string_equal(pw_vu_req_name(21), "SET_BACKEND_REQ_FD");
	assert_string_equal(pw_vu_req_name(19), "SEND_RARP");
	assert_null(pw_vu_req_name(0));
	assert_null(pw_vu_req_name(1000));
	assert_null(pw_vu_req_name(UINT32_MAX));
}

static size_t put_hdr(uint8_t *b, uint32_t req, uint32_t flags, uint32_t size)
{
	memcpy(b, &req, 4);
	memcpy(b + 4, &flags, 4);
	memcpy(b + 8, &size, 4);
	return PW_VU_HDR_LEN + size;
}

/* Accepted payloads where dev.c and mem.c read them; the rest zero. */
static void test_payload(void **state)
{
	uint8_t b[PW_VU_HDR_LEN + PW_VU_PAYLOAD_MAX];
	struct pw_vu_memory mem = { .n_regions = 2 };
	struct pw_vu_vring_addr addr = { .index = 1, .desc = 0x1000, .used = 0x3000,
					 .avail = 0x2000, .log = 0xdead };
	struct pw_vu_vring_state st = { .index = 3, .num = 1024 };
	struct pw_vu_msg m;
	struct pw_err e;
	size_t len;

	(void)state;
	for (unsigned i = 0; i < 2; i++)
		mem.regions[i] = (struct pw_vu_region){ .gpa = 0x100000 * i, .size = 0x100000,
							.uva = 0x7f0000000000 + i,
							.mmap_offset = 4096 * i };
	len = put_hdr(b, PW_VU_SET_MEM_TABLE, PW_VU_VERSION | PW_VU_FLAG_NEED_REPLY, 8 + 2 * 32);
	memcpy(b + PW_VU_HDR_LEN, &mem, 8 + 2 * 32);
	memset(&m, 0xa5, sizeof(m));
	assert_true(parse(b, len, 2, &m, &e));
	assert_int_equal(m.hdr.flags, PW_VU_VERSION | PW_VU_FLAG_NEED_REPLY);
	assert_int_equal(m.p.mem.n_regions, 2);
	assert_memory_equal(m.p.mem.regions, mem.regions, 2 * sizeof(mem.regions[0]));
	for (unsigned i = 2; i < PW_VU_REGIONS_MAX; i++)
		assert_int_equal(m.p.mem.regions[i].size, 0);
	assert_int_equal(m.n_fds, 2);
	assert_int_equal(m.rule->fds, PW_VU_FDS_PER_REGION);

	len = put_hdr(b, PW_VU_SET_VRING_ADDR, PW_VU_VERSION, sizeof(addr));
	memcpy(b + PW_VU_HDR_LEN, &addr, sizeof(addr));
	assert_true(parse(b, len, 0, &m, &e));
	assert_memory_equal(&m.p.addr, &addr, sizeof(addr));

	len = put_hdr(b, PW_VU_GET_VRING_BASE, PW_VU_VERSION, sizeof(st));
	memcpy(b + PW_VU_HDR_LEN, &st, sizeof(st));
	assert_true(parse(b, len, 0, &m, &e));
	assert_int_equal(m.p.state.index, 3);
	assert_int_equal(m.p.state.num, 1024);
	assert_int_equal(m.rule->reply, PW_VU_REPLY_STATE);
	assert_int_equal(m.p.mem.regions[0].gpa, 0); /* past size: zero */

	len = put_hdr(b, PW_VU_GET_FEATURES, PW_VU_VERSION, 0);
	memset(&m, 0xa5, sizeof(m));
	assert_true(parse(b, len, 0, &m, &e));
	assert_int_equal(m.p.u64, 0);
	assert_int_equal(m.rule->reply, PW_VU_REPLY_U64);
}

/* GET_QUEUE_NUM needs MQ, NET_SET_MTU needs NET_MTU; the rest nothing. */
static void test_allowed(void **state)
{
	static const uint64_t mq = UINT64_C(1) << PW_VU_PROTOCOL_F_MQ,
			      mtu = UINT64_C(1) << PW_VU_PROTOCOL_F_NET_MTU,
			      ack = UINT64_C(1) << PW_VU_PROTOCOL_F_REPLY_ACK;
	uint8_t b[PW_VU_HDR_LEN + 8] = { 0 };
	struct pw_vu_msg m;
	struct pw_err e;

	(void)state;
	assert_true(parse(b, put_hdr(b, PW_VU_GET_QUEUE_NUM, PW_VU_VERSION, 0), 0, &m, &e));
	pw_err_init(&e);
	assert_false(pw_vu_msg_allowed(&m, mtu | ack, &e));
	assert_string_equal(pw_err_msg(&e),
			    "GET_QUEUE_NUM needs protocol feature MQ (bit 0), not negotiated");
	pw_err_init(&e);
	assert_true(pw_vu_msg_allowed(&m, mq, &e));
	assert_false(pw_err_failed(&e));

	assert_true(parse(b, put_hdr(b, PW_VU_NET_SET_MTU, PW_VU_VERSION, 8), 0, &m, &e));
	pw_err_init(&e);
	assert_false(pw_vu_msg_allowed(&m, mq | ack, &e));
	assert_string_equal(pw_err_msg(&e),
			    "NET_SET_MTU needs protocol feature NET_MTU (bit 4), not negotiated");
	pw_err_init(&e);
	assert_true(pw_vu_msg_allowed(&m, mtu, &e));

	assert_true(parse(b, put_hdr(b, PW_VU_GET_FEATURES, PW_VU_VERSION, 0), 0, &m, &e));
	pw_err_init(&e);
	assert_true(pw_vu_msg_allowed(&m, 0, &e));
	assert_false(pw_err_failed(&e));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_catalog),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_payload),
		cmocka_unit_test(test_allowed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
