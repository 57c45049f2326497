/* SPDX-License-Identifier: MIT */
/*
 * conf.c: pwire.conf, read whole into memory, screened (size, line length,
 * control bytes), then handed line by line to libinih, whose handler gives
 * each key and value to the parsers `pwire up` uses. The reader counts the
 * lines and notes each section header, so every message carries its line
 * and a header seen twice is told from one continued.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <ini.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cli/parse.h"
#include "daemon/conf.h"

enum { KEYS_MAX = 64 };

struct key_seen {
	char name[24];
	unsigned line;
};

/* What the reader and the handler share during one parse. */
struct ctx {
	const char *file;
	const char *text, *pos, *end;
	unsigned line;	   /* of the line last handed to libinih */
	unsigned hdr_line; /* of the last [section] header, 0 before one */
	char hdr_name[PW_CONF_NAME_MAX * 2];
	bool hdr_used; /* a key came under that header */
	struct pw_conf *conf;
	unsigned cap;
	struct key_seen keys[KEYS_MAX];
	unsigned n_keys;
	struct pw_err *e;
	bool failed;
};

static void fail(struct ctx *x, unsigned line, const char *section, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void fail(struct ctx *x, unsigned line, const char *section, const char *fmt, ...)
{
	char msg[PW_ERR_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (section)
		pw_err_set(x->e, "%s:%u: [%s] %s", x->file, line, section, msg);
	else
		pw_err_set(x->e, "%s:%u: %s", x->file, line, msg);
	x->failed = true;
}

/* A parser's sink into ours: its messages prefixed with where they came from. */
static void relay(struct ctx *x, unsigned line, const char *section, const struct pw_err *sub)
{
	for (unsigned i = 0; i < pw_err_kept(sub->n_warn); i++)
		pw_err_warn(x->e, "%s:%u: [%s] %s", x->file, line, section, sub->warn[i]);
	if (pw_err_failed(sub))
		fail(x, line, section, "%s", pw_err_msg(sub));
}

static bool name_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n >= PW_CONF_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-",
			    s[i]))
			return false;
	return true;
}

/* vnic = vhost-user:PATH or vhost-user-client:PATH (an absolute path). */
static bool set_vhost(struct pw_config *c, const char *v, bool client, struct pw_err *e)
{
	const char *path = v + strlen(client ? PW_VHOST_CLIENT_PREFIX : PW_VHOST_PREFIX);

	if (c->tap.name[0]) { /* `name` came first */
		pw_err_set(e, "vnic %s: the device was given as %s already (by name: one vNIC "
			   "per pseudowire)", v, c->shown);
		return false;
	}
	if (path[0] != '/' || strlen(path) >= sizeof(c->vhost_path)) {
		pw_err_set(e, "bad value for vnic: '%s' (the socket's absolute path, at most %zu "
			   "bytes)", v, sizeof(c->vhost_path) - 1);
		return false;
	}
	strcpy(c->vhost_path, path);
	c->vhost_client = client;
	pw_text_name(v, c->shown, sizeof(c->shown));
	return true;
}

/* vnic = tap:NAME or NAME, NAME as Linux takes it (dev_valid_name), or a
 * vhost-user socket (set_vhost). */
static bool set_vnic(struct pw_config *c, const char *v, struct pw_err *e)
{
	const char *name = v, *colon = strchr(v, ':');

	if (!strncmp(v, PW_VHOST_PREFIX, strlen(PW_VHOST_PREFIX)) ||
	    !strncmp(v, PW_VHOST_CLIENT_PREFIX, strlen(PW_VHOST_CLIENT_PREFIX)))
		return set_vhost(c, v, v[strlen("vhost-user")] != ':', e);
	if (colon) {
		if ((size_t)(colon - v) != 3 || strncmp(v, "tap", 3)) {
			pw_err_set(e,
				   "bad value for vnic: '%s' (tap:NAME or NAME, vhost-user:PATH or "
				   "vhost-user-client:PATH)",
				   v);
			return false;
		}
		name = colon + 1;
	}
	if (c->vhost_path[0]) {
		pw_err_set(e, "vnic %s: the vNIC was given as %s already (one vNIC per "
			   "pseudowire)", v, c->shown);
		return false;
	}
	if (c->tap.name[0] && strcmp(c->tap.name, name)) { /* `name` came first */
		pw_err_set(e, "vnic %s: the device was given as %s already (by name: one device "
			   "per pseudowire)", v, c->shown);
		return false;
	}
	if (!*name || strlen(name) >= sizeof(c->tap.name) || !strcmp(name, ".") ||
	    !strcmp(name, "..") || strpbrk(name, "/: \t")) {
		pw_err_set(e,
			   "bad value for vnic: '%s' (a device name of 1..%zu characters, "
			   "no '/', ':' or blanks)",
			   v, sizeof(c->tap.name) - 1);
		return false;
	}
	strcpy(c->tap.name, name);
	pw_text_name(c->tap.name, c->shown, sizeof(c->shown));
	return true;
}

