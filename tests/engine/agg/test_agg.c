#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "gb_agg.h"
#include "gb_features.h"
#include "gb_test_support.h"

static gb_event game_end(const char *game, int64_t bet, bool won, int64_t delta, int64_t balance,
                         int32_t level) {
  gb_event ev;
  gb_event_init(&ev);
  ev.type = GB_EV_GAME_END;
  ev.ts = 1000;
  GBT_SET(ev.u.game.game, game);
  ev.u.game.bet = bet;
  ev.u.game.won = won;
  ev.u.game.coins_delta = delta;
  ev.u.game.coin_balance = balance;
  ev.u.game.level = level;
  return ev;
}

Test(agg, counts_games_and_tracks_player_features) {
  gb_agg *a = NULL;
  cr_assert_eq(gb_agg_new(&(gb_agg_config){.expected_players = 4}, &a, NULL), 0);
  gb_event e1 = game_end("doudizhu", 100, true, 90, 1090, 3);
  gb_event e2 = game_end("mahjong", 50, false, -50, 1040, 3);
  gb_event e3 = game_end("doudizhu", 100, false, -100, 940, 4);
  gb_agg_update(a, 0, &e1, GB_AGG_COUNT);
  gb_agg_update(a, 0, &e2, GB_AGG_COUNT);
  gb_agg_update(a, 0, &e3, GB_AGG_COUNT);
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
  cr_assert_eq(gb_agg_new(&(gb_agg_config){.expected_players = 4}, &a, NULL), 0);
  const char *others[] = {"g1", "g2", "g3", "g4", "g5", "g6", "g7"};
  for (int i = 0; i < 700; i++) {
    /* every other game is the favourite; the rest rotate through 7 other games */
    gb_event ev = game_end(i % 2 ? "guandan" : others[(i / 2) % 7], 10, false, -10, 100, 1);
    gb_agg_update(a, 5, &ev, GB_AGG_COUNT);
  }
  const gb_agg_player *p = gb_agg_player_at(a, 5);
  cr_assert_str_eq(gb_agg_game_name(a, p->preferred_game), "guandan");
  gb_agg_free(a);
}

