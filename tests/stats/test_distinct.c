#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gb_distinct.h"
#include "gb_hll.h"
#include "gb_rng.h"

#define SEED UINT64_C(77)

static gb_distinct *new_distinct(uint32_t exact_max, int p) {
  gb_distinct *d = NULL;
  gb_err err = {0};
  cr_assert_eq(gb_distinct_new(exact_max, p, &d, &err), 0, "%s", err.msg);
  return d;
}

static uint8_t *serialized(const gb_distinct *d, size_t *len) {
  *len = gb_distinct_serialized_size(d);
  uint8_t *buf = malloc(*len);
  cr_assert_eq(gb_distinct_serialize(d, buf), *len);
  return buf;
}

static void assert_bytes(const gb_distinct *d, const uint8_t *want, size_t want_len) {
  size_t len = 0;
  uint8_t *buf = serialized(d, &len);
  cr_assert_eq(len, want_len);
  cr_assert(memcmp(buf, want, len) == 0, "serialization differs");
  free(buf);
}

static void assert_same_bytes(const gb_distinct *a, const gb_distinct *b, const char *what) {
  size_t la = 0, lb = 0;
  uint8_t *ba = serialized(a, &la), *bb = serialized(b, &lb);
  cr_assert(la == lb && memcmp(ba, bb, la) == 0, "%s: serializations differ (%zu, %zu bytes)", what,
            la, lb);
  cr_assert_eq(gb_distinct_is_exact(a), gb_distinct_is_exact(b), "%s", what);
  cr_assert_eq(gb_distinct_estimate(a), gb_distinct_estimate(b), "%s", what);
  free(ba);
  free(bb);
}

static gb_distinct *round_trip(const gb_distinct *d) {
  size_t len = 0, used = 0;
  uint8_t *buf = serialized(d, &len);
  gb_distinct *back = NULL;
  gb_err err = {0};
  cr_assert_eq(gb_distinct_deserialize(buf, len, &back, &used, &err), 0, "%s", err.msg);
  cr_assert_eq(used, len);
  free(buf);
  return back;
}

/* A set of n distinct ids: small ones (0 included) and scattered 64-bit ones. */
static uint64_t *make_ids(size_t n) {
  uint64_t *ids = malloc(n * sizeof *ids);
  gb_rng rng;
  gb_rng_seed(&rng, SEED, n);
  for (size_t i = 0; i < n; i++)
    ids[i] = i % 2 ? gb_rng_next(&rng) | 1 : (uint64_t)i; /* odd randoms, even smalls: distinct */
  return ids;
}

static void shuffle(uint64_t *v, size_t n, uint64_t salt) {
  gb_rng rng;
  gb_rng_seed(&rng, SEED, salt);
  for (size_t i = n; i > 1; i--) {
    size_t j = (size_t)gb_rng_below(&rng, i);
    uint64_t t = v[i - 1];
    v[i - 1] = v[j];
    v[j] = t;
  }
}

Test(distinct, precision_outside_4_to_18_is_an_input_error) {
  int bad[] = {3, 19};
  for (size_t i = 0; i < 2; i++) {
    gb_distinct *d = NULL;
    gb_err err = {0};
    cr_assert_eq(gb_distinct_new(100, bad[i], &d, &err), -1);
    cr_assert_eq(err.kind, GB_ERR_INPUT);
    cr_assert(strstr(err.msg, "precision"), "%s", err.msg);
    cr_assert_null(d);
  }
  gb_distinct_free(NULL);
}

