#include <criterion/criterion.h>

#include "gb_idmap.h"

Test(idmap, assigns_dense_slots_in_first_seen_order_and_survives_growth) {
  gb_idmap *m = NULL;
  gb_err err = {0};
  cr_assert_eq(gb_idmap_new(4, &m, &err), 0);
  for (uint64_t i = 0; i < 10000; i++) {
    int is_new = -1;
    uint64_t id = i * 0x9E3779B97F4A7C15ULL; /* spread ids, including 0 */
    cr_assert_eq(gb_idmap_slot(m, id, &is_new), (uint32_t)i);
    cr_assert_eq(is_new, 1);
  }
  cr_assert_eq(gb_idmap_count(m), 10000);
  for (uint64_t i = 0; i < 10000; i++) {
    int is_new = -1;
    uint64_t id = i * 0x9E3779B97F4A7C15ULL;
    cr_assert_eq(gb_idmap_slot(m, id, &is_new), (uint32_t)i);
    cr_assert_eq(is_new, 0);
    cr_assert_eq(gb_idmap_find(m, id), (uint32_t)i);
    cr_assert_eq(gb_idmap_id_at(m, (uint32_t)i), id);
  }
  cr_assert_eq(gb_idmap_find(m, 12345), UINT32_MAX);
  gb_idmap_free(m);
}

/* Checks that ids[i] owns slot i, by every lookup. */
static void assert_slots(gb_idmap *m, const uint64_t *ids, size_t n) {
  cr_assert_eq(gb_idmap_count(m), n);
  for (size_t i = 0; i < n; i++) {
    int is_new = -1;
    cr_assert_eq(gb_idmap_find(m, ids[i]), (uint32_t)i, "id %llu", (unsigned long long)ids[i]);
    cr_assert_eq(gb_idmap_slot(m, ids[i], &is_new), (uint32_t)i);
    cr_assert_eq(is_new, 0);
    cr_assert_eq(gb_idmap_id_at(m, (uint32_t)i), ids[i]);
  }
}

Test(idmap, dense_ids_in_any_order_keep_first_seen_slots) {
  enum { N = 100000 };
  static uint64_t ids[N];
  for (size_t i = 0; i < N; i++) /* 1..N, in blocks out of order */
    ids[i] = (i % 1000) * 100 + i / 1000 + 1;
  gb_idmap *m = NULL;
  gb_err err = {0};
  cr_assert_eq(gb_idmap_new(N, &m, &err), 0);
  for (size_t i = 0; i < N; i++) {
    int is_new = -1;
    cr_assert_eq(gb_idmap_slot(m, ids[i], &is_new), (uint32_t)i);
    cr_assert_eq(is_new, 1);
  }
  assert_slots(m, ids, N);
  cr_assert_eq(gb_idmap_find(m, 0), UINT32_MAX);
  cr_assert_eq(gb_idmap_find(m, N + 1), UINT32_MAX);
  cr_assert_eq(gb_idmap_find(m, UINT64_MAX), UINT32_MAX);
  gb_idmap_free(m);
}

/* Ids seen while they were too far out for the direct range keep their slots when the range
 * grows to cover them; ids that never fit stay found. */
Test(idmap, ids_hashed_first_keep_their_slots_when_dense_ids_catch_up) {
  enum { DENSE = 20000 };
  static uint64_t ids[DENSE + 4];
  size_t n = 0;
  ids[n++] = 15000;      /* far above the first ids: hashed, covered later */
  ids[n++] = UINT64_MAX; /* never covered */
  ids[n++] = 1ULL << 31; /* never covered */
  ids[n++] = 0;          /* the lowest id */
  for (uint64_t id = 1; id <= DENSE; id++)
    if (id != 15000)
      ids[n++] = id;
  gb_idmap *m = NULL;
  gb_err err = {0};
  cr_assert_eq(gb_idmap_new(16, &m, &err), 0);
  for (size_t i = 0; i < n; i++) {
    cr_assert_eq(gb_idmap_slot(m, ids[i], NULL), (uint32_t)i, "id %llu",
                 (unsigned long long)ids[i]);
    if (i % 997 == 0) /* every earlier id, while the ranges grow */
      assert_slots(m, ids, i + 1);
  }
  assert_slots(m, ids, n);
  cr_assert_eq(gb_idmap_find(m, DENSE + 1), UINT32_MAX);
  cr_assert_eq(gb_idmap_find(m, (1ULL << 31) + 1), UINT32_MAX);
  gb_idmap_free(m);
}
