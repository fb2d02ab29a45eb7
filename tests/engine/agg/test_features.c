#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "gb_features.h"
#include "gb_test_support.h"

#define DAY GB_FEATURES_DAY_MS
#define HOUR (DAY / 24)
#define MINUTE (HOUR / 60)
#define D0 (19675 * DAY) /* 2023-11-14 00:00 UTC */
#define CST 480          /* UTC+8 */
#define EST (-300)       /* UTC-5 */

static gb_event mk(gb_event_type type, int64_t ts, uint64_t session, int32_t offset_min) {
  gb_event ev;
  gb_event_init(&ev);
  ev.type = type;
  ev.ts = ts;
  ev.session_id = session;
  ev.utc_offset_min = offset_min;
  return ev;
}

static gb_event game_at(int64_t ts, uint64_t session, int32_t offset_min, const char *name,
                        bool won, int64_t coins_delta) {
  gb_event ev = mk(GB_EV_GAME_END, ts, session, offset_min);
  GBT_SET(ev.u.game.game, name);
  ev.u.game.won = won;
  ev.u.game.coins_delta = coins_delta;
  return ev;
}

static gb_event card_buy(int64_t ts, uint64_t session, double amount) {
  gb_event ev = mk(GB_EV_PURCHASE, ts, session, CST);
  GBT_SET(ev.u.purchase.sku, "coins_6");
  GBT_SET(ev.u.purchase.currency, "CNY");
  ev.u.purchase.amount = amount;
  return ev;
}

static gb_event steam_buy(int64_t ts, uint64_t session, double price, double discount) {
  gb_event ev = mk(GB_EV_PURCHASE, ts, session, CST);
  ev.u.purchase.app_id = 1091500;
  ev.u.purchase.price = price;
  ev.u.purchase.discount = discount;
  return ev;
}

static void feed(gb_features *f, uint32_t slot, gb_event ev) { gb_features_update(f, slot, &ev); }

static gb_feature_vec at(const gb_features *f, uint32_t slot, int64_t t, int32_t offset_min) {
  gb_feature_vec v;
  gb_features_fill(f, slot, t, offset_min, &v);
  return v;
}

static gb_features *new_features(size_t players) {
  gb_features *f = NULL;
  cr_assert_eq(gb_features_new(players, &f, NULL), 0);
  return f;
}

Test(features, names_are_the_csv_columns) {
  static const char *const want[GB_FEAT__COUNT] = {"last_session_games",
                                                   "last_session_win_ratio",
                                                   "last_session_coins_delta",
                                                   "last_session_purchase",
                                                   "session_games",
                                                   "session_win_ratio",
                                                   "purchase_7d",
                                                   "games_today",
                                                   "days_since_last_purchase",
                                                   "favourite_game_share",
                                                   "days_since_install"};
  for (int i = 0; i < GB_FEAT__COUNT; i++)
    cr_assert_str_eq(gb_feature_name((gb_feature)i), want[i]);
  cr_assert_str_eq(gb_feature_name(GB_FEAT__COUNT), "unknown");
}

