/* Decisions on the wire (gb_decision_codec): the JSON form and the binary form, one decoder. */
#include <criterion/criterion.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "gb_decision_codec.h"

/* ---- decisions as JSON */

/* A decoder, or the test fails. */
static gb_decision_codec *new_decision_codec(void) {
  gb_decision_codec *c = NULL;
  gb_err err = {0};
  cr_assert_eq(gb_decision_codec_new(&c, &err), 0, "%s", err.msg);
  return c;
}

static gb_decision sample(void) {
  gb_decision d;
  memset(&d, 0, sizeof d);
  d.decision_id = (7ULL << 32) | 5;
  d.player_id = 7;
  d.ts = 1767571200000;
  d.t_intended_ns = 123;
  d.t_sent_ns = 456;
  d.t_decided_ns = 789;
  d.arm = 1;
  d.reason = GB_DECIDED;
  d.n_candidates = 3;
  d.n_eligible = 40;
  d.chosen = 9;
  d.prop_id = d.decision_id;
  d.ttl_s = 3600;
  d.propensity = 1.0 / 3;
  d.failed_prop_id = 99;
  d.reward_coins = -5;
  d.candidates[0] = 1;
  d.candidates[1] = 2;
  d.candidates[2] = 9;
  return d;
}

Test(decision_codec, encodes_every_field_in_a_fixed_order) {
  gb_decision d = sample();
  char buf[GB_DECISION_JSON_MAX];
  size_t n = gb_decision_encode_json(&d, buf, sizeof buf);
  const char *expected =
      "{\"decision_id\":30064771077,\"player_id\":7,\"ts\":1767571200000,\"t_intended_ns\":123,"
      "\"t_sent_ns\":456,\"t_decided_ns\":789,\"arm\":1,\"reason\":\"decided\",\"n_eligible\":40,"
      "\"chosen\":9,\"prop_id\":30064771077,\"ttl_s\":3600,\"propensity\":0.33333333333333331,"
      "\"completed_prop_id\":0,\"failed_prop_id\":99,\"reward_coins\":-5,\"candidates\":[1,2,9]}";
  cr_assert_str_eq(buf, expected);
  cr_assert_eq(n, strlen(expected));
}

Test(decision_codec, round_trips_exactly) {
  gb_decision_codec *c = new_decision_codec();
  gb_decision cases[3] = {sample(), sample(), sample()};
  cases[1].chosen = GB_NO_PROP;
  cases[1].reason = GB_SUPPRESSED;
  cases[1].n_candidates = 0;
  cases[2].reason = GB_NO_CANDIDATES;
  cases[2].decision_id = UINT64_MAX;
  cases[2].propensity = 0.1 + 0.2; /* not exactly 0.3: needs all 17 digits */
  cases[2].n_candidates = GB_DECISION_CANDIDATES_MAX;
  for (int i = 0; i < GB_DECISION_CANDIDATES_MAX; i++)
    cases[2].candidates[i] = (uint32_t)(i * 1000);
  for (int i = 0; i < 3; i++) {
    char buf[GB_DECISION_JSON_MAX];
    size_t n = gb_decision_encode_json(&cases[i], buf, sizeof buf);
    cr_assert_lt(n, sizeof buf);
    gb_decision back;
    gb_err err = {0};
    cr_assert_eq(gb_decision_decode_json(c, buf, n, &back, &err), 0, "%s: %s", buf, err.msg);
    cr_assert_eq(back.decision_id, cases[i].decision_id);
    cr_assert_eq(back.player_id, cases[i].player_id);
    cr_assert_eq(back.ts, cases[i].ts);
    cr_assert_eq(back.t_intended_ns, cases[i].t_intended_ns);
    cr_assert_eq(back.t_sent_ns, cases[i].t_sent_ns);
    cr_assert_eq(back.t_decided_ns, cases[i].t_decided_ns);
    cr_assert_eq(back.arm, cases[i].arm);
    cr_assert_eq(back.reason, cases[i].reason);
    cr_assert_eq(back.n_eligible, cases[i].n_eligible);
    cr_assert_eq(back.chosen, cases[i].chosen);
    cr_assert_eq(back.prop_id, cases[i].prop_id);
    cr_assert_eq(back.ttl_s, cases[i].ttl_s);
    cr_assert(back.propensity == cases[i].propensity, "propensity %.17g", back.propensity);
    cr_assert_eq(back.failed_prop_id, cases[i].failed_prop_id);
    cr_assert_eq(back.reward_coins, cases[i].reward_coins);
    cr_assert_eq(back.n_candidates, cases[i].n_candidates);
    cr_assert_arr_eq(back.candidates, cases[i].candidates,
                     cases[i].n_candidates * sizeof back.candidates[0]);
  }
  gb_decision_codec_free(c);
}

