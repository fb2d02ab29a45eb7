/* Against a real Apache Kafka broker (scripts/kafka-local start, or docker-compose.yml):
 * `gamebench run` through it, `gamebench sim --to kafka` with separate `gamebench engine`
 * processes, one of them killed and restarted mid-run, two engines sharing the partitions, the
 * simulator split over two processes whose results directories are merged, and malformed
 * messages the engines reject reaching the simulator's results. Every result must equal the
 * in-process run's.
 *
 * The broker's address comes from GB_KAFKA_BOOTSTRAP. Without it the suite is skipped, with a
 * message, except under CI=true, where it fails: CI always runs it (scripts/test starts the
 * broker). */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <librdkafka/rdkafka.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "gb_clock.h"
#include "gb_test_http.h"
#include "gb_test_kafka.h"
#include "gb_test_results.h"
#include "gb_test_support.h"

#define SECOND_NS 1000000000LL
#define POLL_NS 20000000LL /* how often the waits below look again: 20 ms */
/* 300 players over 2 sim hours (a few thousand events, a few hundred decisions). */
#define SMALL_PARTITIONS 8
#define STRINGIFY_(x) #x
#define STRINGIFY(x) STRINGIFY_(x)
#define SMALL                                                                                      \
  "workloads/default.yaml --set sim.players=300 --set warmup=0s --set "                            \
  "transport.partitions=" STRINGIFY(SMALL_PARTITIONS)

static char *tmp;
static const char *brokers;

static void setup(void) {
  brokers = getenv("GB_KAFKA_BOOTSTRAP");
  if (!brokers || !*brokers) {
    const char *ci = getenv("CI");
    if (ci && strcmp(ci, "true") == 0)
      cr_assert_fail(
          "CI=true but GB_KAFKA_BOOTSTRAP is not set: the real-broker suite never skips in "
          "CI (scripts/test starts scripts/kafka-local and exports it)");
    fprintf(stderr, "kafka_real: skipped: no broker (set GB_KAFKA_BOOTSTRAP=HOST:PORT, e.g. "
                    "from `scripts/kafka-local start`)\n");
    cr_skip_test("no broker: set GB_KAFKA_BOOTSTRAP=HOST:PORT (e.g. from `scripts/kafka-local "
                 "start`) to run the real-broker suite");
  }
  tmp = gbt_tmpdir();
}

static void teardown(void) {
  if (tmp) {
    gbt_rmtree(tmp);
    free(tmp);
    tmp = NULL;
  }
}

TestSuite(kafka_real, .init = setup, .fini = teardown);

/* ---- helpers */

/* A run id no earlier test run used: topics are per run id. */
static void fresh_run_id(char *out, size_t cap, const char *what) {
  snprintf(out, cap, "test-%s-%ld-%lld", what, (long)getpid(), (long long)gb_clock_wall_ns());
}

/* The in-process reference: same workload, no broker. */
static char *reference(void) {
  char *dir = gbt_path(tmp, "inproc");
  gbt_proc p = gbt_gamebench("run " SMALL " --set sim.time_scale=max --quiet --no-report "
                             "--out '%s'",
                             dir);
  cr_assert_eq(p.status, 0, "exit %d\n%s", p.status, p.err);
  gbt_proc_free(&p);
  return dir;
}

static bool running(pid_t pid) { return waitpid(pid, NULL, WNOHANG) == 0; }

/* Offsets the engine group of run_id has committed on the card topic, summed over partitions
 * (an OffsetFetch; this client never joins the group). */
