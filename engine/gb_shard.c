#include "gb_shard.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "gb_clock.h"
#include "gb_decision_codec.h"
#include "gb_grow.h"

struct gb_shard {
  gb_shard_config cfg;
  gb_pipeline *pipe;
  /* Held while a batch goes through the pipeline, so that another thread (the live HTTP
   * server) can read the shard's state between batches: uncontended, it costs ~20 ns a batch. */
  pthread_mutex_t lock;
  gb_dead_letter *dead; /* [n_dead], at most cfg.dead_letters_kept */
  uint64_t epochs_seen; /* gb_epochs_closed at the last sync */
  size_t n_dead, dead_cap;
};

/* Shared epochs: an event past a boundary this process has not seen close yet waits for it. */
static void await_epochs(void *ctx, gb_reco *r, int64_t ts) {
  gb_shard *s = ctx;
  gb_epochs_await(s->cfg.epochs, r, ts);
}

int gb_shard_new(const gb_shard_config *cfg, gb_shard **out, gb_err *err) {
  if (cfg->receive_batch == 0)
    return gb_err_set(err, GB_ERR_INPUT, "shard %u: receive_batch must be >= 1", cfg->index);
  gb_shard *s = calloc(1, sizeof *s);
  if (!s)
    return gb_err_set(err, GB_ERR_RUNTIME, "out of memory for shard %u", cfg->index);
  s->cfg = *cfg;
  s->cfg.pipeline = NULL; /* the caller's; used only here */
  if (gb_pipeline_new(cfg->pipeline, &s->pipe, err) != 0) {
    free(s);
    return -1;
  }
  pthread_mutex_init(&s->lock, NULL);
  if (cfg->epochs && cfg->epochs_shared)
    gb_reco_set_await(gb_pipeline_reco(s->pipe), await_epochs, s);
  *out = s;
  return 0;
}

void gb_shard_free(gb_shard *s) {
  if (!s)
    return;
  gb_pipeline_free(s->pipe);
  pthread_mutex_destroy(&s->lock);
  for (size_t i = 0; i < s->n_dead; i++) {
    free(s->dead[i].payload);
    free(s->dead[i].reason);
  }
  free(s->dead);
  free(s);
}

/* Keeps a rejected message with its reason while there is room; past dead_letters_kept it is
 * only counted. Per-event state: out of memory stops the program (gb_grow.h) rather than leave
 * dead_letter.jsonl silently short of a message it should hold. */
static void keep_dead_letter(gb_shard *s, const void *msg, size_t len, const char *reason) {
  if (s->n_dead >= s->cfg.dead_letters_kept)
    return;
  GB_GROW_OR_DIE(s->dead, s->dead_cap, s->n_dead + 1, 16, "dead letters");
  gb_dead_letter *d = &s->dead[s->n_dead];
  d->payload = malloc(len + 1);
  d->reason = strdup(reason);
  if (!d->payload || !d->reason)
    GB_FATAL("out of memory for a dead letter of %zu bytes", len);
  memcpy(d->payload, msg, len);
  d->payload[len] = '\0';
  d->len = len;
  s->n_dead++;
}

/* The decision back to its player's producer: encoded for Kafka, the struct itself in process. */
static void send_reply(gb_shard *s, const gb_decision *reply) {
  if (!s->cfg.encoded_replies) {
    gb_transport_reply(s->cfg.transport, s->cfg.index, reply->player_id, reply, sizeof *reply);
    return;
  }
  char buf[GB_DECISION_JSON_MAX]; /* > 1 + GB_DECISION_BINARY_MAX */
  size_t n = gb_decision_encode_wire(reply, s->cfg.binary, buf, sizeof buf);
  gb_transport_reply(s->cfg.transport, s->cfg.index, reply->player_id, buf, n);
}

/* Hands over the shard's learning increments and applies the closed epochs (gb_epochs.h). */
static void sync_epochs(gb_shard *s) {
  s->epochs_seen = gb_epochs_closed(s->cfg.epochs);
  gb_epochs_sync(s->cfg.epochs, s->cfg.index, gb_pipeline_reco(s->pipe));
}

