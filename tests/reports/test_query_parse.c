/* The query document checked alone (reports/gb_query_parse.c): what each key accepts, the
 * defaults, and every error with its exact message (source, line, key path, reason). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gb_query.h"
#include "gb_query_int.h"
#include "gb_test_support.h"

static gb_query *parse_ok(const char *text) {
  gb_query *q = NULL;
  gb_err err = {0};
  cr_assert_eq(gb_query_parse(text, strlen(text), "query.yaml", &q, &err), 0, "%s\n%s", text,
               err.msg);
  cr_assert_not_null(q);
  return q;
}

static void expect_error(const char *text, const char *msg) {
  gb_query *q = (gb_query *)&q; /* must come back NULL */
  gb_err err = {0};
  cr_assert_eq(gb_query_parse(text, strlen(text), "query.yaml", &q, &err), -1, "accepted:\n%s",
               text);
  cr_assert_null(q);
  cr_assert_eq(err.kind, GB_ERR_INPUT, "%s", err.msg);
  cr_assert_str_eq(err.msg, msg, "for:\n%s", text);
}

/* ---- What parses ------------------------------------------------------------------------- */

Test(query_parse, the_example_document) {
  const char *text = "# rewards by type per hour\n"
                     "events: reward_granted\n"
                     "from: 2024-08-20T09:00:00+08:00\n"
                     "to: 2024-08-20T10:00:00+08:00\n"
                     "filter:\n"
                     "  challenge: [daily_win_3, weekly_spin_10]\n"
                     "  game: poker\n"
                     "  level_band: {from: 10, to: 30}\n"
                     "group_by: [reward_type, time]\n"
                     "granularity: 1h\n"
                     "measures: [count, sum]\n"
                     "order_by: [{by: sum, desc: true}, {by: time}]\n"
                     "limit: 10\n"
                     "timezone: \"+08:00\"\n";
  gb_query *q = parse_ok(text);
  cr_assert_eq(q->from_ms, INT64_C(1724115600000)); /* 2024-08-20T01:00:00Z */
  cr_assert_eq(q->to_ms, INT64_C(1724119200000));
  cr_assert_eq(q->n_filters, 4);
  cr_assert_str_eq(q->filters[0].dim, "type");
  cr_assert(q->filters[0].from_events);
  cr_assert_str_eq(q->filters[0].values[0], "reward_granted");
  cr_assert_eq(q->filters[1].n_values, 2);
  cr_assert_str_eq(q->filters[1].values[1], "weekly_spin_10");
  cr_assert_eq(q->filters[2].kind, GBQ_FILTER_SET);
  cr_assert_eq(q->filters[3].kind, GBQ_FILTER_RANGE);
  cr_assert_str_eq(q->filters[3].from, "10");
  cr_assert_str_eq(q->filters[3].to, "30");
  cr_assert_eq(q->n_group, 2);
  cr_assert(q->time_grouped && q->group[1].is_time && !q->group[0].is_time);
  cr_assert_eq(q->gran_ms, 3600000);
  cr_assert_eq(q->n_measures, 2);
  cr_assert_eq(q->measures[1].kind, GBQ_SUM);
  cr_assert_eq(q->n_order, 2);
  cr_assert(q->order[0].is_measure && q->order[0].index == 1 && q->order[0].desc);
  cr_assert(!q->order[1].is_measure && q->order[1].index == 1 && !q->order[1].desc);
  cr_assert_eq(q->limit, 10);
  cr_assert_eq(q->tz_min, 480);
  gb_query_free(q);
}

Test(query_parse, json_is_yaml_tabs_included) {
  const char *text = "{\n\t\"events\": \"reward_granted\",\n\t\"last\": \"1h\",\n"
                     "\t\"group_by\": [\"game\"],\n\t\"measures\": [\"count\", \"p99.9\"],\n"
                     "\t\"filter\": {\"game\": null, \"level_band\": {\"from\": 10}}\n}\n";
  gb_query *q = parse_ok(text);
  cr_assert(q->has_last);
  cr_assert_eq(q->last_ms, 3600000);
  cr_assert_eq(q->measures[1].kind, GBQ_QUANTILE);
  cr_assert_float_eq(q->measures[1].q, 0.999, 1e-15);
  cr_assert_str_eq(q->filters[1].values[0], "", "null is the empty value");
  cr_assert_null(q->filters[2].to, "an open range");
  gb_query_free(q);
}

