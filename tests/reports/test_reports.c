/* The reports module: results loader, plots, report.md/report.html and `gamebench report`
 * (the CSV writer and reader it uses are common/'s: tests/common/test_csv.c). The fixture
 * tests/fixtures/results is a small hand-made results directory; tests that write reports work on a
 * copy of it. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gb_afile.h"
#include "gb_csv.h"
#include "gb_err.h"
#include "gb_plot.h"
#include "gb_report.h"
#include "gb_results.h"
#include "gb_test_support.h"

static const char FIXTURE[] = GB_TEST_FIXTURES "/results";

/* ---- helpers ----------------------------------------------------------------------------- */

/* A fresh copy of the fixture results directory (caller frees and removes it). */
static char *fixture_copy(void) {
  char *dir = gbt_tmpdir();
  gbt_proc p = gbt_shell("cp -R '%s'/. '%s'/", FIXTURE, dir);
  cr_assert_eq(p.status, 0, "cp failed: %s", p.err);
  gbt_proc_free(&p);
  return dir;
}

/* Line n (1-based) of text, as a heap string; "" past the end. */
static char *line_at(const char *text, int n) {
  const char *s = text;
  for (int i = 1; i < n && s; i++) {
    s = strchr(s, '\n');
    if (s)
      s++;
  }
  if (!s)
    return strdup("");
  size_t len = strcspn(s, "\n");
  return strndup(s, len);
}

static bool has_line(const char *text, const char *line) {
  size_t len = strlen(line);
  for (const char *s = text; s && *s;) {
    if (strncmp(s, line, len) == 0 && (s[len] == '\n' || s[len] == '\0'))
      return true;
    s = strchr(s, '\n');
    if (s)
      s++;
  }
  return false;
}

static char *read_in(const char *dir, const char *name) {
  char *path = gbt_path(dir, name);
  char *text = gbt_read_file(path, NULL);
  free(path);
  return text;
}

static void write_in(const char *dir, const char *name, const char *text) {
  char *path = gbt_path(dir, name);
  gbt_write_file(path, text);
  free(path);
}

static void remove_in(const char *dir, const char *name) {
  char *path = gbt_path(dir, name);
  cr_assert_eq(remove(path), 0, "cannot remove %s", path);
  free(path);
}

static bool exists_in(const char *dir, const char *name) {
  char *path = gbt_path(dir, name);
  bool ok = gbt_exists(path);
  free(path);
  return ok;
}

/* Replaces the line `old` of dir/name by `repl` (the line must be there). */
static void edit_line(const char *dir, const char *name, const char *old, const char *repl) {
  char *text = read_in(dir, name);
  cr_assert(text && has_line(text, old), "%s has no line '%s'", name, old);
  char *at = strstr(text, old);
  size_t n = strlen(text) - strlen(old) + strlen(repl) + 1;
  char *out = malloc(n);
  snprintf(out, n, "%.*s%s%s", (int)(at - text), text, repl, at + strlen(old));
  write_in(dir, name, out);
  free(out);
  free(text);
}

static size_t file_size(const char *path) {
  size_t len = 0;
  char *text = gbt_read_file(path, &len);
  free(text);
  return text ? len : 0;
}

/* ---- results loader ---------------------------------------------------------------------- */