/* A key under a header not seen before: a new pseudowire. */
static struct pw_conf_link *begin(struct ctx *x, const char *section)
{
	struct pw_conf *conf = x->conf;
	struct pw_conf_link *l;

	if (!name_ok(section)) {
		fail(x, x->hdr_line, NULL, "bad section name '%s' (1..%u of A-Z a-z 0-9 . _ -)",
		     section, PW_CONF_NAME_MAX - 1);
		return NULL;
	}
	for (unsigned i = 0; i < conf->n; i++) {
		if (!strcmp(conf->links[i].name, section)) {
			fail(x, x->hdr_line, section, "section given twice (first on line %u)",
			     conf->links[i].line);
			return NULL;
		}
	}
	if (conf->n == PW_CONF_LINKS_MAX) {
		fail(x, x->hdr_line, section, "more than %u pseudowires", PW_CONF_LINKS_MAX);
		return NULL;
	}
	if (conf->n == x->cap) {
		unsigned cap = x->cap ? x->cap * 2 : 16;
		void *p = realloc(conf->links, cap * sizeof(*conf->links));

		if (!p) {
			fail(x, x->hdr_line, section, "%s", strerror(ENOMEM));
			return NULL;
		}
		conf->links = p;
		x->cap = cap;
	}
	l = &conf->links[conf->n++];
	memset(l, 0, sizeof(*l));
	strcpy(l->name, section);
	l->line = x->hdr_line;
	pw_config_init(&l->c);
	x->n_keys = 0;
	return l;
}

static int on_key(void *user, const char *section, const char *key, const char *val)
{
	struct ctx *x = user;
	struct pw_conf_link *l;
	struct pw_err sub;
	bool ok;

	if (!x->hdr_line) {
		fail(x, x->line, NULL, "%s = %s: a key outside a section ([NAME] first)", key, val);
		return 0;
	}
	if (x->hdr_used) {
		l = &x->conf->links[x->conf->n - 1];
	} else {
		x->hdr_used = true;
		if (!(l = begin(x, section)))
			return 0;
	}
	for (unsigned i = 0; i < x->n_keys; i++) {
		if (!strcmp(x->keys[i].name, key)) {
			fail(x, x->line, section, "%s given twice (first on line %u)", key,
			     x->keys[i].line);
			return 0;
		}
	}
	if (strlen(key) >= sizeof(x->keys[0].name) ||
	    (strcmp(key, "vnic") && strcmp(key, "qemu") && strcmp(key, "uml") &&
	     !pw_words_known(key))) {
		static const char *const own[] = { "vnic", "qemu", "uml", NULL };
		const char *near = pw_words_nearest(key, own);

		if (near)
			fail(x, x->line, section, "unknown key '%s' (did you mean %s?)", key, near);
		else
			fail(x, x->line, section, "unknown key '%s'", key);
		return 0;
	}
	if (x->n_keys == KEYS_MAX) {
		fail(x, x->line, section, "more than %u keys", KEYS_MAX);
		return 0;
	}
	strcpy(x->keys[x->n_keys].name, key);
	x->keys[x->n_keys++].line = x->line;
	pw_err_init(&sub);
	if (!strcmp(key, "vnic")) {
		ok = set_vnic(&l->c, val, &sub);
	} else if (!strcmp(key, "qemu")) {
		ok = pw_qemu_parse(&l->c, val, &sub);
	} else if (!strcmp(key, "uml")) {
		ok = pw_uml_parse(&l->c, val, &sub);
	} else {
		char *argv[2] = {(char *)key, (char *)val};

		ok = pw_words_parse(&l->c, 2, argv, &sub);
	}
	if (!strcmp(key, "qemu") || !strcmp(key, "uml")) { /* their parsers name no key */
		struct pw_err named;

		pw_err_init(&named);
		for (unsigned i = 0; i < pw_err_kept(sub.n_warn); i++)
			pw_err_warn(&named, "%s: %s", key, sub.warn[i]);
		if (!ok)
			pw_err_set(&named, "%s: %s", key, pw_err_msg(&sub));
		sub = named;
	}
	relay(x, x->line, section, &sub);
	return ok;
}

