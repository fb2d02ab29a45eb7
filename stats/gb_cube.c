#include "gb_cube.h"

#include <stdlib.h>
#include <string.h>

#include "gb_cube_int.h"
#include "gb_grow.h"
#include "gb_rng.h"

enum { FIRST_CELLS = 256, FIRST_VALUES = 16 };

static const uint64_t KEY_SEED = 0x6762637562650001ull; /* "gbcube", any constant */

int gb_cube_check_config(const gb_cube_config *cfg, gb_err *err) {
  if (cfg->bucket_ms < 1000 || cfg->bucket_ms > GB_CUBE_DAY_MS || GB_CUBE_DAY_MS % cfg->bucket_ms)
    return gb_err_set(err, GB_ERR_INPUT,
                      "bucket: %lld ms is not a divisor of a day between 1 s and 1 d",
                      (long long)cfg->bucket_ms);
  if (cfg->day_offset_min < -720 || cfg->day_offset_min > 840)
    return gb_err_set(err, GB_ERR_INPUT, "day_offset: %d min is outside -12:00 … +14:00",
                      (int)cfg->day_offset_min);
  if (cfg->n_dims > GB_CUBE_DIMS_MAX)
    return gb_err_set(err, GB_ERR_INPUT, "dimensions: %zu, at most %d", cfg->n_dims,
                      GB_CUBE_DIMS_MAX);
  for (size_t i = 0; i < cfg->n_dims; i++) {
    size_t len = strnlen(cfg->dims[i], GB_CUBE_DIM_NAME_MAX + 1);
    if (len == 0 || len > GB_CUBE_DIM_NAME_MAX || strcmp(cfg->dims[i], "time") == 0)
      return gb_err_set(err, GB_ERR_INPUT, "dimensions[%zu]: '%.*s' is not a dimension name", i,
                        (int)(len > GB_CUBE_DIM_NAME_MAX ? GB_CUBE_DIM_NAME_MAX : len),
                        cfg->dims[i]);
    for (size_t j = 0; j < i; j++)
      if (strcmp(cfg->dims[i], cfg->dims[j]) == 0)
        return gb_err_set(err, GB_ERR_INPUT, "dimensions[%zu]: '%s' appears twice", i,
                          cfg->dims[i]);
  }
  if (cfg->measures & ~(unsigned)(GB_CUBE_DISTINCT | GB_CUBE_QUANTILES))
    return gb_err_set(err, GB_ERR_INPUT, "measures: unknown flags 0x%x", cfg->measures);
  if ((cfg->measures & GB_CUBE_DISTINCT) && (cfg->hll_precision < 4 || cfg->hll_precision > 18))
    return gb_err_set(err, GB_ERR_INPUT, "hll_precision: %d is outside 4 … 18", cfg->hll_precision);
  if ((cfg->measures & GB_CUBE_QUANTILES) &&
      !(cfg->quantile_accuracy > 0 && cfg->quantile_accuracy < 1))
    return gb_err_set(err, GB_ERR_INPUT, "quantile_accuracy: %g is not in (0, 1)",
                      cfg->quantile_accuracy);
  return 0;
}

int gb_cube_new(const gb_cube_config *cfg, gb_cube **out, gb_err *err) {
  if (gb_cube_check_config(cfg, err) != 0)
    return -1;
  gb_cube *c = calloc(1, sizeof *c);
  if (!c)
    return gb_err_set(err, GB_ERR_RUNTIME, "out of memory for a stats cube");
  c->cfg = *cfg;
  c->first_ts = INT64_MAX;
  c->last_ts = INT64_MIN;
  for (size_t d = 0; d < cfg->n_dims; d++)
    if (gb_cube_intern(c, d, "", 0, err) < 0) { /* code 0: the empty value */
      gb_cube_free(c);
      return -1;
    }
  *out = c;
  return 0;
}

static void free_cell_sketches(cube_cell *cell) {
  gb_distinct_free(cell->players);
  gb_ddsketch_free(cell->values);
}

