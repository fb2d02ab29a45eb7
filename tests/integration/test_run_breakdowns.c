/* End-to-end: the per-arm breakdowns of a run (arms_daily.csv, challenges.csv) through the real
 * executable — their totals are arms.csv's, and the three files are byte-identical whatever
 * engine.threads and sim.threads (docs/results.md). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gb_csv.h"
#include "gb_test_results.h"
#include "gb_test_support.h"

/* A short closed-loop run: 300 players, 2 sim hours (12 periods of 10 minutes), as fast as
 * possible. */
#define SMALL                                                                                      \
  "--set sim.players=300 --set sim.duration=2h --set sim.time_scale=max --set warmup=0s "          \
  "--quiet --no-report"

static char *tmp;

static void setup(void) { tmp = gbt_tmpdir(); }
static void teardown(void) {
  gbt_rmtree(tmp);
  free(tmp);
}

TestSuite(run_breakdowns, .init = setup, .fini = teardown);

static char *run_into(const char *name, const char *extra) {
  char *dir = gbt_path(tmp, name);
  gbt_proc p = gbt_gamebench("run workloads/default.yaml " SMALL " %s --out '%s'", extra, dir);
  cr_assert_eq(p.status, 0, "exit %d\nstderr: %s", p.status, p.err);
  gbt_proc_free(&p);
  return dir;
}

static gb_csv_table *read_table(const char *dir, const char *name) {
  char *path = gbt_path(dir, name);
  gb_csv_table *t = NULL;
  gb_err err = {0};
  cr_assert_eq(gb_csv_table_read(path, &t, &err), 0, "%s", err.msg);
  free(path);
  return t;
}

/* The sum of a column over the rows of one arm. */
static long long arm_total(const gb_csv_table *t, const char *arm, const char *column) {
  size_t c_arm, col;
  cr_assert_eq(gb_csv_table_require(t, "arm", &c_arm, NULL), 0);
  cr_assert_eq(gb_csv_table_require(t, column, &col, NULL), 0, "%s", column);
  long long sum = 0;
  for (size_t r = 0; r < gb_csv_table_rows(t); r++) {
    if (strcmp(gb_csv_table_cell(t, r, c_arm), arm) != 0)
      continue;
    int64_t v;
    cr_assert_eq(gb_csv_table_i64(t, r, col, &v, NULL), 0, "%s row %zu", column, r);
    sum += v;
  }
  return sum;
}

/* Rows of one arm in a table. */
static size_t arm_rows(const gb_csv_table *t, const char *arm) {
  size_t c_arm, n = 0;
  cr_assert_eq(gb_csv_table_require(t, "arm", &c_arm, NULL), 0);
  for (size_t r = 0; r < gb_csv_table_rows(t); r++)
    n += strcmp(gb_csv_table_cell(t, r, c_arm), arm) == 0;
  return n;
}

Test(run_breakdowns, daily_and_challenge_totals_are_the_arms_totals) {
  char *dir = run_into("r", "");
  gb_csv_table *arms = read_table(dir, "arms.csv");
  gb_csv_table *daily = read_table(dir, "arms_daily.csv");
  gb_csv_table *challenges = read_table(dir, "challenges.csv");
  const char *names[] = {"random", "control"}; /* the default workload's arms */
  for (size_t i = 0; i < 2; i++) {
    const char *a = names[i];
    cr_assert_eq(arm_rows(daily, a), 12u, "%s: 2 hours in 10-minute periods", a);
    cr_assert_eq(arm_total(daily, a, "decisions"), arm_total(arms, a, "decisions"), "%s", a);
    const char *props[] = {"props_generated", "props_used", "props_completed"};
    for (size_t j = 0; j < 3; j++) {
      long long total = arm_total(arms, a, props[j]);
      cr_assert_eq(arm_total(daily, a, props[j]), total, "%s %s", a, props[j]);
      cr_assert_eq(arm_total(challenges, a, props[j]), total, "%s %s", a, props[j]);
    }
  }
  cr_assert_gt(arm_total(arms, "random", "props_used"), 0, "the random arm's props are used");
  cr_assert_eq(arm_rows(challenges, "random"), arm_rows(challenges, "control"),
               "every challenge of the catalogue for every arm");
  char *text = gbt_result_text(dir, "arms.csv");
  cr_assert(strstr(text, ",regret_vs_oracle,lift_ci_low,lift_ci_high,lift_p_value,"
                         "expected_lift_vs_random,headroom\n"),
            "%s", text);
  free(text);
  gb_csv_table_free(arms);
  gb_csv_table_free(daily);
  gb_csv_table_free(challenges);
  free(dir);
}

Test(run_breakdowns, files_are_byte_identical_whatever_the_threads) {
  char *base = run_into("e1s1", "");
  const char *variants[][2] = {
      {"e2s1", "--set engine.threads=2"},
      {"e1s2", "--set sim.threads=2"},
      {"e2s2", "--set engine.threads=2 --set sim.threads=2"},
  };
  for (size_t i = 0; i < sizeof variants / sizeof variants[0]; i++) {
    char *dir = run_into(variants[i][0], variants[i][1]);
    gbt_assert_same_result(base, dir, "arms.csv");
    gbt_assert_same_result(base, dir, "arms_daily.csv");
    gbt_assert_same_result(base, dir, "challenges.csv");
    free(dir);
  }
  char *other = run_into("seed7", "--set seed=7");
  char *a = gbt_result_text(base, "arms_daily.csv"), *b = gbt_result_text(other, "arms_daily.csv");
  cr_assert_str_neq(a, b, "another seed gives another series: the comparison can fail");
  free(a);
  free(b);
  free(other);
  free(base);
}
