/* `gamebench engine`: the engine as a long-running Kafka consumer-group service. Several of them
 * (on one machine or many) share the partitions of one run; `gamebench sim --to kafka` drives
 * them. SIGINT/SIGTERM stop it gracefully: the shards finish the message in hand, commit their
 * offsets and leave the group, so that the others take over their partitions at once. */
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "gb_cli.h"
#include "gb_clock.h"
#include "gb_live.h"
#include "gb_opts.h"
#include "gb_run.h"
#include "gb_shard.h"
#include "gb_thread.h"
#include "gb_transport_kafka.h"
#include "gb_workload.h"

enum { RECEIVE_BATCH = 256 /* events a shard takes per transport call */ };
/* An idle shard re-checks for work and for the stop request at least every 100 ms. */
#define IDLE_WAIT_NS 100000000LL
/* The main thread looks at the transport's health and the group's assignment every 200 ms while
 * it waits for a signal. */
#define HEALTH_POLL_NS 200000000L

static const char details[] =
    "Consumes the events of a run from Kafka (topics gamebench.<run>.card, .steam, .feedback,\n"
    "and .control) as members of the consumer group gamebench.<run>.engine, runs them through\n"
    "the pipeline (engine.threads shards, each a group member) and sends every decision back\n"
    "on gamebench.<run>.decisions. Start as many instances as you like: the group spreads the\n"
    "partitions over them (cooperative-sticky). A partition that changes hands is replayed\n"
    "from its start to rebuild its players' state, so results do not depend on how many\n"
    "instances ran or restarted. The workload must be the one the simulator runs (sim.threads\n"
    "and transport.partitions in particular). Learning arms (docs/algorithms.md) exchange\n"
    "their statistics per epoch with the other instances through gamebench.<run>.epochs.\n"
    "Rejected messages go to gamebench.<run>.deadletter (with their origin and reason), and\n"
    "each shard's aggregates to gamebench.<run>.aggregates before it acknowledges the end of a\n"
    "stream: the simulator's results report both (docs/kafka.md).\n\n"
    "Runs until SIGINT or SIGTERM, then commits its offsets, leaves the group and prints its\n"
    "counts on stderr. Exit status: 0 after a signal, 1 when the transport failed (e.g. data\n"
    "deleted before it was consumed), 2 for bad input.\n\n"
    "example:\n"
    "  gamebench engine workloads/default.yaml --brokers 127.0.0.1:9092 --run r1\n";

/* A long-running service keeps no dead-letter file: each reject goes to the dead-letter topic
 * (the simulator's results collect them); the first ones are shown on stderr too. */
enum { REJECTS_SHOWN = 10 };

typedef struct engine_shard {
  unsigned index;
  gb_shard *shard;
  gb_transport *transport;
  const char *engine_id; /* this process's, for the sources of its aggregates */
  pthread_t thread;
  _Atomic uint64_t rejected;     /* shown while below REJECTS_SHOWN */
  uint64_t aggregates_version;   /* snapshots published so far */
  uint64_t aggregates_processed; /* events processed at the last one */
} engine_shard;

static void on_rejected(void *ctx, unsigned shard, const void *msg, size_t len,
                        const char *reason) {
  engine_shard *sh = ctx;
  gb_transport_kafka_dead_letter(sh->transport, shard, msg, len, reason);
  if (atomic_fetch_add(&sh->rejected, 1) < REJECTS_SHOWN)
    fprintf(stderr, "gamebench engine: shard %u: rejected event: %s\n", shard, reason);
}

/* Before a shard acknowledges the end of a stream: a snapshot of its aggregates when it
 * processed anything since the last one, for the simulator's aggregates.csv and cube.gbc. */
static void on_stream_end(void *ctx, unsigned shard) {
  engine_shard *sh = &((engine_shard *)ctx)[shard];
  gb_pipeline_counts c;
  gb_shard_get_counts(sh->shard, &c);
  if (c.processed == sh->aggregates_processed)
    return;
  uint8_t *bytes = NULL;
  size_t len = 0;
  gb_err err = {0};
  if (gb_agg_encode_counts(gb_pipeline_agg(gb_shard_pipeline(sh->shard)), &bytes, &len, &err) !=
      0) {
    fprintf(stderr, "gamebench engine: shard %u: aggregates not published: %s\n", shard, err.msg);
    return;
  }
  char source[96];
  snprintf(source, sizeof source, "%s/%u", sh->engine_id, shard);
  gb_transport_kafka_publish_aggregates(sh->transport, shard, source, ++sh->aggregates_version,
                                        bytes, len);
  free(bytes);
  sh->aggregates_processed = c.processed;
}

