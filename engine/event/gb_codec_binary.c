/* gb_codec_binary: the compact binary form (gb_event_encode_binary, gb_event_decode_binary,
 * gb_event_peek_player_id): the same fields as JSON, in table order, as LEB128 varints (zigzag for
 * signed ones), little-endian doubles and length-prefixed strings; a fast path for each direction
 * where the simulator and the engine spend their time. */
#include "gb_codec_int.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gb_varint.h"

/* ---- Binary encoding ------------------------------------------------------------------------ */

enum { VARINT_MAX = GB_VARINT_MAX /* bytes of a LEB128 uint64 */ };

static void put_varint(wbuf *w, uint64_t v) {
  uint8_t tmp[GB_VARINT_MAX];
  put(w, tmp, gb_varint_put(tmp, v));
}

/* Zigzag maps small negative numbers to small unsigned ones (0, -1, 1, -2 -> 0, 1, 2, 3). */
static uint64_t zigzag(int64_t v) { return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63); }

static int64_t unzigzag(uint64_t u) { return (int64_t)(u >> 1) ^ -(int64_t)(u & 1); }

static void put_binary_value(wbuf *w, const gb_event *ev, const fspec *spec) {
  switch ((value_kind)spec->kind) {
  case K_U64:
    put_varint(w, *AT_C(ev, spec, uint64_t));
    return;
  case K_I64:
    put_varint(w, zigzag(*AT_C(ev, spec, int64_t)));
    return;
  case K_U32:
    put_varint(w, *AT_C(ev, spec, uint32_t));
    return;
  case K_I32:
    put_varint(w, zigzag(*AT_C(ev, spec, int32_t)));
    return;
  case K_F64: {
    uint64_t bits;
    uint8_t le[8];
    memcpy(&bits, AT_C(ev, spec, double), sizeof bits);
    for (int k = 0; k < 8; k++)
      le[k] = (uint8_t)(bits >> (8 * k));
    put(w, le, sizeof le);
    return;
  }
  case K_BOOL:
    put_byte(w, *AT_C(ev, spec, bool) ? 1 : 0);
    return;
  case K_STR: {
    const char *s = AT_C(ev, spec, char);
    size_t n = str_len(s, spec->max_len);
    put_varint(w, n);
    put(w, s, n);
    return;
  }
  case K_APP_IDS: {
    size_t n = n_app_ids(ev);
    put_varint(w, n);
    for (size_t k = 0; k < n; k++)
      put_varint(w, ev->u.store.app_ids[k]);
    return;
  }
  case K_DEFINITION: {
    const gb_ev_control *ctl = &ev->u.control;
    size_t n = ctl->definition ? ctl->definition_len : 0;
    put_varint(w, n);
    put(w, ctl->definition, n);
    return;
  }
  }
}

static void put_binary_fields(wbuf *w, const gb_event *ev, const fspec *specs, size_t n) {
  for (size_t k = 0; k < n; k++)
    put_binary_value(w, ev, &specs[k]);
}

static void put_binary_event(wbuf *w, const gb_event *ev) {
  const type_spec *ts = &gb_codec_type_specs[ev->type];
  put_byte(w, (uint8_t)ev->type);
  put_binary_fields(w, ev, gb_codec_common_head, ARRAY_LEN(gb_codec_common_head));
  put_binary_fields(w, ev, ts->fields, ts->n);
  put_binary_fields(w, ev, gb_codec_common_tail, ARRAY_LEN(gb_codec_common_tail));
}

/* -- The fast path: the simulator encodes every event it sends, a dozen varints or more each.
 * It writes into a scratch buffer through a cursor kept in a register, each varint as one
 * 8-byte store (no branch per byte, no copy through a temporary whose byte stores the copy's
 * wider loads cannot forward from); the bytes stored past a piece are the next piece's or
 * beyond the encoding. The same bytes as put_binary_event. */

/* The 7-bit groups of v (< 2^56) spread to one per byte: group k lands in byte k, bit 7 clear.
 * The inverse of pack_groups (below): halves, then pairs of pairs, then pairs of bytes. */
