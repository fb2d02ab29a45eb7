#include "gb_epochs.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gb_grow.h"

/* The wire format of a contribution (gb_epochs_receive): "GBEP", version 1, the boundary (int64),
 * the partition and the arm count (uint32), then per arm the length (uint32) and the bytes of
 * the arm's tally (gb_tally_encode); integers big-endian. */
static const unsigned char MAGIC[4] = {'G', 'B', 'E', 'P'};
enum { VERSION = 1, HEAD_LEN = 4 + 1 + 8 + 4 + 4 };

/* A boundary other processes' contributions are coming in for (shared mode). */
typedef struct pending_epoch {
  int64_t boundary;
  unsigned char *seen; /* [n_partitions]: a contribution for the partition counted */
  unsigned n_seen;
  gb_tally **merged; /* [n_arms] */
} pending_epoch;

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
  /* shared mode: the processes exchange contributions per (boundary, partition) */
  bool shared;
  gb_epochs_send_fn send;
  void *send_ctx;
  int64_t first;          /* the first boundary */
  int64_t *contrib_next;  /* [n_partitions]: the next boundary this process contributes for */
  pending_epoch *pending; /* in no order */
  size_t n_pending, pending_cap;
  pthread_cond_t closed_cv; /* signalled at each close and at gb_epochs_stop */
  bool stopped;
  void (*wake)(void *ctx); /* gb_epochs_on_change's */
  void *wake_ctx;
};

static void free_tallies(gb_tally **t, size_t n) {
  for (size_t i = 0; t && i < n; i++)
    gb_tally_free(t[i]);
  free(t);
}

static gb_tally **new_tallies(size_t n) {
  gb_tally **t = calloc(n ? n : 1, sizeof *t); /* an observer has no arms, but a non-NULL array */
  gb_err err;
  for (size_t i = 0; t && i < n; i++)
    if (gb_tally_new(256, &t[i], &err) != 0) {
      free_tallies(t, n);
      return NULL;
    }
  return t;
}

/* The last multiple of tick at or before ts (floor division: sim time may be negative). */
static int64_t floor_to_tick(int64_t ts, int64_t tick) {
  return (ts / tick - (ts % tick < 0)) * tick;
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
  e->next = floor_to_tick(start_ms, tick_ms) + tick_ms;
  atomic_init(&e->gate, e->next);
  atomic_init(&e->n_closed_total, 0);
  e->first = e->next;
  pthread_mutex_init(&e->lock, NULL);
  pthread_cond_init(&e->closed_cv, NULL);
  *out = e;
  return 0;
}

int gb_epochs_new_shared(unsigned n_shards, unsigned n_partitions, unsigned n_producers,
                         int64_t tick_ms, int64_t start_ms, size_t n_arms, gb_epochs_send_fn send,
                         void *send_ctx, gb_epochs **out, gb_err *err) {
  gb_epochs *e;
  if (gb_epochs_new(n_shards ? n_shards : 1, n_partitions, n_producers, tick_ms, start_ms, n_arms,
                    &e, err) != 0)
    return -1;
  e->n_shards = n_shards; /* 0: an observer of the gate (the simulator's process) */
  e->shared = true;
  e->send = send;
  e->send_ctx = send_ctx;
  e->contrib_next = malloc(n_partitions * sizeof *e->contrib_next);
  if (!e->contrib_next) {
    gb_epochs_free(e);
    return gb_err_set(err, GB_ERR_RUNTIME, "out of memory for the epochs");
  }
  for (unsigned p = 0; p < n_partitions; p++)
    e->contrib_next[p] = e->first;
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
  for (size_t i = 0; i < e->n_pending; i++) {
    free(e->pending[i].seen);
    free_tallies(e->pending[i].merged, e->n_arms);
  }
  free(e->pending);
  free(e->contrib_next);
  free(e->wm);
  free(e->handed);
  pthread_cond_destroy(&e->closed_cv);
  pthread_mutex_destroy(&e->lock);
  free(e);
}

static int64_t low_watermark(const gb_epochs *e);

void gb_epochs_on_change(gb_epochs *e, void (*wake)(void *ctx), void *ctx) {
  pthread_mutex_lock(&e->lock);
  e->wake = wake;
  e->wake_ctx = ctx;
  pthread_mutex_unlock(&e->lock);
}

static void wake_sleepers(const gb_epochs *e) {
  if (e->wake)
    e->wake(e->wake_ctx);
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
  /* this watermark completes the next boundary's: the other shards, maybe asleep, hand over */
  bool was_short = *w < e->next;
  if (ts > *w)
    *w = ts;
  if (was_short && *w >= e->next && !e->shared) {
    int64_t low = low_watermark(e);
    if (low >= e->next && low != INT64_MAX)
      wake_sleepers(e);
  }
  pthread_mutex_unlock(&e->lock);
}

