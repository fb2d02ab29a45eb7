#include "gb_agg.h"
#include "gb_agg_int.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "gb_grow.h"
#include "gb_prefetch.h"

static const char *const dim_names[GB_AGG_DIM__COUNT] = {
    "type", "game", "room", "platform", "country", "arm", "challenge", "reward_type", "level_band"};

const char *gb_agg_dim_name(gb_agg_dim d) {
  return (unsigned)d < GB_AGG_DIM__COUNT ? dim_names[d] : "unknown";
}

int gb_agg_dim_parse(const char *name, gb_agg_dim *out) {
  for (int d = 0; d < GB_AGG_DIM__COUNT; d++)
    if (strcmp(name, dim_names[d]) == 0) {
      *out = (gb_agg_dim)d;
      return 0;
    }
  return -1;
}

const char *gb_agg_dim_names(void) {
  return "type, game, room, platform, country, arm, challenge, reward_type, level_band";
}

/* Room for slot (hot path: pre-sized at creation, a failed growth is fatal). New records are
 * zeroes, written only when their player first shows up (first_event), so that a table
 * pre-sized for the whole population costs memory only for the players who play. */
static void ensure_slot(gb_agg *a, uint32_t slot) {
  GB_GROW_OR_DIE(a->players, a->cap, (size_t)slot + 1, 1024, "aggregator players");
}

/* A player's record at its first event: no preferred game yet. */
static void first_event(player_rec *rec, int64_t ts) {
  *rec = (player_rec){.features = {.first_seen_ts = ts, .preferred_game = -1},
                      .watermark_ts = ts,
                      .last_game = -1,
                      .seen = true};
}

gb_agg_cube_config gb_agg_cube_defaults(void) {
  return (gb_agg_cube_config){.keep = true,
                              .dims = {GB_AGG_DIM_TYPE, GB_AGG_DIM_GAME, GB_AGG_DIM_ARM,
                                       GB_AGG_DIM_CHALLENGE, GB_AGG_DIM_REWARD_TYPE},
                              .n_dims = 5,
                              .bucket_ms = 60000,
                              .distinct_players = true,
                              .quantiles = true,
                              .distinct_exact_max = 256,
                              .hll_precision = 12,
                              .quantile_accuracy = 0.01,
                              .allowed_lateness_ms = 300000,
                              .level_band = 10};
}

int gb_agg_new(const gb_agg_config *cfg, gb_agg **out, gb_err *err) {
  gb_agg *a = calloc(1, sizeof *a);
  if (!a)
    return gb_err_set(err, GB_ERR_RUNTIME, "out of memory for the aggregator");
  a->cfg = *cfg;
  size_t expected_players = cfg->expected_players;
  if (gb_agg_cube_init(a, err) != 0 || gb_features_new(expected_players, &a->features, err) != 0 ||
      (expected_players > 0 &&
       GB_GROW(a->players, a->cap, expected_players, 1024, "aggregator players", err) != 0)) {
    gb_agg_free(a);
    return -1;
  }
  *out = a;
  return 0;
}

void gb_agg_free(gb_agg *a) {
  if (!a)
    return;
  gb_agg_cube_free(a);
  gb_features_free(a->features);
  free(a->players);
  free(a);
}

/* Index of the game named name, adding it when new; -1 when the table is full. */
static int game_index(gb_agg *a, const char *name) {
  for (size_t i = 0; i < a->n_games; i++)
    if (strcmp(a->games[i].name, name) == 0)
      return (int)i;
  if (a->n_games == GB_AGG_GAMES_MAX)
    return -1;
  gb_agg_game *g = &a->games[a->n_games];
  memset(g, 0, sizeof *g);
  memcpy(g->name, name, strlen(name) + 1);
  return (int)a->n_games++;
}

/* Misra-Gries update; returns the entry index holding game, or -1 when it was not admitted. */
static int count_game(player_counts *c, int game) {
  int free_entry = -1;
  for (int i = 0; i < HEAVY_HITTERS; i++) {
    if (c->count[i] && c->game[i] == game) {
      if (c->count[i] < UINT16_MAX)
        c->count[i]++;
      return i;
    }
    if (!c->count[i] && free_entry < 0)
      free_entry = i;
  }
  if (free_entry >= 0) {
    c->game[free_entry] = (uint8_t)game;
    c->count[free_entry] = 1;
    return free_entry;
  }
  for (int i = 0; i < HEAVY_HITTERS; i++)
    c->count[i]--;
  return -1;
}

static void note_game_played(player_rec *rec, int game) {
  player_counts *c = &rec->counts;
  count_game(c, game);
  int best = -1;
  for (int i = 0; i < HEAVY_HITTERS; i++)
    if (c->count[i] && (best < 0 || c->count[i] > c->count[best]))
      best = i;
  rec->features.preferred_game = best < 0 ? -1 : (int16_t)c->game[best];
}

