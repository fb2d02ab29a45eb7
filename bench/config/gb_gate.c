/* gb_gate: the gate file, read with libyaml's document tree (each node knows its line) and
 * checked key by key against the tables below, in the workload's error style. */
#include "gb_gate.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "gb_afile.h"
#include "gb_yaml.h"

enum {
  GATE_FILE_MAX = 1 << 20, /* a gate file is a page of YAML: anything this large is not one */
  GATE_RULES_MAX = 1000,   /* far more metrics than results hold */
  GATE_PATH_MAX = 64       /* "metrics[999].allow_missing" */
};

struct gb_gate {
  gb_compare_opts opts;
  gb_compare_rule *rules;
  char **strings; /* every string the rules point to */
  size_t n_strings;
};

/* The walk's state. */
typedef struct gate_ctx {
  const char *file;
  yaml_document_t *doc;
  gb_gate *g;
  gb_err *err;
} gate_ctx;

static int gate_fail(gate_ctx *x, const yaml_node_t *n, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* "FILE:LINE: key 'KEY': REASON" (GB_ERR_INPUT); returns -1. */
static int gate_fail(gate_ctx *x, const yaml_node_t *n, const char *key, const char *fmt, ...) {
  char reason[GB_ERR_MSG_MAX];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(reason, sizeof reason, fmt, ap);
  va_end(ap);
  size_t line = n ? n->start_mark.line + 1 : 1;
  if (!key)
    return gb_err_set(x->err, GB_ERR_INPUT, "%s:%zu: %s", x->file, line, reason);
  return gb_err_set(x->err, GB_ERR_INPUT, "%s:%zu: key '%s': %s", x->file, line, key, reason);
}

static const char *node_kind(const yaml_node_t *n) {
  return n->type == YAML_SEQUENCE_NODE  ? "a list"
         : n->type == YAML_MAPPING_NODE ? "a mapping"
                                        : "a single value";
}

static const char *scalar(const yaml_node_t *n) { return (const char *)n->data.scalar.value; }

/* The text of a single value, or NULL after "expected WHAT, got ...". */
static const char *need_scalar(gate_ctx *x, const yaml_node_t *n, const char *key,
                               const char *what) {
  if (n->type == YAML_SCALAR_NODE && scalar(n)[0] != '\0')
    return scalar(n);
  gate_fail(x, n, key, "expected %s, got %s", what,
            n->type == YAML_SCALAR_NODE ? "nothing" : node_kind(n));
  return NULL;
}

static char *keep(gate_ctx *x, const char *s) {
  char **grown = realloc(x->g->strings, (x->g->n_strings + 1) * sizeof *grown);
  char *copy = strdup(s);
  if (!grown || !copy) {
    free(copy);
    if (grown)
      x->g->strings = grown;
    gb_err_set(x->err, GB_ERR_RUNTIME, "%s: out of memory", x->file);
    return NULL;
  }
  x->g->strings = grown;
  x->g->strings[x->g->n_strings++] = copy;
  return copy;
}

/* ---- Scalars ---- */

static int parse_double(gate_ctx *x, const yaml_node_t *n, const char *key, double lo, double hi,
                        bool hi_open, double *out) {
  const char *s = need_scalar(x, n, key, "a number");
  if (!s)
    return -1;
  char *end;
  errno = 0;
  double v = strtod(s, &end);
  if (end == s || *end != '\0' || errno != 0 || !isfinite(v))
    return gate_fail(x, n, key, "expected a number, got '%s'", s);
  if (v < lo || v > hi || (hi_open && v == hi))
    return gate_fail(x, n, key, "%s is outside [%g, %g%s", s, lo, hi, hi_open ? ")" : "]");
  *out = v;
  return 0;
}

static int parse_count(gate_ctx *x, const yaml_node_t *n, const char *key, uint64_t lo, uint64_t hi,
                       uint64_t *out) {
  const char *s = need_scalar(x, n, key, "a whole number");
  if (!s)
    return -1;
  char *end;
  errno = 0;
  unsigned long long v = strtoull(s, &end, 10);
  if (end == s || *end != '\0' || errno != 0 || s[0] == '-' || s[0] == '+')
    return gate_fail(x, n, key, "expected a whole number, got '%s'", s);
  if (v < lo || v > hi)
    return gate_fail(x, n, key, "%s is outside [%llu, %llu]", s, (unsigned long long)lo,
                     (unsigned long long)hi);
  *out = v;
  return 0;
}

static int parse_bool(gate_ctx *x, const yaml_node_t *n, const char *key, bool *out) {
  const char *s = need_scalar(x, n, key, "true or false");
  if (!s)
    return -1;
  static const char *const yes[] = {"true", "True", "TRUE"}, *const no[] = {"false", "False",
                                                                            "FALSE"};
  for (size_t i = 0; i < 3; i++) {
    if (strcmp(s, yes[i]) == 0 || strcmp(s, no[i]) == 0) {
      *out = strcmp(s, yes[i]) == 0;
      return 0;
    }
  }
  return gate_fail(x, n, key, "expected true or false, got '%s'", s);
}

/* "5%" (a percentage), 0.05 or 0: a relative tolerance in [0, 100] (10,000 %). */
static int parse_tolerance(gate_ctx *x, const yaml_node_t *n, const char *key, double *out) {
  static const char what[] = "a relative tolerance (\"5%\", 0.05 or 0)";
  const char *s = need_scalar(x, n, key, what);
  if (!s)
    return -1;
  char *end;
  errno = 0;
  double v = strtod(s, &end);
  bool percent = end != s && strcmp(end, "%") == 0;
  if (end == s || (*end != '\0' && !percent) || errno != 0 || !isfinite(v))
    return gate_fail(x, n, key, "expected %s, got '%s'", what, s);
  v = percent ? v / 100 : v;
  if (v < 0 || v > 100)
    return gate_fail(x, n, key, "%s is outside [0, 10000%%]: a tolerance is a size, not a sign", s);
  *out = v;
  return 0;
}

/* One of names[0..n) (its index into *out), else "'x' is not one of a, b, c". */
static int parse_choice(gate_ctx *x, const yaml_node_t *n, const char *key,
                        const char *const *names, size_t count, int *out) {
  const char *s = need_scalar(x, n, key, "a name");
  if (!s)
    return -1;
  char list[128] = "";
  for (size_t i = 0; i < count; i++) {
    if (strcmp(s, names[i]) == 0) {
      *out = (int)i;
      return 0;
    }
    size_t len = strlen(list);
    snprintf(list + len, sizeof list - len, "%s%s", i ? ", " : "", names[i]);
  }
  return gate_fail(x, n, key, "'%s' is not one of %s", s, list);
}

/* ---- Mappings: each key a function over its value ---- */

typedef int (*key_fn)(gate_ctx *x, const yaml_node_t *v, const char *key, void *target);

typedef struct gate_key {
  const char *name;
  key_fn fn;
} gate_key;

/* Calls each key's function; unknown, duplicate and non-scalar keys are errors. prefix is the
 * mapping's own key path ("" at the top, "metrics[2]" in a rule). */
static int walk_mapping(gate_ctx *x, const yaml_node_t *n, const char *prefix, const gate_key *keys,
                        void *target) {
  if (n->type != YAML_MAPPING_NODE)
    return gate_fail(x, n, prefix[0] ? prefix : NULL, "expected a mapping of keys, got %s",
                     node_kind(n));
  for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
    const yaml_node_t *k = yaml_document_get_node(x->doc, p->key);
    const yaml_node_t *v = yaml_document_get_node(x->doc, p->value);
    if (k->type != YAML_SCALAR_NODE)
      return gate_fail(x, k, prefix[0] ? prefix : NULL, "a key must be a single value, got %s",
                       node_kind(k));
    char key[GATE_PATH_MAX + 64];
    snprintf(key, sizeof key, "%s%s%s", prefix, prefix[0] ? "." : "", scalar(k));
    for (yaml_node_pair_t *q = n->data.mapping.pairs.start; q < p; q++) {
      const yaml_node_t *earlier = yaml_document_get_node(x->doc, q->key);
      if (earlier->type == YAML_SCALAR_NODE && strcmp(scalar(earlier), scalar(k)) == 0)
        return gate_fail(x, k, key, "duplicate key (first at line %zu)",
                         earlier->start_mark.line + 1);
    }
    const gate_key *known = keys;
    while (known->name && strcmp(known->name, scalar(k)) != 0)
      known++;
    if (!known->name)
      return gate_fail(x, k, key, "unknown key");
    if (known->fn(x, v, key, target) != 0)
      return -1;
  }
  return 0;
}

