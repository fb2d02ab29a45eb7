#include "gb_store_realism.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gb_csv.h"
#include "gb_grow.h"
#include "gb_rng.h"

/* One (player, game, hours) row, simulated or real (real titles hashed to a 64-bit key). */
typedef struct play_row {
  uint64_t player;
  uint64_t game;
  double hours;
} play_row;

typedef struct side {
  play_row *rows;
  size_t n, cap;
} side;

struct gb_store_realism {
  side sim, real;
  bool have_real;
  gb_err *err; /* during a call */
};

int gb_store_realism_new(gb_store_realism **out, gb_err *err) {
  *out = calloc(1, sizeof **out);
  if (!*out)
    return gb_err_set(err, GB_ERR_RUNTIME, "realism: out of memory");
  return 0;
}

void gb_store_realism_free(gb_store_realism *r) {
  if (!r)
    return;
  free(r->sim.rows);
  free(r->real.rows);
  free(r);
}

static int side_add(side *sd, uint64_t player, uint64_t game, double hours, gb_err *err) {
  if (GB_GROW(sd->rows, sd->cap, sd->n + 1, 4096, "realism rows", err) != 0)
    return -1;
  sd->rows[sd->n++] = (play_row){player, game, hours};
  return 0;
}

typedef struct add_ctx {
  side *sd;
  int rc;
  gb_err *err;
} add_ctx;

static void on_library(void *ctx_, uint64_t player_id, uint32_t app, double hours) {
  add_ctx *c = ctx_;
  if (c->rc == 0)
    c->rc = side_add(c->sd, player_id, app, hours, c->err);
}

int gb_store_realism_add(gb_store_realism *r, const gb_store_sim *s, gb_err *err) {
  add_ctx c = {.sd = &r->sim, .err = err};
  for (size_t k = 0; k < gb_store_sim_players(s) && c.rc == 0; k++)
    gb_store_sim_library(s, k, on_library, &c);
  return c.rc;
}

typedef struct real_ctx {
  gb_store_realism *r;
  const char *path;
  size_t skipped, line1_skipped;
  gb_err *err;
} real_ctx;

static bool parse_number(const char *s, double *out) {
  char *end;
  double v = strtod(s, &end);
  if (end == s || *end != '\0' || !isfinite(v))
    return false;
  *out = v;
  return true;
}

static int on_real_record(void *ctx, size_t line, const char *const *f, size_t n) {
  real_ctx *c = ctx;
  double user, hours;
  if (n < 3 || !parse_number(f[0], &user) || !parse_number(f[2], &hours) || hours < 0 || !f[1][0]) {
    if (line == 1)
      c->line1_skipped = 1; /* the header */
    else
      c->skipped++;
    return 0;
  }
  uint64_t game = gb_hash_bytes(f[1], strlen(f[1]), 0);
  return side_add(&c->r->real, (uint64_t)user, game, hours, c->err);
}

int gb_store_realism_load_real(gb_store_realism *r, const char *path, size_t *skipped,
                               gb_err *err) {
  real_ctx c = {.r = r, .path = path, .err = err};
  if (gb_csv_records_read(path, on_real_record, &c, err) != 0)
    return -1;
  if (r->real.n == 0)
    return gb_err_set(err, GB_ERR_INPUT, "%s: no usable row (user-id,title,hours)", path);
  r->have_real = true;
  if (skipped)
    *skipped = c.skipped;
  return 0;
}

/* ---- Statistics -------------------------------------------------------------------------- */

static int cmp_player(const void *a, const void *b) {
  const play_row *x = a, *y = b;
  if (x->player != y->player)
    return x->player < y->player ? -1 : 1;
  return x->game < y->game ? -1 : x->game > y->game;
}

