/* gamebench match: the seed example from files, hot updates in the event stream, and bad input
 * (definitions, events, flags) rejected with exit status 2 and the culprit named. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "gb_test_support.h"

#define FIX GB_TEST_FIXTURES "/matcher/"

static const char *const algos[] = {"scan", "index"};

/* Whether s ends with suffix (messages of option errors start with "gamebench match:", which the
 * CLI may or may not prefix with "gamebench: "). */
static bool ends_with(const char *s, const char *suffix) {
  size_t n = strlen(s), k = strlen(suffix);
  return n >= k && strcmp(s + n - k, suffix) == 0;
}

Test(matcher_cli, reproduces_the_seed_example) {
  for (int i = 0; i < 2; i++) {
    gbt_proc p = gbt_gamebench("match --defs %sseed.yaml --events %sseed.jsonl --algo %s", FIX, FIX,
                               algos[i]);
    cr_expect_eq(p.status, 0, "%s: %s", algos[i], p.err);
    cr_expect_str_eq(p.out,
                     "{\"line\": 1, \"matches\": [\"log_in\"]}\n"
                     "{\"line\": 2, \"matches\": [\"log_in\", \"log_in_mobile\"]}\n"
                     "{\"line\": 3, \"matches\": []}\n",
                     "%s", algos[i]);
    cr_expect_str_eq(p.err, "");
    gbt_proc_free(&p);
  }
}

Test(matcher_cli, hot_updates_in_the_stream_take_effect_at_their_time) {
  for (int i = 0; i < 2; i++) {
    gbt_proc p = gbt_gamebench("match -d %sseed.yaml -e %shot.jsonl -a %s", FIX, FIX, algos[i]);
    cr_expect_eq(p.status, 0, "%s: %s", algos[i], p.err);
    /* Line 4 is blank: skipped but counted. Containers (extra, nested) are ignored. */
    cr_expect_str_eq(p.out,
                     "{\"line\": 1, \"matches\": []}\n"
                     "{\"line\": 2, \"matches\": []}\n"
                     "{\"line\": 3, \"matches\": []}\n"
                     "{\"line\": 5, \"matches\": [\"big_ddz\"]}\n"
                     "{\"line\": 6, \"matches\": []}\n"
                     "{\"line\": 7, \"matches\": []}\n",
                     "%s", algos[i]);
    gbt_proc_free(&p);
  }
}

Test(matcher_cli, matches_are_listed_in_ascending_id_order) {
  char *dir = gbt_tmpdir();
  char *defs = gbt_path(dir, "defs.yaml"), *events = gbt_path(dir, "e.jsonl");
  gbt_write_file(defs, "- {id: zeta, criteria: {x: 1}}\n- {id: alpha, criteria: {x: {lte: 1}}}\n"
                       "- {id: \"quote\\\"d\", criteria: {x: {in: [1, 2]}}}\n");
  gbt_write_file(events, "{\"x\": \"1\"}\n{\"x\": 2, \"y\": null}\n{\"x\": true}\n");
  gbt_proc p = gbt_gamebench("match --defs %s --events %s", defs, events);
  cr_expect_eq(p.status, 0, "%s", p.err);
  cr_expect_str_eq(p.out, "{\"line\": 1, \"matches\": [\"alpha\", \"quote\\\"d\", \"zeta\"]}\n"
                          "{\"line\": 2, \"matches\": [\"quote\\\"d\"]}\n"
                          "{\"line\": 3, \"matches\": [\"alpha\", \"quote\\\"d\", \"zeta\"]}\n");
  gbt_proc_free(&p);
  gbt_rmtree(dir);
  free(defs);
  free(events);
  free(dir);
}

/* Bad definitions: exit 2, the message names the file, line, definition and field. */
static const struct {
  const char *file, *msg;
} bad_defs[] = {
    {"bad_operator.yaml",
     "gamebench: " FIX "bad_operator.yaml:4: definition 'big_bet_mahjong': criteria.bet: "
     "unknown operator 'greater' (expected eq, ne, lt, lte, gt, gte, in, not_in, between)\n"},
    {"bad_range.yaml", "gamebench: " FIX "bad_range.yaml:7: definition 'mid_stakes': criteria.bet: "
                       "between: min 500 > max 100\n"},
    {"bad_type.yaml", "gamebench: " FIX "bad_type.yaml:1: definition 'joined': criteria.signup: "
                      "unknown attribute type 'date' (expected string or number)\n"},
};

Test(matcher_cli, bad_definitions_exit_2_naming_definition_and_field) {
  for (size_t i = 0; i < sizeof bad_defs / sizeof bad_defs[0]; i++) {
    gbt_proc p =
        gbt_gamebench("match --defs %s%s --events %sseed.jsonl", FIX, bad_defs[i].file, FIX);
    cr_expect_eq(p.status, 2, "%s: status %d", bad_defs[i].file, p.status);
    cr_expect_str_eq(p.err, bad_defs[i].msg);
    cr_expect_str_eq(p.out, "");
    gbt_proc_free(&p);
  }
}

