/* gb_query_parse_int.h: what gb_query_parse.c (the document, the window, filters, group_by)
 * shares with gb_query_parse_measures.c (measures and order_by): the walk's state and its
 * helpers over libyaml's nodes. Not a public header. */
#ifndef GB_QUERY_PARSE_INT_H
#define GB_QUERY_PARSE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <yaml.h>

#include "gb_query_int.h"

enum { PATH_MAX_LEN = 160 /* a key path: "filter.level_band.from", "order_by[3].desc" */ };

/* An order_by entry as written, resolved once group_by and measures are known. */
typedef struct gbq_order_ref {
  const char *by;
  bool desc;
  size_t line;
  char path[PATH_MAX_LEN];
} gbq_order_ref;

typedef struct gbq_pctx {
  gb_query *q;
  yaml_document_t *doc;
  gb_err *err;
  size_t events_line, type_filter_line;
  gbq_order_ref orders[GBQ_ORDER_MAX];
  size_t n_orders;
  bool has_order;
} gbq_pctx;

static inline size_t gbq_line(const yaml_node_t *n) { return n->start_mark.line + 1; }

static inline const char *gbq_text(const yaml_node_t *n) {
  return (const char *)n->data.scalar.value;
}

static inline yaml_node_t *gbq_node(gbq_pctx *c, int id) {
  return yaml_document_get_node(c->doc, id);
}

/* GB_ERR_RUNTIME "out of memory for a query"; returns -1. */
int gb_query_oom(gbq_pctx *c);

/* A plain ~, null or nothing: YAML's (and JSON's) null. Quoted "null" is text. */
bool gb_query_node_is_null(const yaml_node_t *n);

/* "a list", "a mapping", "nothing (null)" or "a single value", for messages. */
const char *gb_query_node_kind(const yaml_node_t *n);

/* gb_query_fail at n's line (0 when n is NULL); returns -1. */
int gb_query_node_fail(gbq_pctx *c, const yaml_node_t *n, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* The text of a scalar that must be there: a non-null single value without NUL bytes; else
 * NULL with "PATH: expected WHAT, got …". */
const char *gb_query_node_text(gbq_pctx *c, const yaml_node_t *n, const char *path,
                               const char *what);

/* strdup, or NULL with gb_query_oom. */
char *gb_query_dup(gbq_pctx *c, const char *s);

/* Calls one(c, item, "key[i]") for each item of a list, or one(c, n, "key") for a single value:
 * `group_by: game` is `group_by: [game]`. An empty list is an error. */
typedef int (*gbq_item_fn)(gbq_pctx *c, const yaml_node_t *item, const char *path);
int gb_query_each_item(gbq_pctx *c, const yaml_node_t *n, const char *key, gbq_item_fn one);

/* measures and order_by (gb_query_parse_measures.c). */
int gb_query_key_measures(gbq_pctx *c, const yaml_node_t *n);
int gb_query_key_order_by(gbq_pctx *c, const yaml_node_t *n);
/* Resolves the order_by entries once group_by and measures are known. */
int gb_query_check_order(gbq_pctx *c);

#endif
