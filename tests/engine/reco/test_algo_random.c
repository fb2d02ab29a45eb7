/* random (engine/reco/gb_algo_random.c): a uniform choice by a hash of (seed, decision id),
 * propensity 1/n — the baseline and OPE's logging policy. */
#include <criterion/criterion.h>
#include <math.h>

#include "gb_rng.h"
#include "gb_test_algo.h"

static const uint32_t cands[] = {2, 5, 7, 11};

Test(algo_random, choice_is_the_documented_hash_of_the_decision) {
  /* the draw of the releases before the algorithm interface ("CHO"), kept so that a default
   * run's decisions did not change */
  gbt_algo *a = gbt_algo_new("random", 42, 0, NULL);
  cr_assert_not(a->ops->learns);
  for (uint64_t d = 1; d <= 1000; d++) {
    gb_algo_choice c = gbt_algo_choose(a, d, 0, NULL, cands, 4);
    size_t want = (size_t)(gb_unit(gb_hash3(42, d, 0x43484f)) * 4);
    cr_assert_eq(c.index, want, "decision %llu", (unsigned long long)d);
    cr_assert_eq(c.propensity, 0.25);
  }
  gbt_algo_free(a);
}

Test(algo_random, propensity_is_one_over_the_candidates) {
  gbt_algo *a = gbt_algo_new("random", 42, 0, NULL);
  uint32_t many[300];
  for (uint32_t i = 0; i < 300; i++)
    many[i] = i;
  for (size_t n = 1; n <= 300; n += 37) {
    gb_algo_choice c = gbt_algo_choose(a, n, 0, NULL, many, n);
    cr_assert_eq(c.propensity, 1.0 / (double)n, "n = %zu", n);
  }
  cr_assert_eq(gbt_algo_choose(a, 9, 0, NULL, many, 1).index, 0);
  gbt_algo_free(a);
}

Test(algo_random, choices_are_uniform_and_differ_by_seed_and_by_arm) {
  gbt_algo *a = gbt_algo_new("random", 42, 0, NULL);
  gbt_algo *arm3 = gbt_algo_new("random", 42, 3, NULL);
  gbt_algo *seed7 = gbt_algo_new("random", 7, 0, NULL);
  enum { N = 40000 };
  size_t seen[4] = {0}, differ = 0, arm_differs = 0;
  for (uint64_t d = 1; d <= N; d++) {
    size_t i = gbt_algo_choose(a, d, 0, NULL, cands, 4).index;
    seen[i]++;
    arm_differs += gbt_algo_choose(arm3, d, 0, NULL, cands, 4).index != i;
    differ += gbt_algo_choose(seed7, d, 0, NULL, cands, 4).index != i;
  }
  for (int i = 0; i < 4; i++) /* 10000 expected, sd 87 */
    cr_assert(seen[i] > 9500 && seen[i] < 10500, "candidate %d: %zu of %d", i, seen[i], N);
  cr_assert(fabs((double)differ / N - 0.75) < 0.02, "another seed differs in %zu of %d", differ, N);
  /* arms draw independently (one random arm is a fair off-policy target of another) */
  cr_assert(fabs((double)arm_differs / N - 0.75) < 0.02, "another arm differs in %zu of %d",
            arm_differs, N);
  gbt_algo_free(a);
  gbt_algo_free(arm3);
  gbt_algo_free(seed7);
}