/* One message from the transport, valid during the call. */
static void on_message(void *ctx, const void *msg, size_t len) {
  gb_shard *s = ctx;
  bool replay = gb_transport_replaying(s->cfg.transport, s->cfg.index);
  gb_pipeline_stamps st;
  gb_decision reply;
  gb_err err = {0};
  gb_epochs *e = s->cfg.epochs;
  /* a boundary closed since the last sync: its epoch applies before any event past it */
  if (e && gb_epochs_closed(e) != s->epochs_seen)
    sync_epochs(s);
  /* shared epochs: the increments go per partition (in one process they need no partition) */
  if (e && s->cfg.epochs_shared)
    gb_reco_set_partition(gb_pipeline_reco(s->pipe),
                          gb_transport_current_partition(s->cfg.transport, s->cfg.index));
  gb_pipeline_result r =
      gb_pipeline_process(s->pipe, msg, len, replay ? GB_PIPELINE_REPLAY : GB_PIPELINE_LIVE,
                          gb_clock_now_ns(), &st, &reply, &err);
  if (r == GB_PIPELINE_WATERMARK) {
    if (e) {
      uint32_t producer, producers;
      int64_t ts = gb_pipeline_watermark(s->pipe, &producer, &producers);
      unsigned partition = gb_transport_current_partition(s->cfg.transport, s->cfg.index);
      gb_epochs_watermark(e, partition, producer, ts);
      gb_epochs_contribute(e, gb_pipeline_reco(s->pipe), partition);
    }
    return; /* a promise about the stream, not an event: nothing to measure or answer */
  }
  if (replay)
    return; /* answered and reported when it was first processed */
  const gb_shard_hooks *h = &s->cfg.hooks;
  if (r == GB_PIPELINE_REJECTED) {
    keep_dead_letter(s, msg, len, err.msg);
    if (h->on_rejected)
      h->on_rejected(h->ctx, s->cfg.index, msg, len, err.msg);
  }
  if (h->on_event)
    h->on_event(h->ctx, s->cfg.index, r, &st);
  if (r == GB_PIPELINE_DECISION)
    send_reply(s, &reply);
}

size_t gb_shard_poll(gb_shard *s, bool *finished) {
  *finished = false;
  pthread_mutex_lock(&s->lock);
  size_t n = gb_transport_receive(s->cfg.transport, s->cfg.index, s->cfg.receive_batch, on_message,
                                  s, finished);
  if (s->cfg.epochs)
    sync_epochs(s); /* between batches, and when idle: the other shards may wait for this one */
  pthread_mutex_unlock(&s->lock);
  return n;
}

void gb_shard_with_state(gb_shard *s, void (*read)(void *ctx, const gb_pipeline *p), void *ctx) {
  pthread_mutex_lock(&s->lock);
  read(ctx, s->pipe);
  pthread_mutex_unlock(&s->lock);
}

static bool asked_to_stop(const gb_shard *s) {
  return s->cfg.stop && atomic_load_explicit(s->cfg.stop, memory_order_acquire);
}

void gb_shard_run(gb_shard *s) {
  gb_transport *t = s->cfg.transport;
  unsigned idle = 0;
  while (!asked_to_stop(s)) {
    bool finished;
    if (gb_shard_poll(s, &finished) > 0) {
      idle = 0;
      continue;
    }
    if ((finished && s->cfg.until_finished) || gb_transport_failed(t, NULL))
      break;
    /* A poll costs ~50 ns: an idle shard spins a little (the next event is often microseconds
     * away), then sleeps until the transport rings or idle_wait_ns passes. */
    if (++idle > s->cfg.idle_spins)
      gb_transport_wait_events(t, s->cfg.index, s->cfg.idle_wait_ns);
  }
}

void gb_shard_get_counts(const gb_shard *s, gb_pipeline_counts *out) {
  gb_pipeline_get_counts(s->pipe, out);
}

const gb_pipeline *gb_shard_pipeline(const gb_shard *s) { return s->pipe; }

const gb_dead_letter *gb_shard_dead_letters(const gb_shard *s, size_t *n) {
  *n = s->n_dead;
  return s->dead;
}
