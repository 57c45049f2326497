/* SPDX-License-Identifier: MIT */
/*
 * rtnl.h: one rtnetlink request and its replies (rtnl.c), through libmnl,
 * the library iproute2's own tools use. For the questions pwire asks the
 * kernel when a pseudowire opens or closes (the route to a peer, a link's
 * kind, the filters left on a device); never on the data path.
 */
#ifndef PWIRE_XPORT_RTNL_H
#define PWIRE_XPORT_RTNL_H

#include <libmnl/libmnl.h>

enum {
	PW_RTNL_REQ = 256, /* a request's buffer: a header, a family header, a few attributes */
	PW_RTNL_KIND = 16, /* a link kind and its NUL (IFNAMSIZ, as the kernel's) */
};

/* A request's buffer, aligned for its header. */
union pw_rtnl_req {
	struct nlmsghdr nh;
	char buf[PW_RTNL_REQ];
};

/* Start r as a request of type (NLM_F_REQUEST and flags) with a family
 * header of len bytes, zeroed, returned to fill in; attributes follow with
 * mnl_attr_put(&r->nh, ...). */
void *pw_rtnl_req(union pw_rtnl_req *r, uint16_t type, uint16_t flags, size_t len);

/* Send req (built with pw_rtnl_req(); its sequence number and, unless it
 * asks for a dump, NLM_F_ACK are set here)
 * and run cb on each reply (mnl_cb_run()'s rules: MNL_CB_OK goes on,
 * MNL_CB_STOP ends) until the kernel's acknowledgement or the dump's end.
 * 0, or -errno: the kernel's refusal (its error, or the one a dump ends
 * with), -EINTR (a dump interrupted by a change), -ENOSPC (a reply longer
 * than the buffer), -EPROTO or -ESRCH (a reply to another request), -E2BIG
 * (more replies than a dump of pwire's should have), or the socket's. */
int pw_rtnl_talk(struct nlmsghdr *req, mnl_cb_t cb, void *data);

/* The kind of link ifindex is ("veth", "tun", "bridge": what `ip -d link`
 * shows, IFLA_INFO_KIND) into kind, "" for none (a NIC, lo). 0 or -errno. */
int pw_rtnl_link_kind(int ifindex, char kind[static PW_RTNL_KIND]);

#endif
