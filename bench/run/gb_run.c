#include "gb_run_int.h"

#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gb_clock.h"
#include "gb_grow.h"
#include "gb_progress_line.h"
#include "gb_thread.h"
#include "gb_transport_kafka.h"

/* ---- set-up and tear-down */

static int make_transport(gb_run_state *rs, const gb_run_options *opt, gb_err *err) {
  const gb_workload *w = rs->ctx.w;
  /* queue_capacity counts events; a JSON event is a few hundred bytes, so 512 bytes per event */
  gb_transport_config tc = {.n_producers = w->sim.threads,
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
                                  .throughput = w->sim.time_scale == 0,
                                  .instance = opt->instance,
                                  .instances = opt->instances};
  rs->ctx.json_replies = true;
  return gb_transport_kafka_new(&tc, &kc, &rs->ctx.transport, err);
}

static void wake_transport(void *ctx) { gb_transport_wake_all(ctx); }

/* A contribution read from the exchange: the simulator's process only follows the gate. */
static void on_exchange(void *ctx, const void *msg, size_t len) {
  gb_err err = {0};
  if (gb_epochs_receive(ctx, msg, len, &err) != 0)
    fprintf(stderr, "gamebench: exchange: %s (ignored)\n", err.msg);
}

/* The learning arms' epochs across this process's shards (none when no arm learns); for the
 * simulator alone, the gate of epochs the separate engine processes close (gb_epochs.h). */
static int make_epochs(gb_run_state *rs, const gb_run_options *opt, gb_err *err) {
  int64_t tick = gb_reco_tick_of(rs->ctx.arms);
  if (tick == 0)
    return 0;
  unsigned partitions = gb_transport_partitions(rs->ctx.transport);
  if (!opt->sim_only) {
    if (gb_epochs_new(rs->n_shards, partitions, rs->n_producers, tick, rs->ctx.w->sim.start_ms,
                      gb_arms_count(rs->ctx.arms), &rs->ctx.epochs, err) != 0)
      return -1;
    /* the threads asleep at a boundary look again at once rather than after their idle sleep */
    gb_epochs_on_change(rs->ctx.epochs, wake_transport, rs->ctx.transport);
    return 0;
  }
  if (gb_epochs_new_shared(0, partitions, rs->ctx.w->sim.threads, tick, rs->ctx.w->sim.start_ms, 0,
                           NULL, NULL, &rs->ctx.epochs, err) != 0)
    return -1;
  return gb_transport_kafka_exchange_start(rs->ctx.transport, on_exchange, rs->ctx.epochs, err);
}

/* The simulators keep the ground truth of the logging arm's decisions (gb_run_ope_rows.c). */
static int mark_truth_arms(gb_run_state *rs, gb_err *err) {
  size_t logging = gb_run_ope_logging_arm(rs->ctx.arms);
  if (logging == SIZE_MAX || rs->n_shards == 0)
    return 0;
  rs->ctx.truth_arms = calloc(gb_arms_count(rs->ctx.arms), sizeof *rs->ctx.truth_arms);
  if (!rs->ctx.truth_arms)
    return gb_err_set(err, GB_ERR_RUNTIME, "out of memory");
  rs->ctx.truth_arms[logging] = true;
  return 0;
}

