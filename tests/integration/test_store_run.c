/* End to end: the Steam-style store in runs (sim.platform store and mixed). The same workload
 * and seed give byte-identical store_arms.csv whatever the threads and the transport; learning
 * arms beat random; the oracle bounds every arm; bad store workloads exit 2 with no results. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gb_csv.h"
#include "gb_test_results.h"
#include "gb_test_support.h"

#define STORE GB_SOURCE_DIR "/tests/fixtures/workloads/store.yaml"
#define MIXED GB_SOURCE_DIR "/tests/fixtures/workloads/mixed_small.yaml"

static char *tmp;

static void setup(void) { tmp = gbt_tmpdir(); }
static void teardown(void) {
  gbt_rmtree(tmp);
  free(tmp);
}

TestSuite(store_run, .init = setup, .fini = teardown, .timeout = 300);

static char *run_into(const char *workload, const char *name, const char *sets) {
  char *dir = gbt_path(tmp, name);
  gbt_proc p = gbt_gamebench("run %s --quiet --no-report --set warmup=0s %s --out '%s'", workload,
                             sets, dir);
  cr_assert_eq(p.status, 0, "exit %d\nstdout: %s\nstderr: %s", p.status, p.out, p.err);
  gbt_proc_free(&p);
  return dir;
}

/* The value of column col in arm's row of store_arms.csv. */
static double cell(const char *dir, const char *arm, const char *col) {
  char *path = gbt_path(dir, "store_arms.csv");
  gb_csv_table *t = NULL;
  gb_err err = {0};
  cr_assert_eq(gb_csv_table_read(path, &t, &err), 0, "%s", err.msg);
  size_t c = 0;
  cr_assert(gb_csv_table_find(t, col, &c), "no column %s", col);
  double v = NAN;
  for (size_t r = 0; r < gb_csv_table_rows(t); r++)
    if (strcmp(gb_csv_table_cell(t, r, 0), arm) == 0)
      v = strtod(gb_csv_table_cell(t, r, c), NULL);
  gb_csv_table_free(t);
  free(path);
  return v;
}

Test(store_run, reconciles_and_learning_arms_beat_random) {
  char *dir = run_into(STORE, "one", "");
  char *summary = gbt_result_text(dir, "summary.csv");
  cr_assert_gt(gbt_metric(summary, "events_generated"), 10000);
  cr_assert_eq(gbt_metric(summary, "events_processed"), gbt_metric(summary, "events_generated"));
  cr_assert_eq(gbt_metric(summary, "events_lost"), 0);
  cr_assert_eq(gbt_metric(summary, "answers_received"), gbt_metric(summary, "decisions"));
  /* popularity and a personalized arm: their CTR@k intervals lie above random's */
  double random_hi = cell(dir, "random", "ctr_at_k_ci_high");
  cr_assert_gt(cell(dir, "popularity", "ctr_at_k_ci_low"), random_hi);
  cr_assert_gt(cell(dir, "itemknn", "ctr_at_k_ci_low"), random_hi);
  cr_assert_gt(cell(dir, "itemknn", "conversion_ci_low"),
               cell(dir, "random", "conversion_ci_high"));
  /* the oracle's expected purchases bound every arm's */
  double oracle = cell(dir, "oracle", "expected_purchases_per_slate");
  const char *arms[] = {"random", "popularity", "itemknn", "als", "egreedy"};
  for (size_t i = 0; i < sizeof arms / sizeof arms[0]; i++) {
    double e = cell(dir, arms[i], "expected_purchases_per_slate");
    cr_assert(e > 0 && e < oracle, "%s: %g vs the oracle's %g", arms[i], e, oracle);
    cr_assert_gt(cell(dir, arms[i], "evaluable_slates"), 0, "%s", arms[i]);
    double ndcg = cell(dir, arms[i], "ndcg_at_k");
    cr_assert(ndcg >= 0 && ndcg <= 1, "%s: ndcg %g", arms[i], ndcg);
  }
  /* random shows the most of the catalogue, popularity the least surprising apps */
  cr_assert_gt(cell(dir, "random", "coverage"), cell(dir, "popularity", "coverage"));
  cr_assert_gt(cell(dir, "random", "novelty_bits"), cell(dir, "popularity", "novelty_bits"));
  free(summary);
  free(dir);
}

Test(store_run, identical_whatever_the_threads) {
  char *a = run_into(STORE, "a", "");
  char *b = run_into(STORE, "b", "--set engine.threads=2 --set sim.threads=2");
  gbt_assert_same_bytes(a, b, "store_arms.csv");
  gbt_assert_same_bytes(a, b, "store_realism.csv");
  free(a);
  free(b);
}

Test(store_run, mixed_identical_in_process_and_through_the_embedded_broker) {
  char *a = run_into(MIXED, "inproc", "");
  char *b = run_into(MIXED, "kafka", "--set transport.kind=kafka --set engine.threads=2");
  gbt_assert_same_bytes(a, b, "arms.csv");
  gbt_assert_same_bytes(a, b, "store_arms.csv");
  char *summary = gbt_result_text(b, "summary.csv");
  cr_assert_eq(gbt_metric(summary, "events_lost"), 0);
  cr_assert_eq(gbt_metric(summary, "events_processed"), gbt_metric(summary, "events_generated"));
  free(summary);
  /* both platforms ran: props on the card side, slates on the store's */
  cr_assert_gt(cell(a, "random", "slates"), 0);
  char *arms = gbt_result_text(a, "arms.csv");
  cr_assert_not_null(strstr(arms, "\nrandom,random,"));
  cr_assert_null(strstr(arms, "\nrandom,random,0,0,"), "%s", arms);
  free(arms);
  free(a);
  free(b);
}

/* A bad store workload: exit 2, the message names the key, no results directory. */
static void assert_refused(const char *workload, const char *sets, const char *needle) {
  char *dir = gbt_path(tmp, "refused");
  gbt_proc p = gbt_gamebench("run %s --quiet --no-report %s --out '%s'", workload, sets, dir);
  cr_assert_eq(p.status, 2, "%s: exit %d\nstderr: %s", sets, p.status, p.err);
  cr_assert_not_null(strstr(p.err, needle), "%s: stderr: %s", sets, p.err);
  cr_assert_not(gbt_exists(dir), "%s", sets);
  gbt_proc_free(&p);
  free(dir);
}

Test(store_run, bad_store_workloads_exit_2) {
  assert_refused(STORE, "--set arms[1].algorithm=linucb", "arms[1].algorithm");
  assert_refused(STORE, "--set store.slate=17", "store.slate");
  assert_refused(STORE, "--set store.apps=0", "store.apps");
  assert_refused(STORE, "--set sim.platform=steam", "sim.platform");
  assert_refused(STORE, "--set sim.platform=card", "arms[3].algorithm"); /* als ranks only */
  assert_refused(STORE, "--set store.catalog=/nonexistent/catalog.csv", "catalog.csv");
}
