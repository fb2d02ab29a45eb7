/* gb_attrs: schema keys by id and by name, replacement, non-schema keys, clearing, numbers in
 * strings, and values that stay valid while the string arena grows. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "gb_attrs.h"
#include "gb_test_support.h"

static const gb_attr_val *by_name(const gb_attrs *a, const char *key) {
  return gb_attrs_value_hashed(a, key, strlen(key), gb_attrs_key_hash(key, strlen(key)));
}

static uint32_t id_of(const char *key) { return gb_attrs_schema_id(key, strlen(key)); }

static gb_event game_end(void) {
  gb_event ev;
  gb_event_init(&ev);
  ev.type = GB_EV_GAME_END;
  ev.event_id = 7;
  ev.ts = 1700000000123;
  ev.player_id = 42;
  ev.session_id = 9;
  GBT_SET(ev.platform, "android");
  GBT_SET(ev.country, "CN");
  GBT_SET(ev.u.game.game, "dou_dizhu");
  GBT_SET(ev.u.game.room, "vip");
  ev.u.game.bet = 500;
  ev.u.game.coin_balance = 12000;
  ev.u.game.level = 17;
  ev.u.game.won = true;
  ev.u.game.score = -3;
  ev.u.game.coins_delta = 480;
  return ev;
}

Test(matcher_attrs, schema_ids_round_trip_and_are_distinct) {
  uint32_t n = gb_attrs_schema_size();
  cr_assert_eq(n, 39, "the schema keys of docs/events.md plus the four player.* keys");
  for (uint32_t id = 0; id < n; id++) {
    const char *key = gb_attrs_schema_key(id);
    cr_assert_not_null(key);
    cr_expect_eq(id_of(key), id, "%s", key);
  }
  cr_expect_null(gb_attrs_schema_key(n));
  cr_expect_eq(id_of("bet"), id_of("bet"));
  cr_expect_neq(id_of("level"), id_of("player.level"));
  cr_expect_eq(id_of("bets"), GB_ATTRS_KEY_OTHER);
  cr_expect_eq(id_of(""), GB_ATTRS_KEY_OTHER);
  cr_expect_eq(gb_attrs_schema_id("betting", 3), id_of("bet"), "only len bytes are compared");
}

Test(matcher_attrs, add_event_values_by_id_and_by_name) {
  gb_attrs *a = NULL;
  cr_assert_eq(gb_attrs_new(&a, NULL), 0);
  gb_event ev = game_end();
  gb_player_state ps = {.level = 18, .coin_balance = 12000, .days_since_install = 2.5};
  gb_attrs_add_event(a, &ev);
  gb_attrs_add_player(a, &ps);
  /* event_id type ts player_id session_id platform country game room bet coin_balance level won
   * score coins_delta + player.level player.coin_balance player.days_since_install (no game) */
  cr_expect_eq(gb_attrs_size(a), 18);
  const gb_attr_val *v = gb_attrs_value_id(a, id_of("type"));
  cr_assert_not_null(v);
  cr_expect(v->has_str && !v->has_num);
  cr_expect_str_eq(v->str, "game_end");
  cr_expect_eq(v->str_len, 8);
  v = gb_attrs_value_id(a, id_of("bet"));
  cr_assert_not_null(v);
  cr_expect(v->has_num && !v->has_str);
  cr_expect_eq(v->num, 500);
  cr_expect_eq(gb_attrs_value_id(a, id_of("score"))->num, -3);
  cr_expect_eq(gb_attrs_value_id(a, id_of("won"))->num, 1);
  cr_expect_eq(gb_attrs_value_id(a, id_of("player.days_since_install"))->num, 2.5);
  cr_expect_null(gb_attrs_value_id(a, id_of("player.preferred_game")), "NULL game: absent");
  cr_expect_null(gb_attrs_value_id(a, id_of("amount")), "not a game_end field");
  cr_expect_null(gb_attrs_value_id(a, gb_attrs_schema_size()), "ids outside the schema");
  cr_expect_eq(by_name(a, "room"), gb_attrs_value_id(a, id_of("room")), "one value, two ways");
  gb_attr_value out;
  cr_assert_eq(gb_attrs_find(a, "player.level", &out), 0);
  cr_expect_eq(out.num, 18);
  cr_expect_eq(out.key_id, id_of("player.level"));
  cr_expect_str_eq(out.key, "player.level");
  cr_expect_eq(out.key_hash, gb_attrs_key_hash("player.level", 12));
  gb_attrs_get(a, 0, &out); /* insertion order */
  cr_expect_str_eq(out.key, "event_id");
  cr_expect_eq(out.num, 7);
  gb_attrs_free(a);
}

