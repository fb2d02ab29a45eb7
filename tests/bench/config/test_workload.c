/* gb_workload and gb_duration: workload files, --set overrides, resolved_json, and every error
 * message (file, line, key, reason). Fixtures live in tests/fixtures/workloads/; each starts
 * with a comment saying what it holds. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gb_duration.h"
#include "gb_rng.h"
#include "gb_test_support.h"
#include "gb_workload.h"

#define FIXTURES GB_TEST_FIXTURES "/workloads/"

/* 2026-01-05T00:00:00Z and 2025-12-31T23:59:59Z in ms since the Unix epoch. */
static const int64_t default_start_ms = 1767571200000LL;
static const int64_t full_start_ms = 1767225599000LL;

static gb_workload *load_ok(const char *path, const char *const *overrides, size_t n) {
  gb_workload *w = NULL;
  gb_err err = {0};
  int rc = gb_workload_load(path, overrides, n, &w, &err);
  cr_assert_eq(rc, 0, "loading %s failed: %s", path, err.msg);
  cr_assert_not_null(w);
  return w;
}

/* Loads path expecting failure with exactly the message want (NULL: any message). */
static void expect_error(const char *path, const char *const *overrides, size_t n,
                         const char *want) {
  gb_err err = {0};
  gb_workload sentinel;
  gb_workload *w = &sentinel; /* must be reset to NULL on failure */
  int rc = gb_workload_load(path, overrides, n, &w, &err);
  cr_assert_eq(rc, -1, "loading %s succeeded", path);
  cr_expect_null(w);
  cr_expect_eq(err.kind, GB_ERR_INPUT, "kind %d for: %s", err.kind, err.msg);
  if (want)
    cr_expect_str_eq(err.msg, want);
}

/* ---- gb_duration ---- */

typedef struct duration_case {
  const char *text;
  int64_t ms;
} duration_case;

Test(duration, parses_each_unit_exactly) {
  static const duration_case cases[] = {{"500ms", 500},
                                        {"10s", 10000},
                                        {"90m", 5400000},
                                        {"2h", 7200000},
                                        {"1d", 86400000},
                                        {"0s", 0},
                                        {"0ms", 0},
                                        {"007s", 7000},
                                        {"106751d", 106751LL * 86400000},
                                        {"86400000ms", 86400000}};
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    int64_t ms = -1;
    gb_err err = {0};
    cr_expect_eq(gb_duration_parse_ms(cases[i].text, &ms, &err), 0, "%s: %s", cases[i].text,
                 err.msg);
    cr_expect_eq(ms, cases[i].ms, "%s -> %lld", cases[i].text, (long long)ms);
  }
}

Test(duration, rejects_malformed_text_and_leaves_output_alone) {
  static const char *const bad[] = {"",     " 1s",   "1",  "1 s",  "2 hours", "-1s",   "+1s",
                                    "1.5h", "1h30m", "1S", "1sec", "s",       "0x10s", "1s "};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    int64_t ms = 123;
    gb_err err = {0};
    char want[128];
    snprintf(want, sizeof want, "'%s' is not a duration (e.g. 90m, 2h, 1d)", bad[i]);
    cr_expect_eq(gb_duration_parse_ms(bad[i], &ms, &err), -1, "'%s' was accepted", bad[i]);
    cr_expect_str_eq(err.msg, want);
    cr_expect_eq(err.kind, GB_ERR_INPUT);
    cr_expect_eq(ms, 123, "'%s' changed the output", bad[i]);
  }
  gb_err err = {0};
  int64_t ms = 0;
  cr_expect_eq(gb_duration_parse_ms(NULL, &ms, &err), -1);
  cr_expect_str_eq(err.msg, "'' is not a duration (e.g. 90m, 2h, 1d)");
}

Test(duration, rejects_values_beyond_int64_nanoseconds) {
  static const char *const big[] = {"106752d", "2562048h", "99999999999999999999ms"};
  for (size_t i = 0; i < sizeof big / sizeof big[0]; i++) {
    gb_err err = {0};
    int64_t ms = 0;
    char want[128];
    snprintf(want, sizeof want, "'%s' is out of range (at most 106751d)", big[i]);
    cr_expect_eq(gb_duration_parse_ms(big[i], &ms, &err), -1, "%s was accepted", big[i]);
    cr_expect_str_eq(err.msg, want);
  }
  cr_expect_eq(GB_DURATION_MAX_MS, 106751LL * 86400000);
  cr_expect_lt(GB_DURATION_MAX_MS, INT64_MAX / 1000000, "max duration must fit int64 ns");
}

