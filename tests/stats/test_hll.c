#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gb_hll.h"
#include "gb_rng.h"

#define SEED UINT64_C(20240611)

static gb_hll *new_hll(int p) {
  gb_hll *h = NULL;
  gb_err err = {0};
  cr_assert_eq(gb_hll_new(p, &h, &err), 0, "%s", err.msg);
  return h;
}

/* ids lo .. hi - 1, hashed as the header asks (gb_hash3 of the id) */
static void add_ids(gb_hll *h, uint64_t lo, uint64_t hi) {
  for (uint64_t i = lo; i < hi; i++)
    gb_hll_add_hash(h, gb_hash3(SEED, i, 0));
}

static uint8_t *serialized(const gb_hll *h, size_t *len) {
  *len = gb_hll_serialized_size(h);
  uint8_t *buf = malloc(*len);
  cr_assert_eq(gb_hll_serialize(h, buf), *len);
  return buf;
}

static void assert_same_bytes(const gb_hll *a, const gb_hll *b) {
  size_t la = 0, lb = 0;
  uint8_t *ba = serialized(a, &la), *bb = serialized(b, &lb);
  cr_assert_eq(la, lb);
  cr_assert(memcmp(ba, bb, la) == 0, "serializations differ");
  free(ba);
  free(bb);
}

/* A hash that lands in register idx with rank `rank` (1 .. 65 - p) at precision p. */
static uint64_t hash_for(int p, uint64_t idx, unsigned rank) {
  uint64_t h = idx << (64 - p);
  unsigned q = 64u - (unsigned)p;
  return rank <= q ? h | UINT64_C(1) << (q - rank) : h;
}

Test(hll, precision_outside_4_to_18_is_an_input_error) {
  int bad[] = {3, 19, 0, -1};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    gb_hll *h = NULL;
    gb_err err = {0};
    cr_assert_eq(gb_hll_new(bad[i], &h, &err), -1);
    cr_assert_eq(err.kind, GB_ERR_INPUT);
    cr_assert_null(h);
    char want[64];
    snprintf(want, sizeof want, "precision %d is outside [4, 18]", bad[i]);
    cr_assert(strstr(err.msg, want), "message: %s", err.msg);
  }
  gb_hll *lo = new_hll(4), *hi = new_hll(18);
  cr_assert_eq(gb_hll_precision(lo), 4);
  cr_assert_eq(gb_hll_precision(hi), 18);
  cr_assert_eq(gb_hll_memory_bytes(hi) >= (1u << 18), true);
  gb_hll_free(lo);
  gb_hll_free(hi);
  gb_hll_free(NULL);
}

Test(hll, standard_error_is_1_04_over_root_m) {
  cr_assert_eq(gb_hll_standard_error(14), 1.04 / 128); /* sqrt(16384) = 128 */
  cr_assert_eq(gb_hll_standard_error(4), 1.04 / 4);
  cr_assert_float_eq(gb_hll_standard_error(18), 1.04 / 512, 1e-18);
}

Test(hll, empty_sketch_estimates_zero) {
  gb_hll *h = new_hll(14);
  cr_assert_eq(gb_hll_estimate(h), 0.0);
  gb_hll_free(h);
}

Test(hll, registers_take_the_top_bits_and_the_rank_and_pack_in_six_bits) {
  gb_hll *h = new_hll(4);                  /* m = 16, q = 60 */
  gb_hll_add_hash(h, hash_for(4, 1, 3));   /* register 1: 2 leading zeros after the index */
  gb_hll_add_hash(h, hash_for(4, 1, 2));   /* a lower rank leaves it at 3 */
  gb_hll_add_hash(h, hash_for(4, 0, 1));   /* register 0: rank 1 */
  gb_hll_add_hash(h, hash_for(4, 15, 61)); /* register 15: all 60 bits zero, rank q + 1 */
  size_t len = 0;
  uint8_t *buf = serialized(h, &len);
  /* 1 + 16 * 6 / 8 bytes; group 0 = 1 | 3 << 6 = 0xc1; group 3 = 61 << 18 = 0xf40000 */
  const uint8_t want[13] = {4, 0xc1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xf4};
  cr_assert_eq(len, sizeof want);
  cr_assert(memcmp(buf, want, len) == 0);
  free(buf);
  gb_hll_free(h);
}