Test(decision_codec, reports_the_needed_length_when_short) {
  gb_decision d = sample();
  char full[GB_DECISION_JSON_MAX], small[16];
  size_t n = gb_decision_encode_json(&d, full, sizeof full);
  cr_assert_eq(gb_decision_encode_json(&d, small, sizeof small), n);
  cr_assert_eq(strncmp(small, full, sizeof small - 1), 0, "a prefix, NUL-terminated");
  cr_assert_eq(small[sizeof small - 1], '\0');
  cr_assert_eq(gb_decision_encode_json(&d, NULL, 0), n);
}

static void expect_error(const char *json, const char *fragment) {
  gb_decision_codec *c = new_decision_codec();
  gb_decision d;
  gb_err err = {0};
  cr_assert_eq(gb_decision_decode_json(c, json, strlen(json), &d, &err), -1, "%s", json);
  cr_assert_eq(err.kind, GB_ERR_INPUT);
  cr_assert(strstr(err.msg, fragment), "'%s' should mention '%s'", err.msg, fragment);
  gb_decision_codec_free(c);
}

Test(decision_codec, names_what_is_wrong) {
  expect_error("{\"decision_id\":1,\"arm\":0,\"reason\":\"decided\"}",
               "missing required field 'player_id'");
  expect_error("{\"decision_id\":1,\"player_id\":2,\"arm\":70000,\"reason\":\"decided\"}",
               "field 'arm': out of range (0 .. 65535)");
  expect_error("{\"decision_id\":1,\"player_id\":2,\"arm\":0,\"reason\":\"maybe\"}",
               "field 'reason'");
  expect_error("{\"decision_id\":-1,\"player_id\":2,\"arm\":0,\"reason\":\"decided\"}",
               "field 'decision_id'");
  expect_error("{\"decision_id\":1,\"player_id\":2,\"arm\":0,\"reason\":\"decided\","
               "\"ts\":\"soon\"}",
               "field 'ts': expected an integer");
  expect_error("{\"decision_id\":1,\"player_id\":2,\"arm\":0,\"reason\":\"decided\","
               "\"candidates\":[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,"
               "25,26,27,28,29,30,31,32,33]}",
               "more than 32");
  expect_error("{\"decision_id\":1,", "invalid JSON");
}

Test(decision_codec, ignores_unknown_fields_and_defaults_the_optional_ones) {
  gb_decision_codec *c = new_decision_codec();
  const char *json =
      "{\"decision_id\":5,\"player_id\":2,\"arm\":3,\"reason\":\"suppressed\",\"future\":[1]}";
  gb_decision d;
  gb_err err = {0};
  cr_assert_eq(gb_decision_decode_json(c, json, strlen(json), &d, &err), 0, "%s", err.msg);
  cr_assert_eq(d.decision_id, 5);
  cr_assert_eq(d.arm, 3);
  cr_assert_eq(d.reason, GB_SUPPRESSED);
  cr_assert_eq(d.chosen, GB_NO_PROP, "absent chosen is no prop");
  cr_assert_eq(d.n_candidates, 0);
  gb_decision_codec_free(c);
}

/* ---- decisions in the binary form (transport.format: binary) */

