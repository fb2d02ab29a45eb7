/* gb_run_control_load (`gamebench run --control FILE`): a directory was read as a file without
 * changes and read errors went unchecked (#16 item 3); a device without end grew memory. Each
 * now fails as an input error naming --control and the file; a file of changes still loads,
 * numbered by line. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gb_catalog.h"
#include "gb_run_control.h"
#include "gb_test_support.h"

#define START_MS 1767614400000LL
#define END_MS (START_MS + 3600000LL)

static gb_catalog *catalog;

static void setup(void) {
  gb_err err = {0};
  cr_assert_eq(gb_catalog_load(GB_SOURCE_DIR "/workloads/challenges/default.yaml", &catalog, &err),
               0, "%s", err.msg);
}

static void teardown(void) { gb_catalog_free(catalog); }

TestSuite(run_control, .init = setup, .fini = teardown);

static void expect_refused(const char *path, const char *want) {
  gb_run_control *c = NULL;
  gb_err err = {0};
  cr_assert_eq(gb_run_control_load(path, START_MS, END_MS, catalog, &c, &err), -1);
  cr_assert_null(c);
  cr_expect_eq(err.kind, GB_ERR_INPUT);
  cr_expect_str_eq(err.msg, want);
}

Test(run_control, a_directory_is_refused_not_read_as_no_changes) {
  char *dir = gbt_tmpdir();
  char want[1024];
  snprintf(want, sizeof want, "--control %s: is a directory, not a --control file", dir);
  expect_refused(dir, want);
  gbt_rmtree(dir);
  free(dir);
}

Test(run_control, a_device_without_end_stops_at_the_limit) {
  expect_refused("/dev/zero", "--control /dev/zero: larger than 64 MiB, the limit for a --control "
                              "file");
}

Test(run_control, a_missing_file_is_named) {
  expect_refused("/nonexistent/c.jsonl",
                 "--control /nonexistent/c.jsonl: cannot open: No such file or directory");
}

Test(run_control, changes_load_by_line_with_blank_and_comment_lines_and_no_final_newline) {
  char *dir = gbt_tmpdir(), *path = gbt_path(dir, "c.jsonl");
  gbt_write_file(path, "# operators' changes\n\n"
                       "{\"event_id\":1,\"type\":\"challenge_delete\",\"ts\":1767614460000,"
                       "\"player_id\":0,\"session_id\":0,\"platform\":\"\",\"country\":\"\","
                       "\"challenge_id\":\"win3_doudizhu\"}\n"
                       "{\"event_id\":2,\"type\":\"session_start\",\"ts\":1767614460000,"
                       "\"player_id\":0,\"session_id\":0,\"platform\":\"\",\"country\":\"\"}");
  gb_run_control *c = NULL;
  gb_err err = {0};
  cr_assert_eq(gb_run_control_load(path, START_MS, END_MS, catalog, &c, &err), -1);
  char want[1024];
  snprintf(want, sizeof want,
           "%s:4: type 'session_start': expected challenge_upsert or challenge_delete", path);
  cr_expect_str_eq(err.msg, want, "the last line, without its newline, is line 4");
  gbt_write_file(path, "# operators' changes\n\n"
                       "{\"event_id\":1,\"type\":\"challenge_delete\",\"ts\":1767614460000,"
                       "\"player_id\":0,\"session_id\":0,\"platform\":\"\",\"country\":\"\","
                       "\"challenge_id\":\"win3_doudizhu\"}");
  cr_assert_eq(gb_run_control_load(path, START_MS, END_MS, catalog, &c, &err), 0, "%s", err.msg);
  cr_expect_eq(gb_run_control_count(c), 1u);
  gb_run_control_free(c);
  gbt_rmtree(dir);
  free(path);
  free(dir);
}
