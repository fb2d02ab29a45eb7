#include "gb_distinct.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "gb_grow.h"
#include "gb_hll.h"
#include "gb_sketch_int.h"

/* xxhash inlined here: an id is hashed on every add and on every merge of an exact sketch, and
 * an out-of-line call into libxxhash (gb_hash_bytes) costs as much as the hash of eight bytes.
 * The same function as gb_hash_bytes, so the same registers and ids as before. */
#define XXH_INLINE_ALL
#include <xxhash.h>

enum { FIRST_SLOTS = 8 /* a power of two */, MODE_EXACT = 0, MODE_HLL = 1 };

struct gb_distinct {
  uint32_t exact_max;
  int precision;
  /* Exact mode (hll == NULL): open addressing with linear probing over a power-of-two table,
   * 0 marking an empty slot; the id 0 itself is the flag has_zero. */
  uint64_t *slots;
  size_t cap;
  uint64_t count; /* distinct ids held, 0 included */
  bool has_zero;
  gb_hll *hll; /* non-NULL once more than exact_max ids were seen: the set is then freed */
};

/* xxh3 of the id's little-endian bytes: the same hash on every host. (Not a byte-by-byte copy:
 * xxh3 reading back eight one-byte stores as words stalls store forwarding, 2.5x the cost.) */
static uint64_t hash_id(uint64_t id) {
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
  id = __builtin_bswap64(id);
#endif
  return XXH3_64bits_withSeed(&id, sizeof id, GB_DISTINCT_HASH_SEED);
}

/* The slot holding id (non-zero), or the empty slot where it belongs. The table is never full
 * (at most 3/4), so the probe ends. */
static size_t find_slot(const uint64_t *slots, size_t cap, uint64_t id, uint64_t hash) {
  size_t mask = cap - 1, i = (size_t)hash & mask;
  while (slots[i] != 0 && slots[i] != id)
    i = (i + 1) & mask;
  return i;
}

static bool table_fits(size_t cap, uint64_t nonzero_ids) { return nonzero_ids * 4 <= cap * 3; }

/* Moves the ids into a fresh table of new_cap slots (a power of two that fits them). */
static int rehash(gb_distinct *d, size_t new_cap, gb_err *err) {
  uint64_t *fresh = NULL;
  size_t fresh_cap = 0;
  if (GB_GROW(fresh, fresh_cap, new_cap, new_cap, "distinct ids", err) != 0)
    return -1;
  for (size_t i = 0; i < d->cap; i++) {
    uint64_t id = d->slots[i];
    if (id != 0)
      fresh[find_slot(fresh, fresh_cap, id, hash_id(id))] = id;
  }
  free(d->slots);
  d->slots = fresh;
  d->cap = fresh_cap;
  return 0;
}

/* Replaces the set by an HLL of its ids. */
static int switch_to_hll(gb_distinct *d, gb_err *err) {
  gb_hll *h = NULL;
  if (gb_hll_new(d->precision, &h, err) != 0)
    return gb_err_prefix(err, "distinct: ");
  for (size_t i = 0; i < d->cap; i++)
    if (d->slots[i] != 0)
      gb_hll_add_hash(h, hash_id(d->slots[i]));
  if (d->has_zero)
    gb_hll_add_hash(h, hash_id(0));
  free(d->slots);
  d->slots = NULL;
  d->cap = 0;
  d->count = 0;
  d->has_zero = false;
  d->hll = h;
  return 0;
}

int gb_distinct_new(uint32_t exact_max, int hll_precision, gb_distinct **out, gb_err *err) {
  if (hll_precision < GB_HLL_MIN_PRECISION || hll_precision > GB_HLL_MAX_PRECISION)
    return gb_err_set(err, GB_ERR_INPUT, "distinct: HLL precision %d is outside [%d, %d]",
                      hll_precision, GB_HLL_MIN_PRECISION, GB_HLL_MAX_PRECISION);
  gb_distinct *d = calloc(1, sizeof *d);
  if (!d)
    return gb_err_set(err, GB_ERR_RUNTIME, "distinct: out of memory for a sketch");
  d->exact_max = exact_max;
  d->precision = hll_precision;
  if (GB_GROW(d->slots, d->cap, FIRST_SLOTS, FIRST_SLOTS, "distinct ids", err) != 0) {
    free(d);
    return -1;
  }
  *out = d;
  return 0;
}