/* session_end does not split, id 0 stays in the current session, a new id splits. */
Test(features, sessions_split_on_a_new_id_only) {
  gb_features *f = new_features(8);
  int64_t t = D0 + HOUR;
  feed(f, 3, mk(GB_EV_APP_LAUNCHED, t, 10, CST));
  feed(f, 3, game_at(t + 1, 10, CST, "mahjong", true, 90));
  feed(f, 3, game_at(t + 2, 10, CST, "mahjong", false, -50));
  feed(f, 3, mk(GB_EV_SESSION_END, t + 3, 10, CST));
  feed(f, 3, game_at(t + 4, 10, CST, "mahjong", true, 30));
  feed(f, 3, game_at(t + 5, 0, CST, "mahjong", false, -20));
  feed(f, 3, card_buy(t + 6, 0, 6.0));
  gb_feature_vec v = at(f, 3, t + 7, CST);
  cr_assert(v.known);
  cr_assert_eq(v.x[GB_FEAT_SESSION_GAMES], 4);
  cr_assert_eq(v.x[GB_FEAT_SESSION_WIN_RATIO], 0.5);
  cr_assert_eq(v.x[GB_FEAT_LAST_SESSION_GAMES], 0);
  cr_assert_eq(v.x[GB_FEAT_LAST_SESSION_WIN_RATIO], 0);
  cr_assert_eq(v.x[GB_FEAT_LAST_SESSION_COINS_DELTA], 0);
  cr_assert_eq(v.x[GB_FEAT_LAST_SESSION_PURCHASE], 0);

  feed(f, 3, mk(GB_EV_SESSION_START, t + 8, 11, CST));
  v = at(f, 3, t + 9, CST);
  cr_assert_eq(v.x[GB_FEAT_LAST_SESSION_GAMES], 4);
  cr_assert_eq(v.x[GB_FEAT_LAST_SESSION_WIN_RATIO], 0.5);
  cr_assert_eq(v.x[GB_FEAT_LAST_SESSION_COINS_DELTA], 50); /* 90 - 50 + 30 - 20 */
  cr_assert_eq(v.x[GB_FEAT_LAST_SESSION_PURCHASE], 6.0);
  cr_assert_eq(v.x[GB_FEAT_SESSION_GAMES], 0);
  cr_assert_eq(v.x[GB_FEAT_SESSION_WIN_RATIO], 0);

  /* the previous session is replaced, not accumulated */
  feed(f, 3, game_at(t + 10, 11, CST, "mahjong", true, 10));
  feed(f, 3, game_at(t + 11, 12, CST, "mahjong", false, -10));
  v = at(f, 3, t + 12, CST);
  cr_assert_eq(v.x[GB_FEAT_LAST_SESSION_GAMES], 1);
  cr_assert_eq(v.x[GB_FEAT_LAST_SESSION_WIN_RATIO], 1.0);
  cr_assert_eq(v.x[GB_FEAT_LAST_SESSION_COINS_DELTA], 10);
  cr_assert_eq(v.x[GB_FEAT_LAST_SESSION_PURCHASE], 0);
  cr_assert_eq(v.x[GB_FEAT_SESSION_GAMES], 1);
  cr_assert_eq(v.x[GB_FEAT_SESSION_WIN_RATIO], 0);
  gb_features_free(f);
}

Test(features, ratios_are_zero_without_games) {
  gb_features *f = new_features(8);
  feed(f, 0, mk(GB_EV_APP_LAUNCHED, D0, 1, CST));
  feed(f, 0, card_buy(D0 + 1, 1, 30.0));
  feed(f, 0, mk(GB_EV_APP_LAUNCHED, D0 + HOUR, 2, CST));
  gb_feature_vec v = at(f, 0, D0 + 2 * HOUR, CST);
  cr_assert(v.known);
  for (int i = 0; i < GB_FEAT__COUNT; i++)
    cr_assert(isfinite(v.x[i]), "%s is %f", gb_feature_name((gb_feature)i), v.x[i]);
  cr_assert_eq(v.x[GB_FEAT_LAST_SESSION_GAMES], 0);
  cr_assert_eq(v.x[GB_FEAT_LAST_SESSION_WIN_RATIO], 0);
  cr_assert_eq(v.x[GB_FEAT_LAST_SESSION_PURCHASE], 30.0);
  cr_assert_eq(v.x[GB_FEAT_SESSION_WIN_RATIO], 0);
  cr_assert_eq(v.x[GB_FEAT_FAVOURITE_GAME_SHARE], 0);
  cr_assert_eq(v.x[GB_FEAT_GAMES_TODAY], 0);
  gb_features_free(f);
}

/* [t - 7 d, t): the purchase at exactly t - 7 d is in, the one at t (folded before the fill)
 * out; a Steam-style purchase counts price x (1 - discount), rounded to the cent once. */
