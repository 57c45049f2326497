/* SPDX-License-Identifier: MIT */
/*
 * config.c: defaults, `peer` presets and the final consistency check of a
 * pseudowire's configuration, run after every spelling was parsed and before
 * anything is created.
 */
#include <arpa/inet.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>

#include "cli/config.h"
#include "cli/parse.h"
#include "xport/route.h"

enum {
	PW_UNDERLAY_MTU = 1500, /* the largest underlay a default MTU leaves room in */
	PW_MTU_MIN = 68,        /* RFC 791: every IPv4 host must take this */
	PW_BURST = 64,
};

struct preset {
	const char *name;
	enum pw_encap encap;
	enum pw_l2spec l2spec;
	const char *help;
};

static const struct preset presets[] = {
	[PW_PEER_LINUX] = { "linux", PW_ENCAP_UDP, PW_L2SPEC_DEFAULT,
			    "encap udp, l2spec_type default (ip l2tp's defaults)" },
	[PW_PEER_QEMU] = { "qemu", PW_ENCAP_UDP, PW_L2SPEC_NONE,
			   "encap udp, l2spec_type none (QEMU -netdev l2tpv3 without counter=on)" },
	[PW_PEER_UML] = { "uml", PW_ENCAP_UDP, PW_L2SPEC_NONE,
			  "encap udp, l2spec_type none (UML transport=l2tpv3 without counter=1)" },
	[PW_PEER_CISCO] = { "cisco", PW_ENCAP_IP, PW_L2SPEC_NONE,
			    "encap ip, l2spec_type none (IOS static L2TPv3 without sequencing)" },
};

void pw_config_init(struct pw_config *c)
{
	memset(c, 0, sizeof(*c));
	c->session.encap = PW_ENCAP_UDP;
	c->session.l2spec = PW_L2SPEC_DEFAULT;
	c->session.seq = PW_SEQ_NONE;
	c->xport.burst = PW_BURST;
	c->tap.queues = 1;
	c->tap.steer_prog = c->xport.steer_prog = -1;
	c->fastpath = PW_FASTPATH_AUTO;
}

void pw_presets_help(FILE *f)
{
	for (unsigned i = PW_PEER_LINUX; i <= PW_PEER_CISCO; i++)
		fprintf(f, "%28s%-6s %s\n", "", presets[i].name, presets[i].help);
}

static uint64_t fnv1a(uint64_t h, const void *p, size_t n)
{
	for (size_t k = 0; k < n; k++)
		h = (h ^ ((const uint8_t *)p)[k]) * 0x100000001b3ull;
	return h;
}

/* A MAC that stays the same across restarts (a far side's ARP entry for it
 * stays right: a random one cost a 20-40 s outage at every restart), as
 * systemd-networkd's MACAddressPolicy=persistent: a hash of this host's
 * machine-id, the device name, the session ids and the local address,
 * locally administered and unicast. */
static void stable_mac(const struct pw_config *c, uint8_t mac[static 6])
{
	uint64_t h = 0xcbf29ce484222325ull;
	char id[64] = "";
	FILE *f = fopen("/etc/machine-id", "re");
	const struct sockaddr_storage *l = &c->xport.local;
	const uint8_t *addr = l->ss_family == AF_INET6 ?
				      (const uint8_t *)&((const struct sockaddr_in6 *)l)->sin6_addr :
				      (const uint8_t *)&((const struct sockaddr_in *)l)->sin_addr;
	size_t alen = l->ss_family == AF_INET6 ? 16 : 4;
	uint32_t ids[2] = { c->session.session_id, c->session.peer_session_id };

	if (f) {
		if (!fgets(id, sizeof(id), f))
			id[0] = '\0';
		fclose(f);
	}
	h = fnv1a(h, id, strlen(id));
	h = fnv1a(h, c->tap.name, strlen(c->tap.name) + 1);
	h = fnv1a(h, ids, sizeof(ids));
	h = fnv1a(h, addr, alen);
	h ^= h >> 33; /* murmur3's finalizer: every input byte moves every output byte */
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	for (int i = 0; i < 6; i++)
		mac[i] = (uint8_t)(h >> (8 * i));
	mac[0] = (uint8_t)((mac[0] & 0xfe) | 0x02);
}

