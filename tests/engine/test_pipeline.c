/* One engine shard: decode → aggregator → matcher/progress → recommender, on hand-made events. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "gb_codec.h"
#include "gb_pipeline.h"
#include "gb_test_support.h"

static const char catalogue[] = "definitions:\n"
                                "  - id: win2_doudizhu\n"
                                "    criteria: {type: game_end, game: dou_dizhu, won: true}\n"
                                "    progress: {count: 2}\n"
                                "    ttl: 1h\n"
                                "    reward: {coins: 100}\n";

static char *dir, *cat_path;
static gb_pipeline *pipe_;
static gb_arms *arms_;
static uint64_t seq;

static void open_pipeline(const char *catalogue_text) {
  dir = gbt_tmpdir();
  cat_path = gbt_path(dir, "defs.yaml");
  gbt_write_file(cat_path, catalogue_text);
  gb_arm_spec arm = {.name = "random", .algorithm = "random", .weight = 1};
  gb_err err = {0};
  cr_assert_eq(gb_arms_new(&arm, 1, 42, &arms_, &err), 0, "%s", err.msg);
  gb_pipeline_config cfg = {.catalog_path = cat_path,
                            .matcher = GB_MATCH_INDEX,
                            .arms = arms_,
                            .seed = 42,
                            .expected_players = 16};
  cr_assert_eq(gb_pipeline_new(&cfg, &pipe_, &err), 0, "%s", err.msg);
  seq = 0;
}

static void setup(void) { open_pipeline(catalogue); }

static void teardown(void) {
  gb_pipeline_free(pipe_);
  gb_arms_free(arms_);
  gbt_rmtree(dir);
  free(dir);
  free(cat_path);
}

TestSuite(pipeline, .init = setup, .fini = teardown);

static gb_event base(gb_event_type type, int64_t ts) {
  gb_event ev;
  gb_event_init(&ev);
  ev.event_id = (7ULL << 32) | ++seq;
  ev.type = type;
  ev.ts = ts;
  ev.player_id = 7;
  GBT_SET(ev.country, "CN");
  return ev;
}

static gb_event game_end(int64_t ts, bool won) {
  gb_event ev = base(GB_EV_GAME_END, ts);
  GBT_SET(ev.u.game.game, "dou_dizhu");
  GBT_SET(ev.u.game.room, "novice");
  ev.u.game.bet = 10;
  ev.u.game.won = won;
  ev.u.game.coins_delta = won ? 19 : -10;
  ev.u.game.coin_balance = 5000;
  ev.u.game.level = 3;
  return ev;
}

static gb_pipeline_result feed_to(gb_pipeline *p, gb_pipeline_mode mode, const gb_event *ev,
                                  gb_decision *d) {
  char buf[2048];
  size_t len = gb_event_encode_json(ev, buf, sizeof buf);
  cr_assert_lt(len, sizeof buf);
  gb_pipeline_stamps st;
  gb_err err = {0};
  gb_pipeline_result r = gb_pipeline_process(p, buf, len, mode, 1, &st, d, &err);
  cr_assert_neq(r, GB_PIPELINE_REJECTED, "%s", err.msg);
  return r;
}

static gb_pipeline_result feed(const gb_event *ev, gb_decision *d) {
  return feed_to(pipe_, GB_PIPELINE_LIVE, ev, d);
}

Test(pipeline, decision_then_no_spam_then_progress_to_completion) {
  gb_decision d;
  gb_event e1 = game_end(1000, true);
  cr_assert_eq(feed(&e1, &d), GB_PIPELINE_DECISION);
  cr_assert_eq(d.reason, GB_DECIDED);
  cr_assert_eq(d.n_candidates, 1);
  cr_assert_eq(d.chosen, 0);
  cr_assert_eq(d.prop_id, e1.event_id);
  cr_assert_eq(d.ttl_s, 3600);
  cr_assert_float_eq(d.propensity, 1.0, 1e-12);

  gb_event e2 = game_end(2000, true);
  cr_assert_eq(feed(&e2, &d), GB_PIPELINE_DECISION);
  cr_assert_eq(d.reason, GB_SUPPRESSED, "no new prop while one is ongoing");

  gb_event used = base(GB_EV_PROP_USED, 3000);
  used.u.prop.prop_id = e1.event_id;
  GBT_SET(used.u.prop.challenge_id, "win2_doudizhu");
  cr_assert_eq(feed(&used, &d), GB_PIPELINE_PROCESSED);

  gb_event lost = game_end(4000, false); /* does not match: no progress */
  feed(&lost, &d);
  cr_assert_eq(d.completed_prop_id, 0);
  gb_event w1 = game_end(5000, true);
  feed(&w1, &d);
  cr_assert_eq(d.completed_prop_id, 0);
  cr_assert_eq(d.reason, GB_SUPPRESSED);
  gb_event w2 = game_end(6000, true);
  feed(&w2, &d);
  cr_assert_eq(d.completed_prop_id, e1.event_id, "the second win completes the challenge");
  cr_assert_eq(d.reward_coins, 100);
  cr_assert_eq(d.reason, GB_DECIDED, "once completed, a new prop may come");

  gb_pipeline_counts c;
  gb_pipeline_get_counts(pipe_, &c);
  cr_assert_eq(c.processed, 6);
  cr_assert_eq(c.decisions, 5);
  cr_assert_eq(c.props, 2);
  cr_assert_eq(c.completed, 1);
}

