/* Editing the global configuration file (GLOBAL/config.toml) in place, with
 * the smallest change that sets a value, so that the user's layout and
 * comments stay. `sandcage setup ssh` uses it for ssh.enabled. */
#include "edit.h"
#include "../util/fs.h"
#include "../util/path.h"
#include "../util/strbuf.h"
#include "toml.h"

#include <sys/stat.h>

/* The byte offset of a position of the TOML parser (columns in bytes). */
static size_t offset_of(const char *text, struct sc_pos pos)
{
	size_t off = 0;
	if (str_has_prefix(text, "\xEF\xBB\xBF"))
		off = 3;
	for (unsigned line = 1; line < pos.line && text[off]; off++)
		if (text[off] == '\n')
			line++;
	return off + (pos.col > 0 ? pos.col - 1 : 0);
}

/* Whether the line at `off` is the header `[ssh]` (spaces and a comment
 * allowed), so that a key can go right below it. */
static bool is_ssh_header(const char *text, size_t off)
{
	const char *p = text + off;
	p += strspn(p, " \t");
	if (*p++ != '[')
		return false;
	p += strspn(p, " \t");
	if (!str_has_prefix(p, "ssh"))
		return false;
	p += 3;
	p += strspn(p, " \t");
	if (*p++ != ']')
		return false;
	p += strspn(p, " \t");
	return *p == '#' || *p == '\r' || *p == '\n' || *p == '\0';
}

static bool enabled_in(const char *text, const char *file)
{
	_cleanup_value_ struct sc_value *tree = NULL;
	if (sc_toml_parse(text, strlen(text), file, &tree, NULL) < 0)
		return false;
	const struct sc_value *ssh = sc_table_get(tree, "ssh");
	const struct sc_value *en =
	    ssh && ssh->kind == SC_VALUE_TABLE ? sc_table_get(ssh, "enabled") : NULL;
	return en && en->kind == SC_VALUE_BOOL && en->u.boolean;
}

/* The smallest edit of the TOML text that makes ssh.enabled true: the value
 * replaced in place, a line below an [ssh] header, or a table appended.
 * NULL with *err when none can be made safely. */
char *sc_config_edit_enable_ssh(const char *text, const char *file, bool *already,
                                struct sc_error **err)
{
	*already = false;
	_cleanup_value_ struct sc_value *tree = NULL;
	if (sc_toml_parse(text, strlen(text), file, &tree, err) < 0) {
		sc_error_prefix(err,
		                "cannot set ssh.enabled in the global configuration; fix it first");
		return NULL;
	}
	const char *nl = strstr(text, "\r\n") ? "\r\n" : "\n";
	size_t len = strlen(text);
	struct strbuf sb = STRBUF_INIT;
	const struct sc_value *ssh = sc_table_get(tree, "ssh");
	if (ssh && ssh->kind != SC_VALUE_TABLE) {
		sc_error_setx(err, 0,
		              "%s:%u:%u: `ssh` is a %s, not a table; make it `[ssh]` with "
		              "`enabled = true`",
		              file, ssh->pos.line, ssh->pos.col, sc_value_kind_name(ssh->kind));
		return NULL;
	}
	const struct sc_value *en = ssh ? sc_table_get(ssh, "enabled") : NULL;
	if (en) {
		if (en->kind == SC_VALUE_BOOL && en->u.boolean) {
			*already = true;
			return NULL;
		}
		size_t off = offset_of(text, en->pos);
		if (en->kind != SC_VALUE_BOOL || off + 5 > len ||
		    strncmp(text + off, "false", 5) != 0) {
			sc_error_setx(
			    err, 0,
			    "%s:%u:%u: `ssh.enabled` is not `false` where sandcage can change "
			    "it; set it to true there",
			    file, en->pos.line, en->pos.col);
			return NULL;
		}
		strbuf_add(&sb, text, off);
		strbuf_adds(&sb, "true");
		strbuf_adds(&sb, text + off + 5);
	} else if (ssh && is_ssh_header(text, offset_of(text, ssh->pos))) {
		size_t off = offset_of(text, ssh->pos);
		off += strcspn(text + off, "\n");
		if (text[off] == '\n') {
			strbuf_add(&sb, text, off + 1);
			strbuf_addf(&sb, "enabled = true%s", nl);
			strbuf_adds(&sb, text + off + 1);
		} else {
			strbuf_add(&sb, text, off);
			strbuf_addf(&sb, "%senabled = true%s", nl, nl);
		}
	} else {
		strbuf_add(&sb, text, len);
		if (len > 0 && text[len - 1] != '\n')
			strbuf_adds(&sb, nl);
		strbuf_addf(&sb, "%s[ssh]%senabled = true%s", len > 0 ? nl : "", nl, nl);
	}
	char *out = strbuf_steal(&sb);
	if (!enabled_in(out, file)) {
		free(out);
		sc_error_setx(err, 0,
		              "cannot set ssh.enabled in `%s` without rewriting it: add `enabled = "
		              "true` to its ssh table by hand",
		              file);
		return NULL;
	}
	return out;
}

int sc_config_enable_ssh(const char *config, bool *changed, struct sc_error **err)
{
	*changed = false;
	_cleanup_free_ char *path = xstrdup(config);
	struct stat st;
	if (lstat(path, &st) < 0) {
		if (errno != ENOENT)
			return sc_error_set(err, errno, "stat `%s`", path);
		static const char fresh[] = "[ssh]\nenabled = true\n";
		if (fs_write_atomic(path, fresh, strlen(fresh), 0600, err) < 0)
			return -1;
		*changed = true;
		return 0;
	}
	if (S_ISLNK(st.st_mode)) {
		/* A managed dotfile: edit the file the link points to. */
		char *real = NULL;
		if (path_realpath(path, &real, err) < 0)
			return -1;
		free(path);
		path = real;
		if (stat(path, &st) < 0)
			return sc_error_set(err, errno, "stat `%s`", path);
	}
	_cleanup_free_ char *text = NULL;
	size_t len = 0;
	if (fs_read_file(path, &text, &len, err) < 0)
		return -1;
	if (strlen(text) != len)
		return sc_error_setx(err, 0, "`%s` holds a NUL byte; it is not TOML", path);
	bool already = false;
	_cleanup_free_ char *edited = sc_config_edit_enable_ssh(text, path, &already, err);
	if (already)
		return 0;
	if (!edited)
		return -1;
	if (fs_write_atomic(path, edited, strlen(edited), st.st_mode & 07777, err) < 0)
		return -1;
	*changed = true;
	return 0;
}
