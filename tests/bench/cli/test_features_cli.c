/* gamebench features: the training table of a hand-made decisions.csv, to stdout and to a file,
 * exactly; bad input rejected with exit status 2, the file, line and column named, and nothing
 * written; and the table of a real run, one row per decision. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gb_test_results.h"
#include "gb_test_support.h"

static char *tmp;

static void setup(void) { tmp = gbt_tmpdir(); }
static void teardown(void) {
  gbt_rmtree(tmp);
  free(tmp);
}

TestSuite(features_cli, .init = setup, .fini = teardown);

#define FEATURES                                                                                   \
  "last_session_games,last_session_win_ratio,last_session_coins_delta,last_session_purchase,"      \
  "session_games,session_win_ratio,purchase_7d,games_today,days_since_last_purchase,"              \
  "favourite_game_share,days_since_install"

/* Four decisions as `gamebench run` writes them: a completed prop, a decision without a prop of
 * a player seen for the first time (no install day), a used prop whose challenge id needs
 * quotes, a discarded one; the extra column `note` is ignored. */
static const char decisions[] =
    "decision_id,player_id,ts,arm,n_eligible,chosen,prop_id,propensity,outcome," FEATURES
    ",country,platform,install_day,note\n"
    "4294967297,1,2026-01-05T12:00:01.500Z,random,3,win3_ddz,4294967297,0.333333,completed,"
    "4,0.5,-20,6,2,1,6,5,2.25,0.75,3,CN,android,20455,a\n"
    "8589934593,2,2026-01-05T12:00:02.000Z,control,2,,,1,none,"
    "0,0,0,0,0,0,0,0,-1,0,0,,,,b\n"
    "8589934600,2,2026-01-05T13:00:00.001Z,random,1,\"daily, any\",8589934600,1,used,"
    "0,0,0,0,1,1,0,1,-1,1,0,ID,ios,20458,c\n"
    "12884901889,3,2026-01-06T00:00:00.000Z,random,4,win3_ddz,12884901889,0.25,discarded,"
    "1,0,10,0,0,0,0,0,-1,1,1,US,pc,20457,d\n";

static const char table[] =
    "player_id,decision_time," FEATURES
    ",country,platform,install_day,arm,chosen,outcome,used,completed\n"
    "1,2026-01-05T12:00:01.500Z,4,0.5,-20,6,2,1,6,5,2.25,0.75,3,CN,android,20455,random,"
    "win3_ddz,completed,1,1\n"
    "2,2026-01-05T12:00:02.000Z,0,0,0,0,0,0,0,0,-1,0,0,,,,control,,none,0,0\n"
    "2,2026-01-05T13:00:00.001Z,0,0,0,0,1,1,0,1,-1,1,0,ID,ios,20458,random,\"daily, any\",used,1,"
    "0\n"
    "3,2026-01-06T00:00:00.000Z,1,0,10,0,0,0,0,0,-1,1,1,US,pc,20457,random,win3_ddz,discarded,0,"
    "0\n";

/* A run directory holding decisions.csv with text; returns its path. */
static char *run_dir(const char *name, const char *text) {
  char *dir = gbt_path(tmp, name);
  gbt_proc p = gbt_shell("mkdir -p '%s'", dir);
  cr_assert_eq(p.status, 0);
  gbt_proc_free(&p);
  char *file = gbt_path(dir, "decisions.csv");
  gbt_write_file(file, text);
  free(file);
  return dir;
}

Test(features_cli, writes_the_training_table_to_stdout) {
  char *dir = run_dir("run", decisions);
  gbt_proc p = gbt_gamebench("features '%s'", dir);
  cr_assert_eq(p.status, 0, "exit %d: %s", p.status, p.err);
  cr_assert_str_eq(p.out, table);
  cr_assert_str_eq(p.err, "");
  gbt_proc_free(&p);
  p = gbt_gamebench("features '%s' --out -", dir);
  cr_assert_eq(p.status, 0, "exit %d: %s", p.status, p.err);
  cr_assert_str_eq(p.out, table, "--out - is stdout");
  gbt_proc_free(&p);
  free(dir);
}

