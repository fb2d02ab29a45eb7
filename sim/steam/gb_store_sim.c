#include "gb_store_sim.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gb_prefetch.h"
#include "gb_retention.h"
#include "gb_rhythm.h"
#include "gb_rng.h"
#include "gb_timeq.h"

enum {
  LIB_REFUND_PLAN = 1, /* refund after the first play session if under two hours */
  LIB_REVIEW_PLAN = 2, /* review once review_at_h is played */
  LIB_GONE = 4,        /* refunded: no longer owned */
  LIB_PLAYED = 8       /* at least one session in the run */
};

typedef struct lib_entry {
  uint32_t app;
  uint8_t flags;
  float played_h, lifetime_h, review_at_h;
} lib_entry;

/* One event of a burst (what a visit's answer or a play session sets off). */
typedef struct step {
  int64_t ts;
  uint32_t app;
  uint8_t type;  /* gb_event_type */
  uint8_t flag;  /* review: recommended */
  double value;  /* purchase: price; play_session: minutes; review: hours; offer: price */
  double value2; /* purchase: discount; offer: offer type index */
} step;

enum { BURST_STEPS_MAX = 4 + 3 * GB_STORE_SLATE_MAX + 3 * 20 };

typedef struct burst {
  struct burst *next_free;
  uint32_t n, pos;
  uint32_t slate[GB_STORE_SLATE_MAX];
  uint8_t n_slate;
  step steps[BURST_STEPS_MAX];
} burst;

enum { STATE_NEW = 0, STATE_IDLE, STATE_WAITING, STATE_BURST, STATE_GONE };

/* The first two cache lines hold what every step reads (the calendar prefetches them when the
 * player's window comes); taste and the rarer fields follow. */
typedef struct store_player {
  gb_rng rng;
  burst *b;
  int64_t next_ms; /* the next session's start (IDLE) */
  /* The library; its last n_playable entries are the games with hours left to play (the rest
   * are played out or refunded), so that choosing what to play does not scan a big library. */
  lib_entry *lib;
  uint32_t n_lib, n_playable;
  uint8_t state, country;
  uint16_t arm;
  int32_t offset_min;
  uint32_t seq;
  uint32_t session;
  uint32_t cap_lib;
  int64_t install_ms;
  uint64_t waiting_id; /* the visit's event id (WAITING) */
  double rate;         /* sessions per day */
  gb_store_taste taste;
} store_player;

struct gb_store_sim {
  gb_store_sim_config cfg;
  gb_store_model m;
  gb_rhythm rhythm;
  gb_retention ret;
  const gb_country *countries;
  size_t n_countries;
  uint32_t n_apps;
  int64_t end_ms;
  uint64_t population; /* all players of the run (every producer) */
  store_player *p;     /* this instance's: index k / n_producers */
  size_t n_mine;
  gb_timeq *q;
  burst *free_bursts;
  uint64_t *owned_bits; /* scratch: one bit per app */
  double *click_term;   /* per app: gb_store_click_term, computed once */
  double theta[GB_STORE_SLATE_MAX];
  size_t country_len[64]; /* strlen of each country code (copied into every event) */
  gb_store_arm_stats *arm;
  size_t n_arms;
  uint64_t stray;
  size_t n_waiting; /* players waiting for an answer: BLOCKED without scanning them all */
  gb_store_outcomes *outcomes; /* slates and purchases for the held-out ranking metrics */
};

static const char *const OFFER_TYPES[] = {"dlc", "bundle", "season_pass"};

/* ---- Players --------------------------------------------------------------------------- */

static uint64_t player_id_of(const gb_store_sim *s, size_t mine) {
  return s->cfg.id_base + (uint64_t)mine * s->cfg.n_producers + s->cfg.producer + 1;
}

static double lognormal(gb_rng *rng, double median, double sigma) {
  return median * exp(sigma * gb_rng_normal(rng));
}

