/* gb_eval_metrics: the ranking metrics of offline evaluation at a cut-off k, by the definitions
 * of docs/metrics.md (which also says where libraries disagree and what was chosen here).
 *
 * For one user: the ranked list r_1, r_2, ... (the model's best items first, the user's
 * training items left out), L = min(k, its length), rel_i = 1 when r_i is in the user's
 * held-out set T (|T| >= 1), 0 otherwise, and hits = sum over i <= L of rel_i:
 *
 *   precision@k = hits / k                      (k, not L: a short list is not rewarded)
 *   recall@k    = hits / |T|                    (not min(k, |T|))
 *   hit@k       = 1 when hits > 0, else 0
 *   NDCG@k      = DCG / IDCG, DCG = sum over i <= L of rel_i / log2(i + 1),
 *                 IDCG = sum over i <= min(k, |T|) of 1 / log2(i + 1)   (binary relevance)
 *   AP@k        = (1 / min(k, |T|)) sum over i <= L of rel_i hits_i / i, hits_i the hits in
 *                 the first i positions
 *
 * Over users: each metric is the mean over the evaluated users (MAP@k is the mean AP@k; the hit
 * rate the mean hit@k); catalogue coverage@k = |union of the users' top-k lists| / items.
 *
 * Ranking: gb_eval_top_k orders items by score, highest first, ties to the smaller item index
 * (deterministic); NaN scores rank after every number. No allocation except the accumulator's;
 * no global state. */
#ifndef GB_EVAL_METRICS_H
#define GB_EVAL_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "gb_err.h"

typedef struct gb_eval_user_metrics {
  double precision, recall, ndcg, ap, hit;
} gb_eval_user_metrics;

/* The metrics of one user at k >= 1 from ranked[0..n_ranked) (n_ranked may exceed k: the rest
 * is ignored) and the held-out set relevant[0..n_relevant) (ascending, distinct, n_relevant
 * >= 1). */
void gb_eval_metrics_user(const uint32_t *ranked, size_t n_ranked, size_t k,
                          const uint32_t *relevant, size_t n_relevant, gb_eval_user_metrics *out);

/* The k best items (k >= 1) of scores[0..n_items) into out[0..k), best first, leaving out the
 * items of exclude[0..n_exclude) (ascending); returns how many were written (fewer than k when
 * fewer items are left). heap is scratch of k entries (gb_eval_top_k_scratch bytes). */
size_t gb_eval_top_k(const double *scores, uint32_t n_items, const uint32_t *exclude,
                     size_t n_exclude, size_t k, uint32_t *out, void *heap);
size_t gb_eval_top_k_scratch(size_t k);

/* The means over users and the coverage. */
typedef struct gb_eval_metrics {
  size_t users;
  double precision, recall, ndcg, map, hit_rate, coverage;
} gb_eval_metrics;

/* Sums users' metrics and the items their lists cover. */
typedef struct gb_eval_acc gb_eval_acc;

/* An accumulator for a catalogue of n_items and cut-off k >= 1, room for expected_users (a
 * hint). Returns 0, or -1 with GB_ERR_RUNTIME when out of memory. */
int gb_eval_acc_new(uint32_t n_items, size_t k, size_t expected_users, gb_eval_acc **out,
                    gb_err *err);

/* Adds one user (arguments as gb_eval_metrics_user; ranked items < n_items). Returns 0, or -1
 * with GB_ERR_RUNTIME when out of memory (keeping each user's NDCG for the interval). */
int gb_eval_acc_add(gb_eval_acc *a, const uint32_t *ranked, size_t n_ranked,
                    const uint32_t *relevant, size_t n_relevant, gb_err *err);

/* The means and the coverage so far (every field 0 before the first user). */
void gb_eval_acc_result(const gb_eval_acc *a, gb_eval_metrics *out);

/* The users' NDCG@k values in the order they were added (owned by a), and their count. */
const double *gb_eval_acc_ndcg(const gb_eval_acc *a, size_t *n);

/* Frees a; NULL is a no-op. */
void gb_eval_acc_free(gb_eval_acc *a);

#endif
