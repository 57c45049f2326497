/* SPDX-License-Identifier: MIT */
/*
 * fastpath.h: the kernel fast path of one pseudowire (docs/fastpath.md):
 * whether a link qualifies, the TC programs loaded and attached (to its TAP
 * and to the underlay the route to its peer leaves by), their counters, and
 * their removal when pwire ends, however it ends. Opening needs the
 * privileges (CAP_BPF, CAP_NET_ADMIN) and happens before the drop; the
 * counters are read from memory mapped at open, so reading them needs no
 * system call. The helper that detaches the programs also reads the route
 * to the peer once a second (its MTU, its device) into the session the
 * programs check frames against, and keeps decap off the session's GRO pair
 * (grodev.h) while the pair is gone or down.
 */
#ifndef PWIRE_FAST_FASTPATH_H
#define PWIRE_FAST_FASTPATH_H

#include "core/err.h"
#include "core/stats.h"
#include "link/link.h"

enum pw_fastpath {
	PW_FASTPATH_OFF,  /* the userspace engine only */
	PW_FASTPATH_ON,   /* the kernel's, or refuse to start */
	PW_FASTPATH_AUTO, /* the kernel's where it can, else userspace (one line why);
			   * pw_config_init's default */
};

/* The programs' counters summed over the CPUs; names as pwire's. */
#define PW_FAST_COUNTERS(X)                                                                        \
	X(tx_packets, PW_COUNT)  /* frames the kernel encapsulated (GSO: its segments) */          \
	X(tx_bytes, PW_COUNT)    /* their Ethernet bytes */                                        \
	X(rx_packets, PW_COUNT)  /* frames the kernel decapsulated into the TAP */                 \
	X(rx_bytes, PW_COUNT)                                                                      \
	X(tx_passed, PW_COUNT)   /* the session's frames left to pwire's TAP fd */                 \
	X(rx_passed, PW_COUNT)   /* the session's datagrams left to pwire's socket */              \
	X(tx_errors, PW_DROP)    /* refused by the kernel once changed: dropped */          \
	X(tx_moved, PW_COUNT)    /* of tx_passed: while the route left the programs' device */   \
	X(rx_gro_frames, PW_COUNT) /* what the GRO pair made of the TCP segments sent through it */

struct pw_fast_counters {
	PW_FAST_COUNTERS(PW_COUNTER_FIELD)
};

extern const struct pw_counter_name pw_fast_counter_names[];
extern const size_t pw_fast_counter_count;

/* The word's value as written ("off", "on", "auto"). */
const char *pw_fastpath_name(enum pw_fastpath f);

/* NULL when the kernel can carry this link by itself; else why not, in
 * words ("encap ip", "seq both", ...; a static string). Asks the kernel
 * nothing. */
const char *pw_fast_why_not(const struct pw_link_cfg *cfg);

struct pw_fast;

/* Load and attach the programs for the link cfg whose TAP is tap (its MTU
 * mtu, the one in use), make the session's GRO pair where its underlay
 * wants one (pw_grodev_wanted; when it cannot be made, a warning in err and
 * none), and start the helper that detaches them and deletes the pair when
 * this process ends. With mode auto, only where what the programs encapsulate
 * leaves the underlay finished for any receiver: lo and a device with its
 * tx checksum offload off (the kernel checksums and cuts in software), a
 * NIC (a link of no kind; its hardware does); not a veth with the offload on,
 * which hands frames on unfinished (fine for a fast peer, not for a
 * socket): EOPNOTSUPP. NULL with the reason in err (what the kernel
 * refused, with the verifier's last lines when it refused a program) and
 * errno set. */
struct pw_fast *pw_fast_open(const struct pw_link_cfg *cfg, enum pw_fastpath mode, const char *tap,
			     unsigned mtu, struct pw_err *err);

/* The underlay device the programs attached to ("eth0", "lo"). */
const char *pw_fast_underlay(const struct pw_fast *f);

/* The counters now (plain loads of the mapped map: no system call). */
void pw_fast_stats(const struct pw_fast *f, struct pw_fast_counters *out);

/* The counters' map (an fd the opener keeps: not to be closed), for a
 * process that reads them without the programs (pwired's data path, given
 * it by SCM_RIGHTS), and the number of possible CPUs its lines are for. */
int pw_fast_map_fd(const struct pw_fast *f);
unsigned pw_fast_ncpus(const struct pw_fast *f);

/* A reader of another process's counters: map_fd (pw_fast_map_fd's, with
 * ncpus lines) mapped read-only; the fd may be closed afterwards. Reading
 * needs no system call and no bpf() (mmap at open, munmap at close). NULL
 * with the reason in err. */
struct pw_fast_view;
struct pw_fast_view *pw_fast_view_open(int map_fd, unsigned ncpus, struct pw_err *err);
void pw_fast_view_stats(const struct pw_fast_view *v, struct pw_fast_counters *out);

/* Add what the kernel carried (f's packets and bytes each way) to the
 * session's own counters s: the session's figures, as `pwire up` and
 * pwired print them, are both paths together. */
void pw_fast_add_carried(const struct pw_fast_counters *f, struct pw_session_stats *s);
void pw_fast_view_close(struct pw_fast_view *v); /* NULL is fine */

/* Close the helper's pipe, wait until it has detached the programs and
 * reap it (wait4: the privilege drop allows it with pw_privs.fastpath);
 * NULL is fine. */
void pw_fast_close(struct pw_fast *f);

#endif
