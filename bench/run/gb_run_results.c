#include "gb_run_results.h"
#include "gb_path.h"

#include <inttypes.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gb_afile.h"
#include "gb_csv.h"
#include "gb_interval.h"
#include "gb_jsonw.h"
#include "gb_metric.h"
#include "gb_run_arms.h"
#include "gb_run_raw.h"
#include "gb_version.h"

#include <librdkafka/rdkafka.h>

enum { SPECTRUM_TICKS = 5, SPECTRUM_MAX = 512 };

static const double headline_pcts[] = {50, 90, 99, 99.9};
static const char *const headline_names[] = {"p50", "p90", "p99", "p999"};

static gb_csv_writer *open_csv(const char *dir, const char *name, const char *const *cols, size_t n,
                               gb_err *err) {
  char *path = gb_path_join(dir, name);
  if (!path) {
    gb_err_set(err, GB_ERR_RUNTIME, "out of memory");
    return NULL;
  }
  gb_csv_writer *w = NULL;
  gb_csv_writer_open(path, cols, n, &w, err); /* w stays NULL on failure */
  free(path);
  return w;
}

/* Opens dir/name for an atomic write (gb_afile_open). */
static int open_file(const char *dir, const char *name, gb_afile **out, gb_err *err) {
  char *path = gb_path_join(dir, name);
  if (!path)
    return gb_err_set(err, GB_ERR_RUNTIME, "%s: out of memory", dir);
  int rc = gb_afile_open(path, out, err);
  free(path);
  return rc;
}

/* ---- summary.csv */

/* The registry's row for a summary metric: every metric written is defined there (its unit,
 * direction and kind drive --repeat, the report and compare), so an unknown name is a bug. */
static const gb_metric_def *summary_def(const char *name) {
  const gb_metric_def *def = gb_metric_find(name, GB_METRIC_SUMMARY);
  GB_ASSERT(def != NULL);
  return def;
}

static void metric_u(gb_csv_writer *w, const char *name, uint64_t v, gb_err *err) {
  const gb_metric_def *def = summary_def(name);
  gb_csv_cell_str(w, name, err);
  gb_csv_cell_i64(w, (int64_t)v, err);
  gb_csv_cell_str(w, def->unit, err);
  gb_csv_end_row(w, err);
}

static void metric_d(gb_csv_writer *w, const char *name, double v, gb_err *err) {
  const gb_metric_def *def = summary_def(name);
  gb_csv_cell_str(w, name, err);
  gb_csv_cell_f64(w, v, err);
  gb_csv_cell_str(w, def->unit, err);
  gb_csv_end_row(w, err);
}

static double us(int64_t ns) { return (double)ns / 1000.0; }

static void latency_metrics(gb_csv_writer *w, const gb_run_stage_hists *h, gb_err *err) {
  for (int s = 0; s < GB_STAGE__COUNT; s++) {
    for (int c = 0; c < 2; c++) {
      const gb_hist *hist = h->h[s][c];
      const char *view = c == GB_CORRECTED ? "" : "uncorrected_";
      char name[96];
      /* No sample (a stage the run never reached, or every event inside the warm-up): the
       * percentiles are undefined, empty cells — not 0 us. */
      bool none = gb_hist_count(hist) == 0;
      for (size_t i = 0; i < sizeof headline_pcts / sizeof headline_pcts[0]; i++) {
        snprintf(name, sizeof name, "latency_%s_%s%s_us", gb_stage_name(s), view,
                 headline_names[i]);
        metric_d(w, name, none ? NAN : us(gb_hist_percentile(hist, headline_pcts[i])), err);
      }
      snprintf(name, sizeof name, "latency_%s_%smax_us", gb_stage_name(s), view);
      metric_d(w, name, none ? NAN : us(gb_hist_max(hist)), err);
      snprintf(name, sizeof name, "latency_%s_%scount", gb_stage_name(s), view);
      metric_u(w, name, gb_hist_count(hist) + gb_hist_count_below(hist) + gb_hist_count_above(hist),
               err);
      snprintf(name, sizeof name, "latency_%s_%sout_of_range", gb_stage_name(s), view);
      metric_u(w, name, gb_hist_count_below(hist) + gb_hist_count_above(hist), err);
    }
  }
}

