#include "gb_model_itemknn.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gb_itemsim_int.h"

struct gb_model_itemknn {
  gb_weighting weight;
  gb_itemsim sim;
};

/* What the similarity functions read besides dot(i, j). */
typedef struct sim_ctx {
  const gb_model_itemknn_params *p;
  double *norm;  /* cosine: |t(., i)| */
  double *count; /* jaccard: users of i */
} sim_ctx;

static double cosine(uint32_t i, uint32_t j, double dot, const void *ctx_) {
  const sim_ctx *c = ctx_;
  return dot / (c->norm[i] * c->norm[j] + c->p->shrink);
}

static double jaccard(uint32_t i, uint32_t j, double dot, const void *ctx_) {
  const sim_ctx *c = ctx_;
  return dot / (c->count[i] + c->count[j] - dot + c->p->shrink);
}

static double plain_dot(uint32_t i, uint32_t j, double dot, const void *ctx_) {
  (void)i;
  (void)j;
  (void)ctx_;
  return dot;
}

static int check_params(const gb_model_itemknn_params *p, gb_err *err) {
  if (p->similarity > GB_ITEMKNN_BM25)
    return gb_err_set(err, GB_ERR_INPUT, "itemknn: unknown similarity %d", (int)p->similarity);
  if (p->weight > GB_WEIGHT_LOG)
    return gb_err_set(err, GB_ERR_INPUT, "itemknn: unknown weighting %d", (int)p->weight);
  if (!(p->shrink >= 0) || !isfinite(p->shrink))
    return gb_err_set(err, GB_ERR_INPUT, "itemknn: shrink %g is not a finite number >= 0",
                      p->shrink);
  if (!(p->k1 >= 0) || !isfinite(p->k1))
    return gb_err_set(err, GB_ERR_INPUT, "itemknn: k1 %g is not a finite number >= 0", p->k1);
  if (!(p->b >= 0 && p->b <= 1))
    return gb_err_set(err, GB_ERR_INPUT, "itemknn: b %g is outside [0, 1]", p->b);
  return 0;
}

/* t(u, i) of every cell of m (x or xt), in cell order. */
static double *cell_weights(const gb_interactions *m, gb_weighting how) {
  size_t nnz = gb_interactions_nnz(m);
  double *t = malloc((nnz + 1) * sizeof *t);
  if (!t)
    return NULL;
  for (uint32_t r = 0; r < gb_interactions_rows(m); r++) {
    const uint32_t *cols;
    const double *w;
    size_t len = gb_interactions_row(m, r, &cols, &w);
    size_t off = gb_interactions_offset(m, r);
    for (size_t c = 0; c < len; c++)
      t[off + c] = gb_weighting_apply(how, w[c]);
  }
  return t;
}

/* Per-row sums of m's cells ta (t values in cell order): sum t and, when sq, sqrt(sum t^2). */
static void row_sums(const gb_interactions *m, const double *ta, int sq, double *out) {
  for (uint32_t r = 0; r < gb_interactions_rows(m); r++) {
    size_t off = gb_interactions_offset(m, r), end = gb_interactions_offset(m, r + 1);
    double s = 0;
    for (size_t c = off; c < end; c++)
      s += sq ? ta[c] * ta[c] : ta[c];
    out[r] = sq ? sqrt(s) : s;
  }
}

/* BM25 weights v(u, i) written over ta (the t values of xt's cells: item rows) and tb (x's
 * cells: user rows). len is scratch of n_items. */
