#include <criterion/criterion.h>
#include <math.h>

#include "gb_games.h"
#include "gb_response.h"
#include "gb_rng.h"

Test(response, hand_computed_cases) {
  gb_response_params p = gb_response_defaults();
  /* logit = -1.5 + 2*1 + 2*(0.7-0.5) + ln(1 + 900/(800+100)) - 0.3*1 = 0.6 + ln 2 */
  gb_response_input in = {.affinity = 1,
                          .skill = 0.7,
                          .difficulty = 0.5,
                          .reward_coins = 900,
                          .balance = 800,
                          .recent_props = 1};
  double expect = 1.0 / (1.0 + exp(-(0.6 + log(2.0))));
  cr_assert_float_eq(gb_response_use_probability(&p, &in), expect, 1e-12);
  /* an average prop: logit = -1.5 */
  gb_response_input avg = {.affinity = 0, .skill = 0.5, .difficulty = 0.5};
  cr_assert_float_eq(gb_response_use_probability(&p, &avg), 1.0 / (1.0 + exp(1.5)), 1e-12);
}

Test(response, more_hand_computed_cases) {
  gb_response_params p = gb_response_defaults();
  /* the second favourite game (affinity 0.6), a hard challenge, a rich player, no fatigue:
   * logit = -1.5 + 2*0.6 + 2*(0.4-0.9) + 1*ln(1 + 1000/(99900+100)) = -1.3 + ln 1.01 */
  gb_response_input second = {.affinity = 0.6,
                              .skill = 0.4,
                              .difficulty = 0.9,
                              .reward_coins = 1000,
                              .balance = 99900,
                              .recent_props = 0};
  cr_assert_float_eq(gb_response_use_probability(&p, &second), 1.0 / (1.0 + exp(1.3 - log(1.01))),
                     1e-12);
  /* a broke player (balance 0) offered 300 coins, tired by 5 props:
   * logit = -1.5 + 2*0.2 + 2*0 + ln(1 + 300/100) - 0.3*5 = -2.6 + ln 4 */
  gb_response_input broke = {.affinity = 0.2,
                             .skill = 0.5,
                             .difficulty = 0.5,
                             .reward_coins = 300,
                             .balance = 0,
                             .recent_props = 5};
  cr_assert_float_eq(gb_response_use_probability(&p, &broke), 1.0 / (1.0 + exp(2.6 - log(4.0))),
                     1e-12);
  /* other coefficients are taken as given: b0 = 0 and nothing else gives exactly 1/2 */
  gb_response_params zero = {0};
  cr_assert_float_eq(gb_response_use_probability(&zero, &broke), 0.5, 1e-15);
}

Test(response, fatigue_lowers_and_affinity_raises) {
  gb_response_params p = gb_response_defaults();
  gb_response_input a = {.affinity = 0.2, .skill = 0.5, .difficulty = 0.5, .balance = 1000};
  gb_response_input b = a;
  b.recent_props = 3;
  gb_response_input c = a;
  c.affinity = 1;
  cr_assert_lt(gb_response_use_probability(&p, &b), gb_response_use_probability(&p, &a));
  cr_assert_gt(gb_response_use_probability(&p, &c), gb_response_use_probability(&p, &a));
}

Test(games, platform_model_is_consistent) {
  size_t n;
  const gb_game_model *g = gb_games(&n);
  cr_assert_geq(n, 12);
  double share = 0;
  for (size_t i = 0; i < n; i++) {
    share += g[i].popularity;
    cr_assert_geq(g[i].table_size, 2);
    cr_assert_gt(g[i].round_mean_s, 0);
  }
  cr_assert_float_eq(share, 1.0, 1e-9);
  cr_assert_eq(gb_games_find("dou_dizhu"), 0);
  cr_assert_eq(gb_games_find("nope"), -1);
  size_t nr;
  const gb_room_model *r = gb_rooms(&nr);
  for (size_t i = 0; i < nr; i++) {
    cr_assert(r[i].rake > 0 && r[i].rake <= 0.05, "room %s rake %g", r[i].name, r[i].rake);
    if (i > 0) {
      cr_assert_gt(r[i].bet, r[i - 1].bet);
      cr_assert_eq(r[i].min_balance, 20 * r[i].bet, "a tier's minimum is 20 bets");
    }
  }
}

Test(games, economy_packs_and_levels) {
  size_t n;
  const gb_coin_pack *packs = gb_coin_packs(&n);
  cr_assert_geq(n, 3u);
  for (size_t i = 1; i < n; i++) {
    cr_assert_gt(packs[i].price_fen, packs[i - 1].price_fen);
    /* bigger packs give at least as many coins per yuan */
    cr_assert_geq(packs[i].coins * packs[i - 1].price_fen, packs[i - 1].coins * packs[i].price_fen);
  }
  const gb_economy *e = gb_games_economy();
  cr_assert_eq(e->starting_coins, 5000);
  cr_assert_eq(e->relief_per_day, 3);
  /* level = 1 + floor(sqrt(xp / 50)) */
  cr_assert_eq(gb_games_level(0), 1);
  cr_assert_eq(gb_games_level(49), 1);
  cr_assert_eq(gb_games_level(50), 2);
  cr_assert_eq(gb_games_level(199), 2);
  cr_assert_eq(gb_games_level(200), 3);
  cr_assert_eq(gb_games_level(5000), 11);
  gb_rng rng;
  gb_rng_seed(&rng, 1, 1);
  size_t ng;
  const gb_game_model *g = gb_games(&ng);
  double sum = 0;
  enum { ROUNDS = 20000 };
  for (int i = 0; i < ROUNDS; i++) {
    double s = gb_games_round_seconds(&g[0], &rng);
    cr_assert_geq(s, 0.5 * g[0].round_mean_s, "no round is shorter than half the mean");
    sum += s;
  }
  cr_assert_float_eq(sum / ROUNDS, g[0].round_mean_s, 0.02 * g[0].round_mean_s);
}
