/* gb_store_sim_int: what the store simulator's files share: the player record, the library, a
 * visit's burst of steps, the simulator's state and small helpers (gb_store_sim.h describes the
 * simulator). gb_store_sim.c sets it up, schedules sessions and emits events; gb_store_sim_visit.c
 * plans what a session sets off (browsing, looking at apps, purchases, offers, play). Not for
 * other modules. */
#ifndef GB_STORE_SIM_INT_H
#define GB_STORE_SIM_INT_H

#include "gb_store_sim.h"

#include <math.h>
#include <stdbool.h>
#include <stdint.h>

#include "gb_prefetch.h"
#include "gb_retention.h"
#include "gb_rhythm.h"
#include "gb_rng.h"
#include "gb_timeq.h"
#include "gb_ziggurat.h"

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

/* Entries of room after each library packed at the start (plus an eighth of its size). */
enum { LIBRARY_HEADROOM = 2 };

enum { BURST_STEPS_MAX = 4 + 3 * GB_STORE_SLATE_MAX + 3 * 20 };

typedef struct burst {
  struct burst *next_free;
  uint32_t n, pos;
  uint32_t slate[GB_STORE_SLATE_MAX];
  uint8_t n_slate;
  step steps[BURST_STEPS_MAX];
} burst;

enum { STATE_NEW = 0, STATE_IDLE, STATE_WAITING, STATE_BURST, STATE_GONE };

/* Two aligned cache lines (the calendar prefetches them when the player's turn comes near): a
 * session reads most of it, and every line less per session is a miss less. The taste's weights
 * are the model's (the same for every player), so only its genres and budget are kept here. */
/* Affinity classes: bit j set when the app has the player's liked genre j (counted once). */
enum { AFFINITY_CLASSES = 1 << GB_STORE_TASTE_GENRES };

typedef struct store_player {
  _Alignas(GB_CACHE_LINE) gb_rng rng;
  burst *b;
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
  int64_t leave_ms;                     /* when its lifetime ends: no session starts from then on */
  uint64_t waiting_id;                  /* the visit's event id (WAITING) */
  double rate;                          /* sessions per day */
  double budget_cents;                  /* per month */
  uint8_t genre[GB_STORE_TASTE_GENRES]; /* liked genres (may repeat) */
} store_player;

_Static_assert(sizeof(store_player) == 2 * GB_CACHE_LINE, "a player is two cache lines");

struct gb_store_sim {
  gb_store_sim_config cfg;
  gb_store_model m;
  gb_rhythm rhythm;
  gb_retention ret;
  gb_ziggurat zig; /* the normal and exponential draws' tables */
  const gb_country *countries;
  size_t n_countries;
  uint32_t n_apps;
  int64_t end_ms;
  uint64_t population; /* all players of the run (every producer) */
  store_player *p;     /* this instance's: index k / n_producers */
  size_t n_mine;
  gb_timeq *q;
  burst *free_bursts;
  /* The libraries players arrive with, packed in one block on huge pages (gb_records): a
   * library is read at every session of its player, and thousands of small heap blocks would
   * miss the TLB. One that grows moves to the heap. */
  lib_entry *lib_arena;
  size_t arena_n;
  uint64_t *owned_bits; /* scratch: one bit per app */
  /* alpha of every app for each affinity class (AFFINITY_CLASSES per app, computed once): the
   * taste's weights are the model's, so which liked genres an app has fixes the affinity. */
  double *click_prob;
  double class_affinity[AFFINITY_CLASSES];
  /* The taste's weights summed, and their running sums (a liked genre drawn by weight). */
  double taste_total, taste_cum[GB_STORE_TASTE_GENRES];
  char country_code[64][GB_COUNTRY_MAX + 1]; /* each country's code, NUL-padded */
  double theta[GB_STORE_SLATE_MAX];
  gb_store_arm_stats *arm;
  size_t n_arms;
  uint64_t stray;
  size_t n_waiting; /* players waiting for an answer: BLOCKED without scanning them all */
  gb_store_outcomes *outcomes; /* slates and purchases for the held-out ranking metrics */
};

enum { N_OFFER_TYPES = 3 }; /* dlc, bundle, season_pass (gb_store_sim.c names them) */

static inline uint64_t player_id_of(const gb_store_sim *s, size_t mine) {
  return s->cfg.id_base + (uint64_t)mine * s->cfg.n_producers + s->cfg.producer + 1;
}

/* The player's taste for the model's functions. */
static inline gb_store_taste taste_of(const gb_store_sim *s, const store_player *pl) {
  gb_store_taste t = {.budget_cents = pl->budget_cents};
  for (int j = 0; j < GB_STORE_TASTE_GENRES; j++) {
    t.genre[j] = pl->genre[j];
    t.weight[j] = s->m.taste_weights[j];
  }
  return t;
}

/* The player's affinity class for an app of these genres: as gb_store_affinity counts them (a
 * genre liked twice counts once, at its first place). */
static inline unsigned affinity_class(const store_player *pl, uint32_t genres) {
  unsigned cls = 0;
  uint32_t seen = 0;
  for (int j = 0; j < GB_STORE_TASTE_GENRES; j++) {
    uint32_t bit = 1u << pl->genre[j];
    if ((genres & bit) && !(seen & bit))
      cls |= 1u << j;
    seen |= bit;
  }
  return cls;
}

/* The player's affinity to app a (gb_store_affinity's value, through the class). */
static inline double affinity_of(const gb_store_sim *s, const store_player *pl,
                                 const gb_store_app *a) {
  return s->class_affinity[affinity_class(pl, a->genres)];
}

static inline double lognormal(const gb_store_sim *s, gb_rng *rng, double median, double sigma) {
  return median * exp(sigma * gb_ziggurat_normal(&s->zig, rng));
}

/* Whether the player's library is in the arena (compared as addresses: ordering pointers into
 * different allocations is undefined in C). */
static inline bool lib_in_arena(const gb_store_sim *s, const store_player *pl) {
  uintptr_t at = (uintptr_t)pl->lib, start = (uintptr_t)s->lib_arena;
  return s->lib_arena && at >= start && at - start < s->arena_n * sizeof *s->lib_arena;
}

/* Hours a player will ever play a game: log-normal around hours_median. */
static inline double draw_lifetime_hours(const gb_store_sim *s, store_player *pl) {
  return lognormal(s, &pl->rng, s->m.hours_median, s->m.hours_sigma);
}

/* Steam reports playtime in tenths of an hour, and the log lists games with some play only. */
static inline double tenth_hours(double h) {
  double r = round(h * 10.0) / 10.0;
  return r < 0.1 ? 0.1 : r;
}

/* Appends a game to the library (growing it); -1 when out of memory. */
int gb_store_sim_lib_add(gb_store_sim *s, store_player *pl, uint32_t app, double lifetime_h,
                         double played_h);

/* A game met by browsing (gb_store_sim_visit.c says how). */
uint32_t gb_store_sim_browse(const gb_store_sim *s, store_player *pl);

/* A burst from the free list (or allocated; NULL when out of memory), and back. */
burst *gb_store_sim_burst_take(gb_store_sim *s);
void gb_store_sim_burst_give_back(gb_store_sim *s, burst *b);

/* What a visit sets off once the player has its slate (b->n_slate may be 0), from t on. */
void gb_store_sim_plan_visit(gb_store_sim *s, store_player *pl, burst *b, int64_t t);

/* A play session at t on a game with hours left; false when none has any. */
bool gb_store_sim_plan_play(gb_store_sim *s, store_player *pl, burst *b, int64_t t);

#endif
