/* SPDX-License-Identifier: MIT */
/*
 * priv.h: pwired's privileged helper. Before it drops its privileges,
 * pwired forks a helper that keeps only what opening a pseudowire needs
 * (uid 0 for the configuration file, CAP_NET_ADMIN, CAP_NET_RAW,
 * CAP_NET_BIND_SERVICE, CAP_BPF and CAP_PERFMON (the fast path's programs
 * need the verifier's privileged rules), nothing else, NoNewPrivs) and answers
 * the data-path process over a socket pair: a TAP queue, a socket, a
 * steering program or a vhost-user listening socket made as asked (link.h's
 * pw_opener; vhost-user sockets only right in the run directory, the
 * control socket's), a section's link
 * configuration, the configuration file (or a control request's section)
 * parsed; each goes back as an fd (SCM_RIGHTS; a memfd for what is
 * parsed). It also keeps the sections' fast paths (fast/fastpath.h: the
 * programs attached, each with its own detach helper), sending back each
 * one's counters' map to be read in memory. The data-path process runs
 * unprivileged (CapEff 0, seccomp) and can still open the pseudowires a
 * reload, add or set brings.
 *
 * The helper trusts its requests no more than it must: each is one
 * fixed-size message whose every field is checked before use (a name within
 * IFNAMSIZ, queue counts, families, encapsulations); a section's text from
 * the data path may name no file (cookie_file); the files it reads are its
 * configuration and the cookie files that names, and what the MTU and the
 * stable MAC ask the kernel (/sys, netlink, the machine id). A fast path is
 * attached only to a device that is a TAP (pw_tap_usable), and its
 * underlay is the route's to the section's peer. It keeps only
 * stdio and its channel open, and ends when the data-path process closes
 * its end or dies. What it does not check is whether the TAPs and ports it
 * is asked for are the configuration's: a data path taken over can ask for
 * any (docs/architecture.md, "Privileges").
 */
#ifndef PWIRE_DAEMON_PRIV_H
#define PWIRE_DAEMON_PRIV_H

#include <net/if.h>
#include <stdint.h>

#include "core/err.h"
#include "daemon/conf.h"
#include "link/link.h"

struct pw_priv;

/* Fork the helper (conf: the file it may open for pw_priv_conf; run_dir:
 * the directory it may make vhost-user sockets in, by name right there).
 * In the calling process: the handle, or NULL with the reason in err. The
 * helper never returns from here. Call before any thread starts. */
struct pw_priv *pw_priv_start(const char *conf, const char *run_dir, struct pw_err *err);

/* The link configuration of section c as pw_config_link_cfg() makes it
 * (the MTU in use needs the kernel's routes and devices, which the data
 * path cannot ask after its drop), with this helper as its opener; its
 * warnings into warn. False with the reason in warn if the helper is gone,
 * or c is a vhost-user vNIC whose socket pwired may not make (not right in
 * the run directory). */
bool pw_priv_link_cfg(struct pw_priv *p, const struct pw_config *c, struct pw_link_cfg *lc,
		      struct pw_err *warn);

/* A section's fast path, opened and kept by the helper (its programs
 * attached until pw_priv_fast_close, or until the helper ends, however
 * pwired ends). */
struct pw_priv_fast {
	uint32_t id;                /* for pw_priv_fast_close */
	unsigned ncpus;             /* the counters' map's lines (pw_fast_view_open) */
	char underlay[IFNAMSIZ];    /* where pw_decap is attached */
};

/* Ask the helper for section c's fast path on the TAP tap (its MTU mtu,
 * the one in use): pw_fast_open there. The counters' map's fd (to map
 * read-only with pw_fast_view_open, then close) and *out filled; or
 * -errno with pw_fast_open's reason (the kernel's refusal, the verifier's
 * lines) in err. */
int pw_priv_fast_open(struct pw_priv *p, const struct pw_config *c, const char *tap,
		      unsigned mtu, struct pw_priv_fast *out, struct pw_err *err);

/* Close fast path id in the helper: its programs detached (waited for).
 * 0 or -errno. */
int pw_priv_fast_close(struct pw_priv *p, uint32_t id);

/* Why the last TAP the helper refused (-ENOTTY) is not one ("is a veth,
 * not a TAP": pw_tap_usable), else "". */
const char *pw_priv_why(const struct pw_priv *p);

/* The configuration file (the one pw_priv_start was given, named `file` in
 * messages) read and parsed by the helper, which can read it and the cookie
 * files it names: as pw_conf_load(). */
bool pw_priv_conf(struct pw_priv *p, struct pw_conf *conf, const char *file, struct pw_err *e);

/* text (a section or more, as pwire.conf holds them) parsed by the
 * helper, as pw_conf_parse() would, its messages naming the file
 * "control" (pwire add and set: the data path parses nothing after its
 * drop, since a key may make the parser ask the kernel or open a file). */
bool pw_priv_parse(struct pw_priv *p, const char *text, struct pw_conf *conf, struct pw_err *e);

/* The data path's end of the channel (its filter allows sendmsg and
 * recvmsg on this fd alone: cli/privs.h). */
int pw_priv_fd(const struct pw_priv *p);

/* Close the channel (the helper exits) and free p; NULL does nothing. */
void pw_priv_close(struct pw_priv *p);

#endif
