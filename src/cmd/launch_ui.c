/* Questions, build progress and warnings of a launch, for a person. */
#include "launch_ui.h"
#include "../util/log.h"
#include "../util/strbuf.h"
#include "cmd.h"

#include <time.h>

bool sc_cmd_ask(const char *question)
{
	if (!isatty(STDIN_FILENO) || !isatty(STDERR_FILENO))
		return false;
	return sc_cmd_ask_yes(question);
}

bool sc_cmd_ask_yes(const char *question)
{
	fprintf(stderr, "%s [y/N] ", question);
	fflush(stderr);
	char line[64];
	if (!fgets(line, sizeof(line), stdin))
		return false;
	return line[0] == 'y' || line[0] == 'Y';
}

static bool approve(void *ctx, const struct sc_trust_file *f)
{
	fflush(stdout);
	_cleanup_free_ char *what = sc_trust_describe(f);
	fputs(what, stderr);
	return sc_cmd_ask("Trust this content and go on?");
}

static void say(void *ctx, enum sc_launch_level level, const char *msg)
{
	if (level == SC_LAUNCH_WARN)
		sc_log_warn("%s", msg);
	else
		sc_log_notice("%s", msg);
}

static double now_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void step_status(const struct sc_cmd_launch_ui *u, const struct sc_build_state *st,
                        bool final)
{
	if (!st->current)
		return;
	double t = now_seconds() - st->step_start;
	if (u->tty && !u->verbose)
		fprintf(stderr, "\r\033[K[%zu/%zu] %s  %s%.1fs%s", st->current_index, st->n_steps,
		        st->current, st->current_cached ? "cached " : "", t, final ? "\n" : "");
	else if (final && sc_log_verbosity >= 0 && st->current_cached)
		fprintf(stderr, "sandcage: [%zu/%zu] %s: cached\n", st->current_index, st->n_steps,
		        st->current);
	else if (final && sc_log_verbosity >= 0)
		fprintf(stderr, "sandcage: [%zu/%zu] %s done in %.1fs\n", st->current_index,
		        st->n_steps, st->current, t);
	fflush(stderr);
}

static void on_build(void *ctx, enum sc_build_event ev, const struct sc_build_state *st,
                     const char *line)
{
	const struct sc_cmd_launch_ui *u = ctx;
	switch (ev) {
	case SC_BUILD_BEGIN:
		sc_log_notice("building image %s%s", st->tag,
		              u->verbose ? "" : " (the full log with --verbose)");
		break;
	case SC_BUILD_LINE:
		if (u->verbose)
			fprintf(stderr, "%s\n", line);
		break;
	case SC_BUILD_STEP_END:
		step_status(u, st, true);
		break;
	case SC_BUILD_STEP_BEGIN:
		if (!u->tty && !u->verbose && sc_log_verbosity >= 0)
			fprintf(stderr, "sandcage: [%zu/%zu] %s\n", st->current_index, st->n_steps,
			        st->current);
		break;
	case SC_BUILD_TICK:
		if (u->tty && !u->verbose)
			step_status(u, st, false);
		break;
	case SC_BUILD_FAILED:
		if (u->tty && !u->verbose)
			fputc('\n', stderr);
		if (u->verbose)
			break;
		fprintf(stderr, "--- last lines of the build output ---\n");
		for (size_t i = 0; i < SC_BUILD_TAIL_LINES; i++)
			if (st->tail[i])
				fprintf(stderr, "  %s\n", st->tail[i]);
		fprintf(stderr, "---\n");
		break;
	case SC_BUILD_DONE:
		sc_log_notice("built image %s in %.1fs", st->tag, now_seconds() - st->start);
		break;
	}
}

void sc_cmd_launch_ui_init(struct sc_cmd_launch_ui *u)
{
	*u = (struct sc_cmd_launch_ui){
	    .tty = isatty(STDERR_FILENO),
	    .verbose = sc_log_verbosity > 0,
	};
	u->observer = (struct sc_build_observer){.event = on_build, .ctx = u};
	u->ui = (struct sc_launch_ui){
	    .approve = approve,
	    .interactive = isatty(STDIN_FILENO) && isatty(STDERR_FILENO),
	    .say = say,
	    .build = &u->observer,
	    .verbose_build = u->verbose,
	    .ctx = u,
	};
}

int sc_cmd_launch_failed(struct sc_error *err)
{
	if (err && err->exit == SC_EXIT_USAGE)
		return sc_cmd_usage_error(NULL, "%s", err->msg);
	return sc_cmd_report(err);
}

void sc_cmd_launch_end(struct sc_launch *l)
{
	_cleanup_strvec_ struct strv denied = STRV_INIT;
	_cleanup_error_ struct sc_error *err = NULL;
	if (sc_launch_end(l, &denied, &err) < 0)
		sc_log_warn("removing the network proxy: %s", err->msg);
	_cleanup_strvec_ struct strv git = STRV_INIT;
	sc_launch_git_changes(l, &git);
	if (git.len) {
		/* Loud whatever the verbosity: host git may run these. */
		struct strbuf list = STRBUF_INIT;
		for (size_t i = 0; i < git.len; i++) {
			_cleanup_free_ char *shown = str_escaped(git.v[i]);
			strbuf_addf(&list, "\n  !!! %s", shown);
		}
		sc_log_error(
		    "git files that make git run code or look elsewhere for its "
		    "configuration changed or appeared during the session; host git "
		    "may run what the agent wrote there (hooks, core.fsmonitor, aliases...). "
		    "Inspect them before you run git here:%s",
		    strbuf_str(&list));
		strbuf_release(&list);
	}
	if (denied.len == 0)
		return;
	struct strbuf list = STRBUF_INIT;
	for (size_t i = 0; i < denied.len && i < 10; i++)
		strbuf_addf(&list, "%s%s", i ? ", " : "", denied.v[i]);
	if (denied.len > 10)
		strbuf_addf(&list, " and %zu more", denied.len - 10);
	sc_log_warn("the network proxy refused %s; allow a domain with `network.allow` "
	            "(`sandcage logs --denied` lists every refusal)",
	            strbuf_str(&list));
	strbuf_release(&list);
}