/* The MTU the TAP runs with, found when the pseudowire opens (it needs the
 * routing table and the device, which the parsers and `pwired -n` never
 * look at): `mtu` as given; else an existing TAP's own (its
 * administrator's); else what fits the route to remote, as wg-quick sizes
 * its device: the route's MTU less the encapsulation, at most what a
 * 1500-byte underlay leaves (a jumbo or loopback path makes no bigger
 * default than before); else, with no route, the 1500-byte one, said.
 * An MTU whose outer packets would not fit the route is said too. */
static unsigned mtu_in_use(const struct pw_config *c, struct pw_err *e)
{
	unsigned overhead = pw_config_overhead(c), have = pw_tap_mtu(c->tap.name), path = 0, mtu;
	char dev[IFNAMSIZ], a[64], via[IFNAMSIZ + 8] = "", fits[24] = "";
	int err = pw_route_mtu(&c->xport.remote, &c->xport.local, &path, dev);

	pw_xport_addr_str(&c->xport.remote, a, sizeof(a));
	if (c->set & PW_SET_MTU) {
		mtu = c->tap.mtu;
	} else if (have) {
		mtu = have;
	} else if (err) {
		pw_err_warn(e, "%s: cannot find the route to %s (%s): mtu %u assumes a %u-byte "
			    "underlay", c->shown, a, strerror(-err), c->tap.mtu,
			    (unsigned)PW_UNDERLAY_MTU);
		return c->tap.mtu;
	} else {
		mtu = path < PW_UNDERLAY_MTU ? path : PW_UNDERLAY_MTU;
		mtu = mtu >= overhead + PW_MTU_MIN ? mtu - overhead : PW_MTU_MIN;
	}
	if (!err && mtu + overhead > path) {
		if (dev[0])
			snprintf(via, sizeof(via), " (dev %s)", dev);
		if (path >= overhead + PW_MTU_MIN)
			snprintf(fits, sizeof(fits), " (mtu %u fits)", path - overhead);
		pw_err_warn(e, "%s: mtu %u%s makes outer packets of up to %u bytes, but the route "
			    "to %s%s takes %u: they would be fragmented%s",
			    c->shown, mtu, c->set & PW_SET_MTU ? "" : " (the device's own)",
			    mtu + overhead, a, via, path, fits);
	}
	return mtu;
}

struct pw_link_cfg pw_config_link_cfg(const struct pw_config *c, struct pw_err *e)
{
	struct pw_link_cfg lc = {
		.session = c->session,
		.tap = c->tap,
		.xport = c->xport,
		.busy_poll_us = c->busy_poll_us,
		.has_impair = c->has_impair,
		.impair = c->impair,
	};

	snprintf(lc.vhost_path, sizeof(lc.vhost_path), "%s", c->vhost_path);
	lc.vhost_client = c->vhost_client;

	lc.tap.mtu = mtu_in_use(c, e);

	/* Only for a device pwire makes: an administrator's TAP keeps its own. */
	if (!lc.tap.has_mac && !c->mac_random && !if_nametoindex(c->tap.name)) {
		stable_mac(c, lc.tap.mac);
		lc.tap.has_mac = true;
	}
	return lc;
}

unsigned pw_config_overhead(const struct pw_config *c)
{
	struct pw_layout tx = pw_layout_tx(&c->session);
	unsigned ip = c->xport.family == AF_INET6 ? PW_IPV6_HLEN : PW_IPV4_HLEN_MIN;
	unsigned udp = c->session.encap == PW_ENCAP_UDP ? PW_UDP_HLEN : 0;

	return ip + udp + tx.len + PW_ETH_HLEN;
}

