#include "gb_results.h"
#include "gb_path.h"

#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "gb_afile.h"
#include "gb_csv.h"
#include "gb_grow.h"
#include "gb_json.h"
#include "gb_results_int.h"

static const char *const FILE_NAMES[GB_RESULTS_N_FILES] = {
    "manifest.json", "summary.csv",    "latency.csv",    "timeline.csv",
    "arms.csv",      "partitions.csv", "arms_daily.csv", "challenges.csv"};

int gb_results_oom(gb_err *err, const char *what) {
  return gb_err_set(err, GB_ERR_RUNTIME, "%s: out of memory", what);
}

/* Copies s[0..len) into the results' string pool; NULL when out of memory. */
const char *gb_results_keep_n(gb_results *r, const char *s, size_t len) {
  if (GB_GROW(r->strings, r->cap_strings, r->n_strings + 1, 16, "strings", NULL) != 0)
    return NULL;
  char *copy = malloc(len + 1);
  if (!copy)
    return NULL;
  if (len > 0)
    memcpy(copy, s, len);
  copy[len] = '\0';
  r->strings[r->n_strings++] = copy;
  return copy;
}

const char *gb_results_keep(gb_results *r, const char *s) {
  return gb_results_keep_n(r, s, strlen(s));
}

/* ---- manifest.json ----------------------------------------------------------------------- */

/* A nested object waiting to be flattened under `prefix`. */
typedef struct pending_obj {
  char *prefix;
  char *json;
  size_t len;
} pending_obj;

typedef struct flatten_ctx {
  gb_results *r;
  const char *path;
  const char *prefix; /* NULL at the top level */
  pending_obj *queue;
  size_t n_queue, cap_queue;
} flatten_ctx;

static int add_entry(gb_results *r, const char *key, const char *text, double number) {
  if (GB_GROW(r->entries, r->cap_entries, r->n_entries + 1, 16, "manifest entries", NULL) != 0)
    return -1;
  gb_results_entry *e = &r->entries[r->n_entries];
  e->key = gb_results_keep(r, key);
  e->text = gb_results_keep(r, text);
  e->number = number;
  if (!e->key || !e->text)
    return -1;
  r->n_entries++;
  return 0;
}

static int enqueue(flatten_ctx *c, const char *prefix, const char *json, size_t len) {
  if (GB_GROW(c->queue, c->cap_queue, c->n_queue + 1, 16, "nested objects", NULL) != 0)
    return -1;
  pending_obj *p = &c->queue[c->n_queue];
  p->prefix = strdup(prefix);
  p->json = malloc(len + 1);
  if (!p->prefix || !p->json) {
    free(p->prefix);
    free(p->json);
    return -1;
  }
  memcpy(p->json, json, len);
  p->json[len] = '\0';
  p->len = len;
  c->n_queue++;
  return 0;
}

/* Writes a scalar's text into buf; returns its numeric value or NaN. */
static double scalar_text(const gb_json_value *v, char *buf, size_t cap) {
  switch (v->kind) {
  case GB_JSON_NULL:
    snprintf(buf, cap, "null");
    return NAN;
  case GB_JSON_BOOL:
    snprintf(buf, cap, "%s", v->b ? "true" : "false");
    return NAN;
  case GB_JSON_INT:
    snprintf(buf, cap, "%lld", (long long)v->i);
    return (double)v->i;
  case GB_JSON_UINT:
    snprintf(buf, cap, "%llu", (unsigned long long)v->u);
    return (double)v->u;
  case GB_JSON_DOUBLE:
    gb_csv_format_double(v->d, buf, cap);
    return v->d;
  case GB_JSON_STRING:
  case GB_JSON_ARRAY:
  case GB_JSON_OBJECT:
    /* Strings and nested containers as their (raw) text. */
    snprintf(buf, cap, "%.*s", (int)(v->len < (size_t)INT32_MAX ? v->len : INT32_MAX),
             v->str ? v->str : "");
    return NAN;
  }
  buf[0] = '\0';
  return NAN;
}

