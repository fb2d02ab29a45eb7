/* The Kafka transport against the embedded broker (librdkafka's mock cluster, in process):
 * ordering and exactly-once delivery across topics, replies, a broker going down and up,
 * messages deleted before they were consumed, `gamebench run` end to end, and `gamebench sim`
 * with a `gamebench engine` process on a mock cluster this test hosts. */
#include <criterion/criterion.h>
#include <errno.h>
#include <inttypes.h>
#include <librdkafka/rdkafka.h> /* before rdkafka_mock.h, which needs it */
#include <librdkafka/rdkafka_mock.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gb_clock.h"
#include "gb_test_kafka.h"
#include "gb_test_results.h"
#include "gb_test_support.h"
#include "gb_transport_kafka.h"

enum { PLAYERS = 400, PRODUCERS = 2, SHARDS = 2, REPLY_EVERY = 5 }; /* PRODUCERS: at most */
#define DEADLINE_NS (60LL * 1000000000LL) /* a bound on every wait; the runs take seconds */
#define IDLE_WAIT_NS 1000000LL            /* the shards' and producers' wait when idle: 1 ms */

/* ---- a harness: producer and shard threads over one transport */

typedef struct harness {
  gb_transport *t;
  unsigned producers;      /* 1 .. PRODUCERS */
  bool reply_twice;        /* the shards send each reply twice (as a restarted engine would) */
  bool hold_replies;       /* the producers poll no reply before they are done */
  long per_producer;       /* messages each producer sends */
  size_t size;             /* bytes per message (>= 32) */
  _Atomic long released;   /* producers may send messages [0, released) */
  _Atomic long sent;       /* all producers together */
  _Atomic long delivered;  /* all shards together */
  _Atomic long misordered; /* a player's message out of order, twice, or garbled */
  _Atomic long replies;
  _Atomic bool shards_go;
  uint64_t last[SHARDS][PLAYERS + 1]; /* per shard: a player's last number seen */
} harness;

typedef struct worker {
  harness *h;
  unsigned index;
  pthread_t thread;
} worker;

/* Reads "PLAYER N" (two decimal numbers, as the producers write them, then a space and their
 * padding); false when text does not start so. */
static bool parse_message(const char *text, uint64_t *player, uint64_t *n) {
  char *end = NULL;
  errno = 0;
  unsigned long long p = strtoull(text, &end, 10);
  if (end == text || *end != ' ' || errno == ERANGE)
    return false;
  const char *second = end + 1;
  unsigned long long c = strtoull(second, &end, 10);
  if (end == second || (*end != ' ' && *end != '\0') || errno == ERANGE)
    return false;
  *player = p;
  *n = c;
  return true;
}

static void on_event(void *ctx, const void *msg, size_t len) {
  worker *w = ctx;
  harness *h = w->h;
  char text[32];
  uint64_t player, n;
  memcpy(text, msg, len < sizeof text ? len : sizeof text - 1);
  text[len < sizeof text ? len : sizeof text - 1] = '\0';
  if (!parse_message(text, &player, &n) || player == 0 || player > PLAYERS ||
      n != h->last[w->index][player] + 1) {
    atomic_fetch_add(&h->misordered, 1);
    return;
  }
  h->last[w->index][player] = n;
  atomic_fetch_add(&h->delivered, 1);
  for (int copy = 0; n % REPLY_EVERY == 0 && copy < (h->reply_twice ? 2 : 1); copy++)
    gb_transport_reply(h->t, w->index, player, text, strlen(text));
}

static void *shard_main(void *arg) {
  worker *w = arg;
  while (!atomic_load(&w->h->shards_go))
    gb_clock_sleep_until_ns(gb_clock_now_ns() + IDLE_WAIT_NS); /* held back by the test */
  bool finished = false;
  while (!finished && !gb_transport_failed(w->h->t, NULL))
    if (gb_transport_receive(w->h->t, w->index, 256, on_event, w, &finished) == 0 && !finished)
      gb_transport_wait_events(w->h->t, w->index, IDLE_WAIT_NS);
  return NULL;
}

static void on_reply(void *ctx, const void *msg, size_t len) {
  (void)msg;
  (void)len;
  atomic_fetch_add(&((worker *)ctx)->h->replies, 1);
}

