/* `gamebench bench aggregator`: the stats aggregator's ingest rate per core for five cube
 * configurations side by side (gb_agg_update with GB_AGG_COUNT into the stats cube), the
 * latency of two queries over the cube of one sim day (gb_query_run), and DuckDB running the
 * same queries over the raw events as the reference (bench_agg_duckdb.c). docs/benchmarks.md
 * records the numbers against the targets: >= 10 M events/s per core with counters and sums,
 * >= 3 M with distinct players and quantiles, query p99 <= 1 ms, >= 10x DuckDB. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_agg_int.h"
#include "gb_agg.h"
#include "gb_arms.h"
#include "gb_benches.h"
#include "gb_clock.h"
#include "gb_grow.h"
#include "gb_idmap.h"
#include "gb_opts.h"
#include "gb_prefetch.h"
#include "gb_quantile.h"
#include "gb_sim.h"

/* The targets, and Druid's published ingestion rate per core that the issue quotes. */
#define SUMS_TARGET_EPS 10e6
#define SKETCHES_TARGET_EPS 3e6
#define QUERY_TARGET_MS 1.0
#define DUCKDB_TARGET_RATIO 10.0
#define DRUID_EPS_PER_CORE 0.8e6

enum {
  DEFAULT_PLAYERS = 100000,
  DEFAULT_REPEAT = 5, /* odd: a true median */
  MAX_REPEAT = 101,
  DEFAULT_QUERIES = 200,
  WARMUP_QUERIES = 5, /* untimed runs before the timed ones (the script does the same) */
  PREFETCH_AHEAD = 8, /* events between a player's prefetch and its update */
  FIRST_EVENTS = 1 << 16
};

/* 2026-01-05T12:00:00Z: the default workload's start (the evening peak in China); one sim day. */
#define SIM_START_MS 1767614400000LL
#define SIM_DAY_MS 86400000LL

static const char details[] =
    "Events: the player simulator's stream (gb_sim, open loop, the default population model)\n"
    "for one sim day from 2026-01-05T12:00:00Z, generated before timing and held in memory as\n"
    "gb_events (about 200 bytes each), each player's slot assigned in first-seen order by\n"
    "gb_idmap as the engine does. --events N keeps the first N events of the day.\n\n"
    "Ingest: each repetition creates an aggregator (not timed) and passes every event to\n"
    "gb_agg_update(GB_AGG_COUNT), prefetching the player's state 8 events ahead as the\n"
    "pipeline does, and the event too (in the engine it was just decoded: it is in cache).\n"
    "Timed with the thread's CPU time (CLOCK_THREAD_CPUTIME_ID): events/s per core. Every\n"
    "event must be counted. The configurations take turns within each repetition, so that a\n"
    "change in the machine's load hits them alike. Rows: no cube (keep=false: player state\n"
    "and per-game counters only); dimensions [type, game], bucket 1m, measures [] (counters\n"
    "and sums); the same + distinct_players; + quantiles; gb_agg_cube_defaults() (dimensions\n"
    "type, game, arm, challenge, reward_type; two arms). Median, min and max of --repeat.\n\n"
    "Queries, over the cube of the fourth row (1m buckets x types x 12 games, one day):\n"
    "  q1  events: game_end, group_by [game, time], granularity 1h, measures [count, sum]\n"
    "  q2  the same with measures [count, distinct_players, p99]\n"
    "parsed once, then --queries timed runs of gb_query_run each after 5 untimed: p50 and p99\n"
    "of the wall time (the latency) and of the thread's CPU time (the query's own cost).\n\n"
    "DuckDB: the events go to a temporary CSV file; bench/duckdb/aggregate_query.py (python3,\n"
    "DuckDB from PyPI) loads them, times the same queries in SQL over the raw events (load\n"
    "excluded; q2 with DuckDB's sketches approx_count_distinct and approx_quantile) and checks\n"
    "its answers against gamebench's: a difference fails the bench (exit 1). Without python3\n"
    "or duckdb a line says how to install it and the row is skipped (exit 0).\n";

/* ---- events ---- */

static int add_event(gb_bench_agg_events *e, gb_idmap *ids, const gb_event *ev, gb_err *err) {
  if (GB_GROW(e->ev, e->cap, e->n + 1, FIRST_EVENTS, "events", err) != 0 ||
      GB_GROW(e->slot, e->slot_cap, e->n + 1, FIRST_EVENTS, "event slots", err) != 0)
    return -1;
  e->ev[e->n] = *ev;
  e->slot[e->n] = gb_idmap_slot(ids, ev->player_id, NULL);
  e->n++;
  return 0;
}

