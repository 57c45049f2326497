/* SPDX-License-Identifier: MIT */
/*
 * fastpath.c: the loader of the kernel fast path (docs/fastpath.md). It
 * decides whether a link qualifies, loads the embedded BPF object with
 * libbpf, fills the programs' maps with the session, maps their counters,
 * attaches pw_encap to the TAP's clsact egress and pw_decap to the
 * underlay's clsact ingress, and forks the helper that detaches them.
 * Not the programs (fastpath.bpf.c) and not the data path: after open,
 * nothing here runs but plain loads of the counters and the helper's pipe.
 *
 * Why a helper: detaching is a netlink request that needs CAP_NET_ADMIN,
 * and pwire drops every capability and most system calls once open
 * (cli/privs.c). The helper keeps CAP_NET_ADMIN (and CAP_BPF, for the map
 * write below on kernels before 5.19) alone, closes every other
 * fd but the session's map and waits for its pipe to close, which happens
 * when pwire ends in any way (exit, a signal, SIGKILL, the seccomp filter's
 * SIGSYS). Meanwhile it reads the route to the peer once a second (its
 * MTU, which a path MTU learnt from ICMP changes, and its device) into the
 * session the encapsulation program checks frames against (route_watch).
 * It also keeps decap off the session's GRO pair (grodev.h) while the pair
 * is gone or down (gro_watch), and deletes the pair at the end.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/ethtool.h>
#include <linux/if_ether.h>
#include <linux/sockios.h>
#include <linux/pkt_cls.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <cap-ng.h>

#include "fast/abi.h"
#include "fast/fastpath.h"
#include "fast/grodev.h"
#include "xport/route.h"
#include "xport/rtnl.h"

/* The object fastpath.bpf.c compiled to, embedded by the build. */
extern const unsigned char pw_fast_obj[];
extern const size_t pw_fast_obj_len;

#define PW_FAST_ENTRY(name, kind) PW_COUNTER_ENTRY(pw_fast_counters, name, kind)
const struct pw_counter_name pw_fast_counter_names[] = { PW_FAST_COUNTERS(PW_FAST_ENTRY) };
const size_t pw_fast_counter_count = sizeof(pw_fast_counter_names) / sizeof(pw_fast_counter_names[0]);

_Static_assert(sizeof(struct pw_fast_stats) == 128, "one line per CPU and session");
_Static_assert(offsetof(struct pw_fast_stats, tx_errors) ==
		       offsetof(struct pw_fast_counters, tx_errors),
	       "the map's line and the counters in one order");

enum { LOG_MAX = 64 * 1024 };

/* One attachment, as the helper needs it to detach. */
struct hook {
	int ifindex;
	enum bpf_tc_attach_point point;
	__u32 handle, priority;
	bool made_qdisc; /* clsact was not there: remove it, if left empty */
};

/* The counters mapped read-only: the opener's own, or another process's. */
struct pw_fast_view {
	const volatile struct pw_fast_stats *lines; /* the mapped pw_stats */
	size_t map_len;
	unsigned ncpus;
};

struct pw_fast {
	char underlay[IF_NAMESIZE];
	struct pw_fast_view view;
	int map_fd; /* pw_stats, for pw_fast_map_fd */
	int go_fd;   /* closed: the helper detaches */
	int done_fd; /* EOF: it has */
	pid_t helper; /* reaped by pw_fast_close */
};

const char *pw_fastpath_name(enum pw_fastpath f)
{
	return f == PW_FASTPATH_ON ? "on" : f == PW_FASTPATH_AUTO ? "auto" : "off";
}

const char *pw_fast_why_not(const struct pw_link_cfg *c)
{
	const struct pw_session_cfg *s = &c->session;

	if (c->vhost_path[0])
		return "a vhost-user vNIC (the programs attach to a TAP)";
	if (s->encap != PW_ENCAP_UDP)
		return "encap ip (the fast path carries encap udp)";
	if (s->l2spec == PW_L2SPEC_COUNTER32)
		return "l2spec_type counter32 (a counter per frame: the userspace engine's)";
	if (s->seq != PW_SEQ_NONE)
		return "sequence numbers (seq is not none: one ordered number space, the "
		       "userspace engine's)";
	if (s->offset || s->peer_offset)
		return "offset or peer_offset is not 0";
	if (c->has_impair)
		return "--impair (it impairs the userspace engine's datagrams)";
	return NULL;
}

