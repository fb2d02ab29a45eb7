/* gb_run_raw: state.gbr, a results directory's additive raw state (docs/results.md): the counts,
 * latency histograms (every stage and view, the warm-up's, the timeline's per interval),
 * per-arm sums behind arms.csv, arms_daily.csv and challenges.csv, and partitions.csv's rows —
 * what the other files are derived from, kept so that the directories of one run's parts (the
 * simulator split over processes: `gamebench sim --instance K/N`) add up exactly into the
 * run's (gb_run_merge_dirs, gb_run_merge_dirs.h).
 *
 * Binary, little-endian, format 1, deterministic (the same state gives the same bytes):
 *   magic "GBRAW\r\n\x1a" (8 bytes), u64 format (1)
 *   identity: u64 workload_hash, u64 seed, str run_id, u64 instance (0-based), u64 instances
 *             (0 or 1: a whole run)
 *   times:    i64 start_wall_ns, i64 end_wall_ns, f64 wall_seconds, f64 warmup_seconds
 *   counters: u64 n, then n u64 in the order of GB_RUN_RAW_COUNTERS (below); flags u64
 *             rate_sustained, u64 backlog_growing, u64 backlog_max; f64 backlog_last_quarter
 *   machine:  the gb_fingerprint fields (strings, then numbers)
 *   latency:  u64 n_stages, each stage's name (str), then per stage the corrected and the
 *             uncorrected histogram, then the warm-up histogram and u64 warmup_samples; a
 *             histogram is u64 digits, u64 below, u64 above, i64 min_ns, i64 max_ns, u64 n and n ×
 *             (i64 low_ns, u64 count) of its non-empty sub-buckets in increasing order
 *   timeline: as gb_timeline_save writes it
 *   arms:     u64 n_arms, u64 n_periods, u64 n_challenge_slots, then the fields of every
 *             gb_sim_arm_stats, gb_sim_arm_period and gb_sim_arm_challenge (in their declaration
 *             order, u64 each, arm-major)
 *   partitions: u64 n, then each gb_transport_partition_stats' fields (u64 each)
 * (str: u64 length and the bytes.) A reader refuses another magic or format. */
#ifndef GB_RUN_RAW_H
#define GB_RUN_RAW_H

#include <stddef.h>
#include <stdint.h>

#include "gb_err.h"
#include "gb_run_results.h"
#include "gb_workload.h"

#define GB_RUN_RAW_FILE "state.gbr"

/* The counts of gb_run_totals the file keeps, in file order: those a merge adds up (append
 * only, and raise the format). */
/* clang-format off */
#define GB_RUN_RAW_COUNTERS(X) \
  X(events_generated) X(events_sent) X(events_consumed) X(events_processed) X(events_rejected) \
  X(events_duplicate) X(events_lost) X(events_replayed) X(events_late) X(decisions) \
  X(answers_received) X(props_generated) X(catalog_updates) X(backpressure_waits) \
  X(unexpected_answers)
/* clang-format on */
enum { GB_RUN_RAW_FORMAT = 1, GB_RUN_RAW_RUN_ID_MAX = 100 };

/* What a state file says about the run it belongs to. */
typedef struct gb_run_raw_id {
  uint64_t workload_hash, seed;
  char run_id[GB_RUN_RAW_RUN_ID_MAX + 1]; /* "" in process */
  unsigned instance, instances;           /* instances 0 or 1: a whole run */
} gb_run_raw_id;

/* A loaded state file: the totals' counts (t's pointers refer to the arrays here) and their
 * sources. Owned by the caller: gb_run_raw_free. */
typedef struct gb_run_raw {
  gb_run_raw_id id;
  gb_run_totals t;          /* counts, times, verdicts, fingerprint; hists, arms, arm_periods,
                               arm_challenges and partitions point into this struct */
  gb_run_stage_hists hists; /* its timeline starts at 0 (the run's start) */
  gb_sim_arm_stats *arms;
  size_t n_arms;
  gb_sim_arm_period *periods;
  gb_sim_arm_challenge *challenges;
  gb_transport_partition_stats *partitions;
} gb_run_raw;

/* Writes dir/state.gbr (atomically) from the totals of workload w (t->hists' timeline
 * finished). 0, or -1 with GB_ERR_RUNTIME. */
int gb_run_raw_write(const char *dir, const gb_workload *w, const gb_run_totals *t, gb_err *err);

/* Loads a state file (path) into a new *out. 0, or -1 with GB_ERR_INPUT naming path and what is
 * wrong (missing, another format, truncated, inconsistent), GB_ERR_RUNTIME when out of memory. */
int gb_run_raw_load(const char *path, gb_run_raw **out, gb_err *err);

/* Frees r; NULL is allowed. */
void gb_run_raw_free(gb_run_raw *r);

#endif
