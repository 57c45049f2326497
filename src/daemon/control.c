/* SPDX-License-Identifier: MIT */
/*
 * control.c: pwired's control socket. The parser first (pure), then the
 * server: a listening socket opened before the privilege drop, and each
 * connection a small state machine in the daemon's loop: read (non-blocking,
 * into a fixed PW_CTL_REQ_MAX buffer) until the first LF, EOF or a full
 * buffer; build the whole reply in memory; write it as the socket takes it;
 * close. A client that sends garbage, stops half-way or goes away costs a
 * slot until it does (or for PW_CTL_TIMEOUT_TICKS seconds at most), and
 * never more than one reply's memory.
 *
 * After the drop this needs accept4, read, sendto (MSG_NOSIGNAL: a client
 * gone is not a SIGPIPE), getsockopt (SO_PEERCRED), close and epoll_ctl:
 * cli/privs.c allows them.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "daemon/control.h"

/* The words of a request, and what they set. */
static const struct {
	const char *word;
	enum pw_show_format format;
} show_opts[] = {
	{ "--json", PW_SHOW_JSON },
	{ "--prometheus", PW_SHOW_PROMETHEUS },
};

/* The commands that name a section, and how many words follow the name:
 * add and set take KEY VALUE pairs, del none. */
static const struct {
	const char *word;
	enum pw_ctl_cmd cmd;
	bool pairs;
} named[] = {
	{ "add", PW_CTL_ADD, true },
	{ "del", PW_CTL_DEL, false },
	{ "set", PW_CTL_SET, true },
};

enum { WORDS_MAX = PW_CTL_REQ_MAX / 2, WORD_SHOWN = 32 };

#define COMMANDS "commands: show, reload, add, del, set"

static bool word_is(const char *w, size_t wl, const char *s)
{
	return wl == strlen(s) && !memcmp(w, s, wl);
}

/* Where in w[0..wl) the first byte of set (in) or not of it (!in) is; wl
 * if none: the words are not NUL-terminated. */
static size_t scan(const char *w, size_t wl, const char *set, bool in)
{
	size_t i = 0;

	while (i < wl && (strchr(set, w[i]) != NULL) != in)
		i++;
	return i;
}

/* add/del/set NAME [KEY VALUE ...] from words w[1..n) into req. */
static bool parse_named(const char *cmd, bool pairs, const char *const *w, const size_t *wl,
			size_t n, struct pw_ctl_req *req, struct pw_err *e)
{
	size_t at = 0;

	if (n < 2) {
		pw_err_set(e, "%s: which pseudowire? (%s NAME%s)", cmd, cmd,
			   pairs ? " KEY VALUE ..." : "");
		return false;
	}
	if (wl[1] >= PW_CTL_NAME_MAX || scan(w[1], wl[1], "abcdefghijklmnopqrstuvwxyzABCDEFGHIJ"
							"KLMNOPQRSTUVWXYZ0123456789._-", false) < wl[1]) {
		pw_err_set(e, "%s: bad name '%.*s%s' (1..%d letters, digits, '.', '_' or '-')", cmd,
			   (int)(wl[1] < WORD_SHOWN ? wl[1] : WORD_SHOWN), w[1],
			   wl[1] > WORD_SHOWN ? "..." : "", PW_CTL_NAME_MAX - 1);
		return false;
	}
	memcpy(req->name, w[1], wl[1]);
	req->name[wl[1]] = '\0';
	if (!pairs && n > 2) {
		pw_err_set(e, "%s takes a name and nothing more", cmd);
		return false;
	}
	if (pairs && (n < 4 || n % 2)) {
		pw_err_set(e, n < 4 ? "%s %s: no KEY VALUE to %s" : "%s %s: a KEY without its VALUE",
			   cmd, req->name, cmd);
		return false;
	}
	for (size_t i = 2; i < n; i++) {
		bool key = i % 2 == 0;
		const char *bad = key ? ";#=[" : ";#";
		size_t b = scan(w[i], wl[i], bad, true);

		if (b < wl[i]) {
			pw_err_set(e, "%s %s: '%c' cannot be in a %s ('%.*s%s')", cmd, req->name,
				   w[i][b], key ? "key" : "value",
				   (int)(wl[i] < WORD_SHOWN ? wl[i] : WORD_SHOWN), w[i],
				   wl[i] > WORD_SHOWN ? "..." : "");
			return false;
		}
		if (key && (word_is(w[i], wl[i], "cookie_file") ||
			    word_is(w[i], wl[i], "peer_cookie_file"))) {
			pw_err_set(e, "%s %s: %.*s: pwired reads no file for a client: give the "
				      "cookie itself",
				   cmd, req->name, (int)wl[i], w[i]);
			return false;
		}
		memcpy(req->words + at, w[i], wl[i]);
		at += wl[i];
		req->words[at++] = i + 1 < n ? ' ' : '\0';
	}
	return true;
}

