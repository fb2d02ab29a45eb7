/* Kafka transport, engine side: consumer-group members (shards), co-partitioned assignment of
 * the event topics, replay on assignment, reordering by sequence number, replies and
 * acknowledgements, offset commits after processing. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gb_clock.h"
#include "gb_prefetch.h"
#include "gb_transport_kafka_int.h"

enum {
  BATCH_MAX = 1024,         /* messages a shard takes from librdkafka per call */
  HELD_MAX = 1 << 20,       /* messages a shard may hold back waiting for a predecessor */
  BROKER_CALL_MS = 10000,   /* committed-offset and watermark queries, final flushes */
  SETTLE_POLL_MS = 50,      /* the set-up's poll of each member while the group forms */
  JOIN_GRACE_MS = 15000,    /* a member still joining at shutdown: more than the 6 s session */
  COMMIT_OVERDUE_FACTOR = 8 /* after this many periods a commit waits for the replies */
};

/* Engine members: cooperative-sticky so that a joining or leaving member moves only the
 * partitions it must; commits are ours (after processing); deleted data is an error, not a
 * silent jump (auto.offset.reset=error); a short session so that a killed member's partitions
 * move on within seconds. */
static const char *const consumer_defaults[] = {
    "partition.assignment.strategy=cooperative-sticky",
    "enable.auto.commit=false",
    "enable.auto.offset.store=false",
    "auto.offset.reset=error",
    "enable.partition.eof=false",
    "session.timeout.ms=6000",
    "heartbeat.interval.ms=1000",
    "fetch.wait.max.ms=20",
};

/* Replies: idempotent (a retry cannot duplicate or reorder a decision), several to a record
 * (KHDR_REPLIES) and those records batched over at most 1 ms, uncompressed: a player waits for
 * each reply, and the records are few and small (lz4's per-batch set-up would cost more than it
 * saves). */
static const char *const reply_defaults[] = {"enable.idempotence=true", "linger.ms=1",
                                             "compression.codec=none"};

/* ---- held messages: a min-heap by sequence number per stream */

