/* gb_slate_int: what the store halves of the algorithms (gb_slate.h) share — the draws of a
 * slate's places, the apps a visit may still place, the popularity order (every learner's
 * fallback), the top k of a score vector, the feedback counter with its per-player records, and
 * the batch store half that refits a gb_ranker model at its epochs (itemknn, ease, als). Private
 * to engine/reco.
 *
 * Tally keys of the store (gb_algo_key, tags GB_TAG_STORE_* of gb_algo_int.h):
 *   BOUGHT    low = app: purchases less refunds (a player counts once per app);
 *   PLAYERS   low = app: players who played the app (once per player);
 *   SHOWN     low = app: places on a slate (impressions);
 *   CONVERTED low = app: purchases made from a slate (place != GB_SLATE_ORGANIC), less refunds;
 *   PAIR      low = gb_slate_pair_low(player, app): the pair's interaction, +1 for the first
 *             purchase, +1 for the first play, -1 for a refund (a cell of weight 1 or 2). */
#ifndef GB_SLATE_INT_H
#define GB_SLATE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gb_algo_int.h"
#include "gb_ranker.h"
#include "gb_slate.h"

/* The draw of place `place` of a visit: gb_unit(gb_hash3(seed, decision_id, salt ^ arm << 48 ^
 * place << 32)), in [0, 1). */
double gb_slate_draw(uint64_t seed, uint64_t decision_id, unsigned salt, uint16_t arm,
                     uint32_t place);

/* How many of the request's owned apps are in the catalogue (distinct, below apps). */
uint32_t gb_slate_owned_in(const gb_slate_request *req, uint32_t apps);

/* Whether app is one of the request's owned apps (binary search). */
bool gb_slate_is_owned(const gb_slate_request *req, uint32_t app);

/* Whether app is on out's places already. */
bool gb_slate_is_placed(const gb_slate *out, uint32_t app);

/* The v-th app (from 0, ascending) that is neither owned nor in placed[0..n_placed) (ascending,
 * distinct): the uniform draws' map from an index to an app. O(n_owned + n_placed). */
uint32_t gb_slate_nth_free(const gb_slate_request *req, const uint32_t *placed, size_t n_placed,
                           uint64_t v);

/* Inserts app into placed[0..*n) kept ascending. */
void gb_slate_insert_sorted(uint32_t *placed, size_t *n, uint32_t app);

/* Place j's uniform pick among the r (> 0) apps neither owned nor in placed[0..*n_placed): the
 * floor(u r)-th of them, u the PICK draw of the place; inserted into placed. */
uint32_t gb_slate_pick_uniform(uint64_t seed, const gb_slate_request *req, uint16_t arm, uint32_t j,
                               uint32_t r, uint32_t *placed, size_t *n_placed);

/* An epoch's tallies: merges `merged` into pending; at a boundary that is a multiple of
 * epoch_ms, hands out pending's entries sorted by key (*e, which the caller frees) and clears
 * pending, returning true; false between boundaries. Out of memory is fatal (GB_FATAL): the
 * shards must stay in step. */
bool gb_slate_epoch_take(gb_tally *pending, const gb_tally *merged, int64_t boundary_ms,
                         int64_t epoch_ms, gb_tally_entry **e, size_t *n);

/* Puts app at the next place of out with its propensity. */
static inline void gb_slate_put(gb_slate *out, uint32_t app, double propensity) {
  out->apps[out->n] = app;
  out->propensity[out->n] = propensity;
  out->n++;
}

/* The popularity of the apps: purchases and, weighted by GB_SLATE_PLAY_WEIGHT, players who
 * played, and the apps in that order (best first, ties to the lower ordinal). */
#define GB_SLATE_PLAY_WEIGHT 0.25 /* a play counts a quarter of a purchase: most follow one */
typedef struct gb_slate_pop {
  uint32_t apps;
  int64_t *bought, *players; /* [apps] */
  uint32_t *order;           /* [apps]: best first */
} gb_slate_pop;

