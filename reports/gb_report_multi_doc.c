/* gb_report_multi_doc: the comparative report's sections (gb_report_multi_int.h), verdicts
 * first, then the legend, the tables with a column (or rows) per run, and the plots. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gb_metric.h"
#include "gb_report.h"
#include "gb_report_multi_int.h"

static const double PERCENT = 100;
static const double MIB = 1024.0 * 1024.0;

static double metric(const gb_report_run *run, const char *name) {
  return gb_results_metric_value(run->top, name);
}

/* ---- verdicts ---------------------------------------------------------------------------- */

/* "achieved 8123.5 of 10000.0 events/s (81.23 %)", or the achieved rate alone without a target
 * (time_scale: max). */
static void rate_text(const gb_report_run *run, bool sustained, char *buf, size_t cap) {
  char a[GB_DOC_NUM_MAX], b[GB_DOC_NUM_MAX], c[GB_DOC_NUM_MAX];
  double target = metric(run, "target_rate_eps"), achieved = metric(run, "achieved_rate_eps");
  gb_doc_rate(achieved, a, sizeof a);
  if (!(target > 0)) {
    gb_doc_textf(buf, cap, "%s events/s (no target rate)", a);
    return;
  }
  gb_doc_rate(target, b, sizeof b);
  gb_doc_percent(achieved / target, c, sizeof c);
  if (sustained)
    gb_doc_textf(buf, cap, "%s events/s of the %s events/s target", a, b);
  else
    gb_doc_textf(buf, cap, "achieved %s of the %s events/s target (%s)", a, b, c);
}

static void loss_text(const gb_report_run *run, char *buf, size_t cap) {
  char a[GB_DOC_NUM_MAX], b[GB_DOC_NUM_MAX];
  double lost = metric(run, "events_lost"), generated = metric(run, "events_generated");
  if (isnan(lost)) {
    gb_doc_textf(buf, cap, "events lost unknown");
  } else if (lost == 0) {
    gb_doc_textf(buf, cap, "no events lost");
  } else {
    gb_doc_count(lost, a, sizeof a);
    gb_doc_percent(lost / generated, b, sizeof b);
    gb_doc_textf(buf, cap, "%s events lost (%s of those generated)", a, b);
  }
}

static void write_verdict(gb_doc *d, const gb_report_run *run) {
  double sustained = metric(run, "rate_sustained"), lost = metric(run, "events_lost");
  double rejected = metric(run, "events_rejected");
  bool rate_bad = sustained == 0, loss_bad = lost > 0;
  char lead[GB_DOC_CELL_MAX], rest[GB_DOC_CELL_MAX * 3], rate[GB_DOC_CELL_MAX],
      loss[GB_DOC_CELL_MAX], rej[GB_DOC_NUM_MAX];
  /* The lead names every failure, so that a bold line read alone is not misleading. */
  gb_doc_textf(lead, sizeof lead, "%s: %s%s", run->label,
               isnan(sustained) ? "No rate verdict"
               : rate_bad       ? "Target rate not sustained"
               : loss_bad       ? "Events lost"
                                : "Target rate sustained",
               rate_bad && loss_bad ? ", events lost" : "");
  rate_text(run, !rate_bad, rate, sizeof rate);
  loss_text(run, loss, sizeof loss);
  gb_doc_count(rejected, rej, sizeof rej);
  gb_doc_textf(rest, sizeof rest, ": %s; %s; %s events rejected.", rate, loss, rej);
  gb_doc_verdict(d, rate_bad || loss_bad, lead, rest);
}

/* ---- legend ------------------------------------------------------------------------------ */

static const char *field_or_none(const gb_report_run *run, const char *key) {
  const char *v = gb_report_run_field(run, key);
  return v ? v : GB_DOC_NONE;
}

