/* gb_transport_kafka_setup: setting a transport up (gb_kafka_init): the run's topic and group
 * names, the embedded cluster or the brokers' topics (created, then checked), the producers and
 * shards, and fault injection on the embedded cluster. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "gb_clock.h"
#include "gb_rng.h"
#include "gb_transport_kafka_int.h"

enum {
  METADATA_POLL_MS = 100 /* between metadata attempts while topics appear */
};

/* ---- names */

static int set_run_id(gb_transport_kafka *k, const char *run_id, gb_err *err) {
  if (!run_id) {
    /* A new namespace per run: the wall clock and the process id make it unique on a broker
     * shared by several machines' runs in practice; the name says when it was made. */
    int64_t wall = gb_clock_wall_ns();
    time_t secs = (time_t)(wall / 1000000000LL);
    struct tm tm;
    gmtime_r(&secs, &tm);
    char stamp[32];
    strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);
    snprintf(k->run_id, sizeof k->run_id, "run-%s-%ld-%06" PRIx64, stamp, (long)getpid(),
             gb_hash3((uint64_t)wall, (uint64_t)getpid(), 0) & 0xFFFFFFu);
    return 0;
  }
  size_t n = strlen(run_id);
  if (n == 0 || n > GB_KAFKA_RUN_ID_MAX)
    return gb_err_set(err, GB_ERR_INPUT, "run id '%s': expected 1 .. %d characters", run_id,
                      GB_KAFKA_RUN_ID_MAX);
  for (size_t i = 0; i < n; i++) {
    char c = run_id[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-';
    if (!ok)
      return gb_err_set(err, GB_ERR_INPUT,
                        "run id '%s': '%c' is not allowed (Kafka topic names take "
                        "[A-Za-z0-9._-])",
                        run_id, c);
  }
  memcpy(k->run_id, run_id, n + 1);
  return 0;
}

static int set_names(gb_transport_kafka *k, gb_err *err) {
  char buf[256];
  for (int i = 0; i < KT__COUNT; i++) {
    /* an event topic per channel of the event table, named after it; then the decisions, the
     * exchange, the dead letters and the engines' aggregates */
    const char *suffix = i < KT_EVENTS        ? gb_event_channel_name((gb_event_channel)i)
                         : i == KT_DECISIONS  ? "decisions"
                         : i == KT_EPOCHS     ? "epochs"
                         : i == KT_DEADLETTER ? "deadletter"
                                              : "aggregates";
    snprintf(buf, sizeof buf, "gamebench.%s.%s", k->run_id, suffix);
    k->topics[i] = strdup(buf);
    if (!k->topics[i])
      return gb_err_set(err, GB_ERR_RUNTIME, "out of memory");
  }
  snprintf(buf, sizeof buf, "gamebench.%s.engine", k->run_id);
  k->group = strdup(buf);
  if (!k->group)
    return gb_err_set(err, GB_ERR_RUNTIME, "out of memory");
  return 0;
}

/* ---- brokers and topics */

static int start_embedded(gb_transport_kafka *k, gb_err *err) {
  char errstr[ERRSTR_MAX];
  rd_kafka_conf_t *conf = rd_kafka_conf_new();
  /* The host handle only runs the mock cluster's thread; it never connects anywhere, so its
   * notice about having no bootstrap servers is noise (log level 4 = warnings and worse). The
   * mock brokers' sockets take its socket options: without socket.nagle.disable, a response
   * written while the previous one is unacknowledged waits for the client's delayed ACK (40 ms
   * on Linux) — the last replies of a run took 40-50 ms to be confirmed. */
  if (rd_kafka_conf_set(conf, "client.id", "gamebench-embedded", errstr, sizeof errstr) !=
          RD_KAFKA_CONF_OK ||
      rd_kafka_conf_set(conf, "log_level", "4", errstr, sizeof errstr) != RD_KAFKA_CONF_OK ||
      rd_kafka_conf_set(conf, "socket.nagle.disable", "true", errstr, sizeof errstr) !=
          RD_KAFKA_CONF_OK) {
    rd_kafka_conf_destroy(conf);
    return gb_err_set(err, GB_ERR_RUNTIME, "embedded broker: %s", errstr);
  }
  k->mock_host = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
  if (!k->mock_host) {
    rd_kafka_conf_destroy(conf); /* still ours when rd_kafka_new fails */
    return gb_err_set(err, GB_ERR_RUNTIME, "embedded broker: %s", errstr);
  }
  k->mock = rd_kafka_mock_cluster_new(k->mock_host, k->set.mock_brokers);
  if (!k->mock)
    return gb_err_set(err, GB_ERR_RUNTIME,
                      "embedded broker: cannot start librdkafka's mock "
                      "cluster");
  k->bootstrap = strdup(rd_kafka_mock_cluster_bootstraps(k->mock));
  if (!k->bootstrap)
    return gb_err_set(err, GB_ERR_RUNTIME, "out of memory");
  for (int i = 0; i < KT__COUNT; i++) {
    rd_kafka_resp_err_t e = rd_kafka_mock_topic_create(k->mock, k->topics[i], (int)k->P, 1);
    if (e)
      return gb_err_set(err, GB_ERR_RUNTIME, "embedded broker: cannot create %s: %s", k->topics[i],
                        rd_kafka_err2str(e));
  }
  return 0;
}

