/* SPDX-License-Identifier: MIT */
/*
 * up.c: `pwire up`: parse and check the whole command line before anything
 * is created, then run one pseudowire in the foreground until SIGINT or
 * SIGTERM: one burst loop (dp/engine.c) per queue pair, queue 0 in the main
 * thread, the others in threads of their own. Each queue has its own TAP
 * fd, socket, session copy and counters, so the loops share nothing on the
 * data path; the reports add the queues' counters up. Everything is opened
 * before the first thread starts, then privileges are dropped (privs.c):
 * the loops and the reports run as an unprivileged user under a
 * system-call filter.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "cli/cmd.h"
#include "cli/config.h"
#include "cli/parse.h"
#include "cli/print.h"
#include "cli/privs.h"
#include "dp/engine.h"
#include "xport/steer.h"

static const char up_usage[] =
	"usage: pwire up DEV [WORD VALUE]... [--qemu OPTS] [--uml OPTS] [--json] [--impair OPTS]\n"
	"\n"
	"Run one static L2TPv3 Ethernet pseudowire (RFC 3931, RFC 4719) between the TAP\n"
	"device DEV and a remote peer, in the foreground, until SIGINT or SIGTERM.\n"
	"DEV is created if absent (and removed at exit), brought up, and given an MTU\n"
	"that leaves room for the encapsulation on a 1500-byte underlay unless `mtu` is\n"
	"given. Counters are printed on SIGUSR1 and at exit (text, or JSON with --json).\n"
	"\n"
	"Words (those of `ip l2tp add tunnel` and `ip l2tp add session`):\n"
	"  encap udp|ip            L2TPv3 over UDP (default) or over IP protocol 115\n"
	"  local ADDR              local IPv4 or IPv6 address (default: any)\n"
	"  remote ADDR             the peer's address (required)\n"
	"  udp_sport PORT          local UDP port (required with encap udp)\n"
	"  udp_dport PORT          the peer's UDP port (required with encap udp)\n"
	"  session_id ID           our session id, in what we receive (required, 1..4294967295)\n"
	"  peer_session_id ID      the peer's session id, in what we send (required)\n"
	"  cookie HEX              cookie we send: 8 or 16 hex digits, in wire order\n"
	"  peer_cookie HEX         cookie we require on receive: 8 or 16 hex digits\n"
	"  l2spec_type none|default|counter32\n"
	"                          the 4-byte sublayer word: none; default = RFC 4719 (S bit\n"
	"                          and 24-bit sequence, Linux); counter32 = a plain 32-bit\n"
	"                          counter (QEMU/UML counter=on). Default: default\n"
	"  seq none|send|recv|both number what we send; require and check numbers on\n"
	"                          receive (frames behind the expected number are dropped\n"
	"                          as rx_oos_packets, unnumbered ones as rx_seq_discards)\n"
	"  offset N, peer_offset N zero bytes we insert / bytes we skip before the frame\n"
	"                          (0..256, for QEMU's offset=)\n"
	"  tunnel_id ID, peer_tunnel_id ID\n"
	"                          accepted and ignored: a static pseudowire never sends\n"
	"                          tunnel ids (aliases tid, ptid; sid, psid for sessions)\n"
	"  mtu N                   MTU of DEV\n"
	"  mac MAC                 MAC address of DEV\n"
	"  queues N                N queue pairs (1..16, default 1): DEV gets N queues, one\n"
	"                          UDP socket each on the shared port, one thread each;\n"
	"                          flows are steered by their inner addresses and ports\n"
	"                          and stay on one queue (needs encap udp, seq none)\n"
	"  io_uring on|off         write each burst to DEV through an io_uring, one system\n"
	"                          call per burst instead of one per frame (default off)\n"
	"  busy_poll USEC          after traffic, poll for up to USEC microseconds (0..10000,\n"
	"                          default 0: off) before sleeping: replies that come back\n"
	"                          meanwhile need no wake-up (lower latency, more CPU)\n"
	"  user NAME               who pwire runs as once DEV, the sockets and the rest are\n"
	"                          open (default: the pwire system user, else nobody): no\n"
	"                          capabilities, NoNewPrivs, a system-call allow-list; a\n"
	"                          forbidden call ends pwire with one line naming it.\n"
	"                          `user root` keeps root (the filter still applies)\n"
	"  peer linux|qemu|uml|cisco\n"
	"                          fill in what that peer expects, where not given:\n"
	"%s"
	"\n"
	"Other spellings (the options of the program a link moves from):\n"
	"  --qemu 'src=..,dst=..,udp=on,srcport=..,dstport=..,txsession=..,rxsession=..,\n"
	"          cookie64=on,txcookie=..,rxcookie=..,counter=on,pincounter=on,offset=..,ipv6=on'\n"
	"                          QEMU -netdev l2tpv3; cookie64 given at all means 64-bit\n"
	"                          cookies, as in QEMU (cookie64=off warns)\n"
	"  --uml 'transport=l2tpv3,src=..,dst=..,udp=1,srcport=..,dstport=..,tx_session=..,\n"
	"          rx_session=..,cookie64=1,tx_cookie=..,rx_cookie=..,counter=1,pin_counter=1,v6=1'\n"
	"                          UML vector driver; session ids take the full 32-bit range\n"
	"  --json                  print counters as JSON\n"
	"  --impair 'seed=N,drop=P,dup=P,reorder=P,corrupt=P,truncate=P'\n"
	"                          test aid: impair what is received, deterministically\n"
	"                          from the seed, at P percent each (like netem)\n"
	"\n"
	"Numbers are decimal or 0x hex. Usage errors exit 2, other failures 1.\n"
	"Example:\n"
	"  pwire up pw0 local 10.0.0.1 remote 10.0.0.2 udp_sport 1701 udp_dport 1701 \\\n"
	"      session_id 1 peer_session_id 2 cookie 0011223344556677 peer_cookie 8899aabbccddeeff\n";

static void print_up_usage(FILE *f)
{
	char presets[1024];
	FILE *m = fmemopen(presets, sizeof(presets), "w");

	presets[0] = '\0';
	if (m) {
		pw_presets_help(m);
		fclose(m);
	}
	fprintf(f, up_usage, presets);
}

/* Parse the whole command line of `up`; nothing is created here, nothing
 * printed: errors and warnings go to e. */
