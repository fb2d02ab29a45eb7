/* gb_sim_session (internal to sim/card): what the session model predicts — rounds per session,
 * the distribution of session lengths, the game mix of rounds — for the simulator (the mean
 * session length sets the pause rate between sessions) and for the realism report's targets.
 *
 * The model (docs/simulator.md, "Sessions"): at session_start the player checks in without
 * playing with probability c = GB_SIM_CHECKIN_SHARE (the session lasts an exponential with mean
 * GB_SIM_CHECKIN_MEAN_S), otherwise it plays: a first round after a pause whatever its planned
 * length L ~ Weibull(shape, scale), then another round whenever, after a pause, a round of its
 * favourite game's mean length still fits in L. Rounds are taken at their mean length except
 * the first, whose length distribution is exact; later rounds overrunning L are ignored (they
 * lengthen a few sessions by part of a round). Pure functions of the model and the gb_games
 * table; thread-safe. */
#ifndef GB_SIM_SESSION_H
#define GB_SIM_SESSION_H

#include <stddef.h>

#include "gb_sim_model.h"

/* The chance that a round of a player whose favourite game is f is of game g (indices into
 * gb_games): 0.6 the favourite, 0.25 the second favourite (drawn by popularity among the
 * others), else any game by popularity. Sums to 1 over g. */
double gb_sim_session_game_share(size_t f, size_t g);

/* Expected rounds of a session that is not a check-in, for a player whose favourite game is f:
 * 1 + sum_{k >= 1} P(L > think + m_f + k (round_f + think)), where think is the mean pause
 * (GB_SIM_THINK_MEAN_S), m_f the favourite's mean round and round_f the mean round of such a
 * player's game mix. */
double gb_sim_session_play_rounds(const gb_sim_model *m, size_t f);

/* Expected rounds per session over all sessions: (1 - c) x sum_f popularity_f x
 * gb_sim_session_play_rounds(m, f). */
double gb_sim_session_rounds(const gb_sim_model *m);

/* P(session length > ms), the length running from session_start to session_end:
 * c e^(-ms / checkin) + (1 - c) (1 - F_L(ms) F_T(ms)), where F_L is the Weibull's distribution
 * function and F_T that of the first round's end (pause + round + 1 s), over the favourites and
 * the game mix. ms >= 0. */
double gb_sim_session_survival(const gb_sim_model *m, double ms);

/* The length (ms) below which a share p (0 < p < 1) of sessions end. */
double gb_sim_session_quantile_ms(const gb_sim_model *m, double p);

/* The mean session length (ms): c x checkin + (1 - c) (E[L] + integral of F_L (1 - F_T)). */
double gb_sim_session_mean_ms(const gb_sim_model *m);

/* The share of the players active on a day (at least one session) who play a round that day:
 * E[1 - e^(-(1 - c) lambda)] / E[1 - e^(-lambda)] over the players' session rates lambda
 * (log-normal around m->sessions_per_day, gb_retention_rate): a day holds a Poisson(lambda)
 * number of sessions, each a check-in with probability c. */
double gb_sim_session_played_share(const gb_sim_model *m);

#endif
