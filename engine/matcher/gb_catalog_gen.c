/* gb_catalog_gen: the seeded catalogue generator (the rules are in gb_catalog_gen.h and
 * docs/workloads.md): the plan (how many definitions per scope) and the definitions, each drawn
 * from its own random stream; gb_catalog_gen_write.c writes them. */
#include "gb_catalog_gen_int.h"

#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "gb_rng.h"

/* ---- the design's constants */

/* The bands: see the header for why. */
const band gb_catalog_gen_bands[N_BANDS] = {
    {1, 5, 100, 0},
    {6, 15, 300, 1},
    {16, 30, 1000, 1},
    {31, 0, 3000, 2},
};

static const band *const bands = gb_catalog_gen_bands;

enum {
  GAME_FLOOR = 4,      /* challenges every game gets before popularity shares the rest */
  SCOPE_SHARE_DIV = 10 /* count / 10 any-game and count / 10 family challenges */
};

/* A band spans the next one too with this probability: a few challenges suit two bands. */
#define SPAN_SHARE 0.25
/* Difficulty jitter (uniform, +-) around each goal's formula: equal goals are not all alike. */
#define DIFFICULTY_JITTER 0.05
/* Reward jitter (uniform, +-, relative) before rounding to a round number. */
#define REWARD_JITTER 0.15

/* How often each goal is drawn per scope (relative weights): game challenges are the richest.
 * Comeback offers are not drawn: the first any-game challenge of each band is one (below). */
static const struct {
  double w[3]; /* by scope_kind */
} goal_weights[G_N] = {
    [G_PLAY] = {{0.30, 0.40, 0.28}},    [G_WIN] = {{0.22, 0.30, 0.24}},
    [G_STREAK] = {{0.08, 0.00, 0.08}},  [G_EARN] = {{0.10, 0.00, 0.10}},
    [G_HIGHBET] = {{0.00, 0.00, 0.12}}, [G_DAILY] = {{0.15, 0.20, 0.08}},
    [G_TIMED] = {{0.10, 0.10, 0.10}},   [G_COMEBACK] = {{0.00, 0.00, 0.00}},
};

/* ---- the plan: scopes and their counts */

/* Splits total over n weights in proportion, by largest remainders (ties to the lower index),
 * on top of what out[] already holds. */
static void apportion(size_t total, const double *w, size_t n, size_t *out) {
  double sum = 0;
  for (size_t i = 0; i < n; i++)
    sum += w[i];
  double rem[GB_CATALOG_GEN_GAMES_MAX];
  size_t given = 0;
  for (size_t i = 0; i < n; i++) {
    double exact = (double)total * w[i] / sum;
    size_t whole = (size_t)floor(exact);
    out[i] += whole;
    given += whole;
    rem[i] = exact - (double)whole;
  }
  for (; given < total; given++) {
    size_t best = 0;
    for (size_t i = 1; i < n; i++)
      if (rem[i] > rem[best])
        best = i;
    out[best]++;
    rem[best] = -1;
  }
}

static void find_families(plan *pl) {
  const gb_catalog_gen_params *p = pl->p;
  for (size_t g = 0; g < p->n_games; g++) {
    const char *name = p->games[g].family;
    if (!name)
      continue;
    size_t f = 0;
    while (f < pl->n_families && strcmp(pl->families[f].name, name) != 0)
      f++;
    if (f == pl->n_families)
      pl->families[pl->n_families++] = (family){.name = name};
    family *fa = &pl->families[f];
    fa->games[fa->n_games++] = g;
    fa->popularity += p->games[g].popularity;
  }
  /* A family of one game is that game: its challenges are the game's own. */
  size_t kept = 0;
  for (size_t f = 0; f < pl->n_families; f++)
    if (pl->families[f].n_games >= 2)
      pl->families[kept++] = pl->families[f];
  pl->n_families = kept;
}

static void make_plan(plan *pl) {
  const gb_catalog_gen_params *p = pl->p;
  find_families(pl);
  size_t count = p->count;
  pl->n_any = count / SCOPE_SHARE_DIV;
  size_t n_family = pl->n_families ? count / SCOPE_SHARE_DIV : 0;
  size_t n_game = count - pl->n_any - n_family;
  double w[GB_CATALOG_GEN_GAMES_MAX];
  for (size_t f = 0; f < pl->n_families; f++)
    w[f] = pl->families[f].popularity;
  if (n_family)
    apportion(n_family, w, pl->n_families, pl->per_family);
  size_t floor_each = n_game / p->n_games < GAME_FLOOR ? n_game / p->n_games : GAME_FLOOR;
  for (size_t g = 0; g < p->n_games; g++) {
    pl->per_game[g] = floor_each;
    w[g] = p->games[g].popularity;
  }
  apportion(n_game - floor_each * p->n_games, w, p->n_games, pl->per_game);
}

/* ---- one definition */

