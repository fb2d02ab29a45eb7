#include "gb_run.h"

#include <errno.h>
#include <ftw.h>
#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <time.h>

#include "gb_clock.h"
#include "gb_codec.h"
#include "gb_decision_codec.h"
#include "gb_doorbell.h"
#include "gb_hist.h"
#include "gb_pipeline.h"
#include "gb_progress_line.h"
#include "gb_realism_csv.h"
#include "gb_report.h"
#include "gb_run_control.h"
#include "gb_run_results.h"
#include "gb_sim.h"
#include "gb_sim_realism.h"
#include "gb_stages.h"
#include "gb_thread.h"
#include "gb_transport.h"
#include "gb_transport_kafka.h"

enum {
  HIST_DIGITS = 3,           /* 0.1 % value resolution */
  RECEIVE_BATCH = 256,       /* events a shard takes per transport call */
  DEAD_LETTERS_KEPT = 10000, /* per shard; beyond that they are counted, not kept */
  IDLE_SPINS = 200,          /* empty polls before an idle thread sleeps (a poll is ~50 ns) */
  ANSWER_BATCH = 64,         /* decoded answers a simulator thread hands over at once */
  PROGRESS_EVERY = 64        /* events between a simulator thread's progress updates (power of 2) */
};
/* An idle thread re-checks at least every millisecond. */
#define IDLE_SLEEP_NS 1000000LL
/* A pacing wait ends this early and spins to the due time. */
#define WAKE_EARLY_NS 20000LL
/* The kernel may delay our timed waits by at most 1 µs (Linux's default slack is 50 µs). */
#define TIMER_SLACK_NS 1000
/* timeline.csv rows: one per wall second. */
#define TIMELINE_INTERVAL_NS 1000000000LL
/* The progress line's p99 covers the last 0.5 s. */
#define LIVE_WINDOW_NS 500000000LL
/* The waiting thread checks on the run every 20 ms. */
#define PROGRESS_POLL_NS 20000000LL

/* ---- shared run state */

typedef struct run_ctx {
  const gb_workload *w;
  gb_transport *transport;
  gb_arms *arms;         /* the A/B split, for the simulators and the shards (read-only) */
  gb_catalog *catalog;   /* the simulators' copy, for the ground truth */
  int64_t start_ns;      /* wall (gb_clock) time of sim time start_ms */
  int64_t warmup_end_ns; /* samples intended before this are warm-up */
  _Atomic uint64_t progress_events; /* events sent, for the progress line */
  _Atomic int64_t progress_sim_ms;
  _Atomic unsigned threads_done;
  gb_doorbell done_bell; /* rung by each thread as it finishes: the run's end is taken at once */
  bool json_replies;     /* decisions travel encoded (Kafka), not as raw structs (in process) */
  bool binary;           /* transport.format: binary events and decisions, else JSON */
  /* Operators' changes (--control): each is sent by every simulator thread to every partition
   * (copies_per_change copies); with the shards in this process, the simulator threads wait at
   * a change's boundary until the shards have read every copy (gb_run_control.h). */
  gb_run_control *control;
  uint64_t copies_per_change;
  _Atomic uint64_t control_copies_read; /* by all shards together */
} run_ctx;

/* ---- per-thread latency recording */

static int stage_hists_init(gb_run_stage_hists *h, gb_err *err) {
  memset(h, 0, sizeof *h);
  for (int s = 0; s < GB_STAGE__COUNT; s++)
    for (int c = 0; c < 2; c++)
      if (!(h->h[s][c] = gb_hist_new(HIST_DIGITS, err)))
        return -1;
  if (!(h->warmup = gb_hist_new(HIST_DIGITS, err)))
    return -1;
  return 0;
}

static int stage_hists_start_timeline(gb_run_stage_hists *h, int64_t start_ns, gb_err *err) {
  const char *names[GB_STAGE__COUNT];
  for (int s = 0; s < GB_STAGE__COUNT; s++)
    names[s] = gb_stage_name(s);
  h->timeline = gb_timeline_new(GB_STAGE__COUNT, names, TIMELINE_INTERVAL_NS, start_ns, err);
  return h->timeline ? 0 : -1;
}

static void stage_hists_free(gb_run_stage_hists *h) {
  gb_timeline_free(h->timeline);
  for (int s = 0; s < GB_STAGE__COUNT; s++)
    for (int c = 0; c < 2; c++)
      gb_hist_free(h->h[s][c]);
  gb_hist_free(h->warmup);
}

/* A thread's histograms into the run's. A thread records a service time once, in the corrected
 * view (record_service): the run's uncorrected view of that stage is the same samples. */
static int stage_hists_merge(gb_run_stage_hists *dst, const gb_run_stage_hists *src, gb_err *err) {
  for (int s = 0; s < GB_STAGE__COUNT; s++)
    for (int c = 0; c < 2; c++) {
      int from = gb_stage_is_service(s) ? GB_CORRECTED : c;
      if (gb_hist_merge(dst->h[s][c], src->h[s][from], err) != 0)
        return -1;
    }
  dst->warmup_samples += src->warmup_samples;
  if (gb_timeline_merge(dst->timeline, src->timeline, err) != 0)
    return -1;
  return gb_hist_merge(dst->warmup, src->warmup, err);
}

/* Records a latency measured from the intended emit time (corrected) and from the send. */
static void record_from(gb_run_stage_hists *h, gb_stage s, int64_t end, int64_t intended,
                        int64_t sent) {
  gb_timeline_record(h->timeline, s, end, end - intended);
  gb_hist_record(h->h[s][GB_CORRECTED], end - intended);
  gb_hist_record(h->h[s][GB_UNCORRECTED], end - sent);
}

/* A service time: the same in both views (nothing queues inside a stage), so it is recorded
 * once, in the corrected view; stage_hists_merge gives the run's uncorrected view the same
 * samples (a histogram record per stage and event less on the busiest threads). */
static void record_service(gb_run_stage_hists *h, gb_stage s, int64_t begin, int64_t end) {
  gb_timeline_record(h->timeline, s, end, end - begin);
  gb_hist_record(h->h[s][GB_CORRECTED], end - begin);
}

/* True once a thread has polled in vain long enough to sleep instead. */
static bool idle_enough(unsigned *idle) { return ++*idle > IDLE_SPINS; }

/* Latency-sensitive threads: timed waits wake on time, not up to 50 µs late (Linux's default
 * timer slack). */
