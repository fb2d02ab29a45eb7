/* Workload loading in three layers:
 *
 * 1. libyaml's document API parses the text into a node tree. It reports syntax errors, empty
 *    files and non-mapping top levels, gives every key its line number, and is where --set
 *    overrides are applied before the tree is re-emitted as YAML.
 * 2. libcyaml loads the same text into wl_raw through the schema (gb_workload_schema.c): it
 *    rejects unknown keys, duplicate keys, values of the wrong shape (a list where a value
 *    belongs...) and unknown enum names. Its errors arrive through the log callback with a
 *    backtrace of the keys being read; wl_capture records them and wl_cyaml_error turns them into
 *    "file:line: key 'a.b': ..." (gb_workload_cyaml.c).
 * 3. gb_workload_convert (gb_workload_convert.c) parses every scalar strictly (libcyaml 1.3
 *    loads "2h" into an int as 2, and any word into a bool as true, so numbers and durations are
 *    loaded as strings and parsed there), checks ranges, fills defaults and builds the
 *    gb_workload.
 *
 * The file is validated alone first (its errors carry its own line numbers); overrides are then
 * applied to its tree and the result goes through layers 1-3 again, with errors attributed to
 * the --set argument that touched the key.
 *
 * gb_workload_paths.c holds the key paths, their lines and the errors that name them;
 * gb_workload_set.c the --set overrides; gb_workload_json.c resolved_json. This file reads and
 * parses the file and holds the public API. */
#include "gb_workload_int.h"

#include "gb_afile.h"
#include "gb_opts.h"
#include "gb_yaml.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

/* ---- Reading and parsing the file ---- */

static int wl_syntax_error(const char *label, const yaml_parser_t *p, gb_err *err) {
  if (p->error == YAML_MEMORY_ERROR)
    return wl_oom(err);
  const char *problem = p->problem ? p->problem : "syntax error";
  if (p->context)
    return gb_err_set(err, GB_ERR_INPUT, "%s:%zu: invalid YAML: %s (%s)", label,
                      p->problem_mark.line + 1, problem, p->context);
  return gb_err_set(err, GB_ERR_INPUT, "%s:%zu: invalid YAML: %s", label, p->problem_mark.line + 1,
                    problem);
}

/* Fails unless the rest of the stream holds no second document. */
static int wl_check_single_document(const char *label, yaml_parser_t *p, gb_err *err) {
  yaml_document_t next;
  if (!yaml_parser_load(p, &next))
    return wl_syntax_error(label, p, err);
  yaml_node_t *root = yaml_document_get_root_node(&next);
  size_t line = root ? root->start_mark.line + 1 : 0;
  yaml_document_delete(&next);
  if (root)
    return gb_err_set(err, GB_ERR_INPUT,
                      "%s:%zu: a second YAML document (a workload is a single mapping)", label,
                      line);
  return 0;
}

static const char *wl_node_kind(const yaml_node_t *n) {
  return n->type == YAML_SEQUENCE_NODE  ? "a list"
         : n->type == YAML_MAPPING_NODE ? "a mapping"
                                        : "a single value";
}

/* libcyaml cannot read keys that are lists or mappings ("? [a]\n: 1") and would blame another
 * key: report them here, with their line. depth bounds the walk (aliases can make the tree
 * cyclic); the schema is WL_SCHEMA_DEPTH mappings deep. */
enum { WL_SCHEMA_DEPTH = 3 };
static int wl_check_keys(const char *label, yaml_document_t *doc, int id, int depth, gb_err *err) {
  yaml_node_t *n = yaml_document_get_node(doc, id);
  if (!n || depth > WL_SCHEMA_DEPTH)
    return 0;
  if (n->type == YAML_SEQUENCE_NODE)
    for (yaml_node_item_t *i = n->data.sequence.items.start; i < n->data.sequence.items.top; i++)
      if (wl_check_keys(label, doc, *i, depth + 1, err) != 0)
        return -1;
  if (n->type != YAML_MAPPING_NODE)
    return 0;
  for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
    yaml_node_t *key = yaml_document_get_node(doc, p->key);
    if (key && key->type != YAML_SCALAR_NODE)
      return gb_err_set(err, GB_ERR_INPUT, "%s:%zu: a key must be a single value, got %s", label,
                        key->start_mark.line + 1, wl_node_kind(key));
    if (wl_check_keys(label, doc, p->value, depth + 1, err) != 0)
      return -1;
  }
  return 0;
}

/* Parses text into *doc, which must then be a single non-empty mapping; on success the
 * caller deletes *doc. label names the text in errors. */