static inline uint64_t spread_groups(uint64_t v) {
  uint64_t x = (v & 0x000000000fffffffULL) | ((v & 0x00fffffff0000000ULL) << 4);
  x = (x & 0x00003fff00003fffULL) | ((x & 0x0fffc0000fffc000ULL) << 2);
  return (x & 0x007f007f007f007fULL) | ((x & 0x3f803f803f803f80ULL) << 1);
}

/* v's 8 bytes at p, least significant first: one store. */
static inline void store_le64(uint8_t *p, uint64_t v) {
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
  v = __builtin_bswap64(v);
#endif
  memcpy(p, &v, sizeof v);
}

enum {
  VARINT_WORD_BITS = 56, /* the value bits of an 8-byte varint: 8 groups of 7 */
  FAST_ROOM = VARINT_MAX /* room a fixed-size piece needs: its 8-byte stores stay inside */
};

/* v's LEB128 form at p, which has VARINT_MAX bytes of room; returns the end of it. */
static inline __attribute__((always_inline)) uint8_t *fast_varint(uint8_t *p, uint64_t v) {
  const uint64_t continuations = 0x8080808080808080ULL; /* bit 7 of each byte */
  if (v < (UINT64_C(1) << VARINT_WORD_BITS)) {
    size_t n = (64 - (size_t)__builtin_clzll(v | 1) + 6) / 7; /* a byte per started 7 bits */
    uint64_t before_last = (UINT64_C(1) << (8 * (n - 1))) - 1;
    store_le64(p, spread_groups(v) | (continuations & before_last));
    return p + n;
  }
  /* 9 or 10 bytes (hashes such as session ids): the first 8 all continue */
  store_le64(p, spread_groups(v & ((UINT64_C(1) << VARINT_WORD_BITS) - 1)) | continuations);
  p += 8;
  for (v >>= VARINT_WORD_BITS; v >= 0x80; v >>= 7)
    *p++ = (uint8_t)(v | 0x80);
  *p++ = (uint8_t)v;
  return p;
}

/* The field of spec at p; NULL when it might not fit before end (or for a definition, which is
 * not bounded): the caller then takes the counting writer. */
static inline __attribute__((always_inline)) uint8_t *
fast_field(uint8_t *p, const uint8_t *end, const gb_event *ev, const fspec *spec) {
  if (end - p < FAST_ROOM)
    return NULL;
  switch ((value_kind)spec->kind) {
  case K_U64:
    p = fast_varint(p, *AT_C(ev, spec, uint64_t));
    break;
  case K_I64:
    p = fast_varint(p, zigzag(*AT_C(ev, spec, int64_t)));
    break;
  case K_U32:
    p = fast_varint(p, *AT_C(ev, spec, uint32_t));
    break;
  case K_I32:
    p = fast_varint(p, zigzag(*AT_C(ev, spec, int32_t)));
    break;
  case K_F64: {
    uint64_t bits;
    memcpy(&bits, AT_C(ev, spec, double), sizeof bits);
    store_le64(p, bits);
    p += sizeof bits;
    break;
  }
  case K_BOOL:
    *p++ = *AT_C(ev, spec, bool) ? 1 : 0;
    break;
  case K_STR: {
    const char *str = AT_C(ev, spec, char);
    size_t len = str_len(str, spec->max_len);
    if ((size_t)(end - p) < VARINT_MAX + len)
      return NULL;
    p = fast_varint(p, len);
    memcpy(p, str, len);
    p += len;
    break;
  }
  case K_APP_IDS: {
    size_t count = n_app_ids(ev);
    if ((size_t)(end - p) < VARINT_MAX * (count + 1))
      return NULL;
    p = fast_varint(p, count);
    for (size_t i = 0; i < count; i++)
      p = fast_varint(p, ev->u.store.app_ids[i]);
    break;
  }
  case K_DEFINITION:
    return NULL;
  }
  return p;
}

/* The fields of specs at p (NULL as fast_field). */
static uint8_t *fast_fields(uint8_t *p, const uint8_t *end, const gb_event *ev, const fspec *specs,
                            size_t n) {
  for (size_t k = 0; k < n && p; k++)
    p = fast_field(p, end, ev, &specs[k]);
  return p;
}

