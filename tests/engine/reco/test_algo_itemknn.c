/* itemknn (engine/reco/gb_algo_itemknn.c): co-usage counted per player, similar-challenge lists
 * rebuilt at each own boundary (a sim day), per-player queues of what is similar to what the
 * player used before it, served best first and never twice in an epoch, the highest use rate (with
 * a prior) when the queue has nothing eligible, ε of uniform exploration. */
#include <criterion/criterion.h>
#include <string.h>

#include "gb_test_algo.h"

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))
#define DAY 86400000
#define MIN 60000

/* The player whose queue the tests read: it used challenge 1 only. */
enum { PLAYER = 9 };

/* The prior of the use rates: none (a rate is U / G), and 0.1 for a challenge never given. */
#define PRIOR "prior_strength", 0.0, "prior_mean", 0.1

/* Co-usage worked by hand (props given and used at sim time 1 s, before the first boundary):
 *   slots 0-9 use 1; slots 0 and 1 also use 2; slots 2-5 also use 3; slots 10-15 use 3 only;
 *   slots 20-31 use 5, twice each; slots 40-52 use 6.
 * Players per challenge: n1 = 10, n2 = 2, n3 = 10, n5 = 12 (a player counts once), n6 = 13;
 * co-usage co12 = 2, co13 = 4, co23 = 0.
 *   cosine  co / sqrt(ni nj):      s12 = 2 / sqrt(20) = 0.447,  s13 = 4 / 10 = 0.4
 *   Jaccard co / (ni + nj - co):   s12 = 2 / 10 = 0.2,          s13 = 4 / 16 = 0.25
 * Props not used, given to slots 200 and on, set the use rates U / G:
 *   r1 = 10 / 10, r2 = 2 / 4 = 0.5, r3 = 10 / 20 = 0.5, r5 = 24 / 40 = 0.6, r6 = 13 / 13 = 1;
 *   a challenge never given (7, 9) 0.1.
 * The queue weighs similarity by the use rate, equal for 2 and 3: the player's queue is 2 then 3
 * by cosine, 3 then 2 by Jaccard. The fallback (no queue) is the highest rate: 6, 5, then 2 and
 * 3, then the untried. */
static void teach(gbt_algo *a, int shards_of, int shard) {
  for (uint32_t slot = 0; slot < 53; slot++) {
    if (shards_of > 1 && (int)(slot % (uint32_t)shards_of) != shard)
      continue; /* another shard's player */
    if (slot < 10)
      gbt_algo_props(a, slot, 1, 1000, NULL, 1, 1);
    if (slot < 2)
      gbt_algo_props(a, slot, 2, 1000, NULL, 1, 1);
    if ((slot >= 2 && slot < 6) || (slot >= 10 && slot < 16))
      gbt_algo_props(a, slot, 3, 1000, NULL, 1, 1);
    if (slot >= 20 && slot < 32)
      gbt_algo_props(a, slot, 5, 1000, NULL, 2, 2);
    if (slot >= 40)
      gbt_algo_props(a, slot, 6, 1000, NULL, 1, 1);
  }
  const uint32_t unused[][2] = {{2, 2}, {3, 10}, {5, 16}}; /* challenge, props not used */
  for (size_t k = 0; k < N_OF(unused); k++) {
    uint32_t slot = 200 + (uint32_t)k;
    if (shards_of <= 1 || (int)(slot % (uint32_t)shards_of) == shard)
      gbt_algo_props(a, slot, unused[k][0], 1000, NULL, unused[k][1], 0);
  }
}

static gbt_algo *taught(const char *similarity, double neighbours, double epsilon) {
  gbt_algo *a =
      gbt_algo_new("itemknn", 42, 0, "similarity", strcmp(similarity, "jaccard") == 0 ? 1.0 : 0.0,
                   "neighbours", neighbours, "epsilon", epsilon, PRIOR, NULL);
  teach(a, 1, 0);
  gbt_algo_epoch1(a, DAY);
  return a;
}

static uint32_t pick(const gbt_algo *a, uint64_t decision, uint32_t slot, const uint32_t *cands,
                     size_t n) {
  return gbt_algo_pick(a, decision, slot, NULL, cands, n);
}

