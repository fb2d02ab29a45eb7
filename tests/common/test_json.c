/* gb_json (the simdjson shim): callbacks, number kinds, errors, bounds, and the number helpers;
 * plus a smoke run of `gamebench bench json`. Behaviour shared by both simdjson APIs is checked
 * on both. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "gb_json.h"
#include "gb_rng.h"
#include "gb_test_support.h"

enum { MAX_SEEN = 16, TEXT_MAX = 128, ITEMS_MAX = 8 };

/* A copy of what one callback received (the parser's pointers die with the callback). */
typedef struct seen_value {
  gb_json_kind kind;
  bool b;
  int64_t i;
  uint64_t u;
  double d;
  char text[TEXT_MAX]; /* string or raw container text */
  size_t len;
  size_t n_items;
  gb_json_kind item_kind[ITEMS_MAX];
  char item_text[ITEMS_MAX][TEXT_MAX];
  double item_d[ITEMS_MAX];
} seen_value;

typedef struct seen {
  size_t n;
  char key[MAX_SEEN][TEXT_MAX];
  seen_value v[MAX_SEEN];
  int stop_at; /* field index at which the callback fails, -1 for never */
} seen;

static void copy_text(char *dst, const char *src, size_t len) {
  cr_assert_lt(len, TEXT_MAX);
  if (len > 0)
    memcpy(dst, src, len);
  dst[len] = '\0';
}

static int record(void *ctx, const char *key, size_t key_len, const gb_json_value *v, gb_err *err) {
  seen *s = ctx;
  if ((int)s->n == s->stop_at)
    return gb_err_set(err, GB_ERR_INPUT, "stopped at '%.*s'", (int)key_len, key);
  cr_assert_lt(s->n, MAX_SEEN);
  copy_text(s->key[s->n], key, key_len);
  seen_value *sv = &s->v[s->n];
  sv->kind = v->kind;
  sv->b = v->b;
  sv->i = v->i;
  sv->u = v->u;
  sv->d = v->d;
  sv->len = v->len;
  if (v->kind == GB_JSON_STRING || v->kind == GB_JSON_OBJECT ||
      (v->kind == GB_JSON_ARRAY && v->str != NULL))
    copy_text(sv->text, v->str, v->len);
  if (v->kind == GB_JSON_ARRAY) {
    sv->n_items = v->n_items;
    for (size_t k = 0; k < v->n_items && k < ITEMS_MAX; k++) {
      sv->item_kind[k] = v->items[k].kind;
      sv->item_d[k] = v->items[k].d;
      if (v->items[k].str != NULL)
        copy_text(sv->item_text[k], v->items[k].str, v->items[k].len);
    }
  }
  s->n++;
  return 0;
}

static int parse_api(gb_json_api api, const char *json, seen *s, gb_err *err) {
  gb_json_parser *p = NULL;
  cr_assert_eq(gb_json_parser_new_api(api, &p, err), 0, "%s", err->msg);
  memset(s, 0, sizeof *s);
  s->stop_at = -1;
  gb_err_clear(err);
  int rc = gb_json_parse_object(p, json, strlen(json), record, s, err);
  gb_json_parser_free(p);
  return rc;
}

static const gb_json_api apis[] = {GB_JSON_API_ONDEMAND, GB_JSON_API_DOM};
static const char *const api_names[] = {"on-demand", "DOM"};
#define FOR_EACH_API(i) for (size_t i = 0; i < sizeof apis / sizeof apis[0]; i++)

Test(json, fields_arrive_in_document_order_with_exact_values) {
  const char *json = "{\"a\":1,\"b\":-2,\"c\":18446744073709551615,\"d\":1.5,"
                     "\"e\":\"x\\\"y\\u00e9\\n\",\"f\":true,\"g\":null,\"h\":false}";
  FOR_EACH_API(a) {
    seen s;
    gb_err err;
    cr_assert_eq(parse_api(apis[a], json, &s, &err), 0, "%s: %s", api_names[a], err.msg);
    cr_assert_eq(s.n, 8);
    const char *keys[] = {"a", "b", "c", "d", "e", "f", "g", "h"};
    for (size_t k = 0; k < 8; k++)
      cr_assert_str_eq(s.key[k], keys[k]);
    cr_assert_eq(s.v[0].kind, GB_JSON_INT);
    cr_assert_eq(s.v[0].i, 1);
    cr_assert_eq(s.v[0].d, 1.0);
    cr_assert_eq(s.v[1].kind, GB_JSON_INT);
    cr_assert_eq(s.v[1].i, -2);
    cr_assert_eq(s.v[2].kind, GB_JSON_UINT);
    cr_assert_eq(s.v[2].u, UINT64_MAX);
    cr_assert_eq(s.v[3].kind, GB_JSON_DOUBLE);
    cr_assert_eq(s.v[3].d, 1.5);
    cr_assert_eq(s.v[4].kind, GB_JSON_STRING);
    cr_assert_str_eq(s.v[4].text, "x\"y\xc3\xa9\n");
    cr_assert_eq(s.v[4].len, 6);
    cr_assert_eq(s.v[5].kind, GB_JSON_BOOL);
    cr_assert(s.v[5].b);
    cr_assert_eq(s.v[6].kind, GB_JSON_NULL);
    cr_assert_eq(s.v[7].kind, GB_JSON_BOOL);
    cr_assert_not(s.v[7].b);
  }
}

