/* gb_query_parse_measures: the measures and order_by keys of a query document: measure names
 * (count … distinct_players, and quantiles pNN), and order_by entries resolved against
 * group_by and measures once both are read. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "gb_query_parse_int.h"

/* ---- measures ---------------------------------------------------------------------------- */

static const struct {
  const char *name;
  gbq_measure_kind kind;
} measure_names[] = {
    {"count", GBQ_COUNT}, {"sum", GBQ_SUM}, {"min", GBQ_MIN},
    {"max", GBQ_MAX},     {"avg", GBQ_AVG}, {"distinct_players", GBQ_DISTINCT},
};

/* pNN: p50 = 0.5, p99.9 = 0.999; without a point, three digits or more after "99" are its
 * decimals (p999 = 99.9, p9999 = 99.99, p995 = 99.5), as latency tables write them. */
static bool parse_quantile(const char *s, double *q) {
  if (s[0] != 'p' || !isdigit((unsigned char)s[1]))
    return false;
  const char *d = s + 1;
  char buf[GBQ_NAME_MAX + 2];
  size_t n = strlen(d);
  if (n > GBQ_NAME_MAX || strspn(d, "0123456789.") != n)
    return false;
  if (!strchr(d, '.') && n > 2) {
    if (strncmp(d, "99", 2) != 0)
      return false;
    snprintf(buf, sizeof buf, "99.%s", d + 2);
    d = buf;
  }
  double pct = 0;
  if (!gb_query_number_parse(d, &pct) || !(pct > 0 && pct < 100))
    return false;
  *q = pct / 100;
  return true;
}

static int parse_measure(const char *s, gbq_measure *m) {
  for (size_t i = 0; i < sizeof measure_names / sizeof measure_names[0]; i++)
    if (strcmp(s, measure_names[i].name) == 0) {
      m->kind = measure_names[i].kind;
      return 0;
    }
  if (strlen(s) > GBQ_NAME_MAX || !parse_quantile(s, &m->q))
    return -1;
  m->kind = GBQ_QUANTILE;
  return 0;
}

static bool same_measure(const gbq_measure *a, const gbq_measure *b) {
  return a->kind == b->kind && (a->kind != GBQ_QUANTILE || a->q == b->q);
}

static int measure_item(gbq_pctx *c, const yaml_node_t *n, const char *path) {
  gb_query *q = c->q;
  const char *s = gb_query_node_text(c, n, path, "a measure name");
  if (!s)
    return -1;
  gbq_measure m = {.line = gbq_line(n)};
  if (parse_measure(s, &m) != 0)
    return gb_query_node_fail(
        c, n, path,
        "unknown measure '%s' (expected count, sum, min, max, avg, distinct_players, or "
        "a quantile pNN with 0 < NN < 100: p50, p99, p99.9, p999)",
        s);
  snprintf(m.name, sizeof m.name, "%s", s);
  for (size_t i = 0; i < q->n_measures; i++)
    if (same_measure(&q->measures[i], &m))
      return gb_query_node_fail(c, n, path, "'%s' is already measured (as '%s')", s,
                                q->measures[i].name);
  if (q->n_measures == GBQ_MEASURE_MAX)
    return gb_query_node_fail(c, n, path, "more than %d measures", GBQ_MEASURE_MAX);
  q->measures[q->n_measures++] = m;
  return 0;
}

int gb_query_key_measures(gbq_pctx *c, const yaml_node_t *n) {
  if (n->type == YAML_MAPPING_NODE)
    return gb_query_node_fail(c, n, "measures", "expected a list of measure names, got a mapping");
  c->q->measures_listed = n->type == YAML_SEQUENCE_NODE;
  return gb_query_each_item(c, n, "measures", measure_item);
}

/* ---- order_by ---------------------------------------------------------------------------- */

static int parse_bool(gbq_pctx *c, const yaml_node_t *n, const char *path, bool *out) {
  const char *s = gb_query_node_text(c, n, path, "true or false");
  if (!s)
    return -1;
  if (strcmp(s, "true") == 0 || strcmp(s, "True") == 0 || strcmp(s, "TRUE") == 0)
    *out = true;
  else if (strcmp(s, "false") == 0 || strcmp(s, "False") == 0 || strcmp(s, "FALSE") == 0)
    *out = false;
  else
    return gb_query_node_fail(c, n, path, "expected true or false, got '%s'", s);
  return 0;
}

