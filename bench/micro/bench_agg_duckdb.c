/* The DuckDB reference row of `gamebench bench aggregator`: the same events as raw rows in
 * DuckDB, the same two queries timed over them by bench/duckdb/aggregate_query.py, and its
 * answers checked against the cube's. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench_agg_int.h"

enum {
  STATUS_NO_COMMAND = 127, /* sh: python3 not found */
  STATUS_NO_DUCKDB = 3,    /* the script: no duckdb module */
  LINE_MAX_BYTES = 4096,
  WRITE_BUFFER = 1 << 20
};

static const char install_hint[] =
    "pip install duckdb (or, where pip refuses outside a venv: python3 -m venv "
    "~/.cache/gamebench/duckdb-venv && ~/.cache/gamebench/duckdb-venv/bin/pip install duckdb, "
    "which the script finds)";

/* One event as a CSV row of its raw fields (blank where the type has none). Names and rooms
 * are identifiers from the simulator: nothing to quote. */
static void write_event(FILE *f, const gb_event *ev) {
  fprintf(f, "%" PRIu64 ",%" PRId64 ",%s,%" PRIu64 ",%" PRIu64 ",", ev->event_id, ev->ts,
          gb_event_type_name(ev->type), ev->player_id, ev->session_id);
  switch (ev->type) {
  case GB_EV_GAME_START:
  case GB_EV_GAME_END: {
    const gb_ev_game *g = &ev->u.game;
    fprintf(f, "%s,%s,%" PRId64 ",%s,%" PRId64 ",%" PRId64 ",%" PRId64 ",%" PRId32 ",,\n", g->game,
            g->room, g->bet, g->won ? "true" : "false", g->score, g->coins_delta, g->coin_balance,
            g->level);
    break;
  }
  case GB_EV_LEVEL_UP:
    fprintf(f, ",,,,,,,%" PRId32 ",,\n", ev->u.level);
    break;
  case GB_EV_PURCHASE:
    fprintf(f, ",,,,,,,,%.17g,\n", ev->u.purchase.amount);
    break;
  case GB_EV_SESSION_END:
    fprintf(f, ",,,,,,,,,%" PRId64 "\n", ev->u.duration_ms);
    break;
  default:
    fputs(",,,,,,,,,\n", f);
    break;
  }
}

static int write_events(const gb_bench_agg_events *e, const char *path, gb_err *err) {
  FILE *f = fopen(path, "w");
  if (!f)
    return gb_err_set(err, GB_ERR_RUNTIME, "%s: %s", path, strerror(errno));
  char *buf = malloc(WRITE_BUFFER); /* hundreds of MB go out: fewer, larger writes */
  if (buf)
    setvbuf(f, buf, _IOFBF, WRITE_BUFFER);
  fputs("event_id,ts_ms,type,player_id,session_id,game,room,bet,won,score,coins_delta,"
        "coin_balance,level,amount,duration_ms\n",
        f);
  for (size_t i = 0; i < e->n; i++)
    write_event(f, &e->ev[i]);
  int closed = fclose(f);
  free(buf);
  if (closed != 0)
    return gb_err_set(err, GB_ERR_RUNTIME, "%s: write error", path);
  return 0;
}

static int write_answer(const gb_query_result *r, const char *path, gb_err *err) {
  FILE *f = fopen(path, "w");
  if (!f)
    return gb_err_set(err, GB_ERR_RUNTIME, "%s: %s", path, strerror(errno));
  int rc = gb_query_result_write(r, GB_QUERY_CSV, f, err);
  if (fclose(f) != 0 && rc == 0)
    rc = gb_err_set(err, GB_ERR_RUNTIME, "%s: write error", path);
  return rc;
}

/* The value of ` key=` in line (up to the next blank), or NULL when absent. */
static const char *field(const char *line, const char *key) {
  size_t n = strlen(key);
  for (const char *p = strchr(line, ' '); p; p = strchr(p + 1, ' '))
    if (strncmp(p + 1, key, n) == 0 && p[1 + n] == '=')
      return p + 2 + n;
  return NULL;
}

/* A number field of line into *v: false when absent or not a number. */
static bool number(const char *line, const char *key, double *v) {
  const char *s = field(line, key);
  char *end;
  if (!s)
    return false;
  errno = 0;
  *v = strtod(s, &end);
  return errno == 0 && end != s && (*end == ' ' || *end == '\0');
}

/* The script's `result qN runs=… rows=… p50_ms=… p99_ms=… check=ok|FAIL:…` line into out;
 * false when it is not one. */
static bool parse_result(const char *line, gb_bench_agg_duckdb *out, char *check, size_t cap) {
  double rows, p50, p99;
  const char *status = field(line, "check");
  if (strncmp(line, "result q", 8) != 0 || (line[8] != '1' && line[8] != '2') || line[9] != ' ' ||
      !number(line, "rows", &rows) || !number(line, "p50_ms", &p50) ||
      !number(line, "p99_ms", &p99) || !status)
    return false;
  int q = line[8] - '1';
  out->p50_ms[q] = p50;
  out->p99_ms[q] = p99;
  out->rows[q] = (size_t)rows;
  out->checked[q] = strcmp(status, "ok") == 0;
  if (!out->checked[q] && check[0] == '\0')
    snprintf(check, cap, "q%d: %s", q + 1, status);
  return true;
}

/* The script's `duckdb VERSION threads=N load_ms=X rows=N` line into out; false when it is not
 * one. */
