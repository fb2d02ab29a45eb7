/* gb_model_itemknn on a 4 × 4 matrix small enough to check by hand:
 *
 *   user 0: items 0 1       item 0: users 0 1      (2 users)
 *   user 1: items 0 1 2     item 1: users 0 1 2    (3)
 *   user 2: items 1 2       item 2: users 1 2 3    (3)
 *   user 3: items 2 3       item 3: user 3         (1)
 *
 * common users: c(0,1) = 2, c(0,2) = 1, c(1,2) = 2, c(2,3) = 1, others 0. */
#include <criterion/criterion.h>
#include <math.h>

#include "gb_model_itemknn.h"

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

static gb_interactions *small(void) {
  gb_interaction t[] = {{0, 0, 1}, {0, 1, 1}, {1, 0, 1}, {1, 1, 1}, {1, 2, 1},
                        {2, 1, 1}, {2, 2, 1}, {3, 2, 1}, {3, 3, 1}};
  gb_interactions *x = NULL;
  cr_assert_eq(gb_interactions_new(t, N_OF(t), 4, 4, &x, NULL), 0);
  return x;
}

static gb_model_itemknn *fit(gb_itemknn_similarity sim, uint32_t k, double shrink) {
  gb_interactions *x = small();
  gb_model_itemknn_params p = {.similarity = sim, .k = k, .shrink = shrink, .k1 = 1.2, .b = 0.75};
  gb_model_itemknn *m = NULL;
  gb_err err = {0};
  cr_assert_eq(gb_model_itemknn_new(x, &p, &m, &err), 0, "%s", err.msg);
  gb_interactions_free(x);
  return m;
}

/* Similarities are kept as floats: 1e-7 relative is their precision. */
#define SIM_EQ(m, i, j, want)                                                                      \
  cr_assert_float_eq(gb_model_itemknn_similarity((m), (i), (j)), (want), 1e-6, "s(%d, %d)", (i),   \
                     (j))

Test(model_itemknn, cosine_is_common_users_over_the_norms) {
  gb_model_itemknn *m = fit(GB_ITEMKNN_COSINE, 0, 0);
  SIM_EQ(m, 0, 1, 2 / sqrt(6));
  SIM_EQ(m, 1, 0, 2 / sqrt(6));
  SIM_EQ(m, 0, 2, 1 / sqrt(6));
  SIM_EQ(m, 1, 2, 2.0 / 3);
  SIM_EQ(m, 2, 3, 1 / sqrt(3));
  SIM_EQ(m, 0, 3, 0);
  SIM_EQ(m, 1, 3, 0);
  SIM_EQ(m, 2, 2, 0); /* an item is not its own neighbour */
  gb_model_itemknn_free(m);
}

Test(model_itemknn, shrink_adds_to_the_denominator) {
  gb_model_itemknn *m = fit(GB_ITEMKNN_COSINE, 0, 1);
  SIM_EQ(m, 0, 1, 2 / (sqrt(6) + 1));
  SIM_EQ(m, 2, 3, 1 / (sqrt(3) + 1));
  gb_model_itemknn_free(m);
}

Test(model_itemknn, jaccard_is_common_over_either) {
  gb_model_itemknn *m = fit(GB_ITEMKNN_JACCARD, 0, 0);
  SIM_EQ(m, 0, 1, 2.0 / 3); /* 2 / (2 + 3 - 2) */
  SIM_EQ(m, 0, 2, 1.0 / 4);
  SIM_EQ(m, 1, 2, 1.0 / 2);
  SIM_EQ(m, 3, 2, 1.0 / 3);
  gb_model_itemknn_free(m);
}

/* implicit's BM25 with items as documents, users as terms; binary tf, k1 1.2, b 0.75:
 * len = users of the item (2, 3, 3, 1), mean 9 / 4; idf(u) = log(4 / (1 + items of u)): user 1
 * has 3 items, idf 0, so only users 0, 2, 3 weigh. */
static double bm25(double len, double idf) {
  double norm = 0.25 + 0.75 * len / 2.25;
  return 2.2 / (1.2 * norm + 1) * idf;
}

