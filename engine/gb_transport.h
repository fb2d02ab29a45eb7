/* gb_transport: how encoded events travel from the simulator's threads ("producers") to the
 * engine's shards, and how replies (decisions) travel back.
 *
 * Messages are opaque bytes (JSON events by default) keyed by player_id; every message of a
 * player goes to the same shard, in order, and every reply to that player's producer. Two
 * implementations sit behind one interface: `inproc` (a matrix of lock-free SPSC rings, see
 * gb_queue.h) and `kafka` (librdkafka; the Kafka issue). Sends block while the path is full
 * (backpressure): nothing is dropped. Threading: each producer index is used by one thread,
 * each shard index by one thread. */
#ifndef GB_TRANSPORT_H
#define GB_TRANSPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gb_err.h"

typedef struct gb_transport gb_transport;

typedef struct gb_transport_config {
  unsigned n_producers; /* simulator threads, >= 1 */
  unsigned n_shards;    /* engine shards (threads or consumer-group members), >= 1 */
  size_t queue_bytes;   /* inproc: bytes per ring, power of two >= 256 */
} gb_transport_config;

typedef struct gb_transport_stats {
  uint64_t sent;         /* events accepted by send */
  uint64_t received;     /* events handed to shards */
  uint64_t replies_sent; /* replies accepted from shards */
  uint64_t replies_received;
  uint64_t full_waits; /* sends that had to wait for room (backpressure) */
} gb_transport_stats;

/* Receives one message (msg is valid only during the call). */
typedef void (*gb_transport_msg_fn)(void *ctx, const void *msg, size_t len);

int gb_transport_inproc_new(const gb_transport_config *cfg, gb_transport **out, gb_err *err);
void gb_transport_free(gb_transport *t);

/* The shard that owns player_id (stable for the run). */
unsigned gb_transport_shard_of(const gb_transport *t, uint64_t player_id);

/* Largest message accepted by send and reply. */
size_t gb_transport_max_message(const gb_transport *t);

/* Producer side. send waits while the path is full. */
void gb_transport_send(gb_transport *t, unsigned producer, uint64_t player_id, const void *msg,
                       size_t len);
/* The producer will send no more events (its shards finish once they drained them). */
void gb_transport_producer_done(gb_transport *t, unsigned producer);
/* Hands every reply waiting for this producer to fn; returns how many. Never blocks. */
size_t gb_transport_poll_replies(gb_transport *t, unsigned producer, gb_transport_msg_fn fn,
                                 void *ctx);

/* Shard side. Hands up to max waiting events to fn; returns how many (0 when none are waiting).
 * *finished becomes true once every producer is done and this shard has drained everything. */
size_t gb_transport_receive(gb_transport *t, unsigned shard, size_t max, gb_transport_msg_fn fn,
                            void *ctx, bool *finished);
/* Sends a reply to the producer that owns player_id; waits while that path is full. */
void gb_transport_reply(gb_transport *t, unsigned shard, uint64_t player_id, const void *msg,
                        size_t len);

/* Shard side: sleeps until an event for the shard may be waiting, a producer finishes, or
 * timeout_ns passes. Returns at once when something is already waiting. */
void gb_transport_wait_events(gb_transport *t, unsigned shard, int64_t timeout_ns);

/* Producer side: sleeps until a reply for the producer may be waiting or timeout_ns passes.
 * Returns at once when one is already waiting. */
void gb_transport_wait_replies(gb_transport *t, unsigned producer, int64_t timeout_ns);

/* The producer that owns player_id: (player_id - 1) % n_producers, as the simulator assigns
 * them (gb_sim.h). */
unsigned gb_transport_producer_of(const gb_transport *t, uint64_t player_id);

/* Totals so far (exact once all threads have stopped). */
void gb_transport_get_stats(const gb_transport *t, gb_transport_stats *out);

#endif
