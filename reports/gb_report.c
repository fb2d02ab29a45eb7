#include "gb_report.h"
#include "gb_path.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "gb_afile.h"
#include "gb_csv.h"
#include "gb_plot.h"
#include "gb_results.h"

/* Shown for an undefined or absent value. */
static const char NONE[] = "–";

enum {
  NUM_MAX = 48,  /* one formatted number (with a short unit) */
  CELL_MAX = 256 /* one table cell or short line */
};

/* ---- number display (locale-independent) ------------------------------------------------- */

/* Above this magnitude values are shown as plain integers (no decimals worth showing). */
static const double BIG = 1e12;

/* The most decimals a number is shown with (the callers use 0 to 3); it also bounds the
 * zero-padded width the compiler checks the buffer against. */
enum { DECIMALS_MAX = 6 };

/* v rounded (half away from zero) to `decimals` places (0 .. DECIMALS_MAX), always with that
 * many decimals ("12.30"; "121" for 120.5 with no decimals). */
static void fixed(double v, int decimals, char *buf, size_t cap) {
  GB_ASSERT(decimals >= 0 && decimals <= DECIMALS_MAX);
  if (isnan(v) || isinf(v)) {
    snprintf(buf, cap, "%s", NONE);
    return;
  }
  if (fabs(v) >= BIG) {
    snprintf(buf, cap, "%.0f", v); /* no decimal point: locale-proof */
    return;
  }
  long long scale = 1;
  for (int i = 0; i < decimals; i++)
    scale *= 10;
  long long scaled = llround(v * (double)scale);
  unsigned long long mag = scaled < 0 ? (unsigned long long)-scaled : (unsigned long long)scaled;
  const char *sign = scaled < 0 ? "-" : "";
  if (decimals <= 0)
    snprintf(buf, cap, "%s%llu", sign, mag);
  else
    snprintf(buf, cap, "%s%llu.%0*llu", sign, mag / (unsigned long long)scale, decimals,
             mag % (unsigned long long)scale);
}

/* At least three significant digits, without exponent: 0.251, 2.51, 25.1, 251, 2510. */
static void sig3(double v, char *buf, size_t cap) {
  double a = fabs(v);
  fixed(v, a < 1 ? 3 : a < 10 ? 2 : a < 100 ? 1 : 0, buf, cap);
}

static void count(double v, char *buf, size_t cap) { fixed(v, 0, buf, cap); }

/* Events per second: one decimal, so that 9999.5 does not read as the 10000 target. */
static void rate(double v, char *buf, size_t cap) { fixed(v, 1, buf, cap); }

/* A fraction in [0, 1] as a percentage with two decimals: "12.34 %". */
static void percent(double fraction, char *buf, size_t cap) {
  static const double PERCENT = 100;
  if (isnan(fraction)) {
    snprintf(buf, cap, "%s", NONE);
    return;
  }
  char num[NUM_MAX - 8]; /* room for the " %" */
  fixed(fraction * PERCENT, 2, num, sizeof num);
  snprintf(buf, cap, "%s %%", num);
}

/* ---- the document: Markdown and HTML written side by side -------------------------------- */

typedef struct doc {
  FILE *md, *html;
} doc;

static void md_text(FILE *out, const char *s) {
  for (; *s; s++) {
    if (strchr("\\`*_[]<>|#", *s))
      fputc('\\', out);
    fputc(*s == '\n' ? ' ' : *s, out);
  }
}

static void html_text(FILE *out, const char *s) {
  for (; *s; s++) {
    switch (*s) {
    case '&':
      fputs("&amp;", out);
      break;
    case '<':
      fputs("&lt;", out);
      break;
    case '>':
      fputs("&gt;", out);
      break;
    case '"':
      fputs("&quot;", out);
      break;
    default:
      fputc(*s, out);
    }
  }
}

static void doc_heading(doc *d, int level, const char *text) {
  fprintf(d->md, "%.*s ", level, "######");
  md_text(d->md, text);
  fputs("\n\n", d->md);
  fprintf(d->html, "<h%d>", level);
  html_text(d->html, text);
  fprintf(d->html, "</h%d>\n", level);
}

