/* state.gbr (gb_run_raw.h) and `gamebench report --merge` (gb_run_merge_dirs.h): the raw state
 * round trip (one directory merged alone gives back every derived file byte for byte), the
 * addition (a directory merged with itself doubles every count and keeps the rates and the
 * maxima), the instance checks, bad inputs refused with exit 2 naming the directory and nothing
 * left behind, and --instance's own checks. The Kafka acceptance (two simulator instances and
 * two engines merge into the in-process arms.csv) is in tests/integration/test_kafka_real.c. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gb_run_raw.h"
#include "gb_test_results.h"
#include "gb_test_support.h"

/* A short closed-loop run: 300 players, 2 sim hours, as fast as possible (~1000 events). */
#define SMALL                                                                                      \
  "--set sim.players=300 --set sim.duration=2h --set sim.time_scale=max --set warmup=0s "          \
  "--quiet --no-report"

static char *tmp;

static void setup(void) { tmp = gbt_tmpdir(); }
static void teardown(void) {
  gbt_rmtree(tmp);
  free(tmp);
}

TestSuite(run_raw, .init = setup, .fini = teardown);

static char *run_into(const char *name, const char *extra) {
  char *dir = gbt_path(tmp, name);
  gbt_proc p = gbt_gamebench("run workloads/default.yaml " SMALL " %s --out '%s'", extra, dir);
  cr_assert_eq(p.status, 0, "exit %d\nstderr: %s", p.status, p.err);
  gbt_proc_free(&p);
  return dir;
}

/* `report --merge` of the given directories (a shell-quoted list) into tmp/name. */
static gbt_proc merge(const char *dirs, const char *name) {
  char *out = gbt_path(tmp, name);
  gbt_proc p = gbt_gamebench("report --merge %s --out '%s' --no-plots", dirs, out);
  free(out);
  return p;
}

static const char *const derived[] = {"summary.csv",   "latency.csv",    "timeline.csv",
                                      "arms.csv",      "arms_daily.csv", "challenges.csv",
                                      "partitions.csv"};

Test(run_raw, one_directory_merged_alone_gives_back_every_file) {
  char *a = run_into("a", "--set engine.threads=2");
  char *list = NULL;
  cr_assert(asprintf(&list, "'%s'", a) > 0);
  gbt_proc p = merge(list, "m");
  cr_assert_eq(p.status, 0, "exit %d\n%s", p.status, p.err);
  char *m = gbt_path(tmp, "m");
  for (size_t i = 0; i < sizeof derived / sizeof derived[0]; i++)
    gbt_assert_same_bytes(a, m, derived[i]);
  char *manifest = gbt_result_text(m, "manifest.json");
  cr_assert_not_null(strstr(manifest, "\"merged_from\""), "%s", manifest);
  free(manifest);
  gbt_proc_free(&p);
  free(list);
  free(m);
  free(a);
}

/* Every count of summary.csv that a merge adds. */
static const char *const counts[] = {"events_generated",
                                     "events_processed",
                                     "decisions",
                                     "answers_received",
                                     "props_generated",
                                     "latency_e2e_count",
                                     "latency_decision_count",
                                     "latency_send_uncorrected_count"};

/* players and decisions of arms.csv's first row (arm,algorithm,players,decisions,...). */
static void first_arm_counts(const char *csv, unsigned long *players, unsigned long *decisions) {
  const char *row = strchr(csv, '\n');
  cr_assert_not_null(row);
  const char *at = strchr(row + 1, ',');
  cr_assert_not_null(at);
  at = strchr(at + 1, ',');
  cr_assert_not_null(at);
  char *end = NULL;
  *players = strtoul(at + 1, &end, 10);
  cr_assert_eq(*end, ',', "%s", row);
  *decisions = strtoul(end + 1, &end, 10);
  cr_assert_eq(*end, ',', "%s", row);
}

