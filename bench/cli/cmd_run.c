#include <stdio.h>

#include "gb_cli.h"
#include "gb_opts.h"
#include "gb_repeat.h"
#include "gb_run.h"
#include "gb_workload.h"

static const char details[] =
    "Runs the workload's simulated players through the whole pipeline (matcher, aggregator,\n"
    "recommender) and back, then writes results/<workload>-<UTC time>/ (or --out DIR):\n"
    "manifest.json, summary.csv, latency.csv, arms.csv, aggregates.csv, dead_letter.jsonl,\n"
    "plots/ and report.md / report.html (docs/results.md describes every file).\n"
    "The workload is validated before anything runs: a bad key, value or catalogue exits 2\n"
    "and leaves no results directory behind. Keys have ranges the run's arithmetic needs\n"
    "(sim.time_scale 1e-6 .. 1e9, arms[].weight 1e-6 .. 1e6, ...), and input files have limits\n"
    "(a workload 16 MiB, a catalogue 256 MiB, YAML nested at most 64 deep): docs/workloads.md,\n"
    "\"Ranges, and why\".\n\n"
    "Exit status: 0 when the run completed and reconciled (check rate_sustained in summary.csv),\n"
    "1 when events were lost or the run failed, 2 for bad input (an output.dir or --out that\n"
    "cannot be written included: checked before the run starts).\n\n"
    "Signals: a first SIGINT (Ctrl-C) or SIGTERM stops the simulator; the run drains what was\n"
    "sent, writes complete results marked interrupted (summary.csv's interrupted = 1, "
    "manifest.json's\n"
    "\"interrupted\": true and the sim_seconds reached) and exits 130 (SIGINT) or 143 (SIGTERM).\n"
    "A second one aborts: no results directory and no <dir>.partial are left, and the process\n"
    "ends by that signal (a shell shows 130 or 143). With --repeat, an interrupted repeat ends\n"
    "the set without results (exit 130 or 143).\n\n"
    "With transport.kind kafka the run drives both ends through Kafka: the embedded broker\n"
    "(librdkafka's mock cluster, in this process) or transport.brokers=HOST:PORT, on topics of\n"
    "their own (gamebench.<run id>.*); -X passes librdkafka properties (docs/kafka.md).\n\n"
    "examples:\n"
    "  gamebench run workloads/default.yaml\n"
    "  gamebench run workloads/default.yaml --set sim.players=5000 --set sim.time_scale=max\n"
    "  gamebench run workloads/default.yaml --set transport.kind=kafka\n"
    "  gamebench run workloads/default.yaml --control changes.jsonl\n"
    "  gamebench run workloads/default.yaml --http 9464   # then: curl localhost:9464/metrics\n"
    "  gamebench run workloads/default.yaml --set transport.kind=kafka \\\n"
    "      --set transport.brokers=127.0.0.1:9092 -X compression.codec=zstd\n";

int gb_cmd_run(int argc, char **argv) {
  const char *out = NULL, *control = NULL, *http = NULL;
  gb_opt_list sets = {0}, props = {0};
  bool quiet = false, no_report = false, http_hold = false;
  int64_t repeat = 1;
  const gb_opt opts[] = {
      {"out", 'o', GB_OPT_STRING, &out, "DIR",
       "results directory (must not exist); default "
       "<output.dir>/<name>-<UTC time>",
       0, 0},
      {"set", 's', GB_OPT_LIST, &sets, "KEY=VALUE",
       "override a workload key, e.g. --set sim.players=500 (repeatable)", 0, 0},
      {"property", 'X', GB_OPT_LIST, &props, "KEY=VALUE",
       "Kafka client property (librdkafka, or gamebench.*: docs/kafka.md), e.g. -X "
       "linger.ms=5 (repeatable)",
       0, 0},
      {"control", 0, GB_OPT_STRING, &control, "FILE",
       "operators' catalogue changes to send during the run: challenge_upsert / "
       "challenge_delete events, one JSON object per line, each effective at max(ts, "
       "effective_ts) on every shard (docs/events.md); a file of at most 64 MiB",
       0, 0},
      {"repeat", 'n', GB_OPT_INT, &repeat, "N",
       "run N times from fresh state: DIR/repeat-<i>/ plus "
       "repeats.csv and a summary.csv of medians (default 1)",
       1, 1000},
      {"http", 0, GB_OPT_STRING, &http, "[HOST:]PORT",
       "serve POST /query (the stats cube, docs/queries.md) and GET /metrics (Prometheus text) "
       "while the run goes on; loopback unless HOST is given (0.0.0.0 for every interface); "
       "port 0 picks a free port (printed on stderr)",
       0, 0},
      {"http-hold", 0, GB_OPT_FLAG, &http_hold, NULL,
       "with --http: once the results are written, keep serving the final state until SIGINT or "
       "SIGTERM",
       0, 0},
      {"quiet", 'q', GB_OPT_FLAG, &quiet, NULL, "no progress line and no summary on stderr", 0, 0},
      {"no-report", 0, GB_OPT_FLAG, &no_report, NULL,
       "write CSV and manifest only (no plots, no "
       "report)",
       0, 0},
      {0},
  };
  const gb_cmd_spec spec = {.name = "run",
                            .usage = "WORKLOAD [options]",
                            .summary = "Run a workload through the pipeline and write a results "
                                       "directory.",
                            .details = details,
                            .more_help = gb_opts_print_algorithms,
                            .min_positional = 1,
                            .max_positional = 1,
                            .opts = opts};
  gb_opts_result res;
  int parsed = gb_opts_command(&spec, argc, argv, &res);
  if (parsed >= 0)
    return parsed;
  gb_err err = {0};
  gb_workload *w = NULL;
  if (gb_workload_load(res.positional[0], sets.items, sets.n, &w, &err) != 0)
    return gb_opts_fail(&err);
  if (props.n > 0 && w->transport.kind != GB_TRANSPORT_KAFKA) {
    gb_workload_free(w);
    gb_err_set(&err, GB_ERR_INPUT, "-X %s: Kafka properties need transport.kind kafka",
               props.items[0]);
    return gb_opts_fail(&err);
  }
  if ((http_hold && !http) || (http && repeat > 1)) {
    gb_workload_free(w);
    gb_err_set(&err, GB_ERR_INPUT,
               http_hold && !http ? "--http-hold: needs --http" : "--http: not with --repeat");
    return gb_opts_fail(&err);
  }
  gb_run_options ro = {.out_dir = out,
                       .http = http,
                       .http_hold = http_hold,
                       .quiet = quiet,
                       .no_report = no_report,
                       .control_path = control,
                       .kafka_props = props.items,
                       .n_kafka_props = props.n};
  gb_run_outcome outcome;
  int rc = repeat > 1 ? gb_repeat_execute(w, &ro, (size_t)repeat, &outcome, &err)
                      : gb_run_execute(w, &ro, &outcome, &err);
  gb_workload_free(w);
  if (rc != 0 && outcome.interrupted) { /* --repeat: the set is not written */
    fprintf(stderr, "gamebench run: %s\n", err.msg);
    return 128 + outcome.interrupted;
  }
  if (rc != 0)
    return gb_opts_fail(&err);
  printf("%s/%s\n", outcome.dir, no_report || repeat > 1 ? "summary.csv" : "report.md");
  if (outcome.interrupted) /* complete results of a shorter run: not a success */
    return 128 + outcome.interrupted;
  return outcome.reconciled ? 0 : 1;
}
