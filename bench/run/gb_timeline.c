#include "gb_timeline.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "gb_grow.h"
#include "gb_hist.h"
#include "gb_run_bin.h"

#define NS_PER_S 1e9

/* A sealed (interval, stage): counts, the exact max and its non-empty buckets in the pool. */
typedef struct tl_cell {
  uint64_t events;       /* all records, in-range latency or not */
  uint64_t out_of_range; /* latency < 1 ns or > 1 h */
  int64_t max_ns;        /* exact in-range max, 0 if none */
  size_t first, n;       /* buckets pool[first .. first + n) in increasing value order */
} tl_cell;

typedef struct tl_bucket {
  int64_t low_ns; /* lowest equivalent value of the bucket (at GB_TIMELINE_SIGNIFICANT_DIGITS) */
  uint64_t count;
} tl_bucket;

struct gb_timeline {
  size_t n_stages;
  char **names;
  int64_t interval_ns, start_ns;
  /* The open interval, [open_start_ns, open_end_ns): one histogram per stage. */
  gb_hist **open;
  size_t open_interval;
  int64_t open_start_ns, open_end_ns;
  bool recorded_any;
  int64_t latest_ns;
  uint64_t misplaced;
  uint64_t bad_stage;    /* records naming a stage >= n_stages */
  uint64_t after_finish; /* records after gb_timeline_finish */
  bool finished;
  int64_t end_ns;
  /* Sealed intervals: cells[interval * n_stages + stage], n_sealed intervals. */
  tl_cell *cells;
  size_t n_sealed, cells_cap; /* cells_cap in cells */
  tl_bucket *pool;
  size_t pool_len, pool_cap;
  bool failed; /* sealing ran out of memory: the data of that interval is lost */
  size_t failed_interval;
};

static bool valid_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-' || c == '.';
}

static int check_names(size_t n_stages, const char *const *names, gb_err *err) {
  if (n_stages == 0)
    return gb_err_set(err, GB_ERR_INPUT, "timeline: at least one stage is needed");
  if (!names)
    return gb_err_set(err, GB_ERR_INPUT, "timeline: no stage names given for %zu stages", n_stages);
  for (size_t s = 0; s < n_stages; s++) {
    const char *name = names[s];
    if (!name || !*name)
      return gb_err_set(err, GB_ERR_INPUT, "timeline: stage %zu has no name", s);
    for (const char *c = name; *c; c++)
      if (!valid_name_char(*c))
        return gb_err_set(err, GB_ERR_INPUT,
                          "timeline: stage name '%s': character '%c' is not allowed (letters, "
                          "digits, '_', '-', '.')",
                          name, *c);
    for (size_t t = 0; t < s; t++)
      if (strcmp(names[t], name) == 0)
        return gb_err_set(err, GB_ERR_INPUT, "timeline: stage name '%s' is given twice", name);
  }
  return 0;
}

int gb_timeline_new(size_t n_stages, const char *const *stage_names, int64_t interval_ns,
                    int64_t start_ns, gb_timeline **out, gb_err *err) {
  if (check_names(n_stages, stage_names, err) != 0)
    return -1;
  if (interval_ns <= 0 || interval_ns % GB_TIMELINE_INTERVAL_UNIT_NS != 0)
    return gb_err_set(err, GB_ERR_INPUT,
                      "timeline: interval %" PRId64 " ns is not a positive whole number of ms",
                      interval_ns);
  gb_timeline *tl = calloc(1, sizeof *tl);
  if (!tl)
    goto oom;
  tl->n_stages = n_stages;
  tl->interval_ns = interval_ns;
  tl->start_ns = tl->open_start_ns = start_ns;
  tl->open_end_ns = start_ns + interval_ns;
  tl->names = calloc(n_stages, sizeof *tl->names);
  tl->open = calloc(n_stages, sizeof *tl->open);
  if (!tl->names || !tl->open)
    goto oom;
  for (size_t s = 0; s < n_stages; s++) {
    tl->names[s] = strdup(stage_names[s]);
    if (!tl->names[s] || gb_hist_new(GB_TIMELINE_SIGNIFICANT_DIGITS, &tl->open[s], NULL) != 0)
      goto oom;
  }
  *out = tl;
  return 0;
oom:
  gb_timeline_free(tl);
  return gb_err_set(err, GB_ERR_RUNTIME, "timeline: out of memory for %zu stages", n_stages);
}

