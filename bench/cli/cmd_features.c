/* gamebench features RUN_DIR [--out FILE.csv]: the training table for offline research, from a
 * run's decision log (RUN_DIR/decisions.csv, docs/results.md): one row per logged decision,
 * with the player's features at the decision, the arm and the choice, the outcome and two 0/1
 * labels. The whole file is read and checked before anything is written, so bad input leaves
 * no output behind; a file is written atomically (common/gb_afile.h). */
#include <csv.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gb_afile.h"
#include "gb_cli.h"
#include "gb_csv.h"
#include "gb_decision_log.h"
#include "gb_features.h"
#include "gb_opts.h"
#include "gb_path.h"

/* Where decisions.csv keeps what the table needs (columns are found by name). */
typedef struct columns {
  size_t player, ts, arm, chosen, outcome, country, platform, install_day;
  size_t feat[GB_FEAT__COUNT];
} columns;

/* What the check of a row found, for the writing pass. */
typedef struct row_values {
  int64_t player;
  double x[GB_FEAT__COUNT];
  bool install_known;
  int64_t install_day;
  gb_decision_outcome outcome;
} row_values;

static int find_columns(const gb_csv_table *t, columns *c, gb_err *err) {
  const struct {
    const char *name;
    size_t *col;
  } named[] = {{"player_id", &c->player},  {"ts", &c->ts},
               {"arm", &c->arm},           {"chosen", &c->chosen},
               {"outcome", &c->outcome},   {"country", &c->country},
               {"platform", &c->platform}, {"install_day", &c->install_day}};
  for (size_t i = 0; i < sizeof named / sizeof named[0]; i++)
    if (gb_csv_table_require(t, named[i].name, named[i].col, err) != 0)
      return -1;
  for (int f = 0; f < GB_FEAT__COUNT; f++)
    if (gb_csv_table_require(t, gb_feature_name((gb_feature)f), &c->feat[f], err) != 0)
      return -1;
  return 0;
}

/* "<file>:<line>: column '<name>': " and the reason, as the table's own errors read. */
static int cell_error(const gb_csv_table *t, size_t row, size_t col, const char *reason,
                      gb_err *err) {
  return gb_err_set(err, GB_ERR_INPUT, "%s:%zu: column '%s': %s", gb_csv_table_name(t),
                    gb_csv_table_line(t, row), gb_csv_table_column_name(t, col), reason);
}

static int digits(const char *s, int n) {
  int v = 0;
  for (int i = 0; i < n; i++)
    v = v * 10 + (s[i] - '0');
  return v;
}

/* ISO-8601 UTC with milliseconds, as decisions.csv writes it: 2026-01-05T12:10:27.014Z. */
static bool is_utc_ms(const char *s) {
  static const char shape[] = "dddd-dd-ddTdd:dd:dd.dddZ";
  if (strlen(s) != sizeof shape - 1)
    return false;
  for (size_t i = 0; shape[i]; i++)
    if (shape[i] == 'd' ? s[i] < '0' || s[i] > '9' : s[i] != shape[i])
      return false;
  int month = digits(s + 5, 2), day = digits(s + 8, 2);
  return month >= 1 && month <= 12 && day >= 1 && day <= 31 && digits(s + 11, 2) < 24 &&
         digits(s + 14, 2) < 60 && digits(s + 17, 2) < 60;
}

static int check_features(const gb_csv_table *t, const columns *c, size_t row, row_values *v,
                          gb_err *err) {
  for (int f = 0; f < GB_FEAT__COUNT; f++) {
    if (gb_csv_table_f64(t, row, c->feat[f], &v->x[f], err) != 0)
      return -1;
    if (v->x[f] != v->x[f]) /* NaN: the cell was empty */
      return cell_error(t, row, c->feat[f], "empty (every feature has a value)", err);
  }
  return 0;
}