Test(decision_codec, binary_has_the_documented_layout) {
  gb_decision d = sample();
  /* decision_id, player_id (varints), ts, t_intended_ns, t_sent_ns, t_decided_ns (zigzag), arm,
   * reason byte, n_eligible, chosen + 1, prop_id, ttl_s (zigzag), propensity (8 bytes LE),
   * completed_prop_id, failed_prop_id, reward_coins (zigzag), count byte, candidates */
  static const uint8_t expected[] = {
      0x85, 0x80, 0x80, 0x80, 0x70, 0x07, 0x80, 0xe0, 0xa0, 0xb7, 0xf1, 0x66, 0xf6, 0x01, 0x90,
      0x07, 0xaa, 0x0c, 0x01, 0x00, 0x28, 0x0a, 0x85, 0x80, 0x80, 0x80, 0x70, 0xa0, 0x38, 0x55,
      0x55, 0x55, 0x55, 0x55, 0x55, 0xd5, 0x3f, 0x00, 0x63, 0x09, 0x03, 0x01, 0x02, 0x09};
  uint8_t buf[GB_DECISION_BINARY_MAX];
  size_t n = gb_decision_encode_binary(&d, buf, sizeof buf);
  cr_assert_eq(n, sizeof expected);
  cr_assert_arr_eq(buf, expected, sizeof expected);
  cr_assert_eq(gb_decision_encode_binary(&d, NULL, 0), n, "the length without a buffer");
  char wire[GB_DECISION_JSON_MAX];
  cr_assert_eq(gb_decision_encode_wire(&d, true, wire, sizeof wire), n + 1);
  cr_assert_eq(wire[0], GB_WIRE_BINARY);
  cr_assert_arr_eq(wire + 1, expected, sizeof expected);
}

/* Every field of b equals a's, the propensity bit for bit. */
static void assert_same_decision(const gb_decision *a, const gb_decision *b) {
  cr_assert_eq(b->decision_id, a->decision_id);
  cr_assert_eq(b->player_id, a->player_id);
  cr_assert_eq(b->ts, a->ts);
  cr_assert_eq(b->t_intended_ns, a->t_intended_ns);
  cr_assert_eq(b->t_sent_ns, a->t_sent_ns);
  cr_assert_eq(b->t_decided_ns, a->t_decided_ns);
  cr_assert_eq(b->arm, a->arm);
  cr_assert_eq(b->reason, a->reason);
  cr_assert_eq(b->n_eligible, a->n_eligible);
  cr_assert_eq(b->chosen, a->chosen);
  cr_assert_eq(b->prop_id, a->prop_id);
  cr_assert_eq(b->ttl_s, a->ttl_s);
  cr_assert_eq(memcmp(&b->propensity, &a->propensity, sizeof a->propensity), 0);
  cr_assert_eq(b->completed_prop_id, a->completed_prop_id);
  cr_assert_eq(b->failed_prop_id, a->failed_prop_id);
  cr_assert_eq(b->reward_coins, a->reward_coins);
  cr_assert_eq(b->n_candidates, a->n_candidates);
  cr_assert_arr_eq(b->candidates, a->candidates, a->n_candidates * sizeof a->candidates[0]);
}

Test(decision_codec, both_wire_forms_round_trip_through_one_decoder) {
  gb_decision_codec *c = new_decision_codec();
  gb_decision cases[3] = {sample(), sample(), sample()};
  cases[1].chosen = GB_NO_PROP;
  cases[1].reason = GB_SUPPRESSED;
  cases[1].n_candidates = 0;
  cases[1].ts = INT64_MIN;
  cases[1].reward_coins = INT64_MAX;
  cases[2].reason = GB_NO_CANDIDATES;
  cases[2].decision_id = UINT64_MAX;
  cases[2].chosen = UINT32_MAX - 1; /* the largest ordinal */
  cases[2].arm = UINT16_MAX;
  cases[2].propensity = 0.1 + 0.2;
  cases[2].n_candidates = GB_DECISION_CANDIDATES_MAX;
  for (int i = 0; i < GB_DECISION_CANDIDATES_MAX; i++)
    cases[2].candidates[i] = UINT32_MAX - 1 - (uint32_t)i;
  for (int i = 0; i < 3; i++)
    for (int binary = 0; binary < 2; binary++) {
      char buf[GB_DECISION_JSON_MAX];
      size_t n = gb_decision_encode_wire(&cases[i], binary, buf, sizeof buf);
      cr_assert_lt(n, sizeof buf);
      cr_assert_eq(buf[0] == GB_WIRE_BINARY, binary);
      gb_decision back;
      gb_err err = {0};
      cr_assert_eq(gb_decision_decode_wire(c, buf, n, &back, &err), 0, "case %d: %s", i, err.msg);
      assert_same_decision(&cases[i], &back);
    }
  gb_decision_codec_free(c);
}

