/* The index behind GB_MATCH_INDEX.
 *
 * Counting-style pub/sub indexes count satisfied predicates per definition, which costs one
 * counter update per definition sharing a hot value (action=game_end is shared by most). Here a
 * definition is filed once under the conjunction of its equality and membership criteria, then
 * under the cells of its two most selective ranges:
 *
 *  1. key: its equality attributes form a signature (a sorted set of attribute ids, up to
 *     KEY_ATTRS_MAX); the tuple of values is hashed into one 64-bit bucket key (membership
 *     criteria file the definition under each value, up to IN_PRODUCT_MAX tuples). An event
 *     probes one bucket per signature present in the catalogue (a handful in practice).
 *  2. fine cells and units: every attribute that ranges test gets up to FINE_CELLS - 1
 *     boundaries, the ranges' ends themselves while there are fewer (else quantiles of them),
 *     and units that group fine cells by the number of range ends they hold. Inside a bucket, a
 *     definition is filed in a group keyed by its two most selective range attributes and their
 *     resolutions (grid cell = unit >> shift; the default shift is the median range width), under
 *     each 2-D cell its ranges cover (at most SPAN_MAX x SPAN_MAX; a wider range is filed at a
 *     coarser resolution). Definitions without ranges go to the bucket's `rest` list.
 *  3. postings are 12 bytes: the ordinal and the fine cells of the two ranges' ends. An event's
 *     fine cells decide a posting exactly (four 15-bit compares in one 64-bit word), except
 *     where a range ends inside a fine cell (AMBIG: only with more distinct ends than
 *     boundaries). A third, residual range follows in a continuation slot, decided the same way.
 *  4. records: per ordinal, one 64-byte line with the exact intervals, read for ambiguous
 *     candidates only. Definitions with more than that (negations, more ranges, equalities
 *     beyond the key) are verified against their compiled predicates (CHECK).
 *
 * Groups are compacted (postings pooled by cell behind dense offsets, each cell's list placed to
 * touch as few cache lines as its size allows) so that a probe costs one memory round trip for
 * the postings; see `group`. An event probes, per matching bucket, one cell
 * per group: the cost is (#signatures) + (#groups in its buckets) + (postings in its cells),
 * independent of the catalogue's size at a constant match count. Most of it is memory latency, so
 * every level is laid out to chain as few dependent loads as possible (16-ary cell search,
 * pooled postings, records only when needed) and the match runs in stages that prefetch the next
 * level. Hot updates re-file one definition: O(buckets x cells x posting length) plus amortised
 * compaction; cell boundaries and resolutions stay those of the build (a rebuild refreshes them).
 * A 64-bit key collision only adds candidates (verification rejects them), never loses a match. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gb_matcher_defs.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the posting scan reads a posting's four 16-bit bounds as one little-endian 64-bit word"
#endif

enum {
  KEY_ATTRS_MAX = 4,   /* equality attributes in a key: more only splits buckets further */
  IN_PRODUCT_MAX = 64, /* tuples one definition may be filed under (membership expansion) */
  FINE_BITS = 12,      /* 4096 fine cells per attribute: the boundaries (32 KiB) stay in L2, and
                          a cell number leaves room for FLAG_BITS in a posting's 16-bit fields */
  FINE_CELLS = 1 << FINE_BITS,
  SPAN_MAX = 4,  /* cells a range may cover at its resolution before going coarser: replication
                    is at most 4 x 4 per bucket (measured: 3 and 5 to 8 scan more postings or
                    make more groups) */
  FLAG_BITS = 3, /* low bits of a posting's bound fields: flags (12 + 3 bits leave the top bit of
                    each 16-bit field clear, for the SWAR test) */
  UNITS = FINE_CELLS, /* balanced units per attribute: as fine as fine cells can be */
  CACHE_LINE = 64,    /* records are aligned to it: one miss reads one record */
  OCC_BITS = 512,     /* occupancy filter bits per group (one cache line) */
  CELL_MIN = 4,       /* smallest posting list allocation */
  CELL_BITS_MIN = 4,  /* smallest cell table: 16 slots */
  GRID_PER_POST = 4,  /* a group is compacted when its grid has at most 4 cells per posting... */
  GRID_MIN = 1024,    /* ...plus this many (offsets are 4 bytes a cell) */
  SLACK_MIN = 64,     /* dead or delta postings a group tolerates beyond a quarter of its pool, so
                         that small groups are not compacted at every few updates */
  PAD_BITS = 4,       /* low bits of a pooled cell's offset: padding slots before it (< 16) */
  FANOUT = 16         /* boundaries per block of the cell search (two cache lines) */
};
static const uint32_t NONE = UINT32_MAX;

/* Flags in the low FLAG_BITS of a posting's bound fields. AMBIG on a bound: the range's end is
 * not a cell boundary, so an event in exactly that fine cell may lie outside: the record's exact
 * interval decides. CHECK (on alo): the definition has predicates beyond its key, access ranges
 * and continuation: its record, or the whole definition, decides. CONT (on ahi): the next slot is
 * a continuation holding a third, residual range (a definition with three ranges, common in
 * segmentation, is then decided from its postings too). */
enum { AMBIG = 1, CHECK = 2, CONT = 4 };

/* A continuation slot: ord holds the residual range's attribute, blo/bhi its fine cells (as a
 * posting's); alo = CONT_ALO with ahi = 0 admits no event (no cell is both >= the last and 0), so
 * scans pass over it. */
enum { CONT_ALO = 0x7FFF };

typedef struct sig {
  uint32_t n;
  uint32_t attr[KEY_ATTRS_MAX];
  bool num[KEY_ATTRS_MAX];
  uint64_t seed;
} sig;

/* One filed definition: its ordinal and the fine cells of its access ranges' ends, each
 * (cell << FLAG_BITS | flags). An event's cell c is tested as (c << FLAG_BITS | all flag bits)
 * >= lo and (c << FLAG_BITS) <= hi: plain compares, whatever the flags. Unused ranges span every
 * cell. */
typedef struct post {
  uint32_t ord;
  uint16_t alo, ahi, blo, bhi; /* in this order: the scan reads them as one 64-bit word */
} post;

static bool is_cont(const post *p) { return p->alo == CONT_ALO && p->ahi == 0; }

/* Removes ord's posting (and its continuation) from v[0..n), keeping the order (a continuation
 * follows its posting); returns the new length. */
static uint32_t posts_remove(post *v, uint32_t n, uint32_t ord) {
  for (uint32_t i = 0; i < n; i++)
    if (v[i].ord == ord && !is_cont(&v[i])) {
      uint32_t k = (v[i].ahi & CONT) && i + 1 < n ? 2 : 1;
      memmove(v + i, v + i + k, (n - i - k) * sizeof *v);
      return n - k;
    }
  return n;
}

/* What deciding an ambiguous or CHECK candidate needs, one cache line per ordinal. Intervals are
 * inclusive (an open end is moved to the adjacent double), infinite when unused. */
typedef struct rec {
  _Alignas(CACHE_LINE) double alo;
  double ahi, blo, bhi;
  double clo, chi;   /* the residual range on attribute c */
  uint32_t c;        /* NONE: no residual range */
  uint32_t verify;   /* nonzero: other predicates too: verify def in full */
  const gb_def *def; /* current: a changed definition is re-filed before the next match */
} rec;

typedef struct plist {
  post *v;
  uint32_t n, cap;
} plist;

/* One cell of a group: its posting list. The capacity is implicit (the next power of two >= n,
 * at least CELL_MIN) so that a slot fits 16 bytes. */
typedef struct cell {
  uint32_t key; /* cell key + 1; 0 = empty slot */
  uint32_t n;
  post *v;
} cell;

/* Definitions of one bucket accessed by the same attributes at the same resolutions.
 *
 * Compacted, its postings sit in one pool ordered by cell, found through a dense array of
 * offsets by cell index (ca * nb + cb): an event reads its cell's offsets (4 bytes per cell of
 * the grid: small enough to stay cached for popular groups) and then its postings, one memory
 * round trip instead of a hash probe followed by the list. Hot updates do not move the pool:
 * a removed posting is marked dead in place, and new ones go to a small open-addressing table of
 * delta cells, probed as well; the group is compacted again once dead or delta postings exceed a
 * quarter of the pool (plus SLACK_MIN; amortised O(1) per update). Groups whose grid would be large
 * for their postings (a few wide-spread definitions) stay in the table alone. */
