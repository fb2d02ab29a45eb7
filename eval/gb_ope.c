/* gb_ope: the estimators, their bootstrap intervals and the truth (gb_ope.h); the reward model is
 * in gb_ope_model.c. */
#include "gb_ope.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "gb_bootstrap.h"
#include "gb_ope_int.h"
#include "gb_quantile.h"
#include "gb_rng.h"

/* A distribution may sum to 1 plus rounding. */
#define DIST_SLACK 1e-9

const char *gb_ope_estimator_name(gb_ope_estimator e) {
  static const char *const names[GB_OPE__COUNT] = {"replay", "ips", "snips", "dm", "dr"};
  return (unsigned)e < GB_OPE__COUNT ? names[e] : "unknown";
}

/* ---- options and rows */

int gb_ope_settings_of(const gb_ope_opts *opt, gb_ope_settings *s, gb_err *err) {
  *s = (gb_ope_settings){
      .d = opt->n_features,
      .resamples = opt->resamples ? opt->resamples : GB_OPE_DEFAULT_RESAMPLES,
      .ridge = opt->ridge != 0 ? opt->ridge : GB_OPE_DEFAULT_RIDGE,
      .prior_rows = opt->prior_rows != 0 ? opt->prior_rows : GB_OPE_DEFAULT_PRIOR_ROWS,
      .confidence = opt->confidence != 0 ? opt->confidence : GB_BOOTSTRAP_DEFAULT_CONFIDENCE,
      .seed = opt->seed,
      .refit = !opt->fixed_model,
  };
  if (s->d > GB_OPE_FEATURES_MAX)
    return gb_err_set(err, GB_ERR_INPUT, "ope: %zu features (at most %d)", s->d,
                      GB_OPE_FEATURES_MAX);
  if (!(s->ridge > 0 && isfinite(s->ridge)))
    return gb_err_set(err, GB_ERR_INPUT, "ope: ridge %g is not > 0", s->ridge);
  if (!(s->prior_rows > 0 && isfinite(s->prior_rows)))
    return gb_err_set(err, GB_ERR_INPUT, "ope: prior_rows %g is not > 0", s->prior_rows);
  if (s->resamples > GB_BOOTSTRAP_MAX_RESAMPLES)
    return gb_err_set(err, GB_ERR_INPUT, "ope: %zu resamples is outside [1, %d]", s->resamples,
                      GB_BOOTSTRAP_MAX_RESAMPLES);
  if (!(s->confidence > 0 && s->confidence < 1))
    return gb_err_set(err, GB_ERR_INPUT, "ope: confidence %g is outside (0, 1)", s->confidence);
  return 0;
}

static bool is_prob(double p) { return p >= 0 && p <= 1; } /* false for NaN */

/* The fields the reward model reads: candidates, logged action, propensity, reward, context. */
int gb_ope_check_logged(const gb_ope_row *r, size_t i, size_t d, gb_err *err) {
  if (r->n == 0 || !r->candidates)
    return gb_err_set(err, GB_ERR_INPUT, "ope: row %zu: no candidates", i);
  if (r->logged != GB_OPE_NO_PROP && r->logged >= r->n)
    return gb_err_set(err, GB_ERR_INPUT, "ope: row %zu: logged index %u is not below n = %u", i,
                      r->logged, r->n);
  if (!(r->propensity > 0 && r->propensity <= 1))
    return gb_err_set(err, GB_ERR_INPUT, "ope: row %zu: propensity %g is outside (0, 1]", i,
                      r->propensity);
  if (!is_prob(r->reward))
    return gb_err_set(err, GB_ERR_INPUT, "ope: row %zu: reward %g is outside [0, 1]", i, r->reward);
  if (r->logged == GB_OPE_NO_PROP && r->reward != 0)
    return gb_err_set(err, GB_ERR_INPUT, "ope: row %zu: reward %g without a prop", i, r->reward);
  if (d > 0 && !r->x)
    return gb_err_set(err, GB_ERR_INPUT, "ope: row %zu: no features", i);
  for (size_t j = 0; j < d; j++)
    if (!isfinite(r->x[j]))
      return gb_err_set(err, GB_ERR_INPUT, "ope: row %zu: feature %zu is not finite", i, j);
  return 0;
}

