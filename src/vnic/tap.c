/* SPDX-License-Identifier: MIT */
/*
 * tap.c: a TAP device (/dev/net/tun, IFF_TAP | IFF_NO_PI | IFF_VNET_HDR) as
 * a vNIC.
 *
 * The device is created if absent (it then disappears when pwire closes it),
 * given its MTU (and MAC), and brought up. With IFF_MULTI_QUEUE each queue is
 * its own fd and its own struct tap, run by its own burst loop. With TSO (and
 * USO) offload the kernel hands over TCP (and UDP) super-frames of up to
 * 64 KiB in one read(); they are cut here into
 * ordinary frames (core/gso.c) straight into the caller's buffers, so the
 * rest of pwire only ever sees frames. A super-frame that yields more frames
 * than the caller has room for is finished on the next call. Where the
 * kernel refuses the offloads, frames come one per read(). On the way to
 * the guest, consecutive TCP segments of one flow are joined back into a
 * super-frame (core/gso.c) for one write(); with io_uring, the writes of a
 * burst are linked SQEs submitted in one system call. The virtio-net
 * header in front of each frame, and the bounds on what it asks for, are
 * vnet.c's. pw_tap_wrap() runs all of this on an fd given by the caller
 * (tests and fuzzers give it a SOCK_SEQPACKET socket, which keeps a TAP's
 * one message per read/write).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <liburing.h>
#include <linux/capability.h>
#include <linux/ethtool.h>
#include <linux/if_tun.h>
#include <linux/sockios.h>
#include <linux/virtio_net.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/gso.h"
#include "vnic/tap.h"
#include "vnic/vnet.h"

enum {
	PW_TUN_F_USO = 0x20 | 0x40, /* TUN_F_USO4 | TUN_F_USO6: Linux 6.2, after Debian 12's headers */
	PW_SUPER_MAX = 65536 + PW_ETH_VLAN_HLEN,
	PW_TX_SLOTS = 256, /* most writes one tx_burst call makes */
};

/* The user_data of an SQE the kernel did not take, made a no-op. */
#define PW_URING_NOP UINT64_MAX

/* One write towards the guest: its vnet header, iovecs (a frame's; a
 * joined one's are in struct tap) and packets. */
struct tx_slot {
	struct virtio_net_hdr vh;
	struct iovec iov[2];
	unsigned first, frames; /* pkts[first..first+frames) */
};

struct tap {
	struct pw_vnic v;
	int fd;
	char name[IFNAMSIZ]; /* as the kernel made it (a pattern like pw%d resolved) */
	struct pw_tso tso;  /* the super-frame being cut */
	uint32_t next_seg;  /* its next segment; tso.segments when none is left */
	uint8_t *super;     /* [frame_max + 1 | the rest of a super-frame] */
	struct pw_gro gro;  /* frames being joined for one write */
	unsigned gro_first; /* the packet the join started with */
	struct iovec gro_iov[1 + 1 + PW_GRO_SEGS]; /* its write: [vnet header][gro.iov] */
	struct tx_slot *slots;
	bool uring;         /* writes go through the ring, a burst per system call */
	struct io_uring ring;
	struct io_uring_sqe *last; /* the last write queued, unlinked at submit */
	unsigned queued;
};

/* Cut what is left of the current super-frame into pkts[got..n). */
static unsigned cut(struct tap *t, struct pw_pkt **pkts, unsigned got, unsigned n)
{
	while (got < n && t->next_seg < t->tso.segments) {
		struct pw_pkt *p = pkts[got++];

		p->data = p->buf;
		p->len = pw_tso_segment(&t->tso, t->next_seg++, p->buf);
	}
	return got;
}

/* One read(): a frame lands in the caller's buffer; a super-frame spills
 * into t->super and is cut from there. Returns frames added, or -errno. */
