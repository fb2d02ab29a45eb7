/* Kafka transport, simulator side: one idempotent producer per simulator thread, end-of-stream
 * markers, and the router that reads the decisions topic and hands each reply to the producer
 * that sent the event it answers (dropping replies sent twice): a thread that fills each
 * producer's ring when there are several producers, the producer's own thread when there is
 * one (the default: no thread hop, no copy). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gb_clock.h"
#include "gb_grow.h"
#include "gb_thread.h"
#include "gb_transport_kafka_int.h"

enum {
  ROUTER_BATCH = 512,   /* replies the router takes per poll */
  ROUTER_POLL_MS = 50,  /* the router's wait for replies, so that it notices `stop` */
  FULL_POLL_MS = 1,     /* a send that finds the producer queue full serves reports this long */
  DR_POLL_EVERY = 64,   /* sends between two services of the delivery reports (a power of 2) */
  ACK_WAIT_NS = 1000000 /* producer_done's nap between looks at the acknowledgements (1 ms) */
};

/* Event producers: batching tuned for throughput (lz4 compresses JSON events ~4x and the
 * embedded broker's retention is counted in bytes), idempotence for ordered, duplicate-free
 * retries. Each record costs the clients and the broker far more than its bytes: at time_scale
 * max the producers linger 5 ms (librdkafka's and Kafka's own default), which costs the
 * pipeline 17 % less CPU per event than 1 ms; a paced run lingers 1 ms, for its latency (a
 * transport median of 2 ms instead of 5 at the default workload). docs/benchmarks.md. */
#define EVENT_PRODUCER_DEFAULTS(linger)                                                            \
  "enable.idempotence=true", "compression.codec=lz4", "linger.ms=" linger,                         \
      "batch.num.messages=10000", "batch.size=1000000", "queue.buffering.max.messages=200000",     \
      "queue.buffering.max.kbytes=131072"
static const char *const latency_producer_defaults[] = {EVENT_PRODUCER_DEFAULTS("1")};
static const char *const throughput_producer_defaults[] = {EVENT_PRODUCER_DEFAULTS("5")};

const char *const *gb_transport_kafka_event_producer_defaults(bool throughput, size_t *n) {
  *n = sizeof latency_producer_defaults / sizeof latency_producer_defaults[0];
  return throughput ? throughput_producer_defaults : latency_producer_defaults;
}

/* The router reads the decisions topic by explicit assignment: this process is the only reader
 * of its replies. (librdkafka wants a group.id even so; it never joins that group.) */
static const char *const router_defaults[] = {"enable.partition.eof=false",
                                              "auto.offset.reset=error", "fetch.wait.max.ms=20",
                                              "enable.auto.commit=false"};

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque) {
  (void)rk;
  kproducer *pr = opaque;
  bool end_marker = m->_private != NULL; /* the msg_opaque of end markers is non-NULL */
  unsigned p = (unsigned)m->partition;
  if (m->err) {
    if (!end_marker && p < pr->k->P)
      pr->failed[p]++;
    gb_kafka_fail(pr->k, "producer %u: delivery to %s[%d] failed for good: %s", pr->index,
                  rd_kafka_topic_name(m->rkt), (int)m->partition, rd_kafka_err2str(m->err));
    return;
  }
  if (!end_marker && p < pr->k->P)
    pr->produced[p]++;
}

