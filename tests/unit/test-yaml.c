/* Unit tests for src/config/yaml.c: YAML through libyaml into the value tree. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "config/value.h"
#include "config/yaml.h"
#include "util/error.h"
#include "util/strbuf.h"

#include <math.h>

#define FILE_NAME "test.yaml"

static struct sc_value *parse_ok(const char *text)
{
	struct sc_value *v = NULL;
	_cleanup_error_ struct sc_error *err = NULL;
	int r = sc_yaml_parse(text, strlen(text), FILE_NAME, &v, &err);
	if (r < 0)
		fail_msg("unexpected error: %s", err ? err->msg : "(none)");
	assert_int_equal(r, 0);
	assert_null(err);
	assert_non_null(v);
	assert_int_equal(v->kind, SC_VALUE_TABLE);
	return v;
}

/* The error message of a document that must fail; the caller frees it. */
static char *parse_err_len(const char *text, size_t len)
{
	struct sc_value *v = NULL;
	struct sc_error *err = NULL;
	int r = sc_yaml_parse(text, len, FILE_NAME, &v, &err);
	assert_true(r < 0);
	assert_null(v);
	assert_non_null(err);
	char *msg = xstrdup(err->msg);
	sc_error_free(err);
	return msg;
}

static char *parse_err(const char *text)
{
	return parse_err_len(text, strlen(text));
}

static void assert_err(const char *text, const char *expected)
{
	_cleanup_free_ char *msg = parse_err(text);
	assert_string_equal(msg, expected);
}

static void assert_err_contains(const char *text, const char *part)
{
	_cleanup_free_ char *msg = parse_err(text);
	if (!strstr(msg, part))
		fail_msg("error \"%s\" does not contain \"%s\"", msg, part);
}

static const struct sc_value *get(const struct sc_value *t, const char *key)
{
	const struct sc_value *v = sc_table_get(t, key);
	if (!v)
		fail_msg("no key `%s`", key);
	return v;
}

static void assert_str(const struct sc_value *v, const char *s)
{
	assert_int_equal(v->kind, SC_VALUE_STRING);
	assert_string_equal(v->u.str.ptr, s);
	assert_int_equal(v->u.str.len, strlen(s));
}

static void assert_int(const struct sc_value *v, int64_t i)
{
	assert_int_equal(v->kind, SC_VALUE_INTEGER);
	assert_true(v->u.integer == i);
}

static void assert_float(const struct sc_value *v, double d)
{
	assert_int_equal(v->kind, SC_VALUE_FLOAT);
	assert_true(v->u.real == d);
}

static void assert_bool(const struct sc_value *v, bool b)
{
	assert_int_equal(v->kind, SC_VALUE_BOOL);
	assert_int_equal(v->u.boolean, b);
}

static void assert_pos(struct sc_pos pos, unsigned line, unsigned col)
{
	assert_ptr_equal(pos.file, sc_intern(FILE_NAME));
	if (pos.line != line || pos.col != col)
		fail_msg("position %u:%u, expected %u:%u", pos.line, pos.col, line, col);
}

