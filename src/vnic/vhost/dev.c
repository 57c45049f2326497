/* SPDX-License-Identifier: MIT */
/*
 * dev.c: the vhost-user device state machine (dev.h). One handler per
 * request, each checking what the device's state makes of the message,
 * then changing it; a ring starts when the last of its size, addresses,
 * kick and memory arrives, whatever the order (QEMU promises none).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <linux/virtio_config.h>
#include <linux/virtio_ring.h>

#include "vnic/vhost/dev.h"

#define F(bit) (UINT64_C(1) << (bit))

/* The handler's view of one message: the message, its fds (each taken is
 * set to -1; the rest are closed at the end), where the answer goes. */
struct req {
	struct pw_vu_dev *d;
	const struct pw_vu_msg *m;
	int *fds;
	uint64_t answer; /* a u64 reply, or the num of a ring state */
	struct pw_err *err;
};

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* Refuse the message: the device breaks; counted in *counter. */
static bool refuse(struct req *r, uint64_t *counter, const char *fmt, unsigned long long v)
{
	(*counter)++;
	pw_err_set(r->err, fmt, r->m->rule->name, v);
	return false;
}

/* The ring a message names, or NULL (refused) past the pairs offered. */
static struct pw_vu_ring *ring_of(struct req *r, uint32_t index)
{
	if (index >= 2 * r->d->cfg.pairs) {
		refuse(r, &r->d->stats.bad_msg, "%s: ring %llu: the device has no such ring", index);
		return NULL;
	}
	return &r->d->ring[index];
}

/* A ring that runs may not be changed. */
static bool stopped(struct req *r, const struct pw_vu_ring *q)
{
	if (q->started)
		return refuse(r, &r->d->stats.bad_msg, "%s: ring %llu is running",
			      (unsigned long long)(q - r->d->ring));
	return true;
}

/* Set q's walk up over mem from c; refused (counted in *counter) when its
 * parts are not all in one region each, or misaligned. */
static bool ring_init(struct req *r, struct pw_vu_ring *q, const struct pw_vu_mem *mem,
		      const struct pw_vq_cfg *c, uint64_t *counter)
{
	struct pw_err why;

	pw_err_init(&why);
	if (pw_vq_init(&q->vq, mem, c, &why))
		return true;
	(*counter)++;
	pw_err_set(r->err, "%s: ring %u: %s", r->m->rule->name, (unsigned)(q - r->d->ring),
		   pw_err_msg(&why));
	return false;
}

/* Set up a ring whose parts are all known, over the memory table now. */
static bool start(struct req *r, struct pw_vu_ring *q)
{
	if (q->started || q->kick < 0 || !q->has_num || !q->has_addr || !r->d->mem.n)
		return true;
	q->cfg.indirect = r->d->features & F(VIRTIO_RING_F_INDIRECT_DESC);
	q->cfg.event_idx = r->d->features & F(VIRTIO_RING_F_EVENT_IDX);
	if (!ring_init(r, q, &r->d->mem, &q->cfg, &r->d->stats.bad_ring_addr))
		return false;
	q->started = true;
	/* Without protocol features a ring is enabled from the start; with
	 * them it waits for SET_VRING_ENABLE (vhost-user.rst, "Ring states"). */
	if (!(r->d->features & F(PW_VU_F_PROTOCOL_FEATURES)))
		q->enabled = true;
	return true;
}

static void stop(struct pw_vu_ring *q)
{
	if (q->started)
		q->cfg.base = q->vq.last_avail;
	q->started = false;
	close_fd(&q->kick);
}

static bool no_ring_runs(struct req *r)
{
	for (unsigned i = 0; i < 2 * r->d->cfg.pairs; i++)
		if (!stopped(r, &r->d->ring[i]))
			return false;
	return true;
}

static bool get_features(struct req *r)
{
	r->answer = r->d->cfg.features;
	return true;
}

