#include "gb_csv.h"

#include <csv.h>
#include <errno.h>
#include <inttypes.h>
#include <locale.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gb_afile.h"
#include "gb_grow.h"

/* ---- Number formatting ------------------------------------------------------------------- */

/* Six decimals: enough for rates, fractions (use rates, CIs) and microseconds, and short. */
static const double DECIMAL_SCALE = 1e6;
enum { DECIMALS = 6 };
/* Below this magnitude v * DECIMAL_SCALE fits an int64 (< 9.2e18) exactly enough to round. */
static const double FIXED_LIMIT = 1e12;

size_t gb_csv_format_double(double v, char *buf, size_t cap) {
  int n;
  if (isnan(v))
    n = snprintf(buf, cap, "NaN");
  else if (isinf(v))
    n = snprintf(buf, cap, v > 0 ? "Inf" : "-Inf");
  else if (fabs(v) >= FIXED_LIMIT)
    n = snprintf(buf, cap, "%.0f", v); /* no decimal point: the locale cannot change it */
  else {
    /* Integer arithmetic instead of "%f": printf's decimal point follows LC_NUMERIC. */
    long long scaled = llround(v * DECIMAL_SCALE);
    unsigned long long mag = scaled < 0 ? (unsigned long long)-scaled : (unsigned long long)scaled;
    unsigned long long ip = mag / (unsigned long long)DECIMAL_SCALE;
    unsigned long long fp = mag % (unsigned long long)DECIMAL_SCALE;
    const char *sign = scaled < 0 ? "-" : "";
    if (fp == 0) {
      n = snprintf(buf, cap, "%s%llu", sign, ip);
    } else {
      int decimals = DECIMALS;
      while (fp % 10 == 0) {
        fp /= 10;
        decimals--;
      }
      n = snprintf(buf, cap, "%s%llu.%0*llu", sign, ip, decimals, fp);
    }
  }
  return n < 0 ? 0 : (size_t)n;
}

/* ---- Writer ------------------------------------------------------------------------------ */

struct gb_csv_writer {
  gb_afile *file; /* NULL for a caller's stream */
  FILE *out;
  const char *name; /* for messages: the file's path, or the stream's name */
  size_t n_cols;
  size_t col;  /* cells written in the current row */
  size_t row;  /* rows written, the header included */
  bool failed; /* sticky: `first` holds the first error */
  gb_err first;
};

static int fail(gb_csv_writer *w, gb_err *err, gb_err_kind kind, const char *what) {
  if (!w->failed) {
    w->failed = true;
    gb_err_set(&w->first, kind, "%s: %s", w->name, what);
  }
  if (err)
    *err = w->first;
  return -1;
}

static int sticky(gb_csv_writer *w, gb_err *err) {
  if (err)
    *err = w->first;
  return -1;
}

static int io_fail(gb_csv_writer *w, gb_err *err) {
  char what[128];
  snprintf(what, sizeof what, "write failed: %s", strerror(errno));
  return fail(w, err, GB_ERR_RUNTIME, what);
}

/* Starts a cell: checks the column count and writes the separator. */
static int begin_cell(gb_csv_writer *w, gb_err *err) {
  if (w->failed)
    return sticky(w, err);
  if (w->col == w->n_cols) {
    char what[128];
    snprintf(what, sizeof what, "row %zu: more cells than the %zu columns", w->row, w->n_cols);
    return fail(w, err, GB_ERR_RUNTIME, what);
  }
  if (w->col > 0 && fputc(',', w->out) == EOF)
    return io_fail(w, err);
  w->col++;
  return 0;
}

static bool is_blank(char c) { return c == ' ' || c == '\t'; }

/* A field needs quotes when a reader would otherwise split it, end the record, or trim it. */
static bool needs_quotes(const char *s, size_t len) {
  if (len > 0 && (is_blank(s[0]) || is_blank(s[len - 1])))
    return true;
  return strpbrk(s, ",\"\r\n") != NULL;
}

static int write_text(gb_csv_writer *w, const char *s, gb_err *err) {
  size_t len = strlen(s);
  int rc = needs_quotes(s, len) ? csv_fwrite(w->out, s, len) : (fputs(s, w->out) == EOF ? EOF : 0);
  return rc == 0 ? 0 : io_fail(w, err);
}

int gb_csv_cell_str(gb_csv_writer *w, const char *s, gb_err *err) {
  if (begin_cell(w, err) != 0)
    return -1;
  return s && *s ? write_text(w, s, err) : 0;
}

