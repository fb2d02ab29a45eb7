/* gb_sim_truth: the ground truth of decisions — for each decision of the arms a run asks about,
 * every candidate's probability of being used if it were the prop sent, by the simulator's
 * response model (gb_response.h). Off-policy evaluation scores its estimates against it
 * (eval/gb_ope.h: the truth of a target policy on the logged contexts is Σ_a π(a|x) p(a|x)).
 *
 * What "used if sent" means: a prop is used, or not, when the player first looks at its prop bar
 * (its next round or session start), by the player's state then, which already counts the prop
 * itself in its fatigue. When the player plays on (its next action, planned before the answer,
 * is a round inside the run), that look is certain and its time known: p is exactly the
 * probability the player will use the prop then (0 for a candidate whose TTL would end first),
 * and the entry is marked next_round. Otherwise the look may come hours later or never (the prop
 * expires, the player churns, the run ends): p is taken at the answer, with the prop counted, and
 * overstates the use of props that are never seen. Off-policy evaluation against this truth
 * should keep the next_round decisions — a property of the context, not of the action, so the
 * estimators stay unbiased on them (docs/ope.md measures both).
 *
 * The simulator appends one record per decision it scores (an answer with reason GB_DECIDED and
 * candidates) of an arm selected by gb_sim_config.truth_arms (off by default: no log, no memory),
 * in the order its instance receives the answers. Each simulator thread has its own log;
 * gb_sim_truth_merge joins them into one sorted by decision_id, which does not depend on how the
 * players were split across threads, and gb_sim_truth_find looks a decision up in it.
 *
 * Probabilities are fixed point in units of 1e-9 (rounded to nearest), as the arm stats sum them
 * (gb_sim_arm_stats): exact to copy, compare and merge.
 *
 * Memory: 16 bytes per decision and 8 per candidate (its ordinal and its probability), by
 * capacity (arrays double). Appending is the simulator's hot path: it allocates only when an
 * array is full, and a failed growth stops the program (gb_grow.h). Not thread-safe: one
 * simulator thread appends to its log; a merge reads logs no thread appends to any more. */
#ifndef GB_SIM_TRUTH_H
#define GB_SIM_TRUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gb_err.h"

/* One unit of a fixed-point probability: 1e-9. */
#define GB_SIM_TRUTH_SCALE 1000000000.0

typedef struct gb_sim_truth gb_sim_truth;

/* A decision's record, pointing into its log (valid until the log is freed or appended to). */
typedef struct gb_sim_truth_entry {
  uint64_t decision_id;
  uint16_t arm;
  bool next_round;            /* the player looks at its prop bar at its next round: p exact */
  uint32_t n;                 /* candidates */
  const uint32_t *candidates; /* n catalogue ordinals, in the decision's order */
  const uint32_t *p_e9;       /* n use probabilities in units of 1e-9 (0 .. 1e9) */
} gb_sim_truth_entry;

/* A new, empty log with room for expected_decisions decisions (a sizing hint: 0 allowed).
 * Returns 0, or -1 with GB_ERR_RUNTIME when out of memory (*out is then NULL). */
int gb_sim_truth_new(size_t expected_decisions, gb_sim_truth **out, gb_err *err);

/* Frees t; NULL is a no-op. */
void gb_sim_truth_free(gb_sim_truth *t);

/* Appends a decision: its id, arm, whether it is a next_round one, and its n (<= 255) candidates'
 * ordinals and use probabilities p[0..n) (each clamped into [0, 1], then rounded to units of
 * 1e-9). */
void gb_sim_truth_add(gb_sim_truth *t, uint64_t decision_id, uint16_t arm, bool next_round,
                      const uint32_t *candidates, const double *p, size_t n);

/* Decisions held. */
size_t gb_sim_truth_count(const gb_sim_truth *t);

/* The i-th decision (i < gb_sim_truth_count), in append order (decision_id order in a merged
 * log). */
gb_sim_truth_entry gb_sim_truth_at(const gb_sim_truth *t, size_t i);

/* The probability of candidate i of e as a double (p_e9[i] / 1e9). */
double gb_sim_truth_p(const gb_sim_truth_entry *e, size_t i);

/* Joins logs[0..n_logs) (NULL entries are skipped) into a new log sorted by decision_id (*out;
 * free it with gb_sim_truth_free). A decision_id held by several logs (not expected: each player
 * belongs to one simulator instance) is kept once, from the lowest log index. The result does not
 * depend on how the decisions were spread over the logs nor on their order within one. Returns
 * 0, or -1 with GB_ERR_RUNTIME when out of memory (*out is then NULL). */
int gb_sim_truth_merge(const gb_sim_truth *const *logs, size_t n_logs, gb_sim_truth **out,
                       gb_err *err);

/* Looks decision_id up in a merged log (one that gb_sim_truth_merge made: sorted; anything else
 * stops the program with GB_FATAL). true and *out filled when it is there, else false. */
bool gb_sim_truth_find(const gb_sim_truth *t, uint64_t decision_id, gb_sim_truth_entry *out);

/* Bytes held, by capacity. */
size_t gb_sim_truth_memory(const gb_sim_truth *t);

#endif
