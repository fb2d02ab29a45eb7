/* Kafka transport, engine side: receiving (replay on assignment, reordering by sequence number,
 * delivery to the shard's callback), replies and acknowledgements. The consumer-group members
 * themselves (set-up, assignment, commits) are in gb_transport_kafka_group.c. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gb_clock.h"
#include "gb_grow.h"
#include "gb_prefetch.h"
#include "gb_transport_kafka_int.h"

/* ---- held messages: a min-heap by sequence number per stream */

/* Per-message state: a failed growth stops the program (gb_grow.h's hot-path rule); the
 * heap is bounded by HELD_MAX. */
static void heap_push(kstream *s, rd_kafka_message_t *m, uint64_t seq) {
  GB_GROW_OR_DIE(s->heap, s->cap, s->n + 1, 16, "held messages");
  size_t i = s->n++;
  while (i > 0 && s->heap[(i - 1) / 2].seq > seq) {
    s->heap[i] = s->heap[(i - 1) / 2];
    i = (i - 1) / 2;
  }
  s->heap[i] = (kheld){m, seq};
}

static kheld heap_pop(kstream *s) {
  kheld top = s->heap[0];
  kheld last = s->heap[--s->n];
  size_t i = 0;
  for (;;) {
    size_t c = 2 * i + 1;
    if (c >= s->n)
      break;
    if (c + 1 < s->n && s->heap[c + 1].seq < s->heap[c].seq)
      c++;
    if (last.seq <= s->heap[c].seq)
      break;
    s->heap[i] = s->heap[c];
    i = c;
  }
  if (s->n > 0)
    s->heap[i] = last;
  return top;
}

/* ---- replies */

/* Produces one record to partition p of the decisions topic, keyed by player_id (0: no key),
 * waiting while librdkafka's queue is full. */
static void produce_reply(kshard *sh, unsigned p, uint64_t player_id, const void *msg, size_t len,
                          const uint8_t hdr[KHDR_LEN]) {
  char key[24];
  size_t key_len = player_id ? gb_kafka_key(player_id, key) : 0;
  for (;;) {
    rd_kafka_resp_err_t e = rd_kafka_producev(
        sh->reply_rk, RD_KAFKA_V_RKT(sh->decisions), RD_KAFKA_V_PARTITION((int32_t)p),
        RD_KAFKA_V_KEY(key_len ? key : NULL, key_len), RD_KAFKA_V_VALUE((void *)msg, len),
        RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_HEADER(KHDR_NAME, hdr, KHDR_LEN),
        RD_KAFKA_V_END);
    if (e == RD_KAFKA_RESP_ERR_NO_ERROR)
      return;
    if (e != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
      gb_kafka_fail(sh->k, "engine %u: cannot produce a reply: %s", sh->index, rd_kafka_err2str(e));
      return;
    }
    rd_kafka_poll(sh->reply_rk, 1); /* backpressure: reports make room */
    if (atomic_load(&sh->k->failed))
      return;
  }
}

/* Sends the replies waiting for stream i as one record. */
static void send_pending(kshard *sh, unsigned i) {
  kpending *q = &sh->pending[i];
  if (q->len == 0)
    return;
  uint8_t hdr[KHDR_LEN];
  gb_kafka_header_put(hdr, KHDR_REPLIES, i % sh->k->n_producers, q->last_seq);
  produce_reply(sh, i / sh->k->n_producers, 0, q->buf, q->len, hdr);
  q->len = 0;
}

/* Sends every reply waiting. */
static void send_all_pending(kshard *sh) {
  for (unsigned j = 0; j < sh->n_pending; j++) {
    send_pending(sh, sh->pending_streams[j]);
    sh->pending[sh->pending_streams[j]].listed = false;
  }
  sh->n_pending = 0;
}

