/* Hot updates: upserts and deletes queued with an effective sim time, applied by
 * gb_catalog_advance, picked up incrementally by matchers and progress trackers. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "gb_attrs.h"
#include "gb_catalog.h"
#include "gb_matcher.h"
#include "gb_progress.h"
#include "gb_test_support.h"

static const gb_match_algo algos[] = {GB_MATCH_SCAN, GB_MATCH_INDEX};

static gb_catalog *base(void) {
  const char *y = "- {id: win, criteria: {type: game_end, won: true}}\n"
                  "- {id: big, criteria: {type: game_end, bet: {gte: 100}}}\n";
  gb_catalog *c = NULL;
  gb_err err = {0};
  cr_assert_eq(gb_catalog_parse(y, strlen(y), "base.yaml", &c, &err), 0, "%s", err.msg);
  return c;
}

static void upsert(gb_catalog *c, const char *def, int64_t at) {
  gb_err err = {0};
  cr_assert_eq(gb_catalog_upsert(c, def, strlen(def), at, &err), 0, "%s", err.msg);
}

/* Matched ids joined by ','. */
static const char *ids(gb_matcher *m, const gb_catalog *c, const gb_attrs *a) {
  static char buf[256];
  uint32_t out[16];
  size_t n = gb_matcher_match(m, a, out, 16);
  buf[0] = '\0';
  size_t used = 0;
  for (size_t i = 0; i < n && i < 16; i++) {
    int w =
        snprintf(buf + used, sizeof buf - used, "%s%s", i ? "," : "", gb_catalog_at(c, out[i])->id);
    cr_assert(w >= 0 && (size_t)w < sizeof buf - used, "the ids do not fit in %zu bytes",
              sizeof buf);
    used += (size_t)w;
  }
  return buf;
}

static gb_attrs *game_end(int won, int bet) {
  gb_attrs *a = NULL;
  cr_assert_eq(gb_attrs_new(&a, NULL), 0);
  gb_attrs_set_str(a, "type", "game_end", 8);
  gb_attrs_set_num(a, "won", won);
  gb_attrs_set_num(a, "bet", bet);
  gb_attrs_set_str(a, "game", "mahjong", 7);
  return a;
}

Test(matcher_hot, upsert_takes_effect_at_its_sim_time) {
  for (size_t k = 0; k < 2; k++) {
    gb_catalog *c = base();
    gb_matcher *m = NULL;
    cr_assert_eq(gb_matcher_new(c, algos[k], &m, NULL), 0);
    gb_attrs *a = game_end(1, 50);
    cr_expect_str_eq(ids(m, c, a), "win");
    upsert(c, "{\"id\": \"mj\", \"criteria\": {\"game\": \"mahjong\"}}", 2000);
    cr_expect_eq(gb_catalog_pending(c), 1);
    cr_expect_eq(gb_catalog_advance(c, 1999), 0);
    cr_expect_str_eq(ids(m, c, a), "win");
    cr_expect_eq(gb_catalog_advance(c, 2000), 1);
    cr_expect_eq(gb_catalog_pending(c), 0);
    cr_expect_eq(gb_catalog_size(c), 3);
    cr_expect_str_eq(ids(m, c, a), "win,mj");
    gb_matcher_stats st;
    gb_matcher_get_stats(m, &st);
    cr_expect_eq(st.updates, 1);
    cr_expect_eq(st.rebuilds, 0);
    gb_attrs_free(a);
    gb_matcher_free(m);
    gb_catalog_free(c);
  }
}

