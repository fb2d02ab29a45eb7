/* gb_run's private parts, shared by its files: the run's state, one record per engine shard
 * thread and per simulator thread, and the functions each file offers the others.
 *   gb_run.c           set-up, the threads, watching, tear-down, gb_run_execute
 *   gb_run_shards.c    the engine shards (gb_shard) and what they measure
 *   gb_run_producers.c the simulator threads: pacing, sending, answers, operators' changes
 *   gb_run_hists.c     per-thread latency histograms
 *   gb_run_merge.c     merging the threads' counts and measurements, the verdicts
 *   gb_run_remote.c    the separate engines' dead letters and aggregates (gamebench sim)
 *   gb_run_dir.c       the results directory
 *   gb_run_store.c     the Steam-style store: its catalogue, store_arms.csv, store_realism.csv */
#ifndef GB_RUN_INT_H
#define GB_RUN_INT_H

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/prctl.h>

#include "gb_catalog.h"
#include "gb_csv.h"
#include "gb_decision_codec.h"
#include "gb_doorbell.h"
#include "gb_hist.h"
#include "gb_live.h"
#include "gb_run.h"
#include "gb_run_control.h"
#include "gb_run_ope.h"
#include "gb_run_results.h"
#include "gb_shard.h"
#include "gb_sim.h"
#include "gb_sim_realism.h"
#include "gb_sim_truth.h"
#include "gb_stages.h"
#include "gb_store_catalog.h"
#include "gb_store_model.h"
#include "gb_store_sim.h"
#include "gb_timeline.h"
#include "gb_transport.h"

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

typedef struct gb_run_ctx {
  const gb_workload *w;
  gb_transport *transport;
  gb_arms *arms;           /* the A/B split, for the simulators and the shards (read-only) */
  gb_catalog *catalog;     /* the simulators' copy, for the ground truth */
  int64_t start_ns;        /* wall (gb_clock) time of sim time start_ms */
  int64_t warmup_end_ns;   /* samples intended before this are warm-up */
  unsigned first_producer; /* the lowest simulator thread index of this process (--instance) */
  _Atomic uint64_t progress_events; /* events sent, for the progress line */
  _Atomic int64_t progress_sim_ms;
  _Atomic unsigned threads_done;
  /* A first SIGINT or SIGTERM (gb_run_signals): the simulator threads send nothing more, take
   * the answers their waiting players are owed and finish; the shards drain as at a normal end. */
  _Atomic bool stop;
  gb_doorbell done_bell; /* rung by each thread as it finishes: the run's end is taken at once */
  bool json_replies;     /* decisions travel encoded (Kafka), not as raw structs (in process) */
  bool binary;           /* transport.format: binary events and decisions, else JSON */
  /* Operators' changes (--control): each is sent by every simulator thread to every partition
   * (copies_per_change copies); with the shards in this process, the simulator threads wait at
   * a change's boundary until the shards have read every copy (gb_run_control.h). */
  gb_run_control *control;
  uint64_t copies_per_change;
  _Atomic uint64_t control_copies_read; /* by all shards together */
  /* The learning arms' epochs (gb_epochs.h): the simulator threads emit only events below its
   * gate and send a watermark each time they have emitted everything below it. NULL when no
   * arm learns. */
  gb_epochs *epochs;
  /* [n_arms]: the simulators log the ground truth of this arm's decisions (the log of off-policy
   * evaluation); NULL when no arm logs for another */
  bool *truth_arms;
  /* The Steam-style store (sim.platform store or mixed; gb_run_store.c): its catalogue, shared
   * read-only by the simulator threads, and its model; NULL catalogue: no store. */
  gb_store_catalog *store_catalog;
  gb_store_model store_model;
} gb_run_ctx;

typedef struct gb_run_shard {
  gb_run_ctx *run;
  unsigned index;
  pthread_t thread;
  gb_shard *shard;
  gb_run_stage_hists hists;
  gb_pipeline_counts counts;   /* the shard's, once its thread has stopped */
  gb_hist *live;               /* e2e (corrected) of the current progress window */
  int64_t live_until;          /* end of the current window */
  _Atomic int64_t live_p99_ns; /* p99 of the last window, for the progress line */
} gb_run_shard;

