/* gb_query_int.h: the parsed query and what the gb_query_*.c files share: parsing
 * (gb_query_parse*.c), text (gb_query_text.c), binding (gb_query_bind.c), running
 * (gb_query_exec.c) and output (gb_query_out.c). Not a public header. */
#ifndef GB_QUERY_INT_H
#define GB_QUERY_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gb_cube.h"
#include "gb_err.h"
#include "gb_query.h"

enum {
  GBQ_GROUP_MAX = GB_CUBE_DIMS_MAX + 1, /* every dimension and time */
  GBQ_FILTER_MAX = GB_CUBE_DIMS_MAX,
  GBQ_MEASURE_MAX = 32,
  GBQ_ORDER_MAX = GBQ_GROUP_MAX + GBQ_MEASURE_MAX,
  GBQ_NAME_MAX = 23, /* a measure's name as written ("distinct_players", "p99.999") */
  GBQ_TIME_TEXT = 32 /* "2024-08-20T09:00:00+08:00" and its NUL, with room */
};

enum { GBQ_MINUTE_MS = 60000 };

/* ---- The parsed query -------------------------------------------------------------------- */

typedef enum gbq_filter_kind { GBQ_FILTER_SET, GBQ_FILTER_RANGE } gbq_filter_kind;

/* One filter on a dimension: the value is in the set, or in the range [from, to). */
typedef struct gbq_filter {
  char *dim;        /* the dimension's name as written */
  bool from_events; /* written as `events:` (a filter on `type`), for messages */
  size_t line;
  gbq_filter_kind kind;
  char **values; /* SET: n_values values; "" is the empty value (events without one) */
  size_t n_values;
  char *from, *to; /* RANGE: the bounds; NULL when open */
} gbq_filter;

typedef enum gbq_measure_kind {
  GBQ_COUNT,
  GBQ_SUM,
  GBQ_MIN,
  GBQ_MAX,
  GBQ_AVG,
  GBQ_DISTINCT,
  GBQ_QUANTILE
} gbq_measure_kind;

typedef struct gbq_measure {
  gbq_measure_kind kind;
  double q; /* GBQ_QUANTILE: the quantile, 0 < q < 1 */
  char name[GBQ_NAME_MAX + 1];
  size_t line;
} gbq_measure;

/* A group_by key: time or a dimension. */
typedef struct gbq_key {
  char *name;
  bool is_time;
  size_t line;
} gbq_key;

/* An order_by entry: a group key (index into group) or a measure (index into measures). */
typedef struct gbq_order {
  bool is_measure;
  size_t index;
  bool desc;
} gbq_order;

struct gb_query {
  char *source;
  bool has_from, has_to, has_last;
  int64_t from_ms, to_ms, last_ms;
  size_t from_line, to_line, last_line;
  char from_text[GBQ_TIME_TEXT + 8], to_text[GBQ_TIME_TEXT + 8]; /* as written */
  gbq_filter filters[GBQ_FILTER_MAX];
  size_t n_filters;
  gbq_key group[GBQ_GROUP_MAX];
  size_t n_group;
  bool group_listed;    /* written as a list: keys are named group_by[i] */
  bool measures_listed; /* written as a list: measures[i] */
  bool time_grouped;
  int64_t gran_ms; /* when time_grouped: the group width; 0 for `all` */
  size_t gran_line;
  gbq_measure measures[GBQ_MEASURE_MAX];
  size_t n_measures;
  gbq_order order[GBQ_ORDER_MAX];
  size_t n_order; /* 0: the group keys ascending */
  uint64_t limit; /* 0: every row */
  int32_t tz_min; /* output offset, minutes east of UTC */
  size_t tz_line;
};

/* Sets err to "SOURCE:LINE: PATH: reason" (without ":LINE" when line is 0, without "PATH: "
 * when path is empty), GB_ERR_INPUT; returns -1. */
int gb_query_fail(const char *source, size_t line, const char *path, gb_err *err, const char *fmt,
                  ...) __attribute__((format(printf, 5, 6)));