/* The fields only the estimators read: the target's choice, its distribution, the truth. */
static int check_target(const gb_ope_row *r, size_t i, gb_err *err) {
  if (r->target != GB_OPE_NO_PROP && r->target >= r->n)
    return gb_err_set(err, GB_ERR_INPUT, "ope: row %zu: target index %u is not below n = %u", i,
                      r->target, r->n);
  if (!(r->target_prob > 0 && r->target_prob <= 1))
    return gb_err_set(err, GB_ERR_INPUT, "ope: row %zu: target_prob %g is outside (0, 1]", i,
                      r->target_prob);
  double sum = 0;
  for (uint32_t a = 0; r->target_dist && a < r->n; a++) {
    if (!is_prob(r->target_dist[a]))
      return gb_err_set(err, GB_ERR_INPUT, "ope: row %zu: target_dist[%u] = %g is outside [0, 1]",
                        i, a, r->target_dist[a]);
    sum += r->target_dist[a];
  }
  if (sum > 1 + DIST_SLACK)
    return gb_err_set(err, GB_ERR_INPUT, "ope: row %zu: target_dist sums to %.12g > 1", i, sum);
  for (uint32_t a = 0; r->truth && a < r->n; a++)
    if (!is_prob(r->truth[a]))
      return gb_err_set(err, GB_ERR_INPUT, "ope: row %zu: truth[%u] = %g is outside [0, 1]", i, a,
                        r->truth[a]);
  return 0;
}

/* ---- per-row terms */

/* What each row adds to the estimators' sums; a resample adds the terms of the rows it drew. */
typedef struct terms {
  double matched; /* 1{target = logged} */
  double mreward; /* matched × reward */
  double w;       /* π(logged|x) / μ */
  double wr;      /* w × reward */
  double dm;      /* Σ_a π(a|x) r̂(x, a) */
  double dr;      /* dm + w (reward − r̂(x, logged)) */
} terms;

/* π(a|x) of the row's target, a an index or GB_OPE_NO_PROP: its distribution when given, else
 * the one-hot at its choice. */
static double target_pi(const gb_ope_row *r, uint32_t a) {
  if (!r->target_dist)
    return a == r->target ? 1 : 0;
  if (a != GB_OPE_NO_PROP)
    return r->target_dist[a];
  double sum = 0;
  for (uint32_t i = 0; i < r->n; i++)
    sum += r->target_dist[i];
  return sum < 1 ? 1 - sum : 0;
}

/* Σ_a π(a|x) v[a] over the candidates ("no prop" is worth 0): v the row's values, or r̂ from m
 * when v is NULL. */
static double expect_under_target(const gb_ope_row *r, const gb_ope_model *m, const double *v) {
  double sum = 0;
  for (uint32_t a = 0; a < r->n; a++) {
    double pi = target_pi(r, a);
    if (pi != 0)
      sum += pi * (v ? v[a] : gb_ope_model_predict(m, r->candidates[a], r->x));
  }
  return sum;
}

/* The terms that depend on the reward model: dm and dr (t->w already set). */
static void model_terms(const gb_ope_row *r, const gb_ope_model *m, terms *t) {
  t->dm = expect_under_target(r, m, NULL);
  double rhat =
      r->logged == GB_OPE_NO_PROP ? 0 : gb_ope_model_predict(m, r->candidates[r->logged], r->x);
  t->dr = t->dm + t->w * (r->reward - rhat);
}

static terms terms_of(const gb_ope_row *r, const gb_ope_model *m) {
  terms t = {.matched = r->target == r->logged};
  t.mreward = t.matched * r->reward;
  t.w = target_pi(r, r->logged) / r->propensity;
  t.wr = t.w * r->reward;
  model_terms(r, m, &t);
  return t;
}

/* ---- the estimates from sums */

static double ratio(double num, double den) { return den != 0 ? num / den : NAN; }

static void estimates_of(const terms *sum, double n, double *v) {
  v[GB_OPE_REPLAY] = ratio(sum->mreward, sum->matched);
  v[GB_OPE_IPS] = sum->wr / n;
  v[GB_OPE_SNIPS] = ratio(sum->wr, sum->w);
  v[GB_OPE_DM] = sum->dm / n;
  v[GB_OPE_DR] = sum->dr / n;
}

