#include "gb_interval.h"

#include <math.h>

/* AS 241's coefficients (Wichura 1988, PPND16), lowest degree first. The central range
 * |p - 0.5| <= 0.425 is a rational function of r = 0.180625 - q^2 (0.180625 = 0.425^2); the
 * tails are rational functions of r = sqrt(-log(min(p, 1 - p))), shifted by 1.6 up to r = 5
 * (p > 1.4e-11) and by 5 beyond. */
enum { AS241_TERMS = 8 };
static const double central_num[AS241_TERMS] = {3.3871328727963666080e0,  1.3314166789178437745e+2,
                                                1.9715909503065514427e+3, 1.3731693765509461125e+4,
                                                4.5921953931549871457e+4, 6.7265770927008700853e+4,
                                                3.3430575583588128105e+4, 2.5090809287301226727e+3};
static const double central_den[AS241_TERMS] = {1.0,
                                                4.2313330701600911252e+1,
                                                6.8718700749205790830e+2,
                                                5.3941960214247511077e+3,
                                                2.1213794301586595867e+4,
                                                3.9307895800092710610e+4,
                                                2.8729085735721942674e+4,
                                                5.2264952788528545610e+3};
static const double near_num[AS241_TERMS] = {1.42343711074968357734e0,  4.63033784615654529590e0,
                                             5.76949722146069140550e0,  3.64784832476320460504e0,
                                             1.27045825245236838258e0,  2.41780725177450611770e-1,
                                             2.27238449892691845833e-2, 7.74545014278341407640e-4};
static const double near_den[AS241_TERMS] = {1.0,
                                             2.05319162663775882187e0,
                                             1.67638483018380384940e0,
                                             6.89767334985100004550e-1,
                                             1.48103976427480074590e-1,
                                             1.51986665636164571966e-2,
                                             5.47593808499534494600e-4,
                                             1.05075007164441684324e-9};
static const double far_num[AS241_TERMS] = {6.65790464350110377720e0,  5.46378491116411436990e0,
                                            1.78482653991729133580e0,  2.96560571828504891230e-1,
                                            2.65321895265761230930e-2, 1.24266094738807843860e-3,
                                            2.71155556874348757815e-5, 2.01033439929228813265e-7};
static const double far_den[AS241_TERMS] = {1.0,
                                            5.99832206555887937690e-1,
                                            1.36929880922735805310e-1,
                                            1.48753612908506148525e-2,
                                            7.86869131145613259100e-4,
                                            1.84631831751005468180e-5,
                                            1.42151175831644588870e-7,
                                            2.04426310338993978564e-15};

/* Horner's rule, highest degree first. */
static double poly(const double c[AS241_TERMS], double x) {
  double v = c[AS241_TERMS - 1];
  for (int i = AS241_TERMS - 2; i >= 0; i--)
    v = v * x + c[i];
  return v;
}

static double ratio(const double num[AS241_TERMS], const double den[AS241_TERMS], double x) {
  return poly(num, x) / poly(den, x);
}

double gb_interval_normal_quantile(double p) {
  if (!(p >= 0 && p <= 1)) /* also NaN */
    return NAN;
  if (p == 0)
    return -INFINITY;
  if (p == 1)
    return INFINITY;
  double q = p - 0.5;
  if (fabs(q) <= 0.425)
    return q * ratio(central_num, central_den, 0.180625 - q * q);
  /* The tail probability itself, not 1 - p recomputed from it: p = 1 - 1e-17 is 1 in double
   * but the lower tail keeps its full precision. */
  double r = sqrt(-log(q < 0 ? p : 1 - p));
  double x = r <= 5 ? ratio(near_num, near_den, r - 1.6) : ratio(far_num, far_den, r - 5);
  return q < 0 ? -x : x;
}

double gb_interval_z(double confidence) {
  if (!(confidence > 0 && confidence < 1))
    return NAN;
  /* AS 241 gives 1.9599639845400536 here, 2 ulps below the constant that the 95 % helpers, R and
   * SciPy use: a caller passing 0.95 must get the same bits as one calling gb_interval_wilson95. */
  if (confidence == 0.95)
    return GB_INTERVAL_Z95;
  return gb_interval_normal_quantile(0.5 + confidence / 2);
}

gb_interval gb_interval_wilson(uint64_t k, uint64_t n, double z) {
  if (n == 0 || k > n || !(z > 0) || isinf(z))
    return (gb_interval){NAN, NAN};
  double p = (double)k / (double)n, nn = (double)n;
  double denom = 1 + z * z / nn;
  double centre = (p + z * z / (2 * nn)) / denom;
  double half = z * sqrt(p * (1 - p) / nn + z * z / (4 * nn * nn)) / denom;
  /* At k = 0 (k = n) the bound is exactly 0 (1); the two rounded terms may differ by an ulp. */
  double lo = k == 0 ? 0 : fmax(0, centre - half);
  double hi = k == n ? 1 : fmin(1, centre + half);
  return (gb_interval){lo, hi};
}

gb_interval gb_interval_wilson95(uint64_t k, uint64_t n) {
  return gb_interval_wilson(k, n, GB_INTERVAL_Z95);
}

static double square(double x) { return x * x; }

gb_interval gb_interval_newcombe(uint64_t k1, uint64_t n1, uint64_t k2, uint64_t n2, double z) {
  gb_interval w1 = gb_interval_wilson(k1, n1, z), w2 = gb_interval_wilson(k2, n2, z);
  if (isnan(w1.lo) || isnan(w2.lo))
    return (gb_interval){NAN, NAN};
  double p1 = (double)k1 / (double)n1, p2 = (double)k2 / (double)n2, d = p1 - p2;
  /* Each bound combines the two Wilson half-widths that point its way: lowering p1 - p2 means p1
   * down to l1 and p2 up to u2. sqrt rather than hypot: correctly rounded on every libm, so
   * the bounds are the same bits everywhere. */
  double lo = d - sqrt(square(p1 - w1.lo) + square(w2.hi - p2));
  double hi = d + sqrt(square(w1.hi - p1) + square(p2 - w2.lo));
  return (gb_interval){fmax(-1, lo), fmin(1, hi)};
}
