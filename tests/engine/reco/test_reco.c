#include <criterion/criterion.h>
#include <inttypes.h>
#include <string.h>

#include "gb_reco.h"

/* The arms of the recommenders made by make(), freed by free_all(). */
static gb_arms *made[8];
static size_t n_made;

static gb_reco *make(const char *a1, double w1, const char *a2, double w2) {
  gb_arm_spec specs[2] = {{.name = "first", .algorithm = a1, .weight = w1},
                          {.name = "second", .algorithm = a2, .weight = w2}};
  gb_reco *r = NULL;
  gb_err err = {0};
  cr_assert(n_made < sizeof made / sizeof made[0]);
  cr_assert_eq(gb_arms_new(specs, 2, 42, &made[n_made], &err), 0, "%s", err.msg);
  cr_assert_eq(gb_reco_new(made[n_made++], 42, 16, &r, &err), 0, "%s", err.msg);
  return r;
}

static void free_all(void) {
  for (size_t i = 0; i < n_made; i++)
    gb_arms_free(made[i]);
  n_made = 0;
}

TestSuite(reco, .fini = free_all);

static const uint32_t eligible[3] = {2, 5, 7};
static const int64_t ttls[3] = {600, 1200, 1800};

Test(reco, rejects_bad_arms) {
  gb_arm_spec specs[1] = {{.name = "x", .algorithm = "random", .weight = 0}};
  gb_arms *arms = NULL;
  gb_err err = {0};
  cr_assert_eq(gb_arms_new(specs, 1, 1, &arms, &err), -1);
  cr_assert(strstr(err.msg, "arm 'x' has weight 0"), "%s", err.msg);
  specs[0] = (gb_arm_spec){.name = "x", .algorithm = "bandit9", .weight = 1};
  cr_assert_eq(gb_arms_new(specs, 1, 1, &arms, &err), 0, "%s", err.msg);
  gb_reco *r = NULL;
  cr_assert_eq(gb_reco_new(arms, 1, 16, &r, &err), -1);
  cr_assert_eq(err.kind, GB_ERR_INPUT);
  cr_assert(strstr(err.msg, "'arms[0].algorithm': unknown algorithm 'bandit9'"), "%s", err.msg);
  gb_arms_free(arms);
  cr_assert_null(gb_algo_find("bandit9"));
  cr_assert_str_eq(gb_algo_find("random")->name, "random");
}

Test(reco, random_choice_is_deterministic_with_propensity) {
  gb_reco *a = make("random", 1, "random", 1);
  gb_reco *b = make("random", 1, "random", 1);
  int seen[3] = {0};
  for (uint64_t d = 1; d <= 3000; d++) {
    gb_decision da = {0}, db = {0};
    gb_reco_decide(a, 0, d, 9, 1000, NULL, eligible, ttls, 3, &da, NULL);
    gb_reco_decide(b, 0, d, 9, 1000, NULL, eligible, ttls, 3, &db, NULL);
    cr_assert_eq(da.chosen, db.chosen);
    cr_assert_eq(da.reason, GB_DECIDED);
    cr_assert_float_eq(da.propensity, 1.0 / 3, 1e-12);
    cr_assert_eq(da.n_candidates, 3);
    cr_assert_eq(da.prop_id, d);
    seen[da.chosen == 2 ? 0 : da.chosen == 5 ? 1 : 2]++;
    /* end the ongoing prop so that the next decision chooses again */
    gb_reco_prop_ended(a, 0, d, 0, false);
    gb_reco_prop_ended(b, 0, d, 0, false);
  }
  for (int i = 0; i < 3; i++)
    cr_assert(seen[i] > 850, "candidate %d chosen %d of 3000", i, seen[i]);
  gb_reco_free(a);
  gb_reco_free(b);
}