/* sum += c t: a row drawn c times. */
static void add_terms(terms *sum, const terms *t, double c) {
  sum->matched += c * t->matched;
  sum->mreward += c * t->mreward;
  sum->w += c * t->w;
  sum->wr += c * t->wr;
  sum->dm += c * t->dm;
  sum->dr += c * t->dr;
}

/* The key of the draws: the seed hashed once. XXH3 of two words XORs each word with a constant
 * plus or minus the seed before mixing, so with the seed itself as key, seeds s and s + 1 give
 * the same index sets for k ^ c (the rows) and b ^ c' (the resamples): the same replicates in
 * another order, i.e. the same interval (a test caught it). A hashed seed moves every bit. */
static uint64_t draw_key(uint64_t seed) { return gb_hash3(seed, 0x6f7065 /* "ope" */, 0); }

/* Index k of resample b: gb_hash3(key, k, b) mapped onto [0, n) by a multiply-shift. */
static size_t draw(uint64_t key, size_t k, size_t b, size_t n) {
  unsigned __int128 h = gb_hash3(key, (uint64_t)k, (uint64_t)b);
  return (size_t)((h * (unsigned __int128)n) >> 64);
}

/* Resample b as the number of times each row is drawn: the sums then read the rows in order
 * (the draws themselves land anywhere in memory, the count array is small). */
static void draw_counts(uint64_t key, size_t b, size_t n, uint32_t *counts) {
  memset(counts, 0, n * sizeof *counts);
  for (size_t k = 0; k < n; k++)
    counts[draw(key, k, b, n)]++;
}

/* Resample b's estimates into reps[e * B + b]. */
static void store(const terms *sum, size_t n, size_t b, size_t nb, double *reps) {
  double v[GB_OPE__COUNT];
  estimates_of(sum, (double)n, v);
  for (size_t e = 0; e < GB_OPE__COUNT; e++)
    reps[e * nb + b] = v[e];
}

/* The model terms of row i under a refit model mb: the row's standardized context and logged
 * challenge are the refit's; a one-hot target needs one prediction, a distribution one per
 * candidate. */
static void refit_terms(const gb_ope_row *r, const gb_ope_refit *f, size_t i, uint32_t target_c,
                        const gb_ope_model *mb, terms *t) {
  if (r->target_dist) {
    model_terms(r, mb, t);
    return;
  }
  const double *z = gb_ope_refit_z(f, i);
  t->dm = r->target == GB_OPE_NO_PROP ? 0 : gb_ope_model_predict_z(mb, target_c, z);
  double rhat =
      r->logged == GB_OPE_NO_PROP ? 0 : gb_ope_model_predict_z(mb, gb_ope_refit_logged(f, i), z);
  t->dr = t->dm + t->w * (r->reward - rhat);
}

/* The replicates with the reward model refit on each resample, so that DM's and DR's intervals
 * hold the model's own error too. */
static int replicates_refit(const gb_ope_row *rows, const terms *t, size_t n, const gb_ope_model *m,
                            const gb_ope_settings *s, uint32_t *counts, double *reps, gb_err *err) {
  uint32_t *target_c = malloc(n * sizeof *target_c);
  if (!target_c)
    return gb_err_set(err, GB_ERR_RUNTIME, "ope: out of memory for %zu rows", n);
  for (size_t i = 0; i < n; i++)
    target_c[i] = rows[i].target == GB_OPE_NO_PROP
                      ? GB_OPE_NO_CHALLENGE
                      : gb_ope_model_index(m, rows[i].candidates[rows[i].target]);
  gb_ope_refit *f = NULL;
  int rc = gb_ope_refit_new(m, rows, n, s, &f, err);
  uint64_t key = draw_key(s->seed);
  for (size_t b = 0; rc == 0 && b < s->resamples; b++) {
    draw_counts(key, b, n, counts);
    const gb_ope_model *mb = NULL;
    rc = gb_ope_refit_on(f, counts, &mb, err);
    terms sum = {0};
    for (size_t i = 0; rc == 0 && i < n; i++) {
      if (counts[i] == 0)
        continue;
      terms ti = t[i];
      refit_terms(&rows[i], f, i, target_c[i], mb, &ti);
      add_terms(&sum, &ti, counts[i]);
    }
    store(&sum, n, b, s->resamples, reps);
  }
  gb_ope_refit_free(f);
  free(target_c);
  return rc;
}

