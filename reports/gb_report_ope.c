#include "gb_report_ope.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "gb_csv.h"
#include "gb_path.h"
#include "gb_plot.h"
#include "gb_report_int.h"

/* Shown for an undefined value, as in the rest of the report. */
static const char NONE[] = "–";

enum { CELL_MAX = 128, N_ESTIMATORS_MAX = 8 };

/* ---- ope.csv read back */

typedef struct ope_line {
  const char *arm, *algorithm, *estimator; /* owned by the table */
  double estimate, ci_low, ci_high, truth, error, rows, matched;
} ope_line;

typedef struct ope_file {
  gb_csv_table *table;
  ope_line *lines;
  size_t n;
} ope_file;

static void ope_free(ope_file *f) {
  gb_csv_table_free(f->table);
  free(f->lines);
}

static const char *const TEXT_COLS[] = {"target_arm", "algorithm", "estimator"};
static const char *const NUM_COLS[] = {"estimate", "ci_low", "ci_high",     "truth",
                                       "error",    "rows",   "matched_rows"};
enum { N_TEXT = 3, N_NUM = 7 };

static int parse_line(const gb_csv_table *t, size_t row, const size_t *tc, const size_t *nc,
                      ope_line *l, gb_err *err) {
  l->arm = gb_csv_table_cell(t, row, tc[0]);
  l->algorithm = gb_csv_table_cell(t, row, tc[1]);
  l->estimator = gb_csv_table_cell(t, row, tc[2]);
  double *num[N_NUM] = {&l->estimate, &l->ci_low, &l->ci_high, &l->truth,
                        &l->error,    &l->rows,   &l->matched};
  for (size_t c = 0; c < N_NUM; c++)
    if (gb_csv_table_f64(t, row, nc[c], num[c], err) != 0)
      return -1;
  return 0;
}

/* Loads ope.csv of dir into *f: 0 with *present false when there is none, 0 with the lines, or
 * -1 when it is malformed. */
static int ope_load(const char *dir, ope_file *f, bool *present, gb_err *err) {
  *f = (ope_file){0};
  char *path = gb_path_join(dir, "ope.csv");
  if (!path)
    return gb_err_set(err, GB_ERR_RUNTIME, "%s: out of memory", dir);
  struct stat st;
  *present = stat(path, &st) == 0;
  int rc = *present ? gb_csv_table_read(path, &f->table, err) : 0;
  free(path);
  if (rc != 0 || !*present)
    return rc;
  size_t tc[N_TEXT], nc[N_NUM];
  for (size_t c = 0; rc == 0 && c < N_TEXT; c++)
    rc = gb_csv_table_require(f->table, TEXT_COLS[c], &tc[c], err);
  for (size_t c = 0; rc == 0 && c < N_NUM; c++)
    rc = gb_csv_table_require(f->table, NUM_COLS[c], &nc[c], err);
  size_t rows = gb_csv_table_rows(f->table);
  f->lines = rc == 0 ? calloc(rows ? rows : 1, sizeof *f->lines) : NULL;
  if (rc == 0 && !f->lines)
    rc = gb_err_set(err, GB_ERR_RUNTIME, "%s: out of memory", gb_csv_table_name(f->table));
  for (size_t i = 0; rc == 0 && i < rows; i++)
    rc = parse_line(f->table, i, tc, nc, &f->lines[f->n++], err);
  if (rc != 0)
    ope_free(f);
  return rc;
}

/* ---- the plot */

/* The targets in order of first appearance and the estimators likewise (ope.csv's order). */
typedef struct layout {
  size_t *target_of; /* per line: its target's index */
  size_t n_targets;
  const char *estimators[N_ESTIMATORS_MAX];
  size_t n_estimators;
} layout;

static size_t find_or_add(const char **names, size_t *n, size_t cap, const char *name) {
  for (size_t i = 0; i < *n; i++)
    if (strcmp(names[i], name) == 0)
      return i;
  if (*n < cap)
    names[*n] = name;
  return (*n)++;
}

static int lay_out(const ope_file *f, const char **first_arm, layout *l, gb_err *err) {
  l->target_of = calloc(f->n ? f->n : 1, sizeof *l->target_of);
  if (!l->target_of)
    return gb_err_set(err, GB_ERR_RUNTIME, "ope.csv: out of memory");
  for (size_t i = 0; i < f->n; i++) {
    l->target_of[i] = find_or_add(first_arm, &l->n_targets, f->n, f->lines[i].arm);
    find_or_add(l->estimators, &l->n_estimators, N_ESTIMATORS_MAX, f->lines[i].estimator);
  }
  if (l->n_estimators > N_ESTIMATORS_MAX)
    return gb_err_set(err, GB_ERR_INPUT, "ope.csv: %zu estimators (at most %d)", l->n_estimators,
                      N_ESTIMATORS_MAX);
  return 0;
}

