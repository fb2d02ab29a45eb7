/* lints: linear Thompson sampling (Agrawal & Goyal 2013) on the disjoint ridge model of linucb —
 * θ̃_a ~ N(θ_a, v² A_a⁻¹) for each candidate. Only θ̃_a·x matters, and for a fixed x it is normal
 * with mean θ_a·x and variance v²·xᵀA_a⁻¹x: one normal draw per candidate samples it exactly.
 * Propensity: the normal approximation of gb_algo_max_prob_normal on those scores. */
#include <stdlib.h>

#include "gb_algo_linear.h"

enum { P_EPOCH, P_V, P_LAMBDA };

static const gb_algo_param params[] = {
    {"epoch", GB_ALGO_PARAM_DURATION, 60000, 1000, 7 * 86400000.0, NULL,
     "sim time between model updates"},
    {"v", GB_ALGO_PARAM_NUMBER, 0.3, 0, 100, NULL, "scale of the posterior's spread"},
    {"lambda", GB_ALGO_PARAM_NUMBER, 1, 1e-6, 1e6, NULL, "ridge regularisation"},
};

typedef struct lints {
  gb_lin model;
  double v;
  uint64_t seed;
  uint16_t arm;
} lints;

static int lints_init(const gb_algo_env *env, const gb_algo_params *p, void **state, gb_err *err) {
  lints *s = calloc(1, sizeof *s);
  if (!s)
    return gb_err_set(err, GB_ERR_RUNTIME, "out of memory for the lints algorithm");
  gb_lin_init(&s->model, (int64_t)p->v[P_EPOCH], p->v[P_LAMBDA]);
  s->v = p->v[P_V];
  s->seed = env->seed;
  s->arm = env->arm;
  *state = s;
  return 0;
}

static gb_algo_choice lints_choose(const void *state, const gb_algo_decision *d) {
  const lints *s = state;
  size_t n = d->n_candidates;
  double x[GB_LIN_D], *draw = d->scratch, *mean = draw + n, *var = mean + n;
  float xx[GB_LIN_QUAD];
  gb_algo_context(d->features, x);
  gb_lin_products(x, xx);
  gb_rng rng;
  gb_rng_seed(&rng, s->seed, gb_hash3(d->decision_id, gb_algo_salt(GB_SALT_SAMPLE, s->arm), 0));
  double *z = var + n;
  gb_algo_normals(&rng, z, n);
  gb_lin_score_all(&s->model, d->candidates, n, x, xx, mean, var); /* var: the widths first */
  for (size_t i = 0; i < n; i++) {
    double width = var[i];
    var[i] = s->v * s->v * width * width;
    draw[i] = mean[i] + s->v * width * z[i];
  }
  size_t best = gb_algo_argmax(draw, n, gb_hash3(d->decision_id, GB_SALT_TIE, 0));
  return (gb_algo_choice){best, gb_algo_max_prob_normal(mean, var, n, best)};
}

static void lints_observe(void *state, const gb_algo_feedback *f, gb_tally *delta) {
  (void)state;
  gb_lin_observe(f, delta);
}

static void lints_epoch(void *state, int64_t boundary_ms, const gb_tally *merged) {
  gb_lin_epoch(&((lints *)state)->model, boundary_ms, merged);
}

static void lints_free(void *state) {
  lints *s = state;
  if (!s)
    return;
  gb_lin_free(&s->model);
  free(s);
}

const gb_algo_ops gb_algo_lints = {
    .name = "lints",
    .summary = "linear Thompson sampling over the decision-time features (Agrawal & Goyal 2013)",
    .params = params,
    .n_params = sizeof params / sizeof params[0],
    .learns = true,
    .init = lints_init,
    .choose = lints_choose,
    .observe = lints_observe,
    .epoch = lints_epoch,
    .free = lints_free,
};
