/* SPDX-License-Identifier: MIT */
/*
 * privs.c: `pwire up` drops its privileges here, in one function, once
 * everything that needs them is open (relayd's and ospfd's shape): the
 * user (setresgid, setgroups(0), setresuid through libcap-ng, which also
 * clears every capability set), NoNewPrivs, then a seccomp allow-list
 * (libseccomp) of the system calls the burst loops, the reports and the
 * exit make. Any other call raises SIGSYS; the handler writes one line
 * naming the call and ends the process (the kernel then closes the TAP,
 * which removes a device pwire created).
 *
 * Sanitizer builds (PW_SANITIZED) keep the user drop but load no filter:
 * the leak check at exit clones a tracer that ptraces the threads and reads
 * /proc, and an error report runs a symbolizer; a filter that allowed all
 * of that would test nothing. They say so in one line at start-up.
 */
#include <cap-ng.h>
#include <errno.h>
#include <grp.h>
#include <fcntl.h>
#include <pwd.h>
#include <sched.h>
#include <netinet/in.h>
#include <seccomp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "cli/parse.h"
#include "cli/print.h"
#include "cli/privs.h"

/* A rule's condition on the call's arguments. */
enum cond {
	ANY,       /* no condition */
	NO_EXEC,   /* mmap, mprotect: never PROT_EXEC (arg 2): no new code */
	THREAD,    /* clone: CLONE_THREAD set (arg 0): threads, no processes */
	NPTL_SIG,  /* rt_sigaction: only glibc's own two real-time signals (arg 0) */
	SELF_ABRT, /* tgkill: SIGABRT to this process (abort() of a failed assert) */
	ENOSYS_,   /* clone3: fail with ENOSYS (its flags are behind a pointer a
		    * filter cannot read), so glibc falls back to clone */
	IO_URING,  /* only with `io_uring on` */
	FASTPATH,  /* only with the fast path's helper (pw_privs.fastpath) */
	VHOST,     /* only with a vhost-user vNIC (pw_privs.vhost) */
	VHOST_FCNTL, /* the same, fcntl's commands net.c, dev.c and mem.c use (arg 1) */
	VHOST_FSTAT, /* the same, newfstatat of an fd itself (AT_EMPTY_PATH, arg 3) */
	VHOST_CLIENT, /* only with vhost-user-client (pw_privs.vhost_client) */
	VHOST_CLIENT_UNIX, /* the same, socket(AF_UNIX) only (arg 0) */
	PWIRED,    /* only for pwired (pw_privs.pwired) */
	HELPER,    /* pwired, on its helper's channel only (arg 0: pw_privs.helper_fd) */
	METRICS,   /* only for pwired -m (pw_privs.metrics) */
	METRICS_TCP, /* the same, at level IPPROTO_TCP only (arg 1) */
};

/* Every system call the process makes after the drop, found with strace -f
 * on running pairs with every feature (queues 4, io_uring on, busy_poll,
 * --impair, --json, SIGUSR1 reports, the drop log, a TAP deleted under
 * traffic, SIGINT and SIGTERM). Nothing here opens, binds, configures or
 * creates anything but threads and memory. */