void gb_cube_free(gb_cube *c) {
  if (!c)
    return;
  for (size_t i = 0; i < c->n_cells; i++)
    free_cell_sketches(&c->cells[i]);
  for (size_t d = 0; d < c->cfg.n_dims; d++) {
    free(c->dicts[d].values);
    free(c->dicts[d].slots);
  }
  free(c->cells);
  free(c->codes);
  free(c->index);
  free(c);
}

const gb_cube_config *gb_cube_config_of(const gb_cube *c) { return &c->cfg; }

int gb_cube_dim_index(const gb_cube *c, const char *name) {
  for (size_t d = 0; d < c->cfg.n_dims; d++)
    if (strcmp(c->cfg.dims[d], name) == 0)
      return (int)d;
  return -1;
}

/* ---- dimension values ---- */

uint64_t gb_cube_value_hash(const char *s, size_t len) { return gb_hash_bytes(s, len, KEY_SEED); }

/* Doubles the dictionary's index (set-up: err; hot path: NULL → fatal). */
static int grow_dict_index(cube_dict *dict, gb_err *err) {
  size_t n_slots = dict->n_slots ? dict->n_slots * 2 : 64;
  uint32_t *slots = calloc(n_slots, sizeof *slots);
  if (!slots) {
    if (!err)
      GB_FATAL("out of memory for a stats cube's dimension index (%zu slots)", n_slots);
    return gb_err_set(err, GB_ERR_RUNTIME, "out of memory for a stats cube's dimension index");
  }
  for (size_t code = 0; code < dict->n; code++) {
    const char *s = dict->values[code].s;
    size_t at = gb_cube_value_hash(s, strlen(s)) & (n_slots - 1);
    while (slots[at])
      at = (at + 1) & (n_slots - 1);
    slots[at] = (uint32_t)code + 1;
  }
  free(dict->slots);
  dict->slots = slots;
  dict->n_slots = n_slots;
  return 0;
}

long gb_cube_intern(gb_cube *c, size_t dim, const char *value, size_t len, gb_err *err) {
  cube_dict *dict = &c->dicts[dim];
  if (len > GB_CUBE_VALUE_MAX)
    len = GB_CUBE_VALUE_MAX;
  if ((dict->n + 1) * 2 > dict->n_slots && grow_dict_index(dict, err) != 0)
    return -1;
  size_t mask = dict->n_slots - 1, at = gb_cube_value_hash(value, len) & mask;
  for (; dict->slots[at]; at = (at + 1) & mask) {
    const char *s = dict->values[dict->slots[at] - 1].s;
    if (strncmp(s, value, len) == 0 && s[len] == '\0')
      return dict->slots[at] - 1;
  }
  if (err) {
    if (GB_GROW(dict->values, dict->cap, dict->n + 1, FIRST_VALUES, "dimension values", err) != 0)
      return -1;
  } else {
    GB_GROW_OR_DIE(dict->values, dict->cap, dict->n + 1, FIRST_VALUES, "dimension values");
  }
  memcpy(dict->values[dict->n].s, value, len);
  dict->values[dict->n].s[len] = '\0';
  dict->slots[at] = (uint32_t)dict->n + 1;
  return (long)dict->n++;
}

uint32_t gb_cube_code(gb_cube *c, size_t dim, const char *value, size_t len) {
  if (len == 0)
    return 0;
  return (uint32_t)gb_cube_intern(c, dim, value, len, NULL);
}

const char *gb_cube_value(const gb_cube *c, size_t dim, uint32_t code) {
  if (dim >= c->cfg.n_dims || code >= c->dicts[dim].n)
    return NULL;
  return c->dicts[dim].values[code].s;
}

size_t gb_cube_values(const gb_cube *c, size_t dim) {
  return dim < c->cfg.n_dims ? c->dicts[dim].n : 0;
}

/* ---- cells ---- */

