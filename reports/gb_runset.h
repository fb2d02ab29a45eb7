/* gb_runset: several results directories loaded together and aligned by metric, arm and
 * stage, for comparisons (gb_compare) and reports over runs.
 *
 * Each directory given is one "run". A run directory written by `gamebench run --repeat N`
 * holds repeat-1/ … repeat-N/ (each a full results directory, loaded with gb_results_load) and
 * yields N repeats; any other results directory yields one repeat (itself). The top level of a
 * repeat directory (repeats.csv, the summary.csv of combined values) is not read: the values
 * are combined again from the repeats, by whoever needs them combined (gb_metric_combine).
 *
 * Alignment: the run set holds the union, over every repeat of every run, of the summary.csv
 * metric names (in order of first appearance: the first run's file order, then names only later
 * runs have), of the arms of arms.csv (the `arm` column, the "oracle" row included) and of the
 * latency stages (gb_results_stages). For run r and summary metric m, gb_runset_values gives
 * the vector of its repeats' values; for arm a and numeric column c of arms.csv, so does
 * gb_runset_arm_values. A repeat that lacks the metric, the arm or the column, or whose cell is
 * empty, contributes NaN ("absent"); a metric absent from every repeat of a run is all NaN.
 *
 * Errors (0, or -1 with gb_err): GB_ERR_INPUT naming the directory, and the file, line and
 * column where one applies — a directory that does not exist, a repeat directory whose
 * repeat-K/ folders are not exactly 1..N, any repeat's gb_results_load error (missing
 * summary.csv, a malformed file); GB_ERR_RUNTIME when out of memory. Everything returned is
 * owned by the run set and lives until gb_runset_free. */
#ifndef GB_RUNSET_H
#define GB_RUNSET_H

#include <stdbool.h>
#include <stddef.h>

#include "gb_err.h"
#include "gb_results.h"

typedef struct gb_runset gb_runset;

/* Loads dirs[0..n_dirs) (n_dirs >= 1) into *out (free with gb_runset_free). */
int gb_runset_load(const char *const *dirs, size_t n_dirs, gb_runset **out, gb_err *err);

/* Frees s and everything it holds; NULL is allowed. */
void gb_runset_free(gb_runset *s);

/* The number of runs (the n_dirs given), a run's directory as given, its number of repeats
 * (>= 1), and whether it was a repeat directory (repeat-1/ … present). */
size_t gb_runset_runs(const gb_runset *s);
const char *gb_runset_dir(const gb_runset *s, size_t run);
size_t gb_runset_repeats(const gb_runset *s, size_t run);
bool gb_runset_is_repeated(const gb_runset *s, size_t run);

/* Repeat `repeat` (0-based) of run `run`, loaded. */
const gb_results *gb_runset_results(const gb_runset *s, size_t run, size_t repeat);

/* ---- Summary metrics ---- */

/* The union of summary metric names. */
const char *const *gb_runset_metrics(const gb_runset *s, size_t *n);

/* Index of metric `name` in gb_runset_metrics; false when no run has it. */
bool gb_runset_find_metric(const gb_runset *s, const char *name, size_t *index);

/* The unit summary.csv gives metric `index` (the first non-empty one seen; "" if none). */
const char *gb_runset_unit(const gb_runset *s, size_t index);

/* Metric `index`'s values in run `run`: gb_runset_repeats(s, run) values, repeat order, NaN
 * where absent. */
const double *gb_runset_values(const gb_runset *s, size_t run, size_t index);

/* ---- arms.csv ---- */

/* The union of arm names. */
const char *const *gb_runset_arms(const gb_runset *s, size_t *n);

/* Index of arm `name`; false when no run has it. */
bool gb_runset_find_arm(const gb_runset *s, const char *name, size_t *index);

/* The numeric columns of arms.csv the run set aligns (use_rate, ctr, regret_vs_oracle, …: every
 * numeric field of gb_results_arm), as arms.csv names them. Static storage. */
const char *const *gb_runset_arm_columns(size_t *n);

/* Index of arms.csv column `name` in gb_runset_arm_columns; false when it is not one. */
bool gb_runset_find_arm_column(const char *name, size_t *index);

/* Column `column` of arm `arm` in run `run`: one value per repeat, NaN where absent. */
const double *gb_runset_arm_values(const gb_runset *s, size_t run, size_t arm, size_t column);

/* ---- Stages ---- */

/* The union of latency stage names (gb_results_stages of every repeat). */
const char *const *gb_runset_stages(const gb_runset *s, size_t *n);

#endif
