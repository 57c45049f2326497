/* SPDX-License-Identifier: MIT */
/*
 * print.c: counters as text or JSON from the name tables of core/ and vnic/,
 * so a new counter appears in both forms without touching this file.
 * `rx_errors` is derived (the kernel's meaning: every session drop).
 *
 * Names come from users (Linux takes any byte but '/', ':' and white space
 * in a device name, quotes and control characters included): JSON gets them
 * through json_str(), text through pw_text_name(). A dozen lines of escaping
 * for one kind of value do not justify a JSON library; every other JSON
 * token printed here is a fixed name or a number.
 */
#include <inttypes.h>
#include <string.h>

#include "cli/print.h"

/* A JSON string (RFC 8259 §7): quotes, backslash and control characters
 * escaped; other bytes as they are (names are bytes, not text: a byte of
 * 0x80 or more passes, as it does through the kernel). */
static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20 || c == 0x7f)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

static uint64_t at(const void *stats, size_t offset)
{
	uint64_t v;

	memcpy(&v, (const char *)stats + offset, sizeof(v));
	return v;
}

static void group(FILE *f, bool json, const char *name, const struct pw_counter_name *names,
		  size_t n, const void *stats, const char *extra, uint64_t extra_val)
{
	if (json)
		fprintf(f, name ? "\"%s\":{" : "{", name);
	else
		fprintf(f, "  %s:", name);
	for (size_t i = 0; i < n; i++) {
		uint64_t v = at(stats, names[i].offset);

		if (json)
			fprintf(f, "%s\"%s\":%" PRIu64, i ? "," : "", names[i].name, v);
		else
			fprintf(f, " %s %" PRIu64, names[i].name, v);
	}
	if (extra)
		fprintf(f, json ? ",\"%s\":%" PRIu64 : " %s %" PRIu64, extra, extra_val);
	fputs(json ? "}" : "\n", f);
}

static void moved(FILE *f, bool *any, const char *ifname, unsigned seconds,
		  const struct pw_counter_name *names, size_t n, const void *stats, uint64_t *marks)
{
	for (size_t i = 0; i < n; i++) {
		uint64_t v = at(stats, names[i].offset);

		if (!names[i].drop || v == marks[i])
			continue;
		if (!*any) {
			char safe[PW_TEXT_NAME_MAX];

			fprintf(f, "pwire: %s: dropped in the last %u s:",
				pw_text_name(ifname, safe, sizeof(safe)), seconds);
		}
		fprintf(f, " %s +%" PRIu64, names[i].name, v - marks[i]);
		marks[i] = v;
		*any = true;
	}
}

void pw_print_drops(FILE *f, const struct pw_report *r, struct pw_drop_marks *marks,
		    unsigned seconds)
{
	bool any = false;

	_Static_assert(sizeof(marks->session) / sizeof(uint64_t) >=
			       sizeof(struct pw_session_stats) / sizeof(uint64_t),
		       "room for every session counter");
	_Static_assert(sizeof(marks->tunnel) / sizeof(uint64_t) >=
			       sizeof(struct pw_tunnel_stats) / sizeof(uint64_t),
		       "room for every tunnel counter");
	_Static_assert(sizeof(marks->vnic) / sizeof(uint64_t) >=
			       sizeof(struct pw_vnic_stats) / sizeof(uint64_t),
		       "room for every vnic counter");
	moved(f, &any, r->ifname, seconds, pw_session_counter_names, pw_session_counter_count,
	      &r->session->stats, marks->session);
	moved(f, &any, r->ifname, seconds, pw_tunnel_counter_names, pw_tunnel_counter_count,
	      r->tunnel, marks->tunnel);
	moved(f, &any, r->ifname, seconds, pw_vnic_counter_names, pw_vnic_counter_count, r->vnic,
	      marks->vnic);
	if (any) {
		fputc('\n', f);
		fflush(f);
	}
}

void pw_print_counters(FILE *f, const struct pw_report *r, bool json)
{
	const struct pw_session *s = r->session;
	const struct pw_session_stats *ss = &s->stats;
	uint64_t rx_errors = ss->rx_cookie_discards + ss->rx_seq_discards + ss->rx_oos_packets;

	if (json) {
		fputs("{\"ifname\":", f);
		json_str(f, r->ifname);
		fprintf(f, ",\"session_id\":%" PRIu32 ",\"peer_session_id\":%" PRIu32 ",",
			s->cfg.session_id, s->cfg.peer_session_id);
	} else {
		char safe[PW_TEXT_NAME_MAX];

		fprintf(f, "%s: session_id %" PRIu32 " peer_session_id %" PRIu32 "\n",
			pw_text_name(r->ifname, safe, sizeof(safe)), s->cfg.session_id,
			s->cfg.peer_session_id);
	}
	group(f, json, "session", pw_session_counter_names, pw_session_counter_count, ss,
	      "rx_errors", rx_errors);
	if (json)
		fputc(',', f);
	group(f, json, "tunnel", pw_tunnel_counter_names, pw_tunnel_counter_count, r->tunnel, NULL,
	      0);
	if (json)
		fputc(',', f);
	group(f, json, "vnic", pw_vnic_counter_names, pw_vnic_counter_count, r->vnic, NULL, 0);
	if (r->impair) {
		if (json)
			fputc(',', f);
		group(f, json, "impair", pw_impair_counter_names, pw_impair_counter_count,
		      r->impair, NULL, 0);
	}
	for (unsigned q = 0; r->queues && q < r->n_queues; q++) {
		char name[24];

		snprintf(name, sizeof(name), "queue %u", q);
		if (json)
			fputs(q ? "," : ",\"queues\":[", f);
		group(f, json, json ? NULL : name, pw_session_counter_names,
		      pw_session_counter_count, &r->queues[q], "rx_sockbuf_drops",
		      r->queue_sockbuf_drops[q]);
		if (json && q + 1 == r->n_queues)
			fputc(']', f);
	}
	if (json)
		fputs("}\n", f);
	fflush(f);
}
