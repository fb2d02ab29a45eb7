/* gb_algo: the recommender's algorithm interface — one table of functions per algorithm (the
 * transport's ops table is the model), a registry of them by name, and the parameter tables that
 * drive workload validation, `--help` and docs/algorithms.md.
 *
 * An algorithm instance lives in one engine shard and serves one A/B arm. Its life:
 *   init     from the arm's validated parameters;
 *   choose   for a decision: the candidates (eligible challenges) and the player's feature vector
 *            → one candidate or "no prop", with the probability that the policy makes this choice
 *            (the propensity the off-policy estimators need). Random draws come only from
 *            gb_hash3(seed, decision_id, salt): a choice depends on the decision and the model,
 *            never on timing. choose does not change the instance: the recommender also asks it
 *            what it would have chosen on another arm's decisions (off-policy evaluation);
 *   observe  feedback (a prop given, used, completed, discarded or expired): the algorithm counts
 *            what it learns as integer increments in the shard's tally (gb_tally.h) and may keep
 *            per-player state of its own (a player always lives in one shard);
 *   epoch    at each sim-time boundary: the increments of every shard since the previous boundary,
 *            merged (the tally's exact integer sums: the same whatever the shards and their order).
 *            The model changes only here, so every shard and process holds the same model between
 *            two boundaries, and a decision at sim time t uses the model of the last boundary at
 *            or before t: the same in process, through Kafka, with any number of threads;
 *   fit      (optional) warm start from an interaction log of (player, challenge, weight) triples;
 *   free.
 * The merge of the interface is the tally's: statistics are additive by construction.
 *
 * Boundaries are multiples of the arm's `epoch` parameter (ms since the Unix epoch, so every
 * process agrees on them); the engine exchanges tallies at the finest epoch of the workload's
 * arms, and an algorithm whose epoch is coarser keeps adding the merged increments up and
 * rebuilds its model only at its own boundaries. */
#ifndef GB_ALGO_H
#define GB_ALGO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gb_err.h"
#include "gb_features.h"
#include "gb_interactions.h"
#include "gb_slate.h"
#include "gb_tally.h"

enum {
  GB_ALGO_PARAMS_MAX = 8,
  GB_ALGO_CANDIDATES_MAX = 4096, /* candidates of one decision (the pipeline's match cap) */
  GB_ALGO_SCRATCH_PER_CANDIDATE = 4
};

typedef enum gb_algo_param_kind {
  GB_ALGO_PARAM_NUMBER,   /* a real number in [min, max] */
  GB_ALGO_PARAM_INTEGER,  /* an integer in [min, max] */
  GB_ALGO_PARAM_DURATION, /* a duration ("1m", "1d", "90s"), as ms in [min, max] */
  GB_ALGO_PARAM_CHOICE    /* one of `choices` ("cosine|jaccard"), as its index */
} gb_algo_param_kind;

/* One parameter of an algorithm, as its table declares it. */
typedef struct gb_algo_param {
  const char *name;
  gb_algo_param_kind kind;
  double def, min, max; /* default and bounds (CHOICE: the default's index) */
  const char *choices;  /* CHOICE only: the names, separated by '|' */
  const char *doc;      /* one line for --help and docs/algorithms.md */
} gb_algo_param;

/* An arm's parameter values, by position in its algorithm's table. */
typedef struct gb_algo_params {
  double v[GB_ALGO_PARAMS_MAX];
} gb_algo_params;

/* What an instance knows when it starts. */
typedef struct gb_algo_env {
  uint64_t seed;           /* the workload's seed */
  uint16_t arm;            /* the arm's index: salts the draws, so that arms differ */
  size_t expected_players; /* a sizing hint for per-player state */
} gb_algo_env;

/* One decision to make. */
typedef struct gb_algo_decision {
  uint64_t decision_id; /* the trigger's event_id: unique, the key of every random draw */
  uint64_t player_id;
  uint32_t slot;                  /* the player's slot in this shard (gb_idmap) */
  int64_t ts;                     /* sim ms */
  const gb_feature_vec *features; /* the player's features before the decision (never NULL) */
  const uint32_t *candidates;     /* catalogue ordinals, ascending */
  size_t n_candidates;            /* 1 .. GB_ALGO_CANDIDATES_MAX */
  double *scratch; /* the caller's room for GB_ALGO_SCRATCH_PER_CANDIDATE doubles per candidate,
                      so that choose needs no allocation and leaves the instance as it was */
} gb_algo_decision;

