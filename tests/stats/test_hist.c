#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "gb_hist.h"
#include "gb_rng.h"
#include "gb_test_support.h"

static gb_hist *new_hist(int digits) {
  gb_err err = {0};
  gb_hist *h = NULL;
  cr_assert_eq(gb_hist_new(digits, &h, &err), 0, "gb_hist_new(%d): %s", digits, err.msg);
  return h;
}

/* Log-uniform values over [1 ns, 1 h]: every bucket magnitude gets samples. */
static int64_t log_uniform(gb_rng *r) {
  double v = exp(gb_rng_uniform(r) * log((double)GB_HIST_HIGHEST_NS));
  return (int64_t)v < 1 ? 1 : (int64_t)v;
}

Test(hist, new_rejects_digits_out_of_range) {
  int bad[] = {0, 6, -1};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    gb_err err = {0};
    gb_hist *h = NULL;
    cr_assert_eq(gb_hist_new(bad[i], &h, &err), -1);
    cr_assert_null(h, "*out is left unchanged");
    cr_assert_eq(err.kind, GB_ERR_INPUT);
    char want[64];
    snprintf(want, sizeof want, "significant digits %d is outside [1, 5]", bad[i]);
    cr_assert(strstr(err.msg, want), "message: %s", err.msg);
  }
}

Test(hist, empty_reports_zeros) {
  gb_hist *h = new_hist(3);
  cr_assert_eq(gb_hist_count(h), 0);
  cr_assert_eq(gb_hist_min(h), 0);
  cr_assert_eq(gb_hist_max(h), 0);
  cr_assert_eq(gb_hist_mean(h), 0.0);
  cr_assert_eq(gb_hist_percentile(h, 50), 0);
  gb_hist_point pts[4];
  cr_assert_eq(gb_hist_spectrum(h, 5, pts, 4), 0);
  gb_hist_iter it;
  gb_hist_bucket b;
  gb_hist_iter_init(&it, h);
  cr_assert_not(gb_hist_iter_next(&it, &b));
  gb_hist_free(h);
}

/* With 3 digits, S = 2048: values below 2048 have 1 ns buckets, [2048, 4096) 2 ns,
 * [4096, 8192) 4 ns, [8192, 16384) 8 ns. With 1..10000 recorded once each, rank r holds value r,
 * so the expected percentile is the top of r's bucket. */
Test(hist, uniform_1_to_10000_percentiles_are_bucket_tops) {
  gb_hist *h = new_hist(3);
  for (int64_t v = 1; v <= 10000; v++)
    gb_hist_record(h, v);
  cr_assert_eq(gb_hist_count(h), 10000);
  cr_assert_eq(gb_hist_min(h), 1);
  cr_assert_eq(gb_hist_max(h), 10000);
  cr_assert_eq(gb_hist_mean(h), 5000.5);
  cr_assert_eq(gb_hist_percentile(h, 0), 1);       /* rank 1 */
  cr_assert_eq(gb_hist_percentile(h, 10), 1000);   /* rank 1000, 1 ns bucket */
  cr_assert_eq(gb_hist_percentile(h, 25), 2501);   /* rank 2500 in [2500, 2501] */
  cr_assert_eq(gb_hist_percentile(h, 50), 5003);   /* rank 5000 in [5000, 5003] */
  cr_assert_eq(gb_hist_percentile(h, 99), 9903);   /* rank 9900 in [9896, 9903] */
  cr_assert_eq(gb_hist_percentile(h, 99.9), 9991); /* rank 9990 in [9984, 9991] */
  cr_assert_eq(gb_hist_percentile(h, 100), 10000); /* [10000, 10007] clamped to the max */
  /* Out-of-range percentiles are clamped; NaN counts as 0. */
  cr_assert_eq(gb_hist_percentile(h, -3), 1);
  cr_assert_eq(gb_hist_percentile(h, 250), 10000);
  cr_assert_eq(gb_hist_percentile(h, NAN), 1);
  gb_hist_free(h);
}

