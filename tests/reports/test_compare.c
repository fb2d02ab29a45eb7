#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "gb_compare.h"
#include "gb_runset.h"
#include "gb_test_support.h"

/* gamebench compare on synthetic results directories written by each test: the exit status,
 * the verdict of each metric and the outputs (text, Markdown, JUnit). The registry's defaults
 * are exercised by the tests marked so; the others use a gate file with `defaults: false`, so
 * that retuning the registry does not change what they check. */

static char *tmp;

static void setup(void) { tmp = gbt_tmpdir(); }
static void teardown(void) {
  gbt_rmtree(tmp);
  free(tmp);
}

TestSuite(compare, .init = setup, .fini = teardown);

enum { MAXR = 8 };

/* What one synthetic run holds, per repeat where it varies. */
typedef struct run_spec {
  size_t repeats;
  double p99[MAXR], p50[MAXR], rate[MAXR], sustained[MAXR], lost[MAXR];
  double generated;
  double use_rate_popularity;
  bool no_p50; /* the run lacks latency_e2e_p50_us */
} run_spec;

/* Five repeats with a little noise, every verdict passing. */
static run_spec base_spec(void) {
  run_spec s = {.repeats = 5,
                .p99 = {1000, 1012, 995, 1005, 990},
                .p50 = {500, 503, 498, 501, 499},
                .rate = {50000, 50500, 49800, 50200, 49900},
                .sustained = {1, 1, 1, 1, 1},
                .generated = 120000,
                .use_rate_popularity = 0.25};
  return s;
}

static void write_repeat(const char *dir, const run_spec *s, size_t k) {
  mkdir(dir, 0755);
  char path[1024], text[2048];
  int n = snprintf(text, sizeof text,
                   "metric,value,unit\nevents_generated,%.0f,events\nevents_processed,%.0f,events\n"
                   "events_lost,%g,events\nrate_sustained,%g,bool\nachieved_rate_eps,%g,events/s\n"
                   "latency_e2e_p99_us,%g,us\n",
                   s->generated, s->generated, s->lost[k], s->sustained[k], s->rate[k], s->p99[k]);
  if (!s->no_p50)
    snprintf(text + n, sizeof text - (size_t)n, "latency_e2e_p50_us,%g,us\n", s->p50[k]);
  snprintf(path, sizeof path, "%s/summary.csv", dir);
  gbt_write_file(path, text);
  snprintf(text, sizeof text,
           "arm,algorithm,decisions,use_rate,ctr\nrandom,random,1000,0.2,0.3\n"
           "popularity,popularity,1000,%g,0.4\n",
           s->use_rate_popularity);
  snprintf(path, sizeof path, "%s/arms.csv", dir);
  gbt_write_file(path, text);
}

/* Writes run `name` under tmp (repeat-K/ folders when it has more than one repeat); returns its
 * path (heap). */
static char *write_run(const char *name, const run_spec *s) {
  char *dir = gbt_path(tmp, name);
  if (s->repeats == 1) {
    write_repeat(dir, s, 0);
    return dir;
  }
  mkdir(dir, 0755);
  for (size_t k = 0; k < s->repeats; k++) {
    char sub[64];
    snprintf(sub, sizeof sub, "repeat-%zu", k + 1);
    char *path = gbt_path(dir, sub);
    write_repeat(path, s, k);
    free(path);
  }
  return dir;
}

/* A gate file under tmp; returns its path (heap). */
static char *write_gate(const char *text) {
  char *path = gbt_path(tmp, "gate.yaml");
  gbt_write_file(path, text);
  return path;
}

static const char P99_GATE[] = "defaults: false\n"
                               "metrics:\n"
                               "  - metric: latency_e2e_p99_us\n"
                               "    tolerance: 5%\n";

/* `gamebench compare BASE NEW EXTRA` */
static gbt_proc compare_cli(const run_spec *base, const run_spec *new_run, const char *extra) {
  char *b = write_run("base", base), *n = write_run("new", new_run);
  gbt_proc p = gbt_gamebench("compare '%s' '%s' %s", b, n, extra ? extra : "");
  free(b);
  free(n);
  return p;
}

static gbt_proc compare_gate(const run_spec *base, const run_spec *new_run, const char *gate) {
  char *g = write_gate(gate), extra[1200];
  snprintf(extra, sizeof extra, "--gate '%s'", g);
  gbt_proc p = compare_cli(base, new_run, extra);
  free(g);
  return p;
}

