/* The persisted cube, "cube.gbc" in a results directory (docs/results.md documents the layout):
 * little-endian, versioned, written canonicalized so that equal cubes are equal files. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gb_afile.h"
#include "gb_bytes.h"
#include "gb_cube.h"
#include "gb_cube_int.h"

static const char MAGIC[8] = {'G', 'B', 'C', 'U', 'B', 'E', '\r', '\n'};
enum { FORMAT_VERSION = 1 };

/* ---- writing ---- */

static void put_u32(gb_bytes *o, uint32_t v) { gb_bytes_put_le(o, v, 4); }
static void put_u64(gb_bytes *o, uint64_t v) { gb_bytes_put_le(o, v, 8); }
static void put_i64(gb_bytes *o, int64_t v) { gb_bytes_put_le(o, (uint64_t)v, 8); }

static void put_f64(gb_bytes *o, double v) {
  uint64_t bits;
  memcpy(&bits, &v, sizeof bits);
  put_u64(o, bits);
}

static void put_str(gb_bytes *o, const char *s) {
  size_t len = strlen(s);
  gb_bytes_put_le(o, len, 1); /* every string is at most 63 bytes */
  uint8_t *at = gb_bytes_room(o, len);
  if (at)
    memcpy(at, s, len);
}

static void put_header(gb_bytes *o, const gb_cube *c) {
  const gb_cube_config *cfg = &c->cfg;
  uint8_t *at = gb_bytes_room(o, sizeof MAGIC);
  if (at)
    memcpy(at, MAGIC, sizeof MAGIC);
  put_u32(o, FORMAT_VERSION);
  put_i64(o, cfg->bucket_ms);
  put_u32(o, (uint32_t)cfg->day_offset_min);
  put_u32(o, cfg->measures);
  put_u32(o, cfg->distinct_exact_max);
  put_u32(o, (uint32_t)cfg->hll_precision);
  put_f64(o, cfg->quantile_accuracy);
  put_u32(o, (uint32_t)cfg->n_dims);
  for (size_t d = 0; d < cfg->n_dims; d++)
    put_str(o, cfg->dims[d]);
  for (size_t d = 0; d < cfg->n_dims; d++) {
    put_u32(o, (uint32_t)c->dicts[d].n - 1); /* code 0, the empty value, is implied */
    for (size_t code = 1; code < c->dicts[d].n; code++)
      put_str(o, c->dicts[d].values[code].s);
  }
  put_u64(o, c->events);
  put_i64(o, c->events ? c->first_ts : 0);
  put_i64(o, c->events ? c->last_ts : 0);
  put_u64(o, c->n_cells);
}

#define PUT_SKETCH(o, kind, sketch)                                                                \
  do {                                                                                             \
    size_t len_ = gb_##kind##_serialized_size(sketch);                                             \
    put_u32((o), (uint32_t)len_);                                                                  \
    uint8_t *at_ = gb_bytes_room((o), len_);                                                       \
    if (at_)                                                                                       \
      gb_##kind##_serialize((sketch), at_);                                                        \
  } while (0)

static void put_cells(gb_bytes *o, const gb_cube *c) {
  size_t nd = c->cfg.n_dims;
  for (size_t i = 0; i < c->n_cells && !o->failed; i++) {
    const cube_cell *cell = &c->cells[i];
    put_i64(o, cell->bucket_start_ms);
    for (size_t d = 0; d < nd; d++)
      put_u32(o, c->codes[i * nd + d]);
    put_u64(o, cell->count);
    put_u64(o, cell->n_values);
    put_i64(o, cell->sum_milli);
    put_i64(o, cell->min_milli);
    put_i64(o, cell->max_milli);
    if (cell->players)
      PUT_SKETCH(o, distinct, cell->players);
    if (cell->values)
      PUT_SKETCH(o, ddsketch, cell->values);
  }
}

int gb_cube_encode(const gb_cube *c, uint8_t **out, size_t *len, gb_err *err) {
  gb_bytes o = {0};
  put_header(&o, c);
  put_cells(&o, c);
  if (o.failed) {
    free(o.b);
    return gb_err_set(err, GB_ERR_RUNTIME, "out of memory encoding a stats cube");
  }
  *out = o.b;
  *len = o.n;
  return 0;
}

