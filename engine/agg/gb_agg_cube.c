/* The aggregator's stats cube: which dimension values and which value each event brings, and
 * the lateness check (gb_agg.h, gb_agg_cube_config). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gb_agg_int.h"

static int cube_config(const gb_agg_cube_config *in, gb_cube_config *out, gb_err *err) {
  *out = (gb_cube_config){.bucket_ms = in->bucket_ms,
                          .day_offset_min = in->day_offset_min,
                          .n_dims = in->n_dims,
                          .measures = (in->distinct_players ? GB_CUBE_DISTINCT : 0u) |
                                      (in->quantiles ? GB_CUBE_QUANTILES : 0u),
                          .distinct_exact_max = in->distinct_exact_max,
                          .hll_precision = in->hll_precision,
                          .quantile_accuracy = in->quantile_accuracy};
  if (in->n_dims > GB_AGG_DIM__COUNT)
    return gb_err_set(err, GB_ERR_INPUT, "engine.aggregates.dimensions: more than %d",
                      GB_AGG_DIM__COUNT);
  for (size_t i = 0; i < in->n_dims; i++)
    snprintf(out->dims[i], sizeof out->dims[i], "%s", gb_agg_dim_name(in->dims[i]));
  if (in->level_band == 0)
    return gb_err_set(err, GB_ERR_INPUT, "engine.aggregates.level_band: must be >= 1");
  if (in->allowed_lateness_ms < 0)
    return gb_err_set(err, GB_ERR_INPUT, "engine.aggregates.allowed_lateness: negative");
  return 0;
}

int gb_agg_cube_init(gb_agg *a, gb_err *err) {
  agg_cube_codes *c = &a->codes;
  for (int d = 0; d < GB_AGG_DIM__COUNT; d++)
    c->dim_of[d] = -1;
  const gb_agg_cube_config *in = &a->cfg.cube;
  if (!in->keep)
    return 0;
  gb_cube_config cfg;
  if (cube_config(in, &cfg, err) != 0)
    return -1;
  for (size_t i = 0; i < in->n_dims; i++) {
    if (c->dim_of[in->dims[i]] >= 0)
      return gb_err_set(err, GB_ERR_INPUT, "engine.aggregates.dimensions[%zu]: '%s' appears twice",
                        i, gb_agg_dim_name(in->dims[i]));
    c->dim_of[in->dims[i]] = (int)i;
  }
  size_t n_arms = a->cfg.arms ? gb_arms_count(a->cfg.arms) : 0;
  if (n_arms) {
    c->arm = calloc(n_arms, sizeof *c->arm);
    if (!c->arm)
      return gb_err_set(err, GB_ERR_RUNTIME, "out of memory for the stats cube");
  }
  if (gb_cube_new(&cfg, &a->cube, err) != 0) {
    gb_err_prefix(err, "engine.aggregates.");
    return -1;
  }
  return 0;
}

void gb_agg_cube_free(gb_agg *a) {
  gb_cube_free(a->cube);
  free(a->codes.arm);
}

/* The event type's main quantity in milli-units (docs/queries.md lists them); false when the
 * type has none. */
static bool event_value(const gb_event *ev, int64_t *milli) {
  double v;
  switch (ev->type) {
  case GB_EV_GAME_START:
    v = (double)ev->u.game.bet;
    break;
  case GB_EV_GAME_END:
    v = (double)ev->u.game.coins_delta;
    break;
  case GB_EV_PURCHASE:
    v = ev->u.purchase.app_id ? ev->u.purchase.price * (1.0 - ev->u.purchase.discount)
                              : ev->u.purchase.amount;
    break;
  case GB_EV_LEVEL_UP:
    v = ev->u.level;
    break;
  case GB_EV_BANKRUPT_RELIEF:
    v = (double)ev->u.relief.amount;
    break;
  case GB_EV_SESSION_END:
    v = (double)ev->u.duration_ms / 1000.0;
    break;
  case GB_EV_REWARD_GRANTED:
    v = (double)ev->u.prop.amount;
    break;
  case GB_EV_CHALLENGE_PROGRESS:
    v = (double)ev->u.prop.progress;
    break;
  case GB_EV_PLAY_SESSION:
    v = ev->u.store.minutes;
    break;
  case GB_EV_OFFER_SHOWN:
  case GB_EV_OFFER_PURCHASED:
  case GB_EV_OFFER_DISMISSED:
    v = ev->u.offer.price;
    break;
  default:
    return false;
  }
  /* Round half away from zero to milli-units; integers stay exact below 2^53 / 1000. */
  double scaled = v * 1000.0;
  *milli = (int64_t)(scaled < 0 ? scaled - 0.5 : scaled + 0.5);
  return true;
}