static void *producer_main(void *arg) {
  worker *w = arg;
  harness *h = w->h;
  uint64_t count[PLAYERS + 1] = {0};
  char *msg = malloc(h->size);
  /* Bytes that lz4 cannot shrink much, so that sizes are what the test says. */
  for (size_t i = 0; i < h->size; i++)
    msg[i] = (char)('a' + (i * 7919 + w->index) % 26);
  for (long i = 0; i < h->per_producer && !gb_transport_failed(h->t, NULL); i++) {
    while (i >= atomic_load(&h->released))
      gb_transport_wait_replies(h->t, w->index, IDLE_WAIT_NS);
    /* this producer's players: k + 1 with k % producers == index */
    uint64_t player = (uint64_t)(i % (PLAYERS / h->producers)) * h->producers + w->index + 1;
    int n = snprintf(msg, 32, "%" PRIu64 " %" PRIu64, player, ++count[player]);
    msg[n] = ' ';
    gb_transport_send_on(h->t, w->index, (gb_event_channel)(count[player] % 3), player, msg,
                         h->size);
    atomic_fetch_add(&h->sent, 1);
    if (!h->hold_replies)
      gb_transport_poll_replies(h->t, w->index, on_reply, w);
  }
  free(msg);
  /* The end markers wait for the shards too: a test that holds them back holds these back. */
  while (!atomic_load(&h->shards_go))
    gb_transport_wait_replies(h->t, w->index, IDLE_WAIT_NS);
  gb_transport_producer_done(h->t, w->index);
  return NULL;
}

/* A transport for h->producers producers with reply rings of queue_bytes. */
static gb_transport *kafka_new_for(const harness *h, size_t queue_bytes, unsigned partitions,
                                   const char *const *props, size_t n_props) {
  gb_transport_config tc = {
      .n_producers = h->producers, .n_shards = SHARDS, .queue_bytes = queue_bytes};
  gb_transport_kafka_config kc = {.role = GB_KAFKA_ROLE_ALL,
                                  .brokers = "embedded",
                                  .partitions = partitions,
                                  .props = props,
                                  .n_props = n_props};
  gb_transport *t = NULL;
  gb_err err = {0};
  cr_assert_eq(gb_transport_kafka_new(&tc, &kc, &t, &err), 0, "%s", err.msg);
  return t;
}

/* A harness of PRODUCERS producers over a new transport (rings of 1 MiB). */
static harness *harness_new(unsigned partitions, const char *const *props, size_t n_props) {
  harness *h = calloc(1, sizeof *h);
  h->producers = PRODUCERS;
  h->t = kafka_new_for(h, 1 << 20, partitions, props, n_props);
  return h;
}

static void start(harness *h, worker *shards, worker *producers) {
  for (unsigned s = 0; s < SHARDS; s++) {
    shards[s] = (worker){.h = h, .index = s};
    pthread_create(&shards[s].thread, NULL, shard_main, &shards[s]);
  }
  for (unsigned x = 0; x < h->producers; x++) {
    producers[x] = (worker){.h = h, .index = x};
    pthread_create(&producers[x].thread, NULL, producer_main, &producers[x]);
  }
}

static void join(const harness *h, worker *shards, worker *producers) {
  for (unsigned x = 0; x < h->producers; x++)
    pthread_join(producers[x].thread, NULL);
  for (unsigned s = 0; s < SHARDS; s++)
    pthread_join(shards[s].thread, NULL);
}

/* Every producer sends per_producer messages of size bytes, the shards read from the start, and
 * the call returns when every thread has finished. */
static void run_to_end(harness *h, long per_producer, size_t size) {
  h->per_producer = per_producer;
  h->size = size;
  atomic_store(&h->released, h->per_producer);
  atomic_store(&h->shards_go, true);
  worker shards[SHARDS], producers[PRODUCERS];
  start(h, shards, producers);
  join(h, shards, producers);
}

/* Waits until *v >= target or the deadline; returns whether it got there. */
static bool wait_for(_Atomic long *v, long target, gb_transport *t) {
  int64_t deadline = gb_clock_now_ns() + DEADLINE_NS;
  while (atomic_load(v) < target && gb_clock_now_ns() < deadline && !gb_transport_failed(t, NULL))
    gb_clock_sleep_until_ns(gb_clock_now_ns() + IDLE_WAIT_NS);
  return atomic_load(v) >= target;
}

static void assert_complete(harness *h) {
  long total = h->per_producer * h->producers;
  gb_err err = {0};
  cr_assert_not(gb_transport_failed(h->t, &err), "%s", err.msg);
  cr_assert_eq(atomic_load(&h->misordered), 0, "every player's messages once, in order");
  cr_assert_eq(atomic_load(&h->delivered), total);
  gb_transport_stats st;
  gb_transport_get_stats(h->t, &st);
  cr_assert_eq(st.sent, (uint64_t)total);
  cr_assert_eq(st.received, (uint64_t)total);
  cr_assert_eq(st.acknowledged, (uint64_t)total, "the engine confirmed every stream's end");
  cr_assert_eq(st.lost, 0);
  cr_assert_eq(st.replies_sent, (uint64_t)(total / REPLY_EVERY * (h->reply_twice ? 2 : 1)));
  /* The producers have stopped: this thread takes the replies still on their way. */
  int64_t deadline = gb_clock_now_ns() + DEADLINE_NS;
  while (atomic_load(&h->replies) < total / REPLY_EVERY && gb_clock_now_ns() < deadline)
    for (unsigned x = 0; x < h->producers; x++) {
      worker w = {.h = h, .index = x};
      if (gb_transport_poll_replies(h->t, x, on_reply, &w) == 0)
        gb_transport_wait_replies(h->t, x, IDLE_WAIT_NS);
    }
  cr_assert_eq(atomic_load(&h->replies), total / REPLY_EVERY, "every reply arrived, once");
  cr_assert(gb_transport_reconcile(h->t, stderr));
}

