/* gb_interactions: rows by user with ascending distinct items, repeated cells summed, weights kept
 * (0 included), the transpose exact, and bad triples refused with the triple named. */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "gb_interactions.h"

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

/* Row r of x equals cols[0..n) with weights w[0..n). */
static void expect_row(const gb_interactions *x, uint32_t r, const uint32_t *cols, const double *w,
                       size_t n) {
  const uint32_t *c;
  const double *v;
  cr_assert_eq(gb_interactions_row(x, r, &c, &v), n, "row %u length", r);
  for (size_t i = 0; i < n; i++) {
    cr_assert_eq(c[i], cols[i], "row %u cell %zu", r, i);
    cr_assert_eq(v[i], w[i], "row %u cell %zu weight", r, i);
  }
}

Test(interactions, rows_are_sorted_and_repeats_are_summed) {
  /* out of order, user 1 plays item 2 twice (3 h + 0.5 h), user 2 has nothing, a 0 h play */
  gb_interaction t[] = {{1, 2, 3},   {0, 3, 1},   {1, 0, 2}, {0, 1, 5},
                        {1, 2, 0.5}, {3, 3, 0.0}, {0, 0, 4}, {3, 1, 7}};
  gb_interactions *x = NULL;
  cr_assert_eq(gb_interactions_new(t, N_OF(t), 4, 4, &x, NULL), 0);
  cr_assert_eq(gb_interactions_rows(x), 4);
  cr_assert_eq(gb_interactions_cols(x), 4);
  cr_assert_eq(gb_interactions_nnz(x), 7, "8 triples, one repeat");
  expect_row(x, 0, (uint32_t[]){0, 1, 3}, (double[]){4, 5, 1}, 3);
  expect_row(x, 1, (uint32_t[]){0, 2}, (double[]){2, 3.5}, 2);
  expect_row(x, 2, NULL, NULL, 0);
  expect_row(x, 3, (uint32_t[]){1, 3}, (double[]){7, 0}, 2);
  cr_assert_eq(gb_interactions_offset(x, 0), 0);
  cr_assert_eq(gb_interactions_offset(x, 1), 3);
  cr_assert_eq(gb_interactions_offset(x, 3), 5);
  cr_assert_eq(gb_interactions_offset(x, 4), 7);
  gb_interactions_free(x);
}

Test(interactions, transpose_swaps_rows_and_columns) {
  gb_interaction t[] = {{0, 0, 4}, {0, 1, 5}, {0, 3, 1}, {1, 0, 2}, {1, 2, 3.5}, {3, 1, 7}};
  gb_interactions *x = NULL, *xt = NULL, *back = NULL;
  cr_assert_eq(gb_interactions_new(t, N_OF(t), 4, 5, &x, NULL), 0);
  cr_assert_eq(gb_interactions_transpose(x, &xt, NULL), 0);
  cr_assert_eq(gb_interactions_rows(xt), 5);
  cr_assert_eq(gb_interactions_cols(xt), 4);
  cr_assert_eq(gb_interactions_nnz(xt), 6);
  expect_row(xt, 0, (uint32_t[]){0, 1}, (double[]){4, 2}, 2);
  expect_row(xt, 1, (uint32_t[]){0, 3}, (double[]){5, 7}, 2);
  expect_row(xt, 2, (uint32_t[]){1}, (double[]){3.5}, 1);
  expect_row(xt, 3, (uint32_t[]){0}, (double[]){1}, 1);
  expect_row(xt, 4, NULL, NULL, 0);
  cr_assert_eq(gb_interactions_transpose(xt, &back, NULL), 0);
  for (uint32_t u = 0; u < 4; u++) {
    const uint32_t *c;
    const double *w;
    size_t n = gb_interactions_row(x, u, &c, &w);
    expect_row(back, u, c, w, n);
  }
  gb_interactions_free(x);
  gb_interactions_free(xt);
  gb_interactions_free(back);
}

Test(interactions, an_empty_matrix_is_valid) {
  gb_interactions *x = NULL, *xt = NULL;
  cr_assert_eq(gb_interactions_new(NULL, 0, 2, 3, &x, NULL), 0);
  cr_assert_eq(gb_interactions_nnz(x), 0);
  expect_row(x, 1, NULL, NULL, 0);
  cr_assert_eq(gb_interactions_transpose(x, &xt, NULL), 0);
  cr_assert_eq(gb_interactions_rows(xt), 3);
  gb_interactions_free(x);
  gb_interactions_free(xt);
  gb_interactions_free(NULL);
}

Test(interactions, bad_triples_are_refused_naming_the_triple) {
  gb_interactions *x = (gb_interactions *)0x1;
  gb_err err = {0};
  gb_interaction user[] = {{0, 0, 1}, {2, 0, 1}};
  cr_assert_eq(gb_interactions_new(user, 2, 2, 2, &x, &err), -1);
  cr_assert_eq(err.kind, GB_ERR_INPUT);
  cr_assert_str_eq(err.msg, "interaction 1: user 2 is outside 0..1");
  gb_interaction item[] = {{0, 5, 1}};
  cr_assert_eq(gb_interactions_new(item, 1, 2, 2, &x, &err), -1);
  cr_assert_str_eq(err.msg, "interaction 0: item 5 is outside 0..1");
  gb_interaction neg[] = {{0, 0, 1}, {1, 1, -2}};
  cr_assert_eq(gb_interactions_new(neg, 2, 2, 2, &x, &err), -1);
  cr_assert_str_eq(err.msg, "interaction 1: weight -2 is not a finite number >= 0");
  gb_interaction nan[] = {{0, 0, NAN}};
  cr_assert_eq(gb_interactions_new(nan, 1, 2, 2, &x, &err), -1);
  cr_assert_eq(err.kind, GB_ERR_INPUT);
  cr_assert_eq(x, (gb_interactions *)0x1, "*out unchanged on failure");
}

Test(interactions, weightings_read_a_cell_three_ways) {
  cr_assert_eq(gb_weighting_apply(GB_WEIGHT_BINARY, 12.5), 1);
  cr_assert_eq(gb_weighting_apply(GB_WEIGHT_BINARY, 0), 1, "a 0 h play still happened");
  cr_assert_eq(gb_weighting_apply(GB_WEIGHT_RAW, 12.5), 12.5);
  cr_assert_float_eq(gb_weighting_apply(GB_WEIGHT_LOG, M_E - 1), 1.0, 1e-15);
  cr_assert_eq(gb_weighting_apply(GB_WEIGHT_LOG, 0), 0);
}
