/* popularity: the challenge with the highest use rate over a sliding window of sim time, with a
 * prior — (used + strength · mean) / (given + strength) — so that a challenge seldom given is
 * neither written off nor crowned on a few props. Greedy (propensity 1): untried challenges
 * score the prior mean, which is what makes it try them.
 *
 * In the store: the apps by purchases plus a quarter of the players who played them
 * (GB_SLATE_PLAY_WEIGHT), counted over the same window, ties to the lower ordinal, propensity 1;
 * the prior does not apply. */
#include <stdlib.h>
#include <string.h>

#include "gb_grow.h"
#include "gb_slate_int.h"

enum { P_EPOCH, P_WINDOW, P_STRENGTH, P_MEAN };

static const gb_algo_param params[] = {
    {"epoch", GB_ALGO_PARAM_DURATION, 60000, 1000, 7 * 86400000.0, NULL,
     "sim time between model updates"},
    {"window", GB_ALGO_PARAM_DURATION, 86400000, 1000, 30 * 86400000.0, NULL,
     "sim time the use rate is counted over (a multiple of epoch, at most 10000 epochs)"},
    {"prior_strength", GB_ALGO_PARAM_NUMBER, 10, 0, 1e6, NULL,
     "props' worth of prior belief in each challenge"},
    {"prior_mean", GB_ALGO_PARAM_NUMBER, 0.5, 0, 1, NULL, "prior use rate of a challenge"},
};

typedef struct popularity {
  int64_t epoch_ms;
  double strength, mean;
  gb_algo_counts pending; /* merged increments since the last own boundary */
  gb_algo_counts total;   /* over the window */
  gb_algo_counts *ring;   /* [n_slots]: each epoch's increments, the oldest at head */
  size_t n_slots, head;
  double *score; /* [score_cap] by ordinal */
  size_t score_cap;
} popularity;

/* The window's epochs, or -1 with GB_ERR_INPUT. */
static int window_slots(const gb_algo_params *p, size_t *slots, gb_err *err) {
  int64_t epoch = (int64_t)p->v[P_EPOCH], window = (int64_t)p->v[P_WINDOW];
  if (window % epoch != 0 || window / epoch > 10000)
    return gb_err_set(err, GB_ERR_INPUT,
                      "window %lld ms must be a multiple of epoch %lld ms, at most 10000 of them",
                      (long long)window, (long long)epoch);
  *slots = (size_t)(window / epoch);
  return 0;
}

static int popularity_init(const gb_algo_env *env, const gb_algo_params *p, void **state,
                           gb_err *err) {
  (void)env;
  size_t slots;
  if (window_slots(p, &slots, err) != 0)
    return -1;
  int64_t epoch = (int64_t)p->v[P_EPOCH];
  popularity *s = calloc(1, sizeof *s);
  if (s)
    s->ring = calloc(slots, sizeof *s->ring);
  if (!s || !s->ring) {
    free(s);
    return gb_err_set(err, GB_ERR_RUNTIME, "out of memory for the popularity algorithm");
  }
  s->epoch_ms = epoch;
  s->n_slots = slots;
  s->strength = p->v[P_STRENGTH];
  s->mean = p->v[P_MEAN];
  *state = s;
  return 0;
}

static gb_algo_choice popularity_choose(const void *state, const gb_algo_decision *d) {
  const popularity *s = state;
  double *score = d->scratch;
  for (size_t i = 0; i < d->n_candidates; i++)
    score[i] = d->candidates[i] < s->score_cap ? s->score[d->candidates[i]] : s->mean;
  /* no arm salt: ties broken alike in every arm of this algorithm */
  return (gb_algo_choice){
      gb_algo_argmax(score, d->n_candidates, gb_hash3(d->decision_id, GB_SALT_TIE, 0)), 1.0};
}

