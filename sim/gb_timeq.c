#include "gb_timeq.h"

#include <stdlib.h>

enum {
  NEAR_ARITY = 4,      /* the window's heap: four children per node… */
  FAR_ARITY = 4,       /* …and beyond the ring: half the depth of a binary heap, and the
                          children of a node in one or two cache lines */
  CACHE_LINE = 64,     /* prefetch granularity */
  BUCKET_FIRST_CAP = 4 /* entries a bucket gets when first used */
};

typedef struct bucket {
  gb_timeq_entry *items;
  uint32_t n, cap;
} bucket;

struct gb_timeq {
  gb_timeq_entry *near; /* 4-ary heap: the entries before window + bucket width */
  size_t near_n;
  gb_timeq_entry *far; /* 4-ary heap: entries beyond the ring (or that found no bucket room) */
  size_t far_n;
  bucket *ring;       /* bucket of window w at (w / width) % GB_TIMEQ_BUCKETS */
  uint64_t *occupied; /* bit b: ring[b] holds entries (to skip empty windows at once) */
  size_t ring_n;
  int64_t window; /* start of the current window, a multiple of the bucket width */
  size_t size;
  const char *base;
  size_t stride, hot_bytes;
};

static bool less(gb_timeq_entry a, gb_timeq_entry b) {
  return a.ts < b.ts || (a.ts == b.ts && a.index < b.index);
}

