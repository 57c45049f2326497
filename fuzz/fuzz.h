/* SPDX-License-Identifier: MIT */
/*
 * fuzz.h: what the libFuzzer targets share: how a byte picks a session's
 * parameters, and the invariants every accepted configuration must hold.
 * A broken invariant aborts, so libFuzzer records the input as a crash.
 */
#ifndef PWIRE_FUZZ_H
#define PWIRE_FUZZ_H

#include <stdio.h>
#include <stdlib.h>

#include "cli/config.h"

#define FUZZ_CHECK(cond)                                                                           \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "%s:%d: invariant broken: %s\n", __FILE__, __LINE__,       \
				#cond);                                                            \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

/* One config byte: bit 0 encap, bits 1-2 cookie 0/4/8, bits 3-4 sublayer,
 * bits 5-6 seq none/send/recv/both. */
static inline void fuzz_pick(uint8_t c, struct pw_session_cfg *cfg)
{
	static const enum pw_l2spec modes[] = { PW_L2SPEC_NONE, PW_L2SPEC_DEFAULT,
						PW_L2SPEC_COUNTER32, PW_L2SPEC_DEFAULT };

	cfg->encap = c & 1 ? PW_ENCAP_IP : PW_ENCAP_UDP;
	cfg->cookie.len = cfg->peer_cookie.len = (uint8_t)(((c >> 1) & 3) % 3 * 4);
	cfg->l2spec = modes[(c >> 3) & 3];
	cfg->seq = cfg->l2spec == PW_L2SPEC_NONE ? PW_SEQ_NONE : (c >> 5) & 3;
}

/* What pw_config_finish() promises about a configuration it accepts. */
static inline void fuzz_check_config(const struct pw_config *c)
{
	const struct pw_session_cfg *s = &c->session;

	FUZZ_CHECK(s->session_id != 0 && s->peer_session_id != 0);
	FUZZ_CHECK(s->cookie.len == 0 || s->cookie.len == 4 || s->cookie.len == 8);
	FUZZ_CHECK(s->peer_cookie.len == 0 || s->peer_cookie.len == 4 || s->peer_cookie.len == 8);
	FUZZ_CHECK(s->encap == PW_ENCAP_UDP || s->encap == PW_ENCAP_IP);
	FUZZ_CHECK(s->l2spec <= PW_L2SPEC_COUNTER32 && s->seq <= PW_SEQ_BOTH);
	FUZZ_CHECK(!s->seq || s->l2spec != PW_L2SPEC_NONE);
	FUZZ_CHECK(s->offset <= PW_OFFSET_MAX && s->peer_offset <= PW_OFFSET_MAX);
	FUZZ_CHECK(c->xport.family == AF_INET || c->xport.family == AF_INET6);
	FUZZ_CHECK(c->xport.local.ss_family == c->xport.family);
	FUZZ_CHECK(c->xport.remote.ss_family == c->xport.family);
	FUZZ_CHECK(c->tap.mtu >= 68 && c->tap.mtu + pw_config_overhead(c) <= 65535);
	FUZZ_CHECK(c->tap.name[sizeof(c->tap.name) - 1] == '\0');
}

#endif