static void test_scalar_types(void **state)
{
	_cleanup_value_ struct sc_value *t = parse_ok("s: hello world\n"
	                                              "i: 20\n"
	                                              "q: \"20\"\n"
	                                              "sq: '20'\n"
	                                              "neg: -17\n"
	                                              "pos: +3\n"
	                                              "zeros: 007\n"
	                                              "hex: 0x1F\n"
	                                              "oct: 0o17\n"
	                                              "max: 9223372036854775807\n"
	                                              "min: -9223372036854775808\n"
	                                              "f1: 1.5\n"
	                                              "f2: .5\n"
	                                              "f3: 1e3\n"
	                                              "f4: -2.5E-1\n"
	                                              "f5: 1.\n"
	                                              "inf: .inf\n"
	                                              "ninf: -.Inf\n"
	                                              "nan: .NaN\n"
	                                              "t1: true\n"
	                                              "t2: True\n"
	                                              "t3: TRUE\n"
	                                              "f: false\n"
	                                              "n1: ~\n"
	                                              "n2: null\n"
	                                              "n3: NULL\n"
	                                              "n4:\n"
	                                              "yes: yes\n"
	                                              "no: no\n"
	                                              "on: on\n"
	                                              "off: Off\n"
	                                              "y: y\n"
	                                              "tRuE: tRuE\n"
	                                              "date: 2001-12-14\n"
	                                              "ver: 1.2.3\n"
	                                              "hexbad: 0xZZ\n"
	                                              "sign: '-'\n"
	                                              "qnull: \"null\"\n"
	                                              "qtrue: 'true'\n");
	assert_str(get(t, "s"), "hello world");
	assert_int(get(t, "i"), 20);
	assert_str(get(t, "q"), "20");
	assert_str(get(t, "sq"), "20");
	assert_int(get(t, "neg"), -17);
	assert_int(get(t, "pos"), 3);
	assert_int(get(t, "zeros"), 7);
	assert_int(get(t, "hex"), 31);
	assert_int(get(t, "oct"), 15);
	assert_int(get(t, "max"), INT64_MAX);
	assert_int(get(t, "min"), INT64_MIN);
	assert_float(get(t, "f1"), 1.5);
	assert_float(get(t, "f2"), 0.5);
	assert_float(get(t, "f3"), 1000.0);
	assert_float(get(t, "f4"), -0.25);
	assert_float(get(t, "f5"), 1.0);
	assert_float(get(t, "inf"), INFINITY);
	assert_float(get(t, "ninf"), -INFINITY);
	assert_int_equal(get(t, "nan")->kind, SC_VALUE_FLOAT);
	assert_true(isnan(get(t, "nan")->u.real));
	assert_bool(get(t, "t1"), true);
	assert_bool(get(t, "t2"), true);
	assert_bool(get(t, "t3"), true);
	assert_bool(get(t, "f"), false);
	assert_int_equal(get(t, "n1")->kind, SC_VALUE_NULL);
	assert_int_equal(get(t, "n2")->kind, SC_VALUE_NULL);
	assert_int_equal(get(t, "n3")->kind, SC_VALUE_NULL);
	assert_int_equal(get(t, "n4")->kind, SC_VALUE_NULL);
	/* YAML 1.1 booleans are strings in the core schema. */
	assert_str(get(t, "yes"), "yes");
	assert_str(get(t, "no"), "no");
	assert_str(get(t, "on"), "on");
	assert_str(get(t, "off"), "Off");
	assert_str(get(t, "y"), "y");
	assert_str(get(t, "tRuE"), "tRuE");
	assert_str(get(t, "date"), "2001-12-14");
	assert_str(get(t, "ver"), "1.2.3");
	assert_str(get(t, "hexbad"), "0xZZ");
	assert_str(get(t, "sign"), "-");
	assert_str(get(t, "qnull"), "null");
	assert_str(get(t, "qtrue"), "true");
}

static void test_block_scalars(void **state)
{
	_cleanup_value_ struct sc_value *t = parse_ok("lit: |\n"
	                                              "  line 1\n"
	                                              "  line 2\n"
	                                              "fold: >\n"
	                                              "  a\n"
	                                              "  b\n"
	                                              "num: |\n"
	                                              "  20\n"
	                                              "strip: |-\n"
	                                              "  true\n");
	assert_str(get(t, "lit"), "line 1\nline 2\n");
	assert_str(get(t, "fold"), "a b\n");
	assert_str(get(t, "num"), "20\n");
	assert_str(get(t, "strip"), "true");
}

static void test_tags(void **state)
{
	_cleanup_value_ struct sc_value *t = parse_ok("a: !!str 20\n"
	                                              "b: !!int \"20\"\n"
	                                              "c: !!float 1\n"
	                                              "d: !!bool 'false'\n"
	                                              "e: !!null ''\n"
	                                              "f: ! 20\n"
	                                              "g: !!str\n"
	                                              "h: !!map {x: 1}\n"
	                                              "i: !!seq [1]\n");
	assert_str(get(t, "a"), "20");
	assert_int(get(t, "b"), 20);
	assert_float(get(t, "c"), 1.0);
	assert_bool(get(t, "d"), false);
	assert_int_equal(get(t, "e")->kind, SC_VALUE_NULL);
	assert_str(get(t, "f"), "20");
	assert_str(get(t, "g"), "");
	assert_int_equal(get(t, "h")->kind, SC_VALUE_TABLE);
	assert_int_equal(get(t, "i")->kind, SC_VALUE_ARRAY);

	assert_err("a: !!int abc\n", "test.yaml:1:4: `abc` is not an integer");
	assert_err("a: !!bool yes\n", "test.yaml:1:4: `yes` is not a boolean (true or false)");
	assert_err("a: !!float x\n", "test.yaml:1:4: `x` is not a float");
	assert_err("a: !!null x\n", "test.yaml:1:4: `x` is not null");
	assert_err("a: !custom x\n",
	           "test.yaml:1:4: unsupported tag `!custom` (only !!str, !!int, !!float, !!bool, "
	           "!!null)");
	assert_err_contains("a: !!binary aGVsbG8=\n", "unsupported tag `!!binary`");
	assert_err_contains("a: !!set {x}\n", "unsupported tag `!!set` on a mapping");
	assert_err_contains("!foo b: 1\n", "test.yaml:1:1: unsupported tag `!foo`");
}