static int64_t committed_offsets(const char *run_id, unsigned partitions) {
  char group[256], topic[256], errstr[512];
  snprintf(group, sizeof group, "gamebench.%s.engine", run_id);
  snprintf(topic, sizeof topic, "gamebench.%s.card", run_id);
  rd_kafka_conf_t *conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "bootstrap.servers", brokers, errstr, sizeof errstr);
  rd_kafka_conf_set(conf, "group.id", group, errstr, sizeof errstr);
  rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, sizeof errstr);
  cr_assert_not_null(rk, "%s", errstr);
  rd_kafka_topic_partition_list_t *list = rd_kafka_topic_partition_list_new((int)partitions);
  for (unsigned p = 0; p < partitions; p++)
    rd_kafka_topic_partition_list_add(list, topic, (int32_t)p);
  int64_t sum = 0;
  if (rd_kafka_committed(rk, list, 5000) == RD_KAFKA_RESP_ERR_NO_ERROR)
    for (int i = 0; i < list->cnt; i++)
      if (list->elems[i].offset > 0)
        sum += list->elems[i].offset;
  rd_kafka_topic_partition_list_destroy(list);
  rd_kafka_destroy(rk);
  return sum;
}

/* The decimal number at text into *out: 0, or -1 when there is none (or it overflows). */
static int number_at(const char *text, long *out) {
  char *end = NULL;
  errno = 0;
  long v = strtol(text, &end, 10);
  if (end == text || errno == ERANGE)
    return -1;
  *out = v;
  return 0;
}

/* The partitions an engine said it owns last ("owns N of P partitions"), -1 before it said so
 * (a line still being written, without its number yet, does not count). */
static long last_owned(const char *log_path) {
  char *log = gbt_read_file(log_path, NULL);
  long owned = -1;
  for (const char *at = log ? strstr(log, " owns ") : NULL; at; at = strstr(at + 1, " owns ")) {
    long n;
    if (number_at(at + strlen(" owns "), &n) == 0)
      owned = n;
  }
  free(log);
  return owned;
}

/* Waits until the group has spread the partitions over both engines: each one owns some, so the
 * run that follows really is shared rather than handled by whichever engine joined first. */
static bool wait_for_split(const char *log1, const char *log2, long partitions, int timeout_s) {
  int64_t deadline = gb_clock_now_ns() + timeout_s * SECOND_NS;
  for (;;) {
    long o1 = last_owned(log1), o2 = last_owned(log2);
    if (o1 > 0 && o1 < partitions && o2 > 0 && o2 < partitions)
      return true;
    if (gb_clock_now_ns() > deadline)
      return false;
    gb_clock_sleep_until_ns(gb_clock_now_ns() + POLL_NS);
  }
}

/* The number before `label` in an engine's final counts line ("... 123 replayed ..."). */
static long engine_count(const char *log_path, const char *label) {
  char *log = gbt_read_file(log_path, NULL);
  cr_assert_not_null(log, "%s missing", log_path);
  const char *at = strstr(log, label);
  cr_assert_not_null(at, "no '%s' in %s:\n%s", label, log_path, log);
  while (at > log && at[-1] == ' ')
    at--;
  while (at > log && at[-1] >= '0' && at[-1] <= '9')
    at--;
  long n = 0;
  cr_assert_eq(number_at(at, &n), 0, "no number before '%s' in %s:\n%s", label, log_path, log);
  free(log);
  return n;
}

/* ---- the tests */

Test(kafka_real, run_through_the_broker_gives_the_same_arms, .timeout = 300) {
  char *inproc = reference();
  char *dir = gbt_path(tmp, "kafka");
  gbt_proc p = gbt_gamebench("run " SMALL " --set sim.time_scale=max --set transport.kind=kafka "
                             "--set transport.brokers=%s --quiet --no-report --out '%s'",
                             brokers, dir);
  cr_assert_eq(p.status, 0, "exit %d\n%s", p.status, p.err);
  gbt_assert_same_result(inproc, dir, "arms.csv");
  char *summary = gbt_result_text(dir, "summary.csv");
  cr_assert_eq(gbt_metric(summary, "events_lost"), 0);
  cr_assert_eq(gbt_metric(summary, "events_processed"), gbt_metric(summary, "events_generated"));
  free(summary);
  gbt_proc_free(&p);
  free(dir);
  free(inproc);
}

/* The learning algorithms' epochs close on the producers' watermarks, which travel through the
 * broker like every event: the same arms.csv and decisions.csv as in process. */
