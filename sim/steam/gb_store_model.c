#include "gb_store_model.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "gb_retention.h"
#include "gb_rhythm.h"
#include "gb_rng.h"

gb_store_model gb_store_model_defaults(void) {
  return (gb_store_model){
      .apps = 20000,
      .popularity_sigma = 2.7,
      .sessions_per_day = 1.5,
      .visit_share = 0.4,
      .retention_d1 = 0.40,
      .retention_d7 = 0.20,
      .arrival_rate = 0.02,
      .peak_hour = 20,
      .taste_weights = {0.6, 0.3, 0.1},
      .budget_median_cents = 3000,
      .budget_sigma = 0.8,
      .library_median = 1.0,
      .library_sigma = 1.95,
      .genre_focus = 0.65,
      .hours_median = 4.9,
      .hours_sigma = 2.2,
      .slate_size = 5,
      .position_decay = 0.7,
      .click_base = -3.0,
      .click_affinity = 3.0,
      .click_quality = 2.0,
      .click_popularity = 0.4,
      .buy_base = -1.0,
      .buy_affinity = 1.5,
      .buy_quality = 1.5,
      .buy_price = 1.0,
      .organic_views = 2,
      .wishlist_rate = 0.25,
      .sale_share = 0.15,
      .review_rate = 0.12,
      .review_hours_median = 8,
      .refund_rate = 0.3,
      .offer_rate = 0.15,
  };
}

typedef struct range_row {
  const char *key;
  size_t offset;
  double min, max;
} range_row;