Test(reports_results, loads_the_fixture) {
  gb_err err = {0};
  gb_results *r = NULL;
  cr_assert_eq(gb_results_load(FIXTURE, &r, &err), 0, "%s", err.msg);
  for (int f = GB_RESULTS_MANIFEST; f <= GB_RESULTS_ARMS; f++)
    cr_assert(gb_results_has(r, (gb_results_file)f), "%s", gb_results_file_name(f));

  size_t n = 0;
  gb_results_metrics(r, &n);
  cr_assert_eq(n, 18);
  cr_assert_eq(gb_results_metric_value(r, "achieved_rate_eps"), 9999.5);
  cr_assert(isnan(gb_results_metric_value(r, "no_such_metric")));

  const char *const *stages = gb_results_stages(r, &n);
  cr_assert_eq(n, 2);
  cr_assert_str_eq(stages[0], "e2e");
  cr_assert_str_eq(stages[1], "matcher");

  const gb_results_spectrum *sp = gb_results_spectra(r, &n);
  cr_assert_eq(n, 3);
  cr_assert_str_eq(sp[1].stage, "e2e");
  cr_assert(!sp[1].corrected);
  cr_assert_eq(sp[1].n, 6);
  cr_assert_eq(sp[1].points[3].percentile, 99);
  cr_assert_eq(sp[1].points[3].value_us, 700);
  cr_assert_eq(sp[1].points[3].total_count, 118800);

  /* timeline.csv has its columns in another order and an extra "note" column. */
  const gb_results_series *ts = gb_results_timeline(r, &n);
  cr_assert_eq(n, 2);
  cr_assert_str_eq(ts[1].stage, "matcher");
  cr_assert_eq(ts[1].n, 4);
  cr_assert_eq(ts[1].rows[2].start_s, 2);
  cr_assert_eq(ts[1].rows[2].throughput_eps, 10100);
  cr_assert_eq(ts[1].rows[2].p99_us, 1.75);

  const gb_results_arm *arms = gb_results_arms(r, &n);
  cr_assert_eq(n, 4);
  cr_assert_str_eq(arms[2].algorithm, "cf (k=20, item-item)");
  cr_assert_eq(arms[2].props_used, 380);
  cr_assert_eq(arms[2].use_rate_ci_high, 0.218);
  cr_assert_str_eq(arms[3].arm, "oracle");
  cr_assert(isnan(arms[3].ctr), "an empty cell is undefined");

  const gb_results_entry *e = gb_results_manifest_get(r, "machine.cores");
  cr_assert(e);
  cr_assert_str_eq(e->text, "2");
  cr_assert_eq(e->number, 2);
  cr_assert_str_eq(gb_results_manifest_get(r, "workload.sim.duration")->text, "10m");
  cr_assert_str_eq(gb_results_manifest_get(r, "workload.arms[1].algorithm")->text, "popularity");
  cr_assert_str_eq(gb_results_manifest_get(r, "wall_seconds")->text, "12.5");
  gb_results_free(r);
}

/* Loads dir, which must fail with an input error whose message contains `part`. */
static void expect_load_error(const char *dir, const char *part) {
  gb_err err = {0};
  gb_results *r = NULL;
  cr_assert_eq(gb_results_load(dir, &r, &err), -1, "loaded although it should fail (%s)", part);
  cr_assert_null(r);
  cr_assert_eq(err.kind, GB_ERR_INPUT, "%s", err.msg);
  cr_assert(strstr(err.msg, part), "'%s' does not contain '%s'", err.msg, part);
}

Test(reports_results, missing_and_malformed_files_are_named) {
  char *dir = fixture_copy();
  char want[4200];
  edit_line(dir, "latency.csv", "e2e,0,50,110,60000", "e2e,0,150,110,60000");
  snprintf(want, sizeof want, "%s/latency.csv:10: column 'percentile': 150 is outside [0, 100]",
           dir);
  expect_load_error(dir, want);
  edit_line(dir, "latency.csv", "e2e,0,150,110,60000", "e2e,yes,50,110,60000");
  snprintf(want, sizeof want, "%s/latency.csv:10: column 'corrected': 'yes' is not 0 or 1", dir);
  expect_load_error(dir, want);
  remove_in(dir, "latency.csv");

  edit_line(dir, "summary.csv", "events_lost,0,events", "events_lost,none,events");
  snprintf(want, sizeof want, "%s/summary.csv:5: column 'value': 'none' is not a number", dir);
  expect_load_error(dir, want);
  edit_line(dir, "summary.csv", "events_lost,none,events", "events_generated,1,events");
  snprintf(want, sizeof want, "%s/summary.csv:5: metric 'events_generated' appears twice", dir);
  expect_load_error(dir, want);

  write_in(dir, "summary.csv", "metric,value\nx,1\n");
  snprintf(want, sizeof want, "%s/summary.csv:1: no column 'unit' in the header", dir);
  expect_load_error(dir, want);
  remove_in(dir, "summary.csv");
  snprintf(want, sizeof want, "%s/summary.csv: cannot open: No such file or directory", dir);
  expect_load_error(dir, want);

  expect_load_error("/nonexistent/results",
                    "/nonexistent/results: cannot open results directory: No such file");
  char *file = gbt_path(dir, "arms.csv");
  snprintf(want, sizeof want, "%s: not a directory", file);
  expect_load_error(file, want);
  free(file);
  gbt_rmtree(dir);
  free(dir);
}