bool pw_ctl_parse(const char *buf, size_t len, struct pw_ctl_req *req, struct pw_err *e)
{
	const char *w[WORDS_MAX];
	size_t wl[WORDS_MAX], n = 0, end;
	const char *lf = memchr(buf, '\n', len);

	memset(req, 0, sizeof(*req));
	req->cmd = PW_CTL_SHOW;
	req->format = PW_SHOW_TEXT;
	if (!lf && len >= PW_CTL_REQ_MAX) {
		pw_err_set(e, "request longer than %d bytes", PW_CTL_REQ_MAX - 1);
		return false;
	}
	if (!lf || (size_t)(lf - buf) + 1 != len) {
		pw_err_set(e, lf ? "bytes after the request line" :
				   "request not terminated by a newline");
		return false;
	}
	end = len - 1;
	if (end && buf[end - 1] == '\r')
		end--;
	for (size_t i = 0; i < end; i++) {
		unsigned char c = (unsigned char)buf[i];

		if ((c < 0x20 && c != '\t') || c >= 0x7f) {
			pw_err_set(e, "byte 0x%02x at offset %zu: a request is printable ASCII", c,
				   i);
			return false;
		}
	}
	for (size_t i = 0; i < end;) {
		size_t j;

		if (buf[i] == ' ' || buf[i] == '\t') {
			i++;
			continue;
		}
		for (j = i; j < end && buf[j] != ' ' && buf[j] != '\t'; j++)
			;
		if (n == WORDS_MAX) {
			pw_err_set(e, "too many words (at most %d)", WORDS_MAX);
			return false;
		}
		w[n] = buf + i;
		wl[n++] = j - i;
		i = j;
	}
	if (!n) {
		pw_err_set(e, "empty request (" COMMANDS ")");
		return false;
	}
	for (size_t k = 0; k < sizeof(named) / sizeof(named[0]); k++)
		if (word_is(w[0], wl[0], named[k].word)) {
			req->cmd = named[k].cmd;
			return parse_named(named[k].word, named[k].pairs, w, wl, n, req, e);
		}
	if (n > 4) {
		pw_err_set(e, "too many words (at most 4)");
		return false;
	}
	if (wl[0] == 6 && !memcmp(w[0], "reload", 6)) {
		if (n > 1) {
			pw_err_set(e, "reload takes no argument");
			return false;
		}
		req->cmd = PW_CTL_RELOAD;
		return true;
	}
	if (wl[0] != 4 || memcmp(w[0], "show", 4)) {
		pw_err_set(e, "unknown command '%.*s%s' (" COMMANDS ")",
			   (int)(wl[0] < WORD_SHOWN ? wl[0] : WORD_SHOWN), w[0],
			   wl[0] > WORD_SHOWN ? "..." : "");
		return false;
	}
	for (size_t i = 1; i < n; i++) {
		size_t k;

		for (k = 0; k < sizeof(show_opts) / sizeof(show_opts[0]); k++)
			if (wl[i] == strlen(show_opts[k].word) &&
			    !memcmp(w[i], show_opts[k].word, wl[i]))
				break;
		if (k == sizeof(show_opts) / sizeof(show_opts[0])) {
			pw_err_set(e, "show: unknown option '%.*s%s' (--json or --prometheus)",
				   (int)(wl[i] < WORD_SHOWN ? wl[i] : WORD_SHOWN), w[i],
				   wl[i] > WORD_SHOWN ? "..." : "");
			return false;
		}
		if (req->format != PW_SHOW_TEXT) {
			pw_err_set(e, "show: one of --json or --prometheus, once");
			return false;
		}
		req->format = show_opts[k].format;
	}
	return true;
}