static void doc_para(doc *d, const char *text) {
  md_text(d->md, text);
  fputs("\n\n", d->md);
  fputs("<p>", d->html);
  html_text(d->html, text);
  fputs("</p>\n", d->html);
}

/* A verdict line: `lead` in bold, then `rest`; `bad` colours it in HTML. */
static void doc_verdict(doc *d, bool bad, const char *lead, const char *rest) {
  fputs("**", d->md);
  md_text(d->md, lead);
  fputs("**", d->md);
  md_text(d->md, rest);
  fputs("\n\n", d->md);
  fprintf(d->html, "<p class=\"verdict %s\"><strong>", bad ? "bad" : "good");
  html_text(d->html, lead);
  fputs("</strong>", d->html);
  html_text(d->html, rest);
  fputs("</p>\n", d->html);
}

static void doc_row(doc *d, const char *const *cells, size_t n, bool header) {
  fputs("|", d->md);
  fputs("<tr>", d->html);
  for (size_t i = 0; i < n; i++) {
    fputc(' ', d->md);
    md_text(d->md, cells[i]);
    fputs(" |", d->md);
    fputs(header ? "<th>" : "<td>", d->html);
    html_text(d->html, cells[i]);
    fputs(header ? "</th>" : "</td>", d->html);
  }
  fputs("\n", d->md);
  fputs("</tr>\n", d->html);
}

static void doc_table_begin(doc *d, const char *const *headers, size_t n) {
  fputs("<table>\n", d->html);
  doc_row(d, headers, n, true);
  fputs("|", d->md);
  for (size_t i = 0; i < n; i++)
    fputs("---|", d->md);
  fputs("\n", d->md);
}

static void doc_table_end(doc *d) {
  fputs("\n", d->md);
  fputs("</table>\n", d->html);
}

/* ---- plots ------------------------------------------------------------------------------- */

/* What happened to one plot of the report. */
typedef struct plot_state {
  const char *name;    /* base name under plots/ */
  const char *caption; /* alt text */
  char why_missing[GB_ERR_MSG_MAX];
} plot_state;

enum { PLOT_LATENCY, PLOT_THROUGHPUT, PLOT_P99, PLOT_ARMS, N_PLOTS };

static bool plot_exists(const char *dir, const char *name, const char *ext) {
  char rel[CELL_MAX];
  snprintf(rel, sizeof rel, "plots/%s.%s", name, ext);
  char *path = gb_path_join(dir, rel);
  struct stat st;
  bool ok = path && stat(path, &st) == 0 && st.st_size > 0;
  free(path);
  return ok;
}

static void doc_plot(doc *d, const char *dir, const plot_state *p) {
  if (p->why_missing[0] || !plot_exists(dir, p->name, "png") || !plot_exists(dir, p->name, "svg")) {
    char line[GB_ERR_MSG_MAX + 64];
    snprintf(line, sizeof line, "Plot %s not drawn: %s", p->name,
             p->why_missing[0] ? p->why_missing : "not present in plots/");
    doc_para(d, line);
    return;
  }
  fputs("![", d->md);
  md_text(d->md, p->caption);
  fprintf(d->md, "](plots/%s.png)\n\n", p->name);
  fprintf(d->html, "<figure><img src=\"plots/%s.svg\" alt=\"", p->name);
  html_text(d->html, p->caption);
  fputs("\"></figure>\n", d->html);
}

typedef int (*plot_fn)(const gb_results *r, const char *plots_dir, gb_err *err);

/* Draws one group of plots; a failure is recorded for the report and warned about. */
static void draw(const gb_results *r, const char *plots_dir, plot_fn fn, plot_state *states,
                 size_t n_states) {
  gb_err err = {0};
  if (fn(r, plots_dir, &err) == 0)
    return;
  fprintf(stderr, "gamebench: warning: %s\n", err.msg);
  for (size_t i = 0; i < n_states; i++)
    snprintf(states[i].why_missing, sizeof states[i].why_missing, "%s", err.msg);
}