static void popularity_observe(void *state, const gb_algo_feedback *f, gb_tally *delta) {
  (void)state;
  gb_algo_count_feedback(f, 0, delta);
}

/* Moves the pending increments into the window, dropping the epoch that leaves it. */
static void slide(popularity *s) {
  gb_algo_counts *oldest = &s->ring[s->head];
  size_t n = s->pending.cap > oldest->cap ? s->pending.cap : oldest->cap;
  gb_algo_counts_reserve(&s->total, n);
  for (size_t i = 0; i < oldest->cap; i++) {
    s->total.given[i] -= oldest->given[i];
    s->total.used[i] -= oldest->used[i];
  }
  for (size_t i = 0; i < s->pending.cap; i++) {
    s->total.given[i] += s->pending.given[i];
    s->total.used[i] += s->pending.used[i];
  }
  gb_algo_counts_free(oldest);
  *oldest = s->pending; /* the ring keeps the epoch's counts until it leaves the window */
  memset(&s->pending, 0, sizeof s->pending);
  s->head = (s->head + 1) % s->n_slots;
}

static void rescore(popularity *s) {
  GB_GROW_OR_DIE(s->score, s->score_cap, s->total.cap, 64, "popularity scores");
  for (size_t i = 0; i < s->total.cap; i++) /* none given and no prior: 0/0, the prior mean */
    s->score[i] = s->total.given[i] + s->strength > 0
                      ? ((double)s->total.used[i] + s->strength * s->mean) /
                            ((double)s->total.given[i] + s->strength)
                      : s->mean;
  for (size_t i = s->total.cap; i < s->score_cap; i++)
    s->score[i] = s->mean;
}

static void popularity_epoch(void *state, int64_t boundary_ms, const gb_tally *merged) {
  popularity *s = state;
  gb_algo_counts_add(&s->pending, merged, 0);
  if (boundary_ms % s->epoch_ms != 0)
    return;
  slide(s);
  rescore(s);
}

static void popularity_free(void *state) {
  popularity *s = state;
  if (!s)
    return;
  for (size_t i = 0; i < s->n_slots; i++)
    gb_algo_counts_free(&s->ring[i]);
  free(s->ring);
  gb_algo_counts_free(&s->pending);
  gb_algo_counts_free(&s->total);
  free(s->score);
  free(s);
}

/* ---- the store half ------------------------------------------------------------------------- */

typedef struct pop_delta { /* one app's increments of one epoch */
  uint32_t app;
  int64_t bought, players;
} pop_delta;

typedef struct pop_epoch {
  pop_delta *d;
  size_t n;
} pop_epoch;

typedef struct pop_store {
  int64_t epoch_ms;
  uint32_t apps, k;
  gb_slate_obs obs;
  gb_tally *pending; /* merged increments since the last own boundary */
  gb_slate_pop pop;  /* over the window */
  pop_epoch *ring;   /* [n_slots]: each epoch's increments, the oldest at head */
  size_t n_slots, head;
} pop_store;

static void pop_store_free(void *state) {
  pop_store *s = state;
  if (!s)
    return;
  gb_slate_obs_free(&s->obs);
  gb_tally_free(s->pending);
  gb_slate_pop_free(&s->pop);
  for (size_t i = 0; s->ring && i < s->n_slots; i++)
    free(s->ring[i].d);
  free(s->ring);
  free(s);
}

static int pop_store_init(const gb_algo_env *env, const gb_algo_params *p,
                          const gb_slate_env *store, void **state, gb_err *err) {
  (void)env;
  size_t slots;
  if (window_slots(p, &slots, err) != 0)
    return -1;
  pop_store *s = calloc(1, sizeof *s);
  if (!s)
    return gb_err_set(err, GB_ERR_RUNTIME, "out of memory for the popularity store half");
  s->epoch_ms = (int64_t)p->v[P_EPOCH];
  s->apps = store->apps;
  s->k = store->k;
  s->n_slots = slots;
  gb_slate_obs_init(&s->obs, GB_SLATE_COUNT_POP, store->apps);
  s->ring = calloc(slots, sizeof *s->ring);
  if (!s->ring) {
    pop_store_free(s);
    return gb_err_set(err, GB_ERR_RUNTIME, "out of memory for the popularity store half");
  }
  if (gb_tally_new(256, &s->pending, err) != 0 ||
      gb_slate_pop_init(&s->pop, store->apps, err) != 0) {
    pop_store_free(s);
    return -1;
  }
  *state = s;
  return 0;
}