/* Adds a reply to the record of its stream; sends the record once it is full. */
static void add_pending(kshard *sh, unsigned p, unsigned producer, uint64_t seq, const void *msg,
                        size_t len) {
  unsigned i = p * sh->k->n_producers + producer;
  kpending *q = &sh->pending[i];
  /* per-message state: a failed growth stops the program (gb_grow.h) */
  GB_GROW_OR_DIE(q->buf, q->cap, q->len + KREPLY_ENTRY_MAX + len, KREPLIES_BYTES + KREPLY_ENTRY_MAX,
                 "bytes of replies");
  if (!q->listed) {
    sh->pending_streams[sh->n_pending++] = i;
    q->listed = true;
  }
  q->len += gb_kafka_replies_put(q->buf + q->len, seq, msg, len);
  q->last_seq = seq;
  if (q->len >= KREPLIES_BYTES)
    send_pending(sh, i); /* stays in pending_streams, empty: sending it again is a no-op */
}

void gb_kafka_reply(gb_transport *t, unsigned shard, uint64_t player_id, const void *msg,
                    size_t len) {
  gb_transport_kafka *k = (gb_transport_kafka *)t;
  kshard *sh = &k->shards[shard];
  uint8_t hdr[KHDR_LEN];
  if (sh->delivering && sh->cur_suppress) {
    sh->replies_suppressed++; /* answered before the partition changed hands */
    return;
  }
  if (sh->delivering && sh->cur_sequenced) {
    add_pending(sh, sh->cur_p, sh->cur_producer, sh->cur_seq, msg, len);
  } else {
    gb_kafka_header_put(hdr, KHDR_REPLY, gb_transport_producer_of(t, player_id), 0);
    produce_reply(sh, gb_kafka_partition_of(k, player_id), player_id, msg, len, hdr);
  }
  sh->replies_sent++;
}

/* ---- receiving */

typedef struct kdeliver {
  gb_transport_msg_fn fn;
  void *ctx;
  size_t n;
} kdeliver;

static void hand_over(kshard *sh, unsigned p, const rd_kafka_message_t *m, bool sequenced,
                      unsigned producer, uint64_t seq, bool suppress, kdeliver *d) {
  static const char empty[1] = {0};
  sh->delivering = true;
  sh->cur_sequenced = sequenced;
  sh->cur_suppress = suppress;
  sh->cur_p = p;
  sh->cur_producer = producer;
  sh->cur_seq = seq;
  sh->cur_ti = topic_index(sh, m);
  sh->cur_offset = m->offset;
  d->fn(d->ctx, m->payload ? m->payload : empty, m->len);
  sh->delivering = false;
  sh->delivered[p]++;
  d->n++;
}

/* Records that stream (producer, p) was delivered up to seq by this process; returns whether
 * seq had been delivered already (by this shard before, or by another one). */
static bool delivered_before(gb_transport_kafka *k, unsigned p, unsigned producer, uint64_t seq) {
  _Atomic uint64_t *mark = &k->delivered_seq[(size_t)p * k->n_producers + producer];
  uint64_t seen = atomic_load(mark);
  while (seen < seq && !atomic_compare_exchange_weak(mark, &seen, seq))
    ;
  return seen >= seq;
}

/* Delivers one in-order message of stream (producer, p): an event to the callback, an end
 * marker as an acknowledgement to the producer. A replay is what was processed before: below
 * the committed offsets, or delivered already by a shard of this process. */
