#include "gb_sim_realism.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gb_games.h"
#include "gb_retention.h"
#include "gb_rhythm.h"
#include "gb_sim_session.h"
#include "gb_sim_stats.h"

#define MS_PER_DAY 86400000LL
#define MS_PER_MIN 60000.0
/* The rhythm rows compare mornings (local 06:00 .. 12:00) of weekdays and weekend days. */
#define MORNING_FROM 6
#define MORNING_TO 12
#define SATURDAY 5
/* Quantiles of the standard normal, for the starting balance distribution's percentiles. */
#define Z_P10 (-1.2815515655446004)
#define Z_P90 1.2815515655446004
#define Z_P99 2.3263478740408408
/* The reference for new players' first 14 days: the public Cookie Cats A/B-test data set (90,189
 * installs of a mobile puzzle game; rounds played in the first 14 days): 4.4 % played no round,
 * the quartiles are 5, 16 and 51 rounds (docs/simulator.md, "The realism report"). */
#define REF_NO_ROUND_14D 0.044
#define REF_ROUNDS_14D_P25 5.0
#define REF_ROUNDS_14D_P50 16.0
#define REF_ROUNDS_14D_P75 51.0

enum { NAME_MAX_LEN = 48 };

struct gb_sim_realism {
  gb_sim_model model;
  gb_rhythm rhythm;
  gb_retention retention;
  int64_t duration_ms;
  gb_sim_stats stats;
  char game_names[GB_SIM_GAMES_MAX][NAME_MAX_LEN];
};

void gb_sim_stats_add(gb_sim_stats *dst, const gb_sim_stats *src) {
  /* every member is a 64-bit count or sum: add them as an array */
  _Static_assert(sizeof(gb_sim_stats) % sizeof(uint64_t) == 0, "gb_sim_stats holds 64-bit sums");
  uint64_t *d = (uint64_t *)dst;
  const uint64_t *s = (const uint64_t *)src;
  for (size_t i = 0; i < sizeof(gb_sim_stats) / sizeof(uint64_t); i++)
    d[i] += s[i];
}

int gb_sim_realism_new(const gb_sim_config *cfg, gb_sim_realism **out, gb_err *err) {
  *out = NULL;
  gb_sim_realism *r = calloc(1, sizeof *r);
  if (!r)
    return gb_err_set(err, GB_ERR_RUNTIME, "out of memory for the realism report");
  r->model = cfg->model ? *cfg->model : gb_sim_model_defaults();
  r->duration_ms = cfg->duration_ms;
  char key[64];
  if (gb_sim_model_prepare(&r->model, &r->rhythm, &r->retention, key, sizeof key, err) != 0) {
    free(r);
    return gb_err_prefix(err, "realism: key 'sim.%s': ", key);
  }
  size_t n;
  const gb_game_model *games = gb_games(&n);
  for (size_t g = 0; g < n && g < GB_SIM_GAMES_MAX; g++)
    snprintf(r->game_names[g], NAME_MAX_LEN, "game_share_%s", games[g].name);
  *out = r;
  return 0;
}

void gb_sim_realism_free(gb_sim_realism *r) { free(r); }

void gb_sim_realism_add(gb_sim_realism *r, const gb_sim *s) { gb_sim_add_stats(s, &r->stats); }

/* ---- model targets */

/* Expected share of rounds per game: players of each favourite, weighted by how many rounds
 * they play (fans of short games fit more rounds in a session). */
static void round_shares(const gb_sim_model *m, double *share, const gb_game_model *g, size_t n) {
  double total = 0;
  for (size_t i = 0; i < n; i++)
    share[i] = 0;
  for (size_t f = 0; f < n; f++) {
    double rounds = g[f].popularity * gb_sim_session_play_rounds(m, f);
    for (size_t i = 0; i < n; i++)
      share[i] += rounds * gb_sim_session_game_share(f, i);
    total += rounds;
  }
  for (size_t i = 0; i < n; i++)
    share[i] /= total;
}

/* Sessions per active day: E[lambda] / E[1 - exp(-lambda)] over the players' rates. */
static double sessions_per_active_day_target(const gb_sim_model *m) {
  double num = 0, den = 0;
  for (double z = -4; z <= 4.0 + 1e-9; z += 0.125) {
    double w = exp(-0.5 * z * z), lambda = gb_retention_rate(m->sessions_per_day, z);
    num += w * lambda;
    den += w * -expm1(-lambda);
  }
  return num / den;
}

/* Share of session starts in local mornings on weekend (or week) days, from the rhythm. */
static double morning_share_target(const gb_rhythm *r, bool weekend) {
  double morning = 0, all = 0;
  for (int h = 0; h < GB_RHYTHM_HOURS; h++) {
    if ((h / 24 >= SATURDAY) != weekend)
      continue;
    all += r->weight[h];
    if (h % 24 >= MORNING_FROM && h % 24 < MORNING_TO)
      morning += r->weight[h];
  }
  return morning / all;
}

