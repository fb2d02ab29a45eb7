/* Queries run over hand-built cubes (reports/gb_query_exec.c, gb_query_out.c): the example of
 * docs/queries.md on hand-placed events with its exact rows in all three formats, day groups in
 * two zones, `last`, ranges, top-N with ties, nulls, distinct players and quantiles, and a
 * timing check on a day of minute buckets. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gb_query.h"
#include "gb_query_int.h"
#include "gb_test_support.h"

enum { DIMS = 5 }; /* type, game, challenge, reward_type, level_band */

static gb_cube *new_cube(int64_t bucket_ms, unsigned measures) {
  gb_cube_config cfg = {.bucket_ms = bucket_ms,
                        .n_dims = DIMS,
                        .measures = measures,
                        .distinct_exact_max = 16,
                        .hll_precision = 12,
                        .quantile_accuracy = 0.01};
  const char *dims[DIMS] = {"type", "game", "challenge", "reward_type", "level_band"};
  for (size_t i = 0; i < DIMS; i++)
    snprintf(cfg.dims[i], sizeof cfg.dims[i], "%s", dims[i]);
  gb_cube *c = NULL;
  gb_err err = {0};
  cr_assert_eq(gb_cube_new(&cfg, &c, &err), 0, "%s", err.msg);
  return c;
}

static int64_t at(const char *iso) {
  int64_t ms = 0;
  char why[256];
  cr_assert_eq(gb_query_time_parse(iso, &ms, why, sizeof why), 0, "%s", why);
  return ms;
}

/* One event; NULL dimension values are empty; value_milli < 0 … well: has_value says. */
typedef struct ev {
  const char *time, *type, *game, *challenge, *reward_type, *level;
  uint64_t player;
  bool has_value;
  int64_t value_milli;
} ev;

static void add(gb_cube *c, const ev *e) {
  const char *vals[DIMS] = {e->type, e->game, e->challenge, e->reward_type, e->level};
  uint32_t codes[DIMS];
  for (size_t d = 0; d < DIMS; d++)
    codes[d] = gb_cube_code(c, d, vals[d] ? vals[d] : "", vals[d] ? strlen(vals[d]) : 0);
  gb_cube_add(c, at(e->time), codes, e->player, e->has_value, e->value_milli);
}

static gb_query_result *run(const char *text, const gb_cube *c) {
  gb_query *q = NULL;
  gb_query_result *r = NULL;
  gb_err err = {0};
  cr_assert_eq(gb_query_parse(text, strlen(text), "query.yaml", &q, &err), 0, "%s", err.msg);
  cr_assert_eq(gb_query_run(q, c, &r, &err), 0, "%s", err.msg);
  gb_query_free(q);
  return r;
}

/* The result written in format f, as a heap string. */
static char *written(const gb_query_result *r, gb_query_format f) {
  char *text = NULL;
  size_t len = 0;
  FILE *mem = open_memstream(&text, &len);
  gb_err err = {0};
  cr_assert_eq(gb_query_result_write(r, f, mem, &err), 0, "%s", err.msg);
  fclose(mem);
  return text;
}

static void expect_json(const char *query, const gb_cube *c, const char *json) {
  gb_query_result *r = run(query, c);
  char *text = written(r, GB_QUERY_JSON);
  cr_assert_str_eq(text, json, "for:\n%s\ngot:\n%s", query, text);
  free(text);
  gb_query_result_free(r);
}

/* ---- The example: rewards by type per hour ----------------------------------------------- */

#define REWARD(t, ch, rt, lvl, p, v)                                                               \
  { t, "reward_granted", "poker", ch, rt, lvl, p, true, v }

