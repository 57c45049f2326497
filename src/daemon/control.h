/* SPDX-License-Identifier: MIT */
/*
 * control.h: pwired's control socket (docs/control.md). A UNIX stream
 * socket; a client sends one request line, gets one reply and the daemon
 * closes the connection. Requests are parsed by pw_ctl_parse(), a pure
 * function of the bytes (the fuzzer drives it); connections are served by
 * the daemon's pw_loop without ever blocking it. What a request shows is
 * the daemon's business: it gives a callback.
 *
 * Not here: what the counters look like (cli/print.h), what reload, add,
 * del and set do (daemon/main.c).
 */
#ifndef PWIRE_DAEMON_CONTROL_H
#define PWIRE_DAEMON_CONTROL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

#include "cli/print.h"
#include "core/err.h"
#include "dp/loop.h"

#define PW_CTL_PATH_DEFAULT "/run/pwire/control.sock"

enum {
	PW_CTL_REQ_MAX = 1024, /* bytes of a request line, its newline included */
	PW_CTL_NAME_MAX = 32,  /* a section's name with its NUL (pwire.conf's rule) */
	PW_CTL_CONN_MAX = 16, /* connections served at once; more are closed at accept */
	PW_CTL_REPLY_MAX = 64 << 20, /* bytes of a reply; more is an error reply */
	PW_CTL_TIMEOUT_TICKS = 5, /* pw_ctl_tick() calls a connection lives (s) */
};

enum pw_ctl_cmd {
	PW_CTL_SHOW,
	PW_CTL_RELOAD, /* re-read the configuration, apply the difference */
	PW_CTL_ADD,    /* a pseudowire more: name, its keys and values */
	PW_CTL_DEL,    /* a pseudowire less: name */
	PW_CTL_SET,    /* a pseudowire changed: name, the keys and values that change */
};

struct pw_ctl_req {
	enum pw_ctl_cmd cmd;
	enum pw_show_format format;  /* show: text, --json or --prometheus */
	char name[PW_CTL_NAME_MAX];  /* add, del, set: the section */
	/* add, set: "KEY VALUE KEY VALUE ...", pwire.conf's keys (the words of
	 * pwire up), one space between words; never a cookie_file (the
	 * daemon reads no file for a client), no ';' or '#' (pwire.conf's
	 * comments), no '=' or '[' in a key. */
	char words[PW_CTL_REQ_MAX];
};

/* Parse what a client sent: the bytes up to and including the first LF, or
 * every byte it sent when none came (a half request) or PW_CTL_REQ_MAX came
 * without one. True with *req filled, or false with one error in e, which
 * the reply carries as "error: MESSAGE". No system calls, no allocation. */
bool pw_ctl_parse(const char *buf, size_t len, struct pw_ctl_req *req, struct pw_err *e);

/* The command's word: "show", "reload", "add", "del", "set". */
const char *pw_ctl_cmd_name(enum pw_ctl_cmd cmd);

/* The request line for req (with its LF), as pw_ctl_parse() takes it,
 * into buf (PW_CTL_REQ_MAX + 1 bytes hold any: the longest request and a
 * NUL); returns buf. */
const char *pw_ctl_req_str(const struct pw_ctl_req *req, char *buf, size_t len);

/* Write the reply of a valid request into f (the daemon's show). */
typedef void (*pw_ctl_show_fn)(void *data, FILE *f, const struct pw_ctl_req *req);

struct pw_ctl_cfg {
	const char *path; /* the socket; its directory is made 0755 when absent */
	uid_t self;       /* the daemon's uid after its privilege drop: allowed beside root */
	bool has_group;   /* -g: the socket is mode 0660 and group's, and members */
	gid_t group;      /* of the group (primary or supplementary) are allowed too */
};

struct pw_ctl;

/* Make the listening socket (needs the privileges: call before the drop).
 * A stale socket file (nobody listening) is replaced; a live one is
 * refused. NULL with the reason in err. */
struct pw_ctl *pw_ctl_open(const struct pw_ctl_cfg *cfg, struct pw_err *err);

/* Serve requests in loop, answering with show(data, ...). Makes no system
 * call but epoll_ctl: fine after the drop. 0 or -errno. */
int pw_ctl_start(struct pw_ctl *c, struct pw_loop *loop, pw_ctl_show_fn show, void *data);

/* Call once a second (the daemon's timer): a connection that has lived
 * PW_CTL_TIMEOUT_TICKS calls is closed, after "error: no request within
 * 5 s" when it had not sent its request, so that idle clients cannot hold
 * the PW_CTL_CONN_MAX slots. NULL is fine. */
void pw_ctl_tick(struct pw_ctl *c);

/* Close every connection and the socket (the file stays: the daemon may no
 * longer remove it; the next pw_ctl_open() replaces it). NULL is fine. */
void pw_ctl_close(struct pw_ctl *c);

#endif
