/* The helpers the algorithm files share (engine/reco/gb_algo_util.c): per-challenge counters,
 * feedback counted in tallies, the tie-breaking argmax, the normal approximation of a sampling
 * policy's propensity, Beta draws, and the contextual bandits' context vector. */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "gb_algo_int.h"

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

/* Φ(1) and Φ(-1) to double precision (Abramowitz & Stegun table 26.1: 0.8413447460685429). */
#define PHI_1 0.8413447460685429
#define PHI_M1 0.15865525393145705
/* The documented accuracy of the tabulated Φ (engine/reco/gb_algo_phi.h). */
#define PHI_ERR 5e-7

Test(algo_util, max_prob_normal_is_the_normal_win_probability_for_two_candidates) {
  /* z = (1.5 - 0.5) / sqrt(0.25 + 0.75) = 1 */
  const double mean[] = {1.5, 0.5}, var[] = {0.25, 0.75};
  double p0 = gb_algo_max_prob_normal(mean, var, 2, 0);
  double p1 = gb_algo_max_prob_normal(mean, var, 2, 1);
  cr_assert_float_eq(p0, PHI_1, PHI_ERR, "%.17g", p0);
  cr_assert_float_eq(p1, PHI_M1, PHI_ERR, "%.17g", p1);
  cr_assert_float_eq(p0 + p1, 1.0, 1e-15, "Φ(z) + Φ(-z) = 1 from the one tail table");
  /* equal scores: one half each */
  const double same[] = {0.3, 0.3}, v[] = {0.1, 0.1};
  cr_assert_eq(gb_algo_max_prob_normal(same, v, 2, 0), 0.5);
  cr_assert_eq(gb_algo_max_prob_normal(same, v, 2, 1), 0.5);
  /* one candidate: certain */
  cr_assert_eq(gb_algo_max_prob_normal(mean, var, 1, 0), 1.0);
}

Test(algo_util, max_prob_normal_follows_erfc_across_the_table_and_past_it) {
  const double var[] = {0.5, 0.5}; /* the pair's sd: 1, so z is the gap */
  for (double z = -7.95; z < 12; z += 0.0173) {
    const double mean[] = {z, 0};
    double want = 0.5 * erfc(-z / sqrt(2.0)), got = gb_algo_max_prob_normal(mean, var, 2, 0);
    if (want < 1e-6)
      want = 1e-6; /* the floor */
    cr_assert_float_eq(got, want, PHI_ERR, "z %g: %.17g, not %.17g", z, got, want);
    /* relatively too, in the lower tail the product of many terms is made of */
    if (want > 1e-6 && z < 0)
      cr_assert_lt(fabs(got / want - 1), z > -6 ? 2e-4 : 1e-3, "z %g: %.17g, not %.17g", z, got,
                   want);
  }
}

Test(algo_util, max_prob_normal_without_spread_and_its_floor) {
  const double mean[] = {0.7, 0.2, 0.7}, var[] = {0, 0, 0};
  cr_assert_eq(gb_algo_max_prob_normal(mean, var, 2, 0), 1.0, "the larger fixed score wins");
  cr_assert_eq(gb_algo_max_prob_normal(mean, var, 2, 1), 1e-6, "a certain loser: the floor");
  const double tie[] = {0.7, 0.7};
  cr_assert_eq(gb_algo_max_prob_normal(tie, var, 2, 1), 1.0, "an equal fixed score counts");
  /* 40 standard deviations behind: Φ(-40) underflows far below the floor */
  const double far[] = {0, 40}, one[] = {0.5, 0.5};
  cr_assert_eq(gb_algo_max_prob_normal(far, one, 2, 0), 1e-6);
}

Test(algo_util, max_prob_normal_beyond_two_is_the_product_of_pairwise_wins) {
  const double mean[] = {1, 0, 0}, var[] = {0.5, 0.5, 0.5}; /* each pair: z = 1 */
  cr_assert_float_eq(gb_algo_max_prob_normal(mean, var, 3, 0), PHI_1 * PHI_1, 2 * PHI_ERR);
  /* candidate 1: beaten by 0 (Φ(-1)), level with 2 (1/2) */
  cr_assert_float_eq(gb_algo_max_prob_normal(mean, var, 3, 1), PHI_M1 * 0.5, PHI_ERR);
  /* four equal scores: 1/8, not the exact 1/4 (the documented approximation) */
  const double eq[] = {2, 2, 2, 2}, ev[] = {1, 1, 1, 1};
  cr_assert_eq(gb_algo_max_prob_normal(eq, ev, 4, 2), 0.125);
}

