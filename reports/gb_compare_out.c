/* gb_compare_out: the comparison as a terminal table, as Markdown and as JUnit XML. */
#include "gb_compare_int.h"

#include <math.h>
#include <string.h>

/* ---- Numbers as text ---- */

void gb_compare_text_value(double v, char *buf, size_t size) {
  if (isnan(v))
    snprintf(buf, size, "-");
  else if (v == floor(v) && fabs(v) < 1e15) /* counts and whole microseconds: all digits */
    snprintf(buf, size, "%.0f", v);
  else if (fabs(v) >= 1000)
    snprintf(buf, size, "%.1f", v);
  else
    snprintf(buf, size, "%.4g", v);
}

void gb_compare_text_change(double change, char *buf, size_t size) {
  if (isnan(change))
    snprintf(buf, size, "-");
  else if (change == 0)
    snprintf(buf, size, "0%%");
  else if (isinf(change))
    snprintf(buf, size, "%sinf", change > 0 ? "+" : "-");
  else if (fabs(change) < 0.001) /* a small change still shows, not as "+0.0%" */
    snprintf(buf, size, "%+.3f%%", 100 * change);
  else
    snprintf(buf, size, "%+.1f%%", 100 * change);
}

void gb_compare_text_interval(double lo, double hi, char *buf, size_t size) {
  if (isnan(lo) || isnan(hi)) {
    snprintf(buf, size, "-");
    return;
  }
  char a[GB_COMPARE_TEXT_MAX], b[GB_COMPARE_TEXT_MAX];
  gb_compare_text_change(lo, a, sizeof a);
  gb_compare_text_change(hi, b, sizeof b);
  snprintf(buf, size, "[%s, %s]", a, b);
}

void gb_compare_text_p(double p, char *buf, size_t size) {
  if (isnan(p))
    snprintf(buf, size, "-");
  else if (p < 0.001)
    snprintf(buf, size, "%.1e", p);
  else
    snprintf(buf, size, "%.3f", p);
}

/* ---- The table's cells ---- */

enum { COL_METRIC, COL_BASE, COL_NEW, COL_CHANGE, COL_CI, COL_P, COL_VERDICT, N_COLS };

typedef struct cells {
  char text[N_COLS][GB_COMPARE_TEXT_MAX * 3]; /* "p (Holm)" holds two numbers */
} cells;

static void row_cells(const gb_compare_row *row, cells *c) {
  snprintf(c->text[COL_METRIC], sizeof c->text[COL_METRIC], "%s", row->label);
  gb_compare_text_value(row->base, c->text[COL_BASE], sizeof c->text[COL_BASE]);
  gb_compare_text_value(row->new_value, c->text[COL_NEW], sizeof c->text[COL_NEW]);
  gb_compare_text_change(row->change, c->text[COL_CHANGE], sizeof c->text[COL_CHANGE]);
  gb_compare_text_interval(row->ci_low, row->ci_high, c->text[COL_CI], sizeof c->text[COL_CI]);
  char p[GB_COMPARE_TEXT_MAX], holm[GB_COMPARE_TEXT_MAX];
  gb_compare_text_p(row->p, p, sizeof p);
  gb_compare_text_p(row->p_holm, holm, sizeof holm);
  if (isnan(row->p_holm))
    snprintf(c->text[COL_P], sizeof c->text[COL_P], "%s", p);
  else
    snprintf(c->text[COL_P], sizeof c->text[COL_P], "%s (%s)", p, holm);
  snprintf(c->text[COL_VERDICT], sizeof c->text[COL_VERDICT], "%s",
           gb_compare_verdict_name(row->verdict));
}

static void headers(const gb_compare *c, cells *h) {
  static const char *const names[N_COLS] = {"metric", "baseline", "new",    "change",
                                            NULL,     "p (Holm)", "verdict"};
  for (int i = 0; i < N_COLS; i++)
    snprintf(h->text[i], sizeof h->text[i], "%s", names[i] ? names[i] : "");
  snprintf(h->text[COL_CI], sizeof h->text[COL_CI], "%g%% interval", 100 * c->confidence);
}

