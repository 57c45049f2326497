/* SPDX-License-Identifier: MIT */
/*
 * vu_front.h: a front end (QEMU's part) for the vhost-user unit tests:
 * messages built as bytes, parsed by msg.c and applied to a device with
 * real fds (a sealed memfd of guest memory, eventfds), as server.c will.
 * Include it once, in a cmocka test, after cmocka.h.
 */
#ifndef PWIRE_TESTS_VU_FRONT_H
#define PWIRE_TESTS_VU_FRONT_H

#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "vnic/vhost/dev.h"

#define F(bit) (UINT64_C(1) << (bit))

enum { FRONT_MEM = 1 << 20 };
static const uint64_t UVA = 0x7f0000000000ull; /* the front end's address of gpa 0 */

static struct pw_vu_dev d;
static uint8_t reply[PW_VU_REPLY_MAX];
static size_t reply_len;

static inline bool is_open(int fd)
{
	return fcntl(fd, F_GETFD) >= 0;
}

/* Send request req with payload p (size bytes) and n fds; the handler's
 * verdict. The fds are the device's from then on. */
static inline bool send_msg(uint32_t req, uint32_t flags, const void *p, uint32_t size, int *fds,
		     unsigned n)
{
	uint8_t buf[PW_VU_HDR_LEN + PW_VU_PAYLOAD_MAX];
	struct pw_vu_hdr h = { .request = req, .flags = PW_VU_VERSION | flags, .size = size };
	struct pw_vu_msg m;
	struct pw_err e = { 0 };
	bool ok;

	memcpy(buf, &h, sizeof(h));
	if (size)
		memcpy(buf + PW_VU_HDR_LEN, p, size);
	assert_true(pw_vu_msg_parse(buf, PW_VU_HDR_LEN + size, n, &m, &e));
	ok = pw_vu_dev_handle(&d, &m, fds, reply, &reply_len, &e);
	if (!ok)
		print_message("refused: %s\n", pw_err_msg(&e));
	return ok;
}

static inline bool send_u64(uint32_t req, uint64_t v)
{
	return send_msg(req, 0, &v, 8, NULL, 0);
}

static inline bool send_state(uint32_t req, uint32_t index, uint32_t num)
{
	struct pw_vu_vring_state s = { index, num };

	return send_msg(req, 0, &s, 8, NULL, 0);
}

/* A memory table of one region, gpa 0, over a sealed memfd of FRONT_MEM
 * bytes, at the front end's address uva. With guest non-NULL, the memory
 * is also mapped here, for the test to play the guest in. */
static inline bool send_mem(uint64_t uva, uint8_t **guest)
{
	struct pw_vu_memory t = { .n_regions = 1,
				  .regions[0] = { .gpa = 0, .size = FRONT_MEM, .uva = uva } };
	int fd = memfd_create("test-vu", MFD_ALLOW_SEALING | MFD_CLOEXEC);

	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, FRONT_MEM), 0);
	assert_int_equal(fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK), 0);
	if (guest) {
		*guest = mmap(NULL, FRONT_MEM, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		assert_true(*guest != MAP_FAILED);
	}
	return send_msg(PW_VU_SET_MEM_TABLE, 0, &t, 8 + sizeof(t.regions[0]), &fd, 1);
}

/* Ring parts at uva `at` onwards: descriptors (16 num), avail (at + 16 num),
 * used (at + 16 num + 4096). */
static inline bool send_addr(uint32_t index, uint64_t at, unsigned num)
{
	struct pw_vu_vring_addr a = { .index = index, .desc = at, .avail = at + 16 * num,
				      .used = at + 16 * num + 4096 };

	return send_msg(PW_VU_SET_VRING_ADDR, 0, &a, sizeof(a), NULL, 0);
}

static inline bool send_fd(uint32_t req, uint32_t index, int *fd)
{
	uint64_t v = index;

	return send_msg(req, 0, &v, 8, fd, 1);
}

#endif