Test(json, int64_edges_and_unsigned_above_int64_max) {
  const char *json = "{\"max\":9223372036854775807,\"min\":-9223372036854775808,"
                     "\"above\":9223372036854775808}";
  FOR_EACH_API(a) {
    seen s;
    gb_err err;
    cr_assert_eq(parse_api(apis[a], json, &s, &err), 0, "%s: %s", api_names[a], err.msg);
    cr_assert_eq(s.v[0].kind, GB_JSON_INT);
    cr_assert_eq(s.v[0].i, INT64_MAX);
    cr_assert_eq(s.v[1].kind, GB_JSON_INT);
    cr_assert_eq(s.v[1].i, INT64_MIN);
    cr_assert_eq(s.v[2].kind, GB_JSON_UINT);
    cr_assert_eq(s.v[2].u, (uint64_t)INT64_MAX + 1);
  }
}

Test(json, integer_beyond_uint64_is_a_double_on_demand) {
  seen s;
  gb_err err;
  cr_assert_eq(parse_api(GB_JSON_API_ONDEMAND, "{\"big\":123456789012345678901234 }", &s, &err), 0,
               "%s", err.msg);
  cr_assert_eq(s.v[0].kind, GB_JSON_DOUBLE);
  cr_assert_eq(s.v[0].d, 123456789012345678901234.0);
  cr_assert_eq(parse_api(GB_JSON_API_ONDEMAND, "{\"neg\":-9223372036854775809}", &s, &err), 0);
  cr_assert_eq(s.v[0].kind, GB_JSON_DOUBLE);
  cr_assert_eq(s.v[0].d, -9223372036854775809.0);
  /* the documented DOM difference */
  cr_assert_eq(parse_api(GB_JSON_API_DOM, "{\"big\":123456789012345678901234}", &s, &err), -1);
  cr_assert(strstr(err.msg, "invalid JSON") != NULL, "%s", err.msg);
}

Test(json, arrays_give_scalar_items_and_nested_containers_as_text) {
  const char *json = "{\"h\":[1,\"two\",3.5,[4, 5],{\"k\":6}]}";
  FOR_EACH_API(a) {
    seen s;
    gb_err err;
    cr_assert_eq(parse_api(apis[a], json, &s, &err), 0, "%s: %s", api_names[a], err.msg);
    seen_value *v = &s.v[0];
    cr_assert_eq(v->kind, GB_JSON_ARRAY);
    cr_assert_eq(v->n_items, 5);
    cr_assert_eq(v->item_kind[0], GB_JSON_INT);
    cr_assert_eq(v->item_d[0], 1.0);
    cr_assert_eq(v->item_kind[1], GB_JSON_STRING);
    cr_assert_str_eq(v->item_text[1], "two");
    cr_assert_eq(v->item_kind[2], GB_JSON_DOUBLE);
    cr_assert_eq(v->item_d[2], 3.5);
    cr_assert_eq(v->item_kind[3], GB_JSON_ARRAY);
    cr_assert_eq(v->item_kind[4], GB_JSON_OBJECT);
    cr_assert_str_eq(v->item_text[4], "{\"k\":6}");
  }
  seen s;
  gb_err err;
  cr_assert_eq(parse_api(GB_JSON_API_ONDEMAND, json, &s, &err), 0);
  cr_assert_str_eq(s.v[0].item_text[3], "[4, 5]"); /* raw text, as written */
  cr_assert_eq(parse_api(GB_JSON_API_DOM, json, &s, &err), 0);
  cr_assert_str_eq(s.v[0].item_text[3], "[4,5]"); /* DOM: re-serialized */
}

