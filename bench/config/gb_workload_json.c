/* gb_workload_json: resolved_json, the workload with every default filled in (in the manifest),
 * and its hash. */
#include "gb_workload_int.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gb_algo.h"
#include "gb_rng.h"

/* ---- resolved_json ---- */

/* Adds val under key; false (val freed) when val is NULL (out of memory) or adding fails. */
static bool wl_json_put(json_object *obj, const char *key, json_object *val) {
  if (val && json_object_object_add(obj, key, val) == 0)
    return true;
  json_object_put(val);
  return false;
}

static json_object *wl_json_double(double v) {
  char buf[WL_DOUBLE_TEXT];
  gb_workload_format_double(v, buf, sizeof buf);
  return json_object_new_double_s(v, buf);
}

static json_object *wl_json_duration(int64_t ms) {
  char buf[GB_DURATION_TEXT_MAX];
  gb_duration_format_ms(ms, buf, sizeof buf);
  return json_object_new_string(buf);
}

static json_object *wl_json_retention(const gb_sim_model *m) {
  json_object *o = json_object_new_object();
  bool ok = o && wl_json_put(o, "d1", wl_json_double(m->retention_d1)) &&
            wl_json_put(o, "d7", wl_json_double(m->retention_d7)) &&
            wl_json_put(o, "completion_effect", wl_json_double(m->completion_effect)) &&
            wl_json_put(o, "spam_effect", wl_json_double(m->spam_effect));
  if (!ok)
    json_object_put(o);
  return ok ? o : NULL;
}

static json_object *wl_json_sim(const gb_workload *w) {
  const gb_sim_model *m = &w->sim.model;
  json_object *o = json_object_new_object();
  char start[WL_TEXT_MAX];
  gb_workload_format_time(w->sim.start_ms, start, sizeof start);
  bool ok = o && wl_json_put(o, "players", json_object_new_int64(w->sim.players)) &&
            wl_json_put(o, "duration", wl_json_duration(w->sim.duration_ms)) &&
            wl_json_put(o, "time_scale",
                        w->sim.time_scale > 0 ? wl_json_double(w->sim.time_scale)
                                              : json_object_new_string("max")) &&
            wl_json_put(o, "threads", json_object_new_int64(w->sim.threads)) &&
            wl_json_put(o, "start", json_object_new_string(start)) &&
            wl_json_put(o, "arrivals", wl_json_double(m->arrival_rate)) &&
            wl_json_put(o, "sessions_per_day", wl_json_double(m->sessions_per_day)) &&
            wl_json_put(o, "session_length", wl_json_duration(m->session_scale_ms)) &&
            wl_json_put(o, "session_shape", wl_json_double(m->session_shape)) &&
            wl_json_put(o, "peak_hour", json_object_new_int64(m->peak_hour)) &&
            wl_json_put(o, "payer_share", wl_json_double(m->payer_share)) &&
            wl_json_put(o, "retention", wl_json_retention(m)) &&
            (w->sim.platforms == GB_PLATFORMS_CARD ||
             wl_json_put(o, "platform",
                         json_object_new_string(gb_workload_enum_name(
                             wl_platforms, WL_COUNT(wl_platforms), (const int *)&w->sim.platforms,
                             GB_PLATFORMS_CARD))));
  if (!ok)
    json_object_put(o);
  return ok ? o : NULL;
}

/* Minutes east of UTC as "+08:00", "-05:30", "+00:00". */
static json_object *wl_json_offset(int32_t min) {
  char buf[16];
  int32_t a = min < 0 ? -min : min;
  snprintf(buf, sizeof buf, "%c%02d:%02d", min < 0 ? '-' : '+', (int)(a / 60), (int)(a % 60));
  return json_object_new_string(buf);
}

static json_object *wl_json_dims(const gb_workload *w) {
  json_object *list = json_object_new_array();
  for (size_t i = 0; list && i < w->engine.aggregates.n_dims; i++) {
    json_object *name = json_object_new_string(gb_agg_dim_name(w->engine.aggregates.dims[i]));
    if (!name || json_object_array_add(list, name) != 0) {
      json_object_put(name);
      json_object_put(list);
      return NULL;
    }
  }
  return list;
}