Test(algo_util, argmax_takes_the_highest_score_wherever_it_is) {
  const double s[] = {0.1, 0.9, 0.3, -2};
  for (uint64_t tie = 0; tie < 100; tie++)
    cr_assert_eq(gb_algo_argmax(s, N_OF(s), tie), 1);
  const double last[] = {0.1, 0.2, 0.3};
  cr_assert_eq(gb_algo_argmax(last, 3, 5), 2);
  cr_assert_eq(gb_algo_argmax(last, 1, 5), 0);
}

Test(algo_util, argmax_breaks_ties_evenly_by_the_hash) {
  /* three candidates tie at 0.9: each wins about a third of the ties, the others never */
  const double s[] = {0.5, 0.9, 0.9, 0.2, 0.9};
  size_t wins[N_OF(s)] = {0};
  enum { DRAWS = 30000 };
  for (uint64_t d = 0; d < DRAWS; d++)
    wins[gb_algo_argmax(s, N_OF(s), gb_hash3(d, GB_SALT_TIE, 0))]++;
  cr_assert_eq(wins[0] + wins[3], 0);
  for (size_t i = 1; i < N_OF(s); i += i == 2 ? 2 : 1) /* 1, 2, 4: 10000 expected, sd 82 */
    cr_assert(wins[i] > 9500 && wins[i] < 10500, "candidate %zu won %zu of %d", i, wins[i], DRAWS);
  /* the same tie hash, the same winner */
  cr_assert_eq(gb_algo_argmax(s, N_OF(s), 77), gb_algo_argmax(s, N_OF(s), 77));
}

Test(algo_util, beta_draws_have_the_beta_mean_and_variance) {
  /* Gamma draws below GB_ALGO_BETA_NORMAL, the scaled normal at and above it */
  const double ab[][2] = {{2, 5}, {0.5, 0.5}, {30, 10}, {1, 1}, {40, 60}, {30, 300}};
  enum { DRAWS = 200000 };
  for (size_t k = 0; k < N_OF(ab); k++) {
    double a = ab[k][0], b = ab[k][1];
    gb_rng rng;
    gb_rng_seed(&rng, 5, k);
    double sum = 0, sum2 = 0;
    for (int i = 0; i < DRAWS; i++) {
      double z;
      gb_algo_normals(&rng, &z, 1);
      double x = gb_algo_beta(&rng, a, b, z);
      cr_assert(x >= 0 && x <= 1, "Beta(%g, %g) drew %g", a, b, x);
      sum += x;
      sum2 += x * x;
    }
    double mean = sum / DRAWS, var = sum2 / DRAWS - mean * mean;
    double want = a / (a + b), want_var = a * b / ((a + b) * (a + b) * (a + b + 1));
    /* 6 standard errors of the mean; the variance within 3 % */
    cr_assert(fabs(mean - want) < 6 * sqrt(want_var / DRAWS), "Beta(%g, %g): mean %g, not %g", a, b,
              mean, want);
    cr_assert(fabs(var / want_var - 1) < 0.03, "Beta(%g, %g): variance %g, not %g", a, b, var,
              want_var);
  }
}

Test(algo_util, beta_draws_follow_the_stream) {
  gb_rng x, y;
  gb_rng_seed(&x, 9, 4);
  gb_rng_seed(&y, 9, 4);
  for (int i = 0; i < 100; i++)
    cr_assert_eq(gb_algo_beta(&x, 0.7, 3, 0), gb_algo_beta(&y, 0.7, 3, 0));
  gb_rng_seed(&y, 9, 5);
  cr_assert_neq(gb_algo_beta(&x, 0.7, 3, 0), gb_algo_beta(&y, 0.7, 3, 0));
}

