/* The recommendation arms in reports: arms.csv's comparison columns, arms_daily.csv and
 * challenges.csv read back (gb_results_arms.c), the report's arms, over-time and top-challenge
 * sections (gb_report_arms.c) and the use rate plot over sim time (gb_plot_arms_daily). Each test
 * works on a copy of the fixture results directory with the per-arm files below written in;
 * arms.csv's numbers are test_run_arms.c's (random 100 of 400 props, smart 150 of 410). */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gb_plot.h"
#include "gb_report.h"
#include "gb_results.h"
#include "gb_test_results.h"
#include "gb_test_support.h"

static const char ARMS[] =
    "arm,algorithm,players,decisions,props_generated,props_shown,props_used,props_discarded,"
    "props_expired,props_completed,use_rate,use_rate_ci_low,use_rate_ci_high,ctr,ctr_ci_low,"
    "ctr_ci_high,lift_vs_random,expected_use_rate,oracle_use_rate,regret_vs_oracle,lift_ci_low,"
    "lift_ci_high,lift_p_value,expected_lift_vs_random,headroom\n"
    "random,random,100,500,400,380,100,50,10,20,0.25,0.210079,0.294677,0.263158,0.221412,"
    "0.309644,0,0.3,0.36,0.06,,,,0,0.2\n"
    "smart,egreedy,100,520,410,400,150,0,0,30,0.365854,0.320676,0.413522,0.375,0.328957,"
    "0.423421,0.463415,0.33,0.37,0.04,0.185018,0.809621,0.000359,0.1,0.2\n"
    "slow,thompson,100,510,405,390,104,0,0,25,0.256790,0.216,0.302,0.266667,0.225,0.312,"
    "0.027160,0.31,0.37,0.06,-0.183,0.292,0.827,0.033333,0.2\n"
    "control,none,90,480,0,0,0,0,0,0,,,,,,,,0,0.35,0.35,,,,-1,0.2\n"
    "oracle,oracle,390,1890,,,,,,,,,,,,,,0.359928,0.359928,0,,,,0.199758,0.2\n";

static const char DAILY[] =
    "arm,algorithm,period,period_s,day,date,start_utc,decisions,scored,props_generated,"
    "props_used,props_completed,use_rate,use_rate_ci_low,use_rate_ci_high,expected_use_rate,"
    "oracle_use_rate\n"
    "random,random,0,3600,0,2026-01-05,2026-01-05T23:30:00Z,250,230,200,60,12,0.3,0.240747,"
    "0.366791,0.3,0.36\n"
    "random,random,1,1800,0,2026-01-06,2026-01-06T00:30:00Z,250,220,200,40,8,0.2,0.150452,"
    "0.260855,0.3,0.36\n"
    "smart,egreedy,0,3600,0,2026-01-05,2026-01-05T23:30:00Z,270,250,250,90,20,0.36,0.303032,"
    "0.421205,0.33,0.37\n"
    "smart,egreedy,1,1800,0,2026-01-06,2026-01-06T00:30:00Z,250,210,160,60,10,0.375,0.303743,"
    "0.452118,0.33,0.37\n"
    "control,none,0,3600,0,2026-01-05,2026-01-05T23:30:00Z,480,470,0,0,0,,,,0,0.35\n"
    "control,none,1,1800,0,2026-01-06,2026-01-06T00:30:00Z,0,0,0,0,0,,,,,\n";