static int write_summary(const char *dir, const gb_run_totals *t, gb_err *err) {
  static const char *const cols[] = {"metric", "value", "unit"};
  gb_csv_writer *w = open_csv(dir, "summary.csv", cols, 3, err);
  if (!w)
    return -1;
  metric_u(w, "events_generated", t->events_generated, err);
  metric_u(w, "events_sent", t->events_sent, err);
  metric_u(w, "events_consumed", t->events_consumed, err);
  metric_u(w, "events_processed", t->events_processed, err);
  metric_u(w, "events_rejected", t->events_rejected, err);
  metric_u(w, "events_duplicate", t->events_duplicate, err);
  metric_u(w, "events_replayed", t->events_replayed, err);
  metric_u(w, "events_lost", t->events_lost, err);
  metric_u(w, "events_late", t->events_late, err);
  metric_u(w, "events_warmup", t->hists->warmup_samples, err);
  metric_u(w, "decisions", t->decisions, err);
  metric_u(w, "answers_received", t->answers_received, err);
  metric_u(w, "props_generated", t->props_generated, err);
  metric_u(w, "catalog_updates", t->catalog_updates, err);
  metric_u(w, "backpressure_waits", t->backpressure_waits, err);
  metric_d(w, "target_rate_eps", t->target_rate_eps, err);
  metric_d(w, "achieved_rate_eps", t->achieved_rate_eps, err);
  metric_u(w, "rate_sustained", t->rate_sustained, err);
  metric_u(w, "backlog_growing", t->backlog_growing, err);
  metric_u(w, "backlog_max_events", t->backlog_max, err);
  metric_d(w, "backlog_last_quarter_events", t->backlog_last_quarter, err);
  metric_d(w, "warmup_seconds", t->warmup_seconds, err);
  metric_d(w, "latency_warmup_e2e_p50_us", us(gb_hist_percentile(t->hists->warmup, 50)), err);
  metric_d(w, "latency_warmup_e2e_p99_us", us(gb_hist_percentile(t->hists->warmup, 99)), err);
  metric_d(w, "latency_warmup_e2e_max_us", us(gb_hist_max(t->hists->warmup)), err);
  metric_d(w, "wall_seconds", t->wall_seconds, err);
  metric_d(w, "sim_seconds", t->sim_seconds, err);
  metric_u(w, "interrupted", t->interrupted != 0, err);
  metric_u(w, "peak_rss_bytes", (uint64_t)t->fingerprint.peak_rss_bytes, err);
  latency_metrics(w, t->hists, err);
  return gb_csv_writer_close(w, err);
}

/* ---- latency.csv */

static int write_latency(const char *dir, const gb_run_totals *t, gb_err *err) {
  static const char *const cols[] = {"stage", "corrected", "percentile", "value_us", "total_count"};
  gb_csv_writer *w = open_csv(dir, "latency.csv", cols, 5, err);
  if (!w)
    return -1;
  gb_hist_point *pts = malloc(SPECTRUM_MAX * sizeof *pts);
  if (!pts) {
    gb_csv_writer_discard(w);
    return gb_err_set(err, GB_ERR_RUNTIME, "out of memory");
  }
  for (int s = 0; s < GB_STAGE__COUNT; s++) {
    for (int c = 0; c < 2; c++) {
      size_t n = gb_hist_spectrum(t->hists->h[s][c], SPECTRUM_TICKS, pts, SPECTRUM_MAX);
      for (size_t i = 0; i < n; i++) {
        gb_csv_cell_str(w, gb_stage_name(s), err);
        gb_csv_cell_i64(w, c == GB_CORRECTED, err);
        gb_csv_cell_f64(w, pts[i].percentile, err);
        gb_csv_cell_f64(w, us(pts[i].value_ns), err);
        gb_csv_cell_i64(w, (int64_t)pts[i].total_count, err);
        gb_csv_end_row(w, err);
      }
    }
  }
  free(pts);
  return gb_csv_writer_close(w, err);
}

/* ---- arms.csv, arms_daily.csv, challenges.csv (gb_run_arms.h) */

static int write_arms(const char *dir, const gb_workload *wl, const gb_run_totals *t, gb_err *err) {
  const gb_run_arms arms = {.n_arms = wl->n_arms,
                            .arms = wl->arms,
                            .stats = t->arms,
                            .start_ms = wl->sim.start_ms,
                            .duration_ms = wl->sim.duration_ms,
                            .period_ms = gb_sim_period_ms(wl->sim.duration_ms),
                            .n_periods = t->n_arm_periods,
                            .periods = t->arm_periods,
                            .catalog = t->sim_catalog,
                            .n_challenge_slots = t->n_challenge_slots,
                            .challenges = t->arm_challenges};
  return gb_run_arms_write(dir, &arms, err);
}