static void tighten_timer_slack(void) { prctl(PR_SET_TIMERSLACK, TIMER_SLACK_NS, 0, 0, 0); }

/* ---- engine shards */

typedef struct shard_ctx {
  run_ctx *run;
  unsigned index;
  pthread_t thread;
  gb_pipeline *pipe;
  gb_run_stage_hists hists;
  gb_run_dead_letter *dead;
  size_t n_dead;
  gb_pipeline_counts counts;
  /* What replays (gb_transport_replaying) added to the pipeline's counts: state rebuilt after
   * a partition moved, for events processed and counted before. */
  gb_pipeline_counts replay;
  gb_codec *replay_codec;      /* created at the first replay */
  gb_agg *replay_agg;          /* the replays' share of the aggregator's per-game counters */
  gb_hist *live;               /* e2e (corrected) of the current progress window */
  int64_t live_until;          /* end of the current window */
  _Atomic int64_t live_p99_ns; /* p99 of the last window, for the progress line */
} shard_ctx;

/* Publishes the last window's p99 for the progress line (the histograms are the shard's own). */
static void publish_live(shard_ctx *sh, int64_t now) {
  if (now < sh->live_until)
    return;
  atomic_store_explicit(&sh->live_p99_ns, gb_hist_percentile(sh->live, 99), memory_order_relaxed);
  gb_hist_reset(sh->live);
  sh->live_until = now + LIVE_WINDOW_NS;
}

static void keep_dead_letter(shard_ctx *sh, const void *msg, size_t len, const char *reason) {
  if (sh->n_dead >= DEAD_LETTERS_KEPT)
    return;
  gb_run_dead_letter *d = &sh->dead[sh->n_dead];
  d->payload = malloc(len + 1);
  d->reason = strdup(reason);
  if (!d->payload || !d->reason) {
    free(d->payload);
    free(d->reason);
    return;
  }
  memcpy(d->payload, msg, len);
  d->payload[len] = '\0';
  d->len = len;
  sh->n_dead++;
}

static void record_stamps(shard_ctx *sh, const gb_pipeline_stamps *st) {
  if (st->intended < sh->run->warmup_end_ns) {
    int64_t done = st->decided ? st->decided : st->matched ? st->matched : st->decoded;
    sh->hists.warmup_samples++;
    gb_hist_record(sh->hists.warmup, done - st->intended);
    gb_timeline_record(sh->hists.timeline, GB_STAGE_E2E, done, done - st->intended);
    return;
  }
  gb_run_stage_hists *h = &sh->hists;
  record_from(h, GB_STAGE_TRANSPORT, st->received, st->intended, st->sent);
  record_service(h, GB_STAGE_DECODE, st->received, st->decoded);
  if (st->aggregated)
    record_service(h, GB_STAGE_AGGREGATOR, st->decoded, st->aggregated);
  if (st->matched)
    record_service(h, GB_STAGE_MATCHER, st->aggregated, st->matched);
  if (st->decided)
    record_service(h, GB_STAGE_RECOMMENDER, st->matched, st->decided);
  int64_t done = st->decided ? st->decided : st->matched ? st->matched : st->decoded;
  record_from(h, GB_STAGE_E2E, done, st->intended, st->sent);
  gb_hist_record(sh->live, done - st->intended);
  publish_live(sh, done);
}

/* dst += after - before, field by field. */
static void add_delta(gb_pipeline_counts *dst, const gb_pipeline_counts *before,
                      const gb_pipeline_counts *after) {
  dst->consumed += after->consumed - before->consumed;
  dst->processed += after->processed - before->processed;
  dst->rejected += after->rejected - before->rejected;
  dst->duplicates += after->duplicates - before->duplicates;
  dst->decisions += after->decisions - before->decisions;
  dst->props += after->props - before->props;
  dst->completed += after->completed - before->completed;
  dst->failed += after->failed - before->failed;
  dst->catalog_updates += after->catalog_updates - before->catalog_updates;
}

/* What a replayed event added to the shard's per-game aggregates (aggregates.csv counts each
 * event once). The pipeline's aggregator cannot tell replays apart, so they are decoded again
 * here and subtracted when the results are written; replays are rare. */
static void count_replayed_aggregates(shard_ctx *sh, const void *msg, size_t len) {
  gb_err err = {0};
  if (!sh->replay_codec && !(sh->replay_codec = gb_codec_new()))
    return;
  if (!sh->replay_agg && gb_agg_new(&sh->replay_agg, &err) != 0)
    return;
  gb_event ev;
  if (gb_event_decode_wire(sh->replay_codec, msg, len, &ev, &err) != 0)
    return; /* the pipeline rejected it too (dead letter): it added nothing to the aggregates */
  gb_agg_update(sh->replay_agg, 0, &ev); /* one slot: only the game counters matter here */
  gb_event_dispose(&ev);
}

/* A replayed event rebuilds the shard's state (the pipeline processes it) but was counted,
 * measured and answered when it was first processed: its counts go to sh->replay. */
static void replay_message(shard_ctx *sh, const void *msg, size_t len) {
  gb_pipeline_counts before, after;
  gb_pipeline_stamps st;
  gb_decision reply;
  gb_err err = {0};
  gb_pipeline_get_counts(sh->pipe, &before);
  gb_pipeline_process(sh->pipe, msg, len, gb_clock_now_ns(), &st, &reply, &err);
  gb_pipeline_get_counts(sh->pipe, &after);
  add_delta(&sh->replay, &before, &after);
  if (after.processed > before.processed && !st.control)
    count_replayed_aggregates(sh, msg, len); /* the pipeline aggregated it again */
}

static void on_event_message(void *ctx, const void *msg, size_t len) {
  shard_ctx *sh = ctx;
  if (gb_transport_replaying(sh->run->transport, sh->index)) {
    replay_message(sh, msg, len);
    return;
  }
  gb_pipeline_stamps st;
  gb_decision reply;
  gb_err err = {0};
  gb_pipeline_result r =
      gb_pipeline_process(sh->pipe, msg, len, gb_clock_now_ns(), &st, &reply, &err);
  if (st.control)
    atomic_fetch_add(&sh->run->control_copies_read, 1);
  if (r == GB_PIPELINE_REJECTED) {
    keep_dead_letter(sh, msg, len, err.msg);
    return;
  }
  if (st.control)
    return; /* an operator's change, not a player's event: no latency sample */
  record_stamps(sh, &st);
  if (r != GB_PIPELINE_DECISION)
    return;
  if (sh->run->json_replies) {
    char json[GB_DECISION_JSON_MAX]; /* > 1 + GB_DECISION_BINARY_MAX */
    size_t n = gb_decision_encode_wire(&reply, sh->run->binary, json, sizeof json);
    gb_transport_reply(sh->run->transport, sh->index, reply.player_id, json, n);
  } else {
    gb_transport_reply(sh->run->transport, sh->index, reply.player_id, &reply, sizeof reply);
  }
}

