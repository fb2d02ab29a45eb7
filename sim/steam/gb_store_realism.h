/* gb_store_realism: the store's realism report — the simulated players' libraries next to a
 * real Steam log (../shared/data/steam-200k-plays.csv: user-id,game-title,hours), with
 * Kolmogorov–Smirnov distances.
 *
 * Three things are compared, each as a distribution and a few summary numbers:
 *   games per player        the number of games with some play in a player's library;
 *   popularity concentration  plays per title, ranked: the share of plays held by the top 1 %
 *                           and 10 % of titles, the Gini coefficient, and as a distance the
 *                           largest gap between the two Lorenz curves (the share of plays held by
 *                           the most popular x of titles, over x in [0, 1]: a KS distance between
 *                           the distributions of plays over titles ranked by popularity);
 *   hours per (player, game)  at Steam's 0.1 h resolution.
 * KS distances are sup |F_sim - F_real| over the two empirical CDFs. The sample sizes match: when
 * the simulation has more players than the log has users, the report takes the simulated
 * players with the smallest ids, as many as the log's users (concentration depends on how many
 * players are looked at: more players reach more of the tail). Without a real log the rows give
 * the simulated values and no target. */
#ifndef GB_STORE_REALISM_H
#define GB_STORE_REALISM_H

#include <stddef.h>
#include <stdio.h>

#include "gb_err.h"
#include "gb_store_sim.h"

typedef struct gb_store_realism gb_store_realism;

typedef struct gb_store_realism_row {
  const char *statistic; /* e.g. "games_per_player_ks" */
  double value;          /* simulated (a distance for _ks rows) */
  double target;         /* real (0.05 for _ks rows: the calibration bound); NaN without a log */
  const char *unit;      /* "count", "share", "hour", "distance" */
  const char *source;    /* "steam log" or "bound" */
} gb_store_realism_row;

enum { GB_STORE_REALISM_ROWS_MAX = 24 };

int gb_store_realism_new(gb_store_realism **out, gb_err *err);
void gb_store_realism_free(gb_store_realism *r);

/* Adds the libraries of s's players (each instance of a run once). Returns 0, or -1 with
 * GB_ERR_RUNTIME when out of memory. */
int gb_store_realism_add(gb_store_realism *r, const gb_store_sim *s, gb_err *err);

/* Reads the real log: rows user-id,title,hours[,...] (a header line is skipped when its third
 * field is not a number; a fourth field is ignored). Unusable rows are skipped and counted in
 * *skipped (may be NULL); an error only when none is usable. Returns 0, or -1 with GB_ERR_INPUT
 * naming the file (and line). */
int gb_store_realism_load_real(gb_store_realism *r, const char *path, size_t *skipped, gb_err *err);

/* Computes the rows into rows[0..cap); returns how many there are (<= ROWS_MAX). Returns 0 when
 * out of memory. Strings are static. */
size_t gb_store_realism_rows(gb_store_realism *r, gb_store_realism_row *rows, size_t cap);

/* The KS distance between two sorted samples (ascending). */
double gb_store_ks(const double *a, size_t na, const double *b, size_t nb);

/* The largest gap between the Lorenz curves of two sets of counts sorted in decreasing order
 * (share held by the top x of each, x in [0, 1], linear between points). */
double gb_store_lorenz_gap(const double *a, size_t na, const double *b, size_t nb);

/* Gini coefficient of counts sorted in decreasing order. */
double gb_store_gini(const double *desc, size_t n);

/* Share of the total held by the top fraction (0 .. 1] of counts sorted in decreasing order
 * (at least one). */
double gb_store_top_share(const double *desc, size_t n, double fraction);

void gb_store_realism_print(gb_store_realism *r, FILE *out);

#endif
