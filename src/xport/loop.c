/* SPDX-License-Identifier: MIT */
/*
 * loop.c: two transports joined back to back in memory, for tests, fuzzing
 * and the benchmark. What one side sends, the other receives, in order.
 *
 * Each side owns a ring of slots allocated at open time; tx copies [hdr][data]
 * into the peer's ring (once), rx copies out into the caller's buffer, like a
 * socket would. A datagram longer than a slot or than the caller's buffer is
 * reported truncated, as MSG_TRUNC would be. There are no addresses: a
 * datagram's peer is ignored on tx and is the zero peer on rx. An eventfd is readable while
 * the ring holds datagrams. Single-threaded use only.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "xport/xport.h"

struct slot {
	uint32_t len;  /* bytes stored */
	uint32_t wire; /* bytes sent: more than len when cut to the slot */
};

struct loop {
	struct pw_xport x;
	struct loop *peer;
	int efd;
	unsigned size, mask, head, tail; /* ring of size slots: head - tail used */
	uint32_t slot_len;
	struct slot *slots;
	uint8_t *mem;
};

static unsigned used(const struct loop *l)
{
	return l->head - l->tail;
}

static int loop_tx_burst(struct pw_xport *x, struct pw_pkt *const *pkts, unsigned n)
{
	struct loop *to = ((struct loop *)x)->peer;
	unsigned k = 0;
	uint64_t one = 1;

	for (; k < n && used(to) < to->size; k++) {
		const struct pw_pkt *p = pkts[k];
		unsigned i = to->head++ & to->mask;
		uint8_t *dst = to->mem + (size_t)i * to->slot_len;
		uint32_t hdr = p->hdr_len < to->slot_len ? p->hdr_len : to->slot_len;
		uint32_t body = p->len < to->slot_len - hdr ? p->len : to->slot_len - hdr;

		memcpy(dst, p->hdr, hdr);
		memcpy(dst + hdr, p->data, body);
		to->slots[i] = (struct slot){ .len = hdr + body, .wire = p->hdr_len + p->len };
	}
	if (k < n)
		x->stats->tx_eagain++;
	if (k && write(to->efd, &one, sizeof(one)) < 0)
		return -errno;
	return (int)k;
}

static int loop_rx_burst(struct pw_xport *x, struct pw_pkt **pkts, unsigned n)
{
	struct loop *l = (struct loop *)x;
	unsigned k = 0;
	uint64_t count;

	for (; k < n && used(l); k++) {
		struct pw_pkt *p = pkts[k];
		unsigned i = l->tail++ & l->mask;
		const struct slot *s = &l->slots[i];
		uint32_t len = s->len < p->cap ? s->len : p->cap;

		memcpy(p->buf, l->mem + (size_t)i * l->slot_len, len);
		p->data = p->buf;
		p->len = len;
		p->truncated = s->wire > len;
		p->peer = (struct pw_addr){ 0 }; /* no addresses in memory */
	}
	if (!used(l) && read(l->efd, &count, sizeof(count)) < 0 && errno != EAGAIN)
		return -errno;
	return (int)k;
}

static int loop_fd(const struct pw_xport *x)
{
	return ((const struct loop *)x)->efd;
}

static void loop_free(struct loop *l)
{
	if (l->efd >= 0)
		close(l->efd);
	free(l->slots);
	free(l->mem);
	free(l);
}

static void loop_close(struct pw_xport *x)
{
	struct loop *l = (struct loop *)x;

	if (l->peer)
		l->peer->peer = NULL;
	loop_free(l);
}

static const struct pw_xport_ops loop_ops = {
	.name = "loop",
	.rx_burst = loop_rx_burst,
	.tx_burst = loop_tx_burst,
	.fd = loop_fd,
	.close = loop_close,
};

static struct loop *loop_new(unsigned burst, unsigned mtu, struct pw_tunnel_stats *stats)
{
	struct loop *l = calloc(1, sizeof(*l));
	unsigned size = 1;

	if (!l)
		return NULL;
	while (size < 4 * burst)
		size <<= 1;
	*l = (struct loop){ .x = { .ops = &loop_ops, .stats = stats }, .size = size,
			    .mask = size - 1, .slot_len = mtu };
	l->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	l->slots = calloc(size, sizeof(*l->slots));
	l->mem = malloc((size_t)size * mtu);
	if (l->efd < 0 || !l->slots || !l->mem) {
		int err = l->efd < 0 ? errno : ENOMEM;

		loop_free(l);
		errno = err;
		return NULL;
	}
	return l;
}

int pw_loop_open_pair(unsigned burst, unsigned mtu, struct pw_tunnel_stats *stats_a,
		      struct pw_tunnel_stats *stats_b, struct pw_xport **a, struct pw_xport **b)
{
	struct loop *la = loop_new(burst, mtu, stats_a), *lb;

	if (!la)
		return -errno;
	lb = loop_new(burst, mtu, stats_b);
	if (!lb) {
		int err = errno;

		loop_free(la);
		return -err;
	}
	la->peer = lb;
	lb->peer = la;
	*a = &la->x;
	*b = &lb->x;
	return 0;
}
