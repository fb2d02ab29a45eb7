#include "gb_eval_run.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gb_bootstrap.h"
#include "gb_clock.h"
#include "gb_eval_split.h"
#include "gb_rng.h"

/* Salt of the validation split's seed: a split of its own, independent of the test one. */
static const uint64_t VALIDATION_SALT = 0x76616c6964ULL; /* "valid" */
static const size_t DEFAULT_RESAMPLES = 1000;

struct gb_eval_data {
  gb_eval_opts opts;
  uint32_t users, items;
  size_t interactions;
  gb_eval_split *test; /* of the whole matrix */
  gb_eval_split *val;  /* of test's training matrix */
};

static int check_opts(const gb_eval_opts *o, gb_err *err) {
  if (o->k < 1)
    return gb_err_set(err, GB_ERR_INPUT, "eval: k must be >= 1");
  if (!(o->holdout > 0 && o->holdout < 1))
    return gb_err_set(err, GB_ERR_INPUT, "eval: holdout %g is outside (0, 1)", o->holdout);
  if (o->min_items < 2)
    return gb_err_set(err, GB_ERR_INPUT, "eval: min_items must be >= 2");
  return 0;
}

int gb_eval_prepare(const gb_interactions *all, const gb_eval_opts *o, gb_eval_data **out,
                    gb_err *err) {
  if (check_opts(o, err) != 0)
    return -1;
  uint32_t *users = NULL;
  size_t n = 0;
  gb_eval_data *d = calloc(1, sizeof *d);
  if (!d)
    return gb_err_set(err, GB_ERR_RUNTIME, "eval: out of memory");
  d->opts = *o;
  d->users = gb_interactions_rows(all);
  d->items = gb_interactions_cols(all);
  d->interactions = gb_interactions_nnz(all);
  int rc = gb_eval_split_users_with(all, o->min_items, &users, &n, err);
  if (rc == 0 && n == 0)
    rc = gb_err_set(err, GB_ERR_INPUT, "eval: no user has %zu or more items (of %u users)",
                    o->min_items, d->users);
  if (rc == 0)
    rc = gb_eval_split_new(all, users, n, o->holdout, o->seed, &d->test, err);
  /* the same users again, over what the test split left them */
  if (rc == 0)
    rc = gb_eval_split_new(gb_eval_split_train(d->test), users, n, o->holdout,
                           gb_hash3(o->seed, VALIDATION_SALT, 0), &d->val, err);
  free(users);
  if (rc != 0) {
    gb_eval_data_free(d);
    return -1;
  }
  *out = d;
  return 0;
}

void gb_eval_data_free(gb_eval_data *d) {
  if (!d)
    return;
  gb_eval_split_free(d->test);
  gb_eval_split_free(d->val);
  free(d);
}

static size_t held_total(const gb_eval_split *s) {
  size_t total = 0;
  for (size_t i = 0; i < gb_eval_split_count(s); i++) {
    const uint32_t *items;
    total += gb_eval_split_test(s, i, &items);
  }
  return total;
}

void gb_eval_data_counts(const gb_eval_data *d, gb_eval_counts *out) {
  *out = (gb_eval_counts){
      .users = d->users,
      .items = d->items,
      .interactions = d->interactions,
      .evaluated = gb_eval_split_count(d->test),
      .train = gb_interactions_nnz(gb_eval_split_train(d->test)),
      .test = held_total(d->test),
      .val_train = gb_interactions_nnz(gb_eval_split_train(d->val)),
      .val = held_total(d->val),
  };
}

const gb_interactions *gb_eval_data_train(const gb_eval_data *d) {
  return gb_eval_split_train(d->test);
}

