/* gb_query_exec: a bound query run over a cube's cells.
 *
 * One pass: a cell is kept when its bucket lies in the window and each filtered dimension's
 * code is set in that filter's bitmap (built once per run from the cube's values, so the scan
 * compares no strings); its group (the bucket floored to the granularity in the output zone,
 * and the group dimensions' codes) is found in an open-addressing hash table, and its measures
 * are merged into the group's. Nothing is allocated per cell but the groups' sketches: a group
 * borrows its first cell's sketch and clones it only when a second cell merges in.
 * Then each group's measures are computed, the groups are sorted (a stable merge sort: the
 * order keys, then the group keys, time first) and the first `limit` become the result, which
 * copies the dimension values it shows. */
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gb_grow.h"
#include "gb_query_int.h"

enum { FIRST_GROUPS = 64, FIRST_SLOTS = 128 };

/* One group while the cells are merged. */
typedef struct acc {
  uint64_t hash;
  int64_t time; /* the group's start (for `all` without a window start: the earliest bucket) */
  uint32_t codes[GB_CUBE_DIMS_MAX]; /* the group dimensions' codes, in group_by order */
  uint64_t count, n_values;
  int64_t sum, min, max;
  int64_t first_bucket; /* the earliest bucket merged */
  bool sum_overflow;
  const gb_distinct *players_ref; /* the only cell's sketch, borrowed */
  gb_distinct *players;           /* owned once a second cell merged in */
  const gb_ddsketch *values_ref;
  gb_ddsketch *values;
} acc;

typedef struct xctx {
  const gb_query *q;
  const gb_cube *cube;
  gbq_plan plan;
  gb_err *err;
  int64_t lo, hi; /* the window [lo, hi) */
  bool has_lo;
  uint64_t *bits[GBQ_FILTER_MAX]; /* per filter: code → passes */
  size_t n_codes[GBQ_FILTER_MAX];
  int gdim[GB_CUBE_DIMS_MAX]; /* the group dimensions, in group_by order */
  size_t n_gdim;
  bool need_players, need_values;
  acc *groups;
  size_t n_groups, cap_groups;
  uint32_t *slots; /* group index + 1; 0 = empty */
  size_t n_slots;
  gbq_cell *vals; /* n_groups * n_measures */
  size_t scanned, matched;
  int64_t hot_lo, hot_hi, hot_time; /* the buckets [lo, hi) of the time group found last */
} xctx;

static int oom(xctx *x) { return gb_err_set(x->err, GB_ERR_RUNTIME, "out of memory for a query"); }

/* ---- The window and the filters ---------------------------------------------------------- */

static void resolve_window(xctx *x) {
  const gb_query *q = x->q;
  x->lo = INT64_MIN;
  x->hi = INT64_MAX;
  if (q->has_from)
    x->lo = q->from_ms;
  if (q->has_to)
    x->hi = q->to_ms;
  x->has_lo = q->has_from;
  int64_t first = 0, last = 0;
  if (q->has_last) {
    if (!gb_cube_time_range(x->cube, &first, &last)) {
      x->lo = x->hi = 0; /* an empty cube: nothing is in any window */
      return;
    }
    x->hi = gb_cube_bucket_start(x->cube, last) + x->plan.bucket_ms;
    x->lo = x->hi - q->last_ms;
    x->has_lo = true;
  }
}

static void set_bit(uint64_t *bits, size_t i) { bits[i / 64] |= UINT64_C(1) << (i % 64); }

static bool get_bit(const uint64_t *bits, size_t i) { return bits[i / 64] >> (i % 64) & 1; }

static void fill_set(xctx *x, const gbq_filter *f, size_t dim, uint64_t *bits, size_t n) {
  for (size_t code = 0; code < n; code++) {
    const char *v = gb_cube_value(x->cube, dim, (uint32_t)code);
    for (size_t j = 0; v && j < f->n_values; j++)
      if (strcmp(v, f->values[j]) == 0) {
        set_bit(bits, code);
        break;
      }
  }
}

