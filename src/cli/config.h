/* SPDX-License-Identifier: MIT */
/*
 * config.h: one pseudowire as the command line describes it, and the parsers
 * that fill it from each spelling a user moves from: `ip l2tp` words
 * (words.c), QEMU's -netdev l2tpv3 options (qemu.c), UML's vector
 * transport=l2tpv3 options (uml.c). Every parser reports into the sink `e`
 * (core/err.h), never prints: on a bad word, one error naming the word and
 * its value, and false (`pwire up` prints it and exits 2); warnings, when
 * something is accepted but means less than it says.
 */
#ifndef PWIRE_CLI_CONFIG_H
#define PWIRE_CLI_CONFIG_H

#include <stdbool.h>
#include <stdio.h>

#include "cli/print.h"
#include "core/err.h"
#include "core/session.h"
#include "fast/fastpath.h"
#include "link/link.h"
#include "vnic/tap.h"
#include "xport/impair.h"
#include "xport/xport.h"

/* Fields a user set explicitly; a `peer` preset fills only the others, and
 * the final check names the required ones still missing. */
enum pw_set {
	PW_SET_ENCAP = 1 << 0,
	PW_SET_LOCAL = 1 << 1,
	PW_SET_REMOTE = 1 << 2,
	PW_SET_SPORT = 1 << 3,
	PW_SET_DPORT = 1 << 4,
	PW_SET_SESSION = 1 << 5,
	PW_SET_PEER_SESSION = 1 << 6,
	PW_SET_L2SPEC = 1 << 7,
	PW_SET_SEQ = 1 << 8,
	PW_SET_COOKIE = 1 << 9,
	PW_SET_PEER_COOKIE = 1 << 10,
	PW_SET_MTU = 1 << 11,
};

/* ip l2tp's UDP checksum words as given (pw_config.csum_given/csum_on):
 * accepted, and what they mean here said once (pw_words_csum_note). */
enum pw_csum {
	PW_CSUM_UDP = 1 << 0,  /* udp_csum */
	PW_CSUM6_TX = 1 << 1,  /* udp6_csum_tx */
	PW_CSUM6_RX = 1 << 2,  /* udp6_csum_rx */
};

enum { PW_COOKIE_FILE_MAX = 256 }; /* a cookie_file path, with its NUL */

enum pw_peer {
	PW_PEER_NONE,
	PW_PEER_LINUX,
	PW_PEER_QEMU,
	PW_PEER_UML,
	PW_PEER_CISCO,
};

struct pw_config {
	struct pw_tap_cfg tap;         /* name, mtu (0 = from the overhead), mac */
	struct pw_session_cfg session;
	struct pw_xport_cfg xport;     /* encap, family, local, remote (ports: finish) */
	uint16_t sport, dport;         /* UDP ports, put into xport by finish */
	enum pw_peer peer;
	struct pw_impair_cfg impair;   /* --impair, a test aid */
	bool has_impair;
	bool mac_random;               /* `mac random`: no stable MAC (pw_config_link_cfg) */
	unsigned busy_poll_us;         /* busy_poll: 0 (off) .. PW_BUSY_POLL_MAX */
	enum pw_fastpath fastpath;     /* fastpath: off, on, auto (the default) */
	unsigned set;                  /* enum pw_set bits */
	bool json;
	char user[64];                 /* user: who the data path runs as ("" = the default) */
	char vhost_path[108];          /* DEV vhost-user:PATH: the socket ("" = a TAP) */
	bool vhost_client;             /* DEV vhost-user-client:PATH: QEMU listens on it */
	char shown[PW_TEXT_NAME_MAX];  /* tap.name for text messages (pw_text_name) */
	uint32_t tunnel_id, peer_tunnel_id; /* as given, 0 if not: a pasted pair's halves agree */
	uint8_t csum_given, csum_on;   /* enum pw_csum: which were given, which of them on */
	/* cookie_file, peer_cookie_file: where the cookie came from ("" = a
	 * cookie word or none); pwired -n prints the path, not the secret. */
	char cookie_file[PW_COOKIE_FILE_MAX], peer_cookie_file[PW_COOKIE_FILE_MAX];
};

enum { PW_BUSY_POLL_MAX = 10000 };

/* DEV for a vhost-user vNIC: this, then the socket's path; pwire listens
 * on it, or with the second, connects to it (QEMU's server=on). */