/* random's props: c2 and c4 tie at 50 (file order decides), c5 is sixth, c7 has none. */
static const char CHALLENGES[] =
    "arm,algorithm,challenge,game,difficulty,reward_coins,props_generated,props_share,"
    "props_used,props_completed,use_rate,use_rate_ci_low,use_rate_ci_high,mean_use_probability\n"
    "random,random,c1,dou_dizhu,0.5,100,10,0.060606,2,0,0.2,0.057,0.51,0.25\n"
    "random,random,c2,dou_dizhu,0.5,100,50,0.30303,20,4,0.4,0.276,0.538,0.45\n"
    "random,random,c3,,0.4,200,30,0.181818,9,2,0.3,0.166,0.479,0.31\n"
    "random,random,c4,pao_de_kuai,0.7,500,50,0.30303,15,3,0.3,0.191,0.438,0.33\n"
    "random,random,c5,,0.5,100,5,0.030303,1,0,0.2,0.036,0.624,0.2\n"
    "random,random,c6,,0.5,100,20,0.121212,4,1,0.2,0.081,0.416,0.22\n"
    "random,random,c7,,0.5,100,0,0,0,0,,,,\n"
    "smart,egreedy,c2,dou_dizhu,0.5,100,400,0.97561,148,30,0.37,0.324,0.418,0.41\n"
    "smart,egreedy,,,,,10,0.02439,2,0,0.2,0.057,0.51,\n"
    "control,none,c1,dou_dizhu,0.5,100,0,,0,0,,,,\n";

static char *dir;

/* A copy of the fixture results directory with the per-arm files above. */
static void setup(void) {
  dir = gbt_tmpdir();
  gbt_proc p = gbt_shell("cp -R '%s/results'/. '%s'/", GB_TEST_FIXTURES, dir);
  cr_assert_eq(p.status, 0, "cp failed: %s", p.err);
  gbt_proc_free(&p);
  const char *files[][2] = {
      {"arms.csv", ARMS}, {"arms_daily.csv", DAILY}, {"challenges.csv", CHALLENGES}};
  for (size_t i = 0; i < 3; i++) {
    char *path = gbt_path(dir, files[i][0]);
    gbt_write_file(path, files[i][1]);
    free(path);
  }
}

static void teardown(void) {
  gbt_rmtree(dir);
  free(dir);
}

TestSuite(report_arms, .init = setup, .fini = teardown);

static gb_results *load(void) {
  gb_results *r = NULL;
  gb_err err = {0};
  cr_assert_eq(gb_results_load(dir, &r, &err), 0, "%s", err.msg);
  return r;
}

static void write_file(const char *name, const char *text) {
  char *path = gbt_path(dir, name);
  gbt_write_file(path, text);
  free(path);
}

/* Whether text has line as a whole line. */
static bool has_line(const char *text, const char *line) {
  size_t len = strlen(line);
  for (const char *s = text; s && *s; s = strchr(s, '\n') ? strchr(s, '\n') + 1 : NULL)
    if (strncmp(s, line, len) == 0 && (s[len] == '\n' || s[len] == '\0'))
      return true;
  return false;
}

/* ---- loading */

Test(report_arms, arms_csv_comparison_columns_load) {
  gb_results *r = load();
  size_t n;
  const gb_results_arm *a = gb_results_arms(r, &n);
  cr_assert_eq(n, 5);
  cr_assert_eq(a[1].lift_ci_low, 0.185018);
  cr_assert_eq(a[1].lift_ci_high, 0.809621);
  cr_assert_eq(a[1].lift_p_value, 0.000359);
  cr_assert_eq(a[1].expected_lift_vs_random, 0.1);
  cr_assert_eq(a[1].headroom, 0.2);
  cr_assert(isnan(a[0].lift_ci_low) && isnan(a[0].lift_p_value), "the random arm's own row");
  cr_assert_eq(a[3].expected_lift_vs_random, -1);
  gb_results_free(r);
}

Test(report_arms, an_old_arms_csv_has_nan_comparisons) {
  gbt_proc p = gbt_shell("cp '%s/results/arms.csv' '%s'/", GB_TEST_FIXTURES, dir);
  cr_assert_eq(p.status, 0);
  gbt_proc_free(&p);
  gb_results *r = load();
  size_t n;
  const gb_results_arm *a = gb_results_arms(r, &n);
  cr_assert_eq(n, 4);
  cr_assert(isnan(a[1].lift_ci_low) && isnan(a[1].headroom));
  cr_assert_eq(a[1].lift_vs_random, 0.5);
  gb_results_free(r);
}

