/* reports/gb_metric.c: the registry's rows, name resolution (exact rows before "<stage>"
 * patterns, uncorrected patterns before corrected ones), the repeat combination, and
 * docs/results.md's metric tables, which must be exactly the registry's rendering. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gb_metric.h"
#include "gb_test_support.h"

#define DOC GB_SOURCE_DIR "/docs/results.md"

Test(metric, every_row_is_complete_and_unique_in_its_scope) {
  size_t n;
  const gb_metric_def *all = gb_metric_all(&n);
  cr_assert_gt(n, 40);
  for (size_t i = 0; i < n; i++) {
    cr_assert(all[i].name[0] && all[i].unit[0] && all[i].meaning[0], "row %zu", i);
    cr_assert_geq(all[i].tolerance, 0.0, "%s", all[i].name);
    cr_assert(!(all[i].gated && all[i].kind == GB_METRIC_VERDICT), "%s: verdicts gate always",
              all[i].name);
    for (size_t j = 0; j < i; j++)
      cr_assert(all[i].scope != all[j].scope || strcmp(all[i].name, all[j].name) != 0, "%s twice",
                all[i].name);
  }
}

static const char *found(const char *name, gb_metric_scope scope) {
  const gb_metric_def *d = gb_metric_find(name, scope);
  return d ? d->name : "(none)";
}

Test(metric, exact_rows_win_over_patterns_and_uncorrected_over_corrected) {
  cr_assert_str_eq(found("latency_e2e_p99_us", GB_METRIC_SUMMARY), "latency_e2e_p99_us");
  cr_assert(gb_metric_find("latency_e2e_p99_us", GB_METRIC_SUMMARY)->gated);
  cr_assert_str_eq(found("latency_matcher_p99_us", GB_METRIC_SUMMARY), "latency_<stage>_p99_us");
  cr_assert(!gb_metric_find("latency_matcher_p99_us", GB_METRIC_SUMMARY)->gated);
  cr_assert_str_eq(found("latency_e2e_uncorrected_p99_us", GB_METRIC_SUMMARY),
                   "latency_<stage>_uncorrected_p99_us");
  cr_assert_str_eq(found("latency_warmup_e2e_max_us", GB_METRIC_SUMMARY),
                   "latency_warmup_e2e_max_us");
  cr_assert_str_eq(found("cost_matcher_instructions_per_event", GB_METRIC_SUMMARY),
                   "cost_<stage>_instructions_per_event");
  /* An empty or non-stage hole does not match; scopes are separate. */
  cr_assert_str_eq(found("latency__p99_us", GB_METRIC_SUMMARY), "(none)");
  cr_assert_str_eq(found("latency_E2E_p99_us", GB_METRIC_SUMMARY), "(none)");
  cr_assert_str_eq(found("use_rate", GB_METRIC_SUMMARY), "(none)");
  cr_assert_str_eq(found("use_rate", GB_METRIC_ARM), "use_rate");
  cr_assert_str_eq(found("decisions", GB_METRIC_ARM), "decisions");
  cr_assert_eq(gb_metric_find("decisions", GB_METRIC_ARM)->scope, GB_METRIC_ARM);
}

Test(metric, directions_and_kinds_of_the_gate_defaults) {
  const gb_metric_def *d = gb_metric_find("achieved_rate_eps", GB_METRIC_SUMMARY);
  cr_assert_eq(d->direction, GB_METRIC_HIGHER_BETTER);
  cr_assert_eq(d->kind, GB_METRIC_TIMING);
  d = gb_metric_find("events_lost", GB_METRIC_SUMMARY);
  cr_assert_eq(d->kind, GB_METRIC_VERDICT);
  cr_assert_eq(d->direction, GB_METRIC_LOWER_BETTER);
  d = gb_metric_find("events_generated", GB_METRIC_SUMMARY);
  cr_assert_eq(d->kind, GB_METRIC_DETERMINISTIC);
  cr_assert_eq(d->direction, GB_METRIC_NONE);
  cr_assert(d->gated && d->tolerance == 0);
  /* Few timing metrics are gated by default: Holm over m of them with 5 repeats a side can
   * flag one only when 1/252 <= 0.05/m. */
  size_t n, timing = 0;
  const gb_metric_def *all = gb_metric_all(&n);
  for (size_t i = 0; i < n; i++)
    timing += all[i].gated && all[i].kind == GB_METRIC_TIMING;
  cr_assert_leq(timing, 12);
  cr_assert_geq(timing, 3);
}