/* A range compares numerically when its bounds and all the dimension's (non-empty) values are
 * numbers, else bytewise: a dimension of levels ("9", "10") then orders as numbers do. */
static bool range_is_numeric(xctx *x, const gbq_filter *f, size_t dim, size_t n) {
  double d = 0;
  if ((f->from && !gb_query_number_parse(f->from, &d)) ||
      (f->to && !gb_query_number_parse(f->to, &d)))
    return false;
  for (size_t code = 1; code < n; code++) {
    const char *v = gb_cube_value(x->cube, dim, (uint32_t)code);
    if (v && !gb_query_number_parse(v, &d))
      return false;
  }
  return true;
}

static void fill_range(xctx *x, const gbq_filter *f, size_t dim, uint64_t *bits, size_t n) {
  bool numeric = range_is_numeric(x, f, dim, n);
  double from = -INFINITY, to = INFINITY, v = 0;
  if (numeric && f->from)
    gb_query_number_parse(f->from, &from);
  if (numeric && f->to)
    gb_query_number_parse(f->to, &to);
  for (size_t code = 1; code < n; code++) { /* the empty value is in no range */
    const char *s = gb_cube_value(x->cube, dim, (uint32_t)code);
    bool in = false;
    if (s && numeric)
      in = gb_query_number_parse(s, &v) && v >= from && v < to;
    else if (s)
      in = (!f->from || strcmp(s, f->from) >= 0) && (!f->to || strcmp(s, f->to) < 0);
    if (in)
      set_bit(bits, code);
  }
}

static int build_filters(xctx *x) {
  for (size_t i = 0; i < x->q->n_filters; i++) {
    const gbq_filter *f = &x->q->filters[i];
    size_t dim = (size_t)x->plan.filter_dim[i];
    size_t n = gb_cube_values(x->cube, dim);
    x->n_codes[i] = n;
    x->bits[i] = calloc(n / 64 + 1, sizeof *x->bits[i]);
    if (!x->bits[i])
      return oom(x);
    if (f->kind == GBQ_FILTER_SET)
      fill_set(x, f, dim, x->bits[i], n);
    else
      fill_range(x, f, dim, x->bits[i], n);
  }
  return 0;
}

static bool passes(const xctx *x, const gb_cube_cell *cell) {
  if (cell->bucket_start_ms < x->lo || cell->bucket_start_ms >= x->hi)
    return false;
  for (size_t i = 0; i < x->q->n_filters; i++) {
    uint32_t code = cell->codes[x->plan.filter_dim[i]];
    if (code >= x->n_codes[i] || !get_bit(x->bits[i], code))
      return false;
  }
  return true;
}

/* ---- Groups ------------------------------------------------------------------------------ */

static int64_t floor_mod(int64_t a, int64_t b) {
  int64_t m = a % b;
  return m < 0 ? m + b : m;
}

/* The start of the time group of a bucket: floored to the granularity at the output offset
 * (granularities divide a day, so groups start at the zone's midnight). */
static int64_t group_time(const xctx *x, int64_t bucket) {
  if (!x->q->time_grouped || x->q->gran_ms == 0)
    return x->q->time_grouped && x->has_lo ? x->lo : 0;
  int64_t local = bucket + (int64_t)x->q->tz_min * GBQ_MINUTE_MS;
  return bucket - floor_mod(local, x->q->gran_ms);
}

/* group_time through the time group found last: cells come mostly in bucket order, so two
 * comparisons replace the 64-bit division for all but a group's first cell. */
static int64_t group_time_cached(xctx *x, int64_t bucket) {
  if (bucket >= x->hot_lo && bucket < x->hot_hi)
    return x->hot_time;
  int64_t t = group_time(x, bucket);
  bool timed = x->q->time_grouped && x->q->gran_ms > 0;
  x->hot_time = t;
  x->hot_lo = timed ? t : INT64_MIN; /* no time groups: every bucket maps to t */
  x->hot_hi = timed && t <= INT64_MAX - x->q->gran_ms ? t + x->q->gran_ms : INT64_MAX;
  return t;
}