static void *shard_main(void *arg) {
  engine_shard *sh = arg;
  gb_shard_run(sh->shard);
  return NULL;
}

/* The engine's shards: the same loop as `gamebench run`'s, run until a signal (a service),
 * sleeping up to IDLE_WAIT_NS when idle. */
static void send_contribution(void *ctx, const void *msg, size_t len) {
  gb_transport_kafka_exchange_send(ctx, msg, len);
}

static void on_exchange(void *ctx, const void *msg, size_t len) {
  gb_err err = {0};
  if (gb_epochs_receive(ctx, msg, len, &err) != 0)
    fprintf(stderr, "gamebench engine: exchange: %s (ignored)\n", err.msg);
}

/* Learning arms: their epochs close when every engine process has sent the statistics of its
 * partitions through the exchange topic (gb_epochs.h's shared mode); NULL *out otherwise. */
static int make_epochs(const gb_workload *w, const gb_arms *arms, gb_transport *t, gb_epochs **out,
                       gb_err *err) {
  int64_t tick = gb_reco_tick_of(arms);
  if (tick == 0)
    return 0;
  if (gb_epochs_new_shared(w->engine.threads, gb_transport_partitions(t), w->sim.threads, tick,
                           w->sim.start_ms, gb_arms_count(arms), send_contribution, t, out,
                           err) != 0)
    return -1;
  return gb_transport_kafka_exchange_start(t, on_exchange, *out, err);
}

static int make_shards(const gb_workload *w, gb_transport *t, const gb_arms *arms,
                       gb_epochs *epochs, const _Atomic bool *stop, engine_shard *shards,
                       unsigned n, const char *engine_id, gb_err *err) {
  uint32_t store_apps = 0;
  if (gb_run_store_apps_of(w, &store_apps, err) != 0)
    return -1;
  gb_pipeline_config pc;
  gb_run_pipeline_config(w, arms, n, store_apps, &pc);
  pc.replay_learns = true; /* a partition that changes hands rebuilds its epoch's increments */
  for (unsigned i = 0; i < n; i++) {
    shards[i].index = i;
    shards[i].transport = t;
    shards[i].engine_id = engine_id;
    gb_shard_config sc = {.index = i,
                          .transport = t,
                          .pipeline = &pc,
                          .encoded_replies = true,
                          .binary = w->transport.format == GB_FORMAT_BINARY,
                          .receive_batch = RECEIVE_BATCH,
                          .idle_wait_ns = IDLE_WAIT_NS,
                          .stop = stop,
                          .epochs = epochs,
                          .epochs_shared = true,
                          .hooks = {.ctx = &shards[i], .on_rejected = on_rejected}};
    if (gb_shard_new(&sc, &shards[i].shard, err) != 0)
      return -1;
  }
  gb_transport_kafka_on_stream_end(t, on_stream_end, shards);
  return 0;
}

static unsigned owned_partitions(const gb_transport *t, unsigned n_shards) {
  unsigned owned = 0;
  for (unsigned i = 0; i < n_shards; i++)
    owned += gb_transport_kafka_owned(t, i);
  return owned;
}

/* Waits for SIGINT or SIGTERM (blocked in every thread, so they come here), looking at the
 * transport's health meanwhile and saying each time the group changes this instance's share of
 * the partitions (operators and tests see when a scale-out took effect). Returns 0 after a
 * signal, -1 when the transport failed. */
static int wait_for_stop(gb_transport *t, unsigned n_shards, const sigset_t *signals, gb_err *err) {
  unsigned reported = UINT_MAX;
  for (;;) {
    unsigned owned = owned_partitions(t, n_shards);
    if (owned != reported) {
      fprintf(stderr, "gamebench engine: owns %u of %u partitions\n", owned,
              gb_transport_partitions(t));
      reported = owned;
    }
    struct timespec timeout = {.tv_sec = 0, .tv_nsec = HEALTH_POLL_NS};
    int sig = sigtimedwait(signals, NULL, &timeout);
    if (sig == SIGINT || sig == SIGTERM) {
      fprintf(stderr, "gamebench engine: %s: committing and leaving the group\n",
              sig == SIGINT ? "SIGINT" : "SIGTERM");
      return 0;
    }
    if (gb_transport_failed(t, err))
      return -1;
  }
}

