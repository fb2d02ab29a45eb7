/* gb_prom: the exact exposition text of a small snapshot, escaping, number forms, and Prometheus's
 * own checker (promtool check metrics) accepting the output. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gb_err.h"
#include "gb_prom.h"
#include "gb_test_support.h"

static const gb_prom_stage STAGES[] = {
    {.stage = "e2e",
     .count = 985,
     .sum_seconds = 0.0123,
     .p50_s = 1e-05,
     .p90_s = 2.5e-05,
     .p99_s = 0.0001,
     .p999_s = 0.00025,
     .max_s = 0.001},
    /* no sample yet: NaN quantiles, as Prometheus's clients write an empty summary */
    {.stage = "decode", .p50_s = NAN, .p90_s = NAN, .p99_s = NAN, .p999_s = NAN},
};

static gb_prom_snapshot small_snapshot(void) {
  return (gb_prom_snapshot){.workload = "default",
                            .transport = "inproc",
                            .uptime_seconds = 12.5,
                            .events_generated = 1000,
                            .events_consumed = 990,
                            .events_processed = 985,
                            .events_rejected = 3,
                            .events_late = 2,
                            .events_duplicate = 1,
                            .events_replayed = 0,
                            .decisions = 120,
                            .props = 30,
                            .stages = STAGES,
                            .n_stages = 2};
}

static const char SMALL_TEXT[] =
    "# HELP gamebench_run_info The run's workload and transport (always 1).\n"
    "# TYPE gamebench_run_info gauge\n"
    "gamebench_run_info{workload=\"default\",transport=\"inproc\"} 1\n"
    "# HELP gamebench_uptime_seconds Wall seconds since the run started.\n"
    "# TYPE gamebench_uptime_seconds gauge\n"
    "gamebench_uptime_seconds 12.5\n"
    "# HELP gamebench_events_generated_total Events the simulator generated.\n"
    "# TYPE gamebench_events_generated_total counter\n"
    "gamebench_events_generated_total 1000\n"
    "# HELP gamebench_events_consumed_total Events the engine's shards received from the "
    "transport.\n"
    "# TYPE gamebench_events_consumed_total counter\n"
    "gamebench_events_consumed_total 990\n"
    "# HELP gamebench_events_processed_total Events that went through every stage of the "
    "pipeline.\n"
    "# TYPE gamebench_events_processed_total counter\n"
    "gamebench_events_processed_total 985\n"
    "# HELP gamebench_events_rejected_total Malformed events rejected by the pipeline.\n"
    "# TYPE gamebench_events_rejected_total counter\n"
    "gamebench_events_rejected_total 3\n"
    "# HELP gamebench_events_late_total Events the run counted as late.\n"
    "# TYPE gamebench_events_late_total counter\n"
    "gamebench_events_late_total 2\n"
    "# HELP gamebench_events_duplicate_total Events skipped as copies of an event already "
    "processed.\n"
    "# TYPE gamebench_events_duplicate_total counter\n"
    "gamebench_events_duplicate_total 1\n"
    "# HELP gamebench_events_replayed_total Events handed over again to rebuild a shard's state.\n"
    "# TYPE gamebench_events_replayed_total counter\n"
    "gamebench_events_replayed_total 0\n"
    "# HELP gamebench_decisions_total Decision points answered by the recommender.\n"
    "# TYPE gamebench_decisions_total counter\n"
    "gamebench_decisions_total 120\n"
    "# HELP gamebench_props_total Decisions that generated a prop.\n"
    "# TYPE gamebench_props_total counter\n"
    "gamebench_props_total 30\n"
    "# HELP gamebench_latency_seconds Latency of each stage of an event's way, in seconds.\n"
    "# TYPE gamebench_latency_seconds summary\n"
    "gamebench_latency_seconds{stage=\"e2e\",quantile=\"0.5\"} 1e-05\n"
    "gamebench_latency_seconds{stage=\"e2e\",quantile=\"0.9\"} 2.5e-05\n"
    "gamebench_latency_seconds{stage=\"e2e\",quantile=\"0.99\"} 0.0001\n"
    "gamebench_latency_seconds{stage=\"e2e\",quantile=\"0.999\"} 0.00025\n"
    "gamebench_latency_seconds_sum{stage=\"e2e\"} 0.0123\n"
    "gamebench_latency_seconds_count{stage=\"e2e\"} 985\n"
    "gamebench_latency_seconds{stage=\"decode\",quantile=\"0.5\"} NaN\n"
    "gamebench_latency_seconds{stage=\"decode\",quantile=\"0.9\"} NaN\n"
    "gamebench_latency_seconds{stage=\"decode\",quantile=\"0.99\"} NaN\n"
    "gamebench_latency_seconds{stage=\"decode\",quantile=\"0.999\"} NaN\n"
    "gamebench_latency_seconds_sum{stage=\"decode\"} 0\n"
    "gamebench_latency_seconds_count{stage=\"decode\"} 0\n"
    "# HELP gamebench_latency_max_seconds Largest latency of each stage so far, in seconds.\n"
    "# TYPE gamebench_latency_max_seconds gauge\n"
    "gamebench_latency_max_seconds{stage=\"e2e\"} 0.001\n"
    "gamebench_latency_max_seconds{stage=\"decode\"} 0\n";

