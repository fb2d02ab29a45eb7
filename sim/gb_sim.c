#include "gb_sim.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gb_games.h"
#include "gb_rng.h"

/* Behaviour constants of this first player model; docs/simulator.md explains each. */
#define SESSION_GAP_MEAN_S (4.0 * 3600)     /* mean time between sessions */
#define SESSION_WEIBULL_SHAPE 0.5           /* heavy-tailed session lengths … */
#define SESSION_WEIBULL_SCALE_S (20.0 * 60) /* … with scale 20 min (mean 40 min) */
#define THINK_MEAN_S 20.0                   /* mean pause between two games of a session */
#define LAUNCH_TO_SESSION_S 2               /* app_launched → session_start */
#define PREFERRED_GAME_SHARE 0.6            /* games played in the preferred game */
#define CHALLENGE_GAME_SHARE 0.7            /* games played in an active challenge's game */
#define STARTING_BALANCE 5000
#define RELIEF_COINS 1000 /* bankruptcy relief grant */
#define XP_PER_GAME 10
#define FATIGUE_WINDOW_MS (24LL * 3600 * 1000)
#define FATIGUE_SLOTS 8       /* recent prop times remembered for fatigue */
#define PRIOR_INSTALL_DAYS 30 /* existing players installed up to this long before the start */
#define SKILL_SPREAD 0.4      /* skill per game: uniform in mean ± spread/2 */
#define WIN_SKILL_SLOPE 0.3   /* win probability gained per unit of skill above 0.5 */
#define E9 1000000000.0

typedef enum action {
  ACT_LAUNCH,
  ACT_SESSION_START,
  ACT_GAME_START,
  ACT_GAME_END,
  ACT_SESSION_END,
  ACT_DONE
} action;

typedef enum prop_state { PROP_NONE, PROP_UNSEEN, PROP_IGNORED, PROP_USED } prop_state;

enum { PENDING_MAX = 4, N_GAMES_MAX = 16 };

typedef struct pending_event {
  gb_event_type type;
  int64_t amount; /* relief coins, purchase amount in cents, or the new level */
} pending_event;

typedef struct player {
  uint64_t id;
  gb_rng rng;
  uint64_t seq;
  uint64_t session_id;
  int64_t next_ts; /* sim ms of the next action */
  int64_t session_start_ts, session_end_ts;
  int64_t install_ts;
  int64_t coin_balance;
  int64_t xp;
  int32_t level;
  uint8_t next_action;
  uint8_t preferred_game;
  uint8_t game, room; /* of the game in progress */
  bool waiting;
  bool in_heap;
  uint8_t platform, country;
  uint16_t arm;
  float risk, spend;
  float skill[N_GAMES_MAX];
  /* prop bar */
  uint8_t prop_state;
  uint32_t prop_challenge;
  uint64_t prop_id;
  int64_t prop_expiry;
  int64_t recent_props[FATIGUE_SLOTS];
  /* events due at next_ts before the action itself */
  uint8_t n_pending;
  pending_event pending[PENDING_MAX];
  /* the game in progress */
  int64_t bet;
} player;

typedef struct heap_entry {
  int64_t ts;
  uint32_t index;
} heap_entry;

struct gb_sim {
  gb_sim_config cfg;
  int64_t horizon_ms;
  player *players;
  uint32_t n_players;
  heap_entry *heap;
  uint32_t heap_n;
  uint64_t waiting;
  uint64_t events;
  uint64_t type_counts[GB_EV__COUNT];
  uint64_t unexpected_answers;
  gb_sim_arm_stats *arms;
  const gb_game_model *games;
  size_t n_games;
  const gb_room_model *rooms;
  size_t n_rooms;
};

static const char *const platforms[] = {"android", "ios", "pc"};
static const double platform_share[] = {0.6, 0.3, 0.1};
static const char *const countries[] = {"CN", "HK", "TW", "MY", "SG"};
static const double country_share[] = {0.8, 0.06, 0.06, 0.05, 0.03};

