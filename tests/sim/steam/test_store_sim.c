/* gb_store_sim: the store's players — a stream that does not depend on how the population is
 * split, the closed loop (a visit waits for its slate; the impression shows it), every event
 * type of the store, round trips through the JSON codec, and the ground-truth scoring. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "gb_codec.h"
#include "gb_rhythm.h"
#include "gb_store_sim.h"
#include "gb_ziggurat.h"

static const int64_t START = 1767225600000LL; /* 2026-01-01 */
static const int64_t DAY = 86400000LL;

static gb_store_catalog *catalog(void) {
  gb_store_catalog_params p = {.seed = 11, .apps = 500, .popularity_sigma = 2.0, .start_ms = START};
  gb_err err = {0};
  gb_store_catalog *c;
  cr_assert_eq(gb_store_catalog_generate(&p, &c, &err), 0, "%s", err.msg);
  return c;
}

static gb_store_sim *make_sized(const gb_store_catalog *c, unsigned producer, unsigned n,
                                bool closed, const gb_arms *arms, uint32_t players, int64_t days) {
  gb_store_sim_config cfg = {.seed = 5,
                             .players = players,
                             .start_ms = START,
                             .duration_ms = days * DAY,
                             .producer = producer,
                             .n_producers = n,
                             .closed_loop = closed,
                             .catalog = c,
                             .arms = arms,
                             .truth = true};
  gb_err err = {0};
  gb_store_sim *s;
  cr_assert_eq(gb_store_sim_new(&cfg, &s, &err), 0, "%s", err.msg);
  return s;
}

static gb_store_sim *make(const gb_store_catalog *c, unsigned producer, unsigned n, bool closed,
                          const gb_arms *arms) {
  return make_sized(c, producer, n, closed, arms, 300, 2);
}

typedef struct line {
  int64_t ts;
  uint64_t player, id;
  char json[1024];
} line;

static int cmp_line(const void *a, const void *b) {
  const line *x = a, *y = b;
  if (x->ts != y->ts)
    return x->ts < y->ts ? -1 : 1;
  if (x->player != y->player)
    return x->player < y->player ? -1 : 1;
  return x->id < y->id ? -1 : x->id > y->id;
}

static size_t drain(gb_store_sim *s, line *out, size_t cap) {
  gb_event ev;
  size_t n = 0;
  while (gb_store_sim_next(s, INT64_MAX, &ev) == GB_STORE_SIM_EVENT) {
    cr_assert(n < cap);
    out[n].ts = ev.ts;
    out[n].player = ev.player_id;
    out[n].id = ev.event_id;
    size_t len = gb_event_encode_json(&ev, out[n].json, sizeof out[n].json);
    cr_assert(len > 0 && len < sizeof out[n].json);
    n++;
  }
  return n;
}

Test(store_sim, stream_does_not_depend_on_the_split) {
  gb_store_catalog *c = catalog();
  enum { CAP = 400000 };
  line *one = malloc(CAP * sizeof *one), *three = malloc(CAP * sizeof *three);
  gb_store_sim *s = make(c, 0, 1, false, NULL);
  size_t n1 = drain(s, one, CAP);
  gb_store_sim_free(s);
  size_t n3 = 0;
  for (unsigned k = 0; k < 3; k++) {
    s = make(c, k, 3, false, NULL);
    n3 += drain(s, three + n3, CAP - n3);
    gb_store_sim_free(s);
  }
  cr_assert(n1 > 1000, "only %zu events", n1);
  cr_assert_eq(n1, n3);
  qsort(three, n3, sizeof *three, cmp_line);
  for (size_t i = 0; i < n1; i++) {
    cr_assert(i == 0 || cmp_line(&one[i - 1], &one[i]) < 0, "one instance out of order at %zu", i);
    cr_assert_str_eq(one[i].json, three[i].json, "event %zu", i);
  }
  free(one);
  free(three);
  gb_store_catalog_free(c);
}

Test(store_sim, events_round_trip_through_json) {
  gb_store_catalog *c = catalog();
  /* A week of 1000 players: long enough for reviews, which come after hours of play. */
  gb_store_sim *s = make_sized(c, 0, 1, false, NULL, 1000, 7);
  gb_codec *codec;
  gb_err err = {0};
  cr_assert_eq(gb_codec_new(&codec, &err), 0);
  gb_event ev, back;
  char a[1024], b[1024];
  unsigned seen[GB_EV__COUNT] = {0};
  while (gb_store_sim_next(s, INT64_MAX, &ev) == GB_STORE_SIM_EVENT) {
    size_t la = gb_event_encode_json(&ev, a, sizeof a);
    cr_assert_eq(gb_codec_decode_json(codec, a, la, &back, &err), 0, "%s: %s", a, err.msg);
    size_t lb = gb_event_encode_json(&back, b, sizeof b);
    cr_assert_eq(la, lb);
    cr_assert(memcmp(a, b, la) == 0, "%.*s\n%.*s", (int)la, a, (int)lb, b);
    seen[ev.type]++;
  }
  /* Open loop: no slate, so no impression; everything else a store player does. */
  gb_event_type want[] = {GB_EV_STORE_VISIT,    GB_EV_CLICK,        GB_EV_WISHLIST,
                          GB_EV_PURCHASE,       GB_EV_PLAY_SESSION, GB_EV_REVIEW,
                          GB_EV_REFUND,         GB_EV_OFFER_SHOWN,  GB_EV_OFFER_PURCHASED,
                          GB_EV_OFFER_DISMISSED};
  for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
    cr_assert(seen[want[i]] > 0, "no %s event", gb_event_type_name(want[i]));
  cr_assert_eq(seen[GB_EV_IMPRESSION], 0);
  gb_codec_free(codec);
  gb_store_sim_free(s);
  gb_store_catalog_free(c);
}