static void deliver(kshard *sh, unsigned p, kstream *s, khdr_kind kind, unsigned producer,
                    uint64_t seq, rd_kafka_message_t *m, int ti, kdeliver *d) {
  gb_transport_kafka *k = sh->k;
  kpart *pt = sh->parts[p];
  bool replay = delivered_before(k, p, producer, seq) || m->offset < pt->replay_until[ti];
  s->next = seq + 1;
  if (replay && kind != KHDR_END)
    sh->replayed[p]++;
  if (kind == KHDR_END) {
    s->ended = true;
    if (++pt->ended == k->n_producers)
      atomic_store(&k->finished[p], 1);
    if (!replay) {
      send_pending(sh, p * k->n_producers + producer); /* the replies go before the count */
      gb_kafka_before_ack(sh); /* and the dead letters and aggregates of what was processed */
      uint8_t hdr[KHDR_LEN], count[8];
      gb_kafka_header_put(hdr, KHDR_ACK, producer, seq);
      gb_kafka_put_u64(count, seq - 1); /* every event before the marker was delivered, in order */
      produce_reply(sh, p, 0, count, sizeof count, hdr);
      sh->acks_sent++;
    }
    return;
  }
  hand_over(sh, p, m, true, producer, seq, replay, d);
}

static void on_message(kshard *sh, rd_kafka_message_t *m, kdeliver *d) {
  gb_transport_kafka *k = sh->k;
  int ti = topic_index(sh, m);
  unsigned p = (unsigned)m->partition;
  if (ti < 0 || p >= k->P || !sh->parts[p]) {
    rd_kafka_message_destroy(m); /* a partition released meanwhile */
    return;
  }
  kpart *pt = sh->parts[p];
  sh->consumed[p]++;
  sh->dirty = true;
  if (m->offset + 1 > pt->next_offset[ti])
    pt->next_offset[ti] = m->offset + 1;
  khdr h;
  if (!gb_kafka_header_get(m, &h) || (h.kind != KHDR_EVENT && h.kind != KHDR_END)) {
    /* A foreign message (e.g. written with kcat): delivered as it comes, unordered. */
    hand_over(sh, p, m, false, 0, 0, m->offset < pt->replay_until[ti], d);
    rd_kafka_message_destroy(m);
    return;
  }
  if (h.producer >= k->n_producers) {
    gb_kafka_fail(k,
                  "%s[%u]: a message from simulator thread %u, but the workload has %u "
                  "(sim.threads must match between gamebench sim and gamebench engine)",
                  k->topics[ti], p, h.producer, k->n_producers);
    rd_kafka_message_destroy(m);
    return;
  }
  kstream *s = &pt->streams[h.producer];
  if (h.seq < s->next) {
    sh->redelivered[p]++;
    rd_kafka_message_destroy(m);
    return;
  }
  if (h.seq > s->next) { /* a predecessor is still on its way (another topic): hold */
    if (sh->held >= HELD_MAX) {
      gb_kafka_fail(k,
                    "%s[%u]: producer %u's message %" PRIu64 " never arrived (%zu messages held "
                    "back behind it)",
                    k->topics[ti], p, h.producer, s->next, sh->held);
      rd_kafka_message_destroy(m);
      return;
    }
    heap_push(s, m, h.seq);
    pt->held++;
    sh->held++;
    return;
  }
  deliver(sh, p, s, h.kind, h.producer, h.seq, m, ti, d);
  rd_kafka_message_destroy(m);
  while (s->n > 0 && s->heap[0].seq <= s->next) {
    kheld top = heap_pop(s);
    pt->held--;
    sh->held--;
    khdr th;
    if (top.seq == s->next && gb_kafka_header_get(top.m, &th))
      deliver(sh, p, s, th.kind, h.producer, top.seq, top.m, topic_index(sh, top.m), d);
    else
      sh->redelivered[p]++;
    rd_kafka_message_destroy(top.m);
  }
}

static void on_error(kshard *sh, const rd_kafka_message_t *m) {
  gb_transport_kafka *k = sh->k;
  if (m->err == RD_KAFKA_RESP_ERR_OFFSET_OUT_OF_RANGE ||
      m->err == RD_KAFKA_RESP_ERR__AUTO_OFFSET_RESET)
    gb_kafka_fail(
        k,
        "engine %u: %s[%d]: messages were deleted before they were consumed (%s). The "
        "embedded broker keeps about 5 MiB per partition: a consumer that lags further "
        "behind loses data. Use a real broker (scripts/kafka-local), more partitions, or a "
        "lower rate",
        sh->index, m->rkt ? rd_kafka_topic_name(m->rkt) : "?", (int)m->partition,
        rd_kafka_message_errstr(m));
  else if (m->err == RD_KAFKA_RESP_ERR__FATAL)
    gb_kafka_fail(k, "engine %u: %s", sh->index, rd_kafka_message_errstr(m));
  /* Anything else (a broker away, a leader moving) librdkafka retries by itself. */
}

