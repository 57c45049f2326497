/* SPDX-License-Identifier: MIT */
/*
 * parse.c: the shared value parsers behind words.c, qemu.c and uml.c, and
 * the printers of pwire's own lines. Every error a parser reports names the
 * option and the value it refused.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/parse.h"
#include "core/text.h"

enum { PW_COOKIE_PATH_SHOWN = 128 }; /* of a cookie_file path in a message */

static void vmsg(FILE *f, const char *prefix, const char *fmt, va_list ap)
{
	fprintf(f, "pwire: %s", prefix);
	vfprintf(f, fmt, ap);
	fputc('\n', f);
}

void pw_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(stderr, "", fmt, ap);
	va_end(ap);
}

void pw_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(stderr, "warning: ", fmt, ap);
	va_end(ap);
}

void pw_err_print(FILE *f, const struct pw_err *e)
{
	for (unsigned i = 0; i < pw_err_kept(e->n_warn); i++)
		fprintf(f, "pwire: warning: %s\n", e->warn[i]);
	if (e->n_warn > PW_ERR_KEEP)
		fprintf(f, "pwire: warning: %u more warnings not kept\n", e->n_warn - PW_ERR_KEEP);
	for (unsigned i = 0; i < pw_err_kept(e->n_err); i++)
		fprintf(f, "pwire: %s\n", e->err[i]);
	if (e->n_err > PW_ERR_KEEP)
		fprintf(f, "pwire: %u more errors not kept\n", e->n_err - PW_ERR_KEEP);
}

bool pw_parse_u64(const char *opt, const char *val, uint64_t min, uint64_t max, uint64_t *out,
		  struct pw_err *e)
{
	unsigned long long v;
	char *end;

	if (!val || !*val) {
		pw_err_set(e, "%s needs a value", opt);
		return false;
	}
	errno = 0;
	v = strtoull(val, &end, 0);
	if (!isdigit((unsigned char)val[0]) || *end || errno) {
		pw_err_set(e, "bad value for %s: '%s' (expected a number %llu..%llu)", opt, val,
			   (unsigned long long)min, (unsigned long long)max);
		return false;
	}
	if (v < min || v > max) {
		pw_err_set(e, "%s %s is out of range (%llu..%llu)", opt, val,
			   (unsigned long long)min, (unsigned long long)max);
		return false;
	}
	*out = v;
	return true;
}

bool pw_parse_u32(const char *opt, const char *val, uint32_t min, uint32_t max, uint32_t *out,
		  struct pw_err *e)
{
	uint64_t v;

	if (!pw_parse_u64(opt, val, min, max, &v, e))
		return false;
	*out = (uint32_t)v;
	return true;
}

bool pw_parse_mtu(const char *opt, const char *val, uint32_t *out, struct pw_err *e)
{
	uint64_t v;
	struct pw_err sub;

	pw_err_init(&sub);
	if (!pw_parse_u64(opt, val, 0, UINT32_MAX, &v, &sub)) {
		pw_err_set(e, "bad value for %s: '%s' (expected a number, 68 up to 65535 less the "
			   "encapsulation)", opt, val ? val : "");
		return false;
	}
	*out = (uint32_t)v;
	return true;
}

bool pw_parse_session(const char *opt, const char *val, uint32_t *out, struct pw_err *e)
{
	return pw_parse_u32(opt, val, 1, UINT32_MAX, out, e);
}

