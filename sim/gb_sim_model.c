#include "gb_sim_model.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "gb_retention.h"
#include "gb_rhythm.h"

gb_sim_model gb_sim_model_defaults(void) {
  /* docs/simulator.md gives each default's reason */
  return (gb_sim_model){
      .arrival_rate = 0.03,
      .sessions_per_day = 2.0,
      .session_scale_ms = 23 * 60 * 1000,
      .session_shape = 0.5,
      .peak_hour = GB_RHYTHM_DEFAULT_PEAK_HOUR,
      .payer_share = 0.05,
      .retention_d1 = 0.45,
      .retention_d7 = 0.19,
      .completion_effect = 0.3,
      .spam_effect = 0.15,
  };
}

static int bad(char *key, size_t cap, const char *name, gb_err *err, double v, double lo,
               double hi) {
  if (cap > 0)
    snprintf(key, cap, "%s", name);
  return gb_err_set(err, GB_ERR_INPUT, "%g is out of range (%g .. %g)", v, lo, hi);
}

static int check_ranges(const gb_sim_model *m, char *key, size_t cap, gb_err *err) {
  if (!(m->arrival_rate >= 0 && m->arrival_rate <= GB_SIM_ARRIVAL_RATE_MAX))
    return bad(key, cap, "arrivals", err, m->arrival_rate, 0, GB_SIM_ARRIVAL_RATE_MAX);
  if (!(m->sessions_per_day >= GB_SIM_SESSIONS_PER_DAY_MIN &&
        m->sessions_per_day <= GB_SIM_SESSIONS_PER_DAY_MAX))
    return bad(key, cap, "sessions_per_day", err, m->sessions_per_day, GB_SIM_SESSIONS_PER_DAY_MIN,
               GB_SIM_SESSIONS_PER_DAY_MAX);
  if (m->session_scale_ms < GB_SIM_SESSION_SCALE_MIN_MS ||
      m->session_scale_ms > GB_SIM_SESSION_SCALE_MAX_MS) {
    if (cap > 0)
      snprintf(key, cap, "session_length");
    return gb_err_set(err, GB_ERR_INPUT, "%lldms is out of range (1s .. 1d)",
                      (long long)m->session_scale_ms);
  }
  if (!(m->session_shape >= GB_SIM_SESSION_SHAPE_MIN &&
        m->session_shape <= GB_SIM_SESSION_SHAPE_MAX))
    return bad(key, cap, "session_shape", err, m->session_shape, GB_SIM_SESSION_SHAPE_MIN,
               GB_SIM_SESSION_SHAPE_MAX);
  if (m->peak_hour < 0 || m->peak_hour > 23)
    return bad(key, cap, "peak_hour", err, m->peak_hour, 0, 23);
  if (!(m->payer_share >= 0 && m->payer_share <= 1))
    return bad(key, cap, "payer_share", err, m->payer_share, 0, 1);
  if (!(m->completion_effect >= 0 && m->completion_effect <= GB_SIM_EFFECT_MAX))
    return bad(key, cap, "retention.completion_effect", err, m->completion_effect, 0,
               GB_SIM_EFFECT_MAX);
  if (!(m->spam_effect >= 0 && m->spam_effect <= GB_SIM_EFFECT_MAX))
    return bad(key, cap, "retention.spam_effect", err, m->spam_effect, 0, GB_SIM_EFFECT_MAX);
  return 0;
}

int gb_sim_model_prepare(const gb_sim_model *m, gb_rhythm *rhythm, gb_retention *ret, char *key,
                         size_t key_cap, gb_err *err) {
  if (check_ranges(m, key, key_cap, err) != 0)
    return -1;
  gb_rhythm_init(rhythm, m->peak_hour);
  gb_err fit_err = {0};
  if (gb_retention_fit(ret, m->retention_d1, m->retention_d7, m->sessions_per_day, rhythm,
                       &fit_err) == 0)
    return 0;
  /* the fit's message starts with the key ("retention.d7: ..."): split it off */
  const char *colon = strstr(fit_err.msg, ": ");
  if (key_cap > 0)
    snprintf(key, key_cap, "%.*s", colon ? (int)(colon - fit_err.msg) : 0, fit_err.msg);
  return gb_err_set(err, GB_ERR_INPUT, "%s", colon ? colon + 2 : fit_err.msg);
}

int gb_sim_model_check(const gb_sim_model *m, char *key, size_t key_cap, gb_err *err) {
  gb_rhythm rhythm;
  gb_retention ret;
  return gb_sim_model_prepare(m, &rhythm, &ret, key, key_cap, err);
}

uint64_t gb_sim_population(uint32_t players, int64_t duration_ms, const gb_sim_model *model) {
  gb_sim_model def = gb_sim_model_defaults();
  const gb_sim_model *m = model ? model : &def;
  double arrivals =
      m->arrival_rate * (double)players * (double)duration_ms / 86400000.0 /* ms per day */;
  if (!(arrivals < 1e18)) /* beyond any limit: saturate rather than overflow */
    return UINT64_MAX;
  return players + (uint64_t)llround(arrivals);
}