/* The fields every event has, unrolled with their specs as constants (as get_fixed_fields). */
static inline __attribute__((always_inline)) uint8_t *
fast_fixed_fields(uint8_t *p, const uint8_t *end, const gb_event *ev, const fspec *specs,
                  size_t n) {
#pragma GCC unroll 8
  for (size_t k = 0; k < n; k++)
    if (p)
      p = fast_field(p, end, ev, &specs[k]);
  return p;
}

/* ev (not a challenge_upsert) into scratch[0..cap); its length, or 0 when it might not fit. */
static size_t fast_binary_event(const gb_event *ev, uint8_t *scratch, size_t cap) {
  const type_spec *ts = &gb_codec_type_specs[ev->type];
  const uint8_t *end = scratch + cap;
  uint8_t *p = scratch;
  *p++ = (uint8_t)ev->type;
  p = fast_fixed_fields(p, end, ev, gb_codec_common_head, ARRAY_LEN(gb_codec_common_head));
  /* a game's rounds are most of the events: their fields unrolled too */
  if (p && ev->type == GB_EV_GAME_END)
    p = fast_fixed_fields(p, end, ev, gb_codec_game_end_fields,
                          ARRAY_LEN(gb_codec_game_end_fields));
  else if (p && ev->type == GB_EV_GAME_START)
    p = fast_fixed_fields(p, end, ev, gb_codec_game_start_fields,
                          ARRAY_LEN(gb_codec_game_start_fields));
  else if (p)
    p = fast_fields(p, end, ev, ts->fields, ts->n);
  if (p)
    p = fast_fixed_fields(p, end, ev, gb_codec_common_tail, ARRAY_LEN(gb_codec_common_tail));
  return p ? (size_t)(p - scratch) : 0;
}

size_t gb_event_encode_binary(const gb_event *ev, uint8_t *buf, size_t cap) {
  if ((unsigned)ev->type >= GB_EV__COUNT)
    return 0;
  if (ev->type != GB_EV_CHALLENGE_UPSERT) {
    uint8_t scratch[GB_EVENT_BINARY_MAX + FAST_ROOM]; /* + the stores past the last piece */
    size_t n = fast_binary_event(ev, scratch, sizeof scratch);
    if (n > 0) {
      if (cap > 0)
        memcpy(buf, scratch, n < cap ? n : cap);
      return n;
    }
  }
  wbuf w = {buf, cap, 0};
  put_binary_event(&w, ev);
  return w.pos;
}

/* ---- Binary decoding ------------------------------------------------------------------------ */

typedef struct rbuf {
  const uint8_t *buf;
  size_t len;
  size_t pos;
} rbuf;