Test(duration, formats_canonically_and_round_trips) {
  static const duration_case cases[] = {{"0s", 0},        {"1ms", 1},
                                        {"1500ms", 1500}, {"1s", 1000},
                                        {"90s", 90000},   {"90m", 5400000},
                                        {"2h", 7200000},  {"25h", 90000000},
                                        {"1d", 86400000}, {"106751d", 106751LL * 86400000}};
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char buf[GB_DURATION_TEXT_MAX];
    gb_duration_format_ms(cases[i].ms, buf, sizeof buf);
    cr_expect_str_eq(buf, cases[i].text);
    int64_t back = -1;
    cr_expect_eq(gb_duration_parse_ms(buf, &back, NULL), 0);
    cr_expect_eq(back, cases[i].ms);
  }
  char buf[GB_DURATION_TEXT_MAX];
  gb_duration_format_ms(INT64_MAX, buf, sizeof buf);
  cr_expect_str_eq(buf, "9223372036854775807ms");
}

/* ---- good files ---- */

Test(workload, full_file_sets_every_field_exactly) {
  gb_workload *w = load_ok(FIXTURES "full.yaml", NULL, 0);
  cr_expect_str_eq(w->name, "full-set_1.0");
  cr_expect_eq(w->seed, UINT64_MAX);
  cr_expect_eq(w->warmup_ns, 1500LL * 1000000);
  cr_expect_eq(w->sim.players, 10000000u);
  cr_expect_eq(w->sim.duration_ms, 90LL * 60000);
  cr_expect_eq(w->sim.time_scale, 0.5);
  cr_expect_eq(w->sim.threads, 4u);
  cr_expect_eq(w->sim.start_ms, full_start_ms);
  cr_expect_eq(w->sim.model.arrival_rate, 0.5);
  cr_expect_eq(w->sim.model.sessions_per_day, 3.5);
  cr_expect_eq(w->sim.model.session_scale_ms, 25LL * 60000);
  cr_expect_eq(w->sim.model.session_shape, 0.7);
  cr_expect_eq(w->sim.model.peak_hour, 22);
  cr_expect_eq(w->sim.model.payer_share, 0.1);
  cr_expect_eq(w->sim.model.retention_d1, 0.5);
  cr_expect_eq(w->sim.model.retention_d7, 0.25);
  cr_expect_eq(w->sim.model.completion_effect, 0.5);
  cr_expect_eq(w->sim.model.spam_effect, 0.25);
  cr_expect_eq(w->engine.threads, 256u);
  cr_expect_eq(w->engine.queue_capacity, 64u);
  cr_expect_str_eq(w->engine.challenges, FIXTURES "catalogues/cards.yaml");
  cr_expect_str_eq(w->engine.matcher, "index");
  cr_expect_eq(w->transport.kind, GB_TRANSPORT_KAFKA);
  cr_expect_str_eq(w->transport.brokers, "broker-1:9092,10.0.0.2:19092");
  cr_expect_eq(w->transport.partitions, 1024u);
  cr_expect_eq(w->transport.format, GB_FORMAT_JSON);
  cr_assert_eq(w->n_arms, 2u);
  cr_expect_str_eq(w->arms[0].name, "rand");
  cr_expect_str_eq(w->arms[0].algorithm, "random");
  cr_expect_eq(w->arms[0].weight, 0.25);
  cr_expect_str_eq(w->arms[1].name, "ctl");
  cr_expect_str_eq(w->arms[1].algorithm, "none");
  cr_expect_eq(w->arms[1].weight, 3.0);
  cr_expect_str_eq(w->output.dir, "out/runs");
  cr_expect_eq(w->output.plots, false);
  cr_expect_str_eq(w->path, FIXTURES "full.yaml");
  gb_workload_free(w);
}

