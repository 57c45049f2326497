/* SPDX-License-Identifier: MIT */
/*
 * vu_dev.c: the vhost-user device (vnic/vhost/dev.c) driven by a hostile
 * front end, the way server.c drives it. Input: up to RECORDS_MAX records,
 * each one byte then one whole message (12-byte header and `size` bytes,
 * size clamped to what is left):
 *   byte: the fd count (mod 9); its quotient by 9 bends the memfds of a
 *         SET_MEM_TABLE: bit 0 not sealed, bit 1 a byte shorter than the
 *         region needs.
 * Each message is parsed (pw_vu_msg_parse) from a heap copy of its exact
 * size. Refused: its fds (eventfds) are closed, as server.c will. Accepted:
 * real fds are handed, an eventfd for kick/call/err, for SET_MEM_TABLE one
 * sealed memfd per region of mmap_offset + size bytes (capped at 1 MiB: a
 * larger region must be refused), then pw_vu_dev_handle(); false:
 * pw_vu_dev_reset(), as server.c will on a broken device.
 * Asserted after every record: each fd handed is either held by the device
 * (once, as a ring's kick, call or err) or closed, and the device holds no
 * other; a reply is 20 bytes, the request echoed, flags version|reply, size
 * 8, there exactly when the rule or REPLY_ACK asks, with the answer the
 * request calls for; a refusal sets an error and moves one counter; a
 * started ring has its size, addresses, kick and memory, walks the
 * device's table and every byte of its desc, avail and used parts lies in
 * one region; a memory table taken matches the message and every region
 * fits its file. After a reset: no fd of the device open, no memory, nothing
 * negotiated. Each input ends with a reset; the eventfds and memfds open
 * then are counted (/proc/self/fd) after the first input and every
 * FD_COUNT_EVERY-th against those open before the first: a leak shows
 * within that many inputs (a leaked fd stays open), and an input run by
 * itself is checked. Other kinds are not counted: libFuzzer opens some
 * between inputs (its symbolizer's pipes once it finds a new function).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/virtio_config.h>
#include <linux/virtio_net.h>
#include <linux/virtio_ring.h>

#include "fuzz.h"
#include "vnic/vhost/dev.h"

#define F(bit) (UINT64_C(1) << (bit))

enum {
	RECORDS_MAX = 64,
	FILE_MAX = 1 << 20, /* the largest memfd made; a region past it is refused */
	PAIRS = 2,
	MTU = 1500,
	HANDED_MAX = RECORDS_MAX * PW_VU_REGIONS_MAX,
	FD_COUNT_EVERY = 64, /* reading /proc/self/fd was a sixth of the time */
};

static const struct pw_vu_dev_cfg cfg = {
	.pairs = PAIRS,
	.features = F(VIRTIO_F_VERSION_1) | F(PW_VU_F_PROTOCOL_FEATURES) |
		    F(VIRTIO_RING_F_INDIRECT_DESC) | F(VIRTIO_RING_F_EVENT_IDX) |
		    F(VIRTIO_NET_F_MRG_RXBUF) | F(VIRTIO_NET_F_CSUM) | F(VIRTIO_NET_F_GUEST_CSUM),
	.protocol_features = F(PW_VU_PROTOCOL_F_MQ) | F(PW_VU_PROTOCOL_F_REPLY_ACK) |
			     F(PW_VU_PROTOCOL_F_NET_MTU),
	.mtu = MTU,
};

/* The fds handed to the device and not yet seen closed. */
static int handed[HANDED_MAX];
static unsigned n_handed;

static bool fd_open(int fd)
{
	return fcntl(fd, F_GETFD) >= 0 || errno != EBADF;
}

/* The eventfds and memfds open: the kinds handed to the device (libFuzzer
 * opens others between inputs, such as its symbolizer's pipes). */
static unsigned open_fds(void)
{
	DIR *dir = opendir("/proc/self/fd");
	struct dirent *de;
	unsigned n = 0;

	FUZZ_CHECK(dir != NULL);
	while ((de = readdir(dir))) {
		char to[64];
		ssize_t len = readlinkat(dirfd(dir), de->d_name, to, sizeof(to) - 1);

		if (len <= 0)
			continue;
		to[len] = '\0';
		n += !strcmp(to, "anon_inode:[eventfd]") || !strncmp(to, "/memfd:", 7);
	}
	closedir(dir);
	return n;
}

static uint64_t counted(const struct pw_vu_dev *d)
{
	uint64_t sum = 0;
#define SUM(name, kind) sum += d->stats.name;
	PW_VU_DEV_COUNTERS(SUM)
#undef SUM
	return sum;
}

/* How many of the device's kick/call/err slots hold fd. */
static unsigned held(const struct pw_vu_dev *d, int fd)
{
	unsigned n = 0;

	for (unsigned i = 0; i < PW_VU_RINGS_MAX; i++)
		n += (d->ring[i].kick == fd) + (d->ring[i].call == fd) + (d->ring[i].err == fd);
	return n;
}

static bool handed_has(int fd)
{
	for (unsigned i = 0; i < n_handed; i++)
		if (handed[i] == fd)
			return true;
	return false;
}