Test(matcher_cli, bad_events_and_flags_exit_2) {
  char *dir = gbt_tmpdir();
  char *events = gbt_path(dir, "e.jsonl");
  gbt_write_file(events, "{\"action\": \"log_in\"}\n{\"action\": \n");
  gbt_proc p = gbt_gamebench("match --defs %sseed.yaml --events %s", FIX, events);
  cr_expect_eq(p.status, 2);
  cr_expect(strstr(p.err, "e.jsonl:2: ") != NULL, "%s", p.err);
  cr_expect_str_eq(p.out, "{\"line\": 1, \"matches\": [\"log_in\"]}\n"); /* up to the bad line */
  gbt_proc_free(&p);

  gbt_write_file(events, "{\"type\": \"challenge_upsert\", \"definition\": {\"id\": \"x\", "
                         "\"criteria\": {\"bet\": {\"between\": [2, 1]}}}}\n");
  p = gbt_gamebench("match --defs %sseed.yaml --events %s", FIX, events);
  cr_expect_eq(p.status, 2);
  cr_expect(strstr(p.err, "e.jsonl:1: challenge_upsert:1: definition 'x': criteria.bet: "
                          "between: min 2 > max 1") != NULL,
            "%s", p.err);
  gbt_proc_free(&p);

  p = gbt_gamebench("match --defs %sseed.yaml", FIX);
  cr_expect_eq(p.status, 2);
  cr_expect(ends_with(p.err, "gamebench match: --defs and --events are required\n"), "%s", p.err);
  gbt_proc_free(&p);

  p = gbt_gamebench("match --defs %sseed.yaml --events %s --algo fast", FIX, events);
  cr_expect_eq(p.status, 2);
  cr_expect(ends_with(p.err, "gamebench match: --algo: unknown matcher algorithm 'fast' "
                             "(expected scan or index)\n"),
            "%s", p.err);
  gbt_proc_free(&p);

  p = gbt_gamebench("match --defs %s/none.yaml --events %s", dir, events);
  cr_expect_eq(p.status, 2);
  gbt_proc_free(&p);
  gbt_rmtree(dir);
  free(events);
  free(dir);
}

Test(matcher_cli, reads_stdin_and_reports_stats) {
  gbt_proc p = gbt_shell("%s match --defs %sseed.yaml --events - --stats < %sseed.jsonl",
                         GB_GAMEBENCH_EXE, FIX, FIX);
  cr_expect_eq(p.status, 0, "%s", p.err);
  cr_expect(strstr(p.out, "{\"line\": 3, \"matches\": []}\n") != NULL);
  cr_expect(strncmp(p.err, "gamebench match: 3 events, 3 matches, index, ",
                    strlen("gamebench match: 3 events, 3 matches, index, ")) == 0,
            "%s", p.err);
  gbt_proc_free(&p);
}

/* #16 item 1: an event number with more than 19 significant digits and a fraction matched as 0
 * (`"amount": 100.00000000000000000000` missed `amount: 100` and hit `amount: 0`). */
Test(matcher_cli, long_mantissas_match_their_value) {
  char *dir = gbt_tmpdir();
  char *defs = gbt_path(dir, "defs.yaml"), *events = gbt_path(dir, "events.jsonl");
  gbt_write_file(defs,
                 "definitions:\n"
                 "  - {id: hundred, name: Bet 100, criteria: {action: bet, amount: 100}}\n"
                 "  - {id: zero, name: Bet 0, criteria: {action: bet, amount: 0}}\n"
                 "  - {id: pi, name: Pi, criteria: {action: bet, amount: 3.14159265358979}}\n");
  gbt_write_file(events, "{\"action\": \"bet\", \"amount\": 100.00000000000000000000}\n"
                         "{\"action\": \"bet\", \"amount\": \"100.00000000000000000000\"}\n"
                         "{\"action\": \"bet\", \"amount\": 3.14159265358979000000000}\n"
                         "{\"action\": \"bet\", \"amount\": 0.00000000000000000000000}\n");
  for (int i = 0; i < 2; i++) {
    gbt_proc p = gbt_gamebench("match --defs %s --events %s --algo %s", defs, events, algos[i]);
    cr_expect_eq(p.status, 0, "%s: %s", algos[i], p.err);
    cr_expect_str_eq(p.out,
                     "{\"line\": 1, \"matches\": [\"hundred\"]}\n"
                     "{\"line\": 2, \"matches\": [\"hundred\"]}\n"
                     "{\"line\": 3, \"matches\": [\"pi\"]}\n"
                     "{\"line\": 4, \"matches\": [\"zero\"]}\n",
                     "%s", algos[i]);
    gbt_proc_free(&p);
  }
  gbt_rmtree(dir);
  free(dir);
  free(defs);
  free(events);
}

/* #16 item 6: a NUL byte in an attribute name cut it short ("action\u0000x" matched as
 * "action"); rejected with the line. A NUL inside a value is only a value that matches nothing. */
Test(matcher_cli, nul_bytes_in_attribute_names_are_rejected) {
  char *dir = gbt_tmpdir();
  char *events = gbt_path(dir, "events.jsonl");
  gbt_write_file(events, "{\"action\": \"log\\u0000_in\"}\n{\"action\\u0000x\": \"log_in\"}\n");
  gbt_proc p = gbt_gamebench("match --defs %sseed.yaml --events %s", FIX, events);
  cr_expect_eq(p.status, 2, "%s", p.out);
  cr_expect_str_eq(p.out, "{\"line\": 1, \"matches\": []}\n");
  cr_expect_not_null(strstr(p.err, "events.jsonl:2: field name 'action\\u0000…' holds a NUL byte"),
                     "%s", p.err);
  gbt_proc_free(&p);
  gbt_rmtree(dir);
  free(dir);
  free(events);
}
