#include "gb_report.h"
#include "gb_path.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gb_afile.h"
#include "gb_csv.h"
#include "gb_plot.h"
#include "gb_report_int.h"
#include "gb_report_ope.h"
#include "gb_results.h"

/* ---- plots ------------------------------------------------------------------------------- */

enum { PLOT_LATENCY, PLOT_THROUGHPUT, PLOT_P99, PLOT_ARMS, PLOT_ARMS_DAILY, PLOT_OPE, N_PLOTS };

typedef int (*plot_fn)(const gb_results *r, const char *plots_dir, gb_err *err);

/* Draws one group of plots; a failure is recorded for the report and warned about. */
static void draw(const gb_results *r, const char *plots_dir, plot_fn fn, gb_doc_plot_state *states,
                 size_t n_states) {
  gb_err err = {0};
  if (fn(r, plots_dir, &err) == 0)
    return;
  fprintf(stderr, "gamebench: warning: %s\n", err.msg);
  for (size_t i = 0; i < n_states; i++)
    snprintf(states[i].why_missing, sizeof states[i].why_missing, "%s", err.msg);
}

/* Whether the results directory holds ope.csv (a run with an arm logging for the others). */
static bool has_ope(const gb_results *r) {
  char *path = gb_path_join(gb_results_dir(r), "ope.csv");
  bool there = path && access(path, F_OK) == 0;
  free(path);
  return there;
}

static int draw_plots(const gb_results *r, gb_doc_plot_state *plots, gb_err *err) {
  char *plots_dir = gb_path_join(gb_results_dir(r), "plots");
  if (!plots_dir)
    return gb_err_set(err, GB_ERR_RUNTIME, "%s: out of memory", gb_results_dir(r));
  /* 0777 filtered by the umask, as for any directory the user creates. */
  if (mkdir(plots_dir, 0777) != 0 && errno != EEXIST) {
    gb_err_set(err, GB_ERR_RUNTIME, "%s: cannot create: %s", plots_dir, strerror(errno));
    free(plots_dir);
    return -1;
  }
  if (gb_results_has(r, GB_RESULTS_LATENCY))
    draw(r, plots_dir, gb_plot_latency, &plots[PLOT_LATENCY], 1);
  if (gb_results_has(r, GB_RESULTS_TIMELINE))
    draw(r, plots_dir, gb_plot_timeline, &plots[PLOT_THROUGHPUT], 2);
  if (gb_results_has(r, GB_RESULTS_ARMS))
    draw(r, plots_dir, gb_plot_arms, &plots[PLOT_ARMS], 1);
  if (gb_results_has(r, GB_RESULTS_ARMS_DAILY))
    draw(r, plots_dir, gb_plot_arms_daily, &plots[PLOT_ARMS_DAILY], 1);
  if (has_ope(r))
    draw(r, plots_dir, gb_report_ope_plot, &plots[PLOT_OPE], 1);
  free(plots_dir);
  return 0;
}

/* ---- sections ---------------------------------------------------------------------------- */

static const char *manifest_text(const gb_results *r, const char *key) {
  const gb_results_entry *e = gb_results_manifest_get(r, key);
  return e ? e->text : NULL;
}

static const char *run_name(const gb_results *r) {
  const char *name = manifest_text(r, "name");
  if (!name)
    name = manifest_text(r, "workload.name");
  if (!name) {
    const char *slash = strrchr(gb_results_dir(r), '/');
    name = slash && slash[1] ? slash + 1 : gb_results_dir(r);
  }
  return name;
}

