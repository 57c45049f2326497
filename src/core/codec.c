/* SPDX-License-Identifier: MIT */
/*
 * codec.c: L2TPv3 encapsulation and the single receive gate.
 *
 * Encap writes the header described by the session's tx layout into the
 * packet's header slot, and the session's peer into the packet. Decap
 * checks, in this order and before reading the field it guards: MSG_TRUNC,
 * the length of the fixed part, the UDP T/Ver word, the session id, the
 * source (the session's peer: address, and port over UDP), the full header
 * length, the cookie, the sequence number. The first check that fails is
 * the one reason the datagram is counted under; so a datagram from a
 * stranger counts as rx_bad_source only once it names one of our sessions
 * (before that, no peer is known to compare with: a stranger's short or
 * unknown-session datagram counts as short or bad session, like anyone's).
 *
 * A frame the gate delivers is also looked at for the one fault that gives
 * no drop: a layout 4 bytes off from the peer's (l2spec_type, or a cookie
 * length). That frame is delivered as it is and counted
 * (rx_unexpected_sublayer, rx_missing_sublayer); the reports say what the
 * counts mean (docs/wire-format.md, "A shifted layout").
 */
#include "core/codec.h"
#include "core/gso.h"
#include "core/inet.h"

static uint32_t seq_mask(enum pw_l2spec l2spec)
{
	return l2spec == PW_L2SPEC_DEFAULT ? PW_SEQ24_MASK : UINT32_MAX;
}

/* The sublayer word to send, and advance the sequence (RFC 4719 §3). */
static uint32_t sublayer_next(struct pw_session *s)
{
	uint32_t word;

	if (!(s->cfg.seq & PW_SEQ_SEND))
		return 0; /* no number: S=0, or QEMU's pinned counter */
	word = s->tx_seq & seq_mask(s->cfg.l2spec);
	s->tx_seq = (s->tx_seq + 1) & seq_mask(s->cfg.l2spec);
	if (s->cfg.l2spec == PW_L2SPEC_DEFAULT)
		word |= PW_SUBLAYER_S_BIT;
	return word;
}

void pw_encap_burst(struct pw_session *s, struct pw_pkt *const *pkts, unsigned n)
{
	const struct pw_layout *l = &s->tx;

	for (unsigned i = 0; i < n; i++) {
		struct pw_pkt *p = pkts[i];
		uint8_t *h = p->hdr;

		if (s->cfg.encap == PW_ENCAP_UDP)
			store_be32(h, PW_UDP_WORD);
		store_be32(h + l->session, s->cfg.peer_session_id);
		memcpy(h + l->cookie, s->cfg.cookie.bytes, l->cookie_len);
		if (l->sublayer_len)
			store_be32(h + l->sublayer, sublayer_next(s));
		memset(h + l->pad, 0, l->pad_len);
		p->hdr_len = l->len;
		p->peer = s->peer;
		p->refused = false;
	}
}

/* Where the probe for an id starts. Ids are chosen by configuration, not by
 * whoever sends to us: a multiplicative hash spreads sequential ones. */
static uint32_t slot_of(uint32_t id, uint32_t mask)
{
	uint32_t h = id * 0x9e3779b1u;

	return (h ^ (h >> 16)) & mask;
}

size_t pw_tunnel_slots(unsigned n_sessions)
{
	size_t n = 2;

	while (n < 2 * (size_t)n_sessions)
		n <<= 1;
	return n;
}

bool pw_tunnel_index(struct pw_tunnel *t, struct pw_tunnel_slot *slots, size_t n_slots)
{
	uint32_t mask = (uint32_t)n_slots - 1;

	if (n_slots < pw_tunnel_slots(t->n_sessions) || (n_slots & (n_slots - 1)))
		return false;
	memset(slots, 0, n_slots * sizeof(*slots));
	for (unsigned k = 0; k < t->n_sessions; k++) {
		uint32_t id = t->sessions[k].cfg.session_id, i = slot_of(id, mask);

		for (; slots[i].index; i = (i + 1) & mask) {
			if (slots[i].id == id)
				return false;
		}
		slots[i] = (struct pw_tunnel_slot){ .id = id, .index = k + 1 };
	}
	t->slots = slots;
	t->slot_mask = mask;
	return true;
}