static const ev example_events[] = {
    /* in the window, passing every filter */
    REWARD("2024-08-20T09:00:00+08:00", "daily_win_3", "coins", "10", 1, 50000),
    REWARD("2024-08-20T09:10:00+08:00", "weekly_spin_10", "coins", "20", 2, 70000),
    REWARD("2024-08-20T09:59:59+08:00", "daily_win_3", "coins", "12", 1, 30000),
    REWARD("2024-08-20T09:20:00+08:00", "daily_win_3", "gems", "15", 3, 9990),
    REWARD("2024-08-20T09:30:00+08:00", "weekly_spin_10", "gems", "25", 2, 5000),
    REWARD("2024-08-20T09:45:00+08:00", "daily_win_3", "props", "10", 4, 1000),
    /* out: before from, at to (exclusive), a challenge outside the set, another type, another
     * game, the range's end (exclusive), below it numerically (though "9" > "10" bytewise) */
    REWARD("2024-08-20T08:59:59+08:00", "daily_win_3", "coins", "10", 5, 1000000),
    REWARD("2024-08-20T10:00:00+08:00", "daily_win_3", "coins", "10", 5, 1000000),
    REWARD("2024-08-20T09:15:00+08:00", "monthly_login_30", "coins", "10", 5, 500000),
    {"2024-08-20T09:15:00+08:00", "game_end", "poker", "daily_win_3", NULL, "10", 5, false, 0},
    {"2024-08-20T09:25:00+08:00", "reward_granted", "blackjack", "daily_win_3", "coins", "10", 5,
     true, 200000},
    REWARD("2024-08-20T09:35:00+08:00", "daily_win_3", "gems", "30", 5, 300000),
    REWARD("2024-08-20T09:40:00+08:00", "daily_win_3", "gems", "9", 5, 400000),
};

static const char example_query[] = "events: reward_granted\n"
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

static gb_cube *example_cube(void) {
  gb_cube *c = new_cube(60000, 0);
  for (size_t i = 0; i < sizeof example_events / sizeof example_events[0]; i++)
    add(c, &example_events[i]);
  return c;
}

Test(query, the_example_in_json) {
  gb_cube *c = example_cube();
  gb_query_result *r = run(example_query, c);
  char *json = written(r, GB_QUERY_JSON);
  cr_assert_str_eq(json, "{\"columns\":[\"reward_type\",\"time\",\"count\",\"sum\"],\"rows\":["
                         "[\"coins\",\"2024-08-20T09:00:00+08:00\",3,150],"
                         "[\"gems\",\"2024-08-20T09:00:00+08:00\",2,14.99],"
                         "[\"props\",\"2024-08-20T09:00:00+08:00\",1,1]]}\n");
  cr_assert_eq(gb_query_result_cells_scanned(r), gb_cube_cells(c));
  cr_assert_eq(gb_query_result_cells_matched(r), 6);
  free(json);
  gb_query_result_free(r);
  gb_cube_free(c);
}

Test(query, the_example_in_csv_and_as_a_table) {
  gb_cube *c = example_cube();
  gb_query_result *r = run(example_query, c);
  char *csv = written(r, GB_QUERY_CSV);
  cr_assert_str_eq(csv, "reward_type,time,count,sum\n"
                        "coins,2024-08-20T09:00:00+08:00,3,150\n"
                        "gems,2024-08-20T09:00:00+08:00,2,14.99\n"
                        "props,2024-08-20T09:00:00+08:00,1,1\n");
  char *table = written(r, GB_QUERY_TABLE);
  cr_assert_str_eq(table, "reward_type  time                       count    sum\n"
                          "-----------  -------------------------  -----  -----\n"
                          "coins        2024-08-20T09:00:00+08:00      3    150\n"
                          "gems         2024-08-20T09:00:00+08:00      2  14.99\n"
                          "props        2024-08-20T09:00:00+08:00      1      1\n");
  free(csv);
  free(table);
  gb_query_result_free(r);
  gb_cube_free(c);
}

