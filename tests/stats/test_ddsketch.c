#include <criterion/criterion.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gb_ddsketch.h"
#include "gb_quantile.h"
#include "gb_rng.h"
#include "gb_varint.h"

#define SEED UINT64_C(4242)
#define A 0.01
#define N_SAMPLES 100000

static const double QS[] = {0, 0.01, 0.25, 0.5, 0.9, 0.99, 0.999, 1};

static gb_ddsketch *new_sketch(double a) {
  gb_ddsketch *s = NULL;
  gb_err err = {0};
  cr_assert_eq(gb_ddsketch_new(a, &s, &err), 0, "%s", err.msg);
  return s;
}

static gb_ddsketch *sketch_of(const double *v, size_t n) {
  gb_ddsketch *s = new_sketch(A);
  for (size_t i = 0; i < n; i++)
    gb_ddsketch_add(s, v[i]);
  return s;
}

static uint8_t *serialized(const gb_ddsketch *s, size_t *len) {
  *len = gb_ddsketch_serialized_size(s);
  uint8_t *buf = malloc(*len);
  cr_assert_eq(gb_ddsketch_serialize(s, buf), *len);
  return buf;
}

static void assert_same_bytes(const gb_ddsketch *a, const gb_ddsketch *b, const char *what) {
  size_t la = 0, lb = 0;
  uint8_t *ba = serialized(a, &la), *bb = serialized(b, &lb);
  cr_assert(la == lb && memcmp(ba, bb, la) == 0, "%s: serializations differ (%zu, %zu bytes)", what,
            la, lb);
  for (size_t i = 0; i < sizeof QS / sizeof QS[0]; i++)
    cr_assert_eq(gb_ddsketch_quantile(a, QS[i]), gb_ddsketch_quantile(b, QS[i]), "%s", what);
  free(ba);
  free(bb);
}

/* Within the relative accuracy of the exact lower quantile (rank floor(q (n - 1))); the slack
 * 1e-9 a covers floating-point rounding at a bucket's edge (a value of exactly gamma^i is
 * estimated as (1 - a) gamma^i: relative error a itself, give or take an ulp). */
static void assert_quantiles_within_accuracy(const double *v, size_t n, const char *what) {
  double *sorted = malloc(n * sizeof *sorted);
  memcpy(sorted, v, n * sizeof *v);
  cr_assert_eq(gb_quantile_sort(sorted, n), n);
  gb_ddsketch *s = sketch_of(v, n);
  cr_assert_eq(gb_ddsketch_count(s), n);
  for (size_t i = 0; i < sizeof QS / sizeof QS[0]; i++) {
    double exact = sorted[(size_t)floor(QS[i] * (double)(n - 1))];
    double est = gb_ddsketch_quantile(s, QS[i]);
    cr_assert(fabs(est - exact) <= A * (1 + 1e-9) * fabs(exact),
              "%s: q = %g: estimate %.17g, exact %.17g", what, QS[i], est, exact);
  }
  cr_assert_eq(gb_ddsketch_quantile(s, 0), sorted[0], "%s: the minimum is exact", what);
  cr_assert_eq(gb_ddsketch_quantile(s, 1), sorted[n - 1], "%s: the maximum is exact", what);
  gb_ddsketch_free(s);
  free(sorted);
}

Test(ddsketch, accuracy_outside_its_range_is_an_input_error) {
  const double bad[] = {0, 1, -0.01, 1.5, 1e-7, NAN, INFINITY};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    gb_ddsketch *s = NULL;
    gb_err err = {0};
    cr_assert_eq(gb_ddsketch_new(bad[i], &s, &err), -1, "a = %g", bad[i]);
    cr_assert_eq(err.kind, GB_ERR_INPUT);
    cr_assert(strstr(err.msg, "relative accuracy") && strstr(err.msg, "is outside [1e-06, 1)"),
              "%s", err.msg);
    cr_assert_null(s);
  }
  gb_ddsketch *lo = new_sketch(GB_DDSKETCH_MIN_ACCURACY), *hi = new_sketch(0.999);
  cr_assert_eq(gb_ddsketch_relative_accuracy(lo), 1e-6);
  gb_ddsketch_add(lo, 3);
  gb_ddsketch_add(hi, 3);
  gb_ddsketch_free(lo);
  gb_ddsketch_free(hi);
  gb_ddsketch_free(NULL);
}

