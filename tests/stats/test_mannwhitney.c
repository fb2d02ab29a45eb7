#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "gb_mannwhitney.h"

/* Reference values: ranks, U and the tie term worked by hand (shown per test); z and the
 * asymptotic p from the header's formulas in 40-digit arithmetic (Python mpmath); exact p by
 * enumerating every arrangement (small cases) or by counting rank-sum subsets with Python
 * integers (10 against 12), an algorithm independent of the one under test. The SciPy example
 * is from the documentation of scipy.stats.mannwhitneyu. */

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

static gb_mannwhitney_result test(const double *x, size_t nx, const double *y, size_t ny) {
  gb_mannwhitney_result r;
  gb_err err = {0};
  cr_assert_eq(gb_mannwhitney_test(x, nx, y, ny, &r, &err), 0, "%s", err.msg);
  return r;
}

static void assert_close(double got, double want, double rel, const char *what) {
  cr_assert(fabs(got - want) <= rel * fabs(want), "%s: got %.17g, want %.17g", what, got, want);
}

/* The reference values of one test: U exactly (multiples of 0.5), z and the p-values to
 * 1e-14 or so (erfc and the exact count round a few times); p_exact NaN when none is due. */
typedef struct expected {
  double u_x, u_y, z, p_asymptotic, p_exact;
} expected;

static void assert_result(gb_mannwhitney_result r, expected e) {
  cr_assert_eq(r.u_x, e.u_x);
  cr_assert_eq(r.u_y, e.u_y);
  assert_close(r.z, e.z, 1e-15, "z");
  assert_close(r.p_asymptotic, e.p_asymptotic, 1e-13, "p asymptotic");
  if (isnan(e.p_exact)) {
    cr_assert(isnan(r.p_exact), "no exact p expected, got %g", r.p_exact);
    cr_assert_eq(r.p, r.p_asymptotic);
  } else {
    assert_close(r.p_exact, e.p_exact, 1e-14, "p exact");
    cr_assert_eq(r.p, r.p_exact);
  }
  cr_assert_eq(r.cles, e.u_x / (e.u_x + e.u_y));
  cr_assert_eq(r.rank_biserial, (e.u_x - e.u_y) / (e.u_x + e.u_y));
}

/* x below y entirely: R_x = 1 + 2 + 3 = 6, U_x = 6 - 3 * 4 / 2 = 0, U_y = 9. Exact: only 1 of
 * the C(6, 3) = 20 arrangements has U = 0, p = 2 / 20. Normal: mean 4.5, variance 9 * 7 / 12 =
 * 5.25, z = (9 - 4.5 - 0.5) / sqrt(5.25) = 1.7457431218879390501, p = erfc(z / sqrt 2). */
Test(mannwhitney, separated_samples) {
  double x[] = {1, 2, 3}, y[] = {4, 5, 6};
  gb_mannwhitney_result r = test(x, 3, y, 3);
  assert_result(r, (expected){0, 9, 1.7457431218879390501, 0.080855598370052291233, 0.1});
  cr_assert_not(r.ties);
  cr_assert_eq(r.cles, 0);
  cr_assert_eq(r.rank_biserial, -1);
}

/* scipy.stats.mannwhitneyu(males, females): statistic 17.0, p 0.1111111111111111 (exact) and
 * 0.11134688653314041 (method="asymptotic"). Ranks of x among 11 12 16 17 19 20 22 24 29:
 * 19 -> 5, 22 -> 7, 16 -> 3, 29 -> 9, 24 -> 8; R_x = 32, U_x = 32 - 15 = 17. */
Test(mannwhitney, scipy_documentation_example) {
  double males[] = {19, 22, 16, 29, 24}, females[] = {20, 11, 17, 12};
  gb_mannwhitney_result r = test(males, 5, females, 4);
  assert_result(
      r, (expected){17, 3, 1.5921683328090657638, 0.11134688653314043117, 0.11111111111111111111});
  assert_close(r.cles, 0.85, 1e-15, "cles");
  assert_close(r.rank_biserial, 0.7, 1e-15, "rank-biserial");
}

/* Ties get mid-ranks: x = 1 2 2 3, y = 2 3 4 5; combined 1 2 2 2 3 3 4 5 with ranks 1, 3 3 3
 * (positions 2..4), 5.5 5.5, 7, 8. R_x = 1 + 3 + 3 + 5.5 = 12.5, U_x = 12.5 - 10 = 2.5. Tie term
 * (3^3 - 3) + (2^3 - 2) = 30; variance 16 / 12 * (9 - 30 / 56) = 11.285714…; z = (13.5 - 8 - 0.5)
 * / sqrt(11.2857) = 1.4883513944689679764. No exact p with ties. */
