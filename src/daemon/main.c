/* SPDX-License-Identifier: MIT */
/*
 * main.c: pwired, every pseudowire of pwire.conf (daemon/conf.h) in one
 * process: open them all as links (link/link.h) through the privileged
 * helper (daemon/priv.h), drop privileges once, run them in one epoll loop
 * (dp/loop.h) beside the signals and the drop log's timer. SIGUSR1 prints
 * every link's counters, SIGINT and SIGTERM print them and stop, SIGHUP
 * re-reads the file and applies the difference (daemon/reload.h), as do
 * the control socket's reload, add, set and del. `pwire show` asks through the control socket
 * (daemon/control.h), a Prometheus scraper over HTTP (-m: daemon/metrics.h)
 * and systemd's readiness protocol (daemon/notify.h), all in the same loop.
 * Foreground only (-f), as systemd runs it.
 */
#include <errno.h>
#include <limits.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "cli/cmd.h"
#include "cli/config.h"
#include "cli/parse.h"
#include "cli/print.h"
#include "cli/privs.h"
#include "daemon/conf.h"
#include "daemon/control.h"
#include "daemon/fast.h"
#include "daemon/metrics.h"
#include "daemon/notify.h"
#include "daemon/priv.h"
#include "daemon/reload.h"
#include "dp/loop.h"
#include "link/link.h"

static const char usage[] =
    "usage: pwired [-c FILE] [-s SOCKET] [-g GROUP] [-m ADDRESS:PORT] [-n] [-f] [-h] [-V]\n"
    "\n"
    "Run every L2TPv3 Ethernet pseudowire of a pwire.conf(5) file in one process.\n"
    "\n"
    "  -c FILE  the configuration (default "
    "/etc/pwire/pwire.conf"
    ")\n"
    "  -s SOCKET\n"
    "           the control socket pwire show talks to (default\n"
    "           " PW_CTL_PATH_DEFAULT ", made root-only)\n"
    "  -g GROUP the control socket is GROUP's too (mode 0660): its members\n"
    "           may use pwire show and pwire reload (add, set, del: root only)\n"
    "  -m ADDRESS:PORT\n"
    "           serve Prometheus metrics over HTTP at /metrics (the same as\n"
    "           pwire show --prometheus); [IPV6]:PORT, or :PORT for any IPv4\n"
    "  -n       check the configuration, print it normalized and exit (0, or 2\n"
    "           with one line naming the file, line, key and bad value)\n"
    "  -f       run in the foreground (the only mode for now) until SIGINT or\n"
    "           SIGTERM; SIGUSR1 prints every pseudowire's counters; SIGHUP\n"
    "           re-reads FILE and applies the difference (pwire add, set\n"
    "           and del change the running pseudowires too)\n"
    "  -h       this help\n"
    "  -V       print the version\n";

enum { DROP_LOG_SECONDS = 1 };

struct run;

/* One pseudowire while it runs, with what its reports need. */
struct run_link {
	struct run *r;
	const struct pw_conf_link *cl;
	struct pw_link *link;
	struct pw_link_stats stats;
	struct pw_session session;
	struct pw_report report;
	struct pw_drop_marks marks;
	struct pw_daemon_fast fast; /* fastpath on or auto, and the kernel carries it */
};

struct run {
	const char *file; /* what SIGHUP re-reads */
	struct pw_conf conf;
	struct run_link *links;
	struct pw_loop *loop;
	const char *sock; /* the control socket (-s) */
	char run_dir[PW_VHOST_PATH_MAX]; /* its directory: vhost-user sockets go there */
	bool has_group;   /* -g */
	gid_t group;
	struct pw_ctl *ctl;
	struct pw_notify *notify; /* systemd's NOTIFY_SOCKET, if set */
	const struct sockaddr_storage *metrics_at; /* -m, or NULL */
	struct pw_metrics *metrics;
	struct pw_priv *priv; /* opens what the unprivileged data path cannot */
	int sfd, tfd, hfd;
	int rc;
};

static void refresh(struct run_link *rl)
{
	pw_link_stats(rl->link, &rl->stats);
	rl->session.stats = rl->stats.session;
	pw_daemon_fast_sum(&rl->fast, &rl->session.stats);
	rl->report.last_bad_session = rl->stats.last_bad_session;
	rl->report.last_tx_errno = rl->stats.last_tx_errno;
	rl->report.vhost_why = rl->stats.vhost_why;
}

