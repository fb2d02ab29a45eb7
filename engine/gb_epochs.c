#include "gb_epochs.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "gb_grow.h"

/* A closed epoch, kept until every shard has applied it. */
typedef struct closed_epoch {
  int64_t boundary;
  gb_tally **merged; /* [n_arms] */
  unsigned applied;  /* shards that applied it */
} closed_epoch;

struct gb_epochs {
  pthread_mutex_t lock;
  unsigned n_shards, n_partitions, n_producers;
  size_t n_arms;
  int64_t tick;
  int64_t *wm;      /* [partition * n_producers + producer] */
  int64_t next;     /* the next boundary to close */
  gb_tally **accum; /* [n_arms]: the shards' increments for `next` so far */
  unsigned contributed;
  int64_t *handed;      /* [n_shards]: the last boundary each shard handed its increments for */
  closed_epoch *closed; /* oldest first */
  size_t n_closed, closed_cap;
  _Atomic uint64_t n_closed_total;
  _Atomic int64_t gate;
};

static void free_tallies(gb_tally **t, size_t n) {
  for (size_t i = 0; t && i < n; i++)
    gb_tally_free(t[i]);
  free(t);
}

static gb_tally **new_tallies(size_t n) {
  gb_tally **t = calloc(n, sizeof *t);
  gb_err err;
  for (size_t i = 0; t && i < n; i++)
    if (gb_tally_new(256, &t[i], &err) != 0) {
      free_tallies(t, n);
      return NULL;
    }
  return t;
}

int gb_epochs_new(unsigned n_shards, unsigned n_partitions, unsigned n_producers, int64_t tick_ms,
                  int64_t start_ms, size_t n_arms, gb_epochs **out, gb_err *err) {
  GB_ASSERT(tick_ms > 0 && n_shards > 0 && n_partitions > 0 && n_producers > 0);
  gb_epochs *e = calloc(1, sizeof *e);
  if (!e)
    return gb_err_set(err, GB_ERR_RUNTIME, "out of memory for the epochs");
  e->n_shards = n_shards;
  e->n_partitions = n_partitions;
  e->n_producers = n_producers;
  e->n_arms = n_arms;
  e->tick = tick_ms;
  e->wm = malloc((size_t)n_partitions * n_producers * sizeof *e->wm);
  e->handed = malloc(n_shards * sizeof *e->handed);
  e->accum = new_tallies(n_arms);
  if (!e->wm || !e->handed || !e->accum) {
    gb_epochs_free(e);
    return gb_err_set(err, GB_ERR_RUNTIME, "out of memory for the epochs");
  }
  for (size_t i = 0; i < (size_t)n_partitions * n_producers; i++)
    e->wm[i] = INT64_MIN;
  for (unsigned i = 0; i < n_shards; i++)
    e->handed[i] = INT64_MIN;
  /* the first boundary after the start (floor division: start_ms may be negative) */
  int64_t q = start_ms / tick_ms - (start_ms % tick_ms < 0);
  e->next = (q + 1) * tick_ms;
  atomic_init(&e->gate, e->next);
  atomic_init(&e->n_closed_total, 0);
  pthread_mutex_init(&e->lock, NULL);
  *out = e;
  return 0;
}

void gb_epochs_free(gb_epochs *e) {
  if (!e)
    return;
  for (size_t i = 0; i < e->n_closed; i++)
    free_tallies(e->closed[i].merged, e->n_arms);
  free(e->closed);
  free_tallies(e->accum, e->n_arms);
  free(e->wm);
  free(e->handed);
  pthread_mutex_destroy(&e->lock);
  free(e);
}

int64_t gb_epochs_gate(const gb_epochs *e) {
  return atomic_load_explicit(&e->gate, memory_order_acquire);
}

uint64_t gb_epochs_closed(const gb_epochs *e) {
  return atomic_load_explicit(&e->n_closed_total, memory_order_acquire);
}

void gb_epochs_watermark(gb_epochs *e, unsigned partition, unsigned producer, int64_t ts) {
  GB_ASSERT(partition < e->n_partitions && producer < e->n_producers);
  pthread_mutex_lock(&e->lock);
  int64_t *w = &e->wm[(size_t)partition * e->n_producers + producer];
  if (ts > *w)
    *w = ts;
  pthread_mutex_unlock(&e->lock);
}

static int64_t low_watermark(const gb_epochs *e) {
  int64_t low = INT64_MAX;
  for (size_t i = 0; i < (size_t)e->n_partitions * e->n_producers; i++)
    if (e->wm[i] < low)
      low = e->wm[i];
  return low;
}

/* The last shard's increments are in: boundary `next` is closed. */
static void close_next(gb_epochs *e) {
  GB_GROW_OR_DIE(e->closed, e->closed_cap, e->n_closed + 1, 8, "closed epochs");
  e->closed[e->n_closed++] = (closed_epoch){.boundary = e->next, .merged = e->accum};
  atomic_fetch_add_explicit(&e->n_closed_total, 1, memory_order_release);
  e->accum = new_tallies(e->n_arms);
  if (!e->accum)
    GB_FATAL("out of memory for an epoch's tallies");
  e->contributed = 0;
  e->next += e->tick;
  atomic_store_explicit(&e->gate, e->next, memory_order_release);
}

/* Hands the shard's increments over for `next`, when every watermark has passed it. Once every
 * producer has finished (every watermark is the largest ts) no event follows: no decision needs
 * another epoch. */
static void hand_over(gb_epochs *e, unsigned shard, gb_reco *reco) {
  int64_t low = low_watermark(e);
  if (e->handed[shard] >= e->next || low < e->next || low == INT64_MAX)
    return;
  for (size_t a = 0; a < e->n_arms; a++) {
    gb_tally *d = gb_reco_delta(reco, a);
    if (d) {
      gb_tally_merge(e->accum[a], d);
      gb_tally_clear(d);
    }
  }
  e->handed[shard] = e->next;
  if (++e->contributed == e->n_shards)
    close_next(e);
}

/* Applies the closed epochs the shard's recommender has not applied; frees those all have. */
static void apply_closed(gb_epochs *e, gb_reco *reco) {
  size_t done = 0;
  for (size_t i = 0; i < e->n_closed; i++) {
    closed_epoch *c = &e->closed[i];
    if (c->boundary > gb_reco_boundary(reco)) {
      gb_reco_epoch(reco, c->boundary, (const gb_tally *const *)c->merged);
      c->applied++;
    }
    if (c->applied == e->n_shards && done == i)
      done++;
  }
  if (done == 0)
    return; /* also before the first close: memmove of NULL is undefined, even for 0 bytes */
  for (size_t i = 0; i < done; i++)
    free_tallies(e->closed[i].merged, e->n_arms);
  memmove(e->closed, e->closed + done, (e->n_closed - done) * sizeof *e->closed);
  e->n_closed -= done;
}

void gb_epochs_sync(gb_epochs *e, unsigned shard, gb_reco *reco) {
  pthread_mutex_lock(&e->lock);
  /* each pass closes at most one boundary: go on while this shard's hand-over closed one */
  for (;;) {
    uint64_t before = atomic_load_explicit(&e->n_closed_total, memory_order_relaxed);
    apply_closed(e, reco);
    hand_over(e, shard, reco);
    if (atomic_load_explicit(&e->n_closed_total, memory_order_relaxed) == before)
      break;
  }
  apply_closed(e, reco);
  pthread_mutex_unlock(&e->lock);
}
