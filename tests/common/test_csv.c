/* CSV files (common/gb_csv.h): the number format, the writer (quoting, atomic files, sticky
 * errors) and the reader (libcsv: BOM, CRLF, errors that name the line). */
#include <criterion/criterion.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gb_afile.h"
#include "gb_csv.h"
#include "gb_err.h"
#include "gb_test_support.h"

/* ---- number formatting ------------------------------------------------------------------- */

static const char *fmt(double v, char *buf) {
  gb_csv_format_double(v, buf, GB_CSV_NUM_MAX);
  return buf;
}

Test(csv, doubles_have_at_most_six_decimals_without_trailing_zeros) {
  char b[GB_CSV_NUM_MAX];
  cr_assert_str_eq(fmt(0.1, b), "0.1");
  cr_assert_str_eq(fmt(12.0, b), "12");
  cr_assert_str_eq(fmt(-3.25, b), "-3.25");
  cr_assert_str_eq(fmt(0.000001, b), "0.000001");
  cr_assert_str_eq(fmt(0.0000004, b), "0");
  cr_assert_str_eq(fmt(-0.0, b), "0");
  cr_assert_str_eq(fmt(-0.0000004, b), "0");
  cr_assert_str_eq(fmt(1234567.891234567, b), "1234567.891235");
  cr_assert_str_eq(fmt(2.0 / 3.0, b), "0.666667");
  cr_assert_str_eq(fmt(1.5e12, b), "1500000000000");
  cr_assert_str_eq(fmt(NAN, b), "NaN");
  cr_assert_str_eq(fmt(-INFINITY, b), "-Inf");
}

/* ---- CSV writer -------------------------------------------------------------------------- */

Test(csv, writer_quotes_only_fields_that_need_it) {
  char *dir = gbt_tmpdir();
  char *path = gbt_path(dir, "q.csv");
  gb_err err = {0};
  const char *cols[] = {"name", "value"};
  gb_csv_writer *w = NULL;
  cr_assert_eq(gb_csv_writer_open(path, cols, 2, &w, &err), 0, "%s", err.msg);
  const char *rows[][2] = {{"plain", "a,b"},
                           {"say \"hi\"", "line1\nline2"},
                           {" padded ", ""},
                           {"cr\rhere", "tab\tinside"}};
  for (size_t i = 0; i < 4; i++)
    cr_assert_eq(gb_csv_write_row(w, rows[i], 2, &err), 0, "%s", err.msg);
  cr_assert_eq(gb_csv_writer_close(w, &err), 0, "%s", err.msg);
  char *text = gbt_read_file(path, NULL);
  cr_assert_str_eq(text, "name,value\n"
                         "plain,\"a,b\"\n"
                         "\"say \"\"hi\"\"\",\"line1\nline2\"\n"
                         "\" padded \",\n"
                         "\"cr\rhere\",tab\tinside\n");
  free(text);
  free(path);
  gbt_rmtree(dir);
  free(dir);
}

Test(csv, writer_numbers_and_empty_cells) {
  char *dir = gbt_tmpdir();
  char *path = gbt_path(dir, "n.csv");
  gb_err err = {0};
  const char *cols[] = {"metric", "value", "unit"};
  gb_csv_writer *w = NULL;
  cr_assert_eq(gb_csv_writer_open(path, cols, 3, &w, &err), 0, "%s", err.msg);
  cr_assert_eq(gb_csv_cell_str(w, "events_generated", &err), 0);
  cr_assert_eq(gb_csv_cell_i64(w, INT64_MIN, &err), 0);
  cr_assert_eq(gb_csv_cell_str(w, "events", &err), 0);
  cr_assert_eq(gb_csv_end_row(w, &err), 0);
  cr_assert_eq(gb_csv_cell_str(w, "lift_vs_random", &err), 0);
  cr_assert_eq(gb_csv_cell_f64(w, NAN, &err), 0);
  cr_assert_eq(gb_csv_cell_empty(w, &err), 0);
  cr_assert_eq(gb_csv_end_row(w, &err), 0);
  cr_assert_eq(gb_csv_cell_str(w, "achieved_rate_eps", &err), 0);
  cr_assert_eq(gb_csv_cell_f64(w, 9999.5, &err), 0);
  cr_assert_eq(gb_csv_cell_str(w, NULL, &err), 0);
  cr_assert_eq(gb_csv_end_row(w, &err), 0);
  cr_assert_eq(gb_csv_writer_close(w, &err), 0, "%s", err.msg);
  char *text = gbt_read_file(path, NULL);
  cr_assert_str_eq(text, "metric,value,unit\n"
                         "events_generated,-9223372036854775808,events\n"
                         "lift_vs_random,,\n"
                         "achieved_rate_eps,9999.5,\n");
  free(text);
  free(path);
  gbt_rmtree(dir);
  free(dir);
}

