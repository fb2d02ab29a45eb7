/* gb_sim: setting the simulator up (gb_sim_new: the model, the tables, the players' records on
 * huge pages, the calendar), freeing it, and its counters and stats (gb_sim_int.h lists the
 * other files). */
#include "gb_sim_int.h"
#include "gb_sim_session.h"

#include "gb_records.h"

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const platforms[PLATFORMS] = {"android", "ios", "pc"};

static int setup(gb_sim *s, const gb_sim_config *cfg, gb_err *err) {
  s->cfg = *cfg;
  s->cfg.model = NULL; /* the copy below is the one used */
  s->model = cfg->model ? *cfg->model : gb_sim_model_defaults();
  char key[64];
  if (gb_sim_model_prepare(&s->model, &s->rhythm, &s->retention, key, sizeof key, err) != 0)
    return gb_err_prefix(err, "sim: key 'sim.%s': ", key);
  s->horizon_ms = cfg->start_ms + cfg->duration_ms;
  s->complete_days = cfg->duration_ms / MS_PER_DAY;
  s->period_ms = gb_sim_period_ms(cfg->duration_ms);
  s->n_periods = gb_sim_periods(cfg->duration_ms);
  s->n_challenge_slots = gb_sim_challenge_slots(cfg->catalog);
  s->games = gb_games(&s->n_games);
  s->rooms = gb_rooms(&s->n_rooms);
  s->packs = gb_coin_packs(&s->n_packs);
  s->economy = gb_games_economy();
  s->countries = gb_countries(&s->n_countries);
  for (size_t g = 0; g < s->n_games; g++)
    s->popularity[g] = s->games[g].popularity;
  for (size_t i = 0; i < s->n_countries && i < COUNTRIES_MAX; i++) {
    s->country_share[i] = s->countries[i].share;
    snprintf(s->country_codes[i], sizeof s->country_codes[i], "%s", s->countries[i].code);
  }
  /* (the names are the static tables' and fit; the rest of each buffer stays zero from calloc) */
  for (size_t g = 0; g < s->n_games && g < GB_SIM_GAMES_MAX; g++)
    snprintf(s->game_names[g], sizeof s->game_names[g], "%s", s->games[g].name);
  for (size_t r = 0; r < s->n_rooms && r < ROOMS_MAX; r++)
    snprintf(s->room_names[r], sizeof s->room_names[r], "%s", s->rooms[r].name);
  for (int i = 0; i < PLATFORMS; i++)
    snprintf(s->platform_names[i], sizeof s->platform_names[i], "%s", platforms[i]);
  s->day = -1;
  s->session_mean_days = gb_sim_session_mean_ms(&s->model) / (double)MS_PER_DAY;
  gb_sim_table_skills(s);
  return 0;
}

int gb_sim_new(const gb_sim_config *cfg, gb_sim **out, gb_err *err) {
  *out = NULL;
  if (cfg->n_producers == 0 || cfg->producer >= cfg->n_producers)
    return gb_err_set(err, GB_ERR_INPUT, "sim: producer %u of %u", cfg->producer, cfg->n_producers);
  if (cfg->duration_ms <= 0)
    return gb_err_set(err, GB_ERR_INPUT, "sim: duration must be > 0");
  uint64_t population = gb_sim_population(cfg->players, cfg->duration_ms, cfg->model);
  if (population > GB_SIM_POPULATION_MAX)
    return gb_err_set(err, GB_ERR_INPUT,
                      "sim: %llu players (the initial ones plus arrivals over the duration) exceed "
                      "the maximum of %llu",
                      (unsigned long long)population, (unsigned long long)GB_SIM_POPULATION_MAX);
  gb_sim *s = calloc(1, sizeof *s);
  if (!s)
    return gb_err_set(err, GB_ERR_RUNTIME, "out of memory for the simulator");
  if (setup(s, cfg, err) != 0) {
    free(s);
    return -1;
  }
  uint32_t n =
      (uint32_t)(population / cfg->n_producers + (cfg->producer < population % cfg->n_producers));
  s->n_players = n;
  s->players = gb_records_alloc((n ? n : 1) * sizeof *s->players);
  s->arms = calloc(cfg->n_arms ? cfg->n_arms : 1, sizeof *s->arms);
  size_t arms = cfg->n_arms ? cfg->n_arms : 1;
  s->arm_periods = calloc(arms * s->n_periods, sizeof *s->arm_periods);
  s->arm_challenges = calloc(arms * s->n_challenge_slots, sizeof *s->arm_challenges);
  if (cfg->truth_arms && gb_sim_truth_new(0, &s->truth, err) != 0) {
    gb_sim_free(s);
    return -1;
  }
  if (!s->players || !s->arms || !s->arm_periods || !s->arm_challenges ||
      gb_timeq_new(n, cfg->start_ms, GB_TIMEQ_BUCKET_MS, s->players, sizeof *s->players,
                   sizeof *s->players, &s->queue, NULL) != 0) {
    gb_sim_free(s);
    return gb_err_set(err, GB_ERR_RUNTIME, "out of memory for %u players", n);
  }
  for (uint32_t i = 0; i < n; i++) {
    uint64_t k = (uint64_t)i * cfg->n_producers + cfg->producer;
    gb_sim_init_player(s, &s->players[i], (uint32_t)(k + 1));
    if (cfg->n_arms)
      s->arms[s->players[i].arm].players++;
    schedule(s, i);
  }
  *out = s;
  return 0;
}

