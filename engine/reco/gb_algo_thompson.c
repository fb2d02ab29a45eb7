/* thompson: Thompson sampling with a Beta-Bernoulli model of each challenge's use rate —
 * Beta(a + used, b + given − used) — optionally one model per player segment (platform or
 * country). Each decision draws one sample per candidate from a stream keyed by the decision, and
 * gives the highest. The propensity (the probability of that choice) has no closed form: it is the
 * normal approximation of gb_algo_max_prob_normal. */
#include <stdlib.h>
#include <string.h>

#include "gb_algo_int.h"

enum { P_EPOCH, P_PRIOR_A, P_PRIOR_B, P_SEGMENT };
enum { SEGMENTS = 16, SEG_NONE = 0, SEG_PLATFORM = 1, SEG_COUNTRY = 2 };

static const gb_algo_param params[] = {
    {"epoch", GB_ALGO_PARAM_DURATION, 60000, 1000, 7 * 86400000.0, NULL,
     "sim time between model updates"},
    {"prior_a", GB_ALGO_PARAM_NUMBER, 1, 1e-3, 1e6, NULL, "Beta prior: uses"},
    {"prior_b", GB_ALGO_PARAM_NUMBER, 1, 1e-3, 1e6, NULL, "Beta prior: props not used"},
    {"segment", GB_ALGO_PARAM_CHOICE, 0, 0, 0, "none|platform|country",
     "one model per segment of players (16 hash buckets of the value)"},
};

typedef struct thompson {
  uint64_t seed;
  uint16_t arm;
  int64_t epoch_ms;
  double a, b;
  int segment;
  uint32_t n_seg;
  gb_algo_counts pending[SEGMENTS], total[SEGMENTS];
} thompson;

static int thompson_init(const gb_algo_env *env, const gb_algo_params *p, void **state,
                         gb_err *err) {
  thompson *s = calloc(1, sizeof *s);
  if (!s)
    return gb_err_set(err, GB_ERR_RUNTIME, "out of memory for the thompson algorithm");
  s->seed = env->seed;
  s->arm = env->arm;
  s->epoch_ms = (int64_t)p->v[P_EPOCH];
  s->a = p->v[P_PRIOR_A];
  s->b = p->v[P_PRIOR_B];
  s->segment = (int)p->v[P_SEGMENT];
  s->n_seg = s->segment == SEG_NONE ? 1 : SEGMENTS;
  *state = s;
  return 0;
}

static uint32_t segment_of(const thompson *s, const gb_feature_vec *f) {
  if (s->segment == SEG_NONE)
    return 0;
  const char *v = s->segment == SEG_PLATFORM ? f->platform : f->country;
  return (uint32_t)(gb_hash_bytes(v, strlen(v), 0) % SEGMENTS);
}

static gb_algo_choice thompson_choose(const void *state, const gb_algo_decision *d) {
  const thompson *s = state;
  const gb_algo_counts *c = &s->total[segment_of(s, d->features)];
  size_t n = d->n_candidates;
  double *draw = d->scratch, *mean = draw + n, *var = mean + n, *z = var + n;
  gb_rng rng;
  gb_rng_seed(&rng, s->seed, gb_hash3(d->decision_id, gb_algo_salt(GB_SALT_SAMPLE, s->arm), 0));
  gb_algo_normals(&rng, z, n);
  for (size_t i = 0; i < n; i++) {
    double used = (double)gb_algo_used(c, d->candidates[i]);
    double a = s->a + used, b = s->b + (double)gb_algo_given(c, d->candidates[i]) - used;
    draw[i] = gb_algo_beta(&rng, a, b, z[i]);
    mean[i] = a / (a + b);
    var[i] = a * b / ((a + b) * (a + b) * (a + b + 1));
  }
  size_t best = gb_algo_argmax(draw, n, gb_hash3(d->decision_id, GB_SALT_TIE, 0));
  return (gb_algo_choice){best, gb_algo_max_prob_normal(mean, var, n, best)};
}

static void thompson_observe(void *state, const gb_algo_feedback *f, gb_tally *delta) {
  gb_algo_count_feedback(f, segment_of(state, f->features), delta);
}

static void thompson_epoch(void *state, int64_t boundary_ms, const gb_tally *merged) {
  thompson *s = state;
  for (uint32_t g = 0; g < s->n_seg; g++)
    gb_algo_counts_add(&s->pending[g], merged, g);
  if (boundary_ms % s->epoch_ms != 0)
    return;
  for (uint32_t g = 0; g < s->n_seg; g++) {
    gb_algo_counts *p = &s->pending[g], *t = &s->total[g];
    gb_algo_counts_reserve(t, p->cap);
    for (size_t i = 0; i < p->cap; i++) {
      t->given[i] += p->given[i];
      t->used[i] += p->used[i];
    }
    gb_algo_counts_free(p);
  }
}

static void thompson_free(void *state) {
  thompson *s = state;
  if (!s)
    return;
  for (uint32_t g = 0; g < SEGMENTS; g++) {
    gb_algo_counts_free(&s->pending[g]);
    gb_algo_counts_free(&s->total[g]);
  }
  free(s);
}

const gb_algo_ops gb_algo_thompson = {
    .name = "thompson",
    .summary = "Thompson sampling, Beta-Bernoulli per challenge (optionally per player segment)",
    .params = params,
    .n_params = sizeof params / sizeof params[0],
    .learns = true,
    .init = thompson_init,
    .choose = thompson_choose,
    .observe = thompson_observe,
    .epoch = thompson_epoch,
    .free = thompson_free,
};
