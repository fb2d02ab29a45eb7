/* Per-player progress: count, sum, window, TTL, daily resets at local midnight, streaks,
 * break_on, cancel and expiry. Events are fed the way the pipeline does: attrs -> matcher ->
 * progress. */
#include <criterion/criterion.h>
#include <string.h>

#include "gb_attrs.h"
#include "gb_catalog.h"
#include "gb_matcher.h"
#include "gb_progress.h"

static const char *defs = "- id: win3\n"
                          "  criteria: {type: game_end, won: true}\n"
                          "  progress: {count: 3}\n"
                          "- id: earn100\n"
                          "  criteria: {type: game_end, coins_delta: {gt: 0}}\n"
                          "  progress: {sum: coins_delta, target: 100, window: 1h}\n"
                          "- id: once\n"
                          "  criteria: {type: game_start}\n"
                          "  ttl: 30m\n"
                          "- id: daily2\n"
                          "  criteria: {type: game_end}\n"
                          "  progress: {count: 2, daily: true}\n"
                          "- id: streak3\n"
                          "  criteria: {type: game_end}\n"
                          "  progress: {count: 1, daily: true, streak: 3}\n"
                          "- id: row2\n"
                          "  criteria: {type: game_end, won: true}\n"
                          "  progress: {count: 2, break_on: {type: game_end, won: false}}\n";

enum { WIN3, EARN100, ONCE, DAILY2, STREAK3, ROW2 };

/* 2024-01-01T00:00:00Z in ms. */
static const int64_t T0 = 1704067200000LL;
static const int64_t MIN = 60000, HOUR = 3600000, DAY = 86400000;

typedef struct fixture {
  gb_catalog *c;
  gb_matcher *m;
  gb_progress *p;
  gb_attrs *a;
  gb_progress_outcome out[GB_PROGRESS_PLAYER_MAX];
} fixture;

static fixture fx;

static void setup(void) {
  gb_err err = {0};
  cr_assert_eq(gb_catalog_parse(defs, strlen(defs), "defs.yaml", &fx.c, &err), 0, "%s", err.msg);
  cr_assert_eq(gb_matcher_new(fx.c, GB_MATCH_INDEX, &fx.m, &err), 0, "%s", err.msg);
  cr_assert_eq(gb_progress_new(fx.c, &fx.p, &err), 0, "%s", err.msg);
  cr_assert_eq(gb_attrs_new(&fx.a, &err), 0, "%s", err.msg);
}

static void teardown(void) {
  gb_attrs_free(fx.a);
  gb_progress_free(fx.p);
  gb_matcher_free(fx.m);
  gb_catalog_free(fx.c);
}

static void start(uint64_t player, uint64_t prop, uint32_t ordinal, int64_t ts, int32_t offset) {
  gb_err err = {0};
  cr_assert_eq(gb_progress_start(fx.p, player, prop, ordinal, ts, offset, &err), 0, "%s", err.msg);
}

/* Feeds a game event of player at ts through matcher and tracker; returns the outcome count. */
static size_t feed(uint64_t player, int64_t ts, const char *type, int won, int64_t coins_delta) {
  gb_attrs_clear(fx.a);
  gb_attrs_set_str(fx.a, "type", type, strlen(type));
  gb_attrs_set_num(fx.a, "won", won);
  gb_attrs_set_num(fx.a, "coins_delta", (double)coins_delta);
  uint32_t matched[16];
  size_t n = gb_matcher_match(fx.m, fx.a, matched, 16);
  cr_assert_leq(n, 16);
  return gb_progress_update(fx.p, player, ts, fx.a, matched, n, fx.out, GB_PROGRESS_PLAYER_MAX);
}

static void expect(size_t i, gb_progress_kind kind, int64_t progress, int64_t target) {
  cr_expect_eq(fx.out[i].kind, kind, "outcome %zu kind %d, expected %d", i, fx.out[i].kind, kind);
  cr_expect_eq(fx.out[i].progress, progress, "outcome %zu progress %lld, expected %lld", i,
               (long long)fx.out[i].progress, (long long)progress);
  cr_expect_eq(fx.out[i].target, target);
}

