#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "gb_cli.h"
#include "gb_opts.h"
#include "gb_run.h"
#include "gb_sim.h"
#include "gb_sim_realism.h"
#include "gb_sim_stream.h"
#include "gb_workload.h"

static const char details[] =
    "Writes the simulator's open-loop event stream (no engine: players receive no props) as\n"
    "JSON lines, one event per line, in (sim time, player, sequence) order. The same workload\n"
    "and seed give the same bytes whatever sim.threads (the threads' streams are merged in\n"
    "that order). Harness stamps (t_intended_ns, t_sent_ns) are left out so the stream is\n"
    "reproducible. The card platform's only: a workload with sim.platform store or mixed is\n"
    "refused (exit 2); the store runs with `gamebench run`.\n\n"
    "--realism prints the realism report: retention (D1 also of the players who played a\n"
    "round), new players' rounds in their first 14 days, session lengths, rounds per session\n"
    "and sessions without a round, daily rhythm, game shares, coin flow and balances, each\n"
    "next to its target (to stdout, or to stderr when the stream goes to stdout). Day-based\n"
    "statistics need a long enough sim.duration (retention D14 and new players' 14 days need\n"
    "15 days); without --out nothing else is written.\n\n"
    "With --to kafka the simulator runs its closed loop through a Kafka broker instead: it\n"
    "sends events to the topics gamebench.<run>.* and waits for the decisions of engines\n"
    "started separately with `gamebench engine WORKLOAD --brokers HOST:PORT` (same workload,\n"
    "same --run), then writes a results directory as `gamebench run` does (--out DIR), from\n"
    "the players' side, with what the engines rejected (dead_letter.jsonl, events_rejected)\n"
    "and their aggregates (aggregates.csv, cube.gbc), read back from the broker. It refuses\n"
    "topics that already hold messages. Exit status as for run.\n\n"
    "--instance K/N splits the simulator over N processes (on one machine or several): this\n"
    "one runs the simulator threads t of sim.threads with t % N == K - 1 (so sim.threads >= N;\n"
    "a multiple of N spreads them evenly), every instance with the same workload and --run.\n"
    "The engines see the same event stream as from one simulator. Each instance writes its\n"
    "own results directory (its manifest says instance K/N); `gamebench report --merge DIR...\n"
    "--out DIR` adds them up into the run's (docs/kafka.md, docs/results.md).\n\n"
    "examples:\n"
    "  gamebench sim workloads/default.yaml --out events.jsonl\n"
    "  gamebench sim workloads/default.yaml --out - --set sim.players=10 | head\n"
    "  gamebench sim workloads/default.yaml --realism --set sim.duration=30d\n"
    "  gamebench sim workloads/default.yaml --to kafka --brokers 127.0.0.1:9092 --run r1\n"
    "  gamebench sim w.yaml --set sim.threads=2 --to kafka --brokers HOST:PORT --run r2 \\\n"
    "      --instance 1/2 --out part1   # and --instance 2/2 --out part2 elsewhere\n";

enum { IO_BUFFER_BYTES = 1 << 20 }; /* large writes: the stream is the hot path */

/* Where the JSON lines go, through a buffer of our own (one fwrite per MiB). A regular file is
 * written as "<path>.tmp" and renamed into place when complete; anything else that exists (a
 * device such as /dev/null, a FIFO) is written directly — renaming onto it would replace it. */
typedef struct sink {
  const char *path; /* NULL: no stream written */
  FILE *file;
  char tmp[4200];
  bool to_stdout;
  bool direct; /* not a regular file: no temporary, no rename */
  char *buf;
  size_t used;
} sink;

static bool is_special_file(const char *path) {
  struct stat st;
  return stat(path, &st) == 0 && !S_ISREG(st.st_mode);
}

