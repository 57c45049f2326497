/* SPDX-License-Identifier: MIT */
/*
 * wire.h: the L2TPv3 data message as it appears on the wire, defined once.
 *
 * RFC 3931 §4.1.1 (UDP) and §4.1.1.1 (IP), RFC 4719 §3 (Ethernet pseudowire
 * with the default L2-Specific Sublayer, RFC 3931 §4.6). Only constants and
 * byte access helpers live here; the per-session layout is in layout.c, the
 * Ethernet and IP headers around and inside the pseudowire are in inet.h.
 * Packet bytes are never cast to wider types: use the load/store helpers.
 */
#ifndef PWIRE_CORE_WIRE_H
#define PWIRE_CORE_WIRE_H

#include <stdint.h>
#include <string.h>

#include "core/inet.h"

enum pw_wire {
	/* RFC 3931 §4.1.2.2: over UDP a data message starts with a 32-bit
	 * word: T(1) x(11) Ver(4) Reserved(16). T=0, Ver=3. */
	PW_UDP_WORD = 0x00030000u,
	PW_UDP_WORD_LEN = 4,
	PW_UDP_T_BIT = 0x80000000u,
	PW_UDP_VER_SHIFT = 16,
	PW_UDP_VER_MASK = 0xf,
	PW_L2TP_VERSION = 3,
	PW_SESSION_LEN = 4,
	PW_COOKIE_MAX = 8,
	PW_SUBLAYER_LEN = 4,
	/* RFC 4719 §3: S bit and 24-bit sequence number in the default sublayer. */
	PW_SUBLAYER_S_BIT = 0x40000000u,
	PW_SEQ24_MASK = 0x00ffffffu,
	PW_OFFSET_MAX = 256, /* QEMU's limit for its `offset` pad */
	/* This many consecutive numbers "behind" mean our expectation is wrong
	 * (a peer restarted, or one corrupted number threw it far ahead):
	 * resynchronise, like the kernel's nr_oos_count_max. */
	PW_SEQ_RESYNC = 4,
	PW_HDR_MAX = PW_UDP_WORD_LEN + PW_SESSION_LEN + PW_COOKIE_MAX + PW_SUBLAYER_LEN +
		     PW_OFFSET_MAX,
};

/*
 * The longest Ethernet frame a pseudowire with this MTU carries, in either
 * direction: MTU + Ethernet header + two VLAN tags, and never less than for
 * MTU 1500, because QEMU and UML guests (and admins running `ip link set mtu
 * 1500` over a jumbo underlay) send 1500-byte packets where pwire's derived
 * MTU is lower.
 */
static inline uint32_t pw_frame_max(uint32_t mtu)
{
	return (mtu > 1500 ? mtu : 1500) + PW_ETH_VLAN_HLEN;
}

static inline uint16_t load_be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline void store_be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline uint32_t load_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline void store_be32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

static inline void store_be64(uint8_t *p, uint64_t v)
{
	store_be32(p, v >> 32);
	store_be32(p + 4, (uint32_t)v);
}

#endif
