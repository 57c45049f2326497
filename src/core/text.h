/* SPDX-License-Identifier: MIT */
/*
 * text.h: a name users gave (Linux takes any byte but '/', ':' and white
 * space in a device name, control characters included), made safe for a
 * line of text: control characters and backslash as \xNN, so a name cannot
 * write to the terminal or forge a log line. Pure.
 */
#ifndef PWIRE_CORE_TEXT_H
#define PWIRE_CORE_TEXT_H

#include <stddef.h>

/* Holds any device name shown: 15 bytes, 4 each, and the NUL. */
enum { PW_TEXT_NAME_MAX = 16 * 4 + 1 };

/* Write name into buf (size bytes) as shown; returns buf. A name longer than
 * fits is cut at a whole character. */
const char *pw_text_name(const char *name, char *buf, size_t size);

#endif