Test(ddsketch, empty_sketch) {
  gb_ddsketch *s = new_sketch(A);
  cr_assert_eq(gb_ddsketch_count(s), 0);
  for (size_t i = 0; i < sizeof QS / sizeof QS[0]; i++)
    cr_assert(isnan(gb_ddsketch_quantile(s, QS[i])));
  /* f64 0.01 (0x3f847ae147ae147b, little-endian), then count, ignored, zero and two empty
   * stores: five zero varints */
  const uint8_t want[13] = {0x7b, 0x14, 0xae, 0x47, 0xe1, 0x7a, 0x84, 0x3f, 0, 0, 0, 0, 0};
  size_t len = 0;
  uint8_t *buf = serialized(s, &len);
  cr_assert_eq(len, sizeof want);
  cr_assert(memcmp(buf, want, len) == 0);
  free(buf);
  gb_ddsketch_free(s);
}

Test(ddsketch, hand_computed_quantiles) {
  /* a = 0.01: ln gamma = ln(1.01 / 0.99) = 0.0200006667; bucket i = ceil(ln v / ln gamma) and
   * its value 0.99 gamma^i: 2 -> 35 -> 1.99366170141735, 3 -> 55 -> 2.97423342347672,
   * 4 -> 70 -> 4.01483533302861 (computed in Python from the same formulas). */
  const double v[] = {5, 3, 1, 4, 2};
  gb_ddsketch *s = sketch_of(v, 5);
  cr_assert_eq(gb_ddsketch_count(s), 5);
  cr_assert_eq(gb_ddsketch_quantile(s, 0), 1); /* rank 0: the exact minimum */
  cr_assert_eq(gb_ddsketch_quantile(s, 1), 5); /* rank 4: the exact maximum */
  cr_assert_float_eq(gb_ddsketch_quantile(s, 0.25), 1.99366170141735, 1e-12); /* rank 1 */
  cr_assert_float_eq(gb_ddsketch_quantile(s, 0.5), 2.97423342347672, 1e-12);  /* rank 2 */
  cr_assert_float_eq(gb_ddsketch_quantile(s, 0.74), 2.97423342347672, 1e-12); /* 2.96 -> 2 */
  cr_assert_float_eq(gb_ddsketch_quantile(s, 0.76), 4.01483533302861, 1e-12); /* 3.04 -> 3 */
  cr_assert_eq(gb_ddsketch_quantile(s, -3), 1); /* clamped into [0, 1] */
  cr_assert_eq(gb_ddsketch_quantile(s, 7), 5);
  cr_assert(isnan(gb_ddsketch_quantile(s, NAN)));
  gb_ddsketch_free(s);
}

Test(ddsketch, negatives_and_zeros) {
  /* sorted: -5 -2.5 0 0 7; -2.5 -> bucket 46 -> -(0.99 gamma^46) = -2.4842736738327 */
  const double v[] = {-5, 0, -0.0, 7, -2.5};
  gb_ddsketch *s = sketch_of(v, 5);
  cr_assert_eq(gb_ddsketch_quantile(s, 0), -5);
  cr_assert_float_eq(gb_ddsketch_quantile(s, 0.25), -2.4842736738327, 1e-12);
  cr_assert_eq(gb_ddsketch_quantile(s, 0.5), 0);
  cr_assert_eq(gb_ddsketch_quantile(s, 0.75), 0);
  cr_assert_eq(gb_ddsketch_quantile(s, 1), 7);
  gb_ddsketch_free(s);
  /* -0 is a zero: the minimum is +0 whichever zero came first, so the bytes are the same */
  gb_ddsketch *neg_first = new_sketch(A), *pos_first = new_sketch(A);
  gb_ddsketch_add(neg_first, -0.0);
  gb_ddsketch_add(neg_first, 0.0);
  gb_ddsketch_add(pos_first, 0.0);
  gb_ddsketch_add(pos_first, -0.0);
  cr_assert_not(signbit(gb_ddsketch_quantile(neg_first, 0)));
  assert_same_bytes(neg_first, pos_first, "the order of +0 and -0");
  gb_ddsketch_free(neg_first);
  gb_ddsketch_free(pos_first);
}

