/* gb_catalog_gen: a seeded generator of realistic challenge catalogues, written in the catalogue
 * format gb_catalog_load reads (docs/matcher.md). `gamebench catalog generate` is its command;
 * docs/workloads.md ("Generated catalogues") documents every rule below with its reason.
 *
 * What it generates, for `count` definitions over the given games and rooms:
 * - scopes: count / 10 any-game challenges (criteria on every game_end), count / 10 family
 *   challenges (a `game: {in: [...]}` over a family of two or more games: "Play 5 mahjong
 *   games"), and the rest about one game each: first up to 4 per game, then the remainder in
 *   proportion to the games' popularity (largest remainders, ties to the earlier game); family
 *   challenges are split between families the same way by their summed popularity;
 * - level bands: every challenge targets one band of player levels (1-5, 6-15, 16-30, 31+),
 *   cycling through the bands within its scope, and a quarter of them span the next band too.
 *   Eligibility at a game_end is thus by game (or family) and level band, which keeps a
 *   decision's candidates to a realistic handful: over the simulator's games, 200 definitions
 *   give 2 to 19 per game_end (8.5 on average in workloads/algorithms.yaml), and up to 250 never
 *   more than the GB_DECISION_CANDIDATES_MAX = 32 a decision record keeps (from about 300 on,
 *   some game_ends exceed it);
 * - goal kinds the matcher supports: play N games, win N games, N wins in a row (break_on), win
 *   C coins (sum of coins_delta within a window), play N at a bet of a higher room, play N a day
 *   for S days (daily streak), play N within a window; and, from 80 definitions on, one
 *   comeback offer per band (win a game at the lowest bet, for balances under 100 such bets);
 * - difficulty from the goal's hardness (more games, wins in a row, higher rooms are harder),
 *   rewards growing with difficulty and with the band (veterans hold more coins), TTLs of one
 *   hour to three days.
 * Each definition draws from its own random stream (seed, ordinal), so the same parameters and
 * seed give the same bytes on every machine. No global state; thread-safe. */
#ifndef GB_CATALOG_GEN_H
#define GB_CATALOG_GEN_H

#include <stddef.h>
#include <stdint.h>

#include "gb_err.h"

enum {
  GB_CATALOG_GEN_MAX = 10000,    /* most definitions one call generates */
  GB_CATALOG_GEN_GAMES_MAX = 64, /* most games */
  GB_CATALOG_GEN_ROOMS_MAX = 16, /* most rooms */
  GB_CATALOG_GEN_NAME_MAX = 23   /* longest game, family or room name (GB_GAME_MAX) */
};

/* One game of the platform. */
typedef struct gb_catalog_gen_game {
  const char *name;   /* wire name, 1 .. GB_CATALOG_GEN_NAME_MAX bytes of [a-z0-9_], unique */
  double popularity;  /* > 0, finite: relative share of players (more challenges for more fans) */
  const char *family; /* kind of game ("mahjong"), same rules as name; NULL: a family of its own.
                         Families of one game get no family challenges. */
} gb_catalog_gen_game;

/* One room (bet tier) of the platform, in ascending order of bets. */
typedef struct gb_catalog_gen_room {
  const char *name; /* "novice", same rules as a game's name */
  int64_t bet;      /* coins staked per round, 1 .. 10^9, strictly ascending across rooms */
} gb_catalog_gen_room;

typedef struct gb_catalog_gen_params {
  size_t count;  /* definitions, 1 .. GB_CATALOG_GEN_MAX */
  uint64_t seed; /* any value: same parameters and seed, same bytes */
  const gb_catalog_gen_game *games;
  size_t n_games; /* 1 .. GB_CATALOG_GEN_GAMES_MAX */
  const gb_catalog_gen_room *rooms;
  size_t n_rooms; /* 1 .. GB_CATALOG_GEN_ROOMS_MAX; with one room, no higher-room challenges */
} gb_catalog_gen_params;

/* Generates the catalogue as YAML text: a comment naming the parameters, then a mapping with
 * `name`, `description` and `definitions` (ids c001_…, in order: any-game, family, then each
 * game's in the order of p->games). Sets *text (heap, NUL-terminated; the caller frees it) and
 * *len (bytes, without the NUL). Returns 0, or -1 with GB_ERR_INPUT naming the parameter that is
 * out of range (count, games[i].name, games[i].popularity, rooms[i].bet, ...) or GB_ERR_RUNTIME
 * when out of memory; *text and *len are then unchanged. */
int gb_catalog_gen_yaml(const gb_catalog_gen_params *p, char **text, size_t *len, gb_err *err);

#endif