/* One sim day of players' events (the first max_events of it when max_events > 0). */
static int generate(uint64_t seed, uint32_t players, size_t max_events, gb_bench_agg_events *e,
                    gb_err *err) {
  gb_sim_model model = gb_sim_model_defaults();
  gb_sim_config cfg = {.seed = seed,
                       .players = players,
                       .start_ms = SIM_START_MS,
                       .duration_ms = SIM_DAY_MS,
                       .n_producers = 1,
                       .response = gb_response_defaults(),
                       .model = &model};
  gb_sim *s = NULL;
  gb_idmap *ids = NULL;
  if (gb_sim_new(&cfg, &s, err) != 0 || gb_idmap_new(players, &ids, err) != 0) {
    gb_sim_free(s);
    return -1;
  }
  gb_event ev;
  int rc = 0;
  while (rc == 0 && (max_events == 0 || e->n < max_events) &&
         gb_sim_next(s, INT64_MAX, &ev) == GB_SIM_EVENT)
    rc = add_event(e, ids, &ev, err);
  e->players = gb_idmap_count(ids);
  gb_idmap_free(ids);
  gb_sim_free(s);
  if (rc == 0 && e->n == 0)
    rc = gb_err_set(err, GB_ERR_INPUT, "the simulator produced no event");
  return rc;
}

static void events_free(gb_bench_agg_events *e) {
  free(e->ev);
  free(e->slot);
}

/* "game_end 35.1 %, game_start 35.1 %, …": the mix, most frequent first. */
static void print_mix(const gb_bench_agg_events *e) {
  uint64_t count[GB_EV__COUNT] = {0};
  for (size_t i = 0; i < e->n; i++)
    count[e->ev[i].type]++;
  for (bool first = true;; first = false) {
    int best = -1;
    for (int t = 0; t < GB_EV__COUNT; t++)
      if (count[t] && (best < 0 || count[t] > count[best]))
        best = t;
    if (best < 0)
      break;
    printf("%s%s %.1f %%", first ? "  mix: " : ", ", gb_event_type_name((gb_event_type)best),
           100.0 * (double)count[best] / (double)e->n);
    count[best] = 0;
  }
  printf("\n");
}

/* ---- ingest ---- */

typedef enum cube_kind {
  CUBE_NONE,
  CUBE_SUMS,
  CUBE_DISTINCT,
  CUBE_SKETCHES,
  CUBE_DEFAULTS,
  N_KINDS
} cube_kind;

static const char *const kind_names[N_KINDS] = {
    [CUBE_NONE] = "no cube (keep=false)",        [CUBE_SUMS] = "counters, sums [type, game]",
    [CUBE_DISTINCT] = "+ distinct_players",      [CUBE_SKETCHES] = "+ distinct, quantiles",
    [CUBE_DEFAULTS] = "defaults (5 dimensions)",
};

/* --config's names of the kinds. */
static const char *const kind_keys[N_KINDS] = {"none", "sums", "distinct", "quantiles", "defaults"};

static const double kind_targets[N_KINDS] = {
    [CUBE_SUMS] = SUMS_TARGET_EPS,
    [CUBE_SKETCHES] = SKETCHES_TARGET_EPS,
    [CUBE_DEFAULTS] = SKETCHES_TARGET_EPS,
};

static gb_agg_cube_config cube_of(cube_kind k) {
  gb_agg_cube_config c = gb_agg_cube_defaults(); /* bucket 1m, the default sketches' settings */
  if (k == CUBE_NONE)
    c.keep = false;
  if (k == CUBE_DEFAULTS || k == CUBE_NONE)
    return c;
  c.dims[0] = GB_AGG_DIM_TYPE;
  c.dims[1] = GB_AGG_DIM_GAME;
  c.n_dims = 2;
  c.distinct_players = k >= CUBE_DISTINCT;
  c.quantiles = k >= CUBE_SKETCHES;
  return c;
}

typedef struct bench {
  gb_bench_agg_events events;
  gb_arms *arms; /* the default workload's two arms, for the defaults' arm dimension */
  int repeat;
  int only; /* the one kind measured (--config), or -1: all, and the queries */
  size_t queries;
  double eps[N_KINDS][MAX_REPEAT];
  double median[N_KINDS], min[N_KINDS], max[N_KINDS];
} bench;