Test(run_raw, a_directory_merged_with_itself_doubles_every_count) {
  char *a = run_into("a", "");
  char *list = NULL;
  cr_assert(asprintf(&list, "'%s' '%s'", a, a) > 0);
  gbt_proc p = merge(list, "m");
  cr_assert_eq(p.status, 0, "exit %d\n%s", p.status, p.err);
  char *m = gbt_path(tmp, "m");
  char *one = gbt_result_text(a, "summary.csv"), *two = gbt_result_text(m, "summary.csv");
  for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++) {
    cr_assert_gt(gbt_metric(one, counts[i]), 0, "%s", counts[i]);
    cr_assert_eq(gbt_metric(two, counts[i]), 2 * gbt_metric(one, counts[i]), "%s", counts[i]);
  }
  /* the same samples twice: the same maxima, and every percentile within a bucket (0.1 %) */
  cr_assert_eq(gbt_metric(two, "latency_e2e_max_us"), gbt_metric(one, "latency_e2e_max_us"));
  double p99 = gbt_metric(one, "latency_decision_p99_us");
  cr_assert_float_eq(gbt_metric(two, "latency_decision_p99_us"), p99, p99 * 0.001 + 0.001);
  cr_assert_eq(gbt_metric(two, "events_lost"), 0);
  cr_assert_eq(gbt_metric(two, "wall_seconds"), gbt_metric(one, "wall_seconds"),
               "the same start and length: the same span");
  unsigned long long r1[64][GBT_PART_COLS], r2[64][GBT_PART_COLS];
  size_t n1 = gbt_read_partitions(a, r1, 64), n2 = gbt_read_partitions(m, r2, 64);
  cr_assert_eq(n1, n2);
  for (size_t i = 0; i < n1; i++)
    cr_assert_eq(r2[i][GBT_P_DELIVERED], 2 * r1[i][GBT_P_DELIVERED]);
  /* arms.csv: twice the decisions and props, the same use rates */
  char *arms1 = gbt_result_text(a, "arms.csv"), *arms2 = gbt_result_text(m, "arms.csv");
  unsigned long players1, decisions1, players2, decisions2;
  first_arm_counts(arms1, &players1, &decisions1);
  first_arm_counts(arms2, &players2, &decisions2);
  cr_assert_eq(players2, 2 * players1);
  cr_assert_eq(decisions2, 2 * decisions1);
  free(arms1);
  free(arms2);
  free(one);
  free(two);
  gbt_proc_free(&p);
  free(list);
  free(m);
  free(a);
}

/* The merge failed with exit 2, its message naming `what`, and left nothing behind. */
static void assert_refused(gbt_proc *p, const char *name, const char *what) {
  cr_assert_eq(p->status, 2, "exit %d\n%s", p->status, p->err);
  cr_assert_not_null(strstr(p->err, what), "'%s' not in: %s", what, p->err);
  char *out = gbt_path(tmp, name), partial[4200];
  snprintf(partial, sizeof partial, "%s.partial", out);
  cr_assert(!gbt_exists(out) && !gbt_exists(partial), "%s left behind", out);
  free(out);
}

Test(run_raw, parts_of_another_run_are_refused_naming_the_directory) {
  char *a = run_into("a", ""), *b = run_into("b", "--set seed=99");
  char *list = NULL;
  cr_assert(asprintf(&list, "'%s' '%s'", a, b) > 0);
  gbt_proc p = merge(list, "m");
  char what[4200];
  snprintf(what, sizeof what, "--merge %s: another workload", b); /* the seed is in the hash */
  assert_refused(&p, "m", what);
  gbt_proc_free(&p);
  free(list);
  free(b);
  free(a);
}

Test(run_raw, a_directory_without_state_or_a_truncated_one_is_refused) {
  char *a = run_into("a", ""), *list = NULL;
  cr_assert(asprintf(&list, "'%s' '%s'", a, tmp) > 0);
  gbt_proc p = merge(list, "m");
  assert_refused(&p, "m", "no state.gbr");
  gbt_proc_free(&p);
  gbt_proc t = gbt_shell("truncate -s 300 '%s/state.gbr'", a);
  cr_assert_eq(t.status, 0);
  gbt_proc_free(&t);
  free(list);
  cr_assert(asprintf(&list, "'%s'", a) > 0);
  p = merge(list, "m");
  assert_refused(&p, "m", "ends early");
  gbt_proc_free(&p);
  p = merge("'/nonexistent'", "m");
  assert_refused(&p, "m", "--merge /nonexistent: no state.gbr");
  gbt_proc_free(&p);
  free(list);
  free(a);
}

