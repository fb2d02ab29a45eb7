/* gb_query_parse: a query document to a gb_query, checked alone (no cube needed).
 *
 * libyaml's document API gives the node tree with each node's line; the walk below accepts the
 * keys of docs/queries.md and nothing else, checks every value's type and text, and leaves what
 * depends on a cube (dimension names, measures kept, bucket boundaries) to gb_query_bind.
 * JSON is YAML's flow style, with one difference that matters here: JSON allows tabs wherever
 * it allows blanks, while libyaml refuses a tab that indents a line. A JSON document cannot hold
 * a raw tab inside a string, so every tab in it is a blank and is read as one.
 *
 * This file holds the document, the window, filter/events, group_by/granularity, limit and
 * timezone; gb_query_parse_measures.c measures and order_by (gb_query_parse_int.h between). */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "gb_afile.h"
#include "gb_query_parse_int.h"

enum { QUERY_FILE_MAX = 1 << 20 };

/* ---- Errors and nodes -------------------------------------------------------------------- */

int gb_query_fail(const char *source, size_t line, const char *path, gb_err *err, const char *fmt,
                  ...) {
  char reason[GB_ERR_MSG_MAX];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(reason, sizeof reason, fmt, ap);
  va_end(ap);
  char where[GB_ERR_MSG_MAX / 2];
  if (line > 0)
    snprintf(where, sizeof where, "%s:%zu", source, line);
  else
    snprintf(where, sizeof where, "%s", source);
  if (path[0] == '\0')
    return gb_err_set(err, GB_ERR_INPUT, "%s: %s", where, reason);
  return gb_err_set(err, GB_ERR_INPUT, "%s: %s: %s", where, path, reason);
}

void gb_query_filter_path(const gbq_filter *f, char *buf, size_t cap) {
  if (f->from_events)
    snprintf(buf, cap, "events");
  else
    snprintf(buf, cap, "filter.%s", f->dim);
}

int gb_query_oom(gbq_pctx *c) {
  return gb_err_set(c->err, GB_ERR_RUNTIME, "out of memory for a query");
}

