/* gb_query_bind: a parsed query against a cube's configuration — what gb_query_parse could not
 * check without a cube: dimension names, the optional measures the cube keeps, the granularity
 * against its bucket, and time boundaries (the window's ends, the output zone's groups) on its
 * bucket boundaries, so that every group is a whole number of buckets. */
#include <stdio.h>
#include <string.h>

#include "gb_query_int.h"

/* The engine.aggregates.measures entries that make a cube keep the optional measures (the
 * workload's names; see docs/queries.md). */
static const char DISTINCT_ENTRY[] = "distinct_players";
static const char QUANTILES_ENTRY[] = "quantiles";

typedef struct bctx {
  const gb_query *q;
  const gb_cube_config *cfg;
  gb_err *err;
} bctx;

static int dim_index(const gb_cube_config *cfg, const char *name) {
  for (size_t i = 0; i < cfg->n_dims; i++)
    if (strcmp(cfg->dims[i], name) == 0)
      return (int)i;
  return -1;
}

static void dim_list(const gb_cube_config *cfg, char *buf, size_t cap) {
  size_t used = 0;
  snprintf(buf, cap, "none");
  for (size_t i = 0; i < cfg->n_dims && used < cap; i++) {
    int w = snprintf(buf + used, cap - used, "%s%s", i ? ", " : "", cfg->dims[i]);
    used += w > 0 ? (size_t)w : 0;
  }
}

static void item_path(bool listed, const char *key, size_t i, char *buf, size_t cap) {
  if (listed)
    snprintf(buf, cap, "%s[%zu]", key, i);
  else
    snprintf(buf, cap, "%s", key);
}

static int bind_filters(bctx *b, gbq_plan *plan) {
  char dims[GB_CUBE_DIMS_MAX * (GB_CUBE_DIM_NAME_MAX + 2) + 8];
  for (size_t i = 0; i < b->q->n_filters; i++) {
    const gbq_filter *f = &b->q->filters[i];
    plan->filter_dim[i] = dim_index(b->cfg, f->dim);
    if (plan->filter_dim[i] >= 0)
      continue;
    dim_list(b->cfg, dims, sizeof dims);
    if (f->from_events)
      return gb_query_fail(b->q->source, f->line, "events", b->err,
                           "this cube keeps no 'type' dimension to filter on (it keeps: %s)", dims);
    char path[GB_CUBE_DIM_NAME_MAX + 128];
    gb_query_filter_path(f, path, sizeof path);
    return gb_query_fail(b->q->source, f->line, path, b->err,
                         "unknown dimension (this cube keeps: %s)", dims);
  }
  return 0;
}

static int bind_groups(bctx *b, gbq_plan *plan) {
  char dims[GB_CUBE_DIMS_MAX * (GB_CUBE_DIM_NAME_MAX + 2) + 8], path[64];
  plan->n_group_dims = 0;
  for (size_t i = 0; i < b->q->n_group; i++) {
    const gbq_key *k = &b->q->group[i];
    plan->group_dim[i] = k->is_time ? -1 : dim_index(b->cfg, k->name);
    if (k->is_time)
      continue;
    if (plan->group_dim[i] < 0) {
      dim_list(b->cfg, dims, sizeof dims);
      item_path(b->q->group_listed, "group_by", i, path, sizeof path);
      return gb_query_fail(b->q->source, k->line, path, b->err,
                           "unknown dimension '%s' (this cube keeps: %s, and time)", k->name, dims);
    }
    plan->n_group_dims++;
  }
  return 0;
}

static int bind_measures(bctx *b) {
  char path[64];
  for (size_t i = 0; i < b->q->n_measures; i++) {
    const gbq_measure *m = &b->q->measures[i];
    item_path(b->q->measures_listed, "measures", i, path, sizeof path);
    if (m->kind == GBQ_DISTINCT && !(b->cfg->measures & GB_CUBE_DISTINCT))
      return gb_query_fail(b->q->source, m->line, path, b->err,
                           "%s: this cube does not count distinct players (add %s to the "
                           "workload's engine.aggregates.measures)",
                           m->name, DISTINCT_ENTRY);
    if (m->kind == GBQ_QUANTILE && !(b->cfg->measures & GB_CUBE_QUANTILES))
      return gb_query_fail(b->q->source, m->line, path, b->err,
                           "%s: this cube keeps no quantile sketches (add %s to the workload's "
                           "engine.aggregates.measures)",
                           m->name, QUANTILES_ENTRY);
  }
  return 0;
}