Test(hist, edge_values_are_kept_or_counted_apart) {
  gb_hist *h = new_hist(3);
  gb_hist_record(h, 1);
  gb_hist_record(h, GB_HIST_HIGHEST_NS);
  gb_hist_record(h, 0);
  gb_hist_record(h, -5);
  gb_hist_record(h, INT64_MIN);
  gb_hist_record(h, GB_HIST_HIGHEST_NS + 1);
  gb_hist_record(h, INT64_MAX);
  gb_hist_record_n(h, -1, 10);
  gb_hist_record_n(h, GB_HIST_HIGHEST_NS + 7, 20);
  cr_assert_eq(gb_hist_count(h), 2);
  cr_assert_eq(gb_hist_count_below(h), 13);
  cr_assert_eq(gb_hist_count_above(h), 22);
  cr_assert_eq(gb_hist_min(h), 1);
  cr_assert_eq(gb_hist_max(h), GB_HIST_HIGHEST_NS);
  cr_assert_eq(gb_hist_percentile(h, 0), 1);
  cr_assert_eq(gb_hist_percentile(h, 50), 1);
  cr_assert_eq(gb_hist_percentile(h, 100), GB_HIST_HIGHEST_NS);
  cr_assert_eq(gb_hist_mean(h), (1.0 + 3600000000000.0) / 2);
  gb_hist_free(h);
}

Test(hist, record_n_equals_n_records_and_zero_is_nothing) {
  gb_hist *a = new_hist(2), *b = new_hist(2);
  gb_hist_record_n(a, 77, 0);
  cr_assert_eq(gb_hist_count(a), 0);
  cr_assert_eq(gb_hist_min(a), 0);
  gb_hist_record_n(a, 123456, 1000);
  gb_hist_record_n(a, 42, 3);
  for (int i = 0; i < 1000; i++)
    gb_hist_record(b, 123456);
  for (int i = 0; i < 3; i++)
    gb_hist_record(b, 42);
  cr_assert_eq(gb_hist_count(a), gb_hist_count(b));
  cr_assert_eq(gb_hist_mean(a), gb_hist_mean(b));
  for (double p = 0; p <= 100; p += 0.5)
    cr_assert_eq(gb_hist_percentile(a, p), gb_hist_percentile(b, p), "p%g", p);
  gb_hist_free(a);
  gb_hist_free(b);
}

/* The mean is exact even where a 64-bit sum would overflow (2^24 samples of 1 h is 6e19). */
Test(hist, mean_is_exact_beyond_64_bits) {
  gb_hist *h = new_hist(1);
  gb_hist_record_n(h, GB_HIST_HIGHEST_NS, UINT64_C(1) << 24);
  gb_hist_record_n(h, 1, UINT64_C(1) << 24);
  cr_assert_eq(gb_hist_mean(h), (3600000000000.0 + 1.0) / 2);
  gb_hist_free(h);
}

Test(hist, bucket_bounds_are_exact) {
  gb_hist *h3 = new_hist(3), *h1 = new_hist(1);
  cr_assert_eq(gb_hist_lowest_equivalent(h3, 2047), 2047);
  cr_assert_eq(gb_hist_highest_equivalent(h3, 2047), 2047);
  cr_assert_eq(gb_hist_lowest_equivalent(h3, 5002), 5000);
  cr_assert_eq(gb_hist_highest_equivalent(h3, 5002), 5003);
  /* 3.6e12 is in bucket 31 (2^41 <= v < 2^42, width 2^31): 1676 * 2^31 = 3599182594048. */
  cr_assert_eq(gb_hist_lowest_equivalent(h3, GB_HIST_HIGHEST_NS), INT64_C(3599182594048));
  cr_assert_eq(gb_hist_highest_equivalent(h3, GB_HIST_HIGHEST_NS),
               INT64_C(3599182594048) + (INT64_C(1) << 31) - 1);
  /* 1 digit: S = 32; 100 is in [64, 128) with width 4. */
  cr_assert_eq(gb_hist_lowest_equivalent(h1, 102), 100);
  cr_assert_eq(gb_hist_highest_equivalent(h1, 102), 103);
  cr_assert_eq(gb_hist_significant_digits(h1), 1);
  gb_hist_free(h3);
  gb_hist_free(h1);
}