static const struct allow {
	int nr;
	enum cond cond;
} allow[] = {
	/* The burst loop: TAP frames (readv/writev, write), socket batches
	 * (recvmmsg/sendmmsg), sleeping and waking (epoll), busy_poll's yield,
	 * the clock where the vDSO cannot serve it. */
	{ SCMP_SYS(read), ANY },
	{ SCMP_SYS(readv), ANY },
	{ SCMP_SYS(write), ANY },
	{ SCMP_SYS(writev), ANY },
	{ SCMP_SYS(recvmmsg), ANY },
	{ SCMP_SYS(sendmmsg), ANY },
	{ SCMP_SYS(epoll_wait), ANY },
	{ SCMP_SYS(epoll_pwait), ANY },
	{ SCMP_SYS(epoll_ctl), ANY },
	{ SCMP_SYS(sched_yield), ANY },
	{ SCMP_SYS(clock_gettime), ANY },
	/* `io_uring on`: a burst of TAP writes per call, on the ring opened
	 * before the drop. */
	{ SCMP_SYS(io_uring_enter), IO_URING },
	/* The reports: signalfd, timerfd and eventfd reads (read, above),
	 * counters and the drop log on stdout/stderr (write), the socket's
	 * drop count (getsockopt SO_MEMINFO). */
	{ SCMP_SYS(getsockopt), ANY },
	/* pwired's control socket (daemon/control.c), listening since
	 * before the drop: a client accepted (accept4), its uid read
	 * (getsockopt SO_PEERCRED, above), its request read (read), the reply
	 * sent without a SIGPIPE when it went (sendto, MSG_NOSIGNAL), closed
	 * (close, below). The reply is built in memory (brk/mmap, below).
	 * systemd's notify socket, opened before the drop: sendto. pwire up
	 * has neither. */
	{ SCMP_SYS(accept4), PWIRED },
	{ SCMP_SYS(sendto), PWIRED },
	/* pwired opens the pseudowires a reload adds through its privileged
	 * helper (daemon/priv.c): a request and its fd over their socket
	 * pair (sendmsg, recvmsg: on that socket only, so no fd of ours can
	 * be passed to anyone else), the parsed configuration from a memfd
	 * (read, above); and what a link holds that needs no privilege, its
	 * failure eventfd, and a queue thread's epoll. */
	{ SCMP_SYS(sendmsg), HELPER },
	/* A vhost-user vNIC (vnic/vhost/): its front end (QEMU) accepted on
	 * the socket made before the drop (accept4), its messages and the
	 * fds they bring read (recvmsg: receiving fds hands none of ours out),
	 * replies written (write, above); guest memory mapped from the memfds
	 * it sends (mmap above, never executable), their size and seals read
	 * (fstat: glibc's newfstatat of the fd itself; fcntl F_GET_SEALS),
	 * the kick fds made non-blocking (F_GETFL, F_SETFL) and copied for
	 * the vNIC's epoll set (F_DUPFD_CLOEXEC). */
	{ SCMP_SYS(accept4), VHOST },
	{ SCMP_SYS(recvmsg), VHOST },
	{ SCMP_SYS(fstat), VHOST },
	{ SCMP_SYS(newfstatat), VHOST_FSTAT },
	{ SCMP_SYS(fcntl), VHOST_FCNTL },
	/* vhost-user-client: the front end's socket connected to again after
	 * each end (a UNIX socket, connect: the path is behind a pointer a
	 * filter cannot read, so the data path's user reaches what it could
	 * anyway), the retry timer made (pwired opens links after its drop)
	 * and armed. */
	{ SCMP_SYS(socket), VHOST_CLIENT_UNIX },
	{ SCMP_SYS(connect), VHOST_CLIENT },
	{ SCMP_SYS(timerfd_create), VHOST_CLIENT }, /* pwired: a link added after the drop */
	{ SCMP_SYS(timerfd_settime), VHOST_CLIENT },
	{ SCMP_SYS(recvmsg), HELPER },
	{ SCMP_SYS(eventfd2), PWIRED },
	{ SCMP_SYS(epoll_create1), PWIRED },
	/* Queue threads: start (glibc's cancel and set*id handlers, installed
	 * at the first pthread_create; clone, stack and guard page, robust
	 * list, rseq, signal mask), the malloc arena a thread gets, stop and
	 * join. */
	{ SCMP_SYS(rt_sigaction), NPTL_SIG },
	{ SCMP_SYS(clone), THREAD },
	{ SCMP_SYS(clone3), ENOSYS_ },
	{ SCMP_SYS(set_robust_list), ANY },
	{ SCMP_SYS(rseq), ANY },
	{ SCMP_SYS(rt_sigprocmask), ANY },
	{ SCMP_SYS(futex), ANY },
	{ SCMP_SYS(mmap), NO_EXEC },
	{ SCMP_SYS(mprotect), NO_EXEC },
	{ SCMP_SYS(munmap), ANY },
	{ SCMP_SYS(madvise), ANY },
	{ SCMP_SYS(brk), ANY },
	{ SCMP_SYS(exit), ANY },
	/* Exit: the fds closed (the TAP goes with its last fd), the ring
	 * unmapped (munmap, above), the process ended; a call interrupted by
	 * SIGSTOP resumed. */
	{ SCMP_SYS(close), ANY },
	{ SCMP_SYS(exit_group), ANY },
	/* The fast path's helper, once it detached the programs and closed
	 * its pipe (fast/fastpath.c): reaped. */
	{ SCMP_SYS(wait4), FASTPATH },
	{ SCMP_SYS(restart_syscall), ANY },
	/* abort() (a failed assert) raises SIGABRT to itself: end with a core
	 * and the assertion's line, not a misleading "forbidden tgkill". */
	{ SCMP_SYS(getpid), ANY },
	{ SCMP_SYS(gettid), ANY },
	{ SCMP_SYS(tgkill), SELF_ABRT },
	/* pwired -m: libmicrohttpd's HTTP clients, on its listening socket
	 * bound before the drop (in pwired's loop through its epoll fd):
	 * requests read (recvfrom), replies sent (sendmsg, sendto above) with
	 * TCP options only (setsockopt: TCP_NODELAY, TCP_CORK), connections
	 * shut down and closed. */
	{ SCMP_SYS(recvfrom), METRICS },
	{ SCMP_SYS(sendmsg), METRICS },
	{ SCMP_SYS(setsockopt), METRICS_TCP },
	{ SCMP_SYS(shutdown), METRICS },
	/* The page is printed into memory (open_memstream: its fclose seeks). */
	{ SCMP_SYS(lseek), METRICS },
};