Test(mannwhitney, ties_use_mid_ranks_and_the_tie_correction) {
  double x[] = {1, 2, 2, 3}, y[] = {2, 3, 4, 5};
  gb_mannwhitney_result r = test(x, 4, y, 4);
  assert_result(r, (expected){2.5, 13.5, 1.4883513944689679764, 0.13665824773814751269, NAN});
  cr_assert(r.ties);
  cr_assert_eq(r.cles, 2.5 / 16);
  cr_assert_eq(r.rank_biserial, -11.0 / 16);
}

/* Everything tied: U_x = U_y = 3, variance 6 / 12 * (6 - (125 - 5) / 20) = 0: z = 0, p = 1. */
Test(mannwhitney, all_tied) {
  double x[] = {7, 7, 7}, y[] = {7, 7};
  gb_mannwhitney_result r = test(x, 3, y, 2);
  cr_assert_eq(r.u_x, 3);
  cr_assert_eq(r.u_y, 3);
  cr_assert_eq(r.z, 0);
  cr_assert_eq(r.p, 1);
  cr_assert(isnan(r.p_exact));
  cr_assert_eq(r.cles, 0.5);
  cr_assert_eq(r.rank_biserial, 0);
}

/* One value each: U_x = 0; z = (1 - 0.5 - 0.5) / 0.5 = 0, p = 1; exact 2 * 1/2 = 1. */
Test(mannwhitney, one_against_one) {
  double x[] = {1}, y[] = {2};
  assert_result(test(x, 1, y, 1), (expected){0, 1, 0, 1, 1});
}

/* 1 3 5 7 against 2 4 6 8: R_x = 1 + 3 + 5 + 7 = 16, U_x = 6, U_y = 10; variance 16 * 9 / 12 =
 * 12; z = (10 - 8 - 0.5) / sqrt 12. Exact: 24 of the 70 arrangements have U <= 6. */
Test(mannwhitney, interleaved) {
  double x[] = {1, 3, 5, 7}, y[] = {2, 4, 6, 8};
  assert_result(test(x, 4, y, 4),
                (expected){6, 10, 0.43301270189221932338, 0.66500554210202910329, 48.0 / 70});
}

/* 1..10 against 11..20: exact p = 2 / C(20, 10) = 2 / 184756, a tail the additive count keeps to
 * full precision; the normal approximation (z = (100 - 50 - 0.5) / sqrt(175)) overstates it. */
Test(mannwhitney, exact_small_tail) {
  double x[10], y[10];
  for (int i = 0; i < 10; i++) {
    x[i] = i + 1;
    y[i] = i + 11;
  }
  assert_result(test(x, 10, y, 10),
                (expected){0, 100, 3.7418482827913495494, 0.00018267179110955011412,
                           1.0825088224469029423e-05});
}

/* 10 against 12 without ties: U_x = 40 (each x counted against the y values below it:
 * 0 1 1 3 3 4 5 7 7 9); exact p by rank-sum subsets with Python integers. */
Test(mannwhitney, ten_against_twelve) {
  double x[] = {0.5, 1.7, 2.2, 3.9, 4.4, 5.1, 6.3, 7.8, 8.2, 9.9};
  double y[] = {1.1, 2.9, 3.3, 4.8, 5.5, 6.6, 7.1, 8.8, 9.1, 10.5, 11.2, 12.0};
  gb_mannwhitney_result r = test(x, N_OF(x), y, N_OF(y));
  assert_result(
      r, (expected){40, 80, 1.2857919231217846592, 0.19851568979039623832, 0.20296731132644445338});
  /* the arguments' order flips U and the effect sizes, not p */
  gb_mannwhitney_result s = test(y, N_OF(y), x, N_OF(x));
  cr_assert_eq(s.u_x, 80);
  cr_assert_eq(s.p_exact, r.p_exact);
  cr_assert_eq(s.p_asymptotic, r.p_asymptotic);
  cr_assert_eq(s.rank_biserial, -r.rank_biserial);
}

/* GB_MANNWHITNEY_EXACT_MAX_PAIRS: 50 x 50 = 2500 pairs still gets an exact p, 51 x 50 not. */
Test(mannwhitney, exact_threshold) {
  double x[51], y[50];
  for (int i = 0; i < 51; i++)
    x[i] = 2 * i;
  for (int i = 0; i < 50; i++)
    y[i] = 2 * i + 1;
  gb_mannwhitney_result r = test(x, 50, y, 50);
  cr_assert_not(isnan(r.p_exact));
  cr_assert(fabs(r.p_exact - r.p_asymptotic) < 1e-3, "%g vs %g", r.p_exact, r.p_asymptotic);
  r = test(x, 51, y, 50);
  cr_assert(isnan(r.p_exact));
  cr_assert_eq(r.p, r.p_asymptotic);
}

