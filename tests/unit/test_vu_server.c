/* SPDX-License-Identifier: MIT */
/*
 * test_vu_server.c: the socket side of a vhost-user device
 * (vnic/vhost/server.c), served by a pw_loop run one round at a time, with
 * the test as the front end on a socket in a mkdtemp directory: replies
 * come back whole, a memory table's memfd arrives through SCM_RIGHTS, a
 * message sent a byte at a time or two sent in one write are handled, a
 * bad message or one too long ends the connection and resets the device,
 * a second front end is turned away, a new one is served after a
 * disconnect, and the vNIC's set follows the rings. pw_vu_listen replaces
 * a stale socket and refuses anything else, naming the path. In client
 * mode the server connects to a listening front end, and again after it
 * went or was not there yet.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>
#include <cmocka.h>

#include <linux/virtio_config.h>

#include "dp/loop.h"
#include "vnic/vhost/net.h"
#include "vnic/vhost/server.h"
#include "vu_front.h"

enum { NUM = 256, MTU = 1500 };

static const struct pw_vu_dev_cfg offer = {
	.pairs = 1,
	.features = F(VIRTIO_F_VERSION_1) | F(PW_VU_F_PROTOCOL_FEATURES),
	.protocol_features = F(PW_VU_PROTOCOL_F_REPLY_ACK),
	.mtu = MTU,
};

static char dir[] = "/tmp/test-vu-server.XXXXXX";
static char path[128];
static struct pw_loop *l;
static struct pw_vu_server *s;
static struct pw_vnic *v;

/* One round of the loop: what is ready now is handled. */
static void step(void)
{
	pw_loop_stop(l);
	assert_int_equal(pw_loop_run(l), 0);
}

static unsigned open_fds(void)
{
	DIR *dp = opendir("/proc/self/fd");
	unsigned n = 0;

	assert_non_null(dp);
	while (readdir(dp))
		n++;
	closedir(dp);
	return n;
}

/* A front end, connected and accepted. */
static int front(void)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	struct timeval tv = { .tv_sec = 2 };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	assert_int_equal(setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)), 0);
	strcpy(a.sun_path, path);
	assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	step();
	return fd;
}

static size_t build(uint8_t *buf, uint32_t req, uint32_t size, const void *p)
{
	struct pw_vu_hdr h = { .request = req, .flags = PW_VU_VERSION, .size = size };

	memcpy(buf, &h, sizeof(h));
	if (size)
		memcpy(buf + PW_VU_HDR_LEN, p, size);
	return PW_VU_HDR_LEN + size;
}

/* Send one message with n fds (the test's copies stay the test's). */
static void put(int fd, uint32_t req, const void *p, uint32_t size, const int *fds, unsigned n)
{
	uint8_t buf[PW_VU_HDR_LEN + PW_VU_PAYLOAD_MAX];
	union {
		char b[CMSG_SPACE(PW_VU_REGIONS_MAX * sizeof(int))];
		struct cmsghdr align;
	} cm = { 0 };
	struct iovec iov = { buf, build(buf, req, size, p) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };

	if (n) {
		struct cmsghdr *c;

		mh.msg_control = cm.b;
		mh.msg_controllen = CMSG_SPACE(n * sizeof(int));
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(n * sizeof(int));
		memcpy(CMSG_DATA(c), fds, n * sizeof(int));
	}
	assert_int_equal(sendmsg(fd, &mh, MSG_NOSIGNAL), (ssize_t)iov.iov_len);
}

/* Read a u64 reply to req. */
static uint64_t get_u64(int fd, uint32_t req)
{
	uint8_t buf[PW_VU_HDR_LEN + 8];
	struct pw_vu_hdr h;
	uint64_t val;

	assert_int_equal(recv(fd, buf, sizeof(buf), MSG_WAITALL), sizeof(buf));
	memcpy(&h, buf, sizeof(h));
	assert_int_equal(h.request, req);
	assert_int_equal(h.flags, PW_VU_VERSION | PW_VU_FLAG_REPLY);
	assert_int_equal(h.size, 8);
	memcpy(&val, buf + PW_VU_HDR_LEN, 8);
	return val;
}