static bool up_parse(struct pw_config *c, int argc, char **argv, struct pw_err *e)
{
	if (argc < 2 || argv[1][0] == '-') {
		pw_err_set(e, "up: missing DEV (the TAP device name)");
		return false;
	}
	if (strlen(argv[1]) >= sizeof(c->tap.name)) {
		char shown[4 * PW_TEXT_NAME_MAX];

		pw_err_set(e, "up: device name '%s' is longer than %zu characters",
			   pw_text_name(argv[1], shown, sizeof(shown)), sizeof(c->tap.name) - 1);
		return false;
	}
	strcpy(c->tap.name, argv[1]);
	pw_text_name(c->tap.name, c->shown, sizeof(c->shown));
	for (int i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--json")) {
			c->json = true;
		} else if (!strcmp(argv[i], "--qemu") || !strcmp(argv[i], "--uml") ||
			   !strcmp(argv[i], "--impair")) {
			bool ok;

			if (i + 1 >= argc) {
				pw_err_set(e, "%s needs an option list", argv[i]);
				return false;
			}
			ok = argv[i][2] == 'q'	 ? pw_qemu_parse(c, argv[i + 1], e) :
			     argv[i][2] == 'u'	 ? pw_uml_parse(c, argv[i + 1], e) :
						   pw_impair_parse(c, argv[i + 1], e);
			if (!ok)
				return false;
			i++;
		} else if (argv[i][0] == '-') {
			pw_err_set(e, "up: unknown option '%s'", argv[i]);
			return false;
		} else {
			/* A word and its value; a value may start with '-'. */
			int n = i + 1 < argc ? 2 : 1;

			if (!pw_words_parse(c, n, argv + i, e))
				return false;
			i += n - 1;
		}
	}
	return pw_config_finish(c, e);
}

enum { PW_DROP_LOG_SECONDS = 1 };

/* One queue pair and everything its burst loop owns. */
struct queue {
	struct pw_session session;
	struct pw_tunnel tunnel;
	struct pw_impair_stats impair;
	struct pw_xport *x;
	struct pw_vnic *v;
	struct pw_engine *e;
	pthread_t thread;
	bool running;
	int err;     /* why a thread's loop stopped (-errno), 0 when asked to */
	int stop_fd; /* readable: stop (threads) */
	int fail_fd; /* written by a thread whose loop failed */
};

