/* `gamebench sim` and `gamebench bench sim` through the real executable: the acceptance checks
 * of the simulator issue (same bytes twice and with more threads, every line read back by the
 * engine's codec, the realism report with its targets), and the output cases. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "gb_codec.h"
#include "gb_test_support.h"

static char *tmp;

static void setup(void) { tmp = gbt_tmpdir(); }
static void teardown(void) {
  gbt_rmtree(tmp);
  free(tmp);
}

TestSuite(sim_cli, .init = setup, .fini = teardown);

static char *run_sim(const char *name, const char *extra) {
  char *path = gbt_path(tmp, name);
  gbt_proc p =
      gbt_gamebench("sim workloads/default.yaml --set sim.players=3000 %s --out '%s'", extra, path);
  cr_assert_eq(p.status, 0, "exit %d: %s", p.status, p.err);
  cr_assert(strstr(p.err, "events written to"), "%s", p.err);
  gbt_proc_free(&p);
  size_t len;
  char *text = gbt_read_file(path, &len);
  cr_assert_not_null(text);
  free(path);
  return text;
}

Test(sim_cli, same_bytes_twice_and_with_more_threads_and_every_line_decodes) {
  char *a = run_sim("a.jsonl", "");
  char *b = run_sim("b.jsonl", "");
  char *c = run_sim("c.jsonl", "--set sim.threads=4");
  cr_assert_gt(strlen(a), 100000u);
  cr_assert_str_eq(a, b);
  cr_assert_str_eq(a, c, "sim.threads=4 writes the same bytes");
  gb_codec *codec = NULL;
  gb_event ev;
  gb_err err = {0};
  cr_assert_eq(gb_codec_new(&codec, &err), 0, "%s", err.msg);
  size_t lines = 0;
  for (char *line = a, *end; *line; line = end + 1) {
    end = strchr(line, '\n');
    cr_assert_not_null(end, "every line ends with a newline");
    cr_assert_eq(gb_codec_decode_json(codec, line, (size_t)(end - line), &ev, &err), 0,
                 "line %zu: %s", lines + 1, err.msg);
    cr_assert_eq(ev.t_intended_ns, 0, "no harness stamps in the stream");
    lines++;
  }
  cr_expect_gt(lines, 1000u);
  gb_codec_free(codec);
  char *other = run_sim("d.jsonl", "--set seed=7");
  cr_expect_str_neq(a, other, "another seed, another stream");
  free(a);
  free(b);
  free(c);
  free(other);
}

Test(sim_cli, realism_report_prints_each_statistic_next_to_its_target) {
  gbt_proc p = gbt_gamebench("sim workloads/default.yaml --realism --set sim.players=500 "
                             "--set sim.duration=3d");
  cr_assert_eq(p.status, 0, "%s", p.err);
  cr_assert(strstr(p.out, "statistic") && strstr(p.out, "target"), "%s", p.out);
  /* D1 is measured (3 days of arrivals), D7 is not, and says why; the target is the workload's */
  const char *d1 = strstr(p.out, "retention_d1");
  cr_assert_not_null(d1, "%s", p.out);
  cr_expect(strstr(d1, "0.45") != NULL, "%s", p.out);
  const char *d7 = strstr(p.out, "retention_d7");
  cr_assert_not_null(d7);
  const char *na = strstr(d7, "n/a"), *eol = strchr(d7, '\n');
  cr_expect(na && eol && na < eol, "D7 is n/a in a 3-day run:\n%s", p.out);
  cr_expect(strstr(p.out, "needs arrivals (sim.arrivals > 0) and sim.duration >= 8d"), "%s", p.out);
  const char *names[] = {"session_length_p50",
                         "rounds_per_session",
                         "sessions_without_round",
                         "retention_d1_played",
                         "new_players_no_round_14d",
                         "new_player_rounds_14d_p50",
                         "events_per_active_day",
                         "peak_hour_local",
                         "game_share_top1",
                         "coin_source_sink_ratio",
                         "balance_p50"};
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
    cr_expect(strstr(p.out, names[i]), "%s missing:\n%s", names[i], p.out);
  gbt_proc_free(&p);
}

