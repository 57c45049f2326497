/* SPDX-License-Identifier: MIT */
/*
 * vnic.c: what every vNIC backend shares: the names of its counters.
 */
#include "vnic/vnic.h"

#define PW_VNIC_ENTRY(name, kind) PW_COUNTER_ENTRY(pw_vnic_stats, name, kind)
const struct pw_counter_name pw_vnic_counter_names[] = { PW_VNIC_COUNTERS(PW_VNIC_ENTRY) };
const size_t pw_vnic_counter_count =
	sizeof(pw_vnic_counter_names) / sizeof(pw_vnic_counter_names[0]);
