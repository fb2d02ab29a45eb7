/* gb_sim: the player simulator — a population of card/board-game players on a sim clock.
 *
 * Each player has latent traits (favourite and second-favourite games, per-game skill, risk
 * appetite, spend propensity, time zone and chronotype, session rate) and its own random stream
 * derived from (seed, player_id), so a player's events depend only on the seed and on the
 * engine's answers to that player, never on threads or timing. docs/simulator.md describes the
 * model. The population is the `players` present at the start plus the players who arrive
 * during the run (gb_sim_population); players churn following a curve fitted to the retention
 * targets (gb_retention), and props change their churn hazard.
 *
 * Players are scheduled on a calendar queue (gb_timeq) by (next sim time, player id), which pops
 * in the order of one min-heap. In closed-loop mode a player who emits a decision point
 * (game_end) waits for the engine's answer before its next action
 * (the events that game_end itself causes — level_up, bankrupt_relief, purchase — carry the same
 * sim time and are emitted before the wait), while the others go on; its next event keeps the
 * sim time it was planned for, so a slow engine shows up as lateness against the intended emit
 * time, not as a different stream.
 *
 * Order: events come out in (ts, player_id, sequence) order, sequence being the low 32 bits of
 * event_id (a player's events are numbered 1, 2, ...). In open loop ts never decreases within an
 * instance, so instances that split a population can be merged into the single-instance stream
 * by that key (gb_sim_stream does). In closed loop an answer that comes late can make a player
 * due before events already emitted by others (its own events still never go back in time).
 *
 * One gb_sim simulates the players whose index k (0-based; player_id = k + 1) satisfies
 * k % n_producers == producer, so several instances on several threads split a population.
 * Not thread-safe: one thread per instance. Memory: about 370 bytes per player (a 320-byte
 * record and its share of the calendar) plus up to 3.5 MiB (the calendar's ring, and the records
 * rounded up to whole 2 MiB huge pages). */
#ifndef GB_SIM_H
#define GB_SIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gb_arms.h"
#include "gb_catalog.h"
#include "gb_decision.h"
#include "gb_err.h"
#include "gb_event.h"
#include "gb_response.h"
#include "gb_sim_model.h"
#include "gb_sim_truth.h"

typedef struct gb_sim_config {
  uint64_t seed;
  uint32_t players;          /* players present at start_ms (all producers together); 0: none
                                (a run of the store alone) */
  int64_t start_ms;          /* sim epoch, ms since the Unix epoch */
  int64_t duration_ms;       /* sim time simulated; no event has ts >= start_ms + duration_ms */
  unsigned producer;         /* this instance's share of the population … */
  unsigned n_producers;      /* … out of n_producers (>= 1) */
  bool closed_loop;          /* wait for the engine's answer at decision points */
  const gb_catalog *catalog; /* challenge features for the response model (closed loop) */
  const gb_arms *arms;       /* the arm split (read-only), closed loop */
  size_t n_arms;
  gb_response_params response;
  const gb_sim_model *model; /* population parameters (copied); NULL = gb_sim_model_defaults() */
  /* NULL (the default): no ground-truth log. Else n_arms flags (borrowed: they must outlive the
   * instance): the decisions of arm a that are scored are logged with every candidate's use
   * probability when truth_arms[a] (gb_sim_truth.h; read it with gb_sim_truth_log). */
  const bool *truth_arms;
} gb_sim_config;

typedef enum gb_sim_status {
  GB_SIM_EVENT,   /* *out holds the next event */
  GB_SIM_NOT_YET, /* the next event is later than until_ms */
  GB_SIM_BLOCKED, /* every remaining player waits for an answer */
  GB_SIM_DONE     /* nothing left: the horizon is reached and no answer is outstanding */
} gb_sim_status;

/* Per-arm outcomes seen from the players' side. Probabilities are summed in fixed point (units
 * of 1e-9) so that totals are exact and independent of how players are split across threads.
 * `players` counts the arm's players who exist during the run (present at the start or arriving
 * before the horizon), whether or not they churn. */
typedef struct gb_sim_arm_stats {
  uint64_t players;
  uint64_t decisions, decided, suppressed, no_candidates;
  uint64_t props_generated, props_shown, props_used, props_discarded, props_expired;
  uint64_t props_completed, props_failed;
  uint64_t scored;      /* decisions with candidates, scored against the ground truth */
  uint64_t expected_e9; /* sum of the chosen candidate's use probability (0 for no prop) */
  uint64_t oracle_e9;   /* sum of the best candidate's use probability */
  uint64_t chosen_e9;   /* sum of the chosen candidate's use probability over props only */
} gb_sim_arm_stats;

/* The per-arm series over sim time: the run is cut into periods from its start, of 10 minutes
 * when it is shorter than 6 sim hours, of an hour when it is shorter than 2 sim days (so that a
 * short run still has several points to plot), else of a day; the last period may be cut short
 * by the run's end. A decision counts in the
 * period of its decision point's sim time; a prop's use and completion count with the prop's
 * decision (whenever they happen), so that a period's props_used / props_generated is a
 * proportion of the same props. Counts and fixed-point sums as in gb_sim_arm_stats: summed over
 * the periods they equal the arm's totals exactly. */
