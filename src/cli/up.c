/* SPDX-License-Identifier: MIT */
/*
 * up.c: `pwire up`: parse and check the whole command line before anything
 * is created, open the pseudowire (link/link.h), drop privileges, then run
 * it in the foreground until SIGINT or SIGTERM: queue 0 in this thread's
 * loop (dp/loop.h) beside the signals, the drop log's timer and the link's
 * failures; the other queues in threads of the link's own. What is left
 * here is argv, signals and printing.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "cli/cmd.h"
#include "cli/config.h"
#include "cli/parse.h"
#include "cli/print.h"
#include "cli/privs.h"
#include "dp/loop.h"
#include "fast/fastpath.h"
#include "link/link.h"

static const char up_usage[] =
	"usage: pwire up DEV [WORD VALUE]... [--qemu OPTS] [--uml OPTS] [--json] [--impair OPTS]\n"
	"       pwire up [ip l2tp add tunnel WORD VALUE...] [ip l2tp add session WORD VALUE...]\n"
	"                [OPTIONS]\n"
	"\n"
	"Run one static L2TPv3 Ethernet pseudowire (RFC 3931, RFC 4719) between the TAP\n"
	"device DEV and a remote peer, in the foreground, until SIGINT or SIGTERM.\n"
	"DEV is created if absent (and removed at exit), brought up, and given an MTU\n"
	"that leaves room for the encapsulation on the route to remote (at most on a\n"
	"1500-byte underlay) unless `mtu` is given; an existing DEV keeps its own MTU\n"
	"and MAC unless `mtu` or `mac` is given, and gets an MTU back at exit. Without\n"
	"root, on a TAP the user owns and is up (ip tuntap add DEV mode tap user U),\n"
	"pwire changes nothing that needs CAP_NET_ADMIN.\n"
	"DEV vhost-user:PATH serves a QEMU guest's virtio-net NIC directly instead of a\n"
	"TAP: pwire listens on the UNIX socket PATH (replacing a stale one), one guest at a\n"
	"time, and goes on when it leaves; it prints the QEMU options to connect it.\n"
	"DEV vhost-user-client:PATH does the same with QEMU listening on PATH (server=on):\n"
	"pwire connects, and again each second while it is not connected (a VM restarted).\n"
	"Counters are printed on SIGUSR1 and at exit (text, or JSON with --json);\n"
	"SIGHUP is logged and changes nothing.\n"
	"\n"
	"Words (those of `ip l2tp add tunnel` and `ip l2tp add session`):\n"
	"  encap udp|ip            L2TPv3 over UDP (default) or over IP protocol 115\n"
	"  local ADDR|any          local IPv4 or IPv6 address (default, any: the unspecified\n"
	"                          address of the remote's family)\n"
	"  remote ADDR             the peer's address (required)\n"
	"  udp_sport PORT          local UDP port (required with encap udp)\n"
	"  udp_dport PORT          the peer's UDP port (required with encap udp)\n"
	"  session_id ID           our session id, in what we receive (required, 1..4294967295)\n"
	"  peer_session_id ID      the peer's session id, in what we send (required)\n"
	"  cookie HEX              cookie we send: 8 or 16 hex digits, in wire order\n"
	"  peer_cookie HEX         cookie we require on receive: 8 or 16 hex digits\n"
	"  cookie_file PATH, peer_cookie_file PATH\n"
	"                          the same hex digits from a regular file that group and\n"
	"                          others cannot access (mode 0600): off the command line,\n"
	"                          which every user reads in /proc/PID/cmdline\n"
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
	"                          tunnel ids (aliases tid, ptid; sid, psid for sessions);\n"
	"                          given twice (tunnel and session lines), they must agree\n"
	"  name NAME               the device, as ip l2tp add session names it: the same as\n"
	"                          DEV, or in its place\n"
	"  udp_csum, udp6_csum_tx, udp6_csum_rx on|off\n"
	"                          accepted; pwire always sends UDP checksums, the kernel\n"
	"                          checks those that arrive (over IPv6 it drops datagrams\n"
	"                          without one); a line at start-up says so\n"
	"  mtu N                   MTU of DEV (default: the route's less the encapsulation,\n"
	"                          or an existing DEV's own)\n"
	"  mac MAC|random          MAC address of DEV (default: stable, derived from\n"
	"                          the machine-id, DEV, the ids and local)\n"
	"  queues N                N queue pairs (1..16, default 1): DEV gets N queues, one\n"
	"                          UDP socket each on the shared port, one thread each;\n"
	"                          flows are steered by their inner addresses and ports\n"
	"                          and stay on one queue (needs encap udp, seq none);\n"
	"                          vhost-user:PATH: N queue pairs for the guest (MQ),\n"
	"                          pair i on queue i\n"
	"  io_uring on|off         write each burst to DEV through an io_uring, one system\n"
	"                          call per burst instead of one per frame (default off)\n"
	"  busy_poll USEC          after traffic, poll for up to USEC microseconds (0..10000,\n"
	"                          default 0: off) before sleeping: replies that come back\n"
	"                          meanwhile need no wake-up (lower latency, more CPU)\n"
	"  fastpath on|off|auto    carry the frames in the kernel (TC BPF programs on DEV\n"
	"                          and on the underlay) instead of this process: encap udp,\n"
	"                          IPv4 or IPv6, seq none, offsets 0, a TAP; what the\n"
	"                          programs do not take still reaches pwire. on: refuse to\n"
	"                          start when the session does not qualify or the kernel\n"
	"                          refuses; auto (the default): the kernel where it can\n"
	"                          and where its frames leave finished (lo, a NIC, an\n"
	"                          underlay with tx checksum offload off; not a veth's),\n"
	"                          else userspace, saying why. Over a NIC, also a veth\n"
	"                          pair pwgiN/pwgoN (N: DEV's ifindex) through which GRO\n"
	"                          joins the peer's TCP segments\n"
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
	"An ip l2tp set-up is taken as pasted: the add tunnel and add session lines as words\n"
	"or as two quoted arguments, with or without ip, l2tp add, add, tunnel, session;\n"
	"without DEV the device is name's, else l2tpeth%%d (as ip l2tp makes it).\n"
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
	const char *spelling = NULL; /* --qemu or --uml, once given */
	int first = 2;               /* the first argument after DEV */

	if (argc < 2 || argv[1][0] == '-') {
		pw_err_set(e, "up: missing DEV (the TAP device name)");
		return false;
	}
	/* A pasted `ip l2tp add ...` line or `name NAME` first: no DEV, the
	 * device is `name`'s, else ip l2tp's default (the kernel's l2tpeth%d). */
	if (pw_words_line_start(argv[1])) {
		first = 1;
	} else if (pw_words_known(argv[1])) {
		pw_err_set(e, "up: '%s' is a word, not a device name: the device name comes first "
			   "(pwire up DEV %s ...)", argv[1], argv[1]);
		return false;
	}
	if (first == 2 && (!strncmp(argv[1], PW_VHOST_PREFIX, strlen(PW_VHOST_PREFIX)) ||
			   !strncmp(argv[1], PW_VHOST_CLIENT_PREFIX, strlen(PW_VHOST_CLIENT_PREFIX)))) {
		bool client = argv[1][strlen("vhost-user")] != ':';
		const char *kind = client ? PW_VHOST_CLIENT_PREFIX : PW_VHOST_PREFIX;
		const char *path = argv[1] + strlen(kind);
		char shown[4 * PW_TEXT_NAME_MAX];

		if (!path[0] || strlen(path) >= sizeof(c->vhost_path)) {
			pw_err_set(e, "up: %s: the socket path after %s is %s", pw_text_name(
					   argv[1], shown, sizeof(shown)), kind,
				   path[0] ? "longer than 107 bytes" : "missing");
			return false;
		}
		strcpy(c->vhost_path, path);
		c->vhost_client = client;
		pw_text_name(argv[1], c->shown, sizeof(c->shown));
	} else if (first == 2 && strlen(argv[1]) >= sizeof(c->tap.name)) {
		char shown[4 * PW_TEXT_NAME_MAX];

		pw_err_set(e, "up: device name '%s' is longer than %zu characters",
			   pw_text_name(argv[1], shown, sizeof(shown)), sizeof(c->tap.name) - 1);
		return false;
	}
	if (first == 2 && !c->vhost_path[0]) {
		strcpy(c->tap.name, argv[1]);
		pw_text_name(c->tap.name, c->shown, sizeof(c->shown));
	}
	for (int i = first; i < argc; i++) {
		if (!strcmp(argv[i], "--json")) {
			c->json = true;
		} else if (!strcmp(argv[i], "--qemu") || !strcmp(argv[i], "--uml") ||
			   !strcmp(argv[i], "--impair")) {
			bool ok;

			if (i + 1 >= argc) {
				pw_err_set(e, "%s needs an option list", argv[i]);
				return false;
			}
			/* One peer's spelling per pseudowire: two would be merged
			 * silently, each overriding what the other said. */
			if (argv[i][2] != 'i') {
				if (spelling) {
					pw_err_set(e, "%s: %s was given already: one spelling per "
						   "pseudowire (--qemu or --uml, once)",
						   argv[i], spelling);
					return false;
				}
				spelling = argv[i];
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
			/* Words and their values (a value may start with '-'),
			 * up to the next option. */
			int n = pw_words_take(c, argc - i, argv + i, e);

			if (n < 0)
				return false;
			i += n - 1;
		}
	}
	if (first == 1 && !c->tap.name[0]) {
		strcpy(c->tap.name, "l2tpeth%d");
		pw_text_name(c->tap.name, c->shown, sizeof(c->shown));
	}
	return pw_config_finish(c, e);
}