Test(workload, minimal_file_gets_every_default) {
  gb_workload *w = load_ok(FIXTURES "minimal.yaml", NULL, 0);
  cr_expect_str_eq(w->name, "minimal");
  cr_expect_eq(w->seed, 1u);
  cr_expect_eq(w->warmup_ns, 0);
  cr_expect_eq(w->sim.players, 1000u);
  cr_expect_eq(w->sim.duration_ms, 86400000LL);
  cr_expect_eq(w->sim.time_scale, 0.0, "time_scale defaults to max (0)");
  cr_expect_eq(w->sim.threads, 1u);
  cr_expect_eq(w->sim.start_ms, default_start_ms);
  cr_expect_eq(w->sim.model.arrival_rate, 0.03);
  cr_expect_eq(w->sim.model.sessions_per_day, 2.0);
  cr_expect_eq(w->sim.model.session_scale_ms, 20LL * 60000);
  cr_expect_eq(w->sim.model.session_shape, 0.5);
  cr_expect_eq(w->sim.model.peak_hour, 21);
  cr_expect_eq(w->sim.model.payer_share, 0.05);
  cr_expect_eq(w->sim.model.retention_d1, 0.45);
  cr_expect_eq(w->sim.model.retention_d7, 0.19);
  cr_expect_eq(w->sim.model.completion_effect, 0.3);
  cr_expect_eq(w->sim.model.spam_effect, 0.15);
  cr_expect_eq(w->engine.threads, 1u);
  cr_expect_eq(w->engine.queue_capacity, 65536u);
  cr_expect_str_eq(w->engine.challenges, FIXTURES "challenges/default.yaml");
  cr_expect_str_eq(w->engine.matcher, "scan");
  cr_expect_eq(w->transport.kind, GB_TRANSPORT_INPROC);
  cr_expect_str_eq(w->transport.brokers, "embedded");
  cr_expect_eq(w->transport.partitions, 8u);
  cr_expect_eq(w->transport.format, GB_FORMAT_BINARY);
  cr_assert_eq(w->n_arms, 1u);
  cr_expect_str_eq(w->arms[0].name, "random");
  cr_expect_str_eq(w->arms[0].algorithm, "random");
  cr_expect_eq(w->arms[0].weight, 1.0);
  cr_expect_str_eq(w->output.dir, "results");
  cr_expect_eq(w->output.plots, true);
  gb_workload_free(w);
}

Test(workload, challenges_path_is_relative_to_the_file_unless_absolute) {
  char *dir = gbt_tmpdir();
  char *rel = gbt_path(dir, "rel.yaml");
  char *abs = gbt_path(dir, "abs.yaml");
  gbt_write_file(rel, "name: r\nsim: {duration: 1h}\nengine: {challenges: ../c/x.yaml}\n");
  gbt_write_file(abs, "name: a\nsim: {duration: 1h}\nengine: {challenges: /srv/c.yaml}\n");
  gb_workload *w = load_ok(rel, NULL, 0);
  char want[4096];
  snprintf(want, sizeof want, "%s/../c/x.yaml", dir);
  cr_expect_str_eq(w->engine.challenges, want);
  gb_workload_free(w);
  w = load_ok(abs, NULL, 0);
  cr_expect_str_eq(w->engine.challenges, "/srv/c.yaml");
  gb_workload_free(w);
  gbt_rmtree(dir);
  free(rel);
  free(abs);
  free(dir);
}

Test(workload, default_workload_is_two_arms_and_about_ten_seconds) {
  gb_workload *w = load_ok(GB_SOURCE_DIR "/workloads/default.yaml", NULL, 0);
  cr_expect_str_eq(w->name, "default");
  cr_assert_eq(w->n_arms, 2u);
  cr_expect_str_eq(w->arms[0].algorithm, "random");
  cr_expect_str_eq(w->arms[1].name, "control");
  cr_expect_str_eq(w->arms[1].algorithm, "none");
  cr_assert_gt(w->sim.time_scale, 0, "the default workload runs in real time, not at max");
  /* "about 10 s": the lead tunes the numbers, so allow a band rather than one value. */
  double wall_s = (double)w->sim.duration_ms / 1000.0 / w->sim.time_scale;
  cr_expect(wall_s >= 5 && wall_s <= 20, "default.yaml runs %.1f s of wall time", wall_s);
  cr_expect(w->sim.players >= 1000 && w->sim.players <= 100000, "players %u", w->sim.players);
  gb_workload_free(w);
}

/* ---- errors in files: exact messages with file, line and key ---- */

/* Parameters are copied into Criterion's worker process by value (a worker may be a fresh
 * exec of this binary), so the text lives in arrays, not behind pointers. */
enum { CASE_TEXT_MAX = 256 };

typedef struct error_case {
  char file[CASE_TEXT_MAX];
  char message[CASE_TEXT_MAX]; /* what follows "<fixtures>/workloads/<file>" */
} error_case;

