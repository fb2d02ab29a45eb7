/* gb_itemsim (the neighbourhood models' sparse item matrix): dot products over common users with
 * per-cell factors, the k best per row with ties to the smaller index, zero similarities
 * dropped, and scoring as the history row times the matrix. */
#include <criterion/criterion.h>

#include "gb_itemsim_int.h"

static double as_is(uint32_t i, uint32_t j, double dot, const void *ctx) {
  (void)i;
  (void)j;
  (void)ctx;
  return dot;
}

/* s(i, j) = dot unless (i, j) is the pair in ctx, which is zeroed. */
static double drop_pair(uint32_t i, uint32_t j, double dot, const void *ctx) {
  const uint32_t *pair = ctx;
  return i == pair[0] && j == pair[1] ? 0 : dot;
}

static void build(const gb_interaction *t, size_t n, uint32_t users, uint32_t items,
                  const double *a, const double *b, uint32_t k, gb_itemsim_fn fn, const void *ctx,
                  gb_itemsim *out) {
  gb_interactions *x = NULL, *xt = NULL;
  cr_assert_eq(gb_interactions_new(t, n, users, items, &x, NULL), 0);
  cr_assert_eq(gb_interactions_transpose(x, &xt, NULL), 0);
  cr_assert_eq(gb_itemsim_build(x, xt, a, b, k, fn, ctx, out, NULL), 0);
  gb_interactions_free(x);
  gb_interactions_free(xt);
}

Test(itemsim, ties_keep_the_smaller_index) {
  /* one user of items 0..3: every pair has one common user, dot 1 */
  gb_interaction t[] = {{0, 0, 1}, {0, 1, 1}, {0, 2, 1}, {0, 3, 1}};
  gb_itemsim s;
  build(t, 4, 1, 4, NULL, NULL, 2, as_is, NULL, &s);
  cr_assert_eq(gb_itemsim_row_len(&s, 0), 2);
  cr_assert_eq(gb_itemsim_get(&s, 0, 1), 1);
  cr_assert_eq(gb_itemsim_get(&s, 0, 2), 1);
  cr_assert_eq(gb_itemsim_get(&s, 0, 3), 0, "the third tie is dropped");
  cr_assert_eq(gb_itemsim_get(&s, 3, 0), 1);
  cr_assert_eq(gb_itemsim_get(&s, 3, 1), 1);
  cr_assert_eq(gb_itemsim_get(&s, 3, 2), 0);
  gb_itemsim_free(&s);
}

Test(itemsim, dot_products_use_the_cell_factors) {
  /* users 0 and 1 share items 0 and 1; a is aligned with the transpose's cells (item rows),
   * b with the matrix's (user rows) */
  gb_interaction t[] = {{0, 0, 1}, {0, 1, 1}, {1, 0, 1}, {1, 1, 1}};
  /* xt cells: (item 0: user 0, user 1), (item 1: user 0, user 1) */
  double a[] = {2, 3, 5, 7};
  /* x cells: (user 0: item 0, item 1), (user 1: item 0, item 1) */
  double b[] = {11, 13, 17, 19};
  gb_itemsim s;
  build(t, 4, 2, 2, a, b, 0, as_is, NULL, &s);
  /* dot(0, 1) = a(0, u0) b(u0, 1) + a(0, u1) b(u1, 1) = 2 13 + 3 19 */
  cr_assert_eq(gb_itemsim_get(&s, 0, 1), 2 * 13 + 3 * 19);
  /* dot(1, 0) = 5 11 + 7 17 */
  cr_assert_eq(gb_itemsim_get(&s, 1, 0), 5 * 11 + 7 * 17);
  gb_itemsim_free(&s);
}

Test(itemsim, zero_similarities_are_dropped_and_scores_sum_rows) {
  gb_interaction t[] = {{0, 0, 1}, {0, 1, 1}, {0, 2, 1}};
  uint32_t pair[] = {0, 2};
  gb_itemsim s;
  build(t, 3, 1, 3, NULL, NULL, 0, drop_pair, pair, &s);
  cr_assert_eq(gb_itemsim_row_len(&s, 0), 1);
  cr_assert_eq(gb_itemsim_row_len(&s, 2), 2);
  double scores[3] = {0};
  gb_itemsim_score(&s, (uint32_t[]){0, 2}, (double[]){2, 0.5}, 2, scores);
  /* item 1: 2 s(0,1) + 0.5 s(2,1) = 2.5; item 0: 0.5 s(2,0); item 2: 2 s(0,2) = 0 (dropped) */
  cr_assert_eq(scores[0], 0.5);
  cr_assert_eq(scores[1], 2.5);
  cr_assert_eq(scores[2], 0);
  gb_itemsim_free(&s);
  gb_itemsim_free(&s); /* safe twice */
}