Test(features, purchase_window_is_half_open) {
  gb_features *f = new_features(8);
  int64_t t = D0 + 10 * DAY + 12 * HOUR;
  feed(f, 1, card_buy(t - 7 * DAY - 1, 1, 1.00));
  feed(f, 1, card_buy(t - 7 * DAY, 1, 4.99));
  feed(f, 1, steam_buy(t - 1, 1, 59.99, 0.25)); /* 44.9925: 4499 cents */
  feed(f, 1, card_buy(t, 1, 100.00));
  gb_feature_vec v = at(f, 1, t, CST);
  cr_assert_eq(v.x[GB_FEAT_PURCHASE_7D], 4998 / 100.0);
  cr_assert_eq(v.x[GB_FEAT_DAYS_SINCE_LAST_PURCHASE], 0);
  v = at(f, 1, t + 1, CST); /* t - 7 d drops out, t comes in */
  cr_assert_eq(v.x[GB_FEAT_PURCHASE_7D], 14499 / 100.0);
  v = at(f, 1, t + 7 * DAY, CST); /* only t is left: [t, t + 7 d) */
  cr_assert_eq(v.x[GB_FEAT_PURCHASE_7D], 100.0);
  v = at(f, 1, t + 7 * DAY + 1, CST);
  cr_assert_eq(v.x[GB_FEAT_PURCHASE_7D], 0);
  gb_features_free(f);
}

/* Float sums of the same amounts differ with their order; cents do not. */
Test(features, money_sums_do_not_depend_on_order) {
  cr_assert_neq(0.1 + 0.2 + 0.29, 0.29 + 0.2 + 0.1); /* what the cents avoid */
  gb_features *f = new_features(8);
  const double amounts[3] = {0.1, 0.2, 0.29}; /* 0.29 x 100 is 28.999999999999996: rounded */
  for (int i = 0; i < 3; i++) {
    feed(f, 0, card_buy(D0 + i, 1, amounts[i]));
    feed(f, 1, card_buy(D0 + i, 1, amounts[2 - i]));
  }
  feed(f, 0, mk(GB_EV_SESSION_START, D0 + 10, 2, CST));
  feed(f, 1, mk(GB_EV_SESSION_START, D0 + 10, 2, CST));
  for (uint32_t slot = 0; slot < 2; slot++) {
    gb_feature_vec v = at(f, slot, D0 + 20, CST);
    cr_assert_eq(v.x[GB_FEAT_PURCHASE_7D], 59 / 100.0);
    cr_assert_eq(v.x[GB_FEAT_LAST_SESSION_PURCHASE], 59 / 100.0);
  }
  gb_features_free(f);
}

Test(features, days_since_last_purchase) {
  gb_features *f = new_features(8);
  feed(f, 2, game_at(D0, 1, CST, "mahjong", true, 5));
  gb_feature_vec v = at(f, 2, D0 + HOUR, CST);
  cr_assert_eq(v.x[GB_FEAT_DAYS_SINCE_LAST_PURCHASE], -1);
  cr_assert_eq(v.x[GB_FEAT_PURCHASE_7D], 0);

  feed(f, 2, card_buy(D0 + 6 * HOUR, 1, 6.0));
  v = at(f, 2, D0 + 42 * HOUR, CST);
  cr_assert_eq(v.x[GB_FEAT_DAYS_SINCE_LAST_PURCHASE], 1.5);

  feed(f, 2, card_buy(D0 + 2 * DAY, 1, 30.0));
  v = at(f, 2, D0 + 12 * DAY, CST);
  cr_assert_eq(v.x[GB_FEAT_DAYS_SINCE_LAST_PURCHASE], 10.0);
  cr_assert_eq(v.x[GB_FEAT_PURCHASE_7D], 0);

  /* the new purchase prunes the old ones; the latest is still the one read */
  feed(f, 2, card_buy(D0 + 20 * DAY, 1, 98.0));
  v = at(f, 2, D0 + 20 * DAY + 6 * HOUR, CST);
  cr_assert_eq(v.x[GB_FEAT_DAYS_SINCE_LAST_PURCHASE], 0.25);
  cr_assert_eq(v.x[GB_FEAT_PURCHASE_7D], 98.0);
  cr_assert_eq(v.x[GB_FEAT_SESSION_GAMES], 1);
  gb_features_free(f);
}

