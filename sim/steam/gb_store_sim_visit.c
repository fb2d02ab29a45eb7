/* gb_store_sim_visit: what a store session sets off — browsing, looking at apps (on the slate or
 * met browsing), purchases, wishlists, offers, play sessions, reviews and refunds — as a burst of
 * steps the simulator emits in time order (gb_store_sim_int.h). */
#include "gb_store_sim_int.h"

#include <stdlib.h>
#include <string.h>

int gb_store_sim_lib_add(gb_store_sim *s, store_player *pl, uint32_t app, double lifetime_h,
                         double played_h) {
  if (pl->n_lib == pl->cap_lib) {
    uint32_t cap = pl->cap_lib ? 2 * pl->cap_lib : 4;
    lib_entry *grown;
    if (lib_in_arena(s, pl)) { /* out of the arena, which is packed: onto the heap */
      grown = malloc(cap * sizeof *grown);
      if (grown)
        memcpy(grown, pl->lib, pl->n_lib * sizeof *grown);
    } else {
      grown = realloc(pl->lib, cap * sizeof *grown);
    }
    if (!grown)
      return -1;
    pl->lib = grown;
    pl->cap_lib = cap;
  }
  pl->lib[pl->n_lib++] =
      (lib_entry){.app = app, .played_h = (float)played_h, .lifetime_h = (float)lifetime_h};
  return 0;
}

static bool lib_owns(const store_player *pl, uint32_t app) {
  for (uint32_t i = 0; i < pl->n_lib; i++)
    if (pl->lib[i].app == app && !(pl->lib[i].flags & LIB_GONE))
      return true;
  return false;
}

/* A game met by browsing: from a liked genre (drawn by the taste weights) with probability
 * genre_focus, else from the whole store, by popularity either way. */
uint32_t gb_store_sim_browse(const gb_store_sim *s, store_player *pl) {
  const gb_store_catalog *c = s->cfg.catalog;
  if (gb_rng_uniform(&pl->rng) < s->m.genre_focus) {
    double u = gb_rng_uniform(&pl->rng) * s->taste_total;
    int chosen = GB_STORE_TASTE_GENRES - 1;
    for (int j = 0; j < GB_STORE_TASTE_GENRES; j++)
      if (u < s->taste_cum[j]) {
        chosen = j;
        break;
      }
    unsigned g = pl->genre[chosen];
    if (s->taste_total > 0 && gb_store_catalog_genre_share(c, g) > 0)
      return gb_store_catalog_sample(c, (int)g, gb_rng_uniform(&pl->rng));
  }
  return gb_store_catalog_sample(c, -1, gb_rng_uniform(&pl->rng));
}

/* ---- Bursts ------------------------------------------------------------------------------ */

burst *gb_store_sim_burst_take(gb_store_sim *s) {
  burst *b = s->free_bursts;
  if (b)
    s->free_bursts = b->next_free;
  else
    b = malloc(sizeof *b);
  if (b) {
    b->n = b->pos = 0;
    b->n_slate = 0;
  }
  return b;
}

void gb_store_sim_burst_give_back(gb_store_sim *s, burst *b) {
  b->next_free = s->free_bursts;
  s->free_bursts = b;
}

static step *add_step(burst *b, int64_t ts, gb_event_type type, uint32_t app) {
  GB_ASSERT(b->n < BURST_STEPS_MAX);
  step *st = &b->steps[b->n++];
  *st = (step){.ts = ts, .app = app, .type = (uint8_t)type};
  return st;
}

/* Seconds between two actions of a visit: 3 .. 30 s. */
static int64_t think_ms(store_player *pl) { return 3000 + (int64_t)gb_rng_below(&pl->rng, 27000); }