const char *pw_ctl_cmd_name(enum pw_ctl_cmd cmd)
{
	if (cmd == PW_CTL_SHOW || cmd == PW_CTL_RELOAD)
		return cmd == PW_CTL_SHOW ? "show" : "reload";
	for (size_t k = 0; k < sizeof(named) / sizeof(named[0]); k++)
		if (named[k].cmd == cmd)
			return named[k].word;
	return "?";
}

const char *pw_ctl_req_str(const struct pw_ctl_req *req, char *buf, size_t len)
{
	static const char *const shows[] = { "show", "show --json", "show --prometheus" };

	switch (req->cmd) {
	case PW_CTL_RELOAD:
		snprintf(buf, len, "reload\n");
		break;
	case PW_CTL_ADD:
	case PW_CTL_SET:
		snprintf(buf, len, "%s %s %s\n", pw_ctl_cmd_name(req->cmd), req->name, req->words);
		break;
	case PW_CTL_DEL:
		snprintf(buf, len, "del %s\n", req->name);
		break;
	case PW_CTL_SHOW:
		snprintf(buf, len, "%s\n", shows[req->format]);
		break;
	}
	return buf;
}

/* One client. fd -1: a free slot. */
struct conn {
	struct pw_ctl *c;
	int fd;
	size_t got;
	char req[PW_CTL_REQ_MAX];
	char *reply; /* malloc'd by open_memstream, once the request is read */
	size_t len, sent;
	unsigned ticks; /* pw_ctl_tick() calls since accepted */
	bool root;      /* the client is root's: it may add, set and del */
};

struct pw_ctl {
	int fd;
	uid_t self;
	bool has_group;
	gid_t group;
	struct pw_loop *loop;
	pw_ctl_show_fn show;
	void *data;
	struct conn conns[PW_CTL_CONN_MAX];
};

static void conn_close(struct conn *k)
{
	pw_loop_unwatch(k->c->loop, k->fd);
	close(k->fd);
	free(k->reply);
	*k = (struct conn){ .c = k->c, .fd = -1 };
}

