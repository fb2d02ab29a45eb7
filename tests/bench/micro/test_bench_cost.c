/* `gamebench bench cost`: the callgrind reader (gb_callgrind.h) on a hand-written profile
 * (exact self and inclusive sums, name compression, clone suffixes, recursion, bad input), the
 * rows and summary.csv it makes (gb_cost.h), the command's bad input, and end to end under
 * valgrind: the metrics exist and are positive, two runs count the same to within the spread
 * docs/benchmarks.md records, and engine.extra_work_per_event raises the engine's count by
 * its known amount and nothing else. The end-to-end tests skip without valgrind (never in
 * CI) and in sanitizer builds, which valgrind cannot run. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gb_callgrind.h"
#include "gb_cost.h"
#include "gb_results.h"
#include "gb_test_support.h"

static char *tmp;

static void setup(void) { tmp = gbt_tmpdir(); }
static void teardown(void) {
  gbt_rmtree(tmp);
  free(tmp);
}

TestSuite(bench_cost, .init = setup, .fini = teardown, .timeout = 580);

static gb_callgrind *load_fixture(void) {
  gb_callgrind *cg = NULL;
  gb_err err = {0};
  int rc = gb_callgrind_load(GB_TEST_FIXTURES "/callgrind/small.out", &cg, &err);
  cr_assert_eq(rc, 0, "%s", err.msg);
  return cg;
}

static gb_callgrind_fn fn_of(const gb_callgrind *cg, const char *name) {
  gb_callgrind_fn f;
  cr_assert(gb_callgrind_function(cg, name, &f), "no function %s", name);
  return f;
}

Test(bench_cost, parser_sums_self_and_inclusive_costs_exactly) {
  gb_callgrind *cg = load_fixture();
  cr_expect_eq(gb_callgrind_total(cg), 285);
  cr_expect_str_eq(gb_callgrind_creator(cg), "callgrind-3.19.0");
  cr_expect_eq(gb_callgrind_functions(cg), 4, "main, work, leaf, helper");
  gb_callgrind_fn main_fn = fn_of(cg, "main");
  cr_expect_eq(main_fn.self, 10);
  cr_expect_eq(main_fn.inclusive, 285);
  cr_expect_eq(main_fn.calls, 0);
  /* compressed names defined once and referred to by id; the Ir column, not the first */
  gb_callgrind_fn leaf = fn_of(cg, "leaf");
  cr_expect_eq(leaf.self, 130);
  cr_expect_eq(leaf.inclusive, 130);
  cr_expect_eq(leaf.calls, 4, "1 call from main, 3 from work");
  /* an uncompressed name */
  gb_callgrind_fn helper = fn_of(cg, "helper");
  cr_expect_eq(helper.self, 15);
  cr_expect_eq(helper.inclusive, 15);
  cr_expect_eq(helper.calls, 1);
  gb_callgrind_free(cg);
}

Test(bench_cost, parser_joins_clones_and_leaves_recursion_out_of_inclusive) {
  gb_callgrind *cg = load_fixture();
  /* work.lto_priv.0 and its recursion level work'2 are one function "work": self 110 + 20 (the
   * line of an inlined file counts, the line without an Ir column counts 0), inclusive adds
   * the calls to leaf (90) but not the recursive call (already in self) */
  gb_callgrind_fn work = fn_of(cg, "work");
  cr_expect_eq(work.self, 130);
  cr_expect_eq(work.inclusive, 220);
  cr_expect_eq(work.calls, 2, "main's 2 calls; its own recursive call is not counted");
  gb_callgrind_fn again = fn_of(cg, "work.lto_priv.0");
  cr_expect_eq(again.inclusive, 220, "a suffixed name finds the same function");
  again = fn_of(cg, "work'2");
  cr_expect_eq(again.inclusive, 220);
  gb_callgrind_fn none;
  cr_expect_not(gb_callgrind_function(cg, "missing", &none));
  cr_expect_eq(none.inclusive, 0);
  cr_expect_not(gb_callgrind_function(cg, "wor", &none), "no prefix match");
  gb_callgrind_free(cg);
}

static void expect_parse_error(const char *text, const char *message) {
  gb_callgrind *cg = NULL;
  gb_err err = {0};
  cr_expect_eq(gb_callgrind_parse("p.out", text, strlen(text), &cg, &err), -1, "%s", text);
  cr_expect_null(cg);
  cr_expect_eq(err.kind, GB_ERR_INPUT);
  cr_expect(strstr(err.msg, message), "'%s' not in '%s'", message, err.msg);
}

