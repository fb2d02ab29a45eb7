/* `gamebench bench kafka`: what the broker alone gives — bare produce→consume through librdkafka
 * with the workload's own events as messages — and, in the same run, what the whole pipeline
 * achieves through the same broker (`gamebench run` at time_scale max), as a fraction of it. */
#include <errno.h>
#include <inttypes.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "gb_benches.h"
#include "gb_clock.h"
#include "gb_codec.h"
#include "gb_opts.h"
#include "gb_quantile.h"
#include "gb_run.h"
#include "gb_sim.h"
#include "gb_transport_kafka.h"
#include "gb_workload.h"

enum {
  SAMPLE_EVENTS = 10000, /* distinct payloads, cycled: the workload's size mix */
  EVENT_MAX = 8192,      /* longest sampled event kept (bytes) */
  CONSUME_BATCH = 1024,
  REPEATS_MAX = 15,
  ERRSTR_MAX = 512
};
#define TARGET_FRACTION 0.5 /* the target: the pipeline at >= 50 % of the broker */
/* Players of the pipeline part: enough that the run measures throughput, not the closed loop's
 * drain. Its last events are a few players' chains of decisions (up to ~50 in 2 sim hours), one
 * broker round trip each, at a fraction of a core: with 50,000 players (204,354 events) that
 * drain is 15-20 % of the wall time, with 200,000 (824,372 events, ~1.5 s) about 5 %. */
#define PIPELINE_PLAYERS "200000"
#define BARE_ONLY_MESSAGES                                                                         \
  500000                    /* --bare-only: half a second or so through the embedded broker        \
                             */
#define CONSUME_WAIT_MS 100 /* the consumer's wait for the first message of a batch */
/* The header every gamebench message carries (docs/kafka.md): name "gb", 13 bytes (kind 'E',
 * producer u32, sequence number u64, both big-endian). The bare messages carry it too, so that
 * the broker and the clients move the same records in both parts. */
#define WIRE_HEADER "gb"
enum { WIRE_HEADER_LEN = 13, WIRE_KIND_EVENT = 'E' };
#define DEADLINE_NS (600LL * 1000000000LL) /* a bare run that takes 10 minutes is broken */

static const char details[] =
    "1. pipeline: `gamebench run` of the workload at time_scale max through the brokers\n"
    "   (sim.players " PIPELINE_PLAYERS " unless --set changes it); its achieved_rate_eps.\n"
    "2. bare: one producer thread sends as many messages as the pipeline run processed events\n"
    "   (or --messages) to a new topic of the workload's partition count, and one consumer reads\n"
    "   them back. The messages are the pipeline's: the workload's own events in its wire\n"
    "   format, keyed by player_id, with gamebench's 13-byte header, sent with the event\n"
    "   producers' settings at time_scale max (idempotence, lz4, linger 5 ms; -X applies to\n"
    "   both parts). One message per partition goes through first, so that connections and\n"
    "   fetch sessions are up before the clock starts, as the pipeline's are after its\n"
    "   set-up. Rate = messages / (last consumed - first sent).\n"
    "Both run --repeats times, alternating; the pipeline's median rate is reported as a\n"
    "fraction of the bare median rate (target >= 50 %). cpu_us_msg: the process's CPU time\n"
    "(every thread, an embedded broker's included) over the measured window, per message;\n"
    "cores: what that makes at the median rate.\n"
    "\"embedded\" starts librdkafka's mock cluster in this process for each part.\n\n"
    "examples:\n"
    "  gamebench bench kafka\n"
    "  gamebench bench kafka --brokers 127.0.0.1:9092 --repeats 5\n";

typedef struct sample {
  char **payload;
  size_t *len;
  uint64_t *player;
  size_t n;
  double mean_bytes;
} sample;

static void sample_free(sample *s) {
  for (size_t i = 0; s->payload && i < s->n; i++)
    free(s->payload[i]);
  free(s->payload);
  free(s->len);
  free(s->player);
}

