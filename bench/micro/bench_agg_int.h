/* `gamebench bench aggregator`'s parts shared by bench_agg.c (events, ingest, cube queries, the
 * table) and bench_agg_duckdb.c (the DuckDB reference row). */
#ifndef BENCH_AGG_INT_H
#define BENCH_AGG_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gb_cube.h"
#include "gb_err.h"
#include "gb_event.h"
#include "gb_query.h"

/* The events held in memory (generated before timing) and each one's player slot, assigned by
 * gb_idmap in first-seen order as the engine's pipeline assigns them. */
typedef struct gb_bench_agg_events {
  gb_event *ev;
  uint32_t *slot;
  size_t n, cap, slot_cap;
  size_t players; /* distinct players among them (slots 0 … players-1) */
} gb_bench_agg_events;

enum { GB_BENCH_AGG_QUERIES = 2 /* q1: count, sum; q2: distinct players, p99 */ };

/* What the DuckDB script reported. */
typedef struct gb_bench_agg_duckdb {
  bool ran;         /* false: skipped, `note` says why and how to install what is missing */
  char version[32]; /* DuckDB's */
  int threads;      /* DuckDB's worker threads */
  double load_ms;   /* loading the CSV into a table (not part of any query's latency) */
  size_t events;    /* rows loaded */
  double p50_ms[GB_BENCH_AGG_QUERIES], p99_ms[GB_BENCH_AGG_QUERIES];
  size_t rows[GB_BENCH_AGG_QUERIES];
  bool checked[GB_BENCH_AGG_QUERIES]; /* its answer matched gamebench's */
  char note[512];                     /* a skip's reason, or the script's summary of the check */
} gb_bench_agg_duckdb;

/* Writes the events as CSV and gamebench's answers (answers[i], as CSV) into a temporary folder,
 * runs `python3 script` over them with `runs` timed runs per query, and fills *out. A missing
 * python3, duckdb module or script is not an error: out->ran stays false with the reason in
 * out->note. Returns -1 with GB_ERR_RUNTIME when a file cannot be written, the script fails, or
 * DuckDB's answer differs from gamebench's (the message says where). */
int gb_bench_agg_duckdb_run(const gb_bench_agg_events *e,
                            const gb_query_result *const answers[GB_BENCH_AGG_QUERIES],
                            const gb_cube_config *cube, size_t runs, const char *script,
                            gb_bench_agg_duckdb *out, gb_err *err);

#endif
