/* lints (engine/reco/gb_algo_lints.c): per candidate one draw θ_a·x + v·sqrt(xᵀA_a⁻¹x)·z, z
 * standard normal from a stream keyed by (seed, decision id, arm); the highest given, with the
 * normal approximation's propensity. */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "gb_algo_int.h"
#include "gb_test_algo.h"

#define MIN 60000

enum { DECISIONS = 4000 };

static const uint32_t two[] = {4, 8}, four[] = {4, 8, 15, 16};

static gb_feature_vec ctx(double win_ratio, double favourite_share) {
  gb_feature_vec f = gbt_algo_features();
  f.x[GB_FEAT_SESSION_WIN_RATIO] = win_ratio;
  f.x[GB_FEAT_FAVOURITE_GAME_SHARE] = favourite_share;
  return f;
}

Test(algo_lints, draws_are_keyed_by_the_decision_and_differ_by_arm) {
  gbt_algo *a = gbt_algo_new("lints", 42, 0, NULL), *same = gbt_algo_new("lints", 42, 0, NULL);
  gbt_algo *arm1 = gbt_algo_new("lints", 42, 1, NULL);
  size_t differ = 0, seen[4] = {0};
  for (uint64_t d = 1; d <= DECISIONS; d++) {
    gb_algo_choice c = gbt_algo_choose(a, d, 0, NULL, four, 4);
    gb_algo_choice s = gbt_algo_choose(same, d, 5, NULL, four, 4);
    cr_assert(c.index == s.index && c.propensity == s.propensity);
    /* the prior: four equal normal scores, each pair 1/2, the product 1/8 */
    cr_assert_eq(c.propensity, 0.125);
    seen[c.index]++;
    differ += gbt_algo_choose(arm1, d, 0, NULL, four, 4).index != c.index;
  }
  for (int i = 0; i < 4; i++) /* 1000 expected, sd 27 */
    cr_assert(seen[i] > 880 && seen[i] < 1120, "candidate %d: %zu", i, seen[i]);
  cr_assert(fabs((double)differ / DECISIONS - 0.75) < 0.03, "%zu differ", differ);
  gb_algo_choice c = gbt_algo_choose(a, 1, 0, NULL, two, 2);
  cr_assert_eq(c.propensity, 0.5);
  gbt_algo_free(a);
  gbt_algo_free(same);
  gbt_algo_free(arm1);
}

Test(algo_lints, prefers_the_higher_use_rate_with_its_win_probability) {
  /* x = e0, λ = 1: 4 ~ N(60/101, v²/101), 8 ~ N(20/101, v²/101) with v = 0.3: z = (40/101) /
   * (0.3 sqrt(2/101)) = 9.4, a sure win */
  gbt_algo *a = gbt_algo_new("lints", 42, 0, NULL);
  gbt_algo_props(a, 0, 4, 1000, NULL, 100, 60);
  gbt_algo_props(a, 0, 8, 1000, NULL, 100, 20);
  gbt_algo_epoch1(a, MIN);
  for (uint64_t d = 1; d <= DECISIONS; d++) {
    gb_algo_choice c = gbt_algo_choose(a, d, 0, NULL, two, 2);
    cr_assert_eq(two[c.index], 4);
    cr_assert_float_eq(c.propensity, 1.0, 1e-15);
  }
  gbt_algo_free(a);
}

