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
#include "gb_varint.h"

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
  case GB_SLATE:
    return "slate";
  default:
    return "decided";
  }
}

/* %.17g: enough digits for any double to read back as itself, except -0.0, written "-0", which
 * reads back as the integer 0: its ".0" keeps the sign. Non-finite values are written as 0. */
static void put_probability(writer *w, double v) {
  double p = isfinite(v) ? v : 0.0;
  put(w, "%.17g%s", p, p == 0 && signbit(p) ? ".0" : "");
}

/* Candidates the record carries: a slate's places are bounded by place_propensity[]. */
static unsigned candidates_kept(const gb_decision *d) {
  unsigned max = d->reason == GB_SLATE ? GB_DECISION_SLATE_MAX : GB_DECISION_CANDIDATES_MAX;
  return d->n_candidates < max ? d->n_candidates : max;
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
  put(&w, ",\"prop_id\":%" PRIu64 ",\"ttl_s\":%" PRId64 ",\"propensity\":", d->prop_id, d->ttl_s);
  put_probability(&w, d->propensity);
  put(&w,
      ",\"completed_prop_id\":%" PRIu64 ",\"failed_prop_id\":%" PRIu64 ",\"reward_coins\":%" PRId64
      ",\"candidates\":[",
      d->completed_prop_id, d->failed_prop_id, d->reward_coins);
  unsigned n = candidates_kept(d);
  for (unsigned i = 0; i < n; i++)
    put(&w, "%s%" PRIu32, i ? "," : "", d->candidates[i]);
  put(&w, "]");
  if (d->reason == GB_SLATE) {
    put(&w, ",\"place_propensity\":[");
    for (unsigned i = 0; i < n; i++) {
      put(&w, "%s", i ? "," : "");
      put_probability(&w, d->place_propensity[i]);
    }
    put(&w, "]");
  }
  put(&w, "}");
  return w.len;
}

/* ---- decoding */

struct gb_decision_codec {
  gb_json_parser *parser;
};

