/* SPDX-License-Identifier: MIT */
/*
 * spelling.c: the --qemu and --uml option lists (built twice, as fuzz-qemu
 * and fuzz-uml, with PW_FUZZ_PARSE naming the parser). Input: the list as
 * text. Parsing must not crash, and a list that is accepted must hold
 * fuzz_check_config().
 */
#include <string.h>

#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char spec[4200];
	struct pw_config c;

	if (size >= sizeof(spec))
		return 0;
	memcpy(spec, data, size);
	spec[size] = '\0';
	pw_config_init(&c);
	snprintf(c.tap.name, sizeof(c.tap.name), "pwfuzz0");
	if (PW_FUZZ_PARSE(&c, spec) && pw_config_finish(&c))
		fuzz_check_config(&c);
	return 0;
}
