/* SPDX-License-Identifier: MIT */
/*
 * server.c: the listening socket and the one connection of a vhost-user
 * device (see server.h).
 *
 * Framing. A read never goes past the end of the message being put
 * together: first the 12-byte header, then its `size` payload bytes. On a
 * UNIX stream socket the fds of a sendmsg() come with the first byte read
 * of what it sent, so every fd received while a message is read is that
 * message's (the parser then holds their number against the request's
 * rule: fds sent with a message they do not belong to are refused there).
 * Reading further at once would mix the next message's fds into this
 * one's. A message costs two recvmsg() calls; the control path can afford
 * them, and exact attribution is worth more.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <unistd.h>

#include "vnic/vhost/net.h"
#include "vnic/vhost/server.h"

enum {
	READS_PER_CALL = 32, /* recvmsg() calls per wake-up: some 16 whole messages */
	MSG_MAX = PW_VU_HDR_LEN + PW_VU_PAYLOAD_MAX,
	RETRY_SECONDS = 1,   /* client mode: between connection attempts */
};

struct pw_vu_server {
	int listen_fd; /* server mode; -1 in client mode */
	/* Client mode: the front end's socket, and the timer of the next
	 * attempt to connect to it (armed after a failed one or an end). */
	struct sockaddr_un peer;
	int timer; /* -1 in server mode */
	int conn; /* -1: none */
	int wake; /* the device's wake eventfd: the data path broke it */
	struct pw_vu_dev *d;
	struct pw_vnic *vnics[PW_VU_PAIRS_MAX];
	unsigned n_vnics;
	struct pw_watcher w;
	bool attached;
	/* The message being put together: buf[0..have), and its fds. */
	uint8_t buf[MSG_MAX];
	size_t have;
	int fds[PW_VU_REGIONS_MAX];
	unsigned n_fds;
	uint8_t reply[PW_VU_REPLY_MAX];
	struct pw_vu_server_stats stats;
	struct pw_err e; /* the message's, scratch */
	char why[PW_ERR_MSG_MAX];
};

int pw_vu_listen(const char *path, struct pw_err *err)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int fd = -1, probe = -1, ret;
	struct stat st;

	if (strlen(path) >= sizeof(a.sun_path)) {
		pw_err_set(err, "vhost-user socket %s: longer than %zu bytes", path,
			   sizeof(a.sun_path) - 1);
		return -ENAMETOOLONG;
	}
	strcpy(a.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		ret = -errno;
		pw_err_set(err, "vhost-user socket %s: socket: %s", path, strerror(errno));
		return ret;
	}
	if (!bind(fd, (struct sockaddr *)&a, sizeof(a)))
		goto listen;
	if (errno != EADDRINUSE) {
		ret = -errno;
		pw_err_set(err, "vhost-user socket %s: bind: %s", path, strerror(errno));
		goto close_fd;
	}
	/* Something is there: replace it only when it is a socket nobody
	 * answers on. */
	if (lstat(path, &st)) {
		ret = -errno;
		pw_err_set(err, "vhost-user socket %s: %s", path, strerror(errno));
		goto close_fd;
	}
	if (!S_ISSOCK(st.st_mode)) {
		ret = -EEXIST;
		pw_err_set(err, "vhost-user socket %s: exists and is not a socket; not replaced", path);
		goto close_fd;
	}
	probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (probe < 0) {
		ret = -errno;
		pw_err_set(err, "vhost-user socket %s: socket: %s", path, strerror(errno));
		goto close_fd;
	}
	if (!connect(probe, (struct sockaddr *)&a, sizeof(a)) || errno == EAGAIN) {
		ret = -EADDRINUSE; /* EAGAIN: someone listens, its backlog is full */
		pw_err_set(err, "vhost-user socket %s: in use (something answers on it)", path);
		goto close_probe;
	}
	if (errno != ECONNREFUSED) {
		ret = -errno;
		pw_err_set(err, "vhost-user socket %s: exists, connecting to it: %s", path,
			   strerror(errno));
		goto close_probe;
	}
	if (unlink(path) || bind(fd, (struct sockaddr *)&a, sizeof(a))) {
		ret = -errno;
		pw_err_set(err, "vhost-user socket %s: replacing a stale socket: %s", path,
			   strerror(errno));
		goto close_probe;
	}
	close(probe);
listen:
	if (listen(fd, 1)) {
		ret = -errno;
		pw_err_set(err, "vhost-user socket %s: listen: %s", path, strerror(errno));
		goto close_fd;
	}
	return fd;

close_probe:
	close(probe);
close_fd:
	close(fd);
	return ret;
}