static int draw_plots(const gb_results *r, plot_state *plots, gb_err *err) {
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

static void write_verdicts(doc *d, const gb_results *r) {
  char rest[CELL_MAX], a[NUM_MAX], b[NUM_MAX], c[NUM_MAX];
  double sustained = gb_results_metric_value(r, "rate_sustained");
  double target = gb_results_metric_value(r, "target_rate_eps");
  double achieved = gb_results_metric_value(r, "achieved_rate_eps");
  double lost = gb_results_metric_value(r, "events_lost");
  double generated = gb_results_metric_value(r, "events_generated");
  bool rate_bad = sustained == 0, loss_bad = lost > 0;
  if (rate_bad) {
    rate(achieved, a, sizeof a);
    rate(target, b, sizeof b);
    percent(achieved / target, c, sizeof c);
    snprintf(rest, sizeof rest, ": achieved %s events/s of the %s events/s target (%s).", a, b, c);
    doc_verdict(d, true, "Target rate not sustained", rest);
  }
  if (loss_bad) {
    count(lost, a, sizeof a);
    count(generated, b, sizeof b);
    percent(lost / generated, c, sizeof c);
    snprintf(rest, sizeof rest, ": %s of %s generated events (%s).", a, b, c);
    doc_verdict(d, true, "Events lost", rest);
  }
  if (isnan(sustained))
    doc_para(d, "No rate verdict: summary.csv has no rate_sustained value.");
  if (!rate_bad && !loss_bad && !isnan(sustained)) {
    rate(target, a, sizeof a);
    snprintf(rest, sizeof rest, ": %s events/s sustained, %s events lost.", a,
             isnan(lost) ? "unknown" : "no");
    doc_verdict(d, false, "Target rate sustained", rest);
  }
}

static void write_subtitle(doc *d, const gb_results *r) {
  if (!gb_results_has(r, GB_RESULTS_MANIFEST)) {
    doc_para(d, "manifest.json not present: no workload, build or machine fingerprint.");
    return;
  }
  static const struct {
    const char *key, *label, *unit;
  } PARTS[] = {{"start_utc", "started ", ""},
               {"git_describe", "build ", ""},
               {"seed", "seed ", ""},
               {"transport", "transport ", ""},
               {"wall_seconds", "wall time ", " s"}};
  char line[CELL_MAX * 4] = "";
  size_t used = 0;
  for (size_t i = 0; i < sizeof PARTS / sizeof PARTS[0]; i++) {
    const char *v = manifest_text(r, PARTS[i].key);
    if (v && used < sizeof line)
      used += (size_t)snprintf(line + used, sizeof line - used, "%s%s%s%s", used ? ", " : "",
                               PARTS[i].label, v, PARTS[i].unit);
  }
  if (used > 0)
    doc_para(d, line);
}

typedef void (*number_fmt)(double v, char *buf, size_t cap);

static void metric_row(doc *d, const gb_results *r, const char *label, const char *metric,
                       number_fmt fmt, const char *unit) {
  char v[NUM_MAX], cell[CELL_MAX];
  fmt(gb_results_metric_value(r, metric), v, sizeof v);
  if (strcmp(v, NONE) == 0 || !unit)
    snprintf(cell, sizeof cell, "%s", v);
  else
    snprintf(cell, sizeof cell, "%s %s", v, unit);
  const char *cells[] = {label, cell};
  doc_row(d, cells, 2, false);
}

static void write_headline(doc *d, const gb_results *r) {
  doc_heading(d, 2, "Headline");
  const char *headers[] = {"measure", "value"};
  doc_table_begin(d, headers, 2);
  metric_row(d, r, "events generated", "events_generated", count, NULL);
  metric_row(d, r, "events consumed", "events_consumed", count, NULL);
  metric_row(d, r, "events processed", "events_processed", count, NULL);
  metric_row(d, r, "events lost", "events_lost", count, NULL);
  metric_row(d, r, "events rejected", "events_rejected", count, NULL);
  metric_row(d, r, "target rate", "target_rate_eps", rate, "events/s");
  metric_row(d, r, "achieved rate", "achieved_rate_eps", rate, "events/s");
  double sustained = gb_results_metric_value(r, "rate_sustained");
  const char *cells[] = {"rate sustained", isnan(sustained) ? NONE : sustained != 0 ? "yes" : "no"};
  doc_row(d, cells, 2, false);
  static const double MIB = 1024.0 * 1024.0;
  char v[NUM_MAX], cell[CELL_MAX];
  double rss = gb_results_metric_value(r, "peak_rss_bytes");
  sig3(rss / MIB, v, sizeof v);
  snprintf(cell, sizeof cell, "%s%s", v, isnan(rss) ? "" : " MiB");
  const char *rss_cells[] = {"peak RSS", cell};
  doc_row(d, rss_cells, 2, false);
  doc_table_end(d);
}

/* Statistics of the latency table and their summary.csv names. */
static const struct {
  const char *suffix, *header;
} LATENCY_STATS[] = {
    {"p50", "p50 (µs)"}, {"p99", "p99 (µs)"}, {"p999", "p99.9 (µs)"}, {"max", "max (µs)"}};
enum { N_LATENCY_STATS = sizeof LATENCY_STATS / sizeof LATENCY_STATS[0] };

/* One row of the latency table; nothing when summary.csv has none of its statistics. */
static void latency_row(doc *d, const gb_results *r, const char *stage, bool corrected) {
  char values[N_LATENCY_STATS][NUM_MAX];
  const char *cells[2 + N_LATENCY_STATS] = {stage, corrected ? "intended send (corrected)"
                                                             : "actual send (uncorrected)"};
  bool any = false;
  for (size_t i = 0; i < N_LATENCY_STATS; i++) {
    char metric[CELL_MAX];
    snprintf(metric, sizeof metric, "latency_%s%s_%s_us", stage, corrected ? "" : "_uncorrected",
             LATENCY_STATS[i].suffix);
    double v = gb_results_metric_value(r, metric);
    any = any || !isnan(v);
    sig3(v, values[i], sizeof values[i]);
    cells[2 + i] = values[i];
  }
  if (any)
    doc_row(d, cells, 2 + N_LATENCY_STATS, false);
}

static void write_latency(doc *d, const gb_results *r, const plot_state *plot) {
  doc_heading(d, 2, "Latency");
  size_t n = 0;
  const char *const *stages = gb_results_stages(r, &n);
  if (n == 0) {
    doc_para(d, "No latency metrics in summary.csv and no latency.csv.");
    return;
  }
  doc_para(d, "Corrected latency is measured from each event's intended send time (so a stalled "
              "sender cannot hide queueing: coordinated omission), uncorrected from its actual "
              "send time.");
  const char *headers[2 + N_LATENCY_STATS] = {"stage", "measured from"};
  for (size_t i = 0; i < N_LATENCY_STATS; i++)
    headers[2 + i] = LATENCY_STATS[i].header;
  doc_table_begin(d, headers, 2 + N_LATENCY_STATS);
  for (size_t i = 0; i < n; i++) {
    latency_row(d, r, stages[i], true);
    latency_row(d, r, stages[i], false);
  }
  doc_table_end(d);
  if (gb_results_has(r, GB_RESULTS_LATENCY))
    doc_plot(d, gb_results_dir(r), plot);
  else
    doc_para(d, "latency.csv not present: no percentile spectrum.");
}

static void timeline_row(doc *d, const gb_results_series *s) {
  double lo = INFINITY, hi = -INFINITY, sum = 0, worst_p99 = NAN;
  for (size_t i = 0; i < s->n; i++) {
    double t = s->rows[i].throughput_eps;
    lo = fmin(lo, t);
    hi = fmax(hi, t);
    sum += t;
    if (!isnan(s->rows[i].p99_us) && !(worst_p99 >= s->rows[i].p99_us))
      worst_p99 = s->rows[i].p99_us;
  }
  char n[NUM_MAX], a[NUM_MAX], b[NUM_MAX], c[NUM_MAX], w[NUM_MAX];
  count((double)s->n, n, sizeof n);
  rate(s->n ? lo : NAN, a, sizeof a);
  rate(s->n ? sum / (double)s->n : NAN, b, sizeof b);
  rate(s->n ? hi : NAN, c, sizeof c);
  sig3(worst_p99, w, sizeof w);
  const char *cells[] = {s->stage, n, a, b, c, w};
  doc_row(d, cells, 6, false);
}

static void write_timeline(doc *d, const gb_results *r, const plot_state *plots) {
  doc_heading(d, 2, "Throughput over time");
  if (!gb_results_has(r, GB_RESULTS_TIMELINE)) {
    doc_para(d, "timeline.csv not present: no throughput timeline.");
    return;
  }
  size_t n = 0;
  const gb_results_series *s = gb_results_timeline(r, &n);
  if (n == 0) {
    doc_para(d, "timeline.csv has no intervals.");
    return;
  }
  const char *headers[] = {"stage",
                           "intervals",
                           "min throughput (events/s)",
                           "mean throughput (events/s)",
                           "max throughput (events/s)",
                           "worst interval p99 (µs)"};
  doc_table_begin(d, headers, 6);
  for (size_t i = 0; i < n; i++)
    timeline_row(d, &s[i]);
  doc_table_end(d);
  doc_plot(d, gb_results_dir(r), &plots[PLOT_THROUGHPUT]);
  bool any_p99 = false;
  for (size_t i = 0; i < n; i++)
    for (size_t j = 0; j < s[i].n; j++)
      any_p99 = any_p99 || !isnan(s[i].rows[j].p99_us);
  if (any_p99)
    doc_plot(d, gb_results_dir(r), &plots[PLOT_P99]);
  else
    doc_para(d, "timeline.csv has no p99_us values: no p99 timeline.");
}

/* "12.34 % (11.90 – 12.80 %)" */
static void rate_with_ci(double v, double lo, double hi, char *buf, size_t cap) {
  char a[NUM_MAX], b[NUM_MAX], c[NUM_MAX];
  percent(v, a, sizeof a);
  if (isnan(lo) || isnan(hi)) {
    snprintf(buf, cap, "%s", a);
    return;
  }
  percent(lo, b, sizeof b);
  percent(hi, c, sizeof c);
  snprintf(buf, cap, "%s (%s – %s)", a, b, c);
}

static void arm_row(doc *d, const gb_results_arm *a) {
  static const double PERCENT = 100;
  char players[NUM_MAX], decisions[NUM_MAX], shown[NUM_MAX], used[NUM_MAX];
  char use[CELL_MAX], ctr[CELL_MAX], lift[CELL_MAX], regret[CELL_MAX];
  count(a->players, players, sizeof players);
  count(a->decisions, decisions, sizeof decisions);
  count(a->props_shown, shown, sizeof shown);
  count(a->props_used, used, sizeof used);
  rate_with_ci(a->use_rate, a->use_rate_ci_low, a->use_rate_ci_high, use, sizeof use);
  rate_with_ci(a->ctr, a->ctr_ci_low, a->ctr_ci_high, ctr, sizeof ctr);
  char num[NUM_MAX];
  fixed(a->lift_vs_random * PERCENT, 1, num, sizeof num);
  snprintf(lift, sizeof lift, "%s%s%s", a->lift_vs_random > 0 ? "+" : "", num,
           isnan(a->lift_vs_random) ? "" : " %");
  fixed(a->regret_vs_oracle * PERCENT, 2, num, sizeof num);
  snprintf(regret, sizeof regret, "%s%s", num, isnan(a->regret_vs_oracle) ? "" : " pp");
  const char *cells[] = {a->arm, a->algorithm, players, decisions, shown,
                         used,   use,          ctr,     lift,      regret};
  doc_row(d, cells, 10, false);
}

static void write_arms(doc *d, const gb_results *r, const plot_state *plot) {
  doc_heading(d, 2, "Recommendation arms");
  if (!gb_results_has(r, GB_RESULTS_ARMS)) {
    doc_para(d, "arms.csv not present: no per-arm quality metrics.");
    return;
  }
  size_t n = 0;
  const gb_results_arm *arms = gb_results_arms(r, &n);
  if (n == 0) {
    doc_para(d, "arms.csv has no arms.");
    return;
  }
  const char *headers[] = {
      "arm",        "algorithm",          "players",       "decisions",      "props shown",
      "props used", "use rate (95 % CI)", "CTR (95 % CI)", "lift vs random", "regret vs oracle"};
  doc_table_begin(d, headers, 10);
  for (size_t i = 0; i < n; i++)
    arm_row(d, &arms[i]);
  doc_table_end(d);
  doc_plot(d, gb_results_dir(r), plot);
}

/* ---- partitions ------------------------------------------------------------------------- */

/* Beyond this many partitions the table lists only those that do not balance. */
enum { PARTITION_ROWS_MAX = 64, PARTITION_COLS = 11 };

static bool partition_balances(const gb_results_partition *p) {
  return !(p->lost > 0) && !(p->gaps > 0) && !(p->failed > 0);
}

static void partition_row(doc *d, const gb_results_partition *p) {
  const double *v[PARTITION_COLS] = {&p->partition,    &p->sent,     &p->produced,  &p->failed,
                                     &p->acknowledged, &p->consumed, &p->delivered, &p->replayed,
                                     &p->redelivered,  &p->gaps,     &p->lost};
  char buf[PARTITION_COLS][NUM_MAX];
  const char *cells[PARTITION_COLS];
  for (size_t i = 0; i < PARTITION_COLS; i++) {
    count(*v[i], buf[i], sizeof buf[i]);
    cells[i] = buf[i];
  }
  doc_row(d, cells, PARTITION_COLS, false);
}

static void write_partitions(doc *d, const gb_results *r) {
  doc_heading(d, 2, "Partitions");
  size_t n = 0;
  const gb_results_partition *parts = gb_results_partitions(r, &n);
  if (!gb_results_has(r, GB_RESULTS_PARTITIONS) || n == 0) {
    doc_para(d, "partitions.csv not present: no per-partition reconciliation.");
    return;
  }
  size_t bad = 0;
  for (size_t i = 0; i < n; i++)
    bad += !partition_balances(&parts[i]);
  char text[CELL_MAX * 2];
  if (bad == 0)
    snprintf(text, sizeof text,
             ": all %zu partitions balance (every event sent reached the engine once; replayed "
             "events are counted apart).",
             n);
  else
    snprintf(text, sizeof text, ": %zu of %zu partitions lost events, failed or have gaps.", bad,
             n);
  doc_verdict(d, bad > 0, bad > 0 ? "Partitions do not balance" : "Partitions balance", text);
  const char *headers[PARTITION_COLS] = {"partition",    "sent",     "produced",  "failed",
                                         "acknowledged", "consumed", "delivered", "replayed",
                                         "redelivered",  "gaps",     "lost"};
  bool all = n <= PARTITION_ROWS_MAX;
  if (!all && bad == 0)
    return;
  doc_table_begin(d, headers, PARTITION_COLS);
  for (size_t i = 0; i < n; i++)
    if (all || !partition_balances(&parts[i]))
      partition_row(d, &parts[i]);
  doc_table_end(d);
  if (!all)
    doc_para(d, "Only the partitions that do not balance are listed.");
}

/* Manifest entries under `prefix` (workload) or all others (prefix NULL, exclude = "workload."). */
static void manifest_table(doc *d, const gb_results *r, bool workload) {
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
      doc_table_begin(d, headers, 2);
    any = true;
    const char *cells[] = {workload ? e[i].key + sizeof WORKLOAD - 1 : e[i].key, e[i].text};
    doc_row(d, cells, 2, false);
  }
  if (any)
    doc_table_end(d);
  else
    doc_para(d, workload ? "manifest.json has no workload." : "manifest.json has no fields.");
}

