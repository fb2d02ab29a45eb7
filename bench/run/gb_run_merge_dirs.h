/* gb_run_merge_dirs: `gamebench report --merge DIR... --out DIR` — the results directories of
 * one run's parts added up exactly into the run's (docs/results.md, "Merging results
 * directories").
 *
 * The parts are the directories that `gamebench sim --to kafka --instance K/N` wrote, one per
 * instance (each K of 1..N exactly once), or whole runs of the same workload, seed and run id.
 * Each part's state.gbr (gb_run_raw.h) is loaded and added: counts, histograms (every stage and
 * view, the warm-up's, the timeline's intervals lined up on the parts' wall-clock starts to the
 * nearest interval), the per-arm sums and the partitions' rows. The derived values are then
 * computed from the sums as a run computes its own — rates over the overall wall span (the
 * earliest start to the latest end), verdicts the worst of the parts' and of the merged counts
 * (rate_sustained, backlog_growing) — and written by the writer a run uses
 * (gb_run_results_write), into OUT.partial renamed to OUT once complete. manifest.json is the
 * first part's workload and machine, with the parts listed ("merged_from"); decisions.csv,
 * dead_letter.jsonl and aggregates.csv keep their headers only and realism.csv and cube.gbc are
 * absent (they are not additive from the state file: the engine side's files of a simulator
 * instance are empty anyway). */
#ifndef GB_RUN_MERGE_DIRS_H
#define GB_RUN_MERGE_DIRS_H

#include <stdbool.h>
#include <stddef.h>

#include "gb_err.h"

/* Merges the n (>= 1) results directories dirs into out_dir (which must not exist), with
 * report.md and report.html unless no_report, and plots unless no_plots or the workload's
 * output.plots is false. Returns 0, or -1 with GB_ERR_INPUT naming
 * the directory and the reason (no state.gbr, another workload_hash, seed or run id than the
 * first directory's, an instance given twice or missing, a mix of instances and whole runs,
 * out_dir exists) and nothing written, or GB_ERR_RUNTIME (out of memory, a file that cannot be
 * written: nothing left behind). */
int gb_run_merge_dirs(const char *const *dirs, size_t n, const char *out_dir, bool no_report,
                      bool no_plots, gb_err *err);

#endif
