#include "gb_runset.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "gb_grow.h"
#include "gb_path.h"

/* arms.csv's numeric columns (every number of gb_results_arm), one list for their names and
 * where gb_results_arm keeps each. */
/* clang-format off */
#define ARM_COLUMNS(X)                                                                             \
  X(players) X(decisions) X(props_generated) X(props_shown) X(props_used) X(props_discarded)       \
  X(props_expired) X(props_completed) X(use_rate) X(use_rate_ci_low) X(use_rate_ci_high) X(ctr)    \
  X(ctr_ci_low) X(ctr_ci_high) X(lift_vs_random) X(expected_use_rate) X(oracle_use_rate)          \
  X(regret_vs_oracle) X(lift_ci_low) X(lift_ci_high) X(lift_p_value) X(expected_lift_vs_random)   \
  X(headroom)
/* clang-format on */
#define ARM_COLUMN_NAME(field) #field,
#define ARM_COLUMN_OFFSET(field) offsetof(gb_results_arm, field),
static const char *const arm_column_names[] = {ARM_COLUMNS(ARM_COLUMN_NAME)};
static const size_t arm_column_offsets[] = {ARM_COLUMNS(ARM_COLUMN_OFFSET)};
enum { N_ARM_COLUMNS = sizeof arm_column_names / sizeof arm_column_names[0] };

/* A list of distinct names (owned copies), in order of first appearance. */
typedef struct name_list {
  char **names;
  size_t n, cap;
} name_list;

typedef struct rs_run {
  char *dir;
  bool repeated;
  size_t n_repeats;
  gb_results **repeats;
  double *values;     /* [metric][repeat] */
  double *arm_values; /* [arm][column][repeat] */
} rs_run;

struct gb_runset {
  rs_run *runs;
  size_t n_runs;
  name_list metrics, units, arms, stages; /* units: parallel to metrics, not deduplicated */
};

static bool name_find(const name_list *l, const char *name, size_t *index) {
  for (size_t i = 0; i < l->n; i++)
    if (strcmp(l->names[i], name) == 0) {
      *index = i;
      return true;
    }
  return false;
}

/* Appends a copy of name (duplicates too when dedupe is false). */
static int name_add(name_list *l, const char *name, bool dedupe, gb_err *err) {
  size_t at;
  if (dedupe && name_find(l, name, &at))
    return 0;
  if (GB_GROW(l->names, l->cap, l->n + 1, 16, "names", err) != 0)
    return -1;
  l->names[l->n] = strdup(name);
  if (!l->names[l->n])
    return gb_err_set(err, GB_ERR_RUNTIME, "run set: out of memory for a name");
  l->n++;
  return 0;
}

static void name_list_free(name_list *l) {
  for (size_t i = 0; i < l->n; i++)
    free(l->names[i]);
  free(l->names);
}

/* K when entry is "repeat-K" (K >= 1, decimal, no leading zero), else 0. */
static size_t repeat_number(const char *entry) {
  const char *p = entry + strlen("repeat-");
  if (strncmp(entry, "repeat-", strlen("repeat-")) != 0 || *p < '1' || *p > '9')
    return 0;
  size_t k = 0;
  for (; *p; p++) {
    if (*p < '0' || *p > '9' || k > 100000)
      return 0;
    k = k * 10 + (size_t)(*p - '0');
  }
  return k;
}

/* The number of repeat-K/ directories in dir (0 for a plain run), checked to be 1..N. */
static int count_repeats(const char *dir, size_t *n, gb_err *err) {
  DIR *d = opendir(dir);
  if (!d)
    return gb_err_set(err, GB_ERR_INPUT, "%s: cannot open the results directory: %s", dir,
                      strerror(errno));
  size_t count = 0, highest = 0;
  for (struct dirent *e = readdir(d); e; e = readdir(d)) {
    size_t k = repeat_number(e->d_name);
    if (k == 0)
      continue;
    count++;
    highest = k > highest ? k : highest;
  }
  closedir(d);
  if (count != highest)
    return gb_err_set(err, GB_ERR_INPUT,
                      "%s: the repeat folders are not repeat-1/ … repeat-%zu/ (%zu of them found)",
                      dir, highest, count);
  *n = count;
  return 0;
}

