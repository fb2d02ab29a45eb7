/* gb_ope: off-policy evaluation — what a target algorithm's use rate would have been, estimated
 * from the decisions a logging arm (random or ε-greedy) made, next to the simulator's ground
 * truth of that rate (docs/ope.md gives the formulas and the choices below with their reasons).
 *
 * The data are rows, one per logged decision with candidates. Actions are the row's candidates
 * plus "no prop", whose reward is 0 by definition (a prop not sent cannot be used) and needs no
 * model. For a row i with context x_i, logged action a_i of propensity μ_i = μ(a_i|x_i), reward
 * r_i (1 when the prop was used), and the target's policy π (its whole distribution when the row
 * gives one, else the one-hot at the target's own choice t_i):
 *
 *   replay  Σ 1{t_i = a_i} r_i / Σ 1{t_i = a_i}           (Li et al. 2011: the matched rows)
 *   IPS     (1/n) Σ w_i r_i,  w_i = π(a_i|x_i) / μ_i       (Horvitz-Thompson)
 *   SNIPS   Σ w_i r_i / Σ w_i                              (Swaminathan & Joachims 2015)
 *   DM      (1/n) Σ_i Σ_a π(a|x_i) r̂(x_i, a)
 *   DR      DM + (1/n) Σ w_i (r_i − r̂(x_i, a_i))           (Dudík, Langford & Li 2011)
 *   truth   (1/n) Σ_i Σ_a π(a|x_i) p(a|x_i), p the simulator's use probability of each candidate
 *
 * A target that gives only its choice (not its distribution) is evaluated on the one-hot at that
 * choice: when the target is randomized, its choice is one draw from π, and 1{t_i = a} is an
 * unbiased stand-in for π(a|x_i) — provided that draw is independent of the logging arm's draw
 * (the two must hash different salts). The target's probability of its choice is checked but
 * not otherwise used.
 *
 * The reward model r̂ (gb_ope_model): per challenge (catalogue ordinal), a ridge regression of
 * the reward on the standardized features with an unpenalized intercept, fit on the rows that
 * logged that challenge; the intercept is then shrunk towards the mean reward of every logged
 * prop with the weight of `prior_rows` pseudo-rows, so a rarely logged challenge predicts close
 * to the overall mean and an unlogged one predicts that mean; predictions are clipped to [0, 1].
 * The solves go through LAPACK (dposv).
 *
 * Intervals: the percentile bootstrap (Efron & Tibshirani 1993, as in gb_bootstrap.h) over rows,
 * with the reward model refit on each resample, so that DM's and DR's intervals include the
 * model's own error (the model's scaling and list of challenges are those of the whole sample).
 * opts.fixed_model holds it fixed instead, as OBP does: n × B work instead of about
 * n × B × d² / 2, but DM's interval then only reflects the spread of the contexts and is far too
 * narrow (docs/ope.md shows it missing the truth on every data set of the unbiasedness check).
 * Every estimator is computed on the same resamples; resample b draws its n row indices as
 * gb_hash3(key, k, b) for k = 0 .. n−1, key = gb_hash3(seed, 0x6f7065, 0) (the seed is hashed
 * first: docs/ope.md says why), each mapped onto [0, n) by a multiply-shift (bias below
 * n / 2^64): the same inputs and seed give the same intervals on every machine and thread count,
 * and the first B replicates of a run with more resamples are those of a run with B. Ratio
 * estimators (replay, SNIPS) are recomputed as ratios on each resample; a resample where a ratio
 * has a zero denominator is left out of that estimator's percentiles (so is a resample without a
 * logged prop for DM and DR when refitting).
 *
 * No global state; every function is thread-safe on distinct outputs (a model is read-only once
 * built and may be shared by threads). */
#ifndef GB_OPE_H
#define GB_OPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gb_err.h"

/* An action index meaning "no prop". */
#define GB_OPE_NO_PROP UINT32_MAX

enum {
  GB_OPE_FEATURES_MAX = 64,       /* features per row */
  GB_OPE_DEFAULT_RESAMPLES = 1000 /* Efron & Tibshirani's floor for percentile intervals: the
                                     cost is n × B, and runs log millions of rows */
};

/* The reward model's defaults (features standardized, so λ is in units of rows: with λ = 10 a
 * challenge logged a few thousand times is fit almost as ordinary least squares, one logged ten
 * times keeps about half of its slopes). */
#define GB_OPE_DEFAULT_RIDGE 10.0
#define GB_OPE_DEFAULT_PRIOR_ROWS 10.0

/* One logged decision, as the estimators read it. Every pointer is borrowed for the call and
 * points to the counts given; nothing is kept. */