/* The game's counters (a live event only). */
static void count_game_event(gb_agg *a, int gi, const gb_event *ev) {
  const gb_ev_game *g = &ev->u.game;
  if (gi < 0) {
    a->other_games += ev->type == GB_EV_GAME_END;
    return;
  }
  gb_agg_game *game = &a->games[gi];
  if (ev->type == GB_EV_GAME_START) {
    game->games_started++;
    return;
  }
  game->games_ended++;
  game->wins += g->won;
  game->bets_total += g->bet;
  game->coins_delta_total += g->coins_delta;
}

/* A game event: the player's level, balance and preferred game, and (counting) the game's
 * counters. The game gets its index either way: the preferred game is an index. Returns it. */
static int fold_game(gb_agg *a, player_rec *rec, const gb_event *ev, gb_agg_mode mode) {
  const gb_ev_game *g = &ev->u.game;
  gb_agg_player *p = &rec->features;
  p->level = g->level;
  p->coin_balance = g->coin_balance;
  int gi = rec->last_game >= 0 && strcmp(a->games[rec->last_game].name, g->game) == 0
               ? rec->last_game
               : game_index(a, g->game);
  if (gi >= 0)
    rec->last_game = (int8_t)gi;
  if (mode == GB_AGG_COUNT)
    count_game_event(a, gi, ev);
  if (gi >= 0 && ev->type == GB_EV_GAME_END)
    note_game_played(rec, gi);
  return gi;
}

void gb_agg_update(gb_agg *a, uint32_t slot, const gb_event *ev, gb_agg_mode mode) {
  ensure_slot(a, slot);
  if (mode == GB_AGG_COUNT && (unsigned)ev->type < GB_EV__COUNT)
    a->type_counts[ev->type]++;
  player_rec *rec = &a->players[slot];
  gb_agg_player *p = &rec->features;
  if (!rec->seen)
    first_event(rec, ev->ts);
  int64_t watermark = rec->watermark_ts;
  if (ev->ts > watermark)
    rec->watermark_ts = ev->ts;
  int gi = -1;
  switch (ev->type) {
  case GB_EV_GAME_START:
  case GB_EV_GAME_END:
    gi = fold_game(a, rec, ev, mode);
    break;
  case GB_EV_LEVEL_UP:
    p->level = ev->u.level;
    break;
  case GB_EV_BANKRUPT_RELIEF:
    p->coin_balance = ev->u.relief.coin_balance;
    break;
  default:
    break;
  }
  gb_features_update_game(a->features, slot, ev, gi);
  if (mode == GB_AGG_COUNT && a->cube)
    gb_agg_cube_add(a, rec, ev, gi, watermark);
}

void gb_agg_features(const gb_agg *a, uint32_t slot, int64_t decision_ts, int32_t utc_offset_min,
                     gb_feature_vec *out) {
  gb_features_fill(a->features, slot, decision_ts, utc_offset_min, out);
}

void gb_agg_prefetch(const gb_agg *a, uint32_t slot) {
  if (slot >= a->cap)
    return; /* a new player: gb_agg_update will allocate and initialise it */
  gb_prefetch_span_for_write(&a->players[slot], sizeof a->players[slot]);
  gb_features_prefetch(a->features, slot);
}

const gb_agg_player *gb_agg_player_at(const gb_agg *a, uint32_t slot) {
  return &a->players[slot].features;
}

const char *gb_agg_game_name(const gb_agg *a, int index) {
  return (index >= 0 && (size_t)index < a->n_games) ? a->games[index].name : NULL;
}

uint64_t gb_agg_type_count(const gb_agg *a, gb_event_type type) {
  return (unsigned)type < GB_EV__COUNT ? a->type_counts[type] : 0;
}

uint64_t gb_agg_events_late(const gb_agg *a) { return a->events_late; }

const gb_cube *gb_agg_cube(const gb_agg *a) { return a->cube; }

gb_cube *gb_agg_cube_mut(gb_agg *a) { return a->cube; }

int gb_agg_merge(gb_agg *dst, const gb_agg *src, gb_err *err) {
  dst->events_late += src->events_late;
  if (dst->cube && src->cube && gb_cube_merge(dst->cube, src->cube, err) != 0)
    return -1;
  for (int t = 0; t < GB_EV__COUNT; t++)
    dst->type_counts[t] += src->type_counts[t];
  dst->other_games += src->other_games;
  for (size_t i = 0; i < src->n_games; i++) {
    const gb_agg_game *s = &src->games[i];
    int gi = game_index(dst, s->name);
    if (gi < 0)
      return gb_err_set(err, GB_ERR_RUNTIME, "aggregator merge: more than %d games",
                        GB_AGG_GAMES_MAX);
    gb_agg_game *d = &dst->games[gi];
    d->games_started += s->games_started;
    d->games_ended += s->games_ended;
    d->wins += s->wins;
    d->bets_total += s->bets_total;
    d->coins_delta_total += s->coins_delta_total;
  }
  return 0;
}

const gb_agg_game *gb_agg_games(const gb_agg *a, size_t *n) {
  *n = a->n_games;
  return a->games;
}