/* Whether dev's tx checksum offload is on (ethtool -k: tx-checksumming);
 * true when it does not say. */
static bool tx_csum_offload(const char *dev)
{
	struct ethtool_value v = { .cmd = ETHTOOL_GTXCSUM };
	struct ifreq ifr = { .ifr_data = (void *)&v };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	bool on = true;

	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", dev);
	if (fd >= 0 && ioctl(fd, SIOCETHTOOL, &ifr) == 0)
		on = v.data != 0;
	if (fd >= 0)
		close(fd);
	return on;
}

/* auto: NULL when what the programs encapsulate leaves the underlay ul
 * (ifindex ul_ifindex) finished for any receiver (fastpath.h), else why
 * not, in err. */
static const char *unfinished(const char *ul, int ul_ifindex, struct pw_err *err)
{
	char kind[PW_RTNL_KIND];

	if (!strcmp(ul, "lo"))
		return NULL;
	if (!pw_rtnl_link_kind(ul_ifindex, kind) && !kind[0])
		return NULL; /* a NIC: its hardware or the kernel finishes them */
	if (!tx_csum_offload(ul))
		return NULL;
	pw_err_set(err,
		   "the underlay %s (%s) is a virtual device that may hand frames on with their "
		   "checksum and TSO left to the receiver, which a userspace peer cannot take "
		   "(`ethtool -K %s tx off`, or fastpath on where they leave by a NIC or reach "
		   "a fast pwire)",
		   ul, kind[0] ? kind : "a link of no kind the kernel names", ul);
	return pw_err_msg(err);
}

/* libbpf's own messages, kept for the error (the last ones say why). */
static char lib_log[1024];

static int lib_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	size_t n = strlen(lib_log);

	if (level == LIBBPF_DEBUG)
		return 0;
	if (n > sizeof(lib_log) / 2) { /* keep the newest */
		memmove(lib_log, lib_log + n / 2, n - n / 2 + 1);
		n -= n / 2;
	}
	return vsnprintf(lib_log + n, sizeof(lib_log) - n, fmt, ap);
}

/* The last lines of a verifier's log (where it says why), on one line. */
static const char *log_tail(char *log, unsigned lines)
{
	size_t n = strlen(log);
	char *p;

	while (n && (log[n - 1] == '\n' || log[n - 1] == ' '))
		log[--n] = '\0';
	p = log + n;
	while (p > log && lines) {
		p--;
		if (*p == '\n' && !--lines)
			break;
	}
	for (char *q = p; *q; q++)
		if (*q == '\n')
			*q = ';';
	return *p == ';' ? p + 1 : p;
}

/* The source address the kernel picks towards remote (local any). */
static int source_for(const struct sockaddr_storage *remote, struct sockaddr_storage *src)
{
	socklen_t len = sizeof(*src);
	socklen_t rlen = remote->ss_family == AF_INET6 ? sizeof(struct sockaddr_in6) :
							 sizeof(struct sockaddr_in);
	int fd = socket(remote->ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0), err = 0;

	if (fd < 0)
		return -errno;
	if (connect(fd, (const struct sockaddr *)remote, rlen) ||
	    getsockname(fd, (struct sockaddr *)src, &len))
		err = -errno;
	close(fd);
	return err;
}

static int filter_reply(const struct nlmsghdr *nh, void *data)
{
	*(bool *)data |= nh->nlmsg_type == RTM_NEWTFILTER;
	return MNL_CB_OK;
}

/* Whether any filter is left on a device's clsact hooks (a netlink dump
 * of each, `tc filter show dev DEV ingress|egress`): an emptied qdisc
 * pwire made is removed, one another program still uses is not. True when
 * it cannot tell. */
static bool filters_left(int ifindex)
{
	static const __u32 parents[] = { TC_H_MAKE(TC_H_CLSACT, TC_H_MIN_INGRESS),
					 TC_H_MAKE(TC_H_CLSACT, TC_H_MIN_EGRESS) };
	bool left = false;

	for (unsigned i = 0; i < 2 && !left; i++) {
		union pw_rtnl_req r;
		struct tcmsg *tc = pw_rtnl_req(&r, RTM_GETTFILTER, NLM_F_DUMP, sizeof(*tc));

		tc->tcm_family = AF_UNSPEC;
		tc->tcm_ifindex = ifindex;
		tc->tcm_parent = parents[i];
		if (pw_rtnl_talk(&r.nh, filter_reply, &left))
			return true;
	}
	return left;
}