Test(ddsketch, serialization_of_a_small_sketch_by_hand) {
  /* {1, 1, 2, -1, 0}: count 5, ignored 0, zero 1, min -1, max 2. Positive store: buckets 0 and
   * 35 (1 -> 0, 2 -> ceil(ln 2 / 0.0200007) = 35), counts 2 and 1: the run form would take
   * 38 bytes (header 72, zigzag(0), 36 counts), the pair form 5 (header 2 * 2 + 1, zigzag(0),
   * count 2, delta 35, count 1). Negative store: bucket 0, count 1: 3 bytes either way, and a
   * tie keeps the run form (header 2 * 1, zigzag(0), count 1). */
  const double v[] = {1, 1, 2, -1, 0};
  gb_ddsketch *s = sketch_of(v, 5);
  const uint8_t want[35] = {0x7b, 0x14, 0xae, 0x47, 0xe1, 0x7a, 0x84, 0x3f, 5, 0, 1, /* a, n */
                            0,    0,    0,    0,    0,    0,    0xf0, 0xbf,          /* -1 */
                            0,    0,    0,    0,    0,    0,    0,    0x40,          /* 2 */
                            5,    0,    2,    35,   1,                               /* pos */
                            2,    0,    1};                                          /* neg */
  size_t len = 0;
  uint8_t *buf = serialized(s, &len);
  cr_assert_eq(len, sizeof want);
  cr_assert(memcmp(buf, want, len) == 0);
  free(buf);
  gb_ddsketch_free(s);
}

static double *uniform_values(void) {
  double *v = malloc(N_SAMPLES * sizeof *v);
  gb_rng rng;
  gb_rng_seed(&rng, SEED, 1);
  for (size_t i = 0; i < N_SAMPLES; i++)
    v[i] = 1000 * gb_rng_uniform(&rng);
  return v;
}

static double *lognormal_values(void) {
  double *v = malloc(N_SAMPLES * sizeof *v);
  gb_rng rng;
  gb_rng_seed(&rng, SEED, 2);
  for (size_t i = 0; i < N_SAMPLES; i++)
    v[i] = exp(1 + 2 * gb_rng_normal(&rng)); /* spans about 6 decades */
  return v;
}

/* Normal(10, 100) with 10 % exact zeros and 5 % of magnitudes spread over 30 decades. */
static double *mixed_values(void) {
  double *v = malloc(N_SAMPLES * sizeof *v);
  gb_rng rng;
  gb_rng_seed(&rng, SEED, 3);
  for (size_t i = 0; i < N_SAMPLES; i++) {
    double u = gb_rng_uniform(&rng);
    if (u < 0.10)
      v[i] = 0;
    else if (u < 0.15)
      v[i] = (u < 0.125 ? -1 : 1) * pow(10, 30 * gb_rng_uniform(&rng) - 15);
    else
      v[i] = 10 + 100 * gb_rng_normal(&rng);
  }
  return v;
}

Test(ddsketch, quantiles_of_uniform_values_within_accuracy) {
  double *v = uniform_values();
  assert_quantiles_within_accuracy(v, N_SAMPLES, "uniform");
  free(v);
}

Test(ddsketch, quantiles_of_lognormal_values_within_accuracy) {
  double *v = lognormal_values();
  assert_quantiles_within_accuracy(v, N_SAMPLES, "lognormal");
  free(v);
}

Test(ddsketch, quantiles_with_negatives_and_zeros_within_accuracy) {
  double *v = mixed_values();
  assert_quantiles_within_accuracy(v, N_SAMPLES, "mixed");
  free(v);
}