static void *shard_main(void *arg) {
  shard_ctx *sh = arg;
  unsigned idle = 0;
  tighten_timer_slack();
  for (;;) {
    bool finished = false;
    size_t n = gb_transport_receive(sh->run->transport, sh->index, RECEIVE_BATCH, on_event_message,
                                    sh, &finished);
    if (n > 0) {
      idle = 0;
      continue;
    }
    if (finished || gb_transport_failed(sh->run->transport, NULL))
      break;
    if (idle_enough(&idle))
      gb_transport_wait_events(sh->run->transport, sh->index, IDLE_SLEEP_NS);
  }
  gb_pipeline_counts total;
  gb_pipeline_get_counts(sh->pipe, &total);
  sh->counts = (gb_pipeline_counts){0};
  add_delta(&sh->counts, &sh->replay, &total); /* what was not a replay */
  atomic_fetch_add(&sh->run->threads_done, 1);
  gb_doorbell_ring(&sh->run->done_bell);
  return NULL;
}

/* ---- simulator producers */

typedef struct producer_ctx {
  run_ctx *run;
  unsigned index;
  pthread_t thread;
  gb_sim *sim;
  gb_run_stage_hists hists;
  char *buf;
  size_t buf_cap;
  uint64_t sent;
  int64_t last_ts; /* sim time of the last event sent */
  uint64_t answers;
  gb_decision_codec *codec; /* JSON replies (Kafka) */
  size_t next_control;      /* the next operator change to send */
  uint64_t control_copies;  /* copies of operator changes sent (one per partition) */
  /* Answers decoded and measured, not yet handed to the simulator: a poll's replies go over
   * together (gb_sim_on_decisions), and share one clock read. */
  gb_decision *batch; /* [ANSWER_BATCH] */
  size_t n_batch;
  int64_t batch_now_ns; /* when the batch's first reply was taken; 0: not read yet */
} producer_ctx;

/* Hands the answers taken so far to the simulator, in the order they came. */
static void deliver_answers(producer_ctx *pr) {
  if (pr->n_batch > 0)
    gb_sim_on_decisions(pr->sim, pr->batch, pr->n_batch);
  pr->n_batch = 0;
  pr->batch_now_ns = 0;
}

static void on_reply_message(void *ctx, const void *msg, size_t len) {
  producer_ctx *pr = ctx;
  gb_decision *d = &pr->batch[pr->n_batch];
  if (pr->run->json_replies) {
    if (gb_decision_decode_wire(pr->codec, msg, len, d, NULL) != 0)
      return; /* counted through the answer reconciliation */
  } else {
    if (len != sizeof *d)
      return; /* cannot happen in process; counted through the answer reconciliation */
    memcpy(d, msg, sizeof *d);
  }
  /* The replies of one poll arrived together: they share one clock read, unless this one was
   * decided after it (in process, a shard may answer while the poll goes on). */
  if (pr->batch_now_ns == 0 || d->t_decided_ns > pr->batch_now_ns)
    pr->batch_now_ns = gb_clock_now_ns();
  int64_t now = pr->batch_now_ns;
  if (d->t_intended_ns >= pr->run->warmup_end_ns) {
    record_service(&pr->hists, GB_STAGE_REPLY, d->t_decided_ns, now);
    record_from(&pr->hists, GB_STAGE_DECISION, now, d->t_intended_ns, d->t_sent_ns);
  }
  pr->answers++;
  if (++pr->n_batch == ANSWER_BATCH)
    deliver_answers(pr);
}

/* Takes the replies waiting for this thread and delivers them; returns how many there were. */
static size_t take_replies(producer_ctx *pr) {
  size_t n = gb_transport_poll_replies(pr->run->transport, pr->index, on_reply_message, pr);
  if (n > 0)
    deliver_answers(pr);
  return n;
}

/* Wall time (gb_clock) at which an event of sim time ts should be emitted. */
static int64_t intended_ns(const run_ctx *run, int64_t ts) {
  double scale = run->w->sim.time_scale;
  return run->start_ns + (int64_t)((double)(ts - run->w->sim.start_ms) * 1e6 / scale);
}

/* The latest sim time whose events are due now (as fast as possible: all of them, and no clock
 * read). */
static int64_t sim_now_ms(const run_ctx *run) {
  double scale = run->w->sim.time_scale;
  if (scale == 0)
    return INT64_MAX;
  return run->w->sim.start_ms +
         (int64_t)((double)(gb_clock_now_ns() - run->start_ns) * scale / 1e6);
}

/* Adds events to the progress line's count; simulator thread 0 also shows its sim time. */
static void publish_progress(producer_ctx *pr, uint64_t events, int64_t ts) {
  atomic_fetch_add_explicit(&pr->run->progress_events, events, memory_order_relaxed);
  if (pr->index == 0)
    atomic_store_explicit(&pr->run->progress_sim_ms, ts, memory_order_relaxed);
}

static void send_event(producer_ctx *pr, gb_event *ev) {
  run_ctx *run = pr->run;
  int64_t now = gb_clock_now_ns();
  /* The next player's state loads while this event is encoded and sent: after the clock read,
   * which would wait for it. */
  gb_sim_prefetch_next(pr->sim);
  ev->t_intended_ns = run->w->sim.time_scale == 0 ? now : intended_ns(run, ev->ts);
  ev->t_sent_ns = now;
  size_t len = gb_event_encode_wire(ev, run->binary, pr->buf, pr->buf_cap);
  if (len >= pr->buf_cap)
    abort(); /* the simulator's events are far below the transport's message limit */
  gb_transport_send_on(run->transport, pr->index, gb_transport_channel_of(ev->type), ev->player_id,
                       pr->buf, len);
  if (ev->t_intended_ns >= run->warmup_end_ns)
    record_from(&pr->hists, GB_STAGE_SEND, gb_clock_now_ns(), ev->t_intended_ns, now);
  /* The progress line's counters every so often, not per event: an atomic add per event was about
   * 1 % of this thread's time, and those counters share cache lines with what the shards read for
   * every event. */
  pr->last_ts = ev->ts;
  if ((++pr->sent & (PROGRESS_EVERY - 1)) == 0)
    publish_progress(pr, PROGRESS_EVERY, ev->ts);
}

