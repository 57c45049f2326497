/* SPDX-License-Identifier: MIT */
/*
 * err.h: the error sink parsers report into instead of printing (QEMU's
 * `Error **errp` is the model), so whoever called them decides where the
 * words go: `pwire up` prints them to stderr, a control request gets them
 * back in its reply. Pure: no system calls, no allocation; the messages live
 * in the sink, fixed-size.
 *
 * A sink keeps errors and warnings apart, each in the order they came, up to
 * PW_ERR_KEEP of each; more are counted, not kept, so the first error always
 * wins a place (pw_err_msg() returns it). A parser that fails sets at least
 * one error and returns false; one that succeeds sets none, but may warn.
 */
#ifndef PWIRE_CORE_ERR_H
#define PWIRE_CORE_ERR_H

#include <stdbool.h>

enum {
	PW_ERR_MSG_MAX = 256, /* bytes of one message with its NUL; longer ones end in "..." */
	PW_ERR_KEEP = 8,      /* errors kept, and warnings kept, per sink */
};

/* Transparent so that a printer can walk it: err[0 .. min(n_err, KEEP)). */
struct pw_err {
	unsigned n_err, n_warn; /* reported, including those not kept */
	char err[PW_ERR_KEEP][PW_ERR_MSG_MAX];
	char warn[PW_ERR_KEEP][PW_ERR_MSG_MAX];
};

/* An empty sink (so is one zero-initialized). */
void pw_err_init(struct pw_err *e);

/* Report an error or a warning: one line, no newline, no "pwire: " prefix. */
void pw_err_set(struct pw_err *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void pw_err_warn(struct pw_err *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Whether any error was reported. */
bool pw_err_failed(const struct pw_err *e);

/* The first error, or "" when there is none. Borrowed from the sink. */
const char *pw_err_msg(const struct pw_err *e);

/* Of `reported` errors (or warnings), how many the sink kept. */
static inline unsigned pw_err_kept(unsigned reported)
{
	return reported < PW_ERR_KEEP ? reported : PW_ERR_KEEP;
}

#endif
