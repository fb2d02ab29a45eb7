/* gb_store_model: the Steam-style store's player model — its parameters (defaults, ranges,
 * validation) and its ground truth, the probabilities the simulated players act on.
 *
 * A player's taste is three liked genres with weights (0.6, 0.3, 0.1 by default: taste_weights)
 * and a monthly budget. For player p and app a:
 *
 *   affinity  aff(p, a) = sum of the weights of p's liked genres that a has       in [0, 1]
 *   click     alpha(p, a) = sigmoid(click_base + click_affinity aff + click_quality (q_a - 1/2)
 *                                   + click_popularity log10(n pop_a))
 *   purchase  beta(p, a, t) = sigmoid(buy_base + buy_affinity aff + buy_quality (q_a - 1/2)
 *                                     - buy_price price_a (1 - discount_a(t)) / budget_p)
 *             (0 when p owns a)
 *   position  theta_i = (i + 1)^-position_decay, i = 0 for the slate's first place
 *
 * (q quality, pop popularity of gb_store_catalog, n the number of apps, so n pop is 1 for an
 * app of average popularity.) Shown at place i of a slate, the app is clicked with probability
 * theta_i alpha (the position-based model: a place is looked at with probability theta_i, an
 * app looked at is clicked with probability alpha) and bought with probability theta_i alpha
 * beta. The oracle slate puts the k apps of largest alpha beta in decreasing order (by the
 * rearrangement inequality no slate has more expected purchases); ties go to the lower
 * ordinal. tests/sim/steam/test_store_model.c pins the formulas; docs/simulator.md explains
 * them. Plain data and pure functions: thread-safe. */
#ifndef GB_STORE_MODEL_H
#define GB_STORE_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gb_err.h"
#include "gb_store_catalog.h"

enum {
  GB_STORE_TASTE_GENRES = 3, /* liked genres of a player */
  GB_STORE_SLATE_MAX = 16    /* apps of one slate */
};

typedef struct gb_store_model {
  /* Catalogue (generated when no CSV is given): apps and popularity (gb_store_catalog). */
  uint32_t apps;           /* 1 .. 1e6; default 20000 */
  double popularity_sigma; /* 0 .. 6; default 2.7 */
  /* Activity: sessions per day (log-normal across players, as on the card platform) of which
   * visit_share are store visits and the rest play sessions; retention targets (gb_retention);
   * new players per day as a fraction of the initial ones; the evening peak's local hour. */
  double sessions_per_day;           /* 0.1 .. 48; default 1.5 */
  double visit_share;                /* 0 .. 1; default 0.4 */
  double retention_d1, retention_d7; /* 0 < d7 < d1 < 1; defaults 0.40, 0.20 */
  double arrival_rate;               /* 0 .. 10; default 0.02 */
  int peak_hour;                     /* 0 .. 23; default 20 */
  /* Taste: the weights of the three liked genres (each 0 .. 1, summing to at most 1). */
  double taste_weights[GB_STORE_TASTE_GENRES];
  /* Budget per month (cents): log-normal with this median and sigma. */
  double budget_median_cents; /* 100 .. 1e7; default 3000 */
  double budget_sigma;        /* 0 .. 3; default 0.8 */
  /* The library a player arrives with (its history on the platform): games ~ ceil of a
   * log-normal (median, sigma), each from a liked genre with probability genre_focus (the genre
   * drawn by the taste weights) or from the whole store, by popularity; hours played per game
   * ~ log-normal (median hours, sigma), 0.1 h resolution (as Steam reports it). */
  double library_median, library_sigma; /* 0.1 .. 1000, 0 .. 4; defaults 1.0, 1.95 */
  double genre_focus;                   /* 0 .. 1; default 0.65 */
  double hours_median, hours_sigma;     /* 0.1 .. 1e4, 0 .. 5; defaults 4.9, 2.2 */
  /* The slate. */
  uint32_t slate_size;   /* k, 1 .. GB_STORE_SLATE_MAX; default 5 */
  double position_decay; /* 0 .. 5; default 0.7 */
  double click_base, click_affinity, click_quality, click_popularity; /* -20 .. 20 each */
  double buy_base, buy_affinity, buy_quality, buy_price;              /* -20 .. 20 each */
  /* Per visit: apps met outside the slate (search, browsing), 0 .. 20 (default 2); after a
   * click without a purchase, a wishlist with probability wishlist_rate (default 0.25). */
  uint32_t organic_views;
  double wishlist_rate;
  /* Apps on sale: each app is on sale in a given week with probability sale_share (0 .. 1,
   * default 0.15) at a discount of 10 .. 75 %. */
  double sale_share;
  /* After a purchase: review with probability review_rate (0 .. 1, default 0.12) once the
   * player has played review_hours_median hours (or all it will play); recommended with
   * probability sigmoid(2 aff + 4 (q - 1/2) + 0.5). Refund, when the game disappoints, with
   * probability refund_rate (1 - aff)(1 - q) (default refund_rate 0.3), after the first play
   * session if the player has played less than 2 hours. */
  double review_rate, review_hours_median, refund_rate;
  /* Offers (DLC, bundles) at a visit with probability offer_rate (0 .. 1, default 0.15). */
  double offer_rate;
} gb_store_model;