Test(kafka_real, learning_arms_through_the_broker_learn_the_same, .timeout = 300) {
  const char *wl = GB_SOURCE_DIR "/tests/fixtures/workloads/learning.yaml";
  char *inproc = gbt_path(tmp, "learning-inproc"), *dir = gbt_path(tmp, "learning-kafka");
  gbt_proc a =
      gbt_gamebench("run %s --set sim.players=600 --quiet --no-report --out '%s'", wl, inproc);
  cr_assert_eq(a.status, 0, "exit %d\n%s", a.status, a.err);
  gbt_proc b = gbt_gamebench("run %s --set sim.players=600 --set transport.kind=kafka "
                             "--set transport.brokers=%s --set engine.threads=2 --quiet "
                             "--no-report --out '%s'",
                             wl, brokers, dir);
  cr_assert_eq(b.status, 0, "exit %d\n%s", b.status, b.err);
  gbt_assert_same_bytes(inproc, dir, "arms.csv");
  gbt_assert_same_bytes(inproc, dir, "decisions.csv");
  gbt_proc_free(&a);
  gbt_proc_free(&b);
  free(inproc);
  free(dir);
}

/* Learning arms with the simulator and two `gamebench engine` processes apart: each engine sends
 * the statistics of its partitions per epoch through the exchange topic, every process closes
 * the epochs from all of them, and the simulator gates its events on the same closes. The
 * simulator's arms.csv is the in-process one, byte for byte. */
Test(kafka_real, two_engine_processes_learn_what_one_process_learns, .timeout = 300) {
  const char *wl = GB_SOURCE_DIR "/tests/fixtures/workloads/learning.yaml";
  const char *set = "--set sim.players=600 --set transport.partitions=" STRINGIFY(SMALL_PARTITIONS);
  char *inproc = gbt_path(tmp, "learning-one"), *dir = gbt_path(tmp, "learning-sim");
  gbt_proc a = gbt_gamebench("run %s %s --quiet --no-report --out '%s'", wl, set, inproc);
  cr_assert_eq(a.status, 0, "exit %d\n%s", a.status, a.err);
  char run_id[128];
  fresh_run_id(run_id, sizeof run_id, "learn");
  char *log1 = gbt_path(tmp, "engine1.log"), *log2 = gbt_path(tmp, "engine2.log");
  pid_t e1 = gbt_spawn(log1, "engine %s %s --brokers %s --run %s", wl, set, brokers, run_id);
  pid_t e2 = gbt_spawn(log2, "engine %s %s --brokers %s --run %s", wl, set, brokers, run_id);
  cr_assert(gbt_wait_for_text(log1, "SIGINT or SIGTERM to stop", 60));
  cr_assert(gbt_wait_for_text(log2, "SIGINT or SIGTERM to stop", 60));
  cr_assert(wait_for_split(log1, log2, SMALL_PARTITIONS, 60),
            "the group did not spread the partitions over both engines (last: %ld and %ld)",
            last_owned(log1), last_owned(log2));
  gbt_proc p = gbt_gamebench("sim %s %s --to kafka --brokers %s --run %s --quiet --out '%s'", wl,
                             set, brokers, run_id, dir);
  cr_assert_eq(p.status, 0, "exit %d\n%s", p.status, p.err);
  kill(e1, SIGTERM);
  kill(e2, SIGTERM);
  cr_assert_eq(gbt_wait_exit(e1, 60), 0);
  cr_assert_eq(gbt_wait_exit(e2, 60), 0);
  gbt_assert_same_bytes(inproc, dir, "arms.csv");
  cr_assert_gt(engine_count(log1, " events consumed"), 0, "engine 1 took part");
  cr_assert_gt(engine_count(log2, " events consumed"), 0, "engine 2 took part");
  gbt_proc_free(&a);
  gbt_proc_free(&p);
  free(log1);
  free(log2);
  free(inproc);
  free(dir);
}

/* The simulator split over two processes (`sim --instance 1/2` and `2/2`, one simulator thread
 * each) with two `gamebench engine` processes, on the learning fixture: the engines see one
 * simulator's streams and close the epochs from both instances' watermarks, each instance writes
 * its part, and `report --merge` adds the parts up into the in-process run's arms.csv, byte for
 * byte, every event accounted for. A merge without one of the parts is refused, and neither
 * part alone is the whole run. */
