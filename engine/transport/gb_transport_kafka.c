/* Kafka transport: the message header and small helpers the other files share, creating and
 * freeing a transport, and its statistics (the ops table). gb_transport_kafka_props.c holds the
 * configuration (-X properties), gb_transport_kafka_setup.c the set-up (names, the embedded
 * cluster, topics, fault injection); the simulator side lives in gb_transport_kafka_produce.c, the
 * engine side in gb_transport_kafka_group.c and gb_transport_kafka_consume.c;
 * gb_transport_kafka.h describes the whole. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gb_clock.h"
#include "gb_rng.h"
#include "gb_transport_kafka_int.h"
#include "gb_varint.h"

enum {
  /* gb_run sizes its encode buffers by the largest message: room for a challenge_upsert with a
   * full definition (GB_DEFINITION_MAX) and its envelope, well under Kafka's 1 MB default. */
  KAFKA_MAX_MESSAGE = 256 * 1024,
  SEND_HELD_MS = 1 /* gb_kafka_send_held's wait for the broker's acknowledgement, at most */
};

/* ---- header and small helpers */

void gb_kafka_put_u64(uint8_t out[8], uint64_t v) {
  for (int i = 7; i >= 0; i--) {
    out[i] = (uint8_t)(v & 0xFF);
    v >>= 8;
  }
}

uint64_t gb_kafka_get_u64(const uint8_t in[8]) {
  uint64_t v = 0;
  for (int i = 0; i < 8; i++)
    v = (v << 8) | in[i];
  return v;
}

void gb_kafka_header_put(uint8_t out[KHDR_LEN], khdr_kind kind, uint32_t producer, uint64_t seq) {
  out[0] = (uint8_t)kind;
  out[1] = (uint8_t)(producer >> 24);
  out[2] = (uint8_t)(producer >> 16);
  out[3] = (uint8_t)(producer >> 8);
  out[4] = (uint8_t)producer;
  gb_kafka_put_u64(out + 5, seq);
}

bool gb_kafka_header_get(const rd_kafka_message_t *m, khdr *out) {
  rd_kafka_headers_t *hdrs = NULL;
  if (rd_kafka_message_headers(m, &hdrs) != RD_KAFKA_RESP_ERR_NO_ERROR)
    return false;
  const void *v = NULL;
  size_t len = 0;
  if (rd_kafka_header_get_last(hdrs, KHDR_NAME, &v, &len) != RD_KAFKA_RESP_ERR_NO_ERROR ||
      len != KHDR_LEN || !v)
    return false;
  const uint8_t *b = v;
  if (b[0] != KHDR_EVENT && b[0] != KHDR_END && b[0] != KHDR_REPLY && b[0] != KHDR_REPLIES &&
      b[0] != KHDR_ACK)
    return false;
  out->kind = (khdr_kind)b[0];
  out->producer = (uint32_t)b[1] << 24 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 8 | b[4];
  out->seq = gb_kafka_get_u64(b + 5);
  return true;
}

size_t gb_kafka_replies_put(uint8_t *out, uint64_t seq, const void *reply, size_t len) {
  size_t n = gb_varint_put(out, seq);
  n += gb_varint_put(out + n, len);
  memcpy(out + n, reply, len);
  return n + len;
}

bool gb_kafka_replies_next(const uint8_t **at, const uint8_t *end, uint64_t *seq,
                           const void **reply, size_t *len) {
  const uint8_t *p = *at;
  uint64_t n;
  if (!gb_varint_get(&p, end, seq) || !gb_varint_get(&p, end, &n) || n > (uint64_t)(end - p))
    return false;
  *reply = p;
  *len = (size_t)n;
  *at = p + n;
  return true;
}

size_t gb_kafka_consume(rd_kafka_queue_t *q, int timeout_ms, rd_kafka_message_t **out, size_t cap) {
  if (cap == 0)
    return 0;
  rd_kafka_message_t *first = timeout_ms > 0 ? rd_kafka_consume_queue(q, timeout_ms) : NULL;
  size_t n = 0;
  if (first)
    out[n++] = first;
  ssize_t more = rd_kafka_consume_batch_queue(q, 0, out + n, cap - n);
  return n + (more > 0 ? (size_t)more : 0);
}

