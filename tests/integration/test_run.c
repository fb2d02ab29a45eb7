/* End-to-end: `gamebench run` and `gamebench sim` through the real executable. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gb_test_results.h"
#include "gb_test_support.h"

/* A short closed-loop run: 300 players, 2 sim hours, as fast as possible. */
#define SMALL                                                                                      \
  "--set sim.players=300 --set sim.duration=2h --set sim.time_scale=max --set warmup=0s --quiet"

static char *tmp;

static void setup(void) { tmp = gbt_tmpdir(); }
static void teardown(void) {
  gbt_rmtree(tmp);
  free(tmp);
}

TestSuite(run, .init = setup, .fini = teardown);
TestSuite(sim, .init = setup, .fini = teardown);

static char *run_into(const char *name, const char *extra) {
  char *dir = gbt_path(tmp, name);
  gbt_proc p = gbt_gamebench("run workloads/default.yaml %s %s --out '%s'", SMALL, extra, dir);
  cr_assert_eq(p.status, 0, "exit %d\nstdout: %s\nstderr: %s", p.status, p.out, p.err);
  cr_assert(strstr(p.out, dir), "prints the report path: %s", p.out);
  gbt_proc_free(&p);
  return dir;
}

Test(run, writes_every_result_file_and_reconciles) {
  char *dir = run_into("r1", "");
  const char *files[] = {"manifest.json", "summary.csv",      "latency.csv",       "timeline.csv",
                         "arms.csv",      "aggregates.csv",   "dead_letter.jsonl", "report.md",
                         "report.html",   "plots/latency.png"};
  for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
    char *path = gbt_path(dir, files[i]);
    cr_assert(gbt_exists(path), "%s missing", path);
    free(path);
  }
  char *summary = gbt_result_text(dir, "summary.csv");
  double generated = gbt_metric(summary, "events_generated");
  /* ~1000 with the default player model (2 sessions a day, the evening peak) */
  cr_assert_gt(generated, 500, "a 2-hour run of 300 players generates events");
  cr_assert_eq(gbt_metric(summary, "events_processed"), generated);
  cr_assert_eq(gbt_metric(summary, "events_lost"), 0);
  cr_assert_eq(gbt_metric(summary, "events_rejected"), 0);
  cr_assert_eq(gbt_metric(summary, "rate_sustained"), 1);
  cr_assert_gt(gbt_metric(summary, "decisions"), 0);
  cr_assert_eq(gbt_metric(summary, "answers_received"), gbt_metric(summary, "decisions"));
  /* warmup 0: every answer is measured on arrival, none below 0 (out of range) */
  cr_assert_eq(gbt_metric(summary, "latency_reply_count"), gbt_metric(summary, "answers_received"));
  cr_assert_eq(gbt_metric(summary, "latency_decision_count"),
               gbt_metric(summary, "answers_received"));
  cr_assert_eq(gbt_metric(summary, "latency_reply_out_of_range"), 0);
  cr_assert_gt(gbt_metric(summary, "latency_e2e_p99_us"), 0);
  cr_assert_geq(gbt_metric(summary, "latency_decision_p99_us"),
                gbt_metric(summary, "latency_decision_p50_us"));
  char *arms = gbt_result_text(dir, "arms.csv");
  cr_assert(strncmp(arms, "arm,algorithm,players,decisions,props_generated", 46) == 0, "%s", arms);
  cr_assert(strstr(arms, "\nrandom,random,"), "%s", arms);
  cr_assert(strstr(arms, "\noracle,oracle,"), "%s", arms);
  free(arms);
  free(summary);
  free(dir);
}

