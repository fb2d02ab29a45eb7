/* End-to-end: `gamebench run` and `gamebench sim` through the real executable. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gb_repeat.h"
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

/* Value of a metric in summary.csv ("metric,value,unit"), or -1 when absent. */
static double metric(const char *summary, const char *name) {
  char key[128];
  snprintf(key, sizeof key, "\n%s,", name);
  const char *at = strstr(summary, key);
  return at ? atof(at + strlen(key)) : -1;
}

static char *run_into(const char *name, const char *extra) {
  char *dir = gbt_path(tmp, name);
  gbt_proc p = gbt_gamebench("run workloads/default.yaml %s %s --out '%s'", SMALL, extra, dir);
  cr_assert_eq(p.status, 0, "exit %d\nstdout: %s\nstderr: %s", p.status, p.out, p.err);
  cr_assert(strstr(p.out, dir), "prints the report path: %s", p.out);
  gbt_proc_free(&p);
  return dir;
}

static char *read_in(const char *dir, const char *file) {
  char *path = gbt_path(dir, file);
  char *text = gbt_read_file(path, NULL);
  cr_assert_not_null(text, "%s missing", path);
  free(path);
  return text;
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
  char *summary = read_in(dir, "summary.csv");
  double generated = metric(summary, "events_generated");
  /* ~1000 with the default player model (2 sessions a day, the evening peak) */
  cr_assert_gt(generated, 500, "a 2-hour run of 300 players generates events");
  cr_assert_eq(metric(summary, "events_processed"), generated);
  cr_assert_eq(metric(summary, "events_lost"), 0);
  cr_assert_eq(metric(summary, "events_rejected"), 0);
  cr_assert_eq(metric(summary, "rate_sustained"), 1);
  cr_assert_gt(metric(summary, "decisions"), 0);
  cr_assert_eq(metric(summary, "answers_received"), metric(summary, "decisions"));
  cr_assert_gt(metric(summary, "latency_e2e_p99_us"), 0);
  cr_assert_geq(metric(summary, "latency_decision_p99_us"),
                metric(summary, "latency_decision_p50_us"));
  char *arms = read_in(dir, "arms.csv");
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
  char *arms_a = read_in(a, "arms.csv"), *arms_b = read_in(b, "arms.csv");
  char *arms_c = read_in(c, "arms.csv");
  cr_assert_str_eq(arms_a, arms_b);
  cr_assert_str_eq(arms_a, arms_c);
  char *other = run_into("d", "--set seed=7");
  char *arms_d = read_in(other, "arms.csv");
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
  /* 100 k events meant for 10 ms of wall time: far beyond any machine. A small queue keeps the
   * uncorrected latency (from the actual send) short while the simulator falls behind. */
  gbt_proc p = gbt_gamebench("run workloads/default.yaml --set sim.players=50000 --set "
                             "sim.duration=1h --set sim.time_scale=360000 --set warmup=0s --set "
                             "engine.queue_capacity=1024 --no-report --out '%s'",
                             dir);
  cr_assert_eq(p.status, 0, "%s", p.err);
  cr_assert(strstr(p.err, "VERDICT: target rate not sustained"), "%s", p.err);
  char *summary = read_in(dir, "summary.csv");
  cr_assert_eq(metric(summary, "rate_sustained"), 0);
  cr_assert_lt(metric(summary, "achieved_rate_eps"), 0.99 * metric(summary, "target_rate_eps"));
  double corrected = metric(summary, "latency_e2e_p99_us");
  double uncorrected = metric(summary, "latency_e2e_uncorrected_p99_us");
  cr_assert_gt(corrected, 5 * uncorrected, "corrected p99 %.0f us, uncorrected %.0f us", corrected,
               uncorrected);
  cr_assert_eq(metric(summary, "events_lost"), 0);
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
  char *repeats = read_in(dir, "repeats.csv");
  cr_assert(strncmp(repeats, "metric,unit,repeat_1,repeat_2,repeat_3,combined\n", 48) == 0, "%s",
            repeats);
  char *summary = read_in(dir, "summary.csv");
  char *first = read_in(dir, "repeat-1/summary.csv");
  /* the event counts are deterministic, so their median is every repeat's value */
  cr_assert_eq(metric(summary, "events_generated"), metric(first, "events_generated"));
  cr_assert_eq(metric(summary, "rate_sustained"), 1);
  free(repeats);
  free(summary);
  free(first);
  free(dir);
}

Test(repeat, median_of_odd_and_even_counts) {
  double a[] = {5, 1, 3};
  cr_assert_float_eq(gb_repeat_median(a, 3), 3, 1e-12);
  double b[] = {4, 1, 3, 2};
  cr_assert_float_eq(gb_repeat_median(b, 4), 2.5, 1e-12);
}