Test(query, the_committed_example_file_answers_the_same) {
  gb_cube *c = example_cube();
  gb_query *q = NULL;
  gb_query_result *r = NULL;
  gb_err err = {0};
  cr_assert_eq(gb_query_load(GB_SOURCE_DIR "/workloads/queries/rewards_by_type.yaml", &q, &err), 0,
               "%s", err.msg);
  cr_assert_eq(gb_query_run(q, c, &r, &err), 0, "%s", err.msg);
  /* The file is the seeds' example as written there: only the challenge filter, so the
   * other game's and the other levels' rewards count (largest sum first). */
  char *csv = written(r, GB_QUERY_CSV);
  cr_assert_str_eq(csv, "reward_type,time,count,sum\n"
                        "gems,2024-08-20T09:00:00+08:00,4,714.99\n"
                        "coins,2024-08-20T09:00:00+08:00,4,350\n"
                        "props,2024-08-20T09:00:00+08:00,1,1\n");
  free(csv);
  gb_query_result_free(r);
  gb_query_free(q);
  gb_cube_free(c);
}

/* A cube read back from cube.gbc (canonical order, renumbered codes), and one merged from two
 * shards' halves, answer with the same bytes as the cube that saw the events. */
Test(query, saved_and_merged_cubes_answer_the_same) {
  gb_cube *c = example_cube();
  gb_query_result *r = run(example_query, c);
  char *want = written(r, GB_QUERY_JSON);
  gb_query_result_free(r);
  char *dir = gbt_tmpdir();
  char *path = gbt_path(dir, "cube.gbc");
  gb_err err = {0};
  cr_assert_eq(gb_cube_save(c, path, &err), 0, "%s", err.msg);
  gb_cube *loaded = NULL;
  cr_assert_eq(gb_cube_load(path, &loaded, &err), 0, "%s", err.msg);
  gb_cube *a = new_cube(60000, 0), *b = new_cube(60000, 0);
  size_t n = sizeof example_events / sizeof example_events[0];
  for (size_t i = 0; i < n; i++)
    add(i % 2 ? a : b, &example_events[n - 1 - i]);
  cr_assert_eq(gb_cube_merge(b, a, &err), 0, "%s", err.msg);
  const gb_cube *cubes[] = {loaded, b};
  for (size_t i = 0; i < 2; i++) {
    r = run(example_query, cubes[i]);
    char *got = written(r, GB_QUERY_JSON);
    cr_assert_str_eq(got, want, "cube %zu", i);
    free(got);
    gb_query_result_free(r);
  }
  free(want);
  gb_cube_free(a);
  gb_cube_free(b);
  gb_cube_free(loaded);
  gb_cube_free(c);
  free(path);
  gbt_rmtree(dir);
  free(dir);
}

Test(query, a_result_outlives_its_cube) {
  gb_cube *c = example_cube();
  gb_query_result *r = run(example_query, c);
  gb_cube_free(c);
  cr_assert_eq(gb_query_result_rows(r), 3);
  cr_assert_eq(gb_query_result_cols(r), 4);
  cr_assert_str_eq(gb_query_result_column(r, 3), "sum");
  cr_assert_null(gb_query_result_column(r, 4));
  char buf[96];
  cr_assert_eq(gb_query_result_cell(r, 1, 0, buf, sizeof buf), 4);
  cr_assert_str_eq(buf, "gems");
  cr_assert_eq(gb_query_result_cell(r, 1, 1, buf, 8), 25, "the full length, cut to fit");
  cr_assert_str_eq(buf, "2024-08");
  gb_query_result_free(r);
  gb_query_result_free(NULL);
}