static int producer_new(gb_transport_kafka *k, kproducer *pr, unsigned index, gb_err *err) {
  pr->k = k;
  pr->index = index;
  pr->next_seq = calloc(k->P, sizeof *pr->next_seq);
  pr->sent = calloc(k->P, sizeof *pr->sent);
  pr->produced = calloc(k->P, sizeof *pr->produced);
  pr->failed = calloc(k->P, sizeof *pr->failed);
  pr->acked = calloc(k->P, sizeof *pr->acked);
  if (!pr->next_seq || !pr->sent || !pr->produced || !pr->failed || !pr->acked)
    return gb_err_set(err, GB_ERR_RUNTIME, "out of memory");
  for (unsigned p = 0; p < k->P; p++)
    atomic_init(&pr->acked[p], KACK_NONE);
  gb_doorbell_init(&pr->bell);
  if (!gb_kafka_owns(k, index))
    return 0; /* another process's: its counters stay 0, it has no client */
  if (gb_queue_new(k->base.cfg.queue_bytes, &pr->replies, err) != 0)
    return -1;
  char client_id[64];
  snprintf(client_id, sizeof client_id, "gamebench-sim-%u", index);
  size_t n_defaults;
  const char *const *defaults =
      gb_transport_kafka_event_producer_defaults(k->throughput, &n_defaults);
  rd_kafka_conf_t *conf = NULL;
  if (gb_kafka_conf_new(k, RD_KAFKA_PRODUCER, defaults, n_defaults, client_id, &conf, err) != 0)
    return -1;
  rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
  rd_kafka_conf_set_opaque(conf, pr);
  char errstr[ERRSTR_MAX];
  pr->rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
  if (!pr->rk) {
    rd_kafka_conf_destroy(conf); /* still ours when rd_kafka_new fails */
    return gb_err_set(err, GB_ERR_INPUT, "kafka producer: %s", errstr);
  }
  for (int i = 0; i < KT_EVENTS; i++) {
    pr->topics[i] = rd_kafka_topic_new(pr->rk, k->topics[i], NULL);
    if (!pr->topics[i])
      return gb_err_set(err, GB_ERR_RUNTIME, "kafka producer: topic %s: %s", k->topics[i],
                        rd_kafka_err2str(rd_kafka_last_error()));
  }
  return 0;
}

int gb_kafka_producers_new(gb_transport_kafka *k, gb_err *err) {
  k->producers = calloc(k->n_producers, sizeof *k->producers);
  k->last_reply_seq = calloc((size_t)k->n_producers * k->P, sizeof *k->last_reply_seq);
  if (!k->producers || !k->last_reply_seq)
    return gb_err_set(err, GB_ERR_RUNTIME, "out of memory");
  for (unsigned x = 0; x < k->n_producers; x++)
    if (producer_new(k, &k->producers[x], x, err) != 0)
      return -1;
  return 0;
}

void gb_kafka_producers_free(gb_transport_kafka *k) {
  for (unsigned x = 0; k->producers && x < k->n_producers; x++) {
    kproducer *pr = &k->producers[x];
    if (pr->rk) {
      /* Whatever is still queued was either acknowledged already or belongs to a failed run:
       * a short flush, then the handle goes. */
      rd_kafka_flush(pr->rk, 1000);
      for (int i = 0; i < KT_EVENTS; i++)
        if (pr->topics[i])
          rd_kafka_topic_destroy(pr->topics[i]);
      rd_kafka_destroy(pr->rk);
    }
    free(pr->overflow); /* emptied by gb_kafka_router_stop */
    gb_queue_free(pr->replies);
    free(pr->next_seq);
    free(pr->sent);
    free(pr->produced);
    free(pr->failed);
    free((void *)pr->acked);
  }
  free(k->producers);
  k->producers = NULL;
}

/* Produces one message, waiting while librdkafka's queue is full. false when the transport
 * failed meanwhile or librdkafka refused the message for good. */
