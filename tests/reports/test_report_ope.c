/* The off-policy evaluation part of the report: the section's exact Markdown for a small ope.csv,
 * its HTML, an absent or malformed ope.csv, and the plot drawn and embedded. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "gb_report_ope.h"
#include "gb_results.h"
#include "gb_test_support.h"

static const char OPE_CSV[] =
    "target_arm,algorithm,estimator,estimate,ci_low,ci_high,truth,error,rows,matched_rows\n"
    "greedy,egreedy,replay,0.5,0.45,0.55,0.48,0.02,1000,200\n"
    "greedy,egreedy,dr,0.47,0.44,0.5,0.48,-0.01,1000,200\n"
    "ts,thompson,replay,,,,0.5,,1000,0\n"
    "ts,thompson,dr,0.6,0.55,0.65,0.5,0.1,1000,0\n";

/* A results directory with an empty summary.csv and, when ope is not NULL, that ope.csv. */
static char *results_dir(const char *ope) {
  char *dir = gbt_tmpdir();
  char *summary = gbt_path(dir, "summary.csv");
  gbt_write_file(summary, "metric,value,unit\n");
  free(summary);
  if (ope) {
    char *path = gbt_path(dir, "ope.csv");
    gbt_write_file(path, ope);
    free(path);
  }
  return dir;
}

static gb_results *load(const char *dir) {
  gb_results *r = NULL;
  gb_err err = {0};
  cr_assert_eq(gb_results_load(dir, &r, &err), 0, "%s", err.msg);
  return r;
}

/* The section's Markdown and HTML (heap strings) with plot_missing. */
static int section(const gb_results *r, const char *plot_missing, char **md, char **html,
                   gb_err *err) {
  size_t md_len = 0, html_len = 0;
  FILE *m = open_memstream(md, &md_len), *h = open_memstream(html, &html_len);
  cr_assert(m && h);
  int rc = gb_report_ope_section(r, m, h, plot_missing, err);
  fclose(m);
  fclose(h);
  return rc;
}

static void done(char *dir, gb_results *r) {
  gb_results_free(r);
  gbt_rmtree(dir);
  free(dir);
}

Test(report_ope, the_section_of_a_small_ope_csv) {
  char *dir = results_dir(OPE_CSV);
  gb_results *r = load(dir);
  char *md = NULL, *html = NULL;
  gb_err err = {0};
  cr_assert_eq(section(r, NULL, &md, &html, &err), 0, "%s", err.msg);
  cr_assert_str_eq(
      md, "## Off-policy evaluation\n\n"
          "Each target algorithm's use rate estimated from the logging arm's decisions, next to "
          "its truth: the simulator's expected use rate of the target's choices on the same "
          "contexts (docs/ope.md). Error = estimate − truth, in percentage points.\n\n"
          "Doubly robust: the truth lies in the interval for 1 of 2 targets; mean absolute error "
          "5.50 pp.\n\n"
          "| target arm | algorithm | estimator | estimate (95 % CI) | truth | error | truth in CI "
          "| rows | matched rows |\n"
          "|---|---|---|---|---|---|---|---|---|\n"
          "| greedy | egreedy | replay | 50.00 % (45.00 % – 55.00 %) | 48.00 % | +2.00 pp | yes | "
          "1000 | 200 |\n"
          "| greedy | egreedy | dr | 47.00 % (44.00 % – 50.00 %) | 48.00 % | -1.00 pp | yes | 1000 "
          "| 200 |\n"
          "| ts | thompson | replay | – | 50.00 % | – | – | 1000 | 0 |\n"
          "| ts | thompson | dr | 60.00 % (55.00 % – 65.00 %) | 50.00 % | +10.00 pp | no | 1000 | "
          "0 |\n"
          "\n"
          "Plot ope\\_estimates not drawn: not present in plots/\n\n");
  cr_assert(strstr(html, "<h2>Off-policy evaluation</h2>\n"), "%s", html);
  cr_assert(strstr(html, "<tr><td>ts</td><td>thompson</td><td>dr</td><td>60.00 % (55.00 % – "
                         "65.00 %)</td><td>50.00 %</td><td>+10.00 pp</td><td>no</td><td>1000</"
                         "td><td>0</td></tr>\n"),
            "%s", html);
  free(md);
  free(html);
  done(dir, r);
}

