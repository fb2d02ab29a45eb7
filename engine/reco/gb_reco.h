/* gb_reco: the recommender of one engine shard — decides whether a player at a decision point
 * gets a prop, and which.
 *
 * Players are split into A/B arms by gb_arms (stable for the run, independent of shards and
 * threads); each arm runs its own algorithm. The no-spam rule: no new
 * prop while one is ongoing (generated and not yet discarded, expired, completed or failed;
 * past its deadline it is over). Random choices come from hashes of (seed, decision_id), never
 * from a shared generator, so decisions do not depend on timing. */
#ifndef GB_RECO_H
#define GB_RECO_H

#include <stddef.h>
#include <stdint.h>

#include "gb_arms.h"
#include "gb_decision.h"
#include "gb_err.h"
#include "gb_event.h"
#include "gb_features.h"

typedef enum gb_reco_algo {
  GB_RECO_NONE,  /* control: never sends a prop */
  GB_RECO_RANDOM /* uniform among the eligible challenges */
} gb_reco_algo;

/* Parses an algorithm name ("random", "none"); 0, or -1 when unknown. */
int gb_reco_algo_parse(const char *name, gb_reco_algo *out);

/* Comma-separated list of known algorithm names, for error messages and --help. */
const char *gb_reco_algo_names(void);

typedef struct gb_reco gb_reco;

/* Creates the recommender of one shard for the arms (borrowed: they must outlive it), resolving
 * each arm's algorithm, with room for expected_players players (a sizing hint). Returns 0, or
 * -1 with GB_ERR_INPUT naming the key 'arms[i].algorithm' of an unknown algorithm, or
 * GB_ERR_RUNTIME when out of memory. */
int gb_reco_new(const gb_arms *arms, uint64_t seed, size_t expected_players, gb_reco **out,
                gb_err *err);
void gb_reco_free(gb_reco *r);

/* Decides for the player at slot at sim time ts (ms), given the player's features at the
 * decision and the eligible challenges (ordinals, ascending) with their TTLs (seconds, same
 * order). features is the context the contextual bandits (the recommender issue) read: the
 * player's feature vector filled before the decision event was folded (gb_agg_features), so it
 * holds nothing from the decision on; borrowed for the call. random and none ignore it (it may
 * be NULL for them). Fills the decision fields decision_id, player_id, ts, arm, reason,
 * candidates, n_eligible, chosen, prop_id, ttl_s and propensity; when a prop is chosen it
 * becomes the player's ongoing prop. */
void gb_reco_decide(gb_reco *r, uint32_t slot, uint64_t decision_id, uint64_t player_id, int64_t ts,
                    const gb_feature_vec *features, const uint32_t *eligible, const int64_t *ttl_s,
                    size_t n_eligible, gb_decision *out);

/* Whether events of this type are feedback (role GB_ROLE_FEEDBACK in the event table: prop
 * shown, used, discarded or expired, challenge completed or failed, and the store's): only
 * those make gb_reco_feedback read (and perhaps change) the player's state. */
bool gb_reco_takes_feedback(gb_event_type type);

/* Feedback from the player: prop_used restarts the deadline (the challenge must be completed
 * within its TTL of use); prop_discarded, prop_expired, challenge_completed and challenge_failed
 * end the ongoing prop. Events of other types, and feedback on another prop than the ongoing
 * one, change nothing. */
void gb_reco_feedback(gb_reco *r, uint32_t slot, const gb_event *ev);

/* The engine's progress tracking completed or failed prop_id: it is no longer ongoing. */
void gb_reco_prop_ended(gb_reco *r, uint32_t slot, uint64_t prop_id);

/* Starts loading the state of the player at slot (any slot), so that the memory access overlaps
 * the caller's other work before gb_reco_feedback or gb_reco_decide read it. A hint only: no
 * effect on results. */
void gb_reco_prefetch(const gb_reco *r, uint32_t slot);

/* Whether the player at slot has an ongoing prop at sim time ts. */
int gb_reco_has_ongoing(const gb_reco *r, uint32_t slot, int64_t ts);

#endif