Test(metric, verdicts_combine_by_the_worst_repeat_others_by_the_median) {
  double lost[] = {0, 3, NAN, 1};
  cr_assert_eq(gb_metric_combine(gb_metric_find("events_lost", GB_METRIC_SUMMARY), lost, 4), 3);
  double sustained[] = {1, 0, 1};
  cr_assert_eq(gb_metric_combine(gb_metric_find("rate_sustained", GB_METRIC_SUMMARY), sustained, 3),
               0);
  double p99[] = {40, 10, NAN, 30, 20};
  cr_assert_eq(gb_metric_combine(gb_metric_find("latency_e2e_p99_us", GB_METRIC_SUMMARY), p99, 5),
               25);
  double odd[] = {5, 1, 3};
  cr_assert_eq(gb_metric_combine(NULL, odd, 3), 3);
  double none[] = {NAN, NAN};
  cr_assert(isnan(gb_metric_combine(NULL, none, 2)));
}

/* ---- docs/results.md: the registry rendered between the markers of each scope */

static const char *gate_cell(const gb_metric_def *d, char *buf, size_t cap) {
  if (d->kind == GB_METRIC_VERDICT)
    return "always";
  if (!d->gated)
    return "—";
  if (d->tolerance == 0)
    return "exact";
  snprintf(buf, cap, "±%g %%", d->tolerance * 100);
  return buf;
}

/* The Markdown table of one scope's rows (heap; the caller frees). */
static char *render(gb_metric_scope scope) {
  char *text = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&text, &len);
  cr_assert_not_null(f);
  fprintf(f, "| metric | unit | better | kind | default gate | meaning |\n"
             "|---|---|---|---|---|---|\n");
  size_t n;
  const gb_metric_def *all = gb_metric_all(&n);
  for (size_t i = 0; i < n; i++) {
    if (all[i].scope != scope)
      continue;
    char gate[32];
    fprintf(f, "| `%s` | %s | %s | %s | %s | %s |\n", all[i].name, all[i].unit,
            all[i].direction == GB_METRIC_NONE ? "—" : gb_metric_direction_name(all[i].direction),
            gb_metric_kind_name(all[i].kind), gate_cell(&all[i], gate, sizeof gate),
            all[i].meaning);
  }
  fclose(f);
  return text;
}

static bool check_block(const char *doc, const char *marker, gb_metric_scope scope) {
  char *want = render(scope);
  char begin[96], end[96];
  snprintf(begin, sizeof begin, "<!-- %s: begin (tests/reports/test_metric.c) -->\n", marker);
  snprintf(end, sizeof end, "<!-- %s: end -->", marker);
  const char *a = strstr(doc, begin), *b = a ? strstr(a, end) : NULL;
  bool same = a && b && (size_t)(b - a - strlen(begin)) == strlen(want) &&
              strncmp(a + strlen(begin), want, strlen(want)) == 0;
  if (!same) {
    const char *out = "metric_table.md";
    FILE *f = fopen(out, "a");
    if (f) {
      fprintf(f, "%s%s%s\n\n", begin, want, end);
      fclose(f);
    }
  }
  if (!same)
    cr_log_error("docs/results.md's '%s' table differs from the registry: the expected block "
                 "was appended to metric_table.md in the test's directory",
                 marker);
  free(want);
  return same;
}

Test(metric, docs_tables_are_the_registry) {
  size_t len;
  char *doc = gbt_read_file(DOC, &len);
  cr_assert_not_null(doc);
  bool summary = check_block(doc, "metric registry: summary", GB_METRIC_SUMMARY);
  bool arms = check_block(doc, "metric registry: arms", GB_METRIC_ARM);
  free(doc);
  cr_assert(summary && arms);
}
