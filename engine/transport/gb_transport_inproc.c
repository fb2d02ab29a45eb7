/* In-process transport: n_producers x n_shards event rings and n_shards x n_producers reply
 * rings, each single-producer single-consumer. */
#include <stdlib.h>

#include "gb_doorbell.h"
#include "gb_queue.h"
#include "gb_rng.h"
#include "gb_transport_impl.h"

typedef struct inproc {
  gb_transport base;           /* first: the handle callers hold (base.cfg is the config) */
  gb_queue **events;           /* [producer * n_shards + shard] */
  gb_queue **replies;          /* [shard * n_producers + producer] */
  size_t *next_producer;       /* per shard: round-robin start, so no producer starves */
  gb_doorbell *shard_bells;    /* per shard: events arrived */
  gb_doorbell *producer_bells; /* per producer: replies arrived */
} inproc;

static const gb_transport_ops inproc_ops;
static void inproc_free(gb_transport *base);

static gb_queue **event_ring(inproc *t, unsigned producer, unsigned shard) {
  return &t->events[(size_t)producer * t->base.cfg.n_shards + shard];
}

static gb_queue **reply_ring(inproc *t, unsigned shard, unsigned producer) {
  return &t->replies[(size_t)shard * t->base.cfg.n_producers + producer];
}

int gb_transport_inproc_new(const gb_transport_config *cfg, gb_transport **out, gb_err *err) {
  if (cfg->n_producers == 0 || cfg->n_shards == 0)
    return gb_err_set(err, GB_ERR_INPUT, "transport needs at least one producer and one shard");
  inproc *t = calloc(1, sizeof *t);
  size_t n = (size_t)cfg->n_producers * cfg->n_shards;
  if (t) {
    t->events = calloc(n, sizeof *t->events);
    t->replies = calloc(n, sizeof *t->replies);
    t->next_producer = calloc(cfg->n_shards, sizeof *t->next_producer);
    t->shard_bells = calloc(cfg->n_shards, sizeof *t->shard_bells);
    t->producer_bells = calloc(cfg->n_producers, sizeof *t->producer_bells);
  }
  if (!t || !t->events || !t->replies || !t->next_producer || !t->shard_bells ||
      !t->producer_bells) {
    inproc_free(t ? &t->base : NULL);
    return gb_err_set(err, GB_ERR_RUNTIME, "out of memory for the in-process transport");
  }
  t->base.ops = &inproc_ops;
  t->base.cfg = *cfg;
  for (unsigned i = 0; i < cfg->n_shards; i++)
    gb_doorbell_init(&t->shard_bells[i]);
  for (unsigned i = 0; i < cfg->n_producers; i++)
    gb_doorbell_init(&t->producer_bells[i]);
  for (size_t i = 0; i < n; i++) {
    if (gb_queue_new(cfg->queue_bytes, &t->events[i], err) != 0 ||
        gb_queue_new(cfg->queue_bytes, &t->replies[i], err) != 0) {
      inproc_free(&t->base);
      return -1;
    }
  }
  *out = &t->base;
  return 0;
}

static void inproc_free(gb_transport *base) {
  inproc *t = (inproc *)base;
  if (!t)
    return;
  size_t n = (size_t)t->base.cfg.n_producers * t->base.cfg.n_shards;
  for (size_t i = 0; t->events && i < n; i++)
    gb_queue_free(t->events[i]);
  for (size_t i = 0; t->replies && i < n; i++)
    gb_queue_free(t->replies[i]);
  free(t->events);
  free(t->replies);
  free(t->next_producer);
  free(t->shard_bells);
  free(t->producer_bells);
  free(t);
}

static unsigned inproc_shard_of(const gb_transport *t, uint64_t player_id) {
  /* A fixed salt so that shard and producer assignments are independent of each other. */
  return (unsigned)(gb_hash3(0x5368617264ULL /* "Shard" */, player_id, 0) % t->cfg.n_shards);
}