/* The popularity order without the owned apps: O(k + owned apps skipped). */
static void pop_store_rank(const void *state, const gb_slate_request *req, gb_slate *out) {
  const pop_store *s = state;
  out->n = 0;
  gb_slate_fill(s->pop.order, s->apps, req, s->k, out);
}

static void pop_store_observe(void *state, const gb_slate_feedback *f, gb_tally *delta) {
  pop_store *s = state;
  gb_slate_obs_feedback(&s->obs, f, delta);
}

/* The pending increments as one epoch's deltas: they enter the window as the oldest leaves. */
static void pop_store_slide(pop_store *s) {
  gb_tally_entry *e;
  size_t n;
  gb_err err = {0};
  if (gb_tally_sorted(s->pending, &e, &n, &err) != 0)
    GB_FATAL("%s", err.msg);
  pop_epoch add = {malloc((n ? n : 1) * sizeof(pop_delta)), 0};
  if (!add.d)
    GB_FATAL("out of memory for an epoch of store popularity");
  for (size_t i = 0; i < n; i++) {
    unsigned tag = (unsigned)(e[i].key >> 56);
    uint64_t app = e[i].key & ((UINT64_C(1) << 56) - 1);
    if (app >= s->apps || e[i].sum == 0)
      continue;
    if (tag == GB_TAG_STORE_BOUGHT)
      add.d[add.n++] = (pop_delta){(uint32_t)app, e[i].sum, 0};
    else if (tag == GB_TAG_STORE_PLAYERS)
      add.d[add.n++] = (pop_delta){(uint32_t)app, 0, e[i].sum};
  }
  free(e);
  gb_tally_clear(s->pending);
  pop_epoch *oldest = &s->ring[s->head];
  for (size_t i = 0; i < oldest->n; i++) {
    s->pop.bought[oldest->d[i].app] -= oldest->d[i].bought;
    s->pop.players[oldest->d[i].app] -= oldest->d[i].players;
  }
  for (size_t i = 0; i < add.n; i++) {
    s->pop.bought[add.d[i].app] += add.d[i].bought;
    s->pop.players[add.d[i].app] += add.d[i].players;
  }
  bool changed = oldest->n > 0 || add.n > 0;
  free(oldest->d);
  *oldest = add;
  s->head = (s->head + 1) % s->n_slots;
  if (changed)
    gb_slate_pop_sort(&s->pop);
}

static void pop_store_epoch(void *state, int64_t boundary_ms, const gb_tally *merged) {
  pop_store *s = state;
  gb_tally_merge(s->pending, merged);
  if (boundary_ms % s->epoch_ms == 0)
    pop_store_slide(s);
}

static const gb_slate_ops popularity_slate = {
    .init = pop_store_init,
    .rank = pop_store_rank,
    .observe = pop_store_observe,
    .epoch = pop_store_epoch,
    .free = pop_store_free,
};

const gb_algo_ops gb_algo_popularity = {
    .name = "popularity",
    .summary = "the highest use rate over a sliding window, with a prior (greedy)",
    .params = params,
    .n_params = sizeof params / sizeof params[0],
    .learns = true,
    .init = popularity_init,
    .choose = popularity_choose,
    .observe = popularity_observe,
    .epoch = popularity_epoch,
    .free = popularity_free,
    .slate = &popularity_slate,
};