/* At UTC+8 the local day begins at 16:00 UTC: a game at 15:59 is yesterday's, at 16:00 today's. */
Test(features, games_today_across_local_midnight_east) {
  gb_features *f = new_features(8);
  feed(f, 0, game_at(D0 + 15 * HOUR + 59 * MINUTE, 1, CST, "mahjong", true, 1));
  gb_feature_vec v = at(f, 0, D0 + 15 * HOUR + 59 * MINUTE + 30000, CST);
  cr_assert_eq(v.x[GB_FEAT_GAMES_TODAY], 1);
  feed(f, 0, game_at(D0 + 16 * HOUR, 1, CST, "mahjong", true, 1));
  v = at(f, 0, D0 + 16 * HOUR + 30 * MINUTE, CST);
  cr_assert_eq(v.x[GB_FEAT_GAMES_TODAY], 1);
  feed(f, 0, game_at(D0 + 17 * HOUR, 1, CST, "mahjong", true, 1));
  v = at(f, 0, D0 + 23 * HOUR, CST); /* UTC would say 3: all three on 2023-11-14 UTC */
  cr_assert_eq(v.x[GB_FEAT_GAMES_TODAY], 2);
  v = at(f, 0, D0 + 40 * HOUR, CST); /* the next local midnight */
  cr_assert_eq(v.x[GB_FEAT_GAMES_TODAY], 0);
  v = at(f, 0, D0 + 40 * HOUR - 1, CST);
  cr_assert_eq(v.x[GB_FEAT_GAMES_TODAY], 2);
  gb_features_free(f);
}

/* At UTC-5 the local day begins at 05:00 UTC; around the epoch, times before it are negative and
 * the day numbers come from floor division (-2 h UTC is 1969-12-31, day -1, not day 0). */
Test(features, games_today_across_local_midnight_west_before_1970) {
  gb_features *f = new_features(8);
  feed(f, 0, game_at(-2 * HOUR, 1, EST, "mahjong", false, -1));
  feed(f, 0, game_at(4 * HOUR + 59 * MINUTE, 1, EST, "mahjong", true, 1));
  gb_feature_vec v = at(f, 0, 4 * HOUR + 59 * MINUTE + 30000, EST);
  cr_assert_eq(v.x[GB_FEAT_GAMES_TODAY], 2);
  cr_assert_eq(v.install_day, -1);
  cr_assert_eq(v.x[GB_FEAT_DAYS_SINCE_INSTALL], 0);
  feed(f, 0, game_at(5 * HOUR, 1, EST, "mahjong", true, 1));
  v = at(f, 0, 6 * HOUR, EST);
  cr_assert_eq(v.x[GB_FEAT_GAMES_TODAY], 1);
  cr_assert_eq(v.x[GB_FEAT_DAYS_SINCE_INSTALL], 1);
  /* ts -1 ms at UTC is day -1; -1 day - 1 ms is day -2 */
  feed(f, 1, mk(GB_EV_APP_LAUNCHED, -1, 1, 0));
  cr_assert_eq(at(f, 1, 0, 0).install_day, -1);
  feed(f, 2, mk(GB_EV_APP_LAUNCHED, -DAY - 1, 1, 0));
  cr_assert_eq(at(f, 2, 0, 0).install_day, -2);
  cr_assert_eq(at(f, 2, 0, 0).x[GB_FEAT_DAYS_SINCE_INSTALL], 2);
  gb_features_free(f);
}