typedef struct gb_run_producer {
  gb_run_ctx *run;
  unsigned index; /* the simulator thread's index among the run's sim.threads (the transport's
                     producer): with --instance, not its place in gb_run_state.producers */
  pthread_t thread;
  gb_sim *sim;           /* the card platform's players (none when sim.platform is store) */
  gb_store_sim *store;   /* the store's players, or NULL (sim.platform card) */
  uint64_t store_events; /* events the store's players emitted */
  gb_run_stage_hists hists;
  char *buf;
  size_t buf_cap;
  uint64_t sent;
  int64_t last_ts; /* sim time of the last event sent */
  uint64_t answers;
  gb_decision_codec *codec; /* JSON replies (Kafka) */
  size_t next_control;      /* the next operator change to send */
  uint64_t control_copies;  /* copies of operator changes sent (one per partition) */
  uint64_t watermarks;      /* watermark copies sent (gb_run_ctx.epochs: one per partition) */
  int64_t marked;           /* the last watermark sent (sim ms) */
  /* Answers decoded and measured, not yet handed to the simulator: a poll's replies go over
   * together (gb_sim_on_decisions), and share one clock read. */
  gb_decision *batch; /* [ANSWER_BATCH] */
  size_t n_batch;
  int64_t batch_now_ns; /* when the batch's first reply was taken; 0: not read yet */
} gb_run_producer;

typedef struct gb_run_state {
  gb_run_ctx ctx;
  /* the simulator alone, as the whole run (not one --instance of several): the engines' dead
   * letters and aggregates are read back from the broker (gb_run_remote.c) */
  bool collect_remote;
  gb_live *live;          /* NULL without --http */
  gb_shard **live_shards; /* [n_shards]: what the live server reads */
  const gb_run_stage_hists **live_hists;
  gb_run_shard *shards;
  gb_run_producer *producers;
  unsigned n_shards, n_producers;
  uint64_t *backlog; /* events sent but not yet received, sampled every PROGRESS_POLL_NS */
  size_t n_backlog, backlog_cap;
  /* transport.drain_timeout (gb_run.c, check_drain): what the transport had delivered at the
   * last look, since when, and the failure once it passed with nothing delivered */
  uint64_t drain_moved;
  int64_t drain_since_ns;
  bool drain_expired;
  char drain_failure[GB_ERR_MSG_MAX];
} gb_run_state;

/* What engines in other processes publish for the results (gb_run_remote.c). */
typedef struct gb_run_remote_source { /* one engine shard's latest aggregates */
  char *source;
  uint64_t version;
  uint8_t *bytes;
  size_t len;
} gb_run_remote_source;

typedef struct gb_run_remote {
  gb_run_dead_letter *dead; /* sorted by (topic, partition, offset), each once */
  size_t n_dead, dead_cap;
  uint64_t sequenced_rejected; /* of the dead letters, those from the simulator's streams */
  gb_run_remote_source *sources;
  size_t n_sources, sources_cap;
  bool failed; /* out of memory in a callback */
} gb_run_remote;

/* The store's results, merged over the simulator threads (gb_run_store.c). */
typedef struct gb_run_store_results gb_run_store_results;

typedef struct gb_run_merged {
  gb_run_stage_hists hists;
  gb_sim_arm_stats *arms;
  gb_sim_arm_period *arm_periods;       /* arms_daily.csv */
  gb_sim_arm_challenge *arm_challenges; /* challenges.csv */
  gb_agg *agg;
  const gb_dead_letter **dead;
  size_t *n_dead;
  gb_sim_realism *realism;                  /* realism.csv */
  gb_transport_partition_stats *partitions; /* partitions.csv */
  gb_decision_row *decisions;               /* decisions.csv */
  const gb_catalog **catalogs;              /* [n_shards]: each shard's, for its rows */
  const gb_decision_log **decision_logs;    /* [n_shards] */
  /* ope.csv (gb_run_ope_rows.c): the simulators' truth merged, the rows of each target */
  gb_sim_truth *truth;
  gb_ope_row *ope_rows;
  double *ope_truth;
  gb_run_ope_target *ope_targets;
  gb_run_remote remote;
  gb_run_store_results *store; /* store_arms.csv, store_realism.csv; NULL: no store */
} gb_run_merged;

/* ---- per-thread latency recording (gb_run_hists.c), inline where it is per event */

