#include "gb_test_kafka.h"

#include <criterion/criterion.h>
#include <librdkafka/rdkafka.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>

#include "gb_clock.h"
#include "gb_test_results.h"
#include "gb_test_support.h"

const char *const gbt_kafka_topic_suffixes[GBT_KAFKA_TOPICS] = {
    "card", "steam", "feedback", "control", "decisions", "epochs", "deadletter", "aggregates"};

#define PARTITIONS 4
#define STRINGIFY_(x) #x
#define STRINGIFY(x) STRINGIFY_(x)
/* 300 players over 2 sim hours: about a thousand events. */
#define WORKLOAD                                                                                   \
  "workloads/default.yaml --set sim.players=300 --set warmup=0s --set "                            \
  "transport.partitions=" STRINGIFY(PARTITIONS)
#define SECOND_NS 1000000000LL
#define POLL_NS 20000000LL /* how often the waits look again: 20 ms */

/* The malformed messages, one per card partition 0..2, and what their dead letters say (the
 * payload as JSON-escaped in dead_letter.jsonl, a word of the reason). */
static const struct {
  const char *value, *escaped, *reason;
} garbage[] = {
    {"this is not json", "\"payload\":\"this is not json\"", "JSON"},
    {"{\"type\":\"no_such_event\"}", "\"payload\":\"{\\\"type\\\":\\\"no_such_event\\\"}\"",
     "no_such_event"},
    {"{\"event_id\": 12", "\"payload\":\"{\\\"event_id\\\": 12\"", "JSON"},
};
enum { N_GARBAGE = sizeof garbage / sizeof garbage[0] };

static rd_kafka_t *producer(const char *brokers) {
  char errstr[512];
  rd_kafka_conf_t *conf = rd_kafka_conf_new();
  cr_assert_eq(rd_kafka_conf_set(conf, "bootstrap.servers", brokers, errstr, sizeof errstr),
               RD_KAFKA_CONF_OK, "%s", errstr);
  rd_kafka_conf_set(conf, "log_level", "3", errstr, sizeof errstr);
  rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
  cr_assert_not_null(rk, "%s", errstr);
  return rk;
}

/* Waits until topic holds a message in some partition (the simulator is sending). */
static bool wait_for_messages(rd_kafka_t *rk, const char *topic, int timeout_s) {
  int64_t deadline = gb_clock_now_ns() + timeout_s * SECOND_NS;
  while (gb_clock_now_ns() < deadline) {
    for (int p = 0; p < PARTITIONS; p++) {
      int64_t lo = 0, hi = 0;
      if (rd_kafka_query_watermark_offsets(rk, topic, p, &lo, &hi, 1000) ==
              RD_KAFKA_RESP_ERR_NO_ERROR &&
          hi > 0)
        return true;
    }
    gb_clock_sleep_until_ns(gb_clock_now_ns() + POLL_NS);
  }
  return false;
}

/* Produces the garbage straight to the card topic: no key, no header. */
static void inject(rd_kafka_t *rk, const char *topic) {
  for (int i = 0; i < N_GARBAGE; i++) {
    rd_kafka_resp_err_t e =
        rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_PARTITION(i),
                          RD_KAFKA_V_VALUE((void *)garbage[i].value, strlen(garbage[i].value)),
                          RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
    cr_assert_eq(e, RD_KAFKA_RESP_ERR_NO_ERROR, "%s", rd_kafka_err2str(e));
  }
  cr_assert_eq(rd_kafka_flush(rk, 10000), RD_KAFKA_RESP_ERR_NO_ERROR, "the garbage was delivered");
}

static bool running(pid_t pid) { return waitpid(pid, NULL, WNOHANG) == 0; }

