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
#include <string.h>

#include "core/wire.h"

/*
 * An address a datagram comes from or goes to, compact and of fixed size so
 * that the gate compares it as bytes and core/ needs no socket headers.
 * `family` holds the socket's AF_INET or AF_INET6 value as is (0: no
 * address: the in-memory loop, a session with no peer); `port` is in
 * network order, 0 over IP; `addr` holds 4 (IPv4) or 16 bytes, the rest
 * zero. Whoever fills one fills all of it, so equal peers are equal bytes.
 * Not a sockaddr_storage: that is 128 bytes per packet where this is 20,
 * and sockaddr_in6 carries flow info the kernel sets per datagram, which
 * a byte compare would mistake for another peer.
 */
struct pw_addr {
	uint16_t family; /* sizeof: 20, no padding (pw_addr_eq reads it as 8+8+4) */
	uint16_t port;
	uint8_t addr[16];
};
_Static_assert(sizeof(struct pw_addr) == 20, "struct pw_addr has padding");

/* Three loads and compares a side (memcmp of 20 bytes is a call). */
static inline bool pw_addr_eq(const struct pw_addr *a, const struct pw_addr *b)
{
	uint64_t a0, a1, b0, b1;
	uint32_t a2, b2;

	memcpy(&a0, a, 8);
	memcpy(&b0, b, 8);
	memcpy(&a1, (const uint8_t *)a + 8, 8);
	memcpy(&b1, (const uint8_t *)b + 8, 8);
	memcpy(&a2, (const uint8_t *)a + 16, 4);
	memcpy(&b2, (const uint8_t *)b + 16, 4);
	return !((a0 ^ b0) | (a1 ^ b1) | (a2 ^ b2));
}

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
	bool refused;   /* tx: taken but refused by the kernel (counted in tx_errors), not sent */
	/* rx: the datagram's source, set by the transport; tx: where to send
	 * it, set by encap from the session. Here, before priv, so that all
	 * the gate reads (data, len, truncated, peer) is in the first 64 bytes. */
	struct pw_addr peer;
	void *priv;
	uint8_t hdr[PW_HDR_MAX];
};

#endif