Test(store_sim, a_visit_waits_for_its_slate) {
  gb_store_catalog *c = catalog();
  gb_arm_spec spec[] = {{.name = "pop", .algorithm = "popularity", .weight = 1}};
  gb_arms *arms;
  gb_err err = {0};
  cr_assert_eq(gb_arms_new(spec, 1, 5, &arms, &err), 0, "%s", err.msg);
  gb_store_sim *s = make(c, 0, 1, true, arms);
  gb_event ev;
  gb_store_sim_status st;
  do
    st = gb_store_sim_next(s, INT64_MAX, &ev);
  while (st == GB_STORE_SIM_EVENT && ev.type != GB_EV_STORE_VISIT);
  cr_assert_eq(st, GB_STORE_SIM_EVENT);
  uint64_t player = ev.player_id;
  gb_decision d = {.decision_id = ev.event_id,
                   .player_id = player,
                   .ts = ev.ts,
                   .reason = GB_DECIDED,
                   .n_candidates = 3,
                   .candidates = {42, 7, 99}};
  gb_decision wrong = d;
  wrong.decision_id++;
  gb_store_sim_on_decision(s, &wrong);
  cr_assert_eq(gb_store_sim_stray_answers(s), 1);
  /* Until answered, the player emits nothing more. */
  const int64_t until = ev.ts + DAY / 4;
  for (;;) {
    st = gb_store_sim_next(s, until, &ev);
    if (st != GB_STORE_SIM_EVENT)
      break;
    cr_assert_neq(ev.player_id, player);
  }
  gb_store_sim_on_decision(s, &d);
  bool impression = false;
  while (gb_store_sim_next(s, INT64_MAX, &ev) == GB_STORE_SIM_EVENT && !impression) {
    if (ev.player_id == player && ev.type == GB_EV_IMPRESSION) {
      impression = true;
      cr_assert_eq(ev.u.store.n_app_ids, 3);
      cr_assert_eq(ev.u.store.app_ids[0], 43);
      cr_assert_eq(ev.u.store.app_ids[1], 8);
      cr_assert_eq(ev.u.store.app_ids[2], 100);
      cr_assert_str_eq(ev.u.store.arm, "pop");
    }
    if (ev.type == GB_EV_STORE_VISIT) {
      gb_decision none = {.decision_id = ev.event_id,
                          .player_id = ev.player_id,
                          .ts = ev.ts,
                          .reason = GB_NO_CANDIDATES};
      gb_store_sim_on_decision(s, &none);
    }
  }
  cr_assert(impression);
  gb_store_arm_stats stats = {0};
  gb_store_sim_arm_stats(s, 0, &stats);
  cr_assert_eq(stats.slates, 1);
  cr_assert_eq(stats.slots, 3);
  cr_assert_eq(stats.scored, 1);
  cr_assert(stats.oracle_purchases_e9 >= stats.expected_purchases_e9);
  gb_store_sim_free(s);
  gb_arms_free(arms);
  gb_store_catalog_free(c);
}

/* The store's next sessions (gb_rhythm_next_inverse): strictly later, at the mean rate, and
 * spread over the week like the weights (the same process as gb_rhythm_next's thinning). */
Test(store_sim, next_session_by_inversion_follows_the_rhythm) {
  gb_rhythm r;
  gb_rhythm_init(&r, 20);
  gb_rng rng;
  gb_rng_seed(&rng, 7, 1);
  gb_ziggurat z;
  gb_ziggurat_init(&z);
  static unsigned per_hour[GB_RHYTHM_HOURS];
  const double per_day = 3.0;
  int64_t t = 0;
  unsigned n = 0;
  while (n < 200000) {
    int64_t next = gb_rhythm_next_inverse(&r, gb_ziggurat_exponential(&z, &rng), t, 480, per_day);
    cr_assert_gt(next, t);
    t = next;
    per_hour[gb_rhythm_hour_of_week(t + 480 * 60000LL)]++;
    n++;
  }
  double days = (double)t / 86400e3;
  cr_expect_float_eq(n / days, per_day, 0.03 * per_day, "%g sessions a day", n / days);
  /* each hour's share against its weight's (mean 1): within 10 % where the weight is large */
  for (int h = 0; h < GB_RHYTHM_HOURS; h++) {
    double expected = (double)n / GB_RHYTHM_HOURS * r.weight[h] * (n / days / per_day);
    if (r.weight[h] >= 1.0)
      cr_expect_float_eq(per_hour[h], expected, 0.1 * expected, "hour %d: %u, expected %g", h,
                         per_hour[h], expected);
  }
  cr_expect_lt(per_hour[5 * 24 + 4], per_hour[5 * 24 + 20] / 5, "a quiet night, a busy evening");
  /* a rate far below one a week: whole weeks skipped, still strictly later */
  cr_assert_gt(gb_rhythm_next_inverse(&r, gb_ziggurat_exponential(&z, &rng), t, 0, 1e-3), t);
}