static int flatten_array(flatten_ctx *c, const char *key, const gb_json_value *v) {
  char *joined = NULL;
  size_t joined_len = 0;
  FILE *out = open_memstream(&joined, &joined_len);
  if (!out)
    return -1;
  int rc = 0;
  size_t n_scalars = 0;
  for (size_t i = 0; i < v->n_items && rc == 0; i++) {
    const gb_json_value *item = &v->items[i];
    if (item->kind == GB_JSON_OBJECT) {
      size_t n = strlen(key) + 32; /* room for "[<index>]" */
      char *indexed = malloc(n);
      if (!indexed) {
        rc = -1;
        break;
      }
      snprintf(indexed, n, "%s[%zu]", key, i);
      rc = enqueue(c, indexed, item->str, item->len);
      free(indexed);
      continue;
    }
    size_t cap = item->len + GB_CSV_NUM_MAX;
    char *text = malloc(cap);
    if (!text) {
      rc = -1;
      break;
    }
    scalar_text(item, text, cap);
    fprintf(out, "%s%s", n_scalars++ ? ", " : "", text);
    free(text);
  }
  if (fclose(out) != 0)
    rc = -1;
  /* An array of objects is represented by its indexed keys alone. */
  if (rc == 0 && (n_scalars > 0 || v->n_items == 0))
    rc = add_entry(c->r, key, joined, NAN);
  free(joined);
  return rc;
}

static int on_manifest_field(void *ctx, const char *key, size_t key_len, const gb_json_value *v,
                             gb_err *err) {
  flatten_ctx *c = ctx;
  size_t n = key_len + (c->prefix ? strlen(c->prefix) + 1 : 0) + 1;
  char *full = malloc(n);
  if (!full)
    return gb_results_oom(err, c->path);
  if (c->prefix)
    snprintf(full, n, "%s.%.*s", c->prefix, (int)key_len, key);
  else
    snprintf(full, n, "%.*s", (int)key_len, key);
  int rc;
  if (v->kind == GB_JSON_OBJECT) {
    rc = enqueue(c, full, v->str, v->len);
  } else if (v->kind == GB_JSON_ARRAY) {
    rc = flatten_array(c, full, v);
  } else {
    size_t cap = (v->kind == GB_JSON_STRING ? v->len : 0) + GB_CSV_NUM_MAX;
    char *text = malloc(cap);
    rc = text ? add_entry(c->r, full, text, scalar_text(v, text, cap)) : -1;
    free(text);
  }
  free(full);
  return rc == 0 ? 0 : gb_results_oom(err, c->path);
}

static int check_schema(gb_results *r, const char *path, gb_err *err) {
  const gb_results_entry *e = gb_results_manifest_get(r, "schema");
  if (!e)
    return gb_err_set(err, GB_ERR_INPUT, "%s: no \"schema\" field (expected %d)", path,
                      GB_RESULTS_SCHEMA);
  if (e->number != GB_RESULTS_SCHEMA)
    return gb_err_set(err, GB_ERR_INPUT,
                      "%s: \"schema\": %s is not supported (this gamebench reads schema %d)", path,
                      e->text, GB_RESULTS_SCHEMA);
  return 0;
}

static int load_manifest(gb_results *r, const char *path, gb_err *err) {
  size_t len = 0;
  char *json = gb_afile_read_all(path, &len, err);
  if (!json)
    return -1;
  gb_json_parser *p = NULL;
  flatten_ctx c = {.r = r, .path = path};
  int rc = gb_json_parser_new(&p, err);
  if (rc == 0)
    rc = gb_json_parse_object(p, json, len, on_manifest_field, &c, err);
  /* Nested objects are parsed after their parent (the parser is not re-entrant): breadth first. */
  for (size_t i = 0; rc == 0 && i < c.n_queue; i++) {
    c.prefix = c.queue[i].prefix;
    rc = gb_json_parse_object(p, c.queue[i].json, c.queue[i].len, on_manifest_field, &c, err);
    if (rc != 0)
      gb_err_prefix(err, "\"%s\": ", c.queue[i].prefix);
  }
  if (rc != 0 && err && strncmp(err->msg, path, strlen(path)) != 0)
    gb_err_prefix(err, "%s: ", path);
  if (rc == 0)
    rc = check_schema(r, path, err);
  for (size_t i = 0; i < c.n_queue; i++) {
    free(c.queue[i].prefix);
    free(c.queue[i].json);
  }
  free(c.queue);
  gb_json_parser_free(p);
  free(json);
  return rc;
}