/* The replicates with the reward model held fixed: each resample sums its rows' terms. */
static void replicates_fixed(const terms *t, size_t n, const gb_ope_settings *s, uint32_t *counts,
                             double *reps) {
  uint64_t key = draw_key(s->seed);
  for (size_t b = 0; b < s->resamples; b++) {
    draw_counts(key, b, n, counts);
    terms sum = {0};
    for (size_t i = 0; i < n; i++)
      if (counts[i])
        add_terms(&sum, &t[i], counts[i]);
    store(&sum, n, b, s->resamples, reps);
  }
}

static void intervals(double *reps, const gb_ope_settings *s, gb_ope_result *out) {
  for (size_t e = 0; e < GB_OPE__COUNT; e++) {
    gb_ope_estimate *est = &out->est[e];
    size_t kept = gb_quantile_sort(reps + e * s->resamples, s->resamples);
    bool defined = !isnan(est->value) && kept > 0;
    est->ci_low =
        defined ? gb_quantile_sorted(reps + e * s->resamples, kept, (1 - s->confidence) / 2) : NAN;
    est->ci_high =
        defined ? gb_quantile_sorted(reps + e * s->resamples, kept, (1 + s->confidence) / 2) : NAN;
  }
}

/* The target's expected use rate on the logged contexts; NaN when a row has no truth. */
static double truth_of(const gb_ope_row *rows, size_t n) {
  double sum = 0;
  for (size_t i = 0; i < n; i++) {
    if (!rows[i].truth)
      return NAN;
    sum += expect_under_target(&rows[i], NULL, rows[i].truth);
  }
  return sum / (double)n;
}

static int check_rows(const gb_ope_row *rows, size_t n, const gb_ope_settings *s, gb_err *err) {
  if (n == 0)
    return gb_err_set(err, GB_ERR_INPUT, "ope: no rows");
  for (size_t i = 0; i < n; i++)
    if (gb_ope_check_logged(&rows[i], i, s->d, err) != 0 || check_target(&rows[i], i, err) != 0)
      return -1;
  return 0;
}

static int estimate_all(const gb_ope_row *rows, size_t n, const gb_ope_model *m,
                        const gb_ope_settings *s, gb_ope_result *out, gb_err *err) {
  terms *t = malloc(n * sizeof *t);
  double *reps = malloc(GB_OPE__COUNT * s->resamples * sizeof *reps);
  uint32_t *counts = malloc(n * sizeof *counts);
  if (!t || !reps || !counts) {
    free(t);
    free(reps);
    free(counts);
    return gb_err_set(err, GB_ERR_RUNTIME, "ope: out of memory for %zu rows and %zu resamples", n,
                      s->resamples);
  }
  terms sum = {0};
  for (size_t i = 0; i < n; i++) {
    t[i] = terms_of(&rows[i], m);
    add_terms(&sum, &t[i], 1);
  }
  double v[GB_OPE__COUNT];
  estimates_of(&sum, (double)n, v);
  *out = (gb_ope_result){.truth = truth_of(rows, n),
                         .rows = n,
                         .matched = (size_t)sum.matched,
                         .resamples = s->resamples};
  for (size_t e = 0; e < GB_OPE__COUNT; e++)
    out->est[e] = (gb_ope_estimate){.value = v[e], .error = v[e] - out->truth};
  int rc = 0;
  if (s->refit)
    rc = replicates_refit(rows, t, n, m, s, counts, reps, err);
  else
    replicates_fixed(t, n, s, counts, reps);
  if (rc == 0)
    intervals(reps, s, out);
  free(t);
  free(reps);
  free(counts);
  return rc;
}

int gb_ope_evaluate(const gb_ope_row *rows, size_t n, const gb_ope_model *model,
                    const gb_ope_opts *opt, gb_ope_result *out, gb_err *err) {
  gb_ope_settings s;
  if (gb_ope_settings_of(opt, &s, err) != 0 || check_rows(rows, n, &s, err) != 0)
    return -1;
  if (model && model->d != s.d)
    return gb_err_set(err, GB_ERR_INPUT, "ope: the reward model has %zu features, the rows %zu",
                      model->d, s.d);
  gb_ope_model *own = NULL;
  if (!model && gb_ope_model_fit(rows, n, &s, &own, err) != 0)
    return -1;
  int rc = estimate_all(rows, n, model ? model : own, &s, out, err);
  gb_ope_model_free(own);
  return rc;
}
