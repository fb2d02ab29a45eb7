/* gb_epochs: the sim-time epochs of the recommender's learning algorithms, across the engine
 * shards of one process — the barrier that makes a learning arm's decisions the same whatever
 * the threads and the transport.
 *
 * A boundary B (a multiple of the tick, gb_reco_tick_ms) closes when every producer's watermark
 * (gb_ev_watermark: "nothing below this ts will follow") has passed B on every partition. Then
 * every event before B has been processed, and each shard hands over its algorithms' increments
 * (gb_reco_delta); once all shards have, the merged increments form boundary B's epoch, which
 * every shard applies (gb_reco_epoch) before its next event. The producers emit only events
 * below the gate (the last closed boundary plus one tick): a decision at sim time t is then
 * always made with the models of every boundary up to t, and with no later one.
 *
 * Integer tallies make the merge exact, so the models do not depend on the number of shards nor
 * on which shard processed what. The producers' side (gb_epochs_gate) and the shards' side may
 * run on any threads: the state is under one mutex, the gate is an atomic.
 *
 * Shared mode (gb_epochs_new_shared): the simulator and the engines run in separate processes,
 * each engine owning some partitions. A shard that reads the watermark that takes every producer
 * of partition p past boundary B has then processed every event of p below B and none above: it
 * sends the increments counted from p's events since the previous boundary as the contribution
 * (B, p) (gb_epochs_contribute: its recommender counts per partition, gb_reco_set_partition).
 * Every process reads every contribution, its own included, in one order (a Kafka topic:
 * gb_transport_kafka_exchange) and hands it to gb_epochs_receive; B closes in every process once
 * each partition's is in (the first per (B, p) counts: a partition that changed hands may be said
 * twice, the same). The simulator's process keeps an observer (no shards, no arms) for its gate.
 * An engine's shard may read an event past a boundary its process has not seen close yet (the
 * simulator saw it first): its recommender then waits for it (gb_epochs_await, installed with
 * gb_reco_set_await). The merged increments, hence the models, are those of one process. */
#ifndef GB_EPOCHS_H
#define GB_EPOCHS_H

#include <stdint.h>

#include "gb_err.h"
#include "gb_reco.h"

typedef struct gb_epochs gb_epochs;

/* For n_shards shards reading n_partitions partitions fed by n_producers producers, epochs of
 * tick_ms (> 0) with n_arms arms, sim time starting at start_ms. Returns 0, or -1 with
 * GB_ERR_RUNTIME when out of memory. */
int gb_epochs_new(unsigned n_shards, unsigned n_partitions, unsigned n_producers, int64_t tick_ms,
                  int64_t start_ms, size_t n_arms, gb_epochs **out, gb_err *err);
void gb_epochs_free(gb_epochs *e);

/* Calls wake(ctx) whenever a thread asleep may have something to do: a boundary closed (the
 * producers may move past it, the shards apply it) or every watermark passed the next one (each
 * shard has increments to hand over). wake runs on the thread that caused it, under the epochs'
 * lock: it must only ring (gb_transport_wake_all). */
void gb_epochs_on_change(gb_epochs *e, void (*wake)(void *ctx), void *ctx);

/* Producers may emit events with ts below this (sim ms); it only grows. */
int64_t gb_epochs_gate(const gb_epochs *e);

/* Boundaries closed so far. A shard that sees more than its recommender applied must sync
 * before its next decision: the producers may already send events past the new boundary. */
uint64_t gb_epochs_closed(const gb_epochs *e);

/* Sends a contribution (msg, len bytes: copy it) to every process, this one included. */
typedef void (*gb_epochs_send_fn)(void *ctx, const void *msg, size_t len);

/* Shared mode, for n_shards shards of this process (0: an observer of the gate), the same
 * n_partitions, n_producers, tick_ms, start_ms and n_arms (0 for an observer) in every process;
 * send publishes this process's contributions. Returns 0, or -1 with GB_ERR_RUNTIME. */
int gb_epochs_new_shared(unsigned n_shards, unsigned n_partitions, unsigned n_producers,
                         int64_t tick_ms, int64_t start_ms, size_t n_arms, gb_epochs_send_fn send,
                         void *send_ctx, gb_epochs **out, gb_err *err);

/* Shared mode, after a watermark of partition (gb_epochs_watermark) read by the shard of reco:
 * sends the contribution of partition to each boundary its watermarks have now passed, and
 * clears reco's increments of partition. A no-op in the other mode. */
void gb_epochs_contribute(gb_epochs *e, gb_reco *reco, unsigned partition);

/* Shared mode: a contribution read from the exchange (any process's). Returns 0 (also for one
 * already counted, or for a closed boundary), or -1 with GB_ERR_INPUT saying what is wrong with
 * msg (not a contribution, another workload's arms, a truncated tally); nothing changes then. */
int gb_epochs_receive(gb_epochs *e, const void *msg, size_t len, gb_err *err);

/* Shared mode, reco's await hook: blocks until every boundary at or before ts (sim ms) is
 * closed, or gb_epochs_stop, then applies the closed epochs to reco. */
void gb_epochs_await(gb_epochs *e, gb_reco *reco, int64_t ts);

/* Wakes every gb_epochs_await for good (the engine is stopping). */
void gb_epochs_stop(gb_epochs *e);

/* A shard read producer's watermark ts on partition (both in range; a lower ts than before is
 * ignored). */
void gb_epochs_watermark(gb_epochs *e, unsigned partition, unsigned producer, int64_t ts);

/* The shard's turn, between two batches (also when idle): hands over its increments for every
 * boundary the watermarks have passed (when it has not yet), and applies every closed epoch its
 * recommender has not. */
void gb_epochs_sync(gb_epochs *e, unsigned shard, gb_reco *reco);

#endif