Test(kafka_real, two_simulator_instances_merge_into_what_one_process_gives, .timeout = 300) {
  const char *wl = GB_SOURCE_DIR "/tests/fixtures/workloads/learning.yaml";
  const char *set =
      "--set sim.players=600 --set sim.threads=2 --set transport.partitions=" STRINGIFY(
          SMALL_PARTITIONS);
  char *inproc = gbt_path(tmp, "split-one"), *merged = gbt_path(tmp, "split-merged");
  char *part1 = gbt_path(tmp, "split-1"), *part2 = gbt_path(tmp, "split-2");
  gbt_proc a = gbt_gamebench("run %s %s --quiet --no-report --out '%s'", wl, set, inproc);
  cr_assert_eq(a.status, 0, "exit %d\n%s", a.status, a.err);
  char run_id[128];
  fresh_run_id(run_id, sizeof run_id, "split");
  char *log1 = gbt_path(tmp, "engine1.log"), *log2 = gbt_path(tmp, "engine2.log");
  char *sim_log = gbt_path(tmp, "sim1.log");
  pid_t e1 = gbt_spawn(log1, "engine %s %s --brokers %s --run %s", wl, set, brokers, run_id);
  pid_t e2 = gbt_spawn(log2, "engine %s %s --brokers %s --run %s", wl, set, brokers, run_id);
  cr_assert(gbt_wait_for_text(log1, "SIGINT or SIGTERM to stop", 60));
  cr_assert(gbt_wait_for_text(log2, "SIGINT or SIGTERM to stop", 60));
  cr_assert(wait_for_split(log1, log2, SMALL_PARTITIONS, 60),
            "the group did not spread the partitions over both engines (last: %ld and %ld)",
            last_owned(log1), last_owned(log2));
  pid_t s1 = gbt_spawn(sim_log,
                       "sim %s %s --to kafka --brokers %s --run %s --instance 1/2 --quiet "
                       "--out '%s'",
                       wl, set, brokers, run_id, part1);
  gbt_proc s2 = gbt_gamebench("sim %s %s --to kafka --brokers %s --run %s --instance 2/2 --quiet "
                              "--out '%s'",
                              wl, set, brokers, run_id, part2);
  int s1_status = gbt_wait_exit(s1, 240);
  char *s1_err = gbt_read_file(sim_log, NULL);
  cr_assert_eq(s2.status, 0, "instance 2: exit %d\n%s", s2.status, s2.err);
  cr_assert_eq(s1_status, 0, "instance 1: exit %d\n%s", s1_status, s1_err ? s1_err : "");
  kill(e1, SIGTERM);
  kill(e2, SIGTERM);
  cr_assert_eq(gbt_wait_exit(e1, 60), 0);
  cr_assert_eq(gbt_wait_exit(e2, 60), 0);
  gbt_proc m =
      gbt_gamebench("report --merge '%s' '%s' --out '%s' --no-plots", part1, part2, merged);
  cr_assert_eq(m.status, 0, "exit %d\n%s", m.status, m.err);
  gbt_assert_same_bytes(inproc, merged, "arms.csv");
  gbt_assert_same_bytes(inproc, merged, "arms_daily.csv");
  gbt_assert_same_bytes(inproc, merged, "challenges.csv");
  char *one = gbt_result_text(inproc, "summary.csv"), *sum = gbt_result_text(merged, "summary.csv");
  cr_assert_eq(gbt_metric(sum, "events_lost"), 0);
  cr_assert_eq(gbt_metric(sum, "events_generated"), gbt_metric(one, "events_generated"));
  cr_assert_eq(gbt_metric(sum, "events_consumed"), gbt_metric(sum, "events_generated"),
               "the engines acknowledged every event of both instances");
  cr_assert_eq(gbt_metric(sum, "decisions"), gbt_metric(one, "decisions"));
  /* each part is only a part: its own arms.csv is not the run's, and the merge needs both */
  char *arms1 = gbt_result_text(part1, "arms.csv"), *arms = gbt_result_text(inproc, "arms.csv");
  cr_assert_str_neq(arms1, arms, "instance 1 alone is not the whole run");
  char *alone = gbt_path(tmp, "split-alone");
  gbt_proc x = gbt_gamebench("report --merge '%s' --out '%s' --no-plots", part1, alone);
  cr_assert_eq(x.status, 2, "exit %d\n%s", x.status, x.err);
  cr_assert_not_null(strstr(x.err, "instance 2/2 is missing"), "%s", x.err);
  cr_assert_gt(engine_count(log1, " events consumed"), 0, "engine 1 took part");
  cr_assert_gt(engine_count(log2, " events consumed"), 0, "engine 2 took part");
  gbt_proc_free(&x);
  free(alone);
  free(arms1);
  free(arms);
  free(one);
  free(sum);
  gbt_proc_free(&m);
  gbt_proc_free(&s2);
  gbt_proc_free(&a);
  free(s1_err);
  free(sim_log);
  free(log1);
  free(log2);
  free(part1);
  free(part2);
  free(inproc);
  free(merged);
}

