/* linucb: disjoint LinUCB (Li, Chu, Langford & Schapire 2010) over the player's decision-time
 * features — each challenge's ridge estimate of the use probability plus α times its standard
 * deviation, θ_a·x + α·sqrt(xᵀA_a⁻¹x); the highest wins (deterministic: propensity 1). */
#include <stdlib.h>

#include "gb_algo_linear.h"

enum { P_EPOCH, P_ALPHA, P_LAMBDA };

static const gb_algo_param params[] = {
    {"epoch", GB_ALGO_PARAM_DURATION, 60000, 1000, 7 * 86400000.0, NULL,
     "sim time between model updates"},
    {"alpha", GB_ALGO_PARAM_NUMBER, 0.5, 0, 100, NULL, "width of the confidence bonus"},
    {"lambda", GB_ALGO_PARAM_NUMBER, 1, 1e-6, 1e6, NULL, "ridge regularisation"},
};

typedef struct linucb {
  gb_lin model;
  double alpha;
} linucb;

static int linucb_init(const gb_algo_env *env, const gb_algo_params *p, void **state, gb_err *err) {
  (void)env;
  linucb *s = calloc(1, sizeof *s);
  if (!s)
    return gb_err_set(err, GB_ERR_RUNTIME, "out of memory for the linucb algorithm");
  gb_lin_init(&s->model, (int64_t)p->v[P_EPOCH], p->v[P_LAMBDA]);
  s->alpha = p->v[P_ALPHA];
  *state = s;
  return 0;
}

static gb_algo_choice linucb_choose(const void *state, const gb_algo_decision *d) {
  const linucb *s = state;
  double x[GB_LIN_D], *score = d->scratch;
  float xx[GB_LIN_QUAD];
  gb_algo_context(d->features, x);
  gb_lin_products(x, xx);
  double *width = score + d->n_candidates;
  gb_lin_score_all(&s->model, d->candidates, d->n_candidates, x, xx, score, width);
  for (size_t i = 0; i < d->n_candidates; i++)
    score[i] += s->alpha * width[i];
  return (gb_algo_choice){
      gb_algo_argmax(score, d->n_candidates, gb_hash3(d->decision_id, GB_SALT_TIE, 0)), 1.0};
}

static void linucb_observe(void *state, const gb_algo_feedback *f, gb_tally *delta) {
  (void)state;
  gb_lin_observe(f, delta);
}

static void linucb_epoch(void *state, int64_t boundary_ms, const gb_tally *merged) {
  gb_lin_epoch(&((linucb *)state)->model, boundary_ms, merged);
}

static void linucb_free(void *state) {
  linucb *s = state;
  if (!s)
    return;
  gb_lin_free(&s->model);
  free(s);
}

const gb_algo_ops gb_algo_linucb = {
    .name = "linucb",
    .summary = "disjoint LinUCB over the decision-time features (Li et al. 2010)",
    .params = params,
    .n_params = sizeof params / sizeof params[0],
    .learns = true,
    .init = linucb_init,
    .choose = linucb_choose,
    .observe = linucb_observe,
    .epoch = linucb_epoch,
    .free = linucb_free,
};