static int new_agg(const bench *b, cube_kind k, gb_agg **out, gb_err *err) {
  gb_agg_config cfg = {.expected_players = b->events.players, .arms = b->arms, .cube = cube_of(k)};
  return gb_agg_new(&cfg, out, err);
}

/* Every event through the aggregator; returns the thread CPU time in ns. The player's state is
 * prefetched ahead as the pipeline does (gb_agg_prefetch while the event decodes), and so is
 * the event: in the engine it has just been decoded and is in cache, here it would otherwise
 * stream from a 0.5 GB array and time the memory rather than the aggregator. */
static int64_t ingest(gb_agg *a, const gb_bench_agg_events *e) {
  size_t n = e->n;
  int64_t t0 = gb_clock_thread_cpu_ns();
  for (size_t i = 0; i < n; i++) {
    if (i + PREFETCH_AHEAD < n) {
      gb_prefetch_span(&e->ev[i + PREFETCH_AHEAD], sizeof e->ev[0]);
      gb_agg_prefetch(a, e->slot[i + PREFETCH_AHEAD]);
    }
    gb_agg_update(a, e->slot[i], &e->ev[i], GB_AGG_COUNT);
  }
  return gb_clock_thread_cpu_ns() - t0;
}

/* The aggregator counted every event once, in the cube too when it keeps one. */
static int check_counts(const gb_agg *a, const gb_bench_agg_events *e, gb_err *err) {
  uint64_t counted = 0;
  for (int t = 0; t < GB_EV__COUNT; t++)
    counted += gb_agg_type_count(a, (gb_event_type)t);
  const gb_cube *c = gb_agg_cube(a);
  uint64_t in_cube = c ? gb_cube_events(c) + gb_agg_events_late(a) : e->n;
  if (counted != e->n || in_cube != e->n)
    return gb_err_set(err, GB_ERR_RUNTIME,
                      "the aggregator counted %" PRIu64 " events (%" PRIu64 " in the cube) of %zu",
                      counted, in_cube, e->n);
  return 0;
}

static bool measured(const bench *b, int k) { return b->only < 0 || b->only == k; }

static int measure_ingest(bench *b, gb_err *err) {
  for (int r = 0; r < b->repeat; r++)
    for (int k = 0; k < N_KINDS; k++) {
      if (!measured(b, k))
        continue;
      gb_agg *a = NULL;
      if (new_agg(b, (cube_kind)k, &a, err) != 0)
        return -1;
      int64_t ns = ingest(a, &b->events);
      int rc = check_counts(a, &b->events, err);
      gb_agg_free(a);
      if (rc != 0)
        return -1;
      b->eps[k][r] = (double)b->events.n / ((double)ns / 1e9);
    }
  for (int k = 0; k < N_KINDS; k++) {
    if (!measured(b, k))
      continue;
    b->median[k] = gb_quantile_median(b->eps[k], (size_t)b->repeat); /* sorts */
    b->min[k] = b->eps[k][0];
    b->max[k] = b->eps[k][b->repeat - 1];
  }
  return 0;
}

/* ---- queries ---- */

static const char *const query_names[GB_BENCH_AGG_QUERIES] = {"count, sum", "distinct, p99"};
static const char *const query_texts[GB_BENCH_AGG_QUERIES] = {
    "events: game_end\ngroup_by: [game, time]\ngranularity: 1h\nmeasures: [count, sum]\n",
    "events: game_end\ngroup_by: [game, time]\ngranularity: 1h\n"
    "measures: [count, distinct_players, p99]\n",
};

/* A query's latency over its runs: wall time (what a client waits), and the thread's CPU time
 * (what the query costs, without the time a shared machine keeps it waiting for a core). */
typedef struct latency {
  double p50_ms, p99_ms, cpu_p50_ms, cpu_p99_ms;
  size_t rows, cells_scanned, cells_matched;
} latency;

static void quantiles(double *ms, size_t n, double *p50, double *p99) {
  *p50 = gb_quantile(ms, n, 0.5); /* sorts */
  *p99 = gb_quantile_sorted(ms, n, 0.99);
}

