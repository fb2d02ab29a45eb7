#include "gb_quantile.h"

#include <math.h>
#include <stdlib.h>

/* Ascending with NaN last: a total order, which qsort needs (the usual (a > b) - (a < b) calls
 * NaN equal to everything, and then the sorted order depends on where the NaNs started). */
static int cmp_nan_last(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  if (isnan(x) || isnan(y))
    return isnan(x) - isnan(y);
  return (x > y) - (x < y);
}

size_t gb_quantile_sort(double *v, size_t n) {
  if (n == 0)
    return 0;
  qsort(v, n, sizeof *v, cmp_nan_last);
  while (n > 0 && isnan(v[n - 1]))
    n--;
  return n;
}

double gb_quantile_sorted(const double *sorted, size_t n, double p) {
  if (n == 0 || isnan(p))
    return NAN;
  p = p < 0 ? 0 : p > 1 ? 1 : p;
  double h = (double)(n - 1) * p;
  double j = floor(h), g = h - j;
  size_t i = (size_t)j;
  /* g = 0 returns the order statistic itself: at p = 1 there is no x[i + 1] to read. */
  if (g == 0)
    return sorted[i];
  double x = sorted[i], y = sorted[i + 1];
  if (x == y) /* ties give their value exactly (the weighted sum of x and x may round off it) */
    return x;
  /* The weighted form rather than x + g * (y - x): at g = 0.5 it is exactly the mean of the two
   * middle values, and y - x cannot overflow. Rounding may leave it an ulp outside [x, y] for
   * other g: clamp, so that a quantile never leaves its neighbours. */
  double q = (1 - g) * x + g * y;
  return q < x ? x : q > y ? y : q;
}

double gb_quantile(double *v, size_t n, double p) {
  return gb_quantile_sorted(v, gb_quantile_sort(v, n), p);
}

double gb_quantile_median(double *v, size_t n) { return gb_quantile(v, n, 0.5); }
