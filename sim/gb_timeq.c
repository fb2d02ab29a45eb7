#include "gb_timeq.h"

#include <stdlib.h>
#include <string.h>

#include "gb_prefetch.h"

enum {
  NEAR_ARITY = 4,             /* the window's heap: four children per node… */
  FAR_ARITY = 4,              /* …and beyond the ring: half the depth of a binary heap, and the
                                 children of a node in one or two cache lines */
  CACHE_LINE = GB_CACHE_LINE, /* a chunk's size */
  KEY_TS_SHIFT = 32,
  GROUPS = 64,       /* take_bucket groups a window's keys by time in at most 64 groups… */
  GROUPING_MIN = 16, /* …when it holds more than this: fewer are sorted faster as they come */
  INSERTION_SORT_MAX = 4 * GROUPS, /* grouped keys are sorted by insertion up to this many (a
                                      busy card second holds ~60 with 100k players), by qsort
                                      beyond (the first window, which can hold everyone) */
  CHUNK_KEYS = 7,                  /* keys per chunk: with the link, one cache line */
  PREFETCH_AHEAD = 12              /* items of the sorted window fetched ahead of the one popped */
};

#define NO_CHUNK UINT32_MAX

/* A ring bucket holds the entries of one window as keys: (ts - window start) << 32 | index.
 * Sorting the keys sorts the entries in (ts, index) order; 8 bytes instead of 16 per entry. The
 * keys are stored in a list of chunks taken from one pool, all but the last full; a drained
 * bucket gives its chunks back to the pool's free list, which hands the most recently freed (in
 * the caches) out first. One allocation for the whole ring, made up front: no allocator call
 * per bucket, and the memory a queue uses stays small and warm. */
typedef struct chunk {
  uint64_t keys[CHUNK_KEYS];
  uint32_t next; /* the bucket's next chunk, or the free list's; NO_CHUNK ends either */
  uint32_t unused;
} chunk;

_Static_assert(sizeof(chunk) == CACHE_LINE, "a chunk is one cache line");

typedef struct bucket {
  uint32_t head, tail; /* chunks (valid when n > 0) */
  uint32_t n;          /* keys */
} bucket;