static bool set_features(struct req *r)
{
	uint64_t f = r->m->p.u64;

	if (f & ~r->d->cfg.features)
		return refuse(r, &r->d->stats.bad_msg, "%s: features 0x%llx not offered",
			      (unsigned long long)(f & ~r->d->cfg.features));
	/* A legacy driver's headers are 10 bytes and in its own byte order:
	 * net.c serves virtio 1.0 drivers (every Linux since 4.0 on a modern
	 * virtio-pci device, QEMU's default). */
	if (!(f & UINT64_C(1) << VIRTIO_F_VERSION_1))
		return refuse(r, &r->d->stats.bad_msg,
			      "%s: features 0x%llx without VERSION_1 (a legacy virtio driver): "
			      "pwire serves virtio 1.0 drivers only", (unsigned long long)f);
	/* QEMU sends SET_FEATURES for each queue pair as it starts it (one
	 * vhost device a pair), with the rings of the pairs before running:
	 * the same features again change nothing. */
	if (f != r->d->features && !no_ring_runs(r))
		return false;
	r->d->features = f;
	return true;
}

static bool set_owner(struct req *r)
{
	r->d->owned = true;
	return true;
}

static bool reset_owner(struct req *r)
{
	pw_vu_dev_reset(r->d);
	return true;
}

/* A new table: rings that run are found again in it (their position
 * kept). Refused, the device breaks: the rings set up over the new table
 * before the one that failed are not walked again before the reset. */
static bool set_mem_table(struct req *r)
{
	const struct pw_vu_memory *t = &r->m->p.mem;
	struct pw_vu_dev *d = r->d;
	struct pw_vu_mem old = d->mem, mem;
	bool ok;

	ok = pw_vu_mem_map(&mem, t->regions, t->n_regions, r->fds, r->err);
	for (unsigned i = 0; i < r->m->n_fds; i++)
		close_fd(&r->fds[i]); /* a mapping outlives its fd */
	if (!ok) {
		d->stats.bad_mem_table++;
		return false;
	}
	for (unsigned i = 0; i < 2 * d->cfg.pairs; i++) {
		struct pw_vu_ring *q = &d->ring[i];
		struct pw_vq_cfg c = q->cfg;

		if (!q->started)
			continue;
		c.base = q->vq.last_avail;
		if (!ring_init(r, q, &mem, &c, &d->stats.bad_mem_table)) {
			pw_vu_mem_unmap(&mem);
			return false;
		}
	}
	d->mem = mem;
	/* ring_init() pointed them at the local table: the device's now. */
	for (unsigned i = 0; i < 2 * d->cfg.pairs; i++)
		if (d->ring[i].started)
			d->ring[i].vq.mem = &d->mem;
	pw_vu_mem_unmap(&old);
	/* Rings waiting only for memory start now. */
	for (unsigned i = 0; i < 2 * d->cfg.pairs; i++)
		if (!start(r, &d->ring[i]))
			return false;
	return true;
}

static bool set_vring_num(struct req *r)
{
	const struct pw_vu_vring_state *s = &r->m->p.state;
	struct pw_vu_ring *q = ring_of(r, s->index);

	if (!q || !stopped(r, q))
		return false;
	if (s->num < 1 || s->num > PW_VQ_NUM_MAX || (s->num & (s->num - 1)))
		return refuse(r, &r->d->stats.bad_msg,
			      "%s: ring size %llu: a power of two from 1 to 32768", s->num);
	q->cfg.num = s->num;
	q->has_num = true;
	return start(r, q);
}

static bool set_vring_addr(struct req *r)
{
	const struct pw_vu_vring_addr *a = &r->m->p.addr;
	struct pw_vu_ring *q = ring_of(r, a->index);

	if (!q || !stopped(r, q))
		return false;
	q->cfg.desc = a->desc;
	q->cfg.avail = a->avail;
	q->cfg.used = a->used;
	q->has_addr = true;
	return start(r, q);
}

static bool set_vring_base(struct req *r)
{
	const struct pw_vu_vring_state *s = &r->m->p.state;
	struct pw_vu_ring *q = ring_of(r, s->index);

	if (!q || !stopped(r, q))
		return false;
	if (s->num > UINT16_MAX)
		return refuse(r, &r->d->stats.bad_msg, "%s: base %llu: past 65535", s->num);
	q->cfg.base = (uint16_t)s->num;
	return true;
}