void gb_distinct_free(gb_distinct *d) {
  if (!d)
    return;
  free(d->slots);
  gb_hll_free(d->hll);
  free(d);
}

/* The hot path's rare turns, out of line (their gb_err would give every add a 1 KiB frame):
 * a failure stops the program, as gb_grow_or_die does. */
__attribute__((noinline, cold)) static void switch_to_hll_or_die(gb_distinct *d) {
  gb_err err;
  if (switch_to_hll(d, &err) != 0)
    GB_FATAL("%s", err.msg);
}

__attribute__((noinline, cold)) static void double_table_or_die(gb_distinct *d) {
  gb_err err;
  if (rehash(d, 2 * d->cap, &err) != 0)
    GB_FATAL("%s", err.msg);
}

/* The exact path of gb_distinct_add: a new id is stored, or tips the set over into an HLL. */
static void add_exact(gb_distinct *d, uint64_t id, uint64_t hash) {
  size_t slot = 0;
  if (id == 0) {
    if (d->has_zero)
      return;
  } else {
    slot = find_slot(d->slots, d->cap, id, hash);
    if (d->slots[slot] == id)
      return;
  }
  if (d->count == d->exact_max) {
    switch_to_hll_or_die(d);
    gb_hll_add_hash(d->hll, hash);
    return;
  }
  d->count++;
  if (id == 0) {
    d->has_zero = true;
    return;
  }
  if (!table_fits(d->cap, d->count - d->has_zero)) {
    double_table_or_die(d);
    slot = find_slot(d->slots, d->cap, id, hash);
  }
  d->slots[slot] = id;
}

void gb_distinct_add(gb_distinct *d, uint64_t id) {
  uint64_t hash = hash_id(id);
  if (d->hll)
    gb_hll_add_hash(d->hll, hash);
  else
    add_exact(d, id, hash);
}

double gb_distinct_estimate(const gb_distinct *d) {
  if (!d->hll)
    return (double)d->count;
  /* More than exact_max ids were seen: an HLL estimate below that is known to be low. */
  double e = gb_hll_estimate(d->hll), lower = (double)d->exact_max + 1.0;
  return e > lower ? e : lower;
}

bool gb_distinct_is_exact(const gb_distinct *d) { return d->hll == NULL; }

/* The ids of the exact sketch src hashed straight into h: the registers they would reach one by
 * one through gb_distinct_add, without its per-id test of the mode. */
static void add_ids_to_hll(gb_hll *h, const gb_distinct *src) {
  const uint64_t *slots = src->slots;
  for (size_t i = 0; i < src->cap; i++)
    if (slots[i] != 0)
      gb_hll_add_hash(h, hash_id(slots[i]));
  if (src->has_zero)
    gb_hll_add_hash(h, hash_id(0));
}

int gb_distinct_merge(gb_distinct *dst, const gb_distinct *src, gb_err *err) {
  if (dst->exact_max != src->exact_max || dst->precision != src->precision)
    return gb_err_set(err, GB_ERR_INPUT,
                      "distinct: cannot merge a sketch of exact_max %u and precision %d into one "
                      "of exact_max %u and precision %d",
                      src->exact_max, src->precision, dst->exact_max, dst->precision);
  if (dst == src)
    return 0;
  if (src->hll) {
    if (!dst->hll && switch_to_hll(dst, err) != 0)
      return -1;
    return gb_hll_merge(dst->hll, src->hll, err);
  }
  if (dst->hll) {
    add_ids_to_hll(dst->hll, src);
    return 0;
  }
  for (size_t i = 0; i < src->cap; i++)
    if (src->slots[i] != 0)
      gb_distinct_add(dst, src->slots[i]);
  if (src->has_zero)
    gb_distinct_add(dst, 0);
  return 0;
}