static int sink_open(sink *k, gb_err *err) {
  if (!k->path)
    return 0;
  k->to_stdout = strcmp(k->path, "-") == 0;
  k->direct = !k->to_stdout && is_special_file(k->path);
  snprintf(k->tmp, sizeof k->tmp, "%s.tmp", k->path);
  k->file = k->to_stdout ? stdout : fopen(k->direct ? k->path : k->tmp, "w");
  if (!k->file)
    return gb_err_set(err, GB_ERR_INPUT, "--out %s: cannot create: %s", k->path, strerror(errno));
  k->buf = malloc(IO_BUFFER_BYTES);
  if (!k->buf)
    return gb_err_set(err, GB_ERR_RUNTIME, "out of memory for the output buffer");
  return 0;
}

static int sink_flush(sink *k, gb_err *err) {
  if (k->used > 0 && fwrite(k->buf, 1, k->used, k->file) != k->used)
    return gb_err_set(err, GB_ERR_RUNTIME, "%s: write failed: %s", k->path, strerror(errno));
  k->used = 0;
  return 0;
}

static int sink_write(sink *k, const char *line, size_t len, gb_err *err) {
  if (k->used + len > IO_BUFFER_BYTES && sink_flush(k, err) != 0)
    return -1;
  memcpy(k->buf + k->used, line, len); /* a line is far below the buffer's size */
  k->used += len;
  return 0;
}

/* Completes the file (rename into place) when rc is 0, else removes it; returns the result. */
static int sink_close(sink *k, int rc, gb_err *err) {
  if (!k->file)
    return rc;
  if (rc == 0)
    rc = sink_flush(k, err);
  if (k->to_stdout) {
    if (fflush(stdout) != 0 && rc == 0)
      rc = gb_err_set(err, GB_ERR_RUNTIME, "stdout: write failed");
  } else {
    if (fclose(k->file) != 0 && rc == 0)
      rc = gb_err_set(err, GB_ERR_RUNTIME, "%s: write failed: %s", k->path, strerror(errno));
    if (!k->direct && rc == 0 && rename(k->tmp, k->path) != 0)
      rc = gb_err_set(err, GB_ERR_RUNTIME, "%s: cannot rename: %s", k->path, strerror(errno));
    if (!k->direct && rc != 0)
      remove(k->tmp);
  }
  free(k->buf);
  k->buf = NULL;
  k->file = NULL;
  return rc;
}

static int pump(gb_sim_stream *st, sink *k, gb_err *err) {
  const gb_event *ev;
  const char *line = NULL;
  size_t len = 0;
  int r = gb_sim_stream_next(st, &ev, &line, &len, err);
  while (r == 1) {
    if (k->file && sink_write(k, line, len, err) != 0)
      return -1;
    r = gb_sim_stream_next(st, &ev, &line, &len, err);
  }
  return r;
}

static int run_sim(const gb_workload *w, const char *path, bool realism, gb_err *err) {
  gb_sim_stream_config cfg = {
      .sim = {.seed = w->seed,
              .players = w->sim.players,
              .start_ms = w->sim.start_ms,
              .duration_ms = w->sim.duration_ms,
              .response = gb_response_defaults(),
              .model = &w->sim.model},
      .threads = w->sim.threads,
      .json = path != NULL,
  };
  gb_sim_stream *st = NULL;
  gb_sim_realism *report = NULL;
  sink k = {.path = path};
  int rc = -1;
  if ((realism && gb_sim_realism_new(&cfg.sim, &report, err) != 0) ||
      gb_sim_stream_new(&cfg, &st, err) != 0 || sink_open(&k, err) != 0)
    goto out;
  rc = pump(st, &k, err);
  rc = sink_close(&k, rc, err);
  if (rc != 0)
    goto out;
  if (path)
    fprintf(stderr, "gamebench sim: %llu events written to %s\n",
            (unsigned long long)gb_sim_stream_events(st), path);
  else
    fprintf(stderr, "gamebench sim: %llu events generated\n",
            (unsigned long long)gb_sim_stream_events(st));
  if (report) {
    gb_sim_stream_add_realism(st, report);
    gb_sim_realism_print(report, k.to_stdout ? stderr : stdout);
  }
out:
  sink_close(&k, -1, NULL);
  gb_sim_stream_free(st);
  gb_sim_realism_free(report);
  return rc;
}

