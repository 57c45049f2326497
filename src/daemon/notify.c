/* SPDX-License-Identifier: MIT */
/*
 * notify.c: systemd's readiness protocol (notify.h): one datagram per state.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "daemon/notify.h"

struct pw_notify {
	int fd;
	struct sockaddr_un addr;
	socklen_t len;
};

struct pw_notify *pw_notify_open(struct pw_err *err)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct pw_notify *n;
	size_t len;

	if (!path || !*path)
		return NULL;
	len = strlen(path);
	if ((path[0] != '/' && path[0] != '@') || len >= sizeof(n->addr.sun_path)) {
		pw_err_set(err, "NOTIFY_SOCKET=%.*s: not an absolute path or @name of at most %zu bytes",
			   64, path, sizeof(n->addr.sun_path) - 1);
		return NULL;
	}
	n = calloc(1, sizeof(*n));
	if (!n) {
		pw_err_set(err, "NOTIFY_SOCKET: %s", strerror(ENOMEM));
		return NULL;
	}
	n->addr.sun_family = AF_UNIX;
	memcpy(n->addr.sun_path, path, len);
	if (path[0] == '@')
		n->addr.sun_path[0] = '\0'; /* abstract: no terminating NUL counted */
	n->len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len + (path[0] == '/'));
	n->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (n->fd < 0) {
		pw_err_set(err, "NOTIFY_SOCKET: socket: %s", strerror(errno));
		free(n);
		return NULL;
	}
	unsetenv("NOTIFY_SOCKET");
	return n;
}

bool pw_notify(struct pw_notify *n, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	int len;

	if (!n)
		return true;
	va_start(ap, fmt);
	len = vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (len < 0 || (size_t)len >= sizeof(msg)) {
		errno = EMSGSIZE;
		return false;
	}
	return sendto(n->fd, msg, (size_t)len, MSG_NOSIGNAL, (const struct sockaddr *)&n->addr,
		      n->len) == len;
}

void pw_notify_close(struct pw_notify *n)
{
	if (!n)
		return;
	close(n->fd);
	free(n);
}
