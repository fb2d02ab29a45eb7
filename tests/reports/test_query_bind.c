/* A parsed query against a cube's configuration (reports/gb_query_bind.c): dimension names,
 * the optional measures, the granularity against the bucket, and boundaries. Only a
 * gb_cube_config is needed: the live server binds before it takes the shard lock. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "gb_query.h"

static gb_cube_config config(int64_t bucket_ms, int32_t offset_min, unsigned measures) {
  gb_cube_config c = {.bucket_ms = bucket_ms,
                      .day_offset_min = offset_min,
                      .n_dims = 5,
                      .measures = measures,
                      .distinct_exact_max = 64,
                      .hll_precision = 12,
                      .quantile_accuracy = 0.01};
  const char *dims[] = {"type", "game", "challenge", "reward_type", "level_band"};
  for (size_t i = 0; i < c.n_dims; i++)
    snprintf(c.dims[i], sizeof c.dims[i], "%s", dims[i]);
  return c;
}

static gb_query *parse(const char *text) {
  gb_query *q = NULL;
  gb_err err = {0};
  cr_assert_eq(gb_query_parse(text, strlen(text), "query.yaml", &q, &err), 0, "%s", err.msg);
  return q;
}

static void bind_ok(const char *text, const gb_cube_config *cfg) {
  gb_query *q = parse(text);
  gb_err err = {0};
  cr_assert_eq(gb_query_bind(q, cfg, &err), 0, "%s\n%s", text, err.msg);
  gb_query_free(q);
}

static void bind_error(const char *text, const gb_cube_config *cfg, const char *msg) {
  gb_query *q = parse(text);
  gb_err err = {0};
  cr_assert_eq(gb_query_bind(q, cfg, &err), -1, "accepted:\n%s", text);
  cr_assert_eq(err.kind, GB_ERR_INPUT);
  cr_assert_str_eq(err.msg, msg, "for:\n%s", text);
  gb_query_free(q);
}

static const int64_t MINUTE = 60000, HOUR = 3600000, DAY = 86400000;

Test(query_bind, the_example_binds_to_a_cube_of_its_dimensions) {
  gb_cube_config cfg = config(MINUTE, 0, 0);
  bind_ok("events: reward_granted\nfrom: 2024-08-20T09:00:00+08:00\n"
          "to: 2024-08-20T10:00:00+08:00\nfilter:\n  challenge: [daily_win_3]\n"
          "  level_band: {from: 10, to: 30}\ngroup_by: [reward_type, time]\ngranularity: 1h\n"
          "measures: [count, sum, min, max, avg]\ntimezone: '+08:00'\n",
          &cfg);
}

Test(query_bind, unknown_dimensions) {
  gb_cube_config cfg = config(MINUTE, 0, 0);
  bind_error("measures: [count]\nfilter:\n  game: poker\n  chalenge: daily_win_3\n", &cfg,
             "query.yaml:4: filter.chalenge: unknown dimension (this cube keeps: type, game, "
             "challenge, reward_type, level_band)");
  bind_error("group_by: [game, room]\n", &cfg,
             "query.yaml:1: group_by[1]: unknown dimension 'room' (this cube keeps: type, game, "
             "challenge, reward_type, level_band, and time)");
  bind_error("group_by: room\n", &cfg,
             "query.yaml:1: group_by: unknown dimension 'room' (this cube keeps: type, game, "
             "challenge, reward_type, level_band, and time)");
  gb_cube_config untyped = cfg;
  snprintf(untyped.dims[0], sizeof untyped.dims[0], "kind");
  bind_error("measures: [count]\nevents: [game_end, reward_granted]\n", &untyped,
             "query.yaml:2: events: this cube keeps no 'type' dimension to filter on (it keeps: "
             "kind, game, challenge, reward_type, level_band)");
  gb_cube_config none = cfg;
  none.n_dims = 0;
  bind_error("filter: {game: poker}\n", &none,
             "query.yaml:1: filter.game: unknown dimension (this cube keeps: none)");
}

Test(query_bind, optional_measures_name_the_workload_entry_to_add) {
  gb_cube_config plain = config(MINUTE, 0, 0);
  bind_error("measures: [count, distinct_players]\n", &plain,
             "query.yaml:1: measures[1]: distinct_players: this cube does not count distinct "
             "players (add distinct_players to the workload's engine.aggregates.measures)");
  bind_error("measures:\n  - count\n  - p99.9\n", &plain,
             "query.yaml:3: measures[1]: p99.9: this cube keeps no quantile sketches (add "
             "quantiles to the workload's engine.aggregates.measures)");
  bind_error("measures: p50\n", &plain,
             "query.yaml:1: measures: p50: this cube keeps no quantile sketches (add quantiles "
             "to the workload's engine.aggregates.measures)");
  gb_cube_config distinct = config(MINUTE, 0, GB_CUBE_DISTINCT);
  bind_ok("measures: [distinct_players]\n", &distinct);
  bind_error("measures: [distinct_players, p50]\n", &distinct,
             "query.yaml:1: measures[1]: p50: this cube keeps no quantile sketches (add "
             "quantiles to the workload's engine.aggregates.measures)");
  gb_cube_config both = config(MINUTE, 0, GB_CUBE_DISTINCT | GB_CUBE_QUANTILES);
  bind_ok("measures: [distinct_players, p50, p999]\n", &both);
}

Test(query_bind, granularity_against_the_bucket) {
  gb_cube_config minute = config(MINUTE, 0, 0), two = config(2 * MINUTE, 0, 0);
  bind_error("group_by: [time]\ngranularity: 30s\n", &minute,
             "query.yaml:2: granularity: 30s is finer than this cube's 1m buckets");
  bind_error("group_by: [time]\ngranularity: 3m\n", &two,
             "query.yaml:2: granularity: 3m is not a multiple of this cube's 2m buckets");
  bind_ok("group_by: [time]\ngranularity: 1m\n", &minute);
  bind_ok("group_by: [time]\ngranularity: 6m\n", &two);
  bind_ok("group_by: [time]\ngranularity: all\n", &two);
}

Test(query_bind, day_groups_in_the_output_zone_must_start_on_buckets) {
  gb_cube_config day_utc = config(DAY, 0, 0), hour_utc = config(HOUR, 0, 0);
  gb_cube_config day_cn = config(DAY, 480, 0);
  const char *day_cst = "group_by: [time]\ngranularity: 1d\ntimezone: '+08:00'\n";
  bind_error(day_cst, &day_utc,
             "query.yaml:2: granularity: 1d groups start at midnight +08:00 (timezone), which is "
             "not on this cube's 1d buckets (they start at midnight +00:00)");
  bind_ok(day_cst, &hour_utc);
  bind_ok(day_cst, &day_cn);
  bind_error("group_by: [time]\ngranularity: day\n", &day_cn,
             "query.yaml:2: granularity: 1d groups start at midnight +00:00 (timezone), which is "
             "not on this cube's 1d buckets (they start at midnight +08:00)");
  const char *india = "group_by: [time]\ngranularity: 1h\ntimezone: '+05:30'\n";
  bind_error(india, &hour_utc,
             "query.yaml:2: granularity: 1h groups start at midnight +05:30 (timezone), which is "
             "not on this cube's 1h buckets (they start at midnight +00:00)");
  gb_cube_config half_hour = config(30 * MINUTE, 0, 0);
  bind_ok(india, &half_hour);
  /* the zone only shows times when time is not grouped */
  bind_ok("timezone: '+05:30'\n", &day_utc);
}