Test(reports_results, manifest_schema_and_json_errors) {
  char *dir = fixture_copy();
  char want[4200];
  edit_line(dir, "manifest.json", "  \"schema\": 1,", "  \"schema\": 2,");
  snprintf(want, sizeof want,
           "%s/manifest.json: \"schema\": 2 is not supported (this gamebench reads schema 1)", dir);
  expect_load_error(dir, want);
  write_in(dir, "manifest.json", "{\"name\": \"x\"}");
  snprintf(want, sizeof want, "%s/manifest.json: no \"schema\" field (expected 1)", dir);
  expect_load_error(dir, want);
  write_in(dir, "manifest.json", "{\"schema\": 1, \"name\": ");
  snprintf(want, sizeof want, "%s/manifest.json: ", dir);
  expect_load_error(dir, want);
  gbt_rmtree(dir);
  free(dir);
}

Test(reports_results, optional_files_may_be_absent) {
  char *dir = fixture_copy();
  remove_in(dir, "manifest.json");
  remove_in(dir, "latency.csv");
  remove_in(dir, "timeline.csv");
  remove_in(dir, "arms.csv");
  gb_err err = {0};
  gb_results *r = NULL;
  cr_assert_eq(gb_results_load(dir, &r, &err), 0, "%s", err.msg);
  cr_assert(gb_results_has(r, GB_RESULTS_SUMMARY));
  cr_assert(!gb_results_has(r, GB_RESULTS_MANIFEST));
  cr_assert(!gb_results_has(r, GB_RESULTS_TIMELINE));
  size_t n = 9;
  gb_results_arms(r, &n);
  cr_assert_eq(n, 0);
  gb_results_stages(r, &n);
  cr_assert_eq(n, 2, "stages still come from summary.csv");
  gb_results_free(r);
  gbt_rmtree(dir);
  free(dir);
}

/* ---- report.md / report.html ------------------------------------------------------------- */

