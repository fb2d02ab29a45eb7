/* gb_matcher_compile_int: what the definition compiler's files share (gb_matcher_compile.c: the
 * YAML helpers, errors and documents; gb_matcher_compile_criteria.c: criteria and their schema;
 * gb_matcher_compile_sections.c: one definition, section by section). Not for other modules. */
#ifndef GB_MATCHER_COMPILE_INT_H
#define GB_MATCHER_COMPILE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <yaml.h>

#include "gb_matcher_defs.h"

/* Longest attribute name and field path (messages); longer names are rejected. */
enum { ATTR_NAME_MAX = 127, FIELD_MAX = 192 };

/* The comparison type of a criterion. */
typedef enum ctype { T_AUTO, T_STR, T_NUM } ctype;

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

/* Fills x->err (GB_ERR_INPUT) with "file:line: definition ID: field: message", line being
 * node's (0 without a node), and returns -1. */
int gb_compile_fail(ctx *x, const yaml_node_t *node, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Fills x->err with "file: out of memory" (GB_ERR_RUNTIME) and returns -1. */
int gb_compile_oom(ctx *x);

/* Appends s[0..len) and a NUL to the builder's strings; *off gets its offset. -1 (gb_compile_oom)
 * when out of memory. */
int gb_compile_put_str(ctx *x, const char *s, size_t len, uint32_t *off);

/* ---- YAML node helpers ---- */

static inline yaml_node_t *node_at(ctx *x, int id) { return yaml_document_get_node(x->doc, id); }

static inline const char *scalar(const yaml_node_t *n, size_t *len) {
  if (!n || n->type != YAML_SCALAR_NODE)
    return NULL;
  *len = n->data.scalar.length;
  return (const char *)n->data.scalar.value;
}

static inline bool scalar_is(const yaml_node_t *n, const char *s) {
  size_t len = 0;
  const char *v = scalar(n, &len);
  return v && len == strlen(s) && memcmp(v, s, len) == 0;
}

static inline bool is_plain(const yaml_node_t *n) {
  return n->type == YAML_SCALAR_NODE && n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
}

static inline bool is_null(const yaml_node_t *n) {
  if (!is_plain(n))
    return false;
  return n->data.scalar.length == 0 || scalar_is(n, "~") || scalar_is(n, "null") ||
         scalar_is(n, "Null") || scalar_is(n, "NULL");
}

/* Plain true/false (YAML and JSON booleans); *v = 1 or 0. */
static inline bool plain_bool(const yaml_node_t *n, bool *v) {
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

/* A scalar read as a number (booleans are 1 / 0); false when it is not one. */
bool gb_compile_scalar_number(const yaml_node_t *n, double *v);

/* An integer >= min into *v; -1 (gb_compile_fail, naming field) when n is not one. */
int gb_compile_scalar_int(ctx *x, const yaml_node_t *n, const char *field, int64_t min, int64_t *v);

/* Rejects (gb_compile_fail, naming field) a mapping that holds the same key twice; 0 otherwise. */
int gb_compile_check_dup_keys(ctx *x, const yaml_node_t *map, const char *field);

/* A duration (a number of seconds, or a number with a unit ms, s, m, h or d) into *ms, between
 * 1 ms and 366 days; -1 (gb_compile_fail, naming field) otherwise. */
int gb_compile_parse_duration(ctx *x, const yaml_node_t *n, const char *field, int64_t *ms);

/* ---- criteria (gb_matcher_compile_criteria.c) ---- */

/* The type the event schema gives attribute attr (T_AUTO for an attribute it does not know). */
ctype gb_compile_schema_type(const char *attr);

/* Compiles a criteria mapping (criteria, player, progress.break_on: attribute: value or
 * {operator: value}) into predicates of the builder (of progress.break_on when brk); prefix ("" or
 * "player.") is prepended to attribute names, path names the section in messages. 0, or -1 with
 * x->err set. */
int gb_compile_criteria(ctx *x, const yaml_node_t *map, const char *path, const char *prefix,
                        bool brk);

/* ---- one definition (gb_matcher_compile_sections.c) ---- */

/* Compiles the definition mapping def into *out (one heap block); 0, or -1 with x->err set. */
int gb_compile_def(ctx *x, const yaml_node_t *def, gb_def **out);

#endif