struct gb_timeq {
  uint64_t *cur; /* the current window's keys, sorted, consumed from cur_at on (capacity) */
  size_t cur_n, cur_at;
  gb_timeq_entry *near; /* 4-ary heap: the entries placed before window + bucket width after the
                           window's bucket was sorted (retimed, due in the past, from far) */
  size_t near_n;
  gb_timeq_entry *far; /* 4-ary heap: entries beyond the ring (or that found no bucket room) */
  size_t far_n;
  bucket *ring;       /* bucket of window w at (w / width) % GB_TIMEQ_BUCKETS */
  uint64_t *occupied; /* bit b: ring[b] holds entries (to skip empty windows at once) */
  size_t ring_n;
  chunk *chunks; /* the buckets' pool */
  uint32_t free_chunk;
  int64_t window;       /* start of the current window, a multiple of the bucket width */
  int64_t width;        /* a window's length (ms) */
  unsigned group_shift; /* a key's group is its offset in the window >> group_shift */
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

static int64_t width(const gb_timeq *q) { return q->width; }

static int64_t ring_end(const gb_timeq *q) { return q->window + width(q) * GB_TIMEQ_BUCKETS; }

enum { WORD_BITS = 64, OCCUPIED_WORDS = GB_TIMEQ_BUCKETS / WORD_BITS };

static size_t slot_of(const gb_timeq *q, int64_t ts) {
  int64_t w = floor_div(ts, width(q));
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

/* Chunks that hold `capacity` entries however they are spread: the full chunks, plus one
 * partly filled per bucket in use. */
static size_t pool_chunks(size_t capacity) {
  size_t buckets = capacity < GB_TIMEQ_BUCKETS ? capacity : GB_TIMEQ_BUCKETS;
  return capacity / CHUNK_KEYS + buckets + 1;
}

/* Appends e to its bucket; false when the pool has no chunk left (the pool is sized so that it
 * cannot happen; the far heap would take the entry). */
static bool bucket_append(gb_timeq *q, gb_timeq_entry e) {
  size_t slot = slot_of(q, e.ts);
  bucket *b = &q->ring[slot];
  uint32_t at = b->n % CHUNK_KEYS;
  if (at == 0) { /* no chunk yet, or the last one is full */
    uint32_t c = q->free_chunk;
    if (c == NO_CHUNK)
      return false;
    q->free_chunk = q->chunks[c].next;
    q->chunks[c].next = NO_CHUNK;
    if (b->n == 0)
      b->head = c;
    else
      q->chunks[b->tail].next = c;
    b->tail = c;
  }
  int64_t offset = e.ts - floor_div(e.ts, width(q)) * width(q);
  q->chunks[b->tail].keys[at] = (uint64_t)offset << KEY_TS_SHIFT | e.index;
  b->n++;
  q->occupied[slot / WORD_BITS] |= 1ULL << (slot % WORD_BITS);
  q->ring_n++;
  return true;
}

/* always_inline, like gb_prefetch_span itself: see gb_prefetch.h. */
static inline __attribute__((always_inline)) void prefetch(const gb_timeq *q, uint32_t index) {
  if (q->base)
    gb_prefetch_span(q->base + (size_t)index * q->stride, q->hot_bytes);
}

/* Places e: in the window's heap, in a bucket of the ring, or beyond. */
static void place(gb_timeq *q, gb_timeq_entry e) {
  if (e.ts < q->window + width(q))
    heap_push(q->near, &q->near_n, e, NEAR_ARITY);
  else if (e.ts >= ring_end(q) || !bucket_append(q, e))
    heap_push(q->far, &q->far_n, e, FAR_ARITY);
}

/* Moves the entries that now fall inside the ring out of the far heap (in order; an entry that
 * finds no bucket room stays there, and reaches the window's heap when its window comes). */
static void pull_far(gb_timeq *q) {
  while (q->far_n > 0 && q->far[0].ts < ring_end(q)) {
    gb_timeq_entry e = q->far[0];
    if (e.ts < q->window + width(q)) {
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

static int compare_keys(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return (x > y) - (x < y);
}

/* Sorts a window's keys, already grouped by take_bucket: by insertion when there are few (a
 * window holds tens: no call per comparison, and a key moves past the few of its group at most),
 * else by qsort (the first window, which can hold everyone). */
static void sort_keys(uint64_t *keys, size_t n) {
  if (n > INSERTION_SORT_MAX) {
    qsort(keys, n, sizeof *keys, compare_keys);
    return;
  }
  for (size_t i = 1; i < n; i++) {
    uint64_t k = keys[i];
    size_t j = i;
    for (; j > 0 && keys[j - 1] > k; j--)
      keys[j] = keys[j - 1];
    keys[j] = k;
  }
}

/* Gives a bucket's chunks back to the free list. */
static void free_chunks(gb_timeq *q, const bucket *b) {
  for (uint32_t c = b->head, left = b->n; left > 0;) {
    uint32_t next = q->chunks[c].next;
    q->chunks[c].next = q->free_chunk;
    q->free_chunk = c;
    c = next;
    left -= left < CHUNK_KEYS ? left : CHUNK_KEYS;
  }
}

/* Copies a bucket's keys into cur, in chunk order. */
static void gather(gb_timeq *q, const bucket *b) {
  size_t n = 0;
  for (uint32_t c = b->head; n < b->n; c = q->chunks[c].next) {
    size_t take = b->n - n < CHUNK_KEYS ? b->n - n : CHUNK_KEYS;
    memcpy(q->cur + n, q->chunks[c].keys, take * sizeof *q->cur);
    n += take;
  }
}

static size_t group_of(const gb_timeq *q, uint64_t key) {
  return (size_t)(key >> KEY_TS_SHIFT >> q->group_shift);
}

/* Copies a bucket's keys into cur grouped by their time in the window (a counting sort on
 * offset >> group_shift: 16 ms groups for one-second windows): the insertion sort then moves each
 * key past the few of its group at most, instead of past half the window's. */
static void gather_grouped(gb_timeq *q, const bucket *b) {
  uint32_t at[GROUPS + 1] = {0};
  size_t n = 0;
  for (uint32_t c = b->head; n < b->n; c = q->chunks[c].next)
    for (size_t i = 0; i < CHUNK_KEYS && n < b->n; i++, n++)
      at[group_of(q, q->chunks[c].keys[i]) + 1]++;
  for (size_t g = 1; g <= GROUPS; g++)
    at[g] += at[g - 1];
  n = 0;
  for (uint32_t c = b->head; n < b->n; c = q->chunks[c].next)
    for (size_t i = 0; i < CHUNK_KEYS && n < b->n; i++, n++) {
      uint64_t k = q->chunks[c].keys[i];
      q->cur[at[group_of(q, k)]++] = k;
    }
}

/* Moves a bucket's keys into `cur` (which the caller has consumed), grouped when there are many,
 * and its chunks to the free list. */
static void take_bucket(gb_timeq *q, size_t slot) {
  bucket *b = &q->ring[slot];
  if (b->n > GROUPING_MIN)
    gather_grouped(q, b);
  else
    gather(q, b);
  free_chunks(q, b);
  q->cur_n = b->n;
  q->cur_at = 0;
  q->ring_n -= b->n;
  b->n = 0;
}

static inline bool window_empty(const gb_timeq *q) {
  return q->cur_at == q->cur_n && q->near_n == 0;
}

/* Looks ahead to the next occupied buckets (the ring must hold entries): the items of the next
 * one are prefetched, and the first chunk of the one after it, so that reading that chunk's keys
 * when the window after next comes does not stall. With few entries per window (a sparse
 * population) prefetching the window's own items when it comes is too late to help: this starts
 * them a window ahead. Hints only: no effect on order. */
static inline __attribute__((always_inline)) void prefetch_ahead(const gb_timeq *q, size_t slot) {
  size_t d = distance_to_occupied(q, slot + 1);
  if (d > GB_TIMEQ_BUCKETS)
    return;
  size_t s1 = (slot + 1 + d) % GB_TIMEQ_BUCKETS;
  const bucket *b = &q->ring[s1];
  if (b->n <= CHUNK_KEYS) /* a bucket of many chunks: its window prefetches them itself */
    for (uint32_t i = 0; i < b->n; i++)
      prefetch(q, (uint32_t)q->chunks[b->head].keys[i]);
  size_t d2 = distance_to_occupied(q, s1 + 1);
  if (d2 > GB_TIMEQ_BUCKETS)
    return;
  const bucket *b2 = &q->ring[(s1 + 1 + d2) % GB_TIMEQ_BUCKETS];
  if (b2->n > 0)
    __builtin_prefetch(&q->chunks[b2->head]);
}

/* Moves the window forward until it holds the first entry (or the queue is empty). Done lazily,
 * when the first entry is asked for: pushing entries never moves the window, so filling a queue
 * in any order keeps them in the ring. The new window's bucket becomes the sorted array `cur`;
 * entries placed in the window later go to its heap. */
static void advance(gb_timeq *q) {
  while (window_empty(q) && q->size > 0) {
    /* the next window that holds anything: the ring's next occupied bucket, or the far heap's
     * first entry's (beyond the ring, unless it found no bucket room) */
    int64_t next = INT64_MAX;
    if (q->ring_n > 0)
      next = q->window + width(q) * (int64_t)distance_to_occupied(q, slot_of(q, q->window) + 1) +
             width(q);
    if (q->far_n > 0) {
      int64_t far = floor_div(q->far[0].ts, width(q)) * width(q);
      next = far < next ? far : next;
    }
    q->window = next;
    size_t slot = slot_of(q, q->window);
    take_bucket(q, slot);
    q->occupied[slot / WORD_BITS] &= ~(1ULL << (slot % WORD_BITS));
    sort_keys(q->cur, q->cur_n);
    /* the window's first items; take_first keeps PREFETCH_AHEAD of them in flight from then on
     * (all of a busy window at once would evict each other from the first-level cache) */
    for (size_t i = 0; i < q->cur_n && i < PREFETCH_AHEAD; i++)
      prefetch(q, (uint32_t)q->cur[i]);
    pull_far(q);
    if (q->base && q->ring_n > 0 && q->cur_n < CHUNK_KEYS)
      prefetch_ahead(q, slot);
  }
}

static inline gb_timeq_entry cur_entry(const gb_timeq *q) {
  uint64_t k = q->cur[q->cur_at];
  return (gb_timeq_entry){q->window + (int64_t)(k >> KEY_TS_SHIFT), (uint32_t)k};
}

/* The first entry (the window must hold one), and whether it is the sorted array's. */
static inline __attribute__((always_inline)) gb_timeq_entry first(const gb_timeq *q, bool *in_cur) {
  if (q->cur_at < q->cur_n) {
    gb_timeq_entry c = cur_entry(q);
    if (q->near_n == 0 || less(c, q->near[0])) {
      *in_cur = true;
      return c;
    }
  }
  *in_cur = false;
  return q->near[0];
}

/* Removes the first entry, which first() found in the sorted array (in_cur) or the heap. */
static inline void drop_first(gb_timeq *q, bool in_cur) {
  if (in_cur) {
    q->cur_at++;
    if (q->cur_at + PREFETCH_AHEAD - 1 < q->cur_n)
      prefetch(q, (uint32_t)q->cur[q->cur_at + PREFETCH_AHEAD - 1]);
  } else {
    heap_pop(q->near, &q->near_n, NEAR_ARITY);
  }
}

/* Removes the first entry (the window must hold one) and returns it; size is the caller's. */
static gb_timeq_entry take_first(gb_timeq *q) {
  bool in_cur;
  gb_timeq_entry e = first(q, &in_cur);
  drop_first(q, in_cur);
  return e;
}

/* ---- the API */

int gb_timeq_new(size_t capacity, int64_t start_ms, int64_t bucket_ms, const void *base,
                 size_t stride, size_t hot_bytes, gb_timeq **out, gb_err *err) {
  if (bucket_ms < 1 || bucket_ms > GB_TIMEQ_BUCKET_MS_MAX)
    return gb_err_set(err, GB_ERR_INPUT, "time queue: a window of %lld ms is outside 1 .. %d",
                      (long long)bucket_ms, GB_TIMEQ_BUCKET_MS_MAX);
  gb_timeq *q = calloc(1, sizeof *q);
  if (!q)
    return gb_err_set(err, GB_ERR_RUNTIME, "out of memory for a time queue of %zu", capacity);
  size_t cap = capacity ? capacity : 1;
  q->near = malloc(cap * sizeof *q->near);
  q->far = malloc(cap * sizeof *q->far);
  q->cur = malloc(cap * sizeof *q->cur);
  q->ring = calloc(GB_TIMEQ_BUCKETS, sizeof *q->ring);
  q->occupied = calloc(OCCUPIED_WORDS, sizeof *q->occupied);
  size_t n_chunks = pool_chunks(cap);
  q->chunks = n_chunks < NO_CHUNK ? malloc(n_chunks * sizeof *q->chunks) : NULL;
  if (!q->near || !q->far || !q->cur || !q->ring || !q->occupied || !q->chunks) {
    gb_timeq_free(q);
    return gb_err_set(err, GB_ERR_RUNTIME, "out of memory for a time queue of %zu", capacity);
  }
  for (size_t c = 0; c < n_chunks; c++) /* the free list: 0, 1, 2, ... */
    q->chunks[c].next = c + 1 < n_chunks ? (uint32_t)(c + 1) : NO_CHUNK;
  q->free_chunk = 0;
  q->width = bucket_ms;
  while ((bucket_ms - 1) >> q->group_shift >= GROUPS)
    q->group_shift++;
  q->window = floor_div(start_ms, width(q)) * width(q);
  q->base = hot_bytes ? base : NULL;
  q->stride = stride;
  q->hot_bytes = hot_bytes;
  *out = q;
  return 0;
}

void gb_timeq_free(gb_timeq *q) {
  if (!q)
    return;
  free(q->chunks);
  free(q->ring);
  free(q->occupied);
  free(q->cur);
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
  if (window_empty(q))
    return false;
  bool in_cur;
  *out = first(q, &in_cur);
  return true;
}

bool gb_timeq_peek_window(const gb_timeq *q, gb_timeq_entry *out) {
  if (window_empty(q))
    return false;
  bool in_cur;
  *out = first(q, &in_cur);
  return true;
}

bool gb_timeq_pop_due(gb_timeq *q, int64_t until, gb_timeq_entry *out) {
  if (window_empty(q)) /* not a call per pop: most pops find the window holding entries */
    advance(q);
  if (window_empty(q))
    return false;
  bool in_cur;
  gb_timeq_entry e = first(q, &in_cur);
  if (e.ts > until)
    return false;
  drop_first(q, in_cur);
  q->size--;
  *out = e;
  return true;
}

void gb_timeq_pop(gb_timeq *q) {
  advance(q);
  take_first(q);
  q->size--;
}

void gb_timeq_retime_top(gb_timeq *q, int64_t ts) {
  advance(q);
  gb_timeq_entry e = take_first(q);
  e.ts = ts;
  place(q, e);
}

size_t gb_timeq_size(const gb_timeq *q) { return q->size; }