/* What the SIGSYS handler prints, prepared before the filter is loaded:
 * it may call only async-signal-safe functions. */
enum { SYSCALL_NAMES = 512, NAME_POOL = 8192 };
static const char *syscall_names[SYSCALL_NAMES];
static char name_pool[NAME_POOL];
static uint32_t native_arch; /* AUDIT_ARCH_*, as siginfo reports it */
static char sigsys_dev[PW_TEXT_NAME_MAX]; /* as shown in every log line (pw_text_name) */

static void names_init(void)
{
	size_t used = 0;

	native_arch = seccomp_arch_native();
	for (int nr = 0; nr < SYSCALL_NAMES; nr++) {
		char *s = seccomp_syscall_resolve_num_arch(native_arch, nr);
		size_t len = s ? strlen(s) + 1 : 0;

		if (s && used + len <= sizeof(name_pool)) {
			memcpy(name_pool + used, s, len);
			syscall_names[nr] = name_pool + used;
			used += len;
		}
		free(s);
	}
}

static size_t put(char *buf, size_t at, size_t cap, const char *s)
{
	while (*s && at < cap)
		buf[at++] = *s++;
	return at;
}

static size_t put_num(char *buf, size_t at, size_t cap, unsigned long v)
{
	char d[24];
	int n = 0;

	do
		d[n++] = (char)('0' + v % 10);
	while ((v /= 10) && n < (int)sizeof(d));
	while (n && at < cap)
		buf[at++] = d[--n];
	return at;
}

static void on_sigsys(int sig, siginfo_t *si, void *ctx)
{
	char line[256];
	size_t cap = sizeof(line) - 1, n = 0;
	int nr = si->si_syscall;

	(void)sig;
	(void)ctx;
	n = put(line, n, cap, "pwire: ");
	n = put(line, n, cap, sigsys_dev);
	n = put(line, n, cap, ": forbidden system call ");
	if (si->si_arch == native_arch && nr >= 0 && nr < SYSCALL_NAMES &&
	    syscall_names[nr]) {
		n = put(line, n, cap, syscall_names[nr]);
		n = put(line, n, cap, " (");
	} else {
		n = put(line, n, cap, "of another architecture (");
	}
	n = put(line, n, cap, "nr ");
	n = put_num(line, n, cap, (unsigned long)nr);
	n = put(line, n, cap, ") after the privilege drop: exiting");
	line[n++] = '\n';
	if (write(STDERR_FILENO, line, n) < 0)
		_exit(1);
	_exit(1);
}

static bool trap_init(const char *dev)
{
	struct sigaction sa = { .sa_sigaction = on_sigsys, .sa_flags = SA_SIGINFO };
	sigset_t set;

	snprintf(sigsys_dev, sizeof(sigsys_dev), "%s", dev);
	names_init();
	sigemptyset(&sa.sa_mask);
	sigemptyset(&set);
	sigaddset(&set, SIGSYS);
	/* A blocked SIGSYS would kill without the line: keep it open (the
	 * queue threads inherit this mask). */
	return !sigaction(SIGSYS, &sa, NULL) && !sigprocmask(SIG_UNBLOCK, &set, NULL);
}