Test(run, same_seed_gives_identical_arms_whatever_the_threads) {
  char *a = run_into("a", "");
  char *b = run_into("b", "");
  char *c = run_into("c", "--set engine.threads=2 --set sim.threads=2");
  char *arms_a = gbt_result_text(a, "arms.csv"), *arms_b = gbt_result_text(b, "arms.csv");
  char *arms_c = gbt_result_text(c, "arms.csv");
  cr_assert_str_eq(arms_a, arms_b);
  cr_assert_str_eq(arms_a, arms_c);
  char *other = run_into("d", "--set seed=7");
  char *arms_d = gbt_result_text(other, "arms.csv");
  cr_assert_str_neq(arms_a, arms_d, "another seed gives another run");
  free(arms_a);
  free(arms_b);
  free(arms_c);
  free(arms_d);
  free(a);
  free(b);
  free(c);
  free(other);
}

/* A bad workload exits 2, names the key, and leaves no results directory behind. */
static void expect_rejected(const char *yaml, const char *sets, const char *needle) {
  char *wl = gbt_path(tmp, "bad.yaml");
  char *out = gbt_path(tmp, "results");
  gbt_write_file(wl, yaml);
  gbt_proc p = gbt_gamebench("run '%s' %s --set output.dir='%s'", wl, sets, out);
  cr_assert_eq(p.status, 2, "exit %d, stderr: %s", p.status, p.err);
  cr_assert(strstr(p.err, needle), "stderr should name '%s': %s", needle, p.err);
  cr_assert(!gbt_exists(out), "no results directory may be left behind");
  gbt_proc_free(&p);
  free(wl);
  free(out);
}

Test(run, rejects_bad_workloads_with_the_key_named) {
  expect_rejected("name: t\nsim:\n  playres: 10\n  duration: 1h\n", "", "sim.playres");
  expect_rejected("name: t\nsim:\n  players: -5\n  duration: 1h\n", "", "sim.players");
  expect_rejected("name: t\nsim:\n  players: many\n  duration: 1h\n", "", "sim.players");
  expect_rejected("name: t\nsim:\n  duration: 1h\n", "--set sim.time_scale=-3", "sim.time_scale");
  expect_rejected("name: t\nsim:\n  duration: 1h\narms:\n  - {name: x, algorithm: bandit9, "
                  "weight: 1}\n",
                  "", "bandit9");
}

Test(run, missing_workload_file_exits_2) {
  gbt_proc p = gbt_gamebench("run '%s/nope.yaml'", tmp);
  cr_assert_eq(p.status, 2);
  cr_assert(strstr(p.err, "nope.yaml"), "%s", p.err);
  gbt_proc_free(&p);
}

/* The Kafka commands refuse a --brokers list they cannot pass on whole, before connecting. */
Test(run, overlong_brokers_exit_2_naming_the_option) {
  char brokers[1100];
  memset(brokers, 'b', sizeof brokers - 1);
  brokers[sizeof brokers - 1] = '\0';
  const char *commands[] = {"engine workloads/default.yaml",
                            "sim workloads/default.yaml --to kafka", "bench kafka"};
  for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
    gbt_proc p = gbt_gamebench("%s --brokers %s", commands[i], brokers);
    cr_assert_eq(p.status, 2, "%s: exit %d\n%s", commands[i], p.status, p.err);
    cr_assert(strstr(p.err, "--brokers: too long"), "%s: %s", commands[i], p.err);
    gbt_proc_free(&p);
  }
}

Test(run, bad_flags_exit_2_and_help_documents_options) {
  gbt_proc p = gbt_gamebench("run workloads/default.yaml --frobnicate");
  cr_assert_eq(p.status, 2);
  cr_assert(strstr(p.err, "--frobnicate"), "%s", p.err);
  gbt_proc_free(&p);
  p = gbt_gamebench("run --help");
  cr_assert_eq(p.status, 0);
  cr_assert(strstr(p.out, "--set KEY=VALUE") && strstr(p.out, "--out DIR"), "%s", p.out);
  gbt_proc_free(&p);
}

Test(run, refuses_to_overwrite_an_existing_out_dir) {
  gbt_proc p = gbt_gamebench("run workloads/default.yaml " SMALL " --out '%s'", tmp);
  cr_assert_eq(p.status, 2, "%s", p.err);
  cr_assert(strstr(p.err, "already exists"), "%s", p.err);
  gbt_proc_free(&p);
}

