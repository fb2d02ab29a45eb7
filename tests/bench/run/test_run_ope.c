/* ope.csv: the exact bytes for a small input, undefined values as empty cells, quoting, the
 * header alone, nothing written on an error; and the printed summary. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gb_run_ope.h"
#include "gb_test_support.h"

#define NO GB_OPE_NO_PROP

/* Three identical rows: every resample is the sample, so every interval is its estimate. The
 * logging arm sent challenge 10 of {10, 20} with propensity 1/2 and it was used; the truth is
 * 0.8 for 10 and 0.3 for 20. "greedy" chose 10 each time: replay 1, IPS 2, SNIPS 1, DM = DR = 1
 * (the model's only challenge always used); truth 0.8. "control" sends no prop: no matched row
 * (replay and SNIPS undefined), everything else 0. */
static const uint32_t C[] = {10, 20};
static const double T[] = {0.8, 0.3};

static void fill(gb_ope_row *rows, uint32_t target) {
  for (int i = 0; i < 3; i++)
    rows[i] = (gb_ope_row){.n = 2,
                           .candidates = C,
                           .truth = T,
                           .logged = 0,
                           .propensity = 0.5,
                           .reward = 1,
                           .target = target,
                           .target_prob = 1};
}

static const char EXPECTED[] = "target_arm,algorithm,estimator,estimate,ci_low,ci_high,truth,"
                               "error,rows,matched_rows\n"
                               "greedy,egreedy,replay,1,1,1,0.8,0.2,3,3\n"
                               "greedy,egreedy,ips,2,2,2,0.8,1.2,3,3\n"
                               "greedy,egreedy,snips,1,1,1,0.8,0.2,3,3\n"
                               "greedy,egreedy,dm,1,1,1,0.8,0.2,3,3\n"
                               "greedy,egreedy,dr,1,1,1,0.8,0.2,3,3\n"
                               "\"control, no props\",none,replay,,,,0,,3,0\n"
                               "\"control, no props\",none,ips,0,0,0,0,0,3,0\n"
                               "\"control, no props\",none,snips,,,,0,,3,0\n"
                               "\"control, no props\",none,dm,0,0,0,0,0,3,0\n"
                               "\"control, no props\",none,dr,0,0,0,0,0,3,0\n";

static char *read_ope(const char *dir) {
  char *path = gbt_path(dir, "ope.csv");
  size_t len = 0;
  char *text = gbt_read_file(path, &len);
  free(path);
  return text;
}

Test(run_ope, exact_bytes_of_a_small_input) {
  gb_ope_row greedy[3], control[3];
  fill(greedy, 0);
  fill(control, NO);
  gb_run_ope_target targets[] = {{"greedy", "egreedy", greedy, 3},
                                 {"control, no props", "none", control, 3}};
  char *dir = gbt_tmpdir();
  gb_err err = {0};
  gb_ope_opts opt = {.resamples = 50, .seed = 9};
  cr_assert_eq(gb_run_ope_write(dir, targets, 2, &opt, &err), 0, "%s", err.msg);
  char *text = read_ope(dir);
  cr_assert_not_null(text);
  cr_assert_str_eq(text, EXPECTED);
  cr_assert(!gbt_has_tmp_file(dir));
  free(text);
  gbt_rmtree(dir);
  free(dir);
}

Test(run_ope, no_target_writes_the_header_alone) {
  char *dir = gbt_tmpdir();
  gb_err err = {0};
  cr_assert_eq(gb_run_ope_write_results(dir, NULL, NULL, 0, &err), 0, "%s", err.msg);
  char *text = read_ope(dir);
  cr_assert_str_eq(text, "target_arm,algorithm,estimator,estimate,ci_low,ci_high,truth,error,"
                         "rows,matched_rows\n");
  free(text);
  gbt_rmtree(dir);
  free(dir);
}

Test(run_ope, a_bad_row_names_its_target_and_writes_nothing) {
  gb_ope_row good[3], bad[3];
  fill(good, 0);
  fill(bad, 0);
  bad[1].propensity = 2;
  gb_run_ope_target targets[] = {{"greedy", "egreedy", good, 3}, {"ts", "thompson", bad, 3}};
  char *dir = gbt_tmpdir();
  gb_err err = {0};
  gb_ope_opts opt = {.resamples = 10};
  cr_assert_eq(gb_run_ope_write(dir, targets, 2, &opt, &err), -1);
  cr_assert_eq(err.kind, GB_ERR_INPUT);
  cr_assert_str_eq(err.msg, "ope: target 'ts': ope: row 1: propensity 2 is outside (0, 1]");
  char *path = gbt_path(dir, "ope.csv");
  cr_assert(!gbt_exists(path));
  cr_assert(!gbt_has_tmp_file(dir));
  free(path);
  gbt_rmtree(dir);
  free(dir);
}

Test(run_ope, an_unwritable_directory_is_a_runtime_error_naming_the_file) {
  gb_err err = {0};
  cr_assert_eq(gb_run_ope_write_results("/nonexistent/gamebench", NULL, NULL, 0, &err), -1);
  cr_assert_eq(err.kind, GB_ERR_RUNTIME);
  cr_assert(strstr(err.msg, "/nonexistent/gamebench/ope.csv"), "%s", err.msg);
}

Test(run_ope, the_summary_prints_dr_against_the_truth) {
  gb_ope_row greedy[3];
  fill(greedy, 0);
  gb_run_ope_target t[] = {{"greedy", "egreedy", greedy, 3}, {"blind", "random", greedy, 3}};
  gb_ope_result r[2];
  gb_err err = {0};
  gb_ope_opts opt = {.resamples = 10};
  cr_assert_eq(gb_run_ope_evaluate(t, 2, &opt, r, &err), 0, "%s", err.msg);
  r[1].truth = NAN;
  char *buf = NULL;
  size_t len = 0;
  FILE *out = open_memstream(&buf, &len);
  gb_run_ope_print(out, t, r, 2);
  fclose(out);
  cr_assert_str_eq(buf, "ope: greedy (egreedy): dr 1.0000 [1.0000, 1.0000] truth 0.8000 error "
                        "+0.2000 (outside the interval)\n"
                        "ope: blind (random): dr 1.0000 [1.0000, 1.0000] truth unknown\n");
  free(buf);
}