Test(report_arms, arms_daily_csv_loads_every_row) {
  gb_results *r = load();
  cr_assert(gb_results_has(r, GB_RESULTS_ARMS_DAILY));
  cr_assert_str_eq(gb_results_file_name(GB_RESULTS_ARMS_DAILY), "arms_daily.csv");
  size_t n;
  const gb_results_arm_period *p = gb_results_arm_periods(r, &n);
  cr_assert_eq(n, 6);
  cr_assert_str_eq(p[1].arm, "random");
  cr_assert_eq(p[1].period, 1);
  cr_assert_eq(p[1].period_s, 1800);
  cr_assert_eq(p[1].day, 0);
  cr_assert_str_eq(p[1].date, "2026-01-06");
  cr_assert_str_eq(p[1].start_utc, "2026-01-06T00:30:00Z");
  cr_assert_eq(p[1].props_used, 40);
  cr_assert_eq(p[1].use_rate_ci_high, 0.260855);
  cr_assert_str_eq(p[4].algorithm, "none");
  cr_assert(isnan(p[4].use_rate), "an empty cell is undefined");
  cr_assert_eq(p[4].oracle_use_rate, 0.35);
  gb_results_free(r);
}

Test(report_arms, challenges_csv_loads_every_row) {
  gb_results *r = load();
  cr_assert(gb_results_has(r, GB_RESULTS_CHALLENGES));
  size_t n;
  const gb_results_challenge *c = gb_results_challenges(r, &n);
  cr_assert_eq(n, 10);
  cr_assert_str_eq(c[3].challenge, "c4");
  cr_assert_str_eq(c[3].game, "pao_de_kuai");
  cr_assert_eq(c[3].difficulty, 0.7);
  cr_assert_eq(c[3].reward_coins, 500);
  cr_assert_eq(c[3].props_share, 0.30303);
  cr_assert_eq(c[3].mean_use_probability, 0.33);
  cr_assert_str_eq(c[2].game, "", "any game");
  cr_assert_str_eq(c[8].challenge, "", "ordinals outside the catalogue");
  cr_assert(isnan(c[8].mean_use_probability));
  gb_results_free(r);
}

Test(report_arms, absent_files_are_not_loaded) {
  char *a = gbt_path(dir, "arms_daily.csv"), *b = gbt_path(dir, "challenges.csv");
  cr_assert_eq(remove(a), 0);
  cr_assert_eq(remove(b), 0);
  gb_results *r = load();
  size_t n = 1;
  cr_assert_not(gb_results_has(r, GB_RESULTS_ARMS_DAILY));
  cr_assert_not(gb_results_has(r, GB_RESULTS_CHALLENGES));
  gb_results_arm_periods(r, &n);
  cr_assert_eq(n, 0);
  gb_results_challenges(r, &n);
  cr_assert_eq(n, 0);
  gb_results_free(r);
  free(a);
  free(b);
}

static void expect_load_error(const char *name, const char *text, const char *fragment) {
  write_file(name, text);
  gb_results *r = NULL;
  gb_err err = {0};
  cr_assert_eq(gb_results_load(dir, &r, &err), -1, "%s should be refused", name);
  cr_assert_eq(err.kind, GB_ERR_INPUT);
  cr_assert(strstr(err.msg, name) && strstr(err.msg, fragment), "%s: '%s' lacks '%s'", name,
            err.msg, fragment);
}

Test(report_arms, malformed_files_are_named_with_the_column_and_line) {
  expect_load_error("arms_daily.csv", "arm,algorithm,use_rate\nrandom,random,0.3\n", "period");
  expect_load_error("arms_daily.csv", "arm,period,use_rate\nrandom,0,0.3\nrandom,x,0.2\n", ":3");
  expect_load_error("arms_daily.csv", "arm,period,use_rate\nrandom,,0.3\n", "'period': empty");
  write_file("arms_daily.csv", DAILY);
  expect_load_error("challenges.csv", "arm,props_generated\nrandom,3\n", "challenge");
  expect_load_error("challenges.csv", "arm,challenge,props_generated\nrandom,c1,\n",
                    "'props_generated': empty");
  expect_load_error("challenges.csv", "arm,challenge,props_generated\n,c1,3\n", "'arm': empty");
}

