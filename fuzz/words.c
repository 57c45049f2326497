/* SPDX-License-Identifier: MIT */
/*
 * words.c: the `ip l2tp` words of `pwire up`. Input: words separated by
 * spaces or NULs. Whatever it is, parsing must not crash, and a line that
 * is accepted must hold the invariants of fuzz_check_config().
 */
#include <string.h>

#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char buf[2048], *argv[128];
	int argc = 0;
	struct pw_config c;

	if (size >= sizeof(buf))
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	for (size_t i = 0; i <= size && argc < 128;) {
		while (i < size && (buf[i] == ' ' || buf[i] == '\0'))
			buf[i++] = '\0';
		if (i >= size)
			break;
		argv[argc++] = &buf[i];
		while (i < size && buf[i] != ' ' && buf[i] != '\0')
			i++;
	}
	pw_config_init(&c);
	snprintf(c.tap.name, sizeof(c.tap.name), "pwfuzz0");
	if (pw_words_parse(&c, argc, argv) && pw_config_finish(&c))
		fuzz_check_config(&c);
	return 0;
}