static bool heap_push(kstream *s, rd_kafka_message_t *m, uint64_t seq) {
  if (s->n == s->cap) {
    size_t cap = s->cap ? s->cap * 2 : 16;
    kheld *h = realloc(s->heap, cap * sizeof *h);
    if (!h)
      return false;
    s->heap = h;
    s->cap = cap;
  }
  size_t i = s->n++;
  while (i > 0 && s->heap[(i - 1) / 2].seq > seq) {
    s->heap[i] = s->heap[(i - 1) / 2];
    i = (i - 1) / 2;
  }
  s->heap[i] = (kheld){m, seq};
  return true;
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

/* ---- partitions a shard owns */

/* The event topic (KT_*) named name, or -1. */
static int topic_named(const gb_transport_kafka *k, const char *name) {
  for (int i = 0; i < KT_EVENTS; i++)
    if (strcmp(name, k->topics[i]) == 0)
      return i;
  return -1;
}

/* The event topic of m, or -1. Every message asks: by the handle's address, not by name (the
 * names differ only at their end, after the run id, and comparing them showed in the shard
 * thread's profile). By name only if librdkafka ever hands out a handle other than the one it
 * gave the shard. */
static int topic_index(const kshard *sh, const rd_kafka_message_t *m) {
  for (int i = 0; i < KT_EVENTS; i++)
    if (m->rkt == sh->event_topics[i])
      return i;
  return topic_named(sh->k, rd_kafka_topic_name(m->rkt));
}

static void part_free(kpart *pt, unsigned n_producers) {
  if (!pt)
    return;
  for (unsigned x = 0; pt->streams && x < n_producers; x++) {
    kstream *s = &pt->streams[x];
    for (size_t i = 0; i < s->n; i++)
      rd_kafka_message_destroy(s->heap[i].m);
    free(s->heap);
  }
  free(pt->streams);
  free(pt);
}

/* Adds partition p's committable offsets to list; returns how many. */
static int add_commits(kshard *sh, unsigned p, rd_kafka_topic_partition_list_t *list) {
  gb_transport_kafka *k = sh->k;
  kpart *pt = sh->parts[p];
  int64_t off[KT_EVENTS];
  for (int ti = 0; ti < KT_EVENTS; ti++)
    off[ti] = pt->next_offset[ti];
  for (unsigned x = 0; pt->held && x < k->n_producers; x++) {
    const kstream *s = &pt->streams[x];
    for (size_t i = 0; i < s->n; i++) {
      const rd_kafka_message_t *m = s->heap[i].m;
      int ti = topic_index(sh, m);
      if (ti >= 0 && m->offset < off[ti])
        off[ti] = m->offset;
    }
  }
  int n = 0;
  for (int ti = 0; ti < KT_EVENTS; ti++) {
    if (off[ti] < 0 || off[ti] <= pt->committed[ti])
      continue;
    rd_kafka_topic_partition_list_add(list, k->topics[ti], (int32_t)p)->offset = off[ti];
    pt->committed[ti] = off[ti];
    n++;
  }
  return n;
}

/* Commits what was processed. The replies of processed events go first: an offset is committed
 * only once every reply produced before it was delivered, so a crash can lose no answer. */
static void commit(kshard *sh, bool sync) {
  gb_transport_kafka *k = sh->k;
  if (!sh->dirty)
    return;
  rd_kafka_poll(sh->reply_rk, 0);
  if (sync) {
    if (gb_kafka_flush(sh->reply_rk, BROKER_CALL_MS) != RD_KAFKA_RESP_ERR_NO_ERROR)
      return; /* replies in flight: better no commit (at-least-once) than a lost answer */
  } else if (rd_kafka_outq_len(sh->reply_rk) > 0) {
    int64_t overdue = (int64_t)k->set.commit_interval_ms * COMMIT_OVERDUE_FACTOR * 1000000;
    if (gb_clock_now_ns() < sh->next_commit_ns + overdue)
      return; /* try again on the next call, when the replies may be through */
    if (gb_kafka_flush(sh->reply_rk, k->set.commit_interval_ms) != RD_KAFKA_RESP_ERR_NO_ERROR)
      return;
  }
  rd_kafka_topic_partition_list_t *list =
      rd_kafka_topic_partition_list_new((int)(sh->owned * KT_EVENTS + 1));
  int n = 0;
  for (unsigned p = 0; p < k->P; p++)
    if (sh->parts[p])
      n += add_commits(sh, p, list);
  if (n > 0) {
    rd_kafka_resp_err_t e = rd_kafka_commit(sh->rk, list, sync ? 0 : 1);
    if (e && sync)
      fprintf(stderr, "gamebench: kafka: engine %u: final commit failed: %s\n", sh->index,
              rd_kafka_err2str(e));
  }
  rd_kafka_topic_partition_list_destroy(list);
  sh->dirty = false;
  sh->next_commit_ns = gb_clock_now_ns() + (int64_t)k->set.commit_interval_ms * 1000000;
}

/* The partitions of every event topic that go with card-topic partitions `anchor`, from offset
 * 0 itself: not "the beginning", which librdkafka resolves only when it starts fetching and
 * which would silently skip whatever the broker deleted before then. Offset 0 gone is an
 * error the shard reports. */
static rd_kafka_topic_partition_list_t *
with_followers(const gb_transport_kafka *k, const rd_kafka_topic_partition_list_t *anchor) {
  rd_kafka_topic_partition_list_t *all = rd_kafka_topic_partition_list_new(anchor->cnt * KT_EVENTS);
  for (int i = 0; i < anchor->cnt; i++)
    for (int ti = 0; ti < KT_EVENTS; ti++)
      rd_kafka_topic_partition_list_add(all, k->topics[ti], anchor->elems[i].partition)->offset = 0;
  return all;
}

/* A newly owned partition: read from its first offset (replay rebuilds the players' state),
 * reply only above what was committed before. Fails when the broker deleted its start. */
static void take_partitions(kshard *sh, rd_kafka_topic_partition_list_t *all) {
  gb_transport_kafka *k = sh->k;
  rd_kafka_topic_partition_list_t *committed = rd_kafka_topic_partition_list_copy(all);
  rd_kafka_resp_err_t e = rd_kafka_committed(sh->rk, committed, BROKER_CALL_MS);
  if (e)
    gb_kafka_fail(k, "engine %u: cannot read committed offsets: %s", sh->index,
                  rd_kafka_err2str(e));
  for (int i = 0; i < committed->cnt; i++) {
    rd_kafka_topic_partition_t *tp = &committed->elems[i];
    unsigned p = (unsigned)tp->partition;
    if (p >= k->P) {
      gb_kafka_fail(k, "%s has more partitions than transport.partitions (%u)", tp->topic, k->P);
      continue;
    }
    if (!sh->parts[p]) {
      kpart *pt = calloc(1, sizeof *pt);
      if (pt && !(pt->streams = calloc(k->n_producers, sizeof *pt->streams))) {
        free(pt);
        pt = NULL;
      }
      if (!pt) {
        gb_kafka_fail(k, "engine %u: out of memory for partition %u", sh->index, p);
        continue;
      }
      for (unsigned x = 0; x < k->n_producers; x++)
        pt->streams[x].next = 1;
      for (int ti = 0; ti < KT_EVENTS; ti++)
        pt->replay_until[ti] = pt->committed[ti] = pt->next_offset[ti] = -1;
      sh->parts[p] = pt;
      sh->owned++;
    }
    int ti = topic_named(k, tp->topic);
    if (ti < 0)
      continue;
    int64_t off = tp->err ? -1 : tp->offset;
    sh->parts[p]->replay_until[ti] = off >= 0 ? off : 0;
    sh->parts[p]->committed[ti] = off >= 0 ? off : -1;
    int64_t lo = 0, hi = 0;
    e = rd_kafka_query_watermark_offsets(sh->rk, tp->topic, tp->partition, &lo, &hi,
                                         BROKER_CALL_MS);
    if (e == RD_KAFKA_RESP_ERR_NO_ERROR && lo > 0)
      gb_kafka_fail(k,
                    "%s[%d] now starts at offset %" PRId64
                    ": the broker deleted messages (retention), so this engine cannot rebuild its "
                    "players' state by replaying the partition (the embedded broker keeps about 5 "
                    "MiB per partition)",
                    tp->topic, tp->partition, lo);
  }
  rd_kafka_topic_partition_list_destroy(committed);
}

static void drop_partitions(kshard *sh, const rd_kafka_topic_partition_list_t *anchor, bool lost) {
  gb_transport_kafka *k = sh->k;
  if (!lost)
    commit(sh, true); /* the partitions' final offsets, before another member takes them */
  for (int i = 0; i < anchor->cnt; i++) {
    unsigned p = (unsigned)anchor->elems[i].partition;
    if (p >= k->P || !sh->parts[p])
      continue;
    sh->held -= sh->parts[p]->held;
    part_free(sh->parts[p], k->n_producers);
    sh->parts[p] = NULL;
    sh->owned--;
  }
}

static void on_rebalance(rd_kafka_t *rk, rd_kafka_resp_err_t e,
                         rd_kafka_topic_partition_list_t *parts, void *opaque) {
  kshard *sh = opaque;
  gb_transport_kafka *k = sh->k;
  rd_kafka_topic_partition_list_t *all = with_followers(k, parts);
  rd_kafka_error_t *error = NULL;
  if (e == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
    take_partitions(sh, all);
    error = rd_kafka_incremental_assign(rk, all);
    sh->joined = true;
  } else if (e == RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS) {
    drop_partitions(sh, parts, rd_kafka_assignment_lost(rk));
    error = rd_kafka_incremental_unassign(rk, all);
  } else {
    gb_kafka_fail(k, "engine %u: rebalance failed: %s", sh->index, rd_kafka_err2str(e));
  }
  if (error) {
    gb_kafka_fail(k, "engine %u: %s: %s", sh->index,
                  e == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS ? "assign" : "unassign",
                  rd_kafka_error_string(error));
    rd_kafka_error_destroy(error);
  }
  rd_kafka_topic_partition_list_destroy(all);
}

/* ---- set-up */

static int shard_new(gb_transport_kafka *k, kshard *sh, unsigned index, gb_err *err) {
  sh->k = k;
  sh->index = index;
  sh->parts = calloc(k->P, sizeof *sh->parts);
  sh->consumed = calloc(k->P, sizeof *sh->consumed);
  sh->delivered = calloc(k->P, sizeof *sh->delivered);
  sh->replayed = calloc(k->P, sizeof *sh->replayed);
  sh->redelivered = calloc(k->P, sizeof *sh->redelivered);
  sh->batch = calloc(BATCH_MAX, sizeof *sh->batch);
  sh->pending = calloc((size_t)k->P * k->n_producers, sizeof *sh->pending);
  sh->pending_streams = calloc((size_t)k->P * k->n_producers, sizeof *sh->pending_streams);
  if (!sh->parts || !sh->consumed || !sh->delivered || !sh->replayed || !sh->redelivered ||
      !sh->batch || !sh->pending || !sh->pending_streams)
    return gb_err_set(err, GB_ERR_RUNTIME, "out of memory");
  char client_id[64], errstr[512], group[300];
  snprintf(client_id, sizeof client_id, "gamebench-engine-%u", index);
  snprintf(group, sizeof group, "group.id=%s", k->group);
  const char *defaults[sizeof consumer_defaults / sizeof consumer_defaults[0] + 2];
  size_t n_defaults = 0;
  defaults[n_defaults++] = group;
  for (size_t i = 0; i < sizeof consumer_defaults / sizeof consumer_defaults[0]; i++)
    defaults[n_defaults++] = consumer_defaults[i];
  if (k->mock)
    defaults[n_defaults++] = KMOCK_FETCH_WAIT;
  rd_kafka_conf_t *conf =
      gb_kafka_conf_new(k, RD_KAFKA_CONSUMER, defaults, n_defaults, client_id, err);
  if (!conf)
    return -1;
  rd_kafka_conf_set_rebalance_cb(conf, on_rebalance);
  rd_kafka_conf_set_opaque(conf, sh);
  if (!(sh->rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, sizeof errstr)))
    return gb_err_set(err, GB_ERR_INPUT, "kafka consumer: %s", errstr);
  rd_kafka_poll_set_consumer(sh->rk);
  sh->queue = rd_kafka_queue_get_consumer(sh->rk);
  for (int ti = 0; ti < KT_EVENTS; ti++)
    if (!(sh->event_topics[ti] = rd_kafka_topic_new(sh->rk, k->topics[ti], NULL)))
      return gb_err_set(err, GB_ERR_RUNTIME, "kafka consumer: topic %s: %s", k->topics[ti],
                        rd_kafka_err2str(rd_kafka_last_error()));
  snprintf(client_id, sizeof client_id, "gamebench-replies-%u", index);
  if (!(conf = gb_kafka_conf_new(k, RD_KAFKA_PRODUCER, reply_defaults,
                                 sizeof reply_defaults / sizeof reply_defaults[0], client_id, err)))
    return -1;
  if (!(sh->reply_rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr)))
    return gb_err_set(err, GB_ERR_INPUT, "kafka producer: %s", errstr);
  if (!(sh->decisions = rd_kafka_topic_new(sh->reply_rk, k->topics[KT_DECISIONS], NULL)))
    return gb_err_set(err, GB_ERR_RUNTIME, "kafka producer: topic %s: %s", k->topics[KT_DECISIONS],
                      rd_kafka_err2str(rd_kafka_last_error()));
  rd_kafka_topic_partition_list_t *sub = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(sub, k->topics[KT_ANCHOR], RD_KAFKA_PARTITION_UA);
  rd_kafka_resp_err_t e = rd_kafka_subscribe(sh->rk, sub);
  rd_kafka_topic_partition_list_destroy(sub);
  if (e)
    return gb_err_set(err, GB_ERR_RUNTIME, "kafka consumer: subscribe to %s: %s",
                      k->topics[KT_ANCHOR], rd_kafka_err2str(e));
  sh->next_commit_ns = gb_clock_now_ns() + (int64_t)k->set.commit_interval_ms * 1000000;
  return 0;
}