Test(sim, stream_is_byte_identical_and_parses) {
  char *a = gbt_path(tmp, "a.jsonl"), *b = gbt_path(tmp, "b.jsonl");
  gbt_proc p = gbt_gamebench("sim workloads/default.yaml --set sim.players=50 --set "
                             "sim.duration=3h --out '%s'",
                             a);
  cr_assert_eq(p.status, 0, "%s", p.err);
  gbt_proc_free(&p);
  p = gbt_gamebench("sim workloads/default.yaml --set sim.players=50 --set sim.duration=3h "
                    "--out '%s'",
                    b);
  cr_assert_eq(p.status, 0, "%s", p.err);
  gbt_proc_free(&p);
  size_t la, lb;
  char *ta = gbt_read_file(a, &la), *tb = gbt_read_file(b, &lb);
  cr_assert_gt(la, 1000);
  cr_assert_eq(la, lb);
  cr_assert_eq(memcmp(ta, tb, la), 0);
  cr_assert(strncmp(ta, "{\"event_id\":", 12) == 0, "%.80s", ta);
  /* the matcher CLI reads the stream back: every line is a JSON object */
  free(ta);
  free(tb);
  free(a);
  free(b);
}

Test(sim, requires_out) {
  gbt_proc p = gbt_gamebench("sim workloads/default.yaml");
  cr_assert_eq(p.status, 2);
  cr_assert(strstr(p.err, "--out"), "%s", p.err);
  gbt_proc_free(&p);
}

/* Measurement core: an overloaded run says so, and coordinated omission shows. */
Test(run, overload_is_reported_and_corrected_latency_shows_the_stall) {
  char *dir = gbt_path(tmp, "overload");
  /* 600 k events meant for 60 ms of wall time: far beyond any machine. A small queue keeps the
   * uncorrected latency (from the actual send) short while the simulator falls behind, and the
   * corrected one grows with the run's length: 6 sim hours make it ~60x the uncorrected one on
   * an idle machine, so that a loaded machine (threads descheduled for milliseconds, which the
   * uncorrected p99 sees too) still leaves a margin over 5x; 1 hour left ~4x under load. */
  gbt_proc p = gbt_gamebench("run workloads/default.yaml --set sim.players=50000 --set "
                             "sim.duration=6h --set sim.time_scale=360000 --set warmup=0s --set "
                             "engine.queue_capacity=1024 --no-report --out '%s'",
                             dir);
  cr_assert_eq(p.status, 0, "%s", p.err);
  cr_assert(strstr(p.err, "VERDICT: target rate not sustained"), "%s", p.err);
  char *summary = gbt_result_text(dir, "summary.csv");
  cr_assert_eq(gbt_metric(summary, "rate_sustained"), 0);
  cr_assert_lt(gbt_metric(summary, "achieved_rate_eps"),
               0.99 * gbt_metric(summary, "target_rate_eps"));
  double corrected = gbt_metric(summary, "latency_e2e_p99_us");
  double uncorrected = gbt_metric(summary, "latency_e2e_uncorrected_p99_us");
  cr_assert_gt(corrected, 5 * uncorrected, "corrected p99 %.0f us, uncorrected %.0f us", corrected,
               uncorrected);
  cr_assert_eq(gbt_metric(summary, "events_lost"), 0);
  free(summary);
  gbt_proc_free(&p);
  free(dir);
}