ParameterizedTestParameters(workload, file_errors) {
  static error_case cases[] = {
      {"unknown_key.yaml", ":7: key 'sim.playres': unknown key"},
      {"players_out_of_range.yaml", ":5: key 'sim.players': -5 is out of range (1 .. 10000000)"},
      {"bad_duration.yaml",
       ":9: key 'sim.duration': '2 hours' is not a duration (e.g. 90m, 2h, 1d)"},
      {"bad_seed.yaml", ":3: key 'seed': expected an integer, got 'abc'"},
      {"trailing_text_int.yaml", ":5: key 'sim.players': expected an integer, got '2h'"},
      {"syntax_error.yaml",
       ":5: invalid YAML: did not find expected key (while parsing a block mapping)"},
      {"empty.yaml", ":1: empty workload (it needs at least name and sim.duration)"},
      {"comments_only.yaml", ":1: empty workload (it needs at least name and sim.duration)"},
      {"top_level_list.yaml", ":2: expected a mapping of keys at the top level, got a list"},
      {"two_documents.yaml", ":5: a second YAML document (a workload is a single mapping)"},
      {"complex_key.yaml", ":3: a key must be a single value, got a list"},
      {"section_not_mapping.yaml", ":3: key 'sim': expected a mapping of keys, got '5'"},
      {"list_for_value.yaml", ":4: key 'sim.duration': expected a single value, got a list"},
      {"duplicate_key.yaml", ":6: key 'sim.duration': duplicate key"},
      {"bad_transport_kind.yaml",
       ":5: key 'transport.kind': 'carrier-pigeon' is not one of inproc, kafka"},
      {"bad_plots.yaml", ":5: key 'output.plots': 'maybe' is not one of true, false"},
      {"missing_name.yaml", ":2: key 'name': required key is missing"},
      {"missing_duration.yaml", ":4: key 'sim.duration': required key is missing"},
      {"bad_name.yaml", ":2: key 'name': 'my run/1' is not a valid name (1 .. 64 characters from "
                        "A-Z a-z 0-9 _ . -)"},
      {"queue_not_power_of_two.yaml", ":5: key 'engine.queue_capacity': 1000 is out of range (a "
                                      "power of two, 64 .. 16777216)"},
      {"bad_time_scale.yaml", ":5: key 'sim.time_scale': expected a number or max, got 'fast'"},
      {"zero_time_scale.yaml", ":5: key 'sim.time_scale': 0 is out of range (> 0, or max)"},
      {"bad_start.yaml", ":5: key 'sim.start': '2026-02-30T00:00:00Z' is not a UTC time like "
                         "2026-01-05T00:00:00Z"},
      {"bad_brokers.yaml", ":6: key 'transport.brokers': 'localhost:9092,otherhost' is not "
                           "embedded or host:port[,host:port...]"},
      {"zero_duration.yaml", ":4: key 'sim.duration': 0s is out of range (> 0)"},
      {"arms_empty.yaml", ":4: key 'arms': needs at least 1 entry, got 0"},
      {"arms_unknown_algorithm.yaml",
       ":6: key 'arms[1].algorithm': 'linucb' is not one of random, none"},
      {"arms_duplicate_name.yaml",
       ":7: key 'arms[2].name': duplicate arm name 'a' (also arms[0].name)"},
      {"arms_zero_weight.yaml", ":7: key 'arms[0].weight': 0 is out of range (> 0)"},
      {"arms_missing_algorithm.yaml", ":6: key 'arms[1].algorithm': required key is missing"},
      {"arms_unknown_key.yaml", ":5: key 'arms[0].wieght': unknown key"},
      {"arms_not_mapping.yaml", ":5: key 'arms[0]': expected a mapping of keys, got 'random'"},
      {"sim_bad_shape.yaml", ":5: key 'sim.session_shape': expected a number, got 'round'"},
      {"sim_peak_hour_out_of_range.yaml", ":5: key 'sim.peak_hour': 24 is out of range (0 .. 23)"},
      {"sim_retention_d7_above_d1.yaml",
       ":7: key 'sim.retention.d7': 0.5 is out of range (0 < d7 < d1 = 0.4)"},
      {"sim_retention_unknown_key.yaml", ":7: key 'sim.retention.d2': unknown key"},
      {"sim_retention_unreachable.yaml",
       ":6: key 'sim.retention.d1': 0.95 is above what sessions_per_day 2 allows (0.724: the "
       "share of players who start a session on a given day when nobody churns)"},
      {"sim_session_length_too_long.yaml",
       ":5: key 'sim.session_length': 2d is out of range (1s .. 1d)"},
      {"sim_too_many_arrivals.yaml",
       ":6: key 'sim.arrivals': 10 x sim.players new players a day over sim.duration make "
       "210000000 players, above the maximum of 100000000"},
  };
  return cr_make_param_array(error_case, cases, sizeof cases / sizeof cases[0]);
}