/* ---- the report */

Test(report_arms, report_compares_the_arms_with_random) {
  gb_err err = {0};
  cr_assert_eq(gb_report_generate(dir, false, &err), 0, "%s", err.msg);
  char *md = gbt_result_text(dir, "report.md");
  const char *lines[] = {
      "| arm | algorithm | players | decisions | props shown | props used | use rate (95 % CI) | "
      "CTR (95 % CI) | lift vs random (95 % CI) | p-value | regret vs oracle |",
      "| random | random | 100 | 500 | 380 | 100 | 25.00 % (21.01 % – 29.47 %) | "
      "26.32 % (22.14 % – 30.96 %) | 0.0 % | – | 6.00 pp |",
      "| smart | egreedy | 100 | 520 | 400 | 150 | 36.59 % (32.07 % – 41.35 %) | "
      "37.50 % (32.90 % – 42.34 %) | +46.3 % (+18.5 % – +81.0 %) | \\< 0.001 | 4.00 pp |",
      "| slow | thompson | 100 | 510 | 390 | 104 | 25.68 % (21.60 % – 30.20 %) | "
      "26.67 % (22.50 % – 31.20 %) | +2.7 % (-18.3 % – +29.2 %) | 0.827 | 6.00 pp |",
      "Headroom: on the random arm's decisions, always choosing the best candidate would give an "
      "expected use rate of 36.00 % against random's 30.00 % (+20.0 %). No algorithm can beat "
      "random by much more than this on these decisions.",
  };
  for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++)
    cr_assert(has_line(md, lines[i]), "report.md lacks:\n%s\n--- report.md:\n%s", lines[i], md);
  free(md);
}

Test(report_arms, report_shows_each_arms_first_and_last_period) {
  gb_err err = {0};
  cr_assert_eq(gb_report_generate(dir, false, &err), 0, "%s", err.msg);
  char *md = gbt_result_text(dir, "report.md");
  const char *lines[] = {
      "## Use rate over sim time",
      "| random | random | 2026-01-05T23:30:00Z: 30.00 % (24.07 % – 36.68 %) | "
      "2026-01-06T00:30:00Z: 20.00 % (15.05 % – 26.09 %) |",
      "| smart | egreedy | 2026-01-05T23:30:00Z: 36.00 % (30.30 % – 42.12 %) | "
      "2026-01-06T00:30:00Z: 37.50 % (30.37 % – 45.21 %) |",
      "Plot arms\\_use\\_rate\\_over\\_time not drawn: not present in plots/",
  };
  for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++)
    cr_assert(has_line(md, lines[i]), "report.md lacks:\n%s\n--- report.md:\n%s", lines[i], md);
  cr_assert_null(strstr(md, "| control | none | 2026"), "an arm without props has no row");
  free(md);
}

Test(report_arms, report_lists_each_arms_top_challenges) {
  gb_err err = {0};
  cr_assert_eq(gb_report_generate(dir, false, &err), 0, "%s", err.msg);
  char *md = gbt_result_text(dir, "report.md");
  const char *rows =
      "| arm | challenge | props | share | used | use rate (95 % CI) | mean truth | completed |\n"
      "|---|---|---|---|---|---|---|---|\n"
      "| random | c2 | 50 | 30.30 % | 20 | 40.00 % (27.60 % – 53.80 %) | 45.00 % | 4 |\n"
      "| random | c4 | 50 | 30.30 % | 15 | 30.00 % (19.10 % – 43.80 %) | 33.00 % | 3 |\n"
      "| random | c3 | 30 | 18.18 % | 9 | 30.00 % (16.60 % – 47.90 %) | 31.00 % | 2 |\n"
      "| random | c6 | 20 | 12.12 % | 4 | 20.00 % (8.10 % – 41.60 %) | 22.00 % | 1 |\n"
      "| random | c1 | 10 | 6.06 % | 2 | 20.00 % (5.70 % – 51.00 %) | 25.00 % | 0 |\n"
      "| smart | c2 | 400 | 97.56 % | 148 | 37.00 % (32.40 % – 41.80 %) | 41.00 % | 30 |\n"
      "| smart | (not in the catalogue) | 10 | 2.44 % | 2 | 20.00 % (5.70 % – 51.00 %) | – | 0 |\n"
      "\n";
  cr_assert(strstr(md, rows), "report.md lacks the table:\n%s\n--- report.md:\n%s", rows, md);
  free(md);
}

