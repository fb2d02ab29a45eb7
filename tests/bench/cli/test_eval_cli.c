/* gamebench eval: metrics.csv's columns and rows on the steam fixture (the malformed rows
 * reported with their lines on stderr), the same numbers whatever OpenBLAS's thread count, the
 * plot, and bad input — a flag, an algorithm, a parameter, the log — rejected with exit status
 * 2 naming it and nothing written. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gb_plot.h"
#include "gb_rng.h"
#include "gb_test_support.h"

#define FIXTURE GB_TEST_FIXTURES "/eval/steam_small.csv"

static char *tmp;

static void setup(void) { tmp = gbt_tmpdir(); }
static void teardown(void) {
  gbt_rmtree(tmp);
  free(tmp);
}

TestSuite(eval_cli, .init = setup, .fini = teardown);

static const char HEADER[] = "algorithm,params,k,users,precision,recall,ndcg,ndcg_lo,ndcg_hi,map,"
                             "hit_rate,coverage,val_ndcg,grid_points,tune_s,fit_s\n";

/* Line `line` (0: the header) of text, without its newline, into buf. */
static void nth_line(const char *text, size_t line, char *buf, size_t cap) {
  for (size_t i = 0; i < line; i++) {
    text = strchr(text, '\n');
    cr_assert_not_null(text, "no line %zu", line);
    text++;
  }
  size_t len = strcspn(text, "\n");
  cr_assert_lt(len, cap);
  memcpy(buf, text, len);
  buf[len] = '\0';
}

/* Field `col` (0-based) of a CSV line without quoted commas. */
static void field(const char *line, size_t col, char *buf, size_t cap) {
  for (size_t i = 0; i < col; i++) {
    line = strchr(line, ',');
    cr_assert_not_null(line);
    line++;
  }
  size_t len = strcspn(line, ",");
  cr_assert_lt(len, cap);
  memcpy(buf, line, len);
  buf[len] = '\0';
}

Test(eval_cli, writes_metrics_for_every_algorithm) {
  char *out = gbt_path(tmp, "eval");
  gbt_proc p = gbt_gamebench("eval --interactions '%s' --format steam-200k --algos "
                             "popularity,itemknn:k=10,ease:min_users=1 --k 2 --seed 3 --out '%s'",
                             FIXTURE, out);
  cr_assert_eq(p.status, 0, "exit %d: %s", p.status, p.err);
  /* the malformed rows, each with its line */
  cr_assert_not_null(strstr(p.err, "steam_small.csv: 5 malformed rows skipped\n"), "%s", p.err);
  cr_assert_not_null(strstr(p.err, "steam_small.csv:5: value 'abc' is not a number >= 0\n"));
  cr_assert_not_null(strstr(p.err, "steam_small.csv:12: expected 3 or 4 fields, found 2\n"));
  cr_assert_not_null(strstr(p.err, "steam_small.csv:18: value '-2' is not a number >= 0\n"));
  cr_assert_not_null(strstr(p.err, "eval: ease:min_users=1: chose ease:lambda="), "%s", p.err);
  cr_assert_not_null(strstr(p.out, "steam-200k): 47 rows, 5 malformed\n"), "%s", p.out);
  cr_assert_not_null(strstr(p.out, "8 users, 10 items, 40 interactions; 8 users evaluated"));
  char *path = gbt_path(out, "metrics.csv");
  cr_assert_not_null(strstr(p.out, path), "stdout ends with the file written");
  char *text = gbt_read_file(path, NULL);
  cr_assert_not_null(text);
  cr_assert_eq(strncmp(text, HEADER, strlen(HEADER)), 0, "%s", text);
  char line[1024], cell[256];
  const char *algos[] = {"popularity", "itemknn:k=10", "ease:min_users=1"};
  for (size_t i = 0; i < 3; i++) {
    nth_line(text, i + 1, line, sizeof line);
    field(line, 0, cell, sizeof cell);
    cr_assert_str_eq(cell, algos[i]);
    field(line, 2, cell, sizeof cell);
    cr_assert_str_eq(cell, "2", "k");
    field(line, 3, cell, sizeof cell);
    cr_assert_str_eq(cell, "8", "every user has 5 titles");
  }
  /* every user plays the five titles of one of two groups: the one held out is the only unseen
   * title of the group, and co-usage ranks it first */
  for (size_t i = 1; i < 3; i++) {
    nth_line(text, i + 1, line, sizeof line);
    field(line, 6, cell, sizeof cell);
    cr_assert_str_eq(cell, "1", "%s: ndcg", algos[i]);
    field(line, 4, cell, sizeof cell);
    cr_assert_str_eq(cell, "0.5", "%s: one hit in 2", algos[i]);
  }
  cr_assert_not(gbt_has_tmp_file(out));
  char gnuplot[4096];
  if (gb_plot_find_gnuplot(gnuplot, sizeof gnuplot, NULL) == 0) {
    char *png = gbt_path(out, "ndcg.png"), *svg = gbt_path(out, "ndcg.svg");
    cr_assert(gbt_exists(png) && gbt_exists(svg), "the plot");
    free(png);
    free(svg);
  }
  free(text);
  free(path);
  free(out);
  gbt_proc_free(&p);
}