int64_t gb_cube_bucket_start(const gb_cube *c, int64_t ts_ms) {
  int64_t shift = (int64_t)c->cfg.day_offset_min * 60000, w = c->cfg.bucket_ms;
  int64_t local = ts_ms + shift;
  int64_t q = local / w - (local % w < 0); /* floor, for times before the epoch too */
  return q * w - shift;
}

static uint64_t key_hash(const gb_cube *c, int64_t bucket, const uint32_t *codes) {
  uint64_t h = (uint64_t)bucket * 0x9E3779B97F4A7C15ull;
  for (size_t d = 0; d < c->cfg.n_dims; d++)
    h = (h ^ codes[d]) * 0xBF58476D1CE4E5B9ull;
  return h ^ (h >> 31);
}

/* A loop rather than memcmp: keys are a few codes, not worth a call. */
static bool key_equal(const gb_cube *c, size_t cell, int64_t bucket, const uint32_t *codes) {
  if (c->cells[cell].bucket_start_ms != bucket)
    return false;
  const uint32_t *key = &c->codes[cell * c->cfg.n_dims];
  for (size_t d = 0; d < c->cfg.n_dims; d++)
    if (key[d] != codes[d])
      return false;
  return true;
}

static uint64_t index_entry(uint64_t hash, size_t cell) {
  return (hash >> 32) << 32 | ((uint64_t)cell + 1);
}

static int fail_or_die(gb_err *err, const char *what) {
  if (!err)
    GB_FATAL("out of memory for %s", what);
  return gb_err_set(err, GB_ERR_RUNTIME, "out of memory for %s", what);
}

static int rebuild_index(gb_cube *c, size_t n_slots, gb_err *err) {
  uint64_t *index = calloc(n_slots, sizeof *index);
  if (!index)
    return fail_or_die(err, "a stats cube's cell index");
  for (size_t i = 0; i < c->n_cells; i++) {
    uint64_t h = key_hash(c, c->cells[i].bucket_start_ms, &c->codes[i * c->cfg.n_dims]);
    size_t at = h & (n_slots - 1);
    while (index[at])
      at = (at + 1) & (n_slots - 1);
    index[at] = index_entry(h, i);
  }
  free(c->index);
  c->index = index;
  c->index_slots = n_slots;
  return 0;
}

/* Room for one more cell: its measures, its codes, and an index at most half full. */
static int reserve_cell(gb_cube *c, gb_err *err) {
  size_t n = c->n_cells + 1, nd = c->cfg.n_dims;
  if (err) {
    if (GB_GROW(c->cells, c->cells_cap, n, FIRST_CELLS, "stats cube cells", err) != 0 ||
        GB_GROW(c->codes, c->codes_cap, n * nd, FIRST_CELLS * (nd ? nd : 1), "stats cube cell keys",
                err) != 0)
      return -1;
  } else {
    GB_GROW_OR_DIE(c->cells, c->cells_cap, n, FIRST_CELLS, "stats cube cells");
    GB_GROW_OR_DIE(c->codes, c->codes_cap, n * nd, FIRST_CELLS * (nd ? nd : 1),
                   "stats cube cell keys");
  }
  if (n * 2 > c->index_slots)
    return rebuild_index(c, c->index_slots ? c->index_slots * 2 : 2 * FIRST_CELLS, err);
  return 0;
}

/* The new cell's sketches, as the configuration asks. */
static int new_cell_sketches(const gb_cube *c, cube_cell *cell, gb_err *err) {
  gb_err local = {0};
  gb_err *e = err ? err : &local;
  if ((c->cfg.measures & GB_CUBE_DISTINCT) &&
      gb_distinct_new(c->cfg.distinct_exact_max, c->cfg.hll_precision, &cell->players, e) != 0)
    goto fail;
  if ((c->cfg.measures & GB_CUBE_QUANTILES) &&
      gb_ddsketch_new(c->cfg.quantile_accuracy, &cell->values, e) != 0)
    goto fail;
  return 0;
fail:
  free_cell_sketches(cell);
  if (!err)
    GB_FATAL("%s", local.msg);
  return -1;
}

