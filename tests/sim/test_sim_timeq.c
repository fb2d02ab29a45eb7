/* gb_timeq, the simulator's event calendar: it must pop exactly in (ts, index) order, like one
 * heap, whatever the mix of near, ring and far entries, entries pushed in the past, retimed
 * tops, and jumps over empty stretches. Checked against a plain reference queue on seeded random
 * operation sequences. */
#include <criterion/criterion.h>
#include <stdlib.h>

#include "gb_rng.h"
#include "gb_timeq.h"

enum { CAP = 4096 };

/* The reference: an unsorted array, minimum found by scanning. */
typedef struct ref {
  gb_timeq_entry e[CAP];
  size_t n;
} ref;

/* A queue for capacity entries from start_ms with windows of width_ms, or the test fails. */
static gb_timeq *new_queue_of(size_t capacity, int64_t start_ms, int64_t width_ms) {
  gb_timeq *q = NULL;
  gb_err err = {0};
  cr_assert_eq(gb_timeq_new(capacity, start_ms, width_ms, NULL, 0, 0, &q, &err), 0, "%s", err.msg);
  return q;
}

static gb_timeq *new_queue(size_t capacity, int64_t start_ms) {
  return new_queue_of(capacity, start_ms, GB_TIMEQ_BUCKET_MS);
}

static bool before(gb_timeq_entry a, gb_timeq_entry b) {
  return a.ts < b.ts || (a.ts == b.ts && a.index < b.index);
}

static size_t ref_min(const ref *r) {
  size_t best = 0;
  for (size_t i = 1; i < r->n; i++)
    if (before(r->e[i], r->e[best]))
      best = i;
  return best;
}

/* A ts around now: mostly within seconds or minutes, some hours or days ahead (beyond the
 * ring), a few in the past. */
static int64_t draw_ts(gb_rng *rng, int64_t now) {
  double u = gb_rng_uniform(rng);
  if (u < 0.05)
    return now - (int64_t)gb_rng_below(rng, 600000);
  if (u < 0.15)
    return now; /* same ms: ties broken by index */
  if (u < 0.75)
    return now + (int64_t)gb_rng_below(rng, 900000);
  if (u < 0.95)
    return now + (int64_t)gb_rng_below(rng, 3LL * 3600000);
  return now + (int64_t)gb_rng_below(rng, 5LL * 86400000);
}

static void run_mix_of(uint64_t seed, size_t population, int steps, int64_t width_ms) {
  const int64_t start = 1767571200000LL;
  gb_timeq *q = new_queue_of(CAP, start, width_ms);
  ref *r = calloc(1, sizeof *r);
  gb_rng rng;
  gb_rng_seed(&rng, seed, population);
  bool *queued = calloc(population, sizeof *queued);
  int64_t now = start;
  for (uint32_t i = 0; i < population; i += 2) { /* half the population starts queued */
    int64_t ts = draw_ts(&rng, now);
    gb_timeq_push(q, ts, i);
    r->e[r->n++] = (gb_timeq_entry){ts, i};
    queued[i] = true;
  }
  for (int step = 0; step < steps; step++) {
    cr_assert_eq(gb_timeq_size(q), r->n);
    gb_timeq_entry top, in_window;
    /* without moving the window: the first entry whenever the window holds one */
    if (gb_timeq_peek_window(q, &in_window)) {
      size_t m = ref_min(r);
      cr_assert_eq(in_window.ts, r->e[m].ts, "step %d", step);
      cr_assert_eq(in_window.index, r->e[m].index, "step %d", step);
    }
    bool has = gb_timeq_peek(q, &top);
    cr_assert_eq(has, r->n > 0);
    if (has) { /* the window holds the first entry after a peek */
      cr_assert(gb_timeq_peek_window(q, &in_window), "step %d", step);
      cr_assert_eq(in_window.ts, top.ts);
      cr_assert_eq(in_window.index, top.index);
    }
    double u = gb_rng_uniform(&rng);
    if (has && u < 0.6) { /* the simulator's step: the top gets its next time, or leaves */
      size_t m = ref_min(r);
      cr_assert_eq(top.ts, r->e[m].ts, "step %d: ts %lld, want %lld", step, (long long)top.ts,
                   (long long)r->e[m].ts);
      cr_assert_eq(top.index, r->e[m].index, "step %d", step);
      now = top.ts > now ? top.ts : now;
      if (gb_rng_uniform(&rng) < 0.85) {
        int64_t ts = draw_ts(&rng, now);
        gb_timeq_retime_top(q, ts);
        r->e[m].ts = ts;
      } else {
        gb_timeq_pop(q);
        queued[top.index] = false;
        r->e[m] = r->e[--r->n];
      }
    } else { /* a player comes back (an answer, a new arrival) */
      uint32_t i = (uint32_t)gb_rng_below(&rng, population);
      if (queued[i])
        continue;
      int64_t ts = draw_ts(&rng, now);
      gb_timeq_push(q, ts, i);
      r->e[r->n++] = (gb_timeq_entry){ts, i};
      queued[i] = true;
    }
  }
  /* drain: everything comes out in order */
  gb_timeq_entry prev = {INT64_MIN, 0}, top;
  while (gb_timeq_peek(q, &top)) {
    size_t m = ref_min(r);
    cr_assert_eq(top.ts, r->e[m].ts);
    cr_assert_eq(top.index, r->e[m].index);
    cr_assert(!before(top, prev), "drained in order");
    prev = top;
    gb_timeq_pop(q);
    r->e[m] = r->e[--r->n];
  }
  cr_assert_eq(r->n, 0u);
  cr_assert_eq(gb_timeq_size(q), 0u);
  gb_timeq_free(q);
  free(queued);
  free(r);
}

