/* Fuzz target event_json: the JSON event decoder (gb_codec_decode_json). Oracle, for every input
 * it accepts: encoding the event and decoding the encoding gives the same event field by field,
 * encoding that again gives the same bytes (the encoding is deterministic), and the binary form
 * round-trips it too. Seeds: tests/fuzz/event_json/. */
#include <stdlib.h>
#include <string.h>

#include "gb_codec.h"
#include "gb_err.h"
#include "gb_fuzz.h"

/* Encodes ev as JSON into a new NUL-terminated buffer (*len bytes without the NUL). */
static char *encode_json(const gb_event *ev, size_t *len) {
  size_t n = gb_event_encode_json(ev, NULL, 0);
  char *buf = malloc(n + 1);
  GB_ASSERT(buf != NULL);
  size_t again = gb_event_encode_json(ev, buf, n + 1);
  if (again != n || buf[n] != '\0')
    gbt_fuzz_finding("JSON encoding of a %s: %zu bytes measured, %zu written",
                     gb_event_type_name(ev->type), n, again);
  *len = n;
  return buf;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  gb_codec *codec = NULL;
  gb_err err = {0};
  GB_ASSERT(gb_codec_new(&codec, &err) == 0);
  gb_event ev, back;
  if (gb_codec_decode_json(codec, (const char *)data, size, &ev, &err) != 0) {
    if (err.msg[0] == '\0')
      gbt_fuzz_finding("JSON decode failed without a message");
    gb_codec_free(codec);
    return 0;
  }
  size_t n1 = 0, n2 = 0;
  char *j1 = encode_json(&ev, &n1);
  if (gb_codec_decode_json(codec, j1, n1, &back, &err) != 0)
    gbt_fuzz_finding("the JSON encoding of a %s does not decode: %s\n  encoding: %s",
                     gb_event_type_name(ev.type), err.msg, j1);
  const char *d = gbt_fuzz_event_diff(&ev, &back);
  if (d)
    gbt_fuzz_finding("JSON round trip of a %s changes field '%s'\n  encoding: %s",
                     gb_event_type_name(ev.type), d, j1);
  char *j2 = encode_json(&back, &n2);
  if (n1 != n2 || memcmp(j1, j2, n1) != 0)
    gbt_fuzz_finding("JSON re-encoding differs:\n  first:  %s\n  second: %s", j1, j2);
  gbt_fuzz_event_binary_round_trip(&ev, "event_json");
  free(j1);
  free(j2);
  gb_event_dispose(&ev);
  gb_event_dispose(&back);
  gb_codec_free(codec);
  return 0;
}