static void legend_row(gb_doc *d, const gb_report_run *run) {
  char machine[GB_DOC_CELL_MAX];
  const char *cpu = gb_report_run_field(run, "machine.cpu_model");
  const char *cores = gb_report_run_field(run, "machine.cores");
  if (cpu && cores)
    gb_doc_textf(machine, sizeof machine, "%s, %s cores", cpu, cores);
  else
    gb_doc_textf(machine, sizeof machine, "%s", cpu ? cpu : GB_DOC_NONE);
  const char *name = gb_report_run_field(run, "name");
  const char *cells[] = {run->label,
                         run->dir,
                         name ? name : field_or_none(run, "workload.name"),
                         field_or_none(run, "git_describe"),
                         field_or_none(run, "seed"),
                         field_or_none(run, "transport"),
                         machine,
                         field_or_none(run, "start_utc")};
  gb_doc_row(d, cells, sizeof cells / sizeof cells[0], false);
}

/* What a --repeat directory contributes, said once per such run. */
static void repeat_note(gb_doc *d, const gb_report_run *run) {
  char line[GB_DOC_CELL_MAX * 3];
  gb_doc_textf(line, sizeof line,
               "%s is a run --repeat %zu directory: its tables use the top summary.csv (the "
               "medians of the %zu repeats; the verdicts the worst); its spectra, timeline and "
               "arms are repeat-%zu's, %s.",
               run->label, run->repeats, run->repeats, run->repeat_used,
               run->by_median ? "the repeat whose e2e p99 is closest to the median"
                              : "for want of an e2e p99 to find the median repeat by");
  gb_doc_para(d, line);
}

static void write_legend(gb_doc *d, const gb_report_run *runs, size_t n) {
  gb_doc_heading(d, 2, "Runs");
  const char *headers[] = {"run",  "directory", "workload", "git describe",
                           "seed", "transport", "machine",  "started (UTC)"};
  gb_doc_table_begin(d, headers, sizeof headers / sizeof headers[0]);
  for (size_t i = 0; i < n; i++)
    legend_row(d, &runs[i]);
  gb_doc_table_end(d);
  for (size_t i = 0; i < n; i++)
    if (runs[i].repeats > 0)
      repeat_note(d, &runs[i]);
}

/* ---- the headline table: a column per run ------------------------------------------------ */

typedef void (*number_fmt)(double v, char *buf, size_t cap);

static void mib(double bytes, char *buf, size_t cap) { gb_doc_sig3(bytes / MIB, buf, cap); }

static void yes_no(double v, char *buf, size_t cap) {
  gb_doc_textf(buf, cap, "%s", isnan(v) ? GB_DOC_NONE : v != 0 ? "yes" : "no");
}

/* The registry's direction of a metric as a mark after its label: " ↑" higher is better,
 * " ↓" lower is better, nothing when neither. */
static const char *better_mark(const gb_metric_def *def) {
  return def->direction == GB_METRIC_HIGHER_BETTER  ? " ↑"
         : def->direction == GB_METRIC_LOWER_BETTER ? " ↓"
                                                    : "";
}

/* A row of one summary metric across the runs (at most GB_REPORT_RUNS_MAX). */
static void metric_row(gb_doc *d, const gb_report_run *runs, size_t n, const char *label,
                       const char *name, number_fmt fmt) {
  char values[GB_REPORT_RUNS_MAX][GB_DOC_NUM_MAX], marked[GB_DOC_CELL_MAX];
  const gb_metric_def *def = gb_metric_find(name, GB_METRIC_SUMMARY);
  GB_ASSERT(def != NULL); /* every headline metric is a registry row */
  gb_doc_textf(marked, sizeof marked, "%s%s", label, better_mark(def));
  const char *cells[1 + GB_REPORT_RUNS_MAX] = {marked};
  for (size_t i = 0; i < n; i++) {
    fmt(metric(&runs[i], name), values[i], sizeof values[i]);
    cells[1 + i] = values[i];
  }
  gb_doc_row(d, cells, 1 + n, false);
}

