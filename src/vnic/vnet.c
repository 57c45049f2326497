/* SPDX-License-Identifier: MIT */
/*
 * vnet.c: virtio-net headers to and from struct pw_gso, and the one check
 * of a guest's offload metadata (see vnet.h). The frame's own bytes decide
 * (core/gso.c); the header only says what the guest asks for.
 */
#include "vnic/vnet.h"

void pw_vnet_to_gso(const struct virtio_net_hdr *vh, struct pw_gso *g)
{
	*g = (struct pw_gso){
		.needs_csum = vh->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM,
		.gso_size = vh->gso_size,
		.csum_start = vh->csum_start,
		.csum_offset = vh->csum_offset,
	};
	switch (vh->gso_type & ~VIRTIO_NET_HDR_GSO_ECN) {
	case VIRTIO_NET_HDR_GSO_TCPV4:
		g->type = PW_GSO_TCPV4;
		break;
	case VIRTIO_NET_HDR_GSO_TCPV6:
		g->type = PW_GSO_TCPV6;
		break;
	case PW_VIRTIO_NET_HDR_GSO_UDP_L4:
		g->type = PW_GSO_UDP;
		break;
	default:
		g->type = vh->gso_type == VIRTIO_NET_HDR_GSO_NONE ? PW_GSO_NONE : (enum pw_gso_type)-1;
	}
}

void pw_vnet_from_gso(const struct pw_gso *g, uint16_t hdr_len, struct virtio_net_hdr *vh)
{
	*vh = (struct virtio_net_hdr){ .gso_type = VIRTIO_NET_HDR_GSO_NONE };
	if (!g)
		return;
	vh->flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
	vh->gso_type = g->type == PW_GSO_TCPV6 ? VIRTIO_NET_HDR_GSO_TCPV6 : VIRTIO_NET_HDR_GSO_TCPV4;
	vh->gso_size = g->gso_size;
	vh->hdr_len = hdr_len;
	vh->csum_start = g->csum_start;
	vh->csum_offset = g->csum_offset;
}

enum pw_vnet_verdict pw_vnet_rx(const struct pw_gso *g, uint8_t *frame, uint32_t len,
				uint32_t frame_max, struct pw_tso *tso)
{
	struct pw_tso t;

	if (g->type == PW_GSO_NONE) {
		if (len > frame_max)
			return PW_VNET_TOO_BIG;
		if (g->needs_csum && !pw_csum_complete(frame, len, g->csum_start, g->csum_offset))
			return PW_VNET_BAD_OFFLOAD;
		return PW_VNET_FRAME;
	}
	/* Only a super-frame that passes becomes *tso: a caller that cuts
	 * over several calls must never cut a refused one. */
	if (!pw_tso_parse(&t, frame, len, g))
		return PW_VNET_BAD_OFFLOAD;
	if ((uint32_t)t.hdr_len + t.mss > frame_max)
		return PW_VNET_TOO_BIG;
	*tso = t;
	return PW_VNET_SUPER;
}