bool pw_tunnel_add(struct pw_tunnel *t, unsigned k)
{
	uint32_t mask = t->slot_mask, id = t->sessions[k].cfg.session_id, i;
	unsigned used = 0;

	if (!t->slots || k > t->n_sessions)
		return false;
	for (i = 0; i <= mask; i++)
		used += t->slots[i].index != 0;
	if (2 * (size_t)(used + 1) > (size_t)mask + 1)
		return false;
	for (i = slot_of(id, mask); t->slots[i].index; i = (i + 1) & mask)
		if (t->slots[i].id == id)
			return false;
	t->slots[i] = (struct pw_tunnel_slot){ .id = id, .index = k + 1 };
	if (k == t->n_sessions)
		t->n_sessions++;
	return true;
}

bool pw_tunnel_unindex(struct pw_tunnel *t, uint32_t session_id)
{
	uint32_t mask = t->slot_mask, i, j;

	if (!t->slots)
		return false;
	for (i = slot_of(session_id, mask); t->slots[i].id != session_id || !t->slots[i].index;
	     i = (i + 1) & mask)
		if (!t->slots[i].index)
			return false;
	/* Empty slot i, then move back every later entry of the run whose
	 * probe would now stop at the hole before reaching it (linear
	 * probing's deletion: no tombstones, lookups stay as short). */
	for (j = (i + 1) & mask; t->slots[j].index; j = (j + 1) & mask) {
		uint32_t home = slot_of(t->slots[j].id, mask);

		/* home not cyclically in (i, j]: its probe passes i */
		if (((j - home) & mask) >= ((j - i) & mask)) {
			t->slots[i] = t->slots[j];
			i = j;
		}
	}
	t->slots[i] = (struct pw_tunnel_slot){ 0 };
	return true;
}

/* Inlined into the gate; pw_tunnel_lookup() is the same for everyone else. */
static inline struct pw_session *lookup(struct pw_tunnel *t, uint32_t session_id)
{
	/* One session (pwire up): its id is one compare away, nearer than
	 * any slot. */
	if (!t->slots || t->n_sessions == 1) {
		for (unsigned i = 0; i < t->n_sessions; i++)
			if (t->sessions[i].cfg.session_id == session_id)
				return &t->sessions[i];
		return NULL;
	}
	/* At most half the slots are used: a probe ends at an empty one. */
	for (uint32_t i = slot_of(session_id, t->slot_mask);; i = (i + 1) & t->slot_mask) {
		const struct pw_tunnel_slot *sl = &t->slots[i];

		if (!sl->index)
			return NULL;
		if (sl->id == session_id)
			return &t->sessions[sl->index - 1];
	}
}

struct pw_session *pw_tunnel_lookup(struct pw_tunnel *t, uint32_t session_id)
{
	return lookup(t, session_id);
}

/* The sequence check of `seq recv` (RFC 4719 §4.2 leaves the policy to us):
 * numbers behind the expected one are dropped, numbers ahead of it are
 * accepted (the frames between were lost). A run of PW_SEQ_RESYNC
 * consecutive numbers behind resynchronises: one corrupted number far ahead,
 * or a peer that restarted its count, costs a few frames, not millions. */
static enum pw_rx_verdict seq_check(struct pw_session *s, const uint8_t *h)
{
	uint32_t word, ns, mask = seq_mask(s->cfg.l2spec);