enum { PW_DROP_LOG_SECONDS = 1 };

/* What the main loop's handlers share: the link, its reports, the exit code. */
struct up {
	const struct pw_config *c;
	struct pw_link *link;
	struct pw_loop *loop;
	int sfd, tfd;
	struct pw_link_stats stats;
	struct pw_fast *fast;      /* the kernel's fast path; NULL: userspace only */
	struct pw_fast_counters fast_stats;
	struct pw_session session; /* the report's session: configuration and sums */
	struct pw_report report;
	struct pw_drop_marks marks;
	int rc;
};

/* The counters as they are now, into the report. */
static void refresh(struct up *u)
{
	pw_link_stats(u->link, &u->stats);
	u->session.stats = u->stats.session;
	if (u->fast) { /* what the kernel carried is the session's too */
		pw_fast_stats(u->fast, &u->fast_stats);
		pw_fast_add_carried(&u->fast_stats, &u->session.stats);
	}
	u->report.last_bad_session = u->stats.last_bad_session;
	u->report.last_tx_errno = u->stats.last_tx_errno;
	u->report.vhost_why = u->stats.vhost_why;
}

static int on_signal(void *data, uint32_t events)
{
	struct up *u = data;
	struct signalfd_siginfo si;

	(void)events;
	while (read(u->sfd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGUSR1) {
			refresh(u);
			pw_print_counters(stdout, &u->report, u->c->json);
		} else if (si.ssi_signo == SIGHUP) {
			/* A closed terminal or a reload habit must not end the
			 * pseudowire: there is no file to re-read (pwired has). */
			fprintf(stderr, "pwire: %s: SIGHUP: nothing to re-read (pwired reloads "
				"on it); still running\n", u->c->shown);
		} else {
			u->rc = PW_EXIT_OK;
			pw_loop_stop(u->loop);
		}
	}
	return 0;
}