static int read_one(struct tap *t, struct pw_pkt **pkts, unsigned got, unsigned n)
{
	struct pw_vnic *v = &t->v;
	struct pw_pkt *p = pkts[got];
	struct virtio_net_hdr vh;
	struct iovec iov[3] = {
		{ &vh, sizeof(vh) },
		{ p->buf, v->frame_max + 1 }, /* one byte more tells a long frame apart */
		{ t->super + v->frame_max + 1, PW_SUPER_MAX - v->frame_max - 1 },
	};
	struct pw_gso g;
	ssize_t r = readv(t->fd, iov, 3);
	uint32_t len;

	if (r < 0)
		return errno == EINTR ? 0 : -errno;
	if ((size_t)r < sizeof(vh) + PW_ETH_HLEN) {
		v->stats.rx_short++;
		return 0;
	}
	len = (uint32_t)((size_t)r - sizeof(vh));
	pw_vnet_to_gso(&vh, &g);
	/* A super-frame is made contiguous before it is checked. Only one that
	 * passes becomes t->tso: the next call must not cut a refused one. */
	if (g.type != PW_GSO_NONE)
		memcpy(t->super, p->buf, len < v->frame_max + 1 ? len : v->frame_max + 1);
	switch (pw_vnet_rx(&g, g.type == PW_GSO_NONE ? p->buf : t->super, len, v->frame_max,
			   &t->tso)) {
	case PW_VNET_FRAME:
		p->data = p->buf;
		p->len = len;
		return 1;
	case PW_VNET_SUPER:
		/* One that does not fit in what is left of the burst is
		 * cut in the next (tap_pending()): split between two, its
		 * segments would leave in two runs, which the peer could
		 * only join back as two frames. */
		t->next_seg = 0;
		if (got && t->tso.segments > n - got)
			return 0;
		return (int)(cut(t, pkts, got, n) - got);
	case PW_VNET_TOO_BIG:
		v->stats.rx_too_big++;
		return 0;
	case PW_VNET_BAD_OFFLOAD:
		break;
	}
	v->stats.rx_bad_offload++;
	return 0;
}

/* Whether a super-frame read is still (or not yet) cut. */
static bool tap_pending(const struct pw_vnic *v)
{
	const struct tap *t = (const struct tap *)v;

	return t->next_seg < t->tso.segments;
}

static int tap_rx_burst(struct pw_vnic *v, struct pw_pkt **pkts, unsigned n)
{
	struct tap *t = (struct tap *)v;
	unsigned got = cut(t, pkts, 0, n);

	while (got < n && !tap_pending(v)) {
		int k = read_one(t, pkts, got, n);

		if (k < 0) {
			if (k == -EAGAIN || got)
				break;
			return k; /* the device went away */
		}
		got += (unsigned)k;
	}
	return (int)got;
}

/* The outcome of one write: true when done with (written, or refused and
 * counted per frame it held), false when the device is full (EAGAIN). */
static bool written(struct tap *t, long res, unsigned frames)
{
	if (res >= 0)
		return true;
	if (res == -EAGAIN)
		return false;
	t->v.stats.tx_errors += frames; /* EIO while the link is down, EINVAL */
	return true;
}

/* Submit the queued writes in one system call and wait for them. Returns
 * the index of the first packet not written (UINT_MAX when all were). What
 * the kernel did not take (all of it when the submit failed) stays with the
 * caller: its SQEs, still in the ring, become no-ops (their completions are
 * skipped) so that no later submit writes them; only what was taken is
 * waited for. */
