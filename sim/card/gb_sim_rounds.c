/* gb_sim_rounds: what a player emits (gb_sim_next): the events of its rounds and sessions, the
 * props it looks at or lets expire, the coins it buys or is granted. The simulator's hot path:
 * these functions stay in one file so that they inline into gb_sim_next. */
#include "gb_sim_int.h"

#include <math.h>
#include <stddef.h>
#include <string.h>

#include "gb_prefetch.h"

/* ---- events */

static void count_activity(gb_sim *s, player *p, int64_t ts) {
  p->active = true;
  if (ts < s->day_start_ms || ts >= s->day_end_ms) { /* rare: a new day */
    s->day = (ts - s->cfg.start_ms) / MS_PER_DAY;
    s->day_start_ms = s->cfg.start_ms + s->day * MS_PER_DAY;
    s->day_end_ms = s->day_start_ms + MS_PER_DAY;
  }
  int64_t day = s->day;
  if (day >= s->complete_days)
    return;
  s->stats.events_in_days++;
  if (p->last_active_day != (uint32_t)day + 1) {
    p->last_active_day = (uint32_t)day + 1;
    s->stats.active_player_days++;
  }
}

/* Size of the union member an event type uses (what must be cleared). */
static size_t fields_size(gb_event_type type) {
  switch (type) {
  case GB_EV_GAME_START:
  case GB_EV_GAME_END:
    return sizeof(gb_ev_game);
  case GB_EV_PURCHASE:
    return sizeof(gb_ev_purchase);
  case GB_EV_LEVEL_UP:
  case GB_EV_BANKRUPT_RELIEF:
  case GB_EV_SESSION_END:
    return 2 * sizeof(int64_t); /* level, relief {amount, coin_balance}, duration_ms */
  case GB_EV_PROP_SHOWN:
  case GB_EV_PROP_USED:
  case GB_EV_PROP_DISCARDED:
  case GB_EV_PROP_EXPIRED:
    return sizeof(gb_ev_prop);
  default:
    return 0;
  }
}

/* Starts an event: the common fields, and the type's own fields zeroed. The rest of the union
 * (other types' fields) is left as it was: clearing all 200 bytes was a visible share of the
 * cost of an event, and nothing reads another type's fields. */
static void begin_event(gb_sim *s, player *p, gb_event *ev, gb_event_type type, int64_t ts) {
  memset(ev, 0, offsetof(gb_event, u));
  memset(&ev->u, 0, fields_size(type));
  /* event ids: player id in the high 32 bits, the player's sequence number in the low 32 */
  ev->event_id = ((uint64_t)p->id << 32) | ++p->seq;
  ev->type = type;
  ev->ts = ts;
  ev->player_id = p->id;
  ev->session_id = p->session_id;
  memcpy(ev->platform, s->platform_names[p->platform], sizeof ev->platform);
  memcpy(ev->country, s->country_codes[p->country], sizeof ev->country);
  /* The zone the engine's daily rules need (a country may span several: US east and west). */
  ev->utc_offset_min = s->countries[p->country].utc_offset_min;
  s->events++;
  s->type_counts[type]++;
  count_activity(s, p, ts);
}

static void push_pending(player *p, int64_t ts, gb_event_type type, int64_t amount) {
  if (p->n_pending == PENDING_MAX)
    return; /* cannot happen: a step causes at most two follow-ups */
  p->pending_ts = ts;
  p->pending_amount[p->n_pending] = (int32_t)amount;
  p->pending_type[p->n_pending++] = (uint8_t)type;
}

static const gb_challenge *prop_challenge(const gb_sim *s, const player *p) {
  if (!s->cfg.catalog || p->prop_challenge == GB_NO_PROP ||
      p->prop_challenge >= gb_catalog_size(s->cfg.catalog))
    return NULL;
  return gb_catalog_at(s->cfg.catalog, p->prop_challenge);
}

