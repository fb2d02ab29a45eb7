/* End-to-end: the learning algorithms' results do not depend on the threads nor the transport.
 * Their models change only at sim-time epoch boundaries closed by the producers' watermarks
 * (engine/gb_epochs.h), so the same workload and seed give byte-identical arms.csv and
 * decisions.csv with 1, 2 and 4 engine threads, 1 and 2 simulator threads, in process and
 * through the embedded Kafka broker. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gb_test_results.h"
#include "gb_test_support.h"

#define LEARNING GB_SOURCE_DIR "/tests/fixtures/workloads/learning.yaml"

static char *tmp;

static void setup(void) { tmp = gbt_tmpdir(); }
static void teardown(void) {
  gbt_rmtree(tmp);
  free(tmp);
}

TestSuite(learning, .init = setup, .fini = teardown, .timeout = 300);

static char *run_into(const char *name, const char *sets) {
  char *dir = gbt_path(tmp, name);
  gbt_proc p = gbt_gamebench("run " LEARNING " --quiet --no-report --set warmup=0s %s --out '%s'",
                             sets, dir);
  cr_assert_eq(p.status, 0, "exit %d\nstdout: %s\nstderr: %s", p.status, p.out, p.err);
  gbt_proc_free(&p);
  return dir;
}

/* The arm's row of arms.csv (without its name), or NULL. */
static char *row_of(const char *arms, const char *arm) {
  char key[64];
  snprintf(key, sizeof key, "\n%s,", arm);
  const char *at = strstr(arms, key);
  if (!at)
    return NULL;
  at += strlen(key);
  return strndup(at, strcspn(at, "\n"));
}

Test(learning, every_algorithm_runs_and_reconciles) {
  char *dir = run_into("one", "");
  char *summary = gbt_result_text(dir, "summary.csv");
  cr_assert_eq(gbt_metric(summary, "events_processed"), gbt_metric(summary, "events_generated"));
  cr_assert_eq(gbt_metric(summary, "events_lost"), 0);
  cr_assert_eq(gbt_metric(summary, "answers_received"), gbt_metric(summary, "decisions"));
  char *arms = gbt_result_text(dir, "arms.csv");
  const char *learners[] = {"popular", "greedy", "thompson", "linucb", "lints", "knn"};
  char *random = row_of(arms, "random");
  cr_assert_not_null(random, "%s", arms);
  for (size_t i = 0; i < sizeof learners / sizeof learners[0]; i++) {
    char *row = row_of(arms, learners[i]);
    cr_assert_not_null(row, "no row for %s: %s", learners[i], arms);
    /* each arm's own players and choices: no two rows alike */
    cr_assert_str_neq(row, random, "%s", learners[i]);
    free(row);
  }
  free(random);
  free(arms);
  free(summary);
  free(dir);
}

static void assert_same_learning(const char *a, const char *b) {
  gbt_assert_same_bytes(a, b, "arms.csv");
  gbt_assert_same_bytes(a, b, "decisions.csv");
}

Test(learning, identical_whatever_the_threads) {
  char *a = run_into("a", "");
  char *b = run_into("b", "--set engine.threads=2 --set sim.threads=2");
  char *c = run_into("c", "--set engine.threads=4");
  assert_same_learning(a, b);
  assert_same_learning(a, c);
  free(a);
  free(b);
  free(c);
}

Test(learning, identical_through_the_embedded_broker) {
  char *a = run_into("a", "");
  char *k = run_into("k", "--set transport.kind=kafka --set engine.threads=2");
  assert_same_learning(a, k);
  free(a);
  free(k);
}

Test(learning, another_seed_learns_otherwise) {
  char *a = run_into("a", "");
  char *b = run_into("b", "--set seed=8");
  char *x = gbt_result_text(a, "arms.csv"), *y = gbt_result_text(b, "arms.csv");
  cr_assert_str_neq(x, y);
  free(x);
  free(y);
  free(a);
  free(b);
}

Test(learning, an_unknown_parameter_exits_2_naming_it) {
  char *dir = gbt_path(tmp, "bad");
  char *wl = gbt_path(tmp, "bad.yaml");
  gbt_write_file(wl, "name: bad\nsim: {duration: 1h}\narms:\n"
                     "  - {name: r, algorithm: random, weight: 1}\n"
                     "  - {name: t, algorithm: thompson, weight: 1, params: {epsilon: 0.1}}\n");
  gbt_proc p = gbt_gamebench("run '%s' --quiet --out '%s'", wl, dir);
  cr_assert_eq(p.status, 2, "exit %d: %s", p.status, p.err);
  cr_assert(strstr(p.err, ":5: key 'arms[1].params.epsilon': not a parameter of algorithm "
                          "'thompson'"),
            "%s", p.err);
  cr_assert(!gbt_exists(dir));
  gbt_proc_free(&p);
  gbt_write_file(wl, "name: bad\nsim: {duration: 1h}\narms:\n"
                     "  - {name: e, algorithm: egreedy, weight: 1, params: {epsilon: 1.5}}\n");
  p = gbt_gamebench("run '%s' --quiet --out '%s'", wl, dir);
  cr_assert_eq(p.status, 2, "exit %d: %s", p.status, p.err);
  cr_assert(strstr(p.err, ":4: key 'arms[0].params.epsilon': 1.5 is out of range"), "%s", p.err);
  gbt_proc_free(&p);
  gbt_write_file(wl, "name: bad\nsim: {duration: 1h}\narms:\n"
                     "  - {name: e, algorithm: egreedy, weight: 1, params: {epoch: 90s}}\n"
                     "  - {name: t, algorithm: thompson, weight: 1, params: {epoch: 1m}}\n"
                     "engine: {challenges: " GB_SOURCE_DIR "/workloads/challenges/default.yaml}\n");
  p = gbt_gamebench("run '%s' --quiet --out '%s'", wl, dir);
  cr_assert_eq(p.status, 2, "exit %d: %s", p.status, p.err);
  cr_assert(strstr(p.err, "arms[0].params.epoch': 90000 ms is not a multiple of the finest epoch"),
            "%s", p.err);
  gbt_proc_free(&p);
  free(wl);
  free(dir);
}
