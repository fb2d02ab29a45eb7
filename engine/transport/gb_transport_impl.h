/* gb_transport_impl: the table of functions behind gb_transport.h, for its implementations only
 * (gb_transport_inproc.c, gb_transport_kafka*.c). Callers use gb_transport.h.
 *
 * An implementation's handle starts with a `gb_transport base` member whose ops point at its
 * table; gb_transport.c forwards each public call through it. Every entry is required. */
#ifndef GB_TRANSPORT_IMPL_H
#define GB_TRANSPORT_IMPL_H

#include "gb_transport.h"

typedef struct gb_transport_ops {
  const char *kind;
  void (*free)(gb_transport *t);
  unsigned (*shard_of)(const gb_transport *t, uint64_t player_id);
  size_t (*max_message)(const gb_transport *t);
  void (*send)(gb_transport *t, unsigned producer, gb_event_channel channel, uint64_t player_id,
               const void *msg, size_t len);
  void (*producer_done)(gb_transport *t, unsigned producer);
  size_t (*poll_replies)(gb_transport *t, unsigned producer, gb_transport_msg_fn fn, void *ctx);
  size_t (*receive)(gb_transport *t, unsigned shard, size_t max, gb_transport_msg_fn fn, void *ctx,
                    bool *finished);
  void (*reply)(gb_transport *t, unsigned shard, uint64_t player_id, const void *msg, size_t len);
  bool (*replaying)(const gb_transport *t, unsigned shard);
  unsigned (*current_partition)(const gb_transport *t, unsigned shard);
  void (*wait_events)(gb_transport *t, unsigned shard, int64_t timeout_ns);
  void (*wait_replies)(gb_transport *t, unsigned producer, int64_t timeout_ns);
  void (*wake_all)(gb_transport *t); /* NULL: the waits end by their timeouts only */
  void (*get_stats)(const gb_transport *t, gb_transport_stats *out);
  unsigned (*partitions)(const gb_transport *t);
  void (*get_partition_stats)(const gb_transport *t, unsigned p, gb_transport_partition_stats *out);
  bool (*failed)(const gb_transport *t, gb_err *err);
} gb_transport_ops;

struct gb_transport {
  const gb_transport_ops *ops;
  gb_transport_config cfg;
};

#endif