static void detach(const struct hook *h)
{
	DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = h->ifindex, .attach_point = h->point);
	DECLARE_LIBBPF_OPTS(bpf_tc_opts, opts, .handle = h->handle, .priority = h->priority);

	if (!h->ifindex)
		return;
	bpf_tc_detach(&hook, &opts); /* a TAP that went with pwire took it along */
	if (h->made_qdisc && !filters_left(h->ifindex)) {
		hook.attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS;
		bpf_tc_hook_destroy(&hook);
	}
}

/* What the helper needs to keep the session's path MTU current: the
 * link's addresses as configured (pw_route_mtu's question), the session as
 * pw_tx holds it and that map (an fd the helper keeps). The helper is the
 * only writer of pw_tx once pwire has opened the fast path. */
struct route_watch {
	struct sockaddr_storage remote, local;
	struct pw_fast_sess sess;
	__u32 key; /* the TAP's ifindex */
	int tx_fd;
	int werr; /* the last write's error (0: it went in), said when it changes */
	char underlay[IF_NAMESIZE]; /* the programs' device */
};

enum { ROUTE_WATCH_MS = 1000 };

/* What the helper needs to keep decap off a GRO pair that went away: the
 * pair, the session as pw_rx holds it and that map (an fd the helper
 * keeps; it is its only writer after open). */
struct gro_watch {
	struct pw_grodev dev; /* none: in_ifindex 0 */
	struct pw_fast_sess sess;
	int rx_fd;
	bool on; /* sess.gro_ifindex is the pair's */
};

/* Whether the pair is still there and up; when that changes, decap is
 * told (pw_rx's gro_ifindex: the pair's, or 0 for straight into the TAP),
 * and the log says so. A write the kernel refused is tried again next
 * time. */
static void gro_watch(struct gro_watch *g)
{
	struct pw_fast_sess s = g->sess;
	bool ok;

	if (!g->dev.in_ifindex)
		return;
	ok = pw_grodev_usable(&g->dev);
	if (ok == g->on)
		return;
	s.gro_ifindex = ok ? (__u32)g->dev.in_ifindex : 0;
	if (bpf_map_update_elem(g->rx_fd, &s.session_id, &s, BPF_EXIST))
		return;
	fprintf(stderr,
		ok ? "pwire-fastpath: the GRO pair %s/%s is up again: the peer's TCP goes "
		     "through it\n" :
		     "pwire-fastpath: the GRO pair %s/%s is gone or down: the peer's TCP goes "
		     "into the TAP unjoined\n",
		g->dev.in, g->dev.out);
	g->sess = s;
	g->on = ok;
}

/* Ask the route to the peer again: its MTU, and whether it still leaves by
 * the underlay the programs are on (when not, or when there is no route
 * or its device cannot be told, encapsulation passes every frame on to
 * pwire, whose socket follows the route or counts what it cannot send,
 * until it is back). A change goes into pw_tx, where the next frame's
 * encapsulation sees it; one the kernel refused is tried again next time. */
static void route_watch(struct route_watch *w)
{
	struct pw_fast_sess s = w->sess;
	char dev[IF_NAMESIZE], peer[64];
	unsigned mtu;
	int err;

	s.flags &= ~(__u32)PW_FAST_MOVED;
	if (pw_route_mtu(&w->remote, &w->local, &mtu, dev) || strcmp(dev, w->underlay))
		s.flags |= PW_FAST_MOVED;
	else
		s.path_mtu = mtu;
	if (s.path_mtu == w->sess.path_mtu && s.flags == w->sess.flags)
		return;
	err = bpf_map_update_elem(w->tx_fd, &w->key, &s, BPF_EXIST) ? errno : 0;
	if (err && err != w->werr)
		fprintf(stderr, "pwire-fastpath: the route's change into the programs' map: %s\n",
			strerror(err));
	else if (!err && w->werr)
		fprintf(stderr, "pwire-fastpath: the route's changes reach the programs again\n");
	w->werr = err;
	if (err)
		return;
	/* Said when it changes, for whoever reads pwire's log. */
	pw_xport_addr_str(&w->remote, peer, sizeof(peer));
	if ((s.flags & ~w->sess.flags) & PW_FAST_MOVED)
		fprintf(stderr,
			"pwire-fastpath: the route to %s leaves by %s, not %s: pwire carries "
			"the frames until it is back\n",
			peer, dev[0] ? dev : "(none: no route)", w->underlay);
	else if ((w->sess.flags & ~s.flags) & PW_FAST_MOVED)
		fprintf(stderr,
			"pwire-fastpath: the route to %s leaves by %s again: the kernel carries "
			"the frames\n",
			peer, w->underlay);
	else if (s.path_mtu != w->sess.path_mtu)
		fprintf(stderr,
			"pwire-fastpath: the path MTU to %s is %u (was %u): frames longer "
			"once encapsulated go through pwire\n",
			peer, s.path_mtu, w->sess.path_mtu);
	w->sess = s;
}

