/* The algorithms section of `gamebench run --help` (bench/config/gb_opts_algos.c): every
 * parameter's kind, default and range as a workload writes them, generated from the tables —
 * and every text it shows parses back through a workload to the table's value. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gb_algo.h"
#include "gb_opts.h"
#include "gb_test_support.h"
#include "gb_workload.h"

static const gb_algo_param *param(const char *algo, const char *name) {
  const gb_algo_ops *o = gb_algo_find(algo);
  cr_assert_not_null(o, "%s", algo);
  int i = gb_algo_param_index(o, name);
  cr_assert_geq(i, 0, "%s.%s", algo, name);
  return &o->params[i];
}

static void assert_text(const char *algo, const char *name, const char *kind, const char *def,
                        const char *range) {
  gb_opts_param_text t;
  gb_opts_param_text_of(param(algo, name), &t);
  cr_assert_str_eq(t.kind, kind, "%s.%s", algo, name);
  cr_assert_str_eq(t.def, def, "%s.%s", algo, name);
  cr_assert_str_eq(t.range, range, "%s.%s", algo, name);
}

Test(opts_algos, parameter_texts_are_those_a_workload_writes) {
  assert_text("popularity", "epoch", "duration", "1m", "[1s, 7d]");
  assert_text("popularity", "window", "duration", "1d", "[1s, 30d]");
  assert_text("popularity", "prior_strength", "number", "10", "[0, 1e+06]");
  assert_text("egreedy", "epsilon", "number", "0.1", "[0, 1]");
  assert_text("thompson", "prior_a", "number", "1", "[0.001, 1e+06]");
  assert_text("thompson", "segment", "choice", "none", "none, platform, country");
  assert_text("linucb", "lambda", "number", "1", "[1e-06, 1e+06]");
  assert_text("lints", "v", "number", "0.3", "[0, 100]");
  assert_text("itemknn", "epoch", "duration", "1d", "[1s, 30d]");
  assert_text("itemknn", "similarity", "choice", "cosine", "cosine, jaccard");
  assert_text("itemknn", "neighbours", "integer", "20", "[1, 100]");
}

/* What gb_opts_print_algorithms prints (heap; the caller frees). */
static char *printed(void) {
  char *text = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&text, &len);
  cr_assert_not_null(f);
  gb_opts_print_algorithms(f);
  fclose(f);
  return text;
}

Test(opts_algos, the_section_lists_every_algorithm_and_parameter_in_registry_order) {
  char *text = printed();
  cr_assert_eq(strncmp(text, "algorithms (", 12), 0, "%s", text);
  size_t n = 0;
  const gb_algo_ops *const *reg = gb_algo_registry(&n);
  const char *at = text;
  for (size_t a = 0; a < n; a++) {
    char line[256];
    snprintf(line, sizeof line, "\n  %-12s %s\n", reg[a]->name, reg[a]->summary);
    const char *found = strstr(at, line);
    cr_assert_not_null(found, "no line for %s after the previous one:\n%s", reg[a]->name, text);
    /* then the platforms it serves */
    snprintf(line, sizeof line, "\n      platforms: %s\n", gb_opts_algo_platforms(reg[a]));
    cr_assert_eq(strstr(found + 1, line), strstr(found + 1, "\n"), "%s: no '%s' next:\n%s",
                 reg[a]->name, line + 1, text);
    at = found + 1;
    for (size_t i = 0; i < reg[a]->n_params; i++) {
      const gb_algo_param *p = &reg[a]->params[i];
      gb_opts_param_text t;
      gb_opts_param_text_of(p, &t);
      char left[160];
      snprintf(left, sizeof left, "%s=%s", p->name, t.def);
      snprintf(line, sizeof line, "\n      %-22s %s %s %s: %s\n", left, t.kind,
               p->kind == GB_ALGO_PARAM_CHOICE ? "of" : "in", t.range, p->doc);
      found = strstr(at, line);
      cr_assert_not_null(found, "%s.%s: no line '%s' in its block:\n%s", reg[a]->name, p->name,
                         line + 1, text);
      at = found + 1;
    }
  }
  cr_assert_str_eq(gb_opts_algo_platforms(gb_algo_find("none")), "card");
  cr_assert_str_eq(gb_opts_algo_platforms(gb_algo_find("thompson")), "card");
  cr_assert_str_eq(gb_opts_algo_platforms(gb_algo_find("random")), "card, store");
  cr_assert_str_eq(gb_opts_algo_platforms(gb_algo_find("itemknn")), "card, store");
  cr_assert_str_eq(gb_opts_algo_platforms(gb_algo_find("ease")), "store");
  cr_assert_str_eq(gb_opts_algo_platforms(gb_algo_find("als")), "store");
  /* one line read as a user reads it */
  cr_assert(strstr(text, "\n      epsilon=0.1            number in [0, 1]: share of uniform "
                         "(exploring) choices\n"),
            "%s", text);
  free(text);
}

