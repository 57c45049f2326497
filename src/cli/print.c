/* SPDX-License-Identifier: MIT */
/*
 * print.c: counters as text or JSON from the name tables of core/ and vnic/,
 * so a new counter appears in both forms without touching this file.
 * `rx_errors` is derived (the kernel's meaning: every session drop).
 *
 * Names come from users (Linux takes any byte but '/', ':' and white space
 * in a device name, quotes and control characters included): JSON gets them
 * through pw_print_json_str(), text through pw_text_name(). A dozen lines of escaping
 * for one kind of value do not justify a JSON library; every other JSON
 * token printed here is a fixed name or a number.
 */
#include <arpa/inet.h>
#include <inttypes.h>
#include <stddef.h>
#include <string.h>

#include "cli/config.h"
#include "cli/print.h"

/* A JSON string (RFC 8259 §7): quotes, backslash and control characters
 * escaped; other bytes as they are (names are bytes, not text: a byte of
 * 0x80 or more passes, as it does through the kernel). */
void pw_print_json_str(FILE *f, const char *s)
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

/* group: "" or a group's name and a space, where a counter's name alone
 * would say another group's (the fast path's tx_errors is not pwire's). */
static void moved(FILE *f, bool *any, const char *ifname, unsigned seconds, const char *group,
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
		fprintf(f, " %s%s +%" PRIu64, group, names[i].name, v - marks[i]);
		marks[i] = v;
		*any = true;
	}
}

/* A peer that went quiet, and came back: one line each. From the counters
 * the drop log reads anyway, so the data path keeps no clock. */
static void peer_watch(FILE *f, const struct pw_report *r, struct pw_drop_marks *marks,
		       unsigned seconds)
{
	char safe[PW_TEXT_NAME_MAX];
	uint64_t rx = r->session->stats.rx_packets;

	if (rx != marks->rx_packets) {
		if (marks->rx_idle_s >= PW_PEER_IDLE_S)
			fprintf(f, "pwire: %s: frames from the peer again after %u s\n",
				pw_text_name(r->ifname, safe, sizeof(safe)), marks->rx_idle_s);
		marks->rx_packets = rx;
		marks->rx_idle_s = 0;
		return;
	}
	marks->rx_idle_s += seconds;
	if (marks->rx_idle_s >= PW_PEER_IDLE_S && marks->rx_idle_s - seconds < PW_PEER_IDLE_S)
		fprintf(f, "pwire: %s: no frames from the peer for %u s\n",
			pw_text_name(r->ifname, safe, sizeof(safe)), marks->rx_idle_s);
	fflush(f);
}

/* A vhost-user vNIC's front end came or went since the last call (one
 * line each, with how many when several did). */
static void guest_watch(FILE *f, const struct pw_report *r, struct pw_drop_marks *marks)
{
	const struct pw_vhost_stats *v = r->vhost;
	char safe[PW_TEXT_NAME_MAX];

	if (!v)
		return;
	pw_text_name(r->ifname, safe, sizeof(safe));
	if (v->disconnects != marks->guest_disconnects)
		fprintf(f, "pwire: %s: guest gone%s: %s\n", safe,
			v->disconnects - marks->guest_disconnects > 1 ? " (several times)" : "",
			r->vhost_why ? r->vhost_why : "");
	if (v->connects != marks->guest_connects && v->connects > v->disconnects)
		fprintf(f, "pwire: %s: guest attached\n", safe);
	marks->guest_connects = v->connects;
	marks->guest_disconnects = v->disconnects;
	fflush(f);
}

/* Frames that look shifted by 4 bytes (core/codec.c counts them): said
 * when most frames of a period did, and not again while that lasts; a
 * period with frames of which most did not ends it. State, as peer_watch
 * keeps, not a flag that silences for good. */
