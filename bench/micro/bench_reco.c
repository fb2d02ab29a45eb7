/* `gamebench bench recommender`: what the recommender's algorithms cost — the latency of one
 * decision among many candidates with the player's feature vector, per algorithm, with a model
 * trained on synthetic feedback; and the epoch's cost: merging the shards' tallies and applying
 * them (the model rebuild). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unistd.h>

#include "gb_algo.h"
#include "gb_benches.h"
#include "gb_clock.h"
#include "gb_eval_log.h"
#include "gb_hist.h"
#include "gb_opts.h"
#include "gb_quantile.h"
#include "gb_ranker.h"
#include "gb_rng.h"

/* The budgets: one decision, in process; one batch model's training on the Steam log. */
#define DECISION_P99_TARGET_US 20.0
#define TRAINING_TARGET_S 1.0
/* The decisions are timed in this many rounds (odd: the median is one of them). */
enum { ROUNDS = 5 };

/* The real log beside the project (../shared/data, see its README), when it is there. */
#define STEAM_LOG GB_SOURCE_DIR "/../shared/data/steam-200k-plays.csv"

static const char details[] =
    "Each online algorithm starts with its default parameters and learns from synthetic\n"
    "feedback: --props props given over the --candidates challenges (random contexts; a prop is\n"
    "used with a probability that depends on the challenge and the context), counted by the\n"
    "algorithm's own observe in --shards tallies, merged and applied as one epoch at a boundary\n"
    "of every algorithm. Then --decisions decisions each choose among all the candidates with a\n"
    "random feature vector (the 11 decision-time features; the linear bandits add a bias). The\n"
    "table gives the decision latency (p50, p99, max in us, one clock read pair per decision), "
    "the\n"
    "merge of the shards' tallies and the epoch's apply (ms), and the tally size.\n"
    "Training: each batch model (item-kNN, EASE, ALS, with their default parameters; also\n"
    "popularity and RP3beta) fits the whole interaction log --train-repeats times; the median\n"
    "and the range of the fit's wall time. The log is --interactions (steam-200k format), by\n"
    "default ../shared/data/steam-200k-plays.csv when it exists (--interactions '' skips).";

typedef struct bench_cfg {
  int64_t candidates, decisions, props, shards, seed;
} bench_cfg;

static void random_features(gb_rng *rng, gb_feature_vec *f) {
  memset(f, 0, sizeof *f);
  f->known = true;
  for (int i = 0; i < GB_FEAT__COUNT; i++)
    f->x[i] = gb_rng_uniform(rng) * 10.0;
  f->x[GB_FEAT_LAST_SESSION_WIN_RATIO] = gb_rng_uniform(rng);
  f->x[GB_FEAT_SESSION_WIN_RATIO] = gb_rng_uniform(rng);
  f->x[GB_FEAT_FAVOURITE_GAME_SHARE] = gb_rng_uniform(rng);
  snprintf(f->platform, sizeof f->platform, "%s", gb_rng_uniform(rng) < 0.6 ? "android" : "ios");
  snprintf(f->country, sizeof f->country, "%s", gb_rng_uniform(rng) < 0.8 ? "CN" : "TW");
}

/* Feeds the synthetic feedback through observe into the shards' tallies. */
static void feed(const gb_algo_ops *ops, void *state, const bench_cfg *c, gb_tally **delta) {
  gb_rng rng;
  gb_rng_seed(&rng, (uint64_t)c->seed, 1);
  for (int64_t i = 0; i < c->props; i++) {
    gb_feature_vec f;
    random_features(&rng, &f);
    uint32_t ch = (uint32_t)gb_rng_below(&rng, (uint64_t)c->candidates);
    gb_algo_feedback fb = {.signal = GB_ALGO_GIVEN,
                           .player_id = (uint64_t)i % 5000 + 1,
                           .slot = (uint32_t)(i % 5000),
                           .ts = i,
                           .challenge = ch,
                           .features = &f};
    gb_tally *d = delta[i % c->shards];
    ops->observe(state, &fb, d);
    double p = 0.1 + 0.6 * (double)(ch % 7) / 7.0 * f.x[GB_FEAT_FAVOURITE_GAME_SHARE];
    if (gb_rng_uniform(&rng) < p) {
      fb.signal = GB_ALGO_USED;
      ops->observe(state, &fb, d);
    }
  }
}