/* ---- A rule: metrics[i] ---- */

static int key_metric(gate_ctx *x, const yaml_node_t *v, const char *key, void *target) {
  gb_compare_rule *r = target;
  const char *s = need_scalar(x, v, key, "a metric name");
  if (!s)
    return -1;
  for (const char *c = s; *c; c++) /* a summary metric or column name: [a-z0-9_] and <stage> */
    if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || strchr("_<>", *c)))
      return gate_fail(x, v, key, "'%s' is not a metric name (lower-case letters, digits, _)", s);
  r->metric = keep(x, s);
  return r->metric ? 0 : -1;
}

static int key_arm(gate_ctx *x, const yaml_node_t *v, const char *key, void *target) {
  gb_compare_rule *r = target;
  const char *s = need_scalar(x, v, key, "an arm name");
  if (!s)
    return -1;
  r->arm = keep(x, s);
  return r->arm ? 0 : -1;
}

static int key_tolerance(gate_ctx *x, const yaml_node_t *v, const char *key, void *target) {
  return parse_tolerance(x, v, key, &((gb_compare_rule *)target)->tolerance);
}

static int key_direction(gate_ctx *x, const yaml_node_t *v, const char *key, void *target) {
  const char *names[] = {gb_metric_direction_name(GB_METRIC_LOWER_BETTER),
                         gb_metric_direction_name(GB_METRIC_HIGHER_BETTER),
                         gb_metric_direction_name(GB_METRIC_NONE)};
  return parse_choice(x, v, key, names, 3, &((gb_compare_rule *)target)->direction);
}

