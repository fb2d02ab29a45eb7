/* gb_eval_report: what `gamebench eval` writes — metrics.csv (docs/metrics.md describes its
 * columns) and the table it prints.
 *
 * metrics.csv: a header, then one row per algorithm in the order given:
 *   algorithm    the configuration as given (--algos item: "itemknn:similarity=bm25")
 *   params       the configuration fitted, every parameter ("itemknn:similarity=bm25:k=50:...")
 *   k, users     the cut-off and the number of evaluated users
 *   precision, recall, ndcg, map, hit_rate, coverage   at k, on the test split
 *   ndcg_lo, ndcg_hi   the 95 % percentile bootstrap interval of ndcg (resampling users)
 *   val_ndcg     validation NDCG@k of the chosen point
 *   grid_points  validation fits tried
 *   tune_s, fit_s   wall-clock seconds of the grid search and of the final fit
 * Numbers as gb_csv writes them (6 decimals at most, "C" locale). */
#ifndef GB_EVAL_REPORT_H
#define GB_EVAL_REPORT_H

#include <stddef.h>
#include <stdio.h>

#include "gb_err.h"
#include "gb_eval_run.h"

/* Writes metrics.csv's rows for r[0..n) at cut-off k to path, atomically (common/gb_afile.h).
 * Returns 0, or -1 with GB_ERR_RUNTIME naming the file when it cannot be written. */
int gb_eval_write_metrics(const char *path, const gb_eval_result *r, size_t n, size_t k,
                          gb_err *err);

/* Prints the protocol's counts and one line per algorithm (P, R, NDCG with its interval, MAP,
 * HR at k, coverage, fit seconds, the chosen parameters) to out. */
void gb_eval_print_table(FILE *out, const gb_eval_counts *c, const gb_eval_result *r, size_t n,
                         size_t k);

#endif
