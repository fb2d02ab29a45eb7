/* Compiles definitions from YAML or JSON text (libyaml's document API: JSON is YAML flow syntax)
 * into gb_def blocks. Every error names the file, line, definition id and field. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "gb_matcher_defs.h"

/* Longest attribute name and field path (messages); longer names are rejected. */
enum { ATTR_NAME_MAX = 127, FIELD_MAX = 192 };

/* The comparison type of a criterion. */
typedef enum ctype { T_AUTO, T_STR, T_NUM } ctype;

/* Attributes of the event schema (gb_attrs_add_event / gb_attrs_add_player) with their types,
 * so that a criterion of the wrong type is rejected at load instead of silently never matching.
 * Any other attribute name is accepted (events are open: irrelevant attributes are ignored). */
static const struct {
  const char *name;
  ctype type;
} schema_attrs[] = {
    {"type", T_STR},
    {"game", T_STR},
    {"room", T_STR},
    {"platform", T_STR},
    {"country", T_STR},
    {"sku", T_STR},
    {"currency", T_STR},
    {"challenge_id", T_STR},
    {"arm", T_STR},
    {"reward_type", T_STR},
    {"offer_type", T_STR},
    {"bet", T_NUM},
    {"won", T_NUM},
    {"score", T_NUM},
    {"coins_delta", T_NUM},
    {"coin_balance", T_NUM},
    {"level", T_NUM},
    {"amount", T_NUM},
    {"price", T_NUM},
    {"discount", T_NUM},
    {"minutes", T_NUM},
    {"recommended", T_NUM},
    {"hours_at_review", T_NUM},
    {"app_id", T_NUM},
    {"prop_id", T_NUM},
    {"ttl_s", T_NUM},
    {"progress", T_NUM},
    {"target", T_NUM},
    {"duration_ms", T_NUM},
    {"event_id", T_NUM},
    {"ts", T_NUM},
    {"player_id", T_NUM},
    {"session_id", T_NUM},
    {"decision_id", T_NUM},
    {"effective_ts", T_NUM},
    {"player.level", T_NUM},
    {"player.coin_balance", T_NUM},
    {"player.preferred_game", T_STR},
    {"player.days_since_install", T_NUM},
};

/* The player-state attributes a `player:` section may test. */
static const char *const player_keys[] = {"level", "coin_balance", "preferred_game",
                                          "days_since_install"};

typedef enum op_kind {
  OP_EQ,
  OP_NE,
  OP_LT,
  OP_LTE,
  OP_GT,
  OP_GTE,
  OP_IN,
  OP_NOT_IN,
  OP_BETWEEN
} op_kind;
static const char *const op_names[] = {"eq",  "ne", "lt",     "lte",    "gt",
                                       "gte", "in", "not_in", "between"};
enum { N_OPS = sizeof op_names / sizeof op_names[0] };

/* A definition being built: growable arrays, strings by offset, then frozen into one block. */
typedef struct builder {
  gb_pred *preds; /* criteria and player predicates */
  size_t n_preds, cap_preds;
  gb_pred *brk; /* progress.break_on */
  size_t n_brk, cap_brk;
  gb_cval *vals;
  size_t n_vals, cap_vals;
  char *strs;
  size_t n_strs, cap_strs;
  gb_challenge pub;
  gb_rule rule;
  uint32_t id_off, name_off, game_off, crit_game_off;
  bool has_name, has_game, has_crit_game;
} builder;

typedef struct ctx {
  gb_catalog *c;
  yaml_document_t *doc;
  const char *file;
  char id[GB_CHALLENGE_ID_MAX + 16]; /* the definition's id, or "#N" before it is known */
  builder b;
  gb_err *err;
} ctx;