/* ---- aggregates.csv */

/* The replays' share of game g (zeros when none). */
static int by_game_name(const void *a, const void *b) {
  return strcmp((*(const gb_agg_game *const *)a)->name, (*(const gb_agg_game *const *)b)->name);
}

/* Rows in game-name order: the aggregator lists games as it first meets them, which through
 * Kafka depends on which partition's events arrive first; sorted, the file is the same whatever
 * the transport, shards or arrival order. */
static int write_aggregates(const char *dir, const gb_run_totals *t, gb_err *err) {
  static const char *const cols[] = {"game", "games_started", "games_ended",
                                     "wins", "bets_total",    "coins_delta_total"};
  size_t n;
  const gb_agg_game *g = gb_agg_games(t->agg, &n);
  const gb_agg_game **rows = malloc((n ? n : 1) * sizeof *rows);
  if (!rows)
    return gb_err_set(err, GB_ERR_RUNTIME, "out of memory");
  for (size_t i = 0; i < n; i++)
    rows[i] = &g[i];
  qsort(rows, n, sizeof *rows, by_game_name);
  gb_csv_writer *w = open_csv(dir, "aggregates.csv", cols, 6, err);
  if (!w) {
    free(rows);
    return -1;
  }
  for (size_t i = 0; i < n; i++) {
    gb_csv_cell_str(w, rows[i]->name, err);
    gb_csv_cell_i64(w, (int64_t)rows[i]->games_started, err);
    gb_csv_cell_i64(w, (int64_t)rows[i]->games_ended, err);
    gb_csv_cell_i64(w, (int64_t)rows[i]->wins, err);
    gb_csv_cell_i64(w, rows[i]->bets_total, err);
    gb_csv_cell_i64(w, rows[i]->coins_delta_total, err);
    gb_csv_end_row(w, err);
  }
  free(rows);
  return gb_csv_writer_close(w, err);
}

/* ---- decisions.csv */

/* Sim ms as ISO-8601 UTC with milliseconds ("2026-01-05T12:00:00.250Z"). */
static void sim_time_iso(int64_t ms, char *buf, size_t cap) {
  int64_t secs = ms / 1000 - (ms % 1000 < 0);
  time_t t = (time_t)secs;
  struct tm tm;
  gmtime_r(&t, &tm);
  char whole[32];
  strftime(whole, sizeof whole, "%Y-%m-%dT%H:%M:%S", &tm);
  snprintf(buf, cap, "%s.%03dZ", whole, (int)(ms - secs * 1000));
}

/* The candidates the decision chose among (the first 32 its answer carried), their ids joined
 * by ';'. */
static void candidates_cell(gb_csv_writer *w, const gb_run_totals *t, const gb_decision_row *row,
                            gb_err *err) {
  size_t n;
  const uint32_t *c = gb_decision_log_candidates(t->decision_logs[row->log], row->entry, &n);
  char buf[GB_DECISION_CANDIDATES_MAX * (GB_CHALLENGE_ID_MAX + 1) + 1];
  size_t len = 0;
  buf[0] = '\0';
  for (size_t i = 0; i < n; i++)
    len += (size_t)snprintf(buf + len, sizeof buf - len, "%s%s", i ? ";" : "",
                            gb_catalog_at(t->catalogs[row->log], c[i])->id);
  gb_csv_cell_str(w, buf, err);
}

static void decision_row(gb_csv_writer *w, const gb_workload *wl, const gb_run_totals *t,
                         const gb_decision_row *row, gb_err *err) {
  const gb_decision_entry *e = row->entry;
  const gb_feature_vec *f = &e->features;
  char ts[48];
  sim_time_iso(e->ts, ts, sizeof ts);
  bool prop = e->chosen != GB_NO_PROP;
  gb_csv_cell_i64(w, (int64_t)e->decision_id, err);
  gb_csv_cell_i64(w, (int64_t)e->player_id, err);
  gb_csv_cell_str(w, ts, err);
  gb_csv_cell_str(w, e->arm < wl->n_arms ? wl->arms[e->arm].name : "", err);
  gb_csv_cell_i64(w, e->n_eligible, err);
  gb_csv_cell_str(w, prop ? gb_catalog_at(t->catalogs[row->log], e->chosen)->id : "", err);
  if (prop)
    gb_csv_cell_i64(w, (int64_t)e->prop_id, err);
  else
    gb_csv_cell_empty(w, err);
  gb_csv_cell_f64(w, e->propensity, err);
  gb_csv_cell_str(w, gb_decision_outcome_name(row->outcome), err);
  for (int i = 0; i < GB_FEAT__COUNT; i++)
    gb_csv_cell_f64(w, f->x[i], err);
  gb_csv_cell_str(w, f->country, err);
  gb_csv_cell_str(w, f->platform, err);
  if (f->known)
    gb_csv_cell_i64(w, f->install_day, err);
  else
    gb_csv_cell_empty(w, err);
  candidates_cell(w, t, row, err);
  gb_csv_end_row(w, err);
}

