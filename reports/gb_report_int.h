/* gb_report's private parts, shared by its files: the document written as Markdown and HTML side
 * by side, the locale-independent number display, and the plots embedded in it. gb_report.c
 * writes the report's sections and the files; gb_report_doc.c the document and the numbers;
 * gb_report_arms.c the recommendation arms' sections. Not for other modules. */
#ifndef GB_REPORT_INT_H
#define GB_REPORT_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "gb_err.h"
#include "gb_results.h"

/* Shown for an undefined or absent value. */
#define GB_DOC_NONE "–"

enum {
  GB_DOC_NUM_MAX = 48,  /* one formatted number (with a short unit) */
  GB_DOC_CELL_MAX = 256 /* one table cell or short line */
};

/* printf into buf, cut to cap - 1 bytes when longer: cells and lines are display text, where a
 * cut is better than no text (and than gcc's truncation warnings at every snprintf). */
void gb_doc_textf(char *buf, size_t cap, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* ---- number display: "–" for NaN and infinities ---- */

/* v rounded (half away from zero) to `decimals` places (0 .. 6), always with that many
 * decimals ("12.30"; "121" for 120.5 with no decimals); magnitudes of 1e12 and more as integers. */
void gb_doc_fixed(double v, int decimals, char *buf, size_t cap);

/* At least three significant digits, without exponent: 0.251, 2.51, 25.1, 251, 2510. */
void gb_doc_sig3(double v, char *buf, size_t cap);

/* A count: no decimals. */
void gb_doc_count(double v, char *buf, size_t cap);

/* Events per second: one decimal, so that 9999.5 does not read as the 10000 target. */
void gb_doc_rate(double v, char *buf, size_t cap);

/* A fraction in [0, 1] as a percentage with two decimals: "12.34 %". */
void gb_doc_percent(double fraction, char *buf, size_t cap);

/* A rate and its interval: "12.34 % (11.90 – 12.80 %)", or the rate alone without one. */
void gb_doc_rate_with_ci(double v, double lo, double hi, char *buf, size_t cap);

/* The timeline's summary cells of one stage (s NULL: none): intervals, min, mean and max
 * throughput (events/s), the worst interval's p99 (µs). */
enum { GB_DOC_TIMELINE_CELLS = 5 };
void gb_doc_timeline_cells(const gb_results_series *s,
                           char cells[GB_DOC_TIMELINE_CELLS][GB_DOC_NUM_MAX]);

/* ---- the document: Markdown and HTML written side by side ---- */

typedef struct gb_doc {
  FILE *md, *html;
} gb_doc;

/* The HTML page's head (title, inline style) and the level-1 heading `title` in both files. */
void gb_doc_begin(gb_doc *d, const char *title);
/* The end of the HTML page. */
void gb_doc_end(gb_doc *d);

/* Writes dir/report.md and dir/report.html, both filled by fill(d, ctx) (which begins and ends the
 * document), each atomically (gb_afile.h): complete, or the previous file left as it was. Returns
 * 0, or -1 with a GB_ERR_RUNTIME error naming the file that could not be written. */
int gb_doc_write_files(const char *dir, void (*fill)(gb_doc *d, void *ctx), void *ctx, gb_err *err);

/* Text escaped for Markdown (a newline becomes a space) and for HTML. */
void gb_doc_md_text(FILE *out, const char *s);
void gb_doc_html_text(FILE *out, const char *s);

void gb_doc_heading(gb_doc *d, int level, const char *text);
void gb_doc_para(gb_doc *d, const char *text);
/* A verdict line: `lead` in bold, then `rest`; `bad` colours it in HTML. */
void gb_doc_verdict(gb_doc *d, bool bad, const char *lead, const char *rest);
/* A table: the header row, rows of n cells, the end. */
void gb_doc_table_begin(gb_doc *d, const char *const *headers, size_t n);
void gb_doc_row(gb_doc *d, const char *const *cells, size_t n, bool header);
void gb_doc_table_end(gb_doc *d);

/* What happened to one plot of the report. */
typedef struct gb_doc_plot_state {
  const char *name;    /* base name under plots/ */
  const char *caption; /* alt text */
  char why_missing[GB_ERR_MSG_MAX];
} gb_doc_plot_state;

/* The plot, or a line that says why it is missing: in Markdown the PNG by relative path
 * (plots/<name>.png), in HTML the PNG inline (gb_doc_html_figure). Missing: why_missing is set,
 * the PNG or the SVG is absent or empty under dir/plots/, or the PNG cannot be read. */
void gb_doc_plot(gb_doc *d, const char *dir, const gb_doc_plot_state *p);

/* Writes an HTML <figure> holding dir/plots/<name>.png inline (a data:image/png;base64 URI, so
 * that the page loads no file), `caption` as its alt text and caption, and a link to
 * plots/<name>.svg. Returns 0, or -1 with an error naming the PNG when it cannot be read
 * (GB_ERR_INPUT) or memory runs out (GB_ERR_RUNTIME); nothing is written then. */
int gb_doc_html_figure(FILE *html, const char *dir, const char *name, const char *caption,
                       gb_err *err);

/* ---- the arms' sections (gb_report_arms.c) ---- */

/* "Recommendation arms" (arms.csv: the table, the comparison with random, the headroom, the
 * use rate plot), "Use rate over sim time" (arms_daily.csv: its plot) and "Top challenges per
 * arm" (challenges.csv). A section whose file is absent says so. */
void gb_report_write_arms(gb_doc *d, const gb_results *r, const gb_doc_plot_state *arms_plot,
                          const gb_doc_plot_state *daily_plot);

/* ---- the Steam-style store's sections (gb_report_store.c) ---- */

/* "Store: slates per arm" (store_arms.csv) and "Store realism" (store_realism.csv), when the
 * run has them (a card run has neither: nothing is written). A malformed file is said so. */
void gb_report_write_store(gb_doc *d, const gb_results *r);

#endif