static void use_rate_rows(gb_doc *d, const gb_report_run *runs, size_t n) {
  const char *names[GB_REPORT_ARMS_MAX];
  size_t n_arms = gb_report_multi_arms(runs, n, names, GB_REPORT_ARMS_MAX);
  for (size_t a = 0; a < n_arms; a++) {
    char label[GB_DOC_CELL_MAX], values[GB_REPORT_RUNS_MAX][GB_DOC_NUM_MAX];
    gb_doc_textf(label, sizeof label, "use rate: %s%s", names[a],
                 better_mark(gb_metric_find("use_rate", GB_METRIC_ARM)));
    const char *cells[1 + GB_REPORT_RUNS_MAX] = {label};
    for (size_t i = 0; i < n; i++) {
      const gb_results_arm *arm = gb_report_multi_arm(&runs[i], names[a]);
      gb_doc_percent(arm ? arm->use_rate : NAN, values[i], sizeof values[i]);
      cells[1 + i] = values[i];
    }
    gb_doc_row(d, cells, 1 + n, false);
  }
}

static void write_headline(gb_doc *d, const gb_report_run *runs, size_t n) {
  gb_doc_heading(d, 2, "Headline");
  const char *headers[1 + GB_REPORT_RUNS_MAX] = {"measure"};
  for (size_t i = 0; i < n; i++)
    headers[1 + i] = runs[i].label;
  gb_doc_table_begin(d, headers, 1 + n);
  metric_row(d, runs, n, "events generated", "events_generated", gb_doc_count);
  metric_row(d, runs, n, "events lost", "events_lost", gb_doc_count);
  metric_row(d, runs, n, "events rejected", "events_rejected", gb_doc_count);
  metric_row(d, runs, n, "target rate (events/s)", "target_rate_eps", gb_doc_rate);
  metric_row(d, runs, n, "achieved rate (events/s)", "achieved_rate_eps", gb_doc_rate);
  metric_row(d, runs, n, "rate sustained", "rate_sustained", yes_no);
  static const struct {
    const char *label, *metric;
  } LATENCY[] = {
      {"e2e p50 (µs)", "latency_e2e_p50_us"},
      {"e2e p99 (µs)", "latency_e2e_p99_us"},
      {"e2e p99.9 (µs)", "latency_e2e_p999_us"},
      {"decision p50 (µs)", "latency_decision_p50_us"},
      {"decision p99 (µs)", "latency_decision_p99_us"},
      {"decision p99.9 (µs)", "latency_decision_p999_us"},
  };
  for (size_t k = 0; k < sizeof LATENCY / sizeof LATENCY[0]; k++)
    metric_row(d, runs, n, LATENCY[k].label, LATENCY[k].metric, gb_doc_sig3);
  metric_row(d, runs, n, "peak RSS (MiB)", "peak_rss_bytes", mib);
  use_rate_rows(d, runs, n);
  gb_doc_table_end(d);
  gb_doc_para(d, "↑ higher is better, ↓ lower is better (the metric registry, docs/results.md). "
                 "Latencies are corrected for coordinated omission (measured from each event's "
                 "intended send time). Use rate: each arm's props used over props generated "
                 "(arms.csv).");
}

/* ---- latency ----------------------------------------------------------------------------- */

/* "p50 / p99 / p99.9" of one stage (corrected), "–" when the run has none of them. */
static void stage_cell(const gb_report_run *run, const char *stage, char *buf, size_t cap) {
  static const char *const STATS[] = {"p50", "p99", "p999"};
  char v[3][GB_DOC_NUM_MAX], name[GB_DOC_CELL_MAX];
  bool any = false;
  for (size_t k = 0; k < 3; k++) {
    gb_doc_textf(name, sizeof name, "latency_%s_%s_us", stage, STATS[k]);
    double x = metric(run, name);
    any = any || !isnan(x);
    gb_doc_sig3(x, v[k], sizeof v[k]);
  }
  gb_doc_textf(buf, cap, "%s", GB_DOC_NONE);
  if (any)
    gb_doc_textf(buf, cap, "%s / %s / %s", v[0], v[1], v[2]);
}