static void assert_out(const gbt_proc *p, const char *want) {
  cr_assert(strstr(p->out, want), "stdout lacks '%s':\n%s\nstderr:\n%s", want, p->out, p->err);
}

/* The row of `label` in c. */
static const gb_compare_row *row_of(const gb_compare *c, const char *label) {
  size_t n;
  const gb_compare_row *rows = gb_compare_rows(c, &n);
  for (size_t i = 0; i < n; i++)
    if (strcmp(rows[i].label, label) == 0)
      return &rows[i];
  cr_assert_fail("no row %s", label);
  return NULL;
}

/* gb_compare_new over base and new with opts. */
static gb_compare *judge(const run_spec *base, const run_spec *new_run, gb_compare_opts opts,
                         gb_runset **set) {
  char *b = write_run("base", base), *n = write_run("new", new_run);
  const char *dirs[] = {b, n};
  gb_err err = {0};
  cr_assert_eq(gb_runset_load(dirs, 2, set, &err), 0, "%s", err.msg);
  gb_compare *c = NULL;
  cr_assert_eq(gb_compare_new(*set, 0, 1, &opts, &c, &err), 0, "%s", err.msg);
  free(b);
  free(n);
  return c;
}

static const gb_compare_rule p99_rule = {
    .metric = "latency_e2e_p99_us", .tolerance = 0.05, .direction = -1, .kind = -1};

/* ---- the acceptance cases ---- */

/* Registry defaults: a run against a repeat of itself passes. */
Test(compare, identical_runs_pass_with_the_defaults) {
  run_spec s = base_spec();
  gbt_proc p = compare_cli(&s, &s, NULL);
  cr_assert_eq(p.status, 0, "%s\n%s", p.out, p.err);
  assert_out(&p, "compare: PASS");
  assert_out(&p, "latency_e2e_p99_us");
  assert_out(&p, "use_rate[popularity]");
  cr_assert_null(strstr(p.out, "regression"), "%s", p.out);
  gbt_proc_free(&p);
}

/* +50 % on every repeat: p = 1/252 (exact, one-sided), far beyond 5 %: exit 1 naming it. */
Test(compare, timing_shift_beyond_noise_is_a_regression) {
  run_spec base = base_spec(), slow = base_spec();
  for (size_t k = 0; k < 5; k++)
    slow.p99[k] *= 1.5;
  gbt_proc p = compare_gate(&base, &slow, P99_GATE);
  cr_assert_eq(p.status, 1, "%s\n%s", p.out, p.err);
  assert_out(&p, "regression: latency_e2e_p99_us: median +50.0%");
  assert_out(&p, "compare: FAIL (1 regression: latency_e2e_p99_us)");
  gbt_proc_free(&p);
}

/* Median +7.9 % (beyond 5 %) but the samples overlap: U_new = 18 of 25, p = 39/252 = 0.155 > 0.05:
 * the gate passes and says the change is inside the noise. */
Test(compare, timing_shift_inside_noise_passes_and_says_so) {
  run_spec base = base_spec(), noisy = base_spec();
  double v[] = {1090, 1001, 1080, 985, 1100};
  memcpy(noisy.p99, v, sizeof v);
  gbt_proc p = compare_gate(&base, &noisy, P99_GATE);
  cr_assert_eq(p.status, 0, "%s\n%s", p.out, p.err);
  assert_out(&p, "inside noise");
  assert_out(&p, "note: latency_e2e_p99_us: worse than the tolerance but inside the noise");
  assert_out(&p, "compare: PASS");
  gbt_proc_free(&p);
}

/* The exact numbers of the noisy case: median 1000 -> 1080, one-sided p = P(U >= 18) for 5
 * against 5 = 39/252 (counted by enumerating the C(10, 5) rank sets), alone in its Holm family. */
