/* SPDX-License-Identifier: MIT */
/*
 * grodev.c: a fast session's GRO pair (grodev.h): a veth pair made and
 * deleted by rtnetlink (xport/rtnl.h), its offloads set by the ethtool
 * ioctls `ethtool -K` uses (the legacy ones: one feature each, no string
 * table to read first), IPv6 turned off by its sysctl.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/ethtool.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/sockios.h>
#include <linux/veth.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "fast/grodev.h"
#include "xport/rtnl.h"

/* The largest frame veth forwards: any the TAP takes, whatever its MTU
 * becomes (veth drops what exceeds its peer's MTU). */
enum { GRODEV_MTU = 65535 };

static void put_end(struct nlmsghdr *nh, const char *name)
{
	mnl_attr_put_strz(nh, IFLA_IFNAME, name);
	mnl_attr_put_u32(nh, IFLA_MTU, GRODEV_MTU);
}

static int make(const struct pw_grodev *g)
{
	union pw_rtnl_req r;
	struct ifinfomsg *ifi = pw_rtnl_req(&r, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL,
					    sizeof(*ifi));
	struct nlattr *info, *data, *peer;
	struct ifinfomsg *pifi;

	ifi->ifi_family = AF_UNSPEC;
	put_end(&r.nh, g->in);
	info = mnl_attr_nest_start(&r.nh, IFLA_LINKINFO);
	mnl_attr_put_strz(&r.nh, IFLA_INFO_KIND, "veth");
	data = mnl_attr_nest_start(&r.nh, IFLA_INFO_DATA);
	peer = mnl_attr_nest_start(&r.nh, VETH_INFO_PEER);
	pifi = mnl_nlmsg_put_extra_header(&r.nh, sizeof(*pifi)); /* the peer's, zeroed */
	pifi->ifi_family = AF_UNSPEC;
	put_end(&r.nh, g->out);
	mnl_attr_nest_end(&r.nh, peer);
	mnl_attr_nest_end(&r.nh, data);
	mnl_attr_nest_end(&r.nh, info);
	return pw_rtnl_talk(&r.nh, NULL, NULL);
}

/* Made down (veth refuses to bring an end up before its peer exists). */
static int up(int ifindex)
{
	union pw_rtnl_req r;
	struct ifinfomsg *ifi = pw_rtnl_req(&r, RTM_NEWLINK, 0, sizeof(*ifi));

	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex;
	ifi->ifi_flags = ifi->ifi_change = IFF_UP;
	return pw_rtnl_talk(&r.nh, NULL, NULL);
}

static int delete(int ifindex, const char *name)
{
	union pw_rtnl_req r;
	struct ifinfomsg *ifi = pw_rtnl_req(&r, RTM_DELLINK, 0, sizeof(*ifi));

	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex;
	if (!ifindex)
		mnl_attr_put_strz(&r.nh, IFLA_IFNAME, name);
	return pw_rtnl_talk(&r.nh, NULL, NULL);
}

/* One legacy ethtool feature of dev (ETHTOOL_STSO, ETHTOOL_SGRO) on or off. */
static int feature(int fd, const char *dev, __u32 cmd, __u32 on)
{
	struct ethtool_value v = { .cmd = cmd, .data = on };
	struct ifreq ifr = { .ifr_data = (void *)&v };

	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", dev);
	return ioctl(fd, SIOCETHTOOL, &ifr) ? -errno : 0;
}

/* Whether dev's feature name (`ethtool -k`'s word) is on: its index in
 * the kernel's table of feature names, then that bit of the active set.
 * False when it cannot tell. */
static bool feature_on(int fd, const char *dev, const char *name)
{
	/* The header and the one length it returns (data[0]), aligned. */
	__u64 buf[(sizeof(struct ethtool_sset_info) + sizeof(__u32) + 7) / 8] = { 0 };
	struct ethtool_sset_info *info = (struct ethtool_sset_info *)buf;
	struct ethtool_gstrings *names = NULL;
	struct ethtool_gfeatures *feat = NULL;
	struct ifreq ifr = { .ifr_data = (void *)info };
	bool on = false;
	__u32 n, i, blocks;

	info->cmd = ETHTOOL_GSSET_INFO;
	info->sset_mask = 1ULL << ETH_SS_FEATURES;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", dev);
	if (ioctl(fd, SIOCETHTOOL, &ifr) || !info->sset_mask)
		return false;
	n = info->data[0];
	if (n > 4096)
		return false;
	blocks = (n + 31) / 32;
	names = calloc(1, sizeof(*names) + (size_t)n * ETH_GSTRING_LEN);
	feat = calloc(1, sizeof(*feat) + blocks * sizeof(feat->features[0]));
	if (!names || !feat)
		goto out;
	names->cmd = ETHTOOL_GSTRINGS;
	names->string_set = ETH_SS_FEATURES;
	names->len = n;
	ifr.ifr_data = (void *)names;
	if (ioctl(fd, SIOCETHTOOL, &ifr))
		goto out;
	for (i = 0; i < n; i++)
		if (!strncmp((const char *)names->data + i * ETH_GSTRING_LEN, name,
			     ETH_GSTRING_LEN))
			break;
	feat->cmd = ETHTOOL_GFEATURES;
	feat->size = blocks;
	ifr.ifr_data = (void *)feat;
	if (i < n && !ioctl(fd, SIOCETHTOOL, &ifr))
		on = feat->features[i / 32].active & (1U << (i % 32));
out:
	free(names);
	free(feat);
	return on;
}

