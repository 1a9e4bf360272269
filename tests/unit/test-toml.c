/* Unit tests for src/config/toml.c: values and types, positions, error
 * messages, redefinition rules, TOML 1.1, hostile input. Conformance as a
 * whole is the toml-test suite's job (tools/toml-decode.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "config/toml.h"
#include "util/strbuf.h"

#include <math.h>

/* The version the parse helpers use; a test may switch it. */
static enum sc_toml_version toml_version = SC_TOML_1_0;

static struct sc_value *parse_ok(const char *text)
{
	struct sc_value *v = NULL;
	_cleanup_error_ struct sc_error *err = NULL;
	int r = sc_toml_parse_version(text, strlen(text), "test.toml", toml_version, &v, &err);
	if (r < 0)
		fail_msg("unexpected error: %s", err ? err->msg : "(none)");
	assert_non_null(v);
	assert_int_equal(v->kind, SC_VALUE_TABLE);
	return v;
}

/* Returns the error message (to free) of a document that must not parse. */
static char *parse_err_n(const char *text, size_t len)
{
	struct sc_value *v = NULL;
	struct sc_error *err = NULL;
	int r = sc_toml_parse_version(text, len, "test.toml", toml_version, &v, &err);
	if (r >= 0) {
		sc_value_free(v);
		fail_msg("parsed, but should have failed: %s", text);
	}
	assert_null(v);
	assert_non_null(err);
	char *msg = steal_pointer(&err->msg);
	sc_error_free(err);
	return msg;
}

static char *parse_err(const char *text)
{
	return parse_err_n(text, strlen(text));
}

static void assert_contains(const char *haystack, const char *needle)
{
	if (!strstr(haystack, needle))
		fail_msg("`%s` does not contain `%s`", haystack, needle);
}

static void assert_err(const char *text, const char *prefix, const char *needle)
{
	_cleanup_free_ char *msg = parse_err(text);
	if (!str_has_prefix(msg, prefix))
		fail_msg("`%s` does not start with `%s`", msg, prefix);
	if (needle)
		assert_contains(msg, needle);
}

/* Follows a dotted path of plain keys (no dots inside keys). */
static struct sc_value *get(struct sc_value *t, const char *path)
{
	char buf[256];
	snprintf(buf, sizeof(buf), "%s", path);
	char *save = NULL;
	for (char *k = strtok_r(buf, ".", &save); k; k = strtok_r(NULL, ".", &save)) {
		if (!t || t->kind != SC_VALUE_TABLE)
			fail_msg("`%s`: not a table before `%s`", path, k);
		t = sc_table_get(t, k);
	}
	if (!t)
		fail_msg("`%s` not found", path);
	return t;
}

static void assert_str(struct sc_value *root, const char *path, enum sc_value_kind kind,
                       const char *want)
{
	struct sc_value *v = get(root, path);
	assert_int_equal(v->kind, kind);
	assert_string_equal(v->u.str.ptr, want);
	assert_int_equal(v->u.str.len, strlen(want));
}

static void assert_int(struct sc_value *root, const char *path, int64_t want)
{
	struct sc_value *v = get(root, path);
	assert_int_equal(v->kind, SC_VALUE_INTEGER);
	if (v->u.integer != want)
		fail_msg("`%s` is %lld, want %lld", path, (long long)v->u.integer, (long long)want);
}

static void assert_float(struct sc_value *root, const char *path, double want)
{
	struct sc_value *v = get(root, path);
	assert_int_equal(v->kind, SC_VALUE_FLOAT);
	if (isnan(want))
		assert_true(isnan(v->u.real));
	else if (v->u.real != want)
		fail_msg("`%s` is %.17g, want %.17g", path, v->u.real, want);
}

