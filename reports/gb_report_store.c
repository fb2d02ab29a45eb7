/* The report's Steam-style store sections: each arm's slates (store_arms.csv) and the store's
 * realism against the real Steam log (store_realism.csv), docs/results.md. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gb_csv.h"
#include "gb_path.h"
#include "gb_report_int.h"

/* The table dir/name, or NULL when absent (a card run) or unreadable (said in the report). */
static gb_csv_table *read_table(gb_doc *d, const gb_results *r, const char *name) {
  char *path = gb_path_join(gb_results_dir(r), name);
  gb_csv_table *t = NULL;
  gb_err err = {0};
  FILE *f = path ? fopen(path, "r") : NULL;
  if (f) {
    fclose(f);
    if (gb_csv_table_read(path, &t, &err) != 0) {
      char line[GB_ERR_MSG_MAX + 64];
      snprintf(line, sizeof line, "%s could not be read: %s", name, err.msg);
      gb_doc_para(d, line);
    }
  }
  free(path);
  return t;
}

/* The cell of column name in row (the empty text when the column is absent). */
static const char *cell(const gb_csv_table *t, size_t row, const char *name) {
  size_t col = 0;
  return gb_csv_table_find(t, name, &col) ? gb_csv_table_cell(t, row, col) : "";
}

static double number(const gb_csv_table *t, size_t row, const char *name) {
  const char *s = cell(t, row, name);
  return s[0] ? strtod(s, NULL) : NAN;
}

static void rate_cell(const gb_csv_table *t, size_t row, const char *col, char *buf, size_t cap) {
  char lo[64], hi[64];
  snprintf(lo, sizeof lo, "%s_ci_low", col);
  snprintf(hi, sizeof hi, "%s_ci_high", col);
  gb_doc_rate_with_ci(number(t, row, col), number(t, row, lo), number(t, row, hi), buf, cap);
}

static void fixed_cell(const gb_csv_table *t, size_t row, const char *col, int decimals, char *buf,
                       size_t cap) {
  gb_doc_fixed(number(t, row, col), decimals, buf, cap);
}

static void write_store_arms(gb_doc *d, const gb_results *r) {
  gb_csv_table *t = read_table(d, r, "store_arms.csv");
  if (!t)
    return;
  gb_doc_heading(d, 2, "Store: slates per arm");
  static const char *const headers[] = {"arm",
                                        "algorithm",
                                        "slates",
                                        "CTR@k (95 % CI)",
                                        "conversion (95 % CI)",
                                        "revenue / visit",
                                        "coverage",
                                        "novelty (bits)",
                                        "NDCG@k",
                                        "recall@k",
                                        "expected purchases / slate",
                                        "regret vs oracle"};
  enum { N = sizeof headers / sizeof headers[0] };
  gb_doc_table_begin(d, headers, N);
  for (size_t i = 0; i < gb_csv_table_rows(t); i++) {
    char c[N][GB_DOC_CELL_MAX];
    snprintf(c[0], sizeof c[0], "%s", cell(t, i, "arm"));
    snprintf(c[1], sizeof c[1], "%s", cell(t, i, "algorithm"));
    snprintf(c[2], sizeof c[2], "%s", cell(t, i, "slates"));
    rate_cell(t, i, "ctr_at_k", c[3], sizeof c[3]);
    rate_cell(t, i, "conversion", c[4], sizeof c[4]);
    fixed_cell(t, i, "revenue_per_visit", 2, c[5], sizeof c[5]);
    gb_doc_percent(number(t, i, "coverage"), c[6], sizeof c[6]);
    fixed_cell(t, i, "novelty_bits", 2, c[7], sizeof c[7]);
    fixed_cell(t, i, "ndcg_at_k", 3, c[8], sizeof c[8]);
    fixed_cell(t, i, "recall_at_k", 3, c[9], sizeof c[9]);
    fixed_cell(t, i, "expected_purchases_per_slate", 3, c[10], sizeof c[10]);
    fixed_cell(t, i, "regret_vs_oracle", 3, c[11], sizeof c[11]);
    const char *cells[N];
    for (size_t k = 0; k < N; k++)
      cells[k] = c[k];
    gb_doc_row(d, cells, N, false);
  }
  gb_doc_table_end(d);
  gb_doc_para(d, "CTR@k: clicks per app shown; conversion: slates from which the player bought "
                 "(95 % Wilson intervals); NDCG@k and recall@k against the apps each player "
                 "bought after the slate; the oracle row: the slate of most expected purchases "
                 "under the ground truth (docs/results.md, store_arms.csv).");
  gb_csv_table_free(t);
}

static void write_store_realism(gb_doc *d, const gb_results *r) {
  gb_csv_table *t = read_table(d, r, "store_realism.csv");
  if (!t)
    return;
  gb_doc_heading(d, 2, "Store realism");
  static const char *const headers[] = {"statistic", "simulated", "real (or bound)", "unit",
                                        "note"};
  enum { N = sizeof headers / sizeof headers[0] };
  gb_doc_table_begin(d, headers, N);
  for (size_t i = 0; i < gb_csv_table_rows(t); i++) {
    const char *cells[N] = {cell(t, i, "statistic"), cell(t, i, "value"), cell(t, i, "target"),
                            cell(t, i, "unit"), cell(t, i, "note")};
    gb_doc_row(d, cells, N, false);
  }
  gb_doc_table_end(d);
  gb_doc_para(d, "The simulated store's libraries next to the real Steam log (store.reference); "
                 "the _ks rows are Kolmogorov-Smirnov distances, calibrated to at most 0.05.");
  gb_csv_table_free(t);
}

void gb_report_write_store(gb_doc *d, const gb_results *r) {
  write_store_arms(d, r);
  write_store_realism(d, r);
}