Test(algo_lints, propensity_of_two_is_the_normal_win_probability_and_near_the_frequency) {
  /* x = e0, λ = 1, v = 1: 4 ~ N(6/11, 1/11), 8 ~ N(4/11, 1/11); the propensity is the normal
   * approximation (gb_algo_max_prob_normal, pinned in test_algo_util) of these */
  gbt_algo *a = gbt_algo_new("lints", 42, 0, "v", 1.0, NULL);
  gbt_algo_props(a, 0, 4, 1000, NULL, 10, 6);
  gbt_algo_props(a, 0, 8, 1000, NULL, 10, 4);
  gbt_algo_epoch1(a, MIN);
  const double mean[2] = {6.0 / 11, 4.0 / 11}, var[2] = {1.0 / 11, 1.0 / 11};
  double p4 = gb_algo_max_prob_normal(mean, var, 2, 0);
  size_t fours = 0;
  enum { N = 20000 };
  for (uint64_t d = 1; d <= N; d++) {
    gb_algo_choice c = gbt_algo_choose(a, d, 0, NULL, two, 2);
    /* the model's inverse is kept in float (gb_lin_model): 1e-6 */
    cr_assert_float_eq(c.propensity, c.index == 0 ? p4 : 1 - p4, 1e-6, "%.17g", c.propensity);
    fours += c.index == 0;
  }
  /* the draws are normal: the propensity is their win probability (the frequency's sd 0.0034;
   * room for a CDF approximated to 0.01) */
  cr_assert(fabs((double)fours / N - p4) < 0.025, "4 chosen %zu of %d, propensity %g", fours, N,
            p4);
  gbt_algo_free(a);
}

Test(algo_lints, v_0_is_greedy_on_the_ridge_estimate) {
  gbt_algo *a = gbt_algo_new("lints", 42, 0, "v", 0.0, NULL);
  gbt_algo_props(a, 0, 4, 1000, NULL, 10, 6);
  gbt_algo_props(a, 0, 8, 1000, NULL, 10, 5);
  gbt_algo_epoch1(a, MIN);
  for (uint64_t d = 1; d <= 500; d++) {
    gb_algo_choice c = gbt_algo_choose(a, d, 0, NULL, two, 2);
    cr_assert_eq(two[c.index], 4);
    cr_assert_eq(c.propensity, 1.0);
  }
  gbt_algo_free(a);
}

Test(algo_lints, two_contexts_get_different_challenges_when_the_data_says_so) {
  gb_feature_vec winner = ctx(1, 0), loyal = ctx(0, 1);
  gbt_algo *a = gbt_algo_new("lints", 42, 0, NULL);
  gbt_algo_props(a, 0, 4, 1000, &winner, 40, 40);
  gbt_algo_props(a, 1, 4, 1000, &loyal, 40, 0);
  gbt_algo_props(a, 2, 8, 1000, &winner, 40, 0);
  gbt_algo_props(a, 3, 8, 1000, &loyal, 40, 40);
  gbt_algo_epoch1(a, MIN);
  cr_assert_eq(gbt_algo_count_picks(a, 1, DECISIONS, &winner, two, 2, 4), DECISIONS);
  cr_assert_eq(gbt_algo_count_picks(a, 1, DECISIONS, &loyal, two, 2, 8), DECISIONS);
  gbt_algo_free(a);
}

Test(algo_lints, nothing_changes_between_its_own_boundaries) {
  gbt_algo *a = gbt_algo_new("lints", 42, 0, "epoch", 2.0 * MIN, NULL);
  size_t before[1000], after[1000];
  double pb[1000], pa[1000];
  gbt_algo_choices(a, 1, 1000, NULL, four, 4, before, pb);
  gbt_algo_props(a, 0, 15, 1000, NULL, 50, 50);
  gbt_algo_epoch1(a, MIN);
  gbt_algo_choices(a, 1, 1000, NULL, four, 4, after, pa);
  cr_assert_eq(memcmp(before, after, sizeof before), 0, "a choice changed at a non-own boundary");
  cr_assert_eq(memcmp(pb, pa, sizeof pb), 0, "a propensity changed at a non-own boundary");
  gbt_algo_epoch1(a, 2 * MIN);
  /* 15 ~ N(50/51, 0.09/51) against N(0, 0.09): wins unless a prior draw passes 0.98 */
  size_t fifteen = gbt_algo_count_picks(a, 1, 1000, NULL, four, 4, 15);
  cr_assert(fifteen > 980, "15 chosen %zu of 1000", fifteen);
  gbt_algo_free(a);
}
