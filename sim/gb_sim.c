#include "gb_sim.h"

#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "gb_games.h"
#include "gb_prefetch.h"
#include "gb_retention.h"
#include "gb_rhythm.h"
#include "gb_rng.h"
#include "gb_sim_stats.h"
#include "gb_timeq.h"

/* Behaviour constants of the player model; docs/simulator.md explains each. The ones the
 * realism report also needs live in gb_sim_stats.h. */
#define MS_PER_DAY 86400000LL
#define SESSION_END_DELAY_MS 1000 /* session_end follows the last round's end */
#define CHALLENGE_GAME_SHARE 0.7  /* rounds played in a started challenge's game */
#define SKILL_MEAN_LOW 0.3        /* a player's mean skill is uniform in [0.3, 0.7] … */
#define SKILL_MEAN_SPAN 0.4
#define SKILL_SPREAD 0.4           /* … and each game's skill within ± 0.2 of it */
#define FAVOURITE_SKILL_BONUS 0.15 /* practice: better at the favourite game */
#define LEARNING_RATE                                                                              \
  0.0002 /* per round of a game: skill += (1 - skill) x rate (a                                    \
            regular closes a third of the gap in a year) */
#define WIN_SKILL_SLOPE                                                                            \
  0.3 /* win probability gained per unit of skill above the                                        \
         table's (the other players') */
#define ROOM_SKILL_STEP                                                                            \
  0.1                  /* the tables get this much better with each room up: the                   \
                          winners who climb meet each other */
#define WIN_P_MIN 0.02 /* nobody always loses… */
#define WIN_P_MAX 0.95 /* …or always wins */
#define SCORE_MIN 100  /* a win scores 100 .. 999 points */
#define SCORE_SPAN 900
#define FATIGUE_WINDOW_MS MS_PER_DAY          /* props received in the last 24 h tire the player */
#define COMPLETION_WINDOW_MS (7 * MS_PER_DAY) /* completions of the last week keep it loyal */
#define SPAM_FREE_PROPS 3 /* props per 24 h a player takes without churning more */
#define WARM_START_MS                                                                              \
  MS_PER_DAY                         /* existing players' sessions are drawn from a day before the \
                                        start, so that some are in progress at the start */
#define CHRONOTYPE_SD_MIN 60.0       /* personal shift of the daily rhythm: sd 1 h … */
#define CHRONOTYPE_MAX_MIN 180.0     /* … at most 3 h either way (night owls, early birds) */
#define TOPUP_CHANCE 0.1             /* per session start, times the spend propensity */
#define PAYER_SPEND_MIN 0.05         /* payers' spend propensity: Pareto from 0.05 … */
#define PAYER_SPEND_TAIL 1.2         /* … with tail index 1.2 (capped at 1): a few whales */
#define PRIOR_ROUNDS_PER_SESSION 5.0 /* existing players' XP: rounds they played before */
#define BUSY_SHARE_MAX 0.9           /* sessions may fill at most 90 % of a player's time */
#define AFFINITY_FAVOURITE 1.0       /* the response model's affinity (gb_response.h) */
#define AFFINITY_SECOND 0.6
#define AFFINITY_ANY_GAME 0.5
#define AFFINITY_OTHER 0.2
#define SKILL_SCALE 65535.0 /* skills are stored as uint16 fractions of 1 */
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

enum {
  PENDING_MAX = 3,
  FATIGUE_SLOTS = 8,
  COMPLETION_SLOTS = 4,
  COUNTRIES_MAX = 32,
  ROOMS_MAX = 8,
  PLATFORMS = 3,
  CACHE_LINE = 64
};

/* Transparent huge pages for the players: their array spans tens of MB, and with 4 KiB pages
 * nearly every player's first access would also miss the TLB. */
#define HUGE_PAGE ((size_t)2 << 20)

