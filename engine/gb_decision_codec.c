/* JSON form of gb_decision (see gb_decision_codec.h): written with snprintf into the caller's
 * buffer, read through the project's JSON parser (gb_json). */
#include "gb_decision_codec.h"

#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gb_json.h"

/* ---- encoding */

typedef struct writer {
  char *buf;
  size_t cap, len; /* len counts what the whole encoding needs, even past cap */
} writer;

static void put(writer *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void put(writer *w, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  size_t room = w->len < w->cap ? w->cap - w->len : 0;
  int n = vsnprintf(room ? w->buf + w->len : NULL, room, fmt, ap);
  va_end(ap);
  if (n > 0)
    w->len += (size_t)n;
}

static const char *reason_name(uint8_t reason) {
  switch (reason) {
  case GB_SUPPRESSED:
    return "suppressed";
  case GB_NO_CANDIDATES:
    return "no_candidates";
  default:
    return "decided";
  }
}

size_t gb_decision_encode_json(const gb_decision *d, char *buf, size_t cap) {
  writer w = {buf, cap, 0};
  put(&w,
      "{\"decision_id\":%" PRIu64 ",\"player_id\":%" PRIu64 ",\"ts\":%" PRId64
      ",\"t_intended_ns\":%" PRId64 ",\"t_sent_ns\":%" PRId64 ",\"t_decided_ns\":%" PRId64
      ",\"arm\":%u,\"reason\":\"%s\",\"n_eligible\":%" PRIu32,
      d->decision_id, d->player_id, d->ts, d->t_intended_ns, d->t_sent_ns, d->t_decided_ns,
      (unsigned)d->arm, reason_name(d->reason), d->n_eligible);
  if (d->chosen == GB_NO_PROP)
    put(&w, ",\"chosen\":null");
  else
    put(&w, ",\"chosen\":%" PRIu32, d->chosen);
  /* %.17g: enough digits for any double to read back as itself */
  put(&w,
      ",\"prop_id\":%" PRIu64 ",\"ttl_s\":%" PRId64 ",\"propensity\":%.17g"
      ",\"completed_prop_id\":%" PRIu64 ",\"failed_prop_id\":%" PRIu64 ",\"reward_coins\":%" PRId64
      ",\"candidates\":[",
      d->prop_id, d->ttl_s, isfinite(d->propensity) ? d->propensity : 0.0, d->completed_prop_id,
      d->failed_prop_id, d->reward_coins);
  unsigned n =
      d->n_candidates < GB_DECISION_CANDIDATES_MAX ? d->n_candidates : GB_DECISION_CANDIDATES_MAX;
  for (unsigned i = 0; i < n; i++)
    put(&w, "%s%" PRIu32, i ? "," : "", d->candidates[i]);
  put(&w, "]}");
  return w.len;
}

/* ---- decoding */

struct gb_decision_codec {
  gb_json_parser *parser;
};

gb_decision_codec *gb_decision_codec_new(void) {
  gb_decision_codec *c = calloc(1, sizeof *c);
  if (c && !(c->parser = gb_json_parser_new())) {
    free(c);
    c = NULL;
  }
  return c;
}

void gb_decision_codec_free(gb_decision_codec *c) {
  if (!c)
    return;
  gb_json_parser_free(c->parser);
  free(c);
}

enum { F_DECISION_ID = 1, F_PLAYER_ID = 2, F_ARM = 4, F_REASON = 8 };

typedef struct decode_ctx {
  gb_decision *d;
  unsigned seen; /* F_* of the required fields found */
} decode_ctx;

static int want_uint(const char *name, const gb_json_value *v, uint64_t max, uint64_t *out,
                     gb_err *err) {
  if (v->kind == GB_JSON_INT && v->i >= 0 && (uint64_t)v->i <= max) {
    *out = (uint64_t)v->i;
    return 0;
  }
  if (v->kind == GB_JSON_UINT && v->u <= max) {
    *out = v->u;
    return 0;
  }
  if (v->kind == GB_JSON_INT || v->kind == GB_JSON_UINT)
    return gb_err_set(err, GB_ERR_INPUT, "field '%s': out of range (0 .. %" PRIu64 ")", name, max);
  return gb_err_set(err, GB_ERR_INPUT, "field '%s': expected an unsigned integer", name);
}

static int want_int(const char *name, const gb_json_value *v, int64_t *out, gb_err *err) {
  if (v->kind != GB_JSON_INT)
    return gb_err_set(err, GB_ERR_INPUT, "field '%s': expected an integer", name);
  *out = v->i;
  return 0;
}

static int decode_reason(const gb_json_value *v, uint8_t *out, gb_err *err) {
  static const char *const names[] = {"decided", "suppressed", "no_candidates"};
  if (v->kind == GB_JSON_STRING)
    for (uint8_t i = 0; i < sizeof names / sizeof names[0]; i++)
      if (strlen(names[i]) == v->len && memcmp(names[i], v->str, v->len) == 0) {
        *out = i;
        return 0;
      }
  return gb_err_set(err, GB_ERR_INPUT,
                    "field 'reason': expected \"decided\", \"suppressed\" or \"no_candidates\"");
}

static int decode_candidates(const gb_json_value *v, gb_decision *d, gb_err *err) {
  if (v->kind != GB_JSON_ARRAY)
    return gb_err_set(err, GB_ERR_INPUT, "field 'candidates': expected an array");
  if (v->n_items > GB_DECISION_CANDIDATES_MAX)
    return gb_err_set(err, GB_ERR_INPUT, "field 'candidates': more than %d entries",
                      GB_DECISION_CANDIDATES_MAX);
  for (size_t i = 0; i < v->n_items; i++) {
    uint64_t c = 0;
    if (want_uint("candidates", &v->items[i], UINT32_MAX - 1, &c, err) != 0)
      return -1;
    d->candidates[i] = (uint32_t)c;
  }
  d->n_candidates = (uint8_t)v->n_items;
  return 0;
}

static bool key_is(const char *key, size_t len, const char *name) {
  return strlen(name) == len && memcmp(key, name, len) == 0;
}

/* The unsigned fields: name, offset in gb_decision, width in bytes, flag when required. */
typedef struct ufield {
  const char *name;
  size_t offset, size;
  unsigned flag;
} ufield;

static const ufield ufields[] = {
    {"decision_id", offsetof(gb_decision, decision_id), 8, F_DECISION_ID},
    {"player_id", offsetof(gb_decision, player_id), 8, F_PLAYER_ID},
    {"arm", offsetof(gb_decision, arm), 2, F_ARM},
    {"n_eligible", offsetof(gb_decision, n_eligible), 4, 0},
    {"prop_id", offsetof(gb_decision, prop_id), 8, 0},
    {"completed_prop_id", offsetof(gb_decision, completed_prop_id), 8, 0},
    {"failed_prop_id", offsetof(gb_decision, failed_prop_id), 8, 0},
};

static const struct {
  const char *name;
  size_t offset;
} ifields[] = {
    {"ts", offsetof(gb_decision, ts)},
    {"t_intended_ns", offsetof(gb_decision, t_intended_ns)},
    {"t_sent_ns", offsetof(gb_decision, t_sent_ns)},
    {"t_decided_ns", offsetof(gb_decision, t_decided_ns)},
    {"ttl_s", offsetof(gb_decision, ttl_s)},
    {"reward_coins", offsetof(gb_decision, reward_coins)},
};

static int put_uint(gb_decision *d, const ufield *f, uint64_t v) {
  char *at = (char *)d + f->offset;
  if (f->size == 8) {
    memcpy(at, &v, 8);
  } else if (f->size == 4) {
    uint32_t v32 = (uint32_t)v;
    memcpy(at, &v32, 4);
  } else {
    uint16_t v16 = (uint16_t)v;
    memcpy(at, &v16, 2);
  }
  return 0;
}

static int on_field(void *ctx, const char *key, size_t key_len, const gb_json_value *v,
                    gb_err *err) {
  decode_ctx *c = ctx;
  gb_decision *d = c->d;
  for (size_t i = 0; i < sizeof ufields / sizeof ufields[0]; i++) {
    const ufield *f = &ufields[i];
    if (!key_is(key, key_len, f->name))
      continue;
    uint64_t max = f->size == 8 ? UINT64_MAX : f->size == 4 ? UINT32_MAX : UINT16_MAX;
    uint64_t u = 0;
    if (want_uint(f->name, v, max, &u, err) != 0)
      return -1;
    c->seen |= f->flag;
    return put_uint(d, f, u);
  }
  for (size_t i = 0; i < sizeof ifields / sizeof ifields[0]; i++) {
    if (!key_is(key, key_len, ifields[i].name))
      continue;
    int64_t x = 0;
    if (want_int(ifields[i].name, v, &x, err) != 0)
      return -1;
    memcpy((char *)d + ifields[i].offset, &x, sizeof x);
    return 0;
  }
  if (key_is(key, key_len, "reason")) {
    c->seen |= F_REASON;
    return decode_reason(v, &d->reason, err);
  }
  if (key_is(key, key_len, "chosen")) {
    uint64_t u = 0;
    if (v->kind == GB_JSON_NULL) {
      d->chosen = GB_NO_PROP;
      return 0;
    }
    if (want_uint("chosen", v, UINT32_MAX - 1, &u, err) != 0)
      return -1;
    d->chosen = (uint32_t)u;
    return 0;
  }
  if (key_is(key, key_len, "propensity")) {
    if (v->kind != GB_JSON_INT && v->kind != GB_JSON_UINT && v->kind != GB_JSON_DOUBLE)
      return gb_err_set(err, GB_ERR_INPUT, "field 'propensity': expected a number");
    d->propensity = v->d;
    return 0;
  }
  if (key_is(key, key_len, "candidates"))
    return decode_candidates(v, d, err);
  return 0; /* unknown: newer writers may add fields */
}

int gb_decision_decode_json(gb_decision_codec *c, const char *json, size_t len, gb_decision *out,
                            gb_err *err) {
  memset(out, 0, sizeof *out);
  out->chosen = GB_NO_PROP;
  decode_ctx ctx = {out, 0};
  if (gb_json_parse_object(c->parser, json, len, on_field, &ctx, err) != 0)
    return -1;
  static const struct {
    unsigned flag;
    const char *name;
  } required[] = {{F_DECISION_ID, "decision_id"},
                  {F_PLAYER_ID, "player_id"},
                  {F_ARM, "arm"},
                  {F_REASON, "reason"}};
  for (size_t i = 0; i < sizeof required / sizeof required[0]; i++)
    if (!(ctx.seen & required[i].flag))
      return gb_err_set(err, GB_ERR_INPUT, "missing required field '%s'", required[i].name);
  return 0;
}
