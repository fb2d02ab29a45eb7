/* Property: on random definitions and events, scan and index return exactly the same matches —
 * from a loaded catalogue, and while hot updates add, change and remove definitions. Seeded
 * (common/gb_rng.h): a failure names the seed and event to replay. */
#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "gb_attrs.h"
#include "gb_catalog.h"
#include "gb_matcher.h"
#include "gb_matcher_defs.h"
#include "gb_rng.h"

enum { N_STR_ATTRS = 4, N_NUM_ATTRS = 4, STR_DOMAIN = 5, NUM_DOMAIN = 20, MATCH_CAP = 4096 };

/* A growable text buffer for generated YAML. */
typedef struct text {
  char *s;
  size_t n, cap;
} text;

static void put(text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(text *t, const char *fmt, ...) {
  for (;;) {
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(t->s + t->n, t->cap - t->n, fmt, ap);
    va_end(ap);
    if ((size_t)k < t->cap - t->n) {
      t->n += (size_t)k;
      return;
    }
    t->cap = t->cap ? t->cap * 2 : 4096;
    t->s = realloc(t->s, t->cap);
    cr_assert_not_null(t->s);
  }
}

static int pick(gb_rng *r, int n) { return (int)gb_rng_below(r, (uint64_t)n); }

/* A numeric constant: integers mostly, halves sometimes (distinct endpoints beyond the index's
 * 255 cell boundaries), for attribute n3 a wide domain so that bounds are quantiles. */
static double num_value(gb_rng *r, int attr) {
  if (attr == 3)
    return pick(r, 4000) / 2.0;
  return pick(r, 4) == 0 ? pick(r, NUM_DOMAIN * 2) / 2.0 : pick(r, NUM_DOMAIN);
}

static void put_str_list(text *t, gb_rng *r, int n) {
  put(t, "[");
  for (int i = 0; i < n; i++)
    put(t, "%sv%d", i ? ", " : "", pick(r, STR_DOMAIN + 1)); /* v5 never occurs in events */
  put(t, "]");
}

static void put_num_list(text *t, gb_rng *r, int attr, int n) {
  put(t, "[");
  for (int i = 0; i < n; i++)
    put(t, "%s%g", i ? ", " : "", num_value(r, attr));
  put(t, "]");
}

static void gen_str_criterion(text *t, gb_rng *r, int attr) {
  put(t, "s%d: ", attr);
  switch (pick(r, 5)) {
  case 0:
    put(t, "v%d", pick(r, STR_DOMAIN));
    break;
  case 1:
    put(t, "{ne: v%d}", pick(r, STR_DOMAIN));
    break;
  case 2:
    put(t, "{in: ");
    put_str_list(t, r, 1 + pick(r, 12)); /* up to 12: products above the index's 64 cap */
    put(t, "}");
    break;
  case 3:
    put(t, "{not_in: ");
    put_str_list(t, r, 1 + pick(r, 3));
    put(t, "}");
    break;
  default:
    put(t, "{eq: v%d}", pick(r, STR_DOMAIN));
  }
}

static void gen_num_criterion(text *t, gb_rng *r, int attr, const char *name) {
  put(t, "%s: ", name);
  double a = num_value(r, attr), b = num_value(r, attr);
  double lo = a < b ? a : b, hi = a < b ? b : a;
  static const char *const one[] = {"lt", "lte", "gt", "gte", "ne"};
  switch (pick(r, 6)) {
  case 0:
    put(t, "%g", a);
    break;
  case 1:
    put(t, "{%s: %g}", one[pick(r, 5)], a);
    break;
  case 2:
    put(t, "{between: [%g, %g]}", lo, hi);
    break;
  case 3:
    put(t, "{gt: %g, lte: %g}", lo, hi + 0.5); /* never empty */
    break;
  case 4:
    put(t, "{%s: ", pick(r, 2) ? "in" : "not_in");
    put_num_list(t, r, attr, 1 + pick(r, 4));
    put(t, "}");
    break;
  default: /* narrow ranges: several cells of the index, or one */
    put(t, "{between: [%g, %g]}", lo, lo + pick(r, 3));
  }
}

/* One random definition as a YAML flow mapping. */
static void gen_def(text *t, gb_rng *r, int id) {
  put(t, "{id: d%d, criteria: {", id);
  int n = pick(r, 4); /* 0..3 criteria; 0 matches every event that passes `player` */
  unsigned used = 0;
  for (int i = 0; i < n; i++) {
    int a = pick(r, N_STR_ATTRS + N_NUM_ATTRS);
    if (used & (1u << a))
      continue;
    used |= 1u << a;
    if (i && t->s[t->n - 1] != '{')
      put(t, ", ");
    if (a < N_STR_ATTRS)
      gen_str_criterion(t, r, a);
    else {
      char name[16];
      snprintf(name, sizeof name, "n%d", a - N_STR_ATTRS);
      gen_num_criterion(t, r, a - N_STR_ATTRS, name);
    }
  }
  put(t, "}");
  if (pick(r, 4) == 0) {
    put(t, ", player: {");
    gen_num_criterion(t, r, 0, "level");
    put(t, "}");
  }
  put(t, "}");
}

/* A random event: each attribute present with probability 3/4; numbers sometimes as strings,
 * sometimes not numbers at all (a string in a numeric attribute), strings sometimes numbers. */
static void gen_event(gb_attrs *a, gb_rng *r) {
  gb_attrs_clear(a);
  char key[16], val[32];
  for (int i = 0; i < N_STR_ATTRS; i++) {
    if (pick(r, 4) == 0)
      continue;
    snprintf(key, sizeof key, "s%d", i);
    if (pick(r, 20) == 0)
      gb_attrs_set_num(a, key, pick(r, 3));
    else {
      snprintf(val, sizeof val, "v%d", pick(r, STR_DOMAIN));
      gb_attrs_set_str(a, key, val, strlen(val));
    }
  }
  for (int i = 0; i < N_NUM_ATTRS + 1; i++) {
    if (pick(r, 4) == 0)
      continue;
    if (i == N_NUM_ATTRS)
      snprintf(key, sizeof key, "player.level");
    else
      snprintf(key, sizeof key, "n%d", i);
    double v = num_value(r, i == N_NUM_ATTRS ? 0 : i);
    int form = pick(r, 10);
    if (form == 0) {
      snprintf(val, sizeof val, "%g", v);
      gb_attrs_set_str(a, key, val, strlen(val));
    } else if (form == 1) {
      gb_attrs_set_str(a, key, "abc", 3);
    } else {
      gb_attrs_set_num(a, key, v);
    }
  }
  if (pick(r, 2))
    gb_attrs_set_str(a, "irrelevant", "x", 1);
}

static gb_catalog *gen_catalog(gb_rng *r, int n_defs) {
  text t = {0};
  for (int i = 0; i < n_defs; i++) {
    put(&t, "- ");
    gen_def(&t, r, i);
    put(&t, "\n");
  }
  gb_catalog *c = NULL;
  gb_err err = {0};
  cr_assert_eq(gb_catalog_parse(t.s, t.n, "random.yaml", &c, &err), 0, "%s", err.msg);
  free(t.s);
  return c;
}

/* Matches n_events random events with every matcher; all must agree. Returns total matches. */
static size_t compare(gb_matcher *const *ms, size_t n_ms, gb_rng *r, int n_events, uint64_t seed,
                      const char *phase) {
  static uint32_t out[4][MATCH_CAP];
  gb_attrs *a = gb_attrs_new();
  size_t total = 0;
  for (int e = 0; e < n_events; e++) {
    gen_event(a, r);
    size_t n0 = gb_matcher_match(ms[0], a, out[0], MATCH_CAP);
    cr_assert_leq(n0, MATCH_CAP);
    total += n0;
    for (size_t k = 1; k < n_ms; k++) {
      size_t nk = gb_matcher_match(ms[k], a, out[k], MATCH_CAP);
      cr_assert_eq(nk, n0, "seed %llu %s event %d: matcher %zu found %zu, scan %zu",
                   (unsigned long long)seed, phase, e, k, nk, n0);
      cr_assert_arr_eq(out[k], out[0], n0 * sizeof(uint32_t), "seed %llu %s event %d: matcher %zu",
                       (unsigned long long)seed, phase, e, k);
    }
  }
  gb_attrs_free(a);
  return total;
}

Test(matcher_property, scan_and_index_agree_on_random_catalogues) {
  for (uint64_t seed = 1; seed <= 6; seed++) {
    gb_rng r;
    gb_rng_seed(&r, seed, 0);
    gb_catalog *c = gen_catalog(&r, seed <= 3 ? 300 : 3000);
    gb_matcher *ms[2];
    cr_assert_eq(gb_matcher_new(c, GB_MATCH_SCAN, &ms[0], NULL), 0);
    cr_assert_eq(gb_matcher_new(c, GB_MATCH_INDEX, &ms[1], NULL), 0);
    size_t total = compare(ms, 2, &r, 3000, seed, "load");
    /* Not vacuous: the events match a fair number of definitions. */
    cr_expect_gt(total, 3000, "seed %llu: only %zu matches", (unsigned long long)seed, total);
    gb_matcher_stats st;
    gb_matcher_get_stats(ms[1], &st);
    gb_matcher_stats sc;
    gb_matcher_get_stats(ms[0], &sc);
    cr_expect_lt(st.candidates, sc.candidates, "the index verifies fewer definitions than scan");
    gb_matcher_free(ms[0]);
    gb_matcher_free(ms[1]);
    gb_catalog_free(c);
  }
}

Test(matcher_property, scan_and_index_agree_through_hot_updates) {
  for (uint64_t seed = 11; seed <= 14; seed++) {
    gb_rng r;
    gb_rng_seed(&r, seed, 0);
    int n_defs = 400;
    gb_catalog *c = gen_catalog(&r, n_defs);
    gb_matcher *ms[3];
    cr_assert_eq(gb_matcher_new(c, GB_MATCH_SCAN, &ms[0], NULL), 0);
    cr_assert_eq(gb_matcher_new(c, GB_MATCH_INDEX, &ms[1], NULL), 0);
    int64_t now = 1000;
    for (int round = 0; round < 40; round++) {
      /* A batch of changes: upserts of new and existing ids, deletes, some not yet due. */
      for (int k = 0; k < 5; k++) {
        gb_err err = {0};
        int64_t at = now + pick(&r, 3) * 10;
        if (pick(&r, 3) == 0) {
          char id[16];
          snprintf(id, sizeof id, "d%d", pick(&r, n_defs + 20));
          cr_assert_eq(gb_catalog_delete(c, id, at, &err), 0, "%s", err.msg);
        } else {
          text t = {0};
          gen_def(&t, &r, pick(&r, 4) == 0 ? n_defs++ : pick(&r, n_defs));
          cr_assert_eq(gb_catalog_upsert(c, t.s, t.n, at, &err), 0, "%s: %s", t.s, err.msg);
          free(t.s);
        }
      }
      gb_catalog_advance(c, now);
      now += 10;
      /* A fresh index over the current catalogue must agree with the incremental one. */
      cr_assert_eq(gb_matcher_new(c, GB_MATCH_INDEX, &ms[2], NULL), 0);
      char phase[32];
      snprintf(phase, sizeof phase, "round %d", round);
      compare(ms, 3, &r, 200, seed, phase);
      gb_matcher_free(ms[2]);
    }
    gb_matcher_stats st;
    gb_matcher_get_stats(ms[1], &st);
    cr_expect_gt(st.updates, 100);
    cr_expect_eq(st.rebuilds, 0, "updates are applied incrementally");
    gb_matcher_free(ms[0]);
    gb_matcher_free(ms[1]);
    gb_catalog_free(c);
  }
}

/* Bucket-key collisions (forced with a 3-bit key mask: every tuple shares one of 8 keys) only
 * cost speed: the index still returns exactly what scan returns. */
Test(matcher_property, key_collisions_never_change_matches) {
  gb_rng r;
  gb_rng_seed(&r, 21, 0);
  gb_catalog *c = gen_catalog(&r, 500);
  gb_matcher *scan = NULL;
  cr_assert_eq(gb_matcher_new(c, GB_MATCH_SCAN, &scan, NULL), 0);
  gb_index *ix = gb_index_new_masked(c, 0x7);
  cr_assert_not_null(ix);
  gb_view view;
  gb_view_init(&view);
  gb_u32vec hits = {0};
  gb_attrs *a = gb_attrs_new();
  static uint32_t expect[MATCH_CAP];
  for (int e = 0; e < 2000; e++) {
    gen_event(a, &r);
    size_t n = gb_matcher_match(scan, a, expect, MATCH_CAP);
    hits.n = 0;
    uint64_t candidates = 0;
    cr_assert_eq(gb_view_resolve(&view, c, a), 0);
    cr_assert_eq(gb_index_match(ix, c, &view, &hits, &candidates), 0);
    /* Sort (insertion: a few dozen hits) and drop duplicates, as gb_matcher_match does. */
    for (size_t i = 1; i < hits.n; i++)
      for (size_t j = i; j > 0 && hits.v[j - 1] > hits.v[j]; j--) {
        uint32_t t = hits.v[j];
        hits.v[j] = hits.v[j - 1];
        hits.v[j - 1] = t;
      }
    size_t k = 0;
    for (size_t i = 0; i < hits.n; i++)
      if (k == 0 || hits.v[i] != hits.v[k - 1])
        hits.v[k++] = hits.v[i];
    cr_assert_eq(k, n, "event %d: index %zu matches, scan %zu", e, k, n);
    cr_assert_arr_eq(hits.v, expect, n * sizeof(uint32_t), "event %d", e);
  }
  free(hits.v);
  gb_attrs_free(a);
  gb_view_free(&view);
  gb_index_free(ix);
  gb_matcher_free(scan);
  gb_catalog_free(c);
}