static int setup(gb_run_state *rs, const gb_workload *w, const gb_run_options *opt, gb_err *err) {
  memset(rs, 0, sizeof *rs);
  rs->ctx.w = w;
  rs->ctx.binary = w->transport.format == GB_FORMAT_BINARY;
  gb_doorbell_init(&rs->ctx.done_bell);
  rs->n_shards = opt->sim_only ? 0 : w->engine.threads;
  rs->collect_remote = opt->sim_only && opt->instances <= 1;
  rs->n_producers = w->sim.threads;
  if (opt->sim_only && w->transport.kind != GB_TRANSPORT_KAFKA)
    return gb_err_set(err, GB_ERR_INPUT, "the simulator alone needs transport.kind kafka");
  if (opt->instances > 1) {
    if (!opt->sim_only || opt->instance >= opt->instances)
      return gb_err_set(err, GB_ERR_INPUT, "--instance %u/%u: expected 1 <= K <= N, simulator only",
                        opt->instance + 1, opt->instances);
    if (w->sim.threads < opt->instances)
      return gb_err_set(err, GB_ERR_INPUT,
                        "--instance %u/%u: sim.threads is %u, fewer than the %u instances (each "
                        "instance runs whole simulator threads: set sim.threads to a multiple "
                        "of N)",
                        opt->instance + 1, opt->instances, w->sim.threads, opt->instances);
    rs->ctx.first_producer = opt->instance;
    rs->n_producers = (w->sim.threads - opt->instance + opt->instances - 1) / opt->instances;
  }
  if (gb_workload_arms(w, &rs->ctx.arms, err) != 0)
    return -1;
  rs->shards = calloc(rs->n_shards ? rs->n_shards : 1, sizeof *rs->shards);
  rs->producers = calloc(rs->n_producers, sizeof *rs->producers);
  if (!rs->shards || !rs->producers)
    return gb_err_set(err, GB_ERR_RUNTIME, "out of memory");
  if (make_transport(rs, opt, err) != 0 || make_epochs(rs, opt, err) != 0 ||
      mark_truth_arms(rs, err) != 0)
    return -1;
  if (gb_run_store_setup(rs, err) != 0 || gb_run_setup_producers(rs, opt, err) != 0 ||
      gb_run_setup_shards(rs, err) != 0)
    return -1;
  return 0;
}

static void teardown(gb_run_state *rs) {
  gb_live_free(rs->live); /* first: it reads the shards */
  free(rs->live_shards);
  free(rs->live_hists);
  for (unsigned i = 0; rs->shards && i < rs->n_shards; i++) {
    gb_run_shard *sh = &rs->shards[i];
    gb_shard_free(sh->shard);
    gb_run_hists_free(&sh->hists);
    gb_hist_free(sh->live);
  }
  for (unsigned i = 0; rs->producers && i < rs->n_producers; i++) {
    gb_sim_free(rs->producers[i].sim);
    gb_store_sim_free(rs->producers[i].store);
    gb_run_hists_free(&rs->producers[i].hists);
    free(rs->producers[i].buf);
    free(rs->producers[i].batch);
    gb_decision_codec_free(rs->producers[i].codec);
  }
  free(rs->shards);
  free(rs->producers);
  free(rs->backlog);
  gb_transport_free(rs->ctx.transport);
  gb_epochs_free(rs->ctx.epochs);
  free(rs->ctx.truth_arms);
  gb_arms_free(rs->ctx.arms);
  gb_catalog_free(rs->ctx.catalog);
  gb_store_catalog_free(rs->ctx.store_catalog);
  gb_run_control_free(rs->ctx.control);
}

/* ---- the live HTTP server (--http) */

static int start_live(gb_run_state *rs, const gb_run_options *opt, gb_err *err) {
  if (!opt->http)
    return 0;
  if (rs->n_shards == 0)
    return gb_err_set(err, GB_ERR_INPUT, "--http: this process runs no engine shard");
  rs->live_shards = calloc(rs->n_shards, sizeof *rs->live_shards);
  rs->live_hists = calloc(rs->n_shards, sizeof *rs->live_hists);
  if (!rs->live_shards || !rs->live_hists)
    return gb_err_set(err, GB_ERR_RUNTIME, "out of memory");
  for (unsigned i = 0; i < rs->n_shards; i++) {
    rs->live_shards[i] = rs->shards[i].shard;
    rs->live_hists[i] = &rs->shards[i].hists;
  }
  const gb_workload *w = rs->ctx.w;
  gb_live_config lc = {.address = opt->http,
                       .shards = rs->live_shards,
                       .n_shards = rs->n_shards,
                       .hists = rs->live_hists,
                       .events_generated = &rs->ctx.progress_events,
                       .workload = w->name,
                       .transport = w->transport.kind == GB_TRANSPORT_KAFKA ? "kafka" : "inproc",
                       .start_ns = gb_clock_now_ns()};
  if (gb_live_new(&lc, &rs->live, err) != 0)
    return -1;
  fprintf(stderr, "gamebench run: serving http://%s (POST /query, GET /metrics)\n",
          gb_live_address(rs->live));
  return 0;
}