Test(run, repeats_write_each_run_and_the_medians) {
  char *dir = gbt_path(tmp, "rep");
  gbt_proc p = gbt_gamebench("run workloads/default.yaml " SMALL " --repeat 3 --no-report --out "
                             "'%s'",
                             dir);
  cr_assert_eq(p.status, 0, "%s", p.err);
  gbt_proc_free(&p);
  for (int i = 1; i <= 3; i++) {
    char name[64];
    snprintf(name, sizeof name, "repeat-%d/arms.csv", i);
    char *path = gbt_path(dir, name);
    cr_assert(gbt_exists(path), "%s", path);
    free(path);
  }
  char *repeats = gbt_result_text(dir, "repeats.csv");
  cr_assert(strncmp(repeats, "metric,unit,repeat_1,repeat_2,repeat_3,combined\n", 48) == 0, "%s",
            repeats);
  char *summary = gbt_result_text(dir, "summary.csv");
  char *first = gbt_result_text(dir, "repeat-1/summary.csv");
  /* the event counts are deterministic, so their median is every repeat's value */
  cr_assert_eq(gbt_metric(summary, "events_generated"), gbt_metric(first, "events_generated"));
  cr_assert_eq(gbt_metric(summary, "rate_sustained"), 1);
  free(repeats);
  free(summary);
  free(first);
  free(dir);
}

/* ---- operators' changes (--control) */

/* Two challenges that every game_end can match; "minus" lacks the second one, which the
 * changes below add. Same ordinals either way: the upsert appends, like the full file's order. */
#define PLAY_MORE                                                                                  \
  "  - {id: play_more, criteria: {type: game_end}, progress: {count: 3}, ttl: 1h,\n"               \
  "     reward: {coins: 100}, difficulty: 0.3}\n"
#define WIN_BIG_JSON                                                                               \
  "{\"id\":\"win_big\",\"criteria\":{\"type\":\"game_end\",\"won\":true},\"progress\":{\"count\":" \
  "2},\"ttl\":\"2h\",\"reward\":{\"coins\":300},\"difficulty\":0.6}"
/* sim.start below: 2026-01-05T12:00:00Z, in ms since the epoch; the run covers 2 sim hours. */
#define START_MS "1767614400000"
#define CONTROL_HEAD "\"player_id\":0,\"session_id\":0,\"platform\":\"\",\"country\":\"\""

/* Writes the catalogues and the change files into tmp. */
static void write_control_fixtures(void) {
  char *full = gbt_path(tmp, "full.yaml"), *minus = gbt_path(tmp, "minus.yaml");
  gbt_write_file(full, "definitions:\n" PLAY_MORE "  - " WIN_BIG_JSON "\n");
  gbt_write_file(minus, "definitions:\n" PLAY_MORE);
  char *at_start = gbt_path(tmp, "at_start.jsonl"), *mid = gbt_path(tmp, "mid.jsonl");
  gbt_write_file(at_start, "{\"event_id\":900001,\"type\":\"challenge_upsert\",\"ts\":" START_MS
                           "," CONTROL_HEAD ",\"definition\":" WIN_BIG_JSON "}\n");
  /* win_big from sim hour 1; play_more deleted from hour 1.5, sent at hour 0.5 (effective_ts) */
  gbt_write_file(
      mid, "# operators' changes\n"
           "{\"event_id\":900001,\"type\":\"challenge_upsert\",\"ts\":1767618000000," CONTROL_HEAD
           ",\"definition\":" WIN_BIG_JSON "}\n"
           "\n"
           "{\"event_id\":900002,\"type\":\"challenge_delete\",\"ts\":1767616200000," CONTROL_HEAD
           ",\"challenge_id\":\"play_more\",\"effective_ts\":1767619800000}\n");
  free(full);
  free(minus);
  free(at_start);
  free(mid);
}

static char *control_run(const char *name, const char *catalogue, const char *control,
                         const char *extra) {
  char args[2048], control_arg[1024] = "";
  if (control)
    snprintf(control_arg, sizeof control_arg, "--control '%s/%s'", tmp, control);
  snprintf(args, sizeof args,
           "--no-report --set sim.start=2026-01-05T12:00:00Z --set engine.challenges='%s/%s' %s %s",
           tmp, catalogue, extra, control_arg);
  return run_into(name, args);
}