/* Every value's bucket is narrower than value / 10^d, so a percentile is within 10^-d of the
 * recorded value; and the bound is not met trivially (some bucket is wider than a tenth of it). */
Test(hist, relative_error_is_bounded_by_significant_digits) {
  gb_rng r;
  gb_rng_seed(&r, 11, 0);
  for (int d = GB_HIST_MIN_DIGITS; d <= GB_HIST_MAX_DIGITS; d++) {
    gb_hist *h = new_hist(d);
    double bound = pow(10.0, -d), widest = 0;
    for (int i = 0; i < 20000; i++) {
      int64_t v = log_uniform(&r);
      int64_t lo = gb_hist_lowest_equivalent(h, v), hi = gb_hist_highest_equivalent(h, v);
      cr_assert(lo <= v && v <= hi, "d=%d v=%lld in [%lld, %lld]", d, (long long)v, (long long)lo,
                (long long)hi);
      double rel = (double)(hi - lo) / (double)lo;
      cr_assert_leq(rel, bound, "d=%d v=%lld: bucket [%lld, %lld]", d, (long long)v, (long long)lo,
                    (long long)hi);
      widest = rel > widest ? rel : widest;
      gb_hist_reset(h);
      gb_hist_record(h, v);
      /* A larger max (in the next bucket) so that the clamp to max does not hide the error. */
      gb_hist_record(h, hi + 1);
      int64_t p = gb_hist_percentile(h, 50);
      cr_assert(p >= v && (double)(p - v) <= bound * (double)v, "d=%d v=%lld p50=%lld", d,
                (long long)v, (long long)p);
    }
    cr_assert_gt(widest, bound / 10, "d=%d: buckets finer than needed (widest %g)", d, widest);
    gb_hist_free(h);
  }
}

Test(hist, memory_is_fixed_and_grows_with_digits) {
  size_t prev = 0;
  for (int d = GB_HIST_MIN_DIGITS; d <= GB_HIST_MAX_DIGITS; d++) {
    gb_hist *h = new_hist(d);
    size_t before = gb_hist_memory_bytes(h);
    cr_assert_gt(before, prev);
    gb_hist_record(h, 12345);
    cr_assert_eq(gb_hist_memory_bytes(h), before);
    prev = before;
    gb_hist_free(h);
  }
  gb_hist *h3 = new_hist(3);
  /* 3 digits: 33421 counters (index of 1 h is 31 * 1024 + 1676) of 8 bytes plus the header. */
  cr_assert_geq(gb_hist_memory_bytes(h3), (size_t)33421 * 8);
  cr_assert_lt(gb_hist_memory_bytes(h3), (size_t)33421 * 8 + 256);
  gb_hist_free(h3);
}

static void assert_same_hist(const gb_hist *a, const gb_hist *b) {
  cr_assert_eq(gb_hist_count(a), gb_hist_count(b));
  cr_assert_eq(gb_hist_count_below(a), gb_hist_count_below(b));
  cr_assert_eq(gb_hist_count_above(a), gb_hist_count_above(b));
  cr_assert_eq(gb_hist_min(a), gb_hist_min(b));
  cr_assert_eq(gb_hist_max(a), gb_hist_max(b));
  cr_assert_eq(gb_hist_mean(a), gb_hist_mean(b));
  for (double p = 0; p <= 100; p += 0.25)
    cr_assert_eq(gb_hist_percentile(a, p), gb_hist_percentile(b, p), "p%g", p);
  gb_hist_iter ia, ib;
  gb_hist_bucket ba, bb;
  gb_hist_iter_init(&ia, a);
  gb_hist_iter_init(&ib, b);
  size_t n = 0;
  while (gb_hist_iter_next(&ia, &ba)) {
    cr_assert(gb_hist_iter_next(&ib, &bb));
    cr_assert_eq(ba.low_ns, bb.low_ns);
    cr_assert_eq(ba.count, bb.count);
    n++;
  }
  cr_assert_not(gb_hist_iter_next(&ib, &bb));
  cr_assert_gt(n, 0);
}

