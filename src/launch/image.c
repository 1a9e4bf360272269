/* The image service: plan, find or build, and follow the build's output. */
#include "image.h"
#include "../util/fs.h"
#include "../util/hash.h"
#include "../util/log.h"
#include "../util/path.h"
#include "dockerignore.h"
#include "sc-config.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>

static double now_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Follows the engine's build output: which step runs, and the last lines in
 * case it fails. */
struct progress {
	struct sc_build_state st;
	char **instr_step; /* instruction number (1-based) -> step title or NULL */
	size_t n_instr;
	char *last_from;
	char *tail[SC_BUILD_TAIL_LINES];
	size_t tail_next;
	const struct sc_build_observer *observer;
};

static void notify(struct progress *p, enum sc_build_event ev, const char *line)
{
	if (!p->observer || !p->observer->event)
		return;
	for (size_t i = 0; i < SC_BUILD_TAIL_LINES; i++)
		p->st.tail[i] = p->tail[(p->tail_next + i) % SC_BUILD_TAIL_LINES];
	p->st.last_from = p->last_from;
	p->observer->event(p->observer->ctx, ev, &p->st, line);
}

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
	for (size_t i = 0; i < p->n_instr; i++)
		if (p->instr_step[i])
			p->st.n_steps++;
}

static void progress_release(struct progress *p)
{
	for (size_t i = 0; i < p->n_instr; i++)
		free(p->instr_step[i]);
	free(p->instr_step);
	for (size_t i = 0; i < SC_BUILD_TAIL_LINES; i++)
		free(p->tail[i]);
	free(p->last_from);
}

static void on_build_line(void *ctx, const char *line)
{
	struct progress *p = ctx;
	free(p->tail[p->tail_next]);
	p->tail[p->tail_next] = xstrdup(line);
	p->tail_next = (p->tail_next + 1) % SC_BUILD_TAIL_LINES;
	notify(p, SC_BUILD_LINE, line);

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
		if (p->st.current)
			notify(p, SC_BUILD_STEP_END, line);
		p->st.current = title;
		p->st.current_cached = false;
		p->st.current_index++;
		p->st.step_start = now_seconds();
		notify(p, SC_BUILD_STEP_BEGIN, line);
	}
	if (p->st.current && strstr(line, "---> Using cache"))
		p->st.current_cached = true;
	notify(p, SC_BUILD_TICK, line);
}

static int run_build(const struct sc_engine *engine, const char *context_dir,
                     const char *dockerfile, const char *dockerfile_text, const char *tag,
                     const char *hash, const struct sc_config *cfg,
                     const struct sc_image_request *req, struct sc_error **err)
{
	struct progress p = {.observer = req->observer};
	map_instructions(&p, dockerfile_text);
	p.st.tag = tag;
	p.st.start = now_seconds();
	notify(&p, SC_BUILD_BEGIN, NULL);

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
		notify(&p, SC_BUILD_FAILED, NULL);
		if (p.last_from)
			sc_error_setx(
			    err, 0,
			    "building the image failed at its base image `%s` (exit code %d): "
			    "the engine does not have it and cannot pull it; set `image.base` "
			    "to an image you have (`docker images` lists them)",
			    p.last_from, status);
		else if (p.st.current)
			sc_error_setx(
			    err, 0,
			    "building the image failed in step `%s` (%zu/%zu) with exit code "
			    "%d; the lines above show why%s",
			    p.st.current, p.st.current_index, p.st.n_steps, status,
			    req->verbose ? "" : " (all of it with --verbose)");
		else
			sc_error_setx(err, 0, "building the image failed with exit code %d",
			              status);
		progress_release(&p);
		return -1;
	}
	if (p.st.current)
		notify(&p, SC_BUILD_STEP_END, NULL);
	notify(&p, SC_BUILD_DONE, NULL);
	progress_release(&p);
	return 0;
}

/* ---- the custom Dockerfile's context ---- */