static void set_prop_fields(const gb_sim *s, const player *p, gb_event *ev) {
  ev->u.prop.prop_id = p->prop_id;
  const gb_challenge *c = prop_challenge(s, p);
  if (c) {
    size_t len = strnlen(c->id, GB_CHALLENGE_ID_MAX);
    memcpy(ev->u.prop.challenge_id, c->id, len);
    ev->u.prop.challenge_id[len] = '\0';
  }
}

static void emit_pending(gb_sim *s, player *p, gb_event *ev) {
  gb_event_type type = (gb_event_type)p->pending_type[0];
  int32_t amount = p->pending_amount[0];
  size_t rest = --p->n_pending;
  memmove(p->pending_type, p->pending_type + 1, rest * sizeof *p->pending_type);
  memmove(p->pending_amount, p->pending_amount + 1, rest * sizeof *p->pending_amount);
  begin_event(s, p, ev, type, p->pending_ts);
  switch (type) {
  case GB_EV_LEVEL_UP:
    ev->u.level = amount;
    break;
  case GB_EV_BANKRUPT_RELIEF:
    ev->u.relief.amount = amount;
    ev->u.relief.coin_balance = p->coin_balance;
    break;
  case GB_EV_PURCHASE: {
    const gb_coin_pack *pack = &s->packs[amount];
    memcpy(ev->u.purchase.sku, pack->sku, strlen(pack->sku) + 1);
    ev->u.purchase.amount = (double)pack->price_fen / 100.0;
    memcpy(ev->u.purchase.currency, "CNY", 4);
    break;
  }
  case GB_EV_PROP_USED:
  case GB_EV_PROP_DISCARDED:
    set_prop_fields(s, p, ev);
    break;
  default:
    break;
  }
  if (type == GB_EV_PROP_DISCARDED) {
    p->prop_state = PROP_NONE;
    s->arms[p->arm].props_discarded++;
  }
}

/* The player looks at the prop bar: a new prop is shown, then used, discarded or ignored. */
static void look_at_prop_bar(gb_sim *s, player *p, gb_event *ev) {
  begin_event(s, p, ev, GB_EV_PROP_SHOWN, p->next_ts);
  set_prop_fields(s, p, ev);
  s->arms[p->arm].props_shown++;
  const gb_challenge *c = prop_challenge(s, p);
  double use = c ? gb_sim_use_probability(s, p, c, p->next_ts) : 0;
  double u = gb_rng_uniform(&p->rng);
  if (u < use) {
    p->prop_state = PROP_USED;
    push_pending(p, p->next_ts, GB_EV_PROP_USED, 0);
    gb_sim_count_prop_used(s, p);
  } else if (u < use + (1 - use) * s->cfg.response.discard_share) {
    p->prop_state = PROP_IGNORED; /* becomes NONE when the discard is emitted */
    push_pending(p, p->next_ts, GB_EV_PROP_DISCARDED, 0);
  } else {
    p->prop_state = PROP_IGNORED;
  }
}

static void emit_expiry(gb_sim *s, player *p, gb_event *ev) {
  begin_event(s, p, ev, GB_EV_PROP_EXPIRED, p->prop_expiry);
  set_prop_fields(s, p, ev);
  p->prop_state = PROP_NONE;
  s->arms[p->arm].props_expired++;
}

/* ---- the coin economy */

static void buy_coins(gb_sim *s, player *p, int64_t now) {
  /* whales reach for the big packs */
  size_t pack = (size_t)((double)s->n_packs * sqrt(p->spend) * gb_rng_uniform(&p->rng));
  if (pack >= s->n_packs)
    pack = s->n_packs - 1;
  p->coin_balance += s->packs[pack].coins;
  push_pending(p, now, GB_EV_PURCHASE, (int64_t)pack);
  s->stats.purchases++;
  s->stats.revenue_fen += (uint64_t)s->packs[pack].price_fen;
  s->stats.coins_purchased += s->packs[pack].coins;
}

/* A player who cannot afford the smallest bet: a payer may buy coins (its spend propensity is
 * the chance), otherwise the platform grants relief, a few times per local day. */