/* ---- operators' changes (--control) */

/* Sim time of the next change's boundary; INT64_MAX when none is left. */
static int64_t next_boundary(const producer_ctx *pr) {
  const gb_run_control *c = pr->run->control;
  return pr->next_control < gb_run_control_count(c) ? gb_run_control_boundary(c, pr->next_control)
                                                    : INT64_MAX;
}

/* The next change may go once its time has come and this thread can emit nothing before its
 * boundary any more: every earlier event was sent (the next one is at or after it) and
 * answered (a player waiting for an answer may be due again before it). */
static bool change_due(const producer_ctx *pr, int64_t now_ms) {
  int64_t b = next_boundary(pr);
  return b != INT64_MAX && now_ms >= b && gb_sim_peek_ts(pr->sim) >= b &&
         gb_sim_waiting(pr->sim) == 0;
}

/* Sends the next change to every partition, then — with the shards in this process — waits
 * until every shard has read every copy of it from every simulator thread: each stream is in
 * order, so every event before the boundary has then been processed, and none after it yet. */
static void send_change(producer_ctx *pr) {
  run_ctx *run = pr->run;
  size_t k = pr->next_control++;
  gb_event ev = *gb_run_control_event(run->control, k); /* shares the definition, read-only */
  int64_t now = gb_clock_now_ns();
  ev.t_intended_ns =
      run->w->sim.time_scale == 0 ? now : intended_ns(run, ev.u.control.effective_ts);
  ev.t_sent_ns = now;
  size_t len = gb_event_encode_wire(&ev, run->binary, pr->buf, pr->buf_cap);
  if (len >= pr->buf_cap)
    abort(); /* gb_run sized buf for the largest definition (gb_transport_max_message) */
  gb_transport_send_on(run->transport, pr->index, GB_CHANNEL_CONTROL, 0, pr->buf, len);
  unsigned copies = gb_transport_partitions(run->transport);
  pr->control_copies += copies;
  atomic_fetch_add_explicit(&run->progress_events, copies, memory_order_relaxed);
  if (run->copies_per_change == 0)
    return; /* `gamebench sim`: the engines run elsewhere */
  uint64_t all_read = (uint64_t)(k + 1) * run->copies_per_change;
  while (atomic_load(&run->control_copies_read) < all_read &&
         !gb_transport_failed(run->transport, NULL)) {
    take_replies(pr);
    gb_transport_wait_replies(run->transport, pr->index, IDLE_SLEEP_NS);
  }
}

/* Waits until the next event is due or an answer arrives (which may make a player due). The
 * last few microseconds are spun so that events leave on time. */
static void wait_for_due(producer_ctx *pr) {
  int64_t next = gb_sim_peek_ts(pr->sim);
  int64_t boundary = next_boundary(pr);
  if (boundary < next)
    next = boundary;
  int64_t wait = IDLE_SLEEP_NS;
  if (next != INT64_MAX) {
    wait = intended_ns(pr->run, next) - gb_clock_now_ns() - WAKE_EARLY_NS;
    if (wait <= 0)
      return;
  }
  gb_transport_wait_replies(pr->run->transport, pr->index, wait);
}

static void *producer_main(void *arg) {
  producer_ctx *pr = arg;
  run_ctx *run = pr->run;
  unsigned idle = 0;
  tighten_timer_slack();
  for (;;) {
    if (gb_transport_failed(run->transport, NULL))
      break; /* the run is over: its results show what was lost */
    if (take_replies(pr) > 0)
      idle = 0;
    gb_event ev;
    int64_t now_ms = sim_now_ms(run);
    if (change_due(pr, now_ms)) {
      send_change(pr);
      idle = 0;
      continue;
    }
    /* Nothing at or after the next change's boundary before the change itself. */
    int64_t boundary = next_boundary(pr);
    gb_sim_status st = gb_sim_next(pr->sim, now_ms < boundary ? now_ms : boundary - 1, &ev);
    if (st == GB_SIM_EVENT) {
      send_event(pr, &ev);
      idle = 0;
    } else if (st == GB_SIM_NOT_YET && now_ms < boundary) {
      wait_for_due(pr);
    } else if (st == GB_SIM_NOT_YET || st == GB_SIM_BLOCKED) {
      /* At a boundary, or every player waiting: only an answer moves things on. */
      if (idle_enough(&idle))
        gb_transport_wait_replies(run->transport, pr->index, IDLE_SLEEP_NS);
    } else if (boundary != INT64_MAX) {
      send_change(pr); /* every player is done: the changes left go now, in order */
    } else {
      break;
    }
  }
  publish_progress(pr, pr->sent & (PROGRESS_EVERY - 1), pr->last_ts);
  gb_transport_producer_done(run->transport, pr->index);
  atomic_fetch_add(&run->threads_done, 1);
  gb_doorbell_ring(&run->done_bell);
  return NULL;
}

/* ---- set-up and tear-down */

typedef struct run_state {
  run_ctx ctx;
  shard_ctx *shards;
  producer_ctx *producers;
  unsigned n_shards, n_producers;
  uint64_t *backlog; /* events sent but not yet received, sampled every PROGRESS_POLL_NS */
  size_t n_backlog, backlog_cap;
} run_state;

static int setup_engine(run_state *rs, gb_err *err) {
  const gb_workload *w = rs->ctx.w;
  gb_pipeline_config pc = {
      .catalog_path = w->engine.challenges,
      .matcher = strcmp(w->engine.matcher, "index") == 0 ? GB_MATCH_INDEX : GB_MATCH_SCAN,
      .arms = rs->ctx.arms,
      .seed = w->seed,
      .expected_players = w->sim.players / (rs->n_shards ? rs->n_shards : 1) + 1,
  };
  for (unsigned i = 0; i < rs->n_shards; i++) {
    shard_ctx *sh = &rs->shards[i];
    sh->run = &rs->ctx;
    sh->index = i;
    sh->dead = calloc(DEAD_LETTERS_KEPT, sizeof *sh->dead);
    if (!sh->dead)
      return gb_err_set(err, GB_ERR_RUNTIME, "out of memory");
    if (gb_pipeline_new(&pc, &sh->pipe, err) != 0 || stage_hists_init(&sh->hists, err) != 0 ||
        !(sh->live = gb_hist_new(HIST_DIGITS, err)))
      return -1;
  }
  return 0;
}