/* A player's record: five cache lines, aligned, fetched whole when the player's window comes
 * (gb_timeq prefetches a window's records at once, so that their misses overlap): with a hundred
 * thousand players the records do not fit in the caches, and the simulator is bound by these
 * misses. What a round's events use comes first (the first three lines), then what sessions use,
 * then props. The fields have the smallest exact sizes (the bet is the room's, not stored; flags
 * are bits) and an order without holes, so that the record fits in five lines (it took six or
 * seven, unaligned). */
typedef struct player {
  /* every event */
  _Alignas(CACHE_LINE) int64_t next_ts; /* sim ms of the next action */
  int64_t pending_ts;                   /* sim ms of the pending events */
  int64_t prop_expiry;
  int64_t session_end_ts; /* planned end of the session in progress */
  int64_t coin_balance;
  int64_t xp;
  uint64_t session_id;
  gb_rng rng;
  uint32_t id;
  uint32_t seq;
  uint32_t last_active_day; /* 1 + the last complete sim day counted as active, 0 = none */
  int32_t level;
  /* events caused by the previous one, due at the same sim time (pending_ts), oldest first */
  int32_t pending_amount[PENDING_MAX]; /* the new level, relief coins, or the coin pack's index */
  uint8_t pending_type[PENDING_MAX];   /* gb_event_type */
  uint8_t n_pending;
  uint8_t next_action, prop_state, game, room; /* the round's bet is rooms[room].bet */
  uint8_t platform, country;
  uint8_t favourite, second;
  bool waiting : 1, queued : 1;
  bool preset_end : 1; /* session_end_ts already drawn (a session in progress at the start) */
  bool censored : 1;   /* the session in progress began before the start: not a full length */
  bool active : 1;     /* emitted at least one event */
  bool in_session : 1; /* between session_start and session_end */
  uint8_t relief_count;
  /* every round */
  uint16_t rounds_in_session;
  float risk;
  float spend;
  uint16_t skill[GB_SIM_GAMES_MAX];
  /* every session */
  float rate; /* of the pauses between sessions, per day (gap_rate) */
  int64_t session_start_ts;
  int64_t install_ts;
  int64_t alive_ts;          /* when the player was last known not to have churned */
  int32_t rhythm_offset_min; /* UTC offset + chronotype: what the rhythm is read at */
  int32_t relief_day;        /* local day of the relief count */
  /* props */
  uint32_t prop_challenge;
  uint16_t arm;
  uint8_t retention_seen; /* bit i: a session seen in the window of gb_retention_days[i] */
  uint64_t prop_id;
  int64_t recent_props[FATIGUE_SLOTS];   /* receive times, newest first, 0 = none */
  int64_t completions[COMPLETION_SLOTS]; /* completion times, newest first, 0 = none */
} player;

_Static_assert(sizeof(player) == 5 * CACHE_LINE, "player: five cache lines");

struct gb_sim {
  gb_sim_config cfg;
  gb_sim_model model;
  gb_rhythm rhythm;
  gb_retention retention;
  int64_t horizon_ms;
  int64_t complete_days; /* whole sim days inside the run */
  player *players;
  uint32_t n_players;
  gb_timeq *queue; /* players by (next emission ts, index) */
  uint64_t waiting;
  uint64_t events;
  uint64_t type_counts[GB_EV__COUNT];
  uint64_t unexpected_answers;
  gb_sim_arm_stats *arms;
  gb_sim_stats stats;
  const gb_game_model *games;
  size_t n_games;
  const gb_room_model *rooms;
  size_t n_rooms;
  const gb_coin_pack *packs;
  size_t n_packs;
  const gb_economy *economy;
  const gb_country *countries;
  size_t n_countries;
  double popularity[GB_SIM_GAMES_MAX];
  double table_skill[GB_SIM_GAMES_MAX]; /* mean skill of a round's player, per game */
  double country_share[COUNTRIES_MAX];
  /* names padded with NULs to their event field's size: copied with one constant-size memcpy */
  char game_names[GB_SIM_GAMES_MAX][GB_GAME_MAX + 1];
  char room_names[ROOMS_MAX][GB_ROOM_MAX + 1];
  char platform_names[PLATFORMS][GB_PLATFORM_MAX + 1];
  char country_codes[COUNTRIES_MAX][GB_COUNTRY_MAX + 1];
  int64_t day_start_ms, day_end_ms; /* the complete sim day of the last event… */
  int64_t day;                      /* …and its index (-1: none yet) */
  double session_mean_days;         /* of the configured session length */
};