Test(json, nested_object_comes_as_raw_text_without_trailing_space) {
  seen s;
  gb_err err;
  cr_assert_eq(parse_api(GB_JSON_API_ONDEMAND, "{\"o\": {\"x\" : [1, 2]} , \"n\":1}", &s, &err), 0,
               "%s", err.msg);
  cr_assert_eq(s.v[0].kind, GB_JSON_OBJECT);
  cr_assert_str_eq(s.v[0].text, "{\"x\" : [1, 2]}");
  cr_assert_str_eq(s.key[1], "n");
  cr_assert_eq(parse_api(GB_JSON_API_DOM, "{\"o\": {\"x\" : [1.50, 2]}}", &s, &err), 0);
  cr_assert_str_eq(s.v[0].text, "{\"x\":[1.5,2]}");
}

Test(json, nested_containers_are_validated) {
  FOR_EACH_API(a) {
    seen s;
    gb_err err;
    cr_assert_eq(parse_api(apis[a], "{\"d\":{\"x\":tru}}", &s, &err), -1, "%s", api_names[a]);
    cr_assert(strstr(err.msg, "invalid JSON") != NULL, "%s", err.msg);
    cr_assert_eq(parse_api(apis[a], "{\"d\":[1,[2,nul]]}", &s, &err), -1, "%s", api_names[a]);
    cr_assert(strstr(err.msg, "invalid JSON") != NULL, "%s", err.msg);
  }
}

Test(json, keys_and_strings_are_unescaped) {
  FOR_EACH_API(a) {
    seen s;
    gb_err err;
    cr_assert_eq(parse_api(apis[a], "{\"a\\u0062\":\"\\ud83d\\ude00\\t\\/\"}", &s, &err), 0);
    cr_assert_str_eq(s.key[0], "ab");
    cr_assert_str_eq(s.v[0].text, "\xf0\x9f\x98\x80\t/");
  }
}

Test(json, duplicate_keys_are_all_delivered_in_order) {
  FOR_EACH_API(a) {
    seen s;
    gb_err err;
    cr_assert_eq(parse_api(apis[a], "{\"k\":1,\"k\":2}", &s, &err), 0);
    cr_assert_eq(s.n, 2);
    cr_assert_eq(s.v[0].i, 1);
    cr_assert_eq(s.v[1].i, 2);
  }
}

static void expect_error(gb_json_api api, const char *json, const char *fragment) {
  seen s;
  gb_err err;
  cr_assert_eq(parse_api(api, json, &s, &err), -1, "accepted: %s", json);
  cr_assert_eq(err.kind, GB_ERR_INPUT);
  cr_assert(strstr(err.msg, fragment) != NULL, "for %s: '%s' lacks '%s'", json, err.msg, fragment);
}

Test(json, errors_are_precise) {
  FOR_EACH_API(a) {
    expect_error(apis[a], "{\"a\":}", "invalid JSON");
    expect_error(apis[a], "{\"a\":1", "invalid JSON");
    expect_error(apis[a], "", "invalid JSON");
    expect_error(apis[a], "   ", "invalid JSON");
    expect_error(apis[a], "{\"a\":\"\xff\"}", "invalid JSON"); /* not UTF-8 */
    expect_error(apis[a], "[1,2]", "expected a JSON object");
    expect_error(apis[a], "\"text\"", "expected a JSON object");
    expect_error(apis[a], "{\"a\":1} 5", "invalid JSON");
  }
  expect_error(GB_JSON_API_ONDEMAND, "{\"a\":1} {}", "trailing content after the JSON object");
  expect_error(GB_JSON_API_ONDEMAND, "{\"bet\":tru}", "invalid JSON in field 'bet'");
  expect_error(GB_JSON_API_DOM, "{\"a\":1} {}", "invalid JSON");
}

/* {"h":[0,0,...]} with n elements. */
static char *array_json(size_t n) {
  const char *head = "{\"h\":[", *tail = "]}";
  char *json = malloc(strlen(head) + 2 * n + strlen(tail) + 1);
  cr_assert_not_null(json);
  char *p = json;
  memcpy(p, head, strlen(head));
  p += strlen(head);
  for (size_t k = 0; k < n; k++) {
    if (k > 0)
      *p++ = ',';
    *p++ = '0';
  }
  memcpy(p, tail, strlen(tail) + 1);
  return json;
}