/* Send what the socket takes; close when all is sent or the client went. */
static int conn_write(struct conn *k)
{
	while (k->sent < k->len) {
		ssize_t n = send(k->fd, k->reply + k->sent, k->len - k->sent,
				 MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 1;
		if (n <= 0)
			break;
		k->sent += (size_t)n;
	}
	conn_close(k);
	return 1;
}

/* The reply to the bytes in k->req: a show, or one error line. */
static void reply(struct conn *k)
{
	struct pw_ctl_req req;
	struct pw_err e;
	FILE *f;

	pw_err_init(&e);
	f = open_memstream(&k->reply, &k->len);
	if (!f) {
		conn_close(k);
		return;
	}
	if (!pw_ctl_parse(k->req, k->got, &req, &e))
		fprintf(f, "error: %s\n", pw_err_msg(&e));
	else if (req.cmd >= PW_CTL_ADD && !k->root)
		/* They have the helper make TAPs and bind ports: root's alone. */
		fprintf(f, "error: %s: only root may add, set or del a pseudowire\n",
			pw_ctl_cmd_name(req.cmd));
	else
		k->c->show(k->c->data, f, &req);
	if (fclose(f) || k->len > PW_CTL_REPLY_MAX) {
		free(k->reply);
		k->reply = strdup("error: the reply did not fit in memory\n");
		k->len = k->reply ? strlen(k->reply) : 0;
	}
	if (!k->reply)
		conn_close(k);
}

static int on_conn(void *data, uint32_t events);

static int start_reply(struct conn *k)
{
	reply(k);
	if (k->fd < 0)
		return 1;
	if (pw_loop_watch(k->c->loop, k->fd, EPOLLOUT, on_conn, k) < 0) {
		conn_close(k);
		return 1;
	}
	return conn_write(k);
}

static int on_conn(void *data, uint32_t events)
{
	struct conn *k = data;
	ssize_t n;

	if (k->reply)
		return conn_write(k);
	(void)events;
	n = read(k->fd, k->req + k->got, sizeof(k->req) - k->got);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		return 0;
	if (n < 0 || (n == 0 && k->got == 0)) { /* gone, or closed before a byte */
		conn_close(k);
		return 1;
	}
	if (n > 0) {
		const char *lf = memchr(k->req + k->got, '\n', (size_t)n);

		k->got += (size_t)n;
		if (lf)
			k->got = (size_t)(lf - k->req) + 1; /* what follows is ignored */
		else if (k->got < sizeof(k->req))
			return 1;
	}
	return start_reply(k); /* a line, a full buffer, or EOF after a half line */
}

/* Whether the peer is in c's group: its primary group, or one of its
 * supplementary groups as the kernel recorded them at connect
 * (SO_PEERGROUPS). */
static bool peer_in_group(struct pw_ctl *c, int fd, gid_t gid)
{
	gid_t groups[256];
	socklen_t len = sizeof(groups);

	if (!c->has_group)
		return false;
	if (gid == c->group)
		return true;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &len))
		return false; /* more than 256 groups (ERANGE): not looked through */
	for (size_t i = 0; i < len / sizeof(groups[0]); i++)
		if (groups[i] == c->group)
			return true;
	return false;
}

/* uid 0, the daemon's own or (-g) the group's; anyone else gets one error
 * line and a log line. */
/* Whether the client on fd may talk to pwired at all; *root whether it is
 * root's. */
static bool peer_allowed(struct pw_ctl *c, int fd, bool *root)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);
	char line[200], group[32] = "";
	int n;

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) || len != sizeof(cred)) {
		fprintf(stderr, "pwired: control: SO_PEERCRED: %s: connection closed\n",
			strerror(errno));
		return false;
	}
	*root = cred.uid == 0;
	if (cred.uid == 0 || cred.uid == c->self || peer_in_group(c, fd, cred.gid))
		return true;
	if (c->has_group)
		snprintf(group, sizeof(group), " or in group %u", (unsigned)c->group);
	fprintf(stderr,
		"pwired: control: refused a client of uid %u (pid %d): only root or uid %u%s\n",
		(unsigned)cred.uid, (int)cred.pid, (unsigned)c->self, group);
	n = snprintf(line, sizeof(line), "error: permission denied: uid %u is not root or uid %u%s\n",
		     (unsigned)cred.uid, (unsigned)c->self, group);
	if (send(fd, line, (size_t)n, MSG_NOSIGNAL | MSG_DONTWAIT) < 0) {
		/* it went already; nothing more to tell it */
	}
	return false;
}

static int on_accept(void *data, uint32_t events)
{
	struct pw_ctl *c = data;
	struct conn *k = NULL;
	int fd;

	(void)events;
	fd = accept4(c->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0)
		return 0;
	for (unsigned i = 0; !k && i < PW_CTL_CONN_MAX; i++)
		if (c->conns[i].fd < 0)
			k = &c->conns[i];
	if (!k) {
		static const char busy[] = "error: too many control connections, try again\n";

		if (send(fd, busy, sizeof(busy) - 1, MSG_NOSIGNAL | MSG_DONTWAIT) < 0) {
			/* gone already */
		}
		close(fd);
		return 1;
	}
	if (!peer_allowed(c, fd, &k->root)) {
		close(fd);
		return 1;
	}
	k->fd = fd;
	if (pw_loop_watch(c->loop, fd, EPOLLIN, on_conn, k) < 0) {
		close(fd);
		k->fd = -1;
	}
	return 1;
}

