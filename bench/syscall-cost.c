/* SPDX-License-Identifier: MIT */
/*
 * syscall-cost.c: what a seccomp filter adds to every system call
 * (bench/README.md, issue 13's no-regression check). pwire's data path runs
 * under one (cli/privs.c); a filter moves every call of the process onto
 * the kernel's slower entry path, whatever the filter says.
 *
 *   usage: syscall-cost [CALLS [ROUNDS]]   (defaults 2000000 and 7)
 *
 * Each round forks three children in turn, the order rotated per round;
 * each makes CALLS getppid() and CALLS readv() on a bad fd (two calls the
 * kernel answers at once) and reports the ns per call:
 *   none    no filter;
 *   allow1  a filter that allows everything but ptrace (one rule);
 *   list    a filter that allows only a list of 24 calls, as pwire's
 *           allows a list (its default action traps, this one kills), the
 *           two measured among them.
 * Since Linux 5.11 the kernel caches, per call, a filter's "always allowed"
 * verdict and then skips running it: for both filters here (and for the
 * data path's calls under pwire's) what is measured is the slower entry
 * and exit a filtered process takes, not the filter's length.
 * Prints each round's figures, then the medians and the medians of the
 * per-round differences against `none`. Built with the project, never
 * installed.
 */
#include <errno.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum mode { NONE, ALLOW1, LIST, MODES };
static const char *const names[MODES] = { "none", "allow1", "list" };

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int filter(enum mode m)
{
	static const int list[] = {
		SCMP_SYS(read),       SCMP_SYS(readv),	       SCMP_SYS(write),
		SCMP_SYS(writev),     SCMP_SYS(recvmmsg),      SCMP_SYS(sendmmsg),
		SCMP_SYS(epoll_wait), SCMP_SYS(epoll_pwait),   SCMP_SYS(epoll_ctl),
		SCMP_SYS(sched_yield), SCMP_SYS(clock_gettime), SCMP_SYS(getsockopt),
		SCMP_SYS(exit_group), SCMP_SYS(exit),	       SCMP_SYS(futex),
		SCMP_SYS(rt_sigprocmask), SCMP_SYS(close),     SCMP_SYS(brk),
		SCMP_SYS(munmap),     SCMP_SYS(getppid),       SCMP_SYS(fstat),
		SCMP_SYS(newfstatat), SCMP_SYS(mmap),	       SCMP_SYS(io_uring_enter),
	};
	scmp_filter_ctx f = seccomp_init(m == ALLOW1 ? SCMP_ACT_ALLOW : SCMP_ACT_KILL_PROCESS);
	int err = f ? 0 : -ENOMEM;

	if (!err && m == ALLOW1)
		err = seccomp_rule_add(f, SCMP_ACT_KILL_PROCESS, SCMP_SYS(ptrace), 0);
	for (size_t i = 0; !err && m == LIST && i < sizeof(list) / sizeof(list[0]); i++)
		err = seccomp_rule_add(f, SCMP_ACT_ALLOW, list[i], 0);
	if (!err)
		err = seccomp_load(f);
	seccomp_release(f);
	return err;
}

/* In a child: the filter of mode m, then the calls; ns per call of each
 * kind into out[0..1] through a pipe. */
static int measure(enum mode m, long calls, double out[2])
{
	int p[2];
	pid_t pid;
	int status;

	if (pipe(p))
		return -errno;
	pid = fork();
	if (pid < 0) {
		int err = -errno;

		close(p[0]);
		close(p[1]);
		return err;
	}
	if (pid == 0) {
		char b;
		struct iovec v = { &b, 1 };
		double r[2], t;

		close(p[0]);
		if (m != NONE && filter(m))
			_exit(2);
		t = now();
		for (long i = 0; i < calls; i++)
			syscall(SYS_getppid);
		r[0] = (now() - t) / (double)calls * 1e9;
		t = now();
		for (long i = 0; i < calls; i++)
			if (readv(-1, &v, 1) != -1)
				_exit(3);
		r[1] = (now() - t) / (double)calls * 1e9;
		_exit(write(p[1], r, sizeof(r)) == sizeof(r) ? 0 : 4);
	}
	close(p[1]);
	if (read(p[0], out, 2 * sizeof(double)) != 2 * sizeof(double))
		out[0] = out[1] = -1;
	close(p[0]);
	if (waitpid(pid, &status, 0) != pid)
		return -ECHILD;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 && out[0] >= 0 ? 0 : -EIO;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

int main(int argc, char **argv)
{
	long calls = argc > 1 ? strtol(argv[1], NULL, 10) : 2000000;
	int rounds = argc > 2 ? atoi(argv[2]) : 7;
	double (*ns)[MODES][2];

	if (calls < 1000 || rounds < 1 || rounds > 1000) {
		fprintf(stderr, "usage: syscall-cost [CALLS >= 1000 [ROUNDS 1..1000]]\n");
		return 2;
	}
	ns = calloc((size_t)rounds, sizeof(*ns));
	if (!ns)
		return 1;
	printf("round mode getppid_ns readv_ns\n");
	for (int r = 0; r < rounds; r++) {
		for (int k = 0; k < MODES; k++) {
			enum mode m = (enum mode)((r + k) % MODES);

			if (measure(m, calls, ns[r][m])) {
				fprintf(stderr, "syscall-cost: the %s child failed\n", names[m]);
				return 1;
			}
			printf("%d %s %.1f %.1f\n", r + 1, names[m], ns[r][m][0], ns[r][m][1]);
		}
	}
	for (int m = 0; m < MODES; m++) {
		double v[2][1000], d[2][1000];

		for (int c = 0; c < 2; c++) {
			for (int r = 0; r < rounds; r++) {
				v[c][r] = ns[r][m][c];
				d[c][r] = ns[r][m][c] - ns[r][NONE][c];
			}
		}
		printf("%-6s median getppid %.1f ns readv %.1f ns; added to none, per-round median: "
		       "getppid %+.1f ns readv %+.1f ns\n",
		       names[m], median(v[0], rounds), median(v[1], rounds), median(d[0], rounds),
		       median(d[1], rounds));
	}
	free(ns);
	return 0;
}