static void close_fds(struct pw_vu_server *s)
{
	for (unsigned i = 0; i < s->n_fds; i++)
		close(s->fds[i]);
	s->n_fds = 0;
}

static void sync_vnics(struct pw_vu_server *s)
{
	for (unsigned i = 0; i < s->n_vnics; i++)
		pw_vu_net_sync(s->vnics[i]);
}

/* Close the connection and forget what it set up; with vnics, take its
 * kick fds out of the vNICs' sets. */
static void drop(struct pw_vu_server *s, bool vnics)
{
	/* Out of the vNICs' sets first, while the kick fds are open: an epoll
	 * set keeps a file until every fd of it is closed (the front end holds
	 * one), and EPOLL_CTL_DEL needs the fd. A broken device's rings are
	 * never watched (net.c); the reset clears the mark. */
	s->d->broken = true;
	if (vnics)
		sync_vnics(s);
	if (s->attached)
		s->w.unwatch(s->w.loop, s->conn);
	close(s->conn);
	s->conn = -1;
	close_fds(s);
	s->have = 0;
	pw_vu_dev_reset(s->d);
}

/* Client mode: try to connect again in RETRY_SECONDS. */
static void retry_later(struct pw_vu_server *s)
{
	struct itimerspec t = { .it_value = { .tv_sec = RETRY_SECONDS } };

	if (s->timer >= 0)
		timerfd_settime(s->timer, 0, &t, NULL);
}

/* The connection ends for the reason fmt says. */
static void end(struct pw_vu_server *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void end(struct pw_vu_server *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(s->why, sizeof(s->why), fmt, ap);
	va_end(ap);
	drop(s, true);
	sync_vnics(s);
	s->stats.disconnects++;
	retry_later(s);
}

/* Keep the fds of one recvmsg(); false when there are more than a message
 * may carry (all of them closed). */
static bool take_fds(struct pw_vu_server *s, struct msghdr *mh)
{
	bool ok = true;

	for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c)) {
		const uint8_t *p = CMSG_DATA(c);
		size_t n;

		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < n; i++) {
			int fd;

			memcpy(&fd, p + i * sizeof(int), sizeof(fd));
			if (s->n_fds < PW_VU_REGIONS_MAX)
				s->fds[s->n_fds++] = fd;
			else {
				close(fd);
				ok = false;
			}
		}
	}
	return ok;
}

/* Hand the whole message in buf to the parser and the device, write the
 * reply, sync the vNICs. False: the connection ended. */
static bool handle(struct pw_vu_server *s)
{
	struct pw_vu_msg m;
	size_t len = 0;
	ssize_t w;

	pw_err_init(&s->e);
	if (!pw_vu_msg_parse(s->buf, s->have, s->n_fds, &m, &s->e)) {
		close_fds(s);
		s->d->stats.bad_msg++;
		end(s, "%s", pw_err_msg(&s->e));
		return false;
	}
	s->have = 0;
	s->n_fds = 0; /* the device's now, in every case */
	if (!pw_vu_dev_handle(s->d, &m, s->fds, s->reply, &len, &s->e)) {
		end(s, "%s", pw_err_msg(&s->e));
		return false;
	}
	if (len) {
		w = write(s->conn, s->reply, len);
		if (w != (ssize_t)len) {
			end(s, "%s: reply of %zu bytes: %s", m.rule->name, len,
			    w < 0 ? strerror(errno) : "short write");
			return false;
		}
	}
	for (unsigned i = 0; i < s->n_vnics; i++) {
		int err = pw_vu_net_sync(s->vnics[i]);

		if (err) {
			end(s, "%s: watching the rings of queue pair %u: %s", m.rule->name, i,
			    strerror(-err));
			return false;
		}
	}
	return true;
}

/* One recvmsg() of what is missing of the message. 1: read something,
 * 0: nothing waits, -1: the connection ended. */
