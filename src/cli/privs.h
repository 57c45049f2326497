/* SPDX-License-Identifier: MIT */
/*
 * privs.h: the one place `pwire up` gives up its privileges. Everything that
 * needs root (the TAP, the sockets, the steering programs, the io_uring) is
 * opened first; then pw_privs_drop() becomes an unprivileged user with no
 * capabilities, sets NoNewPrivs and loads a seccomp allow-list of the system
 * calls the data path and the reports make. Not for anything that opens,
 * configures or creates: after the drop nothing can.
 */
#ifndef PWIRE_CLI_PRIVS_H
#define PWIRE_CLI_PRIVS_H

#include <stdbool.h>
#include <sys/types.h>

enum { PW_USER_MAX = 64 };

/* ASan, TSan or MSan: their runtimes need system calls the filter forbids,
 * so these builds drop the user but load no filter (privs.c). */
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define PW_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || \
	__has_feature(memory_sanitizer)
#define PW_SANITIZED 1
#endif
#endif
#ifndef PW_SANITIZED
#define PW_SANITIZED 0
#endif

/* Who the data path runs as. */
struct pw_privs {
	char user[PW_USER_MAX]; /* the name looked up, for the log line */
	uid_t uid;
	gid_t gid;
	bool keep_root; /* `user root` (a user with uid 0): no change of user or capabilities */
	bool io_uring;  /* the data path enters an io_uring (`io_uring on`) */
	bool vhost;     /* a vhost-user vNIC: its front end's socket, memory and eventfds */
	bool vhost_client; /* the same, connecting to its front end (again after each end) */
	bool fastpath;  /* pwire up's fast path: its helper reaped at exit (fast/fastpath.h) */
	bool pwired;    /* pwired: its control socket, its helper (daemon/priv.h) */
	int helper_fd;  /* pwired: the helper's channel (sendmsg, recvmsg on it); -1: none */
	bool metrics;   /* pwired -m: libmicrohttpd serves HTTP clients */
};

/* Look up `user NAME` (name non-empty), or the default when name is empty:
 * the `pwire` system user, else `nobody`. An unknown NAME prints "bad value
 * for user: 'NAME' (no such user)" and returns false (a usage error); a
 * missing default prints one line and returns false. */
bool pw_privs_resolve(struct pw_privs *p, const char *name);

/* Become p's user with no capabilities and no supplementary groups (only
 * when running as root; otherwise whatever capabilities are held are
 * dropped), set NoNewPrivs and load the system-call allow-list. Call once,
 * after everything is opened and before any other thread starts: the
 * threads inherit all of it. A forbidden system call afterwards ends the
 * process with one line naming it, "pwire: DEV: forbidden system call NAME
 * ...", DEV as shown (pw_text_name of the device name), and exit status 1.
 * Prints one line and returns false on failure. */
bool pw_privs_drop(const struct pw_privs *p, const char *shown);

#endif
