#include "gb_features.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gb_grow.h"
#include "gb_prefetch.h"

#define WEEK_MS (7 * GB_FEATURES_DAY_MS)

enum { CUR = 0, LAST = 1 }; /* the current and the previous session, in two-element arrays */

/* Everything kept about one player, in one 80-byte record: an event reads and writes one or two
 * cache lines. Counters that realistic players cannot fill are 16 bits and saturate; what only
 * payers need lives in a payer record (most players never pay). */
typedef struct player_rec {
  uint64_t session_id; /* the current session's id (0: its events had none) */
  int64_t coins[2];    /* sum of game_end coins_delta, per session */
  uint32_t total_games;
  uint32_t payer;      /* index + 1 into gb_features.payers; 0: never bought */
  int32_t install_day; /* local day of the first event */
  int32_t today;       /* local day of the latest game_end */
  uint16_t games[2], wins[2];
  uint16_t today_games;                        /* game_end events on day `today` */
  uint16_t game_count[GB_FEATURES_GAMES_KEPT]; /* 0: a free entry */
  uint8_t game[GB_FEATURES_GAMES_KEPT];        /* index into gb_features.games */
  char country[GB_COUNTRY_MAX];                /* NUL-padded, not terminated */
  uint8_t platform;                            /* index + 1 into gb_features.platforms; 0: none */
  uint8_t seen; /* 1 once the player's first event is folded (a zeroed slot is no state) */
} player_rec;

_Static_assert(sizeof(player_rec) == 80, "the documented size of a player's record");
_Static_assert(GB_AGG_GAMES_MAX <= 256, "game indexes are 8 bits");

typedef struct buy {
  int64_t ts;
  int64_t cents;
} buy;

/* A player who has bought at least once. */
typedef struct payer {
  int64_t last_ts;  /* the latest purchase's ts */
  int64_t cents[2]; /* purchase amounts, per session */
  buy *buys;        /* the purchases that a later window can still hold (unordered) */
  size_t cap;
  uint32_t n;
} payer;

struct gb_features {
  player_rec *players;
  size_t cap;
  payer *payers;
  size_t n_payers, cap_payers;
  size_t n_games, n_platforms;
  char games[GB_AGG_GAMES_MAX][GB_GAME_MAX + 1];
  char platforms[GB_FEATURES_PLATFORMS_MAX][GB_PLATFORM_MAX + 1];
};

static const char *const feature_names[GB_FEAT__COUNT] = {
    [GB_FEAT_LAST_SESSION_GAMES] = "last_session_games",
    [GB_FEAT_LAST_SESSION_WIN_RATIO] = "last_session_win_ratio",
    [GB_FEAT_LAST_SESSION_COINS_DELTA] = "last_session_coins_delta",
    [GB_FEAT_LAST_SESSION_PURCHASE] = "last_session_purchase",
    [GB_FEAT_SESSION_GAMES] = "session_games",
    [GB_FEAT_SESSION_WIN_RATIO] = "session_win_ratio",
    [GB_FEAT_PURCHASE_7D] = "purchase_7d",
    [GB_FEAT_GAMES_TODAY] = "games_today",
    [GB_FEAT_DAYS_SINCE_LAST_PURCHASE] = "days_since_last_purchase",
    [GB_FEAT_FAVOURITE_GAME_SHARE] = "favourite_game_share",
    [GB_FEAT_DAYS_SINCE_INSTALL] = "days_since_install",
};

const char *gb_feature_name(gb_feature f) {
  return (unsigned)f < GB_FEAT__COUNT ? feature_names[f] : "unknown";
}

int gb_features_new(size_t expected_players, gb_features **out, gb_err *err) {
  gb_features *f = calloc(1, sizeof *f);
  if (!f)
    return gb_err_set(err, GB_ERR_RUNTIME, "out of memory for the feature store");
  if (expected_players > 0 &&
      GB_GROW(f->players, f->cap, expected_players, 1024, "feature players", err) != 0) {
    gb_features_free(f);
    return -1;
  }
  *out = f;
  return 0;
}

void gb_features_free(gb_features *f) {
  if (!f)
    return;
  for (size_t i = 0; i < f->n_payers; i++)
    free(f->payers[i].buys);
  free(f->payers);
  free(f->players);
  free(f);
}

