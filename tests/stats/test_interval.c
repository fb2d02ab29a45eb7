#include <criterion/criterion.h>
#include <math.h>

#include "gb_interval.h"

/* Reference values: the header's formulas evaluated in 50-digit arithmetic (Python mpmath) with
 * z = 1.959963984540054, and for the inverse normal CDF the root of Phi(z) = p (mpmath.ncdf,
 * Newton to 50 digits) for the double p given. The Newcombe cases are the eight worked examples
 * of Newcombe (1998), Table II, method 10, which the paper prints to 4 decimals; the Wilson
 * 81/263 case is Newcombe (1998, "Two-sided confidence intervals for the single proportion")
 * Table I, 0.2553 to 0.3662. */

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

static void assert_close(double got, double want, double rel, const char *what) {
  cr_assert(fabs(got - want) <= rel * fabs(want), "%s: got %.17g, want %.17g", what, got, want);
}

Test(interval, z95_is_the_conventional_constant) {
  cr_assert_eq(gb_interval_z(0.95), 1.959963984540054);
  cr_assert_eq(GB_INTERVAL_Z95, 1.959963984540054);
  assert_close(gb_interval_z(0.99), 2.5758293035489004539, 1e-15, "z(0.99)");
  assert_close(gb_interval_z(0.90), 1.6448536269514722843, 1e-15, "z(0.90)");
  cr_assert(isnan(gb_interval_z(0)));
  cr_assert(isnan(gb_interval_z(1)));
  cr_assert(isnan(gb_interval_z(-0.5)));
  cr_assert(isnan(gb_interval_z(NAN)));
}

Test(interval, normal_quantile_matches_50_digit_references) {
  static const struct {
    double p, z;
  } cases[] = {
      {0.5, 0},
      {0.975, 1.9599639845400538556},
      {0.025, -1.9599639845400542118},
      {0.3, -0.52440051270804081597},    /* central range */
      {0.85, 1.0364333894937894845},     /* |p - 0.5| = 0.35 */
      {0.999999, 4.7534243088170877657}, /* near tail */
      {1e-10, -6.3613409024040561991},   /* near tail, r < 5 */
      {1e-300, -37.047096299361199237},  /* far tail, r > 5 */
  };
  for (size_t i = 0; i < N_OF(cases); i++) {
    double got = gb_interval_normal_quantile(cases[i].p);
    /* AS 241: within a few ulps; 1e-15 relative is 4 to 5 of them */
    cr_assert(fabs(got - cases[i].z) <= 1e-15 * fabs(cases[i].z), "p = %g: %.17g vs %.17g",
              cases[i].p, got, cases[i].z);
  }
  cr_assert_eq(gb_interval_normal_quantile(0), -INFINITY);
  cr_assert_eq(gb_interval_normal_quantile(1), INFINITY);
  cr_assert(isnan(gb_interval_normal_quantile(-0.1)));
  cr_assert(isnan(gb_interval_normal_quantile(1.1)));
  cr_assert(isnan(gb_interval_normal_quantile(NAN)));
}

Test(interval, wilson_hand_computed) {
  /* 81 / 263 and the others: the header's centre -+ half with p = k / n */
  gb_interval w = gb_interval_wilson95(81, 263);
  assert_close(w.lo, 0.25528851987827423170, 1e-15, "81/263 lo");
  assert_close(w.hi, 0.36620957698280006291, 1e-15, "81/263 hi");
  w = gb_interval_wilson95(1, 10);
  assert_close(w.lo, 0.017876213095072907018, 1e-14, "1/10 lo");
  assert_close(w.hi, 0.40415002679523845660, 1e-15, "1/10 hi");
  w = gb_interval_wilson95(5, 12);
  assert_close(w.lo, 0.19326031365875656134, 1e-15, "5/12 lo");
  assert_close(w.hi, 0.68048868745045024712, 1e-15, "5/12 hi");
}

Test(interval, wilson_at_k_zero_and_k_n_reaches_the_bound_exactly) {
  /* k = 0: [0, z^2 / (n + z^2)]; k = n: [n / (n + z^2), 1] */
  gb_interval w = gb_interval_wilson95(0, 10);
  cr_assert_eq(w.lo, 0);
  assert_close(w.hi, 0.27753279986288920453, 1e-15, "0/10 hi");
  w = gb_interval_wilson95(10, 10);
  assert_close(w.lo, 0.72246720013711079547, 1e-15, "10/10 lo");
  cr_assert_eq(w.hi, 1);
  w = gb_interval_wilson95(0, 1);
  cr_assert_eq(w.lo, 0);
  assert_close(w.hi, 0.79345068562276257264, 1e-15, "0/1 hi");
  w = gb_interval_wilson95(1, 1);
  assert_close(w.lo, 0.20654931437723742736, 1e-14, "1/1 lo");
  cr_assert_eq(w.hi, 1);
}