/* One row per live decision, sorted by decision_id: the same file whatever the threads and
 * the transport. */
static int write_decisions(const char *dir, const gb_workload *wl, const gb_run_totals *t,
                           gb_err *err) {
  static const char *const head[] = {"decision_id", "player_id",  "ts",
                                     "arm",         "n_eligible", "chosen",
                                     "prop_id",     "propensity", "outcome"};
  enum { N_HEAD = sizeof head / sizeof head[0] };
  const char *cols[N_HEAD + GB_FEAT__COUNT + 4];
  size_t n = 0;
  for (size_t i = 0; i < N_HEAD; i++)
    cols[n++] = head[i];
  for (int i = 0; i < GB_FEAT__COUNT; i++)
    cols[n++] = gb_feature_name((gb_feature)i);
  cols[n++] = "country";
  cols[n++] = "platform";
  cols[n++] = "install_day";
  cols[n++] = "candidates";
  gb_csv_writer *w = open_csv(dir, "decisions.csv", cols, n, err);
  if (!w)
    return -1;
  for (size_t i = 0; i < t->n_decision_rows; i++)
    decision_row(w, wl, t, &t->decision_rows[i], err);
  return gb_csv_writer_close(w, err);
}

/* ---- dead_letter.jsonl */

/* A line's last fields, the same in process and from separate engines. */
static void dead_letter_end(gb_jsonw *jw, FILE *f, const char *reason, const char *payload,
                            size_t len) {
  gb_jsonw_key(jw, "reason");
  gb_jsonw_string(jw, reason);
  gb_jsonw_key(jw, "payload");
  gb_jsonw_string_n(jw, payload, len);
  gb_jsonw_object_end(jw);
  fputc('\n', f);
}

/* The shards' dead letters, then those of separate engines (by origin). */
static int write_dead_letters(const char *dir, const gb_run_totals *t, gb_err *err) {
  gb_afile *f = NULL;
  if (open_file(dir, "dead_letter.jsonl", &f, err) != 0)
    return -1;
  gb_jsonw jw;
  for (size_t s = 0; s < t->n_shards; s++) {
    for (size_t i = 0; i < t->n_dead[s]; i++) {
      const gb_dead_letter *d = &t->dead[s][i];
      gb_jsonw_init(&jw, gb_afile_stream(f), 0);
      gb_jsonw_object_begin(&jw);
      gb_jsonw_key(&jw, "shard");
      gb_jsonw_uint(&jw, s);
      dead_letter_end(&jw, gb_afile_stream(f), d->reason, d->payload, d->len);
    }
  }
  for (size_t i = 0; i < t->n_remote_dead; i++) {
    const gb_run_dead_letter *d = &t->remote_dead[i];
    gb_jsonw_init(&jw, gb_afile_stream(f), 0);
    gb_jsonw_object_begin(&jw);
    gb_jsonw_key(&jw, "topic");
    gb_jsonw_string(&jw, d->topic);
    gb_jsonw_key(&jw, "partition");
    gb_jsonw_uint(&jw, d->partition);
    gb_jsonw_key(&jw, "offset");
    gb_jsonw_uint(&jw, (uint64_t)d->offset);
    gb_jsonw_key(&jw, "length");
    gb_jsonw_uint(&jw, d->length);
    dead_letter_end(&jw, gb_afile_stream(f), d->reason, d->payload, d->len);
  }
  return gb_afile_commit(f, err);
}

/* ---- timeline.csv */

static int write_timeline(const char *dir, const gb_run_totals *t, gb_err *err) {
  gb_afile *f = NULL;
  if (open_file(dir, "timeline.csv", &f, err) != 0)
    return -1;
  if (gb_timeline_write_csv(t->hists->timeline, gb_afile_stream(f), err) != 0) {
    gb_afile_discard(f);
    return -1;
  }
  return gb_afile_commit(f, err);
}

