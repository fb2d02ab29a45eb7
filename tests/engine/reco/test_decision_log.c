/* The decision log: what it keeps of a decision, the outcome records, and the join of several
 * shards' logs (sorted rows, the strongest outcome from any log). */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "gb_decision_log.h"

static gb_decision_log *logs[3];

static void setup(void) {
  gb_err err = {0};
  for (int i = 0; i < 3; i++)
    cr_assert_eq(gb_decision_log_new(0, &logs[i], &err), 0, "%s", err.msg);
}

static void teardown(void) {
  for (int i = 0; i < 3; i++)
    gb_decision_log_free(logs[i]);
}

TestSuite(decision_log, .init = setup, .fini = teardown);

/* A decision with a prop (prop_id = decision_id) or without (chosen = GB_NO_PROP). */
static void decide(gb_decision_log *l, uint64_t id, bool prop) {
  gb_decision d = {.decision_id = id,
                   .player_id = id % 100,
                   .ts = (int64_t)id * 10,
                   .arm = 1,
                   .n_eligible = 4,
                   .chosen = prop ? 2 : GB_NO_PROP,
                   .prop_id = prop ? id : 0,
                   .propensity = prop ? 0.25 : 1.0};
  gb_feature_vec f = {.known = true, .install_day = 20458};
  f.x[GB_FEAT_SESSION_GAMES] = (double)id;
  gb_decision_log_add(l, &d, &f, NULL);
}

static gb_decision_row *join(size_t n_logs, size_t *n) {
  gb_decision_row *rows = NULL;
  gb_err err = {0};
  cr_assert_eq(gb_decision_log_join((const gb_decision_log *const *)logs, n_logs, &rows, n, &err),
               0, "%s", err.msg);
  return rows;
}

Test(decision_log, outcome_names_parse_back_and_feedback_types_map_to_them) {
  const char *names[] = {"none", "shown", "expired", "discarded", "used", "failed", "completed"};
  cr_assert_eq(sizeof names / sizeof names[0], GB_OUTCOME__COUNT);
  for (int o = 0; o < GB_OUTCOME__COUNT; o++) {
    cr_assert_str_eq(gb_decision_outcome_name((gb_decision_outcome)o), names[o]);
    gb_decision_outcome back;
    cr_assert_eq(gb_decision_outcome_parse(names[o], &back), 0);
    cr_assert_eq(back, o);
  }
  gb_decision_outcome back;
  cr_assert_eq(gb_decision_outcome_parse("Used", &back), -1);
  cr_assert_str_eq(gb_decision_outcome_name(GB_OUTCOME__COUNT), "unknown");
  cr_assert_eq(gb_decision_outcome_of(GB_EV_PROP_SHOWN), GB_OUTCOME_SHOWN);
  cr_assert_eq(gb_decision_outcome_of(GB_EV_PROP_USED), GB_OUTCOME_USED);
  cr_assert_eq(gb_decision_outcome_of(GB_EV_PROP_DISCARDED), GB_OUTCOME_DISCARDED);
  cr_assert_eq(gb_decision_outcome_of(GB_EV_PROP_EXPIRED), GB_OUTCOME_EXPIRED);
  /* completions and failures come from the engine's own progress tracking, not events */
  cr_assert_eq(gb_decision_outcome_of(GB_EV_CHALLENGE_COMPLETED), GB_OUTCOME_NONE);
  cr_assert_eq(gb_decision_outcome_of(GB_EV_PROP_GENERATED), GB_OUTCOME_NONE);
  cr_assert_eq(gb_decision_outcome_of(GB_EV_GAME_END), GB_OUTCOME_NONE);
}

Test(decision_log, keeps_every_decision_with_its_features_past_the_first_capacity) {
  for (uint64_t id = 1; id <= 3000; id++)
    decide(logs[0], id, id % 3 == 0);
  size_t n;
  const gb_decision_entry *e = gb_decision_log_entries(logs[0], &n);
  cr_assert_eq(n, 3000);
  cr_assert_eq(e[2].decision_id, 3);
  cr_assert_eq(e[2].player_id, 3);
  cr_assert_eq(e[2].ts, 30);
  cr_assert_eq(e[2].arm, 1);
  cr_assert_eq(e[2].n_eligible, 4);
  cr_assert_eq(e[2].chosen, 2);
  cr_assert_eq(e[2].prop_id, 3);
  cr_assert_float_eq(e[2].propensity, 0.25, 0);
  cr_assert_eq(e[1].chosen, GB_NO_PROP);
  cr_assert_eq(e[2999].features.x[GB_FEAT_SESSION_GAMES], 3000);
  cr_assert_eq(e[2999].features.install_day, 20458);
  cr_assert_geq(gb_decision_log_memory(logs[0]), 3000 * sizeof(gb_decision_entry));
}