int gb_workload_parse_tree(const char *label, const char *text, size_t len, yaml_document_t *doc,
                           gb_err *err) {
  /* before libyaml's load, whose cost grows with the nesting (gb_yaml.h) */
  if (gb_yaml_check_depth(label, text, len, GB_YAML_DEPTH_MAX, err) != 0)
    return -1;
  yaml_parser_t p;
  if (!yaml_parser_initialize(&p))
    return wl_oom(err);
  yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
  int rc = -1;
  if (!yaml_parser_load(&p, doc)) {
    wl_syntax_error(label, &p, err);
    goto out;
  }
  yaml_node_t *root = yaml_document_get_root_node(doc);
  if (!root)
    gb_err_set(err, GB_ERR_INPUT, "%s:1: empty workload (it needs at least name and sim.duration)",
               label);
  else if (root->type != YAML_MAPPING_NODE)
    gb_err_set(err, GB_ERR_INPUT, "%s:%zu: expected a mapping of keys at the top level, got %s",
               label, root->start_mark.line + 1, wl_node_kind(root));
  else if (wl_check_keys(label, doc, 1, 0, err) == 0)
    rc = wl_check_single_document(label, &p, err);
  if (rc != 0)
    yaml_document_delete(doc);
out:
  yaml_parser_delete(&p);
  return rc;
}

/* ---- Public API ---- */

int gb_workload_load(const char *path, const char *const *overrides, size_t n_overrides,
                     gb_workload **out, gb_err *err) {
  *out = NULL;
  char *text = NULL;
  size_t len = 0;
  wl_override *ovr = NULL;
  gb_workload *w = NULL;
  yaml_document_t doc;
  int rc = -1;
  text = gb_afile_read_max(path, WL_FILE_MAX, "a workload file", &len, err);
  if (!text || gb_workload_parse_tree(path, text, len, &doc, err) != 0)
    goto out;
  /* the file alone first, so that its errors carry its own line numbers */
  wl_src src = {path, &doc, NULL, 0};
  if (gb_workload_load_text(&src, text, len, &w, err) != 0 ||
      gb_workload_parse_overrides(overrides, n_overrides, &ovr, err) != 0) {
    yaml_document_delete(&doc);
    goto out;
  }
  if (n_overrides == 0) {
    yaml_document_delete(&doc);
  } else {
    gb_workload_free(w);
    w = NULL;
    if (gb_workload_load_overridden(path, &doc, ovr, n_overrides, &w, err) != 0)
      goto out;
  }
  if (gb_workload_resolve_json(w, err) != 0)
    goto out;
  *out = w;
  w = NULL;
  rc = 0;
out:
  gb_workload_free(w);
  gb_workload_overrides_free(ovr, n_overrides);
  free(text);
  return rc;
}

void gb_workload_free(gb_workload *w) {
  if (!w)
    return;
  free(w->name);
  free(w->engine.challenges);
  free(w->store.catalog);
  free(w->store.reference);
  free(w->engine.matcher);
  free(w->transport.brokers);
  for (size_t i = 0; w->arms && i < w->n_arms; i++) {
    free(w->arms[i].name);
    free(w->arms[i].algorithm);
  }
  free(w->arms);
  free(w->output.dir);
  free(w->path);
  free(w->resolved_json);
  free(w);
}

int gb_workload_arms(const gb_workload *w, gb_arms **out, gb_err *err) {
  gb_arm_spec *specs = calloc(w->n_arms, sizeof *specs);
  if (!specs)
    return gb_err_set(err, GB_ERR_RUNTIME, "out of memory for the arms");
  for (size_t i = 0; i < w->n_arms; i++) {
    specs[i] = (gb_arm_spec){.name = w->arms[i].name,
                             .algorithm = w->arms[i].algorithm,
                             .weight = w->arms[i].weight,
                             .has_params = true};
    memcpy(specs[i].params, w->arms[i].params, sizeof specs[i].params);
  }
  int rc = gb_arms_new(specs, w->n_arms, w->seed, out, err);
  free(specs);
  return rc == 0 ? 0 : gb_err_prefix(err, "%s: ", w->path);
}

int gb_workload_load_kafka(const char *path, const char *const *defaults, size_t n_defaults,
                           const gb_opt_list *sets, const char *brokers, gb_workload **out,
                           gb_err *err) {
  /* defaults, --set ones, transport.kind and transport.brokers */
  const char *overrides[GB_WORKLOAD_KAFKA_DEFAULTS_MAX + GB_OPT_LIST_MAX + 2];
  char brokers_set[1024];
  size_t n = 0;
  for (size_t i = 0; i < n_defaults && i < GB_WORKLOAD_KAFKA_DEFAULTS_MAX; i++)
    overrides[n++] = defaults[i];
  for (size_t i = 0; i < sets->n; i++)
    overrides[n++] = sets->items[i];
  overrides[n++] = "transport.kind=kafka";
  if (brokers) {
    if (snprintf(brokers_set, sizeof brokers_set, "transport.brokers=%s", brokers) >=
        (int)sizeof brokers_set)
      return gb_err_set(err, GB_ERR_INPUT, "--brokers: too long");
    overrides[n++] = brokers_set;
  }
  return gb_workload_load(path, overrides, n, out, err);
}
