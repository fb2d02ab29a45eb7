#include "gb_bootstrap.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gb_quantile.h"
#include "gb_rng.h"

double gb_bootstrap_mean(double *sample, size_t n, void *ctx) {
  (void)ctx;
  double sum = 0;
  for (size_t i = 0; i < n; i++)
    sum += sample[i];
  return sum / (double)n;
}

double gb_bootstrap_median(double *sample, size_t n, void *ctx) {
  (void)ctx;
  return gb_quantile_median(sample, n);
}

static size_t resamples_of(const gb_bootstrap_opts *opt) {
  return opt->resamples ? opt->resamples : GB_BOOTSTRAP_DEFAULT_RESAMPLES;
}

static int check(const double *x, size_t n, const gb_bootstrap_opts *opt, gb_err *err) {
  if (!opt->stat)
    return gb_err_set(err, GB_ERR_INPUT, "bootstrap: no statistic");
  if (n == 0)
    return gb_err_set(err, GB_ERR_INPUT, "bootstrap: the sample is empty");
  size_t b = resamples_of(opt);
  if (b > GB_BOOTSTRAP_MAX_RESAMPLES)
    return gb_err_set(err, GB_ERR_INPUT, "bootstrap: %zu resamples is outside [1, %d]", b,
                      GB_BOOTSTRAP_MAX_RESAMPLES);
  for (size_t i = 0; i < n; i++)
    if (!isfinite(x[i]))
      return gb_err_set(err, GB_ERR_INPUT, "bootstrap: value %zu is not finite", i);
  return 0;
}

/* Fills out[0..b) with the replicates, using scratch (n doubles) for each resample. */
static int fill_replicates(const double *x, size_t n, const gb_bootstrap_opts *opt, size_t b,
                           double *scratch, double *out, gb_err *err) {
  for (size_t r = 0; r < b; r++) {
    /* One generator per replicate, not one for the run: replicate r does not depend on how many
     * came before it, so runs with different B share their first replicates. */
    gb_rng rng;
    gb_rng_seed(&rng, opt->seed, r);
    for (size_t i = 0; i < n; i++)
      scratch[i] = x[gb_rng_below(&rng, n)];
    out[r] = opt->stat(scratch, n, opt->ctx);
    if (isnan(out[r]))
      return gb_err_set(err, GB_ERR_INPUT, "bootstrap: the statistic is NaN on resample %zu", r);
  }
  return 0;
}

int gb_bootstrap_replicates(const double *x, size_t n, const gb_bootstrap_opts *opt, double *out,
                            gb_err *err) {
  if (check(x, n, opt, err) != 0)
    return -1;
  double *scratch = malloc(n * sizeof *scratch);
  if (!scratch)
    return gb_err_set(err, GB_ERR_RUNTIME, "bootstrap: out of memory for %zu values", n);
  int rc = fill_replicates(x, n, opt, resamples_of(opt), scratch, out, err);
  free(scratch);
  return rc;
}

/* The interval at confidence c from the b replicates (sorted in place). */
static void percentile_interval(double *reps, size_t b, double c, gb_bootstrap_result *out) {
  size_t sorted = gb_quantile_sort(reps, b);
  out->lo = gb_quantile_sorted(reps, sorted, (1 - c) / 2);
  out->hi = gb_quantile_sorted(reps, sorted, (1 + c) / 2);
  out->resamples = b;
}

int gb_bootstrap_interval(const double *x, size_t n, const gb_bootstrap_opts *opt,
                          gb_bootstrap_result *out, gb_err *err) {
  double c = opt->confidence ? opt->confidence : GB_BOOTSTRAP_DEFAULT_CONFIDENCE;
  if (!(c > 0 && c < 1))
    return gb_err_set(err, GB_ERR_INPUT, "bootstrap: confidence %g is outside (0, 1)", c);
  if (check(x, n, opt, err) != 0)
    return -1;
  size_t b = resamples_of(opt);
  double *scratch = malloc(n * sizeof *scratch), *reps = malloc(b * sizeof *reps);
  int rc = -1;
  if (!scratch || !reps) {
    gb_err_set(err, GB_ERR_RUNTIME, "bootstrap: out of memory for %zu resamples of %zu values", b,
               n);
    goto out;
  }
  memcpy(scratch, x, n * sizeof *scratch);
  out->estimate = opt->stat(scratch, n, opt->ctx);
  if (isnan(out->estimate)) {
    gb_err_set(err, GB_ERR_INPUT, "bootstrap: the statistic of the sample is NaN");
    goto out;
  }
  if (fill_replicates(x, n, opt, b, scratch, reps, err) != 0)
    goto out;
  percentile_interval(reps, b, c, out);
  rc = 0;
out:
  free(scratch);
  free(reps);
  return rc;
}