static int load_repeat(rs_run *r, size_t i, gb_err *err) {
  char name[32];
  snprintf(name, sizeof name, "repeat-%zu", i + 1);
  char *path = r->repeated ? gb_path_join(r->dir, name) : strdup(r->dir);
  if (!path)
    return gb_err_set(err, GB_ERR_RUNTIME, "run set: out of memory for a path");
  int rc = gb_results_load(path, &r->repeats[i], err);
  free(path);
  return rc;
}

static int load_run(rs_run *r, const char *dir, gb_err *err) {
  struct stat st;
  if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
    return gb_err_set(err, GB_ERR_INPUT, "%s: not a results directory (%s)", dir,
                      stat(dir, &st) != 0 ? strerror(errno) : "not a directory");
  r->dir = strdup(dir);
  if (!r->dir)
    return gb_err_set(err, GB_ERR_RUNTIME, "run set: out of memory for a path");
  size_t n;
  if (count_repeats(dir, &n, err) != 0)
    return -1;
  r->repeated = n > 0;
  r->n_repeats = n > 0 ? n : 1;
  r->repeats = calloc(r->n_repeats, sizeof *r->repeats);
  if (!r->repeats)
    return gb_err_set(err, GB_ERR_RUNTIME, "run set: out of memory for %zu repeats", n);
  for (size_t i = 0; i < r->n_repeats; i++)
    if (load_repeat(r, i, err) != 0)
      return -1;
  return 0;
}

/* Adds one repeat's metric names (and units), arm names and stages to the unions. */
static int collect_names(gb_runset *s, const gb_results *res, gb_err *err) {
  size_t n;
  const gb_results_metric *m = gb_results_metrics(res, &n);
  for (size_t i = 0; i < n; i++) {
    size_t at;
    if (!name_find(&s->metrics, m[i].name, &at)) {
      if (name_add(&s->metrics, m[i].name, false, err) != 0 ||
          name_add(&s->units, m[i].unit ? m[i].unit : "", false, err) != 0)
        return -1;
    } else if (s->units.names[at][0] == '\0' && m[i].unit && m[i].unit[0]) {
      char *unit = strdup(m[i].unit);
      if (!unit)
        return gb_err_set(err, GB_ERR_RUNTIME, "run set: out of memory for a unit");
      free(s->units.names[at]);
      s->units.names[at] = unit;
    }
  }
  const gb_results_arm *a = gb_results_arms(res, &n);
  for (size_t i = 0; i < n; i++)
    if (name_add(&s->arms, a[i].arm, true, err) != 0)
      return -1;
  const char *const *st = gb_results_stages(res, &n);
  for (size_t i = 0; i < n; i++)
    if (name_add(&s->stages, st[i], true, err) != 0)
      return -1;
  return 0;
}

static const gb_results_arm *find_arm_row(const gb_results *res, const char *name) {
  size_t n;
  const gb_results_arm *a = gb_results_arms(res, &n);
  for (size_t i = 0; i < n; i++)
    if (strcmp(a[i].arm, name) == 0)
      return &a[i];
  return NULL;
}

/* Fills r's value matrices from its repeats, once the unions are complete. */
static int align_run(const gb_runset *s, rs_run *r, gb_err *err) {
  size_t nr = r->n_repeats, per_arm = N_ARM_COLUMNS * nr;
  r->values = malloc((s->metrics.n * nr + 1) * sizeof *r->values);
  r->arm_values = malloc((s->arms.n * per_arm + 1) * sizeof *r->arm_values);
  if (!r->values || !r->arm_values)
    return gb_err_set(err, GB_ERR_RUNTIME, "run set: out of memory for %s's values", r->dir);
  for (size_t k = 0; k < nr; k++) {
    for (size_t m = 0; m < s->metrics.n; m++)
      r->values[m * nr + k] = gb_results_metric_value(r->repeats[k], s->metrics.names[m]);
    for (size_t a = 0; a < s->arms.n; a++) {
      const gb_results_arm *row = find_arm_row(r->repeats[k], s->arms.names[a]);
      for (size_t c = 0; c < N_ARM_COLUMNS; c++)
        r->arm_values[a * per_arm + c * nr + k] =
            row ? *(const double *)((const char *)row + arm_column_offsets[c]) : NAN;
    }
  }
  return 0;
}