Test(features_cli, writes_the_training_table_to_a_file) {
  char *dir = run_dir("run", decisions);
  char *out = gbt_path(tmp, "train.csv");
  gbt_proc p = gbt_gamebench("features '%s' --out '%s'", dir, out);
  cr_assert_eq(p.status, 0, "exit %d: %s", p.status, p.err);
  cr_assert_str_eq(p.out, "");
  char *text = gbt_read_file(out, NULL);
  cr_assert_not_null(text);
  cr_assert_str_eq(text, table);
  cr_assert_not(gbt_has_tmp_file(tmp), "written atomically");
  free(text);
  gbt_proc_free(&p);
  free(out);
  free(dir);
}

Test(features_cli, an_empty_log_gives_the_header) {
  char *dir = run_dir("run", "decision_id,player_id,ts,arm,n_eligible,chosen,prop_id,propensity,"
                             "outcome," FEATURES ",country,platform,install_day\n");
  gbt_proc p = gbt_gamebench("features '%s'", dir);
  cr_assert_eq(p.status, 0, "exit %d: %s", p.status, p.err);
  cr_assert_str_eq(p.out, "player_id,decision_time," FEATURES
                          ",country,platform,install_day,arm,chosen,outcome,used,completed\n");
  gbt_proc_free(&p);
  free(dir);
}

/* decisions with the first occurrence of from replaced by to. */
static char *altered(const char *from, const char *to) {
  const char *at = strstr(decisions, from);
  cr_assert_not_null(at, "%s", from);
  size_t head = (size_t)(at - decisions), n = strlen(decisions) - strlen(from) + strlen(to) + 1;
  char *s = malloc(n);
  cr_assert_not_null(s);
  snprintf(s, n, "%.*s%s%s", (int)head, decisions, to, at + strlen(from));
  return s;
}

/* The altered log is rejected: exit 2, the message (after the directory) as given, no output
 * on stdout and no file at --out. */
static void expect_rejected(const char *from, const char *to, const char *message) {
  char *text = altered(from, to);
  char *dir = run_dir("bad", text);
  char *out = gbt_path(tmp, "train.csv");
  gbt_proc p = gbt_gamebench("features '%s' --out '%s'", dir, out);
  cr_assert_eq(p.status, 2, "%s: exit %d: %s", to, p.status, p.err);
  char want[512];
  snprintf(want, sizeof want, "gamebench: %s/decisions.csv%s\n", dir, message);
  cr_assert_str_eq(p.err, want);
  cr_assert_not(gbt_exists(out), "nothing written");
  cr_assert_not(gbt_has_tmp_file(tmp));
  gbt_proc_free(&p);
  p = gbt_gamebench("features '%s'", dir);
  cr_assert_eq(p.status, 2);
  cr_assert_str_eq(p.out, "", "nothing on stdout either");
  gbt_proc_free(&p);
  gbt_rmtree(dir);
  free(out);
  free(dir);
  free(text);
}

Test(features_cli, bad_logs_exit_2_naming_the_file_line_and_column) {
  expect_rejected("completed,4", "clicked,4",
                  ":2: column 'outcome': 'clicked' is not an outcome (none, shown, expired, "
                  "discarded, used, failed, completed)");
  expect_rejected("2026-01-05T12:00:02.000Z", "2026-01-05 12:00:02",
                  ":3: column 'ts': '2026-01-05 12:00:02' is not an ISO-8601 UTC time with "
                  "milliseconds (2026-01-05T12:10:27.014Z)");
  expect_rejected("2026-01-06T00:00:00.000Z", "2026-13-06T00:00:00.000Z",
                  ":5: column 'ts': '2026-13-06T00:00:00.000Z' is not an ISO-8601 UTC time with "
                  "milliseconds (2026-01-05T12:10:27.014Z)");
  expect_rejected("1,0,1,-1,1,0,ID", "1,0,x,-1,1,0,ID",
                  ":4: column 'games_today': 'x' is not a number");
  expect_rejected("1,0,1,-1,1,0,ID", "1,0,,-1,1,0,ID",
                  ":4: column 'games_today': empty (every feature has a value)");
  expect_rejected(",2,2026-01-05T12:00:02", ",P2,2026-01-05T12:00:02",
                  ":3: column 'player_id': 'P2' is not an integer");
  expect_rejected(",control,", ",,", ":3: column 'arm': empty (every decision has an arm)");
  expect_rejected("1,none,", "1,used,",
                  ":3: column 'outcome': an outcome other than 'none' without a chosen prop");
  expect_rejected(",20457,d", ",day7,d", ":5: column 'install_day': 'day7' is not an integer");
  expect_rejected(",outcome,", ",result,", ":1: no column 'outcome' in the header");
  expect_rejected("CN,android,20455,a", "CN,android,20455",
                  ":2: expected 24 fields (as in the header), found 23");
}

