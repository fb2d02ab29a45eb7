/* gb_matcher_index_build: the cells of each attribute (boundaries, units, default resolution),
 * building an index (gb_index_new), freeing it, its stats and hot updates (gb_index_update). */
#include "gb_matcher_index_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

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
    gb_index_range_fine(bd, p, &lo, &hi, &lo_ambig, &hi_ambig);
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
      if (k.pass == 0 && k.count[a]) {
        ix->bounds[a].b = malloc(k.count[a] * sizeof(double));
        if (!ix->bounds[a].b)
          rc = -1;
      }
      if (k.pass == 1 && settle_bounds(&ix->bounds[a]) != 0)
        rc = -1;
      if (k.pass == 2 && k.count[a]) {
        k.widths[a] = malloc(k.count[a] * sizeof(int32_t));
        if (!k.widths[a])
          rc = -1;
      }
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

int gb_index_new(const gb_catalog *c, gb_index **out, gb_err *err) {
  return gb_index_new_masked(c, UINT64_MAX, out, err);
}

int gb_index_new_masked(const gb_catalog *c, uint64_t key_mask, gb_index **out, gb_err *err) {
  gb_index *ix = calloc(1, sizeof *ix);
  if (!ix)
    goto fail;
  ix->key_mask = key_mask;
  size_t n = gb_catalog_size(c);
  if (build_bounds(ix, c) != 0 || gb_index_regs_reserve(ix, n) != 0)
    goto fail;
  ix->building = true; /* gb_index_compact each group once, at the end */
  for (size_t o = 0; o < n; o++) {
    const gb_def *d = gb_catalog_def(c, o);
    if (d->pub.active && gb_index_file_def(ix, d, (uint32_t)o) != 0)
      goto fail;
  }
  ix->building = false;
  for (uint32_t b = 0; b < ix->n_buckets; b++)
    for (uint32_t i = 0; i < ix->buckets[b].n_groups; i++)
      if (gb_index_compact(&ix->buckets[b].groups[i]) < 0)
        goto fail;
  *out = ix;
  return 0;
fail:
  gb_index_free(ix);
  return gb_err_set(err, GB_ERR_RUNTIME, "out of memory building the index of %zu definitions",
                    gb_catalog_size(c));
}

void gb_index_free(gb_index *ix) {
  if (!ix)
    return;
  for (uint32_t b = 0; b < ix->n_buckets; b++) {
    bucket *bk = &ix->buckets[b];
    free(bk->rest.v);
    for (uint32_t i = 0; i < bk->n_groups; i++) {
      group *g = &bk->groups[i];
      gb_index_delta_free(g);
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
  if (gb_index_regs_reserve(ix, gb_catalog_size(c)) != 0)
    return -1;
  gb_index_unfile(ix, ordinal);
  const gb_def *d = gb_catalog_def(c, ordinal);
  return d->pub.active ? gb_index_file_def(ix, d, ordinal) : 0;
}
