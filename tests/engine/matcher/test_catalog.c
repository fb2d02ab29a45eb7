/* The catalogue loader: fields of the public view, formats, and bad definitions rejected with the
 * file, line, definition and field named. */
#include <criterion/criterion.h>
#include <string.h>

#include "gb_catalog.h"
#include "gb_test_limits.h"

static int parse(const char *text, gb_catalog **c, gb_err *err) {
  *c = NULL;
  gb_err_clear(err);
  return gb_catalog_parse(text, strlen(text), "defs.yaml", c, err);
}

Test(catalog, default_catalogue_fields) {
  gb_catalog *c = NULL;
  gb_err err = {0};
  cr_assert_eq(gb_catalog_load(GB_SOURCE_DIR "/workloads/challenges/default.yaml", &c, &err), 0,
               "%s", err.msg);
  cr_assert_eq(gb_catalog_size(c), 12);
  cr_assert_eq(gb_catalog_active(c), 12);
  size_t ord = 99;
  cr_assert_eq(gb_catalog_find(c, "play5_mahjong_bet100", &ord), 0);
  cr_assert_eq(ord, 1);
  const gb_challenge *ch = gb_catalog_at(c, ord);
  cr_expect_str_eq(ch->id, "play5_mahjong_bet100");
  cr_expect_str_eq(ch->name, "Play 5 Mahjong games at bet >= 100");
  cr_expect_eq(ch->ttl_s, 3 * 3600);
  cr_expect_eq(ch->reward_coins, 800);
  cr_expect_float_eq(ch->difficulty, 0.55, 1e-12);
  cr_expect_str_eq(ch->game, "sichuan_mahjong"); /* explicit game: key */
  cr_expect_eq(ch->progress_target, 5);
  cr_expect_eq(ch->ordinal, 1);
  cr_expect(ch->active);

  cr_assert_eq(gb_catalog_find(c, "win3_doudizhu", &ord), 0);
  ch = gb_catalog_at(c, ord);
  cr_expect_str_eq(ch->game, "dou_dizhu"); /* from the criteria's equality on game */
  cr_expect_eq(ch->progress_target, 3);
  cr_expect_eq(ch->ttl_s, 7200);

  cr_assert_eq(gb_catalog_find(c, "earn2000_doudizhu", &ord), 0);
  ch = gb_catalog_at(c, ord);
  cr_expect_eq(ch->progress_target, 2000);
  cr_expect_eq(ch->window_s, 3600);

  cr_assert_eq(gb_catalog_find(c, "daily3_any", &ord), 0);
  ch = gb_catalog_at(c, ord);
  cr_expect_null(ch->game); /* no game criterion */
  cr_expect(ch->daily);
  cr_expect_eq(ch->streak_days, 3);

  cr_assert_eq(gb_catalog_find(c, "highroller_mahjong", &ord), 0);
  ch = gb_catalog_at(c, ord);
  cr_expect_eq(ch->progress_target, 0); /* no progress rule */

  cr_expect_eq(gb_catalog_find(c, "no_such_challenge", &ord), -1);
  gb_catalog_free(c);
}

Test(catalog, defaults_json_and_bare_list) {
  gb_catalog *c;
  gb_err err;
  const char *json = "[{\"id\": \"big_bet_mahjong\", \"criteria\": {\"game\": {\"in\": "
                     "[\"mahjong\", \"sichuan_mahjong\"]}, \"bet\": {\"gte\": 100}}}]";
  cr_assert_eq(parse(json, &c, &err), 0, "%s", err.msg);
  cr_assert_eq(gb_catalog_size(c), 1);
  const gb_challenge *ch = gb_catalog_at(c, 0);
  cr_expect_str_eq(ch->id, "big_bet_mahjong");
  cr_expect_null(ch->name);
  cr_expect_null(ch->game); /* `in` is not an equality */
  cr_expect_eq(ch->ttl_s, 0);
  cr_expect_eq(ch->reward_coins, 0);
  cr_expect_float_eq(ch->difficulty, 0.5, 1e-12);
  cr_expect_eq(ch->progress_target, 0);
  gb_catalog_free(c);

  cr_assert_eq(parse("[]", &c, &err), 0, "%s", err.msg);
  cr_expect_eq(gb_catalog_size(c), 0);
  gb_catalog_free(c);
}

