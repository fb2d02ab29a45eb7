#include "gb_compare_int.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gb_grow.h"

/* What building the rows needs at hand. */
typedef struct cmp_ctx {
  const gb_runset *s;
  size_t base, new_run;
  const gb_compare_opts *opt;
  bool *rule_used; /* per rule: it matched a metric of either run */
  gb_compare *c;
  gb_err *err;
} cmp_ctx;

/* One candidate row: what it measures, its definitions and its values. */
typedef struct row_spec {
  const char *metric, *arm, *unit;
  const gb_metric_def *def;    /* the registry's row, or NULL */
  const gb_compare_rule *rule; /* the gate file's, or NULL */
  gb_compare_input in;
} row_spec;

const char *gb_compare_verdict_name(gb_compare_verdict v) {
  static const char *const names[] = {"ok",           "improved",   "regression",
                                      "inside noise", "changed",    "missing",
                                      "new",          "not judged", "info"};
  return (size_t)v < sizeof names / sizeof names[0] ? names[v] : "?";
}

int gb_compare_warn(gb_compare *c, gb_err *err, const char *fmt, ...) {
  char line[512];
  va_list args;
  va_start(args, fmt);
  vsnprintf(line, sizeof line, fmt, args);
  va_end(args);
  if (GB_GROW(c->warnings, c->cap_warnings, c->n_warnings + 1, 4, "warnings", err) != 0)
    return -1;
  c->warnings[c->n_warnings] = strdup(line);
  if (!c->warnings[c->n_warnings])
    return gb_err_set(err, GB_ERR_RUNTIME, "compare: out of memory for a warning");
  c->n_warnings++;
  return 0;
}

static bool is_pattern(const char *name) { return strstr(name, "<stage>") != NULL; }

/* Whether rule r names metric (and arm: NULL for summary metrics): 3 exact metric and arm, 2
 * exact metric for every arm, 1 a "<stage>" pattern, 0 no. */
static int rule_match(const gb_compare_rule *r, const char *metric, const char *arm) {
  if (r->arm && (!arm || strcmp(r->arm, arm) != 0))
    return 0;
  if (strcmp(r->metric, metric) == 0)
    return r->arm ? 3 : 2;
  gb_metric_def pattern = {.name = r->metric};
  return is_pattern(r->metric) && gb_metric_matches(&pattern, metric) ? 1 : 0;
}

/* The rule that governs metric (and arm): the best match, the first of equal ones. */
static const gb_compare_rule *find_rule(cmp_ctx *x, const char *metric, const char *arm) {
  const gb_compare_rule *best = NULL;
  int best_score = 0;
  for (size_t i = 0; i < x->opt->n_rules; i++) {
    int score = rule_match(&x->opt->rules[i], metric, arm);
    if (score > best_score) {
      best = &x->opt->rules[i];
      best_score = score;
    }
  }
  return best;
}

/* "WHERE: " of a rule's messages. */
static const char *where_of(const gb_compare_rule *r) { return r->where ? r->where : "gate"; }

/* Whether the registry judges d without a gate file: its gated rows, and every verdict (a run
 * that fails its verdict fails the gate, whatever the baseline). */
static bool gated_by_default(const cmp_ctx *x, const gb_metric_def *d) {
  return !x->opt->no_defaults && d && (d->gated || d->kind == GB_METRIC_VERDICT);
}

/* Kind, direction, tolerance and gate of a row from its rule and registry row. */
static int resolve_row(cmp_ctx *x, const row_spec *sp, gb_compare_row *row) {
  const gb_compare_rule *r = sp->rule;
  const gb_metric_def *d = sp->def;
  bool gated_by_rule = r && !r->report_only;
  if (gated_by_rule && !d && (r->kind < 0 || r->direction < 0))
    return gb_err_set(x->err, GB_ERR_INPUT,
                      "%s: '%s' is not in the metric registry: give its kind and direction",
                      where_of(r), sp->metric);
  row->kind = r && r->kind >= 0 ? (gb_metric_kind)r->kind : d ? d->kind : GB_METRIC_COUNT;
  row->direction = r && r->direction >= 0 ? (gb_metric_direction)r->direction
                   : d                    ? d->direction
                                          : GB_METRIC_NONE;
  row->tolerance = r && !isnan(r->tolerance) ? r->tolerance : d ? d->tolerance : 0;
  row->gated = r ? !r->report_only : gated_by_default(x, d);
  return 0;
}

static size_t count_values(const double *v, size_t n) {
  size_t k = 0;
  for (size_t i = 0; v && i < n; i++)
    k += !isnan(v[i]);
  return k;
}