Test(features, favourite_game_share) {
  gb_features *f = new_features(8);
  const char *played[] = {"mahjong", "mahjong", "poker", "mahjong", "tractor"};
  for (int i = 0; i < 5; i++)
    feed(f, 0, game_at(D0 + i, 1, CST, played[i], i % 2, 0));
  cr_assert_eq(at(f, 0, D0 + 10, CST).x[GB_FEAT_FAVOURITE_GAME_SHARE], 3 / 5.0);
  gb_features_free(f);
}

/* A caller's own game indexes (the aggregator's) give the same share as the store's lookup; an
 * unknown game (-1, a full table) counts in the total only. */
Test(features, favourite_share_from_the_callers_game_index) {
  gb_features *f = new_features(8);
  const char *played[] = {"mahjong", "mahjong", "poker", "mahjong", "tractor"};
  const int index[] = {7, 7, 2, 7, -1};
  for (int i = 0; i < 5; i++) {
    gb_event ev = game_at(D0 + i, 1, CST, played[i], i % 2, 0);
    gb_features_update_game(f, 0, &ev, index[i]);
  }
  cr_assert_eq(at(f, 0, D0 + 10, CST).x[GB_FEAT_FAVOURITE_GAME_SHARE], 3 / 5.0);
  cr_assert_eq(at(f, 0, D0 + 10, CST).x[GB_FEAT_SESSION_GAMES], 5);
  gb_features_free(f);
}

/* Beyond GB_FEATURES_GAMES_KEPT distinct games, the further games count in the total only. */
Test(features, favourite_share_beyond_the_kept_games) {
  cr_assert_eq(GB_FEATURES_GAMES_KEPT, 8);
  gb_features *f = new_features(8);
  char name[16];
  for (int g = 0; g < 8; g++) {
    snprintf(name, sizeof name, "g%d", g);
    feed(f, 0, game_at(D0 + g, 1, CST, name, false, 0));
  }
  for (int i = 0; i < 3; i++)
    feed(f, 0, game_at(D0 + 10 + i, 1, CST, "ninth", false, 0));
  cr_assert_eq(at(f, 0, D0 + 20, CST).x[GB_FEAT_FAVOURITE_GAME_SHARE], 1 / 11.0);
  /* the shard's name table full (64 names with ninth and g0..g7): a 65th name has no index */
  for (int g = 8; g < GB_AGG_GAMES_MAX - 1; g++) {
    snprintf(name, sizeof name, "g%d", g);
    feed(f, 1, game_at(D0 + g, 1, CST, name, false, 0));
  }
  feed(f, 2, game_at(D0, 1, CST, "sixty_fifth", false, 0));
  feed(f, 2, game_at(D0 + 1, 1, CST, "sixty_fifth", false, 0));
  feed(f, 2, game_at(D0 + 2, 1, CST, "g0", false, 0));
  cr_assert_eq(at(f, 2, D0 + 20, CST).x[GB_FEAT_FAVOURITE_GAME_SHARE], 1 / 3.0);
  gb_features_free(f);
}

/* A count about to pass 16 bits halves every count and the total. */
Test(features, favourite_share_halves_at_16_bits) {
  gb_features *f = new_features(8);
  gb_event a = game_at(D0, 1, CST, "mahjong", false, 0);
  for (int i = 0; i < UINT16_MAX; i++)
    gb_features_update(f, 0, &a);
  cr_assert_eq(at(f, 0, D0, CST).x[GB_FEAT_FAVOURITE_GAME_SHARE], 1.0);
  feed(f, 0, game_at(D0, 1, CST, "poker", false, 0));
  cr_assert_eq(at(f, 0, D0, CST).x[GB_FEAT_FAVOURITE_GAME_SHARE], 65535 / 65536.0);
  gb_features_update(f, 0, &a); /* 65535 -> 32767 + 1, poker 1 -> 0, total 65536 -> 32768 + 1 */
  gb_feature_vec v = at(f, 0, D0, CST);
  cr_assert_eq(v.x[GB_FEAT_FAVOURITE_GAME_SHARE], 32768 / 32769.0);
  cr_assert_eq(v.x[GB_FEAT_SESSION_GAMES], UINT16_MAX); /* saturated */
  cr_assert_eq(v.x[GB_FEAT_GAMES_TODAY], UINT16_MAX);
  gb_features_free(f);
}

