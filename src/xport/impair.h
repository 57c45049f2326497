/* SPDX-License-Identifier: MIT */
/*
 * impair.h: a transport wrapper that impairs what it receives, the way a
 * bad network would: drops, duplicates, reorders, corrupts and truncates
 * datagrams at given rates, deterministically from a seed. The kernel here
 * has no netem; this is how pwire's tests and soak create faults.
 */
#ifndef PWIRE_XPORT_IMPAIR_H
#define PWIRE_XPORT_IMPAIR_H

#include "xport/xport.h"

/* Counters (core/stats.h). Only a datagram dropped here is lost here: a
 * corrupted or truncated one is counted again by whatever drops it later. */
#define PW_IMPAIR_COUNTERS(X)                                                                      \
	X(impair_dropped, PW_DROP)                                                                 \
	X(impair_duplicated, PW_COUNT)                                                             \
	X(impair_reordered, PW_COUNT)                                                              \
	X(impair_corrupted, PW_COUNT)                                                              \
	X(impair_truncated, PW_COUNT)

struct pw_impair_stats {
	PW_IMPAIR_COUNTERS(PW_COUNTER_FIELD)
};
extern const struct pw_counter_name pw_impair_counter_names[];
extern const size_t pw_impair_counter_count;

/* Rates in parts per million of received datagrams. */
struct pw_impair_cfg {
	uint64_t seed;
	uint32_t drop, dup, reorder, corrupt, truncate;
};

/* Wrap `inner` (owned from now on: closing the wrapper closes it). Its
 * counters are in *stats. NULL and errno on failure. */
struct pw_xport *pw_impair_wrap(struct pw_xport *inner, const struct pw_impair_cfg *cfg,
				struct pw_impair_stats *stats);

#endif
