/* SPDX-License-Identifier: MIT */
/*
 * vu_net.c: a vhost-user queue pair as a vNIC (vnic/vhost/net.c) against a
 * hostile guest: its descriptor tables, avail rings, virtio-net headers,
 * frame bytes and the features it negotiated. The device is set up as
 * server.c does, through msg.c and dev.c messages (features, ring sizes and
 * addresses, kick and call eventfds), but for the memory table: the guest's
 * 512 KiB lie between two PROT_NONE pages (pw_vu_mem_fake, three regions,
 * buffers crossing their borders), so any access past it faults.
 *
 * Input: 3 config bytes, then up to OPS_MAX ops (an op byte, its arguments;
 * an input that ends early reads zeros).
 *   bytes 0-1 (little endian): bits 0-10 the features negotiated: VERSION_1
 *     (always: dev.c refuses a legacy driver, whatever bit 0 says),
 *     EVENT_IDX, INDIRECT_DESC, MRG_RXBUF, CSUM, HOST_TSO4, HOST_TSO6,
 *     HOST_USO, GUEST_CSUM, GUEST_TSO4, GUEST_TSO6; bits 11-12 the MTU
 *     (1500, 3000, 9000, 65400); byte 2: log2 of the RX ring's size (low
 *     nibble) and the TX ring's (high), at most 256.
 *   op & 7: 0 the guest posts RX chains: [shape][len:2], shape bits 0-1
 *     pieces - 1, bit 2 indirect (if negotiated), bits 3-4 the piece size
 *     class (64, 2 KiB, 16 KiB, 64 KiB + 64: len mod it, + 1), bits 5-7
 *     chains - 1, all alike;
 *   1 a TX chain of input bytes: [shape][12-byte vnet header][len:2][take]
 *     [min(take, len) bytes], the frame len mod 65537 bytes (a pattern past
 *     the bytes taken), shape bits 0-1 pieces - 1, bit 2 indirect, bit 3 gaps
 *     between the pieces, then the cut points [2 each];
 *   2 a TX chain of a TCP/UDP super-frame built valid: [shape][kind]
 *     [pay:2][gso:2][cuts], kind bit 0 IPv6, 1 UDP, 2 a VLAN tag, 3 NEEDS_CSUM,
 *     4 PSH, 5-7 the gso_type (0: the right one); gso bit 15: the floor of
 *     core/gso.h plus bits 0-10, else bits 0-14;
 *   3 rx_burst: [max - 1 mod 64];
 *   4 tx_burst of frames of input bytes: [count - 1 mod 64], each [len:2]
 *     [take][take bytes], 14..frame_max bytes;
 *   5 tx_burst of consecutive TCP segments (pw_tso_segment of a super-frame
 *     built valid): [kind][count - 1][pay:2][mss:2][flip:2][xor], kind bit 0
 *     IPv6, 1 VLAN, 2 PSH, 3 xor the byte at flip (mod the bytes given);
 *   6 the guest consumes a ring's used elements: [ring:1 bit 0][n, 0: all];
 *   7 with op >> 3 == 31, a broken chain [ring][kind] (zero length, outside
 *     memory, next past the ring, wrong direction), else consume both.
 *
 * Asserted: rx_burst returns 0..max, each frame 14..frame_max bytes inside
 * its buffer, and exactly what the guest sent, in order: a chain's frame,
 * or its super-frame cut (pw_vnet_rx and pw_tso_segment on the guest's own
 * copy), or nothing and one drop counter (rx_short, rx_too_big,
 * rx_bad_offload); a cut super-frame has gso_size >= the floor, its
 * segments <= ceil(payload / gso_size), within the 64 KiB bound, and the
 * next chain is popped only when it is done. tx_burst returns 0..count at
 * a frame (or joined train) boundary; the frames taken are placed or
 * counted (tx_guest_buf_short, or tx_no_guest once the device broke); each
 * placed one, reassembled from its used elements (num_buffers of them with
 * MRG_RXBUF, else one; all but the last full), is the frame given with a
 * plain header, or a joined TCP super-frame that pw_tso_parse and
 * pw_tso_segment cut back into the segments given (which are joined exactly
 * as pw_gro_* says; tx_super counts the joined ones taken). Both rings:
 * used elements come in the order the chains were posted, each with len <=
 * its chain's capacity (0 on the TX ring), used->idx moves by exactly the
 * elements written and no other slot is touched; a broken chain is never
 * used; the guest is called at most once per burst.
 */
#include <endian.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/virtio_config.h>
#include <linux/virtio_net.h>
#include <linux/virtio_ring.h>

#include "core/gso.h"
#include "core/pkt.h"
#include "core/wire.h"
#include "fuzz.h"
#include "vnic/vhost/net.h"
#include "vnic/vnet.h"

#define F(bit) (UINT64_C(1) << (bit))

enum {
	PAGE = 4096,
	MEM = 0x80000,
	RING_AT0 = 0x0000, RING_AT1 = 0x2000, /* desc; avail +0x1000; used +0x1400 */
	AVAIL_OFF = 0x1000, USED_OFF = 0x1400,
	TABLES = 0x8000, TABLE_SLOT = 128, TABLES_PER_RING = 0x8000,
	TX_DATA = 0x18000, TX_END = 0x48000,
	RX_DATA = 0x48000, RX_END = 0x80000,
	REGION1 = 0x30000, REGION2 = 0x60000,
	UVA = 0x40000000,
	HDR = 12,
	PIECES_MAX = 4,
	BURST_MAX = 64,
	OPS_MAX = 48,
	FIFO = 256, /* >= the largest ring: chains outstanding */
	CAP_MAX = 65536,
	SUPER_MAX = PW_VQ_CHAIN_BYTES - HDR,
	MRG_MAX = 64,
	POISON = 0xa5,
};