static size_t estimator_index(const layout *l, const char *name) {
  for (size_t e = 0; e < l->n_estimators; e++)
    if (strcmp(l->estimators[e], name) == 0)
      return e;
  return 0; /* not reached: every estimator was added by lay_out */
}

/* Two series: the truth of each target (n_targets points) and every estimate (one per line).
 * Why not a series per estimator: gb_plot_draw gives each series the next colours of gnuplot's
 * cycle, two per series with its error bars, so a third of six series would repeat colours; by
 * position (documented in the axis label) the bars stay distinct. */
typedef struct bars {
  double *tx, *ty, *x, *y, *lo, *hi;
} bars;

static size_t group_width(const layout *l) { return 1 + l->n_estimators + 1; /* + a gap */ }

static int fill_bars(const ope_file *f, const layout *l, bars *b, gb_plot_series *s, gb_err *err) {
  static const double PERCENT = 100;
  size_t nt = l->n_targets ? l->n_targets : 1, n = f->n ? f->n : 1, w = group_width(l);
  b->tx = malloc(nt * sizeof *b->tx);
  b->ty = malloc(nt * sizeof *b->ty);
  b->x = malloc(n * sizeof *b->x);
  b->y = malloc(n * sizeof *b->y);
  b->lo = malloc(n * sizeof *b->lo);
  b->hi = malloc(n * sizeof *b->hi);
  if (!b->tx || !b->ty || !b->x || !b->y || !b->lo || !b->hi)
    return gb_err_set(err, GB_ERR_RUNTIME, "ope.csv: out of memory");
  for (size_t t = 0; t < l->n_targets; t++) {
    b->tx[t] = (double)(t * w);
    b->ty[t] = NAN;
  }
  for (size_t i = 0; i < f->n; i++) {
    const ope_line *ln = &f->lines[i];
    size_t t = l->target_of[i];
    b->ty[t] = ln->truth * PERCENT; /* (the same on every line of the target) */
    b->x[i] = (double)(t * w + 1 + estimator_index(l, ln->estimator));
    b->y[i] = ln->estimate * PERCENT;
    b->lo[i] = ln->ci_low * PERCENT;
    b->hi[i] = ln->ci_high * PERCENT;
  }
  s[0] = (gb_plot_series){.title = "truth", .n = l->n_targets, .x = b->tx, .y = b->ty};
  s[1] = (gb_plot_series){
      .title = "estimate", .n = f->n, .x = b->x, .y = b->y, .ylow = b->lo, .yhigh = b->hi};
  return 0;
}

/* "target arm (bars: truth, then replay, ips, snips, dm, dr)" */
static void axis_label(const layout *l, char *buf, size_t cap) {
  int len = snprintf(buf, cap, "target arm (bars: truth, then");
  for (size_t e = 0; e < l->n_estimators && len > 0 && (size_t)len < cap; e++)
    len += snprintf(buf + len, cap - (size_t)len, "%s %s", e ? "," : "", l->estimators[e]);
  if (len > 0 && (size_t)len < cap)
    snprintf(buf + len, cap - (size_t)len, ")");
}

/* "arm (algorithm)" tic labels at the middle of each target's group. */
static void fill_tics(const ope_file *f, const layout *l, const char **arm,
                      char (*labels)[CELL_MAX], gb_plot_tic *tics) {
  size_t slots = group_width(l);
  for (size_t t = 0; t < l->n_targets; t++) {
    const char *algorithm = "";
    for (size_t i = 0; i < f->n; i++)
      if (l->target_of[i] == t)
        algorithm = f->lines[i].algorithm;
    snprintf(labels[t], CELL_MAX, "%s (%s)", arm[t], algorithm);
    tics[t] =
        (gb_plot_tic){.label = labels[t], .at = (double)(t * slots) + (double)l->n_estimators / 2};
  }
}

static int draw(const ope_file *f, const char *plots_dir, gb_err *err) {
  layout l = {0};
  bars b = {0};
  const char **arm = calloc(f->n ? f->n : 1, sizeof *arm);
  gb_plot_series s[2];
  char(*labels)[CELL_MAX] = calloc(f->n ? f->n : 1, sizeof *labels);
  gb_plot_tic *tics = calloc(f->n ? f->n : 1, sizeof *tics);
  char *base = gb_path_join(plots_dir, GB_PLOT_OPE);
  int rc = arm && labels && tics && base
               ? lay_out(f, arm, &l, err)
               : gb_err_set(err, GB_ERR_RUNTIME, "ope.csv: out of memory");
  if (rc == 0)
    rc = fill_bars(f, &l, &b, s, err);
  if (rc == 0) {
    fill_tics(f, &l, arm, labels, tics);
    char xlabel[CELL_MAX * 2];
    axis_label(&l, xlabel, sizeof xlabel);
    const gb_plot_chart chart = {.title = "Off-policy estimates of each target's use rate "
                                          "(95% CI) and its truth",
                                 .xlabel = xlabel,
                                 .ylabel = "use rate (%)",
                                 .style = GB_PLOT_BARS_CI,
                                 .y_from_zero = true,
                                 .xtics = tics,
                                 .n_xtics = l.n_targets};
    rc = gb_plot_draw(&chart, s, 2, base, err);
  }
  free(l.target_of);
  free(b.tx);
  free(b.ty);
  free(b.x);
  free(b.y);
  free(b.lo);
  free(b.hi);
  free(arm);
  free(labels);
  free(tics);
  free(base);
  return rc;
}

