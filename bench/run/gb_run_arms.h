/* gb_run_arms: the per-arm results files (docs/results.md) — arms.csv (each arm's totals, its lift
 * over the random arm with a 95 % interval and a p-value, the headroom of the oracle over
 * random), arms_daily.csv (each arm over sim time) and challenges.csv (each arm by challenge) —
 * from the simulator's per-arm counts, merged over its threads (gb_sim.h). Every count is exact
 * and independent of threads, so the files are byte-identical whatever sim.threads,
 * engine.threads and the transport.
 *
 * The reference arm of every comparison is the first arm whose algorithm is "random"; without one,
 * the comparison columns are empty. Statistics: Wilson intervals of single rates
 * (gb_interval.h), the MOVER-R interval of the ratio of two use rates and the pooled
 * two-proportion z-test (gb_twoprop.h). They treat each prop as an independent trial: props of
 * the same player are not quite (a player who likes props uses several), so the intervals are
 * somewhat narrower than a cluster-aware method would give.
 *
 * Writers take plain structs (built from a run by gb_run_results.c, or by hand in tests), write
 * one file each into dir (atomically: gb_csv.h) and return 0, or -1 with a GB_ERR_RUNTIME error
 * (the file cannot be written, out of memory). Not thread-safe on the same dir and file. */
#ifndef GB_RUN_ARMS_H
#define GB_RUN_ARMS_H

#include <stddef.h>
#include <stdint.h>

#include "gb_catalog.h"
#include "gb_err.h"
#include "gb_sim.h"
#include "gb_workload.h"

/* Everything the three files are made of; the arrays are borrowed. */
typedef struct gb_run_arms {
  size_t n_arms;
  const gb_arm_config *arms;     /* [n_arms]: name and algorithm of each (weight unused) */
  const gb_sim_arm_stats *stats; /* [n_arms] */
  /* arms_daily.csv: n_periods periods of period_ms from start_ms (the last one ending at
   * start_ms + duration_ms), periods[arm * n_periods + period] */
  int64_t start_ms, duration_ms, period_ms;
  size_t n_periods;
  const gb_sim_arm_period *periods;
  /* challenges.csv: challenges[arm * n_challenge_slots + ordinal], the ordinals of catalog (NULL
   * allowed: then only the last slot), the last slot for ordinals outside it */
  const gb_catalog *catalog;
  size_t n_challenge_slots;
  const gb_sim_arm_challenge *challenges;
} gb_run_arms;

/* One arm compared with the reference arm (NaN where undefined, see docs/results.md). */
typedef struct gb_run_arm_lift {
  double lift;            /* use_rate / reference use_rate - 1 */
  double ci_low, ci_high; /* its 95 % interval (MOVER-R ratio interval minus 1) */
  double p_value;         /* two-sided, pooled two-proportion z-test of the two use rates */
  double expected_lift;   /* expected_use_rate / reference expected_use_rate - 1 */
} gb_run_arm_lift;

/* The index of the reference (first "random") arm, or n_arms when there is none. */
size_t gb_run_arms_reference(const gb_run_arms *a);

/* Arm `arm` compared with the reference arm `ref` (< n_arms). The reference compared with itself
 * has lift 0 and expected_lift 0 (when its rates are defined) and no interval or p-value: it is
 * the same sample, not a second one. */
gb_run_arm_lift gb_run_arms_lift(const gb_run_arms *a, size_t arm, size_t ref);

/* The run's headroom: the reference arm's oracle_use_rate / its expected_use_rate - 1, both over
 * the reference arm's own scored decisions (what a policy that always chose the best candidate
 * would have gained over random on the same decisions). NaN without a reference arm or with an
 * expected use rate of 0 or undefined. */
double gb_run_arms_headroom(const gb_run_arms *a);

/* arms.csv: one row per arm in workload order, then the oracle row. */
int gb_run_arms_write_totals(const char *dir, const gb_run_arms *a, gb_err *err);

/* arms_daily.csv: one row per arm and period, arm-major, every period of every arm. */
int gb_run_arms_write_daily(const char *dir, const gb_run_arms *a, gb_err *err);

/* challenges.csv: one row per arm and catalogue challenge, arm-major in catalogue order, plus a
 * row with an empty challenge for an arm that had props of ordinals outside the catalogue. */
int gb_run_arms_write_challenges(const char *dir, const gb_run_arms *a, gb_err *err);

/* The three files above. */
int gb_run_arms_write(const char *dir, const gb_run_arms *a, gb_err *err);

#endif
