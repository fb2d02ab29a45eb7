/* gb_eval_metrics: precision, recall, NDCG, AP and hit at k on hand-computed lists (the
 * conventions of docs/metrics.md: precision over k, recall over |T|, IDCG and AP over
 * min(k, |T|)), top-k with its tie and NaN rules, and the means and coverage over users. */
#include <criterion/criterion.h>
#include <math.h>

#include "gb_eval_metrics.h"

#define EQ(a, b) cr_assert_float_eq((a), (b), 1e-15, "%s", #a)

static gb_eval_user_metrics user(const uint32_t *ranked, size_t n, size_t k, const uint32_t *rel,
                                 size_t n_rel) {
  gb_eval_user_metrics m;
  gb_eval_metrics_user(ranked, n, k, rel, n_rel, &m);
  return m;
}

Test(eval_metrics, two_hits_in_five) {
  /* hits at positions 2 and 5 of 5; |T| = 3 */
  gb_eval_user_metrics m = user((uint32_t[]){5, 3, 9, 1, 7}, 5, 5, (uint32_t[]){3, 7, 8}, 3);
  EQ(m.precision, 2.0 / 5);
  EQ(m.recall, 2.0 / 3);
  EQ(m.hit, 1);
  EQ(m.ndcg, (1 / log2(3) + 1 / log2(6)) / (1 + 1 / log2(3) + 1 / log2(4)));
  EQ(m.ap, (1.0 / 2 + 2.0 / 5) / 3); /* P@2 and P@5, over min(5, 3) */
}

Test(eval_metrics, a_short_list_is_not_rewarded) {
  /* k = 10 but 3 items ranked: precision stays over k */
  gb_eval_user_metrics m = user((uint32_t[]){2, 1, 0}, 3, 10, (uint32_t[]){0, 1}, 2);
  EQ(m.precision, 2.0 / 10);
  EQ(m.recall, 1);
  EQ(m.ndcg, (1 / log2(3) + 1 / log2(4)) / (1 + 1 / log2(3)));
  EQ(m.ap, (1.0 / 2 + 2.0 / 3) / 2);
}

Test(eval_metrics, more_held_out_items_than_k) {
  /* |T| = 4 > k = 2: recall over 4, IDCG and AP over 2 */
  gb_eval_user_metrics m = user((uint32_t[]){1, 9, 2}, 3, 2, (uint32_t[]){1, 2, 3, 4}, 4);
  EQ(m.precision, 0.5);
  EQ(m.recall, 0.25);
  EQ(m.ndcg, 1 / (1 + 1 / log2(3)));
  EQ(m.ap, 0.5);
}

Test(eval_metrics, perfect_and_empty_lists) {
  gb_eval_user_metrics m = user((uint32_t[]){4, 2}, 2, 2, (uint32_t[]){2, 4}, 2);
  EQ(m.precision, 1);
  EQ(m.recall, 1);
  EQ(m.ndcg, 1);
  EQ(m.ap, 1);
  EQ(m.hit, 1);
  /* the hit is at position 4, past k = 3 */
  m = user((uint32_t[]){1, 2, 3, 4}, 4, 3, (uint32_t[]){4}, 1);
  EQ(m.precision, 0);
  EQ(m.recall, 0);
  EQ(m.ndcg, 0);
  EQ(m.ap, 0);
  EQ(m.hit, 0);
  m = user(NULL, 0, 5, (uint32_t[]){4}, 1);
  EQ(m.ndcg, 0);
}

static size_t top(const double *s, uint32_t n, const uint32_t *ex, size_t n_ex, size_t k,
                  uint32_t *out) {
  char heap[256];
  cr_assert_leq(gb_eval_top_k_scratch(k), sizeof heap);
  return gb_eval_top_k(s, n, ex, n_ex, k, out, heap);
}

Test(eval_metrics, top_k_orders_by_score_then_index) {
  double s[] = {0.5, 0.9, 0.9, NAN, 0.1, 0.7, 0.9};
  uint32_t out[8];
  cr_assert_eq(top(s, 7, (uint32_t[]){2}, 1, 3, out), 3);
  cr_assert_eq(out[0], 1);
  cr_assert_eq(out[1], 6, "0.9 ties: the smaller index first, item 2 left out");
  cr_assert_eq(out[2], 5);
  cr_assert_eq(top(s, 7, NULL, 0, 8, out), 7, "fewer items than k");
  const uint32_t all[] = {1, 2, 6, 5, 0, 4, 3}; /* NaN last */
  for (size_t i = 0; i < 7; i++)
    cr_assert_eq(out[i], all[i], "position %zu", i);
  double ties[] = {1, 1, 1, 1};
  cr_assert_eq(top(ties, 4, NULL, 0, 2, out), 2);
  cr_assert_eq(out[0], 0);
  cr_assert_eq(out[1], 1);
  cr_assert_eq(top(ties, 4, (uint32_t[]){0, 1, 2, 3}, 4, 2, out), 0, "everything seen");
}

Test(eval_metrics, means_and_coverage_over_users) {
  gb_eval_acc *a = NULL;
  cr_assert_eq(gb_eval_acc_new(10, 2, 1, &a, NULL), 0);
  gb_eval_metrics r;
  gb_eval_acc_result(a, &r);
  cr_assert_eq(r.users, 0);
  EQ(r.ndcg, 0);
  /* user 1: perfect (items 4, 2); user 2: one hit at position 2 (items 7, 2), |T| = 1;
   * user 3: nothing (items 4, 8); the accumulator grows past its hint */
  cr_assert_eq(gb_eval_acc_add(a, (uint32_t[]){4, 2}, 2, (uint32_t[]){2, 4}, 2, NULL), 0);
  cr_assert_eq(gb_eval_acc_add(a, (uint32_t[]){7, 2}, 2, (uint32_t[]){2}, 1, NULL), 0);
  cr_assert_eq(gb_eval_acc_add(a, (uint32_t[]){4, 8, 9}, 3, (uint32_t[]){1}, 1, NULL), 0);
  gb_eval_acc_result(a, &r);
  cr_assert_eq(r.users, 3);
  EQ(r.precision, (1 + 0.5 + 0) / 3);
  EQ(r.recall, (1 + 1 + 0) / 3.0);
  EQ(r.ndcg, (1 + 1 / log2(3) + 0) / 3);
  EQ(r.map, (1 + 0.5 + 0) / 3);
  EQ(r.hit_rate, 2.0 / 3);
  EQ(r.coverage, 4.0 / 10); /* items 2, 4, 7, 8: item 9 is past k */
  size_t n;
  const double *v = gb_eval_acc_ndcg(a, &n);
  cr_assert_eq(n, 3);
  EQ(v[0], 1);
  EQ(v[1], 1 / log2(3));
  EQ(v[2], 0);
  gb_eval_acc_free(a);
  gb_eval_acc_free(NULL);
}