Test(hll, equal_registers_give_the_hand_computed_estimate) {
  /* All m registers at k (< q + 1): the histogram is C[k] = m; Ertl's z = m 2^-k, so the
   * estimate is m^2 / (2 ln 2 m 2^-k) = m 2^k / (2 ln 2): 16 * 32 / 1.386294... = 369.33. */
  gb_hll *h = new_hll(4);
  for (uint64_t i = 0; i < 16; i++)
    gb_hll_add_hash(h, hash_for(4, i, 5));
  cr_assert_float_eq(gb_hll_estimate(h), 512 / (2 * log(2)), 1e-9);
  /* every register saturated (rank q + 1): beyond what 64-bit hashes can tell, +Inf */
  for (uint64_t i = 0; i < 16; i++)
    gb_hll_add_hash(h, hash_for(4, i, 61));
  cr_assert(isinf(gb_hll_estimate(h)));
  gb_hll_free(h);
}

Test(hll, small_cardinalities_are_nearly_exact) {
  /* For n << m the estimator is linear counting, whose standard deviation is about
   * n / sqrt(2m) (0.55 at n = 100, m = 2^14); raw HLL would give about 0.7 m here. */
  const uint64_t ns[] = {1, 2, 10, 100, 1000};
  for (size_t i = 0; i < sizeof ns / sizeof ns[0]; i++) {
    gb_hll *h = new_hll(14);
    add_ids(h, 0, ns[i]);
    add_ids(h, 0, ns[i]); /* repeats change nothing */
    double n = (double)ns[i], tol = fmax(0.05, 3 * n / sqrt(2 * 16384.0));
    cr_assert(fabs(gb_hll_estimate(h) - n) <= tol, "n = %g: estimate %.4f", n, gb_hll_estimate(h));
    gb_hll_free(h);
  }
}

Test(hll, a_million_ids_within_three_standard_errors) {
  gb_hll *h = new_hll(14);
  add_ids(h, 0, 1000000);
  double rel = fabs(gb_hll_estimate(h) - 1e6) / 1e6;
  cr_assert(rel <= 3 * gb_hll_standard_error(14), "estimate %.0f, relative error %.4f",
            gb_hll_estimate(h), rel);
  gb_hll_free(h);
}

Test(hll, mid_range_cardinalities_within_three_standard_errors) {
  /* around 2.5 m, where the original HLL switched estimators and had its bias bump */
  const uint64_t ns[] = {5000, 20000, 40960, 100000};
  for (size_t i = 0; i < sizeof ns / sizeof ns[0]; i++) {
    gb_hll *h = new_hll(14);
    add_ids(h, 1000000 * (i + 1), 1000000 * (i + 1) + ns[i]);
    double rel = fabs(gb_hll_estimate(h) - (double)ns[i]) / (double)ns[i];
    cr_assert(rel <= 3 * gb_hll_standard_error(14), "n = %lu: relative error %.4f",
              (unsigned long)ns[i], rel);
    gb_hll_free(h);
  }
}

Test(hll, the_spread_over_many_streams_matches_the_standard_error) {
  /* 64 independent streams of 20 000 ids at p = 10 (standard error 3.25 %): the root mean
   * square of the relative errors estimates the standard error (to +-9 % at one sigma), and
   * their mean, the bias, is within 3 SE / sqrt(64) of 0 for an unbiased estimator. */
  const int streams = 64;
  double sum = 0, sum_sq = 0, se = gb_hll_standard_error(10);
  for (int k = 0; k < streams; k++) {
    gb_hll *h = new_hll(10);
    for (uint64_t i = 0; i < 20000; i++)
      gb_hll_add_hash(h, gb_hash3(SEED + 1 + (uint64_t)k, i, 0));
    double rel = gb_hll_estimate(h) / 20000 - 1;
    sum += rel;
    sum_sq += rel * rel;
    gb_hll_free(h);
  }
  double rms = sqrt(sum_sq / streams), bias = sum / streams;
  cr_assert(rms >= 0.7 * se && rms <= 1.3 * se, "rms %.4f vs standard error %.4f", rms, se);
  cr_assert(fabs(bias) <= 3 * se / sqrt(streams), "bias %.4f", bias);
}