Test(compare, timing_row_numbers) {
  run_spec base = base_spec(), noisy = base_spec();
  double v[] = {1090, 1001, 1080, 985, 1100};
  memcpy(noisy.p99, v, sizeof v);
  gb_compare_opts opts = {.no_defaults = true, .rules = &p99_rule, .n_rules = 1};
  gb_runset *set;
  gb_compare *c = judge(&base, &noisy, opts, &set);
  const gb_compare_row *r = row_of(c, "latency_e2e_p99_us");
  cr_assert_eq(r->base, 1000);
  cr_assert_eq(r->new_value, 1080);
  cr_assert(fabs(r->change - 0.08) < 1e-12, "%g", r->change);
  cr_assert(fabs(r->p - 39.0 / 252) < 1e-12, "p %.17g", r->p);
  cr_assert_eq(r->p_holm, r->p, "a family of one");
  cr_assert(r->ci_low < r->change && r->change <= r->ci_high, "[%g, %g]", r->ci_low, r->ci_high);
  cr_assert_eq(r->verdict, GB_COMPARE_NOISE);
  cr_assert_not(r->failed);
  cr_assert_eq(gb_compare_failures(c), 0);
  /* seeded: the same input gives the same interval */
  gb_compare *again = NULL;
  gb_err err = {0};
  cr_assert_eq(gb_compare_new(set, 0, 1, &opts, &again, &err), 0);
  cr_assert_eq(row_of(again, "latency_e2e_p99_us")->ci_low, r->ci_low);
  cr_assert_eq(row_of(again, "latency_e2e_p99_us")->ci_high, r->ci_high);
  gb_compare_free(again);
  gb_compare_free(c);
  gb_runset_free(set);
}

/* Significant (every new repeat above every baseline one) but +1 %: inside the 5 % tolerance. */
Test(compare, significant_but_small_change_passes) {
  run_spec base = base_spec(), bit = base_spec();
  for (size_t k = 0; k < 5; k++)
    bit.p99[k] = 1013 + k; /* median 1015: +1.5 % */
  gb_compare_opts opts = {.no_defaults = true, .rules = &p99_rule, .n_rules = 1};
  gb_runset *set;
  gb_compare *c = judge(&base, &bit, opts, &set);
  const gb_compare_row *r = row_of(c, "latency_e2e_p99_us");
  cr_assert(fabs(r->p - 1.0 / 252) < 1e-15, "p %g", r->p);
  cr_assert_eq(r->verdict, GB_COMPARE_OK);
  gb_compare_free(c);
  gb_runset_free(set);
}

/* Halved latency: improved (the better direction's test, its own Holm family), passes. */
Test(compare, faster_is_improved) {
  run_spec base = base_spec(), fast = base_spec();
  for (size_t k = 0; k < 5; k++)
    fast.p99[k] /= 2;
  gb_compare_opts opts = {.no_defaults = true, .rules = &p99_rule, .n_rules = 1};
  gb_runset *set;
  gb_compare *c = judge(&base, &fast, opts, &set);
  const gb_compare_row *r = row_of(c, "latency_e2e_p99_us");
  cr_assert_eq(r->verdict, GB_COMPARE_IMPROVED);
  cr_assert(fabs(r->change + 0.5) < 1e-12);
  cr_assert_eq(r->p, 1, "the worse direction's p: nothing is worse");
  gb_compare_free(c);
  gb_runset_free(set);
}

/* Higher-is-better timing (achieved_rate_eps): a 20 % drop is a regression. */
Test(compare, lower_rate_is_a_regression) {
  run_spec base = base_spec(), slow = base_spec();
  for (size_t k = 0; k < 5; k++)
    slow.rate[k] *= 0.8;
  gbt_proc p = compare_gate(&base, &slow,
                            "defaults: false\nmetrics:\n  - metric: achieved_rate_eps\n"
                            "    tolerance: 0.05\n");
  cr_assert_eq(p.status, 1, "%s\n%s", p.out, p.err);
  assert_out(&p, "regression: achieved_rate_eps: median -20.0%");
  gbt_proc_free(&p);
}

/* Deterministic metrics with the registry's defaults: events_generated changed (direction
 * none, tolerance 0) and use_rate[popularity] dropped: both named. */
Test(compare, deterministic_changes_fail_with_the_defaults) {
  run_spec base = base_spec(), other = base_spec();
  other.generated = 120001;
  other.use_rate_popularity = 0.24;
  gbt_proc p = compare_cli(&base, &other, NULL);
  cr_assert_eq(p.status, 1, "%s\n%s", p.out, p.err);
  assert_out(&p, "changed: events_generated: changed: 120000 -> 120001 (+0.001%; tolerance 0%)");
  assert_out(&p, "regression: use_rate[popularity]: 0.25 -> 0.24 (-4.0%; tolerance 0%)");
  assert_out(&p, "regressions: events_generated, events_processed, use_rate[popularity])");
  gbt_proc_free(&p);
}