/* --http-hold: the results are written; the server answers on the final state until a signal
 * (the run's handler records it; looked at every PROGRESS_POLL_NS). */
static void hold_live(const gb_run_state *rs, const gb_run_outcome *o, gb_run_signals *sig) {
  fprintf(stderr, "gamebench run: results in %s; serving http://%s until SIGINT or SIGTERM\n",
          o->dir, gb_live_address(rs->live));
  while (gb_run_signals_take(sig) == 0)
    gb_clock_sleep_until_ns(gb_clock_now_ns() + PROGRESS_POLL_NS);
  fprintf(stderr, "gamebench run: %s: stopping the HTTP server\n", gb_run_signal_name(sig->last));
}

/* ---- running */

static int start_timelines(gb_run_state *rs, gb_err *err) {
  for (unsigned i = 0; i < rs->n_shards; i++)
    if (gb_run_hists_start_timeline(&rs->shards[i].hists, rs->ctx.start_ns, err) != 0)
      return -1;
  for (unsigned i = 0; i < rs->n_producers; i++)
    if (gb_run_hists_start_timeline(&rs->producers[i].hists, rs->ctx.start_ns, err) != 0)
      return -1;
  return 0;
}

/* Seals every thread's timeline at end_ns (merging needs finished timelines). */
static int finish_timelines(gb_run_state *rs, int64_t end_ns, gb_err *err) {
  for (unsigned i = 0; i < rs->n_shards; i++)
    if (gb_timeline_finish(rs->shards[i].hists.timeline, end_ns, err) != 0)
      return -1;
  for (unsigned i = 0; i < rs->n_producers; i++)
    if (gb_timeline_finish(rs->producers[i].hists.timeline, end_ns, err) != 0)
      return -1;
  return 0;
}

static int start_threads(gb_run_state *rs, gb_err *err) {
  for (unsigned i = 0; i < rs->n_shards; i++) {
    if (pthread_create(&rs->shards[i].thread, NULL, gb_run_shard_main, &rs->shards[i]) != 0)
      return gb_err_set(err, GB_ERR_RUNTIME, "cannot start engine thread %u", i);
    gb_thread_name(rs->shards[i].thread, "shard", (int)i);
  }
  for (unsigned i = 0; i < rs->n_producers; i++) {
    if (pthread_create(&rs->producers[i].thread, NULL, gb_run_producer_main, &rs->producers[i]) !=
        0)
      return gb_err_set(err, GB_ERR_RUNTIME, "cannot start simulator thread %u", i);
    gb_thread_name(rs->producers[i].thread, "sim", (int)i);
  }
  return 0;
}

/* One backlog sample per poll. The verdict reads them all: a sample is never skipped, and a
 * failed growth stops the program (the run's measurement state, gb_grow.h). */
static void sample_backlog(gb_run_state *rs) {
  GB_GROW_OR_DIE(rs->backlog, rs->backlog_cap, rs->n_backlog + 1, 1024, "backlog samples");
  gb_transport_stats ts;
  gb_transport_get_stats(rs->ctx.transport, &ts);
  rs->backlog[rs->n_backlog++] = ts.sent > ts.received ? ts.sent - ts.received : 0;
}

/* transport.drain_timeout (Kafka, with this process's shards): events or replies in flight and
 * none delivered for that long — a broker gone for good, which librdkafka would report only
 * after its message timeout (300 s) — fails the transport, naming the partitions whose events
 * did not all reach the engine; the threads then stop as after any transport failure, and the
 * run ends with that error and no results (gb_run_execute). */