Test(distinct, exact_up_to_and_at_the_threshold_then_an_hll) {
  gb_distinct *d = new_distinct(100, 10);
  cr_assert(gb_distinct_is_exact(d));
  cr_assert_eq(gb_distinct_estimate(d), 0);
  for (uint64_t id = 0; id < 100; id++) {
    gb_distinct_add(d, id * 7919);
    gb_distinct_add(d, id * 7919); /* repeats count once */
    cr_assert_eq(gb_distinct_estimate(d), (double)(id + 1));
  }
  cr_assert(gb_distinct_is_exact(d)); /* 100 ids = exact_max: still exact */
  gb_distinct_add(d, 0);              /* a repeat at the threshold does not tip it over */
  cr_assert(gb_distinct_is_exact(d));
  cr_assert_eq(gb_distinct_estimate(d), 100);
  gb_distinct_add(d, 1); /* the 101st id */
  cr_assert_not(gb_distinct_is_exact(d));
  /* the sketch knows it saw more than 100 ids: never below 101, and the HLL is close */
  cr_assert(gb_distinct_estimate(d) >= 101);
  cr_assert(gb_distinct_estimate(d) <= 101 * (1 + 3 * gb_hll_standard_error(10)), "%g",
            gb_distinct_estimate(d));
  cr_assert(gb_distinct_memory_bytes(d) >= 1024 && gb_distinct_memory_bytes(d) < 2048);
  for (uint64_t id = 1000; id < 50000; id++)
    gb_distinct_add(d, id);
  double rel = fabs(gb_distinct_estimate(d) / 49101 - 1);
  cr_assert(rel <= 3 * gb_hll_standard_error(10), "relative error %.4f", rel);
  gb_distinct_free(d);
}

Test(distinct, zero_and_the_largest_id_are_ids_like_any_other) {
  gb_distinct *d = new_distinct(10, 4);
  gb_distinct_add(d, 0);
  gb_distinct_add(d, UINT64_MAX);
  gb_distinct_add(d, 0);
  cr_assert_eq(gb_distinct_estimate(d), 2);
  /* 0a 04 00, count 2, id 0, then the delta 2^64 - 1 as a 10-byte varint */
  const uint8_t want[] = {0x0a, 4,    0,    2,    0,    0xff, 0xff, 0xff,
                          0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01};
  assert_bytes(d, want, sizeof want);
  gb_distinct_free(d);
}

Test(distinct, exact_serialization_is_sorted_delta_varints) {
  gb_distinct *d = new_distinct(10, 4);
  const uint8_t empty[] = {0x0a, 4, 0, 0};
  assert_bytes(d, empty, sizeof empty);
  gb_distinct_add(d, 299);
  gb_distinct_add(d, 1);
  gb_distinct_add(d, 4);
  gb_distinct_add(d, 4);
  /* the header's example: ids 1, 4, 299 as 1, +3, +295 (0xa7 0x02) */
  const uint8_t want[] = {0x0a, 4, 0, 3, 1, 3, 0xa7, 0x02};
  assert_bytes(d, want, sizeof want);
  gb_distinct_free(d);
}

Test(distinct, the_hll_holds_the_seeded_hashes_of_the_ids) {
  /* after the switch the body is the gb_hll serialization of xxh3(id's LE bytes, the seed) */
  gb_distinct *d = new_distinct(3, 6);
  gb_hll *h = NULL;
  cr_assert_eq(gb_hll_new(6, &h, NULL), 0);
  for (uint64_t id = 40; id < 45; id++) {
    gb_distinct_add(d, id);
    uint8_t le[8];
    for (int i = 0; i < 8; i++)
      le[i] = (uint8_t)(id >> (8 * i));
    gb_hll_add_hash(h, gb_hash_bytes(le, 8, GB_DISTINCT_HASH_SEED));
  }
  size_t hll_len = gb_hll_serialized_size(h);
  uint8_t *want = malloc(3 + hll_len);
  want[0] = 3; /* exact_max */
  want[1] = 6; /* precision */
  want[2] = 1; /* mode: HLL */
  gb_hll_serialize(h, want + 3);
  assert_bytes(d, want, 3 + hll_len);
  free(want);
  gb_hll_free(h);
  gb_distinct_free(d);
}

Test(distinct, exact_max_zero_switches_on_the_first_id) {
  gb_distinct *d = new_distinct(0, 8);
  cr_assert(gb_distinct_is_exact(d));
  cr_assert_eq(gb_distinct_estimate(d), 0);
  gb_distinct_add(d, 42);
  cr_assert_not(gb_distinct_is_exact(d));
  /* the HLL says 1.0000-something (linear counting); the floor exact_max + 1 is 1 */
  cr_assert(gb_distinct_estimate(d) >= 1 && gb_distinct_estimate(d) < 1.01, "%.6f",
            gb_distinct_estimate(d));
  gb_distinct_free(d);
}

