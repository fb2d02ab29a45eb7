/* gb_workload_schema: the libcyaml schema of a workload file (layer 2 of gb_workload.c) and
 * lookups in it. */
#include "gb_workload_int.h"

#include <stddef.h>
#include <string.h>

/* ---- The libcyaml schema: every key optional (defaults and "required" are checked in
 * gb_workload_convert, which knows the line to report), scalars as strings except enumerations.
 * ---- */

#define WL_OPT (CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL)
#define WL_STR(key, type, member)                                                                  \
  CYAML_FIELD_STRING_PTR(key, WL_OPT, type, member, 0, CYAML_UNLIMITED)
#define WL_ENUM(key, flags, type, member, list)                                                    \
  CYAML_FIELD_ENUM_PTR(key, WL_OPT | CYAML_FLAG_STRICT | (flags), type, member, list,              \
                       WL_COUNT(list))

static const cyaml_schema_field_t wl_retention_fields[] = {
    WL_STR("d1", wl_raw_retention, d1),
    WL_STR("d7", wl_raw_retention, d7),
    WL_STR("completion_effect", wl_raw_retention, completion_effect),
    WL_STR("spam_effect", wl_raw_retention, spam_effect),
    CYAML_FIELD_END,
};

static const cyaml_schema_field_t wl_sim_fields[] = {
    WL_STR("players", wl_raw_sim, players),
    WL_STR("duration", wl_raw_sim, duration),
    WL_STR("time_scale", wl_raw_sim, time_scale),
    WL_STR("threads", wl_raw_sim, threads),
    WL_STR("start", wl_raw_sim, start),
    WL_STR("arrivals", wl_raw_sim, arrivals),
    WL_STR("sessions_per_day", wl_raw_sim, sessions_per_day),
    WL_STR("session_length", wl_raw_sim, session_length),
    WL_STR("session_shape", wl_raw_sim, session_shape),
    WL_STR("peak_hour", wl_raw_sim, peak_hour),
    WL_STR("payer_share", wl_raw_sim, payer_share),
    CYAML_FIELD_MAPPING_PTR("retention", WL_OPT, wl_raw_sim, retention, wl_retention_fields),
    WL_ENUM("platform", 0, wl_raw_sim, platform, wl_platforms),
    CYAML_FIELD_END,
};

static const cyaml_schema_field_t wl_store_fields[] = {
    WL_STR("players", wl_raw_store, players),     WL_STR("apps", wl_raw_store, apps),
    WL_STR("catalog", wl_raw_store, catalog),     WL_STR("slate", wl_raw_store, slate),
    WL_STR("reference", wl_raw_store, reference), CYAML_FIELD_END,
};

/* List entries read as strings, checked in gb_workload_convert (names against gb_agg's). */
static const cyaml_schema_value_t wl_string_entry = {
    CYAML_VALUE_STRING(CYAML_FLAG_POINTER, char, 0, CYAML_UNLIMITED),
};

static const cyaml_schema_field_t wl_aggregates_fields[] = {
    WL_STR("bucket", wl_raw_aggregates, bucket),
    WL_STR("day_offset", wl_raw_aggregates, day_offset),
    CYAML_FIELD_SEQUENCE("dimensions", WL_OPT, wl_raw_aggregates, dimensions, &wl_string_entry, 0,
                         CYAML_UNLIMITED),
    CYAML_FIELD_SEQUENCE("measures", WL_OPT, wl_raw_aggregates, measures, &wl_string_entry, 0,
                         CYAML_UNLIMITED),
    WL_STR("allowed_lateness", wl_raw_aggregates, allowed_lateness),
    WL_STR("distinct_exact", wl_raw_aggregates, distinct_exact),
    WL_STR("hll_precision", wl_raw_aggregates, hll_precision),
    WL_STR("quantile_accuracy", wl_raw_aggregates, quantile_accuracy),
    WL_STR("level_band", wl_raw_aggregates, level_band),
    CYAML_FIELD_END,
};

