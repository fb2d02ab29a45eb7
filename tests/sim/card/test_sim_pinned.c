/* The simulator's stream, pinned: a fixed workload must give exactly the events recorded here.
 * Performance work on the simulator (record layout, the calendar, inlining) must not change one
 * event; this catches it at once, without a baseline run. The fingerprint covers every field
 * the simulator fills, read from the gb_event values (not from a codec, whose text may change
 * on its own).
 *
 * When the player model changes on purpose (a new behaviour, a new draw), the stream changes
 * too: check that the change is the intended one (the other sim tests, the realism report) and
 * record the new values below. */
#include <criterion/criterion.h>
#include <string.h>

#include "gb_rng.h"
#include "gb_sim.h"

/* 2026-01-05T12:00:00Z, a Monday, 20:00 in China: the evening peak. */
#define START_MS 1767614400000LL
#define HOUR_MS 3600000LL

static uint64_t mix_string(uint64_t h, const char *s) { return gb_hash_bytes(s, strlen(s), h); }

static uint64_t mix_event(uint64_t h, const gb_event *ev) {
  h = gb_hash3(h, ev->event_id, (uint64_t)ev->ts);
  h = gb_hash3(h, (uint64_t)ev->type, ev->player_id);
  h = gb_hash3(h, ev->session_id, 0);
  h = mix_string(h, ev->platform);
  h = mix_string(h, ev->country);
  switch (ev->type) {
  case GB_EV_GAME_START:
  case GB_EV_GAME_END:
    h = mix_string(h, ev->u.game.game);
    h = mix_string(h, ev->u.game.room);
    h = gb_hash3(h, (uint64_t)ev->u.game.bet, (uint64_t)ev->u.game.coin_balance);
    h = gb_hash3(h, (uint64_t)ev->u.game.level, (uint64_t)ev->u.game.won);
    return gb_hash3(h, (uint64_t)ev->u.game.score, (uint64_t)ev->u.game.coins_delta);
  case GB_EV_PURCHASE:
    h = mix_string(h, ev->u.purchase.sku);
    h = mix_string(h, ev->u.purchase.currency);
    return gb_hash3(h, (uint64_t)(ev->u.purchase.amount * 100.0 + 0.5), 0);
  case GB_EV_LEVEL_UP:
    return gb_hash3(h, (uint64_t)ev->u.level, 0);
  case GB_EV_BANKRUPT_RELIEF:
    return gb_hash3(h, (uint64_t)ev->u.relief.amount, (uint64_t)ev->u.relief.coin_balance);
  case GB_EV_SESSION_END:
    return gb_hash3(h, (uint64_t)ev->u.duration_ms, 0);
  default:
    return h;
  }
}

typedef struct fingerprint {
  uint64_t hash, events;
} fingerprint;

static fingerprint run(uint32_t players, int64_t duration_ms, double arrival_rate) {
  gb_sim_model m = gb_sim_model_defaults();
  m.arrival_rate = arrival_rate;
  gb_sim_config c = {.seed = 7,
                     .players = players,
                     .start_ms = START_MS,
                     .duration_ms = duration_ms,
                     .producer = 0,
                     .n_producers = 1,
                     .response = gb_response_defaults(),
                     .model = &m};
  gb_sim *s = NULL;
  gb_err err = {0};
  cr_assert_eq(gb_sim_new(&c, &s, &err), 0, "%s", err.msg);
  fingerprint f = {0, 0};
  gb_event ev;
  while (gb_sim_next(s, INT64_MAX, &ev) == GB_SIM_EVENT) {
    f.hash = mix_event(f.hash, &ev);
    f.events++;
  }
  gb_sim_free(s);
  return f;
}

/* Recorded with the simulator as of the merge of 'codec' and 'hist' (before the speed work of
 * issue #3, item 8), unchanged by that work; recorded again for the session model of issue #16,
 * item 8 (a session is a check-in or plays at least one round: one more draw per session, and
 * the default session_length of 23 min), whose change the realism tests of test_sim.c check. */
Test(sim_pinned, two_days_with_many_arrivals) {
  fingerprint f = run(3000, 48 * HOUR_MS, 0.5);
  cr_expect_eq(f.events, 239228u, "events %llu", (unsigned long long)f.events);
  cr_expect_eq(f.hash, 0x1401837537fd8adaULL, "fingerprint %#llx", (unsigned long long)f.hash);
}

/* A crowded population over a short time: busy windows of the calendar. */
Test(sim_pinned, a_crowded_evening) {
  fingerprint f = run(40000, 2 * HOUR_MS, 0.03);
  cr_expect_eq(f.events, 161287u, "events %llu", (unsigned long long)f.events);
  cr_expect_eq(f.hash, 0x92b8c6c7e422580aULL, "fingerprint %#llx", (unsigned long long)f.hash);
}