static void print_all(struct run *r)
{
	for (unsigned i = 0; i < r->conf.n; i++) {
		refresh(&r->links[i]);
		printf("[%s]\n", r->links[i].cl->name);
		pw_print_counters(stdout, &r->links[i].report, false);
	}
}

static int on_signal(void *data, uint32_t events)
{
	struct run *r = data;
	struct signalfd_siginfo si;

	(void)events;
	while (read(r->sfd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGUSR1) {
			print_all(r);
		} else {
			r->rc = PW_EXIT_OK;
			pw_loop_stop(r->loop);
		}
	}
	return 0;
}

static int on_timer(void *data, uint32_t events)
{
	struct run *r = data;
	uint64_t ticks;

	(void)events;
	if (read(r->tfd, &ticks, sizeof(ticks)) != sizeof(ticks))
		return 0;
	pw_ctl_tick(r->ctl);
	pw_metrics_tick(r->metrics);
	for (unsigned i = 0; i < r->conf.n; i++) {
		refresh(&r->links[i]);
		pw_print_drops(stderr, &r->links[i].report, &r->links[i].marks, DROP_LOG_SECONDS);
	}
	return 0;
}

/* Its counters' report: pointers into rl and its section. */
static void link_report(struct run_link *rl)
{
	const struct pw_config *c = &rl->cl->c;

	rl->report = (struct pw_report){
		.ifname = c->vhost_path[0] ? c->shown : c->tap.name,
		.vhost = c->vhost_path[0] ? &rl->stats.vhost : NULL,
		.session = &rl->session,
		.tunnel = &rl->stats.tunnel,
		.vnic = &rl->stats.vnic,
		.queues = c->tap.queues > 1 ? rl->stats.queues : NULL,
		.queue_sockbuf_drops = rl->stats.sockbuf_drops,
		.n_queues = c->tap.queues,
		.marks = &rl->marks,
		.path = c->fastpath == PW_FASTPATH_OFF ? NULL : rl->fast.view ? "kernel" : "user",
		.fast = rl->fast.view ? &rl->fast.stats : NULL,
	};
}

/* rl's fast path, on the TAP its link just opened. */
static bool link_fast_open(struct run_link *rl)
{
	return pw_daemon_fast_open(&rl->fast, rl->r->priv, rl->cl, pw_link_ifname(rl->link),
				   pw_link_mtu(rl->link));
}

static int on_link_failed(void *data, uint32_t events);

/* Open the links of conf's sections at[0..n) into links[at[k]] (through
 * the privileged helper); those on one socket share it. False with the
 * reason logged, nothing open and *bad the k at fault. */
static bool open_links(struct run *r, const struct pw_conf *conf, struct run_link *links,
		       const unsigned *at, unsigned n, unsigned *bad)
{
	struct pw_link_cfg *lc = calloc(n ? n : 1, sizeof(*lc));
	struct pw_link **opened = calloc(n ? n : 1, sizeof(*opened));
	const struct pw_conf_link *cl;
	struct pw_err err;
	unsigned failed = 0;
	bool ok = lc && opened;

	*bad = 0;
	if (!ok)
		pw_error("%s", strerror(ENOMEM));
	for (unsigned k = 0; ok && k < n; k++) {
		*bad = k;
		cl = &conf->links[at[k]];
		links[at[k]].r = r;
		links[at[k]].cl = cl;
		pw_err_init(&err);
		ok = pw_priv_link_cfg(r->priv, &cl->c, &lc[k], &err);
		for (unsigned i = 0; i < pw_err_kept(err.n_warn); i++)
			pw_warn("[%s] %s", cl->name, err.warn[i]);
		if (!ok)
			pw_error("[%s] %s", cl->name, pw_err_msg(&err));
	}
	pw_err_init(&err);
	if (ok && !pw_link_open_all(lc, n, opened, &failed, &err)) {
		*bad = failed;
		cl = &conf->links[at[failed]];
		if (*pw_priv_why(r->priv)) {
			pw_error("[%s] vnic tap:%s: %s exists and %s", cl->name, cl->c.shown,
				 cl->c.shown, pw_priv_why(r->priv));
			r->rc = PW_EXIT_USAGE;
		} else {
			pw_error("[%s] %s", cl->name, pw_err_msg(&err));
		}
		ok = false;
	}
	for (unsigned k = 0; ok && k < n; k++)
		links[at[k]].link = opened[k];
	free(lc);
	free(opened);
	return ok;
}

