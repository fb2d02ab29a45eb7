/* gb_reco_int: what the recommender's files share (gb_reco.c: the card platform's props and the
 * epochs; gb_reco_store.c: the store's slates). Private to engine/reco. */
#ifndef GB_RECO_INT_H
#define GB_RECO_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "gb_algo.h"
#include "gb_arms.h"
#include "gb_features.h"
#include "gb_reco.h"

typedef struct gb_reco_store gb_reco_store;

typedef struct ongoing {
  uint64_t prop_id;   /* 0 = none */
  int64_t ttl_ms;     /* 0 = no deadline */
  int64_t deadline;   /* sim ms */
  uint32_t challenge; /* the prop's catalogue ordinal */
  uint16_t arm;       /* the arm that gave it */
} ongoing;

typedef struct arm_algo {
  const gb_algo_ops *ops;
  void *state;
  /* learning arms: increments since the engine last took them, one tally per partition of the
   * events they came from ([0] only, unless gb_reco_set_partition says otherwise) */
  gb_tally **deltas;
  size_t n_deltas;
  bool logging;      /* exact propensities: its decisions carry the other arms' choices */
  void *slate_state; /* the store half's (gb_slate.h), once gb_reco_enable_store started it */
} arm_algo;

struct gb_reco {
  const gb_arms *arms; /* the split (borrowed) */
  arm_algo *algos;     /* [n_arms] */
  size_t n_arms;
  uint64_t seed;
  int64_t tick_ms, boundary;
  bool learns, learning;
  unsigned partition; /* gb_reco_set_partition's: where observe counts */
  gb_reco_await_fn await;
  void *await_ctx;
  ongoing *players;
  size_t cap;
  gb_feature_vec *contexts; /* learning runs: the context of each player's ongoing prop */
  size_t contexts_cap;
  double scratch[GB_ALGO_CANDIDATES_MAX * GB_ALGO_SCRATCH_PER_CANDIDATE];
  gb_reco_store *store; /* the store's slates (gb_reco_store.c); NULL: card decisions only */
};

/* Arm i's parameters: its algorithm's defaults, overridden by what the workload gave. */
void gb_reco_arm_params(const gb_arms *arms, size_t i, const gb_algo_ops *ops, gb_algo_params *p);

/* The tally arm's observations from the events that follow go to (gb_reco_set_partition's). */
gb_tally *gb_reco_current_delta(gb_reco *r, size_t arm);

/* Every epoch boundary up to ts applied (the await hook waits for them). */
void gb_reco_advance(gb_reco *r, int64_t ts);

/* gb_reco_store.c: applies the epoch to the arms' store halves, and frees them. */
void gb_reco_store_epoch(gb_reco *r, int64_t boundary_ms, const gb_tally *const *merged);
void gb_reco_store_free(gb_reco *r);

#endif
