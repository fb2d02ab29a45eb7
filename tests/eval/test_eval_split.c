/* gb_eval_split: the held-out count rule, the same split for the same seed (and for a user
 * whatever the other users), train and test partitioning each evaluated user's row with at least
 * one training item left, other users untouched, and bad arguments refused. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "gb_eval_split.h"
#include "gb_rng.h"

/* 60 users over 40 items: user u has 1 + u % 12 distinct items drawn from its own stream,
 * weights u + item / 100. */
static gb_interactions *random_matrix(void) {
  gb_interaction t[60 * 12];
  size_t n = 0;
  for (uint32_t u = 0; u < 60; u++) {
    gb_rng rng;
    gb_rng_seed(&rng, 7, u);
    uint8_t used[40] = {0};
    for (uint32_t k = 0; k < 1 + u % 12;) {
      uint32_t i = (uint32_t)gb_rng_below(&rng, 40);
      if (used[i])
        continue;
      used[i] = 1;
      t[n++] = (gb_interaction){u, i, u + i / 100.0};
      k++;
    }
  }
  gb_interactions *x = NULL;
  cr_assert_eq(gb_interactions_new(t, n, 60, 40, &x, NULL), 0);
  return x;
}

static gb_eval_split *split(const gb_interactions *x, size_t min_items, uint64_t seed) {
  uint32_t *users = NULL;
  size_t n = 0;
  cr_assert_eq(gb_eval_split_users_with(x, min_items, &users, &n, NULL), 0);
  gb_eval_split *s = NULL;
  gb_err err = {0};
  cr_assert_eq(gb_eval_split_new(x, users, n, 0.2, seed, &s, &err), 0, "%s", err.msg);
  free(users);
  return s;
}

Test(eval_split, held_out_count_rule) {
  const size_t n[] = {0, 1, 2, 4, 5, 7, 8, 12, 13, 100};
  const size_t want[] = {0, 0, 1, 1, 1, 1, 2, 2, 3, 20};
  for (size_t i = 0; i < sizeof n / sizeof n[0]; i++)
    cr_assert_eq(gb_eval_split_held(n[i], 0.2), want[i], "n = %zu", n[i]);
  cr_assert_eq(gb_eval_split_held(3, 0.9), 2, "at most n - 1");
  cr_assert_eq(gb_eval_split_held(10, 0.01), 1, "at least 1");
}

static bool same_split(const gb_eval_split *a, const gb_eval_split *b) {
  if (gb_eval_split_count(a) != gb_eval_split_count(b))
    return false;
  for (size_t i = 0; i < gb_eval_split_count(a); i++) {
    const uint32_t *ta, *tb;
    size_t na = gb_eval_split_test(a, i, &ta), nb = gb_eval_split_test(b, i, &tb);
    if (gb_eval_split_user(a, i) != gb_eval_split_user(b, i) || na != nb ||
        memcmp(ta, tb, na * sizeof *ta) != 0)
      return false;
  }
  return gb_interactions_nnz(gb_eval_split_train(a)) == gb_interactions_nnz(gb_eval_split_train(b));
}

Test(eval_split, the_same_seed_gives_the_same_split) {
  gb_interactions *x = random_matrix();
  gb_eval_split *a = split(x, 5, 11), *b = split(x, 5, 11), *c = split(x, 5, 12);
  cr_assert(same_split(a, b));
  cr_assert_not(same_split(a, c), "another seed, another split");
  gb_eval_split_free(a);
  gb_eval_split_free(b);
  gb_eval_split_free(c);
  gb_interactions_free(x);
}