Test(model_itemknn, bm25_weighs_users_and_items_as_implicit_does) {
  gb_model_itemknn *m = fit(GB_ITEMKNN_BM25, 0, 0);
  double idf = log(4.0 / 3);
  SIM_EQ(m, 0, 1, bm25(2, idf) * bm25(3, idf)); /* user 0 (user 1 adds 0) */
  SIM_EQ(m, 1, 2, bm25(3, idf) * bm25(3, idf)); /* user 2 */
  SIM_EQ(m, 2, 3, bm25(3, idf) * bm25(1, idf)); /* user 3 */
  SIM_EQ(m, 0, 2, 0);                           /* only user 1, whose idf is 0 */
  gb_model_itemknn_free(m);
}

Test(model_itemknn, k_keeps_the_best_neighbours) {
  gb_model_itemknn *m = fit(GB_ITEMKNN_COSINE, 1, 0);
  SIM_EQ(m, 0, 1, 2 / sqrt(6)); /* 0.816 beats s(0, 2) = 0.408 */
  SIM_EQ(m, 0, 2, 0);
  SIM_EQ(m, 1, 0, 2 / sqrt(6)); /* over s(1, 2) = 0.667 */
  SIM_EQ(m, 1, 2, 0);
  SIM_EQ(m, 2, 1, 2.0 / 3); /* over 0.577 and 0.408 */
  SIM_EQ(m, 2, 3, 0);
  SIM_EQ(m, 3, 2, 1 / sqrt(3));
  gb_model_itemknn_free(m);
}

Test(model_itemknn, scores_sum_the_history_rows) {
  gb_model_itemknn *m = fit(GB_ITEMKNN_COSINE, 0, 0);
  cr_assert_eq(gb_model_itemknn_items(m), 4);
  double s[4];
  gb_model_itemknn_score(m, (uint32_t[]){1, 3}, NULL, 2, s);
  cr_assert_float_eq(s[0], 2 / sqrt(6), 1e-6);
  cr_assert_float_eq(s[1], 0, 1e-12);
  cr_assert_float_eq(s[2], 2.0 / 3 + 1 / sqrt(3), 1e-6);
  cr_assert_float_eq(s[3], 0, 1e-12);
  gb_model_itemknn_free(m);
}

Test(model_itemknn, raw_weights_scale_cells_and_history) {
  /* one user with item 0 (2 h) and item 1 (3 h): cosine of one-user vectors is 1 whatever the
   * hours; a history of item 0 at 4 h scores item 1 at 4 */
  gb_interaction t[] = {{0, 0, 2}, {0, 1, 3}};
  gb_interactions *x = NULL;
  cr_assert_eq(gb_interactions_new(t, 2, 1, 2, &x, NULL), 0);
  gb_model_itemknn_params p = {.similarity = GB_ITEMKNN_COSINE, .weight = GB_WEIGHT_RAW};
  gb_model_itemknn *m = NULL;
  cr_assert_eq(gb_model_itemknn_new(x, &p, &m, NULL), 0);
  cr_assert_float_eq(gb_model_itemknn_similarity(m, 0, 1), 1.0, 1e-6);
  double s[2];
  gb_model_itemknn_score(m, (uint32_t[]){0}, (double[]){4}, 1, s);
  cr_assert_float_eq(s[1], 4.0, 1e-6);
  gb_model_itemknn_free(m);
  gb_interactions_free(x);
}

Test(model_itemknn, bad_parameters_are_named) {
  gb_interactions *x = small();
  gb_model_itemknn *m = NULL;
  gb_err err = {0};
  gb_model_itemknn_params p = {.similarity = GB_ITEMKNN_BM25, .k1 = 1.2, .b = 1.5};
  cr_assert_eq(gb_model_itemknn_new(x, &p, &m, &err), -1);
  cr_assert_eq(err.kind, GB_ERR_INPUT);
  cr_assert_str_eq(err.msg, "itemknn: b 1.5 is outside [0, 1]");
  p = (gb_model_itemknn_params){.shrink = -1};
  cr_assert_eq(gb_model_itemknn_new(x, &p, &m, &err), -1);
  cr_assert_str_eq(err.msg, "itemknn: shrink -1 is not a finite number >= 0");
  cr_assert_null(m);
  gb_model_itemknn_free(NULL);
  gb_interactions_free(x);
}