static void write_latency(gb_doc *d, const gb_report_run *runs, size_t n,
                          const gb_doc_plot_state *states, const char *out_dir) {
  gb_doc_heading(d, 2, "Latency");
  const char *headers[1 + GB_REPORT_RUNS_MAX] = {"stage: p50 / p99 / p99.9 (µs)"};
  for (size_t i = 0; i < n; i++)
    headers[1 + i] = runs[i].label;
  gb_doc_table_begin(d, headers, 1 + n);
  for (size_t i = 0; i < n; i++) {
    size_t m = 0;
    const char *const *stages = gb_results_stages(runs[i].top, &m);
    for (size_t s = 0; s < m; s++) {
      bool seen = false; /* a row per stage, at its first run */
      for (size_t j = 0; j < i && !seen; j++) {
        size_t mj = 0;
        const char *const *other = gb_results_stages(runs[j].top, &mj);
        for (size_t t = 0; t < mj && !seen; t++)
          seen = strcmp(other[t], stages[s]) == 0;
      }
      char cells_text[GB_REPORT_RUNS_MAX][GB_DOC_CELL_MAX];
      const char *cells[1 + GB_REPORT_RUNS_MAX] = {stages[s]};
      for (size_t j = 0; j < n; j++) {
        stage_cell(&runs[j], stages[s], cells_text[j], sizeof cells_text[j]);
        cells[1 + j] = cells_text[j];
      }
      if (!seen)
        gb_doc_row(d, cells, 1 + n, false);
    }
  }
  gb_doc_table_end(d);
  gb_doc_para(d, "The spectra below: each run in its colour, corrected solid, uncorrected "
                 "(from the actual send time) dashed where it differs.");
  gb_doc_plot(d, out_dir, &states[GB_MPLOT_LATENCY_E2E]);
  gb_doc_plot(d, out_dir, &states[GB_MPLOT_LATENCY_DECISION]);
}

/* ---- timeline ---------------------------------------------------------------------------- */

static void timeline_row(gb_doc *d, const gb_report_run *run) {
  const gb_results_series *s = gb_report_multi_timeline(run);
  char stats[GB_DOC_TIMELINE_CELLS][GB_DOC_NUM_MAX];
  gb_doc_timeline_cells(s, stats);
  const char *cells[] = {
      run->label, s ? s->stage : GB_DOC_NONE, stats[0], stats[1], stats[2], stats[3], stats[4]};
  gb_doc_row(d, cells, 7, false);
}

static void write_timeline(gb_doc *d, const gb_report_run *runs, size_t n,
                           const gb_doc_plot_state *states, const char *out_dir) {
  gb_doc_heading(d, 2, "Throughput over time");
  const char *headers[] = {"run",
                           "stage",
                           "intervals",
                           "min throughput (events/s)",
                           "mean throughput (events/s)",
                           "max throughput (events/s)",
                           "worst interval p99 (µs)"};
  gb_doc_table_begin(d, headers, 7);
  for (size_t i = 0; i < n; i++)
    timeline_row(d, &runs[i]);
  gb_doc_table_end(d);
  gb_doc_plot(d, out_dir, &states[GB_MPLOT_THROUGHPUT]);
  gb_doc_plot(d, out_dir, &states[GB_MPLOT_P99]);
}

/* ---- arms -------------------------------------------------------------------------------- */

