#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "gb_test_support.h"

/* End to end: real runs of a tiny workload (`run --repeat 3`), compared with the registry's
 * default gate. The same build against itself passes; another seed (the simulated players
 * change, so the deterministic counts and the use rates do) fails naming those metrics. */

#define TINY                                                                                       \
  "--set sim.players=300 --set sim.duration=2h --set sim.time_scale=max --set warmup=0s --quiet "  \
  "--no-report --repeat 3"

static char *tmp;

static void setup(void) { tmp = gbt_tmpdir(); }
static void teardown(void) {
  gbt_rmtree(tmp);
  free(tmp);
}

TestSuite(compare_run, .init = setup, .fini = teardown);

static char *run(const char *name, const char *extra) {
  char *dir = gbt_path(tmp, name);
  gbt_proc p = gbt_gamebench("run workloads/default.yaml " TINY " %s --out '%s'", extra, dir);
  cr_assert_eq(p.status, 0, "%s", p.err);
  gbt_proc_free(&p);
  return dir;
}

Test(compare_run, a_run_against_a_repeat_of_itself_passes) {
  char *a = run("a", ""), *b = run("b", "");
  gbt_proc p = gbt_gamebench("compare '%s' '%s'", a, b);
  cr_assert_eq(p.status, 0, "%s\n%s", p.out, p.err);
  cr_assert(strstr(p.out, "baseline: "), "%s", p.out);
  cr_assert(strstr(p.out, "(3 repeats)"), "%s", p.out);
  cr_assert(strstr(p.out, "events_generated"), "%s", p.out);
  cr_assert(strstr(p.out, "use_rate[random]"), "%s", p.out);
  cr_assert(strstr(p.out, "compare: PASS\n"), "%s", p.out);
  gbt_proc_free(&p);
  free(a);
  free(b);
}

Test(compare_run, another_seed_fails_naming_the_metrics) {
  char *a = run("a", ""), *b = run("b", "--set seed=7");
  gbt_proc p = gbt_gamebench("compare '%s' '%s'", a, b);
  cr_assert_eq(p.status, 1, "%s\n%s", p.out, p.err);
  cr_assert(strstr(p.out, "changed: events_generated: changed: "), "%s", p.out);
  cr_assert(strstr(p.out, "compare: FAIL ("), "%s", p.out);
  gbt_proc_free(&p);
  free(a);
  free(b);
}