/* ---- CSV helpers ------------------------------------------------------------------------- */

int gb_results_find_columns(const gb_csv_table *t, gb_results_column *cols, size_t n, gb_err *err) {
  for (size_t i = 0; i < n; i++) {
    if (cols[i].required) {
      if (gb_csv_table_require(t, cols[i].name, &cols[i].index, err) != 0)
        return -1;
      cols[i].present = true;
    } else {
      cols[i].present = gb_csv_table_find(t, cols[i].name, &cols[i].index);
    }
  }
  return 0;
}

int gb_results_number(const gb_csv_table *t, size_t row, const gb_results_column *c, double *out,
                      gb_err *err) {
  if (!c->present) {
    *out = NAN;
    return 0;
  }
  return gb_csv_table_f64(t, row, c->index, out, err);
}

int gb_results_need_number(const gb_csv_table *t, size_t row, const gb_results_column *c,
                           double *out, gb_err *err) {
  if (gb_results_number(t, row, c, out, err) != 0)
    return -1;
  if (isnan(*out))
    return gb_err_set(err, GB_ERR_INPUT, "%s:%zu: column '%s': empty", gb_csv_table_name(t),
                      gb_csv_table_line(t, row), c->name);
  return 0;
}

const char *gb_results_need_text(const gb_csv_table *t, size_t row, const gb_results_column *c,
                                 gb_err *err) {
  const char *s = gb_csv_table_cell(t, row, c->index);
  if (!s[0]) {
    gb_err_set(err, GB_ERR_INPUT, "%s:%zu: column '%s': empty", gb_csv_table_name(t),
               gb_csv_table_line(t, row), c->name);
    return NULL;
  }
  return s;
}

/* ---- summary.csv ------------------------------------------------------------------------- */

static int add_stage(gb_results *r, const char *stage, size_t len) {
  for (size_t i = 0; i < r->n_stages; i++)
    if (strlen(r->stages[i]) == len && strncmp(r->stages[i], stage, len) == 0)
      return 0;
  if (GB_GROW(r->stages, r->cap_stages, r->n_stages + 1, 16, "stages", NULL) != 0)
    return -1;
  const char *copy = gb_results_keep_n(r, stage, len);
  if (!copy)
    return -1;
  r->stages[r->n_stages++] = copy;
  return 0;
}

static bool ends_with(const char *s, size_t len, const char *suffix) {
  size_t n = strlen(suffix);
  return len >= n && memcmp(s + len - n, suffix, n) == 0;
}

/* Whether q is a statistic suffix of a latency metric: "max", "min", "mean" or "p<digits>". */
static bool is_statistic(const char *q, size_t len) {
  if ((len == 3 && (memcmp(q, "max", 3) == 0 || memcmp(q, "min", 3) == 0)) ||
      (len == 4 && memcmp(q, "mean", 4) == 0))
    return true;
  if (len < 2 || q[0] != 'p')
    return false;
  for (size_t i = 1; i < len; i++)
    if (q[i] < '0' || q[i] > '9')
      return false;
  return true;
}

/* "latency_<stage>[_uncorrected]_<statistic>_us" → adds <stage>. Other metrics are ignored. */
static int note_stage(gb_results *r, const char *metric) {
  static const char PREFIX[] = "latency_";
  static const char UNCORRECTED[] = "_uncorrected";
  size_t len = strlen(metric);
  if (strncmp(metric, PREFIX, sizeof PREFIX - 1) != 0 || !ends_with(metric, len, "_us"))
    return 0;
  const char *body = metric + sizeof PREFIX - 1;
  size_t body_len = len - (sizeof PREFIX - 1) - strlen("_us");
  const char *underscore = NULL;
  for (size_t i = body_len; i-- > 0;) {
    if (body[i] == '_') {
      underscore = body + i;
      break;
    }
  }
  if (!underscore || !is_statistic(underscore + 1, body_len - (size_t)(underscore + 1 - body)))
    return 0;
  size_t stage_len = (size_t)(underscore - body);
  if (ends_with(body, stage_len, UNCORRECTED))
    stage_len -= sizeof UNCORRECTED - 1;
  return stage_len > 0 ? add_stage(r, body, stage_len) : 0;
}

