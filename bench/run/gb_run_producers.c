/* The run's simulator threads: pacing events to their intended emit times, sending them, taking
 * the answers, and operators' changes (--control) at their boundaries. */
#include "gb_run_int.h"

#include <stdlib.h>
#include <string.h>

#include "gb_clock.h"
#include "gb_codec.h"

/* ---- the thread's players: the card platform's, the store's, or both (a mixed run), as one
 * stream in (sim time, platform) order — card first at equal times, so the merge is the same
 * in every run */

/* Whether an answer is for the store's players: theirs alone, or ids above the card
 * platform's 32 bits in a mixed run. */
static bool for_store(const gb_run_producer *pr, const gb_decision *d) {
  return pr->store &&
         (pr->run->w->sim.platforms == GB_PLATFORMS_STORE || d->player_id > UINT32_MAX);
}

static int64_t players_peek_ts(const gb_run_producer *pr) {
  int64_t card = gb_sim_peek_ts(pr->sim);
  int64_t store = pr->store ? gb_store_sim_peek_ts(pr->store) : INT64_MAX;
  return card <= store ? card : store;
}

static uint64_t players_waiting(const gb_run_producer *pr) {
  return gb_sim_waiting(pr->sim) + (pr->store ? gb_store_sim_waiting(pr->store) : 0);
}

static gb_sim_status store_status(gb_store_sim_status st) {
  switch (st) {
  case GB_STORE_SIM_EVENT:
    return GB_SIM_EVENT;
  case GB_STORE_SIM_NOT_YET:
    return GB_SIM_NOT_YET;
  case GB_STORE_SIM_BLOCKED:
    return GB_SIM_BLOCKED;
  default:
    return GB_SIM_DONE;
  }
}

/* The next event at or before until_ms from whichever platform has the earlier one. */
static gb_sim_status players_next(gb_run_producer *pr, int64_t until_ms, gb_event *ev) {
  if (pr->store && gb_store_sim_peek_ts(pr->store) < gb_sim_peek_ts(pr->sim)) {
    gb_sim_status st = store_status(gb_store_sim_next(pr->store, until_ms, ev));
    pr->store_events += st == GB_SIM_EVENT;
    return st;
  }
  return gb_sim_next(pr->sim, until_ms, ev);
}

/* Hands the answers taken so far to the simulator, in the order they came. */
static void deliver_answers(gb_run_producer *pr) {
  size_t card = 0; /* the card platform's answers are handed over in runs, in order */
  for (size_t i = 0; i < pr->n_batch; i++) {
    if (!for_store(pr, &pr->batch[i]))
      continue;
    if (i > card)
      gb_sim_on_decisions(pr->sim, pr->batch + card, i - card);
    gb_store_sim_on_decision(pr->store, &pr->batch[i]);
    card = i + 1;
  }
  if (pr->n_batch > card)
    gb_sim_on_decisions(pr->sim, pr->batch + card, pr->n_batch - card);
  pr->n_batch = 0;
  pr->batch_now_ns = 0;
}