static const unsigned mtus[] = { 1500, 3000, 9000, 65400 };
static const unsigned bits[] = {
	VIRTIO_F_VERSION_1,	  VIRTIO_RING_F_EVENT_IDX,  VIRTIO_RING_F_INDIRECT_DESC,
	VIRTIO_NET_F_MRG_RXBUF,	  VIRTIO_NET_F_CSUM,	    VIRTIO_NET_F_HOST_TSO4,
	VIRTIO_NET_F_HOST_TSO6,	  PW_VIRTIO_NET_F_HOST_USO, VIRTIO_NET_F_GUEST_CSUM,
	VIRTIO_NET_F_GUEST_TSO4, VIRTIO_NET_F_GUEST_TSO6,
};

/* --- the input --- */

struct in {
	const uint8_t *p;
	size_t n;
};

static uint8_t get8(struct in *in)
{
	if (!in->n)
		return 0;
	in->n--;
	return *in->p++;
}

static uint16_t get16(struct in *in)
{
	uint16_t lo = get8(in);

	return (uint16_t)(lo | get8(in) << 8);
}

/* --- the guest --- */

struct gchain {
	uint16_t head, ndesc;
	uint32_t cap; /* bytes: what the device sees (a writable chain capped) */
	unsigned n;
	uint64_t gpa[PIECES_MAX];
	uint32_t len[PIECES_MAX];
	bool bad; /* posted to break the ring: never to be used */
};

struct gring {
	unsigned which;
	uint16_t num;
	struct vring_desc *desc;
	struct vring_avail *avail;
	struct vring_used *used;
	uint16_t avail_idx, next_desc;
	unsigned free_desc;
	uint32_t posted, verified, consumed; /* chains: made available, seen used, taken back */
	struct gchain fifo[FIFO];
	uint64_t data, data_start, data_end; /* buffers: bump allocation */
};

static uint8_t *mem; /* MEM bytes between two PROT_NONE pages */
static struct pw_vu_dev d;
static struct pw_vnic *v;
static struct gring rings[2]; /* 0: the guest's RX ring (tx_burst), 1: its TX ring */
static uint64_t features;
static struct pw_pkt rx_store[BURST_MAX], tx_store[BURST_MAX], *rx_pkts[BURST_MAX],
	*tx_pkts[BURST_MAX];
static uint8_t *rx_base[BURST_MAX], *tx_base[BURST_MAX]; /* CAP_MAX bytes each */
static uint8_t *m_frame, *m_super, *m_seg, *m_gro_buf, *m_asm;

/* The model of the device's cut: the super-frame it is cutting. */
static struct pw_tso m_tso;
static uint32_t m_next;

static bool negotiated(unsigned bit)
{
	return features & F(bit);
}

static uint8_t *at(uint64_t gpa)
{
	return mem + gpa;
}

/* Copy len bytes from offset off of chain c (as posted) to out. */
static void chain_read(const struct gchain *c, uint32_t off, uint8_t *out, uint32_t len)
{
	for (unsigned i = 0; i < c->n && len; i++) {
		uint32_t k;

		if (off >= c->len[i]) {
			off -= c->len[i];
			continue;
		}
		k = c->len[i] - off < len ? c->len[i] - off : len;
		memcpy(out, at(c->gpa[i] + off), k);
		out += k;
		len -= k;
		off = 0;
	}
	FUZZ_CHECK(len == 0);
}

/* Room for len bytes of buffers in r's area, or 0. */
static uint64_t alloc(struct gring *r, uint32_t len)
{
	uint64_t a = r->data;

	if (len > r->data_end - a)
		return 0;
	r->data += len;
	return a;
}

/* Make chain c (pieces set) available; false when no descriptor is free. */
static bool post(struct gring *r, struct gchain *c, bool indirect)
{
	uint16_t wr = r->which == 0 ? VRING_DESC_F_WRITE : 0;
	unsigned need = indirect ? 1 : c->n;
	uint16_t head = r->next_desc;

	if (r->free_desc < need)
		return false;
	if (indirect) {
		uint64_t t = TABLES + r->which * TABLES_PER_RING + (uint64_t)head * TABLE_SLOT;
		struct vring_desc *tab = (struct vring_desc *)at(t);

		for (unsigned i = 0; i < c->n; i++)
			tab[i] = (struct vring_desc){
				.addr = c->gpa[i], .len = c->len[i],
				.flags = (uint16_t)(wr | (i + 1 < c->n ? VRING_DESC_F_NEXT : 0)),
				.next = (uint16_t)(i + 1) };
		r->desc[head] = (struct vring_desc){ .addr = t, .len = 16 * c->n,
						     .flags = VRING_DESC_F_INDIRECT };
	} else {
		for (unsigned i = 0; i < c->n; i++) {
			uint16_t a = (uint16_t)((head + i) % r->num);

			r->desc[a] = (struct vring_desc){
				.addr = c->gpa[i], .len = c->len[i],
				.flags = (uint16_t)(wr | (i + 1 < c->n ? VRING_DESC_F_NEXT : 0)),
				.next = (uint16_t)((a + 1) % r->num) };
		}
	}
	r->next_desc = (uint16_t)((head + need) % r->num);
	r->free_desc -= need;
	c->head = head;
	c->ndesc = (uint16_t)need;
	r->fifo[r->posted++ % FIFO] = *c;
	r->avail->ring[r->avail_idx % r->num] = head;
	r->avail_idx++;
	__atomic_store_n(&r->avail->idx, r->avail_idx, __ATOMIC_RELEASE);
	return true;
}