static void run_mix(uint64_t seed, size_t population, int steps) {
  run_mix_of(seed, population, steps, GB_TIMEQ_BUCKET_MS);
}

Test(timeq, pops_in_order_like_one_heap) {
  for (uint64_t seed = 1; seed <= 20; seed++)
    run_mix(seed, 64 + seed * 150, 20000);
}

Test(timeq, a_sparse_queue_jumps_over_empty_time) {
  gb_timeq *q = new_queue(8, 0);
  const int64_t day = 86400000;
  gb_timeq_push(q, 40 * day, 2); /* far beyond the ring */
  gb_timeq_push(q, 3 * day, 1);
  gb_timeq_push(q, 3 * day, 0); /* same ts: the lower index first */
  gb_timeq_push(q, 5000, 7);
  gb_timeq_entry e;
  const gb_timeq_entry want[] = {{5000, 7}, {3 * day, 0}, {3 * day, 1}, {40 * day, 2}};
  for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
    cr_assert(gb_timeq_peek(q, &e));
    cr_expect_eq(e.ts, want[i].ts, "entry %zu", i);
    cr_expect_eq(e.index, want[i].index, "entry %zu", i);
    gb_timeq_pop(q);
  }
  cr_expect(!gb_timeq_peek(q, &e));
  /* after a jump, an entry in the past still comes first */
  gb_timeq_push(q, 50 * day, 1);
  cr_assert(gb_timeq_peek(q, &e));
  gb_timeq_push(q, 1000, 3);
  cr_assert(gb_timeq_peek(q, &e));
  cr_expect_eq(e.index, 3u);
  gb_timeq_free(q);
}

Test(timeq, peeking_into_the_window_does_not_move_it) {
  gb_timeq *q = new_queue(8, 0);
  gb_timeq_entry e;
  cr_assert(!gb_timeq_peek_window(q, &e), "empty");
  gb_timeq_push(q, 3 * GB_TIMEQ_BUCKET_MS + 5, 4); /* a later window */
  cr_assert(!gb_timeq_peek_window(q, &e), "the window has not moved to it yet");
  cr_assert(!gb_timeq_peek_window(q, &e), "and still has not");
  cr_assert(gb_timeq_peek(q, &e)); /* moves it */
  cr_assert(gb_timeq_peek_window(q, &e));
  cr_assert_eq(e.ts, 3 * GB_TIMEQ_BUCKET_MS + 5);
  cr_assert_eq(e.index, 4u);
  gb_timeq_push(q, 3 * GB_TIMEQ_BUCKET_MS, 9); /* earlier, same window: the heap's */
  cr_assert(gb_timeq_peek_window(q, &e));
  cr_assert_eq(e.index, 9u);
  gb_timeq_pop(q);
  gb_timeq_pop(q);
  cr_assert(!gb_timeq_peek_window(q, &e), "exhausted");
  cr_assert_eq(gb_timeq_size(q), 0u);
  gb_timeq_free(q);
}

/* Drains q, checking each entry against the reference's minimum. */
static void drain_like(gb_timeq *q, ref *r) {
  gb_timeq_entry top;
  while (gb_timeq_peek(q, &top)) {
    size_t m = ref_min(r);
    cr_assert_eq(top.ts, r->e[m].ts, "ts %lld, want %lld", (long long)top.ts,
                 (long long)r->e[m].ts);
    cr_assert_eq(top.index, r->e[m].index);
    gb_timeq_pop(q);
    r->e[m] = r->e[--r->n];
  }
  cr_assert_eq(r->n, 0u);
  cr_assert_eq(gb_timeq_size(q), 0u);
}

/* Over a thousand entries in one window ahead (more than sorting by insertion takes on, and
 * spread over many chunks of its bucket), pushed in scrambled order among entries of other
 * windows, some at the same ms. */