Test(eval_split, a_users_split_does_not_depend_on_the_others) {
  gb_interactions *x = random_matrix();
  gb_eval_split *all = split(x, 5, 3), *one = NULL;
  uint32_t user = 23; /* 12 items */
  cr_assert_eq(gb_eval_split_new(x, &user, 1, 0.2, 3, &one, NULL), 0);
  size_t at = 0;
  while (gb_eval_split_user(all, at) != user)
    at++;
  const uint32_t *ta, *tb;
  size_t na = gb_eval_split_test(all, at, &ta), nb = gb_eval_split_test(one, 0, &tb);
  cr_assert_eq(na, 2);
  cr_assert_eq(nb, 2);
  cr_assert_eq(memcmp(ta, tb, na * sizeof *ta), 0);
  gb_eval_split_free(all);
  gb_eval_split_free(one);
  gb_interactions_free(x);
}

Test(eval_split, train_and_test_partition_each_evaluated_row) {
  gb_interactions *x = random_matrix();
  gb_eval_split *s = split(x, 5, 99);
  const gb_interactions *train = gb_eval_split_train(s);
  cr_assert_eq(gb_interactions_rows(train), 60);
  cr_assert_eq(gb_interactions_cols(train), 40);
  size_t next = 0, held = 0;
  for (uint32_t u = 0; u < 60; u++) {
    const uint32_t *all, *kept, *test = NULL;
    const double *wa, *wk;
    size_t n = gb_interactions_row(x, u, &all, &wa), nk = gb_interactions_row(train, u, &kept, &wk);
    size_t nt = 0;
    if (next < gb_eval_split_count(s) && gb_eval_split_user(s, next) == u)
      nt = gb_eval_split_test(s, next++, &test);
    cr_assert_eq(nt > 0, n >= 5, "user %u (%zu items) evaluated iff it has 5 or more", u, n);
    cr_assert_eq(nt, n >= 5 ? gb_eval_split_held(n, 0.2) : 0);
    cr_assert_eq(nk + nt, n, "user %u", u);
    cr_assert_geq(nk, 1, "every user keeps a training item");
    /* merge kept and test back into the row: same items, kept weights unchanged */
    size_t ik = 0, it = 0;
    for (size_t j = 0; j < n; j++) {
      if (ik < nk && kept[ik] == all[j]) {
        cr_assert_eq(wk[ik], wa[j]);
        ik++;
      } else {
        cr_assert(it < nt && test[it] == all[j], "user %u item %u lost", u, all[j]);
        if (it > 0)
          cr_assert_lt(test[it - 1], test[it], "held-out items ascend");
        it++;
      }
    }
    held += nt;
  }
  cr_assert_eq(next, gb_eval_split_count(s));
  cr_assert_eq(gb_interactions_nnz(train) + held, gb_interactions_nnz(x));
  gb_eval_split_free(s);
  gb_interactions_free(x);
}

Test(eval_split, bad_arguments_are_refused) {
  gb_interactions *x = random_matrix();
  gb_eval_split *s = NULL;
  gb_err err = {0};
  uint32_t ok[] = {5, 6}, unsorted[] = {6, 5}, small[] = {0}, outside[] = {60};
  cr_assert_eq(gb_eval_split_new(x, ok, 2, 0, 1, &s, &err), -1);
  cr_assert_eq(err.kind, GB_ERR_INPUT);
  cr_assert_str_eq(err.msg, "split: holdout 0 is outside (0, 1)");
  cr_assert_eq(gb_eval_split_new(x, ok, 2, 1, 1, &s, &err), -1);
  cr_assert_eq(gb_eval_split_new(x, unsorted, 2, 0.2, 1, &s, &err), -1);
  cr_assert_str_eq(err.msg, "split: user 5 (position 1) is out of order or range");
  cr_assert_eq(gb_eval_split_new(x, outside, 1, 0.2, 1, &s, &err), -1);
  cr_assert_eq(gb_eval_split_new(x, small, 1, 0.2, 1, &s, &err), -1);
  cr_assert_str_eq(err.msg, "split: user 0 has fewer than 2 items");
  cr_assert_null(s);
  gb_eval_split_free(NULL);
  gb_interactions_free(x);
}
