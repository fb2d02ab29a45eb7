/* gb_results: a results directory (schema 1, docs/results.md) loaded into memory, from the
 * files alone, so that reports and comparisons can be regenerated for old runs.
 *
 * summary.csv is required; manifest.json, latency.csv, timeline.csv, arms.csv, partitions.csv,
 * arms_daily.csv and challenges.csv are optional
 * (gb_results_has says which were present). A file that is present but malformed is an error.
 * Columns are found by name: extra columns are ignored, so later schema additions do not break
 * older readers. Every string and array returned below is owned by the gb_results and lives
 * until gb_results_free. Undefined numbers (empty cells, absent optional columns) are NaN. */
#ifndef GB_RESULTS_H
#define GB_RESULTS_H

#include <stdbool.h>
#include <stddef.h>

#include "gb_err.h"

enum { GB_RESULTS_SCHEMA = 1 /* the manifest "schema" this reader understands */ };

typedef struct gb_results gb_results;

typedef enum gb_results_file {
  GB_RESULTS_MANIFEST,   /* manifest.json */
  GB_RESULTS_SUMMARY,    /* summary.csv (always present once loaded) */
  GB_RESULTS_LATENCY,    /* latency.csv */
  GB_RESULTS_TIMELINE,   /* timeline.csv */
  GB_RESULTS_ARMS,       /* arms.csv */
  GB_RESULTS_PARTITIONS, /* partitions.csv */
  GB_RESULTS_ARMS_DAILY, /* arms_daily.csv */
  GB_RESULTS_CHALLENGES  /* challenges.csv */
} gb_results_file;

/* Loads the results directory dir into *out (free it with gb_results_free). Returns 0, or -1
 * with an error (*out then unchanged): GB_ERR_INPUT when dir is not a directory, summary.csv is
 * missing, or a present file is malformed (the message names the file, and the line and column
 * or field where it applies); GB_ERR_RUNTIME when out of memory. */
int gb_results_load(const char *dir, gb_results **out, gb_err *err);

/* What the commands that read results directories (report, compare, query) check first: dir is
 * not an unfinished "<name>.partial" directory (a run still writing it, or one that was
 * killed), which may lack files or hold half of them. 0, or -1 with GB_ERR_INPUT naming dir.
 * (gb_results_load itself reads one: the run reports on its .partial before renaming it.) */
int gb_results_check_finished(const char *dir, gb_err *err);

/* Frees r and everything it holds; NULL is allowed. */
void gb_results_free(gb_results *r);

/* The directory given to gb_results_load. */
const char *gb_results_dir(const gb_results *r);

/* The file name (e.g. "timeline.csv") of f. */
const char *gb_results_file_name(gb_results_file f);

/* Whether file f was present (and therefore loaded). */
bool gb_results_has(const gb_results *r, gb_results_file f);

/* ---- manifest.json: flattened to dotted keys --------------------------------------------- */

/* One manifest value. Nested objects are flattened: {"machine": {"cores": 8}} gives the key
 * "machine.cores"; objects inside arrays are indexed ("workload.arms[1].name"); arrays of
 * scalars are joined with ", ". `text` is the value as text (strings unquoted, null as "null",
 * booleans "true"/"false", numbers via gb_csv_format_double); `number` is the numeric value or
 * NaN for non-numbers. */
typedef struct gb_results_entry {
  const char *key;
  const char *text;
  double number;
} gb_results_entry;

/* All entries, top-level fields first in document order, then nested objects' fields (breadth
 * first). *n = 0 when there was no manifest.json. */
const gb_results_entry *gb_results_manifest(const gb_results *r, size_t *n);

/* The entry with that dotted key, or NULL. */
const gb_results_entry *gb_results_manifest_get(const gb_results *r, const char *key);

/* ---- summary.csv: metric,value,unit ------------------------------------------------------ */

typedef struct gb_results_metric {
  const char *name;
  double value; /* NaN when the cell was empty */
  const char *unit;
} gb_results_metric;

/* All metrics in file order. */
const gb_results_metric *gb_results_metrics(const gb_results *r, size_t *n);

/* The value of metric name, or NaN when it is absent or empty. */
double gb_results_metric_value(const gb_results *r, const char *name);

/* ---- latency.csv: stage,corrected,percentile,value_us,total_count ------------------------ */

typedef struct gb_results_point {
  double percentile;  /* in percent, [0, 100] */
  double value_us;    /* latency at that percentile, microseconds */
  double total_count; /* samples at or below value_us (NaN without a total_count column) */
} gb_results_point;

/* One stage's spectrum, corrected for coordinated omission (from the intended send time) or
 * not (from the actual send time); points sorted by increasing percentile. */