static void test_integer_range(void **state)
{
	assert_err("a: 9223372036854775808\n",
	           "test.yaml:1:4: integer out of range: 9223372036854775808");
	assert_err("a:\n  b: -9223372036854775809\n",
	           "test.yaml:2:6: integer out of range: -9223372036854775809");
	assert_err_contains("a: 0x8000000000000000\n", "1:4: integer out of range");
	assert_err_contains("a: !!int '99999999999999999999'\n", "integer out of range");
	/* Quoted, it is just a string. */
	_cleanup_value_ struct sc_value *t = parse_ok("a: '9223372036854775808'\n"
	                                              "b: 0x7FFFFFFFFFFFFFFF\n"
	                                              "99999999999999999999: key\n");
	assert_str(get(t, "a"), "9223372036854775808");
	assert_int(get(t, "b"), INT64_MAX);
	assert_str(get(t, "99999999999999999999"), "key");
}

static void test_keys_are_strings(void **state)
{
	_cleanup_value_ struct sc_value *t = parse_ok("1: one\n"
	                                              "true: yes\n"
	                                              "0x10: hex\n"
	                                              "~: tilde\n"
	                                              "'quoted key': q\n"
	                                              "\"\": empty\n");
	assert_str(get(t, "1"), "one");
	assert_str(get(t, "true"), "yes");
	assert_str(get(t, "0x10"), "hex");
	assert_str(get(t, "~"), "tilde");
	assert_str(get(t, "quoted key"), "q");
	assert_str(get(t, ""), "empty");
	assert_int_equal(t->u.table.len, 6);

	_cleanup_value_ struct sc_value *n = parse_ok("v: \"a\\0b\"\n");
	const struct sc_value *v = get(n, "v");
	assert_int_equal(v->kind, SC_VALUE_STRING);
	assert_int_equal(v->u.str.len, 3);
	assert_memory_equal(v->u.str.ptr, "a\0b", 4);

	assert_err("\"a\\0b\": 1\n", "test.yaml:1:1: a key cannot contain a NUL character");
	assert_err("? [a, b]\n: 1\n", "test.yaml:1:3: a key must be a scalar, found a sequence");
	assert_err("{a: 1}: 2\n", "test.yaml:1:1: a key must be a scalar, found a mapping");
}

static void test_nested(void **state)
{
	_cleanup_value_ struct sc_value *t = parse_ok("services:\n"
	                                              "  web:\n"
	                                              "    image: nginx\n"
	                                              "    ports: [80, \"443\"]\n"
	                                              "    env:\n"
	                                              "      - A=1\n"
	                                              "      - {B: 2}\n"
	                                              "      - []\n"
	                                              "      - - x\n"
	                                              "        - y\n"
	                                              "empty_map: {}\n"
	                                              "order: {z: 1, a: 2, m: 3}\n");
	const struct sc_value *web = get(get(t, "services"), "web");
	assert_str(get(web, "image"), "nginx");
	const struct sc_value *ports = get(web, "ports");
	assert_int_equal(ports->kind, SC_VALUE_ARRAY);
	assert_int_equal(ports->u.array.len, 2);
	assert_int(ports->u.array.items[0], 80);
	assert_str(ports->u.array.items[1], "443");
	const struct sc_value *env = get(web, "env");
	assert_int_equal(env->u.array.len, 4);
	assert_str(env->u.array.items[0], "A=1");
	assert_int(get(env->u.array.items[1], "B"), 2);
	assert_int_equal(env->u.array.items[2]->kind, SC_VALUE_ARRAY);
	assert_int_equal(env->u.array.items[2]->u.array.len, 0);
	assert_str(env->u.array.items[3]->u.array.items[1], "y");
	assert_int_equal(get(t, "empty_map")->kind, SC_VALUE_TABLE);
	assert_int_equal(get(t, "empty_map")->u.table.len, 0);
	const struct sc_value *order = get(t, "order");
	assert_string_equal(order->u.table.items[0].key, "z");
	assert_string_equal(order->u.table.items[1].key, "a");
	assert_string_equal(order->u.table.items[2].key, "m");
}