int gb_kafka_shards_new(gb_transport_kafka *k, gb_err *err) {
  if (!(k->shards = calloc(k->n_shards, sizeof *k->shards)) ||
      !(k->delivered_seq = calloc((size_t)k->P * k->n_producers, sizeof *k->delivered_seq)))
    return gb_err_set(err, GB_ERR_RUNTIME, "out of memory");
  for (unsigned s = 0; s < k->n_shards; s++)
    if (shard_new(k, &k->shards[s], s, err) != 0)
      return -1;
  return 0;
}

/* Settled: every member has joined, every partition is owned by exactly one member, each member
 * owning its even share. */
static bool settled(const gb_transport_kafka *k) {
  unsigned total = 0, lo = k->P / k->n_shards, hi = (k->P + k->n_shards - 1) / k->n_shards;
  for (unsigned s = 0; s < k->n_shards; s++) {
    unsigned n = k->shards[s].owned;
    if (!k->shards[s].joined || n < lo || n > hi)
      return false;
    total += n;
  }
  return total == k->P;
}

int gb_kafka_shards_wait_settled(gb_transport_kafka *k, gb_err *err) {
  int64_t deadline = gb_clock_now_ns() + (int64_t)k->set.ready_timeout_ms * 1000000;
  while (!settled(k)) {
    for (unsigned s = 0; s < k->n_shards; s++) {
      /* Nothing can be waiting yet (the topics are new): this only runs the group protocol. */
      rd_kafka_message_t *m = rd_kafka_consumer_poll(k->shards[s].rk, SETTLE_POLL_MS);
      if (m) {
        bool unexpected = !m->err;
        rd_kafka_message_destroy(m);
        if (unexpected)
          return gb_err_set(err, GB_ERR_RUNTIME, "topic %s is not empty at set-up",
                            k->topics[KT_ANCHOR]);
      }
    }
    if (gb_transport_failed(&k->base, err))
      return -1;
    if (gb_clock_now_ns() > deadline)
      return gb_err_set(err, GB_ERR_RUNTIME,
                        "kafka: the engine's consumer group %s did not settle within %d ms",
                        k->group, k->set.ready_timeout_ms);
  }
  return 0;
}