static void on_reply_message(void *ctx, const void *msg, size_t len) {
  gb_run_producer *pr = ctx;
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
   * decided at or after it (in process, a shard may answer while the poll goes on; decided in
   * the very nanosecond of the read, on another core, it would measure 0 ns: below the
   * histogram's range). */
  if (pr->batch_now_ns == 0 || d->t_decided_ns >= pr->batch_now_ns)
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
static size_t take_replies(gb_run_producer *pr) {
  size_t n = gb_transport_poll_replies(pr->run->transport, pr->index, on_reply_message, pr);
  if (n > 0)
    deliver_answers(pr);
  return n;
}

/* Wall time (gb_clock) at which an event of sim time ts should be emitted. */
static int64_t intended_ns(const gb_run_ctx *run, int64_t ts) {
  double scale = run->w->sim.time_scale;
  return run->start_ns + (int64_t)((double)(ts - run->w->sim.start_ms) * 1e6 / scale);
}

/* The latest sim time whose events are due now (as fast as possible: all of them, and no clock
 * read). */
static int64_t sim_now_ms(const gb_run_ctx *run) {
  double scale = run->w->sim.time_scale;
  if (scale == 0)
    return INT64_MAX;
  return run->w->sim.start_ms +
         (int64_t)((double)(gb_clock_now_ns() - run->start_ns) * scale / 1e6);
}

/* Adds events to the progress line's count; simulator thread 0 also shows its sim time. */
static void publish_progress(gb_run_producer *pr, uint64_t events, int64_t ts) {
  atomic_fetch_add_explicit(&pr->run->progress_events, events, memory_order_relaxed);
  if (pr->index == pr->run->first_producer)
    atomic_store_explicit(&pr->run->progress_sim_ms, ts, memory_order_relaxed);
}

static void send_event(gb_run_producer *pr, gb_event *ev) {
  gb_run_ctx *run = pr->run;
  int64_t now = gb_clock_now_ns();
  /* The next player's state loads while this event is encoded and sent: after the clock read,
   * which would wait for it. */
  gb_sim_prefetch_next(pr->sim);
  ev->t_intended_ns = run->w->sim.time_scale == 0 ? now : intended_ns(run, ev->ts);
  ev->t_sent_ns = now;
  size_t len = gb_event_encode_wire(ev, run->binary, pr->buf, pr->buf_cap);
  if (len >= pr->buf_cap) /* the simulator's events are far below the transport's limit */
    GB_FATAL("a %s event of %zu bytes does not fit the transport's %zu-byte messages",
             gb_event_type_name(ev->type), len, pr->buf_cap);
  gb_transport_send_on(run->transport, pr->index, gb_event_channel_of(ev->type), ev->player_id,
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
static int64_t next_boundary(const gb_run_producer *pr) {
  const gb_run_control *c = pr->run->control;
  return pr->next_control < gb_run_control_count(c) ? gb_run_control_boundary(c, pr->next_control)
                                                    : INT64_MAX;
}

/* The next change may go once its time has come and this thread can emit nothing before its
 * boundary any more: every earlier event was sent (the next one is at or after it) and
 * answered (a player waiting for an answer may be due again before it). */
static bool change_due(const gb_run_producer *pr, int64_t now_ms) {
  int64_t b = next_boundary(pr);
  return b != INT64_MAX && now_ms >= b && players_peek_ts(pr) >= b && players_waiting(pr) == 0;
}

/* Sends the next change to every partition, then — with the shards in this process — waits
 * until every shard has read every copy of it from every simulator thread: each stream is in
 * order, so every event before the boundary has then been processed, and none after it yet. */
static void send_change(gb_run_producer *pr) {
  gb_run_ctx *run = pr->run;
  size_t k = pr->next_control++;
  gb_event ev = *gb_run_control_event(run->control, k); /* shares the definition, read-only */
  int64_t now = gb_clock_now_ns();
  ev.t_intended_ns =
      run->w->sim.time_scale == 0 ? now : intended_ns(run, ev.u.control.effective_ts);
  ev.t_sent_ns = now;
  size_t len = gb_event_encode_wire(&ev, run->binary, pr->buf, pr->buf_cap);
  /* gb_run sized buf for the largest definition (gb_transport_max_message) */
  if (len >= pr->buf_cap)
    GB_FATAL("challenge change %zu: %zu bytes do not fit the transport's %zu-byte messages", k, len,
             pr->buf_cap);
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

/* ---- the learning arms' epochs (gb_epochs.h) */

/* The sim time below which this thread may emit (INT64_MAX without learning arms). */
static int64_t epoch_gate(const gb_run_producer *pr) {
  return pr->run->epochs ? gb_epochs_gate(pr->run->epochs) : INT64_MAX;
}

/* A watermark is due once this thread can emit nothing below the gate any more: the next event
 * is at or after it, and no player waits for an answer (one could be due again before it). */
static bool watermark_due(const gb_run_producer *pr, int64_t gate) {
  return pr->run->epochs && gate > pr->marked && players_peek_ts(pr) >= gate &&
         players_waiting(pr) == 0;
}

/* Tells every partition that this thread's events from now on are at or after ts. */
static void send_watermark(gb_run_producer *pr, int64_t ts) {
  gb_run_ctx *run = pr->run;
  gb_event ev = {.event_id = UINT64_C(1) << 63 | (uint64_t)pr->index << 40 | ++pr->watermarks,
                 .type = GB_EV_WATERMARK,
                 .ts = ts,
                 .u.mark = {.producer = pr->index, .producers = (uint32_t)run->w->sim.threads}};
  ev.t_intended_ns = ev.t_sent_ns = gb_clock_now_ns();
  size_t len = gb_event_encode_wire(&ev, run->binary, pr->buf, pr->buf_cap);
  GB_ASSERT(len < pr->buf_cap);
  gb_transport_send_on(run->transport, pr->index, GB_CHANNEL_CONTROL, 0, pr->buf, len);
  pr->marked = ts;
}

/* Waits until the next event is due or an answer arrives (which may make a player due). The
 * last few microseconds are spun so that events leave on time. */
static void wait_for_due(gb_run_producer *pr) {
  int64_t next = players_peek_ts(pr);
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

/* gb_sim_next's answer, asking it only when an event is due: an idle loop polls the cheap
 * gb_sim_peek_ts instead, so that gb_sim_next runs once per event and its instruction count is
 * the simulator's work alone (`gamebench bench cost`'s simulator row), free of polling whose
 * amount depends on how the threads met. The statuses are gb_sim_next's (gb_sim.h). */
static gb_sim_status next_due(gb_run_producer *pr, int64_t until_ms, gb_event *ev) {
  int64_t next = players_peek_ts(pr);
  if (next <= until_ms)
    return players_next(pr, until_ms, ev);
  if (next != INT64_MAX)
    return GB_SIM_NOT_YET;
  return players_waiting(pr) > 0 ? GB_SIM_BLOCKED : GB_SIM_DONE;
}

/* The run was interrupted (gb_run_ctx.stop): nothing more is sent, but the players waiting for
 * an answer get it (the engine answers everything it was sent, and in process a reply ring
 * nobody reads would block the shard that writes to it). */
static void finish_interrupted(gb_run_producer *pr) {
  gb_run_ctx *run = pr->run;
  take_replies(pr);
  while (players_waiting(pr) > 0 && !gb_transport_failed(run->transport, NULL)) {
    gb_transport_wait_replies(run->transport, pr->index, IDLE_SLEEP_NS);
    take_replies(pr);
  }
  if (run->epochs) /* nothing more from this thread: the others' epochs must not wait */
    send_watermark(pr, INT64_MAX);
}

void *gb_run_producer_main(void *arg) {
  gb_run_producer *pr = arg;
  gb_run_ctx *run = pr->run;
  unsigned idle = 0;
  tighten_timer_slack();
  for (;;) {
    if (gb_transport_failed(run->transport, NULL))
      break; /* the run is over: its results show what was lost */
    if (atomic_load_explicit(&run->stop, memory_order_relaxed)) {
      finish_interrupted(pr);
      break;
    }
    if (take_replies(pr) > 0)
      idle = 0;
    gb_event ev;
    int64_t now_ms = sim_now_ms(run);
    if (change_due(pr, now_ms)) {
      send_change(pr);
      idle = 0;
      continue;
    }
    int64_t gate = epoch_gate(pr);
    if (watermark_due(pr, gate)) {
      send_watermark(pr, gate);
      idle = 0;
      continue;
    }
    /* Nothing at or after the next change's boundary before the change itself, nor at or after
     * the epochs' gate before the epoch closes. */
    int64_t boundary = next_boundary(pr);
    int64_t limit = boundary < gate ? boundary : gate;
    gb_sim_status st = next_due(pr, now_ms < limit ? now_ms : limit - 1, &ev);
    if (st == GB_SIM_EVENT) {
      send_event(pr, &ev);
      idle = 0;
    } else if (st == GB_SIM_NOT_YET && now_ms < limit) {
      wait_for_due(pr);
    } else if (st == GB_SIM_NOT_YET || st == GB_SIM_BLOCKED) {
      /* At a boundary, or every player waiting: only an answer moves things on. */
      if (idle_enough(&idle))
        gb_transport_wait_replies(run->transport, pr->index, IDLE_SLEEP_NS);
    } else if (boundary != INT64_MAX) {
      send_change(pr); /* every player is done: the changes left go now, in order */
    } else {
      if (run->epochs) /* nothing more from this thread: the others' epochs must not wait */
        send_watermark(pr, INT64_MAX);
      break;
    }
  }
  publish_progress(pr, pr->sent & (PROGRESS_EVERY - 1), pr->last_ts);
  gb_transport_producer_done(run->transport, pr->index);
  atomic_fetch_add(&run->threads_done, 1);
  gb_doorbell_ring(&run->done_bell);
  return NULL;
}

int gb_run_setup_producers(gb_run_state *rs, const gb_run_options *opt, gb_err *err) {
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
  unsigned stride = opt->instances > 1 ? opt->instances : 1;
  for (unsigned i = 0; i < rs->n_producers; i++) {
    gb_run_producer *pr = &rs->producers[i];
    /* With --instance, this process's share of the run's simulator threads: each one splits
     * the players as it would in a single process, so the streams are the same. */
    unsigned index = rs->ctx.first_producer + i * stride;
    gb_sim_config sc = {
        .seed = w->seed,
        .players = w->sim.platforms & GB_PLATFORMS_CARD ? w->sim.players : 0,
        .start_ms = w->sim.start_ms,
        .duration_ms = w->sim.duration_ms,
        .producer = index,
        .n_producers = w->sim.threads,
        .closed_loop = true,
        .catalog = rs->ctx.catalog,
        .arms = rs->ctx.arms,
        .n_arms = w->n_arms,
        .response = gb_response_defaults(),
        .model = &w->sim.model,
        .truth_arms = rs->ctx.truth_arms,
    };
    pr->run = &rs->ctx;
    pr->index = index;
    pr->marked = INT64_MIN;
    pr->buf_cap = gb_transport_max_message(rs->ctx.transport);
    pr->buf = malloc(pr->buf_cap);
    pr->batch = malloc(ANSWER_BATCH * sizeof *pr->batch);
    if (!pr->buf || !pr->batch)
      return gb_err_set(err, GB_ERR_RUNTIME, "out of memory");
    if (rs->ctx.json_replies && gb_decision_codec_new(&pr->codec, err) != 0)
      return -1;
    if (gb_sim_new(&sc, &pr->sim, err) != 0 || gb_run_hists_init(&pr->hists, err) != 0 ||
        gb_run_store_producer(rs, index, &pr->store, err) != 0)
      return -1;
  }
  return 0;
}
