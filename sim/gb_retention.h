/* gb_retention: the churn curve of the player model, fitted to retention targets.
 *
 * A player's lifetime L (sim days from install) has the Lomax survival function
 *
 *   S(a) = (1 + a / tau) ^ (-alpha)
 *
 * (a decreasing hazard alpha / (tau + a): most churn happens in the first days, loyal players
 * stay for months). While alive, a player starts sessions as a Poisson process whose rate is
 * its own sessions-per-day lambda (log-normal across players: lambda = m exp(0.8 Z - 0.32),
 * mean m) times the weekly rhythm (gb_rhythm). The simulator never draws L itself: at the end
 * of each session it draws the next start t' and the player comes back with probability
 * (S(a') / S(a))^k, a and a' being its ages then and at t', k the proportional-hazard factor of
 * props (1 without props, gb_sim_model). For k = 1 that is exactly the lifetime model.
 *
 * Retention Dn is the share of new players who start a session in the 24 h window starting n x
 * 24 h after their install. Under the model,
 *
 *   Dn = sum_k Q_n[k] S(n + (k + 1/2) / K)
 *
 * where Q_n[k] is the probability that a never-churning player's first session in that window
 * falls in its k-th of K = 48 half-hour bins, averaged over lambda (Gauss-type quadrature of the
 * log-normal) and over install times (the rhythm's phase, weighted like arrivals). gb_retention_fit
 * solves D1 = d1 and D7 = d7 for tau and alpha (nested bisections: D1 grows with tau, and with D1
 * held fixed D7 falls as alpha grows). It is exact up to two approximations, both small: the
 * time a player spends in a session (when it cannot start another) and the player's chronotype
 * shift are ignored. tests/unit/test_sim.c checks the simulated retention against the targets. */
#ifndef GB_RETENTION_H
#define GB_RETENTION_H

#include "gb_err.h"
#include "gb_rhythm.h"
#include "gb_rng.h"

enum {
  GB_RETENTION_BINS = 48,    /* half-hour bins of a day window */
  GB_RETENTION_N_DAYS = 3,   /* the windows modelled: */
  GB_RETENTION_AGE_MAX = 365 /* existing players installed at most this many days ago */
};

/* The days of the modelled windows: D1, D7, D14. */
extern const int gb_retention_days[GB_RETENTION_N_DAYS];

/* Spread of the players' session rates: sigma of log(lambda). */
#define GB_RETENTION_RATE_SIGMA 0.8

typedef struct gb_retention {
  double tau_days, alpha; /* the fitted curve */
  double sessions_per_day;
  double q[GB_RETENTION_N_DAYS][GB_RETENTION_BINS]; /* Q_n[k] for n = 1, 7, 14 */
  double activity[GB_RETENTION_N_DAYS];             /* sum_k Q_n[k]: Dn without churn */
} gb_retention;

/* Fits the curve for targets 0 < d7 < d1 < 1, sessions_per_day > 0 and rhythm r. Returns 0, or
 * -1 with a GB_ERR_INPUT error naming the target that cannot be reached and the reachable range,
 * e.g. "retention.d1: 0.9 is above what sessions_per_day 2 allows (0.77: the share of players
 * who start a session on a given day when nobody churns)". */
int gb_retention_fit(gb_retention *out, double d1, double d7, double sessions_per_day,
                     const gb_rhythm *r, gb_err *err);

/* S(age_days) of the fitted curve; 1 for age_days <= 0. */
double gb_retention_survival(const gb_retention *ret, double age_days);

/* The model's Dn for n = gb_retention_days[i] (i < GB_RETENTION_N_DAYS). */
double gb_retention_predict(const gb_retention *ret, int i);

/* A player's session rate (sessions per day) for a standard normal draw z. */
double gb_retention_rate(double sessions_per_day, double z);

/* The install age (days, 0 .. GB_RETENTION_AGE_MAX) of an existing player: the age
 * distribution of the players still alive after a year of steady arrivals (density ~ S). */
double gb_retention_sample_age(const gb_retention *ret, gb_rng *rng);

#endif