Test(matcher_hot, change_keeps_the_ordinal_and_delete_deactivates) {
  for (size_t k = 0; k < 2; k++) {
    gb_catalog *c = base();
    gb_matcher *m = NULL;
    cr_assert_eq(gb_matcher_new(c, algos[k], &m, NULL), 0);
    gb_attrs *a = game_end(0, 150);
    cr_expect_str_eq(ids(m, c, a), "big");
    upsert(c, "{id: big, criteria: {type: game_end, bet: {gte: 200}}, reward: {coins: 9}}", 10);
    gb_catalog_advance(c, 10);
    size_t ord = 9;
    cr_assert_eq(gb_catalog_find(c, "big", &ord), 0);
    cr_expect_eq(ord, 1);
    cr_expect_eq(gb_catalog_at(c, 1)->reward_coins, 9);
    cr_expect_str_eq(ids(m, c, a), "");
    gb_attrs_set_num(a, "bet", 250);
    cr_expect_str_eq(ids(m, c, a), "big");

    cr_assert_eq(gb_catalog_delete(c, "big", 20, NULL), 0);
    cr_assert_eq(gb_catalog_delete(c, "never_defined", 20, NULL), 0);
    cr_expect_eq(gb_catalog_advance(c, 20), 2);
    cr_expect_eq(gb_catalog_generation(c), 2); /* the unknown id changed nothing */
    cr_expect_eq(gb_catalog_find(c, "big", &ord), -1);
    cr_expect_not(gb_catalog_at(c, 1)->active);
    cr_expect_eq(gb_catalog_active(c), 1);
    cr_expect_str_eq(ids(m, c, a), "");

    upsert(c, "{id: big, criteria: {bet: {gte: 1}}}", 30); /* back, same ordinal */
    gb_catalog_advance(c, 30);
    cr_assert_eq(gb_catalog_find(c, "big", &ord), 0);
    cr_expect_eq(ord, 1);
    cr_expect_eq(gb_catalog_size(c), 2);
    cr_expect_str_eq(ids(m, c, a), "big");
    gb_attrs_free(a);
    gb_matcher_free(m);
    gb_catalog_free(c);
  }
}

Test(matcher_hot, changes_apply_in_effective_time_then_arrival_order) {
  gb_catalog *c = base();
  gb_matcher *m = NULL;
  cr_assert_eq(gb_matcher_new(c, GB_MATCH_INDEX, &m, NULL), 0);
  gb_attrs *a = game_end(0, 10);
  upsert(c, "{id: x, criteria: {bet: 10}}", 50); /* arrives first, effective last */
  upsert(c, "{id: x, criteria: {bet: 11}}", 40);
  cr_assert_eq(gb_catalog_delete(c, "x", 40, NULL), 0); /* same time: after the upsert */
  gb_catalog_advance(c, 45);
  cr_expect_str_eq(ids(m, c, a), "");
  size_t ord;
  cr_expect_eq(gb_catalog_find(c, "x", &ord), -1);
  gb_catalog_advance(c, 50);
  cr_expect_str_eq(ids(m, c, a), "x");
  gb_attrs_free(a);
  gb_matcher_free(m);
  gb_catalog_free(c);
}

Test(matcher_hot, bad_upsert_is_rejected_and_nothing_is_queued) {
  gb_catalog *c = base();
  gb_err err = {0};
  const char *bad = "{\"id\": \"oops\", \"criteria\": {\"bet\": {\"between\": [9, 1]}}}";
  cr_expect_eq(gb_catalog_upsert(c, bad, strlen(bad), 0, &err), -1);
  cr_expect_eq(err.kind, GB_ERR_INPUT);
  cr_expect_str_eq(err.msg, "challenge_upsert:1: definition 'oops': criteria.bet: between: min 9 "
                            "> max 1");
  cr_expect_eq(gb_catalog_pending(c), 0);
  cr_expect_eq(gb_catalog_delete(c, "", 0, &err), -1);
  cr_expect_str_eq(err.msg, "challenge_delete: empty challenge id");
  gb_catalog_free(c);
}

Test(matcher_hot, control_events_and_an_empty_catalogue) {
  gb_catalog *c = NULL;
  cr_assert_eq(gb_catalog_new(&c, NULL), 0);
  gb_matcher *m = NULL;
  cr_assert_eq(gb_matcher_new(c, GB_MATCH_INDEX, &m, NULL), 0);
  gb_attrs *a = game_end(1, 10);
  cr_expect_str_eq(ids(m, c, a), "");
  gb_event ev;
  gb_event_init(&ev);
  ev.type = GB_EV_CHALLENGE_UPSERT;
  ev.ts = 500;
  char def[] = "{\"id\": \"w\", \"criteria\": {\"won\": 1}}";
  ev.u.control.definition = def;
  ev.u.control.definition_len = strlen(def);
  gb_err err = {0};
  cr_assert_eq(gb_catalog_apply_event(c, &ev, &err), 0, "%s", err.msg);
  gb_catalog_advance(c, 499);
  cr_expect_str_eq(ids(m, c, a), "");
  gb_catalog_advance(c, 500);
  cr_expect_str_eq(ids(m, c, a), "w");
  gb_event_init(&ev);
  ev.type = GB_EV_CHALLENGE_DELETE;
  ev.ts = 600;
  ev.u.control.effective_ts = 700;
  GBT_SET(ev.u.control.challenge_id, "w");
  cr_assert_eq(gb_catalog_apply_event(c, &ev, &err), 0, "%s", err.msg);
  gb_catalog_advance(c, 699);
  cr_expect_str_eq(ids(m, c, a), "w");
  gb_catalog_advance(c, 700);
  cr_expect_str_eq(ids(m, c, a), "");
  ev.type = GB_EV_GAME_END;
  cr_expect_eq(gb_catalog_apply_event(c, &ev, &err), -1);
  gb_attrs_free(a);
  gb_matcher_free(m);
  gb_catalog_free(c);
}

