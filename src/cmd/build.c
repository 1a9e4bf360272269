/* sandcage build: builds (or rebuilds) the image agents run in. */
#include "build.h"
#include "../config/config.h"
#include "../plan/image.h"
#include "../util/fs.h"
#include "../util/hash.h"
#include "../util/log.h"
#include "../util/path.h"
#include "../util/strbuf.h"
#include "../workspace/workspace.h"
#include "cmd.h"
#include "sc-config.h"
#include "security.h"

#include <ftw.h>
#include <pwd.h>
#include <sys/stat.h>
#include <time.h>

extern const struct sc_command sc_cmd_build;

static double now_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

#define TAIL_LINES 30

/* Follows the engine's build output: which step runs, how long it takes,
 * and the last lines in case it fails. */
struct progress {
	char **instr_step; /* instruction number (1-based) -> step title or NULL */
	size_t n_instr;
	size_t n_steps;
	const char *current;
	size_t current_index;
	bool current_cached;
	char *last_from; /* the image of the last FROM the builder started */
	double start;
	double step_start;
	bool tty;
	bool verbose;
	char *tail[TAIL_LINES];
	size_t tail_next;
};

/* Maps the Dockerfile's instructions to the titles of the `# step:` comments
 * that precede them, the same numbering as the builder's "Step N/M". */
static void map_instructions(struct progress *p, const char *dockerfile)
{
	_cleanup_free_ char *copy = xstrdup(dockerfile);
	struct vec v = VEC_INIT(NULL);
	const char *pending = NULL;
	bool continued = false;
	char *save = NULL;
	for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		size_t len = strlen(line);
		bool cont = len > 0 && line[len - 1] == '\\';
		if (continued) {
			continued = cont;
			continue;
		}
		continued = cont;
		const char *t = line + strspn(line, " \t");
		if (str_has_prefix(t, "# step: ")) {
			free((void *)pending);
			pending = xstrdup(t + 8);
			continue;
		}
		if (*t == '#' || *t == '\0')
			continue;
		vec_push(&v, (void *)pending);
		pending = NULL;
	}
	free((void *)pending);
	p->instr_step = (char **)v.items;
	p->n_instr = v.len;
}

static void progress_release(struct progress *p)
{
	for (size_t i = 0; i < p->n_instr; i++)
		free(p->instr_step[i]);
	free(p->instr_step);
	for (size_t i = 0; i < TAIL_LINES; i++)
		free(p->tail[i]);
	free(p->last_from);
}

static void progress_status(struct progress *p, bool final)
{
	if (!p->current)
		return;
	double t = now_seconds() - p->step_start;
	if (p->tty && !p->verbose)
		fprintf(stderr, "\r\033[K[%zu/%zu] %s  %s%.1fs%s", p->current_index, p->n_steps,
		        p->current, p->current_cached ? "cached " : "", t, final ? "\n" : "");
	else if (final && sc_log_verbosity >= 0 && p->current_cached)
		fprintf(stderr, "sandcage: [%zu/%zu] %s: cached\n", p->current_index, p->n_steps,
		        p->current);
	else if (final && sc_log_verbosity >= 0)
		fprintf(stderr, "sandcage: [%zu/%zu] %s done in %.1fs\n", p->current_index,
		        p->n_steps, p->current, t);
	fflush(stderr);
}

static void on_build_line(void *ctx, const char *line)
{
	struct progress *p = ctx;
	free(p->tail[p->tail_next]);
	p->tail[p->tail_next] = xstrdup(line);
	p->tail_next = (p->tail_next + 1) % TAIL_LINES;
	if (p->verbose)
		fprintf(stderr, "%s\n", line);

	unsigned n = 0, m = 0;
	/* docker: "Step 3/9 : RUN ..."; podman: "STEP 3/9: RUN ..." */
	if (sscanf(line, "Step %u/%u", &n, &m) == 2 || sscanf(line, "STEP %u/%u", &n, &m) == 2) {
		const char *from = strstr(line, ": FROM ");
		free(p->last_from);
		p->last_from = NULL;
		if (from) {
			from += strlen(": FROM ");
			p->last_from = xstrndup(from, strcspn(from, " "));
		}
		const char *title = n >= 1 && n <= p->n_instr ? p->instr_step[n - 1] : NULL;
		if (!title)
			return;
		progress_status(p, true);
		p->current = title;
		p->current_cached = false;
		p->current_index++;
		p->step_start = now_seconds();
		if (!p->tty && !p->verbose && sc_log_verbosity >= 0)
			fprintf(stderr, "sandcage: [%zu/%zu] %s\n", p->current_index, p->n_steps,
			        title);
	}
	if (p->current && strstr(line, "---> Using cache"))
		p->current_cached = true;
	if (p->tty && !p->verbose)
		progress_status(p, false);
}