static void test_scalars(void **state)
{
	_cleanup_value_ struct sc_value *t = parse_ok("s = \"a\\tb\\u00e9\\U0001F600\"\n"
	                                              "lit = 'C:\\dir'\n"
	                                              "ml = \"\"\"\n"
	                                              "one \\\n"
	                                              "    two\"\"\"\"\n"
	                                              "mll = '''\n"
	                                              "x\r\n"
	                                              "y'''\n"
	                                              "i = +1_000\n"
	                                              "neg = -9223372036854775808\n"
	                                              "max = 9223372036854775807\n"
	                                              "hex = 0xDEAD_beef\n"
	                                              "oct = 0o755\n"
	                                              "bin = 0b1010\n"
	                                              "f = 6.626e-34\n"
	                                              "f2 = -1_0.5E+2\n"
	                                              "pinf = +inf\n"
	                                              "ninf = -inf\n"
	                                              "nan = nan\n"
	                                              "yes = true\n"
	                                              "no = false\n");
	assert_str(t, "s", SC_VALUE_STRING, "a\tb\xc3\xa9\xf0\x9f\x98\x80");
	assert_str(t, "lit", SC_VALUE_STRING, "C:\\dir");
	assert_str(t, "ml", SC_VALUE_STRING, "one two\"");
	assert_str(t, "mll", SC_VALUE_STRING, "x\ny");
	assert_int(t, "i", 1000);
	assert_int(t, "neg", INT64_MIN);
	assert_int(t, "max", INT64_MAX);
	assert_int(t, "hex", 0xDEADBEEF);
	assert_int(t, "oct", 0755);
	assert_int(t, "bin", 10);
	assert_float(t, "f", 6.626e-34);
	assert_float(t, "f2", -1050.0);
	assert_float(t, "pinf", INFINITY);
	assert_float(t, "ninf", -INFINITY);
	assert_float(t, "nan", NAN);
	assert_int_equal(get(t, "yes")->kind, SC_VALUE_BOOL);
	assert_true(get(t, "yes")->u.boolean);
	assert_false(get(t, "no")->u.boolean);
	/* Document order is kept. */
	assert_string_equal(t->u.table.items[0].key, "s");
	assert_string_equal(t->u.table.items[t->u.table.len - 1].key, "no");
}

static void test_nul_in_string(void **state)
{
	_cleanup_value_ struct sc_value *t = parse_ok("s = \"a\\u0000b\"\n");
	struct sc_value *s = get(t, "s");
	assert_int_equal(s->u.str.len, 3);
	assert_memory_equal(s->u.str.ptr, "a\0b", 4);
}

static void test_datetimes(void **state)
{
	_cleanup_value_ struct sc_value *t = parse_ok("odt = 1979-05-27t07:32:00.999999z\n"
	                                              "odt2 = 1979-05-27 00:32:00-07:00\n"
	                                              "ldt = 1979-05-27T07:32:00\n"
	                                              "ld = 2000-02-29\n"
	                                              "lt = 23:59:60.5\n");
	assert_str(t, "odt", SC_VALUE_DATETIME, "1979-05-27T07:32:00.999999Z");
	assert_str(t, "odt2", SC_VALUE_DATETIME, "1979-05-27T00:32:00-07:00");
	assert_str(t, "ldt", SC_VALUE_DATETIME_LOCAL, "1979-05-27T07:32:00");
	assert_str(t, "ld", SC_VALUE_DATE_LOCAL, "2000-02-29");
	assert_str(t, "lt", SC_VALUE_TIME_LOCAL, "23:59:60.5");

	assert_err("d = 1900-02-29\n", "test.toml:1:13: ", "day between 01 and 28");
	assert_err("d = 2023-04-31\n", "test.toml:1:13: ", "between 01 and 30");
	assert_err("d = 2023-13-01\n", "test.toml:1:10: ", "month between 01 and 12");
	assert_err("t = 24:00:00\n", "test.toml:1:5: ", "hour between 00 and 23");
	assert_err("t = 12:60:00\n", "test.toml:1:8: ", "minute");
	assert_err("t = 12:00:61\n", "test.toml:1:11: ", "second");
	assert_err("t = 12:00\n", "test.toml:1:10: ", "seconds");
	assert_err("t = 12:00:00.\n", "test.toml:1:14: ", "digits");
	assert_err("d = 1979-05-27T07:32:00+25:00\n", "test.toml:1:25: ", "offset hour");
}