static int fail(ctx *x, const yaml_node_t *node, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int fail(ctx *x, const yaml_node_t *node, const char *field, const char *fmt, ...) {
  char msg[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  size_t line = node ? node->start_mark.line + 1 : 0;
  return gb_err_set(x->err, GB_ERR_INPUT, "%s:%zu: definition %s%s%s: %s", x->file, line, x->id,
                    field && field[0] ? ": " : "", field ? field : "", msg);
}

static int oom(ctx *x) { return gb_err_set(x->err, GB_ERR_RUNTIME, "%s: out of memory", x->file); }

/* ---- growable arrays ---- */

static int grow(void **p, size_t *cap, size_t need, size_t elem) {
  if (need <= *cap)
    return 0;
  size_t cap2 = *cap ? *cap * 2 : 8;
  while (cap2 < need)
    cap2 *= 2;
  void *q = realloc(*p, cap2 * elem);
  if (!q)
    return -1;
  *p = q;
  *cap = cap2;
  return 0;
}

static int put_str(ctx *x, const char *s, size_t len, uint32_t *off) {
  builder *b = &x->b;
  if (grow((void **)&b->strs, &b->cap_strs, b->n_strs + len + 1, 1) != 0)
    return oom(x);
  memcpy(b->strs + b->n_strs, s, len);
  b->strs[b->n_strs + len] = '\0';
  *off = (uint32_t)b->n_strs;
  b->n_strs += len + 1;
  return 0;
}

static void builder_reset(builder *b) {
  b->n_preds = b->n_brk = b->n_vals = b->n_strs = 0;
  memset(&b->pub, 0, sizeof b->pub);
  memset(&b->rule, 0, sizeof b->rule);
  b->pub.difficulty = 0.5; /* documented default */
  b->pub.active = true;
  b->has_name = b->has_game = b->has_crit_game = false;
}

static void builder_free(builder *b) {
  free(b->preds);
  free(b->brk);
  free(b->vals);
  free(b->strs);
}

/* ---- YAML node helpers ---- */

static yaml_node_t *node_at(ctx *x, int id) { return yaml_document_get_node(x->doc, id); }

static const char *scalar(const yaml_node_t *n, size_t *len) {
  if (!n || n->type != YAML_SCALAR_NODE)
    return NULL;
  *len = n->data.scalar.length;
  return (const char *)n->data.scalar.value;
}

static bool scalar_is(const yaml_node_t *n, const char *s) {
  size_t len = 0;
  const char *v = scalar(n, &len);
  return v && len == strlen(s) && memcmp(v, s, len) == 0;
}

static bool is_plain(const yaml_node_t *n) {
  return n->type == YAML_SCALAR_NODE && n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
}

static bool is_null(const yaml_node_t *n) {
  if (!is_plain(n))
    return false;
  return n->data.scalar.length == 0 || scalar_is(n, "~") || scalar_is(n, "null") ||
         scalar_is(n, "Null") || scalar_is(n, "NULL");
}

/* Plain true/false (YAML and JSON booleans); *v = 1 or 0. */
static bool plain_bool(const yaml_node_t *n, bool *v) {
  if (!is_plain(n))
    return false;
  if (scalar_is(n, "true") || scalar_is(n, "True") || scalar_is(n, "TRUE")) {
    *v = true;
    return true;
  }
  if (scalar_is(n, "false") || scalar_is(n, "False") || scalar_is(n, "FALSE")) {
    *v = false;
    return true;
  }
  return false;
}

/* A scalar read as a number (booleans are 1 / 0). */
static bool scalar_number(const yaml_node_t *n, double *v) {
  bool b;
  if (plain_bool(n, &b)) {
    *v = b ? 1 : 0;
    return true;
  }
  size_t len = 0;
  const char *s = scalar(n, &len);
  return s && gb_attrs_parse_number(s, len, v);
}

/* 2^53: integers above it are not exact in a double. */
#define INT_EXACT_MAX 9007199254740992.0

static int scalar_int(ctx *x, const yaml_node_t *n, const char *field, int64_t min, int64_t *v) {
  double d;
  if (!scalar_number(n, &d) || d != floor(d) || fabs(d) > INT_EXACT_MAX)
    return fail(x, n, field, "expected an integer");
  if (d < (double)min)
    return fail(x, n, field, "must be >= %lld, got %.0f", (long long)min, d);
  *v = (int64_t)d;
  return 0;
}

/* Rejects a mapping that holds the same key twice (libyaml accepts it; the second value would
 * silently win, hiding an operator's mistake). */
static int check_dup_keys(ctx *x, const yaml_node_t *map, const char *field) {
  for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++)
    for (yaml_node_pair_t *q = p + 1; q < map->data.mapping.pairs.top; q++) {
      size_t la = 0, lb = 0;
      const char *a = scalar(node_at(x, p->key), &la), *b = scalar(node_at(x, q->key), &lb);
      if (a && b && la == lb && memcmp(a, b, la) == 0)
        return fail(x, node_at(x, q->key), field, "duplicate key '%.*s'", (int)la, a);
    }
  return 0;
}

/* Durations: a number of seconds, or a number with a unit ms, s, m, h or d ("90", "30m", "1d").
 * Result in ms, > 0. */
static int parse_duration(ctx *x, const yaml_node_t *n, const char *field, int64_t *ms) {
  size_t len = 0;
  const char *s = scalar(n, &len);
  if (!s || len == 0 || len > 32)
    return fail(x, n, field, "expected a duration such as 90, 30s, 15m, 2h or 1d");
  static const struct {
    const char *suffix;
    double ms;
  } units[] = {{"ms", 1}, {"s", 1e3}, {"m", 60e3}, {"h", 3600e3}, {"d", 86400e3}};
  double scale = 1e3, v;
  size_t num_len = len;
  for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
    size_t ul = strlen(units[i].suffix);
    if (len > ul && memcmp(s + len - ul, units[i].suffix, ul) == 0 &&
        gb_attrs_parse_number(s, len - ul, &v)) {
      scale = units[i].ms;
      num_len = len - ul;
      break;
    }
  }
  if (!gb_attrs_parse_number(s, num_len, &v))
    return fail(x, n, field, "'%.*s' is not a duration (e.g. 90, 30s, 15m, 2h, 1d)", (int)len, s);
  double total = v * scale;
  /* A year of sim time is far beyond any challenge; it also keeps ms well inside int64. */
  if (!(total >= 1) || total > 366 * 86400e3)
    return fail(x, n, field, "duration '%.*s' must be between 1ms and 366d", (int)len, s);
  *ms = (int64_t)llround(total);
  return 0;
}