/* floor((ts + utc_offset_min minutes) / 1 d), without overflow for any ts: C's division
 * truncates, so the day of ts comes whole first and the offset moves its remainder (less than
 * two days either way), whose own floor division follows. */
static int64_t local_day(int64_t ts, int32_t utc_offset_min) {
  int64_t rem = ts % GB_FEATURES_DAY_MS + (int64_t)utc_offset_min * 60000;
  int64_t day = ts / GB_FEATURES_DAY_MS;
  if (rem < 0)
    return day - 1 - (-rem - 1) / GB_FEATURES_DAY_MS;
  return day + rem / GB_FEATURES_DAY_MS;
}

/* Day numbers fit 32 bits for 5.8 million years either side of 1970; beyond, they are clamped. */
static int32_t day32(int64_t day) {
  return day > INT32_MAX ? INT32_MAX : day < INT32_MIN ? INT32_MIN : (int32_t)day;
}

static void sat_inc16(uint16_t *v) { *v += *v < UINT16_MAX; }

static int64_t sat_add64(int64_t a, int64_t b) {
  int64_t s;
  if (__builtin_add_overflow(a, b, &s))
    return b > 0 ? INT64_MAX : INT64_MIN;
  return s;
}

/* Room for slot (pre-sized at creation; a failed growth is fatal). New records are zeroes,
 * written only at their player's first event. */
static void ensure_slot(gb_features *f, uint32_t slot) {
  GB_GROW_OR_DIE(f->players, f->cap, (size_t)slot + 1, 1024, "feature players");
}

/* Index of the game named name, added when new; -1 when the table is full. */
static int game_index(gb_features *f, const char *name) {
  for (size_t i = 0; i < f->n_games; i++)
    if (strcmp(f->games[i], name) == 0)
      return (int)i;
  if (f->n_games == GB_AGG_GAMES_MAX)
    return -1;
  memcpy(f->games[f->n_games], name, strlen(name) + 1);
  return (int)f->n_games++;
}

/* Index + 1 of the platform named name, added when new; 0 (none) when the table is full. */
static uint8_t platform_index(gb_features *f, const char *name) {
  for (size_t i = 0; i < f->n_platforms; i++)
    if (strcmp(f->platforms[i], name) == 0)
      return (uint8_t)(i + 1);
  if (f->n_platforms == GB_FEATURES_PLATFORMS_MAX)
    return 0;
  memcpy(f->platforms[f->n_platforms], name, strlen(name) + 1);
  return (uint8_t)++f->n_platforms;
}

/* Identity aggregates: the latest non-empty country and platform. The player's own platform is
 * compared first, so that the table is searched only when it changes. */
static void fold_identity(gb_features *f, player_rec *r, const gb_event *ev) {
  if (ev->country[0])
    memcpy(r->country, ev->country, GB_COUNTRY_MAX);
  if (ev->platform[0] &&
      (r->platform == 0 || strcmp(f->platforms[r->platform - 1], ev->platform) != 0))
    r->platform = platform_index(f, ev->platform);
}

/* The previous session is dropped, the current one becomes it, and a new one begins. */
static void open_session(gb_features *f, player_rec *r, uint64_t session_id) {
  r->session_id = session_id;
  r->coins[LAST] = r->coins[CUR];
  r->games[LAST] = r->games[CUR];
  r->wins[LAST] = r->wins[CUR];
  r->coins[CUR] = 0;
  r->games[CUR] = 0;
  r->wins[CUR] = 0;
  if (r->payer) {
    payer *p = &f->payers[r->payer - 1];
    p->cents[LAST] = p->cents[CUR];
    p->cents[CUR] = 0;
  }
}

/* Keeps the share close when a count would pass 16 bits: every count and the total halve
 * (rounded down, so the total stays at least the sum of the counts). */
static void halve_counts(player_rec *r) {
  for (int i = 0; i < GB_FEATURES_GAMES_KEPT; i++)
    r->game_count[i] /= 2;
  r->total_games /= 2;
}

/* The entry counting game gi: its own, else the first free one; -1 when every entry counts
 * another game. */