Test(catalog, durations) {
  gb_catalog *c;
  gb_err err;
  cr_assert_eq(parse("- {id: a, criteria: {}, ttl: 90}\n"
                     "- {id: b, criteria: {}, ttl: 15m}\n"
                     "- {id: c, criteria: {}, ttl: 1d, progress: {count: 1, window: 1500ms}}\n",
                     &c, &err),
               0, "%s", err.msg);
  cr_expect_eq(gb_catalog_at(c, 0)->ttl_s, 90);
  cr_expect_eq(gb_catalog_at(c, 1)->ttl_s, 900);
  cr_expect_eq(gb_catalog_at(c, 2)->ttl_s, 86400);
  cr_expect_eq(gb_catalog_at(c, 2)->window_s, 1);
  gb_catalog_free(c);
}

/* Each bad definition and the exact message it must produce. */
static const struct {
  const char *text, *msg;
} bad[] = {
    {"- id: a\n  criteria: {bet: {gtx: 100}}\n",
     "defs.yaml:2: definition 'a': criteria.bet: unknown operator 'gtx' (expected eq, ne, lt, lte, "
     "gt, gte, in, not_in, between)"},
    {"- id: a\n  criteria: {x: 1}\n- id: b\n  criteria:\n    bet: {between: [500, 100]}\n",
     "defs.yaml:5: definition 'b': criteria.bet: between: min 500 > max 100"},
    {"- id: a\n  criteria: {bet: {gte: 500, lt: 100}}\n",
     "defs.yaml:2: definition 'a': criteria.bet: empty range: no number is >= 500 and < 100"},
    {"- id: a\n  criteria: {when: {eq: 3, type: date}}\n",
     "defs.yaml:2: definition 'a': criteria.when: unknown attribute type 'date' (expected string "
     "or number)"},
    {"- id: a\n  criteria: {bet: high}\n",
     "defs.yaml:2: definition 'a': criteria.bet: 'bet' is a number attribute: eq 'high' is not a "
     "number"},
    {"- id: a\n  criteria: {game: {gte: 3}}\n",
     "defs.yaml:2: definition 'a': criteria.game: gte compares numbers but 'game' is a string "
     "attribute"},
    {"- id: a\n  criteria: {game: {in: []}}\n",
     "defs.yaml:2: definition 'a': criteria.game: in: the list is empty"},
    {"- criteria: {x: 1}\n",
     "defs.yaml:1: definition #1: id: missing (every definition needs an id)"},
    {"- id: a\n",
     "defs.yaml:1: definition 'a': criteria: missing (every definition needs criteria)"},
    {"- id: a\n  criteria: {x: 1}\n- id: a\n  criteria: {x: 2}\n",
     "defs.yaml:3: definition 'a': id: duplicate id (definition #1 has it too)"},
    {"- id: a\n  criteria: {x: 1}\n  colour: red\n",
     "defs.yaml:3: definition 'a': unknown key 'colour' (expected id, name, game, criteria, "
     "player, "
     "progress, ttl, reward, difficulty)"},
    {"- id: a\n  criteria: {x: 1}\n  player: {vip: true}\n",
     "defs.yaml:3: definition 'a': player.vip: unknown player attribute 'vip' (expected level, "
     "coin_balance, preferred_game, days_since_install)"},
    {"- id: a\n  criteria: {x: 1}\n  progress: {count: 0}\n",
     "defs.yaml:3: definition 'a': progress.count: must be >= 1, got 0"},
    {"- id: a\n  criteria: {x: 1}\n  progress: {sum: coins_delta}\n",
     "defs.yaml:3: definition 'a': progress.target: sum needs a target"},
    {"- id: a\n  criteria: {x: 1}\n  progress: {count: 2, streak: 3}\n",
     "defs.yaml:3: definition 'a': progress.streak: a streak counts days: it needs daily: true"},
    {"- id: a\n  criteria: {x: 1}\n  ttl: soon\n",
     "defs.yaml:3: definition 'a': ttl: 'soon' is not a duration (e.g. 90, 30s, 15m, 2h, 1d)"},
    {"- id: a\n  criteria: {x: 1}\n  difficulty: 2\n",
     "defs.yaml:3: definition 'a': difficulty: expected a number between 0 and 1"},
    {"- id: a\n  criteria: {x: 1, x: 2}\n",
     "defs.yaml:2: definition 'a': criteria: duplicate key 'x'"},
    {"- id: a_very_long_identifier_of_40_bytes_xx\n  criteria: {}\n",
     "defs.yaml:1: definition #1: id: longer than 31 bytes"},
    {"- id: a\n  criteria: {x: {}}\n",
     "defs.yaml:2: definition 'a': criteria.x: no operator (expected eq, ne, lt, lte, gt, gte, in, "
     "not_in, between)"},
    {"- id: a\n  criteria: {x: ~}\n",
     "defs.yaml:2: definition 'a': criteria.x: eq: null is not a value"},
    {"- id: a\n  criteria: {player.level: 3}\n",
     "defs.yaml:2: definition 'a': criteria.player.level: player state is tested in the "
     "definition's `player:` section"},
    {"name: x\n", "defs.yaml: no `definitions` list"},
    {"", "defs.yaml: empty catalogue (expected a list of definitions)"},
    {"- {id: a, criteria: [1, 2]}\n", "defs.yaml:1: definition 'a': criteria: expected a mapping "
                                      "of attribute to value or operators"},
    /* #16 item 6: a NUL byte cut ids and attribute names short ("a\0x" was "a"). */
    {"- id: \"a\\0x\"\n  criteria: {x: 1}\n",
     "defs.yaml:1:7: a text holds a NUL byte (\\0), which no id, name or value may hold"},
    {"- id: a\n  criteria: {\"bet\\0x\": 1}\n",
     "defs.yaml:2:14: a text holds a NUL byte (\\0), which no id, name or value may hold"},
};

