#include "gb_twoprop.h"

#include <math.h>
#include <stdbool.h>

static bool defined(uint64_t k, uint64_t n) { return n > 0 && k <= n; }

double gb_twoprop_z_test(uint64_t k1, uint64_t n1, uint64_t k2, uint64_t n2, double *z) {
  if (z)
    *z = NAN;
  if (!defined(k1, n1) || !defined(k2, n2))
    return NAN;
  double pooled = ((double)k1 + (double)k2) / ((double)n1 + (double)n2);
  double var = pooled * (1 - pooled) * (1 / (double)n1 + 1 / (double)n2);
  if (!(var > 0)) /* pooled 0 or 1: both samples alike, and the statistic 0 / 0 */
    return NAN;
  double stat = ((double)k1 / (double)n1 - (double)k2 / (double)n2) / sqrt(var);
  if (z)
    *z = stat;
  return fmin(1, erfc(fabs(stat) / sqrt(2.0)));
}

gb_interval gb_twoprop_ratio(uint64_t k1, uint64_t n1, uint64_t k2, uint64_t n2, double z) {
  gb_interval w1 = gb_interval_wilson(k1, n1, z), w2 = gb_interval_wilson(k2, n2, z);
  if (isnan(w1.lo) || isnan(w2.lo) || k2 == 0)
    return (gb_interval){NAN, NAN};
  double p1 = (double)k1 / (double)n1, p2 = (double)k2 / (double)n2, b = p1 * p2;
  /* x (2p - x) = p^2 - (p - x)^2 <= p^2, so both discriminants are >= 0 up to rounding (fmax). */
  double a = w2.hi * (2 * p2 - w2.hi), c = w1.lo * (2 * p1 - w1.lo);
  double a_up = w2.lo * (2 * p2 - w2.lo), c_up = w1.hi * (2 * p1 - w1.hi);
  double lo = k1 == 0 ? 0 : c / (b + sqrt(fmax(0, b * b - a * c)));
  /* a_up > 0 as 0 < l2 < p2 for k2 >= 1; the guard only keeps a rounded-off l2 from dividing */
  double hi = a_up > 0 ? (b + sqrt(fmax(0, b * b - a_up * c_up))) / a_up : INFINITY;
  /* The roots bracket p1 / p2 exactly; rounding must not move a bound across it. */
  double ratio = p1 / p2;
  return (gb_interval){fmin(lo, ratio), fmax(hi, ratio)};
}