static size_t inproc_max_message(const gb_transport *base) {
  const inproc *t = (const inproc *)base;
  return gb_queue_max_message(t->events[0]);
}

/* Every channel shares the player's ring, which keeps a producer's messages in order. Control
 * messages (operators' catalogue changes) go into every shard's ring: each shard keeps its own
 * catalogue, and each sees the change at the same place in this producer's stream. */
static void inproc_send(gb_transport *base, unsigned producer, gb_event_channel channel,
                        uint64_t player_id, const void *msg, size_t len) {
  inproc *t = (inproc *)base;
  if (channel == GB_CHANNEL_CONTROL) {
    for (unsigned s = 0; s < t->base.cfg.n_shards; s++) {
      gb_queue_push(*event_ring(t, producer, s), msg, len);
      gb_doorbell_ring(&t->shard_bells[s]);
    }
    return;
  }
  unsigned shard = inproc_shard_of(base, player_id);
  gb_queue_push(*event_ring(t, producer, shard), msg, len);
  gb_doorbell_ring(&t->shard_bells[shard]);
}

static void inproc_producer_done(gb_transport *base, unsigned producer) {
  inproc *t = (inproc *)base;
  for (unsigned s = 0; s < t->base.cfg.n_shards; s++) {
    gb_queue_close(*event_ring(t, producer, s));
    gb_doorbell_ring(&t->shard_bells[s]);
  }
}

static size_t drain(gb_queue *q, size_t max, gb_transport_msg_fn fn, void *ctx) {
  size_t n = 0;
  const void *msg;
  while (n < max) {
    size_t len = gb_queue_peek(q, &msg);
    if (len == 0)
      break;
    fn(ctx, msg, len);
    gb_queue_release(q);
    n++;
  }
  return n;
}

static size_t inproc_poll_replies(gb_transport *base, unsigned producer, gb_transport_msg_fn fn,
                                  void *ctx) {
  inproc *t = (inproc *)base;
  size_t n = 0;
  for (unsigned s = 0; s < t->base.cfg.n_shards; s++)
    n += drain(*reply_ring(t, s, producer), SIZE_MAX, fn, ctx);
  return n;
}

static size_t inproc_receive(gb_transport *base, unsigned shard, size_t max, gb_transport_msg_fn fn,
                             void *ctx, bool *finished) {
  inproc *t = (inproc *)base;
  size_t n = 0;
  unsigned np = t->base.cfg.n_producers;
  bool all_finished = true;
  for (unsigned i = 0; i < np && n < max; i++) {
    unsigned p = (unsigned)((t->next_producer[shard] + i) % np);
    gb_queue *q = *event_ring(t, p, shard);
    n += drain(q, max - n, fn, ctx);
    if (!gb_queue_is_finished(q))
      all_finished = false;
  }
  t->next_producer[shard] = (t->next_producer[shard] + 1) % np;
  *finished = all_finished && n < max;
  return n;
}

static void inproc_reply(gb_transport *base, unsigned shard, uint64_t player_id, const void *msg,
                         size_t len) {
  inproc *t = (inproc *)base;
  unsigned producer = gb_transport_producer_of(base, player_id);
  gb_queue_push(*reply_ring(t, shard, producer), msg, len);
  gb_doorbell_ring(&t->producer_bells[producer]);
}

static bool events_waiting(inproc *t, unsigned shard) {
  for (unsigned p = 0; p < t->base.cfg.n_producers; p++) {
    gb_queue *q = *event_ring(t, p, shard);
    if (gb_queue_used_bytes(q) > 0 || gb_queue_is_finished(q))
      return true;
  }
  return false;
}

static bool replies_waiting(inproc *t, unsigned producer) {
  for (unsigned s = 0; s < t->base.cfg.n_shards; s++)
    if (gb_queue_used_bytes(*reply_ring(t, s, producer)) > 0)
      return true;
  return false;
}