static void test_positions(void **state)
{
	_cleanup_value_ struct sc_value *t = parse_ok("# comment\n"
	                                              "agent:\n"
	                                              "  image:\n"
	                                              "    base:  \"debian\"\n"
	                                              "  list:\n"
	                                              "    - one\n"
	                                              "    -   two\n"
	                                              "flow: {k: [1, 22]}\n"
	                                              "\xc3\xa9t\xc3\xa9: \xc3\xa9x\n"
	                                              "empty:\n"
	                                              "lit: |\n"
	                                              "  x\n");
	assert_pos(t->pos, 2, 1);
	const struct sc_member *agent = sc_table_get_member(t, "agent");
	assert_pos(agent->key_pos, 2, 1);
	assert_pos(agent->value->pos, 3, 3);
	const struct sc_value *image = get(agent->value, "image");
	const struct sc_member *base = sc_table_get_member(image, "base");
	assert_pos(base->key_pos, 4, 5);
	/* A value at line 4 column 12 (the quote). */
	assert_pos(base->value->pos, 4, 12);
	const struct sc_value *list = get(agent->value, "list");
	assert_pos(list->pos, 6, 5);
	assert_pos(list->u.array.items[0]->pos, 6, 7);
	assert_pos(list->u.array.items[1]->pos, 7, 9);
	const struct sc_value *flow = get(t, "flow");
	assert_pos(flow->pos, 8, 7);
	assert_pos(sc_table_get_member(flow, "k")->key_pos, 8, 8);
	const struct sc_value *k = get(flow, "k");
	assert_pos(k->pos, 8, 11);
	assert_pos(k->u.array.items[1]->pos, 8, 15);
	/* Columns count bytes: "été" is 5 bytes. */
	const struct sc_member *ete = sc_table_get_member(t, "\xc3\xa9t\xc3\xa9");
	assert_pos(ete->key_pos, 9, 1);
	assert_pos(ete->value->pos, 9, 8);
	assert_pos(sc_table_get_member(t, "empty")->key_pos, 10, 1);
	assert_pos(get(t, "lit")->pos, 11, 6);
}

static void test_position_line4_col9(void **state)
{
	_cleanup_value_ struct sc_value *t = parse_ok("a:\n"
	                                              "  b:\n"
	                                              "    c:\n"
	                                              "      d: value\n");
	const struct sc_value *c = get(get(get(t, "a"), "b"), "c");
	assert_pos(sc_table_get_member(c, "d")->key_pos, 4, 7);
	assert_pos(get(c, "d")->pos, 4, 10);

	_cleanup_value_ struct sc_value *u = parse_ok("x: 1\n\n\nkey:    42\n");
	assert_pos(get(u, "key")->pos, 4, 9);
	assert_int(get(u, "key"), 42);
}

static void test_positions_crlf_bom(void **state)
{
	_cleanup_value_ struct sc_value *t = parse_ok("\xef\xbb\xbf"
	                                              "a: 1\r\n"
	                                              "b:\r\n"
	                                              "  c: \xe2\x82\xac 2\r\n");
	assert_pos(sc_table_get_member(t, "a")->key_pos, 1, 1);
	assert_pos(get(t, "a")->pos, 1, 4);
	const struct sc_value *b = get(t, "b");
	assert_pos(sc_table_get_member(b, "c")->key_pos, 3, 3);
	assert_pos(get(b, "c")->pos, 3, 6);
	assert_str(get(b, "c"), "\xe2\x82\xac 2");
}

