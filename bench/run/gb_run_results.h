/* gb_run_results: writes a run's results files (docs/results.md) from the run's merged
 * measurements: summary.csv, partitions.csv, latency.csv, arms.csv, arms_daily.csv,
 * challenges.csv (those three through gb_run_arms.h), aggregates.csv, decisions.csv,
 * dead_letter.jsonl and manifest.json. Every file is written atomically (see
 * common/gb_afile.h).
 */
#ifndef GB_RUN_RESULTS_H
#define GB_RUN_RESULTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gb_agg.h"
#include "gb_catalog.h"
#include "gb_decision_log.h"
#include "gb_err.h"
#include "gb_fingerprint.h"
#include "gb_hist.h"
#include "gb_run_ope.h"
#include "gb_shard.h"
#include "gb_sim.h"
#include "gb_stages.h"
#include "gb_timeline.h"
#include "gb_transport.h"
#include "gb_workload.h"

enum { GB_CORRECTED = 0, GB_UNCORRECTED = 1 };

typedef struct gb_run_stage_hists {
  gb_hist *h[GB_STAGE__COUNT][2]; /* [stage][GB_CORRECTED | GB_UNCORRECTED] */
  gb_hist *warmup;                /* e2e (corrected) of the warm-up samples */
  uint64_t warmup_samples;
  gb_timeline *timeline; /* corrected latencies per interval, warm-up included */
} gb_run_stage_hists;

/* One results directory a merged one was made of (manifest.json's "merged_from"). */
typedef struct gb_run_part {
  const char *dir;
  unsigned instance, instances; /* 0-based instance of `instances`; instances 0: a whole run */
} gb_run_part;

/* A message engines in other processes rejected (`gamebench sim --to kafka`: read back from
 * the dead-letter topic, docs/kafka.md). */
typedef struct gb_run_dead_letter {
  char *topic; /* the event topic's channel ("card", "steam", ...) */
  unsigned partition;
  int64_t offset;
  uint64_t length; /* the message's length; payload holds its first len bytes */
  char *reason;
  char *payload; /* NUL-terminated copy */
  size_t len;
  bool sequenced; /* part of a simulator thread's stream (else a foreign message) */
} gb_run_dead_letter;

/* Everything the result files are made of. */
typedef struct gb_run_totals {
  uint64_t events_generated, events_sent, events_consumed, events_processed, events_rejected,
      events_duplicate, events_lost;
  uint64_t events_replayed; /* re-read to rebuild state after a partition moved: not in the
                               counts above */
  uint64_t events_late;     /* kept out of the stats cube (gb_agg_events_late of the merged agg) */
  uint64_t decisions, answers_received, props_generated, catalog_updates;
  uint64_t backpressure_waits, unexpected_answers;
  double target_rate_eps, achieved_rate_eps;
  bool rate_sustained;
  bool backlog_growing;        /* part of the rate verdict */
  uint64_t backlog_max;        /* events sent but not yet received, largest sample */
  double backlog_last_quarter; /* mean over the last quarter of the run */
  double warmup_seconds;
  double wall_seconds, sim_seconds;
  /* A run stopped by a signal (SIGINT or SIGTERM: its number; 0: ran to its end) and the sim
   * time it reached (seconds after sim.start): sim_seconds is that, not sim.duration. */
  int interrupted;
  double sim_reached_seconds;
  int64_t start_wall_ns, end_wall_ns;
  const gb_run_stage_hists *hists;
  const gb_sim_arm_stats *arms; /* [n_arms] */
  /* arms_daily.csv: [n_arms * n_arm_periods] (gb_sim_add_arm_periods); challenges.csv:
   * [n_arms * n_challenge_slots] (gb_sim_add_arm_challenges) over sim_catalog, the simulators'
   * catalogue (NULL: none) */
  const gb_sim_arm_period *arm_periods;
  size_t n_arm_periods;
  const gb_sim_arm_challenge *arm_challenges;
  size_t n_challenge_slots;
  const gb_catalog *sim_catalog;
  const gb_agg *agg;                 /* merged aggregates (each event counted once) */
  gb_cube *cube;                     /* the merged stats cube (cube.gbc), NULL when not kept */
  const gb_dead_letter *const *dead; /* per shard arrays */
  const size_t *n_dead;
  size_t n_shards;
  /* the separate engines' dead letters, by (topic, partition, offset), after the shards' */
  const gb_run_dead_letter *remote_dead;
  size_t n_remote_dead;
  const gb_transport_partition_stats *partitions; /* [n_partitions]: partitions.csv */
  /* decisions.csv: the shards' decision logs joined (sorted by decision_id); a row's chosen
   * ordinal is one of catalogs[row.log], the catalogue of the shard that logged it */
  const gb_decision_row *decision_rows;
  size_t n_decision_rows;
  const gb_catalog *const *catalogs;           /* [n_shards] */
  const gb_decision_log *const *decision_logs; /* [n_shards]: the rows' logs (their candidates) */
  size_t n_partitions;
  gb_fingerprint fingerprint;
  /* ope.csv: the targets of the off-policy evaluation, with their rows (none: no file) */
  const gb_run_ope_target *ope_targets;
  size_t n_ope_targets;
  /* Identity for manifest.json and state.gbr: the Kafka run id (NULL or "" in process), this
   * directory's instance of a split simulator (`sim --instance`: 0-based instance of
   * `instances`; instances 0 or 1: a whole run), and for a merged directory its parts. */
  const char *run_id;
  unsigned instance, instances;
  const gb_run_part *parts;
  size_t n_parts;
  bool quiet; /* no summary lines (the off-policy estimates) on stderr */
} gb_run_totals;

/* Writes all the files into dir (which exists), state.gbr included (gb_run_raw.h). 0, or -1
 * with a runtime error. */
int gb_run_results_write(const char *dir, const gb_workload *w, const gb_run_totals *t,
                         gb_err *err);

#endif