Test(decision_log, outcome_records_of_nothing_are_not_kept) {
  gb_decision_log_outcome(logs[0], 0, GB_OUTCOME_USED);
  gb_decision_log_outcome(logs[0], 5, GB_OUTCOME_NONE);
  gb_decision_log_outcome(logs[0], 5, GB_OUTCOME__COUNT);
  cr_assert_eq(gb_decision_log_outcomes(logs[0]), 0);
  gb_decision_log_outcome(logs[0], 5, GB_OUTCOME_SHOWN);
  cr_assert_eq(gb_decision_log_outcomes(logs[0]), 1);
}

Test(decision_log, join_sorts_the_shards_rows_and_takes_the_strongest_outcome_from_any_log) {
  decide(logs[0], 30, true);
  decide(logs[0], 10, true);
  decide(logs[1], 20, false);
  decide(logs[1], 40, true);
  /* 10: shown here, used and completed on another shard, in any order */
  gb_decision_log_outcome(logs[2], 10, GB_OUTCOME_COMPLETED);
  gb_decision_log_outcome(logs[0], 10, GB_OUTCOME_SHOWN);
  gb_decision_log_outcome(logs[1], 10, GB_OUTCOME_USED);
  /* 30: shown, then discarded */
  gb_decision_log_outcome(logs[1], 30, GB_OUTCOME_DISCARDED);
  gb_decision_log_outcome(logs[0], 30, GB_OUTCOME_SHOWN);
  /* 40: expired unseen; 99: no logged decision (ignored) */
  gb_decision_log_outcome(logs[1], 40, GB_OUTCOME_EXPIRED);
  gb_decision_log_outcome(logs[2], 99, GB_OUTCOME_COMPLETED);
  size_t n;
  gb_decision_row *rows = join(3, &n);
  cr_assert_eq(n, 4);
  const uint64_t ids[] = {10, 20, 30, 40};
  const uint32_t from[] = {0, 1, 0, 1};
  const gb_decision_outcome want[] = {GB_OUTCOME_COMPLETED, GB_OUTCOME_NONE, GB_OUTCOME_DISCARDED,
                                      GB_OUTCOME_EXPIRED};
  for (size_t i = 0; i < 4; i++) {
    cr_assert_eq(rows[i].entry->decision_id, ids[i]);
    cr_assert_eq(rows[i].log, from[i]);
    cr_assert_eq(rows[i].outcome, want[i], "decision %zu: %s", i,
                 gb_decision_outcome_name(rows[i].outcome));
  }
  free(rows);
}

Test(decision_log, a_decision_logged_twice_gives_one_row_from_the_first_log) {
  decide(logs[1], 7, true);
  decide(logs[0], 7, true);
  decide(logs[0], 8, false);
  gb_decision_log_outcome(logs[1], 7, GB_OUTCOME_USED);
  size_t n;
  gb_decision_row *rows = join(2, &n);
  cr_assert_eq(n, 2);
  cr_assert_eq(rows[0].entry->decision_id, 7);
  cr_assert_eq(rows[0].log, 0);
  cr_assert_eq(rows[0].outcome, GB_OUTCOME_USED);
  cr_assert_eq(rows[1].entry->decision_id, 8);
  free(rows);
}

Test(decision_log, empty_logs_join_to_no_rows) {
  gb_decision_log_outcome(logs[0], 3, GB_OUTCOME_SHOWN);
  size_t n = 99;
  gb_decision_row *rows = join(3, &n);
  cr_assert_eq(n, 0);
  cr_assert_null(rows);
  rows = join(0, &n);
  cr_assert_eq(n, 0);
  cr_assert_null(rows);
}