/* ---- measured values */

static double ratio(double num, double den) { return den > 0 ? num / den : NAN; }

/* The estimate is complete when the sessions still going at the longest length observed are
 * below this share: then the mean is known too. */
#define SURVIVAL_TAIL_MAX 0.005

/* Kaplan-Meier estimate of the session-length survival function over the 10 s bins: sessions
 * cut by the horizon leave the risk set without counting as ended. survival[b] = P(length >= the
 * end of bin b). Returns false when no session ended; *complete tells whether the estimate
 * reaches (nearly) 0 within the lengths observed. */
static bool session_survival(const gb_sim_stats *st, double *survival, bool *complete) {
  uint64_t at_risk = st->sessions_completed;
  for (int b = 0; b < GB_SIM_SESSION_BINS; b++)
    at_risk += st->session_cut[b];
  if (st->sessions_completed == 0)
    return false;
  double s = 1.0, last_seen = 1.0;
  for (int b = 0; b < GB_SIM_SESSION_BINS; b++) {
    if (at_risk > 0)
      s *= 1.0 - (double)st->session_len[b] / (double)at_risk;
    survival[b] = s;
    if (st->session_len[b] + st->session_cut[b] > 0)
      last_seen = s;
    at_risk -= st->session_len[b] + st->session_cut[b];
  }
  *complete = last_seen < SURVIVAL_TAIL_MAX;
  return true;
}

/* The length (minutes, a bin's middle) by which a share p of sessions has ended; NaN when the
 * estimate never reaches p (too few long sessions observed). */
static double session_percentile_min(const double *survival, double p) {
  for (int b = 0; b < GB_SIM_SESSION_BINS; b++)
    if (survival[b] <= 1.0 - p)
      return (b + 0.5) * GB_SIM_SESSION_BIN_MS / MS_PER_MIN;
  return NAN;
}

/* The mean length (minutes) under the estimate, up to the last bin (24 h). */
static double session_mean_min(const double *survival) {
  double mean = 0, before = 1.0;
  for (int b = 0; b < GB_SIM_SESSION_BINS; b++) { /* trapezoids over each bin */
    mean += 0.5 * (before + survival[b]) * GB_SIM_SESSION_BIN_MS;
    before = survival[b];
  }
  return mean / MS_PER_MIN;
}

static double balance_percentile(const gb_sim_stats *st, double p) {
  uint64_t total = 0;
  for (int b = 0; b < GB_SIM_BALANCE_BINS; b++)
    total += st->balance[b];
  if (total == 0)
    return NAN;
  uint64_t want = (uint64_t)ceil(p * (double)total), seen = 0;
  for (int b = 0; b < GB_SIM_BALANCE_BINS; b++) {
    seen += st->balance[b];
    if (seen >= want) { /* the middle of the bin (the last bin has no upper end: its low) */
      double low = (double)gb_sim_balance_bin_low(b);
      return b + 1 < GB_SIM_BALANCE_BINS ? 0.5 * (low + (double)gb_sim_balance_bin_low(b + 1))
                                         : low;
    }
  }
  return NAN;
}

static double morning_share(const gb_sim_stats *st, bool weekend) {
  uint64_t morning = 0, all = 0;
  for (int h = 0; h < GB_RHYTHM_HOURS; h++) {
    if ((h / 24 >= SATURDAY) != weekend)
      continue;
    all += st->starts_by_local_hour[h];
    if (h % 24 >= MORNING_FROM && h % 24 < MORNING_TO)
      morning += st->starts_by_local_hour[h];
  }
  return ratio((double)morning, (double)all);
}

static double peak_hour(const gb_sim_stats *st) {
  uint64_t by_hour[24] = {0};
  for (int h = 0; h < GB_RHYTHM_HOURS; h++)
    by_hour[h % 24] += st->starts_by_local_hour[h];
  int best = 0;
  for (int h = 1; h < 24; h++)
    if (by_hour[h] > by_hour[best])
      best = h;
  return by_hour[best] ? best : NAN;
}

/* Sum of the k largest of v[0..n). */
static double top_sum(const double *v, size_t n, size_t k) {
  double copy[GB_SIM_GAMES_MAX], sum = 0;
  memcpy(copy, v, n * sizeof *v);
  for (size_t i = 0; i < k && i < n; i++) {
    size_t best = i;
    for (size_t j = i + 1; j < n; j++)
      if (copy[j] > copy[best])
        best = j;
    double t = copy[i];
    copy[i] = copy[best];
    copy[best] = t;
    sum += copy[i];
  }
  return sum;
}

/* ---- rows */