/* Open conf's section j as one more member of the running share that
 * member belongs to (the socket it needs is that one). */
static bool join_link(struct run *r, const struct pw_conf *conf, struct run_link *links,
		      unsigned j, struct pw_link *member)
{
	const struct pw_conf_link *cl = &conf->links[j];
	struct pw_link_cfg lc;
	struct pw_err err;

	links[j].r = r;
	links[j].cl = cl;
	pw_err_init(&err);
	if (!pw_priv_link_cfg(r->priv, &cl->c, &lc, &err)) {
		pw_error("[%s] %s", cl->name, pw_err_msg(&err));
		return false;
	}
	for (unsigned i = 0; i < pw_err_kept(err.n_warn); i++)
		pw_warn("[%s] %s", cl->name, err.warn[i]);
	pw_err_init(&err);
	links[j].link = pw_link_join(member, &lc, &err);
	if (links[j].link)
		return true;
	if (*pw_priv_why(r->priv))
		pw_error("[%s] vnic tap:%s: %s exists and %s", cl->name, cl->c.shown, cl->c.shown,
			 pw_priv_why(r->priv));
	else
		pw_error("[%s] %s", cl->name, pw_err_msg(&err));
	return false;
}

/* Watch a link opened (its failures), note what its reports need. */
static int link_watch(struct run_link *rl)
{
	rl->session.cfg = *pw_link_session(rl->link);
	link_report(rl);
	return pw_loop_watch(rl->r->loop, pw_link_fail_fd(rl->link), EPOLLIN, on_link_failed, rl);
}

/* Start a link opened, in the daemon's loop, and say so. */
static bool link_up(struct run_link *rl)
{
	struct pw_watcher w = pw_loop_watcher(rl->r->loop);
	const struct pw_config *c = &rl->cl->c;
	struct pw_err err;
	char layout[320];

	pw_err_init(&err);
	if (pw_link_start(rl->link, &w, &err)) {
		pw_error("[%s] %s", rl->cl->name, pw_err_msg(&err));
		return false;
	}
	pw_config_layout(c, pw_link_mtu(rl->link), layout, sizeof(layout));
	if (rl->fast.view)
		fprintf(stderr, "pwired: [%s] %s up: %s, queues %u, path kernel (TC programs on %s "
			"and %s)\n", rl->cl->name, c->shown, layout, c->tap.queues,
			pw_link_ifname(rl->link), rl->fast.underlay);
	else
		fprintf(stderr, "pwired: [%s] %s up: %s, queues %u%s\n", rl->cl->name, c->shown,
			layout, c->tap.queues,
			c->fastpath != PW_FASTPATH_OFF ? ", path user" : "");
	return true;
}


/* Run conf (taken) instead of the running configuration: removed and
 * changed sections' links closed (their TAPs go), added and changed ones
 * opened and started, the others untouched: the same pw_link, only its
 * run_link moved to the new array (daemon/reload.h). Sections that cannot
 * be opened (a port taken, a device that is not a TAP) are left out of
 * what runs, and said so: 1 then (the rest is applied); -1 when the change
 * is refused and nothing changed. file names conf in messages. */