Test(kafka_mock, every_message_once_in_order_across_topics, .timeout = 120) {
  harness *h = harness_new(8, NULL, 0);
  cr_assert_str_eq(gb_transport_kind_name(h->t), "kafka");
  cr_assert_eq(gb_transport_partitions(h->t), 8);
  unsigned owned = 0;
  for (unsigned s = 0; s < SHARDS; s++) {
    cr_assert_eq(gb_transport_kafka_owned(h->t, s), 8 / SHARDS, "settled evenly");
    owned += gb_transport_kafka_owned(h->t, s);
  }
  cr_assert_eq(owned, 8);
  run_to_end(h, 20000, 200);
  assert_complete(h);
  for (unsigned p = 0; p < 8; p++) {
    gb_transport_partition_stats ps;
    gb_transport_get_partition_stats(h->t, p, &ps);
    cr_assert_gt(ps.sent, 0, "players spread over every partition");
    cr_assert_eq(ps.produced, ps.sent);
    cr_assert_eq(ps.acknowledged, ps.sent);
    cr_assert_eq(ps.delivered, ps.sent);
    cr_assert_eq(ps.gaps, 0);
  }
  gb_transport_free(h->t);
  free(h);
}

/* One producer reads the decisions topic in its own thread (no router thread). It polls no reply
 * while it sends, and its ring holds few: the replies come while gb_kafka_producer_done waits for
 * the acknowledgements (set aside, past the ring's room) and after it returned; every one still
 * arrives once, the second copies the shards send are dropped, the acknowledgements count. */
Test(kafka_mock, one_producer_reads_its_replies_itself, .timeout = 120) {
  harness *h = calloc(1, sizeof *h);
  h->producers = 1;
  h->reply_twice = true;
  h->hold_replies = true;
  h->t = kafka_new_for(h, 4096, 4, NULL, 0); /* rings of 4 KiB: about 100 replies */
  run_to_end(h, 20000, 200);
  cr_assert_eq(atomic_load(&h->replies), 0, "no reply polled before the producer was done");
  assert_complete(h);
  gb_transport_stats st;
  gb_transport_get_stats(h->t, &st);
  cr_assert_eq(st.replies_received, (uint64_t)(h->per_producer / REPLY_EVERY));
  cr_assert_eq(st.redelivered, (uint64_t)(h->per_producer / REPLY_EVERY), "each second copy");
  gb_transport_free(h->t);
  free(h);
}

Test(kafka_mock, broker_down_and_up_loses_nothing, .timeout = 120) {
  harness *h = harness_new(4, NULL, 0);
  h->per_producer = 10000;
  h->size = 200;
  long half = h->per_producer / 2;
  atomic_store(&h->released, half);
  atomic_store(&h->shards_go, true);
  worker shards[SHARDS], producers[PRODUCERS];
  start(h, shards, producers);
  cr_assert(wait_for(&h->delivered, half * PRODUCERS, h->t), "first half delivered");
  rd_kafka_mock_cluster_t *mock = gb_transport_kafka_mock(h->t);
  cr_assert_not_null(mock);
  /* Down with the second half on its way: connections drop, produce and fetch must retry. */
  cr_assert_eq(rd_kafka_mock_broker_set_down(mock, 1), RD_KAFKA_RESP_ERR_NO_ERROR);
  atomic_store(&h->released, h->per_producer);
  cr_assert(wait_for(&h->sent, h->per_producer * PRODUCERS, h->t), "second half queued");
  cr_assert_lt(atomic_load(&h->delivered), h->per_producer * PRODUCERS,
               "nothing of the second half got through while the broker was down");
  cr_assert_eq(rd_kafka_mock_broker_set_up(mock, 1), RD_KAFKA_RESP_ERR_NO_ERROR);
  join(h, shards, producers);
  assert_complete(h);
  gb_transport_free(h->t);
  free(h);
}