Test(hll, merge_is_the_union_byte_for_byte) {
  gb_hll *a = new_hll(12), *b = new_hll(12), *all = new_hll(12), *rev = new_hll(12);
  add_ids(a, 0, 60000);
  add_ids(b, 40000, 100000);
  add_ids(all, 0, 100000);
  for (uint64_t i = 100000; i-- > 0;) /* another order */
    gb_hll_add_hash(rev, gb_hash3(SEED, i, 0));
  gb_err err = {0};
  cr_assert_eq(gb_hll_merge(a, b, &err), 0, "%s", err.msg);
  assert_same_bytes(a, all);
  assert_same_bytes(rev, all);
  cr_assert_eq(gb_hll_estimate(a), gb_hll_estimate(all));
  cr_assert_eq(gb_hll_merge(a, a, &err), 0); /* with itself: no change */
  assert_same_bytes(a, all);
  gb_hll_free(a);
  gb_hll_free(b);
  gb_hll_free(all);
  gb_hll_free(rev);
}

/* A sketch of precision 6 (64 registers, ranks 0 .. 59) holding regs, through its serialization
 * (four 6-bit registers in three little-endian bytes). */
static gb_hll *hll_of_registers(const uint8_t regs[64]) {
  uint8_t buf[1 + 48] = {6};
  for (int i = 0; i < 64; i += 4) {
    uint32_t v = regs[i] | regs[i + 1] << 6 | regs[i + 2] << 12 | (uint32_t)regs[i + 3] << 18;
    for (int k = 0; k < 3; k++)
      buf[1 + i / 4 * 3 + k] = (uint8_t)(v >> (8 * k));
  }
  gb_hll *h = NULL;
  size_t used = 0;
  gb_err err = {0};
  cr_assert_eq(gb_hll_deserialize(buf, sizeof buf, &h, &used, &err), 0, "%s", err.msg);
  return h;
}

/* The merge takes eight registers at a time: every pair of ranks, either way round and in every
 * byte position, must give the larger one. */
Test(hll, merge_keeps_the_larger_of_every_pair_of_ranks) {
  gb_err err = {0};
  for (int shift = 0; shift < 60; shift++) {
    uint8_t ra[64], rb[64], rmax[64];
    for (int i = 0; i < 64; i++) {
      ra[i] = (uint8_t)(i % 60);
      rb[i] = (uint8_t)((i * 7 + shift) % 60);
      rmax[i] = ra[i] > rb[i] ? ra[i] : rb[i];
    }
    gb_hll *a = hll_of_registers(ra), *b = hll_of_registers(rb), *want = hll_of_registers(rmax);
    gb_hll *a2 = hll_of_registers(ra);
    cr_assert_eq(gb_hll_merge(a, b, &err), 0, "%s", err.msg);
    cr_assert_eq(gb_hll_merge(b, a2, &err), 0, "%s", err.msg);
    assert_same_bytes(a, want);
    assert_same_bytes(b, want);
    gb_hll_free(a);
    gb_hll_free(a2);
    gb_hll_free(b);
    gb_hll_free(want);
  }
}

