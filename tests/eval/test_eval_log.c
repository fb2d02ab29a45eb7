/* gb_eval_log: the steam-200k fixture read exactly (quoted commas, the stray fourth column,
 * repeated plays summed), malformed rows counted with their lines and reasons, generic logs with
 * and without weights, and the fatal cases (GB_ERR_INPUT naming the file and the line). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "gb_eval_log.h"

#define FIXTURE GB_TEST_FIXTURES "/eval/steam_small.csv"

static gb_eval_log *parse(const char *text, gb_eval_format fmt) {
  gb_eval_log *log = NULL;
  gb_err err = {0};
  cr_assert_eq(gb_eval_log_parse("log.csv", text, strlen(text), fmt, &log, &err), 0, "%s", err.msg);
  return log;
}

static void expect_fatal(const char *text, gb_eval_format fmt, const char *msg) {
  gb_eval_log *log = NULL;
  gb_err err = {0};
  cr_assert_eq(gb_eval_log_parse("log.csv", text, strlen(text), fmt, &log, &err), -1, "%s", text);
  cr_assert_eq(err.kind, GB_ERR_INPUT);
  cr_assert_str_eq(err.msg, msg);
  cr_assert_null(log);
}

static double weight(const gb_eval_log *log, uint32_t u, uint32_t i) {
  const uint32_t *items;
  const double *w;
  size_t n = gb_interactions_row(gb_eval_log_matrix(log), u, &items, &w);
  for (size_t t = 0; t < n; t++)
    if (items[t] == i)
      return w[t];
  return -1;
}

Test(eval_log, the_steam_fixture) {
  gb_eval_log *log = NULL;
  gb_err err = {0};
  cr_assert_eq(gb_eval_log_read(FIXTURE, GB_EVAL_STEAM200K, &log, &err), 0, "%s", err.msg);
  cr_assert_eq(gb_eval_log_rows(log), 47, "52 data lines, 5 malformed");
  cr_assert_eq(gb_eval_log_malformed(log), 5);
  const struct {
    size_t line;
    const char *reason;
  } bad[] = {
      {5, "value 'abc' is not a number >= 0"},
      {9, "empty item"},
      {12, "expected 3 or 4 fields, found 2"},
      {15, "malformed quoting (a quote inside an unquoted field, or text after a closing quote)"},
      {18, "value '-2' is not a number >= 0"},
  };
  for (size_t i = 0; i < 5; i++) {
    cr_assert_eq(gb_eval_log_bad(log, i)->line, bad[i].line, "bad row %zu", i);
    cr_assert_str_eq(gb_eval_log_bad(log, i)->reason, bad[i].reason);
  }
  const gb_interactions *m = gb_eval_log_matrix(log);
  cr_assert_eq(gb_interactions_rows(m), 8);
  cr_assert_eq(gb_interactions_cols(m), 10);
  cr_assert_eq(gb_interactions_nnz(m), 40, "7 repeated plays merged");
  /* numbered in order of first appearance (malformed rows do not count) */
  cr_assert_str_eq(gb_eval_log_user(log, 0), "100");
  cr_assert_str_eq(gb_eval_log_user(log, 7), "107");
  cr_assert_str_eq(gb_eval_log_item(log, 0), "Dota 2");
  cr_assert_str_eq(gb_eval_log_item(log, 3), "Terraria");
  cr_assert_str_eq(gb_eval_log_item(log, 6), "Warhammer 40,000 Dawn of War II");
  cr_assert_str_eq(gb_eval_log_item(log, 9), "Papers, Please");
  cr_assert_float_eq(weight(log, 0, 3), 11.8, 1e-12, "the row with a fourth column");
  cr_assert_float_eq(weight(log, 1, 5), 9.4 + 0.4, 1e-12, "Counter-Strike twice");
  cr_assert_float_eq(weight(log, 2, 4), 21.1 + 23.8, 1e-12);
  cr_assert_float_eq(weight(log, 7, 9), 5.1 + 1.4, 1e-12);
  gb_eval_log_free(log);
  gb_eval_log_free(NULL);
}