static bool produce(kproducer *pr, rd_kafka_topic_t *rkt, unsigned p, uint64_t player_id,
                    bool with_key, const void *msg, size_t len, const uint8_t hdr[KHDR_LEN],
                    void *msg_opaque) {
  char key[24];
  size_t key_len = with_key ? gb_kafka_key(player_id, key) : 0;
  bool waited = false;
  for (;;) {
    rd_kafka_resp_err_t e = rd_kafka_producev(
        pr->rk, RD_KAFKA_V_RKT(rkt), RD_KAFKA_V_PARTITION((int32_t)p),
        RD_KAFKA_V_KEY(with_key ? key : NULL, key_len), RD_KAFKA_V_VALUE((void *)msg, len),
        RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_HEADER(KHDR_NAME, hdr, KHDR_LEN),
        RD_KAFKA_V_OPAQUE(msg_opaque), RD_KAFKA_V_END);
    if (e == RD_KAFKA_RESP_ERR_NO_ERROR)
      return true;
    if (e != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
      gb_kafka_fail(pr->k, "producer %u: cannot produce to %s[%u]: %s", pr->index,
                    rd_kafka_topic_name(rkt), p, rd_kafka_err2str(e));
      return false;
    }
    if (!waited)
      pr->full_waits++;
    waited = true;
    /* Backpressure: serving delivery reports is what makes room. */
    rd_kafka_poll(pr->rk, FULL_POLL_MS);
    if (atomic_load(&pr->k->failed))
      return false;
  }
}

/* Sends one message of this producer's stream to partition p of rkt, numbered in the
 * partition's sequence. False when produce failed (the transport is failed then). */
static bool send_numbered(kproducer *pr, rd_kafka_topic_t *rkt, unsigned p, uint64_t player_id,
                          const void *msg, size_t len) {
  uint8_t hdr[KHDR_LEN];
  gb_kafka_header_put(hdr, KHDR_EVENT, pr->index, pr->next_seq[p] + 1);
  if (!produce(pr, rkt, p, player_id, true, msg, len, hdr, NULL))
    return false;
  pr->next_seq[p]++;
  pr->sent[p]++;
  return true;
}

/* A control message (an operator's catalogue change) goes to every partition of the control
 * topic, numbered in each partition's stream like an event: whichever shard owns a partition
 * sees the change at the same place in this producer's stream, and a partition that changes
 * hands replays it with the rest. */
static void send_control(gb_transport_kafka *k, kproducer *pr, uint64_t player_id, const void *msg,
                         size_t len) {
  for (unsigned p = 0; p < k->P; p++)
    if (!send_numbered(pr, pr->topics[GB_CHANNEL_CONTROL], p, player_id, msg, len))
      return;
  rd_kafka_poll(pr->rk, 0);
}

void gb_kafka_send(gb_transport *t, unsigned producer, gb_event_channel channel, uint64_t player_id,
                   const void *msg, size_t len) {
  gb_transport_kafka *k = (gb_transport_kafka *)t;
  kproducer *pr = &k->producers[producer];
  if (channel == GB_CHANNEL_CONTROL) {
    send_control(k, pr, player_id, msg, len);
    return;
  }
  unsigned ch = (unsigned)channel < KT_EVENTS ? (unsigned)channel : GB_CHANNEL_CARD;
  if (!send_numbered(pr, pr->topics[ch], gb_kafka_partition_of(k, player_id), player_id, msg, len))
    return;
  /* Delivery reports every so often: serving them per message costs more than the send. */
  if ((++pr->sends & (DR_POLL_EVERY - 1)) == 0)
    rd_kafka_poll(pr->rk, 0);
}

static bool all_acked(const kproducer *pr) {
  for (unsigned p = 0; p < pr->k->P; p++)
    if (atomic_load(&pr->acked[p]) == KACK_NONE)
      return false;
  return true;
}

/* ---- the router: replies from the decisions topic to the producers */

typedef struct kblob { /* a copy of a reply waiting for room in a ring */
  size_t len;
  uint8_t bytes[];
} kblob;

/* Moves waiting replies of producer pr into its ring while there is room; true when none is
 * left waiting. */
static bool flush_overflow(kproducer *pr) {
  while (pr->overflow_n > 0) {
    kblob *b = pr->overflow[pr->overflow_head];
    if (!gb_queue_try_push(pr->replies, b->bytes, b->len))
      return false;
    free(b);
    gb_doorbell_ring(&pr->bell);
    pr->overflow_head++;
    pr->overflow_n--;
  }
  pr->overflow_head = 0;
  return true;
}