/* ---- criteria ---- */

static ctype schema_type(const char *attr) {
  for (size_t i = 0; i < sizeof schema_attrs / sizeof schema_attrs[0]; i++)
    if (strcmp(schema_attrs[i].name, attr) == 0)
      return schema_attrs[i].type;
  return T_AUTO;
}

static int add_val(ctx *x, const yaml_node_t *n, bool num, uint32_t *index) {
  builder *b = &x->b;
  if (grow((void **)&b->vals, &b->cap_vals, b->n_vals + 1, sizeof *b->vals) != 0)
    return oom(x);
  gb_cval *v = &b->vals[b->n_vals];
  memset(v, 0, sizeof *v);
  size_t len = 0;
  const char *s = scalar(n, &len);
  if (put_str(x, s, len, &v->off) != 0)
    return -1;
  v->len = (uint32_t)len;
  if (num) {
    scalar_number(n, &v->num); /* checked by the caller */
    v->hash = gb_value_hash_num(v->num);
  } else {
    v->hash = gb_value_hash_str(s, len);
  }
  *index = (uint32_t)b->n_vals++;
  return 0;
}

static int add_pred(ctx *x, bool brk, const gb_pred *p) {
  builder *b = &x->b;
  gb_pred **arr = brk ? &b->brk : &b->preds;
  size_t *n = brk ? &b->n_brk : &b->n_preds, *cap = brk ? &b->cap_brk : &b->cap_preds;
  if (grow((void **)arr, cap, *n + 1, sizeof **arr) != 0)
    return oom(x);
  (*arr)[(*n)++] = *p;
  return 0;
}

/* A constant of an equality-like operator: a non-null scalar. */
static int check_const(ctx *x, const yaml_node_t *n, const char *field, const char *op) {
  if (!n || n->type != YAML_SCALAR_NODE)
    return fail(x, n, field, "%s: expected a single value (string or number)", op);
  if (is_null(n))
    return fail(x, n, field, "%s: null is not a value", op);
  return 0;
}

/* What one criterion (attribute -> value or operator mapping) is being compiled with. */
typedef struct crit {
  const char *attr;  /* full attribute name (player.level) */
  const char *field; /* path for messages (criteria.bet) */
  uint32_t attr_id;
  ctype type;  /* comparison type of equality-like operators */
  bool forced; /* type came from `type:` */
  bool brk;    /* goes to break_on */
} crit;

static int numeric_or_fail(ctx *x, const crit *cr, const yaml_node_t *n, const char *op) {
  double d;
  if (scalar_number(n, &d))
    return 0;
  size_t len = 0;
  const char *s = scalar(n, &len);
  if (schema_type(cr->attr) == T_NUM)
    return fail(x, n, cr->field, "'%s' is a number attribute: %s '%.*s' is not a number", cr->attr,
                op, (int)len, s);
  return fail(x, n, cr->field, "%s: '%.*s' is not a number", op, (int)len, s);
}

/* eq / ne: one constant. */
static int compile_eq(ctx *x, const crit *cr, const yaml_node_t *n, op_kind op) {
  if (check_const(x, n, cr->field, op_names[op]) != 0)
    return -1;
  if (cr->type == T_NUM && numeric_or_fail(x, cr, n, op_names[op]) != 0)
    return -1;
  gb_pred p = {.attr = cr->attr_id,
               .op = op == OP_EQ ? GB_OP_EQ : GB_OP_NE,
               .num = cr->type == T_NUM,
               .n_vals = 1};
  if (add_val(x, n, p.num, &p.val0) != 0)
    return -1;
  if (op == OP_EQ && !cr->brk && !p.num && strcmp(cr->attr, "game") == 0 && !x->b.has_crit_game) {
    x->b.has_crit_game = true;
    x->b.crit_game_off = x->b.vals[p.val0].off;
  }
  return add_pred(x, cr->brk, &p);
}

