/* The comparative report (gb_report_generate_multi, `gamebench report DIR… --out DIR`): two
 * fixture runs of different workloads (tests/fixtures/results: fixture-small; results-b:
 * fixture-learning, with a decision stage, lost events and arms_daily.csv), labels, a
 * `run --repeat` directory, bad input. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gb_err.h"
#include "gb_report.h"
#include "gb_test_base64.h"
#include "gb_test_support.h"

static const char FIXTURE_A[] = GB_TEST_FIXTURES "/results";
static const char FIXTURE_B[] = GB_TEST_FIXTURES "/results-b";

/* The plots of the comparative report; every one has data in A + B. */
static const char *const PLOTS[] = {
    "latency_e2e",   "latency_decision", "timeline_throughput",    "timeline_p99",
    "arms_use_rate", "arms_ctr",         "arms_use_rate_over_time"};
enum { N_PLOTS = sizeof PLOTS / sizeof PLOTS[0] };

static char *copy_of(const char *fixture, const char *into, const char *name) {
  char *dir = gbt_path(into, name);
  gbt_proc p = gbt_shell("mkdir -p '%s' && cp -R '%s'/. '%s'/", dir, fixture, dir);
  cr_assert_eq(p.status, 0, "cp failed: %s", p.err);
  gbt_proc_free(&p);
  return dir;
}

static char *read_in(const char *dir, const char *name) {
  char *path = gbt_path(dir, name);
  char *text = gbt_read_file(path, NULL);
  cr_assert(text, "%s missing", path);
  free(path);
  return text;
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

/* Line n (1-based) of text into buf. */
static const char *line_at(const char *text, int n, char *buf, size_t cap) {
  const char *s = text;
  for (int i = 1; i < n && s; i++) {
    s = strchr(s, '\n');
    if (s)
      s++;
  }
  snprintf(buf, cap, "%.*s", s ? (int)strcspn(s, "\n") : 0, s ? s : "");
  return buf;
}

Test(report_multi, two_runs_verdicts_first_a_column_per_run_the_legend_and_the_plots) {
  char *tmp = gbt_tmpdir(), *out = gbt_path(tmp, "cmp/nested");
  const char *dirs[] = {FIXTURE_A, FIXTURE_B};
  gb_err err = {0};
  cr_assert_eq(gb_report_generate_multi(dirs, 2, out, true, &err), 0, "%s", err.msg);
  char *md = read_in(out, "report.md");
  char buf[1024];
  cr_assert_str_eq(line_at(md, 1, buf, sizeof buf), "# gamebench comparative report: 2 runs");
  cr_assert_str_eq(line_at(md, 3, buf, sizeof buf),
                   "**fixture-small: Target rate sustained**: 9999.5 events/s of the 10000.0 "
                   "events/s target; no events lost; 10 events rejected.");
  cr_assert_str_eq(line_at(md, 5, buf, sizeof buf),
                   "**fixture-learning: Events lost**: 4000.0 events/s (no target rate); 12 events "
                   "lost (0.02 % of those generated); 50 events rejected.");
  const char *lines[] = {
      "| run | directory | workload | git describe | seed | transport | machine | started (UTC) |",
      "| fixture-small | " GB_TEST_FIXTURES "/results | fixture-small | v0.1.0-7-gabc1234 | 42 | "
      "inproc | Example CPU @ 3.00GHz, 2 cores | 2025-01-15T10:00:00Z |",
      "| fixture-learning | " GB_TEST_FIXTURES "/results-b | fixture-learning | v0.1.0-9-gdef5678 "
      "| 7 | inproc | Example CPU @ 3.00GHz, 2 cores | 2025-01-16T09:30:00Z |",
      "| measure | fixture-small | fixture-learning |",
      "| events lost ↓ | 0 | 12 |",
      "| achieved rate (events/s) ↑ | 9999.5 | 4000.0 |",
      "| e2e p99 (µs) ↓ | 950 | 400 |",
      "| decision p99.9 (µs) ↓ | – | 480 |",
      "| peak RSS (MiB) ↓ | 50.0 | 80.0 |",
      "| use rate: A ↑ | 10.00 % | 12.00 % |",
      "| use rate: T ↑ | – | 22.00 % |",
      "| e2e | 121 / 950 / 2100 | 60.0 / 400 / 900 |",
      "| fixture-learning | e2e | 4 | 3800.0 | 3987.5 | 4100.0 | 450 |",
      "| T | fixture-learning | thompson | 3000 | 770 | 22.00 % (19.30 % – 25.00 %) | 22.86 % "
      "(20.00 % – 26.00 %) | +83.3 % |",
  };
  for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++)
    cr_assert(has_line(md, lines[i]), "report.md lacks:\n%s\n--- report.md:\n%s", lines[i], md);
  /* The verdicts come before every table. */
  cr_assert_lt(strstr(md, "Events lost**"), strstr(md, "| run |"));
  for (size_t i = 0; i < N_PLOTS; i++) {
    char want[256];
    snprintf(want, sizeof want, "](plots/%s.png)", PLOTS[i]);
    cr_assert(strstr(md, want), "report.md does not show %s:\n%s", PLOTS[i], md);
    snprintf(want, sizeof want, "plots/%s.png", PLOTS[i]);
    char *png = read_in(out, want);
    cr_assert(memcmp(png, "\x89PNG\r\n\x1a\n", 8) == 0, "%s is not a PNG", want);
    free(png);
    snprintf(want, sizeof want, "plots/%s.svg", PLOTS[i]);
    char *svg = read_in(out, want);
    cr_assert(strstr(svg, "<svg"), "%s is not an SVG", want);
    free(svg);
  }
  cr_assert(!strstr(md, "not drawn"), "%s", md);
  char *plots = gbt_path(out, "plots");
  cr_assert(!gbt_has_tmp_file(out) && !gbt_has_tmp_file(plots));
  free(plots);
  free(md);
  free(out);
  gbt_rmtree(tmp);
  free(tmp);
}

