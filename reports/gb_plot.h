/* gb_plot: charts drawn by gnuplot through a pipe (the fio convention), as PNG and SVG.
 *
 * Each chart is one gnuplot process (`popen`): the data goes inline as datablocks
 * ($d0 << EOD ... EOD), the PNG terminal is pngcairo when the gnuplot build has it (else png),
 * and the same plot is replayed on the svg terminal. gnuplot writes "<base>.png.tmp" and
 * "<base>.svg.tmp"; they are renamed onto "<base>.png" / "<base>.svg" only when gnuplot exited
 * with status 0 and both are non-empty, so a failed plot never leaves a half-written image.
 *
 * gnuplot's own diagnostics go to the process's stderr. When gnuplot is not on PATH every
 * drawing function fails with a GB_ERR_RUNTIME error ("gnuplot not found on PATH"), which
 * callers report as a warning: plots are optional, CSV and reports are not. */
#ifndef GB_PLOT_H
#define GB_PLOT_H

#include <stdbool.h>
#include <stddef.h>

#include "gb_err.h"
#include "gb_results.h"

/* ---- Generic charts ---------------------------------------------------------------------- */

typedef enum gb_plot_style {
  GB_PLOT_LINES,    /* each series as a line through (x, y) */
  GB_PLOT_BARS_CI,  /* each series as bars at x of height y, with error bars from ylow to yhigh */
  GB_PLOT_BANDS,    /* each series as a line with points through (x, y) over a translucent band
                       from ylow to yhigh in the same colour; a series without ylow/yhigh is a
                       line only (dashed when asked) */
  GB_PLOT_POINTS_CI /* each series as points at (x, y) with error bars from ylow to yhigh (NaN:
                       the point alone); series side by side at offsets of x the caller chose */
} gb_plot_style;

typedef struct gb_plot_series {
  const char *title; /* legend entry */
  size_t n;
  const double *x, *y;
  const double *ylow, *yhigh; /* GB_PLOT_BARS_CI, GB_PLOT_BANDS: interval per point (bars: NaN
                                 is no error bar; bands: NaN is the point itself) */
  bool dashed;                /* GB_PLOT_LINES: a dashed line (e.g. a secondary measurement) */
  int color; /* gnuplot linetype whose colour the series takes (1, 2, ...), so that several series
                can share one (a run's corrected and uncorrected lines); 0: gnuplot's choice */
} gb_plot_series;

/* A labelled tic at a position on the x axis. */
typedef struct gb_plot_tic {
  const char *label;
  double at;
} gb_plot_tic;

typedef struct gb_plot_chart {
  const char *title, *xlabel, *ylabel;
  gb_plot_style style;
  bool logx, logy;          /* log axes; points with x <= 0 (logx) or y <= 0 (logy) are left out */
  bool y_from_zero;         /* y axis starts at 0 (bars) instead of gnuplot's choice */
  bool x_from_zero;         /* x axis starts at 0 (time since a start) */
  const gb_plot_tic *xtics; /* labelled x tics replacing the automatic ones, or NULL */
  size_t n_xtics;
} gb_plot_chart;

/* Draws the chart of series s[0..n) to "<out_base>.png" and "<out_base>.svg" (out_base is a
 * path without extension; its directory must exist). Points whose x or y is NaN are left out;
 * series left with no point are not drawn. Returns 0, or -1 with an error: GB_ERR_INPUT when no
 * series has a point to draw; GB_ERR_RUNTIME when gnuplot is not on PATH, fails (exit status
 * named; its messages are on stderr), or does not produce both files. */
int gb_plot_draw(const gb_plot_chart *chart, const gb_plot_series *s, size_t n,
                 const char *out_base, gb_err *err);

/* Finds an executable "gnuplot" in the directories of $PATH and copies its path into buf.
 * Returns 0, or -1 with a GB_ERR_RUNTIME error "gnuplot not found on PATH". */
int gb_plot_find_gnuplot(char *buf, size_t cap, gb_err *err);

/* The x of percentile p (in percent) on the HdrHistogram axis 1/(1 - p): 2 at 50 %, 100 at
 * 99 %; infinite at 100 % (left out of a log axis). */
double gb_plot_percentile_x(double p);

/* The labelled tics of that axis, 50% to 99.9999% (static storage; *n set). */
const gb_plot_tic *gb_plot_percentile_tics(size_t *n);

/* ---- The plots of a results directory ---------------------------------------------------- */

/* File base names under plots/ (each drawn as .png and .svg). */
#define GB_PLOT_LATENCY "latency"
#define GB_PLOT_THROUGHPUT "timeline_throughput"
#define GB_PLOT_TIMELINE_P99 "timeline_p99"
#define GB_PLOT_ARMS "arms_use_rate"
#define GB_PLOT_ARMS_DAILY "arms_use_rate_over_time"

/* Latency percentile spectrum of every stage from latency.csv: x is the percentile on the
 * HdrHistogram log scale 1/(1 - p) (tics labelled 50%, 90%, 99%, ...), y the latency in µs
 * (log); corrected spectra solid, uncorrected dashed. The 100th percentile (x infinite) is left
 * out: the report's tables give the max. Needs latency.csv (else GB_ERR_INPUT). */
int gb_plot_latency(const gb_results *r, const char *plots_dir, gb_err *err);

/* From timeline.csv: throughput (events/s) per stage over time, and p99 latency (µs, log) per
 * stage over time. Needs timeline.csv (else GB_ERR_INPUT); the p99 chart is skipped without
 * error when no interval has a p99. */
int gb_plot_timeline(const gb_results *r, const char *plots_dir, gb_err *err);

/* From arms.csv: use rate (%) per arm as bars with their 95 % confidence intervals. Needs
 * arms.csv with at least one arm (else GB_ERR_INPUT). */
int gb_plot_arms(const gb_results *r, const char *plots_dir, gb_err *err);

/* From arms_daily.csv: each arm's use rate (%) per period of sim time, a line through the
 * periods' midpoints over its 95 % confidence band (arms without props have no line), and the
 * oracle's expected use rate over every arm's scored decisions of the period as a dashed line
 * (when the file has scored and oracle_use_rate). x is sim hours since the run's start when the
 * periods are shorter than a day, else sim days. Needs arms_daily.csv with at least one use rate
 * (else GB_ERR_INPUT). */
int gb_plot_arms_daily(const gb_results *r, const char *plots_dir, gb_err *err);

#endif
