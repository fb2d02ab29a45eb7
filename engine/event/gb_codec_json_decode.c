/* gb_codec_json_decode: the JSON decoder (gb_codec_new, gb_codec_decode_json) and its precise
 * error messages.
 *
 * The JSON decoder cannot convert a field when it sees it: fields may come in any order, "type"
 * included, and the same name means different things in different types ("amount" is a double
 * for a purchase and an integer for reward_granted). So the gb_json callback only files each known
 * field's value into a per-field slot, and the conversion runs once the type is known. */
#include "gb_codec_int.h"

#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gb_grow.h"
#include "gb_json.h"

/* ---- Name lookup ---------------------------------------------------------------------------- */

/* Open addressing over (length, first, middle, last byte): one probe for almost every key, no
 * hashing of whole strings. Power of two, more than twice the 39 fields or 29 types. */
enum { NAME_TABLE_SIZE = 128 };

typedef struct name_table {
  uint8_t slot[NAME_TABLE_SIZE]; /* index + 1 into the entries; 0 = empty */
} name_table;

static unsigned name_hash(const char *s, size_t len) {
  const unsigned char *u = (const unsigned char *)s;
  return ((unsigned)len * 31u + u[0] * 7u + u[len / 2] * 3u + u[len - 1]) & (NAME_TABLE_SIZE - 1);
}

static void name_table_build(name_table *t, const name_entry *entries, size_t n) {
  memset(t, 0, sizeof *t);
  for (size_t i = 0; i < n; i++) {
    unsigned h = name_hash(entries[i].name, entries[i].len);
    while (t->slot[h] != 0)
      h = (h + 1) & (NAME_TABLE_SIZE - 1);
    t->slot[h] = (uint8_t)(i + 1);
  }
}

/* Names are a few bytes long: calls to memcmp took 15% of a decode; this loop is inlined (the
 * decode got ~4% faster). */
static bool same_bytes(const char *a, const char *b, size_t len) {
  for (size_t k = 0; k < len; k++)
    if (a[k] != b[k])
      return false;
  return true;
}

static int name_find(const name_table *t, const name_entry *entries, const char *s, size_t len) {
  if (len == 0)
    return -1;
  for (unsigned h = name_hash(s, len);; h = (h + 1) & (NAME_TABLE_SIZE - 1)) {
    unsigned e = t->slot[h];
    if (e == 0)
      return -1;
    if (entries[e - 1].len == len && same_bytes(entries[e - 1].name, s, len))
      return (int)e - 1;
  }
}

/* ---- Decoder state -------------------------------------------------------------------------- */

/* Bytes of a string value kept per field: the longest string field has 31 bytes, and a number
 * sent as a string needs at most 24 in shortest form; 64 leaves room for longer decimal forms. */
enum { SLOT_STR_CAP = 64 };

/* One field's value as the parser gave it, kept until the type is known. */
typedef struct slot {
  gb_json_kind kind;
  bool b;
  int64_t i;
  uint64_t u;
  double d;
  size_t len; /* string: its full length (only SLOT_STR_CAP bytes kept); array: item count */
  char str[SLOT_STR_CAP];
} slot;

struct gb_codec {
  gb_json_parser *parser;
  uint64_t seen; /* bit per field_id present in the current object */
  slot slots[F__COUNT];
  slot app_ids[GB_IMPRESSION_MAX];
  char *def; /* the current object's definition, minified */
  size_t def_len, def_cap;
  name_table fields;
  name_table types;
  name_entry type_names[GB_EV__COUNT];
};

int gb_codec_new(gb_codec **out, gb_err *err) {
  gb_codec *c = calloc(1, sizeof *c);
  if (c == NULL)
    return gb_err_set(err, GB_ERR_RUNTIME, "out of memory for an event decoder");
  if (gb_json_parser_new(&c->parser, err) != 0) {
    free(c);
    return -1;
  }
  name_table_build(&c->fields, gb_codec_field_names, F__COUNT);
  for (int t = 0; t < GB_EV__COUNT; t++) {
    c->type_names[t].name = gb_event_type_name((gb_event_type)t);
    c->type_names[t].len = strlen(c->type_names[t].name);
  }
  name_table_build(&c->types, c->type_names, GB_EV__COUNT);
  *out = c;
  return 0;
}

void gb_codec_free(gb_codec *c) {
  if (c == NULL)
    return;
  gb_json_parser_free(c->parser);
  free(c->def);
  free(c);
}

