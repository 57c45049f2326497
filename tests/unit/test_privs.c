/* SPDX-License-Identifier: MIT */
/*
 * test_privs.c: the privilege drop of `pwire up` (cli/privs.c), each case in
 * a forked child that drops as pwire does and then makes one call: what the
 * data path needs still works; anything else (a socket, a file, a process,
 * executable memory, an ioctl, io_uring without `io_uring on`) ends the
 * child with exactly one line naming the call and exit status 1. As root,
 * /proc/PID/task/TID/status of every thread shows the unprivileged user, no
 * capabilities, NoNewPrivs and the filter. tests/netns/privs.sh checks the
 * same on a running pwire pair.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli/privs.h"

static struct pw_privs who(void)
{
	struct pw_privs p;

	assert_true(pw_privs_resolve(&p, ""));
	return p;
}

/* Fork; the child runs open (what pwire opens before the drop, may be
 * NULL), drops, runs fn and exits 0 (3 when the drop failed). Returns the
 * child's exit status (128 + signal when killed) and its stderr in err. */
static int in_child(const struct pw_privs *p, void (*open)(void), void (*fn)(void), char *err,
		    size_t size)
{
	int fds[2], status;
	size_t got = 0;
	ssize_t r;
	pid_t pid;

	assert_int_equal(pipe(fds), 0);
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(fds[1], STDERR_FILENO);
		close(fds[0]);
		if (open)
			open();
		if (!pw_privs_drop(p, "pwtest"))
			_exit(3);
		fn();
		_exit(0);
	}
	close(fds[1]);
	while (got + 1 < size && (r = read(fds[0], err + got, size - 1 - got)) > 0)
		got += (size_t)r;
	err[got] = '\0';
	close(fds[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* The sanitizer build's one line: no filter there. */
static const char *past_notice(const char *err)
{
	const char *nl = strchr(err, '\n');

	if (PW_SANITIZED && nl && strstr(err, "no system-call filter"))
		return nl + 1;
	return err;
}

static void *thread_main(void *arg)
{
	return arg;
}

static int sv[2], ep = -1;

static void data_path_open(void)
{
	if (socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) || (ep = epoll_create1(0)) < 0)
		_exit(4);
}

/* What the queue threads, the burst loops, the reports and the exit do. */
static void data_path_calls(void)
{
	struct epoll_event ev = { .events = EPOLLIN };
	int mem;
	socklen_t len = sizeof(mem);
	pthread_t t;
	void *big;
	char c = 'x';

	if (pthread_create(&t, NULL, thread_main, NULL) || pthread_join(t, NULL))
		_exit(5);
	big = malloc(1 << 20); /* mmap */
	free(big);
	if (write(sv[0], &c, 1) != 1 || read(sv[1], &c, 1) != 1)
		_exit(6);
	ev.data.fd = sv[1];
	if (epoll_ctl(ep, EPOLL_CTL_ADD, sv[1], &ev) || epoll_wait(ep, &ev, 1, 0) < 0)
		_exit(7);
	if (getsockopt(sv[0], SOL_SOCKET, SO_RCVBUF, &mem, &len))
		_exit(8);
	printf("counters\n");
	fflush(stdout);
	sched_yield();
	close(sv[0]);
	close(sv[1]);
	close(ep);
}

static void test_data_path_calls_are_allowed(void **state)
{
	struct pw_privs p = who();
	char err[512];

	(void)state;
	assert_int_equal(in_child(&p, data_path_open, data_path_calls, err, sizeof(err)), 0);
	assert_string_equal(past_notice(err), "");
}

static void socket_call(void)
{
	socket(AF_INET, SOCK_DGRAM, 0);
}

static void open_call(void)
{
	open("/etc/passwd", O_RDONLY);
}

static void fork_call(void)
{
	fork();
}

static void exec_memory_call(void)
{
	mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
}

static void ioctl_call(void)
{
	int n;

	ioctl(STDIN_FILENO, FIONREAD, &n);
}

static void setuid_call(void)
{
	syscall(SYS_setresuid, 0, 0, 0);
}

static void io_uring_call(void)
{
	syscall(SYS_io_uring_enter, -1, 0, 0, 0, NULL, 0);
}

static void test_forbidden_call_ends_with_one_line(void **state)
{
	static const struct {
		void (*fn)(void);
		const char *name;
		long nr;
	} cases[] = {
		{ socket_call, "socket", SYS_socket },
		{ open_call, "openat", SYS_openat },
		{ fork_call, "clone", SYS_clone },
		{ exec_memory_call, "mmap", SYS_mmap },
		{ ioctl_call, "ioctl", SYS_ioctl },
		{ setuid_call, "setresuid", SYS_setresuid },
		{ io_uring_call, "io_uring_enter", SYS_io_uring_enter },
	};
	struct pw_privs p = who();

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char err[512], want[160];
		int rc = in_child(&p, NULL, cases[i].fn, err, sizeof(err));

		snprintf(want, sizeof(want),
			 "pwire: pwtest: forbidden system call %s (nr %ld) after the privilege "
			 "drop: exiting\n",
			 cases[i].name, cases[i].nr);
		if (PW_SANITIZED) { /* no filter: the call is made (and fails or not) */
			assert_int_equal(rc, 0);
			continue;
		}
		if (rc != 1 || strcmp(err, want))
			fail_msg("%s: exit %d, stderr '%s', want exit 1 and '%s'", cases[i].name, rc,
				 err, want);
	}
}

