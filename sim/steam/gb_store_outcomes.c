/* The store's held-out ranking metrics, coverage and novelty (gb_store_outcomes.h). */
#include "gb_store_outcomes.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "gb_grow.h"

enum { SLATE_PLACES = 16 };

typedef struct slate_rec {
  int64_t ts;
  uint32_t player;
  uint16_t arm;
  uint8_t n;
  uint32_t apps[SLATE_PLACES];
} slate_rec;

typedef struct purchase_rec {
  int64_t ts;
  uint32_t player, app;
} purchase_rec;

struct gb_store_outcomes {
  const gb_store_catalog *catalog;
  size_t n_arms, words;
  uint64_t *shown_bits;   /* [n_arms * words] */
  double *self_info;      /* [apps]: −log2 popularity share */
  gb_store_ranking *sums; /* [n_arms]: slates, shown, novelty */
  slate_rec *slates;
  size_t n_slates, cap_slates;
  purchase_rec *buys;
  size_t n_buys, cap_buys;
};

int gb_store_outcomes_new(const gb_store_catalog *catalog, size_t n_arms, gb_store_outcomes **out,
                          gb_err *err) {
  uint32_t apps = gb_store_catalog_apps(catalog);
  size_t arms = n_arms ? n_arms : 1;
  gb_store_outcomes *o = calloc(1, sizeof *o);
  if (!o)
    return gb_err_set(err, GB_ERR_RUNTIME, "out of memory for the store's outcomes");
  o->catalog = catalog;
  o->n_arms = arms;
  o->words = (apps + 63) / 64;
  o->shown_bits = calloc(arms * o->words, sizeof *o->shown_bits);
  o->self_info = calloc(apps, sizeof *o->self_info);
  o->sums = calloc(arms, sizeof *o->sums);
  if (!o->shown_bits || !o->self_info || !o->sums) {
    gb_store_outcomes_free(o);
    return gb_err_set(err, GB_ERR_RUNTIME, "out of memory for the store's outcomes");
  }
  for (uint32_t a = 0; a < apps; a++)
    o->self_info[a] = -log2(gb_store_catalog_app(catalog, a)->popularity);
  *out = o;
  return 0;
}

void gb_store_outcomes_free(gb_store_outcomes *o) {
  if (!o)
    return;
  free(o->shown_bits);
  free(o->self_info);
  free(o->sums);
  free(o->slates);
  free(o->buys);
  free(o);
}

void gb_store_outcomes_slate(gb_store_outcomes *o, uint32_t player, size_t arm, int64_t ts,
                             const uint32_t *apps, unsigned n) {
  if (arm >= o->n_arms || n == 0)
    return;
  GB_GROW_OR_DIE(o->slates, o->cap_slates, o->n_slates + 1, 1024, "the store's slates");
  slate_rec *s = &o->slates[o->n_slates++];
  memset(s, 0, sizeof *s);
  s->ts = ts;
  s->player = player;
  s->arm = (uint16_t)arm;
  s->n = (uint8_t)(n < SLATE_PLACES ? n : SLATE_PLACES);
  gb_store_ranking *r = &o->sums[arm];
  r->slates++;
  for (unsigned j = 0; j < s->n; j++) {
    s->apps[j] = apps[j];
    o->shown_bits[arm * o->words + apps[j] / 64] |= UINT64_C(1) << (apps[j] % 64);
    r->shown++;
    r->novelty_e9 += (uint64_t)llround(o->self_info[apps[j]] * 1e9);
  }
}

void gb_store_outcomes_purchase(gb_store_outcomes *o, uint32_t player, int64_t ts, uint32_t app) {
  GB_GROW_OR_DIE(o->buys, o->cap_buys, o->n_buys + 1, 1024, "the store's purchases");
  o->buys[o->n_buys++] = (purchase_rec){.ts = ts, .player = player, .app = app};
}

static int by_player_ts(const void *a, const void *b) {
  const purchase_rec *x = a, *y = b;
  if (x->player != y->player)
    return x->player < y->player ? -1 : 1;
  if (x->ts != y->ts)
    return x->ts < y->ts ? -1 : 1;
  return x->app < y->app ? -1 : x->app > y->app;
}

/* The first purchase of player strictly after ts (purchases sorted by player, ts). */
static size_t first_after(const gb_store_outcomes *o, uint32_t player, int64_t ts) {
  size_t lo = 0, hi = o->n_buys;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    const purchase_rec *p = &o->buys[mid];
    if (p->player < player || (p->player == player && p->ts <= ts))
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo;
}

/* Whether app was bought by the player in buys[from .. i) (distinct apps of the future). */
static bool seen_before(const gb_store_outcomes *o, size_t from, size_t i, uint32_t app) {
  for (size_t k = from; k < i; k++)
    if (o->buys[k].app == app)
      return true;
  return false;
}

static void score_slate(const gb_store_outcomes *o, const slate_rec *s, gb_store_ranking *r) {
  size_t from = first_after(o, s->player, s->ts);
  unsigned future = 0, hits = 0;
  double dcg = 0;
  for (size_t i = from; i < o->n_buys && o->buys[i].player == s->player; i++) {
    uint32_t app = o->buys[i].app;
    if (seen_before(o, from, i, app))
      continue;
    future++;
    for (unsigned j = 0; j < s->n; j++)
      if (s->apps[j] == app) {
        hits++;
        dcg += 1.0 / log2(j + 2.0);
      }
  }
  if (future == 0)
    return;
  double idcg = 0;
  for (unsigned j = 0; j < s->n && j < future; j++)
    idcg += 1.0 / log2(j + 2.0);
  r->evaluable++;
  r->hits += hits;
  r->ndcg_e9 += (uint64_t)llround(dcg / idcg * 1e9);
  r->recall_e9 += (uint64_t)llround((double)hits / future * 1e9);
}

void gb_store_outcomes_ranking(gb_store_outcomes *o, size_t arm, gb_store_ranking *acc) {
  if (arm >= o->n_arms)
    return;
  if (o->n_buys > 1)
    qsort(o->buys, o->n_buys, sizeof *o->buys, by_player_ts);
  gb_store_ranking r = o->sums[arm];
  for (size_t i = 0; i < o->n_slates; i++)
    if (o->slates[i].arm == arm)
      score_slate(o, &o->slates[i], &r);
  acc->slates += r.slates;
  acc->shown += r.shown;
  acc->novelty_e9 += r.novelty_e9;
  acc->evaluable += r.evaluable;
  acc->hits += r.hits;
  acc->ndcg_e9 += r.ndcg_e9;
  acc->recall_e9 += r.recall_e9;
}

void gb_store_outcomes_shown(const gb_store_outcomes *o, size_t arm, uint64_t *bits) {
  if (arm >= o->n_arms)
    return;
  for (size_t w = 0; w < o->words; w++)
    bits[w] |= o->shown_bits[arm * o->words + w];
}

double gb_store_ranking_ndcg(const gb_store_ranking *r) {
  return r->evaluable ? (double)r->ndcg_e9 / 1e9 / (double)r->evaluable : 0;
}

double gb_store_ranking_recall(const gb_store_ranking *r) {
  return r->evaluable ? (double)r->recall_e9 / 1e9 / (double)r->evaluable : 0;
}

double gb_store_ranking_novelty(const gb_store_ranking *r) {
  return r->shown ? (double)r->novelty_e9 / 1e9 / (double)r->shown : 0;
}