/* Whether two UTC offsets differ by a whole number of buckets. */
static bool offsets_aligned(int64_t bucket_ms, int32_t a_min, int32_t b_min) {
  return ((int64_t)(a_min - b_min) * GBQ_MINUTE_MS) % bucket_ms == 0;
}

static int bind_granularity(bctx *b) {
  const gb_query *q = b->q;
  if (!q->time_grouped || q->gran_ms == 0)
    return 0;
  char gran[32], bucket[32], tz[16], cube_tz[16];
  gb_query_duration_format(q->gran_ms, gran, sizeof gran);
  gb_query_duration_format(b->cfg->bucket_ms, bucket, sizeof bucket);
  if (q->gran_ms < b->cfg->bucket_ms)
    return gb_query_fail(q->source, q->gran_line, "granularity", b->err,
                         "%s is finer than this cube's %s buckets", gran, bucket);
  if (q->gran_ms % b->cfg->bucket_ms != 0)
    return gb_query_fail(q->source, q->gran_line, "granularity", b->err,
                         "%s is not a multiple of this cube's %s buckets", gran, bucket);
  if (!offsets_aligned(b->cfg->bucket_ms, q->tz_min, b->cfg->day_offset_min)) {
    gb_query_offset_format(q->tz_min, tz, sizeof tz);
    gb_query_offset_format(b->cfg->day_offset_min, cube_tz, sizeof cube_tz);
    return gb_query_fail(q->source, q->gran_line, "granularity", b->err,
                         "%s groups start at midnight %s (timezone), which is not on this cube's "
                         "%s buckets (they start at midnight %s)",
                         gran, tz, bucket, cube_tz);
  }
  return 0;
}

static bool on_bucket(const gb_cube_config *cfg, int64_t ms) {
  int64_t local = ms + (int64_t)cfg->day_offset_min * GBQ_MINUTE_MS;
  return local % cfg->bucket_ms == 0;
}

static int bind_window(bctx *b) {
  const gb_query *q = b->q;
  char bucket[32], cube_tz[16];
  gb_query_duration_format(b->cfg->bucket_ms, bucket, sizeof bucket);
  gb_query_offset_format(b->cfg->day_offset_min, cube_tz, sizeof cube_tz);
  if (q->has_from && !on_bucket(b->cfg, q->from_ms))
    return gb_query_fail(q->source, q->from_line, "from", b->err,
                         "%s is not on a bucket boundary (this cube's buckets are %s, from "
                         "midnight %s)",
                         q->from_text, bucket, cube_tz);
  if (q->has_to && !on_bucket(b->cfg, q->to_ms))
    return gb_query_fail(q->source, q->to_line, "to", b->err,
                         "%s is not on a bucket boundary (this cube's buckets are %s, from "
                         "midnight %s)",
                         q->to_text, bucket, cube_tz);
  if (q->has_last && q->last_ms % b->cfg->bucket_ms != 0) {
    char last[32];
    gb_query_duration_format(q->last_ms, last, sizeof last);
    return gb_query_fail(q->source, q->last_line, "last", b->err,
                         "%s is not a multiple of this cube's %s buckets", last, bucket);
  }
  return 0;
}

int gb_query_plan(const gb_query *q, const gb_cube_config *cfg, gbq_plan *plan, gb_err *err) {
  *plan = (gbq_plan){.bucket_ms = cfg->bucket_ms, .cube_offset_min = cfg->day_offset_min};
  bctx b = {q, cfg, err};
  if (bind_filters(&b, plan) != 0 || bind_groups(&b, plan) != 0 || bind_measures(&b) != 0 ||
      bind_granularity(&b) != 0 || bind_window(&b) != 0)
    return -1;
  return 0;
}

int gb_query_bind(const gb_query *q, const gb_cube_config *cfg, gb_err *err) {
  gbq_plan plan;
  return gb_query_plan(q, cfg, &plan, err);
}
