/* gb_games: the card/board-game platform model (Golden Island-style): the games, their table
 * sizes and round durations, the rooms (bet tiers with minimum balances and a rake), the coin
 * economy (starting grant, bankruptcy relief, coin packs) and levels.
 * Constant data, documented in docs/simulator.md; the player simulator draws from it. */
#ifndef GB_GAMES_H
#define GB_GAMES_H

#include <stddef.h>
#include <stdint.h>

#include "gb_rng.h"

typedef struct gb_game_model {
  const char *name;    /* wire name, e.g. "dou_dizhu" */
  int table_size;      /* players per table */
  double round_mean_s; /* mean round duration, sim seconds */
  double popularity;   /* share of players whose favourite it is (the shares sum to 1) */
  const char *family;  /* the kind of game, e.g. "mahjong": operators run challenges across a
                          family (gamebench catalog generate); a family of one is just its game */
} gb_game_model;

typedef struct gb_room_model {
  const char *name;    /* "novice", … */
  int64_t bet;         /* coins staked per round */
  int64_t min_balance; /* coins needed to sit down */
  double rake;         /* the house's share of a winner's gain (fraction) */
} gb_room_model;

/* A coin pack on sale: price in CNY fen (1/100 yuan), coins granted. */
typedef struct gb_coin_pack {
  const char *sku;
  int64_t price_fen;
  int64_t coins;
} gb_coin_pack;

typedef struct gb_economy {
  int64_t starting_coins;  /* granted at install */
  int64_t relief_coins;    /* bankruptcy relief: granted when a player cannot afford a bet... */
  int relief_per_day;      /* ...at most this many times per local day */
  int64_t xp_per_game;     /* XP for every round played… */
  int64_t xp_per_win;      /* …plus this for a win */
  int64_t xp_per_level_sq; /* level = 1 + floor(sqrt(xp / xp_per_level_sq)) */
} gb_economy;

/* The games, in a fixed order (indices are stable within a version). */
const gb_game_model *gb_games(size_t *n);

/* The rooms, ascending by bet. */
const gb_room_model *gb_rooms(size_t *n);

/* The coin packs, ascending by price. */
const gb_coin_pack *gb_coin_packs(size_t *n);

/* The economy's constants. */
const gb_economy *gb_games_economy(void);

/* Index of the game named name, or -1. */
int gb_games_find(const char *name);

/* A round's duration in sim seconds: half the game's mean, plus an exponential with the other
 * half as its mean (no round is instant, some drag on). */
double gb_games_round_seconds(const gb_game_model *g, gb_rng *rng);

/* The level reached with xp experience points (>= 0): 1, 2, ... */
int32_t gb_games_level(int64_t xp);

#endif
