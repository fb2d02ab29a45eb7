/* gb_grow (the one way arrays grow) and the fatal stops (GB_FATAL, GB_ASSERT). */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>

#include "gb_err.h"
#include "gb_grow.h"
#include "gb_test_support.h"

Test(grow, doubles_from_the_first_capacity_and_zeroes_the_new_elements) {
  int *a = NULL;
  size_t cap = 0;
  cr_assert_eq(GB_GROW(a, cap, 3, 4, "ints", NULL), 0);
  cr_assert_eq(cap, 4);
  for (size_t i = 0; i < cap; i++)
    cr_assert_eq(a[i], 0);
  for (size_t i = 0; i < cap; i++)
    a[i] = 7;
  cr_assert_eq(GB_GROW(a, cap, 4, 4, "ints", NULL), 0, "room enough: nothing happens");
  cr_assert_eq(cap, 4);
  cr_assert_eq(GB_GROW(a, cap, 9, 4, "ints", NULL), 0);
  cr_assert_eq(cap, 16, "4 doubled until 9 fit");
  for (size_t i = 0; i < 4; i++)
    cr_assert_eq(a[i], 7, "kept");
  for (size_t i = 4; i < cap; i++)
    cr_assert_eq(a[i], 0, "zeroed");
  free(a);
}

Test(grow, a_failure_names_what_and_leaves_the_array_as_it_was) {
  uint64_t *a = NULL;
  size_t cap = 0;
  cr_assert_eq(GB_GROW(a, cap, 10, 16, "ids", NULL), 0);
  a[3] = 42;
  uint64_t *before = a;
  gb_err err = {0};
  /* SIZE_MAX / 4 elements of 8 bytes: the size overflows before anything is allocated */
  cr_assert_eq(GB_GROW(a, cap, SIZE_MAX / 4, 16, "ids", &err), -1);
  cr_assert_eq(err.kind, GB_ERR_RUNTIME);
  cr_assert(strstr(err.msg, "out of memory for ") && strstr(err.msg, " ids ("), "%s", err.msg);
  cr_assert_eq(a, before);
  cr_assert_eq(cap, 16);
  cr_assert_eq(a[3], 42);
  free(a);
}

static void grow_beyond_memory(void *ctx) {
  (void)ctx;
  uint64_t *a = NULL;
  size_t cap = 0;
  GB_GROW_OR_DIE(a, cap, SIZE_MAX / 4, 16, "players");
}

/* The hot path's rule: a failed growth stops the program, saying where and what. */
Test(grow, or_die_stops_the_program_naming_the_place) {
  gbt_proc p = gbt_fork(grow_beyond_memory, NULL);
  cr_assert_eq(p.status, 128 + SIGABRT, "%s", p.err);
  cr_assert(strstr(p.err, "gamebench: fatal: tests/common/test_grow.c:"), "%s", p.err);
  cr_assert(strstr(p.err, ": out of memory for "), "%s", p.err);
  cr_assert(strstr(p.err, " players ("), "%s", p.err);
  gbt_proc_free(&p);
}

static void broken_invariant(void *ctx) {
  int *n = ctx;
  GB_ASSERT(*n < 3);
}

static void fatal_with_reason(void *ctx) {
  (void)ctx;
  GB_FATAL("shard %d: %s", 2, "cannot go on");
}

Test(fatal, assert_and_fatal_name_the_file_line_and_reason) {
  int ok = 1, bad = 5;
  gbt_proc p = gbt_fork(broken_invariant, &ok);
  cr_assert_eq(p.status, 0, "a condition that holds does nothing: %s", p.err);
  cr_assert_str_eq(p.err, "");
  gbt_proc_free(&p);
  p = gbt_fork(broken_invariant, &bad);
  cr_assert_eq(p.status, 128 + SIGABRT);
  cr_assert(strstr(p.err, "gamebench: fatal: tests/common/test_grow.c:"), "%s", p.err);
  cr_assert(strstr(p.err, ": assertion failed: *n < 3\n"), "%s", p.err);
  gbt_proc_free(&p);
  p = gbt_fork(fatal_with_reason, NULL);
  cr_assert_eq(p.status, 128 + SIGABRT);
  cr_assert(strstr(p.err, ": shard 2: cannot go on\n"), "%s", p.err);
  gbt_proc_free(&p);
}
