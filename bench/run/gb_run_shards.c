/* The run's engine shards: gb_shard threads, and what they measure (per-stage latency). */
#include "gb_run_int.h"

#include <string.h>

#include "gb_clock.h"

/* Publishes the last window's p99 for the progress line (the histograms are the shard's own). */
static void publish_live(gb_run_shard *sh, int64_t now) {
  if (now < sh->live_until)
    return;
  atomic_store_explicit(&sh->live_p99_ns, gb_hist_percentile(sh->live, 99), memory_order_relaxed);
  gb_hist_reset(sh->live);
  sh->live_until = now + LIVE_WINDOW_NS;
}

static void record_stamps(gb_run_shard *sh, const gb_pipeline_stamps *st) {
  /* when the engine was done with the event: its last stage's stamp */
  int64_t done = st->decided ? st->decided : st->matched ? st->matched : st->decoded;
  if (st->intended < sh->run->warmup_end_ns) {
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
  record_from(h, GB_STAGE_E2E, done, st->intended, st->sent);
  gb_hist_record(sh->live, done - st->intended);
  publish_live(sh, done);
}

/* The shard's hook (gb_shard.h): an operator's change read (the simulators wait for every
 * copy at a change's boundary), or a player's event measured. */
static void on_shard_event(void *ctx, unsigned shard, gb_pipeline_result r,
                           const gb_pipeline_stamps *st) {
  (void)shard;
  gb_run_shard *sh = ctx;
  if (st->control)
    atomic_fetch_add(&sh->run->control_copies_read, 1);
  if (r == GB_PIPELINE_REJECTED || st->control)
    return; /* no latency sample */
  record_stamps(sh, st);
}

void *gb_run_shard_main(void *arg) {
  gb_run_shard *sh = arg;
  tighten_timer_slack();
  gb_shard_run(sh->shard);
  gb_shard_get_counts(sh->shard, &sh->counts);
  atomic_fetch_add(&sh->run->threads_done, 1);
  gb_doorbell_ring(&sh->run->done_bell);
  return NULL;
}

int gb_run_setup_shards(gb_run_state *rs, gb_err *err) {
  const gb_workload *w = rs->ctx.w;
  gb_pipeline_config pc;
  gb_run_pipeline_config(w, rs->ctx.arms, rs->n_shards, gb_run_store_apps(&rs->ctx), &pc);
  for (unsigned i = 0; i < rs->n_shards; i++) {
    gb_run_shard *sh = &rs->shards[i];
    sh->run = &rs->ctx;
    sh->index = i;
    gb_shard_config sc = {.index = i,
                          .transport = rs->ctx.transport,
                          .pipeline = &pc,
                          .encoded_replies = rs->ctx.json_replies,
                          .binary = rs->ctx.binary,
                          .receive_batch = RECEIVE_BATCH,
                          .idle_spins = IDLE_SPINS,
                          .idle_wait_ns = IDLE_SLEEP_NS,
                          .until_finished = true,
                          .dead_letters_kept = DEAD_LETTERS_KEPT,
                          .epochs = rs->ctx.epochs,
                          .hooks = {.ctx = sh, .on_event = on_shard_event}};
    if (gb_shard_new(&sc, &sh->shard, err) != 0 || gb_run_hists_init(&sh->hists, err) != 0 ||
        gb_hist_new(HIST_DIGITS, &sh->live, err) != 0)
      return -1;
  }
  return 0;
}

/* The players one shard should expect: the whole population (arrivals included) over the
 * shards, plus 5 % + 64 for the hash's unevenness (a binomial share strays by a few standard
 * deviations, sqrt(share), well inside that). Per-player state is pre-sized to this
 * (gb_pipeline.h): a shard that outgrew it would double its arrays. */
static size_t expected_players_per_shard(const gb_workload *w, unsigned n_shards) {
  uint64_t population = 0;
  if (w->sim.platforms & GB_PLATFORMS_CARD)
    population += gb_sim_population(w->sim.players, w->sim.duration_ms, &w->sim.model);
  if (w->sim.platforms & GB_PLATFORMS_STORE) /* the store's arrivals: a generous bound */
    population += (uint64_t)w->store.players * 2;
  uint64_t share = population / (n_shards ? n_shards : 1) + 1;
  return (size_t)(share + share / 20 + 64);
}

void gb_run_pipeline_config(const gb_workload *w, const gb_arms *arms, unsigned n_shards,
                            uint32_t store_apps, gb_pipeline_config *out) {
  *out = (gb_pipeline_config){
      .catalog_path = w->engine.challenges,
      .matcher = strcmp(w->engine.matcher, "index") == 0 ? GB_MATCH_INDEX : GB_MATCH_SCAN,
      .arms = arms,
      .seed = w->seed,
      .expected_players = expected_players_per_shard(w, n_shards),
      .cube = w->engine.aggregates,
      .extra_work_per_event = w->engine.extra_work_per_event,
      .store_apps = store_apps,
      .store_slate = w->store.slate,
  };
}
