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
 *  2. cells: every attribute that ranges test gets FINE_CELLS cells with boundaries at quantiles
 *     of the range endpoints seen when the index was built, and a default resolution (the
 *     median width of its ranges, a power of two of fine cells). Inside a bucket, a definition is
 *     filed in a group keyed by its two most selective range attributes and resolutions (one for
 *     a single range), under each 2-D cell its ranges cover (at most 3 x 3: a range wider than 3
 *     cells is filed at a coarser resolution). Definitions without ranges go to the bucket's
 *     `rest` list.
 *  3. verify: the posting carries the two access intervals, so most non-matching candidates are
 *     rejected without touching the definition; survivors are verified against every predicate.
 *
 * An event probes, per matching bucket, one cell per group: the cost is (#signatures) +
 * (#groups in its buckets) + (candidates in its cells), independent of the catalogue's size at a
 * constant match count. Hot updates re-file one definition: O(buckets x cells x posting length);
 * cell boundaries and resolutions stay those of the build (a rebuild refreshes them). A 64-bit key
 * collision only adds candidates (verification rejects them), never loses a match. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gb_matcher_defs.h"

enum {
  KEY_ATTRS_MAX = 4,   /* equality attributes in a key: more only splits buckets further */
  IN_PRODUCT_MAX = 64, /* tuples one definition may be filed under (membership expansion) */
  FINE_BITS = 8,       /* 2^8 = 256 fine cells per attribute */
  FINE_CELLS = 1 << FINE_BITS,
  SPAN_MAX = 3 /* cells a range may cover at its resolution before going coarser: replication
                  is at most 3 x 3 per bucket */
};
static const uint32_t NONE = UINT32_MAX;

typedef struct sig {
  uint32_t n;
  uint32_t attr[KEY_ATTRS_MAX];
  bool num[KEY_ATTRS_MAX];
  uint64_t seed;
} sig;

/* One filed definition: its two access intervals (whole line when unused) and ordinal. */
typedef struct post {
  double alo, ahi, blo, bhi;
  const gb_def *def; /* current: a changed definition is re-filed before the next match */
  uint32_t ord;
  uint8_t incl; /* bits: INCL_ALO, INCL_AHI, INCL_BLO, INCL_BHI */
} post;
enum { INCL_ALO = 1, INCL_AHI = 2, INCL_BLO = 4, INCL_BHI = 8, EXACT = 16 };
/* EXACT: the definition has no predicate beyond its key and access intervals, so an event in a
 * bucket whose tuple it equals and within the intervals matches it: no need to read the
 * definition (a cache miss saved per match). */

typedef struct plist {
  post *v;
  uint32_t n, cap;
} plist;

/* Definitions of one bucket accessed by the same attributes at the same resolutions. Its cells
 * live in the index-wide cell table under (uid, cell key). */
typedef struct group {
  uint32_t a, b;  /* attribute ids; b == NONE for a single range */
  uint8_t sa, sb; /* resolution shifts: cell = fine cell >> shift */
  uint32_t uid;
} group;

typedef struct cell_slot {
  uint64_t key; /* cell_hash(uid, cell key); 0 = empty slot */
  plist list;
} cell_slot;

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

typedef struct bounds {
  double *b; /* sorted, distinct, at most FINE_CELLS - 1: fine cell = #boundaries <= v */
  uint32_t n;
  uint8_t shift; /* default resolution: the median range width, rounded up to 2^shift cells */
} bounds;

/* The access choice for one definition. */
typedef struct access {
  const gb_pred *pa, *pb; /* NULL when unused */
  uint8_t sa, sb;
  int32_t a_lo, a_hi, b_lo, b_hi;
} access;

struct gb_index {
  sig *sigs;
  uint32_t n_sigs, cap_sigs;
  bucket *buckets;
  uint32_t n_buckets, cap_buckets;
  bucket_slot *slots; /* open addressing over bucket keys */
  size_t n_slots;
  bounds *bounds; /* by attribute id; attributes >= n_bounds have none */
  uint32_t n_bounds;
  reg *regs; /* by ordinal */
  size_t n_regs;
  /* Cells of all groups: one open-addressing table from mix(group uid, cell key) to the cell's
   * posting list, whose header sits in the slot (a probe costs one cache miss, the postings
   * one more). */
  cell_slot *cells;
  size_t n_cell_slots, n_cells;
  uint32_t n_groups; /* uids handed out */
  uint64_t key_mask; /* bucket keys are masked with it: all ones, except in collision tests */
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

static void plist_remove(plist *l, uint32_t ord) {
  for (uint32_t i = 0; i < l->n; i++)
    if (l->v[i].ord == ord) {
      l->v[i] = l->v[--l->n];
      return;
    }
}

/* ---- cells ---- */

/* Fine cell of v: the number of boundaries <= v (0 .. n). */
static int32_t cell_of(const bounds *bd, double v) {
  /* Branch-free binary search (the comparison compiles to a conditional move): event values
   * are unpredictable, so a branchy search mispredicts at every step. */
  const double *base = bd->b;
  uint32_t n = bd->n;
  while (n > 1) {
    uint32_t half = n / 2;
    base = base[half - 1] <= v ? base + half : base;
    n -= half;
  }
  return (int32_t)(base - bd->b) + (n == 1 && base[0] <= v);
}

static const bounds *bounds_of(const gb_index *ix, uint32_t attr) {
  return attr < ix->n_bounds && ix->bounds[attr].n > 0 ? &ix->bounds[attr] : NULL;
}

static uint32_t cell_key(int32_t ca, int32_t cb) { return (uint32_t)ca << 16 | (uint32_t)cb; }

/* The exact identity of a cell (group uid, cell key), + 1 so that 0 marks an empty slot: cells
 * never collide; the slot position is mix(identity). */
static uint64_t cell_hash(uint32_t uid, uint32_t key) { return ((uint64_t)uid << 32 | key) + 1; }

static plist *cell_lookup(const gb_index *ix, uint64_t h) {
  if (ix->n_cell_slots == 0)
    return NULL;
  size_t mask = ix->n_cell_slots - 1;
  for (size_t i = mix(h) & mask;; i = (i + 1) & mask) {
    if (ix->cells[i].key == 0)
      return NULL;
    if (ix->cells[i].key == h)
      return &ix->cells[i].list;
  }
}

static plist *cell_find(const gb_index *ix, uint32_t uid, uint32_t key) {
  return cell_lookup(ix, cell_hash(uid, key));
}

static cell_slot *cell_place(gb_index *ix, uint64_t h) {
  size_t mask = ix->n_cell_slots - 1;
  size_t i = mix(h) & mask;
  while (ix->cells[i].key != 0)
    i = (i + 1) & mask;
  ix->cells[i].key = h;
  return &ix->cells[i];
}

static int cells_grow(gb_index *ix) {
  size_t n_slots = ix->n_cell_slots ? ix->n_cell_slots * 2 : 1024;
  cell_slot *slots = calloc(n_slots, sizeof *slots);
  if (!slots)
    return -1;
  cell_slot *old = ix->cells;
  size_t old_n = ix->n_cell_slots;
  ix->cells = slots;
  ix->n_cell_slots = n_slots;
  for (size_t i = 0; i < old_n; i++)
    if (old[i].key)
      cell_place(ix, old[i].key)->list = old[i].list;
  free(old);
  return 0;
}

/* The posting list of (uid, key), created empty when absent; NULL when out of memory. */
static plist *cell_get(gb_index *ix, uint32_t uid, uint32_t key) {
  plist *l = cell_find(ix, uid, key);
  if (l)
    return l;
  if ((ix->n_cells + 1) * 2 > ix->n_cell_slots && cells_grow(ix) != 0) /* load <= 1/2 */
    return NULL;
  ix->n_cells++;
  return &cell_place(ix, cell_hash(uid, key))->list;
}

static group *bucket_group(gb_index *ix, bucket *bk, const reg *r, bool create) {
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
  bk->groups[bk->n_groups] =
      (group){.a = r->a, .b = r->b, .sa = r->sa, .sb = r->sb, .uid = ix->n_groups++};
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

/* The resolution and cells a range is filed at: its attribute's default resolution, coarser
 * while it covers more than SPAN_MAX cells. Returns its estimated selectivity: the share of its
 * attribute's fine cells (quantiles of endpoints) it covers. */
static double range_cells(const bounds *bd, const gb_pred *p, uint8_t *shift, int32_t *lo,
                          int32_t *hi) {
  int32_t flo = cell_of(bd, p->lo), fhi = cell_of(bd, p->hi);
  uint8_t s = bd->shift;
  while (s < FINE_BITS && (fhi >> s) - (flo >> s) + 1 > SPAN_MAX)
    s++;
  *shift = s;
  *lo = flo >> s;
  *hi = fhi >> s;
  return (double)(fhi - flo + 1) / (double)(bd->n + 1);
}

/* The two most selective ranges of d on distinct attributes with cells, ordered by attribute. */
static void choose_access(const gb_index *ix, const gb_def *d, access *acc) {
  memset(acc, 0, sizeof *acc);
  double wa = HUGE_VAL, wb = HUGE_VAL;
  for (uint32_t i = 0; i < d->n_preds; i++) {
    const gb_pred *p = &d->preds[i];
    const bounds *bd = bounds_of(ix, p->attr);
    if (p->op != GB_OP_RANGE || !bd)
      continue;
    uint8_t s;
    int32_t lo, hi;
    double w = range_cells(bd, p, &s, &lo, &hi);
    if (w < wa) { /* best so far moves to second */
      acc->pb = acc->pa, acc->sb = acc->sa, acc->b_lo = acc->a_lo, acc->b_hi = acc->a_hi, wb = wa;
      acc->pa = p, acc->sa = s, acc->a_lo = lo, acc->a_hi = hi, wa = w;
    } else if (w < wb && p->attr != acc->pa->attr) {
      acc->pb = p, acc->sb = s, acc->b_lo = lo, acc->b_hi = hi, wb = w;
    }
  }
  if (acc->pb && acc->pb->attr == acc->pa->attr)
    acc->pb = NULL; /* two ranges on one attribute (a range and a between): use one */
  if (acc->pb && acc->pb->attr < acc->pa->attr) {
    access t = *acc;
    acc->pa = t.pb, acc->sa = t.sb, acc->a_lo = t.b_lo, acc->a_hi = t.b_hi;
    acc->pb = t.pa, acc->sb = t.sa, acc->b_lo = t.a_lo, acc->b_hi = t.a_hi;
  }
}

static int file_in_bucket(gb_index *ix, uint32_t b, const reg *r, post p) {
  bucket *bk = &ix->buckets[b];
  if (r->a == NONE)
    return plist_add(&bk->rest, p);
  group *g = bucket_group(ix, bk, r, true);
  if (!g)
    return -1;
  uint32_t uid = g->uid;
  for (int32_t ca = r->a_lo; ca <= r->a_hi; ca++)
    for (int32_t cb = r->b_lo; cb <= r->b_hi; cb++) {
      plist *l = cell_get(ix, uid, cell_key(ca, cb));
      if (!l || plist_add(l, p) != 0)
        return -1;
    }
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
    group *g = bucket_group(ix, bk, r, false);
    for (int32_t ca = r->a_lo; g && ca <= r->a_hi; ca++)
      for (int32_t cb = r->b_lo; cb <= r->b_hi; cb++) {
        plist *l = cell_find(ix, g->uid, cell_key(ca, cb));
        if (l)
          plist_remove(l, ord);
      }
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

/* The posting and registration of d's access choice. */
static post make_post(const access *acc, uint32_t ord, reg *r) {
  post p = {.alo = -HUGE_VAL,
            .ahi = HUGE_VAL,
            .blo = -HUGE_VAL,
            .bhi = HUGE_VAL,
            .ord = ord,
            .incl = INCL_ALO | INCL_AHI | INCL_BLO | INCL_BHI};
  r->a = r->b = NONE;
  if (acc->pa) {
    r->a = acc->pa->attr, r->sa = acc->sa, r->a_lo = acc->a_lo, r->a_hi = acc->a_hi;
    p.alo = acc->pa->lo, p.ahi = acc->pa->hi;
    p.incl = (uint8_t)((acc->pa->lo_incl ? INCL_ALO : 0) | (acc->pa->hi_incl ? INCL_AHI : 0) |
                       INCL_BLO | INCL_BHI);
  }
  if (acc->pb) {
    r->b = acc->pb->attr, r->sb = acc->sb, r->b_lo = acc->b_lo, r->b_hi = acc->b_hi;
    p.blo = acc->pb->lo, p.bhi = acc->pb->hi;
    p.incl = (uint8_t)((p.incl & (INCL_ALO | INCL_AHI)) | (acc->pb->lo_incl ? INCL_BLO : 0) |
                       (acc->pb->hi_incl ? INCL_BHI : 0));
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
  access acc;
  choose_access(ix, d, &acc);
  post p = make_post(&acc, ord, r);
  p.def = d;
  uint32_t n_eq = 0;
  for (uint32_t i = 0; i < d->n_preds; i++)
    n_eq += d->preds[i].op == GB_OP_EQ || d->preds[i].op == GB_OP_IN;
  if (n_eq == nk && d->n_preds == nk + (acc.pa != NULL) + (acc.pb != NULL))
    p.incl |= EXACT;
  r->buckets = malloc(n_keys * sizeof *r->buckets);
  if (!r->buckets)
    return -1;
  for (uint32_t i = 0; i < n_keys; i++) {
    uint32_t b = bucket_get(ix, keys[i], s, d, &tuples[i * KEY_ATTRS_MAX]);
    if (b == NONE)
      return -1;
    r->buckets[r->n_buckets++] = b; /* recorded first: a partial filing is still removable */
    if (file_in_bucket(ix, b, r, p) != 0)
      return -1;
  }
  return 0;
}

static int regs_reserve(gb_index *ix, size_t n) {
  if (n <= ix->n_regs)
    return 0;
  reg *r = realloc(ix->regs, n * sizeof *r);
  if (!r)
    return -1;
  memset(r + ix->n_regs, 0, (n - ix->n_regs) * sizeof *r);
  ix->regs = r;
  ix->n_regs = n;
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

static void collect_range(void *ctx, const gb_pred *p) {
  collect *k = ctx;
  bounds *bd = &k->ix->bounds[p->attr];
  double ends[2] = {p->lo, p->hi};
  for (int e = 0; e < 2 && k->pass < 2; e++)
    if (isfinite(ends[e])) {
      if (k->pass == 0)
        k->count[p->attr]++;
      else
        bd->b[bd->n++] = ends[e];
    }
  if (k->pass == 2 && bd->n > 0)
    k->count[p->attr]++;
  if (k->pass == 3 && bd->n > 0)
    k->widths[p->attr][k->count[p->attr]++] = cell_of(bd, p->hi) - cell_of(bd, p->lo) + 1;
}

/* Boundaries: evenly spaced quantiles of the attribute's finite endpoints, counted with their
 * multiplicity (so that each cell holds about as many endpoints: a value shared by many ranges,
 * such as a popular threshold, does not stretch its neighbours' cells), then made distinct. */
static void settle_bounds(bounds *bd) {
  if (bd->n == 0)
    return;
  qsort(bd->b, bd->n, sizeof *bd->b, cmp_double);
  uint32_t n = bd->n;
  if (n > FINE_CELLS - 1) {
    for (uint32_t q = 0; q < FINE_CELLS - 1; q++)
      bd->b[q] = bd->b[(size_t)(q + 1) * n / FINE_CELLS];
    n = FINE_CELLS - 1;
  }
  uint32_t k = 1;
  for (uint32_t i = 1; i < n; i++)
    if (bd->b[i] != bd->b[k - 1])
      bd->b[k++] = bd->b[i];
  bd->n = k;
}

/* Default resolution: the median width of the attribute's ranges, rounded up to a power of two,
 * so that a typical range covers one or two cells. */
static uint8_t median_shift(int32_t *widths, size_t n) {
  if (n == 0)
    return 0;
  qsort(widths, n, sizeof *widths, cmp_i32);
  int32_t median = widths[n / 2];
  uint8_t s = 0;
  while (s < FINE_BITS && (1 << s) < median)
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
      if (k.pass == 1)
        settle_bounds(&ix->bounds[a]);
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
  for (size_t o = 0; o < n; o++) {
    const gb_def *d = gb_catalog_def(c, o);
    if (d->pub.active && file_def(ix, d, (uint32_t)o) != 0)
      goto fail;
  }
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
    free(bk->groups);
    for (uint32_t i = 0; bk->tuple && i < ix->sigs[bk->sig].n; i++)
      free(bk->tuple[i].str);
    free(bk->tuple);
  }
  for (size_t i = 0; i < ix->n_cell_slots; i++)
    free(ix->cells[i].list.v);
  free(ix->cells);
  for (size_t o = 0; o < ix->n_regs; o++)
    free(ix->regs[o].buckets);
  for (uint32_t a = 0; ix->bounds && a < ix->n_bounds; a++)
    free(ix->bounds[a].b);
  free(ix->bounds);
  free(ix->regs);
  free(ix->buckets);
  free(ix->slots);
  free(ix->sigs);
  free(ix);
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
 * Memory-bound: at 100 k definitions every level (bucket slot, bucket, its groups, cell slot,
 * postings, definition) is a likely cache miss. The match runs in stages over all the event's
 * probes at one level, prefetching the next level's addresses, so that the misses of a level
 * overlap instead of queueing one after another. */

enum { STAGE_MAX = 64 /* probes per stage; an event with more is handled in several rounds */ };

/* Whether (a, b) lies in the posting's intervals. Bitwise rather than short-circuit logic: the
 * outcome is unpredictable, and four compares cost less than one mispredicted branch. */
static bool admits(const post *p, double a, double b) {
  unsigned in = p->incl;
  unsigned lo_a = (unsigned)(a > p->alo) | ((unsigned)(a == p->alo) & (in / INCL_ALO & 1));
  unsigned hi_a = (unsigned)(a < p->ahi) | ((unsigned)(a == p->ahi) & (in / INCL_AHI & 1));
  unsigned lo_b = (unsigned)(b > p->blo) | ((unsigned)(b == p->blo) & (in / INCL_BLO & 1));
  unsigned hi_b = (unsigned)(b < p->bhi) | ((unsigned)(b == p->bhi) & (in / INCL_BHI & 1));
  return lo_a & hi_a & lo_b & hi_b;
}

/* The bucket key an event has for signature g, or false when it lacks one of its attributes. */
static bool event_key(const gb_index *ix, const sig *g, const gb_view *v, uint64_t *key) {
  uint64_t k = g->seed;
  for (uint32_t i = 0; i < g->n; i++) {
    const gb_aval *a = gb_view_get(v, g->attr[i]);
    if (!a || !(g->num[i] ? a->has_num : a->has_str))
      return false;
    k = key_add(k, g->num[i] ? gb_value_hash_num(a->num) : a->str_hash);
  }
  *key = k & ix->key_mask;
  return true;
}

/* The event's numeric value of attr and its fine cell (cached in the view); false if absent. */
static bool event_cell(const gb_index *ix, gb_view *v, uint32_t attr, double *x, int32_t *cell) {
  if (attr >= v->cap || v->stamp[attr] != v->gen || !v->vals[attr].has_num)
    return false;
  gb_aval *a = &v->vals[attr];
  if (a->cell < 0)
    a->cell = cell_of(&ix->bounds[attr], a->num);
  *x = a->num;
  *cell = a->cell;
  return true;
}

/* Whether the event's values equal the bucket's tuple (the key hash matched). */
static bool event_tuple_is(const bucket *bk, const sig *g, const gb_view *v) {
  for (uint32_t i = 0; i < g->n; i++) {
    const gb_aval *a = gb_view_get(v, g->attr[i]);
    const tval *t = &bk->tuple[i];
    if (g->num[i] ? a->num != t->num : a->len != t->len || !gb_bytes_equal(a->str, t->str, t->len))
      return false;
  }
  return true;
}

/* One posting list to scan with the event's access values. */
typedef struct probe {
  const plist *l;
  double a, b;
  bool equal; /* the bucket's tuple equals the event's: exact postings are matches */
} probe;

/* Stage state of one match. */
typedef struct stage {
  const gb_index *ix;
  gb_view *v;
  gb_u32vec *hits;
  uint64_t *candidates;
  probe probes[STAGE_MAX];
  size_t n_probes;
  const post *pending[STAGE_MAX]; /* candidates to verify against their definition */
  size_t n_pending;
} stage;

static int flush_pending(stage *st) {
  for (size_t i = 0; i < st->n_pending; i++) {
    const post *p = st->pending[i];
    if (gb_def_matches(p->def, st->v) && gb_u32vec_push(st->hits, p->ord) != 0)
      return -1;
  }
  st->n_pending = 0;
  return 0;
}

/* Scans the collected posting lists: exact postings are matches, the others wait (their
 * definition prefetched) for verification. */
static int flush_probes(stage *st) {
  for (size_t k = 0; k < st->n_probes; k++) {
    const probe *pr = &st->probes[k];
    for (uint32_t i = 0; i < pr->l->n; i++) {
      const post *p = &pr->l->v[i];
      if (!admits(p, pr->a, pr->b))
        continue;
      ++*st->candidates;
      if ((p->incl & EXACT) && pr->equal) {
        if (gb_u32vec_push(st->hits, p->ord) != 0)
          return -1;
        continue;
      }
      if (st->n_pending == STAGE_MAX && flush_pending(st) != 0)
        return -1;
      __builtin_prefetch(p->def);
      st->pending[st->n_pending++] = p;
    }
  }
  st->n_probes = 0;
  return flush_pending(st);
}

static int add_probe(stage *st, const plist *l, double a, double b, bool equal) {
  if (!l || l->n == 0)
    return 0;
  if (st->n_probes == STAGE_MAX && flush_probes(st) != 0)
    return -1;
  __builtin_prefetch(l->v);
  st->probes[st->n_probes++] = (probe){.l = l, .a = a, .b = b, .equal = equal};
  return 0;
}

/* A cell to look up: its identity and the event's access values. */
typedef struct cell_probe {
  uint64_t h;
  double a, b;
  bool equal;
} cell_probe;

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
    if (add_probe(st, &bk->rest, 0, 0, equal) != 0)
      return -1;
    for (uint32_t gi = 0; gi < bk->n_groups; gi++) {
      const group *g = &bk->groups[gi];
      double a, b = 0;
      int32_t ca, cb = 0;
      if (!event_cell(ix, st->v, g->a, &a, &ca) ||
          (g->b != NONE && !event_cell(ix, st->v, g->b, &b, &cb)))
        continue;
      if (n_cp == STAGE_MAX) { /* rare: look the collected cells up now */
        for (size_t i = 0; i < n_cp; i++)
          if (add_probe(st, cell_lookup(ix, cp[i].h), cp[i].a, cp[i].b, cp[i].equal) != 0)
            return -1;
        n_cp = 0;
      }
      uint64_t h = cell_hash(g->uid, cell_key(ca >> g->sa, g->b != NONE ? cb >> g->sb : 0));
      __builtin_prefetch(&ix->cells[mix(h) & (ix->n_cell_slots - 1)]);
      cp[n_cp++] = (cell_probe){.h = h, .a = a, .b = b, .equal = equal};
    }
  }
  for (size_t i = 0; i < n_cp; i++)
    if (add_probe(st, cell_lookup(ix, cp[i].h), cp[i].a, cp[i].b, cp[i].equal) != 0)
      return -1;
  return 0;
}

int gb_index_match(const gb_index *ix, const gb_catalog *c, gb_view *v, gb_u32vec *hits,
                   uint64_t *candidates) {
  (void)c; /* postings carry their definitions */
  if (ix->n_slots == 0)
    return 0;
  stage st = {.ix = ix, .v = v, .hits = hits, .candidates = candidates};
  for (uint32_t s0 = 0; s0 < ix->n_sigs; s0 += STAGE_MAX) {
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
    if (match_buckets(&st, bks, sigs, nb) != 0)
      return -1;
  }
  return flush_probes(&st);
}