/* ---- heap ordered by (ts, index): index breaks ties so the order is total and deterministic */

static bool entry_less(heap_entry a, heap_entry b) {
  return a.ts < b.ts || (a.ts == b.ts && a.index < b.index);
}

static void heap_push(gb_sim *s, heap_entry e) {
  uint32_t i = s->heap_n++;
  while (i > 0) {
    uint32_t parent = (i - 1) / 2;
    if (!entry_less(e, s->heap[parent]))
      break;
    s->heap[i] = s->heap[parent];
    i = parent;
  }
  s->heap[i] = e;
}

static heap_entry heap_pop(gb_sim *s) {
  heap_entry top = s->heap[0];
  heap_entry last = s->heap[--s->heap_n];
  uint32_t i = 0;
  for (;;) {
    uint32_t child = 2 * i + 1;
    if (child >= s->heap_n)
      break;
    if (child + 1 < s->heap_n && entry_less(s->heap[child + 1], s->heap[child]))
      child++;
    if (!entry_less(s->heap[child], last))
      break;
    s->heap[i] = s->heap[child];
    i = child;
  }
  if (s->heap_n > 0)
    s->heap[i] = last;
  return top;
}

/* ---- player traits */

static size_t pick_weighted(gb_rng *rng, const double *weights, size_t n) {
  double u = gb_rng_uniform(rng), acc = 0;
  for (size_t i = 0; i < n; i++) {
    acc += weights[i];
    if (u < acc)
      return i;
  }
  return n - 1;
}

static uint8_t pick_game_by_popularity(gb_sim *s, gb_rng *rng) {
  double w[N_GAMES_MAX];
  for (size_t i = 0; i < s->n_games; i++)
    w[i] = s->games[i].popularity;
  return (uint8_t)pick_weighted(rng, w, s->n_games);
}

static void init_player(gb_sim *s, player *p, uint64_t id) {
  memset(p, 0, sizeof *p);
  p->id = id;
  gb_rng_seed(&p->rng, s->cfg.seed, id);
  p->preferred_game = pick_game_by_popularity(s, &p->rng);
  double mean_skill = 0.3 + 0.4 * gb_rng_uniform(&p->rng);
  for (size_t g = 0; g < s->n_games; g++)
    p->skill[g] = (float)(mean_skill + SKILL_SPREAD * (gb_rng_uniform(&p->rng) - 0.5));
  /* practice: players are better at the game they prefer */
  p->skill[p->preferred_game] = (float)fmin(1.0, p->skill[p->preferred_game] + 0.15);
  p->risk = (float)gb_rng_uniform(&p->rng);
  /* Pareto-like spend propensity: most players rarely pay, a few whales often do. */
  p->spend = (float)fmin(1.0, 0.02 / pow(1.0 - gb_rng_uniform(&p->rng), 0.8));
  p->platform = (uint8_t)pick_weighted(&p->rng, platform_share, 3);
  p->country = (uint8_t)pick_weighted(&p->rng, country_share, 5);
  p->install_ts =
      s->cfg.start_ms - (int64_t)(gb_rng_uniform(&p->rng) * PRIOR_INSTALL_DAYS * 86400.0 * 1000.0);
  p->coin_balance = STARTING_BALANCE;
  p->level = 1;
  p->next_action = ACT_LAUNCH;
  p->next_ts = s->cfg.start_ms + (int64_t)(gb_rng_uniform(&p->rng) * SESSION_GAP_MEAN_S * 1000);
  p->arm = s->cfg.arms ? gb_reco_arm_of(s->cfg.arms, id) : 0;
  p->prop_challenge = GB_NO_PROP;
}

/* ---- scheduling */

/* The sim time of the player's next emission: a pending event, an expiring prop, or its action. */
static int64_t next_emission_ts(const player *p) {
  if (p->n_pending == 0 && (p->prop_state == PROP_UNSEEN || p->prop_state == PROP_IGNORED) &&
      p->prop_expiry <= p->next_ts)
    return p->prop_expiry;
  return p->next_ts;
}

