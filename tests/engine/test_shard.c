/* The engine shard's loop (gb_shard) over the in-process transport: receive -> pipeline ->
 * reply, its hooks, dead letters, and the service mode that runs until asked to stop. */
#include <criterion/criterion.h>
#include <stdatomic.h>
#include <string.h>

#include "gb_codec.h"
#include "gb_decision_codec.h"
#include "gb_shard.h"
#include "gb_test_support.h"

static const char catalogue[] = "definitions:\n"
                                "  - id: win_any\n"
                                "    criteria: {type: game_end, won: true}\n"
                                "    ttl: 1h\n";

static char *dir, *cat_path;
static gb_arms *arms;
static gb_transport *transport;

static void setup(void) {
  dir = gbt_tmpdir();
  cat_path = gbt_path(dir, "defs.yaml");
  gbt_write_file(cat_path, catalogue);
  gb_arm_spec arm = {.name = "random", .algorithm = "random", .weight = 1};
  cr_assert_eq(gb_arms_new(&arm, 1, 42, &arms, NULL), 0);
  gb_transport_config tc = {.n_producers = 1, .n_shards = 1, .queue_bytes = 1 << 16};
  cr_assert_eq(gb_transport_inproc_new(&tc, &transport, NULL), 0);
}

static void teardown(void) {
  gb_transport_free(transport);
  gb_arms_free(arms);
  gbt_rmtree(dir);
  free(dir);
  free(cat_path);
}

TestSuite(shard, .init = setup, .fini = teardown);

typedef struct seen {
  unsigned events, decisions, controls, rejected_events, rejected_hooks;
  char last_reason[256];
} seen;

static void on_event(void *ctx, unsigned shard, gb_pipeline_result r,
                     const gb_pipeline_stamps *st) {
  seen *s = ctx;
  cr_assert_eq(shard, 0);
  s->events++;
  s->decisions += st->decision;
  s->controls += st->control;
  s->rejected_events += r == GB_PIPELINE_REJECTED;
  if (r != GB_PIPELINE_REJECTED && !st->control)
    cr_assert(st->decoded >= st->received, "stamps in order");
}

static void on_rejected(void *ctx, unsigned shard, const void *msg, size_t len,
                        const char *reason) {
  (void)shard;
  (void)msg;
  (void)len;
  seen *s = ctx;
  s->rejected_hooks++;
  snprintf(s->last_reason, sizeof s->last_reason, "%s", reason);
}

static gb_shard *make_shard(bool encoded, seen *s, const _Atomic bool *stop) {
  gb_pipeline_config pc = {.catalog_path = cat_path,
                           .matcher = GB_MATCH_SCAN,
                           .arms = arms,
                           .seed = 42,
                           .expected_players = 4};
  gb_shard_config sc = {.index = 0,
                        .transport = transport,
                        .pipeline = &pc,
                        .encoded_replies = encoded,
                        .binary = true,
                        .receive_batch = 8,
                        .idle_spins = 10,
                        .idle_wait_ns = 1000000,
                        .until_finished = stop == NULL,
                        .stop = stop,
                        .dead_letters_kept = 1,
                        .hooks = {.ctx = s, .on_event = on_event, .on_rejected = on_rejected}};
  gb_shard *sh = NULL;
  gb_err err = {0};
  cr_assert_eq(gb_shard_new(&sc, &sh, &err), 0, "%s", err.msg);
  return sh;
}

static void send_game_end(uint64_t player, uint32_t seq, bool won) {
  gb_event ev;
  gb_event_init(&ev);
  ev.event_id = (player << 32) | seq;
  ev.type = GB_EV_GAME_END;
  ev.ts = 1767571200000LL + seq * 1000;
  ev.player_id = player;
  memcpy(ev.country, "CN", 3);
  memcpy(ev.u.game.game, "dou_dizhu", 10);
  ev.u.game.won = won;
  char buf[512];
  size_t n = gb_event_encode_wire(&ev, true, buf, sizeof buf);
  gb_transport_send_on(transport, 0, gb_event_channel_of(ev.type), player, buf, n);
}