Test(query, min_max_avg_and_the_defaults) {
  gb_cube *c = example_cube();
  /* default order: the group keys ascending; ranges and sets as in the example */
  expect_json("events: reward_granted\nfilter: {game: poker}\ngroup_by: reward_type\n"
              "measures: [min, max, avg, count]\n",
              c,
              "{\"columns\":[\"reward_type\",\"min\",\"max\",\"avg\",\"count\"],\"rows\":["
              "[\"coins\",30,1000,441.667,6],[\"gems\",5,400,178.748,4],"
              "[\"props\",1,1,1,1]]}\n");
  /* no group_by: one row; the avg rounds to milli-units, half away from zero */
  expect_json("filter: {reward_type: gems, level_band: ['15', '25', '9']}\nmeasures: [avg, sum]\n",
              c, "{\"columns\":[\"avg\",\"sum\"],\"rows\":[[138.33,414.99]]}\n");
  expect_json("filter: {reward_type: [gems]}\nfrom: 2024-08-20T09:20:00+08:00\n"
              "to: 2024-08-20T09:31:00+08:00\nmeasures: [avg]\n",
              c, "{\"columns\":[\"avg\"],\"rows\":[[7.495]]}\n");
  gb_cube_free(c);
}

Test(query, nulls_and_the_empty_value) {
  gb_cube *c = example_cube();
  /* game_end carries no value and no reward type: "" selects the empty value */
  gb_query_result *r = run("group_by: [type, reward_type]\nmeasures: [count, sum, avg, min]\n"
                           "filter: {reward_type: ['', props]}\norder_by: {by: avg, desc: true}\n",
                           c);
  char *json = written(r, GB_QUERY_JSON);
  cr_assert_str_eq(json,
                   "{\"columns\":[\"type\",\"reward_type\",\"count\",\"sum\",\"avg\",\"min\"],"
                   "\"rows\":[[\"reward_granted\",\"props\",1,1,1,1],"
                   "[\"game_end\",\"\",1,0,null,null]]}\n",
                   "nulls last, even descending");
  char *table = written(r, GB_QUERY_TABLE);
  cr_assert_str_eq(table, "type            reward_type  count  sum  avg  min\n"
                          "--------------  -----------  -----  ---  ---  ---\n"
                          "reward_granted  props            1    1    1    1\n"
                          "game_end                         1    0    -    -\n");
  char *csv = written(r, GB_QUERY_CSV);
  cr_assert_str_eq(csv, "type,reward_type,count,sum,avg,min\n"
                        "reward_granted,props,1,1,1,1\n"
                        "game_end,,1,0,,\n");
  cr_assert(gb_query_result_is_null(r, 1, 4) && !gb_query_result_is_null(r, 1, 3));
  free(json);
  free(table);
  free(csv);
  gb_query_result_free(r);
  gb_cube_free(c);
}

Test(query, no_rows_in_every_format) {
  gb_cube *c = example_cube();
  gb_query_result *r = run("events: level_up\ngroup_by: [game]\n", c);
  char *json = written(r, GB_QUERY_JSON), *csv = written(r, GB_QUERY_CSV);
  char *table = written(r, GB_QUERY_TABLE);
  cr_assert_str_eq(json, "{\"columns\":[\"game\",\"count\"],\"rows\":[]}\n");
  cr_assert_str_eq(csv, "game,count\n");
  cr_assert_str_eq(table, "game  count\n----  -----\n");
  free(json);
  free(csv);
  free(table);
  gb_query_result_free(r);
  gb_cube_free(c);
}

/* ---- Time: days in two zones, last, all -------------------------------------------------- */

static gb_cube *days_cube(void) {
  gb_cube *c = new_cube(3600000, 0);
  const char *times[] = {"2024-08-20T15:30:00Z", "2024-08-20T16:30:00Z", "2024-08-20T23:30:00Z",
                         "2024-08-21T01:00:00Z"};
  for (size_t i = 0; i < 4; i++)
    add(c, &(ev){times[i], "login", "poker", NULL, NULL, NULL, i, false, 0});
  return c;
}

