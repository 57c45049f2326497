/* SPDX-License-Identifier: MIT */
/*
 * priv.c: pwired's privileged helper (priv.h). One request, one reply, in
 * order, over a SOCK_SEQPACKET pair: the data-path process sends a struct
 * priv_req (with a steering program's fd when the open attaches one) and
 * waits for a struct priv_rep (with the fd made). Only pwired's main thread
 * asks, at start-up and at a reload, so the channel needs no more than that.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <linux/capability.h>
#include <cap-ng.h>
#include <net/if.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "daemon/conf.h"
#include "daemon/priv.h"
#include "fast/fastpath.h"
#include "vnic/vhost/server.h"
#include "xport/steer.h"

enum priv_op {
	OP_TAP = 1, /* a TAP queue's fd (pw_tap_open_fd), after pw_tap_usable */
	OP_SOCKET,  /* a socket (pw_socket_open_fd) */
	OP_STEER,   /* a steering program (pw_steer_load) */
	OP_CONF,    /* the configuration, parsed: a memfd (do_conf) */
	OP_PARSE,   /* a section's text, parsed as OP_CONF (pwire add, set) */
	OP_LINK,    /* a section's link configuration (pw_config_link_cfg: the
		     * MTU in use asks the kernel for routes and devices) */
	OP_VHOST,   /* a vhost-user listening socket (pw_vu_listen), in the run
		     * directory only (in_run_dir) */
	OP_STEER_MAP, /* a vhost-user link's map for OP_STEER (pw_steer_map) */
	OP_FAST_OPEN, /* a section's fast path (pw_fast_open: programs attached, kept
		       * here): its id, underlay, and counters' map (do_fast_open) */
	OP_FAST_CLOSE, /* one of them closed by its id: the programs detached */
};

enum { STEER_OFFSET_MAX = 512, TEXT_MAX = 4096 };

struct priv_req {
	uint32_t op;
	uint32_t queue;                  /* OP_TAP */
	uint32_t frame_offset, queues;   /* OP_STEER; the map's fd sent along, if any */
	struct pw_tap_cfg tap;           /* OP_TAP; steer_prog: the fd sent along */
	struct pw_xport_cfg xport;       /* OP_SOCKET; steer_prog: the same */
	struct pw_config config;         /* OP_LINK */
	char text[TEXT_MAX];             /* OP_PARSE, NUL-terminated */
	char path[PW_VHOST_PATH_MAX];    /* OP_VHOST */
	uint32_t fast_id, mtu;           /* OP_FAST_CLOSE; OP_FAST_OPEN: the TAP's MTU, */
	char ifname[IFNAMSIZ];           /* and its name (config: the section) */
};

struct priv_rep {
	int32_t err;          /* 0 or an errno */
	char name[IFNAMSIZ];  /* OP_TAP: the device's name */
	char why[96];         /* OP_TAP, ENOTTY: what the device is, if not a TAP */
	struct pw_link_cfg link;  /* OP_LINK */
	struct pw_err warn;       /* OP_LINK: its warnings; OP_FAST_OPEN: why not */
	uint32_t fast_id, ncpus;  /* OP_FAST_OPEN: its id; the map's lines */
};

struct pw_priv {
	int ch;
	struct pw_opener opener;
	char why[96]; /* the last OP_TAP's refusal */
	char run_dir[PW_VHOST_PATH_MAX]; /* where vhost-user sockets may be made */
};

/* Whether path names an entry right in directory dir (no '/' after it, not
 * "." or ".."): where the helper makes vhost-user sockets. */
static bool in_run_dir(const char *dir, const char *path)
{
	size_t n = strlen(dir);
	const char *name;

	while (n > 0 && dir[n - 1] == '/')
		n--; /* "/" itself: n 0, the names right under it */
	name = path + n + 1;
	return !strncmp(path, dir, n) && path[n] == '/' && *name && !strchr(name, '/') &&
	       strcmp(name, ".") && strcmp(name, "..");
}