/* Stop the ring and answer where it stopped. */
static bool get_vring_base(struct req *r)
{
	struct pw_vu_ring *q = ring_of(r, r->m->p.state.index);

	if (!q)
		return false;
	stop(q);
	q->enabled = false;
	r->answer = q->cfg.base;
	return true;
}

/* SET_VRING_KICK, CALL, ERR: the fd replaces the ring's (none: NOFD). */
static int *vring_fd(struct req *r, struct pw_vu_ring *q)
{
	switch (r->m->hdr.request) {
	case PW_VU_SET_VRING_KICK:
		return &q->kick;
	case PW_VU_SET_VRING_CALL:
		return &q->call;
	default:
		return &q->err;
	}
}

static bool set_vring_fd(struct req *r)
{
	uint64_t v = r->m->p.u64;
	struct pw_vu_ring *q = ring_of(r, (uint32_t)(v & PW_VU_VRING_IDX_MASK));
	int *fd;

	if (!q)
		return false;
	fd = vring_fd(r, q);
	close_fd(fd);
	if (!(v & PW_VU_VRING_NOFD)) {
		*fd = r->fds[0];
		r->fds[0] = -1;
		/* The data path reads a kick only when it may be empty. */
		if (fd == &q->kick)
			fcntl(*fd, F_SETFL, fcntl(*fd, F_GETFL) | O_NONBLOCK);
	}
	return r->m->hdr.request != PW_VU_SET_VRING_KICK || start(r, q);
}

static bool get_protocol_features(struct req *r)
{
	r->answer = r->d->cfg.protocol_features;
	return true;
}

static bool set_protocol_features(struct req *r)
{
	uint64_t f = r->m->p.u64;

	if (f & ~r->d->cfg.protocol_features)
		return refuse(r, &r->d->stats.bad_msg, "%s: protocol features 0x%llx not offered",
			      (unsigned long long)(f & ~r->d->cfg.protocol_features));
	r->d->protocol_features = f;
	return true;
}

static bool get_queue_num(struct req *r)
{
	r->answer = r->d->cfg.pairs;
	return true;
}

static bool set_vring_enable(struct req *r)
{
	const struct pw_vu_vring_state *s = &r->m->p.state;
	struct pw_vu_ring *q = ring_of(r, s->index);

	if (!q)
		return false;
	if (s->num > 1)
		return refuse(r, &r->d->stats.bad_msg, "%s: %llu: 0 or 1", s->num);
	q->enabled = s->num;
	return true;
}

static bool net_set_mtu(struct req *r)
{
	uint64_t mtu = r->m->p.u64;

	if (mtu < PW_VU_MTU_MIN || mtu > r->d->cfg.mtu) {
		r->d->stats.bad_msg++;
		pw_err_set(r->err, "%s: mtu %llu: the pseudowire takes %u to %u (host_mtu= of QEMU's "
			   "NIC)", r->m->rule->name, (unsigned long long)mtu, (unsigned)PW_VU_MTU_MIN,
			   (unsigned)r->d->cfg.mtu);
		return false;
	}
	r->d->mtu = (uint16_t)mtu;
	return true;
}

/* One handler per request of msg.c's table. */
static bool (*const handlers[])(struct req *r) = {
	[PW_VU_GET_FEATURES] = get_features,
	[PW_VU_SET_FEATURES] = set_features,
	[PW_VU_SET_OWNER] = set_owner,
	[PW_VU_RESET_OWNER] = reset_owner,
	[PW_VU_SET_MEM_TABLE] = set_mem_table,
	[PW_VU_SET_VRING_NUM] = set_vring_num,
	[PW_VU_SET_VRING_ADDR] = set_vring_addr,
	[PW_VU_SET_VRING_BASE] = set_vring_base,
	[PW_VU_GET_VRING_BASE] = get_vring_base,
	[PW_VU_SET_VRING_KICK] = set_vring_fd,
	[PW_VU_SET_VRING_CALL] = set_vring_fd,
	[PW_VU_SET_VRING_ERR] = set_vring_fd,
	[PW_VU_GET_PROTOCOL_FEATURES] = get_protocol_features,
	[PW_VU_SET_PROTOCOL_FEATURES] = set_protocol_features,
	[PW_VU_GET_QUEUE_NUM] = get_queue_num,
	[PW_VU_SET_VRING_ENABLE] = set_vring_enable,
	[PW_VU_NET_SET_MTU] = net_set_mtu,
};