/* A chain that breaks the ring when the device reaches it. */
static void post_broken(struct gring *r, uint8_t kind)
{
	struct gchain c = { .n = 1, .gpa = { r->which ? TX_DATA : RX_DATA }, .len = { 64 },
			    .bad = true };
	uint16_t head = r->next_desc;

	if (r->free_desc < 1)
		return;
	c.cap = 64;
	post(r, &c, false);
	switch (kind % 4) {
	case 0:
		r->desc[head].len = 0;
		break;
	case 1:
		r->desc[head].addr = MEM - 8;
		break;
	case 2:
		r->desc[head].flags |= VRING_DESC_F_NEXT;
		r->desc[head].next = r->num;
		break;
	default:
		r->desc[head].flags ^= VRING_DESC_F_WRITE;
	}
}

/* The guest takes back n used elements (all it has seen when n is 0). */
static void consume(struct gring *r, unsigned n)
{
	if (!n || n > r->verified - r->consumed)
		n = r->verified - r->consumed;
	for (unsigned i = 0; i < n; i++, r->consumed++) {
		r->free_desc += r->fifo[r->consumed % FIFO].ndesc;
		memset(&r->used->ring[r->consumed % r->num], 0xff, sizeof(r->used->ring[0]));
	}
	if (negotiated(VIRTIO_RING_F_EVENT_IDX))
		r->avail->ring[r->num] = (uint16_t)r->consumed; /* used_event */
	if (r->consumed == r->posted)
		r->data = r->data_start;
}

/* The used ring's slots the device has not filled still hold the poison. */
static void check_used_slots(const struct gring *r)
{
	uint16_t idx = __atomic_load_n(&r->used->idx, __ATOMIC_ACQUIRE);

	FUZZ_CHECK(idx == (uint16_t)r->verified);
	for (uint32_t i = r->verified; i < r->consumed + r->num; i++) {
		const struct vring_used_elem *e = &r->used->ring[i % r->num];

		FUZZ_CHECK(e->id == UINT32_MAX && e->len == UINT32_MAX);
	}
}

/* The next used element: the next chain posted, never a broken one. */
static const struct gchain *next_used(struct gring *r, uint32_t *len)
{
	const struct vring_used_elem *e = &r->used->ring[r->verified % r->num];
	const struct gchain *c = &r->fifo[r->verified % FIFO];

	FUZZ_CHECK(r->verified < r->posted);
	FUZZ_CHECK(!c->bad);
	FUZZ_CHECK(e->id == c->head);
	FUZZ_CHECK(e->len <= c->cap);
	*len = e->len;
	r->verified++;
	return c;
}

/* --- frames --- */

static uint16_t csum16(const uint8_t *p, uint32_t len)
{
	return pw_csum_fold(pw_csum_add(0, p, len));
}

/* Ethernet [VLAN] IPv4/IPv6 TCP(ACK[PSH])/UDP and pay bytes of pattern at
 * f; *l4 its L4 offset. pay is cut down so that it fits 64 KiB. */
static uint32_t build(uint8_t *f, bool v6, bool udp, bool vlan, bool psh, uint32_t pay,
		      uint8_t seed, uint16_t *l4)
{
	uint32_t l3 = vlan ? 18 : 14, l4len = udp ? 8 : 20, ip = v6 ? 40 : 20, hdr = l3 + ip + l4len;
	uint8_t *t;

	if (pay > SUPER_MAX - hdr)
		pay = SUPER_MAX - hdr;
	if (pay > 65535 - l4len - (v6 ? 0 : ip))
		pay = 65535 - l4len - (v6 ? 0 : ip);
	memset(f, 0, hdr);
	memcpy(f, "\x02\0\0\0\0\x02\x02\0\0\0\0\x01", 12);
	if (vlan)
		memcpy(f + 12, "\x81\x00\x00\x64", 4);
	f[l3 - 2] = v6 ? 0x86 : 0x08;
	f[l3 - 1] = v6 ? 0xdd : 0x00;
	if (v6) {
		f[l3] = 0x60;
		store_be16(f + l3 + 4, (uint16_t)(l4len + pay));
		f[l3 + 6] = udp ? 17 : 6;
		f[l3 + 7] = 64;
		f[l3 + 8] = f[l3 + 24] = 0xfd;
		f[l3 + 23] = 1;
		f[l3 + 39] = 2;
	} else {
		f[l3] = 0x45;
		store_be16(f + l3 + 2, (uint16_t)(ip + l4len + pay));
		f[l3 + 4] = 0x12, f[l3 + 5] = 0x34;
		f[l3 + 6] = 0x40;
		f[l3 + 8] = 64;
		f[l3 + 9] = udp ? 17 : 6;
		memcpy(f + l3 + 12, "\x0a\0\0\x01\x0a\0\0\x02", 8);
		store_be16(f + l3 + 10, csum16(f + l3, 20));
	}
	t = f + l3 + ip;
	t[0] = 0x9c, t[1] = 0x40, t[3] = 80;
	if (udp) {
		store_be16(t + 4, (uint16_t)(8 + pay));
	} else {
		t[5] = 0x10; /* seq 0x100000 */
		t[12] = 0x50;
		t[13] = (uint8_t)(0x10 | (psh ? 0x08 : 0));
		t[14] = t[15] = 0xff;
	}
	for (uint32_t i = 0; i < pay; i++)
		f[hdr + i] = (uint8_t)(i * 7 + seed);
	*l4 = (uint16_t)(l3 + ip);
	return hdr + pay;
}

