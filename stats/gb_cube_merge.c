/* Merging cubes and putting one in canonical order (gb_cube.h). */
#include <stdlib.h>
#include <string.h>

#include "gb_cube.h"
#include "gb_cube_int.h"

static bool same_config(const gb_cube_config *a, const gb_cube_config *b) {
  if (a->bucket_ms != b->bucket_ms || a->day_offset_min != b->day_offset_min ||
      a->n_dims != b->n_dims || a->measures != b->measures)
    return false;
  if ((a->measures & GB_CUBE_DISTINCT) &&
      (a->distinct_exact_max != b->distinct_exact_max || a->hll_precision != b->hll_precision))
    return false;
  if ((a->measures & GB_CUBE_QUANTILES) && a->quantile_accuracy != b->quantile_accuracy)
    return false;
  for (size_t d = 0; d < a->n_dims; d++)
    if (strcmp(a->dims[d], b->dims[d]) != 0)
      return false;
  return true;
}

/* map[d][src code] = dst code, for every dimension. */
static int translate_codes(gb_cube *dst, const gb_cube *src, uint32_t **map, gb_err *err) {
  for (size_t d = 0; d < src->cfg.n_dims; d++) {
    map[d] = malloc(src->dicts[d].n * sizeof *map[d]);
    if (!map[d])
      return gb_err_set(err, GB_ERR_RUNTIME, "out of memory merging stats cubes");
    for (size_t code = 0; code < src->dicts[d].n; code++) {
      const char *s = src->dicts[d].values[code].s;
      long to = gb_cube_intern(dst, d, s, strlen(s), err);
      if (to < 0)
        return -1;
      map[d][code] = (uint32_t)to;
    }
  }
  return 0;
}

static int merge_cell(cube_cell *to, const cube_cell *from, gb_err *err) {
  to->count += from->count;
  to->n_values += from->n_values;
  to->sum_milli += from->sum_milli;
  if (from->min_milli < to->min_milli)
    to->min_milli = from->min_milli;
  if (from->max_milli > to->max_milli)
    to->max_milli = from->max_milli;
  if (to->players && gb_distinct_merge(to->players, from->players, err) != 0)
    return -1;
  if (to->values && gb_ddsketch_merge(to->values, from->values, err) != 0)
    return -1;
  return 0;
}

static int merge_cells(gb_cube *dst, const gb_cube *src, uint32_t **map, gb_err *err) {
  size_t nd = src->cfg.n_dims;
  uint32_t codes[GB_CUBE_DIMS_MAX];
  for (size_t i = 0; i < src->n_cells; i++) {
    for (size_t d = 0; d < nd; d++)
      codes[d] = map[d][src->codes[i * nd + d]];
    long at = gb_cube_cell_for(dst, src->cells[i].bucket_start_ms, codes, err);
    if (at < 0 || merge_cell(&dst->cells[at], &src->cells[i], err) != 0)
      return -1;
  }
  return 0;
}

int gb_cube_merge(gb_cube *dst, const gb_cube *src, gb_err *err) {
  if (!same_config(&dst->cfg, &src->cfg))
    return gb_err_set(err, GB_ERR_INPUT, "stats cubes with different configurations");
  uint32_t *map[GB_CUBE_DIMS_MAX] = {0};
  int rc = translate_codes(dst, src, map, err);
  if (rc == 0)
    rc = merge_cells(dst, src, map, err);
  for (size_t d = 0; d < src->cfg.n_dims; d++)
    free(map[d]);
  if (rc != 0)
    return -1;
  dst->events += src->events;
  if (src->first_ts < dst->first_ts)
    dst->first_ts = src->first_ts;
  if (src->last_ts > dst->last_ts)
    dst->last_ts = src->last_ts;
  return 0;
}

/* ---- canonical order ---- */

typedef struct sorted_value {
  cube_value v;
  uint32_t old_code;
} sorted_value;

static int by_value(const void *a, const void *b) {
  return strcmp(((const sorted_value *)a)->v.s, ((const sorted_value *)b)->v.s);
}

