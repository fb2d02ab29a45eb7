#include <criterion/criterion.h>
#include <string.h>

#include "gb_agg.h"

static gb_event game_end(const char *game, int64_t bet, bool won, int64_t delta, int64_t balance,
                         int32_t level) {
  gb_event ev;
  gb_event_init(&ev);
  ev.type = GB_EV_GAME_END;
  ev.ts = 1000;
  strcpy(ev.u.game.game, game);
  ev.u.game.bet = bet;
  ev.u.game.won = won;
  ev.u.game.coins_delta = delta;
  ev.u.game.coin_balance = balance;
  ev.u.game.level = level;
  return ev;
}

Test(agg, counts_games_and_tracks_player_features) {
  gb_agg *a = NULL;
  cr_assert_eq(gb_agg_new(&a, NULL), 0);
  gb_event e1 = game_end("doudizhu", 100, true, 90, 1090, 3);
  gb_event e2 = game_end("mahjong", 50, false, -50, 1040, 3);
  gb_event e3 = game_end("doudizhu", 100, false, -100, 940, 4);
  cr_assert_eq(gb_agg_update(a, 0, &e1), 0);
  cr_assert_eq(gb_agg_update(a, 0, &e2), 0);
  cr_assert_eq(gb_agg_update(a, 0, &e3), 0);
  size_t n;
  const gb_agg_game *g = gb_agg_games(a, &n);
  cr_assert_eq(n, 2);
  cr_assert_str_eq(g[0].name, "doudizhu");
  cr_assert_eq(g[0].games_ended, 2);
  cr_assert_eq(g[0].wins, 1);
  cr_assert_eq(g[0].bets_total, 200);
  cr_assert_eq(g[0].coins_delta_total, -10);
  const gb_agg_player *p = gb_agg_player_at(a, 0);
  cr_assert_eq(p->coin_balance, 940);
  cr_assert_eq(p->level, 4);
  cr_assert_eq(p->first_seen_ts, 1000);
  cr_assert_str_eq(gb_agg_game_name(a, p->preferred_game), "doudizhu");
  cr_assert_eq(gb_agg_type_count(a, GB_EV_GAME_END), 3);
  gb_agg_free(a);
}

Test(agg, preferred_game_survives_many_other_games) {
  gb_agg *a = NULL;
  cr_assert_eq(gb_agg_new(&a, NULL), 0);
  const char *others[] = {"g1", "g2", "g3", "g4", "g5", "g6", "g7"};
  for (int i = 0; i < 700; i++) {
    /* every other game is the favourite; the rest rotate through 7 other games */
    gb_event ev = game_end(i % 2 ? "guandan" : others[(i / 2) % 7], 10, false, -10, 100, 1);
    gb_agg_update(a, 5, &ev);
  }
  const gb_agg_player *p = gb_agg_player_at(a, 5);
  cr_assert_str_eq(gb_agg_game_name(a, p->preferred_game), "guandan");
  gb_agg_free(a);
}

Test(agg, merge_adds_counters_by_game_name) {
  gb_agg *a = NULL, *b = NULL;
  gb_agg_new(&a, NULL);
  gb_agg_new(&b, NULL);
  gb_event e1 = game_end("mahjong", 10, true, 9, 100, 1);
  gb_event e2 = game_end("bigtwo", 20, false, -20, 100, 1);
  gb_event e3 = game_end("mahjong", 30, false, -30, 100, 1);
  gb_agg_update(a, 0, &e1);
  gb_agg_update(b, 0, &e2);
  gb_agg_update(b, 1, &e3);
  cr_assert_eq(gb_agg_merge(a, b, NULL), 0);
  size_t n;
  const gb_agg_game *g = gb_agg_games(a, &n);
  cr_assert_eq(n, 2);
  cr_assert_str_eq(g[0].name, "mahjong");
  cr_assert_eq(g[0].games_ended, 2);
  cr_assert_eq(g[0].bets_total, 40);
  cr_assert_str_eq(g[1].name, "bigtwo");
  cr_assert_eq(gb_agg_type_count(a, GB_EV_GAME_END), 3);
  gb_agg_free(a);
  gb_agg_free(b);
}
