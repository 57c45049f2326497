/* SPDX-License-Identifier: MIT */
/*
 * tap.h: the TAP backend (tap.c): a /dev/net/tun device, IFF_TAP | IFF_NO_PI
 * | IFF_VNET_HDR, one fd per queue, as a vNIC. Offload metadata comes and
 * goes in virtio-net headers (vnet.h).
 */
#ifndef PWIRE_VNIC_TAP_H
#define PWIRE_VNIC_TAP_H

#include <stdbool.h>
#include <stdint.h>

#include "vnic/vnic.h"

struct pw_tap_cfg {
	char name[16];      /* IFNAMSIZ; created if absent */
	unsigned mtu;
	uint8_t mac[6];
	bool has_mac;
	unsigned queues;    /* 1, or IFF_MULTI_QUEUE with this many */
	int steer_prog;     /* queues > 1: picks the queue of the host's frames */
	bool io_uring;      /* write bursts through an io_uring: one system call each */
};

enum { PW_QUEUES_MAX = 16 };

/* Open queue `queue` (0..cfg->queues-1) of a TAP device, in order. Queue 0
 * creates the device if absent, gives it steer_prog and sets its MTU (and
 * MAC) where they differ; the last queue brings it up if it is down. A
 * persistent device (one pwire did not make) whose MTU this changes gets
 * its old MTU back once this process has exited: a child that keeps
 * CAP_NET_ADMIN alone waits for that and sets it. NULL and errno. */
struct pw_vnic *pw_tap_open(const struct pw_tap_cfg *cfg, unsigned queue);

/* pw_tap_open() in its two halves. The first needs the privileges: the
 * queue's fd (made, attached, configured as above) and the device's name
 * as the kernel made it into name (IFNAMSIZ bytes), or -errno. The second
 * needs none: the vNIC on such an fd, maybe from another process (pwired's
 * privileged helper), taking fd on success. NULL and errno (fd still the
 * caller's). */
int pw_tap_open_fd(const struct pw_tap_cfg *cfg, unsigned queue, char name[16]);
struct pw_vnic *pw_tap_adopt(int fd, const struct pw_tap_cfg *cfg, const char *name);

/* The MTU of an existing device called name; 0 when there is none. No
 * privilege needed. */
unsigned pw_tap_mtu(const char *name);

/* For an open of cfg that failed with EPERM, from the device as it is now:
 * what the open would do that needs CAP_NET_ADMIN, in words that fit "...
 * needs CAP_NET_ADMIN" ("creating it", "attaching to it (it belongs to uid
 * 1000)", "changing its MTU from 1300 to 1200", "setting its MAC address",
 * "bringing it up") into what, and another way out into fix ("leave out
 * mtu (it keeps its 1300)", "" when there is none). An existing TAP that
 * is up, has cfg's MTU and is asked no other MAC needs none of it:
 * pw_tap_open() then changes nothing, so a user who owns the device (`ip
 * tuntap add DEV mode tap user U`) opens it unprivileged. */
void pw_tap_why_admin(const struct pw_tap_cfg *cfg, char *what, size_t len, char *fix,
		      size_t fix_len);

/* The device's name as the kernel made it (cfg->name may have been a
 * pattern, "pw%d", or empty: "tap%d"), for a vNIC from pw_tap_open(). */
const char *pw_tap_name(const struct pw_vnic *v);

/* Whether a device called name can be pwire's TAP: true when there is none
 * (it will be made) or it is a TAP; false with why ("is a veth, not a TAP",
 * "is a TUN, not a TAP") when it is something else. Asks the kernel
 * (SIOCETHTOOL's driver name, the tun device's flags): no privilege. */
bool pw_tap_usable(const char *name, char *why, size_t len);

/* A vNIC on a TAP fd opened and set up by someone else (IFF_TAP | IFF_NO_PI |
 * IFF_VNET_HDR with a 10-byte vnet header, non-blocking), or on anything
 * that reads and writes one [vnet header][frame] message per call (a
 * SOCK_SEQPACKET socket: tests and fuzzers). Takes fd (closed by close) on
 * success; NULL and errno, fd still the caller's, on failure. */
struct pw_vnic *pw_tap_wrap(int fd, unsigned mtu, bool io_uring);

#endif