/* --instance K/N into *instance (K - 1) and *instances (N): 1 <= K <= N <= 256. */
static int parse_instance(const char *text, unsigned *instance, unsigned *instances, gb_err *err) {
  char *end = NULL;
  errno = 0;
  unsigned long k = strtoul(text, &end, 10), n = 0;
  bool ok = end != text && *end == '/' && errno == 0 && text[0] >= '0' && text[0] <= '9';
  if (ok) {
    const char *at = end + 1;
    n = strtoul(at, &end, 10);
    ok = end != at && *end == '\0' && errno == 0 && at[0] >= '0' && at[0] <= '9';
  }
  if (!ok || k < 1 || n < 1 || k > n || n > 256)
    return gb_err_set(err, GB_ERR_INPUT,
                      "gamebench sim: --instance %s: expected K/N with 1 <= K <= N <= 256 "
                      "(e.g. 1/2)",
                      text);
  *instance = (unsigned)k - 1;
  *instances = (unsigned)n;
  return 0;
}

/* The closed loop through Kafka: gb_run with the simulator's side only. */
static int run_kafka(const char *workload, const gb_opt_list *sets, const char *brokers,
                     const char *run_id, const gb_opt_list *props, const char *out,
                     const char *control, const char *instance, bool quiet, gb_err *err) {
  unsigned k = 0, n = 0;
  if (instance && parse_instance(instance, &k, &n, err) != 0)
    return -1;
  gb_workload *w = NULL;
  if (gb_workload_load_kafka(workload, NULL, 0, sets, brokers, &w, err) != 0)
    return -1;
  gb_run_options ro = {.out_dir = out,
                       .instance = k,
                       .instances = n,
                       .quiet = quiet,
                       .sim_only = true,
                       .control_path = control,
                       .kafka_run_id = run_id ? run_id : w->name,
                       .kafka_props = props->items,
                       .n_kafka_props = props->n};
  if (!quiet)
    fprintf(stderr,
            "gamebench sim: run id '%s' on %s: start `gamebench engine %s --brokers %s "
            "--run %s` (any number of them)\n",
            ro.kafka_run_id, w->transport.brokers, workload, w->transport.brokers, ro.kafka_run_id);
  gb_run_outcome outcome;
  int rc = gb_run_execute(w, &ro, &outcome, err);
  gb_workload_free(w);
  if (rc != 0)
    return -1;
  printf("%s/report.md\n", outcome.dir);
  if (outcome.interrupted) /* complete results of a shorter run (see `gamebench run --help`) */
    return 128 + outcome.interrupted;
  return outcome.reconciled ? 0 : 1;
}

enum { LINE_MAX_BYTES = 8192 };

