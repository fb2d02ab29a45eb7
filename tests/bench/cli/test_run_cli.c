/* `gamebench run`'s side of the recommender's algorithms: --help lists every registered
 * algorithm with its parameters (from the registry), and a workload's bad arms[].params exit 2
 * naming the key, before any results directory exists. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gb_algo.h"
#include "gb_opts.h"
#include "gb_test_support.h"

Test(run_cli, help_lists_every_algorithm_and_its_parameters_with_defaults) {
  gbt_proc p = gbt_gamebench("run --help");
  cr_assert_eq(p.status, 0, "%s", p.err);
  const char *options = strstr(p.out, "\noptions:\n");
  const char *section = strstr(p.out, "\nalgorithms (");
  cr_assert(options && section && options < section, "no algorithms section after the options:\n%s",
            p.out);
  cr_assert(strstr(section, "arms[].params.NAME: VALUE"), "%s", section);
  size_t n = 0;
  const gb_algo_ops *const *reg = gb_algo_registry(&n);
  cr_assert_eq(n, 10);
  const char *at = section;
  for (size_t a = 0; a < n; a++) {
    char line[256];
    snprintf(line, sizeof line, "\n  %-12s %s\n", reg[a]->name, reg[a]->summary);
    const char *found = strstr(at, line);
    cr_assert_not_null(found, "%s is not listed in registry order:\n%s", reg[a]->name, section);
    at = found + 1;
    for (size_t i = 0; i < reg[a]->n_params; i++) {
      gb_opts_param_text t;
      gb_opts_param_text_of(&reg[a]->params[i], &t);
      snprintf(line, sizeof line, "\n      %s=%s ", reg[a]->params[i].name, t.def);
      found = strstr(at, line);
      cr_assert_not_null(found, "%s: no '%s' in its block:\n%s", reg[a]->name, line + 1, section);
      at = found + 1;
    }
  }
  /* as a reader sees them */
  const char *knn = strstr(section, "\n  itemknn ");
  cr_assert_not_null(knn);
  cr_assert(strstr(knn, "\n      epoch=1d "), "itemknn retrains daily:\n%s", knn);
  cr_assert(strstr(knn, "\n      similarity=cosine      choice of cosine, jaccard: "), "%s", knn);
  cr_assert(strstr(section, "\n      segment=none           choice of none, platform, country: "),
            "%s", section);
  cr_assert(strstr(section, "\n      window=1d              duration in [1s, 30d]: "), "%s",
            section);
  gbt_proc_free(&p);
}

/* Runs `gamebench run` on a workload of one arm line (plus the default catalogue) and returns
 * the process; the results directory given must not have been made. */
static gbt_proc run_arms(const char *arms) {
  char *dir = gbt_tmpdir(), *path = gbt_path(dir, "w.yaml"), *out = gbt_path(dir, "results");
  char yaml[1024];
  snprintf(yaml, sizeof yaml,
           "name: arms\nsim: {duration: 1h, players: 100}\n"
           "engine: {challenges: %s/workloads/challenges/default.yaml}\narms:\n%s",
           GB_SOURCE_DIR, arms);
  gbt_write_file(path, yaml);
  gbt_proc p = gbt_gamebench("run '%s' --out '%s' --quiet", path, out);
  cr_assert_not(gbt_exists(out), "a results directory was made for a bad workload");
  gbt_rmtree(dir);
  free(path);
  free(out);
  free(dir);
  return p;
}

static void assert_exit_2(const char *arms, const char *says) {
  gbt_proc p = run_arms(arms);
  cr_assert_eq(p.status, 2, "exit %d for\n%s\n%s", p.status, arms, p.err);
  cr_assert(strstr(p.err, says), "'%s' lacks '%s'", p.err, says);
  gbt_proc_free(&p);
}

Test(run_cli, bad_params_exit_2_naming_the_key) {
  assert_exit_2("  - {name: a, algorithm: thompson, weight: 1, params: {epsilon: 0.2}}\n",
                "key 'arms[0].params.epsilon': not a parameter of algorithm 'thompson' (see "
                "gamebench run --help)");
  assert_exit_2(
      "  - {name: a, algorithm: random, weight: 1}\n"
      "  - {name: b, algorithm: random, weight: 1, params: {epoch: 1m}}\n",
      "key 'arms[1].params.epoch': not a parameter of algorithm 'random', which has none");
  assert_exit_2("  - {name: a, algorithm: egreedy, weight: 1, params: {epsilon: 1.5}}\n",
                "key 'arms[0].params.epsilon'");
  assert_exit_2("  - {name: a, algorithm: itemknn, weight: 1, params: {similarity: euclid}}\n",
                "key 'arms[0].params.similarity': 'euclid' is not one of cosine|jaccard");
  assert_exit_2("  - {name: a, algorithm: itemknn, weight: 1, params: {neighbours: 2.5}}\n",
                "key 'arms[0].params.neighbours'");
  assert_exit_2("  - {name: a, algorithm: linucb, weight: 1, params: {epoch: 10}}\n",
                "key 'arms[0].params.epoch'");
  /* the epochs of the arms: each a multiple of the finest */
  assert_exit_2("  - {name: a, algorithm: egreedy, weight: 1, params: {epoch: 90s}}\n"
                "  - {name: b, algorithm: thompson, weight: 1}\n",
                "key 'arms[0].params.epoch': 90000 ms is not a multiple of the finest epoch of "
                "the arms, 60000 ms");
  assert_exit_2("  - {name: a, algorithm: popularity, weight: 1, params: {window: 90s}}\n",
                "window 90000 ms must be a multiple of epoch 60000 ms");
}

/* #16 item 6: a run whose every event falls inside the warm-up printed "decision p99 0 us" and
 * wrote 0 us latencies; now it says there were no samples and leaves the cells empty. */
Test(run_cli, a_run_inside_its_warm_up_reports_no_latency_not_0_us) {
  char *dir = gbt_tmpdir();
  char *out = gbt_path(dir, "run");
  gbt_proc p = gbt_gamebench("run '%s/workloads/default.yaml' --set sim.players=200 --set "
                             "sim.duration=10m --set warmup=1h --no-report --out '%s'",
                             GB_SOURCE_DIR, out);
  cr_assert_eq(p.status, 0, "%s", p.err);
  cr_expect_not_null(strstr(p.err, "no decision latency after the 3600.0 s warm-up"), "%s", p.err);
  cr_expect_null(strstr(p.err, "decision p99 0 us"), "%s", p.err);
  gbt_proc_free(&p);
  char *summary = gbt_path(out, "summary.csv");
  size_t len;
  char *text = gbt_read_file(summary, &len);
  cr_assert_not_null(text);
  cr_expect_not_null(strstr(text, "\nlatency_decision_p99_us,,us\n"), "%s", text);
  cr_expect_not_null(strstr(text, "\nlatency_e2e_p50_us,,us\n"), "%s", text);
  free(text);
  free(summary);
  gbt_rmtree(dir);
  free(dir);
  free(out);
}
