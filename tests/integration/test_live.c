/* The live HTTP face of a run (--http): POST /query answers as `gamebench query` does on the
 * results directory, in process and through the embedded broker, with 1 and 2 engine threads;
 * GET /metrics during a run is text promtool accepts. */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "gb_test_http.h"
#include "gb_test_support.h"

#define SMALL                                                                                      \
  "workloads/default.yaml --set sim.players=1500 --set sim.duration=1h --set warmup=0s "           \
  "--quiet --no-report"

/* Game ends by game per 10 minutes over the run's last hour, with every kind of measure, and the
 * rewards the engine granted by reward type. */
static const char QUERY[] = "{\"events\": \"game_end\", \"last\": \"1h\", "
                            "\"group_by\": [\"game\", \"time\"], \"granularity\": \"10m\", "
                            "\"measures\": [\"count\", \"sum\", \"min\", \"max\", \"avg\", "
                            "\"distinct_players\", \"p50\", \"p99\"], \"timezone\": \"+08:00\"}";
/* The committed example for any default run (the suites run from the source tree). */
static const char REWARDS_FILE[] = "workloads/queries/rewards_per_hour.yaml";

static char *post(unsigned port, const char *body) {
  int status;
  char *answer;
  gbt_http_request((uint16_t)port, "POST", "/query", body, &status, &answer);
  cr_assert_eq(status, 200, "POST /query: %d %s", status, answer);
  return answer;
}

/* `gamebench query DIR FILE --format json`, which must equal what HTTP answered. */
static void assert_same_as_persisted(const char *dir, const char *query, const char *live) {
  char *qpath = gbt_path(dir, "query.yaml");
  gbt_write_file(qpath, query);
  gbt_proc p = gbt_gamebench("query '%s' '%s' --format json", dir, qpath);
  cr_assert_eq(p.status, 0, "exit %d: %s", p.status, p.err);
  cr_assert_str_eq(p.out, live, "persisted:\n%s\nlive:\n%s", p.out, live);
  gbt_proc_free(&p);
  free(qpath);
}

/* Runs SMALL with extra settings and --http-hold; returns the two live answers (heap). */
static void run_and_ask(const char *extra, char **games, char **rewards) {
  char *tmp = gbt_tmpdir(), *dir = gbt_path(tmp, "run"), *log = gbt_path(tmp, "stderr.log");
  pid_t pid = gbt_spawn(log,
                        "run " SMALL " --set sim.time_scale=max %s --out '%s' "
                        "--http 127.0.0.1:0 --http-hold",
                        extra, dir);
  cr_assert(gbt_wait_for_text(log, "until SIGINT or SIGTERM", 240), "the run did not finish");
  unsigned port = gbt_http_served_port(log);
  char *rewards_query = gbt_read_file(REWARDS_FILE, NULL);
  cr_assert_not_null(rewards_query, "%s", REWARDS_FILE);
  *games = post(port, QUERY);
  *rewards = post(port, rewards_query);
  cr_assert_eq(kill(pid, SIGTERM), 0);
  int status = gbt_wait_exit(pid, 60);
  char *text = gbt_read_file(log, NULL);
  cr_assert_eq(status, 0, "exit %d\n%s", status, text);
  free(text);
  assert_same_as_persisted(dir, QUERY, *games);
  assert_same_as_persisted(dir, rewards_query, *rewards);
  free(rewards_query);
  gbt_rmtree(tmp);
  free(tmp);
  free(dir);
  free(log);
}

Test(live, query_answers_the_same_live_and_persisted_whatever_threads_and_transport,
     .timeout = 600) {
  char *g1, *r1, *g2, *r2, *gk, *rk;
  run_and_ask("--set engine.threads=1", &g1, &r1);
  run_and_ask("--set engine.threads=2", &g2, &r2);
  run_and_ask("--set transport.kind=kafka", &gk, &rk);
  cr_assert(strstr(g1, "\"rows\":[["), "no rows: %s", g1);
  cr_assert(strstr(r1, "coins"), "no rewards: %s", r1);
  cr_assert_str_eq(g1, g2);
  cr_assert_str_eq(g1, gk);
  cr_assert_str_eq(r1, r2);
  cr_assert_str_eq(r1, rk);
  free(g1), free(r1), free(g2), free(r2), free(gk), free(rk);
}

