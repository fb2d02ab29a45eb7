/* gb_arms: the A/B split of the players between the workload's arms.
 *
 * Each player belongs to one arm for the whole run, chosen by a hash of (seed, player_id) in
 * proportion to the arms' weights: the same answer in the simulator (which scores the arm's
 * outcomes) and in every engine shard and process (which runs the arm's algorithm), whatever
 * the threads or the transport. The split lives here, beside the decisions that carry the arm
 * index, so that the simulator need not know the recommender. */
#ifndef GB_ARMS_H
#define GB_ARMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gb_err.h"

enum {
  GB_ARMS_MAX = 65535,  /* a decision's arm index is 16 bits */
  GB_ARM_PARAMS_MAX = 8 /* = GB_ALGO_PARAMS_MAX: the recommender checks it */
};

/* One arm as the workload gives it. */
typedef struct gb_arm_spec {
  const char *name;      /* copied */
  const char *algorithm; /* copied; the recommender resolves it (gb_reco_new) */
  double weight;         /* > 0 and finite */
  /* The algorithm's parameters by position in its table (gb_algo.h), already validated by the
   * workload; has_params false: the algorithm's defaults. */
  bool has_params;
  double params[GB_ARM_PARAMS_MAX];
} gb_arm_spec;

typedef struct gb_arms gb_arms;

/* Builds the split of specs[0..n). Returns 0, or -1 with GB_ERR_INPUT for no arm, more than
 * GB_ARMS_MAX, a weight that is not > 0 (the message names the arm) or weights whose sum is
 * not finite, or GB_ERR_RUNTIME when out of memory. */
int gb_arms_new(const gb_arm_spec *specs, size_t n, uint64_t seed, gb_arms **out, gb_err *err);
void gb_arms_free(gb_arms *a);

/* Number of arms, and arm i's name, algorithm and weight as given (i < gb_arms_count). */
size_t gb_arms_count(const gb_arms *a);
const char *gb_arms_name(const gb_arms *a, size_t i);
const char *gb_arms_algorithm(const gb_arms *a, size_t i);
double gb_arms_weight(const gb_arms *a, size_t i);

/* Arm i's parameters as given (copied into out[0..GB_ARM_PARAMS_MAX)); false when the workload
 * gave none (the algorithm's defaults apply). */
bool gb_arms_params(const gb_arms *a, size_t i, double out[GB_ARM_PARAMS_MAX]);

/* The arm of player_id: stable for the run, the same in every process with the same arms and
 * seed. */
uint16_t gb_arms_of(const gb_arms *a, uint64_t player_id);

#endif
