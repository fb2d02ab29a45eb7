/* gb_eval_run: offline evaluation of the batch models (gb_ranker.h) on an interaction matrix —
 * the protocol of `gamebench eval`, docs/metrics.md.
 *
 * 1. Test split: every user with at least min_items items has holdout of them held out
 *    (gb_eval_split.h, seed `seed`); the rest of the matrix, every other user's items included,
 *    is the training matrix.
 * 2. Validation split: the same over the training matrix for the same users (at least one item
 *    held out, at least one kept), with a seed derived from `seed`. Hyper-parameters are chosen
 *    here and never look at the test items.
 * 3. For each algorithm: every point of its grid (the cartesian product of the grids of the
 *    parameters the user did not give, gb_ranker_param.grid; the first parameter varies
 *    slowest) is fitted on the validation-training matrix and scored by NDCG@k on the validation
 *    items; the best point (ties: the first) is refitted on the whole training matrix — the fit
 *    that is timed — and evaluated on the test items.
 * 4. Evaluation of a fitted model: for each evaluated user, the model scores every item from the
 *    user's training row (gb_ranker_score), the training items are left out, the top k are
 *    ranked (gb_eval_top_k: ties to the smaller index) and compared with the held-out items
 *    (gb_eval_metrics.h): full ranking of the unseen catalogue, no sampled negatives.
 *
 * Everything is deterministic for a given matrix, options and algorithm list (the models draw
 * only from the seed); the fit times are wall-clock and are not. Single-threaded, except inside
 * OpenBLAS. */
#ifndef GB_EVAL_RUN_H
#define GB_EVAL_RUN_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "gb_err.h"
#include "gb_eval_metrics.h"
#include "gb_interactions.h"
#include "gb_ranker.h"

enum { GB_EVAL_MAX_GRID = 256 /* grid points of one algorithm */ };

typedef struct gb_eval_opts {
  size_t k;         /* cut-off, >= 1 */
  uint64_t seed;    /* of the splits and of the models */
  double holdout;   /* fraction held out, in (0, 1): 0.2 */
  size_t min_items; /* users evaluated: those with at least this many items (>= 2): 5 */
  size_t resamples; /* bootstrap resamples of the NDCG interval; 0: 1000 */
  FILE *progress;   /* one line per grid point and per result, or NULL */
} gb_eval_opts;

/* The prepared splits, shared by the algorithms. */
typedef struct gb_eval_data gb_eval_data;

/* Splits all (users × items) as steps 1 and 2 say into *out. Returns 0, or -1 with an error:
 * GB_ERR_INPUT for options out of range or when no user has min_items items; GB_ERR_RUNTIME
 * when out of memory. */
int gb_eval_prepare(const gb_interactions *all, const gb_eval_opts *o, gb_eval_data **out,
                    gb_err *err);

/* Frees d; NULL is a no-op. */
void gb_eval_data_free(gb_eval_data *d);

/* The counts of the protocol, for reports. */
typedef struct gb_eval_counts {
  uint32_t users, items; /* of the whole matrix */
  size_t interactions;   /* its cells */
  size_t evaluated;      /* users with held-out items */
  size_t train, test;    /* cells in the training matrix, held-out items */
  size_t val_train, val; /* the same for the validation split */
} gb_eval_counts;

void gb_eval_data_counts(const gb_eval_data *d, gb_eval_counts *out);

/* One algorithm's outcome. */
typedef struct gb_eval_result {
  char spec[GB_RANKER_SPEC_MAX];   /* as given ("itemknn:similarity=bm25") */
  char chosen[GB_RANKER_SPEC_MAX]; /* every parameter, as gb_ranker_config_format writes it */
  gb_eval_metrics test;            /* on the test items */
  double ndcg_lo, ndcg_hi;         /* 95 % percentile bootstrap interval of test NDCG@k */
  double val_ndcg;                 /* validation NDCG@k of the chosen point */
  size_t grid_points;              /* points tried on the validation split */
  double tune_s;                   /* wall-clock seconds of the grid (fits and scoring) */
  double fit_s;                    /* wall-clock seconds of the final fit */
} gb_eval_result;

/* Steps 3 and 4 for the configuration c (spec: its text as the user gave it, copied into the
 * result). Returns 0 with *out filled, or -1 with an error: GB_ERR_INPUT when the grid has more
 * than GB_EVAL_MAX_GRID points or a model refuses a point, GB_ERR_RUNTIME from a fit (out of
 * memory, LAPACK). */
int gb_eval_algorithm(const gb_eval_data *d, const gb_ranker_config *c, const char *spec,
                      gb_eval_result *out, gb_err *err);

/* A fitted model's metrics on the test split (step 4 alone), and the per-user NDCG values when
 * ndcg is not NULL (a new array of out->users values the caller frees). */
int gb_eval_score_test(const gb_eval_data *d, const gb_ranker *r, gb_eval_metrics *out,
                       double **ndcg, gb_err *err);

/* The training matrix of the test split (owned by d). */
const gb_interactions *gb_eval_data_train(const gb_eval_data *d);

#endif
