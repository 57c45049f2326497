/* SPDX-License-Identifier: MIT */
/*
 * route.h: the MTU of the underlay path to a peer, as this host's routing
 * table has it (route.c). Asked when a pseudowire opens, and once a
 * second by the fast path's helper; never on the data path.
 */
#ifndef PWIRE_XPORT_ROUTE_H
#define PWIRE_XPORT_ROUTE_H

#include <sys/socket.h>

/* What `ip route get REMOTE from LOCAL` says of the path's MTU: the route's
 * own `mtu` (set with the route, or learnt from ICMP) when it has one, else
 * the MTU of the device the route leaves by. local may be the any address
 * (no source given). The MTU into *mtu and the device's name into dev
 * (IFNAMSIZ bytes, "" when unknown); 0, or -errno (-ENETUNREACH: no route). */
int pw_route_mtu(const struct sockaddr_storage *remote, const struct sockaddr_storage *local,
		 unsigned *mtu, char dev[16]);

#endif
