/* gb_matcher_defs: the compiled form of definitions, shared by gb_catalog (which builds it),
 * gb_matcher (which indexes and evaluates it) and gb_progress (which applies its progress rules).
 * Engine-internal: the pipeline uses gb_catalog.h, gb_matcher.h and gb_progress.h only.
 *
 * A definition compiles to a conjunction of predicates, each over one attribute id of the
 * catalogue's attribute dictionary. `player:` predicates are predicates over the `player.*`
 * attributes, so both algorithms see one uniform conjunction. Every predicate requires its
 * attribute to be present (so `ne` and `not_in` do not match an event that lacks it). */
#ifndef GB_MATCHER_DEFS_H
#define GB_MATCHER_DEFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "gb_attrs.h"
#include "gb_catalog.h"
#include "gb_grow.h"
#include "gb_matcher.h"

typedef enum gb_pred_op {
  GB_OP_EQ,    /* attribute equals vals[0] */
  GB_OP_IN,    /* attribute equals one of vals[] */
  GB_OP_RANGE, /* numeric attribute within [lo, hi] (ends open or closed) */
  GB_OP_NE,    /* present and not equal to vals[0] */
  GB_OP_NOT_IN /* present and equal to none of vals[] */
} gb_pred_op;

/* One constant of a criterion. Its string is def->strs + off (NUL-terminated) when !num. */
typedef struct gb_cval {
  double num;
  uint64_t hash; /* gb_value_hash_num / gb_value_hash_str: the index's key */
  uint32_t off, len;
} gb_cval;

typedef struct gb_pred {
  uint32_t attr; /* attribute id */
  uint8_t op;    /* gb_pred_op */
  bool num;      /* compare as numbers (else as strings) */
  bool lo_incl;  /* RANGE: lo is included */
  bool hi_incl;  /* RANGE: hi is included */
  double lo, hi; /* RANGE: -HUGE_VAL / HUGE_VAL when open-ended */
  uint32_t val0; /* EQ/NE/IN/NOT_IN: constants are def->vals[val0 .. val0 + n_vals) */
  uint32_t n_vals;
} gb_pred;

typedef enum gb_rule_kind { GB_RULE_NONE, GB_RULE_COUNT, GB_RULE_SUM } gb_rule_kind;

typedef struct gb_rule {
  gb_rule_kind kind;
  int64_t target;    /* COUNT: N; SUM: the threshold */
  uint32_t sum_attr; /* SUM: attribute id of the summed field */
  int64_t window_ms; /* 0 = none */
  int64_t ttl_ms;    /* 0 = none */
  bool daily;        /* reset at the player's local midnight */
  int32_t streak;    /* consecutive days needed (daily), 0 = none */
} gb_rule;

/* One compiled definition, allocated as a single block. preds[0..n_preds) are the criteria and
 * player predicates (equalities first, then ranges, then negations: cheapest rejection first);
 * preds[n_preds .. n_preds + n_break) are the progress rule's `break_on` criteria. */
typedef struct gb_def {
  gb_challenge pub;
  gb_rule rule;
  const gb_pred *preds;
  uint32_t n_preds, n_break;
  const gb_cval *vals;
  const char *strs;
} gb_def;

/* ---- catalogue internals used by the matcher and progress tracker ---- */

/* The compiled definition at ordinal (< gb_catalog_size); check ->pub.active. */
const gb_def *gb_catalog_def(const gb_catalog *c, size_t ordinal);

/* Number of distinct attribute ids (grows with hot updates; ids are never reused). */
uint32_t gb_catalog_n_attrs(const gb_catalog *c);

/* The id of attribute key[0..len) with hash gb_attrs_key_hash(key, len): 0 and *id, or -1 when no
 * definition mentions it (the attribute is then irrelevant to every definition). */
int gb_catalog_attr_id(const gb_catalog *c, const char *key, size_t len, uint64_t hash,
                       uint32_t *id);

/* Name of attribute id (for messages and tests). */
const char *gb_catalog_attr_name(const gb_catalog *c, uint32_t id);

/* The ordinals changed (upserted or deleted) by applied change number g (0-based, < generation):
 * matchers replay changes since the generation they last saw. */
uint32_t gb_catalog_change(const gb_catalog *c, uint64_t g);

/* Interns an attribute name, returning its id (existing or new). 0, or -1 when out of memory. */
int gb_catalog_intern_attr(gb_catalog *c, const char *key, size_t len, uint32_t *id);

/* Ordinal ever assigned to id (active or deleted): 0 and *ordinal, or -1. */
int gb_catalog_has_id(const gb_catalog *c, const char *id, uint32_t *ordinal);

/* Stores d (ownership passes to c): replaces the definition with the same id, keeping its
 * ordinal, or appends a new ordinal. `log`: record the change for matchers (hot updates).
 * Returns 0, or -1 when out of memory (d is then still the caller's). */
int gb_catalog_put(gb_catalog *c, gb_def *d, bool log);

/* gb_matcher_compile.c: parses a whole catalogue text and stores its definitions in c. */
int gb_matcher_compile_catalog(gb_catalog *c, const char *text, size_t len, const char *name,
                               gb_err *err);

