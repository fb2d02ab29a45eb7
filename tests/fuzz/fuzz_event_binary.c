/* Fuzz target event_binary: the binary event decoder on the wire (gb_event_decode_wire with a
 * GB_WIRE_BINARY first byte, which needs the event to fill the message exactly) and back to back
 * (gb_event_decode_binary, the rest of the input read as a stream of events), and
 * gb_event_peek_player_id. Oracle, for every event it accepts: encode, decode, same event; encode
 * again, same bytes; the peeked player_id is the decoded one. Seeds: tests/fuzz/event_binary/. */
#include <stdlib.h>
#include <string.h>

#include "gb_codec.h"
#include "gb_err.h"
#include "gb_fuzz.h"

/* At most this many back-to-back events per input: each costs a round trip. */
enum { STREAM_MAX = 64 };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  gb_err err = {0};
  gb_event ev;
  /* The whole input as one message: binary when its first byte says so (JSON otherwise, which
   * event_json covers: skipped here). */
  if (size > 0 && data[0] == GB_WIRE_BINARY) {
    uint64_t peeked = 0;
    int peek_rc = gb_event_peek_player_id(data, size, &peeked);
    gb_codec *codec = NULL;
    GB_ASSERT(gb_codec_new(&codec, &err) == 0);
    if (gb_event_decode_wire(codec, data, size, &ev, &err) == 0) {
      if (peek_rc != 0 || peeked != ev.player_id)
        gbt_fuzz_finding("peek_player_id: %d, %llu; decoded player_id %llu", peek_rc,
                         (unsigned long long)peeked, (unsigned long long)ev.player_id);
      gbt_fuzz_event_binary_round_trip(&ev, "event_binary (wire)");
      gb_event_dispose(&ev);
    }
    gb_codec_free(codec);
  }
  /* The input as events back to back. */
  size_t pos = 0;
  for (int i = 0; i < STREAM_MAX && pos < size; i++) {
    size_t used = 0;
    if (gb_event_decode_binary(data + pos, size - pos, &ev, &used, &err) != 0) {
      if (used != 0 || err.msg[0] == '\0')
        gbt_fuzz_finding("binary decode failed with consumed %zu, message '%s'", used, err.msg);
      break;
    }
    if (used == 0 || used > size - pos)
      gbt_fuzz_finding("binary decode consumed %zu of %zu bytes", used, size - pos);
    gbt_fuzz_event_binary_round_trip(&ev, "event_binary (stream)");
    gb_event_dispose(&ev);
    pos += used;
  }
  return 0;
}
