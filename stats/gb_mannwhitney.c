#include "gb_mannwhitney.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>

typedef struct ranked {
  double v;
  int from_x; /* 1 for a value of x, 0 for one of y */
} ranked;

static int cmp_ranked(const void *a, const void *b) {
  double x = ((const ranked *)a)->v, y = ((const ranked *)b)->v;
  return (x > y) - (x < y);
}

/* What the ranking yields: twice R_x (an integer: mid-ranks are multiples of 0.5) and the tie
 * term sum(t^3 - t) of the variance. */
typedef struct rank_sums {
  uint64_t twice_rank_x;
  double tie_term;
  bool ties;
  bool all_tied; /* one tie group: the variance is 0 exactly, whatever tie_term rounds to */
} rank_sums;

static int rank_all(const double *x, size_t n_x, const double *y, size_t n_y, rank_sums *rs,
                    gb_err *err) {
  size_t n = n_x + n_y;
  ranked *all = malloc(n * sizeof *all);
  if (!all)
    return gb_err_set(err, GB_ERR_RUNTIME, "Mann-Whitney: out of memory for %zu values", n);
  for (size_t i = 0; i < n; i++)
    all[i] = i < n_x ? (ranked){x[i], 1} : (ranked){y[i - n_x], 0};
  qsort(all, n, sizeof *all, cmp_ranked);
  *rs = (rank_sums){0};
  for (size_t i = 0, j; i < n; i = j) {
    size_t in_x = 0;
    for (j = i; j < n && all[j].v == all[i].v; j++)
      in_x += (size_t)all[j].from_x;
    /* positions i..j-1 hold ranks i+1..j: their mean doubled is i + 1 + j */
    rs->twice_rank_x += (uint64_t)(i + 1 + j) * in_x;
    double t = (double)(j - i);
    rs->tie_term += t * t * t - t;
    rs->ties = rs->ties || j - i > 1;
    rs->all_tied = j - i == n;
  }
  free(all);
  return 0;
}

/* C(n, k) in floating point, multiplicatively: each partial product is itself a binomial
 * coefficient, so nothing overflows (C(100, 50) = 1e29 at most here) and the error is rounding. */
static double binomial(size_t n, size_t k) {
  double c = 1;
  for (size_t i = 1; i <= k; i++)
    c = c * (double)(n - k + i) / (double)i;
  return c;
}

/* P(U <= u_min) under the null hypothesis, for samples of m and n values without ties, by
 * counting: f(j, k, u), the arrangements of j x-values and k y-values with U = u, satisfies
 * f(j, k, u) = f(j - 1, k, u - k) + f(j, k - 1, u) (the largest value is an x, above all k
 * y-values, or a y, above none). Additions only, so every count keeps full relative precision
 * however small the tail. row[j][u] holds f(j, k, u) for u <= u_min as k grows. */
static int exact_cdf(size_t m, size_t n, size_t u_min, double *cdf, gb_err *err) {
  size_t width = u_min + 1;
  double *f = calloc((m + 1) * width, sizeof *f);
  if (!f)
    return gb_err_set(err, GB_ERR_RUNTIME, "Mann-Whitney: out of memory for the exact p-value");
  for (size_t j = 0; j <= m; j++)
    f[j * width] = 1; /* k = 0: one arrangement, U = 0 */
  for (size_t k = 1; k <= n; k++)
    for (size_t j = 1; j <= m; j++) /* ascending j: row j - 1 already holds k */
      for (size_t u = width; u-- > k;)
        f[j * width + u] += f[(j - 1) * width + u - k];
  double count = 0;
  for (size_t u = 0; u < width; u++)
    count += f[m * width + u];
  free(f);
  *cdf = count / binomial(m + n, m);
  return 0;
}

/* P(U >= u) for a U observed as u (an integer), from P(U <= n_x n_y - u) (the null distribution
 * is symmetric about n_x n_y / 2): the small tail is counted directly, at full precision. */
static int exact_sf(size_t n_x, size_t n_y, double u, double *sf, gb_err *err) {
  size_t m = n_x < n_y ? n_x : n_y, other = n_x < n_y ? n_y : n_x;
  return exact_cdf(m, other, (size_t)((double)n_x * (double)n_y - u), sf, err);
}

/* The one-sided p of the normal approximation for an observed U: 1 - Phi(z). */
static double normal_sf(double pairs, double sigma, double u) {
  if (!(sigma > 0))
    return 1;
  double z = (u - pairs / 2 - 0.5) / sigma;
  return fmin(1, 0.5 * erfc(z / sqrt(2)));
}

/* z and p of the tie-corrected normal approximation with continuity correction. */
static void normal_approximation(double pairs, double n, const rank_sums *rs, double u_max,
                                 gb_mannwhitney_result *out) {
  double var = pairs / 12 * ((n + 1) - rs->tie_term / (n * (n - 1)));
  if (rs->all_tied || !(var > 0)) { /* the ranks say nothing */
    out->z = 0;
    out->p_asymptotic = 1;
    out->p_greater = out->p_less = 1;
    return;
  }
  out->z = (u_max - pairs / 2 - 0.5) / sqrt(var);
  out->p_asymptotic = fmin(1, erfc(out->z / sqrt(2))); /* 2 (1 - Phi(z)) */
  out->p_greater = normal_sf(pairs, sqrt(var), out->u_x);
  out->p_less = normal_sf(pairs, sqrt(var), out->u_y);
}

int gb_mannwhitney_test(const double *x, size_t n_x, const double *y, size_t n_y,
                        gb_mannwhitney_result *out, gb_err *err) {
  if (n_x == 0 || n_y == 0)
    return gb_err_set(err, GB_ERR_INPUT, "Mann-Whitney: sample %s is empty", n_x ? "y" : "x");
  const double *samples[] = {x, y};
  const size_t sizes[] = {n_x, n_y};
  for (int s = 0; s < 2; s++)
    for (size_t i = 0; i < sizes[s]; i++)
      if (isnan(samples[s][i])) /* NaN has no rank: it compares neither below nor above */
        return gb_err_set(err, GB_ERR_INPUT, "Mann-Whitney: value %zu of %s is NaN", i,
                          s ? "y" : "x");
  rank_sums rs;
  if (rank_all(x, n_x, y, n_y, &rs, err) != 0)
    return -1;
  double pairs = (double)n_x * (double)n_y, n = (double)(n_x + n_y);
  uint64_t twice_u_x = rs.twice_rank_x - (uint64_t)n_x * (n_x + 1);
  out->u_x = (double)twice_u_x / 2;
  out->u_y = pairs - out->u_x;
  out->ties = rs.ties;
  out->cles = out->u_x / pairs;
  out->rank_biserial = (out->u_x - out->u_y) / pairs;

  double u_max = fmax(out->u_x, out->u_y);
  normal_approximation(pairs, n, &rs, u_max, out);
  out->p_exact = NAN;
  if (!rs.ties && pairs <= GB_MANNWHITNEY_EXACT_MAX_PAIRS) {
    double tail;
    if (exact_sf(n_x, n_y, u_max, &tail, err) != 0 ||
        exact_sf(n_x, n_y, out->u_x, &out->p_greater, err) != 0 ||
        exact_sf(n_x, n_y, out->u_y, &out->p_less, err) != 0)
      return -1;
    out->p_exact = fmin(1, 2 * tail);
  }
  out->p = isnan(out->p_exact) ? out->p_asymptotic : out->p_exact;
  return 0;
}
