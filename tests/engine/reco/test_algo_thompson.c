/* thompson (engine/reco/gb_algo_thompson.c): one Beta(a + used, b + given − used) draw per
 * candidate from a stream keyed by (seed, decision id, arm), the highest given; propensity by
 * the normal approximation (exact in form for two candidates). */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "gb_algo_int.h"
#include "gb_rng.h"
#include "gb_test_algo.h"

#define MIN 60000

enum { DECISIONS = 20000 };

static const uint32_t two[] = {4, 8}, four[] = {4, 8, 15, 16};

/* The propensity of Beta(a1, b1) winning against Beta(a2, b2): the normal approximation
 * (gb_algo_max_prob_normal, pinned in test_algo_util) of the Beta means and variances. */
static double win_prob(double a1, double b1, double a2, double b2) {
  double mean[2] = {a1 / (a1 + b1), a2 / (a2 + b2)};
  double var[2] = {a1 * b1 / ((a1 + b1) * (a1 + b1) * (a1 + b1 + 1)),
                   a2 * b2 / ((a2 + b2) * (a2 + b2) * (a2 + b2 + 1))};
  return gb_algo_max_prob_normal(mean, var, 2, 0);
}

Test(algo_thompson, draws_are_keyed_by_the_decision_and_differ_by_arm) {
  gbt_algo *a = gbt_algo_new("thompson", 42, 0, NULL),
           *same = gbt_algo_new("thompson", 42, 0, NULL);
  gbt_algo *arm1 = gbt_algo_new("thompson", 42, 1, NULL);
  gbt_algo *seed7 = gbt_algo_new("thompson", 7, 0, NULL);
  size_t differ_arm = 0, differ_seed = 0, seen[4] = {0};
  for (uint64_t d = 1; d <= DECISIONS; d++) {
    gb_algo_choice c = gbt_algo_choose(a, d, 0, NULL, four, 4);
    gb_algo_choice s = gbt_algo_choose(same, d, 3, NULL, four, 4);
    cr_assert(c.index == s.index && c.propensity == s.propensity, "decision %llu",
              (unsigned long long)d);
    /* the prior alone: four equal Beta(1, 1), each pair Φ(0) = 1/2, the product 1/8 */
    cr_assert_eq(c.propensity, 0.125);
    seen[c.index]++;
    differ_arm += gbt_algo_choose(arm1, d, 0, NULL, four, 4).index != c.index;
    differ_seed += gbt_algo_choose(seed7, d, 0, NULL, four, 4).index != c.index;
  }
  for (int i = 0; i < 4; i++) /* 5000 expected, sd 61 */
    cr_assert(seen[i] > 4700 && seen[i] < 5300, "candidate %d: %zu", i, seen[i]);
  cr_assert(fabs((double)differ_arm / DECISIONS - 0.75) < 0.015, "%zu differ", differ_arm);
  cr_assert(fabs((double)differ_seed / DECISIONS - 0.75) < 0.015, "%zu differ", differ_seed);
  gbt_algo_free(a);
  gbt_algo_free(same);
  gbt_algo_free(arm1);
  gbt_algo_free(seed7);
}

Test(algo_thompson, prefers_the_higher_use_rate) {
  gbt_algo *a = gbt_algo_new("thompson", 42, 0, NULL);
  gbt_algo_props(a, 0, 4, 1000, NULL, 100, 80); /* Beta(81, 21) */
  gbt_algo_props(a, 1, 8, 1000, NULL, 100, 20); /* Beta(21, 81) */
  gbt_algo_epoch1(a, MIN);
  double p = win_prob(81, 21, 21, 81);
  for (uint64_t d = 1; d <= 2000; d++) {
    gb_algo_choice c = gbt_algo_choose(a, d, 0, NULL, two, 2);
    cr_assert_eq(two[c.index], 4, "decision %llu", (unsigned long long)d);
    cr_assert_float_eq(c.propensity, p, 1e-12);
  }
  gbt_algo_free(a);
}

Test(algo_thompson, propensity_of_two_is_the_normal_win_probability_and_near_the_frequency) {
  gbt_algo *a = gbt_algo_new("thompson", 42, 0, "prior_a", 2.0, "prior_b", 3.0, NULL);
  gbt_algo_props(a, 0, 4, 1000, NULL, 10, 6); /* Beta(8, 7) */
  gbt_algo_props(a, 0, 8, 1000, NULL, 10, 3); /* Beta(5, 10) */
  gbt_algo_epoch1(a, MIN);
  double p4 = win_prob(8, 7, 5, 10), p8 = win_prob(5, 10, 8, 7);
  cr_assert_float_eq(p4 + p8, 1, 1e-12);
  size_t fours = 0;
  for (uint64_t d = 1; d <= DECISIONS; d++) {
    gb_algo_choice c = gbt_algo_choose(a, d, 0, NULL, two, 2);
    cr_assert_float_eq(c.propensity, c.index == 0 ? p4 : p8, 1e-12);
    fours += c.index == 0;
  }
  /* the approximation against the sampler itself (sd of the frequency 0.003) */
  cr_assert(fabs((double)fours / DECISIONS - p4) < 0.03, "4 chosen %zu of %d, propensity %g", fours,
            DECISIONS, p4);
  gbt_algo_free(a);
}