Test(query_parse, defaults_single_values_and_quantile_names) {
  gb_query *q = parse_ok("{}");
  cr_assert_eq(q->n_measures, 1, "count by default");
  cr_assert_str_eq(q->measures[0].name, "count");
  cr_assert(!q->has_from && !q->has_to && !q->has_last && q->n_group == 0 && q->n_order == 0);
  cr_assert_eq(q->limit, 0);
  cr_assert_eq(q->tz_min, 0);
  gb_query_free(q);

  q = parse_ok("group_by: game\nmeasures: p999\norder_by: game\ntimezone: UTC\n");
  cr_assert_eq(q->n_group, 1);
  cr_assert_str_eq(q->group[0].name, "game");
  cr_assert_float_eq(q->measures[0].q, 0.999, 1e-15, "p999 is 99.9 %%");
  cr_assert_eq(q->n_order, 1);
  gb_query_free(q);

  q = parse_ok("measures: [p50, p5, p995, p99.99, p0.1]\norder_by: [{by: p99.5, desc: false}]\n"
               "group_by: [time]\ngranularity: all\ntimezone: '-05:30'\n");
  double want[] = {0.5, 0.05, 0.995, 0.9999, 0.001};
  for (size_t i = 0; i < 5; i++)
    cr_assert_float_eq(q->measures[i].q, want[i], 1e-15, "measure %zu", i);
  cr_assert(q->order[0].is_measure && q->order[0].index == 2, "p99.5 names the p995 column");
  cr_assert_eq(q->gran_ms, 0);
  cr_assert_eq(q->tz_min, -330);
  gb_query_free(q);

  q = parse_ok("group_by: [time]\ngranularity: day\nfrom: 2024-08-20T09:00:00.250Z\n");
  cr_assert_eq(q->gran_ms, 86400000);
  cr_assert_eq(q->from_ms, INT64_C(1724144400250));
  gb_query_free(q);
}

Test(query_parse, times_before_1970_and_leap_days) {
  gb_query *q = parse_ok("from: 1969-12-31T23:59:59Z\nto: 2024-02-29T00:00:00-12:00\n");
  cr_assert_eq(q->from_ms, -1000);
  cr_assert_eq(q->to_ms, INT64_C(1709208000000), "2024-02-29T12:00:00Z");
  gb_query_free(q);
}

Test(query_parse, a_query_file_names_itself_in_errors) {
  char *dir = gbt_tmpdir();
  char *path = gbt_path(dir, "q.yaml");
  FILE *f = fopen(path, "w");
  cr_assert_not_null(f);
  fputs("measures: [count]\n\nlimit: 0\n", f);
  fclose(f);
  gb_query *q = NULL;
  gb_err err = {0};
  cr_assert_eq(gb_query_load(path, &q, &err), -1);
  char want[4200];
  snprintf(want, sizeof want, "%s:3: limit: expected a positive integer (1 … 4294967295), got '0'",
           path);
  cr_assert_str_eq(err.msg, want);
  cr_assert_eq(gb_query_load("/nonexistent/q.yaml", &q, &err), -1);
  cr_assert_eq(err.kind, GB_ERR_INPUT);
  cr_assert_str_eq(err.msg, "/nonexistent/q.yaml: cannot open: No such file or directory");
  free(path);
  gbt_rmtree(dir);
  free(dir);
}

/* ---- The document's shape ---------------------------------------------------------------- */