static int rule_add(scmp_filter_ctx f, const struct allow *a, const struct pw_privs *p)
{
	bool io_uring = p->io_uring;

	switch (a->cond) {
	case ANY:
		return seccomp_rule_add(f, SCMP_ACT_ALLOW, a->nr, 0);
	case NO_EXEC:
		return seccomp_rule_add(f, SCMP_ACT_ALLOW, a->nr, 1,
					SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0));
	case THREAD:
		return seccomp_rule_add(f, SCMP_ACT_ALLOW, a->nr, 1,
					SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_THREAD, CLONE_THREAD));
	case NPTL_SIG: { /* SIGCANCEL and SIGSETXID: __SIGRTMIN and the one after */
		int err = seccomp_rule_add(f, SCMP_ACT_ALLOW, a->nr, 1,
					   SCMP_A0(SCMP_CMP_EQ, __SIGRTMIN, 0));

		return err ? err : seccomp_rule_add(f, SCMP_ACT_ALLOW, a->nr, 1,
						    SCMP_A0(SCMP_CMP_EQ, __SIGRTMIN + 1, 0));
	}
	case SELF_ABRT:
		return seccomp_rule_add(f, SCMP_ACT_ALLOW, a->nr, 2,
					SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)getpid(), 0),
					SCMP_A2(SCMP_CMP_EQ, SIGABRT, 0));
	case ENOSYS_:
		return seccomp_rule_add(f, SCMP_ACT_ERRNO(ENOSYS), a->nr, 0);
	case IO_URING:
		return io_uring ? seccomp_rule_add(f, SCMP_ACT_ALLOW, a->nr, 0) : 0;
	case FASTPATH:
		return p->fastpath ? seccomp_rule_add(f, SCMP_ACT_ALLOW, a->nr, 0) : 0;
	case VHOST:
		return p->vhost ? seccomp_rule_add(f, SCMP_ACT_ALLOW, a->nr, 0) : 0;
	case VHOST_FSTAT:
		return p->vhost ? seccomp_rule_add(f, SCMP_ACT_ALLOW, a->nr, 1,
						   SCMP_A3(SCMP_CMP_MASKED_EQ, AT_EMPTY_PATH,
							   AT_EMPTY_PATH))
				: 0;
	case VHOST_CLIENT:
		return p->vhost_client ? seccomp_rule_add(f, SCMP_ACT_ALLOW, a->nr, 0) : 0;
	case VHOST_CLIENT_UNIX:
		return p->vhost_client ? seccomp_rule_add(f, SCMP_ACT_ALLOW, a->nr, 1,
							  SCMP_A0(SCMP_CMP_EQ, AF_UNIX, 0))
				       : 0;
	case VHOST_FCNTL: {
		static const int cmds[] = { F_GET_SEALS, F_GETFL, F_SETFL, F_DUPFD_CLOEXEC };
		int err = 0;

		for (size_t i = 0; p->vhost && !err && i < sizeof(cmds) / sizeof(cmds[0]); i++)
			err = seccomp_rule_add(f, SCMP_ACT_ALLOW, a->nr, 1,
					       SCMP_A1(SCMP_CMP_EQ, (scmp_datum_t)cmds[i], 0));
		return err;
	}
	case PWIRED:
		return p->pwired ? seccomp_rule_add(f, SCMP_ACT_ALLOW, a->nr, 0) : 0;
	case HELPER:
		return p->pwired && p->helper_fd >= 0 ?
			       seccomp_rule_add(f, SCMP_ACT_ALLOW, a->nr, 1,
						SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)p->helper_fd, 0)) :
			       0;
	case METRICS:
		return p->metrics ? seccomp_rule_add(f, SCMP_ACT_ALLOW, a->nr, 0) : 0;
	case METRICS_TCP:
		return p->metrics ? seccomp_rule_add(f, SCMP_ACT_ALLOW, a->nr, 1,
						     SCMP_A1(SCMP_CMP_EQ, IPPROTO_TCP, 0))
				  : 0;
	}
	return -EINVAL;
}

static bool filter_load(const struct pw_privs *p)
{
	scmp_filter_ctx f = seccomp_init(SCMP_ACT_TRAP);
	int err = f ? 0 : -ENOMEM;

	/* Calls of another ABI (int 0x80, x32) trap too, named as such. */
	if (!err)
		err = seccomp_attr_set(f, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_TRAP);
	for (size_t i = 0; !err && i < sizeof(allow) / sizeof(allow[0]); i++)
		err = rule_add(f, &allow[i], p);
	if (!err)
		err = seccomp_load(f);
	seccomp_release(f);
	if (err) {
		pw_error("cannot load the system-call filter (seccomp): %s", strerror(-err));
		return false;
	}
	return true;
}