/* in / not_in: a non-empty list of constants. */
static int compile_in(ctx *x, const crit *cr, const yaml_node_t *n, op_kind op) {
  if (!n || n->type != YAML_SEQUENCE_NODE)
    return fail(x, n, cr->field, "%s: expected a list of values", op_names[op]);
  yaml_node_item_t *it = n->data.sequence.items.start, *end = n->data.sequence.items.top;
  if (it == end)
    return fail(x, n, cr->field, "%s: the list is empty", op_names[op]);
  gb_pred p = {.attr = cr->attr_id,
               .op = op == OP_IN ? GB_OP_IN : GB_OP_NOT_IN,
               .num = cr->type == T_NUM,
               .val0 = (uint32_t)x->b.n_vals};
  for (; it < end; it++) {
    yaml_node_t *v = node_at(x, *it);
    if (check_const(x, v, cr->field, op_names[op]) != 0)
      return -1;
    if (p.num && numeric_or_fail(x, cr, v, op_names[op]) != 0)
      return -1;
    uint32_t idx;
    if (add_val(x, v, p.num, &idx) != 0)
      return -1;
    p.n_vals++;
  }
  return add_pred(x, cr->brk, &p);
}

/* The interval being narrowed by lt/lte/gt/gte/between. */
typedef struct interval {
  bool any;
  double lo, hi;
  bool lo_incl, hi_incl;
} interval;

static void narrow_lo(interval *iv, double v, bool incl) {
  if (v > iv->lo || (v == iv->lo && !incl)) {
    iv->lo = v;
    iv->lo_incl = incl;
  }
}

static void narrow_hi(interval *iv, double v, bool incl) {
  if (v < iv->hi || (v == iv->hi && !incl)) {
    iv->hi = v;
    iv->hi_incl = incl;
  }
}

static int range_number(ctx *x, const crit *cr, const yaml_node_t *n, op_kind op, double *v) {
  if (check_const(x, n, cr->field, op_names[op]) != 0 || numeric_or_fail(x, cr, n, op_names[op]))
    return -1;
  scalar_number(n, v);
  return 0;
}

static int compile_range_op(ctx *x, const crit *cr, const yaml_node_t *n, op_kind op,
                            interval *iv) {
  iv->any = true;
  double v, w;
  if (op == OP_BETWEEN) {
    if (!n || n->type != YAML_SEQUENCE_NODE ||
        n->data.sequence.items.top - n->data.sequence.items.start != 2)
      return fail(x, n, cr->field, "between: expected [min, max]");
    yaml_node_t *a = node_at(x, n->data.sequence.items.start[0]);
    yaml_node_t *b = node_at(x, n->data.sequence.items.start[1]);
    if (range_number(x, cr, a, op, &v) != 0 || range_number(x, cr, b, op, &w) != 0)
      return -1;
    if (v > w)
      return fail(x, n, cr->field, "between: min %g > max %g", v, w);
    narrow_lo(iv, v, true);
    narrow_hi(iv, w, true);
    return 0;
  }
  if (range_number(x, cr, n, op, &v) != 0)
    return -1;
  if (op == OP_LT || op == OP_LTE)
    narrow_hi(iv, v, op == OP_LTE);
  else
    narrow_lo(iv, v, op == OP_GTE);
  return 0;
}

static int op_lookup(const yaml_node_t *key, op_kind *op) {
  for (int i = 0; i < N_OPS; i++)
    if (scalar_is(key, op_names[i])) {
      *op = (op_kind)i;
      return 0;
    }
  return -1;
}

/* Settles the comparison type of the equality-like operators of an operator mapping. */
static int settle_type(ctx *x, crit *cr, const yaml_node_t *map) {
  yaml_node_pair_t *p;
  for (p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
    yaml_node_t *k = node_at(x, p->key), *v = node_at(x, p->value);
    if (!scalar_is(k, "type"))
      continue;
    if (scalar_is(v, "string"))
      cr->type = T_STR;
    else if (scalar_is(v, "number"))
      cr->type = T_NUM;
    else {
      size_t len = 0;
      const char *s = scalar(v, &len);
      return fail(x, v, cr->field, "unknown attribute type '%.*s' (expected string or number)",
                  (int)len, s ? s : "");
    }
    cr->forced = true;
  }
  if (cr->forced)
    return 0;
  /* Unforced: the schema's type, else numeric when every constant reads as a number. */
  cr->type = schema_type(cr->attr);
  if (cr->type != T_AUTO)
    return 0;
  cr->type = T_NUM;
  for (p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
    op_kind op;
    yaml_node_t *v = node_at(x, p->value);
    if (op_lookup(node_at(x, p->key), &op) != 0 ||
        !(op == OP_EQ || op == OP_NE || op == OP_IN || op == OP_NOT_IN))
      continue;
    double d;
    if (v->type == YAML_SCALAR_NODE && !scalar_number(v, &d))
      cr->type = T_STR;
    if (v->type == YAML_SEQUENCE_NODE)
      for (yaml_node_item_t *it = v->data.sequence.items.start; it < v->data.sequence.items.top;
           it++)
        if (!scalar_number(node_at(x, *it), &d))
          cr->type = T_STR;
  }
  return 0;
}