Test(query, day_groups_at_utc_plus_8_and_at_utc) {
  gb_cube *c = days_cube();
  expect_json("group_by: [time]\ngranularity: 1d\n", c,
              "{\"columns\":[\"time\",\"count\"],\"rows\":[[\"2024-08-20T00:00:00Z\",3],"
              "[\"2024-08-21T00:00:00Z\",1]]}\n");
  expect_json("group_by: [time]\ngranularity: day\ntimezone: '+08:00'\n", c,
              "{\"columns\":[\"time\",\"count\"],\"rows\":[[\"2024-08-20T00:00:00+08:00\",1],"
              "[\"2024-08-21T00:00:00+08:00\",3]]}\n");
  expect_json("group_by: [time]\ngranularity: 6h\ntimezone: '-03:00'\n"
              "order_by: {by: time, desc: true}\n",
              c,
              "{\"columns\":[\"time\",\"count\"],\"rows\":[[\"2024-08-20T18:00:00-03:00\",2],"
              "[\"2024-08-20T12:00:00-03:00\",2]]}\n");
  gb_cube_free(c);
}

Test(query, last_is_relative_to_the_cubes_latest_bucket) {
  gb_cube *c = new_cube(60000, 0);
  const char *times[] = {"2024-08-20T09:07:59Z", "2024-08-20T09:08:00Z", "2024-08-20T10:07:30Z"};
  for (size_t i = 0; i < 3; i++)
    add(c, &(ev){times[i], "login", "poker", NULL, NULL, NULL, i, false, 0});
  /* the latest event is at 10:07:30: its bucket ends at 10:08, so the window is [09:08, 10:08) */
  expect_json("last: 1h\nmeasures: [count]\n", c, "{\"columns\":[\"count\"],\"rows\":[[2]]}\n");
  expect_json("last: 1h\ngroup_by: [time]\ngranularity: all\n", c,
              "{\"columns\":[\"time\",\"count\"],\"rows\":[[\"2024-08-20T09:08:00Z\",2]]}\n");
  expect_json("last: 61m\n", c, "{\"columns\":[\"count\"],\"rows\":[[3]]}\n");
  /* all without a window start: the group starts with its earliest bucket */
  expect_json("group_by: [time, game]\ngranularity: all\n", c,
              "{\"columns\":[\"time\",\"game\",\"count\"],\"rows\":[[\"2024-08-20T09:07:00Z\","
              "\"poker\",3]]}\n");
  gb_cube *empty = new_cube(60000, 0);
  expect_json("last: 1h\n", empty, "{\"columns\":[\"count\"],\"rows\":[]}\n");
  expect_json("{}", empty, "{\"columns\":[\"count\"],\"rows\":[]}\n");
  gb_cube_free(empty);
  gb_cube_free(c);
}

/* ---- Ranges and top-N -------------------------------------------------------------------- */

static gb_cube *levels_cube(const char *const *levels, size_t n) {
  gb_cube *c = new_cube(60000, 0);
  for (size_t i = 0; i < n; i++)
    add(c, &(ev){"2024-08-20T09:00:00Z", "level_up", "poker", NULL, NULL, levels[i], i, false, 0});
  return c;
}

Test(query, ranges_compare_numbers_numerically_else_bytewise) {
  const char *levels[] = {"9", "10", "30", "100", NULL};
  gb_cube *c = levels_cube(levels, 5);
  const char *q = "group_by: [level_band]\nfilter: {level_band: {from: 10, to: 30}}\n";
  expect_json(q, c, "{\"columns\":[\"level_band\",\"count\"],\"rows\":[[\"10\",1]]}\n");
  expect_json("group_by: [level_band]\nfilter: {level_band: {from: 30}}\n", c,
              "{\"columns\":[\"level_band\",\"count\"],\"rows\":[[\"100\",1],[\"30\",1]]}\n");
  expect_json("group_by: [level_band]\nfilter: {level_band: {to: 10}}\n", c,
              "{\"columns\":[\"level_band\",\"count\"],\"rows\":[[\"9\",1]]}\n");
  gb_cube_free(c);
  /* one value that is not a number: the dimension compares bytewise ("100" < "30" < "9") */
  const char *mixed[] = {"9", "10", "30", "100", "vip"};
  c = levels_cube(mixed, 5);
  expect_json(q, c, "{\"columns\":[\"level_band\",\"count\"],\"rows\":[[\"10\",1],[\"100\",1]]}\n");
  expect_json("group_by: [level_band]\nfilter: {level_band: {from: a, to: z}}\n", c,
              "{\"columns\":[\"level_band\",\"count\"],\"rows\":[[\"vip\",1]]}\n");
  gb_cube_free(c);
}

