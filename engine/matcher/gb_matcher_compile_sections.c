/* gb_matcher_compile_sections: one definition, section by section (id, name, criteria, player,
 * progress, reward, ...), frozen into one gb_def block. */
#include "gb_matcher_compile_int.h"

#include <stdlib.h>
#include <string.h>

static void builder_reset(builder *b) {
  b->n_preds = b->n_brk = b->n_vals = b->n_strs = 0;
  memset(&b->pub, 0, sizeof b->pub);
  memset(&b->rule, 0, sizeof b->rule);
  b->pub.difficulty = 0.5; /* documented default */
  b->pub.active = true;
  b->has_name = b->has_game = b->has_crit_game = false;
}

/* ---- the other sections ---- */

static int compile_progress(ctx *x, const yaml_node_t *map) {
  const char *path = "progress";
  if (map->type != YAML_MAPPING_NODE)
    return gb_compile_fail(x, map, path, "expected a mapping such as {count: 3}");
  if (gb_compile_check_dup_keys(x, map, path) != 0)
    return -1;
  gb_rule *r = &x->b.rule;
  const yaml_node_t *target = NULL, *streak = NULL;
  for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
    yaml_node_t *k = node_at(x, p->key), *v = node_at(x, p->value);
    int rc = 0;
    if (scalar_is(k, "count")) {
      if (r->kind == GB_RULE_SUM)
        return gb_compile_fail(x, k, "progress.count", "a rule has either count or sum, not both");
      r->kind = GB_RULE_COUNT;
      rc = gb_compile_scalar_int(x, v, "progress.count", 1, &r->target);
    } else if (scalar_is(k, "sum")) {
      if (r->kind == GB_RULE_COUNT)
        return gb_compile_fail(x, k, "progress.sum", "a rule has either count or sum, not both");
      size_t len = 0;
      const char *s = scalar(v, &len);
      if (!s || len == 0 || len > ATTR_NAME_MAX || is_null(v))
        return gb_compile_fail(x, v, "progress.sum", "expected the name of a numeric attribute");
      char attr[ATTR_NAME_MAX + 1];
      snprintf(attr, sizeof attr, "%.*s", (int)len, s);
      if (gb_compile_schema_type(attr) == T_STR)
        return gb_compile_fail(x, v, "progress.sum",
                               "'%s' is a string attribute: it cannot be summed", attr);
      r->kind = GB_RULE_SUM;
      if (gb_catalog_intern_attr(x->c, attr, len, &r->sum_attr) != 0)
        return gb_compile_oom(x);
    } else if (scalar_is(k, "target")) {
      target = v;
    } else if (scalar_is(k, "window")) {
      rc = gb_compile_parse_duration(x, v, "progress.window", &r->window_ms);
    } else if (scalar_is(k, "daily")) {
      bool b;
      if (!plain_bool(v, &b))
        return gb_compile_fail(x, v, "progress.daily", "expected true or false");
      r->daily = b;
    } else if (scalar_is(k, "streak")) {
      streak = v;
    } else if (scalar_is(k, "break_on")) {
      rc = gb_compile_criteria(x, v, "progress.break_on", "", true);
    } else {
      size_t len = 0;
      const char *s = scalar(k, &len);
      return gb_compile_fail(
          x, k, path,
          "unknown key '%.*s' (expected count, sum, target, window, daily, streak, "
          "break_on)",
          (int)len, s ? s : "?");
    }
    if (rc != 0)
      return -1;
  }
  if (r->kind == GB_RULE_NONE)
    return gb_compile_fail(x, map, path, "needs count: N, or sum: FIELD with target: T");
  if (r->kind == GB_RULE_SUM) {
    if (!target)
      return gb_compile_fail(x, map, "progress.target", "sum needs a target");
    if (gb_compile_scalar_int(x, target, "progress.target", 1, &r->target) != 0)
      return -1;
  } else if (target) {
    return gb_compile_fail(x, target, "progress.target",
                           "target goes with sum (count is its own target)");
  }
  if (streak) {
    int64_t days;
    if (gb_compile_scalar_int(x, streak, "progress.streak", 2, &days) != 0)
      return -1;
    if (!r->daily)
      return gb_compile_fail(x, streak, "progress.streak",
                             "a streak counts days: it needs daily: true");
    /* A streak longer than a year outlives any prop (TTLs are bounded by 366 days too). */
    if (days > 366)
      return gb_compile_fail(x, streak, "progress.streak", "at most 366 days");
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
    return gb_compile_fail(x, map, "reward", "expected a mapping such as {coins: 500}");
  for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
    yaml_node_t *k = node_at(x, p->key), *v = node_at(x, p->value);
    if (!scalar_is(k, "coins"))
      return gb_compile_fail(x, k, "reward", "unknown reward '%s' (expected coins)",
                             k->type == YAML_SCALAR_NODE ? (const char *)k->data.scalar.value
                                                         : "?");
    if (gb_compile_scalar_int(x, v, "reward.coins", 0, &x->b.pub.reward_coins) != 0)
      return -1;
  }
  return 0;
}

