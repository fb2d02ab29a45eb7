#include <criterion/criterion.h>
#include <math.h>

#include "gb_games.h"
#include "gb_response.h"

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
  for (size_t i = 1; i < nr; i++)
    cr_assert_gt(r[i].bet, r[i - 1].bet);
}