typedef struct answers {
  gb_decision d[16];
  size_t n;
  bool encoded;
} answers;

static void take_answer(void *ctx, const void *msg, size_t len) {
  answers *a = ctx;
  cr_assert_lt(a->n, 16);
  if (!a->encoded) {
    cr_assert_eq(len, sizeof(gb_decision));
    memcpy(&a->d[a->n++], msg, len);
    return;
  }
  gb_decision_codec *c = NULL;
  cr_assert_eq(gb_decision_codec_new(&c, NULL), 0);
  cr_assert_eq(gb_decision_decode_wire(c, msg, len, &a->d[a->n++], NULL), 0);
  gb_decision_codec_free(c);
}

static void check_run(bool encoded) {
  seen s = {0};
  gb_shard *sh = make_shard(encoded, &s, NULL);
  send_game_end(1, 1, true);
  send_game_end(2, 1, false);
  gb_transport_send_on(transport, 0, GB_CHANNEL_CARD, 3, "{\"type\": \"warp\"}", 16);
  gb_transport_send_on(transport, 0, GB_CHANNEL_CARD, 3, "not json", 8);
  send_game_end(1, 2, true);
  gb_transport_producer_done(transport, 0);
  gb_shard_run(sh); /* returns once the producer is done and everything is drained */
  cr_assert_eq(s.events, 5);
  cr_assert_eq(s.decisions, 3);
  cr_assert_eq(s.rejected_events, 2);
  cr_assert_eq(s.rejected_hooks, 2);
  cr_assert(strstr(s.last_reason, "expected a JSON object"), "%s", s.last_reason);
  size_t n_dead;
  const gb_dead_letter *dead = gb_shard_dead_letters(sh, &n_dead);
  cr_assert_eq(n_dead, 1, "dead_letters_kept: the first is kept, both are counted");
  cr_assert_str_eq(dead[0].payload, "{\"type\": \"warp\"}");
  cr_assert(strstr(dead[0].reason, "warp"), "%s", dead[0].reason);
  gb_pipeline_counts c;
  gb_shard_get_counts(sh, &c);
  cr_assert_eq(c.consumed, 5);
  cr_assert_eq(c.processed, 3);
  cr_assert_eq(c.rejected, 2);
  cr_assert_eq(c.decisions, 3);
  cr_assert_eq(c.replayed, 0);
  answers a = {.encoded = encoded};
  cr_assert_eq(gb_transport_poll_replies(transport, 0, take_answer, &a), 3);
  cr_assert_eq(a.d[0].player_id, 1);
  cr_assert_eq(a.d[0].reason, GB_DECIDED);
  cr_assert_eq(a.d[0].n_candidates, 1, "win_any matches the first won game");
  cr_assert_eq(a.d[1].player_id, 2);
  cr_assert_eq(a.d[1].reason, GB_NO_CANDIDATES, "a lost game matches nothing");
  cr_assert_eq(a.d[2].player_id, 1);
  cr_assert_eq(a.d[2].reason, GB_SUPPRESSED, "player 1's prop is ongoing");
  gb_shard_free(sh);
}

Test(shard, in_process_replies_are_the_decisions_themselves) { check_run(false); }

Test(shard, encoded_replies_decode_to_the_same_decisions) { check_run(true); }

/* A service (`gamebench engine`) runs until it is asked to stop, not when producers finish. */
Test(shard, a_service_runs_until_asked_to_stop) {
  seen s = {0};
  _Atomic bool stop = true;
  gb_shard *sh = make_shard(true, &s, &stop);
  send_game_end(1, 1, true);
  gb_shard_run(sh);
  cr_assert_eq(s.events, 0, "asked to stop before the first poll");
  atomic_store(&stop, false);
  bool finished = true;
  cr_assert_eq(gb_shard_poll(sh, &finished), 1);
  cr_assert_not(finished, "the producer is not done");
  cr_assert_eq(s.decisions, 1);
  gb_shard_free(sh);
}