static int apply(struct run *r, struct pw_conf conf, const char *file, struct pw_err *e,
		 char *line, size_t size)
{
	struct pw_reload_plan p;
	struct run_link *links;
	unsigned n = 0, fresh = 0, bad;
	bool opened, fast_failed = false;

	links = calloc(conf.n ? conf.n : 1, sizeof(*links));
	if (!links || !pw_reload_plan(&r->conf, &conf, file, &p, line, size, e)) {
		if (!links)
			pw_err_set(e, "reload: %s", strerror(ENOMEM));
		free(links);
		pw_conf_free(&conf);
		return -1;
	}
	/* `fastpath on` where the words say it cannot be: refused whole. */
	if (!pw_daemon_fast_qualify(&conf, p.to_open, p.n_open, e)) {
		pw_reload_plan_free(&p);
		free(links);
		pw_conf_free(&conf);
		return -1;
	}
	/* What goes, first: a changed section's TAP and port are its own. */
	for (unsigned i = 0; i < r->conf.n; i++) {
		struct run_link *rl = &r->links[i];
		int j = p.new_of_old[i];

		pw_loop_unwatch(r->loop, pw_link_fail_fd(rl->link));
		if (j < 0) {
			/* Its programs off before its TAP goes. */
			pw_daemon_fast_close(&rl->fast, rl->r->priv, rl->cl);
			pw_link_close(rl->link);
		} else {
			links[j] = *rl;
		}
	}
	/* Those that join a running socket one by one, the others together
	 * (new ones on one socket share it). */
	opened = true;
	for (unsigned k = 0; k < p.n_open; k++) {
		int o = p.join[k];

		if (o < 0)
			p.to_open[fresh++] = p.to_open[k];
		else if (!join_link(r, &conf, links, p.to_open[k], links[p.new_of_old[o]].link))
			opened = false;
	}
	/* One that cannot be opened is left out (its reason logged), and the
	 * others tried again without it. */
	while (fresh && !open_links(r, &conf, links, p.to_open, fresh, &bad)) {
		opened = false;
		memmove(&p.to_open[bad], &p.to_open[bad + 1],
			(fresh - bad - 1) * sizeof(p.to_open[0]));
		fresh--;
	}
	if (!opened)
		pw_err_set(e, "applied, but what it adds or changes could not be opened (the log "
			   "says why): not running");
	/* What runs now, in file order; the links watched where they are. */
	for (unsigned j = 0; j < conf.n; j++) {
		if (!links[j].link)
			continue;
		conf.links[n] = conf.links[j];
		links[n] = links[j];
		links[n].cl = &conf.links[n];
		int err = link_watch(&links[n]);

		if (err)
			pw_error("[%s] epoll: %s", conf.links[n].name, strerror(-err));
		n++;
	}
	conf.n = n;
	for (unsigned j = 0; j < conf.n; j++) {
		bool is_new = true;

		for (unsigned i = 0; is_new && i < r->conf.n; i++)
			is_new = links[j].link != r->links[i].link;
		if (is_new && !link_fast_open(&links[j])) {
			pw_link_stop(links[j].link); /* fastpath on, refused: logged */
			fast_failed = true;
			continue;
		}
		if (is_new)
			link_report(&links[j]); /* its path and fast counters */
		if (is_new && !link_up(&links[j]))
			pw_link_stop(links[j].link);
	}
	pw_reload_plan_free(&p);
	free(r->links);
	pw_conf_free(&r->conf);
	r->conf = conf;
	r->links = links;
	if (fast_failed)
		pw_err_set(e, "applied, but a section's fast path (fastpath on) could not be opened "
			   "(the log says why): not running");
	return opened && !fast_failed ? 0 : 1;
}

/* A copy of the running configuration without its section skip (-1:
 * none) and with room for one more. */
static bool conf_copy(const struct pw_conf *from, int skip, struct pw_conf *to)
{
	to->n = 0;
	to->links = calloc(from->n + 1, sizeof(*to->links));
	if (!to->links)
		return false;
	for (unsigned i = 0; i < from->n; i++)
		if ((int)i != skip)
			to->links[to->n++] = from->links[i];
	return true;
}

/* Whether the KEY VALUE words give key (the first kl bytes of line, as
 * pwired -n spells it), by its name or an alias. */
/* The next KEY VALUE of a request's words (control.h: one space between
 * words, in pairs), its key and value as lengths; false at the end. */
static bool next_pair(const char **w, const char **key, size_t *kl, const char **val,
		      size_t *vl)
{
	if (!**w)
		return false;
	*key = *w;
	*kl = strcspn(*key, " ");
	*val = *key + *kl + 1;
	*vl = strcspn(*val, " ");
	*w = *val + *vl;
	*w += **w == ' ';
	return true;
}

static bool words_give(const char *words, const char *line, size_t kl)
{
	const char *key, *val;
	size_t l, vl;

	while (next_pair(&words, &key, &l, &val, &vl)) {
		char name[PW_CTL_REQ_MAX];
		const char *canon;

		snprintf(name, sizeof(name), "%.*s", (int)l, key);
		canon = pw_words_canonical(name);
		if (strlen(canon) == kl && !memcmp(canon, line, kl))
			return true;
	}
	return false;
}

