/* SPDX-License-Identifier: MIT */
/*
 * tap.c: a TAP device (/dev/net/tun, IFF_TAP | IFF_NO_PI) as a vNIC.
 *
 * The device is created if absent (it then disappears when pwire closes it),
 * given its MTU (and MAC), and brought up. Without vnet headers a TAP moves
 * one frame per read() or write(): the burst is a loop until EAGAIN.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "in/vnic.h"

struct tap {
	struct pw_vnic v;
	int fd;
};

static int tap_rx_burst(struct pw_vnic *v, struct pw_pkt **pkts, unsigned n)
{
	struct tap *t = (struct tap *)v;
	unsigned got = 0;

	while (got < n) {
		struct pw_pkt *p = pkts[got];
		/* Buffers hold frame_max + 1: a longer frame shows as too big. */
		ssize_t r = read(t->fd, p->buf, v->frame_max + 1);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || got)
				break;
			return -errno; /* the device went away */
		}
		if ((size_t)r > v->frame_max) {
			v->stats.rx_too_big++;
			continue;
		}
		if (r < PW_ETH_HLEN) {
			v->stats.rx_short++;
			continue;
		}
		p->data = p->buf;
		p->len = (uint32_t)r;
		got++;
	}
	return (int)got;
}

static int tap_tx_burst(struct pw_vnic *v, struct pw_pkt *const *pkts, unsigned n)
{
	struct tap *t = (struct tap *)v;
	unsigned done = 0;

	while (done < n) {
		ssize_t r = write(t->fd, pkts[done]->data, pkts[done]->len);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && errno == EAGAIN)
			break;
		if (r < 0)
			v->stats.tx_errors++; /* EIO while the link is down, EINVAL */
		done++;
	}
	return (int)done;
}

static int tap_fd(const struct pw_vnic *v)
{
	return ((const struct tap *)v)->fd;
}

static void tap_close(struct pw_vnic *v)
{
	struct tap *t = (struct tap *)v;

	if (t->fd >= 0)
		close(t->fd);
	free(t);
}

static const struct pw_vnic_ops tap_ops = {
	.name = "tap",
	.rx_burst = tap_rx_burst,
	.tx_burst = tap_tx_burst,
	.fd = tap_fd,
	.close = tap_close,
};

/* MTU, MAC and IFF_UP go through an ordinary socket's ioctls. */
static int tap_configure(const struct pw_tap_cfg *cfg, const char *name)
{
	struct ifreq ifr = { 0 };
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), err = 0;

	if (s < 0)
		return -errno;
	snprintf(ifr.ifr_name, IFNAMSIZ, "%s", name);
	ifr.ifr_mtu = (int)cfg->mtu;
	if (ioctl(s, SIOCSIFMTU, &ifr))
		goto fail;
	if (cfg->has_mac) {
		ifr.ifr_hwaddr.sa_family = ARPHRD_ETHER;
		memcpy(ifr.ifr_hwaddr.sa_data, cfg->mac, 6);
		if (ioctl(s, SIOCSIFHWADDR, &ifr))
			goto fail;
	}
	if (ioctl(s, SIOCGIFFLAGS, &ifr))
		goto fail;
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(s, SIOCSIFFLAGS, &ifr))
		goto fail;
	close(s);
	return 0;
fail:
	err = -errno;
	close(s);
	return err;
}

struct pw_vnic *pw_tap_open(const struct pw_tap_cfg *cfg)
{
	struct tap *t = calloc(1, sizeof(*t));
	struct ifreq ifr = { .ifr_flags = IFF_TAP | IFF_NO_PI };
	int err;

	if (!t)
		return NULL;
	t->v = (struct pw_vnic){ .ops = &tap_ops, .frame_max = pw_frame_max(cfg->mtu) };
	t->fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (t->fd < 0)
		goto fail;
	snprintf(ifr.ifr_name, IFNAMSIZ, "%s", cfg->name);
	if (ioctl(t->fd, TUNSETIFF, &ifr))
		goto fail;
	err = tap_configure(cfg, ifr.ifr_name);
	if (err) {
		errno = -err;
		goto fail;
	}
	return &t->v;
fail:
	err = errno;
	tap_close(&t->v);
	errno = err;
	return NULL;
}
