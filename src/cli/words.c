/* SPDX-License-Identifier: MIT */
/*
 * words.c: the `ip l2tp add tunnel` + `add session` words of `pwire up`,
 * spelled as iproute2 spells them (ip/ipl2tp.c, ip-l2tp(8)), plus pwire's
 * own `mtu`, `mac`, `peer`, `queues`, `io_uring`, `busy_poll` and `user`.
 * A table maps each word to its setter.
 */
#include <ctype.h>
#include <string.h>

#include "cli/config.h"
#include "cli/parse.h"

struct word {
	const char *name;
	const char *alias;
	bool (*set)(struct pw_config *c, const char *word, const char *val, struct pw_err *e);
};

static bool set_encap(struct pw_config *c, const char *w, const char *v, struct pw_err *e)
{
	if (!strcmp(v, "udp"))
		c->session.encap = PW_ENCAP_UDP;
	else if (!strcmp(v, "ip"))
		c->session.encap = PW_ENCAP_IP;
	else {
		pw_err_set(e, "bad value for %s: '%s' (expected udp or ip)", w, v);
		return false;
	}
	c->set |= PW_SET_ENCAP;
	return true;
}

static bool set_local(struct pw_config *c, const char *w, const char *v, struct pw_err *e)
{
	c->set |= PW_SET_LOCAL;
	return pw_parse_addr(w, v, &c->xport.local, e);
}

static bool set_remote(struct pw_config *c, const char *w, const char *v, struct pw_err *e)
{
	c->set |= PW_SET_REMOTE;
	return pw_parse_addr(w, v, &c->xport.remote, e);
}

static bool set_sport(struct pw_config *c, const char *w, const char *v, struct pw_err *e)
{
	c->set |= PW_SET_SPORT;
	return pw_parse_port(w, v, &c->sport, e);
}

static bool set_dport(struct pw_config *c, const char *w, const char *v, struct pw_err *e)
{
	c->set |= PW_SET_DPORT;
	return pw_parse_port(w, v, &c->dport, e);
}

static bool set_session(struct pw_config *c, const char *w, const char *v, struct pw_err *e)
{
	c->set |= PW_SET_SESSION;
	return pw_parse_session(w, v, &c->session.session_id, e);
}

static bool set_peer_session(struct pw_config *c, const char *w, const char *v, struct pw_err *e)
{
	c->set |= PW_SET_PEER_SESSION;
	return pw_parse_session(w, v, &c->session.peer_session_id, e);
}

static bool set_cookie(struct pw_config *c, const char *w, const char *v, struct pw_err *e)
{
	c->set |= PW_SET_COOKIE;
	return pw_parse_cookie_hex(w, v, &c->session.cookie, e);
}

static bool set_peer_cookie(struct pw_config *c, const char *w, const char *v, struct pw_err *e)
{
	c->set |= PW_SET_PEER_COOKIE;
	return pw_parse_cookie_hex(w, v, &c->session.peer_cookie, e);
}

static bool set_l2spec(struct pw_config *c, const char *w, const char *v, struct pw_err *e)
{
	if (!strcmp(v, "none"))
		c->session.l2spec = PW_L2SPEC_NONE;
	else if (!strcmp(v, "default"))
		c->session.l2spec = PW_L2SPEC_DEFAULT;
	else if (!strcmp(v, "counter32"))
		c->session.l2spec = PW_L2SPEC_COUNTER32;
	else {
		pw_err_set(e, "bad value for %s: '%s' (expected none, default or counter32)", w, v);
		return false;
	}
	c->set |= PW_SET_L2SPEC;
	return true;
}

static bool set_seq(struct pw_config *c, const char *w, const char *v, struct pw_err *e)
{
	for (unsigned i = 0; i < 4; i++) {
		if (!strcmp(v, pw_seq_name(i))) {
			c->session.seq = i; /* the enum pw_seq bits, in this order */
			c->set |= PW_SET_SEQ;
			return true;
		}
	}
	pw_err_set(e, "bad value for %s: '%s' (expected none, send, recv or both)", w, v);
	return false;
}

static bool set_offset(struct pw_config *c, const char *w, const char *v, struct pw_err *e)
{
	uint32_t n;

	if (!pw_parse_u32(w, v, 0, PW_OFFSET_MAX, &n, e))
		return false;
	c->session.offset = (uint16_t)n;
	return true;
}

static bool set_peer_offset(struct pw_config *c, const char *w, const char *v, struct pw_err *e)
{
	uint32_t n;

	if (!pw_parse_u32(w, v, 0, PW_OFFSET_MAX, &n, e))
		return false;
	c->session.peer_offset = (uint16_t)n;
	return true;
}

static bool set_mtu(struct pw_config *c, const char *w, const char *v, struct pw_err *e)
{
	c->set |= PW_SET_MTU;
	return pw_parse_mtu(w, v, &c->tap.mtu, e);
}

static bool set_queues(struct pw_config *c, const char *w, const char *v, struct pw_err *e)
{
	return pw_parse_u32(w, v, 1, PW_QUEUES_MAX, &c->tap.queues, e);
}

static bool set_busy_poll(struct pw_config *c, const char *w, const char *v, struct pw_err *e)
{
	return pw_parse_u32(w, v, 0, PW_BUSY_POLL_MAX, &c->busy_poll_us, e);
}

