/* SPDX-License-Identifier: MIT */
/*
 * metrics.h: Prometheus metrics over HTTP (pwired -m ADDRESS:PORT), served
 * by libmicrohttpd: GET /metrics answers what `pwire show --prometheus`
 * prints (the same printer); other paths 404, other methods 405.
 *
 * libmicrohttpd runs in its "external epoll" mode: its epoll fd is one more
 * fd of pwired's loop, and MHD_run() is called when it is ready (and on the
 * loop's timer, for its connection timeouts): no thread, no lock, and the
 * listening socket is bound before the privilege drop.
 */
#ifndef PWIRE_DAEMON_METRICS_H
#define PWIRE_DAEMON_METRICS_H

#include <stdbool.h>
#include <sys/socket.h>

#include "core/err.h"
#include "daemon/control.h"
#include "dp/loop.h"

struct pw_metrics;

/* `where` (-m): ADDRESS:PORT, [IPV6]:PORT or :PORT (every IPv4 address)
 * into ss; false with err set (a usage error). */
bool pw_metrics_parse(const char *where, struct sockaddr_storage *ss, struct pw_err *err);

/* Listen on ss; show(data, f, req) writes the page. NULL with err set. */
struct pw_metrics *pw_metrics_open(const struct sockaddr_storage *ss, pw_ctl_show_fn show,
				   void *data, struct pw_err *err);

/* Serve from loop. 0 or -errno. */
int pw_metrics_start(struct pw_metrics *m, struct pw_loop *loop);

/* Let libmicrohttpd close what timed out (call now and then). */
void pw_metrics_tick(struct pw_metrics *m);

void pw_metrics_close(struct pw_metrics *m);

#endif