void gb_kafka_send_held(const gb_transport_kafka *k, rd_kafka_t *rk) {
  if (k->throughput && rd_kafka_outq_len(rk) > 0)
    rd_kafka_flush(rk, SEND_HELD_MS);
}

rd_kafka_resp_err_t gb_kafka_flush(rd_kafka_t *rk, int timeout_ms) {
  int64_t deadline = gb_clock_now_ns() + (int64_t)timeout_ms * 1000000;
  while (rd_kafka_outq_len(rk) > 0) {
    if (gb_clock_now_ns() >= deadline)
      return RD_KAFKA_RESP_ERR__TIMED_OUT;
    rd_kafka_poll(rk, KFLUSH_POLL_MS);
  }
  return RD_KAFKA_RESP_ERR_NO_ERROR;
}

size_t gb_kafka_key(uint64_t player_id, char out[24]) {
  /* By hand: snprintf costs more than the rest of a send (one per event and per reply). */
  char digits[20]; /* UINT64_MAX has 20 */
  size_t n = 0;
  do {
    digits[n++] = (char)('0' + player_id % 10);
    player_id /= 10;
  } while (player_id > 0);
  for (size_t i = 0; i < n; i++)
    out[i] = digits[n - 1 - i];
  out[n] = '\0';
  return n;
}

unsigned gb_kafka_partition_of(const gb_transport_kafka *k, uint64_t player_id) {
  /* A fixed salt, so that partitions are independent of the arm split and the shard hash. */
  return (unsigned)(gb_hash3(0x506172746974ULL /* "Partit" */, player_id, 0) % k->P);
}

void gb_kafka_fail(gb_transport_kafka *k, const char *fmt, ...) {
  pthread_mutex_lock(&k->fail_mu);
  if (!atomic_load(&k->failed)) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(k->failure, sizeof k->failure, fmt, ap);
    va_end(ap);
    fprintf(stderr, "gamebench: kafka: %s\n", k->failure);
    atomic_store(&k->failed, true);
  }
  pthread_mutex_unlock(&k->fail_mu);
}

/* ---- the interface */

static const gb_transport_ops kafka_ops;

static void kafka_free(gb_transport *t) {
  gb_transport_kafka *k = (gb_transport_kafka *)t;
  atomic_store(&k->stop, true);
  if (k->fault_started) {
    pthread_mutex_lock(&k->fault_mu);
    pthread_cond_broadcast(&k->fault_cv);
    pthread_mutex_unlock(&k->fault_mu);
    pthread_join(k->fault, NULL);
  }
  gb_kafka_exchange_stop(k); /* first: its reader calls into the caller's state */
  gb_kafka_shards_free(k);
  gb_kafka_router_stop(k);
  gb_kafka_producers_free(k);
  if (k->mock)
    rd_kafka_mock_cluster_destroy(k->mock);
  if (k->mock_host)
    rd_kafka_destroy(k->mock_host);
  for (size_t i = 0; i < k->n_props; i++)
    free(k->props[i]);
  free(k->props);
  free(k->prop_scope);
  for (int i = 0; i < KT__COUNT; i++)
    free(k->topics[i]);
  free(k->group);
  free(k->bootstrap);
  free((void *)k->finished);
  free(k->last_reply_seq);
  pthread_cond_destroy(&k->fault_cv);
  pthread_mutex_destroy(&k->fault_mu);
  pthread_mutex_destroy(&k->fail_mu);
  free(k);
}

static int check_config(const gb_transport_config *cfg, const gb_transport_kafka_config *kc,
                        gb_err *err) {
  if (kc->partitions < 1 || kc->partitions > GB_KAFKA_PARTITIONS_MAX)
    return gb_err_set(err, GB_ERR_INPUT, "transport.partitions: %u is out of range (1 .. %d)",
                      kc->partitions, GB_KAFKA_PARTITIONS_MAX);
  if (cfg->n_producers == 0 || (kc->role != GB_KAFKA_ROLE_SIM && cfg->n_shards == 0))
    return gb_err_set(err, GB_ERR_INPUT, "transport needs at least one producer and one shard");
  if (!kc->brokers || !*kc->brokers)
    return gb_err_set(err, GB_ERR_INPUT, "brokers: expected 'embedded' or host:port,...");
  if (kc->instances > 1 && (kc->role != GB_KAFKA_ROLE_SIM || kc->instance >= kc->instances ||
                            kc->instances > cfg->n_producers))
    return gb_err_set(err, GB_ERR_INPUT,
                      "instance %u of %u: expected a simulator alone, an instance below the "
                      "count, and at most one instance per producer (%u)",
                      kc->instance + 1, kc->instances, cfg->n_producers);
  if (strcmp(kc->brokers, "embedded") == 0 && kc->role != GB_KAFKA_ROLE_ALL)
    return gb_err_set(err, GB_ERR_INPUT,
                      "--brokers embedded: the embedded broker lives inside one process; "
                      "`gamebench sim` and `gamebench engine` need a real broker (host:port, "
                      "e.g. from scripts/kafka-local start)");
  return 0;
}

