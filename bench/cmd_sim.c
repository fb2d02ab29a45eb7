#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gb_cli.h"
#include "gb_codec.h"
#include "gb_opts.h"
#include "gb_sim.h"
#include "gb_workload.h"

static const char details[] =
    "Writes the simulator's open-loop event stream (no engine: players receive no props) as\n"
    "JSON lines, one event per line, in (sim time, player) order. The same workload and seed\n"
    "give the same bytes. Harness stamps (t_intended_ns, t_sent_ns) are left out so the stream\n"
    "is reproducible.\n\n"
    "examples:\n"
    "  gamebench sim workloads/default.yaml --out events.jsonl\n"
    "  gamebench sim workloads/default.yaml --out - --set sim.players=10 | head\n";

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
  const char *out = NULL;
  gb_opt_list sets = {0};
  const gb_opt opts[] = {
      {"out", 'o', GB_OPT_STRING, &out, "FILE",
       "where to write the JSON lines ('-' for stdout); "
       "required",
       0, 0},
      {"set", 's', GB_OPT_LIST, &sets, "KEY=VALUE", "override a workload key (repeatable)", 0, 0},
      {0},
  };
  const gb_cmd_spec spec = {.name = "sim",
                            .usage = "WORKLOAD --out FILE [options]",
                            .summary = "Run the player simulator alone and write its event stream.",
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
