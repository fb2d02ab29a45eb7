/* gb_decision_codec: the JSON form of gb_decision, the engine's answer to a player, as it
 * travels over Kafka (the decisions topic; docs/kafka.md). In process the struct travels as raw
 * bytes instead.
 *
 * One JSON object, fields in this fixed order (all present; docs/kafka.md gives their meaning):
 *   {"decision_id":…,"player_id":…,"ts":…,"t_intended_ns":…,"t_sent_ns":…,"t_decided_ns":…,
 *    "arm":…,"reason":"decided"|"suppressed"|"no_candidates","n_eligible":…,
 *    "chosen":ordinal|null,"prop_id":…,"ttl_s":…,"propensity":…,"completed_prop_id":…,
 *    "failed_prop_id":…,"reward_coins":…,"candidates":[ordinals…]}
 * and, for a slate (reason "slate": candidates are the apps in rank order, at most
 * GB_DECISION_SLATE_MAX), one more field: ,"place_propensity":[numbers…] (one per place).
 * Integers are written in full (64-bit ids exactly), the propensity with 17 significant digits so
 * that decoding gives back the same double (-0.0 as "-0.0"). Encoding is deterministic: same
 * decision, same bytes.
 */
#ifndef GB_DECISION_CODEC_H
#define GB_DECISION_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gb_codec.h" /* GB_WIRE_BINARY */
#include "gb_decision.h"
#include "gb_err.h"

/* Longest encoding of a decision (every number at its widest, GB_DECISION_CANDIDATES_MAX
 * candidates). */
enum { GB_DECISION_JSON_MAX = 1536 };

/* Encodes d into buf (cap bytes). Returns the length the encoding needs without the NUL, like
 * snprintf: writes at most cap bytes and NUL-terminates when the result is < cap. buf may be
 * NULL when cap is 0. d->n_candidates above GB_DECISION_CANDIDATES_MAX writes the first
 * GB_DECISION_CANDIDATES_MAX; a non-finite propensity is written as 0. */
size_t gb_decision_encode_json(const gb_decision *d, char *buf, size_t cap);

/* A reusable decoder (it owns a JSON parser); not thread-safe: one per thread. */
typedef struct gb_decision_codec gb_decision_codec;

/* Creates a decoder into *out (the caller frees it with gb_decision_codec_free). Returns 0, or -1
 * with GB_ERR_RUNTIME when out of memory (*out is then unchanged). */
int gb_decision_codec_new(gb_decision_codec **out, gb_err *err);

/* Frees c and its parser; NULL is allowed. */
void gb_decision_codec_free(gb_decision_codec *c);

/* Decodes json[0..len) into *out (zeroed first). decision_id, player_id, arm and reason are
 * required; absent optional fields are 0 (chosen: GB_NO_PROP); unknown fields are ignored.
 * Returns 0, or -1 with a GB_ERR_INPUT error naming the field and the reason ("field 'arm':
 * 70000 is out of range (0 .. 65535)", "missing required field 'player_id'", "invalid JSON:
 * ..."). */
int gb_decision_decode_json(gb_decision_codec *c, const char *json, size_t len, gb_decision *out,
                            gb_err *err);

/* ---- Binary form (workload key transport.format: binary) */

/* Longest binary encoding: every varint at its widest, GB_DECISION_CANDIDATES_MAX candidates. */
enum { GB_DECISION_BINARY_MAX = 640 };

/* Encodes d in the binary form: the fields in the JSON form's order, unsigned integers as LEB128
 * varints, signed ones as zigzag varints, reason and the candidate count as one byte each,
 * chosen as a varint of chosen + 1 (0: GB_NO_PROP), the propensity as 8 little-endian bytes
 * (every bit kept, non-finite values too), then the candidates as varints and, for a slate, each
 * place's propensity as 8 bytes (reason 3). Returns the length of
 * the encoding; buf receives its first min(cap, length) bytes (NULL allowed when cap is 0).
 * Deterministic: same decision, same bytes. */
size_t gb_decision_encode_binary(const gb_decision *d, uint8_t *buf, size_t cap);

/* Decodes buf[0..len), which must hold exactly one binary decision, into *out (zeroed first).
 * Returns 0, or -1 with a GB_ERR_INPUT error naming the field: "binary decision: field 'arm':
 * truncated", "... 70000 is out of range (0 .. 65535)", "... N bytes after the decision". */
int gb_decision_decode_binary(const uint8_t *buf, size_t len, gb_decision *out, gb_err *err);

/* On the wire: GB_WIRE_BINARY (gb_codec.h) and the binary form when binary is true, else the
 * JSON form. Returns the message's length; buf receives its first min(cap, length) bytes. */
size_t gb_decision_encode_wire(const gb_decision *d, bool binary, char *buf, size_t cap);

/* Decodes one message in either form: binary when it starts with GB_WIRE_BINARY, else JSON. */
int gb_decision_decode_wire(gb_decision_codec *c, const void *msg, size_t len, gb_decision *out,
                            gb_err *err);

#endif