	if (!s->rx.sublayer_len || !(s->cfg.seq & PW_SEQ_RECV))
		return PW_RX_OK;
	word = load_be32(h + s->rx.sublayer);
	if (s->cfg.l2spec == PW_L2SPEC_DEFAULT && !(word & PW_SUBLAYER_S_BIT)) {
		s->stats.rx_seq_discards++;
		return PW_RX_NO_SEQ;
	}
	ns = word & mask;
	if (s->rx_seq_valid && ((ns - s->rx_seq) & mask) > mask / 2) {
		s->rx_oos_run = s->rx_oos_run && ns == s->rx_oos_next ? s->rx_oos_run + 1 : 1;
		s->rx_oos_next = (ns + 1) & mask;
		if (s->rx_oos_run < PW_SEQ_RESYNC) {
			s->stats.rx_oos_packets++;
			return PW_RX_OOS;
		}
	}
	s->rx_oos_run = 0;
	s->rx_seq = (ns + 1) & mask;
	s->rx_seq_valid = true;
	return PW_RX_OK;
}

/* ARP over Ethernet for IPv4 (RFC 826), as far as the shift test reads it:
 * the fixed fields after the type, then the operation. */
enum pw_arp {
	PW_ETH_P_ARP = 0x0806,
	PW_ARP_FIXED = 0x00010800, /* hardware type Ethernet, protocol type IPv4 */
	PW_ARP_LENS = 0x0604,      /* hardware and protocol address lengths */
	PW_ARP_OP = 6,
	PW_ARP_REQUEST = 1,
	PW_ARP_REPLY = 2,
	PW_ARP_LEN = 28,
};

/* The shortest frame a NIC sends (no FCS); a tag the NIC inserts or strips
 * makes it 64. Bytes past an IP datagram are padding only up to that. */
enum { PW_ETH_PADDED_MAX = 64 };

/* Is the frame whose type field is at p, with rest bytes from there to its
 * end and head bytes before it (12 and the tags), the start of an IPv4
 * datagram whose header checksum holds, an IPv6 packet, or an ARP message,
 * each exactly as long as the frame says (or padded to the minimum frame)?
 * Up to two VLAN tags in front. A strict test, for frames that already
 * failed the cheap one: a valid frame of another type passes it by chance
 * about once in 2^36 (IPv6) to 2^51 (IPv4). */
static bool sound_at(const uint8_t *p, uint32_t rest, uint32_t head)
{
	for (unsigned tags = 0;; tags++) {
		uint32_t len, frame = head + rest;
		uint16_t type;

		if (rest < 2)
			return false;
		type = load_be16(p);
		p += 2, rest -= 2;
		switch (type) {
		case PW_ETH_P_IPV4:
			if (rest < PW_IPV4_HLEN_MIN || p[0] >> 4 != 4 ||
			    (p[0] & PW_IPV4_IHL) * 4u < PW_IPV4_HLEN_MIN ||
			    (p[0] & PW_IPV4_IHL) * 4u > rest)
				return false;
			len = load_be16(p + PW_IPV4_TOT_LEN);
			if (len < (p[0] & PW_IPV4_IHL) * 4u || len > rest ||
			    (len < rest && frame > PW_ETH_PADDED_MAX))
				return false;
			return pw_csum_fold(pw_csum_add(0, p, (p[0] & PW_IPV4_IHL) * 4u)) == 0;
		case PW_ETH_P_IPV6:
			if (rest < PW_IPV6_HLEN || p[0] >> 4 != 6)
				return false;
			len = PW_IPV6_HLEN + load_be16(p + PW_IPV6_PAYLOAD_LEN);
			return len == rest || (len < rest && frame <= PW_ETH_PADDED_MAX);
		case PW_ETH_P_ARP:
			return rest >= PW_ARP_LEN && (rest == PW_ARP_LEN || frame <= PW_ETH_PADDED_MAX) &&
			       load_be32(p) == PW_ARP_FIXED && load_be16(p + 4) == PW_ARP_LENS &&
			       (load_be16(p + PW_ARP_OP) == PW_ARP_REQUEST ||
				load_be16(p + PW_ARP_OP) == PW_ARP_REPLY);
		case PW_ETH_P_8021Q:
		case PW_ETH_P_8021AD:
			if (tags == PW_VLAN_TAGS_MAX || rest < PW_VLAN_HLEN - 2)
				return false;
			p += PW_VLAN_HLEN - 2, rest -= PW_VLAN_HLEN - 2, head += PW_VLAN_HLEN;
			continue;
		default:
			return false;
		}
	}
}