static void when_broke(gb_sim *s, player *p, int64_t now) {
  if (p->coin_balance >= s->rooms[0].bet)
    return;
  if (gb_rng_uniform(&p->rng) < p->spend) {
    buy_coins(s, p, now);
    return;
  }
  int32_t today = (int32_t)local_day(p, now);
  if (p->relief_day != today) {
    p->relief_day = today;
    p->relief_count = 0;
  }
  if (p->relief_count >= s->economy->relief_per_day)
    return;
  p->relief_count++;
  p->coin_balance += s->economy->relief_coins;
  push_pending(p, now, GB_EV_BANKRUPT_RELIEF, s->economy->relief_coins);
  s->stats.reliefs++;
  s->stats.coins_relief += s->economy->relief_coins;
}

/* ---- rounds and sessions */

static uint8_t choose_game(gb_sim *s, player *p) {
  const gb_challenge *c = p->prop_state == PROP_USED ? prop_challenge(s, p) : NULL;
  int challenge_game = c && c->game ? gb_games_find(c->game) : -1;
  double u = gb_rng_uniform(&p->rng);
  if (challenge_game >= 0 && u < CHALLENGE_GAME_SHARE)
    return (uint8_t)challenge_game;
  double v = gb_rng_uniform(&p->rng);
  if (v < GB_SIM_FAVOURITE_SHARE)
    return p->favourite;
  if (v < GB_SIM_FAVOURITE_SHARE + GB_SIM_SECOND_SHARE)
    return p->second;
  return pick_by_popularity(s, &p->rng);
}

/* The highest affordable room, or one lower for cautious players. */
static uint8_t choose_room(gb_sim *s, player *p) {
  int best = 0;
  for (size_t r = 0; r < s->n_rooms; r++)
    if (p->coin_balance >= s->rooms[r].min_balance && p->coin_balance >= s->rooms[r].bet)
      best = (int)r;
  if (best > 0 && gb_rng_uniform(&p->rng) > p->risk)
    best--;
  return (uint8_t)best;
}

static void fill_game(const gb_sim *s, const player *p, gb_event *ev) {
  gb_ev_game *g = &ev->u.game;
  memcpy(g->game, s->game_names[p->game], sizeof g->game);
  memcpy(g->room, s->room_names[p->room], sizeof g->room);
  g->bet = s->rooms[p->room].bet;
  g->coin_balance = p->coin_balance;
  g->level = p->level;
}

/* After a round's end at `now`: another round if, after a pause, a round of
 * the favourite game's mean length still fits in the planned session; else the session ends (at
 * the planned end, or at once when the last round overran it). */
static void plan_next_round(gb_sim *s, player *p, int64_t now) {
  int64_t start = now + (int64_t)(gb_rng_exponential(&p->rng, GB_SIM_THINK_MEAN_S) * 1000);
  int64_t round = (int64_t)(1000 * s->games[p->favourite].round_mean_s);
  if (start + round <= p->session_end_ts) {
    p->next_action = ACT_GAME_START;
    p->next_ts = start;
  } else {
    p->next_action = ACT_SESSION_END;
    p->next_ts = now + SESSION_END_DELAY_MS > p->session_end_ts ? now + SESSION_END_DELAY_MS
                                                                : p->session_end_ts;
  }
}

/* Marks the retention windows (gb_retention_days) that sim time ts of arrival p falls in, with
 * bit `first + i` of p->retention_seen, counting each window once in counts[i] when it lies
 * inside the run. */
static void count_windows(gb_sim *s, player *p, int64_t ts, int first, uint64_t *counts) {
  int64_t age = ts - p->install_ts;
  for (int i = 0; i < GB_RETENTION_N_DAYS; i++) {
    int64_t from = gb_retention_days[i] * MS_PER_DAY;
    uint8_t bit = (uint8_t)(1u << (first + i));
    if (age < from || age >= from + MS_PER_DAY || (p->retention_seen & bit))
      continue;
    p->retention_seen |= bit;
    if (p->install_ts + from + MS_PER_DAY <= s->horizon_ms)
      counts[i]++;
  }
}

