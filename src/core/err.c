/* SPDX-License-Identifier: MIT */
/*
 * err.c: the error sink (see err.h). Formats into the sink's own slots; a
 * message too long for its slot is cut and ends in "..." so the cut shows.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/err.h"

void pw_err_init(struct pw_err *e)
{
	e->n_err = e->n_warn = 0;
}

static void put(char slots[PW_ERR_KEEP][PW_ERR_MSG_MAX], unsigned *n, const char *fmt,
		va_list ap)
{
	char *msg;
	int len;

	if ((*n)++ >= PW_ERR_KEEP)
		return; /* counted, not kept */
	msg = slots[*n - 1];
	len = vsnprintf(msg, PW_ERR_MSG_MAX, fmt, ap);
	if (len < 0)
		snprintf(msg, PW_ERR_MSG_MAX, "(a message that could not be formatted: %s)", fmt);
	else if (len >= PW_ERR_MSG_MAX)
		memcpy(msg + PW_ERR_MSG_MAX - 4, "...", 4);
}

void pw_err_set(struct pw_err *e, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	put(e->err, &e->n_err, fmt, ap);
	va_end(ap);
}

void pw_err_warn(struct pw_err *e, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	put(e->warn, &e->n_warn, fmt, ap);
	va_end(ap);
}

bool pw_err_failed(const struct pw_err *e)
{
	return e->n_err > 0;
}

const char *pw_err_msg(const struct pw_err *e)
{
	return e->n_err ? e->err[0] : "";
}
