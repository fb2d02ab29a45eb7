#include "gb_sim_session.h"

#include <math.h>

#include "gb_games.h"
#include "gb_retention.h"
#include "gb_sim_stats.h"

#define REST_SHARE (1.0 - GB_SIM_FAVOURITE_SHARE - GB_SIM_SECOND_SHARE)
#define END_DELAY_MS 1000.0 /* session_end follows the last round's end (gb_sim_int.h) */
/* Terms of the rounds sum below this are dropped. */
#define SERIES_EPSILON 1e-12
#define SERIES_MAX_TERMS 1000000
/* The mean's integral runs in steps of this many ms until the first round has surely ended. */
#define INTEGRAL_STEP_MS 2000.0
#define FIRST_ROUND_TAIL 1e-12
#define QUANTILE_ITERATIONS 100

double gb_sim_session_game_share(size_t f, size_t g) {
  size_t n;
  const gb_game_model *games = gb_games(&n);
  double pf = games[f].popularity, pg = games[g].popularity;
  return (g == f ? GB_SIM_FAVOURITE_SHARE : GB_SIM_SECOND_SHARE * pg / (1.0 - pf)) +
         REST_SHARE * pg;
}

static double weibull_survival(const gb_sim_model *m, double ms) {
  return exp(-pow(ms / (double)m->session_scale_ms, m->session_shape));
}

double gb_sim_session_play_rounds(const gb_sim_model *m, size_t f) {
  size_t n;
  const gb_game_model *g = gb_games(&n);
  double round_s = 0;
  for (size_t h = 0; h < n; h++)
    round_s += gb_sim_session_game_share(f, h) * g[h].round_mean_s;
  double think_ms = GB_SIM_THINK_MEAN_S * 1000;
  double first = think_ms + 1000 * g[f].round_mean_s, cycle = 1000 * round_s + think_ms;
  double sum = 1; /* the first round is always played */
  for (int k = 1; k < SERIES_MAX_TERMS; k++) {
    double term = weibull_survival(m, first + k * cycle);
    sum += term;
    if (term < SERIES_EPSILON)
      break;
  }
  return sum;
}

double gb_sim_session_rounds(const gb_sim_model *m) {
  size_t n;
  const gb_game_model *g = gb_games(&n);
  double total = 0;
  for (size_t f = 0; f < n; f++)
    total += g[f].popularity * gb_sim_session_play_rounds(m, f);
  return (1 - GB_SIM_CHECKIN_SHARE) * total;
}

/* P(pause + round of game g + 1 s <= ms): the pause is exponential (mean think), the round half
 * its mean plus an exponential with the other half as mean (gb_games_round_seconds). */
static double first_round_done(const gb_game_model *g, double ms) {
  double y = ms - END_DELAY_MS - 500.0 * g->round_mean_s;
  if (y <= 0)
    return 0;
  double a = GB_SIM_THINK_MEAN_S * 1000, b = 500.0 * g->round_mean_s;
  if (fabs(a - b) < 1e-9 * b)
    return 1 - exp(-y / a) * (1 + y / a);
  return 1 - (b * exp(-y / b) - a * exp(-y / a)) / (b - a);
}

/* The share of first rounds that are of each game: over favourites, by the game mix. */
static void first_round_games(double *w) {
  size_t n;
  const gb_game_model *g = gb_games(&n);
  for (size_t h = 0; h < n; h++) {
    w[h] = 0;
    for (size_t f = 0; f < n; f++)
      w[h] += g[f].popularity * gb_sim_session_game_share(f, h);
  }
}

/* F_T(ms): the first round has ended, given first_round_games' shares w. */
static double first_round_cdf(const double *w, double ms) {
  size_t n;
  const gb_game_model *g = gb_games(&n);
  double total = 0;
  for (size_t h = 0; h < n; h++)
    total += w[h] * first_round_done(&g[h], ms);
  return total;
}

double gb_sim_session_survival(const gb_sim_model *m, double ms) {
  double checkin = exp(-ms / (GB_SIM_CHECKIN_MEAN_S * 1000));
  double w[GB_SIM_GAMES_MAX];
  first_round_games(w);
  double play = 1 - (1 - weibull_survival(m, ms)) * first_round_cdf(w, ms);
  return GB_SIM_CHECKIN_SHARE * checkin + (1 - GB_SIM_CHECKIN_SHARE) * play;
}

double gb_sim_session_quantile_ms(const gb_sim_model *m, double p) {
  double lo = 0, hi = 1000;
  while (gb_sim_session_survival(m, hi) > 1 - p && hi < 1e15)
    hi *= 2;
  for (int i = 0; i < QUANTILE_ITERATIONS && hi - lo > 1e-3; i++) {
    double mid = 0.5 * (lo + hi);
    if (gb_sim_session_survival(m, mid) > 1 - p)
      lo = mid;
    else
      hi = mid;
  }
  return 0.5 * (lo + hi);
}

double gb_sim_session_mean_ms(const gb_sim_model *m) {
  double weibull_mean = (double)m->session_scale_ms * tgamma(1.0 + 1.0 / m->session_shape);
  /* E[max(L, T)] = E[L] + integral of P(L <= x < T) dx (trapezoids; the integrand vanishes at 0
   * and once the first round has surely ended) */
  double w[GB_SIM_GAMES_MAX], extra = 0;
  first_round_games(w);
  for (double x = INTEGRAL_STEP_MS;; x += INTEGRAL_STEP_MS) {
    double late = 1 - first_round_cdf(w, x);
    extra += (1 - weibull_survival(m, x)) * late * INTEGRAL_STEP_MS;
    if (late < FIRST_ROUND_TAIL)
      break;
  }
  return GB_SIM_CHECKIN_SHARE * GB_SIM_CHECKIN_MEAN_S * 1000 +
         (1 - GB_SIM_CHECKIN_SHARE) * (weibull_mean + extra);
}

double gb_sim_session_played_share(const gb_sim_model *m) {
  double played = 0, active = 0;
  for (double z = -4; z <= 4.0 + 1e-9; z += 0.125) { /* quadrature over the normal Z */
    double w = exp(-0.5 * z * z), lambda = gb_retention_rate(m->sessions_per_day, z);
    played += w * -expm1(-(1 - GB_SIM_CHECKIN_SHARE) * lambda);
    active += w * -expm1(-lambda);
  }
  return played / active;
}
