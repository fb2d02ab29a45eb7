/* gb_transport: how encoded events travel from the simulator's threads ("producers") to the
 * engine's shards, and how replies (decisions) travel back.
 *
 * Messages are opaque bytes (JSON events by default) keyed by player_id; every message of a
 * player goes to the same shard, in order, and every reply to that player's producer. Two
 * implementations sit behind one interface (a table of functions, gb_transport_impl.h):
 * `inproc` (a matrix of lock-free SPSC rings, see gb_queue.h) and `kafka` (librdkafka, see
 * gb_transport_kafka.h). Sends block while the path is full (backpressure): nothing is dropped.
 * Threading: each producer index is used by one thread, each shard index by one thread; the
 * other functions may be called from any thread.
 *
 * Players are split into partitions (inproc: one per shard; kafka: the topics' partitions), and
 * each partition's traffic is reconciled separately (gb_transport_get_partition_stats). */
#ifndef GB_TRANSPORT_H
#define GB_TRANSPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "gb_err.h"
#include "gb_event.h"

typedef struct gb_transport gb_transport;

typedef struct gb_transport_config {
  unsigned n_producers; /* simulator threads, >= 1 */
  unsigned n_shards;    /* engine shards (threads or consumer-group members), >= 1 */
  size_t queue_bytes;   /* inproc: bytes per ring, power of two >= 256; kafka: bytes per reply
                           ring on the simulator side (same rule) */
} gb_transport_config;

typedef struct gb_transport_stats {
  uint64_t sent;         /* events accepted by send */
  uint64_t received;     /* events handed to shards */
  uint64_t replies_sent; /* replies accepted from shards */
  uint64_t replies_received;
  uint64_t full_waits; /* sends that had to wait for room (backpressure) */
  /* Kafka only (0 for inproc): */
  uint64_t lost;         /* events sent that the broker refused or the engine never acknowledged */
  uint64_t redelivered;  /* events and replies delivered again by the broker and dropped */
  uint64_t replayed;     /* events re-read to rebuild state after a partition changed hands */
  uint64_t acknowledged; /* producer side: events the engine confirmed (inproc: = received) */
} gb_transport_stats;

/* One partition's reconciliation. Counts are events (end-of-stream markers excluded); the
 * fields a role cannot see are 0 (a `gamebench engine` process does not know what was sent).
 * When this process runs both sides, every event sent reaches the engine once for the first
 * time: sent = delivered - replayed + lost. */
typedef struct gb_transport_partition_stats {
  uint64_t sent;         /* producer side: events accepted by send */
  uint64_t produced;     /* producer side: events the broker acknowledged (inproc: = sent) */
  uint64_t failed;       /* producer side: events the broker refused for good */
  uint64_t acknowledged; /* producer side: events the engine confirmed, in order and without
                            gaps, when each producer's stream ended */
  uint64_t consumed;     /* engine side: messages read, replays, redeliveries, end markers and
                            messages still held back included */
  uint64_t delivered;    /* engine side: events handed to the shard, in order, replays included */
  uint64_t replayed;     /* engine side: events handed over again to rebuild the players' state
                            after the partition changed hands (kafka; the shard processes them
                            but they were answered and counted before: gb_transport_replaying) */
  uint64_t redelivered;  /* engine side: messages the broker delivered twice, dropped */
  uint64_t gaps;         /* engine side: sequence numbers never received (lost messages) */
  uint64_t lost;         /* events sent that never reached the engine: sent - (delivered -
                            replayed) when this process runs the engine side; a simulator alone
                            (kafka role SIM) counts what the engines did not acknowledge once its
                            streams ended; 0 for an engine alone */
} gb_transport_partition_stats;

/* Receives one message (msg is valid only during the call). */
typedef void (*gb_transport_msg_fn)(void *ctx, const void *msg, size_t len);

/* Creates the in-process transport. Returns 0, or -1 with GB_ERR_INPUT for a bad config or
 * GB_ERR_RUNTIME when out of memory. */
int gb_transport_inproc_new(const gb_transport_config *cfg, gb_transport **out, gb_err *err);

/* Frees t (any implementation); NULL is allowed. Kafka: final offset commits, leaves the group. */
void gb_transport_free(gb_transport *t);

/* "inproc" or "kafka". */
const char *gb_transport_kind_name(const gb_transport *t);

/* The shard that owns player_id (inproc: stable for the run; kafka: the partition's owner may
 * change on rebalance, this returns the partition index modulo n_shards). */
unsigned gb_transport_shard_of(const gb_transport *t, uint64_t player_id);

/* The producer that owns player_id: player k + 1 belongs to producer k % n_producers, the way
 * the simulator splits its population (gb_sim.h). */