static bool set_io_uring(struct pw_config *c, const char *w, const char *v, struct pw_err *e)
{
	if (!strcmp(v, "on") || !strcmp(v, "off")) {
		c->tap.io_uring = v[1] == 'n';
		return true;
	}
	pw_err_set(e, "bad value for %s: '%s' (expected on or off)", w, v);
	return false;
}

static bool set_mac(struct pw_config *c, const char *w, const char *v, struct pw_err *e)
{
	c->mac_random = !strcmp(v, "random"); /* the kernel's, new at every start */
	c->tap.has_mac = !c->mac_random;
	return c->mac_random || pw_parse_mac(w, v, c->tap.mac, e);
}

static bool set_peer(struct pw_config *c, const char *w, const char *v, struct pw_err *e)
{
	static const char *const names[] = { [PW_PEER_LINUX] = "linux", [PW_PEER_QEMU] = "qemu",
					     [PW_PEER_UML] = "uml", [PW_PEER_CISCO] = "cisco" };

	for (unsigned i = PW_PEER_LINUX; i <= PW_PEER_CISCO; i++) {
		if (!strcmp(v, names[i])) {
			c->peer = i;
			return true;
		}
	}
	pw_err_set(e, "bad value for %s: '%s' (expected linux, qemu, uml or cisco)", w, v);
	return false;
}

/* Who pwire runs as once everything is open; looked up (and refused when
 * unknown) by `pwire up` (privs.c), not here: the parsers read no files. */
/* The portable user names (POSIX's set, as useradd takes them): letters,
 * digits, '.', '_', '-' (not first) and a trailing '$'. Anything else
 * names no user, and (a ';' or '#' first) would not survive pwire.conf's
 * normalized print as a value. */
static bool user_name_ok(const char *v)
{
	size_t n = strlen(v);

	if (!n || v[0] == '-')
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)v[i]) && !strchr("._-", v[i]) &&
		    !(v[i] == '$' && i + 1 == n))
			return false;
	return true;
}

static bool set_user(struct pw_config *c, const char *w, const char *v, struct pw_err *e)
{
	if (!user_name_ok(v) || strlen(v) >= sizeof(c->user)) {
		pw_err_set(e,
			   "bad value for %s: '%s' (expected a user name of 1..%zu letters, digits, "
			   "'.', '_' or '-')",
			   w, v, sizeof(c->user) - 1);
		return false;
	}
	strcpy(c->user, v);
	return true;
}

/* Tunnel ids are bookkeeping of the control plane; a static pseudowire never
 * puts them on the wire. Checked as iproute2 checks them, then ignored. */
static bool set_tunnel_id(struct pw_config *c, const char *w, const char *v, struct pw_err *e)
{
	uint32_t id;

	(void)c;
	return pw_parse_u32(w, v, 1, UINT32_MAX, &id, e);
}

static const struct word words[] = {
	{ "encap", NULL, set_encap },
	{ "local", NULL, set_local },
	{ "remote", NULL, set_remote },
	{ "udp_sport", NULL, set_sport },
	{ "udp_dport", NULL, set_dport },
	{ "session_id", "sid", set_session },
	{ "peer_session_id", "psid", set_peer_session },
	{ "cookie", NULL, set_cookie },
	{ "peer_cookie", NULL, set_peer_cookie },
	{ "l2spec_type", NULL, set_l2spec },
	{ "seq", NULL, set_seq },
	{ "offset", NULL, set_offset },
	{ "peer_offset", NULL, set_peer_offset },
	{ "tunnel_id", "tid", set_tunnel_id },
	{ "peer_tunnel_id", "ptid", set_tunnel_id },
	{ "mtu", NULL, set_mtu },
	{ "mac", "address", set_mac },
	{ "queues", NULL, set_queues },
	{ "busy_poll", NULL, set_busy_poll },
	{ "io_uring", NULL, set_io_uring },
	{ "peer", NULL, set_peer },
	{ "user", NULL, set_user },
};

static const struct word *word_find(const char *name)
{
	for (size_t k = 0; k < sizeof(words) / sizeof(words[0]); k++)
		if (!strcmp(name, words[k].name) || (words[k].alias && !strcmp(name, words[k].alias)))
			return &words[k];
	return NULL;
}

bool pw_words_known(const char *name)
{
	return word_find(name);
}

const char *pw_words_nearest(const char *name, const char *const *more)
{
	const char *names[sizeof(words) / sizeof(words[0]) + 8];
	size_t n = 0;

	for (size_t k = 0; k < sizeof(words) / sizeof(words[0]); k++)
		names[n++] = words[k].name;
	for (; more && *more && n + 1 < sizeof(names) / sizeof(names[0]); more++)
		names[n++] = *more;
	names[n] = NULL;
	return pw_nearest(name, names);
}

bool pw_words_parse(struct pw_config *c, int argc, char *const *argv, struct pw_err *e)
{
	for (int i = 0; i < argc; i += 2) {
		const struct word *w = word_find(argv[i]);

		if (!w) {
			const char *near = pw_words_nearest(argv[i], NULL);

			if (near)
				pw_err_set(e, "unknown word '%s' (did you mean %s? see pwire up --help)",
					   argv[i], near);
			else
				pw_err_set(e, "unknown word '%s' (see pwire up --help)", argv[i]);
			return false;
		}
		if (i + 1 >= argc) {
			pw_err_set(e, "%s needs a value", argv[i]);
			return false;
		}
		if (!w->set(c, argv[i], argv[i + 1], e))
			return false;
	}
	return true;
}