static int64_t floor_div(int64_t a, int64_t b) {
  int64_t q = a / b;
  return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

/* ---- the heaps */

static void sift_up(gb_timeq_entry *h, size_t i, gb_timeq_entry e, size_t arity) {
  while (i > 0) {
    size_t parent = (i - 1) / arity;
    if (!less(e, h[parent]))
      break;
    h[i] = h[parent];
    i = parent;
  }
  h[i] = e;
}

static void sift_down(gb_timeq_entry *h, size_t n, gb_timeq_entry e, size_t arity) {
  size_t i = 0;
  for (;;) {
    size_t first = arity * i + 1;
    if (first >= n)
      break;
    size_t last = first + arity < n ? first + arity : n, child = first;
    for (size_t c = first + 1; c < last; c++)
      if (less(h[c], h[child]))
        child = c;
    if (!less(h[child], e))
      break;
    h[i] = h[child];
    i = child;
  }
  h[i] = e;
}

static void heap_push(gb_timeq_entry *h, size_t *n, gb_timeq_entry e, size_t arity) {
  sift_up(h, (*n)++, e, arity);
}

static gb_timeq_entry heap_pop(gb_timeq_entry *h, size_t *n, size_t arity) {
  gb_timeq_entry top = h[0];
  gb_timeq_entry last = h[--*n];
  if (*n > 0)
    sift_down(h, *n, last, arity);
  return top;
}

/* ---- the ring */

static int64_t width(void) { return GB_TIMEQ_BUCKET_MS; }

static int64_t ring_end(const gb_timeq *q) { return q->window + width() * GB_TIMEQ_BUCKETS; }

enum { WORD_BITS = 64, OCCUPIED_WORDS = GB_TIMEQ_BUCKETS / WORD_BITS };

static size_t slot_of(int64_t ts) {
  int64_t w = floor_div(ts, width());
  return (size_t)(w % GB_TIMEQ_BUCKETS + GB_TIMEQ_BUCKETS) % GB_TIMEQ_BUCKETS;
}

/* Slots from `from` on (circularly) to the first occupied one: 1 .. GB_TIMEQ_BUCKETS, or
 * GB_TIMEQ_BUCKETS + 1 when none is (the caller knows better: ring_n > 0). */
static size_t distance_to_occupied(const gb_timeq *q, size_t from) {
  for (size_t done = 0; done <= GB_TIMEQ_BUCKETS;) {
    size_t at = (from + done) % GB_TIMEQ_BUCKETS;
    uint64_t word = q->occupied[at / WORD_BITS] >> (at % WORD_BITS);
    if (word)
      return done + (size_t)__builtin_ctzll(word);
    done += WORD_BITS - at % WORD_BITS;
  }
  return GB_TIMEQ_BUCKETS + 1;
}

/* Appends e to its bucket; false when there is no memory for it. */
static bool bucket_append(gb_timeq *q, gb_timeq_entry e) {
  size_t slot = slot_of(e.ts);
  bucket *b = &q->ring[slot];
  if (b->n == b->cap) {
    uint32_t cap = b->cap ? 2 * b->cap : BUCKET_FIRST_CAP;
    gb_timeq_entry *items = realloc(b->items, cap * sizeof *items);
    if (!items)
      return false;
    b->items = items;
    b->cap = cap;
  }
  b->items[b->n++] = e;
  q->occupied[slot / WORD_BITS] |= 1ULL << (slot % WORD_BITS);
  q->ring_n++;
  return true;
}

/* always_inline: GCC finds a function whose only effects are prefetches "pure", and drops the
 * calls to it (their result is unused), so that nothing was prefetched at all. Inlined, the
 * prefetches stay in callers that have other effects. */
static inline __attribute__((always_inline)) void prefetch(const gb_timeq *q, uint32_t index) {
  if (!q->base)
    return;
  const char *item = q->base + (size_t)index * q->stride;
  for (size_t at = 0; at < q->hot_bytes; at += CACHE_LINE)
    __builtin_prefetch(item + at);
  __builtin_prefetch(item + q->hot_bytes - 1); /* the last line, when item is not line-aligned */
}

/* Places e: in the window's heap, in a bucket of the ring, or beyond. */
static void place(gb_timeq *q, gb_timeq_entry e) {
  if (e.ts < q->window + width())
    heap_push(q->near, &q->near_n, e, NEAR_ARITY);
  else if (e.ts >= ring_end(q) || !bucket_append(q, e))
    heap_push(q->far, &q->far_n, e, FAR_ARITY);
}

/* Moves the entries that now fall inside the ring out of the far heap (in order; an entry that
 * finds no bucket room stays there, and reaches the window's heap when its window comes). */
static void pull_far(gb_timeq *q) {
  while (q->far_n > 0 && q->far[0].ts < ring_end(q)) {
    gb_timeq_entry e = q->far[0];
    if (e.ts < q->window + width()) {
      heap_pop(q->far, &q->far_n, FAR_ARITY);
      prefetch(q, e.index);
      heap_push(q->near, &q->near_n, e, NEAR_ARITY);
    } else if (bucket_append(q, e)) {
      heap_pop(q->far, &q->far_n, FAR_ARITY);
    } else {
      break;
    }
  }
}

/* Moves the window forward until its heap holds the first entry (or the queue is empty). Done
 * lazily, when the first entry is asked for: pushing entries never moves the window, so
 * filling a queue in any order keeps them in the ring. */
static void advance(gb_timeq *q) {
  while (q->near_n == 0 && q->size > 0) {
    /* the next window that holds anything: the ring's next occupied bucket, or the far heap's
     * first entry's (beyond the ring, unless it found no bucket room) */
    int64_t next = INT64_MAX;
    if (q->ring_n > 0)
      next =
          q->window + width() * (int64_t)distance_to_occupied(q, slot_of(q->window) + 1) + width();
    if (q->far_n > 0) {
      int64_t far = floor_div(q->far[0].ts, width()) * width();
      next = far < next ? far : next;
    }
    q->window = next;
    size_t slot = slot_of(q->window);
    bucket *b = &q->ring[slot];
    for (uint32_t i = 0; i < b->n; i++) /* first start every fetch, then order them */
      prefetch(q, b->items[i].index);
    for (uint32_t i = 0; i < b->n; i++)
      heap_push(q->near, &q->near_n, b->items[i], NEAR_ARITY);
    q->ring_n -= b->n;
    b->n = 0;
    q->occupied[slot / WORD_BITS] &= ~(1ULL << (slot % WORD_BITS));
    pull_far(q);
  }
}

/* ---- the API */

gb_timeq *gb_timeq_new(size_t capacity, int64_t start_ms, const void *base, size_t stride,
                       size_t hot_bytes) {
  gb_timeq *q = calloc(1, sizeof *q);
  if (!q)
    return NULL;
  size_t cap = capacity ? capacity : 1;
  q->near = malloc(cap * sizeof *q->near);
  q->far = malloc(cap * sizeof *q->far);
  q->ring = calloc(GB_TIMEQ_BUCKETS, sizeof *q->ring);
  q->occupied = calloc(OCCUPIED_WORDS, sizeof *q->occupied);
  if (!q->near || !q->far || !q->ring || !q->occupied) {
    gb_timeq_free(q);
    return NULL;
  }
  q->window = floor_div(start_ms, width()) * width();
  q->base = hot_bytes ? base : NULL;
  q->stride = stride;
  q->hot_bytes = hot_bytes;
  return q;
}

void gb_timeq_free(gb_timeq *q) {
  if (!q)
    return;
  for (size_t i = 0; q->ring && i < GB_TIMEQ_BUCKETS; i++)
    free(q->ring[i].items);
  free(q->ring);
  free(q->occupied);
  free(q->near);
  free(q->far);
  free(q);
}

void gb_timeq_push(gb_timeq *q, int64_t ts, uint32_t index) {
  place(q, (gb_timeq_entry){ts, index});
  q->size++;
}

bool gb_timeq_peek(gb_timeq *q, gb_timeq_entry *out) {
  advance(q);
  if (q->near_n == 0)
    return false;
  *out = q->near[0];
  return true;
}

void gb_timeq_pop(gb_timeq *q) {
  advance(q);
  heap_pop(q->near, &q->near_n, NEAR_ARITY);
  q->size--;
}

void gb_timeq_retime_top(gb_timeq *q, int64_t ts) {
  advance(q);
  gb_timeq_entry e = {ts, q->near[0].index};
  if (ts < q->window + width()) {
    sift_down(q->near, q->near_n, e, NEAR_ARITY);
    return;
  }
  heap_pop(q->near, &q->near_n, NEAR_ARITY);
  place(q, e);
}

size_t gb_timeq_size(const gb_timeq *q) { return q->size; }