/* The inline image of plot `name` in the HTML decodes to the bytes of plots/<name>.png. */
static void expect_inline(const char *html, const char *dir, const char *name) {
  char link[256];
  snprintf(link, sizeof link, "<a href=\"plots/%s.svg\">SVG</a>", name);
  const char *at = strstr(html, link);
  cr_assert(at, "no figure of %s", name);
  static const char SRC[] = "<img src=\"data:image/png;base64,";
  const char *src = NULL;
  for (const char *s = strstr(html, SRC); s && s < at; s = strstr(s + 1, SRC))
    src = s + sizeof SRC - 1;
  cr_assert(src, "no inline image before %s's link", name);
  size_t len = 0, png_len = 0;
  unsigned char *bytes = gbt_base64_decode(src, strcspn(src, "\""), &len);
  char rel[256];
  snprintf(rel, sizeof rel, "plots/%s.png", name);
  char *path = gbt_path(dir, rel);
  char *png = gbt_read_file(path, &png_len);
  cr_assert(bytes && png, "%s: not base64, or no file", name);
  cr_assert(len == png_len && memcmp(bytes, png, len) == 0, "%s: inline bytes differ", name);
  free(bytes);
  free(png);
  free(path);
}

Test(report_multi, the_html_is_self_contained) {
  char *tmp = gbt_tmpdir();
  const char *dirs[] = {FIXTURE_A, FIXTURE_B};
  gb_err err = {0};
  cr_assert_eq(gb_report_generate_multi(dirs, 2, tmp, true, &err), 0, "%s", err.msg);
  char *html = read_in(tmp, "report.html");
  cr_assert(strncmp(html, "<!DOCTYPE html>\n<html lang=\"en\">", 32) == 0);
  cr_assert(
      strstr(html, "<p class=\"verdict bad\"><strong>fixture-learning: Events lost</strong>"));
  for (size_t i = 0; i < N_PLOTS; i++)
    expect_inline(html, tmp, PLOTS[i]);
  /* Nothing the page would load: no src but data: URIs, no stylesheet or script files. */
  cr_assert(!strstr(html, "src=\"plots/") && !strstr(html, "<link") && !strstr(html, "<script"));
  free(html);
  gbt_rmtree(tmp);
  free(tmp);
}