/* The helper: CAP_NET_ADMIN and CAP_BPF alone (the map write needs
 * CAP_BPF where unprivileged bpf() is off, before Linux 5.19), no fd but
 * its pipes' ends, the session's map and stderr. It reads the hooks once
 * pwire has attached them (nothing: pwire failed and detached them
 * itself), then watches the route (route_watch) until EOF, detaches,
 * deletes the GRO pair (either way), exits; its end of done closes, which
 * ends pwire's wait. */
static void helper(int go, int done, struct route_watch *w, struct gro_watch *gro)
{
	static const int quiet[] = { SIGINT, SIGTERM, SIGHUP, SIGUSR1, SIGPIPE };
	struct hook hooks[2];
	size_t got = 0;
	int top = go > done ? go : done;
	sigset_t none;
	char c;

	if (w->tx_fd > top)
		top = w->tx_fd;
	if (gro->rx_fd > top)
		top = gro->rx_fd;
	for (int fd = 0; fd < top; fd++)
		if (fd != STDERR_FILENO && fd != go && fd != done && fd != w->tx_fd &&
		    fd != gro->rx_fd)
			close(fd);
	close_range((unsigned)top + 1, ~0U, 0);
	/* A Ctrl-C meant for pwire reaches its process group: the helper
	 * stays until pwire has gone. */
	for (unsigned i = 0; i < sizeof(quiet) / sizeof(quiet[0]); i++)
		signal(quiet[i], SIG_IGN);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	prctl(PR_SET_NAME, "pwire-fastpath");
	prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
	capng_clear(CAPNG_SELECT_BOTH);
	capng_update(CAPNG_ADD, CAPNG_EFFECTIVE | CAPNG_PERMITTED, CAP_NET_ADMIN);
	capng_update(CAPNG_ADD, CAPNG_EFFECTIVE | CAPNG_PERMITTED, CAP_BPF);
	if (capng_apply(CAPNG_SELECT_BOTH)) { /* a kernel without CAP_BPF (before 5.8) */
		capng_clear(CAPNG_SELECT_BOTH);
		capng_update(CAPNG_ADD, CAPNG_EFFECTIVE | CAPNG_PERMITTED, CAP_NET_ADMIN);
		capng_apply(CAPNG_SELECT_BOTH);
	}
	while (got < sizeof(hooks)) {
		ssize_t n = read(go, (char *)hooks + got, sizeof(hooks) - got);

		if (n == 0 || (n < 0 && errno != EINTR)) {
			pw_grodev_close(&gro->dev);
			_exit(0);
		}
		if (n > 0)
			got += (size_t)n;
	}
	for (;;) {
		struct pollfd p = { .fd = go, .events = POLLIN };
		int r = poll(&p, 1, ROUTE_WATCH_MS);
		ssize_t n;

		if (r == 0) {
			route_watch(w);
			gro_watch(gro);
			continue;
		}
		if (r < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		n = read(go, &c, 1);
		if (n == 0 || (n < 0 && errno != EINTR))
			break;
	}
	for (unsigned i = 0; i < 2; i++)
		detach(&hooks[i]);
	pw_grodev_close(&gro->dev);
	_exit(0);
}

/* Attach prog at one hook, making clsact when it is not there. */
static int attach(struct hook *h, int prog_fd, const char *what, const char *dev,
		  struct pw_err *err)
{
	DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = h->ifindex, .attach_point = h->point);
	DECLARE_LIBBPF_OPTS(bpf_tc_opts, opts, .prog_fd = prog_fd);
	int rc = bpf_tc_hook_create(&hook);

	if (rc && rc != -EEXIST) {
		pw_err_set(err, "clsact on %s: %s", dev, strerror(-rc));
		return rc;
	}
	h->made_qdisc = rc == 0;
	rc = bpf_tc_attach(&hook, &opts);
	if (rc) {
		pw_err_set(err, "attaching %s to %s: %s", what, dev, strerror(-rc));
		if (h->made_qdisc) {
			hook.attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS;
			bpf_tc_hook_destroy(&hook);
		}
		return rc;
	}
	h->handle = opts.handle;
	h->priority = opts.priority;
	return 0;
}

