/* gb_sim_realism: the realism report — statistics of the simulated population, each next to its
 * target (docs/simulator.md lists them and where each target comes from).
 *
 * The simulator counts what the report needs as it generates events (integer sums only). A
 * gb_sim_realism collects those counts from one or more gb_sim instances (all the producers of a
 * run: the result does not depend on how the population was split) and computes the rows:
 * retention D1/D7/D14 (and D1 of the players who played a round), new players' rounds in their
 * first 14 days, session length distribution, rounds per session and sessions without a round,
 * sessions and events per active player-day, daily rhythm, game popularity, coin flow and
 * balance distribution.
 *
 * Used by `gamebench sim --realism` (printed) and by `gamebench run` (realism.csv in the results
 * directory: gb_realism_csv_write in bench/). Not thread-safe: fill it from one thread, after the
 * simulators are done (or between their steps). */
#ifndef GB_SIM_REALISM_H
#define GB_SIM_REALISM_H

#include <stddef.h>
#include <stdio.h>

#include "gb_err.h"
#include "gb_sim.h"

typedef struct gb_sim_realism gb_sim_realism;

/* One statistic. Strings are owned by the gb_sim_realism and live as long as it does. */
typedef struct gb_sim_realism_row {
  const char *statistic; /* e.g. "retention_d1", "game_share_dou_dizhu" */
  double value;          /* NaN when the run cannot measure it (see note) */
  double target;
  const char *unit;   /* "share", "min", "coins", "hour", "count", "ratio" */
  const char *source; /* where the target comes from: "workload", "model" or "start" */
  const char *note;   /* why value is NaN (e.g. "needs sim.duration >= 15d"), else NULL */
} gb_sim_realism_row;

/* Most rows a report has (gb_sim_realism_rows never returns more). */
enum { GB_SIM_REALISM_ROWS_MAX = 64 };

/* A report for simulations configured like cfg (its seed, players, start, duration and model;
 * producer and closed-loop fields are ignored). Returns 0, or -1 with GB_ERR_INPUT for a model
 * that gb_sim_model_check rejects, GB_ERR_RUNTIME when out of memory. */
int gb_sim_realism_new(const gb_sim_config *cfg, gb_sim_realism **out, gb_err *err);
void gb_sim_realism_free(gb_sim_realism *r);

/* Adds what s has counted so far, and the balances of its players now. Add each instance once. */
void gb_sim_realism_add(gb_sim_realism *r, const gb_sim *s);

/* Fills rows[0..cap) in a fixed order and returns how many rows the report has (at most
 * GB_SIM_REALISM_ROWS_MAX; rows beyond cap are not written). */
size_t gb_sim_realism_rows(const gb_sim_realism *r, gb_sim_realism_row *rows, size_t cap);

/* Prints the report as an aligned text table (statistic, value, target, unit, source, note). */
void gb_sim_realism_print(const gb_sim_realism *r, FILE *out);

#endif
