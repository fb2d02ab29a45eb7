/* gamebench query: an answer from a results directory's cube.gbc in each format, to stdout or a
 * file; bad input (query, directory, flag) rejected with exit status 2 and the culprit named. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "gb_cube.h"
#include "gb_test_support.h"

static char *tmp, *dir;

/* A results directory holding only cube.gbc: three game ends and a purchase on 2024-08-20. */
static void setup(void) {
  tmp = gbt_tmpdir();
  dir = gbt_path(tmp, "run");
  cr_assert_eq(mkdir(dir, 0755), 0);
  gb_cube_config cfg = {.bucket_ms = 60000, .n_dims = 2};
  snprintf(cfg.dims[0], sizeof cfg.dims[0], "type");
  snprintf(cfg.dims[1], sizeof cfg.dims[1], "game");
  gb_cube *c;
  gb_err err = {0};
  cr_assert_eq(gb_cube_new(&cfg, &c, &err), 0, "%s", err.msg);
  const int64_t t0 = 1724112000000LL; /* 2024-08-20T00:00:00Z */
  struct {
    const char *type, *game;
    int64_t minute, value;
  } evs[] = {{"game_end", "poker", 0, -500},
             {"game_end", "poker", 61, 1500},
             {"game_end", "mahjong", 5, 250},
             {"purchase", "", 7, 9990}};
  for (size_t i = 0; i < sizeof evs / sizeof evs[0]; i++) {
    uint32_t codes[2] = {gb_cube_code(c, 0, evs[i].type, strlen(evs[i].type)),
                         gb_cube_code(c, 1, evs[i].game, strlen(evs[i].game))};
    gb_cube_add(c, t0 + evs[i].minute * 60000, codes, i + 1, true, evs[i].value);
  }
  char *path = gbt_path(dir, "cube.gbc");
  cr_assert_eq(gb_cube_save(c, path, &err), 0, "%s", err.msg);
  gb_cube_free(c);
  free(path);
}

static void teardown(void) {
  gbt_rmtree(tmp);
  free(tmp);
  free(dir);
}

TestSuite(query_cli, .init = setup, .fini = teardown);

/* Writes text to TMP/name; returns the path (heap). */
static char *query_file(const char *name, const char *text) {
  char *path = gbt_path(tmp, name);
  gbt_write_file(path, text);
  return path;
}

static const char GAMES[] = "events: game_end\n"
                            "from: 2024-08-20T00:00:00Z\n"
                            "to: 2024-08-20T02:00:00Z\n"
                            "group_by: [game, time]\n"
                            "granularity: 1h\n"
                            "measures: [count, sum]\n";

Test(query_cli, answers_in_each_format) {
  char *q = query_file("games.yaml", GAMES);
  gbt_proc p = gbt_gamebench("query '%s' '%s' --format csv", dir, q);
  cr_assert_eq(p.status, 0, "%s", p.err);
  cr_assert_str_eq(p.out, "game,time,count,sum\n"
                          "mahjong,2024-08-20T00:00:00Z,1,0.25\n"
                          "poker,2024-08-20T00:00:00Z,1,-0.5\n"
                          "poker,2024-08-20T01:00:00Z,1,1.5\n");
  gbt_proc_free(&p);
  p = gbt_gamebench("query '%s' '%s' -f json", dir, q);
  cr_assert_eq(p.status, 0, "%s", p.err);
  cr_assert(strstr(p.out, "\"columns\":[\"game\",\"time\",\"count\",\"sum\"]"), "%s", p.out);
  gbt_proc_free(&p);
  p = gbt_gamebench("query '%s' '%s'", dir, q);
  cr_assert_eq(p.status, 0, "%s", p.err);
  cr_assert(strncmp(p.out, "game     time", 13) == 0, "%s", p.out);
  gbt_proc_free(&p);
  free(q);
}

Test(query_cli, out_writes_the_file_whole) {
  char *q = query_file("games.yaml", GAMES), *out = gbt_path(tmp, "answer.csv");
  gbt_proc p = gbt_gamebench("query '%s' '%s' --format csv --out '%s'", dir, q, out);
  cr_assert_eq(p.status, 0, "%s", p.err);
  cr_assert_str_eq(p.out, "");
  char *text = gbt_read_file(out, NULL);
  cr_assert_not_null(text);
  cr_assert(strncmp(text, "game,time,count,sum\n", 20) == 0, "%s", text);
  free(text);
  cr_assert_not(gbt_has_tmp_file(tmp));
  gbt_proc_free(&p);
  free(q);
  free(out);
}

Test(query_cli, bad_input_exits_2_naming_the_culprit) {
  char *bad = query_file("bad.yaml", "events: game_end\nlast: 1h\nmeasures: [count, total]\n");
  char *out = gbt_path(tmp, "never.csv");
  gbt_proc p = gbt_gamebench("query '%s' '%s' --out '%s'", dir, bad, out);
  cr_assert_eq(p.status, 2);
  cr_assert(strstr(p.err, "bad.yaml:3") && strstr(p.err, "measures[1]"), "%s", p.err);
  cr_assert_not(gbt_exists(out), "no half-written answer");
  gbt_proc_free(&p);
  char *q = query_file("games.yaml", GAMES);
  p = gbt_gamebench("query '%s/nowhere' '%s'", tmp, q);
  cr_assert_eq(p.status, 2);
  cr_assert(strstr(p.err, "nowhere/cube.gbc"), "%s", p.err);
  gbt_proc_free(&p);
  p = gbt_gamebench("query '%s' '%s' --format xml", dir, q);
  cr_assert_eq(p.status, 2);
  cr_assert(strstr(p.err, "--format: 'xml'"), "%s", p.err);
  gbt_proc_free(&p);
  p = gbt_gamebench("query '%s'", dir);
  cr_assert_eq(p.status, 2);
  gbt_proc_free(&p);
  free(bad);
  free(q);
  free(out);
}