static void slot_store(slot *s, const gb_json_value *v) {
  s->kind = v->kind;
  s->b = v->b;
  s->i = v->i;
  s->u = v->u;
  s->d = v->d;
  s->len = v->kind == GB_JSON_ARRAY ? v->n_items : v->len;
  if (v->kind == GB_JSON_STRING)
    memcpy(s->str, v->str, v->len < SLOT_STR_CAP ? v->len : SLOT_STR_CAP);
}

/* The definition buffer's first capacity: a typical definition (a few hundred bytes) fits. */
enum { DEF_FIRST = 1024 };

/* Keeps the definition's text minified: whitespace between tokens has no meaning, and without
 * newlines the event stays on one JSON line when re-encoded. */
static int keep_definition(gb_codec *c, const char *text, size_t len, gb_err *err) {
  if (GB_GROW(c->def, c->def_cap, len, DEF_FIRST, "bytes of a definition", err) != 0)
    return -1;
  if (gb_json_minify(text, len, c->def, &c->def_len, err) != 0)
    return gb_err_prefix(err, "field 'definition': ");
  return 0;
}

static int on_field(void *ctx, const char *key, size_t key_len, const gb_json_value *v,
                    gb_err *err) {
  gb_codec *c = ctx;
  int f = name_find(&c->fields, gb_codec_field_names, key, key_len);
  if (f < 0)
    return 0; /* unknown fields are ignored: forward compatibility */
  slot *s = &c->slots[f];
  slot_store(s, v);
  if (f == F_APP_IDS && v->kind == GB_JSON_ARRAY) {
    for (size_t k = 0; k < v->n_items && k < GB_IMPRESSION_MAX; k++)
      slot_store(&c->app_ids[k], &v->items[k]);
  } else if (f == F_DEFINITION && v->kind == GB_JSON_OBJECT) {
    if (keep_definition(c, v->str, v->len, err) != 0)
      return -1;
    s->len = c->def_len;
  }
  c->seen |= UINT64_C(1) << f;
  return 0;
}

/* ---- Conversion with precise errors --------------------------------------------------------- */

/* Where a value sits, for messages: "field 'bet'" or "field 'app_ids', item 3". */
typedef struct where {
  const char *field;
  int item; /* -1 when the value is the field itself */
} where;

