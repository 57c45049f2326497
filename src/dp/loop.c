/* SPDX-License-Identifier: MIT */
/*
 * loop.c: the one epoll loop of pwire (see loop.h). Level-triggered: a
 * handler that stops after a bounded amount of work is called again in the
 * next round, after every other ready fd had its turn, so no fd starves
 * another (a flood on a socket never holds off a signal or a stop request).
 *
 * Each watched fd has one entry, found by its number (a table of pointers
 * grown with the highest fd), so changing what an fd is watched for, which
 * the engine does when a direction stages or flows again, costs no search
 * and no allocation. An unwatched fd's entry is kept, quiet, for the next
 * fd of that number: an event for it already in this round's list is then
 * skipped.
 */
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "dp/loop.h"

enum { PW_LOOP_EVENTS = 64 };

struct entry {
	int fd;
	uint32_t events; /* as registered with epoll; UINT32_MAX: not registered */
	pw_ready_fn fn;  /* NULL: unwatched */
	void *data;
};

struct pw_loop {
	int ep;
	int stop_fd;
	bool stopping;
	unsigned busy_poll_us;
	struct entry **entries; /* by fd */
	int n_entries;
};

static uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts); /* the vDSO: no system call */
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static struct entry *entry_get(struct pw_loop *l, int fd)
{
	if (fd >= l->n_entries) {
		int n = fd + 16;
		struct entry **e = realloc(l->entries, (size_t)n * sizeof(*e));

		if (!e)
			return NULL;
		for (int i = l->n_entries; i < n; i++)
			e[i] = NULL;
		l->entries = e;
		l->n_entries = n;
	}
	if (!l->entries[fd]) {
		l->entries[fd] = calloc(1, sizeof(struct entry));
		if (!l->entries[fd])
			return NULL;
		l->entries[fd]->fd = fd;
		l->entries[fd]->events = UINT32_MAX;
	}
	return l->entries[fd];
}

int pw_loop_watch(struct pw_loop *l, int fd, uint32_t events, pw_ready_fn fn, void *data)
{
	struct entry *e = fd >= 0 ? entry_get(l, fd) : NULL;
	struct epoll_event ev = { .events = events };

	if (!e)
		return fd < 0 ? -EBADF : -ENOMEM;
	e->fn = fn;
	e->data = data;
	if (e->events == events)
		return 0;
	ev.data.ptr = e;
	if (epoll_ctl(l->ep, e->events == UINT32_MAX ? EPOLL_CTL_ADD : EPOLL_CTL_MOD, fd, &ev))
		return -errno;
	e->events = events;
	return 0;
}

void pw_loop_unwatch(struct pw_loop *l, int fd)
{
	struct entry *e = fd >= 0 && fd < l->n_entries ? l->entries[fd] : NULL;

	if (!e || e->events == UINT32_MAX)
		return;
	epoll_ctl(l->ep, EPOLL_CTL_DEL, fd, NULL);
	e->events = UINT32_MAX;
	e->fn = NULL;
}

static int watch_cb(void *loop, int fd, uint32_t events, pw_ready_fn fn, void *data)
{
	return pw_loop_watch(loop, fd, events, fn, data);
}

static void unwatch_cb(void *loop, int fd)
{
	pw_loop_unwatch(loop, fd);
}

struct pw_watcher pw_loop_watcher(struct pw_loop *l)
{
	return (struct pw_watcher){ .loop = l, .watch = watch_cb, .unwatch = unwatch_cb };
}

void pw_loop_busy_poll(struct pw_loop *l, unsigned usec)
{
	l->busy_poll_us = usec;
}

static int on_stop(void *data, uint32_t events)
{
	struct pw_loop *l = data;
	eventfd_t v;

	(void)events;
	eventfd_read(l->stop_fd, &v);
	l->stopping = true;
	return 0;
}

void pw_loop_stop(struct pw_loop *l)
{
	eventfd_write(l->stop_fd, 1);
}

int pw_loop_run(struct pw_loop *l)
{
	uint64_t spin_until = 0; /* busy polling until then; 0: sleep */

	l->stopping = false;
	while (!l->stopping) {
		struct epoll_event evs[PW_LOOP_EVENTS];
		int n = epoll_wait(l->ep, evs, PW_LOOP_EVENTS, spin_until ? 0 : -1);
		int moved = 0;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		for (int i = 0; i < n; i++) {
			struct entry *e = evs[i].data.ptr;

			if (e->fn)
				moved |= e->fn(e->data, evs[i].events);
		}
		if (l->busy_poll_us) {
			uint64_t t = now_us();

			if (moved)
				spin_until = t + l->busy_poll_us;
			else if (t >= spin_until)
				spin_until = 0;
			else
				sched_yield(); /* whoever shares the core goes first */
		}
	}
	return 0;
}

struct pw_loop *pw_loop_new(void)
{
	struct pw_loop *l = calloc(1, sizeof(*l));
	int err;

	if (!l)
		return NULL;
	l->ep = epoll_create1(EPOLL_CLOEXEC);
	l->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (l->ep < 0 || l->stop_fd < 0)
		goto fail;
	err = pw_loop_watch(l, l->stop_fd, EPOLLIN, on_stop, l);
	if (err) {
		errno = -err;
		goto fail;
	}
	return l;
fail:
	err = errno;
	pw_loop_free(l);
	errno = err;
	return NULL;
}

void pw_loop_free(struct pw_loop *l)
{
	if (!l)
		return;
	if (l->ep >= 0)
		close(l->ep);
	if (l->stop_fd >= 0)
		close(l->stop_fd);
	for (int i = 0; i < l->n_entries; i++)
		free(l->entries[i]);
	free(l->entries);
	free(l);
}

int pw_timer_open(unsigned seconds)
{
	struct itimerspec its = { .it_interval = { .tv_sec = seconds },
				  .it_value = { .tv_sec = seconds } };
	int tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);

	if (tfd >= 0 && timerfd_settime(tfd, 0, &its, NULL)) {
		close(tfd);
		return -1;
	}
	return tfd;
}

int pw_signals_open(bool hup)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGUSR1);
	if (hup)
		sigaddset(&set, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &set, NULL))
		return -1;
	return signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
}