static void buy(gb_store_sim *s, store_player *pl, burst *b, int64_t *t, uint32_t app,
                double discount, bool from_slate) {
  const gb_store_app *a = gb_store_catalog_app(s->cfg.catalog, app);
  *t += think_ms(pl);
  step *st = add_step(b, *t, GB_EV_PURCHASE, app);
  st->value = a->price_cents / 100.0;
  st->value2 = discount;
  uint64_t paid = (uint64_t)llround(a->price_cents * (1.0 - discount));
  gb_store_arm_stats *as = &s->arm[pl->arm];
  if (from_slate) {
    as->slate_purchases++;
    as->slate_revenue_cents += paid;
  } else {
    as->organic_purchases++;
    as->organic_revenue_cents += paid;
  }
  if (gb_store_sim_lib_add(s, pl, app, draw_lifetime_hours(s, pl), 0) != 0)
    GB_FATAL("store simulator: out of memory");
  pl->n_playable++;
  lib_entry *e = &pl->lib[pl->n_lib - 1];
  double aff = affinity_of(s, pl, a);
  if (gb_rng_uniform(&pl->rng) < s->m.refund_rate * (1 - aff) * (1 - a->quality))
    e->flags |= LIB_REFUND_PLAN;
  if (gb_rng_uniform(&pl->rng) < s->m.review_rate) {
    e->flags |= LIB_REVIEW_PLAN;
    double at = lognormal(s, &pl->rng, s->m.review_hours_median, 0.8);
    e->review_at_h = (float)(at < e->lifetime_h ? at : e->lifetime_h);
  }
}

/* An app looked at (on the slate at place, or met browsing when place < 0): a click with
 * probability (theta) alpha, then a purchase with probability beta or a wishlist. */
static void look_at(gb_store_sim *s, store_player *pl, burst *b, int64_t *t, uint32_t app,
                    int place) {
  const gb_store_app *a = gb_store_catalog_app(s->cfg.catalog, app);
  double look = place >= 0 ? s->theta[place] : 1.0;
  unsigned cls = affinity_class(pl, a->genres);
  double alpha = s->click_prob[(size_t)app * AFFINITY_CLASSES + cls];
  if (gb_rng_uniform(&pl->rng) >= look * alpha)
    return;
  *t += think_ms(pl);
  add_step(b, *t, GB_EV_CLICK, app);
  gb_store_arm_stats *as = &s->arm[pl->arm];
  if (place >= 0)
    as->slate_clicks++;
  else
    as->organic_clicks++;
  if (lib_owns(pl, app))
    return;
  double discount = gb_store_discount(&s->m, s->cfg.seed, app, *t);
  double beta =
      gb_store_buy_prob_with(&s->m, s->class_affinity[cls], a, discount, pl->budget_cents);
  if (gb_rng_uniform(&pl->rng) < beta) {
    buy(s, pl, b, t, app, discount, place >= 0);
  } else if (gb_rng_uniform(&pl->rng) < s->m.wishlist_rate) {
    *t += think_ms(pl);
    add_step(b, *t, GB_EV_WISHLIST, app);
    as->wishlists++;
  }
}

static void offer(gb_store_sim *s, store_player *pl, burst *b, int64_t *t) {
  if (gb_rng_uniform(&pl->rng) >= s->m.offer_rate)
    return;
  size_t type = gb_rng_below(&pl->rng, N_OFFER_TYPES);
  static const double PRICES[] = {4.99, 9.99, 14.99, 24.99};
  double price = PRICES[gb_rng_below(&pl->rng, sizeof PRICES / sizeof PRICES[0])];
  *t += think_ms(pl);
  step *st = add_step(b, *t, GB_EV_OFFER_SHOWN, 0);
  st->value = price;
  st->value2 = (double)type;
  gb_store_arm_stats *as = &s->arm[pl->arm];
  as->offers_shown++;
  /* An offer is bought more readily the smaller its price against the monthly budget. */
  double p_buy = 0.3 / (1.0 + 2.0 * price * 100.0 / pl->budget_cents);
  *t += think_ms(pl);
  bool bought = gb_rng_uniform(&pl->rng) < p_buy;
  st = add_step(b, *t, bought ? GB_EV_OFFER_PURCHASED : GB_EV_OFFER_DISMISSED, 0);
  st->value = price;
  st->value2 = (double)type;
  if (bought)
    as->offers_purchased++;
}