bool gb_query_node_is_null(const yaml_node_t *n) {
  if (n->type != YAML_SCALAR_NODE || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
    return false;
  static const char *const nulls[] = {"", "~", "null", "Null", "NULL"};
  for (size_t i = 0; i < sizeof nulls / sizeof nulls[0]; i++)
    if (strcmp(gbq_text(n), nulls[i]) == 0)
      return true;
  return false;
}

const char *gb_query_node_kind(const yaml_node_t *n) {
  if (n->type == YAML_SEQUENCE_NODE)
    return "a list";
  if (n->type == YAML_MAPPING_NODE)
    return "a mapping";
  return gb_query_node_is_null(n) ? "nothing (null)" : "a single value";
}

int gb_query_node_fail(gbq_pctx *c, const yaml_node_t *n, const char *path, const char *fmt, ...) {
  char reason[GB_ERR_MSG_MAX];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(reason, sizeof reason, fmt, ap);
  va_end(ap);
  return gb_query_fail(c->q->source, n ? gbq_line(n) : 0, path, c->err, "%s", reason);
}

const char *gb_query_node_text(gbq_pctx *c, const yaml_node_t *n, const char *path,
                               const char *what) {
  if (n->type != YAML_SCALAR_NODE || gb_query_node_is_null(n)) {
    gb_query_node_fail(c, n, path, "expected %s, got %s", what, gb_query_node_kind(n));
    return NULL;
  }
  if (strlen(gbq_text(n)) != n->data.scalar.length) {
    gb_query_node_fail(c, n, path, "holds a NUL byte");
    return NULL;
  }
  return gbq_text(n);
}

char *gb_query_dup(gbq_pctx *c, const char *s) {
  char *d = strdup(s);
  if (!d)
    gb_query_oom(c);
  return d;
}

int gb_query_each_item(gbq_pctx *c, const yaml_node_t *n, const char *key, gbq_item_fn one) {
  char path[PATH_MAX_LEN];
  if (n->type != YAML_SEQUENCE_NODE)
    return one(c, n, key);
  if (n->data.sequence.items.start == n->data.sequence.items.top)
    return gb_query_node_fail(c, n, key, "is an empty list");
  for (yaml_node_item_t *i = n->data.sequence.items.start; i < n->data.sequence.items.top; i++) {
    snprintf(path, sizeof path, "%s[%zu]", key, (size_t)(i - n->data.sequence.items.start));
    if (one(c, gbq_node(c, *i), path) != 0)
      return -1;
  }
  return 0;
}

/* ---- Window: from, to, last -------------------------------------------------------------- */

static int parse_time(gbq_pctx *c, const yaml_node_t *n, const char *key, int64_t *ms, char *text,
                      size_t text_cap) {
  const char *s = gb_query_node_text(c, n, key, "a time such as 2024-08-20T09:00:00+08:00");
  if (!s)
    return -1;
  char why[256];
  if (gb_query_time_parse(s, ms, why, sizeof why) != 0)
    return gb_query_node_fail(c, n, key, "%s", why);
  snprintf(text, text_cap, "%s", s);
  return 0;
}

static int key_from(gbq_pctx *c, const yaml_node_t *n) {
  c->q->has_from = true;
  c->q->from_line = gbq_line(n);
  return parse_time(c, n, "from", &c->q->from_ms, c->q->from_text, sizeof c->q->from_text);
}

static int key_to(gbq_pctx *c, const yaml_node_t *n) {
  c->q->has_to = true;
  c->q->to_line = gbq_line(n);
  return parse_time(c, n, "to", &c->q->to_ms, c->q->to_text, sizeof c->q->to_text);
}

static int key_last(gbq_pctx *c, const yaml_node_t *n) {
  const char *s = gb_query_node_text(c, n, "last", "a duration such as 1h");
  if (!s)
    return -1;
  if (gb_query_duration_parse(s, &c->q->last_ms) != 0)
    return gb_query_node_fail(c, n, "last",
                              "'%s' is not a duration (e.g. 30s, 15m, 1h, 1d; at most 366d)", s);
  c->q->has_last = true;
  c->q->last_line = gbq_line(n);
  return 0;
}

static int check_window(gbq_pctx *c) {
  gb_query *q = c->q;
  if (q->has_last && (q->has_from || q->has_to))
    return gb_query_fail(q->source, q->last_line, "last", c->err,
                         "cannot be combined with %s (give last, or from/to)",
                         q->has_from ? "from" : "to");
  if (q->has_from && q->has_to && q->from_ms >= q->to_ms)
    return gb_query_fail(q->source, q->to_line, "to", c->err,
                         "%s is not after from (%s): the window [from, to) is empty", q->to_text,
                         q->from_text);
  return 0;
}

/* ---- filter and events ------------------------------------------------------------------- */

static int filter_value(gbq_pctx *c, const yaml_node_t *n, const char *path, char **out) {
  const char *s = "";
  if (!gb_query_node_is_null(n)) {
    s = gb_query_node_text(c, n, path, "a value");
    if (!s)
      return -1;
  }
  if (strlen(s) > GB_CUBE_VALUE_MAX)
    return gb_query_node_fail(c, n, path,
                              "'%.20s…' is longer than the %d bytes a cube keeps of a value", s,
                              GB_CUBE_VALUE_MAX);
  *out = gb_query_dup(c, s);
  return *out ? 0 : -1;
}

static int filter_set(gbq_pctx *c, gbq_filter *f, const yaml_node_t *n, const char *path) {
  f->kind = GBQ_FILTER_SET;
  if (n->type == YAML_SCALAR_NODE) {
    f->values = calloc(1, sizeof *f->values);
    if (!f->values)
      return gb_query_oom(c);
    f->n_values = 1;
    return filter_value(c, n, path, &f->values[0]);
  }
  size_t n_items = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
  if (n_items == 0)
    return gb_query_node_fail(c, n, path, "an empty set matches nothing");
  f->values = calloc(n_items, sizeof *f->values);
  if (!f->values)
    return gb_query_oom(c);
  for (size_t i = 0; i < n_items; i++) {
    char item_path[PATH_MAX_LEN];
    snprintf(item_path, sizeof item_path, "%s[%zu]", path, i);
    f->n_values = i + 1;
    if (filter_value(c, gbq_node(c, n->data.sequence.items.start[i]), item_path, &f->values[i]) !=
        0)
      return -1;
  }
  return 0;
}

/* Whether a < b as the range will compare them when both are given: numerically when both are
 * numbers, else bytewise (the cube's values decide at bind time; this catches the obvious). */
static bool range_empty(const char *from, const char *to) {
  double a = 0, b = 0;
  if (gb_query_number_parse(from, &a) && gb_query_number_parse(to, &b))
    return a >= b;
  return strcmp(from, to) >= 0;
}

static int filter_range(gbq_pctx *c, gbq_filter *f, const yaml_node_t *n, const char *path) {
  f->kind = GBQ_FILTER_RANGE;
  char key_path[PATH_MAX_LEN];
  for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
    yaml_node_t *k = gbq_node(c, p->key), *v = gbq_node(c, p->value);
    const char *name = k->type == YAML_SCALAR_NODE ? gbq_text(k) : "";
    char **slot = strcmp(name, "from") == 0 ? &f->from : strcmp(name, "to") == 0 ? &f->to : NULL;
    if (!slot)
      return gb_query_node_fail(c, k, path, "unknown key '%s' in a range (expected from, to)",
                                name);
    snprintf(key_path, sizeof key_path, "%s.%s", path, name);
    if (*slot)
      return gb_query_node_fail(c, k, key_path, "duplicate key");
    const char *s = gb_query_node_text(c, v, key_path, "a value");
    if (!s)
      return -1;
    *slot = gb_query_dup(c, s);
    if (!*slot)
      return -1;
  }
  if (!f->from && !f->to)
    return gb_query_node_fail(c, n, path, "a range needs from, to or both");
  if (f->from && f->to && range_empty(f->from, f->to))
    return gb_query_node_fail(c, n, path, "the range [%s, %s) is empty", f->from, f->to);
  return 0;
}