/* The text of section `name` for the helper to parse: base's (set: the
 * running section as pwired -n prints it) without the keys words give,
 * then words as KEY = VALUE lines. NULL when out of memory. */
static char *section_text(const struct pw_conf_link *base, const char *name, const char *words)
{
	char *text = NULL, *old = base ? pw_conf_text(base) : NULL, *line, *save;
	size_t len, kl, vl;
	FILE *f;

	if (base && !old)
		return NULL;
	f = open_memstream(&text, &len);
	if (!f) {
		free(old);
		return NULL;
	}
	fprintf(f, "[%s]\n", name);
	for (line = old ? strtok_r(old, "\n", &save) : NULL; line;
	     line = strtok_r(NULL, "\n", &save)) {
		bool peer = !strncmp(line, "peer_cookie_file ", 17);

		kl = strcspn(line, " =");

		if (line[0] == '[' || words_give(words, line, kl))
			continue;
		/* The helper reads no file for a client's text: the cookie a
		 * cookie_file gave, as digits (unless words give one). */
		if (peer || !strncmp(line, "cookie_file ", 12)) {
			const struct pw_cookie *c = peer ? &base->c.session.peer_cookie :
							   &base->c.session.cookie;

			if (!words_give(words, peer ? "peer_cookie" : "cookie", peer ? 11 : 6))
				pw_conf_print_cookie(f, peer ? "peer_cookie" : "cookie", c);
			continue;
		}
		fprintf(f, "%s\n", line);
	}
	free(old);
	for (const char *w = words, *key, *val; next_pair(&w, &key, &kl, &val, &vl);)
		fprintf(f, "%.*s = %.*s\n", (int)kl, key, (int)vl, val);
	if (fclose(f)) {
		free(text);
		return NULL;
	}
	return text;
}

/* What add, del or set makes of the running configuration, into conf;
 * false with the reason in e. */
static bool compose(struct run *r, const struct pw_ctl_req *req, struct pw_conf *conf,
		    struct pw_err *e)
{
	const char *cmd = pw_ctl_cmd_name(req->cmd);
	int at = pw_conf_find(&r->conf, req->name);
	struct pw_conf one;
	char *text;
	bool ok;

	if (req->cmd == PW_CTL_ADD ? at >= 0 : at < 0) {
		pw_err_set(e, "%s: %s %s", cmd, req->name,
			   at >= 0 ? "runs already (set changes it)" : "is not running");
		return false;
	}
	if (!conf_copy(&r->conf, req->cmd == PW_CTL_ADD ? -1 : at, conf)) {
		pw_err_set(e, "%s: %s", cmd, strerror(ENOMEM));
		return false;
	}
	if (req->cmd == PW_CTL_DEL)
		return true;
	text = section_text(at >= 0 ? &r->conf.links[at] : NULL, req->name, req->words);
	if (!text) {
		pw_err_set(e, "%s: %s", cmd, strerror(ENOMEM));
		pw_conf_free(conf);
		return false;
	}
	ok = pw_priv_parse(r->priv, text, &one, e);
	free(text);
	if (ok && one.n != 1) {
		pw_err_set(e, "%s %s: one section, not %u", cmd, req->name, one.n);
		ok = false;
	}
	if (ok && !pw_conf_fits(conf, -1, &one.links[0], "control", e))
		ok = false;
	if (ok) {
		/* set: where it was, so show keeps its order; add: last. */
		unsigned to = at >= 0 ? (unsigned)at : conf->n;

		memmove(&conf->links[to + 1], &conf->links[to],
			(conf->n - to) * sizeof(conf->links[0]));
		conf->links[to] = one.links[0];
		conf->n++;
	}
	pw_conf_free(&one);
	if (!ok)
		pw_conf_free(conf);
	return ok;
}

/* A reload (req NULL: SIGHUP) or a control request's add, del or set:
 * the configuration it makes applied, systemd told (Type=notify), every
 * reason it was refused or fell short logged, one line to the client
 * (reply, when not NULL): "ok: reload: removed vm2; 1 unchanged". */