/* A better deterministic value is not a failure; a tolerance lets a small drop pass. */
Test(compare, deterministic_tolerance_and_improvement) {
  run_spec base = base_spec(), other = base_spec();
  other.use_rate_popularity = 0.245; /* -2 % */
  gbt_proc p = compare_gate(&base, &other,
                            "defaults: false\nmetrics:\n  - metric: use_rate\n    arm: popularity\n"
                            "    tolerance: 3%\n");
  cr_assert_eq(p.status, 0, "%s\n%s", p.out, p.err);
  gbt_proc_free(&p);
  other.use_rate_popularity = 0.3;
  p = compare_gate(&base, &other, "defaults: false\nmetrics:\n  - metric: use_rate\n");
  cr_assert_eq(p.status, 0, "%s\n%s", p.out, p.err);
  assert_out(&p, "improved");
  gbt_proc_free(&p);
}

/* One repeat of the new run loses events: the verdict fails whatever the baseline (which
 * failed it too here). */
Test(compare, verdict_failure_in_new_fails_whatever_the_baseline) {
  run_spec base = base_spec(), bad = base_spec();
  base.lost[2] = 5;
  bad.lost[3] = 7;
  gbt_proc p = compare_cli(&base, &bad, NULL);
  cr_assert_eq(p.status, 1, "%s\n%s", p.out, p.err);
  assert_out(&p, "regression: events_lost: the new run fails the verdict: 7 (passes at <= 0; "
                 "baseline 5)");
  gbt_proc_free(&p);
  run_spec good = base_spec(), slow = base_spec();
  slow.sustained[0] = 0;
  p = compare_cli(&good, &slow, NULL);
  cr_assert_eq(p.status, 1, "%s\n%s", p.out, p.err);
  assert_out(&p, "regression: rate_sustained: the new run fails the verdict: 0 (passes at >= 1");
  gbt_proc_free(&p);
}

/* A gated metric the new run lacks fails as missing; allow_missing lets it pass; a metric
 * only the new run has is "new". */
Test(compare, missing_in_new_fails_unless_allowed) {
  run_spec base = base_spec(), lacking = base_spec();
  lacking.no_p50 = true;
  gbt_proc p =
      compare_gate(&base, &lacking, "defaults: false\nmetrics:\n  - metric: latency_e2e_p50_us\n");
  cr_assert_eq(p.status, 1, "%s\n%s", p.out, p.err);
  assert_out(&p, "missing: latency_e2e_p50_us: no value in the new run (baseline 500)");
  gbt_proc_free(&p);
  p = compare_gate(&base, &lacking,
                   "defaults: false\nmetrics:\n  - metric: latency_e2e_p50_us\n"
                   "    allow_missing: true\n");
  cr_assert_eq(p.status, 0, "%s\n%s", p.out, p.err);
  gbt_proc_free(&p);
  p = compare_gate(&lacking, &base, "defaults: false\nmetrics:\n  - metric: latency_e2e_p50_us\n");
  cr_assert_eq(p.status, 0, "%s\n%s", p.out, p.err);
  assert_out(&p, " new\n");
  gbt_proc_free(&p);
}

/* gate: false shows a metric without judging it. */
Test(compare, report_only_never_fails) {
  run_spec base = base_spec(), slow = base_spec();
  for (size_t k = 0; k < 5; k++)
    slow.p99[k] *= 3;
  gbt_proc p = compare_gate(&base, &slow,
                            "defaults: false\nmetrics:\n  - metric: latency_e2e_p99_us\n"
                            "    gate: false\n");
  cr_assert_eq(p.status, 0, "%s\n%s", p.out, p.err);
  assert_out(&p, "info");
  gbt_proc_free(&p);
}

/* One repeat a side: timing rows are shown, not judged, with a warning; 3 against 3 with 4
 * timing metrics cannot reach alpha: a warning says how many repeats would. */
Test(compare, too_few_repeats_are_said) {
  run_spec one = base_spec(), slow = base_spec();
  one.repeats = slow.repeats = 1;
  slow.p99[0] *= 2;
  gbt_proc p = compare_gate(&one, &slow, P99_GATE);
  cr_assert_eq(p.status, 0, "%s\n%s", p.out, p.err);
  assert_out(&p, "not judged");
  assert_out(&p, "warning: 1 timing metric not judged: a timing verdict needs at least 3 repeats");
  gbt_proc_free(&p);
  run_spec three = base_spec();
  three.repeats = 3;
  p = compare_gate(&three, &three,
                   "defaults: false\nmetrics:\n  - metric: latency_e2e_p99_us\n"
                   "  - metric: latency_e2e_p50_us\n");
  cr_assert_eq(p.status, 0, "%s\n%s", p.out, p.err);
  assert_out(&p, "warning: with 3 and 3 repeats, Holm over 2 timing metrics cannot reach alpha "
                 "0.05 (the best possible p is 0.1): no timing regression can be detected; use at "
                 "least 4 repeats a side");
  gbt_proc_free(&p);
}

