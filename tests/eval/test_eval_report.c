/* gb_eval_report: metrics.csv's header and rows exactly (written atomically), and the printed
 * table's lines. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gb_eval_report.h"
#include "gb_test_support.h"

static gb_eval_result result(void) {
  gb_eval_result r = {.test = {.users = 3,
                               .precision = 0.1,
                               .recall = 0.25,
                               .ndcg = 0.3125,
                               .map = 0.2,
                               .hit_rate = 2.0 / 3,
                               .coverage = 0.05},
                      .ndcg_lo = 0.25,
                      .ndcg_hi = 0.375,
                      .val_ndcg = 0.28,
                      .grid_points = 4,
                      .tune_s = 1.5,
                      .fit_s = 0.123456789};
  snprintf(r.spec, sizeof r.spec, "ease:lambda=200");
  snprintf(r.chosen, sizeof r.chosen, "ease:lambda=200:min_users=3:dropout=0.1");
  return r;
}

Test(eval_report, metrics_csv) {
  char *dir = gbt_tmpdir(), *path = gbt_path(dir, "metrics.csv");
  gb_eval_result r[2] = {result(), result()};
  snprintf(r[1].spec, sizeof r[1].spec, "itemknn:similarity=bm25");
  snprintf(r[1].chosen, sizeof r[1].chosen, "itemknn:similarity=bm25:k=0:k1=0.5:b=0.25");
  gb_err err = {0};
  cr_assert_eq(gb_eval_write_metrics(path, r, 2, 10, &err), 0, "%s", err.msg);
  char *text = gbt_read_file(path, NULL);
  cr_assert_str_eq(text, "algorithm,params,k,users,precision,recall,ndcg,ndcg_lo,ndcg_hi,map,"
                         "hit_rate,coverage,val_ndcg,grid_points,tune_s,fit_s\n"
                         "ease:lambda=200,ease:lambda=200:min_users=3:dropout=0.1,10,3,0.1,0.25,"
                         "0.3125,0.25,0.375,0.2,0.666667,0.05,0.28,4,1.5,0.123457\n"
                         "itemknn:similarity=bm25,itemknn:similarity=bm25:k=0:k1=0.5:b=0.25,10,3,"
                         "0.1,0.25,0.3125,0.25,0.375,0.2,0.666667,0.05,0.28,4,1.5,0.123457\n");
  cr_assert_not(gbt_has_tmp_file(dir));
  free(text);
  /* a directory that does not exist: a runtime error naming the file */
  char *bad = gbt_path(dir, "missing/metrics.csv");
  cr_assert_eq(gb_eval_write_metrics(bad, r, 1, 10, &err), -1);
  cr_assert_eq(err.kind, GB_ERR_RUNTIME);
  cr_assert_not_null(strstr(err.msg, "missing/metrics.csv"), "%s", err.msg);
  free(bad);
  gbt_rmtree(dir);
  free(path);
  free(dir);
}

Test(eval_report, the_table) {
  gb_eval_result r = result();
  gb_eval_counts c = {.users = 9,
                      .items = 7,
                      .interactions = 50,
                      .evaluated = 3,
                      .train = 44,
                      .test = 6,
                      .val_train = 39,
                      .val = 5};
  char *text = NULL;
  size_t len = 0;
  FILE *out = open_memstream(&text, &len);
  gb_eval_print_table(out, &c, &r, 1, 10);
  fclose(out);
  cr_assert_str_eq(text,
                   "9 users, 7 items, 50 interactions; 3 users evaluated: 44 training cells, 6 "
                   "held out (validation: 39 training, 5 held out)\n\n"
                   "algorithm           P@10     R@10  NDCG@10    (95% interval)   MAP@10    "
                   "HR@10 coverage    fit s  chosen\n"
                   "ease:lambda=200   0.1000   0.2500   0.3125  [0.2500, 0.3750]   0.2000   "
                   "0.6667   0.0500    0.123  ease:lambda=200:min_users=3:dropout=0.1\n");
  free(text);
}
