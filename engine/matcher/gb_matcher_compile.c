/* Compiles definitions from YAML or JSON text (libyaml's document API: JSON is YAML flow syntax)
 * into gb_def blocks. Every error names the file, line, definition id and field.
 *
 * This file holds the YAML helpers, the errors and the documents (a catalogue, or one definition);
 * gb_matcher_compile_sections.c compiles one definition, gb_matcher_compile_criteria.c its
 * criteria. */
#include "gb_matcher_compile_int.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "gb_yaml.h"

int gb_compile_fail(ctx *x, const yaml_node_t *node, const char *field, const char *fmt, ...) {
  char msg[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  size_t line = node ? node->start_mark.line + 1 : 0;
  return gb_err_set(x->err, GB_ERR_INPUT, "%s:%zu: definition %s%s%s: %s", x->file, line, x->id,
                    field && field[0] ? ": " : "", field ? field : "", msg);
}

int gb_compile_oom(ctx *x) {
  return gb_err_set(x->err, GB_ERR_RUNTIME, "%s: out of memory", x->file);
}

int gb_compile_put_str(ctx *x, const char *s, size_t len, uint32_t *off) {
  builder *b = &x->b;
  if (GB_GROW(b->strs, b->cap_strs, b->n_strs + len + 1, 8, "bytes of strings", NULL) != 0)
    return gb_compile_oom(x);
  memcpy(b->strs + b->n_strs, s, len);
  b->strs[b->n_strs + len] = '\0';
  *off = (uint32_t)b->n_strs;
  b->n_strs += len + 1;
  return 0;
}

static void builder_free(builder *b) {
  free(b->preds);
  free(b->brk);
  free(b->vals);
  free(b->strs);
}

/* ---- YAML node helpers ---- */

/* A scalar read as a number (booleans are 1 / 0). */
bool gb_compile_scalar_number(const yaml_node_t *n, double *v) {
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

int gb_compile_scalar_int(ctx *x, const yaml_node_t *n, const char *field, int64_t min,
                          int64_t *v) {
  double d;
  if (!gb_compile_scalar_number(n, &d) || d != floor(d) || fabs(d) > INT_EXACT_MAX)
    return gb_compile_fail(x, n, field, "expected an integer");
  if (d < (double)min)
    return gb_compile_fail(x, n, field, "must be >= %lld, got %.0f", (long long)min, d);
  *v = (int64_t)d;
  return 0;
}

/* Rejects a mapping that holds the same key twice (libyaml accepts it; the second value would
 * silently win, hiding an operator's mistake). */
int gb_compile_check_dup_keys(ctx *x, const yaml_node_t *map, const char *field) {
  for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++)
    for (yaml_node_pair_t *q = p + 1; q < map->data.mapping.pairs.top; q++) {
      size_t la = 0, lb = 0;
      const char *a = scalar(node_at(x, p->key), &la), *b = scalar(node_at(x, q->key), &lb);
      if (a && b && la == lb && memcmp(a, b, la) == 0)
        return gb_compile_fail(x, node_at(x, q->key), field, "duplicate key '%.*s'", (int)la, a);
    }
  return 0;
}

/* Durations: a number of seconds, or a number with a unit ms, s, m, h or d ("90", "30m", "1d").
 * Result in ms, > 0. */
int gb_compile_parse_duration(ctx *x, const yaml_node_t *n, const char *field, int64_t *ms) {
  size_t len = 0;
  const char *s = scalar(n, &len);
  if (!s || len == 0 || len > 32)
    return gb_compile_fail(x, n, field, "expected a duration such as 90, 30s, 15m, 2h or 1d");
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
    return gb_compile_fail(x, n, field, "'%.*s' is not a duration (e.g. 90, 30s, 15m, 2h, 1d)",
                           (int)len, s);
  double total = v * scale;
  /* A year of sim time is far beyond any challenge; it also keeps ms well inside int64. */
  if (!(total >= 1) || total > 366 * 86400e3)
    return gb_compile_fail(x, n, field, "duration '%.*s' must be between 1ms and 366d", (int)len,
                           s);
  *ms = (int64_t)llround(total);
  return 0;
}

/* ---- documents ---- */

/* A scalar written "a\0b" (a double-quoted escape) holds a NUL byte, which would cut an id, a
 * name or an attribute name short wherever it is read as a C string: two ids that differ only
 * after it would collide. Rejected with the line, before anything is compiled. */
static int reject_nul_bytes(ctx *x) {
  for (yaml_node_t *n = x->doc->nodes.start; n < x->doc->nodes.top; n++)
    if (n->type == YAML_SCALAR_NODE && memchr(n->data.scalar.value, '\0', n->data.scalar.length))
      return gb_err_set(x->err, GB_ERR_INPUT,
                        "%s:%zu:%zu: a text holds a NUL byte (\\0), which no id, name or value "
                        "may hold",
                        x->file, n->start_mark.line + 1, n->start_mark.column + 1);
  return 0;
}

static int load_doc(ctx *x, yaml_parser_t *parser, yaml_document_t *doc, const char *text,
                    size_t len) {
  /* before libyaml's load, whose cost grows with the nesting (gb_yaml.h) */
  if (gb_yaml_check_depth(x->file, text, len, GB_YAML_DEPTH_MAX, x->err) != 0)
    return -1;
  if (!yaml_parser_initialize(parser))
    return gb_compile_oom(x);
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
  if (reject_nul_bytes(x) != 0) {
    yaml_document_delete(doc);
    yaml_parser_delete(parser);
    return -1;
  }
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
    rc = gb_compile_def(&x, node, &d);
    if (rc != 0)
      break;
    uint32_t ord;
    if (gb_catalog_has_id(c, d->pub.id, &ord) == 0) {
      rc = gb_compile_fail(&x, node, "id", "duplicate id (definition #%u has it too)", ord + 1);
      free(d);
    } else if (gb_catalog_put(c, d, false) != 0) {
      rc = gb_compile_oom(&x);
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
  int rc = gb_compile_def(&x, yaml_document_get_root_node(&doc), out);
  unload_doc(&x, &parser);
  return rc;
}
