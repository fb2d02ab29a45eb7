#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "gb_rng.h"
#include "gb_tally.h"

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

static gb_tally *make(size_t expected) {
  gb_tally *t = NULL;
  gb_err err = {0};
  cr_assert_eq(gb_tally_new(expected, &t, &err), 0, "%s", err.msg);
  cr_assert_not_null(t);
  return t;
}

/* t's encoding (caller frees). */
static uint8_t *encode(const gb_tally *t, size_t *len) {
  uint8_t *buf = NULL;
  gb_err err = {0};
  cr_assert_eq(gb_tally_encode(t, &buf, len, &err), 0, "%s", err.msg);
  cr_assert_not_null(buf);
  return buf;
}

static void assert_same_encoding(const gb_tally *a, const gb_tally *b) {
  size_t la, lb;
  uint8_t *ea = encode(a, &la), *eb = encode(b, &lb);
  cr_assert_eq(la, lb, "%zu bytes against %zu", la, lb);
  cr_assert_eq(memcmp(ea, eb, la), 0, "the encodings differ");
  free(ea);
  free(eb);
}

static void put64(uint8_t *p, uint64_t v) {
  for (int i = 0; i < 8; i++)
    p[i] = (uint8_t)(v >> (8 * i));
}

Test(tally, add_get_and_count) {
  gb_tally *t = make(0);
  cr_assert_eq(gb_tally_count(t), 0);
  cr_assert_eq(gb_tally_get(t, 7), 0, "an absent key reads 0");
  gb_tally_add(t, 7, 5);
  gb_tally_add(t, 7, 3);
  gb_tally_add(t, 0, -4);
  gb_tally_add(t, UINT64_MAX - 1, 1); /* the largest valid key */
  cr_assert_eq(gb_tally_get(t, 7), 8);
  cr_assert_eq(gb_tally_get(t, 0), -4);
  cr_assert_eq(gb_tally_get(t, UINT64_MAX - 1), 1);
  cr_assert_eq(gb_tally_get(t, 8), 0);
  cr_assert_eq(gb_tally_get(t, GB_TALLY_KEY_INVALID), 0, "the invalid key is never held");
  cr_assert_eq(gb_tally_count(t), 3);
  gb_tally_add(t, 7, -8); /* back to 0: still held */
  cr_assert_eq(gb_tally_get(t, 7), 0);
  cr_assert_eq(gb_tally_count(t), 3);
  gb_tally_free(t);
  gb_tally_free(NULL);
}

Test(tally, sums_wrap_like_uint64) {
  gb_tally *t = make(1);
  gb_tally_add(t, 1, INT64_MAX);
  gb_tally_add(t, 1, 1);
  cr_assert_eq(gb_tally_get(t, 1), INT64_MIN);
  gb_tally_add(t, 1, -1);
  cr_assert_eq(gb_tally_get(t, 1), INT64_MAX);
  gb_tally_free(t);
}

Test(tally, grows_past_many_keys_from_no_room) {
  /* From the smallest table (16 slots) through 14 doublings; keys are spread and consecutive
   * alike, and every sum stays exact across the rehashes. */
  enum { N = 200000 };
  gb_tally *t = make(0);
  for (uint64_t k = 0; k < N; k++)
    gb_tally_add(t, k % 2 ? k : k << 40, (int64_t)k * 3 - 7);
  for (uint64_t k = 0; k < N; k += 2) /* a second add of half of them */
    gb_tally_add(t, k << 40, 1);
  cr_assert_eq(gb_tally_count(t), N);
  for (uint64_t k = 0; k < N; k++) {
    int64_t want = (int64_t)k * 3 - 7 + (k % 2 ? 0 : 1);
    cr_assert_eq(gb_tally_get(t, k % 2 ? k : k << 40), want, "key %llu", (unsigned long long)k);
  }
  cr_assert_eq(gb_tally_get(t, (uint64_t)N << 40), 0);
  gb_tally_free(t);
}

