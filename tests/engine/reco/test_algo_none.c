/* none (engine/reco/gb_algo_none.c): the control arm gives nothing, whatever it is asked. */
#include <criterion/criterion.h>

#include "gb_test_algo.h"

Test(algo_none, never_gives_a_prop_and_is_certain_of_it) {
  gbt_algo *a = gbt_algo_new("none", 1, 0, NULL);
  cr_assert_not(a->ops->learns);
  cr_assert_null(a->ops->observe);
  cr_assert_null(a->ops->epoch);
  cr_assert_eq(a->ops->n_params, 0);
  uint32_t cands[64];
  for (uint32_t i = 0; i < 64; i++)
    cands[i] = 3 * i;
  gb_feature_vec f = gbt_algo_features();
  f.x[GB_FEAT_SESSION_GAMES] = 12;
  for (uint64_t d = 1; d <= 500; d++) {
    gb_algo_choice c = gbt_algo_choose(a, d, (uint32_t)d, d % 2 ? &f : NULL, cands, 1 + d % 64);
    cr_assert_eq(c.index, GB_ALGO_NO_PROP, "decision %llu", (unsigned long long)d);
    cr_assert_eq(c.propensity, 1.0);
  }
  gbt_algo_free(a);
}