Test(sim_cli, stream_to_stdout_puts_the_report_on_stderr) {
  gbt_proc p = gbt_gamebench(
      "sim workloads/default.yaml --out - --realism --set sim.players=20 --set sim.duration=1h");
  cr_assert_eq(p.status, 0, "%s", p.err);
  cr_assert(strncmp(p.out, "{\"event_id\":", 12) == 0, "%.80s", p.out);
  cr_expect(strstr(p.out, "retention_d1") == NULL, "the report stays out of the stream");
  cr_expect(strstr(p.err, "retention_d1") != NULL, "%s", p.err);
  gbt_proc_free(&p);
}

Test(sim_cli, a_fifo_stays_a_fifo) {
  /* --out onto something that is not a regular file writes to it: renaming a temporary file
   * onto it would replace it (as root, /dev/null) */
  char *fifo = gbt_path(tmp, "pipe"), *copy = gbt_path(tmp, "copy");
  cr_assert_eq(mkfifo(fifo, 0600), 0);
  gbt_proc p = gbt_shell("cat '%s' > '%s' & %s sim workloads/default.yaml --set sim.players=20 "
                         "--set sim.duration=1h --out '%s'; status=$?; wait; exit $status",
                         fifo, copy, GB_GAMEBENCH_EXE, fifo);
  cr_assert_eq(p.status, 0, "%s", p.err);
  struct stat st;
  cr_assert_eq(stat(fifo, &st), 0);
  cr_expect(S_ISFIFO(st.st_mode), "still a FIFO");
  char *text = gbt_read_file(copy, NULL);
  cr_assert_not_null(text);
  cr_expect(strncmp(text, "{\"event_id\":", 12) == 0, "%.80s", text);
  free(text);
  gbt_proc_free(&p);
  free(fifo);
  free(copy);
}

Test(sim_cli, bad_input_exits_2_naming_the_key) {
  gbt_proc p = gbt_gamebench("sim workloads/default.yaml --realism --set sim.retention.d1=0.95");
  cr_expect_eq(p.status, 2);
  cr_expect(strstr(p.err, "sim.retention.d1") && strstr(p.err, "is above what"), "%s", p.err);
  gbt_proc_free(&p);
  p = gbt_gamebench("sim workloads/default.yaml");
  cr_expect_eq(p.status, 2);
  cr_expect(strstr(p.err, "--out FILE is required"), "%s", p.err);
  gbt_proc_free(&p);
  char *missing = gbt_path(tmp, "no/such/dir/x.jsonl");
  p = gbt_gamebench("sim workloads/default.yaml --set sim.players=5 --out '%s'", missing);
  cr_expect_eq(p.status, 2);
  cr_expect(strstr(p.err, "cannot create"), "%s", p.err);
  gbt_proc_free(&p);
  free(missing);
  /* a store workload: refused, nothing written (it used to write a card stream) */
  char *store = gbt_path(tmp, "store.jsonl");
  p = gbt_gamebench("sim workloads/steam.yaml --out '%s'", store);
  cr_expect_eq(p.status, 2);
  cr_expect(strstr(p.err, "sim.platform store") && strstr(p.err, "card platform's only"), "%s",
            p.err);
  gbt_proc_free(&p);
  struct stat st;
  cr_expect_neq(stat(store, &st), 0, "no file written");
  free(store);
  p = gbt_gamebench("sim workloads/mixed.yaml --realism");
  cr_expect_eq(p.status, 2);
  cr_expect(strstr(p.err, "sim.platform mixed"), "%s", p.err);
  gbt_proc_free(&p);
}

Test(sim_cli, bench_sim_reports_rates_and_verdicts) {
  gbt_proc p = gbt_gamebench("bench sim --players 500 --duration 2h --repetitions 1 --threads 2");
  cr_assert_eq(p.status, 0, "%s", p.err);
  cr_expect(strstr(p.out, "memory, 1 core"), "%s", p.out);
  cr_expect(strstr(p.out, "json lines, 1 core"), "%s", p.out);
  cr_expect(strstr(p.out, "json lines, 2 threads"), "%s", p.out);
  cr_expect(strstr(p.out, "memory: target 10 M events/s/core"), "%s", p.out);
  cr_expect(strstr(p.out, "json lines: target 2 M events/s/core"), "%s", p.out);
  gbt_proc_free(&p);
  p = gbt_gamebench("bench sim --duration 0s");
  cr_expect_eq(p.status, 2, "%s", p.err);
  gbt_proc_free(&p);
  p = gbt_gamebench("bench sim --platform steam");
  cr_expect_eq(p.status, 2, "%s", p.err);
  cr_expect(strstr(p.err, "--platform steam: expected card or store"), "%s", p.err);
  gbt_proc_free(&p);
}
