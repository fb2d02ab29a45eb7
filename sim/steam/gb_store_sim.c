/* gb_store_sim: setting the store simulator up (players, libraries, the calendar), scheduling
 * sessions and emitting their events, and taking the engine's answers (gb_store_sim_int.h lists
 * the other file). */
#include "gb_store_sim_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gb_records.h"

static const char *const OFFER_TYPES[N_OFFER_TYPES] = {"dlc", "bundle", "season_pass"};

/* ---- Players --------------------------------------------------------------------------- */

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
    pl->genre[j] = (uint8_t)bits[gb_rng_below(&pl->rng, nb)];
  }
  pl->budget_cents = lognormal(s, &pl->rng, s->m.budget_median_cents, s->m.budget_sigma);
}

static int draw_history(gb_store_sim *s, store_player *pl) {
  double n_draw = ceil(lognormal(s, &pl->rng, s->m.library_median, s->m.library_sigma));
  uint32_t cap = s->n_apps < 5000 ? s->n_apps : 5000;
  uint32_t n = n_draw < 1 ? 1 : n_draw > cap ? cap : (uint32_t)n_draw;
  for (uint32_t i = 0; i < n; i++) {
    uint32_t app = 0;
    bool fresh = false;
    /* A few tries at a game it does not own yet; a crowded library may end up smaller. */
    for (int tries = 0; tries < 16 && !fresh; tries++) {
      app = gb_store_sim_browse(s, pl);
      fresh = !(s->owned_bits[app / 64] >> (app % 64) & 1);
    }
    if (!fresh)
      continue;
    s->owned_bits[app / 64] |= UINT64_C(1) << (app % 64);
    double life = draw_lifetime_hours(s, pl);
    if (gb_store_sim_lib_add(s, pl, app, life, tenth_hours(life)) != 0)
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

/* When a player installed at install_ms and alive at alive_ms leaves: its lifetime drawn once
 * from the churn curve given that it has lived that long, S(L) = u S(a0) for the Lomax
 * S(a) = (1 + a / tau)^-alpha. Drawing the lifetime once is the same model as checking at each
 * session that the player comes back (the conditional survivals multiply to S), for one pow
 * per player instead of one per session. */
static int64_t draw_leave(const gb_store_sim *s, store_player *pl, int64_t install_ms,
                          int64_t alive_ms) {
  double a0 = fmax((double)(alive_ms - install_ms) / 86400e3, 0.0);
  double u = 1.0 - gb_rng_uniform(&pl->rng); /* (0, 1] */
  double life = (s->ret.tau_days + a0) * pow(u, -1.0 / s->ret.alpha) - s->ret.tau_days;
  double leave = (double)install_ms + life * 86400e3;
  return leave < 4e18 ? (int64_t)leave : INT64_MAX;
}

static void schedule_next(gb_store_sim *s, store_player *pl, uint32_t idx, int64_t from) {
  double need = gb_ziggurat_exponential(&s->zig, &pl->rng);
  int64_t next = gb_rhythm_next_inverse(&s->rhythm, need, from, pl->offset_min, pl->rate);
  if (next >= s->end_ms || next >= pl->leave_ms) {
    pl->state = STATE_GONE;
    return;
  }
  pl->state = STATE_IDLE;
  gb_timeq_push(s->q, next, idx);
}

static int init_player(gb_store_sim *s, size_t mine) {
  store_player *pl = &s->p[mine];
  uint64_t id = player_id_of(s, mine);
  gb_rng_seed(&pl->rng, s->cfg.seed ^ UINT64_C(0x53746561), id);
  draw_home(s, pl);
  pl->rate = gb_retention_rate(s->m.sessions_per_day, gb_ziggurat_normal(&s->zig, &pl->rng));
  draw_taste(s, pl);
  pl->arm = s->cfg.arms ? gb_arms_of(s->cfg.arms, id) : 0;
  if (draw_history(s, pl) != 0)
    return -1;
  int64_t start = s->cfg.start_ms;
  if (id <= s->cfg.players) {
    int64_t install_ms = start - (int64_t)(gb_retention_sample_age(&s->ret, &pl->rng) * 86400e3);
    pl->leave_ms = draw_leave(s, pl, install_ms, start);
    schedule_next(s, pl, (uint32_t)mine, start);
  } else {
    /* Arrivals come through the run's days by the rhythm; the first session at arrival. */
    int64_t install_ms =
        gb_rhythm_sample_between(&s->rhythm, &pl->rng, start, s->end_ms, pl->offset_min);
    pl->leave_ms = draw_leave(s, pl, install_ms, install_ms);
    pl->state = STATE_IDLE;
    gb_timeq_push(s->q, install_ms, (uint32_t)mine);
  }
  s->arm[pl->arm].players++;
  return 0;
}

/* ---- Creation ---------------------------------------------------------------------------- */

/* The taste's weights summed, and their running sums: what a walk over them would add up. */
static void sum_taste_weights(gb_store_sim *s) {
  for (int j = 0; j < GB_STORE_TASTE_GENRES; j++) {
    s->taste_total += s->m.taste_weights[j];
    s->taste_cum[j] = s->taste_total;
  }
}

/* The affinity of each class — the model's gb_store_affinity of a taste with distinct genres
 * 0, 1, 2 for an app with the class's genres — and alpha of every app for each. */
static void tabulate_clicks(gb_store_sim *s) {
  gb_store_taste distinct = {0};
  for (int j = 0; j < GB_STORE_TASTE_GENRES; j++) {
    distinct.genre[j] = (uint8_t)j;
    distinct.weight[j] = s->m.taste_weights[j];
  }
  for (unsigned cls = 0; cls < AFFINITY_CLASSES; cls++)
    s->class_affinity[cls] = gb_store_affinity(&distinct, &(gb_store_app){.genres = cls});
  for (uint32_t a = 0; a < s->n_apps; a++) {
    double term = gb_store_click_term(&s->m, gb_store_catalog_app(s->cfg.catalog, a), s->n_apps);
    for (unsigned cls = 0; cls < AFFINITY_CLASSES; cls++)
      s->click_prob[(size_t)a * AFFINITY_CLASSES + cls] =
          gb_store_click_prob_with(&s->m, s->class_affinity[cls], term);
  }
}

/* The calendar's window: about WINDOW_SESSIONS session starts each (their prefetches overlap,
 * and a sparse population does not walk empty windows), between a second and an hour. Only a
 * speed setting: the order of events does not depend on it. */
static int64_t window_ms(const gb_store_sim *s) {
  enum { WINDOW_SESSIONS = 64 };
  double per_ms = (double)(s->n_mine ? s->n_mine : 1) * s->m.sessions_per_day / 86400e3;
  double w = WINDOW_SESSIONS / per_ms;
  return w < 1000 ? 1000 : w > 3600e3 ? 3600000 : (int64_t)(w / 1000) * 1000;
}

/* Room left after a library in the arena for the games its player buys in the run: a library
 * that outgrows it moves to the heap (an allocation, and a block away from its neighbours). */
static uint32_t library_room(uint32_t n_lib) { return n_lib + LIBRARY_HEADROOM + n_lib / 8; }

/* Moves every library into the arena, in player order, each with room to grow. */
static int pack_libraries(gb_store_sim *s) {
  size_t total = 0;
  for (size_t k = 0; k < s->n_mine; k++)
    total += library_room(s->p[k].n_lib);
  if (total == 0)
    return 0;
  lib_entry *arena = gb_records_alloc(total * sizeof *arena);
  if (!arena)
    return -1;
  size_t at = 0;
  for (size_t k = 0; k < s->n_mine; k++) {
    store_player *pl = &s->p[k];
    if (pl->n_lib > 0)
      memcpy(arena + at, pl->lib, pl->n_lib * sizeof *arena);
    free(pl->lib);
    pl->lib = arena + at;
    pl->cap_lib = library_room(pl->n_lib);
    at += pl->cap_lib;
  }
  s->lib_arena = arena;
  s->arena_n = total;
  return 0;
}

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
  gb_ziggurat_init(&s->zig);
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
  s->p = gb_records_alloc((s->n_mine ? s->n_mine : 1) * sizeof *s->p);
  s->arm = calloc(s->n_arms, sizeof *s->arm);
  s->owned_bits = calloc((s->n_apps + 63) / 64, sizeof *s->owned_bits);
  s->click_prob = malloc((size_t)s->n_apps * AFFINITY_CLASSES * sizeof *s->click_prob);
  if (!s->p || !s->arm || !s->owned_bits || !s->click_prob) {
    gb_err_set(err, GB_ERR_RUNTIME, "store simulator: out of memory");
    goto fail;
  }
  if (gb_store_outcomes_new(cfg->catalog, s->n_arms, &s->outcomes, err) != 0)
    goto fail;
  sum_taste_weights(s);
  tabulate_clicks(s);
  for (unsigned i = 0; i < GB_STORE_SLATE_MAX; i++)
    s->theta[i] = gb_store_position_weight(&s->m, i);
  GB_ASSERT(s->n_countries <= sizeof s->country_code / sizeof s->country_code[0]);
  for (size_t i = 0; i < s->n_countries; i++) {
    size_t len = strlen(s->countries[i].code);
    GB_ASSERT(len <= GB_COUNTRY_MAX);
    memcpy(s->country_code[i], s->countries[i].code, len); /* the rest stays zero (calloc) */
  }
  /* The whole record prefetched (two lines). */
  if (gb_timeq_new(s->n_mine ? s->n_mine : 1, cfg->start_ms, window_ms(s), s->p, sizeof *s->p,
                   sizeof *s->p, &s->q, err) != 0)
    goto fail;
  for (size_t k = 0; k < s->n_mine; k++)
    if (init_player(s, k) != 0) {
      gb_err_set(err, GB_ERR_RUNTIME, "store simulator: out of memory");
      goto fail;
    }
  if (pack_libraries(s) != 0) {
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
    if (!lib_in_arena(s, &s->p[k]))
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
  free(s->lib_arena);
  free(s->owned_bits);
  free(s->click_prob);
  free(s);
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
  memcpy(ev->country, s->country_code[pl->country], sizeof ev->country);
  ev->utc_offset_min = pl->offset_min;
}

/* Clears the store fields up to the impression's app ids, which are read only up to n_app_ids
 * (zeroed here): the 64 bytes of ids are not written for every event. */
static void clear_store(gb_event *ev) { memset(&ev->u.store, 0, offsetof(gb_ev_store, app_ids)); }

static void fill_step(const gb_store_sim *s, const store_player *pl, const burst *b, const step *st,
                      gb_event *ev) {
  switch ((gb_event_type)st->type) {
  case GB_EV_IMPRESSION:
    clear_store(ev);
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
    memcpy(ev->u.purchase.currency, "USD", 4); /* copies, not snprintf: a hot path */
    break;
  case GB_EV_OFFER_SHOWN:
  case GB_EV_OFFER_PURCHASED:
  case GB_EV_OFFER_DISMISSED:
    memset(&ev->u.offer, 0, sizeof ev->u.offer);
    memcpy(ev->u.offer.offer_type, OFFER_TYPES[(size_t)st->value2],
           strlen(OFFER_TYPES[(size_t)st->value2]) + 1);
    ev->u.offer.price = st->value;
    break;
  default:
    clear_store(ev);
    ev->u.store.app_id = st->app + 1;
    ev->u.store.minutes = st->type == GB_EV_PLAY_SESSION ? st->value : 0;
    ev->u.store.recommended = st->type == GB_EV_REVIEW && st->flag;
    ev->u.store.hours_at_review = st->type == GB_EV_REVIEW ? st->value : 0;
    break;
  }
}

/* Starts the player's session at its scheduled time: a visit (which may wait for the engine)
 * or a play session. Emits the session's first event into ev. */
static void start_session(gb_store_sim *s, uint32_t idx, int64_t t, gb_event *ev) {
  store_player *pl = &s->p[idx];
  uint64_t id = player_id_of(s, idx);
  pl->session++;
  burst *b = gb_store_sim_burst_take(s);
  if (!b)
    GB_FATAL("store simulator: out of memory");
  bool visit = gb_rng_uniform(&pl->rng) < s->m.visit_share;
  if (!visit && gb_store_sim_plan_play(s, pl, b, t)) {
    pl->b = b;
    pl->state = STATE_BURST;
    const step *st = &b->steps[b->pos++];
    fill_header(s, pl, ev, (gb_event_type)st->type, st->ts, id);
    fill_step(s, pl, b, st, ev);
    if (b->pos < b->n)
      gb_timeq_push(s->q, b->steps[b->pos].ts, idx);
    else {
      pl->b = NULL;
      gb_store_sim_burst_give_back(s, b);
      schedule_next(s, pl, idx, st->ts + (int64_t)(st->value * 60000.0));
    }
    return;
  }
  fill_header(s, pl, ev, GB_EV_STORE_VISIT, t, id);
  clear_store(ev);
  s->arm[pl->arm].visits++;
  pl->b = b;
  if (s->cfg.closed_loop) {
    pl->state = STATE_WAITING;
    pl->waiting_id = ev->event_id;
    s->n_waiting++;
    return;
  }
  gb_store_sim_plan_visit(s, pl, b, t);
  pl->state = STATE_BURST;
  if (b->n > 0) {
    gb_timeq_push(s->q, b->steps[0].ts, idx);
  } else {
    pl->b = NULL;
    gb_store_sim_burst_give_back(s, b);
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
  gb_store_sim_burst_give_back(s, b);
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
  while (gb_timeq_pop_due(s->q, until_ms, &e)) {
    prefetch_next_library(s);
    store_player *pl = &s->p[e.index];
    if (pl->state == STATE_IDLE) {
      start_session(s, e.index, e.ts, out);
      return GB_STORE_SIM_EVENT;
    }
    if (pl->state == STATE_BURST) {
      emit_burst_step(s, e.index, out);
      return GB_STORE_SIM_EVENT;
    }
  }
  if (gb_timeq_size(s->q) > 0)
    return GB_STORE_SIM_NOT_YET;
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
  gb_store_taste taste = taste_of(s, pl);
  for (uint32_t i = 0; i < pl->n_lib; i++)
    if (!(pl->lib[i].flags & LIB_GONE))
      s->owned_bits[pl->lib[i].app / 64] |= UINT64_C(1) << (pl->lib[i].app % 64);
  double buys, clicks, obuys, oclicks;
  gb_store_slate_expectation(&s->m, s->cfg.catalog, s->cfg.seed, &taste, owns_bit, s->owned_bits,
                             ts, b->slate, b->n_slate, &buys, &clicks);
  uint32_t oracle[GB_STORE_SLATE_MAX];
  size_t k = gb_store_oracle_slate(&s->m, s->cfg.catalog, s->cfg.seed, &taste, owns_bit,
                                   s->owned_bits, ts, oracle, NULL);
  gb_store_slate_expectation(&s->m, s->cfg.catalog, s->cfg.seed, &taste, owns_bit, s->owned_bits,
                             ts, oracle, k, &obuys, &oclicks);
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
  gb_store_sim_plan_visit(s, pl, b, d->ts);
  pl->state = STATE_BURST;
  if (b->n > 0) {
    gb_timeq_push(s->q, b->steps[0].ts, (uint32_t)idx);
  } else {
    pl->b = NULL;
    gb_store_sim_burst_give_back(s, b);
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
