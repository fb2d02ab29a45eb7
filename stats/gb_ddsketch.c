#include "gb_ddsketch.h"

#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "gb_grow.h"
#include "gb_sketch_int.h"

/* SPARSE_MAX: the most non-empty buckets a store keeps as sorted pairs (8 bytes each) before
 * it turns dense (8 bytes per bucket of its whole span). On the default workload's 1-minute
 * cube (docs/benchmarks.md) 99.99 % of the cells hold fewer than 256 values, half fewer than 4,
 * spread over ~1 000 buckets: pairs take a fraction of the dense arrays' bytes. 64 bounds the
 * add's binary search and shift (6 steps, at most 512 bytes moved); 128 was not measured. */
enum { FIRST_BUCKETS = 32, FIRST_PAIRS = 4, SPARSE_MAX = 64 };

/* One non-empty bucket of a sparse store. Indices fit 32 bits (|i| < 4e8); a count that would
 * pass UINT32_MAX turns the store dense (uint64_t counts). */
typedef struct dd_pair {
  int32_t index;
  uint32_t count;
} dd_pair;

/* A store is sparse (counts == NULL: pairs[0 .. n) sorted by index, all counts >= 1) while it
 * has at most SPARSE_MAX non-empty buckets, each counting at most UINT32_MAX values; dense
 * otherwise (pairs == NULL): the counts of the buckets offset .. offset + cap - 1. Which one is
 * a function of the values it counts (both conditions only become false as values come in), so
 * the representation never depends on the order of adds and merges. lo .. hi are the non-empty
 * buckets (lo > hi while empty). Indices are bounded by the accuracy's range (|i| < 4e8), so
 * int64_t never overflows in their differences. */
typedef struct dd_store {
  uint64_t *counts;
  size_t cap;
  int64_t offset;
  dd_pair *pairs;
  size_t n, pcap;
  int64_t lo, hi;
  uint64_t total;
} dd_store;

struct gb_ddsketch {
  double a;
  double log_gamma;     /* ln((1 + a) / (1 - a)) */
  double inv_log_gamma; /* its inverse: a multiplication on the hot path, not a division */
  double min, max;      /* exact; +Inf and -Inf while empty */
  uint64_t count, zero, ignored;
  dd_store pos, neg; /* values > 0, and the magnitudes of values < 0 */
};

static void store_init(dd_store *st) { *st = (dd_store){.lo = INT64_MAX, .hi = INT64_MIN}; }

static bool accuracy_ok(double a) { return a >= GB_DDSKETCH_MIN_ACCURACY && a < 1.0; }

/* Bucket of a magnitude v > 0 (finite): ceil(log_gamma(v)). The conversion truncates towards
 * zero, which is the ceiling already for x <= 0 and one short of it for a positive x with a
 * fraction: inline, rather than a call to ceil() on the hot path. */
static int64_t index_of(const gb_ddsketch *s, double v) {
  double x = log(v) * s->inv_log_gamma;
  int64_t t = (int64_t)x;
  return t + (x > (double)t);
}

/* The value that represents bucket i, (1 - a) gamma^i: an overflow to +Inf (the top buckets)
 * or an underflow is mended by the caller's clamp into [min, max]. */
static double value_of(const gb_ddsketch *s, int64_t i) {
  return exp((double)i * s->log_gamma) * (1.0 - s->a);
}

static gb_ddsketch *alloc_sketch(double a) {
  gb_ddsketch *s = calloc(1, sizeof *s);
  if (!s)
    return NULL;
  s->a = a;
  /* log1p(2a / (1 - a)) = ln((1 + a) / (1 - a)) without the rounding of 1 + a for small a */
  s->log_gamma = log1p(2.0 * a / (1.0 - a));
  s->inv_log_gamma = 1.0 / s->log_gamma;
  s->min = INFINITY;
  s->max = -INFINITY;
  store_init(&s->pos);
  store_init(&s->neg);
  return s;
}