Test(features, identity_and_install_day) {
  gb_features *f = new_features(8);
  /* 16:00 UTC is 00:00 of 2023-11-15 at UTC+8: local day 19676 */
  gb_event first = mk(GB_EV_APP_LAUNCHED, D0 + 16 * HOUR, 1, CST);
  GBT_SET(first.country, "CN");
  GBT_SET(first.platform, "android");
  feed(f, 0, first);
  feed(f, 0, mk(GB_EV_SESSION_START, D0 + 17 * HOUR, 1, EST)); /* empty fields: kept */
  gb_feature_vec v = at(f, 0, D0 + 3 * DAY + HOUR, CST);
  cr_assert_eq(v.install_day, 19676);
  cr_assert_eq(v.x[GB_FEAT_DAYS_SINCE_INSTALL], 2); /* 2023-11-17 09:00 local */
  cr_assert_str_eq(v.country, "CN");
  cr_assert_str_eq(v.platform, "android");
  v = at(f, 0, D0 + 3 * DAY + HOUR, EST); /* 2023-11-16 20:00 local */
  cr_assert_eq(v.x[GB_FEAT_DAYS_SINCE_INSTALL], 1);

  gb_event later = mk(GB_EV_SESSION_START, D0 + 18 * HOUR, 2, CST);
  GBT_SET(later.platform, "ios");
  feed(f, 0, later);
  gb_event other = mk(GB_EV_APP_LAUNCHED, D0, 1, 0);
  GBT_SET(other.country, "US"); /* no offset: the country's zone, UTC-5: 2023-11-13 */
  GBT_SET(other.platform, "android");
  feed(f, 5, other);
  v = at(f, 0, D0 + DAY, CST);
  cr_assert_str_eq(v.country, "CN");
  cr_assert_str_eq(v.platform, "ios");
  cr_assert_eq(v.install_day, 19676);
  v = at(f, 5, D0 + DAY, EST);
  cr_assert_str_eq(v.country, "US");
  cr_assert_str_eq(v.platform, "android");
  cr_assert_eq(v.install_day, 19674);
  gb_features_free(f);
}

/* Filling, folding the decision event, filling again at the same t: exactly what that event
 * adds changes. */
