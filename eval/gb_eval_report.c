#include "gb_eval_report.h"

#include <string.h>

#include "gb_csv.h"

static const char *const COLUMNS[] = {
    "algorithm", "params", "k",        "users",    "precision", "recall",      "ndcg",   "ndcg_lo",
    "ndcg_hi",   "map",    "hit_rate", "coverage", "val_ndcg",  "grid_points", "tune_s", "fit_s",
};

static int write_row(gb_csv_writer *w, const gb_eval_result *r, size_t k, gb_err *err) {
  const gb_eval_metrics *m = &r->test;
  const double nums[] = {m->precision, m->recall,   m->ndcg,     r->ndcg_lo, r->ndcg_hi,
                         m->map,       m->hit_rate, m->coverage, r->val_ndcg};
  if (gb_csv_cell_str(w, r->spec, err) != 0 || gb_csv_cell_str(w, r->chosen, err) != 0 ||
      gb_csv_cell_i64(w, (int64_t)k, err) != 0 || gb_csv_cell_i64(w, (int64_t)m->users, err) != 0)
    return -1;
  for (size_t i = 0; i < sizeof nums / sizeof nums[0]; i++)
    if (gb_csv_cell_f64(w, nums[i], err) != 0)
      return -1;
  if (gb_csv_cell_i64(w, (int64_t)r->grid_points, err) != 0 ||
      gb_csv_cell_f64(w, r->tune_s, err) != 0 || gb_csv_cell_f64(w, r->fit_s, err) != 0)
    return -1;
  return gb_csv_end_row(w, err);
}

int gb_eval_write_metrics(const char *path, const gb_eval_result *r, size_t n, size_t k,
                          gb_err *err) {
  gb_csv_writer *w = NULL;
  if (gb_csv_writer_open(path, COLUMNS, sizeof COLUMNS / sizeof COLUMNS[0], &w, err) != 0)
    return -1;
  for (size_t i = 0; i < n; i++) {
    if (write_row(w, &r[i], k, err) != 0) {
      gb_csv_writer_discard(w);
      return -1;
    }
  }
  return gb_csv_writer_close(w, err);
}

void gb_eval_print_table(FILE *out, const gb_eval_counts *c, const gb_eval_result *r, size_t n,
                         size_t k) {
  fprintf(out,
          "%u users, %u items, %zu interactions; %zu users evaluated: %zu training cells, %zu "
          "held out (validation: %zu training, %zu held out)\n\n",
          c->users, c->items, c->interactions, c->evaluated, c->train, c->test, c->val_train,
          c->val);
  size_t width = strlen("algorithm");
  for (size_t i = 0; i < n; i++)
    if (strlen(r[i].spec) > width)
      width = strlen(r[i].spec);
  char h[6][16];
  const char *names[] = {"P", "R", "NDCG", "MAP", "HR"};
  for (size_t i = 0; i < 5; i++)
    snprintf(h[i], sizeof h[i], "%s@%zu", names[i], k);
  fprintf(out, "%-*s %8s %8s %8s %17s %8s %8s %8s %8s  %s\n", (int)width, "algorithm", h[0], h[1],
          h[2], "(95% interval)", h[3], h[4], "coverage", "fit s", "chosen");
  for (size_t i = 0; i < n; i++) {
    const gb_eval_metrics *m = &r[i].test;
    fprintf(out, "%-*s %8.4f %8.4f %8.4f  [%6.4f, %6.4f] %8.4f %8.4f %8.4f %8.3f  %s\n", (int)width,
            r[i].spec, m->precision, m->recall, m->ndcg, r[i].ndcg_lo, r[i].ndcg_hi, m->map,
            m->hit_rate, m->coverage, r[i].fit_s, r[i].chosen);
  }
}