static bool all_finished(const gb_transport_kafka *k) {
  for (unsigned p = 0; p < k->P; p++)
    if (!atomic_load(&k->finished[p]))
      return false;
  return true;
}

/* Where now stands in a fault-injection window of AT_MS:FOR_MS after set-up: 0 before it, 1 in
 * it, 2 after it. */
static int window_state(const gb_transport_kafka *k, int at_ms, int for_ms) {
  int64_t at = k->ready_ns + (int64_t)at_ms * 1000000;
  int64_t until = at + (int64_t)for_ms * 1000000;
  int64_t now = gb_clock_now_ns();
  return now < at ? 0 : now < until ? 1 : 2;
}

/* Fault injection: pauses and resumes fetching of everything the shard owns per the
 * gamebench.fault.consumer.pause window. */
static void pause_window(kshard *sh) {
  const ksettings *set = &sh->k->set;
  if (set->pause_for_ms == 0 || sh->pause_state == 2)
    return;
  int want = window_state(sh->k, set->pause_at_ms, set->pause_for_ms);
  if (want == sh->pause_state)
    return;
  rd_kafka_topic_partition_list_t *owned = NULL;
  if (rd_kafka_assignment(sh->rk, &owned) == RD_KAFKA_RESP_ERR_NO_ERROR) {
    if (want == 1)
      rd_kafka_pause_partitions(sh->rk, owned);
    else
      rd_kafka_resume_partitions(sh->rk, owned);
    rd_kafka_topic_partition_list_destroy(owned);
  }
  sh->pause_state = want;
}

/* Fault injection: shard 0 leaves the consumer group (its partitions move to the other members,
 * which replay them) and rejoins later (it takes a share back, replayed in turn) per the
 * gamebench.fault.engine.leave window: the "member left or timed out" of a real group. */
static void leave_window(kshard *sh) {
  const ksettings *set = &sh->k->set;
  if (set->leave_for_ms == 0 || sh->index != 0 || sh->leave_state == 2)
    return;
  int want = window_state(sh->k, set->leave_at_ms, set->leave_for_ms);
  if (want == sh->leave_state)
    return;
  rd_kafka_resp_err_t e = RD_KAFKA_RESP_ERR_NO_ERROR;
  if (want == 1) {
    e = rd_kafka_unsubscribe(sh->rk);
  } else {
    rd_kafka_topic_partition_list_t *sub = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(sub, sh->k->topics[KT_ANCHOR], RD_KAFKA_PARTITION_UA);
    e = rd_kafka_subscribe(sh->rk, sub);
    rd_kafka_topic_partition_list_destroy(sub);
  }
  if (e)
    gb_kafka_fail(sh->k, "engine %u: fault injection: %s: %s", sh->index,
                  want == 1 ? "unsubscribe" : "subscribe", rd_kafka_err2str(e));
  sh->leave_state = want;
}

/* Bytes of a fetched message's librdkafka record read per message (the message fields, then
 * its headers' state right behind them): three cache lines. */
enum { MESSAGE_BYTES = 3 * GB_CACHE_LINE };

/* librdkafka's threads wrote the fetched messages: they are cold in the shard's caches, and
 * reading each one cost a full memory latency. While one message is handled, the record of the
 * one after next and the payload of the next one (whose record came in meanwhile) load. */
