/* The run's merge of the shards' decision logs: decisions.csv through the real executable — the
 * same bytes with 1 and 2 engine threads, one row per decision, sorted, each with the outcome
 * the players' feedback and the engine's progress tracking told (docs/results.md). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gb_csv.h"
#include "gb_features.h"
#include "gb_test_results.h"
#include "gb_test_support.h"

/* A short closed-loop run: 300 players, 2 sim hours, as fast as possible (~330 decisions). */
#define SMALL                                                                                      \
  "--set sim.players=300 --set sim.duration=2h --set sim.time_scale=max --set warmup=0s "          \
  "--quiet --no-report"

static char *tmp;

static void setup(void) { tmp = gbt_tmpdir(); }
static void teardown(void) {
  gbt_rmtree(tmp);
  free(tmp);
}

TestSuite(run_merge, .init = setup, .fini = teardown);

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

/* The sum over the arms of an arms.csv column (the oracle row has none). */
static long long arms_total(const gb_csv_table *arms, const char *column) {
  size_t col;
  cr_assert(gb_csv_table_find(arms, column, &col), "%s", column);
  long long sum = 0;
  for (size_t r = 0; r < gb_csv_table_rows(arms); r++) {
    int64_t v;
    if (strcmp(gb_csv_table_cell(arms, r, 0), "oracle") == 0)
      continue;
    cr_assert_eq(gb_csv_table_i64(arms, r, col, &v, NULL), 0);
    sum += v;
  }
  return sum;
}

Test(run_merge, decisions_csv_is_the_same_with_1_and_2_engine_threads) {
  char *one = run_into("one", "--set engine.threads=1");
  char *two = run_into("two", "--set engine.threads=2 --set sim.threads=2");
  gbt_assert_same_result(one, two, "decisions.csv");
  char *text = gbt_result_text(one, "decisions.csv");
  char header[1024];
  int n = snprintf(header, sizeof header,
                   "decision_id,player_id,ts,arm,n_eligible,chosen,prop_id,propensity,outcome");
  for (int f = 0; f < GB_FEAT__COUNT; f++)
    n += snprintf(header + n, sizeof header - (size_t)n, ",%s", gb_feature_name((gb_feature)f));
  snprintf(header + n, sizeof header - (size_t)n, ",country,platform,install_day,candidates\n");
  cr_assert(strncmp(text, header, strlen(header)) == 0, "header:\n%.400s", text);
  free(text);
  free(one);
  free(two);
}

/* Every decision once, in decision_id order; the props' outcomes agree with what the simulated
 * players did (arms.csv counts it on their side). */
Test(run_merge, one_row_per_decision_with_the_outcome_of_its_prop) {
  char *dir = run_into("r", "");
  char *summary = gbt_result_text(dir, "summary.csv");
  gb_csv_table *t = read_table(dir, "decisions.csv");
  gb_csv_table *arms = read_table(dir, "arms.csv");
  size_t rows = gb_csv_table_rows(t);
  cr_assert_gt(rows, 100u);
  cr_assert_eq((double)rows, gbt_metric(summary, "decisions"));
  size_t c_id, c_ts, c_chosen, c_prop, c_outcome;
  cr_assert_eq(gb_csv_table_require(t, "decision_id", &c_id, NULL), 0);
  cr_assert_eq(gb_csv_table_require(t, "ts", &c_ts, NULL), 0);
  cr_assert_eq(gb_csv_table_require(t, "chosen", &c_chosen, NULL), 0);
  cr_assert_eq(gb_csv_table_require(t, "prop_id", &c_prop, NULL), 0);
  cr_assert_eq(gb_csv_table_require(t, "outcome", &c_outcome, NULL), 0);
  long long props = 0, by[5] = {0}; /* discarded, expired, used (or further), completed, none */
  const char *names[] = {"discarded", "expired", "used", "completed", "none"};
  int64_t last = 0;
  for (size_t r = 0; r < rows; r++) {
    int64_t id;
    cr_assert_eq(gb_csv_table_i64(t, r, c_id, &id, NULL), 0);
    cr_assert_gt(id, last, "row %zu: sorted by decision_id", r);
    last = id;
    const char *ts = gb_csv_table_cell(t, r, c_ts);
    cr_assert(strlen(ts) == 24 && strncmp(ts, "2026-01-05T1", 12) == 0 && ts[19] == '.' &&
                  ts[23] == 'Z',
              "row %zu: ts '%s'", r, ts);
    bool prop = gb_csv_table_cell(t, r, c_chosen)[0] != '\0';
    props += prop;
    const char *prop_id = gb_csv_table_cell(t, r, c_prop);
    cr_assert(prop ? strtoll(prop_id, NULL, 10) == id : prop_id[0] == '\0', "row %zu", r);
    const char *o = gb_csv_table_cell(t, r, c_outcome);
    if (strcmp(o, "failed") == 0 || strcmp(o, "completed") == 0)
      by[2]++;
    for (int i = 0; i < 5; i++)
      by[i] += strcmp(o, names[i]) == 0;
    cr_assert(prop || strcmp(o, "none") == 0, "row %zu: no prop, outcome %s", r, o);
  }
  cr_assert_eq(props, arms_total(arms, "props_generated"));
  cr_assert_eq(by[0], arms_total(arms, "props_discarded"));
  cr_assert_eq(by[1], arms_total(arms, "props_expired"));
  cr_assert_eq(by[2], arms_total(arms, "props_used"), "used, failed or completed");
  /* the players learn a completion with their next answer: some may not have had one */
  cr_assert_geq(by[3], arms_total(arms, "props_completed"));
  cr_assert_gt(by[3], 0, "a 2-hour run completes challenges");
  gb_csv_table_free(t);
  gb_csv_table_free(arms);
  free(summary);
  free(dir);
}