Test(kafka_mock, messages_deleted_before_they_were_read_fail_the_transport, .timeout = 120) {
  /* One partition, no compression, and a consumer that prefetches little and is held back: the
   * embedded broker keeps about 5 MiB per partition, so 16 MB sent deletes what it has not
   * read yet. */
  const char *props[] = {"compression.codec=none", "queued.max.messages.kbytes=256",
                         "queued.min.messages=10", "gamebench.ack.timeout.ms=20000"};
  harness *h = harness_new(1, props, sizeof props / sizeof props[0]);
  h->per_producer = 8000;
  h->size = 1000;
  atomic_store(&h->released, h->per_producer);
  worker shards[SHARDS], producers[PRODUCERS];
  start(h, shards, producers);
  cr_assert(wait_for(&h->sent, h->per_producer * PRODUCERS, h->t));
  /* Everything produced (the broker acknowledged it), then the shards may read. */
  int64_t deadline = gb_clock_now_ns() + DEADLINE_NS;
  gb_transport_partition_stats ps = {0};
  while (gb_clock_now_ns() < deadline) {
    gb_transport_get_partition_stats(h->t, 0, &ps);
    if (ps.produced == ps.sent)
      break;
    gb_clock_sleep_until_ns(gb_clock_now_ns() + IDLE_WAIT_NS);
  }
  cr_assert_eq(ps.produced, (uint64_t)(h->per_producer * PRODUCERS));
  atomic_store(&h->shards_go, true);
  join(h, shards, producers);
  gb_err err = {0};
  cr_assert(gb_transport_failed(h->t, &err), "the loss is detected");
  cr_assert(strstr(err.msg, "deleted before they were consumed"), "%s", err.msg);
  cr_assert(strstr(err.msg, "5 MiB per partition"), "says why: %s", err.msg);
  cr_assert_lt(atomic_load(&h->delivered), h->per_producer * PRODUCERS);
  cr_assert_eq(atomic_load(&h->misordered), 0, "what was delivered was in order");
  cr_assert_not(gb_transport_reconcile(h->t, NULL));
  gb_transport_free(h->t);
  free(h);
}

/* ---- gamebench run end to end */

/* 300 players over 2 sim hours: a few thousand events with a few hundred decisions. */
#define SMALL "workloads/default.yaml --set sim.players=300 --set warmup=0s --quiet --no-report"

static char *tmp;

static void setup(void) { tmp = gbt_tmpdir(); }
static void teardown(void) {
  gbt_rmtree(tmp);
  free(tmp);
}

TestSuite(kafka_run, .init = setup, .fini = teardown);

/* Runs gamebench run SMALL with extra arguments into tmp/name; returns the directory. */
static char *run(const char *name, const char *extra, int expect_status) {
  char *dir = gbt_path(tmp, name);
  gbt_proc p = gbt_gamebench("run " SMALL " %s --out '%s'", extra, dir);
  cr_assert_eq(p.status, expect_status, "exit %d\nstderr: %s", p.status, p.err);
  gbt_proc_free(&p);
  return dir;
}

/* The data rows of a results CSV come in byte order of their first column, which is unique. */
static void assert_rows_by_name(const char *dir, const char *name) {
  char *text = gbt_result_text(dir, name);
  char prev[256] = "";
  size_t rows = 0;
  char *line = strchr(text, '\n'); /* past the header */
  while (line) {
    char *end = strchr(line + 1, '\n');
    if (!end)
      break;
    char *comma = strchr(line + 1, ',');
    cr_assert(comma && comma < end && (size_t)(comma - line - 1) < sizeof prev);
    char cur[256];
    memcpy(cur, line + 1, (size_t)(comma - line - 1));
    cur[comma - line - 1] = '\0';
    cr_assert_lt(strcmp(prev, cur), 0, "%s: '%s' after '%s'", name, cur, prev);
    memcpy(prev, cur, sizeof prev); /* same size */
    rows++;
    line = end;
  }
  cr_assert_gt(rows, 1, "%s: several games", name);
  free(text);
}

Test(kafka_run, embedded_gives_the_same_arms_as_in_process, .timeout = 300) {
  char *inproc = run("inproc", "--set sim.time_scale=max", 0);
  char *kafka = run("kafka", "--set sim.time_scale=max --set transport.kind=kafka", 0);
  gbt_assert_same_result(inproc, kafka, "arms.csv");
  gbt_assert_same_result(inproc, kafka, "arms_daily.csv");
  gbt_assert_same_result(inproc, kafka, "challenges.csv");
  gbt_assert_same_result(inproc, kafka, "aggregates.csv"); /* rows in game order either way */
  gbt_assert_same_result(inproc, kafka, "decisions.csv");  /* rows in decision_id order */
  gbt_assert_same_bytes(inproc, kafka, "cube.gbc");        /* canonical: the same bytes */
  assert_rows_by_name(kafka, "aggregates.csv");
  char *summary = gbt_result_text(kafka, "summary.csv");
  cr_assert_gt(gbt_metric(summary, "events_generated"), 500); /* 300 players, 2 sim hours: ~1000 */
  cr_assert_eq(gbt_metric(summary, "events_lost"), 0);
  cr_assert_eq(gbt_metric(summary, "events_processed"), gbt_metric(summary, "events_generated"));
  cr_assert_eq(gbt_metric(summary, "answers_received"), gbt_metric(summary, "decisions"));
  cr_assert_eq(gbt_metric(summary, "latency_reply_count"), gbt_metric(summary, "answers_received"),
               "one reply latency per answer");
  char *manifest = gbt_result_text(kafka, "manifest.json");
  cr_assert(strstr(manifest, "\"kind\":\"kafka\""), "the manifest names the transport");
  free(manifest);
  free(summary);
  free(inproc);
  free(kafka);
}