Test(ddsketch, every_rank_of_a_small_mixed_sample_within_accuracy) {
  /* all q = r / (n - 1): every order statistic, across both stores and the zeros */
  double *v = mixed_values();
  const size_t n = 2001;
  double *sorted = malloc(n * sizeof *sorted);
  memcpy(sorted, v, n * sizeof *v);
  gb_quantile_sort(sorted, n);
  gb_ddsketch *s = sketch_of(v, n);
  for (size_t r = 0; r < n; r++) {
    double q = (double)r / (double)(n - 1), est = gb_ddsketch_quantile(s, q);
    double exact = sorted[(size_t)floor(q * (double)(n - 1))];
    cr_assert(fabs(est - exact) <= A * (1 + 1e-9) * fabs(exact), "rank %zu: %.17g vs %.17g", r, est,
              exact);
  }
  gb_ddsketch_free(s);
  free(sorted);
  free(v);
}

Test(ddsketch, extreme_magnitudes) {
  const double v[] = {0x1p-1074, 0x1p-1074, DBL_MIN, 1, DBL_MAX / 2, DBL_MAX, DBL_MAX, -DBL_MAX};
  const size_t n = sizeof v / sizeof v[0];
  double sorted[sizeof v / sizeof v[0]];
  memcpy(sorted, v, sizeof v);
  gb_quantile_sort(sorted, n);
  gb_ddsketch *s = sketch_of(v, n);
  for (size_t r = 0; r < n; r++) {
    double q = (double)r / (double)(n - 1), est = gb_ddsketch_quantile(s, q);
    double exact = sorted[(size_t)floor(q * (double)(n - 1))];
    cr_assert(isfinite(est), "rank %zu", r);
    cr_assert(fabs(est - exact) <= A * (1 + 1e-9) * fabs(exact), "rank %zu: %.17g vs %.17g", r, est,
              exact);
  }
  gb_ddsketch *back = NULL;
  size_t len = 0, used = 0;
  uint8_t *buf = serialized(s, &len);
  gb_err err = {0};
  cr_assert_eq(gb_ddsketch_deserialize(buf, len, &back, &used, &err), 0, "%s", err.msg);
  assert_same_bytes(s, back, "extremes round trip");
  free(buf);
  gb_ddsketch_free(back);
  gb_ddsketch_free(s);
}

Test(ddsketch, nan_and_infinities_are_ignored_but_counted) {
  gb_ddsketch *s = new_sketch(A), *plain = new_sketch(A);
  const double v[] = {3, NAN, 1, INFINITY, -INFINITY, 2};
  for (size_t i = 0; i < 6; i++)
    gb_ddsketch_add(s, v[i]);
  gb_ddsketch_add(plain, 1);
  gb_ddsketch_add(plain, 2);
  gb_ddsketch_add(plain, 3);
  cr_assert_eq(gb_ddsketch_count(s), 3);
  cr_assert_eq(gb_ddsketch_ignored(s), 3);
  cr_assert_eq(gb_ddsketch_ignored(plain), 0);
  for (size_t i = 0; i < sizeof QS / sizeof QS[0]; i++)
    cr_assert_eq(gb_ddsketch_quantile(s, QS[i]), gb_ddsketch_quantile(plain, QS[i]));
  gb_err err = {0};
  cr_assert_eq(gb_ddsketch_merge(plain, s, &err), 0, "%s", err.msg);
  cr_assert_eq(gb_ddsketch_ignored(plain), 3);
  cr_assert_eq(gb_ddsketch_count(plain), 6);
  gb_ddsketch_free(s);
  gb_ddsketch_free(plain);
}

static gb_ddsketch *merged_split(const double *v, size_t n, size_t parts, const size_t *order) {
  gb_ddsketch **sk = calloc(parts, sizeof *sk);
  for (size_t k = 0; k < parts; k++) {
    sk[k] = new_sketch(A);
    for (size_t i = k; i < n; i += parts)
      gb_ddsketch_add(sk[k], v[i]);
  }
  gb_ddsketch *out = new_sketch(A);
  gb_err err = {0};
  for (size_t k = 0; k < parts; k++)
    cr_assert_eq(gb_ddsketch_merge(out, sk[order[k]], &err), 0, "%s", err.msg);
  for (size_t k = 0; k < parts; k++)
    gb_ddsketch_free(sk[k]);
  free(sk);
  return out;
}