Test(eval_log, generic_with_and_without_weights) {
  gb_eval_log *log = parse("user,item,weight\n"
                           "alice,x,2\r\n"
                           "\n"
                           "alice,\"y, z\",0.5\n"
                           "bob,x,\n"
                           "bob,y,3\n"
                           "carol\n",
                           GB_EVAL_GENERIC);
  cr_assert_eq(gb_eval_log_rows(log), 3);
  cr_assert_eq(gb_eval_log_malformed(log), 2);
  cr_assert_eq(gb_eval_log_bad(log, 0)->line, 5);
  cr_assert_str_eq(gb_eval_log_bad(log, 0)->reason, "weight '' is not a number >= 0");
  cr_assert_eq(gb_eval_log_bad(log, 1)->line, 7);
  cr_assert_str_eq(gb_eval_log_bad(log, 1)->reason, "expected 3 fields, found 1");
  cr_assert_str_eq(gb_eval_log_item(log, 1), "y, z");
  cr_assert_eq(weight(log, 0, 1), 0.5);
  cr_assert_eq(weight(log, 1, 2), 3, "bob: his first row is malformed, y is item 2");
  gb_eval_log_free(log);
  log = parse("\xEF\xBB\xBFUser,Item\na,x\nb,x\nb,y\n", GB_EVAL_GENERIC);
  cr_assert_eq(gb_eval_log_rows(log), 3);
  cr_assert_eq(weight(log, 1, 1), 1, "no weight column: 1");
  gb_eval_log_free(log);
}

Test(eval_log, the_header_must_be_the_formats) {
  expect_fatal("", GB_EVAL_STEAM200K, "log.csv: empty file (no header line)");
  expect_fatal("user,item\na,b\n", GB_EVAL_STEAM200K,
               "log.csv:1: not a steam-200k header: expected 'user-id,game-title,value,'");
  expect_fatal("user-id,game-title,value,\n", GB_EVAL_GENERIC,
               "log.csv:1: not a generic header: expected 'user,item[,weight]'");
  expect_fatal("user,item,hours\n", GB_EVAL_GENERIC,
               "log.csv:1: not a generic header: expected 'user,item[,weight]'");
  expect_fatal("user-id,game-title,value\n", GB_EVAL_STEAM200K,
               "log.csv: no rows after the header");
}

Test(eval_log, no_usable_row_is_fatal_and_names_the_first) {
  expect_fatal("user-id,game-title,value,\n1,a,x,\n\n2,b\n", GB_EVAL_STEAM200K,
               "log.csv: no usable row (2 malformed; first at line 2: value 'x' is not a number "
               ">= 0)");
  gb_eval_log *log = NULL;
  gb_err err = {0};
  cr_assert_eq(gb_eval_log_read(GB_TEST_FIXTURES "/eval/no_such.csv", GB_EVAL_GENERIC, &log, &err),
               -1);
  cr_assert_eq(err.kind, GB_ERR_INPUT);
  cr_assert_not_null(strstr(err.msg, "no_such.csv: cannot open"), "%s", err.msg);
}

Test(eval_log, quoting_errors_skip_one_row) {
  /* a stray quote ends its row only; a quote left open runs to the end of the file */
  gb_eval_log *log = parse("user,item\n"
                           "a,x\"y\n"
                           "a,y\n"
                           "b,\"open\n"
                           "b,x\n",
                           GB_EVAL_GENERIC);
  cr_assert_eq(gb_eval_log_rows(log), 1);
  cr_assert_eq(gb_eval_log_malformed(log), 2);
  cr_assert_eq(gb_eval_log_bad(log, 0)->line, 2);
  cr_assert_eq(gb_eval_log_bad(log, 1)->line, 4);
  cr_assert_str_eq(gb_eval_log_bad(log, 1)->reason,
                   "quoted field not closed before the end of the file");
  gb_eval_log_free(log);
}

Test(eval_log, every_malformed_row_counts_the_first_ten_are_kept) {
  char text[4096];
  size_t n = (size_t)snprintf(text, sizeof text, "user,item,weight\nok,x,1\n");
  for (int i = 0; i < 25; i++)
    n += (size_t)snprintf(text + n, sizeof text - n, "u%d,x,-%d\n", i, i + 1);
  gb_eval_log *log = parse(text, GB_EVAL_GENERIC);
  cr_assert_eq(gb_eval_log_malformed(log), 25);
  cr_assert_eq(GB_EVAL_LOG_REPORTED, 10);
  cr_assert_eq(gb_eval_log_bad(log, 9)->line, 12);
  cr_assert_str_eq(gb_eval_log_bad(log, 9)->reason, "weight '-10' is not a number >= 0");
  gb_eval_log_free(log);
}

Test(eval_log, format_names) {
  gb_eval_format f = GB_EVAL_GENERIC;
  cr_assert_eq(gb_eval_format_parse("steam-200k", &f), 0);
  cr_assert_eq(f, GB_EVAL_STEAM200K);
  cr_assert_eq(gb_eval_format_parse("generic", &f), 0);
  cr_assert_eq(f, GB_EVAL_GENERIC);
  cr_assert_eq(gb_eval_format_parse("csv", &f), -1);
  cr_assert_str_eq(gb_eval_format_name(GB_EVAL_STEAM200K), "steam-200k");
}