int gb_ddsketch_new(double relative_accuracy, gb_ddsketch **out, gb_err *err) {
  if (!accuracy_ok(relative_accuracy))
    return gb_err_set(err, GB_ERR_INPUT, "ddsketch: relative accuracy %g is outside [%g, 1)",
                      relative_accuracy, GB_DDSKETCH_MIN_ACCURACY);
  gb_ddsketch *s = alloc_sketch(relative_accuracy);
  if (!s)
    return gb_err_set(err, GB_ERR_RUNTIME, "ddsketch: out of memory for a sketch");
  *out = s;
  return 0;
}

void gb_ddsketch_free(gb_ddsketch *s) {
  if (!s)
    return;
  free(s->pos.counts);
  free(s->pos.pairs);
  free(s->neg.counts);
  free(s->neg.pairs);
  free(s);
}

/* Makes st's array cover the buckets lo .. hi (lo <= hi) besides those it covers: the array
 * doubles (gb_grow), and the new room goes on the side that needed it. Kept out of line: the
 * hot path (store_add) then needs no stack frame for it. */
__attribute__((noinline, cold)) static void store_cover(dd_store *st, int64_t lo, int64_t hi) {
  size_t old_cap = st->cap;
  int64_t have_lo = st->offset, have_hi = st->offset + (int64_t)old_cap - 1;
  if (old_cap == 0) {
    have_lo = lo;
    have_hi = hi;
  }
  int64_t new_lo = lo < have_lo ? lo : have_lo, new_hi = hi > have_hi ? hi : have_hi;
  GB_GROW_OR_DIE(st->counts, st->cap, (size_t)(new_hi - new_lo + 1), FIRST_BUCKETS,
                 "ddsketch buckets");
  int64_t offset = st->offset;
  if (old_cap == 0) /* the first buckets: room on both sides */
    offset = new_lo - (int64_t)(st->cap - (size_t)(new_hi - new_lo + 1)) / 2;
  else if (new_lo < have_lo && new_hi > have_hi)
    offset = new_lo;
  else if (new_lo < have_lo) /* growing downwards: all the new room below */
    offset = have_hi + 1 - (int64_t)st->cap;
  size_t shift = (size_t)(st->offset - offset);
  if (old_cap > 0 && shift > 0) {
    memmove(st->counts + shift, st->counts, old_cap * sizeof st->counts[0]);
    memset(st->counts, 0, shift * sizeof st->counts[0]);
  }
  st->offset = offset;
}

/* Turns the sparse st dense, its array covering lo .. hi besides its own buckets. Cold: once
 * per store at most (a store never turns sparse again). */
__attribute__((noinline, cold)) static void densify(dd_store *st, int64_t lo, int64_t hi) {
  store_cover(st, lo < st->lo ? lo : st->lo, hi > st->hi ? hi : st->hi);
  for (size_t k = 0; k < st->n; k++)
    st->counts[st->pairs[k].index - st->offset] = st->pairs[k].count;
  free(st->pairs);
  st->pairs = NULL;
  st->n = st->pcap = 0;
}

/* The position of the first pair of index >= i in p[0 .. n). */
static size_t pair_search(const dd_pair *p, size_t n, int64_t i) {
  size_t lo = 0, hi = n;
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    if (p[mid].index < i)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo;
}

/* Counts bucket i in the sparse st; false (st unchanged) when st must turn dense first: i is a
 * new bucket past SPARSE_MAX, or its count would pass 32 bits. */
static bool sparse_add(dd_store *st, int64_t i) {
  size_t at = pair_search(st->pairs, st->n, i);
  if (at < st->n && st->pairs[at].index == i) {
    if (st->pairs[at].count == UINT32_MAX)
      return false;
    st->pairs[at].count++;
    return true;
  }
  if (st->n == SPARSE_MAX)
    return false;
  GB_GROW_OR_DIE(st->pairs, st->pcap, st->n + 1, FIRST_PAIRS, "ddsketch buckets");
  memmove(&st->pairs[at + 1], &st->pairs[at], (st->n - at) * sizeof st->pairs[0]);
  st->pairs[at] = (dd_pair){(int32_t)i, 1};
  st->n++;
  return true;
}

static void store_add(dd_store *st, int64_t i) {
  if (!st->counts && !sparse_add(st, i))
    densify(st, i, i);
  if (st->counts) {
    /* One unsigned compare for both ends: an index below the offset wraps to a huge number. */
    if ((uint64_t)(i - st->offset) >= st->cap)
      store_cover(st, i, i);
    st->counts[i - st->offset]++;
  }
  st->lo = i < st->lo ? i : st->lo;
  st->hi = i > st->hi ? i : st->hi;
  st->total++;
}

