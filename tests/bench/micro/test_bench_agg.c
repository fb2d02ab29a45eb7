/* `gamebench bench aggregator` through the real executable, on a small population: every row
 * and its CSV, --events and --config, bad options, and the DuckDB reference (its answers agree
 * with the cube's, or a line says how to install what is missing). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gb_test_support.h"

static char *tmp;

static void setup(void) { tmp = gbt_tmpdir(); }
static void teardown(void) {
  gbt_rmtree(tmp);
  free(tmp);
}

TestSuite(bench_agg, .init = setup, .fini = teardown);

static const char *const rows[] = {
    "no cube (keep=false)",       "counters, sums [type, game]", "+ distinct_players",
    "+ distinct, quantiles",      "defaults (5 dimensions)",     "gamebench q1 count, sum",
    "gamebench q2 distinct, p99",
};

/* Lines of s that start with prefix. */
static size_t count_lines(const char *s, const char *prefix) {
  size_t n = 0;
  for (const char *line = s; *line;) {
    n += strncmp(line, prefix, strlen(prefix)) == 0;
    const char *nl = strchr(line, '\n');
    if (!nl)
      break;
    line = nl + 1;
  }
  return n;
}

Test(bench_agg, small_run_prints_every_row_and_writes_them_as_csv) {
  char *csv = gbt_path(tmp, "agg.csv");
  gbt_proc p = gbt_gamebench(
      "bench aggregator --players 1000 --repeat 1 --queries 5 --no-duckdb --csv '%s'", csv);
  cr_assert_eq(p.status, 0, "%s", p.err);
  for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
    cr_expect(strstr(p.out, rows[i]), "no row '%s' in:\n%s", rows[i], p.out);
  cr_expect(strstr(p.out, "events of "), "%s", p.out);
  cr_expect(strstr(p.out, "DuckDB reference skipped: --no-duckdb"), "%s", p.out);
  cr_expect(strstr(p.out, "Druid's published 0.8 M rows/s per core"), "%s", p.out);
  size_t len;
  char *text = gbt_read_file(csv, &len);
  cr_assert_not_null(text);
  const char *header =
      "section,row,n,median,min,max,p50_ms,p99_ms,cpu_p50_ms,cpu_p99_ms,unit,target\n";
  cr_expect_eq(strncmp(text, header, strlen(header)), 0, "%s", text);
  cr_expect_eq(count_lines(text, "ingest,\""), 5, "%s", text);
  cr_expect_eq(count_lines(text, "query,\"gamebench "), 2, "%s", text);
  cr_expect(strstr(text, "ingest,\"counters, sums [type, game]\",1,"), "%s", text);
  free(text);
  free(csv);
  gbt_proc_free(&p);
}

Test(bench_agg, events_and_config_select_what_is_measured) {
  gbt_proc p = gbt_gamebench("bench aggregator --players 1000 --events 5000 --config sums -r 1");
  cr_assert_eq(p.status, 0, "%s", p.err);
  cr_expect(strstr(p.out, ": 5000 events of "), "%s", p.out);
  cr_expect(strstr(p.out, "counters, sums [type, game]"), "%s", p.out);
  cr_expect_null(strstr(p.out, "no cube"), "%s", p.out);
  cr_expect_null(strstr(p.out, "gamebench q1"), "--config runs no query: %s", p.out);
  gbt_proc_free(&p);
}

Test(bench_agg, bad_options_exit_2_naming_the_flag) {
  static const struct {
    const char *args, *says;
  } bad[] = {
      {"--repeat 0", "--repeat"},       {"--queries 0", "--queries"},
      {"--players 0", "--players"},     {"--config fastest", "--config: 'fastest'"},
      {"--frobnicate", "--frobnicate"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    gbt_proc p = gbt_gamebench("bench aggregator %s", bad[i].args);
    cr_expect_eq(p.status, 2, "%s: exit %d", bad[i].args, p.status);
    cr_expect(strstr(p.err, bad[i].says), "%s: %s", bad[i].args, p.err);
    gbt_proc_free(&p);
  }
}

Test(bench_agg, without_python_the_duckdb_row_is_skipped_with_how_to_install_it) {
  gbt_proc p = gbt_shell("PATH=/nonexistent '%s' bench aggregator --players 500 -r 1 -q 3",
                         GB_GAMEBENCH_EXE);
  cr_assert_eq(p.status, 0, "%s", p.err);
  cr_expect(strstr(p.out, "DuckDB reference skipped: python3 not found"), "%s", p.out);
  cr_expect(strstr(p.out, "pip install duckdb"), "%s", p.out);
  cr_expect_null(strstr(p.out, "DuckDB q1"), "%s", p.out);
  gbt_proc_free(&p);
}

/* With python3 and duckdb installed, DuckDB's answers over the raw events must equal the cube's
 * (the bench exits 1 otherwise); without them, the skip line says how to install them. */
Test(bench_agg, duckdb_agrees_with_the_cube_or_says_how_to_install_it) {
  gbt_proc p = gbt_gamebench("bench aggregator --players 2000 -r 1 -q 5");
  cr_assert_eq(p.status, 0, "%s%s", p.out, p.err);
  if (strstr(p.out, "DuckDB reference skipped:")) {
    cr_expect(strstr(p.out, "pip install duckdb"), "%s", p.out);
  } else {
    cr_expect(strstr(p.out, "DuckDB q1 (raw events)"), "%s", p.out);
    cr_expect(strstr(p.out, "DuckDB q2 (raw events)"), "%s", p.out);
    cr_expect(strstr(p.out, "answers checked: q1 equal, q2 distinct players within"), "%s", p.out);
  }
  gbt_proc_free(&p);
}