/* A socket file at path with someone listening: true. */
static bool live(const struct sockaddr_un *sa)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	bool up = fd >= 0 && !connect(fd, (const struct sockaddr *)sa, sizeof(*sa));

	if (fd >= 0)
		close(fd);
	return up;
}

static int sock_open(const char *path, const struct pw_ctl_cfg *cfg, struct pw_err *err)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char dir[sizeof(sa.sun_path)];
	char *slash;
	struct stat st;
	mode_t old;
	int fd, rc;

	if (!path[0] || strlen(path) >= sizeof(sa.sun_path)) {
		pw_err_set(err, "bad control socket path '%s' (1..%zu bytes)", path,
			   sizeof(sa.sun_path) - 1);
		return -1;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	memcpy(dir, path, strlen(path) + 1);
	slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		if (mkdir(dir, 0755) && errno != EEXIST) {
			pw_err_set(err, "control socket directory %s: %s", dir, strerror(errno));
			return -1;
		}
	}
	if (!lstat(path, &st)) {
		if (!S_ISSOCK(st.st_mode)) {
			pw_err_set(err, "control socket %s: exists and is not a socket", path);
			return -1;
		}
		if (live(&sa)) {
			pw_err_set(err, "control socket %s: another pwired listens on it", path);
			return -1;
		}
		unlink(path);
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		pw_err_set(err, "control socket: %s", strerror(errno));
		return -1;
	}
	/* 0600 from the start: no moment where others may connect; with a
	 * group, its own and 0660 before anyone may. */
	old = umask(0177);
	rc = bind(fd, (const struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (!rc && cfg->has_group)
		rc = chown(path, (uid_t)-1, cfg->group);
	if (rc || chmod(path, cfg->has_group ? 0660 : 0600) || listen(fd, PW_CTL_CONN_MAX)) {
		pw_err_set(err, "control socket %s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

struct pw_ctl *pw_ctl_open(const struct pw_ctl_cfg *cfg, struct pw_err *err)
{
	struct pw_ctl *c = calloc(1, sizeof(*c));

	if (!c) {
		pw_err_set(err, "control socket: %s", strerror(errno));
		return NULL;
	}
	c->fd = sock_open(cfg->path, cfg, err);
	if (c->fd < 0) {
		free(c);
		return NULL;
	}
	c->self = cfg->self;
	c->has_group = cfg->has_group;
	c->group = cfg->group;
	for (unsigned i = 0; i < PW_CTL_CONN_MAX; i++)
		c->conns[i] = (struct conn){ .c = c, .fd = -1 };
	return c;
}

int pw_ctl_start(struct pw_ctl *c, struct pw_loop *loop, pw_ctl_show_fn show, void *data)
{
	c->loop = loop;
	c->show = show;
	c->data = data;
	return pw_loop_watch(loop, c->fd, EPOLLIN, on_accept, c);
}

void pw_ctl_tick(struct pw_ctl *c)
{
	static const char late[] = "error: no request within 5 s\n";

	_Static_assert(PW_CTL_TIMEOUT_TICKS == 5, "the message says 5 s");
	for (unsigned i = 0; c && i < PW_CTL_CONN_MAX; i++) {
		struct conn *k = &c->conns[i];

		if (k->fd < 0 || ++k->ticks < PW_CTL_TIMEOUT_TICKS)
			continue;
		if (!k->reply && send(k->fd, late, sizeof(late) - 1, MSG_NOSIGNAL | MSG_DONTWAIT) < 0) {
			/* gone already */
		}
		conn_close(k);
	}
}

void pw_ctl_close(struct pw_ctl *c)
{
	if (!c)
		return;
	for (unsigned i = 0; c->loop && i < PW_CTL_CONN_MAX; i++)
		if (c->conns[i].fd >= 0)
			conn_close(&c->conns[i]);
	if (c->loop)
		pw_loop_unwatch(c->loop, c->fd);
	close(c->fd);
	free(c);
}
