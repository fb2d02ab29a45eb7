/* gb_model_ease: B = I - P diag(1 / diag(P)), P = (X^T X + lambda I)^-1, checked by hand on two
 * items and against an independent Gauss-Jordan inverse on five; its diagonal is 0, items below
 * min_users stay out, EDLAE's dropout adds to the diagonal. */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "gb_model_ease.h"

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

static gb_model_ease *fit(const gb_interaction *t, size_t n, uint32_t users, uint32_t items,
                          gb_model_ease_params p) {
  gb_interactions *x = NULL;
  cr_assert_eq(gb_interactions_new(t, n, users, items, &x, NULL), 0);
  gb_model_ease *m = NULL;
  gb_err err = {0};
  cr_assert_eq(gb_model_ease_new(x, &p, &m, &err), 0, "%s", err.msg);
  gb_interactions_free(x);
  return m;
}

/* users: {0, 1} and {0}. G = [[2, 1], [1, 1]] + I = [[3, 1], [1, 2]], det 5,
 * P = [[2, -1], [-1, 3]] / 5: B(0, 1) = -P(0, 1) / P(1, 1) = 1/3, B(1, 0) = (1/5) / (2/5) = 1/2. */
Test(model_ease, two_items_by_hand) {
  gb_interaction t[] = {{0, 0, 1}, {0, 1, 7.5}, {1, 0, 1}};
  gb_model_ease *m = fit(t, N_OF(t), 2, 2, (gb_model_ease_params){.lambda = 1, .min_users = 1});
  cr_assert_float_eq(gb_model_ease_weight(m, 0, 1), 1.0 / 3, 1e-14);
  cr_assert_float_eq(gb_model_ease_weight(m, 1, 0), 1.0 / 2, 1e-14);
  cr_assert_eq(gb_model_ease_weight(m, 0, 0), 0);
  cr_assert_eq(gb_model_ease_weight(m, 1, 1), 0);
  double s[2];
  gb_model_ease_score(m, (uint32_t[]){0}, (double[]){100}, 1, s); /* weights not read */
  cr_assert_eq(s[0], 0);
  cr_assert_float_eq(s[1], 1.0 / 3, 1e-14);
  gb_model_ease_free(m);
}

/* EDLAE, dropout 0.5: the diagonal gets 0.5 / 0.5 G(i, i) more: [[5, 1], [1, 3]], det 14,
 * P = [[3, -1], [-1, 5]] / 14: B(0, 1) = 1/5, B(1, 0) = 1/3. */
Test(model_ease, dropout_emphasis_by_hand) {
  gb_interaction t[] = {{0, 0, 1}, {0, 1, 1}, {1, 0, 1}};
  gb_model_ease *m =
      fit(t, N_OF(t), 2, 2, (gb_model_ease_params){.lambda = 1, .min_users = 1, .dropout = 0.5});
  cr_assert_float_eq(gb_model_ease_weight(m, 0, 1), 1.0 / 5, 1e-14);
  cr_assert_float_eq(gb_model_ease_weight(m, 1, 0), 1.0 / 3, 1e-14);
  gb_model_ease_free(m);
}

/* Inverts the n × n matrix a (row-major) into inv by Gauss-Jordan elimination with partial
 * pivoting: an independent check of LAPACK's Cholesky inverse. */
static void gauss_jordan(double *a, double *inv, size_t n) {
  for (size_t i = 0; i < n; i++)
    for (size_t j = 0; j < n; j++)
      inv[i * n + j] = i == j;
  for (size_t c = 0; c < n; c++) {
    size_t piv = c;
    for (size_t r = c + 1; r < n; r++)
      if (fabs(a[r * n + c]) > fabs(a[piv * n + c]))
        piv = r;
    for (size_t j = 0; j < n; j++) {
      double t = a[c * n + j];
      a[c * n + j] = a[piv * n + j];
      a[piv * n + j] = t;
      t = inv[c * n + j];
      inv[c * n + j] = inv[piv * n + j];
      inv[piv * n + j] = t;
    }
    double d = a[c * n + c];
    for (size_t j = 0; j < n; j++) {
      a[c * n + j] /= d;
      inv[c * n + j] /= d;
    }
    for (size_t r = 0; r < n; r++) {
      if (r == c)
        continue;
      double f = a[r * n + c];
      for (size_t j = 0; j < n; j++) {
        a[r * n + j] -= f * a[c * n + j];
        inv[r * n + j] -= f * inv[c * n + j];
      }
    }
  }
}