Test(algo_util, counts_grow_zeroed_and_read_0_beyond_their_room) {
  gb_algo_counts c = {0};
  cr_assert_eq(gb_algo_given(&c, 0), 0);
  cr_assert_eq(gb_algo_used(&c, 12345), 0);
  gb_algo_counts_reserve(&c, 10);
  cr_assert_geq(c.cap, 10);
  for (size_t i = 0; i < c.cap; i++)
    cr_assert(c.given[i] == 0 && c.used[i] == 0);
  c.given[3] = 4;
  size_t cap = c.cap;
  gb_algo_counts_reserve(&c, 5); /* already room: nothing moves */
  cr_assert_eq(c.cap, cap);
  gb_algo_counts_reserve(&c, 5000);
  cr_assert_geq(c.cap, 5000);
  cr_assert_eq(gb_algo_given(&c, 3), 4, "growth keeps the counts");
  cr_assert_eq(gb_algo_given(&c, 4999), 0);
  gb_algo_counts_free(&c);
  cr_assert_eq(c.cap, 0);
  cr_assert_null(c.given);
}

static gb_tally *tally(void) {
  gb_tally *t = NULL;
  gb_err err = {0};
  cr_assert_eq(gb_tally_new(0, &t, &err), 0, "%s", err.msg);
  return t;
}

Test(algo_util, feedback_counts_given_and_used_by_segment_and_nothing_else) {
  gb_tally *t = tally();
  gb_feature_vec f = {0};
  gb_algo_feedback fb = {.challenge = 5, .features = &f};
  const gb_algo_signal order[] = {GB_ALGO_GIVEN, GB_ALGO_USED, GB_ALGO_COMPLETED, GB_ALGO_GIVEN,
                                  GB_ALGO_ENDED};
  for (size_t i = 0; i < N_OF(order); i++) {
    fb.signal = order[i];
    gb_algo_count_feedback(&fb, 3, t);
  }
  cr_assert_eq(gb_tally_count(t), 2);
  cr_assert_eq(gb_tally_get(t, gb_algo_key(GB_TAG_GIVEN, UINT64_C(3) << 32 | 5)), 2);
  cr_assert_eq(gb_tally_get(t, gb_algo_key(GB_TAG_USED, UINT64_C(3) << 32 | 5)), 1);
  /* the counters read them back for segment 3 only */
  gb_algo_counts c3 = {0}, c0 = {0};
  gb_algo_counts_add(&c3, t, 3);
  gb_algo_counts_add(&c0, t, 0);
  cr_assert_eq(gb_algo_given(&c3, 5), 2);
  cr_assert_eq(gb_algo_used(&c3, 5), 1);
  cr_assert_eq(gb_algo_given(&c0, 5), 0);
  gb_algo_counts_free(&c3);
  gb_algo_counts_free(&c0);
  gb_tally_free(t);
}

Test(algo_util, counts_add_only_their_segments_given_and_used_keys) {
  gb_tally *t = tally();
  gb_tally_add(t, gb_algo_key(GB_TAG_GIVEN, 3), 4);
  gb_tally_add(t, gb_algo_key(GB_TAG_USED, 3), 1);
  gb_tally_add(t, gb_algo_key(GB_TAG_GIVEN, 100), 2);
  gb_tally_add(t, gb_algo_key(GB_TAG_GIVEN, UINT64_C(2) << 32 | 3), 7);
  gb_tally_add(t, gb_algo_key(GB_TAG_A, 3), 99); /* another algorithm's sums */
  gb_tally_add(t, gb_algo_key(GB_TAG_ITEM, 3), 98);
  gb_algo_counts c = {0};
  gb_algo_counts_add(&c, t, 0);
  gb_algo_counts_add(&c, t, 0); /* adds, again */
  cr_assert_eq(gb_algo_given(&c, 3), 8);
  cr_assert_eq(gb_algo_used(&c, 3), 2);
  cr_assert_eq(gb_algo_given(&c, 100), 4);
  cr_assert_eq(gb_algo_used(&c, 100), 0);
  gb_algo_counts s2 = {0};
  gb_algo_counts_add(&s2, t, 2);
  cr_assert_eq(gb_algo_given(&s2, 3), 7);
  cr_assert_eq(gb_algo_given(&s2, 100), 0);
  gb_algo_counts_free(&c);
  gb_algo_counts_free(&s2);
  gb_tally_free(t);
}