/* Once a second: one line naming the drop counters that moved. */
static int on_timer(void *data, uint32_t events)
{
	struct up *u = data;
	uint64_t ticks;

	(void)events;
	if (read(u->tfd, &ticks, sizeof(ticks)) == sizeof(ticks)) {
		refresh(u);
		pw_print_drops(stderr, &u->report, &u->marks, PW_DROP_LOG_SECONDS);
	}
	return 0;
}

/* A queue stopped on its own: its vNIC went away. */
static int on_link_failed(void *data, uint32_t events)
{
	struct up *u = data;
	int err = pw_link_error(u->link);
	eventfd_t v;

	(void)events;
	eventfd_read(pw_link_fail_fd(u->link), &v);
	if (!err)
		return 0;
	pw_error("%s: data path stopped: %s%s", u->c->shown, strerror(-err),
		 err == -EBADFD ? " (the device was deleted)" : "");
	u->rc = PW_EXIT_FAIL;
	pw_loop_stop(u->loop);
	return 0;
}

/* The loop's own fds: signals, the drop log's timer, the link's failures. */
static bool watch_control(struct up *u)
{
	return !pw_loop_watch(u->loop, u->sfd, EPOLLIN, on_signal, u) &&
	       !pw_loop_watch(u->loop, u->tfd, EPOLLIN, on_timer, u) &&
	       !pw_loop_watch(u->loop, pw_link_fail_fd(u->link), EPOLLIN, on_link_failed, u);
}

