/* The run's Steam-style store (sim.platform store or mixed): its catalogue and model, one store
 * simulator per simulator thread, and its results — store_arms.csv (what each arm's slates did:
 * CTR@k and conversion with 95 % intervals, revenue, coverage, novelty, NDCG@k and recall@k
 * against the players' later purchases, the ground truth's expected purchases and the oracle's)
 * and store_realism.csv (the simulated libraries next to the real Steam log). docs/results.md
 * describes both. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gb_csv.h"
#include "gb_interval.h"
#include "gb_path.h"
#include "gb_run_int.h"
#include "gb_slate.h"
#include "gb_store_realism.h"

/* A mixed run's store players have ids above the card platform's 32-bit ones. */
#define STORE_ID_BASE (UINT64_C(1) << 32)

struct gb_run_store_results {
  size_t n_arms;
  const gb_workload *w;
  const gb_arms *arms;
  gb_store_arm_stats *stats; /* [n_arms] */
  gb_store_ranking *ranking; /* [n_arms] */
  double *coverage;          /* [n_arms]: share of the catalogue shown */
  gb_store_realism_row realism[GB_STORE_REALISM_ROWS_MAX];
  size_t n_realism;
  char realism_note[GB_ERR_MSG_MAX + 32]; /* why there is no reference, or "" */
};

int gb_run_store_setup(gb_run_state *rs, gb_err *err) {
  const gb_workload *w = rs->ctx.w;
  if (!(w->sim.platforms & GB_PLATFORMS_STORE))
    return 0;
  gb_store_model *m = &rs->ctx.store_model;
  *m = gb_store_model_defaults();
  m->apps = w->store.apps;
  m->slate_size = w->store.slate;
  char key[64];
  if (gb_store_model_check(m, key, sizeof key, err) != 0)
    return -1;
  gb_store_catalog_params cp = {.seed = w->seed,
                                .apps = m->apps,
                                .popularity_sigma = m->popularity_sigma,
                                .start_ms = w->sim.start_ms};
  if (w->store.catalog) {
    size_t skipped = 0;
    char report[512] = "";
    if (gb_store_catalog_load(w->store.catalog, &cp, &rs->ctx.store_catalog, &skipped, report,
                              sizeof report, err) != 0)
      return -1;
    if (skipped > 0) /* diagnostics go to stderr, never into result files */
      fprintf(stderr, "gamebench: store.catalog: %zu rows skipped (%s)\n", skipped, report);
    if (gb_store_catalog_apps(rs->ctx.store_catalog) > GB_SLATE_APPS_MAX)
      return gb_err_set(err, GB_ERR_INPUT,
                        "store.catalog %s: %u apps, more than the %d the "
                        "engine ranks",
                        w->store.catalog, gb_store_catalog_apps(rs->ctx.store_catalog),
                        GB_SLATE_APPS_MAX);
    return 0;
  }
  return gb_store_catalog_generate(&cp, &rs->ctx.store_catalog, err);
}

int gb_run_store_apps_of(const gb_workload *w, uint32_t *apps, gb_err *err) {
  *apps = 0;
  if (!(w->sim.platforms & GB_PLATFORMS_STORE))
    return 0;
  if (!w->store.catalog) {
    *apps = w->store.apps;
    return 0;
  }
  gb_store_catalog_params cp = {.seed = w->seed, .start_ms = w->sim.start_ms};
  gb_store_catalog *c = NULL;
  if (gb_store_catalog_load(w->store.catalog, &cp, &c, NULL, NULL, 0, err) != 0)
    return -1;
  *apps = gb_store_catalog_apps(c);
  gb_store_catalog_free(c);
  return 0;
}

uint32_t gb_run_store_apps(const gb_run_ctx *ctx) {
  return ctx->store_catalog ? gb_store_catalog_apps(ctx->store_catalog) : 0;
}

int gb_run_store_producer(gb_run_state *rs, unsigned index, gb_store_sim **out, gb_err *err) {
  *out = NULL;
  const gb_workload *w = rs->ctx.w;
  if (!rs->ctx.store_catalog)
    return 0;
  gb_store_sim_config sc = {
      .seed = w->seed,
      .players = w->store.players,
      .start_ms = w->sim.start_ms,
      .duration_ms = w->sim.duration_ms,
      .producer = index,
      .n_producers = w->sim.threads,
      .closed_loop = true,
      .catalog = rs->ctx.store_catalog,
      .arms = rs->ctx.arms,
      .model = &rs->ctx.store_model,
      .truth = true,
      .id_base = w->sim.platforms == GB_PLATFORMS_MIXED ? STORE_ID_BASE : 0,
  };
  return gb_store_sim_new(&sc, out, err);
}

void gb_run_store_results_free(gb_run_store_results *s) {
  if (!s)
    return;
  free(s->stats);
  free(s->ranking);
  free(s->coverage);
  free(s);
}

