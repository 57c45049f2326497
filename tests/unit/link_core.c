/* SPDX-License-Identifier: MIT */
/*
 * link_core.c: core/ builds and links alone. This program links against the
 * core library only; any symbol core/ took from xport/, vnic/, dp/ or cli/ would
 * fail the link.
 */
#include "core/codec.h"

int main(void)
{
	struct pw_session_cfg cfg = { .encap = PW_ENCAP_UDP, .l2spec = PW_L2SPEC_DEFAULT };
	struct pw_session s;

	pw_session_init(&s, &cfg);
	return s.tx.len == 12 ? 0 : 1;
}
