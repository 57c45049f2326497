/* SPDX-License-Identifier: MIT */
/*
 * sockrx.c: the socket transport's receive side (xport/socket.c) on what
 * recvmmsg could hand it, without a socket: the per-datagram work (the
 * source reported with each datagram, MSG_TRUNC, the IPv4 header of raw
 * sockets, the length limit) and the UDP GRO split with its size message,
 * driven with crafted source addresses, lengths, flags and control messages.
 *
 * Input: [kind][burst], then messages as [source][flags][len:2][size:2]
 * [bytes]. kind: bits 0-1 udp4/udp6/ip4/ip6, bit 2 UDP GRO (udp only),
 * bits 3-4 datagram_max none/100/1500/9000. source: bits 0-2 an address of
 * the family/another address/another port/another family/no family; bits 3-4
 * (GRO) no control message/UDP_GRO with size/UDP_GRO cut short/another one.
 * flags bit 0: MSG_TRUNC. Missing bytes of a message are left as they were.
 *
 * Every datagram is either handed out (from where it landed, within it, in
 * order, marked truncated exactly when it must be, with its message's source:
 * family, address and, over UDP only, port) or moves exactly one counter
 * (the transport judges no source: rx_bad_source is the gate's); a GRO
 * message yields exactly its datagrams, no more.
 */
#include "xport/socket.c"

#include "fuzz.h"

enum { CAP = 9100, KINDS = 32 };

static struct sock_xport *xs[KINDS];
static struct pw_tunnel_stats stats;
static struct pw_pkt pool[64], *pkts[64];

struct msg_in {
	bool trunc;
	uint32_t len, size; /* size: the GRO datagram size pwire must use */
	struct pw_addr from; /* the source its datagrams must carry */
};

static struct sockaddr_storage base4, base6;
static bool v6_now; /* the transport's family: its peers' usual one */

static struct sock_xport *get(unsigned kind)
{
	static const uint32_t dmax[] = { 0, 100, 1500, 9000 };
	struct pw_xport_cfg cfg = { .burst = 64, .datagram_max = dmax[(kind >> 3) & 3] };
	bool v6 = kind & 1, gro = !(kind & 2) && (kind & 4);

	kind = (kind & 0x1b) | (gro ? 4 : 0);
	if (xs[kind])
		return xs[kind];
	cfg.encap = kind & 2 ? PW_ENCAP_IP : PW_ENCAP_UDP;
	cfg.family = v6 ? AF_INET6 : AF_INET;
	xs[kind] = sock_new(&cfg, &stats, gro);
	FUZZ_CHECK(xs[kind]);
	return xs[kind];
}

/* The source a message came from, into *name; returns the peer the
 * transport must report for it (worked out here from the bytes, not by
 * pw_xport_peer): over IP never a port. */
static struct pw_addr source(const struct sock_xport *sx, unsigned sel,
			     struct sockaddr_storage *name)
{
	struct pw_addr want = { 0 };

	if (!base4.ss_family) {
		struct sockaddr_in *a = (void *)&base4;
		struct sockaddr_in6 *b = (void *)&base6;

		a->sin_family = AF_INET;
		a->sin_port = htons(1702);
		a->sin_addr.s_addr = htonl(0x0a000002);
		b->sin6_family = AF_INET6;
		b->sin6_port = htons(1702);
		b->sin6_flowinfo = htonl(0x12345); /* set by the kernel; no part of a peer */
		b->sin6_addr.s6_addr[0] = 0xfd;
		b->sin6_addr.s6_addr[15] = 2;
	}
	*name = v6_now ? base6 : base4;
	switch (sel % 5) {
	case 1:
		if (name->ss_family == AF_INET)
			((struct sockaddr_in *)name)->sin_addr.s_addr ^= htonl(1);
		else
			((struct sockaddr_in6 *)name)->sin6_addr.s6_addr[15] ^= 1;
		break;
	case 2:
		if (name->ss_family == AF_INET)
			((struct sockaddr_in *)name)->sin_port ^= htons(1);
		else
			((struct sockaddr_in6 *)name)->sin6_port ^= htons(1);
		break;
	case 3:
		name->ss_family = name->ss_family == AF_INET ? AF_INET6 : AF_INET;
		break;
	case 4:
		name->ss_family = AF_UNSPEC;
		break;
	}
	if (name->ss_family == AF_INET) {
		const struct sockaddr_in *a = (const void *)name;

		want.family = AF_INET;
		want.port = sx->udp ? a->sin_port : 0;
		memcpy(want.addr, &a->sin_addr, 4);
	} else if (name->ss_family == AF_INET6) {
		const struct sockaddr_in6 *b = (const void *)name;

		want.family = AF_INET6;
		want.port = sx->udp ? b->sin6_port : 0;
		memcpy(want.addr, &b->sin6_addr, 16);
	}
	return want;
}

static bool too_long_want(const struct sock_xport *sx, uint32_t len)
{
	return sx->datagram_max && len > sx->datagram_max;
}