/* Holm over two timing metrics both shifted: each p = 1/252, adjusted 2/252. */
Test(compare, holm_adjusts_over_the_timing_metrics) {
  run_spec base = base_spec(), slow = base_spec();
  for (size_t k = 0; k < 5; k++) {
    slow.p99[k] *= 1.5;
    slow.p50[k] *= 1.5;
  }
  gb_compare_rule rules[] = {p99_rule, p99_rule};
  rules[1].metric = "latency_e2e_p50_us";
  gb_compare_opts opts = {.no_defaults = true, .rules = rules, .n_rules = 2};
  gb_runset *set;
  gb_compare *c = judge(&base, &slow, opts, &set);
  const gb_compare_row *r = row_of(c, "latency_e2e_p50_us");
  cr_assert(fabs(r->p - 1.0 / 252) < 1e-15);
  cr_assert(fabs(r->p_holm - 2.0 / 252) < 1e-15, "%g", r->p_holm);
  cr_assert_eq(gb_compare_failures(c), 2);
  gb_compare_free(c);
  gb_runset_free(set);
}

/* ---- bad input: exit 2 ---- */

Test(compare, bad_gate_key_exits_2_naming_the_key) {
  run_spec s = base_spec();
  gbt_proc p = compare_gate(&s, &s,
                            "metrics:\n  - metric: latency_e2e_p99_us\n  - metric: use_rate\n"
                            "    tolerance: five\n");
  cr_assert_eq(p.status, 2, "%s\n%s", p.out, p.err);
  cr_assert(strstr(p.err, "gate.yaml:4: key 'metrics[1].tolerance': expected a relative "
                          "tolerance"),
            "%s", p.err);
  cr_assert_str_eq(p.out, "", "nothing on stdout");
  gbt_proc_free(&p);
}

Test(compare, unknown_metric_in_gate_exits_2_naming_the_rule) {
  run_spec s = base_spec();
  gbt_proc p = compare_gate(&s, &s, "metrics:\n  - metric: latncy_e2e_p99_us\n");
  cr_assert_eq(p.status, 2, "%s\n%s", p.out, p.err);
  cr_assert(strstr(p.err, "gate.yaml:2: key 'metrics[0].metric': 'latncy_e2e_p99_us' is neither "
                          "in the metric registry nor in either run's results"),
            "%s", p.err);
  gbt_proc_free(&p);
  p = compare_gate(&s, &s, "metrics:\n  - metric: events_generated\n    arm: random\n");
  cr_assert_eq(p.status, 2, "%s\n%s", p.out, p.err);
  cr_assert(strstr(p.err, "'arm' applies to arms.csv's columns only"), "%s", p.err);
  gbt_proc_free(&p);
}

Test(compare, bad_directories_exit_2) {
  run_spec s = base_spec();
  char *b = write_run("base", &s);
  gbt_proc p = gbt_gamebench("compare '%s' '%s/nowhere'", b, tmp);
  cr_assert_eq(p.status, 2, "%s", p.err);
  cr_assert(strstr(p.err, "nowhere: not a results directory"), "%s", p.err);
  gbt_proc_free(&p);
  p = gbt_gamebench("compare '%s'", b);
  cr_assert_eq(p.status, 2, "%s", p.err);
  gbt_proc_free(&p);
  free(b);
}

/* ---- outputs ---- */

/* JUnit XML parses (python's xml.etree), one testcase per gated metric, a failure naming the
 * regression; Markdown has the table and the verdict; both written whole (no .tmp left). */