static bool nothing_waits(int fd)
{
	uint8_t b;

	return recv(fd, &b, 1, MSG_DONTWAIT) < 0 && errno == EAGAIN;
}

static bool closed_by_server(int fd)
{
	uint8_t b;

	return recv(fd, &b, 1, 0) == 0;
}

static void put_mem(int fd)
{
	struct pw_vu_memory t = { .n_regions = 1,
				  .regions[0] = { .gpa = 0, .size = FRONT_MEM, .uva = UVA } };
	int mfd = memfd_create("test-vu-server", MFD_ALLOW_SEALING | MFD_CLOEXEC);

	assert_true(mfd >= 0);
	assert_int_equal(ftruncate(mfd, FRONT_MEM), 0);
	assert_int_equal(fcntl(mfd, F_ADD_SEALS, F_SEAL_SHRINK), 0);
	put(fd, PW_VU_SET_MEM_TABLE, &t, 8 + sizeof(t.regions[0]), &mfd, 1);
	close(mfd);
}

static const struct pw_vu_server_stats *stats(void)
{
	return pw_vu_server_stats(s);
}

static int setup(void **state)
{
	struct pw_err e = { 0 };
	struct pw_watcher w;
	int fd;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/vm.sock", dir);
	pw_vu_dev_init(&d, &offer);
	fd = pw_vu_listen(path, &e);
	assert_true(fd >= 0);
	v = pw_vu_net_open(&d, 0, MTU);
	assert_non_null(v);
	l = pw_loop_new();
	assert_non_null(l);
	s = pw_vu_server_new(fd, &d, &v, 1);
	assert_non_null(s);
	w = pw_loop_watcher(l);
	assert_int_equal(pw_vu_server_attach(s, &w), 0);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	pw_vu_server_free(s);
	pw_loop_free(l);
	pw_vnic_close(v);
	pw_vu_dev_reset(&d);
	unlink(path);
	rmdir(dir);
	strcpy(dir, "/tmp/test-vu-server.XXXXXX");
	return 0;
}

static void test_get_features(void **state)
{
	int fe;

	(void)state;
	fe = front();
	assert_int_equal(stats()->connects, 1);
	put(fe, PW_VU_GET_FEATURES, NULL, 0, NULL, 0);
	step();
	assert_int_equal(get_u64(fe, PW_VU_GET_FEATURES), offer.features);
	assert_true(nothing_waits(fe));
	close(fe);
}

static void test_mem_table_fd(void **state)
{
	int fe;

	(void)state;
	fe = front();
	put_mem(fe);
	step();
	assert_int_equal(d.mem.n, 1);
	assert_int_equal(d.mem.r[0].size, FRONT_MEM);
	assert_int_equal(stats()->disconnects, 0);
	close(fe);
}

static void test_one_byte_at_a_time(void **state)
{
	uint8_t buf[PW_VU_HDR_LEN + 8];
	uint64_t f = offer.features;
	size_t len = build(buf, PW_VU_SET_FEATURES, 8, &f);
	int fe;

	(void)state;
	fe = front();
	for (size_t i = 0; i < len; i++) {
		assert_int_equal(send(fe, buf + i, 1, 0), 1);
		step();
		assert_int_equal(d.features, i + 1 == len ? offer.features : 0);
	}
	/* And one whose reply says it was taken whole. */
	len = build(buf, PW_VU_GET_PROTOCOL_FEATURES, 0, NULL);
	for (size_t i = 0; i < len; i++) {
		assert_true(nothing_waits(fe));
		assert_int_equal(send(fe, buf + i, 1, 0), 1);
		step();
	}
	assert_int_equal(get_u64(fe, PW_VU_GET_PROTOCOL_FEATURES), offer.protocol_features);
	assert_int_equal(stats()->disconnects, 0);
	close(fe);
}

