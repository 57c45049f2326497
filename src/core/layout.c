/* SPDX-License-Identifier: MIT */
/*
 * layout.c: the header layout as a pure function of a session's parameters,
 * and a live session made from them. Nothing here touches a packet.
 */
#include "core/session.h"

struct pw_layout pw_layout_of(enum pw_encap encap, unsigned cookie_len, enum pw_l2spec l2spec,
			      unsigned pad_len)
{
	struct pw_layout l = { 0 };

	/* RFC 3931 §4.1.2.2: only UDP carries the T/Ver word in front. */
	l.session = encap == PW_ENCAP_UDP ? PW_UDP_WORD_LEN : 0;
	l.cookie = l.session + PW_SESSION_LEN;
	l.cookie_len = cookie_len;
	l.sublayer = l.cookie + cookie_len;
	l.sublayer_len = l2spec == PW_L2SPEC_NONE ? 0 : PW_SUBLAYER_LEN;
	l.pad = l.sublayer + l.sublayer_len;
	l.pad_len = pad_len;
	l.len = l.pad + pad_len;
	return l;
}

struct pw_layout pw_layout_tx(const struct pw_session_cfg *cfg)
{
	return pw_layout_of(cfg->encap, cfg->cookie.len, cfg->l2spec, cfg->offset);
}

struct pw_layout pw_layout_rx(const struct pw_session_cfg *cfg)
{
	return pw_layout_of(cfg->encap, cfg->peer_cookie.len, cfg->l2spec, cfg->peer_offset);
}

void pw_session_init(struct pw_session *s, const struct pw_session_cfg *cfg)
{
	*s = (struct pw_session){ .cfg = *cfg };
	s->tx = pw_layout_tx(cfg);
	s->rx = pw_layout_rx(cfg);
	/* QEMU and UML send ++counter, so their first number is 1; RFC 4719
	 * numbering starts at 0 like the kernel's ns. */
	s->tx_seq = cfg->l2spec == PW_L2SPEC_COUNTER32 ? 1 : 0;
}
