/* The matcher: the seed example of issue 5 and criteria semantics, for every algorithm. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "gb_attrs.h"
#include "gb_catalog.h"
#include "gb_matcher.h"
#include "gb_test_support.h"

static const gb_match_algo algos[] = {GB_MATCH_SCAN, GB_MATCH_INDEX};
enum { N_ALGOS = sizeof algos / sizeof algos[0] };

static gb_catalog *load_text(const char *yaml) {
  gb_catalog *c = NULL;
  gb_err err = {0};
  int rc = gb_catalog_parse(yaml, strlen(yaml), "test.yaml", &c, &err);
  cr_assert_eq(rc, 0, "%s", err.msg);
  return c;
}

/* Matches attrs with a fresh matcher of algo and returns the matched ids joined by ','. */
static void match_ids(const gb_catalog *c, gb_match_algo algo, const gb_attrs *a, char *buf,
                      size_t size) {
  gb_matcher *m = NULL;
  gb_err err = {0};
  cr_assert_eq(gb_matcher_new(c, algo, &m, &err), 0, "%s", err.msg);
  uint32_t out[64];
  size_t n = gb_matcher_match(m, a, out, 64);
  cr_assert_leq(n, 64);
  buf[0] = '\0';
  size_t used = 0;
  for (size_t i = 0; i < n; i++) {
    int w = snprintf(buf + used, size - used, "%s%s", i ? "," : "", gb_catalog_at(c, out[i])->id);
    cr_assert(w >= 0 && (size_t)w < size - used, "the ids do not fit in %zu bytes", size);
    used += (size_t)w;
  }
  gb_matcher_free(m);
}

static void set(gb_attrs *a, const char *k, const char *v) {
  cr_assert_eq(gb_attrs_set_str(a, k, v, strlen(v)), 0);
}

Test(matcher, seed_example) {
  gb_catalog *c = NULL;
  gb_err err = {0};
  cr_assert_eq(gb_catalog_load(GB_TEST_FIXTURES "/matcher/seed.yaml", &c, &err), 0, "%s", err.msg);
  gb_attrs *a = NULL;
  cr_assert_eq(gb_attrs_new(&a, NULL), 0);
  char ids[256];
  for (int i = 0; i < N_ALGOS; i++) {
    gb_attrs_clear(a);
    set(a, "action", "log_in");
    set(a, "device", "desktop");
    set(a, "foo", "bar");
    match_ids(c, algos[i], a, ids, sizeof ids);
    cr_expect_str_eq(ids, "log_in", "%s", gb_matcher_algo_name(algos[i]));

    gb_attrs_clear(a);
    set(a, "action", "log_in");
    set(a, "device", "mobile");
    set(a, "foo", "bar");
    match_ids(c, algos[i], a, ids, sizeof ids);
    cr_expect_str_eq(ids, "log_in,log_in_mobile", "%s", gb_matcher_algo_name(algos[i]));

    gb_attrs_clear(a);
    set(a, "action", "view_page");
    gb_attrs_set_num(a, "page_id", 789);
    set(a, "device", "mobile");
    set(a, "foo", "bar");
    match_ids(c, algos[i], a, ids, sizeof ids);
    cr_expect_str_eq(ids, "", "%s", gb_matcher_algo_name(algos[i]));

    /* And the page the goal is about, sent as a JSON string: numbers compare as numbers. */
    gb_attrs_clear(a);
    set(a, "action", "view_page");
    set(a, "page_id", "123");
    match_ids(c, algos[i], a, ids, sizeof ids);
    cr_expect_str_eq(ids, "view_page_123", "%s", gb_matcher_algo_name(algos[i]));
  }
  gb_attrs_free(a);
  gb_catalog_free(c);
}

/* Operators, presence and typing: one definition per operator, one event that tests each. */
static const char *ops_yaml =
    "- {id: eq_str, criteria: {game: mahjong}}\n"
    "- {id: ne_str, criteria: {game: {ne: mahjong}}}\n"
    "- {id: lt, criteria: {bet: {lt: 100}}}\n"
    "- {id: lte, criteria: {bet: {lte: 100}}}\n"
    "- {id: gt, criteria: {bet: {gt: 100}}}\n"
    "- {id: gte, criteria: {bet: {gte: 100}}}\n"
    "- {id: in, criteria: {game: {in: [mahjong, sichuan_mahjong]}}}\n"
    "- {id: not_in, criteria: {game: {not_in: [mahjong, dou_dizhu]}}}\n"
    "- {id: between, criteria: {bet: {between: [50, 100]}}}\n"
    "- {id: range2, criteria: {bet: {gt: 50, lt: 100}}}\n"
    "- {id: ne_absent, criteria: {room: {ne: vip}}}\n"
    "- {id: not_in_absent, criteria: {room: {not_in: [vip]}}}\n"
    "- {id: won, criteria: {won: true}}\n"
    "- {id: player_level, criteria: {type: game_end}, player: {level: {gte: 10}}}\n"
    "- {id: forced_str, criteria: {code: {eq: '007', type: string}}}\n"
    "- {id: num_code, criteria: {code: 7}}\n";