static void write_verdicts(gb_doc *d, const gb_results *r) {
  char rest[GB_DOC_CELL_MAX], a[GB_DOC_NUM_MAX], b[GB_DOC_NUM_MAX], c[GB_DOC_NUM_MAX];
  double sustained = gb_results_metric_value(r, "rate_sustained");
  double target = gb_results_metric_value(r, "target_rate_eps");
  double achieved = gb_results_metric_value(r, "achieved_rate_eps");
  double lost = gb_results_metric_value(r, "events_lost");
  double generated = gb_results_metric_value(r, "events_generated");
  bool rate_bad = sustained == 0, loss_bad = lost > 0;
  double interrupted = gb_results_metric_value(r, "interrupted");
  if (interrupted == 1) { /* first: every number below is of a shorter run */
    gb_doc_count(gb_results_metric_value(r, "sim_seconds"), a, sizeof a);
    snprintf(rest, sizeof rest,
             ": a signal stopped the simulator after %s s of sim time; the results are complete "
             "for that part of the run (manifest.json: interrupted_by).",
             a);
    gb_doc_verdict(d, true, "Interrupted", rest);
  }
  if (rate_bad) {
    gb_doc_rate(achieved, a, sizeof a);
    gb_doc_rate(target, b, sizeof b);
    gb_doc_percent(achieved / target, c, sizeof c);
    snprintf(rest, sizeof rest, ": achieved %s events/s of the %s events/s target (%s).", a, b, c);
    gb_doc_verdict(d, true, "Target rate not sustained", rest);
  }
  if (loss_bad) {
    gb_doc_count(lost, a, sizeof a);
    gb_doc_count(generated, b, sizeof b);
    gb_doc_percent(lost / generated, c, sizeof c);
    snprintf(rest, sizeof rest, ": %s of %s generated events (%s).", a, b, c);
    gb_doc_verdict(d, true, "Events lost", rest);
  }
  if (isnan(sustained))
    gb_doc_para(d, "No rate verdict: summary.csv has no rate_sustained value.");
  if (!rate_bad && !loss_bad && !isnan(sustained)) {
    gb_doc_rate(target, a, sizeof a);
    snprintf(rest, sizeof rest, ": %s events/s sustained, %s events lost.", a,
             isnan(lost) ? "unknown" : "no");
    gb_doc_verdict(d, false, "Target rate sustained", rest);
  }
}

static void write_subtitle(gb_doc *d, const gb_results *r) {
  if (!gb_results_has(r, GB_RESULTS_MANIFEST)) {
    gb_doc_para(d, "manifest.json not present: no workload, build or machine fingerprint.");
    return;
  }
  static const struct {
    const char *key, *label, *unit;
  } PARTS[] = {{"start_utc", "started ", ""},
               {"git_describe", "build ", ""},
               {"seed", "seed ", ""},
               {"transport", "transport ", ""},
               {"wall_seconds", "wall time ", " s"}};
  char line[GB_DOC_CELL_MAX * 4] = "";
  size_t used = 0;
  for (size_t i = 0; i < sizeof PARTS / sizeof PARTS[0]; i++) {
    const char *v = manifest_text(r, PARTS[i].key);
    if (v && used < sizeof line)
      used += (size_t)snprintf(line + used, sizeof line - used, "%s%s%s%s", used ? ", " : "",
                               PARTS[i].label, v, PARTS[i].unit);
  }
  if (used > 0)
    gb_doc_para(d, line);
}

typedef void (*number_fmt)(double v, char *buf, size_t cap);

static void metric_row(gb_doc *d, const gb_results *r, const char *label, const char *metric,
                       number_fmt fmt, const char *unit) {
  char v[GB_DOC_NUM_MAX], cell[GB_DOC_CELL_MAX];
  fmt(gb_results_metric_value(r, metric), v, sizeof v);
  if (strcmp(v, GB_DOC_NONE) == 0 || !unit)
    snprintf(cell, sizeof cell, "%s", v);
  else
    snprintf(cell, sizeof cell, "%s %s", v, unit);
  const char *cells[] = {label, cell};
  gb_doc_row(d, cells, 2, false);
}