static int create_topics(gb_transport_kafka *k, rd_kafka_t *rk, gb_err *err) {
  char errstr[ERRSTR_MAX];
  rd_kafka_NewTopic_t *nt[KT__COUNT] = {0};
  rd_kafka_AdminOptions_t *opt = rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_CREATETOPICS);
  rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
  rd_kafka_event_t *ev = NULL;
  int rc = -1;
  for (int i = 0; i < KT__COUNT; i++) {
    /* replication factor -1: the broker's default.replication.factor (Kafka >= 2.4) */
    nt[i] = rd_kafka_NewTopic_new(k->topics[i], (int)k->P, -1, errstr, sizeof errstr);
    if (!nt[i]) {
      gb_err_set(err, GB_ERR_INPUT, "topic %s: %s", k->topics[i], errstr);
      goto out;
    }
  }
  rd_kafka_AdminOptions_set_request_timeout(opt, k->set.ready_timeout_ms, errstr, sizeof errstr);
  rd_kafka_CreateTopics(rk, nt, KT__COUNT, opt, q);
  ev = rd_kafka_queue_poll(q, k->set.ready_timeout_ms + 1000);
  if (!ev) {
    gb_err_set(err, GB_ERR_RUNTIME, "brokers %s: no answer to CreateTopics within %d ms",
               k->bootstrap, k->set.ready_timeout_ms);
    goto out;
  }
  if (rd_kafka_event_error(ev)) {
    gb_err_set(err, GB_ERR_RUNTIME, "brokers %s: cannot create topics: %s", k->bootstrap,
               rd_kafka_event_error_string(ev));
    goto out;
  }
  size_t n = 0;
  const rd_kafka_topic_result_t **res =
      rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(ev), &n);
  for (size_t i = 0; i < n; i++) {
    rd_kafka_resp_err_t e = rd_kafka_topic_result_error(res[i]);
    if (e && e != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) {
      gb_err_set(err, GB_ERR_RUNTIME, "brokers %s: cannot create topic %s: %s", k->bootstrap,
                 rd_kafka_topic_result_name(res[i]), rd_kafka_topic_result_error_string(res[i]));
      goto out;
    }
  }
  rc = 0;
out:
  if (ev)
    rd_kafka_event_destroy(ev);
  rd_kafka_queue_destroy(q);
  rd_kafka_AdminOptions_destroy(opt);
  for (int i = 0; i < KT__COUNT; i++)
    if (nt[i])
      rd_kafka_NewTopic_destroy(nt[i]);
  return rc;
}

/* Partitions of topic per the cluster's metadata: >= 0, -1 while unknown (just created). */
static int topic_partitions(rd_kafka_t *rk, const char *topic, int timeout_ms) {
  rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, topic, NULL);
  const struct rd_kafka_metadata *md = NULL;
  int n = -1;
  if (rkt && rd_kafka_metadata(rk, 0, rkt, &md, timeout_ms) == RD_KAFKA_RESP_ERR_NO_ERROR) {
    if (md->topic_cnt == 1 && md->topics[0].err == RD_KAFKA_RESP_ERR_NO_ERROR)
      n = md->topics[0].partition_cnt;
    rd_kafka_metadata_destroy(md);
  }
  if (rkt)
    rd_kafka_topic_destroy(rkt);
  return n;
}

/* Waits until every topic is known with P partitions (CreateTopics returns before the
 * metadata shows them). */