/* The first SAMPLE_EVENTS events of the workload's (open-loop) stream, encoded as the pipeline
 * sends them (transport.format). */
static int take_sample(const gb_workload *w, sample *s, gb_err *err) {
  gb_sim_config sc = {.seed = w->seed,
                      .players = w->sim.players,
                      .start_ms = w->sim.start_ms,
                      .duration_ms = w->sim.duration_ms,
                      .n_producers = 1,
                      .response = gb_response_defaults()};
  gb_sim *sim = NULL;
  memset(s, 0, sizeof *s);
  s->payload = calloc(SAMPLE_EVENTS, sizeof *s->payload);
  s->len = calloc(SAMPLE_EVENTS, sizeof *s->len);
  s->player = calloc(SAMPLE_EVENTS, sizeof *s->player);
  if (!s->payload || !s->len || !s->player)
    return gb_err_set(err, GB_ERR_RUNTIME, "out of memory");
  if (gb_sim_new(&sc, &sim, err) != 0)
    return -1;
  char buf[EVENT_MAX];
  gb_event ev;
  size_t total = 0;
  while (s->n < SAMPLE_EVENTS && gb_sim_next(sim, INT64_MAX, &ev) == GB_SIM_EVENT) {
    size_t len =
        gb_event_encode_wire(&ev, w->transport.format == GB_FORMAT_BINARY, buf, sizeof buf);
    uint64_t player = ev.player_id;
    gb_event_dispose(&ev);
    if (len >= sizeof buf)
      continue;
    s->payload[s->n] = malloc(len);
    if (!s->payload[s->n]) {
      gb_sim_free(sim);
      return gb_err_set(err, GB_ERR_RUNTIME, "out of memory");
    }
    memcpy(s->payload[s->n], buf, len);
    s->len[s->n] = len;
    s->player[s->n] = player;
    total += len;
    s->n++;
  }
  gb_sim_free(sim);
  if (s->n == 0)
    return gb_err_set(err, GB_ERR_INPUT, "%s: the workload generates no events", w->path);
  s->mean_bytes = (double)total / (double)s->n;
  return 0;
}

/* ---- bare produce→consume */

typedef struct bare {
  const char *bootstrap;
  const char *topic;
  unsigned partitions;
  const gb_opt_list *props;
  bool embedded;
  const sample *s;
  long messages;
  rd_kafka_t *producer, *consumer;
  rd_kafka_topic_t *rkt; /* the producer's handle of `topic` */
  int64_t first_sent_ns;
  _Atomic bool producer_failed;
  char producer_error[ERRSTR_MAX];
} bare;

static int conf_set(rd_kafka_conf_t *conf, const char *key, const char *value, gb_err *err) {
  char errstr[ERRSTR_MAX];
  if (rd_kafka_conf_set(conf, key, value, errstr, sizeof errstr) != RD_KAFKA_CONF_OK)
    return gb_err_set(err, GB_ERR_INPUT, "%s=%s: %s", key, value, errstr);
  return 0;
}

/* Sets one "key=value" property; named as -X when it is the user's. */
static int conf_set_prop(rd_kafka_conf_t *conf, const char *prop, bool user, gb_err *err) {
  const char *eq = strchr(prop, '=');
  char key[256];
  if (!eq || (size_t)(eq - prop) >= sizeof key)
    return gb_err_set(err, GB_ERR_INPUT, "%s%s: expected key=value", user ? "-X " : "", prop);
  memcpy(key, prop, (size_t)(eq - prop));
  key[eq - prop] = '\0';
  return conf_set(conf, key, eq + 1, err);
}

/* A client configuration: the brokers, the "key=value" settings of `base` (n_base) and of
 * `more` (n_more), then the user's -X properties meant for this client type (as the transport
 * gives them, so that librdkafka warns about none; gamebench.* ones are the transport's and do
 * not apply here). */