static int check_outcome(const gb_csv_table *t, const columns *c, size_t row, row_values *v,
                         gb_err *err) {
  const char *text = gb_csv_table_cell(t, row, c->outcome);
  if (gb_decision_outcome_parse(text, &v->outcome) != 0) {
    char reason[256];
    snprintf(reason, sizeof reason,
             "'%.64s' is not an outcome (none, shown, expired, discarded, used, failed, "
             "completed)",
             text);
    return cell_error(t, row, c->outcome, reason, err);
  }
  if (v->outcome != GB_OUTCOME_NONE && gb_csv_table_cell(t, row, c->chosen)[0] == '\0')
    return cell_error(t, row, c->outcome, "an outcome other than 'none' without a chosen prop",
                      err);
  return 0;
}

/* Checks data row `row` and keeps its values in *v. */
static int check_row(const gb_csv_table *t, const columns *c, size_t row, row_values *v,
                     gb_err *err) {
  if (gb_csv_table_i64(t, row, c->player, &v->player, err) != 0)
    return -1;
  const char *ts = gb_csv_table_cell(t, row, c->ts);
  if (!is_utc_ms(ts)) {
    char reason[160];
    snprintf(reason, sizeof reason,
             "'%.48s' is not an ISO-8601 UTC time with milliseconds (2026-01-05T12:10:27.014Z)",
             ts);
    return cell_error(t, row, c->ts, reason, err);
  }
  if (gb_csv_table_cell(t, row, c->arm)[0] == '\0')
    return cell_error(t, row, c->arm, "empty (every decision has an arm)", err);
  v->install_known = gb_csv_table_cell(t, row, c->install_day)[0] != '\0';
  if (v->install_known && gb_csv_table_i64(t, row, c->install_day, &v->install_day, err) != 0)
    return -1;
  if (check_features(t, c, row, v, err) != 0)
    return -1;
  return check_outcome(t, c, row, v, err);
}

/* ---- the table */

/* A text cell, quoted as docs/results.md says: when it holds a comma, a quote, a CR/LF, or a
 * leading or trailing blank (which a reader would trim). */
static void put_text(FILE *out, const char *s, bool first) {
  if (!first)
    fputc(',', out);
  size_t len = strlen(s);
  bool blank_end =
      len > 0 && (s[0] == ' ' || s[0] == '\t' || s[len - 1] == ' ' || s[len - 1] == '\t');
  if (blank_end || strpbrk(s, ",\"\r\n"))
    csv_fwrite(out, s, len);
  else
    fputs(s, out);
}

static void put_number(FILE *out, double v) {
  char buf[GB_CSV_NUM_MAX];
  gb_csv_format_double(v, buf, sizeof buf);
  fprintf(out, ",%s", buf);
}

static void write_header(FILE *out) {
  fputs("player_id,decision_time", out);
  for (int f = 0; f < GB_FEAT__COUNT; f++)
    fprintf(out, ",%s", gb_feature_name((gb_feature)f));
  fputs(",country,platform,install_day,arm,chosen,outcome,used,completed\n", out);
}

static void write_row(FILE *out, const gb_csv_table *t, const columns *c, size_t row,
                      const row_values *v) {
  fprintf(out, "%" PRId64, v->player);
  put_text(out, gb_csv_table_cell(t, row, c->ts), false);
  for (int f = 0; f < GB_FEAT__COUNT; f++)
    put_number(out, v->x[f]);
  put_text(out, gb_csv_table_cell(t, row, c->country), false);
  put_text(out, gb_csv_table_cell(t, row, c->platform), false);
  if (v->install_known)
    fprintf(out, ",%" PRId64, v->install_day);
  else
    fputc(',', out);
  put_text(out, gb_csv_table_cell(t, row, c->arm), false);
  put_text(out, gb_csv_table_cell(t, row, c->chosen), false);
  put_text(out, gb_decision_outcome_name(v->outcome), false);
  bool used = v->outcome == GB_OUTCOME_USED || v->outcome == GB_OUTCOME_FAILED ||
              v->outcome == GB_OUTCOME_COMPLETED;
  fprintf(out, ",%d,%d\n", used, v->outcome == GB_OUTCOME_COMPLETED);
}