Test(reports_report, fixture_report_has_the_expected_lines) {
  char *dir = fixture_copy();
  gb_err err = {0};
  cr_assert_eq(gb_report_generate(dir, false, &err), 0, "%s", err.msg);
  char *md = read_in(dir, "report.md");
  cr_assert(md);
  char *l1 = line_at(md, 1), *l3 = line_at(md, 3), *l5 = line_at(md, 5);
  cr_assert_str_eq(l1, "# gamebench report: fixture-small");
  cr_assert_str_eq(l3, "**Target rate sustained**: 10000.0 events/s sustained, no events lost.");
  cr_assert_str_eq(l5, "started 2025-01-15T10:00:00Z, build v0.1.0-7-gabc1234, seed 42, "
                       "transport inproc, wall time 12.5 s");
  const char *lines[] = {
      "| events generated | 120000 |",
      "| events lost | 0 |",
      "| achieved rate | 9999.5 events/s |",
      "| rate sustained | yes |",
      "| peak RSS | 50.0 MiB |",
      "| stage | measured from | p50 (µs) | p99 (µs) | p99.9 (µs) | max (µs) |",
      "| e2e | intended send (corrected) | 121 | 950 | 2100 | 5300 |",
      "| e2e | actual send (uncorrected) | – | 700 | – | – |",
      "| matcher | intended send (corrected) | 0.251 | 1.75 | 4.20 | 37.0 |",
      "| e2e | 4 | 9000.0 | 9750.0 | 10100.0 | 1200 |",
      "| C | cf (k=20, item-item) | 500 | 8000 | 1900 | 380 | 20.00 % (18.30 % – 21.80 %) | "
      "20.00 % (18.30 % – 21.80 %) | +100.0 % | – | 10.00 pp |",
      "| oracle | oracle | 1000 | 16000 | 3810 | 1143 | 30.00 % (28.50 % – 31.50 %) | – | – | – | "
      "0.00 pp |",
      "| machine.cpu\\_model | Example CPU @ 3.00GHz |",
      "| arms\\[2\\].algorithm | cf |",
      "Plot latency not drawn: not present in plots/",
  };
  for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++)
    cr_assert(has_line(md, lines[i]), "report.md lacks the line:\n%s\n--- report.md:\n%s", lines[i],
              md);
  cr_assert(!has_line(md, "| matcher | actual send (uncorrected) | – | – | – | – |"),
            "a row with no value is left out");
  char *html = read_in(dir, "report.html");
  cr_assert(html);
  cr_assert(strncmp(html, "<!DOCTYPE html>\n", 16) == 0);
  cr_assert(strstr(html, "<title>gamebench report: fixture-small</title>"));
  cr_assert(strstr(html, "<p class=\"verdict good\"><strong>Target rate sustained</strong>"));
  cr_assert(strstr(html, "<tr><td>C</td><td>cf (k=20, item-item)</td>"));
  cr_assert(strstr(html, "<td>Example CPU @ 3.00GHz</td>"));
  cr_assert(!gbt_has_tmp_file(dir));
  free(l1);
  free(l3);
  free(l5);
  free(md);
  free(html);
  gbt_rmtree(dir);
  free(dir);
}

Test(reports_report, unsustained_rate_and_loss_are_verdicts_at_the_top) {
  char *dir = fixture_copy();
  edit_line(dir, "summary.csv", "rate_sustained,1,bool", "rate_sustained,0,bool");
  edit_line(dir, "summary.csv", "achieved_rate_eps,9999.5,events/s",
            "achieved_rate_eps,8123.45,events/s");
  edit_line(dir, "summary.csv", "events_lost,0,events", "events_lost,30,events");
  gb_err err = {0};
  cr_assert_eq(gb_report_generate(dir, false, &err), 0, "%s", err.msg);
  char *md = read_in(dir, "report.md");
  char *l3 = line_at(md, 3), *l5 = line_at(md, 5);
  cr_assert_str_eq(l3, "**Target rate not sustained**: achieved 8123.5 events/s of the 10000.0 "
                       "events/s target (81.23 %).");
  cr_assert_str_eq(l5, "**Events lost**: 30 of 120000 generated events (0.03 %).");
  cr_assert(!strstr(md, "Target rate sustained"));
  cr_assert(has_line(md, "| rate sustained | no |"));
  char *html = read_in(dir, "report.html");
  cr_assert(strstr(html, "<p class=\"verdict bad\"><strong>Target rate not sustained</strong>"));
  /* The verdict comes before any table. */
  cr_assert_lt(strstr(html, "verdict bad"), strstr(html, "<table>"));
  free(l3);
  free(l5);
  free(md);
  free(html);
  gbt_rmtree(dir);
  free(dir);
}

