/* gb_sim_answers: the engine's answers to the players (gb_sim_on_decision): outcomes, new props,
 * and each decision scored against the ground truth, counted per arm, per period of sim time and
 * per challenge; and the response model that gives a player's probability of using a prop, for
 * the player and for that score. */
#include "gb_sim_int.h"

#include <math.h>
#include <string.h>

#include "gb_prefetch.h"

/* ---- the response model */

static void remember(int64_t *times, int n, int64_t t) {
  memmove(times + 1, times, (size_t)(n - 1) * sizeof *times);
  times[0] = t;
}

/* What the response model reads of a player at a time, whatever the challenge. */
typedef struct player_view {
  double mean_skill; /* over the platform's games: for challenges of any game */
  int recent_props;  /* props received in the last FATIGUE_WINDOW_MS */
} player_view;

static player_view view_of(const gb_sim *s, const player *p, int64_t now) {
  double mean_skill = 0;
  for (size_t i = 0; i < s->n_games; i++)
    mean_skill += skill_of(p, i);
  mean_skill /= (double)s->n_games;
  return (player_view){
      .mean_skill = mean_skill,
      .recent_props = count_recent(p->recent_props, FATIGUE_SLOTS, now, FATIGUE_WINDOW_MS),
  };
}

static double use_probability_seen(const gb_sim *s, const player *p, const player_view *v,
                                   const gb_challenge *c) {
  int g = c->game ? gb_games_find(c->game) : -1;
  double affinity = !c->game                 ? AFFINITY_ANY_GAME
                    : g == (int)p->favourite ? AFFINITY_FAVOURITE
                    : g == (int)p->second    ? AFFINITY_SECOND
                                             : AFFINITY_OTHER;
  gb_response_input in = {
      .affinity = affinity,
      .skill = g < 0 ? v->mean_skill : skill_of(p, (size_t)g),
      .difficulty = c->difficulty,
      .reward_coins = c->reward_coins,
      .balance = p->coin_balance,
      .recent_props = v->recent_props,
  };
  return gb_response_use_probability(&s->cfg.response, &in);
}

double gb_sim_use_probability(const gb_sim *s, const player *p, const gb_challenge *c,
                              int64_t now) {
  player_view v = view_of(s, p, now);
  return use_probability_seen(s, p, &v, c);
}

/* ---- the per-arm breakdowns */

static gb_sim_arm_period *period_cell(gb_sim *s, unsigned arm, int64_t ts) {
  int64_t i = (ts - s->cfg.start_ms) / s->period_ms;
  size_t period = i < 0 ? 0 : (size_t)i < s->n_periods ? (size_t)i : s->n_periods - 1;
  return &s->arm_periods[arm * s->n_periods + period];
}

/* Ordinals beyond the simulator's catalogue share its last slot. */
static gb_sim_arm_challenge *challenge_cell(gb_sim *s, unsigned arm, uint32_t ordinal) {
  size_t last = s->n_challenge_slots - 1;
  return &s->arm_challenges[arm * s->n_challenge_slots + (ordinal < last ? ordinal : last)];
}

void gb_sim_count_prop_used(gb_sim *s, const player *p) {
  s->arms[p->arm].props_used++;
  period_cell(s, p->arm, prop_decision_ts(p))->props_used++;
  challenge_cell(s, p->arm, p->prop_challenge)->props_used++;
}

static void count_prop_completed(gb_sim *s, const player *p, gb_sim_arm_stats *st) {
  st->props_completed++;
  period_cell(s, p->arm, prop_decision_ts(p))->props_completed++;
  challenge_cell(s, p->arm, p->prop_challenge)->props_completed++;
}

/* ---- answers from the engine */

static void score_decision(gb_sim *s, const player *p, const gb_decision *d, gb_sim_arm_stats *st,
                           gb_sim_arm_period *pe) {
  if (d->reason != GB_DECIDED || d->n_candidates == 0 || !s->cfg.catalog)
    return;
  double best = 0, chosen = 0;
  bool chosen_seen = false;
  size_t n_cat = gb_catalog_size(s->cfg.catalog);
  player_view v = view_of(s, p, d->ts); /* the same for every candidate */
  for (unsigned i = 0; i < d->n_candidates; i++) {
    if (d->candidates[i] >= n_cat)
      continue;
    double pu = use_probability_seen(s, p, &v, gb_catalog_at(s->cfg.catalog, d->candidates[i]));
    best = fmax(best, pu);
    if (d->candidates[i] == d->chosen) {
      chosen = pu;
      chosen_seen = true;
    }
  }
  /* The answer carries the first GB_DECISION_CANDIDATES_MAX candidates only: a choice among more
   * may be none of them, and is scored all the same (and bounds the oracle from below). */
  if (!chosen_seen && d->chosen < n_cat) {
    chosen = use_probability_seen(s, p, &v, gb_catalog_at(s->cfg.catalog, d->chosen));
    best = fmax(best, chosen);
  }
  uint64_t best_e9 = (uint64_t)llround(best * E9), chosen_e9 = (uint64_t)llround(chosen * E9);
  st->scored++;
  st->oracle_e9 += best_e9;
  st->expected_e9 += chosen_e9;
  pe->scored++;
  pe->oracle_e9 += best_e9;
  pe->expected_e9 += chosen_e9;
  if (d->chosen != GB_NO_PROP) {
    st->chosen_e9 += chosen_e9;
    challenge_cell(s, p->arm, d->chosen)->chosen_e9 += chosen_e9;
  }
}