/* The realism report's rows: the simulated libraries, next to the real log when there is one. */
static int store_realism(gb_run_state *rs, gb_run_store_results *s, gb_err *err) {
  gb_store_realism *r = NULL;
  if (gb_store_realism_new(&r, err) != 0)
    return -1;
  int rc = 0;
  for (unsigned i = 0; rc == 0 && i < rs->n_producers; i++)
    rc = gb_store_realism_add(r, rs->producers[i].store, err);
  const char *ref = rs->ctx.w->store.reference;
  if (rc == 0 && ref) {
    gb_err rerr = {0};
    size_t skipped = 0;
    if (gb_store_realism_load_real(r, ref, &skipped, &rerr) != 0)
      snprintf(s->realism_note, sizeof s->realism_note, "no reference: %s", rerr.msg);
  } else if (rc == 0) {
    snprintf(s->realism_note, sizeof s->realism_note, "no reference (store.reference not set)");
  }
  if (rc == 0)
    s->n_realism = gb_store_realism_rows(r, s->realism, GB_STORE_REALISM_ROWS_MAX);
  gb_store_realism_free(r);
  return rc;
}

int gb_run_store_merge(gb_run_state *rs, gb_run_store_results **out, gb_err *err) {
  *out = NULL;
  if (!rs->ctx.store_catalog)
    return 0;
  size_t n = gb_arms_count(rs->ctx.arms);
  uint32_t apps = gb_store_catalog_apps(rs->ctx.store_catalog);
  size_t words = (apps + 63) / 64;
  gb_run_store_results *s = calloc(1, sizeof *s);
  uint64_t *bits = calloc(words, sizeof *bits);
  if (s) {
    s->stats = calloc(n, sizeof *s->stats);
    s->ranking = calloc(n, sizeof *s->ranking);
    s->coverage = calloc(n, sizeof *s->coverage);
  }
  if (!s || !bits || !s->stats || !s->ranking || !s->coverage) {
    free(bits);
    gb_run_store_results_free(s);
    return gb_err_set(err, GB_ERR_RUNTIME, "out of memory for the store's results");
  }
  s->n_arms = n;
  s->w = rs->ctx.w;
  s->arms = rs->ctx.arms;
  for (size_t a = 0; a < n; a++) {
    memset(bits, 0, words * sizeof *bits);
    for (unsigned i = 0; i < rs->n_producers; i++) {
      gb_store_sim *sim = rs->producers[i].store;
      gb_store_sim_arm_stats(sim, a, &s->stats[a]);
      gb_store_outcomes_ranking(gb_store_sim_outcomes(sim), a, &s->ranking[a]);
      gb_store_outcomes_shown(gb_store_sim_outcomes(sim), a, bits);
    }
    uint64_t shown = 0;
    for (size_t k = 0; k < words; k++)
      shown += (uint64_t)__builtin_popcountll(bits[k]);
    s->coverage[a] = (double)shown / apps;
  }
  free(bits);
  if (store_realism(rs, s, err) != 0) {
    gb_run_store_results_free(s);
    return -1;
  }
  *out = s;
  return 0;
}

uint64_t gb_run_store_events(const gb_run_state *rs) {
  uint64_t n = 0;
  for (unsigned i = 0; i < rs->n_producers; i++)
    n += rs->producers[i].store_events;
  return n;
}

/* ---- store_arms.csv */

static double ratio(uint64_t num, uint64_t den) { return den ? (double)num / (double)den : NAN; }

static double mean_e9(uint64_t sum_e9, uint64_t n) { return n ? (double)sum_e9 / 1e9 / n : NAN; }

static void rate_cells(gb_csv_writer *c, uint64_t k, uint64_t n, gb_err *err) {
  gb_interval ci = n ? gb_interval_wilson95(k, n) : (gb_interval){NAN, NAN};
  gb_csv_cell_f64(c, ratio(k, n), err);
  gb_csv_cell_f64(c, ci.lo, err);
  gb_csv_cell_f64(c, ci.hi, err);
}