/* Whether a reply of len bytes can be handed over: what the ring cannot hold is not a decision
 * (the simulator's answer count shows it). */
static bool reply_fits(const kproducer *pr, size_t len) {
  return len > 0 && len <= gb_queue_max_message(pr->replies);
}

/* Queues a copy of a reply behind those waiting for room in pr's ring (the list's growth is
 * per-message state: its failure stops the program, gb_grow.h; a copy that cannot be made fails
 * the transport). */
static void add_overflow(gb_transport_kafka *k, kproducer *pr, const void *reply, size_t len) {
  if (pr->overflow_head + pr->overflow_n == pr->overflow_cap && pr->overflow_head > 0) {
    /* slide the waiting ones to the front */
    memmove(pr->overflow, pr->overflow + pr->overflow_head, pr->overflow_n * sizeof *pr->overflow);
    pr->overflow_head = 0;
  }
  GB_GROW_OR_DIE(pr->overflow, pr->overflow_cap, pr->overflow_head + pr->overflow_n + 1, 1024,
                 "replies waiting for a producer");
  kblob *b = malloc(sizeof *b + len);
  if (!b) {
    gb_kafka_fail(k, "router: out of memory for replies waiting for producer %u", pr->index);
    return;
  }
  b->len = len;
  memcpy(b->bytes, reply, len);
  pr->overflow[pr->overflow_head + pr->overflow_n++] = b;
}

typedef struct kroute { /* where route_one puts replies */
  gb_transport_kafka *k;
  kproducer *pr;
} kroute;

/* Hands a reply to the ring of the producer in ctx (a kroute), or queues a copy behind the
 * replies already waiting. */
static void route_one(void *ctx, const void *reply, size_t len) {
  kroute *r = ctx;
  if (flush_overflow(r->pr) && gb_queue_try_push(r->pr->replies, reply, len)) {
    gb_doorbell_ring(&r->pr->bell);
    return;
  }
  add_overflow(r->k, r->pr, reply, len);
}

/* Whether reply number seq of stream (producer, p) is new. Replies to one stream come in the
 * order of the events they answer; one not above the last is a second copy (an engine
 * restarted before its commit), counted. seq 0: the reply answers no numbered event. */
static bool fresh_reply(gb_transport_kafka *k, unsigned producer, unsigned p, uint64_t seq) {
  if (seq == 0)
    return true;
  uint64_t *last = &k->last_reply_seq[(size_t)producer * k->P + p];
  if (seq <= *last) {
    atomic_fetch_add(&k->replies_redelivered, 1);
    return false;
  }
  *last = seq;
  return true;
}

/* Hands each new reply m carries for pr to fn: its payload, or with `batched` (a KHDR_REPLIES
 * record) each entry not handed before. Returns the number handed. A malformed record fails
 * the transport (its replies cannot be told apart). */
static size_t each_reply(gb_transport_kafka *k, kproducer *pr, const rd_kafka_message_t *m,
                         bool batched, gb_transport_msg_fn fn, void *ctx) {
  if (!batched) {
    if (!reply_fits(pr, m->len))
      return 0;
    fn(ctx, m->payload, m->len);
    return 1;
  }
  if (!m->payload)
    return 0; /* an empty record: no entry */
  const uint8_t *at = m->payload, *end = at + m->len;
  size_t n = 0, len;
  uint64_t seq;
  const void *reply;
  while (gb_kafka_replies_next(&at, end, &seq, &reply, &len)) {
    if (fresh_reply(k, pr->index, (unsigned)m->partition, seq) && reply_fits(pr, len)) {
      fn(ctx, reply, len);
      n++;
    }
  }
  if (at < end)
    gb_kafka_fail(
        k, "%s[%d] offset %" PRId64 ": a malformed replies record (entry at byte %zu of %zu)",
        rd_kafka_topic_name(m->rkt), (int)m->partition, m->offset,
        (size_t)(at - (const uint8_t *)m->payload), m->len);
  return n;
}

