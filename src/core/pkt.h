/* SPDX-License-Identifier: MIT */
/*
 * pkt.h: one packet, and the rule every burst follows. The contract between
 * the codec, the vNIC backends and the transports; nothing here runs.
 *
 * Bursts follow DPDK's rte_eth_tx_burst(): n = x_tx_burst(x, pkts, count)
 * takes pkts[0..n) and leaves pkts[n..count) with the caller, untouched, to
 * be offered again; n = x_rx_burst(x, pkts, count) fills pkts[0..n). A
 * packet's buffer is pwire's own (allocated once, at open time, sized from
 * the MTU) or lent by whoever filled it: a vNIC backend's (guest memory, a
 * ring slot) until it is given back through the backend's release(), a
 * transport's until its next rx_burst. The data path never allocates.
 */
#ifndef PWIRE_CORE_PKT_H
#define PWIRE_CORE_PKT_H

#include <stdbool.h>
#include <stdint.h>

#include "core/wire.h"

/*
 * One packet in a burst. `buf`/`cap` is the buffer: pwire's own (allocated at
 * open time, sized from the MTU) or lent by a vNIC backend (guest memory, a
 * packet ring slot; `priv` is the backend's). `data`/`len` is the content.
 * Encap never moves or copies the frame: it writes the header into `hdr`, and
 * transports send [hdr][data] as two iovecs, so lent buffers need no headroom.
 */
struct pw_pkt {
	uint8_t *buf;
	uint32_t cap;
	uint8_t *data;
	uint32_t len;
	uint16_t hdr_len;
	bool truncated; /* set by the transport: the datagram did not fit (MSG_TRUNC) */
	void *priv;
	uint8_t hdr[PW_HDR_MAX];
};

#endif