/* A header with no key under it never reaches the handler: name it here. */
static bool check_empty(struct ctx *x)
{
	if (x->hdr_line && !x->hdr_used) {
		fail(x, x->hdr_line, x->hdr_name, "a section with no keys");
		return false;
	}
	return true;
}

/* libinih's fgets: one screened line, counted; notes section headers. */
static char *read_line(char *str, int num, void *stream)
{
	struct ctx *x = stream;
	const char *nl, *p;
	size_t n;

	if (x->failed || x->pos >= x->end) {
		if (!x->failed)
			check_empty(x);
		return NULL;
	}
	nl = memchr(x->pos, '\n', (size_t)(x->end - x->pos));
	n = nl ? (size_t)(nl - x->pos) + 1 : (size_t)(x->end - x->pos);
	if (n >= (size_t)num) { /* screened for PW_CONF_LINE_MAX: a libinih built smaller */
		fail(x, x->line + 1, NULL, "line longer than %d bytes (libinih's limit)", num - 3);
		return NULL;
	}
	memcpy(str, x->pos, n);
	str[n] = '\0';
	x->pos += n;
	x->line++;
	for (p = str; *p == ' ' || *p == '\t'; p++)
		;
	if (*p == '[') {
		const char *close = strchr(p, ']');
		size_t len = close ? (size_t)(close - p - 1) : 0;

		if (!check_empty(x))
			return NULL;
		if (len >= sizeof(x->hdr_name))
			len = sizeof(x->hdr_name) - 1;
		memcpy(x->hdr_name, p + 1, len);
		x->hdr_name[len] = '\0';
		x->hdr_line = x->line;
		x->hdr_used = false;
	}
	return str;
}

/* Size, line lengths, no control bytes (tab and CR aside). */
static bool screen(struct ctx *x, const char *text, size_t len)
{
	unsigned line = 1;
	size_t col = 0;

	if (len > PW_CONF_SIZE_MAX) {
		pw_err_set(x->e, "%s: larger than %u bytes", x->file, (unsigned)PW_CONF_SIZE_MAX);
		return false;
	}
	for (size_t i = 0; i < len; i++) {
		unsigned char b = (unsigned char)text[i];

		if (b == '\n') {
			line++;
			col = 0;
			continue;
		}
		if (++col > PW_CONF_LINE_MAX) {
			fail(x, line, NULL, "line longer than %u bytes", PW_CONF_LINE_MAX);
			return false;
		}
		if ((b < 0x20 && b != '\t' && b != '\r') || b == 0x7f) {
			fail(x, line, NULL, "binary data: byte 0x%02x in column %zu", b, col);
			return false;
		}
	}
	return true;
}

static bool overlaps(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	static const struct in6_addr any6;

	if (a->ss_family != b->ss_family)
		return false;
	if (a->ss_family == AF_INET) {
		in_addr_t x = ((const struct sockaddr_in *)a)->sin_addr.s_addr;
		in_addr_t y = ((const struct sockaddr_in *)b)->sin_addr.s_addr;

		return !x || !y || x == y;
	}
	const struct in6_addr *x = &((const struct sockaddr_in6 *)a)->sin6_addr;
	const struct in6_addr *y = &((const struct sockaddr_in6 *)b)->sin6_addr;

	return !memcmp(x, &any6, sizeof(*x)) || !memcmp(y, &any6, sizeof(*y)) ||
	       !memcmp(x, y, sizeof(*x));
}