Test(matcher_attrs, setting_a_schema_key_by_name_replaces_its_value) {
  gb_attrs *a = NULL;
  cr_assert_eq(gb_attrs_new(&a, NULL), 0);
  gb_event ev = game_end();
  gb_attrs_add_event(a, &ev);
  size_t n = gb_attrs_size(a);
  cr_assert_eq(gb_attrs_set_str(a, "bet", "750", 3), 0);
  cr_expect_eq(gb_attrs_size(a), n, "replaced, not added");
  const gb_attr_val *v = gb_attrs_value_id(a, id_of("bet"));
  cr_expect(v->has_str && v->has_num);
  cr_expect_eq(v->num, 750);
  cr_expect_str_eq(v->str, "750");
  cr_assert_eq(gb_attrs_set_num(a, "game", 3), 0);
  v = gb_attrs_value_id(a, id_of("game"));
  cr_expect(!v->has_str && v->has_num);
  cr_expect_eq(v->num, 3);
  cr_assert_eq(gb_attrs_set_str(a, "player.level", "x", 1), 0,
               "a schema key set before the "
               "player's state is added");
  cr_expect_eq(gb_attrs_size(a), n + 1);
  gb_player_state ps = {.level = 5};
  gb_attrs_add_player(a, &ps);
  cr_expect_eq(gb_attrs_value_id(a, id_of("player.level"))->num, 5, "add_player replaces it");
  cr_expect(!gb_attrs_value_id(a, id_of("player.level"))->has_str);
  gb_attrs_free(a);
}

Test(matcher_attrs, other_keys_set_replace_and_find) {
  gb_attrs *a = NULL;
  cr_assert_eq(gb_attrs_new(&a, NULL), 0);
  cr_assert_eq(gb_attrs_set_str(a, "page", "home", 4), 0);
  cr_assert_eq(gb_attrs_set_num(a, "clicks", 3), 0);
  cr_assert_eq(gb_attrs_set_str(a, "page", "shop", 4), 0);
  cr_expect_eq(gb_attrs_size(a), 2);
  const gb_attr_val *v = by_name(a, "page");
  cr_assert_not_null(v);
  cr_expect_str_eq(v->str, "shop");
  cr_expect_eq(by_name(a, "clicks")->num, 3);
  cr_expect_null(by_name(a, "pag"));
  cr_expect_null(by_name(a, "bet"), "schema key never set");
  gb_attr_value out;
  cr_assert_eq(gb_attrs_find(a, "page", &out), 0);
  cr_expect_eq(out.key_id, GB_ATTRS_KEY_OTHER);
  cr_expect_eq(gb_attrs_find(a, "nope", &out), -1);
  cr_expect_eq(gb_attrs_set_str(a, "", "x", 1), -1, "empty key");
  cr_expect_eq(gb_attrs_set_num(a, "x", NAN), -1);
  cr_expect_eq(gb_attrs_set_num(a, "x", INFINITY), -1);
  cr_expect_null(by_name(a, "x"), "a rejected value leaves the key absent");
  gb_attrs_free(a);
}

Test(matcher_attrs, numbers_in_strings) {
  gb_attrs *a = NULL;
  cr_assert_eq(gb_attrs_new(&a, NULL), 0);
  static const struct {
    const char *s;
    bool num;
    double v;
  } cases[] = {{"100", true, 100}, {"-2.5", true, -2.5}, {"1e3", true, 1000},
               {"-0", true, 0},    {".5", true, 0.5},    {"0x10", false, 0},
               {"inf", false, 0},  {"nan", false, 0},    {"12abc", false, 0},
               {"", false, 0},     {" 1", false, 0},     {"dou_dizhu", false, 0}};
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    cr_assert_eq(gb_attrs_set_str(a, "v", cases[i].s, strlen(cases[i].s)), 0);
    const gb_attr_val *v = by_name(a, "v");
    cr_expect_eq(v->has_num, cases[i].num, "'%s'", cases[i].s);
    cr_expect(v->has_str);
    cr_expect_eq(v->num, cases[i].v, "'%s' (a non-number reads 0)", cases[i].s);
    if (v->num == 0)
      cr_expect(!signbit(v->num), "'%s': -0 is 0", cases[i].s);
  }
  gb_attrs_free(a);
}