static void shift_watch(FILE *f, const struct pw_report *r, struct pw_drop_marks *marks)
{
	const struct pw_session *s = r->session;
	const struct pw_session_stats *ss = &s->stats;
	uint64_t late = ss->rx_unexpected_sublayer - marks->rx_shifted[0],
		 early = ss->rx_missing_sublayer - marks->rx_shifted[1],
		 rx = ss->rx_packets - marks->rx_shift_seen;
	const char *l2spec = pw_l2spec_name(s->cfg.l2spec);
	bool most = 2 * (late + early) > rx, plain;
	char safe[PW_TEXT_NAME_MAX];

	marks->rx_shifted[0] = ss->rx_unexpected_sublayer;
	marks->rx_shifted[1] = ss->rx_missing_sublayer;
	marks->rx_shift_seen = ss->rx_packets;
	if (!rx || most == marks->rx_looks_shifted)
		return;
	marks->rx_looks_shifted = most;
	pw_text_name(r->ifname, safe, sizeof(safe));
	if (!most) {
		fprintf(f, "pwire: %s: frames from the peer no longer look shifted\n", safe);
		fflush(f);
		return;
	}
	/* Late with no sublayer of ours, or early with one: the sublayers
	 * differ. Otherwise the cookie lengths may (or both). From the
	 * configuration: a report's session has no layouts. */
	plain = (late >= early) == (s->cfg.l2spec == PW_L2SPEC_NONE);
	fprintf(f, "pwire: %s: frames from the peer look shifted by 4 bytes (%s +%" PRIu64
		   " of %" PRIu64 " frames): ",
		safe, late >= early ? "rx_unexpected_sublayer" : "rx_missing_sublayer",
		late >= early ? late : early, rx);
	if (plain && late >= early)
		fprintf(f, "the peer seems to send a sublayer that l2spec_type %s does not expect",
			l2spec);
	else if (plain)
		fprintf(f, "l2spec_type %s takes 4 bytes of frames the peer seems to send without "
			   "a sublayer", l2spec);
	else
		fprintf(f, "the peer seems to send 4 bytes %s before each frame than l2spec_type "
			   "%s with a %u-byte peer_cookie expects",
			late >= early ? "more" : "fewer", l2spec, s->cfg.peer_cookie.len);
	fprintf(f, ": check l2spec_type on both ends%s\n", plain ? "" : " (and the cookie lengths)");
	fflush(f);
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
	_Static_assert(sizeof(marks->vhost) / sizeof(uint64_t) >=
			       sizeof(struct pw_vhost_stats) / sizeof(uint64_t),
		       "room for every vhost counter");
	_Static_assert(sizeof(marks->fast) / sizeof(uint64_t) >=
			       sizeof(struct pw_fast_counters) / sizeof(uint64_t),
		       "room for every fast path counter");
	moved(f, &any, r->ifname, seconds, "", pw_session_counter_names,
	      pw_session_counter_count, &r->session->stats, marks->session);
	uint64_t bad = marks->tunnel[offsetof(struct pw_tunnel_stats, rx_bad_session) /
				     sizeof(uint64_t)],
		 tx_err = marks->tunnel[offsetof(struct pw_tunnel_stats, tx_errors) / sizeof(uint64_t)];

	moved(f, &any, r->ifname, seconds, "", pw_tunnel_counter_names,
	      pw_tunnel_counter_count, r->tunnel, marks->tunnel);
	if (r->tunnel->rx_bad_session != bad)
		fprintf(f, " (the last came for session %" PRIu32 "; this one is %" PRIu32 ")",
			r->last_bad_session, r->session->cfg.session_id);
	if (r->tunnel->tx_errors != tx_err && r->last_tx_errno)
		fprintf(f, " (the last refused: %s)", strerror(r->last_tx_errno));
	moved(f, &any, r->ifname, seconds, "", pw_vnic_counter_names, pw_vnic_counter_count,
	      r->vnic, marks->vnic);
	if (r->vhost)
		moved(f, &any, r->ifname, seconds, "", pw_vhost_counter_names,
		      pw_vhost_counter_count, r->vhost, marks->vhost);
	if (r->fast)
		moved(f, &any, r->ifname, seconds, "fastpath ", pw_fast_counter_names,
		      pw_fast_counter_count, r->fast, marks->fast);
	if (any) {
		fputc('\n', f);
		fflush(f);
	}
	shift_watch(f, r, marks);
	peer_watch(f, r, marks, seconds);
	guest_watch(f, r, marks);
}

/* rx_idle_seconds: whole seconds since the last frame from the peer, as the
 * drop log's once-a-second calls count them (the data path keeps no clock);
 * false before the first frame ("never"). A frame counted since the last
 * call makes it 0. */