static void inproc_wait_events(gb_transport *base, unsigned shard, int64_t timeout_ns) {
  inproc *t = (inproc *)base;
  gb_doorbell *bell = &t->shard_bells[shard];
  uint32_t seen = gb_doorbell_prepare(bell);
  if (events_waiting(t, shard))
    gb_doorbell_cancel(bell);
  else
    gb_doorbell_wait(bell, seen, timeout_ns);
}

static void inproc_wait_replies(gb_transport *base, unsigned producer, int64_t timeout_ns) {
  inproc *t = (inproc *)base;
  gb_doorbell *bell = &t->producer_bells[producer];
  uint32_t seen = gb_doorbell_prepare(bell);
  if (replies_waiting(t, producer))
    gb_doorbell_cancel(bell);
  else
    gb_doorbell_wait(bell, seen, timeout_ns);
}

static void inproc_wake_all(gb_transport *base) {
  inproc *t = (inproc *)base;
  for (unsigned i = 0; i < t->base.cfg.n_shards; i++)
    gb_doorbell_ring(&t->shard_bells[i]);
  for (unsigned i = 0; i < t->base.cfg.n_producers; i++)
    gb_doorbell_ring(&t->producer_bells[i]);
}

static void inproc_get_stats(const gb_transport *base, gb_transport_stats *out) {
  const inproc *t = (const inproc *)base;
  *out = (gb_transport_stats){0};
  size_t n = (size_t)t->base.cfg.n_producers * t->base.cfg.n_shards;
  for (size_t i = 0; i < n; i++) {
    out->sent += gb_queue_pushed(t->events[i]);
    out->received += gb_queue_popped(t->events[i]);
    out->full_waits += gb_queue_full_waits(t->events[i]);
    out->replies_sent += gb_queue_pushed(t->replies[i]);
    out->replies_received += gb_queue_popped(t->replies[i]);
  }
  out->acknowledged = out->received;
}

static unsigned inproc_partitions(const gb_transport *t) { return t->cfg.n_shards; }

/* A partition is a shard's set of rings: what producers pushed into them, what the shard took. */
static void inproc_get_partition_stats(const gb_transport *base, unsigned p,
                                       gb_transport_partition_stats *out) {
  const inproc *t = (const inproc *)base;
  *out = (gb_transport_partition_stats){0};
  for (unsigned producer = 0; producer < t->base.cfg.n_producers; producer++) {
    const gb_queue *q = t->events[(size_t)producer * t->base.cfg.n_shards + p];
    out->sent += gb_queue_pushed(q);
    out->delivered += gb_queue_popped(q);
  }
  out->produced = out->sent;
  out->consumed = out->delivered;
  out->acknowledged = out->delivered;
  out->lost = out->sent - out->delivered; /* what is still in the rings */
}

static unsigned inproc_current_partition(const gb_transport *t, unsigned shard) {
  (void)t;
  return shard; /* one partition per shard */
}

static bool inproc_replaying(const gb_transport *t, unsigned shard) {
  (void)t;
  (void)shard;
  return false; /* a shard's rings are read once */
}

static bool inproc_failed(const gb_transport *t, gb_err *err) {
  (void)t;
  (void)err;
  return false;
}

static const gb_transport_ops inproc_ops = {
    .kind = "inproc",
    .free = inproc_free,
    .shard_of = inproc_shard_of,
    .max_message = inproc_max_message,
    .send = inproc_send,
    .producer_done = inproc_producer_done,
    .poll_replies = inproc_poll_replies,
    .receive = inproc_receive,
    .reply = inproc_reply,
    .replaying = inproc_replaying,
    .current_partition = inproc_current_partition,
    .wait_events = inproc_wait_events,
    .wait_replies = inproc_wait_replies,
    .wake_all = inproc_wake_all,
    .get_stats = inproc_get_stats,
    .partitions = inproc_partitions,
    .get_partition_stats = inproc_get_partition_stats,
    .failed = inproc_failed,
};