Test(json, arrays_are_bounded) {
  FOR_EACH_API(a) {
    seen s;
    gb_err err;
    char *ok = array_json(GB_JSON_ARRAY_MAX);
    cr_assert_eq(parse_api(apis[a], ok, &s, &err), 0, "%s", err.msg);
    cr_assert_eq(s.v[0].n_items, GB_JSON_ARRAY_MAX);
    free(ok);
    char *long_one = array_json(GB_JSON_ARRAY_MAX + 1);
    expect_error(apis[a], long_one, "field 'h': array longer than 256 elements");
    free(long_one);
  }
}

Test(json, callback_error_stops_the_parse) {
  gb_json_parser *p = NULL;
  seen s = {.stop_at = 1};
  gb_err err = {0};
  cr_assert_eq(gb_json_parser_new(&p, &err), 0, "%s", err.msg);
  const char *json = "{\"a\":1,\"b\":2,\"c\":3}";
  cr_assert_eq(gb_json_parse_object(p, json, strlen(json), record, &s, &err), -1);
  cr_assert_eq(s.n, 1);
  cr_assert_str_eq(err.msg, "stopped at 'b'");
  gb_json_parser_free(p);
}

Test(json, never_reads_past_len) {
  /* the text ends at a page boundary with an inaccessible page after it: an over-read faults */
  long page = sysconf(_SC_PAGESIZE);
  char *mem =
      mmap(NULL, (size_t)page * 2, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  cr_assert_neq(mem, MAP_FAILED);
  cr_assert_eq(mprotect(mem + page, (size_t)page, PROT_NONE), 0);
  const char *json = "{\"a\":\"x\",\"b\":[1,2],\"c\":{\"d\":3}}";
  size_t len = strlen(json);
  char *at = mem + page - len;
  memcpy(at, json, len);
  FOR_EACH_API(a) {
    gb_json_parser *p = NULL;
    seen s = {.stop_at = -1};
    gb_err err = {0};
    cr_assert_eq(gb_json_parser_new_api(apis[a], &p, &err), 0, "%s", err.msg);
    cr_assert_eq(gb_json_parse_object(p, at, len, record, &s, &err), 0, "%s", err.msg);
    cr_assert_eq(s.n, 3);
    gb_json_parser_free(p);
  }
  munmap(mem, (size_t)page * 2);
}

Test(json, bytes_after_len_are_ignored_and_the_parser_is_reusable) {
  gb_json_parser *p = NULL;
  seen s = {.stop_at = -1};
  gb_err err = {0};
  cr_assert_eq(gb_json_parser_new(&p, &err), 0, "%s", err.msg);
  const char *longer = "{\"first\":\"a long value that fills the buffer\",\"n\":123456}";
  cr_assert_eq(gb_json_parse_object(p, longer, strlen(longer), record, &s, &err), 0);
  const char *text = "{\"n\":7}GARBAGE";
  memset(&s, 0, sizeof s);
  s.stop_at = -1;
  cr_assert_eq(gb_json_parse_object(p, text, 7, record, &s, &err), 0, "%s", err.msg);
  cr_assert_eq(s.n, 1);
  cr_assert_eq(s.v[0].i, 7);
  gb_json_parser_free(p);
}

Test(json, new_api_rejects_unknown_api) {
  gb_json_parser *p = NULL;
  gb_err err = {0};
  cr_assert_eq(gb_json_parser_new_api((gb_json_api)7, &p, &err), -1);
  cr_assert_null(p, "*out is left unchanged");
  cr_assert_eq(err.kind, GB_ERR_INPUT);
  cr_assert_str_eq(err.msg, "JSON parser: unknown API 7");
}

Test(json, free_null_is_allowed) { gb_json_parser_free(NULL); }

static void expect_number(const char *text, gb_json_kind kind, double d) {
  gb_json_value v;
  cr_assert_eq(gb_json_number_parse(text, strlen(text), &v), 0, "rejected %s", text);
  cr_assert_eq(v.kind, kind, "%s: kind %d", text, v.kind);
  cr_assert_eq(v.d, d, "%s: %.17g", text, v.d);
}

static void expect_not_number(const char *text) {
  gb_json_value v;
  cr_assert_eq(gb_json_number_parse(text, strlen(text), &v), -1, "accepted '%s'", text);
}

Test(json, number_parse_follows_the_json_grammar) {
  gb_json_value v;
  cr_assert_eq(gb_json_number_parse("123", 3, &v), 0);
  cr_assert_eq(v.kind, GB_JSON_INT);
  cr_assert_eq(v.i, 123);
  cr_assert_eq(gb_json_number_parse("-9223372036854775808", 20, &v), 0);
  cr_assert_eq(v.i, INT64_MIN);
  cr_assert_eq(gb_json_number_parse("18446744073709551615", 20, &v), 0);
  cr_assert_eq(v.kind, GB_JSON_UINT);
  cr_assert_eq(v.u, UINT64_MAX);
  expect_number("1.5", GB_JSON_DOUBLE, 1.5);
  expect_number("-0.25e2", GB_JSON_DOUBLE, -25.0);
  expect_number("1E+3", GB_JSON_DOUBLE, 1000.0);
  expect_number("18446744073709551616", GB_JSON_DOUBLE, 18446744073709551616.0);
  expect_number("1e-400", GB_JSON_DOUBLE, 0.0);
  expect_number("0.1", GB_JSON_DOUBLE, 0.1);
  cr_assert_eq(gb_json_number_parse("-1e-400", 7, &v), 0);
  cr_assert(signbit(v.d));
  const char *bad[] = {"",   "-",   "+1",  "01",   "1.",    ".5",     "1e",  "1e+", " 1",
                       "1 ", "inf", "nan", "0x10", "1e400", "-1e400", "1,5", "12a"};
  for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++)
    expect_not_number(bad[k]);
}