/* Adds the row sp describes, if it is to be shown, and judges it. */
static int add_row(cmp_ctx *x, const row_spec *sp) {
  if (!sp->rule && !gated_by_default(x, sp->def) && !x->opt->all)
    return 0;
  bool absent = count_values(sp->in.base, sp->in.n_base) == 0 &&
                count_values(sp->in.new_values, sp->in.n_new) == 0;
  if (absent && !sp->rule) /* a default metric neither run measures: not this workload's */
    return 0;
  gb_compare *c = x->c;
  if (GB_GROW(c->rows, c->cap_rows, c->n_rows + 1, 32, "compare rows", x->err) != 0 ||
      GB_GROW(c->p_better, c->cap_p_better, c->n_rows + 1, 32, "compare rows", x->err) != 0)
    return -1;
  gb_compare_row *row = &c->rows[c->n_rows];
  memset(row, 0, sizeof *row);
  char label[256];
  if (sp->arm)
    snprintf(label, sizeof label, "%s[%s]", sp->metric, sp->arm);
  else
    snprintf(label, sizeof label, "%s", sp->metric);
  row->label = strdup(label);
  row->metric = strdup(sp->metric);
  row->arm = sp->arm ? strdup(sp->arm) : NULL;
  row->unit = strdup(sp->unit ? sp->unit : "");
  c->n_rows++; /* counted now so that gb_compare_free frees the strings whatever happens */
  if (!row->label || !row->metric || (sp->arm && !row->arm) || !row->unit)
    return gb_err_set(x->err, GB_ERR_RUNTIME, "compare: out of memory for a row");
  if (resolve_row(x, sp, row) != 0)
    return -1;
  bool allow_missing = sp->rule && sp->rule->allow_missing;
  return gb_compare_judge(c, row, c->n_rows - 1, &sp->in, allow_missing, x->opt, x->err);
}

static void input_of(cmp_ctx *x, gb_compare_input *in, const double *base, const double *new_v) {
  in->base = base;
  in->new_values = new_v;
  in->n_base = gb_runset_repeats(x->s, x->base);
  in->n_new = gb_runset_repeats(x->s, x->new_run);
}

/* Marks the rule used for the metric (and arm) it governs. */
static const gb_compare_rule *use_rule(cmp_ctx *x, const char *metric, const char *arm) {
  const gb_compare_rule *r = find_rule(x, metric, arm);
  if (r)
    x->rule_used[r - x->opt->rules] = true;
  return r;
}

static int summary_rows(cmp_ctx *x) {
  size_t n;
  const char *const *names = gb_runset_metrics(x->s, &n);
  for (size_t i = 0; i < n; i++) {
    row_spec sp = {.metric = names[i], .unit = gb_runset_unit(x->s, i)};
    sp.def = gb_metric_find(names[i], GB_METRIC_SUMMARY);
    sp.rule = use_rule(x, names[i], NULL);
    input_of(x, &sp.in, gb_runset_values(x->s, x->base, i), gb_runset_values(x->s, x->new_run, i));
    if (add_row(x, &sp) != 0)
      return -1;
  }
  return 0;
}

static int arm_rows(cmp_ctx *x) {
  size_t n_cols, n_arms;
  const char *const *cols = gb_runset_arm_columns(&n_cols);
  const char *const *arms = gb_runset_arms(x->s, &n_arms);
  for (size_t c = 0; c < n_cols; c++) {
    for (size_t a = 0; a < n_arms; a++) {
      row_spec sp = {.metric = cols[c], .arm = arms[a]};
      sp.def = gb_metric_find(cols[c], GB_METRIC_ARM);
      sp.rule = use_rule(x, cols[c], arms[a]);
      input_of(x, &sp.in, gb_runset_arm_values(x->s, x->base, a, c),
               gb_runset_arm_values(x->s, x->new_run, a, c));
      if (add_row(x, &sp) != 0)
        return -1;
    }
  }
  return 0;
}

/* A rule that matched nothing in either run: a metric the registry or arms.csv knows is
 * "missing" (the gate asked for it); anything else is a mistake in the gate file. */
static int unmatched_rule(cmp_ctx *x, const gb_compare_rule *r) {
  size_t col;
  bool arm_metric = gb_runset_find_arm_column(r->metric, &col);
  /* a registry row's own name, "<stage>" included, is found exactly */
  const gb_metric_def *summary = gb_metric_find(r->metric, GB_METRIC_SUMMARY);
  if (!arm_metric && !summary)
    return gb_err_set(x->err, GB_ERR_INPUT,
                      "%s: '%s' is neither in the metric registry nor in either run's results",
                      where_of(r), r->metric);
  row_spec sp = {.metric = r->metric, .arm = r->arm, .rule = r};
  sp.def = arm_metric ? gb_metric_find(r->metric, GB_METRIC_ARM) : summary;
  input_of(x, &sp.in, NULL, NULL);
  return add_row(x, &sp);
}