void gb_ddsketch_add(gb_ddsketch *s, double value) {
  if (!isfinite(value)) {
    s->ignored++;
    return;
  }
  if (value == 0) {
    s->zero++;
    value = 0.0; /* -0 too: the minimum and maximum must not depend on which zero came first */
  } else {
    store_add(signbit(value) ? &s->neg : &s->pos, index_of(s, fabs(value)));
  }
  s->count++;
  s->min = value < s->min ? value : s->min;
  s->max = value > s->max ? value : s->max;
}

uint64_t gb_ddsketch_count(const gb_ddsketch *s) { return s->count; }

uint64_t gb_ddsketch_ignored(const gb_ddsketch *s) { return s->ignored; }

double gb_ddsketch_relative_accuracy(const gb_ddsketch *s) { return s->a; }

/* The bucket index of the value of 0-based rank r among st's magnitudes (r < st->total),
 * counting from the largest magnitude down when from_top. */
static int64_t store_rank_index(const dd_store *st, uint64_t r, bool from_top) {
  uint64_t seen = 0;
  for (size_t k = 0; k < st->n; k++) {
    const dd_pair *p = &st->pairs[from_top ? st->n - 1 - k : k];
    seen += p->count;
    if (seen > r)
      return p->index;
  }
  for (int64_t k = 0; st->counts && k <= st->hi - st->lo; k++) {
    int64_t i = from_top ? st->hi - k : st->lo + k;
    seen += st->counts[i - st->offset];
    if (seen > r)
      return i;
  }
  GB_FATAL("ddsketch: rank %" PRIu64 " is past the store's %" PRIu64 " values", r, st->total);
}

double gb_ddsketch_quantile(const gb_ddsketch *s, double q) {
  if (s->count == 0 || isnan(q))
    return NAN;
  q = q < 0 ? 0 : q > 1 ? 1 : q;
  uint64_t r = (uint64_t)floor(q * (double)(s->count - 1));
  if (r == 0)
    return s->min;
  if (r >= s->count - 1)
    return s->max;
  double v;
  if (r < s->neg.total) {
    /* the smallest values are the negatives of the largest magnitudes */
    v = -value_of(s, store_rank_index(&s->neg, r, true));
  } else if (r - s->neg.total < s->zero) {
    return 0.0;
  } else {
    v = value_of(s, store_rank_index(&s->pos, r - s->neg.total - s->zero, false));
  }
  return v < s->min ? s->min : v > s->max ? s->max : v;
}

/* n counts of src added into dst, element-wise. The arrays are distinct (two sketches), and as
 * plain pointers the compiler needs not reload the stores' fields after each add (uint64_t
 * counts may alias the int64_t offsets). Blocks of four: fixed-size inner loops that -O2
 * vectorises (it leaves a loop of a run-time trip count scalar). */
static void add_counts(uint64_t *restrict dst, const uint64_t *restrict src, size_t n) {
  size_t i = 0;
  for (; i + 4 <= n; i += 4)
    for (size_t j = 0; j < 4; j++)
      dst[i + j] += src[i + j];
  for (; i < n; i++)
    dst[i] += src[i];
}

/* Whether the union of the sparse stores a and b stays sparse; *n its number of buckets. */
static bool sparse_union_fits(const dd_store *a, const dd_store *b, size_t *n) {
  size_t i = 0, j = 0, u = 0;
  while (i < a->n || j < b->n) {
    if (++u > SPARSE_MAX)
      return false;
    if (j == b->n || (i < a->n && a->pairs[i].index < b->pairs[j].index)) {
      i++;
    } else if (i == a->n || b->pairs[j].index < a->pairs[i].index) {
      j++;
    } else {
      if (a->pairs[i].count > UINT32_MAX - b->pairs[j].count)
        return false;
      i++;
      j++;
    }
  }
  *n = u;
  return true;
}

/* Merges the sparse src into the sparse dst, whose union has n buckets: in place, from the
 * top down, so that no pair of dst is overwritten before it is moved. */
