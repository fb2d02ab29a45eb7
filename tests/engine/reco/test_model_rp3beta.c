/* gb_model_rp3beta on the 4 × 4 matrix of test_model_itemknn (user 0: items 0 1; user 1: 0 1 2;
 * user 2: 1 2; user 3: 2 3): s(i, j) = sum over common users u of P(i→u)^a P(u→j)^a / n(j)^b,
 * P(i→u) = 1 / users of i, P(u→j) = 1 / items of u. */
#include <criterion/criterion.h>
#include <math.h>

#include "gb_model_rp3beta.h"

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

static gb_model_rp3beta *fit(double alpha, double beta, uint32_t k) {
  gb_interaction t[] = {{0, 0, 1}, {0, 1, 1}, {1, 0, 1}, {1, 1, 1}, {1, 2, 1},
                        {2, 1, 1}, {2, 2, 1}, {3, 2, 1}, {3, 3, 1}};
  gb_interactions *x = NULL;
  cr_assert_eq(gb_interactions_new(t, N_OF(t), 4, 4, &x, NULL), 0);
  gb_model_rp3beta_params p = {.alpha = alpha, .beta = beta, .k = k};
  gb_model_rp3beta *m = NULL;
  gb_err err = {0};
  cr_assert_eq(gb_model_rp3beta_new(x, &p, &m, &err), 0, "%s", err.msg);
  gb_interactions_free(x);
  return m;
}

#define SIM_EQ(m, i, j, want)                                                                      \
  cr_assert_float_eq(gb_model_rp3beta_similarity((m), (i), (j)), (want), 1e-6, "s(%d, %d)", (i),   \
                     (j))

Test(model_rp3beta, two_step_walk_probabilities) {
  gb_model_rp3beta *m = fit(1, 0, 0);
  /* 0 → users 0, 1 (1/2 each) → item 1 (1/2 from user 0, 1/3 from user 1) */
  SIM_EQ(m, 0, 1, 0.5 * 0.5 + 0.5 / 3);
  /* 1 → users 0, 1, 2 (1/3 each) → item 0 (1/2 from user 0, 1/3 from user 1) */
  SIM_EQ(m, 1, 0, 1.0 / 3 * 0.5 + 1.0 / 3 / 3);
  /* 2 → user 3 (1/3) → item 3 (1/2) */
  SIM_EQ(m, 2, 3, 1.0 / 3 * 0.5);
  SIM_EQ(m, 3, 2, 1.0 * 0.5);
  SIM_EQ(m, 0, 3, 0);
  SIM_EQ(m, 1, 1, 0);
  gb_model_rp3beta_free(m);
}

Test(model_rp3beta, alpha_and_beta_by_hand) {
  gb_model_rp3beta *m = fit(0.5, 1, 0);
  /* sqrt of each probability, then over item 1's 3 users */
  SIM_EQ(m, 0, 1, (sqrt(0.5 * 0.5) + sqrt(0.5 / 3)) / 3);
  /* over item 3's single user */
  SIM_EQ(m, 2, 3, sqrt(1.0 / 3 * 0.5) / 1);
  gb_model_rp3beta_free(m);
}

Test(model_rp3beta, k_and_scores) {
  gb_model_rp3beta *m = fit(1, 0, 1);
  /* row 2: s(2,0) = 1/3 1/3 = 0.111, s(2,1) = 1/3 (1/3 + 1/2) = 0.278, s(2,3) = 0.167: keeps 1 */
  SIM_EQ(m, 2, 1, 1.0 / 3 * (1.0 / 3 + 0.5));
  SIM_EQ(m, 2, 3, 0);
  SIM_EQ(m, 2, 0, 0);
  double s[4];
  gb_model_rp3beta_score(m, (uint32_t[]){2, 3}, NULL, 2, s);
  cr_assert_float_eq(s[1], 1.0 / 3 * (1.0 / 3 + 0.5), 1e-6);
  cr_assert_float_eq(s[2], 0.5, 1e-6); /* row 3 keeps item 2 */
  cr_assert_eq(s[0], 0);
  cr_assert_eq(gb_model_rp3beta_items(m), 4);
  gb_model_rp3beta_free(m);
}

Test(model_rp3beta, bad_parameters_are_named) {
  gb_interactions *x = NULL;
  cr_assert_eq(gb_interactions_new(NULL, 0, 1, 1, &x, NULL), 0);
  gb_model_rp3beta *m = NULL;
  gb_err err = {0};
  cr_assert_eq(gb_model_rp3beta_new(x, &(gb_model_rp3beta_params){.alpha = 0}, &m, &err), -1);
  cr_assert_eq(err.kind, GB_ERR_INPUT);
  cr_assert_str_eq(err.msg, "rp3beta: alpha 0 is not a finite number > 0");
  cr_assert_eq(
      gb_model_rp3beta_new(x, &(gb_model_rp3beta_params){.alpha = 1, .beta = -1}, &m, &err), -1);
  cr_assert_str_eq(err.msg, "rp3beta: beta -1 is not a finite number >= 0");
  cr_assert_null(m);
  gb_interactions_free(x);
}
