/* The disjoint ridge model of linucb and lints (engine/reco/gb_algo_linear.c): fixed-point sums
 * in the tally, A = λI + Σ x xᵀ and θ = A⁻¹ b solved at the model's own boundaries, worked by
 * hand on contexts whose fixed point is exact. */
#include <criterion/criterion.h>
#include <math.h>

#include "gb_algo_linear.h"

enum { W = 1 + GB_FEAT_SESSION_WIN_RATIO, F = 1 + GB_FEAT_FAVOURITE_GAME_SHARE };

static gb_feature_vec ctx(double win_ratio, double favourite_share) {
  gb_feature_vec f = {.x = {[GB_FEAT_DAYS_SINCE_LAST_PURCHASE] = -1}};
  f.x[GB_FEAT_SESSION_WIN_RATIO] = win_ratio;
  f.x[GB_FEAT_FAVOURITE_GAME_SHARE] = favourite_share;
  return f;
}

static gb_tally *tally(void) {
  gb_tally *t = NULL;
  gb_err err = {0};
  cr_assert_eq(gb_tally_new(0, &t, &err), 0, "%s", err.msg);
  return t;
}

static void feed(gb_tally *t, gb_algo_signal s, uint32_t challenge, const gb_feature_vec *f) {
  gb_algo_feedback fb = {.signal = s, .challenge = challenge, .features = f};
  gb_lin_observe(&fb, t);
}

static void score_at(const gb_lin *m, uint32_t ordinal, const gb_feature_vec *f, double *mean,
                     double *width) {
  double x[GB_LIN_D];
  float xx[GB_LIN_QUAD];
  gb_algo_context(f, x);
  gb_lin_products(x, xx);
  gb_lin_score(m, ordinal, x, xx, mean, width);
}

Test(algo_linear, observe_counts_fixed_point_sums_of_the_context) {
  gb_tally *t = tally();
  gb_feature_vec f = ctx(0.5, 0); /* x = e0 + 0.5 e_W: 256 and 128 in 1/256 units */
  feed(t, GB_ALGO_GIVEN, 3, &f);
  const size_t upper = GB_LIN_D * (GB_LIN_D + 1) / 2; /* A's upper triangle, zeros included */
  cr_assert_eq(gb_tally_count(t), upper);
  uint64_t base = UINT64_C(3) << 16;
  cr_assert_eq(gb_tally_get(t, gb_algo_key(GB_TAG_A, base | 0)), 65536);
  cr_assert_eq(gb_tally_get(t, gb_algo_key(GB_TAG_A, base | W)), 32768);
  cr_assert_eq(gb_tally_get(t, gb_algo_key(GB_TAG_A, base | (W * GB_LIN_D + W))), 16384);
  cr_assert_eq(gb_tally_get(t, gb_algo_key(GB_TAG_A, base | (W * GB_LIN_D + 0))), 0,
               "only the upper triangle is sent");
  feed(t, GB_ALGO_USED, 3, &f);
  cr_assert_eq(gb_tally_count(t), upper + GB_LIN_D);
  cr_assert_eq(gb_tally_get(t, gb_algo_key(GB_TAG_B, base | 0)), 256);
  cr_assert_eq(gb_tally_get(t, gb_algo_key(GB_TAG_B, base | W)), 128);
  cr_assert_eq(gb_tally_get(t, gb_algo_key(GB_TAG_B, base | F)), 0);
  feed(t, GB_ALGO_COMPLETED, 3, &f);
  feed(t, GB_ALGO_ENDED, 3, &f);
  cr_assert_eq(gb_tally_count(t), upper + GB_LIN_D, "completed and ended count nothing");
  cr_assert_eq(gb_tally_get(t, gb_algo_key(GB_TAG_B, base | 0)), 256);
  gb_tally_free(t);
}

Test(algo_linear, the_prior_has_no_mean_and_the_ridge_width) {
  gb_lin m;
  gb_lin_init(&m, 60000, 2.0);
  gb_feature_vec f = ctx(0.5, 0);
  double mean, width;
  score_at(&m, 5, &f, &mean, &width);
  cr_assert_eq(mean, 0);
  cr_assert_float_eq(width, sqrt(1.25 / 2), 1e-7); /* sqrt(xᵀx / λ) */
  gb_lin_free(&m);
}