Test(reports_report, absent_optional_files_are_said_so) {
  char *dir = fixture_copy();
  remove_in(dir, "timeline.csv");
  remove_in(dir, "arms.csv");
  remove_in(dir, "manifest.json");
  remove_in(dir, "latency.csv");
  edit_line(dir, "summary.csv", "rate_sustained,1,bool", "other_flag,1,bool");
  gb_err err = {0};
  cr_assert_eq(gb_report_generate(dir, true, &err), 0, "%s", err.msg);
  char *md = read_in(dir, "report.md");
  char *title = line_at(md, 1), *l3 = line_at(md, 3);
  char want[4200];
  const char *base = strrchr(dir, '/') + 1;
  snprintf(want, sizeof want, "# gamebench report: %s", base);
  cr_assert_str_eq(title, want, "without a manifest the directory names the run");
  cr_assert_str_eq(l3, "No rate verdict: summary.csv has no rate\\_sustained value.");
  cr_assert(has_line(md, "timeline.csv not present: no throughput timeline."));
  cr_assert(has_line(md, "arms.csv not present: no per-arm quality metrics."));
  cr_assert(has_line(md, "latency.csv not present: no percentile spectrum."));
  cr_assert(has_line(md, "manifest.json not present: no workload, build or machine fingerprint."));
  cr_assert(has_line(md, "| rate sustained | – |"));
  free(title);
  free(l3);
  free(md);
  gbt_rmtree(dir);
  free(dir);
}

Test(reports_report, missing_summary_is_an_input_error) {
  char *dir = fixture_copy();
  remove_in(dir, "summary.csv");
  gb_err err = {0};
  cr_assert_eq(gb_report_generate(dir, false, &err), -1);
  cr_assert_eq(err.kind, GB_ERR_INPUT);
  cr_assert(strstr(err.msg, "summary.csv: cannot open: No such file or directory"), "%s", err.msg);
  cr_assert(!exists_in(dir, "report.md"));
  cr_assert(!exists_in(dir, "report.html"));
  gbt_rmtree(dir);
  free(dir);
}

/* ---- plots ------------------------------------------------------------------------------- */

static void expect_image(const char *dir, const char *name) {
  char rel[256];
  snprintf(rel, sizeof rel, "plots/%s.png", name);
  char *png = gbt_path(dir, rel);
  size_t len = 0;
  char *data = gbt_read_file(png, &len);
  cr_assert(data, "%s missing", png);
  cr_assert_gt(len, 1000, "%s is %zu bytes", png, len);
  cr_assert(memcmp(data, "\x89PNG\r\n\x1a\n", 8) == 0, "%s is not a PNG", png);
  free(data);
  snprintf(rel, sizeof rel, "plots/%s.svg", name);
  char *svg = gbt_path(dir, rel);
  data = gbt_read_file(svg, &len);
  cr_assert(data, "%s missing", svg);
  cr_assert(strstr(data, "<svg"), "%s is not an SVG", svg);
  free(data);
  free(png);
  free(svg);
}

Test(reports_plot, report_draws_every_plot_as_png_and_svg) {
  char *dir = fixture_copy();
  gb_err err = {0};
  cr_assert_eq(gb_report_generate(dir, true, &err), 0, "%s", err.msg);
  const char *names[] = {GB_PLOT_LATENCY, GB_PLOT_THROUGHPUT, GB_PLOT_TIMELINE_P99, GB_PLOT_ARMS};
  for (size_t i = 0; i < 4; i++)
    expect_image(dir, names[i]);
  char *plots = gbt_path(dir, "plots");
  cr_assert(!gbt_has_tmp_file(plots));
  free(plots);
  char *md = read_in(dir, "report.md");
  cr_assert(has_line(md, "![Latency by percentile](plots/latency.png)"));
  cr_assert(has_line(md, "![Use rate per arm](plots/arms_use_rate.png)"));
  char *html = read_in(dir, "report.html");
  /* Self-contained: each plot's PNG inline (base64 of its bytes: "iVBORw0KGgo" is the PNG
   * signature's), the SVG a link beside it; no src naming a file. */
  cr_assert(strstr(html, "<figure><img src=\"data:image/png;base64,iVBORw0KGgo"), "%s", html);
  cr_assert(strstr(html, "\" alt=\"Latency by percentile\"><figcaption>Latency by percentile (<a "
                         "href=\"plots/latency.svg\">SVG</a>)</figcaption></figure>"));
  cr_assert(strstr(html, "<a href=\"plots/timeline_p99.svg\">SVG</a>"));
  cr_assert(!strstr(html, "src=\"plots/"));
  cr_assert(!strstr(html, "<script"));
  free(md);
  free(html);
  gbt_rmtree(dir);
  free(dir);
}