/* gb_matcher_compile.c: compiles the text of one definition (a mapping) into *out (one heap
 * block, freed with free()). Attribute names it mentions are interned in c. */
int gb_matcher_compile_one(gb_catalog *c, const char *text, size_t len, const char *name,
                           gb_def **out, gb_err *err);

/* ---- values and their hashes ---- */

/* The hash the index files a numeric or string constant under, and looks event values up by. */
static inline uint64_t gb_value_hash_num(double v) {
  uint64_t bits;
  v = v == 0 ? 0.0 : v; /* -0 == 0 */
  memcpy(&bits, &v, sizeof bits);
  /* splitmix64 finaliser: a cheap, well-mixed 64-bit permutation. */
  bits ^= 0x6e756d /* "num" */;
  bits = (bits ^ (bits >> 30)) * 0xBF58476D1CE4E5B9ULL;
  bits = (bits ^ (bits >> 27)) * 0x94D049BB133111EBULL;
  return bits ^ (bits >> 31);
}
uint64_t gb_value_hash_str(const char *s, size_t len);

/* ---- one event's attributes resolved to attribute ids ---- */

typedef struct gb_aval {
  uint32_t stamp; /* == the view's gen: resolved for the current event */
  bool present;   /* the event has the attribute (the fields below are valid only then) */
  bool has_str, has_num;
  bool hashed;       /* str_hash is computed (lazily: only bucket keys need it) */
  int32_t cell;      /* scratch of the index: the value's fine cell, -1 until computed */
  uint32_t unit;     /* scratch of the index: the fine cell's unit */
  uint32_t len;      /* of str */
  const char *str;   /* when has_str */
  double num;        /* when has_num */
  uint64_t str_hash; /* gb_value_hash_str(str, len) once hashed; see gb_aval_str_hash */
} gb_aval;

/* A reusable map attribute id -> value for one event, resolved lazily: gb_view_resolve only
 * remembers the gb_attrs; each attribute is looked up on its first gb_view_get (O(1) for schema
 * keys, gb_attrs.h) and cached for the event (generation stamps: forgetting is O(1)). So an
 * event costs what its matching reads, not what it carries. */
typedef struct gb_view {
  gb_aval *vals;
  uint32_t gen;
  size_t cap; /* capacity of vals */
  /* How to find each catalogue attribute in a gb_attrs (filled as the dictionary grows). */
  const gb_catalog *c;
  uint32_t *key_id;   /* gb_attrs schema key id, or GB_ATTRS_KEY_OTHER */
  uint64_t *key_hash; /* gb_attrs_key_hash of the name (OTHER keys are found by name) */
  size_t cap_key_id, cap_key_hash;
  uint32_t n_keyed;  /* attributes 0 .. n_keyed - 1 have key_id / key_hash */
  const gb_attrs *a; /* the event being viewed */
} gb_view;

void gb_view_init(gb_view *v);
void gb_view_free(gb_view *v);

/* Starts viewing a (with c's attribute ids): O(1) per event, plus O(new attributes) when c's
 * dictionary grew. a must stay unchanged while the view is used. Per event: a failed growth of
 * the view stops the program (gb_grow.h). */
void gb_view_resolve(gb_view *v, const gb_catalog *c, const gb_attrs *a);

/* Looks attribute attr up in the viewed gb_attrs and caches it (gb_view_get's slow path). */
const gb_aval *gb_view_fetch(gb_view *v, uint32_t attr);

/* The event's value of attribute attr, or NULL when it lacks it. */
static inline const gb_aval *gb_view_get(gb_view *v, uint32_t attr) {
  if (attr < v->cap && v->vals[attr].stamp == v->gen)
    return v->vals[attr].present ? &v->vals[attr] : NULL;
  return gb_view_fetch(v, attr);
}

/* The value hash of a string value (computed on first use). */
static inline uint64_t gb_aval_str_hash(gb_aval *a) {
  if (!a->hashed) {
    a->str_hash = gb_value_hash_str(a->str, a->len);
    a->hashed = true;
  }
  return a->str_hash;
}

/* ---- evaluation ---- */

/* a[0..len) == b[0..len) for the short strings of attribute values, inline (no library call)
 * and without reading past either string: overlapping 8- or 4-byte loads. */
static inline bool gb_bytes_equal(const char *a, const char *b, size_t len) {
  if (len >= 8) {
    for (size_t i = 0; i + 8 < len; i += 8) {
      uint64_t x, y;
      memcpy(&x, a + i, 8);
      memcpy(&y, b + i, 8);
      if (x != y)
        return false;
    }
    uint64_t x, y; /* the last 8 bytes (overlapping the loop's last load) */
    memcpy(&x, a + len - 8, 8);
    memcpy(&y, b + len - 8, 8);
    return x == y;
  }
  if (len >= 4) {
    uint32_t x0, y0, x1, y1;
    memcpy(&x0, a, 4);
    memcpy(&y0, b, 4);
    memcpy(&x1, a + len - 4, 4);
    memcpy(&y1, b + len - 4, 4);
    return x0 == y0 && x1 == y1;
  }
  for (size_t i = 0; i < len; i++)
    if (a[i] != b[i])
      return false;
  return true;
}

