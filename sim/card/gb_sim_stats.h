/* gb_sim_stats (internal to sim/): what a simulator instance counts for the realism report as it
 * generates events, and the behaviour constants that the report's model targets are computed
 * from. Every count is an integer sum or a histogram of integer counts, so the stats of several
 * instances add up exactly, in any order: the report does not depend on threads. */
#ifndef GB_SIM_STATS_H
#define GB_SIM_STATS_H

#include <stdint.h>

#include "gb_retention.h"
#include "gb_rhythm.h"
#include "gb_sim.h"

/* Behaviour constants shared by gb_sim.c and the report's targets (docs/simulator.md). */
#define GB_SIM_LAUNCH_TO_SESSION_MS 2000 /* app_launched -> session_start: the lobby loads */
#define GB_SIM_THINK_MEAN_S 20.0         /* mean pause before a round (matchmaking, a breather) */
/* A session is a check-in without play (the player collects its daily bonus, looks at the prop
 * bar and leaves) with this probability; otherwise the player plays at least one round. Fitted
 * so that about 4.5 % of new players play no round in their first 14 days, as in the public
 * reference (docs/simulator.md, "Sessions"). */
#define GB_SIM_CHECKIN_SHARE 0.2
#define GB_SIM_CHECKIN_MEAN_S 60.0   /* a check-in's length from session_start: exponential */
#define GB_SIM_NEW_PLAYER_DAYS 14    /* new players' rounds are counted over their first 14 days */
#define GB_SIM_FAVOURITE_SHARE 0.6   /* rounds played in the favourite game… */
#define GB_SIM_SECOND_SHARE 0.25     /* …in the second favourite; the rest by popularity */
#define GB_SIM_BALANCE_MEDIAN 8000.0 /* existing players' balance: log-normal with this median… */
#define GB_SIM_BALANCE_SIGMA 1.2     /* …and this sigma (log space) */

enum {
  GB_SIM_GAMES_MAX = 16,           /* games the stats have room for (gb_games has 12) */
  GB_SIM_SESSION_BIN_MS = 10000,   /* session lengths in 10 s bins… */
  GB_SIM_SESSION_BINS = 8640,      /* …up to 24 h; longer ones in the last bin */
  GB_SIM_GAMES_BINS = 256,         /* rounds per session; more in the last bin */
  GB_SIM_NEW_ROUNDS_BINS = 1024,   /* new players' rounds in 14 days; more in the last bin */
  GB_SIM_BALANCE_SUB = 8,          /* balance bins: 8 per power of two (<= 12.5 % wide) */
  GB_SIM_BALANCE_BINS = 8 + 60 * 8 /* 0..7 exactly, then 2^3 .. 2^63 */
};

typedef struct gb_sim_stats {
  uint64_t players_initial, players_arrived, players_churned;
  /* Retention of the players who arrived during the run: cohort[i] counts those whose window of
   * day gb_retention_days[i] lies inside the run, retained[i] those of them who started a
   * session in it. */
  uint64_t cohort[GB_RETENTION_N_DAYS], retained[GB_RETENTION_N_DAYS];
  /* Of the same cohorts, those who played a round (game_start) in the window. */
  uint64_t retained_played[GB_RETENTION_N_DAYS];
  /* Arrivals whose first GB_SIM_NEW_PLAYER_DAYS days lie inside the run, by the rounds they
   * started in those days (counted when the stats are read). */
  uint64_t new_player_rounds[GB_SIM_NEW_ROUNDS_BINS];
  uint64_t sessions_started;   /* app_launched */
  uint64_t sessions_completed; /* session_end of sessions that began inside the run */
  uint64_t session_ms_sum;
  uint64_t session_len[GB_SIM_SESSION_BINS]; /* completed sessions by length */
  /* Sessions that began inside the run and were still going at the horizon, by the length they
   * had reached: right-censored observations (the report's Kaplan-Meier estimate uses them, so
   * that runs shorter than many sessions do not lean to short ones). */
  uint64_t session_cut[GB_SIM_SESSION_BINS];
  uint64_t session_cut_ms_sum, session_cut_rounds; /* their time and rounds so far */
  uint64_t rounds_sum;
  uint64_t rounds_per_session[GB_SIM_GAMES_BINS];
  uint64_t rounds[GB_SIM_GAMES_MAX];              /* game_start per game */
  uint64_t starts_by_local_hour[GB_RHYTHM_HOURS]; /* session starts, player's local time */
  int64_t coins_won, coins_lost, coins_rake;      /* in rounds: paid to winners, lost, rake */
  int64_t coins_relief, coins_purchased, coins_rewarded;
  uint64_t purchases, revenue_fen, reliefs;
  /* Complete sim days (24 h windows from the start, entirely inside the run): */
  uint64_t active_player_days, events_in_days, sessions_in_days;
  /* Balances of the players present at the start and active during the run, at the time the
   * stats are read (compared with the distribution they started with). */
  uint64_t balance[GB_SIM_BALANCE_BINS];
} gb_sim_stats;

/* Bin of a balance: exact below 8, then 8 sub-bins per power of two. */
static inline int gb_sim_balance_bin(int64_t v) {
  if (v < 8)
    return v < 0 ? 0 : (int)v;
  int msb = 63 - __builtin_clzll((unsigned long long)v);
  return GB_SIM_BALANCE_SUB + (msb - 3) * GB_SIM_BALANCE_SUB + (int)((v >> (msb - 3)) - 8);
}

/* Lowest balance of bin b. */
static inline int64_t gb_sim_balance_bin_low(int b) {
  if (b < GB_SIM_BALANCE_SUB)
    return b;
  int msb = 3 + (b - GB_SIM_BALANCE_SUB) / GB_SIM_BALANCE_SUB;
  return (int64_t)(8 + (b - GB_SIM_BALANCE_SUB) % GB_SIM_BALANCE_SUB) << (msb - 3);
}

/* Adds src into dst. */
void gb_sim_stats_add(gb_sim_stats *dst, const gb_sim_stats *src);

/* Adds what s has counted so far into out, with the balances of its players now (gb_sim.c). */
void gb_sim_add_stats(const gb_sim *s, gb_sim_stats *out);

#endif