static void arm_row(gb_doc *d, const gb_report_run *run, const gb_results_arm *a) {
  char decisions[GB_DOC_NUM_MAX], shown[GB_DOC_NUM_MAX], lift[GB_DOC_NUM_MAX];
  char use[GB_DOC_CELL_MAX], ctr[GB_DOC_CELL_MAX];
  gb_doc_count(a->decisions, decisions, sizeof decisions);
  gb_doc_count(a->props_shown, shown, sizeof shown);
  gb_doc_rate_with_ci(a->use_rate, a->use_rate_ci_low, a->use_rate_ci_high, use, sizeof use);
  gb_doc_rate_with_ci(a->ctr, a->ctr_ci_low, a->ctr_ci_high, ctr, sizeof ctr);
  char num[GB_DOC_NUM_MAX];
  gb_doc_fixed(a->lift_vs_random * PERCENT, 1, num, sizeof num);
  gb_doc_textf(lift, sizeof lift, "%s%s%s", a->lift_vs_random > 0 ? "+" : "", num,
               isnan(a->lift_vs_random) ? "" : " %");
  const char *cells[] = {a->arm, run->label, a->algorithm, decisions, shown, use, ctr, lift};
  gb_doc_row(d, cells, sizeof cells / sizeof cells[0], false);
}

static void write_arms(gb_doc *d, const gb_report_run *runs, size_t n,
                       const gb_doc_plot_state *states, const char *out_dir) {
  gb_doc_heading(d, 2, "Recommendation arms");
  const char *names[GB_REPORT_ARMS_MAX];
  size_t n_arms = gb_report_multi_arms(runs, n, names, GB_REPORT_ARMS_MAX);
  if (n_arms == 0) {
    gb_doc_para(d, "No run has arms.csv: no per-arm quality metrics.");
    return;
  }
  const char *headers[] = {"arm",           "run",
                           "algorithm",     "decisions",
                           "props shown",   "use rate (95 % CI)",
                           "CTR (95 % CI)", "lift vs its run's random"};
  gb_doc_table_begin(d, headers, sizeof headers / sizeof headers[0]);
  for (size_t a = 0; a < n_arms; a++)
    for (size_t i = 0; i < n; i++) {
      const gb_results_arm *arm = gb_report_multi_arm(&runs[i], names[a]);
      if (arm)
        arm_row(d, &runs[i], arm);
    }
  gb_doc_table_end(d);
  gb_doc_plot(d, out_dir, &states[GB_MPLOT_USE_RATE]);
  gb_doc_plot(d, out_dir, &states[GB_MPLOT_CTR]);
}

static void write_daily(gb_doc *d, const gb_report_run *runs, size_t n,
                        const gb_doc_plot_state *states, const char *out_dir) {
  gb_doc_heading(d, 2, "Use rate over sim time");
  bool any = false;
  for (size_t i = 0; i < n; i++)
    any = any || gb_results_has(runs[i].detail, GB_RESULTS_ARMS_DAILY);
  if (!any) {
    gb_doc_para(d, "No run has arms_daily.csv: no use rate over sim time.");
    return;
  }
  gb_doc_para(d, "Each arm's use rate of the props of each period's decisions, per run, with its "
                 "95 % Wilson band (a run without arms_daily.csv has no line).");
  gb_doc_plot(d, out_dir, &states[GB_MPLOT_DAILY]);
}

void gb_report_multi_write(gb_doc *d, const gb_report_run *runs, size_t n, const char *out_dir,
                           const gb_doc_plot_state states[GB_MPLOT_COUNT]) {
  char title[GB_DOC_CELL_MAX];
  gb_doc_textf(title, sizeof title, "gamebench comparative report: %zu runs", n);
  gb_doc_begin(d, title);
  for (size_t i = 0; i < n; i++)
    write_verdict(d, &runs[i]);
  write_legend(d, runs, n);
  write_headline(d, runs, n);
  write_latency(d, runs, n, states, out_dir);
  write_timeline(d, runs, n, states, out_dir);
  write_arms(d, runs, n, states, out_dir);
  write_daily(d, runs, n, states, out_dir);
  gb_doc_end(d);
}