Test(query_parse, syntax_and_shape_errors) {
  expect_error("", "query.yaml:1: empty query (give at least one key, e.g. measures)");
  expect_error("# nothing\n", "query.yaml:1: empty query (give at least one key, e.g. measures)");
  expect_error("- count\n", "query.yaml:1: expected a mapping of query keys, got a list");
  expect_error("count\n", "query.yaml:1: expected a mapping of query keys, got a single value");
  expect_error("measures: [count\nlimit: 3\n",
               "query.yaml:2: invalid YAML: did not find expected ',' or ']' (while parsing a "
               "flow sequence)");
  expect_error("limit: 3\n---\nlimit: 4\n",
               "query.yaml:3: a second YAML document (a query is one mapping)");
  expect_error("measures: [count]\nchalenge: x\n",
               "query.yaml:2: chalenge: unknown key (expected events, from, to, last, filter, "
               "group_by, granularity, measures, order_by, limit, timezone)");
  expect_error("limit: 3\nmeasures: [sum]\nlimit: 4\n",
               "query.yaml:3: limit: duplicate key (also on line 1)");
  expect_error("[a]: 1\n", "query.yaml:1: expected a key, got a list");
}

Test(query_parse, wrong_types) {
  expect_error("limit: [1]\n", "query.yaml:1: limit: expected a positive integer, got a list");
  expect_error("limit:\n", "query.yaml:1: limit: expected a positive integer, got nothing (null)");
  expect_error("from: {a: 1}\n", "query.yaml:1: from: expected a time such as "
                                 "2024-08-20T09:00:00+08:00, got a mapping");
  expect_error("filter: [game]\n",
               "query.yaml:1: filter: expected a mapping of dimension: value(s), got a list");
  expect_error("group_by: {a: 1}\n",
               "query.yaml:1: group_by: expected a list of dimensions and/or time, got a mapping");
  expect_error("group_by: [game, [room]]\n",
               "query.yaml:1: group_by[1]: expected a dimension name or time, got a list");
  expect_error("measures: {count: 1}\n",
               "query.yaml:1: measures: expected a list of measure names, got a mapping");
  expect_error("measures: []\n", "query.yaml:1: measures: is an empty list");
  expect_error("timezone: [1]\n",
               "query.yaml:1: timezone: expected a UTC offset such as +08:00, got a list");
  expect_error("measures: [sum]\norder_by: [{by: sum, desc: yes}]\n",
               "query.yaml:2: order_by[0].desc: expected true or false, got 'yes'");
  expect_error("measures: [sum]\norder_by: [{by: sum, up: true}]\n",
               "query.yaml:2: order_by[0]: unknown key 'up' (expected by, desc)");
  expect_error("order_by: [{desc: true}]\n",
               "query.yaml:1: order_by[0]: needs by (a group key or a measure)");
}

/* ---- The window -------------------------------------------------------------------------- */

Test(query_parse, bad_times) {
  expect_error("from: 2024-08-20T09:00:00\n",
               "query.yaml:1: from: '2024-08-20T09:00:00' has no UTC offset (add Z or one like "
               "+08:00)");
  expect_error("to: 2024-02-30T09:00:00Z\n",
               "query.yaml:1: to: '2024-02-30T09:00:00Z' is not a date: 2024-02 has no day 30");
  expect_error("to: 2023-02-29T09:00:00Z\n",
               "query.yaml:1: to: '2023-02-29T09:00:00Z' is not a date: 2023-02 has no day 29");
  expect_error("from: 2024-13-01T09:00:00Z\n",
               "query.yaml:1: from: '2024-13-01T09:00:00Z' has no month 13");
  expect_error("from: 2024-08-20T24:00:00Z\n",
               "query.yaml:1: from: '2024-08-20T24:00:00Z' is not a time of day (00:00:00 … "
               "23:59:59)");
  expect_error("from: 2024-08-20 09:00:00Z\n",
               "query.yaml:1: from: '2024-08-20 09:00:00Z' is not a time (expected "
               "YYYY-MM-DDTHH:MM:SS with Z or an offset, e.g. 2024-08-20T09:00:00+08:00)");
  expect_error("from: 2024-08-20T09:00:00+15:00\n",
               "query.yaml:1: from: '2024-08-20T09:00:00+15:00' has a bad UTC offset (Z, or "
               "-12:00 … +14:00 as ±HH:MM)");
  expect_error("from: 2024-08-20T09:00:00+0800\n",
               "query.yaml:1: from: '2024-08-20T09:00:00+0800' has a bad UTC offset (Z, or "
               "-12:00 … +14:00 as ±HH:MM)");
}

