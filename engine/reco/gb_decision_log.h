/* gb_decision_log: the live decisions of one engine shard, each with the player's features at
 * the decision, and what became of their props — the data of off-policy evaluation and of the
 * training table (`gamebench features`), written to decisions.csv at the end of a run
 * (docs/results.md).
 *
 * Two append-only arrays: the decisions (gb_decision_log_add, at each live decision point) and
 * outcome records (gb_decision_log_outcome: a decision_id and what was learnt of its prop, at
 * each live prop_* feedback event and each completion or failure the engine's progress
 * tracking detects). Outcomes are records, not updates of the decision: a prop's feedback may
 * reach another shard than the one that logged its decision (a Kafka partition that changes
 * hands), so the logs of every shard are joined at the end (gb_decision_log_join), and a
 * decision's outcome is the strongest of its records, wherever they were logged.
 *
 * Replayed events log nothing: their decisions and outcomes were logged when they were first
 * processed (by this shard or another).
 *
 * Memory: sizeof(gb_decision_entry) (192 bytes on LP64) per decision, 4 bytes per candidate it
 * carried, 16 bytes per outcome record, by capacity (arrays double). Hot path: an append allocates
 * only when its array is full, and a failed growth stops the program (gb_grow.h). Not thread-safe:
 * one shard's thread writes its log; the join reads logs that no thread writes any more. */
#ifndef GB_DECISION_LOG_H
#define GB_DECISION_LOG_H

#include <stddef.h>
#include <stdint.h>

#include "gb_decision.h"
#include "gb_err.h"
#include "gb_event.h"
#include "gb_features.h"
#include "gb_reco.h"

/* What became of a decision's prop, weakest first. A prop goes none → shown → used, discarded
 * or expired → (used) completed or failed: the strongest outcome seen is the furthest the prop
 * got, whatever order its records were logged or joined in. No prop takes two outcomes of one
 * step (the simulator never discards or lets expire a used prop, and progress tracking ends a
 * prop once); the order within a step only makes the join a total order: engagement first
 * (used above discarded above expired, completed above failed). */
typedef enum gb_decision_outcome {
  GB_OUTCOME_NONE,      /* no prop, or nothing heard of it */
  GB_OUTCOME_SHOWN,     /* prop_shown: the player saw it, and did nothing more yet */
  GB_OUTCOME_EXPIRED,   /* prop_expired: its TTL ran out before it was used */
  GB_OUTCOME_DISCARDED, /* prop_discarded */
  GB_OUTCOME_USED,      /* prop_used: the challenge started, not (yet) completed or failed */
  GB_OUTCOME_FAILED,    /* the engine's progress tracking: not completed in time */
  GB_OUTCOME_COMPLETED, /* the engine's progress tracking: completed */
  GB_OUTCOME__COUNT
} gb_decision_outcome;

/* The outcome's name in decisions.csv ("none", "shown", "expired", "discarded", "used",
 * "failed", "completed"); "unknown" out of range. */
const char *gb_decision_outcome_name(gb_decision_outcome o);

/* Parses an outcome name: 0 and *out, or -1 when unknown. */
int gb_decision_outcome_parse(const char *name, gb_decision_outcome *out);

/* The outcome a player's feedback event of this type tells (prop_shown, prop_used,
 * prop_discarded, prop_expired); GB_OUTCOME_NONE for every other type. */
gb_decision_outcome gb_decision_outcome_of(gb_event_type type);

/* One logged decision: the answer's fields that describe the choice, and the context it was
 * made in. */
typedef struct gb_decision_entry {
  uint64_t decision_id; /* the trigger's event_id */
  uint64_t player_id;
  uint64_t prop_id;  /* = decision_id when a prop was chosen, else 0 */
  int64_t ts;        /* sim ms of the trigger */
  double propensity; /* probability that the arm's policy made this choice */
  uint32_t n_eligible;
  uint32_t chosen;         /* ordinal in the logging shard's catalogue, or GB_NO_PROP */
  uint16_t arm;            /* index into the workload's arms */
  int32_t targets;         /* its record of the other arms' choices (a logging arm's decision:
                              gb_decision_log_targets), or -1 */
  uint8_t n_candidates;    /* the candidates the answer carried (gb_decision_log_candidates) */
  uint32_t candidates_at;  /* where they start in the log's candidate list */
  gb_feature_vec features; /* at the decision, before its event was folded */
} gb_decision_entry;

typedef struct gb_decision_log gb_decision_log;

/* A new, empty log with room for expected_decisions decisions (a sizing hint: 0 allowed, more
 * may come). Returns 0, or -1 with GB_ERR_RUNTIME when out of memory. */
int gb_decision_log_new(size_t expected_decisions, gb_decision_log **out, gb_err *err);

/* Frees l; NULL is a no-op. */
void gb_decision_log_free(gb_decision_log *l);

/* Appends the decision d (its decision_id, player_id, ts, arm, n_eligible, chosen, prop_id and
 * propensity) with the features it was made with and, for a logging arm's decision, the other
 * arms' choices (both copied; targets may be NULL or empty). */
void gb_decision_log_add(gb_decision_log *l, const gb_decision *d, const gb_feature_vec *features,
                         const gb_reco_targets *targets);

/* The candidates (catalogue ordinals, ascending) of entry e of log l: *n of them (at most
 * GB_DECISION_CANDIDATES_MAX, the ones its answer carried). */
const uint32_t *gb_decision_log_candidates(const gb_decision_log *l, const gb_decision_entry *e,
                                           size_t *n);

/* The other arms' choices logged with entry e of log l (NULL when none). */
const gb_reco_targets *gb_decision_log_targets(const gb_decision_log *l,
                                               const gb_decision_entry *e);

/* Appends an outcome record of the decision decision_id (a prop_id). GB_OUTCOME_NONE and
 * decision_id 0 (no prop) record nothing. */
void gb_decision_log_outcome(gb_decision_log *l, uint64_t decision_id, gb_decision_outcome o);

/* The decisions in the order they were logged; *n their count. */
const gb_decision_entry *gb_decision_log_entries(const gb_decision_log *l, size_t *n);

/* Outcome records logged so far. */
size_t gb_decision_log_outcomes(const gb_decision_log *l);

/* Bytes held, by capacity. */
size_t gb_decision_log_memory(const gb_decision_log *l);

/* A decision of the joined logs. */
typedef struct gb_decision_row {
  const gb_decision_entry *entry; /* owned by the log it came from */
  uint32_t log;                   /* that log's index in the join's input */
  gb_decision_outcome outcome;    /* the strongest of its outcome records, from any log */
} gb_decision_row;

/* Joins logs[0..n_logs) (the shards' logs in shard order): one row per decision_id, sorted by
 * decision_id, so that the rows are the same whatever shard logged which decision and in what
 * order; each with the strongest outcome recorded for it in any log (GB_OUTCOME_NONE without
 * one). A decision_id logged twice (not expected: an event is processed live once) gives one
 * row, from the lowest log index; outcome records of decisions no log holds are ignored.
 * Returns 0, *rows (the caller frees it; NULL when there are none) and *n_rows, or -1 with
 * GB_ERR_RUNTIME when out of memory. The rows point into the logs: keep them alive. */
int gb_decision_log_join(const gb_decision_log *const *logs, size_t n_logs, gb_decision_row **rows,
                         size_t *n_rows, gb_err *err);

#endif
