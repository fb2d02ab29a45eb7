/* gb_agg's internals, shared by gb_agg.c (player state, counters) and gb_agg_cube.c (the stats
 * cube's ingest). */
#ifndef GB_AGG_INT_H
#define GB_AGG_INT_H

#include "gb_agg.h"
#include "gb_features.h"

/* Codes of the cube's values that would otherwise be interned on every event: by event type,
 * by game index, by arm, by level band (0: not interned yet; no value of these is the empty
 * one). */
enum { AGG_LEVEL_BANDS_CACHED = 128 /* bands beyond are formatted and interned each time */ };

typedef struct agg_cube_codes {
  int dim_of[GB_AGG_DIM__COUNT]; /* the cube's dimension index of each gb_agg_dim, -1 if not kept */
  uint32_t type[GB_EV__COUNT];
  uint32_t game[GB_AGG_GAMES_MAX];
  uint32_t *arm;                               /* [gb_arms_count] */
  uint32_t level_band[AGG_LEVEL_BANDS_CACHED]; /* by level / engine.aggregates.level_band */
} agg_cube_codes;

/* The preferred game is the most played one. Exact counts for every game would cost 64 counters
 * per player; a Misra-Gries summary of 4 entries finds any game played in more than 1/5 of a
 * player's games (and a preference is far stronger than that) in 12 bytes. */
enum { HEAVY_HITTERS = 4 };

typedef struct player_counts {
  uint8_t game[HEAVY_HITTERS];
  uint16_t count[HEAVY_HITTERS]; /* 0 = free entry */
} player_counts;

/* Everything the aggregator keeps about one player, together: a game event touches both parts,
 * and with 10^5 players one record costs a cache miss or two, not two arrays' worth. */
typedef struct player_rec {
  gb_agg_player features;
  player_counts counts;
  int64_t watermark_ts; /* the latest event time seen from the player (sim ms) */
  int8_t last_game;     /* index of the player's latest game, -1 before any: a game_end follows
                           its game_start, and players favour one game, so most lookups stop here */
  bool seen; /* updated at least once: the zeroed record of a slot not used yet is no state */
} player_rec;

struct gb_agg {
  gb_agg_game games[GB_AGG_GAMES_MAX];
  size_t n_games;
  uint64_t other_games; /* game_end events beyond the table */
  uint64_t type_counts[GB_EV__COUNT];
  player_rec *players;
  size_t cap;
  gb_agg_config cfg;
  uint64_t events_late;
  gb_features *features; /* the decision-time features (gb_agg_features) */
  gb_cube *cube;         /* NULL when not kept */
  agg_cube_codes codes;  /* the cube's codes of values seen often, to skip the interning */
};

/* Creates the cube the configuration asks for (a->cfg.cube.keep). */
int gb_agg_cube_init(gb_agg *a, gb_err *err);
void gb_agg_cube_free(gb_agg *a);

/* Puts a live event into the cube, or counts it late (rec: its player's state, after the
 * event; game_index: of a game event, else -1; watermark: the player's before the event). */
void gb_agg_cube_add(gb_agg *a, const player_rec *rec, const gb_event *ev, int game_index,
                     int64_t watermark);

#endif
