/* The comparative report's private parts (gb_report_generate_multi, gb_report.h), shared by its
 * files: gb_report_multi.c loads and labels the runs and writes the two files;
 * gb_report_multi_doc.c writes the sections; gb_report_multi_plot.c draws the plots. Not for
 * other modules. */
#ifndef GB_REPORT_MULTI_INT_H
#define GB_REPORT_MULTI_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "gb_report_int.h"
#include "gb_results.h"

enum { GB_REPORT_LABEL_MAX = 64 /* a run's label, with its NUL */ };

/* One run of the comparison. A `run --repeat N` directory gives its top summary.csv (the
 * medians) and manifest.json as `top`, and one repeat as `detail` for what the top does not hold
 * (latency.csv, timeline.csv, arms.csv, arms_daily.csv); a single run is both. */
typedef struct gb_report_run {
  const char *dir;    /* as given (not owned) */
  gb_results *top;    /* owned */
  gb_results *detail; /* owned when it is not top */
  size_t repeats;     /* N of a --repeat directory; 0 for a single run */
  size_t repeat_used; /* the repeat `detail` is (1-based); 0 for a single run */
  bool by_median;     /* repeat_used is the repeat whose e2e p99 is closest to the median (else
                         repeat-1, for want of that metric) */
  char label[GB_REPORT_LABEL_MAX];
} gb_report_run;

/* Loads runs[i] from dirs[i] for i < n and labels them (gb_report_multi_label). Returns 0, or -1
 * with the loader's error (GB_ERR_INPUT names the directory or file); runs are then freed. */
int gb_report_multi_load(const char *const *dirs, size_t n, gb_report_run *runs, gb_err *err);

/* Frees what runs[0..n) own; zeroed runs are fine. */
void gb_report_multi_free(gb_report_run *runs, size_t n);

/* Gives every run a short label that tells it from the others: made of the manifest fields that
 * differ between the runs, taken in the order workload name, git describe, seed ("seed 7"), arms'
 * algorithms ("random+thompson") until the labels are unique ("default" and "algorithms"); the
 * directory's base name when they never are or a label gets too long; "#i" (the run's place)
 * appended to a label still shared. One run is labelled by its workload name. */
void gb_report_multi_label(gb_report_run *runs, size_t n);

enum { GB_REPORT_ARMS_MAX = 64 /* arms a comparative report shows; a workload has a handful */ };

/* The arm names of every run's arms.csv (the detail's) in order of first appearance, the oracle
 * row last, into names[0..cap): the count. The names point into the runs' results. */
size_t gb_report_multi_arms(const gb_report_run *runs, size_t n, const char **names, size_t cap);

/* The run's row of arm `name` in arms.csv, or NULL. */
const gb_results_arm *gb_report_multi_arm(const gb_report_run *run, const char *name);

/* A manifest field of the run (top first, then detail): its text, or NULL. */
const char *gb_report_run_field(const gb_report_run *run, const char *key);

/* The plots of the comparative report, drawn into out_dir/plots/ (gb_report_multi_plot.c). */
enum {
  GB_MPLOT_LATENCY_E2E,
  GB_MPLOT_LATENCY_DECISION,
  GB_MPLOT_THROUGHPUT,
  GB_MPLOT_P99,
  GB_MPLOT_USE_RATE,
  GB_MPLOT_CTR,
  GB_MPLOT_DAILY,
  GB_MPLOT_COUNT
};

/* The stage of each latency plot, and the stage whose timeline is drawn (the end to end one;
 * a run without it contributes its first stage's). */
#define GB_MPLOT_STAGE_E2E "e2e"
#define GB_MPLOT_STAGE_DECISION "decision"

/* The plots' names and captions, with nothing missing yet. */
void gb_report_multi_plot_states(gb_doc_plot_state states[GB_MPLOT_COUNT]);

/* Draws every plot the runs have data for into plots_dir (which exists); a plot that cannot be
 * drawn is recorded in its state's why_missing and warned about on stderr, never an error. */
void gb_report_multi_draw(const gb_report_run *runs, size_t n, const char *plots_dir,
                          gb_doc_plot_state states[GB_MPLOT_COUNT]);

/* The timeline series of the run that the comparison shows (stage e2e, else the first); NULL
 * when the run has no timeline. */
const gb_results_series *gb_report_multi_timeline(const gb_report_run *run);

/* Writes the whole report (title to the legend) into d; the plots are under out_dir/plots/. */
void gb_report_multi_write(gb_doc *d, const gb_report_run *runs, size_t n, const char *out_dir,
                           const gb_doc_plot_state states[GB_MPLOT_COUNT]);

#endif