unsigned gb_transport_producer_of(const gb_transport *t, uint64_t player_id);

/* Largest message accepted by send and reply, in bytes. */
size_t gb_transport_max_message(const gb_transport *t);

/* Producer side. send waits while the path is full; len is 1 .. gb_transport_max_message.
 * gb_transport_send uses GB_CHANNEL_CARD. A GB_CHANNEL_CONTROL message is not routed by
 * player_id: it goes to every partition (a copy each, counted in each partition's stats), so
 * that every shard applies an operator's change, at the same place in this producer's stream;
 * receivers recognise the copies by event_id (gb_pipeline does). */
void gb_transport_send(gb_transport *t, unsigned producer, uint64_t player_id, const void *msg,
                       size_t len);
void gb_transport_send_on(gb_transport *t, unsigned producer, gb_event_channel channel,
                          uint64_t player_id, const void *msg, size_t len);
/* The producer will send no more events (its shards finish once they drained them). Kafka: also
 * waits, bounded, until the engine has confirmed every event of this producer. */
void gb_transport_producer_done(gb_transport *t, unsigned producer);
/* Hands every reply waiting for this producer to fn; returns how many. Never blocks. */
size_t gb_transport_poll_replies(gb_transport *t, unsigned producer, gb_transport_msg_fn fn,
                                 void *ctx);

/* Shard side. Hands up to max waiting events to fn; returns how many (0 when none are waiting;
 * kafka may exceed max by events it held back to restore their order). *finished becomes true
 * once every producer is done and this shard has drained everything. */
size_t gb_transport_receive(gb_transport *t, unsigned shard, size_t max, gb_transport_msg_fn fn,
                            void *ctx, bool *finished);
/* Whether the message being handed to fn (called from fn during gb_transport_receive) is a
 * replay: an event this process's engine processed and answered before, handed over again to
 * rebuild state after its partition changed hands (kafka). The shard should process it but not
 * count it again; its replies are dropped. inproc: always false. */
bool gb_transport_replaying(const gb_transport *t, unsigned shard);

/* The partition of the message being handed to fn (called from fn during gb_transport_receive):
 * inproc, the shard itself; kafka, the topic partition it was read from. */
unsigned gb_transport_current_partition(const gb_transport *t, unsigned shard);

/* Sends a reply to the producer that owns player_id; waits while that path is full. Called
 * from fn during gb_transport_receive, the reply answers the event being handed over (Kafka
 * uses that to drop replies a restarted engine sends again). */
void gb_transport_reply(gb_transport *t, unsigned shard, uint64_t player_id, const void *msg,
                        size_t len);

/* Shard side: sleeps until an event for the shard may be waiting, a producer finishes, or
 * timeout_ns passes. Returns at once when something is already waiting. */
void gb_transport_wait_events(gb_transport *t, unsigned shard, int64_t timeout_ns);

/* Producer side: sleeps until a reply for the producer may be waiting or timeout_ns passes.
 * Returns at once when one is already waiting. */
void gb_transport_wait_replies(gb_transport *t, unsigned producer, int64_t timeout_ns);

/* Ends every wait_events and wait_replies in progress, so that the waiting threads look again at
 * what else they wait for (the learning arms' epochs: gb_epochs.h). inproc rings every doorbell
 * (an atomic load each when nobody sleeps); kafka's waits end by their timeouts only. */
void gb_transport_wake_all(gb_transport *t);

/* Totals so far (exact once all threads have stopped). */
void gb_transport_get_stats(const gb_transport *t, gb_transport_stats *out);

/* Number of partitions (inproc: n_shards) and one partition's counts (p < partitions). */
unsigned gb_transport_partitions(const gb_transport *t);
void gb_transport_get_partition_stats(const gb_transport *t, unsigned p,
                                      gb_transport_partition_stats *out);

/* Checks every partition's counts as far as this process can see them: whatever was sent was
 * acknowledged by the broker and by the engine, nothing failed or was lost, no sequence number
 * is missing. Prints one line per partition that does not add up to diag (when non-NULL), e.g.
 *   partition 3: sent 1200, produced 1200, failed 0, acknowledged 1100, consumed 1100,
 *   delivered 1100, replayed 0, redelivered 0, gaps 100, lost 100
 * and returns whether all did. Exact once all threads have stopped. */
bool gb_transport_reconcile(const gb_transport *t, FILE *diag);

/* Whether the transport hit a condition it cannot recover from (kafka: messages deleted before
 * they were consumed, a delivery refused for good, no acknowledgement before the deadline).
 * Then threads should stop, and err (if non-NULL) receives the reason. inproc never fails. */
bool gb_transport_failed(const gb_transport *t, gb_err *err);

#endif
