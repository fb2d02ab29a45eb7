/* gb_run: `gamebench run` — drives a workload through the whole closed loop and writes the
 * results directory (docs/results.md).
 *
 * Threads: sim.threads simulator producers and engine.threads engine shards, joined by the
 * transport; the calling thread shows progress and waits. Results are written into
 * "<dir>.partial" and renamed to <dir> only when every file is complete, so a failed run leaves
 * no half-written results directory behind. */
#ifndef GB_RUN_H
#define GB_RUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gb_err.h"
#include "gb_pipeline.h"
#include "gb_workload.h"

typedef struct gb_run_options {
  const char *out_dir; /* the results directory itself; NULL = <output.dir>/<name>-<UTC time> */
  bool quiet;          /* no progress line, no summary on stderr */
  bool no_report;      /* CSV and manifest only: no plots, no report.md/html */
  const char *control_path; /* operators' catalogue changes to send during the run (JSON lines,
                               gb_run_control.h); NULL: none */
  /* transport.kind kafka (gb_transport_kafka.h): */
  bool sim_only;            /* only the simulator (`gamebench sim --to kafka`): engines run
                               elsewhere (`gamebench engine`); engine-side counts are what
                               the engines acknowledged */
  const char *kafka_run_id; /* topic namespace; NULL: a new one for this run */
  /* sim_only split over processes (`gamebench sim --instance K/N`): this process runs the
   * simulator threads t (0-based, of sim.threads) with t % instances == instance (0-based:
   * K - 1); instances 0 or 1: all of them. sim.threads >= instances, else GB_ERR_INPUT. */
  unsigned instance, instances;
  const char *const *kafka_props; /* -X key=value, n_kafka_props of them */
  size_t n_kafka_props;
  /* Live HTTP (gb_live.h): POST /query and GET /metrics while the run goes on. */
  const char *http; /* "PORT" or "HOST:PORT"; NULL: no server */
  bool http_hold;   /* after the results are written, keep serving until SIGINT or
                       SIGTERM (queries on the final state) */
} gb_run_options;

typedef struct gb_run_outcome {
  char dir[4096]; /* the results directory written */
  uint64_t events_generated, events_processed, events_lost, events_rejected;
  bool rate_sustained;
  bool reconciled;     /* every event produced was consumed and accounted for */
  int interrupted;     /* SIGINT or SIGTERM stopped the simulator before its end (0: it ran to
                          its end): the results are complete and marked so (docs/results.md);
                          a second signal ends the process without results */
  double wall_seconds; /* from the start of the simulation to the end of the last thread */
  double cpu_seconds;  /* CPU time of the whole process (user + system, every thread) meanwhile */
} gb_run_outcome;

/* Runs the workload. Returns 0 when the results directory was written (check the outcome's
 * verdicts), or -1 with an error (GB_ERR_INPUT: e.g. a bad catalogue, an output.dir or --out
 * that cannot be written, checked before the run starts; nothing left behind).
 * SIGINT and SIGTERM are blocked in the calling thread and every thread of the run while it
 * goes on (the caller's mask is restored on return): a first one stops the simulator, the run
 * drains and writes its results marked interrupted (outcome->interrupted); a second one removes
 * the .partial directory and ends the process by that signal. */
int gb_run_execute(const gb_workload *w, const gb_run_options *opt, gb_run_outcome *outcome,
                   gb_err *err);

/* The engine shards' pipeline configuration for workload w: its catalogue, matcher, seed and
 * the arms (borrowed: they must outlive the pipelines), sized for w's players over n_shards
 * shards, and the store's apps (0: no store; gb_run_store_apps_of). The same for `gamebench
 * run` and `gamebench engine`. */
void gb_run_pipeline_config(const gb_workload *w, const gb_arms *arms, unsigned n_shards,
                            uint32_t store_apps, gb_pipeline_config *out);

/* The apps of w's store catalogue: 0 when sim.platform has no store; store.apps for a generated
 * one; the rows of store.catalog once loaded (GB_ERR_INPUT naming the file when it is bad). */
int gb_run_store_apps_of(const gb_workload *w, uint32_t *apps, gb_err *err);

/* mkdir -p: creates path and its missing parents. 0, or -1 with a runtime error. */
int gb_run_mkdir_p(const char *path, gb_err *err);

/* Removes a (partial) results directory tree, depth first, not following links. */
void gb_run_remove_tree(const char *path);

#endif