Test(compare, junit_and_markdown) {
  run_spec base = base_spec(), slow = base_spec();
  for (size_t k = 0; k < 5; k++)
    slow.p99[k] *= 1.5;
  char *junit = gbt_path(tmp, "out.xml"), *md = gbt_path(tmp, "out.md"), extra[2048];
  char *gate = write_gate("defaults: false\nmetrics:\n  - metric: latency_e2e_p99_us\n"
                          "  - metric: latency_e2e_p50_us\n  - metric: use_rate\n");
  snprintf(extra, sizeof extra, "--gate '%s' --junit '%s' --markdown '%s'", gate, junit, md);
  gbt_proc p = compare_cli(&base, &slow, extra);
  cr_assert_eq(p.status, 1, "%s\n%s", p.out, p.err);
  gbt_proc_free(&p);
  p = gbt_shell("python3 -c 'import sys, xml.etree.ElementTree as E\n"
                "r = E.parse(sys.argv[1]).getroot()\n"
                "print(r.tag, r.get(\"tests\"), r.get(\"failures\"))\n"
                "for c in r: print(c.get(\"name\"), \",\".join(x.tag for x in c))' '%s'",
                junit);
  cr_assert_eq(p.status, 0, "%s", p.err);
  cr_assert_str_eq(p.out, "testsuite 4 1\n"
                          "latency_e2e_p99_us failure\n"
                          "latency_e2e_p50_us \n"
                          "use_rate[random] \n"
                          "use_rate[popularity] \n");
  gbt_proc_free(&p);
  char *xml = gbt_read_file(junit, NULL), *text = gbt_read_file(md, NULL);
  cr_assert(strstr(xml, "<failure type=\"regression\" message=\"median +50.0%"), "%s", xml);
  cr_assert(strstr(text, "### gamebench compare: FAIL\n"), "%s", text);
  cr_assert(strstr(text,
                   "| metric | baseline | new | change | 95% interval | p (Holm) | verdict |\n"
                   "|---|---:|---:|---:|---|---:|---|\n"),
            "%s", text);
  cr_assert(strstr(text, "| `latency_e2e_p99_us` | 1000 | 1500 | +50.0% |"), "%s", text);
  cr_assert(strstr(text, "| **regression** |"), "%s", text);
  cr_assert(strstr(text, "- regression `latency_e2e_p99_us`: median +50.0%"), "%s", text);
  cr_assert_not(gbt_has_tmp_file(tmp));
  free(xml);
  free(text);
  free(junit);
  free(md);
  free(gate);
}

/* An output file that cannot be written: exit 2 (1 would read as a regression). */
Test(compare, unwritable_output_exits_2) {
  run_spec s = base_spec();
  char extra[1024];
  snprintf(extra, sizeof extra, "--junit '%s/no/such/dir/out.xml'", tmp);
  gbt_proc p = compare_cli(&s, &s, extra);
  cr_assert_eq(p.status, 2, "%s\n%s", p.out, p.err);
  cr_assert(strstr(p.err, "out.xml"), "%s", p.err);
  gbt_proc_free(&p);
}

Test(compare, help_documents_every_option_and_the_exit_statuses) {
  gbt_proc p = gbt_gamebench("compare --help");
  cr_assert_eq(p.status, 0);
  const char *want[] = {"--gate",       "--junit", "--markdown", "--all", "Exit status: 0 pass, 1",
                        "Mann-Whitney", "Holm",    "bootstrap"};
  for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
    assert_out(&p, want[i]);
  gbt_proc_free(&p);
}

/* Holm decides, not the raw p: 4 repeats a side, 3 timing metrics shifted by half: each raw
 * p = 1/70 = 0.014 <= 0.05 and Holm's smallest adjusted p is 3/70 = 0.043: flagged. A fourth
 * timing test (events_lost judged as timing: all 0, p = 1) makes it 4/70 = 0.057 > 0.05:
 * nothing can be flagged any more, the shifted rows are "inside noise" and a warning says so. */
Test(compare, holm_not_the_raw_p_decides) {
  run_spec base = base_spec(), slow = base_spec();
  base.repeats = slow.repeats = 4;
  for (size_t k = 0; k < 4; k++) {
    slow.p99[k] *= 1.5;
    slow.p50[k] *= 1.5;
    slow.rate[k] *= 0.5;
  }
  const char three[] = "defaults: false\nmetrics:\n  - metric: latency_e2e_p99_us\n"
                       "  - metric: latency_e2e_p50_us\n  - metric: achieved_rate_eps\n";
  gbt_proc p = compare_gate(&base, &slow, three);
  cr_assert_eq(p.status, 1, "%s\n%s", p.out, p.err);
  gbt_proc_free(&p);
  const char four_timing[] = "defaults: false\nmetrics:\n  - metric: latency_e2e_p99_us\n"
                             "  - metric: latency_e2e_p50_us\n  - metric: achieved_rate_eps\n"
                             "  - {metric: events_lost, kind: timing, direction: lower}\n";
  p = compare_gate(&base, &slow, four_timing);
  cr_assert_eq(p.status, 0, "%s\n%s", p.out, p.err);
  assert_out(&p, "warning: with 4 and 4 repeats, Holm over 4 timing metrics cannot reach alpha");
  assert_out(&p, "inside noise");
  gbt_proc_free(&p);
}