ParameterizedTest(error_case *c, workload, file_errors) {
  char path[1024], want[2048];
  snprintf(path, sizeof path, FIXTURES "%s", c->file);
  snprintf(want, sizeof want, "%s%s", path, c->message);
  expect_error(path, NULL, 0, want);
}

Test(workload, missing_file_is_named_with_the_reason) {
  expect_error(FIXTURES "nope.yaml", NULL, 0,
               FIXTURES "nope.yaml: cannot open: No such file or directory");
}

Test(workload, a_directory_is_not_a_workload) {
  expect_error(GB_TEST_FIXTURES "/workloads", NULL, 0,
               GB_TEST_FIXTURES "/workloads: cannot read: Is a directory");
}

Test(workload, loading_creates_no_files_even_on_error) {
  char *dir = gbt_tmpdir();
  char *file = gbt_path(dir, "w.yaml");
  char *results = gbt_path(dir, "results");
  char text[4096];
  snprintf(text, sizeof text, "name: quiet\nsim: {duration: 1h}\noutput: {dir: %s}\n", results);
  gbt_write_file(file, text);
  gb_workload_free(load_ok(file, NULL, 0));
  const char *bad[] = {"sim.players=0"};
  expect_error(file, bad, 1,
               "--set sim.players=0: key 'sim.players': 0 is out of range (1 .. 10000000)");
  cr_expect_not(gbt_exists(results), "the loader created %s", results);
  gbt_rmtree(dir);
  free(results);
  free(file);
  free(dir);
}

/* ---- --set ---- */

Test(set, overrides_nested_keys_and_creates_missing_sections) {
  /* minimal.yaml has no engine, transport or output section */
  const char *set[] = {"sim.players=500",
                       "engine.threads=8",
                       "transport.kind=kafka",
                       "transport.brokers=k:9092",
                       "transport.format=json",
                       "output.plots=false",
                       "seed=99",
                       "warmup=2s"};
  gb_workload *w = load_ok(FIXTURES "minimal.yaml", set, sizeof set / sizeof set[0]);
  cr_expect_eq(w->sim.players, 500u);
  cr_expect_eq(w->engine.threads, 8u);
  cr_expect_eq(w->transport.kind, GB_TRANSPORT_KAFKA);
  cr_expect_str_eq(w->transport.brokers, "k:9092");
  cr_expect_eq(w->transport.format, GB_FORMAT_JSON);
  cr_expect_eq(w->output.plots, false);
  cr_expect_eq(w->seed, 99u);
  cr_expect_eq(w->warmup_ns, 2000000000LL);
  /* untouched keys keep the file's values and the defaults */
  cr_expect_str_eq(w->name, "minimal");
  cr_expect_eq(w->sim.duration_ms, 86400000LL);
  cr_expect_eq(w->engine.queue_capacity, 65536u);
  cr_expect_str_eq(w->path, FIXTURES "minimal.yaml");
  gb_workload_free(w);
}

Test(set, time_scale_max_replaces_a_number) {
  const char *set[] = {"sim.time_scale=max"};
  gb_workload *w = load_ok(FIXTURES "full.yaml", set, 1);
  cr_expect_eq(w->sim.time_scale, 0.0);
  cr_expect(strstr(w->resolved_json, "\"time_scale\":\"max\"") != NULL, "%s", w->resolved_json);
  gb_workload_free(w);
  const char *back[] = {"sim.time_scale=max", "sim.time_scale=720"};
  w = load_ok(FIXTURES "full.yaml", back, 2);
  cr_expect_eq(w->sim.time_scale, 720.0);
  gb_workload_free(w);
}

Test(set, the_last_override_of_a_key_wins) {
  const char *set[] = {"sim.players=5", "sim.players=6"};
  gb_workload *w = load_ok(FIXTURES "minimal.yaml", set, 2);
  cr_expect_eq(w->sim.players, 6u);
  gb_workload_free(w);
}