Test(query, top_n_breaks_ties_by_the_group_keys) {
  gb_cube *c = new_cube(60000, 0);
  const char *games[] = {"uno", "rummy", "poker", "blackjack", "chess"};
  const int counts[] = {3, 3, 5, 3, 1};
  for (size_t g = 0; g < 5; g++)
    for (int i = 0; i < counts[g]; i++)
      add(c, &(ev){"2024-08-20T09:00:00Z", "game_end", games[g], NULL, NULL, NULL, 1, true,
                   (int64_t)g * 1000});
  expect_json("group_by: game\norder_by: {by: count, desc: true}\nlimit: 3\n", c,
              "{\"columns\":[\"game\",\"count\"],\"rows\":[[\"poker\",5],[\"blackjack\",3],"
              "[\"rummy\",3]]}\n");
  expect_json("group_by: game\norder_by: [count]\nlimit: 2\n", c,
              "{\"columns\":[\"game\",\"count\"],\"rows\":[[\"chess\",1],[\"blackjack\",3]]}\n");
  expect_json("group_by: game\norder_by: {by: game, desc: true}\nlimit: 1\nmeasures: [max]\n", c,
              "{\"columns\":[\"game\",\"max\"],\"rows\":[[\"uno\",0]]}\n");
  expect_json("group_by: game\nlimit: 100\nmeasures: sum\norder_by: [{by: sum, desc: true}]\n", c,
              "{\"columns\":[\"game\",\"sum\"],\"rows\":[[\"poker\",10],[\"blackjack\",9],"
              "[\"chess\",4],[\"rummy\",3],[\"uno\",0]]}\n");
  gb_cube_free(c);
}

/* ---- Errors found by running ------------------------------------------------------------- */

Test(query, run_binds_first) {
  gb_cube *c = example_cube();
  gb_query *q = NULL;
  gb_query_result *r = (gb_query_result *)&r;
  gb_err err = {0};
  const char *text = "measures: p99\n";
  cr_assert_eq(gb_query_parse(text, strlen(text), "POST /query", &q, &err), 0, "%s", err.msg);
  cr_assert_eq(gb_query_run(q, c, &r, &err), -1);
  cr_assert_null(r);
  cr_assert_eq(err.kind, GB_ERR_INPUT);
  cr_assert_str_eq(err.msg, "POST /query:1: measures: p99: this cube keeps no quantile sketches "
                            "(add quantiles to the workload's engine.aggregates.measures)");
  gb_query_free(q);
  gb_cube_free(c);
}

Test(query, formats_by_name) {
  gb_query_format f = GB_QUERY_TABLE;
  cr_assert_eq(gb_query_format_parse("json", &f), 0);
  cr_assert_eq(f, GB_QUERY_JSON);
  cr_assert_eq(gb_query_format_parse("csv", &f), 0);
  cr_assert_eq(f, GB_QUERY_CSV);
  cr_assert_eq(gb_query_format_parse("table", &f), 0);
  cr_assert_eq(f, GB_QUERY_TABLE);
  cr_assert_eq(gb_query_format_parse("JSON", &f), -1);
  cr_assert_eq(f, GB_QUERY_TABLE);
  cr_assert_str_eq(gb_query_format_names(), "table, csv, json");
}