static int await_topics(gb_transport_kafka *k, rd_kafka_t *rk, int64_t deadline, gb_err *err) {
  for (int i = 0; i < KT__COUNT; i++) {
    int n = topic_partitions(rk, k->topics[i], METADATA_POLL_MS * 10);
    while (n < 0) {
      if (gb_clock_now_ns() > deadline)
        return gb_err_set(err, GB_ERR_RUNTIME, "brokers %s: topic %s not visible within %d ms",
                          k->bootstrap, k->topics[i], k->set.ready_timeout_ms);
      gb_clock_sleep_until_ns(gb_clock_now_ns() + (int64_t)METADATA_POLL_MS * 1000000);
      n = topic_partitions(rk, k->topics[i], METADATA_POLL_MS * 10);
    }
    if ((unsigned)n != k->P)
      return gb_err_set(err, GB_ERR_INPUT,
                        "topic %s has %d partitions, transport.partitions is %u (another run "
                        "id gives new topics)",
                        k->topics[i], n, k->P);
  }
  return 0;
}

int gb_kafka_end_offset(gb_transport_kafka *k, rd_kafka_t *rk, int topic, unsigned p,
                        int64_t deadline, int64_t *hi, gb_err *err) {
  int64_t lo;
  for (;;) {
    rd_kafka_resp_err_t e = rd_kafka_query_watermark_offsets(rk, k->topics[topic], (int32_t)p, &lo,
                                                             hi, METADATA_POLL_MS * 10);
    if (e == 0)
      return 0;
    if (gb_clock_now_ns() > deadline)
      return gb_err_set(err, GB_ERR_RUNTIME, "brokers %s: %s[%u]: %s", k->bootstrap,
                        k->topics[topic], p, rd_kafka_err2str(e));
    gb_clock_sleep_until_ns(gb_clock_now_ns() + (int64_t)METADATA_POLL_MS * 1000000);
  }
}

static int topic_index_of(const gb_transport_kafka *k, const rd_kafka_message_t *m) {
  const char *name = rd_kafka_topic_name(m->rkt);
  for (int i = 0; i < KT__COUNT; i++)
    if (strcmp(name, k->topics[i]) == 0)
      return i;
  return -1;
}

/* One message of the scan: an error when it comes from a producer this instance owns. */
static int scan_message(gb_transport_kafka *k, const rd_kafka_message_t *m, gb_err *err) {
  khdr h;
  if (!gb_kafka_header_get(m, &h) || h.producer >= k->n_producers || !gb_kafka_owns(k, h.producer))
    return 0;
  return gb_err_set(err, GB_ERR_INPUT,
                    "topic %s already holds a message of simulator thread %u (partition %d, "
                    "offset %" PRId64 "), which instance %u/%u runs: a previous run used run "
                    "id '%s'; choose another one (--run) or delete the topics",
                    rd_kafka_topic_name(m->rkt), h.producer, (int)m->partition, m->offset,
                    k->instance + 1, k->instances, k->run_id);
}

static int scan_one(void *ctx, const rd_kafka_message_t *m, int topic, gb_err *err) {
  (void)topic;
  return scan_message(ctx, m, err);
}

int gb_kafka_read_topics(gb_transport_kafka *k, const char *name, int first, int last,
                         const int64_t *hi, bool earliest, int64_t deadline, gb_kafka_read_fn fn,
                         void *ctx, gb_err *err) {
  char group[300], client[64];
  snprintf(group, sizeof group, "group.id=%s.%s", k->group, name);
  snprintf(client, sizeof client, "gamebench-%s", name);
  const char *defaults[] = {group, "enable.auto.commit=false", "enable.partition.eof=false",
                            earliest ? "auto.offset.reset=earliest" : "auto.offset.reset=error",
                            KMOCK_FETCH_WAIT};
  size_t n_defaults = sizeof defaults / sizeof defaults[0] - (k->mock ? 0 : 1);
  rd_kafka_conf_t *conf = NULL;
  if (gb_kafka_conf_new(k, RD_KAFKA_CONSUMER, defaults, n_defaults, client, &conf, err) != 0)
    return -1;
  char errstr[ERRSTR_MAX];
  rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, sizeof errstr);
  if (!rk) {
    rd_kafka_conf_destroy(conf);
    return gb_err_set(err, GB_ERR_INPUT, "kafka consumer: %s", errstr);
  }
  rd_kafka_topic_partition_list_t *list = rd_kafka_topic_partition_list_new(KT__COUNT);
  size_t left = 0;
  for (int i = first; i < last; i++)
    for (unsigned p = 0; p < k->P; p++)
      if (hi[(size_t)i * k->P + p] > 0) {
        rd_kafka_topic_partition_list_add(list, k->topics[i], (int32_t)p)->offset =
            earliest ? RD_KAFKA_OFFSET_BEGINNING : 0;
        left++;
      }
  int rc = rd_kafka_assign(rk, list) == 0
               ? 0
               : gb_err_set(err, GB_ERR_RUNTIME, "%s: cannot assign the partitions", name);
  rd_kafka_topic_partition_list_destroy(list);
  while (rc == 0 && left > 0) {
    if (gb_clock_now_ns() > deadline) {
      rc = gb_err_set(err, GB_ERR_RUNTIME,
                      "brokers %s: the topics of run id '%s' could not be read within %d ms (%s)",
                      k->bootstrap, k->run_id, k->set.ready_timeout_ms, name);
      break;
    }
    rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, METADATA_POLL_MS);
    if (!m)
      continue;
    int ti = m->err ? -1 : topic_index_of(k, m); /* errors: librdkafka retries */
    if (ti >= first && ti < last && (unsigned)m->partition < k->P &&
        m->offset < hi[(size_t)ti * k->P + (unsigned)m->partition]) {
      rc = fn(ctx, m, ti, err);
      if (m->offset + 1 == hi[(size_t)ti * k->P + (unsigned)m->partition])
        left--;
    }
    rd_kafka_message_destroy(m);
  }
  rd_kafka_consumer_close(rk);
  rd_kafka_destroy(rk);
  return rc;
}

