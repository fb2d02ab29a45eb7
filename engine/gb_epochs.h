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
 * run on any threads: the state is under one mutex, the gate is an atomic. */
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

/* Producers may emit events with ts below this (sim ms); it only grows. */
int64_t gb_epochs_gate(const gb_epochs *e);

/* Boundaries closed so far. A shard that sees more than its recommender applied must sync
 * before its next decision: the producers may already send events past the new boundary. */
uint64_t gb_epochs_closed(const gb_epochs *e);

/* A shard read producer's watermark ts on partition (both in range; a lower ts than before is
 * ignored). */
void gb_epochs_watermark(gb_epochs *e, unsigned partition, unsigned producer, int64_t ts);

/* The shard's turn, between two batches (also when idle): hands over its increments for every
 * boundary the watermarks have passed (when it has not yet), and applies every closed epoch its
 * recommender has not. */
void gb_epochs_sync(gb_epochs *e, unsigned shard, gb_reco *reco);

#endif
