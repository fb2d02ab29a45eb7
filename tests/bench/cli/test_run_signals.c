/* `gamebench run` and its results directory's lifecycle (#16 items 3 and 5): SIGINT or SIGTERM
 * once stops the simulator and writes complete results marked interrupted (exit 128 + signal);
 * twice aborts with no results directory and no .partial left; a stale .partial is never taken
 * for a run (not written into, not read by report, compare or query); an output.dir or --out
 * that cannot be written exits 2 before the run starts. The runs are the built gamebench,
 * started as a child. */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "gb_clock.h"
#include "gb_test_http.h"
#include "gb_test_results.h"
#include "gb_test_support.h"

/* A day of sim time at 3600× (24 s of wall time when not interrupted): long enough that the
 * signals below always arrive mid-run, short enough that a failure to stop still ends. */
#define LONG_RUN                                                                                   \
  "run workloads/default.yaml --set sim.players=300 --set sim.duration=1d "                        \
  "--set sim.time_scale=3600 --set warmup=0s --set output.plots=false"

/* Waits (60 s at most) until the run serving --http on the port in log has generated events:
 * it is then past its set-up, with its threads running. */
static void wait_for_events(const char *log) {
  cr_assert(gbt_wait_for_text(log, "serving http://", 60), "the run did not start");
  unsigned port = gbt_http_served_port(log);
  int64_t deadline = gb_clock_now_ns() + 60 * 1000000000LL;
  for (;;) {
    int status = 0;
    char *body = NULL;
    gbt_http_request((uint16_t)port, "GET", "/metrics", NULL, &status, &body);
    const char *at = strstr(body, "\ngamebench_events_generated_total ");
    double n = at ? strtod(at + strlen("\ngamebench_events_generated_total "), NULL) : 0;
    free(body);
    if (n > 0)
      return;
    cr_assert_lt(gb_clock_now_ns(), deadline, "no event generated within 60 s");
    gb_clock_sleep_until_ns(gb_clock_now_ns() + 20000000LL);
  }
}

static void interrupted_once(int sig, const char *name) {
  char *dir = gbt_tmpdir(), *out = gbt_path(dir, "r"), *log = gbt_path(dir, "log"),
       *partial = gbt_path(dir, "r.partial");
  pid_t pid = gbt_spawn(log, LONG_RUN " --out '%s' --http 127.0.0.1:0", out);
  wait_for_events(log);
  cr_assert_eq(kill(pid, sig), 0);
  int status = gbt_wait_exit(pid, 120);
  char *text = gbt_read_file(log, NULL);
  cr_assert_eq(status, 128 + sig, "exit %d, expected %d:\n%s", status, 128 + sig, text);
  cr_assert(strstr(text, "stopping the simulator"), "%s", text);
  cr_assert_not(gbt_exists(partial), "a .partial directory was left behind");
  /* complete results, reconciled, of a shorter run */
  char *summary = gbt_result_text(out, "summary.csv");
  cr_assert_eq(gbt_metric(summary, "interrupted"), 1);
  double sim = gbt_metric(summary, "sim_seconds");
  cr_assert(sim > 0 && sim < 86400, "sim_seconds %g: not part of the day", sim);
  cr_assert_gt(gbt_metric(summary, "events_generated"), 0);
  cr_assert_eq(gbt_metric(summary, "events_lost"), 0);
  cr_assert_eq(gbt_metric(summary, "events_processed"), gbt_metric(summary, "events_generated"));
  cr_assert_eq(gbt_metric(summary, "answers_received"), gbt_metric(summary, "decisions"));
  char *manifest = gbt_result_text(out, "manifest.json");
  cr_assert(strstr(manifest, "\"interrupted\": true") || strstr(manifest, "\"interrupted\":true"),
            "%s", manifest);
  char by[64];
  snprintf(by, sizeof by, "\"%s\"", name);
  cr_assert(strstr(manifest, by), "no %s in\n%s", by, manifest);
  char *report = gbt_result_text(out, "report.md");
  cr_assert(strstr(report, "Interrupted"), "the report does not say so:\n%s", report);
  for (const char *f = "arms.csv\0latency.csv\0partitions.csv\0"; *f; f += strlen(f) + 1) {
    char *t = gbt_result_text(out, f);
    free(t);
  }
  free(report);
  free(manifest);
  free(summary);
  free(text);
  gbt_rmtree(dir);
  free(partial);
  free(log);
  free(out);
  free(dir);
}