static int game_entry(const player_rec *r, int gi) {
  int free_entry = -1;
  for (int i = 0; i < GB_FEATURES_GAMES_KEPT; i++) {
    if (r->game_count[i] && r->game[i] == gi)
      return i;
    if (!r->game_count[i] && free_entry < 0)
      free_entry = i;
  }
  return free_entry;
}

static void count_game(player_rec *r, int gi) {
  int e = gi < 0 ? -1 : game_entry(r, gi);
  if (e >= 0 && r->game_count[e] == UINT16_MAX)
    halve_counts(r); /* the entry keeps 32767: still e */
  if (e >= 0) {
    r->game[e] = (uint8_t)gi;
    r->game_count[e]++;
  }
  if (r->total_games == UINT32_MAX)
    halve_counts(r);
  r->total_games++;
}

enum { LOOK_UP = -2 /* fold_game_end: find the game in this store's table */ };

static void fold_game_end(gb_features *f, player_rec *r, const gb_event *ev, int gi) {
  const gb_ev_game *g = &ev->u.game;
  sat_inc16(&r->games[CUR]);
  if (g->won)
    sat_inc16(&r->wins[CUR]);
  r->coins[CUR] = sat_add64(r->coins[CUR], g->coins_delta);
  int32_t day = day32(local_day(ev->ts, gb_event_local_offset_min(ev)));
  if (day != r->today) {
    r->today = day;
    r->today_games = 0;
  }
  sat_inc16(&r->today_games);
  count_game(r, gi == LOOK_UP ? game_index(f, g->game) : gi);
}

/* Currency units to cents, rounded half away from zero once per purchase. Values no decoder
 * lets through (NaN, infinities, beyond 9e13 units) count as nothing rather than overflow. */
static int64_t to_cents(double units) {
  double c = units * 100.0;
  if (!(c > -9e15 && c < 9e15))
    return 0;
  return llround(c);
}

static int64_t purchase_cents(const gb_ev_purchase *p) {
  return p->app_id != 0 ? to_cents(p->price * (1.0 - p->discount)) : to_cents(p->amount);
}

/* The player's payer record, created at its first purchase (the payers table may move: do not
 * keep a payer pointer across this call). */
static payer *payer_of(gb_features *f, player_rec *r, int64_t ts) {
  if (!r->payer) {
    GB_GROW_OR_DIE(f->payers, f->cap_payers, f->n_payers + 1, 256, "feature payers");
    f->payers[f->n_payers] = (payer){.last_ts = ts};
    r->payer = (uint32_t)++f->n_payers;
  }
  return &f->payers[r->payer - 1];
}

static int64_t week_before(int64_t t) { return t < INT64_MIN + WEEK_MS ? INT64_MIN : t - WEEK_MS; }

/* Adds the purchase to the list and drops those that no later window can hold: a decision comes
 * at or after the latest purchase, so its window starts at or after last_ts - 7 d. */
static void remember_buy(payer *p, int64_t ts, int64_t cents) {
  GB_GROW_OR_DIE(p->buys, p->cap, (size_t)p->n + 1, 4, "feature purchases");
  p->buys[p->n++] = (buy){.ts = ts, .cents = cents};
  int64_t oldest = week_before(p->last_ts);
  uint32_t kept = 0;
  for (uint32_t i = 0; i < p->n; i++)
    if (p->buys[i].ts >= oldest)
      p->buys[kept++] = p->buys[i];
  p->n = kept;
}

static void fold_purchase(gb_features *f, player_rec *r, const gb_event *ev) {
  payer *p = payer_of(f, r, ev->ts);
  int64_t cents = purchase_cents(&ev->u.purchase);
  p->cents[CUR] = sat_add64(p->cents[CUR], cents);
  if (ev->ts > p->last_ts)
    p->last_ts = ev->ts;
  remember_buy(p, ev->ts, cents);
}

static void update(gb_features *f, uint32_t slot, const gb_event *ev, int gi) {
  if ((unsigned)ev->type >= GB_EV__COUNT || gb_event_is_control(ev->type))
    return;
  ensure_slot(f, slot);
  player_rec *r = &f->players[slot];
  if (!r->seen) {
    *r = (player_rec){
        .seen = 1,
        .session_id = ev->session_id,
        .install_day = day32(local_day(ev->ts, gb_event_local_offset_min(ev))),
    };
  } else if (ev->session_id != 0 && ev->session_id != r->session_id) {
    open_session(f, r, ev->session_id);
  }
  fold_identity(f, r, ev);
  if (ev->type == GB_EV_GAME_END)
    fold_game_end(f, r, ev, gi);
  else if (ev->type == GB_EV_PURCHASE)
    fold_purchase(f, r, ev);
}