static int add_filter(gbq_pctx *c, const char *dim, bool from_events, const yaml_node_t *v,
                      const char *path) {
  gb_query *q = c->q;
  if (q->n_filters == GBQ_FILTER_MAX)
    return gb_query_node_fail(c, v, path,
                              "more than %d filters (a cube keeps at most %d dimensions)",
                              GBQ_FILTER_MAX, GB_CUBE_DIMS_MAX);
  gbq_filter *f = &q->filters[q->n_filters++];
  f->from_events = from_events;
  f->line = gbq_line(v);
  f->dim = gb_query_dup(c, dim);
  if (!f->dim)
    return -1;
  if (v->type == YAML_MAPPING_NODE) {
    if (from_events)
      return gb_query_node_fail(c, v, path,
                                "expected an event type or a list of them, got a mapping");
    return filter_range(c, f, v, path);
  }
  return filter_set(c, f, v, path);
}

static int key_filter(gbq_pctx *c, const yaml_node_t *n) {
  if (n->type != YAML_MAPPING_NODE)
    return gb_query_node_fail(c, n, "filter", "expected a mapping of dimension: value(s), got %s",
                              gb_query_node_kind(n));
  char path[PATH_MAX_LEN];
  for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
    yaml_node_t *k = gbq_node(c, p->key);
    const char *dim = gb_query_node_text(c, k, "filter", "a dimension name as a key");
    if (!dim)
      return -1;
    snprintf(path, sizeof path, "filter.%s", dim);
    for (yaml_node_pair_t *e = n->data.mapping.pairs.start; e < p; e++)
      if (strcmp(gbq_text(gbq_node(c, e->key)), dim) == 0)
        return gb_query_node_fail(c, k, path, "duplicate key (also on line %zu)",
                                  gbq_line(gbq_node(c, e->key)));
    if (strcmp(dim, "time") == 0)
      return gb_query_node_fail(c, k, path,
                                "time is not a dimension (give the window as from/to or last)");
    if (strcmp(dim, "type") == 0)
      c->type_filter_line = gbq_line(k);
    if (add_filter(c, dim, false, gbq_node(c, p->value), path) != 0)
      return -1;
  }
  return 0;
}