static void test_arrays_and_tables(void **state)
{
	_cleanup_value_ struct sc_value *t =
	    parse_ok("a = [ 1, 'two', [3.0], {x = 4}, ] # trailing comma\n"
	             "b = [\n"
	             "  # comment\n"
	             "  1,\n"
	             "\n"
	             "  2\n"
	             "]\n"
	             "p.q.r = 1\n"
	             "\"quoted key\".'lit' = 2\n"
	             "[tbl]\n"
	             "k = {x.y = 1, z = []}\n"
	             "[[aot]]\n"
	             "n = 1\n"
	             "[aot.sub]\n"
	             "m = 1\n"
	             "[[aot]]\n"
	             "n = 2\n"
	             "[x.y.z]\n"
	             "[x]\n");
	struct sc_value *a = get(t, "a");
	assert_int_equal(a->kind, SC_VALUE_ARRAY);
	assert_int_equal(a->u.array.len, 4);
	assert_int_equal(a->u.array.items[0]->kind, SC_VALUE_INTEGER);
	assert_int_equal(a->u.array.items[1]->kind, SC_VALUE_STRING);
	assert_int_equal(a->u.array.items[2]->kind, SC_VALUE_ARRAY);
	assert_int_equal(a->u.array.items[3]->kind, SC_VALUE_TABLE);
	assert_int_equal(get(t, "b")->u.array.len, 2);
	assert_int(t, "p.q.r", 1);
	struct sc_value *quoted = sc_table_get(t, "quoted key");
	assert_non_null(quoted);
	assert_int(quoted, "lit", 2);
	assert_int(t, "tbl.k.x.y", 1);
	assert_int_equal(get(t, "tbl.k.z")->kind, SC_VALUE_ARRAY);
	struct sc_value *aot = get(t, "aot");
	assert_int_equal(aot->kind, SC_VALUE_ARRAY);
	assert_int_equal(aot->u.array.len, 2);
	assert_int(aot->u.array.items[0], "n", 1);
	assert_int(aot->u.array.items[0], "sub.m", 1);
	assert_int(aot->u.array.items[1], "n", 2);
	assert_null(sc_table_get(aot->u.array.items[1], "sub"));
	assert_int_equal(get(t, "x.y.z")->kind, SC_VALUE_TABLE);
}

static void test_empty_and_bom(void **state)
{
	_cleanup_value_ struct sc_value *a = parse_ok("");
	assert_int_equal(a->u.table.len, 0);
	_cleanup_value_ struct sc_value *b = parse_ok("\xEF\xBB\xBFk = 1\r\n# end");
	assert_int(b, "k", 1);
	struct sc_value *v = NULL;
	_cleanup_error_ struct sc_error *err = NULL;
	assert_int_equal(sc_toml_parse(NULL, 0, "null.toml", &v, &err), 0);
	assert_non_null(v);
	sc_value_free(v);
}

