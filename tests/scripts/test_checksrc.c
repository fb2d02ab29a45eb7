/* scripts/checksrc: each rule fires on a violation planted in a temporary tree (exit 1, the
 * exact path:line:col: rule), and the tricky non-violations pass (exit 0). The script is
 * pointed at the temporary tree with --root, never at the repository. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gb_test_support.h"

#define CHECKSRC GB_SOURCE_DIR "/scripts/checksrc"

static char *tmp;

static void setup(void) { tmp = gbt_tmpdir(); }
static void teardown(void) {
  gbt_rmtree(tmp);
  free(tmp);
}

TestSuite(checksrc, .init = setup, .fini = teardown);

/* Writes text to tmp/rel, creating its folders. */
static void plant(const char *rel, const char *text) {
  char *path = gbt_path(tmp, rel);
  gbt_proc p = gbt_shell("mkdir -p \"$(dirname '%s')\"", path);
  cr_assert_eq(p.status, 0, "mkdir for %s: %s", path, p.err);
  gbt_proc_free(&p);
  gbt_write_file(path, text);
  free(path);
}

/* A file of n lines, each a short declaration. */
static char *lines_of(int n) {
  size_t cap = (size_t)n * 32 + 1, len = 0;
  char *text = malloc(cap);
  text[0] = '\0';
  for (int i = 0; i < n; i++)
    len += (size_t)snprintf(text + len, cap - len, "int gb_line_%d;\n", i);
  return text;
}

/* Runs scripts/checksrc --root tmp ARGS. */
static gbt_proc checksrc(const char *args) {
  return gbt_shell("'%s' --root '%s' %s", CHECKSRC, tmp, args);
}

/* Runs scripts/checksrc --root tmp --build tmp/build. */
static gbt_proc checksrc_build(void) {
  char args[4096];
  snprintf(args, sizeof args, "--build '%s/build'", tmp);
  return checksrc(args);
}

static void assert_status(const gbt_proc *p, int status) {
  cr_assert_eq(p->status, status, "exit %d, not %d\nstdout: %s\nstderr: %s", p->status, status,
               p->out, p->err);
}

static void expect(const gbt_proc *p, const char *line) {
  cr_expect(strstr(p->out, line), "expected '%s' in:\n%s", line, p->out);
}

static void expect_not(const gbt_proc *p, const char *text) {
  cr_expect(!strstr(p->out, text), "did not expect '%s' in:\n%s", text, p->out);
}

/* How many times text occurs in out. */
static int count_of(const char *out, const char *text) {
  int n = 0;
  for (const char *at = strstr(out, text); at; at = strstr(at + 1, text))
    n++;
  return n;
}