Test(pipeline, malformed_events_are_rejected_with_a_reason) {
  const char *bad[] = {"{\"event_id\": 1, \"type\": \"game_end\"",
                       "{\"event_id\": 1, \"type\": \"warp_drive\", \"ts\": 1, \"player_id\": 1}",
                       "{\"event_id\": 1, \"type\": \"game_end\", \"ts\": 1, \"player_id\": 1}"};
  const char *reason[] = {"invalid JSON", "warp_drive", "missing required field"};
  for (size_t i = 0; i < 3; i++) {
    gb_pipeline_stamps st;
    gb_decision d;
    gb_err err = {0};
    cr_assert_eq(
        gb_pipeline_process(pipe_, bad[i], strlen(bad[i]), GB_PIPELINE_LIVE, 1, &st, &d, &err),
        GB_PIPELINE_REJECTED);
    cr_assert(strstr(err.msg, reason[i]), "case %zu: %s", i, err.msg);
  }
  gb_pipeline_counts c;
  gb_pipeline_get_counts(pipe_, &c);
  cr_assert_eq(c.consumed, 3);
  cr_assert_eq(c.rejected, 3);
  cr_assert_eq(c.processed, 0);
}

Test(pipeline, redeliveries_are_skipped_by_event_id) {
  gb_decision d;
  gb_event e1 = game_end(1000, true);
  feed(&e1, &d);
  feed(&e1, &d);
  gb_pipeline_counts c;
  gb_pipeline_get_counts(pipe_, &c);
  cr_assert_eq(c.duplicates, 1);
  cr_assert_eq(c.processed, 1);
  cr_assert_eq(c.decisions, 1);
}

Test(pipeline, control_events_update_the_catalogue_at_their_time) {
  gb_event up = base(GB_EV_CHALLENGE_UPSERT, 1000);
  const char *def = "{\"id\": \"lose_ok\", \"criteria\": {\"type\": \"game_end\", \"won\": false}}";
  up.u.control.definition = strdup(def);
  up.u.control.definition_len = strlen(def);
  up.u.control.effective_ts = 5000;
  gb_decision d;
  feed(&up, &d);
  gb_event_dispose(&up);
  gb_event early = game_end(2000, false);
  feed(&early, &d);
  cr_assert_eq(d.reason, GB_NO_CANDIDATES, "not effective before 5000");
  gb_event late = game_end(6000, false);
  feed(&late, &d);
  cr_assert_eq(d.reason, GB_DECIDED);
  cr_assert_eq(d.n_candidates, 1);
  cr_assert_str_eq(gb_catalog_at(gb_pipeline_catalog(pipe_), d.chosen)->id, "lose_ok");
  gb_pipeline_counts c;
  gb_pipeline_get_counts(pipe_, &c);
  cr_assert_eq(c.catalog_updates, 1);
}