typedef struct group {
  uint32_t a, b;             /* attribute ids; b == NONE for a single range */
  uint8_t sa, sb;            /* resolution shifts: cell = unit >> shift */
  uint8_t bits;              /* the delta table has 2^bits slots (0: no table) */
  uint32_t n_cells, n_delta; /* delta cells and the postings in them */
  cell *cells;
  uint32_t nb;   /* grid columns: cells along b (1 for a single range) */
  uint32_t *off; /* compacted: grid cells + 1 entries (cell_begin, cell_end); NULL when not */
  post *pool;    /* compacted postings by cell, cache-line aligned (dead ones have ord NONE) */
  uint32_t n_pool, n_dead; /* live postings at the last compaction; dead since */
  uint32_t n_slots;        /* slots in pool: postings and padding */
  uint32_t compact_at;     /* delta postings at which to try compacting a group without a pool */
  /* Occupancy filter: bit occ_bit(cell key) is set once a posting was filed in that cell (never
   * cleared: a stale bit costs one probe). Groups of a few definitions sit in popular buckets
   * too; the filter saves the cache miss of probing their mostly empty cells. */
  uint64_t occ[OCC_BITS / 64];
} group;

/* One value of a bucket's key tuple (a copy: definitions come and go). */
typedef struct tval {
  double num;
  char *str; /* NULL for a number */
  uint32_t len;
} tval;

typedef struct bucket {
  uint64_t key;
  uint32_t sig;
  bool mixed;  /* two tuples share the 64-bit key: every candidate is verified in full */
  tval *tuple; /* the key's values, one per signature attribute */
  plist rest;
  group *groups;
  uint32_t n_groups, cap_groups;
} bucket;

typedef struct bucket_slot {
  uint64_t key;
  uint32_t bucket; /* bucket index + 1, 0 = empty */
} bucket_slot;

/* Where one ordinal is filed, so that it can be removed without its old definition. */
typedef struct reg {
  uint32_t n_buckets; /* 0 = not filed */
  uint32_t a, b;      /* a == NONE: rest list */
  uint8_t sa, sb;
  int32_t a_lo, a_hi, b_lo, b_hi; /* cells covered */
  uint32_t *buckets;
} reg;

/* The cells of one attribute. Fine cells (what postings test) have the range ends themselves as
 * boundaries while there are fewer than FINE_CELLS distinct ends, so that postings decide
 * exactly; filing needs cells that hold about as many ranges each, so fine cells map to
 * UNITS units balanced by the number of range ends they hold (ends repeat: many ranges share a
 * popular threshold, and small integers pile up on bets and levels), and a grid cell is
 * unit >> shift. */
typedef struct bounds {
  double *b; /* sorted, distinct, at most FINE_CELLS - 1: fine cell = #boundaries <= v; the
                last level of lv */
  uint32_t n;
  /* The search levels, one block: level l has FANOUT^(l+1) entries, each the last boundary of
   * its share of the next level (the last level is b), padded with +inf. */
  double *lv;
  uint8_t levels;
  uint16_t *unit; /* n + 1 entries: fine cell -> unit (0 .. UNITS - 1), non-decreasing */
  uint8_t shift;  /* default resolution: the median range width, rounded down to 2^shift units */
} bounds;

/* One access range at its filing resolution: fine cells [lo, hi] (the posting's bounds) and grid
 * cells [unit[lo] >> shift, unit[hi] >> shift]. */
typedef struct span {
  const gb_pred *p; /* NULL when unused */
  uint8_t shift;
  uint16_t lo, hi; /* posting fields: fine cell << FLAG_BITS | AMBIG */
  int32_t c_lo, c_hi;
} span;

struct gb_index {
  sig *sigs;
  uint32_t n_sigs, cap_sigs;
  bucket *buckets;
  uint32_t n_buckets, cap_buckets;
  bucket_slot *slots; /* open addressing over bucket keys */
  size_t n_slots;
  bounds *bounds; /* by attribute id; attributes >= n_bounds have none */
  uint32_t n_bounds;
  reg *regs;            /* by ordinal */
  rec *recs;            /* by ordinal, cache-line aligned */
  size_t n_regs;        /* capacity of regs and recs (>= the catalogue's size) */
  uint64_t key_mask;    /* bucket keys are masked with it: all ones, except in collision tests */
  bool building;        /* gb_index_new is filing: groups are compacted at its end */
  uint64_t compactions; /* after the build (gb_index_stats) */
};