int gb_transport_kafka_new(const gb_transport_config *cfg, const gb_transport_kafka_config *kc,
                           gb_transport **out, gb_err *err) {
  *out = NULL;
  if (check_config(cfg, kc, err) != 0)
    return -1;
  gb_transport_kafka *k = calloc(1, sizeof *k);
  if (!k)
    return gb_err_set(err, GB_ERR_RUNTIME, "out of memory for the Kafka transport");
  k->base.ops = &kafka_ops;
  k->base.cfg = *cfg;
  k->role = kc->role;
  k->throughput = kc->throughput;
  k->P = kc->partitions;
  k->n_producers = cfg->n_producers;
  k->instances = kc->instances > 1 ? kc->instances : 1;
  k->instance = kc->instances > 1 ? kc->instance : 0;
  k->first_owned = k->instance;
  k->n_shards = kc->role == GB_KAFKA_ROLE_SIM ? 0 : cfg->n_shards;
  pthread_mutex_init(&k->fail_mu, NULL);
  pthread_mutex_init(&k->fault_mu, NULL);
  pthread_condattr_t ca;
  pthread_condattr_init(&ca);
  pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
  pthread_cond_init(&k->fault_cv, &ca);
  pthread_condattr_destroy(&ca);
  if (gb_kafka_init(k, kc, err) != 0) {
    kafka_free(&k->base);
    return -1;
  }
  *out = &k->base;
  return 0;
}

const char *gb_transport_kafka_run_id(const gb_transport *t) {
  return ((const gb_transport_kafka *)t)->run_id;
}

void gb_transport_kafka_fail(gb_transport *t, const char *reason) {
  gb_kafka_fail((gb_transport_kafka *)t, "%s", reason);
}

const char *gb_transport_kafka_bootstrap(const gb_transport *t) {
  return ((const gb_transport_kafka *)t)->bootstrap;
}

struct rd_kafka_mock_cluster_s *gb_transport_kafka_mock(gb_transport *t) {
  return ((gb_transport_kafka *)t)->mock;
}

unsigned gb_transport_kafka_owned(const gb_transport *t, unsigned shard) {
  const gb_transport_kafka *k = (const gb_transport_kafka *)t;
  return shard < k->n_shards ? k->shards[shard].owned : 0;
}

static unsigned kafka_shard_of(const gb_transport *t, uint64_t player_id) {
  const gb_transport_kafka *k = (const gb_transport_kafka *)t;
  return gb_kafka_partition_of(k, player_id) % (k->n_shards ? k->n_shards : 1);
}

static size_t kafka_max_message(const gb_transport *t) {
  const gb_transport_kafka *k = (const gb_transport_kafka *)t;
  size_t ring =
      k->producers ? gb_queue_max_message(k->producers[k->first_owned].replies) : KAFKA_MAX_MESSAGE;
  return ring < KAFKA_MAX_MESSAGE ? ring : KAFKA_MAX_MESSAGE;
}

/* What never reached the engine: with the shards in this process, what was sent and never
 * delivered a first time; a simulator alone knows what the engines acknowledged at the end of
 * each of its streams (nothing before). */
static uint64_t partition_lost(const gb_transport_kafka *k, unsigned p,
                               const gb_transport_partition_stats *ps) {
  if (k->role == GB_KAFKA_ROLE_ENGINE)
    return 0;
  if (k->role == GB_KAFKA_ROLE_ALL) {
    uint64_t first = ps->delivered - ps->replayed;
    return ps->sent > first ? ps->sent - first : 0;
  }
  uint64_t lost = 0;
  for (unsigned x = 0; x < k->n_producers; x++) {
    const kproducer *pr = &k->producers[x];
    uint64_t acked = atomic_load(&pr->acked[p]);
    if (acked == KACK_NONE)
      lost += pr->done ? pr->sent[p] : pr->failed[p];
    else if (acked < pr->sent[p])
      lost += pr->sent[p] - acked;
  }
  return lost;
}