Test(run_signals, a_sigint_writes_complete_results_marked_interrupted_and_exits_130,
     .timeout = 300) {
  interrupted_once(SIGINT, "SIGINT");
}

Test(run_signals, a_sigterm_does_the_same_and_exits_143, .timeout = 300) {
  interrupted_once(SIGTERM, "SIGTERM");
}

/* Two signals: the process stopped meanwhile, so that both are there at its next look (two
 * SIGINTs would merge into one while pending: a standard signal is not queued twice). */
Test(run_signals, a_second_signal_aborts_with_no_results_and_no_partial, .timeout = 300) {
  char *dir = gbt_tmpdir(), *out = gbt_path(dir, "r"), *log = gbt_path(dir, "log"),
       *partial = gbt_path(dir, "r.partial");
  pid_t pid = gbt_spawn(log, LONG_RUN " --out '%s' --http 127.0.0.1:0", out);
  wait_for_events(log);
  cr_assert(gbt_exists(partial), "the results directory is reserved while the run goes on");
  cr_assert_eq(kill(pid, SIGSTOP), 0);
  cr_assert_eq(kill(pid, SIGINT), 0);
  cr_assert_eq(kill(pid, SIGTERM), 0);
  cr_assert_eq(kill(pid, SIGCONT), 0);
  int status = gbt_wait_exit(pid, 120);
  char *text = gbt_read_file(log, NULL);
  /* ended by whichever of the two its handler recorded last */
  cr_assert(status == 128 + SIGINT || status == 128 + SIGTERM, "exit %d:\n%s", status, text);
  cr_assert(strstr(text, "again: aborted, no results written"), "%s", text);
  cr_assert_not(gbt_exists(out), "results were written");
  cr_assert_not(gbt_exists(partial), "a .partial directory was left behind");
  free(text);
  gbt_rmtree(dir);
  free(partial);
  free(log);
  free(out);
  free(dir);
}

/* Waits (60 s at most) until path exists. */
static void wait_for_path(const char *path) {
  int64_t deadline = gb_clock_now_ns() + 60 * 1000000000LL;
  while (!gbt_exists(path)) {
    cr_assert_lt(gb_clock_now_ns(), deadline, "%s did not appear within 60 s", path);
    gb_clock_sleep_until_ns(gb_clock_now_ns() + 20000000LL);
  }
}

/* --repeat: a set of repeats is kept only whole, so an interrupted repeat leaves nothing. The
 * first repeat's .partial exists once its run handles the signals (gb_run.h). */
Test(run_signals, an_interrupted_repeat_ends_the_set_without_results, .timeout = 300) {
  char *dir = gbt_tmpdir(), *out = gbt_path(dir, "r"), *log = gbt_path(dir, "log"),
       *partial = gbt_path(dir, "r.partial"), *first = gbt_path(partial, "repeat-1.partial");
  pid_t pid = gbt_spawn(log, LONG_RUN " --no-report --repeat 3 --out '%s'", out);
  wait_for_path(first);
  cr_assert_eq(kill(pid, SIGINT), 0);
  int status = gbt_wait_exit(pid, 120);
  char *text = gbt_read_file(log, NULL);
  cr_assert_eq(status, 128 + SIGINT, "exit %d:\n%s", status, text);
  cr_assert(strstr(text, "interrupted by SIGINT in repeat 1 of 3: no results written"), "%s", text);
  cr_assert_not(gbt_exists(out), "results were written");
  cr_assert_not(gbt_exists(partial), "a .partial directory was left behind");
  free(text);
  gbt_rmtree(dir);
  free(first);
  free(partial);
  free(log);
  free(out);
  free(dir);
}

/* ---- stale .partial directories */

#define QUICK                                                                                      \
  "run workloads/default.yaml --set sim.players=50 --set sim.duration=1h "                         \
  "--set sim.time_scale=max --set warmup=0s --quiet --no-report"

static void make_stale(const char *path) {
  cr_assert_eq(mkdir(path, 0777), 0, "%s", path);
  char *marker = gbt_path(path, "summary.csv");
  gbt_write_file(marker, "metric,value,unit\nstale,1,\n");
  free(marker);
}