Test(bench_cost, parser_names_the_line_of_bad_input) {
  expect_parse_error("events: Ir\n10 5\n", "p.out:2: cost line before any fn= line: '10 5'");
  expect_parse_error("events: Ir\nfn=(3)\n", "p.out:2: name id used before it is defined");
  expect_parse_error("events: Dr\nfn=(1) f\n10 5\n", "p.out:1: the profile has no Ir event");
  expect_parse_error("events: Ir\nfn=(1) f\ncfn=(2) g\ncalls=1 5\n",
                     "calls= line without its cost line at the end");
  expect_parse_error("events: Ir\nfn=(1) f\ncfn=(2) g\ncalls=1 5\nfn=(2)\n",
                     "p.out:5: calls= line without its cost line");
  expect_parse_error("events: Ir\nfn=(1) f\n10 x\n", "p.out:3: malformed cost");
  expect_parse_error("version: 1\n", "no events line: not a callgrind profile");
  gb_err err = {0};
  gb_callgrind *cg = NULL;
  cr_expect_eq(gb_callgrind_load("/nonexistent/callgrind.out", &cg, &err), -1);
  cr_expect(strstr(err.msg, "/nonexistent/callgrind.out"), "%s", err.msg);
}

Test(bench_cost, parser_without_totals_sums_the_self_costs) {
  const char *text = "events: Ir\nfn=(1) f\n1 7\ncfn=(2) g\ncalls=1 2\n1 5\nfn=(2)\n2 5\n";
  gb_callgrind *cg = NULL;
  gb_err err = {0};
  cr_assert_eq(gb_callgrind_parse("p.out", text, strlen(text), &cg, &err), 0, "%s", err.msg);
  cr_expect_eq(gb_callgrind_total(cg), 12);
  cr_expect_str_eq(gb_callgrind_creator(cg), "unknown");
  gb_callgrind_free(cg);
}

/* A profile holding every stage function of gb_cost_stages with self cost (i + 1) * 1000, but
 * the one named skip (NULL: none), and a total of 1,000,000. */
static gb_callgrind *stage_profile(const char *skip) {
  size_t n;
  const gb_cost_stage *st = gb_cost_stages(&n);
  char text[8192];
  size_t len = (size_t)snprintf(text, sizeof text, "events: Ir\nsummary: 1000000\n");
  unsigned id = 1;
  for (size_t i = 0; i < n; i++)
    for (size_t k = 0; k < GB_COST_FUNCTIONS_MAX && st[i].functions[k]; k++, id++)
      if (!skip || strcmp(skip, st[i].functions[k]) != 0)
        len += (size_t)snprintf(text + len, sizeof text - len, "fn=(%u) %s.lto_priv.0\n1 %zu\n", id,
                                st[i].functions[k], (i + 1) * 1000);
  gb_callgrind *cg = NULL;
  gb_err err = {0};
  cr_assert_eq(gb_callgrind_parse("stages.out", text, len, &cg, &err), 0, "%s", err.msg);
  return cg;
}