static unsigned submit(struct tap *t)
{
	unsigned stop = UINT_MAX, n = t->queued, left, head;
	int r;

	if (!n && !io_uring_sq_ready(&t->ring))
		return stop; /* neither writes nor no-ops left by a failed submit */
	t->queued = 0;
	if (n)
		t->last->flags &= (uint8_t)~IOSQE_IO_LINK; /* the chain ends here */
	do
		r = io_uring_submit_and_wait(&t->ring, n);
	while (r == -EINTR);
	left = io_uring_sq_ready(&t->ring);
	head = *t->ring.sq.khead;
	for (unsigned i = 0; i < left; i++) {
		struct io_uring_sqe *sqe = &t->ring.sq.sqes[(head + i) & t->ring.sq.ring_mask];

		if (sqe->user_data != PW_URING_NOP && t->slots[sqe->user_data].first < stop)
			stop = t->slots[sqe->user_data].first;
		io_uring_prep_nop(sqe);
		sqe->user_data = PW_URING_NOP;
	}
	for (int i = 0; i < r; i++) {
		struct io_uring_cqe *cqe;
		struct tx_slot *s;
		int err;

		do
			err = io_uring_wait_cqe(&t->ring, &cqe);
		while (err == -EINTR);
		if (err)
			break;
		if (cqe->user_data != PW_URING_NOP) {
			s = &t->slots[cqe->user_data];
			if ((cqe->res == -ECANCELED || !written(t, cqe->res, s->frames)) &&
			    s->first < stop)
				stop = s->first;
		}
		io_uring_cqe_seen(&t->ring, cqe);
	}
	return stop;
}

/* Write pkts[first..first+frames), the frame in `pieces` iovecs (one, or a
 * join's, which flush() submits at once), as one frame or super-frame now,
 * or, with io_uring, queue the write for submit() (when the ring is full,
 * what is queued is submitted first). Returns the index of the first packet
 * not written: UINT_MAX when none, `first` when the device (or the ring) is
 * full. */
static unsigned emit(struct tap *t, const struct iovec *frame, unsigned pieces,
		     const struct pw_gso *g, unsigned first, unsigned frames)
{
	struct io_uring_sqe *sqe = NULL;
	struct iovec *iov;
	struct tx_slot *s;

	if (t->uring) {
		sqe = io_uring_get_sqe(&t->ring);
		if (!sqe) {
			unsigned stop = submit(t);

			if (stop != UINT_MAX)
				return stop;
			sqe = io_uring_get_sqe(&t->ring);
			if (!sqe)
				return first;
		}
	}
	s = &t->slots[t->uring ? t->queued : 0];
	iov = pieces == 1 ? s->iov : t->gro_iov;
	pw_vnet_from_gso(g, t->gro.hdr_len, &s->vh);
	iov[0] = (struct iovec){ &s->vh, sizeof(s->vh) };
	memcpy(iov + 1, frame, pieces * sizeof(*iov));
	if (sqe) {
		s->first = first;
		s->frames = frames;
		/* Linked: a write that fails cancels the ones after it, which
		 * stay with the caller, in order. */
		io_uring_prep_writev(sqe, t->fd, iov, pieces + 1, (uint64_t)-1);
		sqe->flags |= IOSQE_IO_LINK;
		sqe->user_data = t->queued++;
		t->last = sqe;
		return UINT_MAX;
	}
	for (;;) {
		ssize_t r = writev(t->fd, iov, (int)pieces + 1);

		if (r >= 0 || errno != EINTR)
			return written(t, r < 0 ? -errno : r, frames) ? UINT_MAX : first;
	}
}

/* Write what has been joined so far (from pkts[t->gro_first] on); with
 * io_uring, submit it and all queued before at once, since the next join
 * reuses its iovecs and header. Returns the index of the first packet not
 * written. */
static unsigned flush(struct tap *t)
{
	unsigned segs = t->gro.segs, stop;
	struct pw_gso g;
	bool joined;

	if (!segs)
		return UINT_MAX;
	joined = pw_gro_finish(&t->gro, &g);
	t->gro.segs = 0;
	/* segs + 1 pieces: the headers, then each payload (one segment: the
	 * frame as it came, in two) */
	stop = emit(t, t->gro.iov, segs + 1, joined ? &g : NULL, t->gro_first, segs);
	if (stop != UINT_MAX)
		return stop;
	return t->uring ? submit(t) : UINT_MAX;
}

/* Consecutive TCP segments of one flow are joined (core/gso.c) and written
 * as one super-frame: one write() per run instead of one per frame. With
 * io_uring, the writes of a burst go in one system call. */