static void test_positions(void **state)
{
	_cleanup_value_ struct sc_value *t = parse_ok("# comment\n"
	                                              "\n"
	                                              "name = \"x\"\n"
	                                              "  [server]\n"
	                                              "\tport =   8080\n"
	                                              "opts = { a = 1, b = [ true ] }\n"
	                                              "x.'y' = 2\n");
	const char *file = sc_intern("test.toml");
	struct sc_member *m = sc_table_get_member(t, "name");
	assert_non_null(m);
	assert_ptr_equal(m->key_pos.file, file);
	assert_int_equal(m->key_pos.line, 3);
	assert_int_equal(m->key_pos.col, 1);
	assert_ptr_equal(m->value->pos.file, file);
	assert_int_equal(m->value->pos.line, 3);
	assert_int_equal(m->value->pos.col, 8);

	struct sc_member *srv = sc_table_get_member(t, "server");
	assert_int_equal(srv->key_pos.line, 4);
	assert_int_equal(srv->key_pos.col, 4);
	assert_int_equal(srv->value->pos.line, 4);

	struct sc_member *port = sc_table_get_member(srv->value, "port");
	assert_int_equal(port->key_pos.line, 5);
	assert_int_equal(port->key_pos.col, 2);
	assert_int_equal(port->value->pos.line, 5);
	assert_int_equal(port->value->pos.col, 11);

	struct sc_member *opts = sc_table_get_member(srv->value, "opts");
	assert_int_equal(opts->value->pos.line, 6);
	assert_int_equal(opts->value->pos.col, 8);
	struct sc_member *a = sc_table_get_member(opts->value, "a");
	assert_int_equal(a->key_pos.col, 10);
	assert_int_equal(a->value->pos.col, 14);
	struct sc_value *b = sc_table_get(opts->value, "b");
	assert_int_equal(b->pos.col, 21);
	assert_int_equal(b->u.array.items[0]->pos.line, 6);
	assert_int_equal(b->u.array.items[0]->pos.col, 23);

	struct sc_member *x = sc_table_get_member(srv->value, "x");
	assert_int_equal(x->key_pos.line, 7);
	assert_int_equal(x->key_pos.col, 1);
	struct sc_member *y = sc_table_get_member(x->value, "y");
	assert_int_equal(y->key_pos.col, 3);
	assert_int_equal(y->value->pos.col, 9);

	/* Lines count across multi-line strings and CRLF. */
	_cleanup_value_ struct sc_value *u = parse_ok("s = \"\"\"\r\na\r\nb\"\"\"\r\n  k = 1\r\n");
	struct sc_member *k = sc_table_get_member(u, "k");
	assert_int_equal(k->key_pos.line, 4);
	assert_int_equal(k->key_pos.col, 3);
	assert_int_equal(k->value->pos.col, 7);
}

static void test_syntax_errors(void **state)
{
	assert_err("a = \n", "test.toml:1:5: ", "expected a value for key `a`, found end of line");
	assert_err("a = 1\nb\n", "test.toml:2:2: ", "expected `=` after key `b`");
	assert_err("a = 1 2\n", "test.toml:1:7: ", "expected a newline");
	assert_err("a = [1 2]\n", "test.toml:1:8: ", "expected `,` or `]`");
	assert_err("a = [1,,]\n", "test.toml:1:8: ", "expected a value, found `,`");
	assert_err("a = \"abc\n", "test.toml:1:5: ", "unterminated string");
	assert_err("a = \"\"\"abc\n", "test.toml:1:5: ", "`\"\"\"`");
	assert_err("a = '''abc''''''\n", "test.toml:1:", "expected a newline");
	assert_err("a = \"\\q\"\n", "test.toml:1:6: ", "escape");
	assert_err("a = \"\\uD800\"\n", "test.toml:1:6: ", "surrogate");
	assert_err("a = \"\\U00110000\"\n", "test.toml:1:6: ", "U+10FFFF");
	assert_err("a = 0777\n", "test.toml:1:5: ", "leading zeros");
	assert_err("a = 1__0\n", "test.toml:1:5: ", "`_`");
	assert_err("a = 9223372036854775808\n", "test.toml:1:5: ", "64-bit");
	assert_err("a = -9223372036854775809\n", "test.toml:1:5: ", "64-bit");
	assert_err("a = 0x8000000000000000\n", "test.toml:1:5: ", "64-bit");
	assert_err("a = 1e400\n", "test.toml:1:5: ", "range");
	assert_err("a = 1.\n", "test.toml:1:5: ", "decimal point");
	assert_err("a = +0x1\n", "test.toml:1:5: ", "sign");
	assert_err("a = truthy\n", "test.toml:1:5: ", "`truthy`");
	assert_err("a = {b = 1,}\n", "test.toml:1:12: ", "trailing comma");
	assert_err("a = {b = 1\n}\n", "test.toml:1:11: ", "one line");
	assert_err("[a\n", "test.toml:1:3: ", "`]`");
	assert_err("[[a]\n", "test.toml:1:4: ", "`]]`");
	assert_err("[a] b = 1\n", "test.toml:1:5: ", "expected a newline after the table header");
	assert_err("\"\"\"k\"\"\" = 1\n", "test.toml:1:1: ", "multi-line");
	assert_err("a = 1 # \x01\n", "test.toml:1:9: ", "U+0001");
	assert_err("a = \"\x7f\"\n", "test.toml:1:6: ", "U+007F");
	assert_err("a = 1\rb = 2\n", "test.toml:1:7: ", "carriage return");
	assert_err("a = 2023-01-01T\n", "test.toml:1:16: ", "hour");
}

