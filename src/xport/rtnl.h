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

/* Send req (built with mnl_nlmsg_put_header(); its sequence number and,
 * unless it asks for a dump, NLM_F_ACK are set here) and run cb on each
 * reply (mnl_cb_run()'s rules: MNL_CB_OK goes on, MNL_CB_STOP ends) until
 * the kernel's acknowledgement or the dump's end. 0, or -errno: the
 * kernel's refusal, or the socket's (-ENOSPC: a reply longer than the
 * buffer). */
int pw_rtnl_talk(struct nlmsghdr *req, mnl_cb_t cb, void *data);

/* The kind of link ifindex is ("veth", "tun", "bridge": what `ip -d link`
 * shows, IFLA_INFO_KIND) into kind, "" for none (a NIC, lo). 0 or -errno. */
int pw_rtnl_link_kind(int ifindex, char kind[16]);

#endif