Test(algo_util, context_is_a_bias_and_squashed_features) {
  gb_feature_vec f = {0};
  f.x[GB_FEAT_LAST_SESSION_GAMES] = expm1(1.0);        /* log1p: 1 */
  f.x[GB_FEAT_LAST_SESSION_WIN_RATIO] = 0.75;          /* as it is */
  f.x[GB_FEAT_LAST_SESSION_COINS_DELTA] = -expm1(2.0); /* -log1p(-v) / 4: -0.5 */
  f.x[GB_FEAT_LAST_SESSION_PURCHASE] = 1e10;           /* log1p 23.03: clamped to 8 */
  f.x[GB_FEAT_FAVOURITE_GAME_SHARE] = 0.25;            /* as it is */
  f.x[GB_FEAT_DAYS_SINCE_LAST_PURCHASE] = -1;          /* never paid: 0 */
  f.x[GB_FEAT_DAYS_SINCE_INSTALL] = expm1(3.0);        /* 3 */
  double x[GB_ALGO_CTX_DIM];
  gb_algo_context(&f, x);
  cr_assert_eq(GB_ALGO_CTX_DIM, 12);
  double want[GB_ALGO_CTX_DIM] = {1};
  want[1 + GB_FEAT_LAST_SESSION_GAMES] = 1;
  want[1 + GB_FEAT_LAST_SESSION_WIN_RATIO] = 0.75;
  want[1 + GB_FEAT_LAST_SESSION_COINS_DELTA] = -0.5;
  want[1 + GB_FEAT_LAST_SESSION_PURCHASE] = 8;
  want[1 + GB_FEAT_FAVOURITE_GAME_SHARE] = 0.25;
  want[1 + GB_FEAT_DAYS_SINCE_INSTALL] = 3;
  for (int i = 0; i < GB_ALGO_CTX_DIM; i++)
    cr_assert_float_eq(x[i], want[i], 1e-14, "x[%d] = %.17g, not %g", i, x[i], want[i]);
  f.x[GB_FEAT_DAYS_SINCE_LAST_PURCHASE] = expm1(0.5);
  f.x[GB_FEAT_LAST_SESSION_COINS_DELTA] = -1e30; /* -log1p(1e30) / 4 = -17.3: clamped */
  gb_algo_context(&f, x);
  cr_assert_float_eq(x[1 + GB_FEAT_DAYS_SINCE_LAST_PURCHASE], 0.5, 1e-14);
  cr_assert_eq(x[1 + GB_FEAT_LAST_SESSION_COINS_DELTA], -8);
}

Test(algo_util, unknown_players_context_is_the_bias_alone) {
  gb_feature_vec f = {.x = {[GB_FEAT_DAYS_SINCE_LAST_PURCHASE] = -1}};
  double x[GB_ALGO_CTX_DIM];
  gb_algo_context(&f, x);
  for (int i = 0; i < GB_ALGO_CTX_DIM; i++)
    cr_assert_eq(x[i], i == 0 ? 1 : 0, "x[%d] = %g", i, x[i]);
}

Test(algo_util, fixed_point_context_rounds_to_256ths) {
  double x[GB_ALGO_CTX_DIM] = {1, 0.5, -0.25, 1.0 / 3, -1.0 / 3, 8, -8, 1.0 / 512, 0.0039};
  int64_t q[GB_ALGO_CTX_DIM];
  gb_algo_context_fixed(x, q);
  const int64_t want[GB_ALGO_CTX_DIM] = {256, 128, -64, 85, -85, 2048, -2048, 1, 1};
  for (int i = 0; i < GB_ALGO_CTX_DIM; i++)
    cr_assert_eq(q[i], want[i], "q[%d] = %lld", i, (long long)q[i]);
}

Test(algo_util, salts_put_the_arm_above_the_salt) {
  cr_assert_eq(gb_algo_salt(GB_SALT_PICK, 0), GB_SALT_PICK);
  cr_assert_eq(gb_algo_salt(GB_SALT_SAMPLE, 2), (uint64_t)GB_SALT_SAMPLE ^ (UINT64_C(2) << 48));
  cr_assert_neq(gb_algo_salt(GB_SALT_EXPLORE, 1), gb_algo_salt(GB_SALT_EXPLORE, 2));
}