Test(algo_linear, one_context_gives_the_ridge_use_rate) {
  /* x = e0 only: A00 = λ + given, b0 = used; θ0 = used / (λ + given), width sqrt(1 / A00) */
  gb_lin m;
  gb_lin_init(&m, 60000, 1.0);
  gb_tally *t = tally();
  gb_feature_vec f = ctx(0, 0);
  feed(t, GB_ALGO_GIVEN, 7, &f);
  feed(t, GB_ALGO_USED, 7, &f);
  feed(t, GB_ALGO_GIVEN, 7, &f);
  gb_lin_epoch(&m, 60000, t);
  double mean, width;
  score_at(&m, 7, &f, &mean, &width);
  cr_assert_float_eq(mean, 1.0 / 3, 1e-15);
  cr_assert_float_eq(width, sqrt(1.0 / 3), 1e-7);
  /* another direction is untouched: x = e0 + e_W, A⁻¹ = diag(1/3, 1, ...) */
  gb_feature_vec g = ctx(1, 0);
  score_at(&m, 7, &g, &mean, &width);
  cr_assert_float_eq(mean, 1.0 / 3, 1e-15);
  cr_assert_float_eq(width, sqrt(1.0 / 3 + 1), 1e-7);
  gb_lin_free(&m);
  gb_tally_free(t);
}

Test(algo_linear, two_contexts_solve_the_two_by_two_ridge) {
  /* used at x1 = e0 + e_W, not used at x2 = e0, λ = 1: on (e0, e_W), A = [[3, 1], [1, 2]],
   * A⁻¹ = [[2, -1], [-1, 3]] / 5, b = (1, 1), θ = (0.2, 0.4) */
  gb_lin m;
  gb_lin_init(&m, 60000, 1.0);
  gb_tally *t = tally();
  gb_feature_vec x1 = ctx(1, 0), x2 = ctx(0, 0), x3 = ctx(0, 1);
  feed(t, GB_ALGO_GIVEN, 2, &x1);
  feed(t, GB_ALGO_USED, 2, &x1);
  feed(t, GB_ALGO_GIVEN, 2, &x2);
  gb_lin_epoch(&m, 120000, t);
  double mean, width;
  score_at(&m, 2, &x1, &mean, &width);
  cr_assert_float_eq(mean, 0.6, 1e-14);
  cr_assert_float_eq(width, sqrt(0.6), 1e-7); /* (2 - 1 - 1 + 3) / 5 */
  score_at(&m, 2, &x2, &mean, &width);
  cr_assert_float_eq(mean, 0.2, 1e-14);
  cr_assert_float_eq(width, sqrt(0.4), 1e-7);
  score_at(&m, 2, &x3, &mean, &width); /* e0 + e_F: 2/5 + 1 */
  cr_assert_float_eq(mean, 0.2, 1e-14);
  cr_assert_float_eq(width, sqrt(1.4), 1e-7);
  gb_lin_free(&m);
  gb_tally_free(t);
}

Test(algo_linear, sums_wait_for_the_models_own_boundary) {
  gb_lin m;
  gb_lin_init(&m, 120000, 1.0);
  gb_tally *t = tally();
  gb_feature_vec f = ctx(0, 0);
  for (int i = 0; i < 4; i++)
    feed(t, GB_ALGO_GIVEN, 1, &f);
  feed(t, GB_ALGO_USED, 1, &f);
  gb_lin_epoch(&m, 60000, t); /* a finer arm's tick: added, not solved */
  double mean, width;
  score_at(&m, 1, &f, &mean, &width);
  cr_assert_eq(mean, 0);
  cr_assert_eq(width, 1.0, "still the prior's");
  gb_tally_clear(t);
  feed(t, GB_ALGO_GIVEN, 1, &f);
  gb_lin_epoch(&m, 120000, t); /* both epochs' sums: A00 = 1 + 5, b0 = 1 */
  score_at(&m, 1, &f, &mean, &width);
  cr_assert_float_eq(mean, 1.0 / 6, 1e-15);
  cr_assert_float_eq(width, sqrt(1.0 / 6), 1e-7);
  gb_lin_free(&m);
  gb_tally_free(t);
}
