/* SPDX-License-Identifier: MIT */
/*
 * words.c: the `ip l2tp add tunnel` + `add session` words of `pwire up`,
 * spelled as iproute2 spells them (ip/ipl2tp.c, ip-l2tp(8)), plus pwire's
 * own `mtu`, `mac`, `peer`, `queues`, `io_uring`, `busy_poll`, `fastpath`,
 * `user` and `cookie_file`. A table maps each word to its setter. Whole `ip l2tp add
 * tunnel ...` / `ip l2tp add session ...` lines are taken as pasted: their
 * command words are skipped, a quoted line is split into words.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "cli/config.h"
#include "cli/parse.h"
#include "core/text.h"

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

/* `local any` (ip l2tp's word for no address): the unspecified address
 * of the remote's family, as when local is not given. */
static bool set_local(struct pw_config *c, const char *w, const char *v, struct pw_err *e)
{
	if (!strcmp(v, "any")) {
		c->set &= ~(unsigned)PW_SET_LOCAL;
		memset(&c->xport.local, 0, sizeof(c->xport.local));
		return true;
	}
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

/* One source per cookie: `cookie` or `cookie_file` (a later one of the
 * same kind wins, as every word does). */
static bool cookie_once(const char *w, const char *file, struct pw_err *e)
{
	char shown[4 * 128];

	if (!file[0])
		return true;
	pw_err_set(e, "%s: %s_file %s was given too (give the cookie one way)", w,
		   strncmp(w, "peer_", 5) ? "cookie" : "peer_cookie",
		   pw_text_name(file, shown, sizeof(shown)));
	return false;
}

static bool set_cookie(struct pw_config *c, const char *w, const char *v, struct pw_err *e)
{
	c->set |= PW_SET_COOKIE;
	return cookie_once(w, c->cookie_file, e) && pw_parse_cookie_hex(w, v, &c->session.cookie, e);
}

static bool set_peer_cookie(struct pw_config *c, const char *w, const char *v, struct pw_err *e)
{
	c->set |= PW_SET_PEER_COOKIE;
	return cookie_once(w, c->peer_cookie_file, e) &&
	       pw_parse_cookie_hex(w, v, &c->session.peer_cookie, e);
}

/* cookie_file PATH, peer_cookie_file PATH: the hex digits from a file only
 * its owner can read, so the secret is not in argv (/proc/PID/cmdline is
 * every user's to read). The path is kept for pwired -n's print. A path
 * starting with ';' or '#' would read as a comment in pwire.conf. */
static bool set_cookie_file(struct pw_config *c, const char *w, const char *v, struct pw_err *e)
{
	bool peer = w[0] == 'p';
	char *file = peer ? c->peer_cookie_file : c->cookie_file;
	unsigned bit = peer ? PW_SET_PEER_COOKIE : PW_SET_COOKIE;

	if (!v[0] || strlen(v) >= PW_COOKIE_FILE_MAX || v[0] == ';' || v[0] == '#') {
		char shown[4 * 128];

		pw_err_set(e, "bad value for %s: '%s' (a path of 1..%d characters, not starting with "
			   "';' or '#')", w, pw_text_name(v, shown, sizeof(shown)),
			   PW_COOKIE_FILE_MAX - 1);
		return false;
	}
	if ((c->set & bit) && !file[0]) {
		pw_err_set(e, "%s: a cookie was given too (%s, or --qemu's or --uml's): give it one "
			   "way", w, peer ? "peer_cookie" : "cookie");
		return false;
	}
	if (!pw_parse_cookie_file(w, v, peer ? &c->session.peer_cookie : &c->session.cookie, e))
		return false;
	c->set |= bit;
	strcpy(file, v);
	return true;
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

static bool set_fastpath(struct pw_config *c, const char *w, const char *v, struct pw_err *e)
{
	for (unsigned i = PW_FASTPATH_OFF; i <= PW_FASTPATH_AUTO; i++) {
		if (!strcmp(v, pw_fastpath_name(i))) {
			c->fastpath = i;
			return true;
		}
	}
	pw_err_set(e, "bad value for %s: '%s' (expected on, off or auto)", w, v);
	return false;
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
 * unknown) by `pwire up` (privs.c), not here: the user database is no
 * parser's business (cookie_file is the one word that reads a file). */
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
 * puts them on the wire. Checked as iproute2 checks them, then ignored;
 * given twice (a pasted tunnel and session both name it), they must agree:
 * a session names the tunnel it joins. */
static bool set_tunnel_id(struct pw_config *c, const char *w, const char *v, struct pw_err *e)
{
	uint32_t id, *seen = w[0] == 'p' ? &c->peer_tunnel_id : &c->tunnel_id;

	if (!pw_parse_u32(w, v, 1, UINT32_MAX, &id, e))
		return false;
	if (*seen && *seen != id) {
		pw_err_set(e, "%s %s: %s %u was given before (a session names the tunnel it joins: "
			   "the two lines do not go together)", w, v, w[0] == 'p' ? "peer_tunnel_id" :
			   "tunnel_id", *seen);
		return false;
	}
	*seen = id;
	return true;
}

/* `name NAME` (ip l2tp add session ... name l2tpeth0): the device. One
 * device per pseudowire: a DEV (or vnic) given too must be the same name.
 * Linux's rules for a name (dev_valid_name), a %d pattern allowed. */
static bool set_name(struct pw_config *c, const char *w, const char *v, struct pw_err *e)
{
	char shown[4 * PW_TEXT_NAME_MAX], was[PW_TEXT_NAME_MAX];

	if (!v[0] || strlen(v) >= sizeof(c->tap.name) || !strcmp(v, ".") || !strcmp(v, "..") ||
	    strpbrk(v, "/: \t\n\r\v\f")) {
		pw_err_set(e,
			   "bad value for %s: '%s' (a device name of 1..%zu characters, no '/', "
			   "':' or blanks)",
			   w, pw_text_name(v, shown, sizeof(shown)), sizeof(c->tap.name) - 1);
		return false;
	}
	if (c->tap.name[0] && strcmp(c->tap.name, v)) {
		pw_err_set(e, "%s %s: the device was given as %s already (one device per "
			   "pseudowire: give the name once)", w, pw_text_name(v, shown, sizeof(shown)),
			   pw_text_name(c->tap.name, was, sizeof(was)));
		return false;
	}
	strcpy(c->tap.name, v);
	pw_text_name(c->tap.name, c->shown, sizeof(c->shown));
	return true;
}

/* udp_csum, udp6_csum_tx, udp6_csum_rx on|off: accepted as ip l2tp takes
 * them; what they mean here is said once at start-up (pw_words_csum_note). */
static bool set_csum(struct pw_config *c, const char *w, const char *v, struct pw_err *e)
{
	unsigned bit = !strcmp(w, "udp_csum") ? PW_CSUM_UDP :
		       !strcmp(w, "udp6_csum_tx") ? PW_CSUM6_TX : PW_CSUM6_RX;

	if (strcmp(v, "on") && strcmp(v, "off")) {
		pw_err_set(e, "bad value for %s: '%s' (expected on or off)", w, v);
		return false;
	}
	c->csum_given |= (uint8_t)bit;
	if (v[1] == 'n')
		c->csum_on |= (uint8_t)bit;
	else
		c->csum_on &= (uint8_t)~bit;
	return true;
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
	{ "cookie_file", NULL, set_cookie_file },
	{ "peer_cookie_file", NULL, set_cookie_file },
	{ "l2spec_type", NULL, set_l2spec },
	{ "seq", NULL, set_seq },
	{ "offset", NULL, set_offset },
	{ "peer_offset", NULL, set_peer_offset },
	{ "tunnel_id", "tid", set_tunnel_id },
	{ "peer_tunnel_id", "ptid", set_tunnel_id },
	{ "name", NULL, set_name },
	{ "udp_csum", NULL, set_csum },
	{ "udp6_csum_tx", NULL, set_csum },
	{ "udp6_csum_rx", NULL, set_csum },
	{ "mtu", NULL, set_mtu },
	{ "mac", "address", set_mac },
	{ "queues", NULL, set_queues },
	{ "busy_poll", NULL, set_busy_poll },
	{ "fastpath", NULL, set_fastpath },
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

const char *pw_words_canonical(const char *name)
{
	const struct word *w = word_find(name);

	return w ? w->name : name;
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

/* A pasted line's command words, where a word goes: "ip l2tp add" (the
 * verb as iproute2 abbreviates it) and the "tunnel" and "session" that
 * iproute2 reads anywhere in an add. How many of argv they are (0: none),
 * or -1 after an error (a line of another command). */
static int command_words(int argc, char *const *argv, struct pw_err *e)
{
	const char *verb;

	if (!strcmp(argv[0], "tunnel") || !strcmp(argv[0], "session") || !strcmp(argv[0], "add"))
		return 1;
	if (!strcmp(argv[0], "ip")) {
		if (argc > 1 && !strcmp(argv[1], "l2tp"))
			return 1;
		pw_err_set(e, "'ip%s%s': pwire up takes the words of ip l2tp add lines (tunnel "
			   "and session)", argc > 1 ? " " : "", argc > 1 ? argv[1] : "");
		return -1;
	}
	if (strcmp(argv[0], "l2tp"))
		return 0;
	verb = argc > 1 ? argv[1] : "";
	if (verb[0] && !strncmp("add", verb, strlen(verb)))
		return 2;
	pw_err_set(e, "'l2tp%s%s': pwire up takes the words of ip l2tp add lines (tunnel and "
		   "session)", verb[0] ? " " : "", verb);
	return -1;
}

enum { LINE_MAX_WORDS = 128, LINE_MAX_CHARS = 2048 };

static int take(struct pw_config *c, int argc, char *const *argv, bool options, bool split,
		struct pw_err *e);

/* A whole line in one argument (quoted when pasted): its words. */
static bool take_line(struct pw_config *c, const char *line, struct pw_err *e)
{
	char buf[LINE_MAX_CHARS], *argv[LINE_MAX_WORDS], *save = NULL;
	int argc = 0;

	if (strlen(line) >= sizeof(buf)) {
		pw_err_set(e, "a line of words longer than %zu characters", sizeof(buf) - 1);
		return false;
	}
	strcpy(buf, line);
	for (char *w = strtok_r(buf, " \t\n\r\v\f", &save); w; w = strtok_r(NULL, " \t\n\r\v\f", &save)) {
		if (argc == LINE_MAX_WORDS) {
			pw_err_set(e, "a line of more than %d words", LINE_MAX_WORDS);
			return false;
		}
		argv[argc++] = w;
	}
	return take(c, argc, argv, false, false, e) == argc;
}

/* Words and values from argv; with `options`, stop before an argument
 * starting with '-' where a word goes. */
static int take(struct pw_config *c, int argc, char *const *argv, bool options, bool split,
		struct pw_err *e)
{
	int i = 0;

	while (i < argc) {
		const struct word *w;
		int skip;

		if (options && argv[i][0] == '-')
			break;
		if (split && strpbrk(argv[i], " \t\n\r\v\f")) {
			if (!take_line(c, argv[i], e))
				return -1;
			i++;
			continue;
		}
		if ((skip = command_words(argc - i, argv + i, e)) < 0)
			return -1;
		if (skip) {
			i += skip;
			continue;
		}
		w = word_find(argv[i]);
		if (!w) {
			const char *near = pw_words_nearest(argv[i], NULL);

			if (near)
				pw_err_set(e, "unknown word '%s' (did you mean %s? see pwire up --help)",
					   argv[i], near);
			else
				pw_err_set(e, "unknown word '%s' (see pwire up --help)", argv[i]);
			return -1;
		}
		if (i + 1 >= argc) {
			pw_err_set(e, "%s needs a value", argv[i]);
			return -1;
		}
		if (!w->set(c, argv[i], argv[i + 1], e))
			return -1;
		i += 2;
	}
	return i;
}

bool pw_words_parse(struct pw_config *c, int argc, char *const *argv, struct pw_err *e)
{
	return take(c, argc, argv, false, true, e) == argc;
}

int pw_words_take(struct pw_config *c, int argc, char *const *argv, struct pw_err *e)
{
	return take(c, argc, argv, true, true, e);
}

bool pw_words_line_start(const char *arg)
{
	static const char *const starts[] = { "ip", "l2tp", "add", "tunnel", "session", "name" };

	for (size_t k = 0; k < sizeof(starts) / sizeof(starts[0]); k++)
		if (!strcmp(arg, starts[k]))
			return true;
	return strpbrk(arg, " \t\n\r\v\f") != NULL;
}

bool pw_words_csum_note(const struct pw_config *c, char *buf, size_t len, bool *warn)
{
	static const char *const names[] = { "udp_csum", "udp6_csum_tx", "udp6_csum_rx" };
	bool v6 = c->xport.family == AF_INET6;
	size_t at = 0;

	*warn = false;
	if (!c->csum_given)
		return false;
	for (unsigned k = 0; k < 3; k++)
		if (c->csum_given & (1u << k))
			at += (size_t)snprintf(buf + at, at < len ? len - at : 0, "%s%s %s",
					       at ? ", " : "", names[k],
					       c->csum_on & (1u << k) ? "on" : "off");
	if (at >= len)
		return true;
	if (c->session.encap != PW_ENCAP_UDP) {
		snprintf(buf + at, len - at, ": ignored (encap ip has no UDP checksums)");
		return true;
	}
	/* pwire's sockets set neither SO_NO_CHECK nor UDP_NO_CHECK6_*: the
	 * kernel's defaults, and UDP_SEGMENT refuses to send without them. */
	*warn = v6 && (c->csum_given & ~c->csum_on & PW_CSUM6_RX);
	snprintf(buf + at, len - at,
		 v6 ? ": over IPv6 pwire always sends UDP checksums and the kernel drops datagrams "
		      "that arrive without one%s" :
		      ": over IPv4 pwire always sends UDP checksums; the kernel checks those that "
		      "arrive and takes datagrams without one%s",
		 *warn ? " (a peer with udp6_csum_tx off is not heard)" :
		 !v6 && (c->csum_given & (PW_CSUM6_TX | PW_CSUM6_RX)) ? " (udp6_* are for IPv6)" :
		 v6 && (c->csum_given & PW_CSUM_UDP) ? " (udp_csum is for IPv4)" : "");
	return true;
}