static int cmp_game(const void *a, const void *b) {
  const play_row *x = a, *y = b;
  return x->game < y->game ? -1 : x->game > y->game;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static int cmp_double_desc(const void *a, const void *b) { return cmp_double(b, a); }

typedef struct dists {
  double *games; /* per player, ascending */
  size_t n_players;
  double *plays; /* per title, descending */
  size_t n_titles;
  double *hours; /* per row, ascending */
  size_t n_rows;
} dists;

static void dists_free(dists *d) {
  free(d->games);
  free(d->plays);
  free(d->hours);
}

/* The distributions of the first max_players players (by id) of a side (rows sorted here). */
static int compute(side *sd, size_t max_players, dists *d) {
  memset(d, 0, sizeof *d);
  if (sd->n > 0) /* rows is NULL on an empty side, which qsort must not be given */
    qsort(sd->rows, sd->n, sizeof *sd->rows, cmp_player);
  size_t n = 0, players = 0;
  for (; n < sd->n; n++) {
    if (n == 0 || sd->rows[n].player != sd->rows[n - 1].player) {
      if (players == max_players)
        break;
      players++;
    }
  }
  d->games = calloc(players ? players : 1, sizeof *d->games);
  d->hours = malloc((n ? n : 1) * sizeof *d->hours);
  play_row *by_game = malloc((n ? n : 1) * sizeof *by_game);
  d->plays = malloc((n ? n : 1) * sizeof *d->plays);
  if (!d->games || !d->hours || !by_game || !d->plays) {
    free(by_game);
    dists_free(d);
    return -1;
  }
  size_t p = 0;
  for (size_t i = 0; i < n; i++) {
    if (i > 0 && sd->rows[i].player != sd->rows[i - 1].player)
      p++;
    d->games[p] += 1;
    d->hours[i] = sd->rows[i].hours;
    by_game[i] = sd->rows[i];
  }
  d->n_players = players;
  d->n_rows = n;
  qsort(d->games, players, sizeof *d->games, cmp_double);
  qsort(d->hours, n, sizeof *d->hours, cmp_double);
  qsort(by_game, n, sizeof *by_game, cmp_game);
  size_t t = 0;
  for (size_t i = 0; i < n; i++) {
    if (i == 0 || by_game[i].game != by_game[i - 1].game)
      d->plays[t++] = 0;
    d->plays[t - 1] += 1;
  }
  d->n_titles = t;
  qsort(d->plays, t, sizeof *d->plays, cmp_double_desc);
  free(by_game);
  return 0;
}

double gb_store_ks(const double *a, size_t na, const double *b, size_t nb) {
  size_t i = 0, j = 0;
  double gap = 0;
  while (i < na || j < nb) {
    double x = i < na && (j >= nb || a[i] <= b[j]) ? a[i] : b[j];
    while (i < na && a[i] <= x)
      i++;
    while (j < nb && b[j] <= x)
      j++;
    double fa = na ? (double)i / (double)na : 0, fb = nb ? (double)j / (double)nb : 0;
    if (fabs(fa - fb) > gap)
      gap = fabs(fa - fb);
  }
  return gap;
}

/* The Lorenz curve from the top: L(x) = share held by the top x of titles, linear between the
 * points (k / n, top k's share). */
static double lorenz_at(const double *cum, size_t n, double x) {
  double pos = x * (double)n;
  size_t k = (size_t)floor(pos);
  if (k >= n)
    return 1.0;
  double lo = k ? cum[k - 1] : 0.0;
  return lo + (cum[k] - lo) * (pos - (double)k);
}

static double *cumulative_shares(const double *desc, size_t n) {
  double *cum = malloc((n ? n : 1) * sizeof *cum);
  if (!cum)
    return NULL;
  double total = 0, acc = 0;
  for (size_t i = 0; i < n; i++)
    total += desc[i];
  for (size_t i = 0; i < n; i++) {
    acc += desc[i];
    cum[i] = total > 0 ? acc / total : 0;
  }
  return cum;
}

/* The largest gap between the two curves at the points k / steps, k = 0 .. steps. */
static double gap_at_breakpoints(const double *ca, size_t na, const double *cb, size_t nb,
                                 size_t steps) {
  double gap = 0;
  for (size_t k = 0; k <= steps; k++) {
    double x = (double)k / (double)steps;
    double g = fabs(lorenz_at(ca, na, x) - lorenz_at(cb, nb, x));
    gap = g > gap ? g : gap;
  }
  return gap;
}

double gb_store_lorenz_gap(const double *a, size_t na, const double *b, size_t nb) {
  double *ca = cumulative_shares(a, na), *cb = cumulative_shares(b, nb);
  double gap = 0;
  if (ca && cb && na && nb) {
    /* Both curves are piecewise linear: the largest gap is at a breakpoint of one of them. */
    double ga = gap_at_breakpoints(ca, na, cb, nb, na);
    double gb = gap_at_breakpoints(ca, na, cb, nb, nb);
    gap = ga > gb ? ga : gb;
  }
  free(ca);
  free(cb);
  return gap;
}

double gb_store_gini(const double *desc, size_t n) {
  /* G = sum_i (2 i - n - 1) x_(i) / (n sum x) over ascending order, i = 1 .. n. */
  double num = 0, total = 0;
  for (size_t i = 0; i < n; i++) {
    double x = desc[n - 1 - i];
    num += (2.0 * (double)(i + 1) - (double)n - 1.0) * x;
    total += x;
  }
  return n && total > 0 ? num / ((double)n * total) : NAN;
}

double gb_store_top_share(const double *desc, size_t n, double fraction) {
  size_t k = (size_t)floor(fraction * (double)n);
  if (k < 1)
    k = 1;
  double top = 0, total = 0;
  for (size_t i = 0; i < n; i++) {
    total += desc[i];
    if (i < k)
      top += desc[i];
  }
  return total > 0 ? top / total : NAN;
}

static double quantile(const double *asc, size_t n, double q) {
  return n ? asc[(size_t)floor(q * (double)(n - 1))] : NAN;
}

enum { KS_BOUND_MILLI = 50 }; /* the calibration bound: every distance <= 0.05 */

size_t gb_store_realism_rows(gb_store_realism *r, gb_store_realism_row *rows, size_t cap) {
  dists real = {0}, sim;
  if (r->have_real && compute(&r->real, SIZE_MAX, &real) != 0)
    return 0;
  if (compute(&r->sim, r->have_real ? real.n_players : SIZE_MAX, &sim) != 0) {
    dists_free(&real);
    return 0;
  }
  bool hr = r->have_real;
  const double bound = KS_BOUND_MILLI / 1000.0;
  gb_store_realism_row all[GB_STORE_REALISM_ROWS_MAX];
  size_t n = 0;
#define ROW(name, v, t, u, src) all[n++] = (gb_store_realism_row){name, v, hr ? (t) : NAN, u, src}
  ROW("players", (double)sim.n_players, (double)real.n_players, "count", "steam log");
  ROW("titles_played", (double)sim.n_titles, (double)real.n_titles, "count", "steam log");
  ROW("games_per_player_p50", quantile(sim.games, sim.n_players, 0.5),
      quantile(real.games, real.n_players, 0.5), "count", "steam log");
  ROW("games_per_player_p90", quantile(sim.games, sim.n_players, 0.9),
      quantile(real.games, real.n_players, 0.9), "count", "steam log");
  ROW("games_per_player_p99", quantile(sim.games, sim.n_players, 0.99),
      quantile(real.games, real.n_players, 0.99), "count", "steam log");
  ROW("games_per_player_ks",
      hr ? gb_store_ks(sim.games, sim.n_players, real.games, real.n_players) : NAN, bound,
      "distance", "bound");
  ROW("plays_top1pct_share", gb_store_top_share(sim.plays, sim.n_titles, 0.01),
      gb_store_top_share(real.plays, real.n_titles, 0.01), "share", "steam log");
  ROW("plays_top10pct_share", gb_store_top_share(sim.plays, sim.n_titles, 0.10),
      gb_store_top_share(real.plays, real.n_titles, 0.10), "share", "steam log");
  ROW("plays_gini", gb_store_gini(sim.plays, sim.n_titles),
      gb_store_gini(real.plays, real.n_titles), "ratio", "steam log");
  ROW("popularity_lorenz_ks",
      hr ? gb_store_lorenz_gap(sim.plays, sim.n_titles, real.plays, real.n_titles) : NAN, bound,
      "distance", "bound");
  ROW("hours_per_game_p25", quantile(sim.hours, sim.n_rows, 0.25),
      quantile(real.hours, real.n_rows, 0.25), "hour", "steam log");
  ROW("hours_per_game_p50", quantile(sim.hours, sim.n_rows, 0.5),
      quantile(real.hours, real.n_rows, 0.5), "hour", "steam log");
  ROW("hours_per_game_p90", quantile(sim.hours, sim.n_rows, 0.9),
      quantile(real.hours, real.n_rows, 0.9), "hour", "steam log");
  ROW("hours_per_game_ks", hr ? gb_store_ks(sim.hours, sim.n_rows, real.hours, real.n_rows) : NAN,
      bound, "distance", "bound");
#undef ROW
  dists_free(&real);
  dists_free(&sim);
  for (size_t i = 0; i < n && i < cap; i++)
    rows[i] = all[i];
  return n;
}

void gb_store_realism_print(gb_store_realism *r, FILE *out) {
  gb_store_realism_row rows[GB_STORE_REALISM_ROWS_MAX];
  size_t n = gb_store_realism_rows(r, rows, GB_STORE_REALISM_ROWS_MAX);
  fprintf(out, "%-24s %12s %12s %-9s %s\n", "statistic", "simulated", "real", "unit", "source");
  for (size_t i = 0; i < n; i++)
    fprintf(out, "%-24s %12.4g %12.4g %-9s %s\n", rows[i].statistic, rows[i].value, rows[i].target,
            rows[i].unit, rows[i].source);
}