static int setup_sim(run_state *rs, const gb_run_options *opt, gb_err *err) {
  const gb_workload *w = rs->ctx.w;
  if (gb_catalog_load(w->engine.challenges, &rs->ctx.catalog, err) != 0)
    return -1;
  if (opt->control_path &&
      gb_run_control_load(opt->control_path, w->sim.start_ms, w->sim.start_ms + w->sim.duration_ms,
                          rs->ctx.catalog, &rs->ctx.control, err) != 0)
    return -1;
  /* Each change: a copy per partition from every simulator thread, all read by local shards. */
  if (rs->n_shards > 0)
    rs->ctx.copies_per_change =
        (uint64_t)rs->n_producers * gb_transport_partitions(rs->ctx.transport);
  for (unsigned i = 0; i < rs->n_producers; i++) {
    producer_ctx *pr = &rs->producers[i];
    gb_sim_config sc = {
        .seed = w->seed,
        .players = w->sim.players,
        .start_ms = w->sim.start_ms,
        .duration_ms = w->sim.duration_ms,
        .producer = i,
        .n_producers = rs->n_producers,
        .closed_loop = true,
        .catalog = rs->ctx.catalog,
        .arms = rs->ctx.arms,
        .n_arms = w->n_arms,
        .response = gb_response_defaults(),
        .model = &w->sim.model,
    };
    pr->run = &rs->ctx;
    pr->index = i;
    pr->buf_cap = gb_transport_max_message(rs->ctx.transport);
    pr->buf = malloc(pr->buf_cap);
    pr->codec = rs->ctx.json_replies ? gb_decision_codec_new() : NULL;
    pr->batch = malloc(ANSWER_BATCH * sizeof *pr->batch);
    if (!pr->buf || !pr->batch || (rs->ctx.json_replies && !pr->codec))
      return gb_err_set(err, GB_ERR_RUNTIME, "out of memory");
    if (gb_sim_new(&sc, &pr->sim, err) != 0 || stage_hists_init(&pr->hists, err) != 0)
      return -1;
  }
  return 0;
}

static int make_transport(run_state *rs, const gb_run_options *opt, gb_err *err) {
  const gb_workload *w = rs->ctx.w;
  /* queue_capacity counts events; a JSON event is a few hundred bytes, so 512 bytes per event */
  gb_transport_config tc = {.n_producers = rs->n_producers,
                            .n_shards = rs->n_shards,
                            .queue_bytes = (size_t)w->engine.queue_capacity * 512};
  if (w->transport.kind == GB_TRANSPORT_INPROC)
    return gb_transport_inproc_new(&tc, &rs->ctx.transport, err);
  gb_transport_kafka_config kc = {.role = opt->sim_only ? GB_KAFKA_ROLE_SIM : GB_KAFKA_ROLE_ALL,
                                  .brokers = w->transport.brokers,
                                  .run_id = opt->kafka_run_id,
                                  .partitions = w->transport.partitions,
                                  .props = opt->kafka_props,
                                  .n_props = opt->n_kafka_props,
                                  .throughput = w->sim.time_scale == 0};
  rs->ctx.json_replies = true;
  return gb_transport_kafka_new(&tc, &kc, &rs->ctx.transport, err);
}

static int setup(run_state *rs, const gb_workload *w, const gb_run_options *opt, gb_err *err) {
  memset(rs, 0, sizeof *rs);
  rs->ctx.w = w;
  rs->ctx.binary = w->transport.format == GB_FORMAT_BINARY;
  gb_doorbell_init(&rs->ctx.done_bell);
  rs->n_shards = opt->sim_only ? 0 : w->engine.threads;
  rs->n_producers = w->sim.threads;
  if (opt->sim_only && w->transport.kind != GB_TRANSPORT_KAFKA)
    return gb_err_set(err, GB_ERR_INPUT, "the simulator alone needs transport.kind kafka");
  if (gb_workload_arms(w, &rs->ctx.arms, err) != 0)
    return -1;
  rs->shards = calloc(rs->n_shards ? rs->n_shards : 1, sizeof *rs->shards);
  rs->producers = calloc(rs->n_producers, sizeof *rs->producers);
  if (!rs->shards || !rs->producers)
    return gb_err_set(err, GB_ERR_RUNTIME, "out of memory");
  if (make_transport(rs, opt, err) != 0)
    return -1;
  if (setup_sim(rs, opt, err) != 0 || setup_engine(rs, err) != 0)
    return -1;
  return 0;
}

static void teardown(run_state *rs) {
  for (unsigned i = 0; rs->shards && i < rs->n_shards; i++) {
    shard_ctx *sh = &rs->shards[i];
    gb_pipeline_free(sh->pipe);
    stage_hists_free(&sh->hists);
    gb_hist_free(sh->live);
    gb_codec_free(sh->replay_codec);
    gb_agg_free(sh->replay_agg);
    for (size_t d = 0; d < sh->n_dead; d++) {
      free(sh->dead[d].payload);
      free(sh->dead[d].reason);
    }
    free(sh->dead);
  }
  for (unsigned i = 0; rs->producers && i < rs->n_producers; i++) {
    gb_sim_free(rs->producers[i].sim);
    stage_hists_free(&rs->producers[i].hists);
    free(rs->producers[i].buf);
    free(rs->producers[i].batch);
    gb_decision_codec_free(rs->producers[i].codec);
  }
  free(rs->shards);
  free(rs->producers);
  free(rs->backlog);
  gb_transport_free(rs->ctx.transport);
  gb_arms_free(rs->ctx.arms);
  gb_catalog_free(rs->ctx.catalog);
  gb_run_control_free(rs->ctx.control);
}

/* ---- running */

static int start_timelines(run_state *rs, gb_err *err) {
  for (unsigned i = 0; i < rs->n_shards; i++)
    if (stage_hists_start_timeline(&rs->shards[i].hists, rs->ctx.start_ns, err) != 0)
      return -1;
  for (unsigned i = 0; i < rs->n_producers; i++)
    if (stage_hists_start_timeline(&rs->producers[i].hists, rs->ctx.start_ns, err) != 0)
      return -1;
  return 0;
}