Test(set, the_value_is_read_as_a_yaml_scalar) {
  const char *set[] = {"name='quoted.name'", "output.dir=runs of today",
                       "transport.brokers=\"h:1\""};
  gb_workload *w = load_ok(FIXTURES "minimal.yaml", set, 3);
  cr_expect_str_eq(w->name, "quoted.name");
  cr_expect_str_eq(w->output.dir, "runs of today");
  cr_expect_str_eq(w->transport.brokers, "h:1");
  gb_workload_free(w);
}

Test(set, a_valid_override_does_not_excuse_a_bad_file) {
  /* the file is validated alone first, so that its errors carry its own line numbers */
  const char *set[] = {"sim.players=5"};
  expect_error(FIXTURES "players_out_of_range.yaml", set, 1,
               FIXTURES "players_out_of_range.yaml:5: key 'sim.players': -5 is out of range "
                        "(1 .. 10000000)");
}

typedef struct set_case {
  char arg[CASE_TEXT_MAX];
  char message[CASE_TEXT_MAX];
} set_case;

ParameterizedTestParameters(set, errors) {
  static set_case cases[] = {
      {"sim.players=-5", "--set sim.players=-5: key 'sim.players': -5 is out of range (1 .. "
                         "10000000)"},
      {"sim.nope=1", "--set sim.nope=1: key 'sim.nope': unknown key"},
      {"nope.deeper=1", "--set nope.deeper=1: key 'nope.deeper': unknown key"},
      {"seed.low=1", "--set seed.low=1: key 'seed.low': unknown key"},
      {"foo", "--set foo: expected key.path=value"},
      {"=1", "--set =1: expected key.path=value"},
      {"sim..players=1", "--set sim..players=1: expected key.path=value"},
      {"sim.=1", "--set sim.=1: expected key.path=value"},
      {".sim=1", "--set .sim=1: expected key.path=value"},
      {"arms=x", "--set arms=x: key 'arms': is a list, which --set cannot change (edit the "
                 "workload file)"},
      {"arms[0].weight=2", "--set arms[0].weight=2: key 'arms': is a list, which --set cannot "
                           "change (edit the workload file)"},
      {"sim=5", "--set sim=5: key 'sim': is a section; set its keys one by one (e.g. "
                "sim.players=...)"},
      {"sim.players=[1, 2]", "--set sim.players=[1, 2]: key 'sim.players': expected a single "
                             "value, got a list"},
      {"name=a: b", "--set name=a: b: key 'name': expected a single value, got a mapping"},
      {"sim.duration=2 hours", "--set sim.duration=2 hours: key 'sim.duration': '2 hours' is not "
                               "a duration (e.g. 90m, 2h, 1d)"},
      {"sim.players=2h", "--set sim.players=2h: key 'sim.players': expected an integer, got '2h'"},
      {"transport.kind=udp",
       "--set transport.kind=udp: key 'transport.kind': 'udp' is not one of inproc, kafka"},
      {"transport.format=xml",
       "--set transport.format=xml: key 'transport.format': 'xml' is not one of json, binary"},
      {"output.plots=maybe",
       "--set output.plots=maybe: key 'output.plots': 'maybe' is not one of true, false"},
      {"output.dir=", "--set output.dir=: key 'output.dir': must not be empty"},
      {"sim.time_scale=0x10",
       "--set sim.time_scale=0x10: key 'sim.time_scale': expected a number or max, got '0x10'"},
      {"sim.time_scale=inf",
       "--set sim.time_scale=inf: key 'sim.time_scale': expected a number or max, got 'inf'"},
      {"sim.time_scale=1e999",
       "--set sim.time_scale=1e999: key 'sim.time_scale': 1e999 is out of range (> 0, or max)"},
      {"seed=-1", "--set seed=-1: key 'seed': -1 is out of range (0 .. 18446744073709551615)"},
      {"seed=18446744073709551616", "--set seed=18446744073709551616: key 'seed': "
                                    "18446744073709551616 is out of range (0 .. "
                                    "18446744073709551615)"},
      {"sim.time_scale=0", "--set sim.time_scale=0: key 'sim.time_scale': 0 is out of range (> 0, "
                           "or max)"},
      {"name=\xff", "--set name=\xff: the value is not valid YAML: invalid leading UTF-8 octet"},
      {"sim.arrivals=-0.1", "--set sim.arrivals=-0.1: key 'sim.arrivals': -0.1 is out of range (0 "
                            ".. 10)"},
      {"sim.sessions_per_day=0", "--set sim.sessions_per_day=0: key 'sim.sessions_per_day': 0 is "
                                 "out of range (0.1 .. 48)"},
      {"sim.session_length=20", "--set sim.session_length=20: key 'sim.session_length': '20' is "
                                "not a duration (e.g. 90m, 2h, 1d)"},
      {"sim.payer_share=1.5", "--set sim.payer_share=1.5: key 'sim.payer_share': 1.5 is out of "
                              "range (0 .. 1)"},
      {"sim.retention.d7=0.45", "--set sim.retention.d7=0.45: key 'sim.retention.d7': 0.45 is out "
                                "of range (0 < d7 < d1 = 0.45)"},
      {"sim.retention.spam_effect=9", "--set sim.retention.spam_effect=9: key "
                                      "'sim.retention.spam_effect': 9 is out of range (0 .. 5)"},
      {"sim.retention=1", "--set sim.retention=1: key 'sim.retention': is a section; set its keys "
                          "one by one (e.g. sim.retention.d1=...)"},
  };
  return cr_make_param_array(set_case, cases, sizeof cases / sizeof cases[0]);
}

