/* The epoch barrier across shards (engine/gb_epochs.c), driven as the shards drive it: two
 * shards, each with its own recommender (an egreedy arm and a random arm), reading two partitions
 * fed by two producers. A boundary closes once every (partition, producer) watermark has passed
 * it and every shard has handed over its increments; then every shard applies the same merged
 * increments. */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gb_epochs.h"

#define MIN 60000

enum { SHARDS = 2, PARTITIONS = 2, PRODUCERS = 2, EGREEDY = 0, RANDOM = 1 };

static gb_arms *arms;

static void make_arms(void) {
  gb_arm_spec specs[2] = {{.name = "learner", .algorithm = "egreedy", .weight = 1},
                          {.name = "baseline", .algorithm = "random", .weight = 1}};
  gb_err err = {0};
  cr_assert_eq(gb_arms_new(specs, 2, 42, &arms, &err), 0, "%s", err.msg);
}

static void free_arms(void) { gb_arms_free(arms); }

TestSuite(epochs, .init = make_arms, .fini = free_arms);

static gb_reco *new_reco(void) {
  gb_reco *r = NULL;
  gb_err err = {0};
  cr_assert_eq(gb_reco_new(arms, 42, 64, &r, &err), 0, "%s", err.msg);
  cr_assert_eq(gb_reco_tick_ms(r), MIN, "egreedy's default epoch");
  return r;
}

static gb_epochs *new_epochs(int64_t start_ms) {
  gb_epochs *e = NULL;
  gb_err err = {0};
  cr_assert_eq(gb_epochs_new(SHARDS, PARTITIONS, PRODUCERS, MIN, start_ms, 2, &e, &err), 0, "%s",
               err.msg);
  return e;
}

/* The n-th player (n >= 0) of arm, by id. */
static uint64_t player_of(uint16_t arm, unsigned n) {
  for (uint64_t id = 1;; id++)
    if (gb_arms_of(arms, id) == arm && n-- == 0)
      return id;
}

/* Every (partition, producer) watermark at ts. */
static void all_watermarks(gb_epochs *e, int64_t ts) {
  for (unsigned p = 0; p < PARTITIONS; p++)
    for (unsigned q = 0; q < PRODUCERS; q++)
      gb_epochs_watermark(e, p, q, ts);
}

/* A prop of challenge to an egreedy player (the only candidate, so it is chosen), used or not,
 * then ended: the shard's recommender counts it. */
static void prop(gb_reco *r, unsigned player, uint64_t decision_id, int64_t ts, uint32_t challenge,
                 bool used) {
  uint64_t id = player_of(EGREEDY, player);
  uint32_t slot = player;
  const int64_t ttl = 600;
  gb_decision d = {0};
  gb_reco_decide(r, slot, decision_id, id, ts, NULL, &challenge, &ttl, 1, &d, NULL);
  cr_assert_eq(d.arm, EGREEDY);
  cr_assert_eq(d.chosen, challenge);
  if (used) {
    gb_event ev;
    gb_event_init(&ev);
    ev.type = GB_EV_PROP_USED;
    ev.ts = ts + 1000;
    ev.player_id = id;
    ev.u.prop.prop_id = decision_id;
    gb_reco_feedback(r, slot, &ev);
  }
  gb_reco_prop_ended(r, slot, decision_id, ts + 2000, used);
}

enum { ASKED = 400 };
static const uint32_t eligible[] = {3, 7};
static const int64_t ttls[] = {600, 600};

/* r's decisions 5000 .. 5000 + ASKED - 1 for as many players of arm, each prop ended at once so
 * that the next call decides again. */
static void decide_all(gb_reco *r, uint16_t arm, int64_t ts, gb_decision *out) {
  for (unsigned i = 0; i < ASKED; i++) {
    memset(&out[i], 0, sizeof out[i]);
    gb_reco_decide(r, 1000 + i, 5000 + i, player_of(arm, i), ts, NULL, eligible, ttls, 2, &out[i],
                   NULL);
    cr_assert_eq(out[i].arm, arm);
    cr_assert_eq(out[i].reason, GB_DECIDED);
    gb_reco_prop_ended(r, 1000 + i, 5000 + i, ts, false);
  }
}

static size_t count_chosen(const gb_decision *d, uint32_t challenge) {
  size_t n = 0;
  for (unsigned i = 0; i < ASKED; i++)
    n += d[i].chosen == challenge;
  return n;
}

