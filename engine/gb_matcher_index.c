/* The index behind GB_MATCH_INDEX.
 *
 * Counting-style pub/sub indexes count satisfied predicates per definition, which costs one
 * counter update per definition sharing a hot value (action=game_end is shared by most). Here a
 * definition is filed once under the conjunction of its equality and membership criteria:
 *
 *  1. key: its equality attributes form a signature (a sorted set of attribute ids, up to
 *     KEY_ATTRS_MAX); the tuple of values is hashed into one 64-bit bucket key (membership
 *     criteria file the definition under each value, up to IN_PRODUCT_MAX tuples). An event
 *     probes one bucket per signature present in the catalogue (a handful in practice).
 *  2. cell: inside a bucket, the definition is filed under the interval cells its most selective
 *     range covers. Cells are per attribute, with boundaries at quantiles of all range endpoints
 *     seen when the index was built; a definition covering more than CELLS_MAX_PER_DEF cells, or
 *     with no range, goes to the bucket's `rest` list.
 *  3. verify: each candidate is checked against its access interval from the posting itself
 *     (no pointer chase), then against all its predicates.
 *
 * The cost per event is (#signatures probes) + (candidates sharing the key and range cell),
 * independent of the catalogue's size at a constant match count. Hot updates re-file one
 * definition: O(its buckets x covered cells x posting length). A 64-bit key collision only
 * adds candidates (verification rejects them), never loses a match. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gb_matcher_defs.h"

enum {
  KEY_ATTRS_MAX = 4,      /* equality attributes in a key: more only splits buckets further */
  IN_PRODUCT_MAX = 64,    /* tuples one definition may be filed under (membership expansion) */
  CELLS_MAX_PER_DEF = 16, /* wider ranges are verified from the rest list instead */
  BOUNDS_MAX = 255        /* cell boundaries per attribute: 256 cells */
};
static const uint32_t NONE = UINT32_MAX;

typedef struct sig {
  uint32_t n;
  uint32_t attr[KEY_ATTRS_MAX];
  bool num[KEY_ATTRS_MAX];
  uint64_t seed;
} sig;

/* One filed definition: its access interval (whole line for the rest list) and ordinal. */
typedef struct post {
  double lo, hi;
  uint32_t ord;
  bool lo_incl, hi_incl;
} post;

typedef struct plist {
  post *v;
  uint32_t n, cap;
} plist;

typedef struct cell_list {
  int32_t cell;
  plist list;
} cell_list;

typedef struct grid {
  uint32_t attr;
  uint32_t n, cap;
  cell_list *cells; /* sorted by cell */
} grid;

typedef struct bucket {
  uint64_t key;
  plist rest;
  grid *grids;
  uint32_t n_grids, cap_grids;
} bucket;

/* Where one ordinal is filed, so that it can be removed without its old definition. */
typedef struct reg {
  uint32_t n_buckets; /* 0 = not filed */
  uint32_t grid_attr; /* NONE = rest list */
  int32_t c_lo, c_hi;
  uint32_t *buckets;
} reg;

typedef struct bounds {
  double *b; /* sorted, distinct */
  uint32_t n;
} bounds;