Test(checksrc, clean_tree_with_tricky_non_violations_passes) {
  plant("common/gb_clean.c",
        "/* if (x = 5) and strcpy(a, b) in a comment */\n"
        "#include <stdio.h>\n"
        "#include <string.h>\n"
        "#if GB_X == 1\n"
        "#error if (x = 1) in a directive is the preprocessor's, and so is don't\n"
        "#endif\n"
        "#define GB_EACH(it) \\\n"
        "  for (GB_RANGE(it))\n"
        "struct gb_opt { int a, b; };\n"
        "struct gb_io { int (*gets)(void); int (*atoi)(void); };\n"
        "static int use(struct gb_opt o) { return o.a; }\n"
        "static int xstrcpy(char *d, const char *s) { return d[0] == s[0]; }\n"
        "static int my_strcpy(char *d) { return d[0]; }\n"
        "int gb_clean(int x, char *d, const char *s, struct gb_io io, struct gb_io *pio) {\n"
        "  int n = 0;\n"
        "  if (x == 1 || x <= 2 || x >= 3 || x != 4 || (x << 1) >= 8 || (x >> 1) <= 0)\n"
        "    n++; // while (y = 1) in a line comment\n"
        "  if (strcmp(s, \"a = b\") == 0 && s[0] != '=' && s[1] == '\\'')\n"
        "    n++;\n"
        "  for (int i = 0, j = 1; i < x; i += 1, j = i)\n"
        "    n += j;\n"
        "  if (use((struct gb_opt){.a = 1, .b = x}) > 0)\n"
        "    n++;\n"
        "  if (xstrcpy(d, s) || my_strcpy(d) || io.gets() || pio->atoi())\n"
        "    n++;\n"
        "  while (n-- > 0 && x != 0)\n"
        "    x /= 2;\n"
        "  do {\n"
        "    n++;\n"
        "  } while (n < 10 &&\n"
        "           x >= 0);\n"
        "  switch (x == 3) {\n"
        "  default:\n"
        "    n = 0;\n"
        "  }\n"
        "  puts(\"atoi(s), sprintf(b, f) and if (x = 1) in a string\");\n"
        "  return n;\n"
        "}\n");
  char *text = lines_of(800);
  plant("engine/gb_exactly_800.c", text); /* at the limit, not over it */
  free(text);
  text = lines_of(900);
  plant("tests/engine/test_long.c", text); /* tests may be longer */
  free(text);

  gbt_proc p = checksrc("--no-symbols");
  assert_status(&p, 0);
  expect(&p, "checksrc: clean; checked 3 files");
  gbt_proc_free(&p);
}

Test(checksrc, assignment_in_condition_fires) {
  plant("engine/gb_bad.c", "int gb_bad(int x, FILE *f, char *p) {\n"
                           "  if (!(x = gb_f()))\n"
                           "    return 1;\n"
                           "  while ((x = getc(f)) != EOF)\n"
                           "    x++;\n"
                           "  if (x > 0 &&\n"
                           "      (p = gb_next(p)) != NULL)\n"
                           "    x++;\n"
                           "  for (x = 0; (p = gb_next(p)); x++)\n"
                           "    x++;\n"
                           "  do {\n"
                           "    x++;\n"
                           "  } while ((x += 2) < 10);\n"
                           "  if (x |= 1)\n"
                           "    x++;\n"
                           "  switch (x <<= 1) {}\n"
                           "  if (x == 1 /* x = 2 */ && x)\n"
                           "    x++;\n"
                           "  return x;\n"
                           "}\n");
  gbt_proc p = checksrc("--no-symbols");
  assert_status(&p, 1);
  expect(&p,
         "engine/gb_bad.c:2:11: assign-in-condition: assignment 'x =' in the condition of 'if'");
  expect(&p, "engine/gb_bad.c:4:13: assign-in-condition: assignment 'x =' in the condition of "
             "'while'");
  expect(&p, "engine/gb_bad.c:7:10: assign-in-condition: assignment 'p ='"); /* 2nd line */
  expect(&p, "engine/gb_bad.c:9:18: assign-in-condition: assignment 'p =' in the condition of "
             "'for'"); /* not the init clause's x = 0 */
  expect(&p, "engine/gb_bad.c:13:15: assign-in-condition: assignment 'x +='"); /* do ... while */
  expect(&p, "engine/gb_bad.c:14:9: assign-in-condition: assignment 'x |='");
  expect(&p, "engine/gb_bad.c:16:13: assign-in-condition: assignment 'x <<=' in the condition "
             "of 'switch'");
  cr_expect_eq(count_of(p.out, ": assign-in-condition:"), 7, "%s", p.out);
  expect(&p, "checksrc: 7 violations (assign-in-condition 7); checked 1 file\n");
  gbt_proc_free(&p);

  /* The rule applies to tests too. */
  plant("tests/engine/test_bad.c", "void t(int *x) {\n  while ((*x = gb_f()))\n    ;\n}\n");
  p = checksrc("--no-symbols");
  assert_status(&p, 1);
  expect(&p, "tests/engine/test_bad.c:2:14: assign-in-condition: assignment '*x ='");
  gbt_proc_free(&p);
}