/* Seals every thread's timeline at end_ns (merging needs finished timelines). */
static int finish_timelines(run_state *rs, int64_t end_ns, gb_err *err) {
  for (unsigned i = 0; i < rs->n_shards; i++)
    if (gb_timeline_finish(rs->shards[i].hists.timeline, end_ns, err) != 0)
      return -1;
  for (unsigned i = 0; i < rs->n_producers; i++)
    if (gb_timeline_finish(rs->producers[i].hists.timeline, end_ns, err) != 0)
      return -1;
  return 0;
}

static int start_threads(run_state *rs, gb_err *err) {
  for (unsigned i = 0; i < rs->n_shards; i++) {
    if (pthread_create(&rs->shards[i].thread, NULL, shard_main, &rs->shards[i]) != 0)
      return gb_err_set(err, GB_ERR_RUNTIME, "cannot start engine thread %u", i);
    gb_thread_name(rs->shards[i].thread, "shard", (int)i);
  }
  for (unsigned i = 0; i < rs->n_producers; i++) {
    if (pthread_create(&rs->producers[i].thread, NULL, producer_main, &rs->producers[i]) != 0)
      return gb_err_set(err, GB_ERR_RUNTIME, "cannot start simulator thread %u", i);
    gb_thread_name(rs->producers[i].thread, "sim", (int)i);
  }
  return 0;
}

static void sample_backlog(run_state *rs) {
  if (rs->n_backlog == rs->backlog_cap) {
    size_t cap = rs->backlog_cap ? rs->backlog_cap * 2 : 1024;
    uint64_t *b = realloc(rs->backlog, cap * sizeof *b);
    if (!b)
      return; /* the verdict then rests on fewer samples */
    rs->backlog = b;
    rs->backlog_cap = cap;
  }
  gb_transport_stats ts;
  gb_transport_get_stats(rs->ctx.transport, &ts);
  rs->backlog[rs->n_backlog++] = ts.sent > ts.received ? ts.sent - ts.received : 0;
}

/* Waits until deadline (gb_clock ns) or until every thread has finished; false in that case. */
static bool wait_for_threads(run_state *rs, unsigned total, int64_t deadline) {
  gb_doorbell *bell = &rs->ctx.done_bell;
  for (;;) {
    uint32_t seen = gb_doorbell_prepare(bell);
    int64_t now = gb_clock_now_ns();
    if (atomic_load(&rs->ctx.threads_done) >= total || now >= deadline) {
      gb_doorbell_cancel(bell);
      return atomic_load(&rs->ctx.threads_done) < total;
    }
    gb_doorbell_wait(bell, seen, deadline - now);
  }
}

/* Shows progress until every thread has finished; samples the transport's backlog meanwhile. */
static void watch(run_state *rs, bool quiet) {
  gb_progress_line *pl = gb_progress_line_new(stderr, gb_progress_line_wanted(stderr, quiet));
  unsigned total = rs->n_shards + rs->n_producers;
  while (atomic_load(&rs->ctx.threads_done) < total) {
    int64_t now = gb_clock_now_ns();
    if (!wait_for_threads(rs, total, now + PROGRESS_POLL_NS))
      break; /* all done: the run ends now, not at the end of the poll period */
    sample_backlog(rs);
    if (!pl)
      continue;
    uint64_t events = atomic_load_explicit(&rs->ctx.progress_events, memory_order_relaxed);
    int64_t p99 = 0;
    for (unsigned i = 0; i < rs->n_shards; i++) {
      int64_t v = atomic_load_explicit(&rs->shards[i].live_p99_ns, memory_order_relaxed);
      p99 = v > p99 ? v : p99;
    }
    double elapsed_s = (double)(now - rs->ctx.start_ns) / 1e9;
    gb_progress_line_update(pl, now, atomic_load(&rs->ctx.progress_sim_ms), events,
                            elapsed_s > 0 ? (double)events / elapsed_s : 0, (double)p99 / 1000.0);
  }
  if (pl) {
    gb_progress_line_finish(pl);
    gb_progress_line_free(pl);
  }
}

static void join_threads(run_state *rs) {
  for (unsigned i = 0; i < rs->n_producers; i++)
    pthread_join(rs->producers[i].thread, NULL);
  for (unsigned i = 0; i < rs->n_shards; i++)
    pthread_join(rs->shards[i].thread, NULL);
}

/* Merged measurements and counters. */
typedef struct run_merge {
  gb_run_stage_hists hists;
  gb_sim_arm_stats *arms;
  gb_agg *agg;
  gb_agg *agg_replayed; /* the replays' share of agg */
  gb_run_dead_letter **dead;
  size_t *n_dead;
  gb_sim_realism *realism;                  /* realism.csv */
  gb_transport_partition_stats *partitions; /* partitions.csv */
} run_merge;

/* Each partition's reconciliation (partitions.csv). events_lost is their sum, plus whatever the
 * transport never accepted (only when it failed: the simulator stops at once). */
static int merge_partitions(run_state *rs, run_merge *m, gb_run_totals *t) {
  unsigned n = gb_transport_partitions(rs->ctx.transport);
  if (!(m->partitions = calloc(n, sizeof *m->partitions)))
    return -1;
  t->events_lost = 0;
  for (unsigned p = 0; p < n; p++) {
    gb_transport_get_partition_stats(rs->ctx.transport, p, &m->partitions[p]);
    t->events_lost += m->partitions[p].lost;
  }
  if (t->events_generated > t->events_sent)
    t->events_lost += t->events_generated - t->events_sent;
  t->partitions = m->partitions;
  t->n_partitions = n;
  return 0;
}

