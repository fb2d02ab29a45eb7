/* gb_cube's internals, shared by gb_cube.c (ingest, merge, canonical order) and gb_cube_io.c
 * (the persisted format). */
#ifndef GB_CUBE_INT_H
#define GB_CUBE_INT_H

#include "gb_cube.h"

/* A dimension's values: value_at[code] (fixed-size, NUL-terminated; code 0 = ""), and an
 * open-addressing index of codes + 1 by value hash. */
typedef struct cube_value {
  char s[GB_CUBE_VALUE_MAX + 1];
} cube_value;

typedef struct cube_dict {
  cube_value *values;
  size_t n, cap;
  uint32_t *slots; /* code + 1; 0 = empty */
  size_t n_slots;  /* a power of two, at least twice n */
} cube_dict;

/* A cell's measures; its key (bucket, codes) lives beside it: codes in a parallel array of
 * n_dims codes per cell, so that the struct keeps one size whatever the dimensions. */
typedef struct cube_cell {
  int64_t bucket_start_ms;
  uint64_t count, n_values;
  int64_t sum_milli, min_milli, max_milli;
  gb_distinct *players;
  gb_ddsketch *values;
} cube_cell;

struct gb_cube {
  gb_cube_config cfg;
  cube_dict dicts[GB_CUBE_DIMS_MAX];
  cube_cell *cells;
  size_t n_cells, cells_cap;
  uint32_t *codes; /* [n_cells * n_dims] */
  size_t codes_cap;
  /* Cells by key hash: the hash's high 32 bits (a tag) << 32 | cell + 1; 0 = empty. A probe
   * reads a colliding cell (most are old ones, out of the caches) only when the tags agree. */
  uint64_t *index;
  size_t index_slots;
  int64_t first_ts, last_ts;
  uint64_t events;
  int64_t hot_bucket, hot_bucket_end; /* the bucket gb_cube_add found last: [start, end) */
};

/* Validates cfg (GB_ERR_INPUT naming the field). */
int gb_cube_check_config(const gb_cube_config *cfg, gb_err *err);

/* The cell of (bucket, codes), created empty when new; returns its index. Set-up paths pass err
 * (and get -1 on out of memory); the hot path passes NULL and dies instead. */
long gb_cube_cell_for(gb_cube *c, int64_t bucket, const uint32_t *codes, gb_err *err);

/* Interns value in dimension dim; -1 only with err non-NULL and out of memory. */
long gb_cube_intern(gb_cube *c, size_t dim, const char *value, size_t len, gb_err *err);

/* The hash of a dimension value (the dictionaries' index). */
uint64_t gb_cube_value_hash(const char *s, size_t len);

/* Rebuilds the cell index after the cells moved (gb_cube_canonicalize, a load). */
int gb_cube_rebuild_index(gb_cube *c, gb_err *err);

#endif