static void assert_same_decisions(const gb_decision *a, const gb_decision *b) {
  for (unsigned i = 0; i < ASKED; i++) {
    cr_assert_eq(a[i].chosen, b[i].chosen, "decision %u", i);
    cr_assert_eq(a[i].propensity, b[i].propensity, "decision %u", i);
  }
}

Test(epochs, the_gate_starts_at_the_first_boundary_after_the_start) {
  const int64_t start[] = {0, 1000, MIN - 1, MIN, MIN + 1, -1, -MIN, -MIN - 1};
  const int64_t gate[] = {MIN, MIN, MIN, 2 * MIN, 2 * MIN, 0, 0, -MIN};
  for (size_t i = 0; i < sizeof start / sizeof start[0]; i++) {
    gb_epochs *e = new_epochs(start[i]);
    cr_assert_eq(gb_epochs_gate(e), gate[i], "start %lld: gate %lld", (long long)start[i],
                 (long long)gb_epochs_gate(e));
    cr_assert_eq(gb_epochs_closed(e), 0);
    gb_epochs_free(e);
  }
  gb_epochs_free(NULL);
}

Test(epochs, no_close_until_every_watermark_passed_and_every_shard_synced) {
  gb_epochs *e = new_epochs(1000);
  gb_reco *r[SHARDS] = {new_reco(), new_reco()};
  prop(r[0], 0, 1, 2000, 7, true);
  cr_assert_eq(gb_tally_count(gb_reco_delta(r[0], EGREEDY)), 2, "given and used of 7");
  cr_assert_null(gb_reco_delta(r[0], RANDOM), "random learns nothing");
  /* every watermark but one past the boundary, one just short of it */
  for (unsigned p = 0; p < PARTITIONS; p++)
    for (unsigned q = 0; q < PRODUCERS; q++)
      gb_epochs_watermark(e, p, q, p == 1 && q == 0 ? MIN - 1 : MIN + 500);
  for (int round = 0; round < 3; round++)
    for (unsigned s = 0; s < SHARDS; s++)
      gb_epochs_sync(e, s, r[s]);
  cr_assert_eq(gb_epochs_closed(e), 0);
  cr_assert_eq(gb_epochs_gate(e), MIN);
  cr_assert_eq(gb_tally_count(gb_reco_delta(r[0], EGREEDY)), 2, "nothing handed over yet");
  /* a lower watermark than before is ignored */
  gb_epochs_watermark(e, 0, 0, 0);
  /* the last one reaches the boundary: nothing below it will follow */
  gb_epochs_watermark(e, 1, 0, MIN);
  gb_epochs_sync(e, 0, r[0]);
  cr_assert_eq(gb_epochs_closed(e), 0, "shard 1 has not handed over");
  cr_assert_eq(gb_epochs_gate(e), MIN);
  cr_assert_eq(gb_tally_count(gb_reco_delta(r[0], EGREEDY)), 0, "shard 0 handed over");
  gb_epochs_sync(e, 0, r[0]); /* again: nothing more to hand over */
  cr_assert_eq(gb_epochs_closed(e), 0);
  gb_epochs_sync(e, 1, r[1]);
  cr_assert_eq(gb_epochs_closed(e), 1);
  cr_assert_eq(gb_epochs_gate(e), 2 * MIN);
  cr_assert_eq(gb_reco_boundary(r[1]), MIN, "the closing shard applies at once");
  cr_assert_eq(gb_reco_boundary(r[0]), INT64_MIN, "shard 0 applies at its next sync");
  gb_epochs_sync(e, 0, r[0]);
  cr_assert_eq(gb_reco_boundary(r[0]), MIN);
  cr_assert_eq(gb_epochs_closed(e), 1, "the next boundary waits for its watermarks");
  for (unsigned s = 0; s < SHARDS; s++)
    gb_reco_free(r[s]);
  gb_epochs_free(e);
}

/* Two shards through one epoch: shard `teacher` counts the props of 7 (used) and shard
 * `other_teacher` those of 3 (not used); then the boundary closes. Returns the decisions of
 * both shards after it, for the egreedy arm, into out[shard]. */