Test(query_parse, window_errors) {
  expect_error("from: 2024-08-20T10:00:00+08:00\nto: 2024-08-20T02:00:00Z\n",
               "query.yaml:2: to: 2024-08-20T02:00:00Z is not after from "
               "(2024-08-20T10:00:00+08:00): the window [from, to) is empty");
  expect_error("from: 2024-08-20T10:00:00+08:00\nto: 2024-08-20T03:00:00+09:00\n",
               "query.yaml:2: to: 2024-08-20T03:00:00+09:00 is not after from "
               "(2024-08-20T10:00:00+08:00): the window [from, to) is empty");
  expect_error("last: 1h\nfrom: 2024-08-20T09:00:00Z\n",
               "query.yaml:1: last: cannot be combined with from (give last, or from/to)");
  expect_error("to: 2024-08-20T09:00:00Z\nlast: 1h\n",
               "query.yaml:2: last: cannot be combined with to (give last, or from/to)");
  expect_error("last: 1w\n",
               "query.yaml:1: last: '1w' is not a duration (e.g. 30s, 15m, 1h, 1d; at most 366d)");
  expect_error("last: 0h\n",
               "query.yaml:1: last: '0h' is not a duration (e.g. 30s, 15m, 1h, 1d; at most 366d)");
  expect_error("last: 367d\n", "query.yaml:1: last: '367d' is not a duration (e.g. 30s, 15m, 1h, "
                               "1d; at most 366d)");
}

/* ---- filter and events ------------------------------------------------------------------- */

Test(query_parse, filter_errors) {
  expect_error("filter:\n  time: 1\n",
               "query.yaml:2: filter.time: time is not a dimension (give the window as from/to "
               "or last)");
  expect_error("filter:\n  game: []\n", "query.yaml:2: filter.game: an empty set matches nothing");
  expect_error("filter:\n  game: [poker, [x]]\n",
               "query.yaml:2: filter.game[1]: expected a value, got a list");
  expect_error("filter:\n  level_band: {from: 30, to: 10}\n",
               "query.yaml:2: filter.level_band: the range [30, 10) is empty");
  expect_error("filter:\n  level_band: {from: 9, to: 10}\n  room: {from: b, to: a}\n",
               "query.yaml:3: filter.room: the range [b, a) is empty");
  expect_error("filter:\n  level_band: {}\n",
               "query.yaml:2: filter.level_band: a range needs from, to or both");
  expect_error("filter:\n  level_band: {from: 1, upto: 3}\n",
               "query.yaml:2: filter.level_band: unknown key 'upto' in a range (expected from, "
               "to)");
  expect_error("filter:\n  level_band: {from: 1, to: ~}\n",
               "query.yaml:2: filter.level_band.to: expected a value, got nothing (null)");
  expect_error("filter:\n  game: a\n  game: b\n",
               "query.yaml:3: filter.game: duplicate key (also on line 2)");
  expect_error("filter:\n  game: "
               "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n",
               "query.yaml:2: filter.game: 'aaaaaaaaaaaaaaaaaaaa…' is longer than the 63 bytes a "
               "cube keeps of a value");
  expect_error("events: reward_granted\nfilter:\n  type: game_end\n",
               "query.yaml:1: events: cannot be combined with filter.type (line 3): give one");
  expect_error("events: {from: a}\n",
               "query.yaml:1: events: expected an event type or a list of them, got a mapping");
}

/* ---- group_by, granularity, measures, order_by, limit, timezone -------------------------- */