/* The hash of a group key: a multiply-xor over the fixed-size key (one time, at most
 * GB_CUBE_DIMS_MAX codes), cheaper than xxh3 of its bytes. The table's slot takes the low bits,
 * so the last step folds the product's high half, where the inputs are mixed, into them. */
static uint64_t key_hash(int64_t time, const uint32_t *codes, size_t n) {
  const uint64_t k = UINT64_C(0x9E3779B97F4A7C15); /* 2^64 / golden ratio, odd */
  uint64_t h = ((uint64_t)time ^ (uint64_t)time >> 32) * k;
  for (size_t i = 0; i < n; i++)
    h = (h ^ codes[i]) * k;
  return h ^ h >> 32;
}

static bool same_codes(const uint32_t *a, const uint32_t *b, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (a[i] != b[i])
      return false;
  return true;
}

static int rehash(xctx *x, size_t n_slots) {
  uint32_t *slots = calloc(n_slots, sizeof *slots);
  if (!slots)
    return oom(x);
  for (size_t g = 0; g < x->n_groups; g++) {
    size_t s = x->groups[g].hash & (n_slots - 1);
    while (slots[s])
      s = (s + 1) & (n_slots - 1);
    slots[s] = (uint32_t)(g + 1);
  }
  free(x->slots);
  x->slots = slots;
  x->n_slots = n_slots;
  return 0;
}

static acc *add_group(xctx *x, size_t slot, uint64_t hash, int64_t time, const uint32_t *codes) {
  if (GB_GROW(x->groups, x->cap_groups, x->n_groups + 1, FIRST_GROUPS, "query groups", x->err))
    return NULL;
  acc *a = &x->groups[x->n_groups];
  *a = (acc){
      .hash = hash, .time = time, .min = INT64_MAX, .max = INT64_MIN, .first_bucket = INT64_MAX};
  memcpy(a->codes, codes, x->n_gdim * sizeof *codes);
  x->slots[slot] = (uint32_t)++x->n_groups;
  if (x->n_groups * 2 > x->n_slots && rehash(x, x->n_slots * 2) != 0)
    return NULL;
  return &x->groups[x->n_groups - 1];
}

static acc *find_group(xctx *x, const gb_cube_cell *cell) {
  struct {
    int64_t time;
    uint32_t codes[GB_CUBE_DIMS_MAX];
  } key;
  key.time = group_time_cached(x, cell->bucket_start_ms);
  for (size_t i = 0; i < x->n_gdim; i++)
    key.codes[i] = cell->codes[x->gdim[i]];
  uint64_t hash = key_hash(key.time, key.codes, x->n_gdim);
  size_t s = hash & (x->n_slots - 1);
  for (; x->slots[s]; s = (s + 1) & (x->n_slots - 1)) {
    acc *a = &x->groups[x->slots[s] - 1];
    if (a->hash == hash && a->time == key.time && same_codes(a->codes, key.codes, x->n_gdim))
      return a;
  }
  return add_group(x, s, hash, key.time, key.codes);
}

/* ---- Merging a cell into its group ------------------------------------------------------- */

static int merge_players(xctx *x, acc *a, const gb_distinct *p) {
  if (!p)
    return 0;
  if (!a->players && !a->players_ref) {
    a->players_ref = p;
    return 0;
  }
  if (!a->players) {
    if (gb_distinct_clone(a->players_ref, &a->players, x->err) != 0)
      return -1;
    a->players_ref = NULL;
  }
  return gb_distinct_merge(a->players, p, x->err);
}

static int merge_values(xctx *x, acc *a, const gb_ddsketch *v) {
  if (!v)
    return 0;
  if (!a->values && !a->values_ref) {
    a->values_ref = v;
    return 0;
  }
  if (!a->values) {
    if (gb_ddsketch_clone(a->values_ref, &a->values, x->err) != 0)
      return -1;
    a->values_ref = NULL;
  }
  return gb_ddsketch_merge(a->values, v, x->err);
}

