/* gb_model_als: deterministic for a seed; every solve meets its normal equations (checked with
 * an independent residual); conjugate gradient run to f steps gives the exact solves' model; two
 * groups of users with disjoint items are told apart. */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "gb_model_als.h"

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

/* Users 0-3 use items 0-2, users 4-7 items 3-5, each user three or two of their group's items;
 * weights are hours. */
static gb_interactions *two_groups(void) {
  gb_interaction t[] = {{0, 0, 5},   {0, 1, 1}, {0, 2, 2}, {1, 0, 3}, {1, 1, 8}, {2, 1, 2},
                        {2, 2, 0.5}, {3, 0, 1}, {3, 2, 4}, {4, 3, 2}, {4, 4, 6}, {5, 4, 1},
                        {5, 5, 3},   {6, 3, 9}, {6, 5, 1}, {7, 3, 1}, {7, 4, 1}, {7, 5, 2}};
  gb_interactions *x = NULL;
  cr_assert_eq(gb_interactions_new(t, N_OF(t), 8, 6, &x, NULL), 0);
  return x;
}

static gb_model_als *fit(const gb_interactions *x, gb_model_als_params p) {
  gb_model_als *m = NULL;
  gb_err err = {0};
  cr_assert_eq(gb_model_als_new(x, &p, &m, &err), 0, "%s", err.msg);
  return m;
}

static const gb_model_als_params BASE = {.factors = 3,
                                         .reg = 0.1,
                                         .alpha = 2,
                                         .iterations = 10,
                                         .cg_steps = 3,
                                         .weight = GB_WEIGHT_LOG,
                                         .seed = 42};

static bool same_factors(const gb_model_als *a, const gb_model_als *b) {
  for (uint32_t j = 0; j < gb_model_als_items(a); j++)
    if (memcmp(gb_model_als_item_factors(a, j), gb_model_als_item_factors(b, j),
               gb_model_als_factors(a) * sizeof(double)) != 0)
      return false;
  return true;
}

Test(model_als, the_same_seed_gives_the_same_model) {
  gb_interactions *x = two_groups();
  gb_model_als *a = fit(x, BASE), *b = fit(x, BASE);
  gb_model_als_params other = BASE;
  other.seed = 43;
  gb_model_als *c = fit(x, other);
  cr_assert(same_factors(a, b), "bit for bit");
  cr_assert_not(same_factors(a, c), "another seed starts elsewhere");
  gb_model_als_free(a);
  gb_model_als_free(b);
  gb_model_als_free(c);
  gb_interactions_free(x);
}

/* |A x - b| for the history's normal equations, built here from the item factors:
 * A = Y^T Y + reg I + sum (c - 1) y y^T, b = sum c y, c = 1 + alpha log(1 + w). */
static double residual(const gb_model_als *m, double reg, double alpha, const uint32_t *items,
                       const double *w, size_t n, const double *x) {
  size_t f = gb_model_als_factors(m);
  double worst = 0;
  for (size_t r = 0; r < f; r++) {
    double ax = reg * x[r], b = 0;
    for (uint32_t j = 0; j < gb_model_als_items(m); j++) {
      const double *y = gb_model_als_item_factors(m, j);
      double yx = 0;
      for (size_t c = 0; c < f; c++)
        yx += y[c] * x[c];
      ax += y[r] * yx;
    }
    for (size_t t = 0; t < n; t++) {
      const double *y = gb_model_als_item_factors(m, items[t]);
      double conf = 1 + alpha * log1p(w[t]), yx = 0;
      for (size_t c = 0; c < f; c++)
        yx += y[c] * x[c];
      ax += (conf - 1) * y[r] * yx;
      b += conf * y[r];
    }
    worst = fmax(worst, fabs(ax - b));
  }
  return worst;
}

Test(model_als, fold_in_solves_the_normal_equations) {
  gb_interactions *x = two_groups();
  gb_model_als *m = fit(x, BASE);
  uint32_t items[] = {0, 2, 4};
  double w[] = {3, 0.5, 10}, u[3];
  cr_assert_eq(gb_model_als_fold_in(m, items, w, 3, u, NULL), 0);
  cr_assert_lt(residual(m, BASE.reg, BASE.alpha, items, w, 3, u), 1e-10);
  /* the scores are x . y_j */
  double s[6];
  cr_assert_eq(gb_model_als_score(m, items, w, 3, s, NULL), 0);
  for (uint32_t j = 0; j < 6; j++) {
    const double *y = gb_model_als_item_factors(m, j);
    cr_assert_float_eq(s[j], u[0] * y[0] + u[1] * y[1] + u[2] * y[2], 1e-12);
  }
  gb_model_als_free(m);
  gb_interactions_free(x);
}

Test(model_als, conjugate_gradient_to_f_steps_is_the_exact_solve) {
  gb_interactions *x = two_groups();
  gb_model_als_params exact = BASE, cg = BASE;
  exact.cg_steps = 0;
  cg.cg_steps = 3; /* f = 3: CG is exact in f steps, up to rounding */
  gb_model_als *a = fit(x, exact), *b = fit(x, cg);
  for (uint32_t j = 0; j < 6; j++)
    for (size_t c = 0; c < 3; c++)
      cr_assert_float_eq(gb_model_als_item_factors(a, j)[c], gb_model_als_item_factors(b, j)[c],
                         1e-6, "item %u factor %zu", j, c);
  gb_model_als_free(a);
  gb_model_als_free(b);
  gb_interactions_free(x);
}

Test(model_als, a_users_group_ranks_first) {
  gb_interactions *x = two_groups();
  gb_model_als_params p = BASE;
  p.factors = 2;
  gb_model_als *m = fit(x, p);
  double s[6];
  /* a new user with item 0 of the first group */
  cr_assert_eq(gb_model_als_score(m, (uint32_t[]){0}, NULL, 1, s, NULL), 0);
  for (int in = 1; in <= 2; in++)
    for (int out = 3; out <= 5; out++)
      cr_assert_gt(s[in], s[out], "item %d over item %d", in, out);
  cr_assert_eq(gb_model_als_score(m, (uint32_t[]){5}, (double[]){2}, 1, s, NULL), 0);
  for (int in = 3; in <= 4; in++)
    for (int out = 0; out <= 2; out++)
      cr_assert_gt(s[in], s[out], "item %d over item %d", in, out);
  gb_model_als_free(m);
  gb_interactions_free(x);
}

Test(model_als, bad_parameters_are_named) {
  gb_interactions *x = two_groups();
  gb_model_als *m = NULL;
  gb_err err = {0};
  gb_model_als_params p = BASE;
  p.factors = 0;
  cr_assert_eq(gb_model_als_new(x, &p, &m, &err), -1);
  cr_assert_eq(err.kind, GB_ERR_INPUT);
  cr_assert_str_eq(err.msg, "als: factors 0 is outside 1..4096");
  p = BASE;
  p.reg = 0;
  cr_assert_eq(gb_model_als_new(x, &p, &m, &err), -1);
  cr_assert_str_eq(err.msg, "als: reg 0 is not a finite number > 0");
  p = BASE;
  p.iterations = 0;
  cr_assert_eq(gb_model_als_new(x, &p, &m, &err), -1);
  cr_assert_str_eq(err.msg, "als: iterations must be >= 1");
  cr_assert_null(m);
  gb_model_als_free(NULL);
  gb_interactions_free(x);
}