/* Renumbers dimension d's values in byte order; renumber[old] = new. */
static int sort_dict(gb_cube *c, size_t d, uint32_t *renumber, gb_err *err) {
  cube_dict *dict = &c->dicts[d];
  sorted_value *sv = malloc(dict->n * sizeof *sv);
  if (!sv)
    return gb_err_set(err, GB_ERR_RUNTIME, "out of memory sorting a stats cube");
  for (size_t i = 0; i < dict->n; i++)
    sv[i] = (sorted_value){.v = dict->values[i], .old_code = (uint32_t)i};
  qsort(sv, dict->n, sizeof *sv, by_value);
  for (size_t i = 0; i < dict->n; i++) {
    dict->values[i] = sv[i].v;
    renumber[sv[i].old_code] = (uint32_t)i;
  }
  free(sv);
  /* Same values, new codes: the index maps value → code, so it is rebuilt from scratch. */
  memset(dict->slots, 0, dict->n_slots * sizeof *dict->slots);
  size_t mask = dict->n_slots - 1;
  for (size_t code = 0; code < dict->n; code++) {
    const char *s = dict->values[code].s;
    size_t at = gb_cube_value_hash(s, strlen(s)) & mask;
    while (dict->slots[at])
      at = (at + 1) & mask;
    dict->slots[at] = (uint32_t)code + 1;
  }
  return 0;
}

/* qsort_r's comparison of two cell numbers: bucket, then each dimension's code (after
 * renumber_dims, code order is byte order). Keys are unique, so the order is total and any
 * sort gives the same result. */
static int compare_cells(const void *pa, const void *pb, void *ctx) {
  const gb_cube *c = ctx;
  uint32_t a = *(const uint32_t *)pa, b = *(const uint32_t *)pb;
  int64_t ba = c->cells[a].bucket_start_ms, bb = c->cells[b].bucket_start_ms;
  if (ba != bb)
    return ba < bb ? -1 : 1;
  size_t nd = c->cfg.n_dims;
  for (size_t d = 0; d < nd; d++) {
    uint32_t ca = c->codes[a * nd + d], cb = c->codes[b * nd + d];
    if (ca != cb)
      return ca < cb ? -1 : 1;
  }
  return 0;
}

/* Puts cells in the order given (order[k] = the cell that goes to place k). */
static int permute_cells(gb_cube *c, const uint32_t *order, gb_err *err) {
  size_t n = c->n_cells, nd = c->cfg.n_dims;
  cube_cell *cells = malloc((n ? n : 1) * sizeof *cells);
  uint32_t *codes = malloc((n * nd > 0 ? n * nd : 1) * sizeof *codes);
  if (!cells || !codes) {
    free(cells);
    free(codes);
    return gb_err_set(err, GB_ERR_RUNTIME, "out of memory sorting a stats cube");
  }
  for (size_t k = 0; k < n; k++) {
    cells[k] = c->cells[order[k]];
    if (nd)
      memcpy(&codes[k * nd], &c->codes[order[k] * nd], nd * sizeof *codes);
  }
  if (n > 0) /* an empty cube has no array yet: memcpy's pointers must be valid even for 0 */
    memcpy(c->cells, cells, n * sizeof *cells);
  if (n * nd > 0)
    memcpy(c->codes, codes, n * nd * sizeof *codes);
  free(cells);
  free(codes);
  return 0;
}

static int renumber_dims(gb_cube *c, gb_err *err) {
  size_t nd = c->cfg.n_dims;
  for (size_t d = 0; d < nd; d++) {
    uint32_t *renumber = malloc(c->dicts[d].n * sizeof *renumber);
    if (!renumber)
      return gb_err_set(err, GB_ERR_RUNTIME, "out of memory sorting a stats cube");
    if (sort_dict(c, d, renumber, err) != 0) {
      free(renumber);
      return -1;
    }
    for (size_t i = 0; i < c->n_cells; i++)
      c->codes[i * nd + d] = renumber[c->codes[i * nd + d]];
    free(renumber);
  }
  return 0;
}

int gb_cube_canonicalize(gb_cube *c, gb_err *err) {
  if (renumber_dims(c, err) != 0)
    return -1;
  size_t n = c->n_cells;
  uint32_t *order = malloc((n ? n : 1) * sizeof *order);
  if (!order)
    return gb_err_set(err, GB_ERR_RUNTIME, "out of memory sorting a stats cube");
  for (size_t i = 0; i < n; i++)
    order[i] = (uint32_t)i;
  qsort_r(order, n, sizeof *order, compare_cells, c);
  int rc = permute_cells(c, order, err);
  free(order);
  if (rc != 0 || n == 0)
    return rc;
  return gb_cube_rebuild_index(c, err);
}
