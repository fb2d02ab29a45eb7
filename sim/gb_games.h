/* gb_games: the card/board-game platform model (Golden Island-style): the games, their table
 * sizes and round durations, the rooms (bet tiers with minimum balances) and the rake.
 * Constant data, documented in docs/simulator.md; the player simulator draws from it. */
#ifndef GB_GAMES_H
#define GB_GAMES_H

#include <stddef.h>
#include <stdint.h>

typedef struct gb_game_model {
  const char *name;    /* wire name, e.g. "dou_dizhu" */
  int table_size;      /* players per table */
  double round_mean_s; /* mean round duration, sim seconds */
  double popularity;   /* share of players who prefer it (the shares sum to 1) */
} gb_game_model;

typedef struct gb_room_model {
  const char *name;    /* "novice", … */
  int64_t bet;         /* coins staked per round */
  int64_t min_balance; /* coins needed to sit down */
} gb_room_model;

/* The games, in a fixed order (indices are stable within a version). */
const gb_game_model *gb_games(size_t *n);

/* The rooms, ascending by bet. */
const gb_room_model *gb_rooms(size_t *n);

/* The house's share of a winner's gain (fraction). */
double gb_games_rake(void);

/* Index of the game named name, or -1. */
int gb_games_find(const char *name);

#endif
