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
