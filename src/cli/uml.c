/* SPDX-License-Identifier: MIT */
/*
 * uml.c: User Mode Linux's vector driver options for transport=l2tpv3
 * (arch/um/drivers/vector_transports.c, vector_user.c), so a `vecN:` line
 * moves to pwire unchanged. Unlike UML, pwire takes session ids of the full
 * 32-bit range (UML's kstrtoint refuses those >= 0x80000000).
 */
#include <string.h>

#include "cli/config.h"
#include "cli/parse.h"

struct uml_opts {
	struct pw_config *c;
	char buf[PW_SPEC_MAX]; /* the split list: the pointers below point into it */
	const char *tx_cookie, *rx_cookie, *srcport, *dstport;
	bool udp, v6, cookie64, counter, pin_counter, has_tx, has_rx;
};

/* UML reads its switches as integers: any value > 0 is on. */
static bool uml_int_flag(const char *key, const char *val, bool *out)
{
	uint32_t n;

	if (!pw_parse_u32(key, val, 0, UINT32_MAX, &n))
		return false;
	*out = n > 0;
	return true;
}

static bool uml_opt(void *ctx, const char *key, const char *val)
{
	struct uml_opts *u = ctx;
	struct pw_config *c = u->c;

	if (!val) {
		pw_error("--uml: %s needs a value (%s=...)", key, key);
		return false;
	}
	if (!strcmp(key, "transport")) {
		if (strcmp(val, "l2tpv3")) {
			pw_error("--uml: transport=%s is not l2tpv3", val);
			return false;
		}
		return true;
	}
	if (!strcmp(key, "udp"))
		return uml_int_flag(key, val, &u->udp);
	if (!strcmp(key, "v6"))
		return uml_int_flag(key, val, &u->v6);
	if (!strcmp(key, "cookie64"))
		return uml_int_flag(key, val, &u->cookie64);
	if (!strcmp(key, "counter"))
		return uml_int_flag(key, val, &u->counter);
	if (!strcmp(key, "pin_counter"))
		return uml_int_flag(key, val, &u->pin_counter);
	if (!strcmp(key, "src")) {
		c->set |= PW_SET_LOCAL;
		return pw_parse_addr(key, val, &c->xport.local);
	}
	if (!strcmp(key, "dst")) {
		c->set |= PW_SET_REMOTE;
		return pw_parse_addr(key, val, &c->xport.remote);
	}
	if (!strcmp(key, "srcport"))
		return u->srcport = val, true;
	if (!strcmp(key, "dstport"))
		return u->dstport = val, true;
	if (!strcmp(key, "tx_session")) {
		u->has_tx = true;
		c->set |= PW_SET_PEER_SESSION;
		return pw_parse_session(key, val, &c->session.peer_session_id);
	}
	if (!strcmp(key, "rx_session")) {
		u->has_rx = true;
		c->set |= PW_SET_SESSION;
		return pw_parse_session(key, val, &c->session.session_id);
	}
	if (!strcmp(key, "tx_cookie"))
		return u->tx_cookie = val, true;
	if (!strcmp(key, "rx_cookie"))
		return u->rx_cookie = val, true;
	if (!strcmp(key, "mac")) {
		c->tap.has_mac = true;
		return pw_parse_mac(key, val, c->tap.mac);
	}
	if (!strcmp(key, "mtu")) {
		c->set |= PW_SET_MTU;
		return pw_parse_u32(key, val, 1, 65535, &c->tap.mtu);
	}
	if (!strcmp(key, "depth") || !strcmp(key, "gro") || !strcmp(key, "vec")) {
		pw_warn("--uml: %s=%s tunes UML's own queues; pwire ignores it", key, val);
		return true;
	}
	if (!strcmp(key, "rxcookie") || !strcmp(key, "txcookie") || !strcmp(key, "rxsession") ||
	    !strcmp(key, "txsession") || !strcmp(key, "ipv6") || !strcmp(key, "pincounter")) {
		pw_error("--uml: unknown option '%s' (that is QEMU's spelling: use --qemu, or UML's "
			 "rx_session/tx_session/rx_cookie/tx_cookie/v6/pin_counter)", key);
		return false;
	}
	pw_error("--uml: unknown option '%s'", key);
	return false;
}

bool pw_uml_parse(struct pw_config *c, const char *spec)
{
	struct uml_opts u = { .c = c };
	struct pw_session_cfg *s = &c->session;
	const char *colon = strchr(spec, ':'), *eq = strchr(spec, '=');
	char buf[64];

	/* Accept a whole `vec0:transport=...` as pasted from a UML command line. */
	if (!strncmp(spec, "vec", 3) && colon && (!eq || colon < eq))
		spec = colon + 1;
	if (!pw_kv_each("--uml", spec, u.buf, uml_opt, &u))
		return false;
	if (!(c->set & PW_SET_LOCAL) || !(c->set & PW_SET_REMOTE)) {
		pw_error("--uml: missing %s", c->set & PW_SET_LOCAL ? "dst" : "src");
		return false;
	}
	if (!u.has_tx || !u.has_rx) {
		pw_error("--uml: missing %s (UML requires rx_session and tx_session)",
			 u.has_tx ? "rx_session" : "tx_session");
		return false;
	}
	if ((c->xport.local.ss_family == AF_INET6) != u.v6 ||
	    (c->xport.remote.ss_family == AF_INET6) != u.v6) {
		const struct sockaddr_storage *bad =
			(c->xport.local.ss_family == AF_INET6) != u.v6 ? &c->xport.local :
									  &c->xport.remote;
		pw_error("--uml: %s is an IPv%c address but v6=%d",
			 pw_addr_str(bad, buf, sizeof(buf)), u.v6 ? '4' : '6', u.v6);
		return false;
	}

	s->encap = u.udp ? PW_ENCAP_UDP : PW_ENCAP_IP;
	c->set |= PW_SET_ENCAP;
	if (u.udp) {
		if (!u.srcport || !u.dstport) {
			pw_error("--uml: missing %s (needed with udp=1)",
				 u.srcport ? "dstport" : "srcport");
			return false;
		}
		if (!pw_parse_port("srcport", u.srcport, &c->sport) ||
		    !pw_parse_port("dstport", u.dstport, &c->dport))
			return false;
		c->set |= PW_SET_SPORT | PW_SET_DPORT;
	}
	if (!u.tx_cookie != !u.rx_cookie) {
		pw_error("--uml: %s given without %s (UML requires both or neither)",
			 u.tx_cookie ? "tx_cookie" : "rx_cookie",
			 u.tx_cookie ? "rx_cookie" : "tx_cookie");
		return false;
	}
	if (u.tx_cookie) {
		unsigned len = u.cookie64 ? 8 : 4;

		if (!pw_parse_cookie_int("tx_cookie", u.tx_cookie, len, &s->cookie) ||
		    !pw_parse_cookie_int("rx_cookie", u.rx_cookie, len, &s->peer_cookie))
			return false;
		c->set |= PW_SET_COOKIE | PW_SET_PEER_COOKIE;
	}
	/* UML honours pin_counter only together with counter. */
	s->l2spec = u.counter ? PW_L2SPEC_COUNTER32 : PW_L2SPEC_NONE;
	s->seq = u.counter && !u.pin_counter ? PW_SEQ_SEND : PW_SEQ_NONE;
	c->set |= PW_SET_L2SPEC | PW_SET_SEQ;
	return true;
}
