#include <criterion/criterion.h>
#include <math.h>

#include "gb_twoprop.h"

/* Reference values: 50-digit arithmetic (Python mpmath). The p-values are erfc(|z| / sqrt 2) of
 * the pooled z; the ratio bounds are found by root-finding on MOVER's defining equations
 *   lower: p1 - t p2 - sqrt((p1 - l1)^2 + t^2 (u2 - p2)^2) = 0,
 *   upper: p1 - t p2 + sqrt((u1 - p1)^2 + t^2 (p2 - l2)^2) = 0,
 * with the Wilson bounds at z = 1.959963984540054, not from the header's closed form: they check
 * that the closed form solves them. */

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

static void assert_close(double got, double want, double rel, const char *what) {
  cr_assert(fabs(got - want) <= rel * fabs(want), "%s: got %.17g, want %.17g", what, got, want);
}

static const struct {
  uint64_t k1, n1, k2, n2;
  double z, p, lo, hi;
} CASES[] = {
    /* an arm at 36.7 % against random at 28.0 % (the default run's size) */
    {1100, 3000, 838, 2995, 7.1900029767109330649, 6.4789909662236380248e-13, 1.2167849495367150282,
     1.4115152228655212463},
    /* small samples */
    {15, 40, 10, 50, 1.8418218405447613509, 0.065501214256931152599, 0.96186210327944831417,
     3.6505311192506818348},
    {81, 263, 40, 300, 5.0333959294161965764, 4.8186646162569193028e-7, 1.6465628846633490107,
     3.2419775131164579952},
    /* one sample all successes: the upper bound comes from the other's Wilson lower bound */
    {20, 20, 5, 25, 5.3665631459994952714, 8.0251112669275817014e-8, 2.4877111405268694192,
     11.285936936977231175},
};

Test(twoprop, z_test_matches_50_digit_references) {
  for (size_t i = 0; i < N_OF(CASES); i++) {
    double z;
    double p = gb_twoprop_z_test(CASES[i].k1, CASES[i].n1, CASES[i].k2, CASES[i].n2, &z);
    assert_close(z, CASES[i].z, 1e-13, "z");
    /* erfc in the far tail: relative error of a few ulps of the argument, amplified by z^2 */
    assert_close(p, CASES[i].p, 1e-11, "p");
    double zr;
    double pr = gb_twoprop_z_test(CASES[i].k2, CASES[i].n2, CASES[i].k1, CASES[i].n1, &zr);
    cr_assert_eq(zr, -z, "swapping the samples flips the sign of z");
    cr_assert_eq(pr, p, "and keeps the two-sided p-value");
  }
}

Test(twoprop, equal_proportions_give_p_1) {
  double z;
  cr_assert_eq(gb_twoprop_z_test(838, 2995, 838, 2995, &z), 1.0);
  cr_assert_eq(z, 0.0);
  cr_assert_eq(gb_twoprop_z_test(1, 10, 10, 100, NULL), 1.0);
}

Test(twoprop, z_test_is_undefined_without_variance_or_samples) {
  double z = 0;
  cr_assert(isnan(gb_twoprop_z_test(0, 10, 0, 20, &z)), "pooled 0");
  cr_assert(isnan(z));
  cr_assert(isnan(gb_twoprop_z_test(10, 10, 20, 20, NULL)), "pooled 1");
  cr_assert(isnan(gb_twoprop_z_test(1, 0, 2, 20, NULL)), "n1 = 0");
  cr_assert(isnan(gb_twoprop_z_test(1, 10, 0, 0, NULL)), "n2 = 0");
  cr_assert(isnan(gb_twoprop_z_test(11, 10, 2, 20, NULL)), "k1 > n1");
  /* one side all successes, the other not: defined */
  assert_close(gb_twoprop_z_test(0, 20, 5, 25, NULL), 0.033894853524689272933, 1e-13, "0/20");
}

Test(twoprop, ratio_matches_50_digit_references) {
  for (size_t i = 0; i < N_OF(CASES); i++) {
    gb_interval r =
        gb_twoprop_ratio(CASES[i].k1, CASES[i].n1, CASES[i].k2, CASES[i].n2, GB_INTERVAL_Z95);
    assert_close(r.lo, CASES[i].lo, 1e-13, "lo");
    assert_close(r.hi, CASES[i].hi, 1e-13, "hi");
    double ratio =
        ((double)CASES[i].k1 / (double)CASES[i].n1) / ((double)CASES[i].k2 / (double)CASES[i].n2);
    cr_assert(r.lo <= ratio && ratio <= r.hi);
  }
}

Test(twoprop, ratio_of_equal_samples_straddles_1) {
  gb_interval r = gb_twoprop_ratio(838, 2995, 838, 2995, GB_INTERVAL_Z95);
  assert_close(r.lo, 0.92198430512203849777, 1e-13, "lo");
  assert_close(r.hi, 1.0846171615336065303, 1e-13, "hi");
  r = gb_twoprop_ratio(1, 10, 1, 10, GB_INTERVAL_Z95);
  assert_close(r.lo, 0.11149825528729067444, 1e-13, "1/10 lo");
  assert_close(r.hi, 8.9687502053136320802, 1e-13, "1/10 hi");
}

Test(twoprop, ratio_edges) {
  gb_interval r = gb_twoprop_ratio(0, 20, 5, 25, GB_INTERVAL_Z95);
  cr_assert_eq(r.lo, 0.0, "k1 = 0: exactly 0");
  assert_close(r.hi, 0.97001162504762708285, 1e-13, "0/20 hi");
  r = gb_twoprop_ratio(5, 25, 0, 20, GB_INTERVAL_Z95);
  cr_assert(isnan(r.lo) && isnan(r.hi), "p2 = 0: no ratio");
  r = gb_twoprop_ratio(5, 0, 3, 20, GB_INTERVAL_Z95);
  cr_assert(isnan(r.lo) && isnan(r.hi), "n1 = 0");
  r = gb_twoprop_ratio(5, 25, 3, 20, 0);
  cr_assert(isnan(r.lo) && isnan(r.hi), "z = 0");
  /* a wider level gives a wider interval around the same ratio */
  gb_interval w95 = gb_twoprop_ratio(15, 40, 10, 50, GB_INTERVAL_Z95);
  gb_interval w99 = gb_twoprop_ratio(15, 40, 10, 50, gb_interval_z(0.99));
  cr_assert(w99.lo < w95.lo && w99.hi > w95.hi);
}