static int key_kind(gate_ctx *x, const yaml_node_t *v, const char *key, void *target) {
  const char *names[] = {
      gb_metric_kind_name(GB_METRIC_TIMING), gb_metric_kind_name(GB_METRIC_DETERMINISTIC),
      gb_metric_kind_name(GB_METRIC_VERDICT), gb_metric_kind_name(GB_METRIC_COUNT)};
  return parse_choice(x, v, key, names, 4, &((gb_compare_rule *)target)->kind);
}

static int key_gate(gate_ctx *x, const yaml_node_t *v, const char *key, void *target) {
  bool gate;
  if (parse_bool(x, v, key, &gate) != 0)
    return -1;
  ((gb_compare_rule *)target)->report_only = !gate;
  return 0;
}

static int key_allow_missing(gate_ctx *x, const yaml_node_t *v, const char *key, void *target) {
  return parse_bool(x, v, key, &((gb_compare_rule *)target)->allow_missing);
}

static const gate_key rule_keys[] = {
    {"metric", key_metric},
    {"arm", key_arm},
    {"tolerance", key_tolerance},
    {"direction", key_direction},
    {"kind", key_kind},
    {"gate", key_gate},
    {"allow_missing", key_allow_missing},
    {NULL, NULL},
};

/* Two rules for the same metric and arm: the second would be silently ignored. */
static int check_duplicate_rule(gate_ctx *x, const yaml_node_t *n, size_t i, const char *key) {
  const gb_compare_rule *r = &x->g->rules[i];
  for (size_t j = 0; j < i; j++) {
    const gb_compare_rule *e = &x->g->rules[j];
    bool same_arm = (!e->arm && !r->arm) || (e->arm && r->arm && strcmp(e->arm, r->arm) == 0);
    if (strcmp(e->metric, r->metric) == 0 && same_arm)
      return gate_fail(x, n, key, "'%s'%s%s is already judged by metrics[%zu]", r->metric,
                       r->arm ? " for arm " : "", r->arm ? r->arm : "", j);
  }
  return 0;
}