/* Step 4 on split s with r fitted on its training matrix: the users' metrics into acc. */
static int score_split(const gb_ranker *r, const gb_eval_split *s, size_t k, gb_eval_acc *acc,
                       gb_err *err) {
  const gb_interactions *train = gb_eval_split_train(s);
  uint32_t n_items = gb_ranker_items(r);
  GB_ASSERT(n_items == gb_interactions_cols(train));
  double *scores = malloc(((size_t)n_items + 1) * sizeof *scores);
  uint32_t *ranked = malloc(k * sizeof *ranked);
  void *heap = malloc(gb_eval_top_k_scratch(k));
  int rc = 0;
  if (!scores || !ranked || !heap)
    rc = gb_err_set(err, GB_ERR_RUNTIME, "eval: out of memory for the scores of %u items", n_items);
  for (size_t i = 0; rc == 0 && i < gb_eval_split_count(s); i++) {
    const uint32_t *hist, *test;
    const double *w;
    size_t n_hist = gb_interactions_row(train, gb_eval_split_user(s, i), &hist, &w);
    size_t n_test = gb_eval_split_test(s, i, &test);
    rc = gb_ranker_score(r, hist, w, n_hist, scores, err);
    if (rc == 0) {
      size_t n = gb_eval_top_k(scores, n_items, hist, n_hist, k, ranked, heap);
      rc = gb_eval_acc_add(acc, ranked, n, test, n_test, err);
    }
  }
  free(scores);
  free(ranked);
  free(heap);
  return rc;
}

/* Fits c on s's training matrix and evaluates it on s's held-out items. */
static int fit_and_score(const gb_eval_data *d, const gb_eval_split *s, const gb_ranker_config *c,
                         gb_eval_metrics *out, gb_err *err) {
  gb_ranker *r = NULL;
  gb_eval_acc *acc = NULL;
  int rc = gb_ranker_fit(c, gb_eval_split_train(s), d->opts.seed, &r, err);
  if (rc == 0)
    rc = gb_eval_acc_new(d->items, d->opts.k, gb_eval_split_count(s), &acc, err);
  if (rc == 0)
    rc = score_split(r, s, d->opts.k, acc, err);
  if (rc == 0)
    gb_eval_acc_result(acc, out);
  gb_eval_acc_free(acc);
  gb_ranker_free(r);
  return rc;
}

int gb_eval_score_test(const gb_eval_data *d, const gb_ranker *r, gb_eval_metrics *out,
                       double **ndcg, gb_err *err) {
  gb_eval_acc *acc = NULL;
  int rc = gb_eval_acc_new(d->items, d->opts.k, gb_eval_split_count(d->test), &acc, err);
  if (rc == 0)
    rc = score_split(r, d->test, d->opts.k, acc, err);
  if (rc == 0) {
    gb_eval_acc_result(acc, out);
    if (ndcg) {
      size_t n;
      const double *v = gb_eval_acc_ndcg(acc, &n);
      *ndcg = malloc((n + 1) * sizeof **ndcg);
      if (!*ndcg)
        rc = gb_err_set(err, GB_ERR_RUNTIME, "eval: out of memory");
      else
        memcpy(*ndcg, v, n * sizeof **ndcg);
    }
  }
  gb_eval_acc_free(acc);
  return rc;
}

/* ---- the grid ------------------------------------------------------------------------------ */

typedef struct grid {
  size_t n_axes;
  size_t axis[GB_RANKER_MAX_PARAMS]; /* parameter index of each axis */
  size_t points;
} grid;

static int make_grid(const gb_ranker_config *c, grid *g, gb_err *err) {
  *g = (grid){.points = 1};
  for (size_t p = 0; p < c->info->n_params; p++) {
    const gb_ranker_param *d = &c->info->params[p];
    if (d->n_grid == 0 || (c->given >> p & 1u) || !gb_ranker_param_applies(c, p))
      continue;
    g->axis[g->n_axes++] = p;
    g->points *= d->n_grid;
    if (g->points > GB_EVAL_MAX_GRID)
      return gb_err_set(err, GB_ERR_INPUT,
                        "%s: the validation grid has more than %d points: give "
                        "some parameters",
                        c->info->name, GB_EVAL_MAX_GRID);
  }
  return 0;
}

