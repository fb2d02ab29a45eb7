/* egreedy (engine/reco/gb_algo_egreedy.c): with probability ε a uniform choice, otherwise the
 * highest (used + strength · mean) / (given + strength); propensities 1 − ε + ε/n for the greedy
 * choice and ε/n for each other, exactly. */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "gb_test_algo.h"

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))
#define MIN 60000

enum { DECISIONS = 20000 };

static const uint32_t cands[] = {3, 5, 7, 9};

/* An egreedy instance with epsilon that has learnt that challenge 7 is the best of cands. */
static gbt_algo *taught(double epsilon, uint16_t arm) {
  gbt_algo *a = gbt_algo_new("egreedy", 42, arm, "epsilon", epsilon, NULL);
  gbt_algo_props(a, 0, 3, 1000, NULL, 20, 4);
  gbt_algo_props(a, 0, 5, 1000, NULL, 20, 8);
  gbt_algo_props(a, 0, 7, 1000, NULL, 20, 15);
  gbt_algo_props(a, 0, 9, 1000, NULL, 20, 2);
  gbt_algo_epoch1(a, MIN);
  return a;
}

Test(algo_egreedy, propensities_are_exactly_those_of_the_policy) {
  const double eps = 0.2, greedy = 1.0 - eps + eps / 4, other = eps / 4; /* 0.85, 0.05 */
  gbt_algo *a = taught(eps, 0);
  size_t seen[4] = {0};
  for (uint64_t d = 1; d <= DECISIONS; d++) {
    gb_algo_choice c = gbt_algo_choose(a, d, 0, NULL, cands, 4);
    seen[c.index]++;
    cr_assert_eq(c.propensity, cands[c.index] == 7 ? greedy : other, "decision %llu: %zu, %.17g",
                 (unsigned long long)d, c.index, c.propensity);
  }
  /* and the frequencies follow them (sd 50 for 0.85, 31 for 0.05) */
  cr_assert(fabs((double)seen[2] / DECISIONS - greedy) < 0.01, "greedy %zu", seen[2]);
  for (int i = 0; i < 4; i += i == 1 ? 2 : 1)
    cr_assert(fabs((double)seen[i] / DECISIONS - other) < 0.008, "candidate %d: %zu", i, seen[i]);
  gbt_algo_free(a);
}

Test(algo_egreedy, tied_best_challenges_share_the_exploiting_probability) {
  /* the greedy choice among k tied best is the tie hash's, uniform among them: each has
   * (1 - ε)/k + ε/n, each other ε/n. Untaught, all four tie at the prior mean: 1/4 each. */
  const double eps = 0.2;
  gbt_algo *fresh = gbt_algo_new("egreedy", 42, 0, "epsilon", eps, NULL);
  size_t seen[4] = {0};
  for (uint64_t d = 1; d <= DECISIONS; d++) {
    gb_algo_choice c = gbt_algo_choose(fresh, d, 0, NULL, cands, 4);
    cr_assert_float_eq(c.propensity, 0.25, 1e-15, "decision %llu: %.17g", (unsigned long long)d,
                       c.propensity);
    seen[c.index]++;
  }
  for (int i = 0; i < 4; i++) /* 5000 expected, sd 61 */
    cr_assert(seen[i] > 4700 && seen[i] < 5300, "candidate %d: %zu", i, seen[i]);
  /* 3 and 7 tie at 9 of 10: (1 - 0.2)/2 + 0.05 = 0.45 each, 0.05 for 5 and 9 */
  gbt_algo *two = gbt_algo_new("egreedy", 42, 0, "epsilon", eps, NULL);
  gbt_algo_props(two, 0, 3, 1000, NULL, 10, 9);
  gbt_algo_props(two, 0, 7, 1000, NULL, 10, 9);
  gbt_algo_props(two, 0, 5, 1000, NULL, 10, 2);
  gbt_algo_props(two, 0, 9, 1000, NULL, 10, 1);
  gbt_algo_epoch1(two, MIN);
  memset(seen, 0, sizeof seen);
  for (uint64_t d = 1; d <= DECISIONS; d++) {
    gb_algo_choice c = gbt_algo_choose(two, d, 0, NULL, cands, 4);
    bool tied = cands[c.index] == 3 || cands[c.index] == 7;
    cr_assert_float_eq(c.propensity, tied ? 0.45 : 0.05, 1e-15, "decision %llu: %u, %.17g",
                       (unsigned long long)d, cands[c.index], c.propensity);
    seen[c.index]++;
  }
  cr_assert(fabs((double)seen[0] / DECISIONS - 0.45) < 0.015, "3 chosen %zu", seen[0]);
  cr_assert(fabs((double)seen[2] / DECISIONS - 0.45) < 0.015, "7 chosen %zu", seen[2]);
  gbt_algo_free(fresh);
  gbt_algo_free(two);
}

