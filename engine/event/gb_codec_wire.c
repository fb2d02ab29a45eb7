/* gb_codec_wire: events on the wire (gb_event_encode_wire, gb_event_decode_wire): JSON, or the
 * binary form behind its tag byte (GB_WIRE_BINARY, which no JSON text starts with). */
#include "gb_codec.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- On the wire ---------------------------------------------------------------------------- */

size_t gb_event_encode_wire(const gb_event *ev, bool binary, char *buf, size_t cap) {
  if (!binary)
    return gb_event_encode_json(ev, buf, cap);
  if (cap == 0)
    return 1 + gb_event_encode_binary(ev, NULL, 0);
  buf[0] = (char)GB_WIRE_BINARY;
  return 1 + gb_event_encode_binary(ev, (uint8_t *)buf + 1, cap - 1);
}

int gb_event_decode_wire(gb_codec *c, const void *msg, size_t len, gb_event *out, gb_err *err) {
  const uint8_t *b = msg;
  if (len == 0 || b[0] != GB_WIRE_BINARY)
    return gb_codec_decode_json(c, msg, len, out, err);
  size_t used = 0;
  if (gb_event_decode_binary(b + 1, len - 1, out, &used, err) != 0)
    return -1;
  if (used != len - 1) {
    gb_event_dispose(out);
    return gb_err_set(err, GB_ERR_INPUT, "binary event: %zu bytes after the event", len - 1 - used);
  }
  return 0;
}