/* `runs` timed runs of q over cube; *answer keeps the last result. */
static int time_query(const gb_query *q, const gb_cube *cube, size_t runs, latency *out,
                      gb_query_result **answer, gb_err *err) {
  double *ms = malloc(2 * runs * sizeof *ms), *cpu_ms = ms + runs;
  if (!ms)
    return gb_err_set(err, GB_ERR_RUNTIME, "out of memory");
  int rc = 0;
  gb_query_result *r = NULL;
  for (size_t i = 0; rc == 0 && i < WARMUP_QUERIES + runs; i++) {
    gb_query_result_free(r);
    r = NULL;
    int64_t c0 = gb_clock_thread_cpu_ns(), t0 = gb_clock_now_ns();
    rc = gb_query_run(q, cube, &r, err);
    int64_t t1 = gb_clock_now_ns(), c1 = gb_clock_thread_cpu_ns();
    if (i >= WARMUP_QUERIES) {
      ms[i - WARMUP_QUERIES] = (double)(t1 - t0) / 1e6;
      cpu_ms[i - WARMUP_QUERIES] = (double)(c1 - c0) / 1e6;
    }
  }
  if (rc == 0) {
    quantiles(ms, runs, &out->p50_ms, &out->p99_ms);
    quantiles(cpu_ms, runs, &out->cpu_p50_ms, &out->cpu_p99_ms);
    out->rows = gb_query_result_rows(r);
    out->cells_scanned = gb_query_result_cells_scanned(r);
    out->cells_matched = gb_query_result_cells_matched(r);
    *answer = r;
  } else {
    gb_query_result_free(r);
  }
  free(ms);
  return rc;
}

/* ---- output ---- */

/* The tables as CSV too: names and notes are quoted (they hold commas, never quotes). */
typedef struct report {
  FILE *csv; /* NULL: no --csv */
} report;

static const char *met(bool yes) { return yes ? "met" : "NOT met"; }

static void print_ingest(const bench *b, const report *rep) {
  printf("%-30s %10s %9s %9s %9s  %s\n", "ingest (thread CPU time)", "median_M/s", "min_M/s",
         "max_M/s", "ns/event", "target");
  for (int k = 0; k < N_KINDS; k++) {
    if (!measured(b, k))
      continue;
    char v[64] = "";
    if (kind_targets[k] > 0)
      snprintf(v, sizeof v, ">= %.0f M/s %s", kind_targets[k] / 1e6,
               met(b->median[k] >= kind_targets[k]));
    printf("%-30s %10.2f %9.2f %9.2f %9.1f  %s\n", kind_names[k], b->median[k] / 1e6,
           b->min[k] / 1e6, b->max[k] / 1e6, 1e9 / b->median[k], v);
    if (rep->csv)
      fprintf(rep->csv, "ingest,\"%s\",%d,%.4f,%.4f,%.4f,,,,,M events/s/core,\"%s\"\n",
              kind_names[k], b->repeat, b->median[k] / 1e6, b->min[k] / 1e6, b->max[k] / 1e6, v);
  }
}

/* One line of the query table; cpu: NULL for DuckDB (several threads: no one thread's time). */
static void print_query_row(const report *rep, const char *name, size_t runs, size_t rows,
                            double p50, double p99, const latency *cpu, const char *note) {
  char c50[16] = "-", c99[16] = "-";
  if (cpu) {
    snprintf(c50, sizeof c50, "%.3f", cpu->cpu_p50_ms);
    snprintf(c99, sizeof c99, "%.3f", cpu->cpu_p99_ms);
  }
  printf("%-28s %5zu %5zu %9.3f %9.3f %9s %9s  %s\n", name, runs, rows, p50, p99, c50, c99, note);
  if (rep->csv)
    fprintf(rep->csv, "query,\"%s\",%zu,,,,%.4f,%.4f,%s,%s,ms,\"%s\"\n", name, runs, p50, p99,
            cpu ? c50 : "", cpu ? c99 : "", note);
}