void gb_timeline_free(gb_timeline *tl) {
  if (!tl)
    return;
  for (size_t s = 0; s < tl->n_stages; s++) {
    if (tl->names)
      free(tl->names[s]);
    if (tl->open)
      gb_hist_free(tl->open[s]);
  }
  free(tl->names);
  free(tl->open);
  free(tl->cells);
  free(tl->pool);
  free(tl);
}

/* First capacities: a minute of 1 s intervals before the first regrowth. Growth is GB_GROW's,
 * with its failure remembered (tl->failed) and reported by finish / merge / write: sealing
 * happens once per interval, and the run then fails with that error. */
enum { INTERVALS_FIRST = 64 };

/* Copies stage s's open histogram into the cell and the pool. */
static bool seal_stage(gb_timeline *tl, tl_cell *cell, const gb_hist *h) {
  *cell = (tl_cell){
      .events = gb_hist_count(h) + gb_hist_count_below(h) + gb_hist_count_above(h),
      .out_of_range = gb_hist_count_below(h) + gb_hist_count_above(h),
      .max_ns = gb_hist_max(h),
      .first = tl->pool_len,
  };
  gb_hist_iter it;
  gb_hist_bucket b;
  gb_hist_iter_init(&it, h);
  while (gb_hist_iter_next(&it, &b)) {
    if (GB_GROW(tl->pool, tl->pool_cap, tl->pool_len + 1, INTERVALS_FIRST, "timeline buckets",
                NULL) != 0)
      return false;
    tl->pool[tl->pool_len++] = (tl_bucket){b.low_ns, b.count};
    cell->n++;
  }
  return true;
}

/* Seals the open interval and opens the next one. After a failure, intervals are only
 * skipped (their data is lost, and the failure is reported by finish / merge / write). */
static void seal_open(gb_timeline *tl) {
  if (!tl->failed) {
    bool ok = GB_GROW(tl->cells, tl->cells_cap, (tl->n_sealed + 1) * tl->n_stages,
                      INTERVALS_FIRST * tl->n_stages, "timeline cells", NULL) == 0;
    for (size_t s = 0; ok && s < tl->n_stages; s++)
      ok = seal_stage(tl, &tl->cells[tl->n_sealed * tl->n_stages + s], tl->open[s]);
    if (ok)
      tl->n_sealed++;
    else {
      tl->failed = true;
      tl->failed_interval = tl->open_interval;
    }
  }
  for (size_t s = 0; s < tl->n_stages; s++)
    gb_hist_reset(tl->open[s]);
  tl->open_interval++;
  tl->open_start_ns = tl->open_end_ns;
  tl->open_end_ns += tl->interval_ns;
}

void gb_timeline_tick(gb_timeline *tl, int64_t now_ns) {
  while (!tl->finished && now_ns >= tl->open_end_ns)
    seal_open(tl);
}

void gb_timeline_record(gb_timeline *tl, size_t stage, int64_t now_ns, int64_t latency_ns) {
  if (stage >= tl->n_stages || tl->finished) {
    if (tl->finished)
      tl->after_finish++;
    else
      tl->bad_stage++;
    return;
  }
  if (now_ns >= tl->open_end_ns)
    gb_timeline_tick(tl, now_ns);
  else if (now_ns < tl->open_start_ns)
    tl->misplaced++;
  gb_hist_record(tl->open[stage], latency_ns);
  if (!tl->recorded_any || now_ns > tl->latest_ns)
    tl->latest_ns = now_ns;
  tl->recorded_any = true;
}

