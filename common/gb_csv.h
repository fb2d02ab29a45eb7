/* gb_csv: the CSV files of a results directory (RFC 4180 style, through libcsv).
 *
 * Writer: a header of column names, then rows of string / integer / double cells. Files are
 * written atomically ("<path>.tmp", renamed on close: see gb_afile.h). Numbers are formatted
 * deterministically and independently of the locale, so that the same run writes byte-identical
 * files on every machine.
 *
 * Reader: a whole file into a table with the header's column names; cells by (row, column);
 * numbers parsed in the "C" locale; errors name the file and the line. */
#ifndef GB_CSV_H
#define GB_CSV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "gb_err.h"

/* ---- Number formatting ------------------------------------------------------------------- */

enum { GB_CSV_NUM_MAX = 32 /* buffer size that holds any gb_csv_format_double result */ };

/* Formats v into buf (cap >= GB_CSV_NUM_MAX) and returns the length. Finite values with
 * |v| < 1e12 are written in fixed notation, rounded to 6 decimals, without trailing zeros or a
 * trailing point ("0.1", "12", "-3.25", "0.000001"; "-0" is written "0"); larger magnitudes
 * are written as integers ("1500000000000"). Non-finite values are written "NaN", "Inf" or
 * "-Inf" (gnuplot reads these). The decimal separator is always '.', whatever the locale. */
size_t gb_csv_format_double(double v, char *buf, size_t cap);

/* ---- Writer ------------------------------------------------------------------------------ */

typedef struct gb_csv_writer gb_csv_writer;

/* Creates "<path>.tmp" and writes the header row (columns[0..n), n >= 1, non-empty names), into
 * *out (the caller ends it with gb_csv_writer_close or gb_csv_writer_discard). Returns 0, or -1
 * with an error (*out then unchanged): GB_ERR_RUNTIME when the file cannot be created,
 * GB_ERR_INPUT for an empty column list or name. */
int gb_csv_writer_open(const char *path, const char *const *columns, size_t n, gb_csv_writer **out,
                       gb_err *err);

/* Like gb_csv_writer_open, but writes to the caller's open stream (a terminal, a pipe, a memory
 * stream) instead of a file: nothing is renamed, gb_csv_writer_close flushes stream without
 * closing it (and fails, GB_ERR_RUNTIME, when the stream has a write error), and
 * gb_csv_writer_discard leaves what was written. name stands for the stream in messages ("stdout")
 * and must outlive the writer. */
int gb_csv_writer_open_stream(FILE *stream, const char *name, const char *const *columns, size_t n,
                              gb_csv_writer **out, gb_err *err);

/* Cell writers append one cell to the current row. They return 0, or -1 with an error: writing
 * more cells than columns (GB_ERR_RUNTIME, naming the file and row), or an I/O failure. Errors
 * are sticky: after one failure every later call (including _end_row and _close) fails with the
 * first error, so checking only gb_csv_writer_close's result is enough.
 *
 * gb_csv_cell_str: s as is (NULL or "" → an empty cell); quoted through libcsv when it holds a
 *   comma, a quote, a CR/LF, or leading/trailing blanks (which readers would trim).
 * gb_csv_cell_i64: decimal integer.
 * gb_csv_cell_f64: gb_csv_format_double's text; NaN → an empty cell (the contract's "undefined"
 *   value, e.g. a lift without a random arm); ±Inf is an error (GB_ERR_RUNTIME).
 * gb_csv_cell_empty: an empty cell. */
int gb_csv_cell_str(gb_csv_writer *w, const char *s, gb_err *err);
int gb_csv_cell_i64(gb_csv_writer *w, int64_t v, gb_err *err);
int gb_csv_cell_f64(gb_csv_writer *w, double v, gb_err *err);
int gb_csv_cell_empty(gb_csv_writer *w, gb_err *err);

/* Ends the current row; it must have exactly as many cells as there are columns (else -1 with a
 * GB_ERR_RUNTIME error naming the file, the row and both counts). */
int gb_csv_end_row(gb_csv_writer *w, gb_err *err);

/* Writes a whole row of string cells (n must equal the number of columns) and ends it. */
int gb_csv_write_row(gb_csv_writer *w, const char *const *cells, size_t n, gb_err *err);

/* Completes the file: checks that no row is left open and no write failed, flushes, syncs and
 * renames "<path>.tmp" onto path. Always frees w (NULL is a no-op returning 0). Returns 0, or -1
 * with the first error; on failure the temporary file is removed and path is untouched. */