Test(pipeline, copies_of_a_control_event_apply_once) {
  /* The transports hand a shard one copy per partition and simulator thread. */
  gb_event up = base(GB_EV_CHALLENGE_UPSERT, 1000);
  const char *def = "{\"id\": \"lose_ok\", \"criteria\": {\"type\": \"game_end\", \"won\": false}}";
  up.u.control.definition = strdup(def);
  up.u.control.definition_len = strlen(def);
  gb_decision d;
  feed(&up, &d);
  feed(&up, &d);
  feed(&up, &d);
  gb_event_dispose(&up);
  gb_pipeline_counts c;
  gb_pipeline_get_counts(pipe_, &c);
  cr_assert_eq(c.catalog_updates, 1);
  cr_assert_eq(c.duplicates, 2);
  cr_assert_eq(c.processed, 1);
  cr_assert_eq(c.consumed, 3);
  cr_assert_eq(gb_catalog_pending(gb_pipeline_catalog(pipe_)), 1, "queued once");
}

/* A partition that changed hands: its new owner is handed the events again from the start.
 * Replayed, they rebuild exactly the state the first owner had (the ongoing prop, the started
 * challenge, the aggregator's player), count only as replayed, and the next live event is
 * answered as the first owner would have answered it. */
Test(pipeline, replays_rebuild_state_without_counting_it_again) {
  gb_pipeline_config cfg = {.catalog_path = cat_path,
                            .matcher = GB_MATCH_INDEX,
                            .arms = arms_,
                            .seed = 42,
                            .expected_players = 16};
  gb_pipeline *second = NULL;
  gb_err err = {0};
  cr_assert_eq(gb_pipeline_new(&cfg, &second, &err), 0, "%s", err.msg);
  gb_event e1 = game_end(1000, true);
  gb_event used = base(GB_EV_PROP_USED, 3000);
  used.u.prop.prop_id = e1.event_id;
  GBT_SET(used.u.prop.challenge_id, "win2_doudizhu");
  gb_event w1 = game_end(5000, true);
  gb_event history[] = {e1, used, w1};
  gb_decision d1, d2;
  for (size_t i = 0; i < 3; i++) {
    feed_to(pipe_, GB_PIPELINE_LIVE, &history[i], &d1);
    feed_to(second, GB_PIPELINE_REPLAY, &history[i], &d2);
  }
  gb_event w2 = game_end(6000, true);
  cr_assert_eq(feed_to(pipe_, GB_PIPELINE_LIVE, &w2, &d1), GB_PIPELINE_DECISION);
  cr_assert_eq(feed_to(second, GB_PIPELINE_LIVE, &w2, &d2), GB_PIPELINE_DECISION);
  cr_assert_eq(d2.completed_prop_id, e1.event_id, "the started challenge was rebuilt");
  /* the same answer as the first owner's */
  cr_assert_eq(d2.decision_id, d1.decision_id);
  cr_assert_eq(d2.reason, d1.reason);
  cr_assert_eq(d2.chosen, d1.chosen);
  cr_assert_eq(d2.prop_id, d1.prop_id);
  cr_assert_eq(d2.arm, d1.arm);
  cr_assert_eq(d2.n_eligible, d1.n_eligible);
  cr_assert_float_eq(d2.propensity, d1.propensity, 0);
  cr_assert_eq(d2.completed_prop_id, d1.completed_prop_id);
  cr_assert_eq(d2.reward_coins, d1.reward_coins);
  gb_pipeline_counts c;
  gb_pipeline_get_counts(second, &c);
  cr_assert_eq(c.replayed, 3);
  cr_assert_eq(c.consumed, 1);
  cr_assert_eq(c.processed, 1);
  cr_assert_eq(c.decisions, 1);
  cr_assert_eq(c.props, 1);
  cr_assert_eq(c.completed, 1);
  cr_assert_eq(c.duplicates, 0);
  cr_assert_eq(gb_agg_type_count(gb_pipeline_agg(second), GB_EV_GAME_END), 1,
               "the aggregator counted the live event only");
  /* A redelivery of a replayed event is a duplicate (the last event id was rebuilt too). */
  feed_to(second, GB_PIPELINE_LIVE, &w1, &d2);
  gb_pipeline_get_counts(second, &c);
  cr_assert_eq(c.duplicates, 1);
  gb_pipeline_free(second);
}