Test(timeq, a_crowded_window_comes_out_in_order) {
  enum { N = 3000 };
  gb_timeq *q = new_queue(N, 0);
  ref *r = calloc(1, sizeof *r);
  gb_rng rng;
  gb_rng_seed(&rng, 5, 0);
  for (uint32_t i = 0; i < N; i++) {
    uint32_t index = (i * 7919u) % N; /* 7919 is prime: a permutation of 0..N-1 */
    int64_t ts = 7000 + (int64_t)gb_rng_below(&rng, 1000); /* the crowded window */
    if (i % 3 == 0)
      ts += 1000 * (1 + (int64_t)gb_rng_below(&rng, 40)); /* a later one */
    gb_timeq_push(q, ts, index);
    r->e[r->n++] = (gb_timeq_entry){ts, index};
  }
  drain_like(q, r);
  gb_timeq_free(q);
  free(r);
}

/* At capacity with every entry in a window of its own: each bucket holds one partly filled
 * chunk, the most the pool must provide. Twice, so that the second round runs on chunks given
 * back by the first. */
Test(timeq, every_entry_in_its_own_window_at_capacity) {
  enum { N = 2500 };
  gb_timeq *q = new_queue(N, 0);
  ref *r = calloc(1, sizeof *r);
  for (int round = 0; round < 2; round++) {
    int64_t base = 5000 + round * 10000000LL;
    for (uint32_t i = 0; i < N; i++) {
      int64_t ts = base + 1000 * (int64_t)((i * 7u) % N) + i % 1000;
      gb_timeq_push(q, ts, i);
      r->e[r->n++] = (gb_timeq_entry){ts, i};
    }
    drain_like(q, r);
  }
  gb_timeq_free(q);
  free(r);
}

/* The window is a speed setting: a minute's or an hour's windows (the store's sparse sessions)
 * give the same order as the card platform's seconds. */
Test(timeq, wide_windows_pop_in_the_same_order) {
  for (uint64_t seed = 1; seed <= 3; seed++) {
    run_mix_of(seed, 300, 20000, 60000);
    run_mix_of(seed, 300, 20000, 3600000);
    run_mix_of(seed, 300, 20000, 7); /* not a divisor of anything */
  }
}

Test(timeq, a_window_out_of_range_is_refused) {
  gb_timeq *q = NULL;
  gb_err err = {0};
  cr_assert_eq(gb_timeq_new(16, 0, 0, NULL, 0, 0, &q, &err), -1);
  cr_assert_eq(err.kind, GB_ERR_INPUT);
  cr_assert_eq(gb_timeq_new(16, 0, GB_TIMEQ_BUCKET_MS_MAX + 1, NULL, 0, 0, &q, &err), -1);
  cr_assert_null(q);
}

/* gb_timeq_pop_due, the store simulator's loop: the first entry comes out only when it is due
 * (until >= its ts); otherwise false and nothing taken. Against the reference, with players
 * pushed back at later times as they are popped. */
Test(timeq, pop_due_takes_only_what_is_due) {
  const int64_t start = 1767614400000LL;
  gb_timeq *q = new_queue_of(CAP, start, 37000);
  ref *r = calloc(1, sizeof *r);
  gb_rng rng;
  gb_rng_seed(&rng, 11, 1);
  for (uint32_t i = 0; i < 500; i++) {
    int64_t ts = draw_ts(&rng, start);
    gb_timeq_push(q, ts, i);
    r->e[r->n++] = (gb_timeq_entry){ts, i};
  }
  int64_t until = start;
  unsigned refused = 0, taken = 0;
  while (r->n > 0) {
    size_t m = ref_min(r);
    gb_timeq_entry e;
    bool due = gb_timeq_pop_due(q, until, &e);
    cr_assert_eq(due, r->e[m].ts <= until, "until %lld, first %lld", (long long)until,
                 (long long)r->e[m].ts);
    if (!due) { /* the caller's clock moves on */
      refused++;
      until += (int64_t)gb_rng_below(&rng, 20000);
      continue;
    }
    taken++;
    cr_assert_eq(e.ts, r->e[m].ts);
    cr_assert_eq(e.index, r->e[m].index);
    cr_assert_eq(gb_timeq_size(q), r->n - 1);
    if (taken < 3000) { /* back later, or gone */
      int64_t ts = draw_ts(&rng, e.ts);
      gb_timeq_push(q, ts, e.index);
      r->e[m].ts = ts;
    } else {
      r->e[m] = r->e[--r->n];
    }
  }
  gb_timeq_entry e;
  cr_assert(!gb_timeq_pop_due(q, INT64_MAX, &e), "empty");
  cr_expect_gt(refused, 100u, "the clock was behind the first entry often enough to test it");
  gb_timeq_free(q);
  free(r);
}