/* One message and at most one fd. 0 or -errno. */
static int send_fd(int s, const void *buf, size_t len, int fd)
{
	union {
		char b[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct iovec iov = { (void *)buf, len };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };
	ssize_t n;

	if (fd >= 0) {
		memset(&u, 0, sizeof(u));
		m.msg_control = u.b;
		m.msg_controllen = sizeof(u.b);
		struct cmsghdr *c = CMSG_FIRSTHDR(&m);

		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof(int));
	}
	do
		n = sendmsg(s, &m, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	return n < 0 ? -errno : (size_t)n == len ? 0 : -EMSGSIZE;
}

/* One message of exactly len bytes, and the first fd that came with it
 * (others closed) or -1. 0, -EPIPE when the other end is gone, or -errno. */
static int recv_fd(int s, void *buf, size_t len, int *fd)
{
	union {
		char b[CMSG_SPACE(4 * sizeof(int))];
		struct cmsghdr align;
	} u;
	struct iovec iov = { buf, len };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.b,
			    .msg_controllen = sizeof(u.b) };
	ssize_t n;

	*fd = -1;
	do
		n = recvmsg(s, &m, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n <= 0)
		return n ? -errno : -EPIPE;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c)) {
		size_t k = c->cmsg_len > CMSG_LEN(0) ? (c->cmsg_len - CMSG_LEN(0)) / sizeof(int) : 0;

		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		for (size_t i = 0; i < k; i++) {
			int got;

			memcpy(&got, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
			if (*fd < 0)
				*fd = got;
			else
				close(got);
		}
	}
	if ((size_t)n != len || m.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) {
		if (*fd >= 0)
			close(*fd);
		*fd = -1;
		return -EBADMSG;
	}
	return 0;
}

/* ---- The helper ---------------------------------------------------- */

/* The fast paths opened, by id - 1 (a free slot: NULL). They end with the
 * helper: its exit closes each one's pipe, and its own detach helper
 * removes the programs (fast/fastpath.c), however the helper ends. */
static struct pw_fast **fasts;
static uint32_t n_fasts;

static int do_fast_open(struct priv_req *q, struct priv_rep *rep)
{
	struct pw_config *c = &q->config;
	struct pw_link_cfg lc;
	struct pw_err warn;
	struct pw_fast *f;
	uint32_t id = 0;
	int fd;

	q->ifname[sizeof(q->ifname) - 1] = '\0';
	c->tap.name[sizeof(c->tap.name) - 1] = '\0';
	c->shown[sizeof(c->shown) - 1] = '\0';
	c->user[sizeof(c->user) - 1] = '\0';
	if ((c->xport.family != AF_INET && c->xport.family != AF_INET6) || q->mtu < 68 ||
	    q->mtu > 65535 || !q->ifname[0])
		return -EINVAL;
	/* pw_encap goes on that device's egress: a TAP, not any device. */
	if (!pw_tap_usable(q->ifname, rep->why, sizeof(rep->why))) {
		pw_err_init(&rep->warn);
		pw_err_set(&rep->warn, "%s %.*s", q->ifname, (int)sizeof(rep->why) - 1, rep->why);
		return -ENOTTY;
	}
	while (id < n_fasts && fasts[id])
		id++;
	if (id == n_fasts) {
		struct pw_fast **more;

		if (n_fasts >= PW_CONF_LINKS_MAX)
			return -ENOSPC;
		more = realloc(fasts, (n_fasts + 1) * sizeof(*fasts));
		if (!more)
			return -ENOMEM;
		fasts = more;
		fasts[n_fasts++] = NULL;
	}
	pw_err_init(&warn);
	lc = pw_config_link_cfg(c, &warn);
	pw_err_init(&rep->warn);
	errno = 0;
	f = pw_fast_open(&lc, c->fastpath, q->ifname, q->mtu, &rep->warn);
	if (!f)
		return errno ? -errno : -EIO;
	fasts[id] = f;
	rep->fast_id = id + 1;
	rep->ncpus = pw_fast_ncpus(f);
	snprintf(rep->name, sizeof(rep->name), "%s", pw_fast_underlay(f));
	fd = fcntl(pw_fast_map_fd(f), F_DUPFD_CLOEXEC, 0); /* the one sent, then closed */
	return fd < 0 ? -errno : fd;
}