/* Grid point i of c: the last axis varies fastest. */
static void grid_point(const gb_ranker_config *c, const grid *g, size_t i, gb_ranker_config *out) {
  *out = *c;
  for (size_t a = g->n_axes; a-- > 0;) {
    const gb_ranker_param *d = &c->info->params[g->axis[a]];
    out->v[g->axis[a]] = d->grid[i % d->n_grid];
    i /= d->n_grid;
  }
}

static double seconds_since(int64_t t0) { return (double)(gb_clock_now_ns() - t0) / 1e9; }

/* Step 3's search: the best point's configuration into *best and its NDCG into *best_ndcg. */
static int tune(const gb_eval_data *d, const gb_ranker_config *c, const grid *g,
                gb_ranker_config *best, double *best_ndcg, gb_err *err) {
  *best_ndcg = -1;
  for (size_t i = 0; i < g->points; i++) {
    gb_ranker_config point;
    grid_point(c, g, i, &point);
    gb_eval_metrics m;
    int64_t t0 = gb_clock_now_ns();
    if (fit_and_score(d, d->val, &point, &m, err) != 0)
      return -1;
    if (d->opts.progress) {
      char text[GB_RANKER_SPEC_MAX];
      gb_ranker_config_format(&point, text, sizeof text);
      fprintf(d->opts.progress, "eval: %s: validation NDCG@%zu %.4f (%.2f s)\n", text, d->opts.k,
              m.ndcg, seconds_since(t0));
    }
    if (m.ndcg > *best_ndcg) {
      *best_ndcg = m.ndcg;
      *best = point;
    }
  }
  return 0;
}

static int interval(const gb_eval_data *d, const double *ndcg, size_t n, gb_eval_result *out,
                    gb_err *err) {
  gb_bootstrap_opts bo = {.stat = gb_bootstrap_mean,
                          .resamples = d->opts.resamples ? d->opts.resamples : DEFAULT_RESAMPLES,
                          .seed = d->opts.seed};
  gb_bootstrap_result br;
  if (gb_bootstrap_interval(ndcg, n, &bo, &br, err) != 0)
    return -1;
  out->ndcg_lo = br.lo;
  out->ndcg_hi = br.hi;
  return 0;
}

int gb_eval_algorithm(const gb_eval_data *d, const gb_ranker_config *c, const char *spec,
                      gb_eval_result *out, gb_err *err) {
  grid g;
  if (make_grid(c, &g, err) != 0)
    return -1;
  gb_eval_result res = {.grid_points = g.points};
  snprintf(res.spec, sizeof res.spec, "%s", spec);
  gb_ranker_config best;
  int64_t t0 = gb_clock_now_ns();
  if (tune(d, c, &g, &best, &res.val_ndcg, err) != 0)
    return gb_err_prefix(err, "%s: ", spec);
  res.tune_s = seconds_since(t0);
  gb_ranker_config_format(&best, res.chosen, sizeof res.chosen);
  gb_ranker *r = NULL;
  double *ndcg = NULL;
  t0 = gb_clock_now_ns();
  int rc = gb_ranker_fit(&best, gb_eval_split_train(d->test), d->opts.seed, &r, err);
  res.fit_s = seconds_since(t0);
  if (rc == 0)
    rc = gb_eval_score_test(d, r, &res.test, &ndcg, err);
  if (rc == 0)
    rc = interval(d, ndcg, res.test.users, &res, err);
  free(ndcg);
  gb_ranker_free(r);
  if (rc != 0)
    return gb_err_prefix(err, "%s: ", spec);
  if (d->opts.progress)
    fprintf(d->opts.progress, "eval: %s: chose %s; test NDCG@%zu %.4f, fit %.3f s\n", spec,
            res.chosen, d->opts.k, res.test.ndcg, res.fit_s);
  *out = res;
  return 0;
}