static void test_anchors_aliases(void **state)
{
	_cleanup_value_ struct sc_value *t = parse_ok("base: &b\n"
	                                              "  image: debian\n"
	                                              "  env: [A, B]\n"
	                                              "copy: *b\n"
	                                              "num: &n 7\n"
	                                              "nums: [*n, *n]\n"
	                                              "&k name: value\n"
	                                              "keyref: *k\n"
	                                              "other: {*k : via alias}\n"
	                                              "re: &n 8\n"
	                                              "re2: *n\n");
	const struct sc_value *copy = get(t, "copy");
	assert_int_equal(copy->kind, SC_VALUE_TABLE);
	assert_ptr_not_equal(copy, get(t, "base"));
	assert_str(get(copy, "image"), "debian");
	assert_str(get(copy, "env")->u.array.items[1], "B");
	/* The alias itself is where it was written; inside, the anchor's places. */
	assert_pos(copy->pos, 4, 7);
	assert_pos(sc_table_get_member(copy, "image")->key_pos, 2, 3);
	const struct sc_value *nums = get(t, "nums");
	assert_int(nums->u.array.items[0], 7);
	assert_int(nums->u.array.items[1], 7);
	assert_pos(nums->u.array.items[1]->pos, 6, 12);
	assert_str(get(t, "keyref"), "name");
	assert_str(get(t, "name"), "value");
	assert_err("&k name: value\n*k : again\n",
	           "test.yaml:2:1: duplicate key `name` (first at line 1)");
	/* An anchor may be redefined; aliases take the latest. */
	assert_int(get(t, "re2"), 8);
	const struct sc_member *m = sc_table_get_member(get(t, "other"), "name");
	assert_non_null(m);
	assert_pos(m->key_pos, 9, 9);
	assert_str(m->value, "via alias");
}

static void test_alias_errors(void **state)
{
	assert_err("a: 1\nb: *nope\n",
	           "test.yaml:2:4: undefined alias `*nope` (define it first with `&nope`)");
	/* An alias to its own collection is not defined yet. */
	assert_err_contains("a: &x [1, *x]\n", "test.yaml:1:11: undefined alias `*x`");
	assert_err("a: &m {x: 1}\n*m : 2\n",
	           "test.yaml:2:1: a key must be a scalar, but alias `*m` is a mapping");
}

static void test_merge_keys(void **state)
{
	_cleanup_value_ struct sc_value *t = parse_ok("x-common: &common\n"
	                                              "  restart: always\n"
	                                              "  image: base\n"
	                                              "  env: {A: 1}\n"
	                                              "x-more: &more\n"
	                                              "  image: more\n"
	                                              "  user: me\n"
	                                              "svc:\n"
	                                              "  name: first\n"
	                                              "  <<: *common\n"
	                                              "  image: mine\n"
	                                              "multi:\n"
	                                              "  <<: [*more, *common]\n"
	                                              "  extra: 1\n"
	                                              "inline:\n"
	                                              "  <<: {a: 1, b: 2}\n"
	                                              "  b: 3\n"
	                                              "quoted:\n"
	                                              "  '<<': literal\n");
	const struct sc_value *svc = get(t, "svc");
	assert_int_equal(svc->u.table.len, 4);
	assert_string_equal(svc->u.table.items[0].key, "name");
	/* Merged keys sit where `<<` was written; explicit keys win. */
	assert_string_equal(svc->u.table.items[1].key, "restart");
	assert_string_equal(svc->u.table.items[2].key, "env");
	assert_string_equal(svc->u.table.items[3].key, "image");
	assert_str(get(svc, "image"), "mine");
	assert_str(get(svc, "restart"), "always");
	assert_int(get(get(svc, "env"), "A"), 1);
	assert_pos(sc_table_get_member(svc, "restart")->key_pos, 2, 3);
	assert_null(sc_table_get(svc, "<<"));

	const struct sc_value *multi = get(t, "multi");
	/* The earlier mapping in the list wins. */
	assert_str(get(multi, "image"), "more");
	assert_str(get(multi, "user"), "me");
	assert_str(get(multi, "restart"), "always");
	assert_int(get(multi, "extra"), 1);
	assert_int_equal(multi->u.table.len, 5);
	assert_string_equal(multi->u.table.items[4].key, "extra");

	const struct sc_value *in = get(t, "inline");
	assert_int(get(in, "a"), 1);
	assert_int(get(in, "b"), 3);
	assert_str(get(get(t, "quoted"), "<<"), "literal");

	assert_err("a:\n  <<: 5\n",
	           "test.yaml:2:7: the merge key `<<` takes a mapping or a sequence of mappings, "
	           "found an integer");
	assert_err_contains("a:\n  <<: [{x: 1}, [y]]\n", "2:16: the merge key `<<` takes");
	assert_err("a:\n  <<: {x: 1}\n  <<: {y: 1}\n",
	           "test.yaml:3:3: duplicate key `<<` (first at line 2)");
}

