/* gb_codec_json_encode: the JSON encoder (gb_event_encode_json): one object per event, required
 * fields always, optional ones when they are not zero. */
#include "gb_codec_int.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "gb_json.h"

/* ---- JSON encoding -------------------------------------------------------------------------- */

/* "00" "01" ... "99": two digits per division, half the divisions of one digit at a time. */
static const char digit_pairs[] = "00010203040506070809"
                                  "10111213141516171819"
                                  "20212223242526272829"
                                  "30313233343536373839"
                                  "40414243444546474849"
                                  "50515253545556575859"
                                  "60616263646566676869"
                                  "70717273747576777879"
                                  "80818283848586878889"
                                  "90919293949596979899";

enum { U64_DIGITS_MAX = 20 /* 18446744073709551615 */ };

static void put_u64(wbuf *w, uint64_t v) {
  char tmp[U64_DIGITS_MAX];
  char *p = tmp + sizeof tmp;
  while (v >= 100) {
    unsigned r = (unsigned)(v % 100);
    v /= 100;
    p -= 2;
    memcpy(p, digit_pairs + 2 * r, 2);
  }
  if (v >= 10) {
    p -= 2;
    memcpy(p, digit_pairs + 2 * v, 2);
  } else {
    *--p = (char)('0' + v);
  }
  put(w, p, (size_t)(tmp + sizeof tmp - p));
}

static void put_i64(wbuf *w, int64_t v) {
  if (v < 0) {
    put_byte(w, '-');
    put_u64(w, (uint64_t)0 - (uint64_t)v); /* well defined for INT64_MIN too */
    return;
  }
  put_u64(w, (uint64_t)v);
}

static void put_f64(wbuf *w, double d) {
  char tmp[GB_JSON_DOUBLE_MAX];
  put(w, tmp, gb_json_format_double(d, tmp));
}

static void put_json_string(wbuf *w, const char *s, size_t len) {
  static const char hex[] = "0123456789abcdef";
  put_byte(w, '"');
  size_t start = 0;
  for (size_t k = 0; k < len; k++) {
    unsigned char ch = (unsigned char)s[k];
    if (ch >= 0x20 && ch != '"' && ch != '\\')
      continue;
    put(w, s + start, k - start);
    start = k + 1;
    char esc[6] = {'\\', (char)ch, 0, 0, 0, 0};
    size_t n = 2;
    switch (ch) {
    case '"':
    case '\\':
      break;
    case '\n':
      esc[1] = 'n';
      break;
    case '\r':
      esc[1] = 'r';
      break;
    case '\t':
      esc[1] = 't';
      break;
    case '\b':
      esc[1] = 'b';
      break;
    case '\f':
      esc[1] = 'f';
      break;
    default: /* other control bytes: \u00XX */
      memcpy(esc + 1, "u00", 3);
      esc[4] = hex[ch >> 4];
      esc[5] = hex[ch & 0xf];
      n = 6;
    }
    put(w, esc, n);
  }
  put(w, s + start, len - start);
  put_byte(w, '"');
}

static void put_definition(wbuf *w, const gb_ev_control *ctl) {
  if (ctl->definition == NULL || ctl->definition_len == 0) {
    put(w, "null", 4);
    return;
  }
  const char *d = ctl->definition;
  size_t start = 0;
  for (size_t k = 0; k < ctl->definition_len; k++) {
    if (d[k] != '\n' && d[k] != '\r')
      continue;
    put(w, d + start, k - start);
    put_byte(w, ' ');
    start = k + 1;
  }
  put(w, d + start, ctl->definition_len - start);
}

