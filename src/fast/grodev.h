/* SPDX-License-Identifier: MIT */
/*
 * grodev.h: a fast session's GRO pair (docs/fastpath.md, "GRO on
 * receive"): a veth pair, pwgi<N> and pwgo<N> for the TAP of ifindex N,
 * whose NAPI joins the TCP segments the decap program sends in at pwgi
 * before pw_gro, on pwgo's ingress, hands them to the TAP; what VXLAN's
 * gro_cells do for its device. Made when the fast path opens (it needs
 * CAP_NET_ADMIN) and deleted by its helper.
 */
#ifndef PWIRE_FAST_GRODEV_H
#define PWIRE_FAST_GRODEV_H

#include <net/if.h>
#include <stdbool.h>

#include "core/err.h"

struct pw_grodev {
	int in_ifindex, out_ifindex; /* 0: no pair */
	char in[IF_NAMESIZE], out[IF_NAMESIZE];
};

/* Whether a session whose datagrams arrive by the underlay ul (ifindex
 * ul_ifindex) wants the pair: false for lo and for a veth whose
 * tx-udp_tnl-segmentation is on (a local peer's super-frames cross such a
 * pair of ends whole: nothing to join, and the pair's hop would cost each
 * TCP frame), and before Linux 5.13 (a veth's GRO needs XDP there); true
 * for the rest (a NIC: a wire cuts every super-frame). */
bool pw_grodev_wanted(const char *ul, int ul_ifindex);

/* Make the pair for the TAP of ifindex tap_ifindex, up, with GRO on at
 * its exit and TSO off at its entry (veth hands a frame to its peer's
 * NAPI only then), IPv6 off on both (no frames of the host's own). A veth
 * pair of these names left behind by an earlier TAP of that ifindex (its
 * helper killed) is replaced; any other device of the name is not. 0, or -errno with the reason in err (and no pair). */
int pw_grodev_open(int tap_ifindex, struct pw_grodev *g, struct pw_err *err);

/* Whether both ends are still there (the same ifindex under the same
 * name) and up: a pair someone deleted or took down would swallow what
 * decap sends into it. */
bool pw_grodev_usable(const struct pw_grodev *g);

/* Delete the pair (both ends go); nothing when there is none. */
void pw_grodev_close(struct pw_grodev *g);

#endif