static void one_epoch(unsigned teacher, unsigned other_teacher, gb_decision out[SHARDS][ASKED]) {
  gb_epochs *e = new_epochs(0);
  gb_reco *r[SHARDS] = {new_reco(), new_reco()};
  uint64_t id = 1;
  for (unsigned i = 0; i < 10; i++) {
    prop(r[teacher], i, id++, 1000 + i, 7, true);
    prop(r[other_teacher], 20 + i, id++, 1000 + i, 3, i < 2);
  }
  all_watermarks(e, MIN);
  gb_epochs_sync(e, 0, r[0]);
  gb_epochs_sync(e, 1, r[1]);
  gb_epochs_sync(e, 0, r[0]);
  cr_assert_eq(gb_epochs_closed(e), 1);
  for (unsigned s = 0; s < SHARDS; s++) {
    cr_assert_eq(gb_reco_boundary(r[s]), MIN);
    decide_all(r[s], EGREEDY, MIN + 10, out[s]);
  }
  for (unsigned s = 0; s < SHARDS; s++)
    gb_reco_free(r[s]);
  gb_epochs_free(e);
}

Test(epochs, both_shards_apply_the_same_merged_increments) {
  static gb_decision d[SHARDS][ASKED];
  one_epoch(0, 1, d);
  assert_same_decisions(d[0], d[1]);
  /* 7 used 10 of 10 beats 3 used 2 of 10 on both shards, though each saw one of them: the
   * greedy choice 7 with propensity 1 - 0.1 + 0.05 */
  size_t sevens = count_chosen(d[0], 7);
  cr_assert(sevens > ASKED * 0.9, "7 chosen %zu of %d", sevens, ASKED);
  for (unsigned i = 0; i < ASKED; i++)
    cr_assert_eq(d[0][i].propensity, d[0][i].chosen == 7 ? 1.0 - 0.1 + 0.1 / 2 : 0.1 / 2);
}

Test(epochs, the_merged_model_does_not_depend_on_which_shard_counted_what) {
  static gb_decision a[SHARDS][ASKED], b[SHARDS][ASKED], c[SHARDS][ASKED];
  one_epoch(0, 1, a);
  one_epoch(1, 0, b);
  one_epoch(1, 1, c);
  for (unsigned s = 0; s < SHARDS; s++) {
    assert_same_decisions(a[s], b[s]);
    assert_same_decisions(a[s], c[s]);
  }
}

Test(epochs, decisions_before_the_boundary_use_the_previous_model) {
  gb_epochs *e = new_epochs(0);
  gb_reco *r[SHARDS] = {new_reco(), new_reco()};
  static gb_decision before[ASKED], after[ASKED], random_before[ASKED], random_after[ASKED];
  decide_all(r[1], EGREEDY, 500, before);
  decide_all(r[1], RANDOM, 500, random_before);
  for (unsigned i = 0; i < 10; i++)
    prop(r[0], i, 1 + i, 1000, 7, true);
  /* shard 1 decides again: the increments are shard 0's and the boundary is not closed */
  static gb_decision again[ASKED];
  gb_epochs_sync(e, 1, r[1]);
  decide_all(r[1], EGREEDY, 1500, again);
  assert_same_decisions(before, again);
  cr_assert_lt(count_chosen(before, 7), ASKED * 3 / 4, "untaught: a tie between 3 and 7");
  all_watermarks(e, MIN);
  gb_epochs_sync(e, 0, r[0]);
  gb_epochs_sync(e, 1, r[1]);
  decide_all(r[1], EGREEDY, MIN, after);
  decide_all(r[1], RANDOM, MIN, random_after);
  cr_assert_gt(count_chosen(after, 7), ASKED * 9 / 10);
  assert_same_decisions(random_before, random_after); /* the random arm has no model */
  for (unsigned s = 0; s < SHARDS; s++)
    gb_reco_free(r[s]);
  gb_epochs_free(e);
}

Test(epochs, watermarks_far_ahead_close_every_boundary_they_passed) {
  gb_epochs *e = new_epochs(0);
  gb_reco *r[SHARDS] = {new_reco(), new_reco()};
  all_watermarks(e, 3 * MIN + 5);
  /* each shard's sync hands over one boundary after another as they close */
  for (int round = 0; round < 10; round++)
    for (unsigned s = 0; s < SHARDS; s++)
      gb_epochs_sync(e, s, r[s]);
  cr_assert_eq(gb_epochs_closed(e), 3);
  cr_assert_eq(gb_epochs_gate(e), 4 * MIN);
  for (unsigned s = 0; s < SHARDS; s++)
    cr_assert_eq(gb_reco_boundary(r[s]), 3 * MIN);
  for (unsigned s = 0; s < SHARDS; s++)
    gb_reco_free(r[s]);
  gb_epochs_free(e);
}