/* metrics.csv without its last two columns (the seconds). */
static char *without_times(const char *path) {
  char *text = gbt_read_file(path, NULL);
  cr_assert_not_null(text);
  char *w = text;
  for (const char *r = text; *r;) {
    size_t len = strcspn(r, "\n");
    const char *end = r + len;
    int commas = 0;
    const char *cut = end;
    while (cut > r && commas < 2)
      if (*--cut == ',')
        commas++;
    memmove(w, r, (size_t)(cut - r));
    w += cut - r;
    *w++ = '\n';
    r = *end ? end + 1 : end;
  }
  *w = '\0';
  return text;
}

/* A generic log of 80 users over 30 items, popular items more likely, hours from a seeded
 * stream: no two items tie by construction, unlike the fixture's two symmetric groups, where
 * the last bits of a LAPACK inverse decide the order of exactly tied scores. */
static char *random_log(void) {
  char *path = gbt_path(tmp, "random.csv");
  FILE *f = fopen(path, "w");
  cr_assert_not_null(f);
  fputs("user,item,weight\n", f);
  gb_rng rng;
  gb_rng_seed(&rng, 2026, 12);
  for (int u = 0; u < 80; u++) {
    int n = 3 + (int)gb_rng_below(&rng, 8);
    for (int t = 0; t < n; t++) {
      double r = gb_rng_uniform(&rng);
      fprintf(f, "user%d,game%d,%.1f\n", u, (int)(30 * r * r), 0.1 + 50 * gb_rng_uniform(&rng));
    }
  }
  cr_assert_eq(fclose(f), 0);
  return path;
}

Test(eval_cli, the_numbers_do_not_depend_on_openblas_threads) {
  char *one = gbt_path(tmp, "one"), *two = gbt_path(tmp, "two"), *log = random_log();
  const char *algos = "ease:min_users=1,als:factors=8:iterations=3,rp3beta:k=5";
  gbt_proc p = gbt_shell("OPENBLAS_NUM_THREADS=1 '%s' eval -i '%s' -f generic -a %s -q -o '%s'",
                         GB_GAMEBENCH_EXE, log, algos, one);
  cr_assert_eq(p.status, 0, "%s", p.err);
  gbt_proc_free(&p);
  p = gbt_shell("OPENBLAS_NUM_THREADS=2 '%s' eval -i '%s' -f generic -a %s -q -o '%s'",
                GB_GAMEBENCH_EXE, log, algos, two);
  cr_assert_eq(p.status, 0, "%s", p.err);
  cr_assert_str_eq(p.err, "", "-q: nothing on stderr");
  gbt_proc_free(&p);
  char *a = gbt_path(one, "metrics.csv"), *b = gbt_path(two, "metrics.csv");
  char *ta = without_times(a), *tb = without_times(b);
  cr_assert_str_eq(ta, tb);
  cr_assert_not_null(strstr(ta, "als:factors=8:iterations=3,"), "%s", ta);
  free(ta);
  free(tb);
  free(a);
  free(b);
  free(one);
  free(two);
  free(log);
}