static int compile_op_map(ctx *x, crit *cr, const yaml_node_t *map) {
  if (check_dup_keys(x, map, cr->field) != 0 || settle_type(x, cr, map) != 0)
    return -1;
  interval iv = {.lo = -HUGE_VAL, .hi = HUGE_VAL};
  int n_ops = 0;
  for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
    yaml_node_t *k = node_at(x, p->key), *v = node_at(x, p->value);
    if (scalar_is(k, "type"))
      continue;
    op_kind op;
    if (op_lookup(k, &op) != 0) {
      size_t len = 0;
      const char *s = scalar(k, &len);
      return fail(x, k, cr->field,
                  "unknown operator '%.*s' (expected eq, ne, lt, lte, gt, gte, in, not_in, "
                  "between)",
                  (int)len, s ? s : "?");
    }
    n_ops++;
    bool ranged = op == OP_LT || op == OP_LTE || op == OP_GT || op == OP_GTE || op == OP_BETWEEN;
    if (ranged && cr->type == T_STR)
      return fail(x, k, cr->field, "%s compares numbers but '%s' is %s", op_names[op], cr->attr,
                  cr->forced ? "declared type: string" : "a string attribute");
    int rc = ranged                         ? compile_range_op(x, cr, v, op, &iv)
             : (op == OP_EQ || op == OP_NE) ? compile_eq(x, cr, v, op)
                                            : compile_in(x, cr, v, op);
    if (rc != 0)
      return -1;
  }
  if (n_ops == 0)
    return fail(x, map, cr->field,
                "no operator (expected eq, ne, lt, lte, gt, gte, in, not_in, "
                "between)");
  if (!iv.any)
    return 0;
  if (iv.lo > iv.hi || (iv.lo == iv.hi && !(iv.lo_incl && iv.hi_incl)))
    return fail(x, map, cr->field, "empty range: no number is %s %g and %s %g",
                iv.lo_incl ? ">=" : ">", iv.lo, iv.hi_incl ? "<=" : "<", iv.hi);
  gb_pred p = {.attr = cr->attr_id,
               .op = GB_OP_RANGE,
               .num = true,
               .lo = iv.lo,
               .hi = iv.hi,
               .lo_incl = iv.lo_incl,
               .hi_incl = iv.hi_incl};
  return add_pred(x, cr->brk, &p);
}

static int compile_criterion(ctx *x, const char *attr, const char *field, const yaml_node_t *v,
                             bool brk) {
  crit cr = {.attr = attr, .field = field, .brk = brk};
  if (gb_catalog_intern_attr(x->c, attr, strlen(attr), &cr.attr_id) != 0)
    return oom(x);
  if (v->type == YAML_MAPPING_NODE)
    return compile_op_map(x, &cr, v);
  if (v->type != YAML_SCALAR_NODE)
    return fail(x, v, field, "expected a value or an operator mapping such as {gte: 100}");
  cr.type = schema_type(attr);
  double d;
  if (cr.type == T_AUTO)
    cr.type = scalar_number(v, &d) ? T_NUM : T_STR;
  return compile_eq(x, &cr, v, OP_EQ);
}

/* A criteria mapping (criteria, player, progress.break_on). `prefix` is prepended to attribute
 * names ("player."); `path` names the section in messages. */
static int compile_criteria(ctx *x, const yaml_node_t *map, const char *path, const char *prefix,
                            bool brk) {
  if (map->type != YAML_MAPPING_NODE)
    return fail(x, map, path, "expected a mapping of attribute to value or operators");
  if (check_dup_keys(x, map, path) != 0)
    return -1;
  for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
    yaml_node_t *k = node_at(x, p->key), *v = node_at(x, p->value);
    size_t len = 0;
    const char *key = scalar(k, &len);
    if (!key || len == 0 || len > ATTR_NAME_MAX - strlen(prefix))
      return fail(x, k, path, "attribute names are non-empty strings of at most %d bytes",
                  ATTR_NAME_MAX);
    char attr[ATTR_NAME_MAX + 1], field[FIELD_MAX];
    snprintf(attr, sizeof attr, "%s%.*s", prefix, (int)len, key);
    snprintf(field, sizeof field, "%s.%.*s", path, (int)len, key);
    if (!prefix[0] && strncmp(attr, "player.", strlen("player.")) == 0)
      return fail(x, k, field, "player state is tested in the definition's `player:` section");
    if (prefix[0]) {
      bool known = false;
      for (size_t i = 0; i < sizeof player_keys / sizeof player_keys[0]; i++)
        known |= strlen(player_keys[i]) == len && memcmp(player_keys[i], key, len) == 0;
      if (!known)
        return fail(x, k, field,
                    "unknown player attribute '%.*s' (expected level, coin_balance, "
                    "preferred_game, days_since_install)",
                    (int)len, key);
    }
    if (compile_criterion(x, attr, field, v, brk) != 0)
      return -1;
  }
  return 0;
}

/* ---- the other sections ---- */

