/* gb_sim_int: what the simulator's files share: the player record, the simulator's state, the
 * behaviour constants and the small helpers (gb_sim.h describes the simulator). gb_sim.c sets it
 * up and sums its counters; gb_sim_population.c draws the players; gb_sim_rounds.c emits their
 * events (the hot path: rounds, sessions, props, coins); gb_sim_answers.c takes the engine's
 * answers and holds the response model. Not for other modules. */
#ifndef GB_SIM_INT_H
#define GB_SIM_INT_H

#include "gb_sim.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gb_games.h"
#include "gb_retention.h"
#include "gb_rhythm.h"
#include "gb_rng.h"
#include "gb_sim_stats.h"
#include "gb_timeq.h"

/* Behaviour constants of the player model; docs/simulator.md explains each. The ones the
 * realism report also needs live in gb_sim_stats.h. */
#define MS_PER_DAY 86400000LL
#define SESSION_END_DELAY_MS 1000 /* session_end follows the last round's end */
#define CHALLENGE_GAME_SHARE 0.7  /* rounds played in a started challenge's game */
#define SKILL_MEAN_LOW 0.3        /* a player's mean skill is uniform in [0.3, 0.7] … */
#define SKILL_MEAN_SPAN 0.4
#define SKILL_SPREAD 0.4           /* … and each game's skill within ± 0.2 of it */
#define FAVOURITE_SKILL_BONUS 0.15 /* practice: better at the favourite game */
#define LEARNING_RATE                                                                              \
  0.0002 /* per round of a game: skill += (1 - skill) x rate (a                                    \
            regular closes a third of the gap in a year) */
#define WIN_SKILL_SLOPE                                                                            \
  0.3 /* win probability gained per unit of skill above the                                        \
         table's (the other players') */
#define ROOM_SKILL_STEP                                                                            \
  0.1                  /* the tables get this much better with each room up: the                   \
                          winners who climb meet each other */
#define WIN_P_MIN 0.02 /* nobody always loses… */
#define WIN_P_MAX 0.95 /* …or always wins */
#define SCORE_MIN 100  /* a win scores 100 .. 999 points */
#define SCORE_SPAN 900
#define FATIGUE_WINDOW_MS MS_PER_DAY          /* props received in the last 24 h tire the player */
#define COMPLETION_WINDOW_MS (7 * MS_PER_DAY) /* completions of the last week keep it loyal */
#define SPAM_FREE_PROPS 3 /* props per 24 h a player takes without churning more */
#define WARM_START_MS                                                                              \
  MS_PER_DAY                         /* existing players' sessions are drawn from a day before the \
                                        start, so that some are in progress at the start */
#define CHRONOTYPE_SD_MIN 60.0       /* personal shift of the daily rhythm: sd 1 h … */
#define CHRONOTYPE_MAX_MIN 180.0     /* … at most 3 h either way (night owls, early birds) */
#define TOPUP_CHANCE 0.1             /* per session start, times the spend propensity */
#define PAYER_SPEND_MIN 0.05         /* payers' spend propensity: Pareto from 0.05 … */
#define PAYER_SPEND_TAIL 1.2         /* … with tail index 1.2 (capped at 1): a few whales */
#define PRIOR_ROUNDS_PER_SESSION 5.0 /* existing players' XP: rounds they played before */
#define BUSY_SHARE_MAX 0.9           /* sessions may fill at most 90 % of a player's time */
#define AFFINITY_FAVOURITE 1.0       /* the response model's affinity (gb_response.h) */
#define AFFINITY_SECOND 0.6
#define AFFINITY_ANY_GAME 0.5
#define AFFINITY_OTHER 0.2
#define SKILL_SCALE 65535.0 /* skills are stored as uint16 fractions of 1 */
#define E9 1000000000.0

typedef enum action {
  ACT_LAUNCH,
  ACT_SESSION_START,
  ACT_GAME_START,
  ACT_GAME_END,
  ACT_SESSION_END,
  ACT_DONE
} action;

typedef enum prop_state { PROP_NONE, PROP_UNSEEN, PROP_IGNORED, PROP_USED } prop_state;

enum {
  PENDING_MAX = 3,
  FATIGUE_SLOTS = 8,
  COMPLETION_SLOTS = 4,
  COUNTRIES_MAX = 32,
  ROOMS_MAX = 8,
  PLATFORMS = 3,
  CACHE_LINE = 64
};