static rd_kafka_conf_t *make_conf(const bare *b, bool producer, const char *const *base,
                                  size_t n_base, const char *const *more, size_t n_more,
                                  gb_err *err) {
  rd_kafka_conf_t *conf = rd_kafka_conf_new();
  int rc = conf_set(conf, "bootstrap.servers", b->bootstrap, err);
  for (size_t i = 0; rc == 0 && i < n_base; i++)
    rc = conf_set_prop(conf, base[i], false, err);
  for (size_t i = 0; rc == 0 && i < n_more; i++)
    rc = conf_set_prop(conf, more[i], false, err);
  for (size_t i = 0; rc == 0 && i < b->props->n; i++) {
    const char *prop = b->props->items[i];
    if (strncmp(prop, "gamebench.", 10) != 0 && gb_transport_kafka_prop_for(prop, producer))
      rc = conf_set_prop(conf, prop, true, err);
  }
  if (rc != 0) {
    rd_kafka_conf_destroy(conf);
    return NULL;
  }
  return conf;
}

static int create_topic(const bare *b, gb_err *err) {
  char errstr[ERRSTR_MAX];
  rd_kafka_NewTopic_t *nt =
      rd_kafka_NewTopic_new(b->topic, (int)b->partitions, -1, errstr, sizeof errstr);
  if (!nt)
    return gb_err_set(err, GB_ERR_INPUT, "topic %s: %s", b->topic, errstr);
  rd_kafka_queue_t *q = rd_kafka_queue_new(b->producer);
  rd_kafka_CreateTopics(b->producer, &nt, 1, NULL, q);
  /* 30 s: a broker that cannot create a topic in that time is not one to benchmark */
  rd_kafka_event_t *ev = rd_kafka_queue_poll(q, 30000);
  int rc = 0;
  if (!ev) {
    rc = gb_err_set(err, GB_ERR_RUNTIME, "brokers %s: no answer to CreateTopics", b->bootstrap);
  } else {
    size_t n = 0;
    const rd_kafka_topic_result_t **res =
        rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(ev), &n);
    if (rd_kafka_event_error(ev))
      rc = gb_err_set(err, GB_ERR_RUNTIME, "brokers %s: %s", b->bootstrap,
                      rd_kafka_event_error_string(ev));
    else if (n == 1 && rd_kafka_topic_result_error(res[0]))
      rc = gb_err_set(err, GB_ERR_RUNTIME, "topic %s: %s", b->topic,
                      rd_kafka_topic_result_error_string(res[0]));
    rd_kafka_event_destroy(ev);
  }
  rd_kafka_queue_destroy(q);
  rd_kafka_NewTopic_destroy(nt);
  return rc;
}

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque) {
  (void)rk;
  bare *b = opaque;
  if (m->err && !atomic_exchange(&b->producer_failed, true))
    snprintf(b->producer_error, sizeof b->producer_error, "delivery failed: %s",
             rd_kafka_err2str(m->err));
}

/* The gamebench header of message number seq (from 1), as the transport writes it. */
static void wire_header(uint8_t out[WIRE_HEADER_LEN], uint64_t seq) {
  memset(out, 0, WIRE_HEADER_LEN);
  out[0] = WIRE_KIND_EVENT; /* producer 0: bytes 1..4 stay 0 */
  for (int i = WIRE_HEADER_LEN - 1; i >= 5; i--, seq >>= 8)
    out[i] = (uint8_t)(seq & 0xFF);
}

/* Produces sample message k (numbered seq) to partition p (RD_KAFKA_PARTITION_UA: the key's),
 * waiting while the queue is full. false when the producer failed. */