static int64_t pick(gb_rng *rng, const int64_t *v, size_t n) { return v[gb_rng_below(rng, n)]; }

#define PICK(rng, arr) pick((rng), (arr), sizeof(arr) / sizeof((arr)[0]))

/* The room a challenge at this band's bets names (the caller's rooms may be fewer). */
static size_t band_room(const gb_catalog_gen_params *p, size_t b) {
  return bands[b].room < p->n_rooms ? bands[b].room : p->n_rooms - 1;
}

static goal draw_goal(const gb_catalog_gen_params *p, scope_kind k, size_t b, gb_rng *rng) {
  double w[G_N], sum = 0;
  for (int g = 0; g < G_N; g++) {
    w[g] = goal_weights[g].w[k];
    /* A higher room needs one above the band's. */
    if (g == G_HIGHBET && band_room(p, b) + 1 >= p->n_rooms)
      w[g] = 0;
    sum += w[g];
  }
  double u = gb_rng_uniform(rng) * sum;
  for (int g = 0; g < G_N; g++) {
    if (u < w[g])
      return (goal)g;
    u -= w[g];
  }
  return G_PLAY; /* u rounded up to sum */
}

/* The goal's size, duration and base difficulty: harder rules (more games, wins in a row, higher
 * stakes, daily streaks) rate higher; durations leave time for the rounds it takes. */
static double draw_rule(const gb_catalog_gen_params *p, def *d, gb_rng *rng) {
  static const int64_t plays[] = {2, 3, 5, 8, 10}, wins[] = {1, 2, 3, 5}, streaks[] = {2, 3, 4},
                       earn_bets[] = {20, 50, 100}, few[] = {3, 5}, daily[] = {2, 3, 5},
                       days[] = {2, 3};
  static const int64_t short_ttl[] = {2 * HOUR_S, 3 * HOUR_S, 6 * HOUR_S},
                       win_ttl[] = {2 * HOUR_S, 6 * HOUR_S, 12 * HOUR_S},
                       mid_ttl[] = {3 * HOUR_S, 6 * HOUR_S}, windows[] = {30 * MINUTE_S, HOUR_S},
                       long_ttl[] = {6 * HOUR_S, DAY_S};
  switch (d->g) {
  case G_PLAY:
    d->n = (int)PICK(rng, plays);
    d->ttl_s = PICK(rng, short_ttl);
    return 0.10 + 0.035 * d->n;
  case G_WIN:
    d->n = (int)PICK(rng, wins);
    d->ttl_s = PICK(rng, win_ttl);
    return 0.30 + 0.08 * d->n;
  case G_STREAK:
    d->n = (int)PICK(rng, streaks);
    d->ttl_s = PICK(rng, mid_ttl);
    return 0.55 + 0.10 * d->n;
  case G_EARN: {
    int64_t m = PICK(rng, earn_bets);
    d->target = m * p->rooms[band_room(p, d->band_lo)].bet;
    d->ttl_s = d->window_s = PICK(rng, mid_ttl);
    return 0.40 + 0.003 * (double)m;
  }
  case G_HIGHBET:
    d->n = (int)PICK(rng, few);
    d->room = band_room(p, d->band_lo) + 1;
    d->ttl_s = PICK(rng, mid_ttl);
    return 0.45 + 0.03 * d->n;
  case G_DAILY:
    d->n = (int)PICK(rng, daily);
    d->days = (int)PICK(rng, days);
    d->ttl_s = (int64_t)d->days * DAY_S;
    return 0.25 + 0.10 * d->days + 0.02 * d->n;
  case G_TIMED:
    d->n = (int)PICK(rng, few);
    d->window_s = PICK(rng, windows);
    d->ttl_s = PICK(rng, long_ttl);
    return 0.25 + 0.04 * d->n + (d->window_s < HOUR_S ? 0.10 : 0);
  case G_COMEBACK:
  case G_N:
    break;
  }
  d->n = 1;
  d->ttl_s = HOUR_S;
  return 0.25;
}

/* x rounded to a multiple of 5 up to 100, of 50 up to 1,000, of 500 up to 10,000, ... (120 ->
 * 100, 3300 -> 3500), at least one step: reward tables use round numbers. */
static int64_t round_number(double x) {
  int64_t step = 5;
  while ((double)step * 20 < x)
    step *= 10;
  int64_t r = (int64_t)llround(x / (double)step) * step;
  return r < step ? step : r;
}