/* The session as the programs' maps hold it; the underlay into ul. */
static int sess_of(const struct pw_link_cfg *c, int tap_ifindex, unsigned mtu,
		   struct pw_fast_sess *s, char ul[IF_NAMESIZE], struct pw_err *err)
{
	const struct sockaddr_storage *remote = &c->xport.remote;
	struct sockaddr_storage local = c->xport.local;
	bool v6 = remote->ss_family == AF_INET6;
	const struct sockaddr_in6 *r6 = (const struct sockaddr_in6 *)remote;
	const struct sockaddr_in *r4 = (const struct sockaddr_in *)remote;
	struct sockaddr_in6 *l6 = (struct sockaddr_in6 *)&local;
	struct sockaddr_in *l4 = (struct sockaddr_in *)&local;
	unsigned route_mtu;
	char a[64];
	int rc;

	rc = pw_route_mtu(&c->xport.remote, &c->xport.local, &route_mtu, ul);
	if (rc || !ul[0]) {
		pw_err_set(err, "no route to %s (%s): the programs attach to the device "
			   "it leaves by", pw_xport_addr_str(&c->xport.remote, a, sizeof(a)),
			   strerror(rc ? -rc : ENODEV));
		return rc ? rc : -ENODEV;
	}
	if (v6 ? IN6_IS_ADDR_UNSPECIFIED(&l6->sin6_addr) : l4->sin_addr.s_addr == INADDR_ANY) {
		struct sockaddr_storage src;

		rc = source_for(remote, &src);
		if (rc) {
			pw_err_set(err, "local any: no source address towards %s (%s)",
				   pw_xport_addr_str(&c->xport.remote, a, sizeof(a)), strerror(-rc));
			return rc;
		}
		if (v6)
			l6->sin6_addr = ((const struct sockaddr_in6 *)&src)->sin6_addr;
		else
			l4->sin_addr = ((const struct sockaddr_in *)&src)->sin_addr;
	}
	memset(s, 0, sizeof(*s));
	if (v6) {
		memcpy(s->local6, &l6->sin6_addr, 16);
		memcpy(s->peer6, &r6->sin6_addr, 16);
		s->sport = l6->sin6_port;
		s->dport = r6->sin6_port;
		s->flags |= PW_FAST_IPV6;
	} else {
		s->local4 = l4->sin_addr.s_addr;
		s->peer4 = r4->sin_addr.s_addr;
		s->sport = l4->sin_port;
		s->dport = r4->sin_port;
	}
	{
		const __u8 *b = v6 ? s->local6 : (const __u8 *)&s->local4;
		const __u8 *e = v6 ? s->peer6 : (const __u8 *)&s->peer4;
		unsigned n = v6 ? 16 : 4;

		for (unsigned i = 0; i < n; i += 2)
			s->addr_sum += (__u32)(b[i] << 8 | b[i + 1]) + (__u32)(e[i] << 8 | e[i + 1]);
	}
	s->session_id = c->session.session_id;
	s->peer_session_be = htonl(c->session.peer_session_id);
	s->cookie_len = c->session.cookie.len;
	s->peer_cookie_len = c->session.peer_cookie.len;
	memcpy(s->cookie, c->session.cookie.bytes, s->cookie_len);
	memcpy(s->peer_cookie, c->session.peer_cookie.bytes, s->peer_cookie_len);
	s->sublayer_len = c->session.l2spec == PW_L2SPEC_DEFAULT ? 4 : 0;
	s->tap_ifindex = (__u32)tap_ifindex;
	s->ul_ifindex = if_nametoindex(ul);
	s->tap_frame_max = mtu + ETH_HLEN + 4; /* one VLAN tag, as the TAP takes */
	s->path_mtu = route_mtu;
	s->slot = 0;
	s->stride = 1;
	if (!strcmp(ul, "lo"))
		s->flags |= PW_FAST_LOOPBACK;
	if (!s->ul_ifindex) {
		pw_err_set(err, "the route's device %s: %s", ul, strerror(errno));
		return -errno;
	}
	return 0;
}

