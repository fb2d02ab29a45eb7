/* gb_reco: the recommender of one engine shard — decides whether a player at a decision point
 * gets a prop, and which.
 *
 * Players are split into A/B arms by gb_arms (stable for the run, independent of shards and
 * threads); each arm runs its own algorithm (gb_algo.h), whose model changes only at sim-time
 * epoch boundaries (gb_reco_epoch). The no-spam rule: no new
 * prop while one is ongoing (generated and not yet discarded, expired, completed or failed;
 * past its deadline it is over). Random choices come from hashes of (seed, decision_id), never
 * from a shared generator, so decisions do not depend on timing. */
#ifndef GB_RECO_H
#define GB_RECO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gb_algo.h"
#include "gb_arms.h"
#include "gb_decision.h"
#include "gb_err.h"
#include "gb_event.h"
#include "gb_features.h"

/* What the other arms' algorithms would have chosen on a decision of a logging arm (an arm
 * whose algorithm has exact propensities: random, egreedy): the data of off-policy evaluation.
 * Each target arm's choice comes from its own model of that moment and its own draws, without
 * changing anything. */
enum { GB_RECO_TARGETS_MAX = 16 };
typedef struct gb_reco_targets {
  uint8_t n;                            /* target arms (at most GB_RECO_TARGETS_MAX) */
  uint16_t arm[GB_RECO_TARGETS_MAX];    /* their indices, ascending */
  uint32_t chosen[GB_RECO_TARGETS_MAX]; /* catalogue ordinal, or GB_NO_PROP */
  double propensity[GB_RECO_TARGETS_MAX];
} gb_reco_targets;

typedef struct gb_reco gb_reco;

/* Whether arm is a target of off-policy evaluation on the decisions of logging (an arm whose
 * algorithm is a logging one): every other arm that gives props (not `none`). The first
 * GB_RECO_TARGETS_MAX of them, in arm order, are recorded. */
bool gb_reco_is_target(const gb_arms *arms, size_t logging, size_t arm);

/* Creates the recommender of one shard for the arms (borrowed: they must outlive it), starting
 * each arm's algorithm (gb_algo.h) with its parameters, with room for expected_players players
 * (a sizing hint). Returns 0, or -1 with GB_ERR_INPUT naming the key 'arms[i].algorithm' of an
 * unknown algorithm or 'arms[i].params' of parameters its algorithm rejects (e.g. epochs that
 * are not multiples of the finest one), or GB_ERR_RUNTIME when out of memory. */
int gb_reco_new(const gb_arms *arms, uint64_t seed, size_t expected_players, gb_reco **out,
                gb_err *err);
void gb_reco_free(gb_reco *r);

/* The sim time between two model exchanges (ms): the finest epoch of the learning arms; 0 when
 * no arm learns (then nothing needs exchanging and decisions never wait). */
int64_t gb_reco_tick_ms(const gb_reco *r);

/* Whether the algorithms learn from what follows: off while replayed events rebuild state
 * (their feedback was counted when first processed). On at creation. */
void gb_reco_set_learning(gb_reco *r, bool on);

/* gb_reco_tick_ms of a recommender for these arms (0 when no arm learns, or when an arm's
 * algorithm or parameters are invalid: gb_reco_new says which). */
int64_t gb_reco_tick_of(const gb_arms *arms);

/* Number of arms. */
size_t gb_reco_arms(const gb_reco *r);

/* The increments arm's algorithm counted in this shard since they were last taken: the engine
 * merges every shard's (gb_tally_merge) at each boundary and clears them (gb_tally_clear). */
gb_tally *gb_reco_delta(gb_reco *r, size_t arm);

/* The increments arm's algorithm counted from events of that partition (gb_reco_set_partition)
 * since they were last taken; NULL when the arm does not learn. Partition 0's is gb_reco_delta's.
 * Engines in separate processes exchange them per partition (gb_epochs.h). */
gb_tally *gb_reco_partition_delta(gb_reco *r, size_t arm, unsigned partition);

/* The partition of the events that follow, whose increments go to gb_reco_partition_delta's
 * tally of it (0 at creation). */
void gb_reco_set_partition(gb_reco *r, unsigned partition);

/* Called before an event at sim time ts touches the models when a boundary at or before ts has
 * not been applied yet: it must apply them (gb_reco_epoch), waiting for them if need be. */
typedef void (*gb_reco_await_fn)(void *ctx, gb_reco *r, int64_t ts);

/* Installs await (NULL: none, the default: the caller applies the epochs in time itself). */
void gb_reco_set_await(gb_reco *r, gb_reco_await_fn await, void *ctx);

/* Applies the epoch ending at boundary_ms (a multiple of gb_reco_tick_ms, later than the last):
 * merged[arm] holds every shard's increments since the previous boundary. Every shard applies the
 * same boundaries with the same merged tallies, so all hold the same models. */