int gb_csv_cell_i64(gb_csv_writer *w, int64_t v, gb_err *err) {
  if (begin_cell(w, err) != 0)
    return -1;
  return fprintf(w->out, "%" PRId64, v) < 0 ? io_fail(w, err) : 0;
}

int gb_csv_cell_f64(gb_csv_writer *w, double v, gb_err *err) {
  if (isinf(v) && !w->failed) {
    char what[128];
    snprintf(what, sizeof what, "row %zu, column %zu: infinite value", w->row, w->col + 1);
    return fail(w, err, GB_ERR_RUNTIME, what);
  }
  if (begin_cell(w, err) != 0)
    return -1;
  if (isnan(v))
    return 0;
  char buf[GB_CSV_NUM_MAX];
  gb_csv_format_double(v, buf, sizeof buf);
  return fputs(buf, w->out) == EOF ? io_fail(w, err) : 0;
}

int gb_csv_cell_empty(gb_csv_writer *w, gb_err *err) { return begin_cell(w, err); }

int gb_csv_end_row(gb_csv_writer *w, gb_err *err) {
  if (w->failed)
    return sticky(w, err);
  if (w->col != w->n_cols) {
    char what[128];
    snprintf(what, sizeof what, "row %zu has %zu cells, the header has %zu columns", w->row, w->col,
             w->n_cols);
    return fail(w, err, GB_ERR_RUNTIME, what);
  }
  if (fputc('\n', w->out) == EOF)
    return io_fail(w, err);
  w->col = 0;
  w->row++;
  return 0;
}

int gb_csv_write_row(gb_csv_writer *w, const char *const *cells, size_t n, gb_err *err) {
  for (size_t i = 0; i < n; i++)
    if (gb_csv_cell_str(w, cells[i], err) != 0)
      return -1;
  return gb_csv_end_row(w, err);
}

int gb_csv_writer_open(const char *path, const char *const *columns, size_t n, gb_csv_writer **out,
                       gb_err *err) {
  if (n == 0)
    return gb_err_set(err, GB_ERR_INPUT, "%s: a CSV file needs at least one column", path);
  for (size_t i = 0; i < n; i++)
    if (!columns[i] || !columns[i][0])
      return gb_err_set(err, GB_ERR_INPUT, "%s: column %zu has an empty name", path, i + 1);
  gb_csv_writer *w = calloc(1, sizeof *w);
  if (!w)
    return gb_err_set(err, GB_ERR_RUNTIME, "%s: out of memory", path);
  if (gb_afile_open(path, &w->file, err) != 0) {
    free(w);
    return -1;
  }
  w->out = gb_afile_stream(w->file);
  w->name = gb_afile_path(w->file);
  w->n_cols = n;
  if (gb_csv_write_row(w, columns, n, err) != 0) {
    gb_csv_writer_discard(w);
    return -1;
  }
  *out = w;
  return 0;
}

int gb_csv_writer_open_stream(FILE *stream, const char *name, const char *const *columns, size_t n,
                              gb_csv_writer **out, gb_err *err) {
  if (n == 0)
    return gb_err_set(err, GB_ERR_INPUT, "%s: a CSV file needs at least one column", name);
  for (size_t i = 0; i < n; i++)
    if (!columns[i] || !columns[i][0])
      return gb_err_set(err, GB_ERR_INPUT, "%s: column %zu has an empty name", name, i + 1);
  gb_csv_writer *w = calloc(1, sizeof *w);
  if (!w)
    return gb_err_set(err, GB_ERR_RUNTIME, "%s: out of memory", name);
  *w = (gb_csv_writer){.out = stream, .name = name, .n_cols = n};
  if (gb_csv_write_row(w, columns, n, err) != 0) {
    gb_csv_writer_discard(w);
    return -1;
  }
  *out = w;
  return 0;
}

/* A caller's stream is flushed, not closed: its write errors surface here all the same. */
static int close_stream(gb_csv_writer *w, gb_err *err) {
  if (fflush(w->out) != 0 || ferror(w->out))
    io_fail(w, err);
  int rc = w->failed ? -1 : 0;
  free(w);
  return rc;
}