static int stream_ok(FILE *out, gb_err *err) {
  return ferror(out) ? gb_err_set(err, GB_ERR_RUNTIME, "compare: write error") : 0;
}

/* "a, b, c" of the failed rows' labels. */
static void failed_list(const gb_compare *c, char *buf, size_t size) {
  buf[0] = '\0';
  for (size_t i = 0, len = 0; i < c->n_rows && len < size; i++)
    if (c->rows[i].failed)
      len += (size_t)snprintf(buf + len, size - len, "%s%s", len ? ", " : "", c->rows[i].label);
}

static void print_status(const gb_compare *c, FILE *out) {
  char list[1024];
  failed_list(c, list, sizeof list);
  if (c->failures == 0)
    fprintf(out, "compare: PASS\n");
  else
    fprintf(out, "compare: FAIL (%zu regression%s: %s)\n", c->failures, c->failures == 1 ? "" : "s",
            list);
}

/* ---- Text ---- */

int gb_compare_write_text(const gb_compare *c, FILE *out, gb_err *err) {
  size_t width[N_COLS] = {0};
  cells h;
  headers(c, &h);
  for (int k = 0; k < N_COLS; k++)
    width[k] = strlen(h.text[k]);
  for (size_t i = 0; i < c->n_rows; i++) {
    cells r;
    row_cells(&c->rows[i], &r);
    for (int k = 0; k < N_COLS; k++)
      width[k] = strlen(r.text[k]) > width[k] ? strlen(r.text[k]) : width[k];
  }
  fprintf(out, "baseline: %s (%zu repeat%s)\nnew:      %s (%zu repeat%s)\n\n", c->base_dir,
          c->base_repeats, c->base_repeats == 1 ? "" : "s", c->new_dir, c->new_repeats,
          c->new_repeats == 1 ? "" : "s");
  for (size_t i = 0; i <= c->n_rows; i++) {
    cells r;
    if (i == 0)
      r = h;
    else
      row_cells(&c->rows[i - 1], &r);
    for (int k = 0; k < N_COLS - 1; k++) /* text left-aligned, numbers right-aligned */
      fprintf(out, k == COL_METRIC || k >= COL_CI ? "%-*s  " : "%*s  ", (int)width[k], r.text[k]);
    fprintf(out, "%s\n", r.text[N_COLS - 1]);
  }
  fputc('\n', out);
  for (size_t i = 0; i < c->n_warnings; i++)
    fprintf(out, "warning: %s\n", c->warnings[i]);
  for (size_t i = 0; i < c->n_rows; i++) {
    const gb_compare_row *row = &c->rows[i];
    if (row->failed || row->verdict == GB_COMPARE_NOISE)
      fprintf(out, "%s: %s: %s\n", row->failed ? gb_compare_verdict_name(row->verdict) : "note",
              row->label, row->reason);
  }
  print_status(c, out);
  return stream_ok(out, err);
}

/* ---- Markdown ---- */

/* Writes s with Markdown's table-breaking '|' escaped. */
static void md_cell(FILE *out, const char *s) {
  for (; *s; s++) {
    if (*s == '|')
      fputc('\\', out);
    fputc(*s, out);
  }
}

