/* SPDX-License-Identifier: MIT */
/*
 * main.c: the pwire command: a table of subcommands, and `pwire up`, which
 * parses and checks the whole command line before it creates anything, then
 * runs one pseudowire in the foreground until SIGINT or SIGTERM.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/random.h>
#include <sys/timerfd.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "cli/config.h"
#include "cli/parse.h"
#include "cli/print.h"
#include "dp/engine.h"

enum { PW_EXIT_OK = 0, PW_EXIT_FAIL = 1, PW_EXIT_USAGE = 2 };

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

static void print_usage(FILE *f)
{
	fputs("usage: pwire COMMAND [ARGS]\n"
	      "\n"
	      "Commands:\n"
	      "  up DEV ...   run one L2TPv3 pseudowire between a TAP device and a peer\n"
	      "  genkey       print a random 64-bit cookie (16 hex digits)\n"
	      "  help         this text (pwire up --help: the words of up)\n"
	      "  version      print the version\n",
	      f);
}

/* Parse the whole command line of `up`; nothing is created here. */
static bool up_parse(struct pw_config *c, int argc, char **argv)
{
	if (argc < 2 || argv[1][0] == '-') {
		pw_error("up: missing DEV (the TAP device name)");
		return false;
	}
	if (strlen(argv[1]) >= sizeof(c->tap.name)) {
		pw_error("up: device name '%s' is longer than %zu characters", argv[1],
			 sizeof(c->tap.name) - 1);
		return false;
	}
	strcpy(c->tap.name, argv[1]);
	for (int i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--json")) {
			c->json = true;
		} else if (!strcmp(argv[i], "--qemu") || !strcmp(argv[i], "--uml") ||
			   !strcmp(argv[i], "--impair")) {
			bool ok;

			if (i + 1 >= argc) {
				pw_error("%s needs an option list", argv[i]);
				return false;
			}
			ok = argv[i][2] == 'q'	 ? pw_qemu_parse(c, argv[i + 1]) :
			     argv[i][2] == 'u'	 ? pw_uml_parse(c, argv[i + 1]) :
						   pw_impair_parse(c, argv[i + 1]);
			if (!ok)
				return false;
			i++;
		} else if (argv[i][0] == '-') {
			pw_error("up: unknown option '%s'", argv[i]);
			return false;
		} else {
			/* A word and its value; a value may start with '-'. */
			int n = i + 1 < argc ? 2 : 1;

			if (!pw_words_parse(c, n, argv + i))
				return false;
			i += n - 1;
		}
	}
	return pw_config_finish(c);
}

enum { PW_DROP_LOG_SECONDS = 1 };

/* One fd for the engine to wake on: an epoll set of the signalfd and a
 * timer that paces the drop log. */