int gb_cube_save(gb_cube *c, const char *path, gb_err *err) {
  uint8_t *b = NULL;
  size_t n = 0;
  if (gb_cube_canonicalize(c, err) != 0 || gb_cube_encode(c, &b, &n, err) != 0)
    return -1;
  gb_afile *f;
  if (gb_afile_open(path, &f, err) != 0) {
    free(b);
    return -1;
  }
  fwrite(b, 1, n, gb_afile_stream(f));
  free(b);
  return gb_afile_commit(f, err);
}

/* ---- reading ---- */

typedef struct in_buf {
  const uint8_t *at, *end;
  const char *path;
  gb_err *err;
  bool failed;
} in_buf;

static bool need(in_buf *in, size_t len, const char *what) {
  if (in->failed)
    return false;
  if ((size_t)(in->end - in->at) < len) {
    in->failed = true;
    gb_err_set(in->err, GB_ERR_INPUT, "%s: truncated stats cube (in %s)", in->path, what);
    return false;
  }
  return true;
}

static uint64_t get_le(in_buf *in, size_t bytes, const char *what) {
  if (!need(in, bytes, what))
    return 0;
  uint64_t v = gb_bytes_get_le(in->at, bytes);
  in->at += bytes;
  return v;
}

static uint32_t get_u32(in_buf *in, const char *what) { return (uint32_t)get_le(in, 4, what); }
static uint64_t get_u64(in_buf *in, const char *what) { return get_le(in, 8, what); }
static int64_t get_i64(in_buf *in, const char *what) { return (int64_t)get_le(in, 8, what); }

static double get_f64(in_buf *in, const char *what) {
  uint64_t bits = get_u64(in, what);
  double v;
  memcpy(&v, &bits, sizeof v);
  return v;
}

/* A string of at most max bytes into out (max + 1 bytes). */
static void get_str(in_buf *in, char *out, size_t max, const char *what) {
  size_t len = (size_t)get_le(in, 1, what);
  out[0] = '\0';
  if (in->failed)
    return;
  if (len > max || len == 0) {
    in->failed = true;
    gb_err_set(in->err, GB_ERR_INPUT, "%s: bad string length %zu in %s", in->path, len, what);
    return;
  }
  if (!need(in, len, what))
    return;
  memcpy(out, in->at, len);
  out[len] = '\0';
  in->at += len;
}

/* Marks the input bad: "<path>: <reason>". */
static int fail(in_buf *in, const char *reason) {
  in->failed = true;
  return gb_err_set(in->err, GB_ERR_INPUT, "%s: %s", in->path, reason);
}

static int get_config(in_buf *in, gb_cube_config *cfg) {
  if (!need(in, sizeof MAGIC, "the header") || memcmp(in->at, MAGIC, sizeof MAGIC) != 0)
    return in->failed ? -1 : fail(in, "not a gamebench stats cube");
  in->at += sizeof MAGIC;
  uint32_t version = get_u32(in, "the header");
  if (!in->failed && version != FORMAT_VERSION)
    return gb_err_set(in->err, GB_ERR_INPUT, "%s: stats cube format %u, this gamebench reads %d",
                      in->path, version, FORMAT_VERSION);
  *cfg = (gb_cube_config){0};
  cfg->bucket_ms = get_i64(in, "the header");
  cfg->day_offset_min = (int32_t)get_u32(in, "the header");
  cfg->measures = get_u32(in, "the header");
  cfg->distinct_exact_max = get_u32(in, "the header");
  cfg->hll_precision = (int)get_u32(in, "the header");
  cfg->quantile_accuracy = get_f64(in, "the header");
  cfg->n_dims = get_u32(in, "the header");
  if (!in->failed && cfg->n_dims > GB_CUBE_DIMS_MAX)
    return fail(in, "too many dimensions");
  for (size_t d = 0; d < cfg->n_dims; d++)
    get_str(in, cfg->dims[d], GB_CUBE_DIM_NAME_MAX, "a dimension name");
  return in->failed ? -1 : 0;
}

