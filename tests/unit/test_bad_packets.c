/* SPDX-License-Identifier: MIT */
/*
 * test_bad_packets.c: runs the packet half of the bad-input catalog
 * (tests/bad/packets.txt): every datagram must end as the catalog says, and
 * a drop must move its one named counter and nothing else; an accepted one
 * must leave data/len on exactly the frame, where the RFCs put it (computed
 * here, not by pw_layout) and where the catalog's F frame was written.
 * Each datagram comes from the session's peer (10.0.0.2, port 1701 over
 * UDP) unless its text says FROM-... .
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "core/codec.h"

static const char *const reasons[] = {
	[PW_RX_OK] = "ok",
	[PW_RX_TRUNCATED] = "rx_truncated",
	[PW_RX_SHORT] = "rx_short",
	[PW_RX_BAD_VERSION] = "rx_bad_version",
	[PW_RX_CONTROL] = "rx_control",
	[PW_RX_BAD_SESSION] = "rx_bad_session",
	[PW_RX_BAD_SOURCE] = "rx_bad_source",
	[PW_RX_BAD_COOKIE] = "rx_cookie_discards",
	[PW_RX_NO_SEQ] = "rx_seq_discards",
	[PW_RX_OOS] = "rx_oos_packets",
};

static uint64_t counter(const struct pw_session *s, const struct pw_tunnel *t, const char *name)
{
	for (size_t i = 0; i < pw_session_counter_count; i++)
		if (!strcmp(pw_session_counter_names[i].name, name))
			return *(const uint64_t *)((const char *)&s->stats +
						   pw_session_counter_names[i].offset);
	for (size_t i = 0; i < pw_tunnel_counter_count; i++)
		if (!strcmp(pw_tunnel_counter_names[i].name, name))
			return *(const uint64_t *)((const char *)&t->stats +
						   pw_tunnel_counter_names[i].offset);
	fail_msg("no counter named %s", name);
	return 0;
}

static uint64_t all_drops(const struct pw_session *s, const struct pw_tunnel *t)
{
	uint64_t sum = 0;

	for (size_t i = 1; i < sizeof(reasons) / sizeof(reasons[0]); i++)
		sum += counter(s, t, reasons[i]);
	return sum;
}

static void parse_config(char *cfg, struct pw_session_cfg *c)
{
	static const uint8_t cookie[8] = { 0xc0, 0xff, 0xee, 0x01, 0xc0, 0xff, 0xee, 0x02 };

	*c = (struct pw_session_cfg){ .session_id = 0x1001, .peer_session_id = 1 };
	memcpy(c->peer_cookie.bytes, cookie, 8);
	for (char *w = strtok(cfg, " "); w; w = strtok(NULL, " ")) {
		if (!strcmp(w, "ip"))
			c->encap = PW_ENCAP_IP;
		else if (w[0] == 'c' && (w[1] == '0' || w[1] == '4' || w[1] == '8'))
			c->peer_cookie.len = (uint8_t)(w[1] - '0');
		else if (!strcmp(w, "default"))
			c->l2spec = PW_L2SPEC_DEFAULT;
		else if (!strcmp(w, "counter32"))
			c->l2spec = PW_L2SPEC_COUNTER32;
		else if (!strcmp(w, "seq-recv"))
			c->seq = PW_SEQ_RECV;
		else if (!strncmp(w, "poff=", 5))
			c->peer_offset = (uint16_t)atoi(w + 5);
		else if (strcmp(w, "udp") && strcmp(w, "none") && strcmp(w, "seq-none"))
			fail_msg("unknown config word %s", w);
	}
}

/*
 * Where the frame starts in a received datagram, from the RFCs rather than
 * from pw_layout: over UDP a 32-bit word with the T bit and version (RFC 3931
 * §4.1.2.2); the 32-bit session id (§4.1.1.1); the cookie, 0, 4 or 8 bytes
 * (§4.1.1.1); a 4-byte sublayer word unless l2spec is none (RFC 4719 §3.1, or
 * QEMU's 32-bit counter); then the peer_offset bytes we skip.
 */
static size_t frame_start(const struct pw_session_cfg *c)
{
	size_t n = c->encap == PW_ENCAP_UDP ? 4 : 0;

	n += 4 + c->peer_cookie.len;
	if (c->l2spec != PW_L2SPEC_NONE)
		n += 4;
	return n + c->peer_offset;
}

static uint8_t f_byte(unsigned i)
{
	return (uint8_t)(i < 6 ? 0xff : i);
}

/* The session's peer, as the socket transport reports a source. */
static struct pw_addr peer_of(const struct pw_session_cfg *c)
{
	struct pw_addr a = { .family = AF_INET };

	a.port = c->encap == PW_ENCAP_UDP ? htons(1701) : 0;
	memcpy(a.addr, (const uint8_t[]){ 10, 0, 0, 2 }, 4);
	return a;
}