TestSuite(matcher_progress, .init = setup, .fini = teardown);

Test(matcher_progress, count_advances_then_completes_once) {
  start(7, 100, WIN3, T0, 0);
  cr_assert_eq(feed(7, T0 + 1, "game_end", 1, 10), 1);
  expect(0, GB_PROGRESS_ADVANCED, 1, 3);
  cr_expect_eq(fx.out[0].prop_id, 100);
  cr_expect_eq(fx.out[0].player_id, 7);
  cr_expect_eq(fx.out[0].ordinal, WIN3);
  cr_expect_eq(feed(7, T0 + 2, "game_end", 0, -10), 0); /* a loss does not count */
  cr_expect_eq(feed(8, T0 + 3, "game_end", 1, 10), 0);  /* another player's win neither */
  cr_assert_eq(feed(7, T0 + 4, "game_end", 1, 10), 1);
  expect(0, GB_PROGRESS_ADVANCED, 2, 3);
  cr_assert_eq(feed(7, T0 + 5, "game_end", 1, 10), 1);
  expect(0, GB_PROGRESS_COMPLETED, 3, 3);
  cr_expect_eq(gb_progress_player_active(fx.p, 7), 0);
  cr_expect_eq(feed(7, T0 + 6, "game_end", 1, 10), 0);
}

Test(matcher_progress, events_before_the_start_are_ignored) {
  start(7, 100, WIN3, T0, 0);
  cr_expect_eq(feed(7, T0 - 1, "game_end", 1, 10), 0);
  cr_assert_eq(feed(7, T0, "game_end", 1, 10), 1);
  expect(0, GB_PROGRESS_ADVANCED, 1, 3);
}

Test(matcher_progress, sum_reaches_threshold_within_window) {
  start(1, 5, EARN100, T0, 0);
  cr_assert_eq(feed(1, T0 + MIN, "game_end", 1, 60), 1);
  expect(0, GB_PROGRESS_ADVANCED, 60, 100);
  cr_expect_eq(feed(1, T0 + 2 * MIN, "game_end", 0, -30), 0); /* criteria: coins_delta > 0 */
  cr_assert_eq(feed(1, T0 + 3 * MIN, "game_end", 1, 45), 1);
  expect(0, GB_PROGRESS_COMPLETED, 105, 100);
}

Test(matcher_progress, window_elapsed_fails_on_next_event) {
  start(1, 5, EARN100, T0, 0);
  cr_assert_eq(feed(1, T0 + MIN, "game_end", 1, 60), 1);
  cr_assert_eq(feed(1, T0 + HOUR, "game_end", 1, 60), 1); /* deadline is exclusive */
  expect(0, GB_PROGRESS_FAILED, 60, 100);
  cr_expect_eq(fx.out[0].reason, GB_PROGRESS_WINDOW);
  cr_expect_eq(gb_progress_active(fx.p), 0);
}

Test(matcher_progress, expire_fails_silent_players_in_deadline_order) {
  start(1, 5, EARN100, T0, 0);    /* deadline T0 + 1h (window) */
  start(2, 6, ONCE, T0 + MIN, 0); /* deadline T0 + 31m (ttl) */
  start(3, 7, WIN3, T0, 0);       /* no deadline */
  cr_expect_eq(gb_progress_expire(fx.p, T0 + 30 * MIN, fx.out, 8), 0);
  cr_assert_eq(gb_progress_expire(fx.p, T0 + 2 * HOUR, fx.out, 1), 1); /* capped at 1 */
  cr_expect_eq(fx.out[0].player_id, 2);
  cr_expect_eq(fx.out[0].reason, GB_PROGRESS_TTL);
  cr_expect_eq(fx.out[0].ts, T0 + 31 * MIN);
  cr_assert_eq(gb_progress_expire(fx.p, T0 + 2 * HOUR, fx.out, 8), 1);
  cr_expect_eq(fx.out[0].player_id, 1);
  cr_expect_eq(fx.out[0].reason, GB_PROGRESS_WINDOW);
  cr_expect_eq(gb_progress_active(fx.p), 1);
  cr_expect_eq(gb_progress_player_active(fx.p, 3), 1);
}