/* A player's record: five cache lines, aligned, fetched whole when the player's window comes
 * (gb_timeq prefetches a window's records at once, so that their misses overlap): with a hundred
 * thousand players the records do not fit in the caches, and the simulator is bound by these
 * misses. What a round's events use comes first (the first three lines), then what sessions use,
 * then props. The fields have the smallest exact sizes (the bet is the room's, not stored; flags
 * are bits) and an order without holes, so that the record fits in five lines (it took six or
 * seven, unaligned). */
typedef struct player {
  /* every event */
  _Alignas(CACHE_LINE) int64_t next_ts; /* sim ms of the next action */
  int64_t pending_ts;                   /* sim ms of the pending events */
  int64_t prop_expiry;
  int64_t session_end_ts; /* planned end of the session in progress */
  int64_t coin_balance;
  int64_t xp;
  uint64_t session_id;
  gb_rng rng;
  uint32_t id;
  uint32_t seq;
  uint32_t last_active_day; /* 1 + the last complete sim day counted as active, 0 = none */
  int32_t level;
  /* events caused by the previous one, due at the same sim time (pending_ts), oldest first */
  int32_t pending_amount[PENDING_MAX]; /* the new level, relief coins, or the coin pack's index */
  uint8_t pending_type[PENDING_MAX];   /* gb_event_type */
  uint8_t n_pending;
  uint8_t next_action, prop_state, game, room; /* the round's bet is rooms[room].bet */
  uint8_t platform, country;
  uint8_t favourite, second;
  bool waiting : 1, queued : 1;
  bool preset_end : 1; /* session_end_ts already drawn (a session in progress at the start) */
  bool censored : 1;   /* the session in progress began before the start: not a full length */
  bool active : 1;     /* emitted at least one event */
  bool in_session : 1; /* between session_start and session_end */
  uint8_t relief_count;
  /* every round */
  uint16_t rounds_in_session;
  float risk;
  float spend;
  uint16_t skill[GB_SIM_GAMES_MAX];
  /* every session */
  float rate; /* of the pauses between sessions, per day (gap_rate) */
  int64_t session_start_ts;
  int64_t install_ts;
  int64_t alive_ts;          /* when the player was last known not to have churned */
  int16_t rhythm_offset_min; /* UTC offset + chronotype (-900 .. 1020): the rhythm's clock */
  uint16_t new_rounds;       /* rounds started in the first 14 days after install (saturates) */
  int32_t relief_day;        /* local day of the relief count */
  /* props */
  uint32_t prop_challenge;
  uint16_t arm;
  uint8_t retention_seen; /* bit i: a session seen in the window of gb_retention_days[i]; bit
                           * GB_RETENTION_N_DAYS + i: a round seen in it */
  uint64_t prop_id;
  int64_t recent_props[FATIGUE_SLOTS];   /* receive times, newest first, 0 = none */
  int64_t completions[COMPLETION_SLOTS]; /* completion times, newest first, 0 = none */
} player;

_Static_assert(sizeof(player) == 5 * CACHE_LINE, "player: five cache lines");

struct gb_sim {
  gb_sim_config cfg;
  gb_sim_model model;
  gb_rhythm rhythm;
  gb_retention retention;
  int64_t horizon_ms;
  int64_t complete_days; /* whole sim days inside the run */
  player *players;
  uint32_t n_players;
  gb_timeq *queue; /* players by (next emission ts, index) */
  uint64_t waiting;
  uint64_t events;
  uint64_t type_counts[GB_EV__COUNT];
  uint64_t unexpected_answers;
  gb_sim_arm_stats *arms;
  gb_sim_arm_period *arm_periods;       /* [n_arms * n_periods] */
  gb_sim_arm_challenge *arm_challenges; /* [n_arms * n_challenge_slots] */
  int64_t period_ms;
  size_t n_periods, n_challenge_slots;
  gb_sim_truth *truth; /* NULL unless cfg.truth_arms */
  gb_sim_stats stats;
  const gb_game_model *games;
  size_t n_games;
  const gb_room_model *rooms;
  size_t n_rooms;
  const gb_coin_pack *packs;
  size_t n_packs;
  const gb_economy *economy;
  const gb_country *countries;
  size_t n_countries;
  double popularity[GB_SIM_GAMES_MAX];
  double table_skill[GB_SIM_GAMES_MAX]; /* mean skill of a round's player, per game */
  double country_share[COUNTRIES_MAX];
  /* names padded with NULs to their event field's size: copied with one constant-size memcpy */
  char game_names[GB_SIM_GAMES_MAX][GB_GAME_MAX + 1];
  char room_names[ROOMS_MAX][GB_ROOM_MAX + 1];
  char platform_names[PLATFORMS][GB_PLATFORM_MAX + 1];
  char country_codes[COUNTRIES_MAX][GB_COUNTRY_MAX + 1];
  int64_t day_start_ms, day_end_ms; /* the complete sim day of the last event… */
  int64_t day;                      /* …and its index (-1: none yet) */
  double session_mean_days;         /* of the configured session length */
};

