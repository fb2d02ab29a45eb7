/* The engines' side of a run's results through Kafka (gb_transport_kafka.h): dead letters and
 * aggregates produced by `gamebench engine` shards, read back by the simulator once every
 * stream was acknowledged. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gb_clock.h"
#include "gb_grow.h"
#include "gb_transport_kafka_int.h"

void gb_transport_kafka_on_stream_end(gb_transport *t, gb_transport_kafka_stream_end_fn fn,
                                      void *ctx) {
  gb_transport_kafka *k = (gb_transport_kafka *)t;
  k->stream_end_fn = fn;
  k->stream_end_ctx = ctx;
}

void gb_kafka_before_ack(kshard *sh) {
  gb_transport_kafka *k = sh->k;
  if (k->stream_end_fn)
    k->stream_end_fn(k->stream_end_ctx, sh->index);
  if (!sh->results_unflushed)
    return;
  /* Rare (rejects, the end of a run): the acknowledgement waits for them to be on the broker. */
  if (gb_kafka_flush(sh->reply_rk, BROKER_CALL_MS) != RD_KAFKA_RESP_ERR_NO_ERROR)
    gb_kafka_fail(k, "engine %u: dead letters or aggregates still unsent after %d ms", sh->index,
                  BROKER_CALL_MS);
  sh->results_unflushed = false;
}

/* Produces one record of the results topics with the shard's reply producer, waiting while its
 * queue is full. */
static void produce_result(kshard *sh, int topic, int32_t partition, const char *key,
                           const void *value, size_t len, rd_kafka_headers_t *hdrs) {
  gb_transport_kafka *k = sh->k;
  for (;;) {
    rd_kafka_resp_err_t e = rd_kafka_producev(
        sh->reply_rk, RD_KAFKA_V_TOPIC(k->topics[topic]), RD_KAFKA_V_PARTITION(partition),
        RD_KAFKA_V_KEY(key, key ? strlen(key) : 0), RD_KAFKA_V_VALUE((void *)value, len),
        RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_HEADERS(hdrs), RD_KAFKA_V_END);
    if (e == RD_KAFKA_RESP_ERR_NO_ERROR) {
      sh->results_unflushed = true;
      return; /* the headers belong to the message now */
    }
    if (e != RD_KAFKA_RESP_ERR__QUEUE_FULL || atomic_load(&k->failed)) {
      gb_kafka_fail(k, "engine %u: cannot produce to %s: %s", sh->index, k->topics[topic],
                    rd_kafka_err2str(e));
      rd_kafka_headers_destroy(hdrs);
      return;
    }
    rd_kafka_poll(sh->reply_rk, 1); /* backpressure: reports make room */
  }
}

static void header_u64(rd_kafka_headers_t *h, const char *name, uint64_t v) {
  char buf[24];
  int n = snprintf(buf, sizeof buf, "%" PRIu64, v);
  rd_kafka_header_add(h, name, -1, buf, n);
}

void gb_transport_kafka_dead_letter(gb_transport *t, unsigned shard, const void *msg, size_t len,
                                    const char *reason) {
  gb_transport_kafka *k = (gb_transport_kafka *)t;
  kshard *sh = &k->shards[shard];
  GB_ASSERT(sh->delivering);
  rd_kafka_headers_t *h = rd_kafka_headers_new(7);
  const char *topic = sh->cur_ti >= 0 ? k->topics[sh->cur_ti] : "";
  rd_kafka_header_add(h, "gb.topic", -1, topic, -1);
  header_u64(h, "gb.partition", sh->cur_p);
  header_u64(h, "gb.offset", (uint64_t)sh->cur_offset);
  header_u64(h, "gb.length", len);
  header_u64(h, "gb.shard", shard);
  header_u64(h, "gb.sequenced", sh->cur_sequenced);
  rd_kafka_header_add(h, "gb.reason", -1, reason, -1);
  produce_result(sh, KT_DEADLETTER, (int32_t)sh->cur_p, NULL, msg,
                 len < GB_KAFKA_DEAD_LETTER_MAX ? len : GB_KAFKA_DEAD_LETTER_MAX, h);
}