Test(query, a_failed_write_is_a_runtime_error) {
  gb_cube *c = example_cube();
  gb_query_result *r = run(example_query, c);
  gb_query_format formats[] = {GB_QUERY_TABLE, GB_QUERY_CSV, GB_QUERY_JSON};
  for (size_t i = 0; i < 3; i++) {
    FILE *full = fopen("/dev/full", "w");
    cr_assert_not_null(full);
    gb_err err = {0};
    cr_assert_eq(gb_query_result_write(r, formats[i], full, &err), -1, "format %zu", i);
    cr_assert_eq(err.kind, GB_ERR_RUNTIME);
    cr_assert(strstr(err.msg, "No space left on device"), "%s", err.msg);
    fclose(full);
  }
  gb_query_result_free(r);
  gb_cube_free(c);
}

/* ---- Distinct players and quantiles ------------------------------------------------------ */

static gb_cube *sketch_cube(void) {
  gb_cube *c = new_cube(60000, GB_CUBE_DISTINCT | GB_CUBE_QUANTILES);
  /* poker: values 1 … 100 by players 1 … 10, over three buckets (groups merge cells) */
  const char *minutes[] = {"2024-08-20T09:00:00Z", "2024-08-20T09:01:00Z", "2024-08-20T09:02:00Z"};
  for (int v = 1; v <= 100; v++)
    add(c, &(ev){minutes[v % 3], "game_end", "poker", NULL, NULL, NULL, (uint64_t)(v % 10) + 1,
                 true, v * 1000});
  /* rummy: 40 players (past the exact threshold of 16), values all 9.99, one bucket */
  for (uint64_t p = 0; p < 40; p++)
    add(c, &(ev){minutes[0], "game_end", "rummy", NULL, NULL, NULL, 1000 + p, true, 9990});
  /* uno: two players, no values */
  for (uint64_t p = 0; p < 4; p++)
    add(c, &(ev){minutes[p % 3], "login", "uno", NULL, NULL, NULL, p % 2, false, 0});
  return c;
}

static double cell_number(const gb_query_result *r, size_t row, size_t col) {
  char buf[96];
  gb_query_result_cell(r, row, col, buf, sizeof buf);
  char *end = NULL;
  double v = strtod(buf, &end);
  cr_assert(end != buf && *end == '\0', "'%s' is not a number", buf);
  return v;
}

Test(query, distinct_players_exact_then_estimated) {
  gb_cube *c = sketch_cube();
  gb_query_result *r = run("group_by: game\nmeasures: [distinct_players, count]\n", c);
  cr_assert_eq(gb_query_result_rows(r), 3);
  char buf[96];
  gb_query_result_cell(r, 0, 1, buf, sizeof buf);
  cr_assert_str_eq(buf, "10", "poker: exact across three cells");
  double rummy = cell_number(r, 1, 1);
  cr_assert(fabs(rummy - 40) <= 2, "rummy: 40 players estimated as %g", rummy);
  cr_assert_eq(rummy, round(rummy), "an integer");
  gb_query_result_cell(r, 2, 1, buf, sizeof buf);
  cr_assert_str_eq(buf, "2", "uno");
  gb_query_result_free(r);
  /* one group over everything: the sketches of all cells merged */
  r = run("measures: [distinct_players]\n", c);
  double all = cell_number(r, 0, 0);
  cr_assert(fabs(all - 52) <= 3, "52 players estimated as %g", all);
  gb_query_result_free(r);
  gb_cube_free(c);
}

