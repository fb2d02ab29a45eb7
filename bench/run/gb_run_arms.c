#include "gb_run_arms.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gb_csv.h"
#include "gb_interval.h"
#include "gb_path.h"
#include "gb_run_int.h"
#include "gb_twoprop.h"

#define E9 1e9
#define MS_PER_DAY 86400000LL

gb_csv_writer *gb_run_open_csv(const char *dir, const char *name, const char *const *cols, size_t n,
                               gb_err *err) {
  char *path = gb_path_join(dir, name);
  if (!path) {
    gb_err_set(err, GB_ERR_RUNTIME, "%s: out of memory", dir);
    return NULL;
  }
  gb_csv_writer *w = NULL;
  gb_csv_writer_open(path, cols, n, &w, err); /* w stays NULL on failure */
  free(path);
  return w;
}

static double ratio(uint64_t num, uint64_t den) { return den ? (double)num / (double)den : NAN; }

/* A fixed-point sum of probabilities (units of 1e-9) over n decisions, as a mean. */
static double mean_e9(uint64_t sum_e9, uint64_t n) {
  return n ? (double)sum_e9 / E9 / (double)n : NAN;
}

/* x / ref - 1, when ref is a positive rate (NaN propagates from x). */
static double relative(double x, double ref) { return ref > 0 ? x / ref - 1 : NAN; }

/* CSV cells cannot hold infinities: an unbounded interval end is "undefined" there. */
static double finite_or_nan(double v) { return isinf(v) ? NAN : v; }

static void cells_rate(gb_csv_writer *w, uint64_t k, uint64_t n, gb_err *err) {
  gb_interval ci = gb_interval_wilson95(k, n); /* NaN (an empty cell) when n = 0 */
  gb_csv_cell_f64(w, ratio(k, n), err);
  gb_csv_cell_f64(w, ci.lo, err);
  gb_csv_cell_f64(w, ci.hi, err);
}

/* ---- comparisons with the reference arm */

size_t gb_run_arms_reference(const gb_run_arms *a) {
  for (size_t i = 0; i < a->n_arms; i++)
    if (strcmp(a->arms[i].algorithm, "random") == 0)
      return i;
  return a->n_arms;
}

gb_run_arm_lift gb_run_arms_lift(const gb_run_arms *a, size_t arm, size_t ref) {
  const gb_sim_arm_stats *x = &a->stats[arm], *r = &a->stats[ref];
  gb_run_arm_lift l = {
      .lift = relative(ratio(x->props_used, x->props_generated),
                       ratio(r->props_used, r->props_generated)),
      .ci_low = NAN,
      .ci_high = NAN,
      .p_value = NAN,
      .expected_lift =
          relative(mean_e9(x->expected_e9, x->scored), mean_e9(r->expected_e9, r->scored)),
  };
  if (arm == ref)
    return l;
  gb_interval ci = gb_twoprop_ratio(x->props_used, x->props_generated, r->props_used,
                                    r->props_generated, GB_INTERVAL_Z95);
  l.ci_low = ci.lo - 1;
  l.ci_high = finite_or_nan(ci.hi - 1);
  l.p_value =
      gb_twoprop_z_test(x->props_used, x->props_generated, r->props_used, r->props_generated, NULL);
  return l;
}

double gb_run_arms_headroom(const gb_run_arms *a) {
  size_t ref = gb_run_arms_reference(a);
  if (ref == a->n_arms)
    return NAN;
  const gb_sim_arm_stats *r = &a->stats[ref];
  return relative(mean_e9(r->oracle_e9, r->scored), mean_e9(r->expected_e9, r->scored));
}

/* ---- arms.csv */

static void comparison_cells(gb_csv_writer *w, const gb_run_arm_lift *l, double headroom,
                             gb_err *err) {
  gb_csv_cell_f64(w, l->ci_low, err);
  gb_csv_cell_f64(w, l->ci_high, err);
  gb_csv_cell_f64(w, l->p_value, err);
  gb_csv_cell_f64(w, l->expected_lift, err);
  gb_csv_cell_f64(w, headroom, err);
}

static void arm_row(gb_csv_writer *w, const gb_run_arms *a, size_t arm, size_t ref, double headroom,
                    gb_err *err) {
  const gb_sim_arm_stats *s = &a->stats[arm];
  gb_run_arm_lift l =
      ref < a->n_arms ? gb_run_arms_lift(a, arm, ref) : (gb_run_arm_lift){NAN, NAN, NAN, NAN, NAN};
  gb_csv_cell_str(w, a->arms[arm].name, err);
  gb_csv_cell_str(w, a->arms[arm].algorithm, err);
  const uint64_t counts[] = {s->players,       s->decisions,      s->props_generated,
                             s->props_shown,   s->props_used,     s->props_discarded,
                             s->props_expired, s->props_completed};
  for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++)
    gb_csv_cell_i64(w, (int64_t)counts[i], err);
  cells_rate(w, s->props_used, s->props_generated, err);
  cells_rate(w, s->props_used, s->props_shown, err);
  gb_csv_cell_f64(w, l.lift, err);
  gb_csv_cell_f64(w, mean_e9(s->expected_e9, s->scored), err);
  gb_csv_cell_f64(w, mean_e9(s->oracle_e9, s->scored), err);
  gb_csv_cell_f64(
      w, s->scored ? ((double)s->oracle_e9 - (double)s->expected_e9) / E9 / (double)s->scored : NAN,
      err);
  comparison_cells(w, &l, headroom, err);
  gb_csv_end_row(w, err);
}

