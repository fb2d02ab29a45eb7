/* Property: on random definitions and events, scan and index return exactly the same matches —
 * from a loaded catalogue, and while hot updates add, change and remove definitions. Seeded
 * (common/gb_rng.h): a failure names the seed and event to replay. */
#include <criterion/criterion.h>
#include <math.h>
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
  gb_attrs *a = NULL;
  cr_assert_eq(gb_attrs_new(&a, NULL), 0);
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
    gb_index_stats ist;
    gb_index_get_stats(gb_matcher_index(ms[1]), &ist);
    if (seed > 3) /* 3000 definitions: some have three ranges */
      cr_expect_gt(ist.continuations, 0, "seed %llu: residual ranges ride in continuations",
                   (unsigned long long)seed);
    cr_expect_gt(ist.checked, 0, "seed %llu: negations are verified", (unsigned long long)seed);
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
  gb_index *ix = NULL;
  cr_assert_eq(gb_index_new_masked(c, 0x7, &ix, NULL), 0);
  gb_view view;
  gb_view_init(&view);
  gb_u32vec hits = {0};
  gb_attrs *a = NULL;
  cr_assert_eq(gb_attrs_new(&a, NULL), 0);
  static uint32_t expect[MATCH_CAP];
  for (int e = 0; e < 2000; e++) {
    gen_event(a, &r);
    size_t n = gb_matcher_match(scan, a, expect, MATCH_CAP);
    hits.n = 0;
    uint64_t candidates = 0;
    gb_view_resolve(&view, c, a);
    gb_index_match(ix, c, &view, &hits, &candidates);
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

/* ---- the event schema, as the pipeline builds it (gb_attrs_add_event / _add_player) ---- */

static const char *const games4[] = {"dou_dizhu", "guandan", "big_two", "zhajinhua"};
static const char *const rooms4[] = {"novice", "intermediate", "advanced", "vip"};

/* A bound on a small integer domain (hits of exact ends are frequent), a half sometimes. */
static double small_value(gb_rng *r, int domain) {
  return pick(r, 5) == 0 ? pick(r, 2 * domain) / 2.0 : pick(r, domain);
}

/* attr: {op: v} with any range operator, or between. */
static void put_range(text *t, gb_rng *r, const char *attr, int domain) {
  double a = small_value(r, domain), b = small_value(r, domain);
  double lo = a < b ? a : b, hi = a < b ? b : a;
  static const char *const one[] = {"gt", "gte", "lt", "lte"};
  switch (pick(r, 4)) {
  case 0:
    put(t, "%s: {%s: %g}", attr, one[pick(r, 4)], a);
    break;
  case 1:
    put(t, "%s: {gt: %g, lt: %g}", attr, lo, hi + 1);
    break;
  default:
    put(t, "%s: {between: [%g, %g]}", attr, lo, hi);
  }
}

/* A gaming-shaped definition over schema attributes: type (and game, room) as keys, one to three
 * ranges among bet, score and the player's coin balance, level and days (three ranges make
 * continuations), sometimes a negation (verified against the definition). */
static void gen_schema_def(text *t, gb_rng *r, int id) {
  put(t, "{id: g%d, criteria: {type: %s", id, pick(r, 4) ? "game_end" : "game_start");
  if (pick(r, 3))
    put(t, ", game: %s", games4[pick(r, 4)]);
  if (pick(r, 3) == 0)
    put(t, ", room: {in: [%s, %s]}", rooms4[pick(r, 4)], rooms4[pick(r, 4)]);
  else if (pick(r, 8) == 0)
    put(t, ", room: {ne: %s}", rooms4[pick(r, 4)]);
  if (pick(r, 4)) {
    put(t, ", ");
    put_range(t, r, "bet", 60);
  }
  if (pick(r, 4) == 0) {
    put(t, ", ");
    put_range(t, r, "score", 30);
  }
  put(t, "}, player: {");
  static const char *const player[] = {"coin_balance", "level", "days_since_install"};
  static const int domains[] = {80, 40, 20};
  bool first = true;
  for (int k = 0; k < 3; k++)
    if (pick(r, 2)) {
      put(t, first ? "" : ", ");
      put_range(t, r, player[k], domains[k]);
      first = false;
    }
  put(t, "}}");
}

/* A game_start/game_end with its player's state; sometimes the bet arrives as a string, or as
 * something that is not a number. */
static void gen_schema_event(gb_attrs *a, gb_rng *r) {
  gb_event ev;
  gb_event_init(&ev);
  ev.type = pick(r, 4) ? GB_EV_GAME_END : GB_EV_GAME_START;
  ev.event_id = (uint64_t)pick(r, 1000000);
  snprintf(ev.u.game.game, sizeof ev.u.game.game, "%s", games4[pick(r, 4)]);
  if (pick(r, 6))
    snprintf(ev.u.game.room, sizeof ev.u.game.room, "%s", rooms4[pick(r, 4)]);
  ev.u.game.bet = pick(r, 62);
  ev.u.game.score = pick(r, 32);
  gb_player_state ps = {
      .level = pick(r, 42), .coin_balance = pick(r, 82), .days_since_install = small_value(r, 21)};
  gb_attrs_clear(a);
  gb_attrs_add_event(a, &ev);
  gb_attrs_add_player(a, &ps);
  char val[32];
  if (pick(r, 10) == 0) {
    snprintf(val, sizeof val, "%g", small_value(r, 61));
    gb_attrs_set_str(a, "bet", val, strlen(val));
  } else if (pick(r, 30) == 0) {
    gb_attrs_set_str(a, "bet", "high", 4);
  }
}

static gb_catalog *parse_or_fail(const text *t) {
  gb_catalog *c = NULL;
  gb_err err = {0};
  cr_assert_eq(gb_catalog_parse(t->s, t->n, "gen.yaml", &c, &err), 0, "%s", err.msg);
  return c;
}

/* scan and index on events built from the schema: the path the pipeline takes (attributes set
 * and read by schema id), with exact range ends hit often (small integer domains). */
Test(matcher_property, schema_events_agree) {
  for (uint64_t seed = 31; seed <= 33; seed++) {
    gb_rng r;
    gb_rng_seed(&r, seed, 0);
    text t = {0};
    for (int i = 0; i < 2000; i++) {
      put(&t, "- ");
      gen_schema_def(&t, &r, i);
      put(&t, "\n");
    }
    gb_catalog *c = parse_or_fail(&t);
    free(t.s);
    gb_matcher *ms[2];
    cr_assert_eq(gb_matcher_new(c, GB_MATCH_SCAN, &ms[0], NULL), 0);
    cr_assert_eq(gb_matcher_new(c, GB_MATCH_INDEX, &ms[1], NULL), 0);
    static uint32_t out[2][MATCH_CAP];
    gb_attrs *a = NULL;
    cr_assert_eq(gb_attrs_new(&a, NULL), 0);
    size_t total = 0;
    for (int e = 0; e < 4000; e++) {
      gen_schema_event(a, &r);
      size_t n0 = gb_matcher_match(ms[0], a, out[0], MATCH_CAP);
      size_t n1 = gb_matcher_match(ms[1], a, out[1], MATCH_CAP);
      cr_assert_eq(n1, n0, "seed %llu event %d: index %zu, scan %zu", (unsigned long long)seed, e,
                   n1, n0);
      cr_assert_arr_eq(out[1], out[0], n0 * sizeof(uint32_t), "seed %llu event %d",
                       (unsigned long long)seed, e);
      total += n0;
    }
    cr_expect_gt(total, 4000, "seed %llu: only %zu matches", (unsigned long long)seed, total);
    gb_index_stats st;
    gb_index_get_stats(gb_matcher_index(ms[1]), &st);
    cr_expect_gt(st.continuations, 100, "three-range definitions use continuations");
    cr_expect_gt(st.checked, 10, "negations are verified against the definition");
    cr_expect_gt(st.compacted, 0);
    cr_expect_gt(st.padding, 0, "cells are aligned to cache lines in the pools");
    cr_expect_eq(st.ambiguous, 0, "fewer than 4095 distinct ends: every end is a boundary");
    gb_attrs_free(a);
    gb_matcher_free(ms[0]);
    gb_matcher_free(ms[1]);
    gb_catalog_free(c);
  }
}

/* More distinct range ends than fine cells: ends fall inside cells (ambiguous postings, decided
 * by their records), on the access ranges (x, y) and on the residual one (z, in a
 * continuation). Events sit exactly on ends and on the adjacent doubles, where inclusive and
 * exclusive bounds differ. */
Test(matcher_property, ambiguous_cells_agree_at_exact_ends) {
  gb_rng r;
  gb_rng_seed(&r, 41, 0);
  enum { N_DEFS = 3000, N_ENDS = 2 * N_DEFS };
  static double xs[N_ENDS], zs[N_ENDS];
  text t = {0};
  static const char *const lo_op[] = {"gt", "gte"}, *const hi_op[] = {"lt", "lte"};
  for (int i = 0; i < N_DEFS; i++) {
    double lo = gb_rng_uniform(&r) * 1000, hi = lo + gb_rng_uniform(&r) * 50 + 1e-9;
    double zlo = gb_rng_uniform(&r) * 500, zhi = zlo + 250 + gb_rng_uniform(&r) * 250;
    xs[2 * i] = lo, xs[2 * i + 1] = hi;
    zs[2 * i] = zlo, zs[2 * i + 1] = zhi;
    double ylo = floor(gb_rng_uniform(&r) * 90), yhi = ylo + 10;
    put(&t,
        "- {id: d%d, criteria: {x: {%s: %.17g, %s: %.17g}, y: {between: [%g, %g]}, "
        "z: {%s: %.17g, %s: %.17g}}}\n",
        i, lo_op[pick(&r, 2)], lo, hi_op[pick(&r, 2)], hi, ylo, yhi, lo_op[pick(&r, 2)], zlo,
        hi_op[pick(&r, 2)], zhi);
  }
  gb_catalog *c = parse_or_fail(&t);
  free(t.s);
  gb_matcher *ms[2];
  cr_assert_eq(gb_matcher_new(c, GB_MATCH_SCAN, &ms[0], NULL), 0);
  cr_assert_eq(gb_matcher_new(c, GB_MATCH_INDEX, &ms[1], NULL), 0);
  gb_index_stats st;
  gb_index_get_stats(gb_matcher_index(ms[1]), &st);
  cr_expect_gt(st.ambiguous, N_DEFS / 2, "most ends are not boundaries");
  cr_expect_eq(st.continuations, st.postings, "z, the widest range, is the residual one");
  static uint32_t out[2][MATCH_CAP];
  gb_attrs *a = NULL;
  cr_assert_eq(gb_attrs_new(&a, NULL), 0);
  size_t total = 0;
  for (int e = 0; e < 20000; e++) {
    double x = xs[pick(&r, N_ENDS)], z = zs[pick(&r, N_ENDS)];
    int how = pick(&r, 3);
    x = how == 0 ? x : nextafter(x, how == 1 ? HUGE_VAL : -HUGE_VAL);
    how = pick(&r, 3);
    z = how == 0 ? z : nextafter(z, how == 1 ? HUGE_VAL : -HUGE_VAL);
    gb_attrs_clear(a);
    gb_attrs_set_num(a, "x", x);
    gb_attrs_set_num(a, "y", pick(&r, 100));
    gb_attrs_set_num(a, "z", z);
    size_t n0 = gb_matcher_match(ms[0], a, out[0], MATCH_CAP);
    size_t n1 = gb_matcher_match(ms[1], a, out[1], MATCH_CAP);
    cr_assert_eq(n1, n0, "event %d (x = %.17g, z = %.17g): index %zu, scan %zu", e, x, z, n1, n0);
    cr_assert_arr_eq(out[1], out[0], n0 * sizeof(uint32_t), "event %d", e);
    total += n0;
  }
  cr_expect_gt(total, 20000);
  gb_attrs_free(a);
  gb_matcher_free(ms[0]);
  gb_matcher_free(ms[1]);
  gb_catalog_free(c);
}

/* Hot updates on one big bucket: postings die in place and gather in delta cells until the
 * groups are compacted again; every round agrees with scan and with a fresh index, and nothing
 * is rebuilt. */
Test(matcher_property, hot_updates_through_compactions) {
  gb_rng r;
  gb_rng_seed(&r, 51, 0);
  int n_defs = 3000;
  text t = {0};
  for (int i = 0; i < n_defs; i++) {
    put(&t, "- ");
    gen_schema_def(&t, &r, i);
    put(&t, "\n");
  }
  gb_catalog *c = parse_or_fail(&t);
  free(t.s);
  gb_matcher *ms[3];
  cr_assert_eq(gb_matcher_new(c, GB_MATCH_SCAN, &ms[0], NULL), 0);
  cr_assert_eq(gb_matcher_new(c, GB_MATCH_INDEX, &ms[1], NULL), 0);
  static uint32_t out[3][MATCH_CAP];
  gb_attrs *a = NULL;
  cr_assert_eq(gb_attrs_new(&a, NULL), 0);
  bool saw_dead = false, saw_delta = false, saw_padding = false;
  uint64_t gen0 = gb_catalog_generation(c);
  for (int round = 0; round < 30; round++) {
    for (int k = 0; k < 100; k++) { /* under half the catalogue: no rebuild */
      gb_err err = {0};
      if (pick(&r, 5) == 0) {
        char id[16];
        snprintf(id, sizeof id, "g%d", pick(&r, n_defs));
        cr_assert_eq(gb_catalog_delete(c, id, round + 1, &err), 0, "%s", err.msg);
      } else {
        text u = {0};
        gen_schema_def(&u, &r, pick(&r, 10) == 0 ? n_defs++ : pick(&r, n_defs));
        cr_assert_eq(gb_catalog_upsert(c, u.s, u.n, round + 1, &err), 0, "%s", err.msg);
        free(u.s);
      }
    }
    gb_catalog_advance(c, round + 1);
    cr_assert_eq(gb_matcher_new(c, GB_MATCH_INDEX, &ms[2], NULL), 0);
    for (int e = 0; e < 300; e++) {
      gen_schema_event(a, &r);
      size_t n0 = gb_matcher_match(ms[0], a, out[0], MATCH_CAP);
      for (int k = 1; k < 3; k++) {
        size_t nk = gb_matcher_match(ms[k], a, out[k], MATCH_CAP);
        cr_assert_eq(nk, n0, "round %d event %d: matcher %d found %zu, scan %zu", round, e, k, nk,
                     n0);
        cr_assert_arr_eq(out[k], out[0], n0 * sizeof(uint32_t), "round %d event %d: matcher %d",
                         round, e, k);
      }
    }
    gb_matcher_free(ms[2]);
    gb_index_stats st;
    gb_index_get_stats(gb_matcher_index(ms[1]), &st);
    saw_dead |= st.dead > 0;
    saw_delta |= st.delta > 0;
    saw_padding |= st.compactions > 0 && st.padding > 0;
  }
  gb_index_stats st;
  gb_index_get_stats(gb_matcher_index(ms[1]), &st);
  cr_expect(saw_dead, "removed postings were marked dead in pools");
  cr_expect(saw_delta, "new postings went to delta cells");
  cr_expect(saw_padding, "compactions after updates lay out padded pools");
  cr_expect_gt(st.compactions, 0, "groups were compacted again");
  gb_matcher_stats ms_st;
  gb_matcher_get_stats(ms[1], &ms_st);
  cr_expect_eq(ms_st.rebuilds, 0);
  cr_expect_eq(ms_st.updates, gb_catalog_generation(c) - gen0);
  cr_expect_gt(ms_st.updates, 2000, "most changes applied (deletes of absent ids are not)");
  gb_attrs_free(a);
  gb_matcher_free(ms[0]);
  gb_matcher_free(ms[1]);
  gb_catalog_free(c);
}