Test(kafka_run, wire_format_does_not_change_results, .timeout = 300) {
  char *binary = run("inproc", "--set sim.time_scale=max --set transport.format=binary", 0);
  char *json = run("inproc-json", "--set sim.time_scale=max --set transport.format=json", 0);
  char *kafka = run("kafka-json",
                    "--set sim.time_scale=max --set transport.kind=kafka "
                    "--set transport.format=json",
                    0);
  gbt_assert_same_result(binary, json, "arms.csv");
  gbt_assert_same_result(binary, kafka, "arms.csv");
  char *summary = gbt_result_text(kafka, "summary.csv");
  cr_assert_eq(gbt_metric(summary, "events_lost"), 0);
  cr_assert_eq(gbt_metric(summary, "events_rejected"), 0);
  free(summary);
  free(binary);
  free(json);
  free(kafka);
}

Test(kafka_run, threads_and_partitions_do_not_change_results, .timeout = 300) {
  char *inproc = run("inproc", "--set sim.time_scale=max", 0);
  char *kafka = run("kafka",
                    "--set sim.time_scale=max --set transport.kind=kafka --set sim.threads=2 "
                    "--set engine.threads=3 --set transport.partitions=5",
                    0);
  gbt_assert_same_result(inproc, kafka, "arms.csv");
  /* More shards than partitions: one member of the group owns nothing. */
  char *idle = run("idle",
                   "--set sim.time_scale=max --set transport.kind=kafka "
                   "--set engine.threads=3 --set transport.partitions=2",
                   0);
  gbt_assert_same_result(inproc, idle, "arms.csv");
  free(idle);
  free(inproc);
  free(kafka);
}

Test(kafka_run, broker_down_and_up_mid_run_gives_the_same_arms, .timeout = 300) {
  char *inproc = run("inproc", "--set sim.time_scale=max", 0);
  /* 2 sim hours at 2400x: 3 s of wall time, the broker away from 1 s to 2.5 s */
  char *kafka = run("kafka",
                    "--set sim.time_scale=2400 --set transport.kind=kafka "
                    "-X gamebench.fault.broker.down=1000:1500",
                    0);
  gbt_assert_same_result(inproc, kafka, "arms.csv");
  char *summary = gbt_result_text(kafka, "summary.csv");
  cr_assert_eq(gbt_metric(summary, "events_lost"), 0);
  free(summary);
  free(inproc);
  free(kafka);
}

Test(kafka_run, a_lagging_consumer_is_detected_and_fails_the_run, .timeout = 300) {
  char *dir = gbt_path(tmp, "lossy");
  /* The engine stops fetching for 2 s while 20000 players send their first events, as JSON and
   * uncompressed, into one partition: far more than the 5 MiB the embedded broker keeps, so it
   * deletes what the engine has not read. */
  gbt_proc p =
      gbt_gamebench("run workloads/default.yaml --set sim.players=20000 --set sim.time_scale=max "
                    "--set transport.kind=kafka --set transport.partitions=1 "
                    "--set transport.format=json --quiet --no-report "
                    "-X compression.codec=none -X gamebench.fault.consumer.pause=0:2000 --out '%s'",
                    dir);
  cr_assert_eq(p.status, 1, "a run that lost events fails: exit %d\n%s", p.status, p.err);
  cr_assert(strstr(p.err, "deleted before they were consumed"), "says so: %s", p.err);
  cr_assert(strstr(p.err, "partition 0: sent "), "shows the partition's counts: %s", p.err);
  char *summary = gbt_result_text(dir, "summary.csv");
  cr_assert_gt(gbt_metric(summary, "events_lost"), 0);
  unsigned long long rows[2][GBT_PART_COLS];
  cr_assert_eq(gbt_read_partitions(dir, rows, 2), 1);
  cr_assert_eq((double)rows[0][GBT_P_LOST], gbt_metric(summary, "events_lost"),
               "the sum of the partitions");
  cr_assert_eq(rows[0][GBT_P_LOST],
               rows[0][GBT_P_SENT] - (rows[0][GBT_P_DELIVERED] - rows[0][GBT_P_REPLAYED]));
  free(summary);
  gbt_proc_free(&p);
  free(dir);
}

/* An operator's upsert (mid-run) and delete reach every shard through the control topic: the
 * same arms.csv as in process, with 2 simulator threads and 2 shards over 4 partitions. */