/* librdkafka 2.0.2 aborts when a cooperative-sticky member is destroyed before its first
 * assignment (librdkafka issue #4312, fixed in 2.3.0): a member still joining (a `gamebench
 * engine` stopped during its start, or a shard the group had not reached yet) is given, bounded,
 * the time to finish joining first. */
static void finish_joining(kshard *sh) {
  int64_t deadline = gb_clock_now_ns() + (int64_t)JOIN_GRACE_MS * 1000000;
  while (!sh->joined && gb_clock_now_ns() < deadline) {
    rd_kafka_message_t *m = rd_kafka_consumer_poll(sh->rk, SETTLE_POLL_MS);
    if (m)
      rd_kafka_message_destroy(m); /* nothing from a member that owns nothing is processed */
  }
}

void gb_kafka_shards_free(gb_transport_kafka *k) {
  for (unsigned s = 0; k->shards && s < k->n_shards; s++) {
    kshard *sh = &k->shards[s];
    if (sh->rk && !sh->joined)
      finish_joining(sh);
    if (sh->rk)
      commit(sh, true); /* before the held messages go: they bound what may be committed */
    for (size_t i = sh->batch_pos; i < sh->batch_n; i++)
      rd_kafka_message_destroy(sh->batch[i]);
    sh->batch_pos = sh->batch_n = 0;
    for (unsigned p = 0; sh->parts && p < k->P; p++) {
      part_free(sh->parts[p], k->n_producers);
      sh->parts[p] = NULL;
    }
    sh->owned = 0;
    sh->held = 0;
    if (sh->rk)
      rd_kafka_consumer_close(sh->rk); /* leaves the group: the others take the partitions */
    if (sh->queue)
      rd_kafka_queue_destroy(sh->queue);
    for (int ti = 0; ti < KT_EVENTS; ti++)
      if (sh->event_topics[ti])
        rd_kafka_topic_destroy(sh->event_topics[ti]);
    if (sh->rk)
      rd_kafka_destroy(sh->rk);
    if (sh->reply_rk) {
      rd_kafka_flush(sh->reply_rk, BROKER_CALL_MS);
      if (sh->decisions)
        rd_kafka_topic_destroy(sh->decisions);
      rd_kafka_destroy(sh->reply_rk);
    }
    free(sh->parts);
    free(sh->consumed);
    free(sh->delivered);
    free(sh->replayed);
    free(sh->redelivered);
    free(sh->batch);
    for (size_t i = 0; sh->pending && i < (size_t)k->P * k->n_producers; i++)
      free(sh->pending[i].buf);
    free(sh->pending);
    free(sh->pending_streams);
  }
  free(k->shards);
  k->shards = NULL;
  free((void *)k->delivered_seq);
  k->delivered_seq = NULL;
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
  size_t need = q->len + KREPLY_ENTRY_MAX + len;
  if (need > q->cap) {
    size_t cap = q->cap ? q->cap : KREPLIES_BYTES + KREPLY_ENTRY_MAX;
    while (cap < need)
      cap *= 2;
    uint8_t *buf = realloc(q->buf, cap);
    if (!buf) {
      gb_kafka_fail(sh->k, "engine %u: out of memory for replies", sh->index);
      return;
    }
    q->buf = buf;
    q->cap = cap;
  }
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
    if (sh->held >= HELD_MAX || !heap_push(s, m, h.seq)) {
      gb_kafka_fail(k,
                    "%s[%u]: producer %u's message %" PRIu64 " never arrived (%zu messages held "
                    "back behind it)",
                    k->topics[ti], p, h.producer, s->next, sh->held);
      rd_kafka_message_destroy(m);
      return;
    }
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
    commit(sh, false);
  if (d.n == 0 && k->role == GB_KAFKA_ROLE_ALL && sh->held == 0 && sh->batch_pos == sh->batch_n &&
      all_finished(k)) {
    commit(sh, true);
    *finished = true;
  }
  return d.n;
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
