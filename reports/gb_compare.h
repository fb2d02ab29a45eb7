/* gb_compare: `gamebench compare` — judges a new run against a baseline, metric by metric, as a
 * regression gate (docs/compare.md is the user's reference; this is the programmer's).
 *
 * Input: a run set (gb_runset) and which of its runs is the baseline and which the new one,
 * each with one or more repeats. What is judged: the metric registry's default-gated metrics
 * (gb_metric.h: `gated`, `tolerance`) and its verdicts, unless opts->no_defaults, plus every
 * rule given (a gate file's `metrics:` list), which can add metrics, override a registry row's
 * direction, kind and tolerance, or make a metric report-only. Each summary metric is one row;
 * each arm metric (a numeric column of arms.csv) one row per arm, labelled
 * "use_rate[popularity]".
 *
 * How each kind is judged (`worse` is the relative change new / base - 1 signed so that a
 * change in the metric's worse direction is positive):
 * - TIMING: the medians of each side's repeats; the change's 95 % interval by a seeded
 *   percentile bootstrap of median(new) / median(base) (gb_bootstrap_interval2); a one-sided
 *   Mann-Whitney U p-value in the worse direction (gb_mannwhitney: exact without ties), adjusted
 *   by Holm's step-down over the gated timing rows (gb_holm). A regression needs both: the
 *   adjusted p <= alpha AND worse > tolerance. worse > tolerance without significance is
 *   "inside noise" (passes); better by more than the tolerance with significance (the same
 *   test the other way, its own Holm family) is "improved". With fewer than min_repeats on
 *   either side a timing row is shown but "not judged". Direction none: the two-sided p, and a
 *   significant change beyond the tolerance is "changed" (fails).
 * - DETERMINISTIC: the medians compared (repeats of a fixed seed should be equal; a warning
 *   says when they are not): worse > tolerance is a regression; direction none: any change
 *   beyond the tolerance fails as "changed". A zero baseline makes any change infinite.
 * - VERDICT: the new run's worst repeat (gb_metric_combine) must pass, whatever the baseline:
 *   a higher-is-better verdict passes at >= 1 (rate_sustained), any other at <= 0 (events_lost).
 * - COUNT: shown, not gated; a rule with `gate: true` judges it like a timing metric.
 * - Absent (no value in any repeat, or only empty cells): present in the baseline but not in the
 *   new run is "missing" and fails when gated (a metric that disappears would otherwise hide
 *   its regressions) unless the rule allows it; present only in the new run is "new" (passes);
 *   a default-gated metric neither run has is left out, a rule's is "missing".
 *
 * Determinism: the same inputs and options give the same rows, bit for bit (the bootstrap is
 * seeded; nothing depends on time or threads). */
#ifndef GB_COMPARE_H
#define GB_COMPARE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "gb_err.h"
#include "gb_metric.h"
#include "gb_runset.h"

#define GB_COMPARE_DEFAULT_ALPHA 0.05
#define GB_COMPARE_DEFAULT_BOOTSTRAP                                                               \
  2000 /* resamples: bounds to about ±0.5 % of 5-repeat noise                                     \
        */
#define GB_COMPARE_DEFAULT_CONFIDENCE 0.95
/* 3 repeats a side is the fewest for which a one-sided exact U test can reach p = 0.05
 * (1 / C(6, 3) = 0.05); 2 a side cannot (1/6). */
#define GB_COMPARE_DEFAULT_MIN_REPEATS 3

enum { GB_COMPARE_REASON_MAX = 512 };

/* One entry of a gate file's `metrics:` list (bench/config/gb_gate.h loads them). */
typedef struct gb_compare_rule {
  const char *metric; /* a summary metric or arms.csv column; may hold "<stage>" (gb_metric.h) */
  const char *arm;    /* arm metrics: the one arm, or NULL for every arm */
  double tolerance;   /* relative change allowed in the worse direction; NaN: the registry's (0
                         for a metric not in the registry) */
  int direction;      /* a gb_metric_direction, or -1: the registry's */
  int kind;           /* a gb_metric_kind, or -1: the registry's */
  bool report_only;   /* gate: false — shown, never fails */
  bool allow_missing; /* a missing value in the new run passes */
  const char *where;  /* "gate.yaml:12: key 'metrics[2]'", prefixed to errors; may be NULL */
} gb_compare_rule;