static void sparse_merge(dd_store *dst, const dd_store *src, size_t n) {
  GB_GROW_OR_DIE(dst->pairs, dst->pcap, n, FIRST_PAIRS, "ddsketch buckets");
  dd_pair *d = dst->pairs;
  const dd_pair *s = src->pairs;
  size_t i = dst->n, j = src->n, w = n;
  while (j > 0) {
    if (i > 0 && d[i - 1].index > s[j - 1].index) {
      d[--w] = d[--i];
    } else if (i > 0 && d[i - 1].index == s[j - 1].index) {
      d[--w] = (dd_pair){s[j - 1].index, d[i - 1].count + s[j - 1].count};
      i--;
      j--;
    } else {
      d[--w] = s[--j];
    }
  }
  dst->n = n;
}

static void store_merge(dd_store *dst, const dd_store *src) {
  if (src->total == 0)
    return;
  size_t n = 0;
  if (!dst->counts && !src->counts && sparse_union_fits(dst, src, &n)) {
    sparse_merge(dst, src, n);
  } else {
    if (!dst->counts)
      densify(dst, src->lo, src->hi);
    else if (src->lo < dst->offset || src->hi >= dst->offset + (int64_t)dst->cap)
      store_cover(dst, src->lo, src->hi); /* once, to the union of the two ranges */
    if (src->counts)
      add_counts(&dst->counts[src->lo - dst->offset], &src->counts[src->lo - src->offset],
                 (size_t)(src->hi - src->lo + 1));
    for (size_t k = 0; k < src->n; k++)
      dst->counts[src->pairs[k].index - dst->offset] += src->pairs[k].count;
  }
  dst->lo = src->lo < dst->lo ? src->lo : dst->lo;
  dst->hi = src->hi > dst->hi ? src->hi : dst->hi;
  dst->total += src->total;
}

int gb_ddsketch_merge(gb_ddsketch *dst, const gb_ddsketch *src, gb_err *err) {
  GB_ASSERT(dst != src);
  if (memcmp(&dst->a, &src->a, sizeof dst->a) != 0)
    return gb_err_set(err, GB_ERR_INPUT,
                      "ddsketch: cannot merge a sketch of relative accuracy %.17g into one of "
                      "%.17g",
                      src->a, dst->a);
  store_merge(&dst->pos, &src->pos);
  store_merge(&dst->neg, &src->neg);
  dst->count += src->count;
  dst->zero += src->zero;
  dst->ignored += src->ignored;
  dst->min = src->min < dst->min ? src->min : dst->min;
  dst->max = src->max > dst->max ? src->max : dst->max;
  return 0;
}

/* Gives st an array of exactly the buckets lo .. hi (empty), for a copy or a deserialization. */
static int store_alloc(dd_store *st, int64_t lo, int64_t hi, gb_err *err) {
  size_t n = (size_t)(hi - lo + 1);
  if (GB_GROW(st->counts, st->cap, n, n, "ddsketch buckets", err) != 0)
    return gb_err_prefix(err, "ddsketch: ");
  st->offset = lo;
  return 0;
}

static int store_copy(dd_store *dst, const dd_store *src, gb_err *err) {
  store_init(dst);
  if (src->total == 0)
    return 0;
  if (!src->counts) {
    if (GB_GROW(dst->pairs, dst->pcap, src->n, src->n, "ddsketch buckets", err) != 0)
      return gb_err_prefix(err, "ddsketch: ");
    memcpy(dst->pairs, src->pairs, src->n * sizeof src->pairs[0]);
    dst->n = src->n;
  } else {
    if (store_alloc(dst, src->lo, src->hi, err) != 0)
      return -1;
    memcpy(dst->counts, &src->counts[src->lo - src->offset],
           (size_t)(src->hi - src->lo + 1) * sizeof src->counts[0]);
  }
  dst->lo = src->lo;
  dst->hi = src->hi;
  dst->total = src->total;
  return 0;
}

