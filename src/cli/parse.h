/* SPDX-License-Identifier: MIT */
/*
 * parse.h: the value parsers every spelling shares (numbers, ports, cookies,
 * addresses, booleans, key=value lists). Each reports one error naming the
 * option and the bad value into the sink `e` (core/err.h) and returns false;
 * none prints. Nothing here knows which spelling it serves.
 */
#ifndef PWIRE_CLI_PARSE_H
#define PWIRE_CLI_PARSE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>

#include "core/err.h"
#include "core/session.h"

/* "pwire: " + message + newline on stderr, for what pwire itself meets while
 * it runs (a parser reports into its sink instead). */
void pw_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void pw_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A sink's messages, one line each with the words of pw_warn() and
 * pw_error(): its warnings first, then its errors (a parser stops at its
 * first error, so nothing it warned about came after one). */
void pw_err_print(FILE *f, const struct pw_err *e);

/* Unsigned integer in [min, max]: decimal, 0x hex or 0 octal (strtoul base 0,
 * as iproute2, QEMU and UML read them). */
bool pw_parse_u64(const char *opt, const char *val, uint64_t min, uint64_t max, uint64_t *out,
		  struct pw_err *e);
bool pw_parse_u32(const char *opt, const char *val, uint32_t min, uint32_t max, uint32_t *out,
		  struct pw_err *e);
/* A session id: 1..4294967295 (0 is reserved, RFC 3931 §4.1.1.1). */
bool pw_parse_session(const char *opt, const char *val, uint32_t *out, struct pw_err *e);
bool pw_parse_port(const char *opt, const char *val, uint16_t *out, struct pw_err *e);
/* iproute2: exactly 8 or 16 hex digits, in wire order. */
bool pw_parse_cookie_hex(const char *opt, const char *val, struct pw_cookie *c, struct pw_err *e);
/* A cookie_file: the same hex digits, alone in a regular file that only
 * its owner may read or write (mode & 077 == 0), whitespace after them
 * allowed. Errors name opt and the path, never the file's contents. The
 * one parser that reads a file (the secret stays out of argv and
 * /proc/PID/cmdline). */
bool pw_parse_cookie_file(const char *opt, const char *path, struct pw_cookie *c,
			  struct pw_err *e);
/* QEMU/UML: one integer written big-endian into `len` (4 or 8) bytes. */
bool pw_parse_cookie_int(const char *opt, const char *val, unsigned len, struct pw_cookie *c,
			 struct pw_err *e);
/* An IPv4 or IPv6 literal; sets the family and the address, port 0. */
bool pw_parse_addr(const char *opt, const char *val, struct sockaddr_storage *ss, struct pw_err *e);
/* An MTU as written: any number (the range, 68 up to what the
 * encapsulation leaves of an IP datagram, is checked with the rest by
 * pw_config_finish(), which knows the encapsulation: one message). */
bool pw_parse_mtu(const char *opt, const char *val, uint32_t *out, struct pw_err *e);
/* on/off, yes/no, true/false, 1/0. */
bool pw_parse_bool(const char *opt, const char *val, bool *out, struct pw_err *e);
bool pw_parse_mac(const char *opt, const char *val, uint8_t mac[static 6], struct pw_err *e);

/* The one of names[] (NULL-terminated) a mistyped s was most likely meant
 * to be: the nearest by edit distance (a swap of neighbours counting one),
 * when that is at most 1 for names of up to 4 characters, 2 beyond; NULL
 * when none is that near. For "did you mean ...?". */
const char *pw_nearest(const char *s, const char *const *names);

enum { PW_SPEC_MAX = 4096 };

/* Split "k=v,k=v" into buf (the caller's, so the key and value pointers
 * handed to fn stay valid after this returns) and call fn for each pair (val
 * is NULL for a bare key) until one returns false. `what` names the list in
 * messages (--qemu, --uml). */
typedef bool (*pw_kv_fn)(void *ctx, const char *key, const char *val, struct pw_err *e);
bool pw_kv_each(const char *what, const char *spec, char buf[static PW_SPEC_MAX], pw_kv_fn fn,
		void *ctx, struct pw_err *e);

/* Set the port of an address. */
void pw_addr_set_port(struct sockaddr_storage *ss, uint16_t port);

#endif
