/* gb_catalog_gen_int.h: the generator's private parts, shared by its two files: the plan and
 * the drawn definitions (gb_catalog_gen.c), and their YAML (gb_catalog_gen_write.c). */
#ifndef GB_CATALOG_GEN_INT_H
#define GB_CATALOG_GEN_INT_H

#include <stddef.h>
#include <stdint.h>

#include "gb_catalog_gen.h"

/* Player level bands. The simulator's levels at game_end split about 22 / 30 / 29 / 19 % over
 * them (levels grow with the square root of the rounds played). `room` is the room such players
 * mostly sit in (an index into the caller's rooms, clamped): earn targets are in its bets. Reward
 * bases grow with the band because balances do: 300 coins move a newcomer, not a veteran. */
typedef struct band {
  int lo, hi; /* levels, inclusive; hi 0 = no upper bound */
  double reward_base;
  size_t room;
} band;

enum { N_BANDS = 4 };

/* The bands, ascending (gb_catalog_gen.c). */
extern const band gb_catalog_gen_bands[N_BANDS];

enum { MINUTE_S = 60, HOUR_S = 3600, DAY_S = 86400 }; /* seconds */

typedef enum goal {
  G_PLAY,     /* play N games */
  G_WIN,      /* win N games */
  G_STREAK,   /* win N games in a row (break_on a loss) */
  G_EARN,     /* win C coins (sum of coins_delta) within a window */
  G_HIGHBET,  /* play N games at the bet of a higher room */
  G_DAILY,    /* play N games a day for S days (daily streak) */
  G_TIMED,    /* play N games within a window */
  G_COMEBACK, /* broke players: win one game at the lowest bet */
  G_N
} goal;

typedef enum scope_kind { SCOPE_ANY, SCOPE_FAMILY, SCOPE_GAME } scope_kind;

typedef struct family {
  const char *name;
  double popularity; /* summed over its games */
  size_t games[GB_CATALOG_GEN_GAMES_MAX];
  size_t n_games;
} family;

typedef struct plan {
  const gb_catalog_gen_params *p;
  family families[GB_CATALOG_GEN_GAMES_MAX];
  size_t n_families;
  size_t n_any;
  size_t per_family[GB_CATALOG_GEN_GAMES_MAX];
  size_t per_game[GB_CATALOG_GEN_GAMES_MAX];
} plan;

typedef struct scope {
  scope_kind kind;
  size_t index; /* family or game index */
} scope;

typedef struct def {
  scope sc;
  size_t band_lo, band_hi;
  goal g;
  int n;          /* games or wins (count rules) */
  int days;       /* daily streak length */
  int64_t target; /* coins to win (G_EARN) */
  int64_t window_s;
  size_t room; /* G_HIGHBET: the room whose bet is the minimum */
  int64_t ttl_s;
  int64_t reward;
  double difficulty;
} def;

/* Balances below this many lowest bets count as broke (relief is 100 of them). */
enum { BROKE_BETS = 100 };

/* The definition at ordinal (file order), the j-th of its scope: drawn from its own random
 * stream (seed, ordinal). */
def gb_catalog_gen_draw(const plan *pl, scope sc, size_t j, size_t ordinal);

/* The whole catalogue as YAML (the comment, then the document) into *text and *len; -1 with
 * GB_ERR_RUNTIME when out of memory. */
int gb_catalog_gen_write(const plan *pl, char **text, size_t *len, gb_err *err);

#endif