static void test_two_in_one_write(void **state)
{
	uint8_t buf[2 * PW_VU_HDR_LEN];
	int fe;

	(void)state;
	fe = front();
	build(buf, PW_VU_GET_FEATURES, 0, NULL);
	build(buf + PW_VU_HDR_LEN, PW_VU_GET_PROTOCOL_FEATURES, 0, NULL);
	assert_int_equal(write(fe, buf, sizeof(buf)), sizeof(buf));
	step();
	assert_int_equal(get_u64(fe, PW_VU_GET_FEATURES), offer.features);
	assert_int_equal(get_u64(fe, PW_VU_GET_PROTOCOL_FEATURES), offer.protocol_features);
	close(fe);
}

/* An unknown request ends the connection, resets the device; no fd stays
 * open behind it; the next front end is served. */
static void test_bad_msg_ends(void **state)
{
	unsigned fds_before = open_fds();
	int fe, ev = eventfd(0, EFD_CLOEXEC);

	(void)state;
	fe = front();
	put_mem(fe);
	step();
	assert_int_equal(d.mem.n, 1);
	put(fe, 77, NULL, 0, &ev, 1);
	step();
	assert_true(closed_by_server(fe));
	assert_int_equal(d.stats.bad_msg, 1);
	assert_int_equal(d.mem.n, 0);
	assert_int_equal(stats()->disconnects, 1);
	assert_non_null(strstr(pw_vu_server_why(s), "77"));
	print_message("why: %s\n", pw_vu_server_why(s));
	close(fe);
	close(ev);
	assert_int_equal(open_fds(), fds_before);

	fe = front();
	assert_int_equal(stats()->connects, 2);
	put(fe, PW_VU_GET_FEATURES, NULL, 0, NULL, 0);
	step();
	assert_int_equal(get_u64(fe, PW_VU_GET_FEATURES), offer.features);
	close(fe);
}

/* A request with an fd it does not carry is refused too, the fd closed. */
static void test_stray_fd_ends(void **state)
{
	unsigned fds_before = open_fds();
	int fe, ev = eventfd(0, EFD_CLOEXEC);

	(void)state;
	fe = front();
	put(fe, PW_VU_GET_FEATURES, NULL, 0, &ev, 1);
	step();
	assert_true(closed_by_server(fe));
	assert_int_equal(d.stats.bad_msg, 1);
	close(fe);
	close(ev);
	assert_int_equal(open_fds(), fds_before);
}

static void test_too_long_ends(void **state)
{
	struct pw_vu_hdr h = { .request = PW_VU_SET_MEM_TABLE, .flags = PW_VU_VERSION,
			       .size = PW_VU_PAYLOAD_MAX + 1 };
	int fe;

	(void)state;
	fe = front();
	assert_int_equal(write(fe, &h, sizeof(h)), sizeof(h));
	step();
	assert_true(closed_by_server(fe));
	assert_int_equal(d.stats.bad_msg, 1);
	assert_non_null(strstr(pw_vu_server_why(s), "SET_MEM_TABLE"));
	close(fe);
}

static void test_second_refused(void **state)
{
	int a, b;

	(void)state;
	a = front();
	b = front();
	assert_true(closed_by_server(b));
	assert_int_equal(stats()->conn_refused, 1);
	assert_int_equal(stats()->connects, 1);
	put(a, PW_VU_GET_FEATURES, NULL, 0, NULL, 0);
	step();
	assert_int_equal(get_u64(a, PW_VU_GET_FEATURES), offer.features);
	close(b);
	close(a);
}

static int ready(void)
{
	struct epoll_event e;

	return epoll_wait(v->ops->fd(v), &e, 1, 0);
}

/* A kick fd set over the socket is in the vNIC's set (sync called), and
 * gone with the front end. */