Test(report_ope, without_ope_csv_the_section_says_so_and_there_is_no_plot) {
  char *dir = results_dir(NULL);
  gb_results *r = load(dir);
  char *md = NULL, *html = NULL;
  gb_err err = {0};
  cr_assert_eq(section(r, NULL, &md, &html, &err), 0, "%s", err.msg);
  cr_assert_str_eq(md, "## Off-policy evaluation\n\nope.csv not present: no off-policy "
                       "evaluation.\n\n");
  cr_assert_eq(gb_report_ope_plot(r, dir, &err), -1);
  cr_assert_eq(err.kind, GB_ERR_INPUT);
  cr_assert(strstr(err.msg, "no ope.csv to plot"), "%s", err.msg);
  free(md);
  free(html);
  done(dir, r);
}

Test(report_ope, a_malformed_ope_csv_is_an_input_error_naming_line_and_column) {
  char *dir = results_dir("target_arm,algorithm,estimator,estimate,ci_low,ci_high,truth,error,"
                          "rows,matched_rows\n"
                          "a,random,ips,0.5,0.4,0.6,0.5,0,10,2\n"
                          "a,random,dr,half,0.4,0.6,0.5,0,10,2\n");
  gb_results *r = load(dir);
  char *md = NULL, *html = NULL;
  gb_err err = {0};
  cr_assert_eq(section(r, NULL, &md, &html, &err), -1);
  cr_assert_eq(err.kind, GB_ERR_INPUT);
  cr_assert(strstr(err.msg, "ope.csv:3: column 'estimate': 'half' is not a number"), "%s", err.msg);
  cr_assert_str_eq(md, "", "nothing is written");
  free(md);
  free(html);
  done(dir, r);

  dir = results_dir("target_arm,algorithm,estimator,estimate\na,random,ips,0.5\n");
  r = load(dir);
  cr_assert_eq(gb_report_ope_plot(r, dir, &err), -1);
  cr_assert(strstr(err.msg, "no column 'ci_low'"), "%s", err.msg);
  done(dir, r);
}

static long file_size(const char *dir, const char *name) {
  char *path = gbt_path(dir, name);
  struct stat st;
  long size = stat(path, &st) == 0 ? (long)st.st_size : -1;
  free(path);
  return size;
}

Test(report_ope, the_plot_is_drawn_and_embedded) {
  char *dir = results_dir(OPE_CSV);
  char *plots = gbt_path(dir, "plots");
  cr_assert_eq(mkdir(plots, 0777), 0);
  gb_results *r = load(dir);
  gb_err err = {0};
  cr_assert_eq(gb_report_ope_plot(r, plots, &err), 0, "%s", err.msg);
  cr_assert_gt(file_size(plots, "ope_estimates.png"), 1000);
  cr_assert_gt(file_size(plots, "ope_estimates.svg"), 1000);
  cr_assert(!gbt_has_tmp_file(plots));
  char *svg_path = gbt_path(plots, "ope_estimates.svg");
  char *svg = gbt_read_file(svg_path, NULL);
  cr_assert(svg && strstr(svg, "greedy (egreedy)") && strstr(svg, "ts (thompson)"),
            "the targets label the groups");
  char *md = NULL, *html = NULL;
  cr_assert_eq(section(r, "", &md, &html, &err), 0, "%s", err.msg);
  cr_assert(strstr(md, "![Off-policy estimates and the truth per target]"
                       "(plots/ope_estimates.png)\n\n"),
            "%s", md);
  /* inline: the page loads no file */
  cr_assert(strstr(html, "<figure><img src=\"data:image/png;base64,iVBORw0KGgo"), "%s", html);
  cr_assert(strstr(html, "<a href=\"plots/ope_estimates.svg\">SVG</a>"));
  free(md);
  free(html);
  /* a reason given by the report wins over the files present */
  cr_assert_eq(section(r, "gnuplot not found on PATH", &md, &html, &err), 0, "%s", err.msg);
  cr_assert(strstr(md, "Plot ope\\_estimates not drawn: gnuplot not found on PATH\n\n"), "%s", md);
  free(md);
  free(html);
  free(svg);
  free(svg_path);
  free(plots);
  done(dir, r);
}
