/* gb_report: the human-readable report of a results directory, regenerated from its files alone
 * (docs/results.md), so that old runs can be re-plotted and re-read without re-running them. */
#ifndef GB_REPORT_H
#define GB_REPORT_H

#include <stdbool.h>

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

#endif