/* ---- the decision-time features and the decision log */

/* The features of the decision logged last (the vector the recommender was handed: the log
 * keeps a copy of it). */
static const gb_feature_vec *last_logged(const gb_pipeline *p) {
  size_t n;
  const gb_decision_entry *e = gb_decision_log_entries(gb_pipeline_decision_log(p), &n);
  cr_assert_gt(n, 0);
  return &e[n - 1].features;
}

static gb_event session_game_end(int64_t ts, bool won, uint64_t session_id) {
  gb_event ev = game_end(ts, won);
  ev.session_id = session_id;
  return ev;
}

/* Each decision's vector holds the games before it, never its own game_end: the first
 * decision of a new player knows nothing, and each later one counts one game more. */
Test(pipeline, the_recommender_reads_the_features_from_before_the_decision) {
  gb_decision d;
  const bool won[] = {true, false, true};
  for (int i = 0; i < 3; i++) {
    gb_event ev = session_game_end(1000 * (i + 1), won[i], 1);
    cr_assert_eq(feed(&ev, &d), GB_PIPELINE_DECISION);
    const gb_feature_vec *f = last_logged(pipe_);
    cr_assert_eq(f->x[GB_FEAT_SESSION_GAMES], i, "decision %d: games before it", i);
    cr_assert_eq(f->x[GB_FEAT_GAMES_TODAY], i);
    cr_assert_eq(f->known, i > 0, "the first game_end is the player's first event");
  }
  const gb_feature_vec *f = last_logged(pipe_);
  cr_assert_float_eq(f->x[GB_FEAT_SESSION_WIN_RATIO], 0.5, 1e-12, "one win in the two before");
  cr_assert_str_eq(f->country, "CN");
  /* A new session: the three games are the previous session's, the current one has none yet. */
  gb_event start = base(GB_EV_SESSION_START, 9000);
  start.session_id = 2;
  feed(&start, &d);
  gb_event next = session_game_end(10000, false, 2);
  feed(&next, &d);
  f = last_logged(pipe_);
  cr_assert_eq(f->x[GB_FEAT_LAST_SESSION_GAMES], 3);
  cr_assert_float_eq(f->x[GB_FEAT_LAST_SESSION_WIN_RATIO], 2.0 / 3, 1e-12);
  cr_assert_eq(f->x[GB_FEAT_LAST_SESSION_COINS_DELTA], 19 - 10 + 19);
  cr_assert_eq(f->x[GB_FEAT_SESSION_GAMES], 0);
  cr_assert_eq(f->x[GB_FEAT_GAMES_TODAY], 3);
  /* Folded after the decision: the aggregator now counts the fourth game. */
  gb_feature_vec after;
  gb_agg_features(gb_pipeline_agg(pipe_), 0, 11000, 0, &after);
  cr_assert_eq(after.x[GB_FEAT_GAMES_TODAY], 4);
  cr_assert_eq(after.x[GB_FEAT_SESSION_GAMES], 1);
}

/* The prop's way, e1 → shown → used → two wins: its decision's outcome is the strongest. */
static void play_to_completion(gb_pipeline *p, gb_pipeline_mode mode, gb_event *e1) {
  gb_decision d;
  *e1 = game_end(1000, true);
  gb_event shown = base(GB_EV_PROP_SHOWN, 1500);
  gb_event used = base(GB_EV_PROP_USED, 3000);
  shown.u.prop.prop_id = used.u.prop.prop_id = e1->event_id;
  GBT_SET(shown.u.prop.challenge_id, "win2_doudizhu");
  GBT_SET(used.u.prop.challenge_id, "win2_doudizhu");
  gb_event w1 = game_end(5000, true), w2 = game_end(6000, true);
  const gb_event *history[] = {e1, &shown, &used, &w1, &w2};
  for (size_t i = 0; i < 5; i++)
    feed_to(p, mode, history[i], &d);
}

