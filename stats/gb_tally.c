#include "gb_tally.h"

#include <stdlib.h>
#include <string.h>

#include "gb_grow.h"

struct gb_tally {
  gb_tally_entry *slots; /* [cap], key GB_TALLY_KEY_INVALID when empty */
  size_t cap;            /* a power of two */
  size_t n;
};

/* A 64-bit mixer (splitmix64's finaliser): keys are often small consecutive integers. */
static uint64_t mix(uint64_t k) {
  k ^= k >> 30;
  k *= 0xbf58476d1ce4e5b9ULL;
  k ^= k >> 27;
  k *= 0x94d049bb133111ebULL;
  return k ^ (k >> 31);
}

static gb_tally_entry *new_slots(size_t cap) {
  gb_tally_entry *s = malloc(cap * sizeof *s);
  if (s)
    for (size_t i = 0; i < cap; i++)
      s[i] = (gb_tally_entry){GB_TALLY_KEY_INVALID, 0};
  return s;
}

static size_t room_for(size_t keys) {
  size_t cap = 16;
  while (cap / 4 * 3 < keys)
    cap *= 2;
  return cap;
}

int gb_tally_new(size_t expected_keys, gb_tally **out, gb_err *err) {
  gb_tally *t = calloc(1, sizeof *t);
  if (t) {
    t->cap = room_for(expected_keys);
    t->slots = new_slots(t->cap);
  }
  if (!t || !t->slots) {
    gb_tally_free(t);
    return gb_err_set(err, GB_ERR_RUNTIME, "out of memory for a tally of %zu keys", expected_keys);
  }
  *out = t;
  return 0;
}

void gb_tally_free(gb_tally *t) {
  if (!t)
    return;
  free(t->slots);
  free(t);
}

static gb_tally_entry *find(gb_tally_entry *slots, size_t cap, uint64_t key) {
  size_t i = (size_t)mix(key) & (cap - 1);
  while (slots[i].key != key && slots[i].key != GB_TALLY_KEY_INVALID)
    i = (i + 1) & (cap - 1);
  return &slots[i];
}

static void grow(gb_tally *t) {
  size_t cap = t->cap * 2;
  gb_tally_entry *s = new_slots(cap);
  if (!s)
    GB_FATAL("out of memory growing a tally to %zu slots", cap);
  for (size_t i = 0; i < t->cap; i++)
    if (t->slots[i].key != GB_TALLY_KEY_INVALID)
      *find(s, cap, t->slots[i].key) = t->slots[i];
  free(t->slots);
  t->slots = s;
  t->cap = cap;
}

void gb_tally_add(gb_tally *t, uint64_t key, int64_t inc) {
  GB_ASSERT(key != GB_TALLY_KEY_INVALID);
  gb_tally_entry *e = find(t->slots, t->cap, key);
  if (e->key == key) {
    e->sum = (int64_t)((uint64_t)e->sum + (uint64_t)inc);
    return;
  }
  if (t->n + 1 > t->cap / 4 * 3) {
    grow(t);
    e = find(t->slots, t->cap, key);
  }
  *e = (gb_tally_entry){key, inc};
  t->n++;
}

int64_t gb_tally_get(const gb_tally *t, uint64_t key) {
  if (key == GB_TALLY_KEY_INVALID)
    return 0;
  const gb_tally_entry *e = find(t->slots, t->cap, key);
  return e->key == key ? e->sum : 0;
}

size_t gb_tally_count(const gb_tally *t) { return t->n; }

void gb_tally_clear(gb_tally *t) {
  if (t->n == 0)
    return;
  for (size_t i = 0; i < t->cap; i++)
    t->slots[i] = (gb_tally_entry){GB_TALLY_KEY_INVALID, 0};
  t->n = 0;
}

void gb_tally_merge(gb_tally *into, const gb_tally *from) {
  for (size_t i = 0; i < from->cap; i++)
    if (from->slots[i].key != GB_TALLY_KEY_INVALID)
      gb_tally_add(into, from->slots[i].key, from->slots[i].sum);
}

static int by_key(const void *a, const void *b) {
  uint64_t x = ((const gb_tally_entry *)a)->key, y = ((const gb_tally_entry *)b)->key;
  return (x > y) - (x < y);
}

int gb_tally_sorted(const gb_tally *t, gb_tally_entry **out, size_t *n, gb_err *err) {
  *out = NULL;
  *n = 0;
  if (t->n == 0)
    return 0;
  gb_tally_entry *e = malloc(t->n * sizeof *e);
  if (!e)
    return gb_err_set(err, GB_ERR_RUNTIME, "out of memory sorting a tally of %zu keys", t->n);
  size_t k = 0;
  for (size_t i = 0; i < t->cap; i++)
    if (t->slots[i].key != GB_TALLY_KEY_INVALID)
      e[k++] = t->slots[i];
  qsort(e, k, sizeof *e, by_key);
  *out = e;
  *n = k;
  return 0;
}

static void put64(uint8_t *p, uint64_t v) {
  for (int i = 0; i < 8; i++)
    p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get64(const uint8_t *p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; i++)
    v |= (uint64_t)p[i] << (8 * i);
  return v;
}

int gb_tally_encode(const gb_tally *t, uint8_t **buf, size_t *len, gb_err *err) {
  gb_tally_entry *e;
  size_t n;
  if (gb_tally_sorted(t, &e, &n, err) != 0)
    return -1;
  uint8_t *b = malloc(8 + 16 * n);
  if (!b) {
    free(e);
    return gb_err_set(err, GB_ERR_RUNTIME, "out of memory encoding a tally of %zu keys", n);
  }
  put64(b, n);
  for (size_t i = 0; i < n; i++) {
    put64(b + 8 + 16 * i, e[i].key);
    put64(b + 16 + 16 * i, (uint64_t)e[i].sum);
  }
  free(e);
  *buf = b;
  *len = 8 + 16 * n;
  return 0;
}

int gb_tally_decode_add(gb_tally *t, const uint8_t *buf, size_t len, gb_err *err) {
  if (len < 8)
    return gb_err_set(err, GB_ERR_INPUT, "tally: %zu bytes, shorter than its 8-byte count", len);
  uint64_t n = get64(buf);
  if (n > (len - 8) / 16 || len != 8 + 16 * n)
    return gb_err_set(err, GB_ERR_INPUT, "tally: count %llu does not match its %zu bytes",
                      (unsigned long long)n, len);
  for (uint64_t i = 0; i < n; i++)
    if (get64(buf + 8 + 16 * i) == GB_TALLY_KEY_INVALID)
      return gb_err_set(err, GB_ERR_INPUT, "tally: entry %llu has the invalid key",
                        (unsigned long long)i);
  for (uint64_t i = 0; i < n; i++)
    gb_tally_add(t, get64(buf + 8 + 16 * i), (int64_t)get64(buf + 16 + 16 * i));
  return 0;
}