static int lib_add(store_player *pl, uint32_t app, double lifetime_h, double played_h) {
  if (pl->n_lib == pl->cap_lib) {
    uint32_t cap = pl->cap_lib ? 2 * pl->cap_lib : 4;
    lib_entry *grown = realloc(pl->lib, cap * sizeof *grown);
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

static void draw_taste(const gb_store_sim *s, store_player *pl) {
  const gb_store_catalog *c = s->cfg.catalog;
  for (int j = 0; j < GB_STORE_TASTE_GENRES; j++) {
    /* A liked genre is drawn by its share of the store's popularity: most players like the
     * genres most games are in. */
    uint32_t app = gb_store_catalog_sample(c, -1, gb_rng_uniform(&pl->rng));
    uint32_t mask = gb_store_catalog_app(c, app)->genres;
    unsigned bits[GB_STORE_GENRES_MAX], nb = 0;
    for (unsigned g = 0; g < GB_STORE_GENRES_MAX; g++)
      if (mask & (1u << g))
        bits[nb++] = g;
    pl->taste.genre[j] = (uint8_t)bits[gb_rng_below(&pl->rng, nb)];
    pl->taste.weight[j] = s->m.taste_weights[j];
  }
  pl->taste.budget_cents = lognormal(&pl->rng, s->m.budget_median_cents, s->m.budget_sigma);
}

/* A game met by browsing: from a liked genre (drawn by the taste weights) with probability
 * genre_focus, else from the whole store, by popularity either way. */
static uint32_t browse_app(const gb_store_sim *s, store_player *pl) {
  const gb_store_catalog *c = s->cfg.catalog;
  if (gb_rng_uniform(&pl->rng) < s->m.genre_focus) {
    double u = gb_rng_uniform(&pl->rng), total = 0;
    for (int j = 0; j < GB_STORE_TASTE_GENRES; j++)
      total += pl->taste.weight[j];
    double acc = 0;
    int chosen = GB_STORE_TASTE_GENRES - 1;
    for (int j = 0; j < GB_STORE_TASTE_GENRES; j++) {
      acc += pl->taste.weight[j];
      if (u * total < acc) {
        chosen = j;
        break;
      }
    }
    unsigned g = pl->taste.genre[chosen];
    if (total > 0 && gb_store_catalog_genre_share(c, g) > 0)
      return gb_store_catalog_sample(c, (int)g, gb_rng_uniform(&pl->rng));
  }
  return gb_store_catalog_sample(c, -1, gb_rng_uniform(&pl->rng));
}

/* Hours a player will ever play a game: log-normal around hours_median. */
static double draw_lifetime_hours(const gb_store_sim *s, store_player *pl) {
  return lognormal(&pl->rng, s->m.hours_median, s->m.hours_sigma);
}

/* Steam reports playtime in tenths of an hour, and the log lists games with some play only. */
static double tenth_hours(double h) {
  double r = round(h * 10.0) / 10.0;
  return r < 0.1 ? 0.1 : r;
}

static int draw_history(gb_store_sim *s, store_player *pl) {
  double n_draw = ceil(lognormal(&pl->rng, s->m.library_median, s->m.library_sigma));
  uint32_t cap = s->n_apps < 5000 ? s->n_apps : 5000;
  uint32_t n = n_draw < 1 ? 1 : n_draw > cap ? cap : (uint32_t)n_draw;
  for (uint32_t i = 0; i < n; i++) {
    uint32_t app = 0;
    bool fresh = false;
    /* A few tries at a game it does not own yet; a crowded library may end up smaller. */
    for (int tries = 0; tries < 16 && !fresh; tries++) {
      app = browse_app(s, pl);
      fresh = !(s->owned_bits[app / 64] >> (app % 64) & 1);
    }
    if (!fresh)
      continue;
    s->owned_bits[app / 64] |= UINT64_C(1) << (app % 64);
    double life = draw_lifetime_hours(s, pl);
    if (lib_add(pl, app, life, tenth_hours(life)) != 0)
      return -1;
  }
  for (uint32_t i = 0; i < pl->n_lib; i++)
    s->owned_bits[pl->lib[i].app / 64] &= ~(UINT64_C(1) << (pl->lib[i].app % 64));
  /* The game it is playing these days: part played, the rest to come in the run. */
  if (pl->n_lib > 0) {
    lib_entry *cur = &pl->lib[pl->n_lib - 1];
    cur->played_h = (float)tenth_hours(cur->lifetime_h * gb_rng_uniform(&pl->rng));
    pl->n_playable = cur->played_h < cur->lifetime_h ? 1 : 0;
  }
  return 0;
}

static void draw_home(const gb_store_sim *s, store_player *pl) {
  double u = gb_rng_uniform(&pl->rng), acc = 0;
  size_t i = 0;
  for (; i + 1 < s->n_countries; i++) {
    acc += s->countries[i].share;
    if (u < acc)
      break;
  }
  pl->country = (uint8_t)i;
  pl->offset_min = s->countries[i].utc_offset_min;
}

/* Whether a player who ends a session at `from` comes back at `to` (the churn curve's
 * conditional survival), given its install time. */
static bool survives(const gb_store_sim *s, store_player *pl, int64_t from, int64_t to) {
  /* S(a1) / S(a0) = ((tau + a1) / (tau + a0))^-alpha (S = 1 up to age 0): one pow, not two */
  double a0 = fmax((double)(from - pl->install_ms) / 86400e3, 0.0),
         a1 = fmax((double)(to - pl->install_ms) / 86400e3, 0.0);
  double ratio = pow((s->ret.tau_days + a0) / (s->ret.tau_days + a1), s->ret.alpha);
  return gb_rng_uniform(&pl->rng) < ratio;
}

static void schedule_next(gb_store_sim *s, store_player *pl, uint32_t idx, int64_t from) {
  int64_t next = gb_rhythm_next_inverse(&s->rhythm, &pl->rng, from, pl->offset_min, pl->rate);
  if (next >= s->end_ms || !survives(s, pl, from, next)) {
    pl->state = STATE_GONE;
    return;
  }
  pl->state = STATE_IDLE;
  pl->next_ms = next;
  gb_timeq_push(s->q, next, idx);
}

static int init_player(gb_store_sim *s, size_t mine) {
  store_player *pl = &s->p[mine];
  uint64_t id = player_id_of(s, mine);
  gb_rng_seed(&pl->rng, s->cfg.seed ^ UINT64_C(0x53746561), id);
  draw_home(s, pl);
  pl->rate = gb_retention_rate(s->m.sessions_per_day, gb_rng_normal(&pl->rng));
  draw_taste(s, pl);
  pl->arm = s->cfg.arms ? gb_arms_of(s->cfg.arms, id) : 0;
  if (draw_history(s, pl) != 0)
    return -1;
  int64_t start = s->cfg.start_ms;
  if (id <= s->cfg.players) {
    pl->install_ms = start - (int64_t)(gb_retention_sample_age(&s->ret, &pl->rng) * 86400e3);
    schedule_next(s, pl, (uint32_t)mine, start);
  } else {
    /* Arrivals come through the run's days by the rhythm; the first session at arrival. */
    pl->install_ms =
        gb_rhythm_sample_between(&s->rhythm, &pl->rng, start, s->end_ms, pl->offset_min);
    pl->state = STATE_IDLE;
    pl->next_ms = pl->install_ms;
    gb_timeq_push(s->q, pl->install_ms, (uint32_t)mine);
  }
  s->arm[pl->arm].players++;
  return 0;
}

/* ---- Creation ---------------------------------------------------------------------------- */

int gb_store_sim_new(const gb_store_sim_config *cfg, gb_store_sim **out, gb_err *err) {
  if (cfg->n_producers < 1 || cfg->producer >= cfg->n_producers)
    return gb_err_set(err, GB_ERR_INPUT, "store simulator: producer %u of %u", cfg->producer,
                      cfg->n_producers);
  if (cfg->duration_ms <= 0 || cfg->players < 1 || !cfg->catalog)
    return gb_err_set(err, GB_ERR_INPUT,
                      "store simulator: needs players >= 1, a duration > 0 and a catalogue");
  gb_store_sim *s = calloc(1, sizeof *s);
  if (!s)
    return gb_err_set(err, GB_ERR_RUNTIME, "store simulator: out of memory");
  s->cfg = *cfg;
  s->m = cfg->model ? *cfg->model : gb_store_model_defaults();
  char key[64];
  if (gb_store_model_check(&s->m, key, sizeof key, err) != 0) {
    char why[GB_ERR_MSG_MAX];
    snprintf(why, sizeof why, "%s", err->msg);
    gb_err_set(err, GB_ERR_INPUT, "store.%s: %s", key, why);
    goto fail;
  }
  gb_rhythm_init(&s->rhythm, s->m.peak_hour);
  if (gb_retention_fit(&s->ret, s->m.retention_d1, s->m.retention_d7, s->m.sessions_per_day,
                       &s->rhythm, err) != 0)
    goto fail;
  s->countries = gb_countries(&s->n_countries);
  s->n_apps = gb_store_catalog_apps(cfg->catalog);
  s->end_ms = cfg->start_ms + cfg->duration_ms;
  double days = (double)cfg->duration_ms / 86400e3;
  s->population = cfg->players + (uint64_t)llround(s->m.arrival_rate * cfg->players * days);
  s->n_mine = (size_t)((s->population + cfg->n_producers - 1 - cfg->producer) / cfg->n_producers);
  s->n_arms = cfg->arms ? gb_arms_count(cfg->arms) : 1;
  s->p = calloc(s->n_mine ? s->n_mine : 1, sizeof *s->p);
  s->arm = calloc(s->n_arms, sizeof *s->arm);
  s->owned_bits = calloc((s->n_apps + 63) / 64, sizeof *s->owned_bits);
  s->click_term = malloc(s->n_apps * sizeof *s->click_term);
  if (!s->p || !s->arm || !s->owned_bits || !s->click_term) {
    gb_err_set(err, GB_ERR_RUNTIME, "store simulator: out of memory");
    goto fail;
  }
  if (gb_store_outcomes_new(cfg->catalog, s->n_arms, &s->outcomes, err) != 0)
    goto fail;
  for (uint32_t a = 0; a < s->n_apps; a++)
    s->click_term[a] = gb_store_click_term(&s->m, gb_store_catalog_app(cfg->catalog, a), s->n_apps);
  for (unsigned i = 0; i < GB_STORE_SLATE_MAX; i++)
    s->theta[i] = gb_store_position_weight(&s->m, i);
  GB_ASSERT(s->n_countries <= sizeof s->country_len / sizeof s->country_len[0]);
  for (size_t i = 0; i < s->n_countries; i++) {
    s->country_len[i] = strlen(s->countries[i].code);
    GB_ASSERT(s->country_len[i] <= GB_COUNTRY_MAX);
  }
  /* The whole record prefetched (three lines): the taste, which visits read, is in the third. */
  if (gb_timeq_new(s->n_mine ? s->n_mine : 1, cfg->start_ms, s->p, sizeof *s->p, sizeof *s->p,
                   &s->q, err) != 0)
    goto fail;
  for (size_t k = 0; k < s->n_mine; k++)
    if (init_player(s, k) != 0) {
      gb_err_set(err, GB_ERR_RUNTIME, "store simulator: out of memory");
      goto fail;
    }
  *out = s;
  return 0;
fail:
  gb_store_sim_free(s);
  return -1;
}

void gb_store_sim_free(gb_store_sim *s) {
  if (!s)
    return;
  for (size_t k = 0; s->p && k < s->n_mine; k++) {
    free(s->p[k].lib);
    free(s->p[k].b);
  }
  while (s->free_bursts) {
    burst *b = s->free_bursts;
    s->free_bursts = b->next_free;
    free(b);
  }
  gb_timeq_free(s->q);
  gb_store_outcomes_free(s->outcomes);
  free(s->p);
  free(s->arm);
  free(s->owned_bits);
  free(s->click_term);
  free(s);
}

/* ---- Bursts ------------------------------------------------------------------------------ */

static burst *burst_take(gb_store_sim *s) {
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

static void burst_give_back(gb_store_sim *s, burst *b) {
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
  if (lib_add(pl, app, draw_lifetime_hours(s, pl), 0) != 0)
    GB_FATAL("store simulator: out of memory");
  pl->n_playable++;
  lib_entry *e = &pl->lib[pl->n_lib - 1];
  double aff = gb_store_affinity(&pl->taste, a);
  if (gb_rng_uniform(&pl->rng) < s->m.refund_rate * (1 - aff) * (1 - a->quality))
    e->flags |= LIB_REFUND_PLAN;
  if (gb_rng_uniform(&pl->rng) < s->m.review_rate) {
    e->flags |= LIB_REVIEW_PLAN;
    double at = lognormal(&pl->rng, s->m.review_hours_median, 0.8);
    e->review_at_h = (float)(at < e->lifetime_h ? at : e->lifetime_h);
  }
}

/* An app looked at (on the slate at place, or met browsing when place < 0): a click with
 * probability (theta) alpha, then a purchase with probability beta or a wishlist. */
static void look_at(gb_store_sim *s, store_player *pl, burst *b, int64_t *t, uint32_t app,
                    int place) {
  const gb_store_app *a = gb_store_catalog_app(s->cfg.catalog, app);
  double look = place >= 0 ? s->theta[place] : 1.0;
  double alpha =
      gb_store_click_prob_with(&s->m, gb_store_affinity(&pl->taste, a), s->click_term[app]);
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
  if (gb_rng_uniform(&pl->rng) < gb_store_buy_prob(&s->m, &pl->taste, a, discount)) {
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
  size_t type = gb_rng_below(&pl->rng, sizeof OFFER_TYPES / sizeof OFFER_TYPES[0]);
  static const double PRICES[] = {4.99, 9.99, 14.99, 24.99};
  double price = PRICES[gb_rng_below(&pl->rng, sizeof PRICES / sizeof PRICES[0])];
  *t += think_ms(pl);
  step *st = add_step(b, *t, GB_EV_OFFER_SHOWN, 0);
  st->value = price;
  st->value2 = (double)type;
  gb_store_arm_stats *as = &s->arm[pl->arm];
  as->offers_shown++;
  /* An offer is bought more readily the smaller its price against the monthly budget. */
  double p_buy = 0.3 / (1.0 + 2.0 * price * 100.0 / pl->taste.budget_cents);
  *t += think_ms(pl);
  bool bought = gb_rng_uniform(&pl->rng) < p_buy;
  st = add_step(b, *t, bought ? GB_EV_OFFER_PURCHASED : GB_EV_OFFER_DISMISSED, 0);
  st->value = price;
  st->value2 = (double)type;
  if (bought)
    as->offers_purchased++;
}

/* What a visit sets off once the player has its slate (n_slate may be 0). */
static void plan_visit(gb_store_sim *s, store_player *pl, burst *b, int64_t t) {
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
    look_at(s, pl, b, &t, browse_app(s, pl), -1);
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
static bool plan_play(gb_store_sim *s, store_player *pl, burst *b, int64_t t) {
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
  double minutes = ceil(lognormal(&pl->rng, 40, 1.0));
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
    double aff = gb_store_affinity(&pl->taste, a);
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

/* ---- Events ------------------------------------------------------------------------------ */

static void fill_header(const gb_store_sim *s, store_player *pl, gb_event *ev, gb_event_type type,
                        int64_t ts, uint64_t id) {
  memset(ev, 0, offsetof(gb_event, u));
  ev->type = type;
  ev->ts = ts;
  ev->player_id = id;
  ev->event_id = (id << 32) | ++pl->seq;
  ev->session_id = (id << 32) | pl->session;
  /* Copies, not snprintf: this runs for every event. */
  memcpy(ev->platform, "pc", 3);
  memcpy(ev->country, s->countries[pl->country].code, s->country_len[pl->country] + 1);
  ev->utc_offset_min = pl->offset_min;
}

static void fill_step(const gb_store_sim *s, const store_player *pl, const burst *b, const step *st,
                      gb_event *ev) {
  switch ((gb_event_type)st->type) {
  case GB_EV_IMPRESSION:
    memset(&ev->u.store, 0, sizeof ev->u.store);
    snprintf(ev->u.store.arm, sizeof ev->u.store.arm, "%s",
             s->cfg.arms ? gb_arms_name(s->cfg.arms, pl->arm) : "");
    ev->u.store.n_app_ids = b->n_slate;
    for (unsigned i = 0; i < b->n_slate; i++)
      ev->u.store.app_ids[i] = b->slate[i] + 1;
    break;
  case GB_EV_PURCHASE:
    memset(&ev->u.purchase, 0, sizeof ev->u.purchase);
    ev->u.purchase.app_id = st->app + 1;
    ev->u.purchase.price = st->value;
    ev->u.purchase.discount = st->value2;
    ev->u.purchase.amount = round(st->value * (1.0 - st->value2) * 100.0) / 100.0;
    snprintf(ev->u.purchase.currency, sizeof ev->u.purchase.currency, "%s", "USD");
    break;
  case GB_EV_OFFER_SHOWN:
  case GB_EV_OFFER_PURCHASED:
  case GB_EV_OFFER_DISMISSED:
    memset(&ev->u.offer, 0, sizeof ev->u.offer);
    snprintf(ev->u.offer.offer_type, sizeof ev->u.offer.offer_type, "%s",
             OFFER_TYPES[(size_t)st->value2]);
    ev->u.offer.price = st->value;
    break;
  default:
    memset(&ev->u.store, 0, sizeof ev->u.store);
    ev->u.store.app_id = st->app + 1;
    ev->u.store.minutes = st->type == GB_EV_PLAY_SESSION ? st->value : 0;
    ev->u.store.recommended = st->type == GB_EV_REVIEW && st->flag;
    ev->u.store.hours_at_review = st->type == GB_EV_REVIEW ? st->value : 0;
    break;
  }
}

/* Starts the player's session at its scheduled time: a visit (which may wait for the engine)
 * or a play session. Emits the session's first event into ev. */
static void start_session(gb_store_sim *s, uint32_t idx, gb_event *ev) {
  store_player *pl = &s->p[idx];
  uint64_t id = player_id_of(s, idx);
  int64_t t = pl->next_ms;
  pl->session++;
  burst *b = burst_take(s);
  if (!b)
    GB_FATAL("store simulator: out of memory");
  bool visit = gb_rng_uniform(&pl->rng) < s->m.visit_share;
  if (!visit && plan_play(s, pl, b, t)) {
    pl->b = b;
    pl->state = STATE_BURST;
    const step *st = &b->steps[b->pos++];
    fill_header(s, pl, ev, (gb_event_type)st->type, st->ts, id);
    fill_step(s, pl, b, st, ev);
    if (b->pos < b->n)
      gb_timeq_push(s->q, b->steps[b->pos].ts, idx);
    else {
      pl->b = NULL;
      burst_give_back(s, b);
      schedule_next(s, pl, idx, st->ts + (int64_t)(st->value * 60000.0));
    }
    return;
  }
  fill_header(s, pl, ev, GB_EV_STORE_VISIT, t, id);
  memset(&ev->u.store, 0, sizeof ev->u.store);
  s->arm[pl->arm].visits++;
  pl->b = b;
  if (s->cfg.closed_loop) {
    pl->state = STATE_WAITING;
    pl->waiting_id = ev->event_id;
    s->n_waiting++;
    return;
  }
  plan_visit(s, pl, b, t);
  pl->state = STATE_BURST;
  if (b->n > 0) {
    gb_timeq_push(s->q, b->steps[0].ts, idx);
  } else {
    pl->b = NULL;
    burst_give_back(s, b);
    schedule_next(s, pl, idx, t + 60000);
  }
}

static void emit_burst_step(gb_store_sim *s, uint32_t idx, gb_event *ev) {
  store_player *pl = &s->p[idx];
  burst *b = pl->b;
  const step *st = &b->steps[b->pos++];
  fill_header(s, pl, ev, (gb_event_type)st->type, st->ts, player_id_of(s, idx));
  fill_step(s, pl, b, st, ev);
  if (st->type == GB_EV_PURCHASE)
    gb_store_outcomes_purchase(s->outcomes, idx, st->ts, st->app);
  if (b->pos < b->n) {
    gb_timeq_push(s->q, b->steps[b->pos].ts, idx);
    return;
  }
  int64_t end = st->ts + (st->type == GB_EV_PLAY_SESSION ? (int64_t)(st->value * 60000.0) : 0);
  pl->b = NULL;
  burst_give_back(s, b);
  schedule_next(s, pl, idx, end + 60000);
}

/* Starts loading the library of the player after this one in the calendar's window (its record
 * was prefetched when the window came): its playable tail is what a play session reads, the
 * first entries what a click checks ownership in. always_inline: see gb_prefetch.h. */
static inline __attribute__((always_inline)) void prefetch_next_library(const gb_store_sim *s) {
  gb_timeq_entry nx;
  if (!gb_timeq_peek_window(s->q, &nx))
    return;
  const store_player *np = &s->p[nx.index];
  if (np->n_lib == 0)
    return;
  size_t bytes = np->n_lib * sizeof *np->lib;
  gb_prefetch_span(np->lib, bytes < 2 * GB_CACHE_LINE ? bytes : 2 * GB_CACHE_LINE);
  gb_prefetch_span(np->lib + (np->n_lib - 1), sizeof *np->lib);
}

gb_store_sim_status gb_store_sim_next(gb_store_sim *s, int64_t until_ms, gb_event *out) {
  gb_timeq_entry e;
  while (gb_timeq_peek(s->q, &e)) {
    if (e.ts > until_ms)
      return GB_STORE_SIM_NOT_YET;
    gb_timeq_pop(s->q);
    prefetch_next_library(s);
    store_player *pl = &s->p[e.index];
    if (pl->state == STATE_IDLE) {
      start_session(s, e.index, out);
      return GB_STORE_SIM_EVENT;
    }
    if (pl->state == STATE_BURST) {
      emit_burst_step(s, e.index, out);
      return GB_STORE_SIM_EVENT;
    }
  }
  return s->n_waiting > 0 ? GB_STORE_SIM_BLOCKED : GB_STORE_SIM_DONE;
}

int64_t gb_store_sim_peek_ts(const gb_store_sim *s) {
  gb_timeq_entry e;
  if (gb_timeq_peek(s->q, &e))
    return e.ts;
  return INT64_MAX;
}

static bool owns_bit(const void *ctx, uint32_t app) {
  const uint64_t *bits = ctx;
  return bits[app / 64] >> (app % 64) & 1;
}

static void score_slate(gb_store_sim *s, store_player *pl, const burst *b, int64_t ts) {
  for (uint32_t i = 0; i < pl->n_lib; i++)
    if (!(pl->lib[i].flags & LIB_GONE))
      s->owned_bits[pl->lib[i].app / 64] |= UINT64_C(1) << (pl->lib[i].app % 64);
  double buys, clicks, obuys, oclicks;
  gb_store_slate_expectation(&s->m, s->cfg.catalog, s->cfg.seed, &pl->taste, owns_bit,
                             s->owned_bits, ts, b->slate, b->n_slate, &buys, &clicks);
  uint32_t oracle[GB_STORE_SLATE_MAX];
  size_t k = gb_store_oracle_slate(&s->m, s->cfg.catalog, s->cfg.seed, &pl->taste, owns_bit,
                                   s->owned_bits, ts, oracle, NULL);
  gb_store_slate_expectation(&s->m, s->cfg.catalog, s->cfg.seed, &pl->taste, owns_bit,
                             s->owned_bits, ts, oracle, k, &obuys, &oclicks);
  for (uint32_t i = 0; i < pl->n_lib; i++)
    s->owned_bits[pl->lib[i].app / 64] &= ~(UINT64_C(1) << (pl->lib[i].app % 64));
  gb_store_arm_stats *as = &s->arm[pl->arm];
  as->scored++;
  as->expected_purchases_e9 += (uint64_t)llround(buys * 1e9);
  as->expected_clicks_e9 += (uint64_t)llround(clicks * 1e9);
  as->oracle_purchases_e9 += (uint64_t)llround(obuys * 1e9);
  as->oracle_clicks_e9 += (uint64_t)llround(oclicks * 1e9);
}

void gb_store_sim_on_decision(gb_store_sim *s, const gb_decision *d) {
  uint64_t id = d->player_id - s->cfg.id_base; /* below the base: wraps, out of range */
  if (id < 1 || (id - 1) % s->cfg.n_producers != s->cfg.producer) {
    s->stray++;
    return;
  }
  size_t idx = (size_t)((id - 1) / s->cfg.n_producers);
  if (idx >= s->n_mine || s->p[idx].state != STATE_WAITING ||
      s->p[idx].waiting_id != d->decision_id) {
    s->stray++;
    return;
  }
  store_player *pl = &s->p[idx];
  s->n_waiting--;
  burst *b = pl->b;
  b->n_slate = 0;
  if (d->reason == GB_SLATE || d->reason == GB_DECIDED)
    for (unsigned i = 0; i < d->n_candidates && b->n_slate < s->m.slate_size; i++)
      if (d->candidates[i] < s->n_apps)
        b->slate[b->n_slate++] = d->candidates[i];
  gb_store_outcomes_slate(s->outcomes, (uint32_t)idx, pl->arm, d->ts, b->slate, b->n_slate);
  if (s->cfg.truth && b->n_slate > 0)
    score_slate(s, pl, b, d->ts);
  plan_visit(s, pl, b, d->ts);
  pl->state = STATE_BURST;
  if (b->n > 0) {
    gb_timeq_push(s->q, b->steps[0].ts, (uint32_t)idx);
  } else {
    pl->b = NULL;
    burst_give_back(s, b);
    schedule_next(s, pl, (uint32_t)idx, d->ts + 60000);
  }
}

uint64_t gb_store_sim_stray_answers(const gb_store_sim *s) { return s->stray; }

uint64_t gb_store_sim_waiting(const gb_store_sim *s) { return s->n_waiting; }

gb_store_outcomes *gb_store_sim_outcomes(gb_store_sim *s) { return s->outcomes; }

void gb_store_sim_arm_stats(const gb_store_sim *s, size_t arm, gb_store_arm_stats *acc) {
  if (arm >= s->n_arms)
    return;
  const uint64_t *src = (const uint64_t *)&s->arm[arm];
  uint64_t *dst = (uint64_t *)acc;
  for (size_t i = 0; i < sizeof *acc / sizeof(uint64_t); i++)
    dst[i] += src[i];
}

size_t gb_store_sim_players(const gb_store_sim *s) { return s->n_mine; }

uint64_t gb_store_sim_library(const gb_store_sim *s, size_t k, gb_store_library_fn fn, void *ctx) {
  const store_player *pl = &s->p[k];
  uint64_t id = player_id_of(s, k);
  for (uint32_t i = 0; i < pl->n_lib; i++)
    if (!(pl->lib[i].flags & LIB_GONE) && pl->lib[i].played_h >= 0.05f)
      fn(ctx, id, pl->lib[i].app, tenth_hours(pl->lib[i].played_h));
  return id;
}