Test(hist, merge_equals_recording_everything_in_one) {
  gb_hist *all = new_hist(3), *part[3] = {new_hist(3), new_hist(3), new_hist(3)};
  gb_rng r;
  gb_rng_seed(&r, 5, 1);
  for (int i = 0; i < 30000; i++) {
    /* Mostly log-uniform latencies, with some out-of-range values in both directions. */
    int64_t v = i % 97 == 0 ? -(int64_t)i : i % 89 == 0 ? GB_HIST_HIGHEST_NS + i : log_uniform(&r);
    gb_hist_record(all, v);
    gb_hist_record(part[i % 3], v);
  }
  gb_hist *merged = new_hist(3);
  gb_err err = {0};
  for (int k = 0; k < 3; k++)
    cr_assert_eq(gb_hist_merge(merged, part[k], &err), 0, "%s", err.msg);
  assert_same_hist(merged, all);
  gb_hist_point pa[256], pm[256];
  size_t na = gb_hist_spectrum(all, 5, pa, 256), nm = gb_hist_spectrum(merged, 5, pm, 256);
  cr_assert_eq(na, nm);
  cr_assert_eq(memcmp(pa, pm, na * sizeof pa[0]), 0);
  gb_hist_free(merged);
  for (int k = 0; k < 3; k++)
    gb_hist_free(part[k]);
  gb_hist_free(all);
}

Test(hist, merge_refuses_different_digits_and_leaves_dst_alone) {
  gb_hist *a = new_hist(3), *b = new_hist(2);
  gb_hist_record(a, 10);
  gb_hist_record(b, 20);
  gb_err err = {0};
  cr_assert_eq(gb_hist_merge(a, b, &err), -1);
  cr_assert_eq(err.kind, GB_ERR_INPUT);
  cr_assert(strstr(err.msg, "significant digits differ (destination 3, source 2)"), "%s", err.msg);
  cr_assert_eq(gb_hist_count(a), 1);
  cr_assert_eq(gb_hist_max(a), 10);
  gb_hist_free(a);
  gb_hist_free(b);
}

Test(hist, reset_clears_everything) {
  gb_hist *h = new_hist(3);
  for (int64_t v = 1; v < 5000000; v += 997)
    gb_hist_record(h, v);
  gb_hist_record(h, 0);
  gb_hist_record(h, INT64_MAX);
  gb_hist_reset(h);
  cr_assert_eq(gb_hist_count(h), 0);
  cr_assert_eq(gb_hist_count_below(h), 0);
  cr_assert_eq(gb_hist_count_above(h), 0);
  cr_assert_eq(gb_hist_max(h), 0);
  gb_hist_record(h, 7);
  gb_hist_record(h, 9000000);
  gb_hist_iter it;
  gb_hist_bucket b;
  gb_hist_iter_init(&it, h);
  cr_assert(gb_hist_iter_next(&it, &b));
  cr_assert_eq(b.low_ns, 7);
  cr_assert_eq(b.count, 1);
  cr_assert(gb_hist_iter_next(&it, &b));
  cr_assert_eq(b.count, 1, "a count survived the reset in [%lld, %lld]", (long long)b.low_ns,
               (long long)b.high_ns);
  cr_assert_not(gb_hist_iter_next(&it, &b));
  cr_assert_eq(gb_hist_mean(h), (7.0 + 9000000.0) / 2);
  gb_hist_free(h);
}

Test(hist, iteration_visits_non_empty_buckets_in_order) {
  gb_hist *h = new_hist(3);
  int64_t values[] = {5001, 5, 9999, 5, 5000};
  for (size_t i = 0; i < sizeof values / sizeof values[0]; i++)
    gb_hist_record(h, values[i]);
  gb_hist_bucket want[] = {{5, 5, 2}, {5000, 5003, 2}, {9992, 9999, 1}};
  gb_hist_iter it;
  gb_hist_bucket b;
  gb_hist_iter_init(&it, h);
  for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
    cr_assert(gb_hist_iter_next(&it, &b));
    cr_assert_eq(b.low_ns, want[i].low_ns);
    cr_assert_eq(b.high_ns, want[i].high_ns);
    cr_assert_eq(b.count, want[i].count);
  }
  cr_assert_not(gb_hist_iter_next(&it, &b));
  gb_hist_free(h);
}