static int do_fast_close(uint32_t id)
{
	if (id < 1 || id > n_fasts || !fasts[id - 1])
		return -ENOENT;
	pw_fast_close(fasts[id - 1]); /* waits until its programs are detached */
	fasts[id - 1] = NULL;
	return -ENODATA;
}

/* The data path has gone: every fast path's programs detached, waited for. */
static void fasts_close(void)
{
	for (uint32_t i = 0; i < n_fasts; i++)
		pw_fast_close(fasts[i]);
	free(fasts);
	fasts = NULL;
	n_fasts = 0;
}

static bool queues_ok(uint32_t queues, uint32_t queue)
{
	return queues >= 1 && queues <= PW_QUEUES_MAX && queue < queues;
}

/* A steering program is attached by queue 0 of several, and then only. */
static bool steer_ok(uint32_t queues, uint32_t queue, int fd)
{
	return (queues > 1 && queue == 0) == (fd >= 0);
}

static int do_tap(struct priv_req *q, int in, struct priv_rep *rep)
{
	struct pw_tap_cfg *t = &q->tap;

	t->name[sizeof(t->name) - 1] = '\0';
	if (!queues_ok(t->queues, q->queue) || !steer_ok(t->queues, q->queue, in) ||
	    t->mtu < 68 || t->mtu > 65535)
		return -EINVAL;
	if (q->queue == 0 && !pw_tap_usable(t->name, rep->why, sizeof(rep->why)))
		return -ENOTTY;
	t->steer_prog = in;
	return pw_tap_open_fd(t, q->queue, rep->name);
}

static int do_socket(struct priv_req *q, int in)
{
	struct pw_xport_cfg *x = &q->xport;

	if (!queues_ok(x->queues, x->queue) || !steer_ok(x->queues, x->queue, in) ||
	    (x->encap != PW_ENCAP_UDP && x->encap != PW_ENCAP_IP) ||
	    (x->family != AF_INET && x->family != AF_INET6) || x->local.ss_family != x->family)
		return -EINVAL;
	x->steer_prog = in;
	return pw_socket_open_fd(x);
}

/* The file parsed (or, given text, that text as if it were the file
 * "control"), into a memfd: its pw_err, then n, then the n sections (plain
 * structs: both ends are the same program). */
static int do_conf(const char *file, const char *text)
{
	struct pw_conf conf;
	struct pw_err e;
	int fd = memfd_create("pwire.conf", MFD_CLOEXEC), err = 0;
	bool ok;

	if (fd < 0)
		return -errno;
	pw_err_init(&e);
	ok = text ? pw_conf_parse(&conf, "control", text, strlen(text), &e) :
		    pw_conf_load(&conf, file, &e);
	if (!ok)
		conf = (struct pw_conf){ 0 };
	if (write(fd, &e, sizeof(e)) != sizeof(e) ||
	    write(fd, &conf.n, sizeof(conf.n)) != sizeof(conf.n) ||
	    (conf.n && write(fd, conf.links, conf.n * sizeof(*conf.links)) !=
			       (ssize_t)(conf.n * sizeof(*conf.links))) ||
	    lseek(fd, 0, SEEK_SET))
		err = errno ? errno : EIO;
	pw_conf_free(&conf);
	if (err) {
		close(fd);
		return -err;
	}
	return fd;
}

/* Whether text has a key that names a file (cookie_file, peer_cookie_file):
 * the data path's text is parsed here, as root, and may name none. */
static bool names_a_file(const char *text)
{
	for (const char *l = text; *l; l += strcspn(l, "\n"), l += *l == '\n') {
		size_t k;

		l += strspn(l, " \t");
		k = strcspn(l, " \t=\n");
		if ((k == 11 && !memcmp(l, "cookie_file", 11)) ||
		    (k == 16 && !memcmp(l, "peer_cookie_file", 16)))
			return true;
	}
	return false;
}

/* Only the names need bounding: the rest is numbers and addresses that
 * pw_config_link_cfg() reads as such. */