static int tap_tx_burst(struct pw_vnic *v, struct pw_pkt *const *pkts, unsigned n)
{
	struct tap *t = (struct tap *)v;
	unsigned stop = UINT_MAX, i;

	if (n > PW_TX_SLOTS)
		n = PW_TX_SLOTS;
	for (i = 0; i < n && stop == UINT_MAX; i++) {
		const struct pw_pkt *p = pkts[i];

		if (t->gro.segs && pw_gro_append(&t->gro, p->data, p->len))
			continue;
		stop = flush(t);
		if (stop != UINT_MAX)
			break;
		if (pw_gro_start(&t->gro, p->data, p->len)) {
			t->gro_first = i;
			continue;
		}
		stop = emit(t, &(struct iovec){ p->data, p->len }, 1, NULL, i, 1);
	}
	if (stop == UINT_MAX)
		stop = flush(t);
	else
		t->gro.segs = 0; /* what was joined stays with the caller */
	if (t->uring) {
		unsigned s = submit(t);

		stop = s < stop ? s : stop;
	}
	return (int)(stop < n ? stop : n);
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
	if (t->uring)
		io_uring_queue_exit(&t->ring);
	free(t->slots);
	free(t->super);
	free(t->gro.buf);
	free(t);
}

static const struct pw_vnic_ops tap_ops = {
	.name = "tap",
	.rx_burst = tap_rx_burst,
	.tx_burst = tap_tx_burst,
	.pending = tap_pending,
	.fd = tap_fd,
	.close = tap_close,
};

/* The ring that writes bursts to the TAP, restricted before it runs to
 * what it is for (writev, and the no-op a write left behind becomes, linked):
 * what goes through a ring is not seen by the system-call filter of the
 * privilege drop, so a ring that could open or connect would be a way
 * around it. Returns 0 or a positive errno. */
static int ring_open(struct io_uring *ring)
{
	struct io_uring_params params = { .flags = IORING_SETUP_R_DISABLED };
	struct io_uring_restriction allow[] = {
		{ .opcode = IORING_RESTRICTION_SQE_OP, .sqe_op = IORING_OP_WRITEV },
		{ .opcode = IORING_RESTRICTION_SQE_OP, .sqe_op = IORING_OP_NOP },
		{ .opcode = IORING_RESTRICTION_SQE_FLAGS_ALLOWED, .sqe_flags = IOSQE_IO_LINK },
	};
	int err = -io_uring_queue_init_params(PW_TX_SLOTS, ring, &params);

	if (err)
		return err;
	/* Debian 12's liburing declares io_uring_register_restrictions() and
	 * io_uring_enable_rings() but does not export them: the raw call. */
	err = -io_uring_register(ring->ring_fd, IORING_REGISTER_RESTRICTIONS, allow,
				 sizeof(allow) / sizeof(allow[0]));
	if (!err)
		err = -io_uring_register(ring->ring_fd, IORING_REGISTER_ENABLE_RINGS, NULL, 0);
	if (err)
		io_uring_queue_exit(ring);
	return err;
}

/* A sysfs attribute of device name as a number (decimal, 0x hex, -1). */
static bool sys_attr(const char *name, const char *attr, long *v)
{
	char path[64 + IFNAMSIZ];
	FILE *f;
	bool ok;

	snprintf(path, sizeof(path), "/sys/class/net/%s/%s", name, attr);
	f = fopen(path, "re");
	if (!f)
		return false;
	ok = fscanf(f, "%li", v) == 1;
	fclose(f);
	return ok;
}

/* The keeper of a persistent TAP's MTU: a process with CAP_NET_ADMIN alone
 * (the parent drops its privileges), blocked in read() on a pipe whose
 * write end the parent holds until it exits, however it ends (SIGKILL and
 * the system-call filter included). At end of file it sets the device's
 * old MTU back and exits. It holds nothing else of the parent's: no TAP
 * queue, socket or terminal stays open through it. */