static char *render(const gb_prom_snapshot *s, size_t *len) {
  char *text = NULL;
  gb_err err = {0};
  cr_assert_eq(gb_prom_render(s, &text, len, &err), 0, "%s", err.msg);
  cr_assert_not_null(text);
  cr_assert_eq(strlen(text), *len, "the length is the text's, NUL-terminated");
  return text;
}

/* The line of text that starts with prefix, as a heap string; NULL when none does. */
static char *line_starting(const char *text, const char *prefix) {
  for (const char *s = text; *s;) {
    size_t n = strcspn(s, "\n");
    if (strncmp(s, prefix, strlen(prefix)) == 0)
      return strndup(s, n);
    s += n + (s[n] == '\n');
  }
  return NULL;
}

Test(prom, a_small_snapshot_renders_exactly) {
  gb_prom_snapshot s = small_snapshot();
  size_t len;
  char *text = render(&s, &len);
  cr_assert_str_eq(text, SMALL_TEXT);
  free(text);
}

Test(prom, label_values_are_escaped) {
  gb_prom_snapshot s = small_snapshot();
  s.workload = "a\\b\"c\nd";
  s.transport = NULL; /* an empty value */
  gb_prom_stage stage = {.stage = "x\"y",
                         .count = 1,
                         .p50_s = 1,
                         .p90_s = 1,
                         .p99_s = 1,
                         .p999_s = 1,
                         .max_s = 1,
                         .sum_seconds = 1};
  s.stages = &stage;
  s.n_stages = 1;
  size_t len;
  char *text = render(&s, &len);
  char *info = line_starting(text, "gamebench_run_info{");
  cr_assert_not_null(info);
  cr_assert_str_eq(info, "gamebench_run_info{workload=\"a\\\\b\\\"c\\nd\",transport=\"\"} 1");
  char *max = line_starting(text, "gamebench_latency_max_seconds{");
  cr_assert_not_null(max);
  cr_assert_str_eq(max, "gamebench_latency_max_seconds{stage=\"x\\\"y\"} 1");
  cr_assert_null(strstr(text, "\nd\""), "no raw newline inside a label value");
  free(info);
  free(max);
  free(text);
}

Test(prom, numbers_take_their_shortest_exact_form) {
  gb_prom_snapshot s = small_snapshot();
  s.events_generated = UINT64_MAX;
  s.n_stages = 0;
  s.stages = NULL;
  struct {
    double v;
    const char *text;
  } cases[] = {{0.1 + 0.2, "0.30000000000000004"},
               {1.0 / 3, "0.3333333333333333"},
               {1e21, "1e+21"},
               {123456789.0, "123456789"},
               {-0.5, "-0.5"},
               {INFINITY, "+Inf"},
               {-INFINITY, "-Inf"},
               {NAN, "NaN"}};
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    s.uptime_seconds = cases[i].v;
    size_t len;
    char *text = render(&s, &len);
    char *line = line_starting(text, "gamebench_uptime_seconds ");
    cr_assert_not_null(line);
    cr_assert_str_eq(line + strlen("gamebench_uptime_seconds "), cases[i].text, "case %zu", i);
    if (isfinite(cases[i].v))
      cr_assert_eq(strtod(cases[i].text, NULL), cases[i].v, "case %zu reads back", i);
    free(line);
    free(text);
  }
  size_t len;
  char *text = render(&s, &len);
  char *line = line_starting(text, "gamebench_events_generated_total ");
  cr_assert_str_eq(line, "gamebench_events_generated_total 18446744073709551615");
  free(line);
  free(text);
}

Test(prom, no_stage_leaves_the_latency_families_out) {
  gb_prom_snapshot s = small_snapshot();
  s.stages = NULL;
  s.n_stages = 0;
  size_t len;
  char *text = render(&s, &len);
  cr_assert_null(strstr(text, "latency"), "%s", text);
  /* everything before the latency families is unchanged */
  const char *cut = strstr(SMALL_TEXT, "# HELP gamebench_latency_seconds");
  cr_assert_not_null(cut);
  cr_assert_eq(len, (size_t)(cut - SMALL_TEXT));
  cr_assert_eq(strncmp(text, SMALL_TEXT, len), 0);
  free(text);
}

/* ---- promtool ------------------------------------------------------------------------------- */

/* Whether promtool (Debian's package prometheus) is on PATH. In CI it must be (scripts/test sets
 * GB_SETUP_PROMETHEUS=1 for scripts/setup); elsewhere its absence skips the test. */