static bool rx_idle(const struct pw_report *r, unsigned *seconds)
{
	uint64_t rx = r->session->stats.rx_packets;

	if (!rx)
		return false;
	*seconds = rx == r->marks->rx_packets ? r->marks->rx_idle_s : 0;
	return true;
}

/* " rx_idle_seconds N" (text, "never" before a frame), ",\"rx_idle_seconds\":N"
 * (JSON, null before a frame); nothing without marks. */
static void idle_field(FILE *f, const struct pw_report *r, bool json)
{
	unsigned idle;

	if (!r->marks)
		return;
	if (rx_idle(r, &idle))
		fprintf(f, json ? ",\"rx_idle_seconds\":%u" : " rx_idle_seconds %u", idle);
	else
		fputs(json ? ",\"rx_idle_seconds\":null" : " rx_idle_seconds never", f);
}

void pw_print_counters(FILE *f, const struct pw_report *r, bool json)
{
	const struct pw_session *s = r->session;
	const struct pw_session_stats *ss = &s->stats;
	uint64_t rx_errors = ss->rx_cookie_discards + ss->rx_seq_discards + ss->rx_oos_packets;

	if (json) {
		fputs("{\"ifname\":", f);
		pw_print_json_str(f, r->ifname);
		fprintf(f, ",\"session_id\":%" PRIu32 ",\"peer_session_id\":%" PRIu32,
			s->cfg.session_id, s->cfg.peer_session_id);
		idle_field(f, r, true);
		if (r->path)
			fprintf(f, ",\"path\":\"%s\"", r->path);
		fputc(',', f);
	} else {
		char safe[PW_TEXT_NAME_MAX];

		fprintf(f, "%s: session_id %" PRIu32 " peer_session_id %" PRIu32,
			pw_text_name(r->ifname, safe, sizeof(safe)), s->cfg.session_id,
			s->cfg.peer_session_id);
		idle_field(f, r, false);
		if (r->path)
			fprintf(f, " path %s", r->path);
		fputc('\n', f);
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
	if (r->vhost) {
		if (json)
			fputc(',', f);
		group(f, json, "vhost", pw_vhost_counter_names, pw_vhost_counter_count, r->vhost,
		      NULL, 0);
	}
	if (r->fast) { /* already in session's: what the kernel carried of it */
		if (json)
			fputc(',', f);
		group(f, json, "fastpath", pw_fast_counter_names, pw_fast_counter_count, r->fast,
		      NULL, 0);
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

static unsigned port_of(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)(const void *)ss)->sin_port);
	if (ss->ss_family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)(const void *)ss)->sin6_port);
	return 0;
}

void pw_show_init(struct pw_show *s, struct pw_show_text *t, const char *name,
		  const struct pw_config *c, const struct pw_report *r)
{
	bool udp = c->session.encap == PW_ENCAP_UDP;

	if (c->vhost_path[0])
		snprintf(t->vnic, sizeof(t->vnic), "%s%s",
			 c->vhost_client ? PW_VHOST_CLIENT_PREFIX : PW_VHOST_PREFIX, c->vhost_path);
	else
		snprintf(t->vnic, sizeof(t->vnic), "tap:%s", c->tap.name);
	*s = (struct pw_show){
		.name = name,
		.vnic = t->vnic,
		.encap = udp ? "udp" : "ip",
		.local = pw_xport_addr_str(&c->xport.local, t->local, sizeof(t->local)),
		.remote = pw_xport_addr_str(&c->xport.remote, t->remote, sizeof(t->remote)),
		.udp_sport = udp ? port_of(&c->xport.local) : 0,
		.udp_dport = udp ? port_of(&c->xport.remote) : 0,
		.report = r,
	};
}

/* The counter groups of a pseudowire, in print order; the last two, a
 * vhost-user vNIC's and the fast path's, only where there is one. vNIC
 * counters share names with tunnel ones (rx_short, tx_errors), as the fast
 * path's do with the session's: Prometheus tells them apart by a prefix. */
enum { SHOW_GROUPS = 5 };

struct show_group {
	const char *name, *prom;
	const struct pw_counter_name *names;
	size_t n;
};

/* Group g's counters of r, NULL when r has none of that group. */
static const void *group_stats(const struct pw_report *r, unsigned g)
{
	return g == 0 ? (const void *)&r->session->stats :
	       g == 1 ? (const void *)r->tunnel :
	       g == 2 ? (const void *)r->vnic :
	       g == 3 ? (const void *)r->vhost :
			(const void *)r->fast;
}

