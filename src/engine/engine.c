#include "engine.h"
#include "../util/path.h"
#include "../util/proc.h"

#include <sys/stat.h>
#include <sys/sysmacros.h>

static void mount_free(void *p)
{
	struct sc_spec_mount *m = p;
	free(m->source);
	free(m->target);
	free(m);
}

void sc_container_spec_init(struct sc_container_spec *spec)
{
	*spec = (struct sc_container_spec){0};
	spec->mounts.free_item = mount_free;
}

void sc_container_spec_release(struct sc_container_spec *spec)
{
	free_many(spec->image, spec->name, spec->user, spec->workdir, spec->entrypoint);
	vec_release(&spec->mounts);
	strv_release(&spec->env);
	strv_release(&spec->env_from_host);
	strv_release(&spec->labels);
	strv_release(&spec->command);
	strv_release(&spec->entry_args);
	strv_release(&spec->cap_add);
	free(spec->network);
}

char *sc_mountcheck_bind_arg(const struct stat *st, const char *target)
{
	return xasprintf("--bind=%u:%u:%llu:%s", major(st->st_dev), minor(st->st_dev),
	                 (unsigned long long)st->st_ino, target);
}

int sc_container_spec_add_checked_mount(struct sc_container_spec *spec, const char *source,
                                        const char *target, bool readonly, struct sc_error **err)
{
	struct stat st;
	if (stat(source, &st) < 0)
		return sc_error_set(err, errno, "mount source `%s`", source);
	sc_container_spec_add_mount(spec, source, target, readonly, false);
	if (!spec->entrypoint)
		return 0;
	/* The check's expectations end at its `--`. */
	size_t at = 0;
	while (at < spec->entry_args.len && !streq(spec->entry_args.v[at], "--"))
		at++;
	_cleanup_free_ char *arg = sc_mountcheck_bind_arg(&st, target);
	struct strv *a = &spec->entry_args;
	strv_push(a, arg);
	char *last = a->v[a->len - 1];
	memmove(a->v + at + 1, a->v + at, (a->len - 1 - at) * sizeof(char *));
	a->v[at] = last;
	return 0;
}

void sc_container_spec_add_mount(struct sc_container_spec *spec, const char *source,
                                 const char *target, bool readonly, bool volume)
{
	struct sc_spec_mount *m = xcalloc(1, sizeof(*m));
	m->source = xstrdup(source);
	m->target = xstrdup(target);
	m->readonly = readonly;
	m->volume = volume;
	vec_push(&spec->mounts, m);
}

void sc_engine_free(struct sc_engine *e)
{
	if (!e)
		return;
	free(e->kind);
	free(e->program);
	free(e);
}

static struct sc_engine *engine_new(const char *kind, char *program)
{
	struct sc_engine *e = xcalloc(1, sizeof(*e));
	e->ops = &sc_docker_cli_ops; /* podman's CLI accepts the same argv */
	e->kind = xstrdup(kind);
	e->program = program;
	return e;
}

int sc_engine_open(const char *preference, struct sc_engine **out, struct sc_error **err)
{
	const char *pref = preference && *preference ? preference : getenv("SANDCAGE_ENGINE");
	if (pref && *pref) {
		const char *base = path_basename(pref);
		const char *kind = str_has_prefix(base, "podman") ? "podman" : "docker";
		if (!str_has_prefix(base, "docker") && !str_has_prefix(base, "podman"))
			return sc_error_setx(
			    err, 0, "unknown container engine `%s`: use docker or podman", pref);
		char *program = proc_find_program(pref);
		if (!program)
			return sc_error_setx(
			    err, 0,
			    "container engine `%s` not found in PATH: install it or "
			    "change SANDCAGE_ENGINE / `engine` in the configuration",
			    pref);
		*out = engine_new(kind, program);
		return 0;
	}
	static const char *const candidates[] = {"docker", "podman"};
	for (size_t i = 0; i < N_ELEMENTS(candidates); i++) {
		char *program = proc_find_program(candidates[i]);
		if (program) {
			*out = engine_new(candidates[i], program);
			return 0;
		}
	}
	return sc_error_setx(err, 0,
	                     "no container engine found: install docker (or podman) and make "
	                     "sure it is in PATH");
}

void sc_container_info_free(void *p)
{
	struct sc_container_info *c = p;
	if (!c)
		return;
	free_many(c->id, c->name, c->project, c->agent, c->status, c->created, c->image, c);
}