static void test_encoding_errors(void **state)
{
	assert_err("a = \"\xC0\xAF\"\n", "test.toml:1:6: ", "UTF-8");          /* overlong */
	assert_err("a = \"\xED\xA0\x80\"\n", "test.toml:1:6: ", "UTF-8");      /* surrogate */
	assert_err("a = 1\n# \xF4\x90\x80\x80\n", "test.toml:2:3: ", "UTF-8"); /* > U+10FFFF */
	assert_err("a = \"\xFF\"\n", "test.toml:1:6: ", "UTF-8");
	assert_err("a = \"\xE2\x82\"\n", "test.toml:1:6: ", "UTF-8");
	_cleanup_free_ char *msg = parse_err_n("a = \"\0\"\n", 8);
	assert_contains(msg, "test.toml:1:6: ");
}

static void test_redefinition(void **state)
{
	assert_err("a = 1\na = 2\n",
	           "test.toml:2:1: ", "duplicate key `a` (first defined at line 1)");
	assert_err("[t]\nx.y = 1\n\n\nx.y = 2\n",
	           "test.toml:5:3: ", "duplicate key `t.x.y` (first defined at line 2)");
	assert_err("[a]\n[a]\n",
	           "test.toml:2:2: ", "duplicate table `[a]` (first defined at line 1)");
	assert_err("[a.b]\n[a]\n[a]\n", "test.toml:3:2: ", "line 2");
	assert_err("a.b = 1\n[a]\n", "test.toml:2:2: ", "dotted keys");
	assert_err("[x]\na.b = 1\n[x.a]\n", "test.toml:3:4: ", "duplicate table `[x.a]`");
	assert_err("a = {}\n[a]\n", "test.toml:2:2: ", "inline table");
	assert_err("a = {b = 1}\na.c = 2\n", "test.toml:2:1: ", "inline table");
	assert_err("a = {b = {}}\n[a.b.c]\n", "test.toml:2:2: ", "inline table");
	assert_err("a = {b = 1, b.c = 2}\n", "test.toml:1:13: ", "duplicate key `a.b`");
	assert_err("a = []\n[[a]]\n", "test.toml:2:3: ", "not an array of tables");
	assert_err("a = [{}]\n[a.b]\n", "test.toml:2:2: ", "array");
	assert_err("[[a]]\n[a]\n", "test.toml:2:2: ", "duplicate key `a`");
	assert_err("[a]\n[[a]]\n", "test.toml:2:3: ", "not an array of tables");
	assert_err("[a.b.c]\nz = 9\n[a]\nb.c.t = 1\n", "test.toml:4:3: ", "[a.b.c]");
	assert_err("[[a.b]]\n[a]\nb.y = 2\n", "test.toml:3:1: ", "array of tables");
	assert_err("[a]\nb = 1\n[a.b]\n", "test.toml:3:4: ", "integer");
	assert_err("[[albums.songs]]\n[[albums]]\n", "test.toml:2:3: ", "albums");
	/* Allowed: sub-tables of a dotted table, and defining an implicit table. */
	_cleanup_value_ struct sc_value *t = parse_ok("[fruit]\napple.color = 'red'\n"
	                                              "[fruit.apple.texture]\nsmooth = true\n"
	                                              "[a.b.c]\n[a]\nd = 1\n"
	                                              "[[arr.x]]\n[arr]\n");
	assert_true(get(t, "fruit.apple.texture.smooth")->u.boolean);
	assert_int(t, "a.d", 1);
}