static const char *const platforms[PLATFORMS] = {"android", "ios", "pc"};
static const double platform_share[] = {0.6, 0.3, 0.1};

/* ---- small helpers */

static size_t pick_weighted(gb_rng *rng, const double *weights, size_t n) {
  double u = gb_rng_uniform(rng), acc = 0;
  for (size_t i = 0; i < n; i++) {
    acc += weights[i];
    if (u < acc)
      return i;
  }
  return n - 1;
}

static uint8_t pick_by_popularity(const gb_sim *s, gb_rng *rng) {
  return (uint8_t)pick_weighted(rng, s->popularity, s->n_games);
}

static double skill_of(const player *p, size_t game) { return p->skill[game] / SKILL_SCALE; }

static void set_skill(player *p, size_t game, double v) {
  v = v < 0 ? 0 : v > 1 ? 1 : v;
  p->skill[game] = (uint16_t)(v * SKILL_SCALE + 0.5);
}

static int64_t local_day(const player *p, int64_t ts) {
  int64_t t = ts + (int64_t)p->rhythm_offset_min * 60000;
  return t >= 0 ? t / MS_PER_DAY : (t - MS_PER_DAY + 1) / MS_PER_DAY;
}

static int64_t session_length_ms(gb_sim *s, player *p) {
  return (int64_t)gb_rng_weibull(&p->rng, s->model.session_shape,
                                 (double)s->model.session_scale_ms);
}

/* ---- population */

uint64_t gb_sim_population(uint32_t players, int64_t duration_ms, const gb_sim_model *model) {
  gb_sim_model def = gb_sim_model_defaults();
  const gb_sim_model *m = model ? model : &def;
  double arrivals = m->arrival_rate * (double)players * (double)duration_ms / (double)MS_PER_DAY;
  if (!(arrivals < 1e18)) /* beyond any limit: saturate rather than overflow */
    return UINT64_MAX;
  return players + (uint64_t)llround(arrivals);
}

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
  p->rhythm_offset_min = s->countries[p->country].utc_offset_min + (int32_t)lround(chronotype);
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

