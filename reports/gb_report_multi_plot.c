/* gb_report_multi_plot: the comparative report's plots (gb_report_multi_int.h), every run
 * overlaid on one chart, drawn through gb_plot's gnuplot pipe as PNG and SVG. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gb_grow.h"
#include "gb_path.h"
#include "gb_plot.h"
#include "gb_report_multi_int.h"

static const double PERCENT = 100; /* fractions are shown as percentages */

void gb_report_multi_plot_states(gb_doc_plot_state states[GB_MPLOT_COUNT]) {
  static const struct {
    const char *name, *caption;
  } PLOTS[GB_MPLOT_COUNT] = {
      [GB_MPLOT_LATENCY_E2E] = {"latency_e2e", "End-to-end latency by percentile, per run"},
      [GB_MPLOT_LATENCY_DECISION] = {"latency_decision", "Decision latency by percentile, per run"},
      [GB_MPLOT_THROUGHPUT] = {"timeline_throughput", "Throughput over time, per run"},
      [GB_MPLOT_P99] = {"timeline_p99", "p99 latency over time, per run"},
      [GB_MPLOT_USE_RATE] = {"arms_use_rate", "Use rate per arm and run"},
      [GB_MPLOT_CTR] = {"arms_ctr", "CTR per arm and run"},
      [GB_MPLOT_DAILY] = {"arms_use_rate_over_time", "Use rate per arm over sim time, per run"},
  };
  for (size_t i = 0; i < GB_MPLOT_COUNT; i++)
    states[i] = (gb_doc_plot_state){.name = PLOTS[i].name, .caption = PLOTS[i].caption};
}

/* ---- a chart's series and the memory they hold ------------------------------------------- */

typedef struct chart {
  gb_plot_series *s;
  size_t n, cap;
  void **owned; /* every array and title of the series, freed together */
  size_t n_owned, cap_owned;
  bool oom;
} chart;

static void *chart_keep(chart *c, void *p) {
  gb_err err = {0};
  if (!p || GB_GROW(c->owned, c->cap_owned, c->n_owned + 1, 16, "plot arrays", &err) != 0) {
    free(p);
    c->oom = true;
    return NULL;
  }
  c->owned[c->n_owned++] = p;
  return p;
}

/* n doubles, NaN until set; NULL (and c->oom) when out of memory. */
static double *chart_doubles(chart *c, size_t n) {
  double *v = chart_keep(c, calloc(n ? n : 1, sizeof *v));
  for (size_t i = 0; v && i < n; i++)
    v[i] = NAN;
  return v;
}