/* --- the guest's TX ring: what rx_burst reads --- */

/* The guest's chain of src[0..len): its room taken, cut into up to 4
 * pieces (cut points from the input), 16 poisoned bytes between them with
 * gaps, and posted. */
static void post_tx(struct in *in, uint8_t shape, const uint8_t *src, uint32_t len)
{
	struct gring *r = &rings[1];
	struct gchain c = { .cap = len };
	unsigned want = (shape & 3) + 1;
	uint32_t gap = shape & 8 ? 16 : 0, left = len, off = 0;
	uint64_t gpa = alloc(r, len + 3 * gap);

	if (!gpa)
		return;
	for (unsigned i = 0; i < want && left; i++) {
		uint32_t k = left;

		if (i + 1 < want && left > 1)
			k = 1 + get16(in) % (left - 1);
		c.gpa[c.n] = gpa + off + i * gap;
		c.len[c.n++] = k;
		memcpy(at(c.gpa[i]), src + off, k);
		if (gap && i + 1 < want)
			memset(at(c.gpa[i] + k), POISON, gap);
		off += k;
		left -= k;
	}
	FUZZ_CHECK(left == 0);
	post(r, &c, (shape & 4) && negotiated(VIRTIO_RING_F_INDIRECT_DESC));
}

static void op_tx_raw(struct in *in)
{
	uint8_t shape = get8(in), take;
	uint32_t len;

	for (unsigned i = 0; i < HDR; i++)
		m_frame[i] = get8(in);
	len = get16(in) % (SUPER_MAX + 1);
	take = get8(in);
	for (uint32_t b = 0; b < len; b++)
		m_frame[HDR + b] = b < take ? get8(in) : (uint8_t)(b * 13 + m_frame[5]);
	post_tx(in, shape, m_frame, HDR + len);
}

static void op_tx_super(struct in *in)
{
	uint8_t shape = get8(in), kind = get8(in), type;
	uint32_t pay = get16(in), len;
	uint16_t gso = get16(in), l4;
	bool v6 = kind & 1, udp = kind & 2;
	struct virtio_net_hdr vh = { 0 };

	len = build(m_frame + HDR, v6, udp, kind & 4, kind & 16, pay, kind, &l4);
	if (gso & 0x8000)
		gso = (uint16_t)((udp ? PW_USO_SIZE_MIN : PW_TSO_MSS_MIN) + (gso & 0x7ff));
	else
		gso &= 0x7fff;
	type = (uint8_t)(kind >> 5);
	if (!type)
		type = udp ? PW_VIRTIO_NET_HDR_GSO_UDP_L4
			   : v6 ? VIRTIO_NET_HDR_GSO_TCPV6 : VIRTIO_NET_HDR_GSO_TCPV4;
	vh.gso_type = type;
	vh.flags = kind & 8 ? VIRTIO_NET_HDR_F_NEEDS_CSUM : 0;
	vh.gso_size = htole16(gso);
	vh.hdr_len = htole16((uint16_t)(l4 + (udp ? 8 : 20)));
	vh.csum_start = htole16(l4);
	vh.csum_offset = htole16(udp ? 6 : 16);
	memcpy(m_frame, &vh, sizeof(vh));
	memset(m_frame + sizeof(vh), 0, HDR - sizeof(vh));
	post_tx(in, shape, m_frame, HDR + len);
}

/* The frames of the next chain, as the device must give them: a frame, or
 * a super-frame to cut (m_tso), or a drop counted in one of *drops. */
struct rx_expect {
	uint64_t short_, too_big, bad, super;
};

static void check_frame_out(const struct pw_pkt *p, const uint8_t *want, uint32_t len)
{
	FUZZ_CHECK(p->len == len);
	FUZZ_CHECK(memcmp(p->data, want, len) == 0);
}

/* Segments of the super-frame being cut, into pkts[*k..n). */
static void emit(struct pw_pkt **pkts, unsigned *k, unsigned n)
{
	while (*k < n && m_next < m_tso.segments) {
		uint32_t len = pw_tso_segment(&m_tso, m_next++, m_seg);

		check_frame_out(pkts[(*k)++], m_seg, len);
	}
}

static void expect_chain(const struct gchain *c, struct pw_pkt **pkts, unsigned *k, unsigned n,
			 struct rx_expect *x)
{
	uint32_t flen, frame_max = v->frame_max;
	struct virtio_net_hdr vh;
	struct pw_gso g;
	struct pw_tso t;