/* Every measure kept: the four that always are, then the optional ones. */
static json_object *wl_json_measures(const gb_workload *w) {
  bool kept[WL_MEASURES] = {true, true, true, true};
  kept[WL_MEASURE_DISTINCT] = w->engine.aggregates.distinct_players;
  kept[WL_MEASURE_QUANTILES] = w->engine.aggregates.quantiles;
  json_object *list = json_object_new_array();
  for (size_t i = 0; list && i < WL_MEASURES; i++) {
    if (!kept[i])
      continue;
    json_object *name = json_object_new_string(wl_measures[i]);
    if (!name || json_object_array_add(list, name) != 0) {
      json_object_put(name);
      json_object_put(list);
      return NULL;
    }
  }
  return list;
}

static json_object *wl_json_aggregates(const gb_workload *w) {
  json_object *o = json_object_new_object();
  bool ok =
      o && wl_json_put(o, "bucket", wl_json_duration(w->engine.aggregates.bucket_ms)) &&
      wl_json_put(o, "day_offset", wl_json_offset(w->engine.aggregates.day_offset_min)) &&
      wl_json_put(o, "dimensions", wl_json_dims(w)) &&
      wl_json_put(o, "measures", wl_json_measures(w)) &&
      wl_json_put(o, "allowed_lateness",
                  wl_json_duration(w->engine.aggregates.allowed_lateness_ms)) &&
      wl_json_put(o, "distinct_exact",
                  json_object_new_int64(w->engine.aggregates.distinct_exact_max)) &&
      wl_json_put(o, "hll_precision", json_object_new_int64(w->engine.aggregates.hll_precision)) &&
      wl_json_put(o, "quantile_accuracy", wl_json_double(w->engine.aggregates.quantile_accuracy)) &&
      wl_json_put(o, "level_band", json_object_new_int64(w->engine.aggregates.level_band));
  if (!ok)
    json_object_put(o);
  return ok ? o : NULL;
}

/* "extra_work_per_event" when set: the workloads (and manifests, and their hashes) of every run
 * without injected work stay as they were. */
static bool wl_json_put_extra_work(json_object *o, const gb_workload *w) {
  return w->engine.extra_work_per_event == 0 ||
         wl_json_put(o, "extra_work_per_event",
                     json_object_new_int64(w->engine.extra_work_per_event));
}

static json_object *wl_json_engine(const gb_workload *w) {
  json_object *o = json_object_new_object();
  bool ok = o && wl_json_put(o, "threads", json_object_new_int64(w->engine.threads)) &&
            wl_json_put(o, "queue_capacity", json_object_new_int64(w->engine.queue_capacity)) &&
            wl_json_put(o, "challenges", json_object_new_string(w->engine.challenges)) &&
            wl_json_put(o, "matcher", json_object_new_string(w->engine.matcher)) &&
            wl_json_put(o, "aggregates", wl_json_aggregates(w)) && wl_json_put_extra_work(o, w);
  if (!ok)
    json_object_put(o);
  return ok ? o : NULL;
}

static json_object *wl_json_transport(const gb_workload *w) {
  json_object *o = json_object_new_object();
  int kind_value = (int)w->transport.kind;
  const char *kind = gb_workload_enum_name(wl_transports, WL_COUNT(wl_transports), &kind_value, 0);
  int format_value = (int)w->transport.format;
  const char *format = gb_workload_enum_name(wl_formats, WL_COUNT(wl_formats), &format_value, 0);
  bool ok = o && wl_json_put(o, "kind", json_object_new_string(kind)) &&
            wl_json_put(o, "brokers", json_object_new_string(w->transport.brokers)) &&
            wl_json_put(o, "partitions", json_object_new_int64(w->transport.partitions)) &&
            wl_json_put(o, "format", json_object_new_string(format)) &&
            wl_json_put(o, "drain_timeout", wl_json_duration(w->transport.drain_timeout_ms));
  if (!ok)
    json_object_put(o);
  return ok ? o : NULL;
}

/* An arm's parameters, every one (defaults included): numbers, durations in canonical form like
 * the workload's other durations ("1m": the loader reads no bare milliseconds back), choices by
 * name. */