/* An epoll set of fds, one fd for the engine to wake on. */
static int wake_open(const int *fds, unsigned n)
{
	int ep = epoll_create1(EPOLL_CLOEXEC);

	if (ep < 0)
		return -1;
	for (unsigned i = 0; i < n; i++) {
		struct epoll_event ev = { .events = EPOLLIN, .data.fd = fds[i] };

		if (epoll_ctl(ep, EPOLL_CTL_ADD, fds[i], &ev)) {
			close(ep);
			return -1;
		}
	}
	return ep;
}

static int timer_open(unsigned seconds)
{
	struct itimerspec its = { .it_interval = { .tv_sec = seconds },
				  .it_value = { .tv_sec = seconds } };
	int tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);

	if (tfd >= 0 && timerfd_settime(tfd, 0, &its, NULL)) {
		close(tfd);
		return -1;
	}
	return tfd;
}

/* Block the signals (threads started later inherit the mask) and read them
 * from a signalfd instead. */
static int signals_open(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGUSR1);
	if (sigprocmask(SIG_BLOCK, &set, NULL))
		return -1;
	return signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
}

/* The steering programs of the TAP and of the sockets (xport/steer.c). Prints
 * one line and returns false on failure. */
static bool steer_load(struct pw_config *c)
{
	int tap = pw_steer_load(0, c->tap.queues);
	int sock = tap < 0 ? tap : pw_steer_load(pw_layout_rx(&c->session).len, c->tap.queues);

	if (tap < 0 || sock < 0) {
		if (tap >= 0)
			close(tap);
		pw_error("queues %u: cannot load the program that steers flows to queues: %s%s",
			 c->tap.queues, strerror(-sock),
			 sock == -EPERM ? " (needs root, CAP_BPF or CAP_SYS_ADMIN)" : "");
		return false;
	}
	c->tap.steer_prog = tap;
	c->xport.steer_prog = sock;
	return true;
}

/* Socket (impaired with --impair), TAP queue and burst loop of queue i.
 * Prints one line and returns false on failure. */
static bool queue_open(struct queue *q, const struct pw_config *c, unsigned i)
{
	struct pw_xport_cfg xc = c->xport;
	struct pw_tap_cfg tc = c->tap;
	char a[64];
	int err;

	pw_session_init(&q->session, &c->session);
	q->tunnel = (struct pw_tunnel){ .encap = c->session.encap, .sessions = &q->session,
					.n_sessions = 1 };
	/* The largest datagram that can carry a valid frame. */
	xc.datagram_max = q->session.rx.len + pw_frame_max(c->tap.mtu);
	xc.queue = i;
	q->x = pw_socket_open(&xc, &q->tunnel.stats);
	if (!q->x) {
		err = errno;
		pw_error("cannot open the %s socket on %s: %s%s",
			 c->session.encap == PW_ENCAP_UDP ? "UDP" : "IP (protocol 115)",
			 pw_addr_str(&c->xport.local, a, sizeof(a)), strerror(err),
			 err == EPERM || err == EACCES ? " (encap ip needs root or CAP_NET_RAW)" : "");
		return false;
	}
	if (c->has_impair) {
		struct pw_impair_cfg ic = c->impair;
		struct pw_xport *w;

		ic.seed += i; /* each queue draws its own faults */
		w = pw_impair_wrap(q->x, &ic, &q->impair);
		if (!w) {
			pw_error("--impair: %s", strerror(errno));
			return false;
		}
		q->x = w;
	}
	q->v = pw_tap_open(&tc, i);
	if (!q->v) {
		err = errno;
		pw_error("cannot open TAP device %s%s: %s%s", c->shown,
			 c->tap.queues > 1 ? " (a queue of it)" : "", strerror(err),
			 err == EPERM || err == EACCES ? " (needs root or CAP_NET_ADMIN)" : "");
		return false;
	}
	struct pw_engine_cfg ecfg = {
		.vnic = q->v,
		.xport = q->x,
		.tunnel = &q->tunnel,
		.burst = c->xport.burst,
		.busy_poll_us = c->busy_poll_us,
	};
	q->e = pw_engine_new(&ecfg);
	if (!q->e) {
		pw_error("cannot set up the data path: %s", strerror(errno));
		return false;
	}
	return true;
}