Test(epochs, finished_producers_close_nothing_more) {
  /* INT64_MAX from every producer: no event follows, so no decision needs another epoch; the
   * shards' syncs return (no endless loop over the boundaries up to INT64_MAX) */
  gb_epochs *e = new_epochs(0);
  gb_reco *r[SHARDS] = {new_reco(), new_reco()};
  all_watermarks(e, MIN);
  for (int round = 0; round < 2; round++)
    for (unsigned s = 0; s < SHARDS; s++)
      gb_epochs_sync(e, s, r[s]);
  cr_assert_eq(gb_epochs_closed(e), 1);
  prop(r[0], 0, 1, MIN + 100, 7, true);
  /* one producer finishes first: the other's watermark still closes what it passes */
  for (unsigned p = 0; p < PARTITIONS; p++) {
    gb_epochs_watermark(e, p, 0, INT64_MAX);
    gb_epochs_watermark(e, p, 1, 2 * MIN);
  }
  for (int round = 0; round < 2; round++)
    for (unsigned s = 0; s < SHARDS; s++)
      gb_epochs_sync(e, s, r[s]);
  cr_assert_eq(gb_epochs_closed(e), 2);
  all_watermarks(e, INT64_MAX);
  for (int round = 0; round < 5; round++)
    for (unsigned s = 0; s < SHARDS; s++)
      gb_epochs_sync(e, s, r[s]);
  cr_assert_eq(gb_epochs_closed(e), 2);
  cr_assert_eq(gb_epochs_gate(e), 3 * MIN);
  for (unsigned s = 0; s < SHARDS; s++)
    cr_assert_eq(gb_reco_boundary(r[s]), 2 * MIN);
  for (unsigned s = 0; s < SHARDS; s++)
    gb_reco_free(r[s]);
  gb_epochs_free(e);
}

/* ---- shared mode: engines in separate processes, exchanging per-partition contributions */

enum { LOG_MAX = 64 };

/* The exchange topic as a test holds it: every contribution sent, in order. */
typedef struct exchange {
  unsigned char *msg[LOG_MAX];
  size_t len[LOG_MAX], n;
} exchange;

static void to_exchange(void *ctx, const void *msg, size_t len) {
  exchange *x = ctx;
  cr_assert_lt(x->n, LOG_MAX);
  x->msg[x->n] = malloc(len);
  memcpy(x->msg[x->n], msg, len);
  x->len[x->n++] = len;
}

static void exchange_free(exchange *x) {
  for (size_t i = 0; i < x->n; i++)
    free(x->msg[i]);
  x->n = 0;
}

/* Messages first .. x->n - 1 of the exchange, read by e. */
static void deliver(exchange *x, size_t first, gb_epochs *e) {
  for (size_t i = first; i < x->n; i++) {
    gb_err err = {0};
    cr_assert_eq(gb_epochs_receive(e, x->msg[i], x->len[i], &err), 0, "%s", err.msg);
  }
}

static gb_epochs *new_shared(unsigned n_shards, exchange *x) {
  gb_epochs *e = NULL;
  gb_err err = {0};
  cr_assert_eq(gb_epochs_new_shared(n_shards, PARTITIONS, PRODUCERS, MIN, 0, n_shards ? 2 : 0,
                                    x ? to_exchange : NULL, x, &e, &err),
               0, "%s", err.msg);
  return e;
}

/* The watermarks of partition p from both producers at ts, read by the shard of r. */
static void partition_watermarks(gb_epochs *e, gb_reco *r, unsigned p, int64_t ts) {
  for (unsigned q = 0; q < PRODUCERS; q++)
    gb_epochs_watermark(e, p, q, ts);
  gb_epochs_contribute(e, r, p);
}

/* Process A's engine reads partition 0 (props of 7, used), process B's partition 1 (props of 3,
 * 2 of 10 used); their contributions to the first boundary go through the exchange. */
static void teach_two_processes(gb_epochs *a, gb_reco *ra, gb_epochs *b, gb_reco *rb) {
  gb_reco_set_partition(ra, 0);
  gb_reco_set_partition(rb, 1);
  for (unsigned i = 0; i < 10; i++) {
    prop(ra, i, 1 + 2 * i, 1000 + i, 7, true);
    prop(rb, 20 + i, 2 + 2 * i, 1000 + i, 3, i < 2);
  }
  partition_watermarks(a, ra, 0, MIN + 5);
  partition_watermarks(b, rb, 1, MIN);
}

