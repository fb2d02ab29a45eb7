/* gb_transport_kafka_group: the engine's consumer-group members (shards): their set-up and
 * teardown, the co-partitioned assignment of the event topics (a partition taken for replay from
 * its first offset, or given up), and offset commits after processing. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gb_clock.h"
#include "gb_transport_kafka_int.h"

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

/* ---- partitions a shard owns */

/* The event topic (KT_*) named name, or -1. */
int gb_kafka_topic_named(const gb_transport_kafka *k, const char *name) {
  for (int i = 0; i < KT_EVENTS; i++)
    if (strcmp(name, k->topics[i]) == 0)
      return i;
  return -1;
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
void gb_kafka_commit(kshard *sh, bool sync) {
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
      if (pt) {
        pt->streams = calloc(k->n_producers, sizeof *pt->streams);
        if (!pt->streams) {
          free(pt);
          pt = NULL;
        }
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
    int ti = gb_kafka_topic_named(k, tp->topic);
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
    gb_kafka_commit(sh, true); /* the partitions' final offsets, before another member takes them */
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
  rd_kafka_conf_t *conf = NULL;
  if (gb_kafka_conf_new(k, RD_KAFKA_CONSUMER, defaults, n_defaults, client_id, &conf, err) != 0)
    return -1;
  rd_kafka_conf_set_rebalance_cb(conf, on_rebalance);
  rd_kafka_conf_set_opaque(conf, sh);
  sh->rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, sizeof errstr);
  if (!sh->rk) {
    rd_kafka_conf_destroy(conf); /* still ours when rd_kafka_new fails */
    return gb_err_set(err, GB_ERR_INPUT, "kafka consumer: %s", errstr);
  }
  rd_kafka_poll_set_consumer(sh->rk);
  sh->queue = rd_kafka_queue_get_consumer(sh->rk);
  for (int ti = 0; ti < KT_EVENTS; ti++) {
    sh->event_topics[ti] = rd_kafka_topic_new(sh->rk, k->topics[ti], NULL);
    if (!sh->event_topics[ti])
      return gb_err_set(err, GB_ERR_RUNTIME, "kafka consumer: topic %s: %s", k->topics[ti],
                        rd_kafka_err2str(rd_kafka_last_error()));
  }
  snprintf(client_id, sizeof client_id, "gamebench-replies-%u", index);
  if (gb_kafka_conf_new(k, RD_KAFKA_PRODUCER, reply_defaults,
                        sizeof reply_defaults / sizeof reply_defaults[0], client_id, &conf,
                        err) != 0)
    return -1;
  sh->reply_rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
  if (!sh->reply_rk) {
    rd_kafka_conf_destroy(conf);
    return gb_err_set(err, GB_ERR_INPUT, "kafka producer: %s", errstr);
  }
  sh->decisions = rd_kafka_topic_new(sh->reply_rk, k->topics[KT_DECISIONS], NULL);
  if (!sh->decisions)
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
  k->shards = calloc(k->n_shards, sizeof *k->shards);
  k->delivered_seq = calloc((size_t)k->P * k->n_producers, sizeof *k->delivered_seq);
  if (!k->shards || !k->delivered_seq)
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
      gb_kafka_commit(sh, true); /* before the held messages go: they bound what may be committed */
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