/* Root: become p's user through libcap-ng (gid, no supplementary groups,
 * uid, every capability set and the bounding set cleared), then make sure
 * none of it can be undone. */
static bool user_drop(const struct pw_privs *p)
{
	uid_t ru, eu, su;
	gid_t rg, eg, sg;
	int err;

	capng_clear(CAPNG_SELECT_ALL);
	err = capng_change_id((int)p->uid, (int)p->gid,
			      CAPNG_DROP_SUPP_GRP | CAPNG_CLEAR_BOUNDING | CAPNG_CLEAR_AMBIENT);
	if (err) {
		pw_error("cannot become user %s (uid %u gid %u): libcap-ng capng_change_id "
			 "failed (%d): %s",
			 p->user, (unsigned)p->uid, (unsigned)p->gid, err, strerror(errno));
		return false;
	}
	if (getresuid(&ru, &eu, &su) || getresgid(&rg, &eg, &sg) || ru != p->uid ||
	    eu != p->uid || su != p->uid || rg != p->gid || eg != p->gid || sg != p->gid ||
	    getgroups(0, NULL) != 0 || capng_get_caps_process() ||
	    capng_have_capabilities(CAPNG_SELECT_CAPS) != CAPNG_NONE || setresuid(0, 0, 0) == 0) {
		pw_error("became user %s, but not completely (ids, groups or capabilities "
			 "left): refusing to run", p->user);
		return false;
	}
	return true;
}

/* Not root: shed whatever capabilities were granted (ambient or file
 * capabilities); what was never held needs no dropping. */
static bool caps_drop(void)
{
	if (capng_get_caps_process()) {
		pw_error("cannot read the capabilities of the process (libcap-ng)");
		return false;
	}
	if (capng_have_capabilities(CAPNG_SELECT_CAPS) == CAPNG_NONE)
		return true;
	capng_clear(CAPNG_SELECT_CAPS);
	if (capng_apply(CAPNG_SELECT_CAPS) ||
	    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0)) {
		pw_error("cannot drop the capabilities held: %s", strerror(errno));
		return false;
	}
	return true;
}

bool pw_privs_resolve(struct pw_privs *p, const char *name)
{
	static const char *const defaults[] = { "pwire", "nobody" };
	const struct passwd *pw = NULL;

	memset(p, 0, sizeof(*p));
	p->helper_fd = -1;
	if (name[0]) {
		errno = 0;
		pw = getpwnam(name);
		if (!pw) {
			pw_error("bad value for user: '%s' (%s)", name,
				 errno && errno != ENOENT ? strerror(errno) : "no such user");
			return false;
		}
	}
	for (size_t i = 0; !pw && i < sizeof(defaults) / sizeof(defaults[0]); i++)
		pw = getpwnam(defaults[i]);
	if (!pw) {
		pw_error("no user 'pwire' or 'nobody' to run as: give `user NAME`");
		return false;
	}
	snprintf(p->user, sizeof(p->user), "%s", pw->pw_name);
	p->uid = pw->pw_uid;
	p->gid = pw->pw_gid;
	p->keep_root = pw->pw_uid == 0;
	return true;
}

bool pw_privs_drop(const struct pw_privs *p, const char *shown)
{
	/* stdout's buffer, given now: glibc would otherwise allocate one at
	 * the first report and fstat() the fd for its size, a call the
	 * filter need not allow. Line-buffered on a terminal, as glibc would. */
	static char out_buf[BUFSIZ];

	setvbuf(stdout, out_buf, isatty(STDOUT_FILENO) ? _IOLBF : _IOFBF, sizeof(out_buf));
	/* The time zone, loaded now: what formats a time later (libmicrohttpd's
	 * Date header) would otherwise open /etc/localtime after the drop. */
	tzset();
	if (!PW_SANITIZED && !trap_init(shown)) {
		pw_error("cannot install the SIGSYS handler: %s", strerror(errno));
		return false;
	}
	if (geteuid() == 0 && !p->keep_root) {
		if (!user_drop(p))
			return false;
	} else if (geteuid() != 0 && !caps_drop()) {
		return false;
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)) {
		pw_error("cannot set NoNewPrivs: %s", strerror(errno));
		return false;
	}
	if (PW_SANITIZED) {
		fprintf(stderr, "pwire: %s: no system-call filter in a sanitizer build (its leak "
			"check and reports need ptrace, clone and /proc)\n", shown);
		return true;
	}
	return filter_load(p);
}
