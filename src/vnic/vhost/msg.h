/* SPDX-License-Identifier: MIT */
/*
 * msg.h: the vhost-user requests pwire takes, one rule per request (size,
 * fds, reply, protocol feature needed), and a pure parser that holds a
 * received message against its rule (docs/vhost-user.md §2). It opens,
 * closes and reads nothing: the caller (server.c) owns the bytes and the
 * fds that came with them, and closes those fds when a message is refused.
 * What a value means to the device (ring index in range, features offered,
 * memory regions that do not overlap) is dev.c's and mem.c's to check.
 */
#ifndef PWIRE_VNIC_VHOST_MSG_H
#define PWIRE_VNIC_VHOST_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "vnic/vhost/proto.h"

/* The fds a request carries beside its bytes. */
enum pw_vu_fds {
	PW_VU_FDS_NONE,
	PW_VU_FDS_ONE_UNLESS_NOFD, /* one, or none with PW_VU_VRING_NOFD in the u64 */
	PW_VU_FDS_PER_REGION,      /* one per memory region */
};

/* What the back end answers; REPLY_ACK on need_reply is dev.c's. */
enum pw_vu_reply {
	PW_VU_REPLY_NONE,
	PW_VU_REPLY_U64,
	PW_VU_REPLY_STATE,
};

/* Bits of the u64 of SET_VRING_KICK/CALL/ERR that may be set: the index
 * and NOFD; bits 9..63 are zero. */
enum { PW_VU_VRING_U64_MASK = PW_VU_VRING_IDX_MASK | PW_VU_VRING_NOFD };

struct pw_vu_rule {
	uint32_t req;              /* PW_VU_* request number */
	const char *name;          /* "SET_MEM_TABLE": in every error and log line */
	uint16_t size_min, size_max; /* payload bytes */
	enum pw_vu_fds fds;
	enum pw_vu_reply reply;
	uint64_t needs;            /* protocol feature mask that must be negotiated; 0: none */
};

/* A message the parser accepted: the header, the payload copied into place
 * (bytes past hdr.size are zero), how many fds came with it, its rule. */
struct pw_vu_msg {
	struct pw_vu_hdr hdr;
	union {
		uint64_t u64;
		struct pw_vu_vring_state state;
		struct pw_vu_vring_addr addr;
		struct pw_vu_memory mem;
	} p;
	unsigned n_fds;
	const struct pw_vu_rule *rule;
};

/* Hold buf[0..len) (one whole message: header and payload) with n_fds
 * received fds against the table. True: *m is filled. False: one error in
 * e naming the request and the bad value; *m is undefined. Never reads past
 * buf + len; no allocation, no system call. */
bool pw_vu_msg_parse(const uint8_t *buf, size_t len, unsigned n_fds, struct pw_vu_msg *m,
		     struct pw_err *e);

/* Whether an accepted message's request may be sent with the protocol
 * features negotiated (GET_QUEUE_NUM needs MQ, NET_SET_MTU needs NET_MTU).
 * False: one error in e naming the feature. */
bool pw_vu_msg_allowed(const struct pw_vu_msg *m, uint64_t protocol_features, struct pw_err *e);

/* The rule of an accepted request, NULL for any other number. */
const struct pw_vu_rule *pw_vu_rule_find(uint32_t req);

/* The vhost-user name of a request number ("GET_FEATURES"), offered or not;
 * NULL for a number the protocol does not define. */
const char *pw_vu_req_name(uint32_t req);

#endif