Test(kafka_real, engine_killed_and_restarted_mid_run_changes_nothing, .timeout = 300) {
  char *inproc = reference();
  char run_id[128];
  fresh_run_id(run_id, sizeof run_id, "restart");
  char *log1 = gbt_path(tmp, "engine1.log"), *log2 = gbt_path(tmp, "engine2.log");
  char *sim_log = gbt_path(tmp, "sim.log"), *dir = gbt_path(tmp, "sim");
  pid_t e1 = gbt_spawn(log1, "engine " SMALL " --brokers %s --run %s", brokers, run_id);
  cr_assert(gbt_wait_for_text(log1, "SIGINT or SIGTERM to stop", 60), "engine 1 did not start");
  /* 2 sim hours at 1200x: 6 s of wall time, long enough to kill the engine in the middle. */
  pid_t sim = gbt_spawn(sim_log,
                        "sim " SMALL " --set sim.time_scale=1200 --to kafka --brokers %s "
                        "--run %s --quiet --out '%s'",
                        brokers, run_id, dir);
  int64_t deadline = gb_clock_now_ns() + 60 * SECOND_NS;
  while (committed_offsets(run_id, 8) == 0 && gb_clock_now_ns() < deadline)
    gb_clock_sleep_until_ns(gb_clock_now_ns() + POLL_NS);
  cr_assert_gt(committed_offsets(run_id, 8), 0, "engine 1 committed some progress");
  cr_assert(running(sim), "the simulator is still running: the kill is mid-run");
  kill(e1, SIGKILL);
  cr_assert_eq(gbt_wait_exit(e1, 30), 128 + SIGKILL);
  pid_t e2 = gbt_spawn(log2, "engine " SMALL " --brokers %s --run %s", brokers, run_id);
  int sim_status = gbt_wait_exit(sim, 240);
  kill(e2, SIGTERM);
  int e2_status = gbt_wait_exit(e2, 60);
  char *sim_err = gbt_read_file(sim_log, NULL);
  cr_assert_eq(sim_status, 0, "simulator exit %d\n%s", sim_status, sim_err ? sim_err : "");
  cr_assert_eq(e2_status, 0, "engine 2 stops cleanly on SIGTERM");
  gbt_assert_same_result(inproc, dir, "arms.csv");
  char *summary = gbt_result_text(dir, "summary.csv");
  cr_assert_eq(gbt_metric(summary, "events_lost"), 0);
  cr_assert_eq(gbt_metric(summary, "events_consumed"), gbt_metric(summary, "events_generated"),
               "the engines acknowledged every event");
  cr_assert_gt(engine_count(log2, " replayed to rebuild state"), 0,
               "engine 2 rebuilt the players' state by replaying");
  free(summary);
  free(sim_err);
  free(log1);
  free(log2);
  free(sim_log);
  free(dir);
  free(inproc);
}

