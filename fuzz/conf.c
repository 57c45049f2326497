/* SPDX-License-Identifier: MIT */
/*
 * conf.c: pwired's configuration file parser (daemon/conf.c) on any bytes.
 * It must not crash; a refusal must say why in the sink, an acceptance must
 * leave no error there; every pseudowire accepted must hold the invariants
 * of fuzz_check_config() (those `pwire up` promises), and the normalized
 * print must parse back to the same configurations, which print the same text.
 */
#include <stdlib.h>
#include <string.h>

#include "daemon/conf.h"
#include "fuzz.h"

/* The normalized text of conf, malloc'd. */
static char *print(const struct pw_conf *conf, size_t *len)
{
	char *text = NULL;
	FILE *f = open_memstream(&text, len);

	FUZZ_CHECK(f);
	pw_conf_print(f, conf);
	FUZZ_CHECK(!fclose(f));
	return text;
}

/* Family, address and port. */
static bool same_addr(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	if (a->ss_family != b->ss_family)
		return false;
	if (a->ss_family == AF_INET) {
		const struct sockaddr_in *x = (const void *)a, *y = (const void *)b;

		return x->sin_port == y->sin_port && x->sin_addr.s_addr == y->sin_addr.s_addr;
	}
	const struct sockaddr_in6 *x = (const void *)a, *y = (const void *)b;

	return x->sin6_port == y->sin6_port && !memcmp(&x->sin6_addr, &y->sin6_addr, 16);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pw_conf conf, again;
	struct pw_err e;
	char *text, *text2;
	size_t len, len2;
	bool ok;

	if (size > 64 * 1024)
		return 0;
	pw_err_init(&e);
	ok = pw_conf_parse(&conf, "fuzz.conf", (const char *)data, size, &e);
	FUZZ_CHECK(ok == !pw_err_failed(&e) && (ok || pw_err_msg(&e)[0]));
	if (!ok) {
		FUZZ_CHECK(conf.n == 0 && !conf.links);
		return 0;
	}
	FUZZ_CHECK(conf.n > 0);
	for (unsigned i = 0; i < conf.n; i++) {
		fuzz_check_config(&conf.links[i].c);
		/* A TAP's name or a vhost-user socket, never both. */
		FUZZ_CHECK(!conf.links[i].c.tap.name[0] != !conf.links[i].c.vhost_path[0] &&
			   conf.links[i].name[0]);
	}

	text = print(&conf, &len);
	pw_err_init(&e);
	FUZZ_CHECK(pw_conf_parse(&again, "normalized.conf", text, len, &e));
	FUZZ_CHECK(again.n == conf.n);
	for (unsigned i = 0; i < conf.n; i++) {
		const struct pw_config *a = &conf.links[i].c, *b = &again.links[i].c;

		FUZZ_CHECK(!strcmp(conf.links[i].name, again.links[i].name));
		FUZZ_CHECK(!strcmp(a->tap.name, b->tap.name));
		FUZZ_CHECK(!strcmp(a->vhost_path, b->vhost_path) && a->vhost_client == b->vhost_client);
		FUZZ_CHECK(a->session.session_id == b->session.session_id &&
			   a->session.peer_session_id == b->session.peer_session_id &&
			   a->session.encap == b->session.encap &&
			   a->session.l2spec == b->session.l2spec &&
			   a->session.seq == b->session.seq);
		FUZZ_CHECK(
		    !memcmp(&a->session.cookie, &b->session.cookie, sizeof(a->session.cookie)) &&
		    !memcmp(&a->session.peer_cookie, &b->session.peer_cookie,
			    sizeof(a->session.peer_cookie)));
		FUZZ_CHECK(a->session.offset == b->session.offset &&
			   a->session.peer_offset == b->session.peer_offset);
		FUZZ_CHECK(a->tap.mtu == b->tap.mtu && a->sport == b->sport &&
			   a->dport == b->dport);
		FUZZ_CHECK(a->tap.queues == b->tap.queues && a->tap.io_uring == b->tap.io_uring &&
			   a->busy_poll_us == b->busy_poll_us && !strcmp(a->user, b->user));
		FUZZ_CHECK(a->mac_random == b->mac_random);
		FUZZ_CHECK(a->tap.has_mac == b->tap.has_mac &&
			   (!a->tap.has_mac || !memcmp(a->tap.mac, b->tap.mac, 6)));
		FUZZ_CHECK(same_addr(&a->xport.local, &b->xport.local) &&
			   same_addr(&a->xport.remote, &b->xport.remote));
	}
	text2 = print(&again, &len2);
	FUZZ_CHECK(len == len2 && !memcmp(text, text2, len));
	free(text);
	free(text2);
	pw_conf_free(&again);
	pw_conf_free(&conf);
	return 0;
}
