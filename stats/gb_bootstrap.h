/* gb_bootstrap: percentile bootstrap confidence intervals of a statistic of one sample.
 *
 * The method (Efron 1979; Efron & Tibshirani 1993, ch. 13): draw B resamples of the n values
 * with replacement, compute the statistic of each (the B "replicates"), and take the
 * (1 - c) / 2 and (1 + c) / 2 quantiles of the replicates (gb_quantile's rule: linear
 * interpolation between order statistics) as the interval at confidence c. It assumes nothing
 * about the statistic's distribution — what medians of latencies or of repeat runs need — but
 * it is only as good as the sample is representative: with n below about 10 the interval is too
 * narrow (a bootstrap cannot see values the sample lacks).
 *
 * Determinism: replicate b (0-based) draws its n indices with gb_rng_below(rng, n) from its own
 * generator, gb_rng_seed(rng, seed, b). The same (values, statistic, seed) give the same
 * replicates on every machine and thread count, and the first B replicates of a run with more
 * resamples are those of a run with B. No generator is shared; no global state.
 *
 * Errors (the project's convention: 0, or -1 with gb_err): GB_ERR_INPUT for an empty sample, a
 * non-finite value, a resample count outside [1, GB_BOOTSTRAP_MAX_RESAMPLES], a confidence
 * outside (0, 1), a missing statistic, or a statistic that returns NaN; GB_ERR_RUNTIME when out
 * of memory. Memory: n + B doubles, allocated and freed by the call. */
#ifndef GB_BOOTSTRAP_H
#define GB_BOOTSTRAP_H

#include <stddef.h>
#include <stdint.h>

#include "gb_err.h"

/* 10,000 resamples put the Monte Carlo error of a 95 % percentile bound well below the
 * sampling error it estimates (Efron & Tibshirani recommend >= 1,000 for intervals). */
#define GB_BOOTSTRAP_DEFAULT_RESAMPLES 10000
/* 10^7 replicates are 80 MB: more says more about the generator than about the sample. */
#define GB_BOOTSTRAP_MAX_RESAMPLES 10000000
#define GB_BOOTSTRAP_DEFAULT_CONFIDENCE 0.95

/* A statistic of sample[0..n) (n >= 1). The sample is a scratch copy: the function may reorder
 * it (gb_bootstrap_median sorts it) but must not keep it. ctx is passed through unchanged. */
typedef double (*gb_bootstrap_stat)(double *sample, size_t n, void *ctx);

/* Ready-made statistics (ctx unused): the arithmetic mean, and the median by gb_quantile's rule
 * (the mean of the two middle values for an even count). */
double gb_bootstrap_mean(double *sample, size_t n, void *ctx);
double gb_bootstrap_median(double *sample, size_t n, void *ctx);

typedef struct gb_bootstrap_opts {
  gb_bootstrap_stat stat; /* required */
  void *ctx;              /* passed to stat */
  size_t resamples;       /* B in [1, GB_BOOTSTRAP_MAX_RESAMPLES]; 0: the default, 10,000 */
  double confidence;      /* two-sided level in (0, 1); 0: the default, 0.95 */
  uint64_t seed;          /* replicate b uses the stream gb_rng_seed(seed, b) */
} gb_bootstrap_opts;

typedef struct gb_bootstrap_result {
  double estimate;  /* the statistic of the sample itself */
  double lo, hi;    /* the percentile interval; lo <= hi */
  size_t resamples; /* B actually used (the default filled in) */
} gb_bootstrap_result;

/* The percentile bootstrap interval of opt->stat over x[0..n) (not modified). 0 with *out
 * filled, or -1 with an error (see above) and *out unspecified. */
int gb_bootstrap_interval(const double *x, size_t n, const gb_bootstrap_opts *opt,
                          gb_bootstrap_result *out, gb_err *err);

/* The B = opt->resamples (or the default) replicates themselves, in replicate order, into
 * out[0..B) (caller-owned, B doubles), for other interval methods or for inspection;
 * opt->confidence is not used. 0, or -1 with an error as above. */
int gb_bootstrap_replicates(const double *x, size_t n, const gb_bootstrap_opts *opt, double *out,
                            gb_err *err);

/* ---- Two samples: a statistic of a pair of independent samples, e.g. the ratio of the
 * medians of a new run's repeats to a baseline's. Each replicate resamples both samples, each
 * from itself (with replacement, sizes kept): replicate b draws n_x indices into x and then n_y
 * indices into y from the one generator gb_rng_seed(rng, seed, b). Same determinism, errors and
 * memory (n_x + n_y + B doubles) as above; opt->stat is not used (stat2 is), opt->ctx is passed
 * to stat2. ---- */

/* A statistic of x[0..n_x) and y[0..n_y) (scratch copies the function may reorder). */
typedef double (*gb_bootstrap_stat2)(double *x, size_t n_x, double *y, size_t n_y, void *ctx);

/* median(y) / median(x) (gb_quantile's median; ctx unused): the ratio of a new sample's median
 * to a baseline's. NaN when median(x) is 0 (the ratio is then undefined or infinite). */
double gb_bootstrap_median_ratio(double *x, size_t n_x, double *y, size_t n_y, void *ctx);

/* The percentile bootstrap interval of stat2 over (x, y) (not modified): 0 with *out filled
 * (estimate = stat2 of the samples themselves), or -1 with an error as above. */
int gb_bootstrap_interval2(const double *x, size_t n_x, const double *y, size_t n_y,
                           gb_bootstrap_stat2 stat2, const gb_bootstrap_opts *opt,
                           gb_bootstrap_result *out, gb_err *err);

#endif