static bool produce_one(bare *b, size_t k, uint64_t seq, int32_t p) {
  const sample *s = b->s;
  char key[24];
  int key_len = snprintf(key, sizeof key, "%" PRIu64, s->player[k]);
  uint8_t hdr[WIRE_HEADER_LEN];
  wire_header(hdr, seq);
  for (;;) {
    rd_kafka_resp_err_t e = rd_kafka_producev(
        b->producer, RD_KAFKA_V_RKT(b->rkt), RD_KAFKA_V_PARTITION(p),
        RD_KAFKA_V_KEY(key, (size_t)key_len), RD_KAFKA_V_VALUE(s->payload[k], s->len[k]),
        RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
        RD_KAFKA_V_HEADER(WIRE_HEADER, hdr, WIRE_HEADER_LEN), RD_KAFKA_V_END);
    if (e == RD_KAFKA_RESP_ERR_NO_ERROR)
      return true;
    if (e != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
      if (!atomic_exchange(&b->producer_failed, true))
        snprintf(b->producer_error, sizeof b->producer_error, "produce: %s", rd_kafka_err2str(e));
      return false;
    }
    rd_kafka_poll(b->producer, 1); /* room comes with delivery reports */
  }
}

static void *produce_main(void *arg) {
  bare *b = arg;
  b->first_sent_ns = gb_clock_now_ns();
  for (long i = 0; i < b->messages && !atomic_load(&b->producer_failed); i++) {
    if (!produce_one(b, (size_t)i % b->s->n, (uint64_t)i + 1, RD_KAFKA_PARTITION_UA))
      break;
    rd_kafka_poll(b->producer, 0);
  }
  rd_kafka_flush(b->producer, 60000);
  return NULL;
}

/* Reads every partition from offset 0 (the first message to read). */
static int assign_all(bare *b, gb_err *err) {
  rd_kafka_topic_partition_list_t *list = rd_kafka_topic_partition_list_new((int)b->partitions);
  for (unsigned p = 0; p < b->partitions; p++)
    rd_kafka_topic_partition_list_add(list, b->topic, (int32_t)p)->offset = 0;
  rd_kafka_resp_err_t e = rd_kafka_assign(b->consumer, list);
  rd_kafka_topic_partition_list_destroy(list);
  if (e)
    return gb_err_set(err, GB_ERR_RUNTIME, "assign: %s", rd_kafka_err2str(e));
  return 0;
}

/* Consumes until `want` more messages arrived; returns when the last one did, or -1 on
 * failure. */
static int64_t consume_n(bare *b, long want, gb_err *err) {
  rd_kafka_queue_t *q = rd_kafka_queue_get_consumer(b->consumer);
  rd_kafka_message_t *batch[CONSUME_BATCH];
  long got = 0;
  int64_t last = -1, deadline = gb_clock_now_ns() + DEADLINE_NS;
  while (got < want && !atomic_load(&b->producer_failed)) {
    rd_kafka_message_t *first = rd_kafka_consume_queue(q, CONSUME_WAIT_MS);
    ssize_t n = 0;
    if (first) {
      batch[n++] = first;
      ssize_t more = rd_kafka_consume_batch_queue(q, 0, batch + 1, CONSUME_BATCH - 1);
      n += more > 0 ? more : 0;
    }
    for (ssize_t i = 0; i < n; i++) {
      if (!batch[i]->err)
        got++;
      else if (batch[i]->err == RD_KAFKA_RESP_ERR_OFFSET_OUT_OF_RANGE ||
               batch[i]->err == RD_KAFKA_RESP_ERR__AUTO_OFFSET_RESET)
        gb_err_set(err, GB_ERR_RUNTIME,
                   "the consumer fell behind and messages were deleted (%s): the embedded "
                   "broker keeps about 5 MiB per partition",
                   rd_kafka_message_errstr(batch[i]));
      rd_kafka_message_destroy(batch[i]);
    }
    if (err->kind != GB_ERR_NONE)
      break;
    last = gb_clock_now_ns();
    if (last > deadline) {
      gb_err_set(err, GB_ERR_RUNTIME, "only %ld of %ld messages consumed within 600 s", got, want);
      break;
    }
  }
  rd_kafka_queue_destroy(q);
  if (atomic_load(&b->producer_failed))
    return gb_err_set(err, GB_ERR_RUNTIME, "%s", b->producer_error);
  return err->kind == GB_ERR_NONE ? last : -1;
}

/* One message through every partition before the clock starts: connections, metadata and fetch
 * sessions are then up, as the pipeline's are once its set-up is over (its clock starts after). */