static void print_queries(const bench *b, const latency lat[GB_BENCH_AGG_QUERIES],
                          const gb_bench_agg_duckdb *d, const report *rep) {
  printf("\n%-28s %5s %5s %9s %9s %9s %9s  %s\n", "query", "runs", "rows", "p50_ms", "p99_ms",
         "cpu_p50", "cpu_p99", "target / ratio (wall p50, p99)");
  for (int q = 0; q < GB_BENCH_AGG_QUERIES; q++) {
    char name[64], note[128];
    snprintf(name, sizeof name, "gamebench q%d %s", q + 1, query_names[q]);
    snprintf(note, sizeof note, "p99 <= %.0f ms %s", QUERY_TARGET_MS,
             met(lat[q].p99_ms <= QUERY_TARGET_MS));
    print_query_row(rep, name, b->queries, lat[q].rows, lat[q].p50_ms, lat[q].p99_ms, &lat[q],
                    note);
    if (!d->ran)
      continue;
    double ratio = d->p50_ms[q] / lat[q].p50_ms;
    snprintf(name, sizeof name, "DuckDB q%d (raw events)", q + 1);
    snprintf(note, sizeof note, "gamebench %.1fx, %.1fx faster (>= %.0fx %s)", ratio,
             d->p99_ms[q] / lat[q].p99_ms, DUCKDB_TARGET_RATIO, met(ratio >= DUCKDB_TARGET_RATIO));
    print_query_row(rep, name, b->queries, d->rows[q], d->p50_ms[q], d->p99_ms[q], NULL, note);
  }
}

static void print_summary(const bench *b, const latency lat[GB_BENCH_AGG_QUERIES],
                          const gb_bench_agg_duckdb *d) {
  printf("\ncounters and sums: %.2f M events/s per core, %.1fx Druid's published %.1f M rows/s "
         "per core\n",
         b->median[CUBE_SUMS] / 1e6, b->median[CUBE_SUMS] / DRUID_EPS_PER_CORE,
         DRUID_EPS_PER_CORE / 1e6);
  printf("query cube: %zu cells; q1 reads %zu of them, q2 %zu\n", lat[0].cells_scanned,
         lat[0].cells_matched, lat[1].cells_matched);
  if (d->ran)
    printf("DuckDB %s, %d threads: %zu events loaded in %.0f ms (not timed); answers checked: "
           "q1 equal, q2 %s\n",
           d->version, d->threads, d->events, d->load_ms, d->note);
  else
    printf("DuckDB reference skipped: %s\n", d->note);
}

/* ---- command ---- */

static int new_arms(uint64_t seed, gb_arms **out, gb_err *err) {
  const gb_arm_spec specs[] = {{.name = "random", .algorithm = "random", .weight = 1},
                               {.name = "control", .algorithm = "none", .weight = 1}};
  return gb_arms_new(specs, 2, seed, out, err);
}

static int run_queries(bench *b, bool duckdb, const char *script, const report *rep, gb_err *err) {
  gb_agg *a = NULL;
  gb_query *q[GB_BENCH_AGG_QUERIES] = {NULL, NULL};
  gb_query_result *answers[GB_BENCH_AGG_QUERIES] = {NULL, NULL};
  latency lat[GB_BENCH_AGG_QUERIES];
  gb_bench_agg_duckdb d = {0};
  snprintf(d.note, sizeof d.note, "--no-duckdb");
  int rc = new_agg(b, CUBE_SKETCHES, &a, err);
  if (rc == 0)
    ingest(a, &b->events);
  for (int i = 0; rc == 0 && i < GB_BENCH_AGG_QUERIES; i++) {
    rc = gb_query_parse(query_texts[i], strlen(query_texts[i]), "bench aggregator", &q[i], err);
    if (rc == 0)
      rc = time_query(q[i], gb_agg_cube(a), b->queries, &lat[i], &answers[i], err);
  }
  if (rc == 0 && duckdb)
    rc = gb_bench_agg_duckdb_run(&b->events, (const gb_query_result *const *)answers,
                                 gb_cube_config_of(gb_agg_cube(a)), b->queries, script, &d, err);
  if (rc == 0) {
    print_queries(b, lat, &d, rep);
    print_summary(b, lat, &d);
  }
  for (int i = 0; i < GB_BENCH_AGG_QUERIES; i++) {
    gb_query_result_free(answers[i]);
    gb_query_free(q[i]);
  }
  gb_agg_free(a);
  return rc;
}

static int run(bench *b, bool duckdb, const char *script, const char *csv_path, gb_err *err) {
  report rep = {0};
  if (csv_path) {
    rep.csv = fopen(csv_path, "w");
    if (!rep.csv)
      return gb_err_set(err, GB_ERR_RUNTIME, "--csv %s: %s", csv_path, strerror(errno));
    fprintf(rep.csv,
            "section,row,n,median,min,max,p50_ms,p99_ms,cpu_p50_ms,cpu_p99_ms,unit,target\n");
  }
  int rc = measure_ingest(b, err);
  if (rc == 0)
    print_ingest(b, &rep);
  if (rc == 0 && b->only < 0)
    rc = run_queries(b, duckdb, script, &rep, err);
  if (rep.csv && fclose(rep.csv) != 0 && rc == 0)
    rc = gb_err_set(err, GB_ERR_RUNTIME, "--csv %s: write error", csv_path);
  return rc;
}