int gb_csv_writer_close(gb_csv_writer *w, gb_err *err) {
  if (!w)
    return 0;
  if (!w->failed && w->col != 0) {
    char what[128];
    snprintf(what, sizeof what, "closed with row %zu unfinished (%zu of %zu cells)", w->row, w->col,
             w->n_cols);
    fail(w, err, GB_ERR_RUNTIME, what);
  }
  if (w->failed) {
    sticky(w, err);
    gb_csv_writer_discard(w);
    return -1;
  }
  if (!w->file)
    return close_stream(w, err);
  int rc = gb_afile_commit(w->file, err);
  free(w);
  return rc;
}

void gb_csv_writer_discard(gb_csv_writer *w) {
  if (!w)
    return;
  if (w->file)
    gb_afile_discard(w->file);
  free(w);
}

/* ---- Reader ------------------------------------------------------------------------------ */

struct gb_csv_table {
  char *name;
  size_t n_cols;
  size_t n_records; /* the header included */
  char **cells;     /* n_records * n_cols, row-major; record 0 is the header */
  size_t cap_cells;
  size_t *lines; /* first line of each record */
  size_t cap_lines;
  locale_t c_locale;
};

/* libcsv reports fields and record ends through callbacks that cannot stop the parse, so the
 * parse context records the first error and ignores everything after it. */
typedef struct parse_ctx {
  gb_csv_table *t;
  char **fields; /* fields of the record being parsed */
  size_t n_fields, cap_fields;
  size_t line;         /* line being fed to the parser */
  size_t record_start; /* first line of the record being parsed, 0 between records */
  bool failed;
  gb_err *err;
  /* Record mode (gb_csv_records_parse): each record goes to fn instead of the table. */
  gb_csv_record_fn fn;
  void *fn_ctx;
} parse_ctx;

