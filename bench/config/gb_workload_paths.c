/* gb_workload_paths: key paths ("sim.players", "arms[1].weight"), finding them in the libyaml
 * tree, and the errors that name a key with its line or its --set argument. */
#include "gb_workload_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- Key paths: "sim.players", "arms[1].weight" ---- */

/* Reads the step at *p into *s and moves *p past it; false at the end of the path. */
bool gb_workload_next_step(const char **p, wl_step *s) {
  const char *c = *p;
  if (*c == '.')
    c++;
  if (*c == '\0')
    return false;
  if (*c == '[') {
    char *end = NULL;
    s->key = NULL;
    s->key_len = 0;
    s->index = (size_t)strtoul(c + 1, &end, 10);
    *p = *end == ']' ? end + 1 : end;
    return true;
  }
  s->key = c;
  s->key_len = strcspn(c, ".[");
  *p = c + s->key_len;
  return true;
}

/* Cuts the last step off path; false if path was already empty. */
static bool wl_path_parent(char *path) {
  if (path[0] == '\0')
    return false;
  size_t cut = 0; /* the last '.' or '[', or the start for a one-step path */
  for (size_t i = 0; path[i]; i++)
    if (path[i] == '.' || path[i] == '[')
      cut = i;
  path[cut] = '\0';
  return true;
}

/* Appends ".key" (or "key" to an empty path), truncating at size: a long path only shortens
 * the message it goes into. */
void gb_workload_path_append_key(char *path, size_t size, const char *key) {
  size_t len = strlen(path);
  if (len > 0 && len + 1 < size)
    path[len++] = '.';
  size_t n = strnlen(key, size - len - 1);
  memcpy(path + len, key, n);
  path[len + n] = '\0';
}

/* Whether a and b name the same key or one contains the other ("sim" and "sim.players"). */
static bool wl_path_related(const char *a, const char *b) {
  size_t la = strlen(a), lb = strlen(b);
  size_t n = la < lb ? la : lb;
  if (strncmp(a, b, n) != 0)
    return false;
  char next = la < lb ? b[n] : a[n];
  return next == '\0' || next == '.' || next == '[';
}

/* ---- The libyaml tree ---- */

static bool wl_scalar_is(const yaml_node_t *n, const char *key, size_t len) {
  return n && n->type == YAML_SCALAR_NODE && n->data.scalar.length == len &&
         memcmp(n->data.scalar.value, key, len) == 0;
}

/* Index of the last pair of mapping node id whose key is key[0..len), or -1. The last one,
 * because duplicate keys are reported at the duplicate. */
long gb_workload_pair_index(yaml_document_t *doc, int id, const char *key, size_t len) {
  yaml_node_t *map = yaml_document_get_node(doc, id);
  if (!map || map->type != YAML_MAPPING_NODE)
    return -1;
  long found = -1;
  yaml_node_pair_t *pairs = map->data.mapping.pairs.start;
  long n = map->data.mapping.pairs.top - pairs;
  for (long i = 0; i < n; i++)
    if (wl_scalar_is(yaml_document_get_node(doc, pairs[i].key), key, len))
      found = i;
  return found;
}

/* The node at path (the root for ""), or NULL; *key_out gets its key node when it is a mapping
 * value, NULL when it is a list item or the root. */
yaml_node_t *gb_workload_tree_find(yaml_document_t *doc, const char *path, yaml_node_t **key_out) {
  yaml_node_t *node = yaml_document_get_root_node(doc);
  int id = 1; /* the root is the first node of a loaded document */
  yaml_node_t *key = NULL;
  wl_step s;
  while (node && gb_workload_next_step(&path, &s)) {
    key = NULL;
    if (!s.key) {
      bool ok = node->type == YAML_SEQUENCE_NODE &&
                s.index < (size_t)(node->data.sequence.items.top - node->data.sequence.items.start);
      id = ok ? node->data.sequence.items.start[s.index] : 0;
    } else {
      long i = gb_workload_pair_index(doc, id, s.key, s.key_len);
      yaml_node_pair_t *pair = i < 0 ? NULL : &node->data.mapping.pairs.start[i];
      key = pair ? yaml_document_get_node(doc, pair->key) : NULL;
      id = pair ? pair->value : 0;
    }
    node = id ? yaml_document_get_node(doc, id) : NULL;
  }
  if (key_out)
    *key_out = key;
  return node;
}

/* The 1-based line to report for path: its key's line, or for a key that is absent (a missing
 * required key) the line of the nearest enclosing key that is present. */
static size_t wl_line_of(yaml_document_t *doc, const char *path) {
  char buf[WL_PATH_MAX];
  snprintf(buf, sizeof buf, "%s", path);
  do {
    yaml_node_t *key = NULL;
    yaml_node_t *node = gb_workload_tree_find(doc, buf, &key);
    if (node)
      return (key ? key : node)->start_mark.line + 1;
  } while (wl_path_parent(buf));
  return 1;
}
/* ---- Error reporting ---- */

/* The last override that touched path, or NULL. */
static const wl_override *wl_override_for(const wl_src *src, const char *path) {
  for (size_t i = src->n_ovr; i-- > 0;)
    if (wl_path_related(src->ovr[i].key, path))
      return &src->ovr[i];
  return NULL;
}

/* Fills err with "WHERE: key 'PATH': REASON", WHERE being "file:line" or "--set ARG"; -1. */
int gb_workload_fail(const wl_src *src, const char *path, gb_err *err, const char *fmt, ...) {
  char reason[GB_ERR_MSG_MAX];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(reason, sizeof reason, fmt, ap);
  va_end(ap);
  char where[GB_ERR_MSG_MAX];
  const wl_override *o = src->ovr ? wl_override_for(src, path) : NULL;
  if (o)
    snprintf(where, sizeof where, "--set %s", o->arg);
  else if (src->ovr) /* not caused by one override alone: name the combination */
    snprintf(where, sizeof where, "%s with --set overrides", src->file);
  else
    snprintf(where, sizeof where, "%s:%zu", src->file, wl_line_of(src->doc, path));
  if (path[0] == '\0')
    return gb_err_set(err, GB_ERR_INPUT, "%s: %s", where, reason);
  return gb_err_set(err, GB_ERR_INPUT, "%s: key '%s': %s", where, path, reason);
}
