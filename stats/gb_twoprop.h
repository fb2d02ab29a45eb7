/* gb_twoprop: two independent proportions p1 = k1 / n1 and p2 = k2 / n2 compared — is an arm's
 * use rate different from the random arm's, and by how much, relatively?
 *
 * - gb_twoprop_z_test: the two-sided two-proportion z-test with the pooled variance,
 *
 *       p = (k1 + k2) / (n1 + n2),   z = (p1 - p2) / sqrt(p (1 - p) (1 / n1 + 1 / n2)),
 *
 *   p-value = 2 (1 - Phi(|z|)) = erfc(|z| / sqrt 2). This is Pearson's chi-squared test of the
 *   2x2 table without continuity correction (z^2 is its statistic): R's prop.test(correct =
 *   FALSE), statsmodels' proportions_ztest. The normal approximation wants n p and n (1 - p)
 *   of a few or more in both samples; props counted by the thousand are far beyond that.
 *
 * - gb_twoprop_ratio: a confidence interval for the ratio p1 / p2 (the relative lift is the
 *   ratio minus 1) by MOVER-R (the method of variance estimates recovery, Donner & Zou 2012,
 *   "Closed-form confidence intervals for functions of the normal mean and standard deviation",
 *   Statistical Methods in Medical Research 21:347-359; Newcombe 2013, "Confidence Intervals for
 *   Proportions and Related Measures of Effect Size", ch. 10) over the two Wilson intervals
 *   [l1, u1] and [l2, u2] at the same z. Its limits are the roots of the quadratics that MOVER
 *   gives for p1 - theta p2 = 0:
 *
 *       lower = c / (p1 p2 + sqrt((p1 p2)^2 - a c)),   a = u2 (2 p2 - u2),  c = l1 (2 p1 - l1),
 *       upper = (p1 p2 + sqrt((p1 p2)^2 - a' c')) / a', a' = l2 (2 p2 - l2), c' = u1 (2 p1 - u1),
 *
 *   (the lower root written in its cancellation-free form, which also holds when a <= 0). It
 *   contains p1 / p2 and, unlike dividing a difference interval by the observed p2, it carries
 *   the uncertainty of the denominator into the ratio: at a lift of +50 % the random arm's noise
 *   counts 1.5^2 times as much as the other arm's, as the delta method says it should. Measured
 *   by simulation (4,000 pairs of binomial samples each): p1 = 0.56, p2 = 0.28, n = 500 covers
 *   94.6 % (the difference interval divided by p2: 79.6 %); 0.3 against 0.1 at n = 100, 95.4 %
 *   (70.6 %); 0.6 against 0.2 at n = 40, 94.8 % (65.8 %).
 *
 * Undefined results are NaN: a proportion with n = 0 or k > n, z not finite or <= 0; the test
 * when the pooled proportion is 0 or 1 (both samples all failures or all successes: 0 / 0); the
 * ratio when k2 = 0 (p2 = 0: no finite ratio). Pure functions: no allocation, no state,
 * thread-safe. */
#ifndef GB_TWOPROP_H
#define GB_TWOPROP_H

#include <stdint.h>

#include "gb_interval.h"

/* The two-sided p-value in [0, 1] of the pooled two-proportion z-test of k1 / n1 against
 * k2 / n2 (NaN when undefined, see above); *z (when not NULL) gets the statistic, positive when
 * p1 > p2 (NaN when undefined). A p-value below ~1e-300 underflows to 0. */
double gb_twoprop_z_test(uint64_t k1, uint64_t n1, uint64_t k2, uint64_t n2, double *z);

/* The MOVER-R interval of the ratio (k1 / n1) / (k2 / n2) at z (> 0): lo >= 0, lo exactly 0
 * when k1 = 0, and lo <= p1 / p2 <= hi. [NaN, NaN] when either proportion or z is undefined or
 * k2 = 0. */
gb_interval gb_twoprop_ratio(uint64_t k1, uint64_t n1, uint64_t k2, uint64_t n2, double z);

#endif