/* The same local address exactly (both unset counts): one socket. */
static bool same_addr(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	if (a->ss_family != b->ss_family)
		return false;
	if (a->ss_family == AF_INET)
		return ((const struct sockaddr_in *)a)->sin_addr.s_addr ==
		       ((const struct sockaddr_in *)b)->sin_addr.s_addr;
	return !memcmp(&((const struct sockaddr_in6 *)a)->sin6_addr,
		       &((const struct sockaddr_in6 *)b)->sin6_addr, sizeof(struct in6_addr));
}

static const char *addr_str(const struct sockaddr_storage *ss, char *buf, size_t len)
{
	const void *a = ss->ss_family == AF_INET
			    ? (const void *)&((const struct sockaddr_in *)ss)->sin_addr
			    : (const void *)&((const struct sockaddr_in6 *)ss)->sin6_addr;

	if (!inet_ntop(ss->ss_family, a, buf, (socklen_t)len))
		snprintf(buf, len, "?");
	return buf;
}

/* Link b against an earlier link a: what they may not share. */
static bool clash(struct ctx *x, const struct pw_conf_link *a, const struct pw_conf_link *b)
{
	const struct pw_config *p = &a->c, *q = &b->c;
	char s[64];

	if (!p->vhost_path[0] && !q->vhost_path[0] && !strcmp(p->tap.name, q->tap.name)) {
		fail(x, b->line, b->name, "vnic tap:%s: already the vNIC of [%s] (line %u)",
		     q->shown, a->name, a->line);
		return true;
	}
	if (p->vhost_path[0] && !strcmp(p->vhost_path, q->vhost_path)) {
		fail(x, b->line, b->name, "vnic %s: the socket is already the vNIC of [%s] "
		     "(line %u)", q->shown, a->name, a->line);
		return true;
	}
	if (strcmp(p->user, q->user)) {
		fail(x, b->line, b->name,
		     "user %s: [%s] (line %u) has user %s; pwired runs every "
		     "pseudowire as one user",
		     q->user[0] ? q->user : "(the default)", a->name, a->line,
		     p->user[0] ? p->user : "(the default)");
		return true;
	}
	if (p->session.encap != q->session.encap || !overlaps(&p->xport.local, &q->xport.local))
		return false;
	if (q->session.encap == PW_ENCAP_UDP && p->sport == q->sport) {
		/* One socket, shared (link.h: pw_link_open_all), or a clash. */
		if (!same_addr(&p->xport.local, &q->xport.local)) {
			fail(x, b->line, b->name,
			     "udp_sport %u on %s: [%s] (line %u) has the port on an overlapping "
			     "address; pseudowires share a port only on the same local address",
			     q->sport, addr_str(&q->xport.local, s, sizeof(s)), a->name, a->line);
			return true;
		}
		if (p->tap.queues > 1 || q->tap.queues > 1) {
			fail(x, b->line, b->name,
			     "udp_sport %u on %s: already the port of [%s] (line %u); "
			     "a pseudowire with several queues has its port to itself",
			     q->sport, addr_str(&q->xport.local, s, sizeof(s)), a->name, a->line);
			return true;
		}
	}
	if (q->session.encap == PW_ENCAP_UDP && p->sport == q->sport &&
	    p->session.session_id == q->session.session_id) {
		fail(x, b->line, b->name,
		     "session_id %u on %s port %u: already the session of [%s] (line %u)",
		     q->session.session_id, addr_str(&q->xport.local, s, sizeof(s)), q->sport,
		     a->name, a->line);
		return true;
	}
	if (q->session.encap == PW_ENCAP_IP && p->session.session_id == q->session.session_id) {
		fail(x, b->line, b->name,
		     "session_id %u on %s: already the session of [%s] "
		     "(line %u)",
		     q->session.session_id, addr_str(&q->xport.local, s, sizeof(s)), a->name,
		     a->line);
		return true;
	}
	return false;
}

/* Each section finished as `pwire up` finishes its command line, then
 * checked against the ones before it. */