void gb_reco_epoch(gb_reco *r, int64_t boundary_ms, const gb_tally *const *merged);

/* The last boundary applied (INT64_MIN before the first). */
int64_t gb_reco_boundary(const gb_reco *r);

/* Decides for the player at slot at sim time ts (ms), given the player's features at the
 * decision and the eligible challenges (ordinals, ascending) with their TTLs (seconds, same
 * order). features: the player's feature vector filled before the decision event was folded
 * (gb_agg_features), so it holds nothing from the decision on; borrowed for the call; NULL reads
 * as an unknown player's. Fills the decision fields decision_id, player_id, ts, arm, reason,
 * candidates, n_eligible, chosen, prop_id, ttl_s and propensity; when a prop is chosen it
 * becomes the player's ongoing prop, and the arm's algorithm observes it (GB_ALGO_GIVEN).
 * targets (may be NULL) receives the other arms' choices when the decision is a logging arm's
 * (n = 0 otherwise). */
void gb_reco_decide(gb_reco *r, uint32_t slot, uint64_t decision_id, uint64_t player_id, int64_t ts,
                    const gb_feature_vec *features, const uint32_t *eligible, const int64_t *ttl_s,
                    size_t n_eligible, gb_decision *out, gb_reco_targets *targets);

/* Whether events of this type are feedback (role GB_ROLE_FEEDBACK in the event table: prop
 * shown, used, discarded or expired, challenge completed or failed, and the store's): only
 * those make gb_reco_feedback read (and perhaps change) the player's state. */
bool gb_reco_takes_feedback(gb_event_type type);

/* Feedback from the player: prop_used restarts the deadline (the challenge must be completed
 * within its TTL of use); prop_discarded, prop_expired, challenge_completed and challenge_failed
 * end the ongoing prop. The arm's algorithm observes each (GB_ALGO_USED, _COMPLETED, _ENDED).
 * Events of other types, and feedback on another prop than the ongoing one, change nothing. */
void gb_reco_feedback(gb_reco *r, uint32_t slot, const gb_event *ev);

/* The engine's progress tracking completed (or failed) prop_id at sim time ts: it is no longer
 * ongoing, and the arm's algorithm observes it. */
void gb_reco_prop_ended(gb_reco *r, uint32_t slot, uint64_t prop_id, int64_t ts, bool completed);

/* Starts loading the state of the player at slot (any slot), so that the memory access overlaps
 * the caller's other work before gb_reco_feedback or gb_reco_decide read it. A hint only: no
 * effect on results. */
void gb_reco_prefetch(const gb_reco *r, uint32_t slot);

/* ---- The Steam-style store (gb_reco_store.c) */

/* Starts the store halves (gb_slate.h) of every arm's algorithm for a catalogue of `apps` apps
 * (1 .. GB_SLATE_APPS_MAX) and slates of k places (1 .. GB_SLATE_MAX): from now on store visits
 * get slates (gb_reco_decide_slate) and the store's feedback teaches the arms
 * (gb_reco_store_feedback). Returns 0, or -1 with GB_ERR_INPUT naming 'arms[i].algorithm' when an
 * arm's algorithm does not rank for the store (the message lists those that do), or the
 * algorithm's own refusal of its parameters, or GB_ERR_RUNTIME when out of memory. Call once,
 * before the first event. */
int gb_reco_enable_store(gb_reco *r, uint32_t apps, uint32_t k, gb_err *err);

/* Whether gb_reco_enable_store was called. */
bool gb_reco_has_store(const gb_reco *r);

/* The slate for the store visit decision_id of the player at slot at sim time ts: the player's
 * arm ranks the apps it does not own (as far as the engine saw) into out — reason GB_SLATE,
 * candidates[0 .. n_candidates) best first with place_propensity[], propensity = the first
 * place's, n_eligible = the apps it could rank; chosen GB_NO_PROP. The slate becomes the
 * player's last slate (its clicks and purchases are attributed to its places). features as for
 * gb_reco_decide. Requires gb_reco_enable_store. */
void gb_reco_decide_slate(gb_reco *r, uint32_t slot, uint64_t decision_id, uint64_t player_id,
                          int64_t ts, const gb_feature_vec *features, gb_decision *out);

/* Whether an event of this type (and, for a purchase, with an app) is the store's feedback. */
bool gb_reco_is_store_feedback(const gb_event *ev);

/* The store's feedback from the player at slot: an impression (each app shown at its place), a
 * click, a purchase with an app_id, a play session (the player owns the app), a refund (it does
 * not any more). Updates the player's owned apps and lets the player's arm observe it. Other
 * events, and everything before gb_reco_enable_store, change nothing. */
void gb_reco_store_feedback(gb_reco *r, uint32_t slot, const gb_event *ev);

/* Whether the player at slot has an ongoing prop at sim time ts. */
int gb_reco_has_ongoing(const gb_reco *r, uint32_t slot, int64_t ts);

#endif