static void change(struct run *r, const struct pw_ctl_req *req, FILE *reply)
{
	const char *what = pw_ctl_cmd_name(req ? req->cmd : PW_CTL_RELOAD);
	struct pw_conf conf;
	struct pw_err err;
	char line[256];
	const char *why;
	int rc = -1;

	pw_err_init(&err);
	pw_notify(r->notify, "RELOADING=1");
	if (req && req->cmd != PW_CTL_RELOAD ? compose(r, req, &conf, &err) :
					      pw_priv_conf(r->priv, &conf, r->file, &err))
		rc = apply(r, conf, req && req->cmd != PW_CTL_RELOAD ? "control" : r->file, &err,
			   line, sizeof(line));
	if (rc >= 0)
		fprintf(stderr, "pwired: %s: %s\n", what, line);
	pw_notify(r->notify, "READY=1\nSTATUS=%u pseudowires up; %s%s%.300s", r->conf.n, what,
		  rc < 0 ? " refused: " : ": ", rc ? pw_err_msg(&err) : line);
	why = rc < 0 ? "refused, the running configuration kept: " : "";
	for (unsigned i = 0; i < pw_err_kept(err.n_err); i++)
		pw_error("%s %s%s", what, why, err.err[i]);
	if (err.n_err > PW_ERR_KEEP)
		pw_error("%s: %u more reasons not kept", what, err.n_err - PW_ERR_KEEP);
	if (reply && !rc)
		fprintf(reply, "ok: %s: %s\n", what, line);
	else if (reply)
		fprintf(reply, "error: %s %s%s\n", what, why, pw_err_msg(&err));
}

static int on_hup(void *data, uint32_t events)
{
	struct run *r = data;
	struct signalfd_siginfo si;

	(void)events;
	while (read(r->hfd, &si, sizeof(si)) == sizeof(si))
		change(r, NULL, NULL);
	return 0;
}

/* A control request: reload, add, del, set, or show every link's counters
 * as of now. */
static void on_show(void *data, FILE *f, const struct pw_ctl_req *req)
{
	struct run *r = data;
	size_t n = r->conf.n ? r->conf.n : 1;
	struct pw_show *s;
	struct pw_show_text *t;

	if (req->cmd != PW_CTL_SHOW) {
		change(r, req, f);
		return;
	}
	s = calloc(n, sizeof(*s));
	t = calloc(n, sizeof(*t));

	for (unsigned i = 0; s && t && i < r->conf.n; i++) {
		refresh(&r->links[i]);
		pw_show_init(&s[i], &t[i], r->links[i].cl->name, &r->links[i].cl->c,
			     &r->links[i].report);
	}
	if (s && t)
		pw_print_sessions(f, s, r->conf.n, req->format);
	else
		fputs("error: out of memory\n", f);
	free(t);
	free(s);
}

/* A link stopped on its own (its vNIC went away): the others keep running. */
static int on_link_failed(void *data, uint32_t events)
{
	struct run_link *rl = data;
	int err = pw_link_error(rl->link);
	eventfd_t v;

	(void)events;
	eventfd_read(pw_link_fail_fd(rl->link), &v);
	if (!err)
		return 0;
	pw_error("[%s] %s: data path stopped: %s%s", rl->cl->name, rl->cl->c.shown, strerror(-err),
		 err == -EBADFD ? " (the device was deleted)" : "");
	pw_loop_unwatch(rl->r->loop, pw_link_fail_fd(rl->link));
	pw_link_stop(rl->link);
	return 0;
}

/* Open every section's link. */
static bool open_all(struct run *r)
{
	unsigned *at = calloc(r->conf.n, sizeof(*at)), bad;
	bool ok;

	if (!at) {
		pw_error("%s", strerror(ENOMEM));
		return false;
	}
	for (unsigned i = 0; i < r->conf.n; i++)
		at[i] = i;
	ok = open_links(r, &r->conf, r->links, at, r->conf.n, &bad);
	free(at);
	return ok;
}