int gb_ddsketch_clone(const gb_ddsketch *s, gb_ddsketch **out, gb_err *err) {
  gb_ddsketch *c = malloc(sizeof *c);
  if (!c)
    return gb_err_set(err, GB_ERR_RUNTIME, "ddsketch: out of memory for a copy");
  *c = *s;
  store_init(&c->neg); /* so that a failure below frees nothing of s's */
  if (store_copy(&c->pos, &s->pos, err) != 0 || store_copy(&c->neg, &s->neg, err) != 0) {
    gb_ddsketch_free(c);
    return -1;
  }
  *out = c;
  return 0;
}

size_t gb_ddsketch_memory_bytes(const gb_ddsketch *s) {
  return sizeof *s + (s->pos.cap + s->neg.cap) * sizeof s->pos.counts[0] +
         (s->pos.pcap + s->neg.pcap) * sizeof s->pos.pairs[0];
}

/* --- serialization ------------------------------------------------------------------------- */

/* A walk over a store's non-empty buckets in increasing order of index, whichever its form. */
typedef struct dd_walk {
  const dd_store *st;
  int64_t i; /* dense: the next bucket to look at */
  size_t k;  /* sparse: the next pair */
} dd_walk;

static dd_walk walk_start(const dd_store *st) { return (dd_walk){st, st->lo, 0}; }

static bool walk_next(dd_walk *w, int64_t *index, uint64_t *count) {
  const dd_store *st = w->st;
  if (!st->counts) {
    if (w->k == st->n)
      return false;
    *index = st->pairs[w->k].index;
    *count = st->pairs[w->k++].count;
    return true;
  }
  while (w->i <= st->hi && st->counts[w->i - st->offset] == 0)
    w->i++;
  if (w->i > st->hi)
    return false;
  *index = w->i;
  *count = st->counts[w->i++ - st->offset];
  return true;
}

/* Bytes of the non-empty st in the run form (every bucket from lo to hi, an empty one as a 0). */
static size_t run_form_size(const dd_store *st) {
  uint64_t span = (uint64_t)(st->hi - st->lo + 1), nonempty = 0, c = 0;
  size_t size = gb_sketch_varint_len(2 * span) + gb_sketch_varint_len(gb_sketch_zigzag(st->lo));
  int64_t i = 0;
  for (dd_walk w = walk_start(st); walk_next(&w, &i, &c); nonempty++)
    size += gb_sketch_varint_len(c);
  return size + (size_t)(span - nonempty);
}

/* Bytes of the non-empty st in the pair form (the non-empty buckets only); *m their number. */
static size_t pair_form_size(const dd_store *st, uint64_t *m) {
  size_t size = 0;
  int64_t i = 0, prev = 0;
  uint64_t c = 0, k = 0;
  for (dd_walk w = walk_start(st); walk_next(&w, &i, &c); k++, prev = i)
    size += gb_sketch_varint_len(c) + (k == 0 ? gb_sketch_varint_len(gb_sketch_zigzag(i))
                                              : gb_sketch_varint_len((uint64_t)(i - prev)));
  *m = k;
  return size + gb_sketch_varint_len(2 * k + 1);
}

/* The pair form when it is strictly shorter: a function of the buckets alone. */
static bool pair_form(const dd_store *st) {
  uint64_t m = 0;
  return pair_form_size(st, &m) < run_form_size(st);
}

static size_t store_size(const dd_store *st) {
  if (st->total == 0)
    return 1;
  uint64_t m = 0;
  size_t pairs = pair_form_size(st, &m), runs = run_form_size(st);
  return pairs < runs ? pairs : runs;
}

size_t gb_ddsketch_serialized_size(const gb_ddsketch *s) {
  size_t size = 8 + gb_sketch_varint_len(s->count) + gb_sketch_varint_len(s->ignored) +
                gb_sketch_varint_len(s->zero);
  if (s->count > 0)
    size += 16;
  return size + store_size(&s->pos) + store_size(&s->neg);
}

