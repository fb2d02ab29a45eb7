#include "gb_repeat.h"
#include "gb_path.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "gb_afile.h"
#include "gb_clock.h"
#include "gb_csv.h"
#include "gb_jsonw.h"
#include "gb_metric.h"
#include "gb_report.h"
#include "gb_run_int.h"

/* How a metric's repeats combine into the headline value: the registry's rule (gb_metric.h:
 * verdicts take the worst repeat, other metrics the median; a repeat that lacks the metric is
 * left out). */
static double combine(const char *metric, double *v, size_t n) {
  return gb_metric_combine(gb_metric_find(metric, GB_METRIC_SUMMARY), v, n);
}

typedef struct summaries {
  gb_csv_table **tables; /* per repeat: its summary.csv */
  size_t n;
} summaries;

static int load_summaries(const char *top, size_t n, summaries *s, gb_err *err) {
  s->tables = calloc(n, sizeof *s->tables);
  if (!s->tables)
    return gb_err_set(err, GB_ERR_RUNTIME, "out of memory");
  s->n = n;
  for (size_t i = 0; i < n; i++) {
    char name[64];
    snprintf(name, sizeof name, "repeat-%zu/summary.csv", i + 1);
    char *path = gb_path_join(top, name);
    int rc = path ? gb_csv_table_read(path, &s->tables[i], err)
                  : gb_err_set(err, GB_ERR_RUNTIME, "out of memory");
    free(path);
    if (rc != 0)
      return -1;
  }
  return 0;
}

static void free_summaries(summaries *s) {
  for (size_t i = 0; i < s->n; i++)
    gb_csv_table_free(s->tables[i]);
  free(s->tables);
}

/* The value of metric in a summary table (NaN when absent or empty). */
static double value_of(const gb_csv_table *t, const char *metric) {
  for (size_t r = 0; r < gb_csv_table_rows(t); r++) {
    if (strcmp(gb_csv_table_cell(t, r, 0), metric) != 0)
      continue;
    double v;
    gb_err ignored;
    return gb_csv_table_f64(t, r, 1, &v, &ignored) == 0 ? v : NAN;
  }
  return NAN;
}

static int write_tables(const char *top, const summaries *s, gb_err *err) {
  const gb_csv_table *first = s->tables[0];
  size_t n = s->n, n_cols = n + 3;
  const char **cols = calloc(n_cols, sizeof *cols);
  char(*names)[32] = calloc(n, sizeof *names);
  double *v = calloc(n, sizeof *v);
  char *rep_path = gb_path_join(top, "repeats.csv"), *sum_path = gb_path_join(top, "summary.csv");
  int rc = -1;
  if (!cols || !names || !v || !rep_path || !sum_path) {
    gb_err_set(err, GB_ERR_RUNTIME, "out of memory");
    goto out;
  }
  cols[0] = "metric";
  cols[1] = "unit";
  for (size_t i = 0; i < n; i++) {
    snprintf(names[i], sizeof names[i], "repeat_%zu", i + 1);
    cols[2 + i] = names[i];
  }
  cols[n + 2] = "combined";
  static const char *const sum_cols[] = {"metric", "value", "unit"};
  gb_csv_writer *rw = NULL, *sw = NULL;
  if (gb_csv_writer_open(rep_path, cols, n_cols, &rw, err) != 0)
    goto out;
  if (gb_csv_writer_open(sum_path, sum_cols, 3, &sw, err) != 0) {
    gb_csv_writer_discard(rw);
    goto out;
  }
  for (size_t r = 0; r < gb_csv_table_rows(first); r++) {
    const char *metric = gb_csv_table_cell(first, r, 0), *unit = gb_csv_table_cell(first, r, 2);
    gb_csv_cell_str(rw, metric, err);
    gb_csv_cell_str(rw, unit, err);
    for (size_t i = 0; i < n; i++) {
      v[i] = value_of(s->tables[i], metric);
      gb_csv_cell_f64(rw, v[i], err);
    }
    double combined = combine(metric, v, n);
    gb_csv_cell_f64(rw, combined, err);
    gb_csv_end_row(rw, err);
    gb_csv_cell_str(sw, metric, err);
    gb_csv_cell_f64(sw, combined, err);
    gb_csv_cell_str(sw, unit, err);
    gb_csv_end_row(sw, err);
  }
  rc = gb_csv_writer_close(rw, err);
  if (gb_csv_writer_close(sw, rc == 0 ? err : NULL) != 0)
    rc = -1;
out:
  free(cols);
  free(names);
  free(v);
  free(rep_path);
  free(sum_path);
  return rc;
}

