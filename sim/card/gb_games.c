#include "gb_games.h"

#include <math.h>
#include <string.h>

/* Popularity follows the skew of Chinese card/board-game platforms: Dou Dizhu and the Mahjong
 * family lead; round durations are typical hand lengths (a Mahjong hand takes longer than a
 * Zhajinhua round). Families are the usual kinds: climbing (shedding) card games, mahjong variants,
 * poker, board and trick-taking games. */
static const gb_game_model games[] = {
    {"dou_dizhu", 3, 300, 0.22, "climbing"},
    {"pao_de_kuai", 3, 240, 0.12, "climbing"},
    {"sichuan_mahjong", 4, 600, 0.13, "mahjong"},
    {"guangdong_mahjong", 4, 600, 0.07, "mahjong"},
    {"guobiao_mahjong", 4, 900, 0.04, "mahjong"},
    {"guandan", 4, 900, 0.10, "climbing"},
    {"big_two", 4, 300, 0.07, "climbing"},
    {"zhajinhua", 5, 120, 0.09, "poker"},
    {"texas_holdem", 6, 180, 0.07, "poker"},
    {"chinese_chess", 2, 900, 0.05, "board"},
    {"tractor", 4, 900, 0.02, "trick_taking"},
    {"fight_the_landlord_duo", 2, 240, 0.02, "climbing"},
};

/* Each tier's minimum balance is 20 bets, so a player can lose a streak before dropping a tier.
 * The rake is 5 % for the small tiers and lower for high rollers, as on the platforms modelled. */
static const gb_room_model rooms[] = {
    {"novice", 10, 0, 0.05},
    {"intermediate", 100, 2000, 0.05},
    {"advanced", 1000, 20000, 0.04},
    {"master", 10000, 200000, 0.03},
};

/* The usual app-store price points (6 to 648 yuan); larger packs carry a bonus. */
static const gb_coin_pack packs[] = {
    {"coins_6", 600, 6000},       {"coins_30", 3000, 33000},    {"coins_98", 9800, 110000},
    {"coins_198", 19800, 230000}, {"coins_328", 32800, 390000}, {"coins_648", 64800, 800000},
};

/* Starting grant and relief in novice-bet units: 500 and 100 bets; relief three times a day is
 * the common rule. XP: a player at 10 rounds a day reaches level 10 in about two months. */
static const gb_economy economy = {
    .starting_coins = 5000,
    .relief_coins = 1000,
    .relief_per_day = 3,
    .xp_per_game = 10,
    .xp_per_win = 5,
    .xp_per_level_sq = 50,
};

const gb_game_model *gb_games(size_t *n) {
  *n = sizeof games / sizeof games[0];
  return games;
}

const gb_room_model *gb_rooms(size_t *n) {
  *n = sizeof rooms / sizeof rooms[0];
  return rooms;
}

const gb_coin_pack *gb_coin_packs(size_t *n) {
  *n = sizeof packs / sizeof packs[0];
  return packs;
}

const gb_economy *gb_games_economy(void) { return &economy; }

int gb_games_find(const char *name) {
  for (size_t i = 0; i < sizeof games / sizeof games[0]; i++)
    if (strcmp(games[i].name, name) == 0)
      return (int)i;
  return -1;
}

double gb_games_round_seconds(const gb_game_model *g, gb_rng *rng) {
  return 0.5 * g->round_mean_s + gb_rng_exponential(rng, 0.5 * g->round_mean_s);
}

int32_t gb_games_level(int64_t xp) {
  return 1 + (int32_t)sqrt((double)xp / (double)economy.xp_per_level_sq);
}
