/* gb_matcher: the one interface over scan and index, event resolution, and hot-update catch-up. */
#include "gb_matcher.h"

#include <stdlib.h>
#include <string.h>

#include "gb_clock.h"
#include "gb_matcher_defs.h"

struct gb_matcher {
  const gb_catalog *c;
  gb_match_algo algo;
  gb_view view;
  gb_u32vec hits;
  gb_index *index; /* INDEX only; NULL after an out-of-memory until the next successful rebuild */
  uint64_t gen;    /* catalogue generation this matcher's structures reflect */
  gb_matcher_stats stats;
};

/* ---- small shared pieces ---- */

void gb_view_init(gb_view *v) { memset(v, 0, sizeof *v); }

void gb_view_free(gb_view *v) {
  free(v->vals);
  free(v->key_id);
  free(v->key_hash);
  gb_view_init(v);
}

void gb_view_resolve(gb_view *v, const gb_catalog *c, const gb_attrs *a) {
  uint32_t n_attrs = gb_catalog_n_attrs(c);
  if (v->c != c) /* another catalogue: other attribute ids */
    v->n_keyed = 0;
  v->c = c;
  /* room for every attribute of the dictionary (it grows with hot updates; new cells zeroed) */
  GB_GROW_OR_DIE(v->vals, v->cap, n_attrs, 64, "attribute values");
  GB_GROW_OR_DIE(v->key_id, v->cap_key_id, n_attrs, 64, "attribute key ids");
  GB_GROW_OR_DIE(v->key_hash, v->cap_key_hash, n_attrs, 64, "attribute key hashes");
  for (; v->n_keyed < n_attrs; v->n_keyed++) { /* attributes new to this view */
    const char *name = gb_catalog_attr_name(c, v->n_keyed);
    size_t len = strlen(name);
    v->key_id[v->n_keyed] = gb_attrs_schema_id(name, len);
    v->key_hash[v->n_keyed] = gb_attrs_key_hash(name, len);
  }
  if (++v->gen == 0) { /* the stamp wrapped: forget every old stamp once per 2^32 events */
    for (size_t i = 0; i < v->cap; i++)
      v->vals[i].stamp = 0;
    v->gen = 1;
  }
  v->a = a;
}

const gb_aval *gb_view_fetch(gb_view *v, uint32_t attr) {
  if (attr >= v->n_keyed)
    return NULL; /* no definition mentioned it when the event was resolved */
  const gb_attr_val *av;
  if (v->key_id[attr] != GB_ATTRS_KEY_OTHER) {
    av = gb_attrs_value_id(v->a, v->key_id[attr]);
  } else {
    const char *name = gb_catalog_attr_name(v->c, attr);
    av = gb_attrs_value_hashed(v->a, name, strlen(name), v->key_hash[attr]);
  }
  gb_aval *out = &v->vals[attr];
  out->stamp = v->gen;
  out->present = av != NULL;
  if (!av)
    return NULL;
  out->has_str = av->has_str;
  out->has_num = av->has_num;
  out->hashed = false;
  out->str = av->str;
  out->len = av->str_len;
  out->num = av->num;
  out->cell = -1;
  return out;
}

/* ---- matcher ---- */

int gb_matcher_algo_parse(const char *name, gb_match_algo *out, gb_err *err) {
  if (strcmp(name, "scan") == 0)
    *out = GB_MATCH_SCAN;
  else if (strcmp(name, "index") == 0)
    *out = GB_MATCH_INDEX;
  else
    return gb_err_set(err, GB_ERR_INPUT, "unknown matcher algorithm '%s' (expected scan or index)",
                      name);
  return 0;
}

const char *gb_matcher_algo_name(gb_match_algo algo) {
  return algo == GB_MATCH_INDEX ? "index" : "scan";
}

int gb_matcher_new(const gb_catalog *c, gb_match_algo algo, gb_matcher **out, gb_err *err) {
  gb_matcher *m = calloc(1, sizeof *m);
  if (!m)
    return gb_err_set(err, GB_ERR_RUNTIME, "matcher: out of memory");
  m->c = c;
  m->algo = algo;
  m->gen = gb_catalog_generation(c);
  gb_view_init(&m->view);
  if (algo == GB_MATCH_INDEX && gb_index_new(c, &m->index, err) != 0) {
    free(m);
    return gb_err_prefix(err, "matcher: ");
  }
  *out = m;
  return 0;
}