int gb_decision_codec_new(gb_decision_codec **out, gb_err *err) {
  gb_decision_codec *c = calloc(1, sizeof *c);
  if (!c)
    return gb_err_set(err, GB_ERR_RUNTIME, "out of memory for a decision decoder");
  if (gb_json_parser_new(&c->parser, err) != 0) {
    free(c);
    return -1;
  }
  *out = c;
  return 0;
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
  int n_places;  /* entries of place_propensity, -1 when absent */
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
  static const char *const names[] = {"decided", "suppressed", "no_candidates", "slate"};
  if (v->kind == GB_JSON_STRING)
    for (uint8_t i = 0; i < sizeof names / sizeof names[0]; i++)
      if (strlen(names[i]) == v->len && memcmp(names[i], v->str, v->len) == 0) {
        *out = i;
        return 0;
      }
  return gb_err_set(err, GB_ERR_INPUT,
                    "field 'reason': expected \"decided\", \"suppressed\", \"no_candidates\" or "
                    "\"slate\"");
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

static int want_number(const char *name, const gb_json_value *v, double *out, gb_err *err) {
  if (v->kind != GB_JSON_INT && v->kind != GB_JSON_UINT && v->kind != GB_JSON_DOUBLE)
    return gb_err_set(err, GB_ERR_INPUT, "field '%s': expected a number", name);
  *out = v->d;
  return 0;
}

static int decode_places(const gb_json_value *v, decode_ctx *c, gb_err *err) {
  if (v->kind != GB_JSON_ARRAY)
    return gb_err_set(err, GB_ERR_INPUT, "field 'place_propensity': expected an array");
  if (v->n_items > GB_DECISION_SLATE_MAX)
    return gb_err_set(err, GB_ERR_INPUT, "field 'place_propensity': more than %d entries",
                      GB_DECISION_SLATE_MAX);
  for (size_t i = 0; i < v->n_items; i++)
    if (want_number("place_propensity", &v->items[i], &c->d->place_propensity[i], err) != 0)
      return -1;
  c->n_places = (int)v->n_items;
  return 0;
}

/* A slate has at most GB_DECISION_SLATE_MAX places, each with its propensity; other decisions
 * have no place_propensity. */
static int check_slate(const decode_ctx *c, gb_err *err) {
  const gb_decision *d = c->d;
  if (d->reason != GB_SLATE) {
    if (c->n_places >= 0)
      return gb_err_set(err, GB_ERR_INPUT,
                        "field 'place_propensity': only a slate (reason \"slate\") has one");
    return 0;
  }
  if (d->n_candidates > GB_DECISION_SLATE_MAX)
    return gb_err_set(err, GB_ERR_INPUT, "field 'candidates': a slate has at most %d places",
                      GB_DECISION_SLATE_MAX);
  if (c->n_places != d->n_candidates)
    return gb_err_set(err, GB_ERR_INPUT,
                      "field 'place_propensity': %d entries for a slate of %u places",
                      c->n_places < 0 ? 0 : c->n_places, (unsigned)d->n_candidates);
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
  if (key_is(key, key_len, "propensity"))
    return want_number("propensity", v, &d->propensity, err);
  if (key_is(key, key_len, "candidates"))
    return decode_candidates(v, d, err);
  if (key_is(key, key_len, "place_propensity"))
    return decode_places(v, c, err);
  return 0; /* unknown: newer writers may add fields */
}

int gb_decision_decode_json(gb_decision_codec *c, const char *json, size_t len, gb_decision *out,
                            gb_err *err) {
  memset(out, 0, sizeof *out);
  out->chosen = GB_NO_PROP;
  decode_ctx ctx = {out, 0, -1};
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
  return check_slate(&ctx, err);
}

/* ---- binary form */

enum { VARINT_MAX = GB_VARINT_MAX /* bytes of a 64-bit LEB128 varint */ };

typedef struct bwriter {
  uint8_t *buf;
  size_t cap, len; /* len counts what the whole encoding needs, even past cap */
} bwriter;

static void bput(bwriter *w, uint8_t b) {
  if (w->len < w->cap)
    w->buf[w->len] = b;
  w->len++;
}

static void bput_uvar(bwriter *w, uint64_t v) {
  uint8_t tmp[GB_VARINT_MAX];
  size_t n = gb_varint_put(tmp, v);
  for (size_t i = 0; i < n; i++)
    bput(w, tmp[i]);
}

static void bput_svar(bwriter *w, int64_t v) {
  bput_uvar(w, ((uint64_t)v << 1) ^ (uint64_t)(v >> 63)); /* zigzag: small magnitudes, few bytes */
}

/* 8 little-endian bytes: every bit kept, non-finite values too. */
static void bput_double(bwriter *w, double v) {
  uint64_t bits;
  memcpy(&bits, &v, sizeof bits);
  for (int i = 0; i < 8; i++)
    bput(w, (uint8_t)(bits >> (8 * i)));
}

size_t gb_decision_encode_binary(const gb_decision *d, uint8_t *buf, size_t cap) {
  bwriter w = {buf, cap, 0};
  bput_uvar(&w, d->decision_id);
  bput_uvar(&w, d->player_id);
  bput_svar(&w, d->ts);
  bput_svar(&w, d->t_intended_ns);
  bput_svar(&w, d->t_sent_ns);
  bput_svar(&w, d->t_decided_ns);
  bput_uvar(&w, d->arm);
  bput(&w, d->reason);
  bput_uvar(&w, d->n_eligible);
  bput_uvar(&w, d->chosen == GB_NO_PROP ? 0 : (uint64_t)d->chosen + 1);
  bput_uvar(&w, d->prop_id);
  bput_svar(&w, d->ttl_s);
  bput_double(&w, d->propensity);
  bput_uvar(&w, d->completed_prop_id);
  bput_uvar(&w, d->failed_prop_id);
  bput_svar(&w, d->reward_coins);
  unsigned n = candidates_kept(d);
  bput(&w, (uint8_t)n);
  for (unsigned i = 0; i < n; i++)
    bput_uvar(&w, d->candidates[i]);
  if (d->reason == GB_SLATE)
    for (unsigned i = 0; i < n; i++)
      bput_double(&w, d->place_propensity[i]);
  return w.len;
}

typedef struct breader {
  const uint8_t *buf;
  size_t len, pos;
} breader;

static int bfail(gb_err *err, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int bfail(gb_err *err, const char *field, const char *fmt, ...) {
  char reason[GB_ERR_MSG_MAX / 2];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(reason, sizeof reason, fmt, ap);
  va_end(ap);
  return gb_err_set(err, GB_ERR_INPUT, "binary decision: field '%s': %s", field, reason);
}

static int bget(breader *r, const char *field, uint8_t *out, gb_err *err) {
  if (r->pos == r->len)
    return bfail(err, field, "truncated at byte %zu", r->pos);
  *out = r->buf[r->pos++];
  return 0;
}

/* An unsigned varint no greater than max. */
static int bget_uvar(breader *r, const char *field, uint64_t max, uint64_t *out, gb_err *err) {
  uint64_t v = 0;
  for (int i = 0; i < VARINT_MAX; i++) {
    uint8_t b = 0;
    if (bget(r, field, &b, err) != 0)
      return -1;
    v |= (uint64_t)(b & 0x7F) << (7 * i);
    if (!(b & 0x80)) {
      if (v > max)
        return bfail(err, field, "%" PRIu64 " is out of range (0 .. %" PRIu64 ")", v, max);
      *out = v;
      return 0;
    }
  }
  return bfail(err, field, "varint longer than %d bytes", VARINT_MAX);
}

static int bget_svar(breader *r, const char *field, int64_t *out, gb_err *err) {
  uint64_t z;
  if (bget_uvar(r, field, UINT64_MAX, &z, err) != 0)
    return -1;
  *out = (int64_t)(z >> 1) ^ -(int64_t)(z & 1);
  return 0;
}

static int bget_u64(breader *r, const char *field, uint64_t *out, gb_err *err) {
  return bget_uvar(r, field, UINT64_MAX, out, err);
}

static int bget_double(breader *r, const char *field, double *out, gb_err *err) {
  uint64_t bits = 0;
  for (int i = 0; i < 8; i++) {
    uint8_t b = 0;
    if (bget(r, field, &b, err) != 0)
      return -1;
    bits |= (uint64_t)b << (8 * i);
  }
  memcpy(out, &bits, sizeof bits);
  return 0;
}

static int bget_rest(breader *r, gb_decision *d, gb_err *err) {
  uint64_t u = 0;
  if (bget_uvar(r, "n_eligible", UINT32_MAX, &u, err) != 0)
    return -1;
  d->n_eligible = (uint32_t)u;
  if (bget_uvar(r, "chosen", UINT32_MAX, &u, err) != 0)
    return -1;
  d->chosen = u == 0 ? GB_NO_PROP : (uint32_t)(u - 1);
  if (bget_u64(r, "prop_id", &d->prop_id, err) != 0 || bget_svar(r, "ttl_s", &d->ttl_s, err) != 0)
    return -1;
  if (bget_double(r, "propensity", &d->propensity, err) != 0)
    return -1;
  if (bget_u64(r, "completed_prop_id", &d->completed_prop_id, err) != 0 ||
      bget_u64(r, "failed_prop_id", &d->failed_prop_id, err) != 0 ||
      bget_svar(r, "reward_coins", &d->reward_coins, err) != 0)
    return -1;
  uint8_t n = 0;
  if (bget(r, "candidates", &n, err) != 0)
    return -1;
  unsigned max = d->reason == GB_SLATE ? GB_DECISION_SLATE_MAX : GB_DECISION_CANDIDATES_MAX;
  if (n > max)
    return bfail(err, "candidates", "%u entries, more than %u", n, max);
  for (unsigned i = 0; i < n; i++) {
    if (bget_uvar(r, "candidates", UINT32_MAX - 1, &u, err) != 0)
      return -1;
    d->candidates[i] = (uint32_t)u;
  }
  d->n_candidates = n;
  if (d->reason == GB_SLATE)
    for (unsigned i = 0; i < n; i++)
      if (bget_double(r, "place_propensity", &d->place_propensity[i], err) != 0)
        return -1;
  return 0;
}

int gb_decision_decode_binary(const uint8_t *buf, size_t len, gb_decision *out, gb_err *err) {
  memset(out, 0, sizeof *out);
  out->chosen = GB_NO_PROP;
  breader r = {buf, len, 0};
  uint64_t arm = 0;
  if (bget_u64(&r, "decision_id", &out->decision_id, err) != 0 ||
      bget_u64(&r, "player_id", &out->player_id, err) != 0 ||
      bget_svar(&r, "ts", &out->ts, err) != 0 ||
      bget_svar(&r, "t_intended_ns", &out->t_intended_ns, err) != 0 ||
      bget_svar(&r, "t_sent_ns", &out->t_sent_ns, err) != 0 ||
      bget_svar(&r, "t_decided_ns", &out->t_decided_ns, err) != 0 ||
      bget_uvar(&r, "arm", UINT16_MAX, &arm, err) != 0 ||
      bget(&r, "reason", &out->reason, err) != 0)
    return -1;
  out->arm = (uint16_t)arm;
  if (out->reason > GB_SLATE)
    return bfail(err, "reason",
                 "%u is not 0 (decided), 1 (suppressed), 2 (no_candidates) or 3 (slate)",
                 out->reason);
  if (bget_rest(&r, out, err) != 0)
    return -1;
  if (r.pos != len)
    return gb_err_set(err, GB_ERR_INPUT, "binary decision: %zu bytes after the decision",
                      len - r.pos);
  return 0;
}

size_t gb_decision_encode_wire(const gb_decision *d, bool binary, char *buf, size_t cap) {
  if (!binary)
    return gb_decision_encode_json(d, buf, cap);
  if (cap == 0)
    return 1 + gb_decision_encode_binary(d, NULL, 0);
  buf[0] = (char)GB_WIRE_BINARY;
  return 1 + gb_decision_encode_binary(d, (uint8_t *)buf + 1, cap - 1);
}

int gb_decision_decode_wire(gb_decision_codec *c, const void *msg, size_t len, gb_decision *out,
                            gb_err *err) {
  const uint8_t *b = msg;
  if (len > 0 && b[0] == GB_WIRE_BINARY)
    return gb_decision_decode_binary(b + 1, len - 1, out, err);
  return gb_decision_decode_json(c, msg, len, out, err);
}
