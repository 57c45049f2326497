/* SPDX-License-Identifier: MIT */
/*
 * msg.c: the table of the vhost-user requests pwire takes and the parser
 * that holds a message against it (docs/vhost-user.md §2). One gate, in
 * order: the header is whole; version 1, no reply bit, no unknown flag;
 * the payload fits our largest (264 bytes) and the bytes are exactly
 * header + size; the request is in the table; its size and fd count are
 * the rule's; then the few payload rules that make a message meaningless
 * whatever the device's state (the kick/call/err u64, the memory table's
 * region count, the ring-address log flag). Nothing here knows the
 * device: ranges of ring indexes, offered features and memory overlap are
 * dev.c's and mem.c's. Pure: no I/O, no allocation.
 */
#include <string.h>

#include "vnic/vhost/msg.h"

#define F(bit) (UINT64_C(1) << (bit))

/* The table of docs/vhost-user.md §2, indexed by request number; a hole is
 * a request not offered. */
static const struct pw_vu_rule rules[] = {
#define RULE(r, lo, hi, f, rep, nd)                                                                \
	[PW_VU_##r] = { .req = PW_VU_##r, .name = #r, .size_min = (lo), .size_max = (hi),          \
			.fds = PW_VU_FDS_##f, .reply = PW_VU_REPLY_##rep, .needs = (nd) }
	RULE(GET_FEATURES, 0, 0, NONE, U64, 0),
	RULE(SET_FEATURES, 8, 8, NONE, NONE, 0),
	RULE(SET_OWNER, 0, 0, NONE, NONE, 0),
	RULE(RESET_OWNER, 0, 0, NONE, NONE, 0),
	RULE(SET_MEM_TABLE, 8 + sizeof(struct pw_vu_region), PW_VU_PAYLOAD_MAX, PER_REGION, NONE,
	     0),
	RULE(SET_VRING_NUM, 8, 8, NONE, NONE, 0),
	RULE(SET_VRING_ADDR, sizeof(struct pw_vu_vring_addr), sizeof(struct pw_vu_vring_addr), NONE,
	     NONE, 0),
	RULE(SET_VRING_BASE, 8, 8, NONE, NONE, 0),
	RULE(GET_VRING_BASE, 8, 8, NONE, STATE, 0),
	RULE(SET_VRING_KICK, 8, 8, ONE_UNLESS_NOFD, NONE, 0),
	RULE(SET_VRING_CALL, 8, 8, ONE_UNLESS_NOFD, NONE, 0),
	RULE(SET_VRING_ERR, 8, 8, ONE_UNLESS_NOFD, NONE, 0),
	RULE(GET_PROTOCOL_FEATURES, 0, 0, NONE, U64, 0),
	RULE(SET_PROTOCOL_FEATURES, 8, 8, NONE, NONE, 0),
	RULE(GET_QUEUE_NUM, 0, 0, NONE, U64, F(PW_VU_PROTOCOL_F_MQ)),
	RULE(SET_VRING_ENABLE, 8, 8, NONE, NONE, 0),
	RULE(NET_SET_MTU, 8, 8, NONE, NONE, F(PW_VU_PROTOCOL_F_NET_MTU)),
#undef RULE
};

/* Every request QEMU's docs/interop/vhost-user.rst numbers, for the
 * refusal of those we do not offer. */
static const char *const names[] = {
	[1] = "GET_FEATURES",
	[2] = "SET_FEATURES",
	[3] = "SET_OWNER",
	[4] = "RESET_OWNER",
	[5] = "SET_MEM_TABLE",
	[6] = "SET_LOG_BASE",
	[7] = "SET_LOG_FD",
	[8] = "SET_VRING_NUM",
	[9] = "SET_VRING_ADDR",
	[10] = "SET_VRING_BASE",
	[11] = "GET_VRING_BASE",
	[12] = "SET_VRING_KICK",
	[13] = "SET_VRING_CALL",
	[14] = "SET_VRING_ERR",
	[15] = "GET_PROTOCOL_FEATURES",
	[16] = "SET_PROTOCOL_FEATURES",
	[17] = "GET_QUEUE_NUM",
	[18] = "SET_VRING_ENABLE",
	[19] = "SEND_RARP",
	[20] = "NET_SET_MTU",
	[21] = "SET_BACKEND_REQ_FD",
	[22] = "IOTLB_MSG",
	[23] = "SET_VRING_ENDIAN",
	[24] = "GET_CONFIG",
	[25] = "SET_CONFIG",
	[26] = "CREATE_CRYPTO_SESSION",
	[27] = "CLOSE_CRYPTO_SESSION",
	[28] = "POSTCOPY_ADVISE",
	[29] = "POSTCOPY_LISTEN",
	[30] = "POSTCOPY_END",
	[31] = "GET_INFLIGHT_FD",
	[32] = "SET_INFLIGHT_FD",
	[33] = "GPU_SET_SOCKET",
	[34] = "RESET_DEVICE",
	[35] = "VRING_KICK",
	[36] = "GET_MAX_MEM_SLOTS",
	[37] = "ADD_MEM_REG",
	[38] = "REM_MEM_REG",
	[39] = "SET_STATUS",
	[40] = "GET_STATUS",
};

/* The protocol features a rule can need, for pw_vu_msg_allowed's words. */
static const char *const feature_names[] = {
	[PW_VU_PROTOCOL_F_MQ] = "MQ",
	[PW_VU_PROTOCOL_F_REPLY_ACK] = "REPLY_ACK",
	[PW_VU_PROTOCOL_F_NET_MTU] = "NET_MTU",
};

_Static_assert(sizeof(((struct pw_vu_msg *)0)->p) == PW_VU_PAYLOAD_MAX, "payload union");

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

const struct pw_vu_rule *pw_vu_rule_find(uint32_t req)
{
	return req < N_OF(rules) && rules[req].name ? &rules[req] : NULL;
}

const char *pw_vu_req_name(uint32_t req)
{
	return req < N_OF(names) ? names[req] : NULL;
}

static uint32_t load_u32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/* "request 21 (SET_BACKEND_REQ_FD)" or "request 99 (unknown)". */
static void not_offered(uint32_t req, struct pw_err *e)
{
	const char *name = pw_vu_req_name(req);

	pw_err_set(e, "request %u (%s) not offered", req, name ? name : "unknown");
}

/* The u64 of SET_VRING_KICK/CALL/ERR and the fds beside it. */
static bool check_vring_fd(const struct pw_vu_msg *m, struct pw_err *e)
{
	const char *name = m->rule->name;
	uint64_t u = m->p.u64;
	unsigned ring = (unsigned)(u & PW_VU_VRING_IDX_MASK);

	if (u & ~(uint64_t)PW_VU_VRING_U64_MASK) {
		pw_err_set(e, "%s: u64 0x%llx sets bits 9..63 (only the ring index and NOFD)", name,
			   (unsigned long long)u);
		return false;
	}
	if (!(u & PW_VU_VRING_NOFD)) {
		if (m->n_fds != 1) {
			pw_err_set(e, "%s: ring %u: %u fds, want 1", name, ring, m->n_fds);
			return false;
		}
		return true;
	}
	if (m->hdr.request == PW_VU_SET_VRING_KICK) {
		pw_err_set(e, "%s: ring %u: NOFD: polling a ring is not offered", name, ring);
		return false;
	}
	if (m->n_fds != 0) {
		pw_err_set(e, "%s: ring %u: NOFD with %u fds, want 0", name, ring, m->n_fds);
		return false;
	}
	return true;
}

/* SET_MEM_TABLE: 1..8 regions filling the payload exactly, one fd each.
 * The padding word is not checked (the spec gives it no meaning). */
static bool check_mem(const struct pw_vu_msg *m, struct pw_err *e)
{
	uint32_t n = m->p.mem.n_regions;
	uint32_t want;

	if (n < 1 || n > PW_VU_REGIONS_MAX) {
		pw_err_set(e, "SET_MEM_TABLE: %u regions, want 1..%u", n,
			   (unsigned)PW_VU_REGIONS_MAX);
		return false;
	}
	want = 8 + n * (uint32_t)sizeof(struct pw_vu_region);
	if (m->hdr.size != want) {
		pw_err_set(e, "SET_MEM_TABLE: size %u for %u regions, want %u", m->hdr.size, n,
			   want);
		return false;
	}
	if (m->n_fds != n) {
		pw_err_set(e, "SET_MEM_TABLE: %u fds for %u regions, want %u", m->n_fds, n, n);
		return false;
	}
	return true;
}

static bool check_fds(const struct pw_vu_msg *m, struct pw_err *e)
{
	switch (m->rule->fds) {
	case PW_VU_FDS_NONE:
		if (m->n_fds) {
			pw_err_set(e, "%s: %u fds, want none", m->rule->name, m->n_fds);
			return false;
		}
		return true;
	case PW_VU_FDS_ONE_UNLESS_NOFD:
		return check_vring_fd(m, e);
	case PW_VU_FDS_PER_REGION:
		return check_mem(m, e);
	}
	pw_err_set(e, "%s: no fd rule", m->rule->name);
	return false;
}

bool pw_vu_msg_parse(const uint8_t *buf, size_t len, unsigned n_fds, struct pw_vu_msg *m,
		     struct pw_err *e)
{
	const struct pw_vu_rule *r;
	const char *name;
	uint32_t req, flags, size, version, unknown;

	if (len < PW_VU_HDR_LEN) {
		pw_err_set(e, "message of %zu bytes, shorter than the %u-byte header", len,
			   (unsigned)PW_VU_HDR_LEN);
		return false;
	}
	req = load_u32(buf);
	flags = load_u32(buf + 4);
	size = load_u32(buf + 8);
	name = pw_vu_req_name(req);
	if (!name)
		name = "unknown";

	version = flags & PW_VU_VERSION_MASK;
	if (version != PW_VU_VERSION) {
		pw_err_set(e, "request %u (%s): flags 0x%x: version %u, want %u", req, name, flags,
			   version, (unsigned)PW_VU_VERSION);
		return false;
	}
	if (flags & PW_VU_FLAG_REPLY) {
		pw_err_set(e, "request %u (%s): flags 0x%x: reply bit set in a request", req, name,
			   flags);
		return false;
	}
	unknown = flags & ~(uint32_t)(PW_VU_VERSION_MASK | PW_VU_FLAG_NEED_REPLY);
	if (unknown) {
		pw_err_set(e, "request %u (%s): flags 0x%x: unknown flag bits 0x%x", req, name,
			   flags, unknown);
		return false;
	}
	if (size > PW_VU_PAYLOAD_MAX) {
		pw_err_set(e, "request %u (%s): size %u over the largest payload (%u)", req, name,
			   size, (unsigned)PW_VU_PAYLOAD_MAX);
		return false;
	}
	if (len != PW_VU_HDR_LEN + (size_t)size) {
		pw_err_set(e, "request %u (%s): %zu bytes for size %u, want %zu", req, name, len,
			   size, PW_VU_HDR_LEN + (size_t)size);
		return false;
	}
	r = pw_vu_rule_find(req);
	if (!r) {
		not_offered(req, e);
		return false;
	}
	if (size < r->size_min || size > r->size_max) {
		if (r->size_min == r->size_max)
			pw_err_set(e, "%s: size %u, want %u", r->name, size, r->size_min);
		else
			pw_err_set(e, "%s: size %u, want %u..%u", r->name, size, r->size_min,
				   r->size_max);
		return false;
	}

	memset(m, 0, sizeof(*m));
	m->hdr.request = req;
	m->hdr.flags = flags;
	m->hdr.size = size;
	memcpy(&m->p, buf + PW_VU_HDR_LEN, size);
	m->n_fds = n_fds;
	m->rule = r;
	if (!check_fds(m, e))
		return false;
	if (req == PW_VU_SET_VRING_ADDR && m->p.addr.flags) {
		uint32_t fl = m->p.addr.flags;

		pw_err_set(e, "SET_VRING_ADDR: ring %u: flags 0x%x: %s", m->p.addr.index, fl,
			   fl & 1 ? "logging (bit 0) not offered" : "unknown flag bits");
		return false;
	}
	return true;
}

bool pw_vu_msg_allowed(const struct pw_vu_msg *m, uint64_t protocol_features, struct pw_err *e)
{
	uint64_t missing = m->rule->needs & ~protocol_features;

	for (unsigned bit = 0; bit < 64; bit++) {
		const char *name = bit < N_OF(feature_names) ? feature_names[bit] : NULL;

		if (!(missing & F(bit)))
			continue;
		pw_err_set(e, "%s needs protocol feature %s (bit %u), not negotiated",
			   m->rule->name, name ? name : "?", bit);
		return false;
	}
	return true;
}