Test(csv, writer_is_atomic_and_discard_leaves_nothing) {
  char *dir = gbt_tmpdir();
  char *path = gbt_path(dir, "a.csv");
  char *tmp = gbt_path(dir, "a.csv.tmp");
  gb_err err = {0};
  const char *cols[] = {"x"};
  gb_csv_writer *w = NULL;
  cr_assert_eq(gb_csv_writer_open(path, cols, 1, &w, &err), 0, "%s", err.msg);
  cr_assert_eq(gb_csv_cell_i64(w, 1, &err), 0);
  cr_assert_eq(gb_csv_end_row(w, &err), 0);
  cr_assert(!gbt_exists(path), "the final file appeared before close");
  cr_assert(gbt_exists(tmp));
  cr_assert_eq(gb_csv_writer_close(w, &err), 0, "%s", err.msg);
  cr_assert(gbt_exists(path));
  cr_assert(!gbt_has_tmp_file(dir), "a .tmp file was left behind");

  /* A discarded rewrite leaves the previous complete file untouched. */
  cr_assert_eq(gb_csv_writer_open(path, cols, 1, &w, &err), 0, "%s", err.msg);
  cr_assert_eq(gb_csv_cell_i64(w, 2, &err), 0);
  gb_csv_writer_discard(w);
  char *text = gbt_read_file(path, NULL);
  cr_assert_str_eq(text, "x\n1\n");
  cr_assert(!gbt_has_tmp_file(dir));
  free(text);
  free(tmp);
  free(path);
  gbt_rmtree(dir);
  free(dir);
}

Test(csv, writer_errors_are_sticky_and_leave_no_file) {
  char *dir = gbt_tmpdir();
  char *path = gbt_path(dir, "e.csv");
  gb_err err = {0};
  const char *cols[] = {"a", "b"};
  gb_csv_writer *w = NULL;
  cr_assert_eq(gb_csv_writer_open(path, cols, 2, &w, &err), 0, "%s", err.msg);
  cr_assert_eq(gb_csv_cell_i64(w, 1, &err), 0);
  cr_assert_eq(gb_csv_end_row(w, &err), -1);
  char expected[4200];
  snprintf(expected, sizeof expected, "%s: row 1 has 1 cells, the header has 2 columns", path);
  cr_assert_str_eq(err.msg, expected);
  gb_err later = {0};
  cr_assert_eq(gb_csv_cell_i64(w, 2, &later), -1);
  cr_assert_str_eq(later.msg, expected, "errors are sticky");
  gb_err at_close = {0};
  cr_assert_eq(gb_csv_writer_close(w, &at_close), -1);
  cr_assert_str_eq(at_close.msg, expected);
  cr_assert_eq(at_close.kind, GB_ERR_RUNTIME);
  cr_assert(!gbt_exists(path));
  cr_assert(!gbt_has_tmp_file(dir));

  cr_assert_eq(gb_csv_writer_open(path, cols, 2, &w, &err), 0, "%s", err.msg);
  cr_assert_eq(gb_csv_cell_f64(w, INFINITY, &err), -1);
  cr_assert(strstr(err.msg, "row 1, column 1: infinite value"), "%s", err.msg);
  gb_csv_writer_discard(w);

  cr_assert_eq(gb_csv_writer_open(path, cols, 2, &w, &err), 0, "%s", err.msg);
  cr_assert_eq(gb_csv_cell_i64(w, 1, &err), 0);
  cr_assert_eq(gb_csv_writer_close(w, &err), -1, "a row left open is an error");
  cr_assert(strstr(err.msg, "closed with row 1 unfinished (1 of 2 cells)"), "%s", err.msg);
  cr_assert(!gbt_exists(path));

  const char *empty_name[] = {"a", ""};
  w = NULL;
  cr_assert_eq(gb_csv_writer_open(path, empty_name, 2, &w, &err), -1);
  cr_assert_null(w, "*out is left unchanged");
  cr_assert_eq(err.kind, GB_ERR_INPUT);
  cr_assert(!gbt_has_tmp_file(dir));
  free(path);
  gbt_rmtree(dir);
  free(dir);
}

