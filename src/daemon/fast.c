/* SPDX-License-Identifier: MIT */
/*
 * fast.c: a pwired section's fast path (fast.h): whether its words let it
 * have one, opening and closing it through the privileged helper, and its
 * counters.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/parse.h"
#include "daemon/fast.h"
#include "link/link.h"

/* Why section c cannot run on the fast path (pw_fast_why_not: its words
 * alone, no kernel asked), or NULL. */
static const char *why_not(const struct pw_config *c)
{
	static struct pw_link_cfg lc; /* large (vhost_path): one thread asks */

	lc = (struct pw_link_cfg){ .session = c->session, .has_impair = c->has_impair };
	snprintf(lc.vhost_path, sizeof(lc.vhost_path), "%s", c->vhost_path);
	return pw_fast_why_not(&lc);
}

bool pw_daemon_fast_qualify(const struct pw_conf *conf, const unsigned *at, unsigned n,
			    struct pw_err *e)
{
	for (unsigned k = 0; k < n; k++) {
		const struct pw_conf_link *cl = &conf->links[at ? at[k] : k];
		const char *why = cl->c.fastpath == PW_FASTPATH_ON ? why_not(&cl->c) : NULL;

		if (why) {
			pw_err_set(e, "[%s] fastpath on: the session does not qualify: %s",
				   cl->name, why);
			return false;
		}
	}
	return true;
}

bool pw_daemon_fast_open(struct pw_daemon_fast *f, struct pw_priv *p,
			 const struct pw_conf_link *cl, const char *tap, unsigned mtu)
{
	const struct pw_config *c = &cl->c;
	const char *why = why_not(c);
	struct pw_priv_fast pf;
	struct pw_err err;
	int fd;

	*f = (struct pw_daemon_fast){ 0 };
	if (c->fastpath == PW_FASTPATH_OFF)
		return true;
	pw_err_init(&err);
	if (why) {
		pw_err_set(&err, "the session does not qualify: %s", why);
	} else {
		fd = pw_priv_fast_open(p, c, tap, mtu, &pf, &err);
		if (fd >= 0) {
			f->view = pw_fast_view_open(fd, pf.ncpus, &err);
			close(fd);
			if (!f->view)
				pw_priv_fast_close(p, pf.id);
		}
	}
	if (!f->view && c->fastpath == PW_FASTPATH_ON) {
		pw_error("[%s] %s: fastpath on: %s", cl->name, c->shown, pw_err_msg(&err));
		return false;
	}
	if (!f->view) {
		fprintf(stderr, "pwired: [%s] %s: fastpath auto: the userspace engine: %s\n",
			cl->name, c->shown, why ? why : pw_err_msg(&err));
		return true;
	}
	for (unsigned i = 0; i < pw_err_kept(err.n_warn); i++)
		pw_warn("[%s] %s", cl->name, err.warn[i]);
	f->id = pf.id;
	snprintf(f->underlay, sizeof(f->underlay), "%s", pf.underlay);
	return true;
}

void pw_daemon_fast_close(struct pw_daemon_fast *f, struct pw_priv *p,
			  const struct pw_conf_link *cl)
{
	int err;

	if (!f->view)
		return;
	pw_fast_view_close(f->view);
	f->view = NULL;
	err = pw_priv_fast_close(p, f->id);
	if (err < 0)
		pw_error("[%s] fastpath: detaching: %s", cl->name, strerror(-err));
}

void pw_daemon_fast_sum(struct pw_daemon_fast *f, struct pw_session_stats *s)
{
	if (!f->view)
		return;
	pw_fast_view_stats(f->view, &f->stats);
	pw_fast_add_carried(&f->stats, s);
}