Test(matcher_attrs, clear_forgets_every_key) {
  gb_attrs *a = NULL;
  cr_assert_eq(gb_attrs_new(&a, NULL), 0);
  gb_event ev = game_end();
  for (int round = 0; round < 1000; round++) {
    gb_attrs_clear(a);
    cr_assert_null(gb_attrs_value_id(a, id_of("bet")));
    cr_assert_null(by_name(a, "extra"));
    ev.u.game.bet = round;
    gb_attrs_add_event(a, &ev);
    if (round % 2)
      gb_attrs_set_num(a, "extra", round);
    cr_assert_eq(gb_attrs_value_id(a, id_of("bet"))->num, round);
    cr_assert_eq(gb_attrs_size(a), 15u + (round % 2));
  }
  gb_attrs_free(a);
}

/* Values read after the gb_attrs grew its string storage many times are still the right bytes:
 * the stored string pointers follow the storage. */
Test(matcher_attrs, long_strings_survive_growth) {
  gb_attrs *a = NULL;
  cr_assert_eq(gb_attrs_new(&a, NULL), 0);
  enum { N = 200, LEN = 1000 };
  static char text[LEN + 1];
  char key[16];
  for (int i = 0; i < N; i++) {
    memset(text, 'a' + i % 26, LEN);
    snprintf(key, sizeof key, "k%d", i);
    cr_assert_eq(gb_attrs_set_str(a, key, text, LEN), 0);
  }
  cr_assert_eq(gb_attrs_set_str(a, "game", "big_two", 7), 0);
  for (int i = 0; i < N; i++) {
    snprintf(key, sizeof key, "k%d", i);
    const gb_attr_val *v = by_name(a, key);
    cr_assert_not_null(v);
    cr_assert_eq(v->str_len, LEN);
    cr_assert_eq(v->str[0], 'a' + i % 26, "%s", key);
    cr_assert_eq(v->str[LEN - 1], 'a' + i % 26, "%s", key);
    cr_assert_eq(v->str[LEN], '\0');
  }
  cr_expect_str_eq(gb_attrs_value_id(a, id_of("game"))->str, "big_two");
  gb_attrs_free(a);
}

/* An event with many keys outside the schema (gamebench match reads any attributes): finding
 * each key's entry was a walk over every attribute before it, n^2 / 2 comparisons (#16). */
Test(matcher_attrs, many_other_keys_cost_a_bounded_number_of_comparisons_each) {
  enum { N = 20000 };
  gb_attrs *a = NULL;
  cr_assert_eq(gb_attrs_new(&a, NULL), 0);
  for (int round = 0; round < 2; round++) { /* the second round reuses the cleared builder */
    gb_attrs_clear(a);
    uint64_t before = gb_attrs_key_compares(a);
    char key[32];
    for (int i = 0; i < N; i++) {
      snprintf(key, sizeof key, "k%d", i);
      cr_assert_eq(gb_attrs_set_num(a, key, i), 0);
    }
    for (int i = 0; i < N; i += 7) { /* replacing finds the entry */
      snprintf(key, sizeof key, "k%d", i);
      cr_assert_eq(gb_attrs_set_num(a, key, -i), 0);
    }
    uint64_t compares = gb_attrs_key_compares(a) - before;
    /* about one per set at a table at most half full; n^2 / 2 = 2e8 before */
    cr_expect_leq(compares, 4u * (N + N / 7), "%llu comparisons for %d keys",
                  (unsigned long long)compares, N);
    cr_expect_eq(gb_attrs_size(a), (size_t)N);
    for (int i = 0; i < N; i++) {
      snprintf(key, sizeof key, "k%d", i);
      const gb_attr_val *v = by_name(a, key);
      cr_assert_not_null(v, "%s", key);
      cr_expect_eq(v->num, i % 7 == 0 ? -i : i, "%s", key);
    }
    cr_expect_null(by_name(a, "k20000"));
  }
  gb_attrs_free(a);
}
