/* gb_matcher_index_file: filing one definition: its key (signature and value tuples), its two
 * access ranges and their cells, its posting, continuation and record; and removing it again
 * for a hot update. */
#include "gb_matcher_index_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

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
  if (GB_INDEX_GROW(ix->sigs, ix->cap_sigs, (size_t)ix->n_sigs + 1, 8, "signatures") != 0)
    return NONE;
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
void gb_index_range_fine(const bounds *bd, const gb_pred *p, uint32_t *lo, uint32_t *hi,
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
  gb_index_range_fine(bd, p, &flo, &fhi, &lo_ambig, &hi_ambig);
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
    return gb_index_plist_add(&bk->rest, p) != 0 ||
                   (two && gb_index_plist_add(&bk->rest, cont) != 0)
               ? -1
               : 0;
  group *g = gb_index_bucket_group(bk, r, true);
  if (!g)
    return -1;
  for (int32_t ca = r->a_lo; ca <= r->a_hi; ca++)
    for (int32_t cb = r->b_lo; cb <= r->b_hi; cb++) {
      cell *c = gb_index_cell_get(g, cell_key(ca, cb));
      if (!c || gb_index_cell_add(c, p) != 0 || (two && gb_index_cell_add(c, cont) != 0))
        return -1;
      g->n_delta += two ? 2 : 1;
      uint32_t bit = occ_bit(cell_key(ca, cb));
      g->occ[bit / 64] |= 1ULL << (bit % 64);
    }
  bool due = g->off ? g->n_delta > g->n_pool / 4 + SLACK_MIN : g->n_delta >= g->compact_at;
  if (!ix->building && due &&
      gb_index_compact(g) > 0) /* out of memory: stays as it is, still exact */
    ix->compactions++;
  return 0;
}

void gb_index_unfile(gb_index *ix, uint32_t ord) {
  reg *r = &ix->regs[ord];
  for (uint32_t i = 0; i < r->n_buckets; i++) {
    bucket *bk = &ix->buckets[r->buckets[i]];
    if (r->a == NONE) {
      gb_index_plist_remove(&bk->rest, ord);
      continue;
    }
    group *g = gb_index_bucket_group(bk, r, false);
    for (int32_t ca = r->a_lo; g && ca <= r->a_hi; ca++)
      for (int32_t cb = r->b_lo; cb <= r->b_hi; cb++) {
        uint32_t key = cell_key(ca, cb);
        cell *c = (cell *)cell_find(g, key);
        if (c) {
          uint32_t n = c->n;
          gb_index_cell_remove(c, ord);
          g->n_delta -= n - c->n;
        }
        if (g->off)
          g->n_dead += gb_index_pool_kill(g, cell_index(g, key), ord);
      }
    if (g && g->off && g->n_dead > g->n_pool / 4 + SLACK_MIN)
      ix->compactions += gb_index_compact(g) > 0; /* out of memory: stays as it is, still exact */
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

int gb_index_file_def(gb_index *ix, const gb_def *d, uint32_t ord) {
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
    gb_index_range_fine(cb, c, &lo, &hi, &lo_ambig, &hi_ambig);
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
    uint32_t bk = gb_index_bucket_get(ix, keys[i], s, d, &tuples[i * KEY_ATTRS_MAX]);
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
int gb_index_regs_reserve(gb_index *ix, size_t n) {
  if (n <= ix->n_regs)
    return 0;
  size_t cap = ix->n_regs; /* the new registrations are zeroed: not filed */
  if (GB_GROW(ix->regs, cap, n, 64, "registrations", NULL) != 0)
    return -1;
  /* Records keep their alignment: a fresh aligned block of the same capacity, not realloc. */
  rec *recs = aligned_alloc(CACHE_LINE, cap * sizeof *recs);
  if (!recs) /* the registrations did grow: n_regs stays a lower bound of their capacity */
    return -1;
  if (ix->n_regs)
    memcpy(recs, ix->recs, ix->n_regs * sizeof *recs);
  free(ix->recs);
  ix->recs = recs;
  ix->n_regs = cap;
  return 0;
}
