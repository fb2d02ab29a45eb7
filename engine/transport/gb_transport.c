/* The public transport calls, forwarded to the implementation's table (gb_transport_impl.h). */
#include "gb_transport.h"

#include <inttypes.h>

#include "gb_transport_impl.h"

void gb_transport_free(gb_transport *t) {
  if (t)
    t->ops->free(t);
}

const char *gb_transport_kind_name(const gb_transport *t) { return t->ops->kind; }

unsigned gb_transport_shard_of(const gb_transport *t, uint64_t player_id) {
  return t->ops->shard_of(t, player_id);
}

unsigned gb_transport_producer_of(const gb_transport *t, uint64_t player_id) {
  /* gb_sim gives player k + 1 to producer k % n_producers; player 0 does not exist. */
  return (unsigned)((player_id - 1) % t->cfg.n_producers);
}

size_t gb_transport_max_message(const gb_transport *t) { return t->ops->max_message(t); }

void gb_transport_send(gb_transport *t, unsigned producer, uint64_t player_id, const void *msg,
                       size_t len) {
  t->ops->send(t, producer, GB_CHANNEL_CARD, player_id, msg, len);
}

void gb_transport_send_on(gb_transport *t, unsigned producer, gb_event_channel channel,
                          uint64_t player_id, const void *msg, size_t len) {
  t->ops->send(t, producer, channel, player_id, msg, len);
}

void gb_transport_producer_done(gb_transport *t, unsigned producer) {
  t->ops->producer_done(t, producer);
}

size_t gb_transport_poll_replies(gb_transport *t, unsigned producer, gb_transport_msg_fn fn,
                                 void *ctx) {
  return t->ops->poll_replies(t, producer, fn, ctx);
}

size_t gb_transport_receive(gb_transport *t, unsigned shard, size_t max, gb_transport_msg_fn fn,
                            void *ctx, bool *finished) {
  return t->ops->receive(t, shard, max, fn, ctx, finished);
}

bool gb_transport_replaying(const gb_transport *t, unsigned shard) {
  return t->ops->replaying(t, shard);
}

unsigned gb_transport_current_partition(const gb_transport *t, unsigned shard) {
  return t->ops->current_partition(t, shard);
}

void gb_transport_reply(gb_transport *t, unsigned shard, uint64_t player_id, const void *msg,
                        size_t len) {
  t->ops->reply(t, shard, player_id, msg, len);
}

void gb_transport_wait_events(gb_transport *t, unsigned shard, int64_t timeout_ns) {
  t->ops->wait_events(t, shard, timeout_ns);
}

void gb_transport_wait_replies(gb_transport *t, unsigned producer, int64_t timeout_ns) {
  t->ops->wait_replies(t, producer, timeout_ns);
}

void gb_transport_wake_all(gb_transport *t) {
  if (t->ops->wake_all)
    t->ops->wake_all(t);
}

void gb_transport_get_stats(const gb_transport *t, gb_transport_stats *out) {
  t->ops->get_stats(t, out);
}

unsigned gb_transport_partitions(const gb_transport *t) { return t->ops->partitions(t); }

void gb_transport_get_partition_stats(const gb_transport *t, unsigned p,
                                      gb_transport_partition_stats *out) {
  t->ops->get_partition_stats(t, p, out);
}

bool gb_transport_failed(const gb_transport *t, gb_err *err) { return t->ops->failed(t, err); }

bool gb_transport_reconcile(const gb_transport *t, FILE *diag) {
  bool ok = true;
  for (unsigned p = 0; p < gb_transport_partitions(t); p++) {
    gb_transport_partition_stats ps;
    gb_transport_get_partition_stats(t, p, &ps);
    /* A side this process does not run shows zeros: an engine-only process checks its gaps. */
    bool sender = ps.sent > 0 || ps.produced > 0 || ps.acknowledged > 0;
    bool good = ps.failed == 0 && ps.gaps == 0 && ps.lost == 0 &&
                (!sender || (ps.produced == ps.sent && ps.acknowledged == ps.sent));
    if (good)
      continue;
    ok = false;
    if (diag)
      fprintf(diag,
              "partition %u: sent %" PRIu64 ", produced %" PRIu64 ", failed %" PRIu64
              ", acknowledged %" PRIu64 ", consumed %" PRIu64 ", delivered %" PRIu64
              ", replayed %" PRIu64 ", redelivered %" PRIu64 ", gaps %" PRIu64 ", lost %" PRIu64
              "\n",
              p, ps.sent, ps.produced, ps.failed, ps.acknowledged, ps.consumed, ps.delivered,
              ps.replayed, ps.redelivered, ps.gaps, ps.lost);
  }
  return ok;
}