static void print_counts(const engine_shard *shards, unsigned n, gb_transport *t) {
  gb_pipeline_counts total = {0};
  for (unsigned i = 0; i < n && shards[i].shard; i++) {
    gb_pipeline_counts c;
    gb_shard_get_counts(shards[i].shard, &c);
    gb_pipeline_counts_add(&total, &c);
  }
  gb_transport_stats ts;
  gb_transport_get_stats(t, &ts);
  fprintf(stderr,
          "gamebench engine: %" PRIu64 " events consumed, %" PRIu64 " processed, %" PRIu64
          " rejected, %" PRIu64 " duplicates, %" PRIu64 " decisions; %" PRIu64
          " replayed to rebuild state, %" PRIu64 " redelivered messages dropped\n",
          total.consumed, total.processed, total.rejected, total.duplicates, total.decisions,
          ts.replayed, ts.redelivered);
  for (unsigned p = 0; p < gb_transport_partitions(t); p++) {
    gb_transport_partition_stats ps;
    gb_transport_get_partition_stats(t, p, &ps);
    if (ps.consumed > 0)
      fprintf(stderr,
              "  partition %u: consumed %" PRIu64 ", delivered %" PRIu64 " (replayed %" PRIu64
              "), redelivered %" PRIu64 "\n",
              p, ps.consumed, ps.delivered, ps.replayed, ps.redelivered);
  }
  gb_transport_reconcile(t, stderr);
}

static int engine_transport(const gb_workload *w, const char *run_id, const gb_opt_list *props,
                            gb_transport **out, gb_err *err) {
  /* The producers are the simulator's threads: the engine tracks each one's streams. */
  gb_transport_config tc = {.n_producers = w->sim.threads,
                            .n_shards = w->engine.threads,
                            .queue_bytes = (size_t)w->engine.queue_capacity * 512};
  gb_transport_kafka_config kc = {.role = GB_KAFKA_ROLE_ENGINE,
                                  .brokers = w->transport.brokers,
                                  .run_id = run_id ? run_id : w->name,
                                  .partitions = w->transport.partitions,
                                  .props = props->items,
                                  .n_props = props->n};
  return gb_transport_kafka_new(&tc, &kc, out, err);
}

/* --http: the live server over the shards (gb_live.h); no latency here (the simulator measures). */
static int start_live(const gb_workload *w, const char *http, engine_shard *shards, unsigned n,
                      gb_shard ***live_shards, gb_live **live, gb_err *err) {
  if (!http)
    return 0;
  *live_shards = calloc(n, sizeof **live_shards);
  if (!*live_shards)
    return gb_err_set(err, GB_ERR_RUNTIME, "out of memory");
  for (unsigned i = 0; i < n; i++)
    (*live_shards)[i] = shards[i].shard;
  gb_live_config lc = {.address = http,
                       .shards = *live_shards,
                       .n_shards = n,
                       .workload = w->name,
                       .transport = "kafka",
                       .start_ns = gb_clock_now_ns()};
  if (gb_live_new(&lc, live, err) != 0)
    return -1;
  fprintf(stderr, "gamebench engine: serving http://%s (POST /query, GET /metrics)\n",
          gb_live_address(*live));
  return 0;
}