int gb_distinct_clone(const gb_distinct *d, gb_distinct **out, gb_err *err) {
  gb_distinct *c = calloc(1, sizeof *c);
  if (!c)
    return gb_err_set(err, GB_ERR_RUNTIME, "distinct: out of memory for a copy");
  *c = *d;
  c->slots = NULL;
  c->cap = 0;
  c->hll = NULL;
  int rc = d->hll ? gb_hll_clone(d->hll, &c->hll, err)
                  : GB_GROW(c->slots, c->cap, d->cap, d->cap, "distinct ids", err);
  if (rc != 0) {
    free(c);
    return -1;
  }
  if (c->slots)
    memcpy(c->slots, d->slots, d->cap * sizeof d->slots[0]);
  *out = c;
  return 0;
}

size_t gb_distinct_memory_bytes(const gb_distinct *d) {
  size_t table = d->cap * sizeof d->slots[0];
  size_t hll = d->hll ? gb_hll_memory_bytes(d->hll) : 0;
  return sizeof *d + table + hll;
}

/* --- serialization ------------------------------------------------------------------------- */

static int cmp_u64(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return (x > y) - (x < y);
}

/* A sorted heap copy of an exact sketch's ids (count of them; the caller frees it). */
static uint64_t *sorted_ids(const gb_distinct *d) {
  size_t n = (size_t)d->count;
  uint64_t *ids = malloc((n > 0 ? n : 1) * sizeof *ids);
  if (!ids)
    GB_FATAL("distinct: out of memory for %zu ids to serialize", n);
  size_t k = 0;
  if (d->has_zero)
    ids[k++] = 0;
  for (size_t i = 0; i < d->cap; i++)
    if (d->slots[i] != 0)
      ids[k++] = d->slots[i];
  GB_ASSERT(k == n);
  qsort(ids, n, sizeof *ids, cmp_u64);
  return ids;
}

static size_t header_size(const gb_distinct *d) { return gb_sketch_varint_len(d->exact_max) + 2; }

size_t gb_distinct_serialized_size(const gb_distinct *d) {
  if (d->hll)
    return header_size(d) + gb_hll_serialized_size(d->hll);
  uint64_t *ids = sorted_ids(d);
  size_t size = header_size(d) + gb_sketch_varint_len(d->count);
  for (size_t i = 0; i < d->count; i++)
    size += gb_sketch_varint_len(i == 0 ? ids[0] : ids[i] - ids[i - 1]);
  free(ids);
  return size;
}

size_t gb_distinct_serialize(const gb_distinct *d, uint8_t *buf) {
  uint8_t *out = buf;
  out += gb_varint_put(out, d->exact_max);
  *out++ = (uint8_t)d->precision;
  *out++ = d->hll ? MODE_HLL : MODE_EXACT;
  if (d->hll)
    return (size_t)(out - buf) + gb_hll_serialize(d->hll, out);
  uint64_t *ids = sorted_ids(d);
  out += gb_varint_put(out, d->count);
  for (size_t i = 0; i < d->count; i++)
    out += gb_varint_put(out, i == 0 ? ids[0] : ids[i] - ids[i - 1]);
  free(ids);
  return (size_t)(out - buf);
}

/* Reads n increasing ids (delta-coded) into the fresh exact sketch d. */
static int read_ids(gb_sketch_reader *r, gb_distinct *d, uint64_t n, gb_err *err) {
  uint64_t prev = 0;
  for (uint64_t i = 0; i < n; i++) {
    uint64_t delta = 0;
    if (!gb_sketch_get_varint(r, &delta))
      return gb_err_set(err, GB_ERR_INPUT,
                        "distinct: truncated or corrupt: id %" PRIu64 " of %" PRIu64, i + 1, n);
    if (i > 0 && (delta == 0 || delta > UINT64_MAX - prev))
      return gb_err_set(err, GB_ERR_INPUT,
                        "distinct: corrupt: id %" PRIu64 " is not above the previous one", i + 1);
    prev = i == 0 ? delta : prev + delta;
    gb_distinct_add(d, prev);
  }
  return 0;
}

