/* SPDX-License-Identifier: MIT */
/*
 * codec.h: encapsulation and decapsulation of bursts of packets.
 *
 * Pure functions over caller-owned buffers: no system calls, no allocation.
 * Encap fills a per-packet header slot; decap is the single receive gate:
 * full length first, then fields at fixed offsets.
 */
#ifndef PWIRE_CORE_CODEC_H
#define PWIRE_CORE_CODEC_H

#include <stdint.h>

#include "core/pkt.h"
#include "core/session.h"

/* Why a received datagram was dropped; PW_RX_OK when it carries a frame. */
enum pw_rx_verdict {
	PW_RX_OK,
	PW_RX_TRUNCATED,
	PW_RX_SHORT,
	PW_RX_BAD_VERSION,
	PW_RX_CONTROL,
	PW_RX_BAD_SESSION,
	PW_RX_BAD_SOURCE,
	PW_RX_BAD_COOKIE,
	PW_RX_NO_SEQ,
	PW_RX_OOS,
};

/* Write each packet's header into pkt->hdr and set pkt->peer to the
 * session's. Counts nothing: what is sent is
 * counted once the transport has taken it. */
void pw_encap_burst(struct pw_session *s, struct pw_pkt *const *pkts, unsigned n);

/*
 * Check one received datagram (data/len start at the L2TPv3 header: UDP
 * payload, or IP payload after the IPv4 header; pkt->peer is its source),
 * find its session, check that it comes from the session's peer, and on
 * success leave data/len on the Ethernet frame and set *out. Every drop is
 * counted once, on the tunnel or on the session.
 */
enum pw_rx_verdict pw_decap(struct pw_tunnel *t, struct pw_pkt *pkt, struct pw_session **out);

/*
 * pw_decap() over a burst: the packets that carry a frame are moved to the
 * front of pkts[] in their order, with their session in sess[]; returns how
 * many. The dropped ones follow them, so the caller still owns every buffer.
 */
unsigned pw_decap_burst(struct pw_tunnel *t, struct pw_pkt **pkts, unsigned n,
			struct pw_session **sess);

#endif