/* One sketch of ids[0..n) added in the given order. */
static gb_distinct *sketch_of(const uint64_t *ids, size_t n, uint32_t exact_max, int p) {
  gb_distinct *d = new_distinct(exact_max, p);
  for (size_t i = 0; i < n; i++)
    gb_distinct_add(d, ids[i]);
  return d;
}

/* The union of parts sketches, part k holding the ids with i % parts == k plus every
 * overlap-th id (shared by all), added in shuffled order and merged in the order given. */
static gb_distinct *merged_parts(const uint64_t *ids, size_t n, uint32_t exact_max, int p,
                                 size_t parts, size_t overlap, const size_t *order) {
  gb_distinct **sk = calloc(parts, sizeof *sk);
  uint64_t *buf = malloc(n * sizeof *buf);
  for (size_t k = 0; k < parts; k++) {
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
      if (i % parts == k || i % overlap == 0)
        buf[m++] = ids[i];
    shuffle(buf, m, k + 1);
    sk[k] = sketch_of(buf, m, exact_max, p);
  }
  gb_distinct *out = new_distinct(exact_max, p);
  gb_err err = {0};
  for (size_t k = 0; k < parts; k++)
    cr_assert_eq(gb_distinct_merge(out, sk[order[k]], &err), 0, "%s", err.msg);
  for (size_t k = 0; k < parts; k++)
    gb_distinct_free(sk[k]);
  free(sk);
  free(buf);
  return out;
}

/* A lopsided split: the first `big` ids in one sketch (an HLL when big > exact_max), the rest
 * one id per sketch, merged into the big one (and the other way: the big one merged last). */
static gb_distinct *lopsided(const uint64_t *ids, size_t n, size_t big, uint32_t exact_max, int p,
                             bool big_first) {
  gb_distinct *b = sketch_of(ids, big, exact_max, p);
  gb_distinct *acc = big_first ? b : new_distinct(exact_max, p);
  gb_err err = {0};
  for (size_t i = big; i < n; i++) {
    gb_distinct *one = sketch_of(&ids[i], 1, exact_max, p);
    cr_assert_eq(gb_distinct_merge(acc, one, &err), 0, "%s", err.msg);
    gb_distinct_free(one);
  }
  if (!big_first) {
    cr_assert_eq(gb_distinct_merge(acc, b, &err), 0, "%s", err.msg);
    gb_distinct_free(b);
  }
  return acc;
}

static void check_order_and_split_independence(size_t n, uint32_t exact_max) {
  const int p = 10;
  uint64_t *ids = make_ids(n), *work = malloc(2 * n * sizeof *work);
  gb_distinct *ref = sketch_of(ids, n, exact_max, p);
  cr_assert_eq(gb_distinct_is_exact(ref), n <= exact_max, "n = %zu", n);
  if (n <= exact_max)
    cr_assert_eq(gb_distinct_estimate(ref), (double)n);
  char what[96];
  for (size_t i = 0; i < n; i++) /* reversed */
    work[i] = ids[n - 1 - i];
  gb_distinct *d = sketch_of(work, n, exact_max, p);
  snprintf(what, sizeof what, "n = %zu reversed", n);
  assert_same_bytes(ref, d, what);
  gb_distinct_free(d);
  memcpy(work, ids, n * sizeof *ids); /* every id twice, shuffled */
  memcpy(work + n, ids, n * sizeof *ids);
  shuffle(work, 2 * n, 99);
  d = sketch_of(work, 2 * n, exact_max, p);
  snprintf(what, sizeof what, "n = %zu shuffled with repeats", n);
  assert_same_bytes(ref, d, what);
  gb_distinct_free(d);
  const size_t forward[7] = {0, 1, 2, 3, 4, 5, 6}, mixed[7] = {5, 2, 6, 0, 3, 1, 4};
  d = merged_parts(ids, n, exact_max, p, 7, 5, forward);
  snprintf(what, sizeof what, "n = %zu in 7 overlapping parts", n);
  assert_same_bytes(ref, d, what);
  gb_distinct_free(d);
  d = merged_parts(ids, n, exact_max, p, 7, 3, mixed);
  snprintf(what, sizeof what, "n = %zu in 7 parts merged out of order", n);
  assert_same_bytes(ref, d, what);
  gb_distinct_free(d);
  for (int big_first = 0; big_first < 2; big_first++) {
    d = lopsided(ids, n, n - n / 10, exact_max, p, big_first);
    snprintf(what, sizeof what, "n = %zu lopsided, big first %d", n, big_first);
    assert_same_bytes(ref, d, what);
    gb_distinct_free(d);
  }
  d = round_trip(ref);
  snprintf(what, sizeof what, "n = %zu deserialized", n);
  assert_same_bytes(ref, d, what);
  gb_distinct_free(d);
  gb_distinct_free(ref);
  free(ids);
  free(work);
}