Test(reports_plot, draw_quotes_titles_and_skips_undrawable_points) {
  char *dir = gbt_tmpdir();
  char *base = gbt_path(dir, "chart");
  const double x[] = {1, 2, 3, 4}, y[] = {10, NAN, -1, 40};
  /* A quote, a newline and '%' in titles and tics must not break the gnuplot script. */
  const gb_plot_series s = {.title = "it's 100%\nfine", .n = 4, .x = x, .y = y};
  const gb_plot_tic tics[] = {{"1'st %", 1}, {"4th", 4}};
  const gb_plot_chart chart = {.title = "don't\npanic",
                               .xlabel = "x",
                               .ylabel = "y (µs)",
                               .style = GB_PLOT_LINES,
                               .logy = true,
                               .xtics = tics,
                               .n_xtics = 2};
  gb_err err = {0};
  cr_assert_eq(gb_plot_draw(&chart, &s, 1, base, &err), 0, "%s", err.msg);
  char *png = gbt_path(dir, "chart.png"), *svg = gbt_path(dir, "chart.svg");
  cr_assert_gt(file_size(png), 1000);
  cr_assert_gt(file_size(svg), 1000);
  cr_assert(!gbt_has_tmp_file(dir));

  const double bad[] = {NAN, 0};
  const gb_plot_series none = {.title = "none", .n = 2, .x = x, .y = bad};
  cr_assert_eq(gb_plot_draw(&chart, &none, 1, base, &err), -1);
  cr_assert_eq(err.kind, GB_ERR_INPUT);
  char want[4200];
  snprintf(want, sizeof want, "%s: nothing to plot (no finite point)", base);
  cr_assert_str_eq(err.msg, want);
  free(png);
  free(svg);
  free(base);
  gbt_rmtree(dir);
  free(dir);
}

Test(reports_plot, a_missing_gnuplot_is_a_runtime_error) {
  cr_assert_eq(setenv("PATH", "/nonexistent-bin", 1), 0);
  char buf[256];
  gb_err err = {0};
  cr_assert_eq(gb_plot_find_gnuplot(buf, sizeof buf, &err), -1);
  cr_assert_eq(err.kind, GB_ERR_RUNTIME);
  cr_assert(strncmp(err.msg, "gnuplot not found on PATH", 25) == 0, "%s", err.msg);
}

/* ---- gamebench report -------------------------------------------------------------------- */

Test(reports_cli, report_prints_the_paths_and_exits_0) {
  char *dir = fixture_copy();
  gbt_proc p = gbt_gamebench("report '%s' --no-plots", dir);
  cr_assert_eq(p.status, 0, "stderr: %s", p.err);
  char want[4200];
  snprintf(want, sizeof want, "%s/report.md\n%s/report.html\n", dir, dir);
  cr_assert_str_eq(p.out, want);
  cr_assert_str_eq(p.err, "");
  cr_assert(exists_in(dir, "report.md"));
  cr_assert(!exists_in(dir, "plots"), "--no-plots runs no gnuplot");
  gbt_proc_free(&p);
  gbt_rmtree(dir);
  free(dir);
}

