#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "gb_runset.h"
#include "gb_test_support.h"

/* Run sets over synthetic results directories written by each test. */

static char *tmp;

static void setup(void) { tmp = gbt_tmpdir(); }
static void teardown(void) {
  gbt_rmtree(tmp);
  free(tmp);
}

TestSuite(runset, .init = setup, .fini = teardown);

/* Writes DIR/sub/name (sub NULL: DIR/name), creating the folders. */
static void put(const char *dir, const char *sub, const char *name, const char *text) {
  char path[1024];
  mkdir(dir, 0755);
  if (sub) {
    snprintf(path, sizeof path, "%s/%s", dir, sub);
    mkdir(path, 0755);
    snprintf(path, sizeof path, "%s/%s/%s", dir, sub, name);
  } else {
    snprintf(path, sizeof path, "%s/%s", dir, name);
  }
  gbt_write_file(path, text);
}

static gb_runset *load(const char *const *dirs, size_t n) {
  gb_runset *s = NULL;
  gb_err err = {0};
  cr_assert_eq(gb_runset_load(dirs, n, &s, &err), 0, "%s", err.msg);
  return s;
}

static void assert_load_error(const char *const *dirs, size_t n, const char *want) {
  gb_runset *s = NULL;
  gb_err err = {0};
  cr_assert_eq(gb_runset_load(dirs, n, &s, &err), -1);
  cr_assert_null(s);
  cr_assert_eq(err.kind, GB_ERR_INPUT);
  cr_assert(strstr(err.msg, want), "message: %s\nwant: %s", err.msg, want);
}

static size_t metric(const gb_runset *s, const char *name) {
  size_t i;
  cr_assert(gb_runset_find_metric(s, name, &i), "no metric %s", name);
  return i;
}

/* A repeat directory (3 repeats) and a plain run, aligned: values per repeat, the union of
 * metrics (b_only exists only in the plain run), absent values NaN, units kept. */
Test(runset, repeats_and_a_plain_run_are_aligned_by_metric) {
  char *rep = gbt_path(tmp, "rep"), *plain = gbt_path(tmp, "plain");
  put(rep, "repeat-1", "summary.csv",
      "metric,value,unit\nevents_generated,100,events\nlatency_e2e_p99_us,10,us\n");
  put(rep, "repeat-2", "summary.csv",
      "metric,value,unit\nevents_generated,100,events\nlatency_e2e_p99_us,12,us\n");
  put(rep, "repeat-3", "summary.csv", "metric,value,unit\nevents_generated,100,events\n");
  put(rep, NULL, "summary.csv", "metric,value,unit\nignored_top_level,1,x\n");
  put(plain, NULL, "summary.csv",
      "metric,value,unit\nb_only,7,props\nlatency_e2e_p99_us,20,us\nevents_generated,,events\n");
  const char *dirs[] = {rep, plain};
  gb_runset *s = load(dirs, 2);
  cr_assert_eq(gb_runset_runs(s), 2);
  cr_assert_eq(gb_runset_repeats(s, 0), 3);
  cr_assert(gb_runset_is_repeated(s, 0));
  cr_assert_eq(gb_runset_repeats(s, 1), 1);
  cr_assert_not(gb_runset_is_repeated(s, 1));
  cr_assert_str_eq(gb_runset_dir(s, 1), plain);
  size_t n;
  const char *const *names = gb_runset_metrics(s, &n);
  cr_assert_eq(n, 3, "the top level of a repeat directory is not read");
  cr_assert_str_eq(names[0], "events_generated");
  cr_assert_str_eq(names[1], "latency_e2e_p99_us");
  cr_assert_str_eq(names[2], "b_only");
  const double *p99 = gb_runset_values(s, 0, metric(s, "latency_e2e_p99_us"));
  cr_assert_eq(p99[0], 10);
  cr_assert_eq(p99[1], 12);
  cr_assert(isnan(p99[2]), "repeat 3 lacks it");
  cr_assert_eq(gb_runset_values(s, 1, metric(s, "latency_e2e_p99_us"))[0], 20);
  cr_assert(isnan(gb_runset_values(s, 1, metric(s, "events_generated"))[0]), "an empty cell");
  const double *b_only = gb_runset_values(s, 0, metric(s, "b_only"));
  cr_assert(isnan(b_only[0]) && isnan(b_only[1]) && isnan(b_only[2]));
  cr_assert_str_eq(gb_runset_unit(s, metric(s, "b_only")), "props");
  size_t i;
  cr_assert_not(gb_runset_find_metric(s, "ignored_top_level", &i));
  cr_assert_not_null(gb_runset_results(s, 0, 2));
  gb_runset_free(s);
  free(rep);
  free(plain);
}