ParameterizedTest(set_case *c, set, errors) {
  const char *set[] = {c->arg};
  expect_error(FIXTURES "minimal.yaml", set, 1, c->message);
}

Test(set, the_error_names_the_override_that_caused_it) {
  const char *set[] = {"sim.players=10", "engine.threads=0", "sim.threads=2"};
  expect_error(FIXTURES "minimal.yaml", set, 3,
               "--set engine.threads=0: key 'engine.threads': 0 is out of range (1 .. 256)");
}

/* ---- resolved_json ---- */

Test(resolved, json_has_every_key_in_a_fixed_order) {
  gb_workload *w = load_ok(FIXTURES "full.yaml", NULL, 0);
  char want[4096];
  snprintf(want, sizeof want,
           "{\"name\":\"full-set_1.0\",\"seed\":18446744073709551615,\"warmup\":\"1500ms\","
           "\"sim\":{\"players\":10000000,\"duration\":\"90m\",\"time_scale\":0.5,\"threads\":4,"
           "\"start\":\"2025-12-31T23:59:59Z\",\"arrivals\":0.5,\"sessions_per_day\":3.5,"
           "\"session_length\":\"25m\",\"session_shape\":0.7,\"peak_hour\":22,"
           "\"payer_share\":0.1,\"retention\":{\"d1\":0.5,\"d7\":0.25,"
           "\"completion_effect\":0.5,\"spam_effect\":0.25}},"
           "\"engine\":{\"threads\":256,\"queue_capacity\":64,\"challenges\":\"%s\","
           "\"matcher\":\"index\"},"
           "\"transport\":{\"kind\":\"kafka\",\"brokers\":\"broker-1:9092,10.0.0.2:19092\","
           "\"partitions\":1024,\"format\":\"json\"},"
           "\"arms\":[{\"name\":\"rand\",\"algorithm\":\"random\",\"weight\":0.25},"
           "{\"name\":\"ctl\",\"algorithm\":\"none\",\"weight\":3}],"
           "\"output\":{\"dir\":\"out/runs\",\"plots\":false}}",
           FIXTURES "catalogues/cards.yaml");
  cr_expect_str_eq(w->resolved_json, want);
  cr_expect_eq(w->resolved_hash, gb_hash_bytes(want, strlen(want), 0));
  gb_workload_free(w);
}

Test(resolved, defaults_appear_in_the_json) {
  gb_workload *w = load_ok(FIXTURES "minimal.yaml", NULL, 0);
  char want[4096];
  snprintf(want, sizeof want,
           "{\"name\":\"minimal\",\"seed\":1,\"warmup\":\"0s\","
           "\"sim\":{\"players\":1000,\"duration\":\"1d\",\"time_scale\":\"max\",\"threads\":1,"
           "\"start\":\"2026-01-05T00:00:00Z\",\"arrivals\":0.03,\"sessions_per_day\":2,"
           "\"session_length\":\"20m\",\"session_shape\":0.5,\"peak_hour\":21,"
           "\"payer_share\":0.05,\"retention\":{\"d1\":0.45,\"d7\":0.19,"
           "\"completion_effect\":0.3,\"spam_effect\":0.15}},"
           "\"engine\":{\"threads\":1,\"queue_capacity\":65536,\"challenges\":\"%s\","
           "\"matcher\":\"scan\"},"
           "\"transport\":{\"kind\":\"inproc\",\"brokers\":\"embedded\",\"partitions\":8,"
           "\"format\":\"binary\"},"
           "\"arms\":[{\"name\":\"random\",\"algorithm\":\"random\",\"weight\":1}],"
           "\"output\":{\"dir\":\"results\",\"plots\":true}}",
           FIXTURES "challenges/default.yaml");
  cr_expect_str_eq(w->resolved_json, want);
  gb_workload_free(w);
}

