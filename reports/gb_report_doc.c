/* gb_report_doc: the report's document, Markdown and HTML side by side, and its numbers
 * (gb_report_int.h). */
#include "gb_afile.h"
#include "gb_path.h"
#include "gb_report_int.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* ---- number display (locale-independent) ------------------------------------------------- */

/* Above this magnitude values are shown as plain integers (no decimals worth showing). */
static const double BIG = 1e12;

/* The most decimals a number is shown with (the callers use 0 to 3); it also bounds the
 * zero-padded width the compiler checks the buffer against. */
enum { DECIMALS_MAX = 6 };

/* v rounded (half away from zero) to `decimals` places (0 .. DECIMALS_MAX), always with that
 * many decimals ("12.30"; "121" for 120.5 with no decimals). */
void gb_doc_textf(char *buf, size_t cap, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, cap, fmt, ap);
  va_end(ap);
}

void gb_doc_fixed(double v, int decimals, char *buf, size_t cap) {
  GB_ASSERT(decimals >= 0 && decimals <= DECIMALS_MAX);
  if (isnan(v) || isinf(v)) {
    snprintf(buf, cap, "%s", GB_DOC_NONE);
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
void gb_doc_sig3(double v, char *buf, size_t cap) {
  double a = fabs(v);
  gb_doc_fixed(v, a < 1 ? 3 : a < 10 ? 2 : a < 100 ? 1 : 0, buf, cap);
}

void gb_doc_count(double v, char *buf, size_t cap) { gb_doc_fixed(v, 0, buf, cap); }

/* Events per second: one decimal, so that 9999.5 does not read as the 10000 target. */
void gb_doc_rate(double v, char *buf, size_t cap) { gb_doc_fixed(v, 1, buf, cap); }

/* A fraction in [0, 1] as a percentage with two decimals: "12.34 %". */
void gb_doc_percent(double fraction, char *buf, size_t cap) {
  static const double PERCENT = 100;
  if (isnan(fraction)) {
    snprintf(buf, cap, "%s", GB_DOC_NONE);
    return;
  }
  char num[GB_DOC_NUM_MAX - 8]; /* room for the " %" */
  gb_doc_fixed(fraction * PERCENT, 2, num, sizeof num);
  snprintf(buf, cap, "%s %%", num);
}

/* ---- the document: Markdown and HTML written side by side -------------------------------- */

void gb_doc_md_text(FILE *out, const char *s) {
  for (; *s; s++) {
    if (strchr("\\`*_[]<>|#", *s))
      fputc('\\', out);
    fputc(*s == '\n' ? ' ' : *s, out);
  }
}

void gb_doc_html_text(FILE *out, const char *s) {
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

void gb_doc_heading(gb_doc *d, int level, const char *text) {
  fprintf(d->md, "%.*s ", level, "######");
  gb_doc_md_text(d->md, text);
  fputs("\n\n", d->md);
  fprintf(d->html, "<h%d>", level);
  gb_doc_html_text(d->html, text);
  fprintf(d->html, "</h%d>\n", level);
}

void gb_doc_para(gb_doc *d, const char *text) {
  gb_doc_md_text(d->md, text);
  fputs("\n\n", d->md);
  fputs("<p>", d->html);
  gb_doc_html_text(d->html, text);
  fputs("</p>\n", d->html);
}

/* A verdict line: `lead` in bold, then `rest`; `bad` colours it in HTML. */
void gb_doc_verdict(gb_doc *d, bool bad, const char *lead, const char *rest) {
  fputs("**", d->md);
  gb_doc_md_text(d->md, lead);
  fputs("**", d->md);
  gb_doc_md_text(d->md, rest);
  fputs("\n\n", d->md);
  fprintf(d->html, "<p class=\"verdict %s\"><strong>", bad ? "bad" : "good");
  gb_doc_html_text(d->html, lead);
  fputs("</strong>", d->html);
  gb_doc_html_text(d->html, rest);
  fputs("</p>\n", d->html);
}

void gb_doc_row(gb_doc *d, const char *const *cells, size_t n, bool header) {
  fputs("|", d->md);
  fputs("<tr>", d->html);
  for (size_t i = 0; i < n; i++) {
    fputc(' ', d->md);
    gb_doc_md_text(d->md, cells[i]);
    fputs(" |", d->md);
    fputs(header ? "<th>" : "<td>", d->html);
    gb_doc_html_text(d->html, cells[i]);
    fputs(header ? "</th>" : "</td>", d->html);
  }
  fputs("\n", d->md);
  fputs("</tr>\n", d->html);
}

void gb_doc_table_begin(gb_doc *d, const char *const *headers, size_t n) {
  fputs("<table>\n", d->html);
  gb_doc_row(d, headers, n, true);
  fputs("|", d->md);
  for (size_t i = 0; i < n; i++)
    fputs("---|", d->md);
  fputs("\n", d->md);
}

void gb_doc_table_end(gb_doc *d) {
  fputs("\n", d->md);
  fputs("</table>\n", d->html);
}

/* "12.34 % (11.90 – 12.80 %)" */
void gb_doc_rate_with_ci(double v, double lo, double hi, char *buf, size_t cap) {
  char a[GB_DOC_NUM_MAX], b[GB_DOC_NUM_MAX], c[GB_DOC_NUM_MAX];
  gb_doc_percent(v, a, sizeof a);
  if (isnan(lo) || isnan(hi)) {
    snprintf(buf, cap, "%s", a);
    return;
  }
  gb_doc_percent(lo, b, sizeof b);
  gb_doc_percent(hi, c, sizeof c);
  snprintf(buf, cap, "%s (%s – %s)", a, b, c);
}

void gb_doc_timeline_cells(const gb_results_series *s,
                           char cells[GB_DOC_TIMELINE_CELLS][GB_DOC_NUM_MAX]) {
  double lo = INFINITY, hi = -INFINITY, sum = 0, worst_p99 = NAN;
  size_t n = s ? s->n : 0;
  for (size_t i = 0; i < n; i++) {
    double t = s->rows[i].throughput_eps;
    lo = fmin(lo, t);
    hi = fmax(hi, t);
    sum += t;
    if (!isnan(s->rows[i].p99_us) && !(worst_p99 >= s->rows[i].p99_us))
      worst_p99 = s->rows[i].p99_us;
  }
  gb_doc_count((double)n, cells[0], GB_DOC_NUM_MAX);
  gb_doc_rate(n ? lo : NAN, cells[1], GB_DOC_NUM_MAX);
  gb_doc_rate(n ? sum / (double)n : NAN, cells[2], GB_DOC_NUM_MAX);
  gb_doc_rate(n ? hi : NAN, cells[3], GB_DOC_NUM_MAX);
  gb_doc_sig3(worst_p99, cells[4], GB_DOC_NUM_MAX);
}

/* ---- plots ------------------------------------------------------------------------------- */

static bool plot_exists(const char *dir, const char *name, const char *ext) {
  char rel[GB_DOC_CELL_MAX];
  snprintf(rel, sizeof rel, "plots/%s.%s", name, ext);
  char *path = gb_path_join(dir, rel);
  struct stat st;
  bool ok = path && stat(path, &st) == 0 && st.st_size > 0;
  free(path);
  return ok;
}

/* RFC 4648 base64 of data[0..len) (with padding), for data: URIs. */
static void put_base64(FILE *out, const unsigned char *data, size_t len) {
  static const char DIGITS[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  for (size_t i = 0; i < len; i += 3) {
    unsigned long group = (unsigned long)data[i] << 16;
    size_t left = len - i;
    if (left > 1)
      group |= (unsigned long)data[i + 1] << 8;
    if (left > 2)
      group |= data[i + 2];
    char quad[4] = {DIGITS[(group >> 18) & 63], DIGITS[(group >> 12) & 63],
                    left > 1 ? DIGITS[(group >> 6) & 63] : '=',
                    left > 2 ? DIGITS[group & 63] : '='};
    fwrite(quad, 1, sizeof quad, out);
  }
}

int gb_doc_html_figure(FILE *html, const char *dir, const char *name, const char *caption,
                       gb_err *err) {
  char rel[GB_DOC_CELL_MAX];
  snprintf(rel, sizeof rel, "plots/%s.png", name);
  char *path = gb_path_join(dir, rel);
  if (!path)
    return gb_err_set(err, GB_ERR_RUNTIME, "%s: out of memory", dir);
  size_t len = 0;
  unsigned char *png = (unsigned char *)gb_afile_read_all(path, &len, err);
  free(path);
  if (!png)
    return -1;
  fputs("<figure><img src=\"data:image/png;base64,", html);
  put_base64(html, png, len);
  fputs("\" alt=\"", html);
  gb_doc_html_text(html, caption);
  fputs("\"><figcaption>", html);
  gb_doc_html_text(html, caption);
  /* The vector version beside the report, for a reader who zooms; a link, not a resource the
   * page loads, so the page stays self-contained. */
  fprintf(html, " (<a href=\"plots/%s.svg\">SVG</a>)</figcaption></figure>\n", name);
  free(png);
  return 0;
}

void gb_doc_plot(gb_doc *d, const char *dir, const gb_doc_plot_state *p) {
  gb_err err = {0};
  const char *why = p->why_missing;
  if (!why[0] && (!plot_exists(dir, p->name, "png") || !plot_exists(dir, p->name, "svg")))
    why = "not present in plots/";
  /* The HTML figure first: a PNG that cannot be read is a missing plot in both files. */
  char *html_text = NULL;
  size_t html_len = 0;
  FILE *html = why[0] ? NULL : open_memstream(&html_text, &html_len);
  if (!why[0] && (!html || gb_doc_html_figure(html, dir, p->name, p->caption, &err) != 0))
    why = html ? err.msg : "out of memory";
  if (html)
    fclose(html);
  if (why[0]) {
    char line[GB_ERR_MSG_MAX + 64];
    snprintf(line, sizeof line, "Plot %s not drawn: %s", p->name, why);
    gb_doc_para(d, line);
    free(html_text);
    return;
  }
  fputs("![", d->md);
  gb_doc_md_text(d->md, p->caption);
  fprintf(d->md, "](plots/%s.png)\n\n", p->name);
  fwrite(html_text, 1, html_len, d->html);
  free(html_text);
}

/* ---- the two files ----------------------------------------------------------------------- */

static const char HTML_HEAD[] =
    "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>";
/* Everything the page shows is in the file: inline style, images as data: URIs, no script. */
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
    "figure { margin: 1em 0; }\nimg { max-width: 100%; height: auto; }\n"
    "figcaption { font-size: 0.9em; color: #555; }\n"
    "</style>\n</head>\n<body>\n";

void gb_doc_begin(gb_doc *d, const char *title) {
  fputs(HTML_HEAD, d->html);
  gb_doc_html_text(d->html, title);
  fputs(HTML_STYLE, d->html);
  gb_doc_heading(d, 1, title);
}

void gb_doc_end(gb_doc *d) { fputs("</body>\n</html>\n", d->html); }

int gb_doc_write_files(const char *dir, void (*fill)(gb_doc *d, void *ctx), void *ctx,
                       gb_err *err) {
  char *md_path = gb_path_join(dir, "report.md");
  char *html_path = gb_path_join(dir, "report.html");
  gb_afile *md = NULL, *html = NULL;
  int rc = md_path && html_path ? 0 : gb_err_set(err, GB_ERR_RUNTIME, "%s: out of memory", dir);
  if (rc == 0 &&
      (gb_afile_open(md_path, &md, err) != 0 || gb_afile_open(html_path, &html, err) != 0))
    rc = -1;
  if (rc == 0) {
    gb_doc d = {gb_afile_stream(md), gb_afile_stream(html)};
    fill(&d, ctx);
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