static void write_table(FILE *out, const gb_csv_table *t, const columns *c,
                        const row_values *values) {
  write_header(out);
  for (size_t r = 0; r < gb_csv_table_rows(t); r++)
    write_row(out, t, c, r, &values[r]);
}

/* Writes the table to out_path (atomically), or to stdout for NULL or "-". */
static int emit(const char *out_path, const gb_csv_table *t, const columns *c,
                const row_values *values, gb_err *err) {
  if (!out_path || strcmp(out_path, "-") == 0) {
    write_table(stdout, t, c, values);
    if (fflush(stdout) != 0 || ferror(stdout))
      return gb_err_set(err, GB_ERR_RUNTIME, "stdout: write failed");
    return 0;
  }
  gb_afile *f = NULL;
  if (gb_afile_open(out_path, &f, err) != 0)
    return -1;
  write_table(gb_afile_stream(f), t, c, values);
  return gb_afile_commit(f, err);
}

/* Reads and checks RUN_DIR/decisions.csv whole, then writes the table. */
static int features(const char *run_dir, const char *out_path, gb_err *err) {
  char *path = gb_path_join(run_dir, "decisions.csv");
  if (!path)
    return gb_err_set(err, GB_ERR_RUNTIME, "out of memory");
  gb_csv_table *t = NULL;
  row_values *values = NULL;
  columns c;
  int rc = gb_csv_table_read(path, &t, err);
  free(path);
  if (rc == 0)
    rc = find_columns(t, &c, err);
  if (rc == 0) {
    size_t n = gb_csv_table_rows(t);
    values = calloc(n ? n : 1, sizeof *values);
    if (!values)
      rc = gb_err_set(err, GB_ERR_RUNTIME, "out of memory for %zu decisions", n);
    for (size_t r = 0; rc == 0 && r < n; r++)
      rc = check_row(t, &c, r, &values[r], err);
  }
  if (rc == 0)
    rc = emit(out_path, t, &c, values, err);
  free(values);
  gb_csv_table_free(t);
  return rc;
}

int gb_cmd_features(int argc, char **argv) {
  const char *out_path = NULL;
  const gb_opt opts[] = {
      {.name = "out",
       .short_name = 'o',
       .kind = GB_OPT_STRING,
       .target = &out_path,
       .metavar = "FILE.csv",
       .help = "where to write the table, atomically; '-' for stdout (default: stdout)"},
      {0},
  };
  const gb_cmd_spec spec = {
      .name = "features",
      .usage = "RUN_DIR [--out FILE.csv]",
      .summary = "Write the training table of a run's decisions: one row per decision in "
                 "RUN_DIR/decisions.csv\n(written by `gamebench run`), for offline research "
                 "on the recommender.",
      .details =
          "Columns: player_id; decision_time (the decision's sim time, ISO-8601 UTC); the "
          "player's features\njust before the decision (last_session_games … "
          "days_since_install, docs/results.md); country,\nplatform and install_day (days since "
          "1970-01-01, empty when unknown); arm; chosen (the challenge\nof the prop, empty for "
          "none); outcome (none, shown, expired, discarded, used, failed,\ncompleted); and two "
          "0/1 labels: used (the prop was used: outcome used, failed or completed)\nand "
          "completed. Rows in decisions.csv's order (by decision_id).\n"
          "Exit status: 0 done, 1 the output could not be written, 2 RUN_DIR/decisions.csv is "
          "missing or\nmalformed (the message names the file, the line and the column; nothing "
          "is written).",
      .min_positional = 1,
      .max_positional = 1,
      .opts = opts,
  };
  gb_opts_result res;
  int parsed = gb_opts_command(&spec, argc, argv, &res);
  if (parsed >= 0)
    return parsed;
  gb_err err = {0};
  if (features(res.positional[0], out_path, &err) != 0)
    return gb_opts_fail(&err);
  return 0;
}
