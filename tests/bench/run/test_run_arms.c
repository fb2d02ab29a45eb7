/* The per-arm results files written from hand-built counts: arms.csv's comparison with the random
 * arm, arms_daily.csv's periods and challenges.csv's rows, byte for byte (docs/results.md).
 *
 * Expected numbers: the statistics in 50-digit arithmetic (Python mpmath; the ratio interval by
 * root-finding on MOVER's defining equations, see test_twoprop.c), rounded to the results files'
 * 6 decimals. The counts: random uses 100 of 400 props, smart 150 of 410, control none; expected
 * use rates 0.3, 0.33 and 0; oracle 0.36, 0.37, 0.35 over 450, 460 and 470 scored decisions. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gb_run_arms.h"
#include "gb_test_results.h"
#include "gb_test_support.h"

static char *tmp;

static void setup(void) { tmp = gbt_tmpdir(); }
static void teardown(void) {
  gbt_rmtree(tmp);
  free(tmp);
}

TestSuite(run_arms, .init = setup, .fini = teardown);

static gb_arm_config ARMS[] = {{.name = "random", .algorithm = "random", .weight = 1},
                               {.name = "smart", .algorithm = "egreedy", .weight = 1},
                               {.name = "control", .algorithm = "none", .weight = 1}};

static const gb_sim_arm_stats STATS[] = {
    {.players = 100,
     .decisions = 500,
     .props_generated = 400,
     .props_shown = 380,
     .props_used = 100,
     .props_discarded = 50,
     .props_expired = 10,
     .props_completed = 20,
     .scored = 450,
     .expected_e9 = 135000000000, /* 0.3 x 450 */
     .oracle_e9 = 162000000000},  /* 0.36 x 450 */
    {.players = 100,
     .decisions = 520,
     .props_generated = 410,
     .props_shown = 400,
     .props_used = 150,
     .props_completed = 30,
     .scored = 460,
     .expected_e9 = 151800000000,                                                /* 0.33 x 460 */
     .oracle_e9 = 170200000000},                                                 /* 0.37 x 460 */
    {.players = 90, .decisions = 480, .scored = 470, .oracle_e9 = 164500000000}, /* 0.35 */
};

/* Two periods of 1 h from 23:30 UTC over a 90-minute run: the second is 30 minutes long and
 * starts on the next UTC date, still in sim day 0. */
#define START_MS 1767655800000LL /* 2026-01-05T23:30:00Z */
static const gb_sim_arm_period PERIODS[3 * 2] = {
    {.decisions = 250,
     .scored = 230,
     .props_generated = 200,
     .props_used = 60,
     .props_completed = 12,
     .expected_e9 = 69000000000,
     .oracle_e9 = 82800000000},
    {.decisions = 250,
     .scored = 220,
     .props_generated = 200,
     .props_used = 40,
     .props_completed = 8,
     .expected_e9 = 66000000000,
     .oracle_e9 = 79200000000},
    {.decisions = 270,
     .scored = 250,
     .props_generated = 250,
     .props_used = 90,
     .props_completed = 20,
     .expected_e9 = 82500000000,
     .oracle_e9 = 92500000000},
    {.decisions = 250,
     .scored = 210,
     .props_generated = 160,
     .props_used = 60,
     .props_completed = 10,
     .expected_e9 = 69300000000,
     .oracle_e9 = 77700000000},
    {.decisions = 480, .scored = 470, .oracle_e9 = 164500000000},
    {0},
};

static const char CATALOG[] =
    "definitions:\n"
    "  - {id: win3, criteria: {type: game_end, won: true}, progress: {count: 3},\n"
    "     reward: {coins: 300}, difficulty: 0.6, game: dou_dizhu}\n"
    "  - {id: play5, criteria: {type: game_end}, progress: {count: 5}, reward: {coins: 100}}\n";

