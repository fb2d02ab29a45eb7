/* docs/algorithms.md against the registry (engine/reco/gb_algo.c): a section per registered
 * algorithm, in registry order, quoting its summary, with a parameter table whose rows give each
 * parameter's kind, default and range as `gamebench run --help` does, and the platforms it serves —
 * and nothing else, so that the page cannot drift from the tables. The page's workload example
 * loads. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gb_algo.h"
#include "gb_opts.h"
#include "gb_test_support.h"
#include "gb_workload.h"

#define DOC GB_SOURCE_DIR "/docs/algorithms.md"

static char *doc;

static void load(void) {
  size_t len = 0;
  doc = gbt_read_file(DOC, &len);
  cr_assert_not_null(doc, "cannot read %s", DOC);
}

static void unload(void) { free(doc); }

TestSuite(algo_docs, .init = load, .fini = unload);

/* The text of `### `name`` up to the next heading (heap; the caller frees), or NULL. */
static char *section(const char *name) {
  char heading[96];
  snprintf(heading, sizeof heading, "\n### `%s`\n", name);
  const char *start = strstr(doc, heading);
  if (!start)
    return NULL;
  start += strlen(heading);
  const char *end = strstr(start, "\n#");
  size_t len = end ? (size_t)(end - start) : strlen(start);
  char *s = malloc(len + 1);
  cr_assert_not_null(s);
  memcpy(s, start, len);
  s[len] = '\0';
  return s;
}

/* The first cell's name of each "| `NAME` |" row of text, in order; how many. */
static size_t table_names(const char *text, char names[][64], size_t max) {
  size_t n = 0;
  for (const char *at = strstr(text, "\n| `"); at; at = strstr(at + 1, "\n| `")) {
    const char *name = at + 4, *tick = strchr(name, '`');
    cr_assert_not_null(tick);
    cr_assert_lt(n, max);
    snprintf(names[n++], 64, "%.*s", (int)(tick - name), name);
  }
  return n;
}

Test(algo_docs, every_algorithm_has_its_section_in_registry_order) {
  size_t n = 0;
  const gb_algo_ops *const *reg = gb_algo_registry(&n);
  const char *prev = doc;
  for (size_t a = 0; a < n; a++) {
    char heading[96];
    snprintf(heading, sizeof heading, "\n### `%s`\n", reg[a]->name);
    const char *at = strstr(doc, heading);
    cr_assert_not_null(at, "docs/algorithms.md has no section '### `%s`'", reg[a]->name);
    cr_assert_gt(at, prev, "'%s' is out of the registry's order", reg[a]->name);
    prev = at;
    char *s = section(reg[a]->name);
    char quote[256];
    snprintf(quote, sizeof quote, "> %s\n", reg[a]->summary);
    cr_assert(strncmp(s, "\n", 1) == 0 && strstr(s, quote) == s + 1,
              "the section of %s does not start with its summary '%s'", reg[a]->name, quote);
    char platforms[96];
    snprintf(platforms, sizeof platforms, "\nPlatforms: %s.\n", gb_opts_algo_platforms(reg[a]));
    cr_assert(strstr(s, platforms), "the section of %s does not say '%s'", reg[a]->name,
              platforms + 1);
    free(s);
  }
  /* and no section for an algorithm the registry does not have */
  const char *algos = strstr(doc, "\n## Algorithms\n");
  cr_assert_not_null(algos);
  const char *after = strstr(algos + 1, "\n## ");
  size_t headings = 0;
  for (const char *h = strstr(algos, "\n### "); h && (!after || h < after);
       h = strstr(h + 1, "\n### ")) {
    char name[64];
    cr_assert_eq(strncmp(h, "\n### `", 6), 0, "a heading that is not an algorithm's");
    snprintf(name, sizeof name, "%.*s", (int)strcspn(h + 6, "`"), h + 6);
    cr_assert_not_null(gb_algo_find(name), "docs/algorithms.md documents '%s', not registered",
                       name);
    headings++;
  }
  cr_assert_eq(headings, n);
}

Test(algo_docs, every_parameter_row_gives_the_tables_kind_default_and_range) {
  size_t n = 0;
  const gb_algo_ops *const *reg = gb_algo_registry(&n);
  for (size_t a = 0; a < n; a++) {
    char *s = section(reg[a]->name);
    cr_assert_not_null(s, "%s", reg[a]->name);
    char names[GB_ALGO_PARAMS_MAX + 8][64];
    size_t rows = table_names(s, names, GB_ALGO_PARAMS_MAX + 8);
    if (reg[a]->n_params == 0)
      cr_assert(strstr(s, "\nNo parameters.\n"), "%s: say it has no parameters", reg[a]->name);
    cr_assert_eq(rows, reg[a]->n_params, "%s: %zu parameter rows for %zu parameters", reg[a]->name,
                 rows, reg[a]->n_params);
    for (size_t i = 0; i < reg[a]->n_params; i++) {
      const gb_algo_param *p = &reg[a]->params[i];
      cr_assert_str_eq(names[i], p->name, "%s: row %zu is not the table's parameter %zu",
                       reg[a]->name, i, i);
      gb_opts_param_text t;
      gb_opts_param_text_of(p, &t);
      char row[256];
      snprintf(row, sizeof row, "\n| `%s` | %s | `%s` | %s | ", p->name, t.kind, t.def, t.range);
      cr_assert(strstr(s, row), "%s: no row starting '%s'", reg[a]->name, row + 1);
    }
    free(s);
  }
}

Test(algo_docs, the_workload_example_loads) {
  const char *start = strstr(doc, "\n```yaml\narms:\n");
  cr_assert_not_null(start, "no arms example");
  start += strlen("\n```yaml\n");
  const char *end = strstr(start, "```");
  cr_assert_not_null(end);
  char yaml[4096];
  int len = snprintf(yaml, sizeof yaml, "name: example\nsim: {duration: 1h}\n%.*s",
                     (int)(end - start), start);
  cr_assert(len > 0 && (size_t)len < sizeof yaml);
  char *dir = gbt_tmpdir(), *path = gbt_path(dir, "example.yaml");
  gbt_write_file(path, yaml);
  gb_workload *w = NULL;
  gb_err err = {0};
  cr_assert_eq(gb_workload_load(path, NULL, 0, &w, &err), 0, "%s\n%s", err.msg, yaml);
  cr_assert_eq(w->n_arms, 5);
  cr_assert_str_eq(w->arms[4].algorithm, "itemknn");
  cr_assert_eq(w->arms[4].params[0], 12 * 3600000.0, "epoch: 12h");
  cr_assert_eq(w->arms[4].params[1], 1, "similarity: jaccard");
  gb_workload_free(w);
  gbt_rmtree(dir);
  free(path);
  free(dir);
}