Test(matcher, operators_presence_and_types) {
  gb_catalog *c = load_text(ops_yaml);
  gb_attrs *a = NULL;
  cr_assert_eq(gb_attrs_new(&a, NULL), 0);
  char ids[512];
  for (int i = 0; i < N_ALGOS; i++) {
    gb_attrs_clear(a);
    set(a, "type", "game_end");
    set(a, "game", "mahjong");
    set(a, "bet", "100"); /* a number sent as a string */
    gb_attrs_set_num(a, "won", 1);
    gb_attrs_set_num(a, "player.level", 10);
    set(a, "code", "007");
    match_ids(c, algos[i], a, ids, sizeof ids);
    cr_expect_str_eq(ids, "eq_str,lte,gte,in,between,won,player_level,forced_str,num_code", "%s",
                     gb_matcher_algo_name(algos[i]));

    gb_attrs_clear(a);
    set(a, "game", "dou_dizhu");
    gb_attrs_set_num(a, "bet", 99.5);
    set(a, "room", "vip");
    gb_attrs_set_num(a, "player.level", 9);
    set(a, "code", "7");
    match_ids(c, algos[i], a, ids, sizeof ids);
    cr_expect_str_eq(ids, "ne_str,lt,lte,between,range2,num_code", "%s",
                     gb_matcher_algo_name(algos[i]));

    gb_attrs_clear(a);
    set(a, "game", "texas_holdem");
    set(a, "room", "novice");
    gb_attrs_set_num(a, "won", 0);
    match_ids(c, algos[i], a, ids, sizeof ids);
    cr_expect_str_eq(ids, "ne_str,not_in,ne_absent,not_in_absent", "%s",
                     gb_matcher_algo_name(algos[i]));

    gb_attrs_clear(a); /* an empty event satisfies nothing: every criterion needs its attribute */
    match_ids(c, algos[i], a, ids, sizeof ids);
    cr_expect_str_eq(ids, "", "%s", gb_matcher_algo_name(algos[i]));
  }
  gb_attrs_free(a);
  gb_catalog_free(c);
}

Test(matcher, default_catalogue_matches_a_game_end) {
  gb_catalog *c = NULL;
  gb_err err = {0};
  cr_assert_eq(gb_catalog_load(GB_SOURCE_DIR "/workloads/challenges/default.yaml", &c, &err), 0,
               "%s", err.msg);
  cr_assert_eq(gb_catalog_size(c), 12);
  gb_event ev;
  gb_event_init(&ev);
  ev.type = GB_EV_GAME_END;
  ev.ts = 1700000000000;
  GBT_SET(ev.u.game.game, "sichuan_mahjong");
  GBT_SET(ev.u.game.room, "advanced");
  ev.u.game.bet = 1000;
  ev.u.game.won = true;
  ev.u.game.coin_balance = 25000;
  ev.u.game.level = 22;
  gb_player_state ps = {.level = 22,
                        .coin_balance = 25000,
                        .preferred_game = "sichuan_mahjong",
                        .days_since_install = 40};
  gb_attrs *a = NULL;
  cr_assert_eq(gb_attrs_new(&a, NULL), 0);
  gb_attrs_add_event(a, &ev);
  gb_attrs_add_player(a, &ps);
  char ids[512];
  for (int i = 0; i < N_ALGOS; i++) {
    match_ids(c, algos[i], a, ids, sizeof ids);
    cr_expect_str_eq(ids, "play5_mahjong_bet100,daily3_any,highroller_mahjong", "%s",
                     gb_matcher_algo_name(algos[i]));
  }
  gb_attrs_free(a);
  gb_catalog_free(c);
}

Test(matcher, out_array_is_capped_but_total_is_returned) {
  gb_catalog *c = load_text("- {id: a, criteria: {x: 1}}\n- {id: b, criteria: {x: 1}}\n"
                            "- {id: c, criteria: {x: {gte: 0}}}\n");
  gb_attrs *a = NULL;
  cr_assert_eq(gb_attrs_new(&a, NULL), 0);
  gb_attrs_set_num(a, "x", 1);
  for (int i = 0; i < N_ALGOS; i++) {
    gb_matcher *m = NULL;
    cr_assert_eq(gb_matcher_new(c, algos[i], &m, NULL), 0);
    uint32_t out[2] = {99, 99};
    cr_expect_eq(gb_matcher_match(m, a, out, 2), 3);
    cr_expect_eq(out[0], 0);
    cr_expect_eq(out[1], 1);
    cr_expect_eq(gb_matcher_match(m, a, NULL, 0), 3);
    gb_matcher_free(m);
  }
  gb_attrs_free(a);
  gb_catalog_free(c);
}