/* The oracle: the best candidate of every scored decision of every arm. */
static void oracle_row(gb_csv_writer *w, const gb_run_arms *a, size_t ref, double headroom,
                       gb_err *err) {
  uint64_t players = 0, scored = 0, oracle = 0;
  for (size_t i = 0; i < a->n_arms; i++) {
    players += a->stats[i].players;
    scored += a->stats[i].scored;
    oracle += a->stats[i].oracle_e9;
  }
  gb_csv_cell_str(w, "oracle", err);
  gb_csv_cell_str(w, "oracle", err);
  gb_csv_cell_i64(w, (int64_t)players, err);
  gb_csv_cell_i64(w, (int64_t)scored, err);
  for (int i = 0; i < 6 + 3 + 3 + 1; i++) /* counts, use rate + CI, CTR + CI, lift: not observed */
    gb_csv_cell_empty(w, err);
  double best = mean_e9(oracle, scored);
  gb_csv_cell_f64(w, best, err);
  gb_csv_cell_f64(w, best, err);
  gb_csv_cell_f64(w, scored ? 0.0 : NAN, err);
  const gb_sim_arm_stats *r = ref < a->n_arms ? &a->stats[ref] : NULL;
  gb_run_arm_lift l = {.lift = NAN,
                       .ci_low = NAN,
                       .ci_high = NAN,
                       .p_value = NAN,
                       .expected_lift =
                           r ? relative(best, mean_e9(r->expected_e9, r->scored)) : NAN};
  comparison_cells(w, &l, headroom, err);
  gb_csv_end_row(w, err);
}

int gb_run_arms_write_totals(const char *dir, const gb_run_arms *a, gb_err *err) {
  static const char *const cols[] = {"arm",
                                     "algorithm",
                                     "players",
                                     "decisions",
                                     "props_generated",
                                     "props_shown",
                                     "props_used",
                                     "props_discarded",
                                     "props_expired",
                                     "props_completed",
                                     "use_rate",
                                     "use_rate_ci_low",
                                     "use_rate_ci_high",
                                     "ctr",
                                     "ctr_ci_low",
                                     "ctr_ci_high",
                                     "lift_vs_random",
                                     "expected_use_rate",
                                     "oracle_use_rate",
                                     "regret_vs_oracle",
                                     "lift_ci_low",
                                     "lift_ci_high",
                                     "lift_p_value",
                                     "expected_lift_vs_random",
                                     "headroom"};
  gb_csv_writer *w = gb_run_open_csv(dir, "arms.csv", cols, sizeof cols / sizeof cols[0], err);
  if (!w)
    return -1;
  size_t ref = gb_run_arms_reference(a);
  double headroom = gb_run_arms_headroom(a);
  for (size_t i = 0; i < a->n_arms; i++)
    arm_row(w, a, i, ref, headroom, err);
  oracle_row(w, a, ref, headroom, err);
  return gb_csv_writer_close(w, err);
}

/* ---- arms_daily.csv */

/* "2026-01-05T12:00:00Z" and "2026-01-05" of a sim time (ms since the epoch, UTC). */
static void utc_texts(int64_t ms, char *stamp, size_t stamp_cap, char *date, size_t date_cap) {
  int64_t secs = ms / 1000 - (ms % 1000 < 0);
  time_t t = (time_t)secs;
  struct tm tm;
  gmtime_r(&t, &tm);
  strftime(stamp, stamp_cap, "%Y-%m-%dT%H:%M:%SZ", &tm);
  strftime(date, date_cap, "%Y-%m-%d", &tm);
}