/* promtool (Debian's prometheus package) checks the text; in CI it must be there. */
static bool have_promtool(void) {
  gbt_proc p = gbt_shell("command -v promtool");
  bool found = p.status == 0;
  gbt_proc_free(&p);
  if (!found && getenv("CI") && strcmp(getenv("CI"), "true") == 0)
    cr_assert_fail("promtool is missing (scripts/setup installs it under CI)");
  return found;
}

Test(live, metrics_during_a_run_pass_promtool, .timeout = 300) {
  if (!have_promtool())
    cr_skip_test("promtool not installed (Debian package prometheus)");
  char *tmp = gbt_tmpdir(), *dir = gbt_path(tmp, "run"), *log = gbt_path(tmp, "stderr.log");
  /* 1 h of sim time at 1200 sim s per wall s: 3 s of wall time to look at it */
  pid_t pid = gbt_spawn(log, "run " SMALL " --set sim.time_scale=1200 --out '%s' --http 0", dir);
  cr_assert(gbt_wait_for_text(log, "serving http://", 60));
  unsigned port = gbt_http_served_port(log);
  int status;
  char *metrics;
  gbt_http_request((uint16_t)port, "GET", "/metrics", NULL, &status, &metrics);
  cr_assert_eq(status, 200);
  char *summary = gbt_path(dir, "summary.csv");
  cr_assert_not(gbt_exists(summary), "the run was over before /metrics was read");
  free(summary);
  cr_assert(strstr(metrics, "gamebench_events_processed_total"), "%s", metrics);
  cr_assert(strstr(metrics, "gamebench_latency_seconds{stage=\"e2e\",quantile=\"0.99\"}"), "%s",
            metrics);
  char *mpath = gbt_path(tmp, "metrics.txt");
  gbt_write_file(mpath, metrics);
  gbt_proc check = gbt_shell("promtool check metrics < '%s' 2>&1", mpath);
  cr_assert_eq(check.status, 0, "promtool: %s\n%s", check.out, metrics);
  gbt_proc_free(&check);
  cr_assert_eq(gbt_wait_exit(pid, 120), 0);
  free(metrics);
  free(mpath);
  gbt_rmtree(tmp);
  free(tmp);
  free(dir);
  free(log);
}

Test(live, bad_queries_get_400_with_the_reason, .timeout = 300) {
  char *tmp = gbt_tmpdir(), *dir = gbt_path(tmp, "run"), *log = gbt_path(tmp, "stderr.log");
  pid_t pid = gbt_spawn(log,
                        "run " SMALL " --set sim.time_scale=max --out '%s' --http 0 "
                        "--http-hold",
                        dir);
  cr_assert(gbt_wait_for_text(log, "until SIGINT or SIGTERM", 240));
  unsigned port = gbt_http_served_port(log);
  int status;
  char *answer;
  gbt_http_request((uint16_t)port, "POST", "/query", "{\"last\": \"1h\", \"measures\": [\"cnt\"]}",
                   &status, &answer);
  cr_assert_eq(status, 400);
  cr_assert(strstr(answer, "POST /query") && strstr(answer, "measures[0]"), "%s", answer);
  free(answer);
  gbt_http_request((uint16_t)port, "POST", "/query",
                   "{\"last\": \"1h\", \"group_by\": [\"colour\"]}", &status, &answer);
  cr_assert_eq(status, 400);
  cr_assert(strstr(answer, "colour"), "%s", answer);
  free(answer);
  cr_assert_eq(kill(pid, SIGINT), 0);
  cr_assert_eq(gbt_wait_exit(pid, 60), 0);
  gbt_rmtree(tmp);
  free(tmp);
  free(dir);
  free(log);
}

Test(live, bad_http_flags_exit_2_naming_the_flag, .timeout = 120) {
  char *tmp = gbt_tmpdir(), *dir = gbt_path(tmp, "run");
  const struct {
    const char *flags, *says;
  } cases[] = {{"--http 127.0.0.1:notaport", "--http"},
               {"--http-hold", "--http-hold: needs --http"},
               {"--http 0 --repeat 2", "--http: not with --repeat"}};
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    gbt_proc p =
        gbt_gamebench("run " SMALL " --set sim.time_scale=max --out '%s' %s", dir, cases[i].flags);
    cr_assert_eq(p.status, 2, "%s: exit %d\n%s", cases[i].flags, p.status, p.err);
    cr_assert(strstr(p.err, cases[i].says), "%s: %s", cases[i].flags, p.err);
    cr_assert_not(gbt_exists(dir), "%s: no results directory", cases[i].flags);
    gbt_proc_free(&p);
  }
  gbt_rmtree(tmp);
  free(tmp);
  free(dir);
}