/* Waits until every topic is known with P partitions, and for role SIM until every partition
 * has a leader that says it is empty; a SIM instance of several (--instance) accepts messages
 * of the other instances' producers, and reads them to tell. */
static int check_topics(gb_transport_kafka *k, rd_kafka_t *rk, gb_err *err) {
  int64_t deadline = gb_clock_now_ns() + (int64_t)k->set.ready_timeout_ms * 1000000;
  if (await_topics(k, rk, deadline, err) != 0)
    return -1;
  if (k->role != GB_KAFKA_ROLE_SIM)
    return 0;
  int64_t *hi = calloc((size_t)KT__COUNT * k->P, sizeof *hi);
  if (!hi)
    return gb_err_set(err, GB_ERR_RUNTIME, "out of memory");
  bool any = false;
  int rc = 0;
  for (int i = 0; i < KT__COUNT && rc == 0; i++) {
    for (unsigned p = 0; p < k->P && rc == 0; p++) {
      int64_t *h = &hi[(size_t)i * k->P + p];
      rc = gb_kafka_end_offset(k, rk, i, p, deadline, h, err);
      /* The exchange holds the engines' contributions, which name no producer: an instance
       * cannot tell whose watermarks they follow, and leaves them to the others. */
      if (rc == 0 && *h > 0 && k->instances == 1)
        rc = gb_err_set(err, GB_ERR_INPUT,
                        "topic %s already holds messages (partition %u: %" PRId64
                        "): a previous run used run id '%s'; choose another one (--run) "
                        "or delete the topics",
                        k->topics[i], p, *h, k->run_id);
      any |= rc == 0 && *h > 0 && i < KT_EPOCHS; /* the engines' topics name no producer */
    }
  }
  if (rc == 0 && any)
    rc = gb_kafka_read_topics(k, "check", 0, KT_EPOCHS, hi, true, deadline, scan_one, k, err);
  free(hi);
  return rc;
}

/* Whether the cluster lists every topic of the run already. Asks for all topics: a request
 * naming them would have brokers with auto.create.topics.enable create them, with their default
 * partition count. */
static bool all_topics_exist(const gb_transport_kafka *k, rd_kafka_t *rk) {
  const struct rd_kafka_metadata *md = NULL;
  if (rd_kafka_metadata(rk, 1, NULL, &md, METADATA_POLL_MS * 10) != RD_KAFKA_RESP_ERR_NO_ERROR)
    return false;
  int found = 0;
  for (int i = 0; i < KT__COUNT; i++)
    for (int j = 0; j < md->topic_cnt; j++)
      if (md->topics[j].err == RD_KAFKA_RESP_ERR_NO_ERROR &&
          strcmp(md->topics[j].topic, k->topics[i]) == 0) {
        found++;
        break;
      }
  rd_kafka_metadata_destroy(md);
  return found == KT__COUNT;
}

