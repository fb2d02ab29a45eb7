/* gb_agg: the stats aggregator of one engine shard.
 *
 * It keeps per-game counters (games, wins, bets, coin flow) and per-event-type counts for the
 * run's aggregates, and the per-player features the matcher's eligibility predicates and the
 * recommender read: level, coin balance, preferred game (most played), first-seen time.
 * Player state is indexed by slot (see gb_idmap). Shards are merged at the end in shard order. */
#ifndef GB_AGG_H
#define GB_AGG_H

#include <stdint.h>
#include <stdio.h>

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

/* A new aggregator with room for expected_players players (a sizing hint: more may come).
 * Returns 0, or -1 with GB_ERR_RUNTIME when out of memory. */
int gb_agg_new(size_t expected_players, gb_agg **out, gb_err *err);
void gb_agg_free(gb_agg *a);

typedef enum gb_agg_mode {
  GB_AGG_COUNT,     /* a live event: the player's state and the run's counters */
  GB_AGG_STATE_ONLY /* a replayed event (counted when it was first processed): the player's
                       state only, as it was rebuilt then */
} gb_agg_mode;

/* Folds ev into the state of the player at slot and, with GB_AGG_COUNT, into the counters.
 * Allocation happens only when a slot beyond the room so far appears; it cannot fail: a failed
 * growth stops the program (hot path, gb_grow.h). */
void gb_agg_update(gb_agg *a, uint32_t slot, const gb_event *ev, gb_agg_mode mode);

/* Starts loading the state of the player at slot (any slot), so that the memory access overlaps
 * the caller's other work before gb_agg_update reads it. A hint only: no effect on results. */
void gb_agg_prefetch(const gb_agg *a, uint32_t slot);

/* The player's features (slot must have been updated at least once). */
const gb_agg_player *gb_agg_player_at(const gb_agg *a, uint32_t slot);

/* Name of game index i (as in gb_agg_player.preferred_game). */
const char *gb_agg_game_name(const gb_agg *a, int index);

/* Events counted per type. */
uint64_t gb_agg_type_count(const gb_agg *a, gb_event_type type);

/* Adds src's game and type counters into dst (player state is not merged: it is per shard). */
int gb_agg_merge(gb_agg *dst, const gb_agg *src, gb_err *err);

/* Games in the table, in first-seen order; *n set to the count. */
const gb_agg_game *gb_agg_games(const gb_agg *a, size_t *n);

#endif