static size_t reply_of(const struct req *r, uint8_t *out)
{
	const struct pw_vu_msg *m = r->m;
	struct pw_vu_hdr h = { .request = m->hdr.request,
			       .flags = PW_VU_VERSION | PW_VU_FLAG_REPLY,
			       .size = 8 };
	struct pw_vu_vring_state s = { .index = m->p.state.index, .num = (uint32_t)r->answer };

	switch (m->rule->reply) {
	case PW_VU_REPLY_U64:
		memcpy(out + PW_VU_HDR_LEN, &r->answer, 8);
		break;
	case PW_VU_REPLY_STATE:
		memcpy(out + PW_VU_HDR_LEN, &s, 8);
		break;
	case PW_VU_REPLY_NONE:
		/* REPLY_ACK: an ack of 0 (success) where asked for. */
		if (!(m->hdr.flags & PW_VU_FLAG_NEED_REPLY) ||
		    !(r->d->protocol_features & F(PW_VU_PROTOCOL_F_REPLY_ACK)))
			return 0;
		memset(out + PW_VU_HDR_LEN, 0, 8);
		break;
	}
	memcpy(out, &h, sizeof(h));
	return PW_VU_HDR_LEN + 8;
}

/* Apply m; the pairs it changes are held. */
static bool handle(struct pw_vu_dev *d, const struct pw_vu_msg *m, int *fds, uint8_t *reply,
		   size_t *reply_len, struct pw_err *err)
{
	struct req r = { .d = d, .m = m, .fds = fds, .err = err };
	uint32_t req = m->hdr.request;
	bool ok;

	*reply_len = 0;
	if (d->broken) {
		pw_err_set(err, "%s: the device is broken", m->rule->name);
		ok = false;
	} else if (!pw_vu_msg_allowed(m, d->protocol_features, err)) {
		d->stats.bad_msg++;
		ok = false;
	} else {
		ok = req < sizeof(handlers) / sizeof(handlers[0]) && handlers[req] &&
		     handlers[req](&r);
	}
	for (unsigned i = 0; i < m->n_fds; i++)
		close_fd(&fds[i]);
	if (!ok) {
		d->broken = true;
		return false;
	}
	*reply_len = reply_of(&r, reply);
	return true;
}

/* The pair whose rings a message changes: UINT_MAX for every pair (the
 * memory, the features, a reset), the number of pairs for none (it
 * changes no ring, or names one the device has not: refused). */
static unsigned pair_changed(const struct pw_vu_dev *d, const struct pw_vu_msg *m)
{
	uint32_t index;

	switch (m->hdr.request) {
	case PW_VU_SET_FEATURES:
	case PW_VU_SET_MEM_TABLE:
	case PW_VU_RESET_OWNER:
		return UINT_MAX;
	case PW_VU_SET_VRING_NUM:
	case PW_VU_SET_VRING_BASE:
	case PW_VU_GET_VRING_BASE:
	case PW_VU_SET_VRING_ENABLE:
		index = m->p.state.index;
		break;
	case PW_VU_SET_VRING_ADDR:
		index = m->p.addr.index;
		break;
	case PW_VU_SET_VRING_KICK:
	case PW_VU_SET_VRING_CALL:
	case PW_VU_SET_VRING_ERR:
		index = (uint32_t)(m->p.u64 & PW_VU_VRING_IDX_MASK);
		break;
	default:
		return d->cfg.pairs;
	}
	return index < 2 * d->cfg.pairs ? index / 2 : d->cfg.pairs;
}

static void hold(struct pw_vu_dev *d, unsigned pair)
{
	if (pair == UINT_MAX)
		pw_vu_dev_hold_all(d);
	else if (pair < d->cfg.pairs)
		pw_vu_dev_hold(d, pair);
}

static void release(struct pw_vu_dev *d, unsigned pair)
{
	if (pair == UINT_MAX)
		pw_vu_dev_release_all(d);
	else if (pair < d->cfg.pairs)
		pw_vu_dev_release(d, pair);
}

