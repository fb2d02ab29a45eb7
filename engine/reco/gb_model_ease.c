#include "gb_model_ease.h"

#include <lapacke.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

struct gb_model_ease {
  uint32_t n_items; /* columns of the training matrix */
  uint32_t m;       /* items in the model */
  int64_t *slot;    /* by item: its index in the model, or -1 */
  uint32_t *item;   /* by model index: the item */
  double *b;        /* m × m, row-major: B(i, j) at [i m + j] */
};

static int check_params(const gb_model_ease_params *p, gb_err *err) {
  if (!(p->lambda > 0) || !isfinite(p->lambda))
    return gb_err_set(err, GB_ERR_INPUT, "ease: lambda %g is not a finite number > 0", p->lambda);
  if (p->min_users < 1)
    return gb_err_set(err, GB_ERR_INPUT, "ease: min_users must be >= 1");
  if (!(p->dropout >= 0 && p->dropout < 1))
    return gb_err_set(err, GB_ERR_INPUT, "ease: dropout %g is outside [0, 1)", p->dropout);
  return 0;
}

/* Chooses the items with at least min_users users and numbers them in item order. */
static int choose_items(gb_model_ease *e, const gb_interactions *x, uint32_t min_users,
                        gb_err *err) {
  uint32_t n = e->n_items;
  uint32_t *users = calloc((size_t)n + 1, sizeof *users);
  e->slot = malloc(((size_t)n + 1) * sizeof *e->slot);
  e->item = malloc(((size_t)n + 1) * sizeof *e->item);
  if (!users || !e->slot || !e->item) {
    free(users);
    return gb_err_set(err, GB_ERR_RUNTIME, "ease: out of memory for %u items", n);
  }
  for (uint32_t u = 0; u < gb_interactions_rows(x); u++) {
    const uint32_t *items;
    size_t len = gb_interactions_row(x, u, &items, NULL);
    for (size_t t = 0; t < len; t++)
      users[items[t]]++;
  }
  for (uint32_t i = 0; i < n; i++) {
    e->slot[i] = users[i] >= min_users ? (int64_t)e->m : -1;
    if (users[i] >= min_users)
      e->item[e->m++] = i;
  }
  free(users);
  return 0;
}

/* G = X^T X + lambda I over the model's items, its lower triangle in row-major order (the rest
 * is left 0: LAPACK reads one triangle). slots is scratch for one user's model indices. */
static void gram(const gb_model_ease *e, const gb_interactions *x, double lambda, double dropout,
                 double *g, int64_t *slots) {
  size_t m = e->m;
  for (uint32_t u = 0; u < gb_interactions_rows(x); u++) {
    const uint32_t *items;
    size_t len = gb_interactions_row(x, u, &items, NULL), k = 0;
    for (size_t t = 0; t < len; t++)
      if (e->slot[items[t]] >= 0)
        slots[k++] = e->slot[items[t]];
    /* the slots ascend with the items, so a >= b in the lower triangle */
    for (size_t s = 0; s < k; s++)
      for (size_t t = 0; t <= s; t++)
        g[(size_t)slots[s] * m + (size_t)slots[t]] += 1.0;
  }
  /* EDLAE's dropout emphasis (Steck 2020): lambda + p / (1 - p) G(i, i) on the diagonal */
  for (size_t i = 0; i < m; i++)
    g[i * m + i] += lambda + dropout / (1.0 - dropout) * g[i * m + i];
}

/* Inverts G in place (lower triangle, row-major) and turns it into B, full and row-major; scale
 * is scratch for m values. */
static int invert_to_b(double *g, size_t m, double *scale, gb_err *err) {
  if (m == 0)
    return 0;
  /* The row-major lower triangle is LAPACK's column-major upper one: no transposed copy. */
  lapack_int info = LAPACKE_dpotrf(LAPACK_COL_MAJOR, 'U', (lapack_int)m, g, (lapack_int)m);
  if (info == 0)
    info = LAPACKE_dpotri(LAPACK_COL_MAJOR, 'U', (lapack_int)m, g, (lapack_int)m);
  if (info != 0)
    return gb_err_set(err, GB_ERR_RUNTIME,
                      "ease: LAPACK failed to invert the %zu x %zu Gram matrix (info %d): lambda "
                      "too small?",
                      m, m, (int)info);
  for (size_t i = 0; i < m; i++) /* mirror P's lower triangle into the upper one */
    for (size_t j = 0; j < i; j++)
      g[j * m + i] = g[i * m + j];
  for (size_t j = 0; j < m; j++) /* -1 / P(j, j), kept in B's (zero) diagonal meanwhile */
    scale[j] = -1.0 / g[j * m + j];
  for (size_t i = 0; i < m; i++) {
    double *row = g + i * m;
    for (size_t j = 0; j < m; j++)
      row[j] *= scale[j];
    row[i] = 0;
  }
  return 0;
}

int gb_model_ease_new(const gb_interactions *x, const gb_model_ease_params *p, gb_model_ease **out,
                      gb_err *err) {
  if (check_params(p, err) != 0)
    return -1;
  gb_model_ease *e = calloc(1, sizeof *e);
  if (!e)
    return gb_err_set(err, GB_ERR_RUNTIME, "ease: out of memory");
  e->n_items = gb_interactions_cols(x);
  int64_t *slots = NULL;
  double *scale = NULL;
  if (choose_items(e, x, p->min_users, err) != 0)
    goto fail;
  size_t m = e->m;
  e->b = calloc(m * m + 1, sizeof *e->b);
  slots = malloc(((size_t)e->n_items + 1) * sizeof *slots);
  scale = malloc((m + 1) * sizeof *scale);
  if (!e->b || !slots || !scale) {
    gb_err_set(err, GB_ERR_RUNTIME, "ease: out of memory for the %zu x %zu Gram matrix", m, m);
    goto fail;
  }
  gram(e, x, p->lambda, p->dropout, e->b, slots);
  if (invert_to_b(e->b, m, scale, err) != 0)
    goto fail;
  free(slots);
  free(scale);
  *out = e;
  return 0;
fail:
  free(slots);
  free(scale);
  gb_model_ease_free(e);
  return -1;
}

void gb_model_ease_score(const gb_model_ease *e, const uint32_t *items, const double *weights,
                         size_t n, double *scores) {
  (void)weights;
  memset(scores, 0, e->n_items * sizeof *scores);
  size_t m = e->m;
  for (size_t h = 0; h < n; h++) {
    GB_ASSERT(items[h] < e->n_items);
    int64_t a = e->slot[items[h]];
    if (a < 0)
      continue;
    const double *row = e->b + (size_t)a * m;
    for (size_t j = 0; j < m; j++)
      scores[e->item[j]] += row[j];
  }
}

double gb_model_ease_weight(const gb_model_ease *e, uint32_t i, uint32_t j) {
  GB_ASSERT(i < e->n_items && j < e->n_items);
  int64_t a = e->slot[i], b = e->slot[j];
  return a < 0 || b < 0 ? 0.0 : e->b[(size_t)a * e->m + (size_t)b];
}

uint32_t gb_model_ease_items(const gb_model_ease *e) { return e->n_items; }

uint32_t gb_model_ease_modelled(const gb_model_ease *e) { return e->m; }

void gb_model_ease_free(gb_model_ease *e) {
  if (!e)
    return;
  free(e->slot);
  free(e->item);
  free(e->b);
  free(e);
}