void gb_sim_free(gb_sim *s) {
  if (!s)
    return;
  free(s->players);
  gb_timeq_free(s->queue);
  free(s->arms);
  free(s->arm_periods);
  free(s->arm_challenges);
  gb_sim_truth_free(s->truth);
  free(s);
}

/* ---- counters and stats */

uint64_t gb_sim_waiting(const gb_sim *s) { return s->waiting; }

uint64_t gb_sim_events(const gb_sim *s) { return s->events; }

uint64_t gb_sim_events_of_type(const gb_sim *s, gb_event_type type) {
  return (unsigned)type < GB_EV__COUNT ? s->type_counts[type] : 0;
}

uint64_t gb_sim_unexpected_answers(const gb_sim *s) { return s->unexpected_answers; }

const gb_sim_truth *gb_sim_truth_log(const gb_sim *s) { return s->truth; }

void gb_sim_add_arm_stats(const gb_sim *s, gb_sim_arm_stats *out) {
  for (size_t a = 0; a < s->cfg.n_arms; a++) {
    const gb_sim_arm_stats *in = &s->arms[a];
    gb_sim_arm_stats *o = &out[a];
    o->players += in->players;
    o->decisions += in->decisions;
    o->decided += in->decided;
    o->suppressed += in->suppressed;
    o->no_candidates += in->no_candidates;
    o->props_generated += in->props_generated;
    o->props_shown += in->props_shown;
    o->props_used += in->props_used;
    o->props_discarded += in->props_discarded;
    o->props_expired += in->props_expired;
    o->props_completed += in->props_completed;
    o->props_failed += in->props_failed;
    o->scored += in->scored;
    o->expected_e9 += in->expected_e9;
    o->oracle_e9 += in->oracle_e9;
    o->chosen_e9 += in->chosen_e9;
  }
}

/* Periods of the per-arm series: enough of them to draw a line through (a 2-hour run would have
 * 2 hourly points, a 1-day run 1 daily one), each long enough to hold a measurable share of an
 * arm's props. */
#define MS_PER_HOUR 3600000LL
#define MINUTES_BELOW_MS (6 * MS_PER_HOUR) /* 10-minute periods below 6 h: at most 36 */
#define HOURS_BELOW_MS (2 * MS_PER_DAY)    /* hourly below 2 days: at most 48 */

int64_t gb_sim_period_ms(int64_t duration_ms) {
  return duration_ms < MINUTES_BELOW_MS ? 10 * 60000LL
         : duration_ms < HOURS_BELOW_MS ? MS_PER_HOUR
                                        : MS_PER_DAY;
}

size_t gb_sim_periods(int64_t duration_ms) {
  int64_t period = gb_sim_period_ms(duration_ms);
  return duration_ms > 0 ? (size_t)((duration_ms + period - 1) / period) : 1;
}

size_t gb_sim_challenge_slots(const gb_catalog *catalog) {
  return (catalog ? gb_catalog_size(catalog) : 0) + 1;
}

void gb_sim_add_arm_periods(const gb_sim *s, gb_sim_arm_period *out) {
  for (size_t i = 0; i < s->cfg.n_arms * s->n_periods; i++) {
    const gb_sim_arm_period *in = &s->arm_periods[i];
    gb_sim_arm_period *o = &out[i];
    o->decisions += in->decisions;
    o->scored += in->scored;
    o->props_generated += in->props_generated;
    o->props_used += in->props_used;
    o->props_completed += in->props_completed;
    o->expected_e9 += in->expected_e9;
    o->oracle_e9 += in->oracle_e9;
  }
}

void gb_sim_add_arm_challenges(const gb_sim *s, gb_sim_arm_challenge *out) {
  for (size_t i = 0; i < s->cfg.n_arms * s->n_challenge_slots; i++) {
    const gb_sim_arm_challenge *in = &s->arm_challenges[i];
    gb_sim_arm_challenge *o = &out[i];
    o->props_generated += in->props_generated;
    o->props_used += in->props_used;
    o->props_completed += in->props_completed;
    o->chosen_e9 += in->chosen_e9;
  }
}

void gb_sim_add_stats(const gb_sim *s, gb_sim_stats *out) {
  gb_sim_stats_add(out, &s->stats);
  for (uint32_t i = 0; i < s->n_players; i++) {
    const player *p = &s->players[i];
    if (p->in_session && !p->censored) { /* cut by the horizon: censored at its length so far */
      int64_t bin = (s->horizon_ms - p->session_start_ts) / GB_SIM_SESSION_BIN_MS;
      out->session_cut[bin < GB_SIM_SESSION_BINS ? bin : GB_SIM_SESSION_BINS - 1]++;
      out->session_cut_ms_sum += (uint64_t)(s->horizon_ms - p->session_start_ts);
      out->session_cut_rounds += p->rounds_in_session;
    }
    if (p->active && p->id <= s->cfg.players) /* arrivals start elsewhere: see the report */
      out->balance[gb_sim_balance_bin(p->coin_balance)]++;
    if (p->id > s->cfg.players &&
        p->install_ts + GB_SIM_NEW_PLAYER_DAYS * MS_PER_DAY <= s->horizon_ms)
      out->new_player_rounds[p->new_rounds < GB_SIM_NEW_ROUNDS_BINS ? p->new_rounds
                                                                    : GB_SIM_NEW_ROUNDS_BINS - 1]++;
  }
}