/* A layout 4 bytes off from the peer's puts a MAC address's bytes, or an
 * IP header's, where the type should be, and the type 4 bytes later (the
 * peer sends a sublayer word, or a cookie, that we do not expect) or 4
 * bytes earlier (our sublayer took 4 bytes of a frame sent without one).
 * The cheap test first: the type is IPv4 or IPv6 with the version to match,
 * ARP or a VLAN tag; every such frame is left alone, so nothing more is
 * read for ordinary traffic. Only a frame that fails it and is sound
 * shifted by 4 is counted. Delivered either way: a test must not drop. */
static inline void shift_check(struct pw_session *s, const uint8_t *f, uint32_t len)
{
	uint16_t type = load_be16(f + PW_ETH_TYPE);

	if (len > PW_ETH_HLEN) {
		switch (type) {
		case PW_ETH_P_IPV4:
			if (f[PW_ETH_HLEN] >> 4 == 4)
				return;
			break;
		case PW_ETH_P_IPV6:
			if (f[PW_ETH_HLEN] >> 4 == 6)
				return;
			break;
		case PW_ETH_P_ARP:
		case PW_ETH_P_8021Q:
		case PW_ETH_P_8021AD:
			return;
		}
	}
	if (len >= PW_ETH_TYPE + 4 && sound_at(f + PW_ETH_TYPE + 4, len - PW_ETH_TYPE - 4, PW_ETH_TYPE))
		s->stats.rx_unexpected_sublayer++;
	else if (sound_at(f + PW_ETH_TYPE - 4, len - PW_ETH_TYPE + 4, PW_ETH_TYPE))
		s->stats.rx_missing_sublayer++;
}

/* The gate; with `looked`, `found` is what lookup() gives for this
 * datagram's id (pw_decap_burst() found it ahead). */
static inline __attribute__((always_inline)) enum pw_rx_verdict
gate(struct pw_tunnel *t, struct pw_pkt *p, struct pw_session **out, struct pw_session *found,
     bool looked)
{
	unsigned at = t->encap == PW_ENCAP_UDP ? PW_UDP_WORD_LEN : 0;
	struct pw_session *s;
	uint32_t id;

	if (p->truncated) {
		t->stats.rx_truncated++;
		return PW_RX_TRUNCATED;
	}
	if (p->len < at + PW_SESSION_LEN) {
		t->stats.rx_short++;
		return PW_RX_SHORT;
	}
	if (t->encap == PW_ENCAP_UDP) {
		uint32_t word = load_be32(p->data);

		if (((word >> PW_UDP_VER_SHIFT) & PW_UDP_VER_MASK) != PW_L2TP_VERSION) {
			t->stats.rx_bad_version++;
			return PW_RX_BAD_VERSION;
		}
		if (word & PW_UDP_T_BIT) {
			t->stats.rx_control++;
			return PW_RX_CONTROL;
		}
	}
	id = load_be32(p->data + at);
	if (t->encap == PW_ENCAP_IP && id == 0) { /* RFC 3931 §4.1.1.1 */
		t->stats.rx_control++;
		return PW_RX_CONTROL;
	}
	s = looked ? found : lookup(t, id);
	if (!s) {
		t->stats.rx_bad_session++;
		t->last_bad_session = id;
		return PW_RX_BAD_SESSION;
	}
	/* A tunnel counter: the datagram is not the session's to count. */
	if (!pw_addr_eq(&p->peer, &s->peer)) {
		t->stats.rx_bad_source++;
		return PW_RX_BAD_SOURCE;
	}
	if (p->len < (uint32_t)s->rx.len + PW_ETH_HLEN) {
		t->stats.rx_short++;
		return PW_RX_SHORT;
	}
	if (memcmp(p->data + s->rx.cookie, s->cfg.peer_cookie.bytes, s->rx.cookie_len)) {
		s->stats.rx_cookie_discards++;
		return PW_RX_BAD_COOKIE;
	}
	enum pw_rx_verdict v = seq_check(s, p->data);
	if (v != PW_RX_OK)
		return v;
	p->data += s->rx.len;
	p->len -= s->rx.len;
	s->stats.rx_packets++;
	s->stats.rx_bytes += p->len;
	shift_check(s, p->data, p->len);
	*out = s;
	return PW_RX_OK;
}

