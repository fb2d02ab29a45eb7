/* gb_ope_model: the reward model r̂ of the direct and doubly robust estimators (gb_ope.h says
 * what it is), fit from per-challenge sufficient statistics so that a bootstrap resample refits
 * it in one pass over its rows, without sorting them. */
#include "gb_ope_int.h"

#include <lapacke.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* A feature whose spread is below this share of its magnitude is constant: dividing by its
 * spread would only amplify rounding. */
#define CONSTANT_FEATURE 1e-12

static size_t coef_stride(size_t d) { return 1 + 2 * d; }

/* Per challenge: the count of its logged props, Σ r, Σ z (d), Σ z r (d), Σ z zᵀ (d × d, upper
 * triangle used). */
static size_t stats_stride(size_t d) { return 2 + 2 * d + d * d; }

static void standardize(const gb_ope_model *m, const double *x, double *z) {
  for (size_t j = 0; j < m->d; j++)
    z[j] = (x[j] - m->mean[j]) * m->inv_sd[j];
}

/* Mean and spread of each feature over every row's context (the contexts the model will be
 * asked about, not only those of logged props). */
static void fit_scaling(gb_ope_model *m, const gb_ope_row *rows, size_t n) {
  for (size_t j = 0; j < m->d; j++) {
    double sum = 0, ss = 0;
    for (size_t i = 0; i < n; i++)
      sum += rows[i].x[j];
    double mean = sum / (double)n;
    for (size_t i = 0; i < n; i++)
      ss += (rows[i].x[j] - mean) * (rows[i].x[j] - mean);
    double sd = sqrt(ss / (double)n);
    m->mean[j] = mean;
    m->inv_sd[j] = sd > CONSTANT_FEATURE * (1 + fabs(mean)) ? 1 / sd : 0;
  }
}

static int by_u32(const void *a, const void *b) {
  uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
  return (x > y) - (x < y);
}

/* m->ordinals: the distinct challenges of the logged props, ascending. */
static int find_challenges(gb_ope_model *m, const gb_ope_row *rows, size_t n, gb_err *err) {
  uint32_t *c = malloc((n ? n : 1) * sizeof *c);
  if (!c)
    return gb_err_set(err, GB_ERR_RUNTIME, "ope: out of memory for the challenges of %zu rows", n);
  size_t k = 0;
  for (size_t i = 0; i < n; i++)
    if (rows[i].logged != GB_OPE_NO_PROP)
      c[k++] = rows[i].candidates[rows[i].logged];
  if (k == 0) {
    free(c);
    return gb_err_set(err, GB_ERR_INPUT, "ope: no row logged a prop: no reward model to fit");
  }
  qsort(c, k, sizeof *c, by_u32);
  m->m = 0;
  for (size_t i = 0; i < k; i++)
    if (i == 0 || c[i] != c[i - 1])
      c[m->m++] = c[i];
  m->ordinals = c;
  return 0;
}

uint32_t gb_ope_model_index(const gb_ope_model *m, uint32_t challenge) {
  const uint32_t *hit = bsearch(&challenge, m->ordinals, m->m, sizeof challenge, by_u32);
  return hit ? (uint32_t)(hit - m->ordinals) : GB_OPE_NO_CHALLENGE;
}

/* The design of rows[0..n) for fits: each row's standardized context (z, n × d) and the index of
 * its logged prop's challenge (lc; GB_OPE_NO_CHALLENGE without one). 0, or -1 when out of
 * memory (then nothing is allocated). */
static int design_of(const gb_ope_model *m, const gb_ope_row *rows, size_t n, double **z,
                     uint32_t **lc) {
  size_t nd = n * m->d;
  *z = malloc((nd ? nd : 1) * sizeof **z); /* (never NULL: row offsets stay valid for d = 0) */
  *lc = malloc((n ? n : 1) * sizeof **lc);
  if (!*z || !*lc) {
    free(*z);
    free(*lc);
    return -1;
  }
  for (size_t i = 0; i < n; i++) {
    standardize(m, rows[i].x, *z + i * m->d);
    (*lc)[i] = rows[i].logged == GB_OPE_NO_PROP
                   ? GB_OPE_NO_CHALLENGE
                   : gb_ope_model_index(m, rows[i].candidates[rows[i].logged]);
  }
  return 0;
}

/* The statistics of the rows, each counted weight[i] times (once when weight is NULL): a
 * bootstrap resample is its rows' counts, and a pass in row order reads memory in order. */
