#include "gb_model_popularity.h"

#include <stdlib.h>
#include <string.h>

struct gb_model_popularity {
  uint32_t n_items;
  double *score; /* by item */
};

int gb_model_popularity_new(const gb_interactions *x, const gb_model_popularity_params *p,
                            gb_model_popularity **out, gb_err *err) {
  if (p->weight > GB_WEIGHT_LOG)
    return gb_err_set(err, GB_ERR_INPUT, "popularity: unknown weighting %d", (int)p->weight);
  uint32_t n = gb_interactions_cols(x);
  gb_model_popularity *m = calloc(1, sizeof *m);
  if (m)
    m->score = calloc((size_t)n + 1, sizeof *m->score);
  if (!m || !m->score) {
    gb_model_popularity_free(m);
    return gb_err_set(err, GB_ERR_RUNTIME, "popularity: out of memory for %u items", n);
  }
  m->n_items = n;
  for (uint32_t u = 0; u < gb_interactions_rows(x); u++) {
    const uint32_t *items;
    const double *w;
    size_t len = gb_interactions_row(x, u, &items, &w);
    for (size_t t = 0; t < len; t++)
      m->score[items[t]] += gb_weighting_apply(p->weight, w[t]);
  }
  *out = m;
  return 0;
}

void gb_model_popularity_score(const gb_model_popularity *m, const uint32_t *items,
                               const double *weights, size_t n, double *scores) {
  (void)items;
  (void)weights;
  (void)n;
  memcpy(scores, m->score, m->n_items * sizeof *scores);
}

uint32_t gb_model_popularity_items(const gb_model_popularity *m) { return m->n_items; }

void gb_model_popularity_free(gb_model_popularity *m) {
  if (!m)
    return;
  free(m->score);
  free(m);
}
