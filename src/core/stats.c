/* SPDX-License-Identifier: MIT */
/*
 * stats.c: the name tables of the session's and the tunnel's counters,
 * made from their X-macros (stats.h).
 */
#include <string.h>

#include "core/stats.h"

#define PW_SESSION_ENTRY(name, kind) PW_COUNTER_ENTRY(pw_session_stats, name, kind)
#define PW_TUNNEL_ENTRY(name, kind) PW_COUNTER_ENTRY(pw_tunnel_stats, name, kind)

const struct pw_counter_name pw_session_counter_names[] = { PW_SESSION_COUNTERS(PW_SESSION_ENTRY) };
const size_t pw_session_counter_count =
	sizeof(pw_session_counter_names) / sizeof(pw_session_counter_names[0]);
const struct pw_counter_name pw_tunnel_counter_names[] = { PW_TUNNEL_COUNTERS(PW_TUNNEL_ENTRY) };
const size_t pw_tunnel_counter_count =
	sizeof(pw_tunnel_counter_names) / sizeof(pw_tunnel_counter_names[0]);

void pw_counters_add(void *sum, const void *stats, const struct pw_counter_name *names, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uint64_t a, b;

		memcpy(&a, (char *)sum + names[i].offset, sizeof(a));
		memcpy(&b, (const char *)stats + names[i].offset, sizeof(b));
		a += b;
		memcpy((char *)sum + names[i].offset, &a, sizeof(a));
	}
}