int gb_cmd_sim(int argc, char **argv) {
  const char *out = NULL, *to = "file", *brokers = NULL, *run_id = NULL, *control = NULL,
             *instance = NULL;
  bool realism = false, quiet = false;
  gb_opt_list sets = {0}, props = {0};
  const gb_opt opts[] = {
      {"out", 'o', GB_OPT_STRING, &out, "FILE",
       "where to write the JSON lines ('-' for stdout); required for --to file unless "
       "--realism. With --to kafka: the results directory (default <output.dir>/<name>-<UTC "
       "time>)",
       0, 0},
      {"realism", 'r', GB_OPT_FLAG, &realism, NULL,
       "print the realism report (each statistic next to its target)", 0, 0},
      {"set", 's', GB_OPT_LIST, &sets, "KEY=VALUE", "override a workload key (repeatable)", 0, 0},
      {"to", 0, GB_OPT_STRING, &to, "file|kafka",
       "file: the open-loop stream as JSON lines (default); kafka: the closed loop through a "
       "broker, with engines run by `gamebench engine`",
       0, 0},
      {"brokers", 'b', GB_OPT_STRING, &brokers, "HOST:PORT[,...]",
       "Kafka bootstrap servers (default: the workload's transport.brokers)", 0, 0},
      {"run", 0, GB_OPT_STRING, &run_id, "ID",
       "topic namespace gamebench.ID.* shared with the engines (default: the workload's name)", 0,
       0},
      {"property", 'X', GB_OPT_LIST, &props, "KEY=VALUE",
       "Kafka client property (librdkafka, or gamebench.*: docs/kafka.md), repeatable", 0, 0},
      {"control", 0, GB_OPT_STRING, &control, "FILE",
       "--to kafka: operators' catalogue changes to send to every engine during the run "
       "(challenge_upsert / challenge_delete JSON lines, as for gamebench run)",
       0, 0},
      {"instance", 0, GB_OPT_STRING, &instance, "K/N",
       "--to kafka: run only the simulator threads t (of sim.threads) with t % N == K - 1, as "
       "instance K of N processes sharing one --run; merge their results directories with "
       "`gamebench report --merge`",
       0, 0},
      {"quiet", 'q', GB_OPT_FLAG, &quiet, NULL, "--to kafka: no progress line and no summary", 0,
       0},
      {0},
  };
  const gb_cmd_spec spec = {.name = "sim",
                            .usage = "WORKLOAD (--out FILE | --realism | --to kafka) [options]",
                            .summary = "Run the player simulator alone: its event stream and "
                                       "realism report, or its closed loop through Kafka.",
                            .details = details,
                            .min_positional = 1,
                            .max_positional = 1,
                            .opts = opts};
  gb_opts_result res;
  int parsed = gb_opts_command(&spec, argc, argv, &res);
  if (parsed >= 0)
    return parsed;
  gb_err err = {0};
  if (strcmp(to, "kafka") == 0) {
    int rc = run_kafka(res.positional[0], &sets, brokers, run_id, &props, out, control, instance,
                       quiet, &err);
    return rc < 0 ? gb_opts_fail(&err) : rc;
  }
  if (strcmp(to, "file") != 0) {
    gb_err_set(&err, GB_ERR_INPUT, "gamebench sim: --to %s: expected file or kafka", to);
    return gb_opts_fail(&err);
  }
  if (brokers || run_id || props.n > 0 || control || instance) {
    gb_err_set(&err, GB_ERR_INPUT, "gamebench sim: %s needs --to kafka",
               brokers    ? "--brokers"
               : run_id   ? "--run"
               : control  ? "--control"
               : instance ? "--instance"
                          : "-X");
    return gb_opts_fail(&err);
  }
  if (!out && !realism) {
    gb_err_set(&err, GB_ERR_INPUT,
               "gamebench sim: --out FILE is required ('-' for stdout), unless --realism");
    return gb_opts_fail(&err);
  }
  gb_workload *w = NULL;
  if (gb_workload_load(res.positional[0], sets.items, sets.n, &w, &err) != 0)
    return gb_opts_fail(&err);
  if (w->sim.platforms != GB_PLATFORMS_CARD) { /* rather than a card stream for a store */
    gb_err_set(&err, GB_ERR_INPUT,
               "gamebench sim: %s: sim.platform %s: the open-loop stream and realism report "
               "are the card platform's only so far; run the store with `gamebench run` "
               "(store_arms.csv, store_realism.csv; in process or through Kafka) or measure its "
               "simulator with `gamebench bench sim --platform store`",
               res.positional[0], w->sim.platforms == GB_PLATFORMS_STORE ? "store" : "mixed");
    gb_workload_free(w);
    return gb_opts_fail(&err);
  }
  int rc = run_sim(w, out, realism, &err);
  gb_workload_free(w);
  return rc == 0 ? 0 : gb_opts_fail(&err);
}