/* Every required word that is missing, named in one line ("missing
 * remote, session_id and udp_dport"): a user fixes them in one go. */
static bool require_all(const struct pw_config *c, struct pw_err *e)
{
	static const struct {
		unsigned bit;
		const char *word;
		bool udp; /* required with encap udp only */
	} req[] = {
		{ PW_SET_REMOTE, "remote", false },
		{ PW_SET_SESSION, "session_id", false },
		{ PW_SET_PEER_SESSION, "peer_session_id", false },
		{ PW_SET_SPORT, "udp_sport", true },
		{ PW_SET_DPORT, "udp_dport", true },
	};
	const char *missing[sizeof(req) / sizeof(req[0])];
	char line[128];
	size_t n = 0, at = 0;

	for (size_t k = 0; k < sizeof(req) / sizeof(req[0]); k++)
		if (!(c->set & req[k].bit) && (!req[k].udp || c->session.encap == PW_ENCAP_UDP))
			missing[n++] = req[k].word;
	if (!n)
		return true;
	for (size_t k = 0; k < n; k++)
		at += (size_t)snprintf(line + at, sizeof(line) - at, "%s%s",
				       !k ? "" : k + 1 < n ? ", " : " and ", missing[k]);
	pw_err_set(e, "missing %s", line);
	return false;
}

static bool is_loopback(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET)
		return (ntohl(((const struct sockaddr_in *)ss)->sin_addr.s_addr) >> 24) == 127;
	return IN6_IS_ADDR_LOOPBACK(&((const struct sockaddr_in6 *)ss)->sin6_addr);
}

bool pw_config_unprotected(const struct pw_config *c)
{
	return !is_loopback(&c->xport.remote) && c->session.peer_cookie.len != 8;
}

bool pw_config_finish(struct pw_config *c, struct pw_err *e)
{
	struct pw_session_cfg *s = &c->session;
	unsigned overhead;
	char a[64], b[64];

	if (c->peer != PW_PEER_NONE) {
		if (!(c->set & PW_SET_ENCAP))
			s->encap = presets[c->peer].encap;
		if (!(c->set & PW_SET_L2SPEC))
			s->l2spec = presets[c->peer].l2spec;
	}
	if (!require_all(c, e))
		return false;
	if (s->encap == PW_ENCAP_IP && (c->set & (PW_SET_SPORT | PW_SET_DPORT))) {
		pw_err_set(e,
			   "udp_sport and udp_dport need encap udp (this pseudowire is encap ip)");
		return false;
	}

	c->xport.family = c->xport.remote.ss_family;
	if (!(c->set & PW_SET_LOCAL)) {
		memset(&c->xport.local, 0, sizeof(c->xport.local));
		c->xport.local.ss_family = c->xport.family; /* any address */
	} else if (c->xport.local.ss_family != c->xport.family) {
		pw_err_set(e, "local %s and remote %s are not of one address family",
			   pw_xport_addr_str(&c->xport.local, a, sizeof(a)),
			   pw_xport_addr_str(&c->xport.remote, b, sizeof(b)));
		return false;
	}
	c->xport.encap = s->encap;
	pw_addr_set_port(&c->xport.local, s->encap == PW_ENCAP_UDP ? c->sport : 0);
	pw_addr_set_port(&c->xport.remote, s->encap == PW_ENCAP_UDP ? c->dport : 0);

	if ((s->seq & PW_SEQ_RECV || s->seq & PW_SEQ_SEND) && s->l2spec == PW_L2SPEC_NONE) {
		pw_err_set(e,
			   "seq %s needs a sublayer to carry the numbers: l2spec_type default or "
			   "counter32",
			   pw_seq_name(s->seq));
		return false;
	}

	/* Each queue numbers on its own and receives flows the others do not
	 * see: one sequence space cannot be kept in order across them. */
	if (c->tap.queues > 1 && s->seq != PW_SEQ_NONE) {
		pw_err_set(e,
			   "queues %u needs seq none: one sequence space cannot be numbered and "
			   "checked in order across queues",
			   c->tap.queues);
		return false;
	}
	if (c->tap.queues > 1 && s->encap != PW_ENCAP_UDP) {
		pw_err_set(e,
			   "queues %u needs encap udp: the queues share the UDP port and the "
			   "kernel steers datagrams to them by the inner flow",
			   c->tap.queues);
		return false;
	}
	c->xport.queues = c->tap.queues;
	/* What only a TAP has. */
	if (c->vhost_path[0] && (c->tap.has_mac || c->mac_random || c->tap.io_uring)) {
		pw_err_set(e, "%s: %s", c->shown,
			   c->tap.io_uring ? "io_uring: a vhost-user vNIC writes no TAP" :
					     "mac: the guest's MAC is QEMU's "
					     "(-device virtio-net-pci,mac=...)");
		return false;
	}

	overhead = pw_config_overhead(c);
	if (!(c->set & PW_SET_MTU)) {
		c->tap.mtu = PW_UNDERLAY_MTU - overhead;
	} else if (c->tap.mtu < PW_MTU_MIN || c->tap.mtu > 65535 - overhead) {
		pw_err_set(e, "mtu %u is out of range (%u..%u: 65535 less %u bytes of encapsulation)",
			   c->tap.mtu, (unsigned)PW_MTU_MIN, 65535 - overhead, overhead);
		return false;
	}
	return true;
}

