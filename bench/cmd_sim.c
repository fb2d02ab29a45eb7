#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gb_cli.h"
#include "gb_codec.h"
#include "gb_opts.h"
#include "gb_run.h"
#include "gb_sim.h"
#include "gb_workload.h"

static const char details[] =
    "Writes the simulator's open-loop event stream (no engine: players receive no props) as\n"
    "JSON lines, one event per line, in (sim time, player) order. The same workload and seed\n"
    "give the same bytes. Harness stamps (t_intended_ns, t_sent_ns) are left out so the stream\n"
    "is reproducible.\n\n"
    "With --to kafka the simulator runs its closed loop through a Kafka broker instead: it\n"
    "sends events to the topics gamebench.<run>.* and waits for the decisions of engines\n"
    "started separately with `gamebench engine WORKLOAD --brokers HOST:PORT` (same workload,\n"
    "same --run), then writes a results directory as `gamebench run` does (--out DIR), from\n"
    "the players' side. It refuses topics that already hold messages. Exit status as for run.\n\n"
    "examples:\n"
    "  gamebench sim workloads/default.yaml --out events.jsonl\n"
    "  gamebench sim workloads/default.yaml --out - --set sim.players=10 | head\n"
    "  gamebench sim workloads/default.yaml --to kafka --brokers 127.0.0.1:9092 --run r1\n";

enum { OVERRIDES_MAX = GB_OPT_LIST_MAX + 2 /* --set ones, transport.kind and .brokers */ };