static int load_summary(gb_results *r, const gb_csv_table *t, gb_err *err) {
  gb_results_column cols[] = {{.name = "metric", .required = true},
                              {.name = "value", .required = true},
                              {.name = "unit", .required = true}};
  if (gb_results_find_columns(t, cols, 3, err) != 0)
    return -1;
  for (size_t row = 0; row < gb_csv_table_rows(t); row++) {
    const char *name = gb_results_need_text(t, row, &cols[0], err);
    if (!name)
      return -1;
    for (size_t i = 0; i < r->n_metrics; i++)
      if (strcmp(r->metrics[i].name, name) == 0)
        return gb_err_set(err, GB_ERR_INPUT, "%s:%zu: metric '%s' appears twice",
                          gb_csv_table_name(t), gb_csv_table_line(t, row), name);
    if (GB_GROW(r->metrics, r->cap_metrics, r->n_metrics + 1, 16, "metrics", NULL) != 0)
      return gb_results_oom(err, gb_csv_table_name(t));
    gb_results_metric *m = &r->metrics[r->n_metrics];
    if (gb_results_number(t, row, &cols[1], &m->value, err) != 0)
      return -1;
    m->name = gb_results_keep(r, name);
    m->unit = gb_results_keep(r, gb_csv_table_cell(t, row, cols[2].index));
    if (!m->name || !m->unit || note_stage(r, name) != 0)
      return gb_results_oom(err, gb_csv_table_name(t));
    r->n_metrics++;
  }
  return 0;
}

/* ---- latency.csv ------------------------------------------------------------------------- */

static int cmp_points(const void *a_, const void *b_) {
  const gb_results_point *a = a_, *b = b_;
  return (a->percentile > b->percentile) - (a->percentile < b->percentile);
}

static points_buf *find_spectrum(gb_results *r, const char *stage, bool corrected) {
  for (size_t i = 0; i < r->n_spectra; i++)
    if (r->spectra[i].corrected == corrected && strcmp(r->spectra[i].stage, stage) == 0)
      return &r->spectra_points[i];
  if (GB_GROW(r->spectra, r->cap_spectra, r->n_spectra + 1, 16, "spectra", NULL) != 0 ||
      GB_GROW(r->spectra_points, r->cap_spectra_points, r->n_spectra + 1, 16, "spectra", NULL) != 0)
    return NULL;
  const char *name = gb_results_keep(r, stage);
  if (!name || add_stage(r, stage, strlen(stage)) != 0)
    return NULL;
  r->spectra[r->n_spectra] = (gb_results_spectrum){.stage = name, .corrected = corrected};
  r->spectra_points[r->n_spectra] = (points_buf){0};
  return &r->spectra_points[r->n_spectra++];
}

static int parse_corrected(const gb_csv_table *t, size_t row, const gb_results_column *c, bool *out,
                           gb_err *err) {
  const char *s = gb_csv_table_cell(t, row, c->index);
  if (strcmp(s, "0") != 0 && strcmp(s, "1") != 0)
    return gb_err_set(err, GB_ERR_INPUT, "%s:%zu: column '%s': '%s' is not 0 or 1",
                      gb_csv_table_name(t), gb_csv_table_line(t, row), c->name, s);
  *out = s[0] == '1';
  return 0;
}