Test(agg, merge_adds_counters_by_game_name) {
  gb_agg *a = NULL, *b = NULL;
  gb_agg_new(&(gb_agg_config){.expected_players = 4}, &a, NULL);
  gb_agg_new(&(gb_agg_config){.expected_players = 4}, &b, NULL);
  gb_event e1 = game_end("mahjong", 10, true, 9, 100, 1);
  gb_event e2 = game_end("bigtwo", 20, false, -20, 100, 1);
  gb_event e3 = game_end("mahjong", 30, false, -30, 100, 1);
  gb_agg_update(a, 0, &e1, GB_AGG_COUNT);
  gb_agg_update(b, 0, &e2, GB_AGG_COUNT);
  gb_agg_update(b, 1, &e3, GB_AGG_COUNT);
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

/* A replayed event rebuilds the player's state as it was, and counts nothing a second time. */
Test(agg, state_only_rebuilds_the_player_without_counting) {
  gb_agg *live = NULL, *replayed = NULL;
  cr_assert_eq(gb_agg_new(&(gb_agg_config){.expected_players = 4}, &live, NULL), 0);
  cr_assert_eq(gb_agg_new(&(gb_agg_config){.expected_players = 4}, &replayed, NULL), 0);
  gb_event evs[] = {game_end("mahjong", 10, true, 9, 109, 2),
                    game_end("bigtwo", 20, false, -20, 89, 2),
                    game_end("mahjong", 30, false, -30, 59, 3)};
  for (size_t i = 0; i < 3; i++) {
    gb_agg_update(live, 1, &evs[i], GB_AGG_COUNT);
    gb_agg_update(replayed, 1, &evs[i], GB_AGG_STATE_ONLY);
  }
  const gb_agg_player *a = gb_agg_player_at(live, 1), *b = gb_agg_player_at(replayed, 1);
  cr_assert_eq(b->coin_balance, 59);
  cr_assert_eq(b->level, 3);
  cr_assert_eq(b->first_seen_ts, 1000);
  cr_assert_eq(memcmp(a, b, sizeof *a), 0, "the same player state");
  cr_assert_str_eq(gb_agg_game_name(replayed, b->preferred_game), "mahjong");
  cr_assert_eq(gb_agg_type_count(replayed, GB_EV_GAME_END), 0);
  size_t n;
  const gb_agg_game *g = gb_agg_games(replayed, &n);
  cr_assert_eq(n, 2, "the games are known (the preferred game is an index)");
  for (size_t i = 0; i < n; i++)
    cr_assert(g[i].games_ended == 0 && g[i].wins == 0 && g[i].bets_total == 0 &&
                  g[i].coins_delta_total == 0,
              "%s counted", g[i].name);
  gb_agg_free(live);
  gb_agg_free(replayed);
}

/* Players beyond the pre-sized room: the state grows (the hot path's rule: pre-size, grow by
 * doubling, never skip), and every player's state is its own. */
Test(agg, players_beyond_the_expected_grow_the_state) {
  gb_agg *a = NULL;
  cr_assert_eq(gb_agg_new(&(gb_agg_config){.expected_players = 1}, &a, NULL), 0);
  for (uint32_t slot = 0; slot < 5000; slot += 7) {
    gb_event ev = game_end("mahjong", 10, true, 9, 1000 + slot, 1 + (int32_t)(slot % 50));
    gb_agg_update(a, slot, &ev, GB_AGG_COUNT);
  }
  for (uint32_t slot = 0; slot < 5000; slot += 7) {
    cr_assert_eq(gb_agg_player_at(a, slot)->coin_balance, 1000 + slot);
    cr_assert_eq(gb_agg_player_at(a, slot)->level, 1 + (int32_t)(slot % 50));
  }
  cr_assert_eq(gb_agg_type_count(a, GB_EV_GAME_END), 715);
  gb_agg_free(a);
}

/* The decision-time features fold every event, live or replayed, and are read as of before the
 * decision: what gb_agg_features gives is what was folded so far. */
Test(agg, features_fold_live_and_replayed_events_alike) {
  gb_agg *live = NULL, *replayed = NULL;
  cr_assert_eq(gb_agg_new(&(gb_agg_config){.expected_players = 4}, &live, NULL), 0);
  cr_assert_eq(gb_agg_new(&(gb_agg_config){0}, &replayed, NULL), 0);
  gb_feature_vec f;
  gb_agg_features(live, 2, 1000, 0, &f);
  cr_assert_not(f.known, "nothing folded yet");
  cr_assert_eq(f.x[GB_FEAT_DAYS_SINCE_LAST_PURCHASE], -1);
  for (int i = 0; i < 3; i++) {
    gb_event ev = game_end("doudizhu", 10, i != 1, i != 1 ? 9 : -10, 100, 1);
    ev.ts = 1000 + i;
    ev.session_id = 5;
    gb_agg_update(live, 2, &ev, GB_AGG_COUNT);
    gb_agg_update(replayed, 2, &ev, GB_AGG_STATE_ONLY);
  }
  gb_feature_vec g;
  gb_agg_features(live, 2, 2000, 0, &f);
  gb_agg_features(replayed, 2, 2000, 0, &g);
  cr_assert(f.known);
  cr_assert_eq(f.x[GB_FEAT_SESSION_GAMES], 3);
  cr_assert_float_eq(f.x[GB_FEAT_SESSION_WIN_RATIO], 2.0 / 3, 1e-12);
  cr_assert_eq(f.x[GB_FEAT_FAVOURITE_GAME_SHARE], 1);
  cr_assert_eq(memcmp(f.x, g.x, sizeof f.x), 0, "replays rebuild the same features");
  cr_assert_eq(gb_agg_type_count(replayed, GB_EV_GAME_END), 0);
  gb_agg_free(live);
  gb_agg_free(replayed);
}

/* The counters as bytes (how separate engines send them): merged from the bytes, they are what
 * gb_agg_merge gives, the cube included; damaged bytes are refused and change nothing. */
Test(agg, encoded_counts_merge_like_the_aggregator_itself) {
  gb_agg_config cfg = {.expected_players = 4, .cube = gb_agg_cube_defaults()};
  gb_agg *src = NULL, *direct = NULL, *wire = NULL;
  cr_assert_eq(gb_agg_new(&cfg, &src, NULL), 0);
  cr_assert_eq(gb_agg_new(&cfg, &direct, NULL), 0);
  cr_assert_eq(gb_agg_new(&cfg, &wire, NULL), 0);
  gb_event e1 = game_end("mahjong", 10, true, 9, 100, 1);
  gb_event e2 = game_end("bigtwo", 20, false, -20, 100, 1);
  gb_event e3 = game_end("mahjong", 30, false, -30, 100, 1);
  e3.ts = 61000; /* another bucket */
  gb_agg_update(src, 0, &e1, GB_AGG_COUNT);
  gb_agg_update(src, 1, &e2, GB_AGG_COUNT);
  gb_agg_update(src, 1, &e3, GB_AGG_COUNT);
  uint8_t *bytes = NULL;
  size_t len = 0;
  cr_assert_eq(gb_agg_encode_counts(src, &bytes, &len, NULL), 0);
  gb_err err = {0};
  cr_assert_eq(gb_agg_merge_encoded(wire, bytes, len, "test", &err), 0, "%s", err.msg);
  cr_assert_eq(gb_agg_merge_encoded(wire, bytes, len, "test", &err), 0, "%s", err.msg);
  cr_assert_eq(gb_agg_merge(direct, src, NULL), 0);
  cr_assert_eq(gb_agg_merge(direct, src, NULL), 0);
  size_t nw, nd;
  const gb_agg_game *gw = gb_agg_games(wire, &nw), *gd = gb_agg_games(direct, &nd);
  cr_assert_eq(nw, 2);
  cr_assert_eq(nw, nd);
  cr_assert_eq(memcmp(gw, gd, nw * sizeof *gw), 0, "the same game rows");
  cr_assert_eq(gb_agg_type_count(wire, GB_EV_GAME_END), 6);
  cr_assert_eq(gb_cube_events(gb_agg_cube(wire)), 6);
  uint8_t *cw = NULL, *cd = NULL;
  size_t lw = 0, ld = 0;
  cr_assert_eq(gb_cube_canonicalize(gb_agg_cube_mut(wire), NULL), 0);
  cr_assert_eq(gb_cube_canonicalize(gb_agg_cube_mut(direct), NULL), 0);
  cr_assert_eq(gb_cube_encode(gb_agg_cube(wire), &cw, &lw, NULL), 0);
  cr_assert_eq(gb_cube_encode(gb_agg_cube(direct), &cd, &ld, NULL), 0);
  cr_assert(lw == ld && memcmp(cw, cd, lw) == 0, "the same cube");
  /* truncated anywhere, or with a byte too many: refused, naming the source; nothing added */
  for (size_t cut = 0; cut < len; cut += 7) {
    cr_assert_eq(gb_agg_merge_encoded(wire, bytes, cut, "engine 7/0", &err), -1, "cut at %zu", cut);
    cr_assert_not_null(strstr(err.msg, "engine 7/0"), "%s", err.msg);
  }
  uint8_t *longer = malloc(len + 1);
  memcpy(longer, bytes, len);
  longer[len] = 0;
  cr_assert_eq(gb_agg_merge_encoded(wire, longer, len + 1, "x", &err), -1);
  cr_assert_eq(gb_agg_type_count(wire, GB_EV_GAME_END), 6, "a refused message changes nothing");
  cr_assert_eq(gb_cube_events(gb_agg_cube(wire)), 6);
  /* a cube where the receiving workload keeps none */
  gb_agg *bare = NULL;
  cr_assert_eq(gb_agg_new(&(gb_agg_config){.expected_players = 4}, &bare, NULL), 0);
  cr_assert_eq(gb_agg_merge_encoded(bare, bytes, len, "x", &err), -1);
  cr_assert_not_null(strstr(err.msg, "stats cube"), "%s", err.msg);
  free(longer);
  free(cw);
  free(cd);
  free(bytes);
  gb_agg_free(bare);
  gb_agg_free(src);
  gb_agg_free(direct);
  gb_agg_free(wire);
}