/* Reports what a timeline refused or lost, if anything. */
static int check_health(const gb_timeline *tl, const char *what, gb_err *err) {
  if (tl->failed)
    return gb_err_set(err, GB_ERR_RUNTIME,
                      "%s: out of memory while sealing interval %zu: the timeline is incomplete",
                      what, tl->failed_interval);
  if (tl->bad_stage)
    return gb_err_set(err, GB_ERR_RUNTIME, "%s: %" PRIu64 " records named a stage outside [0, %zu)",
                      what, tl->bad_stage, tl->n_stages);
  if (tl->after_finish)
    return gb_err_set(err, GB_ERR_RUNTIME, "%s: %" PRIu64 " records came after the finish", what,
                      tl->after_finish);
  return 0;
}

int gb_timeline_finish(gb_timeline *tl, int64_t end_ns, gb_err *err) {
  if (tl->finished)
    return gb_err_set(err, GB_ERR_RUNTIME, "timeline finish: already finished");
  int64_t end = end_ns > tl->start_ns ? end_ns : tl->start_ns;
  if (tl->recorded_any) {
    /* A record at t covers [t, t + 1 ns); one before start_ns counts in interval 0. */
    if (end < tl->latest_ns + 1)
      end = tl->latest_ns + 1;
    if (end < tl->start_ns + 1)
      end = tl->start_ns + 1;
  }
  size_t n_intervals = (size_t)((end - tl->start_ns + tl->interval_ns - 1) / tl->interval_ns);
  while (tl->open_interval < n_intervals)
    seal_open(tl);
  tl->finished = true;
  tl->end_ns = end;
  return check_health(tl, "timeline finish", err);
}

uint64_t gb_timeline_misplaced(const gb_timeline *tl) { return tl->misplaced; }

static int check_compatible(const gb_timeline *dst, const gb_timeline *src, gb_err *err) {
  if (!dst->finished || !src->finished)
    return gb_err_set(err, GB_ERR_INPUT, "timeline merge: both timelines must be finished");
  if (dst->interval_ns != src->interval_ns || dst->start_ns != src->start_ns)
    return gb_err_set(err, GB_ERR_INPUT,
                      "timeline merge: intervals differ (destination %" PRId64 " ns from %" PRId64
                      ", source %" PRId64 " ns from %" PRId64 ")",
                      dst->interval_ns, dst->start_ns, src->interval_ns, src->start_ns);
  if (dst->n_stages != src->n_stages)
    return gb_err_set(err, GB_ERR_INPUT,
                      "timeline merge: stage counts differ (destination %zu, source %zu)",
                      dst->n_stages, src->n_stages);
  for (size_t s = 0; s < dst->n_stages; s++)
    if (strcmp(dst->names[s], src->names[s]) != 0)
      return gb_err_set(err, GB_ERR_INPUT,
                        "timeline merge: stage %zu is '%s' in the destination, '%s' in the source",
                        s, dst->names[s], src->names[s]);
  return 0;
}

static const tl_cell *cell_at(const gb_timeline *tl, size_t interval, size_t stage) {
  static const tl_cell empty = {0};
  return interval < tl->n_sealed ? &tl->cells[interval * tl->n_stages + stage] : &empty;
}

/* Merges two sorted bucket lists into out (room for a->n + b->n); returns the count written. */
static size_t merge_buckets(const gb_timeline *da, const tl_cell *a, const gb_timeline *db,
                            const tl_cell *b, tl_bucket *out) {
  const tl_bucket *pa = da->pool + a->first, *pb = db->pool + b->first;
  size_t i = 0, j = 0, n = 0;
  while (i < a->n || j < b->n) {
    if (j == b->n || (i < a->n && pa[i].low_ns < pb[j].low_ns))
      out[n++] = pa[i++];
    else if (i == a->n || pb[j].low_ns < pa[i].low_ns)
      out[n++] = pb[j++];
    else {
      out[n++] = (tl_bucket){pa[i].low_ns, pa[i].count + pb[j].count};
      i++;
      j++;
    }
  }
  return n;
}