static int key_events(gbq_pctx *c, const yaml_node_t *n) {
  c->events_line = gbq_line(n);
  return add_filter(c, "type", true, n, "events");
}

/* ---- group_by and granularity ------------------------------------------------------------ */

static int group_item(gbq_pctx *c, const yaml_node_t *n, const char *path) {
  gb_query *q = c->q;
  const char *name = gb_query_node_text(c, n, path, "a dimension name or time");
  if (!name)
    return -1;
  for (size_t i = 0; i < q->n_group; i++)
    if (strcmp(q->group[i].name, name) == 0)
      return gb_query_node_fail(c, n, path, "'%s' is already in group_by", name);
  if (q->n_group == GBQ_GROUP_MAX)
    return gb_query_node_fail(c, n, path,
                              "more than %d keys (a cube keeps at most %d dimensions, and time)",
                              GBQ_GROUP_MAX, GB_CUBE_DIMS_MAX);
  gbq_key *k = &q->group[q->n_group++];
  k->is_time = strcmp(name, "time") == 0;
  k->line = gbq_line(n);
  k->name = gb_query_dup(c, name);
  q->time_grouped |= k->is_time;
  return k->name ? 0 : -1;
}

static int key_group_by(gbq_pctx *c, const yaml_node_t *n) {
  if (n->type == YAML_MAPPING_NODE)
    return gb_query_node_fail(c, n, "group_by",
                              "expected a list of dimensions and/or time, got a mapping");
  c->q->group_listed = n->type == YAML_SEQUENCE_NODE;
  return gb_query_each_item(c, n, "group_by", group_item);
}

static int key_granularity(gbq_pctx *c, const yaml_node_t *n) {
  const char *s = gb_query_node_text(c, n, "granularity", "a duration such as 1h, or all");
  if (!s)
    return -1;
  c->q->gran_line = gbq_line(n);
  if (strcmp(s, "all") == 0) {
    c->q->gran_ms = 0;
    return 0;
  }
  int64_t ms = 0;
  if (gb_query_duration_parse(s, &ms) != 0)
    return gb_query_node_fail(c, n, "granularity",
                              "'%s' is not a duration (e.g. 1m, 1h, 1d, or all)", s);
  if (ms > GB_CUBE_DAY_MS)
    return gb_query_node_fail(c, n, "granularity", "'%s' is longer than a day (1s … 1d, or all)",
                              s);
  if (GB_CUBE_DAY_MS % ms != 0)
    return gb_query_node_fail(c, n, "granularity",
                              "'%s' does not divide a day (e.g. 1m, 5m, 15m, 1h, 6h, 1d)", s);
  c->q->gran_ms = ms;
  return 0;
}

static int check_granularity(gbq_pctx *c, bool has_gran) {
  gb_query *q = c->q;
  if (q->time_grouped && !has_gran) {
    size_t line = 0;
    for (size_t i = 0; i < q->n_group; i++)
      line = q->group[i].is_time ? q->group[i].line : line;
    return gb_query_fail(q->source, line, "granularity", c->err,
                         "required when group_by has time (e.g. 1m, 1h, 1d, or all)");
  }
  if (!q->time_grouped && has_gran)
    return gb_query_fail(q->source, q->gran_line, "granularity", c->err,
                         "has no effect without time in group_by");
  return 0;
}

/* ---- limit and timezone ------------------------------------------------------------------ */

static int key_limit(gbq_pctx *c, const yaml_node_t *n) {
  const char *s = gb_query_node_text(c, n, "limit", "a positive integer");
  if (!s)
    return -1;
  char *end = NULL;
  errno = 0;
  unsigned long long v = isdigit((unsigned char)s[0]) ? strtoull(s, &end, 10) : 0;
  if (!end || *end != '\0' || errno == ERANGE || v == 0 || v > UINT32_MAX)
    return gb_query_node_fail(c, n, "limit", "expected a positive integer (1 … %u), got '%s'",
                              UINT32_MAX, s);
  c->q->limit = v;
  return 0;
}

