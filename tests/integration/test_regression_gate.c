/* The regression gate on real runs (docs/ci.md): the gate workload reproduces the stored
 * baseline exactly (bench/baselines/gate with deterministic.yaml: any change of the quality
 * results fails until the baseline is refreshed on purpose); a run against a repeat of itself
 * passes; an injected quality drop (the egreedy arm exploring 90 % of the time) fails naming that
 * arm's use rate; a bad gate file exits 2 naming the key. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "gb_test_support.h"

#define SRC GB_SOURCE_DIR
#define GATE_FILE SRC "/bench/baselines/deterministic.yaml"

static char *dir;

static void setup(void) { dir = gbt_tmpdir(); }

static void teardown(void) {
  gbt_rmtree(dir);
  free(dir);
}

TestSuite(regression_gate, .init = setup, .fini = teardown, .timeout = 300);

/* Runs workload into dir/name; the path (heap). */
static char *run(const char *workload, const char *name) {
  char *out = gbt_path(dir, name);
  gbt_proc p = gbt_gamebench("run '%s' --quiet --no-report --out '%s'", workload, out);
  cr_assert_eq(p.status, 0, "%s: %s", workload, p.err);
  gbt_proc_free(&p);
  return out;
}

Test(regression_gate, the_gate_workload_reproduces_the_stored_baseline_and_itself) {
  char *a = run(SRC "/workloads/gate.yaml", "a");
  gbt_proc p =
      gbt_gamebench("compare '%s/bench/baselines/gate' '%s' --gate '%s'", SRC, a, GATE_FILE);
  cr_assert_eq(p.status, 0,
               "the gate workload no longer gives bench/baselines/gate's numbers (if the change "
               "is intended, scripts/refresh-baselines and say why in the commit):\n%s%s",
               p.out, p.err);
  cr_assert_not_null(strstr(p.out, "use_rate[popularity]"));
  cr_assert_not_null(strstr(p.out, "compare: PASS"));
  gbt_proc_free(&p);
  /* Against a repeat of itself with the registry's default gate: deterministic metrics equal,
   * timing judged (one repeat a side: shown, not judged). */
  char *b = run(SRC "/workloads/gate.yaml", "b");
  p = gbt_gamebench("compare '%s' '%s'", a, b);
  cr_assert_eq(p.status, 0, "%s%s", p.out, p.err);
  gbt_proc_free(&p);
  free(a);
  free(b);
}

Test(regression_gate, an_injected_quality_drop_fails_naming_the_arm) {
  char *worse = run(GB_TEST_FIXTURES "/gate/worse_quality.yaml", "worse");
  gbt_proc p =
      gbt_gamebench("compare '%s/bench/baselines/gate' '%s' --gate '%s'", SRC, worse, GATE_FILE);
  cr_assert_eq(p.status, 1, "%s%s", p.out, p.err);
  cr_assert_not_null(strstr(p.out, "regression: use_rate[egreedy]"), "%s", p.out);
  /* Only that arm: the others' players and draws are untouched. */
  cr_assert_null(strstr(p.out, "regression: use_rate[popularity]"), "%s", p.out);
  cr_assert_null(strstr(p.out, "regression: use_rate[random]"), "%s", p.out);
  cr_assert_not_null(strstr(p.out, "compare: FAIL"));
  gbt_proc_free(&p);
  free(worse);
}

Test(regression_gate, a_bad_gate_file_exits_2_naming_the_key) {
  char *gate = gbt_path(dir, "gate.yaml");
  gbt_write_file(gate, "metrics:\n  - {metric: use_rate, tolerance: lots}\n");
  gbt_proc p = gbt_gamebench(
      "compare '%s/bench/baselines/gate' '%s/bench/baselines/gate' --gate '%s'", SRC, SRC, gate);
  cr_assert_eq(p.status, 2, "%s%s", p.out, p.err);
  cr_assert_not_null(strstr(p.err, "gate.yaml:2"), "%s", p.err);
  cr_assert_not_null(strstr(p.err, "metrics[0].tolerance"), "%s", p.err);
  gbt_proc_free(&p);
  free(gate);
}