Test(algo_egreedy, epsilon_0_is_greedy_and_1_is_uniform) {
  gbt_algo *g = taught(0, 0), *u = taught(1, 0);
  size_t seen[4] = {0};
  for (uint64_t d = 1; d <= DECISIONS; d++) {
    gb_algo_choice c = gbt_algo_choose(g, d, 0, NULL, cands, 4);
    cr_assert_eq(cands[c.index], 7);
    cr_assert_eq(c.propensity, 1.0);
    c = gbt_algo_choose(u, d, 0, NULL, cands, 4);
    cr_assert_eq(c.propensity, 0.25, "1 - 1 + 1/4 and 1/4 alike");
    seen[c.index]++;
  }
  for (int i = 0; i < 4; i++) /* 5000 expected, sd 61 */
    cr_assert(seen[i] > 4700 && seen[i] < 5300, "candidate %d: %zu", i, seen[i]);
  gbt_algo_free(g);
  gbt_algo_free(u);
}

Test(algo_egreedy, draws_are_the_decisions_and_differ_by_arm) {
  gbt_algo *a = taught(0.5, 0), *same = taught(0.5, 0), *arm1 = taught(0.5, 1);
  size_t differ = 0;
  for (uint64_t d = 1; d <= DECISIONS; d++) {
    size_t i = gbt_algo_choose(a, d, 0, NULL, cands, 4).index;
    cr_assert_eq(gbt_algo_choose(same, d, 9, NULL, cands, 4).index, i);
    differ += gbt_algo_choose(arm1, d, 0, NULL, cands, 4).index != i;
  }
  /* independent draws: P(differ) = 1 - (0.625² + 3 · 0.125²) = 0.5625 */
  cr_assert(fabs((double)differ / DECISIONS - 0.5625) < 0.015, "%zu differ", differ);
  gbt_algo_free(a);
  gbt_algo_free(same);
  gbt_algo_free(arm1);
}

Test(algo_egreedy, an_untried_challenge_scores_the_prior_mean_without_a_prior) {
  gbt_algo *a = gbt_algo_new("egreedy", 42, 0, "epsilon", 0.0, "prior_strength", 0.0, NULL);
  gbt_algo_props(a, 0, 5, 1000, NULL, 10, 9); /* 0.9 */
  gbt_algo_props(a, 0, 6, 1000, NULL, 10, 1); /* 0.1 */
  gbt_algo_epoch1(a, MIN);
  const uint32_t low[] = {0, 5}, bad[] = {0, 6};
  cr_assert_eq(gbt_algo_count_picks(a, 1, 200, NULL, low, 2, 5), 200);
  cr_assert_eq(gbt_algo_count_picks(a, 1, 200, NULL, bad, 2, 0), 200);
  gbt_algo_free(a);
}

Test(algo_egreedy, learns_only_at_its_own_boundaries) {
  gbt_algo *a = gbt_algo_new("egreedy", 42, 0, "epoch", 3.0 * MIN, "epsilon", 0.0, NULL);
  size_t before[500], after[500];
  gbt_algo_choices(a, 1, 500, NULL, cands, 4, before, NULL);
  gbt_algo_props(a, 0, 9, 1000, NULL, 30, 30);
  gbt_algo_epoch1(a, MIN);
  gbt_algo_props(a, 0, 5, MIN + 1000, NULL, 30, 29);
  gbt_algo_epoch1(a, 2 * MIN);
  gbt_algo_choices(a, 1, 500, NULL, cands, 4, after, NULL);
  cr_assert_eq(memcmp(before, after, sizeof before), 0, "a choice changed at a non-own boundary");
  /* both epochs' increments: 9 (30.5 / 31 = 0.984) beats 5 (29.5 / 31 = 0.952) */
  gbt_algo_epoch1(a, 3 * MIN);
  cr_assert_eq(gbt_algo_count_picks(a, 1, 500, NULL, cands, 4, 9), 500);
  /* the whole run counts: 5 used 329 of 330 (329.5 / 331 = 0.995) is now the best */
  gbt_algo_props(a, 0, 5, 3 * MIN + 1000, NULL, 300, 300);
  gbt_algo_epoch1(a, 6 * MIN);
  cr_assert_eq(gbt_algo_count_picks(a, 1, 500, NULL, cands, 4, 5), 500);
  gbt_algo_free(a);
}

Test(algo_egreedy, shards_merged_agree_and_respect_the_candidates) {
  gbt_algo *sh[2] = {gbt_algo_new("egreedy", 42, 0, NULL), gbt_algo_new("egreedy", 42, 0, NULL)};
  gbt_algo_props(sh[0], 0, 7, 1000, NULL, 10, 9);
  gbt_algo_props(sh[1], 1, 7, 1000, NULL, 10, 9);
  gbt_algo_props(sh[1], 1, 3, 1000, NULL, 10, 1);
  gbt_algo_epoch(sh, 2, MIN);
  const uint32_t without7[] = {3, 5, 9};
  for (uint64_t d = 1; d <= 2000; d++) {
    gb_algo_choice x = gbt_algo_choose(sh[0], d, 0, NULL, cands, 4);
    gb_algo_choice y = gbt_algo_choose(sh[1], d, 0, NULL, cands, 4);
    cr_assert(x.index == y.index && x.propensity == y.propensity);
    cr_assert_neq(gbt_algo_pick(sh[0], d, 0, NULL, without7, 3), 7);
  }
  gbt_algo_free(sh[0]);
  gbt_algo_free(sh[1]);
}