static void test_alias_bomb(void **state)
{
	const char *bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
	                   "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
	                   "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
	                   "d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
	                   "e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\n"
	                   "f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\n"
	                   "g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f, *f]\n"
	                   "h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g, *g]\n"
	                   "i: &i [*h, *h, *h, *h, *h, *h, *h, *h, *h, *h]\n";
	_cleanup_free_ char *msg = parse_err(bomb);
	assert_non_null(strstr(msg, "aliases expand to more than 100000 nodes"));
	assert_non_null(strstr(msg, "billion laughs"));
	assert_true(str_has_prefix(msg, "test.yaml:5:"));

	/* Merge keys count too. */
	_cleanup_strbuf_ struct strbuf sb = STRBUF_INIT;
	strbuf_adds(&sb, "a: &a {");
	for (int i = 0; i < 2000; i++)
		strbuf_addf(&sb, "%sk%d: [1, 2, 3]", i ? ", " : "", i);
	strbuf_adds(&sb, "}\n");
	for (int i = 0; i < 30; i++)
		strbuf_addf(&sb, "m%d: {<<: *a}\n", i);
	assert_err_contains(strbuf_str(&sb), "aliases expand to more than 100000 nodes");

	/* Well under the limit is fine. */
	_cleanup_value_ struct sc_value *t = parse_ok("a: &a [x, x, x, x, x, x, x, x, x, x]\n"
	                                              "b: &b [*a, *a, *a, *a, *a, *a, *a]\n"
	                                              "c: [*b, *b, *b, *b, *b, *b, *b]\n");
	assert_int_equal(get(t, "c")->u.array.len, 7);
}

static void test_duplicate_keys(void **state)
{
	assert_err("name: a\nother: b\nname: c\n",
	           "test.yaml:3:1: duplicate key `name` (first at line 1)");
	assert_err("top:\n  x: 1\n  y: 2\n\n  x: 3\n",
	           "test.yaml:5:3: duplicate key `x` (first at line 2)");
	assert_err("{a: 1, a: 2}\n", "test.yaml:1:8: duplicate key `a` (first at line 1)");
	assert_err("a: 1\n'a': 2\n", "test.yaml:2:1: duplicate key `a` (first at line 1)");
	/* Same key in different mappings is fine. */
	_cleanup_value_ struct sc_value *t = parse_ok("a: {x: 1}\nb: {x: 2}\n");
	assert_int(get(get(t, "b"), "x"), 2);
}

static void test_tabs(void **state)
{
	assert_err("a:\n\tb: 1\n",
	           "test.yaml:2:1: found character that cannot start any token, while scanning "
	           "for the next token (indent with spaces, not tabs)");
	assert_err_contains("a:\n  b: 1\n\tc: 2\n", "test.yaml:3:1: ");
	assert_err_contains("a:\n  b: 1\n\tc: 2\n", "(indent with spaces, not tabs)");
	/* A tab inside a value is just a character. */
	_cleanup_value_ struct sc_value *t = parse_ok("a: \"x\ty\"\nb: x\ty\n");
	assert_str(get(t, "a"), "x\ty");
	assert_str(get(t, "b"), "x\ty");
}

static void test_libyaml_errors(void **state)
{
	assert_err("a: \"abc\nb: 1\n",
	           "test.yaml:3:1: found unexpected end of stream, while scanning a quoted scalar "
	           "at line 1 column 4");
	assert_err_contains("a: 1\n b: 2\n", "test.yaml:2:3: mapping values are not allowed");
	assert_err_contains("a:\n  - 1\n  b: 2\n", "test.yaml:3:3: ");
	assert_err_contains("a: [1, 2\n", "test.yaml:");
	assert_err("a: b\n\xff: c\n", "test.yaml:2:1: invalid leading UTF-8 octet (0xFF) "
	                              "(the file must be UTF-8)");
	assert_err_contains("a: \xc3\n", "test.yaml:1:5: invalid trailing UTF-8 octet");
	_cleanup_free_ char *msg = parse_err_len("a: b\0c\n", 7);
	assert_string_equal(msg, "test.yaml:1:5: control characters are not allowed (0x00)");
	/* Columns of libyaml errors count bytes too. */
	assert_err_contains("\xc3\xa9\xc3\xa9: [1, 2\n", "test.yaml:2:1: ");
	assert_err_contains("\xc3\xa9\xc3\xa9: \"x\\q\"\n", "test.yaml:1:9: found unknown escape");
}