static void plain(struct sock_xport *sx, const uint8_t *data, size_t size)
{
	struct msg_in in[64];
	unsigned got = 0, kept, k = 0;
	uint64_t shorts = 0;

	while (got < 64 && size >= 6) {
		struct pw_pkt *p = pkts[got];
		uint32_t len = (uint32_t)(data[2] << 8 | data[3]), have;

		if (len > CAP)
			len = CAP;
		in[got] = (struct msg_in){ .from = source(sx, data[0] & 7, &sx->rx_names[got]),
					   .trunc = data[1] & 1,
					   .len = len };
		sx->rx_msgs[got].msg_len = len;
		sx->rx_msgs[got].msg_hdr.msg_flags = in[got].trunc ? MSG_TRUNC : 0;
		data += 6, size -= 6;
		have = len < size ? len : (uint32_t)size;
		memcpy(p->buf, data, have);
		data += have, size -= have;
		p->data = NULL, p->len = 0;
		memset(&p->peer, 0xee, sizeof(p->peer)); /* a stale source */
		got++;
	}
	kept = rx_sort(sx, pkts, got);
	FUZZ_CHECK(kept <= got);
	for (unsigned i = 0; i < got; i++) {
		const struct pw_pkt *p;
		uint32_t off = 0, len = in[i].len;

		if (!in[i].trunc && sx->raw_v4) {
			off = len >= 20 ? (pool[i].buf[0] & 15) * 4u : 0;
			if (off < 20 || off > len) {
				shorts++;
				continue;
			}
		}
		FUZZ_CHECK(k < kept);
		p = pkts[k++];
		FUZZ_CHECK(p == &pool[i]); /* in order, from its own buffer */
		FUZZ_CHECK(p->data == p->buf + off);
		FUZZ_CHECK(p->len == (in[i].trunc ? 0 : len - off));
		FUZZ_CHECK(p->truncated == (in[i].trunc || too_long_want(sx, p->len)));
		FUZZ_CHECK(pw_addr_eq(&p->peer, &in[i].from));
	}
	FUZZ_CHECK(k == kept);
	FUZZ_CHECK(stats.rx_bad_source == 0 && stats.rx_short == shorts);
	FUZZ_CHECK(kept + shorts == got);
}

static void gro(struct sock_xport *sx, unsigned burst, const uint8_t *data, size_t size)
{
	struct msg_in in[PW_GRO_MSGS];
	unsigned got = 0, m = 0;
	uint32_t at = 0, rounds = 0;
	uint64_t shorts = 0, out = 0, want = 0;

	while (got < PW_GRO_MSGS && size >= 6) {
		struct msghdr *h = &sx->gro_msgs[got].msg_hdr;
		uint32_t len = (uint32_t)(data[2] << 8 | data[3]), have;
		int value = (int16_t)(data[4] << 8 | data[5]);
		unsigned cm = (data[0] >> 3) & 3;
		struct cmsghdr *c = &sx->gro_cmsg[got].align;

		in[got] = (struct msg_in){ .from = source(sx, data[0] & 7, &sx->gro_names[got]),
					   .trunc = data[1] & 1,
					   .len = len };
		in[got].size = cm == 1 && value > 0 ? (uint32_t)value : len;
		h->msg_flags = in[got].trunc ? MSG_TRUNC : 0;
		h->msg_control = sx->gro_cmsg[got].buf;
		h->msg_controllen = cm ? sizeof(sx->gro_cmsg[got].buf) : 0;
		c->cmsg_level = cm == 3 ? SOL_IP : SOL_UDP;
		c->cmsg_type = cm == 3 ? IP_TOS : UDP_GRO;
		c->cmsg_len = cm == 2 ? CMSG_LEN(2) : CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &value, sizeof(value));
		sx->gro_msgs[got].msg_len = len;
		data += 6, size -= 6;
		have = len < size ? len : (uint32_t)size;
		memcpy(sx->gro_iov[got].iov_base, data, have); /* where recvmmsg() writes */
		data += have, size -= have;
		if (!len)
			shorts++;
		got++;
	}
	sx->gro_got = got;
	sx->gro_cur = 0;
	sx->gro_off = 0;
	while (sx->gro_cur < sx->gro_got) {
		unsigned n;

		for (unsigned i = 0; i < burst; i++)
			memset(&pkts[i]->peer, 0xee, sizeof(pkts[i]->peer)); /* a stale source */
		n = gro_split(sx, pkts, 0, burst);
		FUZZ_CHECK(n <= burst && ++rounds <= 65536 + PW_GRO_MSGS);
		for (unsigned i = 0; i < n; i++) {
			const struct pw_pkt *p = pkts[i];
			uint32_t seg;

			while (m < got && at >= in[m].len)
				m++, at = 0;
			FUZZ_CHECK(m < got);
			seg = in[m].len - at < in[m].size ? in[m].len - at : in[m].size;
			FUZZ_CHECK(p->data == (uint8_t *)sx->gro_iov[m].iov_base + at);
			FUZZ_CHECK(p->len == seg && seg > 0);
			FUZZ_CHECK(p->truncated == (in[m].trunc || too_long_want(sx, seg)));
			FUZZ_CHECK(pw_addr_eq(&p->peer, &in[m].from));
			at += seg;
			out++;
		}
	}
	while (m < got && at >= in[m].len)
		m++, at = 0;
	FUZZ_CHECK(m == got); /* every datagram of every message handed out */
	FUZZ_CHECK(stats.rx_bad_source == 0 && stats.rx_short == shorts);
	/* Exactly the datagrams the messages hold: none made up. */
	for (unsigned i = 0; i < got; i++)
		if (in[i].len)
			want += (in[i].len + in[i].size - 1) / in[i].size;
	FUZZ_CHECK(out == want);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sock_xport *sx;

	if (!pool[0].buf)
		for (unsigned i = 0; i < 64; i++) {
			pool[i] = (struct pw_pkt){ .buf = malloc(CAP), .cap = CAP };
			FUZZ_CHECK(pool[i].buf);
		}
	if (size < 2)
		return 0;
	sx = get(data[0]);
	v6_now = data[0] & 1;
	memset(&stats, 0, sizeof(stats));
	for (unsigned i = 0; i < 64; i++)
		pkts[i] = &pool[i];
	if (sx->gro_mem)
		gro(sx, 1 + data[1] % 64u, data + 2, size - 2);
	else
		plain(sx, data + 2, size - 2);
	return 0;
}
