/* gb_eval_run: the protocol on two groups of users that never share an item, where every model
 * that learns co-usage must rank the one held-out item first (NDCG 1), the counts of the splits
 * (the validation split is carved from the training part only), the grid's size, and
 * determinism. */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "gb_eval_run.h"

/* 8 users: users 0-3 use items 0-4, users 4-7 items 5-9, every one all five of their group. */
static gb_interactions *two_groups(void) {
  gb_interaction t[40];
  size_t n = 0;
  for (uint32_t u = 0; u < 8; u++)
    for (uint32_t i = 0; i < 5; i++)
      t[n++] = (gb_interaction){u, (u < 4 ? 0 : 5) + i, 1 + u + i};
  gb_interactions *x = NULL;
  cr_assert_eq(gb_interactions_new(t, n, 8, 10, &x, NULL), 0);
  return x;
}

static const gb_eval_opts OPTS = {.k = 1, .seed = 5, .holdout = 0.2, .min_items = 5};

static gb_eval_result run(const gb_eval_data *d, const char *spec) {
  gb_ranker_config c;
  gb_err err = {0};
  cr_assert_eq(gb_ranker_config_parse(&c, spec, &err), 0, "%s", err.msg);
  gb_eval_result r;
  cr_assert_eq(gb_eval_algorithm(d, &c, spec, &r, &err), 0, "%s: %s", spec, err.msg);
  return r;
}

Test(eval_run, co_usage_models_find_the_held_out_item) {
  gb_interactions *x = two_groups();
  gb_eval_data *d = NULL;
  cr_assert_eq(gb_eval_prepare(x, &OPTS, &d, NULL), 0);
  const char *specs[] = {"ease:min_users=1:lambda=1", "itemknn", "itemknn:similarity=jaccard",
                         "rp3beta", "als:factors=2"}; /* rank 2: the two groups */
  for (size_t i = 0; i < sizeof specs / sizeof specs[0]; i++) {
    gb_eval_result r = run(d, specs[i]);
    cr_assert_str_eq(r.spec, specs[i]);
    cr_assert_eq(r.test.users, 8);
    cr_assert_eq(r.test.ndcg, 1, "%s", specs[i]);
    cr_assert_eq(r.test.precision, 1);
    cr_assert_eq(r.test.recall, 1);
    cr_assert_eq(r.test.map, 1);
    cr_assert_eq(r.test.hit_rate, 1);
    cr_assert_eq(r.ndcg_lo, 1, "every user scores 1: the interval is a point");
    cr_assert_eq(r.ndcg_hi, 1);
    cr_assert_gt(r.test.coverage, 0);
    cr_assert_leq(r.test.coverage, 8.0 / 10, "one item per user at k = 1");
    cr_assert_geq(r.fit_s, 0);
  }
  gb_eval_data_free(d);
  gb_interactions_free(x);
}

Test(eval_run, the_counts_of_the_splits) {
  gb_interactions *x = two_groups();
  gb_eval_data *d = NULL;
  cr_assert_eq(gb_eval_prepare(x, &OPTS, &d, NULL), 0);
  gb_eval_counts c;
  gb_eval_data_counts(d, &c);
  cr_assert_eq(c.users, 8);
  cr_assert_eq(c.items, 10);
  cr_assert_eq(c.interactions, 40);
  cr_assert_eq(c.evaluated, 8);
  cr_assert_eq(c.test, 8, "round(0.2 x 5) = 1 each");
  cr_assert_eq(c.train, 32);
  cr_assert_eq(c.val, 8, "round(0.2 x 4) = 1 each, from the training part");
  cr_assert_eq(c.val_train, 24);
  cr_assert_eq(gb_interactions_nnz(gb_eval_data_train(d)), 32);
  gb_eval_data_free(d);
  gb_interactions_free(x);
}

Test(eval_run, the_grid_covers_the_parameters_not_given) {
  gb_interactions *x = two_groups();
  gb_eval_data *d = NULL;
  cr_assert_eq(gb_eval_prepare(x, &OPTS, &d, NULL), 0);
  /* itemknn (cosine): k 4 x shrink 3 x weight 3; k1 and b do not apply */
  gb_eval_result r = run(d, "itemknn");
  cr_assert_eq(r.grid_points, 36);
  r = run(d, "itemknn:similarity=bm25:k=10");
  cr_assert_eq(r.grid_points, 2 * 3 * 3, "k1 x b x weight");
  r = run(d, "itemknn:k=10:shrink=0:weight=raw");
  cr_assert_eq(r.grid_points, 1);
  cr_assert_str_eq(r.chosen, "itemknn:similarity=cosine:k=10:shrink=0:weight=raw");
  r = run(d, "popularity");
  cr_assert_eq(r.grid_points, 1);
  cr_assert_str_eq(r.chosen, "popularity:weight=binary");
  gb_eval_data_free(d);
  gb_interactions_free(x);
}

Test(eval_run, the_same_inputs_give_the_same_results) {
  gb_interactions *x = two_groups();
  gb_eval_data *a = NULL, *b = NULL;
  gb_eval_opts o = OPTS;
  o.k = 3;
  cr_assert_eq(gb_eval_prepare(x, &o, &a, NULL), 0);
  cr_assert_eq(gb_eval_prepare(x, &o, &b, NULL), 0);
  gb_eval_result ra = run(a, "popularity"), rb = run(b, "popularity");
  cr_assert_eq(memcmp(&ra.test, &rb.test, sizeof ra.test), 0);
  cr_assert_eq(ra.ndcg_lo, rb.ndcg_lo);
  cr_assert_eq(ra.ndcg_hi, rb.ndcg_hi);
  cr_assert_leq(ra.ndcg_lo, ra.test.ndcg);
  cr_assert_geq(ra.ndcg_hi, ra.test.ndcg);
  ra = run(a, "als:factors=3");
  rb = run(b, "als:factors=3");
  cr_assert_eq(memcmp(&ra.test, &rb.test, sizeof ra.test), 0);
  cr_assert_str_eq(ra.chosen, rb.chosen);
  cr_assert_eq(ra.val_ndcg, rb.val_ndcg);
  gb_eval_data_free(a);
  gb_eval_data_free(b);
  gb_interactions_free(x);
}

Test(eval_run, bad_options_and_logs_without_users_are_refused) {
  gb_interactions *x = two_groups();
  gb_eval_data *d = NULL;
  gb_err err = {0};
  gb_eval_opts o = OPTS;
  o.min_items = 6;
  cr_assert_eq(gb_eval_prepare(x, &o, &d, &err), -1);
  cr_assert_eq(err.kind, GB_ERR_INPUT);
  cr_assert_str_eq(err.msg, "eval: no user has 6 or more items (of 8 users)");
  o = OPTS;
  o.k = 0;
  cr_assert_eq(gb_eval_prepare(x, &o, &d, &err), -1);
  cr_assert_str_eq(err.msg, "eval: k must be >= 1");
  o = OPTS;
  o.holdout = 1;
  cr_assert_eq(gb_eval_prepare(x, &o, &d, &err), -1);
  cr_assert_str_eq(err.msg, "eval: holdout 1 is outside (0, 1)");
  cr_assert_null(d);
  gb_eval_data_free(NULL);
  gb_interactions_free(x);
}