/* Records a latency measured from the intended emit time (corrected) and from the send. */
static inline void record_from(gb_run_stage_hists *h, gb_stage s, int64_t end, int64_t intended,
                               int64_t sent) {
  gb_timeline_record(h->timeline, s, end, end - intended);
  gb_hist_record(h->h[s][GB_CORRECTED], end - intended);
  gb_hist_record(h->h[s][GB_UNCORRECTED], end - sent);
}

/* A service time: the same in both views (nothing queues inside a stage), so it is recorded
 * once, in the corrected view; gb_run_hists_merge gives the run's uncorrected view the same
 * samples (a histogram record per stage and event less on the busiest threads). */
static inline void record_service(gb_run_stage_hists *h, gb_stage s, int64_t begin, int64_t end) {
  gb_timeline_record(h->timeline, s, end, end - begin);
  gb_hist_record(h->h[s][GB_CORRECTED], end - begin);
}

/* True once a thread has polled in vain long enough to sleep instead. */
static inline bool idle_enough(unsigned *idle) { return ++*idle > IDLE_SPINS; }

/* Latency-sensitive threads: timed waits wake on time, not up to 50 µs late (Linux's default
 * timer slack). */
static inline void tighten_timer_slack(void) { prctl(PR_SET_TIMERSLACK, TIMER_SLACK_NS, 0, 0, 0); }

int gb_run_hists_init(gb_run_stage_hists *h, gb_err *err);
int gb_run_hists_start_timeline(gb_run_stage_hists *h, int64_t start_ns, gb_err *err);
void gb_run_hists_free(gb_run_stage_hists *h);
/* A thread's histograms into the run's (service stages: the corrected view into both). */
int gb_run_hists_merge(gb_run_stage_hists *dst, const gb_run_stage_hists *src, gb_err *err);

/* ---- the engine shards (gb_run_shards.c) */

/* Creates rs->n_shards shards over rs->ctx.transport. */
int gb_run_setup_shards(gb_run_state *rs, gb_err *err);
/* A shard thread: the shard's loop until every producer is done and drained. */
void *gb_run_shard_main(void *arg);

/* ---- the simulator threads (gb_run_producers.c) */

/* Loads the simulators' catalogue and the --control changes, creates rs->n_producers
 * simulators. */
int gb_run_setup_producers(gb_run_state *rs, const gb_run_options *opt, gb_err *err);
/* A simulator thread: paces, sends and takes answers until its players are done. */
void *gb_run_producer_main(void *arg);

/* A CSV writer for dir/name with these columns (gb_csv.h), or NULL with err (gb_run_arms.c). */
gb_csv_writer *gb_run_open_csv(const char *dir, const char *name, const char *const *cols, size_t n,
                               gb_err *err);

/* ---- the Steam-style store (gb_run_store.c) */

/* Builds the store's catalogue (generated, or store.catalog) and model when sim.platform is
 * store or mixed; nothing otherwise. 0, or -1 with err (GB_ERR_INPUT naming a bad catalogue). */
int gb_run_store_setup(gb_run_state *rs, gb_err *err);
/* The store's apps (0: no store). */
uint32_t gb_run_store_apps(const gb_run_ctx *ctx);
/* Simulator thread index's store players into *out (NULL without a store). */
int gb_run_store_producer(gb_run_state *rs, unsigned index, gb_store_sim **out, gb_err *err);
/* Events the store's players emitted, all threads together. */
uint64_t gb_run_store_events(const gb_run_state *rs);
/* The store's results merged over the threads (*out NULL without a store). */
int gb_run_store_merge(gb_run_state *rs, gb_run_store_results **out, gb_err *err);
void gb_run_store_results_free(gb_run_store_results *s);
/* Writes store_arms.csv and store_realism.csv into dir (nothing when s is NULL). */
int gb_run_store_write(const char *dir, const gb_run_store_results *s, gb_err *err);

/* ---- the separate engines' results (gb_run_remote.c) */

/* Reads the dead letters and the latest aggregates of every engine shard from the broker into
 * r (the engines acknowledged every stream: gb_transport_kafka_collect_results). 0, or -1 with
 * err set. */