/* Open every link, drop privileges, start them, run until a signal. */
static int run(struct run *r)
{
	const struct pw_config *first = &r->conf.links[0].c;
	struct pw_privs privs = {.user = "", .helper_fd = -1};
	struct pw_ctl_cfg ctl_cfg = {.path = r->sock, .has_group = r->has_group, .group = r->group};
	struct pw_err err;
	unsigned busy_poll = 0;

	/* conf.c saw to it that every section names the same user. */
	if ((first->user[0] || geteuid() == 0) && !pw_privs_resolve(&privs, first->user))
		return first->user[0] ? PW_EXIT_USAGE : PW_EXIT_FAIL;
	r->links = calloc(r->conf.n, sizeof(*r->links));
	r->loop = pw_loop_new();
	r->sfd = pw_signals_open(false);
	r->tfd = pw_timer_open(DROP_LOG_SECONDS);
	r->hfd = pw_reload_signal_open();
	if (!r->links || !r->loop || r->sfd < 0 || r->tfd < 0 || r->hfd < 0) {
		pw_error("signalfd/timerfd/epoll: %s", strerror(errno));
		goto out;
	}
	if (pw_loop_watch(r->loop, r->sfd, EPOLLIN, on_signal, r) ||
	    pw_loop_watch(r->loop, r->tfd, EPOLLIN, on_timer, r) ||
	    pw_loop_watch(r->loop, r->hfd, EPOLLIN, on_hup, r)) {
		pw_error("epoll: %s", strerror(errno));
		goto out;
	}
	/* The helper first, before any link or thread (it keeps only stdio
	 * and its channel): every link, now and at a reload, add or set, is
	 * opened through it. */
	pw_err_init(&err);
	r->priv = pw_priv_start(r->file, r->run_dir, &err);
	if (!r->priv) {
		pw_error("%s", pw_err_msg(&err));
		goto out;
	}
	pw_err_init(&err);
	if (!pw_daemon_fast_qualify(&r->conf, NULL, r->conf.n, &err)) {
		pw_error("%s", pw_err_msg(&err));
		r->rc = PW_EXIT_USAGE; /* as pwire up's, before anything is made */
		goto out;
	}
	if (!open_all(r))
		goto out;
	for (unsigned i = 0; i < r->conf.n; i++) {
		const struct pw_config *c = &r->conf.links[i].c;

		if (!link_fast_open(&r->links[i]))
			goto out;
		int err = link_watch(&r->links[i]);

		if (err) {
			pw_error("epoll: %s", strerror(-err));
			goto out;
		}
		privs.io_uring |= c->tap.io_uring;
		if (c->busy_poll_us > busy_poll)
			busy_poll = c->busy_poll_us;
	}
	/* The control socket is root's: open it before the drop. */
	pw_err_init(&err);
	ctl_cfg.self = geteuid() == 0 && !privs.keep_root ? privs.uid : geteuid();
	r->ctl = pw_ctl_open(&ctl_cfg, &err);
	if (!r->ctl) {
		pw_error("%s", pw_err_msg(&err));
		goto out;
	}
	/* The metrics' listening socket too (-m). */
	if (r->metrics_at) {
		pw_err_init(&err);
		r->metrics = pw_metrics_open(r->metrics_at, on_show, r, &err);
		if (!r->metrics) {
			pw_error("%s", pw_err_msg(&err));
			goto out;
		}
		privs.metrics = true;
	}
	/* systemd's socket too: after the drop, only sendto() reaches it. */
	pw_err_init(&err);
	r->notify = pw_notify_open(&err);
	if (err.n_err) {
		pw_error("%s", pw_err_msg(&err));
		goto out;
	}
	/* Everything is open and no thread runs yet: all inherit the drop;
	 * what opens later goes through the helper's channel. */
	privs.pwired = true;
	privs.helper_fd = pw_priv_fd(r->priv);
	/* A pseudowire added later may have a vhost-user vNIC. */
	privs.vhost = privs.vhost_client = true;
	if (!pw_privs_drop(&privs, "pwired"))
		goto out;
	pw_loop_busy_poll(r->loop, busy_poll);
	if (pw_ctl_start(r->ctl, r->loop, on_show, r) ||
	    (r->metrics && pw_metrics_start(r->metrics, r->loop))) {
		pw_error("epoll: %s", strerror(errno));
		goto out;
	}
	for (unsigned i = 0; i < r->conf.n; i++)
		if (!link_up(&r->links[i]))
			goto out;
	pw_notify(r->notify, "READY=1\nSTATUS=%u pseudowires up", r->conf.n);
	r->rc = PW_EXIT_FAIL;
	if (pw_loop_run(r->loop))
		pw_error("epoll: %s", strerror(errno));
	pw_notify(r->notify, "STOPPING=1");
	for (unsigned i = 0; i < r->conf.n; i++)
		pw_link_stop(r->links[i].link);
	print_all(r);
out:
	for (unsigned i = 0; r->links && i < r->conf.n; i++) {
		/* Detached, and waited for, before pwired ends. */
		pw_daemon_fast_close(&r->links[i].fast, r->priv, r->links[i].cl);
		pw_link_close(r->links[i].link);
	}
	free(r->links);
	pw_ctl_close(r->ctl);
	pw_metrics_close(r->metrics);
	pw_notify_close(r->notify);
	pw_priv_close(r->priv);
	pw_loop_free(r->loop);
	if (r->tfd >= 0)
		close(r->tfd);
	if (r->sfd >= 0)
		close(r->sfd);
	if (r->hfd >= 0)
		close(r->hfd);
	return r->rc;
}