Test(catalog, bad_definitions_name_file_line_definition_and_field) {
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    gb_catalog *c;
    gb_err err;
    cr_expect_eq(parse(bad[i].text, &c, &err), -1, "case %zu accepted", i);
    cr_expect_null(c);
    cr_expect_eq(err.kind, GB_ERR_INPUT, "case %zu", i);
    cr_expect_str_eq(err.msg, bad[i].msg, "case %zu", i);
  }
}

Test(catalog, invalid_yaml_names_line_and_column) {
  gb_catalog *c;
  gb_err err;
  cr_assert_eq(parse("- id: a\n  criteria: {x: [1, 2}\n", &c, &err), -1);
  cr_expect_eq(err.kind, GB_ERR_INPUT);
  cr_expect(strncmp(err.msg, "defs.yaml:2:", strlen("defs.yaml:2:")) == 0, "%s", err.msg);
}

Test(catalog, missing_file_is_an_input_error) {
  gb_catalog *c = NULL;
  gb_err err = {0};
  cr_assert_eq(gb_catalog_load("/nonexistent/defs.yaml", &c, &err), -1);
  cr_expect_eq(err.kind, GB_ERR_INPUT);
  cr_expect_str_eq(err.msg, "/nonexistent/defs.yaml: cannot open: No such file or directory");
}

/* #16 item 3: `engine.challenges: /dev/zero` grew memory without end, and a catalogue nested
 * 100,000 deep took libyaml over 30 s to load; a directory read as no bytes. Each now fails at
 * once with the file and the reason. */
Test(catalog, endless_deep_and_directory_files_are_refused) {
  gb_catalog *c = NULL;
  gb_err err = {0};
  cr_assert_eq(gb_catalog_load("/dev/zero", &c, &err), -1);
  cr_expect_eq(err.kind, GB_ERR_INPUT);
  cr_expect_str_eq(err.msg, "/dev/zero: larger than 256 MiB, the limit for a challenge catalogue");
  cr_assert_eq(gb_catalog_load("/", &c, &err), -1);
  cr_expect_str_eq(err.msg, "/: is a directory, not a challenge catalogue");
  char *text = gbt_nested("", 100000);
  cr_assert_eq(gb_catalog_parse(text, strlen(text), "defs.yaml", &c, &err), -1);
  cr_expect_eq(err.kind, GB_ERR_INPUT);
  cr_expect_str_eq(err.msg, "defs.yaml:1: nested more than 64 levels deep (lists and mappings)");
  free(text);
}
