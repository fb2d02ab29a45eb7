#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gb_bootstrap.h"
#include "gb_quantile.h"
#include "gb_rng.h"

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

static gb_bootstrap_result interval(const double *x, size_t n, gb_bootstrap_opts opt) {
  gb_bootstrap_result r;
  gb_err err = {0};
  cr_assert_eq(gb_bootstrap_interval(x, n, &opt, &r, &err), 0, "%s", err.msg);
  return r;
}

static void assert_input_error(const double *x, size_t n, gb_bootstrap_opts opt, const char *msg) {
  gb_bootstrap_result r;
  gb_err err = {0};
  cr_assert_eq(gb_bootstrap_interval(x, n, &opt, &r, &err), -1);
  cr_assert_eq(err.kind, GB_ERR_INPUT);
  cr_assert(strstr(err.msg, msg), "message: %s", err.msg);
}

Test(bootstrap, estimate_is_the_statistic_of_the_sample) {
  double x[] = {4, 1, 3, 2};
  gb_bootstrap_opts mean = {.stat = gb_bootstrap_mean, .resamples = 100, .seed = 1};
  cr_assert_eq(interval(x, 4, mean).estimate, 2.5);
  gb_bootstrap_opts median = {.stat = gb_bootstrap_median, .resamples = 100, .seed = 1};
  double y[] = {100, 1, 3, 2, 4}; /* the median resists the outlier */
  gb_bootstrap_result r = interval(y, 5, median);
  cr_assert_eq(r.estimate, 3);
  cr_assert_eq(y[0], 100, "the caller's sample is not reordered");
  cr_assert_eq(r.resamples, 100);
}

Test(bootstrap, constant_sample_gives_a_point) {
  double x[] = {4, 4, 4, 4, 4};
  gb_bootstrap_result r = interval(x, 5, (gb_bootstrap_opts){.stat = gb_bootstrap_mean});
  cr_assert_eq(r.estimate, 4);
  cr_assert_eq(r.lo, 4);
  cr_assert_eq(r.hi, 4);
  cr_assert_eq(r.resamples, GB_BOOTSTRAP_DEFAULT_RESAMPLES);
  double one[] = {-2.5}; /* n = 1: every resample is the sample */
  r = interval(one, 1, (gb_bootstrap_opts){.stat = gb_bootstrap_median});
  cr_assert_eq(r.lo, -2.5);
  cr_assert_eq(r.hi, -2.5);
}

/* {0, 10}: a resample is {0,0}, {0,10}, {10,0} or {10,10}, so the replicate mean is 0, 5 or 10
 * with probabilities 1/4, 1/2, 1/4. The 30 % and 70 % quantiles of the replicates fall inside
 * the block of 5s (25 %..75 %) and the 5 % and 95 % quantiles inside the blocks of 0s and 10s;
 * with 10,000 resamples each block's share is within 0.5 percentage points of its probability
 * (4 standard deviations), far from those boundaries. */
Test(bootstrap, two_values_hand_computed_intervals) {
  double x[] = {0, 10};
  gb_bootstrap_opts opt = {.stat = gb_bootstrap_mean, .confidence = 0.4, .seed = 7};
  gb_bootstrap_result r = interval(x, 2, opt);
  cr_assert_eq(r.lo, 5);
  cr_assert_eq(r.hi, 5);
  opt.confidence = 0.9;
  r = interval(x, 2, opt);
  cr_assert_eq(r.lo, 0);
  cr_assert_eq(r.hi, 10);
  /* and the shares themselves */
  double *reps = malloc(GB_BOOTSTRAP_DEFAULT_RESAMPLES * sizeof *reps);
  gb_err err = {0};
  cr_assert_eq(gb_bootstrap_replicates(x, 2, &opt, reps, &err), 0, "%s", err.msg);
  size_t count[3] = {0};
  for (size_t i = 0; i < GB_BOOTSTRAP_DEFAULT_RESAMPLES; i++) {
    cr_assert(reps[i] == 0 || reps[i] == 5 || reps[i] == 10);
    count[(size_t)reps[i] / 5]++;
  }
  cr_assert(count[0] > 2450 && count[0] < 2550, "zeros %zu", count[0]);
  cr_assert(count[1] > 4950 && count[1] < 5050, "fives %zu", count[1]);
  free(reps);
}