static const char *chart_title(chart *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static const char *chart_title(chart *c, const char *fmt, ...) {
  char buf[GB_DOC_CELL_MAX];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  return chart_keep(c, strdup(buf));
}

/* A series being filled: the chart's entry and its arrays, writable. */
typedef struct series_fill {
  gb_plot_series *s;
  double *x, *y, *ylow, *yhigh;
} series_fill;

/* A new series with n points, NaN until set (x, y and, when `interval`, ylow and yhigh); false
 * when out of memory. */
static bool chart_series(chart *c, size_t n, bool interval, series_fill *f) {
  gb_err err = {0};
  *f = (series_fill){0};
  if (GB_GROW(c->s, c->cap, c->n + 1, 8, "plot series", &err) != 0) {
    c->oom = true;
    return false;
  }
  f->x = chart_doubles(c, n);
  f->y = chart_doubles(c, n);
  if (interval) {
    f->ylow = chart_doubles(c, n);
    f->yhigh = chart_doubles(c, n);
  }
  if (c->oom)
    return false;
  f->s = &c->s[c->n++];
  *f->s = (gb_plot_series){.n = n, .x = f->x, .y = f->y, .ylow = f->ylow, .yhigh = f->yhigh};
  return true;
}

static void chart_free(chart *c) {
  for (size_t i = 0; i < c->n_owned; i++)
    free(c->owned[i]);
  free(c->owned);
  free(c->s);
}

/* Draws c under plots_dir/<state's name>; a failure goes into the state and to stderr. */
static void draw_chart(const gb_plot_chart *spec, chart *c, const char *plots_dir,
                       gb_doc_plot_state *state) {
  gb_err err = {0};
  char *base = gb_path_join(plots_dir, state->name);
  int rc = 0;
  if (!base || c->oom)
    rc = gb_err_set(&err, GB_ERR_RUNTIME, "%s/%s: out of memory", plots_dir, state->name);
  else if (c->n == 0) /* the report's section says which file no run has: nothing to warn */
    rc = gb_err_set(&err, GB_ERR_INPUT, "no run has the data for it");
  else
    rc = gb_plot_draw(spec, c->s, c->n, base, &err);
  if (rc != 0 && c->n > 0)
    fprintf(stderr, "gamebench: warning: %s: %s\n", state->name, err.msg);
  if (rc != 0) {
    gb_doc_textf(state->why_missing, sizeof state->why_missing, "%s", err.msg);
  }
  free(base);
  chart_free(c);
}

/* ---- latency spectra --------------------------------------------------------------------- */

static const gb_results_spectrum *find_spectrum(const gb_results *r, const char *stage,
                                                bool corrected) {
  size_t n = 0;
  const gb_results_spectrum *sp = gb_results_spectra(r, &n);
  for (size_t i = 0; i < n; i++)
    if (sp[i].corrected == corrected && strcmp(sp[i].stage, stage) == 0)
      return &sp[i];
  return NULL;
}

static bool same_spectrum(const gb_results_spectrum *a, const gb_results_spectrum *b) {
  if (!a || !b || a->n != b->n)
    return false;
  for (size_t k = 0; k < a->n; k++)
    if (a->points[k].value_us != b->points[k].value_us)
      return false;
  return true;
}

static void spectrum_series(chart *c, const gb_results_spectrum *sp, const char *label, int color) {
  series_fill f;
  if (!chart_series(c, sp->n, false, &f))
    return;
  f.s->title = chart_title(c, "%s%s", label, sp->corrected ? "" : " (uncorrected)");
  f.s->dashed = !sp->corrected;
  f.s->color = color;
  for (size_t k = 0; k < sp->n; k++) {
    double p = sp->points[k].percentile;
    f.x[k] = gb_plot_percentile_x(p);
    f.y[k] = sp->points[k].value_us;
  }
}

static void draw_latency(const gb_report_run *runs, size_t n, const char *stage,
                         const char *plots_dir, gb_doc_plot_state *state) {
  chart c = {0};
  for (size_t i = 0; i < n; i++) {
    const gb_results_spectrum *cor = find_spectrum(runs[i].detail, stage, true);
    const gb_results_spectrum *unc = find_spectrum(runs[i].detail, stage, false);
    if (cor)
      spectrum_series(&c, cor, runs[i].label, (int)i + 1);
    if (unc && !same_spectrum(cor, unc)) /* a service time: the same line twice */
      spectrum_series(&c, unc, runs[i].label, (int)i + 1);
  }
  size_t n_tics = 0;
  const gb_plot_tic *tics = gb_plot_percentile_tics(&n_tics);
  char title[GB_DOC_CELL_MAX];
  gb_doc_textf(title, sizeof title, "Latency by percentile: %s (uncorrected dashed)", stage);
  const gb_plot_chart spec = {.title = title,
                              .xlabel = "percentile",
                              .ylabel = "latency (µs)",
                              .style = GB_PLOT_LINES,
                              .logx = true,
                              .logy = true,
                              .xtics = tics,
                              .n_xtics = n_tics};
  draw_chart(&spec, &c, plots_dir, state);
}

/* ---- timelines --------------------------------------------------------------------------- */

const gb_results_series *gb_report_multi_timeline(const gb_report_run *run) {
  size_t n = 0;
  const gb_results_series *ts = gb_results_timeline(run->detail, &n);
  for (size_t i = 0; i < n; i++)
    if (strcmp(ts[i].stage, GB_MPLOT_STAGE_E2E) == 0)
      return &ts[i];
  return n > 0 ? &ts[0] : NULL;
}

static void draw_timeline(const gb_report_run *runs, size_t n, bool p99, const char *plots_dir,
                          gb_doc_plot_state *state) {
  chart c = {0};
  for (size_t i = 0; i < n; i++) {
    const gb_results_series *ts = gb_report_multi_timeline(&runs[i]);
    bool any = false;
    for (size_t k = 0; ts && k < ts->n; k++)
      any = any || !isnan(p99 ? ts->rows[k].p99_us : ts->rows[k].throughput_eps);
    series_fill f;
    if (!any || !chart_series(&c, ts->n, false, &f))
      continue;
    f.s->title = strcmp(ts->stage, GB_MPLOT_STAGE_E2E) == 0
                     ? runs[i].label
                     : chart_title(&c, "%s (%s)", runs[i].label, ts->stage);
    f.s->color = (int)i + 1;
    for (size_t k = 0; k < ts->n; k++) {
      f.x[k] = ts->rows[k].start_s;
      f.y[k] = p99 ? ts->rows[k].p99_us : ts->rows[k].throughput_eps;
    }
  }
  const gb_plot_chart spec = {.title = p99 ? "p99 latency over time" : "Throughput over time",
                              .xlabel = "time since start (s)",
                              .ylabel = p99 ? "p99 latency (µs)" : "throughput (events/s)",
                              .style = GB_PLOT_LINES,
                              .logy = p99,
                              .y_from_zero = !p99,
                              .x_from_zero = true};
  draw_chart(&spec, &c, plots_dir, state);
}

/* ---- arms -------------------------------------------------------------------------------- */

static double arm_value(const gb_results_arm *arm, bool ctr) {
  return arm ? ctr ? arm->ctr : arm->use_rate : NAN;
}

/* The arms with a value (use rate or CTR) in some run: an arm without props (a control arm) or
 * without impressions has no point to show. */
static size_t plotted_arms(const gb_report_run *runs, size_t n, bool ctr, const char **names) {
  size_t n_all = gb_report_multi_arms(runs, n, names, GB_REPORT_ARMS_MAX), k = 0;
  for (size_t a = 0; a < n_all; a++) {
    bool any = false;
    for (size_t i = 0; i < n && !any; i++)
      any = !isnan(arm_value(gb_report_multi_arm(&runs[i], names[a]), ctr));
    if (any)
      names[k++] = names[a];
  }
  return k;
}

/* Use rate (or CTR) of each arm for each run: points with their 95 % intervals, the runs side by
 * side around each arm's tic. */
static void draw_arms(const gb_report_run *runs, size_t n, bool ctr, const char *plots_dir,
                      gb_doc_plot_state *state) {
  chart c = {0};
  const char *names[GB_REPORT_ARMS_MAX];
  size_t n_arms = plotted_arms(runs, n, ctr, names);
  gb_plot_tic tics[GB_REPORT_ARMS_MAX];
  for (size_t a = 0; a < n_arms; a++)
    tics[a] = (gb_plot_tic){.label = names[a], .at = (double)a};
  /* The runs share 0.6 of the space between two arms, at most 0.2 each. */
  double step = fmin(0.6 / (double)n, 0.2);
  for (size_t i = 0; !c.oom && i < n; i++) {
    series_fill f;
    if (n_arms == 0 || !chart_series(&c, n_arms, true, &f))
      break;
    f.s->title = runs[i].label;
    f.s->color = (int)i + 1;
    for (size_t a = 0; a < n_arms; a++) {
      const gb_results_arm *arm = gb_report_multi_arm(&runs[i], names[a]);
      f.x[a] = (double)a + ((double)i - (double)(n - 1) / 2) * step;
      if (!arm)
        continue;
      f.y[a] = arm_value(arm, ctr) * PERCENT;
      f.ylow[a] = (ctr ? arm->ctr_ci_low : arm->use_rate_ci_low) * PERCENT;
      f.yhigh[a] = (ctr ? arm->ctr_ci_high : arm->use_rate_ci_high) * PERCENT;
    }
  }
  const gb_plot_chart spec = {.title = ctr ? "CTR per arm and run (95% confidence interval)"
                                           : "Use rate per arm and run (95% confidence interval)",
                              .xlabel = "arm",
                              .ylabel = ctr ? "CTR (%)" : "use rate (%)",
                              .style = GB_PLOT_POINTS_CI,
                              .y_from_zero = true,
                              .xtics = tics,
                              .n_xtics = n_arms};
  draw_chart(&spec, &c, plots_dir, state);
}

/* ---- use rate over sim time -------------------------------------------------------------- */

static const double SECONDS_PER_DAY = 86400, SECONDS_PER_HOUR = 3600;

/* The longest period of a run's arms_daily.csv (a day when no row says). */
static double nominal_period(const gb_results *r) {
  size_t n = 0;
  const gb_results_arm_period *rows = gb_results_arm_periods(r, &n);
  double longest = 0;
  for (size_t i = 0; i < n; i++)
    longest = fmax(longest, isnan(rows[i].period_s) ? 0 : rows[i].period_s);
  return longest > 0 ? longest : SECONDS_PER_DAY;
}

/* One series per arm of one run (each its own colour): the use rate at each period's midpoint,
 * over its band. */
static void daily_series(chart *c, const gb_report_run *run, double unit_s) {
  size_t n = 0;
  const gb_results_arm_period *rows = gb_results_arm_periods(run->detail, &n);
  double nominal_s = nominal_period(run->detail);
  for (size_t i = 0; i < n; i++) {
    bool first = true; /* one series per arm, at its first row */
    for (size_t j = 0; j < i && first; j++)
      first = strcmp(rows[j].arm, rows[i].arm) != 0;
    series_fill f;
    if (!first || !chart_series(c, n, true, &f))
      continue;
    f.s->title = chart_title(c, "%s: %s", run->label, rows[i].arm);
    size_t m = 0;
    for (size_t j = i; j < n; j++) {
      const gb_results_arm_period *p = &rows[j];
      if (strcmp(p->arm, rows[i].arm) != 0)
        continue;
      /* the midpoint: the periods before it have the nominal length, the last may be cut */
      double len = isnan(p->period_s) ? nominal_s : p->period_s;
      f.x[m] = (p->period * nominal_s + len / 2) / unit_s;
      f.y[m] = p->use_rate * PERCENT;
      f.ylow[m] = p->use_rate_ci_low * PERCENT;
      f.yhigh[m++] = p->use_rate_ci_high * PERCENT;
    }
    f.s->n = m;
  }
}

static void draw_daily(const gb_report_run *runs, size_t n, const char *plots_dir,
                       gb_doc_plot_state *state) {
  double unit_s = SECONDS_PER_DAY;
  for (size_t i = 0; i < n; i++)
    if (gb_results_has(runs[i].detail, GB_RESULTS_ARMS_DAILY) &&
        nominal_period(runs[i].detail) < SECONDS_PER_DAY)
      unit_s = SECONDS_PER_HOUR;
  chart c = {0};
  for (size_t i = 0; i < n; i++)
    daily_series(&c, &runs[i], unit_s);
  /* Beyond a few series the overlapping bands hide the lines: lines only then. */
  enum { BANDS_MAX = 4 };
  for (size_t k = 0; c.n > BANDS_MAX && k < c.n; k++)
    c.s[k].ylow = c.s[k].yhigh = NULL;
  const gb_plot_chart spec = {
      .title =
          "Use rate per arm and run over sim time (95% confidence bands when 4 lines or fewer)",
      .xlabel =
          unit_s == SECONDS_PER_HOUR ? "sim hours since the start" : "sim days since the start",
      .ylabel = "use rate (%)",
      .style = GB_PLOT_BANDS,
      .y_from_zero = true,
      .x_from_zero = true};
  draw_chart(&spec, &c, plots_dir, state);
}

void gb_report_multi_draw(const gb_report_run *runs, size_t n, const char *plots_dir,
                          gb_doc_plot_state states[GB_MPLOT_COUNT]) {
  draw_latency(runs, n, GB_MPLOT_STAGE_E2E, plots_dir, &states[GB_MPLOT_LATENCY_E2E]);
  draw_latency(runs, n, GB_MPLOT_STAGE_DECISION, plots_dir, &states[GB_MPLOT_LATENCY_DECISION]);
  draw_timeline(runs, n, false, plots_dir, &states[GB_MPLOT_THROUGHPUT]);
  draw_timeline(runs, n, true, plots_dir, &states[GB_MPLOT_P99]);
  draw_arms(runs, n, false, plots_dir, &states[GB_MPLOT_USE_RATE]);
  draw_arms(runs, n, true, plots_dir, &states[GB_MPLOT_CTR]);
  draw_daily(runs, n, plots_dir, &states[GB_MPLOT_DAILY]);
}