static void queue_close(struct queue *q)
{
	pw_engine_free(q->e);
	pw_vnic_close(q->v);
	pw_xport_close(q->x);
}

/* Queues 1..N-1: run until stop_fd is readable or the loop fails. */
static void *queue_thread(void *arg)
{
	struct queue *q = arg;

	q->err = pw_engine_run(q->e, q->stop_fd);
	if (q->err)
		eventfd_write(q->fail_fd, 1);
	return NULL;
}

/* The queues' counters added up, for the reports. Read while the threads
 * run: a report is a snapshot, exact once they have stopped. */
struct totals {
	struct pw_session session;
	struct pw_session_stats queues[PW_QUEUES_MAX];
	uint64_t sockbuf_drops[PW_QUEUES_MAX];
	struct pw_tunnel_stats tunnel;
	struct pw_vnic_stats vnic;
	struct pw_impair_stats impair;
};

static void add_up(struct totals *t, struct queue *qs, unsigned n)
{
	memset(t, 0, sizeof(*t));
	t->session.cfg = qs[0].session.cfg;
	for (unsigned i = 0; i < n; i++) {
		/* The one counter this thread writes: the loops never do. */
		if (qs[i].x->ops->sync_stats)
			qs[i].x->ops->sync_stats(qs[i].x);
		t->queues[i] = qs[i].session.stats;
		t->sockbuf_drops[i] = qs[i].tunnel.stats.rx_sockbuf_drops;
		pw_counters_add(&t->session.stats, &qs[i].session.stats, pw_session_counter_names,
				pw_session_counter_count);
		pw_counters_add(&t->tunnel, &qs[i].tunnel.stats, pw_tunnel_counter_names,
				pw_tunnel_counter_count);
		pw_counters_add(&t->vnic, &qs[i].v->stats, pw_vnic_counter_names,
				pw_vnic_counter_count);
		pw_counters_add(&t->impair, &qs[i].impair, pw_impair_counter_names,
				pw_impair_counter_count);
	}
}

/* Run queue 0 here until a signal or a failure; returns the exit code. */
static int run(const struct pw_config *c, struct queue *qs, int wake, int sfd, int tfd,
	       int fail_fd)
{
	struct pw_drop_marks marks = { 0 };
	struct totals t;
	struct pw_report report = { c->tap.name,
				    &t.session,
				    &t.tunnel,
				    &t.vnic,
				    c->has_impair ? &t.impair : NULL,
				    c->tap.queues > 1 ? t.queues : NULL,
				    t.sockbuf_drops,
				    c->tap.queues };
	int rc = PW_EXIT_FAIL;

	for (bool stop = false; !stop;) {
		struct signalfd_siginfo si;
		uint64_t ticks;
		int err = pw_engine_run(qs[0].e, wake);

		if (!err && eventfd_read(fail_fd, &ticks) == 0) {
			for (unsigned i = 1; i < c->tap.queues && !err; i++)
				err = qs[i].err;
		}
		if (err) {
			pw_error("%s: data path stopped: %s%s", c->shown, strerror(-err),
				 err == -EBADFD ? " (the device was deleted)" : "");
			break;
		}
		add_up(&t, qs, c->tap.queues);
		if (read(tfd, &ticks, sizeof(ticks)) == sizeof(ticks))
			pw_print_drops(stderr, &report, &marks, PW_DROP_LOG_SECONDS);
		while (read(sfd, &si, sizeof(si)) == sizeof(si)) {
			if (si.ssi_signo == SIGUSR1)
				pw_print_counters(stdout, &report, c->json);
			else
				stop = true;
		}
		rc = stop ? PW_EXIT_OK : rc;
	}
	/* Stop the threads, then report exact totals. */
	eventfd_write(qs[0].stop_fd, 1);
	for (unsigned i = 1; i < c->tap.queues; i++) {
		if (qs[i].running)
			pthread_join(qs[i].thread, NULL);
		qs[i].running = false;
	}
	add_up(&t, qs, c->tap.queues);
	pw_print_counters(stdout, &report, c->json);
	return rc;
}

