/* gb_cube: buckets, cells and their measures, merge, canonical order, save/load. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "gb_cube.h"

static const int64_t H = 3600000, M = 60000;
/* 2024-08-20T00:00:00Z */
static const int64_t DAY0 = 1724112000000LL;

static gb_cube_config config(int64_t bucket_ms, int32_t offset_min, unsigned measures) {
  gb_cube_config cfg = {.bucket_ms = bucket_ms,
                        .day_offset_min = offset_min,
                        .n_dims = 2,
                        .measures = measures,
                        .distinct_exact_max = 4,
                        .hll_precision = 12,
                        .quantile_accuracy = 0.01};
  snprintf(cfg.dims[0], sizeof cfg.dims[0], "type");
  snprintf(cfg.dims[1], sizeof cfg.dims[1], "game");
  return cfg;
}

static gb_cube *new_cube(int64_t bucket_ms, int32_t offset_min, unsigned measures) {
  gb_cube *c;
  gb_err err = {0};
  gb_cube_config cfg = config(bucket_ms, offset_min, measures);
  cr_assert_eq(gb_cube_new(&cfg, &c, &err), 0, "%s", err.msg);
  return c;
}

static void add(gb_cube *c, int64_t ts, const char *type, const char *game, uint64_t player,
                bool has_value, int64_t value_milli) {
  uint32_t codes[2] = {gb_cube_code(c, 0, type, strlen(type)),
                       gb_cube_code(c, 1, game, strlen(game))};
  gb_cube_add(c, ts, codes, player, has_value, value_milli);
}

/* The cell of (bucket, type, game), or fails. */
static gb_cube_cell find(const gb_cube *c, int64_t bucket, const char *type, const char *game) {
  for (size_t i = 0; i < gb_cube_cells(c); i++) {
    gb_cube_cell cell;
    gb_cube_cell_at(c, i, &cell);
    if (cell.bucket_start_ms == bucket && strcmp(gb_cube_value(c, 0, cell.codes[0]), type) == 0 &&
        strcmp(gb_cube_value(c, 1, cell.codes[1]), game) == 0)
      return cell;
  }
  cr_assert_fail("no cell %lld %s %s", (long long)bucket, type, game);
  return (gb_cube_cell){0};
}

Test(cube, buckets_align_on_local_midnight) {
  gb_cube *day8 = new_cube(86400000, 480, 0), *hour = new_cube(H, 0, 0);
  /* 2024-08-20T15:59:59.999Z is 23:59:59.999 at UTC+8: the day bucket of the 20th (+08:00)
   * starts at 2024-08-19T16:00:00Z; one ms later is the next local day. */
  cr_assert_eq(gb_cube_bucket_start(day8, DAY0 + 16 * H - 1), DAY0 - 8 * H);
  cr_assert_eq(gb_cube_bucket_start(day8, DAY0 + 16 * H), DAY0 + 16 * H);
  cr_assert_eq(gb_cube_bucket_start(hour, DAY0 + 90 * M), DAY0 + H);
  /* before the epoch: floor, not truncation toward zero */
  cr_assert_eq(gb_cube_bucket_start(hour, -1), -H);
  gb_cube_free(day8);
  gb_cube_free(hour);
}

Test(cube, cells_keep_count_sum_min_max) {
  gb_cube *c = new_cube(M, 0, 0);
  add(c, DAY0 + 1000, "game_end", "poker", 1, true, -2500);
  add(c, DAY0 + 2000, "game_end", "poker", 2, true, 7000);
  add(c, DAY0 + 3000, "game_end", "poker", 1, true, 500);
  add(c, DAY0 + 4000, "session_start", "", 1, false, 0);
  add(c, DAY0 + M, "game_end", "poker", 3, true, 1);
  cr_assert_eq(gb_cube_cells(c), 3);
  gb_cube_cell p = find(c, DAY0, "game_end", "poker");
  cr_assert_eq(p.count, 3);
  cr_assert_eq(p.n_values, 3);
  cr_assert_eq(p.sum_milli, 5000);
  cr_assert_eq(p.min_milli, -2500);
  cr_assert_eq(p.max_milli, 7000);
  cr_assert_null(p.players);
  cr_assert_null(p.values);
  gb_cube_cell s = find(c, DAY0, "session_start", "");
  cr_assert_eq(s.count, 1);
  cr_assert_eq(s.n_values, 0);
  cr_assert_eq(find(c, DAY0 + M, "game_end", "poker").sum_milli, 1);
  int64_t first, last;
  cr_assert(gb_cube_time_range(c, &first, &last));
  cr_assert_eq(first, DAY0 + 1000);
  cr_assert_eq(last, DAY0 + M);
  cr_assert_eq(gb_cube_events(c), 5);
  gb_cube_free(c);
}

Test(cube, distinct_players_and_quantiles_per_cell) {
  gb_cube *c = new_cube(M, 0, GB_CUBE_DISTINCT | GB_CUBE_QUANTILES);
  for (int i = 1; i <= 100; i++)
    add(c, DAY0 + i, "game_end", "poker", (uint64_t)(i % 3), true, (int64_t)i * 1000);
  gb_cube_cell p = find(c, DAY0, "game_end", "poker");
  cr_assert_eq(gb_distinct_estimate(p.players), 3.0);
  cr_assert(gb_distinct_is_exact(p.players));
  cr_assert_eq(gb_ddsketch_count(p.values), 100);
  double median = gb_ddsketch_quantile(p.values, 0.5); /* exact lower median: 50 */
  cr_assert(fabs(median - 50.0) <= 0.01 * 50.0, "median %g", median);
  gb_cube_free(c);
}