static int do_link(struct pw_config *c, struct priv_rep *rep)
{
	c->tap.name[sizeof(c->tap.name) - 1] = '\0';
	c->shown[sizeof(c->shown) - 1] = '\0';
	c->user[sizeof(c->user) - 1] = '\0';
	if (c->xport.family != AF_INET && c->xport.family != AF_INET6)
		return -EINVAL;
	pw_err_init(&rep->warn);
	rep->link = pw_config_link_cfg(c, &rep->warn);
	return -ENODATA; /* no fd: the answer is the reply */
}

/* A steering program; with a map (in >= 0), only the kind pw_steer_map
 * makes (the verifier would refuse other kinds anyway: this says so). */
static int do_steer(const struct priv_req *q, int in)
{
	struct bpf_map_info m;
	union bpf_attr attr;

	if (q->queues < 2 || q->queues > PW_QUEUES_MAX || q->frame_offset > STEER_OFFSET_MAX)
		return -EINVAL;
	if (in >= 0) {
		memset(&m, 0, sizeof(m));
		memset(&attr, 0, sizeof(attr));
		attr.info.bpf_fd = (uint32_t)in;
		attr.info.info_len = sizeof(m);
		attr.info.info = (uint64_t)(uintptr_t)&m;
		if (syscall(SYS_bpf, BPF_OBJ_GET_INFO_BY_FD, &attr, sizeof(attr)) ||
		    m.type != BPF_MAP_TYPE_ARRAY || m.key_size != 4 || m.value_size != 4 ||
		    m.max_entries != 1 || !(m.map_flags & BPF_F_MMAPABLE))
			return -EINVAL;
	}
	return pw_steer_load((uint16_t)q->frame_offset, q->queues, in);
}

static int do_vhost(const char *run_dir, char *path)
{
	struct pw_err e;

	path[PW_VHOST_PATH_MAX - 1] = '\0';
	if (!in_run_dir(run_dir, path))
		return -EPERM;
	pw_err_init(&e);
	return pw_vu_listen(path, &e);
}

static void serve(int ch, const char *file, const char *run_dir)
{
	for (;;) {
		struct priv_req q;
		struct priv_rep rep = { 0 };
		int in, out, r = recv_fd(ch, &q, sizeof(q), &in);

		if (r == -EPIPE) {
			fasts_close();
			_exit(0);
		}
		if (r == -EBADMSG) {
			out = -EINVAL;
		} else if (r) {
			_exit(1);
		} else {
			switch (q.op) {
			case OP_TAP:
				out = do_tap(&q, in, &rep);
				break;
			case OP_SOCKET:
				out = do_socket(&q, in);
				break;
			case OP_STEER:
				out = do_steer(&q, in);
				break;
			case OP_STEER_MAP:
				out = in >= 0 ? -EINVAL : pw_steer_map();
				break;
			case OP_CONF:
				out = in >= 0 ? -EINVAL : do_conf(file, NULL);
				break;
			case OP_PARSE:
				q.text[TEXT_MAX - 1] = '\0';
				out = in >= 0 || names_a_file(q.text) ? -EINVAL :
									do_conf(file, q.text);
				break;
			case OP_LINK:
				out = in >= 0 ? -EINVAL : do_link(&q.config, &rep);
				break;
			case OP_VHOST:
				out = in >= 0 ? -EINVAL : do_vhost(run_dir, q.path);
				break;
			case OP_FAST_OPEN:
				out = in >= 0 ? -EINVAL : do_fast_open(&q, &rep);
				break;
			case OP_FAST_CLOSE:
				out = in >= 0 ? -EINVAL : do_fast_close(q.fast_id);
				break;
			default:
				out = -EINVAL;
			}
		}
		if (in >= 0)
			close(in);
		rep.err = out < 0 && out != -ENODATA ? -out : 0;
		if (send_fd(ch, &rep, sizeof(rep), out) && out >= 0)
			_exit(1);
		if (out >= 0)
			close(out);
	}
}