static __attribute__((noreturn)) void keeper_run(int rfd, unsigned ifindex, int mtu)
{
	static const int quiet[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGPIPE };
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3] = { { 0 } };
	struct ifreq ifr = { .ifr_mtu = mtu };
	char b;
	int s;

	for (size_t i = 0; i < sizeof(quiet) / sizeof(quiet[0]); i++)
		signal(quiet[i], SIG_IGN);
	if (rfd > 0)
		close_range(0, (unsigned)rfd - 1, 0);
	close_range((unsigned)rfd + 1, ~0U, 0);
	d[0].effective = d[0].permitted = 1u << CAP_NET_ADMIN;
	syscall(SYS_capset, &h, d);
	prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
	prctl(PR_SET_NAME, "pwire-mtu", 0, 0, 0); /* in ps and top */
	while (read(rfd, &b, 1) < 0 && errno == EINTR)
		;
	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s >= 0 && if_indextoname(ifindex, ifr.ifr_name))
		ioctl(s, SIOCSIFMTU, &ifr);
	_exit(0);
}

/* Start the keeper of name's MTU `old` (keeper_run), a grandchild that
 * init reaps. Its pipe's write end stays open in this process, referenced
 * by nothing, until the process exits: that is the keeper's signal.
 * 0 or -errno. */
static int keeper_start(const char *name, int old)
{
	unsigned ifindex = if_nametoindex(name);
	int p[2], status = 0, err = 0;
	pid_t pid;

	if (!ifindex || pipe2(p, O_CLOEXEC))
		return -errno;
	pid = fork();
	if (pid == 0) {
		pid_t keeper = fork();

		if (keeper == 0)
			keeper_run(p[0], ifindex, old);
		_exit(keeper < 0 ? 1 : 0);
	}
	if (pid < 0)
		err = -errno;
	while (pid > 0 && waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!err && (!WIFEXITED(status) || WEXITSTATUS(status)))
		err = -EAGAIN; /* the second fork failed */
	close(p[0]);
	if (err)
		close(p[1]);
	return err;
}

/* Only what differs from what is asked is changed, so a TAP that is
 * already right (an administrator's, `ip tuntap add ... user U`, brought
 * up) needs no CAP_NET_ADMIN: MTU and MAC (when `set`), IFF_UP (when
 * `up`), each read first through an ordinary socket's ioctls and written
 * only when different. A persistent TAP (not pwire's: it stays after
 * pwire) whose MTU changes gets the old one back when pwire exits. */
static int tap_configure(const struct pw_tap_cfg *cfg, const char *name, bool set, bool up)
{
	struct ifreq ifr = { 0 };
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), err = 0, old;
	long flags = 0;

	if (s < 0)
		return -errno;
	snprintf(ifr.ifr_name, IFNAMSIZ, "%s", name);
	if (set && ioctl(s, SIOCGIFMTU, &ifr))
		goto fail;
	old = ifr.ifr_mtu;
	if (set && old != (int)cfg->mtu) {
		ifr.ifr_mtu = (int)cfg->mtu;
		if (ioctl(s, SIOCSIFMTU, &ifr))
			goto fail;
		err = sys_attr(name, "tun_flags", &flags) && (flags & IFF_PERSIST) ?
			      keeper_start(name, old) : 0;
		if (err) {
			ifr.ifr_mtu = old; /* nothing would set it back */
			ioctl(s, SIOCSIFMTU, &ifr);
			goto out;
		}
	}
	if (set && cfg->has_mac) {
		if (ioctl(s, SIOCGIFHWADDR, &ifr))
			goto fail;
		if (memcmp(ifr.ifr_hwaddr.sa_data, cfg->mac, 6)) {
			ifr.ifr_hwaddr.sa_family = ARPHRD_ETHER;
			memcpy(ifr.ifr_hwaddr.sa_data, cfg->mac, 6);
			if (ioctl(s, SIOCSIFHWADDR, &ifr))
				goto fail;
		}
	}
	if (up && ioctl(s, SIOCGIFFLAGS, &ifr))
		goto fail;
	if (up && !(ifr.ifr_flags & IFF_UP)) {
		ifr.ifr_flags |= IFF_UP;
		if (ioctl(s, SIOCSIFFLAGS, &ifr))
			goto fail;
	}
	goto out;