long gb_cube_cell_for(gb_cube *c, int64_t bucket, const uint32_t *codes, gb_err *err) {
  uint64_t h = key_hash(c, bucket, codes);
  if (c->index_slots) {
    size_t mask = c->index_slots - 1, at = h & mask;
    for (; c->index[at]; at = (at + 1) & mask) {
      uint64_t e = c->index[at];
      if (e >> 32 == h >> 32 && key_equal(c, (uint32_t)e - 1, bucket, codes))
        return (long)(uint32_t)e - 1;
    }
  }
  if (reserve_cell(c, err) != 0)
    return -1;
  size_t i = c->n_cells;
  cube_cell *cell = &c->cells[i];
  *cell = (cube_cell){.bucket_start_ms = bucket, .min_milli = INT64_MAX, .max_milli = INT64_MIN};
  if (new_cell_sketches(c, cell, err) != 0)
    return -1;
  if (c->cfg.n_dims)
    memcpy(&c->codes[i * c->cfg.n_dims], codes, c->cfg.n_dims * sizeof *codes);
  size_t mask = c->index_slots - 1, at = h & mask;
  while (c->index[at])
    at = (at + 1) & mask;
  c->index[at] = index_entry(h, i);
  c->n_cells++;
  return (long)i;
}

static void add_value(cube_cell *cell, int64_t v) {
  cell->n_values++;
  cell->sum_milli += v;
  if (v < cell->min_milli)
    cell->min_milli = v;
  if (v > cell->max_milli)
    cell->max_milli = v;
  if (cell->values)
    gb_ddsketch_add(cell->values, (double)v / 1000.0);
}

/* The bucket of ts. Events come nearly in time order, so the one found last is almost always
 * it: two comparisons instead of a division. (A bucket at the very end of the int64 range is
 * not kept: [start, start) holds nothing.) */
static int64_t bucket_of(gb_cube *c, int64_t ts) {
  if (ts >= c->hot_bucket && ts < c->hot_bucket_end)
    return c->hot_bucket;
  int64_t start = gb_cube_bucket_start(c, ts), w = c->cfg.bucket_ms;
  c->hot_bucket = start;
  c->hot_bucket_end = start <= INT64_MAX - w ? start + w : start;
  return start;
}

void gb_cube_add(gb_cube *c, int64_t ts_ms, const uint32_t *codes, uint64_t player_id,
                 bool has_value, int64_t value_milli) {
  long at = gb_cube_cell_for(c, bucket_of(c, ts_ms), codes, NULL); /* may move cells */
  cube_cell *cell = &c->cells[at];
  cell->count++;
  if (has_value)
    add_value(cell, value_milli);
  if (cell->players)
    gb_distinct_add(cell->players, player_id);
  c->events++;
  if (ts_ms < c->first_ts)
    c->first_ts = ts_ms;
  if (ts_ms > c->last_ts)
    c->last_ts = ts_ms;
}

int gb_cube_rebuild_index(gb_cube *c, gb_err *err) {
  return rebuild_index(c, c->index_slots ? c->index_slots : 2 * FIRST_CELLS, err);
}

size_t gb_cube_cells(const gb_cube *c) { return c->n_cells; }

void gb_cube_cell_at(const gb_cube *c, size_t i, gb_cube_cell *out) {
  const cube_cell *cell = &c->cells[i];
  *out = (gb_cube_cell){.bucket_start_ms = cell->bucket_start_ms,
                        .codes = &c->codes[i * c->cfg.n_dims],
                        .count = cell->count,
                        .n_values = cell->n_values,
                        .sum_milli = cell->sum_milli,
                        .min_milli = cell->min_milli,
                        .max_milli = cell->max_milli,
                        .players = cell->players,
                        .values = cell->values};
}

bool gb_cube_time_range(const gb_cube *c, int64_t *first_ms, int64_t *last_ms) {
  if (c->events == 0)
    return false;
  *first_ms = c->first_ts;
  *last_ms = c->last_ts;
  return true;
}

uint64_t gb_cube_events(const gb_cube *c) { return c->events; }