#define ROW(field, lo, hi)                                                                         \
  { #field, offsetof(gb_store_model, field), lo, hi }
static const range_row DOUBLE_RANGES[] = {
    ROW(popularity_sigma, 0, 6),
    ROW(sessions_per_day, 0.1, 48),
    ROW(visit_share, 0, 1),
    ROW(arrival_rate, 0, 10),
    ROW(budget_median_cents, 100, 1e7),
    ROW(budget_sigma, 0, 3),
    ROW(library_median, 0.1, 1000),
    ROW(library_sigma, 0, 4),
    ROW(genre_focus, 0, 1),
    ROW(hours_median, 0.1, 1e4),
    ROW(hours_sigma, 0, 5),
    ROW(position_decay, 0, 5),
    ROW(click_base, -20, 20),
    ROW(click_affinity, -20, 20),
    ROW(click_quality, -20, 20),
    ROW(click_popularity, -20, 20),
    ROW(buy_base, -20, 20),
    ROW(buy_affinity, -20, 20),
    ROW(buy_quality, -20, 20),
    ROW(buy_price, -20, 20),
    ROW(wishlist_rate, 0, 1),
    ROW(sale_share, 0, 1),
    ROW(review_rate, 0, 1),
    ROW(review_hours_median, 0.1, 1e4),
    ROW(refund_rate, 0, 1),
    ROW(offer_rate, 0, 1),
};
#undef ROW

static int fail_key(char *key, size_t key_cap, const char *name, gb_err *err, double v, double lo,
                    double hi) {
  if (key && key_cap)
    snprintf(key, key_cap, "%s", name);
  return gb_err_set(err, GB_ERR_INPUT, "%g is outside %g .. %g", v, lo, hi);
}

int gb_store_model_check(const gb_store_model *m, char *key, size_t key_cap, gb_err *err) {
  for (size_t i = 0; i < sizeof DOUBLE_RANGES / sizeof DOUBLE_RANGES[0]; i++) {
    const range_row *r = &DOUBLE_RANGES[i];
    double v = *(const double *)((const char *)m + r->offset);
    if (!(v >= r->min && v <= r->max))
      return fail_key(key, key_cap, r->key, err, v, r->min, r->max);
  }
  if (m->apps < 1 || m->apps > GB_STORE_APPS_MAX)
    return fail_key(key, key_cap, "apps", err, m->apps, 1, GB_STORE_APPS_MAX);
  if (m->slate_size < 1 || m->slate_size > GB_STORE_SLATE_MAX)
    return fail_key(key, key_cap, "slate_size", err, m->slate_size, 1, GB_STORE_SLATE_MAX);
  if (m->organic_views > 20)
    return fail_key(key, key_cap, "organic_views", err, m->organic_views, 0, 20);
  if (m->peak_hour < 0 || m->peak_hour > 23)
    return fail_key(key, key_cap, "peak_hour", err, m->peak_hour, 0, 23);
  double sum = 0;
  for (int g = 0; g < GB_STORE_TASTE_GENRES; g++) {
    if (!(m->taste_weights[g] >= 0 && m->taste_weights[g] <= 1))
      return fail_key(key, key_cap, "taste_weights", err, m->taste_weights[g], 0, 1);
    sum += m->taste_weights[g];
  }
  if (sum > 1 + 1e-9) {
    if (key && key_cap)
      snprintf(key, key_cap, "%s", "taste_weights");
    return gb_err_set(err, GB_ERR_INPUT, "the weights sum to %g, above 1", sum);
  }
  gb_rhythm rhythm;
  gb_rhythm_init(&rhythm, m->peak_hour);
  gb_retention ret;
  if (gb_retention_fit(&ret, m->retention_d1, m->retention_d7, m->sessions_per_day, &rhythm, err) !=
      0) {
    if (key && key_cap)
      snprintf(key, key_cap, "%s", strstr(err->msg, "d7") ? "retention.d7" : "retention.d1");
    return -1;
  }
  return 0;
}

static double sigmoid(double x) { return 1.0 / (1.0 + exp(-x)); }

double gb_store_affinity(const gb_store_taste *t, const gb_store_app *a) {
  double aff = 0;
  uint32_t seen = 0;
  for (int j = 0; j < GB_STORE_TASTE_GENRES; j++) {
    uint32_t bit = 1u << t->genre[j];
    if ((a->genres & bit) && !(seen & bit))
      aff += t->weight[j];
    seen |= bit;
  }
  return aff > 1 ? 1 : aff;
}

double gb_store_click_term(const gb_store_model *m, const gb_store_app *a, uint32_t n_apps) {
  return m->click_quality * (a->quality - 0.5) +
         m->click_popularity * log10(a->popularity * (double)n_apps);
}

double gb_store_click_prob_with(const gb_store_model *m, double affinity, double term) {
  return sigmoid(m->click_base + m->click_affinity * affinity + term);
}

double gb_store_click_prob(const gb_store_model *m, const gb_store_taste *t, const gb_store_app *a,
                           uint32_t n_apps) {
  return gb_store_click_prob_with(m, gb_store_affinity(t, a), gb_store_click_term(m, a, n_apps));
}

double gb_store_buy_prob_with(const gb_store_model *m, double affinity, const gb_store_app *a,
                              double discount, double budget_cents) {
  double price = a->price_cents * (1.0 - discount);
  return sigmoid(m->buy_base + m->buy_affinity * affinity + m->buy_quality * (a->quality - 0.5) -
                 m->buy_price * price / budget_cents);
}

double gb_store_buy_prob(const gb_store_model *m, const gb_store_taste *t, const gb_store_app *a,
                         double discount) {
  return gb_store_buy_prob_with(m, gb_store_affinity(t, a), a, discount, t->budget_cents);
}

double gb_store_position_weight(const gb_store_model *m, unsigned place) {
  return pow((double)place + 1.0, -m->position_decay);
}

double gb_store_discount(const gb_store_model *m, uint64_t seed, uint32_t ordinal, int64_t ts_ms) {
  const int64_t week_ms = 7 * 86400000LL;
  int64_t week = ts_ms >= 0 ? ts_ms / week_ms : -((-ts_ms + week_ms - 1) / week_ms);
  uint64_t h = gb_hash3(seed ^ UINT64_C(0x53616c65), ordinal, (uint64_t)week);
  if (gb_unit(h) >= m->sale_share)
    return 0;
  /* 14 steps of 5 % from 10 % to 75 %, from the hash's other bits. */
  return 0.10 + 0.05 * (double)((h >> 40) % 14);
}

/* A small min-heap of (value, ordinal): the k best so far, the worst at the top. */
typedef struct best_k {
  double value[GB_STORE_SLATE_MAX];
  uint32_t ordinal[GB_STORE_SLATE_MAX];
  size_t n, k;
} best_k;

/* Whether (v, o) ranks below (w, p): smaller value, or equal value and larger ordinal. */
static bool ranks_below(double v, uint32_t o, double w, uint32_t p) {
  return v < w || (v == w && o > p);
}

static void heap_swap(best_k *h, size_t i, size_t j) {
  double tv = h->value[i];
  uint32_t to = h->ordinal[i];
  h->value[i] = h->value[j];
  h->ordinal[i] = h->ordinal[j];
  h->value[j] = tv;
  h->ordinal[j] = to;
}

static void heap_sift_down(best_k *h, size_t i) {
  for (;;) {
    size_t l = 2 * i + 1, r = l + 1, m = i;
    if (l < h->n && ranks_below(h->value[l], h->ordinal[l], h->value[m], h->ordinal[m]))
      m = l;
    if (r < h->n && ranks_below(h->value[r], h->ordinal[r], h->value[m], h->ordinal[m]))
      m = r;
    if (m == i)
      return;
    heap_swap(h, i, m);
    i = m;
  }
}

static void best_k_offer(best_k *h, double v, uint32_t o) {
  if (h->n < h->k) {
    size_t i = h->n++;
    h->value[i] = v;
    h->ordinal[i] = o;
    while (i > 0) {
      size_t p = (i - 1) / 2;
      if (!ranks_below(h->value[i], h->ordinal[i], h->value[p], h->ordinal[p]))
        break;
      heap_swap(h, i, p);
      i = p;
    }
    return;
  }
  if (ranks_below(v, o, h->value[0], h->ordinal[0]) || (v == h->value[0] && o == h->ordinal[0]))
    return;
  h->value[0] = v;
  h->ordinal[0] = o;
  heap_sift_down(h, 0);
}

size_t gb_store_oracle_slate(const gb_store_model *m, const gb_store_catalog *c, uint64_t seed,
                             const gb_store_taste *t, gb_store_owns_fn owns, const void *owns_ctx,
                             int64_t ts_ms, uint32_t *slate, double *value) {
  uint32_t n = gb_store_catalog_apps(c);
  best_k h = {.k = m->slate_size < n ? m->slate_size : n};
  for (uint32_t o = 0; o < n; o++) {
    if (owns && owns(owns_ctx, o))
      continue;
    const gb_store_app *a = gb_store_catalog_app(c, o);
    double v = gb_store_click_prob(m, t, a, n) *
               gb_store_buy_prob(m, t, a, gb_store_discount(m, seed, o, ts_ms));
    best_k_offer(&h, v, o);
  }
  /* Pop the worst first: the slate fills from its end. */
  size_t k = h.n;
  for (size_t i = k; i-- > 0;) {
    slate[i] = h.ordinal[0];
    if (value)
      value[i] = h.value[0];
    h.value[0] = h.value[h.n - 1];
    h.ordinal[0] = h.ordinal[h.n - 1];
    h.n--;
    heap_sift_down(&h, 0);
  }
  return k;
}

void gb_store_slate_expectation(const gb_store_model *m, const gb_store_catalog *c, uint64_t seed,
                                const gb_store_taste *t, gb_store_owns_fn owns,
                                const void *owns_ctx, int64_t ts_ms, const uint32_t *slate,
                                size_t k, double *purchases, double *clicks) {
  uint32_t n = gb_store_catalog_apps(c);
  double p = 0, cl = 0;
  for (size_t i = 0; i < k; i++) {
    const gb_store_app *a = gb_store_catalog_app(c, slate[i]);
    double ctr = gb_store_position_weight(m, (unsigned)i) * gb_store_click_prob(m, t, a, n);
    cl += ctr;
    if (!(owns && owns(owns_ctx, slate[i])))
      p += ctr * gb_store_buy_prob(m, t, a, gb_store_discount(m, seed, slate[i], ts_ms));
  }
  *purchases = p;
  *clicks = cl;
}