def gb_catalog_gen_draw(const plan *pl, scope sc, size_t j, size_t ordinal) {
  const gb_catalog_gen_params *p = pl->p;
  gb_rng rng;
  gb_rng_seed(&rng, p->seed, ordinal);
  def d = {.sc = sc, .band_lo = j % N_BANDS};
  d.band_hi = d.band_lo;
  if (d.band_lo + 1 < N_BANDS && gb_rng_uniform(&rng) < SPAN_SHARE)
    d.band_hi = d.band_lo + 1;
  /* Every platform runs a comeback offer for broke players, one per band once the any-game
   * scope has room for it next to the drawn goals. */
  if (sc.kind == SCOPE_ANY && j < N_BANDS && pl->n_any >= 2 * N_BANDS) {
    d.g = G_COMEBACK;
    d.band_hi = d.band_lo;
  } else {
    d.g = draw_goal(p, sc.kind, d.band_lo, &rng);
  }
  double base = draw_rule(p, &d, &rng);
  double diff = base + DIFFICULTY_JITTER * (2 * gb_rng_uniform(&rng) - 1);
  diff = diff < 0.05 ? 0.05 : diff > 0.95 ? 0.95 : diff;
  d.difficulty = (double)llround(diff * 100) / 100;
  double jitter = 1 + REWARD_JITTER * (2 * gb_rng_uniform(&rng) - 1);
  if (d.g == G_COMEBACK) /* half a relief's worth at the lowest bet: a lot to a broke player */
    d.reward = round_number(50.0 * (double)p->rooms[0].bet * jitter);
  else
    d.reward = round_number(bands[d.band_lo].reward_base * (0.5 + 3 * d.difficulty) * jitter);
  return d;
}

/* ---- checks and entry point */

static bool good_name(const char *s) {
  size_t n = s ? strlen(s) : 0;
  if (n == 0 || n > GB_CATALOG_GEN_NAME_MAX)
    return false;
  for (size_t i = 0; i < n; i++)
    if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
      return false;
  return true;
}

static int check_games(const gb_catalog_gen_params *p, gb_err *err) {
  if (!p->games || p->n_games < 1 || p->n_games > GB_CATALOG_GEN_GAMES_MAX)
    return gb_err_set(err, GB_ERR_INPUT, "games: %zu games, expected 1 .. %d", p->n_games,
                      GB_CATALOG_GEN_GAMES_MAX);
  for (size_t i = 0; i < p->n_games; i++) {
    const gb_catalog_gen_game *g = &p->games[i];
    if (!good_name(g->name))
      return gb_err_set(err, GB_ERR_INPUT,
                        "games[%zu].name: expected 1 .. %d bytes of a-z, 0-9 and _", i,
                        GB_CATALOG_GEN_NAME_MAX);
    if (!(g->popularity > 0) || !isfinite(g->popularity))
      return gb_err_set(err, GB_ERR_INPUT, "games[%zu].popularity: %g is not a positive number", i,
                        g->popularity);
    if (g->family && !good_name(g->family))
      return gb_err_set(err, GB_ERR_INPUT,
                        "games[%zu].family: expected 1 .. %d bytes of a-z, 0-9 and _", i,
                        GB_CATALOG_GEN_NAME_MAX);
    for (size_t j = 0; j < i; j++)
      if (strcmp(p->games[j].name, g->name) == 0)
        return gb_err_set(err, GB_ERR_INPUT, "games[%zu].name: '%s' repeats games[%zu]", i, g->name,
                          j);
  }
  return 0;
}

static int check_params(const gb_catalog_gen_params *p, gb_err *err) {
  if (p->count < 1 || p->count > GB_CATALOG_GEN_MAX)
    return gb_err_set(err, GB_ERR_INPUT, "count: %zu is out of range (1 .. %d)", p->count,
                      GB_CATALOG_GEN_MAX);
  if (check_games(p, err) != 0)
    return -1;
  if (!p->rooms || p->n_rooms < 1 || p->n_rooms > GB_CATALOG_GEN_ROOMS_MAX)
    return gb_err_set(err, GB_ERR_INPUT, "rooms: %zu rooms, expected 1 .. %d", p->n_rooms,
                      GB_CATALOG_GEN_ROOMS_MAX);
  for (size_t i = 0; i < p->n_rooms; i++) {
    if (!good_name(p->rooms[i].name))
      return gb_err_set(err, GB_ERR_INPUT,
                        "rooms[%zu].name: expected 1 .. %d bytes of a-z, 0-9 and _", i,
                        GB_CATALOG_GEN_NAME_MAX);
    int64_t bet = p->rooms[i].bet, prev = i ? p->rooms[i - 1].bet : 0;
    if (bet < 1 || bet > 1000000000 || bet <= prev)
      return gb_err_set(err, GB_ERR_INPUT,
                        "rooms[%zu].bet: %" PRId64 " is out of range (above the previous room's "
                        "%" PRId64 ", at most 1000000000)",
                        i, bet, prev);
  }
  return 0;
}

int gb_catalog_gen_yaml(const gb_catalog_gen_params *p, char **text, size_t *len, gb_err *err) {
  if (check_params(p, err) != 0)
    return -1;
  plan pl = {.p = p};
  make_plan(&pl);
  return gb_catalog_gen_write(&pl, text, len, err);
}
