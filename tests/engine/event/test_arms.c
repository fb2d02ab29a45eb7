/* The A/B split of the players between the arms. */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "gb_arms.h"

Test(arms, split_players_by_weight_and_stably) {
  gb_arm_spec specs[2] = {{.name = "first", .algorithm = "random", .weight = 3},
                          {.name = "second", .algorithm = "none", .weight = 1}};
  gb_arms *a = NULL;
  gb_err err = {0};
  cr_assert_eq(gb_arms_new(specs, 2, 42, &a, &err), 0, "%s", err.msg);
  int first = 0;
  for (uint64_t p = 0; p < 40000; p++)
    first += gb_arms_of(a, p) == 0;
  cr_assert(first > 29400 && first < 30600, "3:1 split gave %d of 40000", first);
  cr_assert_eq(gb_arms_of(a, 77), gb_arms_of(a, 77));
  cr_assert_eq(gb_arms_count(a), 2);
  cr_assert_str_eq(gb_arms_name(a, 1), "second");
  cr_assert_str_eq(gb_arms_algorithm(a, 1), "none");
  cr_assert_float_eq(gb_arms_weight(a, 0), 3.0, 0);
  gb_arms_free(a);
}

/* The split is a pure function of (seed, player, weights): pinned values, so that a change to
 * it (which would move players between arms and change every arms.csv) cannot go unnoticed. */
Test(arms, assignment_is_pinned_by_seed_and_weights) {
  gb_arm_spec specs[2] = {{.name = "random", .algorithm = "random", .weight = 1},
                          {.name = "control", .algorithm = "none", .weight = 1}};
  gb_arms *a = NULL, *b = NULL;
  cr_assert_eq(gb_arms_new(specs, 2, 42, &a, NULL), 0);
  cr_assert_eq(gb_arms_new(specs, 2, 43, &b, NULL), 0);
  /* players 1..32 under the default workload's seed and arms (the split of aab7d9c's
   * gb_reco_arm_of, which gave arms.csv's 9909 random and 10141 control players) */
  const char *pinned = "11001100110000011000011110101100";
  for (uint64_t p = 1; p <= 32; p++)
    cr_assert_eq(gb_arms_of(a, p), (uint16_t)(pinned[p - 1] - '0'), "player %d", (int)p);
  int differ = 0;
  for (uint64_t p = 1; p <= 1000; p++)
    differ += gb_arms_of(a, p) != gb_arms_of(b, p);
  cr_assert(differ > 400 && differ < 600, "another seed, another split: %d of 1000 moved", differ);
  gb_arms_free(a);
  gb_arms_free(b);
}

Test(arms, rejects_what_cannot_split) {
  gb_arms *a = NULL;
  gb_err err = {0};
  cr_assert_eq(gb_arms_new(NULL, 0, 1, &a, &err), -1);
  cr_assert_eq(err.kind, GB_ERR_INPUT);
  cr_assert(strstr(err.msg, "need 1 to 65535 arms, got 0"), "%s", err.msg);
  gb_arm_spec zero[1] = {{.name = "x", .algorithm = "random", .weight = 0}};
  cr_assert_eq(gb_arms_new(zero, 1, 1, &a, &err), -1);
  cr_assert(strstr(err.msg, "arm 'x' has weight 0 (must be > 0)"), "%s", err.msg);
  gb_arm_spec nan_weight[1] = {{.name = "y", .algorithm = "random", .weight = NAN}};
  cr_assert_eq(gb_arms_new(nan_weight, 1, 1, &a, &err), -1);
  cr_assert(strstr(err.msg, "arm 'y' has weight nan"), "%s", err.msg);
}

/* Two finite weights whose sum is infinite would give every player the last arm (#16). */
Test(arms, rejects_weights_whose_sum_overflows) {
  gb_arms *a = NULL;
  gb_err err = {0};
  gb_arm_spec huge[2] = {{.name = "a", .algorithm = "random", .weight = 1e308},
                         {.name = "b", .algorithm = "none", .weight = 1e308}};
  cr_assert_eq(gb_arms_new(huge, 2, 1, &a, &err), -1);
  cr_assert_null(a);
  cr_assert_eq(err.kind, GB_ERR_INPUT);
  cr_assert_str_eq(err.msg, "arms: the weights' sum overflows (inf)");
}