static gb_feature_vec on(const char *platform, const char *country) {
  gb_feature_vec f = gbt_algo_features();
  snprintf(f.platform, sizeof f.platform, "%s", platform);
  snprintf(f.country, sizeof f.country, "%s", country);
  return f;
}

Test(algo_thompson, segments_keep_one_model_each) {
  gb_feature_vec ios = on("ios", "CN"), android = on("android", "CN");
  cr_assert_neq(gb_hash_bytes("ios", 3, 0) % 16, gb_hash_bytes("android", 7, 0) % 16,
                "the two platforms share a bucket: pick others");
  gbt_algo *seg = gbt_algo_new("thompson", 42, 0, "segment", 1.0, NULL); /* platform */
  gbt_algo *pooled = gbt_algo_new("thompson", 42, 0, NULL);
  gbt_algo *by_country = gbt_algo_new("thompson", 42, 0, "segment", 2.0, NULL);
  gbt_algo *all[] = {seg, pooled, by_country};
  for (int i = 0; i < 3; i++) {
    gbt_algo_props(all[i], 0, 4, 1000, &ios, 30, 30);
    gbt_algo_props(all[i], 0, 8, 1000, &ios, 30, 0);
    gbt_algo_props(all[i], 1, 4, 1000, &android, 30, 0);
    gbt_algo_props(all[i], 1, 8, 1000, &android, 30, 30);
    gbt_algo_epoch1(all[i], MIN);
  }
  size_t n = 500;
  cr_assert_eq(gbt_algo_count_picks(seg, 1, n, &ios, two, 2, 4), n);
  cr_assert_eq(gbt_algo_count_picks(seg, 1, n, &android, two, 2, 8), n);
  /* pooled, and by country (one country): Beta(31, 31) each, a coin toss */
  size_t p = gbt_algo_count_picks(pooled, 1, n, &ios, two, 2, 4);
  size_t c = gbt_algo_count_picks(by_country, 1, n, &ios, two, 2, 4);
  cr_assert(p > n / 3 && p < 2 * n / 3, "pooled: 4 chosen %zu of %zu", p, n);
  cr_assert_eq(c, p, "one country: the pooled model's draws");
  /* a platform nobody was seen on: the prior alone */
  gb_feature_vec other = on("web", "CN");
  if (gb_hash_bytes("web", 3, 0) % 16 != gb_hash_bytes("ios", 3, 0) % 16 &&
      gb_hash_bytes("web", 3, 0) % 16 != gb_hash_bytes("android", 7, 0) % 16)
    cr_assert_eq(gbt_algo_choose(seg, 1, 0, &other, two, 2).propensity, 0.5);
  for (int i = 0; i < 3; i++)
    gbt_algo_free(all[i]);
}

Test(algo_thompson, nothing_changes_between_its_own_boundaries) {
  gbt_algo *a = gbt_algo_new("thompson", 42, 0, "epoch", 2.0 * MIN, NULL);
  size_t before[1000], after[1000];
  double pb[1000], pa[1000];
  gbt_algo_choices(a, 1, 1000, NULL, four, 4, before, pb);
  gbt_algo_props(a, 0, 16, 1000, NULL, 50, 50);
  gbt_algo_epoch1(a, MIN);
  gbt_algo_choices(a, 1, 1000, NULL, four, 4, after, pa);
  cr_assert_eq(memcmp(before, after, sizeof before), 0, "a choice changed at a non-own boundary");
  cr_assert_eq(memcmp(pb, pa, sizeof pb), 0, "a propensity changed at a non-own boundary");
  gbt_algo_epoch1(a, 2 * MIN);
  /* Beta(51, 1) beats three Beta(1, 1) with probability E[X³] = 51 / 54 = 0.944 (sd 0.007) */
  size_t sixteen = gbt_algo_count_picks(a, 1, 1000, NULL, four, 4, 16);
  cr_assert(sixteen > 910 && sixteen < 980, "16 chosen %zu of 1000", sixteen);
  gbt_algo_free(a);
}

Test(algo_thompson, shards_merged_agree_with_one_shard) {
  gbt_algo *one = gbt_algo_new("thompson", 42, 0, NULL);
  gbt_algo *sh[2] = {gbt_algo_new("thompson", 42, 0, NULL), gbt_algo_new("thompson", 42, 0, NULL)};
  for (uint32_t i = 0; i < 4; i++) {
    gbt_algo_props(one, i, four[i], 1000, NULL, 10 + i, 2 * i);
    gbt_algo_props(sh[i % 2], i, four[i], 1000, NULL, 10 + i, 2 * i);
  }
  gbt_algo_epoch1(one, MIN);
  gbt_algo_epoch(sh, 2, MIN);
  for (uint64_t d = 1; d <= 2000; d++) {
    gb_algo_choice x = gbt_algo_choose(one, d, 0, NULL, four, 4);
    for (int s = 0; s < 2; s++) {
      gb_algo_choice y = gbt_algo_choose(sh[s], d, 0, NULL, four, 4);
      cr_assert(x.index == y.index && x.propensity == y.propensity, "decision %llu, shard %d",
                (unsigned long long)d, s);
    }
  }
  gbt_algo_free(one);
  gbt_algo_free(sh[0]);
  gbt_algo_free(sh[1]);
}
