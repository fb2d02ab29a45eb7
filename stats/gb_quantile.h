/* gb_quantile: sample quantiles and medians, by one rule for the whole project.
 *
 * The rule (Hyndman & Fan 1996, definition 7: the default of R's quantile(), NumPy's
 * quantile() and spreadsheets' PERCENTILE): for n ordered values x[0] <= … <= x[n-1] and a
 * probability p in [0, 1], let h = (n - 1) * p, j = floor(h) and g = h - j; the quantile is
 *
 *     x[j]                            when g = 0 (in particular p = 0 gives the minimum, p = 1
 *                                     the maximum, and n = 1 gives x[0] for every p);
 *     (1 - g) * x[j] + g * x[j + 1]   otherwise: linear interpolation between order statistics
 *                                     (x[j] itself when x[j] = x[j + 1], and never outside
 *                                     [x[j], x[j + 1]] whatever the rounding).
 *
 * The median is the quantile at p = 0.5: the middle value of an odd count, and for an even count
 * the MEAN OF THE TWO MIDDLE VALUES, 0.5 * x[n/2 - 1] + 0.5 * x[n/2]. That equals (a + b) / 2
 * bit for bit (halving is exact in binary floating point) except that it cannot overflow.
 *
 * NaN values are missing values: they are sorted after every number and left out, so the
 * quantile is that of the non-NaN values (R's na.rm = TRUE, NumPy's nanquantile); when no value
 * is left the result is NaN. Infinities are ordinary values (an interpolation between -Inf and
 * +Inf is NaN).
 *
 * Every function here sorts the caller's array in place (ascending, NaNs last) rather than
 * copying it: the callers' arrays are scratch buffers of repeat measurements, and afterwards
 * v[0] and v[count - 1] are the minimum and the maximum for free. Pass a copy when the order
 * matters. No allocation, no global state; thread-safe on distinct arrays. */
#ifndef GB_QUANTILE_H
#define GB_QUANTILE_H

#include <stddef.h>

/* Sorts v[0..n) in place, ascending, NaNs after every number; returns the count of non-NaN
 * values (which are then v[0..count)). n = 0 (v may be NULL) returns 0. */
size_t gb_quantile_sort(double *v, size_t n);

/* The quantile at p of sorted[0..n), which must be ascending and free of NaN (as left by
 * gb_quantile_sort, with n its count); it is not modified. p outside [0, 1] is clamped into
 * it; NaN when n = 0 or p is NaN. */
double gb_quantile_sorted(const double *sorted, size_t n, double p);

/* Sorts v (gb_quantile_sort) and returns the quantile at p of its non-NaN values. */
double gb_quantile(double *v, size_t n, double p);

/* gb_quantile(v, n, 0.5): the middle value, or the mean of the two middle values. */
double gb_quantile_median(double *v, size_t n);

#endif
