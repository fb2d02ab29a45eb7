/* The algorithm interface's warm start (gb_algo_ops.fit) from an interaction log of uses. */
#include <criterion/criterion.h>

#include <string.h>

#include "gb_algo.h"

Test(algo_fit, itemknn_learns_co_usage_from_a_log) {
  const gb_algo_ops *ops = gb_algo_find("itemknn");
  cr_assert_not_null(ops->fit);
  gb_algo_params p;
  gb_algo_params_defaults(ops, &p);
  p.v[gb_algo_param_index(ops, "epsilon")] = 0; /* no exploring draw */
  gb_algo_env env = {.seed = 1, .arm = 0, .expected_players = 4};
  void *state;
  gb_err err = {0};
  cr_assert_eq(ops->init(&env, &p, &state, &err), 0, "%s", err.msg);
  /* players 0 and 1 used challenges 1 and 2 together; player 2 used 3 alone */
  const gb_interaction log[] = {{0, 1, 1}, {0, 2, 1}, {1, 1, 1}, {1, 2, 1}, {2, 3, 1}};
  gb_interactions *x;
  cr_assert_eq(gb_interactions_new(log, 5, 3, 4, &x, &err), 0, "%s", err.msg);
  cr_assert_eq(ops->fit(state, x, &err), 0, "%s", err.msg);
  gb_tally *delta;
  cr_assert_eq(gb_tally_new(16, &delta, &err), 0);
  /* a player of the run uses challenge 1 before the day's boundary */
  gb_feature_vec f = {.known = true};
  gb_algo_feedback used = {
      .signal = GB_ALGO_USED, .slot = 7, .ts = 1000, .challenge = 1, .features = &f};
  ops->observe(state, &used, delta);
  gb_tally_clear(delta); /* what the run learnt is not the point: the log's co-usage is */
  ops->epoch(state, 86400000, delta);
  uint32_t cand[2] = {2, 3};
  double scratch[2 * GB_ALGO_SCRATCH_PER_CANDIDATE];
  for (uint64_t id = 1; id <= 50; id++) {
    gb_algo_decision d = {.decision_id = id,
                          .slot = 7,
                          .ts = 86400000 + 1,
                          .features = &f,
                          .candidates = cand,
                          .n_candidates = 2,
                          .scratch = scratch};
    gb_algo_choice c = ops->choose(state, &d);
    cr_assert_eq(c.index, 0, "decision %llu: challenge 2 is the one co-used with 1",
                 (unsigned long long)id);
  }
  /* without the log the queue is empty: the fallback ties and draws both */
  void *cold;
  cr_assert_eq(ops->init(&env, &p, &cold, &err), 0);
  ops->observe(cold, &used, delta);
  gb_tally_clear(delta);
  ops->epoch(cold, 86400000, delta);
  int seen[2] = {0};
  for (uint64_t id = 1; id <= 50; id++) {
    gb_algo_decision d = {.decision_id = id,
                          .slot = 7,
                          .ts = 86400000 + 1,
                          .features = &f,
                          .candidates = cand,
                          .n_candidates = 2,
                          .scratch = scratch};
    seen[ops->choose(cold, &d).index]++;
  }
  cr_assert(seen[0] > 0 && seen[1] > 0, "%d %d", seen[0], seen[1]);
  ops->free(cold);
  ops->free(state);
  gb_tally_free(delta);
  gb_interactions_free(x);
}

Test(algo_fit, algorithms_without_a_log_model_say_so) {
  size_t n;
  const gb_algo_ops *const *reg = gb_algo_registry(&n);
  for (size_t i = 0; i < n; i++)
    if (strcmp(reg[i]->name, "itemknn") != 0)
      cr_assert_null(reg[i]->fit, "%s", reg[i]->name);
}
