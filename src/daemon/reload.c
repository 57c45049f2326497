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

static const char restart[] = "needs a restart: pwired runs unprivileged and cannot open a "
			      "TAP or a socket";

static int find(const struct pw_conf *conf, const char *name)
{
	for (unsigned i = 0; i < conf->n; i++)
		if (!strcmp(conf->links[i].name, name))
			return (int)i;
	return -1;
}

/* One section as pwired -n prints it; NULL when out of memory. */
static char *normalized(const struct pw_conf_link *l)
{
	struct pw_conf one = {1, (struct pw_conf_link *)l};
	char *text = NULL;
	size_t len;
	FILE *f = open_memstream(&text, &len);

	if (!f)
		return NULL;
	pw_conf_print(f, &one);
	if (fclose(f)) {
		free(text);
		return NULL;
	}
	return text;
}

static int same(const struct pw_conf_link *a, const struct pw_conf_link *b)
{
	char *ta = normalized(a), *tb = normalized(b);
	int r = ta && tb ? !strcmp(ta, tb) : -1;

	free(ta);
	free(tb);
	return r;
}

/* Append ", VERB NAME" (or "VERB NAME" first) to line. */
static void list(char *line, size_t len, size_t *at, const char *verb, const char *name)
{
	int n;

	if (*at >= len)
		return;
	n = snprintf(line + *at, len - *at, "%s%s %s", *at > 8 ? ", " : "", verb, name);
	*at += n > 0 ? (size_t)n : 0;
}

bool pw_reload_plan(const struct pw_conf *old, const struct pw_conf *new, const char *file,
		    struct pw_reload_plan *p, char *line, size_t len, struct pw_err *e)
{
	size_t at;

	*p = (struct pw_reload_plan){0};
	p->new_of_old = calloc(old->n ? old->n : 1, sizeof(*p->new_of_old));
	if (!p->new_of_old) {
		pw_err_set(e, "reload: %s", strerror(ENOMEM));
		return false;
	}
	at = (size_t)snprintf(line, len, "reload: ");
	for (unsigned j = 0; j < new->n; j++)
		if (find(old, new->links[j].name) < 0) {
			pw_err_set(e, "%s:%u: adding %s %s", file, new->links[j].line,
				   new->links[j].name, restart);
			p->added++;
		}
	for (unsigned i = 0; i < old->n; i++) {
		int j = find(new, old->links[i].name);

		p->new_of_old[i] = j;
		if (j < 0) {
			p->removed++;
			list(line, len, &at, "removed", old->links[i].name);
			continue;
		}
		switch (same(&old->links[i], &new->links[j])) {
		case 1:
			p->unchanged++;
			break;
		case 0:
			pw_err_set(e, "%s:%u: changing %s %s", file, new->links[j].line,
				   new->links[j].name, restart);
			p->changed++;
			break;
		default:
			pw_err_set(e, "reload: %s", strerror(ENOMEM));
			p->changed++;
		}
	}
	if (p->added || p->changed) {
		pw_reload_plan_free(p);
		return false;
	}
	if (at < len)
		snprintf(line + at, len - at, "%s%u unchanged", p->removed ? "; " : "",
			 p->unchanged);
	return true;
}

void pw_reload_plan_free(struct pw_reload_plan *p)
{
	free(p->new_of_old);
	p->new_of_old = NULL;
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
