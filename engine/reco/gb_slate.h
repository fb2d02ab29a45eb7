/* gb_slate: the store half of a recommendation algorithm — it ranks the catalogue's apps into
 * the slate (discovery queue) a player of the Steam-style store sees at a store visit.
 *
 * An algorithm that ranks for the store points its gb_algo_ops.slate at one of these tables; an
 * algorithm whose `choose` is NULL ranks for the store only (ease, als). Both halves of an
 * algorithm read the same validated parameters (gb_algo_params, by position in the algorithm's
 * table) and live in one arm of one engine shard; the halves have separate states.
 *
 * The same rules as the card half (gb_algo.h):
 *   init     from the arm's parameters and the store's shape (apps, slate length);
 *   rank     a visit's slate: the apps best first, with the probability that the policy puts each
 *            one at its place (the per-place propensity off-policy estimators need: 1 for a
 *            deterministic ranking). Draws come only from gb_hash3(seed, decision_id, salt).
 *            rank does not change the instance. The player's owned apps (what the engine saw it
 *            buy or play) are never ranked;
 *   observe  feedback on the arm's players (shown, clicked, purchased, played, refunded): integer
 *            increments in the shard's tally under the store's tags (GB_TAG_STORE_*,
 *            gb_algo_int.h) so that every shard's merge is exact; per-player state of its own is
 *            allowed (a player always lives in one shard);
 *   epoch    at each sim-time boundary, with every shard's increments merged: the only place the
 *            model changes (a batch model — item-kNN, EASE, ALS — refits here from the
 *            interactions it has accumulated, the same in every shard);
 *   free.
 * Tally keys carry a player id in their low bits (player_id mod 2^40, app < 2^16): the store's
 * ids fit (card players are 32-bit; the store's start at 2^32 in mixed runs). */
#ifndef GB_SLATE_H
#define GB_SLATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gb_err.h"
#include "gb_features.h"
#include "gb_tally.h"

struct gb_algo_env;
struct gb_algo_params;

enum {
  GB_SLATE_MAX = 16,        /* places of a slate (= GB_IMPRESSION_MAX, what an impression holds) */
  GB_SLATE_APPS_MAX = 65535 /* apps the engine ranks (tally keys hold 16 bits of app) */
};

/* The store's shape, the same in every shard and process. */
typedef struct gb_slate_env {
  uint32_t apps; /* catalogue size: app ordinals 0 .. apps - 1; 1 .. GB_SLATE_APPS_MAX */
  uint32_t k;    /* slate length, 1 .. GB_SLATE_MAX */
} gb_slate_env;

/* One visit to rank for. */
typedef struct gb_slate_request {
  uint64_t decision_id; /* the store_visit's event_id: the key of every random draw */
  uint64_t player_id;
  uint32_t slot;                  /* the player's slot in this shard */
  int64_t ts;                     /* sim ms */
  const gb_feature_vec *features; /* the player's features before the visit (never NULL) */
  const uint32_t *owned;          /* apps the player owns as far as the engine saw, ascending */
  size_t n_owned;
  double *scratch; /* the caller's room for `apps` doubles, so rank needs no allocation */
} gb_slate_request;

/* A ranked slate. */
typedef struct gb_slate {
  uint32_t n;                      /* places filled: k, fewer only when too few apps are left */
  uint32_t apps[GB_SLATE_MAX];     /* app ordinals, best first, distinct, none owned */
  double propensity[GB_SLATE_MAX]; /* P(policy puts apps[j] at place j), in (0, 1] */
} gb_slate;

typedef enum gb_slate_signal {
  GB_SLATE_SHOWN,     /* the app was on the player's slate (place = its place) */
  GB_SLATE_CLICKED,   /* the player clicked it (place: on the last slate, or GB_SLATE_ORGANIC) */
  GB_SLATE_PURCHASED, /* bought it (same place rule) */
  GB_SLATE_PLAYED,    /* played it for `minutes` (bought before, or in its library) */
  GB_SLATE_REFUNDED   /* returned it */
} gb_slate_signal;

#define GB_SLATE_ORGANIC UINT32_MAX

/* Feedback from one of the arm's players. */
typedef struct gb_slate_feedback {
  gb_slate_signal signal;
  uint64_t player_id;
  uint32_t slot;
  int64_t ts;     /* sim ms */
  uint32_t app;   /* < apps */
  uint32_t place; /* place on the player's last slate, or GB_SLATE_ORGANIC */
  double minutes; /* PLAYED */
} gb_slate_feedback;

typedef struct gb_slate_ops {
  int (*init)(const struct gb_algo_env *env, const struct gb_algo_params *p,
              const gb_slate_env *store, void **state, gb_err *err);
  void (*rank)(const void *state, const gb_slate_request *req, gb_slate *out);
  /* May be NULL when the algorithm does not learn. */
  void (*observe)(void *state, const gb_slate_feedback *f, gb_tally *delta);
  void (*epoch)(void *state, int64_t boundary_ms, const gb_tally *merged);
  void (*free)(void *state);
} gb_slate_ops;

/* Tally key of a (player, app) pair under tag: low = (player_id mod 2^40) << 16 | app. */
static inline uint64_t gb_slate_pair_low(uint64_t player_id, uint32_t app) {
  return ((player_id & ((UINT64_C(1) << 40) - 1)) << 16) | (app & 0xffffu);
}

#endif