static size_t store_write(const dd_store *st, uint8_t *out) {
  if (st->total == 0)
    return gb_varint_put(out, 0);
  uint64_t m = 0, c = 0;
  int64_t i = 0, prev = st->lo - 1;
  size_t n = 0;
  dd_walk w = walk_start(st);
  if (pair_form(st)) {
    pair_form_size(st, &m);
    n = gb_varint_put(out, 2 * m + 1);
    for (bool first = true; walk_next(&w, &i, &c); first = false, prev = i) {
      n += gb_varint_put(out + n, first ? gb_sketch_zigzag(i) : (uint64_t)(i - prev));
      n += gb_varint_put(out + n, c);
    }
    return n;
  }
  n = gb_varint_put(out, 2 * (uint64_t)(st->hi - st->lo + 1));
  n += gb_varint_put(out + n, gb_sketch_zigzag(st->lo));
  for (; walk_next(&w, &i, &c); prev = i) {
    for (; prev + 1 < i; prev++)
      out[n++] = 0;
    n += gb_varint_put(out + n, c);
  }
  return n;
}

size_t gb_ddsketch_serialize(const gb_ddsketch *s, uint8_t *buf) {
  uint8_t *out = buf;
  out += gb_sketch_put_f64(out, s->a);
  out += gb_varint_put(out, s->count);
  out += gb_varint_put(out, s->ignored);
  out += gb_varint_put(out, s->zero);
  if (s->count > 0) {
    out += gb_sketch_put_f64(out, s->min);
    out += gb_sketch_put_f64(out, s->max);
  }
  out += store_write(&s->pos, out);
  out += store_write(&s->neg, out);
  return (size_t)(out - buf);
}

/* The bucket range a value can have: from the smallest subnormal to the largest double. */
static void index_range(const gb_ddsketch *s, int64_t *lo, int64_t *hi) {
  *lo = index_of(s, 0x1p-1074);
  *hi = index_of(s, DBL_MAX);
}

/* Turns the dense st sparse when its buckets allow it (see dd_store), as after deserializing:
 * the form in memory is the one the adds of the same values would have reached. */
static int sparsify(dd_store *st, gb_err *err) {
  size_t m = 0;
  int64_t i = 0;
  uint64_t c = 0;
  for (dd_walk w = walk_start(st); walk_next(&w, &i, &c); m++)
    if (m == SPARSE_MAX || c > UINT32_MAX)
      return 0;
  if (GB_GROW(st->pairs, st->pcap, m, m, "ddsketch buckets", err) != 0)
    return gb_err_prefix(err, "ddsketch: ");
  for (dd_walk w = walk_start(st); walk_next(&w, &i, &c); st->n++)
    st->pairs[st->n] = (dd_pair){(int32_t)i, (uint32_t)c};
  free(st->counts);
  st->counts = NULL;
  st->cap = 0;
  st->offset = 0;
  return 0;
}

static int read_count(gb_sketch_reader *r, dd_store *st, uint64_t *c, uint64_t j, uint64_t k,
                      const char *which, gb_err *err) {
  if (!gb_sketch_get_varint(r, c))
    return gb_err_set(err, GB_ERR_INPUT,
                      "ddsketch: truncated or corrupt: %s store, count %" PRIu64 " of %" PRIu64,
                      which, j + 1, k);
  if (*c > UINT64_MAX - st->total)
    return gb_err_set(err, GB_ERR_INPUT, "ddsketch: corrupt: %s store's counts overflow", which);
  st->total += *c;
  return 0;
}

/* The run form's k counts of the buckets lo .. lo + k - 1 into a dense st. */
static int read_runs(gb_sketch_reader *r, dd_store *st, int64_t lo, uint64_t k, const char *which,
                     gb_err *err) {
  if (store_alloc(st, lo, lo + (int64_t)k - 1, err) != 0)
    return -1;
  for (uint64_t j = 0; j < k; j++)
    if (read_count(r, st, &st->counts[j], j, k, which, err) != 0)
      return -1;
  if (st->counts[0] == 0 || st->counts[k - 1] == 0)
    return gb_err_set(err, GB_ERR_INPUT,
                      "ddsketch: corrupt: %s store's first or last bucket is empty", which);
  st->lo = lo;
  st->hi = lo + (int64_t)k - 1;
  return 0;
}

/* Puts the m buckets at[] (increasing) of counts c[] (>= 1) into the empty st, in the form the
 * adds of their values would have reached: sparse when dd_store allows it, else dense (whose
 * span a few far-apart buckets can make large: the size the adds would have allocated). */