static int warm_up(bare *b, gb_err *err) {
  for (unsigned p = 0; p < b->partitions; p++)
    if (!produce_one(b, p % b->s->n, 0, (int32_t)p))
      return gb_err_set(err, GB_ERR_RUNTIME, "%s", b->producer_error);
  if (rd_kafka_flush(b->producer, 30000) != RD_KAFKA_RESP_ERR_NO_ERROR)
    return gb_err_set(err, GB_ERR_RUNTIME, "brokers %s: warm-up messages not delivered in 30 s",
                      b->bootstrap);
  return consume_n(b, (long)b->partitions, err) < 0 ? -1 : 0;
}

/* CPU time of the whole process so far (ns): every client thread and the embedded broker. */
static int64_t process_cpu_ns(void) {
  struct timespec ts;
  if (clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts) != 0)
    return 0;
  return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int run_bare(bare *b, double *rate, double *cpu_us, gb_err *err) {
  /* On top of the event producers' settings at time_scale max, as the pipeline part runs
   * (gb_transport_kafka_event_producer_defaults), so that both parts batch and compress alike;
   * -X changes both parts. */
  static const char *const producer_defaults[] = {"log_level=4", "socket.nagle.disable=true"};
  /* The embedded broker answers an empty fetch only after fetch.wait.max.ms (as for the
   * transport's consumers); auto.offset.reset=error turns deleted data into an error. */
  const char *consumer_defaults[] = {"group.id=gamebench.bench",
                                     "auto.offset.reset=error",
                                     "enable.auto.commit=false",
                                     b->embedded ? "fetch.wait.max.ms=1" : "fetch.wait.max.ms=20",
                                     "log_level=4",
                                     "socket.nagle.disable=true"};
  size_t n_event_producer;
  const char *const *event_producer =
      gb_transport_kafka_event_producer_defaults(true, &n_event_producer);
  char errstr[ERRSTR_MAX];
  rd_kafka_conf_t *pc = make_conf(b, true, event_producer, n_event_producer, producer_defaults,
                                  sizeof producer_defaults / sizeof(char *), err);
  if (!pc)
    return -1;
  rd_kafka_conf_set_dr_msg_cb(pc, on_delivery);
  rd_kafka_conf_set_opaque(pc, b);
  b->producer = rd_kafka_new(RD_KAFKA_PRODUCER, pc, errstr, sizeof errstr);
  if (!b->producer) {
    rd_kafka_conf_destroy(pc); /* still ours when rd_kafka_new fails */
    return gb_err_set(err, GB_ERR_INPUT, "kafka producer: %s", errstr);
  }
  rd_kafka_conf_t *cc = make_conf(b, false, NULL, 0, consumer_defaults,
                                  sizeof consumer_defaults / sizeof(char *), err);
  if (!cc)
    return -1;
  b->consumer = rd_kafka_new(RD_KAFKA_CONSUMER, cc, errstr, sizeof errstr);
  if (!b->consumer) {
    rd_kafka_conf_destroy(cc);
    return gb_err_set(err, GB_ERR_INPUT, "kafka consumer: %s", errstr);
  }
  if (!b->embedded && create_topic(b, err) != 0)
    return -1;
  b->rkt = rd_kafka_topic_new(b->producer, b->topic, NULL);
  if (!b->rkt)
    return gb_err_set(err, GB_ERR_RUNTIME, "topic %s: %s", b->topic,
                      rd_kafka_err2str(rd_kafka_last_error()));
  if (assign_all(b, err) != 0 || warm_up(b, err) != 0)
    return -1;
  pthread_t producer;
  int64_t cpu_start_ns = process_cpu_ns();
  if (pthread_create(&producer, NULL, produce_main, b) != 0)
    return gb_err_set(err, GB_ERR_RUNTIME, "cannot start the producer thread");
  int64_t last = consume_n(b, b->messages, err);
  *cpu_us = (double)(process_cpu_ns() - cpu_start_ns) / 1e3 / (double)b->messages;
  atomic_store(&b->producer_failed, true); /* stops a producer still sending after an error */
  pthread_join(producer, NULL);
  if (last < 0)
    return -1;
  *rate = (double)b->messages / ((double)(last - b->first_sent_ns) / 1e9);
  return 0;
}