static void expect_format(double d, const char *text) {
  char buf[GB_JSON_DOUBLE_MAX + 1];
  size_t n = gb_json_format_double(d, buf);
  buf[n] = '\0';
  cr_assert_str_eq(buf, text);
}

Test(json, format_double_is_shortest_and_stays_a_double) {
  expect_format(0.1, "0.1");
  expect_format(1.5, "1.5");
  expect_format(100.0, "100.0");
  expect_format(0.0, "0.0");
  expect_format(-0.0, "-0.0");
  expect_format(1e21, "1e+21");
  expect_format(4.9406564584124654e-324, "5e-324");
  expect_format(-1.7976931348623157e308, "-1.7976931348623157e+308");
  expect_format(2.2250738585072014e-308, "2.2250738585072014e-308");
  expect_format(NAN, "null");
  expect_format(-INFINITY, "null");
}

Test(json, format_double_round_trips_every_bit_pattern_sampled) {
  gb_rng rng;
  gb_rng_seed(&rng, 2024, 1);
  char buf[GB_JSON_DOUBLE_MAX];
  for (int k = 0; k < 200000; k++) {
    uint64_t bits = gb_rng_next(&rng);
    double d;
    memcpy(&d, &bits, sizeof d);
    if (!isfinite(d))
      continue;
    size_t n = gb_json_format_double(d, buf);
    cr_assert_leq(n, GB_JSON_DOUBLE_MAX);
    gb_json_value v;
    cr_assert_eq(gb_json_number_parse(buf, n, &v), 0, "%.*s", (int)n, buf);
    cr_assert_eq(v.kind, GB_JSON_DOUBLE);
    uint64_t back;
    memcpy(&back, &v.d, sizeof back);
    cr_assert_eq(back, bits, "%.*s", (int)n, buf);
  }
}

Test(json, minify_drops_whitespace_outside_strings) {
  const char *json = "{ \"a\" : [1, 2] ,\n \"s\":\" x y \" }";
  char out[64];
  size_t n = 0;
  gb_err err = {0};
  cr_assert_eq(gb_json_minify(json, strlen(json), out, &n, &err), 0);
  cr_assert_eq(n, strlen("{\"a\":[1,2],\"s\":\" x y \"}"));
  cr_assert_eq(memcmp(out, "{\"a\":[1,2],\"s\":\" x y \"}", n), 0);
  cr_assert_eq(gb_json_minify("{\"a\":\"open", 10, out, &n, &err), -1);
  cr_assert(strstr(err.msg, "invalid JSON") != NULL, "%s", err.msg);
}