Test(kafka_run, control_changes_reach_every_shard_as_in_process, .timeout = 300) {
  char *catalogue = gbt_path(tmp, "c.yaml"), *changes = gbt_path(tmp, "changes.jsonl");
  gbt_write_file(catalogue,
                 "definitions:\n"
                 "  - {id: play_more, criteria: {type: game_end}, progress: {count: 3},\n"
                 "     ttl: 1h, reward: {coins: 100}, difficulty: 0.3}\n");
  /* sim.start 2026-01-05T12:00:00Z = 1767614400000: win_big from sim hour 1, play_more gone
   * from hour 1.5 */
  gbt_write_file(changes, "{\"event_id\":900001,\"type\":\"challenge_upsert\",\"ts\":1767618000000,"
                          "\"player_id\":0,\"session_id\":0,\"platform\":\"\",\"country\":\"\","
                          "\"definition\":{\"id\":\"win_big\",\"criteria\":{\"type\":\"game_end\","
                          "\"won\":true},\"progress\":{\"count\":2},\"ttl\":\"2h\",\"reward\":{"
                          "\"coins\":300},\"difficulty\":0.6}}\n"
                          "{\"event_id\":900002,\"type\":\"challenge_delete\",\"ts\":1767619800000,"
                          "\"player_id\":0,\"session_id\":0,\"platform\":\"\",\"country\":\"\","
                          "\"challenge_id\":\"play_more\"}\n");
  char common[2048];
  snprintf(common, sizeof common,
           "--set sim.time_scale=max --set sim.start=2026-01-05T12:00:00Z "
           "--set engine.challenges='%s' --control '%s'",
           catalogue, changes);
  char *inproc = run("inproc", common, 0);
  char extra[4096];
  snprintf(extra, sizeof extra,
           "%s --set transport.kind=kafka --set sim.threads=2 --set engine.threads=2 "
           "--set transport.partitions=4",
           common);
  char *kafka = run("kafka", extra, 0);
  gbt_assert_same_result(inproc, kafka, "arms.csv");
  char *summary = gbt_result_text(kafka, "summary.csv");
  cr_assert_eq(gbt_metric(summary, "catalog_updates"), 4, "2 changes on each of 2 shards");
  /* each change: a copy per partition from each simulator thread (8), one applied per shard */
  cr_assert_eq(gbt_metric(summary, "events_duplicate"), 2 * 8 - 4);
  cr_assert_eq(gbt_metric(summary, "events_lost"), 0);
  /* partitions.csv: every partition balances; each read one end marker per simulator thread */
  unsigned long long rows[8][GBT_PART_COLS];
  cr_assert_eq(gbt_read_partitions(kafka, rows, 8), 4);
  unsigned long long sent = 0;
  for (int p = 0; p < 4; p++) {
    unsigned long long *r = rows[p];
    cr_assert_eq(r[GBT_P_ID], (unsigned long long)p);
    cr_assert_geq(r[GBT_P_SENT], 4, "2 changes from 2 simulator threads, and players");
    cr_assert_eq(r[GBT_P_PRODUCED], r[GBT_P_SENT]);
    cr_assert_eq(r[GBT_P_ACKED], r[GBT_P_SENT]);
    cr_assert_eq(r[GBT_P_DELIVERED], r[GBT_P_SENT]);
    cr_assert_eq(r[GBT_P_CONSUMED], r[GBT_P_DELIVERED] + 2, "partition %d", p);
    cr_assert_eq(r[GBT_P_FAILED] + r[GBT_P_REPLAYED] + r[GBT_P_REDELIVERED] + r[GBT_P_GAPS] +
                     r[GBT_P_LOST],
                 0);
    sent += r[GBT_P_SENT];
  }
  cr_assert_eq((double)sent, gbt_metric(summary, "events_generated"));
  free(summary);
  free(inproc);
  free(kafka);
  free(catalogue);
  free(changes);
}

/* Shard 0 leaves the group 3 s into the run (and rejoins only after it): its partitions move
 * to shard 1, which replays them to rebuild those players' state, and the mock broker's
 * rebalance also takes shard 1's own partitions away and back (replayed too). The replays are
 * processed without being counted, answered or aggregated a second time: the run reconciles,
 * loses nothing, and gives the in-process arms.csv and aggregates. */