static int key_timezone(gbq_pctx *c, const yaml_node_t *n) {
  const char *s = gb_query_node_text(c, n, "timezone", "a UTC offset such as +08:00");
  if (!s)
    return -1;
  if (gb_query_offset_parse(s, &c->q->tz_min) != 0)
    return gb_query_node_fail(
        c, n, "timezone",
        "'%s' is not a UTC offset (expected Z, UTC or ±HH:MM from -12:00 to +14:00)", s);
  c->q->tz_line = gbq_line(n);
  return 0;
}

/* ---- The document ------------------------------------------------------------------------ */

typedef int (*key_fn)(gbq_pctx *c, const yaml_node_t *value);

static const struct {
  const char *name;
  key_fn parse;
} top_keys[] = {
    {"events", key_events},
    {"from", key_from},
    {"to", key_to},
    {"last", key_last},
    {"filter", key_filter},
    {"group_by", key_group_by},
    {"granularity", key_granularity},
    {"measures", gb_query_key_measures},
    {"order_by", gb_query_key_order_by},
    {"limit", key_limit},
    {"timezone", key_timezone},
};
enum { N_TOP_KEYS = sizeof top_keys / sizeof top_keys[0] };

static int top_key_index(const char *name) {
  for (int i = 0; i < N_TOP_KEYS; i++)
    if (strcmp(top_keys[i].name, name) == 0)
      return i;
  return -1;
}

static int walk_top(gbq_pctx *c, const yaml_node_t *root, bool *has_gran) {
  size_t seen[N_TOP_KEYS] = {0};
  for (yaml_node_pair_t *p = root->data.mapping.pairs.start; p < root->data.mapping.pairs.top;
       p++) {
    yaml_node_t *k = gbq_node(c, p->key);
    const char *name = gb_query_node_text(c, k, "", "a key");
    if (!name)
      return -1;
    int i = top_key_index(name);
    if (i < 0)
      return gb_query_node_fail(
          c, k, name,
          "unknown key (expected events, from, to, last, filter, group_by, granularity, "
          "measures, order_by, limit, timezone)");
    if (seen[i])
      return gb_query_node_fail(c, k, name, "duplicate key (also on line %zu)", seen[i]);
    seen[i] = gbq_line(k);
    if (top_keys[i].parse(c, gbq_node(c, p->value)) != 0)
      return -1;
  }
  *has_gran = seen[top_key_index("granularity")] != 0;
  return 0;
}

static int finish(gbq_pctx *c, bool has_gran) {
  gb_query *q = c->q;
  if (c->events_line && c->type_filter_line)
    return gb_query_fail(q->source, c->events_line, "events", c->err,
                         "cannot be combined with filter.type (line %zu): give one",
                         c->type_filter_line);
  if (q->n_measures == 0) /* the default: how many events */
    q->measures[q->n_measures++] = (gbq_measure){.kind = GBQ_COUNT, .name = "count"};
  if (check_window(c) != 0 || check_granularity(c, has_gran) != 0 || gb_query_check_order(c) != 0)
    return -1;
  return 0;
}

static int syntax_error(const char *source, const yaml_parser_t *p, gb_err *err) {
  if (p->error == YAML_MEMORY_ERROR)
    return gb_err_set(err, GB_ERR_RUNTIME, "%s: out of memory", source);
  const char *problem = p->problem ? p->problem : "syntax error";
  return gb_err_set(err, GB_ERR_INPUT, "%s:%zu: invalid YAML: %s%s%s%s", source,
                    p->problem_mark.line + 1, problem, p->context ? " (" : "",
                    p->context ? p->context : "", p->context ? ")" : "");
}