static int field_error(gb_err *err, where w, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int field_error(gb_err *err, where w, const char *fmt, ...) {
  char reason[GB_ERR_MSG_MAX / 2];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(reason, sizeof reason, fmt, ap);
  va_end(ap);
  if (w.item >= 0)
    return gb_err_set(err, GB_ERR_INPUT, "field '%s', item %d: %s", w.field, w.item, reason);
  return gb_err_set(err, GB_ERR_INPUT, "field '%s': %s", w.field, reason);
}

/* Longest string prefix quoted in an error message. */
enum { QUOTE_MAX = 40 };

/* Copies the start of a string value into buf for a message, escaping control bytes, quotes and
 * backslashes (the message stays one line) and marking a cut with "...". */
static const char *quote(const slot *s, char *buf, size_t cap) {
  size_t n = 0, shown = s->len < QUOTE_MAX ? s->len : QUOTE_MAX;
  for (size_t k = 0; k < shown && n + 8 < cap; k++) {
    unsigned char ch = (unsigned char)s->str[k];
    if (ch < 0x20 || ch == '"' || ch == '\\')
      n += (size_t)snprintf(buf + n, cap - n, "\\x%02x", ch);
    else
      buf[n++] = (char)ch;
  }
  snprintf(buf + n, cap - n, "%s", s->len > shown ? "..." : "");
  return buf;
}

enum { QUOTED_MAX = 4 * QUOTE_MAX + 8 /* every byte escaped, plus the ellipsis and NUL */ };

/* Describes a value for a message: `string "abc"`, `-5`, `1.5`, `true`, `an array`. */
static const char *describe(const slot *s, char *buf, size_t cap) {
  char q[QUOTED_MAX];
  switch (s->kind) {
  case GB_JSON_NULL:
    return "null";
  case GB_JSON_BOOL:
    return s->b ? "true" : "false";
  case GB_JSON_INT:
    snprintf(buf, cap, "%" PRId64, s->i);
    return buf;
  case GB_JSON_UINT:
    snprintf(buf, cap, "%" PRIu64, s->u);
    return buf;
  case GB_JSON_DOUBLE:
    if (cap <= GB_JSON_DOUBLE_MAX)
      return "a number";
    buf[gb_json_format_double(s->d, buf)] = '\0';
    return buf;
  case GB_JSON_ARRAY:
    return "an array";
  case GB_JSON_OBJECT:
    return "an object";
  case GB_JSON_STRING:
    break;
  }
  snprintf(buf, cap, "string \"%s\"", quote(s, q, sizeof q));
  return buf;
}

enum { DESCRIBE_MAX = QUOTED_MAX + 16 /* plus `string ""` */ };

static int wrong_kind(gb_err *err, where w, const char *expected, const slot *s) {
  char d[DESCRIBE_MAX];
  return field_error(err, w, "expected %s, got %s", expected, describe(s, d, sizeof d));
}

/* The slot as a number (a JSON number, or a string holding one); -1 when it is neither. */
static int as_number(const slot *s, gb_json_value *num) {
  switch (s->kind) {
  case GB_JSON_INT:
  case GB_JSON_UINT:
  case GB_JSON_DOUBLE:
    num->kind = s->kind;
    num->i = s->i;
    num->u = s->u;
    num->d = s->d;
    return 0;
  case GB_JSON_STRING:
    if (s->len > SLOT_STR_CAP)
      return -1;
    return gb_json_number_parse(s->str, s->len, num);
  default:
    return -1;
  }
}

/* 2^63 as a double: the first value beyond int64_t (exact in binary). */
#define TWO_POW_63 9223372036854775808.0

static int out_of_range(gb_err *err, where w, const slot *s, const char *bounds) {
  char d[DESCRIBE_MAX];
  return field_error(err, w, "%s is out of range %s", describe(s, d, sizeof d), bounds);
}

static int i64_out_of_range(gb_err *err, where w, const slot *s, int64_t min, int64_t max) {
  char bounds[64];
  snprintf(bounds, sizeof bounds, "[%" PRId64 ", %" PRId64 "]", min, max);
  return out_of_range(err, w, s, bounds);
}

static int u64_out_of_range(gb_err *err, where w, const slot *s, uint64_t min, uint64_t max) {
  char bounds[64];
  snprintf(bounds, sizeof bounds, "[%" PRIu64 ", %" PRIu64 "]", min, max);
  return out_of_range(err, w, s, bounds);
}

static int to_i64(const slot *s, where w, int64_t min, int64_t max, int64_t *out, gb_err *err) {
  gb_json_value num;
  if (as_number(s, &num) != 0)
    return wrong_kind(err, w, "a number", s);
  int64_t v;
  if (num.kind == GB_JSON_INT) {
    v = num.i;
  } else if (num.kind == GB_JSON_UINT) {
    return i64_out_of_range(err, w, s, min, max);
  } else if (num.d != trunc(num.d)) {
    return wrong_kind(err, w, "an integer", s);
  } else if (num.d < -TWO_POW_63 || num.d >= TWO_POW_63) {
    return i64_out_of_range(err, w, s, min, max);
  } else {
    v = (int64_t)num.d;
  }
  if (v < min || v > max)
    return i64_out_of_range(err, w, s, min, max);
  *out = v;
  return 0;
}

static int to_u64(const slot *s, where w, uint64_t min, uint64_t max, uint64_t *out, gb_err *err) {
  gb_json_value num;
  if (as_number(s, &num) != 0)
    return wrong_kind(err, w, "a number", s);
  uint64_t v;
  if (num.kind == GB_JSON_INT) {
    if (num.i < 0)
      return u64_out_of_range(err, w, s, min, max);
    v = (uint64_t)num.i;
  } else if (num.kind == GB_JSON_UINT) {
    v = num.u;
  } else if (num.d != trunc(num.d)) {
    return wrong_kind(err, w, "an integer", s);
  } else if (num.d < 0 || num.d >= 2 * TWO_POW_63) {
    return u64_out_of_range(err, w, s, min, max);
  } else {
    v = (uint64_t)num.d;
  }
  if (v < min || v > max)
    return u64_out_of_range(err, w, s, min, max);
  *out = v;
  return 0;
}

static int to_f64(const slot *s, where w, range rg, double *out, gb_err *err) {
  gb_json_value num;
  if (as_number(s, &num) != 0)
    return wrong_kind(err, w, "a number", s);
  double v = num.kind == GB_JSON_INT    ? (double)num.i
             : num.kind == GB_JSON_UINT ? (double)num.u
                                        : num.d;
  if (rg == R_NONNEG && v < 0)
    return out_of_range(err, w, s, "[0, inf)");
  if (rg == R_POS && v <= 0)
    return out_of_range(err, w, s, "(0, inf)");
  if (rg == R_UNIT && !(v >= 0 && v <= 1))
    return out_of_range(err, w, s, "[0, 1]");
  *out = v;
  return 0;
}

static int to_bool(const slot *s, where w, bool *out, gb_err *err) {
  if (s->kind == GB_JSON_BOOL) {
    *out = s->b;
    return 0;
  }
  if (s->kind == GB_JSON_INT && (s->i == 0 || s->i == 1)) {
    *out = s->i == 1;
    return 0;
  }
  if (s->kind == GB_JSON_STRING) {
    static const struct {
      const char *text;
      bool value;
    } words[] = {{"true", true}, {"false", false}, {"1", true}, {"0", false}};
    for (size_t k = 0; k < sizeof words / sizeof words[0]; k++)
      if (s->len == strlen(words[k].text) && memcmp(s->str, words[k].text, s->len) == 0) {
        *out = words[k].value;
        return 0;
      }
  }
  return wrong_kind(err, w, "a boolean (true/false or 0/1)", s);
}

static int to_str(const slot *s, where w, const fspec *spec, bool required, char *out,
                  gb_err *err) {
  if (s->kind != GB_JSON_STRING)
    return wrong_kind(err, w, "a string", s);
  if (s->len > spec->max_len)
    return field_error(err, w, "longer than %u bytes", (unsigned)spec->max_len);
  if (memchr(s->str, '\0', s->len) != NULL)
    return field_error(err, w, "contains a NUL byte");
  if (required && s->len == 0)
    return field_error(err, w, "must not be empty");
  memcpy(out, s->str, s->len);
  out[s->len] = '\0';
  return 0;
}

static int64_t range_min(range rg) {
  return rg == R_POS ? 1 : rg == R_NONNEG ? 0 : rg == R_UTC_OFFSET ? UTC_OFFSET_MIN : INT64_MIN;
}

static int64_t range_max(range rg) { return rg == R_UTC_OFFSET ? UTC_OFFSET_MAX : INT64_MAX; }

static int to_app_ids(const gb_codec *c, const slot *s, where w, gb_event *ev, gb_err *err) {
  if (s->kind != GB_JSON_ARRAY)
    return wrong_kind(err, w, "an array of app ids", s);
  if (s->len > GB_IMPRESSION_MAX)
    return field_error(err, w, "more than %d app ids (%zu)", (int)GB_IMPRESSION_MAX, s->len);
  for (size_t k = 0; k < s->len; k++) {
    uint64_t v;
    where wi = {w.field, (int)k};
    if (to_u64(&c->app_ids[k], wi, 1, UINT32_MAX, &v, err) != 0)
      return -1;
    ev->u.store.app_ids[k] = (uint32_t)v;
  }
  ev->u.store.n_app_ids = (uint32_t)s->len;
  return 0;
}

static int to_definition(const gb_codec *c, const slot *s, where w, gb_event *ev, gb_err *err) {
  if (s->kind != GB_JSON_OBJECT)
    return wrong_kind(err, w, "a JSON object", s);
  if (c->def_len > GB_DEFINITION_MAX)
    return field_error(err, w, "longer than %d bytes (minified: %zu)", (int)GB_DEFINITION_MAX,
                       c->def_len);
  char *text = malloc(c->def_len + 1);
  if (text == NULL)
    return gb_err_set(err, GB_ERR_RUNTIME, "out of memory for a %zu-byte definition", c->def_len);
  memcpy(text, c->def, c->def_len);
  text[c->def_len] = '\0';
  ev->u.control.definition = text;
  ev->u.control.definition_len = c->def_len;
  return 0;
}

/* Converts one present field into its member. */
static int decode_field(const gb_codec *c, const fspec *spec, bool required, gb_event *ev,
                        gb_err *err) {
  const slot *s = &c->slots[spec->id];
  where w = {gb_codec_field_names[spec->id].name, -1};
  int64_t i;
  uint64_t u;
  switch ((value_kind)spec->kind) {
  case K_U64:
    return to_u64(s, w, 0, UINT64_MAX, AT(ev, spec, uint64_t), err);
  case K_I64:
    return to_i64(s, w, range_min(spec->range), INT64_MAX, AT(ev, spec, int64_t), err);
  case K_U32:
    if (to_u64(s, w, (uint64_t)(spec->range == R_POS), UINT32_MAX, &u, err) != 0)
      return -1;
    *AT(ev, spec, uint32_t) = (uint32_t)u;
    return 0;
  case K_I32:
    if (to_i64(s, w, range_min(spec->range) > INT32_MIN ? range_min(spec->range) : INT32_MIN,
               range_max(spec->range) < INT32_MAX ? range_max(spec->range) : INT32_MAX, &i,
               err) != 0)
      return -1;
    *AT(ev, spec, int32_t) = (int32_t)i;
    return 0;
  case K_F64:
    return to_f64(s, w, (range)spec->range, AT(ev, spec, double), err);
  case K_BOOL:
    return to_bool(s, w, AT(ev, spec, bool), err);
  case K_STR:
    return to_str(s, w, spec, required, AT(ev, spec, char), err);
  case K_APP_IDS:
    return to_app_ids(c, s, w, ev, err);
  case K_DEFINITION:
    return to_definition(c, s, w, ev, err);
  }
  return field_error(err, w, "internal error: unknown value kind %u", (unsigned)spec->kind);
}

static bool present(const gb_codec *c, int f) {
  return (c->seen >> f & 1) && c->slots[f].kind != GB_JSON_NULL;
}

static int missing(gb_err *err, int f, const gb_event *ev) {
  const char *name = gb_codec_field_names[f].name;
  if (ev == NULL)
    return gb_err_set(err, GB_ERR_INPUT, "missing required field '%s'", name);
  if (ev->type == GB_EV_PURCHASE)
    return gb_err_set(err, GB_ERR_INPUT,
                      "missing required field '%s' for a purchase (it needs sku, amount and "
                      "currency, or app_id and price)",
                      name);
  return gb_err_set(err, GB_ERR_INPUT, "missing required field '%s' for a %s event", name,
                    gb_event_type_name(ev->type));
}

/* Converts the listed fields; ev_for_msg is NULL for the common fields (plainer messages). */
static int decode_fields(const gb_codec *c, const fspec *specs, size_t n, gb_event *ev,
                         const gb_event *ev_for_msg, gb_err *err) {
  for (size_t k = 0; k < n; k++) {
    const fspec *spec = &specs[k];
    if (present(c, spec->id)) {
      if (decode_field(c, spec, spec->need == REQ, ev, err) != 0)
        return -1;
    } else if (spec->need == REQ) {
      return missing(err, spec->id, ev_for_msg);
    }
  }
  return 0;
}

/* A purchase's required fields depend on its form, known once app_id has been read. */
static int check_form(const gb_codec *c, const type_spec *ts, const gb_event *ev, gb_err *err) {
  bool steam = is_steam_purchase(ev);
  for (size_t k = 0; k < ts->n; k++) {
    const fspec *spec = &ts->fields[k];
    if (spec->need != REQ && is_required(spec, steam) && !present(c, spec->id))
      return missing(err, spec->id, ev);
    if (spec->need != REQ && is_required(spec, steam) && spec->kind == K_STR &&
        AT_C(ev, spec, char)[0] == '\0') {
      where w = {gb_codec_field_names[spec->id].name, -1};
      return field_error(err, w, "must not be empty");
    }
  }
  return 0;
}

static int decode_type(const gb_codec *c, gb_event *ev, gb_err *err) {
  if (!present(c, F_TYPE))
    return missing(err, F_TYPE, NULL);
  const slot *s = &c->slots[F_TYPE];
  where w = {"type", -1};
  if (s->kind != GB_JSON_STRING)
    return wrong_kind(err, w, "a string", s);
  int t = s->len > SLOT_STR_CAP ? -1 : name_find(&c->types, c->type_names, s->str, s->len);
  if (t < 0) {
    char q[QUOTED_MAX];
    return gb_err_set(err, GB_ERR_INPUT, "unknown event type '%s'", quote(s, q, sizeof q));
  }
  ev->type = (gb_event_type)t;
  return 0;
}

static int finish(const gb_codec *c, gb_event *ev, gb_err *err) {
  if (decode_type(c, ev, err) != 0)
    return -1;
  if (decode_fields(c, gb_codec_common_head, ARRAY_LEN(gb_codec_common_head), ev, NULL, err) != 0)
    return -1;
  const type_spec *ts = &gb_codec_type_specs[ev->type];
  if (decode_fields(c, ts->fields, ts->n, ev, ev, err) != 0)
    return -1;
  if (ev->type == GB_EV_PURCHASE && check_form(c, ts, ev, err) != 0)
    return -1;
  return decode_fields(c, gb_codec_common_tail, ARRAY_LEN(gb_codec_common_tail), ev, NULL, err);
}

int gb_codec_decode_json(gb_codec *c, const char *json, size_t len, gb_event *out, gb_err *err) {
  gb_event_init(out);
  c->seen = 0;
  c->def_len = 0;
  if (gb_json_parse_object(c->parser, json, len, on_field, c, err) != 0)
    return -1;
  if (finish(c, out, err) != 0) {
    gb_event_dispose(out);
    return -1;
  }
  return 0;
}