static bool is_zero(const gb_event *ev, const fspec *spec) {
  switch ((value_kind)spec->kind) {
  case K_U64:
    return *AT_C(ev, spec, uint64_t) == 0;
  case K_I64:
    return *AT_C(ev, spec, int64_t) == 0;
  case K_U32:
    return *AT_C(ev, spec, uint32_t) == 0;
  case K_I32:
    return *AT_C(ev, spec, int32_t) == 0;
  case K_F64: {
    uint64_t bits; /* by bits, so that -0.0 is not zero and survives */
    memcpy(&bits, AT_C(ev, spec, double), sizeof bits);
    return bits == 0;
  }
  case K_BOOL:
    return !*AT_C(ev, spec, bool);
  case K_STR:
    return AT_C(ev, spec, char)[0] == '\0';
  case K_APP_IDS:
    return n_app_ids(ev) == 0;
  case K_DEFINITION:
    return ev->u.control.definition == NULL;
  }
  return true;
}

static void put_json_value(wbuf *w, const gb_event *ev, const fspec *spec) {
  switch ((value_kind)spec->kind) {
  case K_U64:
    put_u64(w, *AT_C(ev, spec, uint64_t));
    return;
  case K_I64:
    put_i64(w, *AT_C(ev, spec, int64_t));
    return;
  case K_U32:
    put_u64(w, *AT_C(ev, spec, uint32_t));
    return;
  case K_I32:
    put_i64(w, *AT_C(ev, spec, int32_t));
    return;
  case K_F64:
    put_f64(w, *AT_C(ev, spec, double));
    return;
  case K_BOOL:
    if (*AT_C(ev, spec, bool))
      put(w, "true", 4);
    else
      put(w, "false", 5);
    return;
  case K_STR: {
    const char *s = AT_C(ev, spec, char);
    put_json_string(w, s, str_len(s, spec->max_len));
    return;
  }
  case K_APP_IDS: {
    size_t n = n_app_ids(ev);
    put_byte(w, '[');
    for (size_t k = 0; k < n; k++) {
      if (k > 0)
        put_byte(w, ',');
      put_u64(w, ev->u.store.app_ids[k]);
    }
    put_byte(w, ']');
    return;
  }
  case K_DEFINITION:
    put_definition(w, &ev->u.control);
    return;
  }
}

/* Required fields always; optional ones (always_all aside) only when non-zero. */
static void put_json_fields(wbuf *w, const gb_event *ev, const fspec *specs, size_t n,
                            bool always_all) {
  bool steam = is_steam_purchase(ev);
  for (size_t k = 0; k < n; k++) {
    const fspec *spec = &specs[k];
    if (!always_all && !is_required(spec, steam) && is_zero(ev, spec))
      continue;
    put(w, gb_codec_field_keys[spec->id].name, gb_codec_field_keys[spec->id].len);
    put_json_value(w, ev, spec);
  }
}

size_t gb_event_encode_json(const gb_event *ev, char *buf, size_t cap) {
  if ((unsigned)ev->type >= GB_EV__COUNT) {
    if (cap > 0)
      buf[0] = '\0';
    return 0;
  }
  wbuf w = {(uint8_t *)buf, cap, 0};
  const type_spec *ts = &gb_codec_type_specs[ev->type];
  /* event_id opens the object: its key without the leading comma */
  put_byte(&w, '{');
  put(&w, gb_codec_field_keys[F_EVENT_ID].name + 1, gb_codec_field_keys[F_EVENT_ID].len - 1);
  put_u64(&w, ev->event_id);
  put(&w, gb_codec_field_keys[F_TYPE].name, gb_codec_field_keys[F_TYPE].len);
  const char *type_name = gb_event_type_name(ev->type);
  put_json_string(&w, type_name, strlen(type_name));
  put_json_fields(&w, ev, gb_codec_common_head + 1, ARRAY_LEN(gb_codec_common_head) - 1, true);
  put_json_fields(&w, ev, ts->fields, ts->n, false);
  put_json_fields(&w, ev, gb_codec_common_tail, ARRAY_LEN(gb_codec_common_tail), false);
  put_byte(&w, '}');
  if (w.pos < cap)
    buf[w.pos] = '\0';
  return w.pos;
}