bool pw_parse_port(const char *opt, const char *val, uint16_t *out, struct pw_err *e)
{
	uint32_t v;

	if (!pw_parse_u32(opt, val, 1, 65535, &v, e))
		return false;
	*out = (uint16_t)v;
	return true;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)tolower((unsigned char)c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

bool pw_parse_cookie_hex(const char *opt, const char *val, struct pw_cookie *c, struct pw_err *e)
{
	size_t n = val ? strlen(val) : 0;

	if (n != 8 && n != 16) {
		pw_err_set(e, "bad value for %s: '%s' (expected 8 or 16 hex digits)", opt,
			   val ? val : "");
		return false;
	}
	for (size_t i = 0; i < n; i += 2) {
		int hi = hexval(val[i]), lo = hexval(val[i + 1]);

		if (hi < 0 || lo < 0) {
			pw_err_set(e, "bad value for %s: '%s' (expected 8 or 16 hex digits)", opt,
				   val);
			return false;
		}
		c->bytes[i / 2] = (uint8_t)(hi << 4 | lo);
	}
	c->len = (uint8_t)(n / 2);
	return true;
}

enum { COOKIE_FILE_READ = 64 }; /* 16 digits and room to see what follows */

bool pw_parse_cookie_file(const char *opt, const char *path, struct pw_cookie *c,
			  struct pw_err *e)
{
	char buf[COOKIE_FILE_READ + 1], shown[4 * PW_COOKIE_PATH_SHOWN];
	struct pw_err sub;
	struct stat st;
	ssize_t n = 0, got;
	size_t digits, end;
	int fd;

	pw_text_name(path, shown, sizeof(shown));
	/* O_NONBLOCK: a FIFO put there must not hang the start-up. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		pw_err_set(e, "%s %s: %s", opt, shown, strerror(errno));
		return false;
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		pw_err_set(e, "%s %s: not a regular file", opt, shown);
		close(fd);
		return false;
	}
	if (st.st_mode & 077) {
		pw_err_set(e, "%s %s: group or others have access to it (mode %04o): chmod 600 it",
			   opt, shown, (unsigned)(st.st_mode & 07777));
		close(fd);
		return false;
	}
	while (n < COOKIE_FILE_READ && (got = read(fd, buf + n, COOKIE_FILE_READ - (size_t)n)) > 0)
		n += got;
	close(fd);
	buf[n] = '\0';
	digits = strcspn(buf, " \t\r\n");
	end = digits + strspn(buf + digits, " \t\r\n"); /* a NUL byte ends both */
	buf[digits] = '\0';
	pw_err_init(&sub);
	if (n == COOKIE_FILE_READ || end != (size_t)n || !pw_parse_cookie_hex(opt, buf, c, &sub)) {
		pw_err_set(e, "%s %s: expected 8 or 16 hex digits (and a newline) in it", opt, shown);
		return false;
	}
	return true;
}

bool pw_parse_cookie_int(const char *opt, const char *val, unsigned len, struct pw_cookie *c,
			 struct pw_err *e)
{
	uint64_t v;

	if (!pw_parse_u64(opt, val, 0, len == 8 ? UINT64_MAX : UINT32_MAX, &v, e))
		return false;
	if (len == 8)
		store_be64(c->bytes, v);
	else
		store_be32(c->bytes, (uint32_t)v);
	c->len = (uint8_t)len;
	return true;
}

bool pw_parse_addr(const char *opt, const char *val, struct sockaddr_storage *ss, struct pw_err *e)
{
	struct sockaddr_in *in4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (val && inet_pton(AF_INET, val, &in4->sin_addr) == 1) {
		in4->sin_family = AF_INET;
		return true;
	}
	if (val && inet_pton(AF_INET6, val, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		return true;
	}
	pw_err_set(e, "bad value for %s: '%s' (expected an IPv4 or IPv6 address)", opt,
		   val ? val : "");
	return false;
}

bool pw_parse_bool(const char *opt, const char *val, bool *out, struct pw_err *e)
{
	static const char *const yes[] = { "on", "yes", "true", "1" };
	static const char *const no[] = { "off", "no", "false", "0" };

	for (unsigned i = 0; val && i < 4; i++) {
		if (!strcasecmp(val, yes[i]))
			return *out = true;
		if (!strcasecmp(val, no[i])) {
			*out = false;
			return true;
		}
	}
	pw_err_set(e, "bad value for %s: '%s' (expected on or off)", opt, val ? val : "");
	return false;
}

bool pw_parse_mac(const char *opt, const char *val, uint8_t mac[static 6], struct pw_err *e)
{
	unsigned b[6];
	char tail;

	if (!val || sscanf(val, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3], &b[4],
			   &b[5], &tail) != 6 || strlen(val) != 17) {
		pw_err_set(e,
			   "bad value for %s: '%s' (expected a MAC address like 52:54:00:12:34:56)",
			   opt, val ? val : "");
		return false;
	}
	for (int i = 0; i < 6; i++)
		mac[i] = (uint8_t)b[i];
	if (mac[0] & 1) {
		pw_err_set(e, "bad value for %s: '%s' (a multicast address cannot be a NIC's)", opt,
			   val);
		return false;
	}
	return true;
}

bool pw_kv_each(const char *what, const char *spec, char buf[static PW_SPEC_MAX], pw_kv_fn fn,
		void *ctx, struct pw_err *e)
{
	char *rest = buf, *kv;

	if (strlen(spec) >= PW_SPEC_MAX) {
		pw_err_set(e, "%s: option list longer than %d characters", what, PW_SPEC_MAX - 1);
		return false;
	}
	strcpy(buf, spec);
	while ((kv = strsep(&rest, ","))) {
		char *eq = strchr(kv, '=');

		if (eq)
			*eq = '\0';
		if (!*kv) {
			pw_err_set(e, "%s: empty option name in '%s'", what, spec);
			return false;
		}
		if (!fn(ctx, kv, eq ? eq + 1 : NULL, e))
			return false;
	}
	return true;
}

void pw_addr_set_port(struct sockaddr_storage *ss, uint16_t port)
{
	if (ss->ss_family == AF_INET)
		((struct sockaddr_in *)ss)->sin_port = htons(port);
	else
		((struct sockaddr_in6 *)ss)->sin6_port = htons(port);
}

/* Optimal string alignment distance of a and b, both shorter than 64. */
static unsigned osa(const char *a, size_t la, const char *b, size_t lb)
{
	unsigned d[64][64];

	for (size_t i = 0; i <= la; i++)
		d[i][0] = (unsigned)i;
	for (size_t j = 0; j <= lb; j++)
		d[0][j] = (unsigned)j;
	for (size_t i = 1; i <= la; i++)
		for (size_t j = 1; j <= lb; j++) {
			unsigned cost = a[i - 1] != b[j - 1], v = d[i - 1][j - 1] + cost;

			if (d[i - 1][j] + 1 < v)
				v = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < v)
				v = d[i][j - 1] + 1;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
			    d[i - 2][j - 2] + 1 < v)
				v = d[i - 2][j - 2] + 1;
			d[i][j] = v;
		}
	return d[la][lb];
}

const char *pw_nearest(const char *s, const char *const *names)
{
	size_t ls = strlen(s);
	const char *best = NULL;
	unsigned best_d = UINT32_MAX;

	if (!ls || ls >= 64)
		return NULL;
	for (; *names; names++) {
		size_t ln = strlen(*names);
		unsigned most = ln <= 4 ? 1 : 2, d; /* most: the distance that still suggests */

		/* The distance is at least the difference of the lengths. */
		if (ln >= 64 || ln > ls + most || ls > ln + most)
			continue;
		d = osa(s, ls, *names, ln);
		if (d < best_d && d <= most) {
			best = *names;
			best_d = d;
		}
	}
	return best;
}