static int fill_store(dd_store *st, const int64_t *at, const uint64_t *c, uint64_t m, gb_err *err) {
  bool sparse = m <= SPARSE_MAX;
  for (uint64_t j = 0; sparse && j < m; j++)
    sparse = c[j] <= UINT32_MAX;
  if (sparse) {
    if (GB_GROW(st->pairs, st->pcap, m, m, "ddsketch buckets", err) != 0)
      return gb_err_prefix(err, "ddsketch: ");
    for (uint64_t j = 0; j < m; j++)
      st->pairs[j] = (dd_pair){(int32_t)at[j], (uint32_t)c[j]};
    st->n = (size_t)m;
    return 0;
  }
  if (store_alloc(st, at[0], at[m - 1], err) != 0)
    return -1;
  for (uint64_t j = 0; j < m; j++)
    st->counts[at[j] - at[0]] = c[j];
  return 0;
}

/* The pair form's m (index, count) pairs, the first at lo, the next ones at increasing
 * distances up to max_i; read into a heap array first, then into the store's form. */
static int read_pairs(gb_sketch_reader *r, dd_store *st, int64_t lo, uint64_t m, int64_t max_i,
                      const char *which, gb_err *err) {
  int64_t *at = malloc(m * sizeof *at);
  uint64_t *c = malloc(m * sizeof *c);
  int rc = at && c ? 0
                   : gb_err_set(err, GB_ERR_RUNTIME,
                                "ddsketch: out of memory for %" PRIu64 " buckets", m);
  for (uint64_t j = 0; rc == 0 && j < m; j++) {
    uint64_t d = 0;
    if (j > 0 && !gb_sketch_get_varint(r, &d))
      rc = gb_err_set(err, GB_ERR_INPUT, "ddsketch: truncated: %s store, bucket %" PRIu64, which,
                      j + 1);
    else if (j > 0 && (d == 0 || d > (uint64_t)(max_i - at[j - 1])))
      rc = gb_err_set(err, GB_ERR_INPUT,
                      "ddsketch: corrupt: %s store's bucket %" PRIu64
                      " is not above the previous one or out of range",
                      which, j + 1);
    else if (read_count(r, st, &c[j], j, m, which, err) != 0)
      rc = -1;
    else if (c[j] == 0)
      rc = gb_err_set(err, GB_ERR_INPUT, "ddsketch: corrupt: %s store's pair %" PRIu64 " is empty",
                      which, j + 1);
    else
      at[j] = j == 0 ? lo : at[j - 1] + (int64_t)d;
  }
  if (rc == 0)
    rc = fill_store(st, at, c, m, err);
  if (rc == 0) {
    st->lo = lo;
    st->hi = at[m - 1];
  }
  free(at);
  free(c);
  return rc;
}

static int read_store(gb_sketch_reader *r, const gb_ddsketch *s, dd_store *st, const char *which,
                      gb_err *err) {
  uint64_t h = 0, zz = 0;
  if (!gb_sketch_get_varint(r, &h))
    return gb_err_set(err, GB_ERR_INPUT, "ddsketch: truncated: no %s store", which);
  if (h == 0)
    return 0;
  uint64_t k = h >> 1; /* buckets (run form) or pairs (pair form, h odd) */
  if (!gb_sketch_get_varint(r, &zz))
    return gb_err_set(err, GB_ERR_INPUT, "ddsketch: truncated: %s store has no first index", which);
  if (k == 0 || k > gb_sketch_left(r)) /* a count takes a byte at least: no allocation for a lie */
    return gb_err_set(err, GB_ERR_INPUT,
                      "ddsketch: truncated: %s store has %" PRIu64 " buckets in %zu bytes", which,
                      k, gb_sketch_left(r));
  int64_t lo = gb_sketch_unzigzag(zz), min_i, max_i;
  index_range(s, &min_i, &max_i);
  if (lo < min_i || lo > max_i || ((h & 1) == 0 && k - 1 > (uint64_t)(max_i - lo)))
    return gb_err_set(err, GB_ERR_INPUT,
                      "ddsketch: corrupt: %s store's buckets %" PRId64 " + %" PRIu64
                      " leave the range [%" PRId64 ", %" PRId64 "] of accuracy %g",
                      which, lo, k, min_i, max_i, s->a);
  int rc =
      h & 1 ? read_pairs(r, st, lo, k, max_i, which, err) : read_runs(r, st, lo, k, which, err);
  if (rc != 0)
    return -1;
  if (pair_form(st) != (h & 1))
    return gb_err_set(err, GB_ERR_INPUT, "ddsketch: corrupt: %s store is not in its shorter form",
                      which);
  return st->counts ? sparsify(st, err) : 0;
}