static json_object *wl_json_params(const gb_arm_config *arm) {
  const gb_algo_ops *ops = gb_algo_find(arm->algorithm);
  json_object *o = json_object_new_object();
  for (size_t k = 0; o && ops && k < ops->n_params; k++) {
    const gb_algo_param *p = &ops->params[k];
    json_object *v;
    if (p->kind == GB_ALGO_PARAM_CHOICE) {
      const char *c = p->choices;
      for (int skip = (int)arm->params[k]; skip > 0 && strchr(c, '|'); skip--)
        c = strchr(c, '|') + 1;
      const char *end = strchr(c, '|');
      v = json_object_new_string_len(c, end ? (int)(end - c) : (int)strlen(c));
    } else if (p->kind == GB_ALGO_PARAM_DURATION) {
      v = wl_json_duration((int64_t)arm->params[k]);
    } else {
      v = wl_json_double(arm->params[k]);
    }
    if (!wl_json_put(o, p->name, v)) {
      json_object_put(o);
      return NULL;
    }
  }
  return o;
}

/* "params" for an algorithm that has any (the manifests of runs without them stay as they were). */
static bool wl_json_put_params(json_object *o, const gb_arm_config *arm) {
  const gb_algo_ops *ops = gb_algo_find(arm->algorithm);
  return !ops || ops->n_params == 0 || wl_json_put(o, "params", wl_json_params(arm));
}

static json_object *wl_json_arms(const gb_workload *w) {
  json_object *list = json_object_new_array();
  for (size_t i = 0; list && i < w->n_arms; i++) {
    json_object *o = json_object_new_object();
    bool ok = o && wl_json_put(o, "name", json_object_new_string(w->arms[i].name)) &&
              wl_json_put(o, "algorithm", json_object_new_string(w->arms[i].algorithm)) &&
              wl_json_put(o, "weight", wl_json_double(w->arms[i].weight)) &&
              wl_json_put_params(o, &w->arms[i]);
    if (!ok || json_object_array_add(list, o) != 0) {
      json_object_put(o);
      json_object_put(list);
      return NULL;
    }
  }
  return list;
}

static json_object *wl_json_output(const gb_workload *w) {
  json_object *o = json_object_new_object();
  bool ok = o && wl_json_put(o, "dir", json_object_new_string(w->output.dir)) &&
            wl_json_put(o, "plots", json_object_new_boolean(w->output.plots));
  if (!ok)
    json_object_put(o);
  return ok ? o : NULL;
}

/* The store's keys, written only when the store is simulated: a card workload's resolved form
 * (and its hash, and its manifests) stays as it was. */
static bool wl_json_put_store(json_object *top, const gb_workload *w) {
  if (!(w->sim.platforms & GB_PLATFORMS_STORE))
    return true;
  json_object *o = json_object_new_object();
  bool ok =
      o && wl_json_put(o, "players", json_object_new_int64(w->store.players)) &&
      wl_json_put(o, "apps", json_object_new_int64(w->store.apps)) &&
      (!w->store.catalog || wl_json_put(o, "catalog", json_object_new_string(w->store.catalog))) &&
      wl_json_put(o, "slate", json_object_new_int64(w->store.slate)) &&
      (!w->store.reference ||
       wl_json_put(o, "reference", json_object_new_string(w->store.reference)));
  if (!ok) {
    json_object_put(o);
    return false;
  }
  return wl_json_put(top, "store", o);
}

/* Fills resolved_json and resolved_hash. json-c keeps keys in insertion order, so the order
 * below is the order of the bytes. */
int gb_workload_resolve_json(gb_workload *w, gb_err *err) {
  json_object *o = json_object_new_object();
  bool ok = o && wl_json_put(o, "name", json_object_new_string(w->name)) &&
            wl_json_put(o, "seed", json_object_new_uint64(w->seed)) &&
            wl_json_put(o, "warmup", wl_json_duration(w->warmup_ns / 1000000)) &&
            wl_json_put(o, "sim", wl_json_sim(w)) && wl_json_put_store(o, w) &&
            wl_json_put(o, "engine", wl_json_engine(w)) &&
            wl_json_put(o, "transport", wl_json_transport(w)) &&
            wl_json_put(o, "arms", wl_json_arms(w)) && wl_json_put(o, "output", wl_json_output(w));
  const char *text = ok ? json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
                                                                JSON_C_TO_STRING_NOSLASHESCAPE)
                        : NULL;
  w->resolved_json = text ? strdup(text) : NULL;
  json_object_put(o);
  if (!w->resolved_json)
    return wl_oom(err);
  w->resolved_hash = gb_hash_bytes(w->resolved_json, strlen(w->resolved_json), 0);
  return 0;
}