static bool parse_header(const char *line, gb_bench_agg_duckdb *out) {
  double threads, load_ms, rows;
  if (strncmp(line, "duckdb ", 7) != 0 || !number(line, "threads", &threads) ||
      !number(line, "load_ms", &load_ms) || !number(line, "rows", &rows))
    return false;
  snprintf(out->version, sizeof out->version, "%.*s", (int)strcspn(line + 7, " "), line + 7);
  out->threads = (int)threads;
  out->load_ms = load_ms;
  out->events = (size_t)rows;
  return true;
}

/* Reads the script's lines: its results, the summary of the check, and the last other line
 * (an error's, if it fails). */
static void read_output(FILE *p, gb_bench_agg_duckdb *out, char *check, size_t check_cap,
                        char *last, size_t last_cap) {
  char line[LINE_MAX_BYTES];
  while (fgets(line, sizeof line, p)) {
    line[strcspn(line, "\n")] = '\0';
    if (parse_result(line, out, check, check_cap) || parse_header(line, out))
      continue;
    if (strncmp(line, "check q2: ", 10) == 0) {
      snprintf(out->note, sizeof out->note, "%.*s", (int)sizeof out->note - 1, line + 10);
      continue;
    }
    if (line[0])
      snprintf(last, last_cap, "%s", line);
  }
}

/* A path inside single quotes for sh; false when it holds a quote itself. */
static bool quotable(const char *s) { return strchr(s, '\'') == NULL; }

static int run_script(const char *dir, const char *script, size_t runs, const gb_cube_config *cube,
                      gb_bench_agg_duckdb *out, gb_err *err) {
  char cmd[16384];
  int len = snprintf(cmd, sizeof cmd,
                     "python3 '%s' --events '%s/events.csv' --runs %zu --q1-expect '%s/q1.csv' "
                     "--q2-expect '%s/q2.csv' --distinct-exact-max %" PRIu32
                     " --hll-precision %d --quantile-accuracy %.17g 2>&1",
                     script, dir, runs, dir, dir, cube->distinct_exact_max, cube->hll_precision,
                     cube->quantile_accuracy);
  if (len < 0 || (size_t)len >= sizeof cmd)
    return gb_err_set(err, GB_ERR_RUNTIME, "%s: paths too long for the DuckDB command", script);
  fflush(stdout);
  FILE *p = popen(cmd, "r");
  if (!p)
    return gb_err_set(err, GB_ERR_RUNTIME, "cannot run python3: %s", strerror(errno));
  char check[LINE_MAX_BYTES] = "", last[LINE_MAX_BYTES] = "";
  read_output(p, out, check, sizeof check, last, sizeof last);
  int status = pclose(p);
  int code = status >= 0 && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  if (code == STATUS_NO_COMMAND) {
    snprintf(out->note, sizeof out->note, "python3 not found: install Python 3, then %s",
             install_hint);
    return 0;
  }
  if (code == STATUS_NO_DUCKDB) {
    snprintf(out->note, sizeof out->note, "no duckdb module for python3: %s", install_hint);
    return 0;
  }
  if (code != 0 || out->events == 0)
    return gb_err_set(err, GB_ERR_RUNTIME, "%s failed (exit %d): %s", script, code,
                      last[0] ? last : "no output");
  if (check[0])
    return gb_err_set(err, GB_ERR_RUNTIME, "DuckDB's answer differs from gamebench's: %s", check);
  if (!out->checked[0] || !out->checked[1])
    return gb_err_set(err, GB_ERR_RUNTIME, "%s: no result for %s", script,
                      out->checked[0] ? "q2" : "q1");
  out->ran = true;
  return 0;
}

static void remove_dir(const char *dir) {
  const char *const files[] = {"events.csv", "q1.csv", "q2.csv"};
  char path[4096];
  for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
    if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, files[i]) < sizeof path)
      unlink(path); /* a temporary folder of ours: its path is short */
  }
  rmdir(dir);
}

int gb_bench_agg_duckdb_run(const gb_bench_agg_events *e,
                            const gb_query_result *const answers[GB_BENCH_AGG_QUERIES],
                            const gb_cube_config *cube, size_t runs, const char *script,
                            gb_bench_agg_duckdb *out, gb_err *err) {
  memset(out, 0, sizeof *out);
  if (access(script, R_OK) != 0) {
    snprintf(out->note, sizeof out->note, "%s: %s (give the script with --duckdb-script FILE)",
             script, strerror(errno));
    return 0;
  }
  const char *tmp = getenv("TMPDIR");
  char dir[4096];
  snprintf(dir, sizeof dir, "%s/gamebench-aggregator-XXXXXX", tmp && *tmp ? tmp : "/tmp");
  if (!quotable(dir) || !quotable(script))
    return gb_err_set(err, GB_ERR_INPUT, "%s, %s: a quote in a path", dir, script);
  if (!mkdtemp(dir))
    return gb_err_set(err, GB_ERR_RUNTIME, "%s: %s", dir, strerror(errno));
  char path[4200];
  snprintf(path, sizeof path, "%s/events.csv", dir);
  int rc = write_events(e, path, err);
  for (int q = 0; rc == 0 && q < GB_BENCH_AGG_QUERIES; q++) {
    snprintf(path, sizeof path, "%s/q%d.csv", dir, q + 1);
    rc = write_answer(answers[q], path, err);
  }
  if (rc == 0)
    rc = run_script(dir, script, runs, cube, out, err);
  remove_dir(dir);
  return rc;
}