/* arms.csv: the union of arms, one value per repeat for each numeric column, NaN for an arm a
 * repeat lacks or an empty cell; stages from the latency metrics. */
Test(runset, arms_and_stages) {
  char *a = gbt_path(tmp, "a"), *b = gbt_path(tmp, "b");
  const char *summary = "metric,value,unit\nlatency_e2e_p99_us,1,us\nlatency_decode_p50_us,1,us\n";
  put(a, NULL, "summary.csv", summary);
  put(a, NULL, "arms.csv",
      "arm,algorithm,use_rate,ctr\nrandom,random,0.1,0.2\npopularity,popularity,0.3,\n");
  put(b, NULL, "summary.csv", "metric,value,unit\nlatency_match_p99_us,1,us\n");
  put(b, NULL, "arms.csv", "arm,algorithm,use_rate,regret_vs_oracle\ncf,cf,0.5,0.01\n");
  const char *dirs[] = {a, b};
  gb_runset *s = load(dirs, 2);
  size_t n, arm, use_rate, ctr, regret;
  const char *const *arms = gb_runset_arms(s, &n);
  cr_assert_eq(n, 3);
  cr_assert_str_eq(arms[0], "random");
  cr_assert_str_eq(arms[2], "cf");
  cr_assert(gb_runset_find_arm_column("use_rate", &use_rate));
  cr_assert(gb_runset_find_arm_column("ctr", &ctr));
  cr_assert(gb_runset_find_arm_column("regret_vs_oracle", &regret));
  cr_assert_not(gb_runset_find_arm_column("algorithm", &arm), "text columns are not aligned");
  cr_assert(gb_runset_find_arm(s, "popularity", &arm));
  cr_assert_eq(gb_runset_arm_values(s, 0, arm, use_rate)[0], 0.3);
  cr_assert(isnan(gb_runset_arm_values(s, 0, arm, ctr)[0]), "empty cell");
  cr_assert(isnan(gb_runset_arm_values(s, 1, arm, use_rate)[0]), "run b has no such arm");
  cr_assert(gb_runset_find_arm(s, "cf", &arm));
  cr_assert_eq(gb_runset_arm_values(s, 1, arm, regret)[0], 0.01);
  const char *const *stages = gb_runset_stages(s, &n);
  cr_assert_eq(n, 3);
  cr_assert_str_eq(stages[0], "e2e");
  cr_assert_str_eq(stages[1], "decode");
  cr_assert_str_eq(stages[2], "match");
  gb_runset_free(s);
  free(a);
  free(b);
}

Test(runset, errors_name_the_directory_and_file) {
  char *missing = gbt_path(tmp, "nope");
  const char *d1[] = {missing};
  assert_load_error(d1, 1, "nope: not a results directory");

  char *gap = gbt_path(tmp, "gap");
  put(gap, "repeat-1", "summary.csv", "metric,value,unit\nx,1,u\n");
  put(gap, "repeat-3", "summary.csv", "metric,value,unit\nx,1,u\n");
  const char *d2[] = {gap};
  assert_load_error(d2, 1, "gap: the repeat folders are not repeat-1/ … repeat-3/ (2 of them");

  char *bad = gbt_path(tmp, "bad");
  put(bad, "repeat-1", "summary.csv", "metric,value,unit\nx,1,u\n");
  put(bad, "repeat-2", "summary.csv", "metric,value,unit\nx,abc,u\n");
  const char *d3[] = {bad};
  assert_load_error(d3, 1, "bad/repeat-2/summary.csv:2");

  char *empty = gbt_path(tmp, "empty");
  mkdir(empty, 0755);
  const char *d4[] = {empty};
  assert_load_error(d4, 1, "summary.csv");

  gb_runset *s = NULL;
  gb_err err = {0};
  cr_assert_eq(gb_runset_load(NULL, 0, &s, &err), -1);
  cr_assert(strstr(err.msg, "no results directory"), "%s", err.msg);
  free(missing);
  free(gap);
  free(bad);
  free(empty);
}
