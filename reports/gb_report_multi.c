/* gb_report_multi: the comparative report of several results directories (gb_report.h): loading
 * the runs (a `run --repeat` directory as one run), their labels, and the two files. The sections
 * are gb_report_multi_doc.c's, the plots gb_report_multi_plot.c's. */
#include "gb_report.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "gb_path.h"
#include "gb_report_multi_int.h"

/* ---- loading ----------------------------------------------------------------------------- */

static bool is_dir(const char *path) {
  struct stat st;
  return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* "<dir>/repeat-<k>" into buf. */
static void repeat_path(const char *dir, size_t k, char *buf, size_t cap) {
  gb_doc_textf(buf, cap, "%s/repeat-%zu", dir, k);
}

/* How many repeat-1/, repeat-2/, … directories dir holds in a row from 1. */
static size_t count_repeats(const char *dir) {
  char path[4200];
  size_t n = 0;
  for (;;) {
    repeat_path(dir, n + 1, path, sizeof path);
    if (!is_dir(path))
      return n;
    n++;
  }
}

static const char MEDIAN_METRIC[] = "latency_e2e_p99_us";

/* Loads the repeats of a --repeat directory one by one and keeps the one whose e2e p99 is
 * closest to the top summary's (the median), or repeat-1 when that cannot be told. */
static int load_detail(gb_report_run *run, gb_err *err) {
  double median = gb_results_metric_value(run->top, MEDIAN_METRIC);
  double best_distance = INFINITY;
  char path[4200];
  for (size_t k = 1; k <= run->repeats; k++) {
    repeat_path(run->dir, k, path, sizeof path);
    gb_results *r = NULL;
    if (gb_results_load(path, &r, err) != 0)
      return -1;
    double distance = fabs(gb_results_metric_value(r, MEDIAN_METRIC) - median);
    bool better = !run->detail || distance < best_distance; /* NaN is never better */
    if (better) {
      gb_results_free(run->detail);
      run->detail = r;
      run->repeat_used = k;
      run->by_median = !isnan(distance);
      best_distance = isnan(distance) ? INFINITY : distance;
    } else {
      gb_results_free(r);
    }
  }
  return 0;
}

static int load_run(const char *dir, gb_report_run *run, gb_err *err) {
  memset(run, 0, sizeof *run);
  run->dir = dir;
  if (gb_results_load(dir, &run->top, err) != 0)
    return -1;
  run->repeats = count_repeats(dir);
  if (run->repeats == 0) {
    run->detail = run->top;
    return 0;
  }
  return load_detail(run, err);
}

void gb_report_multi_free(gb_report_run *runs, size_t n) {
  for (size_t i = 0; i < n; i++) {
    if (runs[i].detail != runs[i].top)
      gb_results_free(runs[i].detail);
    gb_results_free(runs[i].top);
    runs[i].top = runs[i].detail = NULL;
  }
}

int gb_report_multi_load(const char *const *dirs, size_t n, gb_report_run *runs, gb_err *err) {
  memset(runs, 0, n * sizeof *runs);
  for (size_t i = 0; i < n; i++) {
    if (load_run(dirs[i], &runs[i], err) != 0) {
      gb_report_multi_free(runs, n);
      return -1;
    }
  }
  gb_report_multi_label(runs, n);
  return 0;
}

const char *gb_report_run_field(const gb_report_run *run, const char *key) {
  const gb_results_entry *e = gb_results_manifest_get(run->top, key);
  if (!e && run->detail)
    e = gb_results_manifest_get(run->detail, key);
  return e ? e->text : NULL;
}

/* ---- arms ------------------------------------------------------------------------------- */

size_t gb_report_multi_arms(const gb_report_run *runs, size_t n, const char **names, size_t cap) {
  size_t k = 0;
  for (int oracle = 0; oracle < 2; oracle++)
    for (size_t i = 0; i < n; i++) {
      size_t m = 0;
      const gb_results_arm *arms = gb_results_arms(runs[i].detail, &m);
      for (size_t a = 0; a < m && k < cap; a++) {
        if ((strcmp(arms[a].algorithm, "oracle") == 0) != (oracle == 1))
          continue;
        size_t j = 0;
        while (j < k && strcmp(names[j], arms[a].arm) != 0)
          j++;
        if (j == k)
          names[k++] = arms[a].arm;
      }
    }
  return k;
}

const gb_results_arm *gb_report_multi_arm(const gb_report_run *run, const char *name) {
  size_t m = 0;
  const gb_results_arm *arms = gb_results_arms(run->detail, &m);
  for (size_t a = 0; a < m; a++)
    if (strcmp(arms[a].arm, name) == 0)
      return &arms[a];
  return NULL;
}

/* ---- labels ------------------------------------------------------------------------------ */

/* What a label may be made of, in order of preference. */
enum { PART_NAME, PART_GIT, PART_SEED, PART_ARMS, N_PARTS };

/* The run's value of one label part ("" when unknown) into buf. */
static void part_text(const gb_report_run *run, int part, char *buf, size_t cap) {
  const char *v = NULL;
  buf[0] = '\0';
  switch (part) {
  case PART_NAME:
    v = gb_report_run_field(run, "name");
    if (!v)
      v = gb_report_run_field(run, "workload.name");
    gb_doc_textf(buf, cap, "%s", v ? v : "");
    return;
  case PART_GIT:
    v = gb_report_run_field(run, "git_describe");
    gb_doc_textf(buf, cap, "%s", v ? v : "");
    return;
  case PART_SEED:
    v = gb_report_run_field(run, "seed");
    if (v)
      gb_doc_textf(buf, cap, "seed %s", v);
    return;
  default: { /* the arms' algorithms, from arms.csv */
    size_t n = 0, used = 0;
    const gb_results_arm *arms = gb_results_arms(run->detail, &n);
    for (size_t i = 0; i < n && used < cap; i++)
      if (strcmp(arms[i].algorithm, "oracle") != 0)
        used +=
            (size_t)snprintf(buf + used, cap - used, "%s%s", used ? "+" : "", arms[i].algorithm);
    return;
  }
  }
}

/* Whether every run has the same value of `part`. */
static bool part_constant(const gb_report_run *runs, size_t n, int part) {
  char first[GB_DOC_CELL_MAX], other[GB_DOC_CELL_MAX];
  part_text(&runs[0], part, first, sizeof first);
  for (size_t i = 1; i < n; i++) {
    part_text(&runs[i], part, other, sizeof other);
    if (strcmp(first, other) != 0)
      return false;
  }
  return true;
}

static const char *base_name(const char *dir) {
  size_t len = strlen(dir);
  while (len > 1 && dir[len - 1] == '/')
    len--;
  const char *end = dir + len, *start = end;
  while (start > dir && start[-1] != '/')
    start--;
  return start;
}

/* The directory's base name, without trailing slashes. */
static void base_label(const char *dir, char *buf, size_t cap) {
  const char *start = base_name(dir);
  size_t len = strlen(start);
  while (len > 1 && start[len - 1] == '/')
    len--;
  gb_doc_textf(buf, cap, "%.*s", (int)len, start);
}

static bool labels_unique(const gb_report_run *runs, size_t n) {
  for (size_t i = 0; i < n; i++)
    for (size_t j = i + 1; j < n; j++)
      if (strcmp(runs[i].label, runs[j].label) == 0)
        return false;
  return true;
}

/* The label from the parts in use; false when it is empty or too long. */
static bool parts_label(gb_report_run *run, const bool *use) {
  char text[GB_DOC_CELL_MAX * 2] = "";
  size_t used = 0;
  for (int p = 0; p < N_PARTS; p++) {
    char part[GB_DOC_CELL_MAX];
    if (!use[p])
      continue;
    part_text(run, p, part, sizeof part);
    if (part[0] && used < sizeof text)
      used += (size_t)snprintf(text + used, sizeof text - used, "%s%s", used ? " " : "", part);
  }
  if (used == 0 || used >= sizeof run->label)
    return false;
  gb_doc_textf(run->label, sizeof run->label, "%s", text);
  return true;
}

void gb_report_multi_label(gb_report_run *runs, size_t n) {
  /* Parts are added in order of preference, each only when it differs between the runs, until
   * the labels tell every run apart: "default" and "algorithms", not their builds and seeds. */
  bool use[N_PARTS] = {false};
  bool ok = false;
  for (int p = 0; p < N_PARTS && !ok; p++) {
    if (n > 1 && part_constant(runs, n, p))
      continue;
    use[p] = true;
    ok = true;
    for (size_t i = 0; i < n; i++)
      ok = parts_label(&runs[i], use) && ok;
    ok = ok && labels_unique(runs, n);
  }
  if (!ok)
    for (size_t i = 0; i < n; i++)
      base_label(runs[i].dir, runs[i].label, sizeof runs[i].label);
  /* The same directory twice, or two directories of one base name: their place tells them. */
  for (size_t i = 1; i < n; i++) {
    bool shared = false;
    for (size_t j = 0; j < i && !shared; j++)
      shared = strcmp(runs[i].label, runs[j].label) == 0;
    if (shared) {
      char text[GB_REPORT_LABEL_MAX];
      gb_doc_textf(text, sizeof text, "%.*s #%zu", GB_REPORT_LABEL_MAX - 8, runs[i].label, i + 1);
      gb_doc_textf(runs[i].label, sizeof runs[i].label, "%s", text);
    }
  }
}

/* ---- the files --------------------------------------------------------------------------- */

/* mkdir -p: dir and its missing parents. */
static int make_dirs(const char *dir, gb_err *err) {
  char *path = strdup(dir);
  if (!path)
    return gb_err_set(err, GB_ERR_RUNTIME, "%s: out of memory", dir);
  int rc = 0;
  for (char *p = path + 1; rc == 0; p++) {
    bool end = *p == '\0';
    if (*p != '/' && !end)
      continue;
    *p = '\0';
    /* 0777 filtered by the umask, as for any directory the user creates. */
    if (mkdir(path, 0777) != 0 && errno != EEXIST)
      rc = gb_err_set(err, GB_ERR_RUNTIME, "%s: cannot create: %s", path, strerror(errno));
    else if (!is_dir(path))
      rc = gb_err_set(err, GB_ERR_RUNTIME, "%s: cannot create: not a directory", path);
    if (end)
      break;
    *p = '/';
  }
  free(path);
  return rc;
}

/* A report written into a run's own directory would replace that run's report. */
static int check_out_dir(const char *const *dirs, size_t n, const char *out_dir, gb_err *err) {
  struct stat out;
  if (stat(out_dir, &out) != 0)
    return 0;
  for (size_t i = 0; i < n; i++) {
    struct stat st;
    if (stat(dirs[i], &st) == 0 && st.st_dev == out.st_dev && st.st_ino == out.st_ino)
      return gb_err_set(err, GB_ERR_INPUT,
                        "--out %s: is the results directory %s (its own report is `gamebench "
                        "report %s`)",
                        out_dir, dirs[i], dirs[i]);
  }
  return 0;
}

typedef struct multi_ctx {
  const gb_report_run *runs;
  size_t n;
  const char *out_dir;
  const gb_doc_plot_state *states;
} multi_ctx;

static void fill(gb_doc *d, void *ctx) {
  const multi_ctx *c = ctx;
  gb_report_multi_write(d, c->runs, c->n, c->out_dir, c->states);
}

static int draw_all(const gb_report_run *runs, size_t n, const char *out_dir,
                    gb_doc_plot_state *states, gb_err *err) {
  char *plots_dir = gb_path_join(out_dir, "plots");
  if (!plots_dir)
    return gb_err_set(err, GB_ERR_RUNTIME, "%s: out of memory", out_dir);
  int rc = make_dirs(plots_dir, err);
  if (rc == 0)
    gb_report_multi_draw(runs, n, plots_dir, states);
  free(plots_dir);
  return rc;
}

int gb_report_generate_multi(const char *const *dirs, size_t n, const char *out_dir, bool plots,
                             gb_err *err) {
  if (n == 0 || n > GB_REPORT_RUNS_MAX)
    return gb_err_set(err, GB_ERR_INPUT, "a comparative report takes 1 to %d directories, not %zu",
                      GB_REPORT_RUNS_MAX, n);
  if (check_out_dir(dirs, n, out_dir, err) != 0)
    return -1;
  gb_report_run runs[GB_REPORT_RUNS_MAX];
  if (gb_report_multi_load(dirs, n, runs, err) != 0)
    return -1;
  gb_doc_plot_state states[GB_MPLOT_COUNT];
  gb_report_multi_plot_states(states);
  int rc = make_dirs(out_dir, err);
  if (rc == 0 && plots)
    rc = draw_all(runs, n, out_dir, states, err);
  multi_ctx ctx = {runs, n, out_dir, states};
  if (rc == 0)
    rc = gb_doc_write_files(out_dir, fill, &ctx, err);
  gb_report_multi_free(runs, n);
  return rc;
}