/* Loads text into doc: one mapping, no second document. */
static int load_doc(const char *source, const char *text, size_t len, yaml_document_t *doc,
                    gb_err *err) {
  yaml_parser_t p;
  if (!yaml_parser_initialize(&p))
    return gb_err_set(err, GB_ERR_RUNTIME, "%s: out of memory", source);
  yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
  int rc = -1;
  if (!yaml_parser_load(&p, doc)) {
    syntax_error(source, &p, err);
    goto out;
  }
  yaml_node_t *root = yaml_document_get_root_node(doc);
  yaml_document_t next;
  if (!root) {
    gb_err_set(err, GB_ERR_INPUT, "%s:1: empty query (give at least one key, e.g. measures)",
               source);
  } else if (root->type != YAML_MAPPING_NODE) {
    gb_err_set(err, GB_ERR_INPUT, "%s:%zu: expected a mapping of query keys, got %s", source,
               gbq_line(root), root->type == YAML_SEQUENCE_NODE ? "a list" : "a single value");
  } else if (!yaml_parser_load(&p, &next)) {
    syntax_error(source, &p, err);
  } else {
    yaml_node_t *second = yaml_document_get_root_node(&next);
    size_t line = second ? gbq_line(second) : 0;
    yaml_document_delete(&next);
    if (second)
      gb_err_set(err, GB_ERR_INPUT, "%s:%zu: a second YAML document (a query is one mapping)",
                 source, line);
    else
      rc = 0;
  }
  if (rc != 0)
    yaml_document_delete(doc);
out:
  yaml_parser_delete(&p);
  return rc;
}

/* JSON's tabs as blanks (see the top of the file); NULL when the text is not JSON. */
static char *json_untabbed(const char *text, size_t len, bool *oom_out) {
  size_t i = 0;
  while (i < len && isspace((unsigned char)text[i]))
    i++;
  if (i == len || text[i] != '{' || !memchr(text, '\t', len))
    return NULL;
  char *copy = malloc(len + 1);
  if (!copy) {
    *oom_out = true;
    return NULL;
  }
  for (size_t j = 0; j < len; j++)
    copy[j] = text[j] == '\t' ? ' ' : text[j];
  copy[len] = '\0';
  return copy;
}

int gb_query_parse(const char *text, size_t len, const char *source, gb_query **out, gb_err *err) {
  *out = NULL;
  gb_query *q = calloc(1, sizeof *q);
  char *untabbed = NULL;
  bool no_memory = false;
  if (q) {
    q->source = strdup(source);
    untabbed = json_untabbed(text, len, &no_memory);
  }
  if (!q || !q->source || no_memory) {
    gb_query_free(q);
    return gb_err_set(err, GB_ERR_RUNTIME, "%s: out of memory", source);
  }
  yaml_document_t doc;
  int rc = load_doc(source, untabbed ? untabbed : text, len, &doc, err);
  free(untabbed);
  if (rc != 0) {
    gb_query_free(q);
    return -1;
  }
  gbq_pctx c = {.q = q, .doc = &doc, .err = err};
  bool has_gran = false;
  rc = walk_top(&c, yaml_document_get_root_node(&doc), &has_gran);
  if (rc == 0)
    rc = finish(&c, has_gran);
  yaml_document_delete(&doc);
  if (rc != 0) {
    gb_query_free(q);
    return -1;
  }
  *out = q;
  return 0;
}

int gb_query_load(const char *path, gb_query **out, gb_err *err) {
  *out = NULL;
  size_t len = 0;
  char *text = gb_afile_read_max(path, QUERY_FILE_MAX, "a query file", &len, err);
  if (!text)
    return -1;
  int rc = gb_query_parse(text, len, path, out, err);
  free(text);
  return rc;
}

void gb_query_free(gb_query *q) {
  if (!q)
    return;
  for (size_t i = 0; i < q->n_filters; i++) {
    gbq_filter *f = &q->filters[i];
    for (size_t j = 0; j < f->n_values; j++)
      free(f->values[j]);
    free(f->values);
    free(f->from);
    free(f->to);
    free(f->dim);
  }
  for (size_t i = 0; i < q->n_group; i++)
    free(q->group[i].name);
  free(q->source);
  free(q);
}