Test(eval_cli, quiet_keeps_the_malformed_rows) {
  char *out = gbt_path(tmp, "q");
  gbt_proc p = gbt_gamebench("eval -i '%s' -f steam-200k -a popularity -q -o '%s'", FIXTURE, out);
  cr_assert_eq(p.status, 0, "%s", p.err);
  cr_assert_str_eq(p.err, "gamebench eval: " FIXTURE ": 5 malformed rows skipped\n"
                          "  " FIXTURE ":5: value 'abc' is not a number >= 0\n"
                          "  " FIXTURE ":9: empty item\n"
                          "  " FIXTURE ":12: expected 3 or 4 fields, found 2\n"
                          "  " FIXTURE ":15: malformed quoting (a quote inside an unquoted field, "
                          "or text after a closing quote)\n"
                          "  " FIXTURE ":18: value '-2' is not a number >= 0\n");
  gbt_proc_free(&p);
  free(out);
}

/* gamebench ARGS exits 2 with msg on stderr and writes no DIR. */
static void expect_rejected(const char *args, const char *msg) {
  char *out = gbt_path(tmp, "never");
  gbt_proc p = gbt_gamebench("eval %s -q --out '%s'", args, out);
  cr_assert_eq(p.status, 2, "%s: exit %d: %s", args, p.status, p.err);
  cr_assert_not_null(strstr(p.err, msg), "%s: %s", args, p.err);
  cr_assert_str_eq(p.out, "");
  cr_assert_not(gbt_exists(out), "nothing written");
  gbt_proc_free(&p);
  free(out);
}

Test(eval_cli, bad_flags_exit_2_naming_them) {
  expect_rejected("--format steam-200k", "gamebench eval: --interactions FILE.csv is required\n");
  expect_rejected("--interactions x.csv", "gamebench eval: --format is required");
  expect_rejected("-i x.csv --format parquet",
                  "gamebench eval: --format: unknown format 'parquet' (known: steam-200k, "
                  "generic)\n");
  expect_rejected("-i x.csv -f generic --k 0", "--k");
  expect_rejected("-i x.csv -f generic --algos ease,slim",
                  "gamebench eval: --algos: unknown algorithm 'slim' (known: popularity, "
                  "itemknn, rp3beta, ease, als)\n");
  expect_rejected("-i x.csv -f generic --algos ease:lamda=3",
                  "gamebench eval: --algos: 'ease:lamda=3': ease: unknown parameter 'lamda' "
                  "(known: lambda, min_users, dropout)\n");
  expect_rejected("-i x.csv -f generic --algos als:factors=0",
                  "gamebench eval: --algos: 'als:factors=0': als: factors: 0 is outside [1, "
                  "4096]\n");
  expect_rejected("-i x.csv -f generic --algos popularity,,ease",
                  "gamebench eval: --algos: empty item in 'popularity,,ease'\n");
}

Test(eval_cli, bad_logs_exit_2_naming_the_file_and_line) {
  char *missing = gbt_path(tmp, "missing.csv");
  char args[4096];
  snprintf(args, sizeof args, "-i '%s' -f generic", missing);
  expect_rejected(args, "missing.csv: cannot open");
  snprintf(args, sizeof args, "-i '%s' -f generic", FIXTURE);
  expect_rejected(args, "steam_small.csv:1: not a generic header: expected 'user,item[,weight]'");
  char *bad = gbt_path(tmp, "bad.csv");
  gbt_write_file(bad, "user,item,weight\na,x,lots\nb\n");
  snprintf(args, sizeof args, "-i '%s' -f generic", bad);
  expect_rejected(args, "bad.csv: no usable row (2 malformed; first at line 2: weight 'lots' is "
                        "not a number >= 0)");
  char *few = gbt_path(tmp, "few.csv");
  gbt_write_file(few, "user,item\na,x\na,y\nb,x\n");
  snprintf(args, sizeof args, "-i '%s' -f generic", few);
  expect_rejected(args, "few.csv: eval: no user has 5 or more items (of 2 users)");
  free(missing);
  free(bad);
  free(few);
}

Test(eval_cli, help_lists_the_algorithms) {
  gbt_proc p = gbt_gamebench("eval --help");
  cr_assert_eq(p.status, 0);
  cr_assert_not_null(strstr(p.out, "usage: gamebench eval --interactions FILE.csv --format "
                                   "steam-200k|generic [options]"));
  const char *names[] = {"popularity", "itemknn", "rp3beta", "ease", "als", "--algos", "--seed"};
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
    cr_assert_not_null(strstr(p.out, names[i]), "%s", names[i]);
  gbt_proc_free(&p);
  p = gbt_gamebench("--help");
  cr_assert_not_null(strstr(p.out, "  eval       evaluate the batch recommenders offline"));
  gbt_proc_free(&p);
}