static int read_some(struct pw_vu_server *s)
{
	union {
		char b[CMSG_SPACE(PW_VU_REGIONS_MAX * sizeof(int))];
		struct cmsghdr align;
	} cm;
	struct pw_vu_hdr h;
	size_t want = PW_VU_HDR_LEN;
	struct iovec iov;
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cm.b,
			     .msg_controllen = sizeof(cm.b) };
	ssize_t r;

	if (s->have >= PW_VU_HDR_LEN) {
		memcpy(&h, s->buf, sizeof(h));
		want += h.size;
	}
	iov = (struct iovec){ s->buf + s->have, want - s->have };
	r = recvmsg(s->conn, &mh, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
	if (r < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (r < 0) {
		end(s, "reading the connection: %s", strerror(errno));
		return -1;
	}
	if (!take_fds(s, &mh)) {
		s->d->stats.bad_msg++;
		end(s, "more than %u fds with one message", PW_VU_REGIONS_MAX);
		return -1;
	}
	if (mh.msg_flags & MSG_CTRUNC) {
		s->d->stats.bad_msg++;
		end(s, "fds cut off (MSG_CTRUNC): more than %u with one message",
		    PW_VU_REGIONS_MAX);
		return -1;
	}
	if (r == 0) {
		end(s, s->have ? "the front end closed the connection within a message"
			       : "the front end closed the connection");
		return -1;
	}
	s->have += (size_t)r;
	if (s->have == PW_VU_HDR_LEN) {
		const char *name;

		memcpy(&h, s->buf, sizeof(h));
		if (h.size > PW_VU_PAYLOAD_MAX) {
			name = pw_vu_req_name(h.request);
			s->d->stats.bad_msg++;
			if (name)
				end(s, "%s: payload of %u bytes, more than %u", name, h.size,
				    (unsigned)PW_VU_PAYLOAD_MAX);
			else
				end(s, "request %u: payload of %u bytes, more than %u", h.request,
				    h.size, (unsigned)PW_VU_PAYLOAD_MAX);
			return -1;
		}
		want += h.size;
	}
	if (s->have == want && !handle(s))
		return -1;
	return 1;
}

static int on_conn(void *data, uint32_t events)
{
	struct pw_vu_server *s = data;
	int moved = 0;

	if (events & EPOLLERR) {
		end(s, "error on the connection");
		return 1;
	}
	/* EPOLLHUP: what was sent before is read first; the read of 0 ends it. */
	for (unsigned i = 0; i < READS_PER_CALL; i++) {
		int r = read_some(s);

		if (r <= 0)
			return r < 0 ? 1 : moved;
		moved = 1;
	}
	return moved;
}

/* A new connection (accepted or made) becomes the one served: false (fd
 * closed) when it cannot be watched. */
static bool adopt(struct pw_vu_server *s, int fd)
{
	if (s->attached && s->w.watch(s->w.loop, fd, EPOLLIN, on_conn, s)) {
		close(fd);
		return false;
	}
	s->conn = fd;
	s->have = 0;
	s->stats.connects++;
	return true;
}

static int on_listen(void *data, uint32_t events)
{
	struct pw_vu_server *s = data;
	int fd = accept4(s->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

	(void)events;
	if (fd < 0)
		return 0; /* EAGAIN, ECONNABORTED: gone before we looked */
	if (s->conn >= 0) {
		close(fd);
		s->stats.conn_refused++;
		return 1;
	}
	if (!adopt(s, fd))
		s->stats.conn_refused++;
	return 1;
}

/* Client mode: one attempt to connect to the front end (a UNIX socket
 * connects at once or not at all); after a failure, another in
 * RETRY_SECONDS. */
static void try_connect(struct pw_vu_server *s)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd >= 0 && !connect(fd, (struct sockaddr *)&s->peer, sizeof(s->peer))) {
		if (adopt(s, fd)) /* it closes fd when it cannot watch it */
			return;
	} else {
		snprintf(s->why, sizeof(s->why), "connecting to %s: %s", s->peer.sun_path,
			 strerror(errno));
		if (fd >= 0)
			close(fd);
	}
	retry_later(s);
}

static int on_timer(void *data, uint32_t events)
{
	struct pw_vu_server *s = data;
	uint64_t n;

	(void)events;
	if (read(s->timer, &n, sizeof(n)) != sizeof(n) || s->conn >= 0)
		return 0;
	try_connect(s);
	return 1;
}

/* The data path broke the device (pw_vu_dev_break): end the connection
 * now, naming the ring and why. */
