/* gb_query: the query language of the stats cube (stats/gb_cube.h), docs/queries.md.
 *
 * One YAML (or JSON) document says which events (a time window and filters on dimensions), how
 * to group them (dimensions and/or time at a granularity) and which measures to compute; the
 * same document is answered from the cube persisted in a results directory (`gamebench query`)
 * and live during a run (`POST /query`).
 *
 * Three steps, so that a server can tell a bad document from a document this cube cannot answer:
 *   gb_query_parse  the document alone: syntax, keys, types, times, durations, measure names,
 *                   the window (from < to; not both from/to and last), order_by naming a group
 *                   key or a measure;
 *   gb_query_bind   against a cube's configuration: dimension names, the measures it keeps, the
 *                   granularity against its bucket, the window and the output zone's group
 *                   starts on its bucket boundaries;
 *   gb_query_run    binds, then scans the cube's cells once and returns the rows.
 * Errors are GB_ERR_INPUT with "SOURCE:LINE: KEY.PATH: reason", e.g.
 *   query.yaml:7: filter.chalenge: unknown dimension (this cube keeps: type, game, challenge)
 * (GB_ERR_RUNTIME only when out of memory or when writing fails).
 *
 * A gb_query is immutable after parsing: one query may be run by several threads at once, each
 * against a cube it has excluded writers from (the cube is not thread-safe). A result owns copies
 * of everything it shows: it outlives the cube and stays valid while the cube changes. */
#ifndef GB_QUERY_H
#define GB_QUERY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "gb_cube.h"
#include "gb_err.h"

typedef struct gb_query gb_query;

enum { GB_QUERY_CELL_MAX = GB_CUBE_VALUE_MAX + 33 /* bytes that hold any cell's text and NUL */ };

/* Parses and validates the document text[0..len) (no NUL needed) into *out (free it with
 * gb_query_free). source names the text in errors ("query.yaml", "POST /query"; copied).
 * Returns 0, or -1 with GB_ERR_INPUT (GB_ERR_RUNTIME when out of memory); *out is then NULL. */
int gb_query_parse(const char *text, size_t len, const char *source, gb_query **out, gb_err *err);

/* Reads the file at path (up to 1 MiB) and parses it with path as the source. GB_ERR_INPUT when
 * the file cannot be read or is not a valid query. */
int gb_query_load(const char *path, gb_query **out, gb_err *err);

/* Frees q; NULL is a no-op. */
void gb_query_free(gb_query *q);

/* Checks q against a cube configured by cfg: every error gb_query_run would find before
 * scanning. Returns 0, or -1 with GB_ERR_INPUT. */
int gb_query_bind(const gb_query *q, const gb_cube_config *cfg, gb_err *err);

typedef struct gb_query_result gb_query_result;

/* Binds q to cube (as gb_query_bind), scans its cells and computes the rows: grouped, ordered,
 * limited. The cube is only read; it must not change during the call. Returns 0 and *out (free
 * it with gb_query_result_free), or -1: GB_ERR_INPUT for a query the cube cannot answer,
 * GB_ERR_RUNTIME when out of memory or when a group's sum leaves 64-bit milli-units. */
int gb_query_run(const gb_query *q, const gb_cube *cube, gb_query_result **out, gb_err *err);

/* Frees r; NULL is a no-op. */
void gb_query_result_free(gb_query_result *r);

/* The result's shape: columns are the group_by keys in their order, then the measures in
 * theirs, named as the query wrote them ("time", "game", "count", "p99.9"). */
size_t gb_query_result_rows(const gb_query_result *r);
size_t gb_query_result_cols(const gb_query_result *r);
const char *gb_query_result_column(const gb_query_result *r, size_t col);

/* Cells before formatting were reduced (every cell of the cube read, those in the window and
 * passing the filters): for a server's log and for tests. */
size_t gb_query_result_cells_scanned(const gb_query_result *r);
size_t gb_query_result_cells_matched(const gb_query_result *r);

/* Whether the cell (row < rows, col < cols) is null: avg, min, max and quantiles of a group
 * without values. */
bool gb_query_result_is_null(const gb_query_result *r, size_t row, size_t col);

/* Writes the text of a cell into buf (cap bytes, NUL-terminated, cut when cap is too small) and
 * returns its full length: a dimension value as is, a time in ISO-8601 with the query's output
 * offset ("2024-08-20T09:00:00+08:00", "…Z" at UTC), counts and distinct players as integers,
 * sums, minima, maxima and averages as exact decimals of milli-units ("150", "9.99", "-0.5"),
 * quantiles with 6 significant digits; "" for null. GB_QUERY_CELL_MAX bytes hold any cell. */
size_t gb_query_result_cell(const gb_query_result *r, size_t row, size_t col, char *buf,
                            size_t cap);

typedef enum gb_query_format { GB_QUERY_TABLE, GB_QUERY_CSV, GB_QUERY_JSON } gb_query_format;

/* "table", "csv" or "json" into *out: 0, or -1 for any other name (*out unchanged). */
int gb_query_format_parse(const char *name, gb_query_format *out);

/* The names gb_query_format_parse accepts, for messages: "table, csv, json". */
const char *gb_query_format_names(void);

/* Writes r to out:
 *   GB_QUERY_TABLE  aligned columns for a terminal: the header, a rule, one line per row (text
 *                   left-aligned, numbers right-aligned, null as "-");
 *   GB_QUERY_CSV    RFC 4180, the header then one record per row (null as an empty field);
 *   GB_QUERY_JSON   one line {"columns":[...],"rows":[[...],...]}: dimension values and times
 *                   as strings, measures as numbers, null as null.
 * Each ends with a newline. Returns 0, or -1 with GB_ERR_RUNTIME when writing to out fails. */
int gb_query_result_write(const gb_query_result *r, gb_query_format f, FILE *out, gb_err *err);

#endif
