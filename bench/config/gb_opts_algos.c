/* The recommender's algorithms and their parameters in `gamebench run --help`, generated from
 * the registry (gb_algo.h) so that the help cannot drift from the tables (gb_opts.h). */
#include <string.h>

#include "gb_algo.h"
#include "gb_duration.h"
#include "gb_opts.h"

/* v as a workload writes a value of param. */
static void value_text(const gb_algo_param *param, double v, char *buf, size_t len) {
  switch (param->kind) {
  case GB_ALGO_PARAM_DURATION:
    gb_duration_format_ms((int64_t)v, buf, len);
    break;
  case GB_ALGO_PARAM_INTEGER:
    snprintf(buf, len, "%.0f", v);
    break;
  case GB_ALGO_PARAM_CHOICE: { /* the v-th of the '|'-separated names */
    const char *c = param->choices;
    for (int i = 0; i < (int)v && strchr(c, '|'); i++)
      c = strchr(c, '|') + 1;
    snprintf(buf, len, "%.*s", (int)strcspn(c, "|"), c);
    break;
  }
  default:
    snprintf(buf, len, "%g", v);
  }
}

void gb_opts_param_text_of(const gb_algo_param *param, gb_opts_param_text *out) {
  static const char *const kinds[] = {[GB_ALGO_PARAM_NUMBER] = "number",
                                      [GB_ALGO_PARAM_INTEGER] = "integer",
                                      [GB_ALGO_PARAM_DURATION] = "duration",
                                      [GB_ALGO_PARAM_CHOICE] = "choice"};
  out->kind = kinds[param->kind];
  value_text(param, param->def, out->def, sizeof out->def);
  if (param->kind == GB_ALGO_PARAM_CHOICE) {
    /* "a|b" as "a, b": a '|' would split a Markdown table's cell */
    size_t n = 0;
    for (const char *c = param->choices; *c && n + 3 < sizeof out->range; c++) {
      if (*c == '|') {
        out->range[n++] = ',';
        out->range[n++] = ' ';
      } else {
        out->range[n++] = *c;
      }
    }
    out->range[n] = '\0';
    return;
  }
  /* a number (%g) or a duration: short, and "[lo, hi]" must fit the range cell */
  char lo[GB_DURATION_TEXT_MAX + 4], hi[GB_DURATION_TEXT_MAX + 4];
  _Static_assert(2 * (GB_DURATION_TEXT_MAX + 4) + 4 <= GB_OPTS_PARAM_TEXT_MAX, "range cell");
  value_text(param, param->min, lo, sizeof lo);
  value_text(param, param->max, hi, sizeof hi);
  snprintf(out->range, sizeof out->range, "[%s, %s]", lo, hi);
}

const char *gb_opts_algo_platforms(const gb_algo_ops *ops) {
  if (ops->choose && ops->slate)
    return "card, store";
  return ops->slate ? "store" : "card";
}

void gb_opts_print_algorithms(FILE *out) {
  size_t n = 0;
  const gb_algo_ops *const *reg = gb_algo_registry(&n);
  fprintf(out,
          "algorithms (a workload's arms[].algorithm, each parameter set as arms[].params."
          "NAME: VALUE;\ndocs/algorithms.md; card: it gives props, store: it ranks the store's "
          "slates):\n");
  for (size_t a = 0; a < n; a++) {
    fprintf(out, "  %-12s %s\n", reg[a]->name, reg[a]->summary);
    fprintf(out, "      platforms: %s\n", gb_opts_algo_platforms(reg[a]));
    for (size_t i = 0; i < reg[a]->n_params; i++) {
      const gb_algo_param *p = &reg[a]->params[i];
      gb_opts_param_text t;
      gb_opts_param_text_of(p, &t);
      char left[2 * GB_OPTS_PARAM_TEXT_MAX];
      snprintf(left, sizeof left, "%s=%s", p->name, t.def);
      fprintf(out, "      %-22s %s %s %s: %s\n", left, t.kind,
              p->kind == GB_ALGO_PARAM_CHOICE ? "of" : "in", t.range, p->doc);
    }
  }
}