#define PW_VHOST_PREFIX "vhost-user:"
#define PW_VHOST_CLIENT_PREFIX "vhost-user-client:"

/* Defaults (iproute2's: encap udp, l2spec_type default, seq none). */
void pw_config_init(struct pw_config *c);

/* The words of l2spec_type and seq values, as written. */
const char *pw_l2spec_name(enum pw_l2spec l);
const char *pw_seq_name(unsigned seq);

/* The effective encapsulation in one line, in the words of `ip l2tp`:
 * "encap udp 192.0.2.1:1701 -> 192.0.2.2:1701, session_id 10 peer_session_id
 * 20, cookie 8 bytes out 8 in, l2spec_type default, seq none, mtu 1446"
 * (what a user compares with the peer's set-up); mtu is the one in use
 * (pw_link_mtu). */
void pw_config_layout(const struct pw_config *c, unsigned mtu, char *buf, size_t len);

/* Whether name is a word (or an alias of one) pw_words_parse() takes. */
bool pw_words_known(const char *name);
/* A word's own spelling for an alias ("sid": "session_id"); name itself
 * when it is no alias or no word. */
const char *pw_words_canonical(const char *name);
/* The word (or one of more[], NULL-terminated, or NULL) a mistyped name
 * was most likely meant to be (pw_nearest), or NULL. */
const char *pw_words_nearest(const char *name, const char *const *more);

/* `ip l2tp add tunnel` + `add session` words, e.g. argv = {"encap", "udp",
 * "local", "10.0.0.1", ...}. A pasted line's own words ("ip l2tp add
 * tunnel", "session", ...) are skipped where a word goes, and an argument
 * there with blanks in it (a whole line, quoted) is split into words. */
bool pw_words_parse(struct pw_config *c, int argc, char *const *argv, struct pw_err *e);
/* The same for `pwire up`'s argv, up to the first argument where a word
 * goes that starts with '-' (an option): how many were taken (at least
 * 1 when argv[0] is no option), or -1 after an error. */
int pw_words_take(struct pw_config *c, int argc, char *const *argv, struct pw_err *e);
/* Whether arg begins a pasted line rather than naming a device: `ip`,
 * `l2tp`, `add`, `tunnel`, `session`, `name`, or blanks (a quoted line). */
bool pw_words_line_start(const char *arg);
/* What udp_csum, udp6_csum_tx and udp6_csum_rx, as given, mean for this
 * (finished) pseudowire: one line into buf, *warn when pwire does not do
 * what they ask in a way that loses frames; false when none was given. */
bool pw_words_csum_note(const struct pw_config *c, char *buf, size_t len, bool *warn);
/* QEMU -netdev l2tpv3 suboptions: "src=...,dst=...,udp=on,...". */
bool pw_qemu_parse(struct pw_config *c, const char *spec, struct pw_err *e);
/* UML vector options: "transport=l2tpv3,src=...,rx_session=...,...". */
bool pw_uml_parse(struct pw_config *c, const char *spec, struct pw_err *e);

/* --impair: "seed=N,drop=P,dup=P,reorder=P,corrupt=P,truncate=P" (percent). */
bool pw_impair_parse(struct pw_config *c, const char *spec, struct pw_err *e);

/* After all parsers ran: apply the peer preset, check what is missing or
 * inconsistent, derive the MTU. Reports one error into e and returns false
 * on the first problem. */
bool pw_config_finish(struct pw_config *c, struct pw_err *e);

/* The link object's configuration of a finished pw_config (the one place
 * `pwire up` and pwired turn a parsed pseudowire into what pw_link_open()
 * takes), when it opens: the MTU in use is decided here (`mtu` as given;
 * else an existing TAP's own; else the route to remote's MTU less the
 * encapsulation, at most 1500 less it), with a warning into e when outer
 * packets would not fit the route or no route was found. */
struct pw_link_cfg pw_config_link_cfg(const struct pw_config *c, struct pw_err *e);

/* The bytes of outer IP + UDP + L2TPv3 + inner Ethernet headers one frame costs. */
unsigned pw_config_overhead(const struct pw_config *c);

/* RFC 3931 §8.2: on anything but loopback, a 64-bit cookie is the only thing
 * that keeps a blind attacker from injecting frames. True when the
 * configuration lacks that protection. */
bool pw_config_unprotected(const struct pw_config *c);

/* Print what each preset sets (for --help). */
void pw_presets_help(FILE *f);

#endif