static int setup_topics(gb_transport_kafka *k, gb_err *err) {
  if (k->mock)
    return 0; /* created with the cluster */
  rd_kafka_conf_t *conf = NULL;
  if (gb_kafka_conf_new(k, RD_KAFKA_PRODUCER, NULL, 0, "gamebench-admin", &conf, err) != 0)
    return -1;
  char errstr[ERRSTR_MAX];
  rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
  if (!rk) {
    rd_kafka_conf_destroy(conf); /* still ours when rd_kafka_new fails */
    return gb_err_set(err, GB_ERR_INPUT, "kafka client: %s", errstr);
  }
  /* Only when one is missing: topics made beforehand need no CreateTopics (a cluster may not
   * allow it, or have no controller to answer it, as librdkafka's mock cluster). */
  int rc = all_topics_exist(k, rk) ? 0 : create_topics(k, rk, err);
  if (rc == 0)
    rc = check_topics(k, rk, err);
  rd_kafka_destroy(rk);
  return rc;
}

/* ---- fault injection (embedded) */

/* Waits on the fault condition variable until deadline (gb_clock ns) or stop; true on stop. */
static bool fault_wait(gb_transport_kafka *k, int64_t deadline) {
  pthread_mutex_lock(&k->fault_mu);
  while (!atomic_load(&k->stop)) {
    int64_t now = gb_clock_now_ns();
    if (now >= deadline)
      break;
    /* gb_clock is CLOCK_MONOTONIC, the clock fault_cv was created with */
    struct timespec ts = {.tv_sec = deadline / 1000000000LL, .tv_nsec = deadline % 1000000000LL};
    pthread_cond_timedwait(&k->fault_cv, &k->fault_mu, &ts);
  }
  bool stopped = atomic_load(&k->stop);
  pthread_mutex_unlock(&k->fault_mu);
  return stopped;
}

static void *fault_main(void *arg) {
  gb_transport_kafka *k = arg;
  int64_t down_at = gb_clock_now_ns() + (int64_t)k->set.fault_at_ms * 1000000;
  if (fault_wait(k, down_at))
    return NULL;
  fprintf(stderr, "gamebench: kafka: fault injection: %d embedded broker(s) down for %d ms\n",
          k->set.mock_brokers, k->set.fault_for_ms);
  for (int b = 1; b <= k->set.mock_brokers; b++)
    rd_kafka_mock_broker_set_down(k->mock, b);
  fault_wait(k, down_at + (int64_t)k->set.fault_for_ms * 1000000);
  for (int b = 1; b <= k->set.mock_brokers; b++)
    rd_kafka_mock_broker_set_up(k->mock, b);
  fprintf(stderr, "gamebench: kafka: fault injection: embedded broker(s) up again\n");
  return NULL;
}

static int start_fault(gb_transport_kafka *k, gb_err *err) {
  if (k->set.fault_for_ms == 0)
    return 0;
  if (!k->mock)
    return gb_err_set(err, GB_ERR_INPUT,
                      "-X gamebench.fault.broker.down: needs the embedded broker (brokers: "
                      "embedded)");
  if (pthread_create(&k->fault, NULL, fault_main, k) != 0)
    return gb_err_set(err, GB_ERR_RUNTIME, "cannot start the fault-injection thread");
  k->fault_started = true;
  return 0;
}

/* ---- the set-up */

int gb_kafka_init(gb_transport_kafka *k, const gb_transport_kafka_config *kc, gb_err *err) {
  if (gb_kafka_copy_props(k, kc, err) != 0 || set_run_id(k, kc->run_id, err) != 0 ||
      set_names(k, err) != 0)
    return -1;
  k->finished = calloc(k->P, sizeof *k->finished);
  if (!k->finished)
    return gb_err_set(err, GB_ERR_RUNTIME, "out of memory");
  if (strcmp(kc->brokers, "embedded") == 0) {
    if (start_embedded(k, err) != 0)
      return -1;
  } else {
    k->bootstrap = strdup(kc->brokers);
    if (!k->bootstrap)
      return gb_err_set(err, GB_ERR_RUNTIME, "out of memory");
  }
  if (setup_topics(k, err) != 0)
    return -1;
  if (k->role != GB_KAFKA_ROLE_ENGINE &&
      (gb_kafka_producers_new(k, err) != 0 || gb_kafka_router_start(k, err) != 0))
    return -1;
  if (k->role != GB_KAFKA_ROLE_SIM && gb_kafka_shards_new(k, err) != 0)
    return -1;
  if (k->role == GB_KAFKA_ROLE_ALL && gb_kafka_shards_wait_settled(k, err) != 0)
    return -1;
  k->ready_ns = gb_clock_now_ns();
  return start_fault(k, err);
}