	if (c->cap < HDR + PW_ETH_HLEN) {
		x->short_++;
		return;
	}
	flen = c->cap - HDR;
	chain_read(c, 0, (uint8_t *)&vh, sizeof(vh));
	vh.hdr_len = le16toh(vh.hdr_len);
	vh.gso_size = le16toh(vh.gso_size);
	vh.csum_start = le16toh(vh.csum_start);
	vh.csum_offset = le16toh(vh.csum_offset);
	pw_vnet_to_gso(&vh, &g);
	if (g.type == PW_GSO_NONE) {
		if (flen > frame_max) {
			x->too_big++;
			return;
		}
		chain_read(c, HDR, m_frame, flen);
		switch (pw_vnet_rx(&g, m_frame, flen, frame_max, &t)) {
		case PW_VNET_FRAME:
			FUZZ_CHECK(*k < n);
			check_frame_out(pkts[(*k)++], m_frame, flen);
			return;
		case PW_VNET_TOO_BIG:
			x->too_big++;
			return;
		default:
			x->bad++;
			return;
		}
	}
	chain_read(c, HDR, m_super, flen);
	switch (pw_vnet_rx(&g, m_super, flen, frame_max, &t)) {
	case PW_VNET_SUPER: {
		uint32_t floor = t.udp ? PW_USO_SIZE_MIN : PW_TSO_MSS_MIN;
		uint32_t most = t.udp ? PW_USO_SEGS_MAX : PW_TSO_SEGS_MAX;
		uint32_t payload = t.len - t.hdr_len;

		/* No amplification: the guest's gso_size, at least the floor,
		 * ceil(payload / gso_size) segments, no more than 64 KiB allows,
		 * each one frame of at most frame_max. */
		FUZZ_CHECK(t.frame == m_super && t.len == flen);
		FUZZ_CHECK(t.mss == g.gso_size && t.mss >= floor);
		FUZZ_CHECK(payload >= 1 && t.segments == (payload + t.mss - 1) / t.mss);
		FUZZ_CHECK(t.segments <= most && t.segments <= (flen + floor - 1) / floor);
		FUZZ_CHECK(payload <= PW_GSO_IP_MAX);
		FUZZ_CHECK((uint32_t)t.hdr_len + t.mss <= frame_max);
		x->super++;
		m_tso = t;
		m_next = 0;
		emit(pkts, k, n);
		return;
	}
	case PW_VNET_TOO_BIG:
		x->too_big++;
		return;
	case PW_VNET_BAD_OFFLOAD:
		x->bad++;
		return;
	case PW_VNET_FRAME:
		FUZZ_CHECK(!"a super-frame passed as a frame");
	}
}

static void op_rx_burst(unsigned max)
{
	struct gring *r = &rings[1];
	struct pw_vnic_stats s0 = v->stats;
	struct pw_vu_net_stats n0 = *pw_vu_net_stats(v), n1;
	struct rx_expect x = { 0 };
	uint16_t popped;
	unsigned k = 0;
	int got;

	for (unsigned i = 0; i < max; i++) {
		rx_pkts[i]->data = NULL;
		rx_pkts[i]->len = UINT32_MAX;
	}
	got = v->ops->rx_burst(v, rx_pkts, max);
	FUZZ_CHECK(got >= 0 && (unsigned)got <= max);
	for (int i = 0; i < got; i++) {
		const struct pw_pkt *p = rx_pkts[i];

		FUZZ_CHECK(p->len >= PW_ETH_HLEN && p->len <= v->frame_max);
		/* In its buffer, or lent (a plain frame in one piece): inside
		 * guest memory. */
		FUZZ_CHECK((p->data >= p->buf && p->data + p->len <= p->buf + p->cap) ||
			   (p->data >= mem && p->data + p->len <= mem + MEM));
	}
	/* The cut left from the last burst comes first; then each chain
	 * popped, in order, the next one only once the cut is done. */
	emit(rx_pkts, &k, (unsigned)got);
	/* Sent, as the engine says: the lent chains are used from here on
	 * (the guest does not touch its buffers before the next op). */
	v->ops->release(v, rx_pkts, (unsigned)got);
	popped = (uint16_t)(__atomic_load_n(&r->used->idx, __ATOMIC_ACQUIRE) - r->verified);
	FUZZ_CHECK(popped <= r->posted - r->verified && popped <= max);
	for (unsigned i = 0; i < popped; i++) {
		uint32_t len;
		const struct gchain *c;

		FUZZ_CHECK(m_next == m_tso.segments);
		c = next_used(r, &len);
		FUZZ_CHECK(len == 0);
		expect_chain(c, rx_pkts, &k, (unsigned)got, &x);
	}
	FUZZ_CHECK(k == (unsigned)got);
	/* Stopped short only when nothing was left to read. */
	if ((unsigned)got < max)
		FUZZ_CHECK(popped == max || r->verified == r->posted || d.broken);
	check_used_slots(r);
	n1 = *pw_vu_net_stats(v);
	FUZZ_CHECK(v->stats.rx_short - s0.rx_short == x.short_);
	FUZZ_CHECK(v->stats.rx_too_big - s0.rx_too_big == x.too_big);
	FUZZ_CHECK(v->stats.rx_bad_offload - s0.rx_bad_offload == x.bad);
	FUZZ_CHECK(n1.rx_super - n0.rx_super == x.super);
	FUZZ_CHECK(n1.rx_disabled == 0 && n1.calls - n0.calls <= 1);
}

/* --- the guest's RX ring: what tx_burst fills --- */

static void op_post_rx(struct in *in)
{
	static const uint32_t sizes[] = { 64, 2048, 16384, 65536 + 64 };
	struct gring *r = &rings[0];
	uint8_t shape = get8(in);
	uint16_t len = get16(in);
	unsigned pieces = (shape & 3) + 1, chains = (shape >> 5) + 1;
	bool indirect = (shape & 4) && negotiated(VIRTIO_RING_F_INDIRECT_DESC);

	for (unsigned i = 0; i < chains; i++) {
		struct gchain c = { .n = pieces };
		uint64_t sum = 0;

		for (unsigned p = 0; p < pieces; p++) {
			uint32_t l = 1 + (uint32_t)(len + 977u * p) % sizes[(shape >> 3) & 3];

			if (!(c.gpa[p] = alloc(r, l)))
				return;
			c.len[p] = l;
			memset(at(c.gpa[p]), POISON, l);
			sum += l;
		}
		c.cap = sum < PW_VQ_CHAIN_BYTES ? (uint32_t)sum : PW_VQ_CHAIN_BYTES;
		if (!post(r, &c, indirect))
			return;
	}
}

