/* popularity (engine/reco/gb_algo_popularity.c): the highest (used + strength · mean) / (given +
 * strength) over a window of epochs, greedy, changed only at its own boundaries. */
#include <criterion/criterion.h>
#include <string.h>

#include "gb_test_algo.h"

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))
#define MIN 60000

enum { DECISIONS = 300 };

/* How many of DECISIONS decisions choose ordinal among the candidates. */
static size_t picks(const gbt_algo *a, const uint32_t *cands, size_t n, uint32_t ordinal) {
  return gbt_algo_count_picks(a, 1, DECISIONS, NULL, cands, n, ordinal);
}

Test(algo_popularity, prefers_the_higher_use_rate_with_propensity_1) {
  gbt_algo *a = gbt_algo_new("popularity", 1, 0, NULL); /* strength 10, mean 0.5 */
  gbt_algo_props(a, 0, 3, 1000, NULL, 10, 8);           /* (8 + 5) / 20 = 0.65 */
  gbt_algo_props(a, 1, 7, 2000, NULL, 40, 10);          /* (10 + 5) / 50 = 0.3 */
  gbt_algo_epoch1(a, MIN);
  const uint32_t all[] = {3, 7, 9}, worse[] = {7, 9}, one[] = {7};
  for (uint64_t d = 1; d <= DECISIONS; d++) {
    gb_algo_choice c = gbt_algo_choose(a, d, 0, NULL, all, 3);
    cr_assert_eq(all[c.index], 3);
    cr_assert_eq(c.propensity, 1.0);
  }
  /* an untried challenge scores the prior mean, 0.5: above 0.3 */
  cr_assert_eq(picks(a, worse, 2, 9), DECISIONS);
  cr_assert_eq(picks(a, one, 1, 7), DECISIONS, "a single candidate is chosen");
  gbt_algo_free(a);
}

Test(algo_popularity, the_prior_decides_between_few_and_many_props) {
  /* 2 of 2 used against 80 of 100: the prior (strength 10, mean 0.5) puts the first at
   * 7 / 12 = 0.583 and the second at 85 / 110 = 0.773; with no prior, 1.0 against 0.8 */
  const uint32_t cands[] = {3, 4};
  gbt_algo *prior = gbt_algo_new("popularity", 1, 0, NULL);
  gbt_algo *raw = gbt_algo_new("popularity", 1, 0, "prior_strength", 0.0, NULL);
  gbt_algo *both[] = {prior, raw};
  for (int i = 0; i < 2; i++) {
    gbt_algo_props(both[i], 0, 3, 1000, NULL, 2, 2);
    gbt_algo_props(both[i], 0, 4, 1000, NULL, 100, 80);
    gbt_algo_epoch1(both[i], MIN);
  }
  cr_assert_eq(picks(prior, cands, 2, 4), DECISIONS);
  cr_assert_eq(picks(raw, cands, 2, 3), DECISIONS);
  gbt_algo_free(prior);
  gbt_algo_free(raw);
}

Test(algo_popularity, equal_scores_tie_and_the_hash_shares_them) {
  /* 5 of 10 with strength 10 and mean 0.5: (5 + 5) / 20 = 0.5 exactly, the untried score */
  gbt_algo *a = gbt_algo_new("popularity", 1, 0, NULL);
  gbt_algo_props(a, 0, 5, 1000, NULL, 10, 5);
  gbt_algo_props(a, 0, 8, 1000, NULL, 10, 6); /* 11 / 20 = 0.55 */
  gbt_algo_epoch1(a, MIN);
  const uint32_t tie[] = {5, 6}, best[] = {5, 6, 8};
  size_t five = picks(a, tie, 2, 5);
  cr_assert(five > DECISIONS / 3 && five < 2 * DECISIONS / 3, "5 chosen %zu of %d", five,
            DECISIONS);
  cr_assert_eq(picks(a, best, 3, 8), DECISIONS);
  gbt_algo_free(a);
}

Test(algo_popularity, an_untried_challenge_scores_the_prior_mean_without_a_prior) {
  /* prior_strength 0: the plain use rate; a challenge never given has no rate and scores the
   * prior mean (0.5), so 9 of 10 (0.9) beats it whatever the ordinals */
  gbt_algo *a = gbt_algo_new("popularity", 1, 0, "prior_strength", 0.0, NULL);
  gbt_algo_props(a, 0, 5, 1000, NULL, 10, 9);
  gbt_algo_props(a, 0, 6, 1000, NULL, 10, 1); /* 0.1 */
  gbt_algo_epoch1(a, MIN);
  const uint32_t low[] = {0, 5}, high[] = {5, 40}, bad[] = {0, 6};
  cr_assert_eq(picks(a, low, 2, 5), DECISIONS);
  cr_assert_eq(picks(a, high, 2, 5), DECISIONS);
  cr_assert_eq(picks(a, bad, 2, 0), DECISIONS);
  gbt_algo_free(a);
}