/* The player a message without gamebench's header is keyed by (0: none). */
static uint64_t key_player(const rd_kafka_message_t *m) {
  if (!m->key || m->key_len == 0 || m->key_len >= 24)
    return 0;
  char key[24];
  memcpy(key, m->key, m->key_len);
  key[m->key_len] = '\0';
  return strtoull(key, NULL, 10);
}

/* The producer a message of the decisions topic goes to; *batched tells a KHDR_REPLIES record
 * (whose entries each_reply checks for second copies). NULL when it goes to none, m then
 * destroyed: an acknowledgement (recorded here), a second copy of a reply (counted), another
 * simulator's message, a partition out of range. */
static kproducer *reply_target(gb_transport_kafka *k, rd_kafka_message_t *m, bool *batched) {
  unsigned p = (unsigned)m->partition;
  khdr h;
  *batched = false;
  if (p >= k->P) {
    rd_kafka_message_destroy(m);
    return NULL;
  }
  if (!gb_kafka_header_get(m, &h)) {
    /* A reply from another engine implementation: routed by its key, without duplicate check. */
    uint64_t player = key_player(m);
    unsigned x = player != 0 ? (unsigned)((player - 1) % k->n_producers) : 0;
    if (player != 0 && gb_kafka_owns(k, x))
      return &k->producers[x];
    rd_kafka_message_destroy(m);
    return NULL;
  }
  if (h.producer >= k->n_producers ||
      (h.kind != KHDR_ACK && h.kind != KHDR_REPLY && h.kind != KHDR_REPLIES)) {
    rd_kafka_message_destroy(m); /* another simulator's (a run id shared by mistake) */
    return NULL;
  }
  if (!gb_kafka_owns(k, h.producer)) {
    rd_kafka_message_destroy(m); /* another instance's of the same run (--instance) */
    return NULL;
  }
  kproducer *pr = &k->producers[h.producer];
  if (h.kind == KHDR_ACK) {
    if (m->len == 8)
      atomic_store(&pr->acked[p], gb_kafka_get_u64(m->payload));
    rd_kafka_message_destroy(m);
    return NULL;
  }
  *batched = h.kind == KHDR_REPLIES;
  if (!*batched && !fresh_reply(k, h.producer, p, h.seq)) {
    rd_kafka_message_destroy(m);
    return NULL;
  }
  return pr;
}

/* A consumer error on the decisions queue: those that lose replies fail the transport.
 * Destroys m. */
static void router_error(gb_transport_kafka *k, rd_kafka_message_t *m) {
  if (m->err == RD_KAFKA_RESP_ERR_OFFSET_OUT_OF_RANGE ||
      m->err == RD_KAFKA_RESP_ERR__AUTO_OFFSET_RESET)
    gb_kafka_fail(k,
                  "decisions %s[%d]: replies were deleted before this simulator read them "
                  "(%s); the embedded broker keeps about 5 MiB per partition",
                  m->rkt ? rd_kafka_topic_name(m->rkt) : "?", (int)m->partition,
                  rd_kafka_message_errstr(m));
  else if (m->err == RD_KAFKA_RESP_ERR__FATAL)
    gb_kafka_fail(k, "decisions consumer: %s", rd_kafka_message_errstr(m));
  rd_kafka_message_destroy(m);
}

/* Takes one message of the decisions topic (and ownership of it): errors and acknowledgements
 * are handled here; each new reply goes to fn, or with fn NULL to its producer's ring. Returns
 * the replies handed to fn. */