static int serve(const gb_workload *w, const char *run_id, const gb_opt_list *props,
                 const char *http, gb_err *err) {
  unsigned n = w->engine.threads;
  engine_shard *shards = calloc(n, sizeof *shards);
  gb_shard **live_shards = NULL;
  gb_live *live = NULL;
  gb_arms *arms = NULL;
  gb_transport *t = NULL;
  gb_epochs *epochs = NULL;
  _Atomic bool stop = false;
  unsigned started = 0;
  int rc = -1;
  /* This process among the run's engines (the sources of its aggregates): unique enough with
   * the process id and the clock, and never reused by a restarted engine. */
  char engine_id[48];
  snprintf(engine_id, sizeof engine_id, "%ld-%" PRIx64, (long)getpid(),
           (uint64_t)gb_clock_wall_ns());
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  /* Blocked before any thread starts (librdkafka's included): only sigtimedwait takes them. */
  pthread_sigmask(SIG_BLOCK, &signals, NULL);
  if (!shards) {
    gb_err_set(err, GB_ERR_RUNTIME, "out of memory");
    goto out;
  }
  if (gb_workload_arms(w, &arms, err) != 0 || engine_transport(w, run_id, props, &t, err) != 0 ||
      make_epochs(w, arms, t, &epochs, err) != 0 ||
      make_shards(w, t, arms, epochs, &stop, shards, n, engine_id, err) != 0 ||
      start_live(w, http, shards, n, &live_shards, &live, err) != 0)
    goto out;
  fprintf(stderr,
          "gamebench engine: %u shard(s) in group gamebench.%s.engine on %s (%u partitions); "
          "SIGINT or SIGTERM to stop\n",
          n, gb_transport_kafka_run_id(t), w->transport.brokers, w->transport.partitions);
  for (; started < n; started++) {
    if (pthread_create(&shards[started].thread, NULL, shard_main, &shards[started]) != 0) {
      gb_err_set(err, GB_ERR_RUNTIME, "cannot start engine thread %u", started);
      goto out;
    }
    gb_thread_name(shards[started].thread, "shard", (int)started);
  }
  rc = wait_for_stop(t, n, &signals, err);
out:
  atomic_store(&stop, true);
  if (epochs)
    gb_epochs_stop(epochs); /* a shard waiting for an epoch stops waiting */
  for (unsigned i = 0; i < started; i++)
    pthread_join(shards[i].thread, NULL);
  gb_live_free(live); /* before the shards it reads */
  free(live_shards);
  if (t) {
    print_counts(shards, n, t);
    gb_transport_free(t); /* final commits, leaves the group */
  }
  for (unsigned i = 0; shards && i < n; i++)
    gb_shard_free(shards[i].shard);
  free(shards);
  gb_epochs_free(epochs); /* after the transport: its exchange thread feeds it */
  gb_arms_free(arms);
  pthread_sigmask(SIG_UNBLOCK, &signals, NULL);
  return rc;
}

int gb_cmd_engine(int argc, char **argv) {
  const char *brokers = NULL, *run_id = NULL, *http = NULL;
  gb_opt_list sets = {0}, props = {0};
  const gb_opt opts[] = {
      {"brokers", 'b', GB_OPT_STRING, &brokers, "HOST:PORT[,...]",
       "Kafka bootstrap servers (default: the workload's transport.brokers; not embedded)", 0, 0},
      {"run", 0, GB_OPT_STRING, &run_id, "ID",
       "topic namespace gamebench.ID.*, as given to gamebench sim (default: the workload's "
       "name)",
       0, 0},
      {"set", 's', GB_OPT_LIST, &sets, "KEY=VALUE", "override a workload key (repeatable)", 0, 0},
      {"http", 0, GB_OPT_STRING, &http, "[HOST:]PORT",
       "serve POST /query (this engine's stats cube, docs/queries.md) and GET /metrics "
       "(Prometheus text); loopback unless HOST is given; port 0 picks a free port",
       0, 0},
      {"property", 'X', GB_OPT_LIST, &props, "KEY=VALUE",
       "Kafka client property (librdkafka, or gamebench.*: docs/kafka.md), repeatable", 0, 0},
      {0},
  };
  const gb_cmd_spec spec = {.name = "engine",
                            .usage = "WORKLOAD --brokers HOST:PORT [options]",
                            .summary = "Run the engine as a Kafka consumer-group service.",
                            .details = details,
                            .min_positional = 1,
                            .max_positional = 1,
                            .opts = opts};
  gb_opts_result res;
  int parsed = gb_opts_command(&spec, argc, argv, &res);
  if (parsed >= 0)
    return parsed;
  gb_err err = {0};
  gb_workload *w = NULL;
  if (gb_workload_load_kafka(res.positional[0], NULL, 0, &sets, brokers, &w, &err) != 0)
    return gb_opts_fail(&err);
  int rc = serve(w, run_id, &props, http, &err);
  gb_workload_free(w);
  return rc == 0 ? 0 : gb_opts_fail(&err);
}