/* Every event of the run, counted by a stats cube: `gamebench query` on a results directory,
 * or POST /query to an engine's --http port. */
static const char COUNT_ALL[] = "{\"from\": \"2026-01-01T00:00:00Z\", \"to\": "
                                "\"2026-02-01T00:00:00Z\", \"measures\": [\"count\"]}";

/* The count in a one-row, one-column JSON answer ({"columns":["count"],"rows":[[N]]}). */
static long answer_count(const char *json) {
  const char *rows = strstr(json, "\"rows\":[[");
  cr_assert_not_null(rows, "%s", json);
  return strtol(rows + strlen("\"rows\":[["), NULL, 10);
}

static long engine_cube_count(const char *log) {
  unsigned port = gbt_http_served_port(log);
  int status;
  char *body;
  gbt_http_request((uint16_t)port, "POST", "/query", COUNT_ALL, &status, &body);
  cr_assert_eq(status, 200, "%s", body);
  long n = answer_count(body);
  free(body);
  return n;
}

Test(kafka_real, two_engines_share_the_partitions, .timeout = 300) {
  char *inproc = reference();
  char run_id[128];
  fresh_run_id(run_id, sizeof run_id, "scale");
  char *log1 = gbt_path(tmp, "engine1.log"), *log2 = gbt_path(tmp, "engine2.log");
  char *dir = gbt_path(tmp, "sim");
  pid_t e1 = gbt_spawn(log1, "engine " SMALL " --brokers %s --run %s --http 0", brokers, run_id);
  pid_t e2 = gbt_spawn(log2, "engine " SMALL " --brokers %s --run %s --http 0", brokers, run_id);
  cr_assert(gbt_wait_for_text(log1, "SIGINT or SIGTERM to stop", 60));
  cr_assert(gbt_wait_for_text(log2, "SIGINT or SIGTERM to stop", 60));
  cr_assert(wait_for_split(log1, log2, SMALL_PARTITIONS, 60),
            "the group did not spread the partitions over both engines (last: %ld and %ld)",
            last_owned(log1), last_owned(log2));
  gbt_proc p = gbt_gamebench("sim " SMALL " --set sim.time_scale=max --to kafka --brokers %s "
                             "--run %s --quiet --out '%s'",
                             brokers, run_id, dir);
  cr_assert_eq(p.status, 0, "exit %d\n%s", p.status, p.err);
  /* The engines' live cubes together hold every event once, as the in-process run's cube. */
  char *qpath = gbt_path(tmp, "count_all.json");
  gbt_write_file(qpath, COUNT_ALL);
  gbt_proc q = gbt_gamebench("query '%s' '%s' --format json", inproc, qpath);
  cr_assert_eq(q.status, 0, "%s", q.err);
  long both = engine_cube_count(log1) + engine_cube_count(log2);
  cr_assert_eq(both, answer_count(q.out), "engines %ld, in process %ld", both, answer_count(q.out));
  gbt_proc_free(&q);
  free(qpath);
  kill(e1, SIGTERM);
  kill(e2, SIGTERM);
  cr_assert_eq(gbt_wait_exit(e1, 60), 0);
  cr_assert_eq(gbt_wait_exit(e2, 60), 0);
  gbt_assert_same_result(inproc, dir, "arms.csv");
  /* both engines' aggregates reached the simulator's results, each event once */
  gbt_assert_same_bytes(inproc, dir, "aggregates.csv");
  gbt_assert_same_bytes(inproc, dir, "cube.gbc");
  long c1 = engine_count(log1, " events consumed"), c2 = engine_count(log2, " events consumed");
  cr_assert_gt(c1, 0, "engine 1 took part");
  cr_assert_gt(c2, 0, "engine 2 took part");
  gbt_proc_free(&p);
  free(log1);
  free(log2);
  free(dir);
  free(inproc);
}

Test(kafka_real, rejected_messages_and_aggregates_reach_the_simulators_results, .timeout = 300) {
  char run_id[128];
  fresh_run_id(run_id, sizeof run_id, "rejects");
  gbt_kafka_rejects_reach_the_results(brokers, run_id, tmp);
}
