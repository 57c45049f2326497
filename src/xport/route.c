/* SPDX-License-Identifier: MIT */
/*
 * route.c: the path MTU to a peer, from the kernel's routing table: one
 * rtnetlink RTM_GETROUTE request (the one `ip route get` sends, as wg-quick
 * does to size its device), the route's RTAX_MTU metric if it has one,
 * else the MTU of its output device (SIOCGIFMTU). No privilege needed. Not
 * for the data path: pwire asks once, at open time.
 */
#include <errno.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "xport/route.h"

enum { REPLY_MAX = 8192 };

struct request {
	struct nlmsghdr nh;
	struct rtmsg rt;
	char attrs[3 * RTA_SPACE(16)];
};

/* The address bytes of ss (4 or 16) and whether it is the any address. */
static const void *addr_bytes(const struct sockaddr_storage *ss, unsigned short *len, bool *any)
{
	static const struct in6_addr any6 = IN6ADDR_ANY_INIT;

	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *v4 = (const void *)ss;

		*len = 4;
		*any = v4->sin_addr.s_addr == 0;
		return &v4->sin_addr;
	}
	const struct sockaddr_in6 *v6 = (const void *)ss;

	*len = 16;
	*any = !memcmp(&v6->sin6_addr, &any6, sizeof(any6));
	return &v6->sin6_addr;
}

static void put_attr(struct request *r, unsigned short type, const void *data, unsigned short len)
{
	struct rtattr *a = (struct rtattr *)((char *)r + NLMSG_ALIGN(r->nh.nlmsg_len));

	a->rta_type = type;
	a->rta_len = (unsigned short)RTA_LENGTH(len);
	memcpy(RTA_DATA(a), data, len);
	r->nh.nlmsg_len = NLMSG_ALIGN(r->nh.nlmsg_len) + RTA_ALIGN(a->rta_len);
}

/* The route's output device and its mtu metric (0 when it has none). */
static void route_parse(const struct nlmsghdr *nh, int *oif, unsigned *mtu)
{
	const struct rtmsg *rt = NLMSG_DATA(nh);
	int len = (int)RTM_PAYLOAD(nh);

	for (const struct rtattr *a = RTM_RTA(rt); RTA_OK(a, len); a = RTA_NEXT(a, len)) {
		if (a->rta_type == RTA_OIF && RTA_PAYLOAD(a) >= sizeof(int)) {
			memcpy(oif, RTA_DATA(a), sizeof(int));
		} else if (a->rta_type == RTA_METRICS) {
			int mlen = (int)RTA_PAYLOAD(a);

			for (const struct rtattr *m = RTA_DATA(a); RTA_OK(m, mlen);
			     m = RTA_NEXT(m, mlen))
				if (m->rta_type == RTAX_MTU && RTA_PAYLOAD(m) >= sizeof(unsigned))
					memcpy(mtu, RTA_DATA(m), sizeof(unsigned));
		}
	}
}

/* Send the request, read the one reply: 0 with the route's device and mtu
 * metric, or -errno. */
static int route_get(struct request *req, int *oif, unsigned *mtu)
{
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	union {
		struct nlmsghdr nh;
		char buf[REPLY_MAX];
	} reply;
	int s = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE), err = -EPROTO;
	ssize_t r;

	if (s < 0)
		return -errno;
	if (sendto(s, req, req->nh.nlmsg_len, 0, (struct sockaddr *)&kernel, sizeof(kernel)) < 0) {
		err = -errno;
		goto out;
	}
	do
		r = recv(s, reply.buf, sizeof(reply.buf), MSG_TRUNC);
	while (r < 0 && errno == EINTR);
	if (r < 0 || (size_t)r > sizeof(reply.buf)) {
		err = r < 0 ? -errno : -EMSGSIZE;
		goto out;
	}
	/* The messages one after the other, each whole within what came
	 * (NLMSG_OK's test, in sizes that cannot go negative). */
	for (size_t off = 0, len; off + sizeof(struct nlmsghdr) <= (size_t)r; off += len) {
		const struct nlmsghdr *nh = (const void *)(reply.buf + off);

		if (nh->nlmsg_len < sizeof(*nh) || nh->nlmsg_len > (size_t)r - off)
			break;
		len = NLMSG_ALIGN(nh->nlmsg_len);
		if (nh->nlmsg_seq != req->nh.nlmsg_seq)
			continue;
		if (nh->nlmsg_type == NLMSG_ERROR &&
		    nh->nlmsg_len >= NLMSG_LENGTH(sizeof(struct nlmsgerr))) {
			const struct nlmsgerr *e = NLMSG_DATA(nh);

			err = e->error ? e->error : -EPROTO;
			break;
		}
		if (nh->nlmsg_type == RTM_NEWROUTE &&
		    nh->nlmsg_len >= NLMSG_LENGTH(sizeof(struct rtmsg))) {
			route_parse(nh, oif, mtu);
			err = 0;
			break;
		}
	}
out:
	close(s);
	return err;
}

static int device_mtu(int oif, unsigned *mtu, char dev[IFNAMSIZ])
{
	struct ifreq ifr = { 0 };
	int s, err = 0;

	if (oif <= 0 || !if_indextoname((unsigned)oif, ifr.ifr_name))
		return -ENODEV;
	memcpy(dev, ifr.ifr_name, IFNAMSIZ);
	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return -errno;
	if (ioctl(s, SIOCGIFMTU, &ifr))
		err = -errno;
	else
		*mtu = (unsigned)ifr.ifr_mtu;
	close(s);
	return err;
}

int pw_route_mtu(const struct sockaddr_storage *remote, const struct sockaddr_storage *local,
		 unsigned *mtu, char dev[IFNAMSIZ])
{
	struct request req = {
		.nh = { .nlmsg_len = NLMSG_LENGTH(sizeof(struct rtmsg)),
			.nlmsg_type = RTM_GETROUTE,
			.nlmsg_flags = NLM_F_REQUEST,
			.nlmsg_seq = 1 },
		.rt = { .rtm_family = (unsigned char)remote->ss_family },
	};
	unsigned short len;
	unsigned metric = 0;
	int oif = 0, err;
	bool any;
	const void *dst = addr_bytes(remote, &len, &any), *src;

	dev[0] = '\0';
	if (remote->ss_family != AF_INET && remote->ss_family != AF_INET6)
		return -EAFNOSUPPORT;
	put_attr(&req, RTA_DST, dst, len);
	req.rt.rtm_dst_len = (unsigned char)(8 * len);
	src = addr_bytes(local, &len, &any);
	if (local->ss_family == remote->ss_family && !any) {
		put_attr(&req, RTA_SRC, src, len);
		req.rt.rtm_src_len = (unsigned char)(8 * len);
	}
	/* A link-local peer names its device. */
	if (remote->ss_family == AF_INET6 && ((const struct sockaddr_in6 *)remote)->sin6_scope_id) {
		int scope = (int)((const struct sockaddr_in6 *)remote)->sin6_scope_id;

		put_attr(&req, RTA_OIF, &scope, sizeof(scope));
	}
	err = route_get(&req, &oif, &metric);
	if (err)
		return err;
	err = device_mtu(oif, mtu, dev);
	if (metric) {
		*mtu = metric;
		return 0;
	}
	return err;
}