/* The key path naming filter f in messages: "events" or "filter.NAME". */
void gb_query_filter_path(const gbq_filter *f, char *buf, size_t cap);

/* ---- Text: times, offsets, durations, decimals (gb_query_text.c) ------------------------ */

/* Parses "YYYY-MM-DDTHH:MM:SS[.fff](Z|±HH:MM)" into ms since the epoch. On failure writes the
 * reason ("has no UTC offset (add Z or +08:00)", "no day 30 in 2024-02", ...) into why. */
int gb_query_time_parse(const char *s, int64_t *ms, char *why, size_t why_cap);

/* Formats ms as "YYYY-MM-DDTHH:MM:SS" with the offset tz_min ("+08:00", "Z" at 0). Returns
 * the length. buf needs GBQ_TIME_TEXT bytes. */
size_t gb_query_time_format(int64_t ms, int32_t tz_min, char *buf, size_t cap);

/* Parses "Z", "UTC" or "±HH:MM" (-12:00 … +14:00) into minutes east of UTC. */
int gb_query_offset_parse(const char *s, int32_t *min);

/* Formats an offset as "+08:00" / "-05:30" / "+00:00". */
void gb_query_offset_format(int32_t min, char *buf, size_t cap);

/* Parses "N" followed by s, m, h or d (N > 0), or "second", "minute", "hour", "day" alone,
 * into ms (at most 366 days). */
int gb_query_duration_parse(const char *s, int64_t *ms);

/* Formats ms in the largest unit dividing it: "1h", "90s", "1d". */
void gb_query_duration_format(int64_t ms, char *buf, size_t cap);

/* Formats milli-units as an exact decimal without trailing zeros ("150", "9.99", "-0.5").
 * Returns the length; buf needs 24 bytes. */
size_t gb_query_milli_format(int64_t milli, char *buf, size_t cap);

/* Formats v with 6 significant digits, in fixed notation without trailing zeros ("1234.57",
 * "0.000123457"; with an exponent below 1e-6 and from 1e15 on: "2e+20", "1.5e-07"). Returns the
 * length; buf needs 32 bytes. */
size_t gb_query_real_format(double v, char *buf, size_t cap);

/* Parses a whole decimal number (strtod, "C" digits only: no hex, inf or nan). */
bool gb_query_number_parse(const char *s, double *out);

/* ---- Binding (gb_query_bind.c) ----------------------------------------------------------- */

/* The query resolved against a cube's configuration. */
typedef struct gbq_plan {
  int filter_dim[GBQ_FILTER_MAX]; /* per filter: the cube's dimension */
  int group_dim[GBQ_GROUP_MAX];   /* per group key: the cube's dimension, -1 for time */
  size_t n_group_dims;            /* group keys that are dimensions */
  int64_t bucket_ms;
  int32_t cube_offset_min;
} gbq_plan;

int gb_query_plan(const gb_query *q, const gb_cube_config *cfg, gbq_plan *plan, gb_err *err);

/* ---- The result (built by gb_query_exec.c, read by gb_query_out.c) ---------------------- */

typedef enum gbq_col_kind {
  GBQ_COL_TIME,  /* i: ms since the epoch */
  GBQ_COL_DIM,   /* s: offset of the NUL-terminated value in the result's pool */
  GBQ_COL_INT,   /* i: a count */
  GBQ_COL_MILLI, /* i: milli-units */
  GBQ_COL_REAL   /* d: a quantile */
} gbq_col_kind;

typedef struct gbq_cell {
  union {
    int64_t i;
    double d;
    size_t s;
  } v;
  bool null;
} gbq_cell;

struct gb_query_result {
  size_t n_cols, n_rows;
  char *names[GBQ_GROUP_MAX + GBQ_MEASURE_MAX];
  gbq_col_kind kinds[GBQ_GROUP_MAX + GBQ_MEASURE_MAX];
  gbq_cell *cells; /* n_rows * n_cols, row-major */
  char *pool;      /* dimension values */
  size_t pool_len, pool_cap;
  int32_t tz_min;
  size_t scanned, matched;
};

#endif