/* accept4 and sendto (pwired's control socket and systemd's notify
 * socket) on fd -1: EBADF where allowed. */
static void accept4_call(void)
{
	if (accept4(-1, NULL, NULL, 0) >= 0)
		_exit(9);
}

static void sendto_call(void)
{
	if (sendto(-1, "x", 1, 0, NULL, 0) >= 0)
		_exit(9);
}

/* pwired's helper channel in these tests: an fd number nothing has open
 * (EBADF), as the filter sees it. */
enum { HELPER_FD = 100 };

static void sendmsg_call(void)
{
	struct msghdr m = { 0 };

	if (sendmsg(HELPER_FD, &m, 0) >= 0)
		_exit(9);
}

static void recvmsg_call(void)
{
	struct msghdr m = { 0 };

	if (recvmsg(HELPER_FD, &m, 0) >= 0)
		_exit(9);
}

/* sendmsg on any other fd: an fd of ours passed to a stranger. */
static void sendmsg_other_call(void)
{
	struct msghdr m = { 0 };

	if (sendmsg(HELPER_FD + 1, &m, 0) >= 0)
		_exit(9);
}

static void eventfd_call(void)
{
	int fd = eventfd(0, EFD_CLOEXEC);

	if (fd < 0)
		_exit(9);
	close(fd);
}

static void epoll_call(void)
{
	int fd = epoll_create1(EPOLL_CLOEXEC);

	if (fd < 0)
		_exit(9);
	close(fd);
}

/* pwire up may not accept, send to an address, talk to a helper, or make
 * the eventfds and epoll sets of a link opened late; pwired may (its
 * control socket, its privileged helper, the links a reload adds). */
static void test_pwired_calls(void **state)
{
	static const struct {
		void (*fn)(void);
		const char *name;
		long nr;
	} cases[] = {
		{ accept4_call, "accept4", SYS_accept4 },
		{ sendto_call, "sendto", SYS_sendto },
		{ sendmsg_call, "sendmsg", SYS_sendmsg },
		{ recvmsg_call, "recvmsg", SYS_recvmsg },
		{ eventfd_call, "eventfd2", SYS_eventfd2 },
		{ epoll_call, "epoll_create1", SYS_epoll_create1 },
	};
	struct pw_privs p = who();

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char err[512], want[160];
		int rc;

		p.pwired = false;
		rc = in_child(&p, NULL, cases[i].fn, err, sizeof(err));
		snprintf(want, sizeof(want),
			 "pwire: pwtest: forbidden system call %s (nr %ld) after the privilege "
			 "drop: exiting\n",
			 cases[i].name, cases[i].nr);
		if (!PW_SANITIZED && (rc != 1 || strcmp(err, want)))
			fail_msg("pwire up %s: exit %d, stderr '%s'", cases[i].name, rc, err);
		p.pwired = true;
		p.helper_fd = HELPER_FD;
		rc = in_child(&p, NULL, cases[i].fn, err, sizeof(err));
		if (rc != 0 || strcmp(past_notice(err), ""))
			fail_msg("pwired %s: exit %d, stderr '%s'", cases[i].name, rc, err);
	}
	/* Nor does pwired open anything (its helper reads the file), nor
	 * send on any socket but its helper's. */
	p.pwired = true;
	for (size_t i = 0; i < 3; i++) {
		static const char *const names[] = { "openat", "socket", "sendmsg" };
		static const long nrs[] = { SYS_openat, SYS_socket, SYS_sendmsg };
		static void (*const fns[])(void) = { open_call, socket_call, sendmsg_other_call };
		char err[512], want[160];
		int rc = in_child(&p, NULL, fns[i], err, sizeof(err));

		snprintf(want, sizeof(want),
			 "pwire: pwtest: forbidden system call %s (nr %ld) after the privilege "
			 "drop: exiting\n",
			 names[i], nrs[i]);
		if (!PW_SANITIZED && (rc != 1 || strcmp(err, want)))
			fail_msg("pwired %s: exit %d, stderr '%s'", names[i], rc, err);
	}
}