/* Keep uid 0 (the configuration and its cookie files are root's) and only
 * the capabilities opening needs, in every set and the bounding set.
 * CAP_PERFMON for the fast path's programs: without it the verifier holds
 * a loader to the unprivileged rules ("variable stack access prohibited
 * for !root" in pw_decap's header reads), which the programs, written for
 * pwire up as root, do not follow. */
static bool narrow(void)
{
	capng_clear(CAPNG_SELECT_BOTH);
	if (capng_updatev(CAPNG_ADD, CAPNG_EFFECTIVE | CAPNG_PERMITTED | CAPNG_BOUNDING_SET,
			  CAP_NET_ADMIN, CAP_NET_RAW, CAP_NET_BIND_SERVICE, CAP_BPF,
			  CAP_PERFMON, -1) ||
	    capng_apply(CAPNG_SELECT_BOTH) ||
	    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) ||
	    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		return false;
	return true;
}

static void helper(int ch, const char *file, const char *run_dir, pid_t parent)
{
	static const int ignored[] = { SIGINT, SIGTERM, SIGHUP, SIGUSR1, SIGUSR2, SIGPIPE };
	sigset_t none;

	/* Signals are the data path's (a terminal's ^C, systemd's SIGTERM to
	 * the unit, kill -USR1 "$(pidof pwired)"): the helper ends when the
	 * data path closes its end, or dies. */
	for (size_t i = 0; i < sizeof(ignored) / sizeof(ignored[0]); i++)
		signal(ignored[i], SIG_IGN);
	/* Its children (tap.c's MTU keeper) are its own to wait for. */
	signal(SIGCHLD, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) || getppid() != parent)
		_exit(1);
	/* Nothing of the data path's but stdio and the channel. */
	if (dup2(ch, 3) < 0 || close_range(4, ~0U, 0))
		_exit(1);
	ch = 3;
	prctl(PR_SET_NAME, "pwired-priv", 0, 0, 0);
	if (!narrow()) {
		fprintf(stderr, "pwired: privileged helper: cannot narrow its capabilities: %s\n",
			strerror(errno));
		_exit(1);
	}
	serve(ch, file, run_dir);
}

static int ask_tap(void *ctx, const struct pw_tap_cfg *cfg, unsigned queue, char name[16]);
static int ask_socket(void *ctx, const struct pw_xport_cfg *cfg);
static int ask_steer(void *ctx, uint16_t frame_offset, unsigned queues, int map);
static int ask_steer_map(void *ctx);
static int ask_vhost(void *ctx, const char *path);

struct pw_priv *pw_priv_start(const char *conf, const char *run_dir, struct pw_err *err)
{
	struct pw_priv *p = calloc(1, sizeof(*p));
	pid_t parent = getpid(), pid;
	int sv[2];

	if (p && strlen(run_dir) >= sizeof(p->run_dir)) {
		pw_err_set(err, "run directory %s: longer than %zu bytes", run_dir,
			   sizeof(p->run_dir) - 1);
		free(p);
		return NULL;
	}
	if (p)
		strcpy(p->run_dir, run_dir);
	if (!p || socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv)) {
		pw_err_set(err, "privileged helper: %s", strerror(errno));
		free(p);
		return NULL;
	}
	/* Reaped by the kernel: the data path may not wait() after its drop. */
	signal(SIGCHLD, SIG_IGN);
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		pw_err_set(err, "privileged helper: fork: %s", strerror(errno));
		close(sv[0]);
		close(sv[1]);
		free(p);
		return NULL;
	}
	if (pid == 0) {
		close(sv[0]);
		helper(sv[1], conf, p->run_dir, parent);
		_exit(0);
	}
	close(sv[1]);
	p->ch = sv[0];
	p->opener = (struct pw_opener){ .tap = ask_tap, .socket = ask_socket, .steer = ask_steer,
					.steer_map = ask_steer_map, .vhost = ask_vhost, .ctx = p };
	return p;
}

/* ---- The data path's side ------------------------------------------ */

