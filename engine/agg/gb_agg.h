/* gb_agg: the stats aggregator of one engine shard.
 *
 * It keeps per-game counters (games, wins, bets, coin flow) and per-event-type counts for the
 * run's aggregates, and the per-player features the matcher's eligibility predicates and the
 * recommender read: level, coin balance, preferred game (most played), first-seen time; and the
 * sessions and windows of the decision-time feature vector (gb_features.h, gb_agg_features).
 * Player state is indexed by slot (see gb_idmap). Shards are merged at the end in shard order. */
#ifndef GB_AGG_H
#define GB_AGG_H

#include <stdint.h>
#include <stdio.h>

#include "gb_arms.h"
#include "gb_cube.h"
#include "gb_err.h"
#include "gb_event.h"

enum { GB_AGG_GAMES_MAX = 64 /* distinct game names tracked; more are counted as "other" */ };

/* The stats cube's dimensions (engine.aggregates.dimensions picks which are kept):
 *   type         the event type's wire name ("game_end");
 *   game, room   of game_start / game_end;
 *   platform, country   the event's (the player's device and country);
 *   arm          the player's A/B arm;
 *   challenge    of prop_* and challenge_* events and reward_granted;
 *   reward_type  of reward_granted;
 *   level_band   the player's level rounded down to a multiple of engine.aggregates.level_band
 *                ("10" for levels 10 … 19 with bands of 10); empty before the level is known. */
typedef enum gb_agg_dim {
  GB_AGG_DIM_TYPE,
  GB_AGG_DIM_GAME,
  GB_AGG_DIM_ROOM,
  GB_AGG_DIM_PLATFORM,
  GB_AGG_DIM_COUNTRY,
  GB_AGG_DIM_ARM,
  GB_AGG_DIM_CHALLENGE,
  GB_AGG_DIM_REWARD_TYPE,
  GB_AGG_DIM_LEVEL_BAND,
  GB_AGG_DIM__COUNT
} gb_agg_dim;

/* The dimension's name ("reward_type"); "unknown" when out of range. */
const char *gb_agg_dim_name(gb_agg_dim d);

/* Parses a dimension name: 0 and *out, or -1 when unknown. */
int gb_agg_dim_parse(const char *name, gb_agg_dim *out);

/* Comma-separated names of every dimension, for error messages and --help. */
const char *gb_agg_dim_names(void);

typedef struct gb_agg gb_agg;
typedef struct gb_feature_vec gb_feature_vec; /* gb_features.h */

typedef struct gb_agg_game {
  char name[GB_GAME_MAX + 1];
  uint64_t games_started, games_ended, wins;
  int64_t bets_total;        /* coins staked, summed over game_end */
  int64_t coins_delta_total; /* net coins won by players (negative: the house's rake and luck) */
} gb_agg_game;

typedef struct gb_agg_player { /* widest fields first: 24 bytes, no holes */
  int64_t coin_balance;
  int64_t first_seen_ts; /* sim ms of the first event seen */
  int32_t level;
  int16_t preferred_game; /* index into the game table, -1 when none yet */
} gb_agg_player;

/* The stats cube the aggregator fills (engine.aggregates in the workload, docs/workloads.md). */
typedef struct gb_agg_cube_config {
  bool keep; /* false: no cube (and no lateness check) */
  gb_agg_dim dims[GB_AGG_DIM__COUNT];
  size_t n_dims;
  int64_t bucket_ms;      /* 1 s … 1 d, dividing a day */
  int32_t day_offset_min; /* day buckets start at local midnight at this offset */
  bool distinct_players, quantiles;
  uint32_t distinct_exact_max;
  int hll_precision;
  double quantile_accuracy;
  /* Event time, not arrival time: each player's stream has a watermark, the latest event time
   * seen from that player; an event older than its player's watermark by more than
   * allowed_lateness_ms is late: counted (gb_agg_events_late), not put in the cube. The
   * watermark is per player because a player's stream is the one order every transport keeps
   * (one Kafka key, one shard): lateness then does not depend on partitions, threads or how
   * producers interleave, and the cube is the same whatever the transport. */
  int64_t allowed_lateness_ms;
  uint32_t level_band; /* levels per level_band value, >= 1 */
} gb_agg_cube_config;

