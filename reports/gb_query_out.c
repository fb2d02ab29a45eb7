/* gb_query_out: a query's result read back (cells as text) and written as a terminal table,
 * CSV (common/gb_csv.h) or JSON (common/gb_jsonw.h). Every format shows the same text for a
 * cell, from gb_query_result_cell. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gb_csv.h"
#include "gb_jsonw.h"
#include "gb_query_int.h"

enum { CELL_MAX = GB_QUERY_CELL_MAX };

void gb_query_result_free(gb_query_result *r) {
  if (!r)
    return;
  for (size_t c = 0; c < r->n_cols; c++)
    free(r->names[c]);
  free(r->cells);
  free(r->pool);
  free(r);
}

size_t gb_query_result_rows(const gb_query_result *r) { return r->n_rows; }

size_t gb_query_result_cols(const gb_query_result *r) { return r->n_cols; }

const char *gb_query_result_column(const gb_query_result *r, size_t col) {
  return col < r->n_cols ? r->names[col] : NULL;
}

size_t gb_query_result_cells_scanned(const gb_query_result *r) { return r->scanned; }

size_t gb_query_result_cells_matched(const gb_query_result *r) { return r->matched; }

bool gb_query_result_is_null(const gb_query_result *r, size_t row, size_t col) {
  return r->cells[row * r->n_cols + col].null;
}

size_t gb_query_result_cell(const gb_query_result *r, size_t row, size_t col, char *buf,
                            size_t cap) {
  const gbq_cell *c = &r->cells[row * r->n_cols + col];
  char tmp[CELL_MAX];
  size_t n = 0;
  tmp[0] = '\0';
  if (!c->null) {
    switch (r->kinds[col]) {
    case GBQ_COL_TIME:
      n = gb_query_time_format(c->v.i, r->tz_min, tmp, sizeof tmp);
      break;
    case GBQ_COL_DIM:
      n = (size_t)snprintf(tmp, sizeof tmp, "%s", r->pool + c->v.s);
      break;
    case GBQ_COL_INT:
      n = (size_t)snprintf(tmp, sizeof tmp, "%" PRId64, c->v.i);
      break;
    case GBQ_COL_MILLI:
      n = gb_query_milli_format(c->v.i, tmp, sizeof tmp);
      break;
    case GBQ_COL_REAL:
      n = gb_query_real_format(c->v.d, tmp, sizeof tmp);
      break;
    }
  }
  if (cap > 0)
    snprintf(buf, cap, "%s", tmp);
  return n;
}

static bool is_number(gbq_col_kind k) {
  return k == GBQ_COL_INT || k == GBQ_COL_MILLI || k == GBQ_COL_REAL;
}

/* ---- Formats ----------------------------------------------------------------------------- */

int gb_query_format_parse(const char *name, gb_query_format *out) {
  static const struct {
    const char *name;
    gb_query_format f;
  } formats[] = {{"table", GB_QUERY_TABLE}, {"csv", GB_QUERY_CSV}, {"json", GB_QUERY_JSON}};
  for (size_t i = 0; i < sizeof formats / sizeof formats[0]; i++)
    if (strcmp(name, formats[i].name) == 0) {
      *out = formats[i].f;
      return 0;
    }
  return -1;
}

const char *gb_query_format_names(void) { return "table, csv, json"; }

/* ---- Table ------------------------------------------------------------------------------- */

/* Columns as wide as what a terminal shows: UTF-8 characters, not bytes. */
static size_t display_width(const char *s) {
  size_t w = 0;
  for (; *s; s++)
    w += ((unsigned char)*s & 0xC0) != 0x80;
  return w;
}

static const char *table_text(const gb_query_result *r, size_t row, size_t col, char *buf) {
  if (gb_query_result_is_null(r, row, col))
    return "-";
  gb_query_result_cell(r, row, col, buf, CELL_MAX);
  return buf;
}

static void pad(FILE *out, size_t n) {
  for (size_t i = 0; i < n; i++)
    fputc(' ', out);
}

