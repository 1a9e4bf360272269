/* The checks of single values, shared by the configuration's decoder
 * (schema.c), the trust classification (trust.c) and the plan
 * (plan/network.c, plan/security.c). Pure: they look at the string only. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Letters, digits and `_`, not starting with a digit. */
bool sc_valid_env_name(const char *s);
/* A variable that changes how programs run, where traffic goes, or that
 * reaches the host (LD_PRELOAD, HTTPS_PROXY, ...): compared without regard
 * to case. */
bool sc_env_name_denied(const char *name);
/* A variable a project file may set without trust (TZ, LANG, LC_*, TERM,
 * NO_COLOR, CI, NODE_ENV, RUST_BACKTRACE, ...: docs/configuration.md). */
bool sc_env_name_harmless(const char *name);

enum sc_domain_check {
	SC_DOMAIN_OK,
	SC_DOMAIN_BAD_PORT,
	SC_DOMAIN_BAD_HOST,
};
/* HOST or HOST:PORT, HOST a DNS name, `*.` in front allowed, PORT 1-65535
 * (443 when none). On success *host_len is the length of HOST in `entry`
 * and *port the port; either may be NULL. */
enum sc_domain_check sc_valid_domain(const char *entry, size_t *host_len, unsigned *port);

/* Docker's rule for volume and network names: [a-zA-Z0-9][a-zA-Z0-9_.-]+. */
bool sc_valid_docker_name(const char *s);
/* "debian:bookworm-slim", "registry.example.com/team/image:tag". */
bool sc_valid_image_ref(const char *s);
/* A Debian package name and an optional =VERSION. */
bool sc_valid_package(const char *s);
/* A toolchain version: "20", "3.12", "1.79.0". */
bool sc_valid_version(const char *s);
/* An https://, http:// or file:// URL without spaces or control characters. */
bool sc_valid_url(const char *s);
/* A credential's upstream: "https://HOST" or "https://HOST:PORT" (443 when
 * none), an optional `/` at the end and no other path. On success, *host
 * (to free) and *port when not NULL. */
bool sc_valid_upstream(const char *s, char **host, unsigned *port);
/* A credential's header: a header name ("x-api-key"), or a name, `:` and an
 * auth scheme ("authorization: Bearer"). On success, *name in lower case and
 * *scheme (NULL when none), both to free, when not NULL. */
bool sc_valid_credential_header(const char *s, char **name, char **scheme);
/* A mount target (or any path that must be absolute): starts with `/`. */
bool sc_valid_absolute(const char *s);
/* A path inside the project, as written: relative, without `..`. */
bool sc_valid_project_path(const char *s);
/* A file name pattern (`*` and `?`), optionally `!` in front; no `/`. */
bool sc_valid_name_pattern(const char *s);
/* [a-z][a-z0-9_-]* */
bool sc_valid_service_name(const char *s);
/* Why a name sandcage turns into an argument, a path or a Docker object name
 * is unsafe (starts with `-`, contains `..`, or `/` unless `slash_ok`), or
 * NULL when it is safe. */
const char *sc_name_unsafe(const char *s, bool slash_ok);

/* Docker's memory sizes, with binary multiples: 512m, 4g, 4gb, 1.5g,
 * 1073741824. */
bool sc_parse_memory(const char *s, int64_t *bytes);

/* "Did you mean": the candidate nearest `word` (edit distance at most 2, or
 * one a prefix of the other), NULL when nothing is near. `candidates` is
 * NULL-terminated. */
const char *sc_nearest(const char *word, const char *const *candidates);
