/* gb_matcher_compile_criteria: criteria (attribute: value, or a mapping of operators) compiled
 * into predicates, typed by the event schema so that a criterion of the wrong type is an error at
 * load. */
#include "gb_matcher_compile_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

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

/* ---- criteria ---- */

ctype gb_compile_schema_type(const char *attr) {
  for (size_t i = 0; i < sizeof schema_attrs / sizeof schema_attrs[0]; i++)
    if (strcmp(schema_attrs[i].name, attr) == 0)
      return schema_attrs[i].type;
  return T_AUTO;
}

static int add_val(ctx *x, const yaml_node_t *n, bool num, uint32_t *index) {
  builder *b = &x->b;
  if (GB_GROW(b->vals, b->cap_vals, b->n_vals + 1, 8, "values", NULL) != 0)
    return gb_compile_oom(x);
  gb_cval *v = &b->vals[b->n_vals];
  memset(v, 0, sizeof *v);
  size_t len = 0;
  const char *s = scalar(n, &len);
  if (gb_compile_put_str(x, s, len, &v->off) != 0)
    return -1;
  v->len = (uint32_t)len;
  if (num) {
    gb_compile_scalar_number(n, &v->num); /* checked by the caller */
    v->hash = gb_value_hash_num(v->num);
  } else {
    v->hash = gb_value_hash_str(s, len);
  }
  *index = (uint32_t)b->n_vals++;
  return 0;
}

static int add_pred(ctx *x, bool brk, const gb_pred *p) {
  builder *b = &x->b;
  int rc = brk ? GB_GROW(b->brk, b->cap_brk, b->n_brk + 1, 8, "break predicates", NULL)
               : GB_GROW(b->preds, b->cap_preds, b->n_preds + 1, 8, "predicates", NULL);
  if (rc != 0)
    return gb_compile_oom(x);
  if (brk)
    b->brk[b->n_brk++] = *p;
  else
    b->preds[b->n_preds++] = *p;
  return 0;
}

/* A constant of an equality-like operator: a non-null scalar. */
static int check_const(ctx *x, const yaml_node_t *n, const char *field, const char *op) {
  if (!n || n->type != YAML_SCALAR_NODE)
    return gb_compile_fail(x, n, field, "%s: expected a single value (string or number)", op);
  if (is_null(n))
    return gb_compile_fail(x, n, field, "%s: null is not a value", op);
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
  if (gb_compile_scalar_number(n, &d))
    return 0;
  size_t len = 0;
  const char *s = scalar(n, &len);
  if (gb_compile_schema_type(cr->attr) == T_NUM)
    return gb_compile_fail(x, n, cr->field, "'%s' is a number attribute: %s '%.*s' is not a number",
                           cr->attr, op, (int)len, s);
  return gb_compile_fail(x, n, cr->field, "%s: '%.*s' is not a number", op, (int)len, s);
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
    return gb_compile_fail(x, n, cr->field, "%s: expected a list of values", op_names[op]);
  yaml_node_item_t *it = n->data.sequence.items.start, *end = n->data.sequence.items.top;
  if (it == end)
    return gb_compile_fail(x, n, cr->field, "%s: the list is empty", op_names[op]);
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
  gb_compile_scalar_number(n, v);
  return 0;
}

static int compile_range_op(ctx *x, const crit *cr, const yaml_node_t *n, op_kind op,
                            interval *iv) {
  iv->any = true;
  double v, w;
  if (op == OP_BETWEEN) {
    if (!n || n->type != YAML_SEQUENCE_NODE ||
        n->data.sequence.items.top - n->data.sequence.items.start != 2)
      return gb_compile_fail(x, n, cr->field, "between: expected [min, max]");
    yaml_node_t *a = node_at(x, n->data.sequence.items.start[0]);
    yaml_node_t *b = node_at(x, n->data.sequence.items.start[1]);
    if (range_number(x, cr, a, op, &v) != 0 || range_number(x, cr, b, op, &w) != 0)
      return -1;
    if (v > w)
      return gb_compile_fail(x, n, cr->field, "between: min %g > max %g", v, w);
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
      return gb_compile_fail(x, v, cr->field,
                             "unknown attribute type '%.*s' (expected string or number)", (int)len,
                             s ? s : "");
    }
    cr->forced = true;
  }
  if (cr->forced)
    return 0;
  /* Unforced: the schema's type, else numeric when every constant reads as a number. */
  cr->type = gb_compile_schema_type(cr->attr);
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
    if (v->type == YAML_SCALAR_NODE && !gb_compile_scalar_number(v, &d))
      cr->type = T_STR;
    if (v->type == YAML_SEQUENCE_NODE)
      for (yaml_node_item_t *it = v->data.sequence.items.start; it < v->data.sequence.items.top;
           it++)
        if (!gb_compile_scalar_number(node_at(x, *it), &d))
          cr->type = T_STR;
  }
  return 0;
}