Test(mannwhitney, infinities_are_ranked) {
  double x[] = {-INFINITY, 0}, y[] = {1, INFINITY};
  gb_mannwhitney_result r = test(x, 2, y, 2);
  cr_assert_eq(r.u_x, 0);
  assert_close(r.p_exact, 2.0 / 6, 1e-15, "p exact"); /* 1 of the C(4, 2) = 6 arrangements */
}

Test(mannwhitney, errors) {
  double x[] = {1, 2}, nan[] = {1, NAN};
  gb_mannwhitney_result r;
  gb_err err = {0};
  cr_assert_eq(gb_mannwhitney_test(x, 0, x, 2, &r, &err), -1);
  cr_assert_eq(err.kind, GB_ERR_INPUT);
  cr_assert(strstr(err.msg, "sample x is empty"), "%s", err.msg);
  cr_assert_eq(gb_mannwhitney_test(x, 2, x, 0, &r, &err), -1);
  cr_assert(strstr(err.msg, "sample y is empty"), "%s", err.msg);
  cr_assert_eq(gb_mannwhitney_test(x, 2, nan, 2, &r, &err), -1);
  cr_assert_eq(err.kind, GB_ERR_INPUT);
  cr_assert(strstr(err.msg, "value 1 of y is NaN"), "%s", err.msg);
}

/* ---- One-sided p-values ----
 * References: exact tails by enumerating every arrangement of the ranks (Python itertools, no
 * recursion), asymptotic ones from the header's formula in 40-digit arithmetic (mpmath); SciPy's
 * mannwhitneyu(x, y, alternative="greater"/"less") defines the same quantities. */

typedef struct one_sided {
  double greater, less;
} one_sided;

static void assert_one_sided(gb_mannwhitney_result r, one_sided e) {
  assert_close(r.p_greater, e.greater, 1e-13, "p greater");
  assert_close(r.p_less, e.less, 1e-13, "p less");
}

/* x entirely below y: "x smaller" has the extreme U_y = 9, 1 arrangement of 20; "x larger"
 * cannot be less likely than it is (U_x = 0 is the minimum): p = 1. */
Test(mannwhitney, one_sided_separated) {
  double x[] = {1, 2, 3}, y[] = {4, 5, 6};
  gb_mannwhitney_result r = test(x, 3, y, 3);
  assert_one_sided(r, (one_sided){1, 0.05});
  cr_assert_eq(r.p_exact, 2 * r.p_less, "two-sided = twice the smaller one-sided tail");
}

/* SciPy's documentation example (males against females): greater 1/18, less 61/63. */
Test(mannwhitney, one_sided_scipy_example) {
  double males[] = {19, 22, 16, 29, 24}, females[] = {20, 11, 17, 12};
  assert_one_sided(test(males, 5, females, 4),
                   (one_sided){0.055555555555555555556, 0.96825396825396825397});
}

/* 5 repeats against 5, every new one slower: the smallest one-sided p of 5 against 5,
 * 1 / C(10, 5) = 1/252 — what a regression gate with 5 repeats a side can reach at best. */
Test(mannwhitney, one_sided_five_against_five) {
  double base[] = {1, 2, 3, 4, 5}, slower[] = {10, 11, 12, 13, 14};
  gb_mannwhitney_result r = test(slower, 5, base, 5);
  assert_one_sided(r, (one_sided){1.0 / 252, 1});
  assert_close(r.p_asymptotic, 2 * 0.0060928901776724041161, 1e-13, "p asymptotic");
}

/* 1 3 5 7 against 2 4 6 8: 53 of 70 arrangements have U_x >= 6, 24 have U_x <= 6. */
Test(mannwhitney, one_sided_interleaved) {
  double x[] = {1, 3, 5, 7}, y[] = {2, 4, 6, 8};
  assert_one_sided(test(x, 4, y, 4), (one_sided){0.75714285714285714286, 0.34285714285714285714});
}

/* With ties: the normal approximation, z = (U - 8 - 0.5) / sqrt(11.2857…) for U = 2.5 and 13.5. */
Test(mannwhitney, one_sided_with_ties_is_asymptotic) {
  double x[] = {1, 2, 2, 3}, y[] = {2, 3, 4, 5};
  assert_one_sided(test(x, 4, y, 4), (one_sided){0.96295212550932603631, 0.068329123869073756345});
}

Test(mannwhitney, one_sided_all_tied_is_one) {
  double x[] = {7, 7, 7}, y[] = {7, 7};
  assert_one_sided(test(x, 3, y, 2), (one_sided){1, 1});
}