/* The closed loop through Kafka: gb_run with the simulator's side only. */
static int run_kafka(const char *workload, const gb_opt_list *sets, const char *brokers,
                     const char *run_id, const gb_opt_list *props, const char *out, bool quiet,
                     gb_err *err) {
  const char *overrides[OVERRIDES_MAX];
  char brokers_set[1024];
  size_t n = 0;
  for (size_t i = 0; i < sets->n; i++)
    overrides[n++] = sets->items[i];
  overrides[n++] = "transport.kind=kafka";
  if (brokers) {
    if (snprintf(brokers_set, sizeof brokers_set, "transport.brokers=%s", brokers) >=
        (int)sizeof brokers_set)
      return gb_err_set(err, GB_ERR_INPUT, "--brokers: too long");
    overrides[n++] = brokers_set;
  }
  gb_workload *w = NULL;
  if (gb_workload_load(workload, overrides, n, &w, err) != 0)
    return -1;
  gb_run_options ro = {.out_dir = out,
                       .quiet = quiet,
                       .sim_only = true,
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
  return outcome.reconciled ? 0 : 1;
}

enum { LINE_MAX_BYTES = 8192 };

static int write_stream(gb_sim *sim, FILE *out, uint64_t *events, gb_err *err) {
  char line[LINE_MAX_BYTES];
  gb_event ev;
  while (gb_sim_next(sim, INT64_MAX, &ev) == GB_SIM_EVENT) {
    size_t len = gb_event_encode_json(&ev, line, sizeof line - 1);
    if (len >= sizeof line - 1)
      return gb_err_set(err, GB_ERR_RUNTIME, "event %llu longer than %d bytes",
                        (unsigned long long)ev.event_id, LINE_MAX_BYTES);
    line[len++] = '\n';
    if (fwrite(line, 1, len, out) != len)
      return gb_err_set(err, GB_ERR_RUNTIME, "write failed: %s", strerror(errno));
    (*events)++;
  }
  return 0;
}

static int run_sim(const gb_workload *w, const char *path, gb_err *err) {
  gb_sim_config sc = {.seed = w->seed,
                      .players = w->sim.players,
                      .start_ms = w->sim.start_ms,
                      .duration_ms = w->sim.duration_ms,
                      .producer = 0,
                      .n_producers = 1,
                      .closed_loop = false,
                      .response = gb_response_defaults()};
  gb_sim *sim = NULL;
  if (gb_sim_new(&sc, &sim, err) != 0)
    return -1;
  bool to_stdout = strcmp(path, "-") == 0;
  char tmp[4200];
  snprintf(tmp, sizeof tmp, "%s.tmp", path);
  FILE *out = to_stdout ? stdout : fopen(tmp, "w");
  if (!out) {
    gb_sim_free(sim);
    return gb_err_set(err, GB_ERR_INPUT, "--out %s: cannot create: %s", path, strerror(errno));
  }
  static char iobuf[1 << 20]; /* large writes: the stream is the hot path */
  setvbuf(out, iobuf, _IOFBF, sizeof iobuf);
  uint64_t events = 0;
  int rc = write_stream(sim, out, &events, err);
  gb_sim_free(sim);
  if (to_stdout)
    return fflush(stdout) == 0 ? rc : gb_err_set(err, GB_ERR_RUNTIME, "stdout: write failed");
  if (fclose(out) != 0 && rc == 0)
    rc = gb_err_set(err, GB_ERR_RUNTIME, "%s: write failed: %s", path, strerror(errno));
  if (rc == 0 && rename(tmp, path) != 0)
    rc = gb_err_set(err, GB_ERR_RUNTIME, "%s: cannot rename: %s", path, strerror(errno));
  if (rc != 0)
    remove(tmp);
  else
    fprintf(stderr, "gamebench sim: %llu events written to %s\n", (unsigned long long)events, path);
  return rc;
}

int gb_cmd_sim(int argc, char **argv) {
  const char *out = NULL, *to = "file", *brokers = NULL, *run_id = NULL;
  gb_opt_list sets = {0}, props = {0};
  bool quiet = false;
  const gb_opt opts[] = {
      {"out", 'o', GB_OPT_STRING, &out, "FILE",
       "where to write the JSON lines ('-' for stdout); required for --to file. With --to "
       "kafka: the results directory (default <output.dir>/<name>-<UTC time>)",
       0, 0},
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
      {"quiet", 'q', GB_OPT_FLAG, &quiet, NULL, "--to kafka: no progress line and no summary", 0,
       0},
      {0},
  };
  const gb_cmd_spec spec = {.name = "sim",
                            .usage = "WORKLOAD (--out FILE | --to kafka) [options]",
                            .summary = "Run the player simulator alone: its event stream to a "
                                       "file, or its closed loop through Kafka.",
                            .details = details,
                            .min_positional = 1,
                            .max_positional = 1,
                            .opts = opts};
  gb_opts_result res;
  gb_err err = {0};
  if (gb_opts_parse(&spec, argc, argv, &res, &err) != 0)
    return gb_cli_fail(&err);
  if (res.help) {
    gb_opts_print_help(&spec, stdout);
    return 0;
  }
  if (strcmp(to, "kafka") == 0) {
    int rc = run_kafka(res.positional[0], &sets, brokers, run_id, &props, out, quiet, &err);
    return rc < 0 ? gb_cli_fail(&err) : rc;
  }
  if (strcmp(to, "file") != 0) {
    gb_err_set(&err, GB_ERR_INPUT, "gamebench sim: --to %s: expected file or kafka", to);
    return gb_cli_fail(&err);
  }
  if (brokers || run_id || props.n > 0) {
    gb_err_set(&err, GB_ERR_INPUT, "gamebench sim: %s needs --to kafka",
               brokers  ? "--brokers"
               : run_id ? "--run"
                        : "-X");
    return gb_cli_fail(&err);
  }
  if (!out) {
    gb_err_set(&err, GB_ERR_INPUT, "gamebench sim: --out FILE is required ('-' for stdout)");
    return gb_cli_fail(&err);
  }
  gb_workload *w = NULL;
  if (gb_workload_load(res.positional[0], sets.items, sets.n, &w, &err) != 0)
    return gb_cli_fail(&err);
  int rc = run_sim(w, out, &err);
  gb_workload_free(w);
  return rc == 0 ? 0 : gb_cli_fail(&err);
}
