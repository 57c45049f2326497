/* SPDX-License-Identifier: MIT */
/*
 * legacy.c: the checks and the mapping QEMU's and UML's option lists share
 * (see legacy.h). Messages use the words of the program the list came from.
 */
#include <string.h>

#include "cli/legacy.h"

bool pw_legacy_common_key(struct pw_config *c, struct pw_legacy *l, const char *key,
			  const char *val, bool *ok, struct pw_err *e)
{
	if (!strcmp(key, "src")) {
		c->set |= PW_SET_LOCAL;
		*ok = pw_parse_addr(key, val, &c->xport.local, e);
	} else if (!strcmp(key, "dst")) {
		c->set |= PW_SET_REMOTE;
		*ok = pw_parse_addr(key, val, &c->xport.remote, e);
	} else if (!strcmp(key, "srcport")) {
		l->srcport = val;
		*ok = true;
	} else if (!strcmp(key, "dstport")) {
		l->dstport = val;
		*ok = true;
	} else {
		return false;
	}
	return true;
}

static bool family_matches(const struct pw_legacy *l, const char *key,
			   const struct sockaddr_storage *ss, struct pw_err *e)
{
	const struct pw_legacy_names *n = l->names;
	char buf[64];

	if ((ss->ss_family == AF_INET6) == l->ipv6)
		return true;
	pw_err_set(e, "%s: %s=%s is an IPv%c address but %s=%s", n->opt, key,
		   pw_xport_addr_str(ss, buf, sizeof(buf)), l->ipv6 ? '4' : '6', n->ipv6,
		   l->ipv6 ? n->ipv6_on : n->ipv6_off);
	return false;
}

bool pw_legacy_apply(struct pw_config *c, const struct pw_legacy *l, struct pw_err *e)
{
	const struct pw_legacy_names *n = l->names;
	struct pw_session_cfg *s = &c->session;
	unsigned cookie_len = l->cookie64 ? 8 : 4;

	if (!(c->set & PW_SET_LOCAL) || !(c->set & PW_SET_REMOTE)) {
		pw_err_set(e, "%s: missing %s (%s requires src and dst)", n->opt,
			   c->set & PW_SET_LOCAL ? "dst" : "src", n->who);
		return false;
	}
	if (!family_matches(l, "src", &c->xport.local, e) ||
	    !family_matches(l, "dst", &c->xport.remote, e))
		return false;
	if (!l->has_tx || (!l->has_rx && !n->rxsession_defaults_to_tx)) {
		pw_err_set(e, "%s: missing %s (%s requires it)", n->opt,
			   l->has_tx ? n->rxsession : n->txsession, n->who);
		return false;
	}
	if (!l->has_rx) {
		s->session_id = s->peer_session_id;
		c->set |= PW_SET_SESSION;
	}

	s->encap = l->udp ? PW_ENCAP_UDP : PW_ENCAP_IP;
	c->set |= PW_SET_ENCAP;
	if (l->udp) {
		if (!l->srcport || !l->dstport) {
			pw_err_set(e, "%s: missing %s (%s requires srcport and dstport with %s)",
				   n->opt, l->srcport ? "dstport" : "srcport", n->who, n->udp_on);
			return false;
		}
		if (!pw_parse_port("srcport", l->srcport, &c->sport, e) ||
		    !pw_parse_port("dstport", l->dstport, &c->dport, e))
			return false;
		c->set |= PW_SET_SPORT | PW_SET_DPORT;
	} else if (l->srcport || l->dstport) {
		pw_err_warn(e, "%s: srcport/dstport are ignored without %s, as %s ignores them",
			    n->opt, n->udp_on, n->who);
	}

	if (!l->txcookie != !l->rxcookie) {
		pw_err_set(e, "%s: %s given without %s (%s requires both or neither)", n->opt,
			   l->txcookie ? n->txcookie : n->rxcookie,
			   l->txcookie ? n->rxcookie : n->txcookie, n->who);
		return false;
	}
	if (l->txcookie && (c->cookie_file[0] || c->peer_cookie_file[0])) {
		pw_err_set(e, "%s: %s and %s given, and %s too (give each cookie one way)", n->opt,
			   n->txcookie, n->rxcookie,
			   c->cookie_file[0] ? "cookie_file" : "peer_cookie_file");
		return false;
	}
	if (l->txcookie) {
		if (!pw_parse_cookie_int(n->txcookie, l->txcookie, cookie_len, &s->cookie, e) ||
		    !pw_parse_cookie_int(n->rxcookie, l->rxcookie, cookie_len, &s->peer_cookie, e))
			return false;
		c->set |= PW_SET_COOKIE | PW_SET_PEER_COOKIE;
	}

	/* Both send a plain 32-bit counter; pinned, it is always 0. */
	s->l2spec = l->counter ? PW_L2SPEC_COUNTER32 : PW_L2SPEC_NONE;
	s->seq = l->counter && !l->pin_counter ? PW_SEQ_SEND : PW_SEQ_NONE;
	c->set |= PW_SET_L2SPEC | PW_SET_SEQ;
	return true;
}