/* Whether v can be the sketch's lowest (or highest) value: finite, of the sign of the first
 * (last) non-empty part, +0 for the zeros, and in (or, across libms, next to) its bucket. */
static bool extreme_ok(const gb_ddsketch *s, double v, bool lowest) {
  const dd_store *far = lowest ? &s->neg : &s->pos, *near = lowest ? &s->pos : &s->neg;
  if (!isfinite(v))
    return false;
  if (far->total > 0)
    return (lowest ? v < 0 : v > 0) && llabs(index_of(s, fabs(v)) - far->hi) <= 1;
  if (s->zero > 0)
    return v == 0 && !signbit(v);
  return (lowest ? v > 0 : v < 0) && llabs(index_of(s, fabs(v)) - near->lo) <= 1;
}

static int read_extremes(gb_sketch_reader *r, gb_ddsketch *s, gb_err *err) {
  if (s->count == 0)
    return 0;
  if (!gb_sketch_get_f64(r, &s->min) || !gb_sketch_get_f64(r, &s->max))
    return gb_err_set(err, GB_ERR_INPUT, "ddsketch: truncated: no minimum and maximum");
  return 0;
}

static int check_totals(const gb_ddsketch *s, gb_err *err) {
  uint64_t sum = s->pos.total + s->neg.total; /* each below 2^64: overflow shows as sum < one */
  if (sum < s->pos.total || sum + s->zero < sum || sum + s->zero != s->count)
    return gb_err_set(err, GB_ERR_INPUT,
                      "ddsketch: corrupt: %" PRIu64 " positive, %" PRIu64 " negative and %" PRIu64
                      " zero values do not add up to the count %" PRIu64,
                      s->pos.total, s->neg.total, s->zero, s->count);
  if (s->count > 0 && (!extreme_ok(s, s->min, true) || !extreme_ok(s, s->max, false)))
    return gb_err_set(err, GB_ERR_INPUT,
                      "ddsketch: corrupt: minimum %.17g or maximum %.17g is not in the first or "
                      "last bucket",
                      s->min, s->max);
  return 0;
}

static int read_sketch(gb_sketch_reader *r, gb_ddsketch *s, gb_err *err) {
  if (!gb_sketch_get_varint(r, &s->count) || !gb_sketch_get_varint(r, &s->ignored) ||
      !gb_sketch_get_varint(r, &s->zero))
    return gb_err_set(err, GB_ERR_INPUT, "ddsketch: truncated: no counts");
  if (read_extremes(r, s, err) != 0 || read_store(r, s, &s->pos, "positive", err) != 0 ||
      read_store(r, s, &s->neg, "negative", err) != 0)
    return -1;
  return check_totals(s, err);
}

int gb_ddsketch_deserialize(const uint8_t *buf, size_t len, gb_ddsketch **out, size_t *consumed,
                            gb_err *err) {
  gb_sketch_reader r = {buf, buf + len};
  double a = 0;
  if (!gb_sketch_get_f64(&r, &a))
    return gb_err_set(err, GB_ERR_INPUT, "ddsketch: truncated: no relative accuracy");
  if (!accuracy_ok(a))
    return gb_err_set(err, GB_ERR_INPUT,
                      "ddsketch: corrupt: relative accuracy %g is outside [%g, 1)", a,
                      GB_DDSKETCH_MIN_ACCURACY);
  gb_ddsketch *s = alloc_sketch(a);
  if (!s)
    return gb_err_set(err, GB_ERR_RUNTIME, "ddsketch: out of memory for a sketch");
  if (read_sketch(&r, s, err) != 0) {
    gb_ddsketch_free(s);
    return -1;
  }
  /* min and max read as +Inf / -Inf for an empty sketch: alloc_sketch set them */
  *out = s;
  *consumed = (size_t)(r.at - buf);
  return 0;
}