Test(ddsketch, merge_of_two_halves_is_the_sketch_of_all) {
  double *v = mixed_values();
  gb_ddsketch *all = sketch_of(v, N_SAMPLES);
  gb_ddsketch *lo = sketch_of(v, N_SAMPLES / 2);
  gb_ddsketch *hi = sketch_of(v + N_SAMPLES / 2, N_SAMPLES - N_SAMPLES / 2);
  gb_err err = {0};
  cr_assert_eq(gb_ddsketch_merge(hi, lo, &err), 0, "%s", err.msg); /* second half first */
  assert_same_bytes(all, hi, "two halves");
  cr_assert_eq(gb_ddsketch_count(hi), N_SAMPLES);
  const size_t order[5] = {3, 0, 4, 2, 1};
  gb_ddsketch *five = merged_split(v, N_SAMPLES, 5, order);
  assert_same_bytes(all, five, "five interleaved parts");
  for (size_t i = 0; i < N_SAMPLES / 2; i++) { /* reversed order */
    double t = v[i];
    v[i] = v[N_SAMPLES - 1 - i];
    v[N_SAMPLES - 1 - i] = t;
  }
  gb_ddsketch *rev = sketch_of(v, N_SAMPLES);
  assert_same_bytes(all, rev, "reversed");
  gb_ddsketch_free(all);
  gb_ddsketch_free(lo);
  gb_ddsketch_free(hi);
  gb_ddsketch_free(five);
  gb_ddsketch_free(rev);
  free(v);
}

Test(ddsketch, merge_covers_ranges_on_both_sides) {
  /* dst's buckets sit in the middle of src's: its array grows both ways at once */
  gb_ddsketch *mid = new_sketch(A), *wide = new_sketch(A), *all = new_sketch(A);
  const double m[] = {10, 11, -12}, w[] = {1e-9, 1e9, -1e-6, -1e12};
  for (size_t i = 0; i < 3; i++) {
    gb_ddsketch_add(mid, m[i]);
    gb_ddsketch_add(all, m[i]);
  }
  for (size_t i = 0; i < 4; i++) {
    gb_ddsketch_add(wide, w[i]);
    gb_ddsketch_add(all, w[i]);
  }
  gb_err err = {0};
  cr_assert_eq(gb_ddsketch_merge(mid, wide, &err), 0, "%s", err.msg);
  assert_same_bytes(all, mid, "both sides");
  gb_ddsketch_free(mid);
  gb_ddsketch_free(wide);
  gb_ddsketch_free(all);
}

Test(ddsketch, merging_another_accuracy_is_an_input_error_and_leaves_dst_alone) {
  gb_ddsketch *a = new_sketch(0.01), *b = new_sketch(0.02), *copy = NULL;
  gb_ddsketch_add(a, 5);
  gb_ddsketch_add(b, 6);
  gb_err err = {0};
  cr_assert_eq(gb_ddsketch_clone(a, &copy, &err), 0, "%s", err.msg);
  cr_assert_eq(gb_ddsketch_merge(a, b, &err), -1);
  cr_assert_eq(err.kind, GB_ERR_INPUT);
  cr_assert(strstr(err.msg, "relative accuracy 0.02"), "%s", err.msg);
  assert_same_bytes(a, copy, "after a refused merge");
  cr_assert_eq(gb_ddsketch_count(a), 1);
  gb_ddsketch_free(a);
  gb_ddsketch_free(b);
  gb_ddsketch_free(copy);
}

