/* gb_decision: the engine's answer to a decision point — a card player's game_end (a prop or
 * none) or a store player's store_visit (a slate: the apps of the discovery queue, best first) —
 * sent back to the player and logged as a decision record.
 *
 * Every decision is recorded, including "no prop", with the arm, the eligible candidates and the
 * propensity of the choice, so that off-policy estimators have what they need. It also carries
 * what happened to the player's ongoing prop since the previous answer (completed / failed), so
 * the player learns it at a deterministic point of its own event sequence. */
#ifndef GB_DECISION_H
#define GB_DECISION_H

#include <stdbool.h>
#include <stdint.h>

enum {
  GB_DECISION_CANDIDATES_MAX = 32, /* candidates kept in the record (the choice may use more) */
  GB_DECISION_SLATE_MAX = 16,      /* places of a slate (= GB_SLATE_MAX, GB_IMPRESSION_MAX) */
  GB_NO_PROP = UINT32_MAX          /* `chosen` when no prop was generated */
};

typedef enum gb_decision_reason {
  GB_DECIDED = 0,       /* the arm chose among candidates (chosen may still be GB_NO_PROP) */
  GB_SUPPRESSED = 1,    /* a prop is ongoing: no new prop (the no-spam rule) */
  GB_NO_CANDIDATES = 2, /* no challenge was eligible */
  GB_SLATE = 3          /* a store visit's slate: candidates[0 .. n_candidates) in rank order, the
                           best first, with place_propensity[]; chosen is GB_NO_PROP */
} gb_decision_reason;

typedef struct gb_decision {
  uint64_t decision_id; /* the trigger's event_id: unique, deterministic */
  uint64_t player_id;
  int64_t ts;            /* sim ms of the trigger */
  int64_t t_intended_ns; /* the trigger's stamps, copied for end-to-end latency */
  int64_t t_sent_ns;
  int64_t t_decided_ns; /* when the engine finished deciding (gb_clock) */
  uint16_t arm;         /* index into the workload's arms */
  uint8_t reason;       /* gb_decision_reason */
  uint8_t n_candidates; /* candidates kept below (<= GB_DECISION_CANDIDATES_MAX) */
  uint32_t n_eligible;  /* all eligible challenges (may exceed n_candidates) */
  uint32_t chosen;      /* catalogue ordinal, or GB_NO_PROP */
  uint64_t prop_id;     /* when chosen: unique prop id (= decision_id) */
  int64_t ttl_s;        /* when chosen: sim seconds until the prop expires */
  double propensity;    /* probability that the arm's policy made this choice (a slate: its first
                           place's, place_propensity[0]) */
  uint64_t completed_prop_id; /* 0, or a prop of this player completed since the last answer */
  uint64_t failed_prop_id;    /* 0, or a prop of this player failed since the last answer */
  int64_t reward_coins;       /* coins granted for completed_prop_id */
  uint32_t candidates[GB_DECISION_CANDIDATES_MAX]; /* catalogue ordinals, ascending (a slate:
                                                      app ordinals in rank order) */
  /* GB_SLATE only: the probability that the arm's policy puts candidates[j] at place j, for
   * j < n_candidates (<= GB_DECISION_SLATE_MAX). */
  double place_propensity[GB_DECISION_SLATE_MAX];
} gb_decision;

#endif