static void check_drain(gb_run_state *rs, int64_t now) {
  const gb_workload *w = rs->ctx.w;
  if (w->transport.kind != GB_TRANSPORT_KAFKA || rs->n_shards == 0 || rs->drain_expired)
    return;
  gb_transport_stats ts;
  gb_transport_get_stats(rs->ctx.transport, &ts);
  uint64_t moved = ts.received + ts.replies_received;
  bool in_flight = ts.sent > ts.received || ts.replies_sent > ts.replies_received;
  if (moved != rs->drain_moved || !in_flight || rs->drain_since_ns == 0) {
    rs->drain_moved = moved;
    rs->drain_since_ns = now;
    return;
  }
  if (now - rs->drain_since_ns < w->transport.drain_timeout_ms * 1000000)
    return;
  char *m = rs->drain_failure;
  size_t cap = sizeof rs->drain_failure;
  int n = snprintf(m, cap,
                   "transport.drain_timeout: nothing delivered for %.1f s with %" PRIu64
                   " events and %" PRIu64
                   " replies in flight (the broker is unreachable or gone); partitions not "
                   "drained (sent/received):",
                   (double)w->transport.drain_timeout_ms / 1000.0, ts.sent - ts.received,
                   ts.replies_sent - ts.replies_received);
  unsigned parts = gb_transport_partitions(rs->ctx.transport), listed = 0;
  for (unsigned p = 0; p < parts && n > 0 && (size_t)n < cap; p++) {
    gb_transport_partition_stats ps;
    gb_transport_get_partition_stats(rs->ctx.transport, p, &ps);
    uint64_t received = ps.delivered - ps.replayed;
    if (ps.sent <= received)
      continue;
    /* room for the last item and " …": partitions beyond are counted, not named */
    if ((size_t)n + 48 > cap) {
      n += snprintf(m + n, cap - (size_t)n, " …");
      break;
    }
    n += snprintf(m + n, cap - (size_t)n, "%s %u (%" PRIu64 "/%" PRIu64 ")", listed ? "," : "", p,
                  ps.sent, received);
    listed++;
  }
  if (listed == 0 && n > 0 && (size_t)n < cap)
    snprintf(m + n, cap - (size_t)n, " none (replies only)");
  rs->drain_expired = true;
  gb_transport_kafka_fail(rs->ctx.transport, rs->drain_failure);
}

