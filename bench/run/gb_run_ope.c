#include "gb_run_ope.h"

#include <math.h>
#include <stdlib.h>

#include "gb_csv.h"
#include "gb_path.h"

int gb_run_ope_evaluate(const gb_run_ope_target *targets, size_t n, const gb_ope_opts *opt,
                        gb_ope_result *results, gb_err *err) {
  for (size_t i = 0; i < n; i++)
    if (gb_ope_evaluate(targets[i].rows, targets[i].n_rows, NULL, opt, &results[i], err) != 0)
      return gb_err_prefix(err, "ope: target '%s': ", targets[i].arm);
  return 0;
}

static void target_rows(gb_csv_writer *w, const gb_run_ope_target *t, const gb_ope_result *r,
                        gb_err *err) {
  for (int e = 0; e < GB_OPE__COUNT; e++) {
    const gb_ope_estimate *est = &r->est[e];
    gb_csv_cell_str(w, t->arm, err);
    gb_csv_cell_str(w, t->algorithm, err);
    gb_csv_cell_str(w, gb_ope_estimator_name(e), err);
    gb_csv_cell_f64(w, est->value, err);
    gb_csv_cell_f64(w, est->ci_low, err);
    gb_csv_cell_f64(w, est->ci_high, err);
    gb_csv_cell_f64(w, r->truth, err);
    gb_csv_cell_f64(w, est->error, err);
    gb_csv_cell_i64(w, (int64_t)r->rows, err);
    gb_csv_cell_i64(w, (int64_t)r->matched, err);
    gb_csv_end_row(w, err);
  }
}

int gb_run_ope_write_results(const char *dir, const gb_run_ope_target *targets,
                             const gb_ope_result *results, size_t n, gb_err *err) {
  static const char *const cols[] = {"target_arm", "algorithm",   "estimator", "estimate",
                                     "ci_low",     "ci_high",     "truth",     "error",
                                     "rows",       "matched_rows"};
  char *path = gb_path_join(dir, GB_RUN_OPE_FILE);
  if (!path)
    return gb_err_set(err, GB_ERR_RUNTIME, "%s: out of memory", dir);
  gb_csv_writer *w = NULL;
  int rc = gb_csv_writer_open(path, cols, sizeof cols / sizeof cols[0], &w, err);
  free(path);
  if (rc != 0)
    return -1;
  /* (cell errors are sticky: the close reports the first one) */
  for (size_t i = 0; i < n; i++)
    target_rows(w, &targets[i], &results[i], err);
  return gb_csv_writer_close(w, err);
}

int gb_run_ope_write(const char *dir, const gb_run_ope_target *targets, size_t n,
                     const gb_ope_opts *opt, gb_err *err) {
  gb_ope_result *results = calloc(n ? n : 1, sizeof *results);
  if (!results)
    return gb_err_set(err, GB_ERR_RUNTIME, "ope: out of memory for %zu targets", n);
  int rc = gb_run_ope_evaluate(targets, n, opt, results, err);
  if (rc == 0)
    rc = gb_run_ope_write_results(dir, targets, results, n, err);
  free(results);
  return rc;
}

void gb_run_ope_print(FILE *out, const gb_run_ope_target *targets, const gb_ope_result *results,
                      size_t n) {
  for (size_t i = 0; i < n; i++) {
    const gb_ope_estimate *dr = &results[i].est[GB_OPE_DR];
    double truth = results[i].truth;
    fprintf(out, "ope: %s (%s): dr %.4f [%.4f, %.4f] ", targets[i].arm, targets[i].algorithm,
            dr->value, dr->ci_low, dr->ci_high);
    if (isnan(truth))
      fputs("truth unknown\n", out);
    else
      fprintf(out, "truth %.4f error %+.4f (%s)\n", truth, dr->error,
              dr->ci_low <= truth && truth <= dr->ci_high ? "in the interval"
                                                          : "outside the interval");
  }
}