static size_t take_message(gb_transport_kafka *k, rd_kafka_message_t *m, gb_transport_msg_fn fn,
                           void *ctx) {
  if (m->err) {
    router_error(k, m);
    return 0;
  }
  bool batched;
  kproducer *pr = reply_target(k, m, &batched);
  if (!pr)
    return 0;
  kroute r = {k, pr};
  size_t n = each_reply(k, pr, m, batched, fn ? fn : route_one, fn ? ctx : &r);
  rd_kafka_message_destroy(m);
  return fn ? n : 0;
}

/* ---- inline routing: the only producer reads the decisions queue itself */

/* Called by a librdkafka thread, under the queue's lock (so no librdkafka call here), when the
 * decisions queue stops being empty. */
static void on_replies_queued(rd_kafka_t *rk, void *opaque) {
  (void)rk;
  gb_transport_kafka *k = opaque;
  atomic_store(&k->replies_pending, true);
  gb_doorbell_ring(&k->producers[k->first_owned].bell);
}

/* Hands the replies in pr's ring to fn. With the router thread, the overflow is the router's;
 * inline, it is this thread's own (replies gb_kafka_producer_done set aside), and is emptied too.
 */
static size_t take_ring(gb_transport_kafka *k, kproducer *pr, gb_transport_msg_fn fn, void *ctx) {
  size_t n = 0;
  const void *msg;
  for (;;) {
    for (;;) {
      size_t len = gb_queue_peek(pr->replies, &msg);
      if (len == 0)
        break;
      fn(ctx, msg, len);
      gb_queue_release(pr->replies);
      n++;
    }
    if (!k->router_inline || pr->overflow_n == 0)
      return n;
    flush_overflow(pr);
  }
}

/* Empties the decisions queue: each reply goes to fn, or with fn NULL to the ring (for a later
 * poll); acknowledgements, second copies and errors are handled as the router thread does.
 * Returns the replies handed to fn. */
static size_t take_queued(gb_transport_kafka *k, gb_transport_msg_fn fn, void *ctx) {
  if (!atomic_load_explicit(&k->replies_pending, memory_order_relaxed))
    return 0;
  /* Cleared before the queue is emptied: whatever comes after that sets it again. */
  atomic_store(&k->replies_pending, false);
  rd_kafka_message_t *batch[ROUTER_BATCH];
  size_t n = 0, got;
  do {
    got = gb_kafka_consume(k->router_queue, 0, batch, ROUTER_BATCH);
    for (size_t i = 0; i < got; i++)
      n += take_message(k, batch[i], fn, ctx); /* every reply is the only producer's */
  } while (got == ROUTER_BATCH);
  return n;
}

/* Whether the decisions queue may hold something. The flag says so at once; the queue's length
 * covers a take_queued that stopped early (librdkafka may end a batch before the queue is
 * empty). */
static bool replies_queued(gb_transport_kafka *k) {
  if (atomic_load(&k->replies_pending))
    return true;
  if (rd_kafka_queue_length(k->router_queue) == 0)
    return false;
  atomic_store(&k->replies_pending, true);
  return true;
}

/* Sleeps until a reply may be there for pr, the transport fails, or timeout_ns. Replies already
 * in pr's ring (and, inline, its overflow) count only when `taken` says the caller takes them
 * next; gb_kafka_producer_done leaves them for the simulator's next poll. */
static void sleep_for_replies(gb_transport_kafka *k, kproducer *pr, bool taken,
                              int64_t timeout_ns) {
  uint32_t seen = gb_doorbell_prepare(&pr->bell);
  bool in_ring =
      taken && (gb_queue_used_bytes(pr->replies) > 0 || (k->router_inline && pr->overflow_n > 0));
  if (in_ring || atomic_load(&k->failed) || (k->router_inline && replies_queued(k)))
    gb_doorbell_cancel(&pr->bell);
  else
    gb_doorbell_wait(&pr->bell, seen, timeout_ns);
}

/* ---- the producer's end, replies */