Test(run_raw, an_existing_output_directory_is_refused) {
  char *a = run_into("a", ""), *list = NULL;
  cr_assert(asprintf(&list, "'%s'", a) > 0);
  char *out = gbt_path(tmp, "m");
  gbt_proc p = gbt_gamebench("report --merge '%s' --out '%s'", a, a);
  cr_assert_eq(p.status, 2, "%s", p.err);
  cr_assert_not_null(strstr(p.err, "already exists"), "%s", p.err);
  gbt_proc_free(&p);
  p = gbt_gamebench("report --merge '%s'", a);
  cr_assert_eq(p.status, 2);
  cr_assert_not_null(strstr(p.err, "--merge needs --out"), "%s", p.err);
  gbt_proc_free(&p);
  free(out);
  free(list);
  free(a);
}

/* Rewrites DIR/state.gbr as instance K (1-based) of N: what `sim --instance K/N` records. */
static void make_instance(const char *dir, unsigned k, unsigned n) {
  char *path = gbt_path(dir, GB_RUN_RAW_FILE);
  gb_run_raw *raw = NULL;
  gb_err err = {0};
  cr_assert_eq(gb_run_raw_load(path, &raw, &err), 0, "%s", err.msg);
  gb_workload w = {
      .resolved_hash = raw->id.workload_hash, .seed = raw->id.seed, .n_arms = raw->n_arms};
  raw->t.instance = k - 1;
  raw->t.instances = n;
  cr_assert_eq(gb_run_raw_write(dir, &w, &raw->t, &err), 0, "%s", err.msg);
  gb_run_raw_free(raw);
  free(path);
}

/* Copies tmp/a to tmp/name as instance K of N. */
static char *instance_copy(const char *a, const char *name, unsigned k, unsigned n) {
  char *dir = gbt_path(tmp, name);
  gbt_proc p = gbt_shell("cp -r '%s' '%s'", a, dir);
  cr_assert_eq(p.status, 0);
  gbt_proc_free(&p);
  make_instance(dir, k, n);
  return dir;
}

/* Copies tmp/a to tmp/name with every per-arm count zeroed: a part that added nothing to the
 * arms. */
static char *armless_copy(const char *a, const char *name) {
  char *dir = gbt_path(tmp, name), *path = gbt_path(dir, GB_RUN_RAW_FILE);
  gbt_proc p = gbt_shell("cp -r '%s' '%s'", a, dir);
  cr_assert_eq(p.status, 0);
  gbt_proc_free(&p);
  gb_run_raw *raw = NULL;
  gb_err err = {0};
  cr_assert_eq(gb_run_raw_load(path, &raw, &err), 0, "%s", err.msg);
  memset(raw->arms, 0, raw->n_arms * sizeof *raw->arms);
  memset(raw->periods, 0, raw->n_arms * raw->t.n_arm_periods * sizeof *raw->periods);
  memset(raw->challenges, 0, raw->n_arms * raw->t.n_challenge_slots * sizeof *raw->challenges);
  gb_workload w = {
      .resolved_hash = raw->id.workload_hash, .seed = raw->id.seed, .n_arms = raw->n_arms};
  cr_assert_eq(gb_run_raw_write(dir, &w, &raw->t, &err), 0, "%s", err.msg);
  gb_run_raw_free(raw);
  free(path);
  return dir;
}

