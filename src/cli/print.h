/* SPDX-License-Identifier: MIT */
/*
 * print.h: one printer for a pseudowire's counters, as text or as JSON.
 */
#ifndef PWIRE_CLI_PRINT_H
#define PWIRE_CLI_PRINT_H

#include <stdbool.h>
#include <stdio.h>

#include "core/codec.h"
#include "in/vnic.h"
#include "out/impair.h"

struct pw_report {
	const char *ifname;
	const struct pw_session *session;
	const struct pw_tunnel_stats *tunnel;
	const struct pw_vnic_stats *vnic;
	const struct pw_impair_stats *impair; /* NULL without --impair */
};

/* Text: one line per group. JSON: one object on one line. */
void pw_print_counters(FILE *f, const struct pw_report *r, bool json);

#endif