Test(decision_codec, binary_keeps_a_nan_propensity) {
  gb_decision d = sample(), back;
  d.propensity = -NAN;
  uint8_t buf[GB_DECISION_BINARY_MAX];
  gb_err err = {0};
  size_t n = gb_decision_encode_binary(&d, buf, sizeof buf);
  cr_assert_eq(gb_decision_decode_binary(buf, n, &back, &err), 0, "%s", err.msg);
  cr_assert_eq(memcmp(&back.propensity, &d.propensity, sizeof d.propensity), 0);
}

/* Found by the decision fuzz target (tests/fuzz/fuzz_decision.c): %.17g writes -0.0 as "-0",
 * which reads back as the integer 0, so a negative zero propensity lost its sign in JSON. */
Test(decision_codec, json_keeps_a_negative_zero_propensity) {
  gb_decision_codec *c = NULL;
  gb_err err = {0};
  cr_assert_eq(gb_decision_codec_new(&c, &err), 0);
  gb_decision d = sample(), back;
  d.propensity = -0.0;
  char buf[GB_DECISION_JSON_MAX];
  size_t n = gb_decision_encode_json(&d, buf, sizeof buf);
  cr_assert_not_null(strstr(buf, ",\"propensity\":-0.0,"), "%s", buf);
  cr_assert_eq(gb_decision_decode_json(c, buf, n, &back, &err), 0, "%s: %s", buf, err.msg);
  cr_assert_eq(memcmp(&back.propensity, &d.propensity, sizeof d.propensity), 0, "%.17g",
               back.propensity);
  d.propensity = 0.0; /* a positive zero stays "0" */
  gb_decision_encode_json(&d, buf, sizeof buf);
  cr_assert_not_null(strstr(buf, ",\"propensity\":0,"), "%s", buf);
  gb_decision_codec_free(c);
}

static void expect_binary_error(const uint8_t *buf, size_t len, const char *fragment) {
  gb_decision d;
  gb_err err = {0};
  cr_assert_eq(gb_decision_decode_binary(buf, len, &d, &err), -1, "%zu bytes", len);
  cr_assert_eq(err.kind, GB_ERR_INPUT);
  cr_assert(strstr(err.msg, fragment), "'%s' should mention '%s'", err.msg, fragment);
}

Test(decision_codec, binary_rejections_name_the_field) {
  gb_decision d = sample();
  uint8_t buf[GB_DECISION_BINARY_MAX + 1];
  size_t n = gb_decision_encode_binary(&d, buf, sizeof buf);
  for (size_t len = 0; len < n; len++) /* every truncation */
    expect_binary_error(buf, len, "truncated");
  expect_binary_error(buf, 0, "field 'decision_id': truncated");
  buf[n] = 0;
  expect_binary_error(buf, n + 1, "1 bytes after the decision");
  uint8_t bad_reason[GB_DECISION_BINARY_MAX];
  memcpy(bad_reason, buf, n);
  bad_reason[19] = 4; /* the reason byte (see binary_has_the_documented_layout) */
  expect_binary_error(bad_reason, n, "field 'reason': 4 is not 0");
  const uint8_t big_arm[] = {1, 2, 0, 0, 0, 0, 0x80, 0x80, 0x04}; /* arm 65536 */
  expect_binary_error(big_arm, sizeof big_arm, "field 'arm': 65536 is out of range (0 .. 65535)");
  const uint8_t endless[] = {0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01};
  expect_binary_error(endless, sizeof endless, "field 'decision_id': varint longer than 10");
  gb_decision many = sample();
  many.n_candidates = 0;
  n = gb_decision_encode_binary(&many, buf, sizeof buf);
  buf[n - 1] = GB_DECISION_CANDIDATES_MAX + 1; /* the count byte, nothing after it */
  expect_binary_error(buf, n, "field 'candidates': 33 entries, more than 32");
}