Test(algo_itemknn, cosine_and_jaccard_rank_the_neighbours_as_worked_by_hand) {
  gbt_algo *cos = taught("cosine", 20, 0), *jac = taught("jaccard", 20, 0);
  const uint32_t cands[] = {2, 3};
  for (uint64_t d = 1; d <= 100; d++) {
    gb_algo_choice c = gbt_algo_choose(cos, d, PLAYER, NULL, cands, 2);
    cr_assert_eq(cands[c.index], 2);
    cr_assert_eq(c.propensity, 1.0);
    cr_assert_eq(pick(jac, d, PLAYER, cands, 2), 3);
  }
  gbt_algo_free(cos);
  gbt_algo_free(jac);
}

Test(algo_itemknn, the_queue_serves_a_similar_challenge_and_skips_the_ones_served) {
  gbt_algo *a = taught("cosine", 20, 0);
  const uint32_t cands[] = {2, 3, 5, 6}; /* 5 and 6 are more used, but not similar to 1 */
  cr_assert_eq(pick(a, 1, PLAYER, cands, 4), 2);
  gbt_algo_signal(a, GB_ALGO_GIVEN, PLAYER, 2, DAY + 1000, NULL);
  cr_assert_eq(pick(a, 2, PLAYER, cands, 4), 3);
  gbt_algo_signal(a, GB_ALGO_GIVEN, PLAYER, 3, DAY + 2000, NULL);
  /* the queue is spent: the highest use rate (6: 13 of 13, 5: 24 of 40) */
  cr_assert_eq(pick(a, 3, PLAYER, cands, 4), 6);
  /* a served challenge is skipped even when it is all the queue could offer */
  const uint32_t only[] = {2, 5};
  cr_assert_eq(pick(a, 4, PLAYER, only, 2), 5);
  /* the next nightly job starts a new queue, with the rates the props not used lowered: r2 =
   * 2 / 5, r3 = 10 / 21, and 0.447 * 0.4 = 0.179 < 0.4 * 0.476 = 0.190 puts 3 first */
  gbt_algo_epoch1(a, 2 * DAY);
  cr_assert_eq(pick(a, 5, PLAYER, cands, 4), 3);
  gbt_algo_free(a);
}

Test(algo_itemknn, neighbours_keeps_the_most_similar_only) {
  gbt_algo *one = taught("cosine", 1, 0), *two = taught("cosine", 2, 0);
  const uint32_t cands[] = {3, 5}; /* 3 is 1's second neighbour by cosine */
  cr_assert_eq(pick(two, 1, PLAYER, cands, 2), 3);
  cr_assert_eq(pick(one, 1, PLAYER, cands, 2), 5, "beyond the kept neighbours: the use rate");
  gbt_algo_free(one);
  gbt_algo_free(two);
}

Test(algo_itemknn, without_a_queue_it_falls_back_to_the_highest_use_rate) {
  gbt_algo *a = taught("cosine", 20, 0);
  const uint32_t nobody = 60; /* a player with no use */
  const uint32_t c1[] = {2, 3, 5, 6}, c2[] = {2, 3, 5}, c3[] = {2, 7}, c4[] = {7, 9};
  cr_assert_eq(pick(a, 1, nobody, c1, 4), 6, "13 of 13, not 24 of 40 (more uses)");
  cr_assert_eq(pick(a, 1, nobody, c2, 3), 5);
  cr_assert_eq(pick(a, 1, nobody, c3, 2), 2, "0.5: above an untried one's prior 0.1");
  /* the player who used 5 has no neighbour of it (nobody used 5 with another) */
  const uint32_t with5[] = {3, 6};
  cr_assert_eq(pick(a, 1, 20, with5, 2), 6);
  /* untried challenges tie: the hash shares them */
  size_t sevens = 0;
  for (uint64_t d = 1; d <= 400; d++)
    sevens += pick(a, d, nobody, c4, 2) == 7;
  cr_assert(sevens > 133 && sevens < 267, "7 chosen %zu of 400", sevens);
  gbt_algo_free(a);
}