static int build(cmp_ctx *x) {
  for (size_t i = 0; i < x->opt->n_rules; i++) {
    const gb_compare_rule *r = &x->opt->rules[i];
    size_t col;
    if (r->arm && !gb_runset_find_arm_column(r->metric, &col))
      return gb_err_set(x->err, GB_ERR_INPUT,
                        "%s: 'arm' applies to arms.csv's columns only, and '%s' is not one",
                        where_of(r), r->metric);
  }
  if (summary_rows(x) != 0 || arm_rows(x) != 0)
    return -1;
  for (size_t i = 0; i < x->opt->n_rules; i++)
    if (!x->rule_used[i] && unmatched_rule(x, &x->opt->rules[i]) != 0)
      return -1;
  return gb_compare_finish(x->c, x->opt, x->err);
}

static int check_opts(const gb_compare_opts *o, gb_err *err) {
  if (!(o->alpha > 0 && o->alpha < 1))
    return gb_err_set(err, GB_ERR_INPUT, "compare: alpha %g is outside (0, 1)", o->alpha);
  if (!(o->confidence > 0 && o->confidence < 1))
    return gb_err_set(err, GB_ERR_INPUT, "compare: confidence %g is outside (0, 1)", o->confidence);
  if (o->min_repeats < 2)
    return gb_err_set(err, GB_ERR_INPUT, "compare: min_repeats %zu is below 2", o->min_repeats);
  return 0;
}

int gb_compare_new(const gb_runset *s, size_t base_run, size_t new_run, const gb_compare_opts *opt,
                   gb_compare **out, gb_err *err) {
  gb_compare_opts o = *opt;
  o.alpha = o.alpha ? o.alpha : GB_COMPARE_DEFAULT_ALPHA;
  o.bootstrap = o.bootstrap ? o.bootstrap : GB_COMPARE_DEFAULT_BOOTSTRAP;
  o.confidence = o.confidence ? o.confidence : GB_COMPARE_DEFAULT_CONFIDENCE;
  o.min_repeats = o.min_repeats ? o.min_repeats : GB_COMPARE_DEFAULT_MIN_REPEATS;
  if (check_opts(&o, err) != 0)
    return -1;
  if (base_run >= gb_runset_runs(s) || new_run >= gb_runset_runs(s))
    return gb_err_set(err, GB_ERR_INPUT, "compare: run %zu is not in the run set",
                      base_run > new_run ? base_run : new_run);
  gb_compare *c = calloc(1, sizeof *c);
  bool *used = calloc(o.n_rules + 1, sizeof *used);
  if (!c || !used) {
    free(c);
    free(used);
    return gb_err_set(err, GB_ERR_RUNTIME, "compare: out of memory");
  }
  c->alpha = o.alpha;
  c->confidence = o.confidence;
  c->base_dir = strdup(gb_runset_dir(s, base_run));
  c->new_dir = strdup(gb_runset_dir(s, new_run));
  c->base_repeats = gb_runset_repeats(s, base_run);
  c->new_repeats = gb_runset_repeats(s, new_run);
  cmp_ctx x = {s, base_run, new_run, &o, used, c, err};
  int rc = c->base_dir && c->new_dir
               ? build(&x)
               : gb_err_set(err, GB_ERR_RUNTIME, "compare: out of memory for a path");
  free(used);
  if (rc != 0) {
    gb_compare_free(c);
    return -1;
  }
  *out = c;
  return 0;
}

void gb_compare_free(gb_compare *c) {
  if (!c)
    return;
  for (size_t i = 0; i < c->n_rows; i++) {
    free((char *)c->rows[i].label);
    free((char *)c->rows[i].metric);
    free((char *)c->rows[i].arm);
    free((char *)c->rows[i].unit);
  }
  for (size_t i = 0; i < c->n_warnings; i++)
    free(c->warnings[i]);
  free(c->warnings);
  free(c->rows);
  free(c->p_better);
  free(c->base_dir);
  free(c->new_dir);
  free(c);
}

const gb_compare_row *gb_compare_rows(const gb_compare *c, size_t *n) {
  *n = c->n_rows;
  return c->rows;
}

size_t gb_compare_failures(const gb_compare *c) { return c->failures; }

const char *const *gb_compare_warnings(const gb_compare *c, size_t *n) {
  *n = c->n_warnings;
  return (const char *const *)c->warnings;
}