typedef struct gb_results_spectrum {
  const char *stage;
  bool corrected;
  size_t n;
  const gb_results_point *points;
} gb_results_spectrum;

/* Spectra in order of first appearance in latency.csv; *n = 0 without latency.csv. */
const gb_results_spectrum *gb_results_spectra(const gb_results *r, size_t *n);

/* Stage names with latency data: first those named by summary metrics
 * "latency_<stage>[_uncorrected]_{p50,p99,p999,max}_us" in file order, then any further stages
 * of latency.csv. */
const char *const *gb_results_stages(const gb_results *r, size_t *n);

/* ---- timeline.csv: interval_start_s,stage,events,throughput_eps,p50_us,p99_us ------------- */

typedef struct gb_results_interval {
  double start_s;        /* interval start, seconds since the start of the measured run */
  double events;         /* events completed in the interval (NaN without the column) */
  double throughput_eps; /* events per second over the interval */
  double p50_us, p99_us; /* latency percentiles within the interval (NaN without the column) */
} gb_results_interval;

typedef struct gb_results_series {
  const char *stage;
  size_t n;
  const gb_results_interval *rows; /* sorted by start_s */
} gb_results_series;

/* One series per stage in order of first appearance; *n = 0 without timeline.csv. */
const gb_results_series *gb_results_timeline(const gb_results *r, size_t *n);

/* ---- arms.csv: one row per A/B arm (and possibly an "oracle" row) ------------------------ */

typedef struct gb_results_arm {
  const char *arm;
  const char *algorithm; /* "" when the cell is empty; "oracle" for the oracle row */
  double players, decisions;
  double props_generated, props_shown, props_used, props_discarded, props_expired, props_completed;
  double use_rate, use_rate_ci_low, use_rate_ci_high; /* fractions in [0, 1] */
  double ctr, ctr_ci_low, ctr_ci_high;                /* fractions in [0, 1] */
  double lift_vs_random;                              /* relative: 0.25 = +25 % */
  double expected_use_rate, oracle_use_rate;          /* fractions in [0, 1] */
  double regret_vs_oracle;                            /* oracle minus expected use rate */
  double lift_ci_low, lift_ci_high;                   /* 95 % interval of lift_vs_random */
  double lift_p_value;            /* two-proportion z-test of use_rate against random's */
  double expected_lift_vs_random; /* of expected_use_rate, relative */
  double headroom; /* the random arm's oracle_use_rate over its expected_use_rate, minus 1 */
} gb_results_arm;

/* Arms in file order; *n = 0 without arms.csv. */
const gb_results_arm *gb_results_arms(const gb_results *r, size_t *n);

/* ---- arms_daily.csv: one row per arm and period of sim time ------------------------------ */

typedef struct gb_results_arm_period {
  const char *arm, *algorithm;
  double period;                /* index from the run's start (required) */
  double period_s;              /* its length in sim seconds */
  double day;                   /* sim day from the run's start */
  const char *date, *start_utc; /* UTC date and time of the period's start ("" when absent) */
  double decisions, scored, props_generated, props_used, props_completed;
  double use_rate, use_rate_ci_low, use_rate_ci_high; /* use_rate is required (may be empty) */
  double expected_use_rate, oracle_use_rate;
} gb_results_arm_period;

/* Rows in file order; *n = 0 without arms_daily.csv. */
const gb_results_arm_period *gb_results_arm_periods(const gb_results *r, size_t *n);

/* ---- challenges.csv: one row per arm and challenge --------------------------------------- */

typedef struct gb_results_challenge {
  const char *arm, *algorithm;
  const char *challenge, *game; /* "" when empty (a challenge outside the catalogue; any game) */
  double difficulty, reward_coins;
  double props_generated, props_share, props_used, props_completed; /* props_generated required */
  double use_rate, use_rate_ci_low, use_rate_ci_high;
  double mean_use_probability;
} gb_results_challenge;

/* Rows in file order; *n = 0 without challenges.csv. */
const gb_results_challenge *gb_results_challenges(const gb_results *r, size_t *n);

/* ---- partitions.csv: one row per transport partition (reconciliation, in events) ---------- */

typedef struct gb_results_partition {
  double partition;
  double sent, produced, failed, acknowledged;             /* the simulator's side */
  double consumed, delivered, replayed, redelivered, gaps; /* the engine's side */
  double lost; /* events sent that never reached the engine */
} gb_results_partition;

/* Partitions in file order; *n = 0 without partitions.csv. Columns other than partition and
 * lost may be absent (NaN). */
const gb_results_partition *gb_results_partitions(const gb_results *r, size_t *n);

#endif
