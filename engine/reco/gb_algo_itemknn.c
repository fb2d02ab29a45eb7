/* itemknn: item-based collaborative filtering on co-usage, retrained once per epoch (a sim day by
 * default) the way the production system this models does — a nightly job turns the day's
 * co-usage into similar-challenge lists and each player's queue, served at the player's next
 * decisions.
 *
 * Statistics (exchanged between shards as tallies): how many players used each challenge, and
 * how many used both of two challenges (a player counts once per challenge). Similarity: cosine
 * co / sqrt(n_i n_j) or Jaccard co / (n_i + n_j − co), the `neighbours` most similar kept per
 * challenge. A player's queue: the challenges most similar to what the player had used before
 * the last boundary (the sum of the similarities to each), served best first — weighted by each
 * challenge's use rate (props used / given, with a prior), so that a similar challenge players
 * seldom use does not jump the queue — skipping what was already given since the boundary. A
 * player with no queue, or whose queue holds no eligible challenge, gets the challenge with the
 * highest use rate (popularity with a prior); with probability ε any decision explores
 * uniformly, so that co-usage keeps being learnt.
 *
 * In the store: gb_ranker's itemknn model (the same `similarity`, `neighbours` kept per app)
 * refitted at each own boundary on every (player, app) purchase and play of the arm's players;
 * a visit's slate is the apps most similar to what the player owns, then popularity
 * (gb_slate_batch, gb_slate_int.h). ε and the prior are the card half's only. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gb_grow.h"
#include "gb_slate_int.h"

enum { P_EPOCH, P_SIMILARITY, P_NEIGHBOURS, P_EPSILON, P_STRENGTH, P_MEAN };
enum { SIM_COSINE, SIM_JACCARD };
enum { HISTORY = 16, SERVED = 8, NEIGHBOURS_MAX = 100 };

static const gb_algo_param params[] = {
    {"epoch", GB_ALGO_PARAM_DURATION, 86400000, 1000, 30 * 86400000.0, NULL,
     "sim time between retrainings (the nightly job)"},
    {"similarity", GB_ALGO_PARAM_CHOICE, SIM_COSINE, 0, 0, "cosine|jaccard",
     "similarity of two challenges' sets of players"},
    {"neighbours", GB_ALGO_PARAM_INTEGER, 20, 1, NEIGHBOURS_MAX, NULL,
     "similar challenges kept per challenge"},
    {"epsilon", GB_ALGO_PARAM_NUMBER, 0.1, 0, 1, NULL, "share of uniform (exploring) choices"},
    {"prior_strength", GB_ALGO_PARAM_NUMBER, 10, 0, 1e6, NULL,
     "props' worth of prior belief in each challenge's use rate"},
    {"prior_mean", GB_ALGO_PARAM_NUMBER, 0.5, 0, 1, NULL, "prior use rate of a challenge"},
};

typedef struct use {
  uint32_t ordinal;
  int64_t ts;
} use;

typedef struct player_hist {
  use used[HISTORY]; /* distinct challenges used, oldest first (the oldest dropped when full) */
  uint8_t n_used, n_served;
  uint32_t served[SERVED]; /* given since served_epoch */
  int64_t served_epoch;
} player_hist;

typedef struct neighbour {
  uint32_t ordinal;
  double sim;
} neighbour;

typedef struct itemknn {
  uint64_t seed;
  uint16_t arm;
  int64_t epoch_ms, boundary; /* the last own boundary applied */
  int similarity;
  unsigned k;
  double epsilon, strength, mean;
  gb_algo_counts pending_counts, counts; /* props given and used per challenge */
  double *rate;                          /* [rate_cap]: use rate with the prior, by ordinal */
  size_t rate_cap;
  gb_tally *pending, *total; /* merged increments not yet trained on; all trained on */
  neighbour *nb;             /* [cap * k]: each challenge's most similar, best first */
  uint8_t *n_nb;             /* [cap] */
  double *pop;               /* [cap]: use count, the fallback's score */
  size_t cap;
  player_hist **players; /* by slot; NULL until the player's first feedback */
  size_t players_cap;
} itemknn;