static int merge(run_state *rs, run_merge *m, gb_run_totals *t, gb_err *err) {
  const gb_workload *w = rs->ctx.w;
  memset(m, 0, sizeof *m);
  m->arms = calloc(w->n_arms, sizeof *m->arms);
  m->dead = calloc(rs->n_shards ? rs->n_shards : 1, sizeof *m->dead);
  m->n_dead = calloc(rs->n_shards ? rs->n_shards : 1, sizeof *m->n_dead);
  if (!m->arms || !m->dead || !m->n_dead)
    return gb_err_set(err, GB_ERR_RUNTIME, "out of memory");
  if (stage_hists_init(&m->hists, err) != 0 || gb_agg_new(&m->agg, err) != 0 ||
      gb_agg_new(&m->agg_replayed, err) != 0 ||
      stage_hists_start_timeline(&m->hists, rs->ctx.start_ns, err) != 0 ||
      gb_timeline_finish(m->hists.timeline, rs->ctx.start_ns, err) != 0)
    return -1;
  gb_sim_config population = {.seed = w->seed,
                              .players = w->sim.players,
                              .start_ms = w->sim.start_ms,
                              .duration_ms = w->sim.duration_ms,
                              .model = &w->sim.model};
  if (gb_sim_realism_new(&population, &m->realism, err) != 0)
    return -1;
  gb_transport_stats ts;
  gb_transport_get_stats(rs->ctx.transport, &ts);
  t->events_sent = ts.sent;
  t->backpressure_waits = ts.full_waits;
  for (unsigned i = 0; i < rs->n_producers; i++) {
    producer_ctx *pr = &rs->producers[i];
    /* A change's copies are counted like events: one per partition, as the transport does. */
    t->events_generated += gb_sim_events(pr->sim) + pr->control_copies;
    t->answers_received += pr->answers;
    t->unexpected_answers += gb_sim_unexpected_answers(pr->sim);
    gb_sim_add_arm_stats(pr->sim, m->arms);
    gb_sim_realism_add(m->realism, pr->sim);
    if (stage_hists_merge(&m->hists, &pr->hists, err) != 0)
      return -1;
  }
  for (unsigned i = 0; i < rs->n_shards; i++) {
    shard_ctx *sh = &rs->shards[i];
    t->events_consumed += sh->counts.consumed;
    t->events_processed += sh->counts.processed;
    t->events_rejected += sh->counts.rejected;
    t->events_duplicate += sh->counts.duplicates;
    t->decisions += sh->counts.decisions;
    t->props_generated += sh->counts.props;
    t->catalog_updates += sh->counts.catalog_updates;
    t->events_replayed += sh->replay.consumed;
    m->dead[i] = sh->dead;
    m->n_dead[i] = sh->n_dead;
    if (stage_hists_merge(&m->hists, &sh->hists, err) != 0 ||
        gb_agg_merge(m->agg, gb_pipeline_agg(sh->pipe), err) != 0 ||
        (sh->replay_agg && gb_agg_merge(m->agg_replayed, sh->replay_agg, err) != 0))
      return -1;
  }
  if (rs->n_shards == 0) {
    /* The engines run elsewhere: their side is what they acknowledged, in order and without
     * gaps, at the end of each stream; each answer stands for one decision. */
    t->events_consumed = t->events_processed = ts.acknowledged;
    t->decisions = t->answers_received;
  }
  if (merge_partitions(rs, m, t) != 0)
    return gb_err_set(err, GB_ERR_RUNTIME, "out of memory");
  t->hists = &m->hists;
  t->arms = m->arms;
  t->agg = m->agg;
  t->agg_replayed = m->agg_replayed;
  t->dead = (const gb_run_dead_letter *const *)m->dead;
  t->n_dead = m->n_dead;
  t->n_shards = rs->n_shards;
  return 0;
}

static void merge_free(run_merge *m) {
  gb_sim_realism_free(m->realism);
  stage_hists_free(&m->hists);
  free(m->arms);
  gb_agg_free(m->agg);
  gb_agg_free(m->agg_replayed);
  free(m->dead);
  free(m->n_dead);
  free(m->partitions);
}

static double mean_of(const uint64_t *v, size_t n) {
  double sum = 0;
  for (size_t i = 0; i < n; i++)
    sum += (double)v[i];
  return n ? sum / (double)n : 0;
}

/* The backlog grows through the run when its mean over the last quarter of the samples is more
 * than twice the first quarter's and more than 0.1 s worth of the target rate (a backlog that
 * small drains at once) — the pipeline falls further behind the longer it runs. */
static void backlog_verdict(const run_state *rs, gb_run_totals *t) {
  size_t q = rs->n_backlog / 4;
  t->backlog_max = 0;
  for (size_t i = 0; i < rs->n_backlog; i++)
    t->backlog_max = rs->backlog[i] > t->backlog_max ? rs->backlog[i] : t->backlog_max;
  if (q == 0) {
    t->backlog_growing = false;
    return;
  }
  double first = mean_of(rs->backlog, q);
  t->backlog_last_quarter = mean_of(rs->backlog + rs->n_backlog - q, q);
  double floor = fmax(100.0, 0.1 * t->target_rate_eps);
  t->backlog_growing = t->backlog_last_quarter > 2 * first && t->backlog_last_quarter > floor;
}

static void rates(const gb_workload *w, gb_run_totals *t) {
  t->sim_seconds = (double)w->sim.duration_ms / 1000.0;
  t->achieved_rate_eps = t->wall_seconds > 0 ? (double)t->events_processed / t->wall_seconds : 0;
  if (w->sim.time_scale == 0) { /* as fast as possible: no target to miss */
    t->target_rate_eps = 0;
    t->rate_sustained = true;
    return;
  }
  t->target_rate_eps = (double)t->events_generated / (t->sim_seconds / w->sim.time_scale);
  /* 99 %: the verdict's threshold (issue: "below 99 % of the target") */
  t->rate_sustained = t->achieved_rate_eps >= 0.99 * t->target_rate_eps;
}

/* The accounting every run must pass: nothing produced was lost, every consumed event was
 * processed, rejected or recognised as a duplicate, and every decision point was answered. */
static bool reconciled(const gb_run_totals *t) {
  return t->events_lost == 0 && t->events_sent == t->events_generated &&
         t->events_consumed == t->events_processed + t->events_rejected + t->events_duplicate &&
         t->decisions == t->answers_received && t->unexpected_answers == 0;
}

/* CPU time of the whole process so far (ns): what a run costs, whatever else runs meanwhile. */
static int64_t process_cpu_ns(void) {
  struct timespec ts;
  if (clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts) != 0)
    return 0;
  return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* ---- the results directory */

int gb_run_mkdir_p(const char *path, gb_err *err) {
  char buf[4096];
  if (snprintf(buf, sizeof buf, "%s", path) >= (int)sizeof buf)
    return gb_err_set(err, GB_ERR_INPUT, "path too long: %s", path);
  for (char *p = buf + 1; *p; p++) {
    if (*p != '/')
      continue;
    *p = '\0';
    if (mkdir(buf, 0777) != 0 && errno != EEXIST)
      return gb_err_set(err, GB_ERR_RUNTIME, "%s: cannot create: %s", buf, strerror(errno));
    *p = '/';
  }
  if (mkdir(buf, 0777) != 0 && errno != EEXIST)
    return gb_err_set(err, GB_ERR_RUNTIME, "%s: cannot create: %s", buf, strerror(errno));
  return 0;
}