static void print_tail(struct progress *p)
{
	fprintf(stderr, "--- last lines of the build output ---\n");
	for (size_t i = 0; i < TAIL_LINES; i++) {
		const char *l = p->tail[(p->tail_next + i) % TAIL_LINES];
		if (l)
			fprintf(stderr, "  %s\n", l);
	}
	fprintf(stderr, "---\n");
}

static int write_context(const char *dir, const struct sc_image_plan *plan, struct sc_error **err)
{
	_cleanup_free_ char *df = path_join(dir, "Dockerfile");
	if (fs_write_atomic(df, plan->dockerfile, strlen(plan->dockerfile), 0644, err) < 0)
		return -1;
	for (size_t i = 0; i < plan->n_files; i++) {
		_cleanup_free_ char *f = path_join(dir, plan->files[i].name);
		_cleanup_free_ char *parent = path_dirname(f);
		if (fs_mkdir_p(parent, 0755, err) < 0 ||
		    fs_write_atomic(f, plan->files[i].data, plan->files[i].len, 0644, err) < 0)
			return -1;
	}
	return 0;
}

static int run_build(const struct sc_engine *engine, const char *context_dir,
                     const char *dockerfile, const char *dockerfile_text, const char *tag,
                     const char *hash, const struct sc_config *cfg,
                     const struct sc_build_request *req, struct sc_error **err)
{
	struct progress p = {0};
	map_instructions(&p, dockerfile_text);
	for (size_t i = 0; i < p.n_instr; i++)
		if (p.instr_step[i])
			p.n_steps++;
	p.tty = isatty(STDERR_FILENO);
	p.verbose = sc_log_verbosity > 0;
	p.start = now_seconds();
	sc_log_notice("building image %s%s", tag,
	              p.verbose ? "" : " (the full log with --verbose)");

	struct sc_build_options opts = {
	    .context_dir = context_dir,
	    .dockerfile = dockerfile,
	    .tag = tag,
	    .network = cfg->image.build_network.value,
	    .no_cache = req->no_cache,
	    .on_line = on_build_line,
	    .ctx = &p,
	};
	strv_pushf(&opts.labels, "%s=true", SC_LABEL_MANAGED);
	strv_pushf(&opts.labels, "%s=%s", SC_LABEL_HASH, hash);
	strv_pushf(&opts.labels, "%s=%s", SC_LABEL_VERSION, SC_VERSION);
	int status = 0;
	int r = engine->ops->build(engine, &opts, &status, err);
	strv_release(&opts.labels);
	if (r < 0) {
		progress_release(&p);
		return -1;
	}
	if (status != 0) {
		if (p.tty && !p.verbose)
			fputc('\n', stderr);
		if (!p.verbose)
			print_tail(&p);
		if (p.last_from)
			sc_error_setx(
			    err, 0,
			    "building the image failed at its base image `%s` (exit code %d): "
			    "the engine does not have it and cannot pull it; set `image.base` "
			    "to an image you have (`docker images` lists them)",
			    p.last_from, status);
		else if (p.current)
			sc_error_setx(
			    err, 0,
			    "building the image failed in step `%s` (%zu/%zu) with exit code "
			    "%d; the lines above show why%s",
			    p.current, p.current_index, p.n_steps, status,
			    p.verbose ? "" : " (all of it with --verbose)");
		else
			sc_error_setx(err, 0, "building the image failed with exit code %d",
			              status);
		progress_release(&p);
		return -1;
	}
	progress_status(&p, true);
	sc_log_notice("built image %s in %.1fs", tag, now_seconds() - p.start);
	progress_release(&p);
	return 0;
}

/* The custom Dockerfile's context is its directory; its hash covers the
 * Dockerfile and the name, size and modification time of every file there,
 * which is what `docker build` could copy in. */
