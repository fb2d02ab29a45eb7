/* Fuzz target json: the JSON shim over simdjson (common/gb_json_simdjson.cpp). Oracles:
 *  - the two APIs agree: for an input both accept, On-Demand and DOM give the same callbacks
 *    (keys, kinds, scalar values; nested containers by kind only, since DOM re-serializes them),
 *    and DOM accepts what On-Demand accepts except integers beyond the 64-bit ranges
 *    (documented in gb_json.h: DOM fails them);
 *  - minifying an object DOM accepts gives one DOM reads the same;
 *  - gb_json_number_parse: a number it reads, written by gb_json_format_double (doubles) and read
 *    again, is the same double, bit for bit.
 * Seeds: tests/fuzz/json/. */
#include <ctype.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "gb_err.h"
#include "gb_fuzz.h"
#include "gb_json.h"

enum { TRACE_CAP = 1 << 16 };

/* The callbacks of one parse, serialized: comparing two traces compares two parses. */
typedef struct trace {
  unsigned char *buf;
  size_t len;
  bool full; /* did not fit: not compared */
} trace;

static void put(trace *t, const void *p, size_t n) {
  if (t->full || n > TRACE_CAP - t->len) {
    t->full = true;
    return;
  }
  memcpy(t->buf + t->len, p, n);
  t->len += n;
}

static void put_value(trace *t, const gb_json_value *v, bool top) {
  unsigned char kind = (unsigned char)v->kind;
  put(t, &kind, 1);
  switch (v->kind) {
  case GB_JSON_NULL:
    break;
  case GB_JSON_BOOL:
    put(t, &v->b, sizeof v->b);
    break;
  case GB_JSON_INT:
    put(t, &v->i, sizeof v->i);
    break;
  case GB_JSON_UINT:
    put(t, &v->u, sizeof v->u);
    break;
  case GB_JSON_DOUBLE:
    put(t, &v->d, sizeof v->d);
    break;
  case GB_JSON_STRING:
    put(t, &v->len, sizeof v->len);
    put(t, v->str, v->len);
    break;
  case GB_JSON_ARRAY:
    if (top) { /* a nested array's elements are not given (raw text) */
      put(t, &v->n_items, sizeof v->n_items);
      for (size_t i = 0; i < v->n_items; i++)
        put_value(t, &v->items[i], false);
    }
    break;
  case GB_JSON_OBJECT:
    break;
  }
}

static int on_field(void *ctx, const char *key, size_t key_len, const gb_json_value *value,
                    gb_err *err) {
  (void)err;
  trace *t = ctx;
  put(t, &key_len, sizeof key_len);
  put(t, key, key_len);
  put_value(t, value, true);
  return 0;
}

static int parse(gb_json_api api, const char *text, size_t len, trace *t) {
  gb_json_parser *p = NULL;
  gb_err err = {0};
  GB_ASSERT(gb_json_parser_new_api(api, &p, &err) == 0);
  t->len = 0;
  t->full = false;
  int rc = gb_json_parse_object(p, text, len, on_field, t, &err);
  if (rc != 0 && err.msg[0] == '\0')
    gbt_fuzz_finding("%s parse failed without a message", api == GB_JSON_API_DOM ? "DOM" : "OD");
  gb_json_parser_free(p);
  return rc;
}

/* Whether text may hold an integer literal beyond the 64-bit ranges (20 digits or more in a row,
 * or a minus sign and 19 digits), which On-Demand reads as a double and DOM refuses (gb_json.h). */
static bool has_huge_integer(const char *text, size_t len) {
  size_t run = 0;
  for (size_t i = 0; i < len; i++) {
    run = isdigit((unsigned char)text[i]) ? run + 1 : 0;
    if (run >= 20 || (run == 19 && i >= 19 && text[i - 19] == '-'))
      return true;
  }
  return false;
}

static void check_number(const char *text, size_t len) {
  gb_json_value v;
  if (gb_json_number_parse(text, len, &v) != 0 || v.kind != GB_JSON_DOUBLE)
    return;
  if (!isfinite(v.d))
    gbt_fuzz_finding("number_parse gave a non-finite double for '%.*s'", (int)len, text);
  char buf[GB_JSON_DOUBLE_MAX + 1];
  size_t n = gb_json_format_double(v.d, buf);
  if (n > GB_JSON_DOUBLE_MAX)
    gbt_fuzz_finding("format_double wrote %zu bytes", n);
  gb_json_value back;
  if (gb_json_number_parse(buf, n, &back) != 0 || back.kind != GB_JSON_DOUBLE ||
      memcmp(&back.d, &v.d, sizeof v.d) != 0)
    gbt_fuzz_finding("double %.17g written as '%.*s' does not read back", v.d, (int)n, buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *text = (const char *)data;
  trace od = {malloc(TRACE_CAP), 0, false}, dom = {malloc(TRACE_CAP), 0, false};
  GB_ASSERT(od.buf && dom.buf);
  int od_rc = parse(GB_JSON_API_ONDEMAND, text, size, &od);
  int dom_rc = parse(GB_JSON_API_DOM, text, size, &dom);
  if (od_rc == 0 && dom_rc != 0 && !has_huge_integer(text, size))
    gbt_fuzz_finding("On-Demand accepts an object DOM refuses");
  if (od_rc != 0 && dom_rc == 0)
    gbt_fuzz_finding("DOM accepts an object On-Demand refuses");
  if (od_rc == 0 && dom_rc == 0 && !od.full && !dom.full &&
      (od.len != dom.len || memcmp(od.buf, dom.buf, od.len) != 0))
    gbt_fuzz_finding("On-Demand and DOM give different fields");
  if (dom_rc == 0) {
    char *min = malloc(size + 1);
    GB_ASSERT(min != NULL);
    size_t min_len = 0;
    gb_err err = {0};
    if (gb_json_minify(text, size, min, &min_len, &err) != 0)
      gbt_fuzz_finding("an object DOM accepts does not minify: %s", err.msg);
    if (min_len > size)
      gbt_fuzz_finding("minified to %zu bytes from %zu", min_len, size);
    trace again = {od.buf, 0, false}; /* od's buffer is free again */
    if (parse(GB_JSON_API_DOM, min, min_len, &again) != 0)
      gbt_fuzz_finding("the minified object does not parse");
    if (!again.full && !dom.full &&
        (again.len != dom.len || memcmp(again.buf, dom.buf, dom.len) != 0))
      gbt_fuzz_finding("the minified object gives different fields");
    free(min);
  }
  check_number(text, size);
  free(od.buf);
  free(dom.buf);
  return 0;
}