Test(features, fill_uses_only_events_before_the_decision) {
  gb_features *f = new_features(8);
  int64_t t = D0 + 20 * HOUR; /* 04:00 local */
  feed(f, 0, game_at(D0 + 16 * HOUR + 10 * MINUTE, 4, CST, "poker", false, -30));
  feed(f, 0, mk(GB_EV_SESSION_START, D0 + 19 * HOUR, 5, CST));
  feed(f, 0, game_at(t - 20 * MINUTE, 5, CST, "mahjong", true, 40));
  feed(f, 0, card_buy(t - 15 * MINUTE, 5, 6.0));
  feed(f, 0, game_at(t - 10 * MINUTE, 5, CST, "poker", false, -20));
  gb_event decision = game_at(t, 5, CST, "mahjong", true, 40);
  gb_feature_vec before = at(f, 0, t, CST);
  gb_features_update(f, 0, &decision);
  gb_feature_vec after = at(f, 0, t, CST);

  cr_assert_eq(before.x[GB_FEAT_SESSION_GAMES], 2);
  cr_assert_eq(after.x[GB_FEAT_SESSION_GAMES], 3);
  cr_assert_eq(before.x[GB_FEAT_SESSION_WIN_RATIO], 0.5);
  cr_assert_eq(after.x[GB_FEAT_SESSION_WIN_RATIO], 2 / 3.0);
  cr_assert_eq(before.x[GB_FEAT_GAMES_TODAY], 3);
  cr_assert_eq(after.x[GB_FEAT_GAMES_TODAY], 4);
  cr_assert_eq(before.x[GB_FEAT_FAVOURITE_GAME_SHARE], 2 / 3.0);
  cr_assert_eq(after.x[GB_FEAT_FAVOURITE_GAME_SHARE], 0.5);
  const gb_feature changed[] = {GB_FEAT_SESSION_GAMES, GB_FEAT_SESSION_WIN_RATIO,
                                GB_FEAT_GAMES_TODAY, GB_FEAT_FAVOURITE_GAME_SHARE};
  for (int i = 0; i < GB_FEAT__COUNT; i++) {
    bool is_changed = false;
    for (size_t c = 0; c < sizeof changed / sizeof changed[0]; c++)
      is_changed |= changed[c] == (gb_feature)i;
    if (!is_changed)
      cr_assert_eq(before.x[i], after.x[i], "%s", gb_feature_name((gb_feature)i));
  }
  cr_assert_eq(before.x[GB_FEAT_LAST_SESSION_GAMES], 1);
  cr_assert_eq(before.x[GB_FEAT_LAST_SESSION_COINS_DELTA], -30);
  cr_assert_eq(before.x[GB_FEAT_PURCHASE_7D], 6.0);
  cr_assert_eq(before.x[GB_FEAT_DAYS_SINCE_LAST_PURCHASE], 15.0 / (24 * 60));

  /* a decision that opens a session: before, the session it closes is still the current one */
  gb_event opener = game_at(t + HOUR, 6, CST, "mahjong", true, 40);
  before = at(f, 0, t + HOUR, CST);
  gb_features_update(f, 0, &opener);
  after = at(f, 0, t + HOUR, CST);
  cr_assert_eq(before.x[GB_FEAT_SESSION_GAMES], 3);
  cr_assert_eq(before.x[GB_FEAT_LAST_SESSION_GAMES], 1);
  cr_assert_eq(before.x[GB_FEAT_LAST_SESSION_PURCHASE], 0);
  cr_assert_eq(after.x[GB_FEAT_SESSION_GAMES], 1);
  cr_assert_eq(after.x[GB_FEAT_LAST_SESSION_GAMES], 3);
  cr_assert_eq(after.x[GB_FEAT_LAST_SESSION_PURCHASE], 6.0);
  cr_assert_eq(after.x[GB_FEAT_LAST_SESSION_COINS_DELTA], 60);
  gb_features_free(f);
}

static void assert_unknown(const gb_feature_vec *v) {
  cr_assert(!v->known);
  for (int i = 0; i < GB_FEAT__COUNT; i++)
    cr_assert_eq(v->x[i], i == GB_FEAT_DAYS_SINCE_LAST_PURCHASE ? -1 : 0, "%s",
                 gb_feature_name((gb_feature)i));
  cr_assert_str_eq(v->country, "");
  cr_assert_str_eq(v->platform, "");
  cr_assert_eq(v->install_day, 0);
}

Test(features, a_player_never_seen_is_unknown) {
  gb_features *f = new_features(4);
  feed(f, 1, game_at(D0, 1, CST, "mahjong", true, 5));
  feed(f, 2, mk(GB_EV_CHALLENGE_DELETE, D0, 0, 0)); /* control: not a player's event */
  gb_feature_vec v = at(f, 2, D0 + DAY, CST);
  assert_unknown(&v);
  v = at(f, 100000, D0 + DAY, CST); /* beyond the slots allocated */
  assert_unknown(&v);
  gb_features *empty = new_features(0);
  v = at(empty, 0, D0, CST);
  assert_unknown(&v);
  gb_features_free(empty);
  cr_assert(at(f, 1, D0 + DAY, CST).known);
  gb_features_free(f);
}

