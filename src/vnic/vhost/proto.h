/* SPDX-License-Identifier: MIT */
/*
 * proto.h: the vhost-user protocol as it travels on the UNIX socket
 * (QEMU's docs/interop/vhost-user.rst; pwire is the back end): request
 * numbers, header flags, feature bits and the payload layouts pwire
 * accepts. Only what docs/vhost-user.md's table takes is here.
 *
 * Every field is in the host's byte order on the socket; pwire supports
 * little-endian hosts only (the vrings are little-endian, VERSION_1).
 */
#ifndef PWIRE_VNIC_VHOST_PROTO_H
#define PWIRE_VNIC_VHOST_PROTO_H

#include <stdint.h>

#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "vhost-user in pwire supports little-endian hosts only"
#endif

/* Requests from the front end (QEMU). */
enum pw_vu_req {
	PW_VU_GET_FEATURES = 1,
	PW_VU_SET_FEATURES = 2,
	PW_VU_SET_OWNER = 3,
	PW_VU_RESET_OWNER = 4,
	PW_VU_SET_MEM_TABLE = 5,
	PW_VU_SET_LOG_BASE = 6,
	PW_VU_SET_LOG_FD = 7,
	PW_VU_SET_VRING_NUM = 8,
	PW_VU_SET_VRING_ADDR = 9,
	PW_VU_SET_VRING_BASE = 10,
	PW_VU_GET_VRING_BASE = 11,
	PW_VU_SET_VRING_KICK = 12,
	PW_VU_SET_VRING_CALL = 13,
	PW_VU_SET_VRING_ERR = 14,
	PW_VU_GET_PROTOCOL_FEATURES = 15,
	PW_VU_SET_PROTOCOL_FEATURES = 16,
	PW_VU_GET_QUEUE_NUM = 17,
	PW_VU_SET_VRING_ENABLE = 18,
	PW_VU_SEND_RARP = 19,
	PW_VU_NET_SET_MTU = 20,
	PW_VU_SET_BACKEND_REQ_FD = 21,
};

/* The header's flags word. */
enum {
	PW_VU_VERSION_MASK = 0x3,
	PW_VU_VERSION = 0x1,
	PW_VU_FLAG_REPLY = 1u << 2,
	PW_VU_FLAG_NEED_REPLY = 1u << 3,
};

/* The u64 of SET_VRING_KICK/CALL/ERR: the ring index, and no fd sent. */
enum {
	PW_VU_VRING_IDX_MASK = 0xff,
	PW_VU_VRING_NOFD = 1u << 8,
};

/* Protocol feature bits (GET/SET_PROTOCOL_FEATURES). */
enum {
	PW_VU_PROTOCOL_F_MQ = 0,
	PW_VU_PROTOCOL_F_REPLY_ACK = 3,
	PW_VU_PROTOCOL_F_NET_MTU = 4,
};

/* The virtio feature bit saying protocol features exist (beside the
 * virtio-net and ring bits of <linux/virtio_*.h>). */
enum { PW_VU_F_PROTOCOL_FEATURES = 30 };

enum {
	PW_VU_REGIONS_MAX = 8,
	PW_VU_HDR_LEN = 12,
};

struct pw_vu_hdr {
	uint32_t request;
	uint32_t flags;
	uint32_t size; /* payload bytes after the header */
};

/* SET_VRING_NUM, SET_VRING_BASE, GET_VRING_BASE, SET_VRING_ENABLE. */
struct pw_vu_vring_state {
	uint32_t index;
	uint32_t num;
};

/* SET_VRING_ADDR: front-end virtual addresses of the three ring parts. */
struct pw_vu_vring_addr {
	uint32_t index;
	uint32_t flags; /* bit 0: log the used ring (never offered) */
	uint64_t desc;
	uint64_t used;
	uint64_t avail;
	uint64_t log;
};

/* One region of SET_MEM_TABLE; its fd travels beside the message. */
struct pw_vu_region {
	uint64_t gpa;         /* guest physical address */
	uint64_t size;
	uint64_t uva;         /* the front end's virtual address */
	uint64_t mmap_offset; /* where the region starts in the fd */
};

struct pw_vu_memory {
	uint32_t n_regions;
	uint32_t padding;
	struct pw_vu_region regions[PW_VU_REGIONS_MAX];
};

/* The largest payload accepted: a full memory table. */
enum { PW_VU_PAYLOAD_MAX = sizeof(struct pw_vu_memory) };

_Static_assert(sizeof(struct pw_vu_hdr) == PW_VU_HDR_LEN, "vhost-user header");
_Static_assert(sizeof(struct pw_vu_vring_addr) == 40, "vring address payload");
_Static_assert(sizeof(struct pw_vu_region) == 32, "memory region");
_Static_assert(PW_VU_PAYLOAD_MAX == 264, "memory table payload");

#endif