Test(matcher_progress, no_rule_completes_on_first_match) {
  start(4, 9, ONCE, T0, 0);
  cr_expect_eq(feed(4, T0 + 1, "game_end", 1, 0), 0);
  cr_assert_eq(feed(4, T0 + 2, "game_start", 0, 0), 1);
  expect(0, GB_PROGRESS_COMPLETED, 1, 1);
}

Test(matcher_progress, daily_progress_resets_at_local_midnight) {
  /* UTC+8: local midnight of 2024-01-02 is 2024-01-01T16:00Z. */
  start(1, 1, DAILY2, T0 + 10 * HOUR, 480);
  cr_assert_eq(feed(1, T0 + 15 * HOUR, "game_end", 0, 0), 1);
  expect(0, GB_PROGRESS_ADVANCED, 1, 2);
  cr_assert_eq(feed(1, T0 + 16 * HOUR + MIN, "session_start", 0, 0), 1);
  expect(0, GB_PROGRESS_RESET, 0, 2);
  cr_assert_eq(feed(1, T0 + 17 * HOUR, "game_end", 0, 0), 1);
  expect(0, GB_PROGRESS_ADVANCED, 1, 2);
  cr_assert_eq(feed(1, T0 + 18 * HOUR, "game_end", 0, 0), 1);
  expect(0, GB_PROGRESS_COMPLETED, 2, 2);
}

Test(matcher_progress, same_instant_is_another_day_in_another_zone) {
  start(1, 1, DAILY2, T0 + 15 * HOUR, 480); /* local 23:00 */
  start(2, 1, DAILY2, T0 + 15 * HOUR, 0);   /* local 15:00 */
  feed(1, T0 + 15 * HOUR, "game_end", 0, 0);
  feed(2, T0 + 15 * HOUR, "game_end", 0, 0);
  cr_assert_eq(feed(1, T0 + 17 * HOUR, "game_end", 0, 0), 1); /* next local day: starts over */
  expect(0, GB_PROGRESS_ADVANCED, 1, 2);
  cr_assert_eq(feed(2, T0 + 17 * HOUR, "game_end", 0, 0), 1); /* same local day: done */
  expect(0, GB_PROGRESS_COMPLETED, 2, 2);
}

Test(matcher_progress, streak_needs_consecutive_days) {
  start(1, 1, STREAK3, T0, 0);
  cr_assert_eq(feed(1, T0 + HOUR, "game_end", 0, 0), 1);
  expect(0, GB_PROGRESS_ADVANCED, 1, 1);
  cr_expect_eq(fx.out[0].streak, 1);
  cr_expect_eq(fx.out[0].streak_target, 3);
  cr_expect_eq(feed(1, T0 + 2 * HOUR, "game_end", 0, 0), 0); /* today's target already met */
  cr_assert_eq(feed(1, T0 + DAY + HOUR, "game_end", 0, 0), 1);
  cr_expect_eq(fx.out[0].streak, 2);
  /* Day 3 is skipped: on day 4 the streak starts over. */
  cr_assert_eq(feed(1, T0 + 3 * DAY + HOUR, "game_end", 0, 0), 1);
  expect(0, GB_PROGRESS_ADVANCED, 1, 1);
  cr_expect_eq(fx.out[0].streak, 1);
  cr_assert_eq(feed(1, T0 + 4 * DAY, "game_end", 0, 0), 1);
  cr_expect_eq(fx.out[0].streak, 2);
  cr_assert_eq(feed(1, T0 + 5 * DAY + 23 * HOUR, "game_end", 0, 0), 1);
  expect(0, GB_PROGRESS_COMPLETED, 1, 1);
  cr_expect_eq(fx.out[0].streak, 3);
}

