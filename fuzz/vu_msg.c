/* SPDX-License-Identifier: MIT */
/*
 * vu_msg.c: the vhost-user message parser (vnic/vhost/msg.c,
 * pw_vu_msg_parse) on any bytes. The first byte is how many fds came with
 * the message (mod 9: 0..8, what server.c's recvmsg takes), the rest is the
 * message. libFuzzer hands the input in a heap buffer of its exact size, so
 * ASan sees any read past the end. A refusal says why, on one line; an
 * acceptance holds the table's promises: version 1, no reply or unknown
 * flag bit, exactly header + size bytes, size and fd count within the
 * request's rule, a memory table of 1..8 regions filling the payload with
 * one fd each, a kick/call/err u64 with bits 9..63 clear, no log flag in a
 * ring's addresses; and the payload copied is the input's.
 */
#include <string.h>

#include "fuzz.h"
#include "vnic/vhost/msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct pw_vu_msg m;
	const struct pw_vu_rule *r;
	struct pw_err e;
	unsigned fds;
	uint32_t req;
	bool ok;

	if (size < 1)
		return 0;
	fds = data[0] % 9;
	data++;
	size--;
	pw_err_init(&e);
	ok = pw_vu_msg_parse(data, size, fds, &m, &e);
	FUZZ_CHECK(ok == !pw_err_failed(&e) && (ok || pw_err_msg(&e)[0]));
	FUZZ_CHECK(!strchr(pw_err_msg(&e), '\n'));
	if (!ok)
		return 0;

	FUZZ_CHECK(size >= PW_VU_HDR_LEN && size == PW_VU_HDR_LEN + (size_t)m.hdr.size);
	FUZZ_CHECK(!memcmp(&m.hdr, data, PW_VU_HDR_LEN));
	FUZZ_CHECK(!memcmp(&m.p, data + PW_VU_HDR_LEN, m.hdr.size));
	FUZZ_CHECK((m.hdr.flags & PW_VU_VERSION_MASK) == PW_VU_VERSION);
	FUZZ_CHECK(!(m.hdr.flags & ~(uint32_t)(PW_VU_VERSION_MASK | PW_VU_FLAG_NEED_REPLY)));
	req = m.hdr.request;
	r = m.rule;
	FUZZ_CHECK(r != NULL && r == pw_vu_rule_find(req) && r->req == req);
	FUZZ_CHECK(pw_vu_req_name(req) != NULL && !strcmp(pw_vu_req_name(req), r->name));
	FUZZ_CHECK(m.hdr.size >= r->size_min && m.hdr.size <= r->size_max);
	FUZZ_CHECK(m.hdr.size <= PW_VU_PAYLOAD_MAX && m.n_fds == fds);
	switch (r->fds) {
	case PW_VU_FDS_NONE:
		FUZZ_CHECK(fds == 0);
		break;
	case PW_VU_FDS_ONE_UNLESS_NOFD:
		FUZZ_CHECK(m.hdr.size == 8);
		FUZZ_CHECK(!(m.p.u64 & ~(uint64_t)PW_VU_VRING_U64_MASK));
		FUZZ_CHECK(fds == (m.p.u64 & PW_VU_VRING_NOFD ? 0u : 1u));
		FUZZ_CHECK(req != PW_VU_SET_VRING_KICK || fds == 1);
		break;
	case PW_VU_FDS_PER_REGION:
		FUZZ_CHECK(req == PW_VU_SET_MEM_TABLE);
		FUZZ_CHECK(m.p.mem.n_regions >= 1 && m.p.mem.n_regions <= PW_VU_REGIONS_MAX);
		FUZZ_CHECK(m.hdr.size == 8 + 32 * m.p.mem.n_regions);
		FUZZ_CHECK(fds == m.p.mem.n_regions);
		break;
	default:
		FUZZ_CHECK(!"an fd rule the parser does not know");
	}
	FUZZ_CHECK(req != PW_VU_SET_VRING_ADDR || m.p.addr.flags == 0);
	/* The protocol feature check says yes with everything, and names what
	 * is missing with nothing. */
	pw_err_init(&e);
	FUZZ_CHECK(pw_vu_msg_allowed(&m, UINT64_MAX, &e) && !pw_err_failed(&e));
	FUZZ_CHECK(pw_vu_msg_allowed(&m, 0, &e) == (r->needs == 0));
	return 0;
}