int gb_run_remote_collect(gb_transport *t, gb_run_remote *r, gb_err *err);
/* Adds every source's aggregates into dst (in source order). 0, or -1 with err naming the
 * source. */
int gb_run_remote_merge(const gb_run_remote *r, gb_agg *dst, gb_err *err);
void gb_run_remote_free(gb_run_remote *r);

/* ---- merging and verdicts (gb_run_merge.c) */

/* Merges every thread's counts and measurements into m and t (threads joined). */
int gb_run_merge(gb_run_state *rs, gb_run_merged *m, gb_run_totals *t, gb_err *err);
void gb_run_merge_free(gb_run_merged *m);

/* Off-policy evaluation (gb_run_ope_rows.c): the arm whose decisions are the log (SIZE_MAX:
 * none), and the rows of every target from the merged decisions and the simulators' truth. */
size_t gb_run_ope_logging_arm(const gb_arms *arms);
int gb_run_ope_collect(gb_run_state *rs, gb_run_merged *m, gb_run_totals *t, gb_err *err);
/* Whether the transport's backlog grew through the run (t->backlog_*). */
void gb_run_backlog_verdict(const gb_run_state *rs, gb_run_totals *t);
/* Target and achieved rates, and whether the target was sustained. */
void gb_run_rates(const gb_workload *w, gb_run_totals *t);
/* The accounting every run must pass (docs/results.md: reconciliation). */
bool gb_run_reconciled(const gb_run_totals *t);

/* ---- SIGINT and SIGTERM (gb_run_signals.c)
 *
 * A handler (sigaction) records each signal in the one global word that signal handling needs
 * (gb_run_signals.c); the run's calling thread reads it when it looks (every
 * PROGRESS_POLL_NS while the run goes on, between the results files while they are written).
 * Blocking the signals and taking them with sigwait would need no global at all, but only if
 * every thread blocked them, and threads made before the run (OpenBLAS's pool, started when the
 * library loads) do not: a signal sent to the process would reach one of those and kill it. */
typedef struct gb_run_signals {
  struct sigaction old_int, old_term; /* the caller's, restored by gb_run_signals_end */
  bool int_ignored, term_ignored;     /* ignored by the caller (nohup, a background job): kept */
  unsigned base;                      /* signals recorded before gb_run_signals_begin */
  unsigned count;                     /* signals taken since */
  int first, last;                    /* their numbers (0: none yet) */
} gb_run_signals;

/* Handles SIGINT and SIGTERM (unless the caller ignores them) until gb_run_signals_end. Nests:
 * an inner begin/end sees only the signals that arrive meanwhile. */
void gb_run_signals_begin(gb_run_signals *s);
/* Takes the signals recorded since the last look, without waiting; returns how many. */
unsigned gb_run_signals_take(gb_run_signals *s);
/* Restores the caller's handling of the two signals. */
void gb_run_signals_end(gb_run_signals *s);
/* The second signal: removes partial (a .partial directory; NULL: none), says so on stderr and
 * ends the process by that signal's default action (a shell shows 128 + its number). */
_Noreturn void gb_run_signals_abort(const gb_run_signals *s, const char *partial);
/* "SIGINT" or "SIGTERM". */
const char *gb_run_signal_name(int sig);

/* ---- the results directory (gb_run_dir.c) */

/* Chooses the results directory (--out, or <output.dir>/<name>-<UTC time of wall_ns>[-N]) into
 * dir and creates "<dir>.partial", before the run starts: an output.dir or --out that is a file,
 * a device or not writable is GB_ERR_INPUT naming the path and the reason, and so is an --out
 * that exists or whose .partial exists (left by a run that was killed). */
int gb_run_reserve_dir(const gb_workload *w, const gb_run_options *opt, int64_t wall_ns, char *dir,
                       size_t cap, gb_err *err);

/* Writes the results into "<dir>.partial" (made by gb_run_reserve_dir) and renames it to dir
 * once every file is complete. On failure, or when sig (NULL: not looked at) has taken a second
 * signal between two files, the .partial directory is removed (and the process ends by the
 * signal: gb_run_signals_abort). */
int gb_run_write_results(const gb_workload *w, const gb_run_options *opt, const gb_run_totals *t,
                         const gb_sim_realism *realism, const gb_run_store_results *store,
                         const char *dir, gb_run_signals *sig, gb_err *err);

#endif
