/* `gamebench bench cost WORKLOAD`: the deterministic cost gate. Runs the workload in a child
 * process under valgrind's callgrind (this executable again: `run WORKLOAD --quiet --no-report`
 * into a scratch directory), then reads the profile and reports each stage's instructions per
 * processed event (gb_cost.h), and with --out a results directory that `gamebench compare`
 * judges (docs/results.md, "Cost results"). Instruction counts do not depend on the machine's
 * load, so a small change in a hot path shows through a noisy shared runner. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <librdkafka/rdkafka.h>

#include "gb_afile.h"
#include "gb_benches.h"
#include "gb_callgrind.h"
#include "gb_clock.h"
#include "gb_cost.h"
#include "gb_fingerprint.h"
#include "gb_jsonw.h"
#include "gb_opts.h"
#include "gb_path.h"
#include "gb_results.h"
#include "gb_run.h"
#include "gb_version.h"
#include "gb_workload.h"

extern char **environ;

enum { PATH_CAP = 4096, ARGS_MAX = 16 + 2 * GB_OPT_LIST_MAX, LOG_TAIL = 2000 };

static const char details[] =
    "Runs the workload once under valgrind's callgrind, in a child process (this executable:\n"
    "`run WORKLOAD --quiet --no-report` into a scratch directory), and reports the instructions\n"
    "each stage executed per processed event: the inclusive instruction count (Ir) of the\n"
    "functions that are the stage, divided by the run's events_processed. Instruction counts\n"
    "depend on the build and the workload, not on the machine's load: the same build gives the\n"
    "same counts run after run (docs/benchmarks.md, 'Cost gate'), so `gamebench compare` can\n"
    "judge them to a small tolerance where wall-clock metrics need repeats.\n\n"
    "Rows: decode, aggregator, matcher, recommender (the pipeline's stages, as its latency\n"
    "stamps cut them), engine (the whole per-event pipeline), simulator (the players' steps\n"
    "and reactions), process (every instruction of the run); rows marked [not gated] hold idle\n"
    "polling, whose amount depends on how the threads met, and are printed only.\n\n"
    "With --out DIR: DIR/summary.csv (events_processed, cost_<stage>_instructions_per_event\n"
    "and cost_<stage>_instructions), DIR/manifest.json (kind \"cost\") and DIR/callgrind.out\n"
    "(the profile: callgrind_annotate --inclusive=yes DIR/callgrind.out). Use a small workload:\n"
    "callgrind runs the program some 50 times slower (workloads/cost.yaml: seconds natively).\n\n"
    "Exit status: 0 when done, 1 when the run under callgrind failed, 2 for bad input or when\n"
    "valgrind is not installed (Debian: apt-get install valgrind; scripts/setup does).\n\n"
    "examples:\n"
    "  gamebench bench cost workloads/cost.yaml\n"
    "  gamebench bench cost workloads/cost.yaml --out results/cost-base\n"
    "  gamebench bench cost workloads/cost.yaml --set engine.extra_work_per_event=100\n";

/* The first executable named name on $PATH, into out; false when there is none. */
static bool find_on_path(const char *name, char *out, size_t cap) {
  const char *path = getenv("PATH");
  if (!path || !*path)
    return false;
  while (*path) {
    const char *colon = strchr(path, ':');
    size_t len = colon ? (size_t)(colon - path) : strlen(path);
    if (len > 0 && (size_t)snprintf(out, cap, "%.*s/%s", (int)len, path, name) < cap &&
        access(out, X_OK) == 0)
      return true;
    path += len + (colon != NULL);
  }
  return false;
}

/* The last LOG_TAIL bytes of the file at path (for an error message), or "". */
static void file_tail(const char *path, char *out, size_t cap) {
  out[0] = '\0';
  size_t len;
  gb_err ignored;
  char *text = gb_afile_read_all(path, &len, &ignored);
  if (!text)
    return;
  size_t from = len > LOG_TAIL ? len - LOG_TAIL : 0;
  snprintf(out, cap, "%s", text + from);
  free(text);
}

/* The command's inputs and its scratch paths. */
typedef struct cost_job {
  const char *workload_path;
  const gb_opt_list *sets;
  const char *out_dir; /* NULL: no results directory */
  char work[PATH_CAP]; /* DIR.partial with --out, a temporary directory otherwise */
  char valgrind[PATH_CAP], exe[PATH_CAP];
  char profile[PATH_CAP + 32], run_dir[PATH_CAP + 32], log[PATH_CAP + 32];
  double seconds; /* the run under callgrind, wall time */
} cost_job;