static int order_mapping(gbq_pctx *c, const yaml_node_t *n, const char *path, gbq_order_ref *o) {
  char key_path[PATH_MAX_LEN];
  bool seen_desc = false;
  for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
    yaml_node_t *k = gbq_node(c, p->key), *v = gbq_node(c, p->value);
    const char *name = k->type == YAML_SCALAR_NODE ? gbq_text(k) : "";
    snprintf(key_path, sizeof key_path, "%s.%s", path, name);
    bool is_by = strcmp(name, "by") == 0, is_desc = strcmp(name, "desc") == 0;
    if (!is_by && !is_desc)
      return gb_query_node_fail(c, k, path, "unknown key '%s' (expected by, desc)", name);
    if ((is_by && o->by) || (is_desc && seen_desc))
      return gb_query_node_fail(c, k, key_path, "duplicate key");
    if (is_desc) {
      seen_desc = true;
      if (parse_bool(c, v, key_path, &o->desc) != 0)
        return -1;
    } else {
      o->by = gb_query_node_text(c, v, key_path, "a group key or a measure");
      if (!o->by)
        return -1;
      snprintf(o->path, sizeof o->path, "%s", key_path);
      o->line = gbq_line(v);
    }
  }
  if (!o->by)
    return gb_query_node_fail(c, n, path, "needs by (a group key or a measure)");
  return 0;
}

static int order_item(gbq_pctx *c, const yaml_node_t *n, const char *path) {
  if (c->n_orders == GBQ_ORDER_MAX)
    return gb_query_node_fail(c, n, path, "more than %d entries", GBQ_ORDER_MAX);
  gbq_order_ref *o = &c->orders[c->n_orders++];
  if (n->type == YAML_MAPPING_NODE)
    return order_mapping(c, n, path, o);
  o->by = gb_query_node_text(c, n, path, "a group key, a measure, or {by: NAME, desc: true}");
  snprintf(o->path, sizeof o->path, "%s", path);
  o->line = gbq_line(n);
  return o->by ? 0 : -1;
}

int gb_query_key_order_by(gbq_pctx *c, const yaml_node_t *n) {
  c->has_order = true;
  return gb_query_each_item(c, n, "order_by", order_item);
}

/* Finds what an order_by entry names: a group key by name, else a measure by name or meaning
 * (p999 orders a column written p99.9). */
static bool resolve_order(const gb_query *q, const char *by, gbq_order *out) {
  for (size_t i = 0; i < q->n_group; i++)
    if (strcmp(q->group[i].name, by) == 0) {
      *out = (gbq_order){.is_measure = false, .index = i};
      return true;
    }
  gbq_measure m = {0};
  bool parsed = parse_measure(by, &m) == 0;
  for (size_t i = 0; i < q->n_measures; i++)
    if (strcmp(q->measures[i].name, by) == 0 || (parsed && same_measure(&q->measures[i], &m))) {
      *out = (gbq_order){.is_measure = true, .index = i};
      return true;
    }
  return false;
}

static void list_names(const gb_query *q, bool measures, char *buf, size_t cap) {
  size_t n = measures ? q->n_measures : q->n_group, used = 0;
  buf[0] = '\0';
  for (size_t i = 0; i < n && used < cap; i++) {
    int w = snprintf(buf + used, cap - used, "%s%s", i ? ", " : "",
                     measures ? q->measures[i].name : q->group[i].name);
    used += w > 0 ? (size_t)w : 0;
  }
  if (n == 0)
    snprintf(buf, cap, "none");
}

int gb_query_check_order(gbq_pctx *c) {
  gb_query *q = c->q;
  for (size_t i = 0; i < c->n_orders; i++) {
    gbq_order_ref *o = &c->orders[i];
    gbq_order r = {0};
    if (!resolve_order(q, o->by, &r)) {
      char groups[512], measures[512];
      list_names(q, false, groups, sizeof groups);
      list_names(q, true, measures, sizeof measures);
      return gb_query_fail(q->source, o->line, o->path, c->err,
                           "'%s' is neither a group_by key nor a measure (group_by: %s; "
                           "measures: %s)",
                           o->by, groups, measures);
    }
    for (size_t j = 0; j < i; j++)
      if (q->order[j].is_measure == r.is_measure && q->order[j].index == r.index)
        return gb_query_fail(q->source, o->line, o->path, c->err, "'%s' is already ordered by",
                             o->by);
    r.desc = o->desc;
    q->order[q->n_order++] = r;
  }
  return 0;
}
