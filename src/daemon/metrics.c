/* SPDX-License-Identifier: MIT */
/*
 * metrics.c: GET /metrics through libmicrohttpd in pwired's loop
 * (metrics.h).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>

#include "daemon/metrics.h"

enum {
	CONNECTIONS_MAX = 16, /* scrapers at once; more are refused */
	TIMEOUT_S = 10,       /* an idle or slow connection is closed after */
};

struct pw_metrics {
	struct MHD_Daemon *d;
	pw_ctl_show_fn show;
	void *data;
};

bool pw_metrics_parse(const char *where, struct sockaddr_storage *ss, struct pw_err *err)
{
	const char *colon = strrchr(where, ':');
	char host[64];
	size_t hlen;
	char *end;
	long port;

	if (!colon)
		goto bad;
	port = strtol(colon + 1, &end, 10);
	if (end == colon + 1 || *end || port < 1 || port > 65535)
		goto bad;
	hlen = (size_t)(colon - where);
	if (hlen >= 2 && where[0] == '[' && where[hlen - 1] == ']') {
		where++;
		hlen -= 2;
	}
	if (hlen >= sizeof(host))
		goto bad;
	memcpy(host, where, hlen);
	host[hlen] = '\0';
	memset(ss, 0, sizeof(*ss));
	if (!hlen || inet_pton(AF_INET, host, &((struct sockaddr_in *)ss)->sin_addr) == 1) {
		struct sockaddr_in *a = (struct sockaddr_in *)ss;

		a->sin_family = AF_INET;
		a->sin_port = htons((uint16_t)port);
		return true;
	}
	if (inet_pton(AF_INET6, host, &((struct sockaddr_in6 *)ss)->sin6_addr) == 1) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;

		a->sin6_family = AF_INET6;
		a->sin6_port = htons((uint16_t)port);
		return true;
	}
bad:
	pw_err_set(err, "bad value for -m: '%.64s' (expected ADDRESS:PORT, [IPV6]:PORT or :PORT)",
		   where);
	return false;
}

static enum MHD_Result reply(struct MHD_Connection *c, unsigned status, char *body, size_t len,
			     const char *type)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
	enum MHD_Result ok;

	if (!r) {
		free(body);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	ok = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ok;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version, const char *upload,
				  size_t *upload_size, void **state)
{
	struct pw_metrics *m = cls;
	static const struct pw_ctl_req req = { .cmd = PW_CTL_SHOW, .format = PW_SHOW_PROMETHEUS };
	const char *text = "text/plain; charset=utf-8";
	char *body = NULL;
	size_t len = 0;
	FILE *f;

	(void)version;
	(void)upload;
	(void)upload_size;
	(void)state;
	if (strcmp(method, MHD_HTTP_METHOD_GET) && strcmp(method, MHD_HTTP_METHOD_HEAD))
		return reply(c, MHD_HTTP_METHOD_NOT_ALLOWED, strdup("GET or HEAD\n"), 12, text);
	if (strcmp(url, "/metrics"))
		return reply(c, MHD_HTTP_NOT_FOUND, strdup("not found: try /metrics\n"), 24, text);
	f = open_memstream(&body, &len);
	if (!f)
		return MHD_NO;
	m->show(m->data, f, &req);
	if (fclose(f)) {
		free(body);
		return MHD_NO;
	}
	return reply(c, MHD_HTTP_OK, body, len, "text/plain; version=0.0.4; charset=utf-8");
}

struct pw_metrics *pw_metrics_open(const struct sockaddr_storage *ss, pw_ctl_show_fn show,
				   void *data, struct pw_err *err)
{
	struct pw_metrics *m = calloc(1, sizeof(*m));
	const void *addr = ss->ss_family == AF_INET ?
				   (const void *)&((const struct sockaddr_in *)ss)->sin_addr :
				   (const void *)&((const struct sockaddr_in6 *)ss)->sin6_addr;
	unsigned port = ntohs(((const struct sockaddr_in *)ss)->sin_port);
	char a[64];

	if (!m) {
		pw_err_set(err, "-m: %s", strerror(ENOMEM));
		return NULL;
	}
	m->show = show;
	m->data = data;
	m->d = MHD_start_daemon(MHD_USE_EPOLL | MHD_USE_ERROR_LOG |
					(ss->ss_family == AF_INET6 ? MHD_USE_IPv6 : 0),
				0, NULL, NULL, on_request, m, MHD_OPTION_SOCK_ADDR, ss,
				MHD_OPTION_CONNECTION_LIMIT, (unsigned)CONNECTIONS_MAX,
				MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)TIMEOUT_S, MHD_OPTION_END);
	if (!m->d) {
		int e = errno;

		inet_ntop(ss->ss_family, addr, a, sizeof(a));
		pw_err_set(err, "-m: cannot listen on %s port %u: %s", a, port,
			   e ? strerror(e) : "libmicrohttpd refused");
		free(m);
		return NULL;
	}
	return m;
}

static int on_ready(void *data, uint32_t events)
{
	struct pw_metrics *m = data;

	(void)events;
	MHD_run(m->d);
	return 0;
}

int pw_metrics_start(struct pw_metrics *m, struct pw_loop *loop)
{
	const union MHD_DaemonInfo *i = MHD_get_daemon_info(m->d, MHD_DAEMON_INFO_EPOLL_FD);

	if (!i)
		return -EINVAL;
	return pw_loop_watch(loop, i->epoll_fd, EPOLLIN, on_ready, m);
}

void pw_metrics_tick(struct pw_metrics *m)
{
	if (m)
		MHD_run(m->d);
}

void pw_metrics_close(struct pw_metrics *m)
{
	if (!m)
		return;
	MHD_stop_daemon(m->d);
	free(m);
}