static void prefetch_ahead(const kshard *sh) {
  if (sh->batch_pos + 1 < sh->batch_n)
    gb_prefetch_span(sh->batch[sh->batch_pos + 1], MESSAGE_BYTES);
  if (sh->batch_pos < sh->batch_n && sh->batch[sh->batch_pos]->payload)
    __builtin_prefetch(sh->batch[sh->batch_pos]->payload);
}

/* Fetches the next batch when the previous one is handled; waits up to timeout_ms. */
static void fetch(kshard *sh, int timeout_ms) {
  if (sh->batch_pos < sh->batch_n)
    return;
  sh->batch_pos = 0;
  sh->batch_n = gb_kafka_consume(sh->queue, timeout_ms, sh->batch, BATCH_MAX);
}

size_t gb_kafka_receive(gb_transport *t, unsigned shard, size_t max, gb_transport_msg_fn fn,
                        void *ctx, bool *finished) {
  gb_transport_kafka *k = (gb_transport_kafka *)t;
  *finished = false;
  if (shard >= k->n_shards) {
    *finished = true;
    return 0;
  }
  kshard *sh = &k->shards[shard];
  kdeliver d = {fn, ctx, 0};
  rd_kafka_poll(sh->reply_rk, 0);
  pause_window(sh);
  leave_window(sh);
  fetch(sh, 0);
  while (sh->batch_pos < sh->batch_n && d.n < max) {
    rd_kafka_message_t *m = sh->batch[sh->batch_pos++];
    prefetch_ahead(sh);
    if (m->err) {
      on_error(sh, m);
      rd_kafka_message_destroy(m);
      continue;
    }
    on_message(sh, m, &d);
  }
  /* The replies go before the call returns, not after the whole fetched batch: a partition this
   * shard loses while its thread is held up elsewhere is taken over by another shard of the
   * process, which answers only what this one has not delivered; replies this one kept back
   * would then reach the simulator after later ones and be dropped as second copies. So
   * nothing is pending outside this function (rebalance callbacks run inside fetch()). */
  send_all_pending(sh);
  if (gb_clock_now_ns() >= sh->next_commit_ns)
    gb_kafka_commit(sh, false);
  if (d.n == 0 && k->role == GB_KAFKA_ROLE_ALL && sh->held == 0 && sh->batch_pos == sh->batch_n &&
      all_finished(k)) {
    gb_kafka_commit(sh, true);
    *finished = true;
  }
  return d.n;
}

unsigned gb_kafka_current_partition(const gb_transport *t, unsigned shard) {
  const gb_transport_kafka *k = (const gb_transport_kafka *)t;
  return k->shards[shard].cur_p;
}

bool gb_kafka_replaying(const gb_transport *t, unsigned shard) {
  const gb_transport_kafka *k = (const gb_transport_kafka *)t;
  return shard < k->n_shards && k->shards[shard].delivering && k->shards[shard].cur_suppress;
}

void gb_kafka_wait_events(gb_transport *t, unsigned shard, int64_t timeout_ns) {
  gb_transport_kafka *k = (gb_transport_kafka *)t;
  if (shard >= k->n_shards || atomic_load(&k->failed) ||
      (k->role == GB_KAFKA_ROLE_ALL && all_finished(k)))
    return;
  kshard *sh = &k->shards[shard];
  gb_kafka_send_held(k, sh->reply_rk); /* the simulator's players wait for these replies */
  /* librdkafka's own wait, in whole milliseconds (at least one, so that it does wait). */
  int64_t ms = (timeout_ns + 999999) / 1000000;
  fetch(sh, ms < 1 ? 1 : ms > INT32_MAX ? INT32_MAX : (int)ms);
}

uint64_t gb_kafka_shard_gaps(const kshard *sh, unsigned p) {
  const kpart *pt = sh->parts ? sh->parts[p] : NULL;
  uint64_t gaps = 0;
  for (unsigned x = 0; pt && x < sh->k->n_producers; x++) {
    const kstream *s = &pt->streams[x];
    if (s->n > 0)
      gaps += s->heap[0].seq - s->next;
  }
  return gaps;
}
