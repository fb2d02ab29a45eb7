/* gb_report: the human-readable report of a results directory, regenerated from its files alone
 * (docs/results.md), so that old runs can be re-plotted and re-read without re-running them. */
#ifndef GB_REPORT_H
#define GB_REPORT_H

#include <stdbool.h>
#include <stddef.h>

#include "gb_err.h"

/* Loads results_dir (gb_results_load), draws its plots into results_dir/plots/ when `plots` is
 * true (gb_plot: latency spectrum, timeline throughput and p99, arms use rate), and writes
 * results_dir/report.md and results_dir/report.html (atomically: gb_afile.h).
 *
 * The report starts with the title (workload name, start date, git describe) and the verdicts
 * ("**Target rate not sustained**" when rate_sustained is 0, "**Events lost**" when events_lost
 * is above 0), then the headline table, the latency table per stage (corrected and uncorrected
 * p50/p99/p99.9/max), the timeline summary, the arms table, the plots (PNG in Markdown, SVG in
 * HTML, by relative path) and the machine/build fingerprint and workload from manifest.json.
 * A section whose optional file is absent says so. A plot that cannot be drawn (e.g. gnuplot
 * not on PATH) is not an error: the report says why it is missing and a warning line goes to
 * stderr. With plots false, plots already in plots/ are embedded and missing ones are named.
 *
 * Returns 0, or -1 with an error: GB_ERR_INPUT when results_dir or summary.csv is missing or a
 * file is malformed (the message names it); GB_ERR_RUNTIME when plots/ or a report cannot be
 * written. Each report file is replaced atomically: never left half-written. */
int gb_report_generate(const char *results_dir, bool plots, gb_err *err);

/* The most results directories one comparative report takes. */
enum { GB_REPORT_RUNS_MAX = 16 };

/* The comparative report of n (1 .. GB_REPORT_RUNS_MAX) results directories dirs[0..n), written
 * into out_dir (created with its parents when absent): out_dir/plots/ (when `plots` is true),
 * out_dir/report.md and out_dir/report.html (self-contained: plots inline), each atomically.
 *
 * Each run gets a short label that tells it apart (workload name, git describe, seed or arms,
 * whichever differ; else the directory's base name). The report starts with every run's
 * verdicts (target rate sustained or not, events lost, events rejected), then a legend (label →
 * directory, workload, git describe, seed, transport, machine, date), the headline table with a
 * column per run (events, achieved rate, e2e and decision p50/p99/p99.9, peak RSS, each arm's use
 * rate), the latency, timeline and arms tables, and the plots: the e2e and decision latency
 * spectra of the runs overlaid (corrected solid, uncorrected dashed, x on the 1/(1 − p) scale),
 * throughput and p99 over time, use rate and CTR per arm and run with 95 % intervals, and each
 * arm's use rate per period of sim time when a run has arms_daily.csv. A plot that cannot be
 * drawn is a note in the report and a warning on stderr, as in gb_report_generate.
 *
 * A directory made by `run --repeat N` (summary.csv of medians beside repeat-1/ … repeat-N/) is
 * taken as one run: its summary.csv for the tables, and the repeat whose e2e p99 is closest to
 * the median (repeat-1 when the repeats lack it) for the spectra, timeline and arms; the report
 * says which.
 *
 * Returns 0, or -1 with an error: GB_ERR_INPUT when a directory or one of its files is missing or
 * malformed (the message names it; nothing is written then) or out_dir is one of dirs;
 * GB_ERR_RUNTIME when out_dir, plots/ or a report cannot be written. */
int gb_report_generate_multi(const char *const *dirs, size_t n, const char *out_dir, bool plots,
                             gb_err *err);

#endif