/* ---- manifest.json */

static void instance_string(unsigned instance, unsigned instances, char *buf, size_t cap) {
  snprintf(buf, cap, "%u/%u", instance + 1, instances);
}

/* The run id, the instance of a split simulator, the parts of a merged directory. */
static void manifest_parts(gb_jsonw *jw, const gb_run_totals *t) {
  char k[32];
  if (t->run_id && *t->run_id) {
    gb_jsonw_key(jw, "run_id");
    gb_jsonw_string(jw, t->run_id);
  }
  if (t->instances > 1) {
    instance_string(t->instance, t->instances, k, sizeof k);
    gb_jsonw_key(jw, "instance");
    gb_jsonw_string(jw, k);
  }
  if (t->n_parts == 0)
    return;
  gb_jsonw_key(jw, "merged_from");
  gb_jsonw_array_begin(jw);
  for (size_t i = 0; i < t->n_parts; i++) {
    gb_jsonw_object_begin(jw);
    gb_jsonw_key(jw, "dir");
    gb_jsonw_string(jw, t->parts[i].dir);
    if (t->parts[i].instances > 1) {
      instance_string(t->parts[i].instance, t->parts[i].instances, k, sizeof k);
      gb_jsonw_key(jw, "instance");
      gb_jsonw_string(jw, k);
    }
    gb_jsonw_object_end(jw);
  }
  gb_jsonw_array_end(jw);
}

static void manifest_body(gb_jsonw *jw, const gb_workload *wl, const gb_run_totals *t) {
  char start[32], end[32], hash[17];
  gb_fingerprint_utc((time_t)(t->start_wall_ns / 1000000000LL), start, sizeof start);
  gb_fingerprint_utc((time_t)(t->end_wall_ns / 1000000000LL), end, sizeof end);
  snprintf(hash, sizeof hash, "%016" PRIx64, wl->resolved_hash);
  gb_jsonw_key(jw, "schema");
  gb_jsonw_int(jw, 1);
  gb_jsonw_key(jw, "name");
  gb_jsonw_string(jw, wl->name);
  gb_jsonw_key(jw, "seed");
  gb_jsonw_uint(jw, wl->seed);
  gb_jsonw_key(jw, "workload_file");
  gb_jsonw_string(jw, wl->path);
  gb_jsonw_key(jw, "workload_hash");
  gb_jsonw_string(jw, hash);
  gb_jsonw_key(jw, "workload");
  gb_jsonw_raw(jw, wl->resolved_json);
  gb_jsonw_key(jw, "git_describe");
  gb_jsonw_string(jw, GB_GIT_DESCRIBE);
  gb_jsonw_key(jw, "versions");
  gb_jsonw_object_begin(jw);
  gb_jsonw_key(jw, "gamebench");
  gb_jsonw_string(jw, GB_VERSION);
  gb_jsonw_key(jw, "librdkafka");
  gb_jsonw_string(jw, rd_kafka_version_str());
  gb_jsonw_key(jw, "jemalloc");
  gb_jsonw_string(jw, gb_version_jemalloc());
  gb_jsonw_key(jw, "compiler");
  gb_jsonw_string(jw, GB_COMPILER);
  gb_jsonw_key(jw, "cflags");
  gb_jsonw_string(jw, GB_CFLAGS);
  gb_jsonw_object_end(jw);
  char *machine = gb_fingerprint_json(&t->fingerprint);
  gb_jsonw_key(jw, "machine");
  if (machine)
    gb_jsonw_raw(jw, machine);
  else
    gb_jsonw_null(jw);
  free(machine);
  gb_jsonw_key(jw, "start_utc");
  gb_jsonw_string(jw, start);
  gb_jsonw_key(jw, "end_utc");
  gb_jsonw_string(jw, end);
  gb_jsonw_key(jw, "wall_seconds");
  gb_jsonw_double(jw, t->wall_seconds);
  gb_jsonw_key(jw, "transport");
  gb_jsonw_string(jw, wl->transport.kind == GB_TRANSPORT_KAFKA ? "kafka" : "inproc");
  /* a signal stopped the simulator: which one, and how far it got (docs/results.md) */
  gb_jsonw_key(jw, "interrupted");
  gb_jsonw_bool(jw, t->interrupted != 0);
  if (t->interrupted) {
    gb_jsonw_key(jw, "interrupted_by");
    gb_jsonw_string(jw, t->interrupted == SIGINT ? "SIGINT" : "SIGTERM");
  }
  gb_jsonw_key(jw, "sim_seconds");
  gb_jsonw_double(jw, t->sim_seconds);
  gb_jsonw_key(jw, "peak_rss_bytes");
  gb_jsonw_int(jw, t->fingerprint.peak_rss_bytes);
  manifest_parts(jw, t);
}