struct group {
	unsigned first, n;
	bool joined;
};

static bool joins(bool v6)
{
	return negotiated(VIRTIO_NET_F_MRG_RXBUF) && negotiated(VIRTIO_NET_F_GUEST_CSUM) &&
	       negotiated(v6 ? VIRTIO_NET_F_GUEST_TSO6 : VIRTIO_NET_F_GUEST_TSO4);
}

/* How the device must group frames: pw_gro_* on our own state. */
static unsigned group(unsigned count, struct group *gs)
{
	struct pw_gro gro = { .buf = m_gro_buf, .cap = PW_GRO_HDR_MAX, .max = SUPER_MAX };
	bool join = joins(false) || joins(true);
	unsigned ng = 0, first = 0;
	struct pw_gso gso;

	for (unsigned i = 0; i < count; i++) {
		const struct pw_pkt *p = tx_pkts[i];

		if (gro.segs && pw_gro_append(&gro, p->data, p->len))
			continue;
		if (gro.segs) {
			gs[ng++] = (struct group){ first, i - first, pw_gro_finish(&gro, &gso) };
			gro.segs = 0;
		}
		if (join && pw_gro_start(&gro, p->data, p->len)) {
			if (joins(gro.v6)) {
				first = i;
				continue;
			}
			gro.segs = 0;
		}
		gs[ng++] = (struct group){ i, 1, false };
	}
	if (gro.segs)
		gs[ng++] = (struct group){ first, count - first, pw_gro_finish(&gro, &gso) };
	return ng;
}

/* Whether the frame the guest got (vh, f[0..len)) is group g. */
static bool is_group(const struct virtio_net_hdr_mrg_rxbuf *vh, const uint8_t *f, uint32_t len,
		     const struct group *g)
{
	struct virtio_net_hdr h = vh->hdr;
	const struct pw_pkt *p = tx_pkts[g->first];
	struct pw_gso gso;
	struct pw_tso t;

	h.hdr_len = le16toh(h.hdr_len);
	h.gso_size = le16toh(h.gso_size);
	h.csum_start = le16toh(h.csum_start);
	h.csum_offset = le16toh(h.csum_offset);
	if (!g->joined)
		return !h.flags && h.gso_type == VIRTIO_NET_HDR_GSO_NONE && !h.hdr_len &&
		       !h.gso_size && !h.csum_start && !h.csum_offset && len == p->len &&
		       !memcmp(f, p->data, len);
	if (h.flags != VIRTIO_NET_HDR_F_NEEDS_CSUM ||
	    (h.gso_type != VIRTIO_NET_HDR_GSO_TCPV4 && h.gso_type != VIRTIO_NET_HDR_GSO_TCPV6))
		return false;
	pw_vnet_to_gso(&h, &gso);
	if (!pw_tso_parse(&t, f, len, &gso) || t.segments != g->n || t.udp ||
	    t.hdr_len != h.hdr_len)
		return false;
	for (unsigned k = 0; k < g->n; k++) {
		uint32_t l = pw_tso_segment(&t, k, m_seg);

		p = tx_pkts[g->first + k];
		if (l != p->len || memcmp(m_seg, p->data, l))
			return false;
	}
	return true;
}

/* The next frame the guest got: its header and bytes (in m_asm). */
static uint32_t take_frame(struct gring *r, struct virtio_net_hdr_mrg_rxbuf *vh)
{
	uint16_t avail = (uint16_t)(__atomic_load_n(&r->used->idx, __ATOMIC_ACQUIRE) - r->verified);
	const struct gchain *c;
	uint32_t len, flen;
	unsigned nb;

	c = next_used(r, &len);
	FUZZ_CHECK(len >= HDR);
	chain_read(c, 0, (uint8_t *)vh, HDR);
	nb = le16toh(vh->num_buffers);
	FUZZ_CHECK(nb >= 1 && nb <= avail);
	FUZZ_CHECK(negotiated(VIRTIO_NET_F_MRG_RXBUF) ? nb <= MRG_MAX : nb == 1);
	FUZZ_CHECK(nb == 1 || len == c->cap); /* all but the last part full */
	flen = len - HDR;
	FUZZ_CHECK(flen <= SUPER_MAX);
	chain_read(c, HDR, m_asm, flen);
	for (unsigned i = 1; i < nb; i++) {
		c = next_used(r, &len);
		FUZZ_CHECK(len >= 1 && (i + 1 == nb || len == c->cap));
		FUZZ_CHECK(len <= SUPER_MAX - flen);
		chain_read(c, 0, m_asm + flen, len);
		flen += len;
	}
	return flen;
}