Test(matcher_hot, a_large_backlog_rebuilds_the_index_once) {
  gb_catalog *c = base();
  gb_matcher *m = NULL;
  cr_assert_eq(gb_matcher_new(c, GB_MATCH_INDEX, &m, NULL), 0);
  upsert(c, "{id: a, criteria: {won: 1}}", 0);
  upsert(c, "{id: b, criteria: {won: 1}}", 0);
  upsert(c, "{id: c, criteria: {won: 1}}", 0);
  gb_catalog_advance(c, 0);
  gb_attrs *a = game_end(1, 0);
  cr_expect_str_eq(ids(m, c, a), "win,a,b,c");
  gb_matcher_stats st;
  gb_matcher_get_stats(m, &st);
  cr_expect_eq(st.rebuilds, 1); /* 3 changes > half of 5 definitions */
  gb_attrs_free(a);
  gb_matcher_free(m);
  gb_catalog_free(c);
}

Test(matcher_hot, progress_follows_changes_and_fails_on_delete) {
  gb_catalog *c = base();
  upsert(c, "{id: w3, criteria: {won: 1}, progress: {count: 3}}", 0);
  gb_catalog_advance(c, 0);
  gb_matcher *m = NULL;
  cr_assert_eq(gb_matcher_new(c, GB_MATCH_INDEX, &m, NULL), 0);
  gb_progress *p = NULL;
  cr_assert_eq(gb_progress_new(c, &p, NULL), 0);
  size_t ord;
  cr_assert_eq(gb_catalog_find(c, "w3", &ord), 0);
  cr_assert_eq(gb_progress_start(p, 1, 1, (uint32_t)ord, 0, 0, NULL), 0);
  cr_assert_eq(gb_progress_start(p, 2, 2, (uint32_t)ord, 0, 0, NULL), 0);
  gb_attrs *a = game_end(1, 0);
  uint32_t hits[8];
  gb_progress_outcome out[GB_PROGRESS_PLAYER_MAX];
  size_t n = gb_matcher_match(m, a, hits, 8);
  cr_assert_eq(gb_progress_update(p, 1, 10, a, hits, n, out, GB_PROGRESS_PLAYER_MAX), 1);
  cr_expect_eq(out[0].target, 3);
  upsert(c, "{id: w3, criteria: {won: 1}, progress: {count: 2}}", 20); /* target lowered */
  gb_catalog_advance(c, 20);
  n = gb_matcher_match(m, a, hits, 8);
  cr_assert_eq(gb_progress_update(p, 1, 30, a, hits, n, out, GB_PROGRESS_PLAYER_MAX), 1);
  cr_expect_eq(out[0].kind, GB_PROGRESS_COMPLETED);
  cr_expect_eq(out[0].target, 2);
  cr_assert_eq(gb_catalog_delete(c, "w3", 40, NULL), 0);
  gb_catalog_advance(c, 40);
  n = gb_matcher_match(m, a, hits, 8);
  cr_assert_eq(gb_progress_update(p, 2, 50, a, hits, n, out, GB_PROGRESS_PLAYER_MAX), 1);
  cr_expect_eq(out[0].kind, GB_PROGRESS_FAILED);
  cr_expect_eq(out[0].reason, GB_PROGRESS_DELETED);
  cr_expect_eq(gb_progress_active(p), 0);
  gb_attrs_free(a);
  gb_progress_free(p);
  gb_matcher_free(m);
  gb_catalog_free(c);
}
