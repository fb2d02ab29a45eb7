/* gb_store_model: the ground truth's formulas pinned on hand-computed values, the oracle slate,
 * discounts, and the parameter checks. */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "gb_store_model.h"

static double sigmoid(double x) { return 1.0 / (1.0 + exp(-x)); }

Test(store_model, formulas) {
  gb_store_model m = gb_store_model_defaults();
  gb_store_taste t = {.genre = {0, 2, 5}, .weight = {0.6, 0.3, 0.1}, .budget_cents = 2000};
  gb_store_app a = {.genres = 1u | 4u, .price_cents = 1000, .quality = 0.7, .popularity = 0.002};
  cr_assert_float_eq(gb_store_affinity(&t, &a), 0.9, 1e-12);
  double alpha = sigmoid(-3.0 + 3.0 * 0.9 + 2.0 * 0.2 + 0.4 * log10(0.002 * 1000));
  cr_assert_float_eq(gb_store_click_prob(&m, &t, &a, 1000), alpha, 1e-12);
  double beta = sigmoid(-1.0 + 1.5 * 0.9 + 1.5 * 0.2 - 1.0 * 1000 * 0.75 / 2000);
  cr_assert_float_eq(gb_store_buy_prob(&m, &t, &a, 0.25), beta, 1e-12);
  cr_assert_float_eq(gb_store_position_weight(&m, 0), 1.0, 1e-12);
  cr_assert_float_eq(gb_store_position_weight(&m, 3), pow(4.0, -0.7), 1e-12);
  /* A liked genre named twice counts once. */
  gb_store_taste twice = {.genre = {0, 0, 5}, .weight = {0.6, 0.3, 0.1}, .budget_cents = 2000};
  cr_assert_float_eq(gb_store_affinity(&twice, &a), 0.6, 1e-12);
}

Test(store_model, discounts_are_weekly_and_in_steps) {
  gb_store_model m = gb_store_model_defaults();
  m.sale_share = 1.0;
  const int64_t week = 7 * 86400000LL;
  for (uint32_t app = 0; app < 200; app++) {
    double d = gb_store_discount(&m, 1, app, 3 * week + 5);
    cr_assert(d >= 0.10 - 1e-12 && d <= 0.75 + 1e-12, "%g", d);
    cr_assert_float_eq(fmod(d * 100 + 1e-9, 5.0), 0.0, 1e-6);
    cr_assert_float_eq(gb_store_discount(&m, 1, app, 4 * week - 1), d, 0);
  }
  m.sale_share = 0;
  cr_assert_eq(gb_store_discount(&m, 1, 3, 0), 0.0);
}

static bool owns_first(const void *ctx, uint32_t o) {
  (void)ctx;
  return o == 0;
}

Test(store_model, oracle_slate_is_the_best_k_in_order) {
  gb_store_model m = gb_store_model_defaults();
  m.slate_size = 3;
  m.sale_share = 0;
  gb_store_catalog_params p = {
      .seed = 3, .apps = 300, .popularity_sigma = 2.0, .start_ms = 1767225600000LL};
  gb_err err = {0};
  gb_store_catalog *c;
  cr_assert_eq(gb_store_catalog_generate(&p, &c, &err), 0, "%s", err.msg);
  gb_store_taste t = {.genre = {1, 2, 3}, .weight = {0.6, 0.3, 0.1}, .budget_cents = 3000};
  uint32_t slate[3];
  double value[3];
  size_t k = gb_store_oracle_slate(&m, c, 3, &t, owns_first, NULL, 0, slate, value);
  cr_assert_eq(k, 3);
  /* Brute force: no unowned app outside the slate beats its last place. */
  for (uint32_t o = 1; o < 300; o++) {
    const gb_store_app *a = gb_store_catalog_app(c, o);
    double v = gb_store_click_prob(&m, &t, a, 300) * gb_store_buy_prob(&m, &t, a, 0);
    if (o != slate[0] && o != slate[1] && o != slate[2])
      cr_assert(v <= value[2], "app %u (%g) beats the slate's last (%g)", o, v, value[2]);
  }
  cr_assert(value[0] >= value[1] && value[1] >= value[2]);
  for (size_t i = 0; i < 3; i++)
    cr_assert_neq(slate[i], 0u, "the owned app is never in the slate");
  double buys, clicks;
  gb_store_slate_expectation(&m, c, 3, &t, owns_first, NULL, 0, slate, 3, &buys, &clicks);
  double want = 0;
  for (size_t i = 0; i < 3; i++)
    want += gb_store_position_weight(&m, (unsigned)i) * value[i];
  cr_assert_float_eq(buys, want, 1e-12);
  gb_store_catalog_free(c);
}

Test(store_model, checks_name_the_key) {
  gb_err err = {0};
  char key[64];
  gb_store_model m = gb_store_model_defaults();
  cr_assert_eq(gb_store_model_check(&m, key, sizeof key, &err), 0, "%s", err.msg);
  m.slate_size = 40;
  cr_assert_eq(gb_store_model_check(&m, key, sizeof key, &err), -1);
  cr_assert_str_eq(key, "slate_size");
  cr_assert_str_eq(err.msg, "40 is outside 1 .. 16");
  m = gb_store_model_defaults();
  m.taste_weights[0] = 0.9;
  cr_assert_eq(gb_store_model_check(&m, key, sizeof key, &err), -1);
  cr_assert_str_eq(key, "taste_weights");
  m = gb_store_model_defaults();
  m.hours_sigma = NAN;
  cr_assert_eq(gb_store_model_check(&m, key, sizeof key, &err), -1);
  cr_assert_str_eq(key, "hours_sigma");
}