fail:
	err = -errno;
out:
	close(s);
	return err;
}

unsigned pw_tap_mtu(const char *name)
{
	struct ifreq ifr = { 0 };
	int s, r;

	if (strlen(name) >= IFNAMSIZ || !if_nametoindex(name))
		return 0;
	strcpy(ifr.ifr_name, name);
	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return 0;
	r = ioctl(s, SIOCGIFMTU, &ifr);
	close(s);
	return r || ifr.ifr_mtu <= 0 ? 0 : (unsigned)ifr.ifr_mtu;
}

void pw_tap_why_admin(const struct pw_tap_cfg *cfg, char *what, size_t len, char *fix,
		      size_t fix_len)
{
	struct ifreq ifr = { 0 };
	long owner = -1, group = -1;
	unsigned mtu = pw_tap_mtu(cfg->name);
	bool mac_differs = false, down = false;
	int s;

	snprintf(what, len, "opening it");
	fix[0] = '\0';
	if (!mtu) {
		snprintf(what, len, "creating it");
		snprintf(fix, fix_len, "make it once, as root: ip tuntap add %s mode tap user %u",
			 cfg->name, (unsigned)geteuid());
		return;
	}
	sys_attr(cfg->name, "owner", &owner);
	sys_attr(cfg->name, "group", &group);
	if ((owner != -1 && owner != (long)geteuid()) || (group != -1 && group != (long)getegid())) {
		snprintf(what, len, "attaching to it (it belongs to %s %ld)",
			 owner != -1 ? "uid" : "gid", owner != -1 ? owner : group);
		return;
	}
	if (mtu != cfg->mtu) {
		snprintf(what, len, "changing its MTU from %u to %u", mtu, cfg->mtu);
		snprintf(fix, fix_len, "leave out mtu (it keeps its %u)", mtu);
		return;
	}
	strcpy(ifr.ifr_name, cfg->name);
	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s >= 0) {
		mac_differs = cfg->has_mac && !ioctl(s, SIOCGIFHWADDR, &ifr) &&
			      memcmp(ifr.ifr_hwaddr.sa_data, cfg->mac, 6);
		down = !ioctl(s, SIOCGIFFLAGS, &ifr) && !(ifr.ifr_flags & IFF_UP);
		close(s);
	}
	if (mac_differs) {
		snprintf(what, len, "setting its MAC address");
		snprintf(fix, fix_len, "leave out mac (it keeps its own)");
	} else if (down) {
		snprintf(what, len, "bringing it up");
		snprintf(fix, fix_len, "bring it up once, as root: ip link set %s up", cfg->name);
	}
}

const char *pw_tap_name(const struct pw_vnic *v)
{
	return ((const struct tap *)v)->name;
}

bool pw_tap_usable(const char *name, char *why, size_t len)
{
	struct ethtool_drvinfo info = { .cmd = ETHTOOL_GDRVINFO };
	struct ifreq ifr = { .ifr_data = (void *)&info };
	char path[64 + IFNAMSIZ];
	unsigned flags = 0;
	FILE *f;
	int s, r;

	if (strlen(name) >= IFNAMSIZ || !if_nametoindex(name))
		return true; /* none: it will be made (or the name refused then) */
	strcpy(ifr.ifr_name, name);
	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return true; /* cannot tell: opening it will say */
	r = ioctl(s, SIOCETHTOOL, &ifr);
	close(s);
	if (r || strcmp(info.driver, "tun")) {
		snprintf(why, len, "is a %s, not a TAP", r || !info.driver[0] ? "device of another kind" :
							     info.driver);
		return false;
	}
	snprintf(path, sizeof(path), "/sys/class/net/%s/tun_flags", name);
	f = fopen(path, "r");
	if (f) {
		if (fscanf(f, "%x", &flags) != 1)
			flags = IFF_TAP;
		fclose(f);
	}
	if (f && !(flags & IFF_TAP)) {
		snprintf(why, len, "is a TUN, not a TAP (it carries IP packets, not Ethernet frames)");
		return false;
	}
	return true;
}