bool pw_grodev_wanted(const char *ul, int ul_ifindex)
{
	char kind[PW_RTNL_KIND];
	struct utsname u;
	unsigned major = 0, minor = 0;
	bool whole;
	int fd;

	if (!strcmp(ul, "lo"))
		return false;
	if (uname(&u) || sscanf(u.release, "%u.%u", &major, &minor) != 2 ||
	    major * 1000 + minor < 5013)
		return false;
	if (pw_rtnl_link_kind(ul_ifindex, kind) || strcmp(kind, "veth"))
		return true;
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return true;
	whole = feature_on(fd, ul, "tx-udp_tnl-segmentation");
	close(fd);
	return !whole;
}

/* IPv6 off on dev: no link-local address, so no neighbour discovery or
 * MLD of the host's own on the pair. Best effort: a kernel without IPv6
 * has none to turn off, and pw_gro drops what is not decap's anyway. */
static void ipv6_off(const char *dev)
{
	char path[96];
	int fd;

	snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/disable_ipv6", dev);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	(void)!write(fd, "1", 1); /* refused: nothing to do, as above */
	close(fd);
}

/* Whether the device named g->in is a pair left behind: a veth, its peer
 * named g->out. */
static bool left_behind(const struct pw_grodev *g)
{
	char kind[PW_RTNL_KIND];
	int in = (int)if_nametoindex(g->in);

	return in && !pw_rtnl_link_kind(in, kind) && !strcmp(kind, "veth") &&
	       if_nametoindex(g->out);
}

/* The end name is up and running, still of ifindex. */
static bool end_up(int fd, const char *name, int ifindex)
{
	struct ifreq ifr = { 0 };

	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (ioctl(fd, SIOCGIFINDEX, &ifr) || ifr.ifr_ifindex != ifindex ||
	    ioctl(fd, SIOCGIFFLAGS, &ifr))
		return false;
	return (ifr.ifr_flags & (IFF_UP | IFF_RUNNING)) == (IFF_UP | IFF_RUNNING);
}

bool pw_grodev_usable(const struct pw_grodev *g)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	bool ok = fd >= 0 && end_up(fd, g->in, g->in_ifindex) &&
		  end_up(fd, g->out, g->out_ifindex);

	if (fd >= 0)
		close(fd);
	return ok;
}

int pw_grodev_open(int tap_ifindex, struct pw_grodev *g, struct pw_err *err)
{
	int rc, fd;

	memset(g, 0, sizeof(*g));
	snprintf(g->in, sizeof(g->in), "pwgi%d", tap_ifindex);
	snprintf(g->out, sizeof(g->out), "pwgo%d", tap_ifindex);
	rc = make(g);
	if (rc == -EEXIST && left_behind(g) && !delete(0, g->in))
		rc = make(g); /* an earlier TAP's: that TAP is gone, its ifindex ours */
	if (rc) {
		pw_err_set(err, "the GRO pair %s/%s: %s", g->in, g->out, strerror(-rc));
		memset(g, 0, sizeof(*g)); /* none made: nothing of ours to delete */
		return rc;
	}
	g->in_ifindex = (int)if_nametoindex(g->in);
	g->out_ifindex = (int)if_nametoindex(g->out);
	ipv6_off(g->in); /* before up: no address, no duplicate address detection */
	ipv6_off(g->out);
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	rc = fd < 0 ? -errno : 0;
	if (!rc && (!g->in_ifindex || !g->out_ifindex))
		rc = -ENODEV;
	if (!rc)
		rc = feature(fd, g->in, ETHTOOL_STSO, 0);
	if (!rc)
		rc = feature(fd, g->out, ETHTOOL_SGRO, 1);
	if (fd >= 0)
		close(fd);
	if (!rc)
		rc = up(g->out_ifindex);
	if (!rc)
		rc = up(g->in_ifindex);
	if (rc) {
		pw_err_set(err, "the GRO pair %s/%s: its offloads or up: %s", g->in, g->out,
			   strerror(-rc));
		pw_grodev_close(g);
		return rc;
	}
	return 0;
}

void pw_grodev_close(struct pw_grodev *g)
{
	if (g->in_ifindex || g->in[0])
		delete(g->in_ifindex, g->in);
	memset(g, 0, sizeof(*g));
}
