/* SPDX-License-Identifier: MIT */
/*
 * spelling.c: the --qemu and --uml option lists (built twice, as fuzz-qemu
 * and fuzz-uml, with PW_FUZZ_PARSE naming the parser). Input: the list as
 * text. Parsing must not crash, a list that is refused must say why in the
 * error sink, and a list that is accepted must leave no error there and
 * hold fuzz_check_config().
 */
#include <string.h>

#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char spec[4200];
	struct pw_config c;
	struct pw_err e;
	bool ok;

	if (size >= sizeof(spec))
		return 0;
	memcpy(spec, data, size);
	spec[size] = '\0';
	pw_config_init(&c);
	pw_err_init(&e);
	snprintf(c.tap.name, sizeof(c.tap.name), "pwfuzz0");
	ok = PW_FUZZ_PARSE(&c, spec, &e) && pw_config_finish(&c, &e);
	/* A refusal comes with its error in the sink, an acceptance with none. */
	FUZZ_CHECK(ok == !pw_err_failed(&e) && (ok || pw_err_msg(&e)[0]));
	if (ok)
		fuzz_check_config(&c);
	return 0;
}