static void assert_dead_letters(const char *dir) {
  char *text = gbt_result_text(dir, "dead_letter.jsonl");
  /* one line each, in (topic, partition, offset) order: the garbage went to partitions 0..2 */
  const char *line = text;
  for (int i = 0; i < N_GARBAGE; i++) {
    const char *end = strchr(line, '\n');
    cr_assert_not_null(end, "dead_letter.jsonl: %d lines, expected %d:\n%s", i, N_GARBAGE, text);
    char *row = strndup(line, (size_t)(end - line));
    char origin[64];
    snprintf(origin, sizeof origin, "{\"topic\":\"card\",\"partition\":%d,\"offset\":", i);
    cr_assert(strncmp(row, origin, strlen(origin)) == 0, "line %d: %s", i + 1, row);
    cr_assert_not_null(strstr(row, garbage[i].escaped), "line %d: %s", i + 1, row);
    const char *reason = strstr(row, "\"reason\":\"");
    cr_assert_not_null(reason, "line %d: %s", i + 1, row);
    cr_assert_not_null(strstr(reason, garbage[i].reason), "line %d: the reason: %s", i + 1, row);
    free(row);
    line = end + 1;
  }
  cr_assert_eq(*line, '\0', "dead_letter.jsonl: more lines than the %d injected:\n%s", N_GARBAGE,
               text);
  free(text);
}

void gbt_kafka_rejects_reach_the_results(const char *brokers, const char *run_id, const char *tmp) {
  char *inproc = gbt_path(tmp, "rejects-inproc"), *dir = gbt_path(tmp, "rejects-sim");
  char *engine_log = gbt_path(tmp, "rejects-engine.log"),
       *sim_log = gbt_path(tmp, "rejects-sim.log");
  gbt_proc ref = gbt_gamebench("run " WORKLOAD " --set sim.time_scale=max --quiet --no-report "
                               "--out '%s'",
                               inproc);
  cr_assert_eq(ref.status, 0, "exit %d\n%s", ref.status, ref.err);
  pid_t engine =
      gbt_spawn(engine_log, "engine " WORKLOAD " --brokers %s --run %s", brokers, run_id);
  cr_assert(gbt_wait_for_text(engine_log, "SIGINT or SIGTERM to stop", 60), "the engine started");
  /* 2 sim hours at 1200x: 6 s of wall time, in which the garbage arrives */
  pid_t sim = gbt_spawn(sim_log,
                        "sim " WORKLOAD " --set sim.time_scale=1200 --to kafka --brokers %s "
                        "--run %s --quiet --out '%s'",
                        brokers, run_id, dir);
  char card[256];
  snprintf(card, sizeof card, "gamebench.%s.card", run_id);
  rd_kafka_t *rk = producer(brokers);
  cr_assert(wait_for_messages(rk, card, 60), "the simulator sent nothing");
  inject(rk, card);
  rd_kafka_destroy(rk);
  cr_assert(running(sim), "the simulator is still running: the garbage is part of its run");
  int sim_status = gbt_wait_exit(sim, 240);
  kill(engine, SIGTERM);
  int engine_status = gbt_wait_exit(engine, 60);
  char *sim_err = gbt_read_file(sim_log, NULL), *engine_err = gbt_read_file(engine_log, NULL);
  cr_assert_eq(sim_status, 0, "simulator exit %d\n%s", sim_status, sim_err ? sim_err : "");
  cr_assert_eq(engine_status, 0, "engine exit %d\n%s", engine_status, engine_err ? engine_err : "");
  char *summary = gbt_result_text(dir, "summary.csv");
  cr_assert_eq(gbt_metric(summary, "events_rejected"), N_GARBAGE, "%s", summary);
  cr_assert_eq(gbt_metric(summary, "events_lost"), 0);
  cr_assert_eq(gbt_metric(summary, "events_processed"), gbt_metric(summary, "events_generated"));
  cr_assert_eq(gbt_metric(summary, "events_consumed"),
               gbt_metric(summary, "events_generated") + N_GARBAGE,
               "consumed = processed + rejected");
  assert_dead_letters(dir);
  gbt_assert_same_bytes(inproc, dir, "aggregates.csv");
  gbt_assert_same_bytes(inproc, dir, "cube.gbc");
  gbt_assert_same_bytes(inproc, dir, "arms.csv");
  free(summary);
  free(sim_err);
  free(engine_err);
  gbt_proc_free(&ref);
  free(engine_log);
  free(sim_log);
  free(inproc);
  free(dir);
}