static void show_groups(struct show_group g[SHOW_GROUPS])
{
	g[0] = (struct show_group){ "session", "", pw_session_counter_names,
				    pw_session_counter_count };
	g[1] = (struct show_group){ "tunnel", "", pw_tunnel_counter_names,
				    pw_tunnel_counter_count };
	g[2] = (struct show_group){ "vnic", "vnic_", pw_vnic_counter_names,
				    pw_vnic_counter_count };
	g[3] = (struct show_group){ "vhost", "vhost_", pw_vhost_counter_names,
				    pw_vhost_counter_count };
	g[4] = (struct show_group){ "fastpath", "fastpath_", pw_fast_counter_names,
				    pw_fast_counter_count };
}

static void show_text(FILE *f, const struct pw_show *s)
{
	const struct pw_report *r = s->report;
	const struct pw_session_stats *ss = &r->session->stats;
	char safe[PW_TEXT_NAME_MAX], vnic[PW_TEXT_NAME_MAX];
	struct show_group g[SHOW_GROUPS];

	show_groups(g);
	fprintf(f, "%s: vnic %s encap %s local %s remote %s", pw_text_name(s->name, safe, sizeof(safe)),
		pw_text_name(s->vnic, vnic, sizeof(vnic)), s->encap, s->local, s->remote);
	if (s->udp_sport)
		fprintf(f, " udp_sport %u udp_dport %u", s->udp_sport, s->udp_dport);
	fprintf(f, "\n  session_id %" PRIu32 " peer_session_id %" PRIu32,
		r->session->cfg.session_id, r->session->cfg.peer_session_id);
	idle_field(f, r, false);
	if (r->path)
		fprintf(f, " path %s", r->path);
	fputc('\n', f);
	for (unsigned i = 0; i < SHOW_GROUPS; i++)
		if (group_stats(r, i))
			group(f, false, g[i].name, g[i].names, g[i].n, group_stats(r, i),
			      i ? NULL : "rx_errors",
			      ss->rx_cookie_discards + ss->rx_seq_discards + ss->rx_oos_packets);
}

static void show_json(FILE *f, const struct pw_show *s)
{
	const struct pw_report *r = s->report;
	const struct pw_session_stats *ss = &r->session->stats;
	struct show_group g[SHOW_GROUPS];

	show_groups(g);
	fputs("{\"name\":", f);
	pw_print_json_str(f, s->name);
	fputs(",\"vnic\":", f);
	pw_print_json_str(f, s->vnic);
	fputs(",\"encap\":", f);
	pw_print_json_str(f, s->encap);
	fputs(",\"local\":", f);
	pw_print_json_str(f, s->local);
	fputs(",\"remote\":", f);
	pw_print_json_str(f, s->remote);
	if (s->udp_sport)
		fprintf(f, ",\"udp_sport\":%u,\"udp_dport\":%u", s->udp_sport, s->udp_dport);
	fprintf(f, ",\"session_id\":%" PRIu32 ",\"peer_session_id\":%" PRIu32,
		r->session->cfg.session_id, r->session->cfg.peer_session_id);
	idle_field(f, r, true);
	if (r->path)
		fprintf(f, ",\"path\":\"%s\"", r->path);
	fputs(",\"counters\":{", f);
	for (unsigned i = 0; i < SHOW_GROUPS; i++) {
		if (!group_stats(r, i))
			continue;
		if (i)
			fputc(',', f);
		group(f, true, g[i].name, g[i].names, g[i].n, group_stats(r, i),
		      i ? NULL : "rx_errors",
		      ss->rx_cookie_discards + ss->rx_seq_discards + ss->rx_oos_packets);
	}
	fputs("}}", f);
}

/* A label value of the text exposition format: \\, \" and \n escaped. */
static void prom_label(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '\\' || *s == '"')
			fprintf(f, "\\%c", *s);
		else if (*s == '\n')
			fputs("\\n", f);
		else
			fputc(*s, f);
	}
	fputc('"', f);
}

/* Every counter a family of its own (pwire_NAME_total), but the drops: one
 * family per direction (pwire_rx_dropped_total, pwire_tx_dropped_total)
 * with the counter's name as its reason. Each family's samples together,
 * after its HELP and TYPE. */