int main(int argc, char **argv)
{
	const char *file = "/etc/pwire/pwire.conf", *sock = PW_CTL_PATH_DEFAULT;
	bool check = false, foreground = false;
	struct run r = {.sfd = -1, .tfd = -1, .hfd = -1, .rc = PW_EXIT_FAIL};
	struct sockaddr_storage metrics_at;
	struct pw_err err;
	bool ok;
	int opt;

	while ((opt = getopt(argc, argv, "c:s:g:m:nfhV")) != -1) {
		switch (opt) {
		case 'g': {
			const struct group *g = getgrnam(optarg);
			char *end;
			unsigned long id = strtoul(optarg, &end, 10);

			if (!g && (end == optarg || *end || id >= UINT32_MAX)) {
				pw_error("bad value for -g: '%s' (no such group)", optarg);
				return PW_EXIT_USAGE;
			}
			r.has_group = true;
			r.group = g ? g->gr_gid : (gid_t)id;
			break;
		}
		case 'm':
			pw_err_init(&err);
			if (!pw_metrics_parse(optarg, &metrics_at, &err)) {
				pw_error("%s", pw_err_msg(&err));
				return PW_EXIT_USAGE;
			}
			r.metrics_at = &metrics_at;
			break;
		case 'c':
			file = optarg;
			break;
		case 's':
			sock = optarg;
			break;
		case 'n':
			check = true;
			break;
		case 'f':
			foreground = true;
			break;
		case 'h':
			fputs(usage, stdout);
			return PW_EXIT_OK;
		case 'V':
			printf("pwired %s\n", PWIRE_VERSION);
			return PW_EXIT_OK;
		default:
			fputs(usage, stderr);
			return PW_EXIT_USAGE;
		}
	}
	if (optind < argc) {
		pw_error("unexpected argument '%s' (see pwired -h)", argv[optind]);
		return PW_EXIT_USAGE;
	}
	if (!check && !foreground) {
		pw_error("no daemon mode yet: run pwired -f (in the foreground, as systemd "
			 "would), or -n to check the configuration");
		return PW_EXIT_USAGE;
	}
	pw_err_init(&err);
	ok = pw_conf_load(&r.conf, file, &err);
	pw_err_print(stderr, &err);
	if (!ok)
		return PW_EXIT_USAGE;
	if (check) {
		pw_conf_print(stdout, &r.conf);
		pw_conf_free(&r.conf);
		return PW_EXIT_OK;
	}
	r.file = file;
	r.sock = sock;
	/* The run directory: the control socket's (dirname), absolute where
	 * it exists (pwire.conf's socket paths are), "/" at the least. */
	snprintf(r.run_dir, sizeof(r.run_dir), "%s", sock);
	if (strrchr(r.run_dir, '/'))
		*(strrchr(r.run_dir, '/') == r.run_dir ? r.run_dir + 1 : strrchr(r.run_dir, '/')) = '\0';
	else
		strcpy(r.run_dir, ".");
	{
		char abs[PATH_MAX];

		if (realpath(r.run_dir, abs) && strlen(abs) < sizeof(r.run_dir))
			strcpy(r.run_dir, abs);
	}
	r.rc = run(&r);
	pw_conf_free(&r.conf);
	return r.rc;
}