Test(report_arms, absent_files_are_said_so) {
  char *a = gbt_path(dir, "arms_daily.csv"), *b = gbt_path(dir, "challenges.csv");
  cr_assert_eq(remove(a), 0);
  cr_assert_eq(remove(b), 0);
  gbt_proc p = gbt_shell("cp '%s/results/arms.csv' '%s'/", GB_TEST_FIXTURES, dir);
  gbt_proc_free(&p);
  gb_err err = {0};
  cr_assert_eq(gb_report_generate(dir, false, &err), 0, "%s", err.msg);
  char *md = gbt_result_text(dir, "report.md");
  cr_assert(has_line(md, "arms\\_daily.csv not present: no use rate over sim time."), "%s", md);
  cr_assert(has_line(md, "challenges.csv not present: no per-challenge breakdown."), "%s", md);
  cr_assert(has_line(md, "No headroom: arms.csv has no random arm with a headroom value."), "%s",
            md);
  free(md);
  free(a);
  free(b);
}

/* ---- the plot */

static bool plot_file(const char *name) {
  char rel[128];
  snprintf(rel, sizeof rel, "plots/%s", name);
  char *path = gbt_path(dir, rel);
  bool ok = gbt_exists(path);
  free(path);
  return ok;
}

Test(report_arms, report_draws_the_use_rate_over_time) {
  char exe[4096];
  if (gb_plot_find_gnuplot(exe, sizeof exe, NULL) != 0)
    cr_skip_test("gnuplot not on PATH");
  gb_err err = {0};
  cr_assert_eq(gb_report_generate(dir, true, &err), 0, "%s", err.msg);
  cr_assert(plot_file(GB_PLOT_ARMS_DAILY ".png") && plot_file(GB_PLOT_ARMS_DAILY ".svg"));
  char *md = gbt_result_text(dir, "report.md");
  cr_assert(has_line(md, "![Use rate per arm over sim time](plots/arms_use_rate_over_time.png)"),
            "%s", md);
  free(md);
  char *svg = gbt_result_text(dir, "plots/" GB_PLOT_ARMS_DAILY ".svg");
  cr_assert(strstr(svg, "smart") && strstr(svg, "oracle (expected use rate)"),
            "the arms and the oracle in the legend");
  cr_assert_null(strstr(svg, ">control<"), "an arm without use rates draws no line");
  free(svg);
}

Test(report_arms, a_series_without_use_rates_is_not_a_plot) {
  write_file("arms_daily.csv", "arm,algorithm,period,period_s,use_rate,scored,oracle_use_rate\n"
                               "control,none,0,3600,,10,0.4\n"
                               "control,none,1,3600,,10,0.4\n");
  gb_results *r = load();
  char *plots = gbt_path(dir, "plots");
  gbt_proc p = gbt_shell("mkdir -p '%s'", plots);
  gbt_proc_free(&p);
  gb_err err = {0};
  cr_assert_eq(gb_plot_arms_daily(r, plots, &err), -1);
  cr_assert_eq(err.kind, GB_ERR_INPUT);
  cr_assert(strstr(err.msg, "no use rate"), "%s", err.msg);
  cr_assert_not(plot_file(GB_PLOT_ARMS_DAILY ".png"));
  gb_results_free(r);
  free(plots);
}