Test(query_bind, the_window_must_lie_on_bucket_boundaries) {
  gb_cube_config hour = config(HOUR, 0, 0), hour_nepal = config(HOUR, 345, 0);
  bind_error("from: 2024-08-20T09:30:00+08:00\n", &hour,
             "query.yaml:1: from: 2024-08-20T09:30:00+08:00 is not on a bucket boundary (this "
             "cube's buckets are 1h, from midnight +00:00)");
  bind_error("from: 2024-08-20T09:00:00Z\nto: 2024-08-20T10:00:01Z\n", &hour,
             "query.yaml:2: to: 2024-08-20T10:00:01Z is not on a bucket boundary (this cube's "
             "buckets are 1h, from midnight +00:00)");
  bind_ok("from: 2024-08-20T09:00:00+08:00\nto: 2024-08-20T10:00:00+08:00\n", &hour);
  bind_ok("from: 2024-08-20T09:00:00+05:45\n", &hour_nepal);
  bind_error("from: 2024-08-20T09:00:00Z\n", &hour_nepal,
             "query.yaml:1: from: 2024-08-20T09:00:00Z is not on a bucket boundary (this cube's "
             "buckets are 1h, from midnight +05:45)");
  bind_error("last: 90m\n", &hour,
             "query.yaml:1: last: 90m is not a multiple of this cube's 1h buckets");
  bind_ok("last: 2h\n", &hour);
  bind_ok("last: day\n", &hour);
}