typedef struct row_list {
  gb_sim_realism_row *rows;
  size_t cap, n;
} row_list;

static void add(row_list *l, const char *statistic, double value, double target, const char *unit,
                const char *source, const char *note) {
  if (l->n < l->cap)
    l->rows[l->n] =
        (gb_sim_realism_row){statistic, value, target, unit, source, isnan(value) ? note : NULL};
  l->n++;
}

static void retention_rows(const gb_sim_realism *r, row_list *l) {
  static const char *const names[] = {"retention_d1", "retention_d7", "retention_d14"};
  static const char *const notes[] = {"needs arrivals (sim.arrivals > 0) and sim.duration >= 2d",
                                      "needs arrivals (sim.arrivals > 0) and sim.duration >= 8d",
                                      "needs arrivals (sim.arrivals > 0) and sim.duration >= 15d"};
  const double targets[] = {r->model.retention_d1, r->model.retention_d7,
                            gb_retention_predict(&r->retention, 2)};
  for (int i = 0; i < GB_RETENTION_N_DAYS; i++)
    add(l, names[i], ratio((double)r->stats.retained[i], (double)r->stats.cohort[i]), targets[i],
        "share", i < 2 ? "workload" : "model", notes[i]);
  /* D1 counting only the players who played a round in the window */
  add(l, "retention_d1_played",
      ratio((double)r->stats.retained_played[0], (double)r->stats.cohort[0]),
      r->model.retention_d1 * gb_sim_session_played_share(&r->model), "share", "model", notes[0]);
}

/* The smallest count k such that a share p of the histogram's players have at most k. */
static double count_percentile(const uint64_t *bins, size_t n, double p) {
  uint64_t total = 0, seen = 0;
  for (size_t b = 0; b < n; b++)
    total += bins[b];
  if (total == 0)
    return NAN;
  uint64_t want = (uint64_t)ceil(p * (double)total);
  for (size_t b = 0; b < n; b++) {
    seen += bins[b];
    if (seen >= want && seen > 0)
      return (double)b;
  }
  return NAN;
}

/* New players' first 14 days against the public reference (REF_*). */
static void new_player_rows(const gb_sim_realism *r, row_list *l) {
  const uint64_t *bins = r->stats.new_player_rounds;
  uint64_t total = 0;
  for (int b = 0; b < GB_SIM_NEW_ROUNDS_BINS; b++)
    total += bins[b];
  const char *note = "needs arrivals (sim.arrivals > 0) and sim.duration >= 14d";
  add(l, "new_players_no_round_14d", ratio((double)bins[0], (double)total), REF_NO_ROUND_14D,
      "share", "reference", note);
  static const char *const names[] = {"new_player_rounds_14d_p25", "new_player_rounds_14d_p50",
                                      "new_player_rounds_14d_p75"};
  const double p[] = {0.25, 0.5, 0.75};
  const double target[] = {REF_ROUNDS_14D_P25, REF_ROUNDS_14D_P50, REF_ROUNDS_14D_P75};
  for (int i = 0; i < 3; i++)
    add(l, names[i], count_percentile(bins, GB_SIM_NEW_ROUNDS_BINS, p[i]), target[i], "count",
        "reference", note);
}

static void session_rows(const gb_sim_realism *r, row_list *l) {
  const gb_sim_stats *st = &r->stats;
  const gb_sim_model *m = &r->model;
  const char *none = "no session began and ended inside the run";
  const char *short_run = "the run is shorter than the longest sessions (about a day)";
  double *survival = malloc(GB_SIM_SESSION_BINS * sizeof *survival);
  bool complete = false;
  bool ok = survival && session_survival(st, survival, &complete);
  add(l, "session_length_p50", ok ? session_percentile_min(survival, 0.5) : NAN,
      gb_sim_session_quantile_ms(m, 0.5) / MS_PER_MIN, "min", "model", none);
  add(l, "session_length_mean", ok && complete ? session_mean_min(survival) : NAN,
      gb_sim_session_mean_ms(m) / MS_PER_MIN, "min", "model", ok ? short_run : none);
  add(l, "session_length_p90", ok ? session_percentile_min(survival, 0.9) : NAN,
      gb_sim_session_quantile_ms(m, 0.9) / MS_PER_MIN, "min", "model", ok ? short_run : none);
  /* rounds per minute of session (cut sessions included) times the estimated mean length: the
   * sessions that end inside a short run are the short ones, with few rounds */
  double rate = ratio((double)(st->rounds_sum + st->session_cut_rounds),
                      (double)(st->session_ms_sum + st->session_cut_ms_sum) / MS_PER_MIN);
  double rounds = gb_sim_session_rounds(m);
  add(l, "rounds_per_session", ok && complete ? rate * session_mean_min(survival) : NAN, rounds,
      "count", "model", ok ? short_run : none);
  free(survival);
  /* check-ins, and the rare broke player who cannot afford its first round */
  add(l, "sessions_without_round",
      ratio((double)st->rounds_per_session[0], (double)st->sessions_completed),
      GB_SIM_CHECKIN_SHARE, "share", "model", none);
  const char *day = "needs sim.duration >= 1d";
  double sessions = sessions_per_active_day_target(m);
  add(l, "sessions_per_active_day",
      ratio((double)st->sessions_in_days, (double)st->active_player_days), sessions, "count",
      "model", day);
  /* per session: app_launched, session_start, session_end, and a start and an end per round */
  add(l, "events_per_active_day", ratio((double)st->events_in_days, (double)st->active_player_days),
      sessions * (3 + 2 * rounds), "count", "model", day);
}