Test(query_parse, group_and_granularity_errors) {
  expect_error("group_by: [game, time, game]\ngranularity: 1h\n",
               "query.yaml:1: group_by[2]: 'game' is already in group_by");
  expect_error("group_by: [game,\n  time]\n",
               "query.yaml:2: granularity: required when group_by has time (e.g. 1m, 1h, 1d, or "
               "all)");
  expect_error("group_by: [game]\ngranularity: 1h\n",
               "query.yaml:2: granularity: has no effect without time in group_by");
  expect_error("group_by: [time]\ngranularity: hourly\n",
               "query.yaml:2: granularity: 'hourly' is not a duration (e.g. 1m, 1h, 1d, or all)");
  expect_error("group_by: [time]\ngranularity: 2d\n",
               "query.yaml:2: granularity: '2d' is longer than a day (1s … 1d, or all)");
  expect_error("group_by: [time]\ngranularity: 7m\n",
               "query.yaml:2: granularity: '7m' does not divide a day (e.g. 1m, 5m, 15m, 1h, 6h, "
               "1d)");
}

Test(query_parse, measure_errors) {
  const char *tail = " (expected count, sum, min, max, avg, distinct_players, or a quantile pNN "
                     "with 0 < NN < 100: p50, p99, p99.9, p999)";
  const char *bad[] = {"total", "p100", "p0", "p", "p-5", "p50x", "p100.5", "p123", "P50", "p1e1"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    char text[64], want[512];
    snprintf(text, sizeof text, "measures: [count, %s]\n", bad[i]);
    snprintf(want, sizeof want, "query.yaml:1: measures[1]: unknown measure '%s'%s", bad[i], tail);
    expect_error(text, want);
  }
  expect_error("measures: [count, sum, count]\n",
               "query.yaml:1: measures[2]: 'count' is already measured (as 'count')");
  expect_error("measures: [p99.9, p999]\n",
               "query.yaml:1: measures[1]: 'p999' is already measured (as 'p99.9')");
}

Test(query_parse, order_by_errors) {
  expect_error("group_by: [reward_type]\nmeasures: [count]\norder_by: [{by: sum, desc: true}]\n",
               "query.yaml:3: order_by[0].by: 'sum' is neither a group_by key nor a measure "
               "(group_by: reward_type; measures: count)");
  expect_error("order_by: time\n", "query.yaml:1: order_by: 'time' is neither a group_by key nor "
                                   "a measure (group_by: none; measures: count)");
  expect_error("measures: [sum]\norder_by: [sum, {by: sum, desc: true}]\n",
               "query.yaml:2: order_by[1].by: 'sum' is already ordered by");
}

Test(query_parse, limit_and_timezone_errors) {
  const char *limits[] = {"0", "-1", "1.5", "ten", "4294967296", "+3", " 3x"};
  for (size_t i = 0; i < sizeof limits / sizeof limits[0]; i++) {
    char text[64], want[256];
    snprintf(text, sizeof text, "limit: '%s'\n", limits[i]);
    snprintf(want, sizeof want,
             "query.yaml:1: limit: expected a positive integer (1 … 4294967295), got '%s'",
             limits[i]);
    expect_error(text, want);
  }
  const char *zones[] = {"Asia/Shanghai", "+8", "+08", "+14:01", "-12:30", "08:00", "+08:60"};
  for (size_t i = 0; i < sizeof zones / sizeof zones[0]; i++) {
    char text[64], want[256];
    snprintf(text, sizeof text, "timezone: '%s'\n", zones[i]);
    snprintf(want, sizeof want,
             "query.yaml:1: timezone: '%s' is not a UTC offset (expected Z, UTC or ±HH:MM from "
             "-12:00 to +14:00)",
             zones[i]);
    expect_error(text, want);
  }
}

Test(query_parse, post_bodies_name_their_source) {
  gb_query *q = NULL;
  gb_err err = {0};
  const char *body = "{\"measures\": [\"avg\"], \"limit\": -2}";
  cr_assert_eq(gb_query_parse(body, strlen(body), "POST /query", &q, &err), -1);
  cr_assert_str_eq(err.msg,
                   "POST /query:1: limit: expected a positive integer (1 … 4294967295), got '-2'");
  /* len bounds the text: what follows is not read */
  const char *text = "limit: 5\nchalenge: x";
  cr_assert_eq(gb_query_parse(text, 9, "POST /query", &q, &err), 0, "%s", err.msg);
  cr_assert_eq(q->limit, 5);
  gb_query_free(q);
  gb_query_free(NULL);
}