/* The documented defaults. */
gb_store_model gb_store_model_defaults(void);

/* Checks every field's range and that the retention targets can be fitted (gb_retention).
 * Returns 0, or -1 with GB_ERR_INPUT: the message is the reason, key[0..key_cap) the key at
 * fault relative to `store.` (e.g. "slate_size"). */
int gb_store_model_check(const gb_store_model *m, char *key, size_t key_cap, gb_err *err);

/* A player's taste. */
typedef struct gb_store_taste {
  uint8_t genre[GB_STORE_TASTE_GENRES]; /* catalogue genre indices (may repeat) */
  double weight[GB_STORE_TASTE_GENRES];
  double budget_cents; /* per month, > 0 */
} gb_store_taste;

double gb_store_affinity(const gb_store_taste *t, const gb_store_app *a);

/* alpha(p, a) for a catalogue of n_apps. */
double gb_store_click_prob(const gb_store_model *m, const gb_store_taste *t, const gb_store_app *a,
                           uint32_t n_apps);

/* beta(p, a) at discount (0 .. 1) for a player who does not own a. */
double gb_store_buy_prob(const gb_store_model *m, const gb_store_taste *t, const gb_store_app *a,
                         double discount);

/* beta from the player's affinity to a (gb_store_affinity) and budget: gb_store_buy_prob is
 * gb_store_buy_prob_with(m, gb_store_affinity(t, a), a, discount, t->budget_cents). */
double gb_store_buy_prob_with(const gb_store_model *m, double affinity, const gb_store_app *a,
                              double discount, double budget_cents);

/* The app's own part of alpha's logit, click_quality (q - 1/2) + click_popularity log10(n pop):
 * the same for every player (a simulator computes it once per app), and alpha from it and the
 * player's affinity: gb_store_click_prob is gb_store_click_prob_with(m, aff, term). */
double gb_store_click_term(const gb_store_model *m, const gb_store_app *a, uint32_t n_apps);
double gb_store_click_prob_with(const gb_store_model *m, double affinity, double term);

/* theta_i. */
double gb_store_position_weight(const gb_store_model *m, unsigned place);

/* The discount of app (ordinal) in the sim week of ts: 0, or 0.10 .. 0.75 (steps of 5 %) with
 * probability sale_share, drawn from (seed, ordinal, week). */
double gb_store_discount(const gb_store_model *m, uint64_t seed, uint32_t ordinal, int64_t ts_ms);

/* Whether the player owns an app: the caller's predicate over ordinals. */
typedef bool (*gb_store_owns_fn)(const void *ctx, uint32_t ordinal);

/* The oracle slate for a player at ts: the k (<= slate_size, <= apps) apps of largest
 * alpha beta among those it does not own, best first, into slate[0..k); value[i] (may be NULL)
 * gets alpha beta of each. Returns k. O(apps log k). */
size_t gb_store_oracle_slate(const gb_store_model *m, const gb_store_catalog *c, uint64_t seed,
                             const gb_store_taste *t, gb_store_owns_fn owns, const void *owns_ctx,
                             int64_t ts_ms, uint32_t *slate, double *value);

/* Expected purchases and clicks of showing slate[0..k) to the player at ts: sum over places of
 * theta_i alpha beta and theta_i alpha (owned apps count for clicks, not purchases). */
void gb_store_slate_expectation(const gb_store_model *m, const gb_store_catalog *c, uint64_t seed,
                                const gb_store_taste *t, gb_store_owns_fn owns,
                                const void *owns_ctx, int64_t ts_ms, const uint32_t *slate,
                                size_t k, double *purchases, double *clicks);

#endif