Test(csv, writer_reports_an_uncreatable_file) {
  gb_err err = {0};
  const char *cols[] = {"a"};
  gb_csv_writer *w = NULL;
  cr_assert_eq(gb_csv_writer_open("/nonexistent-dir/x.csv", cols, 1, &w, &err), -1);
  cr_assert_null(w);
  cr_assert_eq(err.kind, GB_ERR_RUNTIME);
  cr_assert_str_eq(err.msg, "/nonexistent-dir/x.csv.tmp: cannot create: No such file or directory");
}

Test(csv, stream_writer_writes_to_the_callers_stream_and_leaves_it_open) {
  char *text = NULL;
  size_t len = 0;
  FILE *mem = open_memstream(&text, &len);
  cr_assert_not_null(mem);
  gb_err err = {0};
  const char *cols[] = {"name", "n"};
  gb_csv_writer *w = NULL;
  cr_assert_eq(gb_csv_writer_open_stream(mem, "stdout", cols, 2, &w, &err), 0, "%s", err.msg);
  cr_assert_eq(gb_csv_cell_str(w, "a, b", &err), 0);
  cr_assert_eq(gb_csv_cell_i64(w, -7, &err), 0);
  cr_assert_eq(gb_csv_end_row(w, &err), 0);
  cr_assert_eq(gb_csv_writer_close(w, &err), 0, "%s", err.msg);
  cr_assert_eq(fputs("after\n", mem), 1, "the stream is still open");
  cr_assert_eq(fclose(mem), 0);
  cr_assert_str_eq(text, "name,n\n\"a, b\",-7\nafter\n");
  free(text);

  FILE *sink = fopen("/dev/null", "w");
  cr_assert_not_null(sink);
  cr_assert_eq(gb_csv_writer_open_stream(sink, "stdout", cols, 2, &w, &err), 0);
  cr_assert_eq(gb_csv_cell_i64(w, 1, &err), 0);
  cr_assert_eq(gb_csv_end_row(w, &err), -1);
  cr_assert_str_eq(err.msg, "stdout: row 1 has 1 cells, the header has 2 columns");
  gb_csv_writer_discard(w);
  fclose(sink);
}

Test(csv, stream_writer_reports_a_failed_write_at_close) {
  FILE *full = fopen("/dev/full", "w");
  cr_assert_not_null(full);
  gb_err err = {0};
  const char *cols[] = {"a"};
  gb_csv_writer *w = NULL;
  cr_assert_eq(gb_csv_writer_open_stream(full, "/dev/full", cols, 1, &w, &err), 0, "%s", err.msg);
  cr_assert_eq(gb_csv_cell_str(w, "x", &err), 0, "buffered: the failure shows at the flush");
  cr_assert_eq(gb_csv_end_row(w, &err), 0);
  cr_assert_eq(gb_csv_writer_close(w, &err), -1);
  cr_assert_eq(err.kind, GB_ERR_RUNTIME);
  cr_assert_str_eq(err.msg, "/dev/full: write failed: No space left on device");
  fclose(full);
}

/* ---- CSV reader -------------------------------------------------------------------------- */