int gb_report_ope_plot(const gb_results *r, const char *plots_dir, gb_err *err) {
  ope_file f;
  bool present;
  if (ope_load(gb_results_dir(r), &f, &present, err) != 0)
    return -1;
  if (!present)
    return gb_err_set(err, GB_ERR_INPUT, "%s: no ope.csv to plot", gb_results_dir(r));
  int rc =
      f.n > 0 ? draw(&f, plots_dir, err)
              : gb_err_set(err, GB_ERR_INPUT, "%s: ope.csv has no rows to plot", gb_results_dir(r));
  ope_free(&f);
  return rc;
}

/* ---- the section: Markdown and HTML side by side, as gb_report.c writes them */

typedef struct doc {
  FILE *md, *html; /* either may be NULL */
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
    const char *entity = *s == '&'   ? "&amp;"
                         : *s == '<' ? "&lt;"
                         : *s == '>' ? "&gt;"
                         : *s == '"' ? "&quot;"
                                     : NULL;
    if (entity)
      fputs(entity, out);
    else
      fputc(*s, out);
  }
}

static void doc_heading(doc *d, const char *text) {
  if (d->md) {
    fputs("## ", d->md);
    md_text(d->md, text);
    fputs("\n\n", d->md);
  }
  if (d->html) {
    fputs("<h2>", d->html);
    html_text(d->html, text);
    fputs("</h2>\n", d->html);
  }
}

static void doc_para(doc *d, const char *text) {
  if (d->md) {
    md_text(d->md, text);
    fputs("\n\n", d->md);
  }
  if (d->html) {
    fputs("<p>", d->html);
    html_text(d->html, text);
    fputs("</p>\n", d->html);
  }
}

static void doc_row(doc *d, const char *const *cells, size_t n, bool header) {
  if (d->md) {
    fputs("|", d->md);
    for (size_t i = 0; i < n; i++) {
      fputc(' ', d->md);
      md_text(d->md, cells[i]);
      fputs(" |", d->md);
    }
    fputs("\n", d->md);
  }
  if (d->html) {
    fputs("<tr>", d->html);
    for (size_t i = 0; i < n; i++) {
      fputs(header ? "<th>" : "<td>", d->html);
      html_text(d->html, cells[i]);
      fputs(header ? "</th>" : "</td>", d->html);
    }
    fputs("</tr>\n", d->html);
  }
}

static void doc_table_begin(doc *d, const char *const *headers, size_t n) {
  if (d->html)
    fputs("<table>\n", d->html);
  doc_row(d, headers, n, true);
  for (size_t i = 0; d->md && i <= n; i++)
    fputs(i == 0 ? "|" : "---|", d->md);
  if (d->md)
    fputs("\n", d->md);
}

static void doc_table_end(doc *d) {
  if (d->md)
    fputs("\n", d->md);
  if (d->html)
    fputs("</table>\n", d->html);
}

/* v (a fraction) in percent or percentage points with two decimals, rounded half away from zero
 * and formatted from integers (no locale): "12.34", "-0.05"; with sign, "+0.52". */
static void hundredths(double v, bool sign, const char *unit, char *buf, size_t cap) {
  static const double SCALE = 10000; /* a fraction in hundredths of a percent */
  if (isnan(v) || isinf(v)) {
    snprintf(buf, cap, "%s", NONE);
    return;
  }
  long long k = llround(v * SCALE);
  unsigned long long mag = k < 0 ? (unsigned long long)-k : (unsigned long long)k;
  snprintf(buf, cap, "%s%llu.%02llu %s",
           k < 0           ? "-"
           : sign && k > 0 ? "+"
                           : "",
           mag / 100, mag % 100, unit);
}

static bool covers(const ope_line *l) { return l->ci_low <= l->truth && l->truth <= l->ci_high; }