/* Load the object: the kernel's refusal, with the verifier's last lines. */
static struct bpf_object *load(unsigned ncpus, char *log, struct pw_err *err)
{
	DECLARE_LIBBPF_OPTS(bpf_object_open_opts, oo, .object_name = "pwire_fast");
	struct bpf_object *obj;
	struct bpf_program *p;
	int rc;

	lib_log[0] = '\0';
	libbpf_set_print(lib_print);
	obj = bpf_object__open_mem(pw_fast_obj, pw_fast_obj_len, &oo);
	if (!obj) {
		rc = -errno;
		pw_err_set(err, "the embedded object does not open: %s (%s)",
			   strerror(-rc), log_tail(lib_log, 1));
		errno = -rc;
		return NULL;
	}
	bpf_map__set_max_entries(bpf_object__find_map_by_name(obj, "pw_stats"), ncpus);
	bpf_object__for_each_program(p, obj)
		bpf_program__set_log_buf(p, log, LOG_MAX);
	log[0] = '\0';
	rc = bpf_object__load(obj);
	if (rc) {
		pw_err_set(err, "the kernel refused the programs: %s%s%s%s", strerror(-rc),
			   rc == -EPERM ? " (loading them needs CAP_BPF and CAP_NET_ADMIN)" : "",
			   log[0] ? "; verifier: " : lib_log[0] ? "; " : "",
			   log[0] ? log_tail(log, 3) : log_tail(lib_log, 2));
		bpf_object__close(obj);
		errno = -rc;
		return NULL;
	}
	return obj;
}

/* The session's GRO pair made, pw_gro attached at its exit and given the
 * session, and decap told to send the peer's TCP through it
 * (s->gro_ifindex); on any failure, no pair and a warning in err (the fast
 * path goes on without: TCP into the TAP unjoined). */
static void gro_open(struct bpf_object *obj, int tap_ifindex, const char *tap,
		     struct pw_grodev *gro, struct pw_fast_sess *s, struct pw_err *err)
{
	struct hook h = { .point = BPF_TC_INGRESS };
	struct pw_err e;
	__u32 key = 0;
	int rc;

	pw_err_init(&e);
	rc = pw_grodev_open(tap_ifindex, gro, &e);
	if (!rc) {
		h.ifindex = gro->out_ifindex;
		s->gro_ifindex = (__u32)gro->in_ifindex;
		rc = bpf_map__update_elem(bpf_object__find_map_by_name(obj, "pw_gro_sess"), &key,
					  sizeof(key), s, sizeof(*s), BPF_ANY);
		if (rc)
			pw_err_set(&e, "the session into pw_gro_sess: %s", strerror(-rc));
		else
			rc = attach(&h, bpf_program__fd(bpf_object__find_program_by_name(
						obj, "pw_gro")),
				    "pw_gro", gro->out, &e);
	}
	if (rc) {
		pw_grodev_close(gro);
		s->gro_ifindex = 0;
		pw_err_warn(err, "%s: %s: the peer's TCP goes into the TAP unjoined", tap,
			    pw_err_msg(&e));
	}
}

/* ncpus lines of map_fd mapped read-only into v. */
static bool view_map(struct pw_fast_view *v, int map_fd, unsigned ncpus, struct pw_err *err)
{
	void *lines;

	if (!ncpus || ncpus > 4096) {
		pw_err_set(err, "mapping the counters: %u CPUs", ncpus);
		errno = EINVAL;
		return false;
	}
	v->map_len = ((size_t)ncpus * sizeof(struct pw_fast_stats) + 4095) & ~(size_t)4095;
	lines = mmap(NULL, v->map_len, PROT_READ, MAP_SHARED, map_fd, 0);
	if (lines == MAP_FAILED) {
		int e = errno;

		pw_err_set(err, "mapping the counters: %s", strerror(e));
		errno = e;
		return false;
	}
	v->lines = lines;
	v->ncpus = ncpus;
	return true;
}