static int load_latency(gb_results *r, const gb_csv_table *t, gb_err *err) {
  enum { STAGE, CORRECTED, PERCENTILE, VALUE, TOTAL, N_COLS };
  gb_results_column cols[N_COLS] = {{.name = "stage", .required = true},
                                    {.name = "corrected", .required = true},
                                    {.name = "percentile", .required = true},
                                    {.name = "value_us", .required = true},
                                    {.name = "total_count"}};
  if (gb_results_find_columns(t, cols, N_COLS, err) != 0)
    return -1;
  for (size_t row = 0; row < gb_csv_table_rows(t); row++) {
    const char *stage = gb_results_need_text(t, row, &cols[STAGE], err);
    bool corrected = false;
    gb_results_point pt;
    if (!stage || parse_corrected(t, row, &cols[CORRECTED], &corrected, err) != 0 ||
        gb_results_need_number(t, row, &cols[PERCENTILE], &pt.percentile, err) != 0 ||
        gb_results_need_number(t, row, &cols[VALUE], &pt.value_us, err) != 0 ||
        gb_results_number(t, row, &cols[TOTAL], &pt.total_count, err) != 0)
      return -1;
    if (pt.percentile < 0 || pt.percentile > 100) /* percent, not a fraction */
      return gb_err_set(err, GB_ERR_INPUT, "%s:%zu: column 'percentile': %g is outside [0, 100]",
                        gb_csv_table_name(t), gb_csv_table_line(t, row), pt.percentile);
    points_buf *buf = find_spectrum(r, stage, corrected);
    if (!buf || GB_GROW(buf->items, buf->cap, buf->n + 1, 16, "spectrum points", NULL) != 0)
      return gb_results_oom(err, gb_csv_table_name(t));
    buf->items[buf->n++] = pt;
  }
  for (size_t i = 0; i < r->n_spectra; i++) {
    points_buf *buf = &r->spectra_points[i];
    qsort(buf->items, buf->n, sizeof *buf->items, cmp_points);
    r->spectra[i].points = buf->items;
    r->spectra[i].n = buf->n;
  }
  return 0;
}

/* ---- timeline.csv ------------------------------------------------------------------------ */

static int cmp_intervals(const void *a_, const void *b_) {
  const gb_results_interval *a = a_, *b = b_;
  return (a->start_s > b->start_s) - (a->start_s < b->start_s);
}

static rows_buf *find_series(gb_results *r, const char *stage) {
  for (size_t i = 0; i < r->n_series; i++)
    if (strcmp(r->series[i].stage, stage) == 0)
      return &r->series_rows[i];
  if (GB_GROW(r->series, r->cap_series, r->n_series + 1, 16, "timeline stages", NULL) != 0 ||
      GB_GROW(r->series_rows, r->cap_series_rows, r->n_series + 1, 16, "timeline stages", NULL) !=
          0)
    return NULL;
  const char *name = gb_results_keep(r, stage);
  if (!name)
    return NULL;
  r->series[r->n_series] = (gb_results_series){.stage = name};
  r->series_rows[r->n_series] = (rows_buf){0};
  return &r->series_rows[r->n_series++];
}

static int load_timeline(gb_results *r, const gb_csv_table *t, gb_err *err) {
  enum { START, STAGE, EVENTS, THROUGHPUT, P50, P99, N_COLS };
  gb_results_column cols[N_COLS] = {{.name = "interval_start_s", .required = true},
                                    {.name = "stage", .required = true},
                                    {.name = "events"},
                                    {.name = "throughput_eps", .required = true},
                                    {.name = "p50_us"},
                                    {.name = "p99_us"}};
  if (gb_results_find_columns(t, cols, N_COLS, err) != 0)
    return -1;
  for (size_t row = 0; row < gb_csv_table_rows(t); row++) {
    const char *stage = gb_results_need_text(t, row, &cols[STAGE], err);
    gb_results_interval iv;
    if (!stage || gb_results_need_number(t, row, &cols[START], &iv.start_s, err) != 0 ||
        gb_results_number(t, row, &cols[EVENTS], &iv.events, err) != 0 ||
        gb_results_need_number(t, row, &cols[THROUGHPUT], &iv.throughput_eps, err) != 0 ||
        gb_results_number(t, row, &cols[P50], &iv.p50_us, err) != 0 ||
        gb_results_number(t, row, &cols[P99], &iv.p99_us, err) != 0)
      return -1;
    rows_buf *buf = find_series(r, stage);
    if (!buf || GB_GROW(buf->items, buf->cap, buf->n + 1, 16, "timeline rows", NULL) != 0)
      return gb_results_oom(err, gb_csv_table_name(t));
    buf->items[buf->n++] = iv;
  }
  for (size_t i = 0; i < r->n_series; i++) {
    rows_buf *buf = &r->series_rows[i];
    qsort(buf->items, buf->n, sizeof *buf->items, cmp_intervals);
    r->series[i].rows = buf->items;
    r->series[i].n = buf->n;
  }
  return 0;
}

