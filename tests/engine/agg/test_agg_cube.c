/* The aggregator's stats cube: dimension values and values per event, event time and lateness. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gb_agg.h"
#include "gb_test_support.h"

static const int64_t M = 60000;
static const int64_t T0 = 1724112000000LL; /* 2024-08-20T00:00:00Z */

static gb_agg *new_agg(const gb_arms *arms, int64_t lateness_ms, const gb_agg_dim *dims,
                       size_t n_dims) {
  gb_agg_cube_config cc = gb_agg_cube_defaults();
  cc.allowed_lateness_ms = lateness_ms;
  cc.day_offset_min = 480;
  memcpy(cc.dims, dims, n_dims * sizeof *dims);
  cc.n_dims = n_dims;
  gb_agg *a;
  gb_err err = {0};
  cr_assert_eq(
      gb_agg_new(&(gb_agg_config){.expected_players = 4, .arms = arms, .cube = cc}, &a, &err), 0,
      "%s", err.msg);
  return a;
}

static gb_event event(gb_event_type type, int64_t ts, uint64_t player) {
  gb_event ev;
  gb_event_init(&ev);
  ev.type = type;
  ev.ts = ts;
  ev.player_id = player;
  GBT_SET(ev.platform, "ios");
  GBT_SET(ev.country, "CN");
  return ev;
}

static gb_event game_end(int64_t ts, uint64_t player, const char *game, int64_t delta,
                         int32_t level) {
  gb_event ev = event(GB_EV_GAME_END, ts, player);
  GBT_SET(ev.u.game.game, game);
  GBT_SET(ev.u.game.room, "novice");
  ev.u.game.coins_delta = delta;
  ev.u.game.level = level;
  return ev;
}

/* The one cell whose dimension values are vals (NULL: any), or fails. */
static gb_cube_cell cell_of(const gb_cube *c, int64_t bucket, const char *const *vals) {
  size_t n = gb_cube_config_of(c)->n_dims;
  for (size_t i = 0; i < gb_cube_cells(c); i++) {
    gb_cube_cell cell;
    gb_cube_cell_at(c, i, &cell);
    bool match = cell.bucket_start_ms == bucket;
    for (size_t d = 0; d < n && match; d++)
      match = !vals[d] || strcmp(gb_cube_value(c, d, cell.codes[d]), vals[d]) == 0;
    if (match)
      return cell;
  }
  cr_assert_fail("no such cell");
  return (gb_cube_cell){0};
}

Test(agg_cube, an_event_brings_its_dimension_values_and_its_value) {
  gb_arms *arms;
  gb_arm_spec spec[] = {{.name = "only", .algorithm = "random", .weight = 1}};
  cr_assert_eq(gb_arms_new(spec, 1, 7, &arms, NULL), 0);
  gb_agg_dim dims[] = {GB_AGG_DIM_TYPE,      GB_AGG_DIM_GAME,    GB_AGG_DIM_ROOM,
                       GB_AGG_DIM_PLATFORM,  GB_AGG_DIM_COUNTRY, GB_AGG_DIM_ARM,
                       GB_AGG_DIM_LEVEL_BAND};
  gb_agg *a = new_agg(arms, 0, dims, 7);
  gb_event e1 = game_end(T0 + 1000, 9, "poker", -2500, 17);
  gb_event e2 = game_end(T0 + 2000, 9, "poker", 4000, 19);
  gb_agg_update(a, 0, &e1, GB_AGG_COUNT);
  gb_agg_update(a, 0, &e2, GB_AGG_COUNT);
  const gb_cube *c = gb_agg_cube(a);
  cr_assert_eq(gb_cube_cells(c), 1);
  const char *vals[] = {"game_end", "poker", "novice", "ios", "CN", "only", "10"};
  gb_cube_cell cell = cell_of(c, T0, vals);
  cr_assert_eq(cell.count, 2);
  cr_assert_eq(cell.sum_milli, 1500000); /* coins_delta, in milli-coins */
  cr_assert_eq(cell.min_milli, -2500000);
  cr_assert_eq(gb_distinct_estimate(cell.players), 1.0);
  /* a purchase has no game, and its value is the amount */
  gb_event buy = event(GB_EV_PURCHASE, T0 + 3000, 9);
  buy.u.purchase.amount = 9.99;
  gb_agg_update(a, 0, &buy, GB_AGG_COUNT);
  const char *pv[] = {"purchase", "", "", "ios", "CN", "only", "10"};
  cell = cell_of(c, T0, pv);
  cr_assert_eq(cell.sum_milli, 9990);
  gb_agg_free(a);
  gb_arms_free(arms);
}