int gb_bench_aggregator(int argc, char **argv) {
  int64_t players = DEFAULT_PLAYERS, max_events = 0, repeat = DEFAULT_REPEAT;
  int64_t queries = DEFAULT_QUERIES, seed = 1;
  bool no_duckdb = false;
  const char *only = "all", *csv = NULL, *script = GB_SOURCE_DIR "/bench/duckdb/aggregate_query.py";
  const gb_opt opts[] = {
      {"events", 'e', GB_OPT_INT, &max_events, "N",
       "keep the first N events of the sim day (default 0: all, ~2.6 M at 100000 players)", 0, 1e9},
      {"players", 'p', GB_OPT_INT, &players, "N", "players at the start (default 100000)", 1,
       10000000},
      {"repeat", 'r', GB_OPT_INT, &repeat, "R",
       "ingest repetitions per configuration; median, min and max reported (default 5)", 1,
       MAX_REPEAT},
      {"queries", 'q', GB_OPT_INT, &queries, "N",
       "timed runs per query, for gamebench and DuckDB alike (default 200)", 1, 1e6},
      {"seed", 0, GB_OPT_INT, &seed, "S", "the simulator's seed (default 1)", 0, 1e15},
      {"no-duckdb", 0, GB_OPT_FLAG, &no_duckdb, NULL,
       "skip the DuckDB reference (no CSV written, no python3 started)", 0, 0},
      {"duckdb-script", 0, GB_OPT_STRING, &script, "FILE",
       "the DuckDB script (default bench/duckdb/aggregate_query.py in the source tree)", 0, 0},
      {"csv", 0, GB_OPT_STRING, &csv, "FILE", "also write the tables to FILE as CSV", 0, 0},
      {"config", 0, GB_OPT_STRING, &only, "NAME",
       "all (the default), or one ingest configuration alone, without the queries (for "
       "profiling): none, sums, distinct, quantiles, defaults",
       0, 0},
      {0},
  };
  const gb_cmd_spec spec = {
      .name = "bench aggregator",
      .usage = "[options]",
      .summary = "Stats aggregator: ingest events/s per core for five cube configurations, query "
                 "p50/p99 over one sim day's cube, DuckDB over the raw events as the reference.",
      .details = details,
      .opts = opts,
  };
  gb_opts_result res;
  int parsed = gb_opts_command(&spec, argc, argv, &res);
  if (parsed >= 0)
    return parsed;
  gb_err err = {0};
  bench *b = calloc(1, sizeof *b);
  if (!b) {
    gb_err_set(&err, GB_ERR_RUNTIME, "out of memory");
    return gb_opts_fail(&err);
  }
  b->repeat = (int)repeat;
  b->only = -1;
  for (int k = 0; k < N_KINDS; k++)
    if (strcmp(only, kind_keys[k]) == 0)
      b->only = k;
  if (b->only < 0 && strcmp(only, "all") != 0) {
    free(b);
    gb_err_set(&err, GB_ERR_INPUT,
               "gamebench bench aggregator: --config: '%s' (expected all, none, sums, distinct, "
               "quantiles or defaults)",
               only);
    return gb_opts_fail(&err);
  }
  b->queries = (size_t)queries;
  int rc = generate((uint64_t)seed, (uint32_t)players, (size_t)max_events, &b->events, &err);
  if (rc == 0)
    rc = new_arms((uint64_t)seed, &b->arms, &err);
  if (rc == 0) {
    printf("gamebench bench aggregator: %zu events of %zu players from the simulator (1 sim day "
           "from 2026-01-05T12:00:00Z, seed %" PRId64 "), %d repetitions, %zu query runs\n",
           b->events.n, b->events.players, seed, b->repeat, b->queries);
    print_mix(&b->events);
    printf("\n");
    rc = run(b, !no_duckdb, script, csv, &err);
  }
  gb_arms_free(b->arms);
  events_free(&b->events);
  free(b);
  return rc == 0 ? 0 : gb_opts_fail(&err);
}