Test(features_cli, a_missing_log_or_bad_flags_exit_2) {
  gbt_proc p = gbt_gamebench("features '%s/none'", tmp);
  cr_assert_eq(p.status, 2);
  char want[512];
  snprintf(want, sizeof want,
           "gamebench: %s/none/decisions.csv: cannot open: No such file or directory\n", tmp);
  cr_assert_str_eq(p.err, want);
  cr_assert_str_eq(p.out, "");
  gbt_proc_free(&p);
  p = gbt_gamebench("features");
  cr_assert_eq(p.status, 2);
  cr_assert(strstr(p.err, "missing argument"), "%s", p.err);
  gbt_proc_free(&p);
  p = gbt_gamebench("features '%s' --output x.csv", tmp);
  cr_assert_eq(p.status, 2);
  cr_assert(strstr(p.err, "--output"), "%s", p.err);
  gbt_proc_free(&p);
}

Test(features_cli, help_documents_every_option_and_column) {
  gbt_proc p = gbt_gamebench("features --help");
  cr_assert_eq(p.status, 0);
  const char *needles[] = {"usage: gamebench features RUN_DIR [--out FILE.csv]",
                           "-o, --out FILE.csv",
                           "'-' for stdout (default: stdout)",
                           "decision_time",
                           "0/1 labels: used",
                           "Exit status: 0 done, 1"};
  for (size_t i = 0; i < sizeof needles / sizeof needles[0]; i++)
    cr_assert(strstr(p.out, needles[i]), "--help lacks '%s':\n%s", needles[i], p.out);
  gbt_proc_free(&p);
  p = gbt_gamebench("--help");
  cr_assert(strstr(p.out, "  features "), "listed among the commands:\n%s", p.out);
  gbt_proc_free(&p);
}

/* The table of a real run: a row per decision, the used labels those of the props the players
 * used (arms.csv). */
Test(features_cli, a_runs_table_has_a_row_per_decision) {
  char *dir = gbt_path(tmp, "run");
  gbt_proc p =
      gbt_gamebench("run workloads/default.yaml --set sim.players=300 --set sim.duration=2h "
                    "--set sim.time_scale=max --set warmup=0s --quiet --no-report "
                    "--out '%s'",
                    dir);
  cr_assert_eq(p.status, 0, "%s", p.err);
  gbt_proc_free(&p);
  p = gbt_gamebench("features '%s'", dir);
  cr_assert_eq(p.status, 0, "%s", p.err);
  size_t rows = 0, used = 0;
  for (const char *line = strchr(p.out, '\n'); line && line[1]; line = strchr(line + 1, '\n')) {
    rows++;
    const char *eol = strchr(line + 1, '\n');
    cr_assert(eol && eol - line > 4);
    used += eol[-3] == '1'; /* ...,used,completed */
  }
  char *summary = gbt_result_text(dir, "summary.csv");
  cr_assert_gt(rows, 100u);
  cr_assert_eq((double)rows, gbt_metric(summary, "decisions"));
  char *arms = gbt_result_text(dir, "arms.csv");
  const char *random = strstr(arms, "\nrandom,random,");
  cr_assert_not_null(random);
  unsigned long long counts[5];
  const char *at = random + strlen("\nrandom,random,");
  for (int i = 0; i < 5; i++) { /* players, decisions, generated, shown, used */
    char *end;
    counts[i] = strtoull(at, &end, 10);
    at = end + 1;
  }
  cr_assert_gt(counts[4], 0);
  cr_assert_eq(used, counts[4], "the random arm's props_used (the control arm sends none)");
  free(arms);
  free(summary);
  gbt_proc_free(&p);
  free(dir);
}