Test(run_signals, an_out_whose_partial_exists_exits_2_and_leaves_it_alone, .timeout = 120) {
  char *dir = gbt_tmpdir(), *out = gbt_path(dir, "r"), *partial = gbt_path(dir, "r.partial");
  make_stale(partial);
  gbt_proc p = gbt_gamebench(QUICK " --out '%s'", out);
  cr_assert_eq(p.status, 2, "%s", p.err);
  char says[4300];
  snprintf(says, sizeof says, "--out %s: %s.partial exists", out, out);
  cr_assert(strstr(p.err, says), "'%s' lacks '%s'", p.err, says);
  cr_assert_not(gbt_exists(out));
  char *marker = gbt_path(partial, "summary.csv"), *text = gbt_read_file(marker, NULL);
  cr_assert_str_eq(text, "metric,value,unit\nstale,1,\n", "the stale directory was written into");
  free(text);
  free(marker);
  gbt_proc_free(&p);
  gbt_rmtree(dir);
  free(partial);
  free(out);
  free(dir);
}

/* The default name <name>-<UTC second>: every name of the next seconds has a stale .partial,
 * so the run must take the suffixed one (-2) and leave the stale ones as they were. */
Test(run_signals, a_default_name_skips_a_stale_partial, .timeout = 120) {
  char *dir = gbt_tmpdir();
  time_t now = time(NULL);
  for (int i = -1; i < 60; i++) {
    time_t t = now + i;
    struct tm tm;
    gmtime_r(&t, &tm);
    char stamp[32], name[96];
    strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);
    snprintf(name, sizeof name, "%s/default-%s.partial", dir, stamp);
    make_stale(name);
  }
  gbt_proc p = gbt_gamebench(QUICK " --set output.dir='%s' --set name=default", dir);
  cr_assert_eq(p.status, 0, "%s", p.err);
  p.out[strcspn(p.out, "\n")] = '\0';
  cr_assert(strstr(p.out, "-2/summary.csv"), "not the suffixed name: %s", p.out);
  char *summary = gbt_read_file(p.out, NULL);
  cr_assert_not_null(summary);
  cr_assert_eq(gbt_metric(summary, "stale"), -1, "written into a stale directory");
  free(summary);
  gbt_proc_free(&p);
  gbt_rmtree(dir);
  free(dir);
}

/* tmpl with @1, @2, @3 replaced by a, b, c (the command lines and messages below). */
static void fill(char *dst, size_t cap, const char *tmpl, const char *a, const char *b,
                 const char *c) {
  size_t n = 0;
  for (const char *t = tmpl; *t && n + 1 < cap; t++) {
    const char *with = NULL;
    if (t[0] == '@' && t[1] >= '1' && t[1] <= '3')
      with = t[1] == '1' ? a : t[1] == '2' ? b : c;
    if (!with) {
      dst[n++] = *t;
      continue;
    }
    size_t len = strlen(with);
    cr_assert_lt(n + len, cap);
    memcpy(dst + n, with, len);
    n += len;
    t++;
  }
  dst[n] = '\0';
}

Test(run_signals, readers_refuse_a_partial_directory, .timeout = 120) {
  char *dir = gbt_tmpdir(), *partial = gbt_path(dir, "r.partial"), *other = gbt_path(dir, "o");
  make_stale(partial);
  gbt_proc p = gbt_gamebench(QUICK " --out '%s'", other);
  cr_assert_eq(p.status, 0, "%s", p.err);
  gbt_proc_free(&p);
  const char *cmds[] = {"report '@1'",
                        "report '@1/' --no-plots",
                        "compare '@1' '@2'",
                        "compare '@2' '@1'",
                        "query '@1' workloads/queries/rewards_by_type.yaml",
                        "report '@2' '@1' --out '@2-cmp'"};
  for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++) {
    char args[4400];
    fill(args, sizeof args, cmds[i], partial, other, NULL);
    p = gbt_gamebench("%s", args);
    cr_assert_eq(p.status, 2, "%s: exit %d\n%s", args, p.status, p.err);
    cr_assert(strstr(p.err, "r.partial") && strstr(p.err, "an unfinished results directory"),
              "%s: %s", args, p.err);
    gbt_proc_free(&p);
  }
  gbt_rmtree(dir);
  free(other);
  free(partial);
  free(dir);
}