/* ---- partitions.csv ---------------------------------------------------------------------- */

static const struct {
  const char *name;
  size_t offset;
  bool required;
} PARTITION_NUMBERS[] = {
    {"partition", offsetof(gb_results_partition, partition), true},
    {"sent", offsetof(gb_results_partition, sent), false},
    {"produced", offsetof(gb_results_partition, produced), false},
    {"failed", offsetof(gb_results_partition, failed), false},
    {"acknowledged", offsetof(gb_results_partition, acknowledged), false},
    {"consumed", offsetof(gb_results_partition, consumed), false},
    {"delivered", offsetof(gb_results_partition, delivered), false},
    {"replayed", offsetof(gb_results_partition, replayed), false},
    {"redelivered", offsetof(gb_results_partition, redelivered), false},
    {"gaps", offsetof(gb_results_partition, gaps), false},
    {"lost", offsetof(gb_results_partition, lost), true},
};
enum { N_PARTITION_NUMBERS = sizeof PARTITION_NUMBERS / sizeof PARTITION_NUMBERS[0] };

static int load_partitions(gb_results *r, const gb_csv_table *t, gb_err *err) {
  gb_results_column cols[N_PARTITION_NUMBERS];
  for (size_t i = 0; i < N_PARTITION_NUMBERS; i++)
    cols[i] = (gb_results_column){.name = PARTITION_NUMBERS[i].name,
                                  .required = PARTITION_NUMBERS[i].required};
  if (gb_results_find_columns(t, cols, N_PARTITION_NUMBERS, err) != 0)
    return -1;
  for (size_t row = 0; row < gb_csv_table_rows(t); row++) {
    if (GB_GROW(r->partitions, r->cap_partitions, r->n_partitions + 1, 16, "partitions", NULL) != 0)
      return gb_results_oom(err, gb_csv_table_name(t));
    gb_results_partition *p = &r->partitions[r->n_partitions];
    for (size_t i = 0; i < N_PARTITION_NUMBERS; i++) {
      double *v = (double *)((char *)p + PARTITION_NUMBERS[i].offset);
      int rc = cols[i].required ? gb_results_need_number(t, row, &cols[i], v, err)
                                : gb_results_number(t, row, &cols[i], v, err);
      if (rc != 0)
        return -1;
    }
    r->n_partitions++;
  }
  return 0;
}

/* ---- loading ----------------------------------------------------------------------------- */

typedef int (*csv_loader)(gb_results *r, const gb_csv_table *t, gb_err *err);

static int load_csv(gb_results *r, const char *path, csv_loader loader, gb_err *err) {
  gb_csv_table *t = NULL;
  if (gb_csv_table_read(path, &t, err) != 0)
    return -1;
  int rc = loader(r, t, err);
  gb_csv_table_free(t);
  return rc;
}

static int load_file(gb_results *r, gb_results_file f, gb_err *err) {
  static const csv_loader CSV_LOADERS[GB_RESULTS_N_FILES] = {
      [GB_RESULTS_SUMMARY] = load_summary,
      [GB_RESULTS_LATENCY] = load_latency,
      [GB_RESULTS_TIMELINE] = load_timeline,
      [GB_RESULTS_ARMS] = gb_results_load_arms,
      [GB_RESULTS_PARTITIONS] = load_partitions,
      [GB_RESULTS_ARMS_DAILY] = gb_results_load_arms_daily,
      [GB_RESULTS_CHALLENGES] = gb_results_load_challenges,
  };
  char *path = gb_path_join(r->dir, FILE_NAMES[f]);
  if (!path)
    return gb_results_oom(err, r->dir);
  struct stat st;
  int rc = 0;
  if (f != GB_RESULTS_SUMMARY && stat(path, &st) != 0 && errno == ENOENT) {
    free(path); /* an optional file that is absent */
    return 0;
  }
  if (f == GB_RESULTS_MANIFEST)
    rc = load_manifest(r, path, err);
  else
    rc = load_csv(r, path, CSV_LOADERS[f], err);
  r->has[f] = rc == 0;
  free(path);
  return rc;
}