static gb_decision_row *join2(const gb_pipeline *a, const gb_pipeline *b, size_t *n) {
  const gb_decision_log *logs[2] = {gb_pipeline_decision_log(a),
                                    b ? gb_pipeline_decision_log(b) : NULL};
  gb_decision_row *rows = NULL;
  gb_err err = {0};
  cr_assert_eq(gb_decision_log_join(logs, b ? 2 : 1, &rows, n, &err), 0, "%s", err.msg);
  return rows;
}

Test(pipeline, live_decisions_and_outcomes_are_logged_and_replays_log_nothing) {
  gb_event e1;
  play_to_completion(pipe_, GB_PIPELINE_LIVE, &e1);
  size_t n;
  const gb_decision_entry *e = gb_decision_log_entries(gb_pipeline_decision_log(pipe_), &n);
  cr_assert_eq(n, 3, "e1, w1, w2");
  cr_assert_eq(e[0].decision_id, e1.event_id);
  cr_assert_eq(e[0].player_id, 7);
  cr_assert_eq(e[0].ts, 1000);
  cr_assert_eq(e[0].arm, 0);
  cr_assert_eq(e[0].n_eligible, 1);
  cr_assert_eq(e[0].chosen, 0);
  cr_assert_eq(e[0].prop_id, e1.event_id);
  cr_assert_float_eq(e[0].propensity, 1.0, 0);
  cr_assert_eq(e[1].chosen, GB_NO_PROP, "suppressed: a prop is ongoing");
  cr_assert_eq(e[1].prop_id, 0);
  cr_assert_eq(gb_decision_log_outcomes(gb_pipeline_decision_log(pipe_)), 3,
               "shown, used, completed");
  gb_decision_row *rows = join2(pipe_, NULL, &n);
  cr_assert_eq(n, 3);
  cr_assert_eq(rows[0].entry->decision_id, e1.event_id);
  cr_assert_eq(rows[0].outcome, GB_OUTCOME_COMPLETED);
  cr_assert_eq(rows[1].outcome, GB_OUTCOME_NONE);
  cr_assert_eq(rows[2].outcome, GB_OUTCOME_NONE);
  free(rows);

  gb_pipeline_config cfg = {
      .catalog_path = cat_path, .matcher = GB_MATCH_INDEX, .arms = arms_, .seed = 42};
  gb_pipeline *replayed = NULL;
  gb_err err = {0};
  cr_assert_eq(gb_pipeline_new(&cfg, &replayed, &err), 0, "%s", err.msg);
  seq = 0;
  play_to_completion(replayed, GB_PIPELINE_REPLAY, &e1);
  gb_decision_log_entries(gb_pipeline_decision_log(replayed), &n);
  cr_assert_eq(n, 0, "replayed decisions were logged by their first owner");
  cr_assert_eq(gb_decision_log_outcomes(gb_pipeline_decision_log(replayed)), 0);
  gb_pipeline_free(replayed);
}

/* A partition that changed hands after the decision: the new owner hears what became of the
 * prop, and the join puts it on the decision the first owner logged. */
Test(pipeline, an_outcome_heard_by_another_shard_joins_the_decision) {
  gb_pipeline_config cfg = {
      .catalog_path = cat_path, .matcher = GB_MATCH_INDEX, .arms = arms_, .seed = 42};
  gb_pipeline *second = NULL;
  gb_err err = {0};
  cr_assert_eq(gb_pipeline_new(&cfg, &second, &err), 0, "%s", err.msg);
  gb_decision d;
  gb_event e1 = game_end(1000, true);
  feed_to(pipe_, GB_PIPELINE_LIVE, &e1, &d);
  cr_assert_eq(d.prop_id, e1.event_id);
  feed_to(second, GB_PIPELINE_REPLAY, &e1, &d);
  gb_event used = base(GB_EV_PROP_USED, 3000);
  used.u.prop.prop_id = e1.event_id;
  GBT_SET(used.u.prop.challenge_id, "win2_doudizhu");
  feed_to(second, GB_PIPELINE_LIVE, &used, &d);
  size_t n;
  gb_decision_row *rows = join2(pipe_, second, &n);
  cr_assert_eq(n, 1);
  cr_assert_eq(rows[0].log, 0);
  cr_assert_eq(rows[0].outcome, GB_OUTCOME_USED);
  free(rows);
  gb_event w1 = game_end(5000, false), w2 = game_end(6000, false);
  feed_to(second, GB_PIPELINE_LIVE, &w1, &d);
  feed_to(second, GB_PIPELINE_LIVE, &w2, &d);
  rows = join2(second, pipe_, &n); /* the other order: the same rows, sorted by decision_id */
  cr_assert_eq(n, 3);
  cr_assert_eq(rows[0].entry->decision_id, e1.event_id);
  cr_assert_eq(rows[0].log, 1);
  cr_assert_eq(rows[0].outcome, GB_OUTCOME_USED, "two losses: used, not completed yet");
  cr_assert_eq(rows[1].entry->decision_id, w1.event_id);
  cr_assert_eq(rows[2].entry->decision_id, w2.event_id);
  free(rows);
  gb_pipeline_free(second);
}