/* Slots per arm: win3, play5, and ordinals outside the catalogue. */
static const gb_sim_arm_challenge CHALLENGES[3 * 3] = {
    {.props_generated = 300, .props_used = 80, .props_completed = 15, .chosen_e9 = 93000000000},
    {.props_generated = 100, .props_used = 20, .props_completed = 5, .chosen_e9 = 27000000000},
    {0},
    {.props_generated = 10, .props_used = 5, .props_completed = 1, .chosen_e9 = 4500000000},
    {.props_generated = 395, .props_used = 145, .props_completed = 29, .chosen_e9 = 130350000000},
    {.props_generated = 5}, /* a challenge an operator added: never used, no probability known */
    {0},
    {0},
    {0},
};

static gb_catalog *catalog;

static gb_run_arms example(void) {
  gb_err err = {0};
  if (!catalog)
    cr_assert_eq(gb_catalog_parse(CATALOG, strlen(CATALOG), "c.yaml", &catalog, &err), 0, "%s",
                 err.msg);
  return (gb_run_arms){.n_arms = 3,
                       .arms = ARMS,
                       .stats = STATS,
                       .start_ms = START_MS,
                       .duration_ms = 90 * 60000,
                       .period_ms = 3600000,
                       .n_periods = 2,
                       .periods = PERIODS,
                       .catalog = catalog,
                       .n_challenge_slots = 3,
                       .challenges = CHALLENGES};
}

static void assert_close(double got, double want, double rel, const char *what) {
  cr_assert(fabs(got - want) <= rel * fabs(want), "%s: got %.17g, want %.17g", what, got, want);
}

Test(run_arms, lift_interval_and_p_value_against_the_random_arm) {
  gb_run_arms a = example();
  cr_assert_eq(gb_run_arms_reference(&a), 0);
  gb_run_arm_lift l = gb_run_arms_lift(&a, 1, 0);
  assert_close(l.lift, 0.46341463414634146341, 1e-14, "lift");
  assert_close(l.ci_low, 0.18501803224172210761, 1e-13, "ci_low");
  assert_close(l.ci_high, 0.80962078826046582283, 1e-13, "ci_high");
  assert_close(l.p_value, 0.00035875549967623313899, 1e-11, "p");
  assert_close(l.expected_lift, 0.1, 1e-14, "expected lift: 0.33 / 0.3 - 1");
  assert_close(gb_run_arms_headroom(&a), 0.2, 1e-14, "headroom: 0.36 / 0.3 - 1");
  gb_run_arm_lift self = gb_run_arms_lift(&a, 0, 0);
  cr_assert_eq(self.lift, 0.0);
  cr_assert_eq(self.expected_lift, 0.0);
  cr_assert(isnan(self.ci_low) && isnan(self.ci_high) && isnan(self.p_value),
            "the random arm is not compared with itself");
  gb_run_arm_lift none = gb_run_arms_lift(&a, 2, 0);
  cr_assert(isnan(none.lift) && isnan(none.ci_low) && isnan(none.p_value), "no props, no rate");
  cr_assert_eq(none.expected_lift, -1.0, "choosing nothing: expected use rate 0");
}

Test(run_arms, arms_csv_compares_every_arm_with_random) {
  gb_run_arms a = example();
  gb_err err = {0};
  cr_assert_eq(gb_run_arms_write_totals(tmp, &a, &err), 0, "%s", err.msg);
  char *text = gbt_result_text(tmp, "arms.csv");
  cr_assert_str_eq(
      text,
      "arm,algorithm,players,decisions,props_generated,props_shown,props_used,props_discarded,"
      "props_expired,props_completed,use_rate,use_rate_ci_low,use_rate_ci_high,ctr,ctr_ci_low,"
      "ctr_ci_high,lift_vs_random,expected_use_rate,oracle_use_rate,regret_vs_oracle,lift_ci_low,"
      "lift_ci_high,lift_p_value,expected_lift_vs_random,headroom\n"
      "random,random,100,500,400,380,100,50,10,20,0.25,0.210079,0.294677,0.263158,0.221412,"
      "0.309644,0,0.3,0.36,0.06,,,,0,0.2\n"
      "smart,egreedy,100,520,410,400,150,0,0,30,0.365854,0.320676,0.413522,0.375,0.328957,"
      "0.423421,0.463415,0.33,0.37,0.04,0.185018,0.809621,0.000359,0.1,0.2\n"
      "control,none,90,480,0,0,0,0,0,0,,,,,,,,0,0.35,0.35,,,,-1,0.2\n"
      "oracle,oracle,290,1380,,,,,,,,,,,,,,0.359928,0.359928,0,,,,0.199758,0.2\n");
  free(text);
}