int gb_timeline_merge(gb_timeline *dst, const gb_timeline *src, gb_err *err) {
  if (check_compatible(dst, src, err) != 0 || check_health(dst, "timeline merge", err) != 0 ||
      check_health(src, "timeline merge", err) != 0)
    return -1;
  size_t n = dst->n_sealed > src->n_sealed ? dst->n_sealed : src->n_sealed;
  size_t pool_cap = dst->pool_len + src->pool_len;
  tl_cell *cells = calloc(n ? n * dst->n_stages : 1, sizeof *cells);
  tl_bucket *pool = malloc((pool_cap ? pool_cap : 1) * sizeof *pool);
  if (!cells || !pool) {
    free(cells);
    free(pool);
    return gb_err_set(err, GB_ERR_RUNTIME, "timeline merge: out of memory for %zu intervals", n);
  }
  size_t pool_len = 0;
  for (size_t i = 0; i < n; i++)
    for (size_t s = 0; s < dst->n_stages; s++) {
      const tl_cell *a = cell_at(dst, i, s), *b = cell_at(src, i, s);
      tl_cell *c = &cells[i * dst->n_stages + s];
      *c = (tl_cell){.events = a->events + b->events,
                     .out_of_range = a->out_of_range + b->out_of_range,
                     .max_ns = a->max_ns > b->max_ns ? a->max_ns : b->max_ns,
                     .first = pool_len};
      c->n = merge_buckets(dst, a, src, b, pool + pool_len);
      pool_len += c->n;
    }
  free(dst->cells);
  free(dst->pool);
  dst->cells = cells;
  dst->cells_cap = n * dst->n_stages;
  dst->n_sealed = n;
  dst->pool = pool;
  dst->pool_len = pool_len;
  dst->pool_cap = pool_cap;
  dst->misplaced += src->misplaced;
  if (src->end_ns > dst->end_ns)
    dst->end_ns = src->end_ns;
  return 0;
}

size_t gb_timeline_n_rows(const gb_timeline *tl) {
  return tl->finished ? tl->n_sealed * tl->n_stages : 0;
}

/* gb_hist_percentile's rule applied to a sealed cell. */
static int64_t cell_percentile(const gb_timeline *tl, const tl_cell *c, double pct) {
  uint64_t in_range = c->events - c->out_of_range;
  uint64_t rank = gb_hist_percentile_rank(pct, in_range), cumulative = 0;
  for (size_t k = 0; k < c->n; k++) {
    const tl_bucket *b = &tl->pool[c->first + k];
    cumulative += b->count;
    if (cumulative >= rank) {
      /* Any of the timeline's histograms knows the bucket bounds at its digits. */
      int64_t high = gb_hist_highest_equivalent(tl->open[0], b->low_ns);
      return high < c->max_ns ? high : c->max_ns;
    }
  }
  return c->max_ns;
}

int gb_timeline_row_at(const gb_timeline *tl, size_t i, gb_timeline_row *row, gb_err *err) {
  size_t n_rows = gb_timeline_n_rows(tl);
  if (i >= n_rows)
    return gb_err_set(err, GB_ERR_INPUT, "timeline: row %zu does not exist (%zu rows)", i, n_rows);
  size_t interval = i / tl->n_stages, stage = i % tl->n_stages;
  const tl_cell *c = cell_at(tl, interval, stage);
  int64_t offset_ns = (int64_t)interval * tl->interval_ns;
  int64_t length_ns = tl->end_ns - tl->start_ns - offset_ns;
  if (length_ns > tl->interval_ns)
    length_ns = tl->interval_ns;
  bool has_latency = c->events > c->out_of_range;
  *row = (gb_timeline_row){
      .interval = interval,
      .interval_start_s = (double)offset_ns / NS_PER_S,
      .interval_s = (double)length_ns / NS_PER_S,
      .stage = tl->names[stage],
      .events = c->events,
      .throughput_eps = (double)c->events * NS_PER_S / (double)length_ns,
      .has_latency = has_latency,
      .p50_ns = has_latency ? cell_percentile(tl, c, 50) : 0,
      .p99_ns = has_latency ? cell_percentile(tl, c, 99) : 0,
      .max_ns = c->max_ns,
      .out_of_range = c->out_of_range,
  };
  return 0;
}