int pw_cmd_up(int argc, char **argv)
{
	struct pw_config c;
	struct pw_err err;
	struct pw_privs privs = { .user = "" };
	struct queue *qs = NULL;
	int sfd = -1, tfd = -1, stop_fd = -1, fail_fd = -1, wake = -1, rc = PW_EXIT_FAIL;
	bool parsed, as_root = false;
	unsigned opened = 0;
	char a[64];

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			print_up_usage(stdout);
			return PW_EXIT_OK;
		}
	}
	pw_config_init(&c);
	pw_err_init(&err);
	parsed = up_parse(&c, argc, argv, &err);
	pw_err_print(stderr, &err);
	if (!parsed)
		return PW_EXIT_USAGE;
	/* `user NAME` is checked with the rest; the default is needed only
	 * where there is something to drop. */
	if ((c.user[0] || geteuid() == 0) && !pw_privs_resolve(&privs, c.user))
		return c.user[0] ? PW_EXIT_USAGE : PW_EXIT_FAIL;
	privs.io_uring = c.tap.io_uring;
	if (privs.keep_root && geteuid() == 0)
		pw_warn("%s: user %s: the data path keeps root's identity and capabilities; "
			"only the system-call filter confines it",
			c.shown, privs.user);

	if (pw_config_unprotected(&c))
		pw_warn("%s: no 64-bit peer_cookie on a pseudowire to %s: anyone who can send "
			"to this host can inject frames into it (RFC 3931 section 8.2). "
			"`pwire genkey` makes a cookie",
			c.shown, pw_addr_str(&c.xport.remote, a, sizeof(a)));

	sfd = signals_open();
	tfd = timer_open(PW_DROP_LOG_SECONDS);
	stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	fail_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	wake = sfd < 0 || tfd < 0 || fail_fd < 0 ? -1 : wake_open((int[]){ sfd, tfd, fail_fd }, 3);
	qs = calloc(c.tap.queues, sizeof(*qs));
	if (wake < 0 || stop_fd < 0 || !qs) {
		pw_error("signalfd/timerfd/eventfd/epoll: %s", strerror(errno));
		goto out;
	}
	if (c.tap.queues > 1 && !steer_load(&c))
		goto out;
	for (; opened < c.tap.queues; opened++) {
		qs[opened].stop_fd = stop_fd;
		qs[opened].fail_fd = fail_fd;
		if (!queue_open(&qs[opened], &c, opened)) {
			opened++;
			goto out;
		}
	}
	/* Everything is open: no thread runs yet, so all inherit the drop. */
	as_root = geteuid() == 0;
	if (!pw_privs_drop(&privs, c.shown))
		goto out;
	for (unsigned i = 1; i < c.tap.queues; i++) {
		int err = pthread_create(&qs[i].thread, NULL, queue_thread, &qs[i]);

		if (err) {
			pw_error("cannot start the thread of queue %u: %s", i, strerror(err));
			eventfd_write(stop_fd, 1);
			goto out;
		}
		qs[i].running = true;
	}
	fprintf(stderr, "pwire: %s up: mtu %u, %s to %s, session_id %u peer_session_id %u, "
		"queues %u%s%s\n",
		c.shown, c.tap.mtu, c.session.encap == PW_ENCAP_UDP ? "udp" : "ip",
		pw_addr_str(&c.xport.remote, a, sizeof(a)), c.session.session_id,
		c.session.peer_session_id, c.tap.queues, as_root ? ", user " : "",
		as_root ? privs.user : "");
	rc = run(&c, qs, wake, sfd, tfd, fail_fd);
out:
	for (unsigned i = 1; qs && i < opened; i++)
		if (qs[i].running)
			pthread_join(qs[i].thread, NULL);
	for (unsigned i = 0; qs && i < opened; i++)
		queue_close(&qs[i]);
	free(qs);
	for (int fd, k = 0; k < 7; k++) {
		fd = (int[]){ wake, fail_fd, stop_fd, tfd, sfd, c.tap.steer_prog,
			      c.xport.steer_prog }[k];
		if (fd >= 0)
			close(fd);
	}
	return rc;
}