typedef struct gb_ope_row {
  uint32_t n;                 /* candidates, >= 1 */
  const uint32_t *candidates; /* n challenge ordinals (the reward model's key), any order */
  const double *truth;        /* n use probabilities p(a|x) in [0, 1], or NULL when unknown */
  uint32_t logged;            /* index into candidates of the logged action, or GB_OPE_NO_PROP */
  double propensity;          /* μ(logged|x) in (0, 1] */
  double reward;              /* in [0, 1] (1: the prop was used); 0 when logged is no prop */
  uint32_t target;            /* index of the target's own choice, or GB_OPE_NO_PROP */
  double target_prob;         /* π(target|x) in (0, 1] */
  const double *target_dist;  /* NULL, or π(a|x) for the n candidates, each in [0, 1]; "no prop"
                                 has 1 − Σ (so Σ <= 1 within 1e-9) */
  const double *x;            /* the context: opts->n_features values (NULL when 0), finite */
} gb_ope_row;

typedef enum gb_ope_estimator {
  GB_OPE_REPLAY,
  GB_OPE_IPS,
  GB_OPE_SNIPS,
  GB_OPE_DM,
  GB_OPE_DR,
  GB_OPE__COUNT
} gb_ope_estimator;

/* The estimator's name in ope.csv: "replay", "ips", "snips", "dm", "dr"; "unknown" out of
 * range. */
const char *gb_ope_estimator_name(gb_ope_estimator e);

typedef struct gb_ope_opts {
  size_t n_features; /* values in each row's x, <= GB_OPE_FEATURES_MAX */
  double ridge;      /* λ > 0; 0: GB_OPE_DEFAULT_RIDGE */
  double prior_rows; /* the intercept's prior weight in rows, > 0; 0: the default (a tiny value
                        such as 1e-9 leaves the challenge's own mean) */
  size_t resamples;  /* B in [1, GB_BOOTSTRAP_MAX_RESAMPLES]; 0: GB_OPE_DEFAULT_RESAMPLES */
  double confidence; /* two-sided level in (0, 1); 0: 0.95 */
  uint64_t seed;     /* of the bootstrap's draws */
  bool fixed_model;  /* hold the reward model fixed in the bootstrap (see above); false: refit */
} gb_ope_opts;

/* ---- the reward model */

typedef struct gb_ope_model gb_ope_model;

/* Fits r̂ on rows[0..n) (their context, logged action and reward; the target fields are not
 * read) with opt's n_features, ridge and prior_rows. Returns 0 and *out (free it with
 * gb_ope_model_free), or -1 with GB_ERR_INPUT for a row that breaks the gb_ope_row rules (the
 * message names its index and field), a bad option, or no row that logged a prop (nothing to fit
 * on); GB_ERR_RUNTIME when out of memory or a solve fails. *out is NULL on failure. */
int gb_ope_model_new(const gb_ope_row *rows, size_t n, const gb_ope_opts *opt, gb_ope_model **out,
                     gb_err *err);

/* Frees m; NULL is a no-op. */
void gb_ope_model_free(gb_ope_model *m);

/* r̂(x, challenge) in [0, 1]: x has the model's n_features values (NULL when 0). */
double gb_ope_model_predict(const gb_ope_model *m, uint32_t challenge, const double *x);

/* The mean reward of every logged prop: the prior of the intercepts, and the prediction for a
 * challenge never logged. */
double gb_ope_model_prior(const gb_ope_model *m);

/* ---- the estimates */

typedef struct gb_ope_estimate {
  double value;           /* the estimate of the target's use rate; NaN when undefined (replay
                             without a matched row, SNIPS when every weight is 0) */
  double ci_low, ci_high; /* the bootstrap interval at opt->confidence; NaN when undefined */
  double error;           /* value − truth; NaN when either is */
} gb_ope_estimate;

typedef struct gb_ope_result {
  gb_ope_estimate est[GB_OPE__COUNT]; /* by gb_ope_estimator */
  double truth;                       /* NaN when a row has no truth */
  size_t rows;                        /* n */
  size_t matched;                     /* rows whose target choice is the logged action */
  size_t resamples;                   /* B used */
} gb_ope_result;

/* Every estimator, its interval and its error, over rows[0..n) (n >= 1), with the reward model
 * model, or one fit from the rows when model is NULL (a caller evaluating several targets on the
 * same logged rows fits it once). Returns 0 with *out filled, or -1 with GB_ERR_INPUT for an
 * empty input, a row that breaks the gb_ope_row rules (its index and field named) or a bad
 * option; GB_ERR_RUNTIME when out of memory or a solve fails. Memory: 6 n + 5 B doubles and n
 * counts; with refits also n × d doubles, 2 n indices and a second model; freed by the call. */
int gb_ope_evaluate(const gb_ope_row *rows, size_t n, const gb_ope_model *model,
                    const gb_ope_opts *opt, gb_ope_result *out, gb_err *err);

#endif