static void bare_close(bare *b) {
  if (b->consumer) {
    rd_kafka_consumer_close(b->consumer);
    rd_kafka_destroy(b->consumer);
  }
  if (b->rkt)
    rd_kafka_topic_destroy(b->rkt);
  if (b->producer)
    rd_kafka_destroy(b->producer);
}

/* The bare measurement against brokers (starting an embedded cluster when asked). */
static int measure_bare(const gb_workload *w, const sample *s, const gb_opt_list *props,
                        long messages, double *rate, double *cpu_us, gb_err *err) {
  char topic[128], errstr[ERRSTR_MAX];
  snprintf(topic, sizeof topic, "gamebench.bench-%ld-%" PRId64, (long)getpid(), gb_clock_wall_ns());
  bare b = {.topic = topic,
            .partitions = w->transport.partitions,
            .props = props,
            .s = s,
            .messages = messages,
            .bootstrap = w->transport.brokers};
  rd_kafka_t *host = NULL;
  rd_kafka_mock_cluster_t *mock = NULL;
  int rc = -1;
  if (strcmp(w->transport.brokers, "embedded") == 0) {
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    rd_kafka_conf_set(conf, "log_level", "4", errstr, sizeof errstr);
    /* as the transport's embedded broker (start_embedded): no Nagle delay on its responses */
    rd_kafka_conf_set(conf, "socket.nagle.disable", "true", errstr, sizeof errstr);
    host = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
    if (!host)
      rd_kafka_conf_destroy(conf); /* still ours when rd_kafka_new fails */
    else
      mock = rd_kafka_mock_cluster_new(host, 1);
    if (!mock) {
      gb_err_set(err, GB_ERR_RUNTIME, "embedded broker: cannot start the mock cluster");
      goto out;
    }
    b.bootstrap = rd_kafka_mock_cluster_bootstraps(mock);
    b.embedded = true;
  }
  /* The mock cluster has no CreateTopics: its own call makes the topic. */
  if (mock && rd_kafka_mock_topic_create(mock, topic, (int)b.partitions, 1) != 0) {
    gb_err_set(err, GB_ERR_RUNTIME, "embedded broker: cannot create %s", topic);
    goto out;
  }
  rc = run_bare(&b, rate, cpu_us, err);
out:
  bare_close(&b);
  if (mock)
    rd_kafka_mock_cluster_destroy(mock);
  if (host)
    rd_kafka_destroy(host);
  return rc;
}

/* ---- the pipeline through the same brokers */

static int read_rate(const char *dir, double *rate, gb_err *err) {
  char path[4200];
  snprintf(path, sizeof path, "%s/summary.csv", dir);
  FILE *f = fopen(path, "r");
  if (!f)
    return gb_err_set(err, GB_ERR_RUNTIME, "%s: cannot open: %s", path, strerror(errno));
  char line[512];
  int rc = gb_err_set(err, GB_ERR_RUNTIME, "%s: no achieved_rate_eps", path);
  static const char KEY[] = "achieved_rate_eps,";
  while (fgets(line, sizeof line, f))
    if (strncmp(line, KEY, sizeof KEY - 1) == 0) {
      const char *text = line + sizeof KEY - 1;
      char *end = NULL;
      errno = 0;
      double v = strtod(text, &end); /* metric,value,unit: the value ends at the next comma */
      if (end == text || errno == ERANGE || (*end != ',' && *end != '\n' && *end != '\0')) {
        rc = gb_err_set(err, GB_ERR_RUNTIME, "%s: achieved_rate_eps: not a number", path);
        break;
      }
      *rate = v;
      gb_err_clear(err);
      rc = 0;
      break;
    }
  fclose(f);
  return rc;
}

/* The pipeline through the brokers: its rate, its CPU time per event, whether it reconciled, and
 * how many events it processed. */