Test(report_multi, labels_are_what_tells_the_runs_apart) {
  char *tmp = gbt_tmpdir();
  /* The same workload at two seeds: "seed 42" and "seed 9". */
  char *a = copy_of(FIXTURE_A, tmp, "a"), *b = copy_of(FIXTURE_A, tmp, "b");
  gbt_proc p = gbt_shell("sed -i 's/\"seed\": 42,/\"seed\": 9,/' '%s/manifest.json'", b);
  cr_assert_eq(p.status, 0);
  gbt_proc_free(&p);
  char *out = gbt_path(tmp, "out");
  const char *dirs[] = {a, b, a};
  gb_err err = {0};
  cr_assert_eq(gb_report_generate_multi(dirs, 2, out, false, &err), 0, "%s", err.msg);
  char *md = read_in(out, "report.md");
  cr_assert(has_line(md, "| measure | seed 42 | seed 9 |"), "%s", md);
  free(md);
  /* Nothing differs between a run and itself: the directory's name, then its place. */
  cr_assert_eq(gb_report_generate_multi(dirs + 2, 1, out, false, &err), 0, "%s", err.msg);
  const char *same[] = {a, a};
  cr_assert_eq(gb_report_generate_multi(same, 2, out, false, &err), 0, "%s", err.msg);
  md = read_in(out, "report.md");
  cr_assert(has_line(md, "| measure | a | a \\#2 |"), "%s", md);
  free(md);
  free(a);
  free(b);
  free(out);
  gbt_rmtree(tmp);
  free(tmp);
}

/* A `run --repeat 3` directory: the medians at the top, three repeats whose e2e p99 are 990, 950
 * (the median) and 900. */
static char *repeat_dir(const char *tmp) {
  char *top = copy_of(FIXTURE_B, tmp, "rep");
  const char *p99[] = {"990", "950", "900"};
  for (int k = 0; k < 3; k++) {
    char name[32];
    snprintf(name, sizeof name, "rep/repeat-%d", k + 1);
    char *rep = copy_of(FIXTURE_A, tmp, name);
    gbt_proc p = gbt_shell("sed -i 's/^latency_e2e_p99_us,950,us$/latency_e2e_p99_us,%s,us/' "
                           "'%s/summary.csv'",
                           p99[k], rep);
    cr_assert_eq(p.status, 0);
    gbt_proc_free(&p);
    free(rep);
  }
  gbt_proc p = gbt_shell("cd '%s' && rm latency.csv timeline.csv arms.csv arms_daily.csv && sed -i "
                         "'s/^latency_e2e_p99_us,400,us$/latency_e2e_p99_us,950,us/' summary.csv",
                         top);
  cr_assert_eq(p.status, 0);
  gbt_proc_free(&p);
  return top;
}

Test(report_multi, a_repeat_directory_is_one_run_with_its_median_repeat) {
  char *tmp = gbt_tmpdir(), *top = repeat_dir(tmp), *out = gbt_path(tmp, "out");
  const char *dirs[] = {FIXTURE_A, top};
  gb_err err = {0};
  cr_assert_eq(gb_report_generate_multi(dirs, 2, out, false, &err), 0, "%s", err.msg);
  char *md = read_in(out, "report.md");
  cr_assert(strstr(md, "fixture-learning is a run --repeat 3 directory: its tables use the top "
                       "summary.csv (the medians of the 3 repeats; the verdicts the worst); its "
                       "spectra, timeline and arms are repeat-2's, the repeat whose e2e p99 is "
                       "closest to the median."),
            "%s", md);
  /* The tables: the top's medians; the arms: the repeat's arms.csv. */
  cr_assert(has_line(md, "| events lost ↓ | 0 | 12 |"), "%s", md);
  cr_assert(has_line(md, "| use rate: B ↑ | 15.00 % | 15.00 % |"), "%s", md);
  free(md);
  gbt_rmtree(tmp);
  free(tmp);
  free(top);
  free(out);
}