/* The ground truth of a scored decision of an arm in cfg.truth_arms (gb_sim_truth.h): each
 * candidate's use probability if it were the prop sent, seen with the prop counted in the
 * player's fatigue (as receive_prop will), at the player's next round when it plays on inside
 * the run (the look at the prop bar is then certain: 0 for a candidate that expires first), else
 * at the answer. 0 for an ordinal beyond the catalogue. */
static void log_truth(gb_sim *s, const player *p, const gb_decision *d) {
  if (!s->truth || !s->cfg.truth_arms[p->arm] || d->reason != GB_DECIDED || d->n_candidates == 0 ||
      !s->cfg.catalog)
    return;
  bool next_round = p->next_action == ACT_GAME_START && p->next_ts < s->horizon_ms;
  int64_t seen = next_round ? p->next_ts : d->ts;
  int64_t recent[FATIGUE_SLOTS];
  memcpy(recent, p->recent_props, sizeof recent);
  remember(recent, FATIGUE_SLOTS, d->ts);
  player_view v = view_of(s, p, seen);
  v.recent_props = count_recent(recent, FATIGUE_SLOTS, seen, FATIGUE_WINDOW_MS);
  double pu[GB_DECISION_CANDIDATES_MAX];
  size_t n_cat = gb_catalog_size(s->cfg.catalog);
  for (unsigned i = 0; i < d->n_candidates; i++) {
    const gb_challenge *c =
        d->candidates[i] < n_cat ? gb_catalog_at(s->cfg.catalog, d->candidates[i]) : NULL;
    bool expires = c && next_round && c->ttl_s > 0 && d->ts + c->ttl_s * 1000 <= seen;
    pu[i] = c && !expires ? use_probability_seen(s, p, &v, c) : 0;
  }
  gb_sim_truth_add(s->truth, d->decision_id, p->arm, next_round, d->candidates, pu,
                   d->n_candidates);
}

static void apply_outcomes(gb_sim *s, player *p, const gb_decision *d, gb_sim_arm_stats *st) {
  if (d->completed_prop_id && d->completed_prop_id == p->prop_id && p->prop_state == PROP_USED) {
    p->coin_balance += d->reward_coins;
    s->stats.coins_rewarded += d->reward_coins;
    p->prop_state = PROP_NONE;
    remember(p->completions, COMPLETION_SLOTS, d->ts);
    count_prop_completed(s, p, st);
  }
  if (d->failed_prop_id && d->failed_prop_id == p->prop_id && p->prop_state == PROP_USED) {
    p->prop_state = PROP_NONE;
    st->props_failed++;
  }
}

static void receive_prop(player *p, const gb_decision *d) {
  p->prop_state = PROP_UNSEEN;
  p->prop_id = d->prop_id;
  p->prop_challenge = d->chosen;
  p->prop_expiry = d->ttl_s > 0 ? d->ts + d->ttl_s * 1000 : INT64_MAX;
  remember(p->recent_props, FATIGUE_SLOTS, d->ts);
}

/* The record index of this instance's player player_id; false when it is not one of them. */
static bool index_of(const gb_sim *s, uint64_t player_id, uint32_t *index) {
  uint64_t k = player_id - 1;
  if (player_id == 0)
    return false;
  /* One simulator thread (the usual case) owns every id: no 64-bit division (tens of cycles),
   * which this costs twice per answer. */
  uint64_t n = s->cfg.n_producers;
  uint64_t q = n == 1 ? k : k / n;
  if ((n != 1 && k % n != s->cfg.producer) || q >= s->n_players)
    return false;
  *index = (uint32_t)q;
  return true;
}

void gb_sim_on_decision(gb_sim *s, const gb_decision *d) {
  uint32_t index;
  if (!index_of(s, d->player_id, &index)) {
    s->unexpected_answers++;
    return;
  }
  player *p = &s->players[index];
  if (!p->waiting) {
    s->unexpected_answers++;
    return;
  }
  gb_sim_arm_stats *st = &s->arms[p->arm];
  gb_sim_arm_period *pe = period_cell(s, p->arm, d->ts);
  st->decisions++;
  st->decided += d->reason == GB_DECIDED;
  st->suppressed += d->reason == GB_SUPPRESSED;
  st->no_candidates += d->reason == GB_NO_CANDIDATES;
  pe->decisions++;
  apply_outcomes(s, p, d, st);
  score_decision(s, p, d, st, pe);
  log_truth(s, p, d);
  if (d->chosen != GB_NO_PROP) {
    st->props_generated++;
    pe->props_generated++;
    challenge_cell(s, p->arm, d->chosen)->props_generated++;
    receive_prop(p, d);
  }
  p->waiting = false;
  s->waiting--;
  schedule(s, index);
}

/* always_inline: a helper whose only effects are prefetches is "pure" to GCC, which drops the
 * calls (see gb_timeq.c). */
static inline __attribute__((always_inline)) void prefetch_player(const gb_sim *s,
                                                                  uint64_t player_id) {
  uint32_t index;
  if (!index_of(s, player_id, &index))
    return;
  gb_prefetch_span_for_write(&s->players[index], sizeof(player)); /* the answer updates it */
}

void gb_sim_on_decisions(gb_sim *s, const gb_decision *d, size_t n) {
  for (size_t i = 0; i < n; i++)
    prefetch_player(s, d[i].player_id);
  for (size_t i = 0; i < n; i++)
    gb_sim_on_decision(s, &d[i]);
}