/* A workload whose arm i runs algorithm i of the registry with every parameter given as the
 * help shows it: the default, or either end of its range (a choice: its first or last name). */
enum { AT_DEFAULT, AT_MIN, AT_MAX };

/* The text of p at `at` (buf) and the value the workload must read from it. */
static double text_at(const gb_algo_param *p, int at, char *buf, size_t len) {
  gb_opts_param_text t;
  gb_opts_param_text_of(p, &t);
  if (at == AT_DEFAULT) {
    snprintf(buf, len, "%s", t.def);
    return p->def;
  }
  if (p->kind == GB_ALGO_PARAM_CHOICE) {
    double last = 0;
    for (const char *c = p->choices; *c; c++)
      last += *c == '|';
    const char *name = at == AT_MIN ? p->choices : strrchr(p->choices, '|') + 1;
    snprintf(buf, len, "%.*s", (int)strcspn(name, "|"), name);
    return at == AT_MIN ? 0 : last;
  }
  /* "[lo, hi]" */
  const char *comma = strstr(t.range, ", ");
  cr_assert_not_null(comma, "%s", t.range);
  if (at == AT_MIN)
    snprintf(buf, len, "%.*s", (int)(comma - t.range - 1), t.range + 1);
  else
    snprintf(buf, len, "%.*s", (int)strlen(comma + 2) - 1, comma + 2);
  return at == AT_MIN ? p->min : p->max;
}

/* Every algorithm of the platform (card: those that choose props; store: those that rank slates)
 * in one workload, each parameter at its default or a range end. */
static void check_workload_of(int at, bool store) {
  size_t n_all = 0, n = 0;
  const gb_algo_ops *const *all = gb_algo_registry(&n_all);
  const gb_algo_ops *reg[64];
  cr_assert_leq(n_all, 64);
  for (size_t a = 0; a < n_all; a++)
    if (store ? all[a]->slate != NULL : all[a]->choose != NULL)
      reg[n++] = all[a];
  char yaml[8192];
  double want[64][GB_ALGO_PARAMS_MAX];
  cr_assert_leq(n, 64);
  size_t len = (size_t)snprintf(yaml, sizeof yaml,
                                "name: params\nsim: {duration: 1h, platform: %s}\narms:\n",
                                store ? "store" : "card");
  for (size_t a = 0; a < n; a++) {
    len +=
        (size_t)snprintf(yaml + len, sizeof yaml - len,
                         "  - {name: arm%zu, algorithm: %s, weight: 1, params: {", a, reg[a]->name);
    for (size_t i = 0; i < reg[a]->n_params; i++) {
      char v[GB_OPTS_PARAM_TEXT_MAX];
      want[a][i] = text_at(&reg[a]->params[i], at, v, sizeof v);
      len += (size_t)snprintf(yaml + len, sizeof yaml - len, "%s%s: %s", i ? ", " : "",
                              reg[a]->params[i].name, v);
    }
    len += (size_t)snprintf(yaml + len, sizeof yaml - len, "}}\n");
  }
  cr_assert_lt(len, sizeof yaml);
  char *dir = gbt_tmpdir(), *path = gbt_path(dir, "params.yaml");
  gbt_write_file(path, yaml);
  gb_workload *w = NULL;
  gb_err err = {0};
  cr_assert_eq(gb_workload_load(path, NULL, 0, &w, &err), 0, "%s\n%s", err.msg, yaml);
  cr_assert_eq(w->n_arms, n);
  for (size_t a = 0; a < n; a++)
    for (size_t i = 0; i < reg[a]->n_params; i++)
      cr_assert_eq(w->arms[a].params[i], want[a][i], "%s.%s: %.17g, not %.17g\n%s", reg[a]->name,
                   reg[a]->params[i].name, w->arms[a].params[i], want[a][i], yaml);
  gb_workload_free(w);
  gbt_rmtree(dir);
  free(path);
  free(dir);
}

static void check_workload(int at) {
  check_workload_of(at, false);
  check_workload_of(at, true);
}

Test(opts_algos, every_default_parses_back_through_a_workload) { check_workload(AT_DEFAULT); }

Test(opts_algos, every_range_end_parses_back_through_a_workload) {
  check_workload(AT_MIN);
  check_workload(AT_MAX);
}