enum pw_rx_verdict pw_decap(struct pw_tunnel *t, struct pw_pkt *p, struct pw_session **out)
{
	return gate(t, p, out, NULL, false);
}

/* With many sessions their state is not in cache, and the gate would wait
 * for it one datagram after another (a slot, then a session, each a miss).
 * So the loads are started ahead, pipelined: the slot of the datagram
 * PW_AHEAD_SLOT places on, the session of the one PW_AHEAD_SESSION places
 * on (its slot arrived meanwhile), while the gate decides the current one.
 * That session is the one the gate then takes (one lookup a datagram, not
 * two); everything else is decided by the gate, in its order. */
enum { PW_AHEAD_SESSION = 16, PW_AHEAD_SLOT = 2 * PW_AHEAD_SESSION };
#define PW_GATE_END (offsetof(struct pw_session, stats.rx_bytes) + sizeof(uint64_t))

/* The slot where the lookup of p's session id starts; NULL for a datagram
 * too short to carry one. (A function that only prefetches would be taken
 * for one without effects and its calls dropped by GCC: the prefetch is the
 * caller's.) */
static inline __attribute__((always_inline)) const struct pw_tunnel_slot *
first_slot(const struct pw_tunnel *t, const struct pw_pkt *p, unsigned at)
{
	if (p->len < at + PW_SESSION_LEN)
		return NULL;
	return &t->slots[slot_of(load_be32(p->data + at), t->slot_mask)];
}

/* p's session (NULL: none, or p too short to name one), its lines loading. */
static inline __attribute__((always_inline)) struct pw_session *
find_ahead(struct pw_tunnel *t, const struct pw_pkt *p, unsigned at)
{
	struct pw_session *s;

	if (p->len < at + PW_SESSION_LEN)
		return NULL;
	s = lookup(t, load_be32(p->data + at));
	if (!s)
		return NULL;
	/* The gate, and then the engine handing the frame on (out), read
	 * the session up to the rx counters (session.h keeps those fields
	 * first): two lines, or three where sessions[] is not aligned. */
	for (size_t off = 0; off < PW_GATE_END; off += 64)
		__builtin_prefetch((const char *)s + off);
	__builtin_prefetch((const char *)s + PW_GATE_END - 1);
	return s;
}

unsigned pw_decap_burst(struct pw_tunnel *t, struct pw_pkt **pkts, unsigned n,
			struct pw_session **sess)
{
	unsigned at = t->encap == PW_ENCAP_UDP ? PW_UDP_WORD_LEN : 0, kept = 0;
	bool ahead = t->slots && t->n_sessions > 1;

	/* sess[i] holds datagram i's session, found PW_AHEAD_SESSION places
	 * before the gate needs it; the gate's own results go to sess[kept],
	 * kept <= i, so they never overwrite one still to be read. */
	for (unsigned i = 0; ahead && i < n && i < PW_AHEAD_SLOT; i++)
		__builtin_prefetch(first_slot(t, pkts[i], at));
	for (unsigned i = 0; ahead && i < n && i < PW_AHEAD_SESSION; i++)
		sess[i] = find_ahead(t, pkts[i], at);
	for (unsigned i = 0; i < n; i++) {
		struct pw_pkt *p = pkts[i];

		if (ahead && i + PW_AHEAD_SLOT < n)
			__builtin_prefetch(first_slot(t, pkts[i + PW_AHEAD_SLOT], at));
		if (ahead && i + PW_AHEAD_SESSION < n)
			sess[i + PW_AHEAD_SESSION] = find_ahead(t, pkts[i + PW_AHEAD_SESSION], at);

		if (gate(t, p, &sess[kept], ahead ? sess[i] : NULL, ahead) != PW_RX_OK)
			continue;
		pkts[i] = pkts[kept];
		pkts[kept++] = p;
	}
	return kept;
}