static int prepare(cost_job *j, gb_err *err) {
  if (strstr(GB_CFLAGS, "-fsanitize"))
    return gb_err_set(err, GB_ERR_INPUT,
                      "bench cost: this gamebench is a sanitizer build (%s): valgrind cannot run "
                      "it; use a build without GB_SANITIZE",
                      GB_CFLAGS);
  if (!find_on_path("valgrind", j->valgrind, sizeof j->valgrind))
    return gb_err_set(err, GB_ERR_INPUT,
                      "bench cost: valgrind not found on PATH: install it (Debian: apt-get "
                      "install valgrind; scripts/setup installs it)");
  ssize_t n = readlink("/proc/self/exe", j->exe, sizeof j->exe - 1);
  if (n <= 0)
    return gb_err_set(err, GB_ERR_RUNTIME, "bench cost: /proc/self/exe: %s", strerror(errno));
  j->exe[n] = '\0';
  if (j->out_dir) {
    struct stat st;
    if (stat(j->out_dir, &st) == 0)
      return gb_err_set(err, GB_ERR_INPUT, "--out %s: already exists", j->out_dir);
    /* before callgrind's minutes: an --out that cannot be written exits 2 now */
    if (gb_path_ready_parent(j->out_dir, "--out", err) != 0)
      return -1;
    snprintf(j->work, sizeof j->work, "%s.partial", j->out_dir);
    if (stat(j->work, &st) == 0)
      gb_run_remove_tree(j->work); /* a failed attempt's leftovers */
    if (gb_run_mkdir_p(j->work, err) != 0)
      return -1;
  } else {
    const char *tmp = getenv("TMPDIR");
    snprintf(j->work, sizeof j->work, "%s/gamebench-cost-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(j->work))
      return gb_err_set(err, GB_ERR_RUNTIME, "bench cost: %s: %s", j->work, strerror(errno));
  }
  snprintf(j->profile, sizeof j->profile, "%s/callgrind.out", j->work);
  snprintf(j->run_dir, sizeof j->run_dir, "%s/run", j->work);
  snprintf(j->log, sizeof j->log, "%s/run.log", j->work);
  return 0;
}

/* Runs `valgrind --tool=callgrind EXE run WORKLOAD [--set ...] --quiet --no-report --out RUN`,
 * its output into the log; 0 when it exited 0. */
static int run_under_callgrind(cost_job *j, gb_err *err) {
  char out_file[PATH_CAP + 64], log_file[PATH_CAP + 64];
  snprintf(out_file, sizeof out_file, "--callgrind-out-file=%s", j->profile);
  snprintf(log_file, sizeof log_file, "--log-file=%s", j->log);
  char *args[ARGS_MAX];
  size_t n = 0;
  args[n++] = j->valgrind;
  args[n++] = "--tool=callgrind";
  args[n++] = out_file;
  args[n++] = log_file;
  args[n++] = j->exe;
  args[n++] = "run";
  args[n++] = (char *)j->workload_path;
  for (size_t i = 0; i < j->sets->n; i++) {
    args[n++] = "--set";
    args[n++] = (char *)j->sets->items[i];
  }
  args[n++] = "--quiet";
  args[n++] = "--no-report";
  args[n++] = "--out";
  args[n++] = j->run_dir;
  args[n] = NULL;
  /* valgrind's own messages go to --log-file; the program's stdout and stderr to the same
   * file (appended), so that a failure can be shown. */
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, j->log, O_WRONLY | O_CREAT | O_APPEND, 0644);
  int64_t t0 = gb_clock_now_ns();
  pid_t pid;
  int rc = posix_spawn(&pid, j->valgrind, &fa, NULL, args, environ);
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0)
    return gb_err_set(err, GB_ERR_RUNTIME, "bench cost: cannot start %s: %s", j->valgrind,
                      strerror(rc));
  int status;
  while (waitpid(pid, &status, 0) < 0)
    if (errno != EINTR)
      return gb_err_set(err, GB_ERR_RUNTIME, "bench cost: waitpid: %s", strerror(errno));
  j->seconds = (double)(gb_clock_now_ns() - t0) / 1e9;
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
    return 0;
  char tail[LOG_TAIL + 1];
  file_tail(j->log, tail, sizeof tail);
  return gb_err_set(err, GB_ERR_RUNTIME,
                    "bench cost: the run under callgrind failed (%s %d); %s:\n%s",
                    WIFEXITED(status) ? "exit status" : "signal",
                    WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status), j->log, tail);
}