void gb_kafka_producer_done(gb_transport *t, unsigned producer) {
  gb_transport_kafka *k = (gb_transport_kafka *)t;
  kproducer *pr = &k->producers[producer];
  /* One end marker per partition, numbered after the producer's last event there: the engine
   * delivers it only after every event before it, then acknowledges. */
  for (unsigned p = 0; p < k->P && !atomic_load(&k->failed); p++) {
    uint8_t hdr[KHDR_LEN], count[8];
    gb_kafka_header_put(hdr, KHDR_END, producer, pr->next_seq[p] + 1);
    gb_kafka_put_u64(count, pr->sent[p]);
    if (produce(pr, pr->topics[KT_ANCHOR], p, 0, false, count, sizeof count, hdr, pr))
      pr->next_seq[p]++;
  }
  pr->done = true;
  int64_t deadline = gb_clock_now_ns() + (int64_t)k->set.ack_timeout_ms * 1000000;
  while (!atomic_load(&k->failed)) {
    /* Inline, the acknowledgements come through this thread too; the replies met on the way
     * wait in the ring for the caller's next poll. */
    if (k->router_inline)
      take_queued(k, NULL, NULL);
    if (all_acked(pr))
      break;
    rd_kafka_poll(pr->rk, 0);
    if (gb_clock_now_ns() > deadline) {
      unsigned missing = 0;
      for (unsigned p = 0; p < k->P; p++)
        missing += atomic_load(&pr->acked[p]) == KACK_NONE;
      gb_kafka_fail(k,
                    "producer %u: %u of %u partitions not acknowledged by the engine within %d ms "
                    "(is `gamebench engine` running with the same run id? see "
                    "gamebench.ack.timeout.ms)",
                    producer, missing, k->P, k->set.ack_timeout_ms);
      break;
    }
    if (k->router_inline)
      sleep_for_replies(k, pr, false, ACK_WAIT_NS); /* woken by the acknowledgement itself */
    else
      gb_clock_sleep_until_ns(gb_clock_now_ns() + ACK_WAIT_NS);
  }
  /* After a failure the run is over: a short flush, not a wait for a broker that may be gone. */
  gb_kafka_flush(pr->rk, atomic_load(&k->failed) ? 1000 : k->set.ack_timeout_ms);
}

size_t gb_kafka_poll_replies(gb_transport *t, unsigned producer, gb_transport_msg_fn fn,
                             void *ctx) {
  gb_transport_kafka *k = (gb_transport_kafka *)t;
  kproducer *pr = &k->producers[producer];
  /* No rd_kafka_poll here: the simulator calls this once per event, and delivery reports are
   * served every DR_POLL_EVERY sends and by gb_kafka_wait_replies when it idles. */
  size_t n = take_ring(k, pr, fn, ctx);
  if (k->router_inline)
    n += take_queued(k, fn, ctx);
  pr->replies_received += n;
  return n;
}

void gb_kafka_wait_replies(gb_transport *t, unsigned producer, int64_t timeout_ns) {
  gb_transport_kafka *k = (gb_transport_kafka *)t;
  kproducer *pr = &k->producers[producer];
  int64_t deadline = gb_clock_now_ns() + timeout_ns;
  gb_kafka_send_held(k, pr->rk); /* every player waits for the answers to these events */
  rd_kafka_poll(pr->rk, 0);      /* an idle producer still serves its delivery reports */
  int64_t left = deadline - gb_clock_now_ns();
  if (left > 0)
    sleep_for_replies(k, pr, true, left);
}

/* ---- the router thread (more than one producer) */

static void *router_main(void *arg) {
  gb_transport_kafka *k = arg;
  rd_kafka_message_t *batch[ROUTER_BATCH];
  while (!atomic_load(&k->stop)) {
    bool waiting = false;
    for (unsigned x = 0; x < k->n_producers; x++)
      waiting |= !flush_overflow(&k->producers[x]);
    /* While replies wait for room, look again soon rather than after a full poll period. */
    int timeout_ms = waiting ? 1 : ROUTER_POLL_MS;
    size_t n = gb_kafka_consume(k->router_queue, timeout_ms, batch, ROUTER_BATCH);
    for (size_t i = 0; i < n; i++)
      take_message(k, batch[i], NULL, NULL);
  }
  return NULL;
}