/* Every fd handed is the device's (once) or closed; the device holds only
 * fds handed, and they are open. */
static void check_fds(const struct pw_vu_dev *d)
{
	for (unsigned i = 0; i < n_handed;) {
		unsigned h = held(d, handed[i]);

		FUZZ_CHECK(h <= 1);
		if (h) {
			FUZZ_CHECK(fd_open(handed[i]));
			i++;
		} else {
			FUZZ_CHECK(!fd_open(handed[i]));
			handed[i] = handed[--n_handed];
		}
	}
	for (unsigned i = 0; i < PW_VU_RINGS_MAX; i++) {
		const struct pw_vu_ring *q = &d->ring[i];

		FUZZ_CHECK(i < 2 * PAIRS || (q->kick < 0 && q->call < 0 && q->err < 0));
		FUZZ_CHECK(q->kick < 0 || handed_has(q->kick));
		FUZZ_CHECK(q->call < 0 || handed_has(q->call));
		FUZZ_CHECK(q->err < 0 || handed_has(q->err));
	}
}

/* [p, p + len) inside one region of the device's table. */
static bool in_mem(const struct pw_vu_mem *m, const void *p, uint64_t len)
{
	const uint8_t *b = p;

	for (unsigned k = 0; k < m->n; k++) {
		const struct pw_vu_area *r = &m->r[k];

		if (b >= r->host && len <= r->size && (uint64_t)(b - r->host) <= r->size - len)
			return true;
	}
	return false;
}

static void check_rings(const struct pw_vu_dev *d)
{
	for (unsigned i = 0; i < PW_VU_RINGS_MAX; i++) {
		const struct pw_vu_ring *q = &d->ring[i];
		uint64_t num = q->vq.num ? q->vq.num : 65536;

		if (!q->started)
			continue;
		FUZZ_CHECK(i < 2 * PAIRS);
		FUZZ_CHECK(q->has_num && q->has_addr && q->kick >= 0 && d->mem.n > 0);
		FUZZ_CHECK(num == q->cfg.num);
		FUZZ_CHECK(q->vq.mem == &d->mem);
		FUZZ_CHECK(in_mem(&d->mem, q->vq.desc, 16 * num));
		FUZZ_CHECK(in_mem(&d->mem, q->vq.avail, 6 + 2 * num));
		FUZZ_CHECK(in_mem(&d->mem, q->vq.used, 6 + 8 * num));
	}
}

static void check_reset(const struct pw_vu_dev *d, uint64_t stats)
{
	FUZZ_CHECK(!d->broken && !d->owned && d->mem.n == 0 && d->features == 0 &&
		   d->protocol_features == 0 && d->mtu == 0 && counted(d) == stats);
	for (unsigned i = 0; i < PW_VU_RINGS_MAX; i++) {
		const struct pw_vu_ring *q = &d->ring[i];

		FUZZ_CHECK(q->kick == -1 && q->call == -1 && q->err == -1);
		FUZZ_CHECK(!q->started && !q->enabled && !q->has_num && !q->has_addr);
	}
}

/* A memfd of len bytes, sealed against shrinking and growing if seal. */
static int memfd(uint64_t len, bool seal)
{
	int fd = memfd_create("vu_dev", MFD_CLOEXEC | MFD_ALLOW_SEALING);

	FUZZ_CHECK(fd >= 0);
	FUZZ_CHECK(ftruncate(fd, (off_t)len) == 0);
	if (seal)
		FUZZ_CHECK(fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW) == 0);
	return fd;
}

/* Make the fds a message comes with; whether each region fits its file. */
static bool make_fds(const struct pw_vu_msg *m, unsigned nfds, unsigned bend, int *fds)
{
	bool fits = true;

	for (unsigned i = 0; i < nfds; i++) {
		if (m && m->hdr.request == PW_VU_SET_MEM_TABLE) {
			const struct pw_vu_region *r = &m->p.mem.regions[i];
			uint64_t need = r->mmap_offset + r->size, len = need;

			if (r->mmap_offset > FILE_MAX || r->size > FILE_MAX - r->mmap_offset)
				len = FILE_MAX;
			else if ((bend & 2) && len > 0)
				len--;
			fits &= len == need && !(bend & 1);
			fds[i] = memfd(len, !(bend & 1));
		} else {
			fds[i] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
			FUZZ_CHECK(fds[i] >= 0);
		}
		FUZZ_CHECK(n_handed < HANDED_MAX);
		handed[n_handed++] = fds[i];
	}
	return fits;
}