/* The lowest watermark of partition's producers: nothing below it will follow on partition. */
static int64_t partition_low(const gb_epochs *e, unsigned partition) {
  int64_t low = INT64_MAX;
  for (unsigned q = 0; q < e->n_producers; q++) {
    int64_t w = e->wm[(size_t)partition * e->n_producers + q];
    if (w < low)
      low = w;
  }
  return low;
}

static int64_t low_watermark(const gb_epochs *e) {
  int64_t low = INT64_MAX;
  for (unsigned p = 0; p < e->n_partitions; p++) {
    int64_t w = partition_low(e, p);
    if (w < low)
      low = w;
  }
  return low;
}

/* Boundary `next` is closed with these merged increments (taken over). */
static void close_with(gb_epochs *e, gb_tally **merged) {
  if (e->n_shards == 0) {
    free_tallies(merged, e->n_arms); /* nobody here applies them */
  } else {
    GB_GROW_OR_DIE(e->closed, e->closed_cap, e->n_closed + 1, 8, "closed epochs");
    e->closed[e->n_closed++] = (closed_epoch){.boundary = e->next, .merged = merged};
  }
  atomic_fetch_add_explicit(&e->n_closed_total, 1, memory_order_release);
  e->next += e->tick;
  atomic_store_explicit(&e->gate, e->next, memory_order_release);
  pthread_cond_broadcast(&e->closed_cv);
  wake_sleepers(e);
}

/* The last shard's increments are in: boundary `next` is closed. */
static void close_next(gb_epochs *e) {
  close_with(e, e->accum);
  e->accum = new_tallies(e->n_arms);
  if (!e->accum)
    GB_FATAL("out of memory for an epoch's tallies");
  e->contributed = 0;
}

/* Hands the shard's increments over for `next`, when every watermark has passed it. Once every
 * producer has finished (every watermark is the largest ts) no event follows: no decision needs
 * another epoch. */
static void hand_over(gb_epochs *e, unsigned shard, gb_reco *reco) {
  if (e->shared)
    return; /* contributions go per partition, at the watermarks (gb_epochs_contribute) */
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

/* ---- shared mode: engines in separate processes */

static void put_be(unsigned char *out, uint64_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; i--, v >>= 8)
    out[i] = (unsigned char)v;
}

static uint64_t get_be(const unsigned char *in, int bytes) {
  uint64_t v = 0;
  for (int i = 0; i < bytes; i++)
    v = v << 8 | in[i];
  return v;
}

/* Sends the reco's increments from partition's events as its contribution to boundary. */
static void send_contribution(gb_epochs *e, gb_reco *reco, int64_t boundary, unsigned partition) {
  uint8_t **blobs = calloc(e->n_arms ? e->n_arms : 1, sizeof *blobs);
  size_t *lens = calloc(e->n_arms ? e->n_arms : 1, sizeof *lens);
  if (!blobs || !lens)
    GB_FATAL("out of memory for an epoch's contribution");
  size_t total = HEAD_LEN;
  for (size_t a = 0; a < e->n_arms; a++) {
    gb_tally *d = gb_reco_partition_delta(reco, a, partition);
    gb_err err;
    if (d && gb_tally_encode(d, &blobs[a], &lens[a], &err) != 0)
      GB_FATAL("%s", err.msg);
    total += 4 + lens[a];
  }
  unsigned char *msg = malloc(total);
  if (!msg)
    GB_FATAL("out of memory for an epoch's contribution of %zu bytes", total);
  memcpy(msg, MAGIC, 4);
  msg[4] = VERSION;
  put_be(msg + 5, (uint64_t)boundary, 8);
  put_be(msg + 13, partition, 4);
  put_be(msg + 17, e->n_arms, 4);
  size_t at = HEAD_LEN;
  for (size_t a = 0; a < e->n_arms; a++) {
    put_be(msg + at, lens[a], 4);
    if (lens[a])
      memcpy(msg + at + 4, blobs[a], lens[a]);
    at += 4 + lens[a];
    free(blobs[a]);
  }
  e->send(e->send_ctx, msg, total);
  free(msg);
  free(blobs);
  free(lens);
}

void gb_epochs_contribute(gb_epochs *e, gb_reco *reco, unsigned partition) {
  if (!e->shared)
    return;
  GB_ASSERT(partition < e->n_partitions);
  pthread_mutex_lock(&e->lock);
  int64_t low = partition_low(e, partition);
  /* every producer finished (INT64_MAX): no event follows, no decision needs another epoch */
  while (low != INT64_MAX && e->contrib_next[partition] <= low) {
    int64_t b = e->contrib_next[partition];
    if (b >= e->next) /* else closed already: another owner of the partition said it */
      send_contribution(e, reco, b, partition);
    for (size_t a = 0; a < e->n_arms; a++) {
      gb_tally *d = gb_reco_partition_delta(reco, a, partition);
      if (d)
        gb_tally_clear(d);
    }
    e->contrib_next[partition] = b + e->tick;
  }
  pthread_mutex_unlock(&e->lock);
}