static void test_quoted_keys_in_messages(void **state)
{
	assert_err("\"a b\" = 1\n'a b' = 2\n", "test.toml:2:1: ", "duplicate key `\"a b\"`");
	assert_err("\"\" = 1\n\"\" = 2\n", "test.toml:2:1: ", "duplicate key `\"\"`");
	/* U+0000 in a key is legal TOML; it is kept as C0 80 in the C string. */
	_cleanup_value_ struct sc_value *t = parse_ok("\"\\u0000\" = 1\n'\\u0000' = 2\n");
	assert_int_equal(t->u.table.len, 2);
	assert_string_equal(t->u.table.items[0].key, "\xC0\x80");
	assert_string_equal(t->u.table.items[1].key, "\\u0000");
	assert_err("\"\\u0000\" = 1\n\"\\u0000\" = 2\n",
	           "test.toml:2:1: ", "duplicate key `\"\\u0000\"`");
}

static void test_toml_1_1(void **state)
{
	toml_version = SC_TOML_1_1;
	_cleanup_value_ struct sc_value *t = parse_ok("t = {\n  a = 1, # one\n  b = 2,\n}\n"
	                                              "e = \"\\e\\x41\"\n"
	                                              "lt = 13:37\n"
	                                              "dt = 1979-05-27 07:32Z\n");
	assert_int(t, "t.a", 1);
	assert_int(t, "t.b", 2);
	assert_str(t, "e", SC_VALUE_STRING,
	           "\x1b"
	           "A");
	assert_str(t, "lt", SC_VALUE_TIME_LOCAL, "13:37:00");
	assert_str(t, "dt", SC_VALUE_DATETIME, "1979-05-27T07:32:00Z");
	/* Positions still count the lines inside the inline table. */
	assert_int_equal(sc_table_get_member(get(t, "t"), "b")->key_pos.line, 3);
	toml_version = SC_TOML_1_0;
	assert_err("e = \"\\e\"\n", "test.toml:1:6: ", "escape");
}

static void test_nesting_limit(void **state)
{
	_cleanup_strbuf_ struct strbuf sb = STRBUF_INIT;
	strbuf_adds(&sb, "a = ");
	for (int i = 0; i < 10000; i++)
		strbuf_addc(&sb, '[');
	_cleanup_free_ char *msg = parse_err(strbuf_str(&sb));
	assert_contains(msg, "nesting deeper than");

	strbuf_reset(&sb);
	strbuf_adds(&sb, "a = ");
	for (int i = 0; i < 10000; i++)
		strbuf_adds(&sb, "{b=");
	_cleanup_free_ char *msg2 = parse_err(strbuf_str(&sb));
	assert_contains(msg2, "nesting deeper than");

	strbuf_reset(&sb);
	for (int i = 0; i < 10000; i++)
		strbuf_adds(&sb, "a.");
	strbuf_adds(&sb, "a = 1\n");
	_cleanup_free_ char *msg3 = parse_err(strbuf_str(&sb));
	assert_contains(msg3, "test.toml:1:");

	/* A reasonable depth is fine. */
	strbuf_reset(&sb);
	strbuf_adds(&sb, "a = ");
	for (int i = 0; i < 100; i++)
		strbuf_addc(&sb, '[');
	for (int i = 0; i < 100; i++)
		strbuf_addc(&sb, ']');
	_cleanup_value_ struct sc_value *t = parse_ok(strbuf_str(&sb));
	assert_non_null(t);
}