/* events_processed of the run's summary.csv. */
static int read_events(const cost_job *j, uint64_t *events, gb_err *err) {
  gb_results *r = NULL;
  if (gb_results_load(j->run_dir, &r, err) != 0)
    return -1;
  double v = gb_results_metric_value(r, "events_processed");
  gb_results_free(r);
  if (!(v >= 1))
    return gb_err_set(err, GB_ERR_RUNTIME,
                      "bench cost: %s/summary.csv: no events processed: nothing to divide by",
                      j->run_dir);
  *events = (uint64_t)v;
  return 0;
}

static void manifest_versions(gb_jsonw *jw, const gb_callgrind *cg) {
  gb_jsonw_key(jw, "versions");
  gb_jsonw_object_begin(jw);
  gb_jsonw_key(jw, "gamebench");
  gb_jsonw_string(jw, GB_VERSION);
  gb_jsonw_key(jw, "librdkafka");
  gb_jsonw_string(jw, rd_kafka_version_str());
  gb_jsonw_key(jw, "jemalloc");
  gb_jsonw_string(jw, gb_version_jemalloc());
  gb_jsonw_key(jw, "compiler");
  gb_jsonw_string(jw, GB_COMPILER);
  gb_jsonw_key(jw, "cflags");
  gb_jsonw_string(jw, GB_CFLAGS);
  gb_jsonw_key(jw, "valgrind");
  gb_jsonw_string(jw, gb_callgrind_creator(cg));
  gb_jsonw_object_end(jw);
}

/* manifest.json: a run's fields (docs/results.md) with "kind": "cost" and the measurement. */
static int write_manifest(const cost_job *j, const gb_workload *w, const gb_callgrind *cg,
                          uint64_t events, time_t start, gb_err *err) {
  gb_fingerprint fp;
  char *path = gb_path_join(j->work, "manifest.json");
  gb_afile *f = NULL;
  if (!path || gb_fingerprint_collect(&fp, err) != 0 || gb_afile_open(path, &f, err) != 0) {
    free(path);
    return path ? -1 : gb_err_set(err, GB_ERR_RUNTIME, "out of memory");
  }
  free(path);
  char hash[17], t0[32], t1[32];
  snprintf(hash, sizeof hash, "%016" PRIx64, w->resolved_hash);
  gb_fingerprint_utc(start, t0, sizeof t0);
  gb_fingerprint_utc(time(NULL), t1, sizeof t1);
  gb_jsonw jw;
  gb_jsonw_init(&jw, gb_afile_stream(f), 2);
  gb_jsonw_object_begin(&jw);
  gb_jsonw_key(&jw, "schema");
  gb_jsonw_int(&jw, 1);
  gb_jsonw_key(&jw, "kind");
  gb_jsonw_string(&jw, "cost");
  gb_jsonw_key(&jw, "name");
  gb_jsonw_string(&jw, w->name);
  gb_jsonw_key(&jw, "seed");
  gb_jsonw_uint(&jw, w->seed);
  gb_jsonw_key(&jw, "workload_file");
  gb_jsonw_string(&jw, w->path);
  gb_jsonw_key(&jw, "workload_hash");
  gb_jsonw_string(&jw, hash);
  gb_jsonw_key(&jw, "workload");
  gb_jsonw_raw(&jw, w->resolved_json);
  gb_jsonw_key(&jw, "git_describe");
  gb_jsonw_string(&jw, GB_GIT_DESCRIBE);
  manifest_versions(&jw, cg);
  gb_jsonw_key(&jw, "machine");
  char *machine = gb_fingerprint_json(&fp);
  if (machine)
    gb_jsonw_raw(&jw, machine);
  else
    gb_jsonw_null(&jw);
  free(machine);
  gb_jsonw_key(&jw, "start_utc");
  gb_jsonw_string(&jw, t0);
  gb_jsonw_key(&jw, "end_utc");
  gb_jsonw_string(&jw, t1);
  gb_jsonw_key(&jw, "wall_seconds");
  gb_jsonw_double(&jw, j->seconds);
  gb_jsonw_key(&jw, "transport");
  gb_jsonw_string(&jw, w->transport.kind == GB_TRANSPORT_KAFKA ? "kafka" : "inproc");
  gb_jsonw_key(&jw, "cost");
  gb_jsonw_object_begin(&jw);
  gb_jsonw_key(&jw, "tool");
  gb_jsonw_string(&jw, "callgrind");
  gb_jsonw_key(&jw, "event");
  gb_jsonw_string(&jw, "Ir");
  gb_jsonw_key(&jw, "events_processed");
  gb_jsonw_uint(&jw, events);
  gb_jsonw_key(&jw, "instructions_total");
  gb_jsonw_uint(&jw, gb_callgrind_total(cg));
  gb_jsonw_object_end(&jw);
  gb_jsonw_object_end(&jw);
  return gb_afile_commit(f, err);
}