Test(run_arms, without_a_random_arm_the_comparisons_are_empty) {
  gb_run_arms a = example();
  a.arms = &ARMS[1];
  a.stats = &STATS[1];
  a.n_arms = 2;
  cr_assert_eq(gb_run_arms_reference(&a), 2);
  cr_assert(isnan(gb_run_arms_headroom(&a)));
  gb_err err = {0};
  cr_assert_eq(gb_run_arms_write_totals(tmp, &a, &err), 0, "%s", err.msg);
  char *text = gbt_result_text(tmp, "arms.csv");
  const char *rows = strchr(text, '\n') + 1;
  cr_assert_str_eq(rows, "smart,egreedy,100,520,410,400,150,0,0,30,0.365854,0.320676,0.413522,"
                         "0.375,0.328957,0.423421,,0.33,0.37,0.04,,,,,\n"
                         "control,none,90,480,0,0,0,0,0,0,,,,,,,,0,0.35,0.35,,,,,\n"
                         "oracle,oracle,190,930,,,,,,,,,,,,,,0.359892,0.359892,0,,,,,\n");
  free(text);
}

Test(run_arms, a_random_arm_without_props_leaves_the_lift_undefined) {
  gb_sim_arm_stats stats[2] = {STATS[0], STATS[1]};
  stats[0].props_generated = stats[0].props_used = 0;
  stats[0].scored = 0;
  gb_run_arms a = example();
  a.stats = stats;
  a.n_arms = 2;
  gb_run_arm_lift l = gb_run_arms_lift(&a, 1, 0);
  cr_assert(isnan(l.lift) && isnan(l.ci_low) && isnan(l.ci_high) && isnan(l.p_value));
  cr_assert(isnan(l.expected_lift));
  cr_assert(isnan(gb_run_arms_headroom(&a)));
}

Test(run_arms, arms_daily_csv_has_every_period_of_every_arm) {
  gb_run_arms a = example();
  gb_err err = {0};
  cr_assert_eq(gb_run_arms_write_daily(tmp, &a, &err), 0, "%s", err.msg);
  char *text = gbt_result_text(tmp, "arms_daily.csv");
  cr_assert_str_eq(
      text,
      "arm,algorithm,period,period_s,day,date,start_utc,decisions,scored,props_generated,"
      "props_used,props_completed,use_rate,use_rate_ci_low,use_rate_ci_high,expected_use_rate,"
      "oracle_use_rate\n"
      "random,random,0,3600,0,2026-01-05,2026-01-05T23:30:00Z,250,230,200,60,12,0.3,0.240747,"
      "0.366791,0.3,0.36\n"
      "random,random,1,1800,0,2026-01-06,2026-01-06T00:30:00Z,250,220,200,40,8,0.2,0.150452,"
      "0.260855,0.3,0.36\n"
      "smart,egreedy,0,3600,0,2026-01-05,2026-01-05T23:30:00Z,270,250,250,90,20,0.36,0.303032,"
      "0.421205,0.33,0.37\n"
      "smart,egreedy,1,1800,0,2026-01-06,2026-01-06T00:30:00Z,250,210,160,60,10,0.375,0.303743,"
      "0.452118,0.33,0.37\n"
      "control,none,0,3600,0,2026-01-05,2026-01-05T23:30:00Z,480,470,0,0,0,,,,0,0.35\n"
      "control,none,1,1800,0,2026-01-06,2026-01-06T00:30:00Z,0,0,0,0,0,,,,,\n");
  free(text);
}