static void accumulate(const gb_ope_model *m, const gb_ope_row *rows, const double *z,
                       const uint32_t *lc, const uint32_t *weight, size_t n, double *stats) {
  size_t d = m->d, ss = stats_stride(d);
  memset(stats, 0, m->m * ss * sizeof *stats);
  for (size_t i = 0; i < n; i++) {
    double w = weight ? weight[i] : 1;
    if (w == 0 || lc[i] == GB_OPE_NO_CHALLENGE)
      continue;
    const double *zi = z + i * d;
    double *st = stats + lc[i] * ss, r = rows[i].reward;
    double *zs = st + 2, *zr = st + 2 + d, *zz = st + 2 + 2 * d;
    st[0] += w;
    st[1] += w * r;
    for (size_t j = 0; j < d; j++) {
      double wz = w * zi[j];
      zs[j] += wz;
      zr[j] += wz * r;
      for (size_t l = j; l < d; l++)
        zz[j * d + l] += wz * zi[l];
    }
  }
}

/* The slopes of one challenge: (S + λI) β = b, S and b centred at the challenge's means. */
static int solve_slopes(const gb_ope_model *m, const double *st, double ridge, double *zbar,
                        double *beta, double *a, gb_err *err) {
  size_t d = m->d;
  double k = st[0], rbar = st[1] / k;
  const double *zr = st + 2 + d, *zz = st + 2 + 2 * d;
  memset(a, 0, d * d * sizeof *a);
  for (size_t j = 0; j < d; j++) {
    beta[j] = zr[j] - k * zbar[j] * rbar;
    for (size_t l = j; l < d; l++)
      a[j * d + l] = zz[j * d + l] - k * zbar[j] * zbar[l];
    a[j * d + j] += ridge;
  }
  /* S + λI is positive definite for λ > 0: a failed Cholesky means non-finite input. */
  lapack_int info =
      LAPACKE_dposv(LAPACK_ROW_MAJOR, 'U', (lapack_int)d, 1, a, (lapack_int)d, beta, 1);
  if (info != 0)
    return gb_err_set(err, GB_ERR_RUNTIME, "ope: the reward model's solve failed (dposv info %d)",
                      (int)info);
  return 0;
}

/* The prior and every challenge's coefficients from the statistics; a (d × d) is scratch. */
static int solve(gb_ope_model *m, const double *stats, const gb_ope_settings *s, double *a,
                 gb_err *err) {
  size_t d = m->d, ss = stats_stride(d), cs = coef_stride(d);
  double count = 0, rsum = 0;
  for (size_t c = 0; c < m->m; c++) {
    count += stats[c * ss];
    rsum += stats[c * ss + 1];
  }
  m->prior = count > 0 ? rsum / count : NAN;
  for (size_t c = 0; c < m->m; c++) {
    const double *st = stats + c * ss;
    double *coef = m->coef + c * cs, *zbar = coef + 1, *beta = coef + 1 + d;
    memset(zbar, 0, 2 * d * sizeof *coef);
    double k = st[0];
    /* Why the intercept is not penalized with the slopes: it is the challenge's mean reward,
     * which the prior shrinks on its own scale (rows), not on the features'. */
    coef[0] = (st[1] + s->prior_rows * m->prior) / (k + s->prior_rows);
    if (k == 0 || d == 0)
      continue; /* (a challenge absent from a resample: the prior, flat) */
    for (size_t j = 0; j < d; j++)
      zbar[j] = st[2 + j] / k;
    if (solve_slopes(m, st, s->ridge, zbar, beta, a, err) != 0)
      return -1;
  }
  return 0;
}

/* Arrays sized by m->m and d: the coefficients, statistics and scratch. */
static int alloc_fit(gb_ope_model *m, double **stats, double **a, gb_err *err) {
  m->coef = malloc(m->m * coef_stride(m->d) * sizeof *m->coef);
  *stats = malloc(m->m * stats_stride(m->d) * sizeof **stats);
  *a = malloc((m->d ? m->d * m->d : 1) * sizeof **a);
  if (!m->coef || !*stats || !*a)
    return gb_err_set(err, GB_ERR_RUNTIME, "ope: out of memory for the model of %zu challenges",
                      m->m);
  return 0;
}