void gb_transport_kafka_publish_aggregates(gb_transport *t, unsigned shard, const char *source,
                                           uint64_t version, const void *bytes, size_t len) {
  gb_transport_kafka *k = (gb_transport_kafka *)t;
  kshard *sh = &k->shards[shard];
  size_t n = len == 0 ? 1 : (len + GB_KAFKA_AGGREGATES_CHUNK - 1) / GB_KAFKA_AGGREGATES_CHUNK;
  for (size_t i = 0; i < n && !atomic_load(&k->failed); i++) {
    size_t at = i * GB_KAFKA_AGGREGATES_CHUNK;
    size_t part = len - at < GB_KAFKA_AGGREGATES_CHUNK ? len - at : GB_KAFKA_AGGREGATES_CHUNK;
    rd_kafka_headers_t *h = rd_kafka_headers_new(2);
    header_u64(h, "gb.version", version);
    char chunk[48];
    int cn = snprintf(chunk, sizeof chunk, "%zu/%zu", i + 1, n);
    rd_kafka_header_add(h, "gb.chunk", -1, chunk, cn);
    produce_result(sh, KT_AGGREGATES, 0, source, (const uint8_t *)bytes + at, part, h);
  }
}

/* ---- the simulator's side */

/* Header name of m as text into out (NUL-terminated, cut to cap); false when absent. */
static bool header_text(const rd_kafka_message_t *m, const char *name, char *out, size_t cap) {
  rd_kafka_headers_t *hdrs = NULL;
  const void *v = NULL;
  size_t len = 0;
  if (rd_kafka_message_headers(m, &hdrs) != RD_KAFKA_RESP_ERR_NO_ERROR ||
      rd_kafka_header_get_last(hdrs, name, &v, &len) != RD_KAFKA_RESP_ERR_NO_ERROR)
    return false;
  if (len >= cap)
    len = cap - 1;
  if (len)
    memcpy(out, v, len);
  out[len] = '\0';
  return true;
}

static bool header_number(const rd_kafka_message_t *m, const char *name, uint64_t *out) {
  char buf[32], *end = NULL;
  if (!header_text(m, name, buf, sizeof buf) || buf[0] < '0' || buf[0] > '9')
    return false;
  *out = strtoull(buf, &end, 10);
  return *end == '\0';
}

static void bad_record(const rd_kafka_message_t *m, const char *why) {
  fprintf(stderr, "gamebench: kafka: %s[%d] offset %" PRId64 ": %s (skipped)\n",
          rd_kafka_topic_name(m->rkt), (int)m->partition, m->offset, why);
}

static void on_dead_letter(const rd_kafka_message_t *m, const gb_kafka_results_fns *fns) {
  char topic[300], reason[GB_ERR_MSG_MAX];
  uint64_t partition, offset, length, shard, sequenced;
  if (!header_text(m, "gb.topic", topic, sizeof topic) ||
      !header_text(m, "gb.reason", reason, sizeof reason) ||
      !header_number(m, "gb.partition", &partition) || !header_number(m, "gb.offset", &offset) ||
      !header_number(m, "gb.length", &length) || !header_number(m, "gb.shard", &shard) ||
      !header_number(m, "gb.sequenced", &sequenced)) {
    bad_record(m, "not a gamebench dead letter");
    return;
  }
  gb_kafka_dead_letter d = {.topic = topic,
                            .partition = (unsigned)partition,
                            .offset = (int64_t)offset,
                            .length = length,
                            .shard = (unsigned)shard,
                            .sequenced = sequenced != 0,
                            .reason = reason,
                            .payload = m->payload ? m->payload : "",
                            .len = m->len};
  if (fns->dead_letter)
    fns->dead_letter(fns->ctx, &d);
}

/* One source's snapshot being joined from its chunks. */
typedef struct kjoin {
  char *source;
  uint64_t version;
  size_t next; /* the chunk expected next (1-based); 0: none started */
  uint8_t *buf;
  size_t len, cap;
} kjoin;

typedef struct kjoins {
  kjoin *v;
  size_t n, cap;
} kjoins;

static kjoin *join_of(kjoins *js, const char *source) {
  for (size_t i = 0; i < js->n; i++)
    if (strcmp(js->v[i].source, source) == 0)
      return &js->v[i];
  if (GB_GROW(js->v, js->cap, js->n + 1, 8, "aggregate sources", NULL) != 0)
    return NULL;
  kjoin *j = &js->v[js->n];
  *j = (kjoin){.source = strdup(source)};
  if (!j->source)
    return NULL;
  js->n++;
  return j;
}