Test(hll, merging_another_precision_is_an_input_error_and_leaves_dst_alone) {
  gb_hll *a = new_hll(12), *b = new_hll(13), *copy = NULL;
  add_ids(a, 0, 1000);
  add_ids(b, 5000, 9000);
  gb_err err = {0};
  cr_assert_eq(gb_hll_clone(a, &copy, &err), 0);
  cr_assert_eq(gb_hll_merge(a, b, &err), -1);
  cr_assert_eq(err.kind, GB_ERR_INPUT);
  cr_assert(strstr(err.msg, "precision 13") && strstr(err.msg, "precision 12"), "%s", err.msg);
  assert_same_bytes(a, copy);
  gb_hll_free(a);
  gb_hll_free(b);
  gb_hll_free(copy);
}

Test(hll, serialization_round_trips_and_reports_what_it_consumed) {
  gb_hll *h = new_hll(10), *back = NULL, *copy = NULL;
  add_ids(h, 0, 3000);
  size_t len = 0;
  uint8_t *buf = serialized(h, &len);
  cr_assert_eq(len, 1 + 1024 * 6 / 8);
  uint8_t *longer = calloc(len + 5, 1); /* trailing bytes belong to someone else */
  memcpy(longer, buf, len);
  size_t used = 0;
  gb_err err = {0};
  cr_assert_eq(gb_hll_deserialize(longer, len + 5, &back, &used, &err), 0, "%s", err.msg);
  cr_assert_eq(used, len);
  cr_assert_eq(gb_hll_precision(back), 10);
  cr_assert_eq(gb_hll_estimate(back), gb_hll_estimate(h));
  assert_same_bytes(back, h);
  cr_assert_eq(gb_hll_clone(h, &copy, &err), 0);
  assert_same_bytes(copy, h);
  gb_hll_add_hash(copy, hash_for(10, 7, 40)); /* the copy is independent */
  cr_assert_neq(gb_hll_estimate(copy), gb_hll_estimate(h));
  free(buf);
  free(longer);
  gb_hll_free(h);
  gb_hll_free(back);
  gb_hll_free(copy);
}

Test(hll, truncated_buffers_are_input_errors) {
  gb_hll *h = new_hll(4);
  add_ids(h, 0, 50);
  size_t len = 0;
  uint8_t *buf = serialized(h, &len);
  for (size_t cut = 0; cut < len; cut++) {
    gb_hll *out = NULL;
    size_t used = 99;
    gb_err err = {0};
    cr_assert_eq(gb_hll_deserialize(buf, cut, &out, &used, &err), -1, "cut at %zu", cut);
    cr_assert_eq(err.kind, GB_ERR_INPUT);
    cr_assert(strstr(err.msg, "truncated"), "cut at %zu: %s", cut, err.msg);
    cr_assert_null(out);
    cr_assert_eq(used, 99);
  }
  free(buf);
  gb_hll_free(h);
}

Test(hll, corrupt_buffers_are_input_errors) {
  uint8_t buf[13] = {4};
  gb_hll *out = NULL;
  size_t used = 0;
  gb_err err = {0};
  buf[0] = 3;
  cr_assert_eq(gb_hll_deserialize(buf, sizeof buf, &out, &used, &err), -1);
  cr_assert(strstr(err.msg, "precision 3 is outside"), "%s", err.msg);
  buf[0] = 19;
  cr_assert_eq(gb_hll_deserialize(buf, sizeof buf, &out, &used, &err), -1);
  cr_assert(strstr(err.msg, "precision 19 is outside"), "%s", err.msg);
  buf[0] = 4;
  buf[12] = 62 << 2; /* register 15 = 62 > 61, the largest rank at p = 4 */
  cr_assert_eq(gb_hll_deserialize(buf, sizeof buf, &out, &used, &err), -1);
  cr_assert_eq(err.kind, GB_ERR_INPUT);
  cr_assert(strstr(err.msg, "register 15 holds 62"), "%s", err.msg);
  cr_assert_null(out);
  buf[12] = 61 << 2; /* the largest rank itself is fine */
  cr_assert_eq(gb_hll_deserialize(buf, sizeof buf, &out, &used, &err), 0, "%s", err.msg);
  gb_hll_free(out);
}