Test(json, bench_runs_and_validates_its_options) {
  gbt_proc p = gbt_gamebench("bench json --iterations 200 --repetitions 3");
  cr_assert_eq(p.status, 0, "stderr: %s", p.err);
  const char *rows[] = {"cJSON",
                        "json-c",
                        "jansson",
                        "simdjson on-demand",
                        "simdjson DOM",
                        "gb_codec_decode_json",
                        "gb_event_encode_json",
                        "gb_event_encode_binary",
                        "gb_event_decode_binary",
                        "std::to_chars",
                        "snprintf %.17g"};
  for (size_t k = 0; k < sizeof rows / sizeof rows[0]; k++)
    cr_assert(strstr(p.out, rows[k]) != NULL, "no row '%s' in:\n%s", rows[k], p.out);
  gbt_proc_free(&p);
  p = gbt_gamebench("bench json --iterations 0");
  cr_assert_eq(p.status, 2);
  cr_assert(strstr(p.err, "--iterations") != NULL, "%s", p.err);
  gbt_proc_free(&p);
}

/* Each text, as the value of a field, decodes on both APIs to the double strtod gives (the
 * sign of a zero included). */
static void assert_numbers_exact(const char *const *texts, size_t n) {
  FOR_EACH_API(a) {
    for (size_t t = 0; t < n; t++) {
      char json[256];
      snprintf(json, sizeof json, "{\"bet\":%s}", texts[t]);
      seen s;
      gb_err err;
      cr_assert_eq(parse_api(apis[a], json, &s, &err), 0, "%s: %s: %s", api_names[a], texts[t],
                   err.msg);
      double want = strtod(texts[t], NULL);
      cr_assert_eq(s.n, 1);
      cr_assert(s.v[0].d == want && signbit(s.v[0].d) == signbit(want),
                "%s: %s decoded as %.17g, not %.17g", api_names[a], texts[t], s.v[0].d, want);
    }
  }
}

/* #16 item 1: numbers with more than 19 significant digits and a fraction or an exponent
 * decoded as 0 (simdjson's number parser gives up on long mantissas); the shim reparses the
 * raw number text. Every number is exact (the double nearest the text, as strtod gives) or
 * rejected — on both APIs. */
Test(json, long_mantissas_exponents_and_edges_are_exact) {
  static const char *const texts[] = {
      "100.00000000000000000000",
      "3.14159265358979323846",
      "-3.14159265358979323846264338327950288419716939937510",
      "12345678901234567890.5",
      "0.000000000000000000000000000000000000000001234567890123456789",
      "1234567890123456789012345678901234567890e-30",
      "1e308",
      "1.7976931348623157e308",
      "4.9406564584124654e-324",
      "2.2250738585072011e-308",
      "-0.0",
      "0e0",
      "1e-400",
      "123456789012345678901234567890e0",
      "0.1000000000000000055511151231257827021181583404541015625",
  };
  assert_numbers_exact(texts, sizeof texts / sizeof texts[0]);
  FOR_EACH_API(a) {
    seen s; /* -0 is an integer: 0 */
    gb_err err;
    cr_assert_eq(parse_api(apis[a], "{\"bet\":-0}", &s, &err), 0);
    cr_assert(s.v[0].kind == GB_JSON_INT && s.v[0].i == 0 && s.v[0].d == 0);
  }
}

/* Found by the json fuzz target (tests/fuzz/fuzz_json.c, On-Demand against DOM): a fraction of
 * exactly 19 significant digits, a 20-character token, decoded as 0 on On-Demand: the reparse
 * above started at 21 characters. */
Test(json, nineteen_significant_digits_with_a_fraction_are_exact) {
  static const char *const texts[] = {"1.844674407373456674", "9.999999999999999999",
                                      "1844674407.373456674", "123456789012345678.9"};
  assert_numbers_exact(texts, sizeof texts / sizeof texts[0]);
}

Test(json, numbers_beyond_a_double_are_rejected_not_zeroed) {
  static const char *const texts[] = {"1e309", "-1e400", "1.0000000000000000000000e999",
                                      "123456789012345678901234567890e300"};
  FOR_EACH_API(a) {
    for (size_t t = 0; t < sizeof texts / sizeof texts[0]; t++) {
      char json[128];
      snprintf(json, sizeof json, "{\"bet\":%s}", texts[t]);
      seen s;
      gb_err err;
      cr_assert_eq(parse_api(apis[a], json, &s, &err), -1, "%s: %s accepted as %g", api_names[a],
                   texts[t], s.n ? s.v[0].d : 0.0);
      /* On-demand names the field; the DOM parser rejects the document as a whole. */
      cr_assert(apis[a] == GB_JSON_API_DOM || strstr(err.msg, "'bet'"), "%s: %s", api_names[a],
                err.msg);
      cr_assert_not_null(strstr(err.msg, "number"), "%s: %s", api_names[a], err.msg);
    }
  }
}