static int parse_fail(parse_ctx *c, gb_err_kind kind, size_t line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int parse_fail(parse_ctx *c, gb_err_kind kind, size_t line, const char *fmt, ...) {
  if (c->failed)
    return -1;
  c->failed = true;
  char what[GB_ERR_MSG_MAX];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(what, sizeof what, fmt, ap);
  va_end(ap);
  if (line > 0)
    return gb_err_set(c->err, kind, "%s:%zu: %s", c->t->name, line, what);
  return gb_err_set(c->err, kind, "%s: %s", c->t->name, what);
}

static void on_field(void *data, size_t len, void *ctx_) {
  parse_ctx *c = ctx_;
  if (c->failed)
    return;
  gb_err grow_err;
  if (GB_GROW(c->fields, c->cap_fields, c->n_fields + 1, 16, "CSV fields", &grow_err) != 0) {
    parse_fail(c, GB_ERR_RUNTIME, c->line, "%s", grow_err.msg);
    return;
  }
  char *copy = malloc(len + 1);
  if (!copy) {
    parse_fail(c, GB_ERR_RUNTIME, c->line, "out of memory");
    return;
  }
  if (len > 0)
    memcpy(copy, data, len);
  copy[len] = '\0';
  c->fields[c->n_fields++] = copy;
}

static void drop_fields(parse_ctx *c) {
  for (size_t i = 0; i < c->n_fields; i++)
    free(c->fields[i]);
  c->n_fields = 0;
}

static int check_header(parse_ctx *c, size_t line) {
  for (size_t i = 0; i < c->n_fields; i++) {
    if (!c->fields[i][0])
      return parse_fail(c, GB_ERR_INPUT, line, "header: column %zu has an empty name", i + 1);
    for (size_t j = 0; j < i; j++)
      if (strcmp(c->fields[i], c->fields[j]) == 0)
        return parse_fail(c, GB_ERR_INPUT, line, "header: duplicate column '%s'", c->fields[i]);
  }
  return 0;
}

static int append_record(parse_ctx *c, size_t line) {
  gb_csv_table *t = c->t;
  gb_err grow_err;
  if (GB_GROW(t->cells, t->cap_cells, (t->n_records + 1) * t->n_cols, 64 * t->n_cols, "CSV cells",
              &grow_err) != 0 ||
      GB_GROW(t->lines, t->cap_lines, t->n_records + 1, 64, "CSV records", &grow_err) != 0)
    return parse_fail(c, GB_ERR_RUNTIME, line, "%s", grow_err.msg);
  /* The table takes ownership of the field strings. */
  memcpy(t->cells + t->n_records * t->n_cols, c->fields, t->n_cols * sizeof *c->fields);
  t->lines[t->n_records++] = line;
  c->n_fields = 0;
  return 0;
}

static void on_record(int terminator, void *ctx_) {
  (void)terminator;
  parse_ctx *c = ctx_;
  if (c->failed)
    return;
  size_t line = c->record_start ? c->record_start : c->line;
  c->record_start = 0;
  if (c->fn) {
    if (c->fn(c->fn_ctx, line, (const char *const *)c->fields, c->n_fields) != 0)
      c->failed = true;
    drop_fields(c);
    return;
  }
  if (c->t->n_records == 0) {
    if (check_header(c, line) != 0)
      return;
    c->t->n_cols = c->n_fields;
  } else if (c->n_fields != c->t->n_cols) {
    parse_fail(c, GB_ERR_INPUT, line, "expected %zu fields (as in the header), found %zu",
               c->t->n_cols, c->n_fields);
    return;
  }
  append_record(c, line);
}

static bool blank_line(const char *s, size_t len) {
  for (size_t i = 0; i < len; i++)
    if (s[i] != '\r' && s[i] != '\n')
      return false;
  return true;
}

/* Feeds the text one line at a time, so that every callback knows the line it is on. */
static int feed_lines(parse_ctx *c, struct csv_parser *p, const char *text, size_t len) {
  size_t pos = 0;
  while (pos < len && !c->failed) {
    const char *nl = memchr(text + pos, '\n', len - pos);
    size_t n = nl ? (size_t)(nl - (text + pos)) + 1 : len - pos;
    c->line++;
    if (c->record_start == 0 && !blank_line(text + pos, n))
      c->record_start = c->line;
    if (csv_parse(p, text + pos, n, on_field, on_record, c) != n) {
      int e = csv_error(p);
      return parse_fail(c, e == CSV_EPARSE ? GB_ERR_INPUT : GB_ERR_RUNTIME, c->line, "%s",
                        e == CSV_EPARSE ? "malformed quoting (a quote inside an unquoted field, "
                                          "or text after a closing quote)"
                                        : csv_strerror(e));
    }
    pos += n;
  }
  if (c->failed)
    return -1;
  if (csv_fini(p, on_field, on_record, c) != 0)
    return parse_fail(c, GB_ERR_INPUT, c->record_start ? c->record_start : c->line,
                      "quoted field not closed before the end of the file");
  return c->failed ? -1 : 0;
}

static const char UTF8_BOM[] = "\xEF\xBB\xBF";

int gb_csv_table_parse(const char *name, const char *text, size_t len, gb_csv_table **out,
                       gb_err *err) {
  gb_csv_table *t = calloc(1, sizeof *t);
  if (t)
    t->name = strdup(name);
  if (!t || !t->name) {
    free(t);
    return gb_err_set(err, GB_ERR_RUNTIME, "%s: out of memory", name);
  }
  t->c_locale = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
  if (t->c_locale == (locale_t)0) {
    gb_err_set(err, GB_ERR_RUNTIME, "%s: cannot create the C locale: %s", name, strerror(errno));
    gb_csv_table_free(t);
    return -1;
  }
  if (len >= 3 && memcmp(text, UTF8_BOM, 3) == 0) {
    text += 3;
    len -= 3;
  }
  struct csv_parser p;
  /* Strict: a stray quote is an error to report, not data to guess at. */
  csv_init(&p, CSV_STRICT | CSV_STRICT_FINI);
  parse_ctx c = {.t = t, .err = err};
  int rc = feed_lines(&c, &p, text, len);
  csv_free(&p);
  drop_fields(&c);
  free(c.fields);
  if (rc == 0 && t->n_records == 0)
    rc = gb_err_set(err, GB_ERR_INPUT, "%s: empty file (no header line)", name);
  if (rc != 0) {
    gb_csv_table_free(t);
    return -1;
  }
  *out = t;
  return 0;
}

int gb_csv_records_parse(const char *name, const char *text, size_t len, gb_csv_record_fn fn,
                         void *ctx, gb_err *err) {
  if (len >= 3 && memcmp(text, UTF8_BOM, 3) == 0) {
    text += 3;
    len -= 3;
  }
  /* The context's table only lends its name to messages. */
  gb_csv_table named = {.name = (char *)name};
  struct csv_parser p;
  /* Not strict: a stray quote inside a field is kept as text, so that one odd row of a data
   * file does not end the parse; fn judges each record. */
  csv_init(&p, 0);
  parse_ctx c = {.t = &named, .err = err, .fn = fn, .fn_ctx = ctx};
  int rc = feed_lines(&c, &p, text, len);
  csv_free(&p);
  drop_fields(&c);
  free(c.fields);
  return rc;
}

int gb_csv_records_read(const char *path, gb_csv_record_fn fn, void *ctx, gb_err *err) {
  size_t len = 0;
  char *text = gb_afile_read_all(path, &len, err);
  if (!text)
    return -1;
  int rc = gb_csv_records_parse(path, text, len, fn, ctx, err);
  free(text);
  return rc;
}

int gb_csv_table_read(const char *path, gb_csv_table **out, gb_err *err) {
  size_t len = 0;
  char *text = gb_afile_read_all(path, &len, err);
  if (!text)
    return -1;
  int rc = gb_csv_table_parse(path, text, len, out, err);
  free(text);
  return rc;
}

void gb_csv_table_free(gb_csv_table *t) {
  if (!t)
    return;
  for (size_t i = 0; i < t->n_records * t->n_cols; i++)
    free(t->cells[i]);
  free(t->cells);
  free(t->lines);
  if (t->c_locale != (locale_t)0)
    freelocale(t->c_locale);
  free(t->name);
  free(t);
}

const char *gb_csv_table_name(const gb_csv_table *t) { return t->name; }

size_t gb_csv_table_rows(const gb_csv_table *t) { return t->n_records - 1; }

size_t gb_csv_table_cols(const gb_csv_table *t) { return t->n_cols; }

const char *gb_csv_table_column_name(const gb_csv_table *t, size_t col) {
  return col < t->n_cols ? t->cells[col] : NULL;
}

bool gb_csv_table_find(const gb_csv_table *t, const char *name, size_t *col) {
  for (size_t i = 0; i < t->n_cols; i++) {
    if (strcmp(t->cells[i], name) == 0) {
      *col = i;
      return true;
    }
  }
  return false;
}

int gb_csv_table_require(const gb_csv_table *t, const char *name, size_t *col, gb_err *err) {
  if (gb_csv_table_find(t, name, col))
    return 0;
  return gb_err_set(err, GB_ERR_INPUT, "%s:%zu: no column '%s' in the header", t->name, t->lines[0],
                    name);
}

const char *gb_csv_table_cell(const gb_csv_table *t, size_t row, size_t col) {
  if (row >= gb_csv_table_rows(t) || col >= t->n_cols)
    return NULL;
  return t->cells[(row + 1) * t->n_cols + col];
}

size_t gb_csv_table_line(const gb_csv_table *t, size_t row) {
  return row < gb_csv_table_rows(t) ? t->lines[row + 1] : 0;
}

static int cell_error(const gb_csv_table *t, size_t row, size_t col, const char *what,
                      gb_err *err) {
  const char *text = gb_csv_table_cell(t, row, col);
  return gb_err_set(err, GB_ERR_INPUT, "%s:%zu: column '%s': '%s' %s", t->name,
                    gb_csv_table_line(t, row), gb_csv_table_column_name(t, col), text ? text : "",
                    what);
}

int gb_csv_table_f64(const gb_csv_table *t, size_t row, size_t col, double *out, gb_err *err) {
  const char *text = gb_csv_table_cell(t, row, col);
  if (!text)
    return gb_err_set(err, GB_ERR_RUNTIME, "%s: cell (%zu, %zu) out of range", t->name, row, col);
  if (!text[0]) {
    *out = NAN;
    return 0;
  }
  char *end = NULL;
  errno = 0;
  double v = strtod_l(text, &end, t->c_locale);
  /* ERANGE on underflow still gives a usable (tiny) value; overflow gives Inf, refused below. */
  if (end == text || *end != '\0' || !isfinite(v))
    return cell_error(t, row, col, "is not a number", err);
  *out = v;
  return 0;
}

int gb_csv_table_i64(const gb_csv_table *t, size_t row, size_t col, int64_t *out, gb_err *err) {
  const char *text = gb_csv_table_cell(t, row, col);
  if (!text)
    return gb_err_set(err, GB_ERR_RUNTIME, "%s: cell (%zu, %zu) out of range", t->name, row, col);
  char *end = NULL;
  errno = 0;
  long long v = strtoll(text, &end, 10);
  if (end == text || *end != '\0' || errno == ERANGE)
    return cell_error(t, row, col, "is not an integer", err);
  *out = v;
  return 0;
}