/* What a visit sets off once the player has its slate (n_slate may be 0). */
void gb_store_sim_plan_visit(gb_store_sim *s, store_player *pl, burst *b, int64_t t) {
  if (b->n_slate > 0) {
    t += 1000;
    add_step(b, t, GB_EV_IMPRESSION, 0);
    gb_store_arm_stats *as = &s->arm[pl->arm];
    as->slates++;
    as->slots += b->n_slate;
    uint64_t bought = as->slate_purchases;
    for (unsigned i = 0; i < b->n_slate; i++)
      look_at(s, pl, b, &t, b->slate[i], (int)i);
    as->converted += as->slate_purchases > bought;
  }
  for (uint32_t j = 0; j < s->m.organic_views; j++)
    look_at(s, pl, b, &t, gb_store_sim_browse(s, pl), -1);
  offer(s, pl, b, &t);
}

/* Moves library entry k (in the playable tail) out of it: played out or refunded. */
static void retire(store_player *pl, uint32_t k) {
  uint32_t first = pl->n_lib - pl->n_playable;
  lib_entry tmp = pl->lib[first];
  pl->lib[first] = pl->lib[k];
  pl->lib[k] = tmp;
  pl->n_playable--;
}

/* A play session on a game with hours left, the most hours left most likely; false when none. */
bool gb_store_sim_plan_play(gb_store_sim *s, store_player *pl, burst *b, int64_t t) {
  uint32_t first = pl->n_lib - pl->n_playable;
  double total = 0;
  for (uint32_t i = first; i < pl->n_lib; i++)
    total += pl->lib[i].lifetime_h - pl->lib[i].played_h;
  if (pl->n_playable == 0 || total <= 0)
    return false;
  double u = gb_rng_uniform(&pl->rng) * total, acc = 0;
  uint32_t k = pl->n_lib - 1;
  for (uint32_t i = first; i < pl->n_lib; i++) {
    acc += pl->lib[i].lifetime_h - pl->lib[i].played_h;
    if (u < acc) {
      k = i;
      break;
    }
  }
  lib_entry *e = &pl->lib[k];
  double left_min = (e->lifetime_h - e->played_h) * 60.0;
  double minutes = ceil(lognormal(s, &pl->rng, 40, 1.0));
  if (minutes > left_min)
    minutes = ceil(left_min);
  if (minutes < 1)
    minutes = 1;
  step *st = add_step(b, t, GB_EV_PLAY_SESSION, e->app);
  st->value = minutes;
  e->played_h += (float)(minutes / 60.0);
  bool first_play = !(e->flags & LIB_PLAYED);
  e->flags |= LIB_PLAYED;
  s->arm[pl->arm].play_sessions++;
  int64_t end = t + (int64_t)(minutes * 60000.0);
  if (first_play && (e->flags & LIB_REFUND_PLAN) && e->played_h < 2.0) {
    add_step(b, end + 60000, GB_EV_REFUND, e->app);
    e->flags |= LIB_GONE;
    s->arm[pl->arm].refunds++;
    retire(pl, k);
    return true;
  }
  if ((e->flags & LIB_REVIEW_PLAN) && e->played_h >= e->review_at_h) {
    const gb_store_app *a = gb_store_catalog_app(s->cfg.catalog, e->app);
    double aff = affinity_of(s, pl, a);
    double p_up = 1.0 / (1.0 + exp(-(2.0 * aff + 4.0 * (a->quality - 0.5) + 0.5)));
    st = add_step(b, end + 60000, GB_EV_REVIEW, e->app);
    st->flag = gb_rng_uniform(&pl->rng) < p_up;
    st->value = round(e->played_h * 10.0) / 10.0;
    e->flags &= (uint8_t)~LIB_REVIEW_PLAN;
    s->arm[pl->arm].reviews++;
    s->arm[pl->arm].reviews_positive += st->flag;
  }
  if (e->played_h >= e->lifetime_h)
    retire(pl, k);
  return true;
}