Test(distinct, state_depends_only_on_the_set_while_exact) {
  check_order_and_split_independence(600, 1000);
  check_order_and_split_independence(1000, 1000); /* exactly at the threshold */
}

Test(distinct, state_depends_only_on_the_set_across_the_switch) {
  check_order_and_split_independence(1001, 1000); /* one past: parts exact, union not */
  check_order_and_split_independence(1300, 1000);
  check_order_and_split_independence(20000, 1000); /* every part an HLL */
}

Test(distinct, serialization_round_trips_and_the_copy_works_on) {
  uint64_t *ids = make_ids(500);
  gb_distinct *d = sketch_of(ids, 400, 450, 8), *back = round_trip(d), *copy = NULL;
  gb_err err = {0};
  cr_assert_eq(gb_distinct_clone(d, &copy, &err), 0, "%s", err.msg);
  assert_same_bytes(d, back, "exact round trip");
  assert_same_bytes(d, copy, "exact clone");
  for (size_t i = 400; i < 500; i++) { /* all three switch to an HLL alike */
    gb_distinct_add(d, ids[i]);
    gb_distinct_add(back, ids[i]);
    gb_distinct_add(copy, ids[i]);
  }
  cr_assert_not(gb_distinct_is_exact(back));
  assert_same_bytes(d, back, "switched after the round trip");
  assert_same_bytes(d, copy, "switched clone");
  gb_distinct *back2 = round_trip(d), *copy2 = NULL;
  cr_assert_eq(gb_distinct_clone(d, &copy2, &err), 0, "%s", err.msg);
  assert_same_bytes(d, back2, "HLL round trip");
  assert_same_bytes(d, copy2, "HLL clone");
  for (uint64_t id = 1; id <= 1000; id++) /* the copy is independent */
    gb_distinct_add(copy2, id << 20);
  cr_assert_neq(gb_distinct_estimate(copy2), gb_distinct_estimate(d));
  /* consumed stops at the sketch's end */
  size_t len = 0, used = 0;
  uint8_t *buf = serialized(d, &len), *longer = calloc(len + 3, 1);
  memcpy(longer, buf, len);
  gb_distinct *x = NULL;
  cr_assert_eq(gb_distinct_deserialize(longer, len + 3, &x, &used, &err), 0, "%s", err.msg);
  cr_assert_eq(used, len);
  gb_distinct_free(x);
  free(buf);
  free(longer);
  gb_distinct_free(d);
  gb_distinct_free(back);
  gb_distinct_free(copy);
  gb_distinct_free(back2);
  gb_distinct_free(copy2);
  free(ids);
}