void gb_features_update(gb_features *f, uint32_t slot, const gb_event *ev) {
  update(f, slot, ev, LOOK_UP);
}

void gb_features_update_game(gb_features *f, uint32_t slot, const gb_event *ev, int gi) {
  update(f, slot, ev, gi < 0 ? -1 : gi);
}

static double ratio(double num, double den) { return den > 0 ? num / den : 0.0; }

static double favourite_share(const player_rec *r) {
  uint16_t best = 0;
  for (int i = 0; i < GB_FEATURES_GAMES_KEPT; i++)
    if (r->game_count[i] > best)
      best = r->game_count[i];
  return ratio(best, r->total_games);
}

/* The money features: the sessions' purchases, the window [t - 7 d, t), the latest purchase. */
static void fill_money(const payer *p, int64_t t, double *x) {
  int64_t week = 0, from = week_before(t);
  for (uint32_t i = 0; i < p->n; i++)
    if (p->buys[i].ts >= from && p->buys[i].ts < t)
      week = sat_add64(week, p->buys[i].cents);
  x[GB_FEAT_LAST_SESSION_PURCHASE] = (double)p->cents[LAST] / 100.0;
  x[GB_FEAT_PURCHASE_7D] = (double)week / 100.0;
  x[GB_FEAT_DAYS_SINCE_LAST_PURCHASE] =
      ((double)t - (double)p->last_ts) / (double)GB_FEATURES_DAY_MS;
}

static void fill_identity(const gb_features *f, const player_rec *r, gb_feature_vec *out) {
  memcpy(out->country, r->country, GB_COUNTRY_MAX); /* out is zeroed: terminated */
  if (r->platform)
    memcpy(out->platform, f->platforms[r->platform - 1], sizeof out->platform);
  out->install_day = r->install_day;
  out->known = true;
}

void gb_features_fill(const gb_features *f, uint32_t slot, int64_t decision_ts,
                      int32_t utc_offset_min, gb_feature_vec *out) {
  memset(out, 0, sizeof *out);
  double *x = out->x;
  x[GB_FEAT_DAYS_SINCE_LAST_PURCHASE] = -1;
  if (slot >= f->cap || !f->players[slot].seen)
    return;
  const player_rec *r = &f->players[slot];
  fill_identity(f, r, out);
  int64_t day = local_day(decision_ts, utc_offset_min);
  x[GB_FEAT_LAST_SESSION_GAMES] = r->games[LAST];
  x[GB_FEAT_LAST_SESSION_WIN_RATIO] = ratio(r->wins[LAST], r->games[LAST]);
  x[GB_FEAT_LAST_SESSION_COINS_DELTA] = (double)r->coins[LAST];
  x[GB_FEAT_SESSION_GAMES] = r->games[CUR];
  x[GB_FEAT_SESSION_WIN_RATIO] = ratio(r->wins[CUR], r->games[CUR]);
  x[GB_FEAT_GAMES_TODAY] = day == r->today ? r->today_games : 0;
  x[GB_FEAT_FAVOURITE_GAME_SHARE] = favourite_share(r);
  x[GB_FEAT_DAYS_SINCE_INSTALL] = (double)(day - r->install_day);
  if (r->payer)
    fill_money(&f->payers[r->payer - 1], decision_ts, x);
}

void gb_features_prefetch(const gb_features *f, uint32_t slot) {
  if (slot >= f->cap)
    return; /* a new player: gb_features_update will allocate and initialise it */
  gb_prefetch_span_for_write(&f->players[slot], sizeof f->players[slot]);
}

size_t gb_features_memory(const gb_features *f) {
  size_t bytes = f->cap * sizeof(player_rec) + f->cap_payers * sizeof(payer);
  for (size_t i = 0; i < f->n_payers; i++)
    bytes += f->payers[i].cap * sizeof(buy);
  return bytes;
}
