#include "gb_sim_stream.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "gb_codec.h"

enum {
  BLOCK_EVENTS = 1024,   /* events per hand-over: amortises the lock to nothing */
  BLOCKS_PER_THREAD = 4, /* a thread runs up to 3 blocks ahead of the merge */
  LINE_MAX_BYTES = 4096, /* the simulator's events encode to 150 .. 400 bytes */
  BLOCK_TEXT_AVG = 384   /* JSON bytes reserved per event of a block (more ends it early) */
};

typedef struct block {
  size_t n;
  bool last; /* the thread's final block (n may be 0) */
  gb_event *events;
  uint32_t *line_end; /* json: end offset of each event's line in text */
  char *text;
} block;

typedef struct worker {
  gb_sim_stream *st;
  unsigned index;
  pthread_t thread;
  bool started;
  gb_sim *sim;
  block blocks[BLOCKS_PER_THREAD];
  pthread_mutex_t mu;
  pthread_cond_t cv;
  unsigned filled, consumed; /* blocks handed over / given back, ever (ring indices) */
  bool stop;                 /* the merge asks the thread to stop */
  bool failed;
  /* merge side */
  block *cur;
  size_t pos;
  bool finished;
} worker;

struct gb_sim_stream {
  gb_sim_stream_config cfg;
  unsigned n;
  worker *workers;
  worker *last_taken; /* the worker whose event the previous call returned */
  uint64_t events;
  /* one thread: simulate in place */
  gb_event one;
  char line[LINE_MAX_BYTES];
};

/* ---- generating threads */

static size_t text_cap(void) { return (size_t)BLOCK_EVENTS * BLOCK_TEXT_AVG + LINE_MAX_BYTES; }

static int block_init(block *b, bool json) {
  b->events = malloc(BLOCK_EVENTS * sizeof *b->events);
  if (json) {
    b->line_end = malloc(BLOCK_EVENTS * sizeof *b->line_end);
    b->text = malloc(text_cap());
  }
  return b->events && (!json || (b->line_end && b->text)) ? 0 : -1;
}

static void block_free(block *b) {
  free(b->events);
  free(b->line_end);
  free(b->text);
}

/* Encodes ev as a JSON line at text + used; returns the new used, or 0 if it did not fit. */
static size_t encode_line(const gb_event *ev, char *text, size_t used, size_t cap) {
  size_t room = cap - used;
  size_t len = gb_event_encode_json(ev, text + used, room);
  if (len + 1 >= room)
    return 0;
  text[used + len] = '\n';
  return used + len + 1;
}

/* Fills b from the simulator; false if an event could not be encoded (a bug: events are small). */
static bool fill_block(worker *w, block *b) {
  bool json = w->st->cfg.json;
  size_t used = 0;
  b->n = 0;
  b->last = false;
  while (b->n < BLOCK_EVENTS && (!json || used + LINE_MAX_BYTES <= text_cap())) {
    gb_event *ev = &b->events[b->n];
    if (gb_sim_next(w->sim, INT64_MAX, ev) != GB_SIM_EVENT) {
      b->last = true;
      return true;
    }
    if (json) {
      used = encode_line(ev, b->text, used, used + LINE_MAX_BYTES);
      if (used == 0)
        return false;
      b->line_end[b->n] = (uint32_t)used;
    }
    b->n++;
  }
  return true;
}

static void *worker_main(void *arg) {
  worker *w = arg;
  for (;;) {
    pthread_mutex_lock(&w->mu);
    while (w->filled - w->consumed == BLOCKS_PER_THREAD && !w->stop)
      pthread_cond_wait(&w->cv, &w->mu);
    bool stop = w->stop;
    pthread_mutex_unlock(&w->mu);
    if (stop)
      return NULL;
    block *b = &w->blocks[w->filled % BLOCKS_PER_THREAD];
    bool ok = fill_block(w, b);
    pthread_mutex_lock(&w->mu);
    if (!ok) {
      w->failed = true;
      b->last = true;
    }
    w->filled++;
    pthread_cond_broadcast(&w->cv);
    pthread_mutex_unlock(&w->mu);
    if (b->last)
      return NULL;
  }
}

/* ---- set-up */

static int start_workers(gb_sim_stream *st, gb_err *err) {
  for (unsigned i = 0; i < st->n; i++) {
    worker *w = &st->workers[i];
    gb_sim_config sc = st->cfg.sim;
    sc.producer = i;
    sc.n_producers = st->n;
    sc.closed_loop = false;
    w->st = st;
    w->index = i;
    pthread_mutex_init(&w->mu, NULL);
    pthread_cond_init(&w->cv, NULL);
    if (gb_sim_new(&sc, &w->sim, err) != 0)
      return -1;
    if (st->n == 1)
      continue;
    for (int b = 0; b < BLOCKS_PER_THREAD; b++)
      if (block_init(&w->blocks[b], st->cfg.json) != 0)
        return gb_err_set(err, GB_ERR_RUNTIME, "out of memory for the event blocks");
  }
  for (unsigned i = 0; st->n > 1 && i < st->n; i++) {
    worker *w = &st->workers[i];
    if (pthread_create(&w->thread, NULL, worker_main, w) != 0)
      return gb_err_set(err, GB_ERR_RUNTIME, "cannot start simulator thread %u", i);
    w->started = true;
  }
  return 0;
}