Test(bench_cost, summary_holds_the_gated_stages_per_event_and_in_total) {
  gb_callgrind *cg = stage_profile(NULL);
  gb_cost_row rows[32];
  cr_assert_leq(gb_cost_rows_max(), 32);
  size_t n = gb_cost_measure(cg, 8, rows);
  gb_err err = {0};
  cr_assert_eq(gb_cost_write_summary(tmp, rows, n, 8, &err), 0, "%s", err.msg);
  gb_results *r = NULL;
  cr_assert_eq(gb_results_load(tmp, &r, &err), 0, "%s", err.msg);
  cr_expect_eq(gb_results_metric_value(r, "events_processed"), 8);
  cr_expect_eq(gb_results_metric_value(r, "process_instructions_per_event"), 125000);
  cr_expect_eq(gb_results_metric_value(r, "process_instructions"), 1000000);
  cr_expect(isnan(gb_results_metric_value(r, "cost_process_instructions_per_event")),
            "the process holds idle polling: not a gated cost_ metric");
  /* table order: decode 1000, aggregator 2000, matcher 3000, recommender 4000, engine 5000,
   * simulator 6000 + 6000 (two functions) */
  cr_expect_eq(gb_results_metric_value(r, "cost_decode_instructions_per_event"), 125);
  cr_expect_eq(gb_results_metric_value(r, "cost_matcher_instructions_per_event"), 375);
  cr_expect_eq(gb_results_metric_value(r, "cost_engine_instructions_per_event"), 625);
  cr_expect_eq(gb_results_metric_value(r, "cost_simulator_instructions_per_event"), 1500);
  cr_expect_eq(gb_results_metric_value(r, "cost_simulator_instructions"), 12000);
  /* the threads' rows hold idle polling: printed, not gated */
  cr_expect(isnan(gb_results_metric_value(r, "cost_engine_thread_instructions_per_event")));
  cr_expect(isnan(gb_results_metric_value(r, "cost_setup_instructions_per_event")));
  size_t nm;
  const gb_results_metric *m = gb_results_metrics(r, &nm);
  cr_expect_eq(nm, 3 + 2 * 6,
               "events_processed, the process, then 6 stages per event and in "
               "total");
  for (size_t i = 1; i < nm; i++)
    cr_expect_str_eq(m[i].unit, "instructions", "%s", m[i].name);
  cr_expect_not(gbt_has_tmp_file(tmp));
  gb_results_free(r);
  gb_callgrind_free(cg);
}

Test(bench_cost, a_stage_missing_from_the_profile_is_left_out_of_the_summary) {
  gb_callgrind *cg = stage_profile("pipeline_stage_match");
  gb_cost_row rows[32];
  size_t n = gb_cost_measure(cg, 10, rows);
  gb_err err = {0};
  cr_assert_eq(gb_cost_write_summary(tmp, rows, n, 10, &err), 0, "%s", err.msg);
  gb_results *r = NULL;
  cr_assert_eq(gb_results_load(tmp, &r, &err), 0, "%s", err.msg);
  cr_expect(isnan(gb_results_metric_value(r, "cost_matcher_instructions_per_event")),
            "a stage not found (inlined) must not read as 0 instructions");
  cr_expect_eq(gb_results_metric_value(r, "cost_aggregator_instructions_per_event"), 200);
  gb_results_free(r);
  char *table = NULL;
  size_t len = 0;
  FILE *mem = open_memstream(&table, &len);
  gb_cost_print(mem, rows, n, 10);
  fclose(mem);
  cr_expect(strstr(table, "not in the profile (pipeline_stage_match inlined?)"), "%s", table);
  free(table);
  gb_callgrind_free(cg);
}

Test(bench_cost, bad_input_exits_2_before_valgrind_starts) {
  char *out = gbt_path(tmp, "out");
  gbt_proc p = gbt_gamebench("bench cost workloads/cost.yaml --set engine.extra_work_per_event=-1 "
                             "--out '%s'",
                             out);
  cr_expect_eq(p.status, 2, "%s", p.err);
  cr_expect(strstr(p.err, "engine.extra_work_per_event"), "%s", p.err);
  cr_expect_not(gbt_exists(out));
  gbt_proc_free(&p);
  p = gbt_gamebench("bench cost");
  cr_expect_eq(p.status, 2, "%s", p.err);
  gbt_proc_free(&p);
  p = gbt_gamebench("bench cost --help");
  cr_expect_eq(p.status, 0, "%s", p.err);
  cr_expect(strstr(p.out, "--out DIR"), "%s", p.out);
  cr_expect(strstr(p.out, "cost_<stage>_instructions_per_event"), "%s", p.out);
  gbt_proc_free(&p);
  free(out);
}

Test(bench_cost, without_valgrind_it_says_to_install_it) {
  char *out = gbt_path(tmp, "out");
  gbt_proc p = gbt_shell("PATH=/nonexistent '%s' bench cost workloads/cost.yaml --out '%s'",
                         GB_GAMEBENCH_EXE, out);
  cr_expect_eq(p.status, 2, "%s", p.err);
#if defined(__SANITIZE_ADDRESS__)
  cr_expect(strstr(p.err, "valgrind cannot run"), "%s", p.err);
#else
  cr_expect(strstr(p.err, "valgrind not found on PATH: install it"), "%s", p.err);
#endif
  cr_expect_not(gbt_exists(out));
  gbt_proc_free(&p);
  free(out);
}
