/* linucb (engine/reco/gb_algo_linucb.c): the highest θ_a·x + α·sqrt(xᵀA_a⁻¹x) over the
 * candidates, deterministic (propensity 1), per context. */
#include <criterion/criterion.h>
#include <string.h>

#include "gb_test_algo.h"

#define MIN 60000

enum { DECISIONS = 500 };

static const uint32_t two[] = {4, 8};

/* A context with the given session win ratio and favourite-game share (exact in fixed point). */
static gb_feature_vec ctx(double win_ratio, double favourite_share) {
  gb_feature_vec f = gbt_algo_features();
  f.x[GB_FEAT_SESSION_WIN_RATIO] = win_ratio;
  f.x[GB_FEAT_FAVOURITE_GAME_SHARE] = favourite_share;
  return f;
}

Test(algo_linucb, without_data_every_candidate_ties) {
  gbt_algo *a = gbt_algo_new("linucb", 42, 0, NULL);
  const uint32_t four[] = {1, 2, 3, 4};
  size_t seen[4] = {0};
  for (uint64_t d = 1; d <= 4000; d++) {
    gb_algo_choice c = gbt_algo_choose(a, d, 0, NULL, four, 4);
    cr_assert_eq(c.propensity, 1.0);
    seen[c.index]++;
  }
  for (int i = 0; i < 4; i++) /* 1000 expected, sd 27 */
    cr_assert(seen[i] > 880 && seen[i] < 1120, "candidate %d: %zu", i, seen[i]);
  gbt_algo_free(a);
}

/* linucb with alpha, taught: challenge 4 used 60 of 100 times, challenge 8 given once, unused
 * (an unknown player's context, x = e0, λ = 1): 4 scores 60/101 + α sqrt(1/101), 8 scores
 * α sqrt(1/2); they cross at α = 0.9777. */
static gbt_algo *optimist(double alpha) {
  gbt_algo *a = gbt_algo_new("linucb", 42, 0, "alpha", alpha, NULL);
  gbt_algo_props(a, 0, 4, 1000, NULL, 100, 60);
  gbt_algo_props(a, 0, 8, 1000, NULL, 1, 0);
  gbt_algo_epoch1(a, MIN);
  return a;
}

Test(algo_linucb, alpha_is_the_weight_of_the_confidence_bonus) {
  const double alphas[] = {0, 0.5, 0.97, 0.985, 2};
  const uint32_t want[] = {4, 4, 4, 8, 8};
  for (size_t k = 0; k < 5; k++) {
    gbt_algo *a = optimist(alphas[k]);
    cr_assert_eq(gbt_algo_count_picks(a, 1, DECISIONS, NULL, two, 2, want[k]), DECISIONS,
                 "alpha %g", alphas[k]);
    gbt_algo_free(a);
  }
}

Test(algo_linucb, two_contexts_get_different_challenges_when_the_data_says_so) {
  /* 4 is used by winners (win ratio 1) and not by loyal players (favourite share 1); 8 the
   * other way round */
  gb_feature_vec winner = ctx(1, 0), loyal = ctx(0, 1);
  gbt_algo *a = gbt_algo_new("linucb", 42, 0, NULL);
  gbt_algo_props(a, 0, 4, 1000, &winner, 40, 40);
  gbt_algo_props(a, 1, 4, 1000, &loyal, 40, 0);
  gbt_algo_props(a, 2, 8, 1000, &winner, 40, 0);
  gbt_algo_props(a, 3, 8, 1000, &loyal, 40, 40);
  gbt_algo_epoch1(a, MIN);
  cr_assert_eq(gbt_algo_count_picks(a, 1, DECISIONS, &winner, two, 2, 4), DECISIONS);
  cr_assert_eq(gbt_algo_count_picks(a, 1, DECISIONS, &loyal, two, 2, 8), DECISIONS);
  gbt_algo_free(a);
}

Test(algo_linucb, nothing_changes_between_its_own_boundaries) {
  gbt_algo *a = gbt_algo_new("linucb", 42, 0, "epoch", 2.0 * MIN, NULL);
  const uint32_t four[] = {1, 2, 3, 4};
  size_t before[DECISIONS], after[DECISIONS];
  gbt_algo_choices(a, 1, DECISIONS, NULL, four, 4, before, NULL);
  gbt_algo_props(a, 0, 3, 1000, NULL, 30, 30);
  gbt_algo_epoch1(a, MIN);
  gbt_algo_choices(a, 1, DECISIONS, NULL, four, 4, after, NULL);
  cr_assert_eq(memcmp(before, after, sizeof before), 0, "a choice changed at a non-own boundary");
  gbt_algo_epoch1(a, 2 * MIN);
  cr_assert_eq(gbt_algo_count_picks(a, 1, DECISIONS, NULL, four, 4, 3), DECISIONS);
  gbt_algo_free(a);
}

Test(algo_linucb, shards_merged_agree_with_one_shard) {
  gb_feature_vec winner = ctx(1, 0), loyal = ctx(0, 1), mid = ctx(0.5, 0.25);
  const gb_feature_vec *ctxs[] = {&winner, &loyal, &mid};
  const uint32_t five[] = {1, 2, 3, 4, 5};
  gbt_algo *one = gbt_algo_new("linucb", 42, 0, NULL);
  gbt_algo *sh[2] = {gbt_algo_new("linucb", 42, 0, NULL), gbt_algo_new("linucb", 42, 0, NULL)};
  for (uint32_t i = 0; i < 30; i++) {
    uint32_t ch = five[i % 5];
    unsigned used = (i * 7) % 4;
    gbt_algo_props(one, i, ch, 1000, ctxs[i % 3], 3, used);
    gbt_algo_props(sh[i % 2], i, ch, 1000, ctxs[i % 3], 3, used);
  }
  gbt_algo_epoch1(one, MIN);
  gbt_algo_epoch(sh, 2, MIN);
  for (int k = 0; k < 3; k++)
    for (uint64_t d = 1; d <= 200; d++) {
      uint32_t x = gbt_algo_pick(one, d, 0, ctxs[k], five, 5);
      cr_assert_eq(gbt_algo_pick(sh[0], d, 0, ctxs[k], five, 5), x);
      cr_assert_eq(gbt_algo_pick(sh[1], d, 0, ctxs[k], five, 5), x);
    }
  gbt_algo_free(one);
  gbt_algo_free(sh[0]);
  gbt_algo_free(sh[1]);
}