static int compile_op_map(ctx *x, crit *cr, const yaml_node_t *map) {
  if (gb_compile_check_dup_keys(x, map, cr->field) != 0 || settle_type(x, cr, map) != 0)
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
      return gb_compile_fail(
          x, k, cr->field,
          "unknown operator '%.*s' (expected eq, ne, lt, lte, gt, gte, in, not_in, "
          "between)",
          (int)len, s ? s : "?");
    }
    n_ops++;
    bool ranged = op == OP_LT || op == OP_LTE || op == OP_GT || op == OP_GTE || op == OP_BETWEEN;
    if (ranged && cr->type == T_STR)
      return gb_compile_fail(x, k, cr->field, "%s compares numbers but '%s' is %s", op_names[op],
                             cr->attr, cr->forced ? "declared type: string" : "a string attribute");
    int rc = ranged                         ? compile_range_op(x, cr, v, op, &iv)
             : (op == OP_EQ || op == OP_NE) ? compile_eq(x, cr, v, op)
                                            : compile_in(x, cr, v, op);
    if (rc != 0)
      return -1;
  }
  if (n_ops == 0)
    return gb_compile_fail(x, map, cr->field,
                           "no operator (expected eq, ne, lt, lte, gt, gte, in, not_in, "
                           "between)");
  if (!iv.any)
    return 0;
  if (iv.lo > iv.hi || (iv.lo == iv.hi && !(iv.lo_incl && iv.hi_incl)))
    return gb_compile_fail(x, map, cr->field, "empty range: no number is %s %g and %s %g",
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
    return gb_compile_oom(x);
  if (v->type == YAML_MAPPING_NODE)
    return compile_op_map(x, &cr, v);
  if (v->type != YAML_SCALAR_NODE)
    return gb_compile_fail(x, v, field,
                           "expected a value or an operator mapping such as {gte: 100}");
  cr.type = gb_compile_schema_type(attr);
  double d;
  if (cr.type == T_AUTO)
    cr.type = gb_compile_scalar_number(v, &d) ? T_NUM : T_STR;
  return compile_eq(x, &cr, v, OP_EQ);
}

/* A criteria mapping (criteria, player, progress.break_on). `prefix` is prepended to attribute
 * names ("player."); `path` names the section in messages. */
int gb_compile_criteria(ctx *x, const yaml_node_t *map, const char *path, const char *prefix,
                        bool brk) {
  if (map->type != YAML_MAPPING_NODE)
    return gb_compile_fail(x, map, path, "expected a mapping of attribute to value or operators");
  if (gb_compile_check_dup_keys(x, map, path) != 0)
    return -1;
  for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
    yaml_node_t *k = node_at(x, p->key), *v = node_at(x, p->value);
    size_t len = 0;
    const char *key = scalar(k, &len);
    if (!key || len == 0 || len > ATTR_NAME_MAX - strlen(prefix))
      return gb_compile_fail(
          x, k, path, "attribute names are non-empty strings of at most %d bytes", ATTR_NAME_MAX);
    char attr[ATTR_NAME_MAX + 1], field[FIELD_MAX];
    snprintf(attr, sizeof attr, "%s%.*s", prefix, (int)len, key);
    snprintf(field, sizeof field, "%s.%.*s", path, (int)len, key);
    if (!prefix[0] && strncmp(attr, "player.", strlen("player.")) == 0)
      return gb_compile_fail(x, k, field,
                             "player state is tested in the definition's `player:` section");
    if (prefix[0]) {
      bool known = false;
      for (size_t i = 0; i < sizeof player_keys / sizeof player_keys[0]; i++)
        known |= strlen(player_keys[i]) == len && memcmp(player_keys[i], key, len) == 0;
      if (!known)
        return gb_compile_fail(x, k, field,
                               "unknown player attribute '%.*s' (expected level, coin_balance, "
                               "preferred_game, days_since_install)",
                               (int)len, key);
    }
    if (compile_criterion(x, attr, field, v, brk) != 0)
      return -1;
  }
  return 0;
}
