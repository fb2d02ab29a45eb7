/* gb_store_sampler: draws follow the weights exactly (head by guide table, tail by alias
 * table), whatever the split, and every u in [0, 1) gives an item. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>

#include "gb_store_sampler.h"

/* The share of a fine grid of u that gives each id: the sampler's exact probabilities up to
 * the grid's resolution. */
static void grid_shares(const gb_store_sampler *s, uint32_t n, unsigned grid, double *share) {
  for (uint32_t i = 0; i < n; i++)
    share[i] = 0;
  for (unsigned k = 0; k < grid; k++) {
    uint32_t id = gb_store_sampler_draw(s, (k + 0.5) / grid);
    cr_assert_lt(id, n);
    share[id] += 1.0 / grid;
  }
}

static void check_follows(const double *w, uint32_t n, unsigned grid, double tolerance) {
  uint32_t *id = malloc(n * sizeof *id);
  double *share = malloc(n * sizeof *share), total = 0;
  for (uint32_t i = 0; i < n; i++) {
    id[i] = n - 1 - i; /* ids in another order than the weights */
    total += w[i];
  }
  gb_store_sampler *s;
  cr_assert_eq(gb_store_sampler_new(w, id, n, &s), 0);
  grid_shares(s, n, grid, share);
  for (uint32_t i = 0; i < n; i++)
    cr_assert_float_eq(share[id[i]], w[i] / total, tolerance, "item %u of %u", i, n);
  cr_assert_lt(gb_store_sampler_draw(s, 0.0), n);
  cr_assert_lt(gb_store_sampler_draw(s, nextafter(1.0, 0.0)), n);
  gb_store_sampler_free(s);
  free(id);
  free(share);
}

Test(store_sampler, a_few_items_are_all_head) {
  const double w[] = {5, 3, 1, 1};
  check_follows(w, 4, 100000, 2e-5);
  /* Exact boundaries: u below 0.5 is the first item's, from 0.5 to 0.8 the second's. */
  const uint32_t id[] = {0, 1, 2, 3};
  gb_store_sampler *s;
  cr_assert_eq(gb_store_sampler_new(w, id, 4, &s), 0);
  cr_assert_eq(gb_store_sampler_draw(s, 0.0), 0);
  cr_assert_eq(gb_store_sampler_draw(s, nextafter(0.5, 0.0)), 0);
  cr_assert_eq(gb_store_sampler_draw(s, 0.5), 1);
  cr_assert_eq(gb_store_sampler_draw(s, 0.79), 1);
  cr_assert_eq(gb_store_sampler_draw(s, 0.85), 2);
  cr_assert_eq(gb_store_sampler_draw(s, 0.95), 3);
  gb_store_sampler_free(s);
}

Test(store_sampler, heavy_tail_splits_head_and_tail) {
  /* Log-normal-like weights over 20,000 items: the head is the popular few, the tail the rest. */
  enum { N = 20000 };
  static double w[N];
  for (uint32_t i = 0; i < N; i++)
    w[i] = exp(-2.5 * log1p(i / 10.0));
  check_follows(w, N, 4000000, 2e-6);
}

Test(store_sampler, flat_weights_cap_the_head) {
  /* Equal weights: 90 % of the weight would be 90 % of the items; the head stops at
   * GB_STORE_SAMPLER_HEAD and the alias table takes the rest. */
  enum { N = 5000 };
  static double w[N];
  for (uint32_t i = 0; i < N; i++)
    w[i] = 1.0;
  check_follows(w, N, 2000000, 2e-6);
}

Test(store_sampler, zero_weights_are_never_drawn) {
  const double w[] = {2, 1, 0, 0};
  uint32_t id[] = {0, 1, 2, 3};
  gb_store_sampler *s;
  cr_assert_eq(gb_store_sampler_new(w, id, 4, &s), 0);
  for (int k = 0; k < 10000; k++)
    cr_assert_lt(gb_store_sampler_draw(s, k / 10000.0), 2);
  gb_store_sampler_free(s);
}
