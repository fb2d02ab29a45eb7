/* gb_model_popularity: item use summed over users (users, hours or log hours), the same scores
 * for every history. */
#include <criterion/criterion.h>
#include <math.h>

#include "gb_model_popularity.h"

Test(model_popularity, counts_users_or_sums_weights) {
  gb_interaction t[] = {{0, 0, 2}, {0, 2, 10}, {1, 0, 3}, {2, 0, 0}, {2, 1, 1}};
  gb_interactions *x = NULL;
  cr_assert_eq(gb_interactions_new(t, 5, 3, 4, &x, NULL), 0);
  gb_model_popularity *m = NULL;
  cr_assert_eq(
      gb_model_popularity_new(x, &(gb_model_popularity_params){GB_WEIGHT_BINARY}, &m, NULL), 0);
  cr_assert_eq(gb_model_popularity_items(m), 4);
  double s[4], again[4];
  gb_model_popularity_score(m, NULL, NULL, 0, s);
  cr_assert_eq(s[0], 3);
  cr_assert_eq(s[1], 1);
  cr_assert_eq(s[2], 1);
  cr_assert_eq(s[3], 0);
  gb_model_popularity_score(m, (uint32_t[]){0, 3}, NULL, 2, again);
  for (int i = 0; i < 4; i++)
    cr_assert_eq(again[i], s[i], "the history does not change the scores");
  gb_model_popularity_free(m);
  cr_assert_eq(gb_model_popularity_new(x, &(gb_model_popularity_params){GB_WEIGHT_RAW}, &m, NULL),
               0);
  gb_model_popularity_score(m, NULL, NULL, 0, s);
  cr_assert_eq(s[0], 5, "2 + 3 + 0 hours");
  cr_assert_eq(s[2], 10);
  gb_model_popularity_free(m);
  cr_assert_eq(gb_model_popularity_new(x, &(gb_model_popularity_params){GB_WEIGHT_LOG}, &m, NULL),
               0);
  gb_model_popularity_score(m, NULL, NULL, 0, s);
  cr_assert_float_eq(s[0], log(3) + log(4), 1e-14);
  gb_model_popularity_free(m);
  gb_model_popularity_free(NULL);
  gb_interactions_free(x);
}