static const cyaml_schema_field_t wl_engine_fields[] = {
    WL_STR("threads", wl_raw_engine, threads),
    WL_STR("queue_capacity", wl_raw_engine, queue_capacity),
    WL_STR("challenges", wl_raw_engine, challenges),
    WL_ENUM("matcher", 0, wl_raw_engine, matcher, wl_matchers),
    CYAML_FIELD_MAPPING_PTR("aggregates", WL_OPT, wl_raw_engine, aggregates, wl_aggregates_fields),
    WL_STR("extra_work_per_event", wl_raw_engine, extra_work_per_event),
    CYAML_FIELD_END,
};

static const cyaml_schema_field_t wl_transport_fields[] = {
    WL_ENUM("kind", 0, wl_raw_transport, kind, wl_transports),
    WL_STR("brokers", wl_raw_transport, brokers),
    WL_STR("partitions", wl_raw_transport, partitions),
    WL_STR("drain_timeout", wl_raw_transport, drain_timeout),
    WL_ENUM("format", 0, wl_raw_transport, format, wl_formats),
    CYAML_FIELD_END,
};

static const cyaml_schema_field_t wl_params_fields[] = {
#define WL_PARAM_FIELD(n) WL_STR(#n, wl_raw_params, n),
    WL_ALGO_PARAMS(WL_PARAM_FIELD)
#undef WL_PARAM_FIELD
        CYAML_FIELD_END,
};

static const cyaml_schema_field_t wl_arm_fields[] = {
    WL_STR("name", wl_raw_arm, name),
    WL_STR("algorithm", wl_raw_arm, algorithm),
    WL_STR("weight", wl_raw_arm, weight),
    CYAML_FIELD_MAPPING_PTR("params", WL_OPT, wl_raw_arm, params, wl_params_fields),
    CYAML_FIELD_END,
};

static const cyaml_schema_value_t wl_arm_schema = {
    CYAML_VALUE_MAPPING(CYAML_FLAG_DEFAULT, wl_raw_arm, wl_arm_fields),
};

static const cyaml_schema_field_t wl_output_fields[] = {
    WL_STR("dir", wl_raw_output, dir),
    WL_ENUM("plots", CYAML_FLAG_CASE_INSENSITIVE, wl_raw_output, plots, wl_bools),
    CYAML_FIELD_END,
};

static const cyaml_schema_field_t wl_top_fields[] = {
    WL_STR("name", wl_raw, name),
    WL_STR("seed", wl_raw, seed),
    WL_STR("warmup", wl_raw, warmup),
    CYAML_FIELD_MAPPING_PTR("sim", WL_OPT, wl_raw, sim, wl_sim_fields),
    CYAML_FIELD_MAPPING_PTR("store", WL_OPT, wl_raw, store, wl_store_fields),
    CYAML_FIELD_MAPPING_PTR("engine", WL_OPT, wl_raw, engine, wl_engine_fields),
    CYAML_FIELD_MAPPING_PTR("transport", WL_OPT, wl_raw, transport, wl_transport_fields),
    CYAML_FIELD_SEQUENCE("arms", WL_OPT, wl_raw, arms, &wl_arm_schema, 1, CYAML_UNLIMITED),
    CYAML_FIELD_MAPPING_PTR("output", WL_OPT, wl_raw, output, wl_output_fields),
    CYAML_FIELD_END,
};

const cyaml_schema_value_t gb_workload_schema = {
    CYAML_VALUE_MAPPING(CYAML_FLAG_POINTER, wl_raw, wl_top_fields),
};

const cyaml_schema_field_t *gb_workload_schema_field(const cyaml_schema_value_t *v, const char *key,
                                                     size_t len) {
  if (v->type != CYAML_MAPPING)
    return NULL;
  for (const cyaml_schema_field_t *f = v->mapping.fields; f->key; f++)
    if (strlen(f->key) == len && strncmp(f->key, key, len) == 0)
      return f;
  return NULL;
}

/* The schema of the value at path, or NULL if the schema has no such key. */
const cyaml_schema_value_t *gb_workload_schema_find(const char *path) {
  const cyaml_schema_value_t *v = &gb_workload_schema;
  wl_step s;
  while (v && gb_workload_next_step(&path, &s)) {
    if (!s.key) {
      v = v->type == CYAML_SEQUENCE ? v->sequence.entry : NULL;
    } else {
      const cyaml_schema_field_t *f = gb_workload_schema_field(v, s.key, s.key_len);
      v = f ? &f->value : NULL;
    }
  }
  return v;
}