static int by_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* One algorithm's row. Returns the decision p99 in us (< 0 on failure). */
static double bench_one(const gb_algo_ops *ops, const bench_cfg *c, gb_err *err) {
  gb_algo_params p;
  gb_algo_params_defaults(ops, &p);
  gb_algo_env env = {.seed = (uint64_t)c->seed, .arm = 1, .expected_players = 5000};
  void *state = NULL;
  gb_hist *h = NULL;
  gb_tally *delta[64] = {0}, *merged = NULL;
  double p99 = -1, merge_ms = 0, apply_ms = 0;
  size_t keys = 0;
  uint32_t *cand = malloc((size_t)c->candidates * sizeof *cand);
  double *scratch = malloc((size_t)c->candidates * GB_ALGO_SCRATCH_PER_CANDIDATE * sizeof *scratch);
  if (!cand || !scratch || ops->init(&env, &p, &state, err) != 0 || gb_hist_new(3, &h, err) != 0 ||
      gb_tally_new(1024, &merged, err) != 0)
    goto out;
  for (int64_t s = 0; s < c->shards; s++)
    if (gb_tally_new(1024, &delta[s], err) != 0)
      goto out;
  if (ops->learns) {
    feed(ops, state, c, delta);
    int64_t t0 = gb_clock_now_ns();
    for (int64_t s = 0; s < c->shards; s++)
      gb_tally_merge(merged, delta[s]);
    int64_t t1 = gb_clock_now_ns();
    /* a boundary of every epoch: a multiple of 30 days */
    ops->epoch(state, INT64_C(30) * 86400000 * 1000, merged);
    int64_t t2 = gb_clock_now_ns();
    merge_ms = (double)(t1 - t0) / 1e6;
    apply_ms = (double)(t2 - t1) / 1e6;
    keys = gb_tally_count(merged);
  }
  for (int64_t i = 0; i < c->candidates; i++)
    cand[i] = (uint32_t)i;
  gb_rng rng;
  gb_rng_seed(&rng, (uint64_t)c->seed, 2);
  volatile size_t sink = 0;
  /* ROUNDS rounds of the decisions, each its own percentiles; the row gives their medians, so
   * that a burst of another tenant's load on a shared machine moves one round, not the figure */
  double p50s[ROUNDS], p99s[ROUNDS], max_us = 0;
  int64_t per_round = (c->decisions + ROUNDS - 1) / ROUNDS;
  for (int r = 0; r < ROUNDS; r++) {
    gb_hist_reset(h);
    for (int64_t i = r * per_round; i < c->decisions && i < (r + 1) * per_round; i++) {
      gb_feature_vec f;
      random_features(&rng, &f);
      gb_algo_decision d = {.decision_id = (uint64_t)i + 1,
                            .player_id = (uint64_t)i % 5000 + 1,
                            .slot = (uint32_t)(i % 5000),
                            .ts = i,
                            .features = &f,
                            .candidates = cand,
                            .n_candidates = (size_t)c->candidates,
                            .scratch = scratch};
      int64_t t0 = gb_clock_now_ns();
      gb_algo_choice ch = ops->choose(state, &d);
      int64_t t1 = gb_clock_now_ns();
      sink += ch.index;
      gb_hist_record(h, t1 - t0);
    }
    p50s[r] = (double)gb_hist_percentile(h, 50) / 1000.0;
    p99s[r] = (double)gb_hist_percentile(h, 99) / 1000.0;
    double m = (double)gb_hist_max(h) / 1000.0;
    max_us = m > max_us ? m : max_us;
  }
  (void)sink;
  qsort(p50s, ROUNDS, sizeof *p50s, by_double);
  qsort(p99s, ROUNDS, sizeof *p99s, by_double);
  p99 = p99s[ROUNDS / 2];
  printf("%-11s %10.2f %10.2f %10.2f %10.3f %10.3f %10zu\n", ops->name, p50s[ROUNDS / 2], p99,
         max_us, merge_ms, apply_ms, keys);
out:
  if (state)
    ops->free(state);
  for (int64_t s = 0; s < c->shards; s++)
    gb_tally_free(delta[s]);
  gb_tally_free(merged);
  gb_hist_free(h);
  free(cand);
  free(scratch);
  return p99;
}

