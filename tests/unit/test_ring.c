/* SPDX-License-Identifier: MIT */
/*
 * test_ring.c: the TAP's io_uring does what it is for and nothing else. Its
 * submissions are not seen by the privilege drop's system-call filter, so
 * it is restricted before it runs: writev (and the no-op a cancelled write
 * becomes) work, an openat or a socket submitted through it is refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "vnic/tap.c"
#include "vnic/vnet.c"

/* Submit one prepared SQE and return its result. */
static int run_one(struct io_uring *ring)
{
	struct io_uring_cqe *cqe;
	int res;

	assert_int_equal(io_uring_submit(ring), 1);
	assert_int_equal(io_uring_wait_cqe(ring, &cqe), 0);
	res = cqe->res;
	io_uring_cqe_seen(ring, cqe);
	return res;
}

static void test_ring_writes(void **state)
{
	struct io_uring ring;
	int p[2];
	char buf[4] = "abc", got[4] = { 0 };
	struct iovec iov = { buf, 3 };

	(void)state;
	assert_int_equal(pipe(p), 0);
	assert_int_equal(ring_open(&ring), 0);
	io_uring_prep_writev(io_uring_get_sqe(&ring), p[1], &iov, 1, (uint64_t)-1);
	assert_int_equal(run_one(&ring), 3);
	assert_int_equal(read(p[0], got, 3), 3);
	assert_string_equal(got, "abc");
	io_uring_prep_nop(io_uring_get_sqe(&ring));
	assert_int_equal(run_one(&ring), 0);
	io_uring_queue_exit(&ring);
	close(p[0]);
	close(p[1]);
}

static void test_ring_refuses_the_rest(void **state)
{
	struct io_uring ring;
	struct io_uring_sqe *sqe;

	(void)state;
	assert_int_equal(ring_open(&ring), 0);
	io_uring_prep_openat(io_uring_get_sqe(&ring), AT_FDCWD, "/etc/passwd", O_RDONLY, 0);
	assert_int_equal(run_one(&ring), -EACCES);
	io_uring_prep_socket(io_uring_get_sqe(&ring), AF_INET, SOCK_DGRAM, 0, 0);
	assert_int_equal(run_one(&ring), -EACCES);
	/* An SQE with a flag other than linking (here: async) is refused too. */
	sqe = io_uring_get_sqe(&ring);
	io_uring_prep_nop(sqe);
	sqe->flags |= IOSQE_ASYNC;
	assert_int_equal(run_one(&ring), -EACCES);
	io_uring_queue_exit(&ring);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ring_writes),
		cmocka_unit_test(test_ring_refuses_the_rest),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