static void write_fingerprint(doc *d, const gb_results *r) {
  doc_heading(d, 2, "Machine and build");
  if (!gb_results_has(r, GB_RESULTS_MANIFEST)) {
    doc_para(d, "manifest.json not present.");
    return;
  }
  manifest_table(d, r, false);
  doc_heading(d, 2, "Workload");
  manifest_table(d, r, true);
}

/* ---- the two files ----------------------------------------------------------------------- */

static const char HTML_HEAD[] =
    "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>";
static const char HTML_STYLE[] =
    "</title>\n<style>\n"
    "body { font-family: system-ui, sans-serif; max-width: 72em; margin: 2em auto; "
    "padding: 0 1em; color: #222; }\n"
    "table { border-collapse: collapse; margin: 1em 0; }\n"
    "th, td { border: 1px solid #ccc; padding: 0.3em 0.6em; text-align: left; }\n"
    "th { background: #f0f0f0; }\n"
    ".verdict { padding: 0.5em 1em; border-left: 0.3em solid; }\n"
    ".bad { border-color: #b00; background: #fdecec; }\n"
    ".good { border-color: #080; background: #ecfdec; }\n"
    "figure { margin: 1em 0; }\nimg { max-width: 100%; }\n"
    "</style>\n</head>\n<body>\n";