static int measure_pipeline(const gb_workload *w, const gb_opt_list *props, double *rate,
                            double *cpu_us, bool *reconciled, uint64_t *events, gb_err *err) {
  char dir[] = "/tmp/gamebench-bench-kafka-XXXXXX";
  if (!mkdtemp(dir))
    return gb_err_set(err, GB_ERR_RUNTIME, "cannot create a temporary directory: %s",
                      strerror(errno));
  char out[sizeof dir + 16];
  snprintf(out, sizeof out, "%s/run", dir);
  gb_run_options ro = {.out_dir = out,
                       .quiet = true,
                       .no_report = true,
                       .kafka_props = props->items,
                       .n_kafka_props = props->n};
  gb_run_outcome outcome;
  int rc = gb_run_execute(w, &ro, &outcome, err);
  if (rc == 0) {
    *reconciled = outcome.reconciled;
    *events = outcome.events_processed;
    *cpu_us =
        outcome.events_processed ? outcome.cpu_seconds * 1e6 / (double)outcome.events_processed : 0;
    rc = read_rate(out, rate, err);
  }
  char cmd[sizeof dir + 32];
  snprintf(cmd, sizeof cmd, "rm -rf -- '%s'", dir); /* our own mkdtemp name: no quotes in it */
  if (system(cmd) != 0)
    fprintf(stderr, "gamebench bench kafka: could not remove %s\n", dir);
  return rc;
}

/* Median, min and max of v[0..n) (sorts v). */
static void spread(double *v, int n, double *median, double *lo, double *hi) {
  *median = gb_quantile_median(v, (size_t)n);
  *lo = v[0];
  *hi = v[n - 1];
}

static double median(double *v, int n) { return gb_quantile_median(v, (size_t)n); }

/* One part's line: rates, CPU per message and the cores that makes at the median rate. */
static void report_line(const char *name, double *rate, double *cpu_us, int n, double mean_bytes,
                        const char *fraction) {
  double m, lo, hi;
  spread(rate, n, &m, &lo, &hi);
  double cpu = median(cpu_us, n);
  printf("%-34s %12.0f %12.0f %12.0f %8.1f %10.2f %6.2f %9s\n", name, m, lo, hi,
         m * mean_bytes / 1e6, cpu, m * cpu / 1e6, fraction);
}

static void report(const gb_workload *w, const char *workload, const sample *s, long bare_n,
                   double *bare_r, double *bare_cpu, double *pipe, double *pipe_cpu, int n,
                   bool reconciled) {
  double bm = median(bare_r, n);
  printf("brokers %s, %u partitions, events of %s (%s, mean %.0f bytes), %ld bare messages, %d "
         "repeat(s)\n\n",
         w->transport.brokers, w->transport.partitions, workload,
         w->transport.format == GB_FORMAT_BINARY ? "binary" : "json", s->mean_bytes, bare_n, n);
  printf("%-34s %12s %12s %12s %8s %10s %6s %9s\n", "measurement", "median_msg_s", "min_msg_s",
         "max_msg_s", "MB_s", "cpu_us_msg", "cores", "fraction");
  report_line("bare produce->consume (librdkafka)", bare_r, bare_cpu, n, s->mean_bytes, "1.00");
  if (!pipe)
    return;
  double fraction = bm > 0 ? median(pipe, n) / bm : 0;
  char text[32];
  snprintf(text, sizeof text, "%.2f", fraction);
  report_line("pipeline (gamebench run, max)", pipe, pipe_cpu, n, s->mean_bytes, text);
  printf("\npipeline >= %.0f %% of the broker alone (medians): %s%s\n", TARGET_FRACTION * 100,
         fraction >= TARGET_FRACTION ? "met" : "NOT met",
         reconciled ? "" : " (and a run did not reconcile: see stderr)");
}

