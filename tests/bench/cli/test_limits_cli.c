/* #16 items 2 and 3 as a user meets them: extreme workload values that hung a run or misled it,
 * unbounded or wrong input files, and an event with very many keys for `gamebench match`. Each
 * bad input exits 2 naming the file or key and the reason, before any results directory. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gb_test_limits.h"
#include "gb_test_support.h"

static char *tmp;

static void setup(void) { tmp = gbt_tmpdir(); }
static void teardown(void) {
  gbt_rmtree(tmp);
  free(tmp);
}

TestSuite(limits_cli, .init = setup, .fini = teardown);

/* Runs `gamebench run WORKLOAD ARGS --out DIR` and checks exit 2, the message and that DIR was
 * not made. */
static void assert_run_refused(const char *workload, const char *args, const char *says) {
  char *out = gbt_path(tmp, "results");
  gbt_proc p = gbt_gamebench("run '%s' %s --out '%s' --quiet", workload, args, out);
  cr_assert_eq(p.status, 2, "exit %d for %s\n%s", p.status, args, p.err);
  cr_assert(strstr(p.err, says), "'%s' lacks '%s'", p.err, says);
  cr_assert_not(gbt_exists(out), "a results directory was made for bad input");
  gbt_proc_free(&p);
  free(out);
}

static char *write_in_tmp(const char *name, const char *text) {
  char *path = gbt_path(tmp, name);
  gbt_write_file(path, text);
  return path;
}

#define DEFAULT_WORKLOAD GB_SOURCE_DIR "/workloads/default.yaml"

Test(limits_cli, time_scales_the_sim_clock_cannot_hold_exit_2) {
  /* 1e18 overflowed the run's int64 sim clock; 1e-300 made every intended time infinite: both
   * runs never ended */
  assert_run_refused(DEFAULT_WORKLOAD, "--set sim.time_scale=1e18",
                     "key 'sim.time_scale': 1e18 is out of range (1e-06 .. 1e+09, or max)");
  assert_run_refused(DEFAULT_WORKLOAD, "--set sim.time_scale=1e-300",
                     "key 'sim.time_scale': 1e-300 is out of range (1e-06 .. 1e+09, or max)");
  assert_run_refused(
      DEFAULT_WORKLOAD, "--set sim.time_scale=0.000001",
      "key 'sim.time_scale': 0.000001 is too slow: sim.duration 2h would take 8.33e+04 "
      "days of wall time, more than 36500");
}

Test(limits_cli, arm_weights_whose_sum_overflows_exit_2) {
  char yaml[1024];
  snprintf(yaml, sizeof yaml,
           "name: w\nsim: {duration: 1h, players: 100}\n"
           "engine: {challenges: %s/workloads/challenges/default.yaml}\narms:\n"
           "  - {name: a, algorithm: random, weight: 1e308}\n"
           "  - {name: b, algorithm: none, weight: 1e308}\n",
           GB_SOURCE_DIR);
  char *path = write_in_tmp("w.yaml", yaml);
  assert_run_refused(path, "",
                     "w.yaml:5: key 'arms[0].weight': 1e308 is out of range (1e-06 .. "
                     "1e+06)");
  free(path);
}

Test(limits_cli, an_endless_catalogue_exits_2_at_its_limit) {
  char *path = write_in_tmp("z.yaml", "name: z\nsim: {duration: 1h, players: 100}\n"
                                      "engine: {challenges: /dev/zero}\n");
  assert_run_refused(path, "",
                     "/dev/zero: larger than 256 MiB, the limit for a challenge catalogue");
  free(path);
}

Test(limits_cli, a_deeply_nested_workload_exits_2_at_once) {
  char *text = gbt_nested("name: d\nsim: {duration: 1h}\nx: ", 100000);
  char *path = write_in_tmp("d.yaml", text);
  assert_run_refused(path, "", "d.yaml:3: nested more than 64 levels deep (lists and mappings)");
  free(path);
  free(text);
}

Test(limits_cli, a_control_directory_exits_2) {
  char args[1024];
  snprintf(args, sizeof args, "--set sim.players=50 --control '%s'", tmp);
  char want[1024];
  snprintf(want, sizeof want, "--control %s: is a directory, not a --control file", tmp);
  assert_run_refused(DEFAULT_WORKLOAD, args, want);
}

/* An event with 50,000 keys: each key's entry was found by a walk over the ones before it
 * (quadratic); gb_attrs' own suite bounds the comparisons, this checks the command's answer. */
Test(limits_cli, match_handles_an_event_with_many_keys) {
  enum { KEYS = 50000 };
  char *defs = write_in_tmp("defs.yaml", "- id: last\n  name: Last key\n  criteria: {k49999: 1}\n"
                                         "- id: first\n  name: First key\n  criteria: {k0: 0}\n"
                                         "- id: none\n  name: No key\n  criteria: {k50000: 1}\n");
  size_t cap = (size_t)KEYS * 20 + 16, len = 0;
  char *line = malloc(cap);
  cr_assert_not_null(line);
  line[len++] = '{';
  for (int i = 0; i < KEYS; i++)
    len += (size_t)snprintf(line + len, cap - len, "%s\"k%d\": %d", i ? ", " : "", i,
                            i == KEYS - 1 ? 1 : 0);
  snprintf(line + len, cap - len, "}\n");
  char *events = write_in_tmp("events.jsonl", line);
  for (int a = 0; a < 2; a++) {
    gbt_proc p = gbt_gamebench("match --defs '%s' --events '%s' --algo %s", defs, events,
                               a ? "index" : "scan");
    cr_expect_eq(p.status, 0, "%s", p.err);
    cr_expect_str_eq(p.out, "{\"line\": 1, \"matches\": [\"first\", \"last\"]}\n");
    gbt_proc_free(&p);
  }
  free(line);
  free(defs);
  free(events);
}
