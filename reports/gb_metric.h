/* gb_metric: the metric registry — one table of every metric a results directory holds in
 * summary.csv (and, per arm, in arms.csv): its name, unit, direction, kind and meaning.
 *
 * The table drives the summary.csv writer (a metric it does not know is a programming error),
 * `run --repeat`'s combination of repeats, the report's tables, `gamebench compare`'s default
 * gate and the metric tables of docs/results.md (a test keeps the page and the table equal).
 * Adding a metric is one row in gb_metric.c.
 *
 * Names: a row's name may hold the placeholder "<stage>", which stands for one stage name
 * (lower-case [a-z0-9_], e.g. "e2e", "decision"): "latency_<stage>_p99_us" matches
 * "latency_e2e_p99_us". Exact rows win over patterns. Arm metrics (scope GB_METRIC_ARM) are the
 * numeric columns of arms.csv, one value per arm. */
#ifndef GB_METRIC_H
#define GB_METRIC_H

#include <stdbool.h>
#include <stddef.h>

/* Which way is better. NONE: a change is neither better nor worse, only different (e.g. the
 * number of events a workload generates: a change means the workload or the simulator changed). */
typedef enum gb_metric_direction {
  GB_METRIC_LOWER_BETTER,
  GB_METRIC_HIGHER_BETTER,
  GB_METRIC_NONE
} gb_metric_direction;

/* How a metric behaves across repeats of the same workload and seed, and so how it is judged:
 * - TIMING: wall-clock measures (latencies, rates, durations, memory): noisy; repeats combine
 *   by the median; compare judges medians with a bootstrap interval and a Mann-Whitney U test.
 * - DETERMINISTIC: fixed by the workload and seed (events generated, use rates, instructions per
 *   event): repeats are equal; compare judges them exactly (up to the row's tolerance).
 * - VERDICT: pass/fail facts of a run (rate sustained, events lost): repeats combine by the
 *   worst; compare fails whenever the new run fails the verdict, whatever the baseline.
 * - COUNT: counts that depend on timing or scheduling (backpressure waits, samples recorded):
 *   reported, combined by the median, not gated by default. */
typedef enum gb_metric_kind {
  GB_METRIC_TIMING,
  GB_METRIC_DETERMINISTIC,
  GB_METRIC_VERDICT,
  GB_METRIC_COUNT
} gb_metric_kind;

/* Where the metric lives. */
typedef enum gb_metric_scope {
  GB_METRIC_SUMMARY, /* summary.csv: one value per run */
  GB_METRIC_ARM      /* arms.csv: one value per arm (the column named `name`) */
} gb_metric_scope;

typedef struct gb_metric_def {
  const char *name; /* exact, or with "<stage>" (see above) */
  const char *unit; /* summary.csv's unit column: "events", "us", "bool", "fraction", ... */
  gb_metric_direction direction;
  gb_metric_kind kind;
  gb_metric_scope scope;
  /* compare's default gate: whether the metric is judged without a gate file, and the relative
   * change tolerated in the worse direction (0.05 = 5 %; 0 = exact). Verdicts ignore it. */
  bool gated;
  double tolerance;
  const char *meaning; /* one line of Markdown: docs/results.md's "meaning" column */
} gb_metric_def;

/* Every row, in documentation order (summary.csv's order for summary metrics). Static storage. */
const gb_metric_def *gb_metric_all(size_t *n);

/* The row that defines the metric `name` in `scope`: the exact row, else the first pattern
 * that matches; NULL when none does. Static storage. */
const gb_metric_def *gb_metric_find(const char *name, gb_metric_scope scope);

/* Whether name matches the row's name (exactly, or with "<stage>" standing for one stage name). */
bool gb_metric_matches(const gb_metric_def *def, const char *name);

/* Combines n (>= 1) repeats' values of a metric into the headline value: VERDICT takes the worst
 * (by direction: the minimum when higher is better, else the maximum), every other kind the
 * median (gb_quantile's rule: the mean of the two middle values for an even count). NaN values
 * (a repeat that lacks the metric) are left out; all NaN gives NaN. def NULL (a metric not in
 * the registry) combines by the median. v is reordered. */
double gb_metric_combine(const gb_metric_def *def, double *v, size_t n);

/* Names of the enum values as docs and gate files spell them: "lower", "higher", "none";
 * "timing", "deterministic", "verdict", "count". */
const char *gb_metric_direction_name(gb_metric_direction d);
const char *gb_metric_kind_name(gb_metric_kind k);

#endif