Test(checksrc, banned_function_fires) {
  plant("common/gb_bad.c", "void gb_bad(char *d, const char *s, char *buf) {\n"
                           "  strcpy(d, s);\n"
                           "  int n = atoi(s) + (int)atol(s);\n"
                           "  sprintf (buf, \"%d\", n);\n"
                           "  gb_use(strncpy(d, s, 4), gets(buf));\n"
                           "  char *t = strtok(d, \",\");\n"
                           "  gb_use(t, xstrcpy(d, s), d->sprintf, my_atoi(s));\n"
                           "}\n");
  plant("tests/common/test_bad.c", "void t(char *d) { strcat(d, \"x\"); }\n");
  gbt_proc p = checksrc("--no-symbols");
  assert_status(&p, 1);
  expect(&p, "common/gb_bad.c:2:3: banned-function: strcpy() is banned (no bound on the "
             "destination): use snprintf");
  expect(&p, "common/gb_bad.c:3:11: banned-function: atoi() is banned");
  expect(&p, "common/gb_bad.c:3:26: banned-function: atol() is banned");
  expect(&p, "common/gb_bad.c:4:3: banned-function: sprintf() is banned");
  expect(&p, "common/gb_bad.c:5:10: banned-function: strncpy() is banned");
  expect(&p, "common/gb_bad.c:5:28: banned-function: gets() is banned");
  expect(&p, "common/gb_bad.c:6:13: banned-function: strtok() is banned");
  expect(&p, "tests/common/test_bad.c:1:19: banned-function: strcat() is banned");
  expect_not(&p, "common/gb_bad.c:7:");
  cr_expect_eq(count_of(p.out, ": banned-function:"), 8, "%s", p.out);
  gbt_proc_free(&p);

  /* --list-banned documents each one. */
  p = gbt_shell("'%s' --list-banned", CHECKSRC);
  assert_status(&p, 0);
  expect(&p, "strcpy: no bound on the destination. Instead: use snprintf");
  gbt_proc_free(&p);
}

Test(checksrc, file_too_long_fires_for_non_test_sources_only) {
  char *text = lines_of(801);
  plant("sim/gb_long.h", text);
  plant("tests/sim/test_long.c", text);
  free(text);
  gbt_proc p = checksrc("--no-symbols");
  assert_status(&p, 1);
  expect(&p, "sim/gb_long.h:801:1: file-too-long: 801 lines, over the limit of 800");
  expect_not(&p, "test_long.c");
  gbt_proc_free(&p);
}

/* Compiles src (C, or C++ when cxx) to build/DIR/NAME.o and archives it as build/DIR/LIB. */
static void library(const char *dir, const char *lib, const char *name, const char *src, bool cxx) {
  char rel[256];
  snprintf(rel, sizeof rel, "src/%s.%s", name, cxx ? "cpp" : "c");
  plant(rel, src);
  gbt_proc p = gbt_shell("cd '%s' && mkdir -p 'build/%s' && %s -O0 -c 'src/%s.%s' -o "
                         "'build/%s/%s.o' && ar rcs 'build/%s/%s' 'build/%s/%s.o'",
                         tmp, dir, cxx ? "c++" : "cc", name, cxx ? "cpp" : "c", dir, name, dir, lib,
                         dir, name);
  cr_assert_eq(p.status, 0, "compile %s: %s", name, p.err);
  gbt_proc_free(&p);
}