static int get_values(in_buf *in, gb_cube *c) {
  char value[GB_CUBE_VALUE_MAX + 1];
  for (size_t d = 0; d < c->cfg.n_dims && !in->failed; d++) {
    uint32_t n = get_u32(in, "a dimension's values");
    for (uint32_t i = 0; i < n && !in->failed; i++) {
      get_str(in, value, GB_CUBE_VALUE_MAX, "a dimension value");
      if (in->failed)
        break;
      long code = gb_cube_intern(c, d, value, strlen(value), in->err);
      if (code < 0)
        return -1;
      if ((uint32_t)code != i + 1)
        return fail(in, "a dimension value appears twice");
    }
  }
  return in->failed ? -1 : 0;
}

#define GET_SKETCH(in, kind, out)                                                                  \
  do {                                                                                             \
    uint32_t len_ = get_u32((in), "a cell");                                                       \
    size_t used_;                                                                                  \
    if (!need((in), len_, "a cell"))                                                               \
      return -1;                                                                                   \
    gb_##kind##_free(*(out));                                                                      \
    *(out) = NULL;                                                                                 \
    if (gb_##kind##_deserialize((in)->at, len_, (out), &used_, (in)->err) != 0 || used_ != len_)   \
      return fail((in), "a cell's " #kind " sketch is corrupt");                                   \
    (in)->at += len_;                                                                              \
  } while (0)

static int get_cells(in_buf *in, gb_cube *c, uint64_t n_cells) {
  size_t nd = c->cfg.n_dims;
  uint32_t codes[GB_CUBE_DIMS_MAX];
  for (uint64_t i = 0; i < n_cells && !in->failed; i++) {
    int64_t bucket = get_i64(in, "a cell");
    for (size_t d = 0; d < nd; d++) {
      codes[d] = get_u32(in, "a cell");
      if (!in->failed && codes[d] >= c->dicts[d].n)
        return fail(in, "a cell has an unknown dimension value code");
    }
    if (in->failed)
      break;
    long at = gb_cube_cell_for(c, bucket, codes, in->err);
    if (at < 0)
      return -1;
    if ((uint64_t)at != i)
      return fail(in, "two cells have the same key");
    cube_cell *cell = &c->cells[at];
    cell->count = get_u64(in, "a cell");
    cell->n_values = get_u64(in, "a cell");
    cell->sum_milli = get_i64(in, "a cell");
    cell->min_milli = get_i64(in, "a cell");
    cell->max_milli = get_i64(in, "a cell");
    if (cell->players)
      GET_SKETCH(in, distinct, &cell->players);
    if (cell->values)
      GET_SKETCH(in, ddsketch, &cell->values);
  }
  return in->failed ? -1 : 0;
}

static int parse(in_buf *in, gb_cube **out) {
  gb_cube_config cfg;
  if (get_config(in, &cfg) != 0)
    return -1;
  gb_cube *c;
  if (gb_cube_new(&cfg, &c, in->err) != 0)
    return -1; /* the error names the bad field */
  int rc = get_values(in, c);
  if (rc == 0) {
    c->events = get_u64(in, "the header");
    int64_t first = get_i64(in, "the header"), last = get_i64(in, "the header");
    uint64_t n_cells = get_u64(in, "the header");
    if (c->events) {
      c->first_ts = first;
      c->last_ts = last;
    }
    rc = get_cells(in, c, n_cells);
    if (rc == 0 && !in->failed && in->at != in->end)
      rc = fail(in, "unexpected bytes after the last cell");
  }
  if (rc != 0 || in->failed) {
    gb_cube_free(c);
    return -1;
  }
  *out = c;
  return 0;
}

int gb_cube_decode(const void *buf, size_t len, const char *what, gb_cube **out, gb_err *err) {
  in_buf in = {.at = buf, .end = (const uint8_t *)buf + len, .path = what, .err = err};
  return parse(&in, out);
}

int gb_cube_load(const char *path, gb_cube **out, gb_err *err) {
  size_t len;
  uint8_t *b = (uint8_t *)gb_afile_read_all(path, &len, err);
  if (!b)
    return -1;
  in_buf in = {.at = b, .end = b + len, .path = path, .err = err};
  int rc = parse(&in, out);
  free(b);
  return rc;
}
