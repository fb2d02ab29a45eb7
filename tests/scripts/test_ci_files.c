/* The CI files users copy (docs/ci.md): the GitHub Actions workflow passes actionlint (and a
 * broken copy does not: the check can fail), the GitLab example is well-formed YAML whose job
 * calls scripts/gate, everything the workflow runs exists, and scripts/gate's usage errors exit
 * 2. actionlint comes from scripts/setup (GB_SETUP_ACTIONLINT=1, set by scripts/test in CI);
 * outside CI its absence skips those tests. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <yaml.h>

#include "gb_test_support.h"

#define SRC GB_SOURCE_DIR
#define WORKFLOW SRC "/.github/workflows/gate.yml"
#define GITLAB SRC "/docs/examples/gitlab-ci.yml"

/* The actionlint command: on PATH, or built into .tools/ by scripts/setup. NULL (test skipped)
 * when neither, except in CI where it must be there. */
static const char *actionlint(void) {
  gbt_proc p = gbt_shell("command -v actionlint");
  int status = p.status;
  gbt_proc_free(&p);
  if (status == 0)
    return "actionlint";
  struct stat st;
  if (stat(SRC "/.tools/actionlint", &st) == 0)
    return SRC "/.tools/actionlint";
  const char *ci = getenv("CI");
  if (ci && strcmp(ci, "true") == 0)
    cr_assert_fail("CI=true but actionlint is missing: scripts/setup builds it into .tools/ when "
                   "GB_SETUP_ACTIONLINT=1 (scripts/test sets it in CI)");
  cr_skip_test("actionlint not found (GB_SETUP_ACTIONLINT=1 scripts/setup builds it)");
  return NULL;
}

Test(ci_files, the_workflow_passes_actionlint) {
  const char *lint = actionlint();
  gbt_proc p = gbt_shell("%s -no-color '%s'", lint, WORKFLOW);
  cr_assert_eq(p.status, 0, "actionlint rejects %s:\n%s%s", WORKFLOW, p.out, p.err);
  gbt_proc_free(&p);
}

Test(ci_files, actionlint_rejects_a_broken_workflow) {
  const char *lint = actionlint();
  size_t len;
  char *text = gbt_read_file(WORKFLOW, &len);
  cr_assert_not_null(text);
  /* A job without runs-on, and an expression on a context that does not exist. */
  char *runs_on = strstr(text, "runs-on:");
  cr_assert_not_null(runs_on);
  memcpy(runs_on, "runz-on:", 8);
  char *dir = gbt_tmpdir();
  char *path = gbt_path(dir, "broken.yml");
  gbt_write_file(path, text);
  gbt_proc p = gbt_shell("%s -no-color '%s'", lint, path);
  cr_assert_neq(p.status, 0, "actionlint accepted a job without runs-on");
  cr_assert(strstr(p.out, "runs-on") || strstr(p.err, "runs-on"), "%s%s", p.out, p.err);
  gbt_proc_free(&p);
  gbt_rmtree(dir);
  free(dir);
  free(path);
  free(text);
}

/* Parses path with libyaml to the end; returns NULL when well-formed, else the problem (static). */
static const char *yaml_problem(const char *path, int *line) {
  FILE *f = fopen(path, "rb");
  cr_assert_not_null(f, "%s", path);
  yaml_parser_t parser;
  yaml_parser_initialize(&parser);
  yaml_parser_set_input_file(&parser, f);
  const char *problem = NULL;
  for (bool done = false; !done;) {
    yaml_event_t ev;
    if (!yaml_parser_parse(&parser, &ev)) {
      problem = parser.problem ? parser.problem : "parse error";
      *line = (int)parser.problem_mark.line + 1;
      break;
    }
    done = ev.type == YAML_STREAM_END_EVENT;
    yaml_event_delete(&ev);
  }
  yaml_parser_delete(&parser);
  fclose(f);
  return problem;
}