static int itemknn_init(const gb_algo_env *env, const gb_algo_params *p, void **state,
                        gb_err *err) {
  itemknn *s = calloc(1, sizeof *s);
  if (!s || gb_tally_new(1024, &s->pending, err) != 0 || gb_tally_new(1024, &s->total, err) != 0) {
    if (s) {
      gb_tally_free(s->pending);
      free(s);
    }
    return gb_err_set(err, GB_ERR_RUNTIME, "out of memory for the itemknn algorithm");
  }
  s->seed = env->seed;
  s->arm = env->arm;
  s->epoch_ms = (int64_t)p->v[P_EPOCH];
  s->boundary = INT64_MIN;
  s->similarity = (int)p->v[P_SIMILARITY];
  s->k = (unsigned)p->v[P_NEIGHBOURS];
  s->epsilon = p->v[P_EPSILON];
  s->strength = p->v[P_STRENGTH];
  s->mean = p->v[P_MEAN];
  *state = s;
  return 0;
}

static const player_hist *hist_of(const itemknn *s, uint32_t slot) {
  return slot < s->players_cap ? s->players[slot] : NULL;
}

static bool was_served(const player_hist *h, int64_t boundary, uint32_t ordinal) {
  if (h->served_epoch != boundary)
    return false;
  for (unsigned i = 0; i < h->n_served; i++)
    if (h->served[i] == ordinal)
      return true;
  return false;
}

static size_t find_candidate(const gb_algo_decision *d, uint32_t ordinal) {
  size_t lo = 0, hi = d->n_candidates;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (d->candidates[mid] < ordinal)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo < d->n_candidates && d->candidates[lo] == ordinal ? lo : SIZE_MAX;
}

static double rate_of(const itemknn *s, uint32_t ordinal) {
  return ordinal < s->rate_cap ? s->rate[ordinal] : s->mean;
}

/* The player's queue scores over the candidates (0: not in the queue); whether any is positive. */
static bool queue_scores(const itemknn *s, const player_hist *h, const gb_algo_decision *d,
                         double *score) {
  memset(score, 0, d->n_candidates * sizeof *score);
  bool any = false;
  for (unsigned u = 0; h && u < h->n_used; u++) {
    if (h->used[u].ts >= s->boundary || h->used[u].ordinal >= s->cap)
      continue; /* after the nightly job: not in today's queue yet */
    const neighbour *nb = &s->nb[(size_t)h->used[u].ordinal * s->k];
    for (unsigned j = 0; j < s->n_nb[h->used[u].ordinal]; j++) {
      size_t c = find_candidate(d, nb[j].ordinal);
      if (c != SIZE_MAX && !was_served(h, s->boundary, nb[j].ordinal)) {
        score[c] += nb[j].sim;
        any = true;
      }
    }
  }
  for (size_t c = 0; any && c < d->n_candidates; c++)
    score[c] *= rate_of(s, d->candidates[c]);
  return any;
}

static gb_algo_choice itemknn_choose(const void *state, const gb_algo_decision *d) {
  const itemknn *s = state;
  size_t n = d->n_candidates;
  double explore = s->epsilon / (double)n;
  double u = gb_unit(gb_hash3(s->seed, d->decision_id, gb_algo_salt(GB_SALT_EXPLORE, s->arm)));
  double *score = d->scratch;
  uint64_t tie = gb_hash3(d->decision_id, GB_SALT_TIE, 0);
  if (!queue_scores(s, hist_of(s, d->slot), d, score))
    for (size_t i = 0; i < n; i++) /* the fallback: the highest use rate */
      score[i] = rate_of(s, d->candidates[i]);
  size_t best = gb_algo_argmax(score, n, tie);
  /* the tie hash makes the exploiting choice uniform among the k best (the fallback's untried
   * challenges tie at the prior mean); the exploring share may pick any of them too, and its
   * propensity adds up, whichever way it came */
  size_t ties = 0;
  for (size_t i = 0; i < n; i++)
    ties += score[i] == score[best];
  double exploit = (1.0 - s->epsilon) / (double)ties + explore;
  size_t index = best;
  if (u < s->epsilon) {
    double v = gb_unit(gb_hash3(s->seed, d->decision_id, gb_algo_salt(GB_SALT_PICK, s->arm)));
    index = (size_t)(v * (double)n);
  }
  return (gb_algo_choice){index, score[index] == score[best] ? exploit : explore};
}

static player_hist *hist_at(itemknn *s, uint32_t slot) {
  if (slot >= s->players_cap) {
    size_t old = s->players_cap;
    GB_GROW_OR_DIE(s->players, s->players_cap, (size_t)slot + 1, 1024, "itemknn players");
    memset(s->players + old, 0, (s->players_cap - old) * sizeof *s->players);
  }
  if (!s->players[slot]) {
    s->players[slot] = calloc(1, sizeof(player_hist));
    if (!s->players[slot])
      GB_FATAL("out of memory for an itemknn player");
    s->players[slot]->served_epoch = INT64_MIN;
  }
  return s->players[slot];
}