static int string_field(ctx *x, const yaml_node_t *v, const char *field, size_t max,
                        uint32_t *off) {
  size_t len = 0;
  const char *s = scalar(v, &len);
  if (!s || is_null(v) || len == 0)
    return gb_compile_fail(x, v, field, "expected a non-empty string");
  if (len > max)
    return gb_compile_fail(x, v, field, "longer than %zu bytes", max);
  return gb_compile_put_str(x, s, len, off);
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
  return gb_compile_fail(x, def, "id", "missing (every definition needs an id)");
}

static int compile_section(ctx *x, const yaml_node_t *k, const yaml_node_t *v, bool *criteria) {
  if (scalar_is(k, "id"))
    return 0;
  if (scalar_is(k, "criteria")) {
    *criteria = true;
    return gb_compile_criteria(x, v, "criteria", "", false);
  }
  if (scalar_is(k, "player"))
    return gb_compile_criteria(x, v, "player", "player.", false);
  if (scalar_is(k, "progress"))
    return compile_progress(x, v);
  if (scalar_is(k, "ttl")) {
    if (gb_compile_parse_duration(x, v, "ttl", &x->b.rule.ttl_ms) != 0)
      return -1;
    x->b.pub.ttl_s = (x->b.rule.ttl_ms + 999) / 1000; /* whole seconds, rounded up */
    return 0;
  }
  if (scalar_is(k, "reward"))
    return compile_reward(x, v);
  if (scalar_is(k, "difficulty")) {
    if (!gb_compile_scalar_number(v, &x->b.pub.difficulty) || x->b.pub.difficulty < 0 ||
        x->b.pub.difficulty > 1)
      return gb_compile_fail(x, v, "difficulty", "expected a number between 0 and 1");
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
  return gb_compile_fail(
      x, k, NULL,
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

int gb_compile_def(ctx *x, const yaml_node_t *def, gb_def **out) {
  builder_reset(&x->b);
  if (!def || def->type != YAML_MAPPING_NODE)
    return gb_compile_fail(x, def, NULL, "expected a mapping with id and criteria");
  if (compile_id(x, def) != 0 || gb_compile_check_dup_keys(x, def, NULL) != 0)
    return -1;
  bool criteria = false;
  for (yaml_node_pair_t *p = def->data.mapping.pairs.start; p < def->data.mapping.pairs.top; p++)
    if (compile_section(x, node_at(x, p->key), node_at(x, p->value), &criteria) != 0)
      return -1;
  if (!criteria)
    return gb_compile_fail(x, def, "criteria", "missing (every definition needs criteria)");
  if (x->b.n_preds > UINT32_MAX / 2 || x->b.n_vals > UINT32_MAX / 2)
    return gb_compile_fail(x, def, "criteria", "too many criteria");
  *out = freeze(x);
  return *out ? 0 : gb_compile_oom(x);
}
