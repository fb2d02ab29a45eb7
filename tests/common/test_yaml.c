/* gb_yaml_check_depth: nesting beyond the limit is named with its line, at once; nesting within
 * it, a syntax error (left to the caller's parse) and block nesting pass or fail the same way. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "gb_test_limits.h"
#include "gb_yaml.h"

Test(yaml, depth_within_the_limit_passes) {
  char *s = gbt_nested("", GB_YAML_DEPTH_MAX);
  gb_err err = {0};
  cr_expect_eq(gb_yaml_check_depth("t.yaml", s, strlen(s), GB_YAML_DEPTH_MAX, &err), 0, "%s",
               err.msg);
  free(s);
  const char block[] = "a:\n  b:\n    - c: 1\n      d: [1, {e: 2}]\n";
  cr_expect_eq(gb_yaml_check_depth("t.yaml", block, strlen(block), 6, &err), 0, "%s", err.msg);
  cr_expect_eq(gb_yaml_check_depth("t.yaml", "", 0, 1, &err), 0);
}

/* 100,000 levels in 200 KB took libyaml over 30 s to load; the check stops at the limit. */
Test(yaml, depth_beyond_the_limit_fails_naming_the_file_and_line) {
  char *s = gbt_nested("", 100000);
  gb_err err = {0};
  cr_expect_eq(gb_yaml_check_depth("deep.yaml", s, strlen(s), GB_YAML_DEPTH_MAX, &err), -1);
  cr_expect_eq(err.kind, GB_ERR_INPUT);
  cr_expect_str_eq(err.msg, "deep.yaml:1: nested more than 64 levels deep (lists and mappings)");
  free(s);
  const char block[] = "a:\n  b:\n    - c: 1\n      d: [1, {e: 2}]\n";
  cr_expect_eq(gb_yaml_check_depth("b.yaml", block, strlen(block), 5, &err), -1);
  cr_expect_str_eq(err.msg, "b.yaml:4: nested more than 5 levels deep (lists and mappings)");
  /* "- - - x": block lists nest on one line too */
  cr_expect_eq(gb_yaml_check_depth("c.yaml", "- - - x\n", 8, 2, &err), -1);
  cr_expect_str_eq(err.msg, "c.yaml:1: nested more than 2 levels deep (lists and mappings)");
}

Test(yaml, a_syntax_error_is_left_to_the_callers_parse) {
  gb_err err = {0};
  cr_expect_eq(gb_yaml_check_depth("s.yaml", "a: [1, 2\n", 9, 64, &err), 0);
  cr_expect_eq(err.kind, GB_ERR_NONE);
}