static void tx_burst(unsigned count)
{
	struct gring *r = &rings[0];
	struct pw_vu_net_stats n0 = *pw_vu_net_stats(v), n1;
	struct group gs[BURST_MAX + 1];
	unsigned ng = group(count, gs), taken, g = 0, joined = 0, dropped = 0, upto;
	bool was_broken = d.broken;
	int got;

	got = v->ops->tx_burst(v, tx_pkts, count);
	n1 = *pw_vu_net_stats(v);
	FUZZ_CHECK(got >= 0 && (unsigned)got <= count);
	FUZZ_CHECK(n1.calls - n0.calls <= 1);
	if (was_broken) {
		FUZZ_CHECK((unsigned)got == count && n1.tx_no_guest - n0.tx_no_guest == count);
		check_used_slots(r);
		return;
	}
	/* Taken up to a group's first frame: the rest of the burst waits, or
	 * (the device broke meanwhile) has nowhere to go. */
	taken = (unsigned)got;
	if (d.broken) {
		FUZZ_CHECK((unsigned)got == count);
		FUZZ_CHECK(n1.tx_no_guest - n0.tx_no_guest <= count);
		taken = count - (unsigned)(n1.tx_no_guest - n0.tx_no_guest);
	} else {
		FUZZ_CHECK(n1.tx_no_guest == n0.tx_no_guest);
	}
	gs[ng].first = count;
	for (upto = 0; upto <= ng && gs[upto].first != taken; upto++)
		;
	FUZZ_CHECK(upto <= ng);
	/* Each frame the guest got is the next group taken; the groups
	 * skipped were dropped, and counted. */
	while ((uint16_t)(__atomic_load_n(&r->used->idx, __ATOMIC_ACQUIRE) - r->verified)) {
		struct virtio_net_hdr_mrg_rxbuf vh;
		uint32_t flen = take_frame(r, &vh);

		while (g < upto && !is_group(&vh, m_asm, flen, &gs[g])) {
			g++;
			dropped++;
		}
		FUZZ_CHECK(g < upto);
		g++;
	}
	dropped += upto - g;
	FUZZ_CHECK(n1.tx_guest_buf_short - n0.tx_guest_buf_short == dropped);
	/* tx_super counts the trains joined and taken, placed or dropped. */
	for (g = 0; g < upto; g++)
		joined += gs[g].joined;
	FUZZ_CHECK(n1.tx_super - n0.tx_super == joined);
	check_used_slots(r);
}

static void set_pkt(struct pw_pkt *p, uint8_t *base, uint32_t len)
{
	p->buf = base + CAP_MAX - v->frame_max; /* its end is the allocation's */
	p->cap = v->frame_max;
	p->data = p->buf;
	p->len = len;
}

static void op_tx_frames(struct in *in)
{
	unsigned count = get8(in) % BURST_MAX + 1;

	for (unsigned i = 0; i < count; i++) {
		uint32_t len = PW_ETH_HLEN + get16(in) % (v->frame_max - PW_ETH_HLEN + 1);
		uint8_t take = get8(in);

		set_pkt(tx_pkts[i], tx_base[i], len);
		for (uint32_t b = 0; b < len; b++)
			tx_pkts[i]->buf[b] = b < take ? get8(in) : (uint8_t)(b * 11 + i);
	}
	tx_burst(count);
}

static void op_tx_segments(struct in *in)
{
	uint8_t kind = get8(in);
	unsigned count = get8(in) % BURST_MAX + 1;
	uint32_t pay = get16(in), mss = get16(in), flip = get16(in), len, hdr;
	uint8_t x = get8(in);
	bool v6 = kind & 1;
	struct pw_gso g = { .type = v6 ? PW_GSO_TCPV6 : PW_GSO_TCPV4 };
	struct pw_tso t;
	uint16_t l4;

	len = build(m_frame, v6, false, kind & 2, kind & 4, 0, kind, &l4);
	hdr = len;
	if (hdr + PW_TSO_MSS_MIN > v->frame_max)
		return;
	mss = PW_TSO_MSS_MIN + mss % (v->frame_max - hdr - PW_TSO_MSS_MIN + 1);
	if (mss > 65535)
		mss = 65535;
	pay = 1 + pay % (count * mss);
	len = build(m_frame, v6, false, kind & 2, kind & 4, pay, kind, &l4);
	g.gso_size = (uint16_t)mss;
	if (!pw_tso_parse(&t, m_frame, len, &g))
		return;
	if (t.segments < count)
		count = t.segments;
	for (unsigned i = 0; i < count; i++) {
		set_pkt(tx_pkts[i], tx_base[i], 0);
		tx_pkts[i]->len = pw_tso_segment(&t, i, tx_pkts[i]->buf);
	}
	if (kind & 8) {
		struct pw_pkt *p = tx_pkts[(flip >> 11) % count];

		p->data[flip % p->len] ^= x ? x : 1;
	}
	tx_burst(count);
}

/* --- the front end --- */

static void send_msg(uint32_t req, const void *p, uint32_t size, int *fds, unsigned n)
{
	uint8_t buf[PW_VU_HDR_LEN + PW_VU_PAYLOAD_MAX], reply[PW_VU_REPLY_MAX];
	struct pw_vu_hdr h = { .request = req, .flags = PW_VU_VERSION, .size = size };
	static struct pw_vu_msg m;
	size_t reply_len;
	struct pw_err e;

	memcpy(buf, &h, sizeof(h));
	memcpy(buf + PW_VU_HDR_LEN, p, size);
	pw_err_init(&e);
	FUZZ_CHECK(pw_vu_msg_parse(buf, PW_VU_HDR_LEN + size, n, &m, &e));
	FUZZ_CHECK(pw_vu_dev_handle(&d, &m, fds, reply, &reply_len, &e));
}

