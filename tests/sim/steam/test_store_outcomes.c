/* gb_store_outcomes: NDCG@k and recall@k against the held-out future, coverage and novelty,
 * checked by hand. */
#include <criterion/criterion.h>
#include <math.h>

#include "gb_store_catalog.h"
#include "gb_store_outcomes.h"

static gb_store_catalog *catalog(void) {
  gb_store_catalog_params p = {.seed = 3, .apps = 100, .popularity_sigma = 1.0, .start_ms = 0};
  gb_err err = {0};
  gb_store_catalog *c = NULL;
  cr_assert_eq(gb_store_catalog_generate(&p, &c, &err), 0, "%s", err.msg);
  return c;
}

Test(store_outcomes, scores_each_slate_against_later_purchases) {
  gb_store_catalog *c = catalog();
  gb_store_outcomes *o = NULL;
  gb_err err = {0};
  cr_assert_eq(gb_store_outcomes_new(c, 2, &o, &err), 0, "%s", err.msg);
  uint32_t s1[] = {10, 20, 30};
  gb_store_outcomes_slate(o, 0, 0, 1000, s1, 3); /* player 0, arm 0 */
  gb_store_outcomes_purchase(o, 0, 500, 10);     /* before the slate: not its future */
  gb_store_outcomes_purchase(o, 0, 2000, 30);    /* place 2: a hit */
  gb_store_outcomes_purchase(o, 0, 3000, 99);    /* not on the slate */
  gb_store_outcomes_purchase(o, 0, 4000, 30);    /* again: the future holds distinct apps */
  uint32_t s2[] = {5, 6};
  gb_store_outcomes_slate(o, 1, 0, 1000, s2, 2); /* player 1 buys nothing: not evaluable */
  gb_store_outcomes_purchase(o, 2, 9000, 5);     /* another player's purchase */
  gb_store_ranking r = {0};
  gb_store_outcomes_ranking(o, 0, &r);
  cr_assert_eq(r.slates, 2);
  cr_assert_eq(r.shown, 5);
  cr_assert_eq(r.evaluable, 1);
  cr_assert_eq(r.hits, 1);
  /* F = {30, 99}: recall 1/2; DCG = 1/log2(4) = 0.5, IDCG = 1 + 1/log2(3) */
  cr_assert_float_eq(gb_store_ranking_recall(&r), 0.5, 1e-9);
  cr_assert_float_eq(gb_store_ranking_ndcg(&r), 0.5 / (1 + 1 / log2(3.0)), 1e-9);
  double info = 0;
  uint32_t shown[] = {10, 20, 30, 5, 6};
  for (int i = 0; i < 5; i++)
    info += -log2(gb_store_catalog_app(c, shown[i])->popularity);
  cr_assert_float_eq(gb_store_ranking_novelty(&r), info / 5, 1e-6);
  uint64_t bits[2] = {0, 0};
  gb_store_outcomes_shown(o, 0, bits);
  cr_assert_eq(bits[0], (1ull << 10) | (1ull << 20) | (1ull << 30) | (1ull << 5) | (1ull << 6));
  gb_store_ranking none = {0};
  gb_store_outcomes_ranking(o, 1, &none); /* arm 1 showed nothing */
  cr_assert_eq(none.slates, 0);
  cr_assert_eq(gb_store_ranking_ndcg(&none), 0);
  gb_store_outcomes_free(o);
  gb_store_catalog_free(c);
}