static void test_many_keys(void **state)
{
	_cleanup_strbuf_ struct strbuf sb = STRBUF_INIT;
	for (int i = 0; i < 20000; i++)
		strbuf_addf(&sb, "k%d = %d\n", i, i);
	for (int i = 0; i < 20000; i++)
		strbuf_addf(&sb, "[[t]]\nx = 1\n[t.s%d]\n", i);
	_cleanup_value_ struct sc_value *t = parse_ok(strbuf_str(&sb));
	assert_int(t, "k19999", 19999);
	assert_int_equal(get(t, "k0")->u.integer, 0);
	assert_int_equal(get(t, "t")->u.array.len, 20000);
}

/* Every prefix of a valid document, and some garbage, must fail cleanly or
 * parse: never crash (ASan in CI watches the leaks). */
static void test_truncated_and_garbage(void **state)
{
	static const char doc[] = "# doc\n"
	                          "title = \"T\\u00e9st\" # c\n"
	                          "[owner]\n"
	                          "dob = 1979-05-27T07:32:00-08:00\n"
	                          "[database]\n"
	                          "ports = [ 8000, 8001, 8002 ]\n"
	                          "temp = { cpu = 79.5, case = 72.0 }\n"
	                          "s = '''\n"
	                          "multi'''\n"
	                          "[[products]]\n"
	                          "name = \"Hammer\"\n"
	                          "sku = 0x1_F\n";
	_cleanup_value_ struct sc_value *full = parse_ok(doc);
	assert_int_equal(full->u.table.len, 4);
	for (size_t n = 0; n < sizeof(doc) - 1; n++) {
		char *copy = xmalloc(n ? n : 1);
		memcpy(copy, doc, n);
		struct sc_value *v = NULL;
		struct sc_error *err = NULL;
		int r = sc_toml_parse(copy, n, "cut.toml", &v, &err);
		if (r < 0) {
			assert_null(v);
			assert_non_null(err);
			assert_true(str_has_prefix(err->msg, "cut.toml:"));
		} else {
			assert_non_null(v);
			assert_null(err);
		}
		sc_value_free(v);
		sc_error_free(err);
		free(copy);
	}
	unsigned seed = 12345;
	for (int round = 0; round < 2000; round++) {
		char buf[64];
		size_t n = (size_t)(round % 64);
		for (size_t k = 0; k < n; k++) {
			seed = seed * 1103515245u + 12345u;
			static const char alphabet[] =
			    "[]{}=.,\"'#\\\n\r\t a1_-+:eTZx0\xC3\xA9\xFF\x00";
			buf[k] = alphabet[(seed >> 16) % (sizeof(alphabet) - 1)];
		}
		struct sc_value *v = NULL;
		struct sc_error *err = NULL;
		if (sc_toml_parse(buf, n, "junk.toml", &v, &err) < 0)
			assert_true(str_has_prefix(err->msg, "junk.toml:"));
		sc_value_free(v);
		sc_error_free(err);
	}
}

int main(void)
{
	toml_version = SC_TOML_1_0;
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_scalars),       cmocka_unit_test(test_nul_in_string),
	    cmocka_unit_test(test_datetimes),     cmocka_unit_test(test_arrays_and_tables),
	    cmocka_unit_test(test_empty_and_bom), cmocka_unit_test(test_positions),
	    cmocka_unit_test(test_syntax_errors), cmocka_unit_test(test_encoding_errors),
	    cmocka_unit_test(test_redefinition),  cmocka_unit_test(test_quoted_keys_in_messages),
	    cmocka_unit_test(test_toml_1_1),      cmocka_unit_test(test_nesting_limit),
	    cmocka_unit_test(test_many_keys),     cmocka_unit_test(test_truncated_and_garbage),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
