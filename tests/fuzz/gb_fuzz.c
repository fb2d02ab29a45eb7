/* The fuzz targets' shared checks (gb_fuzz.h). It reads the codec's private field tables
 * (gb_codec_int.h) so that the event comparison follows the same list of fields as the codec:
 * a field added to a type is compared without an edit here. */
#include "gb_fuzz.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gb_codec.h"
#include "gb_codec_int.h"
#include "gb_err.h"

void gbt_fuzz_finding(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fputs("fuzz finding: ", stderr);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
  fflush(stderr);
  GB_FATAL("a property of the code under test does not hold (above)");
}

/* Whether the member s describes is the same in a and b. */
static bool same_field(const gb_event *a, const gb_event *b, const fspec *s) {
  switch ((value_kind)s->kind) {
  case K_U64:
  case K_I64:
  case K_F64: /* by the bits: -0.0 and 0.0 differ */
    return memcmp(AT_C(a, s, uint64_t), AT_C(b, s, uint64_t), sizeof(uint64_t)) == 0;
  case K_U32:
  case K_I32:
    return memcmp(AT_C(a, s, uint32_t), AT_C(b, s, uint32_t), sizeof(uint32_t)) == 0;
  case K_BOOL:
    return *AT_C(a, s, bool) == *AT_C(b, s, bool);
  case K_STR:
    return strncmp(AT_C(a, s, char), AT_C(b, s, char), (size_t)s->max_len + 1) == 0;
  case K_APP_IDS:
    return n_app_ids(a) == n_app_ids(b) &&
           memcmp(a->u.store.app_ids, b->u.store.app_ids, n_app_ids(a) * sizeof(uint32_t)) == 0;
  case K_DEFINITION: {
    const gb_ev_control *x = &a->u.control, *y = &b->u.control;
    if (x->definition_len != y->definition_len ||
        (x->definition == NULL) != (y->definition == NULL))
      return false;
    return x->definition_len == 0 || memcmp(x->definition, y->definition, x->definition_len) == 0;
  }
  }
  GB_FATAL("field kind %d is not one of the codec's", s->kind);
}

static const char *diff_in(const gb_event *a, const gb_event *b, const fspec *specs, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (!same_field(a, b, &specs[i]))
      return gb_codec_field_names[specs[i].id].name;
  return NULL;
}

const char *gbt_fuzz_event_diff(const gb_event *a, const gb_event *b) {
  if (a->type != b->type)
    return "type";
  if ((unsigned)a->type >= GB_EV__COUNT)
    return NULL;
  const char *d = diff_in(a, b, gb_codec_common_head, GB_CODEC_COMMON_HEAD_N);
  if (!d)
    d = diff_in(a, b, gb_codec_type_specs[a->type].fields, gb_codec_type_specs[a->type].n);
  if (!d)
    d = diff_in(a, b, gb_codec_common_tail, GB_CODEC_COMMON_TAIL_N);
  return d;
}

/* Encodes ev in the binary form into a new buffer (*len bytes); the encoder's length is checked
 * against what it wrote. */
static uint8_t *encode_binary(const gb_event *ev, size_t *len, const char *what) {
  size_t n = gb_event_encode_binary(ev, NULL, 0);
  uint8_t *buf = malloc(n + 1);
  GB_ASSERT(buf != NULL);
  size_t again = gb_event_encode_binary(ev, buf, n + 1);
  if (again != n)
    gbt_fuzz_finding("%s: binary encoding of a %s: %zu bytes measured, %zu written", what,
                     gb_event_type_name(ev->type), n, again);
  *len = n;
  return buf;
}

void gbt_fuzz_event_binary_round_trip(const gb_event *ev, const char *what) {
  size_t n1 = 0, n2 = 0, used = 0;
  uint8_t *b1 = encode_binary(ev, &n1, what);
  gb_event back;
  gb_err err = {0};
  if (gb_event_decode_binary(b1, n1, &back, &used, &err) != 0)
    gbt_fuzz_finding("%s: the binary encoding of a %s does not decode: %s", what,
                     gb_event_type_name(ev->type), err.msg);
  if (used != n1)
    gbt_fuzz_finding("%s: binary decode used %zu of the %zu bytes encoded", what, used, n1);
  const char *d = gbt_fuzz_event_diff(ev, &back);
  if (d)
    gbt_fuzz_finding("%s: binary round trip of a %s changes field '%s'", what,
                     gb_event_type_name(ev->type), d);
  uint8_t *b2 = encode_binary(&back, &n2, what);
  if (n1 != n2 || memcmp(b1, b2, n1) != 0)
    gbt_fuzz_finding("%s: binary re-encoding of a %s gives other bytes (%zu, then %zu)", what,
                     gb_event_type_name(ev->type), n1, n2);
  gb_event_dispose(&back);
  free(b1);
  free(b2);
}
