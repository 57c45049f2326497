/* SPDX-License-Identifier: MIT */
/*
 * show.c: `pwire [-s SOCKET] show [--json|--prometheus]`, `pwire reload`
 * and `pwire add|del|set NAME ...`, clients of pwired's control socket
 * (docs/control.md): send the request line, copy the reply to stdout. A
 * reply "error: ..." goes to stderr and exits 1.
 * The words and the replies are the daemon's (daemon/control.c, print.c);
 * this file only carries them.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "cli/cmd.h"
#include "cli/parse.h"
#include "daemon/control.h"

enum { REPLY_SECONDS = 10 };

static int connect_to(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct timeval tv = { .tv_sec = REPLY_SECONDS };
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		pw_error("control socket path too long: '%s' (at most %zu bytes)", path,
			 sizeof(sa.sun_path) - 1);
		return -PW_EXIT_USAGE;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		pw_error("socket: %s", strerror(errno));
		return -PW_EXIT_FAIL;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(fd, (const struct sockaddr *)&sa, sizeof(sa))) {
		int e = errno;

		close(fd);
		if (e == ENOENT || e == ECONNREFUSED)
			pw_error("cannot reach %s: %s: is pwired running? (pwired -s %s)", path,
				 strerror(e), path);
		else if (e == EACCES || e == EPERM)
			pw_error("cannot reach %s: %s: the control socket is root's (run as root)",
				 path, strerror(e));
		else
			pw_error("cannot reach %s: %s", path, strerror(e));
		return -PW_EXIT_FAIL;
	}
	return fd;
}

/* Copy the reply to stdout, or an error reply to stderr. */
static int relay(int fd, const char *path)
{
	char buf[16384];
	bool first = true, error = false;
	ssize_t n;

	while ((n = read(fd, buf, sizeof(buf))) > 0 || (n < 0 && errno == EINTR)) {
		if (n < 0)
			continue;
		if (first && n >= 7 && !memcmp(buf, "error: ", 7))
			error = true;
		first = false;
		if (fwrite(buf, 1, (size_t)n, error ? stderr : stdout) != (size_t)n) {
			pw_error("writing the reply: %s", strerror(errno));
			return PW_EXIT_FAIL;
		}
	}
	if (n < 0) {
		pw_error("reading the reply from %s: %s", path,
			 errno == EAGAIN ? "no reply in time" : strerror(errno));
		return PW_EXIT_FAIL;
	}
	if (first) {
		pw_error("%s closed without a reply (refused? see pwired's log)", path);
		return PW_EXIT_FAIL;
	}
	if (fflush(stdout)) {
		pw_error("writing the reply: %s", strerror(errno));
		return PW_EXIT_FAIL;
	}
	return error ? PW_EXIT_FAIL : PW_EXIT_OK;
}

/* Send the request, relay the reply; the exit code. */
static int ask(const char *sock, const struct pw_ctl_req *req)
{
	char line[PW_CTL_REQ_MAX + 1];
	int fd, rc;

	fd = connect_to(sock);
	if (fd < 0)
		return -fd;
	pw_ctl_req_str(req, line, sizeof(line));
	/* A refusal may come (and the daemon close) before the request is
	 * sent: read the reply whatever the send said. */
	if (send(fd, line, strlen(line), MSG_NOSIGNAL) != (ssize_t)strlen(line) &&
	    errno != EPIPE && errno != ECONNRESET) {
		pw_error("sending to %s: %s", sock, strerror(errno));
		close(fd);
		return PW_EXIT_FAIL;
	}
	shutdown(fd, SHUT_WR);
	rc = relay(fd, sock);
	close(fd);
	return rc;
}

int pw_cmd_show(int argc, char **argv, const char *sock)
{
	struct pw_ctl_req req = { .cmd = PW_CTL_SHOW, .format = PW_SHOW_TEXT };

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json") && req.format == PW_SHOW_TEXT) {
			req.format = PW_SHOW_JSON;
		} else if (!strcmp(argv[i], "--prometheus") && req.format == PW_SHOW_TEXT) {
			req.format = PW_SHOW_PROMETHEUS;
		} else if (!strcmp(argv[i], "--json") || !strcmp(argv[i], "--prometheus")) {
			pw_error("show: one of --json or --prometheus, once");
			return PW_EXIT_USAGE;
		} else {
			pw_error("show: unknown argument '%s' (show [--json|--prometheus])",
				 argv[i]);
			return PW_EXIT_USAGE;
		}
	}
	return ask(sock, &req);
}

int pw_cmd_reload(int argc, char **argv, const char *sock)
{
	struct pw_ctl_req req = { .cmd = PW_CTL_RELOAD, .format = PW_SHOW_TEXT };

	if (argc > 1) {
		pw_error("reload: unknown argument '%s' (reload takes none)", argv[1]);
		return PW_EXIT_USAGE;
	}
	return ask(sock, &req);
}

/* add|del|set NAME [KEY VALUE ...]: the words are checked here by the
 * daemon's own parser, so a usage error never reaches it. */
int pw_cmd_section(int argc, char **argv, const char *sock)
{
	char line[PW_CTL_REQ_MAX + 1];
	struct pw_ctl_req req;
	struct pw_err e;
	size_t at = 0;

	for (int i = 0; i < argc; i++) {
		size_t n = strlen(argv[i]);

		if (strpbrk(argv[i], " \t\r\n") || !n) {
			pw_error("%s: '%s': a word of the request cannot be empty or hold blanks",
				 argv[0], argv[i]);
			return PW_EXIT_USAGE;
		}
		if (at + n + 1 >= sizeof(line)) {
			pw_error("%s: the request is longer than %d bytes", argv[0],
				 PW_CTL_REQ_MAX - 1);
			return PW_EXIT_USAGE;
		}
		memcpy(line + at, argv[i], n);
		at += n;
		line[at++] = i + 1 < argc ? ' ' : '\n';
	}
	pw_err_init(&e);
	if (!pw_ctl_parse(line, at, &req, &e)) {
		pw_error("%s", pw_err_msg(&e));
		return PW_EXIT_USAGE;
	}
	return ask(sock, &req);
}