static void assert_same_file(const char *a, const char *b, const char *file, bool same) {
  char *x = gbt_result_text(a, file), *y = gbt_result_text(b, file);
  if (same)
    cr_assert_str_eq(x, y, "%s differs between %s and %s", file, a, b);
  else
    cr_assert_str_neq(x, y, "%s should differ between %s and %s", file, a, b);
  free(x);
  free(y);
}

Test(run, an_upsert_reaches_every_shard) {
  write_control_fixtures();
  char *full = control_run("full", "full.yaml", NULL, "--set engine.threads=2");
  /* The challenge missing from the file, added at the first instant by an operator: if any
   * shard missed it, its players would never be offered win_big. */
  char *late = control_run("late", "minus.yaml", "at_start.jsonl", "--set engine.threads=2");
  char *minus = control_run("minus", "minus.yaml", NULL, "--set engine.threads=2");
  assert_same_file(full, late, "arms.csv", true);
  assert_same_file(full, minus, "arms.csv", false);
  char *summary = gbt_result_text(late, "summary.csv"),
       *base = gbt_result_text(full, "summary.csv");
  cr_assert_eq(gbt_metric(summary, "catalog_updates"), 2,
               "one change, applied by each of 2 shards");
  cr_assert_eq(gbt_metric(summary, "events_duplicate"), 0, "one copy per shard, none twice");
  /* the change travels as one copy per partition (in process: per shard) */
  cr_assert_eq(gbt_metric(summary, "events_generated"), gbt_metric(base, "events_generated") + 2);
  cr_assert_eq(gbt_metric(summary, "events_processed"), gbt_metric(summary, "events_generated"));
  cr_assert_eq(gbt_metric(summary, "events_lost"), 0);
  free(summary);
  free(base);
  free(full);
  free(late);
  free(minus);
}

Test(run, changes_take_effect_at_their_sim_time_whatever_the_threads) {
  write_control_fixtures();
  char *one = control_run("one", "full.yaml", "mid.jsonl", "");
  char *many =
      control_run("many", "full.yaml", "mid.jsonl", "--set sim.threads=2 --set engine.threads=3");
  char *paced = control_run("paced", "full.yaml", "mid.jsonl",
                            "--set sim.threads=2 --set engine.threads=2 --set sim.time_scale=7200");
  char *none = control_run("none", "full.yaml", NULL, "");
  assert_same_file(one, many, "arms.csv", true);
  assert_same_file(one, paced, "arms.csv", true);
  assert_same_file(one, none, "arms.csv", false);
  char *summary = gbt_result_text(many, "summary.csv");
  cr_assert_eq(gbt_metric(summary, "catalog_updates"), 6, "2 changes on each of 3 shards");
  /* each shard gets a copy from each of the 2 simulator threads: one applied, one dropped */
  cr_assert_eq(gbt_metric(summary, "events_duplicate"), 6);
  cr_assert_eq(gbt_metric(summary, "events_lost"), 0);
  free(summary);
  free(one);
  free(many);
  free(paced);
  free(none);
}

