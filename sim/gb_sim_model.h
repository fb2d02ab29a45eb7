/* gb_sim_model: the player-population parameters a workload sets (the `sim.*` keys of
 * docs/workloads.md beyond players/duration/speed), their defaults, and their validation.
 *
 * The defaults describe a Chinese card/board-game platform (docs/simulator.md gives the
 * reasons); every field has a documented range, and gb_sim_model_check says, for a set of
 * values, whether the retention targets can be reached with the session rate (the fit of
 * gb_retention). Plain data: copy it freely. */
#ifndef GB_SIM_MODEL_H
#define GB_SIM_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "gb_err.h"

typedef struct gb_sim_model {
  /* New players per sim day, as a fraction of the initial population (sim.players), 0 .. 10;
   * default 0.03. They arrive through the day's rhythm, numbered after the initial players. */
  double arrival_rate;
  /* Mean number of sessions a retained player starts per sim day, 0.1 .. 48; default 2. Players
   * differ: each draws its rate from a log-normal with this mean (sigma 0.8 in log space). */
  double sessions_per_day;
  /* Planned length of a play session ~ Weibull(shape, scale) (docs/simulator.md, "Sessions": a
   * played session lasts at least its first round; a check-in is shorter): scale in sim ms,
   * 1 s .. 1 d (default 23 min);
   * shape 0.2 .. 5 (default 0.5: heavy-tailed, mean = 2 x scale). */
  int64_t session_scale_ms;
  double session_shape;
  /* Local hour (0 .. 23) of the evening peak of activity; default 21. */
  int peak_hour;
  /* Share of players who ever pay (the rest never buy coins), 0 .. 1; default 0.05. Among
   * payers the spend propensity is Pareto-tailed: a few whales. */
  double payer_share;
  /* Retention targets of new players: the share active (starting a session) 24-48 h after
   * install (d1) and 168-192 h after (d7). 0 < d7 < d1 < 1; defaults 0.45 and 0.19. The
   * simulator fits its churn curve to them (gb_retention). */
  double retention_d1, retention_d7;
  /* Proportional-hazard effects of props on churn (0 .. 5 each): every prop completed in the
   * last 7 sim days multiplies the churn hazard by exp(-completion_effect) (default 0.3), every
   * prop received in the last 24 sim hours beyond the first 3 multiplies it by exp(spam_effect)
   * (default 0.15). */
  double completion_effect, spam_effect;
} gb_sim_model;

/* Ranges (docs/workloads.md repeats them). */
#define GB_SIM_ARRIVAL_RATE_MAX 10.0
#define GB_SIM_SESSIONS_PER_DAY_MIN 0.1
#define GB_SIM_SESSIONS_PER_DAY_MAX 48.0
#define GB_SIM_SESSION_SCALE_MIN_MS 1000LL
#define GB_SIM_SESSION_SCALE_MAX_MS 86400000LL
#define GB_SIM_SESSION_SHAPE_MIN 0.2
#define GB_SIM_SESSION_SHAPE_MAX 5.0
#define GB_SIM_EFFECT_MAX 5.0

/* The documented defaults. */
gb_sim_model gb_sim_model_defaults(void);

/* Checks every field's range and that the retention targets can be fitted. Returns 0, or -1
 * with a GB_ERR_INPUT error whose message is the reason alone (e.g. "0.9 is above what
 * sessions_per_day 2 allows (0.77)"), and key[0..key_cap) set to the workload key at fault
 * relative to `sim.` (e.g. "retention.d1"). key may be NULL when key_cap is 0. */
int gb_sim_model_check(const gb_sim_model *m, char *key, size_t key_cap, gb_err *err);

struct gb_rhythm;
struct gb_retention;

/* gb_sim_model_check, then the model's rhythm and fitted churn curve into *rhythm and *ret (for
 * the simulator and the realism report). Same returns. */
int gb_sim_model_prepare(const gb_sim_model *m, struct gb_rhythm *rhythm, struct gb_retention *ret,
                         char *key, size_t key_cap, gb_err *err);

/* Largest population (initial players plus arrivals) one simulation may have: player ids fill the
 * high 32 bits of event ids, and each player costs memory. */
#define GB_SIM_POPULATION_MAX 100000000ULL

/* The whole population of a run: players present at the start plus the arrivals over
 * duration_ms (round(arrival_rate x players x duration in days)); model NULL = defaults. */
uint64_t gb_sim_population(uint32_t players, int64_t duration_ms, const gb_sim_model *model);

#endif