/* The documented scheme: replicate r is the statistic of x[gb_rng_below(rng, n)] drawn n times
 * from gb_rng_seed(rng, seed, r). */
Test(bootstrap, replicates_follow_the_documented_streams) {
  double x[] = {1.5, 2.5, 4, 8, 16, 32};
  enum { B = 50, N = 6 };
  gb_bootstrap_opts opt = {.stat = gb_bootstrap_mean, .resamples = B, .seed = 99};
  double reps[B];
  gb_err err = {0};
  cr_assert_eq(gb_bootstrap_replicates(x, N, &opt, reps, &err), 0, "%s", err.msg);
  for (size_t r = 0; r < B; r++) {
    gb_rng rng;
    gb_rng_seed(&rng, 99, r);
    double sum = 0;
    for (size_t i = 0; i < N; i++)
      sum += x[gb_rng_below(&rng, N)];
    cr_assert_eq(reps[r], sum / N, "replicate %zu", r);
  }
  /* fewer resamples: the same first replicates */
  double fewer[10];
  opt.resamples = 10;
  cr_assert_eq(gb_bootstrap_replicates(x, N, &opt, fewer, &err), 0, "%s", err.msg);
  cr_assert_arr_eq(fewer, reps, sizeof fewer);
}

Test(bootstrap, deterministic_from_the_seed) {
  double x[] = {3.1, 4.1, 5.9, 2.6, 5.3, 5.8, 9.7, 9.3, 2.3, 8.4};
  gb_bootstrap_opts opt = {.stat = gb_bootstrap_median, .resamples = 2000, .seed = 2024};
  gb_bootstrap_result a = interval(x, N_OF(x), opt), b = interval(x, N_OF(x), opt);
  cr_assert_eq(a.lo, b.lo);
  cr_assert_eq(a.hi, b.hi);
  opt.seed = 2025;
  double *ra = malloc(2000 * sizeof *ra), *rb = malloc(2000 * sizeof *rb);
  gb_err err = {0};
  cr_assert_eq(gb_bootstrap_replicates(x, N_OF(x), &opt, ra, &err), 0);
  opt.seed = 2024;
  cr_assert_eq(gb_bootstrap_replicates(x, N_OF(x), &opt, rb, &err), 0);
  cr_assert_neq(memcmp(ra, rb, 2000 * sizeof *ra), 0, "another seed, other replicates");
  free(ra);
  free(rb);
}

/* x = 1..100: the plug-in standard error of the mean is sqrt((n^2 - 1) / 12 / n) = 2.8866, so
 * the 95 % interval is about 50.5 -+ 1.96 * 2.8866 = [44.84, 56.16] (the mean of 100 uniform
 * draws is close to normal); 10,000 resamples place the bounds within about 0.15 of that. */
Test(bootstrap, mean_of_1_to_100_matches_normal_theory) {
  double x[100];
  for (int i = 0; i < 100; i++)
    x[i] = i + 1;
  gb_bootstrap_result r = interval(x, 100, (gb_bootstrap_opts){.stat = gb_bootstrap_mean});
  cr_assert_eq(r.estimate, 50.5);
  cr_assert(fabs(r.lo - 44.84) < 0.5 && fabs(r.hi - 56.16) < 0.5, "[%g, %g]", r.lo, r.hi);
}

static double nan_stat(double *sample, size_t n, void *ctx) {
  (void)sample;
  (void)n;
  int *calls = ctx;
  return ++*calls > 1 ? NAN : 0; /* fine on the sample itself, NaN on the first resample */
}

Test(bootstrap, errors) {
  double x[] = {1, 2, 3};
  gb_bootstrap_opts ok = {.stat = gb_bootstrap_mean};
  assert_input_error(x, 0, ok, "the sample is empty");
  assert_input_error(x, 3, (gb_bootstrap_opts){0}, "no statistic");
  gb_bootstrap_opts o = ok;
  o.resamples = GB_BOOTSTRAP_MAX_RESAMPLES + 1;
  assert_input_error(x, 3, o, "resamples is outside [1, 10000000]");
  o = ok;
  o.confidence = 1;
  assert_input_error(x, 3, o, "confidence 1 is outside (0, 1)");
  o.confidence = -0.5;
  assert_input_error(x, 3, o, "outside (0, 1)");
  double bad[] = {1, NAN, 3};
  assert_input_error(bad, 3, ok, "value 1 is not finite");
  double inf[] = {1, 2, INFINITY};
  assert_input_error(inf, 3, ok, "value 2 is not finite");
  int calls = 0;
  o = (gb_bootstrap_opts){.stat = nan_stat, .ctx = &calls, .resamples = 10};
  assert_input_error(x, 3, o, "the statistic is NaN on resample 0");
}