static bool finish(struct ctx *x)
{
	struct pw_conf *conf = x->conf;
	char a[64], note[256];
	bool csum_warn;

	for (unsigned i = 0; i < conf->n; i++) {
		struct pw_conf_link *l = &conf->links[i];
		struct pw_err sub;

		pw_err_init(&sub);
		if (l->c.tap.name[0] && l->c.vhost_path[0]) {
			pw_err_set(&sub, "name %s: a vhost-user vNIC (%s%s) has no device name",
				   l->c.tap.name,
				   l->c.vhost_client ? PW_VHOST_CLIENT_PREFIX : PW_VHOST_PREFIX,
				   l->c.vhost_path);
		} else if (!l->c.tap.name[0] && !l->c.vhost_path[0] &&
			   !set_vnic(&l->c, l->name, &sub)) {
			pw_err_init(&sub);
			pw_err_set(&sub, "missing vnic (the section name '%s' is no device name)",
				   l->name);
		} else {
			pw_config_finish(&l->c, &sub);
		}
		relay(x, l->line, l->name, &sub);
		if (x->failed)
			return false;
		for (unsigned k = 0; k < i; k++)
			if (clash(x, &conf->links[k], l))
				return false;
		if (pw_words_csum_note(&l->c, note, sizeof(note), &csum_warn))
			pw_err_warn(x->e, "%s:%u: [%s] %s", x->file, l->line, l->name, note);
		if (pw_config_unprotected(&l->c))
			pw_err_warn(x->e,
				    "%s:%u: [%s] no 64-bit peer_cookie on a pseudowire to %s: "
				    "anyone who can send to this host can inject frames into it "
				    "(RFC 3931 section 8.2)",
				    x->file, l->line, l->name,
				    addr_str(&l->c.xport.remote, a, sizeof(a)));
	}
	return true;
}

bool pw_conf_fits(const struct pw_conf *conf, int skip, const struct pw_conf_link *l,
		  const char *file, struct pw_err *e)
{
	struct ctx x = { .file = file, .e = e };

	for (unsigned i = 0; i < conf->n; i++) {
		if ((int)i == skip)
			continue;
		if (!strcmp(conf->links[i].name, l->name)) {
			fail(&x, l->line, l->name, "already the name of a pseudowire (line %u)",
			     conf->links[i].line);
			return false;
		}
		if (clash(&x, &conf->links[i], l))
			return false;
	}
	return true;
}

bool pw_conf_parse(struct pw_conf *conf, const char *file, const char *text, size_t len,
		   struct pw_err *e)
{
	struct ctx *x = calloc(1, sizeof(*x));
	bool ok = false;
	int rc;

	conf->n = 0;
	conf->links = NULL;
	if (!x) {
		pw_err_set(e, "%s: %s", file, strerror(ENOMEM));
		return false;
	}
	*x = (struct ctx){
	    .file = file, .text = text, .pos = text, .end = text + len, .conf = conf, .e = e};
	if (!screen(x, text, len))
		goto out;
	/* Debian's libinih takes these options at run time (not the line
	 * length: its buffer is fixed, hence PW_CONF_LINE_MAX). */
	ini_allow_multiline = false;
	ini_allow_no_value = false;
	ini_stop_on_first_error = true;
	rc = ini_parse_stream(read_line, x, on_key, x);
	if (x->failed)
		goto out;
	if (rc > 0) {
		fail(x, (unsigned)rc, NULL, "neither [NAME], KEY = VALUE nor a comment");
		goto out;
	}
	if (rc < 0) {
		pw_err_set(e, "%s: %s", file, strerror(ENOMEM));
		goto out;
	}
	if (!conf->n) {
		pw_err_set(e, "%s: no pseudowire ([NAME] sections)", file);
		goto out;
	}
	ok = finish(x);
out:
	if (!ok)
		pw_conf_free(conf);
	free(x);
	return ok;
}

bool pw_conf_load(struct pw_conf *conf, const char *file, struct pw_err *e)
{
	FILE *f = fopen(file, "re");
	char *buf = NULL;
	size_t len = 0;
	bool ok = false;

	conf->n = 0;
	conf->links = NULL;
	if (!f) {
		pw_err_set(e, "%s: %s", file, strerror(errno));
		return false;
	}
	buf = malloc(PW_CONF_SIZE_MAX + 1);
	if (!buf) {
		pw_err_set(e, "%s: %s", file, strerror(ENOMEM));
		goto out;
	}
	len = fread(buf, 1, PW_CONF_SIZE_MAX + 1, f);
	if (ferror(f)) {
		pw_err_set(e, "%s: %s", file, strerror(errno ? errno : EIO));
		goto out;
	}
	ok = pw_conf_parse(conf, file, buf, len, e);
out:
	free(buf);
	fclose(f);
	return ok;
}