/* io_uring_enter is allowed with `io_uring on` (EBADF on fd -1, no trap). */
static void test_io_uring_allowed_when_on(void **state)
{
	struct pw_privs p = who();
	char err[512];

	(void)state;
	p.io_uring = true;
	assert_int_equal(in_child(&p, NULL, io_uring_call, err, sizeof(err)), 0);
	assert_string_equal(past_notice(err), "");
}

static int ready[2], hold[2];

static void *hold_thread(void *arg)
{
	char c;

	(void)arg;
	return read(hold[0], &c, 1) < 0 ? NULL : arg;
}

/* Two threads (one started after the drop) wait for the parent to read
 * their /proc status. */
static void wait_for_parent(void)
{
	pthread_t t;
	char c = 'r';

	if (pthread_create(&t, NULL, hold_thread, NULL))
		_exit(5);
	if (write(ready[1], &c, 1) != 1)
		_exit(6);
	hold_thread(NULL);
	pthread_join(t, NULL);
}

static void status_field(const char *path, const char *key, char *val, size_t size)
{
	char line[256];
	FILE *f = fopen(path, "r");

	assert_non_null(f);
	val[0] = '\0';
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, key, strlen(key)) && line[strlen(key)] == ':') {
			char *v = line + strlen(key) + 1;

			v += strspn(v, " \t");
			v[strcspn(v, "\n")] = '\0';
			snprintf(val, size, "%s", v);
		}
	}
	fclose(f);
}

static void test_every_thread_is_unprivileged(void **state)
{
	struct pw_privs p = who();
	char path[320], v[128], ids[64];
	unsigned threads = 0;
	int status;
	pid_t pid;
	DIR *d;

	(void)state;
	if (geteuid() != 0)
		skip(); /* the user drop is root's; the filter cases run anyway */
	assert_int_equal(pipe(ready), 0);
	assert_int_equal(pipe(hold), 0);
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(ready[0]);
		close(hold[1]);
		if (!pw_privs_drop(&p, "pwtest"))
			_exit(3);
		wait_for_parent();
		_exit(0);
	}
	close(ready[1]);
	close(hold[0]);
	assert_int_equal(read(ready[0], v, 1), 1);
	snprintf(ids, sizeof(ids), "%u\t%u\t%u\t%u", (unsigned)p.uid, (unsigned)p.uid,
		 (unsigned)p.uid, (unsigned)p.uid);
	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	d = opendir(path);
	assert_non_null(d);
	for (struct dirent *e; (e = readdir(d));) {
		if (e->d_name[0] == '.')
			continue;
		threads++;
		snprintf(path, sizeof(path), "/proc/%d/task/%s/status", (int)pid, e->d_name);
		status_field(path, "Uid", v, sizeof(v));
		assert_string_equal(v, ids);
		assert_true(p.uid != 0);
		status_field(path, "Groups", v, sizeof(v));
		assert_string_equal(v, "");
		status_field(path, "CapEff", v, sizeof(v));
		assert_string_equal(v, "0000000000000000");
		status_field(path, "CapPrm", v, sizeof(v));
		assert_string_equal(v, "0000000000000000");
		status_field(path, "CapBnd", v, sizeof(v));
		assert_string_equal(v, "0000000000000000");
		status_field(path, "NoNewPrivs", v, sizeof(v));
		assert_string_equal(v, "1");
		status_field(path, "Seccomp", v, sizeof(v));
		assert_string_equal(v, PW_SANITIZED ? "0" : "2");
	}
	closedir(d);
	assert_int_equal(threads, 2);
	close(hold[1]);
	close(ready[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static void test_resolve(void **state)
{
	struct pw_privs p;

	(void)state;
	assert_false(pw_privs_resolve(&p, "pwire-no-such-user"));
	assert_true(pw_privs_resolve(&p, "root"));
	assert_true(p.keep_root);
	assert_int_equal(p.uid, 0);
	assert_true(pw_privs_resolve(&p, ""));
	assert_false(p.keep_root);
	assert_true(!strcmp(p.user, "pwire") || !strcmp(p.user, "nobody"));
	assert_true(p.uid != 0 && p.gid != 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_resolve),
		cmocka_unit_test(test_data_path_calls_are_allowed),
		cmocka_unit_test(test_forbidden_call_ends_with_one_line),
		cmocka_unit_test(test_pwired_calls),
		cmocka_unit_test(test_io_uring_allowed_when_on),
		cmocka_unit_test(test_every_thread_is_unprivileged),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