/* After session_start at `now`: a check-in (the player looks at the lobby for a minute and
 * leaves), or a first round after a pause whatever the planned length: a player who opens the
 * app to play plays. A session in progress at the start (censored) was drawn before the run and
 * goes on as planned. */
static void plan_first_round(player *p, int64_t now) {
  if (p->censored || gb_rng_uniform(&p->rng) >= GB_SIM_CHECKIN_SHARE) {
    p->next_action = ACT_GAME_START;
    p->next_ts = now + (int64_t)(gb_rng_exponential(&p->rng, GB_SIM_THINK_MEAN_S) * 1000);
    return;
  }
  p->session_end_ts = now + (int64_t)(gb_rng_exponential(&p->rng, GB_SIM_CHECKIN_MEAN_S) * 1000);
  p->next_action = ACT_SESSION_END;
  p->next_ts = p->session_end_ts;
}

static void count_session_start(gb_sim *s, player *p, int64_t ts) {
  s->stats.sessions_started++;
  int64_t local = ts + (int64_t)s->countries[p->country].utc_offset_min * 60000;
  s->stats.starts_by_local_hour[gb_rhythm_hour_of_week(local)]++;
  if ((ts - s->cfg.start_ms) / MS_PER_DAY < s->complete_days)
    s->stats.sessions_in_days++;
  if (p->id > s->cfg.players)
    count_windows(s, p, ts, 0, s->stats.retained);
}

/* A new player's round: counted in its first days and in its retention windows. */
static void count_new_player_round(gb_sim *s, player *p, int64_t ts) {
  if (ts - p->install_ts < GB_SIM_NEW_PLAYER_DAYS * MS_PER_DAY && p->new_rounds < UINT16_MAX)
    p->new_rounds++;
  count_windows(s, p, ts, GB_RETENTION_N_DAYS, s->stats.retained_played);
}

static void do_launch(gb_sim *s, player *p, gb_event *ev) {
  p->session_id = gb_hash3(s->cfg.seed, p->id, p->seq);
  begin_event(s, p, ev, GB_EV_APP_LAUNCHED, p->next_ts);
  count_session_start(s, p, p->next_ts);
  if (!p->preset_end)
    p->session_end_ts = p->next_ts + GB_SIM_LAUNCH_TO_SESSION_MS + session_length_ms(s, p);
  p->preset_end = false;
  p->alive_ts = p->next_ts;
  p->rounds_in_session = 0;
  p->next_action = ACT_SESSION_START;
  p->next_ts += GB_SIM_LAUNCH_TO_SESSION_MS;
}

static void do_session_start(gb_sim *s, player *p, gb_event *ev) {
  int64_t now = p->next_ts;
  begin_event(s, p, ev, GB_EV_SESSION_START, now);
  p->session_start_ts = now;
  p->in_session = true;
  if (p->coin_balance < s->rooms[0].bet)
    when_broke(s, p, now);
  else if (p->spend > 0 && gb_rng_uniform(&p->rng) < TOPUP_CHANCE * p->spend)
    buy_coins(s, p, now);
  plan_first_round(p, now);
}

/* The proportional-hazard factor of props on churn (gb_sim_model.h): exactly 1 without recent
 * props or completions (exp(0); the effects are finite), the common case, which skips the call. */
static double hazard_factor(const gb_sim *s, const player *p, int64_t now) {
  int props = count_recent(p->recent_props, FATIGUE_SLOTS, now, FATIGUE_WINDOW_MS);
  int spam = props > SPAM_FREE_PROPS ? props - SPAM_FREE_PROPS : 0;
  int done = count_recent(p->completions, COMPLETION_SLOTS, now, COMPLETION_WINDOW_MS);
  if (spam == 0 && done == 0)
    return 1.0;
  return exp(s->model.spam_effect * spam - s->model.completion_effect * done);
}

