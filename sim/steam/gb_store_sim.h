/* gb_store_sim: the Steam-style store's player simulator — players who visit the store, see the
 * slate the engine recommends, browse, click, wishlist, buy (at list price or on sale), play
 * their games in sessions of heavy-tailed length, review them, refund the disappointing ones
 * within two hours of play, and take or dismiss offers (DLC, bundles).
 *
 * The same discipline as the card platform's gb_sim: each player has its own random stream
 * derived from (seed, player_id), players are scheduled on a calendar queue (gb_timeq) in
 * (sim time, player id) order, the population is split across instances by player index modulo
 * n_producers, arrivals and churn follow gb_retention fitted to the model's retention targets,
 * and activity follows the weekly rhythm (gb_rhythm). A store visit is the decision point: in
 * closed loop the player waits for the engine's answer — a gb_decision whose candidates[0 ..
 * n_candidates) are the slate, best first (app ordinals) — before it looks at the slate; in open
 * loop it sees no slate and only browses. Players arrive with the library they built before the
 * run (gb_store_model's library parameters), which is what the realism report compares with the
 * real Steam log.
 *
 * Per-arm outcomes (gb_store_arm_stats) count what the players did with each arm's slates and,
 * when truth is on, the expected purchases and clicks of each slate and of the oracle slate under
 * the ground truth (gb_store_model.h), in fixed point so that totals do not depend on how the
 * population is split. Not thread-safe: one thread per instance. */
#ifndef GB_STORE_SIM_H
#define GB_STORE_SIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gb_arms.h"
#include "gb_decision.h"
#include "gb_err.h"
#include "gb_event.h"
#include "gb_store_catalog.h"
#include "gb_store_model.h"
#include "gb_store_outcomes.h"

typedef struct gb_store_sim_config {
  uint64_t seed;
  uint32_t players;    /* present at start_ms, all producers together, >= 1 */
  int64_t start_ms;    /* sim epoch */
  int64_t duration_ms; /* > 0 */
  unsigned producer, n_producers;
  bool closed_loop;                /* visits wait for the engine's slate */
  const gb_store_catalog *catalog; /* borrowed; must outlive the instance */
  const gb_arms *arms; /* borrowed; closed loop (the arm named on impressions); may be NULL */
  const gb_store_model *model; /* copied; NULL = defaults */
  bool truth;                  /* score every slate and the oracle's (O(apps) per visit) */
  uint64_t id_base;            /* player ids are id_base + 1, 2, ...: 0 alone; 2^32 beside the card
                                  platform's players (a mixed run) */
} gb_store_sim_config;

typedef enum gb_store_sim_status {
  GB_STORE_SIM_EVENT,
  GB_STORE_SIM_NOT_YET,
  GB_STORE_SIM_BLOCKED,
  GB_STORE_SIM_DONE
} gb_store_sim_status;

/* Per arm (fixed point sums in units of 1e-9). */
typedef struct gb_store_arm_stats {
  uint64_t players;
  uint64_t visits, slates, slots;         /* visits answered, slates shown, apps shown */
  uint64_t slate_clicks, slate_purchases; /* on the slate's apps */
  uint64_t slate_revenue_cents;           /* paid for apps bought from the slate */
  uint64_t organic_clicks, organic_purchases, organic_revenue_cents;
  uint64_t wishlists, refunds, reviews, reviews_positive;
  uint64_t offers_shown, offers_purchased;
  uint64_t play_sessions;
  uint64_t scored; /* slates scored against the truth */
  uint64_t expected_purchases_e9, expected_clicks_e9;
  uint64_t oracle_purchases_e9, oracle_clicks_e9;
  uint64_t converted; /* slates from which the player bought at least one app */
} gb_store_arm_stats;

typedef struct gb_store_sim gb_store_sim;

int gb_store_sim_new(const gb_store_sim_config *cfg, gb_store_sim **out, gb_err *err);
void gb_store_sim_free(gb_store_sim *s);

/* The next event whose sim time is <= until_ms, in (ts, player_id, sequence) order. Events that
 * own heap memory: none (impression app_ids are inline). */
gb_store_sim_status gb_store_sim_next(gb_store_sim *s, int64_t until_ms, gb_event *out);

/* Sim time of the next scheduled event (INT64_MAX when none). */
int64_t gb_store_sim_peek_ts(const gb_store_sim *s);

/* The engine's answer to a store visit of one of this instance's players (ignored, and
 * counted, when the player waits for no answer or the decision is not for its visit). */
void gb_store_sim_on_decision(gb_store_sim *s, const gb_decision *d);

/* Answers that matched no waiting visit. */
uint64_t gb_store_sim_stray_answers(const gb_store_sim *s);

/* Players waiting for the engine's answer to their visit. */
uint64_t gb_store_sim_waiting(const gb_store_sim *s);

/* The slates shown and the purchases made so far (gb_store_outcomes.h: NDCG@k and recall@k
 * against each player's later purchases, coverage, novelty); owned by s. */
gb_store_outcomes *gb_store_sim_outcomes(gb_store_sim *s);

/* Adds arm's totals of this instance into *acc (arm < arms, or 0 without arms). */
void gb_store_sim_arm_stats(const gb_store_sim *s, size_t arm, gb_store_arm_stats *acc);

/* Players of this instance created so far (present and arrived). */
size_t gb_store_sim_players(const gb_store_sim *s);

/* The library of this instance's k-th player (k < gb_store_sim_players): calls fn for each app
 * it owns (not refunded) with the hours played so far; returns the player's id. */
typedef void (*gb_store_library_fn)(void *ctx, uint64_t player_id, uint32_t app, double hours);
uint64_t gb_store_sim_library(const gb_store_sim *s, size_t k, gb_store_library_fn fn, void *ctx);

#endif
