/* gb_interval: confidence intervals for proportions.
 *
 * - gb_interval_wilson: the Wilson score interval for a binomial proportion k / n (Wilson 1927),
 *   without continuity correction: the set of p whose score test does not reject at level z,
 *
 *       centre = (p^ + z^2 / (2n)) / (1 + z^2 / n),
 *       half   = z * sqrt(p^ (1 - p^) / n + z^2 / (4 n^2)) / (1 + z^2 / n),
 *
 *   [centre - half, centre + half] with p^ = k / n. Unlike the Wald interval it stays inside
 *   [0, 1] and does not collapse to a point at k = 0 or k = n, which matters for small arms
 *   and rare outcomes (a use rate of 0 out of 12 props).
 * - gb_interval_newcombe: Newcombe's hybrid score interval for the difference p1 - p2 of two
 *   independent proportions (Newcombe 1998, "Interval estimation for the difference between
 *   independent proportions", Statistics in Medicine 17:873-890, method 10), built from the two
 *   Wilson intervals [l1, u1] and [l2, u2] at the same z:
 *
 *       lower = (p1^ - p2^) - sqrt((p1^ - l1)^2 + (u2 - p2^)^2),
 *       upper = (p1^ - p2^) + sqrt((u1 - p1^)^2 + (p2^ - l2)^2),
 *
 *   within [-1, 1]. It keeps the Wilson interval's good coverage where the Wald difference
 *   interval fails (small n, proportions near 0 or 1): the "lift" of an arm over another.
 *
 * Every interval takes z, the standard normal quantile of the two-sided level (1.96 for 95 %):
 * GB_INTERVAL_Z95 for the usual 95 %, gb_interval_z for any other level. Undefined intervals
 * (n = 0, k > n, z not finite or <= 0) are [NaN, NaN]: callers write them as empty cells. Pure
 * functions: no allocation, no state, thread-safe. */
#ifndef GB_INTERVAL_H
#define GB_INTERVAL_H

#include <stdint.h>

/* The two-sided 95 % z, Phi^-1(0.975) = 1.95996398454005421…, as R's qnorm(0.975) and SciPy's
 * norm.ppf(0.975) give it (and as result files have always used it); gb_interval_z(0.95) returns
 * exactly this double. */
#define GB_INTERVAL_Z95 1.959963984540054

/* A closed interval [lo, hi]; both NaN when undefined. */
typedef struct gb_interval {
  double lo, hi;
} gb_interval;

/* The inverse of the standard normal CDF, Phi^-1(p), by Wichura's algorithm AS 241 (PPND16,
 * Applied Statistics 37:477-484, 1988): rational approximations in three ranges of p, within
 * a few ulps of the exact value (at most 6 measured against 60-digit arithmetic over
 * [1e-300, 1)). -Inf at 0, +Inf at 1, NaN outside [0, 1] or for NaN. */
double gb_interval_normal_quantile(double p);

/* z for a two-sided confidence level in (0, 1): Phi^-1(0.5 + confidence / 2) by
 * gb_interval_normal_quantile, e.g. 2.5758293035488999 for 0.99 — except that 0.95 gives
 * GB_INTERVAL_Z95 exactly (AS 241 alone is 2 ulps below it). NaN outside (0, 1). */
double gb_interval_z(double confidence);

/* Wilson score interval for k successes out of n trials at z (> 0): a sub-interval of [0, 1]
 * that contains k / n, with lo exactly 0 when k = 0 and hi exactly 1 when k = n. */
gb_interval gb_interval_wilson(uint64_t k, uint64_t n, double z);

/* gb_interval_wilson(k, n, GB_INTERVAL_Z95): the 95 % interval result files report. */
gb_interval gb_interval_wilson95(uint64_t k, uint64_t n);

/* Newcombe's hybrid score interval (method 10) for p1 - p2 = k1 / n1 - k2 / n2 at z (> 0): a
 * sub-interval of [-1, 1] that contains p1 - p2. [NaN, NaN] when either proportion is undefined
 * (n = 0 or k > n). */
gb_interval gb_interval_newcombe(uint64_t k1, uint64_t n1, uint64_t k2, uint64_t n2, double z);

#endif
