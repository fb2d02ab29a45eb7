/* egreedy: ε-greedy — with probability ε a uniform choice, otherwise the challenge with the
 * highest use rate so far (with a prior, as popularity's but over the whole run). Its propensities
 * are known exactly, which makes it a logging policy for off-policy evaluation that still earns.
 *
 * In the store, place by place: with probability ε an app neither owned nor placed yet, uniform,
 * otherwise the next of the greedy order — the apps by purchases from a slate per impression,
 * (converted + s·m) / (shown + s), over the whole run, ties to the lower ordinal. */
#include <stdlib.h>

#include "gb_grow.h"
#include "gb_slate_int.h"

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

/* ---- the store half ------------------------------------------------------------------------- */

typedef struct eg_store {
  uint64_t seed;
  uint16_t arm;
  int64_t epoch_ms;
  uint32_t apps, k;
  double epsilon, strength, mean;
  gb_slate_obs obs;
  gb_tally *pending;          /* merged increments since the last own boundary */
  int64_t *shown, *converted; /* [apps]: every increment applied */
  double *score;              /* [apps] */
  uint32_t *order;            /* [apps]: the greedy order, best first */
} eg_store;

static void eg_store_free(void *state) {
  eg_store *s = state;
  if (!s)
    return;
  gb_slate_obs_free(&s->obs);
  gb_tally_free(s->pending);
  free(s->shown);
  free(s->converted);
  free(s->score);
  free(s->order);
  free(s);
}

static int eg_store_init(const gb_algo_env *env, const gb_algo_params *p, const gb_slate_env *store,
                         void **state, gb_err *err) {
  eg_store *s = calloc(1, sizeof *s);
  if (!s)
    return gb_err_set(err, GB_ERR_RUNTIME, "out of memory for the egreedy store half");
  *s = (eg_store){.seed = env->seed,
                  .arm = env->arm,
                  .epoch_ms = (int64_t)p->v[P_EPOCH],
                  .apps = store->apps,
                  .k = store->k,
                  .epsilon = p->v[P_EPSILON],
                  .strength = p->v[P_STRENGTH],
                  .mean = p->v[P_MEAN]};
  gb_slate_obs_init(&s->obs, GB_SLATE_COUNT_RATE, store->apps);
  s->shown = calloc(store->apps, sizeof *s->shown);
  s->converted = calloc(store->apps, sizeof *s->converted);
  s->score = calloc(store->apps, sizeof *s->score);
  s->order = malloc(store->apps * sizeof *s->order);
  if (!s->shown || !s->converted || !s->score || !s->order) {
    eg_store_free(s);
    return gb_err_set(err, GB_ERR_RUNTIME, "out of memory for the egreedy store half");
  }
  if (gb_tally_new(256, &s->pending, err) != 0) {
    eg_store_free(s);
    return -1;
  }
  for (uint32_t a = 0; a < store->apps; a++) /* every app at the prior mean: ordinal order */
    s->order[a] = a;
  *state = s;
  return 0;
}

/* Place j, with r apps neither owned nor placed and g the first of them in the greedy order:
 * if the EXPLORE draw of the place is below ε, the floor(v r)-th of them (v the PICK draw of the
 * place), else g. Propensity, given the places before: (1 − ε)[app = g] + ε / r. */
static void eg_store_rank(const void *state, const gb_slate_request *req, gb_slate *out) {
  const eg_store *s = state;
  uint32_t free_apps = s->apps - gb_slate_owned_in(req, s->apps);
  uint32_t n = free_apps < s->k ? free_apps : s->k;
  uint32_t placed[GB_SLATE_MAX];
  size_t n_placed = 0, g = 0;
  out->n = 0;
  for (uint32_t j = 0; j < n; j++) {
    while (gb_slate_is_owned(req, s->order[g]) || gb_slate_is_placed(out, s->order[g]))
      g++; /* r > 0 apps are left: one of them stops the walk */
    uint32_t greedy = s->order[g], r = free_apps - j, app = greedy;
    if (gb_slate_draw(s->seed, req->decision_id, GB_SALT_EXPLORE, s->arm, j) < s->epsilon)
      app = gb_slate_pick_uniform(s->seed, req, s->arm, j, r, placed, &n_placed);
    else
      gb_slate_insert_sorted(placed, &n_placed, app);
    gb_slate_put(out, app, (app == greedy ? 1.0 - s->epsilon : 0.0) + s->epsilon / (double)r);
  }
}

static void eg_store_observe(void *state, const gb_slate_feedback *f, gb_tally *delta) {
  eg_store *s = state;
  gb_slate_obs_feedback(&s->obs, f, delta);
}

static void eg_store_epoch(void *state, int64_t boundary_ms, const gb_tally *merged) {
  eg_store *s = state;
  gb_tally_entry *e;
  size_t n;
  if (!gb_slate_epoch_take(s->pending, merged, boundary_ms, s->epoch_ms, &e, &n))
    return;
  for (size_t i = 0; i < n; i++) {
    unsigned tag = (unsigned)(e[i].key >> 56);
    uint64_t app = e[i].key & ((UINT64_C(1) << 56) - 1);
    if (app >= s->apps)
      continue;
    if (tag == GB_TAG_STORE_SHOWN)
      s->shown[app] += e[i].sum;
    else if (tag == GB_TAG_STORE_CONVERTED)
      s->converted[app] += e[i].sum;
  }
  free(e);
  for (uint32_t a = 0; a < s->apps; a++) /* never shown (with prior_strength 0, 0/0): the mean */
    s->score[a] = (double)s->shown[a] + s->strength > 0
                      ? ((double)s->converted[a] + s->strength * s->mean) /
                            ((double)s->shown[a] + s->strength)
                      : s->mean;
  gb_slate_sort_order(s->order, s->score, s->apps);
}

static const gb_slate_ops egreedy_slate = {
    .init = eg_store_init,
    .rank = eg_store_rank,
    .observe = eg_store_observe,
    .epoch = eg_store_epoch,
    .free = eg_store_free,
};

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
    .slate = &egreedy_slate,
};