static void require_promtool(void) {
  gbt_proc p = gbt_shell("command -v promtool");
  int status = p.status;
  gbt_proc_free(&p);
  if (status == 0)
    return;
  const char *ci = getenv("CI");
  if (ci && strcmp(ci, "true") == 0)
    cr_assert_fail("CI=true but promtool is not installed: scripts/setup installs the Debian "
                   "package prometheus when GB_SETUP_PROMETHEUS=1 (scripts/test sets it in CI)");
  fprintf(stderr, "prom: promtool check skipped: promtool not found (apt-get install "
                  "prometheus, or GB_SETUP_PROMETHEUS=1 scripts/setup)\n");
  cr_skip_test("promtool not found: install the Debian package prometheus "
               "(GB_SETUP_PROMETHEUS=1 scripts/setup) to check the exposition text");
}

/* Runs `promtool check metrics` on text; returns its exit status and its output in *report. */
static int promtool_check(const char *text, size_t len, char **report) {
  char *dir = gbt_tmpdir();
  char *out = gbt_path(dir, "promtool.out");
  char cmd[4200];
  snprintf(cmd, sizeof cmd, "promtool check metrics >'%s' 2>&1", out);
  FILE *pipe = popen(cmd, "w");
  cr_assert_not_null(pipe, "popen: %s", cmd);
  cr_assert_eq(fwrite(text, 1, len, pipe), len);
  int status = pclose(pipe);
  *report = gbt_read_file(out, NULL);
  cr_assert_not_null(*report);
  gbt_rmtree(dir);
  free(out);
  free(dir);
  return status;
}

Test(prom, promtool_accepts_the_text) {
  require_promtool();
  gb_prom_snapshot s = small_snapshot();
  gb_prom_stage stage = {.stage = "a \"quoted\"\nstage\\", .count = 1, .sum_seconds = 1};
  gb_prom_stage stages[] = {STAGES[0], STAGES[1], stage};
  s.stages = stages;
  s.n_stages = 3;
  s.workload = "work\"load\n";
  size_t len;
  char *text = render(&s, &len);
  char *report;
  int status = promtool_check(text, len, &report);
  cr_assert_eq(status, 0, "promtool check metrics failed:\n%s\non:\n%s", report, text);
  cr_assert_str_eq(report, "", "promtool's lint has remarks:\n%s", report);
  free(report);
  free(text);
}

Test(prom, promtool_rejects_broken_text) {
  /* the control: the check above can fail (a sample with no value) */
  require_promtool();
  const char broken[] = "# TYPE gamebench_props_total counter\ngamebench_props_total\n";
  char *report;
  int status = promtool_check(broken, sizeof broken - 1, &report);
  cr_assert_neq(status, 0, "promtool accepted: %s", broken);
  free(report);
}

/* ---- the deploy files that read this text (docker-compose.yml's Prometheus and Grafana) ------ */

#define DASHBOARD GB_SOURCE_DIR "/deploy/grafana/dashboards/gamebench.json"
#define PROMETHEUS_YML GB_SOURCE_DIR "/deploy/prometheus/prometheus.yml"

/* Whether text has a sample line of metric name (name then '{' or ' '). */
static bool has_sample(const char *text, const char *name) {
  size_t n = strlen(name);
  for (const char *s = text; *s;) {
    if (strncmp(s, name, n) == 0 && (s[n] == '{' || s[n] == ' '))
      return true;
    s += strcspn(s, "\n");
    s += *s == '\n';
  }
  return false;
}

Test(prom, the_dashboard_queries_only_metrics_the_text_has) {
  /* python3 parses the JSON (a syntax error fails here) and lists the metric names of every
   * panel's queries */
  gbt_proc p = gbt_shell("python3 -c \"import json, re, sys; d = json.load(open(sys.argv[1])); "
                         "print('\\n'.join(sorted({m for p in d['panels'] for t in p['targets'] "
                         "for m in re.findall(r'gamebench_[a-z0-9_]+', t['expr'])})))\" '%s'",
                         DASHBOARD);
  cr_assert_eq(p.status, 0, "%s: %s", DASHBOARD, p.err);
  gb_prom_snapshot s = small_snapshot();
  size_t len;
  char *text = render(&s, &len);
  int names = 0;
  char *save = NULL;
  for (char *name = strtok_r(p.out, "\n", &save); name; name = strtok_r(NULL, "\n", &save)) {
    cr_assert(has_sample(text, name), "the dashboard queries %s, which gb_prom does not write",
              name);
    names++;
  }
  /* run info, uptime, the 9 counters, the latency summary and its max */
  cr_assert_eq(names, 13, "the dashboard shows %d of the 13 metrics", names);
  free(text);
  gbt_proc_free(&p);
}

Test(prom, the_prometheus_config_is_valid) {
  require_promtool();
  gbt_proc p = gbt_shell("promtool check config '%s'", PROMETHEUS_YML);
  cr_assert_eq(p.status, 0, "%s%s", p.out, p.err);
  gbt_proc_free(&p);
}