int gb_results_load(const char *dir, gb_results **out, gb_err *err) {
  struct stat st;
  if (stat(dir, &st) != 0)
    return gb_err_set(err, GB_ERR_INPUT, "%s: cannot open results directory: %s", dir,
                      strerror(errno));
  if (!S_ISDIR(st.st_mode))
    return gb_err_set(err, GB_ERR_INPUT, "%s: not a directory", dir);
  gb_results *r = calloc(1, sizeof *r);
  if (r)
    r->dir = strdup(dir);
  if (!r || !r->dir) {
    free(r);
    return gb_results_oom(err, dir);
  }
  /* summary.csv first: a directory without it is not a results directory. */
  static const gb_results_file ORDER[] = {
      GB_RESULTS_SUMMARY, GB_RESULTS_MANIFEST,   GB_RESULTS_LATENCY,    GB_RESULTS_TIMELINE,
      GB_RESULTS_ARMS,    GB_RESULTS_PARTITIONS, GB_RESULTS_ARMS_DAILY, GB_RESULTS_CHALLENGES};
  for (size_t i = 0; i < sizeof ORDER / sizeof ORDER[0]; i++) {
    if (load_file(r, ORDER[i], err) != 0) {
      gb_results_free(r);
      return -1;
    }
  }
  *out = r;
  return 0;
}

void gb_results_free(gb_results *r) {
  if (!r)
    return;
  for (size_t i = 0; i < r->n_strings; i++)
    free(r->strings[i]);
  free(r->strings);
  for (size_t i = 0; i < r->n_spectra; i++)
    free(r->spectra_points[i].items);
  for (size_t i = 0; i < r->n_series; i++)
    free(r->series_rows[i].items);
  free(r->spectra_points);
  free(r->series_rows);
  free(r->entries);
  free(r->metrics);
  free(r->spectra);
  free(r->stages);
  free(r->series);
  free(r->arms);
  free(r->arm_periods);
  free(r->challenges);
  free(r->partitions);
  free(r->dir);
  free(r);
}

const char *gb_results_dir(const gb_results *r) { return r->dir; }

const char *gb_results_file_name(gb_results_file f) {
  return (unsigned)f < GB_RESULTS_N_FILES ? FILE_NAMES[f] : "?";
}

bool gb_results_has(const gb_results *r, gb_results_file f) {
  return (unsigned)f < GB_RESULTS_N_FILES && r->has[f];
}

const gb_results_entry *gb_results_manifest(const gb_results *r, size_t *n) {
  *n = r->n_entries;
  return r->entries;
}

const gb_results_entry *gb_results_manifest_get(const gb_results *r, const char *key) {
  for (size_t i = 0; i < r->n_entries; i++)
    if (strcmp(r->entries[i].key, key) == 0)
      return &r->entries[i];
  return NULL;
}

const gb_results_metric *gb_results_metrics(const gb_results *r, size_t *n) {
  *n = r->n_metrics;
  return r->metrics;
}

double gb_results_metric_value(const gb_results *r, const char *name) {
  for (size_t i = 0; i < r->n_metrics; i++)
    if (strcmp(r->metrics[i].name, name) == 0)
      return r->metrics[i].value;
  return NAN;
}

const gb_results_spectrum *gb_results_spectra(const gb_results *r, size_t *n) {
  *n = r->n_spectra;
  return r->spectra;
}

const char *const *gb_results_stages(const gb_results *r, size_t *n) {
  *n = r->n_stages;
  return r->stages;
}

const gb_results_series *gb_results_timeline(const gb_results *r, size_t *n) {
  *n = r->n_series;
  return r->series;
}

const gb_results_partition *gb_results_partitions(const gb_results *r, size_t *n) {
  *n = r->n_partitions;
  return r->partitions;
}

int gb_results_check_finished(const char *dir, gb_err *err) {
  if (!gb_path_is_partial(dir))
    return 0;
  return gb_err_set(err, GB_ERR_INPUT,
                    "%s: an unfinished results directory (.partial: a run still writing it, or "
                    "one that was interrupted or killed); not read",
                    dir);
}