/* ---- Two samples ---- */

double gb_bootstrap_median_ratio(double *x, size_t n_x, double *y, size_t n_y, void *ctx) {
  (void)ctx;
  double base = gb_quantile_median(x, n_x);
  return base == 0 ? NAN : gb_quantile_median(y, n_y) / base;
}

static int check2(const double *x, size_t n_x, const double *y, size_t n_y,
                  gb_bootstrap_stat2 stat2, const gb_bootstrap_opts *opt, gb_err *err) {
  if (!stat2)
    return gb_err_set(err, GB_ERR_INPUT, "bootstrap: no statistic");
  double c = opt->confidence ? opt->confidence : GB_BOOTSTRAP_DEFAULT_CONFIDENCE;
  if (!(c > 0 && c < 1))
    return gb_err_set(err, GB_ERR_INPUT, "bootstrap: confidence %g is outside (0, 1)", c);
  gb_bootstrap_opts one = *opt; /* the one-sample checks, sample by sample */
  one.stat = gb_bootstrap_mean;
  return check(x, n_x, &one, err) != 0 || check(y, n_y, &one, err) != 0 ? -1 : 0;
}

/* Fills reps[0..b) with the replicates of stat2, resampling into sx (n_x) and sy (n_y). */
static int fill_replicates2(const double *x, size_t n_x, const double *y, size_t n_y,
                            gb_bootstrap_stat2 stat2, const gb_bootstrap_opts *opt, size_t b,
                            double *sx, double *sy, double *reps, gb_err *err) {
  for (size_t r = 0; r < b; r++) {
    gb_rng rng;
    gb_rng_seed(&rng, opt->seed, r);
    for (size_t i = 0; i < n_x; i++)
      sx[i] = x[gb_rng_below(&rng, n_x)];
    for (size_t i = 0; i < n_y; i++)
      sy[i] = y[gb_rng_below(&rng, n_y)];
    reps[r] = stat2(sx, n_x, sy, n_y, opt->ctx);
    if (isnan(reps[r]))
      return gb_err_set(err, GB_ERR_INPUT, "bootstrap: the statistic is NaN on resample %zu", r);
  }
  return 0;
}

int gb_bootstrap_interval2(const double *x, size_t n_x, const double *y, size_t n_y,
                           gb_bootstrap_stat2 stat2, const gb_bootstrap_opts *opt,
                           gb_bootstrap_result *out, gb_err *err) {
  if (check2(x, n_x, y, n_y, stat2, opt, err) != 0)
    return -1;
  double c = opt->confidence ? opt->confidence : GB_BOOTSTRAP_DEFAULT_CONFIDENCE;
  size_t b = resamples_of(opt);
  double *sx = malloc((n_x + n_y) * sizeof *sx), *reps = malloc(b * sizeof *reps);
  int rc = -1;
  if (!sx || !reps) {
    gb_err_set(err, GB_ERR_RUNTIME, "bootstrap: out of memory for %zu resamples", b);
    goto out;
  }
  double *sy = sx + n_x;
  memcpy(sx, x, n_x * sizeof *sx);
  memcpy(sy, y, n_y * sizeof *sy);
  out->estimate = stat2(sx, n_x, sy, n_y, opt->ctx);
  if (isnan(out->estimate)) {
    gb_err_set(err, GB_ERR_INPUT, "bootstrap: the statistic of the samples is NaN");
    goto out;
  }
  if (fill_replicates2(x, n_x, y, n_y, stat2, opt, b, sx, sy, reps, err) != 0)
    goto out;
  percentile_interval(reps, b, c, out);
  rc = 0;
out:
  free(sx);
  free(reps);
  return rc;
}