Test(csv, reader_round_trips_what_the_writer_wrote) {
  char *dir = gbt_tmpdir();
  char *path = gbt_path(dir, "rt.csv");
  gb_err err = {0};
  const char *cols[] = {"text", "number", "note"};
  const char *texts[] = {"plain", "a,b", "say \"hi\"", "multi\nline\nfield", " padded ", ""};
  const double numbers[] = {0.5, -12, 1e-6, 123456.75, 0, 7};
  gb_csv_writer *w = NULL;
  cr_assert_eq(gb_csv_writer_open(path, cols, 3, &w, &err), 0, "%s", err.msg);
  for (size_t i = 0; i < 6; i++) {
    gb_csv_cell_str(w, texts[i], &err);
    gb_csv_cell_f64(w, numbers[i], &err);
    gb_csv_cell_str(w, i % 2 ? "odd" : "", &err);
    gb_csv_end_row(w, &err);
  }
  cr_assert_eq(gb_csv_writer_close(w, &err), 0, "%s", err.msg);

  gb_csv_table *t = NULL;

  cr_assert_eq(gb_csv_table_read(path, &t, &err), 0, "%s", err.msg);
  cr_assert_eq(gb_csv_table_rows(t), 6);
  cr_assert_eq(gb_csv_table_cols(t), 3);
  size_t text_col = 9, num_col = 9, note_col = 9;
  cr_assert(gb_csv_table_find(t, "text", &text_col));
  cr_assert(gb_csv_table_find(t, "number", &num_col));
  cr_assert(gb_csv_table_find(t, "note", &note_col));
  cr_assert_eq(note_col, 2);
  for (size_t i = 0; i < 6; i++) {
    cr_assert_str_eq(gb_csv_table_cell(t, i, text_col), texts[i], "row %zu", i);
    double v = NAN;
    cr_assert_eq(gb_csv_table_f64(t, i, num_col, &v, &err), 0, "%s", err.msg);
    cr_assert_eq(v, numbers[i], "row %zu: %g", i, v);
    cr_assert_str_eq(gb_csv_table_cell(t, i, note_col), i % 2 ? "odd" : "");
  }
  /* Row 3 starts on line 5 (header, 3 rows) and spans lines 5-7, so row 4 is on line 8. */
  cr_assert_eq(gb_csv_table_line(t, 0), 2);
  cr_assert_eq(gb_csv_table_line(t, 3), 5);
  cr_assert_eq(gb_csv_table_line(t, 4), 8);
  cr_assert_null(gb_csv_table_cell(t, 6, 0));
  cr_assert_null(gb_csv_table_cell(t, 0, 3));
  cr_assert(!gb_csv_table_find(t, "Text", &text_col), "lookup is case-sensitive");
  gb_csv_table_free(t);
  free(path);
  gbt_rmtree(dir);
  free(dir);
}

Test(csv, reader_skips_blank_lines_bom_and_crlf) {
  static const char text[] = "\xEF\xBB\xBF"
                             "a, b\r\n"
                             "\r\n"
                             "1,  x  \r\n"
                             "\n"
                             "2,\"y\"\r\n";
  gb_err err = {0};
  gb_csv_table *t = NULL;
  cr_assert_eq(gb_csv_table_parse("mem.csv", text, sizeof text - 1, &t, &err), 0, "%s", err.msg);
  cr_assert_str_eq(gb_csv_table_column_name(t, 0), "a", "the BOM is not part of the name");
  cr_assert_str_eq(gb_csv_table_column_name(t, 1), "b", "blanks are trimmed");
  cr_assert_eq(gb_csv_table_rows(t), 2);
  cr_assert_str_eq(gb_csv_table_cell(t, 0, 1), "x");
  cr_assert_eq(gb_csv_table_line(t, 0), 3);
  cr_assert_eq(gb_csv_table_line(t, 1), 5);
  int64_t v = 0;
  cr_assert_eq(gb_csv_table_i64(t, 1, 0, &v, &err), 0);
  cr_assert_eq(v, 2);
  gb_csv_table_free(t);
}

