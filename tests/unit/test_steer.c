/* SPDX-License-Identifier: MIT */
/*
 * test_steer.c: the steering program (xport/steer.c) run by the kernel
 * (BPF_PROG_TEST_RUN) on TCP/IPv4 frames behind an 8-byte header, as the
 * queues' sockets see them: the constant program spreads flows over its N
 * queues; the map's program over the count stored in the mapped value,
 * read again at each run (k = 1: every flow to socket 0; k = 2: both get
 * flows), and a count of 0 or past N sends everything to queue 0. Needs
 * the right to load BPF programs: exit 77 (skip) without it.
 */
#include <errno.h>
#include <linux/bpf.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <cmocka.h>

#include "xport/steer.h"

enum {
	SKB_ETH = 14, /* the test run's own Ethernet header, pulled before the program */
	HDR = 8,      /* what stands before the frame: an L2TPv3 header's length */
	FLOWS = 64,
	FRAME_LEN = SKB_ETH + HDR + 14 + 20 + 20,
};

/* What prog returns for the TCP flow 10.0.0.1:sport -> 10.0.0.2:7. */
static unsigned run(int prog, uint16_t sport)
{
	uint8_t f[FRAME_LEN] = { 0 }, out[FRAME_LEN + 64];
	uint8_t *eth = f + SKB_ETH + HDR, *ip = eth + 14, *tcp = ip + 20;
	union bpf_attr attr;

	f[12] = 0x08; /* the test run's header: IPv4 */
	eth[12] = 0x08;
	ip[0] = 0x45;
	ip[3] = 40;
	ip[8] = 64;
	ip[9] = 6; /* TCP */
	memcpy(ip + 12, (uint8_t[]){ 10, 0, 0, 1, 10, 0, 0, 2 }, 8);
	tcp[0] = (uint8_t)(sport >> 8);
	tcp[1] = (uint8_t)sport;
	tcp[3] = 7;
	memset(&attr, 0, sizeof(attr));
	attr.test.prog_fd = (uint32_t)prog;
	attr.test.data_in = (uint64_t)(uintptr_t)f;
	attr.test.data_size_in = sizeof(f);
	attr.test.data_out = (uint64_t)(uintptr_t)out;
	attr.test.data_size_out = sizeof(out);
	attr.test.repeat = 1;
	assert_int_equal(syscall(SYS_bpf, BPF_PROG_TEST_RUN, &attr, sizeof(attr)), 0);
	return attr.test.retval;
}

/* How many of FLOWS flows prog sends to each queue (below max). */
static void spread(int prog, unsigned max, unsigned *count)
{
	memset(count, 0, max * sizeof(*count));
	for (unsigned i = 0; i < FLOWS; i++) {
		unsigned q = run(prog, (uint16_t)(40000 + 2 * i));

		assert_in_range(q, 0, max - 1);
		count[q]++;
	}
}

static void test_constant(void **state)
{
	unsigned c[4];
	int prog = pw_steer_load(HDR, 4, -1);

	(void)state;
	assert_true(prog >= 0);
	spread(prog, 4, c);
	for (unsigned q = 0; q < 4; q++)
		assert_true(c[q] > 0);
	close(prog);
}

static void test_map(void **state)
{
	unsigned c[4];
	int map = pw_steer_map(), prog;
	_Atomic uint32_t *k;

	(void)state;
	assert_true(map >= 0);
	k = pw_steer_map_value(map);
	assert_non_null(k);
	prog = pw_steer_load(HDR, 2, map);
	assert_true(prog >= 0);
	close(map);
	/* Not yet stored (0): queue 0. */
	spread(prog, 2, c);
	assert_int_equal(c[0], FLOWS);
	*k = 1;
	spread(prog, 2, c);
	assert_int_equal(c[0], FLOWS);
	*k = 2; /* the guest enabled its second pair: no reload */
	spread(prog, 2, c);
	assert_true(c[0] > 0 && c[1] > 0);
	*k = 3; /* past N: queue 0, never a socket the group has not */
	spread(prog, 2, c);
	assert_int_equal(c[0], FLOWS);
	*k = 1;
	spread(prog, 2, c);
	assert_int_equal(c[0], FLOWS);
	close(prog);
	pw_steer_map_unmap(k);
}

/* N = 4 with 3 pairs running: the three, never the fourth. */
static void test_map_prefix(void **state)
{
	unsigned c[4];
	int map = pw_steer_map(), prog;
	_Atomic uint32_t *k;

	(void)state;
	assert_true(map >= 0);
	k = pw_steer_map_value(map);
	assert_non_null(k);
	prog = pw_steer_load(HDR, 4, map);
	assert_true(prog >= 0);
	close(map);
	*k = 3;
	spread(prog, 4, c);
	assert_true(c[0] > 0 && c[1] > 0 && c[2] > 0);
	assert_int_equal(c[3], 0);
	*k = 4;
	spread(prog, 4, c);
	assert_true(c[3] > 0);
	close(prog);
	pw_steer_map_unmap(k);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_constant),
		cmocka_unit_test(test_map),
		cmocka_unit_test(test_map_prefix),
	};
	int prog = pw_steer_load(0, 2, -1);

	if (prog < 0) {
		printf("SKIP: cannot load a BPF program here: %s\n", strerror(-prog));
		return 77;
	}
	close(prog);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