Test(algo_popularity, nothing_changes_between_its_own_boundaries) {
  /* epoch 2 min: the engine's exchange at 1 min (a finer arm's tick) adds the increments up
   * without changing a choice; the 2-min boundary applies them */
  gbt_algo *a = gbt_algo_new("popularity", 1, 0, "epoch", 2.0 * MIN, "window", 20.0 * MIN, NULL);
  const uint32_t cands[] = {1, 2, 3, 4};
  size_t before[DECISIONS], after[DECISIONS];
  gbt_algo_choices(a, 1, DECISIONS, NULL, cands, 4, before, NULL);
  gbt_algo_props(a, 0, 2, 1000, NULL, 10, 10);
  gbt_algo_epoch1(a, MIN);
  gbt_algo_choices(a, 1, DECISIONS, NULL, cands, 4, after, NULL);
  cr_assert_eq(memcmp(before, after, sizeof before), 0, "a choice changed at a non-own boundary");
  cr_assert_lt(picks(a, cands, 4, 2), DECISIONS / 2);
  gbt_algo_epoch1(a, 2 * MIN); /* no new increments: the pending ones apply */
  cr_assert_eq(picks(a, cands, 4, 2), DECISIONS);
  gbt_algo_free(a);
}

Test(algo_popularity, the_window_forgets_old_epochs) {
  /* a window of two epochs */
  gbt_algo *a = gbt_algo_new("popularity", 1, 0, "window", 2.0 * MIN, NULL);
  const uint32_t cands[] = {3, 7};
  gbt_algo_props(a, 0, 3, 1000, NULL, 20, 20);
  gbt_algo_epoch1(a, MIN); /* 3: 25 / 30 */
  cr_assert_eq(picks(a, cands, 2, 3), DECISIONS);
  gbt_algo_props(a, 0, 7, MIN + 1000, NULL, 10, 10);
  gbt_algo_epoch1(a, 2 * MIN); /* 3: 25 / 30 = 0.833, 7: 15 / 20 = 0.75 */
  cr_assert_eq(picks(a, cands, 2, 3), DECISIONS);
  gbt_algo_epoch1(a, 3 * MIN); /* the first epoch leaves: 3 scores 0.5 again, 7 still 0.75 */
  cr_assert_eq(picks(a, cands, 2, 7), DECISIONS);
  gbt_algo_epoch1(a, 4 * MIN); /* both gone: a tie */
  size_t seven = picks(a, cands, 2, 7);
  cr_assert(seven > 0 && seven < DECISIONS, "7 chosen %zu of %d after the window", seven,
            DECISIONS);
  gbt_algo_free(a);
}

Test(algo_popularity, respects_the_candidates_given) {
  gbt_algo *a = gbt_algo_new("popularity", 1, 0, NULL);
  gbt_algo_props(a, 0, 50, 1000, NULL, 100, 100); /* by far the best, but not a candidate */
  gbt_algo_props(a, 0, 20, 1000, NULL, 10, 9);
  gbt_algo_epoch1(a, MIN);
  const uint32_t cands[] = {10, 20, 30, 49, 51};
  cr_assert_eq(picks(a, cands, N_OF(cands), 20), DECISIONS);
  gbt_algo_free(a);
}

Test(algo_popularity, shards_merged_learn_what_one_shard_learns) {
  /* the same feedback counted by one shard, or split between two and merged */
  gbt_algo *one = gbt_algo_new("popularity", 1, 0, NULL);
  gbt_algo *sh[2] = {gbt_algo_new("popularity", 1, 0, NULL),
                     gbt_algo_new("popularity", 1, 0, NULL)};
  for (uint32_t ch = 0; ch < 12; ch++) {
    unsigned given = 10 + ch, used = (ch * 7) % 11;
    gbt_algo_props(one, ch, ch, 1000, NULL, given, used);
    gbt_algo_props(sh[ch % 2], ch, ch, 1000, NULL, given, used);
  }
  gbt_algo_epoch1(one, MIN);
  gbt_algo_epoch(sh, 2, MIN);
  const uint32_t cands[] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
  size_t x[DECISIONS], y[DECISIONS], z[DECISIONS];
  gbt_algo_choices(one, 1, DECISIONS, NULL, cands, N_OF(cands), x, NULL);
  gbt_algo_choices(sh[0], 1, DECISIONS, NULL, cands, N_OF(cands), y, NULL);
  gbt_algo_choices(sh[1], 1, DECISIONS, NULL, cands, N_OF(cands), z, NULL);
  cr_assert_eq(memcmp(x, y, sizeof x), 0);
  cr_assert_eq(memcmp(x, z, sizeof x), 0);
  /* (used + 5) / (given + 10), untried 12 at 0.5: ch 3 (10 of 13) 15 / 23 = 0.652 beats ch 1
   * (7 of 11) 12 / 21 = 0.571 and ch 6 (9 of 16) 14 / 26 = 0.538 */
  for (size_t i = 0; i < DECISIONS; i++)
    cr_assert_eq(cands[x[i]], 3);
  gbt_algo_free(one);
  gbt_algo_free(sh[0]);
  gbt_algo_free(sh[1]);
}

Test(algo_popularity, window_must_be_a_whole_number_of_at_most_10000_epochs) {
  gb_err err = {0};
  cr_assert_eq(gbt_algo_try("popularity", &err, "window", 90000.0, NULL), -1);
  cr_assert_eq(err.kind, GB_ERR_INPUT);
  cr_assert(strstr(err.msg, "window 90000 ms must be a multiple of epoch 60000 ms"), "%s", err.msg);
  cr_assert_eq(gbt_algo_try("popularity", &err, "epoch", 1000.0, "window", 10001000.0, NULL), -1);
  cr_assert(strstr(err.msg, "at most 10000 of them"), "%s", err.msg);
  cr_assert_eq(gbt_algo_try("popularity", &err, "epoch", 1000.0, "window", 10000000.0, NULL), 0,
               "%s", err.msg);
}
