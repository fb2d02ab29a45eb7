/* gb_mannwhitney: the Mann-Whitney U test (Wilcoxon rank-sum test) of two independent samples.
 *
 * Does one sample tend to have larger values than the other — e.g. are the latencies of this run
 * larger than the baseline's — without assuming a distribution? The n = n_x + n_y values are
 * ranked together (1 = smallest); tied values all get the mean of the ranks they span (mid-ranks).
 * With R_x the rank sum of x:
 *
 *     U_x = R_x - n_x (n_x + 1) / 2,   U_y = n_x n_y - U_x,
 *
 * U_x counts the pairs (x_i, y_j) with x_i > y_j, plus half the pairs with x_i = y_j.
 *
 * Two-sided p-value, normal approximation: with U = max(U_x, U_y), mean n_x n_y / 2 and the
 * tie-corrected variance
 *
 *     sigma^2 = n_x n_y / 12 * ((n + 1) - sum over tie groups of (t^3 - t) / (n (n - 1))),
 *
 * z = (U - n_x n_y / 2 - 0.5) / sigma (the 0.5 is the continuity correction) and p = 2 (1 - Phi(z))
 * = erfc(z / sqrt 2), at most 1. When every value is tied, sigma = 0 and nothing distinguishes
 * the samples: z = 0 and p = 1. These are the formulas of SciPy's mannwhitneyu(method=
 * "asymptotic", use_continuity=True) and R's wilcox.test(correct = TRUE).
 *
 * Exact p-value: when there are no ties and n_x n_y <= GB_MANNWHITNEY_EXACT_MAX_PAIRS, the null
 * distribution of U (every one of the C(n, n_x) arrangements equally likely) is counted exactly
 * and p = min(1, 2 P(U >= max(U_x, U_y))), as SciPy's method="exact". The threshold keeps the
 * count to about a millisecond and half a megabyte; at that size (50 against 50) the normal
 * approximation is within about 2e-3 of the exact p anyway. With ties the exact distribution
 * would depend on the tie pattern: only the approximation is given.
 *
 * One-sided p-values (SciPy's alternative="greater" / "less"): p_greater is the probability,
 * under the null hypothesis, of a U_x at least as large as the one observed — small when x tends
 * to be larger than y; p_less the same for U_y — small when x tends to be smaller. Exact (P(U >=
 * U_x) from the same count) when p_exact is computed, else from the normal approximation with
 * the continuity correction, z = (U_x - n_x n_y / 2 - 0.5) / sigma and p = 1 - Phi(z) (all tied:
 * 1). A regression gate asks "is the new run slower?", one direction only: the one-sided p of
 * that direction is half the two-sided p of the same data when the data lean that way.
 *
 * Effect sizes: the common-language effect size U_x / (n_x n_y), the probability that a random x
 * exceeds a random y (ties counting half), and the rank-biserial correlation
 * (U_x - U_y) / (n_x n_y) = 2 CLES - 1 in [-1, 1]: positive when x tends to be larger.
 *
 * Errors (0, or -1 with gb_err): GB_ERR_INPUT for an empty sample or a NaN value (infinities are
 * ranked like any value); GB_ERR_RUNTIME when out of memory. The inputs are not modified; memory
 * (n values and, for the exact p, (min(n_x, n_y) + 1) (min(U_x, U_y) + 1) doubles) is allocated
 * and freed by the call. */
#ifndef GB_MANNWHITNEY_H
#define GB_MANNWHITNEY_H

#include <stdbool.h>
#include <stddef.h>

#include "gb_err.h"

#define GB_MANNWHITNEY_EXACT_MAX_PAIRS 2500

typedef struct gb_mannwhitney_result {
  double u_x, u_y;      /* U of x and of y; u_x + u_y = n_x n_y; multiples of 0.5 */
  double z;             /* of the normal approximation, from max(U_x, U_y); 0 when all are tied */
  double p_asymptotic;  /* two-sided p of the normal approximation, in [0, 1] */
  double p_exact;       /* two-sided exact p; NaN when not computed (ties, or too many pairs) */
  double p;             /* p_exact when computed, else p_asymptotic */
  double p_greater;     /* one-sided p of "x tends to be larger than y", in (0, 1] */
  double p_less;        /* one-sided p of "x tends to be smaller than y", in (0, 1] */
  double cles;          /* common-language effect size U_x / (n_x n_y), in [0, 1] */
  double rank_biserial; /* (U_x - U_y) / (n_x n_y), in [-1, 1] */
  bool ties;            /* some value occurs more than once (across both samples) */
} gb_mannwhitney_result;

/* Tests x[0..n_x) against y[0..n_y) (both n >= 1). 0 with *out filled, or -1 with an error. */
int gb_mannwhitney_test(const double *x, size_t n_x, const double *y, size_t n_y,
                        gb_mannwhitney_result *out, gb_err *err);

#endif
