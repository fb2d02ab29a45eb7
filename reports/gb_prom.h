/* gb_prom: a run's live figures as Prometheus text exposition (format 0.0.4), for GET /metrics.
 *
 * The caller copies its counters into a plain snapshot (no locks here: it is the caller's copy)
 * and renders it. The metric names are an interface: the Grafana dashboard
 * (deploy/grafana/dashboards/gamebench.json) queries them.
 *
 *   gamebench_run_info{workload="…",transport="…"} 1                    gauge
 *   gamebench_uptime_seconds                                             gauge
 *   gamebench_events_{generated,consumed,processed,rejected,late,
 *                     duplicate,replayed}_total                          counters
 *   gamebench_decisions_total, gamebench_props_total                     counters
 *   gamebench_latency_seconds{stage="…",quantile="0.5|0.9|0.99|0.999"}  summary (_sum, _count)
 *   gamebench_latency_max_seconds{stage="…"}                             gauge
 *
 * Each family has its HELP and TYPE lines, in the order above; the latency families are left out
 * when there is no stage. Label values are escaped (backslash, double quote, newline as \\, \",
 * \n); numbers are written in the shortest form that reads back to the same double, NaN and
 * infinities as NaN, +Inf and -Inf (a stage with no sample has NaN quantiles, as Prometheus's own
 * clients write them). No timestamps: the scrape's time is the sample's. */
#ifndef GB_PROM_H
#define GB_PROM_H

#include <stddef.h>
#include <stdint.h>

#include "gb_err.h"

/* The Content-Type of the rendered text. */
#define GB_PROM_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

/* One latency stage (bench/run/gb_stages.h's names): seconds. */
typedef struct gb_prom_stage {
  const char *stage;  /* label value: the stage's name */
  uint64_t count;     /* samples recorded */
  double sum_seconds; /* their sum */
  double p50_s, p90_s, p99_s, p999_s, max_s;
} gb_prom_stage;

typedef struct gb_prom_snapshot {
  const char *workload, *transport; /* labels of gamebench_run_info (NULL: "") */
  double uptime_seconds;
  uint64_t events_generated, events_consumed, events_processed, events_rejected, events_late,
      events_duplicate, events_replayed, decisions, props;
  const gb_prom_stage *stages; /* n_stages of them, in the order written; NULL when 0 */
  size_t n_stages;
} gb_prom_snapshot;

/* Renders s as exposition text into *out (malloc'd, NUL-terminated; the caller frees it) and its
 * length in bytes into *len. Returns 0, or -1 with GB_ERR_RUNTIME when out of memory (*out and
 * *len are then unchanged). Reads s only; thread-safe on distinct outputs. */
int gb_prom_render(const gb_prom_snapshot *s, char **out, size_t *len, gb_err *err);

#endif