/* A choice: an index into the decision's candidates, or GB_ALGO_NO_PROP. */
#define GB_ALGO_NO_PROP SIZE_MAX
typedef struct gb_algo_choice {
  size_t index;
  double propensity; /* probability of this choice under the policy, in (0, 1] */
} gb_algo_choice;

typedef enum gb_algo_signal {
  GB_ALGO_GIVEN,     /* the arm gave the prop (at the decision's sim time) */
  GB_ALGO_USED,      /* the player used it */
  GB_ALGO_COMPLETED, /* its challenge was completed */
  GB_ALGO_ENDED      /* discarded, expired or failed: it will not be used (any more) */
} gb_algo_signal;

/* Feedback on a prop the arm gave. */
typedef struct gb_algo_feedback {
  gb_algo_signal signal;
  uint64_t player_id;
  uint32_t slot;
  int64_t ts;                     /* sim ms of the feedback */
  uint32_t challenge;             /* the prop's catalogue ordinal */
  const gb_feature_vec *features; /* the context the prop was chosen in */
} gb_algo_feedback;

typedef struct gb_algo_ops {
  const char *name;
  const char *summary; /* one line for --help and docs/algorithms.md */
  const gb_algo_param *params;
  size_t n_params;
  bool learns;  /* false: no epochs (none, random) */
  bool logging; /* its propensities are exact (random, egreedy): its decisions can be the log of
                   off-policy evaluation, and carry the other arms' choices */
  int (*init)(const gb_algo_env *env, const gb_algo_params *p, void **state, gb_err *err);
  /* NULL: the algorithm ranks for the store only (its init may then be NULL too). */
  gb_algo_choice (*choose)(const void *state, const gb_algo_decision *d);
  /* May be NULL when the algorithm does not learn. */
  void (*observe)(void *state, const gb_algo_feedback *f, gb_tally *delta);
  /* boundary: the epoch's end (ms); merged: every shard's increments since the previous
   * boundary. May be NULL when the algorithm does not learn. */
  void (*epoch)(void *state, int64_t boundary_ms, const gb_tally *merged);
  /* Warm start from an interaction log: rows are players, columns catalogue ordinals, a cell a
   * use (its weight is not read). Applied like an epoch's increments (every shard must fit the
   * same log). Returns 0, or -1 with err. May be NULL: the algorithm has nothing to learn from a
   * log of uses alone (the bandits need the props that were not used too). */
  int (*fit)(void *state, const gb_interactions *log, gb_err *err);
  void (*free)(void *state);
  /* The store half (gb_slate.h): ranks the store's slates with the same parameters; NULL: the
   * algorithm decides props only. */
  const gb_slate_ops *slate;
} gb_algo_ops;

/* The registry: every algorithm, in the order --help and the docs list them. */
const gb_algo_ops *const *gb_algo_registry(size_t *n);

/* The algorithm called name, or NULL. */
const gb_algo_ops *gb_algo_find(const char *name);

/* "none, random, popularity, ..." (static storage). */
const char *gb_algo_names(void);

/* The index of the parameter called name in ops's table, or -1. */
int gb_algo_param_index(const gb_algo_ops *ops, const char *name);

/* ops's defaults. */
void gb_algo_params_defaults(const gb_algo_ops *ops, gb_algo_params *out);

/* Checks value against param's kind and bounds (CHOICE: an index below the number of choices).
 * Returns 0, or -1 with GB_ERR_INPUT naming key (the caller's path, e.g.
 * "arms[2].params.epsilon") and the accepted range. */
int gb_algo_param_check(const gb_algo_param *param, double value, const char *key, gb_err *err);

/* The index of choice name among param's choices, or -1. */
int gb_algo_param_choice(const gb_algo_param *param, const char *name);

/* The epoch of an instance with these parameters, in ms: its `epoch` parameter; 0 for an
 * algorithm that does not learn. */
int64_t gb_algo_epoch_ms(const gb_algo_ops *ops, const gb_algo_params *p);

/* Keys of the tallies: the algorithm's own numbering in the low 56 bits, under a tag. */
static inline uint64_t gb_algo_key(unsigned tag, uint64_t low) {
  return ((uint64_t)tag << 56) | (low & ((UINT64_C(1) << 56) - 1));
}

#endif
