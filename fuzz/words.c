/* SPDX-License-Identifier: MIT */
/*
 * words.c: the `ip l2tp` words of `pwire up`. Input: words separated by
 * spaces or NULs. Whatever it is, parsing must not crash, a line that is
 * refused must say why in the error sink, and a line that is accepted must
 * leave no error there and hold the invariants of fuzz_check_config().
 */
#include <string.h>

#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char buf[2048], *argv[128];
	int argc = 0;
	struct pw_config c;
	struct pw_err e;
	bool ok;

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
	pw_err_init(&e);
	snprintf(c.tap.name, sizeof(c.tap.name), "pwfuzz0");
	ok = pw_words_parse(&c, argc, argv, &e) && pw_config_finish(&c, &e);
	/* A refusal comes with its error in the sink, an acceptance with none. */
	FUZZ_CHECK(ok == !pw_err_failed(&e) && (ok || pw_err_msg(&e)[0]));
	if (ok)
		fuzz_check_config(&c);
	return 0;
}