Test(reco, no_new_prop_while_one_is_ongoing) {
  gb_reco *r = make("random", 1, "random", 1);
  gb_decision d = {0};
  gb_reco_decide(r, 3, 100, 9, 0, NULL, eligible, ttls, 3, &d, NULL);
  cr_assert_neq(d.chosen, GB_NO_PROP);
  int64_t deadline = d.ttl_s * 1000;
  gb_reco_decide(r, 3, 101, 9, deadline, NULL, eligible, ttls, 3, &d, NULL);
  cr_assert_eq(d.reason, GB_SUPPRESSED);
  cr_assert_eq(d.chosen, GB_NO_PROP);
  /* using the prop restarts the deadline from the use */
  gb_event used;
  gb_event_init(&used);
  used.type = GB_EV_PROP_USED;
  used.ts = deadline;
  used.u.prop.prop_id = 100;
  gb_reco_feedback(r, 3, &used);
  cr_assert(gb_reco_has_ongoing(r, 3, 2 * deadline));
  cr_assert(!gb_reco_has_ongoing(r, 3, 2 * deadline + 1));
  /* discarding ends it */
  used.type = GB_EV_PROP_DISCARDED;
  gb_reco_feedback(r, 3, &used);
  cr_assert(!gb_reco_has_ongoing(r, 3, deadline));
  gb_reco_decide(r, 3, 102, 9, deadline, NULL, eligible, ttls, 3, &d, NULL);
  cr_assert_eq(d.reason, GB_DECIDED);
  gb_reco_free(r);
}

Test(reco, control_arm_never_sends_and_empty_candidates_are_reported) {
  gb_reco *r = make("none", 1, "none", 1);
  gb_decision d = {0};
  gb_reco_decide(r, 0, 1, 9, 0, NULL, eligible, ttls, 3, &d, NULL);
  cr_assert_eq(d.reason, GB_DECIDED);
  cr_assert_eq(d.chosen, GB_NO_PROP);
  cr_assert_float_eq(d.propensity, 1.0, 1e-12);
  cr_assert_eq(d.n_candidates, 3);
  gb_reco_decide(r, 0, 2, 9, 0, NULL, eligible, ttls, 0, &d, NULL);
  cr_assert_eq(d.reason, GB_NO_CANDIDATES);
  gb_reco_free(r);
}

Test(reco, only_feedback_reads_or_changes_the_players_state) {
  /* The feedback role of the event table: the players' reactions to what the engine decided. */
  for (int t = 0; t < GB_EV__COUNT; t++) {
    bool want = t == GB_EV_PROP_SHOWN || t == GB_EV_PROP_USED || t == GB_EV_PROP_DISCARDED ||
                t == GB_EV_PROP_EXPIRED || t == GB_EV_CHALLENGE_COMPLETED ||
                t == GB_EV_CHALLENGE_FAILED || t == GB_EV_IMPRESSION || t == GB_EV_CLICK ||
                t == GB_EV_OFFER_SHOWN || t == GB_EV_OFFER_PURCHASED || t == GB_EV_OFFER_DISMISSED;
    cr_assert_eq(gb_reco_takes_feedback((gb_event_type)t), want, "%s",
                 gb_event_type_name((gb_event_type)t));
  }
  gb_reco *r = make("random", 1, "random", 1);
  gb_decision d = {0};
  gb_reco_decide(r, 3, 100, 9, 0, NULL, eligible, ttls, 3, &d, NULL);
  cr_assert_neq(d.chosen, GB_NO_PROP);
  gb_event ev;
  gb_event_init(&ev);
  ev.u.prop.prop_id = 100; /* the ongoing prop's id, whatever the type makes of these bytes */
  for (int t = 0; t < GB_EV__COUNT; t++) {
    if (gb_reco_takes_feedback((gb_event_type)t))
      continue;
    ev.type = (gb_event_type)t;
    gb_reco_feedback(r, 3, &ev);
    cr_assert(gb_reco_has_ongoing(r, 3, 0), "%s ended the prop",
              gb_event_type_name((gb_event_type)t));
  }
  ev.type = GB_EV_CHALLENGE_FAILED;
  gb_reco_feedback(r, 3, &ev);
  cr_assert(!gb_reco_has_ongoing(r, 3, 0), "challenge_failed ends it");
  gb_reco_free(r);
}