Test(algo_itemknn, uses_after_the_nightly_job_wait_for_the_next_one) {
  gbt_algo *a = taught("cosine", 20, 0);
  const uint32_t late = 70, cands[] = {2, 3, 6};
  gbt_algo_props(a, late, 1, DAY + 5000, NULL, 1, 1);
  cr_assert_eq(pick(a, 1, late, cands, 3), 6, "no queue until the next boundary");
  gbt_algo_epoch1(a, 2 * DAY); /* n1 = 11: s12 = 2 / sqrt(22), s13 = 4 / sqrt(110), r2 = r3 */
  cr_assert_eq(pick(a, 1, late, cands, 3), 2);
  gbt_algo_free(a);
}

Test(algo_itemknn, nothing_changes_before_its_own_boundary) {
  /* the engine exchanges every sim minute when another arm is a bandit: no retraining then */
  gbt_algo *a = gbt_algo_new("itemknn", 42, 0, "epsilon", 0.0, PRIOR, NULL);
  teach(a, 1, 0);
  const uint32_t cands[] = {2, 3, 5, 6, 7};
  size_t before[300], after[300];
  gbt_algo_choices(a, 1, 300, NULL, cands, 5, before, NULL);
  for (int m = 1; m <= 3; m++)
    gbt_algo_epoch1(a, m * MIN);
  gbt_algo_choices(a, 1, 300, NULL, cands, 5, after, NULL);
  cr_assert_eq(memcmp(before, after, sizeof before), 0, "a choice changed at a non-own boundary");
  size_t twos = 0;
  for (uint64_t d = 1; d <= 300; d++)
    twos += pick(a, d, PLAYER, cands, 5) == 2;
  cr_assert(twos > 30 && twos < 90, "untrained, 2 chosen %zu of 300 (a fifth of the ties)", twos);
  gbt_algo_epoch1(a, DAY); /* the increments waited: now it knows */
  for (uint64_t d = 1; d <= 300; d++)
    cr_assert_eq(pick(a, d, PLAYER, cands, 5), 2);
  gbt_algo_free(a);
}

Test(algo_itemknn, exploring_propensities_add_up_for_the_queued_choice) {
  /* ε = 0.5 over 3 candidates: the queued challenge (2) 1 - 0.5 + 0.5/3, each other 0.5/3, also
   * when the exploring draw lands on 2 */
  const double eps = 0.5, top = 1.0 - eps + eps / 3, other = eps / 3;
  gbt_algo *a = taught("cosine", 20, eps);
  const uint32_t cands[] = {2, 5, 6};
  size_t twos = 0;
  enum { N = 6000 };
  for (uint64_t d = 1; d <= N; d++) {
    gb_algo_choice c = gbt_algo_choose(a, d, PLAYER, NULL, cands, 3);
    cr_assert_eq(c.propensity, cands[c.index] == 2 ? top : other, "decision %llu: %u, %.17g",
                 (unsigned long long)d, cands[c.index], c.propensity);
    twos += cands[c.index] == 2;
  }
  cr_assert(twos > N * (top - 0.03) && twos < N * (top + 0.03), "2 chosen %zu of %d", twos, N);
  gbt_algo_free(a);
}

Test(algo_itemknn, shards_merge_their_co_usage_and_keep_their_players) {
  /* the players split between two shards by slot: the statistics are merged, the histories
   * stay where the players live */
  gbt_algo *one = taught("jaccard", 20, 0);
  gbt_algo *sh[2];
  for (int s = 0; s < 2; s++) {
    sh[s] = gbt_algo_new("itemknn", 42, 0, "similarity", 1.0, "epsilon", 0.0, PRIOR, NULL);
    teach(sh[s], 2, s);
  }
  gbt_algo_epoch(sh, 2, DAY);
  const uint32_t cands[] = {2, 3, 5, 6};
  for (uint32_t slot = 0; slot < 72; slot++)
    for (uint64_t d = 1; d <= 20; d++)
      cr_assert_eq(pick(sh[slot % 2], d, slot, cands, 4), pick(one, d, slot, cands, 4),
                   "slot %u, decision %llu", slot, (unsigned long long)d);
  cr_assert_eq(pick(sh[PLAYER % 2], 1, PLAYER, cands, 4), 3, "Jaccard's first neighbour of 1");
  gbt_algo_free(one);
  gbt_algo_free(sh[0]);
  gbt_algo_free(sh[1]);
}
