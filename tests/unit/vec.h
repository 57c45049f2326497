/* SPDX-License-Identifier: MIT */
/*
 * vec.h: test-only reader of the golden vectors in tests/vectors/NAME.vec
 * (format in tests/vectors/PROVENANCE.md). Unit tests run in tests/, so the
 * directory is "vectors". Any malformed line fails loudly: a vector that
 * cannot be read must never pass as an empty set.
 */
#ifndef PWIRE_TESTS_VEC_H
#define PWIRE_TESTS_VEC_H

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/codec.h"

enum { VEC_MAX = 128, VEC_BYTES = 2048, VEC_SPEC = 512 };

struct vec {
	char name[128];
	char sender[8], receiver[8];
	char spec[VEC_SPEC], receiver_spec[VEC_SPEC];
	enum pw_encap encap;
	int family;
	uint32_t session;
	struct pw_cookie cookie;
	enum pw_l2spec l2spec;
	uint32_t counter;
	uint8_t l2tp[VEC_BYTES];
	size_t l2tp_len;
	uint8_t frame[VEC_BYTES];
	size_t frame_len;
};

static void vec_die(const char *name, const char *what)
{
	fprintf(stderr, "vectors/%s: %s\n", name, what);
	exit(1);
}

static size_t vec_hex(const char *name, const char *hex, uint8_t *out, size_t cap)
{
	size_t n = strlen(hex);

	if (n % 2 || n / 2 > cap)
		vec_die(name, "bad hex length");
	for (size_t i = 0; i < n / 2; i++) {
		unsigned b;

		if (sscanf(hex + 2 * i, "%2x", &b) != 1)
			vec_die(name, "bad hex digit");
		out[i] = (uint8_t)b;
	}
	return n / 2;
}

static void vec_parse(struct vec *v, FILE *f)
{
	static char line[8192];
	unsigned seen = 0;

	while (fgets(line, sizeof(line), f)) {
		char *val = strchr(line, ' ');

		line[strcspn(line, "\n")] = '\0';
		if (line[0] == '#' || !line[0])
			continue;
		if (!val)
			vec_die(v->name, "line without a value");
		*val++ = '\0';
		if (!strcmp(line, "sender"))
			snprintf(v->sender, sizeof(v->sender), "%s", val);
		else if (!strcmp(line, "receiver"))
			snprintf(v->receiver, sizeof(v->receiver), "%s", val);
		else if (!strcmp(line, "spec"))
			snprintf(v->spec, sizeof(v->spec), "%s", val);
		else if (!strcmp(line, "receiver_spec"))
			snprintf(v->receiver_spec, sizeof(v->receiver_spec), "%s", val);
		else if (!strcmp(line, "encap"))
			v->encap = !strcmp(val, "udp") ? PW_ENCAP_UDP : PW_ENCAP_IP;
		else if (!strcmp(line, "family"))
			v->family = atoi(val);
		else if (!strcmp(line, "session"))
			v->session = (uint32_t)strtoul(val, NULL, 0);
		else if (!strcmp(line, "cookie"))
			v->cookie.len = strcmp(val, "-") ?
						(uint8_t)vec_hex(v->name, val, v->cookie.bytes, 8) : 0;
		else if (!strcmp(line, "l2spec"))
			v->l2spec = !strcmp(val, "counter32") ? PW_L2SPEC_COUNTER32 : PW_L2SPEC_NONE;
		else if (!strcmp(line, "counter"))
			v->counter = (uint32_t)strtoul(val, NULL, 0);
		else if (!strcmp(line, "l2tp"))
			v->l2tp_len = vec_hex(v->name, val, v->l2tp, sizeof(v->l2tp));
		else if (!strcmp(line, "frame"))
			v->frame_len = vec_hex(v->name, val, v->frame, sizeof(v->frame));
		else if (strcmp(line, "capture") && strcmp(line, "packet"))
			vec_die(v->name, "unknown key");
		seen++;
	}
	if (seen < 12 || !v->l2tp_len || !v->frame_len || !v->session || !v->spec[0])
		vec_die(v->name, "incomplete vector");
	if (v->cookie.len != 0 && v->cookie.len != 4 && v->cookie.len != 8)
		vec_die(v->name, "cookie must be 0, 4 or 8 bytes");
}

/* All vectors, sorted by name; exits on any error or when there are none. */
static struct vec *vec_load_all(size_t *count)
{
	struct vec *all = calloc(VEC_MAX, sizeof(*all));
	struct dirent **names;
	int n = scandir("vectors", &names, NULL, alphasort);
	size_t k = 0;

	if (!all || n < 0)
		vec_die("", "cannot read the vectors directory");
	for (int i = 0; i < n; i++) {
		const char *d = names[i]->d_name;
		size_t len = strlen(d);
		char path[300];
		FILE *f;

		if (len > 4 && !strcmp(d + len - 4, ".vec")) {
			if (k == VEC_MAX)
				vec_die(d, "too many vectors");
			snprintf(all[k].name, sizeof(all[k].name), "%s", d);
			snprintf(path, sizeof(path), "vectors/%s", d);
			f = fopen(path, "r");
			if (!f)
				vec_die(d, "cannot open");
			vec_parse(&all[k++], f);
			fclose(f);
		}
		free(names[i]);
	}
	free(names);
	if (k < 40)
		vec_die("", "fewer than 40 vectors");
	*count = k;
	return all;
}

#endif