static int merge_cell(xctx *x, acc *a, const gb_cube_cell *cell) {
  a->count += cell->count;
  if (cell->n_values > 0) {
    a->n_values += cell->n_values;
    a->sum_overflow |= __builtin_add_overflow(a->sum, cell->sum_milli, &a->sum);
    a->min = cell->min_milli < a->min ? cell->min_milli : a->min;
    a->max = cell->max_milli > a->max ? cell->max_milli : a->max;
  }
  if (x->need_players && merge_players(x, a, cell->players) != 0)
    return -1;
  if (x->need_values && merge_values(x, a, cell->values) != 0)
    return -1;
  return 0;
}

static int scan(xctx *x) {
  if (rehash(x, FIRST_SLOTS) != 0)
    return -1;
  bool all_from_first = x->q->time_grouped && x->q->gran_ms == 0 && !x->has_lo;
  size_t n = gb_cube_cells(x->cube);
  gb_cube_cell cell;
  for (size_t i = 0; i < n; i++) {
    gb_cube_cell_at(x->cube, i, &cell);
    if (!passes(x, &cell))
      continue;
    x->matched++;
    acc *a = find_group(x, &cell);
    if (!a || merge_cell(x, a, &cell) != 0)
      return -1;
    if (cell.bucket_start_ms < a->first_bucket)
      a->first_bucket = cell.bucket_start_ms;
  }
  x->scanned = n;
  if (all_from_first) /* one time group without a window start: it starts with its data */
    for (size_t g = 0; g < x->n_groups; g++)
      x->groups[g].time = x->groups[g].first_bucket;
  return 0;
}

/* ---- Measures ---------------------------------------------------------------------------- */

/* sum / n in milli-units, rounded half away from zero (what avg shows, and orders by). */
static int64_t avg_milli(int64_t sum, uint64_t n) {
  if (n > (uint64_t)INT64_MAX)
    return 0;
  int64_t d = (int64_t)n, quo = sum / d, rem = sum % d;
  uint64_t r = rem < 0 ? 0 - (uint64_t)rem : (uint64_t)rem;
  if (r >= (uint64_t)d - r)
    quo += sum < 0 ? -1 : 1;
  return quo;
}

static gbq_cell measure(const acc *a, const gbq_measure *m) {
  gbq_cell c = {.null = false};
  bool none = a->n_values == 0;
  const gb_distinct *players = a->players ? a->players : a->players_ref;
  const gb_ddsketch *values = a->values ? a->values : a->values_ref;
  switch (m->kind) {
  case GBQ_COUNT:
    c.v.i = (int64_t)a->count;
    break;
  case GBQ_SUM:
    c.v.i = a->sum;
    break;
  case GBQ_MIN:
    c.v.i = a->min;
    c.null = none;
    break;
  case GBQ_MAX:
    c.v.i = a->max;
    c.null = none;
    break;
  case GBQ_AVG:
    c.null = none;
    c.v.i = none ? 0 : avg_milli(a->sum, a->n_values);
    break;
  case GBQ_DISTINCT:
    c.v.i = players ? llround(gb_distinct_estimate(players)) : 0;
    break;
  case GBQ_QUANTILE:
    /* the cube's sketches hold units (value_milli / 1000), not milli-units */
    c.v.d = values && gb_ddsketch_count(values) > 0 ? gb_ddsketch_quantile(values, m->q) : NAN;
    c.null = isnan(c.v.d);
    break;
  }
  return c;
}

static int compute_measures(xctx *x) {
  const gb_query *q = x->q;
  x->vals = calloc(x->n_groups * q->n_measures + 1, sizeof *x->vals);
  if (!x->vals)
    return oom(x);
  for (size_t g = 0; g < x->n_groups; g++) {
    const acc *a = &x->groups[g];
    for (size_t m = 0; m < q->n_measures; m++) {
      gbq_measure_kind k = q->measures[m].kind;
      if (a->sum_overflow && (k == GBQ_SUM || k == GBQ_AVG))
        return gb_err_set(x->err, GB_ERR_RUNTIME,
                          "%s: %s: a group's sum leaves 64-bit milli-units (±9.2e15)", q->source,
                          q->measures[m].name);
      x->vals[g * q->n_measures + m] = measure(a, &q->measures[m]);
    }
  }
  return 0;
}