static void write_report(doc *d, const gb_results *r, const plot_state *plots) {
  char title[CELL_MAX * 2];
  snprintf(title, sizeof title, "gamebench report: %s", run_name(r));
  fputs(HTML_HEAD, d->html);
  html_text(d->html, title);
  fputs(HTML_STYLE, d->html);
  doc_heading(d, 1, title);
  write_verdicts(d, r);
  write_subtitle(d, r);
  write_headline(d, r);
  write_latency(d, r, &plots[PLOT_LATENCY]);
  write_timeline(d, r, plots);
  write_arms(d, r, &plots[PLOT_ARMS]);
  write_partitions(d, r);
  write_fingerprint(d, r);
  fputs("</body>\n</html>\n", d->html);
}

static int write_files(const gb_results *r, const plot_state *plots, gb_err *err) {
  char *md_path = gb_path_join(gb_results_dir(r), "report.md");
  char *html_path = gb_path_join(gb_results_dir(r), "report.html");
  gb_afile *md = NULL, *html = NULL;
  int rc = md_path && html_path
               ? 0
               : gb_err_set(err, GB_ERR_RUNTIME, "%s: out of memory", gb_results_dir(r));
  if (rc == 0 &&
      (gb_afile_open(md_path, &md, err) != 0 || gb_afile_open(html_path, &html, err) != 0))
    rc = -1;
  if (rc == 0) {
    doc d = {gb_afile_stream(md), gb_afile_stream(html)};
    write_report(&d, r, plots);
    rc = gb_afile_commit(md, err);
    md = NULL;
  }
  if (rc == 0) {
    rc = gb_afile_commit(html, err);
    html = NULL;
  }
  gb_afile_discard(md);
  gb_afile_discard(html);
  free(md_path);
  free(html_path);
  return rc;
}

int gb_report_generate(const char *results_dir, bool plots, gb_err *err) {
  gb_results *r = NULL;
  if (gb_results_load(results_dir, &r, err) != 0)
    return -1;
  plot_state states[N_PLOTS] = {
      [PLOT_LATENCY] = {.name = GB_PLOT_LATENCY, .caption = "Latency by percentile"},
      [PLOT_THROUGHPUT] = {.name = GB_PLOT_THROUGHPUT, .caption = "Throughput over time"},
      [PLOT_P99] = {.name = GB_PLOT_TIMELINE_P99, .caption = "p99 latency over time"},
      [PLOT_ARMS] = {.name = GB_PLOT_ARMS, .caption = "Use rate per arm"},
  };
  int rc = plots ? draw_plots(r, states, err) : 0;
  if (rc == 0)
    rc = write_files(r, states, err);
  gb_results_free(r);
  return rc;
}