Test(matcher_progress, streak_broken_without_a_match_reports_reset) {
  start(1, 1, STREAK3, T0, 0);
  feed(1, T0 + HOUR, "game_end", 0, 0);
  cr_assert_eq(feed(1, T0 + 2 * DAY + HOUR, "session_start", 0, 0), 1);
  expect(0, GB_PROGRESS_RESET, 0, 1);
  cr_expect_eq(fx.out[0].streak, 0);
}

Test(matcher_progress, break_on_resets_a_run) {
  start(1, 1, ROW2, T0, 0);
  cr_assert_eq(feed(1, T0 + 1, "game_end", 1, 0), 1);
  expect(0, GB_PROGRESS_ADVANCED, 1, 2);
  cr_assert_eq(feed(1, T0 + 2, "game_end", 0, 0), 1);
  expect(0, GB_PROGRESS_RESET, 0, 2);
  cr_expect_eq(feed(1, T0 + 3, "game_end", 0, 0), 0); /* nothing to reset */
  cr_assert_eq(feed(1, T0 + 4, "game_end", 1, 0), 1);
  expect(0, GB_PROGRESS_ADVANCED, 1, 2);
  cr_assert_eq(feed(1, T0 + 5, "game_end", 1, 0), 1);
  expect(0, GB_PROGRESS_COMPLETED, 2, 2);
}

Test(matcher_progress, one_event_advances_several_challenges) {
  start(1, 1, WIN3, T0, 0);
  start(1, 2, ROW2, T0, 0);
  start(1, 3, DAILY2, T0, 0);
  cr_assert_eq(feed(1, T0 + 1, "game_end", 1, 0), 3);
  /* Most recently started first. */
  cr_expect_eq(fx.out[0].prop_id, 3);
  cr_expect_eq(fx.out[1].prop_id, 2);
  cr_expect_eq(fx.out[2].prop_id, 1);
  gb_progress_outcome o;
  cr_assert_eq(gb_progress_peek(fx.p, 1, 1, &o), 0);
  cr_expect_eq(o.progress, 1);
  cr_expect_eq(o.target, 3);
}

Test(matcher_progress, cancel_and_start_errors) {
  gb_err err = {0};
  start(1, 1, WIN3, T0, 0);
  cr_expect_eq(gb_progress_start(fx.p, 1, 1, EARN100, T0, 0, &err), -1);
  cr_expect_str_eq(err.msg, "progress: player 1: prop 1 already started");
  cr_expect_eq(gb_progress_start(fx.p, 1, 2, 99, T0, 0, &err), -1);
  cr_expect_str_eq(err.msg, "progress: player 1 prop 2: no active challenge 99");
  cr_expect_eq(err.kind, GB_ERR_INPUT);
  cr_expect_eq(gb_progress_start(fx.p, 1, 2, WIN3, T0, 900, &err), -1);
  cr_expect_eq(gb_progress_cancel(fx.p, 1, 1), 0);
  cr_expect_eq(gb_progress_cancel(fx.p, 1, 1), -1);
  cr_expect_eq(gb_progress_cancel(fx.p, 2, 1), -1);
  cr_expect_eq(feed(1, T0 + 1, "game_end", 1, 0), 0);
  for (uint64_t prop = 0; prop < GB_PROGRESS_PLAYER_MAX; prop++)
    start(1, prop, WIN3, T0, 0);
  cr_expect_eq(gb_progress_start(fx.p, 1, 999, WIN3, T0, 0, &err), -1);
  cr_expect_str_eq(err.msg, "progress: player 1 already has 64 challenges");
  cr_expect_eq(feed(1, T0 + 1, "game_end", 1, 0), GB_PROGRESS_PLAYER_MAX);
}
