/* gb_matcher_index_match: matching an event (gb_index_match): its bucket keys, the cells of its
 * values, the posting scan, and the candidates their records or definitions decide. */
#include "gb_matcher_index_int.h"

#include <string.h>

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
static void flush_pending(stage *st) {
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
    if (ok)
      gb_u32vec_push(st->hits, ord);
  }
  st->n_pending = 0;
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
static void decide(stage *st, const probe *pr, uint32_t k, const post *p) {
  uint32_t fc = 0;
  if ((p->ahi & CONT) && !cont_admits(st, p + 1, &fc))
    return;
  if (pr->equal && !(p->alo & CHECK) && (!(p->ahi & CONT) || !ambiguous(fc, p[1].blo, p[1].bhi)) &&
      (!((p->alo | p->ahi | p->blo | p->bhi) & AMBIG) ||
       (!ambiguous(pr->fa, p->alo, p->ahi) && !ambiguous(pr->fb, p->blo, p->bhi)))) {
    gb_u32vec_push(st->hits, p->ord);
    return;
  }
  if (st->n_pending == STAGE_MAX)
    flush_pending(st);
  __builtin_prefetch(&st->ix->recs[p->ord]);
  st->pending[st->n_pending++] = (pend){.ord = p->ord, .probe = k};
}

/* Scans the collected posting lists: postings the event's cells decide are matches (or not);
 * the others wait, their record prefetched, for flush_pending. */
static void flush_probes(stage *st) {
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
        decide(st, pr, (uint32_t)k, &v[base + adm[j]]);
    }
  }
  flush_pending(st);
  st->n_probes = 0;
}

static void add_probe(stage *st, const post *v, uint32_t n, double xa, double xb, uint32_t fa,
                      uint32_t fb, bool equal) {
  if (n == 0)
    return;
  if (st->n_probes == STAGE_MAX)
    flush_probes(st);
  for (uint32_t i = 0; i < POST_PREFETCH && i * CACHE_LINE < n * sizeof(post); i++)
    __builtin_prefetch((const char *)v + i * CACHE_LINE);
  st->probes[st->n_probes++] =
      (probe){.v = v, .n = n, .xa = xa, .xb = xb, .fa = fa, .fb = fb, .equal = equal};
}

/* A cell to look up: its identity and the event's access values. */
typedef struct cell_probe {
  const group *g;
  uint32_t key, ci; /* cell key, and cell index for a compacted group */
  double xa, xb;
  uint32_t fa, fb;
  bool equal;
} cell_probe;

static void lookup_cells(stage *st, const cell_probe *cp, size_t n) {
  for (size_t i = 0; i < n; i++) {
    const group *g = cp[i].g;
    if (g->off) {
      uint32_t at = cell_begin(g, cp[i].ci), end = cell_end(g, cp[i].ci);
      add_probe(st, g->pool + at, end - at, cp[i].xa, cp[i].xb, cp[i].fa, cp[i].fb, cp[i].equal);
    }
    const cell *c = g->n_cells ? cell_find(g, cp[i].key) : NULL;
    if (c)
      add_probe(st, c->v, c->n, cp[i].xa, cp[i].xb, cp[i].fa, cp[i].fb, cp[i].equal);
  }
}

/* Turns buckets into cell probes (prefetching the cell slots), then cells into posting lists. */
static void match_buckets(stage *st, const bucket *const *bks, const uint32_t *sigs, size_t n) {
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
    add_probe(st, bk->rest.v, bk->rest.n, 0, 0, 0, 0, equal);
    for (uint32_t gi = 0; gi < bk->n_groups; gi++) {
      const group *g = &bk->groups[gi];
      const gb_aval *ea = event_num(ix, st->v, g->a);
      if (!ea)
        continue;
      const gb_aval *eb = g->b != NONE ? event_num(ix, st->v, g->b) : NULL;
      if (g->b != NONE && !eb)
        continue;
      double xa = ea->num, xb = eb ? eb->num : 0;
      uint32_t fa = (uint32_t)ea->cell, fb = eb ? (uint32_t)eb->cell : 0;
      uint32_t ua = ea->unit, ub = eb ? eb->unit : 0;
      if (n_cp == STAGE_MAX) { /* rare: look the collected cells up now */
        lookup_cells(st, cp, n_cp);
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
  lookup_cells(st, cp, n_cp);
}

void gb_index_match(const gb_index *ix, const gb_catalog *c, gb_view *v, gb_u32vec *hits,
                    uint64_t *candidates) {
  (void)c; /* records carry their definitions */
  if (ix->n_slots == 0)
    return;
  stage st;
  st.ix = ix;
  st.v = v;
  st.hits = hits;
  st.candidates = 0;
  st.n_probes = st.n_pending = 0;
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
    match_buckets(&st, bks, sigs, nb);
  }
  flush_probes(&st);
  *candidates += st.candidates;
}