/* After a session: the next one starts at t' (the rhythm at the player's pause rate), if the
 * player is still around then: it returns with probability (S(age at t') / S(age at the start
 * of this session))^k — the session's own time counts, as a lifetime would. */
static void plan_next_session(gb_sim *s, player *p, int64_t now) {
  int64_t next = gb_rhythm_next(&s->rhythm, &p->rng, now, p->rhythm_offset_min, p->rate);
  if (next >= s->horizon_ms) { /* beyond the run: whether it would come back does not matter */
    p->next_action = ACT_DONE;
    return;
  }
  double age_now = (double)(p->alive_ts - p->install_ts) / (double)MS_PER_DAY;
  double age_next = (double)(next - p->install_ts) / (double)MS_PER_DAY;
  double stay = gb_retention_survival(&s->retention, age_next) /
                gb_retention_survival(&s->retention, age_now);
  double factor = hazard_factor(s, p, now);
  double keep = factor == 1.0 ? stay : pow(stay, factor); /* pow(x, 1) is x, exactly */
  if (gb_rng_uniform(&p->rng) >= keep) {
    p->next_action = ACT_DONE;
    s->stats.players_churned++;
    return;
  }
  p->next_action = ACT_LAUNCH;
  p->next_ts = next;
}

static void do_session_end(gb_sim *s, player *p, gb_event *ev) {
  int64_t now = p->next_ts;
  begin_event(s, p, ev, GB_EV_SESSION_END, now);
  int64_t length = now - p->session_start_ts;
  ev->u.duration_ms = length;
  if (!p->censored) {
    s->stats.sessions_completed++;
    s->stats.session_ms_sum += (uint64_t)length;
    int64_t bin = length / GB_SIM_SESSION_BIN_MS;
    s->stats.session_len[bin < GB_SIM_SESSION_BINS ? bin : GB_SIM_SESSION_BINS - 1]++;
    s->stats.rounds_sum += p->rounds_in_session;
    s->stats.rounds_per_session[p->rounds_in_session < GB_SIM_GAMES_BINS ? p->rounds_in_session
                                                                         : GB_SIM_GAMES_BINS - 1]++;
  }
  p->censored = false;
  p->in_session = false;
  plan_next_session(s, p, now);
}

static void do_game_start(gb_sim *s, player *p, gb_event *ev) {
  if (p->coin_balance < s->rooms[0].bet) { /* broke, no relief left today: the player leaves */
    do_session_end(s, p, ev);
    return;
  }
  p->game = choose_game(s, p);
  p->room = choose_room(s, p);
  begin_event(s, p, ev, GB_EV_GAME_START, p->next_ts);
  fill_game(s, p, ev);
  s->stats.rounds[p->game]++;
  if (p->id > s->cfg.players)
    count_new_player_round(s, p, p->next_ts);
  p->next_action = ACT_GAME_END;
  p->next_ts += (int64_t)(gb_games_round_seconds(&s->games[p->game], &p->rng) * 1000);
}

/* Wins and losses by skill and luck; the winner pays the room's rake on its gain. */
static void settle_round(gb_sim *s, player *p, gb_event *ev) {
  const gb_game_model *gm = &s->games[p->game];
  double skill = skill_of(p, p->game);
  double opponents = s->table_skill[p->game] + ROOM_SKILL_STEP * p->room;
  double win_p = 1.0 / gm->table_size + WIN_SKILL_SLOPE * (skill - opponents);
  win_p = win_p < WIN_P_MIN ? WIN_P_MIN : win_p > WIN_P_MAX ? WIN_P_MAX : win_p;
  bool won = gb_rng_uniform(&p->rng) < win_p;
  int64_t bet = s->rooms[p->room].bet;
  int64_t delta = -bet;
  if (won) {
    int64_t gain = bet * (gm->table_size - 1);
    int64_t rake = (int64_t)llround((double)gain * s->rooms[p->room].rake);
    delta = gain - rake;
    s->stats.coins_won += delta;
    s->stats.coins_rake += rake;
  } else {
    s->stats.coins_lost += bet;
  }
  p->coin_balance += delta;
  set_skill(p, p->game, skill + (1.0 - skill) * LEARNING_RATE);
  int32_t old_level = p->level;
  p->xp += s->economy->xp_per_game + (won ? s->economy->xp_per_win : 0);
  p->level = gb_games_level(p->xp);
  begin_event(s, p, ev, GB_EV_GAME_END, p->next_ts);
  fill_game(s, p, ev);
  ev->u.game.won = won;
  ev->u.game.coins_delta = delta;
  ev->u.game.score = won ? SCORE_MIN + (int64_t)(gb_rng_uniform(&p->rng) * SCORE_SPAN) : 0;
  if (p->level > old_level)
    push_pending(p, p->next_ts, GB_EV_LEVEL_UP, p->level);
}