static uint64_t mix(uint64_t x) {
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

/* Folds one value hash into a key: order-sensitive, so (a, b) and (b, a) differ. */
static uint64_t key_add(uint64_t key, uint64_t value_hash) {
  return mix(key ^ (value_hash + 0x9E3779B97F4A7C15ULL + (key << 6)));
}

/* ---- ranges in inclusive form ---- */

/* Exclusive ends become inclusive on the adjacent double (x > lo is x >= nextafter(lo, +inf) for
 * every finite x), so that records test lo <= x <= hi without flags. */
static double incl_lo(const gb_pred *p) {
  return p->lo_incl || isinf(p->lo) ? p->lo : nextafter(p->lo, HUGE_VAL);
}

static double incl_hi(const gb_pred *p) {
  return p->hi_incl || isinf(p->hi) ? p->hi : nextafter(p->hi, -HUGE_VAL);
}

/* The smallest value above the range: a boundary there makes the range's upper end exact. */
static double above_hi(const gb_pred *p) {
  double h = incl_hi(p);
  return isinf(h) ? h : nextafter(h, HUGE_VAL);
}

/* ---- postings ---- */

static int plist_add(plist *l, post p) {
  if (l->n == l->cap) {
    uint32_t cap = l->cap ? l->cap * 2 : 4;
    post *v = realloc(l->v, cap * sizeof *v);
    if (!v)
      return -1;
    l->v = v;
    l->cap = cap;
  }
  l->v[l->n++] = p;
  return 0;
}

static void plist_remove(plist *l, uint32_t ord) { l->n = posts_remove(l->v, l->n, ord); }

/* ---- cells ---- */

/* The number of p[0 .. FANOUT) <= v: independent compares, no branch and no dependency chain
 * (SSE2, part of every x86-64: two compares per instruction; GCC does not vectorise the plain
 * loop at -O2). */
static uint32_t count_block(const double *p, double v) {
#if defined(__SSE2__)
  __m128d x = _mm_set1_pd(v);
  __m128i n = _mm_setzero_si128();
  for (uint32_t i = 0; i < FANOUT; i += 2) /* a true compare is all ones: -1 per lane */
    n = _mm_sub_epi64(n, _mm_castpd_si128(_mm_cmple_pd(_mm_loadu_pd(p + i), x)));
  return (uint32_t)(_mm_cvtsi128_si64(n) + _mm_cvtsi128_si64(_mm_unpackhi_epi64(n, n)));
#else
  uint32_t c = 0;
  for (uint32_t i = 0; i < FANOUT; i++)
    c += p[i] <= v;
  return c;
#endif
}

/* Fine cell of v (finite or -inf): the number of boundaries <= v (0 .. n). A FANOUT-ary search
 * (3 levels for 4095 boundaries): each level counts one block of two cache lines. A binary
 * search would chain 12 dependent loads; this chains 3, and the event values of every
 * group are located this way. */
static int32_t cell_of(const bounds *bd, double v) {
  const double *lv = bd->lv;
  uint32_t idx = 0, size = FANOUT;
  for (uint8_t l = 0; l < bd->levels; l++) {
    idx = idx * FANOUT + count_block(lv + (size_t)idx * FANOUT, v);
    lv += size;
    size *= FANOUT;
  }
  return (int32_t)(idx < bd->n ? idx : bd->n);
}

/* The filter bit of a cell key: Fibonacci hashing to log2(OCC_BITS) bits. */
static uint32_t occ_bit(uint32_t key) { return (key * 0x9E3779B1u) >> (32 - 9); }

static bool occ_test(const group *g, uint32_t key) {
  uint32_t bit = occ_bit(key);
  return (g->occ[bit / 64] >> (bit % 64)) & 1;
}

static const bounds *bounds_of(const gb_index *ix, uint32_t attr) {
  return attr < ix->n_bounds && ix->bounds[attr].n > 0 ? &ix->bounds[attr] : NULL;
}

static uint32_t cell_key(int32_t ca, int32_t cb) {
  return (uint32_t)ca << FINE_BITS | (uint32_t)cb;
}

/* The first slot of a cell key in a table of 2^bits slots: multiplicative hashing. */
static uint32_t cell_home(uint32_t key, uint8_t bits) { return (key * 0x9E3779B1u) >> (32 - bits); }

static const cell *cell_find(const group *g, uint32_t key) {
  if (g->bits == 0)
    return NULL;
  uint32_t mask = (1u << g->bits) - 1;
  for (uint32_t i = cell_home(key, g->bits);; i = (i + 1) & mask) {
    if (g->cells[i].key == 0)
      return NULL;
    if (g->cells[i].key == key + 1)
      return &g->cells[i];
  }
}

static cell *cell_place(cell *cells, uint8_t bits, uint32_t key) {
  uint32_t mask = (1u << bits) - 1, i = cell_home(key, bits);
  while (cells[i].key != 0)
    i = (i + 1) & mask;
  cells[i].key = key + 1;
  return &cells[i];
}

/* The cell of key in g, created empty when absent; NULL when out of memory. */
static cell *cell_get(group *g, uint32_t key) {
  cell *c = (cell *)cell_find(g, key);
  if (c)
    return c;
  if ((g->n_cells + 1) * 2 > (g->bits ? 1u << g->bits : 0)) { /* load <= 1/2 */
    uint8_t bits = g->bits ? g->bits + 1 : CELL_BITS_MIN;
    cell *cells = calloc((size_t)1 << bits, sizeof *cells);
    if (!cells)
      return NULL;
    for (uint32_t i = 0; g->bits && i < 1u << g->bits; i++)
      if (g->cells[i].key)
        *cell_place(cells, bits, g->cells[i].key - 1) = g->cells[i];
    free(g->cells);
    g->cells = cells;
    g->bits = bits;
  }
  g->n_cells++;
  return cell_place(g->cells, g->bits, key);
}

static int cell_add(cell *c, post p) {
  uint32_t n = c->n;
  if (n == 0 || (n >= CELL_MIN && (n & (n - 1)) == 0)) { /* full at its implicit capacity */
    post *v = realloc(c->v, (n ? 2 * n : CELL_MIN) * sizeof *v);
    if (!v)
      return -1;
    c->v = v;
  }
  c->v[c->n++] = p;
  return 0;
}

static void cell_remove(cell *c, uint32_t ord) { c->n = posts_remove(c->v, c->n, ord); }

/* Cells along an attribute at shift s (units are 0 .. UNITS - 1). */
static uint32_t grid_cols(uint8_t s) { return ((UNITS - 1) >> s) + 1; }

static uint32_t cell_index(const group *g, uint32_t key) {
  return (key >> FINE_BITS) * g->nb + (key & (FINE_CELLS - 1));
}

/* A compacted cell ci's postings are pool[cell_begin, cell_end). off[ci] holds the cell's first
 * slot << PAD_BITS | the padding slots just before it (see compact). */
static uint32_t cell_begin(const group *g, size_t ci) { return g->off[ci] >> PAD_BITS; }

static uint32_t cell_end(const group *g, size_t ci) {
  return (g->off[ci + 1] >> PAD_BITS) - (g->off[ci + 1] & ((1u << PAD_BITS) - 1));
}

/* Padding slots that make a list of n postings starting at slot s touch as few cache lines as
 * its size allows (the pool is line-aligned; 12-byte slots start at every multiple of 4 bytes
 * within a line, so one of any 16 consecutive slots starts a line and 15 pads always suffice). */
static uint32_t pad_for(size_t s, uint32_t n) {
  size_t bytes = (size_t)n * sizeof(post), lines = (bytes + CACHE_LINE - 1) / CACHE_LINE;
  uint32_t pad = 0;
  while ((s + pad) * sizeof(post) % CACHE_LINE + bytes > lines * CACHE_LINE)
    pad++;
  return pad;
}

static void delta_free(group *g) {
  for (uint32_t j = 0; g->bits && j < 1u << g->bits; j++)
    free(g->cells[j].v);
  free(g->cells);
  g->cells = NULL;
  g->bits = 0;
  g->n_cells = g->n_delta = 0;
}

/* Copies the live postings of v[0..n) to out; returns how many. */
static uint32_t copy_live(post *out, const post *v, uint32_t n) {
  uint32_t k = 0;
  for (uint32_t i = 0; i < n; i++)
    if (v[i].ord != NONE)
      out[k++] = v[i];
  return k;
}

static uint32_t count_live(const post *v, uint32_t n) {
  uint32_t k = 0;
  for (uint32_t i = 0; i < n; i++)
    k += v[i].ord != NONE;
  return k;
}

/* Rebuilds g's pool from its live pooled and delta postings (a counting sort by cell). Leaves a
 * group whose grid is large for its postings in its delta table. Returns 1 when compacted, 0 when
 * left as it is, -1 when out of memory (g is then unchanged). */
static int compact(group *g) {
  size_t n_grid = (size_t)grid_cols(g->sa) * g->nb;
  size_t live = g->n_pool - g->n_dead + g->n_delta;
  if (n_grid > GRID_PER_POST * live + GRID_MIN) {
    g->compact_at = 2 * g->n_delta + GRID_MIN; /* try again when it has grown */
    return 0;
  }
  uint32_t *off = calloc(n_grid + 1, sizeof *off);
  if (!off)
    return -1;
  for (size_t ci = 0; g->off && ci < n_grid; ci++) /* counts, shifted by one */
    off[ci + 1] += count_live(g->pool + cell_begin(g, ci), cell_end(g, ci) - cell_begin(g, ci));
  for (uint32_t j = 0; g->bits && j < 1u << g->bits; j++)
    if (g->cells[j].key)
      off[cell_index(g, g->cells[j].key - 1) + 1] += g->cells[j].n;
  /* Offsets: each cell starts where its postings touch the fewest cache lines. A probe reads
   * one cell, and at 100 k definitions each of its lines is an L2 miss: unaligned, a typical
   * list of 8 postings (96 bytes) often spans 3 lines, aligned 2 (measured at 100 k: 5.8 -> 5.3
   * L2 misses per event, for 21 % more pool). */
  size_t slots = 0;
  for (size_t ci = 0; ci < n_grid; ci++) {
    uint32_t n = off[ci + 1], pad = n ? pad_for(slots, n) : 0;
    slots += pad;
    off[ci] = (uint32_t)(slots << PAD_BITS) | pad; /* held the count of ci - 1 */
    slots += n;
  }
  if (slots >= (size_t)1 << (32 - PAD_BITS)) { /* offsets would overflow: stays in its table */
    free(off);
    return 0;
  }
  off[n_grid] = (uint32_t)(slots << PAD_BITS);
  size_t bytes = (slots ? slots : 1) * sizeof(post);
  post *pool = aligned_alloc(CACHE_LINE, (bytes + CACHE_LINE - 1) / CACHE_LINE * CACHE_LINE);
  if (!pool) {
    free(off);
    return -1;
  }
  for (size_t i = 0; i < slots; i++) /* padding: never admits, never found */
    pool[i] = (post){.ord = NONE, .alo = CONT_ALO, .ahi = 0};
  /* Each cell: its live pooled postings, then its delta ones (a posting and its continuation
   * stay together). */
  group old = *g;
  g->off = off;
  for (size_t ci = 0; old.off && ci < n_grid; ci++)
    copy_live(pool + cell_begin(g, ci), old.pool + cell_begin(&old, ci),
              cell_end(&old, ci) - cell_begin(&old, ci));
  for (uint32_t j = 0; g->bits && j < 1u << g->bits; j++) {
    const cell *c = &g->cells[j];
    if (!c->key || !c->n)
      continue;
    size_t ci = cell_index(g, c->key - 1);
    uint32_t pooled = old.off ? count_live(old.pool + cell_begin(&old, ci),
                                           cell_end(&old, ci) - cell_begin(&old, ci))
                              : 0;
    memcpy(pool + cell_begin(g, ci) + pooled, c->v, c->n * sizeof *pool);
  }
  free(old.off);
  free(old.pool);
  delta_free(g);
  g->pool = pool;
  g->n_pool = (uint32_t)live;
  g->n_slots = (uint32_t)slots;
  g->n_dead = 0;
  return 1;
}

/* Marks ord's posting (and continuation) in g's pooled cell ci dead; returns the slots marked. */
static uint32_t pool_kill(group *g, size_t ci, uint32_t ord) {
  post *v = g->pool + cell_begin(g, ci);
  uint32_t n = cell_end(g, ci) - cell_begin(g, ci);
  for (uint32_t i = 0; i < n; i++)
    if (v[i].ord == ord && !is_cont(&v[i])) {
      uint32_t k = (v[i].ahi & CONT) && i + 1 < n ? 2 : 1;
      for (uint32_t j = i; j < i + k; j++) /* never admits, never found again */
        v[j] = (post){.ord = NONE, .alo = CONT_ALO, .ahi = 0};
      return k;
    }
  return 0;
}

static group *bucket_group(bucket *bk, const reg *r, bool create) {
  for (uint32_t i = 0; i < bk->n_groups; i++) {
    group *g = &bk->groups[i];
    if (g->a == r->a && g->b == r->b && g->sa == r->sa && g->sb == r->sb)
      return g;
  }
  if (!create)
    return NULL;
  if (bk->n_groups == bk->cap_groups) {
    uint32_t cap = bk->cap_groups ? bk->cap_groups * 2 : 2;
    group *g = realloc(bk->groups, cap * sizeof *g);
    if (!g)
      return NULL;
    bk->groups = g;
    bk->cap_groups = cap;
  }
  bk->groups[bk->n_groups] = (group){.a = r->a,
                                     .b = r->b,
                                     .sa = r->sa,
                                     .sb = r->sb,
                                     .nb = r->b == NONE ? 1 : grid_cols(r->sb),
                                     .compact_at = GRID_MIN};
  return &bk->groups[bk->n_groups++];
}

/* ---- buckets ---- */

static uint32_t bucket_find(const gb_index *ix, uint64_t key) {
  if (ix->n_slots == 0)
    return NONE;
  size_t mask = ix->n_slots - 1;
  for (size_t i = key & mask;; i = (i + 1) & mask) {
    if (ix->slots[i].bucket == 0)
      return NONE;
    if (ix->slots[i].key == key)
      return ix->slots[i].bucket - 1;
  }
}

static void slot_place(gb_index *ix, uint64_t key, uint32_t b) {
  size_t mask = ix->n_slots - 1;
  size_t i = key & mask;
  while (ix->slots[i].bucket != 0)
    i = (i + 1) & mask;
  ix->slots[i] = (bucket_slot){.key = key, .bucket = b + 1};
}

/* Whether the bucket's tuple equals the tuple t of definition d (for the signature's types). */
static bool tuple_is(const bucket *bk, const sig *g, const gb_def *d, const gb_cval *const *t) {
  for (uint32_t i = 0; i < g->n; i++) {
    const tval *v = &bk->tuple[i];
    if (g->num[i] ? v->num != t[i]->num
                  : v->len != t[i]->len || memcmp(v->str, d->strs + t[i]->off, v->len) != 0)
      return false;
  }
  return true;
}

static int tuple_copy(bucket *bk, const sig *g, const gb_def *d, const gb_cval *const *t) {
  bk->tuple = calloc(g->n ? g->n : 1, sizeof *bk->tuple);
  if (!bk->tuple)
    return -1;
  for (uint32_t i = 0; i < g->n; i++) {
    tval *v = &bk->tuple[i];
    v->num = t[i]->num;
    v->len = t[i]->len;
    if (!g->num[i] && !(v->str = malloc(t[i]->len + 1)))
      return -1;
    if (!g->num[i])
      memcpy(v->str, d->strs + t[i]->off, t[i]->len + 1);
  }
  return 0;
}

/* The bucket of key for tuple t of d, created when absent; NONE when out of memory. */
static uint32_t bucket_get(gb_index *ix, uint64_t key, uint32_t s, const gb_def *d,
                           const gb_cval *const *t) {
  uint32_t b = bucket_find(ix, key);
  if (b != NONE) {
    bucket *bk = &ix->buckets[b];
    if (bk->sig != s || !tuple_is(bk, &ix->sigs[s], d, t))
      bk->mixed = true; /* a 64-bit collision: astronomically rare, handled all the same */
    return b;
  }
  if (ix->n_buckets >= NONE - 1)
    return NONE;
  if (ix->n_buckets == ix->cap_buckets) {
    uint32_t cap = ix->cap_buckets ? ix->cap_buckets * 2 : 64;
    bucket *p = realloc(ix->buckets, cap * sizeof *p);
    if (!p)
      return NONE;
    ix->buckets = p;
    ix->cap_buckets = cap;
  }
  if ((size_t)(ix->n_buckets + 1) * 2 > ix->n_slots) { /* load factor <= 1/2 */
    size_t n_slots = ix->n_slots ? ix->n_slots * 2 : 128;
    bucket_slot *slots = calloc(n_slots, sizeof *slots);
    if (!slots)
      return NONE;
    free(ix->slots);
    ix->slots = slots;
    ix->n_slots = n_slots;
    for (uint32_t i = 0; i < ix->n_buckets; i++)
      slot_place(ix, ix->buckets[i].key, i);
  }
  b = ix->n_buckets++;
  ix->buckets[b] = (bucket){.key = key, .sig = s};
  slot_place(ix, key, b);
  return tuple_copy(&ix->buckets[b], &ix->sigs[s], d, t) == 0 ? b : NONE;
}

/* ---- filing one definition ---- */

/* The key predicates of d: equality first, then membership while the tuple product stays small,
 * one per attribute, sorted by attribute id (the signature's canonical order). */
static uint32_t key_preds(const gb_def *d, const gb_pred **out) {
  uint32_t n = 0, product = 1;
  for (uint32_t i = 0; i < d->n_preds && n < KEY_ATTRS_MAX; i++) {
    const gb_pred *p = &d->preds[i];
    if (p->op != GB_OP_EQ && p->op != GB_OP_IN)
      continue;
    if ((uint64_t)product * p->n_vals > IN_PRODUCT_MAX)
      continue;
    bool dup = false;
    for (uint32_t j = 0; j < n; j++)
      dup |= out[j]->attr == p->attr;
    if (dup)
      continue;
    product *= p->n_vals;
    out[n++] = p;
  }
  for (uint32_t i = 1; i < n; i++)
    for (uint32_t j = i; j > 0 && out[j - 1]->attr > out[j]->attr; j--) {
      const gb_pred *t = out[j];
      out[j] = out[j - 1];
      out[j - 1] = t;
    }
  return n;
}

static uint32_t sig_get(gb_index *ix, const gb_pred *const *kp, uint32_t n) {
  for (uint32_t s = 0; s < ix->n_sigs; s++) {
    const sig *g = &ix->sigs[s];
    bool same = g->n == n;
    for (uint32_t i = 0; same && i < n; i++)
      same = g->attr[i] == kp[i]->attr && g->num[i] == kp[i]->num;
    if (same)
      return s;
  }
  if (ix->n_sigs == ix->cap_sigs) {
    uint32_t cap = ix->cap_sigs ? ix->cap_sigs * 2 : 8;
    sig *p = realloc(ix->sigs, cap * sizeof *p);
    if (!p)
      return NONE;
    ix->sigs = p;
    ix->cap_sigs = cap;
  }
  sig *g = &ix->sigs[ix->n_sigs];
  memset(g, 0, sizeof *g);
  g->n = n;
  g->seed = mix(0x736967 /* "sig" */ + ix->n_sigs);
  for (uint32_t i = 0; i < n; i++) {
    g->attr[i] = kp[i]->attr;
    g->num[i] = kp[i]->num;
  }
  return ix->n_sigs++;
}

/* The fine cells of range p: first and last cell an event in it can fall in, each flagged AMBIG
 * when the range's end lies inside that cell (not on a boundary). */
static void range_fine(const bounds *bd, const gb_pred *p, uint32_t *lo, uint32_t *hi,
                       bool *lo_ambig, bool *hi_ambig) {
  double l = incl_lo(p), h = above_hi(p);
  *lo = (uint32_t)cell_of(bd, l);
  *lo_ambig = !isinf(l) && !(*lo > 0 && bd->b[*lo - 1] == l);
  if (isinf(h)) { /* open above: every cell up to the last */
    *hi = bd->n;
    *hi_ambig = false;
    return;
  }
  uint32_t c = (uint32_t)cell_of(bd, h); /* values >= h are out: h on a boundary ends cell c-1 */
  bool exact = c > 0 && bd->b[c - 1] == h;
  *hi = exact ? c - 1 : c;
  *hi_ambig = !exact;
}

/* The resolution and cells a range is filed at: its attribute's default resolution, coarser
 * while it covers more than SPAN_MAX cells. Returns its estimated selectivity: the share of its
 * attribute's units (balanced by range ends) it covers. */
static double range_span(const bounds *bd, const gb_pred *p, span *sp) {
  uint32_t flo, fhi;
  bool lo_ambig, hi_ambig;
  range_fine(bd, p, &flo, &fhi, &lo_ambig, &hi_ambig);
  sp->p = p;
  sp->lo = (uint16_t)(flo << FLAG_BITS | (lo_ambig ? AMBIG : 0));
  sp->hi = (uint16_t)(fhi << FLAG_BITS | (hi_ambig ? AMBIG : 0));
  if (fhi < flo) { /* no double lies in it (e.g. gt: 1, lt: the next double): files nowhere */
    sp->shift = 0;
    sp->c_lo = 1;
    sp->c_hi = 0;
    return 0;
  }
  uint32_t ulo = bd->unit[flo], uhi = bd->unit[fhi];
  uint8_t s = bd->shift;
  while (s < FINE_BITS && (uhi >> s) - (ulo >> s) + 1 > SPAN_MAX)
    s++;
  sp->shift = s;
  sp->c_lo = (int32_t)(ulo >> s);
  sp->c_hi = (int32_t)(uhi >> s);
  return (double)(uhi - ulo + 1) / UNITS;
}

/* The two most selective ranges of d on distinct attributes with cells, ordered by attribute. */
static void choose_access(const gb_index *ix, const gb_def *d, span *a, span *b) {
  memset(a, 0, sizeof *a);
  memset(b, 0, sizeof *b);
  double wa = HUGE_VAL, wb = HUGE_VAL;
  for (uint32_t i = 0; i < d->n_preds; i++) {
    const gb_pred *p = &d->preds[i];
    const bounds *bd = bounds_of(ix, p->attr);
    if (p->op != GB_OP_RANGE || !bd)
      continue;
    span sp;
    double w = range_span(bd, p, &sp);
    if (w < wa) { /* best so far moves to second, unless on the same attribute */
      if (!a->p || a->p->attr != p->attr)
        *b = *a, wb = wa;
      *a = sp, wa = w;
    } else if (w < wb && p->attr != a->p->attr) {
      *b = sp, wb = w;
    }
  }
  if (b->p && b->p->attr < a->p->attr) {
    span t = *a;
    *a = *b;
    *b = t;
  }
}

/* Files posting p (followed by its continuation when p has CONT) in bucket b. */
static int file_in_bucket(gb_index *ix, uint32_t b, const reg *r, post p, post cont) {
  bucket *bk = &ix->buckets[b];
  bool two = p.ahi & CONT;
  if (r->a == NONE)
    return plist_add(&bk->rest, p) != 0 || (two && plist_add(&bk->rest, cont) != 0) ? -1 : 0;
  group *g = bucket_group(bk, r, true);
  if (!g)
    return -1;
  for (int32_t ca = r->a_lo; ca <= r->a_hi; ca++)
    for (int32_t cb = r->b_lo; cb <= r->b_hi; cb++) {
      cell *c = cell_get(g, cell_key(ca, cb));
      if (!c || cell_add(c, p) != 0 || (two && cell_add(c, cont) != 0))
        return -1;
      g->n_delta += two ? 2 : 1;
      uint32_t bit = occ_bit(cell_key(ca, cb));
      g->occ[bit / 64] |= 1ULL << (bit % 64);
    }
  bool due = g->off ? g->n_delta > g->n_pool / 4 + SLACK_MIN : g->n_delta >= g->compact_at;
  if (!ix->building && due && compact(g) > 0) /* out of memory: stays as it is, still exact */
    ix->compactions++;
  return 0;
}

static void unfile(gb_index *ix, uint32_t ord) {
  reg *r = &ix->regs[ord];
  for (uint32_t i = 0; i < r->n_buckets; i++) {
    bucket *bk = &ix->buckets[r->buckets[i]];
    if (r->a == NONE) {
      plist_remove(&bk->rest, ord);
      continue;
    }
    group *g = bucket_group(bk, r, false);
    for (int32_t ca = r->a_lo; g && ca <= r->a_hi; ca++)
      for (int32_t cb = r->b_lo; cb <= r->b_hi; cb++) {
        uint32_t key = cell_key(ca, cb);
        cell *c = (cell *)cell_find(g, key);
        if (c) {
          uint32_t n = c->n;
          cell_remove(c, ord);
          g->n_delta -= n - c->n;
        }
        if (g->off)
          g->n_dead += pool_kill(g, cell_index(g, key), ord);
      }
    if (g && g->off && g->n_dead > g->n_pool / 4 + SLACK_MIN)
      ix->compactions += compact(g) > 0; /* out of memory: stays as it is, still exact */
  }
  free(r->buckets);
  memset(r, 0, sizeof *r);
}

/* Enumerates the value tuples of the key predicates (membership: each value): their keys, and
 * their constants (tuples[k * KEY_ATTRS_MAX + i]). */
static uint32_t tuple_keys(const gb_index *ix, const gb_def *d, const sig *g,
                           const gb_pred *const *kp, uint64_t *keys, const gb_cval **tuples) {
  uint32_t idx[KEY_ATTRS_MAX] = {0}, n = 0;
  for (;;) {
    uint64_t key = g->seed;
    for (uint32_t i = 0; i < g->n; i++) {
      const gb_cval *v = &d->vals[kp[i]->val0 + idx[i]];
      key = key_add(key, v->hash);
      tuples[n * KEY_ATTRS_MAX + i] = v;
    }
    keys[n++] = key & ix->key_mask;
    uint32_t i = 0; /* odometer over the membership lists */
    while (i < g->n && ++idx[i] == kp[i]->n_vals)
      idx[i++] = 0;
    if (i == g->n)
      return n;
  }
}

/* Fills the record of d (filed with key predicates kp[0..nk) and access ranges a, b); *c is its
 * residual range (NULL for none). Returns whether d has predicates beyond these (verify). */
static bool make_rec(const gb_def *d, const gb_pred *const *kp, uint32_t nk, const span *a,
                     const span *b, rec *r, const gb_pred **c) {
  *c = NULL;
  *r = (rec){.alo = -HUGE_VAL,
             .ahi = HUGE_VAL,
             .blo = -HUGE_VAL,
             .bhi = HUGE_VAL,
             .clo = -HUGE_VAL,
             .chi = HUGE_VAL,
             .c = NONE,
             .def = d};
  if (a->p)
    r->alo = incl_lo(a->p), r->ahi = incl_hi(a->p);
  if (b->p)
    r->blo = incl_lo(b->p), r->bhi = incl_hi(b->p);
  for (uint32_t i = 0; i < d->n_preds; i++) {
    const gb_pred *p = &d->preds[i];
    bool filed = p == a->p || p == b->p;
    for (uint32_t k = 0; k < nk; k++)
      filed |= p == kp[k];
    if (filed)
      continue;
    if (p->op == GB_OP_RANGE && r->c == NONE) {
      r->c = p->attr, r->clo = incl_lo(p), r->chi = incl_hi(p);
      *c = p;
      continue;
    }
    r->verify = 1;
  }
  return r->verify;
}

/* The posting and registration of d's access choice. */
static post make_post(const span *a, const span *b, uint32_t ord, reg *r) {
  const uint16_t all_lo = 0, all_hi = (uint16_t)((FINE_CELLS - 1) << FLAG_BITS);
  post p = {.ord = ord, .alo = all_lo, .ahi = all_hi, .blo = all_lo, .bhi = all_hi};
  r->a = r->b = NONE;
  if (a->p) {
    r->a = a->p->attr, r->sa = a->shift, r->a_lo = a->c_lo, r->a_hi = a->c_hi;
    p.alo = a->lo, p.ahi = a->hi;
  }
  if (b->p) {
    r->b = b->p->attr, r->sb = b->shift, r->b_lo = b->c_lo, r->b_hi = b->c_hi;
    p.blo = b->lo, p.bhi = b->hi;
  } else {
    r->b_lo = r->b_hi = 0; /* one cell column: the event's cb is 0 */
  }
  return p;
}

static int file_def(gb_index *ix, const gb_def *d, uint32_t ord) {
  const gb_pred *kp[KEY_ATTRS_MAX];
  uint32_t nk = key_preds(d, kp);
  uint32_t s = sig_get(ix, kp, nk);
  if (s == NONE)
    return -1;
  uint64_t keys[IN_PRODUCT_MAX];
  const gb_cval *tuples[IN_PRODUCT_MAX * KEY_ATTRS_MAX];
  uint32_t n_keys = tuple_keys(ix, d, &ix->sigs[s], kp, keys, tuples);
  reg *r = &ix->regs[ord];
  span a, b;
  choose_access(ix, d, &a, &b);
  post p = make_post(&a, &b, ord, r), cont = {0};
  const gb_pred *c;
  bool verify = make_rec(d, kp, nk, &a, &b, &ix->recs[ord], &c);
  const bounds *cb = c ? bounds_of(ix, c->attr) : NULL;
  if (cb) { /* the residual range goes in a continuation */
    uint32_t lo, hi;
    bool lo_ambig, hi_ambig;
    range_fine(cb, c, &lo, &hi, &lo_ambig, &hi_ambig);
    cont = (post){.ord = c->attr,
                  .alo = CONT_ALO,
                  .ahi = 0,
                  .blo = (uint16_t)(lo << FLAG_BITS | (lo_ambig ? AMBIG : 0)),
                  .bhi = (uint16_t)(hi << FLAG_BITS | (hi_ambig ? AMBIG : 0))};
    p.ahi |= CONT;
  }
  if (verify || (c && !cb))
    p.alo |= CHECK;
  r->buckets = malloc(n_keys * sizeof *r->buckets);
  if (!r->buckets)
    return -1;
  for (uint32_t i = 0; i < n_keys; i++) {
    uint32_t bk = bucket_get(ix, keys[i], s, d, &tuples[i * KEY_ATTRS_MAX]);
    if (bk == NONE)
      return -1;
    r->buckets[r->n_buckets++] = bk; /* recorded first: a partial filing is still removable */
    if (file_in_bucket(ix, bk, r, p, cont) != 0)
      return -1;
  }
  return 0;
}

/* Registrations and records for ordinals < n. Capacity grows geometrically: hot updates append
 * ordinals one at a time. */
static int regs_reserve(gb_index *ix, size_t n) {
  if (n <= ix->n_regs)
    return 0;
  size_t cap = ix->n_regs ? ix->n_regs : 64;
  while (cap < n)
    cap *= 2;
  reg *r = realloc(ix->regs, cap * sizeof *r);
  if (!r)
    return -1;
  memset(r + ix->n_regs, 0, (cap - ix->n_regs) * sizeof *r);
  ix->regs = r;
  /* Records keep their alignment: a fresh aligned block, not realloc. */
  rec *recs = aligned_alloc(CACHE_LINE, cap * sizeof *recs);
  if (!recs)
    return -1;
  if (ix->n_regs)
    memcpy(recs, ix->recs, ix->n_regs * sizeof *recs);
  free(ix->recs);
  ix->recs = recs;
  ix->n_regs = cap;
  return 0;
}

/* ---- building ---- */

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static int cmp_i32(const void *a, const void *b) {
  int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
  return (x > y) - (x < y);
}

/* Visits the range predicates of active definitions: fn(ctx, pred). */
static void each_range(const gb_catalog *c, void (*fn)(void *, const gb_pred *), void *ctx) {
  size_t n_defs = gb_catalog_size(c);
  for (size_t o = 0; o < n_defs; o++) {
    const gb_def *d = gb_catalog_def(c, o);
    for (uint32_t i = 0; d->pub.active && i < d->n_preds; i++)
      if (d->preds[i].op == GB_OP_RANGE)
        fn(ctx, &d->preds[i]);
  }
}

typedef struct collect {
  gb_index *ix;
  size_t *count; /* per attribute: endpoints (pass 1) or ranges (pass 3) */
  int32_t **widths;
  int pass;
} collect;

/* Passes 0-1 count and collect the ends in the form cells test exactly: the lowest value in the
 * range, and the lowest value above it. Passes 2-3 collect range widths in fine cells. */
static void collect_range(void *ctx, const gb_pred *p) {
  collect *k = ctx;
  bounds *bd = &k->ix->bounds[p->attr];
  double ends[2] = {incl_lo(p), above_hi(p)};
  for (int e = 0; e < 2 && k->pass < 2; e++)
    if (isfinite(ends[e])) {
      if (k->pass == 0)
        k->count[p->attr]++;
      else
        bd->b[bd->n++] = ends[e];
    }
  if (k->pass == 2 && bd->n > 0)
    k->count[p->attr]++;
  if (k->pass == 3 && bd->n > 0) {
    uint32_t lo, hi;
    bool lo_ambig, hi_ambig;
    range_fine(bd, p, &lo, &hi, &lo_ambig, &hi_ambig);
    k->widths[p->attr][k->count[p->attr]++] =
        hi >= lo ? (int32_t)(bd->unit[hi] - bd->unit[lo] + 1) : 1;
  }
}

/* Boundaries: every distinct end while there are at most FINE_CELLS - 1 of them (postings are
 * then exact), else evenly spaced quantiles of the ends counted with their multiplicity (so that
 * the values many ranges share stay boundaries), made distinct. Then the units: each fine cell
 * gets the unit of the middle of its share of the ends (in sorted order). bd->b holds the ends
 * (bd->n of them) on entry. Returns 0, or -1 when out of memory. */
static int settle_bounds(bounds *bd) {
  if (bd->n == 0)
    return 0;
  double *ends = bd->b;
  uint32_t n_ends = bd->n, distinct = 1;
  qsort(ends, n_ends, sizeof *ends, cmp_double);
  for (uint32_t i = 1; i < n_ends; i++)
    distinct += ends[i] != ends[i - 1];
  bool all = distinct <= FINE_CELLS - 1;
  uint32_t most = all ? distinct : FINE_CELLS - 1;
  size_t above = 0, last = FANOUT; /* entries of the levels above the last, and of the last */
  for (bd->levels = 1; last < most; bd->levels++) {
    above += last;
    last *= FANOUT;
  }
  bd->lv = malloc((above + last) * sizeof *bd->lv);
  if (!bd->lv)
    return -1;
  double *b = bd->lv + above;
  uint32_t k = 0;
  for (uint32_t i = 0; all && i < n_ends; i++)
    if (k == 0 || ends[i] != b[k - 1])
      b[k++] = ends[i];
  for (uint32_t q = 0; !all && q < FINE_CELLS - 1; q++) {
    double v = ends[(size_t)(q + 1) * n_ends / FINE_CELLS];
    if (k == 0 || v != b[k - 1])
      b[k++] = v;
  }
  bd->unit = malloc((k + 1) * sizeof *bd->unit);
  if (!bd->unit) {
    free(bd->lv); /* bd->b still holds the ends: gb_index_free frees them */
    bd->lv = NULL;
    return -1;
  }
  for (size_t j = k; j < last; j++)
    b[j] = HUGE_VAL;
  double *lv = bd->lv; /* each upper level: the last boundary of each share of the last level */
  for (size_t size = FANOUT, share = last / FANOUT; share >= 1 && lv < b;
       lv += size, size *= FANOUT, share /= FANOUT)
    for (size_t j = 0; j < size; j++)
      lv[j] = b[(j + 1) * share - 1];
  size_t i = 0, before = 0; /* ends in the fine cells so far */
  for (uint32_t f = 0; f <= k; f++) {
    while (i < n_ends && (f == k || ends[i] < b[f]))
      i++;
    uint64_t mid2 = (uint64_t)before + i; /* twice the cell's middle rank: exact in integers */
    uint64_t u = mid2 * UNITS / (2 * (uint64_t)n_ends);
    bd->unit[f] = (uint16_t)(u < UNITS ? u : UNITS - 1);
    before = i;
  }
  free(ends);
  bd->b = b;
  bd->n = k;
  return 0;
}

/* Default resolution: the median width of the attribute's ranges, rounded down to a power of
 * two, so that a typical range covers two or three cells: cells narrower than the ranges admit
 * fewer non-matching postings per probe, for a little more replication. */
static uint8_t median_shift(int32_t *widths, size_t n) {
  if (n == 0)
    return 0;
  qsort(widths, n, sizeof *widths, cmp_i32);
  int32_t median = widths[n / 2];
  uint8_t s = 0;
  while (s < FINE_BITS && (2 << s) <= median)
    s++;
  return s;
}

static int build_bounds(gb_index *ix, const gb_catalog *c) {
  uint32_t n_attrs = gb_catalog_n_attrs(c);
  size_t alloc = n_attrs ? n_attrs : 1;
  ix->bounds = calloc(alloc, sizeof *ix->bounds);
  collect k = {
      .ix = ix, .count = calloc(alloc, sizeof(size_t)), .widths = calloc(alloc, sizeof(int32_t *))};
  int rc = ix->bounds && k.count && k.widths ? 0 : -1;
  if (rc == 0)
    ix->n_bounds = n_attrs;
  for (k.pass = 0; rc == 0 && k.pass < 4; k.pass++) {
    each_range(c, collect_range, &k);
    for (uint32_t a = 0; a < n_attrs && rc == 0; a++) {
      if (k.pass == 0 && k.count[a] && !(ix->bounds[a].b = malloc(k.count[a] * sizeof(double))))
        rc = -1;
      if (k.pass == 1 && settle_bounds(&ix->bounds[a]) != 0)
        rc = -1;
      if (k.pass == 2 && k.count[a] && !(k.widths[a] = malloc(k.count[a] * sizeof(int32_t))))
        rc = -1;
      if (k.pass == 1 || k.pass == 2)
        k.count[a] = 0;
      if (k.pass == 3)
        ix->bounds[a].shift = median_shift(k.widths[a], k.count[a]);
    }
  }
  for (uint32_t a = 0; k.widths && a < n_attrs; a++)
    free(k.widths[a]);
  free(k.widths);
  free(k.count);
  return rc;
}

gb_index *gb_index_new(const gb_catalog *c) { return gb_index_new_masked(c, UINT64_MAX); }

gb_index *gb_index_new_masked(const gb_catalog *c, uint64_t key_mask) {
  gb_index *ix = calloc(1, sizeof *ix);
  if (!ix)
    return NULL;
  ix->key_mask = key_mask;
  size_t n = gb_catalog_size(c);
  if (build_bounds(ix, c) != 0 || regs_reserve(ix, n) != 0)
    goto fail;
  ix->building = true; /* compact each group once, at the end */
  for (size_t o = 0; o < n; o++) {
    const gb_def *d = gb_catalog_def(c, o);
    if (d->pub.active && file_def(ix, d, (uint32_t)o) != 0)
      goto fail;
  }
  ix->building = false;
  for (uint32_t b = 0; b < ix->n_buckets; b++)
    for (uint32_t i = 0; i < ix->buckets[b].n_groups; i++)
      if (compact(&ix->buckets[b].groups[i]) < 0)
        goto fail;
  return ix;
fail:
  gb_index_free(ix);
  return NULL;
}

void gb_index_free(gb_index *ix) {
  if (!ix)
    return;
  for (uint32_t b = 0; b < ix->n_buckets; b++) {
    bucket *bk = &ix->buckets[b];
    free(bk->rest.v);
    for (uint32_t i = 0; i < bk->n_groups; i++) {
      group *g = &bk->groups[i];
      delta_free(g);
      free(g->off);
      free(g->pool);
    }
    free(bk->groups);
    for (uint32_t i = 0; bk->tuple && i < ix->sigs[bk->sig].n; i++)
      free(bk->tuple[i].str);
    free(bk->tuple);
  }
  for (size_t o = 0; o < ix->n_regs; o++)
    free(ix->regs[o].buckets);
  for (uint32_t a = 0; ix->bounds && a < ix->n_bounds; a++) {
    free(ix->bounds[a].lv);
    if (!ix->bounds[a].lv) /* not settled (out of memory while building): b holds the ends */
      free(ix->bounds[a].b);
    free(ix->bounds[a].unit);
  }
  free(ix->bounds);
  free(ix->regs);
  free(ix->recs);
  free(ix->buckets);
  free(ix->slots);
  free(ix->sigs);
  free(ix);
}

/* Counts what one posting slot of a list contributes to the stats. */
static void stat_slots(const post *v, uint32_t n, gb_index_stats *st) {
  for (uint32_t i = 0; i < n; i++) {
    if (v[i].ord == NONE || is_cont(&v[i]))
      continue;
    st->postings++;
    st->continuations += (v[i].ahi & CONT) != 0;
    st->checked += (v[i].alo & CHECK) != 0;
    st->ambiguous += ((v[i].alo | v[i].ahi | v[i].blo | v[i].bhi) & AMBIG) != 0;
  }
}

void gb_index_get_stats(const gb_index *ix, gb_index_stats *out) {
  memset(out, 0, sizeof *out);
  out->buckets = ix->n_buckets;
  out->compactions = ix->compactions;
  for (uint32_t b = 0; b < ix->n_buckets; b++) {
    const bucket *bk = &ix->buckets[b];
    stat_slots(bk->rest.v, bk->rest.n, out);
    out->groups += bk->n_groups;
    for (uint32_t i = 0; i < bk->n_groups; i++) {
      const group *g = &bk->groups[i];
      out->compacted += g->off != NULL;
      if (g->off) {
        stat_slots(g->pool, g->n_slots, out);
        out->pooled += g->n_pool - g->n_dead;
        out->dead += g->n_dead;
        out->padding += g->n_slots - g->n_pool; /* n_pool counts the dead too */
      }
      out->delta += g->n_delta;
      for (uint32_t j = 0; g->bits && j < 1u << g->bits; j++)
        stat_slots(g->cells[j].v, g->cells[j].n, out);
    }
  }
}

int gb_index_update(gb_index *ix, const gb_catalog *c, uint32_t ordinal) {
  if (regs_reserve(ix, gb_catalog_size(c)) != 0)
    return -1;
  unfile(ix, ordinal);
  const gb_def *d = gb_catalog_def(c, ordinal);
  return d->pub.active ? file_def(ix, d, ordinal) : 0;
}

/* ---- matching ----
 *
 * Memory-bound at 100 k definitions and more: the cell slot, the postings and the few records
 * an event reads are cache misses. The match runs in stages over all the event's probes at one
 * level, prefetching the next level's addresses, so that the misses of a level overlap instead
 * of queueing one after another. */

enum {
  STAGE_MAX = 64,    /* probes per stage; an event with more is handled in several rounds */
  POST_PREFETCH = 3, /* cache lines of a posting list prefetched ahead (~16 postings) */
  ALL_FLAGS = (1 << FLAG_BITS) - 1,
  SCAN_CHUNK = 64 /* postings tested per branch-free pass (indexes fit a byte) */
};

/* One posting list to scan with the event's access values: xa, xb exact, ea/eb their fine cells
 * shifted to compare with a posting's fields. */
typedef struct probe {
  const post *v;
  uint32_t n;
  double xa, xb;
  uint32_t fa, fb; /* fine cells */
  bool equal;      /* the bucket's tuple equals the event's: no need to verify the key */
} probe;

/* A candidate whose posting cannot decide: its record (and maybe definition) will. */
typedef struct pend {
  uint32_t ord;
  uint32_t probe; /* index in probes: the event's access values */
} pend;

/* Stage state of one match (not zero-initialised: only the counts are). */
typedef struct stage {
  const gb_index *ix;
  gb_view *v;
  gb_u32vec *hits;
  uint64_t candidates;
  size_t n_probes, n_pending;
  probe probes[STAGE_MAX];
  pend pending[STAGE_MAX];
} stage;

/* The bucket key an event has for signature g, or false when it lacks one of its attributes. */
static bool event_key(const gb_index *ix, const sig *g, gb_view *v, uint64_t *key) {
  uint64_t k = g->seed;
  for (uint32_t i = 0; i < g->n; i++) {
    const gb_aval *a = gb_view_get(v, g->attr[i]);
    if (!a || !(g->num[i] ? a->has_num : a->has_str))
      return false;
    k = key_add(k, g->num[i] ? gb_value_hash_num(a->num) : gb_aval_str_hash(&v->vals[g->attr[i]]));
  }
  *key = k & ix->key_mask;
  return true;
}

/* Computes the fine cell and unit of a's number for attr (once per event and attribute). */
static void __attribute__((noinline)) locate(const gb_index *ix, gb_aval *a, uint32_t attr) {
  a->cell = cell_of(&ix->bounds[attr], a->num);
  a->unit = ix->bounds[attr].unit[a->cell];
}

/* The event's value of attr with its fine cell and unit (cell, unit) filled in, or NULL when the
 * event lacks it or it is not a number. */
static inline const gb_aval *event_num(const gb_index *ix, gb_view *v, uint32_t attr) {
  const gb_aval *c = gb_view_get(v, attr);
  if (!c || !c->has_num)
    return NULL;
  gb_aval *a = &v->vals[attr];
  if (a->cell < 0)
    locate(ix, a, attr);
  return a;
}

/* Whether the event's values equal the bucket's tuple (the key hash matched). */
static bool event_tuple_is(const bucket *bk, const sig *g, gb_view *v) {
  for (uint32_t i = 0; i < g->n; i++) {
    const gb_aval *a = gb_view_get(v, g->attr[i]);
    const tval *t = &bk->tuple[i];
    if (g->num[i] ? a->num != t->num : a->len != t->len || !gb_bytes_equal(a->str, t->str, t->len))
      return false;
  }
  return true;
}

static bool within(double x, double lo, double hi) { return x >= lo && x <= hi; }

/* Decides the pending candidates from their records (and definitions when they must be
 * verified in full). */
static int flush_pending(stage *st) {
  const gb_index *ix = st->ix;
  for (size_t i = 0; i < st->n_pending; i++) {
    const probe *pr = &st->probes[st->pending[i].probe];
    uint32_t ord = st->pending[i].ord;
    const rec *r = &ix->recs[ord];
    bool ok;
    if (!pr->equal || r->verify) {
      ok = gb_def_matches(r->def, st->v);
    } else {
      ok = within(pr->xa, r->alo, r->ahi) && within(pr->xb, r->blo, r->bhi);
      if (ok && r->c != NONE) {
        const gb_aval *c = gb_view_get(st->v, r->c);
        ok = c && c->has_num && within(c->num, r->clo, r->chi);
      }
    }
    if (ok && gb_u32vec_push(st->hits, ord) != 0)
      return -1;
  }
  st->n_pending = 0;
  return 0;
}

/* Whether the event's fine cell f sits on an ambiguous end of the bounds lo, hi. */
static bool ambiguous(uint32_t f, uint16_t lo, uint16_t hi) {
  return ((lo & AMBIG) && (uint32_t)(lo >> FLAG_BITS) == f) ||
         ((hi & AMBIG) && (uint32_t)(hi >> FLAG_BITS) == f);
}

/* Whether the event's value of a continuation's attribute may lie in its range (*fc: its fine
 * cell, for the ambiguity test). */
static bool cont_admits(stage *st, const post *q, uint32_t *fc) {
  const gb_aval *c = event_num(st->ix, st->v, q->ord);
  if (!c)
    return false;
  *fc = (uint32_t)c->cell;
  return (uint32_t)(q->blo >> FLAG_BITS) <= *fc && *fc <= (uint32_t)(q->bhi >> FLAG_BITS);
}

/* Decides candidate p (its posting admits the event of probe pr, number k): a match when its
 * cells prove it, else pending on its record. */
static int decide(stage *st, const probe *pr, uint32_t k, const post *p) {
  uint32_t fc = 0;
  if ((p->ahi & CONT) && !cont_admits(st, p + 1, &fc))
    return 0;
  if (pr->equal && !(p->alo & CHECK) && (!(p->ahi & CONT) || !ambiguous(fc, p[1].blo, p[1].bhi)) &&
      (!((p->alo | p->ahi | p->blo | p->bhi) & AMBIG) ||
       (!ambiguous(pr->fa, p->alo, p->ahi) && !ambiguous(pr->fb, p->blo, p->bhi))))
    return gb_u32vec_push(st->hits, p->ord);
  if (st->n_pending == STAGE_MAX && flush_pending(st) != 0)
    return -1;
  __builtin_prefetch(&st->ix->recs[p->ord]);
  st->pending[st->n_pending++] = (pend){.ord = p->ord, .probe = k};
  return 0;
}

/* Scans the collected posting lists: postings the event's cells decide are matches (or not);
 * the others wait, their record prefetched, for flush_pending. */
static int flush_probes(stage *st) {
  for (size_t k = 0; k < st->n_probes; k++) {
    const probe *pr = &st->probes[k];
    const post *v = pr->v;
    uint32_t n = pr->n;
    /* A posting admits the event when alo <= (fa << FLAG_BITS | any flags), ahi >= fa <<
     * FLAG_BITS, and the same for b: four 15-bit compares at once in one 64-bit word (SWAR).
     * Lane by lane, x = [ea_lo, ahi, eb_lo, bhi] and y = [alo, ea_hi, blo, eb_hi]; then
     * (x | guard) - y keeps a lane's guard bit iff x >= y, and never borrows across lanes. */
    const uint64_t lanes_hi = 0xFFFF0000FFFF0000ULL, guard = 0x8000800080008000ULL;
    uint64_t e_lo = (uint64_t)(pr->fa << FLAG_BITS | ALL_FLAGS) |
                    (uint64_t)(pr->fb << FLAG_BITS | ALL_FLAGS) << 32;
    uint64_t e_hi = (uint64_t)(pr->fa << FLAG_BITS) << 16 | (uint64_t)(pr->fb << FLAG_BITS) << 48;
    for (uint32_t base = 0; base < n; base += SCAN_CHUNK) {
      /* First the test alone, without branches: whether a posting admits the event is
       * unpredictable, and a mispredicted branch costs more than the test. The admitted
       * postings' indexes are written unconditionally and kept by advancing on success. */
      uint32_t m = n - base < SCAN_CHUNK ? n - base : SCAN_CHUNK, n_adm = 0;
      uint8_t adm[SCAN_CHUNK];
      for (uint32_t i = 0; i < m; i++) {
        uint64_t w;
        memcpy(&w, &v[base + i].alo, sizeof w);
        uint64_t x = (w & lanes_hi) | e_lo, y = (w & ~lanes_hi) | e_hi;
        adm[n_adm] = (uint8_t)i;
        n_adm += (((x | guard) - y) & guard) == guard;
      }
      st->candidates += n_adm;
      for (uint32_t j = 0; j < n_adm; j++)
        if (decide(st, pr, (uint32_t)k, &v[base + adm[j]]) != 0)
          return -1;
    }
  }
  int rc = flush_pending(st);
  st->n_probes = 0;
  return rc;
}

static int add_probe(stage *st, const post *v, uint32_t n, double xa, double xb, uint32_t fa,
                     uint32_t fb, bool equal) {
  if (n == 0)
    return 0;
  if (st->n_probes == STAGE_MAX && flush_probes(st) != 0)
    return -1;
  for (uint32_t i = 0; i < POST_PREFETCH && i * CACHE_LINE < n * sizeof(post); i++)
    __builtin_prefetch((const char *)v + i * CACHE_LINE);
  st->probes[st->n_probes++] =
      (probe){.v = v, .n = n, .xa = xa, .xb = xb, .fa = fa, .fb = fb, .equal = equal};
  return 0;
}

/* A cell to look up: its identity and the event's access values. */
typedef struct cell_probe {
  const group *g;
  uint32_t key, ci; /* cell key, and cell index for a compacted group */
  double xa, xb;
  uint32_t fa, fb;
  bool equal;
} cell_probe;

static int lookup_cells(stage *st, const cell_probe *cp, size_t n) {
  for (size_t i = 0; i < n; i++) {
    const group *g = cp[i].g;
    if (g->off) {
      uint32_t at = cell_begin(g, cp[i].ci), end = cell_end(g, cp[i].ci);
      if (add_probe(st, g->pool + at, end - at, cp[i].xa, cp[i].xb, cp[i].fa, cp[i].fb,
                    cp[i].equal) != 0)
        return -1;
    }
    const cell *c = g->n_cells ? cell_find(g, cp[i].key) : NULL;
    if (c && add_probe(st, c->v, c->n, cp[i].xa, cp[i].xb, cp[i].fa, cp[i].fb, cp[i].equal) != 0)
      return -1;
  }
  return 0;
}

/* Turns buckets into cell probes (prefetching the cell slots), then cells into posting lists. */
static int match_buckets(stage *st, const bucket *const *bks, const uint32_t *sigs, size_t n) {
  const gb_index *ix = st->ix;
  cell_probe cp[STAGE_MAX];
  size_t n_cp = 0;
  for (size_t k = 0; k < n; k++) {
    const bucket *bk = bks[k];
    bool equal = false;
    if (!bk->mixed) {
      /* A bucket of another signature or tuple, found through a 64-bit key collision: the
       * event's own tuple has no bucket (filing it here would have made this one mixed). */
      if (bk->sig != sigs[k] || !event_tuple_is(bk, &ix->sigs[sigs[k]], st->v))
        continue;
      equal = true;
    }
    if (add_probe(st, bk->rest.v, bk->rest.n, 0, 0, 0, 0, equal) != 0)
      return -1;
    for (uint32_t gi = 0; gi < bk->n_groups; gi++) {
      const group *g = &bk->groups[gi];
      const gb_aval *ea = event_num(ix, st->v, g->a), *eb = NULL;
      if (!ea || (g->b != NONE && !(eb = event_num(ix, st->v, g->b))))
        continue;
      double xa = ea->num, xb = eb ? eb->num : 0;
      uint32_t fa = (uint32_t)ea->cell, fb = eb ? (uint32_t)eb->cell : 0;
      uint32_t ua = ea->unit, ub = eb ? eb->unit : 0;
      if (n_cp == STAGE_MAX) { /* rare: look the collected cells up now */
        if (lookup_cells(st, cp, n_cp) != 0)
          return -1;
        n_cp = 0;
      }
      uint32_t key = cell_key((int32_t)(ua >> g->sa), (int32_t)(ub >> g->sb));
      if (!occ_test(g, key))
        continue;
      uint32_t ci = g->off ? cell_index(g, key) : 0;
      if (g->off)
        __builtin_prefetch(&g->off[ci]);
      if (g->n_cells)
        __builtin_prefetch(&g->cells[cell_home(key, g->bits)]);
      cp[n_cp++] = (cell_probe){
          .g = g, .key = key, .ci = ci, .xa = xa, .xb = xb, .fa = fa, .fb = fb, .equal = equal};
    }
  }
  return lookup_cells(st, cp, n_cp);
}

int gb_index_match(const gb_index *ix, const gb_catalog *c, gb_view *v, gb_u32vec *hits,
                   uint64_t *candidates) {
  (void)c; /* records carry their definitions */
  if (ix->n_slots == 0)
    return 0;
  stage st;
  st.ix = ix;
  st.v = v;
  st.hits = hits;
  st.candidates = 0;
  st.n_probes = st.n_pending = 0;
  int rc = 0;
  for (uint32_t s0 = 0; rc == 0 && s0 < ix->n_sigs; s0 += STAGE_MAX) {
    uint64_t keys[STAGE_MAX];
    uint32_t sigs[STAGE_MAX];
    size_t n = 0;
    for (uint32_t s = s0; s < ix->n_sigs && s < s0 + STAGE_MAX; s++)
      if (event_key(ix, &ix->sigs[s], v, &keys[n])) {
        __builtin_prefetch(&ix->slots[keys[n] & (ix->n_slots - 1)]);
        sigs[n++] = s;
      }
    const bucket *bks[STAGE_MAX];
    size_t nb = 0;
    for (size_t i = 0; i < n; i++) {
      uint32_t b = bucket_find(ix, keys[i]);
      if (b == NONE)
        continue;
      bks[nb] = &ix->buckets[b];
      __builtin_prefetch(bks[nb]->groups);
      sigs[nb++] = sigs[i];
    }
    rc = match_buckets(&st, bks, sigs, nb);
  }
  if (rc == 0)
    rc = flush_probes(&st);
  *candidates += st.candidates;
  return rc;
}