Test(tally, clear_forgets_every_key_and_keeps_working) {
  gb_tally *t = make(4);
  for (uint64_t k = 1; k <= 100; k++)
    gb_tally_add(t, k, 1);
  gb_tally_clear(t);
  cr_assert_eq(gb_tally_count(t), 0);
  for (uint64_t k = 1; k <= 100; k++)
    cr_assert_eq(gb_tally_get(t, k), 0);
  gb_tally_entry *e = (gb_tally_entry *)1;
  size_t n = 99;
  gb_err err = {0};
  cr_assert_eq(gb_tally_sorted(t, &e, &n, &err), 0);
  cr_assert_null(e);
  cr_assert_eq(n, 0);
  gb_tally_add(t, 50, 2);
  cr_assert_eq(gb_tally_get(t, 50), 2);
  cr_assert_eq(gb_tally_count(t), 1);
  gb_tally_clear(t);
  gb_tally_clear(t); /* an empty tally */
  cr_assert_eq(gb_tally_count(t), 0);
  gb_tally_free(t);
}

Test(tally, merge_adds_every_sum_and_leaves_the_source) {
  gb_tally *into = make(0), *from = make(0);
  gb_tally_add(into, 1, 5);
  gb_tally_add(into, 2, 7);
  gb_tally_add(from, 2, 3);
  gb_tally_add(from, 3, -4);
  gb_tally_add(from, 4, 0); /* a held zero becomes a held zero */
  gb_tally_merge(into, from);
  cr_assert_eq(gb_tally_count(into), 4);
  cr_assert_eq(gb_tally_get(into, 1), 5);
  cr_assert_eq(gb_tally_get(into, 2), 10);
  cr_assert_eq(gb_tally_get(into, 3), -4);
  cr_assert_eq(gb_tally_get(into, 4), 0);
  cr_assert_eq(gb_tally_count(from), 3);
  cr_assert_eq(gb_tally_get(from, 2), 3);
  gb_tally *empty = make(0);
  gb_tally_merge(into, empty);
  cr_assert_eq(gb_tally_count(into), 4);
  gb_tally_free(into);
  gb_tally_free(from);
  gb_tally_free(empty);
}

Test(tally, sorted_lists_the_entries_in_ascending_key_order) {
  const uint64_t keys[] = {UINT64_MAX - 1, 5, 0, 1ULL << 63, 42, 6, (1ULL << 63) - 1};
  const uint64_t want[] = {0, 5, 6, 42, (1ULL << 63) - 1, 1ULL << 63, UINT64_MAX - 1};
  gb_tally *t = make(0);
  for (size_t i = 0; i < N_OF(keys); i++)
    gb_tally_add(t, keys[i], (int64_t)keys[i] % 1000 - 500);
  gb_tally_entry *e = NULL;
  size_t n = 0;
  gb_err err = {0};
  cr_assert_eq(gb_tally_sorted(t, &e, &n, &err), 0, "%s", err.msg);
  cr_assert_eq(n, N_OF(want));
  for (size_t i = 0; i < n; i++) {
    cr_assert_eq(e[i].key, want[i], "entry %zu", i);
    cr_assert_eq(e[i].sum, (int64_t)want[i] % 1000 - 500, "entry %zu", i);
  }
  free(e);
  gb_tally_free(t);
}