static void period_row(gb_csv_writer *w, const gb_run_arms *a, size_t arm, size_t period,
                       gb_err *err) {
  const gb_sim_arm_period *p = &a->periods[arm * a->n_periods + period];
  int64_t offset = (int64_t)period * a->period_ms;
  int64_t end = offset + a->period_ms < a->duration_ms ? offset + a->period_ms : a->duration_ms;
  char stamp[32], date[16];
  utc_texts(a->start_ms + offset, stamp, sizeof stamp, date, sizeof date);
  gb_csv_cell_str(w, a->arms[arm].name, err);
  gb_csv_cell_str(w, a->arms[arm].algorithm, err);
  gb_csv_cell_i64(w, (int64_t)period, err);
  gb_csv_cell_i64(w, (end - offset) / 1000, err);
  gb_csv_cell_i64(w, offset / MS_PER_DAY, err);
  gb_csv_cell_str(w, date, err);
  gb_csv_cell_str(w, stamp, err);
  const uint64_t counts[] = {p->decisions, p->scored, p->props_generated, p->props_used,
                             p->props_completed};
  for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++)
    gb_csv_cell_i64(w, (int64_t)counts[i], err);
  cells_rate(w, p->props_used, p->props_generated, err);
  gb_csv_cell_f64(w, mean_e9(p->expected_e9, p->scored), err);
  gb_csv_cell_f64(w, mean_e9(p->oracle_e9, p->scored), err);
  gb_csv_end_row(w, err);
}

int gb_run_arms_write_daily(const char *dir, const gb_run_arms *a, gb_err *err) {
  static const char *const cols[] = {"arm",
                                     "algorithm",
                                     "period",
                                     "period_s",
                                     "day",
                                     "date",
                                     "start_utc",
                                     "decisions",
                                     "scored",
                                     "props_generated",
                                     "props_used",
                                     "props_completed",
                                     "use_rate",
                                     "use_rate_ci_low",
                                     "use_rate_ci_high",
                                     "expected_use_rate",
                                     "oracle_use_rate"};
  gb_csv_writer *w =
      gb_run_open_csv(dir, "arms_daily.csv", cols, sizeof cols / sizeof cols[0], err);
  if (!w)
    return -1;
  for (size_t arm = 0; arm < a->n_arms; arm++)
    for (size_t p = 0; p < a->n_periods; p++)
      period_row(w, a, arm, p, err);
  return gb_csv_writer_close(w, err);
}

/* ---- challenges.csv */

static void challenge_row(gb_csv_writer *w, const gb_run_arms *a, size_t arm, size_t slot,
                          gb_err *err) {
  const gb_sim_arm_challenge *c = &a->challenges[arm * a->n_challenge_slots + slot];
  bool known = slot + 1 < a->n_challenge_slots && a->catalog;
  const gb_challenge *def = known ? gb_catalog_at(a->catalog, slot) : NULL;
  gb_csv_cell_str(w, a->arms[arm].name, err);
  gb_csv_cell_str(w, a->arms[arm].algorithm, err);
  gb_csv_cell_str(w, def ? def->id : "", err);
  gb_csv_cell_str(w, def && def->game ? def->game : "", err);
  if (def) {
    gb_csv_cell_f64(w, def->difficulty, err);
    gb_csv_cell_i64(w, def->reward_coins, err);
  } else {
    gb_csv_cell_empty(w, err);
    gb_csv_cell_empty(w, err);
  }
  gb_csv_cell_i64(w, (int64_t)c->props_generated, err);
  gb_csv_cell_f64(w, ratio(c->props_generated, a->stats[arm].props_generated), err);
  gb_csv_cell_i64(w, (int64_t)c->props_used, err);
  gb_csv_cell_i64(w, (int64_t)c->props_completed, err);
  cells_rate(w, c->props_used, c->props_generated, err);
  /* Beyond the simulator's catalogue the ground truth is not known (scored as 0): not a mean. */
  gb_csv_cell_f64(w, def ? mean_e9(c->chosen_e9, c->props_generated) : NAN, err);
  gb_csv_end_row(w, err);
}

int gb_run_arms_write_challenges(const char *dir, const gb_run_arms *a, gb_err *err) {
  static const char *const cols[] = {"arm",
                                     "algorithm",
                                     "challenge",
                                     "game",
                                     "difficulty",
                                     "reward_coins",
                                     "props_generated",
                                     "props_share",
                                     "props_used",
                                     "props_completed",
                                     "use_rate",
                                     "use_rate_ci_low",
                                     "use_rate_ci_high",
                                     "mean_use_probability"};
  gb_csv_writer *w =
      gb_run_open_csv(dir, "challenges.csv", cols, sizeof cols / sizeof cols[0], err);
  if (!w)
    return -1;
  size_t last = a->n_challenge_slots - 1;
  for (size_t arm = 0; arm < a->n_arms; arm++) {
    for (size_t slot = 0; slot < last; slot++)
      challenge_row(w, a, arm, slot, err);
    if (a->challenges[arm * a->n_challenge_slots + last].props_generated > 0)
      challenge_row(w, a, arm, last, err);
  }
  return gb_csv_writer_close(w, err);
}

int gb_run_arms_write(const char *dir, const gb_run_arms *a, gb_err *err) {
  if (gb_run_arms_write_totals(dir, a, err) != 0 || gb_run_arms_write_daily(dir, a, err) != 0 ||
      gb_run_arms_write_challenges(dir, a, err) != 0)
    return -1;
  return 0;
}