/* ---- Order and limit --------------------------------------------------------------------- */

static int cmp_i64(int64_t a, int64_t b) { return (a > b) - (a < b); }

static int cmp_f64(double a, double b) { return (a > b) - (a < b); }

/* Group key k (an index into group_by) of two groups: times as numbers, values bytewise. */
static int cmp_key(const xctx *x, const acc *a, const acc *b, size_t k) {
  int dim = x->plan.group_dim[k];
  if (dim < 0)
    return cmp_i64(a->time, b->time);
  size_t pos = 0; /* the key's place among the group dimensions */
  for (size_t i = 0; i < k; i++)
    pos += x->plan.group_dim[i] >= 0;
  const char *va = gb_cube_value(x->cube, (size_t)dim, a->codes[pos]);
  const char *vb = gb_cube_value(x->cube, (size_t)dim, b->codes[pos]);
  return strcmp(va ? va : "", vb ? vb : "");
}

/* Nulls last whichever the direction. */
static int cmp_measure(const xctx *x, uint32_t ga, uint32_t gb, size_t m, bool desc) {
  const gbq_cell *a = &x->vals[ga * x->q->n_measures + m];
  const gbq_cell *b = &x->vals[gb * x->q->n_measures + m];
  if (a->null || b->null)
    return (int)a->null - (int)b->null;
  int r =
      x->q->measures[m].kind == GBQ_QUANTILE ? cmp_f64(a->v.d, b->v.d) : cmp_i64(a->v.i, b->v.i);
  return desc ? -r : r;
}

static int cmp_rows(const xctx *x, uint32_t ga, uint32_t gb) {
  const gb_query *q = x->q;
  const acc *a = &x->groups[ga], *b = &x->groups[gb];
  for (size_t i = 0; i < q->n_order; i++) {
    const gbq_order *o = &q->order[i];
    int r = o->is_measure ? cmp_measure(x, ga, gb, o->index, o->desc)
                          : (o->desc ? -1 : 1) * cmp_key(x, a, b, o->index);
    if (r != 0)
      return r;
  }
  /* then the group keys ascending: time first, then the dimensions in group_by order */
  int r = q->time_grouped ? cmp_i64(a->time, b->time) : 0;
  for (size_t k = 0; r == 0 && k < q->n_group; k++)
    if (!q->group[k].is_time)
      r = cmp_key(x, a, b, k);
  return r;
}

/* qsort_r's comparison of two group numbers. Groups differ in their keys, which break every
 * tie of order_by, so the order is total and any sort gives the same rows. */
static int compare_groups(const void *a, const void *b, void *ctx) {
  return cmp_rows(ctx, *(const uint32_t *)a, *(const uint32_t *)b);
}

/* ---- The result -------------------------------------------------------------------------- */

static int pool_add(xctx *x, gb_query_result *r, const char *s, size_t *off) {
  size_t len = strlen(s) + 1;
  if (GB_GROW(r->pool, r->pool_cap, r->pool_len + len, 256, "bytes of query values", x->err))
    return -1;
  memcpy(r->pool + r->pool_len, s, len);
  *off = r->pool_len;
  r->pool_len += len;
  return 0;
}

static gbq_col_kind measure_kind(gbq_measure_kind k) {
  switch (k) {
  case GBQ_COUNT:
  case GBQ_DISTINCT:
    return GBQ_COL_INT;
  case GBQ_QUANTILE:
    return GBQ_COL_REAL;
  default:
    return GBQ_COL_MILLI;
  }
}