/* Hex (spaces ignored), F = a 60-byte frame (*f_at: where it starts, or
 * SIZE_MAX), TRUNC = MSG_TRUNC; the source (*from, the peer until told):
 * FROM-ADDR another address (10.0.0.3, same port), FROM-PORT the peer's
 * address and another port (1702), FROM-V6 the same bytes as an IPv6
 * address, FROM-NONE no address at all. */
static size_t parse_datagram(const char *text, uint8_t *out, bool *truncated, size_t *f_at,
			     struct pw_addr *from)
{
	size_t n = 0;

	*truncated = false;
	*f_at = SIZE_MAX;
	for (const char *p = text; *p;) {
		unsigned b;

		if (*p == ' ') {
			p++;
		} else if (!strncmp(p, "FROM-ADDR", 9)) {
			from->addr[3] = 3;
			p += 9;
		} else if (!strncmp(p, "FROM-PORT", 9)) {
			from->port = htons(1702);
			p += 9;
		} else if (!strncmp(p, "FROM-V6", 7)) {
			from->family = AF_INET6;
			p += 7;
		} else if (!strncmp(p, "FROM-NONE", 9)) {
			*from = (struct pw_addr){ 0 };
			p += 9;
		} else if (!strncmp(p, "TRUNC", 5)) {
			*truncated = true;
			p += 5;
		} else if (*p == 'F') {
			*f_at = n;
			for (unsigned i = 0; i < 60; i++)
				out[n++] = f_byte(i);
			p++;
		} else if (sscanf(p, "%2x", &b) == 1 && p[1] && p[1] != ' ') {
			out[n++] = (uint8_t)b;
			p += 2;
		} else {
			fail_msg("bad datagram text at '%s'", p);
		}
	}
	return n;
}

static void test_catalog(void **state)
{
	FILE *f = fopen("bad/packets.txt", "r");
	char line[4096];
	unsigned cases = 0, ok = 0, lines = 0, sources = 0;

	(void)state;
	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		char *cfg = line, *grams, *results, *save_g = NULL, *save_r = NULL;
		struct pw_session_cfg c;
		struct pw_session s;
		struct pw_tunnel t;
		struct pw_tunnel_slot slots[2];

		line[strcspn(line, "\n")] = '\0';
		if (line[0] == '#' || !line[0])
			continue;
		grams = strstr(cfg, " | ");
		assert_non_null(grams);
		*grams = '\0';
		grams += 3;
		results = strstr(grams, "| ");
		assert_non_null(results);
		results[0] = '\0';
		results += 2;
		print_message("%s | %s| %s\n", cfg, grams, results);
		parse_config(cfg, &c);
		pw_session_init(&s, &c);
		s.peer = peer_of(&c);
		t = (struct pw_tunnel){ .encap = c.encap, .sessions = &s, .n_sessions = 1 };
		/* Every other line through the index, the others by the scan. */
		if (lines++ & 1)
			assert_true(pw_tunnel_index(&t, slots, 2));

		char *g = strtok_r(grams, ";", &save_g);
		char *r = strtok_r(results, " ", &save_r);
		for (; r; g = strtok_r(NULL, ";", &save_g), r = strtok_r(NULL, " ", &save_r)) {
			assert_true(g || !grams[0]); /* only the empty datagram has no text */
			uint8_t buf[512];
			struct pw_pkt p = { .buf = buf, .cap = sizeof(buf), .data = buf };
			struct pw_session *found = NULL;
			uint64_t drops = all_drops(&s, &t), rx = s.stats.rx_packets;
			bool truncated;
			size_t f_at, len;
			enum pw_rx_verdict v;

			p.peer = s.peer;
			len = parse_datagram(g ? g : "", buf, &truncated, &f_at, &p.peer);
			p.len = (uint32_t)len;
			p.truncated = truncated;
			v = pw_decap(&t, &p, &found);
			assert_string_equal(reasons[v], r);
			sources += v == PW_RX_BAD_SOURCE;
			if (v == PW_RX_OK) {
				assert_int_equal(s.stats.rx_packets, rx + 1);
				assert_int_equal(all_drops(&s, &t), drops);
				assert_ptr_equal(found, &s);
				assert_int_equal(p.data - buf, frame_start(&c));
				assert_int_equal(p.len, len - frame_start(&c));
				if (f_at != SIZE_MAX) { /* the F frame, whole, nothing around it */
					assert_int_equal(p.data - buf, f_at);
					assert_int_equal(p.len, 60);
					for (unsigned i = 0; i < 60; i++)
						assert_int_equal(p.data[i], f_byte(i));
				}
				ok++;
			} else {
				assert_int_equal(all_drops(&s, &t), drops + 1);
				assert_int_equal(s.stats.rx_packets, rx);
			}
			cases++;
		}
		assert_null(g); /* a result for every datagram, a datagram for every result */
	}
	fclose(f);
	assert_true(cases >= 60);
	assert_true(ok >= 35);
	assert_true(sources >= 8);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_catalog),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