int gb_compare_write_markdown(const gb_compare *c, FILE *out, gb_err *err) {
  fprintf(out, "### gamebench compare: %s\n\n", c->failures ? "FAIL" : "PASS");
  fprintf(out, "Baseline `%s` (%zu repeats), new `%s` (%zu repeats).\n\n", c->base_dir,
          c->base_repeats, c->new_dir, c->new_repeats);
  cells h;
  headers(c, &h);
  for (int k = 0; k < N_COLS; k++)
    fprintf(out, "| %s ", h.text[k]);
  fprintf(out, "|\n|---|---:|---:|---:|---|---:|---|\n");
  for (size_t i = 0; i < c->n_rows; i++) {
    cells r;
    row_cells(&c->rows[i], &r);
    for (int k = 0; k < N_COLS; k++) {
      bool strong = k == COL_VERDICT && c->rows[i].failed;
      fputs(k == COL_METRIC ? "| `" : strong ? "| **" : "| ", out);
      md_cell(out, r.text[k]);
      fputs(k == COL_METRIC ? "` " : strong ? "** " : " ", out);
    }
    fputs("|\n", out);
  }
  fputc('\n', out);
  for (size_t i = 0; i < c->n_warnings; i++)
    fprintf(out, "> **Warning:** %s\n\n", c->warnings[i]);
  bool listed = false;
  for (size_t i = 0; i < c->n_rows; i++)
    if (c->rows[i].failed || c->rows[i].verdict == GB_COMPARE_NOISE) {
      fprintf(out, "- %s `%s`: ",
              c->rows[i].failed ? gb_compare_verdict_name(c->rows[i].verdict) : "note",
              c->rows[i].label);
      md_cell(out, c->rows[i].reason);
      fputc('\n', out);
      listed = true;
    }
  if (listed)
    fputc('\n', out);
  print_status(c, out);
  return stream_ok(out, err);
}

/* ---- JUnit XML ---- */

/* Writes s as XML character data or attribute text: the five markup characters as entities,
 * and control characters other than tab and newline left out (XML 1.0 does not allow them). */
static void xml_text(FILE *out, const char *s) {
  static const char *const entities[][2] = {
      {"&", "&amp;"}, {"<", "&lt;"}, {">", "&gt;"}, {"\"", "&quot;"}, {"'", "&apos;"}};
  for (; *s; s++) {
    const char *entity = NULL;
    for (size_t i = 0; i < sizeof entities / sizeof entities[0] && !entity; i++)
      entity = *s == entities[i][0][0] ? entities[i][1] : NULL;
    if (entity)
      fputs(entity, out);
    else if ((unsigned char)*s >= 0x20 || *s == '\n' || *s == '\t')
      fputc(*s, out);
  }
}

static void junit_case(const gb_compare_row *row, FILE *out) {
  cells r;
  row_cells(row, &r);
  fputs("  <testcase classname=\"gamebench.compare\" name=\"", out);
  xml_text(out, row->label);
  if (!row->failed && row->verdict != GB_COMPARE_NOT_JUDGED) {
    fputs("\"/>\n", out);
    return;
  }
  fputs("\">\n", out);
  if (row->failed) {
    fprintf(out, "    <failure type=\"%s\" message=\"", gb_compare_verdict_name(row->verdict));
    xml_text(out, row->reason);
    fputs("\">", out);
    char detail[1024];
    snprintf(detail, sizeof detail,
             "baseline %s, new %s, change %s, interval %s, p (Holm) %s, tolerance %g, kind %s",
             r.text[COL_BASE], r.text[COL_NEW], r.text[COL_CHANGE], r.text[COL_CI], r.text[COL_P],
             row->tolerance, gb_metric_kind_name(row->kind));
    xml_text(out, detail);
    fputs("</failure>\n", out);
  } else if (row->verdict == GB_COMPARE_NOT_JUDGED) {
    fputs("    <skipped message=\"", out);
    xml_text(out, row->reason);
    fputs("\"/>\n", out);
  }
  fputs("  </testcase>\n", out);
}

int gb_compare_write_junit(const gb_compare *c, FILE *out, gb_err *err) {
  size_t tests = 0, skipped = 0;
  for (size_t i = 0; i < c->n_rows; i++) {
    tests += c->rows[i].gated;
    skipped += c->rows[i].gated && c->rows[i].verdict == GB_COMPARE_NOT_JUDGED;
  }
  fprintf(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
  fprintf(out,
          "<testsuite name=\"gamebench compare\" tests=\"%zu\" failures=\"%zu\" errors=\"0\" "
          "skipped=\"%zu\">\n",
          tests, c->failures, skipped);
  for (size_t i = 0; i < c->n_rows; i++)
    if (c->rows[i].gated)
      junit_case(&c->rows[i], out);
  fputs("</testsuite>\n", out);
  return stream_ok(out, err);
}