static void write_headline(gb_doc *d, const gb_results *r) {
  gb_doc_heading(d, 2, "Headline");
  const char *headers[] = {"measure", "value"};
  gb_doc_table_begin(d, headers, 2);
  metric_row(d, r, "events generated", "events_generated", gb_doc_count, NULL);
  metric_row(d, r, "events consumed", "events_consumed", gb_doc_count, NULL);
  metric_row(d, r, "events processed", "events_processed", gb_doc_count, NULL);
  metric_row(d, r, "events lost", "events_lost", gb_doc_count, NULL);
  metric_row(d, r, "events rejected", "events_rejected", gb_doc_count, NULL);
  metric_row(d, r, "target rate", "target_rate_eps", gb_doc_rate, "events/s");
  metric_row(d, r, "achieved rate", "achieved_rate_eps", gb_doc_rate, "events/s");
  double sustained = gb_results_metric_value(r, "rate_sustained");
  const char *cells[] = {"rate sustained", isnan(sustained) ? GB_DOC_NONE
                                           : sustained != 0 ? "yes"
                                                            : "no"};
  gb_doc_row(d, cells, 2, false);
  static const double MIB = 1024.0 * 1024.0;
  char v[GB_DOC_NUM_MAX], cell[GB_DOC_CELL_MAX];
  double rss = gb_results_metric_value(r, "peak_rss_bytes");
  gb_doc_sig3(rss / MIB, v, sizeof v);
  snprintf(cell, sizeof cell, "%s%s", v, isnan(rss) ? "" : " MiB");
  const char *rss_cells[] = {"peak RSS", cell};
  gb_doc_row(d, rss_cells, 2, false);
  gb_doc_table_end(d);
}

/* Statistics of the latency table and their summary.csv names. */
static const struct {
  const char *suffix, *header;
} LATENCY_STATS[] = {
    {"p50", "p50 (µs)"}, {"p99", "p99 (µs)"}, {"p999", "p99.9 (µs)"}, {"max", "max (µs)"}};
enum { N_LATENCY_STATS = sizeof LATENCY_STATS / sizeof LATENCY_STATS[0] };

/* One row of the latency table; nothing when summary.csv has none of its statistics. */
static void latency_row(gb_doc *d, const gb_results *r, const char *stage, bool corrected) {
  char values[N_LATENCY_STATS][GB_DOC_NUM_MAX];
  const char *cells[2 + N_LATENCY_STATS] = {stage, corrected ? "intended send (corrected)"
                                                             : "actual send (uncorrected)"};
  bool any = false;
  for (size_t i = 0; i < N_LATENCY_STATS; i++) {
    char metric[GB_DOC_CELL_MAX];
    snprintf(metric, sizeof metric, "latency_%s%s_%s_us", stage, corrected ? "" : "_uncorrected",
             LATENCY_STATS[i].suffix);
    double v = gb_results_metric_value(r, metric);
    any = any || !isnan(v);
    gb_doc_sig3(v, values[i], sizeof values[i]);
    cells[2 + i] = values[i];
  }
  if (any)
    gb_doc_row(d, cells, 2 + N_LATENCY_STATS, false);
}

static void write_latency(gb_doc *d, const gb_results *r, const gb_doc_plot_state *plot) {
  gb_doc_heading(d, 2, "Latency");
  size_t n = 0;
  const char *const *stages = gb_results_stages(r, &n);
  if (n == 0) {
    gb_doc_para(d, "No latency metrics in summary.csv and no latency.csv.");
    return;
  }
  gb_doc_para(d, "Corrected latency is measured from each event's intended send time (so a stalled "
                 "sender cannot hide queueing: coordinated omission), uncorrected from its actual "
                 "send time.");
  const char *headers[2 + N_LATENCY_STATS] = {"stage", "measured from"};
  for (size_t i = 0; i < N_LATENCY_STATS; i++)
    headers[2 + i] = LATENCY_STATS[i].header;
  gb_doc_table_begin(d, headers, 2 + N_LATENCY_STATS);
  for (size_t i = 0; i < n; i++) {
    latency_row(d, r, stages[i], true);
    latency_row(d, r, stages[i], false);
  }
  gb_doc_table_end(d);
  if (gb_results_has(r, GB_RESULTS_LATENCY))
    gb_doc_plot(d, gb_results_dir(r), plot);
  else
    gb_doc_para(d, "latency.csv not present: no percentile spectrum.");
}

static void timeline_row(gb_doc *d, const gb_results_series *s) {
  char stats[GB_DOC_TIMELINE_CELLS][GB_DOC_NUM_MAX];
  gb_doc_timeline_cells(s, stats);
  const char *cells[] = {s->stage, stats[0], stats[1], stats[2], stats[3], stats[4]};
  gb_doc_row(d, cells, 6, false);
}