/* ---- slates (a store visit's answer) */

static gb_decision slate_sample(void) {
  gb_decision d = sample();
  d.reason = GB_SLATE;
  d.chosen = GB_NO_PROP;
  d.prop_id = 0;
  d.ttl_s = 0;
  d.n_candidates = 3;
  d.candidates[0] = 40;
  d.candidates[1] = 3;
  d.candidates[2] = 17;
  d.place_propensity[0] = 1.0 / 7;
  d.place_propensity[1] = 0.5;
  d.place_propensity[2] = -0.0;
  d.propensity = d.place_propensity[0];
  return d;
}

Test(decision_codec, slate_json_carries_places_in_rank_order) {
  gb_decision d = slate_sample();
  char buf[GB_DECISION_JSON_MAX];
  size_t n = gb_decision_encode_json(&d, buf, sizeof buf);
  cr_assert_lt(n, sizeof buf);
  cr_assert_not_null(strstr(buf, "\"reason\":\"slate\""), "%s", buf);
  cr_assert_not_null(
      strstr(buf, "\"candidates\":[40,3,17],\"place_propensity\":[0.14285714285714285,0.5,-0.0]}"),
      "%s", buf);
  gb_decision_codec *c = new_decision_codec();
  gb_decision back;
  gb_err err = {0};
  cr_assert_eq(gb_decision_decode_json(c, buf, n, &back, &err), 0, "%s", err.msg);
  cr_assert_eq(memcmp(&back, &d, sizeof d), 0);
  gb_decision_codec_free(c);
}

Test(decision_codec, slate_binary_round_trips_exactly) {
  gb_decision d = slate_sample();
  uint8_t buf[GB_DECISION_BINARY_MAX];
  size_t n = gb_decision_encode_binary(&d, buf, sizeof buf);
  cr_assert_lt(n, sizeof buf);
  gb_decision back;
  gb_err err = {0};
  cr_assert_eq(gb_decision_decode_binary(buf, n, &back, &err), 0, "%s", err.msg);
  cr_assert_eq(memcmp(&back, &d, sizeof d), 0);
  /* a card decision's bytes do not change: no place propensities */
  gb_decision card = sample();
  cr_assert_eq(gb_decision_encode_binary(&card, NULL, 0) + 3 * 8,
               gb_decision_encode_binary(&(gb_decision){.reason = GB_SLATE,
                                                        .chosen = card.chosen,
                                                        .decision_id = card.decision_id,
                                                        .player_id = card.player_id,
                                                        .ts = card.ts,
                                                        .t_intended_ns = card.t_intended_ns,
                                                        .t_sent_ns = card.t_sent_ns,
                                                        .t_decided_ns = card.t_decided_ns,
                                                        .arm = card.arm,
                                                        .n_eligible = card.n_eligible,
                                                        .prop_id = card.prop_id,
                                                        .ttl_s = card.ttl_s,
                                                        .propensity = card.propensity,
                                                        .failed_prop_id = card.failed_prop_id,
                                                        .reward_coins = card.reward_coins,
                                                        .n_candidates = 3,
                                                        .candidates = {1, 2, 9}},
                                         NULL, 0));
}

Test(decision_codec, slate_places_must_match_its_apps) {
  gb_decision_codec *c = new_decision_codec();
  gb_decision back;
  gb_err err = {0};
  const char *short_places = "{\"decision_id\":1,\"player_id\":2,\"arm\":0,\"reason\":\"slate\","
                             "\"candidates\":[4,5],\"place_propensity\":[1]}";
  cr_assert_eq(gb_decision_decode_json(c, short_places, strlen(short_places), &back, &err), -1);
  cr_assert_not_null(strstr(err.msg, "place_propensity"), "%s", err.msg);
  const char *not_slate = "{\"decision_id\":1,\"player_id\":2,\"arm\":0,\"reason\":\"decided\","
                          "\"candidates\":[4],\"place_propensity\":[1]}";
  cr_assert_eq(gb_decision_decode_json(c, not_slate, strlen(not_slate), &back, &err), -1);
  cr_assert_not_null(strstr(err.msg, "only a slate"), "%s", err.msg);
  gb_decision_codec_free(c);
}