/* The type numbers of nftw(3), so that a readable context hashes as it did
 * when nftw walked it. */
enum { WALK_F = 0, WALK_D = 1, WALK_SL = 4 };
#define WALK_MAX_DEPTH 64

static void hash_entry(struct sha256 *h, const char *path, const struct stat *st, int type)
{
	char line[64];
	snprintf(line, sizeof(line), "%d %lld %lld.%09ld", type, (long long)st->st_size,
	         (long long)st->st_mtim.tv_sec, st->st_mtim.tv_nsec);
	sha256_update_field(h, path);
	sha256_update_field(h, line);
}

/* Content mode (for trust): a regular file's bytes, a link's target, and
 * nothing left out; bounded. */
struct walk {
	bool content;
	uint64_t bytes, entries;
	struct sc_build_ignore ignore; /* what the builder is not sent */
};
#define WALK_MAX_BYTES   ((uint64_t)512 * 1024 * 1024)
#define WALK_MAX_ENTRIES 200000

static const char *special_kind(mode_t mode)
{
	if (S_ISFIFO(mode))
		return "a FIFO";
	if (S_ISSOCK(mode))
		return "a socket";
	if (S_ISCHR(mode) || S_ISBLK(mode))
		return "a device";
	return NULL;
}

/* The bytes of the regular file `name` in `dirfd`, never following a link
 * nor blocking. */
static int hash_content(struct walk *w, struct sha256 *h, int dirfd, const char *name,
                        const char *path, struct sc_error **err)
{
	_cleanup_close_ int fd =
	    openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0)
		return sc_error_set(err, errno, "read `%s`", path);
	if (!S_ISREG(st.st_mode))
		return sc_error_setx(err, 0, "`%s` changed while it was read", path);
	char buf[65536];
	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return sc_error_set(err, errno, "read `%s`", path);
		if (n == 0)
			break;
		w->bytes += (uint64_t)n;
		if (w->bytes > WALK_MAX_BYTES)
			return sc_error_setx(err, 0,
			                     "the build context holds more than %llu MiB: put the "
			                     "Dockerfile in a directory of its own",
			                     (unsigned long long)(WALK_MAX_BYTES >> 20));
		sha256_update(h, buf, (size_t)n);
	}
	sha256_update_field(h, "");
	return 0;
}

/* A directory first, then its entries in the order the directory lists
 * them, as nftw(FTW_PHYS) visits them; no symlink is followed. What the
 * ignore files leave out is not looked at (`rel`: the path in the context,
 * NULL at its top). A FIFO, a device or a socket is refused: the builder
 * would read or pack it, and nothing in a build context needs one. */