Test(reco, random_and_none_choose_the_same_with_or_without_a_context) {
  gb_reco *with = make("random", 1, "none", 1);
  gb_reco *without = make("random", 1, "none", 1);
  gb_feature_vec ctx = {.known = true, .install_day = 20000};
  ctx.x[GB_FEAT_SESSION_GAMES] = 4;
  ctx.x[GB_FEAT_DAYS_SINCE_LAST_PURCHASE] = 2.5;
  size_t props = 0;
  for (uint64_t d = 1; d <= 200; d++) {
    gb_decision a = {0}, b = {0};
    ctx.x[GB_FEAT_GAMES_TODAY] = (double)d; /* a context that changes every time */
    gb_reco_decide(with, 0, d, d, 1000, &ctx, eligible, ttls, 3, &a, NULL);
    gb_reco_decide(without, 0, d, d, 1000, NULL, eligible, ttls, 3, &b, NULL);
    cr_assert_eq(a.arm, b.arm);
    cr_assert_eq(a.chosen, b.chosen, "decision %" PRIu64, d);
    cr_assert_float_eq(a.propensity, b.propensity, 0);
    props += a.chosen != GB_NO_PROP;
    gb_reco_prop_ended(with, 0, d, 0, false);
    gb_reco_prop_ended(without, 0, d, 0, false);
  }
  cr_assert(props > 50 && props < 150, "both arms decided: %zu props of 200", props);
  gb_reco_free(with);
  gb_reco_free(without);
}

typedef struct awaited {
  int64_t ts[8];
  int n;
} awaited;

/* A stand-in for gb_epochs_await: notes the call and applies the boundary at or before ts. */
static void note_await(void *ctx, gb_reco *r, int64_t ts) {
  awaited *a = ctx;
  cr_assert_lt(a->n, 8);
  a->ts[a->n++] = ts;
  const gb_tally *none[2] = {NULL, NULL};
  gb_tally *empty = NULL;
  gb_err err = {0};
  cr_assert_eq(gb_tally_new(0, &empty, &err), 0);
  none[0] = none[1] = empty;
  gb_reco_epoch(r, ts / 60000 * 60000, none);
  gb_tally_free(empty);
}

Test(reco, an_event_past_an_unapplied_boundary_awaits_it_first) {
  gb_reco *r = make("egreedy", 1, "egreedy", 1); /* epochs of a sim minute */
  awaited a = {0};
  gb_reco_set_await(r, note_await, &a);
  gb_decision d;
  gb_reco_decide(r, 0, 1, 1, 61000, NULL, eligible, ttls, 3, &d, NULL);
  cr_assert_eq(a.n, 1);
  cr_assert_eq(a.ts[0], 61000);
  cr_assert_eq(gb_reco_boundary(r), 60000, "applied before the decision");
  gb_reco_prop_ended(r, 0, d.prop_id, 62000, false);
  /* within the applied epoch: no wait */
  gb_reco_decide(r, 0, 2, 1, 119999, NULL, eligible, ttls, 3, &d, NULL);
  cr_assert_eq(a.n, 1);
  /* feedback past the next boundary awaits it too (a model's per-player state follows them) */
  gb_event ev;
  gb_event_init(&ev);
  ev.type = GB_EV_PROP_USED;
  ev.ts = 120000;
  ev.player_id = 1;
  ev.u.prop.prop_id = d.prop_id;
  gb_reco_feedback(r, 0, &ev);
  cr_assert_eq(a.n, 2);
  cr_assert_eq(gb_reco_boundary(r), 120000);
  gb_reco_free(r);
}