Test(resolved, same_input_gives_the_same_bytes) {
  const char *set[] = {"sim.players=77", "sim.time_scale=12.5"};
  gb_workload *a = load_ok(FIXTURES "full.yaml", set, 2);
  gb_workload *b = load_ok(FIXTURES "full.yaml", set, 2);
  cr_expect_str_eq(a->resolved_json, b->resolved_json);
  cr_expect_eq(a->resolved_hash, b->resolved_hash);
  gb_workload_free(a);
  gb_workload_free(b);
}

/* Writes two files into one folder (so that challenges resolve alike) and loads both. */
static void load_pair(const char *text_a, const char *const *set_a, size_t n_a, const char *text_b,
                      gb_workload **a, gb_workload **b) {
  char *dir = gbt_tmpdir();
  char *pa = gbt_path(dir, "a.yaml"), *pb = gbt_path(dir, "b.yaml");
  gbt_write_file(pa, text_a);
  gbt_write_file(pb, text_b);
  *a = load_ok(pa, set_a, n_a);
  *b = load_ok(pb, NULL, 0);
  gbt_rmtree(dir);
  free(pa);
  free(pb);
  free(dir);
}

Test(resolved, key_order_in_the_file_does_not_matter) {
  gb_workload *a, *b;
  load_pair("name: n\nseed: 3\nsim:\n  players: 9\n  duration: 60m\noutput: {plots: false}\n", NULL,
            0, "output: {plots: false}\nsim:\n  duration: 1h\n  players: 9\nseed: 3\nname: n\n", &a,
            &b);
  cr_expect_str_eq(a->resolved_json, b->resolved_json);
  cr_expect_eq(a->resolved_hash, b->resolved_hash);
  gb_workload_free(a);
  gb_workload_free(b);
}

Test(resolved, an_override_equals_editing_the_file) {
  gb_workload *a, *b;
  const char *set[] = {"sim.players=500", "engine.matcher=index"};
  load_pair("name: n\nsim:\n  players: 10\n  duration: 2h\n", set, 2,
            "name: n\nsim:\n  players: 500\n  duration: 2h\nengine:\n  matcher: index\n", &a, &b);
  cr_expect_str_eq(a->resolved_json, b->resolved_json);
  cr_expect_eq(a->resolved_hash, b->resolved_hash);
  cr_expect(strstr(a->resolved_json, "\"players\":500") != NULL, "%s", a->resolved_json);
  gb_workload_free(a);
  gb_workload_free(b);
  /* and a different workload hashes differently */
  load_pair("name: n\nsim: {players: 10, duration: 2h}\n", NULL, 0,
            "name: n\nsim: {players: 11, duration: 2h}\n", &a, &b);
  cr_expect_neq(a->resolved_hash, b->resolved_hash);
  gb_workload_free(a);
  gb_workload_free(b);
}

Test(resolved, the_json_is_itself_a_workload_that_resolves_the_same) {
  /* JSON is YAML: a manifest's workload can be run again as it is. The catalogue path is
   * absolute here so that resolving it again from another folder changes nothing. */
  const char *set[] = {"engine.challenges=/srv/catalogue.yaml"};
  gb_workload *w = load_ok(FIXTURES "full.yaml", set, 1);
  char *dir = gbt_tmpdir();
  char *copy = gbt_path(dir, "resolved.yaml");
  gbt_write_file(copy, w->resolved_json);
  gb_workload *again = load_ok(copy, NULL, 0);
  cr_expect_str_eq(again->resolved_json, w->resolved_json);
  cr_expect_eq(again->resolved_hash, w->resolved_hash);
  gb_workload_free(again);
  gb_workload_free(w);
  gbt_rmtree(dir);
  free(copy);
  free(dir);
}