Test(ddsketch, serialization_round_trips_and_the_copy_is_independent) {
  double *v = mixed_values();
  gb_ddsketch *s = sketch_of(v, 5000), *back = NULL, *copy = NULL;
  gb_ddsketch_add(s, NAN);
  size_t len = 0, used = 0;
  uint8_t *buf = serialized(s, &len), *longer = calloc(len + 7, 1);
  memcpy(longer, buf, len);
  gb_err err = {0};
  cr_assert_eq(gb_ddsketch_deserialize(longer, len + 7, &back, &used, &err), 0, "%s", err.msg);
  cr_assert_eq(used, len);
  assert_same_bytes(s, back, "round trip");
  cr_assert_eq(gb_ddsketch_ignored(back), 1);
  cr_assert_eq(gb_ddsketch_relative_accuracy(back), A);
  cr_assert_eq(gb_ddsketch_clone(s, &copy, &err), 0, "%s", err.msg);
  assert_same_bytes(s, copy, "clone");
  for (size_t i = 5000; i < 10000; i++) { /* the copies keep working alike */
    gb_ddsketch_add(back, v[i]);
    gb_ddsketch_add(copy, v[i]);
  }
  assert_same_bytes(back, copy, "grown after the copy");
  cr_assert_eq(gb_ddsketch_count(s), 5000);
  free(buf);
  free(longer);
  gb_ddsketch_free(s);
  gb_ddsketch_free(back);
  gb_ddsketch_free(copy);
  free(v);
}

Test(ddsketch, memory_follows_the_value_range) {
  /* the header's figure: 1 ns .. 1 h at a = 0.01 spans 1 447 buckets, 16 KiB at most */
  gb_ddsketch *s = new_sketch(A);
  for (double x = 1; x <= 3.6e12; x *= 1.001)
    gb_ddsketch_add(s, x);
  gb_ddsketch_add(s, 3.6e12);
  size_t bytes = gb_ddsketch_memory_bytes(s);
  cr_assert(bytes >= 1447 * 8 && bytes <= 16384 + 512, "%zu bytes", bytes);
  gb_ddsketch_free(s);
}

Test(ddsketch, truncated_buffers_are_input_errors) {
  const double v[] = {1, 1, 2, -1, 0, -300, 1e6};
  gb_ddsketch *s = sketch_of(v, 7);
  size_t len = 0;
  uint8_t *buf = serialized(s, &len);
  for (size_t cut = 0; cut < len; cut++) {
    gb_ddsketch *out = NULL;
    size_t used = 99;
    gb_err err = {0};
    cr_assert_eq(gb_ddsketch_deserialize(buf, cut, &out, &used, &err), -1, "cut at %zu", cut);
    cr_assert_eq(err.kind, GB_ERR_INPUT);
    cr_assert(strstr(err.msg, "truncated"), "cut at %zu: %s", cut, err.msg);
    cr_assert_null(out);
    cr_assert_eq(used, 99);
  }
  free(buf);
  gb_ddsketch_free(s);
}

static void assert_corrupt(const uint8_t *buf, size_t len, const char *needle) {
  gb_ddsketch *out = NULL;
  size_t used = 0;
  gb_err err = {0};
  cr_assert_eq(gb_ddsketch_deserialize(buf, len, &out, &used, &err), -1, "%s", needle);
  cr_assert_eq(err.kind, GB_ERR_INPUT);
  cr_assert(strstr(err.msg, needle), "want '%s' in: %s", needle, err.msg);
  cr_assert_null(out);
}