Test(model_ease, matches_an_independent_inverse) {
  enum { U = 6, I = 5 };
  static const int x[U][I] = {{1, 1, 0, 0, 1}, {1, 0, 1, 0, 0}, {0, 1, 1, 1, 0},
                              {1, 1, 1, 0, 0}, {0, 0, 0, 1, 1}, {0, 1, 0, 1, 1}};
  gb_interaction t[U * I];
  size_t n = 0;
  for (uint32_t u = 0; u < U; u++)
    for (uint32_t i = 0; i < I; i++)
      if (x[u][i])
        t[n++] = (gb_interaction){u, i, 1};
  const double lambda = 2.5;
  gb_model_ease *m = fit(t, n, U, I, (gb_model_ease_params){.lambda = lambda, .min_users = 1});
  double g[I * I], p[I * I];
  for (size_t i = 0; i < I; i++)
    for (size_t j = 0; j < I; j++) {
      g[i * I + j] = i == j ? lambda : 0;
      for (size_t u = 0; u < U; u++)
        g[i * I + j] += x[u][i] * x[u][j];
    }
  gauss_jordan(g, p, I);
  for (uint32_t i = 0; i < I; i++) {
    cr_assert_eq(gb_model_ease_weight(m, i, i), 0, "zero diagonal");
    for (uint32_t j = 0; j < I; j++)
      if (i != j)
        cr_assert_float_eq(gb_model_ease_weight(m, i, j), -p[i * I + j] / p[j * I + j], 1e-12,
                           "B(%u, %u)", i, j);
  }
  /* a history scores the sum of its rows of B */
  double s[I];
  gb_model_ease_score(m, (uint32_t[]){1, 4}, NULL, 2, s);
  for (uint32_t j = 0; j < I; j++)
    cr_assert_float_eq(s[j], gb_model_ease_weight(m, 1, j) + gb_model_ease_weight(m, 4, j), 1e-12);
  gb_model_ease_free(m);
}

Test(model_ease, items_below_min_users_stay_out) {
  /* item 2 has one user: out of the model with min_users 2; items 0 and 1 as in two_items */
  gb_interaction t[] = {{0, 0, 1}, {0, 1, 1}, {1, 0, 1}, {2, 1, 1}, {2, 2, 1}};
  gb_model_ease *m = fit(t, N_OF(t), 3, 3, (gb_model_ease_params){.lambda = 1, .min_users = 2});
  cr_assert_eq(gb_model_ease_items(m), 3);
  cr_assert_eq(gb_model_ease_modelled(m), 2);
  cr_assert_eq(gb_model_ease_weight(m, 2, 0), 0);
  cr_assert_eq(gb_model_ease_weight(m, 1, 2), 0);
  /* item 0: users 0, 1; item 1: users 0, 2. G = [[2, 1], [1, 2]] + I, P = [[3, -1], [-1, 3]] / 8 */
  cr_assert_float_eq(gb_model_ease_weight(m, 0, 1), 1.0 / 3, 1e-14);
  double s[3];
  gb_model_ease_score(m, (uint32_t[]){0, 2}, NULL, 2, s);
  cr_assert_float_eq(s[1], 1.0 / 3, 1e-14);
  cr_assert_eq(s[2], 0, "an item out of the model scores 0");
  gb_model_ease_free(m);
}

Test(model_ease, bad_parameters_are_named) {
  gb_interactions *x = NULL;
  cr_assert_eq(gb_interactions_new(NULL, 0, 1, 1, &x, NULL), 0);
  gb_model_ease *m = NULL;
  gb_err err = {0};
  cr_assert_eq(gb_model_ease_new(x, &(gb_model_ease_params){.lambda = 0, .min_users = 1}, &m, &err),
               -1);
  cr_assert_eq(err.kind, GB_ERR_INPUT);
  cr_assert_str_eq(err.msg, "ease: lambda 0 is not a finite number > 0");
  cr_assert_eq(gb_model_ease_new(x, &(gb_model_ease_params){.lambda = 1}, &m, &err), -1);
  cr_assert_str_eq(err.msg, "ease: min_users must be >= 1");
  cr_assert_eq(gb_model_ease_new(
                   x, &(gb_model_ease_params){.lambda = 1, .min_users = 1, .dropout = 1}, &m, &err),
               -1);
  cr_assert_str_eq(err.msg, "ease: dropout 1 is outside [0, 1)");
  cr_assert_null(m);
  gb_interactions_free(x);
  gb_model_ease_free(NULL);
}