static void test_sync_and_eof(void **state)
{
	int kick = eventfd(0, EFD_CLOEXEC), call = eventfd(0, EFD_CLOEXEC);
	struct pw_vu_vring_state num = { 1, NUM };
	struct pw_vu_vring_addr a = { .index = 1, .desc = UVA + 0x10000,
				      .avail = UVA + 0x10000 + 16 * NUM,
				      .used = UVA + 0x10000 + 16 * NUM + 4096 };
	uint64_t f = offer.features & ~F(PW_VU_F_PROTOCOL_FEATURES), idx = 1;
	int fe;

	(void)state;
	assert_int_equal(v->ops->arm(v, EPOLLIN), 0);
	fe = front();
	put(fe, PW_VU_SET_FEATURES, &f, 8, NULL, 0);
	put_mem(fe);
	put(fe, PW_VU_SET_VRING_NUM, &num, sizeof(num), NULL, 0);
	put(fe, PW_VU_SET_VRING_ADDR, &a, sizeof(a), NULL, 0);
	put(fe, PW_VU_SET_VRING_CALL, &idx, 8, &call, 1);
	step();
	assert_int_equal(ready(), 0);
	put(fe, PW_VU_SET_VRING_KICK, &idx, 8, &kick, 1);
	step();
	assert_true(d.ring[1].started);
	/* The ring just started: sync kicked it once, and the set shows it. */
	assert_int_equal(ready(), 1);
	assert_int_equal(stats()->disconnects, 0);

	close(fe);
	step();
	assert_int_equal(stats()->disconnects, 1);
	assert_false(d.ring[1].started);
	assert_int_equal(d.mem.n, 0);
	assert_int_equal(ready(), 0);
	assert_non_null(strstr(pw_vu_server_why(s), "closed"));
	close(kick);
	close(call);
}

/* The data path broke a ring (net.c): the connection ends at once, with
 * the ring and the reason in the words. */
static void test_broken_by_data_path(void **state)
{
	int kick = eventfd(0, EFD_CLOEXEC), err = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	int err_copy = dup(err);
	struct pw_vu_vring_state num = { 1, NUM };
	struct pw_vu_vring_addr a = { .index = 1, .desc = UVA + 0x10000,
				      .avail = UVA + 0x10000 + 16 * NUM,
				      .used = UVA + 0x10000 + 16 * NUM + 4096 };
	uint64_t idx = 1;
	eventfd_t n = 0;
	int fe;

	(void)state;
	fe = front();
	put_mem(fe);
	put(fe, PW_VU_SET_VRING_NUM, &num, sizeof(num), NULL, 0);
	put(fe, PW_VU_SET_VRING_ADDR, &a, sizeof(a), NULL, 0);
	put(fe, PW_VU_SET_VRING_ERR, &idx, 8, &err, 1);
	put(fe, PW_VU_SET_VRING_KICK, &idx, 8, &kick, 1);
	step();
	assert_true(d.ring[1].started);
	d.ring[1].vq.broken = (struct pw_vq_fault){ .reason = PW_VQ_desc_zero_len, .desc = 5 };
	pw_vu_dev_break(&d);
	step();
	assert_int_equal(stats()->disconnects, 1);
	assert_true(closed_by_server(fe));
	assert_non_null(strstr(pw_vu_server_why(s), "ring 1: desc_zero_len (descriptor 5"));
	assert_false(d.broken); /* reset: the next front end starts clean */
	/* The ring's err eventfd (SET_VRING_ERR) was written. */
	assert_int_equal(eventfd_read(err_copy, &n), 0);
	assert_int_equal(n, 1);
	close(err_copy);
	close(fe);
	close(kick);
}