static int binary_error(gb_err *err, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int binary_error(gb_err *err, const char *field, const char *fmt, ...) {
  char reason[GB_ERR_MSG_MAX / 2];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(reason, sizeof reason, fmt, ap);
  va_end(ap);
  return gb_err_set(err, GB_ERR_INPUT, "binary event: field '%s': %s", field, reason);
}

static int truncated(gb_err *err, const rbuf *r, const char *field) {
  return binary_error(err, field, "truncated at byte %zu of %zu", r->pos, r->len);
}

/* Rare (values of 10 bytes, truncated or corrupt input): kept out of the fast path's way. */
static __attribute__((noinline, cold)) int get_varint_checked(rbuf *r, const char *field,
                                                              uint64_t *out, gb_err *err) {
  uint64_t v = 0;
  for (int shift = 0; shift < 7 * VARINT_MAX; shift += 7) {
    if (r->pos == r->len)
      return truncated(err, r, field);
    uint8_t b = r->buf[r->pos++];
    /* the tenth byte holds bit 63 only */
    if (shift == 7 * (VARINT_MAX - 1) && b > 1)
      return binary_error(err, field, "varint overflows 64 bits");
    v |= (uint64_t)(b & 0x7f) << shift;
    if (b < 0x80) {
      *out = v;
      return 0;
    }
  }
  return binary_error(err, field, "varint longer than %d bytes", VARINT_MAX);
}

/* The 8 bytes at p as a little-endian number: one load. */
static inline uint64_t load_le64(const uint8_t *p) {
  uint64_t v;
  memcpy(&v, p, sizeof v);
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
  v = __builtin_bswap64(v);
#endif
  return v;
}

/* The 7-bit groups of the bytes of x (continuation bits clear), packed: byte k's group lands at
 * bit 7k. Pairs of bytes, then pairs of pairs, then the two halves, without a branch. */
static inline uint64_t pack_groups(uint64_t x) {
  x = ((x >> 1) & 0x3f803f803f803f80ULL) | (x & 0x007f007f007f007fULL);
  x = ((x >> 2) & 0x0fffc0000fffc000ULL) | (x & 0x00003fff00003fffULL);
  return ((x >> 4) & 0x00fffffff0000000ULL) | (x & 0x000000000fffffffULL);
}

/* A varint that get_varint's one-word case does not cover: 9 or 10 bytes, or near the end of
 * the message. */
static __attribute__((noinline)) int get_varint_long(rbuf *r, const char *field, uint64_t *out,
                                                     gb_err *err) {
  const uint8_t *p = r->buf + r->pos;
  size_t avail = r->len - r->pos;
  /* 9 or 10 bytes (hashes such as session ids): the tenth may hold bit 63 only */
  if (avail >= VARINT_MAX && (p[8] < 0x80 || p[9] <= 1)) {
    uint64_t v = pack_groups(load_le64(p) & 0x7f7f7f7f7f7f7f7fULL) | (uint64_t)(p[8] & 0x7f) << 56;
    if (p[8] >= 0x80)
      v |= (uint64_t)p[9] << 63;
    r->pos += p[8] < 0x80 ? VARINT_MAX - 1 : VARINT_MAX;
    *out = v;
    return 0;
  }
  /* near the end: up to 9 bytes (63 bits, where the overflow check of the tenth byte cannot
   * apply) without the per-byte checks */
  size_t n = avail < VARINT_MAX - 1 ? avail : VARINT_MAX - 1;
  uint64_t v = 0;
  for (size_t i = 0; i < n; i++) {
    v |= (uint64_t)(p[i] & 0x7f) << (7 * i);
    if (p[i] < 0x80) {
      r->pos += i + 1;
      *out = v;
      return 0;
    }
  }
  return get_varint_checked(r, field, out, err);
}

/* Every event the engine takes is a dozen varints or more, so the common case goes without a
 * call or a branch per byte: with 8 bytes left, a value that ends within them (up to 56 bits:
 * ids, sim ms, clock stamps) is read as one word. get_varint_long covers longer values and the
 * end of the message; anything else, errors included, takes get_varint_checked from the start. */
static inline __attribute__((always_inline)) int get_varint(rbuf *r, const char *field,
                                                            uint64_t *out, gb_err *err) {
  if (r->len - r->pos >= 8) {
    uint64_t w = load_le64(r->buf + r->pos);
    uint64_t stops = ~w & 0x8080808080808080ULL; /* bytes without the continuation bit */
    if (stops != 0) {
      /* up to and including the first stop byte: stops ^ (stops - 1) masks through its bit 7 */
      r->pos += (size_t)__builtin_ctzll(stops) / 8 + 1;
      *out = pack_groups(w & (stops ^ (stops - 1)) & 0x7f7f7f7f7f7f7f7fULL);
      return 0;
    }
  }
  return get_varint_long(r, field, out, err);
}

static int get_bytes(rbuf *r, const char *field, size_t n, const uint8_t **out, gb_err *err) {
  if (n > r->len - r->pos)
    return truncated(err, r, field);
  *out = r->buf + r->pos;
  r->pos += n;
  return 0;
}

static int get_string(rbuf *r, const char *field, size_t max_len, char *out, gb_err *err) {
  uint64_t n;
  const uint8_t *bytes = NULL;
  if (get_varint(r, field, &n, err) != 0)
    return -1;
  if (n > max_len)
    return binary_error(err, field, "longer than %zu bytes", max_len);
  if (get_bytes(r, field, (size_t)n, &bytes, err) != 0)
    return -1;
  /* One pass that checks and copies: the strings are a few bytes (names, codes), where calls
   * to memchr and memcpy cost more than the bytes. */
  for (size_t i = 0; i < (size_t)n; i++) {
    if (bytes[i] == '\0')
      return binary_error(err, field, "contains a NUL byte");
    out[i] = (char)bytes[i];
  }
  out[n] = '\0';
  return 0;
}

static int get_definition(rbuf *r, const char *field, gb_ev_control *ctl, gb_err *err) {
  uint64_t n;
  const uint8_t *bytes = NULL;
  if (get_varint(r, field, &n, err) != 0)
    return -1;
  if (n > GB_DEFINITION_MAX)
    return binary_error(err, field, "longer than %d bytes", (int)GB_DEFINITION_MAX);
  if (get_bytes(r, field, (size_t)n, &bytes, err) != 0)
    return -1;
  if (n == 0)
    return 0;
  char *text = malloc((size_t)n + 1);
  if (text == NULL)
    return gb_err_set(err, GB_ERR_RUNTIME, "out of memory for a %zu-byte definition", (size_t)n);
  memcpy(text, bytes, (size_t)n);
  text[n] = '\0';
  ctl->definition = text;
  ctl->definition_len = (size_t)n;
  return 0;
}

/* Inlined into get_binary_fields' loop: one call per group of fields, not per field. */
static inline __attribute__((always_inline)) int get_binary_value(rbuf *r, gb_event *ev,
                                                                  const fspec *spec, gb_err *err) {
  const char *field = gb_codec_field_names[spec->id].name;
  uint64_t u;
  const uint8_t *bytes = NULL;
  switch ((value_kind)spec->kind) {
  case K_U64:
    return get_varint(r, field, AT(ev, spec, uint64_t), err);
  case K_I64:
    if (get_varint(r, field, &u, err) != 0)
      return -1;
    *AT(ev, spec, int64_t) = unzigzag(u);
    return 0;
  case K_U32:
    if (get_varint(r, field, &u, err) != 0)
      return -1;
    if (u > UINT32_MAX)
      return binary_error(err, field, "%" PRIu64 " does not fit 32 bits", u);
    *AT(ev, spec, uint32_t) = (uint32_t)u;
    return 0;
  case K_I32: {
    if (get_varint(r, field, &u, err) != 0)
      return -1;
    int64_t v = unzigzag(u);
    if (v < INT32_MIN || v > INT32_MAX)
      return binary_error(err, field, "%" PRId64 " does not fit 32 bits", v);
    if (spec->range == R_UTC_OFFSET && (v < UTC_OFFSET_MIN || v > UTC_OFFSET_MAX))
      return binary_error(err, field, "%" PRId64 " is out of range [%d, %d]", v, UTC_OFFSET_MIN,
                          UTC_OFFSET_MAX);
    *AT(ev, spec, int32_t) = (int32_t)v;
    return 0;
  }
  case K_F64: {
    uint64_t bits = 0;
    if (get_bytes(r, field, 8, &bytes, err) != 0)
      return -1;
    for (int k = 0; k < 8; k++)
      bits |= (uint64_t)bytes[k] << (8 * k);
    memcpy(AT(ev, spec, double), &bits, sizeof bits);
    return 0;
  }
  case K_BOOL:
    if (get_bytes(r, field, 1, &bytes, err) != 0)
      return -1;
    if (bytes[0] > 1)
      return binary_error(err, field, "boolean byte %u is neither 0 nor 1", bytes[0]);
    *AT(ev, spec, bool) = bytes[0] == 1;
    return 0;
  case K_STR:
    return get_string(r, field, spec->max_len, AT(ev, spec, char), err);
  case K_APP_IDS:
    if (get_varint(r, field, &u, err) != 0)
      return -1;
    if (u > GB_IMPRESSION_MAX)
      return binary_error(err, field, "%" PRIu64 " app ids, more than %d", u,
                          (int)GB_IMPRESSION_MAX);
    ev->u.store.n_app_ids = (uint32_t)u;
    for (uint32_t k = 0; k < ev->u.store.n_app_ids; k++) {
      uint64_t id;
      if (get_varint(r, field, &id, err) != 0)
        return -1;
      if (id > UINT32_MAX)
        return binary_error(err, field, "app id %" PRIu64 " does not fit 32 bits", id);
      ev->u.store.app_ids[k] = (uint32_t)id;
    }
    return 0;
  case K_DEFINITION:
    return get_definition(r, field, &ev->u.control, err);
  }
  return binary_error(err, field, "internal error: unknown value kind %u", (unsigned)spec->kind);
}

static int get_binary_fields(rbuf *r, gb_event *ev, const fspec *specs, size_t n, gb_err *err) {
  for (size_t k = 0; k < n; k++)
    if (get_binary_value(r, ev, &specs[k], err) != 0)
      return -1;
  return 0;
}

/* The fields every event has (gb_codec_common_head, gb_codec_common_tail), unrolled where the specs
 * are constants: each field's kind, range and offset are then known at compile time, so that it
 * decodes without the loop's per-field load of its spec and jump on its kind. */
static inline __attribute__((always_inline)) int
get_fixed_fields(rbuf *r, gb_event *ev, const fspec *specs, size_t n, gb_err *err) {
#pragma GCC unroll 8
  for (size_t k = 0; k < n; k++)
    if (get_binary_value(r, ev, &specs[k], err) != 0)
      return -1;
  return 0;
}

/* The fields of the event's type: a game's rounds (most of the events) unrolled. */
static int get_type_fields(rbuf *r, gb_event *ev, const type_spec *ts, gb_err *err) {
  if (ev->type == GB_EV_GAME_END)
    return get_fixed_fields(r, ev, gb_codec_game_end_fields, ARRAY_LEN(gb_codec_game_end_fields),
                            err);
  if (ev->type == GB_EV_GAME_START)
    return get_fixed_fields(r, ev, gb_codec_game_start_fields,
                            ARRAY_LEN(gb_codec_game_start_fields), err);
  return get_binary_fields(r, ev, ts->fields, ts->n, err);
}

int gb_event_decode_binary(const uint8_t *buf, size_t len, gb_event *out, size_t *consumed,
                           gb_err *err) {
  rbuf r = {buf, len, 0};
  gb_event_init(out);
  *consumed = 0;
  if (len == 0)
    return truncated(err, &r, "type");
  if (buf[0] >= GB_EV__COUNT)
    return gb_err_set(err, GB_ERR_INPUT, "binary event: bad type tag %u (schema v1 has 0..%d)",
                      buf[0], GB_EV__COUNT - 1);
  out->type = (gb_event_type)buf[0];
  r.pos = 1;
  const type_spec *ts = &gb_codec_type_specs[out->type];
  if (get_fixed_fields(&r, out, gb_codec_common_head, ARRAY_LEN(gb_codec_common_head), err) != 0 ||
      get_type_fields(&r, out, ts, err) != 0 ||
      get_fixed_fields(&r, out, gb_codec_common_tail, ARRAY_LEN(gb_codec_common_tail), err) != 0) {
    gb_event_dispose(out);
    return -1;
  }
  *consumed = r.pos;
  return 0;
}

int gb_event_peek_player_id(const void *msg, size_t len, uint64_t *player_id) {
  const uint8_t *b = msg;
  if (len < 2 || b[0] != GB_WIRE_BINARY || b[1] >= GB_EV__COUNT)
    return -1;
  rbuf r = {b + 2, len - 2, 0};
  gb_err ignored; /* the decoder reports errors */
  for (size_t k = 0; k < ARRAY_LEN(gb_codec_common_head); k++) {
    const fspec *spec = &gb_codec_common_head[k];
    uint64_t v;
    if ((spec->kind != K_U64 && spec->kind != K_I64) ||
        get_varint(&r, gb_codec_field_names[spec->id].name, &v, &ignored) != 0)
      return -1;
    if (spec->id == F_PLAYER_ID) {
      *player_id = v;
      return 0;
    }
  }
  return -1;
}