static int load_rule(gate_ctx *x, const yaml_node_t *n, size_t i) {
  char key[GATE_PATH_MAX];
  snprintf(key, sizeof key, "metrics[%zu]", i);
  gb_compare_rule *r = &x->g->rules[i];
  *r = (gb_compare_rule){.tolerance = NAN, .direction = -1, .kind = -1};
  if (walk_mapping(x, n, key, rule_keys, r) != 0)
    return -1;
  if (!r->metric)
    return gate_fail(x, n, key, "a rule needs 'metric'");
  char where[GB_ERR_MSG_MAX];
  snprintf(where, sizeof where, "%s:%zu: key '%s.metric'", x->file, n->start_mark.line + 1, key);
  r->where = keep(x, where);
  return r->where ? check_duplicate_rule(x, n, i, key) : -1;
}

/* ---- The top level ---- */

static int key_metrics(gate_ctx *x, const yaml_node_t *v, const char *key, void *target) {
  gb_compare_opts *o = target;
  if (v->type != YAML_SEQUENCE_NODE)
    return gate_fail(x, v, key, "expected a list of rules, got %s", node_kind(v));
  size_t n = (size_t)(v->data.sequence.items.top - v->data.sequence.items.start);
  if (n > GATE_RULES_MAX)
    return gate_fail(x, v, key, "%zu rules: at most %d", n, GATE_RULES_MAX);
  x->g->rules = calloc(n + 1, sizeof *x->g->rules);
  if (!x->g->rules)
    return gb_err_set(x->err, GB_ERR_RUNTIME, "%s: out of memory", x->file);
  for (size_t i = 0; i < n; i++) {
    const yaml_node_t *item = yaml_document_get_node(x->doc, v->data.sequence.items.start[i]);
    if (load_rule(x, item, i) != 0)
      return -1;
    o->n_rules = i + 1;
  }
  o->rules = x->g->rules;
  return 0;
}

static int key_alpha(gate_ctx *x, const yaml_node_t *v, const char *key, void *target) {
  double a;
  if (parse_double(x, v, key, 0, 0.5, false, &a) != 0)
    return -1;
  if (a == 0)
    return gate_fail(x, v, key, "0 would never flag anything: alpha is in (0, 0.5]");
  ((gb_compare_opts *)target)->alpha = a;
  return 0;
}

static int key_defaults(gate_ctx *x, const yaml_node_t *v, const char *key, void *target) {
  bool defaults;
  if (parse_bool(x, v, key, &defaults) != 0)
    return -1;
  ((gb_compare_opts *)target)->no_defaults = !defaults;
  return 0;
}

static int key_bootstrap(gate_ctx *x, const yaml_node_t *v, const char *key, void *target) {
  uint64_t b;
  if (parse_count(x, v, key, 100, 1000000, &b) != 0)
    return -1;
  ((gb_compare_opts *)target)->bootstrap = (size_t)b;
  return 0;
}

static int key_confidence(gate_ctx *x, const yaml_node_t *v, const char *key, void *target) {
  return parse_double(x, v, key, 0.5, 1, true, &((gb_compare_opts *)target)->confidence);
}