static int on_wake(void *data, uint32_t events)
{
	struct pw_vu_server *s = data;
	eventfd_t n;

	(void)events;
	eventfd_read(s->wake, &n);
	if (s->conn < 0 || !s->d->broken)
		return 0;
	/* The faults are written by the queues' threads: no burst runs while
	 * they are read (end() resets the device, holding every pair too). */
	pw_vu_dev_hold_all(s->d);
	for (unsigned i = 0; i < 2 * s->d->cfg.pairs; i++) {
		const struct pw_vu_ring *r = &s->d->ring[i];
		const struct pw_vq_fault *f = &r->vq.broken;

		if (!r->started || f->reason == PW_VQ_OK)
			continue;
		/* The front end asked to hear of it (SET_VRING_ERR). */
		if (r->err >= 0)
			eventfd_write(r->err, 1);
		if (f->reason == PW_VQ_avail_idx_jump)
			end(s, "guest broke virtio: ring %u: %s (avail->idx %llu, %u entries ahead "
			       "of what was taken, more than the ring holds)",
			    i, pw_vq_reason_name(f->reason), (unsigned long long)f->addr, f->len);
		else
			end(s, "guest broke virtio: ring %u: %s (descriptor %u%s, address 0x%llx, "
			       "%u bytes)",
			    i, pw_vq_reason_name(f->reason), f->desc,
			    f->indirect ? " of an indirect table" : "", (unsigned long long)f->addr,
			    f->len);
		pw_vu_dev_release_all(s->d);
		return 1;
	}
	end(s, "guest broke virtio");
	pw_vu_dev_release_all(s->d);
	return 1;
}

/* What both modes have: the device, its vNICs, the wake eventfd. */
static struct pw_vu_server *server_new(struct pw_vu_dev *d, struct pw_vnic *const *vnics,
				       unsigned n)
{
	struct pw_vu_server *s;

	if (n > PW_VU_PAIRS_MAX) {
		errno = EINVAL;
		return NULL;
	}
	s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->listen_fd = s->timer = s->conn = -1;
	s->d = d;
	s->wake = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (s->wake < 0) {
		free(s);
		return NULL;
	}
	d->wake = s->wake;
	for (unsigned i = 0; i < n; i++)
		s->vnics[i] = vnics[i];
	s->n_vnics = n;
	return s;
}

struct pw_vu_server *pw_vu_server_new(int listen_fd, struct pw_vu_dev *d,
				      struct pw_vnic *const *vnics, unsigned n)
{
	struct pw_vu_server *s = listen_fd < 0 ? NULL : server_new(d, vnics, n);

	if (!s) {
		if (listen_fd >= 0)
			close(listen_fd);
		else
			errno = EINVAL;
		return NULL;
	}
	s->listen_fd = listen_fd;
	return s;
}

struct pw_vu_server *pw_vu_client_new(const char *path, struct pw_vu_dev *d,
				      struct pw_vnic *const *vnics, unsigned n)
{
	struct pw_vu_server *s;

	if (strlen(path) >= sizeof(s->peer.sun_path)) {
		errno = ENAMETOOLONG;
		return NULL;
	}
	s = server_new(d, vnics, n);
	if (!s)
		return NULL;
	s->peer.sun_family = AF_UNIX;
	strcpy(s->peer.sun_path, path);
	s->timer = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (s->timer < 0) {
		int e = errno;

		pw_vu_server_free(s);
		errno = e;
		return NULL;
	}
	return s;
}

int pw_vu_server_attach(struct pw_vu_server *s, const struct pw_watcher *w)
{
	int err;

	int door = s->listen_fd >= 0 ? s->listen_fd : s->timer;

	s->w = *w;
	err = w->watch(w->loop, s->wake, EPOLLIN, on_wake, s);
	if (err)
		return err;
	err = w->watch(w->loop, door, EPOLLIN, s->listen_fd >= 0 ? on_listen : on_timer, s);
	if (!err && s->conn >= 0) {
		err = w->watch(w->loop, s->conn, EPOLLIN, on_conn, s);
		if (err)
			w->unwatch(w->loop, door);
	}
	if (err)
		w->unwatch(w->loop, s->wake);
	s->attached = !err;
	/* Client mode: the first attempt now, not in a second. */
	if (s->attached && s->timer >= 0 && s->conn < 0)
		try_connect(s);
	return err;
}

void pw_vu_server_detach(struct pw_vu_server *s)
{
	if (!s->attached)
		return;
	s->w.unwatch(s->w.loop, s->wake);
	s->w.unwatch(s->w.loop, s->listen_fd >= 0 ? s->listen_fd : s->timer);
	if (s->conn >= 0)
		s->w.unwatch(s->w.loop, s->conn);
	s->attached = false;
}

void pw_vu_server_free(struct pw_vu_server *s)
{
	if (!s)
		return;
	pw_vu_server_detach(s);
	if (s->conn >= 0)
		drop(s, false);
	s->d->wake = -1;
	close(s->wake);
	if (s->listen_fd >= 0)
		close(s->listen_fd);
	if (s->timer >= 0)
		close(s->timer);
	free(s);
}

const struct pw_vu_server_stats *pw_vu_server_stats(const struct pw_vu_server *s)
{
	return &s->stats;
}

const char *pw_vu_server_why(const struct pw_vu_server *s)
{
	return s->why;
}