static void note_served(itemknn *s, player_hist *h, uint32_t ordinal) {
  if (h->served_epoch != s->boundary) {
    h->served_epoch = s->boundary;
    h->n_served = 0;
  }
  if (h->n_served < SERVED)
    h->served[h->n_served++] = ordinal;
}

/* A use: co-usage with each challenge the player used before, once per pair and player. */
static void note_used(player_hist *h, const gb_algo_feedback *f, gb_tally *delta) {
  for (unsigned u = 0; u < h->n_used; u++)
    if (h->used[u].ordinal == f->challenge)
      return;
  gb_tally_add(delta, gb_algo_key(GB_TAG_ITEM, f->challenge), 1);
  for (unsigned u = 0; u < h->n_used; u++) {
    uint64_t i = h->used[u].ordinal, j = f->challenge;
    gb_tally_add(delta, gb_algo_key(GB_TAG_CO, i << 28 | j), 1);
    gb_tally_add(delta, gb_algo_key(GB_TAG_CO, j << 28 | i), 1);
  }
  if (h->n_used == HISTORY) { /* forget the oldest */
    memmove(h->used, h->used + 1, (HISTORY - 1) * sizeof *h->used);
    h->n_used--;
  }
  h->used[h->n_used++] = (use){f->challenge, f->ts};
}

static void itemknn_observe(void *state, const gb_algo_feedback *f, gb_tally *delta) {
  itemknn *s = state;
  gb_algo_count_feedback(f, 0, delta);
  if (f->signal == GB_ALGO_GIVEN)
    note_served(s, hist_at(s, f->slot), f->challenge);
  else if (f->signal == GB_ALGO_USED)
    note_used(hist_at(s, f->slot), f, delta);
}

static int by_sim(const void *a, const void *b) {
  const neighbour *x = a, *y = b;
  if (x->sim != y->sim)
    return x->sim < y->sim ? 1 : -1;
  return (x->ordinal > y->ordinal) - (x->ordinal < y->ordinal);
}

static double similarity(const itemknn *s, double co, double ni, double nj) {
  if (s->similarity == SIM_JACCARD)
    return co / (ni + nj - co);
  return co / sqrt(ni * nj);
}

/* The nightly job: similar-challenge lists from the co-usage counts. */
static void retrain(itemknn *s) {
  gb_tally_entry *e;
  size_t n;
  gb_err err;
  if (gb_tally_sorted(s->total, &e, &n, &err) != 0)
    GB_FATAL("%s", err.msg);
  size_t cap = 0;
  for (size_t k = 0; k < n; k++)
    if ((unsigned)(e[k].key >> 56) == GB_TAG_ITEM && (e[k].key & 0xfffffff) + 1 > cap)
      cap = (e[k].key & 0xfffffff) + 1;
  free(s->nb);
  free(s->n_nb);
  free(s->pop);
  s->cap = cap;
  s->nb = calloc(cap * s->k + 1, sizeof *s->nb);
  s->n_nb = calloc(cap + 1, 1);
  s->pop = calloc(cap + 1, sizeof *s->pop);
  neighbour *row = malloc((cap + 1) * sizeof *row);
  if (!s->nb || !s->n_nb || !s->pop || !row)
    GB_FATAL("out of memory retraining itemknn over %zu challenges", cap);
  for (size_t k = 0; k < n; k++)
    if ((unsigned)(e[k].key >> 56) == GB_TAG_ITEM)
      s->pop[e[k].key & 0xfffffff] = (double)e[k].sum;
  /* CO keys sort by (tag, i, j): each challenge's pairs are one run of the sorted entries */
  for (size_t k = 0; k < n;) {
    if ((unsigned)(e[k].key >> 56) != GB_TAG_CO) {
      k++;
      continue;
    }
    uint64_t i = (e[k].key >> 28) & 0xfffffff;
    size_t m = 0;
    for (; k < n && (unsigned)(e[k].key >> 56) == GB_TAG_CO && ((e[k].key >> 28) & 0xfffffff) == i;
         k++) {
      uint64_t j = e[k].key & 0xfffffff;
      if (i < cap && j < cap && e[k].sum > 0)
        row[m++] = (neighbour){(uint32_t)j, similarity(s, (double)e[k].sum, s->pop[i], s->pop[j])};
    }
    if (i >= cap)
      continue;
    qsort(row, m, sizeof *row, by_sim);
    s->n_nb[i] = (uint8_t)(m < s->k ? m : s->k);
    memcpy(&s->nb[i * s->k], row, s->n_nb[i] * sizeof *row);
  }
  free(row);
  free(e);
}