/* Parses text and returns the error message (the parse must fail with an input error). */
static void expect_parse_error(const char *text, const char *expected) {
  gb_err err = {0};
  gb_csv_table *t = NULL;
  cr_assert_eq(gb_csv_table_parse("x.csv", text, strlen(text), &t, &err), -1,
               "parsed although it should fail: %s", text);
  cr_assert_null(t);
  cr_assert_eq(err.kind, GB_ERR_INPUT);
  cr_assert_str_eq(err.msg, expected);
}

Test(csv, reader_errors_name_the_line) {
  expect_parse_error("a,b\n1,2\n3\n", "x.csv:3: expected 2 fields (as in the header), found 1");
  expect_parse_error("a,b\n1,2,3\n", "x.csv:2: expected 2 fields (as in the header), found 3");
  expect_parse_error("a,b\n1,\"two\nlines\"\n\n3\n",
                     "x.csv:5: expected 2 fields (as in the header), found 1");
  expect_parse_error("a,b\n1,x\"y\n", "x.csv:2: malformed quoting (a quote inside an unquoted "
                                      "field, or text after a closing quote)");
  expect_parse_error("a,b\n1,\"ab\"c\n", "x.csv:2: malformed quoting (a quote inside an unquoted "
                                         "field, or text after a closing quote)");
  expect_parse_error("a,b\n1,2\n3,\"open\n4,5\n",
                     "x.csv:3: quoted field not closed before the end of the file");
  expect_parse_error("a,b,a\n", "x.csv:1: header: duplicate column 'a'");
  expect_parse_error("a,,c\n", "x.csv:1: header: column 2 has an empty name");
  expect_parse_error("", "x.csv: empty file (no header line)");
  expect_parse_error("\n\n", "x.csv: empty file (no header line)");
}

Test(csv, reader_number_and_column_errors) {
  static const char text[] = "metric,value\nrate,12.5\nbad,1.5x\nempty,\nbig,1e999\nint,7.5\n";
  gb_err err = {0};
  gb_csv_table *t = NULL;
  cr_assert_eq(gb_csv_table_parse("s.csv", text, sizeof text - 1, &t, &err), 0, "%s", err.msg);
  double v = 0;
  cr_assert_eq(gb_csv_table_f64(t, 0, 1, &v, &err), 0);
  cr_assert_eq(v, 12.5);
  cr_assert_eq(gb_csv_table_f64(t, 1, 1, &v, &err), -1);
  cr_assert_str_eq(err.msg, "s.csv:3: column 'value': '1.5x' is not a number");
  cr_assert_eq(err.kind, GB_ERR_INPUT);
  cr_assert_eq(gb_csv_table_f64(t, 2, 1, &v, &err), 0);
  cr_assert(isnan(v), "an empty cell is undefined (NaN)");
  cr_assert_eq(gb_csv_table_f64(t, 3, 1, &v, &err), -1);
  cr_assert_str_eq(err.msg, "s.csv:5: column 'value': '1e999' is not a number");
  int64_t i = 0;
  cr_assert_eq(gb_csv_table_i64(t, 4, 1, &i, &err), -1);
  cr_assert_str_eq(err.msg, "s.csv:6: column 'value': '7.5' is not an integer");
  cr_assert_eq(gb_csv_table_i64(t, 2, 1, &i, &err), -1, "an empty cell is not an integer");
  size_t col = 0;
  cr_assert_eq(gb_csv_table_require(t, "unit", &col, &err), -1);
  cr_assert_str_eq(err.msg, "s.csv:1: no column 'unit' in the header");
  gb_csv_table_free(t);
}

Test(csv, reader_names_a_missing_file) {
  gb_err err = {0};
  gb_csv_table *t = NULL;
  cr_assert_eq(gb_csv_table_read("/nonexistent/summary.csv", &t, &err), -1);
  cr_assert_null(t);
  cr_assert_eq(err.kind, GB_ERR_INPUT);
  cr_assert_str_eq(err.msg, "/nonexistent/summary.csv: cannot open: No such file or directory");
}