static void kafka_get_partition_stats(const gb_transport *t, unsigned p,
                                      gb_transport_partition_stats *out) {
  const gb_transport_kafka *k = (const gb_transport_kafka *)t;
  *out = (gb_transport_partition_stats){0};
  for (unsigned x = 0; k->producers && x < k->n_producers; x++) {
    const kproducer *pr = &k->producers[x];
    out->sent += pr->sent[p];
    out->produced += pr->produced[p];
    out->failed += pr->failed[p];
    uint64_t acked = atomic_load(&pr->acked[p]);
    if (acked != KACK_NONE)
      out->acknowledged += acked;
  }
  for (unsigned s = 0; k->shards && s < k->n_shards; s++) {
    const kshard *sh = &k->shards[s];
    out->consumed += sh->consumed[p];
    out->delivered += sh->delivered[p];
    out->replayed += sh->replayed[p];
    out->redelivered += sh->redelivered[p];
    out->gaps += gb_kafka_shard_gaps(sh, p);
  }
  out->lost = partition_lost(k, p, out);
}

static void kafka_get_stats(const gb_transport *t, gb_transport_stats *out) {
  const gb_transport_kafka *k = (const gb_transport_kafka *)t;
  *out = (gb_transport_stats){0};
  for (unsigned x = 0; k->producers && x < k->n_producers; x++) {
    const kproducer *pr = &k->producers[x];
    out->full_waits += pr->full_waits;
    out->replies_received += pr->replies_received;
    for (unsigned p = 0; p < k->P; p++) {
      out->sent += pr->sent[p];
      uint64_t acked = atomic_load(&pr->acked[p]);
      if (acked != KACK_NONE)
        out->acknowledged += acked;
      /* Refused by the broker; and in role SIM, where what the engines consumed is only known
       * through their acknowledgements, whatever they never acknowledged once the producer
       * finished (in role ALL the caller compares what the shards consumed). */
      uint64_t unconfirmed = pr->failed[p];
      if (k->role == GB_KAFKA_ROLE_SIM && pr->done && acked == KACK_NONE)
        unconfirmed = pr->sent[p];
      else if (k->role == GB_KAFKA_ROLE_SIM && pr->done && acked < pr->sent[p])
        unconfirmed += pr->sent[p] - acked;
      out->lost += unconfirmed;
    }
  }
  out->redelivered = atomic_load(&k->replies_redelivered);
  for (unsigned s = 0; k->shards && s < k->n_shards; s++) {
    const kshard *sh = &k->shards[s];
    out->replies_sent += sh->replies_sent;
    for (unsigned p = 0; p < k->P; p++) {
      out->redelivered += sh->redelivered[p];
      out->received += sh->delivered[p];
      out->replayed += sh->replayed[p];
    }
  }
}

static unsigned kafka_partitions(const gb_transport *t) {
  return ((const gb_transport_kafka *)t)->P;
}

static bool kafka_failed(const gb_transport *t, gb_err *err) {
  gb_transport_kafka *k = (gb_transport_kafka *)t;
  if (!atomic_load(&k->failed))
    return false;
  pthread_mutex_lock(&k->fail_mu);
  gb_err_set(err, GB_ERR_RUNTIME, "kafka: %s", k->failure);
  pthread_mutex_unlock(&k->fail_mu);
  return true;
}

static const gb_transport_ops kafka_ops = {
    .kind = "kafka",
    .free = kafka_free,
    .shard_of = kafka_shard_of,
    .max_message = kafka_max_message,
    .send = gb_kafka_send,
    .producer_done = gb_kafka_producer_done,
    .poll_replies = gb_kafka_poll_replies,
    .receive = gb_kafka_receive,
    .reply = gb_kafka_reply,
    .replaying = gb_kafka_replaying,
    .current_partition = gb_kafka_current_partition,
    .wait_events = gb_kafka_wait_events,
    .wait_replies = gb_kafka_wait_replies,
    .get_stats = kafka_get_stats,
    .partitions = kafka_partitions,
    .get_partition_stats = kafka_get_partition_stats,
    .failed = kafka_failed,
};