/* ---- small helpers */

static inline size_t pick_weighted(gb_rng *rng, const double *weights, size_t n) {
  double u = gb_rng_uniform(rng), acc = 0;
  for (size_t i = 0; i < n; i++) {
    acc += weights[i];
    if (u < acc)
      return i;
  }
  return n - 1;
}

static inline uint8_t pick_by_popularity(const gb_sim *s, gb_rng *rng) {
  return (uint8_t)pick_weighted(rng, s->popularity, s->n_games);
}

static inline double skill_of(const player *p, size_t game) { return p->skill[game] / SKILL_SCALE; }

static inline void set_skill(player *p, size_t game, double v) {
  v = v < 0 ? 0 : v > 1 ? 1 : v;
  p->skill[game] = (uint16_t)(v * SKILL_SCALE + 0.5);
}

static inline int64_t local_day(const player *p, int64_t ts) {
  int64_t t = ts + (int64_t)p->rhythm_offset_min * 60000;
  return t >= 0 ? t / MS_PER_DAY : (t - MS_PER_DAY + 1) / MS_PER_DAY;
}

static inline int64_t session_length_ms(gb_sim *s, player *p) {
  return (int64_t)gb_rng_weibull(&p->rng, s->model.session_shape,
                                 (double)s->model.session_scale_ms);
}

/* Events received in the last `window` ms, from a newest-first list of times (0 = none). */
static inline int count_recent(const int64_t *times, int n, int64_t now, int64_t window) {
  int count = 0;
  for (int i = 0; i < n; i++)
    count += times[i] != 0 && now - times[i] < window;
  return count;
}

/* ---- scheduling */

static inline bool prop_can_expire(const player *p) {
  return (p->prop_state == PROP_UNSEEN || p->prop_state == PROP_IGNORED) &&
         p->prop_expiry != INT64_MAX;
}

/* The sim time of the player's next emission: a pending event, an expiring prop, or its action
 * (not while it waits for an answer); INT64_MAX when there is none. */
static inline int64_t next_emission_ts(const player *p) {
  if (p->n_pending > 0)
    return p->pending_ts;
  if (p->waiting)
    return INT64_MAX;
  int64_t t = p->next_action == ACT_DONE ? INT64_MAX : p->next_ts;
  if (prop_can_expire(p) && p->prop_expiry <= t)
    t = p->prop_expiry;
  return t;
}

/* Queues a player that is not queued, if it has something to emit before the horizon. */
static inline void schedule(gb_sim *s, uint32_t index) {
  player *p = &s->players[index];
  int64_t ts = next_emission_ts(p);
  if (p->queued || ts >= s->horizon_ms)
    return;
  p->queued = true;
  gb_timeq_push(s->queue, ts, index);
}

/* ---- the population (gb_sim_population.c) */

/* Draws player p (id, its traits, its past or its arrival) from its own stream, counting it in
 * s's stats; p is cleared first. */
void gb_sim_init_player(gb_sim *s, player *p, uint32_t id);

/* Fills s->table_skill from the games' popularity (s->popularity). */
void gb_sim_table_skills(gb_sim *s);

/* ---- the per-arm breakdowns (gb_sim_answers.c) */

/* The sim time of the decision that gave the player its current prop: receive_prop records it
 * first in recent_props, and the prop in the bar is always the newest one received. */
static inline int64_t prop_decision_ts(const player *p) { return p->recent_props[0]; }

/* The player's current prop was used: counted with its arm, its decision's period and its
 * challenge. */
void gb_sim_count_prop_used(gb_sim *s, const player *p);

/* ---- the response model (gb_sim_answers.c) */

/* The probability that player p uses a prop of challenge c at sim time now. */
double gb_sim_use_probability(const gb_sim *s, const player *p, const gb_challenge *c, int64_t now);

#endif