static pending_epoch *pending_for(gb_epochs *e, int64_t boundary) {
  for (size_t i = 0; i < e->n_pending; i++)
    if (e->pending[i].boundary == boundary)
      return &e->pending[i];
  GB_GROW_OR_DIE(e->pending, e->pending_cap, e->n_pending + 1, 8, "pending epochs");
  pending_epoch *pe = &e->pending[e->n_pending++];
  *pe = (pending_epoch){
      .boundary = boundary, .seen = calloc(e->n_partitions, 1), .merged = new_tallies(e->n_arms)};
  if (!pe->seen || !pe->merged)
    GB_FATAL("out of memory for a pending epoch");
  return pe;
}

/* Closes `next` while every partition's contribution to it is in. */
static void close_complete(gb_epochs *e) {
  for (;;) {
    size_t i = 0;
    while (i < e->n_pending && e->pending[i].boundary != e->next)
      i++;
    if (i == e->n_pending || e->pending[i].n_seen < e->n_partitions)
      return;
    pending_epoch done = e->pending[i];
    e->pending[i] = e->pending[--e->n_pending];
    free(done.seen);
    close_with(e, done.merged);
  }
}

/* The tallies of a contribution, decoded into fresh tallies: all or nothing. */
static int decode_tallies(const gb_epochs *e, const unsigned char *at, const unsigned char *end,
                          gb_tally **out, gb_err *err) {
  for (size_t a = 0; a < e->n_arms; a++) {
    if (end - at < 4)
      return gb_err_set(err, GB_ERR_INPUT, "epoch contribution: truncated at arm %zu", a);
    size_t len = (size_t)get_be(at, 4);
    at += 4;
    if ((size_t)(end - at) < len)
      return gb_err_set(err, GB_ERR_INPUT,
                        "epoch contribution: arm %zu's tally of %zu bytes is truncated", a, len);
    if (len > 0 && gb_tally_decode_add(out[a], at, len, err) != 0)
      return -1;
    at += len;
  }
  if (at != end)
    return gb_err_set(err, GB_ERR_INPUT, "epoch contribution: %zu bytes past the last arm",
                      (size_t)(end - at));
  return 0;
}

int gb_epochs_receive(gb_epochs *e, const void *msg, size_t len, gb_err *err) {
  const unsigned char *m = msg;
  if (len < HEAD_LEN || memcmp(m, MAGIC, 4) != 0 || m[4] != VERSION)
    return gb_err_set(err, GB_ERR_INPUT, "not an epoch contribution (version %d)", VERSION);
  int64_t boundary = (int64_t)get_be(m + 5, 8);
  uint64_t partition = get_be(m + 13, 4), n_arms = get_be(m + 17, 4);
  if (partition >= e->n_partitions)
    return gb_err_set(err, GB_ERR_INPUT, "epoch contribution: partition %llu of %u",
                      (unsigned long long)partition, e->n_partitions);
  if (boundary < e->first || (boundary - e->first) % e->tick != 0)
    return gb_err_set(err, GB_ERR_INPUT,
                      "epoch contribution: %lld ms is not a boundary (every %lld ms from %lld)",
                      (long long)boundary, (long long)e->tick, (long long)e->first);
  if (e->n_arms > 0 && n_arms != e->n_arms)
    return gb_err_set(err, GB_ERR_INPUT,
                      "epoch contribution: %llu arms, the workload has %zu (another workload?)",
                      (unsigned long long)n_arms, e->n_arms);
  gb_tally **t = new_tallies(e->n_arms);
  if (!t)
    return gb_err_set(err, GB_ERR_RUNTIME, "out of memory for an epoch contribution");
  /* an observer (no arms) only counts who said what */
  int rc = e->n_arms == 0 ? 0 : decode_tallies(e, m + HEAD_LEN, m + len, t, err);
  pthread_mutex_lock(&e->lock);
  /* the first contribution of a (boundary, partition) counts: a partition that changed hands
   * may be said twice, the same */
  if (rc == 0 && boundary >= e->next) {
    pending_epoch *pe = pending_for(e, boundary);
    if (!pe->seen[partition]) {
      pe->seen[partition] = 1;
      pe->n_seen++;
      for (size_t a = 0; a < e->n_arms; a++)
        gb_tally_merge(pe->merged[a], t[a]);
      close_complete(e);
    }
  }
  pthread_mutex_unlock(&e->lock);
  free_tallies(t, e->n_arms);
  return rc;
}

void gb_epochs_await(gb_epochs *e, gb_reco *reco, int64_t ts) {
  int64_t last = floor_to_tick(ts, e->tick);
  if (last < e->first)
    return; /* before the first boundary: none to wait for */
  pthread_mutex_lock(&e->lock);
  while (e->next <= last && !e->stopped)
    pthread_cond_wait(&e->closed_cv, &e->lock);
  apply_closed(e, reco);
  pthread_mutex_unlock(&e->lock);
}

void gb_epochs_stop(gb_epochs *e) {
  pthread_mutex_lock(&e->lock);
  e->stopped = true;
  pthread_cond_broadcast(&e->closed_cv);
  pthread_mutex_unlock(&e->lock);
}