static void test_root_must_be_mapping(void **state)
{
	assert_err("- a\n- b\n",
	           "test.yaml:1:1: expected a mapping at the top level, found a sequence");
	assert_err("just text\n",
	           "test.yaml:1:1: expected a mapping at the top level, found a string");
	assert_err("42\n", "test.yaml:1:1: expected a mapping at the top level, found an integer");
	assert_err("# c\n\n  [1]\n",
	           "test.yaml:3:3: expected a mapping at the top level, found a sequence");
}

static void test_multi_document(void **state)
{
	assert_err("a: 1\n---\nb: 2\n",
	           "test.yaml:2:1: a second YAML document; a configuration file holds only one "
	           "(remove the `---` or split the file)");
	assert_err_contains("---\na: 1\n...\n---\nb: 2\n", "test.yaml:4:1: a second YAML document");
	/* One document with explicit markers is fine. */
	_cleanup_value_ struct sc_value *t = parse_ok("%YAML 1.2\n---\na: 1\n...\n");
	assert_int(get(t, "a"), 1);
}

static void test_empty(void **state)
{
	const char *inputs[] = {"",      "\n",      "# only a comment\n", "# a\n\n# b",
	                        "---\n", "--- ~\n", "---\n...\n",         "\xef\xbb\xbf"};
	for (size_t i = 0; i < N_ELEMENTS(inputs); i++) {
		_cleanup_value_ struct sc_value *t = parse_ok(inputs[i]);
		assert_int_equal(t->kind, SC_VALUE_TABLE);
		assert_int_equal(t->u.table.len, 0);
		assert_ptr_equal(t->pos.file, sc_intern(FILE_NAME));
	}
	struct sc_value *v = NULL;
	_cleanup_error_ struct sc_error *err = NULL;
	assert_int_equal(sc_yaml_parse(NULL, 0, "null.yaml", &v, &err), 0);
	assert_int_equal(v->kind, SC_VALUE_TABLE);
	assert_ptr_equal(v->pos.file, sc_intern("null.yaml"));
	sc_value_free(v);
}

static void test_depth_limit(void **state)
{
	_cleanup_strbuf_ struct strbuf sb = STRBUF_INIT;
	strbuf_adds(&sb, "a: ");
	for (int i = 0; i < 300; i++)
		strbuf_addc(&sb, '[');
	for (int i = 0; i < 300; i++)
		strbuf_addc(&sb, ']');
	strbuf_addc(&sb, '\n');
	assert_err(strbuf_str(&sb), "test.yaml:1:259: collections nested deeper than 256 levels");

	/* 256 levels, the root included, are allowed. */
	strbuf_reset(&sb);
	strbuf_adds(&sb, "a: ");
	for (int i = 0; i < 255; i++)
		strbuf_addc(&sb, '[');
	for (int i = 0; i < 255; i++)
		strbuf_addc(&sb, ']');
	{
		_cleanup_value_ struct sc_value *t = parse_ok(strbuf_str(&sb));
		assert_int_equal(get(t, "a")->kind, SC_VALUE_ARRAY);
	}

	/* Aliases cannot be used to nest deeper. */
	strbuf_reset(&sb);
	strbuf_adds(&sb, "a: &a ");
	for (int i = 0; i < 200; i++)
		strbuf_addc(&sb, '[');
	for (int i = 0; i < 200; i++)
		strbuf_addc(&sb, ']');
	strbuf_adds(&sb,
	            "\nb: [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[*a]]]]]]]]]]]]]]]"
	            "]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]\n");
	assert_err_contains(strbuf_str(&sb), "alias `*a` nests collections deeper than 256 levels");
}