static int compile_progress(ctx *x, const yaml_node_t *map) {
  const char *path = "progress";
  if (map->type != YAML_MAPPING_NODE)
    return fail(x, map, path, "expected a mapping such as {count: 3}");
  if (check_dup_keys(x, map, path) != 0)
    return -1;
  gb_rule *r = &x->b.rule;
  const yaml_node_t *target = NULL, *streak = NULL;
  for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
    yaml_node_t *k = node_at(x, p->key), *v = node_at(x, p->value);
    int rc = 0;
    if (scalar_is(k, "count")) {
      if (r->kind == GB_RULE_SUM)
        return fail(x, k, "progress.count", "a rule has either count or sum, not both");
      r->kind = GB_RULE_COUNT;
      rc = scalar_int(x, v, "progress.count", 1, &r->target);
    } else if (scalar_is(k, "sum")) {
      if (r->kind == GB_RULE_COUNT)
        return fail(x, k, "progress.sum", "a rule has either count or sum, not both");
      size_t len = 0;
      const char *s = scalar(v, &len);
      if (!s || len == 0 || len > ATTR_NAME_MAX || is_null(v))
        return fail(x, v, "progress.sum", "expected the name of a numeric attribute");
      char attr[ATTR_NAME_MAX + 1];
      snprintf(attr, sizeof attr, "%.*s", (int)len, s);
      if (schema_type(attr) == T_STR)
        return fail(x, v, "progress.sum", "'%s' is a string attribute: it cannot be summed", attr);
      r->kind = GB_RULE_SUM;
      if (gb_catalog_intern_attr(x->c, attr, len, &r->sum_attr) != 0)
        return oom(x);
    } else if (scalar_is(k, "target")) {
      target = v;
    } else if (scalar_is(k, "window")) {
      rc = parse_duration(x, v, "progress.window", &r->window_ms);
    } else if (scalar_is(k, "daily")) {
      bool b;
      if (!plain_bool(v, &b))
        return fail(x, v, "progress.daily", "expected true or false");
      r->daily = b;
    } else if (scalar_is(k, "streak")) {
      streak = v;
    } else if (scalar_is(k, "break_on")) {
      rc = compile_criteria(x, v, "progress.break_on", "", true);
    } else {
      size_t len = 0;
      const char *s = scalar(k, &len);
      return fail(x, k, path,
                  "unknown key '%.*s' (expected count, sum, target, window, daily, streak, "
                  "break_on)",
                  (int)len, s ? s : "?");
    }
    if (rc != 0)
      return -1;
  }
  if (r->kind == GB_RULE_NONE)
    return fail(x, map, path, "needs count: N, or sum: FIELD with target: T");
  if (r->kind == GB_RULE_SUM) {
    if (!target)
      return fail(x, map, "progress.target", "sum needs a target");
    if (scalar_int(x, target, "progress.target", 1, &r->target) != 0)
      return -1;
  } else if (target) {
    return fail(x, target, "progress.target", "target goes with sum (count is its own target)");
  }
  if (streak) {
    int64_t days;
    if (scalar_int(x, streak, "progress.streak", 2, &days) != 0)
      return -1;
    if (!r->daily)
      return fail(x, streak, "progress.streak", "a streak counts days: it needs daily: true");
    /* A streak longer than a year outlives any prop (TTLs are bounded by 366 days too). */
    if (days > 366)
      return fail(x, streak, "progress.streak", "at most 366 days");
    r->streak = (int32_t)days;
  }
  x->b.pub.progress_target = r->target;
  x->b.pub.window_s = r->window_ms / 1000;
  x->b.pub.daily = r->daily;
  x->b.pub.streak_days = r->streak;
  return 0;
}

static int compile_reward(ctx *x, const yaml_node_t *map) {
  if (map->type != YAML_MAPPING_NODE)
    return fail(x, map, "reward", "expected a mapping such as {coins: 500}");
  for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
    yaml_node_t *k = node_at(x, p->key), *v = node_at(x, p->value);
    if (!scalar_is(k, "coins"))
      return fail(x, k, "reward", "unknown reward '%s' (expected coins)",
                  k->type == YAML_SCALAR_NODE ? (const char *)k->data.scalar.value : "?");
    if (scalar_int(x, v, "reward.coins", 0, &x->b.pub.reward_coins) != 0)
      return -1;
  }
  return 0;
}

static int string_field(ctx *x, const yaml_node_t *v, const char *field, size_t max,
                        uint32_t *off) {
  size_t len = 0;
  const char *s = scalar(v, &len);
  if (!s || is_null(v) || len == 0)
    return fail(x, v, field, "expected a non-empty string");
  if (len > max)
    return fail(x, v, field, "longer than %zu bytes", max);
  return put_str(x, s, len, off);
}