/* ns as µs with 3 decimals, exactly (integer arithmetic; latencies are >= 1 ns). */
static void write_us(FILE *out, int64_t ns) {
  fprintf(out, ",%" PRId64 ".%03" PRId64, ns / 1000, ns % 1000);
}

int gb_timeline_write_csv(const gb_timeline *tl, FILE *out, gb_err *err) {
  if (!tl->finished)
    return gb_err_set(err, GB_ERR_RUNTIME, "timeline: write before gb_timeline_finish");
  if (check_health(tl, "timeline", err) != 0)
    return -1;
  /* Plain fprintf is enough: stage names are restricted to characters that need no quoting. */
  fputs("interval_start_s,interval_s,stage,events,throughput_eps,p50_us,p99_us,max_us,"
        "out_of_range\n",
        out);
  size_t n = gb_timeline_n_rows(tl);
  for (size_t i = 0; i < n; i++) {
    gb_timeline_row r;
    gb_timeline_row_at(tl, i, &r, NULL);
    fprintf(out, "%.3f,%.3f,%s,%" PRIu64 ",%.1f", r.interval_start_s, r.interval_s, r.stage,
            r.events, r.throughput_eps);
    if (r.has_latency) {
      write_us(out, r.p50_ns);
      write_us(out, r.p99_ns);
      write_us(out, r.max_ns);
    } else {
      fputs(",,,", out);
    }
    fprintf(out, ",%" PRIu64 "\n", r.out_of_range);
  }
  if (fflush(out) != 0 || ferror(out))
    return gb_err_set(err, GB_ERR_RUNTIME, "timeline: writing the CSV failed");
  return 0;
}

/* ---- persistence */

int gb_timeline_save(const gb_timeline *tl, FILE *out, gb_err *err) {
  if (!tl->finished)
    return gb_err_set(err, GB_ERR_RUNTIME, "timeline: save before gb_timeline_finish");
  if (check_health(tl, "timeline", err) != 0)
    return -1;
  gb_run_bin_put_i64(out, tl->interval_ns);
  gb_run_bin_put_i64(out, tl->end_ns - tl->start_ns);
  gb_run_bin_put_u64(out, tl->n_stages);
  gb_run_bin_put_u64(out, tl->n_sealed);
  for (size_t i = 0; i < tl->n_sealed * tl->n_stages; i++) {
    const tl_cell *c = &tl->cells[i];
    gb_run_bin_put_u64(out, c->events);
    gb_run_bin_put_u64(out, c->out_of_range);
    gb_run_bin_put_i64(out, c->max_ns);
    gb_run_bin_put_u64(out, c->n);
    for (size_t k = 0; k < c->n; k++) {
      gb_run_bin_put_i64(out, tl->pool[c->first + k].low_ns);
      gb_run_bin_put_u64(out, tl->pool[c->first + k].count);
    }
  }
  return 0;
}

/* Bounds on what a file may claim, so that a corrupt count fails instead of allocating without
 * end: a year of 1 ms intervals; every sub-bucket of a 2-digit histogram. */
#define LOAD_INTERVALS_MAX (UINT64_C(366) * 24 * 3600 * 1000)
#define LOAD_BUCKETS_MAX 4096