static void test_truncated_inputs(void **state)
{
	const char *doc = "# config\n"
	                  "agent: &agent\n"
	                  "  name: \"claude\"\n"
	                  "  args: [--x, 'y', {k: v}]\n"
	                  "  script: |\n"
	                  "    echo hi\n"
	                  "copy:\n"
	                  "  <<: *agent\n"
	                  "  name: other\n"
	                  "list:\n"
	                  "  - ? complex\n"
	                  "    : value\n"
	                  "  - !!int 3\n"
	                  "  - \"\xc3\xa9\\u00e9\\0\"\n";
	size_t len = strlen(doc);
	unsigned ok = 0, failed = 0;
	for (size_t n = 0; n <= len; n++) {
		/* An exact-size copy, so that ASan sees any read past the end. */
		char *buf = xmalloc(n ? n : 1);
		memcpy(buf, doc, n);
		struct sc_value *v = NULL;
		struct sc_error *err = NULL;
		int r = sc_yaml_parse(buf, n, FILE_NAME, &v, &err);
		if (r == 0) {
			assert_non_null(v);
			assert_null(err);
			ok++;
		} else {
			assert_null(v);
			assert_non_null(err);
			assert_true(str_has_prefix(err->msg, "test.yaml:"));
			failed++;
		}
		sc_value_free(v);
		sc_error_free(err);
		free(buf);
	}
	assert_true(ok > 0);
	assert_true(failed > 0);
}

static void test_error_keeps_out_untouched(void **state)
{
	struct sc_value *v = (struct sc_value *)0x1;
	_cleanup_error_ struct sc_error *err = NULL;
	assert_true(sc_yaml_parse("- x\n", 4, FILE_NAME, &v, &err) < 0);
	assert_ptr_equal(v, (struct sc_value *)0x1);
	assert_non_null(err);
}

/* Hostile nesting ends in an error at the bound, never a stack overflow. */
static void test_deep_nesting(void **state)
{
	size_t depth = 100000;
	_cleanup_free_ char *flow = xmalloc(depth + 8);
	memcpy(flow, "a: ", 3);
	memset(flow + 3, '[', depth);
	flow[depth + 3] = '\0';
	_cleanup_free_ char *m1 = parse_err_len(flow, strlen(flow));
	assert_non_null(strstr(m1, "nested deeper than 256 levels"));
	_cleanup_strbuf_ struct strbuf maps = STRBUF_INIT;
	for (size_t i = 0; i < depth; i++)
		strbuf_adds(&maps, "{a: ");
	_cleanup_free_ char *m2 = parse_err_len(maps.buf, maps.len);
	assert_non_null(strstr(m2, "nested deeper than 256 levels"));
	_cleanup_strbuf_ struct strbuf block = STRBUF_INIT;
	strbuf_adds(&block, "a:\n");
	for (size_t i = 0; i < 300; i++) {
		for (size_t j = 0; j <= i; j++)
			strbuf_addc(&block, ' ');
		strbuf_adds(&block, "b:\n");
	}
	_cleanup_free_ char *m3 = parse_err_len(block.buf, block.len);
	assert_non_null(strstr(m3, "nested deeper than 256 levels"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_scalar_types),
	    cmocka_unit_test(test_block_scalars),
	    cmocka_unit_test(test_tags),
	    cmocka_unit_test(test_integer_range),
	    cmocka_unit_test(test_keys_are_strings),
	    cmocka_unit_test(test_nested),
	    cmocka_unit_test(test_positions),
	    cmocka_unit_test(test_position_line4_col9),
	    cmocka_unit_test(test_positions_crlf_bom),
	    cmocka_unit_test(test_anchors_aliases),
	    cmocka_unit_test(test_alias_errors),
	    cmocka_unit_test(test_merge_keys),
	    cmocka_unit_test(test_alias_bomb),
	    cmocka_unit_test(test_deep_nesting),
	    cmocka_unit_test(test_duplicate_keys),
	    cmocka_unit_test(test_tabs),
	    cmocka_unit_test(test_libyaml_errors),
	    cmocka_unit_test(test_root_must_be_mapping),
	    cmocka_unit_test(test_multi_document),
	    cmocka_unit_test(test_empty),
	    cmocka_unit_test(test_depth_limit),
	    cmocka_unit_test(test_truncated_inputs),
	    cmocka_unit_test(test_error_keeps_out_untouched),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