Test(reports_cli, without_gnuplot_the_report_is_written_with_a_warning) {
  char *dir = fixture_copy();
  gbt_proc p = gbt_shell("PATH=/nonexistent-bin '%s' report '%s'", GB_GAMEBENCH_EXE, dir);
  cr_assert_eq(p.status, 0, "stderr: %s", p.err);
  cr_assert(strstr(p.err, "gamebench: warning: gnuplot not found on PATH"), "%s", p.err);
  char *md = read_in(dir, "report.md");
  cr_assert(strstr(md, "Plot latency not drawn: gnuplot not found on PATH"), "%s", md);
  free(md);
  gbt_proc_free(&p);
  gbt_rmtree(dir);
  free(dir);
}

Test(reports_cli, a_failing_gnuplot_is_a_warning_and_keeps_stdout_clean) {
  char *dir = fixture_copy();
  /* plots/ is a file: gnuplot cannot open its outputs (and must not fall back to stdout). */
  write_in(dir, "plots", "not a directory\n");
  gbt_proc p = gbt_gamebench("report '%s'", dir);
  cr_assert_eq(p.status, 0, "stderr: %s", p.err);
  char want[4200];
  snprintf(want, sizeof want, "%s/report.md\n%s/report.html\n", dir, dir);
  cr_assert_str_eq(p.out, want);
  snprintf(want, sizeof want,
           "gamebench: warning: %s/plots/latency.png: gnuplot failed with exit status 1", dir);
  cr_assert(strstr(p.err, want), "%s", p.err);
  char *md = read_in(dir, "report.md");
  snprintf(want, sizeof want,
           "Plot latency not drawn: %s/plots/latency.png: gnuplot failed with exit status 1: "
           "system error: Not a directory",
           dir);
  cr_assert(has_line(md, want), "%s", md);
  free(md);
  gbt_proc_free(&p);
  gbt_rmtree(dir);
  free(dir);
}

Test(reports_cli, bad_input_exits_2_naming_the_file) {
  gbt_proc p = gbt_gamebench("report");
  cr_assert_eq(p.status, 2);
  cr_assert(strstr(p.err, "missing argument"), "%s", p.err);
  gbt_proc_free(&p);

  p = gbt_gamebench("report /nonexistent/run");
  cr_assert_eq(p.status, 2);
  cr_assert_str_eq(p.err, "gamebench: /nonexistent/run: cannot open results directory: No such "
                          "file or directory\n");
  gbt_proc_free(&p);

  p = gbt_gamebench("report --bogus x");
  cr_assert_eq(p.status, 2);
  cr_assert(strstr(p.err, "unknown option '--bogus'"), "%s", p.err);
  gbt_proc_free(&p);

  char *dir = fixture_copy();
  edit_line(dir, "arms.csv",
            "A,random,250,4000,1000,950,95,500,355,60,0.1,0.082,0.12,0.095,0.078,"
            "0.115,0,0.1,0.3,0.2",
            "A,random,250");
  p = gbt_gamebench("report '%s' --no-plots", dir);
  cr_assert_eq(p.status, 2);
  char want[4200];
  snprintf(want, sizeof want,
           "gamebench: %s/arms.csv:2: expected 20 fields (as in the header), found 3\n", dir);
  cr_assert_str_eq(p.err, want);
  cr_assert(!exists_in(dir, "report.md"));
  gbt_proc_free(&p);

  remove_in(dir, "summary.csv");
  p = gbt_gamebench("report '%s'", dir);
  cr_assert_eq(p.status, 2);
  snprintf(want, sizeof want, "gamebench: %s/summary.csv: cannot open: No such file or directory\n",
           dir);
  cr_assert_str_eq(p.err, want);
  gbt_proc_free(&p);
  gbt_rmtree(dir);
  free(dir);
}

Test(reports_cli, help_documents_the_command) {
  gbt_proc p = gbt_gamebench("report --help");
  cr_assert_eq(p.status, 0);
  cr_assert(strstr(p.out, "usage: gamebench report DIR [--no-plots]"), "%s", p.out);
  cr_assert(strstr(p.out, "--no-plots"));
  gbt_proc_free(&p);
}
