/* The transport interface through the in-process implementation: routing by player, order
 * across channels, per-partition reconciliation, replies. */
#include <criterion/criterion.h>
#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "gb_transport.h"

/* ---- in process, through the interface */

static gb_transport *inproc(unsigned producers, unsigned shards) {
  gb_transport_config tc = {.n_producers = producers, .n_shards = shards, .queue_bytes = 1 << 16};
  gb_transport *t = NULL;
  gb_err err = {0};
  cr_assert_eq(gb_transport_inproc_new(&tc, &t, &err), 0, "%s", err.msg);
  return t;
}

typedef struct seen {
  char msgs[64][32];
  size_t n;
} seen;

static void keep(void *ctx, const void *msg, size_t len) {
  seen *s = ctx;
  cr_assert_lt(s->n, 64);
  cr_assert_lt(len, 32);
  memcpy(s->msgs[s->n], msg, len);
  s->msgs[s->n][len] = '\0';
  s->n++;
}

Test(transport, producer_of_follows_the_simulators_split) {
  /* gb_sim gives player k + 1 to producer k % n_producers */
  for (unsigned n = 1; n <= 4; n++) {
    gb_transport *t = inproc(n, 1);
    for (uint64_t k = 0; k < 20; k++)
      cr_assert_eq(gb_transport_producer_of(t, k + 1), k % n, "player %" PRIu64 " of %u", k + 1, n);
    gb_transport_free(t);
  }
}

Test(transport, inproc_keeps_a_players_order_across_channels) {
  gb_transport *t = inproc(1, 2);
  cr_assert_str_eq(gb_transport_kind_name(t), "inproc");
  const uint64_t player = 7;
  const char *msgs[] = {"a", "b", "c", "d"};
  gb_event_channel ch[] = {GB_CHANNEL_CARD, GB_CHANNEL_FEEDBACK, GB_CHANNEL_CARD, GB_CHANNEL_STEAM};
  for (int i = 0; i < 4; i++)
    gb_transport_send_on(t, 0, ch[i], player, msgs[i], 1);
  gb_transport_producer_done(t, 0);
  unsigned shard = gb_transport_shard_of(t, player);
  seen s = {0};
  bool finished = false;
  cr_assert_eq(gb_transport_receive(t, shard, 64, keep, &s, &finished), 4);
  for (int i = 0; i < 4; i++)
    cr_assert_str_eq(s.msgs[i], msgs[i]);
  cr_assert_eq(gb_transport_receive(t, shard, 64, keep, &s, &finished), 0);
  cr_assert(finished, "every producer done and the shard drained");
  gb_transport_free(t);
}

Test(transport, inproc_partitions_reconcile) {
  gb_transport *t = inproc(2, 3);
  cr_assert_eq(gb_transport_partitions(t), 3);
  for (uint64_t p = 1; p <= 30; p++)
    gb_transport_send(t, gb_transport_producer_of(t, p), p, "x", 1);
  cr_assert_not(gb_transport_reconcile(t, NULL), "sent but not yet delivered");
  seen s;
  uint64_t delivered = 0;
  for (unsigned sh = 0; sh < 3; sh++) {
    bool finished;
    s.n = 0;
    delivered += gb_transport_receive(t, sh, 64, keep, &s, &finished);
  }
  cr_assert_eq(delivered, 30);
  uint64_t sent = 0;
  for (unsigned p = 0; p < 3; p++) {
    gb_transport_partition_stats ps;
    gb_transport_get_partition_stats(t, p, &ps);
    cr_assert_eq(ps.delivered, ps.sent, "partition %u", p);
    cr_assert_eq(ps.gaps, 0);
    sent += ps.sent;
  }
  cr_assert_eq(sent, 30);
  cr_assert(gb_transport_reconcile(t, NULL));
  cr_assert_not(gb_transport_failed(t, NULL));
  gb_transport_stats st;
  gb_transport_get_stats(t, &st);
  cr_assert_eq(st.sent, 30);
  cr_assert_eq(st.received, 30);
  cr_assert_eq(st.lost, 0);
  gb_transport_free(t);
}

Test(transport, inproc_replies_reach_the_players_producer) {
  gb_transport *t = inproc(3, 2);
  for (uint64_t player = 1; player <= 9; player++)
    gb_transport_reply(t, gb_transport_shard_of(t, player), player, "r", 1);
  for (unsigned x = 0; x < 3; x++) {
    seen s = {0};
    cr_assert_eq(gb_transport_poll_replies(t, x, keep, &s), 3, "producer %u", x);
  }
  gb_transport_free(t);
}

typedef struct sleeper {
  gb_transport *t;
  bool shard; /* wait_events of shard 1, else wait_replies of producer 1 */
  _Atomic bool done;
} sleeper;

static void *sleep_long(void *arg) {
  sleeper *s = arg;
  if (s->shard)
    gb_transport_wait_events(s->t, 1, 600 * 1000000000LL);
  else
    gb_transport_wait_replies(s->t, 1, 600 * 1000000000LL);
  atomic_store(&s->done, true);
  return NULL;
}

Test(transport, inproc_wake_all_ends_the_waits_in_progress, .timeout = 60) {
  /* nothing arrives: only gb_transport_wake_all ends these 10-minute waits (a ring before the
   * thread sleeps is not kept, so it rings until the thread is back; criterion's timeout fails a
   * wait that was not ended) */
  gb_transport *t = inproc(2, 2);
  for (int shard = 0; shard < 2; shard++) {
    sleeper s = {.t = t, .shard = shard};
    pthread_t th;
    cr_assert_eq(pthread_create(&th, NULL, sleep_long, &s), 0);
    while (!atomic_load(&s.done)) {
      gb_transport_wake_all(t);
      sched_yield();
    }
    pthread_join(th, NULL);
  }
  gb_transport_free(t);
}