/* Finds the id first so that every later message can name the definition. */
static int compile_id(ctx *x, const yaml_node_t *def) {
  for (yaml_node_pair_t *p = def->data.mapping.pairs.start; p < def->data.mapping.pairs.top; p++) {
    if (!scalar_is(node_at(x, p->key), "id"))
      continue;
    yaml_node_t *v = node_at(x, p->value);
    /* Ids travel in events' challenge_id, whose size is fixed by the schema. */
    if (string_field(x, v, "id", GB_CHALLENGE_ID_MAX, &x->b.id_off) != 0)
      return -1;
    snprintf(x->id, sizeof x->id, "'%s'", x->b.strs + x->b.id_off);
    return 0;
  }
  return fail(x, def, "id", "missing (every definition needs an id)");
}

static int compile_section(ctx *x, const yaml_node_t *k, const yaml_node_t *v, bool *criteria) {
  if (scalar_is(k, "id"))
    return 0;
  if (scalar_is(k, "criteria")) {
    *criteria = true;
    return compile_criteria(x, v, "criteria", "", false);
  }
  if (scalar_is(k, "player"))
    return compile_criteria(x, v, "player", "player.", false);
  if (scalar_is(k, "progress"))
    return compile_progress(x, v);
  if (scalar_is(k, "ttl")) {
    if (parse_duration(x, v, "ttl", &x->b.rule.ttl_ms) != 0)
      return -1;
    x->b.pub.ttl_s = (x->b.rule.ttl_ms + 999) / 1000; /* whole seconds, rounded up */
    return 0;
  }
  if (scalar_is(k, "reward"))
    return compile_reward(x, v);
  if (scalar_is(k, "difficulty")) {
    if (!scalar_number(v, &x->b.pub.difficulty) || x->b.pub.difficulty < 0 ||
        x->b.pub.difficulty > 1)
      return fail(x, v, "difficulty", "expected a number between 0 and 1");
    return 0;
  }
  if (scalar_is(k, "game")) {
    x->b.has_game = true;
    return string_field(x, v, "game", GB_GAME_MAX, &x->b.game_off);
  }
  if (scalar_is(k, "name")) {
    x->b.has_name = true;
    /* Titles are for operators' screens; 200 bytes is plenty and bounds memory per definition. */
    return string_field(x, v, "name", 200, &x->b.name_off);
  }
  size_t len = 0;
  const char *s = scalar(k, &len);
  return fail(x, k, NULL,
              "unknown key '%.*s' (expected id, name, game, criteria, player, progress, ttl, "
              "reward, difficulty)",
              (int)len, s ? s : "?");
}

/* Freezes the builder into one heap block: the gb_def, predicates, constants, strings. */
static gb_def *freeze(ctx *x) {
  builder *b = &x->b;
  /* Cheapest rejection first: equality, membership, ranges, then negations (gb_pred_op order).
   * Insertion sort: a definition has a handful of predicates; stable keeps the file order. */
  for (size_t i = 1; i < b->n_preds; i++)
    for (size_t j = i; j > 0 && b->preds[j - 1].op > b->preds[j].op; j--) {
      gb_pred t = b->preds[j];
      b->preds[j] = b->preds[j - 1];
      b->preds[j - 1] = t;
    }
  size_t n_preds = b->n_preds + b->n_brk;
  size_t size =
      sizeof(gb_def) + n_preds * sizeof(gb_pred) + b->n_vals * sizeof(gb_cval) + b->n_strs;
  char *block = malloc(size);
  if (!block)
    return NULL;
  gb_def *d = (gb_def *)block;
  gb_pred *preds = (gb_pred *)(block + sizeof(gb_def));
  gb_cval *vals = (gb_cval *)(preds + n_preds);
  char *strs = (char *)(vals + b->n_vals);
  if (b->n_preds)
    memcpy(preds, b->preds, b->n_preds * sizeof *preds);
  if (b->n_brk)
    memcpy(preds + b->n_preds, b->brk, b->n_brk * sizeof *preds);
  if (b->n_vals)
    memcpy(vals, b->vals, b->n_vals * sizeof *vals);
  memcpy(strs, b->strs, b->n_strs);
  d->pub = b->pub;
  d->rule = b->rule;
  d->preds = preds;
  d->n_preds = (uint32_t)b->n_preds;
  d->n_break = (uint32_t)b->n_brk;
  d->vals = vals;
  d->strs = strs;
  d->pub.id = strs + b->id_off;
  d->pub.name = b->has_name ? strs + b->name_off : NULL;
  d->pub.game = b->has_game        ? strs + b->game_off
                : b->has_crit_game ? strs + b->crit_game_off
                                   : NULL;
  return d;
}

