/* SPDX-License-Identifier: MIT */
/*
 * reload.c: the plan of a reload (daemon/reload.h). Sections are matched by
 * name; two of the same name are the same pseudowire if their normalized
 * text (what pwired -n prints) is the same, word for word.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>

#include "daemon/reload.h"
#include "link/link.h"


static bool same_cookie(const struct pw_cookie *a, const struct pw_cookie *b)
{
	return a->len == b->len && !memcmp(a->bytes, b->bytes, a->len);
}

/* The same text, and the same cookies: a cookie_file's text is its path,
 * and the file may say something else now. */
static int same(const struct pw_conf_link *a, const struct pw_conf_link *b)
{
	char *ta, *tb;
	int r;

	/* The same bytes (a section copied: pwire add, set, del): the same. */
	if (!memcmp(&a->c, &b->c, sizeof(a->c)))
		return 1;
	ta = pw_conf_text(a);
	tb = pw_conf_text(b);
	r = ta && tb ? !strcmp(ta, tb) && same_cookie(&a->c.session.cookie, &b->c.session.cookie) &&
			       same_cookie(&a->c.session.peer_cookie, &b->c.session.peer_cookie)
		     : -1;

	free(ta);
	free(tb);
	return r;
}

/* pw_conf_find, looking first where a section that kept its place (or
 * moved by one: one added or removed before it) would be. */
static int find_near(const struct pw_conf *conf, const char *name, unsigned at)
{
	for (unsigned d = 0; d < 3; d++) {
		unsigned k = d == 0 ? at : d == 1 ? at - 1 : at + 1;

		if (k < conf->n && !strcmp(conf->links[k].name, name))
			return (int)k;
	}
	return pw_conf_find(conf, name);
}

/* Append ", VERB NAME" (or "VERB NAME" first) to line. */
static void list(char *line, size_t len, size_t *at, const char *verb, const char *name)
{
	int n;

	if (*at >= len)
		return;
	n = snprintf(line + *at, len - *at, "%s%s %s", *at ? ", " : "", verb, name);
	*at += n > 0 ? (size_t)n : 0;
}

/* The running section that stays whose socket new section c would need,
 * or -1. Two links with one encapsulation, local address and (UDP) port
 * share a socket (pw_link_open_all); one that comes later joins it
 * (pw_link_join). */
static int needs_kept_socket(const struct pw_conf *old, const struct pw_reload_plan *p,
			     const struct pw_config *c)
{
	struct pw_link_cfg a = { .session = c->session, .tap = c->tap, .xport = c->xport };

	for (unsigned i = 0; i < old->n; i++) {
		struct pw_link_cfg b;

		if (p->new_of_old[i] < 0)
			continue;
		b = (struct pw_link_cfg){ .session = old->links[i].c.session,
					  .tap = old->links[i].c.tap,
					  .xport = old->links[i].c.xport };
		if (pw_link_cfg_same_port(&a, &b))
			return (int)i;
	}
	return -1;
}

bool pw_reload_plan(const struct pw_conf *old, const struct pw_conf *new, const char *file,
		    struct pw_reload_plan *p, char *line, size_t len, struct pw_err *e)
{
	size_t at;
	bool ok = true;

	*p = (struct pw_reload_plan){0};
	p->new_of_old = calloc(old->n ? old->n : 1, sizeof(*p->new_of_old));
	p->to_open = calloc(new->n ? new->n : 1, sizeof(*p->to_open));
	p->join = calloc(new->n ? new->n : 1, sizeof(*p->join));
	if (!p->new_of_old || !p->to_open || !p->join) {
		pw_reload_plan_free(p);
		pw_err_set(e, "reload: %s", strerror(ENOMEM));
		return false;
	}
	at = 0;
	if (len)
		line[0] = '\0';
	for (unsigned i = 0; i < old->n; i++) {
		int j = find_near(new, old->links[i].name, i), same_text = j < 0 ? 0 :
			same(&old->links[i], &new->links[j]);

		if (same_text < 0) {
			pw_reload_plan_free(p);
			pw_err_set(e, "reload: %s", strerror(ENOMEM));
			return false;
		}
		p->new_of_old[i] = same_text ? j : -1;
		if (j < 0) {
			p->removed++;
			list(line, len, &at, "removed", old->links[i].name);
		} else if (same_text) {
			p->unchanged++;
		}
	}
	for (unsigned j = 0; j < new->n; j++) {
		const struct pw_conf_link *l = &new->links[j];
		int i = find_near(old, l->name, j), k;

		if (i >= 0 && p->new_of_old[i] >= 0)
			continue;
		/* The ring is set up before the drop (vnic/tap.c, cli/privs.c). */
		if (l->c.tap.io_uring) {
			pw_err_set(e, "%s:%u: %s %s with io_uring on: that needs a restart (its "
				      "ring is set up before pwired drops its privileges)",
				   file, l->line, i < 0 ? "adding" : "changing", l->name);
			ok = false;
		}
		/* Both in this file: conf.c saw to it that they can share. */
		k = needs_kept_socket(old, p, &l->c);
		p->join[p->n_open] = k;
		if (i < 0)
			p->added++;
		else
			p->changed++;
		list(line, len, &at, i < 0 ? "added" : "changed", l->name);
		p->to_open[p->n_open++] = j;
	}
	if (!ok) {
		pw_reload_plan_free(p);
		return false;
	}
	if (at < len)
		snprintf(line + at, len - at, "%s%u unchanged", at ? "; " : "", p->unchanged);
	return true;
}

void pw_reload_plan_free(struct pw_reload_plan *p)
{
	free(p->new_of_old);
	free(p->to_open);
	free(p->join);
	p->new_of_old = NULL;
	p->to_open = NULL;
	p->join = NULL;
}

int pw_reload_signal_open(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &set, NULL))
		return -1;
	return signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
}
