/* SPDX-License-Identifier: MIT */
/*
 * text.c: names made safe for text output (see text.h).
 */
#include <stdio.h>

#include "core/text.h"

const char *pw_text_name(const char *name, char *buf, size_t size)
{
	size_t n = 0;

	for (; *name && n + 5 <= size; name++) {
		unsigned char c = (unsigned char)*name;

		if (c < 0x20 || c == 0x7f || c == '\\')
			n += (size_t)snprintf(buf + n, size - n, "\\x%02x", c);
		else
			buf[n++] = (char)c;
	}
	buf[n] = '\0';
	return buf;
}
