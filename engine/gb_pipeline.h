/* gb_pipeline: one engine shard — decode → aggregator → matcher → recommender — for the players
 * whose events the transport routes to this shard.
 *
 * Each encoded event is decoded (rejects go back to the caller with the reason, for the dead-letter
 * file), folded into the aggregator's counters and the player's features, matched against the
 * catalogue for progress on the player's started challenge, and — at a decision point
 * (game_end) — matched for eligible challenges and answered by the recommender, which reads the
 * player's features as they were before the decision event (gb_agg_features); live decisions
 * and what became of their props go to the shard's decision log. Duplicate
 * event_ids (at-least-once transports) are detected and skipped.
 *
 * Control events (challenge_upsert/delete) queue a change of the shard's own catalogue,
 * effective at the event's effective_ts (or ts): it applies to every event of sim time at or
 * after it. The transports hand every shard a copy of each control event (one per partition
 * and producer stream, gb_transport.h), so the pipeline applies a control event_id once and
 * counts the other copies as duplicates.
 *
 * Replays: after a Kafka partition changes hands, its new owner is handed the partition's
 * events again from the start, to rebuild its players' state (gb_transport_replaying). Those
 * events were processed, counted and answered before, by this process's shards or another
 * engine's: in GB_PIPELINE_REPLAY mode they change the players' state exactly as the first time
 * (aggregator features, the recommender's ongoing props, progress, the catalogue's changes) but
 * no run-level figure (the counts below but `replayed`, the aggregator's counters), and their
 * decisions are not to be sent.
 *
 * Growth: per-player state is pre-sized from expected_players and grows by doubling as players
 * arrive; a failed growth stops the program (GB_FATAL) rather than leave a half-applied event.
 *
 * The pipeline measures nothing itself: it returns the clock stamps taken between stages, and the
 * harness turns them into latency histograms (engine/ does not depend on bench/). One pipeline per
 * shard thread; not thread-safe. */
#ifndef GB_PIPELINE_H
#define GB_PIPELINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gb_agg.h"
#include "gb_catalog.h"
#include "gb_decision.h"
#include "gb_decision_log.h"
#include "gb_err.h"
#include "gb_matcher.h"
#include "gb_reco.h"

typedef struct gb_pipeline_config {
  const char *catalog_path; /* each shard loads its own copy (hot updates are per shard) */
  gb_match_algo matcher;
  const gb_arms *arms; /* the arm split (borrowed: outlives the pipeline) */
  uint64_t seed;
  size_t expected_players; /* sizing hint */
  gb_agg_cube_config cube; /* the aggregator's stats cube ({0}: none) */
  /* Replayed events count in the learning algorithms' increments too: engines in separate
   * processes, where a partition that changes hands rebuilds the increments of its epoch in
   * progress by replay (gb_epochs.h's shared mode); false in one process (they were counted). */
  bool replay_learns;
  /* Iterations of a fixed arithmetic loop (about 5 instructions each) done for every player's
   * event processed, between the decoded and aggregated stamps: a known slowdown injected to
   * test regression gates (the workload's engine.extra_work_per_event). 0: none. */
  uint32_t extra_work_per_event;
  /* The Steam-style store: its catalogue's size (0: no store; store visits then get no slate)
   * and the slate's places (gb_reco_enable_store). */
  uint32_t store_apps, store_slate;
} gb_pipeline_config;

/* gb_clock stamps of one event's way through the shard (0 when a stage did not run). */
typedef struct gb_pipeline_stamps {
  int64_t intended, sent; /* copied from the event */
  int64_t received;       /* given by the caller: when the transport handed the event over */
  int64_t decoded, aggregated, matched, decided;
  bool decision; /* the event was a decision point and *reply was filled */
  bool control;  /* the event was a catalogue change (challenge_upsert/delete), applied now or a
                    copy of one already applied (counted in duplicates) */
} gb_pipeline_stamps;

typedef struct gb_pipeline_counts {
  uint64_t consumed;          /* messages handed to gb_pipeline_process */
  uint64_t processed;         /* events that went through every stage */
  uint64_t rejected;          /* malformed messages (dead letters) */
  uint64_t duplicates;        /* events whose event_id was already processed (control
                                 copies included) */
  uint64_t decisions;         /* decision points answered */
  uint64_t props;             /* decisions that generated a prop */
  uint64_t completed, failed; /* challenge outcomes from progress tracking */
  uint64_t catalog_updates;   /* challenge_upsert/delete applied */
  uint64_t watermarks;        /* producers' watermarks read (counted in none of the fields
                                 above: they are not events) */
  uint64_t replayed;          /* messages handed over in GB_PIPELINE_REPLAY mode (counted in
                                 none of the fields above) */
} gb_pipeline_counts;

typedef struct gb_pipeline gb_pipeline;

int gb_pipeline_new(const gb_pipeline_config *cfg, gb_pipeline **out, gb_err *err);
void gb_pipeline_free(gb_pipeline *p);

typedef enum gb_pipeline_mode {
  GB_PIPELINE_LIVE,  /* an event seen for the first time: counted, measured, answered */
  GB_PIPELINE_REPLAY /* an event handed over again to rebuild state: counted in `replayed` only;
                        the caller sends no reply */
} gb_pipeline_mode;

typedef enum gb_pipeline_result {
  GB_PIPELINE_REJECTED = -1, /* malformed: err holds the reason; nothing else changed */
  GB_PIPELINE_PROCESSED = 0,
  GB_PIPELINE_DECISION = 1, /* *reply holds the answer to send back to the player */
  GB_PIPELINE_WATERMARK = 2 /* a producer's watermark (gb_pipeline_watermark): counted in
                               `watermarks` only */
} gb_pipeline_result;

/* Processes one encoded event, JSON or binary (gb_event_decode_wire tells them apart), decoding
 * it once. received_ns is the caller's clock stamp. */
gb_pipeline_result gb_pipeline_process(gb_pipeline *p, const void *msg, size_t len,
                                       gb_pipeline_mode mode, int64_t received_ns,
                                       gb_pipeline_stamps *stamps, gb_decision *reply, gb_err *err);

/* Counters so far. */
void gb_pipeline_get_counts(const gb_pipeline *p, gb_pipeline_counts *out);

/* Adds every counter of c into to (shards' counts summed for a process). */
void gb_pipeline_counts_add(gb_pipeline_counts *to, const gb_pipeline_counts *c);

/* The shard's aggregator (for the run's per-game aggregates). */
const gb_agg *gb_pipeline_agg(const gb_pipeline *p);

/* The shard's catalogue (read-only). */
const gb_catalog *gb_pipeline_catalog(const gb_pipeline *p);

/* The shard's decision log (gb_decision_log.h): every live decision with the player's features
 * at the decision, and the outcome records of the live feedback events (prop_shown, _used,
 * _discarded, _expired) and of the completions and failures progress tracking detected live.
 * Replayed events log nothing. Chosen challenges are ordinals of this pipeline's catalogue. */
const gb_decision_log *gb_pipeline_decision_log(const gb_pipeline *p);

/* The last watermark read (GB_PIPELINE_WATERMARK): its ts, and its producer and producer count. */
int64_t gb_pipeline_watermark(const gb_pipeline *p, uint32_t *producer, uint32_t *producers);

/* The shard's recommender (for the epochs' exchange, gb_epochs.h). */
gb_reco *gb_pipeline_reco(gb_pipeline *p);

#endif