Test(run, bad_control_files_exit_2_naming_the_line) {
  write_control_fixtures();
  char *bad = gbt_path(tmp, "bad.jsonl");
  struct {
    const char *text, *fragment;
  } cases[] = {
      {"{\"event_id\":1,\"type\":\"challenge_delete\",\"ts\":1," CONTROL_HEAD
       ",\"challenge_id\":\"x\"}\n",
       "bad.jsonl:1: takes effect at sim time 1, outside the run's sim time"},
      {"\n{\"event_id\":1,\"type\":\"session_start\",\"ts\":" START_MS "," CONTROL_HEAD "}\n",
       "bad.jsonl:2: type 'session_start': expected challenge_upsert or challenge_delete"},
      {"{\"event_id\":1,\"type\":\"challenge_upsert\",\"ts\":" START_MS "," CONTROL_HEAD
       ",\"definition\":{\"id\":\"y\"}}\n",
       "bad.jsonl:1: challenge_upsert:1: definition 'y': criteria"},
      {"{\"event_id\":7,\"type\":\"challenge_delete\",\"ts\":" START_MS "," CONTROL_HEAD
       ",\"challenge_id\":\"x\"}\n"
       "{\"event_id\":7,\"type\":\"challenge_delete\",\"ts\":" START_MS "," CONTROL_HEAD
       ",\"challenge_id\":\"z\"}\n",
       "bad.jsonl:2: event_id 7 already used on line 1"},
      {"{\"event_id\":1,\"type\":\"challenge_delete\"}\n", "bad.jsonl:1: "},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    gbt_write_file(bad, cases[i].text);
    char *dir = gbt_path(tmp, "bad");
    gbt_proc p = gbt_gamebench("run workloads/default.yaml %s --set sim.start=2026-01-05T12:00:00Z "
                               "--control '%s' --out '%s'",
                               SMALL, bad, dir);
    cr_assert_eq(p.status, 2, "case %zu: exit %d\n%s", i, p.status, p.err);
    cr_assert(strstr(p.err, cases[i].fragment), "case %zu: '%s' should say '%s'", i, p.err,
              cases[i].fragment);
    cr_assert_not(gbt_exists(dir), "no results directory for bad input");
    gbt_proc_free(&p);
    free(dir);
  }
  gbt_proc p = gbt_gamebench("run workloads/default.yaml %s --control '%s/nope.jsonl'", SMALL, tmp);
  cr_assert_eq(p.status, 2);
  cr_assert(strstr(p.err, "nope.jsonl: cannot open: No such file"), "%s", p.err);
  gbt_proc_free(&p);
  free(bad);
}

/* ---- partitions.csv */

Test(run, partitions_csv_reconciles_each_shard) {
  write_control_fixtures();
  /* 2 shards, 2 simulator threads and an operator's change: a copy per shard and thread */
  char *dir = control_run("parts", "full.yaml", "at_start.jsonl",
                          "--set engine.threads=2 --set sim.threads=2");
  unsigned long long rows[4][GBT_PART_COLS];
  cr_assert_eq(gbt_read_partitions(dir, rows, 4), 2, "in process: one row per shard");
  char *summary = gbt_result_text(dir, "summary.csv");
  unsigned long long total = 0;
  for (int p = 0; p < 2; p++) {
    unsigned long long *r = rows[p];
    cr_assert_eq(r[GBT_P_ID], (unsigned long long)p);
    cr_assert_gt(r[GBT_P_SENT], 2, "players on both shards");
    cr_assert_eq(r[GBT_P_PRODUCED], r[GBT_P_SENT]);
    cr_assert_eq(r[GBT_P_ACKED], r[GBT_P_SENT]);
    cr_assert_eq(r[GBT_P_CONSUMED], r[GBT_P_SENT]);
    cr_assert_eq(r[GBT_P_DELIVERED], r[GBT_P_SENT]);
    cr_assert_eq(r[GBT_P_FAILED] + r[GBT_P_REPLAYED] + r[GBT_P_REDELIVERED] + r[GBT_P_GAPS] +
                     r[GBT_P_LOST],
                 0);
    total += r[GBT_P_SENT];
  }
  cr_assert_eq((double)total, gbt_metric(summary, "events_generated"));
  cr_assert_eq(gbt_metric(summary, "events_lost"), 0);
  cr_assert_eq(gbt_metric(summary, "events_replayed"), 0);
  free(summary);
  char *report = NULL;
  gbt_proc p = gbt_gamebench("report '%s' --no-plots", dir);
  cr_assert_eq(p.status, 0, "%s", p.err);
  gbt_proc_free(&p);
  report = gbt_result_text(dir, "report.md");
  cr_assert(strstr(report, "## Partitions\n\n**Partitions balance**: all 2 partitions balance"),
            "%s", report);
  cr_assert(strstr(report, "| partition | sent | produced | failed | acknowledged | consumed |"),
            "%s", report);
  free(report);
  free(dir);
}