Test(ddsketch, corrupt_buffers_are_input_errors) {
  /* the hand-made sketch {1, 1, 2, -1, 0} (see serialization_of_a_small_sketch_by_hand) */
  const double v[] = {1, 1, 2, -1, 0};
  gb_ddsketch *s = sketch_of(v, 5);
  size_t len = 0;
  uint8_t *good = serialized(s, &len), *buf = malloc(len);
  memcpy(buf, good, len);
  memset(buf, 0, 8); /* accuracy 0 */
  assert_corrupt(buf, len, "relative accuracy 0 is outside");
  memcpy(buf, good, len);
  buf[8] = 6; /* count 6 */
  assert_corrupt(buf, len, "do not add up to the count 6");
  memcpy(buf, good, len);
  buf[29] = 0; /* the positive store's first pair empty */
  assert_corrupt(buf, len, "positive store's pair 1 is empty");
  memcpy(buf, good, len);
  buf[30] = 0; /* the positive store's second pair at the first one's index */
  assert_corrupt(buf, len, "positive store's bucket 2 is not above the previous one");
  memcpy(buf, good, len);
  buf[34] = 0; /* the negative store's only (run form) bucket empty */
  assert_corrupt(buf, len, "negative store's first or last bucket is empty");
  memcpy(buf, good, len);
  buf[32] = 3; /* the negative store in the pair form: a tie, where the run form is the one */
  assert_corrupt(buf, len, "negative store is not in its shorter form");
  memcpy(buf, good, len);
  buf[11 + 15] = 0x41; /* max 2 -> 2^17: far from the last bucket */
  assert_corrupt(buf, len, "is not in the first or last bucket");
  memcpy(buf, good, len);
  buf[11 + 7] = 0x3f; /* min -1 -> +1: a positive minimum with negatives present */
  assert_corrupt(buf, len, "is not in the first or last bucket");
  memcpy(buf, good, len);
  buf[33] = 0x7e; /* negative store starting at bucket 63 (zigzag 126): not where min is */
  assert_corrupt(buf, len, "is not in the first or last bucket");
  /* a store far past the largest double's bucket (35 488 at a = 0.01): zigzag(40 000) */
  uint8_t far[] = {0x7b, 0x14, 0xae, 0x47, 0xe1, 0x7a, 0x84, 0x3f, 1,    0, 0,
                   0,    0,    0,    0,    0,    0,    0xf0, 0x3f, 0,    0, 0,
                   0,    0,    0,    0xf0, 0x3f, 2,    0x80, 0xf1, 0x04, 1, 0};
  assert_corrupt(far, sizeof far, "positive store's buckets 40000 + 1 leave the range");
  far[27] = 3; /* the same bucket in the pair form */
  assert_corrupt(far, sizeof far, "positive store's buckets 40000 + 1 leave the range");
  /* pair form: bucket 35 000, then one 600 further (35 600 > 35 488): zigzag(35 000) = 70 000
   * = 0xf0 0xa2 0x04, 600 = 0xd8 0x04 */
  const uint8_t past[] = {0x7b, 0x14, 0xae, 0x47, 0xe1, 0x7a, 0x84, 0x3f, 2,    0,    0, 0,
                          0,    0,    0,    0,    0,    0xf0, 0x3f, 0,    0,    0,    0, 0,
                          0,    0xf0, 0x3f, 5,    0xf0, 0xa2, 0x04, 1,    0xd8, 0x04, 1, 0};
  assert_corrupt(past, sizeof past,
                 "positive store's bucket 2 is not above the previous one or out");
  free(good);
  free(buf);
  gb_ddsketch_free(s);
}

/* 1.05^j for j in [from, to): each in a bucket of its own (1.05 > gamma = 1.0202). */
static gb_ddsketch *powers(int from, int to, bool down) {
  gb_ddsketch *s = new_sketch(A);
  for (int j = from; j < to; j++)
    gb_ddsketch_add(s, pow(1.05, down ? to - 1 - (j - from) : j));
  return s;
}

static void merge_into(gb_ddsketch *dst, const gb_ddsketch *src) {
  gb_err err = {0};
  cr_assert_eq(gb_ddsketch_merge(dst, src, &err), 0, "%s", err.msg);
}

Test(ddsketch, the_store_form_and_the_bytes_depend_only_on_the_values) {
  /* 64 buckets stay sparse (8 bytes a pair); the 65th turns the store dense: its span, about
   * 65 ln 1.05 / ln gamma = 158 buckets, at 8 bytes each */
  gb_ddsketch *empty = new_sketch(A), *up64 = powers(0, 64, false), *up65 = powers(0, 65, false);
  size_t header = gb_ddsketch_memory_bytes(empty);
  cr_assert_leq(gb_ddsketch_memory_bytes(up64) - header, 64 * 8);
  cr_assert_geq(gb_ddsketch_memory_bytes(up65) - header, 157 * 8);
  /* the same values by other histories: reversed; sparse halves merged (into a sparse union
   * of 64, and into a union of 65 that turns dense); dense into sparse and sparse into dense */
  gb_ddsketch *down64 = powers(0, 64, true), *low = powers(0, 32, true),
              *high = powers(32, 64, false);
  merge_into(low, high);
  assert_same_bytes(up64, down64, "64 reversed");
  assert_same_bytes(up64, low, "64 as two sparse halves");
  gb_ddsketch *one = powers(64, 65, false), *dense = powers(0, 65, true);
  merge_into(low, one);
  cr_assert_geq(gb_ddsketch_memory_bytes(low) - header, 157 * 8);
  assert_same_bytes(up65, low, "65 as a sparse union that turns dense");
  merge_into(one, up64);
  assert_same_bytes(up65, one, "65 as 64 merged into 1");
  gb_ddsketch *sparse_dst = powers(10, 20, false), *both = powers(0, 65, false);
  merge_into(sparse_dst, dense); /* dense into sparse: ten buckets counted twice */
  for (int j = 10; j < 20; j++)
    gb_ddsketch_add(both, pow(1.05, j));
  assert_same_bytes(sparse_dst, both, "dense into sparse");
  /* the answers do not depend on the form: ranks 1 .. 62 of the sparse 64 and the dense 65 */
  for (int r = 1; r <= 62; r++) {
    double q64 = (r + 0.25) / 63.0, q65 = (r + 0.25) / 64.0;
    cr_assert_eq(gb_ddsketch_quantile(up64, q64), gb_ddsketch_quantile(up65, q65), "rank %d", r);
  }
  gb_ddsketch *all[] = {empty, up64, up65, down64, low, high, one, dense, sparse_dst, both};
  for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
    gb_ddsketch_free(all[i]);
}