Test(agg_cube, late_events_are_counted_not_aggregated) {
  gb_agg_dim dims[] = {GB_AGG_DIM_TYPE};
  gb_agg *a = new_agg(NULL, 5 * M, dims, 1);
  gb_event now = game_end(T0 + 60 * M, 1, "poker", 1, 1);
  gb_event inside = game_end(T0 + 55 * M, 1, "poker", 1, 1);      /* exactly 5 min late: kept */
  gb_event outside = game_end(T0 + 55 * M - 1, 1, "poker", 1, 1); /* 1 ms more: late */
  gb_event other = game_end(T0 + 10 * M, 2, "poker", 1, 1);       /* another player's clock */
  gb_agg_update(a, 0, &now, GB_AGG_COUNT);
  gb_agg_update(a, 0, &inside, GB_AGG_COUNT);
  gb_agg_update(a, 0, &outside, GB_AGG_COUNT);
  gb_agg_update(a, 1, &other, GB_AGG_COUNT);
  cr_assert_eq(gb_agg_events_late(a), 1);
  const gb_cube *c = gb_agg_cube(a);
  cr_assert_eq(gb_cube_events(c), 3);
  const char *v[] = {"game_end"};
  cr_assert_eq(cell_of(c, T0 + 55 * M, v).count, 1);
  cr_assert_eq(cell_of(c, T0 + 60 * M, v).count, 1);
  cr_assert_eq(cell_of(c, T0 + 10 * M, v).count, 1);
  /* a late event still moves the watermark no further back: the next on-time event is kept */
  gb_event next = game_end(T0 + 61 * M, 1, "poker", 1, 1);
  gb_agg_update(a, 0, &next, GB_AGG_COUNT);
  cr_assert_eq(gb_cube_events(c), 4);
  gb_agg_free(a);
}

Test(agg_cube, replayed_events_change_state_not_the_cube) {
  gb_agg_dim dims[] = {GB_AGG_DIM_TYPE};
  gb_agg *a = new_agg(NULL, 0, dims, 1);
  gb_event e = game_end(T0 + 60 * M, 1, "poker", 1, 1);
  gb_agg_update(a, 0, &e, GB_AGG_STATE_ONLY);
  cr_assert_eq(gb_cube_events(gb_agg_cube(a)), 0);
  /* but the watermark moved: an event 1 ms older is late (lateness 0) */
  gb_event older = game_end(T0 + 60 * M - 1, 1, "poker", 1, 1);
  gb_agg_update(a, 0, &older, GB_AGG_COUNT);
  cr_assert_eq(gb_agg_events_late(a), 1);
  gb_agg_free(a);
}

Test(agg_cube, merged_shards_equal_one_aggregator) {
  gb_agg_dim dims[] = {GB_AGG_DIM_TYPE, GB_AGG_DIM_GAME};
  gb_agg *one = new_agg(NULL, 0, dims, 2), *s0 = new_agg(NULL, 0, dims, 2),
         *s1 = new_agg(NULL, 0, dims, 2);
  const char *games[] = {"poker", "mahjong"};
  for (int i = 0; i < 200; i++) {
    uint64_t player = (uint64_t)(i % 7);
    gb_event e = game_end(T0 + i * 1000, player, games[i % 2], i, 1);
    gb_agg_update(one, (uint32_t)player, &e, GB_AGG_COUNT);
    gb_agg_update(player % 2 ? s1 : s0, (uint32_t)player, &e, GB_AGG_COUNT);
  }
  gb_agg *merged = new_agg(NULL, 0, dims, 2);
  cr_assert_eq(gb_agg_merge(merged, s1, NULL), 0);
  cr_assert_eq(gb_agg_merge(merged, s0, NULL), 0);
  char p1[] = "/tmp/gb_agg_one_XXXXXX", p2[] = "/tmp/gb_agg_merged_XXXXXX";
  close(mkstemp(p1));
  close(mkstemp(p2));
  cr_assert_eq(gb_cube_save(gb_agg_cube_mut(one), p1, NULL), 0);
  cr_assert_eq(gb_cube_save(gb_agg_cube_mut(merged), p2, NULL), 0);
  char cmd[128];
  snprintf(cmd, sizeof cmd, "cmp -s %s %s", p1, p2);
  cr_assert_eq(system(cmd), 0);
  unlink(p1);
  unlink(p2);
  gb_agg_free(one);
  gb_agg_free(s0);
  gb_agg_free(s1);
  gb_agg_free(merged);
}

Test(agg_cube, bad_settings_name_the_key) {
  gb_agg_cube_config cc = gb_agg_cube_defaults();
  cc.bucket_ms = 7000;
  gb_agg *a = NULL;
  gb_err err = {0};
  cr_assert_eq(gb_agg_new(&(gb_agg_config){.cube = cc}, &a, &err), -1);
  cr_assert_eq(err.kind, GB_ERR_INPUT);
  cr_assert_str_eq(
      err.msg, "engine.aggregates.bucket: 7000 ms is not a divisor of a day between 1 s and 1 d");
  cr_assert_null(a);
}
