/* SPDX-License-Identifier: MIT */
/*
 * qemu.c: QEMU's `-netdev l2tpv3` suboptions (qapi/net.json
 * NetdevL2TPv3Options, net/l2tpv3.c), so a link moves from QEMU unchanged.
 * It reproduces what QEMU puts on the wire, quirks included: `cookie64`
 * given at all (even `=off`) selects 64-bit cookies, `counter` is a plain
 * 32-bit counter (l2spec_type counter32), `pincounter` sends it as 0.
 */
#include <string.h>

#include "cli/legacy.h"

static const struct pw_legacy_names qemu_names = {
	.opt = "--qemu", .who = "QEMU", .udp_on = "udp=on",
	.ipv6 = "ipv6", .ipv6_on = "on", .ipv6_off = "off",
	.txsession = "txsession", .rxsession = "rxsession",
	.txcookie = "txcookie", .rxcookie = "rxcookie",
	.rxsession_defaults_to_tx = true,
};

struct qemu_opts {
	struct pw_legacy l;
	struct pw_config *c;
	bool has_cookie64, cookie64_value, pincounter;
};

/* QEMU accepted bare `udp` and `counter` as "on" in its first releases. */
static bool flag(const char *key, const char *val, bool *out, struct pw_err *e)
{
	if (!val)
		return *out = true;
	return pw_parse_bool(key, val, out, e);
}

/* The options qemu_opt() and pw_legacy_common_key() take: for the hint a
 * mistyped one gets. */
static const char *const qemu_keys[] = {
	"src", "dst", "srcport", "dstport", "udp", "ipv6", "cookie64", "counter", "pincounter",
	"txsession", "rxsession", "txcookie", "rxcookie", "offset", "id", NULL,
};

static bool qemu_opt(void *ctx, const char *key, const char *val, struct pw_err *e)
{
	struct qemu_opts *q = ctx;
	struct pw_config *c = q->c;
	const char *near;
	bool ok;

	if (!strcmp(key, "l2tpv3") && !val)
		return true; /* the netdev type, as pasted from -netdev l2tpv3,... */
	if (!strcmp(key, "id"))
		return true; /* QEMU's netdev id: nothing to do with the wire */
	if (!strcmp(key, "udp"))
		return flag(key, val, &q->l.udp, e);
	if (!strcmp(key, "ipv6"))
		return flag(key, val, &q->l.ipv6, e);
	if (!strcmp(key, "cookie64")) {
		q->has_cookie64 = true;
		return flag(key, val, &q->cookie64_value, e);
	}
	if (!strcmp(key, "counter"))
		return flag(key, val, &q->l.counter, e);
	if (!strcmp(key, "pincounter"))
		return flag(key, val, &q->pincounter, e);
	if (!val) {
		pw_err_set(e, "--qemu: %s needs a value (%s=...)", key, key);
		return false;
	}
	if (pw_legacy_common_key(c, &q->l, key, val, &ok, e))
		return ok;
	if (!strcmp(key, "txsession")) {
		q->l.has_tx = true;
		c->set |= PW_SET_PEER_SESSION;
		return pw_parse_session(key, val, &c->session.peer_session_id, e);
	}
	if (!strcmp(key, "rxsession")) {
		q->l.has_rx = true;
		c->set |= PW_SET_SESSION;
		return pw_parse_session(key, val, &c->session.session_id, e);
	}
	if (!strcmp(key, "txcookie"))
		return q->l.txcookie = val, true;
	if (!strcmp(key, "rxcookie"))
		return q->l.rxcookie = val, true;
	if (!strcmp(key, "offset")) {
		uint32_t n;

		if (!pw_parse_u32(key, val, 0, PW_OFFSET_MAX, &n, e))
			return false;
		c->session.offset = c->session.peer_offset = (uint16_t)n;
		return true;
	}
	near = pw_nearest(key, qemu_keys);
	if (near)
		pw_err_set(e, "--qemu: unknown option '%s' (did you mean %s?)", key, near);
	else
		pw_err_set(e, "--qemu: unknown option '%s'", key);
	return false;
}

bool pw_qemu_parse(struct pw_config *c, const char *spec, struct pw_err *e)
{
	struct qemu_opts q = { .l = { .names = &qemu_names }, .c = c };

	/* As pasted from a QEMU command line: "-netdev l2tpv3,id=...". */
	if (spec && !strncmp(spec, "-netdev ", 8))
		spec += 8 + strspn(spec + 8, " ");
	if (!pw_kv_each("--qemu", spec, q.l.buf, qemu_opt, &q, e))
		return false;
	/* QEMU tests `has_cookie64 || cookie64`: given at all means 64 bits. */
	if (q.has_cookie64 && !q.cookie64_value)
		pw_err_warn(e, "--qemu: cookie64=off still selects 64-bit cookies in QEMU "
			       "(it tests whether cookie64 was given); pwire does the same. "
			       "Omit cookie64 for 32-bit cookies");
	q.l.cookie64 = q.has_cookie64;
	if (q.pincounter && !q.l.counter)
		pw_err_warn(e,
			    "--qemu: pincounter=on without counter=on puts no counter on the wire "
			    "in QEMU; pwire does the same. Use counter=on,pincounter=on");
	q.l.pin_counter = q.pincounter;
	return pw_legacy_apply(c, &q.l, e);
}