Test(ci_files, the_gitlab_example_is_yaml_and_runs_the_gate) {
  int line = 0;
  const char *problem = yaml_problem(GITLAB, &line);
  cr_assert_null(problem, "%s:%d: %s", GITLAB, line, problem);
  size_t len;
  char *text = gbt_read_file(GITLAB, &len);
  cr_assert(strstr(text, "\ngamebench-gate:\n") && strstr(text, "scripts/gate ") &&
            strstr(text, "junit:"));
  free(text);
  /* The parser check can fail: a tab in the indentation is not YAML. */
  char *dir = gbt_tmpdir();
  char *path = gbt_path(dir, "bad.yml");
  gbt_write_file(path, "job:\n\tscript: [a]\n");
  cr_assert_not_null(yaml_problem(path, &line));
  gbt_rmtree(dir);
  free(dir);
  free(path);
}

Test(ci_files, what_the_workflow_runs_exists) {
  size_t len;
  char *text = gbt_read_file(WORKFLOW, &len);
  cr_assert_not_null(text);
  static const char *const scripts[] = {"scripts/setup", "scripts/build", "scripts/gate"};
  for (size_t i = 0; i < sizeof scripts / sizeof scripts[0]; i++) {
    char path[512];
    snprintf(path, sizeof path, "%s/%s", SRC, scripts[i]);
    struct stat st;
    cr_assert(stat(path, &st) == 0 && (st.st_mode & S_IXUSR), "%s: not an executable", path);
    cr_assert_not_null(strstr(text, scripts[i]), "the workflow no longer runs %s", scripts[i]);
  }
  /* Every workload it names. */
  for (const char *at = strstr(text, "head/workloads/"); at;
       at = strstr(at + 1, "head/workloads/")) {
    const char *name_at = at + strlen("head/");
    size_t name_len = strspn(name_at, "abcdefghijklmnopqrstuvwxyz_/.");
    char name[128];
    cr_assert_lt(name_len, sizeof name);
    memcpy(name, name_at, name_len);
    name[name_len] = '\0';
    char path[512];
    snprintf(path, sizeof path, "%s/%s", SRC, name);
    cr_assert(gbt_exists(path), "the workflow names %s, which does not exist", name);
  }
  free(text);
}

Test(ci_files, scripts_gate_says_what_is_wrong_and_exits_2) {
  gbt_proc p = gbt_shell("'%s/scripts/gate' --help", SRC);
  cr_assert_eq(p.status, 0);
  cr_assert_not_null(strstr(p.out, "usage: scripts/gate BASE_GAMEBENCH HEAD_GAMEBENCH OUT_DIR"));
  gbt_proc_free(&p);
  char *dir = gbt_tmpdir();
  p = gbt_shell("'%s/scripts/gate' '%s' '%s' '%s/out' --repeats x", SRC, GB_GAMEBENCH_EXE,
                GB_GAMEBENCH_EXE, dir);
  cr_assert_eq(p.status, 2);
  cr_assert_not_null(strstr(p.err, "--repeats: 'x' is not a positive integer"), "%s", p.err);
  gbt_proc_free(&p);
  p = gbt_shell("'%s/scripts/gate' /nonexistent/gamebench '%s' '%s/out'", SRC, GB_GAMEBENCH_EXE,
                dir);
  cr_assert_eq(p.status, 2);
  cr_assert_not_null(strstr(p.err, "/nonexistent/gamebench: not an executable"), "%s", p.err);
  gbt_proc_free(&p);
  p = gbt_shell("'%s/scripts/gate' '%s' '%s' '%s/out' --frobnicate", SRC, GB_GAMEBENCH_EXE,
                GB_GAMEBENCH_EXE, dir);
  cr_assert_eq(p.status, 2);
  cr_assert_not_null(strstr(p.err, "unknown option '--frobnicate'"), "%s", p.err);
  gbt_proc_free(&p);
  char *out = gbt_path(dir, "out");
  cr_assert(!gbt_exists(out), "a refused gate left %s behind", out);
  free(out);
  gbt_rmtree(dir);
  free(dir);
}