Test(report_multi, cli_two_runs_prints_the_paths) {
  char *tmp = gbt_tmpdir(), *out = gbt_path(tmp, "cmp");
  gbt_proc p = gbt_gamebench("report '%s' '%s' --out '%s' --no-plots", FIXTURE_A, FIXTURE_B, out);
  cr_assert_eq(p.status, 0, "%s", p.err);
  char want[4200];
  snprintf(want, sizeof want, "%s/report.md\n%s/report.html\n", out, out);
  cr_assert_str_eq(p.out, want);
  cr_assert_str_eq(p.err, "");
  gbt_proc_free(&p);
  free(out);
  gbt_rmtree(tmp);
  free(tmp);
}

Test(report_multi, cli_one_run_is_the_single_report) {
  char *tmp = gbt_tmpdir(), *dir = copy_of(FIXTURE_A, tmp, "run");
  gbt_proc p = gbt_gamebench("report '%s' --no-plots", dir);
  cr_assert_eq(p.status, 0, "%s", p.err);
  gbt_proc_free(&p);
  char *md = read_in(dir, "report.md"), buf[256];
  cr_assert_str_eq(line_at(md, 1, buf, sizeof buf), "# gamebench report: fixture-small");
  cr_assert(has_line(md, "## Recommendation arms") && !strstr(md, "comparative"));
  free(md);
  p = gbt_gamebench("report '%s' --out '%s/x'", dir, tmp);
  cr_assert_eq(p.status, 2);
  cr_assert_str_eq(p.err, "gamebench: --out: only with several directories (one run's report "
                          "goes into its own directory)\n");
  gbt_proc_free(&p);
  free(dir);
  gbt_rmtree(tmp);
  free(tmp);
}

Test(report_multi, cli_bad_input_exits_2_and_writes_nothing) {
  char *tmp = gbt_tmpdir(), *out = gbt_path(tmp, "cmp");
  gbt_proc p = gbt_gamebench("report '%s' '%s'", FIXTURE_A, FIXTURE_B);
  cr_assert_eq(p.status, 2);
  cr_assert_str_eq(p.err, "gamebench: --out: required with several directories (2 given): where "
                          "the comparative report goes\n");
  gbt_proc_free(&p);

  p = gbt_gamebench("report '%s' /nonexistent/run --out '%s'", FIXTURE_A, out);
  cr_assert_eq(p.status, 2);
  cr_assert_str_eq(p.err, "gamebench: /nonexistent/run: cannot open results directory: No such "
                          "file or directory\n");
  cr_assert(!gbt_exists(out), "nothing is written for bad input");
  gbt_proc_free(&p);

  char *bad = copy_of(FIXTURE_B, tmp, "bad");
  gbt_proc e = gbt_shell("echo 'e2e,1,x,1,1' >> '%s/latency.csv'", bad);
  gbt_proc_free(&e);
  p = gbt_gamebench("report '%s' '%s' --out '%s'", FIXTURE_A, bad, out);
  cr_assert_eq(p.status, 2);
  cr_assert(strstr(p.err, "/bad/latency.csv:26"), "%s", p.err);
  cr_assert(!gbt_exists(out));
  gbt_proc_free(&p);

  p = gbt_gamebench("report '%s' '%s' --out '%s'", FIXTURE_A, bad, bad);
  cr_assert_eq(p.status, 2);
  cr_assert(strstr(p.err, "is the results directory"), "%s", p.err);
  gbt_proc_free(&p);
  free(bad);
  free(out);
  gbt_rmtree(tmp);
  free(tmp);
}

Test(report_multi, help_documents_several_directories) {
  gbt_proc p = gbt_gamebench("report --help");
  cr_assert_eq(p.status, 0);
  cr_assert(strstr(p.out, "usage: gamebench report DIR [--no-plots] | DIR DIR... --out DIR"), "%s",
            p.out);
  cr_assert(strstr(p.out, "--out DIR"), "%s", p.out);
  gbt_proc_free(&p);
}