/* Each part's own sums are added, whatever its place in the list. */
Test(run_raw, each_part_adds_its_own_counts) {
  char *a = run_into("a", ""), *z = armless_copy(a, "z");
  static const char *const arm_files[] = {"arms.csv", "arms_daily.csv", "challenges.csv"};
  for (int order = 0; order < 2; order++) {
    char *list = NULL, name[16];
    snprintf(name, sizeof name, "m%d", order);
    cr_assert(asprintf(&list, "'%s' '%s'", order ? z : a, order ? a : z) > 0);
    gbt_proc p = merge(list, name);
    cr_assert_eq(p.status, 0, "exit %d\n%s", p.status, p.err);
    char *m = gbt_path(tmp, name);
    for (size_t i = 0; i < sizeof arm_files / sizeof arm_files[0]; i++)
      gbt_assert_same_bytes(a, m, arm_files[i]);
    gbt_proc_free(&p);
    free(list);
    free(m);
  }
  free(z);
  free(a);
}

Test(run_raw, instances_must_each_come_once) {
  char *a = run_into("a", "");
  char *i1 = instance_copy(a, "i1", 1, 2), *i2 = instance_copy(a, "i2", 2, 2);
  char *i1b = instance_copy(a, "i1b", 1, 2), *j = instance_copy(a, "j", 1, 3);
  char *list = NULL;
  cr_assert(asprintf(&list, "'%s' '%s'", i1, i2) > 0);
  gbt_proc p = merge(list, "ok");
  cr_assert_eq(p.status, 0, "every instance once: %s", p.err);
  char *ok = gbt_path(tmp, "ok"), *manifest = gbt_result_text(ok, "manifest.json");
  cr_assert_not_null(strstr(manifest, "\"instance\": \"2/2\""), "%s", manifest);
  gbt_proc_free(&p);
  free(list);
  cr_assert(asprintf(&list, "'%s'", i1) > 0);
  p = merge(list, "m");
  assert_refused(&p, "m", "instance 2/2 is missing");
  gbt_proc_free(&p);
  free(list);
  cr_assert(asprintf(&list, "'%s' '%s' '%s'", i1, i2, i1b) > 0);
  p = merge(list, "m");
  assert_refused(&p, "m", "instance 1/2 again");
  gbt_proc_free(&p);
  free(list);
  cr_assert(asprintf(&list, "'%s' '%s'", i1, j) > 0);
  p = merge(list, "m");
  assert_refused(&p, "m", "instance of 3");
  gbt_proc_free(&p);
  free(list);
  cr_assert(asprintf(&list, "'%s' '%s'", a, i1) > 0);
  p = merge(list, "m");
  assert_refused(&p, "m", "whole run");
  gbt_proc_free(&p);
  free(list);
  free(manifest);
  free(ok);
  free(j);
  free(i1b);
  free(i2);
  free(i1);
  free(a);
}

/* --instance's own checks come before any broker is contacted. */
Test(run_raw, a_bad_instance_is_refused_naming_the_option) {
  static const char *const bad[] = {"3/2", "0/2", "1/", "x/2", "1/2/3", "1/300"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    gbt_proc p = gbt_gamebench("sim workloads/default.yaml --to kafka --brokers 127.0.0.1:1 "
                               "--instance %s --quiet",
                               bad[i]);
    cr_assert_eq(p.status, 2, "%s: exit %d %s", bad[i], p.status, p.err);
    cr_assert_not_null(strstr(p.err, "--instance"), "%s: %s", bad[i], p.err);
    gbt_proc_free(&p);
  }
  gbt_proc p = gbt_gamebench("sim workloads/default.yaml --to kafka --brokers 127.0.0.1:1 "
                             "--instance 2/2 --set sim.threads=1 --quiet");
  cr_assert_eq(p.status, 2, "exit %d %s", p.status, p.err);
  cr_assert_not_null(strstr(p.err, "sim.threads"), "%s", p.err);
  gbt_proc_free(&p);
  p = gbt_gamebench("sim workloads/default.yaml --instance 1/2 --out -");
  cr_assert_eq(p.status, 2);
  cr_assert_not_null(strstr(p.err, "--instance needs --to kafka"), "%s", p.err);
  gbt_proc_free(&p);
}
