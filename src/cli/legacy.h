/* SPDX-License-Identifier: MIT */
/*
 * legacy.h: what QEMU's -netdev l2tpv3 and UML's transport=l2tpv3 option
 * lists have in common once their keys are read: the same fields under
 * other names. qemu.c and uml.c map their keys into this; pw_legacy_apply()
 * checks and applies it, in that program's words.
 */
#ifndef PWIRE_CLI_LEGACY_H
#define PWIRE_CLI_LEGACY_H

#include "cli/config.h"
#include "cli/parse.h"

struct pw_legacy_names {
	const char *opt;         /* "--qemu" */
	const char *who;         /* "QEMU" */
	const char *udp_on;      /* "udp=on" */
	const char *ipv6;        /* "ipv6" */
	const char *ipv6_on, *ipv6_off;
	const char *txsession, *rxsession, *txcookie, *rxcookie;
	bool rxsession_defaults_to_tx;
};

struct pw_legacy {
	const struct pw_legacy_names *names;
	char buf[PW_SPEC_MAX]; /* the split list: the values below point into it */
	const char *srcport, *dstport, *txcookie, *rxcookie;
	bool udp, ipv6, cookie64, counter, pin_counter, has_tx, has_rx;
};

/* Read the keys both share (src, dst, srcport, dstport): true when `key`
 * was one of them, with *ok saying whether its value was good. */
bool pw_legacy_common_key(struct pw_config *c, struct pw_legacy *l, const char *key,
			  const char *val, bool *ok, struct pw_err *e);

/* Check what is missing or inconsistent and fill c from l; errors and
 * warnings go to e. */
bool pw_legacy_apply(struct pw_config *c, const struct pw_legacy *l, struct pw_err *e);

#endif