static void init_player(gb_sim *s, player *p, uint32_t id) {
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

/* ---- scheduling */

static bool prop_can_expire(const player *p) {
  return (p->prop_state == PROP_UNSEEN || p->prop_state == PROP_IGNORED) &&
         p->prop_expiry != INT64_MAX;
}

/* The sim time of the player's next emission: a pending event, an expiring prop, or its action
 * (not while it waits for an answer); INT64_MAX when there is none. */
static int64_t next_emission_ts(const player *p) {
  if (p->n_pending > 0)
    return p->pending_ts;
  if (p->waiting)
    return INT64_MAX;
  int64_t t = p->next_action == ACT_DONE ? INT64_MAX : p->next_ts;
  if (prop_can_expire(p) && p->prop_expiry <= t)
    t = p->prop_expiry;
  return t;
}

/* Queues a player that is not queued, if it has something to emit before the horizon. */
static void schedule(gb_sim *s, uint32_t index) {
  player *p = &s->players[index];
  int64_t ts = next_emission_ts(p);
  if (p->queued || ts >= s->horizon_ms)
    return;
  p->queued = true;
  gb_timeq_push(s->queue, ts, index);
}

/* The mean skill of the players of a round of each game: the population's mean (0.5) plus the
 * favourite's bonus times the share of the game's rounds that its fans play. Wins are decided
 * relative to it, so that rounds are fair on average and the rake is the economy's sink. */
static void table_skills(gb_sim *s) {
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

static int setup(gb_sim *s, const gb_sim_config *cfg, gb_err *err) {
  s->cfg = *cfg;
  s->cfg.model = NULL; /* the copy below is the one used */
  s->model = cfg->model ? *cfg->model : gb_sim_model_defaults();
  char key[64];
  if (gb_sim_model_prepare(&s->model, &s->rhythm, &s->retention, key, sizeof key, err) != 0)
    return gb_err_prefix(err, "sim: key 'sim.%s': ", key);
  s->horizon_ms = cfg->start_ms + cfg->duration_ms;
  s->complete_days = cfg->duration_ms / MS_PER_DAY;
  s->games = gb_games(&s->n_games);
  s->rooms = gb_rooms(&s->n_rooms);
  s->packs = gb_coin_packs(&s->n_packs);
  s->economy = gb_games_economy();
  s->countries = gb_countries(&s->n_countries);
  for (size_t g = 0; g < s->n_games; g++)
    s->popularity[g] = s->games[g].popularity;
  for (size_t i = 0; i < s->n_countries && i < COUNTRIES_MAX; i++) {
    s->country_share[i] = s->countries[i].share;
    strncpy(s->country_codes[i], s->countries[i].code, GB_COUNTRY_MAX + 1);
  }
  for (size_t g = 0; g < s->n_games && g < GB_SIM_GAMES_MAX; g++)
    strncpy(s->game_names[g], s->games[g].name, GB_GAME_MAX + 1);
  for (size_t r = 0; r < s->n_rooms && r < ROOMS_MAX; r++)
    strncpy(s->room_names[r], s->rooms[r].name, GB_ROOM_MAX + 1);
  for (int i = 0; i < PLATFORMS; i++)
    strncpy(s->platform_names[i], platforms[i], GB_PLATFORM_MAX + 1);
  s->day = -1;
  s->session_mean_days = (double)s->model.session_scale_ms *
                         tgamma(1.0 + 1.0 / s->model.session_shape) / (double)MS_PER_DAY;
  table_skills(s);
  return 0;
}

/* Zeroed memory for an array of player records, aligned to a cache line; on huge pages (a hint
 * to the kernel) when it spans one or more. NULL when out of memory; free() releases it. */
static void *alloc_records(size_t bytes) {
  size_t align = bytes >= HUGE_PAGE ? HUGE_PAGE : CACHE_LINE;
  size_t rounded = (bytes + align - 1) / align * align; /* aligned_alloc wants a multiple */
  void *m = aligned_alloc(align, rounded);
  if (!m)
    return NULL;
#ifdef MADV_HUGEPAGE
  if (align == HUGE_PAGE)
    (void)madvise(m, rounded, MADV_HUGEPAGE); /* only a hint: without it, only slower */
#endif
  memset(m, 0, rounded);
  return m;
}

int gb_sim_new(const gb_sim_config *cfg, gb_sim **out, gb_err *err) {
  *out = NULL;
  if (cfg->n_producers == 0 || cfg->producer >= cfg->n_producers)
    return gb_err_set(err, GB_ERR_INPUT, "sim: producer %u of %u", cfg->producer, cfg->n_producers);
  if (cfg->duration_ms <= 0)
    return gb_err_set(err, GB_ERR_INPUT, "sim: duration must be > 0");
  if (cfg->players == 0)
    return gb_err_set(err, GB_ERR_INPUT, "sim: players must be >= 1");
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
  s->players = alloc_records((n ? n : 1) * sizeof *s->players);
  s->queue = gb_timeq_new(n, cfg->start_ms, s->players, sizeof *s->players, sizeof *s->players);
  s->arms = calloc(cfg->n_arms ? cfg->n_arms : 1, sizeof *s->arms);
  if (!s->players || !s->queue || !s->arms) {
    gb_sim_free(s);
    return gb_err_set(err, GB_ERR_RUNTIME, "out of memory for %u players", n);
  }
  for (uint32_t i = 0; i < n; i++) {
    uint64_t k = (uint64_t)i * cfg->n_producers + cfg->producer;
    init_player(s, &s->players[i], (uint32_t)(k + 1));
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
  free(s);
}

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

/* Events received in the last `window` ms, from a newest-first list of times (0 = none). */
static int count_recent(const int64_t *times, int n, int64_t now, int64_t window) {
  int count = 0;
  for (int i = 0; i < n; i++)
    count += times[i] != 0 && now - times[i] < window;
  return count;
}

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

static double use_probability(const gb_sim *s, const player *p, const gb_challenge *c,
                              int64_t now) {
  player_view v = view_of(s, p, now);
  return use_probability_seen(s, p, &v, c);
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
    push_pending(p, p->next_ts, GB_EV_PROP_USED, 0);
    s->arms[p->arm].props_used++;
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

/* After session_start or a round's end at `now`: another round if, after a pause, a round of
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

static void count_session_start(gb_sim *s, player *p, int64_t ts) {
  s->stats.sessions_started++;
  int64_t local = ts + (int64_t)s->countries[p->country].utc_offset_min * 60000;
  s->stats.starts_by_local_hour[gb_rhythm_hour_of_week(local)]++;
  if ((ts - s->cfg.start_ms) / MS_PER_DAY < s->complete_days)
    s->stats.sessions_in_days++;
  if (p->id <= s->cfg.players)
    return;
  int64_t age = ts - p->install_ts;
  for (int i = 0; i < GB_RETENTION_N_DAYS; i++) {
    int64_t from = gb_retention_days[i] * MS_PER_DAY;
    if (age < from || age >= from + MS_PER_DAY || (p->retention_seen & (1u << i)))
      continue;
    p->retention_seen |= (uint8_t)(1u << i);
    if (p->install_ts + from + MS_PER_DAY <= s->horizon_ms)
      s->stats.retained[i]++;
  }
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
  plan_next_round(s, p, now);
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
  if (s->cfg.closed_loop) {
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

/* ---- answers from the engine */

static void score_decision(gb_sim *s, const player *p, const gb_decision *d, gb_sim_arm_stats *st) {
  if (d->reason != GB_DECIDED || d->n_candidates == 0 || !s->cfg.catalog)
    return;
  double best = 0, chosen = 0;
  size_t n_cat = gb_catalog_size(s->cfg.catalog);
  player_view v = view_of(s, p, d->ts); /* the same for every candidate */
  for (unsigned i = 0; i < d->n_candidates; i++) {
    if (d->candidates[i] >= n_cat)
      continue;
    double pu = use_probability_seen(s, p, &v, gb_catalog_at(s->cfg.catalog, d->candidates[i]));
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

static void apply_outcomes(gb_sim *s, player *p, const gb_decision *d, gb_sim_arm_stats *st) {
  if (d->completed_prop_id && d->completed_prop_id == p->prop_id && p->prop_state == PROP_USED) {
    p->coin_balance += d->reward_coins;
    s->stats.coins_rewarded += d->reward_coins;
    p->prop_state = PROP_NONE;
    remember(p->completions, COMPLETION_SLOTS, d->ts);
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
  st->decisions++;
  st->decided += d->reason == GB_DECIDED;
  st->suppressed += d->reason == GB_SUPPRESSED;
  st->no_candidates += d->reason == GB_NO_CANDIDATES;
  apply_outcomes(s, p, d, st);
  score_decision(s, p, d, st);
  if (d->chosen != GB_NO_PROP) {
    st->props_generated++;
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
  }
}
