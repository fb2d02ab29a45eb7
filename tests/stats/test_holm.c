#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "gb_holm.h"

/* References: R's p.adjust(p, method = "holm"), worked by hand below each test from
 * pmin(1, cummax((m - i + 1) * p[order])). */

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

static void assert_adjusted(const double *p, size_t n, const double *want) {
  double got[16];
  gb_err err = {0};
  cr_assert_eq(gb_holm_adjust(p, n, got, &err), 0, "%s", err.msg);
  for (size_t i = 0; i < n; i++) {
    if (isnan(want[i]))
      cr_assert(isnan(got[i]), "[%zu]: got %g, want NaN", i, got[i]);
    else
      cr_assert(fabs(got[i] - want[i]) <= 1e-15, "[%zu]: got %.17g, want %.17g", i, got[i],
                want[i]);
  }
}

/* p.adjust(c(0.01, 0.02, 0.03, 0.04, 0.05), "holm"): 5 * 0.01 = 0.05, 4 * 0.02 = 0.08,
 * 3 * 0.03 = 0.09, then 2 * 0.04 = 0.08 and 0.05 are raised to the running maximum 0.09. */
Test(holm, step_down_with_running_maximum) {
  double p[] = {0.01, 0.02, 0.03, 0.04, 0.05};
  double want[] = {0.05, 0.08, 0.09, 0.09, 0.09};
  assert_adjusted(p, N_OF(p), want);
}

/* Unsorted input, adjusted values returned in input order: sorted 0.005 (x4 = 0.02), 0.01 (x3 =
 * 0.03), 0.03 (x2 = 0.06), 0.04 (x1, raised to 0.06). */
Test(holm, input_order_is_kept) {
  double p[] = {0.01, 0.04, 0.03, 0.005};
  double want[] = {0.03, 0.06, 0.06, 0.02};
  assert_adjusted(p, N_OF(p), want);
}

/* Capped at 1: 3 * 0.5 = 1.5 -> 1. */
Test(holm, capped_at_one) {
  double p[] = {0.5, 0.001, 0.9};
  double want[] = {1, 0.003, 1};
  assert_adjusted(p, N_OF(p), want);
}

/* NaN = not tested: m = 2, not 4. p.adjust(c(0.02, 0.03), "holm") = 0.04 0.04. */
Test(holm, nan_entries_are_not_counted) {
  double p[] = {NAN, 0.02, NAN, 0.03};
  double want[] = {NAN, 0.04, NAN, 0.04};
  assert_adjusted(p, N_OF(p), want);
  cr_assert_eq(gb_holm_count(p, N_OF(p)), 2);
}

/* In place, and one test alone is not adjusted. */
Test(holm, in_place_and_single) {
  double p[] = {0.2, 0.1};
  gb_err err = {0};
  cr_assert_eq(gb_holm_adjust(p, 2, p, &err), 0);
  cr_assert_eq(p[0], 0.2);
  cr_assert_eq(p[1], 0.2);
  double one[] = {0.0123};
  assert_adjusted(one, 1, one);
  cr_assert_eq(gb_holm_adjust(NULL, 0, NULL, &err), 0, "no tests: nothing to do");
}

/* The 5-repeat gate's arithmetic: the smallest one-sided p of 5 against 5 is 1/252; Holm over
 * 12 metrics makes it 12/252 = 0.0476 <= 0.05, over 13 metrics 13/252 = 0.0516 > 0.05. */
Test(holm, five_repeats_reach_alpha_with_at_most_twelve_tests) {
  double p[13];
  for (size_t i = 0; i < 13; i++)
    p[i] = i == 0 ? 1.0 / 252 : 0.5;
  double adj[13];
  gb_err err = {0};
  cr_assert_eq(gb_holm_adjust(p, 12, adj, &err), 0);
  cr_assert(adj[0] <= 0.05, "%g", adj[0]);
  cr_assert_eq(gb_holm_adjust(p, 13, adj, &err), 0);
  cr_assert(adj[0] > 0.05, "%g", adj[0]);
}

Test(holm, p_outside_unit_interval_is_an_input_error) {
  double p[] = {0.1, 1.5}, out[2];
  gb_err err = {0};
  cr_assert_eq(gb_holm_adjust(p, 2, out, &err), -1);
  cr_assert_eq(err.kind, GB_ERR_INPUT);
  cr_assert(strstr(err.msg, "p-value 1 (1.5) is outside [0, 1]"), "%s", err.msg);
}