const char *pw_l2spec_name(enum pw_l2spec l)
{
	return l == PW_L2SPEC_NONE ? "none" : l == PW_L2SPEC_DEFAULT ? "default" : "counter32";
}

const char *pw_seq_name(unsigned seq)
{
	static const char *const names[] = { "none", "send", "recv", "both" };

	return names[seq & PW_SEQ_BOTH];
}

/* ADDR:PORT (UDP), ADDR (IP), "any" for the unspecified address. */
static const char *endpoint(const struct sockaddr_storage *ss, bool udp, char *buf, size_t len)
{
	static const struct in6_addr any6 = IN6ADDR_ANY_INIT;
	const struct sockaddr_in *v4 = (const void *)ss;
	const struct sockaddr_in6 *v6 = (const void *)ss;
	bool any = ss->ss_family == AF_INET ? v4->sin_addr.s_addr == 0 :
					      !memcmp(&v6->sin6_addr, &any6, sizeof(any6));
	char a[64];

	if (any)
		snprintf(a, sizeof(a), "any");
	else if (ss->ss_family == AF_INET6 && udp)
		snprintf(a, sizeof(a), "[%s]", pw_xport_addr_str(ss, buf, (unsigned)len));
	else
		pw_xport_addr_str(ss, a, sizeof(a));
	if (udp)
		snprintf(buf, len, "%s:%u", a, ntohs(v4->sin_port));
	else
		snprintf(buf, len, "%s", a);
	return buf;
}

void pw_config_layout(const struct pw_config *c, unsigned mtu, char *buf, size_t len)
{
	const struct pw_session_cfg *s = &c->session;
	bool udp = s->encap == PW_ENCAP_UDP;
	char l[80], r[80];

	snprintf(buf, len,
		 "encap %s %s -> %s, session_id %u peer_session_id %u, cookie %u bytes out %u in, "
		 "l2spec_type %s, seq %s, mtu %u",
		 udp ? "udp" : "ip", endpoint(&c->xport.local, udp, l, sizeof(l)),
		 endpoint(&c->xport.remote, udp, r, sizeof(r)), s->session_id, s->peer_session_id,
		 s->cookie.len, s->peer_cookie.len, pw_l2spec_name(s->l2spec), pw_seq_name(s->seq),
		 mtu);
}