static void show_prometheus(FILE *f, const struct pw_show *s, size_t n)
{
	static const char *const dir[] = { "rx", "tx" };
	struct show_group g[SHOW_GROUPS];
	unsigned printed_idle = 0;

	show_groups(g);
	for (unsigned i = 0; i < SHOW_GROUPS; i++) {
		size_t having = 0;

		for (size_t k = 0; k < n; k++)
			having += group_stats(s[k].report, i) != NULL;
		for (size_t c = 0; having && c < g[i].n; c++) {
			/* Drops of a direction are pwire_{rx,tx}_dropped_total's
			 * reasons (below); the others (a front end's faults)
			 * families of their own. */
			if (g[i].names[c].drop && (!strncmp(g[i].names[c].name, "rx_", 3) ||
						   !strncmp(g[i].names[c].name, "tx_", 3)))
				continue;
			fprintf(f, "# HELP pwire_%s%s_total pwire %s counter %s\n", g[i].prom,
				g[i].names[c].name, g[i].name, g[i].names[c].name);
			fprintf(f, "# TYPE pwire_%s%s_total counter\n", g[i].prom,
				g[i].names[c].name);
			for (size_t k = 0; k < n; k++) {
				if (!group_stats(s[k].report, i))
					continue;
				fprintf(f, "pwire_%s%s_total{session=", g[i].prom,
					g[i].names[c].name);
				prom_label(f, s[k].name);
				fprintf(f, "} %" PRIu64 "\n",
					at(group_stats(s[k].report, i), g[i].names[c].offset));
			}
		}
	}
	for (unsigned d = 0; d < 2; d++) {
		fprintf(f, "# HELP pwire_%s_dropped_total pwire %s drops, by reason (the counter's name)\n",
			dir[d], dir[d]);
		fprintf(f, "# TYPE pwire_%s_dropped_total counter\n", dir[d]);
		for (size_t k = 0; k < n; k++)
			for (unsigned i = 0; i < SHOW_GROUPS; i++)
				for (size_t c = 0; group_stats(s[k].report, i) && c < g[i].n; c++) {
					const char *name = g[i].names[c].name;

					if (!g[i].names[c].drop || strncmp(name, dir[d], 2))
						continue;
					fprintf(f, "pwire_%s_dropped_total{session=", dir[d]);
					prom_label(f, s[k].name);
					fprintf(f, ",reason=\"%s%s\"} %" PRIu64 "\n", g[i].prom, name,
						at(group_stats(s[k].report, i),
						   g[i].names[c].offset));
				}
	}
	for (size_t k = 0, said = 0; k < n; k++) {
		if (!s[k].report->path)
			continue;
		if (!said++)
			fputs("# HELP pwire_path_info the path a session runs on (kernel: the fast "
			      "path's programs; user: pwire's engine)\n# TYPE pwire_path_info gauge\n",
			      f);
		fputs("pwire_path_info{session=", f);
		prom_label(f, s[k].name);
		fprintf(f, ",path=\"%s\"} 1\n", s[k].report->path);
	}
	for (size_t k = 0; k < n; k++) {
		unsigned idle;

		if (!s[k].report->marks)
			continue;
		if (!printed_idle++)
			fputs("# HELP pwire_rx_idle_seconds seconds since the last frame from the "
			      "peer (+Inf: none yet)\n# TYPE pwire_rx_idle_seconds gauge\n",
			      f);
		fputs("pwire_rx_idle_seconds{session=", f);
		prom_label(f, s[k].name);
		if (rx_idle(s[k].report, &idle))
			fprintf(f, "} %u\n", idle);
		else
			fputs("} +Inf\n", f);
	}
}

void pw_print_sessions(FILE *f, const struct pw_show *s, size_t n, enum pw_show_format format)
{
	switch (format) {
	case PW_SHOW_TEXT:
		for (size_t k = 0; k < n; k++) {
			if (k)
				fputc('\n', f);
			show_text(f, &s[k]);
		}
		break;
	case PW_SHOW_JSON:
		fputs("{\"sessions\":[", f);
		for (size_t k = 0; k < n; k++) {
			if (k)
				fputc(',', f);
			show_json(f, &s[k]);
		}
		fputs("]}\n", f);
		break;
	case PW_SHOW_PROMETHEUS:
		show_prometheus(f, s, n);
		break;
	}
}