static bool exists(const char *path) {
  struct stat st;
  return stat(path, &st) == 0;
}

static int choose_dir(const gb_workload *w, const gb_run_options *opt, int64_t wall_ns, char *out,
                      size_t cap, gb_err *err) {
  if (opt->out_dir) {
    if (exists(opt->out_dir))
      return gb_err_set(err, GB_ERR_INPUT,
                        "--out %s: already exists (results are never overwritten)", opt->out_dir);
    snprintf(out, cap, "%s", opt->out_dir);
    return 0;
  }
  time_t secs = (time_t)(wall_ns / 1000000000LL);
  struct tm tm;
  gmtime_r(&secs, &tm);
  char stamp[32];
  strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);
  snprintf(out, cap, "%s/%s-%s", w->output.dir, w->name, stamp);
  for (int n = 2; exists(out); n++)
    snprintf(out, cap, "%s/%s-%s-%d", w->output.dir, w->name, stamp, n);
  return 0;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
  (void)st;
  (void)flag;
  (void)ftw;
  return remove(path);
}

/* Removes the partial results directory of a failed run (depth first, links not followed). */
void gb_run_remove_tree(const char *path) {
  if (nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS) != 0)
    fprintf(stderr, "gamebench: could not remove %s: %s\n", path, strerror(errno));
}

static int write_results(const gb_workload *w, const gb_run_options *opt, const gb_run_totals *t,
                         const gb_sim_realism *realism, gb_run_outcome *outcome, gb_err *err) {
  char partial[4200];
  if (choose_dir(w, opt, t->start_wall_ns, outcome->dir, sizeof outcome->dir, err) != 0)
    return -1;
  snprintf(partial, sizeof partial, "%s.partial", outcome->dir);
  if (gb_run_mkdir_p(partial, err) != 0)
    return -1;
  int rc = gb_run_results_write(partial, w, t, err);
  if (rc == 0)
    rc = gb_realism_csv_write(partial, realism, err);
  if (rc == 0 && !opt->no_report)
    rc = gb_report_generate(partial, w->output.plots, err);
  if (rc == 0 && rename(partial, outcome->dir) != 0)
    rc = gb_err_set(err, GB_ERR_RUNTIME, "%s: cannot rename to %s: %s", partial, outcome->dir,
                    strerror(errno));
  if (rc != 0)
    gb_run_remove_tree(partial);
  return rc;
}

static void print_summary(const gb_run_totals *t, const gb_run_outcome *o) {
  if (!t->rate_sustained)
    fprintf(stderr, "VERDICT: target rate not sustained (%.0f of %.0f events/s%s)\n",
            t->achieved_rate_eps, t->target_rate_eps,
            t->backlog_growing ? "; the backlog grew through the run" : "");
  if (!o->reconciled)
    fprintf(stderr,
            "VERDICT: events not reconciled: generated %" PRIu64 ", consumed %" PRIu64
            ", processed %" PRIu64 ", rejected %" PRIu64 ", lost %" PRIu64 "\n",
            t->events_generated, t->events_consumed, t->events_processed, t->events_rejected,
            t->events_lost);
  fprintf(stderr,
          "events: %" PRIu64 " generated, %" PRIu64 " processed, %" PRIu64 " rejected, %" PRIu64
          " lost; %.0f events/s over %.2f s; decision p99 %.0f us (corrected)\n",
          t->events_generated, t->events_processed, t->events_rejected, t->events_lost,
          t->achieved_rate_eps, t->wall_seconds,
          (double)gb_hist_percentile(t->hists->h[GB_STAGE_DECISION][GB_CORRECTED], 99) / 1000.0);
}

int gb_run_execute(const gb_workload *w, const gb_run_options *opt, gb_run_outcome *outcome,
                   gb_err *err) {
  memset(outcome, 0, sizeof *outcome);
  run_state rs;
  int rc = -1;
  run_merge m = {0};
  gb_run_totals t = {0};
  if (setup(&rs, w, opt, err) != 0)
    goto out;
  t.start_wall_ns = gb_clock_wall_ns();
  rs.ctx.start_ns = gb_clock_now_ns();
  rs.ctx.warmup_end_ns = rs.ctx.start_ns + w->warmup_ns;
  int64_t cpu_start_ns = process_cpu_ns();
  if (start_timelines(&rs, err) != 0)
    goto out;
  if (start_threads(&rs, err) != 0)
    goto out; /* cannot happen short of resource exhaustion; threads started are not joined */
  watch(&rs, opt->quiet);
  join_threads(&rs);
  int64_t end_ns = gb_clock_now_ns();
  outcome->cpu_seconds = (double)(process_cpu_ns() - cpu_start_ns) / 1e9;
  t.wall_seconds = (double)(end_ns - rs.ctx.start_ns) / 1e9;
  t.warmup_seconds = (double)w->warmup_ns / 1e9;
  t.end_wall_ns = gb_clock_wall_ns();
  if (finish_timelines(&rs, end_ns, err) != 0 || merge(&rs, &m, &t, err) != 0 ||
      gb_fingerprint_collect(&t.fingerprint, err) != 0)
    goto out;
  rates(w, &t);
  backlog_verdict(&rs, &t);
  /* At time_scale max there is no target rate: the simulator runs ahead of the engine by design
   * (as far as the queues let it), so a backlog there says nothing about a rate not sustained. */
  if (w->sim.time_scale != 0)
    t.rate_sustained = t.rate_sustained && !t.backlog_growing;
  /* Per partition too: what one partition lost another cannot make up for. */
  bool partitions_ok = gb_transport_reconcile(rs.ctx.transport, stderr);
  outcome->reconciled = reconciled(&t) && partitions_ok;
  if (write_results(w, opt, &t, m.realism, outcome, err) != 0)
    goto out;
  outcome->events_generated = t.events_generated;
  outcome->events_processed = t.events_processed;
  outcome->events_lost = t.events_lost;
  outcome->events_rejected = t.events_rejected;
  outcome->rate_sustained = t.rate_sustained;
  outcome->wall_seconds = t.wall_seconds;
  if (!opt->quiet)
    print_summary(&t, outcome);
  rc = 0;
out:
  merge_free(&m);
  teardown(&rs);
  return rc;
}
