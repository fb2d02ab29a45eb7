/* gb_cube: an aggregation cube — event counts and measures by time bucket × dimensions — that
 * a shard fills as events stream in and that queries (reports/gb_query.h) read, live or from
 * the copy persisted in a results directory.
 *
 * A cell is one (bucket, dimension values) combination. It keeps:
 *   count        events;
 *   n_values     events that carried a value (the event type's main quantity, in milli-units);
 *   sum, min, max of those values (exact: 64-bit integers of milli-units, so sums do not depend
 *                on the order events arrive in; |sum| up to 9.2e15 units);
 *   players      distinct player ids (gb_distinct: exact up to a threshold, then HyperLogLog),
 *                when the cube keeps GB_CUBE_DISTINCT;
 *   values       a relative-error quantile sketch of the values (gb_ddsketch), when it keeps
 *                GB_CUBE_QUANTILES.
 *
 * Buckets: bucket_ms wide (1 s … 1 day, dividing a day), aligned on local midnight at
 * day_offset_min (minutes east of UTC), so that day buckets are days at that offset.
 *
 * Dimension values are interned per dimension: code 0 is the empty value (the event has none),
 * codes 1… are in first-seen order (so they differ between shards; gb_cube_merge translates,
 * and gb_cube_save writes values sorted, cells in canonical order). Every measure is
 * order-independent, so a cube merged from any split of the same events into shards, in any
 * order, saves to the same bytes.
 *
 * Not thread-safe: one writer; readers must exclude it (the engine's shard lock). */
#ifndef GB_CUBE_H
#define GB_CUBE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gb_ddsketch.h"
#include "gb_distinct.h"
#include "gb_err.h"

enum {
  GB_CUBE_DIMS_MAX = 12,
  GB_CUBE_DIM_NAME_MAX = 31,
  GB_CUBE_VALUE_MAX = 63 /* bytes of a dimension value; longer ones are GB_ERR_INPUT / cut */
};

enum { GB_CUBE_DAY_MS = 86400000 };

/* Optional measures (count, n_values, sum, min and max are always kept). */
enum { GB_CUBE_DISTINCT = 1u << 0, GB_CUBE_QUANTILES = 1u << 1 };

typedef struct gb_cube_config {
  int64_t bucket_ms;      /* 1000 … 86400000, a divisor of a day */
  int32_t day_offset_min; /* -720 … 840 */
  size_t n_dims;
  char dims[GB_CUBE_DIMS_MAX][GB_CUBE_DIM_NAME_MAX + 1]; /* names, distinct */
  unsigned measures;                                     /* GB_CUBE_DISTINCT | GB_CUBE_QUANTILES */
  uint32_t distinct_exact_max;                           /* exact distinct count up to this */
  int hll_precision;                                     /* then HyperLogLog with 2^p registers */
  double quantile_accuracy;                              /* relative accuracy, e.g. 0.01 */
} gb_cube_config;

typedef struct gb_cube gb_cube;

/* A new, empty cube. GB_ERR_INPUT naming the bad field of cfg (bucket, offset, dimension
 * names, accuracy, precision); GB_ERR_RUNTIME when out of memory. */
int gb_cube_new(const gb_cube_config *cfg, gb_cube **out, gb_err *err);
void gb_cube_free(gb_cube *c);

/* The configuration (a copy owned by the cube). */
const gb_cube_config *gb_cube_config_of(const gb_cube *c);

/* Index of the dimension named name, or -1 when the cube does not keep it. */
int gb_cube_dim_index(const gb_cube *c, const char *name);

/* The code of value (len bytes, not NUL-terminated) in dimension dim, interning it when new;
 * 0 for the empty value. Values longer than GB_CUBE_VALUE_MAX are cut there. Hot path: out of
 * memory is fatal. */
uint32_t gb_cube_code(gb_cube *c, size_t dim, const char *value, size_t len);

/* The value of code in dimension dim ("" for 0); NULL for an unknown code. */
const char *gb_cube_value(const gb_cube *c, size_t dim, uint32_t code);

/* Distinct values of dimension dim, the empty one included (codes are 0 … n-1). */
size_t gb_cube_values(const gb_cube *c, size_t dim);

/* Start (ms since the epoch) of the bucket holding ts. */
int64_t gb_cube_bucket_start(const gb_cube *c, int64_t ts_ms);

/* Adds one event of sim time ts_ms with dimension codes codes[n_dims] (from gb_cube_code), by
 * player_id, with a value in milli-units when has_value. Hot path: out of memory is fatal. */
void gb_cube_add(gb_cube *c, int64_t ts_ms, const uint32_t *codes, uint64_t player_id,
                 bool has_value, int64_t value_milli);

/* One cell, as read by queries (pointers valid until the cube changes). */
typedef struct gb_cube_cell {
  int64_t bucket_start_ms;
  const uint32_t *codes; /* [n_dims] */
  uint64_t count, n_values;
  int64_t sum_milli, min_milli, max_milli; /* min/max meaningful when n_values > 0 */
  const gb_distinct *players;              /* NULL unless the cube keeps GB_CUBE_DISTINCT */
  const gb_ddsketch *values;               /* NULL unless the cube keeps GB_CUBE_QUANTILES */
} gb_cube_cell;

/* Number of cells, and cell i (0 ≤ i < n). Cells come in insertion order, or in canonical
 * order (bucket, then each dimension's value bytes) after gb_cube_canonicalize or a load. */
size_t gb_cube_cells(const gb_cube *c);
void gb_cube_cell_at(const gb_cube *c, size_t i, gb_cube_cell *out);

/* Event times added so far: the earliest and the latest ts (ms); false when the cube is empty. */
bool gb_cube_time_range(const gb_cube *c, int64_t *first_ms, int64_t *last_ms);

/* Events added so far (the sum of the cells' counts). */
uint64_t gb_cube_events(const gb_cube *c);

/* Adds src's cells into dst. GB_ERR_INPUT when the configurations differ; GB_ERR_RUNTIME when
 * out of memory (dst may then hold part of src). */
int gb_cube_merge(gb_cube *dst, const gb_cube *src, gb_err *err);

/* Renumbers the dimension values in byte order and sorts the cells canonically: two cubes of
 * the same events then hold the same codes and cells. */
int gb_cube_canonicalize(gb_cube *c, gb_err *err);

/* Writes the cube (canonicalized first) to path atomically, in the documented binary format
 * (docs/results.md, "cube.gbc"). GB_ERR_RUNTIME naming the path on failure. */
int gb_cube_save(gb_cube *c, const char *path, gb_err *err);

/* The cube in gb_cube_save's format, as it stands (not canonicalized: a live cube keeps its
 * codes), into *out (malloc'd, the caller frees it) and *len: how a cube travels between
 * processes (docs/kafka.md, the aggregates topic). GB_ERR_RUNTIME when out of memory. */
int gb_cube_encode(const gb_cube *c, uint8_t **out, size_t *len, gb_err *err);

/* Reads a cube from len bytes of gb_cube_encode's (or gb_cube_save's) format; what names the
 * source in errors. GB_ERR_INPUT naming what is wrong (not a cube, version, truncated), or
 * GB_ERR_RUNTIME when out of memory. */
int gb_cube_decode(const void *buf, size_t len, const char *what, gb_cube **out, gb_err *err);

/* Reads a cube written by gb_cube_save. GB_ERR_RUNTIME (I/O) / GB_ERR_INPUT naming the path and
 * what is wrong (not a cube, version, truncated). */
int gb_cube_load(const char *path, gb_cube **out, gb_err *err);

#endif