static inline bool gb_cval_equals(const gb_def *d, const gb_pred *p, const gb_cval *c,
                                  const gb_aval *v) {
  if (p->num)
    return v->has_num && v->num == c->num;
  return v->has_str && v->len == c->len && gb_bytes_equal(v->str, d->strs + c->off, c->len);
}

static inline bool gb_pred_in(const gb_def *d, const gb_pred *p, const gb_aval *v) {
  for (uint32_t i = 0; i < p->n_vals; i++)
    if (gb_cval_equals(d, p, &d->vals[p->val0 + i], v))
      return true;
  return false;
}

/* Whether value v (NULL: attribute absent) satisfies predicate p of definition d. */
static inline bool gb_pred_eval(const gb_def *d, const gb_pred *p, const gb_aval *v) {
  if (!v)
    return false;
  switch ((gb_pred_op)p->op) {
  case GB_OP_EQ:
    return gb_cval_equals(d, p, &d->vals[p->val0], v);
  case GB_OP_IN:
    return gb_pred_in(d, p, v);
  case GB_OP_RANGE:
    return v->has_num && (p->lo_incl ? v->num >= p->lo : v->num > p->lo) &&
           (p->hi_incl ? v->num <= p->hi : v->num < p->hi);
  case GB_OP_NE:
    return !gb_cval_equals(d, p, &d->vals[p->val0], v);
  case GB_OP_NOT_IN:
    return !gb_pred_in(d, p, v);
  }
  return false;
}

/* Whether the view satisfies preds[first .. first + n) of d (all of them). */
static inline bool gb_preds_match(const gb_def *d, uint32_t first, uint32_t n, gb_view *v) {
  for (uint32_t i = first; i < first + n; i++)
    if (!gb_pred_eval(d, &d->preds[i], gb_view_get(v, d->preds[i].attr)))
      return false;
  return true;
}

/* Whether the view satisfies d's criteria and player predicates. */
static inline bool gb_def_matches(const gb_def *d, gb_view *v) {
  return d->pub.active && gb_preds_match(d, 0, d->n_preds, v);
}

/* ---- a growable vector of ordinals ---- */

typedef struct gb_u32vec {
  uint32_t *v;
  size_t n, cap;
} gb_u32vec;

/* Appends x. Matching fills it per event (hot path): a failed growth stops the program
 * (gb_grow.h). */
static inline void gb_u32vec_push(gb_u32vec *vec, uint32_t x) {
  GB_GROW_OR_DIE(vec->v, vec->cap, vec->n + 1, 64, "matched ordinals");
  vec->v[vec->n++] = x;
}

/* ---- the index (gb_matcher_index.c) ---- */

typedef struct gb_index gb_index;

/* Files every active definition of c into a new index *out (the caller frees it with
 * gb_index_free): O(definitions). Returns 0, or -1 with GB_ERR_RUNTIME when out of memory (*out
 * is then unchanged). */
int gb_index_new(const gb_catalog *c, gb_index **out, gb_err *err);

/* The same with bucket keys masked by key_mask: tests force 64-bit key collisions with a small
 * mask to check that collisions never change the matches. */
int gb_index_new_masked(const gb_catalog *c, uint64_t key_mask, gb_index **out, gb_err *err);

/* Frees ix; NULL is allowed. */
void gb_index_free(gb_index *ix);

/* Re-files ordinal after a change: removes what was filed for it, files its current definition
 * if active. Returns 0, or -1 when out of memory (the index is then incomplete: rebuild it). */
int gb_index_update(gb_index *ix, const gb_catalog *c, uint32_t ordinal);

/* The shape of an index (tests check that the paths they mean to exercise were taken). */
typedef struct gb_index_stats {
  uint32_t buckets, groups;
  uint32_t compacted;           /* groups whose postings are pooled by cell */
  uint64_t postings;            /* live postings (continuations not counted) */
  uint64_t pooled, delta, dead; /* slots: live in pools, in delta cells, dead in pools */
  uint64_t padding;             /* pool slots that align cells to cache lines */
  uint64_t continuations;       /* postings followed by a residual range */
  uint64_t ambiguous;           /* postings with an end inside a fine cell */
  uint64_t checked;             /* postings decided by their record or definition (CHECK) */
  uint64_t compactions;         /* group compactions after the build (hot updates) */
} gb_index_stats;

void gb_index_get_stats(const gb_index *ix, gb_index_stats *out);

/* The index of an INDEX matcher (NULL for SCAN, or after an out-of-memory until a rebuild). */
const gb_index *gb_matcher_index(const gb_matcher *m);

/* Appends to hits the ordinals of the definitions the view satisfies (unsorted; a definition at
 * most once except after a 64-bit key collision: the caller sorts and de-duplicates). Adds the
 * number of definitions verified to *candidates. Caches range cells in the view's `cell`
 * fields. Per event: hits grows through gb_u32vec_push (a failed growth stops the program). */
void gb_index_match(const gb_index *ix, const gb_catalog *c, gb_view *v, gb_u32vec *hits,
                    uint64_t *candidates);

#endif
