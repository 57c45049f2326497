/* SPDX-License-Identifier: MIT */
/*
 * impair.c: the --impair option list of `pwire up` (a test aid: the kernel
 * here has no netem): "seed=N,drop=P,dup=P,reorder=P,corrupt=P,truncate=P",
 * P in percent with up to four decimals.
 */
#include <stdlib.h>
#include <string.h>

#include "cli/config.h"
#include "cli/parse.h"

/* "0.5" -> 5000 parts per million; "100" at most. */
static bool parse_percent(const char *key, const char *val, uint32_t *ppm, struct pw_err *e)
{
	uint64_t whole = 0, frac = 0, scale = 10000;
	const char *dot = val ? strchr(val, '.') : NULL;
	char buf[32];

	if (!val || strlen(val) >= sizeof(buf))
		goto bad;
	memcpy(buf, val, strlen(val) + 1);
	if (dot) {
		buf[dot - val] = '\0';
		if (!dot[1] || strlen(dot + 1) > 4)
			goto bad;
		for (const char *d = dot + 1; *d; d++) {
			if (*d < '0' || *d > '9')
				goto bad;
			scale /= 10;
			frac += (uint64_t)(*d - '0') * scale;
		}
	}
	if (buf[0] && !pw_parse_u64(key, buf, 0, 100, &whole, e))
		return false;
	if (!buf[0] && !dot)
		goto bad;
	*ppm = (uint32_t)(whole * 10000 + frac);
	if (*ppm <= 1000000)
		return true;
bad:
	pw_err_set(e, "bad value for %s: '%s' (expected a percentage 0..100, like 0.5)", key,
		   val ? val : "");
	return false;
}

static bool impair_opt(void *ctx, const char *key, const char *val, struct pw_err *e)
{
	struct pw_impair_cfg *im = ctx;

	if (!strcmp(key, "seed"))
		return pw_parse_u64(key, val, 0, UINT64_MAX, &im->seed, e);
	if (!strcmp(key, "drop"))
		return parse_percent(key, val, &im->drop, e);
	if (!strcmp(key, "dup"))
		return parse_percent(key, val, &im->dup, e);
	if (!strcmp(key, "reorder"))
		return parse_percent(key, val, &im->reorder, e);
	if (!strcmp(key, "corrupt"))
		return parse_percent(key, val, &im->corrupt, e);
	if (!strcmp(key, "truncate"))
		return parse_percent(key, val, &im->truncate, e);
	pw_err_set(e, "--impair: unknown option '%s' (seed, drop, dup, reorder, corrupt, truncate)",
		   key);
	return false;
}

bool pw_impair_parse(struct pw_config *c, const char *spec, struct pw_err *e)
{
	char buf[PW_SPEC_MAX];

	c->has_impair = true;
	return pw_kv_each("--impair", spec, buf, impair_opt, &c->impair, e);
}