Test(tally, encoding_of_a_small_tally_is_byte_exact) {
  gb_tally *t = make(0);
  gb_tally_add(t, 0x0102030405060708ULL, -2);
  gb_tally_add(t, 1, 300);
  size_t len;
  uint8_t *buf = encode(t, &len);
  const uint8_t want[] = {
      2,    0,    0,    0,    0,    0,    0,    0,    /* count */
      1,    0,    0,    0,    0,    0,    0,    0,    /* key 1 */
      0x2c, 0x01, 0,    0,    0,    0,    0,    0,    /* 300 */
      0x08, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01, /* key 0x0102030405060708 */
      0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, /* -2 */
  };
  cr_assert_eq(len, sizeof want);
  for (size_t i = 0; i < len; i++)
    cr_assert_eq(buf[i], want[i], "byte %zu: %#x, not %#x", i, buf[i], want[i]);
  free(buf);
  gb_tally *empty = make(0);
  buf = encode(empty, &len);
  cr_assert_eq(len, 8);
  for (size_t i = 0; i < len; i++)
    cr_assert_eq(buf[i], 0);
  free(buf);
  gb_tally_free(empty);
  gb_tally_free(t);
}

Test(tally, encode_decode_round_trip_adds_into_the_tally) {
  gb_tally *t = make(0);
  gb_rng rng;
  gb_rng_seed(&rng, 11, 1);
  for (int i = 0; i < 3000; i++)
    gb_tally_add(t, gb_rng_next(&rng) >> 1, (int64_t)gb_rng_next(&rng));
  size_t len;
  uint8_t *buf = encode(t, &len);
  cr_assert_eq(len, 8 + 16 * 3000);
  gb_tally *copy = make(0);
  gb_err err = {0};
  cr_assert_eq(gb_tally_decode_add(copy, buf, len, &err), 0, "%s", err.msg);
  cr_assert_eq(gb_tally_count(copy), 3000);
  assert_same_encoding(t, copy);
  /* decoding again adds: every sum doubles, as when t's own encoding is added to it */
  cr_assert_eq(gb_tally_decode_add(copy, buf, len, &err), 0, "%s", err.msg);
  cr_assert_eq(gb_tally_decode_add(t, buf, len, &err), 0, "%s", err.msg);
  cr_assert_eq(gb_tally_count(copy), 3000);
  assert_same_encoding(t, copy);
  free(buf);
  /* an empty encoding adds nothing */
  const uint8_t none[8] = {0};
  cr_assert_eq(gb_tally_decode_add(copy, none, sizeof none, &err), 0, "%s", err.msg);
  cr_assert_eq(gb_tally_count(copy), 3000);
  gb_tally_free(t);
  gb_tally_free(copy);
}

/* Decoding buf must fail with an input error whose message holds `says`, and leave t as it was. */
static void assert_rejected(gb_tally *t, const uint8_t *buf, size_t len, const char *says) {
  size_t before_len;
  uint8_t *before = encode(t, &before_len);
  gb_err err = {0};
  cr_assert_eq(gb_tally_decode_add(t, buf, len, &err), -1, "%zu bytes accepted", len);
  cr_assert_eq(err.kind, GB_ERR_INPUT);
  cr_assert(strstr(err.msg, says), "'%s' lacks '%s'", err.msg, says);
  size_t after_len;
  uint8_t *after = encode(t, &after_len);
  cr_assert_eq(after_len, before_len);
  cr_assert_eq(memcmp(before, after, before_len), 0, "a rejected buffer changed the tally");
  free(before);
  free(after);
}