/* ---- Two samples ---- */

static gb_bootstrap_result interval2(const double *x, size_t nx, const double *y, size_t ny,
                                     gb_bootstrap_opts opt) {
  gb_bootstrap_result r;
  gb_err err = {0};
  cr_assert_eq(gb_bootstrap_interval2(x, nx, y, ny, gb_bootstrap_median_ratio, &opt, &r, &err), 0,
               "%s", err.msg);
  return r;
}

Test(bootstrap2, constant_samples_give_the_exact_ratio) {
  double x[] = {2, 2, 2}, y[] = {3, 3, 3, 3};
  gb_bootstrap_result r = interval2(x, 3, y, 4, (gb_bootstrap_opts){.resamples = 100});
  cr_assert_eq(r.estimate, 1.5);
  cr_assert_eq(r.lo, 1.5);
  cr_assert_eq(r.hi, 1.5);
  cr_assert_eq(r.resamples, 100);
}

/* The documented scheme: replicate r draws n_x indices into x, then n_y into y, from
 * gb_rng_seed(rng, seed, r); the interval is the quantiles of those replicates. */
Test(bootstrap2, replicates_follow_the_documented_streams) {
  double x[] = {100, 104, 98, 101, 99}, y[] = {110, 120, 108, 111, 125};
  enum { B = 500 };
  double reps[B];
  for (size_t r = 0; r < B; r++) {
    gb_rng rng;
    gb_rng_seed(&rng, 5, r);
    double sx[5], sy[5];
    for (size_t i = 0; i < 5; i++)
      sx[i] = x[gb_rng_below(&rng, 5)];
    for (size_t i = 0; i < 5; i++)
      sy[i] = y[gb_rng_below(&rng, 5)];
    reps[r] = gb_bootstrap_median_ratio(sx, 5, sy, 5, NULL);
  }
  size_t n = gb_quantile_sort(reps, B);
  gb_bootstrap_result got = interval2(x, 5, y, 5, (gb_bootstrap_opts){.resamples = B, .seed = 5});
  cr_assert_eq(got.estimate, 111.0 / 100);
  cr_assert_eq(got.lo, gb_quantile_sorted(reps, n, 0.025));
  cr_assert_eq(got.hi, gb_quantile_sorted(reps, n, 0.975));
  cr_assert(got.lo > 1 && got.lo < got.hi, "[%g, %g]", got.lo, got.hi);
  cr_assert_eq(x[0], 100, "the caller's samples are not reordered");
  cr_assert_eq(y[1], 120);
}

Test(bootstrap2, errors) {
  double zero[] = {0, 0, 0}, one[] = {1, 1}, nan[] = {1, NAN};
  gb_bootstrap_result r;
  gb_err err = {0};
  gb_bootstrap_opts opt = {.resamples = 10};
  cr_assert_eq(gb_bootstrap_interval2(zero, 3, one, 2, gb_bootstrap_median_ratio, &opt, &r, &err),
               -1);
  cr_assert_eq(err.kind, GB_ERR_INPUT);
  cr_assert(strstr(err.msg, "statistic of the samples is NaN"), "%s", err.msg);
  cr_assert_eq(gb_bootstrap_interval2(one, 2, one, 0, gb_bootstrap_median_ratio, &opt, &r, &err),
               -1);
  cr_assert(strstr(err.msg, "empty"), "%s", err.msg);
  cr_assert_eq(gb_bootstrap_interval2(one, 2, nan, 2, gb_bootstrap_median_ratio, &opt, &r, &err),
               -1);
  cr_assert(strstr(err.msg, "value 1 is not finite"), "%s", err.msg);
  cr_assert_eq(gb_bootstrap_interval2(one, 2, one, 2, NULL, &opt, &r, &err), -1);
  cr_assert(strstr(err.msg, "no statistic"), "%s", err.msg);
  opt.confidence = 1.5;
  cr_assert_eq(gb_bootstrap_interval2(one, 2, one, 2, gb_bootstrap_median_ratio, &opt, &r, &err),
               -1);
  cr_assert(strstr(err.msg, "confidence"), "%s", err.msg);
}