static bool has_challenge(gb_event_type t) {
  return t >= GB_EV_PROP_GENERATED && t <= GB_EV_REWARD_GRANTED;
}

static uint32_t code_of(gb_agg *a, gb_agg_dim d, const char *s) {
  return gb_cube_code(a->cube, (size_t)a->codes.dim_of[d], s, strlen(s));
}

/* A code cached in *slot (0: not interned yet). */
static uint32_t cached(gb_agg *a, gb_agg_dim d, uint32_t *slot, const char *s) {
  if (!*slot)
    *slot = code_of(a, d, s);
  return *slot;
}

static uint32_t level_band_code(gb_agg *a, int32_t level) {
  if (level <= 0)
    return 0; /* not known yet */
  int32_t band = level / (int32_t)a->cfg.cube.level_band;
  uint32_t *slot = band < AGG_LEVEL_BANDS_CACHED ? &a->codes.level_band[band] : NULL;
  if (slot && *slot)
    return *slot;
  char text[16];
  snprintf(text, sizeof text, "%" PRId32, band * (int32_t)a->cfg.cube.level_band);
  uint32_t code = code_of(a, GB_AGG_DIM_LEVEL_BAND, text);
  if (slot)
    *slot = code;
  return code;
}

/* The code of dimension d for ev (0 when the event has no such value). */
static uint32_t dim_code(gb_agg *a, gb_agg_dim d, const player_rec *rec, const gb_event *ev,
                         int game_index) {
  agg_cube_codes *c = &a->codes;
  bool game_event = ev->type == GB_EV_GAME_START || ev->type == GB_EV_GAME_END;
  switch (d) {
  case GB_AGG_DIM_TYPE:
    return cached(a, d, &c->type[ev->type], gb_event_type_name(ev->type));
  case GB_AGG_DIM_GAME:
    if (!game_event)
      return 0;
    return game_index >= 0 ? cached(a, d, &c->game[game_index], ev->u.game.game)
                           : code_of(a, d, ev->u.game.game);
  case GB_AGG_DIM_ROOM:
    return game_event ? code_of(a, d, ev->u.game.room) : 0;
  case GB_AGG_DIM_PLATFORM:
    return code_of(a, d, ev->platform);
  case GB_AGG_DIM_COUNTRY:
    return code_of(a, d, ev->country);
  case GB_AGG_DIM_ARM: {
    if (!a->cfg.arms)
      return 0;
    uint16_t arm = gb_arms_of(a->cfg.arms, ev->player_id);
    return cached(a, d, &c->arm[arm], gb_arms_name(a->cfg.arms, arm));
  }
  case GB_AGG_DIM_CHALLENGE:
    return has_challenge(ev->type) ? code_of(a, d, ev->u.prop.challenge_id) : 0;
  case GB_AGG_DIM_REWARD_TYPE:
    return ev->type == GB_EV_REWARD_GRANTED ? code_of(a, d, ev->u.prop.reward_type) : 0;
  case GB_AGG_DIM_LEVEL_BAND:
    return level_band_code(a, rec->features.level);
  default:
    return 0;
  }
}

void gb_agg_cube_add(gb_agg *a, const player_rec *rec, const gb_event *ev, int game_index,
                     int64_t watermark) {
  if (ev->ts < watermark - a->cfg.cube.allowed_lateness_ms) {
    a->events_late++;
    return;
  }
  const gb_agg_cube_config *cc = &a->cfg.cube;
  uint32_t codes[GB_AGG_DIM__COUNT];
  for (size_t i = 0; i < cc->n_dims; i++)
    codes[i] = dim_code(a, cc->dims[i], rec, ev, game_index);
  int64_t value = 0;
  bool has_value = event_value(ev, &value);
  gb_cube_add(a->cube, ev->ts, codes, ev->player_id, has_value, value);
}