/* The bytes of a sketch of n values 1.0 (bucket 0), written by hand: accuracy 0.01, count n,
 * ignored 0, zero 0, min 1, max 1, positive store in the run form (header 2, zigzag(0), n),
 * negative store empty. */
static size_t ones_bytes(uint64_t n, uint8_t *buf) {
  const uint8_t a[8] = {0x7b, 0x14, 0xae, 0x47, 0xe1, 0x7a, 0x84, 0x3f};
  const uint8_t one[8] = {0, 0, 0, 0, 0, 0, 0xf0, 0x3f};
  size_t k = 0;
  memcpy(buf, a, 8);
  k = 8 + gb_varint_put(buf + 8, n);
  buf[k++] = 0;
  buf[k++] = 0;
  memcpy(buf + k, one, 8);
  memcpy(buf + k + 8, one, 8);
  k += 16;
  buf[k++] = 2;
  buf[k++] = 0;
  k += gb_varint_put(buf + k, n);
  buf[k++] = 0;
  return k;
}

static gb_ddsketch *ones(uint64_t n) {
  uint8_t buf[64];
  size_t len = ones_bytes(n, buf), used = 0;
  gb_ddsketch *s = NULL;
  gb_err err = {0};
  cr_assert_eq(gb_ddsketch_deserialize(buf, len, &s, &used, &err), 0, "%s", err.msg);
  cr_assert_eq(used, len);
  return s;
}

static void assert_ones(const gb_ddsketch *s, uint64_t n) {
  uint8_t want[64];
  size_t want_len = ones_bytes(n, want), len = 0;
  uint8_t *buf = serialized(s, &len);
  cr_assert(len == want_len && memcmp(buf, want, len) == 0, "not the bytes of %llu ones",
            (unsigned long long)n);
  free(buf);
  cr_assert_eq(gb_ddsketch_count(s), n);
}

Test(ddsketch, a_bucket_count_past_32_bits_stays_exact) {
  /* sparse stores keep 32-bit counts: the add and the merges that pass 2^32 turn them dense */
  gb_ddsketch *full = ones(UINT32_MAX), *a = ones(3000000000u), *b = ones(3000000000u);
  gb_ddsketch_add(full, 1.0);
  assert_ones(full, UINT64_C(1) << 32);
  merge_into(a, b);
  assert_ones(a, UINT64_C(6000000000));
  gb_ddsketch_add(b, 1.0);
  assert_ones(b, UINT64_C(3000000001));
  gb_ddsketch *c = ones(UINT64_C(6000000000)); /* read dense, merged into a sparse one */
  merge_into(b, c);
  assert_ones(b, UINT64_C(9000000001));
  cr_assert_eq(gb_ddsketch_quantile(b, 0.5), 1.0);
  gb_ddsketch_free(full);
  gb_ddsketch_free(a);
  gb_ddsketch_free(b);
  gb_ddsketch_free(c);
}
