/* gb_matcher_index_store: where the index keeps its postings: posting lists, the cells of a
 * group (a delta table, and a pool once compacted), groups and buckets (gb_matcher_index_int.h
 * describes the layout). */
#include "gb_matcher_index_int.h"

#include <stdlib.h>
#include <string.h>

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

int gb_index_grow(void *items, uint32_t *cap, size_t need, size_t elem_size, size_t first_cap,
                  const char *what) {
  if (need > (size_t)1 << 31) /* the doubled capacity must fit 32 bits */
    return -1;
  size_t c = *cap;
  if (gb_grow(items, &c, need, elem_size, first_cap, what, NULL) != 0)
    return -1;
  *cap = c > UINT32_MAX ? UINT32_MAX : (uint32_t)c; /* a lower bound is safe */
  return 0;
}

/* ---- postings ---- */

int gb_index_plist_add(plist *l, post p) {
  if (GB_INDEX_GROW(l->v, l->cap, (size_t)l->n + 1, 4, "postings") != 0)
    return -1;
  l->v[l->n++] = p;
  return 0;
}

void gb_index_plist_remove(plist *l, uint32_t ord) { l->n = posts_remove(l->v, l->n, ord); }

/* ---- cells ---- */

static cell *cell_place(cell *cells, uint8_t bits, uint32_t key) {
  uint32_t mask = (1u << bits) - 1, i = cell_home(key, bits);
  while (cells[i].key != 0)
    i = (i + 1) & mask;
  cells[i].key = key + 1;
  return &cells[i];
}

/* The cell of key in g, created empty when absent; NULL when out of memory. */
cell *gb_index_cell_get(group *g, uint32_t key) {
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

int gb_index_cell_add(cell *c, post p) {
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

void gb_index_cell_remove(cell *c, uint32_t ord) { c->n = posts_remove(c->v, c->n, ord); }

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

void gb_index_delta_free(group *g) {
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
int gb_index_compact(group *g) {
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
  gb_index_delta_free(g);
  g->pool = pool;
  g->n_pool = (uint32_t)live;
  g->n_slots = (uint32_t)slots;
  g->n_dead = 0;
  return 1;
}

/* Marks ord's posting (and continuation) in g's pooled cell ci dead; returns the slots marked. */
uint32_t gb_index_pool_kill(group *g, size_t ci, uint32_t ord) {
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

group *gb_index_bucket_group(bucket *bk, const reg *r, bool create) {
  for (uint32_t i = 0; i < bk->n_groups; i++) {
    group *g = &bk->groups[i];
    if (g->a == r->a && g->b == r->b && g->sa == r->sa && g->sb == r->sb)
      return g;
  }
  if (!create ||
      GB_INDEX_GROW(bk->groups, bk->cap_groups, (size_t)bk->n_groups + 1, 2, "groups") != 0)
    return NULL;
  bk->groups[bk->n_groups] = (group){.a = r->a,
                                     .b = r->b,
                                     .sa = r->sa,
                                     .sb = r->sb,
                                     .nb = r->b == NONE ? 1 : grid_cols(r->sb),
                                     .compact_at = GRID_MIN};
  return &bk->groups[bk->n_groups++];
}

/* ---- buckets ---- */

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
    if (g->num[i])
      continue;
    v->str = malloc(t[i]->len + 1);
    if (!v->str)
      return -1;
    memcpy(v->str, d->strs + t[i]->off, t[i]->len + 1);
  }
  return 0;
}

/* The bucket of key for tuple t of d, created when absent; NONE when out of memory. */
uint32_t gb_index_bucket_get(gb_index *ix, uint64_t key, uint32_t s, const gb_def *d,
                             const gb_cval *const *t) {
  uint32_t b = bucket_find(ix, key);
  if (b != NONE) {
    bucket *bk = &ix->buckets[b];
    if (bk->sig != s || !tuple_is(bk, &ix->sigs[s], d, t))
      bk->mixed = true; /* a 64-bit collision: astronomically rare, handled all the same */
    return b;
  }
  if (ix->n_buckets >= NONE - 1 ||
      GB_INDEX_GROW(ix->buckets, ix->cap_buckets, (size_t)ix->n_buckets + 1, 64, "buckets") != 0)
    return NONE;
  if ((size_t)(ix->n_buckets + 1) * 2 > ix->n_slots) { /* load factor <= 1/2: a rehash */
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