static int key_seed(gate_ctx *x, const yaml_node_t *v, const char *key, void *target) {
  return parse_count(x, v, key, 0, UINT64_MAX, &((gb_compare_opts *)target)->seed);
}

static int key_min_repeats(gate_ctx *x, const yaml_node_t *v, const char *key, void *target) {
  uint64_t m;
  if (parse_count(x, v, key, 2, 1000, &m) != 0)
    return -1;
  ((gb_compare_opts *)target)->min_repeats = (size_t)m;
  return 0;
}

static const gate_key top_keys[] = {
    {"alpha", key_alpha},         {"defaults", key_defaults},
    {"bootstrap", key_bootstrap}, {"confidence", key_confidence},
    {"seed", key_seed},           {"min_repeats", key_min_repeats},
    {"metrics", key_metrics},     {NULL, NULL},
};

/* ---- Loading ---- */

static int syntax_error(const char *file, const yaml_parser_t *p, gb_err *err) {
  if (p->error == YAML_MEMORY_ERROR)
    return gb_err_set(err, GB_ERR_RUNTIME, "%s: out of memory", file);
  return gb_err_set(err, GB_ERR_INPUT, "%s:%zu: invalid YAML: %s", file, p->problem_mark.line + 1,
                    p->problem ? p->problem : "syntax error");
}

/* Parses text and walks its single document (empty: every default). */
static int load_text(gate_ctx *x, const char *text, size_t len) {
  yaml_parser_t p;
  yaml_document_t doc, next;
  /* before libyaml's load, whose cost grows with the nesting (gb_yaml.h) */
  if (gb_yaml_check_depth(x->file, text, len, GB_YAML_DEPTH_MAX, x->err) != 0)
    return -1;
  if (!yaml_parser_initialize(&p))
    return gb_err_set(x->err, GB_ERR_RUNTIME, "%s: out of memory", x->file);
  yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
  int rc = -1;
  if (!yaml_parser_load(&p, &doc)) {
    syntax_error(x->file, &p, x->err);
    goto out;
  }
  x->doc = &doc;
  const yaml_node_t *root = yaml_document_get_root_node(&doc);
  if (!root || (root->type == YAML_SCALAR_NODE && scalar(root)[0] == '\0'))
    rc = 0; /* an empty gate file: the defaults */
  else
    rc = walk_mapping(x, root, "", top_keys, &x->g->opts);
  if (rc == 0 && !yaml_parser_load(&p, &next)) {
    rc = syntax_error(x->file, &p, x->err);
  } else if (rc == 0) {
    const yaml_node_t *second = yaml_document_get_root_node(&next);
    if (second)
      rc = gate_fail(x, second, NULL, "a second YAML document (a gate file is one mapping)");
    yaml_document_delete(&next);
  }
  yaml_document_delete(&doc);
out:
  yaml_parser_delete(&p);
  return rc;
}

int gb_gate_load(const char *path, gb_gate **out, gb_err *err) {
  size_t len;
  char *text = gb_afile_read_max(path, GATE_FILE_MAX, "a gate file", &len, err);
  if (!text)
    return -1;
  gb_gate *g = calloc(1, sizeof *g);
  int rc = -1;
  if (!g)
    gb_err_set(err, GB_ERR_RUNTIME, "%s: out of memory", path);
  else if (memchr(text, '\0', len))
    gb_err_set(err, GB_ERR_INPUT, "%s: not a text file (it holds a NUL byte)", path);
  else
    rc = load_text(&(gate_ctx){path, NULL, g, err}, text, len);
  free(text);
  if (rc != 0) {
    gb_gate_free(g);
    return -1;
  }
  *out = g;
  return 0;
}

const gb_compare_opts *gb_gate_opts(const gb_gate *g) { return &g->opts; }

void gb_gate_free(gb_gate *g) {
  if (!g)
    return;
  for (size_t i = 0; i < g->n_strings; i++)
    free(g->strings[i]);
  free(g->strings);
  free(g->rules);
  free(g);
}