static void line_row(doc *d, const ope_line *l) {
  char est[CELL_MAX], lo[CELL_MAX / 4], hi[CELL_MAX / 4], truth[CELL_MAX / 4], error[CELL_MAX / 4];
  char rows[CELL_MAX / 4], matched[CELL_MAX / 4];
  hundredths(l->estimate, false, "%", est, sizeof est);
  if (!isnan(l->ci_low) && !isnan(l->ci_high)) {
    hundredths(l->ci_low, false, "%", lo, sizeof lo);
    hundredths(l->ci_high, false, "%", hi, sizeof hi);
    size_t len = strlen(est);
    snprintf(est + len, sizeof est - len, " (%s – %s)", lo, hi);
  }
  hundredths(l->truth, false, "%", truth, sizeof truth);
  hundredths(l->error, true, "pp", error, sizeof error);
  snprintf(rows, sizeof rows, "%.0f", l->rows);
  snprintf(matched, sizeof matched, "%.0f", l->matched);
  bool known = !isnan(l->truth) && !isnan(l->ci_low);
  const char *in = known ? (covers(l) ? "yes" : "no") : NONE;
  const char *cells[] = {l->arm, l->algorithm, l->estimator, est, truth, error, in, rows, matched};
  doc_row(d, cells, sizeof cells / sizeof cells[0], false);
}

/* "Doubly robust: the truth lies in the interval for 4 of 5 targets; mean absolute error 0.42 pp."
 */
static void summary(doc *d, const ope_file *f) {
  size_t targets = 0, covered = 0;
  double abs_sum = 0;
  for (size_t i = 0; i < f->n; i++) {
    const ope_line *l = &f->lines[i];
    if (strcmp(l->estimator, "dr") != 0 || isnan(l->truth) || isnan(l->estimate))
      continue;
    targets++;
    covered += covers(l);
    abs_sum += fabs(l->error);
  }
  char line[CELL_MAX * 2], mae[CELL_MAX / 4];
  if (targets == 0) {
    doc_para(d, "Doubly robust: no target has both an estimate and a truth to compare.");
    return;
  }
  hundredths(abs_sum / (double)targets, false, "pp", mae, sizeof mae);
  snprintf(line, sizeof line,
           "Doubly robust: the truth lies in the interval for %zu of %zu targets; mean absolute "
           "error %s.",
           covered, targets, mae);
  doc_para(d, line);
}

static bool plot_file(const char *dir, const char *ext) {
  char rel[CELL_MAX];
  snprintf(rel, sizeof rel, "plots/%s.%s", GB_PLOT_OPE, ext);
  char *path = gb_path_join(dir, rel);
  struct stat st;
  bool ok = path && stat(path, &st) == 0 && st.st_size > 0;
  free(path);
  return ok;
}

static void doc_plot(doc *d, const char *dir, const char *missing) {
  static const char CAPTION[] = "Off-policy estimates and the truth per target";
  if ((missing && missing[0]) || !plot_file(dir, "png") || !plot_file(dir, "svg")) {
    char line[GB_ERR_MSG_MAX + 64];
    snprintf(line, sizeof line, "Plot %s not drawn: %s", GB_PLOT_OPE,
             missing && missing[0] ? missing : "not present in plots/");
    doc_para(d, line);
    return;
  }
  if (d->md)
    fprintf(d->md, "![%s](plots/%s.png)\n\n", CAPTION, GB_PLOT_OPE);
  gb_err err = {0};
  if (d->html && gb_doc_html_figure(d->html, dir, GB_PLOT_OPE, CAPTION, &err) != 0) {
    fprintf(d->html, "<p>Plot %s not drawn: ", GB_PLOT_OPE);
    gb_doc_html_text(d->html, err.msg);
    fputs("</p>\n", d->html);
  }
}

int gb_report_ope_section(const gb_results *r, FILE *md, FILE *html, const char *plot_missing,
                          gb_err *err) {
  ope_file f;
  bool present;
  if (ope_load(gb_results_dir(r), &f, &present, err) != 0)
    return -1;
  doc d = {md, html};
  doc_heading(&d, "Off-policy evaluation");
  if (!present) {
    doc_para(&d, "ope.csv not present: no off-policy evaluation.");
    return 0;
  }
  doc_para(&d,
           "Each target algorithm's use rate estimated from the logging arm's decisions, next "
           "to its truth: the simulator's expected use rate of the target's choices on the same "
           "contexts (docs/ope.md). Error = estimate − truth, in percentage points.");
  summary(&d, &f);
  static const char *const headers[] = {"target arm",         "algorithm", "estimator",
                                        "estimate (95 % CI)", "truth",     "error",
                                        "truth in CI",        "rows",      "matched rows"};
  doc_table_begin(&d, headers, sizeof headers / sizeof headers[0]);
  for (size_t i = 0; i < f.n; i++)
    line_row(&d, &f.lines[i]);
  doc_table_end(&d);
  doc_plot(&d, gb_results_dir(r), plot_missing);
  ope_free(&f);
  return 0;
}