static void check_reply(const struct pw_vu_dev *d, const struct pw_vu_msg *m, const uint8_t *reply,
			size_t len)
{
	struct pw_vu_hdr h;
	uint64_t v;
	bool ack = (m->hdr.flags & PW_VU_FLAG_NEED_REPLY) &&
		   (d->protocol_features & F(PW_VU_PROTOCOL_F_REPLY_ACK));

	if (m->rule->reply == PW_VU_REPLY_NONE && !ack) {
		FUZZ_CHECK(len == 0);
		return;
	}
	FUZZ_CHECK(len == PW_VU_HDR_LEN + 8);
	memcpy(&h, reply, sizeof(h));
	memcpy(&v, reply + PW_VU_HDR_LEN, 8);
	FUZZ_CHECK(h.request == m->hdr.request);
	FUZZ_CHECK(h.flags == (PW_VU_VERSION | PW_VU_FLAG_REPLY) && h.size == 8);
	switch (m->hdr.request) {
	case PW_VU_GET_FEATURES:
		FUZZ_CHECK(v == cfg.features);
		break;
	case PW_VU_GET_PROTOCOL_FEATURES:
		FUZZ_CHECK(v == cfg.protocol_features);
		break;
	case PW_VU_GET_QUEUE_NUM:
		FUZZ_CHECK(v == PAIRS);
		break;
	case PW_VU_GET_VRING_BASE: {
		const struct pw_vu_ring *q = &d->ring[m->p.state.index];

		FUZZ_CHECK((uint32_t)v == m->p.state.index && v >> 32 == q->cfg.base);
		FUZZ_CHECK(!q->started && !q->enabled && q->kick == -1);
		break;
	}
	default:
		FUZZ_CHECK(m->rule->reply == PW_VU_REPLY_NONE && v == 0); /* an ack */
	}
}

/* A memory table taken: the message's regions, in its order. */
static void check_table(const struct pw_vu_dev *d, const struct pw_vu_msg *m, bool fits)
{
	FUZZ_CHECK(fits);
	FUZZ_CHECK(d->mem.n == m->p.mem.n_regions);
	for (unsigned i = 0; i < d->mem.n; i++) {
		const struct pw_vu_region *r = &m->p.mem.regions[i];
		const struct pw_vu_area *a = &d->mem.r[i];

		FUZZ_CHECK(a->gpa == r->gpa && a->size == r->size && a->uva == r->uva);
		FUZZ_CHECK(a->map != NULL && a->host == (uint8_t *)a->map + r->mmap_offset);
	}
}

static void record(struct pw_vu_dev *d, const uint8_t *data, size_t len, uint8_t b)
{
	static struct pw_vu_msg m;
	uint8_t reply[PW_VU_REPLY_MAX];
	int fds[PW_VU_REGIONS_MAX];
	unsigned nfds = b % 9;
	size_t reply_len = 99;
	uint64_t before;
	uint8_t *buf;
	struct pw_err e;
	bool ok, fits;

	buf = malloc(len ? len : 1); /* its exact size: ASan sees a read past it */
	FUZZ_CHECK(buf != NULL);
	memcpy(buf, data, len);
	pw_err_init(&e);
	ok = pw_vu_msg_parse(buf, len, nfds, &m, &e);
	free(buf);
	if (!ok) {
		make_fds(NULL, nfds, 0, fds);
		for (unsigned i = 0; i < nfds; i++)
			close(fds[i]);
		check_fds(d);
		return;
	}
	fits = make_fds(&m, nfds, b / 9, fds);
	before = counted(d);
	pw_err_init(&e);
	ok = pw_vu_dev_handle(d, &m, fds, reply, &reply_len, &e);
	if (!ok) {
		FUZZ_CHECK(reply_len == 0 && d->broken);
		FUZZ_CHECK(pw_err_failed(&e) && pw_err_msg(&e)[0] && !strchr(pw_err_msg(&e), '\n'));
		FUZZ_CHECK(counted(d) == before + 1);
		before = counted(d);
		pw_vu_dev_reset(d);
		check_reset(d, before);
		check_fds(d);
		return;
	}
	FUZZ_CHECK(!d->broken && !pw_err_failed(&e) && counted(d) == before);
	check_reply(d, &m, reply, reply_len);
	if (m.hdr.request == PW_VU_SET_MEM_TABLE)
		check_table(d, &m, fits);
	if (m.hdr.request == PW_VU_RESET_OWNER)
		check_reset(d, before);
	check_fds(d);
	check_rings(d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct pw_vu_dev d;
	static unsigned fds, inputs;
	uint64_t stats;

	if (inputs++ == 0)
		fds = open_fds();

	pw_vu_dev_init(&d, &cfg);
	n_handed = 0;
	for (unsigned n = 0; n < RECORDS_MAX && size > 0; n++) {
		uint8_t b = data[0];
		size_t len = size - 1;
		struct pw_vu_hdr h;

		if (len >= PW_VU_HDR_LEN) {
			memcpy(&h, data + 1, sizeof(h));
			if (h.size < len - PW_VU_HDR_LEN)
				len = PW_VU_HDR_LEN + h.size;
		}
		record(&d, data + 1, len, b);
		data += 1 + len;
		size -= 1 + len;
	}
	stats = counted(&d);
	pw_vu_dev_reset(&d);
	check_reset(&d, stats);
	check_fds(&d);
	FUZZ_CHECK(n_handed == 0);
	if (inputs % FD_COUNT_EVERY == 1)
		FUZZ_CHECK(open_fds() == fds);
	return 0;
}
