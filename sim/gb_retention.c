#include "gb_retention.h"

#include <math.h>
#include <string.h>

const int gb_retention_days[GB_RETENTION_N_DAYS] = {1, 7, 14};

/* Quadrature of the rate's log-normal: z on [-Z_MAX, Z_MAX] in steps of Z_STEP, weighted by the
 * normal density (beyond 4 sigma lies 6e-5 of the mass, renormalised away). */
#define Z_MAX 4.0
#define Z_STEP 0.25
/* Install phases: half-hours of the week. */
#define PHASES (2 * GB_RHYTHM_HOURS)
/* Bisection steps: 2^-64 of the bracket, far below what the simulation can resolve. */
#define BISECT_STEPS 64
/* Brackets of the fit, in log space: alpha 1e-3 .. 1e3; tau from e^-700 days (a tiny alpha
 * needs a tiny tau to lose players on day 1 at all) to e^40 (nobody churns). */
#define LOG_TAU_MIN (-700.0)
#define LOG_TAU_MAX 40.0
#define LOG_ALPHA_MIN (-6.9)
#define LOG_ALPHA_MAX 6.9

double gb_retention_rate(double sessions_per_day, double z) {
  /* mean-preserving: E[exp(sigma Z - sigma^2 / 2)] = 1 */
  return sessions_per_day *
         exp(GB_RETENTION_RATE_SIGMA * z - 0.5 * GB_RETENTION_RATE_SIGMA * GB_RETENTION_RATE_SIGMA);
}

double gb_retention_survival(const gb_retention *ret, double age_days) {
  if (age_days <= 0)
    return 1.0;
  return pow(1.0 + age_days / ret->tau_days, -ret->alpha);
}

static double predict(const gb_retention *ret, int i) {
  double d = 0;
  for (int k = 0; k < GB_RETENTION_BINS; k++)
    d += ret->q[i][k] *
         gb_retention_survival(ret, gb_retention_days[i] + (k + 0.5) / GB_RETENTION_BINS);
  return d;
}

double gb_retention_predict(const gb_retention *ret, int i) { return predict(ret, i); }

/* Q_n[k] for one rate, accumulated with weight w. stay[h] = exp(-expected sessions in a
 * half-hour of local hour-of-week h): the chance of no session start in it. */
static void add_first_session_bins(gb_retention *ret, const gb_rhythm *r, const double *stay,
                                   double w) {
  for (int phase = 0; phase < PHASES; phase++) {
    double wp = w * r->weight[phase / 2]; /* installs follow the rhythm too */
    for (int i = 0; i < GB_RETENTION_N_DAYS; i++) {
      int start = phase + gb_retention_days[i] * 2 * 24;
      double none_yet = 1.0;
      for (int k = 0; k < GB_RETENTION_BINS; k++) {
        double s = stay[((start + k) % PHASES) / 2];
        ret->q[i][k] += wp * none_yet * (1.0 - s);
        none_yet *= s;
      }
    }
  }
}

static void first_session_bins(gb_retention *ret, double sessions_per_day, const gb_rhythm *r) {
  memset(ret->q, 0, sizeof ret->q);
  double total = 0;
  for (double z = -Z_MAX; z <= Z_MAX + 1e-9; z += Z_STEP) {
    double wz = exp(-0.5 * z * z);
    double lambda = gb_retention_rate(sessions_per_day, z);
    double stay[GB_RHYTHM_HOURS];
    for (int h = 0; h < GB_RHYTHM_HOURS; h++)
      stay[h] = exp(-lambda * r->weight[h] / GB_RETENTION_BINS);
    add_first_session_bins(ret, r, stay, wz);
    for (int phase = 0; phase < PHASES; phase++)
      total += wz * r->weight[phase / 2];
  }
  for (int i = 0; i < GB_RETENTION_N_DAYS; i++) {
    ret->activity[i] = 0;
    for (int k = 0; k < GB_RETENTION_BINS; k++) {
      ret->q[i][k] /= total;
      ret->activity[i] += ret->q[i][k];
    }
  }
}