void gb_matcher_free(gb_matcher *m) {
  if (!m)
    return;
  gb_index_free(m->index);
  gb_view_free(&m->view);
  free(m->hits.v);
  free(m);
}

void gb_matcher_get_stats(const gb_matcher *m, gb_matcher_stats *out) { *out = m->stats; }

const gb_index *gb_matcher_index(const gb_matcher *m) { return m->index; }

/* Brings the index up to the catalogue's generation: re-files each changed ordinal, or rebuilds
 * when the backlog is larger than half the catalogue (then a rebuild is the cheaper path). */
static void catch_up(gb_matcher *m) {
  uint64_t target = gb_catalog_generation(m->c);
  if (m->gen == target && (m->index || m->algo != GB_MATCH_INDEX))
    return;
  int64_t t0 = gb_clock_now_ns();
  uint64_t backlog = target - m->gen;
  if (m->algo == GB_MATCH_INDEX) {
    bool rebuild = !m->index || backlog > gb_catalog_size(m->c) / 2;
    for (uint64_t g = m->gen; !rebuild && g < target; g++)
      rebuild = gb_index_update(m->index, m->c, gb_catalog_change(m->c, g)) != 0;
    if (rebuild) {
      gb_index_free(m->index);
      m->index = NULL;
      /* Out of memory: m->index stays NULL, and the matcher scans (same matches, slower) until a
       * later rebuild succeeds; the hot path has no one to return the error to. */
      gb_index_new(m->c, &m->index, NULL);
      m->stats.rebuilds++;
    }
  }
  m->stats.updates += backlog;
  m->gen = target;
  m->stats.update_ns += gb_clock_now_ns() - t0;
}

static int cmp_u32(const void *a, const void *b) {
  uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
  return (x > y) - (x < y);
}

/* Sorts hits ascending and drops duplicates (index hits arrive in filing order). */
static void sort_unique(gb_u32vec *h) {
  if (h->n < 2)
    return;
  if (h->n <= 64) { /* insertion sort: the usual handful of matches, no allocation */
    for (size_t i = 1; i < h->n; i++)
      for (size_t j = i; j > 0 && h->v[j - 1] > h->v[j]; j--) {
        uint32_t t = h->v[j];
        h->v[j] = h->v[j - 1];
        h->v[j - 1] = t;
      }
  } else {
    qsort(h->v, h->n, sizeof *h->v, cmp_u32);
  }
  size_t k = 1;
  for (size_t i = 1; i < h->n; i++)
    if (h->v[i] != h->v[k - 1])
      h->v[k++] = h->v[i];
  h->n = k;
}

/* The baseline: every definition, in ordinal order (so hits come out sorted). */
static void scan(gb_matcher *m) {
  size_t n = gb_catalog_size(m->c);
  for (size_t i = 0; i < n; i++) {
    const gb_def *d = gb_catalog_def(m->c, i);
    if (!d->pub.active)
      continue;
    m->stats.candidates++;
    if (gb_preds_match(d, 0, d->n_preds, &m->view))
      gb_u32vec_push(&m->hits, (uint32_t)i);
  }
}

size_t gb_matcher_match(gb_matcher *m, const gb_attrs *a, uint32_t *out, size_t cap) {
  catch_up(m);
  m->stats.events++;
  m->hits.n = 0;
  gb_view_resolve(&m->view, m->c, a);
  if (m->algo == GB_MATCH_INDEX && m->index) {
    gb_index_match(m->index, m->c, &m->view, &m->hits, &m->stats.candidates);
    sort_unique(&m->hits);
  } else {
    scan(m);
  }
  size_t n = m->hits.n;
  if (n && cap)
    memcpy(out, m->hits.v, (n < cap ? n : cap) * sizeof *out);
  m->stats.matches += n;
  return n;
}