static int write_manifest(const char *top, const gb_workload *w, size_t n, gb_err *err) {
  char *path = gb_path_join(top, "manifest.json");
  gb_afile *f = NULL;
  int rc = path ? gb_afile_open(path, &f, err) : gb_err_set(err, GB_ERR_RUNTIME, "out of memory");
  free(path);
  if (rc != 0)
    return -1;
  gb_jsonw jw;
  gb_jsonw_init(&jw, gb_afile_stream(f), 2);
  gb_jsonw_object_begin(&jw);
  gb_jsonw_key(&jw, "schema");
  gb_jsonw_int(&jw, 1);
  gb_jsonw_key(&jw, "name");
  gb_jsonw_string(&jw, w->name);
  gb_jsonw_key(&jw, "seed");
  gb_jsonw_uint(&jw, w->seed);
  gb_jsonw_key(&jw, "repeats");
  gb_jsonw_uint(&jw, n);
  gb_jsonw_key(&jw, "workload");
  gb_jsonw_raw(&jw, w->resolved_json);
  gb_jsonw_object_end(&jw);
  return gb_afile_commit(f, err);
}

static void choose_top(const gb_workload *w, const gb_run_options *opt, size_t n, char *out,
                       size_t cap) {
  if (opt->out_dir) {
    snprintf(out, cap, "%s", opt->out_dir);
    return;
  }
  time_t secs = (time_t)(gb_clock_wall_ns() / 1000000000LL);
  struct tm tm;
  gmtime_r(&secs, &tm);
  char stamp[32];
  strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);
  snprintf(out, cap, "%s/%s-%s-x%zu", w->output.dir, w->name, stamp, n);
}

static int run_repeats(const gb_workload *w, const gb_run_options *opt, const char *partial,
                       size_t n, gb_run_outcome *outcome, gb_err *err) {
  outcome->reconciled = true;
  for (size_t i = 0; i < n; i++) {
    char sub[4400];
    snprintf(sub, sizeof sub, "%s/repeat-%zu", partial, i + 1);
    gb_run_options ro = *opt;
    ro.out_dir = sub;
    gb_run_outcome o;
    if (!opt->quiet)
      fprintf(stderr, "repeat %zu of %zu\n", i + 1, n);
    if (gb_run_execute(w, &ro, &o, err) != 0)
      return -1;
    if (o.interrupted) { /* a set of repeats is written whole or not at all */
      outcome->interrupted = o.interrupted;
      return gb_err_set(err, GB_ERR_RUNTIME,
                        "interrupted by %s in repeat %zu of %zu: no results written (a set of "
                        "repeats is kept only whole)",
                        gb_run_signal_name(o.interrupted), i + 1, n);
    }
    outcome->reconciled = outcome->reconciled && o.reconciled;
  }
  return 0;
}

int gb_repeat_execute(const gb_workload *w, const gb_run_options *opt, size_t n,
                      gb_run_outcome *outcome, gb_err *err) {
  memset(outcome, 0, sizeof *outcome);
  if (!opt->out_dir && gb_path_ready_dir(w->output.dir, "output.dir", err) != 0)
    return -1;
  char top[4096];
  choose_top(w, opt, n, top, sizeof top);
  gb_run_options at = *opt;
  at.out_dir = top;
  if (gb_run_reserve_dir(w, &at, 0, outcome->dir, sizeof outcome->dir, err) != 0)
    return -1;
  char partial[4200];
  snprintf(partial, sizeof partial, "%s.partial", outcome->dir);
  /* each repeat takes the signals while it runs; between and after them, they wait here */
  gb_run_signals sig;
  gb_run_signals_begin(&sig);
  summaries s = {0};
  int rc = run_repeats(w, opt, partial, n, outcome, err);
  if (rc == 0)
    rc = load_summaries(partial, n, &s, err);
  if (rc == 0)
    rc = write_tables(partial, &s, err);
  if (rc == 0)
    rc = write_manifest(partial, w, n, err);
  if (rc == 0 && !opt->no_report)
    rc = gb_report_generate(partial, false, err);
  /* signals since the last repeat ended: the summaries are complete, two abort */
  if (rc == 0 && gb_run_signals_take(&sig) > 0 && sig.count >= 2)
    gb_run_signals_abort(&sig, partial);
  if (rc == 0 && rename(partial, outcome->dir) != 0)
    rc = gb_err_set(err, GB_ERR_RUNTIME, "%s: cannot rename: %s", partial, strerror(errno));
  if (rc == 0) {
    outcome->rate_sustained = value_of(s.tables[0], "rate_sustained") == 1;
    for (size_t i = 1; i < n; i++)
      outcome->rate_sustained =
          outcome->rate_sustained && value_of(s.tables[i], "rate_sustained") == 1;
  }
  free_summaries(&s);
  if (rc != 0)
    gb_run_remove_tree(partial);
  gb_run_signals_end(&sig);
  return rc;
}