/* tau (for this alpha) at which D1 = d1; D1 grows with tau. */
static void fit_tau(gb_retention *ret, double d1) {
  double lo = LOG_TAU_MIN, hi = LOG_TAU_MAX;
  for (int step = 0; step < BISECT_STEPS; step++) {
    ret->tau_days = exp(0.5 * (lo + hi));
    if (predict(ret, 0) < d1)
      lo = 0.5 * (lo + hi);
    else
      hi = 0.5 * (lo + hi);
  }
  ret->tau_days = exp(0.5 * (lo + hi));
}

/* D7 when alpha = exp(log_alpha) and tau is fitted to d1. */
static double d7_at(gb_retention *ret, double log_alpha, double d1) {
  ret->alpha = exp(log_alpha);
  fit_tau(ret, d1);
  return predict(ret, 1);
}

int gb_retention_fit(gb_retention *out, double d1, double d7, double sessions_per_day,
                     const gb_rhythm *r, gb_err *err) {
  memset(out, 0, sizeof *out);
  out->sessions_per_day = sessions_per_day;
  if (!(d1 > 0 && d1 < 1))
    return gb_err_set(err, GB_ERR_INPUT, "retention.d1: %g is out of range (0 < d1 < 1)", d1);
  if (!(d7 > 0 && d7 < d1))
    return gb_err_set(err, GB_ERR_INPUT, "retention.d7: %g is out of range (0 < d7 < d1 = %g)", d7,
                      d1);
  first_session_bins(out, sessions_per_day, r);
  /* D1 can approach but not reach the no-churn activity; keep 0.1 % of it as margin */
  if (d1 >= 0.999 * out->activity[0])
    return gb_err_set(err, GB_ERR_INPUT,
                      "retention.d1: %g is above what sessions_per_day %g allows (%.3f: the share "
                      "of players who start a session on a given day when nobody churns)",
                      d1, sessions_per_day, 0.999 * out->activity[0]);
  double hi_d7 = d7_at(out, LOG_ALPHA_MIN, d1); /* heaviest tail: the most D7 for this D1 */
  double lo_d7 = d7_at(out, LOG_ALPHA_MAX, d1); /* nearly exponential: the least */
  if (d7 >= hi_d7 || d7 <= lo_d7)
    return gb_err_set(err, GB_ERR_INPUT,
                      "retention.d7: %g cannot be reached with retention.d1 %g and "
                      "sessions_per_day %g (reachable: %.3f .. %.3f)",
                      d7, d1, sessions_per_day, lo_d7, hi_d7);
  double lo = LOG_ALPHA_MIN, hi = LOG_ALPHA_MAX;
  for (int step = 0; step < BISECT_STEPS; step++) {
    if (d7_at(out, 0.5 * (lo + hi), d1) > d7)
      lo = 0.5 * (lo + hi);
    else
      hi = 0.5 * (lo + hi);
  }
  d7_at(out, 0.5 * (lo + hi), d1);
  return 0;
}

/* The integral of S from 0 to a, and its inverse. */
static double integral_s(const gb_retention *ret, double a) {
  double t = ret->tau_days, one_minus = 1.0 - ret->alpha;
  if (fabs(one_minus) < 1e-9)
    return t * log1p(a / t);
  return t / one_minus * (pow(1.0 + a / t, one_minus) - 1.0);
}

static double inverse_integral_s(const gb_retention *ret, double v) {
  double t = ret->tau_days, one_minus = 1.0 - ret->alpha;
  if (fabs(one_minus) < 1e-9)
    return t * expm1(v / t);
  return t * (pow(1.0 + one_minus * v / t, 1.0 / one_minus) - 1.0);
}

double gb_retention_sample_age(const gb_retention *ret, gb_rng *rng) {
  double a = inverse_integral_s(ret, gb_rng_uniform(rng) * integral_s(ret, GB_RETENTION_AGE_MAX));
  return fmin(fmax(a, 0.0), (double)GB_RETENTION_AGE_MAX);
}