Test(query, quantiles_within_the_sketchs_accuracy) {
  gb_cube *c = sketch_cube();
  gb_query_result *r = run("group_by: game\nmeasures: [p50, p99.9, p1, max]\norder_by: game\n", c);
  cr_assert_eq(gb_query_result_rows(r), 3);
  /* poker: 1 … 100; the lower quantile of rank floor(q (n - 1)) within 1 % */
  double p50 = cell_number(r, 0, 1), p999 = cell_number(r, 0, 2), p1 = cell_number(r, 0, 3);
  cr_assert(fabs(p50 - 50) <= 0.5, "p50 %g", p50);
  cr_assert(fabs(p999 - 99) <= 0.99, "p99.9 %g", p999);
  cr_assert(fabs(p1 - 1) <= 0.01, "p1 %g", p1);
  char *json = written(r, GB_QUERY_JSON);
  /* rummy: one value, exactly (answers are clamped to [min, max]); uno: no values, null */
  cr_assert(strstr(json, "[\"rummy\",9.99,9.99,9.99,9.99]"), "%s", json);
  cr_assert(strstr(json, "[\"uno\",null,null,null,null]"), "%s", json);
  free(json);
  gb_query_result_free(r);
  /* ordering by a quantile, nulls last either way */
  r = run("group_by: game\nmeasures: [p50]\norder_by: {by: p50, desc: true}\n", c);
  char buf[96];
  gb_query_result_cell(r, 0, 0, buf, sizeof buf);
  cr_assert_str_eq(buf, "poker");
  gb_query_result_cell(r, 2, 0, buf, sizeof buf);
  cr_assert_str_eq(buf, "uno");
  gb_query_result_free(r);
  /* 49.903: the sketch's value of the bucket that holds 50 (0.2 % below it, within 1 %) */
  expect_json("group_by: game\nmeasures: [p50]\norder_by: p50\n", c,
              "{\"columns\":[\"game\",\"p50\"],\"rows\":[[\"rummy\",9.99],[\"poker\",49.903],"
              "[\"uno\",null]]}\n");
  gb_cube_free(c);
}

/* ---- Speed ------------------------------------------------------------------------------- */

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* One sim day by minute × 12 games (17 280 cells), grouped by game and hour: the target is
 * p99 <= 1 ms in a release build on a quiet machine. The check is on the median, which a busy
 * machine's preemptions do not move, with room for sanitizers (a release build takes ~0.5 ms). */
Test(query, a_day_of_minutes_by_game_and_hour_is_fast) {
  gb_cube *c = new_cube(60000, 0);
  char games[12][16], when[GBQ_TIME_TEXT];
  for (int g = 0; g < 12; g++)
    snprintf(games[g], sizeof games[g], "game%02d", g);
  int64_t day = at("2024-08-20T00:00:00Z");
  for (int m = 0; m < 1440; m++) {
    gb_query_time_format(day + (int64_t)m * 60000, 0, when, sizeof when);
    for (int g = 0; g < 12; g++)
      add(c, &(ev){when, "game_end", games[g], NULL, NULL, NULL, (uint64_t)g, true, m});
  }
  cr_assert_eq(gb_cube_cells(c), 17280);
  const char *text = "group_by: [game, time]\ngranularity: 1h\nmeasures: [count, sum, avg]\n"
                     "order_by: [{by: sum, desc: true}]\n";
  gb_query *q = NULL;
  gb_err err = {0};
  cr_assert_eq(gb_query_parse(text, strlen(text), "bench", &q, &err), 0, "%s", err.msg);
  enum { RUNS = 200 };
  double ms[RUNS];
  for (int i = 0; i < RUNS; i++) {
    gb_query_result *r = NULL;
    double t0 = now_ms();
    cr_assert_eq(gb_query_run(q, c, &r, &err), 0, "%s", err.msg);
    ms[i] = now_ms() - t0;
    cr_assert_eq(gb_query_result_rows(r), 12 * 24);
    gb_query_result_free(r);
  }
  qsort(ms, RUNS, sizeof ms[0], cmp_double);
  fprintf(stderr, "query over 17280 cells, 288 groups: p50 %.3f ms, p99 %.3f ms\n", ms[RUNS / 2],
          ms[RUNS * 99 / 100]);
  cr_assert_lt(ms[RUNS / 2], 10.0);
  gb_query_free(q);
  gb_cube_free(c);
}