/* One line: cells separated by two blanks; numbers right-aligned; no trailing blanks. */
static void table_line(const gb_query_result *r, const size_t *width, const char *const *text,
                       FILE *out) {
  for (size_t c = 0; c < r->n_cols; c++) {
    size_t gap = width[c] - display_width(text[c]);
    if (c > 0)
      fputs("  ", out);
    if (is_number(r->kinds[c]))
      pad(out, gap);
    fputs(text[c], out);
    if (!is_number(r->kinds[c]) && c + 1 < r->n_cols)
      pad(out, gap);
  }
  fputc('\n', out);
}

static void write_table(const gb_query_result *r, FILE *out) {
  size_t width[GBQ_GROUP_MAX + GBQ_MEASURE_MAX];
  const char *text[GBQ_GROUP_MAX + GBQ_MEASURE_MAX];
  char bufs[GBQ_GROUP_MAX + GBQ_MEASURE_MAX][CELL_MAX]; /* 4.3 KiB */
  for (size_t c = 0; c < r->n_cols; c++)
    width[c] = display_width(r->names[c]);
  for (size_t row = 0; row < r->n_rows; row++)
    for (size_t c = 0; c < r->n_cols; c++) {
      size_t w = display_width(table_text(r, row, c, bufs[c]));
      width[c] = w > width[c] ? w : width[c];
    }
  for (size_t c = 0; c < r->n_cols; c++)
    text[c] = r->names[c];
  table_line(r, width, text, out);
  for (size_t c = 0; c < r->n_cols; c++) {
    fputs(c > 0 ? "  " : "", out);
    for (size_t i = 0; i < width[c]; i++)
      fputc('-', out);
  }
  fputc('\n', out);
  for (size_t row = 0; row < r->n_rows; row++) {
    for (size_t c = 0; c < r->n_cols; c++)
      text[c] = table_text(r, row, c, bufs[c]);
    table_line(r, width, text, out);
  }
}

/* ---- CSV and JSON ------------------------------------------------------------------------ */

static int write_csv(const gb_query_result *r, FILE *out, gb_err *err) {
  gb_csv_writer *w = NULL;
  if (gb_csv_writer_open_stream(out, "the query's CSV output", (const char *const *)r->names,
                                r->n_cols, &w, err) != 0)
    return -1;
  char buf[CELL_MAX];
  for (size_t row = 0; row < r->n_rows; row++) {
    for (size_t c = 0; c < r->n_cols; c++) {
      gb_query_result_cell(r, row, c, buf, sizeof buf);
      if (gb_csv_cell_str(w, buf, err) != 0)
        break;
    }
    if (gb_csv_end_row(w, err) != 0)
      break;
  }
  return gb_csv_writer_close(w, err); /* the first error, if any */
}

static void write_json(const gb_query_result *r, FILE *out) {
  gb_jsonw w;
  gb_jsonw_init(&w, out, 0);
  gb_jsonw_object_begin(&w);
  gb_jsonw_key(&w, "columns");
  gb_jsonw_array_begin(&w);
  for (size_t c = 0; c < r->n_cols; c++)
    gb_jsonw_string(&w, r->names[c]);
  gb_jsonw_array_end(&w);
  gb_jsonw_key(&w, "rows");
  gb_jsonw_array_begin(&w);
  char buf[CELL_MAX];
  for (size_t row = 0; row < r->n_rows; row++) {
    gb_jsonw_array_begin(&w);
    for (size_t c = 0; c < r->n_cols; c++) {
      gb_query_result_cell(r, row, c, buf, sizeof buf);
      if (gb_query_result_is_null(r, row, c))
        gb_jsonw_null(&w);
      else if (is_number(r->kinds[c]))
        gb_jsonw_raw(&w, buf);
      else
        gb_jsonw_string(&w, buf);
    }
    gb_jsonw_array_end(&w);
  }
  gb_jsonw_array_end(&w);
  gb_jsonw_object_end(&w);
  fputc('\n', out);
}

int gb_query_result_write(const gb_query_result *r, gb_query_format f, FILE *out, gb_err *err) {
  if (f == GB_QUERY_CSV)
    return write_csv(r, out, err);
  if (f == GB_QUERY_TABLE)
    write_table(r, out);
  else
    write_json(r, out);
  if (fflush(out) != 0 || ferror(out))
    return gb_err_set(err, GB_ERR_RUNTIME, "cannot write the query's result: %s", strerror(errno));
  return 0;
}
