/* SPDX-License-Identifier: MIT */
/*
 * uml.c: User Mode Linux's vector driver options for transport=l2tpv3
 * (arch/um/drivers/vector_transports.c, vector_user.c), so a `vecN:` line
 * moves to pwire unchanged. Unlike UML, pwire takes session ids of the full
 * 32-bit range (UML's kstrtoint refuses those >= 0x80000000).
 */
#include <string.h>

#include "cli/legacy.h"

static const struct pw_legacy_names uml_names = {
	.opt = "--uml", .who = "UML", .udp_on = "udp=1",
	.ipv6 = "v6", .ipv6_on = "1", .ipv6_off = "0",
	.txsession = "tx_session", .rxsession = "rx_session",
	.txcookie = "tx_cookie", .rxcookie = "rx_cookie",
};

struct uml_opts {
	struct pw_legacy l;
	struct pw_config *c;
};

/* UML reads its switches as integers: any value > 0 is on. */
static bool uml_int_flag(const char *key, const char *val, bool *out, struct pw_err *e)
{
	uint32_t n;

	if (!pw_parse_u32(key, val, 0, UINT32_MAX, &n, e))
		return false;
	*out = n > 0;
	return true;
}

/* The options uml_opt() and pw_legacy_common_key() take: for the hint a
 * mistyped one gets. */
static const char *const uml_keys[] = {
	"transport", "src", "dst", "srcport", "dstport", "udp", "v6", "cookie64", "counter",
	"pin_counter", "tx_session", "rx_session", "tx_cookie", "rx_cookie", "mac", "mtu",
	"depth", "gro", "vec", NULL,
};

static bool uml_opt(void *ctx, const char *key, const char *val, struct pw_err *e)
{
	struct uml_opts *u = ctx;
	struct pw_config *c = u->c;
	const char *near;
	bool ok;

	if (!val) {
		pw_err_set(e, "--uml: %s needs a value (%s=...)", key, key);
		return false;
	}
	if (!strcmp(key, "transport")) {
		if (strcmp(val, "l2tpv3")) {
			pw_err_set(e, "--uml: transport=%s is not l2tpv3", val);
			return false;
		}
		return true;
	}
	if (pw_legacy_common_key(c, &u->l, key, val, &ok, e))
		return ok;
	if (!strcmp(key, "udp"))
		return uml_int_flag(key, val, &u->l.udp, e);
	if (!strcmp(key, "v6"))
		return uml_int_flag(key, val, &u->l.ipv6, e);
	if (!strcmp(key, "cookie64"))
		return uml_int_flag(key, val, &u->l.cookie64, e);
	if (!strcmp(key, "counter"))
		return uml_int_flag(key, val, &u->l.counter, e);
	if (!strcmp(key, "pin_counter"))
		return uml_int_flag(key, val, &u->l.pin_counter, e);
	if (!strcmp(key, "tx_session")) {
		u->l.has_tx = true;
		c->set |= PW_SET_PEER_SESSION;
		return pw_parse_session(key, val, &c->session.peer_session_id, e);
	}
	if (!strcmp(key, "rx_session")) {
		u->l.has_rx = true;
		c->set |= PW_SET_SESSION;
		return pw_parse_session(key, val, &c->session.session_id, e);
	}
	if (!strcmp(key, "tx_cookie"))
		return u->l.txcookie = val, true;
	if (!strcmp(key, "rx_cookie"))
		return u->l.rxcookie = val, true;
	if (!strcmp(key, "mac")) {
		c->tap.has_mac = true;
		return pw_parse_mac(key, val, c->tap.mac, e);
	}
	if (!strcmp(key, "mtu")) {
		c->set |= PW_SET_MTU;
		return pw_parse_mtu(key, val, &c->tap.mtu, e);
	}
	if (!strcmp(key, "depth") || !strcmp(key, "gro") || !strcmp(key, "vec")) {
		pw_err_warn(e, "--uml: %s=%s tunes UML's own queues; pwire ignores it", key, val);
		return true;
	}
	if (!strcmp(key, "rxcookie") || !strcmp(key, "txcookie") || !strcmp(key, "rxsession") ||
	    !strcmp(key, "txsession") || !strcmp(key, "ipv6") || !strcmp(key, "pincounter")) {
		pw_err_set(
		    e,
		    "--uml: unknown option '%s' (that is QEMU's spelling: use --qemu, or UML's "
		    "rx_session/tx_session/rx_cookie/tx_cookie/v6/pin_counter)",
		    key);
		return false;
	}
	near = pw_nearest(key, uml_keys);
	if (near)
		pw_err_set(e, "--uml: unknown option '%s' (did you mean %s?)", key, near);
	else
		pw_err_set(e, "--uml: unknown option '%s'", key);
	return false;
}

bool pw_uml_parse(struct pw_config *c, const char *spec, struct pw_err *e)
{
	struct uml_opts u = { .l = { .names = &uml_names }, .c = c };
	const char *colon = strchr(spec, ':'), *eq = strchr(spec, '=');

	/* Accept a whole `vec0:transport=...` as pasted from a UML command line. */
	if (!strncmp(spec, "vec", 3) && colon && (!eq || colon < eq))
		spec = colon + 1;
	if (!pw_kv_each("--uml", spec, u.l.buf, uml_opt, &u, e))
		return false;
	return pw_legacy_apply(c, &u.l, e);
}