typedef struct gb_agg_config {
  size_t expected_players; /* a sizing hint: more may come */
  const gb_arms *arms;     /* the A/B split, for the arm dimension (borrowed; NULL: no arms) */
  gb_agg_cube_config cube;
} gb_agg_config;

/* The defaults of engine.aggregates (docs/workloads.md), with keep set. */
gb_agg_cube_config gb_agg_cube_defaults(void);

/* A new aggregator. Returns 0, or -1 with GB_ERR_INPUT naming a bad cube setting, or
 * GB_ERR_RUNTIME when out of memory. */
int gb_agg_new(const gb_agg_config *cfg, gb_agg **out, gb_err *err);
void gb_agg_free(gb_agg *a);

typedef enum gb_agg_mode {
  GB_AGG_COUNT,     /* a live event: the player's state and the run's counters */
  GB_AGG_STATE_ONLY /* a replayed event (counted when it was first processed): the player's
                       state only, as it was rebuilt then */
} gb_agg_mode;

/* Folds ev into the state of the player at slot (its decision-time features included) and, with
 * GB_AGG_COUNT, into the counters. Allocation happens only when a slot beyond the room so far
 * appears (and for the features' payers, gb_features.h); it cannot fail: a failed growth stops
 * the program (hot path, gb_grow.h). */
void gb_agg_update(gb_agg *a, uint32_t slot, const gb_event *ev, gb_agg_mode mode);

/* Starts loading the state of the player at slot (any slot), so that the memory access overlaps
 * the caller's other work before gb_agg_update reads it. A hint only: no effect on results. */
void gb_agg_prefetch(const gb_agg *a, uint32_t slot);

/* The features of the player at slot (any slot) for a decision at sim time decision_ts (ms) in
 * the player's zone utc_offset_min (minutes east of UTC: gb_event_local_offset_min of the
 * decision event), into *out (gb_features.h: the vector, its columns and its limits). Uses only
 * the events folded so far: call it BEFORE gb_agg_update folds the decision event, so that
 * nothing at or after the decision enters its features. Every event, live or replayed, folds
 * into them (GB_AGG_STATE_ONLY too). Does not modify a. */
void gb_agg_features(const gb_agg *a, uint32_t slot, int64_t decision_ts, int32_t utc_offset_min,
                     gb_feature_vec *out);

/* The player's features (slot must have been updated at least once). */
const gb_agg_player *gb_agg_player_at(const gb_agg *a, uint32_t slot);

/* Name of game index i (as in gb_agg_player.preferred_game). */
const char *gb_agg_game_name(const gb_agg *a, int index);

/* Events counted per type. */
uint64_t gb_agg_type_count(const gb_agg *a, gb_event_type type);

/* Events later than the allowed lateness (GB_AGG_COUNT only), kept out of the cube. */
uint64_t gb_agg_events_late(const gb_agg *a);

/* The shard's stats cube; NULL when the configuration keeps none. Read it under the shard's
 * lock while the shard runs (gb_shard_with_state). */
const gb_cube *gb_agg_cube(const gb_agg *a);
/* The same, to change (a merged aggregator's cube is put in canonical order and saved). */
gb_cube *gb_agg_cube_mut(gb_agg *a);

/* Adds src's game and type counters, late events and cube into dst (player state is not
 * merged: it is per shard). */
int gb_agg_merge(gb_agg *dst, const gb_agg *src, gb_err *err);

/* a's counters (games, event types, late events) and stats cube as bytes (engine/agg/
 * gb_agg_wire.c documents the layout) into *out (malloc'd, the caller frees it) and *len: what
 * a `gamebench engine` shard publishes for the simulator's results (docs/kafka.md). Player
 * state is not included. GB_ERR_RUNTIME when out of memory. */
int gb_agg_encode_counts(const gb_agg *a, uint8_t **out, size_t *len, gb_err *err);

/* Adds counters encoded by gb_agg_encode_counts (len bytes at buf) into dst, as gb_agg_merge
 * does; what names the source in errors. GB_ERR_INPUT naming what is wrong (not aggregates,
 * version, truncated, a cube where dst keeps none or the reverse, another cube configuration):
 * dst is then unchanged; GB_ERR_RUNTIME when out of memory. */
int gb_agg_merge_encoded(gb_agg *dst, const void *buf, size_t len, const char *what, gb_err *err);

/* Games in the table, in first-seen order; *n set to the count. */
const gb_agg_game *gb_agg_games(const gb_agg *a, size_t *n);

#endif
