/* gb_workload_set: --set overrides: each "key.path=value" checked against the schema, applied
 * to the file's tree, and the result emitted as YAML to be loaded again. */
#include "gb_workload_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- --set overrides ---- */

static int wl_bad_override(const char *arg, gb_err *err) {
  return gb_err_set(err, GB_ERR_INPUT, "--set %s: expected key.path=value", arg);
}

/* Whether the list schema v holds single values (engine.aggregates.dimensions): --set replaces
 * such a list whole. Lists of mappings (arms) are edited in the file. */
static bool wl_scalar_list(const cyaml_schema_value_t *v) {
  cyaml_type_e t = v->sequence.entry->type;
  return t != CYAML_MAPPING && t != CYAML_SEQUENCE && t != CYAML_SEQUENCE_FIXED;
}

/* Checks o->key against the schema: a known key that holds a single value, or a list of them
 * (then o->is_list is set). */
static int wl_override_check_key(wl_override *o, gb_err *err) {
  const cyaml_schema_value_t *v = &gb_workload_schema;
  const char *seg = o->key;
  for (;;) {
    size_t len = strcspn(seg, ".");
    size_t name_len = strcspn(seg, ".[");
    const cyaml_schema_field_t *f = gb_workload_schema_field(v, seg, name_len);
    int path_len = (int)(seg - o->key + name_len);
    if (f && f->value.type == CYAML_SEQUENCE && !wl_scalar_list(&f->value))
      return gb_err_set(err, GB_ERR_INPUT,
                        "--set %s: key '%.*s': is a list, which --set cannot change (edit the "
                        "workload file)",
                        o->arg, path_len, o->key);
    if (f && f->value.type == CYAML_SEQUENCE && (name_len != len || seg[len] != '\0'))
      return gb_err_set(err, GB_ERR_INPUT,
                        "--set %s: key '%.*s': is a list; set it whole (e.g. %.*s=[a, b])", o->arg,
                        path_len, o->key, path_len, o->key);
    if (!f || name_len != len)
      return gb_err_set(err, GB_ERR_INPUT, "--set %s: key '%s': unknown key", o->arg, o->key);
    v = &f->value;
    if (seg[len] == '\0')
      break;
    seg += len + 1;
  }
  if (v->type == CYAML_MAPPING)
    return gb_err_set(err, GB_ERR_INPUT,
                      "--set %s: key '%s': is a section; set its keys one by one (e.g. %s.%s=...)",
                      o->arg, o->key, o->key, v->mapping.fields[0].key);
  o->is_list = v->type == CYAML_SEQUENCE;
  return 0;
}

static const char *wl_node_kind(const yaml_node_t *n) {
  return !n || n->type == YAML_SCALAR_NODE ? "a single value"
         : n->type == YAML_SEQUENCE_NODE   ? "a list"
                                           : "a mapping";
}

/* A list value ("[type, game]"): a sequence of single values, copied into o->items. */
static int wl_override_items(wl_override *o, yaml_document_t *doc, const yaml_node_t *root,
                             gb_err *err) {
  if (!root || root->type != YAML_SEQUENCE_NODE)
    return gb_err_set(err, GB_ERR_INPUT,
                      "--set %s: key '%s': expected a list such as [a, b], got %s", o->arg, o->key,
                      wl_node_kind(root));
  size_t n = (size_t)(root->data.sequence.items.top - root->data.sequence.items.start);
  o->items = calloc(n ? n : 1, sizeof *o->items);
  if (!o->items)
    return wl_oom(err);
  for (size_t i = 0; i < n; i++) {
    yaml_node_t *item = yaml_document_get_node(doc, root->data.sequence.items.start[i]);
    if (item->type != YAML_SCALAR_NODE)
      return gb_err_set(err, GB_ERR_INPUT,
                        "--set %s: key '%s[%zu]': expected a single value, got %s", o->arg, o->key,
                        i, wl_node_kind(item));
    o->items[i] = strdup((const char *)item->data.scalar.value);
    if (!o->items[i])
      return wl_oom(err);
    o->n_items = i + 1;
  }
  return 0;
}

