#include "gb_games.h"

#include <string.h>

/* Popularity follows the skew of Chinese card/board-game platforms: Dou Dizhu and the Mahjong
 * family lead; round durations are typical hand lengths (a Mahjong hand takes longer than a
 * Zhajinhua round). */
static const gb_game_model games[] = {
    {"dou_dizhu", 3, 300, 0.22},       {"pao_de_kuai", 3, 240, 0.12},
    {"sichuan_mahjong", 4, 600, 0.13}, {"guangdong_mahjong", 4, 600, 0.07},
    {"guobiao_mahjong", 4, 900, 0.04}, {"guandan", 4, 900, 0.10},
    {"big_two", 4, 300, 0.07},         {"zhajinhua", 5, 120, 0.09},
    {"texas_holdem", 6, 180, 0.07},    {"chinese_chess", 2, 900, 0.05},
    {"tractor", 4, 900, 0.02},         {"fight_the_landlord_duo", 2, 240, 0.02},
};

/* Each tier's minimum balance is 20 bets, so a player can lose a streak before dropping a tier. */
static const gb_room_model rooms[] = {
    {"novice", 10, 0},
    {"intermediate", 100, 2000},
    {"advanced", 1000, 20000},
    {"master", 10000, 200000},
};

const gb_game_model *gb_games(size_t *n) {
  *n = sizeof games / sizeof games[0];
  return games;
}

const gb_room_model *gb_rooms(size_t *n) {
  *n = sizeof rooms / sizeof rooms[0];
  return rooms;
}

/* 5 %: the common rake of the platforms modelled. */
double gb_games_rake(void) { return 0.05; }

int gb_games_find(const char *name) {
  for (size_t i = 0; i < sizeof games / sizeof games[0]; i++)
    if (strcmp(games[i].name, name) == 0)
      return (int)i;
  return -1;
}