typedef struct gb_compare_opts {
  double alpha;       /* family-wise error rate over the gated timing rows; 0: 0.05 */
  bool no_defaults;   /* judge only the rules, not the registry's default-gated metrics */
  bool all;           /* also show every other metric of either run, report-only */
  size_t bootstrap;   /* resamples of the interval; 0: GB_COMPARE_DEFAULT_BOOTSTRAP */
  double confidence;  /* of the interval, in (0, 1); 0: 0.95 */
  uint64_t seed;      /* of the bootstrap */
  size_t min_repeats; /* a side's repeats for a timing verdict, >= 2; 0: 3 */
  const gb_compare_rule *rules;
  size_t n_rules;
} gb_compare_opts;

typedef enum gb_compare_verdict {
  GB_COMPARE_OK,         /* within the tolerance (or not significantly beyond it, see NOISE) */
  GB_COMPARE_IMPROVED,   /* better by more than the tolerance (significantly, for timing) */
  GB_COMPARE_REGRESSION, /* worse beyond the tolerance (significantly), or a failed verdict */
  GB_COMPARE_NOISE,      /* timing: worse beyond the tolerance, not significantly: passes */
  GB_COMPARE_CHANGED,    /* direction none: changed beyond the tolerance */
  GB_COMPARE_MISSING,    /* no value in the new run */
  GB_COMPARE_NEW,        /* no value in the baseline */
  GB_COMPARE_NOT_JUDGED, /* timing with too few repeats */
  GB_COMPARE_INFO        /* report-only */
} gb_compare_verdict;

typedef struct gb_compare_row {
  const char *label;  /* "latency_e2e_p99_us", "use_rate[popularity]" */
  const char *metric; /* the summary metric or arms.csv column */
  const char *arm;    /* NULL for summary metrics */
  const char *unit;   /* summary.csv's unit ("" for arm metrics and unknown units) */
  gb_metric_kind kind;
  gb_metric_direction direction;
  bool gated;                 /* judged: can fail */
  double tolerance;           /* relative, in the worse direction */
  size_t n_base, n_new;       /* repeats with a value */
  double base, new_value;     /* combined values (gb_metric_combine); NaN when absent */
  double change;              /* new / base - 1 (not direction-signed); NaN when undefined */
  double ci_low, ci_high;     /* timing: the interval of change; NaN otherwise */
  double p, p_holm;           /* timing: one-sided p in the worse direction and adjusted */
  gb_compare_verdict verdict; /* */
  bool failed;                /* counts as a regression: REGRESSION, CHANGED or MISSING */
  char reason[GB_COMPARE_REASON_MAX]; /* one line for failures and notes; "" when none */
} gb_compare_row;

typedef struct gb_compare gb_compare;

/* Judges run `new_run` of s against run `base_run` into *out (free with gb_compare_free).
 * Returns 0, or -1 with an error: GB_ERR_INPUT for a rule that names a metric neither the
 * registry nor either run knows, gives `arm` to a summary metric, or lacks the kind or
 * direction a metric outside the registry needs (the message starts with the rule's `where`),
 * or bad options; GB_ERR_RUNTIME when out of memory. */
int gb_compare_new(const gb_runset *s, size_t base_run, size_t new_run, const gb_compare_opts *opt,
                   gb_compare **out, gb_err *err);

void gb_compare_free(gb_compare *c);

/* Rows in display order: summary metrics in the run set's order, then arm metrics (column by
 * column, arms in the run set's order). */
const gb_compare_row *gb_compare_rows(const gb_compare *c, size_t *n);

/* The number of failed rows (0: the gate passes). */
size_t gb_compare_failures(const gb_compare *c);

/* Notes about the comparison as a whole (e.g. too few repeats for any timing verdict), one line
 * each. */
const char *const *gb_compare_warnings(const gb_compare *c, size_t *n);

/* "ok", "improved", "regression", "inside noise", "changed", "missing", "new", "not judged",
 * "info". */
const char *gb_compare_verdict_name(gb_compare_verdict v);

/* ---- Output (gb_compare_out.c). Each returns 0, or -1 with GB_ERR_RUNTIME on a write error. */

/* The table for a terminal: metric, baseline, new, change, interval, p (Holm), verdict; the
 * warnings; one line per failed row naming the metric and why; then "compare: PASS" or
 * "compare: FAIL (n regressions: a, b)". */
int gb_compare_write_text(const gb_compare *c, FILE *out, gb_err *err);

/* The same as GitHub-flavoured Markdown (a pull-request comment or $GITHUB_STEP_SUMMARY). */
int gb_compare_write_markdown(const gb_compare *c, FILE *out, gb_err *err);

/* JUnit XML: one <testsuite name="gamebench compare">, one <testcase> per gated row, with a
 * <failure> holding the numbers for each failed one (GitLab and Jenkins read this). */
int gb_compare_write_junit(const gb_compare *c, FILE *out, gb_err *err);

#endif
