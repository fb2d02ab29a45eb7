/* Helpers of the recommender's algorithm suites (tests/engine/reco/test_algo_*.c): an algorithm
 * instance standing for one engine shard, with its tally of increments, fed through the
 * algorithm's own observe and taught through its own epoch, as the engine does (gb_algo.h).
 * What fails (an unknown name or parameter, an init error) fails the calling test. */
#ifndef GB_TEST_ALGO_H
#define GB_TEST_ALGO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gb_algo.h"

/* One instance of an algorithm: its ops, its state, the increments observe counted since the
 * last epoch, and choose's scratch. */
typedef struct gbt_algo {
  const gb_algo_ops *ops;
  void *state;
  gb_tally *delta;
  double *scratch;
} gbt_algo;

/* Starts algorithm name with seed and arm, its defaults overridden by the (const char *name,
 * double value) pairs that follow, ended by NULL: gbt_algo_new("egreedy", 42, 0, "epsilon", 0.2,
 * NULL). Values are read as doubles (write 20.0, not 20). Each value is checked against its table
 * (gb_algo_param_check) first. */
gbt_algo *gbt_algo_new(const char *name, uint64_t seed, uint16_t arm, ...);

/* gbt_algo_new's parameters without starting anything: init's return and err for them. */
int gbt_algo_try(const char *name, gb_err *err, ...);

void gbt_algo_free(gbt_algo *a);

/* A decision's choice. Asserts that a second call gives the same (choose changes nothing) and
 * that the index is a candidate's (or GB_ALGO_NO_PROP) with a propensity in (0, 1]. features
 * NULL: an unknown player's (all 0, never paid). */
gb_algo_choice gbt_algo_choose(const gbt_algo *a, uint64_t decision_id, uint32_t slot,
                               const gb_feature_vec *features, const uint32_t *candidates,
                               size_t n);

/* The ordinal chosen (UINT32_MAX for no prop). */
uint32_t gbt_algo_pick(const gbt_algo *a, uint64_t decision_id, uint32_t slot,
                       const gb_feature_vec *features, const uint32_t *candidates, size_t n);

/* The choices of decisions first_id .. first_id + count - 1 (slot 0), into index[] and, when
 * not NULL, propensity[]. */
void gbt_algo_choices(const gbt_algo *a, uint64_t first_id, size_t count,
                      const gb_feature_vec *features, const uint32_t *candidates, size_t n,
                      size_t *index, double *propensity);

/* How many of decisions first_id .. first_id + count - 1 (slot 0) choose ordinal. */
size_t gbt_algo_count_picks(const gbt_algo *a, uint64_t first_id, size_t count,
                            const gb_feature_vec *features, const uint32_t *candidates, size_t n,
                            uint32_t ordinal);

/* Feedback on a prop of challenge at sim time ts, observed into a->delta. features NULL: an
 * unknown player's. */
void gbt_algo_signal(gbt_algo *a, gb_algo_signal signal, uint32_t slot, uint32_t challenge,
                     int64_t ts, const gb_feature_vec *features);

/* `given` props of challenge given at ts to the player at slot, the first `used` of them used. */
void gbt_algo_props(gbt_algo *a, uint32_t slot, uint32_t challenge, int64_t ts,
                    const gb_feature_vec *features, unsigned given, unsigned used);

/* Every shard's increments merged (gb_tally_merge, in shard order) into one tally, applied to
 * every shard with epoch at boundary_ms; the shards' increments are cleared, as the engine
 * does. */
void gbt_algo_epoch(gbt_algo *const *shards, size_t n_shards, int64_t boundary_ms);

/* gbt_algo_epoch of one shard. */
void gbt_algo_epoch1(gbt_algo *a, int64_t boundary_ms);

/* An unknown player's features (all 0, never paid). */
gb_feature_vec gbt_algo_features(void);

#endif
