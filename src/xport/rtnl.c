/* SPDX-License-Identifier: MIT */
/*
 * rtnl.c: one rtnetlink request and its replies (rtnl.h). libmnl sends,
 * receives (a reply longer than the buffer is an error, not cut), checks
 * each reply's sequence number and port, turns NLMSG_ERROR into errno and
 * ends at the acknowledgement or NLMSG_DONE; this file opens and closes
 * the socket around it. A socket per request: pwire asks a handful of
 * questions at open time, never on the data path.
 */
#include <errno.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "xport/rtnl.h"

/* Reads of one request's replies: a dump of every filter on a device, or
 * of a big routing table, ends long before. */
enum { PW_RTNL_READS_MAX = 4096 };

/* One read: the kernel writes a dump in messages of up to 32 KiB (what
 * libmnl's newer MNL_SOCKET_DUMP_SIZE says); a longer one is an error. */
enum { PW_RTNL_BUF = 32768 };

/* The end of a dump, and an error or acknowledgement: the kernel's error
 * number, which libmnl's own handling of NLMSG_DONE does not read. */
static int end_of(const struct nlmsghdr *nh, void *data)
{
	int err = 0;

	(void)data;
	if (nh->nlmsg_type == NLMSG_ERROR) {
		const struct nlmsgerr *e = mnl_nlmsg_get_payload(nh);

		if (mnl_nlmsg_get_payload_len(nh) < sizeof(*e)) {
			errno = EBADMSG;
			return MNL_CB_ERROR;
		}
		err = e->error;
	} else if (mnl_nlmsg_get_payload_len(nh) >= sizeof(int)) {
		memcpy(&err, mnl_nlmsg_get_payload(nh), sizeof(int));
	}
	if (err < 0) {
		errno = -err;
		return MNL_CB_ERROR;
	}
	return MNL_CB_STOP;
}

void *pw_rtnl_req(union pw_rtnl_req *r, uint16_t type, uint16_t flags, size_t len)
{
	struct nlmsghdr *nh = mnl_nlmsg_put_header(r->buf);

	nh->nlmsg_type = type;
	nh->nlmsg_flags = NLM_F_REQUEST | flags;
	return mnl_nlmsg_put_extra_header(nh, len);
}

int pw_rtnl_talk(struct nlmsghdr *req, mnl_cb_t cb, void *data)
{
	/* Not const: mnl_cb_run2() takes it so. The kinds not named are
	 * skipped (NLMSG_NOOP, NLMSG_OVERRUN). */
	static mnl_cb_t ends[NLMSG_MIN_TYPE] = { [NLMSG_ERROR] = end_of, [NLMSG_DONE] = end_of };
	char buf[PW_RTNL_BUF];
	struct mnl_socket *nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	unsigned portid, reads = 0;
	int ret = MNL_CB_OK, err = 0;

	if (!nl)
		return -errno;
	req->nlmsg_seq = 1;
	/* NLM_F_DUMP's bits mean NLM_F_REPLACE | NLM_F_EXCL in a NEW request:
	 * a dump is a GET (RTM_GET* are 2 mod 4) with both set. */
	if ((req->nlmsg_flags & NLM_F_DUMP) != NLM_F_DUMP || (req->nlmsg_type & 3) != 2)
		req->nlmsg_flags |= NLM_F_ACK;
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0 ||
	    mnl_socket_sendto(nl, req, req->nlmsg_len) < 0) {
		err = -errno;
		goto out;
	}
	portid = mnl_socket_get_portid(nl);
	while (ret > MNL_CB_STOP) {
		ssize_t n;

		if (++reads > PW_RTNL_READS_MAX) {
			err = -E2BIG;
			break;
		}
		n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = -errno;
			break;
		}
		errno = 0;
		ret = mnl_cb_run2(buf, (size_t)n, req->nlmsg_seq, portid, cb, data, ends,
				  NLMSG_MIN_TYPE);
		if (ret == MNL_CB_ERROR)
			err = errno ? -errno : -EPROTO;
	}
out:
	mnl_socket_close(nl);
	return err;
}

static int info_attr(const struct nlattr *a, void *data)
{
	char *kind = data;

	if (mnl_attr_get_type(a) == IFLA_INFO_KIND)
		snprintf(kind, PW_RTNL_KIND, "%.*s", (int)mnl_attr_get_payload_len(a),
			 mnl_attr_get_str(a));
	return MNL_CB_OK;
}

static int link_attr(const struct nlattr *a, void *data)
{
	if (mnl_attr_get_type(a) == IFLA_LINKINFO && !mnl_attr_validate(a, MNL_TYPE_NESTED))
		mnl_attr_parse_nested(a, info_attr, data);
	return MNL_CB_OK;
}

static int link_reply(const struct nlmsghdr *nh, void *data)
{
	if (nh->nlmsg_type == RTM_NEWLINK &&
	    mnl_nlmsg_get_payload_len(nh) >= sizeof(struct ifinfomsg))
		mnl_attr_parse(nh, sizeof(struct ifinfomsg), link_attr, data);
	return MNL_CB_OK;
}

int pw_rtnl_link_kind(int ifindex, char kind[static PW_RTNL_KIND])
{
	union pw_rtnl_req r;
	struct ifinfomsg *ifi = pw_rtnl_req(&r, RTM_GETLINK, 0, sizeof(*ifi));

	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex;
	kind[0] = '\0';
	return pw_rtnl_talk(&r.nh, link_reply, kind);
}