struct pw_fast *pw_fast_open(const struct pw_link_cfg *c, enum pw_fastpath mode, const char *tap,
			     unsigned mtu, struct pw_err *err)
{
	struct hook hooks[2] = { { .point = BPF_TC_EGRESS }, { .point = BPF_TC_INGRESS } };
	struct pw_fast_sess s;
	struct pw_grodev gro = { 0 };
	struct pw_fast *f = calloc(1, sizeof(*f));
	struct bpf_object *obj = NULL;
	char *log = malloc(LOG_MAX);
	int go[2] = { -1, -1 }, done[2] = { -1, -1 }, rc, ncpus;
	__u32 key;
	pid_t pid;
	const char *why = pw_fast_why_not(c);

	if (f)
		f->map_fd = -1;
	if (!f || !log) {
		rc = -ENOMEM;
		pw_err_set(err, "%s", strerror(ENOMEM));
		goto fail;
	}
	if (why) {
		rc = -EOPNOTSUPP;
		pw_err_set(err, "%s", why);
		goto fail;
	}
	hooks[0].ifindex = (int)if_nametoindex(tap);
	if (!hooks[0].ifindex) {
		rc = -errno;
		pw_err_set(err, "%s: %s", tap, strerror(errno));
		goto fail;
	}
	rc = sess_of(c, hooks[0].ifindex, mtu, &s, f->underlay, err);
	if (rc)
		goto fail;
	if (mode == PW_FASTPATH_AUTO && unfinished(f->underlay, (int)s.ul_ifindex, err)) {
		rc = -EOPNOTSUPP;
		goto fail;
	}
	hooks[1].ifindex = (int)s.ul_ifindex;
	ncpus = libbpf_num_possible_cpus();
	if (ncpus <= 0) {
		rc = ncpus ? ncpus : -EINVAL;
		pw_err_set(err, "the number of CPUs: %s", strerror(-rc));
		goto fail;
	}
	f->view.ncpus = (unsigned)ncpus;
	obj = load(f->view.ncpus, log, err);
	if (!obj) {
		rc = -errno;
		goto fail;
	}
	if (pw_grodev_wanted(f->underlay, (int)s.ul_ifindex))
		gro_open(obj, hooks[0].ifindex, tap, &gro, &s, err);
	key = (__u32)hooks[0].ifindex;
	rc = bpf_map__update_elem(bpf_object__find_map_by_name(obj, "pw_tx"), &key, sizeof(key),
				  &s, sizeof(s), BPF_ANY);
	key = s.session_id;
	if (!rc)
		rc = bpf_map__update_elem(bpf_object__find_map_by_name(obj, "pw_rx"), &key,
					  sizeof(key), &s, sizeof(s), BPF_ANY);
	if (rc) {
		pw_err_set(err, "the session into the programs' maps: %s", strerror(-rc));
		goto fail;
	}
	f->map_fd = fcntl(bpf_map__fd(bpf_object__find_map_by_name(obj, "pw_stats")),
			  F_DUPFD_CLOEXEC, 3);
	if (f->map_fd < 0 || !view_map(&f->view, f->map_fd, f->view.ncpus, err)) {
		rc = -errno;
		if (f->map_fd < 0)
			pw_err_set(err, "the counters' map: %s", strerror(errno));
		goto fail;
	}
	if (pipe2(go, O_CLOEXEC) || pipe2(done, O_CLOEXEC)) {
		rc = -errno;
		pw_err_set(err, "pipe: %s", strerror(errno));
		goto fail;
	}
	/* The helper first: whatever happens from here, it cleans up. */
	pid = fork();
	if (pid < 0) {
		rc = -errno;
		pw_err_set(err, "fork: %s", strerror(errno));
		goto fail;
	}
	if (pid == 0) {
		struct route_watch w;
		struct gro_watch g;

		w.remote = c->xport.remote;
		w.local = c->xport.local;
		w.sess = s;
		w.key = (__u32)hooks[0].ifindex;
		w.tx_fd = bpf_map__fd(bpf_object__find_map_by_name(obj, "pw_tx"));
		w.werr = 0;
		memcpy(w.underlay, f->underlay, sizeof(w.underlay));
		g = (struct gro_watch){ .dev = gro, .sess = s, .on = s.gro_ifindex != 0 };
		g.rx_fd = bpf_map__fd(bpf_object__find_map_by_name(obj, "pw_rx"));
		close(go[1]);
		close(done[0]);
		helper(go[0], done[1], &w, &g);
	}
	gro = (struct pw_grodev){ 0 }; /* the helper's to delete */
	close(go[0]);
	close(done[1]);
	go[0] = done[1] = -1;
	f->helper = pid;
	f->go_fd = go[1];
	f->done_fd = done[0];
	rc = attach(&hooks[0], bpf_program__fd(bpf_object__find_program_by_name(obj, "pw_encap")),
		    "pw_encap", tap, err);
	if (!rc)
		rc = attach(&hooks[1],
			    bpf_program__fd(bpf_object__find_program_by_name(obj, "pw_decap")),
			    "pw_decap", f->underlay, err);
	if (rc) {
		/* The helper has no handles: detach what was attached here. */
		detach(&hooks[0]);
		pw_fast_close(f);
		f = NULL;
		goto out;
	}
	/* The helper was forked before the kernel gave the handles. */
	if (write(f->go_fd, hooks, sizeof(hooks)) != sizeof(hooks)) {
		rc = -errno;
		pw_err_set(err, "the helper: %s", strerror(errno));
		detach(&hooks[0]);
		detach(&hooks[1]);
		pw_fast_close(f);
		f = NULL;
		goto out;
	}
	/* The filters hold the programs, the programs and the mapping the
	 * maps: no fd of the object is needed any more. */
	bpf_object__close(obj);
	free(log);
	return f;

fail:
	pw_grodev_close(&gro);
	if (f && f->view.lines)
		munmap((void *)f->view.lines, f->view.map_len);
	if (f && f->map_fd >= 0)
		close(f->map_fd);
	for (unsigned i = 0; i < 2; i++) {
		if (go[i] >= 0)
			close(go[i]);
		if (done[i] >= 0)
			close(done[i]);
	}
	free(f);
	f = NULL;
out:
	bpf_object__close(obj);
	free(log);
	errno = -rc;
	return f;
}