Test(epochs, shared_a_boundary_closes_once_every_partition_contributed) {
  exchange x = {0};
  gb_epochs *a = new_shared(1, &x), *b = new_shared(1, &x), *sim = new_shared(0, NULL);
  gb_reco *ra = new_reco(), *rb = new_reco();
  gb_reco_set_partition(ra, 0);
  prop(ra, 0, 1, 1000, 7, true);
  cr_assert_eq(gb_tally_count(gb_reco_partition_delta(ra, EGREEDY, 0)), 2);
  cr_assert_eq(gb_tally_count(gb_reco_partition_delta(ra, EGREEDY, 1)), 0, "partition 0's only");
  cr_assert_eq(gb_tally_count(gb_reco_delta(ra, EGREEDY)), 2, "gb_reco_delta is partition 0's");
  /* one producer of partition 0 past the boundary: no contribution yet */
  gb_epochs_watermark(a, 0, 0, MIN);
  gb_epochs_contribute(a, ra, 0);
  cr_assert_eq(x.n, 0);
  gb_epochs_watermark(a, 0, 1, MIN);
  gb_epochs_contribute(a, ra, 0);
  cr_assert_eq(x.n, 1, "(MIN, partition 0)");
  cr_assert_eq(gb_tally_count(gb_reco_partition_delta(ra, EGREEDY, 0)), 0, "taken and cleared");
  gb_epochs_contribute(a, ra, 0);
  cr_assert_eq(x.n, 1, "said once");
  deliver(&x, 0, a);
  deliver(&x, 0, b);
  deliver(&x, 0, sim);
  cr_assert_eq(gb_epochs_closed(a), 0, "partition 1 has not said");
  cr_assert_eq(gb_epochs_gate(sim), MIN);
  partition_watermarks(b, rb, 1, MIN + 30000);
  cr_assert_eq(x.n, 2);
  deliver(&x, 1, a);
  deliver(&x, 1, b);
  deliver(&x, 1, sim);
  cr_assert_eq(gb_epochs_closed(a), 1);
  cr_assert_eq(gb_epochs_closed(b), 1);
  cr_assert_eq(gb_epochs_gate(sim), 2 * MIN, "the simulator's gate follows");
  gb_epochs_sync(a, 0, ra);
  gb_epochs_sync(b, 0, rb);
  cr_assert_eq(gb_reco_boundary(ra), MIN);
  cr_assert_eq(gb_reco_boundary(rb), MIN);
  gb_reco_free(ra);
  gb_reco_free(rb);
  gb_epochs_free(a);
  gb_epochs_free(b);
  gb_epochs_free(sim);
  exchange_free(&x);
}

Test(epochs, shared_processes_learn_what_one_process_learns) {
  /* the reference: one process, one shard reading both partitions */
  gb_epochs *one = new_epochs(0);
  gb_reco *r1 = new_reco();
  for (unsigned i = 0; i < 10; i++) {
    prop(r1, i, 1 + 2 * i, 1000 + i, 7, true);
    prop(r1, 20 + i, 2 + 2 * i, 1000 + i, 3, i < 2);
  }
  gb_reco *idle = new_reco(); /* the reference's other shard */
  all_watermarks(one, MIN);
  gb_epochs_sync(one, 0, r1);
  gb_epochs_sync(one, 1, idle);
  gb_epochs_sync(one, 0, r1);
  cr_assert_eq(gb_reco_boundary(r1), MIN);
  exchange x = {0};
  gb_epochs *a = new_shared(1, &x), *b = new_shared(1, &x);
  gb_reco *ra = new_reco(), *rb = new_reco();
  teach_two_processes(a, ra, b, rb);
  /* the exchange's order is the broker's: B's process reads it in the other order than A's */
  deliver(&x, 0, a);
  for (size_t i = x.n; i-- > 0;) {
    gb_err err = {0};
    cr_assert_eq(gb_epochs_receive(b, x.msg[i], x.len[i], &err), 0, "%s", err.msg);
  }
  gb_epochs_sync(a, 0, ra);
  gb_epochs_sync(b, 0, rb);
  static gb_decision d1[ASKED], da[ASKED], db[ASKED];
  decide_all(r1, EGREEDY, MIN + 10, d1);
  decide_all(ra, EGREEDY, MIN + 10, da);
  decide_all(rb, EGREEDY, MIN + 10, db);
  assert_same_decisions(d1, da);
  assert_same_decisions(d1, db);
  cr_assert_gt(count_chosen(da, 7), ASKED * 9 / 10, "7 beats 3 in both processes");
  gb_reco_free(r1);
  gb_reco_free(idle);
  gb_reco_free(ra);
  gb_reco_free(rb);
  gb_epochs_free(one);
  gb_epochs_free(a);
  gb_epochs_free(b);
  exchange_free(&x);
}