static int walk_dir(struct walk *w, struct sha256 *h, int fd, const char *path, const char *rel,
                    int depth, struct sc_error **err)
{
	if (depth > WALK_MAX_DEPTH) {
		close(fd);
		return sc_error_setx(err, 0, "`%s` is nested more than %d directories deep", path,
		                     WALK_MAX_DEPTH);
	}
	DIR *d = fdopendir(fd);
	if (!d) {
		int e = errno;
		close(fd);
		return sc_error_set(err, e, "read `%s`", path);
	}
	int r = 0;
	struct dirent *e;
	errno = 0;
	while (r == 0 && (e = readdir(d))) {
		const char *name = e->d_name;
		if (streq(name, ".") || streq(name, ".."))
			continue;
		_cleanup_free_ char *sub = path_join(path, name);
		struct stat st;
		if (fstatat(dirfd(d), name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			r = sc_error_set(err, errno, "read `%s`", sub);
			break;
		}
		_cleanup_free_ char *rel_sub = rel ? path_join(rel, name) : xstrdup(name);
		enum sc_ignore_verdict v =
		    sc_build_ignore_check(&w->ignore, rel_sub, S_ISDIR(st.st_mode));
		if (v == SC_IGNORE_SKIP) {
			errno = 0;
			continue;
		}
		const char *special = special_kind(st.st_mode);
		if (special) {
			r = sc_error_setx(err, 0,
			                  "`%s` is %s: a build context may hold only files, "
			                  "directories and links; remove it",
			                  sub, special);
			break;
		}
		if (w->content && ++w->entries > WALK_MAX_ENTRIES) {
			r = sc_error_setx(err, 0,
			                  "the build context holds more than %d entries: put the "
			                  "Dockerfile in a directory of its own",
			                  WALK_MAX_ENTRIES);
			break;
		}
		if (S_ISDIR(st.st_mode)) {
			/* A directory left out is not sent itself, only what its
			 * entries take back. */
			if (v == SC_IGNORE_KEEP)
				hash_entry(h, sub, &st, WALK_D);
			int subfd =
			    openat(dirfd(d), name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (subfd < 0)
				r = sc_error_set(err, errno, "read `%s`", sub);
			else
				r = walk_dir(w, h, subfd, sub, rel_sub, depth + 1, err);
		} else if (!w->content) {
			hash_entry(h, sub, &st, S_ISLNK(st.st_mode) ? WALK_SL : WALK_F);
		} else if (S_ISLNK(st.st_mode)) {
			char target[4096];
			ssize_t n = readlinkat(dirfd(d), name, target, sizeof(target) - 1);
			if (n < 0) {
				r = sc_error_set(err, errno, "read `%s`", sub);
				break;
			}
			target[n] = '\0';
			sha256_update_field(h, sub);
			sha256_update_field(h, "link");
			sha256_update_field(h, target);
		} else {
			sha256_update_field(h, sub);
			sha256_update_field(h, "file");
			r = hash_content(w, h, dirfd(d), name, sub, err);
		}
		errno = 0;
	}
	if (r == 0 && errno != 0)
		r = sc_error_set(err, errno, "read `%s`", path);
	closedir(d);
	return r;
}

/* The context `dir` open at `fd` (taken), less what its ignore files leave
 * out, into `h`. */
static int walk_context(struct walk *w, struct sha256 *h, int fd, const char *dir, char hex[65],
                        struct sc_error **err)
{
	if (sc_build_ignore_load(fd, &w->ignore, err) < 0) {
		close(fd);
		return sc_error_prefix(err, "read the build context `%s`", dir);
	}
	int r = walk_dir(w, h, fd, dir, NULL, 0, err);
	sc_build_ignore_release(&w->ignore);
	if (r < 0)
		return sc_error_prefix(err, "read the build context `%s`", dir);
	sha256_hex(h, hex);
	return 0;
}

int sc_image_context_hash(const char *dir, const char *dockerfile_text, char hex[65],
                          struct sc_error **err)
{
	struct sha256 h;
	sha256_init(&h);
	sha256_update_field(&h, "sandcage-custom-v1");
	sha256_update_field(&h, dockerfile_text);
	struct stat st;
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0) {
		int e = errno;
		if (fd >= 0)
			close(fd);
		return sc_error_set(err, e, "read the build context `%s`", dir);
	}
	hash_entry(&h, dir, &st, WALK_D);
	struct walk w = {0};
	return walk_context(&w, &h, fd, dir, hex, err);
}

int sc_image_context_content_hash(const char *dir, char hex[65], struct sc_error **err)
{
	struct sha256 h;
	sha256_init(&h);
	sha256_update_field(&h, "sandcage-context-content-v1");
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return sc_error_set(err, errno, "read the build context `%s`", dir);
	struct walk w = {.content = true};
	return walk_context(&w, &h, fd, dir, hex, err);
}

int sc_image_read_file(const char *project_root, const char *path, char **out, size_t *len,
                       struct sc_error **err)
{
	if (project_root && *project_root && path_is_within(path, project_root)) {
		/* In the project: relative to it, no link, a regular file, bounded. */
		_cleanup_close_ int root = open(project_root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (root < 0)
			return sc_error_set(err, errno, "open `%s`", project_root);
		const char *rel = path + strlen(project_root);
		rel += strspn(rel, "/");
		if (!*rel)
			return sc_error_setx(err, 0, "`%s` is not a file", path);
		return fs_read_file_safe(root, rel, FS_MAX_CONFIG, out, len, err);
	}
	int r = fs_read_file_user_optional(path, FS_MAX_CONFIG, out, len, err);
	if (r == 0 && !*out)
		return sc_error_set(err, ENOENT, "read `%s`", path);
	return r;
}

static int ensure_custom_base(const struct sc_engine *engine, const struct sc_config *cfg,
                              const struct sc_image_request *req, char **base,
                              struct sc_error **err)
{
	const char *df = cfg->image.dockerfile.value;
	_cleanup_free_ char *text = NULL;
	_cleanup_free_ char *where = sc_pos_format(cfg->image.dockerfile.origin.pos);
	if (sc_image_read_file(req->project_root, df, &text, NULL, err) < 0)
		return sc_error_prefix(err, "%s%s`image.dockerfile`", where, *where ? ": " : "");
	_cleanup_free_ char *dir = path_dirname(df);
	char hex[65];
	if (sc_image_context_hash(dir, text, hex, err) < 0)
		return sc_error_prefix(err, "%s%s`image.dockerfile`", where, *where ? ": " : "");
	_cleanup_free_ char *tag = xasprintf("sandcage-custom:%.16s", hex);
	bool exists = false;
	if (!req->force && engine->ops->image_exists(engine, tag, &exists, err) < 0)
		return -1;
	if (!exists && run_build(engine, dir, df, text, tag, hex, cfg, req, err) < 0)
		return -1;
	*base = steal_pointer(&tag);
	return 0;
}

/* ---- the plan ---- */

int sc_image_service_plan(const struct sc_config *cfg, const struct sc_image_request *req,
                          const char *custom_base, struct sc_image_plan **plan,
                          struct sc_error **err)
{
	size_t n = cfg->image.ca_certificates.len;
	struct sc_context_file *certs = xcalloc(n ? n : 1, sizeof(*certs));
	int r = 0;
	for (size_t i = 0; i < n && r == 0; i++) {
		const struct sc_cfg_str *c = &cfg->image.ca_certificates.items[i];
		r = sc_image_read_file(req->project_root, c->value, &certs[i].data, &certs[i].len,
		                       err);
		if (r < 0) {
			_cleanup_free_ char *where = sc_pos_format(c->origin.pos);
			sc_error_prefix(err, "%s%s`image.ca_certificates`", where,
			                *where ? ": " : "");
		}
	}
	if (r == 0) {
		struct sc_image_input in = {
		    .cfg = cfg,
		    .uid = req->uid,
		    .gid = req->gid,
		    .user_name = req->user_name,
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

int sc_image_ensure_plan(const struct sc_engine *engine, const struct sc_config *cfg,
                         const struct sc_image_plan *plan, const struct sc_image_request *req,
                         struct sc_error **err)
{
	bool exists = false;
	if (!req->force && engine->ops->image_exists(engine, plan->tag, &exists, err) < 0)
		return -1;
	if (exists) {
		sc_log_debug("image %s is up to date", plan->tag);
		return 0;
	}
	const char *tmpdir = req->tmp_dir;
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

int sc_image_ensure(const struct sc_engine *engine, const struct sc_config *cfg,
                    const struct sc_image_request *req, char **tag, struct sc_error **err)
{
	_cleanup_free_ char *custom_base = NULL;
	if (*cfg->image.dockerfile.value &&
	    ensure_custom_base(engine, cfg, req, &custom_base, err) < 0)
		return -1;
	_cleanup_image_plan_ struct sc_image_plan *plan = NULL;
	if (sc_image_service_plan(cfg, req, custom_base, &plan, err) < 0)
		return -1;
	if (sc_image_ensure_plan(engine, cfg, plan, req, err) < 0)
		return -1;
	*tag = xstrdup(plan->tag);
	return 0;
}