/* One cell's buckets into the pool: increasing, in range, adding up to its in-range events. */
static bool load_cell(gb_timeline *tl, gb_run_bin_reader *r, tl_cell *c) {
  *c = (tl_cell){.events = gb_run_bin_u64(r), .out_of_range = gb_run_bin_u64(r)};
  c->max_ns = gb_run_bin_i64(r);
  c->n = (size_t)gb_run_bin_count(r, LOAD_BUCKETS_MAX, "timeline buckets");
  c->first = tl->pool_len;
  uint64_t sum = 0;
  int64_t prev = 0;
  for (size_t k = 0; r->ok && k < c->n; k++) {
    tl_bucket b = {.low_ns = gb_run_bin_i64(r), .count = gb_run_bin_u64(r)};
    if (r->ok && (b.low_ns <= prev || b.low_ns > GB_HIST_HIGHEST_NS || b.count == 0))
      return gb_run_bin_fail(r, "timeline buckets out of order or out of range");
    if (GB_GROW(tl->pool, tl->pool_cap, tl->pool_len + 1, INTERVALS_FIRST, "timeline buckets",
                r->err) != 0)
      return r->ok = false;
    tl->pool[tl->pool_len++] = b;
    prev = b.low_ns;
    sum += b.count;
  }
  if (r->ok && (c->out_of_range > c->events || sum != c->events - c->out_of_range))
    return gb_run_bin_fail(r, "timeline counts do not add up");
  return r->ok;
}

static bool load_cells(gb_timeline *tl, gb_run_bin_reader *r, size_t n_intervals) {
  if (GB_GROW(tl->cells, tl->cells_cap, n_intervals * tl->n_stages + 1, INTERVALS_FIRST,
              "timeline cells", r->err) != 0)
    return r->ok = false;
  for (size_t i = 0; r->ok && i < n_intervals * tl->n_stages; i++)
    load_cell(tl, r, &tl->cells[i]);
  tl->n_sealed = n_intervals;
  tl->open_interval = n_intervals;
  return r->ok;
}

int gb_timeline_load(FILE *in, const char *path, size_t n_stages, const char *const *stage_names,
                     int64_t start_ns, gb_timeline **out, gb_err *err) {
  gb_run_bin_reader r = {.in = in, .path = path, .ok = true, .err = err};
  int64_t interval_ns = gb_run_bin_i64(&r), length_ns = gb_run_bin_i64(&r);
  uint64_t stages = gb_run_bin_u64(&r);
  uint64_t n = gb_run_bin_count(&r, LOAD_INTERVALS_MAX, "timeline intervals");
  if (!r.ok)
    return -1;
  if (stages != n_stages)
    return gb_err_set(err, GB_ERR_INPUT, "%s: the timeline has %llu stages, expected %zu", path,
                      (unsigned long long)stages, n_stages);
  if (length_ns < 0 || (n > 0 && (length_ns <= (int64_t)(n - 1) * interval_ns ||
                                  length_ns > (int64_t)n * interval_ns)))
    return gb_err_set(err, GB_ERR_INPUT,
                      "%s: a timeline of %llu intervals cannot last %" PRId64 " ns", path,
                      (unsigned long long)n, length_ns);
  gb_timeline *tl = NULL;
  if (gb_timeline_new(n_stages, stage_names, interval_ns, start_ns, &tl, err) != 0)
    return -1; /* its message names the bad interval or stage */
  if (!load_cells(tl, &r, (size_t)n)) {
    gb_timeline_free(tl);
    return -1;
  }
  tl->finished = true;
  tl->end_ns = start_ns + length_ns;
  *out = tl;
  return 0;
}

int gb_timeline_delay(gb_timeline *tl, size_t intervals, gb_err *err) {
  if (!tl->finished)
    return gb_err_set(err, GB_ERR_INPUT, "timeline delay: the timeline must be finished");
  if (intervals == 0)
    return 0;
  size_t n = tl->n_sealed + intervals;
  tl_cell *cells = calloc(n * tl->n_stages, sizeof *cells);
  if (!cells)
    return gb_err_set(err, GB_ERR_RUNTIME, "timeline delay: out of memory for %zu intervals", n);
  if (tl->n_sealed > 0)
    memcpy(cells + intervals * tl->n_stages, tl->cells,
           tl->n_sealed * tl->n_stages * sizeof *cells);
  free(tl->cells);
  tl->cells = cells;
  tl->cells_cap = n * tl->n_stages;
  tl->n_sealed = tl->open_interval = n;
  tl->end_ns += (int64_t)intervals * tl->interval_ns;
  return 0;
}