/* The pairs the guest runs, for the steering program (dev.h). */
static void steer(struct pw_vu_dev *d)
{
	uint32_t k = 0;

	if (!d->steer)
		return;
	while (!d->broken && k < d->cfg.pairs && d->ring[2 * k].started && d->ring[2 * k].enabled)
		k++;
	atomic_store_explicit(d->steer, k ? k : 1, memory_order_relaxed);
}

void pw_vu_dev_steer(struct pw_vu_dev *d, _Atomic uint32_t *pairs)
{
	d->steer = pairs;
	steer(d);
}

bool pw_vu_dev_handle(struct pw_vu_dev *d, const struct pw_vu_msg *m, int *fds, uint8_t *reply,
		      size_t *reply_len, struct pw_err *err)
{
	unsigned pair = pair_changed(d, m);
	bool ok;

	hold(d, pair);
	ok = handle(d, m, fds, reply, reply_len, err);
	release(d, pair);
	steer(d);
	return ok;
}

/* Nothing negotiated, no memory, no ring (the gates and counters left alone). */
static void forget(struct pw_vu_dev *d)
{
	d->features = d->protocol_features = 0;
	d->owned = false;
	d->mtu = 0;
	d->mem = (struct pw_vu_mem){ 0 };
	for (unsigned i = 0; i < PW_VU_RINGS_MAX; i++) {
		d->ring[i] = (struct pw_vu_ring){ 0 };
		d->ring[i].kick = d->ring[i].call = d->ring[i].err = -1;
	}
	d->broken = false;
}

void pw_vu_dev_init(struct pw_vu_dev *d, const struct pw_vu_dev_cfg *c)
{
	memset(d, 0, sizeof(*d));
	d->cfg = *c;
	d->wake = -1;
	for (unsigned i = 0; i < PW_VU_PAIRS_MAX; i++) {
		atomic_init(&d->gate[i].held, false);
		atomic_init(&d->gate[i].busy, false);
	}
	forget(d);
}

/* Every pair held: no burst reads the rings or the memory while they go. */
void pw_vu_dev_reset(struct pw_vu_dev *d)
{
	pw_vu_dev_hold_all(d);
	for (unsigned i = 0; i < PW_VU_RINGS_MAX; i++) {
#define PW_VU_GONE(name, kind) d->vq_gone.name += d->ring[i].vq.stats.name;
		PW_VQ_COUNTERS(PW_VU_GONE)
#undef PW_VU_GONE
		close_fd(&d->ring[i].kick);
		close_fd(&d->ring[i].call);
		close_fd(&d->ring[i].err);
	}
	pw_vu_mem_unmap(&d->mem);
	forget(d);
	pw_vu_dev_release_all(d);
	steer(d);
}

void pw_vu_dev_hold(struct pw_vu_dev *d, unsigned pair)
{
	struct pw_vu_gate *g = &d->gate[pair];

	if (g->depth++)
		return;
	/* Dekker's pattern with pw_vu_gate_enter (dev.h, struct pw_vu_gate). */
	atomic_store_explicit(&g->held, true, memory_order_seq_cst);
	/* Bounded by one burst: a burst never waits for us. */
	while (atomic_load_explicit(&g->busy, memory_order_seq_cst))
		sched_yield();
}

void pw_vu_dev_release(struct pw_vu_dev *d, unsigned pair)
{
	struct pw_vu_gate *g = &d->gate[pair];

	if (g->depth && !--g->depth)
		atomic_store_explicit(&g->held, false, memory_order_release);
}

void pw_vu_dev_hold_all(struct pw_vu_dev *d)
{
	for (unsigned i = 0; i < d->cfg.pairs; i++)
		pw_vu_dev_hold(d, i);
}

void pw_vu_dev_release_all(struct pw_vu_dev *d)
{
	for (unsigned i = 0; i < d->cfg.pairs; i++)
		pw_vu_dev_release(d, i);
}

void pw_vu_dev_break(struct pw_vu_dev *d)
{
	d->broken = true;
	if (d->wake >= 0)
		eventfd_write(d->wake, 1);
}