/* The batch models' training time on an interaction log. */
static int bench_training(const char *path, int64_t repeats, gb_err *err) {
  gb_eval_log *log = NULL;
  if (gb_eval_log_read(path, GB_EVAL_STEAM200K, &log, err) != 0)
    return -1;
  const gb_interactions *x = gb_eval_log_matrix(log);
  printf("\ntraining on %s: %u users x %u items, %zu cells, %lld repeats\n\n", path,
         gb_interactions_rows(x), gb_interactions_cols(x), gb_interactions_nnz(x),
         (long long)repeats);
  printf("%-11s %10s %10s %10s\n", "model", "median_s", "min_s", "max_s");
  static const char *const models[] = {"popularity", "itemknn", "rp3beta", "ease", "als"};
  int rc = 0;
  double worst = 0;
  for (size_t m = 0; m < sizeof models / sizeof models[0] && rc == 0; m++) {
    gb_ranker_config c;
    double t[64];
    if (gb_ranker_config_init(&c, models[m], err) != 0) {
      rc = -1;
      break;
    }
    for (int64_t r = 0; r < repeats && rc == 0; r++) {
      gb_ranker *rk = NULL;
      int64_t t0 = gb_clock_now_ns();
      rc = gb_ranker_fit(&c, x, 1, &rk, err);
      t[r] = (double)(gb_clock_now_ns() - t0) / 1e9;
      gb_ranker_free(rk);
    }
    if (rc != 0)
      break;
    qsort(t, (size_t)repeats, sizeof *t, by_double);
    double med = repeats % 2 ? t[repeats / 2] : (t[repeats / 2 - 1] + t[repeats / 2]) / 2;
    printf("%-11s %10.3f %10.3f %10.3f\n", models[m], med, t[0], t[repeats - 1]);
    if (strcmp(models[m], "popularity") != 0 && strcmp(models[m], "rp3beta") != 0 && med > worst)
      worst = med;
  }
  if (rc == 0)
    printf("\ntraining target <= %.0f s for item-kNN, EASE and ALS: %s (slowest median %.3f s)\n",
           TRAINING_TARGET_S, worst <= TRAINING_TARGET_S ? "met" : "NOT met", worst);
  gb_eval_log_free(log);
  return rc;
}

int gb_bench_recommender(int argc, char **argv) {
  bench_cfg c = {.candidates = 500, .decisions = 20000, .props = 200000, .shards = 2, .seed = 1};
  const char *interactions = access(STEAM_LOG, R_OK) == 0 ? STEAM_LOG : "";
  int64_t train_repeats = 5;
  const gb_opt opts[] = {
      {"candidates", 'c', GB_OPT_INT, &c.candidates, "N",
       "eligible challenges per decision (default 500)", 1, GB_ALGO_CANDIDATES_MAX},
      {"decisions", 'n', GB_OPT_INT, &c.decisions, "N",
       "decisions timed per algorithm (default "
       "20000)",
       1, 10000000},
      {"props", 'p', GB_OPT_INT, &c.props, "N", "synthetic props learnt from (default 200000)", 0,
       100000000},
      {"shards", 0, GB_OPT_INT, &c.shards, "N", "shards whose tallies are merged (default 2)", 1,
       64},
      {"seed", 0, GB_OPT_INT, &c.seed, "S", "seed of the synthetic data (default 1)", 0, 0},
      {"interactions", 0, GB_OPT_STRING, &interactions, "FILE",
       "steam-200k log the batch models train on (default ../shared/data/steam-200k-plays.csv "
       "when present; '' skips)",
       0, 0},
      {"train-repeats", 0, GB_OPT_INT, &train_repeats, "N", "fits per model (default 5)", 1, 64},
      {0},
  };
  const gb_cmd_spec spec = {
      .name = "bench recommender",
      .usage = "[options]",
      .summary = "Decision latency of every online algorithm, and its epoch's merge and apply.",
      .details = details,
      .opts = opts,
  };
  gb_opts_result res;
  int parsed = gb_opts_command(&spec, argc, argv, &res);
  if (parsed >= 0)
    return parsed;
  gb_err err = {0};
  printf("%lld candidates, %lld decisions, %lld props over %lld shards\n\n",
         (long long)c.candidates, (long long)c.decisions, (long long)c.props, (long long)c.shards);
  printf("%-11s %10s %10s %10s %10s %10s %10s\n", "algorithm", "p50_us", "p99_us", "max_us",
         "merge_ms", "apply_ms", "keys");
  size_t n;
  const gb_algo_ops *const *reg = gb_algo_registry(&n);
  double worst = 0;
  const char *worst_name = "";
  for (size_t i = 0; i < n; i++) {
    if (!reg[i]->choose)
      continue; /* store only: it makes no decisions on props */
    double p99 = bench_one(reg[i], &c, &err);
    if (p99 < 0)
      return gb_opts_fail(&err);
    if (p99 > worst) {
      worst = p99;
      worst_name = reg[i]->name;
    }
  }
  printf("\ndecision p99 target <= %.0f us: %s (worst: %s, %.2f us)\n", DECISION_P99_TARGET_US,
         worst <= DECISION_P99_TARGET_US ? "met" : "NOT met", worst_name, worst);
  if (interactions[0] && bench_training(interactions, train_repeats, &err) != 0)
    return gb_opts_fail(&err);
  return 0;
}