int gb_sim_stream_new(const gb_sim_stream_config *cfg, gb_sim_stream **out, gb_err *err) {
  *out = NULL;
  if (cfg->threads < 1 || cfg->threads > GB_SIM_STREAM_THREADS_MAX)
    return gb_err_set(err, GB_ERR_INPUT, "sim: %u threads is out of range (1 .. %d)", cfg->threads,
                      GB_SIM_STREAM_THREADS_MAX);
  gb_sim_stream *st = calloc(1, sizeof *st);
  if (!st)
    return gb_err_set(err, GB_ERR_RUNTIME, "out of memory for the event stream");
  st->cfg = *cfg;
  st->n = cfg->threads;
  st->workers = calloc(st->n, sizeof *st->workers);
  if (!st->workers) {
    free(st);
    return gb_err_set(err, GB_ERR_RUNTIME, "out of memory for the event stream");
  }
  if (start_workers(st, err) != 0) {
    gb_sim_stream_free(st);
    return -1;
  }
  *out = st;
  return 0;
}

void gb_sim_stream_free(gb_sim_stream *st) {
  if (!st)
    return;
  for (unsigned i = 0; i < st->n; i++) {
    worker *w = &st->workers[i];
    if (w->started) {
      pthread_mutex_lock(&w->mu);
      w->stop = true;
      pthread_cond_broadcast(&w->cv);
      pthread_mutex_unlock(&w->mu);
      pthread_join(w->thread, NULL);
    }
  }
  for (unsigned i = 0; i < st->n; i++) {
    worker *w = &st->workers[i];
    gb_sim_free(w->sim);
    for (int b = 0; b < BLOCKS_PER_THREAD; b++)
      block_free(&w->blocks[b]);
    if (w->st) {
      pthread_mutex_destroy(&w->mu);
      pthread_cond_destroy(&w->cv);
    }
  }
  free(st->workers);
  free(st);
}

/* ---- merging */

/* Waits for w's next block; false (and w finished) if the thread failed. */
static bool acquire(worker *w) {
  pthread_mutex_lock(&w->mu);
  while (w->filled == w->consumed)
    pthread_cond_wait(&w->cv, &w->mu);
  bool failed = w->failed;
  pthread_mutex_unlock(&w->mu);
  w->cur = &w->blocks[w->consumed % BLOCKS_PER_THREAD];
  w->pos = 0;
  return !failed;
}

static void release(worker *w) {
  pthread_mutex_lock(&w->mu);
  w->consumed++;
  pthread_cond_broadcast(&w->cv);
  pthread_mutex_unlock(&w->mu);
  w->cur = NULL;
}

/* Makes w's current position an event, or marks w finished. */
static bool settle(worker *w) {
  while (!w->finished && (!w->cur || w->pos == w->cur->n)) {
    if (w->cur && w->cur->last) {
      w->finished = true;
      break;
    }
    if (w->cur)
      release(w);
    if (!acquire(w))
      return false;
  }
  return true;
}

/* (ts, event_id) orders like (ts, player_id, sequence): the id is player << 32 | sequence. */
static bool event_before(const gb_event *a, const gb_event *b) {
  return a->ts < b->ts || (a->ts == b->ts && a->event_id < b->event_id);
}

static int next_merged(gb_sim_stream *st, const gb_event **ev, const char **line, size_t *len,
                       gb_err *err) {
  if (st->last_taken)
    st->last_taken->pos++;
  worker *best = NULL;
  for (unsigned i = 0; i < st->n; i++) {
    worker *w = &st->workers[i];
    if (!settle(w))
      return gb_err_set(err, GB_ERR_RUNTIME,
                        "simulator thread %u: an event did not fit in %d bytes of JSON", i,
                        LINE_MAX_BYTES);
    if (!w->finished &&
        (!best || event_before(&w->cur->events[w->pos], &best->cur->events[best->pos])))
      best = w;
  }
  st->last_taken = best;
  if (!best)
    return 0;
  *ev = &best->cur->events[best->pos];
  if (st->cfg.json && line && len) {
    uint32_t from = best->pos ? best->cur->line_end[best->pos - 1] : 0;
    *line = best->cur->text + from;
    *len = best->cur->line_end[best->pos] - from;
  }
  return 1;
}

static int next_single(gb_sim_stream *st, const gb_event **ev, const char **line, size_t *len,
                       gb_err *err) {
  if (gb_sim_next(st->workers[0].sim, INT64_MAX, &st->one) != GB_SIM_EVENT)
    return 0;
  *ev = &st->one;
  if (st->cfg.json) {
    size_t used = encode_line(&st->one, st->line, 0, sizeof st->line);
    if (used == 0)
      return gb_err_set(err, GB_ERR_RUNTIME, "an event did not fit in %d bytes of JSON",
                        LINE_MAX_BYTES);
    if (line && len) {
      *line = st->line;
      *len = used;
    }
  }
  return 1;
}

int gb_sim_stream_next(gb_sim_stream *st, const gb_event **ev, const char **line, size_t *len,
                       gb_err *err) {
  int rc = st->n == 1 ? next_single(st, ev, line, len, err) : next_merged(st, ev, line, len, err);
  st->events += rc == 1;
  return rc;
}

uint64_t gb_sim_stream_events(const gb_sim_stream *st) { return st->events; }

void gb_sim_stream_add_realism(const gb_sim_stream *st, gb_sim_realism *r) {
  for (unsigned i = 0; i < st->n; i++)
    gb_sim_realism_add(r, st->workers[i].sim);
}