static int compile_def(ctx *x, const yaml_node_t *def, gb_def **out) {
  builder_reset(&x->b);
  if (!def || def->type != YAML_MAPPING_NODE)
    return fail(x, def, NULL, "expected a mapping with id and criteria");
  if (compile_id(x, def) != 0 || check_dup_keys(x, def, NULL) != 0)
    return -1;
  bool criteria = false;
  for (yaml_node_pair_t *p = def->data.mapping.pairs.start; p < def->data.mapping.pairs.top; p++)
    if (compile_section(x, node_at(x, p->key), node_at(x, p->value), &criteria) != 0)
      return -1;
  if (!criteria)
    return fail(x, def, "criteria", "missing (every definition needs criteria)");
  if (x->b.n_preds > UINT32_MAX / 2 || x->b.n_vals > UINT32_MAX / 2)
    return fail(x, def, "criteria", "too many criteria");
  *out = freeze(x);
  return *out ? 0 : oom(x);
}

/* ---- documents ---- */

static int load_doc(ctx *x, yaml_parser_t *parser, yaml_document_t *doc, const char *text,
                    size_t len) {
  if (!yaml_parser_initialize(parser))
    return oom(x);
  yaml_parser_set_input_string(parser, (const unsigned char *)text, len);
  if (!yaml_parser_load(parser, doc)) {
    int rc = gb_err_set(x->err, GB_ERR_INPUT, "%s:%zu:%zu: %s %s", x->file,
                        parser->problem_mark.line + 1, parser->problem_mark.column + 1,
                        parser->problem ? parser->problem : "invalid YAML",
                        parser->context ? parser->context : "");
    yaml_parser_delete(parser);
    return rc;
  }
  x->doc = doc;
  return 0;
}

static void unload_doc(ctx *x, yaml_parser_t *parser) {
  yaml_document_delete(x->doc);
  yaml_parser_delete(parser);
  builder_free(&x->b);
}

/* The list of definitions: the root, or the root mapping's `definitions`. */
static int definitions_node(ctx *x, yaml_node_t **list) {
  yaml_node_t *root = yaml_document_get_root_node(x->doc);
  if (!root)
    return gb_err_set(x->err, GB_ERR_INPUT, "%s: empty catalogue (expected a list of definitions)",
                      x->file);
  if (root->type == YAML_MAPPING_NODE) {
    yaml_node_t *defs = NULL;
    for (yaml_node_pair_t *p = root->data.mapping.pairs.start; p < root->data.mapping.pairs.top;
         p++) {
      yaml_node_t *k = node_at(x, p->key);
      if (scalar_is(k, "definitions"))
        defs = node_at(x, p->value);
      else if (!scalar_is(k, "name") && !scalar_is(k, "description") && !scalar_is(k, "version"))
        return gb_err_set(x->err, GB_ERR_INPUT,
                          "%s:%zu: unknown top-level key '%s' (expected definitions, name, "
                          "description, version)",
                          x->file, k->start_mark.line + 1,
                          k->type == YAML_SCALAR_NODE ? (const char *)k->data.scalar.value : "?");
    }
    root = defs;
    if (!root)
      return gb_err_set(x->err, GB_ERR_INPUT, "%s: no `definitions` list", x->file);
  }
  if (root->type != YAML_SEQUENCE_NODE)
    return gb_err_set(x->err, GB_ERR_INPUT,
                      "%s:%zu: expected a list of definitions (or a mapping with `definitions`)",
                      x->file, root->start_mark.line + 1);
  *list = root;
  return 0;
}

int gb_matcher_compile_catalog(gb_catalog *c, const char *text, size_t len, const char *name,
                               gb_err *err) {
  ctx x = {.c = c, .file = name, .err = err};
  yaml_parser_t parser;
  yaml_document_t doc;
  if (load_doc(&x, &parser, &doc, text, len) != 0)
    return -1;
  yaml_node_t *list = NULL;
  int rc = definitions_node(&x, &list);
  size_t index = 0;
  for (yaml_node_item_t *it = list ? list->data.sequence.items.start : NULL;
       rc == 0 && it < list->data.sequence.items.top; it++, index++) {
    snprintf(x.id, sizeof x.id, "#%zu", index + 1);
    gb_def *d = NULL;
    yaml_node_t *node = node_at(&x, *it);
    rc = compile_def(&x, node, &d);
    if (rc != 0)
      break;
    uint32_t ord;
    if (gb_catalog_has_id(c, d->pub.id, &ord) == 0) {
      rc = fail(&x, node, "id", "duplicate id (definition #%u has it too)", ord + 1);
      free(d);
    } else if (gb_catalog_put(c, d, false) != 0) {
      rc = oom(&x);
      free(d);
    }
  }
  unload_doc(&x, &parser);
  return rc;
}

int gb_matcher_compile_one(gb_catalog *c, const char *text, size_t len, const char *name,
                           gb_def **out, gb_err *err) {
  ctx x = {.c = c, .file = name, .err = err};
  snprintf(x.id, sizeof x.id, "#1");
  yaml_parser_t parser;
  yaml_document_t doc;
  if (load_doc(&x, &parser, &doc, text, len) != 0)
    return -1;
  int rc = compile_def(&x, yaml_document_get_root_node(&doc), out);
  unload_doc(&x, &parser);
  return rc;
}
