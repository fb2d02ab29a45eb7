/* scripts/fuzz and the fuzz targets' layout (docs/fuzzing.md): its usage errors exit 2 before
 * building anything; every target it lists has its source, its seed corpus and, in this build,
 * its seed runner (ctest fuzz_NAME_seeds runs it); and with clang a target builds as a libFuzzer
 * binary and runs over its seeds, and a finding fails the run naming its input. clang comes from
 * scripts/setup (GB_SETUP_FUZZ=1, set by scripts/test in CI); outside CI its absence skips that
 * test. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gb_test_support.h"

#define SRC GB_SOURCE_DIR

Test(fuzz_script, usage_errors_exit_2_and_help_exits_0) {
  gbt_proc p = gbt_shell("'%s/scripts/fuzz' --help", SRC);
  cr_assert_eq(p.status, 0);
  cr_assert_not_null(strstr(p.out, "usage: scripts/fuzz TARGET SECONDS"), "%s", p.out);
  gbt_proc_free(&p);
  p = gbt_shell("'%s/scripts/fuzz' json", SRC);
  cr_assert_eq(p.status, 2);
  cr_assert_not_null(strstr(p.err, "usage: scripts/fuzz"), "%s", p.err);
  gbt_proc_free(&p);
  p = gbt_shell("'%s/scripts/fuzz' nosuch 5", SRC);
  cr_assert_eq(p.status, 2);
  cr_assert_not_null(strstr(p.err, "fuzz: unknown target 'nosuch' (one of: event_json "), "%s",
                     p.err);
  gbt_proc_free(&p);
  p = gbt_shell("'%s/scripts/fuzz' json 1.5", SRC);
  cr_assert_eq(p.status, 2);
  cr_assert_not_null(strstr(p.err, "SECONDS must be a whole number of seconds, got '1.5'"), "%s",
                     p.err);
  gbt_proc_free(&p);
}

/* Number of regular files (not dot files) in dir; -1 when it cannot be listed. */
static int count_files(const char *dir) {
  DIR *d = opendir(dir);
  if (!d)
    return -1;
  int n = 0;
  for (struct dirent *e = readdir(d); e; e = readdir(d))
    if (e->d_name[0] != '.' && e->d_type == DT_REG)
      n++;
  closedir(d);
  return n;
}

Test(fuzz_script, every_listed_target_has_its_source_seeds_and_seed_runner) {
  gbt_proc p = gbt_shell("'%s/scripts/fuzz' --list", SRC);
  cr_assert_eq(p.status, 0);
  char exe[512];
  snprintf(exe, sizeof exe, "%s", GB_GAMEBENCH_EXE);
  const char *bin = dirname(exe);
  int targets = 0;
  char *save = NULL;
  for (char *t = strtok_r(p.out, "\n", &save); t; t = strtok_r(NULL, "\n", &save)) {
    char path[1024];
    snprintf(path, sizeof path, "%s/tests/fuzz/fuzz_%s.c", SRC, t);
    cr_assert(gbt_exists(path), "target %s: no %s", t, path);
    snprintf(path, sizeof path, "%s/tests/fuzz/%s", SRC, t);
    cr_assert_geq(count_files(path), 3, "target %s: fewer than 3 seeds in %s", t, path);
    snprintf(path, sizeof path, "%s/tests/fuzz/fuzz_%s", bin, t);
    cr_assert(gbt_exists(path), "target %s: not built as %s (tests/fuzz/CMakeLists.txt)", t, path);
    targets++;
  }
  cr_assert_eq(targets, 7, "%s", p.out);
  gbt_proc_free(&p);
}

Test(fuzz_script, a_target_builds_with_clang_and_runs_its_seeds, .timeout = 580) {
  gbt_proc p = gbt_shell("command -v clang && command -v clang++");
  int status = p.status;
  gbt_proc_free(&p);
  if (status != 0) {
    const char *ci = getenv("CI");
    if (ci && strcmp(ci, "true") == 0)
      cr_assert_fail("CI=true but clang is missing: scripts/setup installs it when "
                     "GB_SETUP_FUZZ=1 (scripts/test sets it in CI)");
    cr_skip_test("clang not found (GB_SETUP_FUZZ=1 scripts/setup installs it)");
  }
  /* build-fuzz/ as scripts/fuzz's default: CI's `scripts/fuzz all` then reuses what this built. */
  char *work = gbt_tmpdir();
  p = gbt_shell("GB_FUZZ_WORK='%s' '%s/scripts/fuzz' decision 0", work, SRC);
  cr_assert_eq(p.status, 0, "%s\n%s", p.out, p.err);
  const char *line = strstr(p.out, "fuzz: decision: ");
  cr_assert(line && strstr(line, " runs in 0 s, corpus ") && strstr(line, "nothing found"), "%s",
            p.out);
  gbt_proc_free(&p);
  /* A finding (here an out-of-memory: any target exceeds 1 MB of RSS within the second libFuzzer
   * checks it) fails the run and names the input that did it. */
  p = gbt_shell("GB_FUZZ_WORK='%s' '%s/scripts/fuzz' decision 5 -rss_limit_mb=1", work, SRC);
  cr_assert_eq(p.status, 1, "%s\n%s", p.out, p.err);
  char want[1024];
  snprintf(want, sizeof want, "fuzz: decision: crashing input: %s/decision/oom-", work);
  cr_assert_not_null(strstr(p.err, "fuzz: decision: FAILED (exit "), "%s", p.err);
  cr_assert_not_null(strstr(p.err, want), "%s", p.err);
  gbt_proc_free(&p);
  gbt_rmtree(work);
  free(work);
}