static void schedule(gb_sim *s, uint32_t index) {
  player *p = &s->players[index];
  if (p->waiting || p->next_action == ACT_DONE)
    return;
  int64_t ts = next_emission_ts(p);
  if (ts >= s->horizon_ms) {
    p->next_action = ACT_DONE;
    return;
  }
  p->in_heap = true;
  heap_push(s, (heap_entry){ts, index});
}

int gb_sim_new(const gb_sim_config *cfg, gb_sim **out, gb_err *err) {
  if (cfg->n_producers == 0 || cfg->producer >= cfg->n_producers)
    return gb_err_set(err, GB_ERR_INPUT, "sim: producer %u of %u", cfg->producer, cfg->n_producers);
  if (cfg->duration_ms <= 0)
    return gb_err_set(err, GB_ERR_INPUT, "sim: duration must be > 0");
  gb_sim *s = calloc(1, sizeof *s);
  if (!s)
    return gb_err_set(err, GB_ERR_RUNTIME, "out of memory for the simulator");
  s->cfg = *cfg;
  s->horizon_ms = cfg->start_ms + cfg->duration_ms;
  s->games = gb_games(&s->n_games);
  s->rooms = gb_rooms(&s->n_rooms);
  uint32_t n = cfg->players / cfg->n_producers + (cfg->producer < cfg->players % cfg->n_producers);
  s->n_players = n;
  s->players = calloc(n ? n : 1, sizeof *s->players);
  s->heap = calloc(n ? n : 1, sizeof *s->heap);
  s->arms = calloc(cfg->n_arms ? cfg->n_arms : 1, sizeof *s->arms);
  if (!s->players || !s->heap || !s->arms) {
    gb_sim_free(s);
    return gb_err_set(err, GB_ERR_RUNTIME, "out of memory for %u players", n);
  }
  for (uint32_t i = 0; i < n; i++) {
    uint64_t k = (uint64_t)i * cfg->n_producers + cfg->producer;
    init_player(s, &s->players[i], k + 1);
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
  free(s->heap);
  free(s->arms);
  free(s);
}

/* ---- events */

static void begin_event(gb_sim *s, player *p, gb_event *ev, gb_event_type type, int64_t ts) {
  gb_event_init(ev);
  /* event ids: player id in the high 32 bits, the player's sequence number in the low 32 */
  ev->event_id = (p->id << 32) | (++p->seq & 0xFFFFFFFFu);
  ev->type = type;
  ev->ts = ts;
  ev->player_id = p->id;
  ev->session_id = p->session_id;
  memcpy(ev->platform, platforms[p->platform], strlen(platforms[p->platform]) + 1);
  memcpy(ev->country, countries[p->country], 3);
  s->events++;
  s->type_counts[type]++;
}

static void push_pending(player *p, gb_event_type type, int64_t amount) {
  if (p->n_pending < PENDING_MAX)
    p->pending[p->n_pending++] = (pending_event){type, amount};
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
  if (c)
    snprintf(ev->u.prop.challenge_id, sizeof ev->u.prop.challenge_id, "%s", c->id);
}

static void emit_pending(gb_sim *s, player *p, gb_event *ev) {
  pending_event pe = p->pending[0];
  memmove(p->pending, p->pending + 1, (size_t)(--p->n_pending) * sizeof *p->pending);
  begin_event(s, p, ev, pe.type, p->next_ts);
  switch (pe.type) {
  case GB_EV_LEVEL_UP:
    ev->u.level = (int32_t)pe.amount;
    break;
  case GB_EV_BANKRUPT_RELIEF:
    ev->u.relief.amount = pe.amount;
    ev->u.relief.coin_balance = p->coin_balance;
    break;
  case GB_EV_PURCHASE:
    snprintf(ev->u.purchase.sku, sizeof ev->u.purchase.sku, "coins_%lld", (long long)pe.amount);
    ev->u.purchase.amount = (double)pe.amount / 1000.0; /* 1 CNY per 1000 coins */
    memcpy(ev->u.purchase.currency, "CNY", 4);
    break;
  case GB_EV_PROP_USED:
  case GB_EV_PROP_DISCARDED:
    set_prop_fields(s, p, ev);
    break;
  default:
    break;
  }
  if (pe.type == GB_EV_PROP_DISCARDED) {
    p->prop_state = PROP_NONE;
    s->arms[p->arm].props_discarded++;
  }
}

static int recent_props(const player *p, int64_t now) {
  int n = 0;
  for (int i = 0; i < FATIGUE_SLOTS; i++)
    n += p->recent_props[i] > 0 && now - p->recent_props[i] < FATIGUE_WINDOW_MS;
  return n;
}

static double use_probability(const gb_sim *s, const player *p, const gb_challenge *c,
                              int64_t now) {
  int g = c->game ? gb_games_find(c->game) : -1;
  double mean_skill = 0;
  for (size_t i = 0; i < s->n_games; i++)
    mean_skill += p->skill[i];
  mean_skill /= (double)s->n_games;
  gb_response_input in = {
      .affinity = g < 0 ? (c->game ? 0.2 : 0.5) : (g == p->preferred_game ? 1.0 : 0.2),
      .skill = g < 0 ? mean_skill : p->skill[g],
      .difficulty = c->difficulty,
      .reward_coins = c->reward_coins,
      .balance = p->coin_balance,
      .recent_props = recent_props(p, now),
  };
  return gb_response_use_probability(&s->cfg.response, &in);
}

/* The player looks at the prop bar: a new prop is shown, then used, discarded or ignored. */
static void look_at_prop_bar(gb_sim *s, player *p, gb_event *ev) {
  begin_event(s, p, ev, GB_EV_PROP_SHOWN, p->next_ts);
  set_prop_fields(s, p, ev);
  s->arms[p->arm].props_shown++;
  const gb_challenge *c = prop_challenge(s, p);
  double use = c ? use_probability(s, p, c, p->next_ts) : 0;
  double u = gb_rng_uniform(&p->rng);
  if (u < use) {
    p->prop_state = PROP_USED;
    push_pending(p, GB_EV_PROP_USED, 0);
    s->arms[p->arm].props_used++;
  } else if (u < use + (1 - use) * s->cfg.response.discard_share) {
    p->prop_state = PROP_IGNORED; /* becomes NONE when the discard is emitted */
    push_pending(p, GB_EV_PROP_DISCARDED, 0);
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

static uint8_t choose_game(gb_sim *s, player *p) {
  const gb_challenge *c = p->prop_state == PROP_USED ? prop_challenge(s, p) : NULL;
  int challenge_game = c && c->game ? gb_games_find(c->game) : -1;
  double u = gb_rng_uniform(&p->rng);
  if (challenge_game >= 0 && u < CHALLENGE_GAME_SHARE)
    return (uint8_t)challenge_game;
  if (gb_rng_uniform(&p->rng) < PREFERRED_GAME_SHARE)
    return p->preferred_game;
  return pick_game_by_popularity(s, &p->rng);
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
  const char *name = s->games[p->game].name;
  memcpy(g->game, name, strlen(name) + 1);
  const char *room = s->rooms[p->room].name;
  memcpy(g->room, room, strlen(room) + 1);
  g->bet = p->bet;
  g->coin_balance = p->coin_balance;
  g->level = p->level;
}

static double game_seconds(gb_sim *s, player *p) {
  /* half fixed, half exponential: no round is instant, some drag on */
  double mean = s->games[p->game].round_mean_s;
  return 0.5 * mean + gb_rng_exponential(&p->rng, 0.5 * mean);
}

static void do_game_start(gb_sim *s, player *p, gb_event *ev) {
  p->game = choose_game(s, p);
  p->room = choose_room(s, p);
  p->bet = s->rooms[p->room].bet;
  if (p->bet > p->coin_balance)
    p->bet = p->coin_balance > 0 ? p->coin_balance : 1;
  begin_event(s, p, ev, GB_EV_GAME_START, p->next_ts);
  fill_game(s, p, ev);
  p->next_action = ACT_GAME_END;
  p->next_ts += (int64_t)(game_seconds(s, p) * 1000);
}

static void settle_game(gb_sim *s, player *p, gb_event *ev) {
  const gb_game_model *gm = &s->games[p->game];
  double win_p = 1.0 / gm->table_size + WIN_SKILL_SLOPE * (p->skill[p->game] - 0.5);
  win_p = fmin(0.95, fmax(0.02, win_p));
  bool won = gb_rng_uniform(&p->rng) < win_p;
  int64_t delta =
      won ? (int64_t)((double)p->bet * (gm->table_size - 1) * (1 - gb_games_rake())) : -p->bet;
  p->coin_balance += delta;
  int32_t old_level = p->level;
  p->xp += XP_PER_GAME;
  p->level = 1 + (int32_t)sqrt((double)p->xp / 50.0);
  begin_event(s, p, ev, GB_EV_GAME_END, p->next_ts);
  fill_game(s, p, ev);
  ev->u.game.won = won;
  ev->u.game.coins_delta = delta;
  ev->u.game.score = won ? 100 + (int64_t)(gb_rng_uniform(&p->rng) * 900) : 0;
  if (p->level > old_level)
    push_pending(p, GB_EV_LEVEL_UP, p->level);
  if (p->coin_balance < s->rooms[0].bet) {
    if (gb_rng_uniform(&p->rng) < p->spend) {
      p->coin_balance += 10000;
      push_pending(p, GB_EV_PURCHASE, 10000);
    } else {
      p->coin_balance += RELIEF_COINS;
      push_pending(p, GB_EV_BANKRUPT_RELIEF, RELIEF_COINS);
    }
  }
}

static void do_game_end(gb_sim *s, player *p, gb_event *ev) {
  settle_game(s, p, ev);
  int64_t next = p->next_ts + (int64_t)(gb_rng_exponential(&p->rng, THINK_MEAN_S) * 1000);
  if (next >= p->session_end_ts) {
    p->next_action = ACT_SESSION_END;
    p->next_ts += 1000;
  } else {
    p->next_action = ACT_GAME_START;
    p->next_ts = next;
  }
  if (s->cfg.closed_loop) {
    p->waiting = true;
    s->waiting++;
  }
}

static void do_action(gb_sim *s, player *p, gb_event *ev) {
  switch ((action)p->next_action) {
  case ACT_LAUNCH:
    p->session_id = gb_hash3(s->cfg.seed, p->id, p->seq);
    begin_event(s, p, ev, GB_EV_APP_LAUNCHED, p->next_ts);
    p->next_action = ACT_SESSION_START;
    p->next_ts += LAUNCH_TO_SESSION_S * 1000;
    break;
  case ACT_SESSION_START:
    begin_event(s, p, ev, GB_EV_SESSION_START, p->next_ts);
    p->session_start_ts = p->next_ts;
    p->session_end_ts =
        p->next_ts +
        (int64_t)(gb_rng_weibull(&p->rng, SESSION_WEIBULL_SHAPE, SESSION_WEIBULL_SCALE_S) * 1000);
    p->next_action = ACT_GAME_START;
    p->next_ts += (int64_t)(gb_rng_exponential(&p->rng, THINK_MEAN_S) * 1000);
    break;
  case ACT_GAME_START:
    do_game_start(s, p, ev);
    break;
  case ACT_GAME_END:
    do_game_end(s, p, ev);
    break;
  case ACT_SESSION_END:
    begin_event(s, p, ev, GB_EV_SESSION_END, p->next_ts);
    ev->u.duration_ms = p->next_ts - p->session_start_ts;
    p->next_action = ACT_LAUNCH;
    p->next_ts += (int64_t)(gb_rng_exponential(&p->rng, SESSION_GAP_MEAN_S) * 1000);
    break;
  case ACT_DONE:
    break;
  }
}

/* Emits the player's next event: pending ones first, then an expiry, a look, or the action. */
static void player_step(gb_sim *s, player *p, gb_event *ev) {
  if (p->n_pending > 0) {
    emit_pending(s, p, ev);
    return;
  }
  if ((p->prop_state == PROP_UNSEEN || p->prop_state == PROP_IGNORED) &&
      p->prop_expiry <= p->next_ts) {
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
  if (s->heap_n == 0)
    return s->waiting ? GB_SIM_BLOCKED : GB_SIM_DONE;
  if (s->heap[0].ts > until_ms)
    return GB_SIM_NOT_YET;
  heap_entry e = heap_pop(s);
  player *p = &s->players[e.index];
  p->in_heap = false;
  player_step(s, p, out);
  schedule(s, e.index);
  return GB_SIM_EVENT;
}

int64_t gb_sim_peek_ts(const gb_sim *s) { return s->heap_n ? s->heap[0].ts : INT64_MAX; }

/* ---- answers from the engine */

static void score_decision(gb_sim *s, const player *p, const gb_decision *d, gb_sim_arm_stats *st) {
  if (d->reason != GB_DECIDED || d->n_candidates == 0 || !s->cfg.catalog)
    return;
  double best = 0, chosen = 0;
  size_t n_cat = gb_catalog_size(s->cfg.catalog);
  for (unsigned i = 0; i < d->n_candidates; i++) {
    if (d->candidates[i] >= n_cat)
      continue;
    double pu = use_probability(s, p, gb_catalog_at(s->cfg.catalog, d->candidates[i]), d->ts);
    best = fmax(best, pu);
    if (d->candidates[i] == d->chosen)
      chosen = pu;
  }
  st->scored++;
  st->oracle_e9 += (uint64_t)llround(best * E9);
  st->expected_e9 += (uint64_t)llround(chosen * E9);
  if (d->chosen != GB_NO_PROP)
    st->chosen_e9 += (uint64_t)llround(chosen * E9);
}

static void apply_outcomes(player *p, const gb_decision *d, gb_sim_arm_stats *st) {
  if (d->completed_prop_id && d->completed_prop_id == p->prop_id && p->prop_state == PROP_USED) {
    p->coin_balance += d->reward_coins;
    p->prop_state = PROP_NONE;
    st->props_completed++;
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
  memmove(p->recent_props + 1, p->recent_props, (FATIGUE_SLOTS - 1) * sizeof *p->recent_props);
  p->recent_props[0] = d->ts;
}

void gb_sim_on_decision(gb_sim *s, const gb_decision *d) {
  uint64_t k = d->player_id - 1;
  if (d->player_id == 0 || k % s->cfg.n_producers != s->cfg.producer ||
      k / s->cfg.n_producers >= s->n_players) {
    s->unexpected_answers++;
    return;
  }
  uint32_t index = (uint32_t)(k / s->cfg.n_producers);
  player *p = &s->players[index];
  if (!p->waiting) {
    s->unexpected_answers++;
    return;
  }
  gb_sim_arm_stats *st = &s->arms[p->arm];
  st->decisions++;
  st->decided += d->reason == GB_DECIDED;
  st->suppressed += d->reason == GB_SUPPRESSED;
  st->no_candidates += d->reason == GB_NO_CANDIDATES;
  apply_outcomes(p, d, st);
  score_decision(s, p, d, st);
  if (d->chosen != GB_NO_PROP) {
    st->props_generated++;
    receive_prop(p, d);
  }
  p->waiting = false;
  s->waiting--;
  schedule(s, index);
}

uint64_t gb_sim_waiting(const gb_sim *s) { return s->waiting; }

uint64_t gb_sim_events(const gb_sim *s) { return s->events; }

uint64_t gb_sim_events_of_type(const gb_sim *s, gb_event_type type) {
  return (unsigned)type < GB_EV__COUNT ? s->type_counts[type] : 0;
}

uint64_t gb_sim_unexpected_answers(const gb_sim *s) { return s->unexpected_answers; }

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