const char *pw_fast_underlay(const struct pw_fast *f)
{
	return f->underlay;
}

/* The one summing loop: the opener's counters and a reader's. */
void pw_fast_view_stats(const struct pw_fast_view *v, struct pw_fast_counters *out)
{
	memset(out, 0, sizeof(*out));
	for (unsigned cpu = 0; cpu < v->ncpus; cpu++) {
		const volatile struct pw_fast_stats *l = &v->lines[cpu];

		out->tx_packets += l->tx_packets;
		out->tx_bytes += l->tx_bytes;
		out->rx_packets += l->rx_packets;
		out->rx_bytes += l->rx_bytes;
		out->tx_passed += l->tx_passed;
		out->rx_passed += l->rx_passed;
		out->tx_errors += l->tx_errors;
		out->tx_moved += l->tx_moved;
		out->rx_gro_frames += l->rx_gro_frames;
	}
}

void pw_fast_add_carried(const struct pw_fast_counters *f, struct pw_session_stats *s)
{
	s->tx_packets += f->tx_packets;
	s->tx_bytes += f->tx_bytes;
	s->rx_packets += f->rx_packets;
	s->rx_bytes += f->rx_bytes;
}

void pw_fast_stats(const struct pw_fast *f, struct pw_fast_counters *out)
{
	pw_fast_view_stats(&f->view, out);
}

int pw_fast_map_fd(const struct pw_fast *f)
{
	return f->map_fd;
}

unsigned pw_fast_ncpus(const struct pw_fast *f)
{
	return f->view.ncpus;
}

struct pw_fast_view *pw_fast_view_open(int map_fd, unsigned ncpus, struct pw_err *err)
{
	struct pw_fast_view *v = calloc(1, sizeof(*v));

	if (!v) {
		pw_err_set(err, "%s", strerror(ENOMEM));
		return NULL;
	}
	if (!view_map(v, map_fd, ncpus, err)) {
		int e = errno;

		free(v);
		errno = e;
		return NULL;
	}
	return v;
}

void pw_fast_view_close(struct pw_fast_view *v)
{
	if (!v)
		return;
	munmap((void *)v->lines, v->map_len);
	free(v);
}

void pw_fast_close(struct pw_fast *f)
{
	char c;

	if (!f)
		return;
	close(f->go_fd);
	while (read(f->done_fd, &c, 1) < 0 && errno == EINTR)
		;
	close(f->done_fd);
	while (waitpid(f->helper, NULL, 0) < 0 && errno == EINTR)
		;
	if (f->view.lines)
		munmap((void *)f->view.lines, f->view.map_len);
	if (f->map_fd >= 0)
		close(f->map_fd);
	free(f);
}
