/* gb_slate_batch: the store half of the batch models (itemknn, ease, als) — a gb_ranker model
 * refitted at each own epoch from every (player, app) interaction the arm's players produced
 * (gb_slate_int.h). Every shard merges the same increments, so every shard fits the same model. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gb_slate_int.h"

typedef struct batch {
  uint64_t seed;
  int64_t epoch_ms;
  uint32_t apps, k;
  gb_ranker_config cfg;
  bool positive_only;
  gb_slate_obs obs;
  gb_tally *pending; /* merged increments since the last own boundary */
  gb_tally *pairs;   /* every PAIR increment applied */
  gb_slate_pop pop;  /* since the start */
  gb_ranker *model;  /* NULL until pairs exist */
} batch;

int gb_slate_batch_init(const gb_algo_env *env, const gb_slate_env *store, int64_t epoch_ms,
                        const gb_ranker_config *cfg, bool positive_only, void **state,
                        gb_err *err) {
  batch *s = calloc(1, sizeof *s);
  if (!s)
    return gb_err_set(err, GB_ERR_RUNTIME, "out of memory for the %s store model", cfg->info->name);
  s->seed = env->seed;
  s->epoch_ms = epoch_ms;
  s->apps = store->apps;
  s->k = store->k;
  s->cfg = *cfg;
  s->positive_only = positive_only;
  gb_slate_obs_init(&s->obs, GB_SLATE_COUNT_POP | GB_SLATE_COUNT_PAIRS, store->apps);
  if (gb_tally_new(1024, &s->pending, err) != 0 || gb_tally_new(4096, &s->pairs, err) != 0 ||
      gb_slate_pop_init(&s->pop, store->apps, err) != 0) {
    gb_slate_batch_free(s);
    return -1;
  }
  *state = s;
  return 0;
}

void gb_slate_batch_rank(const void *state, const gb_slate_request *req, gb_slate *out) {
  const batch *s = state;
  out->n = 0;
  /* the history: the owned apps in the catalogue (ascending, so those beyond it come last) */
  size_t n_hist = 0;
  while (n_hist < req->n_owned && req->owned[n_hist] < s->apps)
    n_hist++;
  if (s->model && n_hist > 0) {
    gb_err err = {0};
    if (gb_ranker_score(s->model, req->owned, NULL, n_hist, req->scratch, &err) == 0)
      gb_slate_top(req->scratch, s->apps, req, s->k, s->positive_only, out);
    /* a failed score (als: out of memory) leaves the slate to popularity */
  }
  gb_slate_fill(s->pop.order, s->apps, req, s->k, out);
}

void gb_slate_batch_observe(void *state, const gb_slate_feedback *f, gb_tally *delta) {
  batch *s = state;
  gb_slate_obs_feedback(&s->obs, f, delta);
}

/* The players × apps matrix of the accumulated pairs (rows by player in key order). */
static gb_interactions *matrix(const batch *s) {
  gb_tally_entry *e;
  size_t n;
  gb_err err = {0};
  if (gb_tally_sorted(s->pairs, &e, &n, &err) != 0)
    GB_FATAL("%s", err.msg);
  gb_interaction *t = malloc((n ? n : 1) * sizeof *t);
  if (!t)
    GB_FATAL("out of memory for %zu store interactions", n);
  size_t m = 0;
  uint32_t rows = 0;
  uint64_t player = UINT64_MAX;
  for (size_t i = 0; i < n; i++) {
    uint64_t low = e[i].key & ((UINT64_C(1) << 56) - 1);
    uint32_t app = (uint32_t)(low & 0xffffu);
    if (e[i].sum <= 0 || app >= s->apps)
      continue; /* refunded and never played */
    if (low >> 16 != player) {
      player = low >> 16;
      rows++;
    }
    t[m++] = (gb_interaction){rows - 1, app, (double)e[i].sum};
  }
  free(e);
  gb_interactions *x = NULL;
  if (m > 0 && gb_interactions_new(t, m, rows, s->apps, &x, &err) != 0)
    GB_FATAL("store interactions: %s", err.msg);
  free(t);
  return x;
}

static void refit(batch *s, int64_t boundary_ms) {
  gb_interactions *x = matrix(s);
  if (!x)
    return; /* nothing bought or played yet: popularity alone */
  gb_ranker *r = NULL;
  gb_err err = {0};
  if (gb_ranker_fit(&s->cfg, x, s->seed, &r, &err) == 0) {
    gb_ranker_free(s->model);
    s->model = r;
  } else { /* the same failure in every shard: each keeps its previous model */
    fprintf(stderr, "gamebench: the %s store model at %lld ms kept its previous fit: %s\n",
            s->cfg.info->name, (long long)boundary_ms, err.msg);
  }
  gb_interactions_free(x);
}

void gb_slate_batch_epoch(void *state, int64_t boundary_ms, const gb_tally *merged) {
  batch *s = state;
  gb_tally_entry *e;
  size_t n;
  if (!gb_slate_epoch_take(s->pending, merged, boundary_ms, s->epoch_ms, &e, &n))
    return;
  bool changed = false;
  for (size_t i = 0; i < n; i++) {
    if ((unsigned)(e[i].key >> 56) == GB_TAG_STORE_PAIR && e[i].sum != 0) {
      gb_tally_add(s->pairs, e[i].key, e[i].sum);
      changed = true;
    }
  }
  gb_slate_pop_add(&s->pop, e, n, 1);
  free(e);
  gb_slate_pop_sort(&s->pop);
  if (changed)
    refit(s, boundary_ms);
}

void gb_slate_batch_free(void *state) {
  batch *s = state;
  if (!s)
    return;
  gb_slate_obs_free(&s->obs);
  gb_tally_free(s->pending);
  gb_tally_free(s->pairs);
  gb_slate_pop_free(&s->pop);
  gb_ranker_free(s->model);
  free(s);
}

const gb_ranker *gb_slate_batch_model(const void *state) {
  const batch *s = state;
  return s->model;
}