Test(checksrc, exported_symbol_fires) {
  library("common", "libgb_x.a", "x",
          "int gb_ok(void) { return 1; }\n"
          "int helper(void) { return 2; }\n"
          "static int hidden(void) { return 3; }\n"
          "int gb_data = 1;\n"
          "int bad_data = 2;\n"
          "int gb_use(void) { return hidden(); }\n",
          false);
  library("tests", "libgb_test_x.a", "t", "int gbt_helper(void) { return 1; }\n", false);
  library("common", "libgb_shim.a", "shim",
          "template <typename T> T twice(T x) { return x + x; }\n"
          "extern \"C\" int gb_may_throw(int x);\n"
          "extern \"C\" int gb_shim(int x) {\n"
          "  try { return twice(gb_may_throw(x)); } catch (...) { return 0; }\n"
          "}\n"
          "extern \"C\" int shim_helper(int x) { return x; }\n"
          "int cxx_helper(int x) { return x; }\n",
          true);
  library("common", "other.a", "other", "int not_ours(void) { return 1; }\n", false);

  gbt_proc p = checksrc_build();
  assert_status(&p, 1);
  expect(&p, "build/common/libgb_x.a(x.o): exported-symbol: 'helper' (nm type T) does not "
             "start with gb_");
  expect(&p, "build/common/libgb_x.a(x.o): exported-symbol: 'bad_data' (nm type D)");
  expect(&p, "build/common/libgb_shim.a(shim.o): exported-symbol: 'shim_helper' (nm type T)");
  expect(&p, "build/common/libgb_shim.a(shim.o): exported-symbol: '_Z10cxx_helperi' (nm type T)");
  cr_expect_eq(count_of(p.out, ": exported-symbol:"), 4, "%s", p.out);
  expect_not(&p, "'gb_ok'");
  expect_not(&p, "hidden");
  expect_not(&p, "gbt_helper");       /* the test helpers' prefix, in a library built from tests/ */
  expect_not(&p, "_Z5twiceIiET_S0_"); /* a weak template instantiation */
  expect_not(&p, "DW.ref.");          /* C++ exception handling's */
  expect_not(&p, "not_ours");         /* not a libgb_*.a */
  expect(&p, "checksrc: 4 violations (exported-symbol 4); checked 0 files and 3 libraries");
  gbt_proc_free(&p);

  /* GB_BUILD_DIR is the default build directory. */
  p = gbt_shell("GB_BUILD_DIR='%s/build' '%s' --root '%s'", tmp, CHECKSRC, tmp);
  assert_status(&p, 1);
  expect(&p, "'helper'");
  gbt_proc_free(&p);
}

Test(checksrc, clean_libraries_pass) {
  library("stats", "libgb_stats.a", "s", "int gb_stats_x(void) { return 1; }\n", false);
  gbt_proc p = checksrc_build();
  assert_status(&p, 0);
  expect(&p, "checksrc: clean; checked 0 files and 1 library");
  gbt_proc_free(&p);
}

Test(checksrc, no_build_directory_is_an_error_unless_no_symbols) {
  plant("common/gb_ok.c", "int gb_ok;\n");
  gbt_proc p = gbt_shell("env -u GB_BUILD_DIR '%s' --root '%s'", CHECKSRC, tmp);
  assert_status(&p, 2);
  cr_expect(strstr(p.err, "no build directory"), "%s", p.err);
  cr_expect(strstr(p.err, "--no-symbols"), "%s", p.err);
  gbt_proc_free(&p);

  p = checksrc("--no-symbols");
  assert_status(&p, 0);
  gbt_proc_free(&p);
}

Test(checksrc, bad_usage_exits_2) {
  gbt_proc p = checksrc("--no-such-option");
  assert_status(&p, 2);
  gbt_proc_free(&p);
  p = checksrc("--no-symbols no/such/path.c");
  assert_status(&p, 2);
  gbt_proc_free(&p);
}

Test(checksrc, paths_limit_the_check) {
  plant("common/gb_bad.c", "void gb_bad(char *d) { strcpy(d, \"x\"); }\n");
  plant("common/gb_ok.c", "int gb_ok;\n");
  char *ok = gbt_path(tmp, "common/gb_ok.c");
  char args[4096];
  snprintf(args, sizeof args, "--no-symbols '%s'", ok);
  gbt_proc p = checksrc(args);
  assert_status(&p, 0);
  expect(&p, "checksrc: clean; checked 1 file");
  gbt_proc_free(&p);
  free(ok);
}