static int write_manifest(const char *dir, const gb_workload *wl, const gb_run_totals *t,
                          gb_err *err) {
  gb_afile *f = NULL;
  if (open_file(dir, "manifest.json", &f, err) != 0)
    return -1;
  gb_jsonw jw;
  gb_jsonw_init(&jw, gb_afile_stream(f), 2);
  gb_jsonw_object_begin(&jw);
  manifest_body(&jw, wl, t);
  gb_jsonw_object_end(&jw);
  return gb_afile_commit(f, err);
}

/* ---- partitions.csv */

static int write_partitions(const char *dir, const gb_run_totals *t, gb_err *err) {
  static const char *const cols[] = {"partition",    "sent",     "produced",  "failed",
                                     "acknowledged", "consumed", "delivered", "replayed",
                                     "redelivered",  "gaps",     "lost"};
  gb_csv_writer *w = open_csv(dir, "partitions.csv", cols, sizeof cols / sizeof cols[0], err);
  if (!w)
    return -1;
  for (size_t p = 0; p < t->n_partitions; p++) {
    const gb_transport_partition_stats *ps = &t->partitions[p];
    const uint64_t cells[] = {p,
                              ps->sent,
                              ps->produced,
                              ps->failed,
                              ps->acknowledged,
                              ps->consumed,
                              ps->delivered,
                              ps->replayed,
                              ps->redelivered,
                              ps->gaps,
                              ps->lost};
    for (size_t i = 0; i < sizeof cells / sizeof cells[0]; i++)
      gb_csv_cell_i64(w, (int64_t)cells[i], err);
    gb_csv_end_row(w, err);
  }
  return gb_csv_writer_close(w, err);
}

/* ---- cube.gbc: the stats cube, for `gamebench query` */

static int write_cube(const char *dir, const gb_run_totals *t, gb_err *err) {
  if (!t->cube)
    return 0;
  char path[4096];
  snprintf(path, sizeof path, "%s/cube.gbc", dir);
  return gb_cube_save(t->cube, path, err);
}

/* ope.csv, when an arm logs for the others; the estimates and their errors are printed too. The
 * bootstrap resamples 200 times: the reward model is refit on each (docs/ope.md), and runs log
 * hundreds of thousands of rows per target. */
static int write_ope(const char *dir, const gb_workload *w, const gb_run_totals *t, gb_err *err) {
  if (t->n_ope_targets == 0)
    return 0;
  gb_ope_opts opt = {.n_features = GB_FEAT__COUNT, .resamples = 200, .seed = w->seed};
  gb_ope_result *res = calloc(t->n_ope_targets, sizeof *res);
  if (!res)
    return gb_err_set(err, GB_ERR_RUNTIME, "out of memory");
  int rc = gb_run_ope_evaluate(t->ope_targets, t->n_ope_targets, &opt, res, err);
  if (rc == 0)
    rc = gb_run_ope_write_results(dir, t->ope_targets, res, t->n_ope_targets, err);
  if (rc == 0 && !t->quiet)
    gb_run_ope_print(stderr, t->ope_targets, res, t->n_ope_targets);
  free(res);
  return rc;
}

int gb_run_results_write(const char *dir, const gb_workload *w, const gb_run_totals *t,
                         gb_err *err) {
  if (write_summary(dir, t, err) != 0 || write_partitions(dir, t, err) != 0 ||
      write_latency(dir, t, err) != 0 || write_timeline(dir, t, err) != 0 ||
      write_arms(dir, w, t, err) != 0 || write_aggregates(dir, t, err) != 0 ||
      write_decisions(dir, w, t, err) != 0 || write_dead_letters(dir, t, err) != 0 ||
      write_cube(dir, t, err) != 0 || write_ope(dir, w, t, err) != 0 ||
      gb_run_raw_write(dir, w, t, err) != 0 || write_manifest(dir, w, t, err) != 0)
    return -1;
  return 0;
}