/* ---- outputs that cannot be written: exit 2 before the run */

/* A directory this process cannot write in: a read-only one, or for root (whom permissions do
 * not stop) a place in /sys, where nothing can be made. */
static char *unwritable_dir(const char *tmp) {
  if (geteuid() == 0)
    return strdup("/sys/gamebench-test");
  char *ro = gbt_path(tmp, "ro");
  cr_assert_eq(mkdir(ro, 0555), 0);
  char *inside = gbt_path(ro, "out");
  free(ro);
  return inside;
}

static void assert_exit_2_at_once(const char *args, const char *says) {
  int64_t start = gb_clock_now_ns();
  gbt_proc p = gbt_gamebench(LONG_RUN " --quiet %s", args);
  double seconds = (double)(gb_clock_now_ns() - start) / 1e9;
  cr_assert_eq(p.status, 2, "%s: exit %d\n%s", args, p.status, p.err);
  cr_assert(strstr(p.err, says), "%s: '%s' lacks '%s'", args, p.err, says);
  /* the run it would have made takes a day at 3600x: a failure at its end would show */
  cr_assert_lt(seconds, 20, "%s: %.1f s: not checked before the run", args, seconds);
  gbt_proc_free(&p);
}

Test(run_signals, an_output_dir_that_cannot_be_written_exits_2_before_the_run, .timeout = 200) {
  char *dir = gbt_tmpdir(), *file = gbt_path(dir, "file"), *bad = unwritable_dir(dir);
  gbt_write_file(file, "x");
  /* @1: a file, @2: a place that cannot be written */
  static const struct {
    const char *args, *says;
  } cases[] = {
      {"--set output.dir=/dev/null", "output.dir /dev/null: not a directory"},
      {"--set output.dir='@1'", "output.dir @1: not a directory"},
      {"--set output.dir='@1/sub'", "output.dir @1/sub: @1 is not a directory"},
      {"--set output.dir='@2'", "output.dir @2: cannot write in "},
      {"--out '@1/r'", "--out @1/r: @1 is not a directory"},
      {"--out '@2/r'", "--out @2/r: cannot write in "},
      {"--repeat 2 --out '@1/r'", "--out @1/r: @1 is not a directory"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char args[4600], says[4600];
    fill(args, sizeof args, cases[i].args, file, bad, NULL);
    fill(says, sizeof says, cases[i].says, file, bad, NULL);
    assert_exit_2_at_once(args, says);
  }
  gbt_rmtree(dir);
  free(bad);
  free(file);
  free(dir);
}

Test(run_signals, other_commands_check_their_outputs_before_the_work, .timeout = 200) {
  char *dir = gbt_tmpdir(), *file = gbt_path(dir, "file"), *run = gbt_path(dir, "run");
  gbt_write_file(file, "x");
  gbt_proc p = gbt_gamebench(QUICK " --out '%s'", run);
  cr_assert_eq(p.status, 0, "%s", p.err);
  gbt_proc_free(&p);
  struct {
    const char *fmt, *says_fmt;
  } cases[] = {
      {"compare '@2' '@2' --junit '@1/x.xml'", "--junit @1/x.xml: @1 is not a directory"},
      {"compare '@2' '@2' --markdown '@3'", "--markdown @3: is a directory"},
      {"report '@2' '@2' --out '@1/cmp'", "--out @1/cmp: @1 is not a directory"},
      {"report --merge '@2' --out '@1/m'", "--out @1/m: @1 is not a directory"},
      {"query '@2' workloads/queries/rewards_by_type.yaml --out '@1/q.csv'",
       "--out @1/q.csv: @1 is not a directory"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char args[4600], says[4600];
    fill(args, sizeof args, cases[i].fmt, file, run, dir);
    fill(says, sizeof says, cases[i].says_fmt, file, run, dir);
    p = gbt_gamebench("%s", args);
    cr_assert_eq(p.status, 2, "%s: exit %d\n%s", args, p.status, p.err);
    cr_assert(strstr(p.err, says), "%s: '%s' lacks '%s'", args, p.err, says);
    gbt_proc_free(&p);
  }
  gbt_rmtree(dir);
  free(run);
  free(file);
  free(dir);
}