static void bm25_weights(const gb_interactions *x, const gb_interactions *xt,
                         const gb_model_itemknn_params *p, double *ta, double *tb, double *len) {
  uint32_t n_items = gb_interactions_cols(x);
  row_sums(xt, ta, 0, len);
  double total = 0;
  size_t used = 0;
  for (uint32_t i = 0; i < n_items; i++) {
    if (gb_interactions_offset(xt, i + 1) > gb_interactions_offset(xt, i)) {
      total += len[i];
      used++;
    }
  }
  double mean = used && total > 0 ? total / (double)used : 1.0;
  for (uint32_t u = 0; u < gb_interactions_rows(x); u++) {
    const uint32_t *items;
    size_t m = gb_interactions_row(x, u, &items, NULL), off = gb_interactions_offset(x, u);
    double idf = log((double)n_items / (1.0 + (double)m));
    for (size_t c = 0; c < m; c++) {
      double norm = 1 - p->b + p->b * len[items[c]] / mean;
      tb[off + c] = tb[off + c] * (p->k1 + 1) / (p->k1 * norm + tb[off + c]) * idf;
    }
  }
  /* the same value for xt's cell (i, u) as for x's cell (u, i) */
  for (uint32_t i = 0; i < n_items; i++) {
    const uint32_t *users;
    size_t m = gb_interactions_row(xt, i, &users, NULL), off = gb_interactions_offset(xt, i);
    double norm = 1 - p->b + p->b * len[i] / mean;
    for (size_t c = 0; c < m; c++) {
      const uint32_t *items;
      double idf =
          log((double)n_items / (1.0 + (double)gb_interactions_row(x, users[c], &items, NULL)));
      ta[off + c] = ta[off + c] * (p->k1 + 1) / (p->k1 * norm + ta[off + c]) * idf;
    }
  }
}

static int build(gb_model_itemknn *m, const gb_interactions *x, const gb_interactions *xt,
                 const gb_model_itemknn_params *p, gb_err *err) {
  uint32_t n_items = gb_interactions_cols(x);
  gb_weighting how = m->weight;
  double *ta = cell_weights(xt, how), *tb = cell_weights(x, how);
  double *stat = calloc((size_t)n_items + 1, sizeof *stat);
  int rc = -1;
  if (!ta || !tb || !stat) {
    gb_err_set(err, GB_ERR_RUNTIME, "itemknn: out of memory for %zu cells", gb_interactions_nnz(x));
    goto out;
  }
  sim_ctx ctx = {.p = p, .norm = stat, .count = stat};
  gb_itemsim_fn fn = plain_dot;
  if (p->similarity == GB_ITEMKNN_COSINE) {
    row_sums(xt, ta, 1, stat);
    fn = cosine;
  } else if (p->similarity == GB_ITEMKNN_JACCARD) {
    row_sums(xt, ta, 0, stat);
    fn = jaccard;
  } else {
    bm25_weights(x, xt, p, ta, tb, stat);
  }
  rc = gb_itemsim_build(x, xt, ta, tb, p->k, fn, &ctx, &m->sim, err);
out:
  free(ta);
  free(tb);
  free(stat);
  return rc;
}

int gb_model_itemknn_new(const gb_interactions *x, const gb_model_itemknn_params *p,
                         gb_model_itemknn **out, gb_err *err) {
  if (check_params(p, err) != 0)
    return -1;
  gb_model_itemknn *m = calloc(1, sizeof *m);
  gb_interactions *xt = NULL;
  if (!m)
    return gb_err_set(err, GB_ERR_RUNTIME, "itemknn: out of memory");
  m->weight = p->similarity == GB_ITEMKNN_JACCARD ? GB_WEIGHT_BINARY : p->weight;
  if (gb_interactions_transpose(x, &xt, err) != 0 || build(m, x, xt, p, err) != 0) {
    gb_interactions_free(xt);
    gb_model_itemknn_free(m);
    return -1;
  }
  gb_interactions_free(xt);
  *out = m;
  return 0;
}

void gb_model_itemknn_score(const gb_model_itemknn *m, const uint32_t *items, const double *weights,
                            size_t n, double *scores) {
  memset(scores, 0, m->sim.n * sizeof *scores);
  for (size_t h = 0; h < n; h++) {
    double t = gb_weighting_apply(m->weight, weights ? weights[h] : 1.0);
    gb_itemsim_score(&m->sim, &items[h], &t, 1, scores);
  }
}

double gb_model_itemknn_similarity(const gb_model_itemknn *m, uint32_t i, uint32_t j) {
  return gb_itemsim_get(&m->sim, i, j);
}

uint32_t gb_model_itemknn_items(const gb_model_itemknn *m) { return m->sim.n; }

void gb_model_itemknn_free(gb_model_itemknn *m) {
  if (!m)
    return;
  gb_itemsim_free(&m->sim);
  free(m);
}
