/* SPDX-License-Identifier: MIT */
/*
 * main.c: the pwire command: a table of subcommands (`up` is in up.c,
 * `show`, a client of pwired's control socket, in show.c).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

#include "cli/cmd.h"
#include "cli/parse.h"
#include "daemon/control.h"

static void print_usage(FILE *f)
{
	fputs("usage: pwire [-s SOCKET] COMMAND [ARGS]\n"
	      "\n"
	      "Commands:\n"
	      "  up DEV ...   run one L2TPv3 pseudowire between a TAP device and a peer\n"
	      "  show [--json|--prometheus]\n"
	      "               every pseudowire of a running pwired and its counters\n"
	      "               (text, JSON, or Prometheus text metrics)\n"
	      "  reload       make a running pwired re-read its configuration and\n"
	      "               apply the difference\n"
	      "  add NAME KEY VALUE ...\n"
	      "               start a pseudowire more in a running pwired: a section\n"
	      "               of pwire.conf(5) on one line (not written to the file)\n"
	      "  set NAME KEY VALUE ...\n"
	      "               change some keys of a running pwired's pseudowire\n"
	      "               (it restarts with them)\n"
	      "  del NAME     stop a running pwired's pseudowire\n"
	      "  genkey       print a random 64-bit cookie (16 hex digits)\n"
	      "  help         this text (pwire up --help: the words of up)\n"
	      "  version      print the version (also -V, --version)\n"
	      "\n"
	      "  -s SOCKET    pwired's control socket, for show, reload, add, set and\n"
	      "               del (default\n"
	      "               " PW_CTL_PATH_DEFAULT ")\n"
	      "  -h, --help   this text\n",
	      f);
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

/* A command runs on its own (fn) or talks to pwired's control socket (ctl). */
static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
	int (*ctl)(int argc, char **argv, const char *sock);
} commands[] = {
	{ "up", pw_cmd_up, NULL },
	{ "show", NULL, pw_cmd_show },
	{ "reload", NULL, pw_cmd_reload },
	{ "add", NULL, pw_cmd_section },
	{ "del", NULL, pw_cmd_section },
	{ "set", NULL, pw_cmd_section },
	{ "help", cmd_help, NULL },
	{ "genkey", cmd_genkey, NULL },
	{ "version", cmd_version, NULL },
};

int main(int argc, char **argv)
{
	const char *sock = NULL;

	if (argc >= 2 && !strcmp(argv[1], "-s")) {
		if (argc < 3) {
			pw_error("-s needs a value (the control socket)");
			return PW_EXIT_USAGE;
		}
		sock = argv[2];
		argc -= 2;
		argv += 2;
	}
	if (argc < 2) {
		print_usage(stderr);
		return PW_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))
		return cmd_help(argc - 1, argv + 1);
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V"))
		return cmd_version(argc - 1, argv + 1);
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(argv[1], commands[i].name))
			continue;
		if (commands[i].ctl)
			return commands[i].ctl(argc - 1, argv + 1,
					       sock ? sock : PW_CTL_PATH_DEFAULT);
		if (sock) {
			pw_error("-s is for the commands that talk to pwired (show, reload, add, "
				 "del, set), not '%s'",
				 argv[1]);
			return PW_EXIT_USAGE;
		}
		return commands[i].fn(argc - 1, argv + 1);
	}
	pw_error("unknown command '%s' (see pwire --help)", argv[1]);
	return PW_EXIT_USAGE;
}