Test(features, memory_is_80_bytes_per_slot_plus_payers) {
  gb_features *f = new_features(1000); /* room for 1024 */
  cr_assert_eq(gb_features_memory(f), 1024 * 80);
  feed(f, 7, card_buy(D0, 1, 6.0));
  cr_assert_eq(gb_features_memory(f), 1024 * 80 + 256 * 48 + 4 * 16);
  gb_features_free(f);
  gb_features_free(NULL);
}

/* Player p's event i: a fixed stream per player, with games, sessions, purchases, platforms. */
static gb_event stream_event(uint32_t p, int i) {
  static const char *const names[] = {"mahjong", "poker", "tractor", "bigtwo", "guandan"};
  static const char *const platforms[] = {"android", "ios", "web"};
  int64_t ts = D0 + (int64_t)i * 37 * MINUTE + p * 1000;
  uint64_t session = 100 * (p + 1) + (uint64_t)(i / 9);
  gb_event ev;
  switch ((i * 7 + (int)p) % 6) {
  case 0:
    ev = card_buy(ts, session, 0.1 * (i % 7) + 0.07 * p);
    break;
  case 1:
    ev = steam_buy(ts, i % 4 ? session : 0, 9.99 + p, 0.15);
    break;
  case 2:
    ev = mk(GB_EV_SESSION_END, ts, session, EST);
    break;
  default:
    ev = game_at(ts, i % 5 ? session : 0, (int32_t)(60 * p), names[(i * (p + 2)) % 5], i % 3,
                 (int64_t)(i % 11) - 5);
    break;
  }
  GBT_SET(ev.platform, platforms[(p + (uint32_t)i / 50) % 3]);
  GBT_SET(ev.country, p % 2 ? "CN" : "BR");
  return ev;
}

static void assert_same_vec(const gb_feature_vec *a, const gb_feature_vec *b) {
  for (int i = 0; i < GB_FEAT__COUNT; i++)
    cr_assert_eq(a->x[i], b->x[i], "%s", gb_feature_name((gb_feature)i));
  cr_assert_str_eq(a->country, b->country);
  cr_assert_str_eq(a->platform, b->platform);
  cr_assert_eq(a->install_day, b->install_day);
  cr_assert_eq(a->known, b->known);
}

/* The same per-player streams, players one after the other in one store and interleaved in the
 * reverse order in another (so that game names and platforms get other indexes): the same
 * vectors, compared at every 20th event of every player. */
Test(features, same_streams_in_any_interleaving_give_the_same_vectors) {
  enum { PLAYERS = 5, EVENTS = 400, STEP = 20 };
  gb_features *seq = new_features(PLAYERS), *mix = new_features(PLAYERS);
  gb_feature_vec want[PLAYERS][EVENTS / STEP];
  for (uint32_t p = 0; p < PLAYERS; p++)
    for (int i = 0; i < EVENTS; i++) {
      if (i % STEP == 0)
        gb_features_fill(seq, p, stream_event(p, i).ts, 480, &want[p][i / STEP]);
      feed(seq, p, stream_event(p, i));
    }
  size_t compared = 0, paid = 0;
  for (int i = 0; i < EVENTS; i++)
    for (uint32_t q = PLAYERS; q-- > 0;) {
      uint32_t p = (q + (uint32_t)i) % PLAYERS;
      if (i % STEP == 0) {
        gb_feature_vec got;
        gb_features_fill(mix, p, stream_event(p, i).ts, 480, &got);
        assert_same_vec(&got, &want[p][i / STEP]);
        compared++;
        paid += got.x[GB_FEAT_PURCHASE_7D] > 0;
      }
      feed(mix, p, stream_event(p, i));
    }
  cr_assert_eq(compared, PLAYERS * EVENTS / STEP);
  cr_assert_gt(paid, PLAYERS * EVENTS / STEP / 2); /* the streams exercise the money too */
  gb_features_free(seq);
  gb_features_free(mix);
}