/* The results directory: summary.csv and manifest.json next to callgrind.out in DIR.partial,
 * the run's scratch files removed, then DIR.partial renamed to DIR. */
static int write_results(const cost_job *j, const gb_workload *w, const gb_callgrind *cg,
                         const gb_cost_row *rows, size_t n, uint64_t events, time_t start,
                         gb_err *err) {
  if (gb_cost_write_summary(j->work, rows, n, events, err) != 0 ||
      write_manifest(j, w, cg, events, start, err) != 0)
    return -1;
  gb_run_remove_tree(j->run_dir);
  unlink(j->log);
  if (rename(j->work, j->out_dir) != 0)
    return gb_err_set(err, GB_ERR_RUNTIME, "%s -> %s: %s", j->work, j->out_dir, strerror(errno));
  return 0;
}

static int measure(cost_job *j, const gb_workload *w, gb_err *err) {
  time_t start = time(NULL);
  if (prepare(j, err) != 0)
    return -1;
  fprintf(stderr, "gamebench bench cost: running %s under callgrind...\n", j->workload_path);
  uint64_t events = 0;
  gb_callgrind *cg = NULL;
  int rc = -1;
  if (run_under_callgrind(j, err) != 0 || read_events(j, &events, err) != 0 ||
      gb_callgrind_load(j->profile, &cg, err) != 0)
    goto out;
  gb_cost_row rows[32];
  GB_ASSERT(gb_cost_rows_max() <= sizeof rows / sizeof rows[0]);
  size_t n = gb_cost_measure(cg, events, rows);
  printf("gamebench bench cost: %s, %.1f s under callgrind (%s)\n\n", w->name, j->seconds,
         gb_callgrind_creator(cg));
  gb_cost_print(stdout, rows, n, events);
  rc = j->out_dir ? write_results(j, w, cg, rows, n, events, start, err) : 0;
  if (rc == 0 && j->out_dir)
    printf("%s/summary.csv\n", j->out_dir);
out:
  gb_callgrind_free(cg);
  if (rc != 0 || !j->out_dir)
    gb_run_remove_tree(j->work);
  return rc;
}

int gb_bench_cost(int argc, char **argv) {
  const char *out = NULL;
  gb_opt_list sets = {0};
  const gb_opt opts[] = {
      {"out", 'o', GB_OPT_STRING, &out, "DIR",
       "write a results directory (must not exist) for gamebench compare; default: none", 0, 0},
      {"set", 's', GB_OPT_LIST, &sets, "KEY=VALUE",
       "override a workload key, e.g. --set engine.extra_work_per_event=100 (repeatable)", 0, 0},
      {0},
  };
  const gb_cmd_spec spec = {
      .name = "bench cost",
      .usage = "WORKLOAD [options]",
      .summary = "Instructions per event per stage, counted by callgrind: the deterministic "
                 "cost gate.",
      .details = details,
      .min_positional = 1,
      .max_positional = 1,
      .opts = opts,
  };
  gb_opts_result res;
  int parsed = gb_opts_command(&spec, argc, argv, &res);
  if (parsed >= 0)
    return parsed;
  gb_err err = {0};
  gb_workload *w = NULL;
  /* The workload is checked here, so that a bad key exits 2 before valgrind starts. */
  if (gb_workload_load(res.positional[0], sets.items, sets.n, &w, &err) != 0)
    return gb_opts_fail(&err);
  cost_job j = {.workload_path = res.positional[0], .sets = &sets, .out_dir = out};
  int rc = measure(&j, w, &err);
  gb_workload_free(w);
  return rc == 0 ? 0 : gb_opts_fail(&err);
}