int pw_cmd_up(int argc, char **argv)
{
	struct pw_config c;
	struct pw_err err;
	struct pw_privs privs = { .user = "" };
	bool parsed;
	char a[64], why[96], layout[320], note[256], mq[24] = "", path[120] = "";
	bool warn;

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
	privs.vhost = c.vhost_path[0] != 0;
	privs.vhost_client = c.vhost_client;
	if (!c.vhost_path[0] && !pw_tap_usable(c.tap.name, why, sizeof(why))) {
		pw_error("%s exists and %s", c.shown, why);
		return PW_EXIT_USAGE;
	}
	if (privs.keep_root && geteuid() == 0)
		pw_warn("%s: user %s: the data path keeps root's identity and capabilities; "
			"only the system-call filter confines it",
			c.shown, privs.user);

	if (pw_config_unprotected(&c))
		pw_warn("%s: no 64-bit peer_cookie on a pseudowire to %s: anyone who can send "
			"to this host can inject frames into it (RFC 3931 section 8.2). "
			"`pwire genkey` makes a cookie",
			c.shown, pw_xport_addr_str(&c.xport.remote, a, sizeof(a)));

	/* The MTU in use is found now (the route, an existing TAP's own). */
	pw_err_init(&err);
	struct pw_link_cfg lc = pw_config_link_cfg(&c, &err);
	const char *fast_why = c.fastpath != PW_FASTPATH_OFF ? pw_fast_why_not(&lc) : NULL;

	pw_err_print(stderr, &err);
	/* What the session is decides before anything is made; what the
	 * kernel says, once the TAP is there. */
	if (fast_why && c.fastpath == PW_FASTPATH_ON) {
		pw_error("%s: fastpath on: the session does not qualify: %s", c.shown, fast_why);
		return PW_EXIT_USAGE;
	}
	if (fast_why)
		fprintf(stderr, "pwire: %s: fastpath auto: the userspace engine: %s\n", c.shown,
			fast_why);
	pw_err_init(&err);
	struct up u = { .c = &c, .sfd = -1, .tfd = -1, .rc = PW_EXIT_FAIL };
	struct pw_watcher w;
	bool as_root;

	u.loop = pw_loop_new();
	u.sfd = pw_signals_open(true);
	u.tfd = pw_timer_open(PW_DROP_LOG_SECONDS);
	if (!u.loop || u.sfd < 0 || u.tfd < 0) {
		pw_error("signalfd/timerfd/eventfd/epoll: %s", strerror(errno));
		goto out;
	}
	u.link = pw_link_open(&lc, &err);
	if (!u.link) {
		pw_err_print(stderr, &err);
		goto out;
	}
	u.session.cfg = *pw_link_session(u.link);
	/* What the kernel made of a pattern (pw%d) or an empty name. */
	if (!c.vhost_path[0]) {
		snprintf(c.tap.name, sizeof(c.tap.name), "%s", pw_link_ifname(u.link));
		pw_text_name(c.tap.name, c.shown, sizeof(c.shown));
	}
	/* Before the drop: loading and attaching need CAP_BPF and CAP_NET_ADMIN. */
	if (c.fastpath != PW_FASTPATH_OFF && !fast_why) {
		struct pw_err ferr;

		pw_err_init(&ferr);
		u.fast = pw_fast_open(&lc, c.fastpath, c.tap.name, pw_link_mtu(u.link), &ferr);
		if (!u.fast && c.fastpath == PW_FASTPATH_ON) {
			pw_error("%s: fastpath on: %s", c.shown, pw_err_msg(&ferr));
			goto out;
		}
		if (!u.fast)
			fprintf(stderr, "pwire: %s: fastpath auto: the userspace engine: %s\n",
				c.shown, pw_err_msg(&ferr));
		for (unsigned i = 0; u.fast && i < pw_err_kept(ferr.n_warn); i++)
			pw_warn("%s", ferr.warn[i]);
	}
	if (u.fast)
		snprintf(path, sizeof(path), ", path kernel (TC programs on %s and %s)", c.shown,
			 pw_fast_underlay(u.fast));
	else if (c.fastpath != PW_FASTPATH_OFF)
		snprintf(path, sizeof(path), ", path user");
	u.report = (struct pw_report){
		.ifname = c.vhost_path[0] ? argv[1] : c.tap.name,
		.session = &u.session,
		.tunnel = &u.stats.tunnel,
		.vnic = &u.stats.vnic,
		.impair = c.has_impair ? &u.stats.impair : NULL,
		.vhost = c.vhost_path[0] ? &u.stats.vhost : NULL,
		.path = c.fastpath == PW_FASTPATH_OFF ? NULL : u.fast ? "kernel" : "user",
		.fast = u.fast ? &u.fast_stats : NULL,
		.queues = c.tap.queues > 1 ? u.stats.queues : NULL,
		.queue_sockbuf_drops = u.stats.sockbuf_drops,
		.n_queues = c.tap.queues,
		.marks = &u.marks,
	};
	if (!watch_control(&u)) {
		pw_error("epoll: %s", strerror(errno));
		goto out;
	}
	/* Everything is open: no thread runs yet, so all inherit the drop. */
	as_root = geteuid() == 0;
	privs.fastpath = u.fast != NULL;
	if (!pw_privs_drop(&privs, c.shown))
		goto out;
	pw_loop_busy_poll(u.loop, c.busy_poll_us);
	w = pw_loop_watcher(u.loop);
	if (pw_link_start(u.link, &w, &err)) {
		pw_err_print(stderr, &err);
		goto out;
	}
	pw_config_layout(&c, pw_link_mtu(u.link), layout, sizeof(layout));
	fprintf(stderr, "pwire: %s up: %s, queues %u%s%s%s\n", c.shown, layout, c.tap.queues,
		as_root ? ", user " : "", as_root ? privs.user : "", path);
	if (c.vhost_path[0] && c.tap.queues > 1)
		snprintf(mq, sizeof(mq), ",queues=%u", c.tap.queues);
	if (c.vhost_path[0])
		fprintf(stderr, "pwire: %s: QEMU: -object memory-backend-memfd,id=mem,size=RAM,share=on "
			"-numa node,memdev=mem -chardev socket,id=vu0,path=%s,%s "
			"-netdev vhost-user,id=n0,chardev=vu0%s -device virtio-net-pci,netdev=n0,%s"
			"host_mtu=%u\n", c.shown, c.vhost_path,
			c.vhost_client ? "server=on,wait=off" : "reconnect=1", mq,
			c.tap.queues > 1 ? "mq=on," : "", pw_link_mtu(u.link));
	if (pw_words_csum_note(&c, note, sizeof(note), &warn))
		fprintf(stderr, "pwire: %s%s: %s\n", warn ? "warning: " : "", c.shown, note);
	if (pw_loop_run(u.loop)) {
		pw_error("epoll: %s", strerror(errno));
		u.rc = PW_EXIT_FAIL;
	}
	/* Stop the threads, then report exact totals. */
	pw_link_stop(u.link);
	refresh(&u);
	pw_print_counters(stdout, &u.report, c.json);
out:
	pw_link_close(u.link);
	pw_fast_close(u.fast); /* the helper detaches the programs; waited for */
	pw_loop_free(u.loop);
	if (u.tfd >= 0)
		close(u.tfd);
	if (u.sfd >= 0)
		close(u.sfd);
	return u.rc;
}