Test(epochs, shared_the_first_contribution_of_a_partition_counts) {
  /* partition 0 changed hands: its new owner says (MIN, 0) again, here with other increments
   * (a replay that differed): the first one read counts, in every process */
  exchange x = {0}, again = {0};
  gb_epochs *a = new_shared(1, &x), *b = new_shared(1, &x), *c = new_shared(1, &again);
  gb_reco *ra = new_reco(), *rb = new_reco(), *rc = new_reco();
  teach_two_processes(a, ra, b, rb);
  gb_reco_set_partition(rc, 0);
  for (unsigned i = 0; i < 10; i++)
    prop(rc, 40 + i, 100 + i, 1000 + i, 3, true); /* 3 used: would turn the model around */
  partition_watermarks(c, rc, 0, MIN);
  cr_assert_eq(again.n, 1);
  to_exchange(&x, again.msg[0], again.len[0]); /* after the first owner's */
  deliver(&x, 0, a);
  deliver(&x, 0, b);
  gb_epochs_sync(a, 0, ra);
  static gb_decision d[ASKED];
  decide_all(ra, EGREEDY, MIN + 10, d);
  cr_assert_gt(count_chosen(d, 7), ASKED * 9 / 10, "the duplicate was ignored");
  /* once the boundary closed, a late owner says nothing for it: no message */
  deliver(&x, 0, c);
  gb_reco_set_partition(rc, 1);
  partition_watermarks(c, rc, 1, MIN);
  cr_assert_eq(again.n, 1, "closed already: nothing sent");
  gb_reco_free(ra);
  gb_reco_free(rb);
  gb_reco_free(rc);
  gb_epochs_free(a);
  gb_epochs_free(b);
  gb_epochs_free(c);
  exchange_free(&x);
  exchange_free(&again);
}

Test(epochs, shared_watermarks_far_ahead_contribute_to_every_boundary_passed) {
  exchange x = {0};
  gb_epochs *a = new_shared(1, &x);
  gb_reco *r = new_reco();
  gb_reco_set_partition(r, 1);
  partition_watermarks(a, r, 1, 3 * MIN + 5);
  cr_assert_eq(x.n, 3, "MIN, 2 MIN and 3 MIN");
  partition_watermarks(a, r, 0, 2 * MIN);
  cr_assert_eq(x.n, 5);
  deliver(&x, 0, a);
  cr_assert_eq(gb_epochs_closed(a), 2, "3 MIN waits for partition 0");
  cr_assert_eq(gb_epochs_gate(a), 3 * MIN);
  /* every producer finished: nothing more to say */
  partition_watermarks(a, r, 0, INT64_MAX);
  cr_assert_eq(x.n, 5);
  gb_reco_free(r);
  gb_epochs_free(a);
  exchange_free(&x);
}