struct pw_vnic *pw_tap_wrap(int fd, unsigned mtu, bool io_uring)
{
	struct tap *t = calloc(1, sizeof(*t));
	int err;

	if (!t)
		return NULL;
	t->v = (struct pw_vnic){ .ops = &tap_ops, .frame_max = pw_frame_max(mtu) };
	t->fd = -1;
	t->super = malloc(PW_SUPER_MAX);
	t->gro = (struct pw_gro){ .buf = malloc(PW_GRO_HDR_MAX), .cap = PW_GRO_HDR_MAX,
				  .max = PW_SUPER_MAX };
	t->slots = calloc(PW_TX_SLOTS, sizeof(*t->slots));
	if (!t->super || !t->gro.buf || !t->slots) {
		err = ENOMEM;
		goto fail;
	}
	if (io_uring) {
		err = ring_open(&t->ring);
		if (err)
			goto fail;
		t->uring = true;
	}
	t->fd = fd;
	return &t->v;
fail:
	tap_close(&t->v);
	errno = err;
	return NULL;
}

int pw_tap_open_fd(const struct pw_tap_cfg *cfg, unsigned queue, char name[IFNAMSIZ])
{
	struct ifreq ifr = { .ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR };
	int hdr = sizeof(struct virtio_net_hdr);
	bool last;
	int fd, err;

	fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	snprintf(ifr.ifr_name, IFNAMSIZ, "%s", cfg->name);
	if (cfg->queues > 1)
		ifr.ifr_flags |= IFF_MULTI_QUEUE;
	if (ioctl(fd, TUNSETIFF, &ifr) || ioctl(fd, TUNSETVNETHDRSZ, &hdr))
		goto fail;
	/* Offloads where the kernel takes them (USO since Linux 6.2); where
	 * it does not, every frame arrives whole with a header that says so. */
	if (ioctl(fd, TUNSETOFFLOAD, TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6 | PW_TUN_F_USO) &&
	    ioctl(fd, TUNSETOFFLOAD, TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6))
		ioctl(fd, TUNSETOFFLOAD, 0);
	if (cfg->queues > 1 && queue == 0 && ioctl(fd, TUNSETSTEERINGEBPF, &cfg->steer_prog) < 0)
		goto fail;
	/* Up only once the last queue is attached: what the kernel sends as
	 * the link comes up (IPv6 router solicitations, MLD reports) would
	 * otherwise all go to queue 0, whatever the steering program says,
	 * and reach the peer's queue its hash names. */
	last = queue + 1 >= cfg->queues;
	err = queue == 0 || last ? tap_configure(cfg, ifr.ifr_name, queue == 0, last) : 0;
	if (err) {
		errno = -err;
		goto fail;
	}
	memcpy(name, ifr.ifr_name, IFNAMSIZ);
	name[IFNAMSIZ - 1] = '\0';
	return fd;
fail:
	err = errno;
	close(fd);
	return -err;
}

struct pw_vnic *pw_tap_adopt(int fd, const struct pw_tap_cfg *cfg, const char *name)
{
	struct pw_vnic *v = pw_tap_wrap(fd, cfg->mtu, cfg->io_uring);

	if (v)
		snprintf(((struct tap *)v)->name, IFNAMSIZ, "%s", name);
	return v;
}

struct pw_vnic *pw_tap_open(const struct pw_tap_cfg *cfg, unsigned queue)
{
	char name[IFNAMSIZ];
	int fd = pw_tap_open_fd(cfg, queue, name), err;
	struct pw_vnic *v;

	if (fd < 0) {
		errno = -fd;
		return NULL;
	}
	v = pw_tap_adopt(fd, cfg, name);
	if (!v) {
		err = errno;
		close(fd);
		errno = err;
	}
	return v;
}