Test(cube, merge_of_any_split_saves_the_same_bytes) {
  unsigned m = GB_CUBE_DISTINCT | GB_CUBE_QUANTILES;
  gb_cube *all = new_cube(M, 480, m), *a = new_cube(M, 480, m), *b = new_cube(M, 480, m);
  const char *games[] = {"poker", "mahjong", "chess"};
  for (int i = 0; i < 3000; i++) {
    int64_t ts = DAY0 + (int64_t)((i * 7919) % 7200) * 1000;
    const char *game = games[i % 3];
    add(all, ts, "game_end", game, (uint64_t)(i % 50), true, i - 1500);
    /* the other split sees them in another order, on two cubes */
    int j = 2999 - i;
    int64_t ts2 = DAY0 + (int64_t)((j * 7919) % 7200) * 1000;
    add(j % 2 ? a : b, ts2, "game_end", games[j % 3], (uint64_t)(j % 50), true, j - 1500);
  }
  gb_err err = {0};
  cr_assert_eq(gb_cube_merge(b, a, &err), 0, "%s", err.msg);
  char p1[] = "/tmp/gb_cube_all_XXXXXX", p2[] = "/tmp/gb_cube_merged_XXXXXX";
  close(mkstemp(p1));
  close(mkstemp(p2));
  cr_assert_eq(gb_cube_save(all, p1, &err), 0, "%s", err.msg);
  cr_assert_eq(gb_cube_save(b, p2, &err), 0, "%s", err.msg);
  char cmd[256];
  snprintf(cmd, sizeof cmd, "cmp -s %s %s", p1, p2);
  cr_assert_eq(system(cmd), 0, "the merged cube differs from the cube of all events");
  gb_cube *loaded;
  cr_assert_eq(gb_cube_load(p1, &loaded, &err), 0, "%s", err.msg);
  cr_assert_eq(gb_cube_cells(loaded), gb_cube_cells(all));
  cr_assert_eq(gb_cube_events(loaded), 3000);
  /* canonical order: buckets ascending, then values bytewise (chess < mahjong < poker) */
  gb_cube_cell c0, c1;
  gb_cube_cell_at(loaded, 0, &c0);
  gb_cube_cell_at(loaded, 1, &c1);
  cr_assert_eq(c0.bucket_start_ms, DAY0);
  cr_assert_str_eq(gb_cube_value(loaded, 1, c0.codes[1]), "chess");
  cr_assert_str_eq(gb_cube_value(loaded, 1, c1.codes[1]), "mahjong");
  /* and it saves to the same bytes again */
  cr_assert_eq(gb_cube_save(loaded, p2, &err), 0, "%s", err.msg);
  cr_assert_eq(system(cmd), 0);
  unlink(p1);
  unlink(p2);
  gb_cube_free(loaded);
  gb_cube_free(all);
  gb_cube_free(a);
  gb_cube_free(b);
}

Test(cube, bad_configurations_name_the_field) {
  gb_cube *c = NULL;
  gb_err err = {0};
  gb_cube_config cfg = config(7000, 0, 0);
  cr_assert_eq(gb_cube_new(&cfg, &c, &err), -1);
  cr_assert_eq(err.kind, GB_ERR_INPUT);
  cr_assert_str_eq(err.msg, "bucket: 7000 ms is not a divisor of a day between 1 s and 1 d");
  cfg = config(M, 900, 0);
  cr_assert_eq(gb_cube_new(&cfg, &c, &err), -1);
  cr_assert_str_eq(err.msg, "day_offset: 900 min is outside -12:00 … +14:00");
  cfg = config(M, 0, 0);
  snprintf(cfg.dims[1], sizeof cfg.dims[1], "type");
  cr_assert_eq(gb_cube_new(&cfg, &c, &err), -1);
  cr_assert_str_eq(err.msg, "dimensions[1]: 'type' appears twice");
  cfg = config(M, 0, GB_CUBE_QUANTILES);
  cfg.quantile_accuracy = 0;
  cr_assert_eq(gb_cube_new(&cfg, &c, &err), -1);
  cr_assert_str_eq(err.msg, "quantile_accuracy: 0 is not in (0, 1)");
  cr_assert_null(c);
}

Test(cube, merge_refuses_another_configuration) {
  gb_cube *a = new_cube(M, 0, 0), *b = new_cube(H, 0, 0);
  gb_err err = {0};
  cr_assert_eq(gb_cube_merge(a, b, &err), -1);
  cr_assert_eq(err.kind, GB_ERR_INPUT);
  gb_cube_free(a);
  gb_cube_free(b);
}

Test(cube, load_rejects_what_is_not_a_cube) {
  char path[] = "/tmp/gb_cube_bad_XXXXXX";
  int fd = mkstemp(path);
  cr_assert(write(fd, "hello, world", 12) == 12);
  close(fd);
  gb_cube *c = NULL;
  gb_err err = {0};
  cr_assert_eq(gb_cube_load(path, &c, &err), -1);
  cr_assert_eq(err.kind, GB_ERR_INPUT);
  char want[128];
  snprintf(want, sizeof want, "%s: not a gamebench stats cube", path);
  cr_assert_str_eq(err.msg, want);
  /* a real cube cut short */
  gb_cube *good = new_cube(M, 0, GB_CUBE_DISTINCT);
  add(good, DAY0, "game_end", "poker", 1, true, 5);
  cr_assert_eq(gb_cube_save(good, path, &err), 0, "%s", err.msg);
  cr_assert_eq(truncate(path, 100), 0);
  cr_assert_eq(gb_cube_load(path, &c, &err), -1);
  cr_assert(strstr(err.msg, "truncated stats cube"), "%s", err.msg);
  cr_assert_null(c);
  unlink(path);
  gb_cube_free(good);
}