static int wake_open(int sfd, int tfd)
{
	struct epoll_event ev = { .events = EPOLLIN };
	int ep = epoll_create1(EPOLL_CLOEXEC);

	if (ep < 0)
		return -1;
	ev.data.fd = sfd;
	if (epoll_ctl(ep, EPOLL_CTL_ADD, sfd, &ev))
		goto fail;
	ev.data.fd = tfd;
	if (epoll_ctl(ep, EPOLL_CTL_ADD, tfd, &ev))
		goto fail;
	return ep;
fail:
	close(ep);
	return -1;
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

static int cmd_up(int argc, char **argv)
{
	struct pw_config c;
	struct pw_session session;
	struct pw_tunnel tunnel = { 0 };
	struct pw_impair_stats impair = { 0 };
	struct pw_xport *x = NULL;
	struct pw_vnic *v = NULL;
	struct pw_engine *e = NULL;
	int sfd = -1, tfd = -1, wake = -1, err, rc = PW_EXIT_FAIL;
	struct pw_drop_marks marks = { 0 };
	char a[64];

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			print_up_usage(stdout);
			return PW_EXIT_OK;
		}
	}
	pw_config_init(&c);
	if (!up_parse(&c, argc, argv))
		return PW_EXIT_USAGE;

	if (pw_config_unprotected(&c))
		pw_warn("%s: no 64-bit peer_cookie on a pseudowire to %s: anyone who can send "
			"to this host can inject frames into it (RFC 3931 section 8.2). "
			"`pwire genkey` makes a cookie",
			c.tap.name, pw_addr_str(&c.xport.remote, a, sizeof(a)));
	pw_session_init(&session, &c.session);
	tunnel = (struct pw_tunnel){ .encap = c.session.encap, .sessions = &session, .n_sessions = 1 };

	sfd = signals_open();
	tfd = timer_open(PW_DROP_LOG_SECONDS);
	wake = sfd < 0 || tfd < 0 ? -1 : wake_open(sfd, tfd);
	if (wake < 0) {
		pw_error("signalfd/timerfd/epoll: %s", strerror(errno));
		goto out;
	}
	/* The largest datagram that can carry a valid frame. */
	c.xport.datagram_max = session.rx.len + pw_frame_max(c.tap.mtu);
	x = pw_socket_open(&c.xport, &tunnel.stats);
	if (!x) {
		err = errno;
		pw_error("cannot open the %s socket on %s: %s%s",
			 c.session.encap == PW_ENCAP_UDP ? "UDP" : "IP (protocol 115)",
			 pw_addr_str(&c.xport.local, a, sizeof(a)), strerror(err),
			 err == EPERM || err == EACCES ? " (encap ip needs root or CAP_NET_RAW)" : "");
		goto out;
	}
	if (c.has_impair) {
		struct pw_xport *w = pw_impair_wrap(x, &c.impair, &impair);

		if (!w) {
			pw_error("--impair: %s", strerror(errno));
			goto out;
		}
		x = w;
	}
	v = pw_tap_open(&c.tap);
	if (!v) {
		err = errno;
		pw_error("cannot open TAP device %s: %s%s", c.tap.name, strerror(err),
			 err == EPERM || err == EACCES ? " (needs root or CAP_NET_ADMIN)" : "");
		goto out;
	}
	struct pw_engine_cfg ecfg = {
		.vnic = v,
		.xport = x,
		.tunnel = &tunnel,
		.burst = c.xport.burst,
	};
	e = pw_engine_new(&ecfg);
	if (!e) {
		pw_error("cannot set up the data path: %s", strerror(errno));
		goto out;
	}
	fprintf(stderr, "pwire: %s up: mtu %u, %s to %s, session_id %u peer_session_id %u\n",
		c.tap.name, c.tap.mtu, c.session.encap == PW_ENCAP_UDP ? "udp" : "ip",
		pw_addr_str(&c.xport.remote, a, sizeof(a)), c.session.session_id,
		c.session.peer_session_id);

	struct pw_report report = { c.tap.name, &session, &tunnel.stats, &v->stats,
				    c.has_impair ? &impair : NULL };
	for (bool stop = false; !stop;) {
		struct signalfd_siginfo si;
		uint64_t ticks;

		err = pw_engine_run(e, wake);
		if (err) {
			pw_error("%s: data path stopped: %s%s", c.tap.name, strerror(-err),
				 err == -EBADFD ? " (the device was deleted)" : "");
			break;
		}
		if (read(tfd, &ticks, sizeof(ticks)) == sizeof(ticks))
			pw_print_drops(stderr, &report, &marks, PW_DROP_LOG_SECONDS);
		while (read(sfd, &si, sizeof(si)) == sizeof(si)) {
			if (si.ssi_signo == SIGUSR1)
				pw_print_counters(stdout, &report, c.json);
			else
				stop = true;
		}
		rc = stop ? PW_EXIT_OK : rc;
	}
	pw_print_counters(stdout, &report, c.json);
out:
	pw_engine_free(e);
	pw_vnic_close(v);
	pw_xport_close(x);
	if (wake >= 0)
		close(wake);
	if (tfd >= 0)
		close(tfd);
	if (sfd >= 0)
		close(sfd);
	return rc;
}

static int cmd_help(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	print_usage(stdout);
	return PW_EXIT_OK;
}

/* A random 64-bit cookie for `cookie`/`peer_cookie` (RFC 3931 §8.2). */
static int cmd_genkey(int argc, char **argv)
{
	uint8_t key[8];

	(void)argv;
	if (argc > 1) {
		pw_error("genkey takes no arguments");
		return PW_EXIT_USAGE;
	}
	if (getrandom(key, sizeof(key), 0) != sizeof(key)) {
		pw_error("getrandom: %s", strerror(errno));
		return PW_EXIT_FAIL;
	}
	for (unsigned i = 0; i < sizeof(key); i++)
		printf("%02x", key[i]);
	putchar('\n');
	return PW_EXIT_OK;
}

static int cmd_version(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	printf("pwire %s\n", PWIRE_VERSION);
	return PW_EXIT_OK;
}

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
} commands[] = {
	{ "up", cmd_up },
	{ "help", cmd_help },
	{ "genkey", cmd_genkey },
	{ "version", cmd_version },
};

int main(int argc, char **argv)
{
	if (argc < 2) {
		print_usage(stderr);
		return PW_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))
		return cmd_help(argc - 1, argv + 1);
	if (!strcmp(argv[1], "--version"))
		return cmd_version(argc - 1, argv + 1);
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].fn(argc - 1, argv + 1);
	pw_error("unknown command '%s' (see pwire --help)", argv[1]);
	return PW_EXIT_USAGE;
}