Test(interval, wilson_undefined_is_nan) {
  gb_interval cases[] = {gb_interval_wilson95(0, 0),    gb_interval_wilson95(3, 2),
                         gb_interval_wilson(1, 2, 0),   gb_interval_wilson(1, 2, -1),
                         gb_interval_wilson(1, 2, NAN), gb_interval_wilson(1, 2, INFINITY)};
  for (size_t i = 0; i < N_OF(cases); i++)
    cr_assert(isnan(cases[i].lo) && isnan(cases[i].hi), "case %zu", i);
}

Test(interval, wilson_narrows_with_n_and_widens_with_z) {
  gb_interval a = gb_interval_wilson95(50, 100), b = gb_interval_wilson95(500, 1000);
  cr_assert(b.hi - b.lo < a.hi - a.lo);
  gb_interval c = gb_interval_wilson(50, 100, gb_interval_z(0.99));
  cr_assert(c.lo < a.lo && c.hi > a.hi);
  /* symmetric about 1/2: the interval of n - k mirrors that of k */
  gb_interval d = gb_interval_wilson95(30, 100), e = gb_interval_wilson95(70, 100);
  assert_close(d.lo, 1 - e.hi, 1e-15, "mirror lo");
  assert_close(d.hi, 1 - e.lo, 1e-15, "mirror hi");
}

Test(interval, newcombe_papers_eight_examples) {
  static const struct {
    uint64_t k1, n1, k2, n2;
    double lo, hi; /* 50-digit values; the paper's 4 decimals in the comment */
  } cases[] = {
      {56, 70, 48, 80, 0.052431472402364895938, 0.33387265403690596151}, /* 0.0524, 0.3339 */
      {9, 10, 3, 10, 0.17052272393450292815, 0.80901797353548797133},    /* 0.1705, 0.8090 */
      {6, 7, 2, 7, 0.058227927482312257322, 0.80624963752422774804},     /* 0.0582, 0.8062 */
      {5, 56, 0, 29, -0.038137147903536879032, 0.19256001385511160487},  /* -0.0381, 0.1926 */
      {0, 10, 0, 20, -0.16112515805281935466, 0.27753279986288920453},   /* -0.1611, 0.2775 */
      {0, 10, 0, 10, -0.27753279986288920453, 0.27753279986288920453},   /* -0.2775, 0.2775 */
      {10, 10, 0, 20, 0.67908603714191473062, 1.0},                      /* 0.6791, 1.0000 */
      {10, 10, 0, 10, 0.60750935043052423295, 1.0},                      /* 0.6075, 1.0000 */
  };
  for (size_t i = 0; i < N_OF(cases); i++) {
    gb_interval d =
        gb_interval_newcombe(cases[i].k1, cases[i].n1, cases[i].k2, cases[i].n2, GB_INTERVAL_Z95);
    assert_close(d.lo, cases[i].lo, 1e-14, "newcombe lo");
    assert_close(d.hi, cases[i].hi, 1e-14, "newcombe hi");
  }
}

Test(interval, newcombe_undefined_is_nan) {
  gb_interval cases[] = {gb_interval_newcombe(1, 0, 1, 2, GB_INTERVAL_Z95),
                         gb_interval_newcombe(1, 2, 0, 0, GB_INTERVAL_Z95),
                         gb_interval_newcombe(3, 2, 1, 2, GB_INTERVAL_Z95),
                         gb_interval_newcombe(1, 2, 1, 2, 0)};
  for (size_t i = 0; i < N_OF(cases); i++)
    cr_assert(isnan(cases[i].lo) && isnan(cases[i].hi), "case %zu", i);
}

Test(interval, newcombe_is_antisymmetric) {
  /* swapping the proportions negates and swaps the bounds */
  gb_interval a = gb_interval_newcombe(56, 70, 48, 80, GB_INTERVAL_Z95);
  gb_interval b = gb_interval_newcombe(48, 80, 56, 70, GB_INTERVAL_Z95);
  cr_assert_eq(a.lo, -b.hi);
  cr_assert_eq(a.hi, -b.lo);
}