static void rhythm_rows(const gb_sim_realism *r, row_list *l) {
  bool day = r->duration_ms >= MS_PER_DAY, week = r->duration_ms >= 7 * MS_PER_DAY;
  add(l, "peak_hour_local", day ? peak_hour(&r->stats) : NAN, r->model.peak_hour, "hour",
      "workload", "needs sim.duration >= 1d");
  const char *note = "needs sim.duration >= 7d";
  add(l, "weekday_morning_share", week ? morning_share(&r->stats, false) : NAN,
      morning_share_target(&r->rhythm, false), "share", "model", note);
  add(l, "weekend_morning_share", week ? morning_share(&r->stats, true) : NAN,
      morning_share_target(&r->rhythm, true), "share", "model", note);
}

static void game_rows(const gb_sim_realism *r, row_list *l) {
  size_t n;
  const gb_game_model *games = gb_games(&n);
  double target[GB_SIM_GAMES_MAX], value[GB_SIM_GAMES_MAX];
  uint64_t total = 0;
  round_shares(&r->model, target, games, n);
  for (size_t g = 0; g < n; g++)
    total += r->stats.rounds[g];
  for (size_t g = 0; g < n; g++)
    value[g] = ratio((double)r->stats.rounds[g], (double)total);
  const char *none = "no round played";
  add(l, "game_share_top1", total ? top_sum(value, n, 1) : NAN, top_sum(target, n, 1), "share",
      "model", none);
  add(l, "game_share_top3", total ? top_sum(value, n, 3) : NAN, top_sum(target, n, 3), "share",
      "model", none);
  for (size_t g = 0; g < n; g++)
    add(l, r->game_names[g], value[g], target[g], "share", "model", none);
}

static void economy_rows(const gb_sim_realism *r, row_list *l) {
  const gb_sim_stats *st = &r->stats;
  double sources = (double)(st->coins_relief + st->coins_purchased + st->coins_rewarded);
  double sinks = (double)(st->coins_lost - st->coins_won);
  add(l, "coin_source_sink_ratio", ratio(sources, sinks), 1.0, "ratio", "reference",
      "no coins left the players in rounds");
  const char *none = "no player was active";
  const double p[] = {0.1, 0.5, 0.9, 0.99};
  const double z[] = {Z_P10, 0, Z_P90, Z_P99};
  static const char *const names[] = {"balance_p10", "balance_p50", "balance_p90", "balance_p99"};
  for (int i = 0; i < 4; i++)
    add(l, names[i], balance_percentile(st, p[i]),
        GB_SIM_BALANCE_MEDIAN * exp(GB_SIM_BALANCE_SIGMA * z[i]), "coins", "start", none);
}

size_t gb_sim_realism_rows(const gb_sim_realism *r, gb_sim_realism_row *rows, size_t cap) {
  row_list l = {rows, cap, 0};
  retention_rows(r, &l);
  new_player_rows(r, &l);
  session_rows(r, &l);
  rhythm_rows(r, &l);
  game_rows(r, &l);
  economy_rows(r, &l);
  return l.n;
}

void gb_sim_realism_print(const gb_sim_realism *r, FILE *out) {
  gb_sim_realism_row rows[GB_SIM_REALISM_ROWS_MAX];
  size_t n = gb_sim_realism_rows(r, rows, GB_SIM_REALISM_ROWS_MAX);
  fprintf(out, "%-30s %12s %12s  %-6s %-10s %s\n", "statistic", "value", "target", "unit", "source",
          "note");
  for (size_t i = 0; i < n && i < GB_SIM_REALISM_ROWS_MAX; i++) {
    char value[32];
    if (isnan(rows[i].value))
      snprintf(value, sizeof value, "n/a");
    else
      snprintf(value, sizeof value, "%.4g", rows[i].value);
    fprintf(out, "%-30s %12s %12.4g  %-6s %-10s %s\n", rows[i].statistic, value, rows[i].target,
            rows[i].unit, rows[i].source, rows[i].note ? rows[i].note : "");
  }
}