static struct sha256 *walk_hash;
static int hash_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	if (type == FTW_D &&
	    (streq(path + ftw->base, ".git") || streq(path + ftw->base, "node_modules")))
		return FTW_SKIP_SUBTREE;
	char line[64];
	snprintf(line, sizeof(line), "%d %lld %lld.%09ld", type, (long long)st->st_size,
	         (long long)st->st_mtim.tv_sec, st->st_mtim.tv_nsec);
	sha256_update_field(walk_hash, path);
	sha256_update_field(walk_hash, line);
	return 0;
}

static int ensure_custom_base(const struct sc_engine *engine, const struct sc_config *cfg,
                              const struct sc_build_request *req, char **base,
                              struct sc_error **err)
{
	const char *df = cfg->image.dockerfile.value;
	_cleanup_free_ char *text = NULL;
	if (fs_read_file(df, &text, NULL, err) < 0) {
		_cleanup_free_ char *where = sc_pos_format(cfg->image.dockerfile.origin.pos);
		return sc_error_prefix(err, "%s%s`image.dockerfile`", where, *where ? ": " : "");
	}
	_cleanup_free_ char *dir = path_dirname(df);
	struct sha256 h;
	sha256_init(&h);
	sha256_update_field(&h, "sandcage-custom-v1");
	sha256_update_field(&h, text);
	walk_hash = &h;
	nftw(dir, hash_entry, 16, FTW_PHYS | FTW_ACTIONRETVAL);
	walk_hash = NULL;
	char hex[65];
	sha256_hex(&h, hex);
	_cleanup_free_ char *tag = xasprintf("sandcage-custom:%.16s", hex);
	bool exists = false;
	if (!req->force && engine->ops->image_exists(engine, tag, &exists, err) < 0)
		return -1;
	if (!exists && run_build(engine, dir, df, text, tag, hex, cfg, req, err) < 0)
		return -1;
	*base = steal_pointer(&tag);
	return 0;
}

int sc_build_plan(const struct sc_config *cfg, const char *custom_base, struct sc_image_plan **plan,
                  struct sc_error **err)
{
	size_t n = cfg->image.ca_certificates.len;
	struct sc_context_file *certs = xcalloc(n ? n : 1, sizeof(*certs));
	int r = 0;
	for (size_t i = 0; i < n && r == 0; i++) {
		const struct sc_cfg_str *c = &cfg->image.ca_certificates.items[i];
		r = fs_read_file(c->value, &certs[i].data, &certs[i].len, err);
		if (r < 0) {
			_cleanup_free_ char *where = sc_pos_format(c->origin.pos);
			sc_error_prefix(err, "%s%s`image.ca_certificates`", where,
			                *where ? ": " : "");
		}
	}
	if (r == 0) {
		struct passwd *pw = getpwuid(getuid());
		struct sc_image_input in = {
		    .cfg = cfg,
		    .uid = (unsigned)getuid(),
		    .gid = (unsigned)getgid(),
		    .user_name = pw ? pw->pw_name : NULL,
		    .ca_certs = certs,
		    .n_ca_certs = n,
		    .custom_base = custom_base,
		};
		r = sc_image_plan(&in, plan, err);
	}
	for (size_t i = 0; i < n; i++)
		free(certs[i].data);
	free(certs);
	return r;
}

int sc_build_ensure(const struct sc_engine *engine, const struct sc_config *cfg,
                    const struct sc_build_request *req, char **tag, struct sc_error **err)
{
	_cleanup_free_ char *custom_base = NULL;
	if (*cfg->image.dockerfile.value &&
	    ensure_custom_base(engine, cfg, req, &custom_base, err) < 0)
		return -1;
	_cleanup_image_plan_ struct sc_image_plan *plan = NULL;
	if (sc_build_plan(cfg, custom_base, &plan, err) < 0)
		return -1;
	if (sc_build_ensure_plan(engine, cfg, plan, req, err) < 0)
		return -1;
	*tag = xstrdup(plan->tag);
	return 0;
}