int gb_ope_model_fit(const gb_ope_row *rows, size_t n, const gb_ope_settings *s, gb_ope_model **out,
                     gb_err *err) {
  *out = NULL;
  gb_ope_model *m = calloc(1, sizeof *m);
  if (!m)
    return gb_err_set(err, GB_ERR_RUNTIME, "ope: out of memory for the reward model");
  m->d = s->d;
  fit_scaling(m, rows, n);
  uint32_t *lc = NULL;
  double *z = NULL, *stats = NULL, *a = NULL;
  int rc = find_challenges(m, rows, n, err);
  if (rc == 0)
    rc = design_of(m, rows, n, &z, &lc) == 0
             ? alloc_fit(m, &stats, &a, err)
             : gb_err_set(err, GB_ERR_RUNTIME, "ope: out of memory for %zu rows", n);
  if (rc == 0) {
    accumulate(m, rows, z, lc, NULL, n, stats);
    rc = solve(m, stats, s, a, err);
  }
  free(z);
  free(lc);
  free(stats);
  free(a);
  if (rc != 0) {
    gb_ope_model_free(m);
    return -1;
  }
  *out = m;
  return 0;
}

int gb_ope_model_new(const gb_ope_row *rows, size_t n, const gb_ope_opts *opt, gb_ope_model **out,
                     gb_err *err) {
  *out = NULL;
  gb_ope_settings s;
  if (gb_ope_settings_of(opt, &s, err) != 0)
    return -1;
  for (size_t i = 0; i < n; i++)
    if (gb_ope_check_logged(&rows[i], i, s.d, err) != 0)
      return -1;
  return gb_ope_model_fit(rows, n, &s, out, err);
}

void gb_ope_model_free(gb_ope_model *m) {
  if (!m)
    return;
  free(m->ordinals);
  free(m->coef);
  free(m);
}

double gb_ope_model_prior(const gb_ope_model *m) { return m->prior; }

double gb_ope_model_predict_z(const gb_ope_model *m, uint32_t c, const double *z) {
  if (c == GB_OPE_NO_CHALLENGE)
    return m->prior;
  const double *coef = m->coef + (size_t)c * coef_stride(m->d);
  double v = coef[0];
  for (size_t j = 0; j < m->d; j++)
    v += coef[1 + m->d + j] * (z[j] - coef[1 + j]);
  return v < 0 ? 0 : v > 1 ? 1 : v; /* (NaN, a resample without props, stays NaN) */
}

double gb_ope_model_predict(const gb_ope_model *m, uint32_t challenge, const double *x) {
  double z[GB_OPE_FEATURES_MAX];
  standardize(m, x, z);
  return gb_ope_model_predict_z(m, gb_ope_model_index(m, challenge), z);
}

/* ---- refits on resamples */

struct gb_ope_refit {
  gb_ope_model model; /* the base's scaling and challenges (borrowed), its own coefficients */
  gb_ope_settings s;
  const gb_ope_row *rows;
  size_t n;
  double *z;
  uint32_t *lc;
  double *stats, *a;
};

int gb_ope_refit_new(const gb_ope_model *base, const gb_ope_row *rows, size_t n,
                     const gb_ope_settings *s, gb_ope_refit **out, gb_err *err) {
  *out = NULL;
  gb_ope_refit *f = calloc(1, sizeof *f);
  if (!f)
    return gb_err_set(err, GB_ERR_RUNTIME, "ope: out of memory for the refits");
  f->model = *base;
  f->model.coef = NULL;
  f->s = *s;
  f->rows = rows;
  f->n = n;
  if (design_of(base, rows, n, &f->z, &f->lc) != 0 ||
      alloc_fit(&f->model, &f->stats, &f->a, err) != 0) {
    gb_ope_refit_free(f);
    return gb_err_set(err, GB_ERR_RUNTIME, "ope: out of memory for the refits of %zu rows", n);
  }
  *out = f;
  return 0;
}

void gb_ope_refit_free(gb_ope_refit *f) {
  if (!f)
    return;
  free(f->model.coef);
  free(f->z);
  free(f->lc);
  free(f->stats);
  free(f->a);
  free(f);
}

const double *gb_ope_refit_z(const gb_ope_refit *f, size_t i) { return f->z + i * f->model.d; }

uint32_t gb_ope_refit_logged(const gb_ope_refit *f, size_t i) { return f->lc[i]; }

int gb_ope_refit_on(gb_ope_refit *f, const uint32_t *counts, const gb_ope_model **out,
                    gb_err *err) {
  accumulate(&f->model, f->rows, f->z, f->lc, counts, f->n, f->stats);
  if (solve(&f->model, f->stats, &f->s, f->a, err) != 0)
    return -1;
  *out = &f->model;
  return 0;
}
