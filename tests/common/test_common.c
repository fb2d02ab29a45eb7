#include <criterion/criterion.h>
#include <string.h>

#include "gb_clock.h"
#include "gb_err.h"
#include "gb_rng.h"

Test(common, err_set_returns_minus_one_and_formats) {
  gb_err err = {0};
  cr_assert_eq(gb_err_set(&err, GB_ERR_INPUT, "%s:%d: bad key '%s'", "w.yaml", 3, "sim.x"), -1);
  cr_assert_str_eq(err.msg, "w.yaml:3: bad key 'sim.x'");
  cr_assert_eq(err.kind, GB_ERR_INPUT);
  gb_err_prefix(&err, "%s: ", "load");
  cr_assert_str_eq(err.msg, "load: w.yaml:3: bad key 'sim.x'");
}

Test(common, rng_streams_are_reproducible_and_distinct) {
  gb_rng a, b, c;
  gb_rng_seed(&a, 42, 7);
  gb_rng_seed(&b, 42, 7);
  gb_rng_seed(&c, 42, 8);
  uint64_t xa = gb_rng_next(&a), xb = gb_rng_next(&b), xc = gb_rng_next(&c);
  cr_assert_eq(xa, xb);
  cr_assert_neq(xa, xc);
}

Test(common, rng_below_stays_in_range_and_covers_it) {
  gb_rng r;
  gb_rng_seed(&r, 1, 1);
  int seen[5] = {0};
  for (int i = 0; i < 1000; i++) {
    uint64_t v = gb_rng_below(&r, 5);
    cr_assert_lt(v, 5);
    seen[v]++;
  }
  for (int i = 0; i < 5; i++)
    cr_assert_gt(seen[i], 150, "value %d drawn %d times of 1000", i, seen[i]);
}

Test(common, exponential_mean_is_close) {
  gb_rng r;
  gb_rng_seed(&r, 3, 3);
  double sum = 0;
  for (int i = 0; i < 100000; i++)
    sum += gb_rng_exponential(&r, 10.0);
  cr_assert_float_eq(sum / 100000, 10.0, 0.2);
}

Test(common, unit_maps_extremes) {
  cr_assert_eq(gb_unit(0), 0.0);
  cr_assert_lt(gb_unit(UINT64_MAX), 1.0);
}

Test(common, clock_is_monotonic) {
  int64_t a = gb_clock_now_ns();
  int64_t b = gb_clock_now_ns();
  cr_assert_geq(b, a);
  gb_clock_sleep_until_ns(b - 1000); /* in the past: returns at once */
  cr_assert_gt(gb_clock_wall_ns(), 1600000000LL * 1000000000LL);
}