int pw_conf_find(const struct pw_conf *conf, const char *name)
{
	for (unsigned i = 0; i < conf->n; i++)
		if (!strcmp(conf->links[i].name, name))
			return (int)i;
	return -1;
}

char *pw_conf_text(const struct pw_conf_link *l)
{
	struct pw_conf one = { 1, (struct pw_conf_link *)l };
	char *text = NULL;
	size_t len;
	FILE *f = open_memstream(&text, &len);

	if (!f)
		return NULL;
	pw_conf_print(f, &one);
	if (fclose(f)) {
		free(text);
		return NULL;
	}
	return text;
}

void pw_conf_free(struct pw_conf *conf)
{
	free(conf->links);
	conf->links = NULL;
	conf->n = 0;
}

void pw_conf_print_cookie(FILE *f, const char *key, const struct pw_cookie *c)
{
	if (!c->len)
		return;
	fprintf(f, "%s = ", key);
	for (unsigned i = 0; i < c->len; i++)
		fprintf(f, "%02x", c->bytes[i]);
	fputc('\n', f);
}

void pw_conf_print(FILE *f, const struct pw_conf *conf)
{
	for (unsigned i = 0; i < conf->n; i++) {
		const struct pw_conf_link *l = &conf->links[i];
		const struct pw_config *c = &l->c;
		const struct pw_session_cfg *s = &c->session;
		char a[64];

		fprintf(f, "%s[%s]\n", i ? "\n" : "", l->name);
		if (c->vhost_path[0])
			fprintf(f, "vnic = %s%s\n",
				c->vhost_client ? PW_VHOST_CLIENT_PREFIX : PW_VHOST_PREFIX,
				c->vhost_path);
		else
			fprintf(f, "vnic = tap:%s\n", c->tap.name);
		fprintf(f, "encap = %s\n", s->encap == PW_ENCAP_UDP ? "udp" : "ip");
		fprintf(f, "local = %s\n", addr_str(&c->xport.local, a, sizeof(a)));
		fprintf(f, "remote = %s\n", addr_str(&c->xport.remote, a, sizeof(a)));
		if (s->encap == PW_ENCAP_UDP)
			fprintf(f, "udp_sport = %u\nudp_dport = %u\n", c->sport, c->dport);
		fprintf(f, "session_id = %u\npeer_session_id = %u\n", s->session_id,
			s->peer_session_id);
		/* A cookie from a file stays there: the path, not the secret. */
		if (c->cookie_file[0])
			fprintf(f, "cookie_file = %s\n", c->cookie_file);
		else
			pw_conf_print_cookie(f, "cookie", &s->cookie);
		if (c->peer_cookie_file[0])
			fprintf(f, "peer_cookie_file = %s\n", c->peer_cookie_file);
		else
			pw_conf_print_cookie(f, "peer_cookie", &s->peer_cookie);
		fprintf(f, "l2spec_type = %s\nseq = %s\n", pw_l2spec_name(s->l2spec),
			pw_seq_name(s->seq));
		fprintf(f, "offset = %u\npeer_offset = %u\n", s->offset, s->peer_offset);
		/* Without `mtu` the MTU is decided when the link opens (the
		 * route's, or an existing TAP's): a number here would be a guess. */
		if (c->set & PW_SET_MTU)
			fprintf(f, "mtu = %u\n", c->tap.mtu);
		if (c->mac_random)
			fputs("mac = random\n", f);
		if (c->tap.has_mac)
			fprintf(f, "mac = %02x:%02x:%02x:%02x:%02x:%02x\n", c->tap.mac[0],
				c->tap.mac[1], c->tap.mac[2], c->tap.mac[3], c->tap.mac[4],
				c->tap.mac[5]);
		fprintf(f, "queues = %u\nio_uring = %s\nbusy_poll = %u\n", c->tap.queues,
			c->tap.io_uring ? "on" : "off", c->busy_poll_us);
		if (c->fastpath != PW_FASTPATH_AUTO) /* the default: not said */
			fprintf(f, "fastpath = %s\n", pw_fastpath_name(c->fastpath));
		if (c->user[0])
			fprintf(f, "user = %s\n", c->user);
	}
}