int gb_kafka_router_start(gb_transport_kafka *k, gb_err *err) {
  char group[300];
  snprintf(group, sizeof group, "group.id=%s.router", k->group);
  const char *defaults[sizeof router_defaults / sizeof router_defaults[0] + 2];
  size_t n_defaults = 0;
  for (size_t i = 0; i < sizeof router_defaults / sizeof router_defaults[0]; i++)
    defaults[n_defaults++] = router_defaults[i];
  defaults[n_defaults++] = group;
  if (k->mock)
    defaults[n_defaults++] = KMOCK_FETCH_WAIT;
  rd_kafka_conf_t *conf = NULL;
  if (gb_kafka_conf_new(k, RD_KAFKA_CONSUMER, defaults, n_defaults, "gamebench-router", &conf,
                        err) != 0)
    return -1;
  char errstr[ERRSTR_MAX];
  k->router_rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, sizeof errstr);
  if (!k->router_rk) {
    rd_kafka_conf_destroy(conf); /* still ours when rd_kafka_new fails */
    return gb_err_set(err, GB_ERR_INPUT, "kafka consumer: %s", errstr);
  }
  k->router_queue = rd_kafka_queue_get_consumer(k->router_rk);
  unsigned owned = (k->n_producers - k->instance + k->instances - 1) / k->instances;
  if (owned == 1) {
    /* One producer here: nothing to route between threads, so its thread reads the queue (no
     * thread hop, no copy through the ring), woken by librdkafka when replies come. */
    k->router_inline = true;
    atomic_store(&k->replies_pending, true); /* a first look in any case */
    rd_kafka_queue_cb_event_enable(k->router_queue, on_replies_queued, k);
  }
  rd_kafka_topic_partition_list_t *list = rd_kafka_topic_partition_list_new((int)k->P);
  /* From offset 0 itself, so that replies the broker deleted before they were read show as an
   * error rather than as a silent jump (see with_followers in gb_transport_kafka_consume.c). */
  for (unsigned p = 0; p < k->P; p++)
    rd_kafka_topic_partition_list_add(list, k->topics[KT_DECISIONS], (int32_t)p)->offset = 0;
  rd_kafka_resp_err_t e = rd_kafka_assign(k->router_rk, list);
  rd_kafka_topic_partition_list_destroy(list);
  if (e)
    return gb_err_set(err, GB_ERR_RUNTIME, "decisions consumer: %s", rd_kafka_err2str(e));
  if (k->router_inline)
    return 0;
  if (pthread_create(&k->router, NULL, router_main, k) != 0)
    return gb_err_set(err, GB_ERR_RUNTIME, "cannot start the reply router thread");
  gb_thread_name(k->router, "router", -1);
  k->router_started = true;
  return 0;
}

void gb_kafka_router_stop(gb_transport_kafka *k) {
  atomic_store(&k->stop, true);
  if (k->router_started)
    pthread_join(k->router, NULL);
  k->router_started = false;
  if (k->router_inline && k->router_queue)
    rd_kafka_queue_cb_event_enable(k->router_queue, NULL, NULL); /* the producers go next */
  for (unsigned x = 0; k->producers && x < k->n_producers; x++) {
    kproducer *pr = &k->producers[x];
    for (size_t i = 0; i < pr->overflow_n; i++)
      free(pr->overflow[pr->overflow_head + i]);
    pr->overflow_n = 0;
  }
  if (k->router_queue)
    rd_kafka_queue_destroy(k->router_queue);
  if (k->router_rk) {
    rd_kafka_consumer_close(k->router_rk);
    rd_kafka_destroy(k->router_rk);
  }
  k->router_queue = NULL;
  k->router_rk = NULL;
}