Test(kafka_run, an_engine_leaving_mid_run_reconciles, .timeout = 300) {
  char *inproc = run("inproc", "--set sim.time_scale=max", 0);
  /* 2 sim hours at 1200x: 6 s of wall time, about 20 s with the players waiting out the
   * mock broker's rebalances */
  char *kafka = run("kafka",
                    "--set sim.time_scale=1200 --set transport.kind=kafka --set engine.threads=2 "
                    "--set transport.partitions=4 -X gamebench.fault.engine.leave=3000:600000",
                    0);
  gbt_assert_same_result(inproc, kafka, "arms.csv");
  char *summary = gbt_result_text(kafka, "summary.csv");
  cr_assert_eq(gbt_metric(summary, "events_lost"), 0);
  cr_assert_gt(gbt_metric(summary, "events_replayed"), 0, "partitions moved and were replayed");
  cr_assert_eq(gbt_metric(summary, "events_consumed"), gbt_metric(summary, "events_generated"));
  cr_assert_eq(gbt_metric(summary, "events_processed"), gbt_metric(summary, "events_generated"));
  cr_assert_eq(gbt_metric(summary, "events_duplicate"), 0);
  cr_assert_eq(gbt_metric(summary, "answers_received"), gbt_metric(summary, "decisions"));
  unsigned long long rows[8][GBT_PART_COLS], replayed = 0;
  cr_assert_eq(gbt_read_partitions(kafka, rows, 8), 4);
  for (int p = 0; p < 4; p++) {
    unsigned long long *r = rows[p];
    cr_assert_eq(r[GBT_P_DELIVERED] - r[GBT_P_REPLAYED], r[GBT_P_SENT],
                 "partition %d: each event once", p);
    cr_assert_eq(r[GBT_P_ACKED], r[GBT_P_SENT]);
    cr_assert_eq(r[GBT_P_LOST] + r[GBT_P_GAPS] + r[GBT_P_FAILED], 0);
    replayed += r[GBT_P_REPLAYED];
  }
  cr_assert_eq((double)replayed, gbt_metric(summary, "events_replayed"));
  gbt_assert_same_result(inproc, kafka, "aggregates.csv"); /* replays counted once */
  /* replays log nothing; outcomes heard by the partitions' new owner join their decisions */
  gbt_assert_same_result(inproc, kafka, "decisions.csv");
  gbt_assert_same_bytes(inproc, kafka, "cube.gbc"); /* replays are not counted twice */
  free(summary);
  free(inproc);
  free(kafka);
}

Test(kafka_run, properties_go_only_to_the_clients_they_are_meant_for, .timeout = 300) {
  cr_assert(gb_transport_kafka_prop_for("linger.ms=2", true));
  cr_assert_not(gb_transport_kafka_prop_for("linger.ms=2", false));
  cr_assert(gb_transport_kafka_prop_for("fetch.wait.max.ms", false));
  cr_assert_not(gb_transport_kafka_prop_for("fetch.wait.max.ms", true));
  cr_assert(gb_transport_kafka_prop_for("acks=all", true), "topic-level producer property");
  cr_assert_not(gb_transport_kafka_prop_for("auto.offset.reset=error", true));
  cr_assert(gb_transport_kafka_prop_for("security.protocol=plaintext", true));
  cr_assert(gb_transport_kafka_prop_for("security.protocol=plaintext", false));
  char *dir = gbt_path(tmp, "props");
  gbt_proc p = gbt_gamebench("run " SMALL " --set sim.time_scale=max --set transport.kind=kafka "
                             "-X linger.ms=2 -X fetch.wait.max.ms=5 --out '%s'",
                             dir);
  cr_assert_eq(p.status, 0, "exit %d\n%s", p.status, p.err);
  cr_assert_null(strstr(p.err, "CONFWARN"), "no client warns about a property: %s", p.err);
  cr_assert_null(strstr(p.err, "will be ignored"), "%s", p.err);
  gbt_proc_free(&p);
  free(dir);
  /* still checked up front, by name */
  p = gbt_gamebench("run " SMALL
                    " --set transport.kind=kafka -X linger.ms=2 -X fetch.wait.max.mss=5");
  cr_assert_eq(p.status, 2, "exit %d\n%s", p.status, p.err);
  cr_assert(strstr(p.err, "-X fetch.wait.max.mss=5"), "%s", p.err);
  gbt_proc_free(&p);
}

/* The embedded broker goes down 1 s into the run and never comes back (FOR_MS of a day): the run
 * fails once transport.drain_timeout (2 s here) has passed with nothing delivered, naming the
 * partitions not drained, and writes no results — not after librdkafka's 300 s message timeout. */
Test(kafka_run, a_broker_gone_for_good_fails_after_the_drain_timeout_naming_partitions,
     .timeout = 300) {
  char *dir = gbt_path(tmp, "gone"), *partial = gbt_path(tmp, "gone.partial");
  int64_t start = gb_clock_now_ns();
  gbt_proc p = gbt_gamebench("run " SMALL " --set sim.time_scale=2400 --set transport.kind=kafka "
                             "--set transport.drain_timeout=2s "
                             "-X gamebench.fault.broker.down=1000:86400000 --out '%s'",
                             dir);
  double seconds = (double)(gb_clock_now_ns() - start) / 1e9;
  cr_assert_eq(p.status, 1, "exit %d\n%s", p.status, p.err);
  cr_assert(strstr(p.err, "gamebench: transport.drain_timeout: nothing delivered for 2.0 s with "),
            "%s", p.err);
  const char *list = strstr(p.err, "partitions not drained (sent/received): ");
  cr_assert_not_null(list, "%s", p.err);
  /* every partition had events in flight when the broker went: each is named with its counts */
  for (unsigned i = 0; i < 8; i++) {
    char part[32];
    snprintf(part, sizeof part, "%s%u (", i ? ", " : ": ", i);
    cr_assert(strstr(list, part), "partition %u not named: %s", i, list);
  }
  cr_assert_not(gbt_exists(dir), "results were written");
  cr_assert_not(gbt_exists(partial), "a .partial directory was left behind");
  cr_assert_lt(seconds, 60, "%.1f s: the deadline was not kept", seconds);
  gbt_proc_free(&p);
  free(partial);
  free(dir);
}

