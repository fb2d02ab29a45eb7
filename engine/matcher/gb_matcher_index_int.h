/* gb_matcher_index_int: what the index's files share (gb_matcher_index_store.c: postings,
 * cells, groups and buckets; gb_matcher_index_file.c: filing one definition;
 * gb_matcher_index_build.c: boundaries, building, hot updates; gb_matcher_index_match.c:
 * matching). Not for other modules; gb_matcher_defs.h has the index's interface.
 *
 * The index behind GB_MATCH_INDEX.
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
#ifndef GB_MATCHER_INDEX_INT_H
#define GB_MATCHER_INDEX_INT_H

#include <math.h>
#include <stdbool.h>
#include <stdint.h>
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

static inline bool is_cont(const post *p) { return p->alo == CONT_ALO && p->ahi == 0; }

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

static inline uint64_t mix(uint64_t x) {
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

/* Folds one value hash into a key: order-sensitive, so (a, b) and (b, a) differ. */
static inline uint64_t key_add(uint64_t key, uint64_t value_hash) {
  return mix(key ^ (value_hash + 0x9E3779B97F4A7C15ULL + (key << 6)));
}

/* ---- ranges in inclusive form ---- */

/* Exclusive ends become inclusive on the adjacent double (x > lo is x >= nextafter(lo, +inf) for
 * every finite x), so that records test lo <= x <= hi without flags. */
static inline double incl_lo(const gb_pred *p) {
  return p->lo_incl || isinf(p->lo) ? p->lo : nextafter(p->lo, HUGE_VAL);
}

static inline double incl_hi(const gb_pred *p) {
  return p->hi_incl || isinf(p->hi) ? p->hi : nextafter(p->hi, -HUGE_VAL);
}

/* The smallest value above the range: a boundary there makes the range's upper end exact. */
static inline double above_hi(const gb_pred *p) {
  double h = incl_hi(p);
  return isinf(h) ? h : nextafter(h, HUGE_VAL);
}

/* ---- cells (the lookups that filing and matching share) ---- */

/* The number of p[0 .. FANOUT) <= v: independent compares, no branch and no dependency chain
 * (SSE2, part of every x86-64: two compares per instruction; GCC does not vectorise the plain
 * loop at -O2). */
static inline uint32_t count_block(const double *p, double v) {
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
static inline int32_t cell_of(const bounds *bd, double v) {
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
static inline uint32_t occ_bit(uint32_t key) { return (key * 0x9E3779B1u) >> (32 - 9); }

static inline bool occ_test(const group *g, uint32_t key) {
  uint32_t bit = occ_bit(key);
  return (g->occ[bit / 64] >> (bit % 64)) & 1;
}

static inline const bounds *bounds_of(const gb_index *ix, uint32_t attr) {
  return attr < ix->n_bounds && ix->bounds[attr].n > 0 ? &ix->bounds[attr] : NULL;
}

static inline uint32_t cell_key(int32_t ca, int32_t cb) {
  return (uint32_t)ca << FINE_BITS | (uint32_t)cb;
}

/* The first slot of a cell key in a table of 2^bits slots: multiplicative hashing. */
static inline uint32_t cell_home(uint32_t key, uint8_t bits) {
  return (key * 0x9E3779B1u) >> (32 - bits);
}

static inline const cell *cell_find(const group *g, uint32_t key) {
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

/* Cells along an attribute at shift s (units are 0 .. UNITS - 1). */
static inline uint32_t grid_cols(uint8_t s) { return ((UNITS - 1) >> s) + 1; }

static inline uint32_t cell_index(const group *g, uint32_t key) {
  return (key >> FINE_BITS) * g->nb + (key & (FINE_CELLS - 1));
}

/* A compacted cell ci's postings are pool[cell_begin, cell_end). off[ci] holds the cell's first
 * slot << PAD_BITS | the padding slots just before it (see gb_index_compact). */
static inline uint32_t cell_begin(const group *g, size_t ci) { return g->off[ci] >> PAD_BITS; }

static inline uint32_t cell_end(const group *g, size_t ci) {
  return (g->off[ci + 1] >> PAD_BITS) - (g->off[ci + 1] & ((1u << PAD_BITS) - 1));
}

/* ---- buckets ---- */

static inline uint32_t bucket_find(const gb_index *ix, uint64_t key) {
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

/* ---- postings, cells, groups and buckets (gb_matcher_index_store.c) ---- */

/* gb_grow for the index's arrays, whose counts and capacities are 32-bit (a bucket stays 56
 * bytes): GB_INDEX_GROW(arr, cap, need, first, what) makes arr hold need elements. Building and
 * re-filing return their errors, so this returns 0, or -1 when out of memory or when need passes
 * 2^31 (arr and cap then unchanged). */
int gb_index_grow(void *items, uint32_t *cap, size_t need, size_t elem_size, size_t first_cap,
                  const char *what);
#define GB_INDEX_GROW(arr, cap, need, first_cap, what)                                             \
  ((size_t)(need) <= (cap)                                                                         \
       ? 0                                                                                         \
       : gb_index_grow(&(arr), &(cap), (need), sizeof *(arr), (first_cap), (what)))

/* Appends p to l; -1 when out of memory. */
int gb_index_plist_add(plist *l, post p);

/* Removes ord's posting (and its continuation) from l. */
void gb_index_plist_remove(plist *l, uint32_t ord);

/* The cell of key in g's delta table, created empty when absent; NULL when out of memory. */
cell *gb_index_cell_get(group *g, uint32_t key);

/* Appends p to c's postings; -1 when out of memory. */
int gb_index_cell_add(cell *c, post p);

/* Removes ord's posting (and its continuation) from c. */
void gb_index_cell_remove(cell *c, uint32_t ord);

/* Frees g's delta table (its cells and their postings). */
void gb_index_delta_free(group *g);

/* Rebuilds g's pool from its live pooled and delta postings. Returns 1 when compacted, 0 when
 * left as it is (its grid is large for its postings), -1 when out of memory (g unchanged). */
int gb_index_compact(group *g);

/* Marks ord's posting (and continuation) in g's pooled cell ci dead; returns the slots marked. */
uint32_t gb_index_pool_kill(group *g, size_t ci, uint32_t ord);

/* The group of bk with r's access attributes and resolutions; created when absent and create is
 * true. NULL when absent (create false) or out of memory. */
group *gb_index_bucket_group(bucket *bk, const reg *r, bool create);

/* The bucket of key for tuple t of definition d (signature s), created when absent; NONE when
 * out of memory. */
uint32_t gb_index_bucket_get(gb_index *ix, uint64_t key, uint32_t s, const gb_def *d,
                             const gb_cval *const *t);

/* ---- filing one definition (gb_matcher_index_file.c) ---- */

/* The fine cells of range p: first and last cell an event in it can fall in, each flagged
 * ambiguous when the range's end lies inside that cell (not on a boundary). */
void gb_index_range_fine(const bounds *bd, const gb_pred *p, uint32_t *lo, uint32_t *hi,
                         bool *lo_ambig, bool *hi_ambig);

/* Files definition d as ordinal ord (its registration and record must be reserved); 0, or -1
 * when out of memory (a partial filing stays removable by gb_index_unfile). */
int gb_index_file_def(gb_index *ix, const gb_def *d, uint32_t ord);

/* Removes whatever was filed for ord (nothing when not filed). */
void gb_index_unfile(gb_index *ix, uint32_t ord);

/* Registrations and records for ordinals < n; 0, or -1 when out of memory. */
int gb_index_regs_reserve(gb_index *ix, size_t n);

#endif