Test(tally, decode_errors_leave_the_tally_unchanged) {
  gb_tally *t = make(0);
  gb_tally_add(t, 9, 90);
  gb_tally_add(t, 10, 100);
  uint8_t buf[8 + 16 * 3];
  put64(buf, 3);
  for (uint64_t i = 0; i < 3; i++) {
    put64(buf + 8 + 16 * i, 10 + i); /* keys 10, 11, 12: the first is already held */
    put64(buf + 16 + 16 * i, 1);
  }
  assert_rejected(t, buf, 0, "shorter than its 8-byte count");
  assert_rejected(t, buf, 7, "7 bytes, shorter than its 8-byte count");
  assert_rejected(t, buf, sizeof buf - 1, "count 3 does not match its 55 bytes"); /* truncated */
  assert_rejected(t, buf, 8 + 16 * 2, "count 3 does not match its 40 bytes");
  put64(buf, 2); /* trailing bytes */
  assert_rejected(t, buf, sizeof buf, "count 2 does not match its 56 bytes");
  /* a count whose byte size wraps around 64 bits to exactly the buffer's length */
  uint64_t wraps = UINT64_MAX / 16 + 4;
  cr_assert_eq(8 + 16 * wraps, sizeof buf);
  put64(buf, wraps);
  assert_rejected(t, buf, sizeof buf, "does not match its 56 bytes");
  put64(buf, 3);
  put64(buf + 8 + 16 * 2, GB_TALLY_KEY_INVALID); /* the last entry: the first two are fine */
  assert_rejected(t, buf, sizeof buf, "entry 2 has the invalid key");
  cr_assert_eq(gb_tally_get(t, 10), 100);
  cr_assert_eq(gb_tally_get(t, 11), 0);
  cr_assert_eq(gb_tally_count(t), 2);
  put64(buf + 8 + 16 * 2, 12); /* and once mended, it adds */
  gb_err err = {0};
  cr_assert_eq(gb_tally_decode_add(t, buf, sizeof buf, &err), 0, "%s", err.msg);
  cr_assert_eq(gb_tally_get(t, 10), 101);
  cr_assert_eq(gb_tally_get(t, 12), 1);
  cr_assert_eq(gb_tally_count(t), 4);
  gb_tally_free(t);
}

/* Increments as shards would count them: many adds of few keys, with negative ones. */
enum { INCS = 5000 };
typedef struct inc {
  uint64_t key;
  int64_t v;
} inc;

static void make_incs(inc *out) {
  gb_rng rng;
  gb_rng_seed(&rng, 3, 7);
  for (int i = 0; i < INCS; i++)
    out[i] = (inc){gb_rng_below(&rng, 700) * 0x9e3779b97f4a7c15ULL % (1ULL << 60),
                   (int64_t)gb_rng_below(&rng, 2001) - 1000};
}

Test(tally, merged_totals_do_not_depend_on_the_split_nor_the_merge_order) {
  static inc incs[INCS];
  make_incs(incs);
  gb_tally *whole = make(0);
  for (int i = 0; i < INCS; i++)
    gb_tally_add(whole, incs[i].key, incs[i].v);
  /* split one: two shards by parity, merged first into second */
  gb_tally *a[2] = {make(0), make(0)};
  for (int i = 0; i < INCS; i++)
    gb_tally_add(a[i % 2], incs[i].key, incs[i].v);
  gb_tally_merge(a[1], a[0]);
  /* split two: three shards by a hash of the position, each in reverse, merged 2, 0, 1 into a
   * fresh tally, shard 0 through its encoding as another process would send it */
  gb_tally *b[3] = {make(0), make(0), make(0)};
  for (int i = INCS - 1; i >= 0; i--)
    gb_tally_add(b[gb_hash3(1, (uint64_t)i, 0) % 3], incs[i].key, incs[i].v);
  cr_assert(gb_tally_count(b[0]) > 0 && gb_tally_count(b[1]) > 0 && gb_tally_count(b[2]) > 0);
  gb_tally *merged = make(0);
  gb_tally_merge(merged, b[2]);
  size_t len;
  uint8_t *wire = encode(b[0], &len);
  gb_err err = {0};
  cr_assert_eq(gb_tally_decode_add(merged, wire, len, &err), 0, "%s", err.msg);
  free(wire);
  gb_tally_merge(merged, b[1]);
  cr_assert_eq(gb_tally_count(merged), gb_tally_count(whole));
  assert_same_encoding(a[1], whole);
  assert_same_encoding(merged, whole);
  gb_tally_free(whole);
  gb_tally_free(merged);
  for (int i = 0; i < 2; i++)
    gb_tally_free(a[i]);
  for (int i = 0; i < 3; i++)
    gb_tally_free(b[i]);
}