Test(run_arms, daily_periods_count_days_from_the_start) {
  gb_sim_arm_period periods[3] = {{.decisions = 1}, {.decisions = 2}, {.decisions = 3}};
  gb_run_arms a = example();
  a.n_arms = 1;
  a.duration_ms = 3 * 86400000LL;
  a.period_ms = 86400000LL;
  a.n_periods = 3;
  a.periods = periods;
  gb_err err = {0};
  cr_assert_eq(gb_run_arms_write_daily(tmp, &a, &err), 0, "%s", err.msg);
  char *text = gbt_result_text(tmp, "arms_daily.csv");
  const char *rows = strchr(text, '\n') + 1;
  cr_assert_str_eq(rows,
                   "random,random,0,86400,0,2026-01-05,2026-01-05T23:30:00Z,1,0,0,0,0,,,,,\n"
                   "random,random,1,86400,1,2026-01-06,2026-01-06T23:30:00Z,2,0,0,0,0,,,,,\n"
                   "random,random,2,86400,2,2026-01-07,2026-01-07T23:30:00Z,3,0,0,0,0,,,,,\n");
  free(text);
}

Test(run_arms, challenges_csv_has_every_challenge_of_every_arm) {
  gb_run_arms a = example();
  gb_err err = {0};
  cr_assert_eq(gb_run_arms_write_challenges(tmp, &a, &err), 0, "%s", err.msg);
  char *text = gbt_result_text(tmp, "challenges.csv");
  cr_assert_str_eq(
      text, "arm,algorithm,challenge,game,difficulty,reward_coins,props_generated,props_share,"
            "props_used,props_completed,use_rate,use_rate_ci_low,use_rate_ci_high,"
            "mean_use_probability\n"
            "random,random,win3,dou_dizhu,0.6,300,300,0.75,80,15,0.266667,0.219806,0.319427,0.31\n"
            "random,random,play5,,0.5,100,100,0.25,20,5,0.2,0.133367,0.288829,0.27\n"
            "smart,egreedy,win3,dou_dizhu,0.6,300,10,0.02439,5,1,0.5,0.236593,0.763407,0.45\n"
            "smart,egreedy,play5,,0.5,100,395,0.963415,145,29,0.367089,0.321047,0.415691,0.33\n"
            "smart,egreedy,,,,,5,0.012195,0,0,0,0,0.434482,\n"
            "control,none,win3,dou_dizhu,0.6,300,0,,0,0,,,,\n"
            "control,none,play5,,0.5,100,0,,0,0,,,,\n");
  free(text);
}

Test(run_arms, write_makes_the_three_files_and_reports_an_unwritable_dir) {
  gb_run_arms a = example();
  gb_err err = {0};
  cr_assert_eq(gb_run_arms_write(tmp, &a, &err), 0, "%s", err.msg);
  const char *files[] = {"arms.csv", "arms_daily.csv", "challenges.csv"};
  for (size_t i = 0; i < 3; i++) {
    char *path = gbt_path(tmp, files[i]);
    cr_assert(gbt_exists(path), "%s", path);
    free(path);
  }
  cr_assert_not(gbt_has_tmp_file(tmp));
  char *missing = gbt_path(tmp, "no/such/dir");
  cr_assert_eq(gb_run_arms_write(missing, &a, &err), -1);
  cr_assert_eq(err.kind, GB_ERR_RUNTIME);
  cr_assert(strstr(err.msg, "arms.csv"), "%s", err.msg);
  free(missing);
}
