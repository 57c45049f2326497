/* SPDX-License-Identifier: MIT */
/*
 * route.c: the path MTU to a peer, from the kernel's routing table: one
 * RTM_GETROUTE request through rtnl.c (the one `ip route get` sends, as
 * wg-quick does to size its device), the route's RTAX_MTU metric if it has
 * one, else the MTU of its output device (SIOCGIFMTU). No privilege
 * needed. Not for the data path: pwire asks at open time, and the fast
 * path's helper once a second (fast/fastpath.c).
 */
#include <errno.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "xport/route.h"
#include "xport/rtnl.h"

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

struct route {
	int oif;
	unsigned mtu; /* the route's mtu metric; 0: none */
	bool found;
};

static int metric_attr(const struct nlattr *a, void *data)
{
	struct route *r = data;

	if (mnl_attr_get_type(a) == RTAX_MTU && !mnl_attr_validate(a, MNL_TYPE_U32))
		r->mtu = mnl_attr_get_u32(a);
	return MNL_CB_OK;
}

static int route_attr(const struct nlattr *a, void *data)
{
	struct route *r = data;

	if (mnl_attr_get_type(a) == RTA_OIF && !mnl_attr_validate(a, MNL_TYPE_U32))
		r->oif = (int)mnl_attr_get_u32(a);
	else if (mnl_attr_get_type(a) == RTA_METRICS && !mnl_attr_validate(a, MNL_TYPE_NESTED))
		mnl_attr_parse_nested(a, metric_attr, r);
	return MNL_CB_OK;
}

/* The route's output device and its mtu metric. */
static int route_reply(const struct nlmsghdr *nh, void *data)
{
	struct route *r = data;

	if (nh->nlmsg_type == RTM_NEWROUTE && mnl_nlmsg_get_payload_len(nh) >= sizeof(struct rtmsg)) {
		r->found = true;
		mnl_attr_parse(nh, sizeof(struct rtmsg), route_attr, r);
	}
	return MNL_CB_OK;
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
	union pw_rtnl_req req;
	struct rtmsg *rt = pw_rtnl_req(&req, RTM_GETROUTE, 0, sizeof(*rt));
	struct nlmsghdr *nh = &req.nh;
	struct route r = { 0 };
	unsigned short len;
	bool any;
	const void *dst = addr_bytes(remote, &len, &any), *src;
	int err;

	dev[0] = '\0';
	if (remote->ss_family != AF_INET && remote->ss_family != AF_INET6)
		return -EAFNOSUPPORT;
	rt->rtm_family = (unsigned char)remote->ss_family;
	mnl_attr_put(nh, RTA_DST, len, dst);
	rt->rtm_dst_len = (unsigned char)(8 * len);
	src = addr_bytes(local, &len, &any);
	if (local->ss_family == remote->ss_family && !any) {
		mnl_attr_put(nh, RTA_SRC, len, src);
		rt->rtm_src_len = (unsigned char)(8 * len);
	}
	/* A link-local peer names its device. */
	if (remote->ss_family == AF_INET6 && ((const struct sockaddr_in6 *)remote)->sin6_scope_id)
		mnl_attr_put_u32(nh, RTA_OIF, ((const struct sockaddr_in6 *)remote)->sin6_scope_id);
	err = pw_rtnl_talk(nh, route_reply, &r);
	if (!err && !r.found)
		err = -EPROTO;
	if (err)
		return err;
	err = device_mtu(r.oif, mtu, dev);
	if (r.mtu) {
		*mtu = r.mtu;
		return 0;
	}
	return err;
}