static int result_columns(xctx *x, gb_query_result *r) {
  const gb_query *q = x->q;
  r->n_cols = q->n_group + q->n_measures;
  for (size_t c = 0; c < r->n_cols; c++) {
    bool is_group = c < q->n_group;
    const char *name = is_group ? q->group[c].name : q->measures[c - q->n_group].name;
    r->names[c] = strdup(name);
    if (!r->names[c])
      return oom(x);
    r->kinds[c] = is_group ? (q->group[c].is_time ? GBQ_COL_TIME : GBQ_COL_DIM)
                           : measure_kind(q->measures[c - q->n_group].kind);
  }
  return 0;
}

static int result_rows(xctx *x, gb_query_result *r, const uint32_t *idx, size_t n_rows) {
  const gb_query *q = x->q;
  r->cells = calloc(n_rows * r->n_cols + 1, sizeof *r->cells);
  if (!r->cells)
    return oom(x);
  r->n_rows = n_rows;
  for (size_t row = 0; row < n_rows; row++) {
    const acc *a = &x->groups[idx[row]];
    gbq_cell *cells = &r->cells[row * r->n_cols];
    for (size_t k = 0, pos = 0; k < q->n_group; k++) {
      if (q->group[k].is_time) {
        cells[k].v.i = a->time;
        continue;
      }
      const char *v = gb_cube_value(x->cube, (size_t)x->plan.group_dim[k], a->codes[pos++]);
      if (pool_add(x, r, v ? v : "", &cells[k].v.s) != 0)
        return -1;
    }
    memcpy(&cells[q->n_group], &x->vals[(size_t)idx[row] * q->n_measures],
           q->n_measures * sizeof *cells);
  }
  return 0;
}

static int make_result(xctx *x, gb_query_result **out) {
  uint32_t *idx = calloc(x->n_groups + 1, sizeof *idx);
  gb_query_result *r = calloc(1, sizeof *r);
  int rc = -1;
  if (!idx || !r) {
    oom(x);
    goto out;
  }
  for (size_t g = 0; g < x->n_groups; g++)
    idx[g] = (uint32_t)g;
  qsort_r(idx, x->n_groups, sizeof *idx, compare_groups, x);
  size_t n_rows = x->q->limit && x->q->limit < x->n_groups ? (size_t)x->q->limit : x->n_groups;
  r->tz_min = x->q->tz_min;
  r->scanned = x->scanned;
  r->matched = x->matched;
  if (result_columns(x, r) != 0 || result_rows(x, r, idx, n_rows) != 0)
    goto out;
  *out = r;
  r = NULL;
  rc = 0;
out:
  gb_query_result_free(r);
  free(idx);
  return rc;
}

/* ---- Running a query --------------------------------------------------------------------- */

static void xctx_free(xctx *x) {
  for (size_t i = 0; i < GBQ_FILTER_MAX; i++)
    free(x->bits[i]);
  for (size_t g = 0; g < x->n_groups; g++) {
    gb_distinct_free(x->groups[g].players);
    gb_ddsketch_free(x->groups[g].values);
  }
  free(x->groups);
  free(x->slots);
  free(x->vals);
}

int gb_query_run(const gb_query *q, const gb_cube *cube, gb_query_result **out, gb_err *err) {
  *out = NULL;
  xctx x = {.q = q, .cube = cube, .err = err};
  if (gb_query_plan(q, gb_cube_config_of(cube), &x.plan, err) != 0)
    return -1;
  for (size_t k = 0; k < q->n_group; k++)
    if (x.plan.group_dim[k] >= 0)
      x.gdim[x.n_gdim++] = x.plan.group_dim[k];
  for (size_t m = 0; m < q->n_measures; m++) {
    x.need_players |= q->measures[m].kind == GBQ_DISTINCT;
    x.need_values |= q->measures[m].kind == GBQ_QUANTILE;
  }
  resolve_window(&x);
  int rc = -1;
  if (build_filters(&x) == 0 && scan(&x) == 0 && compute_measures(&x) == 0)
    rc = make_result(&x, out);
  xctx_free(&x);
  return rc;
}
