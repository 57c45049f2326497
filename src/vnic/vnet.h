/* SPDX-License-Identifier: MIT */
/*
 * vnet.h: the virtio-net header (struct virtio_net_hdr, virtio 1.2 §5.1.6)
 * in front of every frame a backend exchanges with a guest's virtio-net
 * driver, and what pwire makes of it: a guest's offload metadata turned into
 * "pass the frame", "complete its checksum and pass it" or "cut this
 * super-frame", with the bounds of core/gso.h, and a joined super-frame
 * turned into a header. One file for every backend that speaks these
 * headers (the TAP's IFF_VNET_HDR today, vhost-user next), so a guest's
 * metadata is bounded the same wherever it comes from. The frame itself is
 * checked by core/gso.c; no system calls, no allocation.
 */
#ifndef PWIRE_VNIC_VNET_H
#define PWIRE_VNIC_VNET_H

#include <linux/virtio_net.h>
#include <stdint.h>

#include "core/gso.h"

/* UDP segmentation (USO, Linux 6.2, virtio 1.2 §5.1.6.2): Debian 12's
 * headers predate it: the GSO type and the feature bit of a device that
 * takes UDP super-frames from its driver. */
enum { PW_VIRTIO_NET_HDR_GSO_UDP_L4 = 5, PW_VIRTIO_NET_F_HOST_USO = 56 };

/* A guest's header, its fields in the host's byte order (as a TAP writes
 * them). The ECN bit is ignored; any gso_type but NONE, TCPV4, TCPV6 and
 * UDP_L4 becomes a type that is not PW_GSO_NONE (and goes to the checks). */
void pw_vnet_to_gso(const struct virtio_net_hdr *vh, struct pw_gso *g);

/* The header of a plain frame (g NULL: no flags, no GSO) or of a TCP
 * super-frame joined by pw_gro_finish() (g what it said, hdr_len the
 * length of the joined frame's headers, pw_gro's hdr_len). */
void pw_vnet_from_gso(const struct pw_gso *g, uint16_t hdr_len, struct virtio_net_hdr *vh);

/* What to do with a frame a guest sent. */
enum pw_vnet_verdict {
	PW_VNET_FRAME,       /* an ordinary frame (its checksum completed if asked): pass it */
	PW_VNET_SUPER,       /* a super-frame within the bounds: cut *tso (pw_tso_segment) */
	PW_VNET_TOO_BIG,     /* dropped: longer than frame_max, or segments that would be */
	PW_VNET_BAD_OFFLOAD, /* dropped: metadata that does not fit the frame, or out of bounds */
};

/*
 * Check the frame frame[0..len) against its header g (pw_vnet_to_gso). A
 * plain frame longer than frame_max is refused before any byte is read
 * (frame may then hold less than len); with needs_csum its checksum is
 * completed in place. A super-frame must be contiguous and pass
 * pw_tso_parse(), and each of its segments fit frame_max; *tso is written
 * only for PW_VNET_SUPER. Every verdict but the first two is one drop.
 */
enum pw_vnet_verdict pw_vnet_rx(const struct pw_gso *g, uint8_t *frame, uint32_t len,
				uint32_t frame_max, struct pw_tso *tso);

#endif