/* 1..100 once each (1 ns buckets): with one tick per half distance the targets are 0, 50, 75,
 * 87.5, 93.75, ... and each lands on the first value whose cumulative percentage reaches it. */
Test(hist, spectrum_follows_halving_ticks) {
  gb_hist *h = new_hist(3);
  for (int64_t v = 1; v <= 100; v++)
    gb_hist_record(h, v);
  gb_hist_point want[] = {{0, 1, 1},         {50, 50, 50},         {75, 75, 75},
                          {87.5, 88, 88},    {93.75, 94, 94},      {96.875, 97, 97},
                          {98.4375, 99, 99}, {99.21875, 100, 100}, {100, 100, 100}};
  size_t n_want = sizeof want / sizeof want[0];
  gb_hist_point got[32];
  size_t n = gb_hist_spectrum(h, 1, got, 32);
  cr_assert_eq(n, n_want);
  for (size_t i = 0; i < n; i++) {
    cr_assert_eq(got[i].percentile, want[i].percentile, "point %zu", i);
    cr_assert_eq(got[i].value_ns, want[i].value_ns, "point %zu", i);
    cr_assert_eq(got[i].total_count, want[i].total_count, "point %zu", i);
  }
  /* cap truncates; ticks < 1 gives nothing. */
  cr_assert_eq(gb_hist_spectrum(h, 1, got, 3), 3);
  cr_assert_eq(got[2].value_ns, 75);
  cr_assert_eq(gb_hist_spectrum(h, 0, got, 32), 0);
  /* Two ticks per half distance: 0, 25, 50, 62.5, 75, ... */
  n = gb_hist_spectrum(h, 2, got, 32);
  cr_assert_gt(n, 4);
  cr_assert_eq(got[1].percentile, 25.0);
  cr_assert_eq(got[1].value_ns, 25);
  cr_assert_eq(got[3].percentile, 62.5);
  cr_assert_eq(got[3].value_ns, 63);
  cr_assert_eq(got[n - 1].percentile, 100.0);
  gb_hist_free(h);
}

Test(hist, percentile_rank_rounds_to_nearest) {
  cr_assert_eq(gb_hist_percentile_rank(99, 10000), 9900);
  cr_assert_eq(gb_hist_percentile_rank(0, 10), 1);
  cr_assert_eq(gb_hist_percentile_rank(100, 10), 10);
  cr_assert_eq(gb_hist_percentile_rank(50, 3), 2); /* 1.5 rounds up */
  cr_assert_eq(gb_hist_percentile_rank(33, 3), 1); /* 0.99 rounds to 1 */
}

Test(hist, bench_prints_a_row_per_digit_count_and_rejects_bad_flags) {
  gbt_proc p = gbt_gamebench("bench histogram --samples 1000 --repeats 3 --clock-reads 100 "
                             "--digits 0");
  cr_assert_eq(p.status, 0, "stderr: %s", p.err);
  cr_assert_eq(strncmp(p.out, "operation ", 10), 0, "%s", p.out);
  for (int d = 1; d <= 5; d++) {
    char row[64];
    snprintf(row, sizeof row, "\ngb_hist_record        %d ", d);
    cr_assert(strstr(p.out, row), "no row for %d digits in:\n%s", d, p.out);
  }
  cr_assert(strstr(p.out, "\ngb_clock_now_ns       -"), "%s", p.out);
  cr_assert(strstr(p.out, "record target <= 5 ns: "), "%s", p.out);
  gbt_proc_free(&p);

  p = gbt_gamebench("bench histogram --digits 6");
  cr_assert_eq(p.status, 2);
  cr_assert(strstr(p.err, "--digits: 6 is outside [0, 5]"), "%s", p.err);
  gbt_proc_free(&p);
}
