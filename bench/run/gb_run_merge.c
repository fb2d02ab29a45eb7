/* Merging the threads' counts and measurements into the run's totals; the verdicts. */
#include "gb_run_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Merged measurements and counters. */

/* Each partition's reconciliation (partitions.csv). events_lost is their sum, plus whatever the
 * transport never accepted (only when it failed: the simulator stops at once). */
static int merge_partitions(gb_run_state *rs, gb_run_merged *m, gb_run_totals *t) {
  unsigned n = gb_transport_partitions(rs->ctx.transport);
  m->partitions = calloc(n, sizeof *m->partitions);
  if (!m->partitions)
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

/* The shards' decision logs joined in shard order (decisions.csv), with the catalogue each
 * shard's chosen ordinals refer to: catalogues can number the challenges that control events
 * add differently from shard to shard. */
static int merge_decisions(gb_run_state *rs, gb_run_merged *m, gb_run_totals *t, gb_err *err) {
  size_t n = rs->n_shards;
  const gb_decision_log **logs = calloc(n ? n : 1, sizeof *logs);
  m->catalogs = calloc(n ? n : 1, sizeof *m->catalogs);
  if (!logs || !m->catalogs) {
    free(logs);
    return gb_err_set(err, GB_ERR_RUNTIME, "out of memory");
  }
  for (size_t i = 0; i < n; i++) {
    const gb_pipeline *p = gb_shard_pipeline(rs->shards[i].shard);
    logs[i] = gb_pipeline_decision_log(p);
    m->catalogs[i] = gb_pipeline_catalog(p);
  }
  int rc = gb_decision_log_join(logs, n, &m->decisions, &t->n_decision_rows, err);
  m->decision_logs = logs;
  t->decision_logs = logs;
  t->decision_rows = m->decisions;
  t->catalogs = m->catalogs;
  return rc;
}

/* The separate engines' side (gamebench sim): what they rejected, from the dead-letter topic,
 * and their aggregates. A rejected message of a simulator's stream was acknowledged with it
 * (consumed, not processed); a foreign one (without gamebench's header) was consumed besides. */
static int collect_remote(gb_run_state *rs, gb_run_merged *m, gb_run_totals *t, gb_err *err) {
  gb_run_remote *r = &m->remote;
  if (gb_run_remote_collect(rs->ctx.transport, r, err) != 0 ||
      gb_run_remote_merge(r, m->agg, err) != 0)
    return -1;
  t->events_rejected = r->n_dead;
  t->events_processed -=
      r->sequenced_rejected < t->events_processed ? r->sequenced_rejected : t->events_processed;
  t->events_consumed += r->n_dead - r->sequenced_rejected;
  t->remote_dead = r->dead;
  t->n_remote_dead = r->n_dead;
  return 0;
}

int gb_run_merge(gb_run_state *rs, gb_run_merged *m, gb_run_totals *t, gb_err *err) {
  const gb_workload *w = rs->ctx.w;
  memset(m, 0, sizeof *m);
  m->arms = calloc(w->n_arms, sizeof *m->arms);
  t->n_arm_periods = gb_sim_periods(w->sim.duration_ms);
  t->n_challenge_slots = gb_sim_challenge_slots(rs->ctx.catalog);
  m->arm_periods = calloc(w->n_arms * t->n_arm_periods, sizeof *m->arm_periods);
  m->arm_challenges = calloc(w->n_arms * t->n_challenge_slots, sizeof *m->arm_challenges);
  m->dead = calloc(rs->n_shards ? rs->n_shards : 1, sizeof *m->dead);
  m->n_dead = calloc(rs->n_shards ? rs->n_shards : 1, sizeof *m->n_dead);
  if (!m->arms || !m->arm_periods || !m->arm_challenges || !m->dead || !m->n_dead)
    return gb_err_set(err, GB_ERR_RUNTIME, "out of memory");
  if (gb_run_hists_init(&m->hists, err) != 0 ||
      gb_agg_new(&(gb_agg_config){.arms = rs->ctx.arms, .cube = w->engine.aggregates}, &m->agg,
                 err) != 0 ||
      gb_run_hists_start_timeline(&m->hists, rs->ctx.start_ns, err) != 0 ||
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
  /* the producers' watermarks (learning arms' epochs) are promises, not events */
  uint64_t watermark_copies = 0;
  for (unsigned i = 0; i < rs->n_producers; i++)
    watermark_copies += rs->producers[i].watermarks * gb_transport_partitions(rs->ctx.transport);
  t->events_sent = ts.sent - watermark_copies;
  t->backpressure_waits = ts.full_waits;
  for (unsigned i = 0; i < rs->n_producers; i++) {
    gb_run_producer *pr = &rs->producers[i];
    /* A change's copies are counted like events: one per partition, as the transport does. */
    t->events_generated += gb_sim_events(pr->sim) + pr->store_events + pr->control_copies;
    t->answers_received += pr->answers;
    t->unexpected_answers += gb_sim_unexpected_answers(pr->sim);
    gb_sim_add_arm_stats(pr->sim, m->arms);
    gb_sim_add_arm_periods(pr->sim, m->arm_periods);
    gb_sim_add_arm_challenges(pr->sim, m->arm_challenges);
    gb_sim_realism_add(m->realism, pr->sim);
    if (gb_run_hists_merge(&m->hists, &pr->hists, err) != 0)
      return -1;
  }
  if (gb_run_store_merge(rs, &m->store, err) != 0)
    return -1;
  for (unsigned i = 0; i < rs->n_shards; i++) {
    gb_run_shard *sh = &rs->shards[i];
    t->events_consumed += sh->counts.consumed;
    t->events_processed += sh->counts.processed;
    t->events_rejected += sh->counts.rejected;
    t->events_duplicate += sh->counts.duplicates;
    t->decisions += sh->counts.decisions;
    t->props_generated += sh->counts.props;
    t->catalog_updates += sh->counts.catalog_updates;
    t->events_replayed += sh->counts.replayed;
    m->dead[i] = gb_shard_dead_letters(sh->shard, &m->n_dead[i]);
    if (gb_run_hists_merge(&m->hists, &sh->hists, err) != 0 ||
        gb_agg_merge(m->agg, gb_pipeline_agg(gb_shard_pipeline(sh->shard)), err) != 0)
      return -1;
  }
  if (rs->n_shards == 0) {
    /* The engines run elsewhere: their side is what they acknowledged, in order and without
     * gaps, at the end of each stream (the watermark copies, which they count as events of the
     * stream, left out as in events_sent); each answer stands for one decision. */
    t->events_consumed = t->events_processed =
        ts.acknowledged > watermark_copies ? ts.acknowledged - watermark_copies : 0;
    t->decisions = t->answers_received;
    if (rs->collect_remote && !gb_transport_failed(rs->ctx.transport, NULL) &&
        collect_remote(rs, m, t, err) != 0)
      return -1;
  }
  if (merge_partitions(rs, m, t) != 0)
    return gb_err_set(err, GB_ERR_RUNTIME, "out of memory");
  if (merge_decisions(rs, m, t, err) != 0 || gb_run_ope_collect(rs, m, t, err) != 0)
    return -1;
  t->hists = &m->hists;
  t->arms = m->arms;
  t->arm_periods = m->arm_periods;
  t->arm_challenges = m->arm_challenges;
  t->sim_catalog = rs->ctx.catalog;
  t->agg = m->agg;
  t->events_late = gb_agg_events_late(m->agg);
  t->cube = gb_agg_cube_mut(m->agg);
  t->dead = m->dead;
  t->n_dead = m->n_dead;
  t->n_shards = rs->n_shards;
  return 0;
}

void gb_run_merge_free(gb_run_merged *m) {
  gb_sim_realism_free(m->realism);
  gb_run_store_results_free(m->store);
  gb_run_hists_free(&m->hists);
  free(m->arms);
  free(m->arm_periods);
  free(m->arm_challenges);
  gb_agg_free(m->agg);
  free(m->dead);
  free(m->n_dead);
  free(m->partitions);
  free(m->decisions);
  free(m->catalogs);
  free(m->decision_logs);
  gb_sim_truth_free(m->truth);
  free(m->ope_rows);
  free(m->ope_truth);
  free(m->ope_targets);
  gb_run_remote_free(&m->remote);
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
void gb_run_backlog_verdict(const gb_run_state *rs, gb_run_totals *t) {
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

void gb_run_rates(const gb_workload *w, gb_run_totals *t) {
  t->sim_seconds = t->interrupted ? t->sim_reached_seconds : (double)w->sim.duration_ms / 1000.0;
  t->achieved_rate_eps = t->wall_seconds > 0 ? (double)t->events_processed / t->wall_seconds : 0;
  /* as fast as possible, or interrupted before the first sim second: no target to miss */
  if (w->sim.time_scale == 0 || t->sim_seconds <= 0) {
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
bool gb_run_reconciled(const gb_run_totals *t) {
  return t->events_lost == 0 && t->events_sent == t->events_generated &&
         t->events_consumed == t->events_processed + t->events_rejected + t->events_duplicate &&
         t->decisions == t->answers_received && t->unexpected_answers == 0;
}
