#include <criterion/criterion.h>
#include <math.h>

#include "gb_quantile.h"

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

/* Expected values are worked by hand from the header's rule, h = (n - 1) p, and agree with R's
 * quantile(type = 7) and NumPy's quantile(). Dyadic fractions (0.25, 0.5, 0.75) interpolate
 * exactly, so those are compared with ==. */

Test(quantile, median_of_an_odd_count_is_the_middle_value) {
  double v[] = {3, 1, 2};
  cr_assert_eq(gb_quantile_median(v, N_OF(v)), 2);
  double w[] = {9, -4, 7, 7, 100}; /* sorted: -4 7 7 9 100 */
  cr_assert_eq(gb_quantile_median(w, N_OF(w)), 7);
}

Test(quantile, median_of_an_even_count_is_the_mean_of_the_two_middle_values) {
  double v[] = {4, 1, 3, 2}; /* (2 + 3) / 2 */
  cr_assert_eq(gb_quantile_median(v, N_OF(v)), 2.5);
  double w[] = {5, 1, 4, 1, 5, 9, 2, 6}; /* sorted 1 1 2 4 5 5 6 9: (4 + 5) / 2 */
  cr_assert_eq(gb_quantile_median(w, N_OF(w)), 4.5);
  double two[] = {10, 0}; /* not the upper middle value (10) nor the lower (0) */
  cr_assert_eq(gb_quantile_median(two, 2), 5);
}

Test(quantile, even_median_is_bitwise_the_classic_mean_and_does_not_overflow) {
  /* 0.5 a + 0.5 b = (a + b) / 2 bit for bit (halving is exact), for non-dyadic values too */
  double pairs[][2] = {{0.1, 0.2}, {1.0 / 3, 2.0 / 3}, {1e-3, 7.77}, {123456.789, 987654.321}};
  for (size_t i = 0; i < N_OF(pairs); i++) {
    double a = pairs[i][0], b = pairs[i][1], v[] = {b, a};
    cr_assert_eq(gb_quantile_median(v, 2), (a + b) / 2, "pair %zu", i);
  }
  double big[] = {1.5e308, 1e308}; /* a + b would be Inf */
  cr_assert_eq(gb_quantile_median(big, 2), 1.25e308);
}

Test(quantile, type7_interpolates_between_order_statistics) {
  double v[] = {4, 2, 1, 3};
  cr_assert_eq(gb_quantile(v, 4, 0.25), 1.75); /* h = 0.75: 1 + 0.75 (2 - 1) */
  cr_assert_eq(gb_quantile(v, 4, 0.75), 3.25); /* h = 2.25: 3 + 0.25 (4 - 3) */
  cr_assert_eq(gb_quantile(v, 4, 1.0 / 3), 2); /* h = 1 exactly: the order statistic */
  /* h = 0.3: 1.3; and the sorted 1 1 2 4 5 5 6 9 at p = 0.9: h = 6.3, 6 + 0.3 (9 - 6) = 6.9 */
  cr_assert_float_eq(gb_quantile(v, 4, 0.1), 1.3, 1e-15);
  double w[] = {5, 1, 4, 1, 5, 9, 2, 6};
  cr_assert_float_eq(gb_quantile(w, N_OF(w), 0.9), 6.9, 1e-14);
}

Test(quantile, extremes_and_clamped_probabilities) {
  double v[] = {7, -2, 5};
  cr_assert_eq(gb_quantile(v, 3, 0), -2);
  cr_assert_eq(gb_quantile(v, 3, 1), 7);
  cr_assert_eq(gb_quantile(v, 3, -0.5), -2);
  cr_assert_eq(gb_quantile(v, 3, 1.5), 7);
  cr_assert(isnan(gb_quantile(v, 3, NAN)));
}

Test(quantile, empty_and_single) {
  cr_assert(isnan(gb_quantile_median(NULL, 0)));
  cr_assert(isnan(gb_quantile(NULL, 0, 0.9)));
  cr_assert_eq(gb_quantile_sort(NULL, 0), 0);
  double one[] = {42.5};
  for (double p = 0; p <= 1; p += 0.125)
    cr_assert_eq(gb_quantile(one, 1, p), 42.5, "p = %g", p);
}

Test(quantile, ties_give_their_value_exactly) {
  /* (1 - g) 0.1 + g 0.1 is not 0.1 in binary for most g: the tie is returned as is */
  double v[] = {0.1, 0.1, 0.1, 0.1};
  for (double p = 0; p <= 1; p += 0.01)
    cr_assert_eq(gb_quantile(v, 4, p), 0.1, "p = %g", p);
}

Test(quantile, nan_values_are_left_out) {
  double v[] = {NAN, 3, 1, NAN, 2};
  cr_assert_eq(gb_quantile_sort(v, 5), 3);
  cr_assert_eq(v[0], 1);
  cr_assert_eq(v[1], 2);
  cr_assert_eq(v[2], 3);
  cr_assert(isnan(v[3]) && isnan(v[4]));
  double w[] = {NAN, 3, 1, NAN, 2};
  cr_assert_eq(gb_quantile_median(w, 5), 2); /* the median of 1 2 3 */
  double all_nan[] = {NAN, NAN};
  cr_assert(isnan(gb_quantile_median(all_nan, 2)));
}

Test(quantile, infinities_are_ordinary_values) {
  double v[] = {INFINITY, 1, -INFINITY};
  cr_assert_eq(gb_quantile_median(v, 3), 1);
  cr_assert_eq(gb_quantile(v, 3, 0.25), -INFINITY); /* between -Inf and 1 */
  cr_assert_eq(gb_quantile(v, 3, 1), INFINITY);
  double w[] = {-INFINITY, INFINITY};
  cr_assert(isnan(gb_quantile_median(w, 2))); /* the mean of -Inf and +Inf */
}

Test(quantile, sorted_variant_leaves_its_input_alone) {
  const double s[] = {1, 2, 4, 8};
  cr_assert_eq(gb_quantile_sorted(s, 4, 0.5), 3);
  cr_assert_eq(gb_quantile_sorted(s, 4, 0.75), 5); /* h = 2.25: 4 + 0.25 (8 - 4) */
  cr_assert_eq(s[0], 1);
  cr_assert_eq(s[3], 8);
}

Test(quantile, never_leaves_the_neighbouring_order_statistics) {
  /* the weighted form can round an ulp past a neighbour; the result is clamped into them */
  double v[] = {0.1, 0.7000000000000001, 0.7, 1.3}; /* neighbours an ulp apart */
  size_t n = gb_quantile_sort(v, 4);
  for (double p = 0; p <= 1; p += 1.0 / 64) {
    double q = gb_quantile_sorted(v, n, p);
    size_t j = (size_t)floor(3 * p);
    cr_assert(q >= v[j] && q <= v[j < 3 ? j + 1 : j], "p = %g gives %.17g", p, q);
  }
}