static void write_timeline(gb_doc *d, const gb_results *r, const gb_doc_plot_state *plots) {
  gb_doc_heading(d, 2, "Throughput over time");
  if (!gb_results_has(r, GB_RESULTS_TIMELINE)) {
    gb_doc_para(d, "timeline.csv not present: no throughput timeline.");
    return;
  }
  size_t n = 0;
  const gb_results_series *s = gb_results_timeline(r, &n);
  if (n == 0) {
    gb_doc_para(d, "timeline.csv has no intervals.");
    return;
  }
  const char *headers[] = {"stage",
                           "intervals",
                           "min throughput (events/s)",
                           "mean throughput (events/s)",
                           "max throughput (events/s)",
                           "worst interval p99 (µs)"};
  gb_doc_table_begin(d, headers, 6);
  for (size_t i = 0; i < n; i++)
    timeline_row(d, &s[i]);
  gb_doc_table_end(d);
  gb_doc_plot(d, gb_results_dir(r), &plots[PLOT_THROUGHPUT]);
  bool any_p99 = false;
  for (size_t i = 0; i < n; i++)
    for (size_t j = 0; j < s[i].n; j++)
      any_p99 = any_p99 || !isnan(s[i].rows[j].p99_us);
  if (any_p99)
    gb_doc_plot(d, gb_results_dir(r), &plots[PLOT_P99]);
  else
    gb_doc_para(d, "timeline.csv has no p99_us values: no p99 timeline.");
}

/* ---- partitions ------------------------------------------------------------------------- */

/* Beyond this many partitions the table lists only those that do not balance. */
enum { PARTITION_ROWS_MAX = 64, PARTITION_COLS = 11 };

static bool partition_balances(const gb_results_partition *p) {
  return !(p->lost > 0) && !(p->gaps > 0) && !(p->failed > 0);
}

static void partition_row(gb_doc *d, const gb_results_partition *p) {
  const double *v[PARTITION_COLS] = {&p->partition,    &p->sent,     &p->produced,  &p->failed,
                                     &p->acknowledged, &p->consumed, &p->delivered, &p->replayed,
                                     &p->redelivered,  &p->gaps,     &p->lost};
  char buf[PARTITION_COLS][GB_DOC_NUM_MAX];
  const char *cells[PARTITION_COLS];
  for (size_t i = 0; i < PARTITION_COLS; i++) {
    gb_doc_count(*v[i], buf[i], sizeof buf[i]);
    cells[i] = buf[i];
  }
  gb_doc_row(d, cells, PARTITION_COLS, false);
}

static void write_partitions(gb_doc *d, const gb_results *r) {
  gb_doc_heading(d, 2, "Partitions");
  size_t n = 0;
  const gb_results_partition *parts = gb_results_partitions(r, &n);
  if (!gb_results_has(r, GB_RESULTS_PARTITIONS) || n == 0) {
    gb_doc_para(d, "partitions.csv not present: no per-partition reconciliation.");
    return;
  }
  size_t bad = 0;
  for (size_t i = 0; i < n; i++)
    bad += !partition_balances(&parts[i]);
  char text[GB_DOC_CELL_MAX * 2];
  if (bad == 0)
    snprintf(text, sizeof text,
             ": all %zu partitions balance (every event sent reached the engine once; replayed "
             "events are counted apart).",
             n);
  else
    snprintf(text, sizeof text, ": %zu of %zu partitions lost events, failed or have gaps.", bad,
             n);
  gb_doc_verdict(d, bad > 0, bad > 0 ? "Partitions do not balance" : "Partitions balance", text);
  const char *headers[PARTITION_COLS] = {"partition",    "sent",     "produced",  "failed",
                                         "acknowledged", "consumed", "delivered", "replayed",
                                         "redelivered",  "gaps",     "lost"};
  bool all = n <= PARTITION_ROWS_MAX;
  if (!all && bad == 0)
    return;
  gb_doc_table_begin(d, headers, PARTITION_COLS);
  for (size_t i = 0; i < n; i++)
    if (all || !partition_balances(&parts[i]))
      partition_row(d, &parts[i]);
  gb_doc_table_end(d);
  if (!all)
    gb_doc_para(d, "Only the partitions that do not balance are listed.");
}