/* Sizes the fresh sketch's table for n ids, so that reading them never grows it. */
static int reserve(gb_distinct *d, uint64_t n, gb_err *err) {
  size_t cap = d->cap;
  while (!table_fits(cap, n))
    cap *= 2;
  return cap == d->cap ? 0 : rehash(d, cap, err);
}

static int read_body(gb_sketch_reader *r, gb_distinct *d, uint8_t mode, gb_err *err) {
  if (mode == MODE_HLL) {
    size_t used = 0;
    if (gb_hll_deserialize(r->at, gb_sketch_left(r), &d->hll, &used, err) != 0)
      return gb_err_prefix(err, "distinct: ");
    r->at += used;
    if (gb_hll_precision(d->hll) != d->precision)
      return gb_err_set(err, GB_ERR_INPUT,
                        "distinct: corrupt: an HLL of precision %d in a "
                        "sketch of precision %d",
                        gb_hll_precision(d->hll), d->precision);
    free(d->slots);
    d->slots = NULL;
    d->cap = 0;
    return 0;
  }
  uint64_t n = 0;
  if (!gb_sketch_get_varint(r, &n))
    return gb_err_set(err, GB_ERR_INPUT, "distinct: truncated: no id count");
  if (n > d->exact_max)
    return gb_err_set(err, GB_ERR_INPUT,
                      "distinct: corrupt: %" PRIu64 " exact ids, more than exact_max %u", n,
                      d->exact_max);
  if (n > gb_sketch_left(r)) /* each id takes a byte at least: no allocation for a lie */
    return gb_err_set(err, GB_ERR_INPUT, "distinct: truncated: %" PRIu64 " ids in %zu bytes", n,
                      gb_sketch_left(r));
  if (reserve(d, n, err) != 0)
    return -1;
  return read_ids(r, d, n, err);
}

int gb_distinct_deserialize(const uint8_t *buf, size_t len, gb_distinct **out, size_t *consumed,
                            gb_err *err) {
  gb_sketch_reader r = {buf, buf + len};
  uint64_t exact_max = 0;
  uint8_t precision = 0, mode = 0;
  if (!gb_sketch_get_varint(&r, &exact_max) || !gb_sketch_get_u8(&r, &precision) ||
      !gb_sketch_get_u8(&r, &mode))
    return gb_err_set(err, GB_ERR_INPUT, "distinct: truncated: %zu bytes hold no header", len);
  if (exact_max > UINT32_MAX)
    return gb_err_set(err, GB_ERR_INPUT,
                      "distinct: corrupt: exact_max %" PRIu64 " does not fit 32 bits", exact_max);
  if (precision < GB_HLL_MIN_PRECISION || precision > GB_HLL_MAX_PRECISION)
    return gb_err_set(err, GB_ERR_INPUT, "distinct: corrupt: HLL precision %u is outside [%d, %d]",
                      precision, GB_HLL_MIN_PRECISION, GB_HLL_MAX_PRECISION);
  if (mode != MODE_EXACT && mode != MODE_HLL)
    return gb_err_set(err, GB_ERR_INPUT,
                      "distinct: corrupt: mode %u is neither 0 (exact) nor "
                      "1 (HLL)",
                      mode);
  gb_distinct *d = NULL;
  if (gb_distinct_new((uint32_t)exact_max, precision, &d, err) != 0)
    return -1;
  if (read_body(&r, d, mode, err) != 0) {
    gb_distinct_free(d);
    return -1;
  }
  *out = d;
  *consumed = (size_t)(r.at - buf);
  return 0;
}