static int ask(struct pw_priv *p, const struct priv_req *q, int with, struct priv_rep *rep)
{
	int fd, r = send_fd(p->ch, q, sizeof(*q), with);

	if (!r)
		r = recv_fd(p->ch, rep, sizeof(*rep), &fd);
	if (r)
		return r == -EBADMSG ? -EPROTO : r;
	if (rep->err) {
		if (fd >= 0)
			close(fd);
		return -(rep->err > 0 && rep->err < 4096 ? rep->err : EPROTO);
	}
	return fd >= 0 ? fd : q->op == OP_LINK || q->op == OP_FAST_CLOSE ? 0 : -EPROTO;
}

static int ask_tap(void *ctx, const struct pw_tap_cfg *cfg, unsigned queue, char name[16])
{
	struct pw_priv *p = ctx;
	struct priv_req q = { .op = OP_TAP, .queue = queue, .tap = *cfg };
	struct priv_rep rep = { 0 };
	bool steer = cfg->queues > 1 && queue == 0;
	int fd = ask(p, &q, steer ? cfg->steer_prog : -1, &rep);

	p->why[0] = '\0';
	if (fd == -ENOTTY)
		snprintf(p->why, sizeof(p->why), "%.*s", (int)sizeof(rep.why) - 1, rep.why);
	if (fd >= 0)
		snprintf(name, IFNAMSIZ, "%.*s", IFNAMSIZ - 1, rep.name);
	return fd;
}

static int ask_socket(void *ctx, const struct pw_xport_cfg *cfg)
{
	struct priv_req q = { .op = OP_SOCKET, .xport = *cfg };
	struct priv_rep rep;
	bool steer = cfg->queues > 1 && cfg->queue == 0;

	return ask(ctx, &q, steer ? cfg->steer_prog : -1, &rep);
}

static int ask_steer(void *ctx, uint16_t frame_offset, unsigned queues, int map)
{
	struct priv_req q = { .op = OP_STEER, .frame_offset = frame_offset, .queues = queues };
	struct priv_rep rep;

	return ask(ctx, &q, map, &rep);
}

static int ask_steer_map(void *ctx)
{
	struct priv_req q = { .op = OP_STEER_MAP };
	struct priv_rep rep;

	return ask(ctx, &q, -1, &rep);
}

static int ask_vhost(void *ctx, const char *path)
{
	struct priv_req q = { .op = OP_VHOST };
	struct priv_rep rep;

	snprintf(q.path, sizeof(q.path), "%s", path);
	return ask(ctx, &q, -1, &rep);
}

bool pw_priv_link_cfg(struct pw_priv *p, const struct pw_config *c, struct pw_link_cfg *lc,
		      struct pw_err *warn)
{
	static struct priv_req q; /* large (6 KiB): one thread asks */
	static struct priv_rep rep;
	int r;

	if (c->vhost_path[0] && !c->vhost_client && !in_run_dir(p->run_dir, c->vhost_path)) {
		pw_err_set(warn, "vnic vhost-user:%s: pwired makes vhost-user sockets in %s only "
			   "(the directory of its control socket, -s)", c->vhost_path, p->run_dir);
		return false;
	}
	p->why[0] = '\0'; /* a new link: no refusal of an earlier one */
	q = (struct priv_req){ .op = OP_LINK, .config = *c };
	r = ask(p, &q, -1, &rep);
	if (r < 0) {
		pw_err_set(warn, "%s: the privileged helper did not answer: %s", c->shown,
			   strerror(-r));
		return false;
	}
	for (unsigned i = 0; i < pw_err_kept(rep.warn.n_warn) && i < PW_ERR_KEEP; i++)
		pw_err_warn(warn, "%.*s", (int)sizeof(rep.warn.warn[i]) - 1, rep.warn.warn[i]);
	*lc = rep.link;
	lc->opener = &p->opener;
	return true;
}