int gb_csv_writer_close(gb_csv_writer *w, gb_err *err);

/* Abandons the file: removes "<path>.tmp", leaves path untouched, frees w (NULL is a no-op). A
 * stream writer just frees w. */
void gb_csv_writer_discard(gb_csv_writer *w);

/* ---- Reader ------------------------------------------------------------------------------ */

typedef struct gb_csv_table gb_csv_table;

/* Reads and parses the CSV file at path: the first record is the header (non-empty, unique
 * column names), every later record must have exactly as many fields. Blank lines are skipped,
 * a UTF-8 byte-order mark is ignored, blanks around unquoted fields are trimmed, quoted fields
 * may hold commas, doubled quotes and newlines. Returns 0 and the table in *out (free it with
 * gb_csv_table_free), or -1 with an error (*out then unchanged): GB_ERR_INPUT for a
 * missing/unreadable file ("<path>: cannot open: <reason>") or malformed content
 * ("<path>:<line>: <reason>"), GB_ERR_RUNTIME when out of memory. */
int gb_csv_table_read(const char *path, gb_csv_table **out, gb_err *err);

/* Parses text[0..len) the same way; name is used in messages in place of the path. */
int gb_csv_table_parse(const char *name, const char *text, size_t len, gb_csv_table **out,
                       gb_err *err);

/* Record-at-a-time reading, for data files that are not strict tables (a header whose last
 * column has no name, rows with a stray extra field, a row with odd quoting): every record,
 * header included, goes to fn with the 1-based line it starts on and its fields (NUL-terminated,
 * owned by the reader, valid during the call). Quoting is read leniently (a stray quote is text),
 * so the caller decides which records are usable. fn returns 0 to go on, or -1 to stop (having
 * set the caller's error). Blank lines are skipped and a UTF-8 byte-order mark is ignored.
 * Returns 0, or -1: fn stopped, the file cannot be read (GB_ERR_INPUT "<path>: cannot open:
 * ..."), or out of memory (GB_ERR_RUNTIME). */
typedef int (*gb_csv_record_fn)(void *ctx, size_t line, const char *const *fields, size_t n);
int gb_csv_records_read(const char *path, gb_csv_record_fn fn, void *ctx, gb_err *err);

/* The same over text[0..len); name is used in messages in place of the path. */
int gb_csv_records_parse(const char *name, const char *text, size_t len, gb_csv_record_fn fn,
                         void *ctx, gb_err *err);

/* Frees t; NULL is allowed. */
void gb_csv_table_free(gb_csv_table *t);

/* The name (path) given when reading, for messages. */
const char *gb_csv_table_name(const gb_csv_table *t);

/* Number of data rows (the header is not counted) and of columns. */
size_t gb_csv_table_rows(const gb_csv_table *t);
size_t gb_csv_table_cols(const gb_csv_table *t);

/* Name of column col (< cols). */
const char *gb_csv_table_column_name(const gb_csv_table *t, size_t col);

/* Finds the column called name (exact, case-sensitive): true and *col set, or false. */
bool gb_csv_table_find(const gb_csv_table *t, const char *name, size_t *col);

/* Like gb_csv_table_find but a missing column is a GB_ERR_INPUT error
 * ("<file>:1: no column '<name>' in the header"). Returns 0 or -1. */
int gb_csv_table_require(const gb_csv_table *t, const char *name, size_t *col, gb_err *err);

/* Cell text of data row (< rows) and column (< cols), NUL-terminated, "" when empty; NULL when
 * out of range. Owned by the table. */
const char *gb_csv_table_cell(const gb_csv_table *t, size_t row, size_t col);

/* 1-based line of the file on which data row `row` starts (the header is on its own line, so
 * the first data row is usually line 2). */
size_t gb_csv_table_line(const gb_csv_table *t, size_t row);

/* Parses a cell as a finite decimal number ("C" locale). An empty cell gives NaN (undefined)
 * and returns 0. Text that is not a complete finite number is a GB_ERR_INPUT error
 * ("<file>:<line>: column '<name>': '<text>' is not a number"). */
int gb_csv_table_f64(const gb_csv_table *t, size_t row, size_t col, double *out, gb_err *err);

/* Parses a cell as a decimal int64. Empty, fractional or out-of-range text is a GB_ERR_INPUT
 * error naming file, line and column. */
int gb_csv_table_i64(const gb_csv_table *t, size_t row, size_t col, int64_t *out, gb_err *err);

#endif
