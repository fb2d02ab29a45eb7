#include "gb_model_rp3beta.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gb_itemsim_int.h"

struct gb_model_rp3beta {
  gb_itemsim sim;
};

typedef struct walk_ctx {
  const double *pop_beta; /* d(j)^beta by item */
} walk_ctx;

static double walk(uint32_t i, uint32_t j, double dot, const void *ctx_) {
  (void)i;
  const walk_ctx *c = ctx_;
  return dot / c->pop_beta[j];
}

static int check_params(const gb_model_rp3beta_params *p, gb_err *err) {
  if (!(p->alpha > 0) || !isfinite(p->alpha))
    return gb_err_set(err, GB_ERR_INPUT, "rp3beta: alpha %g is not a finite number > 0", p->alpha);
  if (!(p->beta >= 0) || !isfinite(p->beta))
    return gb_err_set(err, GB_ERR_INPUT, "rp3beta: beta %g is not a finite number >= 0", p->beta);
  if (p->weight > GB_WEIGHT_LOG)
    return gb_err_set(err, GB_ERR_INPUT, "rp3beta: unknown weighting %d", (int)p->weight);
  return 0;
}

/* P(row→col)^alpha of every cell of m (rows users or items), in cell order; the row sums d go
 * to deg (rows of m). */
static double *transitions(const gb_interactions *m, const gb_model_rp3beta_params *p,
                           double *deg) {
  double *t = malloc((gb_interactions_nnz(m) + 1) * sizeof *t);
  if (!t)
    return NULL;
  for (uint32_t r = 0; r < gb_interactions_rows(m); r++) {
    const uint32_t *cols;
    const double *w;
    size_t len = gb_interactions_row(m, r, &cols, &w), off = gb_interactions_offset(m, r);
    double d = 0;
    for (size_t c = 0; c < len; c++)
      d += gb_weighting_apply(p->weight, w[c]);
    for (size_t c = 0; c < len; c++)
      t[off + c] = d > 0 ? pow(gb_weighting_apply(p->weight, w[c]) / d, p->alpha) : 0.0;
    deg[r] = d;
  }
  return t;
}

int gb_model_rp3beta_new(const gb_interactions *x, const gb_model_rp3beta_params *p,
                         gb_model_rp3beta **out, gb_err *err) {
  if (check_params(p, err) != 0)
    return -1;
  uint32_t n_items = gb_interactions_cols(x), n_users = gb_interactions_rows(x);
  gb_model_rp3beta *m = calloc(1, sizeof *m);
  gb_interactions *xt = NULL;
  double *item_deg = calloc((size_t)n_items + 1, sizeof *item_deg);
  double *user_deg = calloc((size_t)n_users + 1, sizeof *user_deg);
  double *a = NULL, *b = NULL;
  int rc = -1;
  if (!m || !item_deg || !user_deg) {
    gb_err_set(err, GB_ERR_RUNTIME, "rp3beta: out of memory for %u items", n_items);
    goto out;
  }
  if (gb_interactions_transpose(x, &xt, err) != 0)
    goto out;
  a = transitions(xt, p, item_deg); /* P(i→u)^alpha */
  b = transitions(x, p, user_deg);  /* P(u→j)^alpha */
  if (!a || !b) {
    gb_err_set(err, GB_ERR_RUNTIME, "rp3beta: out of memory for %zu cells", gb_interactions_nnz(x));
    goto out;
  }
  /* d(j)^beta replaces d(j) (items without users have no pair to divide) */
  for (uint32_t j = 0; j < n_items; j++)
    item_deg[j] = pow(item_deg[j], p->beta);
  walk_ctx ctx = {.pop_beta = item_deg};
  rc = gb_itemsim_build(x, xt, a, b, p->k, walk, &ctx, &m->sim, err);
out:
  gb_interactions_free(xt);
  free(item_deg);
  free(user_deg);
  free(a);
  free(b);
  if (rc != 0) {
    gb_model_rp3beta_free(m);
    return -1;
  }
  *out = m;
  return 0;
}

void gb_model_rp3beta_score(const gb_model_rp3beta *m, const uint32_t *items, const double *weights,
                            size_t n, double *scores) {
  (void)weights;
  memset(scores, 0, m->sim.n * sizeof *scores);
  gb_itemsim_score(&m->sim, items, NULL, n, scores);
}

double gb_model_rp3beta_similarity(const gb_model_rp3beta *m, uint32_t i, uint32_t j) {
  return gb_itemsim_get(&m->sim, i, j);
}

uint32_t gb_model_rp3beta_items(const gb_model_rp3beta *m) { return m->sim.n; }

void gb_model_rp3beta_free(gb_model_rp3beta *m) {
  if (!m)
    return;
  gb_itemsim_free(&m->sim);
  free(m);
}