/* Zero counts, the order 0 .. apps - 1. Returns 0, or -1 with GB_ERR_RUNTIME. */
int gb_slate_pop_init(gb_slate_pop *p, uint32_t apps, gb_err *err);
void gb_slate_pop_free(gb_slate_pop *p);

/* Adds sign times the BOUGHT and PLAYERS entries of e[0..n) (other tags skipped). */
void gb_slate_pop_add(gb_slate_pop *p, const gb_tally_entry *e, size_t n, int64_t sign);

/* Sorts the order by purchases + GB_SLATE_PLAY_WEIGHT players, descending, ties ascending. */
void gb_slate_pop_sort(gb_slate_pop *p);

/* Sorts order[0..apps) by score[] descending, ties to the lower ordinal (score by ordinal). */
void gb_slate_sort_order(uint32_t *order, const double *score, uint32_t apps);

/* Fills out's remaining places (up to k) from order[0..apps), skipping owned and placed apps,
 * each with propensity 1. */
void gb_slate_fill(const uint32_t *order, uint32_t apps, const gb_slate_request *req, uint32_t k,
                   gb_slate *out);

/* Appends to out (empty) the apps with the k highest score[0..apps) that are not owned, best
 * first, ties to the lower ordinal, propensity 1; with positive_only, only scores above 0. A
 * partial selection: O(apps + n_owned) plus k per app that enters the top k. */
void gb_slate_top(const double *score, uint32_t apps, const gb_slate_request *req, uint32_t k,
                  bool positive_only, gb_slate *out);

/* What a store half counts from its players' feedback. */
enum {
  GB_SLATE_COUNT_POP = 1u,  /* BOUGHT and PLAYERS */
  GB_SLATE_COUNT_RATE = 2u, /* SHOWN and CONVERTED */
  GB_SLATE_COUNT_PAIRS = 4u /* PAIR */
};

/* The feedback counter: per player (by slot), the apps it bought, played or bought from a slate
 * (so that each counts once per player), ascending. */
typedef struct gb_slate_player {
  uint32_t *rec; /* app << 3 | flags, ascending */
  uint32_t n, cap;
} gb_slate_player;

typedef struct gb_slate_obs {
  unsigned what;
  uint32_t apps;
  gb_slate_player *players; /* by slot */
  size_t players_cap;
} gb_slate_obs;

void gb_slate_obs_init(gb_slate_obs *o, unsigned what, uint32_t apps);
void gb_slate_obs_free(gb_slate_obs *o);

/* Counts f into delta as `what` says. */
void gb_slate_obs_feedback(gb_slate_obs *o, const gb_slate_feedback *f, gb_tally *delta);

/* The batch store half (itemknn, ease, als): PAIR, BOUGHT and PLAYERS counted; at each own
 * boundary the pairs accumulated since the start become a players × apps gb_interactions (rows
 * numbered by player in key order), cfg's model is refitted on it (seed: the workload's), and
 * the popularity order is rebuilt. rank: the model's scores for the player's owned apps (into
 * req->scratch), the top k not owned (scores above 0 only when positive_only: the
 * neighbourhood models score 0 what they know nothing about), the remaining places in
 * popularity order; a player who owns nothing gets the popularity order. */
int gb_slate_batch_init(const gb_algo_env *env, const gb_slate_env *store, int64_t epoch_ms,
                        const gb_ranker_config *cfg, bool positive_only, void **state, gb_err *err);
void gb_slate_batch_rank(const void *state, const gb_slate_request *req, gb_slate *out);
void gb_slate_batch_observe(void *state, const gb_slate_feedback *f, gb_tally *delta);
void gb_slate_batch_epoch(void *state, int64_t boundary_ms, const gb_tally *merged);
void gb_slate_batch_free(void *state);

/* The fitted model of a batch store half (NULL before its first refit with pairs): tests. */
const gb_ranker *gb_slate_batch_model(const void *state);

#endif
