/* The population: each player's traits, past (a player present at the start) or arrival, drawn
 * from the player's own stream (its size is gb_sim_population, in gb_sim_model.c). */
#include "gb_sim_int.h"

#include <math.h>
#include <string.h>

static const double platform_share[] = {0.6, 0.3, 0.1};

/* ---- population */

/* The rate of the pauses between sessions that makes a player start `sessions` sessions per day
 * on average: a cycle is a pause (mean 1 / rate) plus a session (mean S), so rate = sessions /
 * (1 - sessions x S). A player who would be in session more than 90 % of the time is capped. */
static double gap_rate(const gb_sim *s, double sessions) {
  double busy = fmin(sessions * s->session_mean_days, BUSY_SHARE_MAX);
  return sessions / (1.0 - busy);
}

/* Traits every player draws first, in this order, from its own stream. */
static void draw_traits(gb_sim *s, player *p) {
  p->favourite = pick_by_popularity(s, &p->rng);
  do
    p->second = pick_by_popularity(s, &p->rng);
  while (p->second == p->favourite);
  double mean_skill = SKILL_MEAN_LOW + SKILL_MEAN_SPAN * gb_rng_uniform(&p->rng);
  for (size_t g = 0; g < s->n_games; g++)
    set_skill(p, g, mean_skill + SKILL_SPREAD * (gb_rng_uniform(&p->rng) - 0.5));
  set_skill(p, p->favourite, skill_of(p, p->favourite) + FAVOURITE_SKILL_BONUS);
  p->risk = (float)gb_rng_uniform(&p->rng);
  bool payer = gb_rng_uniform(&p->rng) < s->model.payer_share;
  double u = gb_rng_uniform(&p->rng);
  p->spend = payer ? (float)fmin(1.0, PAYER_SPEND_MIN / pow(1.0 - u, 1.0 / PAYER_SPEND_TAIL)) : 0;
  p->platform = (uint8_t)pick_weighted(&p->rng, platform_share, 3);
  p->country = (uint8_t)pick_weighted(&p->rng, s->country_share, s->n_countries);
  double chronotype = fmax(-CHRONOTYPE_MAX_MIN,
                           fmin(CHRONOTYPE_MAX_MIN, CHRONOTYPE_SD_MIN * gb_rng_normal(&p->rng)));
  p->rhythm_offset_min =
      (int16_t)(s->countries[p->country].utc_offset_min + (int32_t)lround(chronotype));
  p->rate =
      (float)gap_rate(s, gb_retention_rate(s->model.sessions_per_day, gb_rng_normal(&p->rng)));
}

/* A player present at the start: installed some time ago, with the balance and XP of its past,
 * and possibly in the middle of a session. */
static void init_existing(gb_sim *s, player *p) {
  double age_days = gb_retention_sample_age(&s->retention, &p->rng);
  p->install_ts = s->cfg.start_ms - (int64_t)(age_days * (double)MS_PER_DAY);
  p->coin_balance =
      (int64_t)(GB_SIM_BALANCE_MEDIAN * exp(GB_SIM_BALANCE_SIGMA * gb_rng_normal(&p->rng)));
  p->xp = (int64_t)(age_days * p->rate * PRIOR_ROUNDS_PER_SESSION *
                    (double)(s->economy->xp_per_game) * 2 * gb_rng_uniform(&p->rng));
  p->level = gb_games_level(p->xp);
  int64_t start = s->cfg.start_ms;
  int64_t t =
      gb_rhythm_next(&s->rhythm, &p->rng, start - WARM_START_MS, p->rhythm_offset_min, p->rate);
  while (t < start) {
    int64_t end = t + GB_SIM_LAUNCH_TO_SESSION_MS + session_length_ms(s, p);
    if (end > start) { /* in progress at the start: it shows from the start on */
      p->preset_end = true;
      p->censored = true;
      p->session_end_ts = end;
      t = start;
      break;
    }
    t = gb_rhythm_next(&s->rhythm, &p->rng, end, p->rhythm_offset_min, p->rate);
  }
  p->next_ts = t;
}

/* A player who arrives during the run: its install is its first session. */
static void init_arrival(gb_sim *s, player *p) {
  p->install_ts = gb_rhythm_sample_between(&s->rhythm, &p->rng, s->cfg.start_ms, s->horizon_ms,
                                           p->rhythm_offset_min);
  p->coin_balance = s->economy->starting_coins;
  p->level = 1;
  p->next_ts = p->install_ts;
  for (int i = 0; i < GB_RETENTION_N_DAYS; i++)
    if (p->install_ts + (gb_retention_days[i] + 1) * MS_PER_DAY <= s->horizon_ms)
      s->stats.cohort[i]++;
  s->stats.players_arrived++;
}

void gb_sim_init_player(gb_sim *s, player *p, uint32_t id) {
  memset(p, 0, sizeof *p);
  p->id = id;
  gb_rng_seed(&p->rng, s->cfg.seed, id);
  draw_traits(s, p);
  if (id <= s->cfg.players) {
    init_existing(s, p);
    s->stats.players_initial++;
  } else {
    init_arrival(s, p);
  }
  p->next_action = ACT_LAUNCH;
  p->prop_challenge = GB_NO_PROP;
  p->relief_day = INT32_MIN;
  p->arm = s->cfg.arms ? gb_arms_of(s->cfg.arms, id) : 0;
}

/* ---- the tables */

/* The mean skill of the players of a round of each game: the population's mean (0.5) plus the
 * favourite's bonus times the share of the game's rounds that its fans play. Wins are decided
 * relative to it, so that rounds are fair on average and the rake is the economy's sink. */
void gb_sim_table_skills(gb_sim *s) {
  double rest = 1.0 - GB_SIM_FAVOURITE_SHARE - GB_SIM_SECOND_SHARE;
  for (size_t g = 0; g < s->n_games; g++) {
    double pg = s->popularity[g], second = 0;
    for (size_t h = 0; h < s->n_games; h++)
      if (h != g)
        second += s->popularity[h] * pg / (1.0 - s->popularity[h]);
    double rounds = GB_SIM_FAVOURITE_SHARE * pg + GB_SIM_SECOND_SHARE * second + rest * pg;
    s->table_skill[g] = 0.5 + FAVOURITE_SKILL_BONUS * GB_SIM_FAVOURITE_SHARE * pg / rounds;
  }
}