static void ring_setup(struct gring *r, unsigned which, unsigned num)
{
	uint64_t base = which ? RING_AT1 : RING_AT0;
	struct pw_vu_vring_state s = { which, num };
	struct pw_vu_vring_addr a = { .index = which, .desc = UVA + base,
				      .avail = UVA + base + AVAIL_OFF,
				      .used = UVA + base + USED_OFF };
	uint64_t idx = which;
	int kick = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK), call = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);

	FUZZ_CHECK(kick >= 0 && call >= 0);
	memset(r, 0, offsetof(struct gring, fifo));
	r->which = which;
	r->num = (uint16_t)num;
	r->desc = (struct vring_desc *)at(base);
	r->avail = (struct vring_avail *)at(base + AVAIL_OFF);
	r->used = (struct vring_used *)at(base + USED_OFF);
	r->free_desc = num;
	r->data = r->data_start = which ? TX_DATA : RX_DATA;
	r->data_end = which ? TX_END : RX_END;
	memset(at(base), 0, 0x2000);
	memset(r->used->ring, 0xff, num * sizeof(r->used->ring[0]));
	send_msg(PW_VU_SET_VRING_NUM, &s, sizeof(s), NULL, 0);
	send_msg(PW_VU_SET_VRING_ADDR, &a, sizeof(a), NULL, 0);
	send_msg(PW_VU_SET_VRING_CALL, &idx, 8, &call, 1);
	send_msg(PW_VU_SET_VRING_KICK, &idx, 8, &kick, 1);
	FUZZ_CHECK(d.ring[which].started && d.ring[which].enabled);
}

static void init_once(void)
{
	uint8_t *p = mmap(NULL, MEM + 2 * PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	FUZZ_CHECK(p != MAP_FAILED);
	FUZZ_CHECK(mprotect(p + PAGE, MEM, PROT_READ | PROT_WRITE) == 0);
	mem = p + PAGE;
	for (unsigned i = 0; i < BURST_MAX; i++) {
		rx_base[i] = malloc(CAP_MAX);
		tx_base[i] = malloc(CAP_MAX);
		FUZZ_CHECK(rx_base[i] && tx_base[i]);
		rx_pkts[i] = &rx_store[i];
		tx_pkts[i] = &tx_store[i];
	}
	m_frame = malloc(PW_VQ_CHAIN_BYTES);
	m_super = malloc(SUPER_MAX);
	m_seg = malloc(CAP_MAX);
	m_gro_buf = malloc(PW_GRO_HDR_MAX);
	m_asm = malloc(SUPER_MAX);
	FUZZ_CHECK(m_frame && m_super && m_seg && m_gro_buf && m_asm);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct pw_vu_region regions[3] = {
		{ .gpa = 0, .size = REGION1, .uva = UVA },
		{ .gpa = REGION1, .size = REGION2 - REGION1, .uva = UVA + REGION1,
		  .mmap_offset = REGION1 },
		{ .gpa = REGION2, .size = MEM - REGION2, .uva = UVA + REGION2, .mmap_offset = REGION2 },
	};
	struct pw_vu_dev_cfg offer = { .pairs = 1, .features = 0 };
	struct in in = { data, size };
	uint16_t cfg;
	uint8_t sizes;
	struct pw_err e;

	if (!mem)
		init_once();
	if (size < 3)
		return 0;
	cfg = get16(&in);
	sizes = get8(&in);
	features = F(VIRTIO_F_VERSION_1); /* dev.c refuses a legacy driver */
	for (unsigned i = 0; i < sizeof(bits) / sizeof(bits[0]); i++) {
		offer.features |= F(bits[i]);
		if (cfg & 1u << i)
			features |= F(bits[i]);
	}
	offer.mtu = (uint16_t)mtus[(cfg >> 11) & 3];
	pw_vu_dev_init(&d, &offer);
	v = pw_vu_net_open(&d, 0, offer.mtu);
	FUZZ_CHECK(v != NULL);
	FUZZ_CHECK(v->frame_max == pw_frame_max(offer.mtu));
	send_msg(PW_VU_SET_FEATURES, &features, 8, NULL, 0);
	pw_err_init(&e);
	FUZZ_CHECK(pw_vu_mem_fake(&d.mem, regions, 3, mem, &e));
	ring_setup(&rings[0], 0, 1u << ((sizes & 15) > 8 ? 8 : sizes & 15));
	ring_setup(&rings[1], 1, 1u << ((sizes >> 4) > 8 ? 8 : sizes >> 4));
	for (unsigned i = 0; i < BURST_MAX; i++)
		set_pkt(rx_pkts[i], rx_base[i], 0);
	m_tso = (struct pw_tso){ 0 };
	m_next = 0;

	for (unsigned n = 0; n < OPS_MAX && in.n; n++) {
		uint8_t op = get8(&in);

		switch (op & 7) {
		case 0:
			op_post_rx(&in);
			break;
		case 1:
			op_tx_raw(&in);
			break;
		case 2:
			op_tx_super(&in);
			break;
		case 3:
			op_rx_burst(get8(&in) % BURST_MAX + 1);
			break;
		case 4:
			op_tx_frames(&in);
			break;
		case 5:
			op_tx_segments(&in);
			break;
		case 6: {
			uint8_t which = get8(&in);

			consume(&rings[which & 1], get8(&in));
			break;
		}
		default:
			if (op >> 3 == 31) {
				uint8_t which = get8(&in);

				post_broken(&rings[which & 1], get8(&in));
			} else {
				consume(&rings[0], 0);
				consume(&rings[1], 0);
			}
		}
	}
	pw_vnic_close(v);
	pw_vu_dev_reset(&d);
	return 0;
}