Test(epochs, shared_bad_contributions_are_refused_and_change_nothing) {
  exchange x = {0};
  gb_epochs *a = new_shared(1, &x), *sim = new_shared(0, NULL);
  gb_reco *r = new_reco();
  gb_reco_set_partition(r, 0);
  prop(r, 0, 1, 1000, 7, true);
  partition_watermarks(a, r, 0, MIN);
  cr_assert_eq(x.n, 1);
  unsigned char *m = x.msg[0];
  size_t len = x.len[0];
  unsigned char bad[1024];
  cr_assert_lt(len, sizeof bad);
  struct {
    size_t at, cut; /* byte to flip (SIZE_MAX: none), length to keep */
    unsigned char to;
    const char *says;
  } cases[] = {
      {SIZE_MAX, 3, 0, "not an epoch contribution"},
      {0, SIZE_MAX, 'X', "not an epoch contribution"},
      {4, SIZE_MAX, 9, "not an epoch contribution"},
      {16, SIZE_MAX, 2, "partition 2 of 2"},
      {12, SIZE_MAX, 1, "is not a boundary"},
      {20, SIZE_MAX, 3, "3 arms, the workload has 2"},
      {SIZE_MAX, 30, 0, "truncated"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    size_t n = cases[i].cut == SIZE_MAX ? len : cases[i].cut;
    memcpy(bad, m, len);
    if (cases[i].at != SIZE_MAX)
      bad[cases[i].at] = cases[i].to;
    gb_err err = {0};
    cr_assert_eq(gb_epochs_receive(a, bad, n, &err), -1, "case %zu", i);
    cr_assert(strstr(err.msg, cases[i].says), "case %zu: %s", i, err.msg);
  }
  gb_err err = {0};
  bad[0] = 0;
  memcpy(bad + 1, m, len);
  cr_assert_eq(gb_epochs_receive(a, bad + 1, len, &err), 0, "%s", err.msg);
  cr_assert_eq(gb_epochs_receive(sim, m, len, &err), 0, "an observer skips the tallies");
  cr_assert_eq(gb_epochs_closed(a), 0);
  gb_reco_free(r);
  gb_epochs_free(a);
  gb_epochs_free(sim);
  exchange_free(&x);
}

typedef struct awaiting {
  gb_epochs *e;
  gb_reco *r;
  int64_t ts;
} awaiting;

static void *await_main(void *arg) {
  awaiting *w = arg;
  gb_epochs_await(w->e, w->r, w->ts);
  return NULL;
}

Test(epochs, shared_an_event_past_an_unseen_close_waits_for_it) {
  exchange x = {0};
  gb_epochs *a = new_shared(1, &x), *b = new_shared(1, &x);
  gb_reco *ra = new_reco(), *rb = new_reco();
  gb_epochs_await(a, ra, MIN - 1); /* before the first boundary: returns at once */
  teach_two_processes(a, ra, b, rb);
  /* a shard of B's process reads an event at MIN + 7 before B read the contributions */
  awaiting w = {b, rb, MIN + 7};
  pthread_t t;
  cr_assert_eq(pthread_create(&t, NULL, await_main, &w), 0);
  deliver(&x, 0, b);
  pthread_join(t, NULL);
  cr_assert_eq(gb_reco_boundary(rb), MIN, "applied before the event");
  /* a boundary that never closes: gb_epochs_stop lets the waiter go */
  awaiting never = {a, ra, 5 * MIN};
  cr_assert_eq(pthread_create(&t, NULL, await_main, &never), 0);
  gb_epochs_stop(a);
  pthread_join(t, NULL);
  cr_assert_eq(gb_reco_boundary(ra), INT64_MIN, "nothing closed in A: nothing applied");
  gb_reco_free(ra);
  gb_reco_free(rb);
  gb_epochs_free(a);
  gb_epochs_free(b);
  exchange_free(&x);
}

static void count_wake(void *ctx) { (*(int *)ctx)++; }

Test(epochs, sleepers_are_woken_when_a_boundary_can_close_and_when_it_closes) {
  gb_epochs *e = new_epochs(0);
  gb_reco *r[SHARDS] = {new_reco(), new_reco()};
  int wakes = 0;
  gb_epochs_on_change(e, count_wake, &wakes);
  for (unsigned p = 0; p < PARTITIONS; p++)
    for (unsigned q = 0; q < PRODUCERS; q++)
      if (p + q < PARTITIONS + PRODUCERS - 2)
        gb_epochs_watermark(e, p, q, MIN);
  cr_assert_eq(wakes, 0, "one watermark still short of the boundary");
  gb_epochs_watermark(e, 1, 1, MIN + 10);
  cr_assert_eq(wakes, 1, "every watermark passed: the shards have increments to hand over");
  gb_epochs_watermark(e, 1, 1, MIN + 20);
  cr_assert_eq(wakes, 1, "nothing new");
  gb_epochs_sync(e, 0, r[0]);
  cr_assert_eq(wakes, 1);
  gb_epochs_sync(e, 1, r[1]);
  cr_assert_eq(gb_epochs_closed(e), 1);
  cr_assert_eq(wakes, 2, "closed: the producers may go past it");
  for (unsigned s = 0; s < SHARDS; s++)
    gb_reco_free(r[s]);
  gb_epochs_free(e);
}