struct gb_index {
  sig *sigs;
  uint32_t n_sigs, cap_sigs;
  bucket *buckets;
  uint32_t n_buckets, cap_buckets;
  uint64_t *slot_keys; /* open addressing over bucket keys */
  uint32_t *slot_vals; /* bucket index + 1, 0 = empty */
  size_t n_slots;
  bounds *bounds; /* by attribute id; attributes >= n_bounds have none */
  uint32_t n_bounds;
  reg *regs; /* by ordinal */
  size_t n_regs;
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

/* Cell of v on attr: the number of boundaries <= v (0 .. n). */
static int32_t cell_of(const bounds *bd, double v) {
  uint32_t lo = 0, hi = bd->n;
  while (lo < hi) {
    uint32_t mid = lo + (hi - lo) / 2;
    if (bd->b[mid] <= v)
      lo = mid + 1;
    else
      hi = mid;
  }
  return (int32_t)lo;
}

static const bounds *bounds_of(const gb_index *ix, uint32_t attr) {
  return attr < ix->n_bounds && ix->bounds[attr].n > 0 ? &ix->bounds[attr] : NULL;
}

static cell_list *grid_find(const grid *g, int32_t cell) {
  uint32_t lo = 0, hi = g->n;
  while (lo < hi) {
    uint32_t mid = lo + (hi - lo) / 2;
    if (g->cells[mid].cell < cell)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo < g->n && g->cells[lo].cell == cell ? &g->cells[lo] : NULL;
}

static cell_list *grid_get(grid *g, int32_t cell) {
  uint32_t lo = 0, hi = g->n;
  while (lo < hi) {
    uint32_t mid = lo + (hi - lo) / 2;
    if (g->cells[mid].cell < cell)
      lo = mid + 1;
    else
      hi = mid;
  }
  if (lo < g->n && g->cells[lo].cell == cell)
    return &g->cells[lo];
  if (g->n == g->cap) {
    uint32_t cap = g->cap ? g->cap * 2 : 4;
    cell_list *c = realloc(g->cells, cap * sizeof *c);
    if (!c)
      return NULL;
    g->cells = c;
    g->cap = cap;
  }
  memmove(&g->cells[lo + 1], &g->cells[lo], (g->n - lo) * sizeof *g->cells);
  g->cells[lo] = (cell_list){.cell = cell};
  g->n++;
  return &g->cells[lo];
}

static grid *bucket_grid(bucket *b, uint32_t attr, bool create) {
  for (uint32_t i = 0; i < b->n_grids; i++)
    if (b->grids[i].attr == attr)
      return &b->grids[i];
  if (!create)
    return NULL;
  if (b->n_grids == b->cap_grids) {
    uint32_t cap = b->cap_grids ? b->cap_grids * 2 : 2;
    grid *g = realloc(b->grids, cap * sizeof *g);
    if (!g)
      return NULL;
    b->grids = g;
    b->cap_grids = cap;
  }
  b->grids[b->n_grids] = (grid){.attr = attr};
  return &b->grids[b->n_grids++];
}

/* ---- buckets ---- */

static uint32_t bucket_find(const gb_index *ix, uint64_t key) {
  if (ix->n_slots == 0)
    return NONE;
  size_t mask = ix->n_slots - 1;
  for (size_t i = key & mask;; i = (i + 1) & mask) {
    if (ix->slot_vals[i] == 0)
      return NONE;
    if (ix->slot_keys[i] == key)
      return ix->slot_vals[i] - 1;
  }
}

static void slot_place(gb_index *ix, uint64_t key, uint32_t b) {
  size_t mask = ix->n_slots - 1;
  size_t i = key & mask;
  while (ix->slot_vals[i] != 0)
    i = (i + 1) & mask;
  ix->slot_keys[i] = key;
  ix->slot_vals[i] = b + 1;
}

static uint32_t bucket_get(gb_index *ix, uint64_t key) {
  uint32_t b = bucket_find(ix, key);
  if (b != NONE)
    return b;
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
    uint64_t *keys = malloc(n_slots * sizeof *keys);
    uint32_t *vals = calloc(n_slots, sizeof *vals);
    if (!keys || !vals) {
      free(keys);
      free(vals);
      return NONE;
    }
    free(ix->slot_keys);
    free(ix->slot_vals);
    ix->slot_keys = keys;
    ix->slot_vals = vals;
    ix->n_slots = n_slots;
    for (uint32_t i = 0; i < ix->n_buckets; i++)
      slot_place(ix, ix->buckets[i].key, i);
  }
  b = ix->n_buckets++;
  ix->buckets[b] = (bucket){.key = key};
  slot_place(ix, key, b);
  return b;
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

/* The range d is best accessed by: fewest cells covered. NULL when none covers at most
 * CELLS_MAX_PER_DEF cells (then d goes to the rest list). */
static const gb_pred *access_range(const gb_index *ix, const gb_def *d, int32_t *c_lo,
                                   int32_t *c_hi) {
  const gb_pred *best = NULL;
  int32_t best_span = CELLS_MAX_PER_DEF + 1;
  for (uint32_t i = 0; i < d->n_preds; i++) {
    const gb_pred *p = &d->preds[i];
    const bounds *bd = bounds_of(ix, p->attr);
    if (p->op != GB_OP_RANGE || !bd)
      continue;
    int32_t lo = cell_of(bd, p->lo), hi = cell_of(bd, p->hi);
    if (hi - lo + 1 < best_span) {
      best = p;
      best_span = hi - lo + 1;
      *c_lo = lo;
      *c_hi = hi;
    }
  }
  return best;
}

static int file_in_bucket(gb_index *ix, uint32_t b, const reg *r, post p) {
  bucket *bk = &ix->buckets[b];
  if (r->grid_attr == NONE)
    return plist_add(&bk->rest, p);
  grid *g = bucket_grid(bk, r->grid_attr, true);
  if (!g)
    return -1;
  for (int32_t c = r->c_lo; c <= r->c_hi; c++) {
    cell_list *cl = grid_get(g, c);
    if (!cl || plist_add(&cl->list, p) != 0)
      return -1;
  }
  return 0;
}

static void unfile(gb_index *ix, uint32_t ord) {
  reg *r = &ix->regs[ord];
  for (uint32_t i = 0; i < r->n_buckets; i++) {
    bucket *bk = &ix->buckets[r->buckets[i]];
    if (r->grid_attr == NONE) {
      plist_remove(&bk->rest, ord);
      continue;
    }
    grid *g = bucket_grid(bk, r->grid_attr, false);
    for (int32_t c = r->c_lo; g && c <= r->c_hi; c++) {
      cell_list *cl = grid_find(g, c);
      if (cl)
        plist_remove(&cl->list, ord);
    }
  }
  free(r->buckets);
  memset(r, 0, sizeof *r);
}

/* Enumerates the value tuples of the key predicates (membership: each value) into keys. */
static uint32_t tuple_keys(const gb_def *d, const sig *g, const gb_pred *const *kp,
                           uint64_t *keys) {
  uint32_t idx[KEY_ATTRS_MAX] = {0}, n = 0;
  for (;;) {
    uint64_t key = g->seed;
    for (uint32_t i = 0; i < g->n; i++)
      key = key_add(key, d->vals[kp[i]->val0 + idx[i]].hash);
    keys[n++] = key;
    uint32_t i = 0; /* odometer over the membership lists */
    while (i < g->n && ++idx[i] == kp[i]->n_vals)
      idx[i++] = 0;
    if (i == g->n)
      return n;
  }
}

static int file_def(gb_index *ix, const gb_def *d, uint32_t ord) {
  const gb_pred *kp[KEY_ATTRS_MAX];
  uint32_t nk = key_preds(d, kp);
  uint32_t s = sig_get(ix, kp, nk);
  if (s == NONE)
    return -1;
  uint64_t keys[IN_PRODUCT_MAX];
  uint32_t n_keys = tuple_keys(d, &ix->sigs[s], kp, keys);
  reg *r = &ix->regs[ord];
  r->grid_attr = NONE;
  post p = {.lo = -HUGE_VAL, .hi = HUGE_VAL, .ord = ord, .lo_incl = true, .hi_incl = true};
  const gb_pred *acc = access_range(ix, d, &r->c_lo, &r->c_hi);
  if (acc) {
    r->grid_attr = acc->attr;
    p = (post){
        .lo = acc->lo, .hi = acc->hi, .ord = ord, .lo_incl = acc->lo_incl, .hi_incl = acc->hi_incl};
  }
  r->buckets = malloc(n_keys * sizeof *r->buckets);
  if (!r->buckets)
    return -1;
  for (uint32_t i = 0; i < n_keys; i++) {
    uint32_t b = bucket_get(ix, keys[i]);
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

/* Cell boundaries per attribute: quantiles of the finite range endpoints of active definitions. */
static int build_bounds(gb_index *ix, const gb_catalog *c) {
  uint32_t n_attrs = gb_catalog_n_attrs(c);
  size_t n_defs = gb_catalog_size(c);
  ix->bounds = calloc(n_attrs ? n_attrs : 1, sizeof *ix->bounds);
  if (!ix->bounds)
    return -1;
  ix->n_bounds = n_attrs;
  size_t *count = calloc(n_attrs ? n_attrs : 1, sizeof *count);
  if (!count)
    return -1;
  for (int pass = 0; pass < 2; pass++) { /* pass 0 counts, pass 1 fills */
    for (size_t o = 0; o < n_defs; o++) {
      const gb_def *d = gb_catalog_def(c, o);
      for (uint32_t i = 0; d->pub.active && i < d->n_preds; i++) {
        const gb_pred *p = &d->preds[i];
        if (p->op != GB_OP_RANGE)
          continue;
        double ends[2] = {p->lo, p->hi};
        for (int e = 0; e < 2; e++) {
          if (!isfinite(ends[e]))
            continue;
          if (pass == 0)
            count[p->attr]++;
          else
            ix->bounds[p->attr].b[ix->bounds[p->attr].n++] = ends[e];
        }
      }
    }
    for (uint32_t a = 0; pass == 0 && a < n_attrs; a++)
      if (count[a] && !(ix->bounds[a].b = malloc(count[a] * sizeof(double)))) {
        free(count);
        return -1;
      }
  }
  free(count);
  for (uint32_t a = 0; a < n_attrs; a++) {
    bounds *bd = &ix->bounds[a];
    if (bd->n == 0)
      continue;
    qsort(bd->b, bd->n, sizeof *bd->b, cmp_double);
    uint32_t k = 1; /* distinct values */
    for (uint32_t i = 1; i < bd->n; i++)
      if (bd->b[i] != bd->b[k - 1])
        bd->b[k++] = bd->b[i];
    if (k > BOUNDS_MAX) { /* evenly spaced quantiles of the distinct endpoints */
      for (uint32_t q = 0; q < BOUNDS_MAX; q++)
        bd->b[q] = bd->b[(size_t)(q + 1) * k / (BOUNDS_MAX + 1)];
      k = BOUNDS_MAX;
    }
    bd->n = k;
  }
  return 0;
}

gb_index *gb_index_new(const gb_catalog *c) {
  gb_index *ix = calloc(1, sizeof *ix);
  if (!ix)
    return NULL;
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
    for (uint32_t g = 0; g < bk->n_grids; g++) {
      for (uint32_t i = 0; i < bk->grids[g].n; i++)
        free(bk->grids[g].cells[i].list.v);
      free(bk->grids[g].cells);
    }
    free(bk->grids);
  }
  for (size_t o = 0; o < ix->n_regs; o++)
    free(ix->regs[o].buckets);
  for (uint32_t a = 0; a < ix->n_bounds; a++)
    free(ix->bounds[a].b);
  free(ix->bounds);
  free(ix->regs);
  free(ix->buckets);
  free(ix->slot_keys);
  free(ix->slot_vals);
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

/* ---- matching ---- */

static bool post_admits(const post *p, double v) {
  return (p->lo_incl ? v >= p->lo : v > p->lo) && (p->hi_incl ? v <= p->hi : v < p->hi);
}

static int verify(const gb_catalog *c, const gb_view *v, const plist *l, bool ranged, double x,
                  gb_u32vec *hits, uint64_t *candidates) {
  for (uint32_t i = 0; i < l->n; i++) {
    const post *p = &l->v[i];
    if (ranged && !post_admits(p, x))
      continue;
    ++*candidates;
    if (gb_def_matches(gb_catalog_def(c, p->ord), v) && gb_u32vec_push(hits, p->ord) != 0)
      return -1;
  }
  return 0;
}

/* The bucket key an event has for signature g, or false when it lacks one of its attributes. */
static bool event_key(const sig *g, const gb_view *v, uint64_t *key) {
  uint64_t k = g->seed;
  for (uint32_t i = 0; i < g->n; i++) {
    const gb_aval *a = gb_view_get(v, g->attr[i]);
    if (!a || !(g->num[i] ? a->has_num : a->has_str))
      return false;
    k = key_add(k, g->num[i] ? gb_value_hash_num(a->num) : a->str_hash);
  }
  *key = k;
  return true;
}

int gb_index_match(const gb_index *ix, const gb_catalog *c, const gb_view *v, gb_u32vec *hits,
                   uint64_t *candidates) {
  for (uint32_t s = 0; s < ix->n_sigs; s++) {
    uint64_t key;
    if (!event_key(&ix->sigs[s], v, &key))
      continue;
    uint32_t b = bucket_find(ix, key);
    if (b == NONE)
      continue;
    const bucket *bk = &ix->buckets[b];
    if (verify(c, v, &bk->rest, false, 0, hits, candidates) != 0)
      return -1;
    for (uint32_t gi = 0; gi < bk->n_grids; gi++) {
      const grid *g = &bk->grids[gi];
      const gb_aval *a = gb_view_get(v, g->attr);
      if (!a || !a->has_num)
        continue;
      const cell_list *cl = grid_find(g, cell_of(&ix->bounds[g->attr], a->num));
      if (cl && verify(c, v, &cl->list, true, a->num, hits, candidates) != 0)
        return -1;
    }
  }
  return 0;
}