int sc_build_ensure_plan(const struct sc_engine *engine, const struct sc_config *cfg,
                         const struct sc_image_plan *plan, const struct sc_build_request *req,
                         struct sc_error **err)
{
	bool exists = false;
	if (!req->force && engine->ops->image_exists(engine, plan->tag, &exists, err) < 0)
		return -1;
	if (exists) {
		sc_log_debug("image %s is up to date", plan->tag);
		return 0;
	}
	const char *tmpdir = getenv("TMPDIR");
	_cleanup_free_ char *dir =
	    xasprintf("%s/sandcage-build-XXXXXX", tmpdir && *tmpdir ? tmpdir : "/tmp");
	if (!mkdtemp(dir))
		return sc_error_set(err, errno, "create a build directory");
	int r = write_context(dir, plan, err);
	if (r == 0)
		r = run_build(engine, dir, NULL, plan->dockerfile, plan->tag, plan->hash, cfg, req,
		              err);
	fs_remove_tree(dir, NULL);
	return r;
}

int sc_cmd_open_project(const char *project, const struct sc_value *flags, struct sc_workspace **ws,
                        struct sc_config **cfg, struct sc_engine **engine, struct sc_error **err)
{
	if (sc_workspace_resolve(project, ws, err) < 0)
		return -1;
	if (!(*ws)->in_git)
		sc_log_notice(
		    "`%s` is not in a git repository: using that directory as the project",
		    (*ws)->root);
	if (sc_config_load((*ws)->root, flags, cfg, err) < 0)
		return -1;
	if (engine && sc_engine_open(sc_engine_name((*cfg)->engine.value), engine, err) < 0)
		return -1;
	return 0;
}

struct build_options {
	const char *project;
	bool force;
	bool no_cache;
	bool print;
};

static const struct sc_option build_options[] = {
    SC_OPTION_VALUE("project", 'p', struct build_options, project, "PATH",
                    "the project whose configuration to use"),
    SC_OPTION_FLAG("force", 'f', struct build_options, force,
                   "build even when the image is up to date"),
    SC_OPTION_FLAG("no-cache", 0, struct build_options, no_cache,
                   "build every step again (implies --force)"),
    SC_OPTION_FLAG("print", 0, struct build_options, print,
                   "print the Dockerfile instead of building"),
    {0},
};

static int cmd_build(int argc, char **argv)
{
	struct build_options o = {0};
	struct sc_cmd_operands args;
	int r = sc_cmd_parse(&sc_cmd_build, argc, argv, &o, &args);
	if (r != SC_CMD_GO_ON)
		return r;
	const char *project = o.project;
	struct sc_build_request req = {.force = o.force || o.no_cache, .no_cache = o.no_cache};
	bool print = o.print;

	_cleanup_error_ struct sc_error *err = NULL;
	_cleanup_workspace_ struct sc_workspace *ws = NULL;
	_cleanup_config_ struct sc_config *cfg = NULL;
	_cleanup_engine_ struct sc_engine *engine = NULL;
	if (print) {
		if (sc_cmd_open_project(project, NULL, &ws, &cfg, NULL, &err) < 0)
			return sc_cmd_report(err);
		if (*cfg->image.dockerfile.value)
			printf("# image.dockerfile: %s, built first, then:\n",
			       cfg->image.dockerfile.value);
		_cleanup_image_plan_ struct sc_image_plan *plan = NULL;
		if (sc_build_plan(cfg, *cfg->image.dockerfile.value ? "sandcage-custom:HASH" : NULL,
		                  &plan, &err) < 0)
			return sc_cmd_report(err);
		fputs(plan->dockerfile, stdout);
		return SC_EXIT_OK;
	}
	if (sc_cmd_open_project(project, NULL, &ws, &cfg, &engine, &err) < 0)
		return sc_cmd_report(err);
	/* A build reads host files (a custom Dockerfile, CA certificates) and
	 * runs install commands: the same gate as a session. */
	int gate = sc_cmd_security_gate(ws, cfg);
	if (gate != SC_EXIT_OK)
		return gate;
	_cleanup_free_ char *tag = NULL;
	if (sc_build_ensure(engine, cfg, &req, &tag, &err) < 0)
		return sc_cmd_report(err);
	printf("%s\n", tag);
	return SC_EXIT_OK;
}

const struct sc_command sc_cmd_build = {
    .name = "build",
    .summary = "Build (or rebuild) the image agents run in.",
    .usage = "sandcage build [-p PATH] [--force] [--no-cache] [--print]",
    .options = build_options,
    .help = "The image is tagged sandcage:HASH, where HASH covers everything that goes into\n"
            "it; when an image with that tag exists nothing is built. It prints the tag.\n",
    .run = cmd_build,
};