/* Waits until deadline (gb_clock ns) or until every thread has finished; false in that case. */
static bool wait_for_threads(gb_run_state *rs, unsigned total, int64_t deadline) {
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

/* A signal taken while the run goes on: the first stops the simulator (the run drains and writes
 * its results, marked interrupted), the second ends the process without results. */
static void on_signals(gb_run_state *rs, gb_run_signals *sig, const char *dir) {
  if (gb_run_signals_take(sig) == 0)
    return;
  if (sig->count >= 2) {
    char partial[4200];
    snprintf(partial, sizeof partial, "%s.partial", dir);
    gb_run_signals_abort(sig, partial);
  }
  if (!atomic_load(&rs->ctx.stop)) {
    fprintf(stderr,
            "gamebench run: %s: stopping the simulator; the results will be marked interrupted "
            "(%s again aborts without results)\n",
            gb_run_signal_name(sig->first), gb_run_signal_name(sig->first));
    atomic_store(&rs->ctx.stop, true);
    gb_transport_wake_all(rs->ctx.transport); /* waiting simulator threads look at once */
  }
}

/* Shows progress until every thread has finished; samples the transport's backlog meanwhile,
 * and takes SIGINT and SIGTERM (on_signals). */
static void watch(gb_run_state *rs, bool quiet, gb_run_signals *sig, const char *dir) {
  gb_progress_line *pl = NULL;
  /* Out of memory: the run goes on without its progress line (a display, not a result). */
  (void)gb_progress_line_new(stderr, gb_progress_line_wanted(stderr, quiet), &pl, NULL);
  unsigned total = rs->n_shards + rs->n_producers;
  while (atomic_load(&rs->ctx.threads_done) < total) {
    on_signals(rs, sig, dir);
    int64_t now = gb_clock_now_ns();
    if (!wait_for_threads(rs, total, now + PROGRESS_POLL_NS))
      break; /* all done: the run ends now, not at the end of the poll period */
    sample_backlog(rs);
    check_drain(rs, now);
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

static void join_threads(gb_run_state *rs) {
  for (unsigned i = 0; i < rs->n_producers; i++)
    pthread_join(rs->producers[i].thread, NULL);
  for (unsigned i = 0; i < rs->n_shards; i++)
    pthread_join(rs->shards[i].thread, NULL);
}

/* CPU time of the whole process so far (ns): what a run costs, whatever else runs meanwhile. */
static int64_t process_cpu_ns(void) {
  struct timespec ts;
  if (clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts) != 0)
    return 0;
  return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void print_summary(const gb_run_totals *t, const gb_run_outcome *o) {
  if (!t->rate_sustained)
    fprintf(stderr, "VERDICT: target rate not sustained (%.0f of %.0f events/s%s)\n",
            t->achieved_rate_eps, t->target_rate_eps,
            t->backlog_growing ? "; the backlog grew through the run" : "");
  if (!o->reconciled)
    fprintf(stderr,
            "VERDICT: events not gb_run_reconciled: generated %" PRIu64 ", consumed %" PRIu64
            ", processed %" PRIu64 ", rejected %" PRIu64 ", lost %" PRIu64 "\n",
            t->events_generated, t->events_consumed, t->events_processed, t->events_rejected,
            t->events_lost);
  const gb_hist *decision = t->hists->h[GB_STAGE_DECISION][GB_CORRECTED];
  char latency[96];
  if (gb_hist_count(decision) > 0)
    snprintf(latency, sizeof latency, "decision p99 %.0f us (corrected)",
             (double)gb_hist_percentile(decision, 99) / 1000.0);
  else /* not "0 us": there is nothing to measure */
    snprintf(latency, sizeof latency, "no decision latency after the %.1f s warm-up",
             t->warmup_seconds);
  fprintf(stderr,
          "events: %" PRIu64 " generated, %" PRIu64 " processed, %" PRIu64 " rejected, %" PRIu64
          " lost; %.0f events/s over %.2f s; %s\n",
          t->events_generated, t->events_processed, t->events_rejected, t->events_lost,
          t->achieved_rate_eps, t->wall_seconds, latency);
}

/* Sim time reached (ms since start_ms): the furthest event any simulator thread sent. */
static int64_t sim_reached_ms(const gb_run_state *rs) {
  int64_t last = rs->ctx.w->sim.start_ms;
  for (unsigned i = 0; i < rs->n_producers; i++)
    last = rs->producers[i].last_ts > last ? rs->producers[i].last_ts : last;
  return last - rs->ctx.w->sim.start_ms;
}

int gb_run_execute(const gb_workload *w, const gb_run_options *opt, gb_run_outcome *outcome,
                   gb_err *err) {
  memset(outcome, 0, sizeof *outcome);
  gb_run_state rs;
  memset(&rs, 0, sizeof rs);
  int rc = -1;
  gb_run_merged m = {0};
  gb_run_totals t = {0};
  bool reserved = false, handling = false;
  gb_run_signals sig;
  if (setup(&rs, w, opt, err) != 0 || start_live(&rs, opt, err) != 0)
    goto out;
  t.start_wall_ns = gb_clock_wall_ns();
  /* The results directory before the run: one that cannot be written fails now, not after it.
   * The signals are handled from then on, until the end: before, a Ctrl-C (during a long Kafka
   * set-up, say) ends the process at once, with nothing made yet. */
  gb_run_signals_begin(&sig);
  handling = true;
  if (gb_run_reserve_dir(w, opt, t.start_wall_ns, outcome->dir, sizeof outcome->dir, err) != 0)
    goto out;
  reserved = true;
  rs.ctx.start_ns = gb_clock_now_ns();
  rs.ctx.warmup_end_ns = rs.ctx.start_ns + w->warmup_ns;
  int64_t cpu_start_ns = process_cpu_ns();
  if (start_timelines(&rs, err) != 0)
    goto out;
  if (start_threads(&rs, err) != 0)
    goto out; /* cannot happen short of resource exhaustion; threads started are not joined */
  watch(&rs, opt->quiet, &sig, outcome->dir);
  join_threads(&rs);
  if (rs.drain_expired) { /* no results: what they would say is that the broker went away */
    gb_err_set(err, GB_ERR_RUNTIME, "%s", rs.drain_failure);
    goto out;
  }
  int64_t end_ns = gb_clock_now_ns();
  outcome->cpu_seconds = (double)(process_cpu_ns() - cpu_start_ns) / 1e9;
  t.wall_seconds = (double)(end_ns - rs.ctx.start_ns) / 1e9;
  t.warmup_seconds = (double)w->warmup_ns / 1e9;
  t.end_wall_ns = gb_clock_wall_ns();
  if (finish_timelines(&rs, end_ns, err) != 0 || gb_run_merge(&rs, &m, &t, err) != 0 ||
      gb_fingerprint_collect(&t.fingerprint, err) != 0)
    goto out;
  if (w->transport.kind == GB_TRANSPORT_KAFKA)
    t.run_id = gb_transport_kafka_run_id(rs.ctx.transport);
  t.instance = opt->instance;
  t.instances = opt->instances;
  if (atomic_load(&rs.ctx.stop)) {
    t.interrupted = sig.first;
    t.sim_reached_seconds = (double)sim_reached_ms(&rs) / 1000.0;
  }
  gb_run_rates(w, &t);
  gb_run_backlog_verdict(&rs, &t);
  /* At time_scale max there is no target rate: the simulator runs ahead of the engine by design
   * (as far as the queues let it), so a backlog there says nothing about a rate not sustained. */
  if (w->sim.time_scale != 0)
    t.rate_sustained = t.rate_sustained && !t.backlog_growing;
  /* Per partition too: what one partition lost another cannot make up for. */
  bool partitions_ok = gb_transport_reconcile(rs.ctx.transport, stderr);
  outcome->reconciled = gb_run_reconciled(&t) && partitions_ok;
  t.quiet = opt->quiet;
  reserved = false; /* the writer removes the .partial directory when it fails */
  if (gb_run_write_results(w, opt, &t, m.realism, m.store, outcome->dir, &sig, err) != 0)
    goto out;
  outcome->interrupted = t.interrupted;
  outcome->events_generated = t.events_generated;
  outcome->events_processed = t.events_processed;
  outcome->events_lost = t.events_lost;
  outcome->events_rejected = t.events_rejected;
  outcome->rate_sustained = t.rate_sustained;
  outcome->wall_seconds = t.wall_seconds;
  if (!opt->quiet)
    print_summary(&t, outcome);
  if (t.interrupted)
    fprintf(stderr, "gamebench run: interrupted by %s at sim time %.0f s of %.0f s\n",
            gb_run_signal_name(t.interrupted), t.sim_reached_seconds,
            (double)w->sim.duration_ms / 1000.0);
  if (opt->http && opt->http_hold)
    hold_live(&rs, outcome, &sig);
  rc = 0;
out:
  if (reserved) {
    char partial[4200];
    snprintf(partial, sizeof partial, "%s.partial", outcome->dir);
    gb_run_remove_tree(partial);
  }
  gb_run_merge_free(&m);
  teardown(&rs);
  if (handling)
    gb_run_signals_end(&sig);
  return rc;
}
