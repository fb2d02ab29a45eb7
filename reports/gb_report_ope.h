/* gb_report_ope: the off-policy evaluation part of a results directory's report, from its
 * ope.csv alone (docs/results.md): a plot of each target's estimates with their intervals next to
 * its truth, and the report section (gb_report.c calls both, like its other parts).
 *
 * ope.csv is optional: without it the plot is not drawn (GB_ERR_INPUT, which the report shows as
 * the reason) and the section says so. A present but malformed ope.csv (a missing column, a cell
 * that is not a number) is a GB_ERR_INPUT error naming the file, line and column. */
#ifndef GB_REPORT_OPE_H
#define GB_REPORT_OPE_H

#include <stdio.h>

#include "gb_err.h"
#include "gb_results.h"

/* The plot's base name under plots/ (drawn as .png and .svg). */
#define GB_PLOT_OPE "ope_estimates"

/* Draws plots_dir/ope_estimates.{png,svg} from ope.csv of r's directory: one group of bars per
 * target arm (labelled "arm (algorithm)"), its truth first (one colour) and then the estimates in
 * ope.csv's order of estimators (another colour, named in the axis label), each with its
 * interval as an error bar; use rates in percent. Estimates that are undefined (empty cells) are
 * left out. Returns 0, or -1 with GB_ERR_INPUT when ope.csv is
 * absent, malformed or has nothing to draw, GB_ERR_RUNTIME when gnuplot fails or is not on PATH
 * (gb_plot_draw). The signature is gb_report.c's plot functions'. */
int gb_report_ope_plot(const gb_results *r, const char *plots_dir, gb_err *err);

/* Writes the "Off-policy evaluation" section (a level-2 heading) to md (Markdown) and html
 * (either may be NULL): a summary line of the doubly robust estimates (for how many targets the
 * truth lies in the interval, and the mean absolute error), the table of every row of ope.csv
 * (estimate with its interval, truth, error in percentage points, whether the interval holds the
 * truth, rows and matched rows), and the plot by relative path (PNG in Markdown, SVG in HTML)
 * when plots/ope_estimates.png and .svg exist and plot_missing is NULL or "", else a line
 * "Plot ope_estimates not drawn: " and plot_missing (or "not present in plots/"). Without
 * ope.csv the section says it is absent. Returns 0, or -1 with GB_ERR_INPUT when ope.csv is
 * malformed (nothing is written then). */
int gb_report_ope_section(const gb_results *r, FILE *md, FILE *html, const char *plot_missing,
                          gb_err *err);

#endif