int pw_priv_fast_open(struct pw_priv *p, const struct pw_config *c, const char *tap,
		      unsigned mtu, struct pw_priv_fast *out, struct pw_err *err)
{
	static struct priv_req q; /* large (6 KiB): one thread asks */
	static struct priv_rep rep;
	int fd;

	q = (struct priv_req){ .op = OP_FAST_OPEN, .config = *c, .mtu = mtu };
	snprintf(q.ifname, sizeof(q.ifname), "%s", tap);
	rep = (struct priv_rep){ 0 };
	fd = ask(p, &q, -1, &rep);
	if (fd < 0) {
		/* The reason as pw_fast_open gave it (the verifier's lines too). */
		if (rep.err && rep.warn.n_err)
			pw_err_set(err, "%.*s", (int)sizeof(rep.warn.err[0]) - 1, rep.warn.err[0]);
		else
			pw_err_set(err, "the privileged helper: %s", strerror(-fd));
		return fd;
	}
	for (unsigned i = 0; i < pw_err_kept(rep.warn.n_warn); i++)
		pw_err_warn(err, "%.*s", (int)sizeof(rep.warn.warn[i]) - 1, rep.warn.warn[i]);
	*out = (struct pw_priv_fast){ .id = rep.fast_id, .ncpus = rep.ncpus };
	snprintf(out->underlay, sizeof(out->underlay), "%.*s", (int)sizeof(rep.name) - 1,
		 rep.name);
	return fd;
}

int pw_priv_fast_close(struct pw_priv *p, uint32_t id)
{
	struct priv_req q = { .op = OP_FAST_CLOSE, .fast_id = id };
	struct priv_rep rep;

	return ask(p, &q, -1, &rep);
}

const char *pw_priv_why(const struct pw_priv *p)
{
	return p->why;
}

/* OP_CONF or OP_PARSE, and the memfd read. */
static bool conf_ask(struct pw_priv *p, const char *text, struct pw_conf *conf, const char *file,
		     struct pw_err *e)
{
	static struct priv_req q; /* large (6 KiB): one thread asks */
	static struct priv_rep rep;
	struct pw_err got;
	int fd;
	unsigned n;
	bool ok = false;

	q = (struct priv_req){ .op = text ? OP_PARSE : OP_CONF };
	if (text && strlen(text) >= sizeof(q.text)) {
		pw_err_set(e, "%s: longer than %zu bytes", file, sizeof(q.text) - 1);
		return false;
	}
	if (text)
		memcpy(q.text, text, strlen(text) + 1);
	fd = ask(p, &q, -1, &rep);
	*conf = (struct pw_conf){ 0 };
	if (fd < 0) {
		pw_err_set(e, "%s: the privileged helper could not read it: %s", file,
			   strerror(-fd));
		return false;
	}
	if (read(fd, &got, sizeof(got)) != sizeof(got) || read(fd, &n, sizeof(n)) != sizeof(n) ||
	    n > PW_CONF_LINKS_MAX)
		goto bad;
	for (unsigned i = 0; i < pw_err_kept(got.n_err); i++)
		pw_err_set(e, "%.*s", (int)sizeof(got.err[i]) - 1, got.err[i]);
	for (unsigned i = 0; i < pw_err_kept(got.n_warn); i++)
		pw_err_warn(e, "%.*s", (int)sizeof(got.warn[i]) - 1, got.warn[i]);
	if (!n) {
		ok = false;
		goto out;
	}
	conf->links = calloc(n, sizeof(*conf->links));
	if (!conf->links) {
		pw_err_set(e, "%s: %s", file, strerror(ENOMEM));
		goto out;
	}
	if (read(fd, conf->links, n * sizeof(*conf->links)) != (ssize_t)(n * sizeof(*conf->links)))
		goto bad;
	conf->n = n;
	ok = !got.n_err;
	goto out;
bad:
	pw_err_set(e, "%s: the privileged helper's reply was cut short", file);
out:
	if (!ok)
		pw_conf_free(conf);
	close(fd);
	return ok;
}

bool pw_priv_conf(struct pw_priv *p, struct pw_conf *conf, const char *file, struct pw_err *e)
{
	return conf_ask(p, NULL, conf, file, e);
}

bool pw_priv_parse(struct pw_priv *p, const char *text, struct pw_conf *conf, struct pw_err *e)
{
	return conf_ask(p, text, conf, "control", e);
}

int pw_priv_fd(const struct pw_priv *p)
{
	return p->ch;
}

void pw_priv_close(struct pw_priv *p)
{
	if (!p)
		return;
	close(p->ch);
	free(p);
}
