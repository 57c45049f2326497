/* SPDX-License-Identifier: MIT */
/*
 * conf.h: pwired's configuration file, /etc/pwire/pwire.conf (pwire.conf(5)):
 * INI, one named section per pseudowire, its keys the words of `pwire up`
 * (cli/words.c parses every value), plus `vnic`, `qemu` and `uml`. Each
 * section is finished and checked as `pwire up` checks its command line,
 * then the sections against each other (names, vNICs, ports, session ids).
 *
 * Every error is one line, "FILE:LINE: [SECTION] MESSAGE" (MESSAGE names the
 * key and its bad value), reported into the sink; the first one stops.
 */
#ifndef PWIRE_DAEMON_CONF_H
#define PWIRE_DAEMON_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "cli/config.h"
#include "core/err.h"

enum {
	PW_CONF_NAME_MAX = 32,	    /* a section name: 1..31 of [A-Za-z0-9._-] */
	PW_CONF_LINE_MAX = 200 - 3, /* bytes of a line without its newline: libinih's buffer, as
				     * Debian builds it (200), less CR, LF and NUL */
	PW_CONF_SIZE_MAX = 4 << 20, /* bytes of a whole file */
	PW_CONF_LINKS_MAX = 4096,   /* sections */
};

/* One section: a finished pseudowire and where it was written. */
struct pw_conf_link {
	char name[PW_CONF_NAME_MAX];
	unsigned line; /* of its [name] */
	struct pw_config c;
};

struct pw_conf {
	unsigned n;
	struct pw_conf_link *links; /* n of them, in file order; pw_conf_free() */
};

/* Parse len bytes of INI text (no NUL needed); `file` names it in messages.
 * True with conf filled (the caller frees it with pw_conf_free()), or false
 * with one error in e and conf empty. Warnings may come either way. */
bool pw_conf_parse(struct pw_conf *conf, const char *file, const char *text, size_t len,
		   struct pw_err *e);

/* Read `file` and parse it. */
bool pw_conf_load(struct pw_conf *conf, const char *file, struct pw_err *e);

/* Whether section l (finished, as pw_conf_parse leaves it) can run beside
 * every section of conf but conf->links[skip] (-1: none): another name,
 * vNIC and user as pwire.conf's own checks say; false with the first
 * reason in e, as "FILE:LINE: [NAME] ...". For a section that comes to a
 * running pwired on its own (pwire add, set). */
bool pw_conf_fits(const struct pw_conf *conf, int skip, const struct pw_conf_link *l,
		  const char *file, struct pw_err *e);

void pw_conf_free(struct pw_conf *conf);

/* "KEY = HEX\n" of a cookie (nothing when it has none), as -n prints it. */
void pw_conf_print_cookie(FILE *f, const char *key, const struct pw_cookie *c);

/* The index of the section called name, or -1. */
int pw_conf_find(const struct pw_conf *conf, const char *name);

/* One section as pwired -n prints it (malloc'd), or NULL when out of
 * memory. */
char *pw_conf_text(const struct pw_conf_link *l);

/* Every pseudowire as INI again, normalized: every key in one fixed order,
 * presets, aliases and the QEMU and UML strings turned into the words they
 * mean, derived values (mtu, local) written out. Parsing the output gives
 * the same configurations, and printing them the same text. */
void pw_conf_print(FILE *f, const struct pw_conf *conf);

#endif