typedef struct gb_sim_arm_period {
  uint64_t decisions, scored;
  uint64_t props_generated, props_used, props_completed;
  uint64_t expected_e9, oracle_e9; /* over the period's scored decisions */
} gb_sim_arm_period;

/* The per-arm breakdown by challenge (catalogue ordinal of the simulator's catalogue): the props
 * of that challenge, what became of them, and the sum of the chosen challenge's ground-truth use
 * probability at each of their decisions (units of 1e-9). */
typedef struct gb_sim_arm_challenge {
  uint64_t props_generated, props_used, props_completed;
  uint64_t chosen_e9;
} gb_sim_arm_challenge;

typedef struct gb_sim gb_sim;

/* The length of a period of the per-arm series (ms) for a run of duration_ms (> 0): 10 min
 * below 6 sim hours, 1 h below 2 sim days, else 1 d. */
int64_t gb_sim_period_ms(int64_t duration_ms);

/* The number of periods of a run of duration_ms (> 0): ceil(duration_ms / period). */
size_t gb_sim_periods(int64_t duration_ms);

/* Challenge slots per arm of the by-challenge breakdown: the catalogue's size (its ordinals,
 * deleted ones included), plus one last slot for the props of ordinals outside it (an engine
 * whose catalogue numbers challenges beyond the simulator's copy); 1 without a catalogue. The
 * catalogue must not change size while simulators built on it run. */
size_t gb_sim_challenge_slots(const gb_catalog *catalog);

/* Creates an instance. Returns 0, or -1 with GB_ERR_INPUT for a bad configuration (producer out
 * of range, duration <= 0, players = 0, a model that gb_sim_model_check rejects, a population
 * above GB_SIM_POPULATION_MAX) or GB_ERR_RUNTIME when out of memory. */
int gb_sim_new(const gb_sim_config *cfg, gb_sim **out, gb_err *err);
void gb_sim_free(gb_sim *s);

/* The next event in (sim time, player id, sequence) order whose sim time is <= until_ms. */
gb_sim_status gb_sim_next(gb_sim *s, int64_t until_ms, gb_event *out);

/* Sim time of the next scheduled event (INT64_MAX when none is scheduled). */
int64_t gb_sim_peek_ts(const gb_sim *s);

/* Starts loading the state of the player whose event gb_sim_next will step next, when the
 * calendar's current window already holds it (otherwise the window's move prefetches the next
 * ones anyway). Call it while other work goes on, e.g. while the previous event is encoded and
 * sent: the player's cache misses then overlap that work instead of stalling gb_sim_next (with
 * Kafka's threads sharing the caches, the window's own prefetches are often evicted by then).
 * A hint only: no effect on the stream. Note that a clock read (gb_clock_now_ns) waits for
 * outstanding prefetches on some processors: call it after one, not just before. */
void gb_sim_prefetch_next(const gb_sim *s);

/* Delivers the engine's answer to one of this instance's players (ignored with a count when it
 * answers no outstanding decision point). */
void gb_sim_on_decision(gb_sim *s, const gb_decision *d);

/* Delivers d[0..n) in that order: the same as gb_sim_on_decision on each, but the players'
 * records are fetched all at once first. By the time an answer comes, its player's record has
 * usually left the caches; fetched together, the misses of a batch of answers overlap. */
void gb_sim_on_decisions(gb_sim *s, const gb_decision *d, size_t n);

/* Players currently waiting for an answer. */
uint64_t gb_sim_waiting(const gb_sim *s);

/* Events generated so far, in total and per type. */
uint64_t gb_sim_events(const gb_sim *s);
uint64_t gb_sim_events_of_type(const gb_sim *s, gb_event_type type);

/* Answers that matched no outstanding decision point (should stay 0). */
uint64_t gb_sim_unexpected_answers(const gb_sim *s);

/* Adds this instance's per-arm stats into out[0..n_arms). */
void gb_sim_add_arm_stats(const gb_sim *s, gb_sim_arm_stats *out);

/* Adds this instance's per-arm series into out[arm * gb_sim_periods(duration) + period]
 * (n_arms x periods cells, arm-major). */
void gb_sim_add_arm_periods(const gb_sim *s, gb_sim_arm_period *out);

/* Adds this instance's per-arm breakdown by challenge into
 * out[arm * gb_sim_challenge_slots(catalog) + ordinal] (n_arms x slots cells, arm-major). */
void gb_sim_add_arm_challenges(const gb_sim *s, gb_sim_arm_challenge *out);

/* The ground truth of the decisions of the arms in cfg.truth_arms, in the order this instance
 * received them (merge the instances' logs with gb_sim_truth_merge); NULL when cfg.truth_arms
 * is NULL. Owned by s: valid until gb_sim_free. */
const gb_sim_truth *gb_sim_truth_log(const gb_sim *s);

#endif
