/* SPDX-License-Identifier: MIT */
/*
 * qemu.c: QEMU's `-netdev l2tpv3` suboptions (qapi/net.json
 * NetdevL2TPv3Options, net/l2tpv3.c), so a link moves from QEMU unchanged.
 * It reproduces what QEMU puts on the wire, quirks included: `cookie64`
 * given at all (even `=off`) selects 64-bit cookies, `counter` is a plain
 * 32-bit counter (l2spec_type counter32), `pincounter` sends it as 0.
 */
#include <string.h>

#include "cli/config.h"
#include "cli/parse.h"

struct qemu_opts {
	struct pw_config *c;
	char buf[PW_SPEC_MAX]; /* the split list: the pointers below point into it */
	const char *txcookie, *rxcookie, *srcport, *dstport;
	bool has_udp, udp, has_ipv6, ipv6, has_cookie64, cookie64, counter, pincounter;
	bool has_txsession, has_rxsession;
};

/* QEMU accepted bare `udp` and `counter` as "on" in its first releases. */
static bool flag(const char *key, const char *val, bool *has, bool *out)
{
	if (has)
		*has = true;
	if (!val) {
		*out = true;
		return true;
	}
	return pw_parse_bool(key, val, out);
}

static bool qemu_opt(void *ctx, const char *key, const char *val)
{
	struct qemu_opts *q = ctx;
	struct pw_config *c = q->c;

	if (!strcmp(key, "l2tpv3") && !val)
		return true; /* the netdev type, as pasted from -netdev l2tpv3,... */
	if (!strcmp(key, "id"))
		return true; /* QEMU's netdev id: nothing to do with the wire */
	if (!strcmp(key, "udp"))
		return flag(key, val, &q->has_udp, &q->udp);
	if (!strcmp(key, "ipv6"))
		return flag(key, val, &q->has_ipv6, &q->ipv6);
	if (!strcmp(key, "cookie64"))
		return flag(key, val, &q->has_cookie64, &q->cookie64);
	if (!strcmp(key, "counter"))
		return flag(key, val, NULL, &q->counter);
	if (!strcmp(key, "pincounter"))
		return flag(key, val, NULL, &q->pincounter);
	if (!val) {
		pw_error("--qemu: %s needs a value (%s=...)", key, key);
		return false;
	}
	if (!strcmp(key, "src")) {
		c->set |= PW_SET_LOCAL;
		return pw_parse_addr(key, val, &c->xport.local);
	}
	if (!strcmp(key, "dst")) {
		c->set |= PW_SET_REMOTE;
		return pw_parse_addr(key, val, &c->xport.remote);
	}
	if (!strcmp(key, "srcport"))
		return q->srcport = val, true;
	if (!strcmp(key, "dstport"))
		return q->dstport = val, true;
	if (!strcmp(key, "txsession")) {
		q->has_txsession = true;
		c->set |= PW_SET_PEER_SESSION;
		return pw_parse_session(key, val, &c->session.peer_session_id);
	}
	if (!strcmp(key, "rxsession")) {
		q->has_rxsession = true;
		c->set |= PW_SET_SESSION;
		return pw_parse_session(key, val, &c->session.session_id);
	}
	if (!strcmp(key, "txcookie"))
		return q->txcookie = val, true;
	if (!strcmp(key, "rxcookie"))
		return q->rxcookie = val, true;
	if (!strcmp(key, "offset")) {
		uint32_t n;

		if (!pw_parse_u32(key, val, 0, PW_OFFSET_MAX, &n))
			return false;
		c->session.offset = c->session.peer_offset = (uint16_t)n;
		return true;
	}
	pw_error("--qemu: unknown option '%s'", key);
	return false;
}

static bool family_matches(const char *key, const struct sockaddr_storage *ss, bool ipv6)
{
	char buf[64];

	if ((ss->ss_family == AF_INET6) == ipv6)
		return true;
	pw_error("--qemu: %s=%s is an IPv%c address but ipv6=%s", key,
		 pw_addr_str(ss, buf, sizeof(buf)), ipv6 ? '4' : '6', ipv6 ? "on" : "off");
	return false;
}

bool pw_qemu_parse(struct pw_config *c, const char *spec)
{
	struct qemu_opts q = { .c = c };
	struct pw_session_cfg *s = &c->session;
	unsigned cookie_len;

	if (!pw_kv_each("--qemu", spec, q.buf, qemu_opt, &q))
		return false;
	if (!(c->set & PW_SET_LOCAL) || !(c->set & PW_SET_REMOTE)) {
		pw_error("--qemu: missing %s (QEMU requires src and dst)",
			 c->set & PW_SET_LOCAL ? "dst" : "src");
		return false;
	}
	if (!family_matches("src", &c->xport.local, q.ipv6) ||
	    !family_matches("dst", &c->xport.remote, q.ipv6))
		return false;
	if (!q.has_txsession) {
		pw_error("--qemu: missing txsession (QEMU requires it)");
		return false;
	}
	if (!q.has_rxsession) { /* QEMU: rxsession defaults to txsession */
		s->session_id = s->peer_session_id;
		c->set |= PW_SET_SESSION;
	}

	s->encap = q.udp ? PW_ENCAP_UDP : PW_ENCAP_IP;
	c->set |= PW_SET_ENCAP;
	if (q.udp) {
		if (!q.srcport || !q.dstport) {
			pw_error("--qemu: missing %s (QEMU requires srcport and dstport with udp=on)",
				 q.srcport ? "dstport" : "srcport");
			return false;
		}
		if (!pw_parse_port("srcport", q.srcport, &c->sport) ||
		    !pw_parse_port("dstport", q.dstport, &c->dport))
			return false;
		c->set |= PW_SET_SPORT | PW_SET_DPORT;
	} else if (q.srcport || q.dstport) {
		pw_warn("--qemu: srcport/dstport are ignored without udp=on, as QEMU ignores them");
	}

	if (!q.txcookie != !q.rxcookie) {
		pw_error("--qemu: %s given without %s (QEMU requires both or neither)",
			 q.txcookie ? "txcookie" : "rxcookie", q.txcookie ? "rxcookie" : "txcookie");
		return false;
	}
	if (q.has_cookie64 && !q.cookie64)
		pw_warn("--qemu: cookie64=off still selects 64-bit cookies in QEMU "
			"(it tests whether cookie64 was given); pwire does the same. "
			"Omit cookie64 for 32-bit cookies");
	cookie_len = q.has_cookie64 ? 8 : 4;
	if (q.txcookie) {
		if (!pw_parse_cookie_int("txcookie", q.txcookie, cookie_len, &s->cookie) ||
		    !pw_parse_cookie_int("rxcookie", q.rxcookie, cookie_len, &s->peer_cookie))
			return false;
		c->set |= PW_SET_COOKIE | PW_SET_PEER_COOKIE;
	}

	if (q.pincounter && !q.counter)
		pw_warn("--qemu: pincounter=on without counter=on puts no counter on the wire "
			"in QEMU; pwire does the same. Use counter=on,pincounter=on");
	s->l2spec = q.counter ? PW_L2SPEC_COUNTER32 : PW_L2SPEC_NONE;
	s->seq = q.counter && !q.pincounter ? PW_SEQ_SEND : PW_SEQ_NONE;
	c->set |= PW_SET_L2SPEC | PW_SET_SEQ;
	return true;
}