static void arm_row(gb_csv_writer *c, const gb_run_store_results *s, size_t a, gb_err *err) {
  const gb_store_arm_stats *x = &s->stats[a];
  const gb_store_ranking *r = &s->ranking[a];
  gb_csv_cell_str(c, gb_arms_name(s->arms, a), err);
  gb_csv_cell_str(c, gb_arms_algorithm(s->arms, a), err);
  const uint64_t counts[] = {x->players, x->visits,       x->slates,
                             x->slots,   x->slate_clicks, x->slate_purchases};
  for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++)
    gb_csv_cell_i64(c, (int64_t)counts[i], err);
  rate_cells(c, x->slate_clicks, x->slots, err); /* CTR@k: clicks per app shown */
  rate_cells(c, x->converted, x->slates, err);   /* conversion: slates that sold */
  gb_csv_cell_f64(c, ratio(x->slate_purchases, x->slates), err);
  gb_csv_cell_f64(c, x->visits ? (double)x->slate_revenue_cents / 100.0 / x->visits : NAN, err);
  gb_csv_cell_i64(c, (int64_t)x->organic_purchases, err);
  gb_csv_cell_f64(c, s->coverage[a], err);
  gb_csv_cell_f64(c, r->shown ? gb_store_ranking_novelty(r) : NAN, err);
  gb_csv_cell_i64(c, (int64_t)r->evaluable, err);
  gb_csv_cell_f64(c, r->evaluable ? gb_store_ranking_ndcg(r) : NAN, err);
  gb_csv_cell_f64(c, r->evaluable ? gb_store_ranking_recall(r) : NAN, err);
  gb_csv_cell_f64(c, mean_e9(x->expected_purchases_e9, x->scored), err);
  gb_csv_cell_f64(c, mean_e9(x->oracle_purchases_e9, x->scored), err);
  gb_csv_cell_f64(c,
                  x->scored ? ((double)x->oracle_purchases_e9 - (double)x->expected_purchases_e9) /
                                  1e9 / (double)x->scored
                            : NAN,
                  err);
  gb_csv_end_row(c, err);
}

/* The oracle: the slate of most expected purchases at every scored visit of every arm. */
static void oracle_row(gb_csv_writer *c, const gb_run_store_results *s, gb_err *err) {
  uint64_t scored = 0, oracle = 0;
  for (size_t a = 0; a < s->n_arms; a++) {
    scored += s->stats[a].scored;
    oracle += s->stats[a].oracle_purchases_e9;
  }
  gb_csv_cell_str(c, "oracle", err);
  gb_csv_cell_str(c, "oracle", err);
  for (int i = 0; i < 6 + 3 + 3 + 2 + 1 + 5; i++) /* observed: nothing */
    gb_csv_cell_empty(c, err);
  double best = mean_e9(oracle, scored);
  gb_csv_cell_f64(c, best, err);
  gb_csv_cell_f64(c, best, err);
  gb_csv_cell_f64(c, scored ? 0.0 : NAN, err);
  gb_csv_end_row(c, err);
}

static int write_arms(const char *dir, const gb_run_store_results *s, gb_err *err) {
  static const char *const cols[] = {"arm",
                                     "algorithm",
                                     "players",
                                     "visits",
                                     "slates",
                                     "apps_shown",
                                     "slate_clicks",
                                     "slate_purchases",
                                     "ctr_at_k",
                                     "ctr_at_k_ci_low",
                                     "ctr_at_k_ci_high",
                                     "conversion",
                                     "conversion_ci_low",
                                     "conversion_ci_high",
                                     "purchases_per_slate",
                                     "revenue_per_visit",
                                     "organic_purchases",
                                     "coverage",
                                     "novelty_bits",
                                     "evaluable_slates",
                                     "ndcg_at_k",
                                     "recall_at_k",
                                     "expected_purchases_per_slate",
                                     "oracle_purchases_per_slate",
                                     "regret_vs_oracle"};
  gb_csv_writer *c =
      gb_run_open_csv(dir, "store_arms.csv", cols, sizeof cols / sizeof cols[0], err);
  if (!c)
    return -1;
  for (size_t a = 0; a < s->n_arms; a++)
    arm_row(c, s, a, err);
  oracle_row(c, s, err);
  return gb_csv_writer_close(c, err);
}

static int write_realism(const char *dir, const gb_run_store_results *s, gb_err *err) {
  static const char *const cols[] = {"statistic", "value", "target", "unit", "source", "note"};
  gb_csv_writer *c =
      gb_run_open_csv(dir, "store_realism.csv", cols, sizeof cols / sizeof cols[0], err);
  if (!c)
    return -1;
  for (size_t i = 0; i < s->n_realism; i++) {
    const gb_store_realism_row *r = &s->realism[i];
    gb_csv_cell_str(c, r->statistic, err);
    gb_csv_cell_f64(c, r->value, err);
    gb_csv_cell_f64(c, r->target, err);
    gb_csv_cell_str(c, r->unit, err);
    gb_csv_cell_str(c, isnan(r->target) ? "" : r->source, err);
    gb_csv_cell_str(c, isnan(r->target) ? s->realism_note : "", err);
    gb_csv_end_row(c, err);
  }
  return gb_csv_writer_close(c, err);
}

int gb_run_store_write(const char *dir, const gb_run_store_results *s, gb_err *err) {
  if (!s)
    return 0;
  return write_arms(dir, s, err) != 0 ? -1 : write_realism(dir, s, err);
}
