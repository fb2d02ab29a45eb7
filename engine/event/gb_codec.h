/* gb_codec: the wire forms of gb_event (schema v1): one JSON object per event (Kafka messages,
 * JSON-lines files) and a compact binary form for the highest rates. docs/events.md lists every
 * field per type (JSON name, C member, unit, required or optional) and the binary layout.
 *
 * JSON decoding rules, in short: `event_id`, `type`, `ts` and `player_id` are required; the
 * other common fields and each type's optional fields are 0 / empty when absent or null; every
 * type has its required fields (a purchase needs sku+amount+currency, or app_id+price). Numbers
 * may also arrive as JSON strings ("123", "1.5"); booleans as true/false, 0/1 or "true"/"false"/
 * "0"/"1"; an integer field takes a double only when it is integral. Unknown fields are ignored
 * (forward compatibility); when a field appears twice, the last one wins. Wrong kinds, overlong or
 * empty required strings, out-of-range numbers and malformed JSON are errors that name the field.
 *
 * Encoding is deterministic: the same event gives the same bytes, and decoding what was encoded
 * gives back every field of the event's type exactly, doubles included (shortest round-trip
 * form, -0.0 too). The one loss is JSON's: NaN and infinities have no JSON form and are written
 * as null, which decodes as absent (0); the binary form keeps every bit. Fields that are not part
 * of the event's type (e.g. game_end's score on a game_start) are neither written nor read. */
#ifndef GB_CODEC_H
#define GB_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gb_err.h"
#include "gb_event.h"

/* A reusable JSON decoder: it owns a gb_json_parser and per-field scratch space, so decoding
 * allocates nothing after the first events (a challenge_upsert's definition excepted). Not
 * thread-safe: one per thread. */
typedef struct gb_codec gb_codec;

/* Creates a decoder into *out (the caller frees it with gb_codec_free). Returns 0, or -1 with
 * GB_ERR_RUNTIME when out of memory (*out is then unchanged). */
int gb_codec_new(gb_codec **out, gb_err *err);

/* Frees c and what it owns; NULL is allowed. */
void gb_codec_free(gb_codec *c);

/* Decodes one JSON event object json[0..len) (surrounding whitespace allowed; json need not be
 * NUL-terminated and is never read past len) into *out, which is gb_event_init'ed first: a
 * previous content of *out is overwritten, not disposed. Returns 0, or -1 with a GB_ERR_INPUT
 * error naming the field and the reason, e.g. "field 'bet': expected a number, got string
 * \"abc\"", "missing required field 'player_id'", "unknown event type 'foo'", "field 'game':
 * longer than 23 bytes", "invalid JSON: ..." (GB_ERR_RUNTIME only when out of memory). On error
 * *out owns nothing. A decoded challenge_upsert owns its definition (minified JSON text,
 * NUL-terminated, at most GB_DEFINITION_MAX bytes): release it with gb_event_dispose. Fields
 * that belong to other types are ignored like unknown ones, whatever their value. */
int gb_codec_decode_json(gb_codec *c, const char *json, size_t len, gb_event *out, gb_err *err);

/* Encodes ev as one JSON object without a trailing newline into buf. Returns the length of the
 * whole encoding (without the NUL), like snprintf: buf receives its first min(cap, length) bytes,
 * NUL-terminated when length < cap; buf may be NULL when cap is 0 (to measure). Field order is
 * fixed: event_id, type, ts, player_id, session_id, platform, country (always written), the
 * type's fields in docs/events.md order (required ones always, optional ones when non-zero; a
 * double is non-zero unless all its bits are), then t_intended_ns and t_sent_ns when non-zero.
 * A definition is written as its text with CR and LF turned into spaces (one event per line); a
 * challenge_upsert without one gets "definition":null. Strings must be UTF-8 (decoded ones are);
 * impression app_ids beyond GB_IMPRESSION_MAX are not written. An ev->type that is not a v1 type
 * writes nothing (an empty string when cap > 0) and returns 0. About 6 M events/s on one core
 * (`gamebench bench json`). */
size_t gb_event_encode_json(const gb_event *ev, char *buf, size_t cap);

/* Longest binary encoding of an event whose type is not challenge_upsert (all strings and the
 * impression list full, every varint 10 bytes); a challenge_upsert adds its definition's length. */
enum { GB_EVENT_BINARY_MAX = 512 };

/* Encodes ev in the binary form: a type tag byte, then every field of the type, always, in
 * docs/events.md order (LEB128 varints for unsigned integers, zigzag varints for signed ones,
 * IEEE-754 doubles as 8 little-endian bytes, booleans as one byte 0/1, strings and the
 * definition as a varint length and their bytes, app_ids as a varint count and varints). Returns
 * the length of the whole encoding; buf receives its first min(cap, length) bytes (no NUL). An
 * ev->type that is not a v1 type writes nothing and returns 0. */
size_t gb_event_encode_binary(const gb_event *ev, uint8_t *buf, size_t cap);

/* Decodes one binary event from buf[0..len) into *out (gb_event_init'ed first); *consumed
 * receives the bytes used, so that events can be read back to back. Checks the structure, not the
 * JSON rules (binary events come from gb_event_encode_binary): returns 0, or -1 with a
 * GB_ERR_INPUT error for a truncated event, a bad type tag, an overlong varint or string, an
 * integer out of its field's range or a boolean byte other than 0/1, naming the field
 * (GB_ERR_RUNTIME when out of memory for a definition). On error *out owns nothing and *consumed
 * is 0. */
int gb_event_decode_binary(const uint8_t *buf, size_t len, gb_event *out, size_t *consumed,
                           gb_err *err);

/* ---- On the wire (one event per Kafka message or queue entry; docs/events.md) */

/* The first byte of a message holding the binary form: no JSON text starts with it, so readers
 * tell the two forms apart by the first byte (workload key transport.format chooses the form
 * writers use). */
enum { GB_WIRE_BINARY = 0x00 };

/* Encodes ev as one message: JSON (gb_event_encode_json) when binary is false, else
 * GB_WIRE_BINARY followed by gb_event_encode_binary. Returns the message's length; buf receives
 * its first min(cap, length) bytes (buf may be NULL when cap is 0). */
size_t gb_event_encode_wire(const gb_event *ev, bool binary, char *buf, size_t cap);

/* Decodes one message msg[0..len) in either form into *out: binary when it starts with
 * GB_WIRE_BINARY (then the binary event must fill the rest exactly), JSON otherwise. Same
 * results and errors as gb_codec_decode_json / gb_event_decode_binary, plus "binary event: N
 * bytes after the event" for a binary message with trailing bytes. */
int gb_event_decode_wire(gb_codec *c, const void *msg, size_t len, gb_event *out, gb_err *err);

/* The player_id of a binary message (GB_WIRE_BINARY) without decoding the rest: three varints
 * in, so that a reader can start loading the player's state while it decodes the event.
 * Returns 0, or -1 for a JSON message or a binary one too short or corrupt up to player_id
 * (gb_event_decode_wire then says what is wrong). */
int gb_event_peek_player_id(const void *msg, size_t len, uint64_t *player_id);

#endif