static void itemknn_epoch(void *state, int64_t boundary_ms, const gb_tally *merged) {
  itemknn *s = state;
  gb_tally_merge(s->pending, merged);
  gb_algo_counts_add(&s->pending_counts, merged, 0);
  if (boundary_ms % s->epoch_ms != 0)
    return;
  gb_tally_merge(s->total, s->pending);
  gb_tally_clear(s->pending);
  gb_algo_counts_reserve(&s->counts, s->pending_counts.cap);
  for (size_t i = 0; i < s->pending_counts.cap; i++) {
    s->counts.given[i] += s->pending_counts.given[i];
    s->counts.used[i] += s->pending_counts.used[i];
  }
  gb_algo_counts_free(&s->pending_counts);
  GB_GROW_OR_DIE(s->rate, s->rate_cap, s->counts.cap, 64, "itemknn use rates");
  for (size_t i = 0; i < s->rate_cap; i++) {
    /* never given (with prior_strength 0, 0/0): the prior mean, as popularity's */
    bool counted = i < s->counts.cap;
    double given = counted ? (double)s->counts.given[i] : 0;
    double used = counted ? (double)s->counts.used[i] : 0;
    s->rate[i] =
        given + s->strength > 0 ? (used + s->strength * s->mean) / (given + s->strength) : s->mean;
  }
  s->boundary = boundary_ms;
  retrain(s);
}

/* A log of uses: each player's challenges are co-used pairs, as if each had been used in turn;
 * the similar-challenge lists are rebuilt at once (the log is the past: no epoch to wait for). */
static int itemknn_fit(void *state, const gb_interactions *log, gb_err *err) {
  (void)err;
  itemknn *s = state;
  for (uint32_t u = 0; u < gb_interactions_rows(log); u++) {
    const uint32_t *items;
    const double *w;
    size_t n = gb_interactions_row(log, u, &items, &w);
    for (size_t i = 0; i < n; i++) {
      gb_tally_add(s->total, gb_algo_key(GB_TAG_ITEM, items[i]), 1);
      for (size_t j = 0; j < n; j++)
        if (j != i)
          gb_tally_add(s->total, gb_algo_key(GB_TAG_CO, (uint64_t)items[i] << 28 | items[j]), 1);
    }
  }
  retrain(s);
  return 0;
}

static void itemknn_free(void *state) {
  itemknn *s = state;
  if (!s)
    return;
  gb_tally_free(s->pending);
  gb_tally_free(s->total);
  gb_algo_counts_free(&s->pending_counts);
  gb_algo_counts_free(&s->counts);
  free(s->rate);
  free(s->nb);
  free(s->n_nb);
  free(s->pop);
  for (size_t i = 0; i < s->players_cap; i++)
    free(s->players[i]);
  free(s->players);
  free(s);
}

/* The store half: the batch model with this arm's similarity and neighbours. */
static int itemknn_slate_init(const gb_algo_env *env, const gb_algo_params *p,
                              const gb_slate_env *store, void **state, gb_err *err) {
  gb_ranker_config cfg;
  if (gb_ranker_config_init(&cfg, "itemknn", err) != 0 ||
      gb_ranker_config_set(&cfg, "similarity",
                           p->v[P_SIMILARITY] == SIM_JACCARD ? "jaccard" : "cosine", err) != 0 ||
      gb_ranker_config_set_value(&cfg, (size_t)gb_ranker_param_index(cfg.info, "k"),
                                 p->v[P_NEIGHBOURS], err) != 0)
    return -1;
  return gb_slate_batch_init(env, store, (int64_t)p->v[P_EPOCH], &cfg, true, state, err);
}

static const gb_slate_ops itemknn_slate = {
    .init = itemknn_slate_init,
    .rank = gb_slate_batch_rank,
    .observe = gb_slate_batch_observe,
    .epoch = gb_slate_batch_epoch,
    .free = gb_slate_batch_free,
};

const gb_algo_ops gb_algo_itemknn = {
    .name = "itemknn",
    .summary = "item-kNN on co-usage, retrained each sim day into per-player queues",
    .params = params,
    .n_params = sizeof params / sizeof params[0],
    .learns = true,
    .init = itemknn_init,
    .choose = itemknn_choose,
    .observe = itemknn_observe,
    .epoch = itemknn_epoch,
    .fit = itemknn_fit,
    .free = itemknn_free,
    .slate = &itemknn_slate,
};