int gb_bench_kafka(int argc, char **argv) {
  const char *workload = "workloads/default.yaml", *brokers = NULL;
  int64_t messages = 0, repeats = 3;
  bool bare_only = false;
  gb_opt_list sets = {0}, props = {0};
  const gb_opt opts[] = {
      {"workload", 'w', GB_OPT_STRING, &workload, "FILE",
       "workload whose events and partitions are used (default workloads/default.yaml)", 0, 0},
      {"brokers", 'b', GB_OPT_STRING, &brokers, "embedded|HOST:PORT",
       "Kafka brokers (default: the workload's transport.brokers)", 0, 0},
      {"messages", 'n', GB_OPT_INT, &messages, "N",
       "bare messages (default: as many as the pipeline's events; 500000 with --bare-only)", 1000,
       100000000},
      {"set", 's', GB_OPT_LIST, &sets, "KEY=VALUE", "override a workload key (repeatable)", 0, 0},
      {"property", 'X', GB_OPT_LIST, &props, "KEY=VALUE",
       "librdkafka property, given to the clients it is meant for (repeatable)", 0, 0},
      {"repeats", 'r', GB_OPT_INT, &repeats, "N",
       "bare and pipeline runs, alternating; medians reported (default 3)", 1, REPEATS_MAX},
      {"bare-only", 0, GB_OPT_FLAG, &bare_only, NULL, "skip the pipeline run", 0, 0},
      {0},
  };
  const gb_cmd_spec spec = {.name = "bench kafka",
                            .usage = "[options]",
                            .summary = "Bare produce->consume through the broker, and the "
                                       "pipeline's throughput as a fraction of it.",
                            .details = details,
                            .opts = opts};
  gb_opts_result res;
  int parsed = gb_opts_command(&spec, argc, argv, &res);
  if (parsed >= 0)
    return parsed;
  gb_err err = {0};
  if (gb_transport_kafka_check_props(props.items, props.n, &err) != 0)
    return gb_opts_fail(&err);
  /* The pipeline part's defaults; --set may change them. */
  const char *defaults[] = {"sim.players=" PIPELINE_PLAYERS, "sim.time_scale=max"};
  gb_workload *w = NULL;
  if (gb_workload_load_kafka(workload, defaults, sizeof defaults / sizeof defaults[0], &sets,
                             brokers, &w, &err) != 0)
    return gb_opts_fail(&err);
  sample s;
  double bare_rate[REPEATS_MAX] = {0}, pipe_rate[REPEATS_MAX] = {0};
  double bare_cpu[REPEATS_MAX] = {0}, pipe_cpu[REPEATS_MAX] = {0}; /* µs per message */
  bool reconciled = true;
  long bare_n = 0;
  int rc = take_sample(w, &s, &err);
  /* Pipeline and bare alternate, so that a busy moment of the machine hits both alike; unless
   * --messages says otherwise, the bare part sends as many messages as the pipeline run before
   * it processed events (start-up and draining then weigh alike in both rates). */
  for (int r = 0; rc == 0 && r < repeats; r++) {
    bool ok = true;
    uint64_t events = 0;
    if (!bare_only)
      rc = measure_pipeline(w, &props, &pipe_rate[r], &pipe_cpu[r], &ok, &events, &err);
    reconciled = reconciled && ok;
    long n_bare = messages > 0 ? (long)messages : bare_only ? BARE_ONLY_MESSAGES : (long)events;
    if (rc == 0 && n_bare < (long)w->transport.partitions)
      rc = gb_err_set(&err, GB_ERR_INPUT,
                      "%s: the pipeline processed %ld events: too few to "
                      "measure (more sim.players or a longer sim.duration)",
                      workload, n_bare);
    if (rc == 0)
      rc = measure_bare(w, &s, &props, n_bare, &bare_rate[r], &bare_cpu[r], &err);
    bare_n = n_bare;
  }
  if (rc == 0)
    report(w, workload, &s, bare_n, bare_rate, bare_cpu, bare_only ? NULL : pipe_rate, pipe_cpu,
           (int)repeats, reconciled);
  sample_free(&s);
  gb_workload_free(w);
  return rc == 0 ? 0 : gb_opts_fail(&err);
}