/* Players beyond the pre-sized state (expected_players 16) grow it: none is skipped. */
Test(pipeline, players_beyond_the_expected_are_all_processed) {
  gb_decision d;
  for (uint64_t player = 1; player <= 3000; player++) {
    gb_event ev = game_end(1000, true);
    ev.player_id = player;
    ev.event_id = (player << 32) | 1;
    cr_assert_eq(feed(&ev, &d), GB_PIPELINE_DECISION);
    cr_assert_eq(d.player_id, player);
  }
  gb_pipeline_counts c;
  gb_pipeline_get_counts(pipe_, &c);
  cr_assert_eq(c.processed, 3000);
  cr_assert_eq(c.decisions, 3000);
  cr_assert_eq(gb_agg_type_count(gb_pipeline_agg(pipe_), GB_EV_GAME_END), 3000);
}

/* ---- local midnight: the event's time zone, else its country's main zone */

static const char daily_catalogue[] = "definitions:\n"
                                      "  - id: win2_today\n"
                                      "    criteria: {type: game_end, won: true}\n"
                                      "    progress: {count: 2, daily: true}\n"
                                      "    ttl: 1d\n";

static void setup_daily(void) { open_pipeline(daily_catalogue); }

TestSuite(pipeline_zone, .init = setup_daily, .fini = teardown);

#define HOUR_MS 3600000LL
/* 2026-01-05T00:00:00Z */
#define DAY0_MS 1767571200000LL

/* A US player (whose country's main zone is UTC-5) takes the prop at 05:30Z and wins at 07:00Z
 * and 09:00Z: both on one local day at UTC-5 (02:00, 04:00), on two at UTC-8 (23:00, 01:00).
 * Returns whether the second win completed the challenge. */
static bool two_wins_complete(int32_t utc_offset_min) {
  gb_decision d;
  gb_event first = game_end(DAY0_MS + 5 * HOUR_MS, true);
  GBT_SET(first.country, "US");
  first.utc_offset_min = utc_offset_min;
  cr_assert_eq(feed(&first, &d), GB_PIPELINE_DECISION);
  cr_assert_eq(d.reason, GB_DECIDED);
  gb_event used = base(GB_EV_PROP_USED, DAY0_MS + 5 * HOUR_MS + HOUR_MS / 2);
  GBT_SET(used.country, "US");
  used.utc_offset_min = utc_offset_min;
  used.u.prop.prop_id = first.event_id;
  GBT_SET(used.u.prop.challenge_id, "win2_today");
  cr_assert_eq(feed(&used, &d), GB_PIPELINE_PROCESSED);
  uint64_t completed = 0;
  for (int64_t hour = 7; hour <= 9; hour += 2) {
    gb_event win = game_end(DAY0_MS + hour * HOUR_MS, true);
    GBT_SET(win.country, "US");
    win.utc_offset_min = utc_offset_min;
    feed(&win, &d);
    completed = d.completed_prop_id;
  }
  return completed == first.event_id;
}

Test(pipeline_zone, without_a_zone_the_country_main_zone_places_midnight) {
  cr_assert(two_wins_complete(0), "02:00 and 04:00 at UTC-5: one day");
}

Test(pipeline_zone, the_event_zone_places_midnight) {
  cr_assert_not(two_wins_complete(-480), "23:00 and 01:00 at UTC-8: the count restarts");
}