static void test_listen_refuses_file(void **state)
{
	char p[160];
	struct pw_err e = { 0 };
	int fd;

	(void)state;
	snprintf(p, sizeof(p), "%s/file", dir);
	fd = open(p, O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(pw_vu_listen(p, &e), -EEXIST);
	assert_non_null(strstr(pw_err_msg(&e), p));
	assert_int_equal(access(p, F_OK), 0); /* left alone */
	unlink(p);
}

static void test_listen_refuses_live_socket(void **state)
{
	struct pw_err e = { 0 };

	(void)state;
	/* The server's own socket answers. */
	assert_int_equal(pw_vu_listen(path, &e), -EADDRINUSE);
	assert_non_null(strstr(pw_err_msg(&e), path));
}

static void test_listen_replaces_stale(void **state)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	struct pw_err e = { 0 };
	char p[160];
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	(void)state;
	snprintf(p, sizeof(p), "%s/stale.sock", dir);
	strcpy(a.sun_path, p);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	close(fd); /* the file stays, nobody answers */
	fd = pw_vu_listen(p, &e);
	assert_true(fd >= 0);
	assert_false(pw_err_failed(&e));
	/* And it answers now. */
	assert_int_equal(pw_vu_listen(p, &e), -EADDRINUSE);
	close(fd);
	unlink(p);
}

/* Client mode: the test listens as QEMU does with server=on; the server
 * connects when attached, and again a second after the front end went,
 * and after an attempt that found nobody. */
static void test_client_reconnects(void **state)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	struct pw_watcher w;
	int lfd, fe;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/qemu.sock", dir);
	strcpy(a.sun_path, path);
	pw_vu_dev_init(&d, &offer);
	v = pw_vu_net_open(&d, 0, MTU);
	l = pw_loop_new();
	assert_non_null(v);
	assert_non_null(l);
	s = pw_vu_client_new(path, &d, &v, 1);
	assert_non_null(s);
	w = pw_loop_watcher(l);
	/* Nobody listens yet: the first attempt fails, saying why. */
	assert_int_equal(pw_vu_server_attach(s, &w), 0);
	assert_int_equal(stats()->connects, 0);
	assert_non_null(strstr(pw_vu_server_why(s), "connecting to"));
	assert_non_null(strstr(pw_vu_server_why(s), path));
	lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_int_equal(bind(lfd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(lfd, 1), 0);
	step();
	assert_int_equal(stats()->connects, 0); /* not before the second is up */
	usleep(1100 * 1000);
	step();
	assert_int_equal(stats()->connects, 1);
	fe = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	assert_true(fe >= 0);
	put(fe, PW_VU_GET_FEATURES, NULL, 0, NULL, 0);
	step();
	assert_int_equal(get_u64(fe, PW_VU_GET_FEATURES), offer.features);
	/* The VM goes; a second later the server is back. */
	close(fe);
	step();
	assert_int_equal(stats()->disconnects, 1);
	assert_int_equal(stats()->connects, 1);
	usleep(1100 * 1000);
	step();
	assert_int_equal(stats()->connects, 2);
	fe = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	assert_true(fe >= 0);
	put(fe, PW_VU_GET_FEATURES, NULL, 0, NULL, 0);
	step();
	assert_int_equal(get_u64(fe, PW_VU_GET_FEATURES), offer.features);
	close(fe);
	close(lfd);
	pw_vu_server_free(s);
	pw_loop_free(l);
	pw_vnic_close(v);
	pw_vu_dev_reset(&d);
	unlink(path);
	rmdir(dir);
	strcpy(dir, "/tmp/test-vu-server.XXXXXX");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(t) cmocka_unit_test_setup_teardown(t, setup, teardown)
		T(test_get_features),
		T(test_mem_table_fd),
		T(test_one_byte_at_a_time),
		T(test_two_in_one_write),
		T(test_bad_msg_ends),
		T(test_stray_fd_ends),
		T(test_too_long_ends),
		T(test_second_refused),
		T(test_sync_and_eof),
		T(test_broken_by_data_path),
		T(test_listen_refuses_file),
		T(test_listen_refuses_live_socket),
		T(test_listen_replaces_stale),
#undef T
		cmocka_unit_test(test_client_reconnects),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
