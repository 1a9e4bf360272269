/* toml-decode: the decoder the toml-test suite drives. Reads TOML on stdin,
 * prints the suite's tagged JSON on stdout; on invalid TOML prints the error
 * on stderr and exits 1.
 *
 * usage: toml-decode [--toml-version 1.0|1.1]
 * (or TOML_VERSION=1.1 in the environment; 1.0 by default). */
#include "config/toml.h"
#include "util/strbuf.h"

#include <jansson.h>
#include <math.h>

static json_t *tagged(const char *type, json_t *value)
{
	json_t *o = json_object();
	json_object_set_new(o, "type", json_string(type));
	json_object_set_new(o, "value", value);
	return o;
}

/* Keys carry U+0000 as C0 80 (see toml.c); JSON gets the real NUL back. */
static void decode_key(const char *key, struct strbuf *sb)
{
	strbuf_reset(sb);
	for (const char *p = key; *p; p++) {
		if ((unsigned char)p[0] == 0xC0 && (unsigned char)p[1] == 0x80) {
			strbuf_addc(sb, '\0');
			p++;
		} else {
			strbuf_addc(sb, *p);
		}
	}
}

/* The shortest %g form that reads back as the same double, with ".0" added
 * when it would otherwise look like an integer. */
static void format_float(double d, char *buf, size_t size)
{
	for (int prec = 15; prec <= 17; prec++) {
		snprintf(buf, size, "%.*g", prec, d);
		if (strtod(buf, NULL) == d)
			break;
	}
	if (!strpbrk(buf, ".eEn"))
		strncat(buf, ".0", size - strlen(buf) - 1);
}

static json_t *to_json(const struct sc_value *v)
{
	char buf[64];
	switch (v->kind) {
	case SC_VALUE_STRING:
		return tagged("string", json_stringn(v->u.str.ptr, v->u.str.len));
	case SC_VALUE_INTEGER:
		snprintf(buf, sizeof(buf), "%lld", (long long)v->u.integer);
		return tagged("integer", json_string(buf));
	case SC_VALUE_FLOAT:
		if (isnan(v->u.real))
			snprintf(buf, sizeof(buf), "nan");
		else if (isinf(v->u.real))
			snprintf(buf, sizeof(buf), "%s", v->u.real < 0 ? "-inf" : "inf");
		else
			format_float(v->u.real, buf, sizeof(buf));
		return tagged("float", json_string(buf));
	case SC_VALUE_BOOL:
		return tagged("bool", json_string(v->u.boolean ? "true" : "false"));
	case SC_VALUE_DATETIME:
		return tagged("datetime", json_stringn(v->u.str.ptr, v->u.str.len));
	case SC_VALUE_DATETIME_LOCAL:
		return tagged("datetime-local", json_stringn(v->u.str.ptr, v->u.str.len));
	case SC_VALUE_DATE_LOCAL:
		return tagged("date-local", json_stringn(v->u.str.ptr, v->u.str.len));
	case SC_VALUE_TIME_LOCAL:
		return tagged("time-local", json_stringn(v->u.str.ptr, v->u.str.len));
	case SC_VALUE_ARRAY: {
		json_t *a = json_array();
		for (size_t i = 0; i < v->u.array.len; i++)
			json_array_append_new(a, to_json(v->u.array.items[i]));
		return a;
	}
	case SC_VALUE_TABLE: {
		json_t *o = json_object();
		_cleanup_strbuf_ struct strbuf sb = STRBUF_INIT;
		for (size_t i = 0; i < v->u.table.len; i++) {
			const struct sc_member *m = &v->u.table.items[i];
			decode_key(m->key, &sb);
			json_object_setn_new(o, strbuf_str(&sb), sb.len, to_json(m->value));
		}
		return o;
	}
	case SC_VALUE_NULL:
		break;
	}
	return json_null();
}

static int read_all(int fd, struct strbuf *sb)
{
	char buf[65536];
	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			return 0;
		strbuf_add(sb, buf, (size_t)n);
	}
}

int main(int argc, char **argv)
{
	const char *version = getenv("TOML_VERSION");
	for (int i = 1; i < argc; i++) {
		if (streq(argv[i], "--toml-version") && i + 1 < argc) {
			version = argv[++i];
		} else if (str_has_prefix(argv[i], "--toml-version=")) {
			version = argv[i] + strlen("--toml-version=");
		} else {
			fprintf(stderr,
			        "usage: toml-decode [--toml-version 1.0|1.1] < file.toml\n");
			return 2;
		}
	}
	enum sc_toml_version v = version && (streq(version, "1.1") || streq(version, "1.1.0"))
	                             ? SC_TOML_1_1
	                             : SC_TOML_1_0;

	_cleanup_strbuf_ struct strbuf input = STRBUF_INIT;
	if (read_all(STDIN_FILENO, &input) < 0) {
		fprintf(stderr, "toml-decode: read stdin: %s\n", strerror(errno));
		return 2;
	}
	_cleanup_value_ struct sc_value *root = NULL;
	_cleanup_error_ struct sc_error *err = NULL;
	if (sc_toml_parse_version(strbuf_str(&input), input.len, "<stdin>", v, &root, &err) < 0) {
		fprintf(stderr, "%s\n", err ? err->msg : "invalid toml");
		return 1;
	}
	json_t *j = to_json(root);
	char *out = json_dumps(j, JSON_INDENT(2) | JSON_ENSURE_ASCII);
	json_decref(j);
	if (!out) {
		fprintf(stderr, "toml-decode: cannot encode json\n");
		return 2;
	}
	fputs(out, stdout);
	fputc('\n', stdout);
	free(out);
	return fflush(stdout) == 0 ? 0 : 2;
}