static void do_game_end(gb_sim *s, player *p, gb_event *ev) {
  int64_t now = p->next_ts;
  settle_round(s, p, ev);
  when_broke(s, p, now);
  p->rounds_in_session++;
  plan_next_round(s, p, now);
  /* In the closed loop a player waits for the engine's answer to a decision point (the event
   * table's role: the engine answers exactly those). */
  if (s->cfg.closed_loop && gb_event_is_decision_point(ev->type)) {
    p->waiting = true;
    s->waiting++;
  }
}

static void do_action(gb_sim *s, player *p, gb_event *ev) {
  switch ((action)p->next_action) {
  case ACT_LAUNCH:
    do_launch(s, p, ev);
    break;
  case ACT_SESSION_START:
    do_session_start(s, p, ev);
    break;
  case ACT_GAME_START:
    do_game_start(s, p, ev);
    break;
  case ACT_GAME_END:
    do_game_end(s, p, ev);
    break;
  case ACT_SESSION_END:
    do_session_end(s, p, ev);
    break;
  case ACT_DONE:
    break; /* not scheduled */
  }
}

/* Emits the player's next event: pending ones first, then an expiry, a look, or the action. */
static void player_step(gb_sim *s, player *p, gb_event *ev) {
  if (p->n_pending > 0) {
    emit_pending(s, p, ev);
    return;
  }
  if (prop_can_expire(p) && (p->next_action == ACT_DONE || p->prop_expiry <= p->next_ts)) {
    emit_expiry(s, p, ev);
    return;
  }
  bool looks = p->next_action == ACT_GAME_START || p->next_action == ACT_SESSION_START;
  if (looks && p->prop_state == PROP_UNSEEN) {
    look_at_prop_bar(s, p, ev);
    return;
  }
  do_action(s, p, ev);
}

gb_sim_status gb_sim_next(gb_sim *s, int64_t until_ms, gb_event *out) {
  gb_timeq_entry top;
  if (!gb_timeq_peek(s->queue, &top))
    return s->waiting ? GB_SIM_BLOCKED : GB_SIM_DONE;
  if (top.ts > until_ms)
    return GB_SIM_NOT_YET;
  player *p = &s->players[top.index];
  player_step(s, p, out);
  int64_t ts = next_emission_ts(p);
  if (ts < s->horizon_ms) {
    gb_timeq_retime_top(s->queue, ts);
  } else {
    gb_timeq_pop(s->queue);
    p->queued = false;
  }
  return GB_SIM_EVENT;
}

/* noipa: a function whose only effects are prefetches is "pure" to GCC, which would drop calls
 * to it from other units under LTO (see gb_prefetch.h). */
__attribute__((noipa)) void gb_sim_prefetch_next(const gb_sim *s) {
  gb_timeq_entry top;
  if (gb_timeq_peek_window(s->queue, &top))
    gb_prefetch_span(&s->players[top.index], sizeof(player));
}

int64_t gb_sim_peek_ts(const gb_sim *s) {
  gb_timeq_entry top;
  return gb_timeq_peek(s->queue, &top) ? top.ts : INT64_MAX;
}
