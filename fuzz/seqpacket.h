/* SPDX-License-Identifier: MIT */
/*
 * seqpacket.h: an in-memory stand-in for a SOCK_SEQPACKET socket pair, under
 * tap.c's readv() and writev() in the taprx and taptx targets. With a real
 * AF_UNIX pair the kernel's socket work was 60 % of a run (4,400 inputs a
 * second): 10^8 runs would take six hours of a core.
 *
 * A channel is one direction: what a TAP reads (taprx) or writes (taptx).
 * The semantics are the socket's: a read hands over one message, cut to the
 * buffers given (the rest is discarded), EAGAIN when none waits; a write
 * queues a whole message or refuses it: EMSGSIZE when it could never fit
 * the budget, EAGAIN when what is queued leaves no room. Each message costs
 * its length plus SEQ_OVERHEAD, as an skb costs more than its data.
 *
 * Include before vnic/tap.c, then define readv and writev as seq_readv and
 * seq_writev: a descriptor below SEQ_FD_BASE is a real one, passed on.
 */
#ifndef PWIRE_FUZZ_SEQPACKET_H
#define PWIRE_FUZZ_SEQPACKET_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>

enum { SEQ_FD_BASE = 1 << 20, SEQ_CHANNELS = 64, SEQ_OVERHEAD = 512, SEQ_MSGS = 4096 };

struct seq_channel {
	uint8_t *data; /* messages back to back, from `head` to `tail` */
	uint32_t cap, head, tail;
	uint32_t lens[SEQ_MSGS], first, count;
	uint32_t budget, cost; /* bytes queued may cost, and do */
};

static struct seq_channel seq_channels[SEQ_CHANNELS];
static unsigned seq_opened;

/* A channel whose queued messages may cost `budget` bytes; its descriptor. */
static inline int seq_open(uint32_t budget)
{
	struct seq_channel *c;

	if (seq_opened == SEQ_CHANNELS)
		return -1;
	c = &seq_channels[seq_opened];
	c->cap = budget;
	c->data = malloc(c->cap);
	if (!c->data)
		return -1;
	c->budget = budget;
	return SEQ_FD_BASE + (int)seq_opened++;
}

static inline struct seq_channel *seq_of(int fd)
{
	unsigned i = (unsigned)(fd - SEQ_FD_BASE);

	return fd >= SEQ_FD_BASE && i < seq_opened ? &seq_channels[i] : NULL;
}

/* Queue one message of iov[0..cnt): its length, or -1 with errno. */
static inline ssize_t seq_push(struct seq_channel *c, const struct iovec *iov, int cnt)
{
	size_t len = 0;

	for (int i = 0; i < cnt; i++)
		len += iov[i].iov_len;
	if (len + SEQ_OVERHEAD > c->budget) {
		errno = EMSGSIZE;
		return -1;
	}
	if (c->cost + len + SEQ_OVERHEAD > c->budget || c->count == SEQ_MSGS) {
		errno = EAGAIN;
		return -1;
	}
	if (c->tail + len > c->cap) { /* move what waits to the front */
		memmove(c->data, c->data + c->head, c->tail - c->head);
		c->tail -= c->head;
		c->head = 0;
	}
	for (int i = 0; i < cnt; i++) {
		memcpy(c->data + c->tail, iov[i].iov_base, iov[i].iov_len);
		c->tail += (uint32_t)iov[i].iov_len;
	}
	c->lens[(c->first + c->count++) % SEQ_MSGS] = (uint32_t)len;
	c->cost += (uint32_t)len + SEQ_OVERHEAD;
	return (ssize_t)len;
}

/* Take the next message into iov[0..cnt), cut to fit: what was copied. */
static inline ssize_t seq_pop(struct seq_channel *c, const struct iovec *iov, int cnt)
{
	uint32_t len, done = 0;

	if (!c->count) {
		errno = EAGAIN;
		return -1;
	}
	len = c->lens[c->first];
	for (int i = 0; i < cnt && done < len; i++) {
		size_t n = len - done < iov[i].iov_len ? len - done : iov[i].iov_len;

		memcpy(iov[i].iov_base, c->data + c->head + done, n);
		done += (uint32_t)n;
	}
	c->head += len;
	c->first = (c->first + 1) % SEQ_MSGS;
	c->count--;
	c->cost -= len + SEQ_OVERHEAD;
	if (!c->count)
		c->head = c->tail = 0;
	return done;
}

static inline bool seq_send(int fd, const void *msg, size_t len)
{
	struct iovec iov = { (void *)msg, len };

	return seq_push(seq_of(fd), &iov, 1) == (ssize_t)len;
}

static inline ssize_t seq_recv(int fd, void *buf, size_t cap)
{
	struct iovec iov = { buf, cap };

	return seq_pop(seq_of(fd), &iov, 1);
}

static inline ssize_t seq_readv(int fd, const struct iovec *iov, int cnt)
{
	struct seq_channel *c = seq_of(fd);

	return c ? seq_pop(c, iov, cnt) : readv(fd, iov, cnt);
}

static inline ssize_t seq_writev(int fd, const struct iovec *iov, int cnt)
{
	struct seq_channel *c = seq_of(fd);

	return c ? seq_push(c, iov, cnt) : writev(fd, iov, cnt);
}

#endif
