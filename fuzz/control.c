/* SPDX-License-Identifier: MIT */
/*
 * control.c: pwired's control request parser (daemon/control.c,
 * pw_ctl_parse) on any bytes, as the daemon hands them over: up to and
 * including the first LF, or all of them. It must not crash; a refusal says
 * why in the sink and an acceptance leaves no error there; only a line that
 * ends in its one LF, within PW_CTL_REQ_MAX bytes and printable, is
 * accepted; and the canonical line of what was accepted parses to the same
 * request.
 */
#include <string.h>

#include "daemon/control.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;
	const char *lf = memchr(buf, '\n', size);
	static struct pw_ctl_req req, again;
	char line[PW_CTL_REQ_MAX + 1];
	struct pw_err e;
	bool ok;

	/* What the daemon's reader passes on: up to the first LF, at most
	 * PW_CTL_REQ_MAX bytes. Longer inputs are cut as it cuts them. */
	if (lf)
		size = (size_t)(lf - buf) + 1;
	if (size > PW_CTL_REQ_MAX)
		size = PW_CTL_REQ_MAX;
	pw_err_init(&e);
	ok = pw_ctl_parse(buf, size, &req, &e);
	FUZZ_CHECK(ok == !pw_err_failed(&e) && (ok || pw_err_msg(&e)[0]));
	FUZZ_CHECK(!strchr(pw_err_msg(&e), '\n'));
	if (!ok)
		return 0;
	FUZZ_CHECK(size <= PW_CTL_REQ_MAX && buf[size - 1] == '\n');
	for (size_t i = 0; i + 1 < size; i++)
		FUZZ_CHECK((buf[i] >= 0x20 && buf[i] < 0x7f) || buf[i] == '\t' ||
			   (buf[i] == '\r' && i + 2 == size));
	FUZZ_CHECK((req.cmd == PW_CTL_SHOW && req.format <= PW_SHOW_PROMETHEUS) ||
		   (req.cmd != PW_CTL_SHOW && req.format == PW_SHOW_TEXT));
	/* A section's name and words: what pwire.conf could hold, and no file. */
	FUZZ_CHECK((req.cmd >= PW_CTL_ADD) == (req.name[0] != '\0'));
	FUZZ_CHECK(strlen(req.name) < PW_CTL_NAME_MAX && !strpbrk(req.words, ";#\t"));
	FUZZ_CHECK((req.cmd == PW_CTL_ADD || req.cmd == PW_CTL_SET) == (req.words[0] != '\0'));
	for (const char *w = req.words; *w;) { /* KEY VALUE pairs: no key names a file */
		size_t k = strcspn(w, " "), v;

		FUZZ_CHECK(w[k] == ' ' && memchr(w, '=', k) == NULL);
		FUZZ_CHECK(!(k == 11 && !memcmp(w, "cookie_file", 11)) &&
			   !(k == 16 && !memcmp(w, "peer_cookie_file", 16)));
		v = strcspn(w + k + 1, " ");
		FUZZ_CHECK(v > 0);
		w += k + 1 + v + (w[k + 1 + v] == ' ');
	}
	pw_ctl_req_str(&req, line, sizeof(line));
	FUZZ_CHECK(strlen(line) <= size);
	pw_err_init(&e);
	FUZZ_CHECK(pw_ctl_parse(line, strlen(line), &again, &e));
	FUZZ_CHECK(!memcmp(&again, &req, sizeof(req)));
	return 0;
}
