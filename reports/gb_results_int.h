/* gb_results' private parts, shared by its files: the loaded directory and the helpers that read
 * its CSV files by column name. gb_results.c loads the directory (manifest, summary, latency,
 * timeline, partitions); gb_results_arms.c the per-arm files (arms.csv, arms_daily.csv,
 * challenges.csv). Not for other modules. */
#ifndef GB_RESULTS_INT_H
#define GB_RESULTS_INT_H

#include "gb_results.h"

#include <stdbool.h>
#include <stddef.h>

#include "gb_csv.h"

enum { GB_RESULTS_N_FILES = GB_RESULTS_CHALLENGES + 1 };

/* A growable array: items, count, capacity. */
typedef struct points_buf {
  gb_results_point *items;
  size_t n, cap;
} points_buf;

typedef struct rows_buf {
  gb_results_interval *items;
  size_t n, cap;
} rows_buf;

struct gb_results {
  char *dir;
  bool has[GB_RESULTS_N_FILES];
  char **strings; /* every string handed out, freed together */
  size_t n_strings, cap_strings;
  gb_results_entry *entries;
  size_t n_entries, cap_entries;
  gb_results_metric *metrics;
  size_t n_metrics, cap_metrics;
  gb_results_spectrum *spectra;
  points_buf *spectra_points; /* parallel to spectra */
  size_t n_spectra, cap_spectra, cap_spectra_points;
  const char **stages;
  size_t n_stages, cap_stages;
  gb_results_series *series;
  rows_buf *series_rows; /* parallel to series */
  size_t n_series, cap_series, cap_series_rows;
  gb_results_arm *arms;
  size_t n_arms, cap_arms;
  gb_results_partition *partitions;
  size_t n_partitions, cap_partitions;
  gb_results_arm_period *arm_periods;
  size_t n_arm_periods, cap_arm_periods;
  gb_results_challenge *challenges;
  size_t n_challenges, cap_challenges;
};

/* "<what>: out of memory" (GB_ERR_RUNTIME); returns -1. */
int gb_results_oom(gb_err *err, const char *what);

/* Copies s (s[0..len)) into the results' string pool; NULL when out of memory. */
const char *gb_results_keep_n(gb_results *r, const char *s, size_t len);
const char *gb_results_keep(gb_results *r, const char *s);

/* Column indices for one file: required ones must exist; optional ones may be absent. */
typedef struct gb_results_column {
  const char *name;
  bool required;
  bool present;
  size_t index;
} gb_results_column;

/* Finds cols[0..n) in t's header: -1 with a GB_ERR_INPUT error naming the file and a missing
 * required column. */
int gb_results_find_columns(const gb_csv_table *t, gb_results_column *cols, size_t n, gb_err *err);

/* The number in column c of row (NaN when the column is absent or the cell empty); -1 with a
 * GB_ERR_INPUT error (file, line, column) when the cell is not a number. */
int gb_results_number(const gb_csv_table *t, size_t row, const gb_results_column *c, double *out,
                      gb_err *err);

/* Like gb_results_number, but an empty cell is an error. */
int gb_results_need_number(const gb_csv_table *t, size_t row, const gb_results_column *c,
                           double *out, gb_err *err);

/* The text of column c of row, NULL with an error when it is empty. */
const char *gb_results_need_text(const gb_csv_table *t, size_t row, const gb_results_column *c,
                                 gb_err *err);

/* The loaders of gb_results_arms.c: each adds the rows of its table to r. */
int gb_results_load_arms(gb_results *r, const gb_csv_table *t, gb_err *err);
int gb_results_load_arms_daily(gb_results *r, const gb_csv_table *t, gb_err *err);
int gb_results_load_challenges(gb_results *r, const gb_csv_table *t, gb_err *err);

#endif