/* Manifest entries under `prefix` (workload) or all others (prefix NULL, exclude = "workload."). */
static void manifest_table(gb_doc *d, const gb_results *r, bool workload) {
  static const char WORKLOAD[] = "workload.";
  size_t n = 0;
  const gb_results_entry *e = gb_results_manifest(r, &n);
  const char *headers[] = {"key", "value"};
  bool any = false;
  for (size_t i = 0; i < n; i++) {
    bool is_workload = strncmp(e[i].key, WORKLOAD, sizeof WORKLOAD - 1) == 0;
    if (is_workload != workload)
      continue;
    if (!any)
      gb_doc_table_begin(d, headers, 2);
    any = true;
    const char *cells[] = {workload ? e[i].key + sizeof WORKLOAD - 1 : e[i].key, e[i].text};
    gb_doc_row(d, cells, 2, false);
  }
  if (any)
    gb_doc_table_end(d);
  else
    gb_doc_para(d, workload ? "manifest.json has no workload." : "manifest.json has no fields.");
}

static void write_fingerprint(gb_doc *d, const gb_results *r) {
  gb_doc_heading(d, 2, "Machine and build");
  if (!gb_results_has(r, GB_RESULTS_MANIFEST)) {
    gb_doc_para(d, "manifest.json not present.");
    return;
  }
  manifest_table(d, r, false);
  gb_doc_heading(d, 2, "Workload");
  manifest_table(d, r, true);
}

/* ---- the two files ----------------------------------------------------------------------- */

/* The off-policy evaluation section, when the run has one; a malformed ope.csv is warned
 * about, and the rest of the report is written all the same. */
static void write_ope(gb_doc *d, const gb_results *r, const gb_doc_plot_state *plot) {
  if (!has_ope(r))
    return;
  gb_err err = {0};
  if (gb_report_ope_section(r, d->md, d->html, plot->why_missing, &err) != 0)
    fprintf(stderr, "gamebench: warning: %s\n", err.msg);
}

typedef struct report_ctx {
  const gb_results *r;
  const gb_doc_plot_state *plots;
} report_ctx;

static void write_report(gb_doc *d, void *ctx) {
  const gb_results *r = ((const report_ctx *)ctx)->r;
  const gb_doc_plot_state *plots = ((const report_ctx *)ctx)->plots;
  char title[GB_DOC_CELL_MAX * 2];
  snprintf(title, sizeof title, "gamebench report: %s", run_name(r));
  gb_doc_begin(d, title);
  write_verdicts(d, r);
  write_subtitle(d, r);
  write_headline(d, r);
  write_latency(d, r, &plots[PLOT_LATENCY]);
  write_timeline(d, r, plots);
  gb_report_write_arms(d, r, &plots[PLOT_ARMS], &plots[PLOT_ARMS_DAILY]);
  gb_report_write_store(d, r);
  write_ope(d, r, &plots[PLOT_OPE]);
  write_partitions(d, r);
  write_fingerprint(d, r);
  gb_doc_end(d);
}

int gb_report_generate(const char *results_dir, bool plots, gb_err *err) {
  gb_results *r = NULL;
  if (gb_results_load(results_dir, &r, err) != 0)
    return -1;
  gb_doc_plot_state states[N_PLOTS] = {
      [PLOT_LATENCY] = {.name = GB_PLOT_LATENCY, .caption = "Latency by percentile"},
      [PLOT_THROUGHPUT] = {.name = GB_PLOT_THROUGHPUT, .caption = "Throughput over time"},
      [PLOT_P99] = {.name = GB_PLOT_TIMELINE_P99, .caption = "p99 latency over time"},
      [PLOT_ARMS] = {.name = GB_PLOT_ARMS, .caption = "Use rate per arm"},
      [PLOT_ARMS_DAILY] = {.name = GB_PLOT_ARMS_DAILY, .caption = "Use rate per arm over sim time"},
      [PLOT_OPE] = {.name = GB_PLOT_OPE, .caption = "Off-policy estimates and the truth"},
  };
  int rc = plots ? draw_plots(r, states, err) : 0;
  report_ctx ctx = {r, states};
  if (rc == 0)
    rc = gb_doc_write_files(gb_results_dir(r), write_report, &ctx, err);
  gb_results_free(r);
  return rc;
}