/* The value of --set read as a YAML scalar ("'a b'" -> "a b", "" -> ""), or for a list key as a
 * YAML sequence. */
static int wl_override_value(wl_override *o, const char *text, gb_err *err) {
  yaml_parser_t p;
  yaml_document_t doc;
  if (!yaml_parser_initialize(&p))
    return wl_oom(err);
  yaml_parser_set_input_string(&p, (const unsigned char *)text, strlen(text));
  int rc = -1;
  if (!yaml_parser_load(&p, &doc)) {
    gb_err_set(err, GB_ERR_INPUT, "--set %s: the value is not valid YAML: %s", o->arg,
               p.problem ? p.problem : "syntax error");
    goto out;
  }
  yaml_node_t *root = yaml_document_get_root_node(&doc);
  if (o->is_list) {
    rc = wl_override_items(o, &doc, root, err);
  } else if (root && root->type != YAML_SCALAR_NODE) {
    gb_err_set(err, GB_ERR_INPUT, "--set %s: key '%s': expected a single value, got %s", o->arg,
               o->key, wl_node_kind(root));
  } else {
    o->value = strdup(root ? (const char *)root->data.scalar.value : "");
    if (!o->value)
      wl_oom(err);
    else
      rc = 0;
  }
  yaml_document_delete(&doc);
out:
  yaml_parser_delete(&p);
  return rc;
}

static int wl_parse_override(const char *arg, wl_override *o, gb_err *err) {
  o->arg = arg;
  const char *eq = strchr(arg, '=');
  if (!eq || eq == arg)
    return wl_bad_override(arg, err);
  size_t key_len = (size_t)(eq - arg);
  /* every step of the key path is non-empty: no ".a", "a.", "a..b" */
  if (arg[0] == '.' || arg[key_len - 1] == '.' || memmem(arg, key_len, "..", 2))
    return wl_bad_override(arg, err);
  o->key = strndup(arg, key_len);
  if (!o->key)
    return wl_oom(err);
  if (wl_override_check_key(o, err) != 0)
    return -1;
  return wl_override_value(o, eq + 1, err);
}

void gb_workload_overrides_free(wl_override *ovr, size_t n) {
  for (size_t i = 0; ovr && i < n; i++) {
    free(ovr[i].key);
    free(ovr[i].value);
    for (size_t j = 0; j < ovr[i].n_items; j++)
      free(ovr[i].items[j]);
    free(ovr[i].items);
  }
  free(ovr);
}

static int wl_add_scalar(yaml_document_t *doc, const char *s, size_t len) {
  return yaml_document_add_scalar(doc, NULL, (yaml_char_t *)s, (int)len, YAML_PLAIN_SCALAR_STYLE);
}

/* The node of o's value, added to doc: a scalar, or a flow sequence of them. */
static int wl_leaf_value(yaml_document_t *doc, const wl_override *o, int *out, gb_err *err) {
  if (!o->is_list) {
    *out = wl_add_scalar(doc, o->value, strlen(o->value));
    if (!*out) /* libyaml checks the text: invalid UTF-8 is refused */
      return gb_err_set(err, GB_ERR_INPUT, "--set %s: the value is not valid UTF-8", o->arg);
    return 0;
  }
  *out = yaml_document_add_sequence(doc, NULL, YAML_FLOW_SEQUENCE_STYLE);
  if (!*out)
    return wl_oom(err);
  for (size_t i = 0; i < o->n_items; i++) {
    int item = wl_add_scalar(doc, o->items[i], strlen(o->items[i]));
    if (!item)
      return gb_err_set(err, GB_ERR_INPUT, "--set %s: the value is not valid UTF-8", o->arg);
    if (!yaml_document_append_sequence_item(doc, *out, item))
      return wl_oom(err);
  }
  return 0;
}