/* Parses "i/n" (1 <= i <= n). */
static bool parse_chunk(const char *text, size_t *i, size_t *n) {
  char *end = NULL;
  unsigned long long a = strtoull(text, &end, 10);
  if (end == text || *end != '/')
    return false;
  const char *b_at = end + 1;
  unsigned long long b = strtoull(b_at, &end, 10);
  if (end == b_at || *end != '\0' || a < 1 || a > b)
    return false;
  *i = (size_t)a;
  *n = (size_t)b;
  return true;
}

static int on_aggregates(const rd_kafka_message_t *m, kjoins *js, const gb_kafka_results_fns *fns,
                         gb_err *err) {
  char source[256], chunk[48];
  uint64_t version;
  size_t i, n;
  if (!m->key || m->key_len == 0 || m->key_len >= sizeof source ||
      !header_number(m, "gb.version", &version) ||
      !header_text(m, "gb.chunk", chunk, sizeof chunk) || !parse_chunk(chunk, &i, &n)) {
    bad_record(m, "not gamebench aggregates");
    return 0;
  }
  memcpy(source, m->key, m->key_len);
  source[m->key_len] = '\0';
  kjoin *j = join_of(js, source);
  if (!j)
    return gb_err_set(err, GB_ERR_RUNTIME, "out of memory");
  if (i == 1) { /* a new snapshot: whatever was being joined is superseded */
    j->version = version;
    j->len = 0;
    j->next = 1;
  } else if (j->next != i || j->version != version) {
    bad_record(m, "a chunk out of order");
    j->next = 0;
    return 0;
  }
  if (m->len > 0) {
    if (GB_GROW(j->buf, j->cap, j->len + m->len, 4096, "bytes of aggregates", err) != 0)
      return -1;
    memcpy(j->buf + j->len, m->payload, m->len);
    j->len += m->len;
  }
  j->next++;
  if (i == n) {
    if (fns->aggregates)
      fns->aggregates(fns->ctx, source, version, j->buf, j->len);
    j->next = 0;
  }
  return 0;
}

typedef struct kcollect {
  const gb_kafka_results_fns *fns;
  kjoins joins;
} kcollect;

static int on_result(void *ctx, const rd_kafka_message_t *m, int topic, gb_err *err) {
  kcollect *c = ctx;
  if (topic == KT_DEADLETTER) {
    on_dead_letter(m, c->fns);
    return 0;
  }
  return on_aggregates(m, &c->joins, c->fns, err);
}

int gb_transport_kafka_collect_results(gb_transport *t, const gb_kafka_results_fns *fns,
                                       gb_err *err) {
  gb_transport_kafka *k = (gb_transport_kafka *)t;
  int64_t deadline = gb_clock_now_ns() + (int64_t)k->set.ready_timeout_ms * 1000000;
  int64_t *hi = calloc((size_t)KT__COUNT * k->P, sizeof *hi);
  if (!hi)
    return gb_err_set(err, GB_ERR_RUNTIME, "out of memory");
  kcollect c = {.fns = fns};
  int rc = 0;
  /* Asked through the exchange's or the router's client: whichever this process has. */
  rd_kafka_t *rk = k->router_rk ? k->router_rk : k->exchange_in;
  if (!rk)
    rc = gb_err_set(err, GB_ERR_RUNTIME, "results: no client to ask the brokers with");
  for (int ti = KT_DEADLETTER; ti <= KT_AGGREGATES && rc == 0; ti++)
    for (unsigned p = 0; p < k->P && rc == 0; p++)
      rc = gb_kafka_end_offset(k, rk, ti, p, deadline, &hi[(size_t)ti * k->P + p], err);
  if (rc == 0)
    rc = gb_kafka_read_topics(k, "results", KT_DEADLETTER, KT_AGGREGATES + 1, hi, false, deadline,
                              on_result, &c, err);
  for (size_t i = 0; i < c.joins.n; i++) {
    free(c.joins.v[i].source);
    free(c.joins.v[i].buf);
  }
  free(c.joins.v);
  free(hi);
  return rc;
}
