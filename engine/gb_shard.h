/* gb_shard: one engine shard's loop — receive a batch of events from the transport, run each
 * through the pipeline, encode each decision and send it back to its player's producer.
 *
 * `gamebench run` (a thread per shard, beside the simulator's threads) and `gamebench engine`
 * (a Kafka consumer-group service) run the same loop; they differ only in the configuration
 * below and in what they do with the hooks.
 *
 * Replays: a message the transport hands over again to rebuild state after its partition moved
 * (gb_transport_replaying) goes through the pipeline in GB_PIPELINE_REPLAY mode: the players'
 * state is rebuilt, nothing is counted twice, no hook is called and no reply is sent.
 *
 * Rejected messages (malformed events, bad control events) are counted by the pipeline; the
 * shard keeps the first dead_letters_kept of them, with their reason, for the results
 * (dead_letter.jsonl) and hands each to the on_rejected hook. Keeping one is per-event work: out
 * of memory there stops the program (gb_grow.h) rather than drop it silently.
 *
 * The shard measures nothing itself: the on_event hook receives every live event's clock
 * stamps (engine/ does not know the harness's histograms). One thread per shard index;
 * gb_shard_run and gb_shard_poll are called from that thread only. */
#ifndef GB_SHARD_H
#define GB_SHARD_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gb_epochs.h"
#include "gb_err.h"
#include "gb_pipeline.h"
#include "gb_transport.h"

/* What a shard reports as it goes; every hook may be NULL. Called on the shard's thread. */
typedef struct gb_shard_hooks {
  void *ctx;
  /* A live message went through the pipeline with result r (rejected ones too, after
   * on_rejected): st->control says it was an operator's change (applied, a copy of one
   * applied, or rejected), st->decision that a decision is being sent back. */
  void (*on_event)(void *ctx, unsigned shard, gb_pipeline_result r, const gb_pipeline_stamps *st);
  /* A live message was rejected; msg (len bytes, not NUL-terminated) and reason are valid
   * during the call only. */
  void (*on_rejected)(void *ctx, unsigned shard, const void *msg, size_t len, const char *reason);
} gb_shard_hooks;

typedef struct gb_shard_config {
  unsigned index;                     /* the transport's shard index */
  gb_transport *transport;            /* borrowed; outlives the shard */
  const gb_pipeline_config *pipeline; /* the shard's pipeline (catalogue, arms, seed, sizing) */
  bool encoded_replies;               /* replies travel encoded (Kafka), else as gb_decision
                                         structs (in process) */
  bool binary;                        /* encoded replies in the binary form, else JSON */
  size_t receive_batch;               /* events taken per transport call, >= 1 */
  unsigned idle_spins;                /* empty polls before an idle shard sleeps (0: sleep at
                                         once) */
  int64_t idle_wait_ns;               /* how long an idle shard sleeps before polling again */
  bool until_finished;                /* gb_shard_run returns once every producer is done and
                                         this shard has drained everything (a run); otherwise
                                         it runs until *stop (a service) */
  const _Atomic bool *stop;           /* NULL: never asked to stop */
  size_t dead_letters_kept;           /* rejected messages kept (the rest are counted only) */
  gb_epochs *epochs;                  /* the learning arms' epochs across this process's shards
                                         (borrowed); NULL when no arm learns */
  bool epochs_shared;                 /* epochs is in shared mode (gb_epochs_new_shared:
                                         engines in separate processes) */
  gb_shard_hooks hooks;
} gb_shard_config;

/* A rejected message kept aside: the payload as received (NUL-terminated copy) and why. */
typedef struct gb_dead_letter {
  char *payload;
  size_t len;
  char *reason;
} gb_dead_letter;

typedef struct gb_shard gb_shard;

/* Creates the shard and its pipeline. Returns 0, or -1 with err: the pipeline's errors
 * (catalogue file, arms: GB_ERR_INPUT), GB_ERR_RUNTIME when out of memory. */
int gb_shard_new(const gb_shard_config *cfg, gb_shard **out, gb_err *err);
void gb_shard_free(gb_shard *s);

/* The loop: polls until finished (until_finished), *stop, or the transport fails. */
void gb_shard_run(gb_shard *s);

/* One poll: hands up to receive_batch waiting events through the pipeline; returns how many
 * there were. *finished becomes true once every producer is done and this shard has drained
 * everything. */
size_t gb_shard_poll(gb_shard *s, bool *finished);

/* Calls read with the shard's pipeline between two batches (the shard's hooks run inside a
 * batch, so what they record is consistent too): for another thread (the live HTTP server) to
 * read the shard's state while it runs. read must be quick: the shard waits meanwhile. */
void gb_shard_with_state(gb_shard *s, void (*read)(void *ctx, const gb_pipeline *p), void *ctx);

/* The pipeline's counts so far (live events; replays in `replayed` only). Exact once the
 * shard's thread has stopped. */
void gb_shard_get_counts(const gb_shard *s, gb_pipeline_counts *out);

/* The shard's pipeline (its aggregator and catalogue, for the run's results). */
const gb_pipeline *gb_shard_pipeline(const gb_shard *s);

/* The dead letters kept so far (*n of them; owned by the shard). */
const gb_dead_letter *gb_shard_dead_letters(const gb_shard *s, size_t *n);

#endif