int gb_runset_load(const char *const *dirs, size_t n_dirs, gb_runset **out, gb_err *err) {
  if (n_dirs == 0)
    return gb_err_set(err, GB_ERR_INPUT, "run set: no results directory given");
  gb_runset *s = calloc(1, sizeof *s);
  rs_run *runs = calloc(n_dirs, sizeof *runs);
  if (!s || !runs) {
    free(s);
    free(runs);
    return gb_err_set(err, GB_ERR_RUNTIME, "run set: out of memory for %zu runs", n_dirs);
  }
  s->runs = runs;
  s->n_runs = n_dirs;
  for (size_t i = 0; i < n_dirs; i++) {
    if (load_run(&s->runs[i], dirs[i], err) != 0)
      goto fail;
    for (size_t k = 0; k < s->runs[i].n_repeats; k++)
      if (collect_names(s, s->runs[i].repeats[k], err) != 0)
        goto fail;
  }
  for (size_t i = 0; i < n_dirs; i++)
    if (align_run(s, &s->runs[i], err) != 0)
      goto fail;
  *out = s;
  return 0;
fail:
  gb_runset_free(s);
  return -1;
}

void gb_runset_free(gb_runset *s) {
  if (!s)
    return;
  for (size_t i = 0; i < s->n_runs; i++) {
    rs_run *r = &s->runs[i];
    for (size_t k = 0; r->repeats && k < r->n_repeats; k++)
      gb_results_free(r->repeats[k]);
    free(r->repeats);
    free(r->values);
    free(r->arm_values);
    free(r->dir);
  }
  free(s->runs);
  name_list_free(&s->metrics);
  name_list_free(&s->units);
  name_list_free(&s->arms);
  name_list_free(&s->stages);
  free(s);
}

size_t gb_runset_runs(const gb_runset *s) { return s->n_runs; }
const char *gb_runset_dir(const gb_runset *s, size_t run) { return s->runs[run].dir; }
size_t gb_runset_repeats(const gb_runset *s, size_t run) { return s->runs[run].n_repeats; }
bool gb_runset_is_repeated(const gb_runset *s, size_t run) { return s->runs[run].repeated; }

const gb_results *gb_runset_results(const gb_runset *s, size_t run, size_t repeat) {
  return s->runs[run].repeats[repeat];
}

const char *const *gb_runset_metrics(const gb_runset *s, size_t *n) {
  *n = s->metrics.n;
  return (const char *const *)s->metrics.names;
}

bool gb_runset_find_metric(const gb_runset *s, const char *name, size_t *index) {
  return name_find(&s->metrics, name, index);
}

const char *gb_runset_unit(const gb_runset *s, size_t index) { return s->units.names[index]; }

const double *gb_runset_values(const gb_runset *s, size_t run, size_t index) {
  return s->runs[run].values + index * s->runs[run].n_repeats;
}

const char *const *gb_runset_arms(const gb_runset *s, size_t *n) {
  *n = s->arms.n;
  return (const char *const *)s->arms.names;
}

bool gb_runset_find_arm(const gb_runset *s, const char *name, size_t *index) {
  return name_find(&s->arms, name, index);
}

const char *const *gb_runset_arm_columns(size_t *n) {
  *n = N_ARM_COLUMNS;
  return arm_column_names;
}

bool gb_runset_find_arm_column(const char *name, size_t *index) {
  for (size_t i = 0; i < N_ARM_COLUMNS; i++)
    if (strcmp(arm_column_names[i], name) == 0) {
      *index = i;
      return true;
    }
  return false;
}

const double *gb_runset_arm_values(const gb_runset *s, size_t run, size_t arm, size_t column) {
  const rs_run *r = &s->runs[run];
  return r->arm_values + (arm * N_ARM_COLUMNS + column) * r->n_repeats;
}

const char *const *gb_runset_stages(const gb_runset *s, size_t *n) {
  *n = s->stages.n;
  return (const char *const *)s->stages.names;
}
