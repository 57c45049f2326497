/* SPDX-License-Identifier: MIT */
/*
 * loop.h: how an engine is driven by someone else's event loop, and the one
 * epoll loop pwire itself runs (`pwire up`, each queue's thread).
 *
 * The engine owns no event loop. It says which fds to watch and for what
 * through a struct pw_watcher; whoever runs the loop calls the handler it
 * was given when the fd is ready. An embedder with a loop of its own (a
 * hypervisor: QEMU's fd handlers, libvhost-user's set_watch) fills a
 * pw_watcher with its own calls; pw_loop is the implementation pwire uses.
 * Compare libvhost-user's vu_init(..., set_watch, remove_watch, ...).
 */
#ifndef PWIRE_DP_LOOP_H
#define PWIRE_DP_LOOP_H

#include <stdbool.h>
#include <stdint.h>

/* Called when fd is ready for `events` (EPOLLIN, EPOLLOUT, EPOLLERR,
 * EPOLLHUP bits). Returns 1 when it moved something (a hint for busy
 * polling), 0 when it found nothing to do. Handlers never fail the loop:
 * an owner whose fd broke for good says so its own way and unwatches. */
typedef int (*pw_ready_fn)(void *data, uint32_t events);

struct pw_watcher {
	void *loop;
	/* Watch fd for events (EPOLLIN | EPOLLOUT bits, possibly 0: stay
	 * registered, quiet), calling fn(data, events) when it is ready; called
	 * again for the same fd, it changes the events. 0 or -errno. */
	int (*watch)(void *loop, int fd, uint32_t events, pw_ready_fn fn, void *data);
	void (*unwatch)(void *loop, int fd);
};

struct pw_loop;

/* A level-triggered epoll loop. NULL and errno. */
struct pw_loop *pw_loop_new(void);
void pw_loop_free(struct pw_loop *l);

/* This loop as a watcher, for pw_engine_attach() and the like. */
struct pw_watcher pw_loop_watcher(struct pw_loop *l);

int pw_loop_watch(struct pw_loop *l, int fd, uint32_t events, pw_ready_fn fn, void *data);
void pw_loop_unwatch(struct pw_loop *l, int fd);

/* After a round that moved something, poll without sleeping for up to usec
 * µs before sleeping again: what comes meanwhile costs no wake-up. 0: off. */
void pw_loop_busy_poll(struct pw_loop *l, unsigned usec);

/* Call handlers until pw_loop_stop(); returns 0, or -errno when waiting
 * failed. */
int pw_loop_run(struct pw_loop *l);

/* Make pw_loop_run() return once the handlers of this round are done. Any
 * thread may call it (an eventfd write). */
void pw_loop_stop(struct pw_loop *l);

/* The fds a front end watches beside its links. A timerfd that fires every
 * `seconds`; SIGINT, SIGTERM and SIGUSR1 blocked (threads started later
 * inherit the mask) and read from a signalfd instead, SIGHUP too when hup
 * (pwired reads SIGHUP from a signalfd of its own). -1 and errno. */
int pw_timer_open(unsigned seconds);
int pw_signals_open(bool hup);

#endif
