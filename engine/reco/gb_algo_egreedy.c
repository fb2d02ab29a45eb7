/* egreedy: ε-greedy — with probability ε a uniform choice, otherwise the challenge with the
 * highest use rate so far (with a prior, as popularity's but over the whole run). Its propensities
 * are known exactly, which makes it a logging policy for off-policy evaluation that still earns. */
#include <stdlib.h>

#include "gb_algo_int.h"
#include "gb_grow.h"

enum { P_EPOCH, P_EPSILON, P_STRENGTH, P_MEAN };

static const gb_algo_param params[] = {
    {"epoch", GB_ALGO_PARAM_DURATION, 60000, 1000, 7 * 86400000.0, NULL,
     "sim time between model updates"},
    {"epsilon", GB_ALGO_PARAM_NUMBER, 0.1, 0, 1, NULL, "share of uniform (exploring) choices"},
    {"prior_strength", GB_ALGO_PARAM_NUMBER, 1, 0, 1e6, NULL,
     "props' worth of prior belief in each challenge"},
    {"prior_mean", GB_ALGO_PARAM_NUMBER, 0.5, 0, 1, NULL, "prior use rate of a challenge"},
};

typedef struct egreedy {
  uint64_t seed;
  uint16_t arm;
  int64_t epoch_ms;
  double epsilon, strength, mean;
  gb_algo_counts pending, total; /* merged increments since the last own boundary; all before */
  double *score;
  size_t score_cap;
} egreedy;

static int egreedy_init(const gb_algo_env *env, const gb_algo_params *p, void **state,
                        gb_err *err) {
  egreedy *s = calloc(1, sizeof *s);
  if (!s)
    return gb_err_set(err, GB_ERR_RUNTIME, "out of memory for the egreedy algorithm");
  s->seed = env->seed;
  s->arm = env->arm;
  s->epoch_ms = (int64_t)p->v[P_EPOCH];
  s->epsilon = p->v[P_EPSILON];
  s->strength = p->v[P_STRENGTH];
  s->mean = p->v[P_MEAN];
  *state = s;
  return 0;
}

static gb_algo_choice egreedy_choose(const void *state, const gb_algo_decision *d) {
  const egreedy *s = state;
  size_t n = d->n_candidates;
  double *score = d->scratch;
  for (size_t i = 0; i < n; i++)
    score[i] = d->candidates[i] < s->score_cap ? s->score[d->candidates[i]] : s->mean;
  size_t greedy = gb_algo_argmax(score, n, gb_hash3(d->decision_id, GB_SALT_TIE, 0));
  /* the tie hash makes the greedy choice uniform among the k best: each has (1 - ε)/k of it
   * (untried challenges tie at the prior mean, so k > 1 is common) */
  size_t ties = 0;
  for (size_t i = 0; i < n; i++)
    ties += score[i] == score[greedy];
  double explore = s->epsilon / (double)n;
  double exploit = (1.0 - s->epsilon) / (double)ties + explore;
  double u = gb_unit(gb_hash3(s->seed, d->decision_id, gb_algo_salt(GB_SALT_EXPLORE, s->arm)));
  if (u >= s->epsilon)
    return (gb_algo_choice){greedy, exploit};
  double v = gb_unit(gb_hash3(s->seed, d->decision_id, gb_algo_salt(GB_SALT_PICK, s->arm)));
  size_t index = (size_t)(v * (double)n);
  return (gb_algo_choice){index, score[index] == score[greedy] ? exploit : explore};
}

static void egreedy_observe(void *state, const gb_algo_feedback *f, gb_tally *delta) {
  (void)state;
  gb_algo_count_feedback(f, 0, delta);
}

static void egreedy_epoch(void *state, int64_t boundary_ms, const gb_tally *merged) {
  egreedy *s = state;
  gb_algo_counts_add(&s->pending, merged, 0);
  if (boundary_ms % s->epoch_ms != 0)
    return;
  gb_algo_counts_reserve(&s->total, s->pending.cap);
  for (size_t i = 0; i < s->pending.cap; i++) {
    s->total.given[i] += s->pending.given[i];
    s->total.used[i] += s->pending.used[i];
  }
  gb_algo_counts_free(&s->pending);
  GB_GROW_OR_DIE(s->score, s->score_cap, s->total.cap, 64, "egreedy scores");
  for (size_t i = 0; i < s->total.cap; i++) /* none given and no prior: 0/0, the prior mean */
    s->score[i] = s->total.given[i] + s->strength > 0
                      ? ((double)s->total.used[i] + s->strength * s->mean) /
                            ((double)s->total.given[i] + s->strength)
                      : s->mean;
  for (size_t i = s->total.cap; i < s->score_cap; i++)
    s->score[i] = s->mean;
}

static void egreedy_free(void *state) {
  egreedy *s = state;
  if (!s)
    return;
  gb_algo_counts_free(&s->pending);
  gb_algo_counts_free(&s->total);
  free(s->score);
  free(s);
}

const gb_algo_ops gb_algo_egreedy = {
    .name = "egreedy",
    .summary = "epsilon-greedy on the use rate with a prior (exact propensities: a logging policy)",
    .params = params,
    .n_params = sizeof params / sizeof params[0],
    .learns = true,
    .logging = true,
    .init = egreedy_init,
    .choose = egreedy_choose,
    .observe = egreedy_observe,
    .epoch = egreedy_epoch,
    .free = egreedy_free,
};