static void cli_fails(const char *args, const char *fragment) {
  gbt_proc p = gbt_gamebench("%s", args);
  cr_assert_eq(p.status, 2, "%s: exit %d\n%s", args, p.status, p.err);
  cr_assert(strstr(p.err, fragment), "%s: '%s' should mention '%s'", args, p.err, fragment);
  gbt_proc_free(&p);
}

Test(kafka_run, bad_kafka_input_exits_2) {
  cli_fails("run workloads/default.yaml --set transport.kind=kafka -X no.such.property=1",
            "-X no.such.property=1");
  cli_fails("run workloads/default.yaml -X linger.ms=5", "need transport.kind kafka");
  cli_fails("sim workloads/default.yaml --to kafka --brokers embedded",
            "the embedded broker lives inside one process");
  cli_fails("sim workloads/default.yaml --to nowhere", "--to nowhere: expected file or kafka");
  cli_fails("sim workloads/default.yaml --out - --brokers 127.0.0.1:1", "--brokers needs --to "
                                                                        "kafka");
  cli_fails("engine workloads/default.yaml", "need a real broker");
  cli_fails("engine workloads/default.yaml --brokers 127.0.0.1:1 --run 'a b'", "run id 'a b'");
  cli_fails("bench kafka -X nokey", "-X nokey: expected key=value");
  cli_fails("bench kafka -X no.such.property=1", "-X no.such.property=1");
  cli_fails("run workloads/default.yaml --set transport.drain_timeout=0s",
            "key 'transport.drain_timeout': 0s is out of range");
  cli_fails("run workloads/default.yaml --set transport.drain_timeout=2d",
            "key 'transport.drain_timeout': 2d is out of range (1ms .. 1d)");
}

/* gamebench bench kafka: the bare part moves the pipeline's records, as many as it processed. */

Test(kafka_run, bench_sends_as_many_bare_messages_as_the_pipeline_processed, .timeout = 300) {
  char *inproc = run("inproc", "--set sim.time_scale=max", 0);
  char *summary = gbt_result_text(inproc, "summary.csv");
  long events = (long)gbt_metric(summary, "events_processed");
  cr_assert_gt(events, 500);
  gbt_proc p = gbt_gamebench("bench kafka --set sim.players=300 --repeats 1");
  cr_assert_eq(p.status, 0, "exit %d\nstderr: %s", p.status, p.err);
  cr_assert(strstr(p.out, "(binary, mean "), "the wire format is named:\n%s", p.out);
  char want[160];
  snprintf(want, sizeof want, " bytes), %ld bare messages, 1 repeat(s)", events);
  cr_assert(strstr(p.out, want), "'%s' expected in:\n%s", want, p.out);
  cr_assert(strstr(p.out, "bare produce->consume"), "%s", p.out);
  cr_assert(strstr(p.out, "pipeline (gamebench run, max)"), "%s", p.out);
  gbt_proc_free(&p);
  p = gbt_gamebench("bench kafka --set transport.format=json --bare-only --messages 1000 "
                    "--repeats 1");
  cr_assert_eq(p.status, 0, "exit %d\nstderr: %s", p.status, p.err);
  cr_assert(strstr(p.out, "(json, mean "), "%s", p.out);
  cr_assert(strstr(p.out, ", 1000 bare messages, "), "%s", p.out);
  cr_assert_null(strstr(p.out, "pipeline ("), "--bare-only: %s", p.out);
  gbt_proc_free(&p);
  free(summary);
  free(inproc);
}

/* Separate processes on a broker hosted here: librdkafka's mock cluster listens on loopback, so
 * `gamebench engine` and `gamebench sim` processes reach it like a real broker. It answers no
 * CreateTopics (no controller): the run's topics are made here beforehand. */
Test(kafka_run, separate_processes_report_rejected_messages_and_aggregates, .timeout = 300) {
  char errstr[512];
  rd_kafka_conf_t *conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "log_level", "3", errstr, sizeof errstr);
  rd_kafka_t *host = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
  cr_assert_not_null(host, "%s", errstr);
  rd_kafka_mock_cluster_t *mock = rd_kafka_mock_cluster_new(host, 1);
  cr_assert_not_null(mock);
  const char *run_id = "rejects";
  for (int i = 0; i < GBT_KAFKA_TOPICS; i++) {
    char topic[128];
    snprintf(topic, sizeof topic, "gamebench.%s.%s", run_id, gbt_kafka_topic_suffixes[i]);
    cr_assert_eq(rd_kafka_mock_topic_create(mock, topic, 4, 1), RD_KAFKA_RESP_ERR_NO_ERROR);
  }
  gbt_kafka_rejects_reach_the_results(rd_kafka_mock_cluster_bootstraps(mock), run_id, tmp);
  rd_kafka_mock_cluster_destroy(mock);
  rd_kafka_destroy(host);
}