Test(distinct, merging_other_parameters_is_an_input_error_and_leaves_dst_alone) {
  gb_distinct *d = new_distinct(100, 10), *other_max = new_distinct(101, 10),
              *other_p = new_distinct(100, 11);
  gb_distinct_add(d, 5);
  gb_distinct_add(other_max, 6);
  gb_distinct_add(other_p, 7);
  const uint8_t want[] = {100, 10, 0, 1, 5};
  gb_err err = {0};
  cr_assert_eq(gb_distinct_merge(d, other_max, &err), -1);
  cr_assert_eq(err.kind, GB_ERR_INPUT);
  cr_assert(strstr(err.msg, "exact_max 101"), "%s", err.msg);
  cr_assert_eq(gb_distinct_merge(d, other_p, &err), -1);
  cr_assert_eq(err.kind, GB_ERR_INPUT);
  cr_assert(strstr(err.msg, "precision 11"), "%s", err.msg);
  assert_bytes(d, want, sizeof want);
  cr_assert_eq(gb_distinct_merge(d, d, &err), 0); /* with itself: no change */
  assert_bytes(d, want, sizeof want);
  gb_distinct_free(d);
  gb_distinct_free(other_max);
  gb_distinct_free(other_p);
}

static void assert_truncations_fail(const gb_distinct *d) {
  size_t len = 0;
  uint8_t *buf = serialized(d, &len);
  for (size_t cut = 0; cut < len; cut++) {
    gb_distinct *out = NULL;
    size_t used = 99;
    gb_err err = {0};
    cr_assert_eq(gb_distinct_deserialize(buf, cut, &out, &used, &err), -1, "cut at %zu", cut);
    cr_assert_eq(err.kind, GB_ERR_INPUT);
    cr_assert(strstr(err.msg, "truncated"), "cut at %zu: %s", cut, err.msg);
    cr_assert_null(out);
    cr_assert_eq(used, 99);
  }
  free(buf);
}

Test(distinct, truncated_buffers_are_input_errors) {
  uint64_t *ids = make_ids(40);
  gb_distinct *exact = sketch_of(ids, 30, 200, 4), *hll = sketch_of(ids, 40, 20, 4);
  cr_assert(gb_distinct_is_exact(exact));
  cr_assert_not(gb_distinct_is_exact(hll));
  assert_truncations_fail(exact);
  assert_truncations_fail(hll);
  gb_distinct_free(exact);
  gb_distinct_free(hll);
  free(ids);
}

static void assert_corrupt(const uint8_t *buf, size_t len, const char *needle) {
  gb_distinct *out = NULL;
  size_t used = 0;
  gb_err err = {0};
  cr_assert_eq(gb_distinct_deserialize(buf, len, &out, &used, &err), -1, "%s", needle);
  cr_assert_eq(err.kind, GB_ERR_INPUT);
  cr_assert(strstr(err.msg, needle), "want '%s' in: %s", needle, err.msg);
  cr_assert_null(out);
}

Test(distinct, corrupt_buffers_are_input_errors) {
  const uint8_t mode[] = {10, 4, 2, 0};
  assert_corrupt(mode, sizeof mode, "mode 2");
  const uint8_t precision[] = {10, 3, 0, 0};
  assert_corrupt(precision, sizeof precision, "precision 3");
  const uint8_t too_many[] = {2, 4, 0, 3, 1, 1, 1};
  assert_corrupt(too_many, sizeof too_many, "more than exact_max 2");
  const uint8_t repeat[] = {10, 4, 0, 3, 1, 3, 0};
  assert_corrupt(repeat, sizeof repeat, "id 3 is not above the previous one");
  const uint8_t wraps[] = {10,   4,    0,    2,    2,    0xff, 0xff, 0xff,
                           0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01};
  assert_corrupt(wraps, sizeof wraps, "id 2 is not above the previous one");
  const uint8_t big_max[] = {0x80, 0x80, 0x80, 0x80, 0x10, 4, 0, 0}; /* 2^32 */
  assert_corrupt(big_max, sizeof big_max, "exact_max 4294967296 does not fit");
  uint8_t other_p[3 + 13] = {1, 5, 1, 4}; /* says precision 5, holds an HLL of precision 4 */
  assert_corrupt(other_p, sizeof other_p, "an HLL of precision 4 in a sketch of precision 5");
  uint8_t bad_reg[3 + 13] = {1, 4, 1, 4};
  bad_reg[3 + 12] = 63 << 2;
  assert_corrupt(bad_reg, sizeof bad_reg, "distinct: hll: corrupt: register 15 holds 63");
}
