/* Fuzz target decision: the decision codec (gb_decision_decode_wire: the binary form when the
 * first byte is GB_WIRE_BINARY, the JSON form otherwise). Oracle, for every decision it accepts:
 * each form round-trips it (encode, decode, same decision field by field; encode again, same
 * bytes), the JSON form only when the propensity is finite (JSON writes the others as 0, as
 * documented). Seeds: tests/fuzz/decision/. */
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "gb_decision_codec.h"
#include "gb_err.h"
#include "gb_fuzz.h"

/* The first field of a and b that differs, by name; NULL when they are equal. */
static const char *decision_diff(const gb_decision *a, const gb_decision *b) {
#define SAME(f) (memcmp(&a->f, &b->f, sizeof a->f) == 0)
  if (!SAME(decision_id))
    return "decision_id";
  if (!SAME(player_id))
    return "player_id";
  if (!SAME(ts))
    return "ts";
  if (!SAME(t_intended_ns))
    return "t_intended_ns";
  if (!SAME(t_sent_ns))
    return "t_sent_ns";
  if (!SAME(t_decided_ns))
    return "t_decided_ns";
  if (!SAME(arm))
    return "arm";
  if (!SAME(reason))
    return "reason";
  if (!SAME(n_eligible))
    return "n_eligible";
  if (!SAME(chosen))
    return "chosen";
  if (!SAME(prop_id))
    return "prop_id";
  if (!SAME(ttl_s))
    return "ttl_s";
  if (!SAME(propensity)) /* by the bits */
    return "propensity";
  if (!SAME(completed_prop_id))
    return "completed_prop_id";
  if (!SAME(failed_prop_id))
    return "failed_prop_id";
  if (!SAME(reward_coins))
    return "reward_coins";
  if (!SAME(n_candidates))
    return "n_candidates";
#undef SAME
  size_t n =
      a->n_candidates < GB_DECISION_CANDIDATES_MAX ? a->n_candidates : GB_DECISION_CANDIDATES_MAX;
  if (memcmp(a->candidates, b->candidates, n * sizeof a->candidates[0]) != 0)
    return "candidates";
  return NULL;
}

/* Encodes d in one form (binary or JSON, without the wire tag), decodes it back, and checks the
 * round trip and the re-encoding. */
static void round_trip(gb_decision_codec *codec, const gb_decision *d, bool binary) {
  const char *form = binary ? "binary" : "JSON";
  char b1[GB_DECISION_JSON_MAX + 1], b2[GB_DECISION_JSON_MAX + 1];
  size_t cap = sizeof b1;
  size_t n1 = binary ? gb_decision_encode_binary(d, (uint8_t *)b1, cap)
                     : gb_decision_encode_json(d, b1, cap);
  size_t max = binary ? (size_t)GB_DECISION_BINARY_MAX : (size_t)GB_DECISION_JSON_MAX;
  if (n1 > max)
    gbt_fuzz_finding("%s encoding of a decision: %zu bytes, above the documented %zu", form, n1,
                     max);
  gb_decision back;
  gb_err err = {0};
  int rc = binary ? gb_decision_decode_binary((const uint8_t *)b1, n1, &back, &err)
                  : gb_decision_decode_json(codec, b1, n1, &back, &err);
  if (rc != 0)
    gbt_fuzz_finding("the %s encoding of a decision does not decode: %s", form, err.msg);
  const char *diff = decision_diff(d, &back);
  if (diff)
    gbt_fuzz_finding("%s round trip of a decision changes field '%s'", form, diff);
  size_t n2 = binary ? gb_decision_encode_binary(&back, (uint8_t *)b2, cap)
                     : gb_decision_encode_json(&back, b2, cap);
  if (n1 != n2 || memcmp(b1, b2, n1) != 0)
    gbt_fuzz_finding("%s re-encoding of a decision gives other bytes", form);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  gb_decision_codec *codec = NULL;
  gb_err err = {0};
  GB_ASSERT(gb_decision_codec_new(&codec, &err) == 0);
  gb_decision d;
  if (gb_decision_decode_wire(codec, data, size, &d, &err) != 0) {
    if (err.msg[0] == '\0')
      gbt_fuzz_finding("decision decode failed without a message");
  } else {
    if (d.n_candidates > GB_DECISION_CANDIDATES_MAX)
      gbt_fuzz_finding("decoded %u candidates, above %d", d.n_candidates,
                       GB_DECISION_CANDIDATES_MAX);
    round_trip(codec, &d, true);
    if (isfinite(d.propensity))
      round_trip(codec, &d, false);
  }
  gb_decision_codec_free(codec);
  return 0;
}