/* Sets o in the tree, creating the sections on its path that the file leaves out. */
static int wl_apply_override(yaml_document_t *doc, const wl_override *o, gb_err *err) {
  int map = 1; /* the root */
  const char *seg = o->key;
  for (;;) {
    size_t len = strcspn(seg, ".");
    bool leaf = seg[len] == '\0';
    long i = gb_workload_pair_index(doc, map, seg, len);
    int value;
    if (leaf) {
      if (wl_leaf_value(doc, o, &value, err) != 0)
        return -1;
    } else if (i >= 0) {
      value = yaml_document_get_node(doc, map)->data.mapping.pairs.start[i].value;
      /* the schema check made this step a section, and the file passed validation */
      if (yaml_document_get_node(doc, value)->type != YAML_MAPPING_NODE)
        return gb_err_set(err, GB_ERR_INPUT, "--set %s: key '%.*s' is not a section", o->arg,
                          (int)(seg - o->key + len), o->key);
    } else {
      value = yaml_document_add_mapping(doc, NULL, YAML_BLOCK_MAPPING_STYLE);
    }
    if (i < 0) {
      int key = wl_add_scalar(doc, seg, len);
      if (!value || !key || !yaml_document_append_mapping_pair(doc, map, key, value))
        return wl_oom(err);
    } else if (leaf) {
      yaml_document_get_node(doc, map)->data.mapping.pairs.start[i].value = value;
    }
    if (leaf)
      return 0;
    map = value;
    seg += len + 1;
  }
}

/* Emits doc as YAML text into *out (heap); doc is consumed (libyaml destroys it). */
static int wl_emit(yaml_document_t *doc, char **out, size_t *len, gb_err *err) {
  char *buf = NULL;
  size_t size = 0;
  FILE *f = open_memstream(&buf, &size);
  yaml_emitter_t e;
  if (!f || !yaml_emitter_initialize(&e)) {
    if (f)
      fclose(f);
    free(buf);
    yaml_document_delete(doc);
    return wl_oom(err);
  }
  yaml_emitter_set_output_file(&e, f);
  yaml_emitter_set_unicode(&e, 1);
  /* dump hands the nodes and directives to the emitter, which frees them: no document delete */
  bool ok = yaml_emitter_dump(&e, doc) && yaml_emitter_close(&e) && yaml_emitter_flush(&e);
  char problem[WL_TEXT_MAX];
  snprintf(problem, sizeof problem, "%s", e.problem ? e.problem : "out of memory");
  yaml_emitter_delete(&e);
  if (fclose(f) != 0 || !ok) {
    free(buf);
    return gb_err_set(err, GB_ERR_RUNTIME, "cannot write the workload with overrides: %s", problem);
  }
  *out = buf;
  *len = size;
  return 0;
}

/* Applies the overrides to the file's tree (consuming it), then loads and validates the
 * result with errors attributed to the overrides. */
int gb_workload_load_overridden(const char *path, yaml_document_t *doc, const wl_override *ovr,
                                size_t n, gb_workload **out, gb_err *err) {
  for (size_t i = 0; i < n; i++) {
    if (wl_apply_override(doc, &ovr[i], err) != 0) {
      yaml_document_delete(doc);
      return -1;
    }
  }
  char *text = NULL;
  size_t len = 0;
  if (wl_emit(doc, &text, &len, err) != 0)
    return -1;
  yaml_document_t merged;
  int rc = gb_workload_parse_tree(path, text, len, &merged, err);
  if (rc == 0) {
    wl_src src = {path, &merged, ovr, n};
    rc = gb_workload_load_text(&src, text, len, out, err);
    yaml_document_delete(&merged);
  }
  free(text);
  return rc;
}

int gb_workload_parse_overrides(const char *const *args, size_t n, wl_override **out, gb_err *err) {
  *out = n ? calloc(n, sizeof **out) : NULL;
  if (n && !*out)
    return wl_oom(err);
  for (size_t i = 0; i < n; i++)
    if (wl_parse_override(args[i], &(*out)[i], err) != 0)
      return -1;
  return 0;
}
